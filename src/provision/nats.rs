//! The native queue backend: a NATS JetStream stream for the request's subjects, a durable pull consumer with the
//! requested redelivery limit, and — with `deadLetter` — a dead-letter stream capturing the server's
//! max-deliveries advisories for that consumer (the standard JetStream dead-letter pattern).
//!
//! Every parameter of the queue module is enforced and observed: subjects and retention on the stream, the
//! redelivery limit on the consumer (updated in place when it changes), the dead-letter stream made, kept in step
//! or removed as `deadLetter` says; a difference in any is drift.
//!
//! Subjects are namespaced by platform (`<platform>.<subject>`), so two platforms sharing a server never overlap.
//! The async client runs on a small current-thread runtime; each call is bounded by a timeout.

use super::{Applied, Backend, Context, Error, Observation, SecretStore, Target};
use async_nats::jetstream::{self, consumer, stream};
use std::time::Duration;

const TIMEOUT: Duration = Duration::from_secs(5);

pub struct Nats {
    url: Option<String>,
    platform: String,
}

fn err(e: impl std::fmt::Display) -> Error {
    Error::Backend { backend: "nats", message: e.to_string() }
}

/// Why a call to NATS failed: an observation's reason, or (after `nats: `) an apply's error.
#[derive(Debug, thiserror::Error)]
enum Failure {
    #[error("no NATS server configured; set spec.native.nats in platform.yaml (e.g. \"nats://127.0.0.1:4222\")")]
    NotConfigured,
    #[error("NATS ({url}) is not reachable: {message}; start it, or point spec.native.nats at a running server")]
    Unreachable { url: String, message: String },
    #[error("NATS did not answer in time")]
    Timeout,
    #[error(
        "creating stream {stream}: {message}: stream {holder} already holds its subjects (made by another \
         platform, or by an older paved for a state that is gone); delete it (nats stream rm {holder}) or change \
         this request's subjects"
    )]
    SubjectsHeld { stream: String, message: String, holder: String },
    #[error("creating stream {stream}: {message}")]
    Create { stream: String, message: String },
    /// What JetStream answered (each call has an error type of its own).
    #[error("{0}")]
    JetStream(String),
    /// The runtime the client runs on could not start.
    #[error(transparent)]
    Runtime(#[from] std::io::Error),
}

/// A JetStream call's error.
fn js_error(e: impl std::fmt::Display) -> Failure {
    Failure::JetStream(e.to_string())
}

impl Nats {
    pub fn new(ctx: &Context) -> Self {
        Nats { url: ctx.nats.clone(), platform: ctx.platform.clone() }
    }

    /// The stream's name (see [`naming::NATS_STREAM`](crate::model::naming::NATS_STREAM)); its consumer is it in
    /// lower case.
    pub fn stream_name(platform: &str, t: &Target) -> String {
        t.physical(platform)
    }

    fn subjects(&self, t: &Target) -> Vec<String> {
        let prefix = self.platform.to_ascii_lowercase().replace(|c: char| !c.is_ascii_alphanumeric() && c != '-', "_");
        let mut subjects: Vec<String> = t
            .parameters
            .get("subjects")
            .and_then(|v| v.as_array())
            .map(|a| a.iter().filter_map(|s| s.as_str()).map(|s| format!("{prefix}.{s}")).collect())
            .unwrap_or_default();
        subjects.sort();
        subjects
    }

    fn block_on<T>(&self, f: impl std::future::Future<Output = Result<T, Failure>>) -> Result<T, Failure> {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        rt.block_on(async { tokio::time::timeout(TIMEOUT, f).await.map_err(|_| Failure::Timeout)? })
    }

    async fn connect(&self) -> Result<jetstream::Context, Failure> {
        let url = self.url.as_deref().ok_or(Failure::NotConfigured)?;
        let client = async_nats::ConnectOptions::new()
            .connection_timeout(Duration::from_secs(2))
            .max_reconnects(Some(1))
            .connect(url)
            .await
            .map_err(|e| Failure::Unreachable { url: url.to_owned(), message: e.to_string() })?;
        Ok(jetstream::new(client))
    }
}

/// What a request asks of its stream, consumer and dead-letter stream, every parameter of the queue module
/// (`kind` has the one value `stream`).
#[derive(Debug, PartialEq)]
struct Wanted {
    subjects: Vec<String>,
    max_age: Duration,
    max_deliver: i64,
    dead_letter: bool,
}

/// What the server has of a request's streams and consumer.
struct Seen {
    subjects: Vec<String>,
    max_age: Duration,
    /// The durable consumer's redelivery limit; `None` when it is missing.
    max_deliver: Option<i64>,
    /// The dead-letter stream's retention; `None` when it is missing.
    dead_letter_age: Option<Duration>,
}

impl Nats {
    fn wanted(&self, t: &Target) -> Wanted {
        let hours = t.parameters.get("retentionHours").and_then(|v| v.as_u64()).unwrap_or(168);
        Wanted {
            subjects: self.subjects(t),
            max_age: Duration::from_secs(hours * 3600),
            max_deliver: t.parameters.get("maxDeliver").and_then(|v| v.as_i64()).unwrap_or(5),
            dead_letter: t.parameters.get("deadLetter").and_then(|v| v.as_bool()).unwrap_or(true),
        }
    }
}

