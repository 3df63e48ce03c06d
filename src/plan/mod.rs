//! `plan(desired, observed) -> Plan`: what must change so that reality matches the platform repo.
//!
//! # Guarantees
//! - Pure and deterministic: the same inputs give the same plan, byte for byte (no clock, no I/O, sorted maps).
//! - Every action has a stable [`ActionId`]: a hash of its kind, its target and the desired content. Branch names,
//!   commit trailers and audit records derive from it, so re-applying after a crash never duplicates anything.
//! - An entity whose file is invalid keeps its last good state: nothing is written for it and its status file is
//!   not deleted (design rule 5).
//!
//! `reason` is for people only; executors never branch on it (as in Terraform's `ActionReason`).

pub mod action;
pub mod campaign;
pub mod forge;
pub mod modules;
pub mod paths;
pub mod render;
pub mod requests;
pub mod status;
pub mod sunset;

pub use action::{
    ActionId, ActionKind, ActionResult, FileChange, ForgeAction, ForgeWork, Migrated, PlannedAction, ProvisionOp, Texts,
};

use crate::model::Loaded;
use crate::observe::Observed;
use serde::Serialize;
use std::borrow::Cow;
use std::collections::BTreeSet;

/// What the plan was computed from. An executor refuses a plan whose basis no longer holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Basis {
    /// The desired-state commit, or `worktree`.
    pub desired: String,
    /// [`Observed::digest`].
    pub observed: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    pub basis: Basis,
    pub actions: Vec<PlannedAction>,
    /// Actions on the forge (scaffolds, migration PRs), carried out before the bot commit that records them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub forge: Vec<ForgeAction>,
    /// How each paved-path service stands against its path, and the migrations held back: what campaign pages
    /// and `paved paths status` show. Empty when no forge was observed.
    #[serde(skip)]
    pub rollout: forge::Rollout,
    /// The desired state had errors: the plan covers only what loaded (invalid entities keep their last state).
    pub errored: bool,
    /// Every observer answered: with `false`, drift that depends on a missing observation is not reported.
    pub complete: bool,
    /// With [`Texts::Dropped`], the changes' `before` and `after` are empty: the plan can be shown, not applied.
    #[serde(skip)]
    pub texts: Texts,
}

impl Plan {
    pub fn is_empty(&self) -> bool {
        self.actions.is_empty() && self.forge.is_empty()
    }
}

/// Compute the plan. `judged` carries each request's policy verdict and the provisioning context; without it,
/// requests are not planned (validation-only callers).
pub fn plan(desired: &Loaded, judged: Option<&requests::Judged>, observed: &Observed) -> Plan {
    plan_with(desired, judged, observed, Texts::Kept)
}

/// [`plan`], keeping the files' texts or not. Dropped texts are dropped as each action is made, so the plan
/// never holds them all at once.
pub fn plan_with(desired: &Loaded, judged: Option<&requests::Judged>, observed: &Observed, texts: Texts) -> Plan {
    let model = &desired.model;
    let broken = broken_files(desired);
    // At most one action an entity and one a request, plus a few: sized once rather than grown by doubling.
    let mut actions = Vec::with_capacity(model.catalog.entities.len() + model.requests.len() + 64);

    // Rendering every entity's status is most of planning at scale, and each is independent: every core helps.
    crate::par::extend(&mut actions, model.catalog.entities.as_slice(), 256, |(r, item)| {
        let content = item.valid.then(|| status::render(&status::entity_status(model, observed, r, item)))?;
        let mut action = write_action(observed, r.to_string(), status::status_path(r), content, "new entity")?;
        if texts == Texts::Dropped {
            action.change.drop_texts();
        }
        Some(action)
    });
    if let Some(unclaimed) = status::unclaimed_repos(model, observed) {
        let content = status::render(&unclaimed);
        push_write(
            &mut actions,
            observed,
            "forge:unclaimed-repos".to_owned(),
            status::UNCLAIMED_PATH.to_owned(),
            content,
            "first observation",
        );
    }
    for (path, before) in &observed.status {
        // Status files of entities in the catalog stay, written or not (an invalid entity keeps its last state):
        // the same test `patch` makes, so a patched plan equals a fresh one. The unclaimed-repos file stays too:
        // it is rewritten when the forge was read, and kept as last observed when it was not.
        let wanted = path == status::UNCLAIMED_PATH
            || status::entity_of_status_path(path).is_some_and(|r| model.catalog.entities.get(&r).is_some());
        if !wanted && !path.starts_with("status/requests/") {
            plan_orphan(&broken, path, before, &mut actions);
        }
    }
    if let Some(judged) = judged {
        let basis = desired.basis.commit().unwrap_or("worktree");
        requests::plan(model, judged, observed, &broken, texts, basis, &mut actions);
    }
    if let Some(facts) = &observed.evidence {
        plan_reports(&mut actions, desired, observed, facts);
    }
    sort_actions(&mut actions);
    Plan {
        basis: Basis { desired: desired.basis.commit().unwrap_or("worktree").to_owned(), observed: observed.digest() },
        actions,
        forge: Vec::new(),
        rollout: forge::Rollout::default(),
        errored: desired.diagnostics.errors() > 0,
        complete: observed.forge.is_some(),
        texts,
    }
}

