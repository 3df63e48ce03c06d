//! Forges: where repos and pull requests live. The [`Forge`] trait is the seam; [`local::LocalForge`] is the
//! embedded default (bare git repos plus PR records in a directory); [`github::GitHubForge`] implements the same
//! trait over GitHub's REST API.

mod error;
pub mod github;
pub mod local;
pub(crate) mod pack;
mod pr_state;
pub mod tree;
pub mod via_git;

pub use error::Error;
pub use pr_state::PrState;
pub use tree::{BranchFiles, Files, Kept, NewCommit};

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepoInfo {
    /// `owner/name`.
    pub full_name: String,
    pub default_branch: String,
    /// A clone URL the git CLI understands (a path for the local forge).
    pub clone_url: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Comment {
    pub id: u64,
    pub author: String,
    pub body: String,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewState {
    Approved,
    ChangesRequested,
    Commented,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Review {
    pub reviewer: String,
    pub state: ReviewState,
    pub body: String,
    /// The head commit the review was given on: an approval of an older head does not count for a newer one.
    pub commit: String,
    pub submitted_at: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckConclusion {
    Success,
    Failure,
    Neutral,
    ActionRequired,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Check {
    pub name: String,
    pub commit: String,
    pub conclusion: CheckConclusion,
    pub summary: String,
    #[serde(default)]
    pub details: String,
    #[serde(default)]
    pub updated_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PullRequest {
    pub number: u64,
    pub repo: String,
    pub title: String,
    pub body: String,
    pub head: String,
    pub base: String,
    pub state: PrState,
    pub author: String,
    pub head_commit: String,
    #[serde(default)]
    pub merge_commit: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    #[serde(default)]
    pub labels: Vec<String>,
    #[serde(default)]
    pub comments: Vec<Comment>,
    #[serde(default)]
    pub reviews: Vec<Review>,
    #[serde(default)]
    pub checks: Vec<Check>,
}

impl PullRequest {
    /// Reviewers whose latest review approves the current head.
    pub fn approvers(&self) -> Vec<&str> {
        let mut latest: std::collections::BTreeMap<&str, &Review> = Default::default();
        for r in &self.reviews {
            latest.insert(&r.reviewer, r);
        }
        latest
            .into_iter()
            .filter(|(_, r)| r.state == ReviewState::Approved && r.commit == self.head_commit)
            .map(|(who, _)| who)
            .collect()
    }
}

/// What opening a pull request needs.
#[derive(Debug, Clone)]
pub struct NewPr {
    pub head: String,
    pub base: String,
    pub title: String,
    pub body: String,
    pub author: String,
    pub labels: Vec<String>,
}

/// One file change of [`Forge::commit_files`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileWrite {
    Put { path: String, content: Vec<u8> },
    Delete { path: String },
}

/// A deployment the forge recorded (GitHub's deployments API), with its statuses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deployment {
    pub id: u64,
    pub environment: String,
    /// The deployed commit.
    pub sha: String,
    pub created_at: String,
    #[serde(default)]
    pub statuses: Vec<DeploymentStatus>,
}

/// One status of a [`Deployment`]. `state` is kept as the forge wrote it (GitHub: `success`, `failure`, `error`,
/// `inactive`, `pending`, `queued`, `in_progress`): what counts is decided by the reader, who can then say which
/// state it did not understand.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeploymentStatus {
    pub state: String,
    pub created_at: String,
}

/// An issue (not a pull request) of a repo, as the forge lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Issue {
    pub number: u64,
    pub title: String,
    pub created_at: String,
    /// `None` while the issue is open.
    #[serde(default)]
    pub closed_at: Option<String>,
    #[serde(default)]
    pub labels: Vec<String>,
}

/// The operations paved needs from a forge.
pub trait Forge: Send + Sync {
    fn list_repos(&self) -> Result<Vec<RepoInfo>, Error>;
    fn get_repo(&self, full_name: &str) -> Result<Option<RepoInfo>, Error>;
    fn create_repo(&self, full_name: &str, default_branch: &str) -> Result<RepoInfo, Error>;
    /// Open a PR from `head`, or return the open one that already exists for that head (never two).
    fn open_pr(&self, repo: &str, pr: NewPr) -> Result<PullRequest, Error>;
    fn update_pr(&self, repo: &str, number: u64, title: Option<&str>, body: Option<&str>)
    -> Result<PullRequest, Error>;
    fn get_pr(&self, repo: &str, number: u64) -> Result<PullRequest, Error>;
    fn list_prs(&self, repo: &str, state: Option<PrState>) -> Result<Vec<PullRequest>, Error>;
    fn close_pr(&self, repo: &str, number: u64) -> Result<PullRequest, Error>;
    fn merge_pr(&self, repo: &str, number: u64, by: &str) -> Result<PullRequest, Error>;
    fn review(
        &self,
        repo: &str,
        number: u64,
        reviewer: &str,
        state: ReviewState,
        body: &str,
    ) -> Result<PullRequest, Error>;
    /// Create or edit in place the single comment of `author` on the PR; returns it. Unchanged text is not
    /// rewritten.
    fn upsert_comment(&self, repo: &str, number: u64, author: &str, body: &str) -> Result<Comment, Error>;
    /// Set (create or replace) the check `check.name` on `check.commit` of the PR.
    fn set_check(&self, repo: &str, number: u64, check: Check) -> Result<(), Error>;
    /// A file's content at a ref, `None` when the path does not exist there.
    fn read_file(&self, repo: &str, git_ref: &str, path: &str) -> Result<Option<Vec<u8>>, Error>;
    /// Commit `files` on `branch` (created from `from` when missing) without a clone. Returns the new commit, or
    /// `None` when the branch already holds these contents (no empty commit is made).
    ///
    /// # Errors
    /// [`Error::RefMoved`] when the branch moved meanwhile (nothing is overwritten); [`Error::NoSuchBranch`] when
    /// neither `branch` nor `from` exists.
    fn commit_files(
        &self,
        repo: &str,
        branch: &str,
        from: &str,
        files: &[FileWrite],
        message: &str,
    ) -> Result<Option<String>, Error>;
    /// The repo's deployments (to `environment` only, when given), each with its statuses.
    fn list_deployments(&self, repo: &str, environment: Option<&str>) -> Result<Vec<Deployment>, Error>;
    /// The repo's issues carrying `label`, open and closed; pull requests are never listed.
    fn list_issues(&self, repo: &str, label: &str) -> Result<Vec<Issue>, Error>;

    /// The commit `branch` points at, `None` when the branch does not exist: what a planner compares with the
    /// base a bot branch was built on. The default reads the branch ([`Forge::read_branch`]); a forge that can
    /// read one ref cheaply overrides it.
    fn branch_head(&self, repo: &str, branch: &str) -> Result<Option<String>, Error> {
        Ok(self.read_branch(repo, branch)?.map(|b| b.commit))
    }

    /// Every file of `branch`, `None` when the branch does not exist.
    ///
    /// The default fetches the branch with the git CLI from the repo's clone URL ([`via_git`]); a forge that can
    /// read its objects directly overrides it (the local forge reads its bare repo in-process).
    fn read_branch(&self, repo: &str, branch: &str) -> Result<Option<BranchFiles>, Error> {
        let info = self.get_repo(repo)?.ok_or_else(|| Error::NoSuchRepo(repo.to_owned()))?;
        via_git::read_branch(&info.clone_url, branch)
    }

    /// Make `commit.branch` hold exactly `commit.files`, in one commit on `commit.parent`; returns the new
    /// commit, or `None` when the branch already holds that tree (nothing is written then). The branch is moved
    /// from wherever it was (it is the bot's own branch), but only if it did not move meanwhile
    /// ([`Error::RefMoved`]).
    ///
    /// The default is the git CLI: fetch, write the objects, push with a lease ([`via_git`]). The local forge
    /// writes blobs, trees and the commit straight into its bare repo and moves the ref; on GitHub the same steps
    /// are the Git Data API (create blobs, a tree, a commit, then update the ref).
    fn commit_tree(&self, repo: &str, commit: &NewCommit<'_>) -> Result<Option<String>, Error> {
        let info = self.get_repo(repo)?.ok_or_else(|| Error::NoSuchRepo(repo.to_owned()))?;
        via_git::commit_tree(&info.clone_url, repo, commit)
    }
}

/// Split and check `owner/name`.
pub fn split_repo(full_name: &str) -> Result<(&str, &str), Error> {
    let ok = |s: &str| {
        !s.is_empty()
            && s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
            && !s.starts_with('.')
    };
    match full_name.split_once('/') {
        Some((o, n)) if ok(o) && ok(n) => Ok((o, n)),
        _ => Err(Error::BadRepoName(full_name.to_owned())),
    }
}
