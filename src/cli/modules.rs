//! `paved modules migrate`: the plan's module migration PRs, run by hand.

use super::args::{ForgeArgs, FormatArgs, Given, LockArgs, RepoArgs, repo_options};
use super::exit::fail_if;
use super::output::{Format, Printer};
use crate::model::cache::ParseCache;
use crate::ops;
use clap::Subcommand;

#[derive(Debug, Subcommand)]
pub enum ModulesCmd {
    /// Open (or update) one PR per module that migrates every request written for an older major version.
    Migrate {
        /// Say what would be migrated; open nothing.
        #[arg(long)]
        dry_run: bool,
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

impl ModulesCmd {
    pub fn format(&self) -> Format {
        let ModulesCmd::Migrate { format, .. } = self;
        format.format.into()
    }
}

/// Exit 1 when a module's PR could not be opened or updated.
pub fn run(cmd: ModulesCmd, cache: &ParseCache, p: &Printer) -> anyhow::Result<()> {
    let ModulesCmd::Migrate { dry_run, repo, forge, lock, .. } = cmd;
    let options = repo_options(&repo.repo, Given::read(&repo).forge(&forge).lock(&lock));
    let outcomes = ops::modules::migrate(&options, cache, dry_run)?;
    let mut failed = false;
    for o in &outcomes {
        match &o.result {
            Ok(what) => p.line(&format!("{}: {} request(s): {what}", o.module, o.requests)),
            Err(e) => {
                failed = true;
                p.error(&anyhow::anyhow!("{}: {e}", o.module));
            }
        }
    }
    if outcomes.is_empty() {
        p.line("every request is on its module's current major version");
    }
    fail_if(failed)
}
