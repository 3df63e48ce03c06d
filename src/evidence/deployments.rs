//! Deployment events for DORA metrics, from two sources:
//! - `evidence/deployments.jsonl`, one JSON object a line as the deploy pipeline writes it (`component`,
//!   `environment`, `commit`, `committedAt`, `deployedAt`, `status`, `changeFailure`, `restoredAt`, `incident`);
//! - each service repo's production deployments on the forge, and its issues with the incident label
//!   (`platform.yaml` `spec.evidence.incidentLabel`), gathered by `ops` into [`External::delivery`].
//!
//! An incident marks the last successful production deployment of its service before it was opened as a change
//! failure, restored when the incident closed. A line or record that does not read is skipped and reported
//! (with its line, or its repo and number); it never stops the others. A forge that cannot be read is reported
//! for that source.

use super::error::Error;
use super::fact::{CLOCK_SKEW, Citation, parse_time};
use super::inputs::{External, Inputs};
use crate::model::Model;
use crate::model::entity_ref::EntityRef;
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

// Named here, where it is read; defined apart so that `External` can hold it without importing a collector.
pub use super::forge_delivery::ForgeDelivery;

pub const FILE: &str = "evidence/deployments.jsonl";

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Deployment {
    pub component: EntityRef,
    pub environment: String,
    pub commit: String,
    pub committed_at: Option<DateTime<Utc>>,
    pub deployed_at: DateTime<Utc>,
    pub succeeded: bool,
    pub change_failure: bool,
    pub restored_at: Option<DateTime<Utc>>,
    /// Forge incidents this deployment caused (the last successful production deployment before each).
    pub incidents: Vec<Incident>,
}

impl Deployment {
    /// How long each failure it caused took to restore: to `restoredAt` from the deployment, and from each closed
    /// incident's opening to its closing.
    pub fn restore_times(&self) -> Vec<chrono::Duration> {
        let mut out: Vec<_> = self.restored_at.map(|r| r - self.deployed_at).into_iter().collect();
        out.extend(self.incidents.iter().filter_map(|i| Some(i.closed_at? - i.opened_at)));
        out
    }
}

/// An issue with the incident label on a service repo.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Incident {
    pub repo: String,
    pub number: u64,
    pub opened_at: DateTime<Utc>,
    /// `None` while it is open.
    pub closed_at: Option<DateTime<Utc>>,
}

/// What one service repo on the forge contributed, or why it could not.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ForgeSource {
    /// `owner/name`, or `forge` when the forge itself could not be opened.
    pub repo: String,
    pub deployments: usize,
    pub incidents: usize,
    pub error: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Deployments {
    pub events: Vec<Deployment>,
    /// `path:line: reason` (or `owner/name deployment <id>: reason`) of every record left out.
    pub skipped: Vec<String>,
    pub citation: Option<Citation>,
    /// The forge's service repos that answered (or failed to).
    pub forge: Vec<ForgeSource>,
    /// Incidents with no successful production deployment of their service before them.
    pub unattributed: Vec<String>,
}

fn read_line(line: &str, now: DateTime<Utc>) -> Result<Deployment, Error> {
    let v: serde_json::Value =
        serde_json::from_str(line).map_err(|e| Error::Parse { what: "not JSON", message: e.to_string() })?;
    let text = |k: &str| v.get(k).and_then(serde_json::Value::as_str);
    let component = text("component").ok_or(Error::Invalid("no `component`"))?;
    let component = EntityRef::parse(component, Some("component"), "default")?;
    let deployed_at = text("deployedAt").and_then(parse_time).ok_or(Error::Invalid("no valid `deployedAt`"))?;
    if deployed_at > now + CLOCK_SKEW {
        return Err(Error::FromFuture { what: "deployedAt", at: deployed_at });
    }
    Ok(Deployment {
        component,
        environment: text("environment").unwrap_or("production").to_owned(),
        commit: text("commit").unwrap_or_default().to_owned(),
        committed_at: text("committedAt").and_then(parse_time),
        deployed_at,
        succeeded: text("status").is_none_or(|s| s == "succeeded" || s == "success"),
        change_failure: v.get("changeFailure").and_then(serde_json::Value::as_bool).unwrap_or(false),
        restored_at: text("restoredAt").and_then(parse_time),
        incidents: Vec::new(),
    })
}

