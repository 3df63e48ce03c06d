//! The `paved` command line: argument parsing and printing only; the work is in [`crate::ops`].

mod output;

use crate::forge::{Forge, PrState};
use crate::model::cache::ParseCache;
use crate::ops::{self, RepoOptions};
use clap::{Args, Parser, Subcommand};
use output::Printer;
pub use output::{DataFormat, Format, LogFormat};
use std::path::PathBuf;
use std::process::ExitCode;

/// Exit codes: 0 fine, 1 invalid input or a failed action, 2 usage or I/O error.
pub mod exit {
    pub const OK: u8 = 0;
    pub const INVALID: u8 = 1;
    pub const IO: u8 = 2;
}

#[derive(Debug, Parser)]
#[command(name = "paved", version, about = "GitOps engine of an Internal Developer Platform", long_about = None)]
pub struct Cli {
    /// Log format for diagnostics on stderr.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text, display_order = 100)]
    pub log_format: LogFormat,
    #[command(subcommand)]
    pub command: Command,
}

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

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Parse and validate the whole platform repo; print every problem at path:line:col.
    Validate {
        /// Check these catalog files on their own instead (entity rules only: no repo, so no references).
        #[arg(long = "file", value_name = "PATH")]
        files: Vec<PathBuf>,
        #[command(flatten)]
        repo: RepoArgs,
        #[command(flatten)]
        format: FormatArgs,
    },
    /// Show what reconcile would change, without changing anything. With --base, plan a PR instead: what the
    /// head changes in requests, judged by the base branch's policies.
    Plan {
        /// Plan the change from this revision (a PR's base branch) to --head.
        #[arg(long)]
        base: Option<String>,
        /// The PR's head revision.
        #[arg(long, requires = "base", default_value = "HEAD")]
        head: String,
        #[command(flatten)]
        repo: RepoArgs,
        #[command(flatten)]
        forge: ForgeArgs,
        #[command(flatten)]
        state: StateArgs,
        #[command(flatten)]
        format: ReportFormatArgs,
    },
    /// Plan, then apply: write status and audit in one bot commit.
    Reconcile {
        /// Plan only; write nothing.
        #[arg(long)]
        dry_run: bool,
        /// Accept an empty state directory on purpose: provision afresh (new passwords, keys and CA) what
        /// status/ records, instead of refusing because the state looks lost.
        #[arg(long)]
        new_state: bool,
        #[command(flatten)]
        lock: LockArgs,
        #[command(flatten)]
        repo: RepoArgs,
        #[command(flatten)]
        forge: ForgeArgs,
        #[command(flatten)]
        state: StateArgs,
        #[command(flatten)]
        format: FormatArgs,
    },
    /// Compute the scorecards from evidence and print them (markdown: the report pages), committing nothing.
    #[command(args_conflicts_with_subcommands = true)]
    Scorecard {
        #[command(subcommand)]
        command: Option<ScorecardCmd>,
        #[command(flatten)]
        repo: RepoArgs,
        #[command(flatten)]
        forge: ForgeArgs,
        #[command(flatten)]
        format: ReportFormatArgs,
    },
    /// Deployments recorded on the local forge (what a deploy pipeline reports; DORA reads them).
    #[command(subcommand)]
    Deployment(DeploymentCmd),
    /// Incidents: issues with the incident label on the local forge (DORA's change failures and time to restore).
    #[command(subcommand)]
    Incident(IncidentCmd),
    /// Pull requests on the local forge.
    #[command(subcommand)]
    Pr(PrCmd),
    /// Capability modules.
    #[command(subcommand)]
    Modules(ModulesCmd),
    /// The audit log.
    #[command(subcommand)]
    Audit(AuditCmd),
    /// Create a new platform repo (a git repository) seeded from the shipped paths, modules and policies.
    Init {
        /// Where to create it (must not exist, or be empty).
        #[arg(value_parser = crate::abspath::parse_arg)]
        dir: PathBuf,
    },
    /// Run continuously: reconcile on every commit (file watch), webhook and periodic resync; serve /webhook,
    /// /healthz, /readyz and /metrics. The webhook secret comes from PAVED_WEBHOOK_SECRET or a file, never a flag.
    Daemon(DaemonArgs),
    /// Render a paved path into a new directory (the platform repo's paths/, else the built-in library).
    Scaffold {
        /// The paved path (microservice, data-pipeline, genai-feature, scheduled-job).
        path: String,
        /// A parameter, `name=value`; repeatable. An owner may be written as Backstage allows: `payments` and
        /// `group:payments` both mean `group:default/payments`.
        #[arg(long = "set", value_name = "NAME=VALUE")]
        set: Vec<String>,
        /// Where to write (a new or empty directory).
        #[arg(long, value_parser = crate::abspath::parse_arg)]
        out: PathBuf,
        /// Render this version instead of the latest.
        #[arg(long)]
        version: Option<String>,
        #[command(flatten)]
        repo: RepoArgs,
    },
    /// Paved paths across every service repo: drift, scaffolding, migration PRs.
    #[command(subcommand)]
    Paths(PathsCmd),
    /// Benchmark tooling: synthetic platform repos of any size.
    #[command(subcommand)]
    Bench(BenchCmd),
    /// Run the main job end to end on the example platform repo with the local forge.
    Demo {
        /// Where to lay out the demo (a new or empty directory).
        #[arg(long, default_value = "paved-demo", value_parser = crate::abspath::parse_arg)]
        out: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum BenchCmd {
    /// Write a synthetic platform repo of N services as a new git repo (deterministic for a seed).
    Gen {
        /// How many services (components).
        #[arg(long, default_value_t = 1000)]
        services: usize,
        /// Where to write it (a new or empty directory).
        #[arg(long, value_parser = crate::abspath::parse_arg)]
        out: PathBuf,
        /// The seed: the same services and seed give the same commit.
        #[arg(long, default_value_t = 7)]
        seed: u64,
    },
    /// Time the incremental planner on a repo `bench gen` wrote: plan once, then commit a one-file change and
    /// plan again, N times; prints each patched plan's time and the median. Commits to the repo.
    Incremental {
        /// The generated platform repo.
        #[arg(long, value_parser = crate::abspath::parse_arg)]
        repo: PathBuf,
        /// How many one-file commits to plan.
        #[arg(long, default_value_t = 20)]
        commits: usize,
    },
}

#[derive(Debug, Args)]
pub struct DaemonArgs {
    /// Address of the HTTP endpoint (webhook, probes, metrics).
    #[arg(long, default_value = "127.0.0.1:8080", env = "PAVED_LISTEN")]
    pub listen: std::net::SocketAddr,
    /// Full resync interval (e.g. 10m); overrides platform.yaml spec.schedules.resync.
    #[arg(long, value_parser = parse_duration_arg)]
    pub resync: Option<std::time::Duration>,
    /// How long a burst of changes is gathered before a pass starts.
    #[arg(long, default_value = "500ms", value_parser = parse_duration_arg)]
    pub debounce: std::time::Duration,
    /// Do not watch the platform work tree (webhooks and resync only).
    #[arg(long)]
    pub no_watch: bool,
    /// A file holding the webhook secret (when PAVED_WEBHOOK_SECRET is not set).
    #[arg(long, env = "PAVED_WEBHOOK_SECRET_FILE", value_name = "PATH", value_parser = crate::abspath::parse_arg)]
    pub webhook_secret_file: Option<PathBuf>,
    /// Fetch the work tree's upstream before each pass and push bot commits after. The remote wins: local
    /// commits it lacks are dropped, so use only on the daemon's own clone.
    #[arg(long)]
    pub sync_remote: bool,
    /// With --sync-remote, how often to fetch when no webhook reports a change.
    #[arg(long, default_value = "1m", value_parser = parse_duration_arg)]
    pub poll: std::time::Duration,
    #[command(flatten)]
    pub repo: RepoArg,
    #[command(flatten)]
    pub strict: StrictArg,
    #[command(flatten)]
    pub forge: ForgeArgs,
    #[command(flatten)]
    pub state: StateArgs,
    #[command(flatten)]
    pub lock: LockArgs,
}

fn parse_duration_arg(text: &str) -> Result<std::time::Duration, String> {
    crate::daemon::parse_duration(text)
        .map_err(|e| format!("`{text}` is not a duration such as 500ms, 30s, 10m, 1h ({e})"))
}

/// Structured logs on stderr (always for the daemon, otherwise when `PAVED_LOG` is set): text or JSON lines (`--log-format json`), filtered by `PAVED_LOG`
/// (tracing's env-filter syntax, default `info`).
fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("PAVED_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_ansi(ansi);
    match format {
        LogFormat::Json => builder.json().init(),
        LogFormat::Text => builder.init(),
    }
}

#[derive(Debug, Args)]
pub struct PrTarget {
    /// The forge repo (owner/name); defaults to the platform repo from platform.yaml.
    #[arg(long = "on")]
    pub on: Option<String>,
    #[command(flatten)]
    pub at: OnForge,
}

#[derive(Debug, Subcommand)]
pub enum PrCmd {
    /// List pull requests.
    List {
        /// Only this state.
        #[arg(long, value_parser = ["open", "closed", "merged"])]
        state: Option<String>,
        #[command(flatten)]
        target: PrTarget,
    },
    /// Show one pull request with its comment, reviews and checks.
    Show {
        /// The pull request's number.
        number: u64,
        #[command(flatten)]
        target: PrTarget,
    },
    /// Open a pull request. A head branch of the platform work tree (--repo) that the forge lacks, or that is
    /// ahead of the forge's, is pushed to the forge first.
    Open {
        /// The branch to merge (default: the platform work tree's current branch).
        #[arg(long)]
        head: Option<String>,
        /// The branch to merge it into.
        #[arg(long, default_value = "main")]
        base: String,
        /// The pull request's title.
        #[arg(long)]
        title: String,
        /// The pull request's description (markdown).
        #[arg(long, default_value = "")]
        body: String,
        /// Who opens it (default: $USER).
        #[arg(long, default_value = "developer", env = "USER")]
        author: String,
        #[command(flatten)]
        target: PrTarget,
    },
    /// Approve a pull request.
    Approve {
        /// The pull request's number.
        number: u64,
        /// Who approves it (default: $USER); the approver rules name users and groups.
        #[arg(long = "by", default_value = "reviewer", env = "USER")]
        by: String,
        /// A review comment.
        #[arg(long, default_value = "")]
        body: String,
        #[command(flatten)]
        target: PrTarget,
    },
    /// Merge a pull request (a real merge commit on the base branch).
    Merge {
        /// The pull request's number.
        number: u64,
        /// Who merges it (default: $USER).
        #[arg(long = "by", default_value = "reviewer", env = "USER")]
        by: String,
        #[command(flatten)]
        target: PrTarget,
        #[command(flatten)]
        lock: LockArgs,
    },
    /// Compute the PR's plan and post it: one comment (edited in place) and the `paved/policy` check.
    Plan {
        /// The pull request's number.
        number: u64,
        #[command(flatten)]
        target: PrTarget,
        #[command(flatten)]
        lock: LockArgs,
    },
    /// Close a pull request without merging.
    Close {
        /// The pull request's number.
        number: u64,
        #[command(flatten)]
        target: PrTarget,
    },
}

#[derive(Debug, Subcommand)]
pub enum PathsCmd {
    /// Every service on a paved path: its version, the allowed range, and how far behind it is.
    Status {
        #[command(flatten)]
        repo: RepoArgs,
        #[command(flatten)]
        forge: ForgeArgs,
        #[command(flatten)]
        format: FormatArgs,
    },
    /// Scaffold missing repos and open or update one migration PR per service behind its path.
    Sync {
        /// Plan only; change nothing.
        #[arg(long)]
        dry_run: bool,
        /// At most this many migration PRs are newly opened in one run.
        #[arg(long, default_value_t = crate::plan::paths::DEFAULT_MAX_NEW_PRS)]
        max_new_prs: usize,
        #[command(flatten)]
        lock: LockArgs,
        #[command(flatten)]
        repo: RepoArgs,
        #[command(flatten)]
        forge: ForgeArgs,
        #[command(flatten)]
        format: FormatArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum ModulesCmd {
    /// Open (or update) one PR per module that migrates every request written for an older major version.
    Migrate {
        /// Say what would be migrated; open nothing.
        #[arg(long)]
        dry_run: bool,
        #[command(flatten)]
        lock: LockArgs,
        #[command(flatten)]
        repo: RepoArgs,
        #[command(flatten)]
        forge: ForgeArgs,
        #[command(flatten)]
        format: FormatArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum ScorecardCmd {
    /// The quarterly sunset review: open (or update) one PR on the platform repo proposing deprecation of this
    /// quarter's sunset candidates. The daemon runs it on its `spec.schedules.scorecards` timer.
    Deprecations {
        /// Say what would be proposed; open nothing.
        #[arg(long)]
        dry_run: bool,
        #[command(flatten)]
        lock: LockArgs,
        #[command(flatten)]
        repo: RepoArgs,
        #[command(flatten)]
        forge: ForgeArgs,
        #[command(flatten)]
        format: FormatArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum DeploymentCmd {
    /// Record a deployment of a commit and its outcome.
    Record {
        /// The service repo (owner/name).
        #[arg(long = "on")]
        on: String,
        /// The deployed commit.
        #[arg(long)]
        sha: String,
        /// The environment deployed to.
        #[arg(long, default_value = "production")]
        environment: String,
        /// The deployment's outcome, as GitHub names deployment states.
        #[arg(long, default_value = "success", value_parser = crate::forge::local::DEPLOYMENT_STATES.to_vec())]
        status: String,
        /// When it reached that state (RFC 3339; default now).
        #[arg(long)]
        at: Option<String>,
        #[command(flatten)]
        forge: OnForge,
    },
}

#[derive(Debug, Subcommand)]
pub enum IncidentCmd {
    /// Open an incident on a service repo; prints its number.
    Open {
        /// The service repo (owner/name).
        #[arg(long = "on")]
        on: String,
        /// What is wrong.
        #[arg(long)]
        title: String,
        /// The label (default: platform.yaml spec.evidence.incidentLabel, else `incident`).
        #[arg(long)]
        label: Option<String>,
        /// When it was opened (RFC 3339; default now).
        #[arg(long)]
        at: Option<String>,
        #[command(flatten)]
        forge: OnForge,
    },
    /// Close (resolve) an incident.
    Close {
        /// The incident's number.
        number: u64,
        /// The service repo (owner/name).
        #[arg(long = "on")]
        on: String,
        /// When it was closed (RFC 3339; default now).
        #[arg(long)]
        at: Option<String>,
        #[command(flatten)]
        forge: OnForge,
    },
}

#[derive(Debug, Subcommand)]
pub enum AuditCmd {
    /// Recompute the hash chain of audit/*.jsonl; exit 1 at the first edited, removed or reordered record.
    Verify {
        #[command(flatten)]
        repo: RepoArg,
        #[command(flatten)]
        rev: RevArgs,
        #[command(flatten)]
        format: FormatArgs,
    },
    /// After a history rewrite on purpose (a force-push that purged a leaked secret, say) dropped records paved had
    /// verified: record the loss in the chain, attributed to you, so writers go on from the new history.
    AcceptRewrite {
        /// Who accepts the loss (default: $USER); recorded in the audit log.
        #[arg(long = "by", default_value = "operator", env = "USER")]
        by: String,
        #[command(flatten)]
        repo: RepoArg,
        #[command(flatten)]
        lock: LockArgs,
    },
}

impl Command {
    /// The output format the command was given (text for those that take none).
    fn format(&self) -> Format {
        match self {
            Command::Validate { format, .. }
            | Command::Reconcile { format, .. }
            | Command::Paths(PathsCmd::Status { format, .. } | PathsCmd::Sync { format, .. })
            | Command::Modules(ModulesCmd::Migrate { format, .. })
            | Command::Scorecard { command: Some(ScorecardCmd::Deprecations { format, .. }), .. }
            | Command::Audit(AuditCmd::Verify { format, .. }) => format.format.into(),
            Command::Plan { format, .. } | Command::Scorecard { format, .. } => format.format,
            Command::Deployment(DeploymentCmd::Record { forge, .. })
            | Command::Incident(IncidentCmd::Open { forge, .. } | IncidentCmd::Close { forge, .. }) => {
                forge.format.format.into()
            }
            Command::Pr(
                PrCmd::List { target, .. }
                | PrCmd::Show { target, .. }
                | PrCmd::Open { target, .. }
                | PrCmd::Approve { target, .. }
                | PrCmd::Merge { target, .. }
                | PrCmd::Plan { target, .. }
                | PrCmd::Close { target, .. },
            ) => target.at.format.format.into(),
            Command::Audit(AuditCmd::AcceptRewrite { .. })
            | Command::Init { .. }
            | Command::Daemon(_)
            | Command::Scaffold { .. }
            | Command::Bench(_)
            | Command::Demo { .. } => Format::Text,
        }
    }
}

/// Parse arguments, run, and map the outcome to an exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    // The daemon always logs; other commands log only when asked (`PAVED_LOG=paved=debug` shows plan phases).
    if std::env::var_os("PAVED_LOG").is_some() && !matches!(cli.command, Command::Daemon(_)) {
        init_logging(cli.log_format);
    }
    let printer = Printer::new(cli.command.format(), cli.log_format);
    match run(cli, &printer) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            printer.error(&e);
            ExitCode::from(exit::IO)
        }
    }
}

/// The argument groups a command took, for [`repo_options`]; a group it does not take is `None`.
#[derive(Default)]
struct Given<'a> {
    rev: Option<&'a RevArgs>,
    strict: Option<&'a StrictArg>,
    forge: Option<&'a ForgeArgs>,
    state: Option<&'a StateArgs>,
    lock: Option<&'a LockArgs>,
    /// Read the work tree when no revision is named (validate, scaffold and the forge commands do).
    worktree_by_default: bool,
}

impl<'a> Given<'a> {
    /// `--repo`, `--rev`, `--worktree` and `--strict`.
    fn read(repo: &'a RepoArgs) -> Self {
        Given { rev: Some(&repo.rev), strict: Some(&repo.strict), ..Given::default() }
    }

    fn forge(self, forge: &'a ForgeArgs) -> Self {
        Given { forge: Some(forge), ..self }
    }

    fn state(self, state: &'a StateArgs) -> Self {
        Given { state: Some(state), ..self }
    }

    fn lock(self, lock: &'a LockArgs) -> Self {
        Given { lock: Some(lock), ..self }
    }

    fn worktree_by_default(self) -> Self {
        Given { worktree_by_default: true, ..self }
    }
}

/// The one place `ops::RepoOptions` is made from parsed arguments.
fn repo_options(repo: &RepoArg, given: Given) -> RepoOptions {
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

fn run(cli: Cli, p: &Printer) -> anyhow::Result<u8> {
    // Never freed: the process exits when `run` returns, and freeing every parse of a large repo one allocation
    // at a time was 4 to 6% of a large plan or scorecard run. The daemon, which lives on, keeps its own cache.
    let cache = std::mem::ManuallyDrop::new(ParseCache::new());
    match cli.command {
        Command::Validate { files, repo, .. } if !files.is_empty() => {
            let diags = ops::validate_files(&files, &repo.repo.repo, repo.strict.strict)?;
            p.file_diagnostics(&diags, files.len());
            Ok(if diags.errors() > 0 { exit::INVALID } else { exit::OK })
        }
        Command::Validate { repo, .. } => {
            p.progress("loading the platform repo");
            let loaded = ops::load(&repo_options(&repo.repo, Given::read(&repo).worktree_by_default()), &cache)?;
            p.validation(&loaded);
            Ok(if loaded.diagnostics.errors() > 0 { exit::INVALID } else { exit::OK })
        }
        Command::Plan { base: Some(base), head, repo, .. } => {
            p.progress("planning the pull request");
            let review = ops::review::review_revs(&repo.repo.repo, &base, &head, &cache)?;
            p.review(&review);
            Ok(if review.conclusion() == crate::forge::CheckConclusion::Failure { exit::INVALID } else { exit::OK })
        }
        Command::Plan { base: None, repo, forge, state, format, .. } => {
            // Only the markdown form shows diffs; text and JSON need no file texts (see `plan::Texts`).
            let texts =
                if format.format == Format::Markdown { crate::plan::Texts::Kept } else { crate::plan::Texts::Dropped };
            let options = repo_options(&repo.repo, Given::read(&repo).forge(&forge).state(&state));
            let planned = ops::reconcile::plan_shown(&options, &cache, texts, p.progress_bar())?;
            p.diagnostics(&planned.loaded);
            p.plan(&planned.plan, planned.forge_error.as_deref());
            let code = if planned.loaded.diagnostics.errors() > 0 { exit::INVALID } else { exit::OK };
            // Plain data the exiting process need not free (see `cache` above).
            std::mem::forget(planned);
            Ok(code)
        }
        Command::Reconcile { dry_run, new_state, repo, forge, state, lock, .. } => {
            let options = repo_options(&repo.repo, Given::read(&repo).forge(&forge).state(&state).lock(&lock));
            if new_state && !dry_run {
                let dir = ops::reconcile::adopt_new_state(&options, &cache)?;
                eprintln!(
                    "note: {} is now this platform's state; what status/ records is provisioned afresh",
                    dir.display()
                );
            }
            let done = ops::reconcile::reconcile_shown(&options, &cache, dry_run, "paved", p.progress_bar())?;
            p.diagnostics(&done.planned.loaded);
            p.reconciled(&done);
            let failed = done.report.as_ref().is_some_and(|r| !r.failed.is_empty());
            Ok(if failed || done.planned.loaded.diagnostics.errors() > 0 { exit::INVALID } else { exit::OK })
        }
        Command::Scorecard { command: Some(ScorecardCmd::Deprecations { dry_run, repo, forge, lock, .. }), .. } => {
            p.progress("reviewing sunset candidates");
            let options = repo_options(&repo.repo, Given::read(&repo).forge(&forge).lock(&lock));
            let outcome = ops::sunset::propose(&options, &cache, dry_run)?;
            for manifest in &outcome.candidates {
                p.line(&format!("candidate: {manifest}"));
            }
            match &outcome.result {
                Ok(what) => {
                    p.line(&format!("sunset review {}: {what}", outcome.quarter));
                    Ok(exit::OK)
                }
                Err(e) => {
                    p.error(&anyhow::anyhow!("sunset review {}: {e}", outcome.quarter));
                    Ok(exit::INVALID)
                }
            }
        }
        Command::Deployment(cmd) => run_forge_record(ForgeRecord::Deployment(cmd), &cache, p),
        Command::Incident(cmd) => run_forge_record(ForgeRecord::Incident(cmd), &cache, p),
        Command::Scorecard { command: None, repo, forge, format } => {
            p.progress("collecting evidence and evaluating scorecards");
            let options = repo_options(&repo.repo, Given::read(&repo).forge(&forge));
            let scored = ops::scorecard::scorecard(&options, &cache, format.format == Format::Markdown)?;
            p.diagnostics(&scored.loaded);
            p.scorecard(&scored);
            let code = if scored.loaded.diagnostics.errors() > 0 { exit::INVALID } else { exit::OK };
            std::mem::forget(scored);
            Ok(code)
        }
        Command::Pr(cmd) => run_pr(cmd, &cache, p),
        Command::Modules(ModulesCmd::Migrate { dry_run, repo, forge, lock, .. }) => {
            let options = repo_options(&repo.repo, Given::read(&repo).forge(&forge).lock(&lock));
            let outcomes = ops::modules::migrate(&options, &cache, dry_run)?;
            let mut failed = false;
            for o in &outcomes {
                match &o.result {
                    Ok(what) => p.line(&format!("{}: {} request(s): {what}", o.module, o.requests)),
                    Err(e) => {
                        failed = true;
                        p.error(&anyhow::anyhow!("{}: {e}", o.module));
                    }
                }
            }
            if outcomes.is_empty() {
                p.line("every request is on its module's current major version");
            }
            Ok(if failed { exit::INVALID } else { exit::OK })
        }
        Command::Audit(AuditCmd::Verify { repo, rev, .. }) => {
            let given = Given { rev: Some(&rev), ..Given::default() };
            match ops::audit_verify::verify(&repo_options(&repo, given))? {
                Ok(v) => {
                    p.audit_ok(&v);
                    Ok(exit::OK)
                }
                Err(broken) => {
                    p.audit_broken(&broken);
                    Ok(exit::INVALID)
                }
            }
        }
        Command::Audit(AuditCmd::AcceptRewrite { by, repo, lock }) => {
            let options = repo_options(&repo, Given { lock: Some(&lock), ..Given::default() });
            let done = ops::audit_verify::accept_rewrite(&options, &by)?;
            p.line(&format!(
                "recorded the loss of audit records up to {} (verified at {:.12}) as record {}, in commit {:.12}; \
                 writers verify from here",
                done.lost.seq, done.lost.commit, done.seq, done.commit
            ));
            Ok(exit::OK)
        }
        Command::Init { dir } => {
            let made = ops::init::init(&dir)?;
            let (d, paved) = (output::shown(&dir), output::invocation());
            p.line(&format!(
                "Created a platform repo with {} files in {d}: a git repository on main, first commit {:.12}.\n\
                 Next:\n  {paved} validate --repo {d}   # every problem at path:line:col\n  {paved} plan --repo {d}       \
                 # what reconcile would do",
                made.files, made.commit
            ));
            Ok(exit::OK)
        }
        Command::Daemon(args) => {
            init_logging(cli.log_format);
            let given = Given {
                strict: Some(&args.strict),
                forge: Some(&args.forge),
                state: Some(&args.state),
                lock: Some(&args.lock),
                ..Given::default()
            };
            ops::daemon::run(ops::daemon::DaemonOptions {
                repo: repo_options(&args.repo, given),
                listen: args.listen,
                resync: args.resync,
                debounce: args.debounce,
                watch: !args.no_watch,
                webhook_secret_file: args.webhook_secret_file,
                sync_remote: args.sync_remote,
                poll: args.poll,
            })?;
            Ok(exit::OK)
        }
        Command::Scaffold { path, set, out, version, repo } => {
            let mut pairs = Vec::new();
            for kv in set {
                let (k, v) = kv.split_once('=').ok_or_else(|| anyhow::anyhow!("--set {kv}: expected NAME=VALUE"))?;
                pairs.push((k.trim().to_owned(), v.to_owned()));
            }
            let options = ops::paths::ScaffoldOptions { path, version, set: pairs, out };
            match ops::paths::scaffold(&repo_options(&repo.repo, Given::read(&repo).worktree_by_default()), &options) {
                Ok(done) => {
                    if done.deprecated {
                        p.warning(&format!(
                            "paved path `{}` is deprecated: it is being sunset (see scorecards/adoption.md); ask its \
                             owner which path replaces it",
                            done.path
                        ));
                    }
                    p.line(&format!(
                        "Rendered {} {} ({} files) into {} from {}.",
                        done.path,
                        done.version,
                        done.files,
                        done.out.display(),
                        done.origin
                    ));
                    Ok(exit::OK)
                }
                Err(e) if e.downcast_ref::<crate::render::Error>().is_some() => {
                    p.error(&e);
                    Ok(exit::INVALID)
                }
                Err(e) => Err(e),
            }
        }
        Command::Paths(cmd) => {
            let (repo, forge, lock, execute, cap) = match &cmd {
                PathsCmd::Status { repo, forge, .. } => {
                    (repo, forge, None, false, crate::plan::paths::DEFAULT_MAX_NEW_PRS)
                }
                PathsCmd::Sync { dry_run, max_new_prs, repo, forge, lock, .. } => {
                    (repo, forge, Some(lock), !dry_run, *max_new_prs)
                }
            };
            let mut given = Given::read(repo).forge(forge);
            if let Some(lock) = lock {
                given = given.lock(lock);
            }
            let options = repo_options(&repo.repo, given);
            let run = ops::paths::sync(&options, &cache, execute, cap, "paved", p.progress_bar())?;
            p.diagnostics(&run.loaded);
            let failed = p.paths(&run);
            Ok(if failed { exit::INVALID } else { exit::OK })
        }
        Command::Bench(BenchCmd::Incremental { repo, commits }) => {
            let times = crate::ops::bench::incremental(&repo, commits)?;
            let mut sorted = times.clone();
            sorted.sort_by(f64::total_cmp);
            let median = sorted.get(sorted.len() / 2).copied().unwrap_or_default();
            let ms: Vec<String> = times.iter().map(|t| format!("{:.1}", t * 1e3)).collect();
            p.line(&format!(
                "incremental plan after a one-file commit: median {:.1} ms ({} ms)",
                median * 1e3,
                ms.join(" ")
            ));
            Ok(exit::OK)
        }
        Command::Bench(BenchCmd::Gen { services, out, seed }) => {
            let options = crate::bench::Options { services, seed };
            let g = crate::bench::generate_shown(&out, &options, p.progress_bar())?;
            p.line(&format!(
                "{}: {} services, {} teams, {} users, {} systems, {} APIs, {} requests, {} evidence files; {} files at {}",
                out.display(),
                g.services,
                g.teams,
                g.users,
                g.systems,
                g.apis,
                g.requests,
                g.evidence,
                g.files,
                g.commit
            ));
            Ok(exit::OK)
        }
        Command::Demo { out } => {
            p.progress("laying out the demo and reconciling");
            let demo = ops::demo::demo(&out)?;
            p.demo(&demo);
            Ok(exit::OK)
        }
    }
}

/// The local forge of the platform repo `at` names, with the loaded platform.
/// The platform and its local forge. With `lock` (a command that writes the forge's platform repo: merge, plan),
/// the platform's lock is taken before anything is read, and held while the lease lives.
fn local_forge(
    at: &OnForge,
    cache: &ParseCache,
    lock: Option<&LockArgs>,
) -> anyhow::Result<(RepoOptions, crate::model::Loaded, crate::forge::local::LocalForge, Option<crate::lock::Lease>)> {
    let options =
        repo_options(&at.repo, Given { forge: Some(&at.forge), lock, ..Given::default() }.worktree_by_default());
    let lease = lock.map(|_| ops::lock_platform(&options)).transpose()?;
    let loaded = ops::load(&options, cache)?;
    let forge = ops::local_forge(&options, &loaded).ok_or_else(|| {
        anyhow::anyhow!("no local forge configured: set platform.yaml spec.forge.path or pass --forge DIR")
    })?;
    Ok((options, loaded, forge, lease))
}

enum ForgeRecord {
    Deployment(DeploymentCmd),
    Incident(IncidentCmd),
}

/// Record a deployment or an incident on the local forge (GitHub records its own).
fn run_forge_record(cmd: ForgeRecord, cache: &ParseCache, p: &Printer) -> anyhow::Result<u8> {
    let at_forge = match &cmd {
        ForgeRecord::Deployment(DeploymentCmd::Record { forge, .. })
        | ForgeRecord::Incident(IncidentCmd::Open { forge, .. } | IncidentCmd::Close { forge, .. }) => forge,
    };
    let (_, loaded, forge, _) = local_forge(at_forge, cache, None)?;
    let at = |t: Option<String>| -> anyhow::Result<String> {
        match t {
            None => Ok(chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string()),
            Some(t) => crate::evidence::parse_time(&t)
                .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
                .ok_or_else(|| anyhow::anyhow!("--at {t}: not an RFC 3339 time")),
        }
    };
    let done = match cmd {
        ForgeRecord::Deployment(DeploymentCmd::Record { on, sha, environment, status, at: t, .. }) => forge
            .record_deployment(&on, &environment, &sha, &status, &at(t)?)
            .map(|d| format!("deployment {} of {on}: {} to {environment}, {status}", d.id, d.sha)),
        ForgeRecord::Incident(IncidentCmd::Open { on, title, label, at: t, .. }) => {
            let label = label.unwrap_or_else(|| loaded.model.platform.spec.evidence.incident_label().to_owned());
            forge.open_issue(&on, &title, &[label], &at(t)?).map(|i| format!("incident #{} opened on {on}", i.number))
        }
        ForgeRecord::Incident(IncidentCmd::Close { number, on, at: t, .. }) => forge
            .close_issue(&on, number, &at(t)?)
            .map(|i| format!("incident #{} of {on} closed at {}", i.number, i.closed_at.unwrap_or_default())),
    };
    match done {
        Ok(line) => {
            p.line(&line);
            Ok(exit::OK)
        }
        Err(e) => {
            let user_error = !e.is_transient();
            p.error(&anyhow::Error::new(e));
            Ok(if user_error { exit::INVALID } else { exit::IO })
        }
    }
}

fn run_pr(cmd: PrCmd, cache: &ParseCache, p: &Printer) -> anyhow::Result<u8> {
    let target = match &cmd {
        PrCmd::List { target, .. }
        | PrCmd::Show { target, .. }
        | PrCmd::Open { target, .. }
        | PrCmd::Approve { target, .. }
        | PrCmd::Merge { target, .. }
        | PrCmd::Plan { target, .. }
        | PrCmd::Close { target, .. } => target,
    };
    let lock = match &cmd {
        PrCmd::Merge { lock, .. } | PrCmd::Plan { lock, .. } => Some(lock),
        _ => None,
    };
    let (options, loaded, forge, _lease) = local_forge(&target.at, cache, lock)?;
    let repo =
        target.on.clone().or_else(|| loaded.model.platform.spec.repos.platform.clone()).ok_or_else(|| {
            anyhow::anyhow!("which repo? pass --on owner/name or set platform.yaml spec.repos.platform")
        })?;
    use ops::pr::PrCommand as C;
    let command = match cmd {
        PrCmd::List { state, .. } => {
            let state = state.map(|s| match s.as_str() {
                "open" => PrState::Open,
                "closed" => PrState::Closed,
                _ => PrState::Merged,
            });
            C::List { state }
        }
        PrCmd::Show { number, .. } => C::Show { number },
        PrCmd::Open { head, base, title, body, author, .. } => {
            let head = ops::pr::push_head(&forge, &repo, &options.repo, head.as_deref(), &base)?;
            if let Some(pushed) = &head.pushed {
                p.note(pushed);
            }
            C::Open { head: head.branch, base, title, body, author }
        }
        PrCmd::Approve { number, by, body, .. } => C::Approve { number, by, body },
        PrCmd::Merge { number, by, .. } => C::Merge { number, by },
        PrCmd::Close { number, .. } => C::Close { number },
        PrCmd::Plan { number, .. } => {
            let (review, body) = ops::review::post(&forge, &repo, number, cache)?;
            p.posted(&review, &body);
            let failed = review.conclusion() == crate::forge::CheckConclusion::Failure;
            return Ok(if failed { exit::INVALID } else { exit::OK });
        }
    };
    match ops::pr::run(&forge as &dyn Forge, &repo, command) {
        Ok(outcome) => {
            p.pr(&outcome);
            Ok(exit::OK)
        }
        Err(e) => {
            // A PR that is not open, a merge conflict, an unknown number: the user's input, not an I/O failure.
            let user_error = e.downcast_ref::<crate::forge::Error>().is_some_and(|fe| !fe.is_transient());
            p.error(&e);
            Ok(if user_error { exit::INVALID } else { exit::IO })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    /// Every command and subcommand, with the words that run it (`paved pr open`), globals propagated.
    fn commands() -> Vec<(String, clap::Command)> {
        let mut root = Cli::command();
        root.build();
        let mut out = Vec::new();
        let mut stack = vec![("paved".to_owned(), root)];
        while let Some((path, cmd)) = stack.pop() {
            for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
                stack.push((format!("{path} {}", sub.get_name()), sub.clone()));
            }
            out.push((path, cmd));
        }
        out
    }

    fn command(path: &str) -> clap::Command {
        commands().into_iter().find(|(p, _)| p == path).map(|(_, c)| c).expect("the command exists")
    }

    /// The command's long options, sorted.
    fn longs(cmd: &clap::Command) -> Vec<String> {
        let mut longs: Vec<String> =
            cmd.get_arguments().filter_map(|a| a.get_long()).map(|l| format!("--{l}")).collect();
        longs.sort();
        longs
    }

    fn format_values(cmd: &clap::Command) -> Vec<String> {
        let format = cmd.get_arguments().find(|a| a.get_long() == Some("format")).expect("--format");
        format.get_possible_values().iter().map(|v| v.get_name().to_owned()).collect()
    }

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn every_command_and_argument_has_a_help_line() {
        let all = commands();
        assert!(all.len() > 30, "every subcommand is walked: {}", all.len());
        for (path, cmd) in &all {
            assert!(cmd.get_about().is_some() || path == "paved", "`{path}` has no description");
            for arg in cmd.get_arguments().filter(|a| !matches!(a.get_id().as_str(), "help" | "version")) {
                let help = arg.get_help().map(|h| h.to_string()).unwrap_or_default();
                assert!(!help.trim().is_empty(), "`{path}` {}: no help line", arg.get_id());
            }
        }
    }

    #[test]
    fn each_command_offers_only_the_options_it_takes() {
        let scaffold = longs(&command("paved scaffold"));
        for absent in ["--state", "--forge", "--format"] {
            assert!(!scaffold.contains(&absent.to_owned()), "scaffold offers {absent}: {scaffold:?}");
        }
        assert!(scaffold.contains(&"--repo".to_owned()) && scaffold.contains(&"--log-format".to_owned()));
        assert_eq!(longs(&command("paved init")), ["--help", "--log-format"]);
        assert_eq!(longs(&command("paved demo")), ["--help", "--log-format", "--out"]);
        let pr_open = longs(&command("paved pr open"));
        for absent in ["--state", "--rev", "--strict"] {
            assert!(!pr_open.contains(&absent.to_owned()), "pr open offers {absent}: {pr_open:?}");
        }
        for present in ["--state", "--forge", "--rev"] {
            assert!(longs(&command("paved reconcile")).contains(&present.to_owned()), "reconcile lacks {present}");
        }
        // Markdown only where it is made.
        for path in ["paved plan", "paved scorecard"] {
            assert_eq!(format_values(&command(path)), ["text", "json", "markdown"], "{path}");
        }
        for path in ["paved validate", "paved reconcile", "paved pr list", "paved paths status", "paved audit verify"] {
            assert_eq!(format_values(&command(path)), ["text", "json"], "{path}");
        }
    }

    #[test]
    fn the_natural_order_parses_and_scorecard_subcommands_take_their_own_options() {
        let parse = |args: &[&str]| Cli::try_parse_from(std::iter::once("paved").chain(args.iter().copied()));
        assert!(parse(&["plan", "--repo", "r", "--format", "markdown"]).is_ok());
        assert!(parse(&["validate", "--format", "markdown"]).is_err(), "validate makes no markdown");
        assert!(parse(&["scaffold", "microservice", "--out", "o", "--state", "s"]).is_err());
        let cli = parse(&["scorecard", "deprecations", "--repo", "r", "--dry-run"]).expect("parses");
        assert!(matches!(
            cli.command,
            Command::Scorecard { command: Some(ScorecardCmd::Deprecations { dry_run: true, ref repo, .. }), .. }
                if repo.repo.repo == std::env::current_dir().expect("a current directory").join("r")
        ));
        // An option given to `scorecard` would be lost on `deprecations`: refused instead.
        assert!(parse(&["scorecard", "--repo", "r", "deprecations"]).is_err());
    }
}
