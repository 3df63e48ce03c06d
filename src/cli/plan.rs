//! `paved plan`: what reconcile would change; with `--base`, a PR's plan instead (what its head changes in
//! requests, judged by the base branch's policies).

use super::args::{Plans, ReportFormatArgs, repo_options};
use super::exit::fail_if;
use super::output::{Format, Printer};
use crate::forge::CheckConclusion;
use crate::model::cache::ParseCache;
use crate::ops;
use clap::Args;

#[derive(Debug, Args)]
pub struct PlanArgs {
    /// Plan the change from this revision (a PR's base branch) to --head.
    #[arg(long)]
    base: Option<String>,
    /// The PR's head revision.
    #[arg(long, requires = "base", default_value = "HEAD")]
    head: String,
    #[command(flatten)]
    platform: Plans,
    #[command(flatten)]
    pub format: ReportFormatArgs,
}

/// Exit 1 when the PR's plan fails its policies, or the platform repo has errors.
pub fn run(args: PlanArgs, cache: &ParseCache, p: &Printer) -> anyhow::Result<()> {
    let PlanArgs { base, head, platform, format } = args;
    if let Some(base) = base {
        p.progress("planning the pull request");
        let review = ops::review::review_revs(&platform.repo.repo.repo, &base, &head, cache)?;
        p.review(&review);
        return fail_if(review.conclusion() == CheckConclusion::Failure);
    }
    // Only the markdown form shows diffs; text and JSON need no file texts (see `plan::Texts`).
    let texts = if format.format == Format::Markdown { crate::plan::Texts::Kept } else { crate::plan::Texts::Dropped };
    let options = repo_options(&platform.repo.repo, platform.given());
    let planned = ops::reconcile::plan_shown(&options, cache, texts, p.progress_bar())?;
    p.diagnostics(&planned.loaded);
    p.plan(&planned.plan, planned.forge_error.as_deref());
    let failed = planned.loaded.diagnostics.errors() > 0;
    // Plain data the exiting process need not free (see `cache` in `super::run`).
    std::mem::forget(planned);
    fail_if(failed)
}
