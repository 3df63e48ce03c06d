//! `paved paths status|sync`: paved paths across every service repo: drift, scaffolding, migration PRs.

use super::args::{ForgeArgs, FormatArgs, Given, LockArgs, RepoArgs, repo_options};
use super::exit::fail_if;
use super::output::{Format, Printer};
use crate::model::cache::ParseCache;
use crate::ops;
use clap::Subcommand;

#[derive(Debug, Subcommand)]
pub enum PathsCmd {
    /// Every service on a paved path: its version, the allowed range, and how far behind it is.
    Status {
        #[command(flatten)]
        repo: RepoArgs,
        #[command(flatten)]
        forge: ForgeArgs,
        #[command(flatten)]
        format: FormatArgs,
    },
    /// Scaffold missing repos and open or update one migration PR per service behind its path.
    Sync {
        /// Plan only; change nothing.
        #[arg(long)]
        dry_run: bool,
        /// At most this many migration PRs are newly opened in one run.
        #[arg(long, default_value_t = crate::plan::paths::DEFAULT_MAX_NEW_PRS)]
        max_new_prs: usize,
        #[command(flatten)]
        lock: LockArgs,
        #[command(flatten)]
        repo: RepoArgs,
        #[command(flatten)]
        forge: ForgeArgs,
        #[command(flatten)]
        format: FormatArgs,
    },
}

impl PathsCmd {
    pub fn format(&self) -> Format {
        match self {
            PathsCmd::Status { format, .. } | PathsCmd::Sync { format, .. } => format.format.into(),
        }
    }
}

/// Exit 1 when a service is in error or an action failed.
pub fn run(cmd: PathsCmd, cache: &ParseCache, p: &Printer) -> anyhow::Result<()> {
    let (repo, forge, lock, execute, max_new_prs) = match &cmd {
        PathsCmd::Status { repo, forge, .. } => (repo, forge, None, false, crate::plan::paths::DEFAULT_MAX_NEW_PRS),
        PathsCmd::Sync { dry_run, max_new_prs, repo, forge, lock, .. } => {
            (repo, forge, Some(lock), !dry_run, *max_new_prs)
        }
    };
    let mut given = Given::read(repo).forge(forge);
    if let Some(lock) = lock {
        given = given.lock(lock);
    }
    let options = repo_options(&repo.repo, given);
    let sync = ops::paths::SyncOptions { execute, max_new_prs, actor: "paved" };
    let run = ops::paths::sync(&options, cache, &sync, p.progress_bar())?;
    p.diagnostics(&run.loaded);
    fail_if(p.paths(&run))
}
