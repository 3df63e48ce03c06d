//! Observed state: what is real, as opposed to what the platform repo asks for.
//!
//! In the foundation that is the status files paved last wrote (read from the same snapshot as the desired
//! state, so plan and apply agree on "before") and the repos on the forge. Later observers (provisioner backends,
//! service repos, evidence) add fields here; [`plan`](crate::plan) stays pure because it only ever sees this
//! value.

pub mod services;

use crate::forge::Forge;
use crate::source::Snapshot;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};

/// What the forge holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ForgeState {
    /// `owner/name` of every repo.
    pub repos: BTreeSet<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Observed {
    /// Bot-owned status files in the snapshot: path to content.
    pub status: BTreeMap<String, String>,
    /// `None` when the forge could not be read: then no drift is reported about repos (absence of evidence).
    pub forge: Option<ForgeState>,
    /// Why the forge could not be read.
    pub forge_error: Option<String>,
    /// What each request's backend sees, by `team/name` (desired requests, and removed ones still provisioned).
    pub requests: BTreeMap<String, crate::provision::Observation>,
    /// Scorecard facts derived from evidence; `None` when not collected (then no report is planned).
    pub evidence: Option<crate::evidence::Facts>,
    /// Bot-owned scorecard pages in the snapshot (`scorecards/**/*.md`): path to content.
    pub reports: BTreeMap<String, String>,
    /// Trend points recorded by previous org summaries in git history, oldest first, one per label.
    pub trend: Vec<crate::scorecard::report::TrendPoint>,
}

impl Observed {
    /// A digest of everything observed: a plan made from one observation is stale once this changes.
    pub fn digest(&self) -> String {
        let mut h = Sha256::new();
        for (path, content) in &self.status {
            h.update(path.as_bytes());
            h.update([0]);
            h.update(content.as_bytes());
            h.update([0]);
        }
        if let Some(f) = &self.forge {
            for r in &f.repos {
                h.update(r.as_bytes());
                h.update([1]);
            }
        }
        for (k, o) in &self.requests {
            h.update(k.as_bytes());
            h.update(serde_json::to_vec(o).expect("observations serialize"));
        }
        for (path, content) in &self.reports {
            h.update(path.as_bytes());
            h.update([2]);
            h.update(content.as_bytes());
        }
        if let Some(facts) = &self.evidence {
            h.update(serde_json::to_vec(facts).expect("facts serialise: plain data"));
        }
        hex::encode(&h.finalize()[..8])
    }

    /// The `source:` recorded in a status file: the catalog file the entity came from.
    pub fn status_source(content: &str) -> Option<&str> {
        content.lines().find_map(|l| l.strip_prefix("source: ")).map(str::trim)
    }
}

/// Ask each request's backend what it sees. Requests whose backend paved lacks are left out (the planner says
/// so in their status).
pub fn observe_requests(model: &crate::model::Model, ctx: &crate::provision::Context, observed: &mut Observed) {
    use crate::plan::requests::{RequestStatus, backend_of, target_for};
    for (key, r) in &model.requests {
        let Some(kind) = backend_of(model, r) else { continue };
        if let Some(backend) = crate::provision::backend_for(&r.spec.capability, kind, ctx) {
            let target = target_for(model, r, kind);
            observed.requests.insert(key.clone(), backend.observe(&target));
        }
    }
    // Removed requests: observed through the target their last status recorded.
    let removed: Vec<(String, crate::provision::Target)> = observed
        .status
        .iter()
        .filter(|(p, _)| p.starts_with("status/requests/"))
        .filter_map(|(_, text)| serde_yaml::from_str::<RequestStatus>(text).ok())
        .filter(|s| !model.requests.contains_key(&s.request))
        .filter_map(|s| Some((s.request, s.target?)))
        .collect();
    for (key, target) in removed {
        if let Some(backend) = crate::provision::backend_for(&target.capability, target.backend, ctx) {
            observed.requests.insert(key, backend.observe(&target));
        }
    }
}

/// Observe the status files in `snapshot` and the repos on `forge`.
pub fn observe(snapshot: &Snapshot, forge: Option<&dyn Forge>) -> Observed {
    let mut observed = Observed::default();
    for entry in snapshot.under("status") {
        // Bot-owned files are ours; one that cannot be read is treated as absent and rewritten.
        if let Ok(text) = snapshot.read_text(entry) {
            observed.status.insert(entry.path.clone(), text);
        }
    }
    observed.reports = reports(snapshot);
    if let Some(forge) = forge {
        match forge.list_repos() {
            Ok(repos) => observed.forge = Some(ForgeState { repos: repos.into_iter().map(|r| r.full_name).collect() }),
            Err(e) => observed.forge_error = Some(e.to_string()),
        }
    }
    observed
}

/// The scorecard report pages paved committed (`scorecards/**/*.md`), by path.
pub fn reports(snapshot: &Snapshot) -> BTreeMap<String, String> {
    let bot_owned = crate::model::bot_owned_matcher();
    snapshot
        .under("scorecards")
        .filter(|e| e.path.ends_with(".md") && bot_owned.is_match(&e.path))
        // Bot-owned files are ours; one that cannot be read is treated as absent and rewritten.
        .filter_map(|e| Some((e.path.clone(), snapshot.read_text(e).ok()?)))
        .collect()
}
