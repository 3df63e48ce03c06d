//! The daemon's Prometheus metrics: one [`Metrics`] value holds every family and renders the text exposition
//! (OpenMetrics) for `/metrics`. Recording is lock-free and cheap; nothing here knows about HTTP.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use std::sync::atomic::AtomicU64;

/// The content type of [`Metrics::render`]'s output.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ActionLabels {
    pub kind: String,
    /// `applied` or `failed`.
    pub result: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct PassLabels {
    /// `ok`, `error` or `skipped`.
    pub result: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct StallLabels {
    /// The typed reason of the terminal error (`AuditHistoryRewritten`, `StateMismatch`, `PlatformInvalid`).
    pub reason: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct WebhookLabels {
    pub event: String,
    /// `accepted`, `ignored`, `duplicate`, or the refusal status (`401`, `413`, `400`).
    pub outcome: String,
}

/// Every metric the daemon exports.
pub struct Metrics {
    registry: Registry,
    pub reconcile_duration: Histogram,
    pub reconciles: Family<PassLabels, Counter>,
    pub actions: Family<ActionLabels, Counter>,
    pub errors: Counter,
    pub queue_depth: Gauge,
    pub last_success: Gauge<f64, AtomicU64>,
    pub webhooks: Family<WebhookLabels, Counter>,
    pub stalled: Family<StallLabels, Gauge>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("paved");
        // 10 ms to ~80 s: a pass of a small repo to one that waits on a slow forge.
        let reconcile_duration = Histogram::new(exponential_buckets(0.01, 2.0, 14));
        let reconciles = Family::<PassLabels, Counter>::default();
        let actions = Family::<ActionLabels, Counter>::default();
        let errors = Counter::default();
        let queue_depth = Gauge::default();
        let last_success = Gauge::<f64, AtomicU64>::default();
        let webhooks = Family::<WebhookLabels, Counter>::default();
        let stalled = Family::<StallLabels, Gauge>::default();
        registry.register(
            "reconcile_duration_seconds",
            "Time one reconcile pass took (load, observe, plan, apply)",
            reconcile_duration.clone(),
        );
        registry.register("reconciles", "Reconcile passes by result", reconciles.clone());
        registry.register("actions", "Planned actions carried out, by kind and result", actions.clone());
        registry.register("reconcile_errors", "Reconcile passes that failed", errors.clone());
        registry.register("reconcile_queue_depth", "Repos waiting for a reconcile pass", queue_depth.clone());
        registry.register(
            "last_successful_reconcile_timestamp_seconds",
            "Unix time the last successful reconcile pass ended",
            last_success.clone(),
        );
        registry.register("webhook_deliveries", "Webhook deliveries by event and outcome", webhooks.clone());
        registry.register(
            "stalled",
            "1 while reconciling is stalled on an error that needs a person (by reason), else 0",
            stalled.clone(),
        );
        Metrics {
            registry,
            reconcile_duration,
            reconciles,
            actions,
            errors,
            queue_depth,
            last_success,
            webhooks,
            stalled,
        }
    }

    /// The text exposition of every metric.
    pub fn render(&self) -> String {
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, &self.registry).expect("writing to a String cannot fail");
        out
    }

    pub fn action(&self, kind: &str, result: &str) {
        self.actions.get_or_create(&ActionLabels { kind: kind.to_owned(), result: result.to_owned() }).inc();
    }

    pub fn pass(&self, result: &str) {
        self.reconciles.get_or_create(&PassLabels { result: result.to_owned() }).inc();
    }

    /// Set `paved_stalled{reason}` to 1 when `on`, else 0.
    pub fn stalled(&self, reason: &str, on: bool) {
        self.stalled.get_or_create(&StallLabels { reason: reason.to_owned() }).set(i64::from(on));
    }

    pub fn webhook(&self, event: &str, outcome: &str) {
        self.webhooks.get_or_create(&WebhookLabels { event: event.to_owned(), outcome: outcome.to_owned() }).inc();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_exposition_names_every_family() {
        let m = Metrics::new();
        m.reconcile_duration.observe(0.2);
        m.action("status.write", "applied");
        m.pass("ok");
        m.errors.inc();
        m.queue_depth.set(1);
        m.last_success.set(1_700_000_000.0);
        m.webhook("push", "401");
        m.stalled("StateMismatch", false);
        m.stalled("AuditHistoryRewritten", true);
        let text = m.render();
        for needle in [
            "paved_reconcile_duration_seconds_bucket{le=\"0.32\"} 1",
            "paved_actions_total{kind=\"status.write\",result=\"applied\"} 1",
            "paved_reconciles_total{result=\"ok\"} 1",
            "paved_reconcile_errors_total 1",
            "paved_reconcile_queue_depth 1",
            "paved_last_successful_reconcile_timestamp_seconds 1700000000",
            "paved_webhook_deliveries_total{event=\"push\",outcome=\"401\"} 1",
            "paved_stalled{reason=\"AuditHistoryRewritten\"} 1",
            "paved_stalled{reason=\"StateMismatch\"} 0",
            "# EOF",
        ] {
            assert!(text.contains(needle), "missing {needle} in\n{text}");
        }
    }
}
