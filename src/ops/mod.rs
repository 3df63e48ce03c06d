//! One function per operation, each with an options struct, shared by the CLI and the daemon. Errors here are
//! `anyhow`: this is the edge where library errors meet the user.

pub mod audit_verify;
pub mod daemon;
pub mod demo;
pub mod init;
pub mod pr;
pub mod reconcile;

use crate::forge::local::LocalForge;
use crate::model::cache::ParseCache;
use crate::model::{LoadOptions, Loaded};
use crate::source::Snapshot;
use anyhow::Context;
use std::path::{Path, PathBuf};

/// Where the platform repo is read from.
#[derive(Debug, Clone)]
pub struct RepoOptions {
    pub repo: PathBuf,
    /// A commit to read; `None` picks HEAD for a git repo (or the work tree when `worktree` is set).
    pub rev: Option<String>,
    /// Read the working directory even when it is a git repo.
    pub worktree: bool,
    pub strict: bool,
    /// Overrides platform.yaml's local forge directory.
    pub forge: Option<PathBuf>,
}

/// Open the snapshot `options` name.
pub fn open_snapshot(options: &RepoOptions) -> anyhow::Result<Snapshot> {
    let repo = &options.repo;
    anyhow::ensure!(repo.exists(), "{} does not exist", repo.display());
    let is_git = repo.join(".git").exists() || (repo.join("HEAD").is_file() && repo.join("objects").is_dir());
    let snapshot = match (&options.rev, is_git && !options.worktree) {
        (Some(rev), _) => Snapshot::git(repo, rev)?,
        (None, true) => Snapshot::git(repo, "HEAD")
            .with_context(|| format!("reading HEAD of {} (use --worktree for uncommitted files)", repo.display()))?,
        (None, false) => Snapshot::worktree(repo)?,
    };
    Ok(snapshot)
}

/// Load and validate.
pub fn load(options: &RepoOptions, cache: &ParseCache) -> anyhow::Result<Loaded> {
    let snapshot = open_snapshot(options)?;
    Ok(crate::model::load(&snapshot, cache, &LoadOptions { strict: options.strict }))
}

/// The local forge for this platform repo: `--forge`, then `PAVED_FORGE`, then platform.yaml's `spec.forge.path`
/// (relative to the repo root). `None` when none is configured.
pub fn local_forge(options: &RepoOptions, loaded: &Loaded) -> Option<LocalForge> {
    let configured = loaded.model.platform.spec.forge.path.as_ref().map(|p| options.repo.join(p));
    options
        .forge
        .clone()
        .or_else(|| std::env::var_os("PAVED_FORGE").map(PathBuf::from))
        .or(configured)
        .map(LocalForge::new)
}

/// Is `dir` a git work tree (bot changes are committed) rather than a plain directory?
pub fn is_worktree(dir: &Path) -> bool {
    dir.join(".git").exists()
}
