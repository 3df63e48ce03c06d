//! The argument groups commands share (`--repo`, `--rev`, `--forge`, `--format`, …), and the one place the
//! [`RepoOptions`] of an operation are made from them ([`repo_options`]).

use super::output::{DataFormat, Format};
use crate::ops::RepoOptions;
use clap::Args;
use std::path::PathBuf;

// Each command flattens only the argument groups below that it uses, so its `--help` lists only its options.

/// `--repo`: the platform repo a command works on.
#[derive(Debug, Args)]
pub struct RepoArg {
    /// The platform repo: a working directory, or a git repo.
    #[arg(long, default_value = ".", env = "PAVED_REPO", value_parser = crate::abspath::parse_arg)]
    pub repo: PathBuf,
}

/// Which state of the platform repo is read: a revision or the work tree.
#[derive(Debug, Args)]
pub struct RevArgs {
    /// Read the platform repo at this git revision (a git repo is read at HEAD by default).
    #[arg(long)]
    pub rev: Option<String>,
    /// Read the working directory of a git repo instead of its HEAD commit (validate and scaffold do by default).
    #[arg(long)]
    pub worktree: bool,
}

/// `--strict`.
#[derive(Debug, Args)]
pub struct StrictArg {
    /// Treat warnings (unknown fields in Backstage entities) as errors.
    #[arg(long)]
    pub strict: bool,
}

/// The platform repo, read at a revision or in its work tree, strictly or not: what commands that load it take.
#[derive(Debug, Args)]
pub struct RepoArgs {
    #[command(flatten)]
    pub repo: RepoArg,
    #[command(flatten)]
    pub rev: RevArgs,
    #[command(flatten)]
    pub strict: StrictArg,
}

/// `--forge`.
#[derive(Debug, Args)]
pub struct ForgeArgs {
    /// The local forge directory (overrides platform.yaml spec.forge.path).
    #[arg(long, env = "PAVED_FORGE", value_parser = crate::abspath::parse_arg)]
    pub forge: Option<PathBuf>,
}

/// `--state`: for the commands that provision or observe what was provisioned.
#[derive(Debug, Args)]
pub struct StateArgs {
    /// paved's state directory: the secret store and what native backends write (default <repo>/.paved/state).
    #[arg(long, env = "PAVED_STATE", value_parser = crate::abspath::parse_arg)]
    pub state: Option<PathBuf>,
}

/// `--lock-timeout`: for the commands that write the platform repo or its state.
#[derive(Debug, Args)]
pub struct LockArgs {
    /// How long to wait for another paved to finish with this platform before giving up (0: fail at once).
    #[arg(long, default_value = "60s", value_parser = parse_duration_arg, value_name = "DURATION")]
    pub lock_timeout: std::time::Duration,
}

/// `--format text|json`.
#[derive(Debug, Args)]
pub struct FormatArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = DataFormat::Text)]
    pub format: DataFormat,
}

/// `--format text|json|markdown`: for the commands that produce markdown (plan, scorecard).
#[derive(Debug, Args)]
pub struct ReportFormatArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// The platform repo and its local forge: what commands that act on the forge take.
#[derive(Debug, Args)]
pub struct OnForge {
    #[command(flatten)]
    pub repo: RepoArg,
    #[command(flatten)]
    pub forge: ForgeArgs,
    #[command(flatten)]
    pub format: FormatArgs,
}

/// The platform repo and its forge, with `--format`: what commands that read the forge take.
#[derive(Debug, Args)]
pub struct ReadsForge {
    #[command(flatten)]
    pub repo: RepoArgs,
    #[command(flatten)]
    pub forge: ForgeArgs,
    #[command(flatten)]
    pub format: FormatArgs,
}

impl ReadsForge {
    pub fn given(&self) -> Given<'_> {
        Given::read(&self.repo).forge(&self.forge)
    }

    pub fn format(&self) -> Format {
        self.format.format.into()
    }
}

/// [`ReadsForge`] behind the platform's lock: what commands that change things on the forge take.
#[derive(Debug, Args)]
pub struct WritesForge {
    #[command(flatten)]
    pub lock: LockArgs,
    #[command(flatten)]
    pub on: ReadsForge,
}

impl WritesForge {
    pub fn repo_options(&self) -> RepoOptions {
        repo_options(&self.on.repo.repo, self.on.given().lock(&self.lock))
    }
}

/// The platform repo, its forge and paved's state: what the commands that plan take (plan, reconcile).
#[derive(Debug, Args)]
pub struct Plans {
    #[command(flatten)]
    pub repo: RepoArgs,
    #[command(flatten)]
    pub forge: ForgeArgs,
    #[command(flatten)]
    pub state: StateArgs,
}

impl Plans {
    pub fn given(&self) -> Given<'_> {
        Given::read(&self.repo).forge(&self.forge).state(&self.state)
    }
}

/// A `--lock-timeout`, `--resync` or `--debounce` value: 500ms, 30s, 10m, 1h.
pub fn parse_duration_arg(text: &str) -> Result<std::time::Duration, String> {
    crate::daemon::parse_duration(text)
        .map_err(|e| format!("`{text}` is not a duration such as 500ms, 30s, 10m, 1h ({e})"))
}

/// The argument groups a command took, for [`repo_options`]; a group it does not take is `None`.
#[derive(Default)]
pub struct Given<'a> {
    pub rev: Option<&'a RevArgs>,
    pub strict: Option<&'a StrictArg>,
    pub forge: Option<&'a ForgeArgs>,
    pub state: Option<&'a StateArgs>,
    pub lock: Option<&'a LockArgs>,
    /// Read the work tree when no revision is named (validate, scaffold and the forge commands do).
    pub worktree_by_default: bool,
}

impl<'a> Given<'a> {
    /// `--repo`, `--rev`, `--worktree` and `--strict`.
    pub fn read(repo: &'a RepoArgs) -> Self {
        Given { rev: Some(&repo.rev), strict: Some(&repo.strict), ..Given::default() }
    }

    pub fn forge(self, forge: &'a ForgeArgs) -> Self {
        Given { forge: Some(forge), ..self }
    }

    pub fn state(self, state: &'a StateArgs) -> Self {
        Given { state: Some(state), ..self }
    }

    pub fn lock(self, lock: &'a LockArgs) -> Self {
        Given { lock: Some(lock), ..self }
    }

    pub fn worktree_by_default(self) -> Self {
        Given { worktree_by_default: true, ..self }
    }
}

/// The one place `ops::RepoOptions` is made from parsed arguments.
pub fn repo_options(repo: &RepoArg, given: Given) -> RepoOptions {
    let rev = given.rev.and_then(|r| r.rev.clone());
    RepoOptions {
        repo: repo.repo.clone(),
        worktree: given.rev.is_some_and(|r| r.worktree) || (given.worktree_by_default && rev.is_none()),
        rev,
        strict: given.strict.is_some_and(|s| s.strict),
        forge: given.forge.and_then(|f| f.forge.clone()),
        state: given.state.and_then(|s| s.state.clone()),
        lock_wait: given.lock.map_or(crate::lock::DEFAULT_WAIT, |l| l.lock_timeout),
    }
}
