//! What a collector may look at: the snapshot's evidence files, the model, and the evidence `ops` gathered from
//! outside the snapshot ([`External`]).

use super::error::Error;
use super::fact::Citation;
use super::forge_delivery::ForgeDelivery;
use super::kev::Kev;
use crate::model::Model;
use crate::source::Snapshot;
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::BTreeMap;

/// When a request file was first added and last changed (commit dates).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct FileDates {
    pub added: DateTime<Utc>,
    pub changed: DateTime<Utc>,
}

/// When a commit was made and by whom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitInfo {
    pub commit: String,
    pub time: DateTime<Utc>,
    /// The repo it was read from (`platform` or `owner/name`).
    pub repo: String,
}

/// The default branch of a service repo and the check runs on its head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CiState {
    pub head: Option<String>,
    pub checks: Vec<crate::forge::Check>,
    /// Why the forge could not answer.
    pub error: Option<String>,
}

/// Evidence that is not a file of the snapshot, gathered by `ops` (the effects live there).
#[derive(Debug, Clone, Default)]
pub struct External {
    /// The CISA KEV catalog, or why it is not available.
    pub kev: Option<Result<Kev, Error>>,
    /// Latest commit per author email (lowercase), over the platform repo and the service repos.
    pub authors: BTreeMap<String, CommitInfo>,
    /// The last commit that touched each file under `evidence/` (the date it was delivered).
    pub delivered: BTreeMap<String, CommitInfo>,
    /// CI state per service repo (`owner/name`).
    pub ci: BTreeMap<String, CiState>,
    /// Git dates of every `requests/**` file.
    pub request_dates: BTreeMap<String, FileDates>,
    /// When each component (by lowercase name) first appeared in the catalog, from git history.
    pub components_added: BTreeMap<String, DateTime<Utc>>,
    /// Deployments and incidents per service repo on the forge (`owner/name`), or why they could not be read.
    /// Repos the forge does not have are left out.
    pub delivery: BTreeMap<String, Result<ForgeDelivery, std::sync::Arc<crate::forge::Error>>>,
    /// Why the forge could not be opened at all (e.g. GitHub credentials missing).
    pub delivery_error: Option<String>,
}

/// One evidence file, read.
pub struct EvidenceFile {
    pub path: String,
    pub text: String,
    pub citation: Citation,
    /// The commit that last delivered it, if known.
    pub delivered: Option<DateTime<Utc>>,
}

/// Everything a collector may look at.
pub struct Inputs<'a> {
    pub snapshot: &'a Snapshot,
    pub model: &'a Model,
    pub external: &'a External,
    pub now: DateTime<Utc>,
}

impl Inputs<'_> {
    /// Read an evidence file. `None` when it does not exist; `Err` when it is refused or unreadable.
    pub fn file(&self, path: &str) -> Option<Result<EvidenceFile, Error>> {
        let entry = self.snapshot.get(path)?;
        let delivered = self.external.delivered.get(path);
        Some(
            self.snapshot
                .read_text_identified(entry)
                .map(|(text, blob)| {
                    let mut id = blob.to_hex().to_string();
                    id.truncate(12);
                    let id = match delivered {
                        Some(c) => format!("blob {id}, commit {}", &c.commit[..c.commit.len().min(12)]),
                        None => format!("blob {id}"),
                    };
                    EvidenceFile {
                        path: path.to_owned(),
                        text,
                        citation: Citation::new(path, id),
                        delivered: delivered.map(|c| c.time),
                    }
                })
                .map_err(|f| Error::Read { path: path.to_owned(), message: f.message }),
        )
    }

    /// The first of `names` under `evidence/<component>/` that exists.
    pub fn component_file(&self, component: &str, names: &[&str]) -> Option<Result<EvidenceFile, Error>> {
        names.iter().find_map(|n| self.file(&format!("evidence/{component}/{n}")))
    }
}
