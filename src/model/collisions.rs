//! Requests whose resources would be one: refused at load time (so `paved validate`, a plan and a PR check all
//! refuse them), each at the file that brings the collision, naming the other file.
//!
//! What two requests can share: a physical name or file name on one backend (names are collision-free for new
//! requests — see [`super::naming`] — but an older paved gave names that were not, and a request keeps
//! the names it was provisioned under), a feature flag key (flagd reads every flag file as one set), a DNS
//! record's zone and name.
//!
//! Which names a request holds depends on its status (recorded names, or legacy ones for what an older paved
//! provisioned). Statuses are read only for requests one of whose possible names — new or legacy — another request
//! could also hold: every new name is unique, so those are few, and the check costs no I/O in the usual case.

use super::capability::Capability;
use super::desired::Model;
use super::naming;
use super::platform::BackendKind;
use super::request::Request;
use crate::diag::{Diagnostic, Diagnostics};
use crate::source::Snapshot;
use std::collections::{BTreeMap, BTreeSet};

/// How every message of this check begins (the incremental planner finds them by it).
pub const PREFIX: &str = "name collision: ";

/// One thing a request would hold on its own: the space it is unique in, the name, what it is, and where the
/// request sets it.
#[derive(Debug, Clone)]
struct Claim<'a> {
    space: String,
    name: String,
    what: &'static str,
    field: &'static str,
    request: &'a Request,
}

/// Every collision between two requests of `model`, as diagnostics; see the module docs.
pub fn check(model: &Model, snapshot: &Snapshot) -> Diagnostics {
    let platform = model.platform_name();
    let mut candidates: BTreeMap<(String, String), Vec<Claim>> = BTreeMap::new();
    for r in model.requests.values() {
        for c in possible_claims(model, platform, r) {
            candidates.entry((c.space.clone(), c.name.clone())).or_default().push(c);
        }
    }
    // Only requests that could meet another are resolved against their status.
    let involved: BTreeSet<&str> = candidates
        .values()
        .filter(|cs| cs.iter().map(|c| c.request.path.as_str()).collect::<BTreeSet<_>>().len() > 1)
        .flat_map(|cs| cs.iter().map(|c| c.request.path.as_str()))
        .collect();
    let mut diags = Diagnostics::default();
    if involved.is_empty() {
        return diags;
    }
    let mut held: BTreeMap<(String, String), Vec<(Claim, bool)>> = BTreeMap::new();
    for r in model.requests.values().filter(|r| involved.contains(r.path.as_str())) {
        let status = Status::read(snapshot, &r.key());
        for c in claims(model, platform, r, status.as_ref()) {
            held.entry((c.space.clone(), c.name.clone()))
                .or_default()
                .push((c, status.as_ref().is_some_and(|s| s.applied)));
        }
    }
    for holders in held.values().filter(|h| h.len() > 1) {
        report(holders, &mut diags);
    }
    diags
}

/// Report one name several requests would hold: at each request that does not hold it yet, naming one that does
/// (or another newcomer); when all of them already hold it (names an older paved gave), a warning at each:
/// the reconcile keeps it for the one provisioned first and Blocks the others.
fn report(holders: &[(Claim, bool)], diags: &mut Diagnostics) {
    let existing: Vec<&Claim> = holders.iter().filter(|(_, e)| *e).map(|(c, _)| c).collect();
    for (i, (c, is_existing)) in holders.iter().enumerate() {
        let other = existing
            .iter()
            .copied()
            .find(|o| o.request.path != c.request.path)
            .or_else(|| holders.iter().enumerate().find(|(j, _)| *j != i).map(|(_, (o, _))| o))
            .expect("a collision has two holders");
        let at = c.request.positions.value(c.field);
        let message = format!(
            "{PREFIX}the {} `{}` of request {} would also be that of request {} ({})",
            c.what,
            c.name,
            c.request.key(),
            other.request.key(),
            other.request.path
        );
        let fix = match c.field {
            "spec.parameters.key" => "choose another spec.parameters.key: flag keys are one set for the whole platform",
            "spec.parameters.name" => "choose another spec.parameters.name (or zone): one record per name",
            _ => "rename the request (metadata.name and the file): two requests never share a resource",
        };
        if !*is_existing {
            diags.push(Diagnostic::error(&c.request.path, at, message).hint(fix));
        } else if existing.len() == holders.len() {
            diags.push(Diagnostic::warning(&c.request.path, at, message).hint(format!(
                "both were provisioned under one name by an older paved: the reconcile keeps it for the one provisioned \
                 first and Blocks the other; to end it, {fix}"
            )));
        }
    }
}

