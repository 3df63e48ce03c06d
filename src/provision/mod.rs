//! Provisioning what merged requests ask for, through backends.
//!
//! A [`Backend`] observes (does the thing exist, has it drifted?), applies (create or converge, idempotently) and
//! destroys. Observation happens in `observe`, so planning stays pure; apply and destroy run in the executor.
//! What a request yields is split in two: plain outputs, which go into its status file, and secrets, which go only
//! into the [`SecretStore`] — never into a plan, status, log, commit or PR.

pub mod files;
pub mod nats;
pub mod parameters;
pub mod pg_verifier;
pub mod postgres;
pub mod secret;
pub mod secrets;
pub mod state;
pub mod status;
pub mod terraform;
pub mod tls;

use crate::model::naming;
use crate::model::platform::BackendKind;
use crate::model::request::Request;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::PathBuf;

pub use parameters::Parameters;
pub use secrets::SecretStore;

/// The error returned by [`Backend::apply`] and [`Backend::destroy`].
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    Unavailable(String),
    #[error("{backend}: {message}")]
    Backend { backend: &'static str, message: String },
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
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

/// Judges a Terraform plan (its `show -json`) for a target with the policies: the terraform backend applies
/// nothing a policy denies.
pub type PlanJudge =
    std::sync::Arc<dyn Fn(&Target, &serde_json::Value) -> Result<crate::policy::Verdict, String> + Send + Sync>;

/// Everything a backend needs from its environment.
#[derive(Clone)]
pub struct Context {
    /// The platform's name: physical names are prefixed with it, so two platforms on one server never collide.
    pub platform: String,
    /// paved's own state: the secret store, CA keys, Terraform state.
    pub state_dir: PathBuf,
    /// Where file-producing backends write (zone files, manifests, flag definitions).
    pub output_dir: PathBuf,
    pub postgres: Option<crate::model::platform::PostgresServers>,
    pub nats: Option<String>,
    /// The platform repo's work tree, for backends whose product is committed there.
    pub repo_root: Option<PathBuf>,
    /// Policies over Terraform plan JSON (the terraform backend).
    pub plan_judge: Option<PlanJudge>,
}

impl Context {
    /// How a status file names a file paved wrote, the same on every machine however the state directory was
    /// spelled: `state:<path>` inside the state directory, a path relative to the repo root inside the repo,
    /// else the absolute path.
    pub fn file_ref(&self, path: &std::path::Path) -> String {
        if let Ok(rel) = path.strip_prefix(&self.state_dir) {
            return format!("state:{}", rel.display());
        }
        match self.repo_root.as_deref().and_then(|root| path.strip_prefix(root).ok()) {
            Some(rel) => rel.display().to_string(),
            None => path.display().to_string(),
        }
    }
}

impl std::fmt::Debug for Context {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Context")
            .field("platform", &self.platform)
            .field("state_dir", &self.state_dir)
            .field("output_dir", &self.output_dir)
            .field("postgres", &self.postgres)
            .field("nats", &self.nats)
            .finish_non_exhaustive()
    }
}

/// The identity of a provisioned thing: enough to observe or destroy it after its request file is gone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Target {
    pub team: String,
    pub name: String,
    pub capability: String,
    pub backend: BackendKind,
    /// Parameters as applied (for backends whose identity depends on them, e.g. a DNS zone).
    #[serde(skip_serializing_if = "Parameters::is_null", default)]
    pub parameters: Parameters,
    /// For secrets: the age public keys of the recipient groups, resolved from the catalog.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub recipients: Vec<String>,
    /// For the terraform backend, the request context its root module passes and the version of the module it
    /// calls (set only there, so other backends' statuses keep their text).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<crate::model::request::Environment>,
    #[serde(default, rename = "deletionProtection", skip_serializing_if = "std::ops::Not::not")]
    pub deletion_protection: bool,
    #[serde(default, rename = "moduleVersion", skip_serializing_if = "Option::is_none")]
    pub module_version: Option<String>,
    /// The name of what it provisioned on its backend (database and role, stream, namespace, IAM role, key id),
    /// recorded so that it never changes under the resource (see [`naming`]).
    #[serde(rename = "physicalName", default, skip_serializing_if = "Option::is_none")]
    pub physical_name: Option<String>,
    /// The name of the file paved writes for it, without extension (see [`naming`]).
    #[serde(rename = "fileName", default, skip_serializing_if = "Option::is_none")]
    pub file_name: Option<String>,
}

