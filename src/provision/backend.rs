//! What every backend is: the [`Backend`] trait, what it observes ([`Observation`]), what applying yields
//! ([`Applied`]).

use super::error::Error;
use super::secrets::SecretStore;
use super::target::Target;
use serde::Serialize;
use std::collections::BTreeMap;

/// A way to provision one capability: observe the thing a target names, create or converge it, remove it.
/// Observation happens in `observe`, so planning stays pure; apply and destroy run in the executor.
pub trait Backend {
    /// Observe the thing `target` names.
    fn observe(&self, target: &Target) -> Observation;
    /// Create or converge. Must be idempotent: a replay after a crash must not fail or duplicate.
    fn apply(&self, target: &Target, secrets: &SecretStore) -> Result<Applied, Error>;
    /// Remove what `apply` made.
    fn destroy(&self, target: &Target, secrets: &SecretStore) -> Result<(), Error>;
}

/// What a backend sees of the thing a request asks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "lowercase")]
pub enum Observation {
    /// It does not exist.
    Absent,
    /// It exists; `drift` says how it differs from what was applied, if it does.
    Present { drift: Option<String> },
    /// The backend cannot be reached: requests on it are Blocked with this reason and fix.
    Unavailable { reason: String },
    /// The backend is there but cannot do what the request asks (a PostgreSQL major version no configured server
    /// runs): the request is Blocked with this reason and fix, and nothing is made.
    Unsatisfiable { reason: String },
    /// Its name (`name`, a `what`) was also given to request `owner`, provisioned first, before names were
    /// collision-free: the resource is `owner`'s, and this request is Blocked until it is renamed.
    Taken { what: String, name: String, owner: String },
}

/// What applying yields.
#[derive(Debug, Clone, Default)]
pub struct Applied {
    pub outputs: BTreeMap<String, String>,
    pub secrets: BTreeMap<String, String>,
    /// Bot-owned files to commit with the request's status (an encrypted secret), repo path to content.
    pub repo_files: Vec<(String, String)>,
}
