//! A request's status document (`status/requests/<team>/<name>.yaml`): what paved records of each request, where
//! it lives, and the provisioning target a request names (with the names it holds). Observation, planning and
//! apply all take them from here, so they agree on the target apply will use.

use super::{Applied, SecretStore, Target};
use crate::model::Model;
use crate::model::capability::Capability;
use crate::model::naming;
use crate::model::platform::BackendKind;
use crate::model::request::Request;
use crate::model::status::{Phase, StalledReason};
use crate::policy::Verdict;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestStatus {
    pub request: String,
    pub source: String,
    pub capability: Capability,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backend: Option<BackendKind>,
    pub phase: Phase,
    /// Why it is Stalled; only a Stalled status has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<StalledReason>,
    #[serde(default)]
    pub message: String,
    /// The digest of what was last applied; absent when nothing ever was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub applied: Option<String>,
    #[serde(default)]
    pub deletion_protection: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requested_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verdict: Option<Verdict>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub outputs: BTreeMap<String, String>,
    /// Parameters the backend accepted but does not enforce, with what the request gets instead (a Ready status
    /// never claims what was not done).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub not_enforced: BTreeMap<String, String>,
    /// Where the secrets are (never the secrets themselves).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secrets: Option<String>,
    /// What to observe or destroy once the request file is gone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<Target>,
}

pub fn status_path(key: &str) -> String {
    format!("status/requests/{key}.yaml")
}

/// The backend a request uses: `platform.yaml` `spec.backends`, else the module's first.
pub fn backend_of(model: &Model, r: &Request) -> Option<BackendKind> {
    model.backend_of(r)
}

/// The provisioning target of a request: its parameters with secret ones redacted (they are never written
/// anywhere), and for secrets the recipient groups' age keys from the catalog.
pub fn target_for(model: &Model, r: &Request, backend: BackendKind) -> Target {
    let mut parameters = serde_json::to_value(&r.spec.parameters).unwrap_or_default();
    if let (Some(m), serde_json::Value::Object(map)) = (model.modules.get(r.spec.capability.as_str()), &mut parameters)
    {
        for p in m.spec.parameters.iter().filter(|p| p.secret) {
            if map.contains_key(&p.name) {
                map.insert(p.name.clone(), serde_json::Value::String("<redacted>".into()));
            }
        }
    }
    let mut t = Target::of(r, backend, parameters);
    if r.spec.capability == Capability::Secret {
        t.recipients = age_recipients(model, r);
    }
    if backend == BackendKind::Terraform {
        t.environment = r.spec.environment;
        t.deletion_protection = r.spec.deletion_protection;
        t.module_version = model.modules.get(r.spec.capability.as_str()).map(|m| m.version.to_string());
    }
    t
}

/// The age public keys of a secret's recipient groups (`paved.dev/age-recipients`, comma or space separated).
fn age_recipients(model: &Model, r: &Request) -> Vec<String> {
    let groups: Vec<String> = r
        .spec
        .parameters
        .get("recipients")
        .and_then(|v| v.as_sequence().map(|s| s.iter().filter_map(|g| g.as_str().map(str::to_owned)).collect()))
        .unwrap_or_else(|| vec![r.spec.owner.clone()]);
    let mut keys: Vec<String> = groups
        .iter()
        .filter_map(|g| crate::model::entity_ref::EntityRef::parse(g, Some("group"), "default").ok())
        .filter_map(|g| model.catalog.get(&g))
        .filter_map(|g| g.entity.annotations.get(crate::model::annotations::AGE_RECIPIENTS))
        .flat_map(|a| {
            a.split([',', ' ', '\n']).filter(|k| k.starts_with("age1")).map(str::to_owned).collect::<Vec<_>>()
        })
        .collect();
    keys.sort();
    keys.dedup();
    keys
}

/// The target of desired request `r` holding the names it already has (see [`naming::resolve`]): what
/// its last status `old` recorded, the legacy ones when an older paved provisioned it, else collision-free ones.
/// Observation and planning both take it from here, so they agree on the name apply will use.
pub fn named_target(
    model: &Model,
    platform: &str,
    r: &Request,
    backend: BackendKind,
    old: Option<&RequestStatus>,
) -> Target {
    let names = naming::resolve(&r.spec.capability, backend, platform, &r.team, &r.name, old.map(recorded));
    target_for(model, r, backend).named(names)
}

/// What a status says about the names its request holds.
fn recorded(s: &RequestStatus) -> naming::Recorded<'_> {
    naming::Recorded {
        applied: s.applied.is_some(),
        capability: s.target.as_ref().map(|t| &t.capability),
        backend: s.target.as_ref().map(|t| t.backend),
        physical: s.target.as_ref().and_then(|t| t.physical_name.as_deref()),
        file: s.target.as_ref().and_then(|t| t.file_name.as_deref()),
    }
}

/// The target a status recorded, holding the names it was provisioned with: a status an older paved wrote
/// records none, and the legacy names are what exists.
pub fn recorded_target(status: &RequestStatus, platform: &str) -> Option<Target> {
    let t = status.target.clone()?;
    let names = naming::resolve(&t.capability, t.backend, platform, &t.team, &t.name, Some(recorded(status)));
    Some(t.named(names))
}

/// Parse a request status file.
pub fn parse_status(text: &str) -> Option<RequestStatus> {
    serde_yaml::from_str(text).ok()
}

/// A request status as the file paved writes.
pub fn render(status: &RequestStatus) -> String {
    crate::model::status::render(status)
}

/// The requests whose status says they are Ready with secrets in paved's secret store: what an empty state
/// directory would lose (see `provision::state::check`).
pub fn provisioned_natively(status: &BTreeMap<String, String>) -> Vec<String> {
    status
        .iter()
        .filter(|(path, _)| key_of_status_path(path).is_some())
        .filter_map(|(_, text)| parse_status(text))
        .filter(|s| s.phase == Phase::Ready && s.secrets.is_some())
        .map(|s| s.request)
        .collect()
}

/// The request whose status lives at `path`, if `path` is a request status path.
pub fn key_of_status_path(path: &str) -> Option<&str> {
    path.strip_prefix("status/requests/")?.strip_suffix(".yaml")
}

/// The `request:` a request status file records (without parsing the YAML).
pub fn status_request(text: &str) -> Option<&str> {
    text.lines().find_map(|l| l.strip_prefix("request: ")).map(str::trim)
}

/// The status to write when the terraform backend applied `planned`: with the outputs it reported, and where its
/// sensitive outputs are when it stored any (their values never reach the status).
pub fn applied_status(planned_after: &str, applied: &Applied, target: &Target) -> String {
    let mut status = parse_status(planned_after).unwrap_or_default();
    status.outputs = applied.outputs.clone();
    status.secrets = (!applied.secrets.is_empty()).then(|| SecretStore::reference(&target.team, &target.name));
    render(&status)
}

/// The status to write when applying `planned` failed: phase Failed, the error, and the previous applied digest,
/// so the next pass tries again.
pub fn failed_status(planned_after: &str, previous_applied: Option<&str>, error: &str) -> String {
    let mut status = parse_status(planned_after).unwrap_or_default();
    status.phase = Phase::Failed;
    status.reason = None;
    status.message = error.to_owned();
    status.applied = previous_applied.map(str::to_owned);
    render(&status)
}
