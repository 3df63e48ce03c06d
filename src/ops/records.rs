//! `paved deployment record`, `paved incident open|close`: what a deploy pipeline and an on-call tool report,
//! recorded on the local forge (GitHub keeps its own). DORA's figures read them back as evidence.

use super::{Refused, RepoOptions, on_local_forge};
use crate::model::cache::ParseCache;

/// What to record, as given on the command line.
#[derive(Debug, Clone)]
pub enum Record {
    /// A deployment of `sha` to `environment` on the service repo `on`, with its outcome (`status`).
    Deployment { on: String, sha: String, environment: String, status: String, at: Option<String> },
    /// An incident opened on `on`; `label` defaults to platform.yaml's `spec.evidence.incidentLabel`.
    OpenIncident { on: String, title: String, label: Option<String>, at: Option<String> },
    /// Incident `number` of `on` resolved.
    CloseIncident { on: String, number: u64, at: Option<String> },
}

/// What was recorded.
#[derive(Debug, Clone)]
pub enum Recorded {
    Deployment { on: String, id: u64, sha: String, environment: String, status: String },
    IncidentOpened { on: String, number: u64 },
    IncidentClosed { on: String, number: u64, closed_at: String },
}

/// Record `record` on the platform's local forge, dated `at` (RFC 3339; now when not given).
///
/// # Errors
/// No local forge; `at` is not an RFC 3339 time; what the forge refuses (an unknown repo or incident) as
/// [`Refused`].
pub fn record(options: &RepoOptions, cache: &ParseCache, record: Record) -> anyhow::Result<Recorded> {
    let on_forge = on_local_forge(options, cache, false)?;
    let forge = &on_forge.forge;
    let refused = |e: crate::forge::Error| Refused::unless_transient(e.into());
    Ok(match record {
        Record::Deployment { on, sha, environment, status, at } => {
            let d = forge.record_deployment(&on, &environment, &sha, &status, &timestamp(at)?).map_err(refused)?;
            Recorded::Deployment { on, id: d.id, sha: d.sha, environment, status }
        }
        Record::OpenIncident { on, title, label, at } => {
            let label =
                label.unwrap_or_else(|| on_forge.loaded.model.platform.spec.evidence.incident_label().to_owned());
            let issue = forge.open_issue(&on, &title, &[label], &timestamp(at)?).map_err(refused)?;
            Recorded::IncidentOpened { on, number: issue.number }
        }
        Record::CloseIncident { on, number, at } => {
            let issue = forge.close_issue(&on, number, &timestamp(at)?).map_err(refused)?;
            Recorded::IncidentClosed { on, number: issue.number, closed_at: issue.closed_at.unwrap_or_default() }
        }
    })
}

/// `--at`, as the forge stores times (UTC, seconds); now when not given.
fn timestamp(at: Option<String>) -> anyhow::Result<String> {
    const FORMAT: &str = "%Y-%m-%dT%H:%M:%SZ";
    match at {
        None => Ok(chrono::Utc::now().format(FORMAT).to_string()),
        Some(t) => crate::evidence::parse_time(&t)
            .map(|t| t.format(FORMAT).to_string())
            .ok_or_else(|| anyhow::anyhow!("--at {t}: not an RFC 3339 time")),
    }
}
