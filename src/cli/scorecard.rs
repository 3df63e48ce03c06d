//! `paved scorecard`: the scorecards computed from evidence and printed, committing nothing; and
//! `paved scorecard deprecations`, the quarterly sunset review's PR.

use super::args::{ForgeArgs, Given, RepoArgs, ReportFormatArgs, WritesForge, repo_options};
use super::exit::{Failed, fail_if};
use super::output::{Format, Printer};
use crate::model::cache::ParseCache;
use crate::ops;
use clap::{Args, Subcommand};

#[derive(Debug, Args)]
pub struct ScorecardArgs {
    #[command(subcommand)]
    pub command: Option<ScorecardCmd>,
    #[command(flatten)]
    repo: RepoArgs,
    #[command(flatten)]
    forge: ForgeArgs,
    #[command(flatten)]
    format: ReportFormatArgs,
}

#[derive(Debug, Subcommand)]
pub enum ScorecardCmd {
    /// The quarterly sunset review: open (or update) one PR on the platform repo proposing deprecation of this
    /// quarter's sunset candidates. The daemon runs it on its `spec.schedules.scorecards` timer.
    Deprecations {
        /// Say what would be proposed; open nothing.
        #[arg(long)]
        dry_run: bool,
        #[command(flatten)]
        on: WritesForge,
    },
}

impl ScorecardArgs {
    /// The output format: the subcommand's when one is given.
    pub fn format(&self) -> Format {
        match &self.command {
            Some(ScorecardCmd::Deprecations { on, .. }) => on.on.format(),
            None => self.format.format,
        }
    }
}

/// Exit 1 when the platform repo has errors, or the sunset review's PR could not be opened.
pub fn run(args: ScorecardArgs, cache: &ParseCache, p: &Printer) -> anyhow::Result<()> {
    let ScorecardArgs { command, repo, forge, format } = args;
    if let Some(ScorecardCmd::Deprecations { dry_run, on }) = command {
        return deprecations(dry_run, &on, cache, p);
    }
    p.progress("collecting evidence and evaluating scorecards");
    let options = repo_options(&repo.repo, Given::read(&repo).forge(&forge));
    let scored = ops::scorecard::scorecard(&options, cache, format.format == Format::Markdown)?;
    p.diagnostics(&scored.loaded);
    p.scorecard(&scored);
    let failed = scored.loaded.diagnostics.errors() > 0;
    // Plain data the exiting process need not free (see `cache` in `super::run`).
    std::mem::forget(scored);
    fail_if(failed)
}

fn deprecations(dry_run: bool, on: &WritesForge, cache: &ParseCache, p: &Printer) -> anyhow::Result<()> {
    p.progress("reviewing sunset candidates");
    let outcome = ops::sunset::propose(&on.repo_options(), cache, dry_run)?;
    for manifest in &outcome.candidates {
        p.line(&format!("candidate: {manifest}"));
    }
    match &outcome.result {
        Ok(what) => {
            p.line(&format!("sunset review {}: {what}", outcome.quarter));
            Ok(())
        }
        Err(e) => {
            p.error(&anyhow::anyhow!("sunset review {}: {e}", outcome.quarter));
            Err(Failed.into())
        }
    }
}
