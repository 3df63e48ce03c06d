//! `paved deployment record`, `paved incident open|close`: records on the local forge (GitHub keeps its own),
//! which DORA's figures read.

use super::args::{Given, OnForge, repo_options};
use super::output::{Format, Printer};
use crate::model::cache::ParseCache;
use crate::ops;
use crate::ops::records::{Record, Recorded};
use clap::Subcommand;

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

impl DeploymentCmd {
    pub fn format(&self) -> Format {
        let DeploymentCmd::Record { forge, .. } = self;
        forge.format.format.into()
    }
}

impl IncidentCmd {
    pub fn format(&self) -> Format {
        match self {
            IncidentCmd::Open { forge, .. } | IncidentCmd::Close { forge, .. } => forge.format.format.into(),
        }
    }
}

/// A record to make, and the platform and local forge it goes to.
pub struct RecordCmd {
    record: Record,
    at: OnForge,
}

impl From<DeploymentCmd> for RecordCmd {
    fn from(cmd: DeploymentCmd) -> Self {
        let DeploymentCmd::Record { on, sha, environment, status, at, forge } = cmd;
        RecordCmd { record: Record::Deployment { on, sha, environment, status, at }, at: forge }
    }
}

impl From<IncidentCmd> for RecordCmd {
    fn from(cmd: IncidentCmd) -> Self {
        match cmd {
            IncidentCmd::Open { on, title, label, at, forge } => {
                RecordCmd { record: Record::OpenIncident { on, title, label, at }, at: forge }
            }
            IncidentCmd::Close { number, on, at, forge } => {
                RecordCmd { record: Record::CloseIncident { on, number, at }, at: forge }
            }
        }
    }
}

/// Exit 1 when the forge refuses the record (an unknown repo or incident).
pub fn run(cmd: RecordCmd, cache: &ParseCache, p: &Printer) -> anyhow::Result<()> {
    let at = &cmd.at;
    let options = repo_options(&at.repo, Given { forge: Some(&at.forge), ..Given::default() }.worktree_by_default());
    let line = match ops::records::record(&options, cache, cmd.record)? {
        Recorded::Deployment { on, id, sha, environment, status } => {
            format!("deployment {id} of {on}: {sha} to {environment}, {status}")
        }
        Recorded::IncidentOpened { on, number } => format!("incident #{number} opened on {on}"),
        Recorded::IncidentClosed { on, number, closed_at } => {
            format!("incident #{number} of {on} closed at {closed_at}")
        }
    };
    p.line(&line);
    Ok(())
}