/// Patch `plan`, made from an earlier state, into the plan of `desired` and `observed`, given every status
/// path whose action may differ between the two states (`affected`): the incremental planner's half of
/// planning. The result equals what [`plan`] computes from scratch, provided `affected` is complete and
/// nothing else changed (no catalog entity, policy, module, platform setting, forge listing or evidence).
///
/// Cost: planning each affected path, and a binary search for where its actions go.
pub fn patch(
    plan: &mut Plan,
    desired: &Loaded,
    judged: &requests::Judged,
    observed: &Observed,
    affected: &BTreeSet<String>,
    observed_digest: String,
) {
    let model = &desired.model;
    let broken = broken_files(desired);
    for path in affected {
        let mut fresh = Vec::new();
        let before = observed.status.get(path);
        if let Some(key) = requests::key_of_status_path(path) {
            if let Some(r) = model.requests.get(key).filter(|r| !broken.contains(r.path.as_str())) {
                let basis = desired.basis.commit().unwrap_or("worktree");
                requests::plan_request(model, judged, observed, basis, key, r, &mut fresh);
            }
            if let Some(before) = before {
                requests::plan_removed(model, judged, observed, &broken, path, before, &mut fresh);
            }
        } else {
            match status::entity_of_status_path(path).and_then(|r| model.catalog.entities.get_key_value(&r)) {
                Some((r, item)) if item.valid => {
                    let content = status::render(&status::entity_status(model, observed, r, item));
                    push_write(&mut fresh, observed, r.to_string(), path.clone(), content, "new entity");
                }
                Some(_) => {}
                None => {
                    if let Some(before) = before {
                        plan_orphan(&broken, path, before, &mut fresh);
                    }
                }
            }
        }
        // Every action planned for `path` changes `path`, and the actions are sorted by path: they are one run,
        // replaced in place (no shifting when as many come as go, the usual case).
        sort_actions(&mut fresh);
        let start = plan.actions.partition_point(|a| a.change.path() < path.as_str());
        let end = start + plan.actions[start..].partition_point(|a| a.change.path() == path.as_str());
        plan.actions.splice(start..end, fresh);
    }
    plan.basis = Basis { desired: desired.basis.commit().unwrap_or("worktree").to_owned(), observed: observed_digest };
    plan.errored = desired.diagnostics.errors() > 0;
}

/// Files with any error: their entities and requests keep their last good state.
fn broken_files(desired: &Loaded) -> BTreeSet<&str> {
    desired.diagnostics.iter().filter(|d| d.is_error()).map(|d| d.path.as_str()).collect()
}

/// The order of a plan's actions: by file, then kind (deterministic output, and what [`patch`] restores).
pub(crate) fn sort_actions(actions: &mut [PlannedAction]) {
    // Unstable: no buffer of half the actions (10 MiB at 50,000 services). Target and id break ties, so the
    // order is still total: equal keys are equal actions.
    fn key(a: &PlannedAction) -> (&str, ActionKind, &str, &ActionId) {
        (a.change.path(), a.kind, &a.target, &a.id)
    }
    actions.sort_unstable_by(|a, b| key(a).cmp(&key(b)));
}

/// The status file at `path` that no entity writes any more: delete it, unless the file its entity came from
/// is broken (then it keeps its last state).
fn plan_orphan(broken: &BTreeSet<&str>, path: &str, before: &str, actions: &mut Vec<PlannedAction>) {
    let source = Observed::status_source(before);
    if source.is_some_and(|s| broken.contains(s)) {
        return;
    }
    let target = path.trim_start_matches("status/").trim_end_matches(".yaml").to_owned();
    let reason = match source {
        Some(s) => Cow::Owned(format!("no longer in the catalog (was in {s})")),
        None => Cow::Borrowed("no entity writes this status file"),
    };
    actions.push(PlannedAction {
        id: ActionId::new(ActionKind::DeleteStatus, &target, b""),
        kind: ActionKind::DeleteStatus,
        target,
        reason,
        change: FileChange::Delete { path: path.to_owned(), before: before.to_owned() },
        provision: None,
    });
}

