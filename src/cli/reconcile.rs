//! `paved reconcile`: plan, then apply: status and audit in one bot commit.

use super::args::{FormatArgs, LockArgs, Plans, repo_options};
use super::exit::fail_if;
use super::output::Printer;
use crate::model::cache::ParseCache;
use crate::ops;
use clap::Args;

#[derive(Debug, Args)]
pub struct ReconcileArgs {
    /// Plan only; write nothing.
    #[arg(long)]
    dry_run: bool,
    /// Accept an empty state directory on purpose: provision afresh (new passwords, keys and CA) what
    /// status/ records, instead of refusing because the state looks lost.
    #[arg(long)]
    new_state: bool,
    #[command(flatten)]
    lock: LockArgs,
    #[command(flatten)]
    platform: Plans,
    #[command(flatten)]
    pub format: FormatArgs,
}

/// Exit 1 when an action failed or the platform repo has errors.
pub fn run(args: ReconcileArgs, cache: &ParseCache, p: &Printer) -> anyhow::Result<()> {
    let ReconcileArgs { dry_run, new_state, lock, platform, .. } = args;
    let options = repo_options(&platform.repo.repo, platform.given().lock(&lock));
    let run = ops::reconcile::ReconcileOptions { dry_run, new_state, actor: "paved" };
    let done = ops::reconcile::reconcile_run(&options, cache, &run, p.progress_bar())?;
    p.diagnostics(&done.planned.loaded);
    p.reconciled(&done);
    let failed = done.report.as_ref().is_some_and(|r| !r.failed.is_empty());
    fail_if(failed || done.planned.loaded.diagnostics.errors() > 0)
}
