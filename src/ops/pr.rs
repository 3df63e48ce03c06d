//! `paved pr …`: drive pull requests on the local forge from the command line, and before `pr open`, put the
//! platform work tree's branch on the forge (see [`push_head`]).

use crate::forge::local::LocalForge;
use crate::forge::{Forge, NewPr, PrState, PullRequest, ReviewState};
use crate::gitcli::git;
use anyhow::Context;
use std::path::{Path, PathBuf};

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

/// The branch a PR is opened from, after [`push_head`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    pub branch: String,
    /// What was pushed to the forge, in words (`None` when it had the branch as it is already).
    pub pushed: Option<String>,
}

/// Put `head` (default: the current branch of the platform work tree `work`) on the forge repo `repo`, so a PR
/// can be opened from it: the branch is pushed when the forge lacks it or the work tree is ahead, and a forge
/// that lacks the repo gets it, with `base` pushed first. A branch the work tree does not have is left to the
/// forge, which may have it from elsewhere.
///
/// # Errors
/// No `head` and no current branch (not a work tree, a detached HEAD, or HEAD on `base`); a push git refuses,
/// with the command that fixes it.
pub fn push_head(forge: &LocalForge, repo: &str, work: &Path, head: Option<&str>, base: &str) -> anyhow::Result<Head> {
    let is_work_tree = super::is_worktree(work);
    let branch = match head {
        Some(h) => h.to_owned(),
        None => current_branch(work, is_work_tree, base)?,
    };
    let local = |b: &str| git(work, &["rev-parse", "--verify", "--quiet", &format!("refs/heads/{b}^{{commit}}")]).ok();
    let Some(commit) = is_work_tree.then(|| local(&branch)).flatten() else {
        return Ok(Head { branch, pushed: None });
    };
    let mut done = Vec::new();
    // Absolute: git resolves relative paths against the directory it runs in, not against where paved started.
    let forge = LocalForge::new(std::path::absolute(forge.dir())?);
    let (info, created) = match forge.get_repo(repo)? {
        Some(info) => (info, false),
        None => (forge.create_repo(repo, base)?, true),
    };
    // Without `..`, for the commands the errors below suggest.
    let bare = std::fs::canonicalize(&info.clone_url).unwrap_or_else(|_| PathBuf::from(&info.clone_url));
    if created {
        done.push(format!("created {repo} on the local forge"));
        if branch != base && local(base).is_some() {
            push(work, &bare, base)?;
            done.push(format!("pushed {base}"));
        }
    }
    let tip = git(&bare, &["rev-parse", "--verify", "--quiet", &format!("refs/heads/{branch}")]).ok();
    // The forge has this commit already, or a later one on the branch (pushed from another clone).
    let has_it =
        tip.as_ref().is_some_and(|t| *t == commit || git(&bare, &["merge-base", "--is-ancestor", &commit, t]).is_ok());
    if !has_it {
        push(work, &bare, &branch).map_err(|e| {
            let (w, b) = (work.display(), bare.display());
            let fix = match tip {
                Some(_) => format!(
                    "the forge's `{branch}` has commits this work tree lacks: bring them in with `git -C {w} pull {b} \
                     {branch}`, then run this again"
                ),
                None => format!("push it by hand with `git -C {w} push {b} {branch}`, then run this again"),
            };
            e.context(format!("cannot push `{branch}` to {repo} on the local forge; {fix}"))
        })?;
        done.push(format!("pushed {branch}"));
    }
    let pushed = (!done.is_empty()).then(|| format!("{} (from {})", done.join(", "), work.display()));
    Ok(Head { branch, pushed })
}

/// The work tree's current branch, as a PR's head.
fn current_branch(work: &Path, is_work_tree: bool, base: &str) -> anyhow::Result<String> {
    anyhow::ensure!(
        is_work_tree,
        "pass --head BRANCH: {} is not a git work tree, so it has no current branch",
        work.display()
    );
    let branch = git(work, &["symbolic-ref", "--quiet", "--short", "HEAD"]).map_err(|_| {
        anyhow::anyhow!(
            "the work tree {} is on no branch (a detached HEAD): make one with `git -C {0} switch -c BRANCH`, or pass \
             --head BRANCH",
            work.display()
        )
    })?;
    anyhow::ensure!(
        branch != base,
        "the work tree {} is on `{base}`, the PR's base: commit your change on a branch (`git -C {0} switch -c \
         BRANCH`), or pass --head BRANCH",
        work.display()
    );
    Ok(branch)
}

/// Push `branch` of `work` to the bare repo `bare`, without forcing: git refuses to drop the forge's commits.
fn push(work: &Path, bare: &Path, branch: &str) -> anyhow::Result<()> {
    git(work, &["push", "--quiet", &bare.to_string_lossy(), &format!("refs/heads/{branch}:refs/heads/{branch}")])?;
    Ok(())
}
