//! The `paved` command line: argument parsing and printing only; the work is in [`crate::ops`].
//!
//! This file holds the top-level [`Cli`] and [`Command`], logging, and the dispatch. Beside it: `args` (the
//! argument groups commands share, `--repo`, `--forge`, `--format`…, and the one place they become
//! `ops::RepoOptions`), [`exit`] (the one place an outcome becomes an exit code), `output` (the [`Printer`]), and
//! one file per command or family of subcommands: its clap arguments and a `run` that builds the options of one
//! [`crate::ops`] function, calls it, and prints the result through the [`Printer`]. (The shared groups are not
//! in this file because the commands' files import them, and `tests/architecture.rs` allows no import cycle
//! between `mod.rs` and its children.)

mod args;
mod audit;
mod bench;
mod daemon;
mod demo;
pub mod exit;
mod init;
mod modules;
mod output;
mod paths;
mod plan;
mod pr;
mod reconcile;
mod records;
mod scaffold;
mod scorecard;
mod validate;

use crate::model::cache::ParseCache;
use clap::{Parser, Subcommand};
use exit::{Failed, exit_code};
use output::Printer;
pub use output::{DataFormat, Format, LogFormat};
use std::process::ExitCode;

#[derive(Debug, Parser)]
#[command(name = "paved", version, about = "GitOps engine of an Internal Developer Platform", long_about = None)]
pub struct Cli {
    /// Log format for diagnostics on stderr.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text, display_order = 100)]
    pub log_format: LogFormat,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Parse and validate the whole platform repo; print every problem at path:line:col.
    Validate(validate::ValidateArgs),
    /// Show what reconcile would change, without changing anything. With --base, plan a PR instead: what the
    /// head changes in requests, judged by the base branch's policies.
    Plan(plan::PlanArgs),
    /// Plan, then apply: write status and audit in one bot commit.
    Reconcile(reconcile::ReconcileArgs),
    /// Compute the scorecards from evidence and print them (markdown: the report pages), committing nothing.
    #[command(args_conflicts_with_subcommands = true)]
    Scorecard(scorecard::ScorecardArgs),
    /// Deployments recorded on the local forge (what a deploy pipeline reports; DORA reads them).
    #[command(subcommand)]
    Deployment(records::DeploymentCmd),
    /// Incidents: issues with the incident label on the local forge (DORA's change failures and time to restore).
    #[command(subcommand)]
    Incident(records::IncidentCmd),
    /// Pull requests on the local forge.
    #[command(subcommand)]
    Pr(pr::PrCmd),
    /// Capability modules.
    #[command(subcommand)]
    Modules(modules::ModulesCmd),
    /// The audit log.
    #[command(subcommand)]
    Audit(audit::AuditCmd),
    /// Create a new platform repo (a git repository) seeded from the shipped paths, modules and policies.
    Init(init::InitArgs),
    /// Run continuously: reconcile on every commit (file watch), webhook and periodic resync; serve /webhook,
    /// /healthz, /readyz and /metrics. The webhook secret comes from PAVED_WEBHOOK_SECRET or a file, never a flag.
    Daemon(daemon::DaemonArgs),
    /// Render a paved path into a new directory (the platform repo's paths/, else the built-in library).
    Scaffold(scaffold::ScaffoldArgs),
    /// Paved paths across every service repo: drift, scaffolding, migration PRs.
    #[command(subcommand)]
    Paths(paths::PathsCmd),
    /// Benchmark tooling: synthetic platform repos of any size.
    #[command(subcommand)]
    Bench(bench::BenchCmd),
    /// Run the main job end to end on the example platform repo with the local forge.
    Demo(demo::DemoArgs),
}

impl Command {
    /// The output format the command was given (text for those that take none).
    fn format(&self) -> Format {
        match self {
            Command::Validate(args) => args.format.format.into(),
            Command::Plan(args) => args.format.format,
            Command::Reconcile(args) => args.format.format.into(),
            Command::Scorecard(args) => args.format(),
            Command::Deployment(cmd) => cmd.format(),
            Command::Incident(cmd) => cmd.format(),
            Command::Pr(cmd) => cmd.format(),
            Command::Modules(cmd) => cmd.format(),
            Command::Audit(cmd) => cmd.format(),
            Command::Paths(cmd) => cmd.format(),
            Command::Init(_) | Command::Daemon(_) | Command::Scaffold(_) | Command::Bench(_) | Command::Demo(_) => {
                Format::Text
            }
        }
    }
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

/// Parse arguments, run, and map the outcome to an exit code ([`exit_code`]).
pub fn main() -> ExitCode {
    main_from(std::env::args_os())
}

/// [`main`] with the arguments given (the first is the program's name): how tests run the command line in a
/// process of their own.
pub fn main_from<I, T>(args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let cli = Cli::parse_from(args);
    // The daemon always logs; other commands log only when asked (`PAVED_LOG=paved=debug` shows plan phases).
    if matches!(cli.command, Command::Daemon(_)) || std::env::var_os("PAVED_LOG").is_some() {
        init_logging(cli.log_format);
    }
    let printer = Printer::new(cli.command.format(), cli.log_format);
    match run(cli.command, &printer) {
        Ok(()) => ExitCode::from(exit::OK),
        Err(e) => {
            if !e.is::<Failed>() {
                printer.error(&e);
            }
            ExitCode::from(exit_code(&e))
        }
    }
}

/// Run one command.
fn run(command: Command, p: &Printer) -> anyhow::Result<()> {
    // Never freed: the process exits when `run` returns, and freeing every parse of a large repo one allocation
    // at a time was 4 to 6% of a large plan or scorecard run. The daemon, which lives on, keeps its own cache.
    let cache = std::mem::ManuallyDrop::new(ParseCache::new());
    match command {
        Command::Validate(args) => validate::run(args, &cache, p),
        Command::Plan(args) => plan::run(args, &cache, p),
        Command::Reconcile(args) => reconcile::run(args, &cache, p),
        Command::Scorecard(args) => scorecard::run(args, &cache, p),
        Command::Deployment(cmd) => records::run(cmd.into(), &cache, p),
        Command::Incident(cmd) => records::run(cmd.into(), &cache, p),
        Command::Pr(cmd) => pr::run(cmd, &cache, p),
        Command::Modules(cmd) => modules::run(cmd, &cache, p),
        Command::Audit(cmd) => audit::run(cmd, p),
        Command::Init(args) => init::run(args, p),
        Command::Daemon(args) => daemon::run(args),
        Command::Scaffold(args) => scaffold::run(args, p),
        Command::Paths(cmd) => paths::run(cmd, &cache, p),
        Command::Bench(cmd) => bench::run(cmd, p),
        Command::Demo(args) => demo::run(args, p),
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
            Command::Scorecard(scorecard::ScorecardArgs {
                command: Some(scorecard::ScorecardCmd::Deprecations { dry_run: true, ref on }),
                ..
            }) if on.on.repo.repo.repo == std::env::current_dir().expect("a current directory").join("r")
        ));
        // An option given to `scorecard` would be lost on `deprecations`: refused instead.
        assert!(parse(&["scorecard", "--repo", "r", "deprecations"]).is_err());
    }
}
