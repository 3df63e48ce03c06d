//! One function per operation, each with an options struct, shared by the CLI and the daemon. Errors here are
//! `anyhow`: this is the edge where library errors meet the user.

pub mod audit_verify;
pub mod bench;
pub mod daemon;
pub mod demo;
pub mod demo_dates;
pub mod demo_story;
pub mod failure;
pub mod incremental;
pub mod init;
pub mod modules;
pub mod paths;
pub mod pr;
pub mod reconcile;
pub mod records;
pub mod releases;
pub mod review;
pub mod scorecard;
pub mod sunset;

use crate::forge::local::LocalForge;
use crate::model::cache::ParseCache;
use crate::model::{LoadOptions, Loaded};
use crate::source::Snapshot;
use anyhow::Context;
use std::path::{Path, PathBuf};

/// A failure that is the user's to mend: input an operation refused (a parameter a path does not take, a PR that
/// is not open, an unknown number) or an action the forge refused. The CLI exits 1 on it and 2 on every other
/// error (I/O, a forge that could not be reached). Transparent: it prints as the error it holds.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct Refused(#[from] pub anyhow::Error);

impl Refused {
    /// A forge's error, as [`Refused`] unless retrying might mend it (see [`crate::forge::Error::is_transient`]).
    pub fn unless_transient(e: anyhow::Error) -> anyhow::Error {
        match e.downcast_ref::<crate::forge::Error>() {
            Some(fe) if !fe.is_transient() => Refused(e).into(),
            _ => e,
        }
    }
}

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
    /// paved's state directory (secret store, provisioned files); see [`state_dir`].
    pub state: Option<PathBuf>,
    /// How long a run that writes waits for the platform's lock (see [`lock_platform`]).
    pub lock_wait: std::time::Duration,
}

impl RepoOptions {
    /// The platform repo at `repo` (read at HEAD when it is a git repo), with every other option at its default.
    pub fn new(repo: PathBuf) -> Self {
        RepoOptions {
            repo,
            rev: None,
            worktree: false,
            strict: false,
            forge: None,
            state: None,
            lock_wait: crate::lock::DEFAULT_WAIT,
        }
    }
}

