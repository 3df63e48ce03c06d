//! `paved paths status|sync`: paved paths across every service repo: drift, scaffolding, migration PRs.

use super::args::{ReadsForge, WritesForge, repo_options};
use super::exit::fail_if;
use super::output::{Format, Printer};
use crate::model::cache::ParseCache;
use crate::ops;
use crate::plan::paths::DEFAULT_MAX_NEW_PRS;
use clap::Subcommand;

#[derive(Debug, Subcommand)]
pub enum PathsCmd {
    /// Every service on a paved path: its version, the allowed range, and how far behind it is.
    Status {
        #[command(flatten)]
        on: ReadsForge,
    },
    /// Scaffold missing repos and open or update one migration PR per service behind its path.
    Sync {
        /// Plan only; change nothing.
        #[arg(long)]
        dry_run: bool,
        /// At most this many migration PRs are newly opened in one run.
        #[arg(long, default_value_t = DEFAULT_MAX_NEW_PRS)]
        max_new_prs: usize,
        #[command(flatten)]
        on: WritesForge,
    },
}

impl PathsCmd {
    pub fn format(&self) -> Format {
        match self {
            PathsCmd::Status { on } => on.format(),
            PathsCmd::Sync { on, .. } => on.on.format(),
        }
    }
}

/// Exit 1 when a service is in error or an action failed.
pub fn run(cmd: PathsCmd, cache: &ParseCache, p: &Printer) -> anyhow::Result<()> {
    let (options, execute, max_new_prs) = match &cmd {
        PathsCmd::Status { on } => (repo_options(&on.repo.repo, on.given()), false, DEFAULT_MAX_NEW_PRS),
        PathsCmd::Sync { dry_run, max_new_prs, on } => (on.repo_options(), !dry_run, *max_new_prs),
    };
    let sync = ops::paths::SyncOptions { execute, max_new_prs, actor: "paved" };
    let run = ops::paths::sync(&options, cache, &sync, p.progress_bar())?;
    p.diagnostics(&run.loaded);
    fail_if(p.paths(&run))
}