impl Target {
    /// The target of `request`, with `parameters` as applied (the request's, secret ones redacted).
    pub fn of(request: &Request, backend: BackendKind, parameters: serde_json::Value) -> Self {
        Target::new(&request.team, &request.name, &request.spec.capability, backend, parameters)
    }
    /// The target of request `team/name` for `capability`, with nothing recorded yet.
    pub fn new(team: &str, name: &str, capability: &str, backend: BackendKind, parameters: serde_json::Value) -> Self {
        Target {
            team: team.to_owned(),
            name: name.to_owned(),
            capability: capability.to_owned(),
            backend,
            parameters: Parameters::from(parameters),
            recipients: Vec::new(),
            environment: None,
            deletion_protection: false,
            module_version: None,
            physical_name: None,
            file_name: None,
        }
    }
    /// The target holding `names`.
    pub fn named(mut self, names: naming::Names) -> Self {
        self.physical_name = names.physical;
        self.file_name = names.file;
        self
    }
    /// Its physical name: the recorded one, else the collision-free one of `platform`.
    pub fn physical(&self, platform: &str) -> String {
        self.physical_name.clone().or_else(|| self.fresh_names(platform).physical).unwrap_or_default()
    }
    /// The name of its file: the recorded one, else the collision-free one of `platform`.
    pub fn file(&self, platform: &str) -> String {
        self.file_name.clone().or_else(|| self.fresh_names(platform).file).unwrap_or_default()
    }
    fn fresh_names(&self, platform: &str) -> naming::Names {
        naming::names(&self.capability, self.backend, platform, &self.team, &self.name)
    }
    pub fn key(&self) -> String {
        format!("{}/{}", self.team, self.name)
    }
    pub fn param_str(&self, name: &str) -> Option<&str> {
        self.parameters.get(name).and_then(|v| v.as_str())
    }
}

pub trait Backend {
    /// Observe the thing `target` names.
    fn observe(&self, target: &Target) -> Observation;
    /// Create or converge. Must be idempotent: a replay after a crash must not fail or duplicate.
    fn apply(&self, target: &Target, secrets: &SecretStore) -> Result<Applied, Error>;
    /// Remove what `apply` made.
    fn destroy(&self, target: &Target, secrets: &SecretStore) -> Result<(), Error>;
}

/// The backend that provisions `capability` with `kind`, or `None` when paved has no such backend (the request
/// is then Blocked with that reason).
pub fn backend_for(capability: &str, kind: BackendKind, ctx: &Context) -> Option<Box<dyn Backend>> {
    match (capability, kind) {
        ("database", BackendKind::Native) => Some(Box::new(postgres::Postgres::new(ctx))),
        ("queue", BackendKind::Native) => Some(Box::new(nats::Nats::new(ctx))),
        ("tls-certificate", BackendKind::Native) => Some(Box::new(tls::Tls::new(ctx))),
        ("secret", BackendKind::Native) => Some(Box::new(secret::Secret::new(ctx))),
        (_, BackendKind::Terraform) => Some(Box::new(terraform::Terraform::new(ctx))),
        ("dns-record", BackendKind::Native)
        | ("namespace", BackendKind::Native)
        | ("feature-flag", BackendKind::Native)
        | ("sandbox-ai-key", BackendKind::Native)
        | ("iam-role", BackendKind::Native) => Some(Box::new(files::FileBackend::new(capability, ctx)?)),
        _ => None,
    }
}

/// What a native backend accepts in `parameters` (the request's, with the module's defaults filled in) but
/// cannot enforce, parameter name to what the request gets instead: a Ready status names each, so it never claims
/// what was not done. A parameter a backend cannot serve at all is refused in observation instead
/// ([`Observation::Unsatisfiable`]).
/// `parameters` is called only for a backend that has such parameters (planning 50,000 requests builds no map
/// for the others).
pub fn not_enforced(
    capability: &str,
    kind: BackendKind,
    parameters: impl FnOnce() -> serde_json::Map<String, serde_json::Value>,
) -> BTreeMap<String, String> {
    match (capability, kind) {
        ("database", BackendKind::Native) => postgres::not_enforced(&parameters()),
        _ => BTreeMap::new(),
    }
}

/// A random token of `bytes` bytes, hex-encoded (passwords, API keys).
pub fn random_token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).expect("the OS random source is available");
    hex::encode(buf)
}