/// What a request's status says about its names (read without the planner's types: the model comes first).
#[derive(Debug, Default, serde::Deserialize)]
struct Status {
    #[serde(default, deserialize_with = "present")]
    applied: bool,
    #[serde(default)]
    target: Option<StatusTarget>,
}

#[derive(Debug, Default, serde::Deserialize)]
struct StatusTarget {
    capability: Option<Capability>,
    backend: Option<BackendKind>,
    #[serde(rename = "physicalName")]
    physical_name: Option<String>,
    #[serde(rename = "fileName")]
    file_name: Option<String>,
}

fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(<Option<String> as serde::Deserialize>::deserialize(d)?.is_some())
}

impl Status {
    fn read(snapshot: &Snapshot, key: &str) -> Option<Status> {
        let entry = snapshot.get(&format!("status/requests/{key}.yaml"))?;
        serde_yaml::from_str(&snapshot.read_text(entry).ok()?).ok()
    }
    fn recorded(&self) -> naming::Recorded<'_> {
        let t = self.target.as_ref();
        naming::Recorded {
            applied: self.applied,
            capability: t.and_then(|t| t.capability.as_ref()),
            backend: t.and_then(|t| t.backend),
            physical: t.and_then(|t| t.physical_name.as_deref()),
            file: t.and_then(|t| t.file_name.as_deref()),
        }
    }
}

/// Every name `r` might hold, new or legacy: a superset of [`claims`], known without its status.
fn possible_claims<'a>(model: &Model, platform: &str, r: &'a Request) -> Vec<Claim<'a>> {
    let mut out = chosen(r);
    if let Some(backend) = model.backend_of(r) {
        let possible = naming::possible(&r.spec.capability, backend, platform, &r.team, &r.name);
        out.extend(possible.into_iter().map(|h| named(r, h)));
    }
    out
}

/// The names `r` holds, given its status.
fn claims<'a>(model: &Model, platform: &str, r: &'a Request, status: Option<&Status>) -> Vec<Claim<'a>> {
    let mut out = chosen(r);
    if let Some(backend) = model.backend_of(r) {
        let recorded = status.map(Status::recorded);
        let names = naming::resolve(&r.spec.capability, backend, platform, &r.team, &r.name, recorded);
        out.extend(naming::held(&r.spec.capability, backend, names).into_iter().map(|h| named(r, h)));
    }
    out
}

fn named(r: &Request, h: naming::Held) -> Claim<'_> {
    Claim { space: h.space, name: h.name, what: h.what, field: "metadata.name", request: r }
}

/// The identities a request chooses itself: a feature flag's key, a DNS record's zone and name.
fn chosen(r: &Request) -> Vec<Claim<'_>> {
    let param = |k: &str| r.spec.parameters.get(k).and_then(|v| v.as_str().map(str::to_owned));
    match r.spec.capability {
        Capability::FeatureFlag => {
            let (name, field) = match param("key") {
                Some(k) => (k, "spec.parameters.key"),
                None => (r.name.clone(), "metadata.name"),
            };
            vec![Claim { space: "feature-flag/key".into(), name, what: "feature flag key", field, request: r }]
        }
        Capability::DnsRecord => {
            let zone = param("zone").unwrap_or_else(|| "internal".to_owned());
            let Some(name) = param("name") else { return Vec::new() };
            let fqdn = format!("{}.{}", name.to_ascii_lowercase(), zone.to_ascii_lowercase());
            vec![Claim {
                space: "dns-record/name".into(),
                name: fqdn,
                what: "DNS record",
                field: "spec.parameters.name",
                request: r,
            }]
        }
        _ => Vec::new(),
    }
}
