//! Everything a backend needs from its environment: the platform's name, paved's state and output
//! directories, the configured servers and the policies over Terraform plans.

use super::target::Target;
use crate::policy::{self, Verdict};
use std::path::PathBuf;

/// Judges a Terraform plan (its `show -json`) for a target with the policies: the terraform backend applies
/// nothing a policy denies.
pub type PlanJudge =
    std::sync::Arc<dyn Fn(&Target, &serde_json::Value) -> Result<Verdict, policy::Error> + Send + Sync>;

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
