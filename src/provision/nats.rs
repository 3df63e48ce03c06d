//! The native queue backend: a NATS JetStream stream for the request's subjects, a durable pull consumer with the
//! requested redelivery limit, and — with `deadLetter` — a dead-letter stream capturing the server's
//! max-deliveries advisories for that consumer (the standard JetStream dead-letter pattern).
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

impl Nats {
    pub fn new(ctx: &Context) -> Self {
        Nats { url: ctx.nats.clone(), platform: ctx.platform.clone() }
    }

    /// The stream's name (see [`naming::NATS_STREAM`](super::naming::NATS_STREAM)); its consumer is it in lower case.
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

    fn block_on<T>(&self, f: impl std::future::Future<Output = Result<T, String>>) -> Result<T, String> {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| e.to_string())?;
        rt.block_on(async {
            tokio::time::timeout(TIMEOUT, f).await.map_err(|_| "NATS did not answer in time".to_owned())?
        })
    }

    async fn connect(&self) -> Result<jetstream::Context, String> {
        let url = self.url.as_deref().ok_or(
            "no NATS server configured; set spec.native.nats in platform.yaml (e.g. \"nats://127.0.0.1:4222\")",
        )?;
        let client = async_nats::ConnectOptions::new()
            .connection_timeout(Duration::from_secs(2))
            .max_reconnects(Some(1))
            .connect(url)
            .await
            .map_err(|e| {
                format!("NATS ({url}) is not reachable: {e}; start it, or point spec.native.nats at a running server")
            })?;
        Ok(jetstream::new(client))
    }
}

impl Backend for Nats {
    fn observe(&self, t: &Target) -> Observation {
        let name = Self::stream_name(&self.platform, t);
        let want = self.subjects(t);
        let result = self.block_on(async {
            let js = self.connect().await.map_err(|e| format!("unavailable:{e}"))?;
            match js.get_stream(&name).await {
                Err(_) => Ok(None),
                Ok(mut s) => {
                    let info = s.info().await.map_err(|e| e.to_string())?;
                    let mut have = info.config.subjects.clone();
                    have.sort();
                    let consumer = s.get_consumer::<consumer::pull::Config>(&name.to_ascii_lowercase()).await.is_ok();
                    Ok(Some((have, consumer)))
                }
            }
        });
        match result {
            Err(e) => Observation::Unavailable { reason: e.trim_start_matches("unavailable:").to_owned() },
            Ok(None) => Observation::Absent,
            Ok(Some((have, _))) if have != want => {
                Observation::Present { drift: Some(format!("stream subjects are {have:?}, request asks {want:?}")) }
            }
            Ok(Some((_, false))) => Observation::Present { drift: Some("the durable consumer is missing".into()) },
            Ok(Some(_)) => Observation::Present { drift: None },
        }
    }

    fn apply(&self, t: &Target, _secrets: &SecretStore) -> Result<Applied, Error> {
        let name = Self::stream_name(&self.platform, t);
        let consumer_name = name.to_ascii_lowercase();
        let subjects = self.subjects(t);
        let hours = t.parameters.get("retentionHours").and_then(|v| v.as_u64()).unwrap_or(168);
        let max_deliver = t.parameters.get("maxDeliver").and_then(|v| v.as_i64()).unwrap_or(5);
        let dead_letter = t.parameters.get("deadLetter").and_then(|v| v.as_bool()).unwrap_or(true);
        self.block_on(async {
            let js = self.connect().await?;
            let config = stream::Config {
                name: name.clone(),
                subjects: subjects.clone(),
                max_age: Duration::from_secs(hours * 3600),
                ..Default::default()
            };
            match js.get_stream(&name).await {
                Ok(_) => {
                    js.update_stream(config).await.map_err(|e| e.to_string())?;
                }
                Err(_) => {
                    js.create_stream(config).await.map_err(|e| e.to_string())?;
                }
            }
            let stream = js.get_stream(&name).await.map_err(|e| e.to_string())?;
            stream
                .get_or_create_consumer(
                    &consumer_name,
                    consumer::pull::Config {
                        durable_name: Some(consumer_name.clone()),
                        max_deliver,
                        ..Default::default()
                    },
                )
                .await
                .map_err(|e| e.to_string())?;
            if dead_letter {
                let dlq = stream::Config {
                    name: format!("{name}_DLQ"),
                    subjects: vec![format!("$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.{name}.*")],
                    max_age: Duration::from_secs(hours * 3600),
                    ..Default::default()
                };
                if js.get_stream(&dlq.name).await.is_err() {
                    js.create_stream(dlq).await.map_err(|e| e.to_string())?;
                }
            }
            Ok(())
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
