//! The daemon's HTTP endpoint (axum): `POST /webhook` (GitHub deliveries, judged by [`super::webhook::Gate`]),
//! `GET /healthz` (the process answers), `GET /readyz` (a first pass has finished and the daemon is not
//! stopping), `GET /metrics` (Prometheus text). The handlers only translate: every decision is elsewhere.

use super::metrics::{self, Metrics};
use super::scheduler::{Handle, Trigger};
use super::webhook::{self, Gate, Headers, Received};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// What the handlers share.
pub struct AppState {
    pub metrics: Arc<Metrics>,
    /// `None` when no webhook secret is configured: the endpoint then refuses every delivery.
    pub gate: Option<Gate>,
    pub scheduler: Handle<super::Job>,
    /// Set once the first pass has finished; cleared when shutting down.
    pub ready: Arc<AtomicBool>,
}

/// The router over `state`.
pub fn router(state: Arc<AppState>) -> Router {
    let limit = state.gate.as_ref().map_or(webhook::DEFAULT_MAX_BODY, Gate::body_limit);
    Router::new()
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics_text))
        .route("/webhook", post(receive))
        // Bodies over the limit are refused while being read, before they are buffered whole.
        .layer(DefaultBodyLimit::max(limit))
        .with_state(state)
}

async fn readyz(State(state): State<Arc<AppState>>) -> Response {
    if state.ready.load(Ordering::SeqCst) {
        (StatusCode::OK, "ready\n").into_response()
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "not ready: no reconcile pass has finished yet\n").into_response()
    }
}

async fn metrics_text(State(state): State<Arc<AppState>>) -> Response {
    state.metrics.queue_depth.set(i64::try_from(state.scheduler.queue_depth()).unwrap_or(i64::MAX));
    ([(header::CONTENT_TYPE, metrics::CONTENT_TYPE)], state.metrics.render()).into_response()
}

async fn receive(State(state): State<Arc<AppState>>, headers: HeaderMap, body: Bytes) -> Response {
    let h = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let event_name = h("x-github-event").unwrap_or("unknown").to_owned();
    // The event name is unauthenticated until the signature verifies: keep label values bounded.
    let label = match event_name.as_str() {
        "push" | "pull_request" | "pull_request_review" | "check_suite" | "ping" => event_name.as_str(),
        _ => "other",
    };
    let Some(gate) = &state.gate else {
        state.metrics.webhook(label, "401");
        return (StatusCode::UNAUTHORIZED, "webhooks are not configured: set PAVED_WEBHOOK_SECRET\n").into_response();
    };
    let received = gate.receive(
        &Headers { signature: h("x-hub-signature-256"), event: h("x-github-event"), delivery: h("x-github-delivery") },
        &body,
    );
    let delivery = h("x-github-delivery").unwrap_or("-");
    match received {
        Ok(Received::Event(event)) => {
            state.metrics.webhook(label, "accepted");
            tracing::info!(event = event.name(), repo = event.repo(), delivery, "webhook accepted");
            if event.triggers_reconcile() {
                state.scheduler.trigger(super::Job::Reconcile, Trigger::Webhook);
                // A PR opened, pushed to or reviewed, or a new base commit: the PR plans may change.
                state.scheduler.trigger(super::Job::PrPlans, Trigger::Webhook);
                (StatusCode::ACCEPTED, "accepted\n").into_response()
            } else {
                (StatusCode::OK, "pong\n").into_response()
            }
        }
        Ok(Received::Ignored(reason)) => {
            state.metrics.webhook(label, "ignored");
            tracing::info!(event = %event_name, delivery, %reason, "webhook ignored");
            (StatusCode::ACCEPTED, format!("ignored: {reason}\n")).into_response()
        }
        Ok(Received::Duplicate) => {
            state.metrics.webhook(label, "duplicate");
            tracing::info!(event = %event_name, delivery, "webhook delivery seen before; ignored");
            (StatusCode::OK, "duplicate delivery\n").into_response()
        }
        Err(e) => {
            let status = e.status();
            state.metrics.webhook(label, &status.to_string());
            tracing::warn!(event = %event_name, delivery, status, error = %e, "webhook refused");
            let code = StatusCode::from_u16(status).expect("webhook::Error::status is a valid HTTP status");
            (code, format!("{e}\n")).into_response()
        }
    }
}