/// Read the deployment events of both sources; `None` when there are none and no forge was asked.
pub fn collect(inputs: &Inputs<'_>) -> Option<Deployments> {
    let from_file = from_file(inputs);
    let external = inputs.external;
    if from_file.is_none() && external.delivery.is_empty() && external.delivery_error.is_none() {
        return None;
    }
    let mut out = from_file.unwrap_or_default();
    merge_forge(&mut out, inputs.model, external, inputs.now);
    out.events.sort_by(|a, b| (a.deployed_at, &a.component).cmp(&(b.deployed_at, &b.component)));
    Some(out)
}

fn from_file(inputs: &Inputs<'_>) -> Option<Deployments> {
    let file = match inputs.file(FILE)? {
        Ok(f) => f,
        Err(e) => return Some(Deployments { skipped: vec![e.to_string()], ..Deployments::default() }),
    };
    let mut out = Deployments { citation: Some(file.citation), ..Deployments::default() };
    for (i, line) in file.text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        match read_line(line, inputs.now) {
            Ok(d) => out.events.push(d),
            Err(e) => out.skipped.push(format!("{FILE}:{}: {e}", i + 1)),
        }
    }
    Some(out)
}

/// A time the forge wrote, not after the observation.
fn forge_time(text: &str, what: &'static str, now: DateTime<Utc>) -> Result<DateTime<Utc>, Error> {
    let t =
        parse_time(text).ok_or_else(|| Error::BadValue { field: what, value: text.to_owned(), expected: "a time" })?;
    if t > now + CLOCK_SKEW {
        return Err(Error::FromFuture { what, at: t });
    }
    Ok(t)
}

