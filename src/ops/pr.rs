//! `paved pr …`: drive pull requests on the local forge from the command line.

use crate::forge::{Forge, NewPr, PrState, PullRequest, ReviewState};
use anyhow::Context;

/// Which PR command to run.
#[derive(Debug, Clone)]
pub enum PrCommand {
    List { state: Option<PrState> },
    Show { number: u64 },
    Open { head: String, base: String, title: String, body: String, author: String },
    Approve { number: u64, by: String, body: String },
    Merge { number: u64, by: String },
    Close { number: u64 },
}

pub enum PrOutcome {
    List(Vec<PullRequest>),
    One(Box<PullRequest>),
}

pub fn run(forge: &dyn Forge, repo: &str, command: PrCommand) -> anyhow::Result<PrOutcome> {
    let one = |pr: Result<PullRequest, crate::forge::Error>| -> anyhow::Result<PrOutcome> {
        Ok(PrOutcome::One(Box::new(pr.with_context(|| format!("on {repo}"))?)))
    };
    match command {
        PrCommand::List { state } => {
            Ok(PrOutcome::List(forge.list_prs(repo, state).with_context(|| format!("on {repo}"))?))
        }
        PrCommand::Show { number } => one(forge.get_pr(repo, number)),
        PrCommand::Open { head, base, title, body, author } => {
            one(forge.open_pr(repo, NewPr { head, base, title, body, author, labels: Vec::new() }))
        }
        PrCommand::Approve { number, by, body } => one(forge.review(repo, number, &by, ReviewState::Approved, &body)),
        PrCommand::Merge { number, by } => one(forge.merge_pr(repo, number, &by)),
        PrCommand::Close { number } => one(forge.close_pr(repo, number)),
    }
}
