//! `paved pr …`: drive pull requests on the local forge from the command line, and before `pr open`, put the
//! platform work tree's branch on the forge (see [`push_head`]).

use super::{Refused, RepoOptions, on_local_forge};
use crate::forge::local::LocalForge;
use crate::forge::{Forge, NewPr, PrState, PullRequest, ReviewState};
use crate::gitcli::git;
use crate::model::cache::ParseCache;
use crate::review::Review;
use anyhow::Context;
use std::path::{Path, PathBuf};

/// Where a PR command acts.
#[derive(Debug, Clone)]
pub struct PrOptions {
    /// The platform repo (its work tree is where `pr open` pushes from) and its local forge.
    pub repo: RepoOptions,
    /// The forge repo (owner/name); `None`: the platform repo platform.yaml names.
    pub on: Option<String>,
    /// Take the platform's lock first: the command writes the forge's platform repo (merge, plan).
    pub lock: bool,
}

/// Which PR command to run.
#[derive(Debug, Clone)]
pub enum PrCommand {
    List {
        state: Option<PrState>,
    },
    Show {
        number: u64,
    },
    /// `head`: default, the platform work tree's current branch; pushed first when the forge lacks it.
    Open {
        head: Option<String>,
        base: String,
        title: String,
        body: String,
        author: String,
    },
    Approve {
        number: u64,
        by: String,
        body: String,
    },
    Merge {
        number: u64,
        by: String,
    },
    Close {
        number: u64,
    },
}

pub enum PrOutcome {
    List(Vec<PullRequest>),
    One(Box<PullRequest>),
}

/// What a PR command did.
pub struct PrRun {
    /// What was pushed to the forge before the PR was opened, in words (see [`push_head`]).
    pub pushed: Option<String>,
    /// The forge's answer. What the forge refuses (a PR that is not open, a merge conflict, an unknown number) is
    /// [`Refused`]: the user's input, not an I/O failure. Kept apart from the push, which happened either way.
    pub outcome: anyhow::Result<PrOutcome>,
}

/// Run a PR command on the local forge of the platform `options` name.
///
/// # Errors
/// No local forge, no repo to act on, the lock, or a push before `pr open` failed: then nothing was asked of the
/// forge. The forge's own answer is in [`PrRun::outcome`].
pub fn pr(options: &PrOptions, cache: &ParseCache, command: PrCommand) -> anyhow::Result<PrRun> {
    let (on_forge, repo) = target(options, cache)?;
    let forge: &dyn Forge = &on_forge.forge;
    let one = |pr: Result<PullRequest, crate::forge::Error>| pr.map(|pr| PrOutcome::One(Box::new(pr)));
    let mut pushed = None;
    let answer = match command {
        PrCommand::List { state } => forge.list_prs(&repo, state).map(PrOutcome::List),
        PrCommand::Show { number } => one(forge.get_pr(&repo, number)),
        PrCommand::Open { head, base, title, body, author } => {
            let head = push_head(&on_forge.forge, &repo, &options.repo.repo, head.as_deref(), &base)?;
            pushed = head.pushed;
            one(forge.open_pr(&repo, NewPr { head: head.branch, base, title, body, author, labels: Vec::new() }))
        }
        PrCommand::Approve { number, by, body } => one(forge.review(&repo, number, &by, ReviewState::Approved, &body)),
        PrCommand::Merge { number, by } => one(forge.merge_pr(&repo, number, &by)),
        PrCommand::Close { number } => one(forge.close_pr(&repo, number)),
    };
    let outcome = answer.with_context(|| format!("on {repo}")).map_err(Refused::unless_transient);
    Ok(PrRun { pushed, outcome })
}

/// `paved pr plan N`: compute PR `number`'s plan and post it ([`super::review::post`]); returns the review and
/// the comment posted.
pub fn plan(options: &PrOptions, cache: &ParseCache, number: u64) -> anyhow::Result<(Review, String)> {
    let (on_forge, repo) = target(options, cache)?;
    // A PR the forge does not have is the caller's mistake (exit 1), as for `paved pr show`.
    super::review::post(&on_forge.forge, &repo, number, cache).map_err(Refused::unless_transient)
}

/// The local forge and the repo on it a PR command acts on (the lock taken first when `options` ask for it).
fn target(options: &PrOptions, cache: &ParseCache) -> anyhow::Result<(super::OnLocalForge, String)> {
    let on_forge = on_local_forge(&options.repo, cache, options.lock)?;
    let repo =
        options.on.clone().or_else(|| on_forge.loaded.model.platform.spec.repos.platform.clone()).ok_or_else(|| {
            anyhow::anyhow!("which repo? pass --on owner/name or set platform.yaml spec.repos.platform")
        })?;
    Ok((on_forge, repo))
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