/// Scorecard pages from the evidence facts observed: written when their content changes, removed when no longer
/// produced (unless the desired state has errors: a scorecard file that failed to load keeps its pages).
fn plan_reports(
    actions: &mut Vec<PlannedAction>,
    desired: &Loaded,
    observed: &Observed,
    facts: &crate::evidence::Facts,
) {
    let eval = crate::scorecard::evaluate(&desired.model, facts);
    let pages = report_pages(desired, observed, facts, &eval);
    let target = |path: &str| format!("scorecard:{}", path.trim_start_matches("scorecards/").trim_end_matches(".md"));
    for (path, content) in &pages {
        let before = observed.reports.get(path);
        if before == Some(content) {
            continue;
        }
        let t = target(path);
        actions.push(PlannedAction {
            id: ActionId::new(ActionKind::WriteReport, &t, content.as_bytes()),
            kind: ActionKind::WriteReport,
            target: t,
            reason: Cow::Borrowed(if before.is_some() { "evidence or rules changed" } else { "new report" }),
            change: FileChange::Write { path: path.clone(), before: before.cloned(), after: content.clone() },
            provision: None,
        });
    }
    if desired.diagnostics.errors() > 0 {
        return;
    }
    let stale = observed.reports.iter().filter(|(p, _)| !pages.contains_key(*p) && !campaign::is_page(p));
    for (path, before) in stale {
        let t = target(path);
        actions.push(PlannedAction {
            id: ActionId::new(ActionKind::WriteReport, &t, b""),
            kind: ActionKind::WriteReport,
            target: t,
            reason: Cow::Borrowed("no scorecard applies any more"),
            change: FileChange::Delete { path: path.clone(), before: before.clone() },
            provision: None,
        });
    }
}

/// Every report page (scorecards, DORA, adoption) for `eval`, the evaluation of `facts`: what the reconcile
/// commits and `paved scorecard` prints.
pub fn report_pages(
    desired: &Loaded,
    observed: &Observed,
    facts: &crate::evidence::Facts,
    eval: &crate::scorecard::Evaluation,
) -> std::collections::BTreeMap<String, String> {
    use crate::scorecard::{adoption, dora, outcomes, report};
    let label = facts
        .by_entity
        .values()
        .flat_map(|f| f.values())
        .filter_map(|f| f.as_of.filter(|t| *t <= facts.now + crate::evidence::CLOCK_SKEW))
        .max()
        .map_or_else(|| "undated".to_owned(), |t| t.format("%Y-%m-%d").to_string());
    let mut pages = report::pages(eval, &observed.trend, &label, &observed.reports);
    pages.insert(adoption::PATH.to_owned(), adoption::page(&desired.model, facts.history(), facts.now));
    pages.insert(outcomes::PATH.to_owned(), outcomes::page(&desired.model, facts));
    if let Some(d) = &facts.deployments {
        pages.insert(dora::PATH.to_owned(), dora::page(&desired.model, d));
    }
    pages
}

fn push_write(
    actions: &mut Vec<PlannedAction>,
    observed: &Observed,
    target: String,
    path: String,
    content: String,
    new_reason: &'static str,
) {
    actions.extend(write_action(observed, target, path, content, new_reason));
}

/// The action that writes status file `path` with `content`, unless it already says that.
fn write_action(
    observed: &Observed,
    target: String,
    path: String,
    content: String,
    new_reason: &'static str,
) -> Option<PlannedAction> {
    let before = observed.status.get(&path);
    if before == Some(&content) {
        return None;
    }
    let reason = match before {
        None => Cow::Borrowed(new_reason),
        Some(old) => Cow::Owned(format!("status changed: {}", changed_keys(old, &content).join(", "))),
    };
    Some(PlannedAction {
        id: ActionId::new(ActionKind::WriteStatus, &target, content.as_bytes()),
        kind: ActionKind::WriteStatus,
        target,
        reason,
        change: FileChange::Write { path, before: before.cloned(), after: content },
        provision: None,
    })
}

/// Top-level YAML keys whose blocks differ, for a one-line reason.
fn changed_keys(old: &str, new: &str) -> Vec<String> {
    fn blocks(text: &str) -> std::collections::BTreeMap<String, String> {
        let mut out = std::collections::BTreeMap::new();
        let mut key = String::new();
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            if !line.starts_with([' ', '-']) {
                key = line.split(':').next().unwrap_or_default().to_owned();
            }
            out.entry(key.clone()).or_insert_with(String::new).push_str(line);
        }
        out
    }
    let (a, b) = (blocks(old), blocks(new));
    let keys: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    let changed: Vec<String> = keys.into_iter().filter(|k| a.get(*k) != b.get(*k)).cloned().collect();
    if changed.is_empty() { vec!["format".to_owned()] } else { changed }
}
