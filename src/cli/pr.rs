//! `paved pr …`: pull requests on the local forge, from the command line.

use super::args::{Given, LockArgs, OnForge, repo_options};
use super::exit::fail_if;
use super::output::{Format, Printer};
use crate::forge::{CheckConclusion, PrState};
use crate::model::cache::ParseCache;
use crate::ops;
use crate::ops::pr::{PrCommand, PrOptions};
use clap::{Args, Subcommand};

#[derive(Debug, Args)]
pub struct PrTarget {
    /// The forge repo (owner/name); defaults to the platform repo from platform.yaml.
    #[arg(long = "on")]
    pub on: Option<String>,
    #[command(flatten)]
    pub at: OnForge,
}

#[derive(Debug, Subcommand)]
pub enum PrCmd {
    /// List pull requests.
    List {
        /// Only this state.
        #[arg(long, value_parser = ["open", "closed", "merged"])]
        state: Option<String>,
        #[command(flatten)]
        target: PrTarget,
    },
    /// Show one pull request with its comment, reviews and checks.
    Show {
        /// The pull request's number.
        number: u64,
        #[command(flatten)]
        target: PrTarget,
    },
    /// Open a pull request. A head branch of the platform work tree (--repo) that the forge lacks, or that is
    /// ahead of the forge's, is pushed to the forge first.
    Open {
        /// The branch to merge (default: the platform work tree's current branch).
        #[arg(long)]
        head: Option<String>,
        /// The branch to merge it into.
        #[arg(long, default_value = "main")]
        base: String,
        /// The pull request's title.
        #[arg(long)]
        title: String,
        /// The pull request's description (markdown).
        #[arg(long, default_value = "")]
        body: String,
        /// Who opens it (default: $USER).
        #[arg(long, default_value = "developer", env = "USER")]
        author: String,
        #[command(flatten)]
        target: PrTarget,
    },
    /// Approve a pull request.
    Approve {
        /// The pull request's number.
        number: u64,
        /// Who approves it (default: $USER); the approver rules name users and groups.
        #[arg(long = "by", default_value = "reviewer", env = "USER")]
        by: String,
        /// A review comment.
        #[arg(long, default_value = "")]
        body: String,
        #[command(flatten)]
        target: PrTarget,
    },
    /// Merge a pull request (a real merge commit on the base branch).
    Merge {
        /// The pull request's number.
        number: u64,
        /// Who merges it (default: $USER).
        #[arg(long = "by", default_value = "reviewer", env = "USER")]
        by: String,
        #[command(flatten)]
        target: PrTarget,
        #[command(flatten)]
        lock: LockArgs,
    },
    /// Compute the PR's plan and post it: one comment (edited in place) and the `paved/policy` check.
    Plan {
        /// The pull request's number.
        number: u64,
        #[command(flatten)]
        target: PrTarget,
        #[command(flatten)]
        lock: LockArgs,
    },
    /// Close a pull request without merging.
    Close {
        /// The pull request's number.
        number: u64,
        #[command(flatten)]
        target: PrTarget,
    },
}

impl PrCmd {
    /// The forge repo and platform every PR command takes.
    fn target(&self) -> &PrTarget {
        match self {
            PrCmd::List { target, .. }
            | PrCmd::Show { target, .. }
            | PrCmd::Open { target, .. }
            | PrCmd::Approve { target, .. }
            | PrCmd::Merge { target, .. }
            | PrCmd::Plan { target, .. }
            | PrCmd::Close { target, .. } => target,
        }
    }

    pub fn format(&self) -> Format {
        self.target().at.format.format.into()
    }

    /// Where the command acts; the commands that write the forge's platform repo (merge, plan) take its lock.
    fn options(&self) -> PrOptions {
        let lock = match self {
            PrCmd::Merge { lock, .. } | PrCmd::Plan { lock, .. } => Some(lock),
            _ => None,
        };
        let target = self.target();
        let at = &target.at;
        let given = Given { forge: Some(&at.forge), lock, ..Given::default() }.worktree_by_default();
        PrOptions { repo: repo_options(&at.repo, given), on: target.on.clone(), lock: lock.is_some() }
    }
}

/// Exit 1 when the forge refuses (a PR that is not open, a merge conflict, an unknown number) or the PR's plan
/// fails its policies.
pub fn run(cmd: PrCmd, cache: &ParseCache, p: &Printer) -> anyhow::Result<()> {
    let options = cmd.options();
    let command = match cmd {
        PrCmd::Plan { number, .. } => {
            let (review, body) = ops::pr::plan(&options, cache, number)?;
            p.posted(&review, &body);
            return fail_if(review.conclusion() == CheckConclusion::Failure);
        }
        PrCmd::List { state, .. } => {
            let state = state.map(|s| match s.as_str() {
                "open" => PrState::Open,
                "closed" => PrState::Closed,
                _ => PrState::Merged,
            });
            PrCommand::List { state }
        }
        PrCmd::Show { number, .. } => PrCommand::Show { number },
        PrCmd::Open { head, base, title, body, author, .. } => PrCommand::Open { head, base, title, body, author },
        PrCmd::Approve { number, by, body, .. } => PrCommand::Approve { number, by, body },
        PrCmd::Merge { number, by, .. } => PrCommand::Merge { number, by },
        PrCmd::Close { number, .. } => PrCommand::Close { number },
    };
    let done = ops::pr::pr(&options, cache, command)?;
    if let Some(pushed) = &done.pushed {
        p.note(pushed);
    }
    p.pr(&done.outcome?);
    Ok(())
}
