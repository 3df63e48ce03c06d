//! `paved modules migrate`: the module migration PRs of the plan ([`crate::plan::modules`]), run by hand. The
//! daemon and `paved reconcile` open the same PRs, with the same ids, on their own.

use super::RepoOptions;
use super::reconcile::{Only, Reconciled, reconcile_only};
use crate::model::cache::ParseCache;
use crate::plan::paths::DEFAULT_MAX_NEW_PRS;
use crate::plan::{ActionKind, ForgeWork};
use crate::progress::Silent;

/// What happened to one module's migration PR.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub module: String,
    pub requests: usize,
    pub result: Result<String, String>,
}

/// Open or update the migration PR of every module with pending request migrations: the plan's module part,
/// carried out as a reconcile would (same ids, same executor, its audit records in one bot commit).
pub fn migrate(options: &RepoOptions, cache: &ParseCache, dry_run: bool) -> anyhow::Result<Vec<Outcome>> {
    const KINDS: &[ActionKind] = &[ActionKind::MigrateModule];
    let only = Only { dry_run, actor: "paved", max_new_prs: DEFAULT_MAX_NEW_PRS, kinds: Some(KINDS) };
    let Reconciled { planned, report } = reconcile_only(options, cache, &only, &Silent)?;
    let model = &planned.loaded.model;
    let mut outcomes: Vec<Outcome> = planned
        .plan
        .rollout
        .modules
        .iter()
        .map(|n| Outcome { module: n.module.clone(), requests: n.requests, result: n.note.clone() })
        .collect();
    for (i, action) in planned.plan.forge.iter().enumerate() {
        let ForgeWork::MigrateModule { module, files, .. } = &action.work else { continue };
        let result = match report.as_ref().and_then(|r| r.forge.get(i)) {
            None if model.platform.spec.repos.platform.is_none() => {
                Err("platform.yaml names no platform repo (spec.repos.platform)".to_owned())
            }
            None => Ok("dry run: no PR".to_owned()),
            Some(done) => match (&done.outcome, &done.error) {
                (Some(outcome), None) => Ok(outcome.clone()),
                (_, error) => Err(error.clone().unwrap_or_default()),
            },
        };
        outcomes.push(Outcome { module: module.clone(), requests: files.len(), result });
    }
    if outcomes.is_empty() && super::forge(options, &planned.loaded)?.is_none() {
        // Read where the plan read (HEAD, `--rev` or the work tree), not the work tree.
        let snapshot = super::open_snapshot(options)?;
        let text_of = |p: &str| snapshot.get(p).and_then(|e| snapshot.read_text(e).ok());
        let pending = crate::plan::modules::pending(model, text_of);
        outcomes.extend(pending.into_iter().map(|(module, files)| Outcome {
            module,
            requests: files.as_ref().map_or(0, Vec::len),
            result: Err("no forge configured".to_owned()),
        }));
    }
    outcomes.sort_by(|a, b| a.module.cmp(&b.module));
    Ok(outcomes)
}