/// How what the server has differs from what the request asks, every difference named; `None` when it does not.
fn drift(want: &Wanted, seen: &Seen) -> Option<String> {
    let hours = |d: &Duration| d.as_secs() / 3600;
    let mut found = Vec::new();
    if seen.subjects != want.subjects {
        found.push(format!("stream subjects are {:?}, request asks {:?}", seen.subjects, want.subjects));
    }
    if seen.max_age != want.max_age {
        found.push(format!(
            "messages are kept {}h, request asks {}h (retentionHours)",
            hours(&seen.max_age),
            hours(&want.max_age)
        ));
    }
    match seen.max_deliver {
        None => found.push("the durable consumer is missing".to_owned()),
        Some(n) if n != want.max_deliver => {
            found.push(format!("the consumer delivers {n} times, request asks {} (maxDeliver)", want.max_deliver))
        }
        Some(_) => {}
    }
    match (seen.dead_letter_age, want.dead_letter) {
        (None, true) => found.push("the dead-letter stream is missing".to_owned()),
        (Some(_), false) => found.push("a dead-letter stream exists, request asks for none (deadLetter)".to_owned()),
        (Some(age), true) if age != want.max_age => found.push(format!(
            "dead letters are kept {}h, request asks {}h (retentionHours)",
            hours(&age),
            hours(&want.max_age)
        )),
        _ => {}
    }
    (!found.is_empty()).then(|| found.join("; "))
}

impl Backend for Nats {
    fn observe(&self, t: &Target) -> Observation {
        let name = Self::stream_name(&self.platform, t);
        let result = self.block_on(async {
            let js = self.connect().await?;
            let Ok(mut s) = js.get_stream(&name).await else { return Ok(None) };
            let config = s.info().await.map_err(js_error)?.config.clone();
            let mut subjects = config.subjects;
            subjects.sort();
            let max_deliver = s.consumer_info(name.to_ascii_lowercase()).await.ok().map(|c| c.config.max_deliver);
            let dead_letter_age = match js.get_stream(format!("{name}_DLQ")).await {
                Ok(mut dlq) => Some(dlq.info().await.map_err(js_error)?.config.max_age),
                Err(_) => None,
            };
            Ok(Some(Seen { subjects, max_age: config.max_age, max_deliver, dead_letter_age }))
        });
        match result {
            Err(e) => Observation::Unavailable { reason: e.to_string() },
            Ok(None) => Observation::Absent,
            Ok(Some(seen)) => Observation::Present { drift: drift(&self.wanted(t), &seen) },
        }
    }

    fn apply(&self, t: &Target, _secrets: &SecretStore) -> Result<Applied, Error> {
        let name = Self::stream_name(&self.platform, t);
        let consumer_name = name.to_ascii_lowercase();
        let want = self.wanted(t);
        self.block_on(async {
            let js = self.connect().await?;
            let config = stream::Config {
                name: name.clone(),
                subjects: want.subjects.clone(),
                max_age: want.max_age,
                ..Default::default()
            };
            match js.get_stream(&name).await {
                Ok(_) => {
                    js.update_stream(config).await.map_err(js_error)?;
                }
                Err(_) => {
                    if let Err(e) = js.create_stream(config).await {
                        // Say which stream holds the subjects, so the fix is in the message.
                        let holder = match want.subjects.first() {
                            Some(subject) => js.stream_by_subject(subject.as_str()).await.ok(),
                            None => None,
                        };
                        let (stream, message) = (name.clone(), e.to_string());
                        return Err(match holder {
                            Some(holder) => Failure::SubjectsHeld { stream, message, holder },
                            None => Failure::Create { stream, message },
                        });
                    }
                }
            }
            let stream = js.get_stream(&name).await.map_err(js_error)?;
            // Create or update: a changed maxDeliver reaches the existing consumer.
            stream
                .create_consumer(consumer::pull::Config {
                    durable_name: Some(consumer_name.clone()),
                    max_deliver: want.max_deliver,
                    ..Default::default()
                })
                .await
                .map_err(js_error)?;
            let dlq = stream::Config {
                name: format!("{name}_DLQ"),
                subjects: vec![format!("$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.{name}.*")],
                max_age: want.max_age,
                ..Default::default()
            };
            match (js.get_stream(&dlq.name).await.is_ok(), want.dead_letter) {
                (false, true) => js.create_stream(dlq).await.map(|_| ()).map_err(js_error),
                (true, true) => js.update_stream(dlq).await.map(|_| ()).map_err(js_error),
                // Turning dead letters off removes the stream that kept them, as the request now says.
                (true, false) => js.delete_stream(&dlq.name).await.map(|_| ()).map_err(js_error),
                (false, false) => Ok(()),
            }
        })
        .map_err(err)?;
        Ok(Applied::default())
    }

    fn destroy(&self, t: &Target, _secrets: &SecretStore) -> Result<(), Error> {
        let name = Self::stream_name(&self.platform, t);
        self.block_on(async {
            let js = self.connect().await?;
            for n in [name.clone(), format!("{name}_DLQ")] {
                let _ = js.delete_stream(&n).await;
            }
            Ok(())
        })
        .map_err(err)
    }
}

pub fn expected_outputs(ctx: &Context, t: &Target) -> Vec<(String, String)> {
    let name = Nats::stream_name(&ctx.platform, t);
    let dead_letter = t.parameters.get("deadLetter").and_then(|v| v.as_bool()).unwrap_or(true);
    let mut out = vec![("stream".into(), name.clone()), ("consumer".into(), name.to_ascii_lowercase())];
    if dead_letter {
        out.push(("deadLetterStream".into(), format!("{name}_DLQ")));
    }
    out.push(("subjects".into(), Nats::new(ctx).subjects(t).join(",")));
    out.push(("url".into(), ctx.nats.clone().unwrap_or_default()));
    out
}
