//! `paved daemon`: run continuously; the work is [`crate::ops::daemon`].

use super::args::{ForgeArgs, Given, LockArgs, RepoArg, StateArgs, StrictArg, parse_duration_arg, repo_options};
use crate::ops;
use clap::Args;
use std::path::PathBuf;

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

/// Run until stopped (SIGTERM); logging was set up by [`super::main`].
pub fn run(args: DaemonArgs) -> anyhow::Result<()> {
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
    })
}
