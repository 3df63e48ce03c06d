//! The default way a forge reads a branch's files and commits onto a branch: the git CLI against the repo's clone
//! URL. Each call fetches the branches it needs into a scratch bare repo, does its object work there with the
//! same gix code the local forge runs in-process ([`super::tree`]), and pushes the one commit it made.
//!
//! Used by forges that do not override [`Forge::read_branch`](super::Forge::read_branch) and
//! [`Forge::commit_tree`](super::Forge::commit_tree) (today: GitHub, whose Git Data API would be the way to do
//! it without a clone).

use super::error::Error;
use super::tree::{self, BranchFiles, NewCommit};
use crate::gitcli::Git;
use std::collections::BTreeMap;

impl From<crate::gitcli::Error> for Error {
    fn from(e: crate::gitcli::Error) -> Self {
        Error::Git(e.to_string())
    }
}

/// A scratch bare repo holding `branches` of `url` as `refs/heads/*` (those that exist).
fn fetch(url: &str, branches: &[&str]) -> Result<tempfile::TempDir, Error> {
    let url = &absolute(url);
    let dir = tempfile::tempdir().map_err(|source| Error::Io { path: std::env::temp_dir(), source })?;
    let git = Git::new(dir.path()).no_maintenance();
    git.run(&["init", "--quiet", "--bare"])?;
    let wanted: Vec<String> = branches.iter().map(|b| format!("refs/heads/{b}")).collect();
    let mut args = vec!["ls-remote", "--", url];
    args.extend(wanted.iter().map(String::as_str));
    let found: BTreeMap<String, String> = git
        .run(&args)?
        .lines()
        .filter_map(|l| l.split_once('\t'))
        .filter_map(|(sha, name)| Some((name.strip_prefix("refs/heads/")?.to_owned(), sha.to_owned())))
        .collect();
    if !found.is_empty() {
        let specs: Vec<String> = found.keys().map(|b| format!("+refs/heads/{b}:refs/heads/{b}")).collect();
        let mut args = vec!["fetch", "--quiet", "--no-tags", "--", url];
        args.extend(specs.iter().map(String::as_str));
        git.run(&args)?;
    }
    Ok(dir)
}

/// `url` usable from a scratch directory: a local path given relative (`--forge forge`) is made absolute.
fn absolute(url: &str) -> String {
    let path = std::path::Path::new(url);
    match std::path::absolute(path) {
        Ok(abs) if path.is_relative() && path.exists() => abs.to_string_lossy().into_owned(),
        _ => url.to_owned(),
    }
}

fn open(dir: &tempfile::TempDir) -> Result<gix::Repository, Error> {
    gix::open(dir.path()).map_err(|e| Error::Git(e.to_string()))
}

/// [`Forge::read_branch`](super::Forge::read_branch) through a fetch of `branch` from `url`.
pub fn read_branch(url: &str, branch: &str) -> Result<Option<BranchFiles>, Error> {
    let dir = fetch(url, &[branch])?;
    tree::read(&open(&dir)?, branch)
}

/// [`Forge::commit_tree`](super::Forge::commit_tree) through a fetch of the branch and the parent's branch
/// from `url`, and a push guarded by `--force-with-lease` on the branch's fetched position.
pub fn commit_tree(url: &str, full_name: &str, c: &NewCommit<'_>) -> Result<Option<String>, Error> {
    let mut branches = vec![c.branch];
    branches.extend(c.parent.map(|p| p.branch.as_str()));
    let url = &absolute(url);
    let dir = fetch(url, &branches)?;
    let prepared = tree::prepare(&open(&dir)?, c)?;
    let Some(new) = prepared.new else { return Ok(None) };
    let expected = prepared.old.map(|id| id.to_string()).unwrap_or_default();
    let lease = format!("--force-with-lease=refs/heads/{}:{expected}", c.branch);
    let refspec = format!("{new}:refs/heads/{}", c.branch);
    Git::new(dir.path()).no_maintenance().run(&["push", "--quiet", &lease, "--", url, &refspec]).map_err(
        |e| match e {
            crate::gitcli::Error::Failed { ref stderr, .. }
                if stderr.contains("stale info") || stderr.contains("rejected") =>
            {
                Error::RefMoved { repo: full_name.to_owned(), branch: c.branch.to_owned() }
            }
            e => e.into(),
        },
    )?;
    Ok(Some(new.to_string()))
}
