//! `paved plan` and `paved reconcile`: load, observe, plan, and (unless dry-run) apply.

use super::{RepoOptions, load, open_snapshot};
use crate::apply::{self, ApplyOptions, ApplyReport};
use crate::model::Loaded;
use crate::model::cache::ParseCache;
use crate::observe;
use crate::plan::{self, Plan};

pub struct Planned {
    pub loaded: Loaded,
    pub plan: Plan,
    pub forge_error: Option<String>,
}

/// Load, observe and plan.
pub fn plan(options: &RepoOptions, cache: &ParseCache) -> anyhow::Result<Planned> {
    let loaded = load(options, cache)?;
    let snapshot = open_snapshot(options)?;
    let forge = super::forge(options, &loaded)?;
    let observed = observe::observe(&snapshot, forge.as_deref());
    let plan = plan::plan(&loaded, &observed);
    Ok(Planned { loaded, plan, forge_error: observed.forge_error })
}

pub struct Reconciled {
    pub planned: Planned,
    pub report: Option<ApplyReport>,
}

/// Plan and apply. With `dry_run`, nothing is written.
pub fn reconcile(options: &RepoOptions, cache: &ParseCache, dry_run: bool, actor: &str) -> anyhow::Result<Reconciled> {
    let snapshot = open_snapshot(options)?;
    let loaded = crate::model::load(&snapshot, cache, &crate::model::LoadOptions { strict: options.strict });
    let forge = super::forge(options, &loaded)?;
    let observed = observe::observe(&snapshot, forge.as_deref());
    let plan = plan::plan(&loaded, &observed);
    let planned = Planned { loaded, plan, forge_error: observed.forge_error };
    if dry_run || options.rev.is_some() && !super::is_worktree(&options.repo) {
        anyhow::ensure!(
            dry_run,
            "reconcile writes bot commits into a work tree; {} is not one (use --dry-run)",
            options.repo.display()
        );
        return Ok(Reconciled { planned, report: None });
    }
    let workspace = apply::workspace::for_dir(&options.repo);
    let report = apply::apply(
        &planned.plan,
        &snapshot,
        workspace.as_ref(),
        &ApplyOptions { actor: actor.to_owned(), now: chrono::Utc::now() },
    )?;
    Ok(Reconciled { planned, report: Some(report) })
}
