//! The `paved` command line: argument parsing and printing only; the work is in [`crate::ops`].

mod output;

use crate::forge::{Forge, PrState};
use crate::model::cache::ParseCache;
use crate::ops::{self, RepoOptions};
use clap::{Args, Parser, Subcommand, ValueEnum};
use output::Printer;
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
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct Global {
    /// The platform repo: a working directory, or a git repo (read at HEAD, or at --rev).
    #[arg(long, global = true, default_value = ".", env = "PAVED_REPO", value_parser = crate::abspath::parse_arg)]
    pub repo: PathBuf,
    /// Read the platform repo at this git revision.
    #[arg(long, global = true)]
    pub rev: Option<String>,
    /// Read the working directory of a git repo instead of its HEAD commit (validate does by default).
    #[arg(long, global = true)]
    pub worktree: bool,
    /// Output format.
    #[arg(long, global = true, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// The local forge directory (overrides platform.yaml spec.forge.path).
    #[arg(long, global = true, env = "PAVED_FORGE", value_parser = crate::abspath::parse_arg)]
    pub forge: Option<PathBuf>,
    /// paved's state directory: the secret store and what native backends write (default <repo>/.paved/state).
    #[arg(long, global = true, env = "PAVED_STATE", value_parser = crate::abspath::parse_arg)]
    pub state: Option<PathBuf>,
    /// How long a run that writes waits for another paved to finish with this platform (0: fail at once).
    #[arg(long, global = true, default_value = "60s", value_parser = parse_duration_arg, value_name = "DURATION")]
    pub lock_timeout: std::time::Duration,
    /// Treat warnings (unknown fields in Backstage entities) as errors.
    #[arg(long, global = true)]
    pub strict: bool,
    /// Log format for diagnostics on stderr.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
    /// Ready to post as a PR comment (plan only).
    Markdown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Parse and validate the whole platform repo; print every problem at path:line:col.
    Validate {
        /// Check these catalog files on their own instead, under --repo's platform.yaml (no references).
        #[arg(long = "file", value_name = "PATH")]
        files: Vec<PathBuf>,
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
    },
    /// Compute the scorecards from evidence and print them (markdown: the report pages), committing nothing.
    Scorecard {
        #[command(subcommand)]
        command: Option<ScorecardCmd>,
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
    /// Create a new platform repo seeded from the shipped paths, modules and policies.
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
        /// A parameter, `name=value`; repeatable.
        #[arg(long = "set", value_name = "NAME=VALUE")]
        set: Vec<String>,
        /// Where to write (a new or empty directory).
        #[arg(long, value_parser = crate::abspath::parse_arg)]
        out: PathBuf,
        /// Render this version instead of the latest.
        #[arg(long)]
        version: Option<String>,
    },
    /// Paved paths across every service repo: drift, scaffolding, migration PRs.
    #[command(subcommand)]
    Paths(PathsCmd),
    /// Benchmark tooling: synthetic platform repos of any size.
    #[command(subcommand)]
    Bench(BenchCmd),
    /// Run the main job end to end on the example platform repo with the local forge.
    Demo {
        /// Where to lay out the demo (a new directory).
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
}

fn parse_duration_arg(text: &str) -> Result<std::time::Duration, String> {
    crate::daemon::parse_duration(text).ok_or_else(|| format!("`{text}` is not a duration such as 500ms, 30s, 10m, 1h"))
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
}

#[derive(Debug, Subcommand)]
pub enum PrCmd {
    /// List pull requests.
    List {
        #[command(flatten)]
        target: PrTarget,
        /// Only this state.
        #[arg(long, value_parser = ["open", "closed", "merged"])]
        state: Option<String>,
    },
    /// Show one pull request with its comment, reviews and checks.
    Show {
        number: u64,
        #[command(flatten)]
        target: PrTarget,
    },
    /// Open a pull request from a branch already pushed to the forge.
    Open {
        #[command(flatten)]
        target: PrTarget,
        #[arg(long)]
        head: String,
        #[arg(long, default_value = "main")]
        base: String,
        #[arg(long)]
        title: String,
        #[arg(long, default_value = "")]
        body: String,
        #[arg(long, default_value = "developer", env = "USER")]
        author: String,
    },
    /// Approve a pull request.
    Approve {
        number: u64,
        #[command(flatten)]
        target: PrTarget,
        #[arg(long = "by", default_value = "reviewer", env = "USER")]
        by: String,
        #[arg(long, default_value = "")]
        body: String,
    },
    /// Merge a pull request (a real merge commit on the base branch).
    Merge {
        number: u64,
        #[command(flatten)]
        target: PrTarget,
        #[arg(long = "by", default_value = "reviewer", env = "USER")]
        by: String,
    },
    /// Compute the PR's plan and post it: one comment (edited in place) and the `paved/policy` check.
    Plan {
        number: u64,
        #[command(flatten)]
        target: PrTarget,
    },
    /// Close a pull request without merging.
    Close {
        number: u64,
        #[command(flatten)]
        target: PrTarget,
    },
}

#[derive(Debug, Subcommand)]
pub enum PathsCmd {
    /// Every service on a paved path: its version, the allowed range, and how far behind it is.
    Status,
    /// Scaffold missing repos and open or update one migration PR per service behind its path.
    Sync {
        /// Plan only; change nothing.
        #[arg(long)]
        dry_run: bool,
        /// At most this many migration PRs are newly opened in one run.
        #[arg(long, default_value_t = crate::plan::paths::DEFAULT_MAX_NEW_PRS)]
        max_new_prs: usize,
    },
}

#[derive(Debug, Subcommand)]
pub enum ModulesCmd {
    /// Open (or update) one PR per module that migrates every request written for an older major version.
    Migrate {
        /// Say what would be migrated; open nothing.
        #[arg(long)]
        dry_run: bool,
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
        #[arg(long, default_value = "production")]
        environment: String,
        /// The deployment's outcome, as GitHub names deployment states (`--state` is paved's state directory).
        #[arg(long, default_value = "success", value_parser = crate::forge::local::DEPLOYMENT_STATES.to_vec())]
        status: String,
        /// When it reached that state (RFC 3339; default now).
        #[arg(long)]
        at: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum IncidentCmd {
    /// Open an incident on a service repo; prints its number.
    Open {
        #[arg(long = "on")]
        on: String,
        #[arg(long)]
        title: String,
        /// The label (default: platform.yaml spec.evidence.incidentLabel, else `incident`).
        #[arg(long)]
        label: Option<String>,
        /// When it was opened (RFC 3339; default now).
        #[arg(long)]
        at: Option<String>,
    },
    /// Close (resolve) an incident.
    Close {
        number: u64,
        #[arg(long = "on")]
        on: String,
        /// When it was closed (RFC 3339; default now).
        #[arg(long)]
        at: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum AuditCmd {
    /// Recompute the hash chain of audit/*.jsonl; exit 1 at the first edited, removed or reordered record.
    Verify,
}

/// Parse arguments, run, and map the outcome to an exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    // The daemon always logs; other commands log only when asked (`PAVED_LOG=paved=debug` shows plan phases).
    if std::env::var_os("PAVED_LOG").is_some() && !matches!(cli.command, Command::Daemon(_)) {
        init_logging(cli.global.log_format);
    }
    let printer = Printer::new(cli.global.format, cli.global.log_format);
    match run(cli, &printer) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            printer.error(&e);
            ExitCode::from(exit::IO)
        }
    }
}

fn repo_options(g: &Global, default_worktree: bool) -> RepoOptions {
    RepoOptions {
        repo: g.repo.clone(),
        rev: g.rev.clone(),
        worktree: g.worktree || (default_worktree && g.rev.is_none()),
        strict: g.strict,
        forge: g.forge.clone(),
        state: g.state.clone(),
        lock_wait: g.lock_timeout,
    }
}

fn run(cli: Cli, p: &Printer) -> anyhow::Result<u8> {
    let g = &cli.global;
    // Never freed: the process exits when `run` returns, and freeing every parse of a large repo one allocation
    // at a time was 4 to 6% of a large plan or scorecard run. The daemon, which lives on, keeps its own cache.
    let cache = std::mem::ManuallyDrop::new(ParseCache::new());
    match cli.command {
        Command::Validate { files } if !files.is_empty() => {
            let diags = ops::validate_files(&files, &g.repo, g.strict)?;
            p.file_diagnostics(&diags, files.len());
            Ok(if diags.errors() > 0 { exit::INVALID } else { exit::OK })
        }
        Command::Validate { .. } => {
            p.progress("loading the platform repo");
            let loaded = ops::load(&repo_options(g, true), &cache)?;
            p.validation(&loaded);
            Ok(if loaded.diagnostics.errors() > 0 { exit::INVALID } else { exit::OK })
        }
        Command::Plan { base: Some(base), head } => {
            p.progress("planning the pull request");
            let review = ops::review::review_revs(&g.repo, &base, &head, &cache)?;
            p.review(&review);
            Ok(if review.conclusion() == crate::forge::CheckConclusion::Failure { exit::INVALID } else { exit::OK })
        }
        Command::Plan { base: None, .. } => {
            p.progress("loading, observing and planning");
            // Only the markdown form shows diffs; text and JSON need no file texts (see `plan::Texts`).
            let texts =
                if g.format == Format::Markdown { crate::plan::Texts::Kept } else { crate::plan::Texts::Dropped };
            let planned = ops::reconcile::plan_with(&repo_options(g, false), &cache, texts)?;
            p.diagnostics(&planned.loaded);
            p.plan(&planned.plan, planned.forge_error.as_deref());
            let code = if planned.loaded.diagnostics.errors() > 0 { exit::INVALID } else { exit::OK };
            // Plain data the exiting process need not free (see `cache` above).
            std::mem::forget(planned);
            Ok(code)
        }
        Command::Reconcile { dry_run, new_state } => {
            let options = repo_options(g, false);
            if new_state && !dry_run {
                let dir = ops::reconcile::adopt_new_state(&options, &cache)?;
                eprintln!(
                    "note: {} is now this platform's state; what status/ records is provisioned afresh",
                    dir.display()
                );
            }
            p.progress("reconciling");
            let done = ops::reconcile::reconcile(&options, &cache, dry_run, "paved")?;
            p.diagnostics(&done.planned.loaded);
            p.reconciled(&done);
            let failed = done.report.as_ref().is_some_and(|r| !r.failed.is_empty());
            Ok(if failed || done.planned.loaded.diagnostics.errors() > 0 { exit::INVALID } else { exit::OK })
        }
        Command::Scorecard { command: Some(ScorecardCmd::Deprecations { dry_run }) } => {
            p.progress("reviewing sunset candidates");
            let outcome = ops::sunset::propose(&repo_options(g, false), &cache, dry_run)?;
            for manifest in &outcome.candidates {
                p.line(&format!("candidate: {manifest}"));
            }
            match &outcome.result {
                Ok(what) => {
                    p.line(&format!("sunset review {}: {what}", outcome.quarter));
                    Ok(exit::OK)
                }
                Err(e) => {
                    eprintln!("error: sunset review {}: {e}", outcome.quarter);
                    Ok(exit::INVALID)
                }
            }
        }
        Command::Deployment(cmd) => run_forge_record(g, ForgeRecord::Deployment(cmd), &cache, p),
        Command::Incident(cmd) => run_forge_record(g, ForgeRecord::Incident(cmd), &cache, p),
        Command::Scorecard { command: None } => {
            p.progress("collecting evidence and evaluating scorecards");
            let scored = ops::scorecard::scorecard(&repo_options(g, false), &cache, g.format == Format::Markdown)?;
            p.diagnostics(&scored.loaded);
            p.scorecard(&scored);
            let code = if scored.loaded.diagnostics.errors() > 0 { exit::INVALID } else { exit::OK };
            std::mem::forget(scored);
            Ok(code)
        }
        Command::Pr(cmd) => run_pr(g, cmd, &cache, p),
        Command::Modules(ModulesCmd::Migrate { dry_run }) => {
            let outcomes = ops::modules::migrate(&repo_options(g, false), &cache, dry_run)?;
            let mut failed = false;
            for o in &outcomes {
                match &o.result {
                    Ok(what) => p.line(&format!("{}: {} request(s): {what}", o.module, o.requests)),
                    Err(e) => {
                        failed = true;
                        eprintln!("error: {}: {e}", o.module);
                    }
                }
            }
            if outcomes.is_empty() {
                p.line("every request is on its module's current major version");
            }
            Ok(if failed { exit::INVALID } else { exit::OK })
        }
        Command::Audit(AuditCmd::Verify) => match ops::audit_verify::verify(&repo_options(g, false))? {
            Ok(v) => {
                p.audit_ok(&v);
                Ok(exit::OK)
            }
            Err(broken) => {
                p.audit_broken(&broken);
                Ok(exit::INVALID)
            }
        },
        Command::Init { dir } => {
            let n = ops::init::init(&dir)?;
            p.line(&format!(
                "Created a platform repo with {n} files in {}.\nNext: cd {0} && git init && paved validate",
                dir.display()
            ));
            Ok(exit::OK)
        }
        Command::Daemon(args) => {
            init_logging(g.log_format);
            ops::daemon::run(ops::daemon::DaemonOptions {
                repo: repo_options(g, false),
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
        Command::Scaffold { path, set, out, version } => {
            let mut pairs = Vec::new();
            for kv in set {
                let (k, v) = kv.split_once('=').ok_or_else(|| anyhow::anyhow!("--set {kv}: expected NAME=VALUE"))?;
                pairs.push((k.trim().to_owned(), v.to_owned()));
            }
            let options = ops::paths::ScaffoldOptions { path, version, set: pairs, out };
            match ops::paths::scaffold(&repo_options(g, true), &options) {
                Ok(done) => {
                    if done.deprecated {
                        eprintln!(
                            "warning: paved path `{}` is deprecated: it is being sunset (see scorecards/adoption.md); \
                             ask its owner which path replaces it",
                            done.path
                        );
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
            let (execute, cap) = match cmd {
                PathsCmd::Status => (false, crate::plan::paths::DEFAULT_MAX_NEW_PRS),
                PathsCmd::Sync { dry_run, max_new_prs } => (!dry_run, max_new_prs),
            };
            let run = ops::paths::sync(&repo_options(g, false), &cache, execute, cap, "paved")?;
            p.diagnostics(&run.loaded);
            let failed = output::paths(g.format, &run);
            Ok(if failed { exit::INVALID } else { exit::OK })
        }
        Command::Bench(BenchCmd::Incremental { repo, commits }) => {
            let times = crate::bench::incremental(&repo, commits)?;
            let mut sorted = times.clone();
            sorted.sort_by(f64::total_cmp);
            let median = sorted.get(sorted.len() / 2).copied().unwrap_or_default();
            let ms: Vec<String> = times.iter().map(|t| format!("{:.1}", t * 1e3)).collect();
            println!("incremental plan after a one-file commit: median {:.1} ms ({} ms)", median * 1e3, ms.join(" "));
            Ok(exit::OK)
        }
        Command::Bench(BenchCmd::Gen { services, out, seed }) => {
            p.progress("generating a synthetic platform repo");
            let g = crate::bench::generate(&out, &crate::bench::Options { services, seed })?;
            println!(
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
            );
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

/// The local forge of the platform repo `g` names, with the loaded platform.
fn local_forge(
    g: &Global,
    cache: &ParseCache,
) -> anyhow::Result<(crate::model::Loaded, crate::forge::local::LocalForge)> {
    let options = repo_options(g, true);
    let loaded = ops::load(&options, cache)?;
    let forge = ops::local_forge(&options, &loaded).ok_or_else(|| {
        anyhow::anyhow!("no local forge configured: set platform.yaml spec.forge.path or pass --forge DIR")
    })?;
    Ok((loaded, forge))
}

enum ForgeRecord {
    Deployment(DeploymentCmd),
    Incident(IncidentCmd),
}

/// Record a deployment or an incident on the local forge (GitHub records its own).
fn run_forge_record(g: &Global, cmd: ForgeRecord, cache: &ParseCache, p: &Printer) -> anyhow::Result<u8> {
    let (loaded, forge) = local_forge(g, cache)?;
    let at = |t: Option<String>| -> anyhow::Result<String> {
        match t {
            None => Ok(chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string()),
            Some(t) => crate::evidence::parse_time(&t)
                .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
                .ok_or_else(|| anyhow::anyhow!("--at {t}: not an RFC 3339 time")),
        }
    };
    let done = match cmd {
        ForgeRecord::Deployment(DeploymentCmd::Record { on, sha, environment, status, at: t }) => forge
            .record_deployment(&on, &environment, &sha, &status, &at(t)?)
            .map(|d| format!("deployment {} of {on}: {} to {environment}, {status}", d.id, d.sha)),
        ForgeRecord::Incident(IncidentCmd::Open { on, title, label, at: t }) => {
            let label = label.unwrap_or_else(|| loaded.model.platform.spec.evidence.incident_label().to_owned());
            forge.open_issue(&on, &title, &[label], &at(t)?).map(|i| format!("incident #{} opened on {on}", i.number))
        }
        ForgeRecord::Incident(IncidentCmd::Close { number, on, at: t }) => forge
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

fn run_pr(g: &Global, cmd: PrCmd, cache: &ParseCache, p: &Printer) -> anyhow::Result<u8> {
    let (loaded, forge) = local_forge(g, cache)?;
    let default_repo = loaded.model.platform.spec.repos.platform.clone();
    let pick = |t: &PrTarget| {
        t.on.clone()
            .or_else(|| default_repo.clone())
            .ok_or_else(|| anyhow::anyhow!("which repo? pass --on owner/name or set platform.yaml spec.repos.platform"))
    };
    use ops::pr::PrCommand as C;
    let (repo, command) = match cmd {
        PrCmd::List { target, state } => {
            let state = state.map(|s| match s.as_str() {
                "open" => PrState::Open,
                "closed" => PrState::Closed,
                _ => PrState::Merged,
            });
            (pick(&target)?, C::List { state })
        }
        PrCmd::Show { number, target } => (pick(&target)?, C::Show { number }),
        PrCmd::Open { target, head, base, title, body, author } => {
            (pick(&target)?, C::Open { head, base, title, body, author })
        }
        PrCmd::Approve { number, target, by, body } => (pick(&target)?, C::Approve { number, by, body }),
        PrCmd::Merge { number, target, by } => (pick(&target)?, C::Merge { number, by }),
        PrCmd::Close { number, target } => (pick(&target)?, C::Close { number }),
        PrCmd::Plan { number, target } => {
            let repo = pick(&target)?;
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
