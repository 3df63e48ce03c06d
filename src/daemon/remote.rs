//! Keeping the daemon's work tree in step with its remote (the platform repo on the forge), with the git CLI
//! (gix cannot push): before a pass, fetch and move to the remote branch; after a bot commit, push it.
//!
//! # Guarantees
//! - The remote is the source of truth. When local and remote have diverged (a bot commit that could not be
//!   pushed, then someone pushed), the local branch is reset to the remote: the bot commit is dropped, and the
//!   pass that follows recomputes it from the new commit (level-triggered: nothing is lost, nothing doubled).
//! - A push is never forced: a rejected push (the remote moved) is left for the next pass.
//! - Only bot commits are ever pushed: local commits that are not fast-forwards of the remote are dropped, so the
//!   daemon's work tree must be its own clone, not a developer's.

use std::path::Path;

/// The error returned by [`pull`] and [`push`].
pub use crate::gitcli::Error;

/// What [`pull`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pulled {
    /// The local branch already had everything.
    UpToDate,
    /// Moved forward to the remote's commit.
    FastForwarded { to: String },
    /// Local commits the remote does not have were dropped for the remote's commit.
    Reset { to: String, dropped: usize },
}

use crate::gitcli::git;

/// Whether `dir` is a git work tree whose current branch tracks a remote branch.
pub fn has_upstream(dir: &Path) -> bool {
    git(dir, &["rev-parse", "--abbrev-ref", "--symbolic-full-name", "@{u}"]).is_ok()
}

/// Fetch the upstream of the current branch and move the branch to it (fast-forward, or reset when diverged).
///
/// # Errors
/// When the remote cannot be fetched (unreachable, vanished) or git fails; the work tree is then unchanged.
pub fn pull(dir: &Path) -> Result<Pulled, Error> {
    git(dir, &["fetch", "--quiet", "--prune"])?;
    let head = git(dir, &["rev-parse", "HEAD"])?;
    let upstream = git(dir, &["rev-parse", "@{u}"])?;
    if head == upstream || git(dir, &["merge-base", "--is-ancestor", "@{u}", "HEAD"]).is_ok() {
        return Ok(Pulled::UpToDate); // includes local bot commits not pushed yet: push will carry them
    }
    if git(dir, &["merge-base", "--is-ancestor", "HEAD", "@{u}"]).is_ok() {
        git(dir, &["merge", "--ff-only", "--quiet", "@{u}"])?;
        return Ok(Pulled::FastForwarded { to: upstream });
    }
    let dropped = git(dir, &["rev-list", "--count", "@{u}..HEAD"])?.parse().unwrap_or(0);
    git(dir, &["reset", "--hard", "--quiet", "@{u}"])?;
    Ok(Pulled::Reset { to: upstream, dropped })
}

/// Push the current branch to its upstream when it is ahead; never forced.
///
/// # Errors
/// When the push is rejected (the remote moved: the next [`pull`] resolves it) or git fails.
pub fn push(dir: &Path) -> Result<bool, Error> {
    let ahead: usize = git(dir, &["rev-list", "--count", "@{u}..HEAD"])?.parse().unwrap_or(0);
    if ahead == 0 {
        return Ok(false);
    }
    git(dir, &["push", "--quiet", "--porcelain"])?;
    Ok(true)
}
