//! One function per operation, each with an options struct, shared by the CLI and the daemon. Errors here are
//! `anyhow`: this is the edge where library errors meet the user.

pub mod audit_verify;
pub mod daemon;
pub mod demo;
pub mod demo_story;
pub mod incremental;
pub mod init;
pub mod modules;
pub mod paths;
pub mod pr;
pub mod reconcile;
pub mod review;
pub mod scorecard;
pub mod sunset;

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
    /// paved's state directory (secret store, provisioned files); see `reconcile::state_dir`.
    pub state: Option<PathBuf>,
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

/// The forge this platform repo names: GitHub when platform.yaml says `spec.forge.kind: github` (unless a local
/// forge directory is forced with `--forge` / `PAVED_FORGE`), else the local forge. `None` when none is
/// configured.
///
/// GitHub credentials come only from the environment or files: `PAVED_GITHUB_TOKEN` (or `GITHUB_TOKEN`), or
/// `PAVED_GITHUB_TOKEN_FILE`; or a GitHub App: `PAVED_GITHUB_APP_ID`, `PAVED_GITHUB_APP_KEY_FILE` (PEM) and
/// `PAVED_GITHUB_INSTALLATION_ID`.
pub fn forge(options: &RepoOptions, loaded: &Loaded) -> anyhow::Result<Option<Box<dyn crate::forge::Forge>>> {
    use crate::model::platform::ForgeKind;
    let forced_local = options.forge.is_some() || std::env::var_os("PAVED_FORGE").is_some();
    let spec = &loaded.model.platform.spec;
    if spec.forge.kind != ForgeKind::Github || forced_local {
        return Ok(local_forge(options, loaded).map(|f| Box::new(f) as Box<dyn crate::forge::Forge>));
    }
    use crate::forge::github::{Auth, GitHubConfig, GitHubForge, Limits};
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let read =
        |path: String| -> anyhow::Result<Vec<u8>> { std::fs::read(&path).with_context(|| format!("reading {path}")) };
    let auth = if let Some(token) = env("PAVED_GITHUB_TOKEN").or_else(|| env("GITHUB_TOKEN")) {
        Auth::Token(token)
    } else if let Some(path) = env("PAVED_GITHUB_TOKEN_FILE") {
        Auth::Token(String::from_utf8(read(path)?).context("the GitHub token file is not UTF-8")?.trim().to_owned())
    } else if let (Some(app), Some(key), Some(installation)) =
        (env("PAVED_GITHUB_APP_ID"), env("PAVED_GITHUB_APP_KEY_FILE"), env("PAVED_GITHUB_INSTALLATION_ID"))
    {
        Auth::App {
            app_id: app.parse().context("PAVED_GITHUB_APP_ID is not a number")?,
            private_key_pem: read(key)?,
            installation_id: installation.parse().context("PAVED_GITHUB_INSTALLATION_ID is not a number")?,
        }
    } else {
        anyhow::bail!(
            "platform.yaml sets spec.forge.kind: github but no credentials are set: PAVED_GITHUB_TOKEN, \
             PAVED_GITHUB_TOKEN_FILE, or PAVED_GITHUB_APP_ID + PAVED_GITHUB_APP_KEY_FILE + PAVED_GITHUB_INSTALLATION_ID"
        )
    };
    let forge = GitHubForge::new(GitHubConfig {
        base_url: spec.forge.base_url.clone().unwrap_or_else(|| "https://api.github.com".to_owned()),
        owner: spec.repos.owner.clone(),
        auth,
        limits: Limits::default(),
    })?;
    Ok(Some(Box::new(forge)))
}

/// Is `dir` a git work tree (bot changes are committed) rather than a plain directory?
pub fn is_worktree(dir: &Path) -> bool {
    dir.join(".git").exists()
}