/// Open the snapshot `options` name.
pub fn open_snapshot(options: &RepoOptions) -> anyhow::Result<Snapshot> {
    let repo = &options.repo;
    anyhow::ensure!(repo.exists(), "{} does not exist", repo.display());
    let snapshot = match (&options.rev, is_git_repo(repo) && !options.worktree) {
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
    let mut loaded = crate::model::load(&snapshot, cache, &LoadOptions { strict: options.strict });
    loaded.diagnostics.extend(crate::policy::check(&snapshot, &loaded.model));
    loaded.diagnostics.sort();
    Ok(loaded)
}

/// `paved validate --file`: check catalog files on their own, under the rules of the platform at `repo` (its
/// `platform.yaml`, when it has one: the kinds it allows). A file's placeholders (`$text: ./openapi.yaml`) are
/// resolved inside `repo` when the file is in it, else inside the file's own folder. Diagnostics name the files
/// as they were given.
pub fn validate_files(files: &[PathBuf], repo: &Path, strict: bool) -> anyhow::Result<crate::diag::Diagnostics> {
    let repo_root = std::fs::canonicalize(repo).with_context(|| format!("--repo {}", repo.display()))?;
    let mut diags = crate::diag::Diagnostics::default();
    let platform = Snapshot::worktree_files(&repo_root, &["platform.yaml".to_owned()])?;
    let rules = crate::model::catalog_rules(&platform, &mut diags);
    let mut shown: Vec<(PathBuf, String, String)> = Vec::new();
    for file in files {
        let full = std::fs::canonicalize(file).with_context(|| file.display().to_string())?;
        let (root, rel) = match full.strip_prefix(&repo_root) {
            Ok(rel) => (repo_root.clone(), rel),
            Err(_) => (
                full.parent().map(Path::to_path_buf).unwrap_or_default(),
                Path::new(full.file_name().unwrap_or_default()),
            ),
        };
        let rel = rel.to_str().with_context(|| format!("{}: the path is not UTF-8", file.display()))?.to_owned();
        shown.push((root, rel, file.display().to_string()));
    }
    for (root, rel, _) in &shown {
        crate::model::check_entity_files(root, std::slice::from_ref(rel), &rules, &mut diags)?;
    }
    // Back to the names the files were given by (`platform.yaml` is the repo's).
    let mut out = crate::diag::Diagnostics::default();
    out.extend(diags.into_vec().into_iter().map(|mut d| {
        d.path = match shown.iter().find(|(_, rel, _)| *rel == d.path) {
            Some((_, _, given)) => given.clone(),
            None => repo.join(&d.path).display().to_string(),
        };
        d
    }));
    if strict {
        out.promote_warnings();
    }
    out.sort();
    Ok(out)
}

/// The local forge for this platform repo: `--forge`, then `PAVED_FORGE`, then platform.yaml's `spec.forge.path`
/// (relative to the repo root). `None` when none is configured.
pub fn local_forge(options: &RepoOptions, loaded: &Loaded) -> Option<LocalForge> {
    let configured = loaded.model.platform.spec.forge.path.as_ref().map(|p| crate::abspath::resolve(&options.repo, p));
    options.forge.clone().or_else(|| env_path("PAVED_FORGE")).or(configured).map(LocalForge::new)
}

/// The platform and its local forge, for the commands that drive the local forge by hand (`paved pr`, records).
pub struct OnLocalForge {
    pub loaded: Loaded,
    pub forge: LocalForge,
    /// The platform's lock, when the command writes the forge's platform repo (see [`on_local_forge`]).
    pub lease: Option<crate::lock::Lease>,
}

/// Load the platform and open its local forge. With `lock` (a command that writes the forge's platform repo:
/// merge, plan), the platform's lock is taken before anything is read, and held while the lease lives.
///
/// # Errors
/// The lock is busy past `options.lock_wait`; the platform repo cannot be read; no local forge is configured.
pub fn on_local_forge(options: &RepoOptions, cache: &ParseCache, lock: bool) -> anyhow::Result<OnLocalForge> {
    let lease = lock.then(|| lock_platform(options)).transpose()?;
    let loaded = load(options, cache)?;
    let forge = local_forge(options, &loaded).ok_or_else(|| {
        anyhow::anyhow!("no local forge configured: set platform.yaml spec.forge.path or pass --forge DIR")
    })?;
    Ok(OnLocalForge { loaded, forge, lease })
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

/// Take the platform's lock (see [`crate::lock`]) before a run that writes the platform repo or its state
/// observes anything; hold the lease until its bot commit, audit records and push are done. The lock lives in the
/// state directory, found from `platform.yaml` where the run will read it, so the run's plan is computed from
/// what the last writer left.
pub fn lock_platform(options: &RepoOptions) -> anyhow::Result<crate::lock::Lease> {
    use crate::lock::PlatformLock;
    let dir = state_dir_for(options, configured_state(options).as_deref());
    let mut waiting = |holder: &crate::lock::Holder| {
        eprintln!("note: waiting up to {:?} for the platform lock held by {holder}", options.lock_wait);
    };
    Ok(crate::lock::FileLock::in_state_dir(&dir).acquire(options.lock_wait, &mut waiting)?)
}

/// paved's state directory for this platform: `--state`, then `PAVED_STATE`, then `platform.yaml` `spec.state`,
/// then `<repo>/.paved/state` (see [`crate::provision::state`]).
pub fn state_dir(options: &RepoOptions, loaded: &Loaded) -> PathBuf {
    state_dir_for(options, loaded.model.platform.spec.state.as_deref())
}

/// [`state_dir`], given `platform.yaml`'s `spec.state`.
pub fn state_dir_for(options: &RepoOptions, configured: Option<&str>) -> PathBuf {
    let override_dir = options.state.clone().or_else(|| env_path("PAVED_STATE"));
    crate::provision::state::locate(&options.repo, configured, override_dir.as_deref())
}

/// A path an environment variable names, made absolute against the current directory (as a flag's would be).
pub(crate) fn env_path(var: &str) -> Option<PathBuf> {
    let value = PathBuf::from(std::env::var_os(var).filter(|v| !v.is_empty())?);
    Some(crate::abspath::absolute(&value).unwrap_or(value))
}

/// The state directory `platform.yaml` names (`spec.state`), read without loading the platform.
pub(crate) fn configured_state(options: &RepoOptions) -> Option<String> {
    let text = platform_yaml(options)?;
    let doc: serde_yaml::Value = serde_yaml::from_str(&text).ok()?;
    doc.get("spec")?.get("state")?.as_str().map(str::to_owned)
}

/// The text of `platform.yaml` where `options` read the repo (at a revision, or in the work tree), reading only
/// that file: the daemon asks on every pass, and listing a large repo's tree each time would cost more than the pass.
fn platform_yaml(options: &RepoOptions) -> Option<String> {
    let in_git = options.rev.is_some() || (is_git_repo(&options.repo) && !options.worktree);
    if !in_git {
        return std::fs::read_to_string(options.repo.join("platform.yaml")).ok();
    }
    let repo = gix::open(&options.repo).ok()?;
    let spec = format!("{}:platform.yaml", options.rev.as_deref().unwrap_or("HEAD"));
    let blob = repo.rev_parse_single(spec.as_str()).ok()?.object().ok()?;
    String::from_utf8(blob.detach().data).ok()
}

/// Is `dir` a git repository, with a work tree or bare?
fn is_git_repo(dir: &Path) -> bool {
    dir.join(".git").exists() || (dir.join("HEAD").is_file() && dir.join("objects").is_dir())
}

/// Is `dir` a git work tree (bot changes are committed) rather than a plain directory?
pub fn is_worktree(dir: &Path) -> bool {
    dir.join(".git").exists()
}
