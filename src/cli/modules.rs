//! `paved modules migrate`: the plan's module migration PRs, run by hand.

use super::args::WritesForge;
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
        on: WritesForge,
    },
}

impl ModulesCmd {
    pub fn format(&self) -> Format {
        let ModulesCmd::Migrate { on, .. } = self;
        on.on.format()
    }
}

/// Exit 1 when a module's PR could not be opened or updated.
pub fn run(cmd: ModulesCmd, cache: &ParseCache, p: &Printer) -> anyhow::Result<()> {
    let ModulesCmd::Migrate { dry_run, on } = cmd;
    let outcomes = ops::modules::migrate(&on.repo_options(), cache, dry_run)?;
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