/// A forge deployment as a DORA event: it counts at its latest `success`, `failure` or `error` status. `None`
/// while it has none (pending, queued, in progress).
fn from_forge(
    component: &EntityRef,
    d: &crate::forge::Deployment,
    commit_times: &BTreeMap<String, DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<Option<Deployment>, Error> {
    let mut outcome: Option<(DateTime<Utc>, bool)> = None;
    for status in &d.statuses {
        let succeeded = match status.state.as_str() {
            "success" => true,
            "failure" | "error" => false,
            "inactive" | "pending" | "queued" | "in_progress" => continue,
            other => return Err(Error::UnknownState(other.to_owned())),
        };
        let at = forge_time(&status.created_at, "status time", now)?;
        if outcome.is_none_or(|(t, _)| at > t) {
            outcome = Some((at, succeeded));
        }
    }
    Ok(outcome.map(|(deployed_at, succeeded)| Deployment {
        component: component.clone(),
        environment: d.environment.clone(),
        commit: d.sha.clone(),
        committed_at: commit_times.get(&d.sha).copied(),
        deployed_at,
        succeeded,
        change_failure: false,
        restored_at: None,
        incidents: Vec::new(),
    }))
}

fn read_incident(repo: &str, i: &crate::forge::Issue, now: DateTime<Utc>) -> Result<Incident, Error> {
    let opened_at = forge_time(&i.created_at, "created_at", now)?;
    let closed_at = i.closed_at.as_deref().map(|c| forge_time(c, "closed_at", now)).transpose()?;
    if closed_at.is_some_and(|c| c < opened_at) {
        return Err(Error::Invalid("closed before it was opened"));
    }
    Ok(Incident { repo: repo.to_owned(), number: i.number, opened_at, closed_at })
}

/// Add each service repo's forge deployments and attribute its incidents.
fn merge_forge(out: &mut Deployments, model: &Model, external: &External, now: DateTime<Utc>) {
    if let Some(e) = &external.delivery_error {
        out.forge.push(ForgeSource { repo: "forge".to_owned(), deployments: 0, incidents: 0, error: Some(e.clone()) });
    }
    let mut component_of: BTreeMap<&str, &EntityRef> = BTreeMap::new();
    for (r, item) in model.catalog.of_kind("component") {
        if let Some(repo) = Model::repo_of(&item.entity) {
            component_of.entry(repo).or_insert(r);
        }
    }
    let label = model.platform.spec.evidence.incident_label();
    for (repo, delivery) in &external.delivery {
        let (Some(component), Ok(delivery)) = (component_of.get(repo.as_str()), delivery) else {
            let error = delivery.as_ref().err().map(ToString::to_string);
            out.forge.push(ForgeSource { repo: repo.clone(), deployments: 0, incidents: 0, error });
            continue;
        };
        // The deploy pipeline may report a deployment both ways: it counts once.
        let known: BTreeSet<(EntityRef, String, String)> =
            out.events.iter().map(|d| (d.component.clone(), d.environment.clone(), d.commit.clone())).collect();
        let mut source = ForgeSource { repo: repo.clone(), deployments: 0, incidents: 0, error: None };
        for d in &delivery.deployments {
            if known.contains(&((*component).clone(), d.environment.clone(), d.sha.clone())) {
                continue;
            }
            match from_forge(component, d, &delivery.commit_times, now) {
                Ok(Some(event)) => {
                    source.deployments += 1;
                    out.events.push(event);
                }
                Ok(None) => {}
                Err(e) => out.skipped.push(format!("{repo} deployment {}: {e}", d.id)),
            }
        }
        for issue in delivery.incidents.iter().filter(|i| i.labels.iter().any(|l| l == label)) {
            let incident = match read_incident(repo, issue, now) {
                Ok(i) => i,
                Err(e) => {
                    out.skipped.push(format!("{repo} incident #{}: {e}", issue.number));
                    continue;
                }
            };
            source.incidents += 1;
            let cause = out
                .events
                .iter_mut()
                .filter(|d| {
                    &d.component == *component
                        && d.environment == "production"
                        && d.succeeded
                        && d.deployed_at <= incident.opened_at
                })
                .max_by_key(|d| d.deployed_at);
            match cause {
                Some(d) => {
                    d.change_failure = true;
                    d.incidents.push(incident);
                }
                None => out.unattributed.push(format!(
                    "{repo} incident #{}: no successful production deployment before it",
                    incident.number
                )),
            }
        }
        out.forge.push(source);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn forge_deployment(statuses: &[(&str, &str)]) -> crate::forge::Deployment {
        crate::forge::Deployment {
            id: 4,
            environment: "production".into(),
            sha: "abc".into(),
            created_at: "2026-11-01T10:00:00Z".into(),
            statuses: statuses
                .iter()
                .map(|(state, at)| crate::forge::DeploymentStatus { state: (*state).into(), created_at: (*at).into() })
                .collect(),
        }
    }

    #[test]
    fn a_forge_deployment_counts_at_its_latest_outcome_and_unknown_states_are_reasons() {
        let c = EntityRef::new("component", "default", "svc");
        let now = parse_time("2026-11-28T00:00:00Z").expect("time");
        let none = BTreeMap::new();
        let d = forge_deployment(&[
            ("failure", "2026-11-01T10:05:00Z"),
            ("success", "2026-11-01T10:30:00Z"),
            ("inactive", "2026-11-02T00:00:00Z"),
        ]);
        let event = from_forge(&c, &d, &none, now).expect("reads").expect("finished");
        assert!(event.succeeded && event.deployed_at == parse_time("2026-11-01T10:30:00Z").expect("time"));
        assert_eq!(event.committed_at, None, "commit time unknown: no lead time");
        assert_eq!(from_forge(&c, &forge_deployment(&[("queued", "2026-11-01T10:01:00Z")]), &none, now), Ok(None));
        let err = from_forge(&c, &forge_deployment(&[("exploded", "2026-11-01T10:01:00Z")]), &none, now);
        assert_eq!(err, Err(Error::UnknownState("exploded".to_owned())));
        let err = from_forge(&c, &forge_deployment(&[("success", "yesterday")]), &none, now).expect_err("no time");
        assert_eq!(err.to_string(), "status time `yesterday` is not a time");
    }

    #[test]
    fn an_incident_without_closed_at_is_still_open() {
        let now = parse_time("2026-11-28T00:00:00Z").expect("time");
        let issue = crate::forge::Issue {
            number: 3,
            title: "down".into(),
            created_at: "2026-11-20T10:00:00Z".into(),
            closed_at: None,
            labels: vec!["incident".into()],
        };
        let i = read_incident("acme/svc", &issue, now).expect("reads");
        assert_eq!(i.closed_at, None);
        let future = crate::forge::Issue { created_at: "2027-01-01T00:00:00Z".into(), ..issue };
        assert!(read_incident("acme/svc", &future, now).expect_err("future").to_string().contains("in the future"));
    }
}
