//! The error every [`Forge`](super::Forge) method returns, and which of its cases are worth retrying.

use super::pr_state::PrState;

/// The error returned by every [`Forge`](super::Forge) method.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("repo {0} does not exist on the forge")]
    NoSuchRepo(String),
    #[error("repo {0} already exists on the forge")]
    RepoExists(String),
    #[error("pull request #{number} does not exist in {repo}")]
    NoSuchPr { repo: String, number: u64 },
    #[error("issue #{number} does not exist in {repo}")]
    NoSuchIssue { repo: String, number: u64 },
    #[error("deployment state `{0}` is not one of error, failure, inactive, pending, success, queued, in_progress")]
    BadDeploymentState(String),
    #[error("pull request #{number} in {repo} is {state}, not open")]
    NotOpen { repo: String, number: u64, state: PrState },
    #[error("pull request #{number} in {repo} cannot merge: {reason}")]
    MergeConflict { repo: String, number: u64, reason: String },
    #[error("`{0}` is not a valid repo name (expected owner/name)")]
    BadRepoName(String),
    #[error("branch `{branch}` does not exist in {repo}")]
    NoSuchBranch { repo: String, branch: String },
    #[error("git failed: {0}")]
    Git(String),
    #[error("forge storage at {path}: {source}")]
    Io { path: std::path::PathBuf, source: std::io::Error },
    #[error("corrupt forge record {path}: {message}")]
    Corrupt { path: std::path::PathBuf, message: String },
    #[error("{method} {path}: GitHub answered {status}: {message}")]
    Api { method: &'static str, path: String, status: u16, message: String },
    #[error("GitHub rate limit reached; retry in {retry_after_s} s")]
    RateLimited { retry_after_s: u64 },
    #[error("GitHub: {0}")]
    Http(String),
    #[error("branch `{branch}` of {repo} moved while paved was committing to it; plan again")]
    RefMoved { repo: String, branch: String },
}

impl Error {
    /// Whether trying again later may succeed (drives the daemon's error policy).
    pub fn is_transient(&self) -> bool {
        match self {
            Error::Io { .. } | Error::Git(_) | Error::RateLimited { .. } | Error::Http(_) | Error::RefMoved { .. } => {
                true
            }
            Error::Api { status, .. } => *status >= 500,
            _ => false,
        }
    }
}
