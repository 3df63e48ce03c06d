//! The forge half of a plan: scaffolds and migration PRs of service repos that follow a paved path
//! ([`super::paths`]), module migration PRs on the platform repo ([`super::modules`]), and the campaign pages
//! that report each path version's rollout ([`super::campaign`]).
//!
//! Pure: the path catalogue, the rewritten request files, release dates and the time come in as [`ForgeInputs`]
//! (read from the desired snapshot); the service repos and the platform repo's PRs come in as observed.

use super::paths::{self, Catalogue, ServiceDrift};
use super::{ActionId, ActionKind, FileChange, ForgeAction, PlannedAction, campaign, modules, sunset};
use crate::model::Model;
use crate::observe::Observed;
use std::borrow::Cow;
use std::collections::BTreeMap;

/// What the forge half of planning reads from the desired state besides the model.
#[derive(Debug, Clone, Default)]
pub struct ForgeInputs {
    /// Every renderable version of every path.
    pub catalogue: Catalogue,
    /// Request files rewritten for their module's current major, by module.
    pub module_migrations: Vec<(String, Result<Vec<super::Migrated>, String>)>,
    /// When each path version was released (`(path, version)` to its tag's date).
    pub released: BTreeMap<(String, String), String>,
    /// The time of this plan, `YYYY-MM-DDTHH:MMZ`: campaign pages date their burndown points with it.
    pub now: String,
    /// At most this many migration PRs are newly opened per run.
    pub max_new_prs: usize,
    /// The library's manifests (`paths/*/path.yaml`, `modules/*/module.yaml`) by path: what the sunset review
    /// proposes to edit.
    pub manifests: BTreeMap<String, String>,
}

/// How services stand against their paths, for campaign pages and `paved paths status`.
#[derive(Debug, Clone, Default)]
pub struct Rollout {
    pub drift: Vec<ServiceDrift>,
    /// Migrations held back by the cap, skipped because a human closed their PR, or that cannot be planned.
    pub held: Vec<String>,
    /// Modules with pending request migrations and no action, and why.
    pub modules: Vec<modules::Note>,
    /// The quarter's sunset review, when the platform repo's PRs and the evidence were observed.
    pub sunset: Option<sunset::Review>,
    /// [`ForgeInputs::released`] and [`ForgeInputs::now`]: what campaign pages are written with again at apply.
    pub released: BTreeMap<(String, String), String>,
    pub now: String,
}

/// The forge actions, the campaign pages to write, and the rollout they come from.
pub fn plan(
    model: &Model,
    inputs: &ForgeInputs,
    observed: &Observed,
) -> (Vec<ForgeAction>, Vec<PlannedAction>, Rollout) {
    let mut actions = Vec::new();
    let mut rollout = Rollout { released: inputs.released.clone(), now: inputs.now.clone(), ..Rollout::default() };
    let mut pages = Vec::new();
    let platform = observed.platform_prs.as_deref().zip(model.platform.spec.repos.platform.as_deref());
    // Service repos are observed only where their executors run (a local forge, until issue 23): so are module
    // migrations and campaign pages.
    if let Some(services) = &observed.services {
        let planned = paths::plan(model, &inputs.catalogue, services, inputs.max_new_prs);
        actions = planned.actions;
        rollout.drift = planned.drift;
        rollout.held = planned.held;
        if let Some((prs, repo)) = platform {
            modules::plan(model, repo, &inputs.module_migrations, prs, &mut actions, &mut rollout.modules);
        }
        pages = campaign_pages(&rollout.drift, &rollout.released, &rollout.now, &observed.reports);
    }
    if let (Some((prs, repo)), Some(facts)) = (platform, &observed.evidence) {
        let (action, mut review) = sunset::plan(model, facts, &inputs.manifests, prs, repo);
        // A PR needs its repo: a platform repo the forge does not have gets none (it is said, not attempted).
        match action {
            Some(_) if !observed.forge.as_ref().is_some_and(|f| f.repos.contains(repo)) => {
                review.note = Some(Err(format!("{repo} is not on the forge")));
            }
            action => actions.extend(action),
        }
        rollout.sunset = Some(review);
    }
    (actions, pages, rollout)
}

/// The campaign page of every (path, target version) rollout in `rows` whose text changes.
pub fn campaign_pages(
    rows: &[ServiceDrift],
    released: &BTreeMap<(String, String), String>,
    now: &str,
    reports: &BTreeMap<String, String>,
) -> Vec<PlannedAction> {
    let mut groups: BTreeMap<(&str, &str), Vec<&ServiceDrift>> = BTreeMap::new();
    for row in rows {
        if let Some(target) = &row.target {
            groups.entry((&row.path, target)).or_default().push(row);
        }
    }
    let mut out = Vec::new();
    for ((path, version), rows) in groups {
        let file = campaign::page_path(path, version);
        let previous = reports.get(&file);
        let released = released.get(&(path.to_owned(), version.to_owned())).map(String::as_str);
        let page = campaign::page(path, version, released, &rows, previous.map(String::as_str), now);
        if previous == Some(&page) {
            continue;
        }
        out.push(PlannedAction {
            id: ActionId::new(ActionKind::WriteCampaign, &file, page.as_bytes()),
            kind: ActionKind::WriteCampaign,
            target: format!("campaign:{path}@{version}"),
            reason: Cow::Borrowed(if previous.is_some() { "rollout moved" } else { "new campaign" }),
            change: FileChange::Write { path: file, before: previous.cloned(), after: page },
            provision: None,
        });
    }
    out
}
