//! `platform.yaml`: the platform's own settings.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PlatformSpec {
    #[serde(default)]
    pub forge: ForgeConfig,
    #[serde(default)]
    pub repos: ReposConfig,
    #[serde(default)]
    pub catalog: CatalogConfig,
    /// Capability name to the backend that provisions it.
    #[serde(default)]
    pub backends: BTreeMap<String, BackendKind>,
    #[serde(default)]
    pub signing_keys: Vec<SigningKey>,
    #[serde(default)]
    pub schedules: Schedules,
    #[serde(default)]
    pub sunset: Sunset,
    /// paved's state directory (secret store, CA, Terraform state), relative to the repo root or absolute;
    /// `PAVED_STATE` and `--state` override it. Default `<repo>/.paved/state` (see `provision::state`).
    #[serde(default)]
    pub state: Option<String>,
    /// Where native backends provision.
    #[serde(default)]
    pub native: NativeConfig,
    #[serde(default)]
    pub evidence: EvidenceConfig,
}

/// Servers and places the `native` backends use. A backend whose server is not configured, or does not answer,
/// marks its requests Blocked with the reason; everything else proceeds.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct NativeConfig {
    /// PostgreSQL admin connection, libpq style: `host=127.0.0.1 port=5432 user=postgres`.
    #[serde(default)]
    pub postgres: Option<String>,
    /// NATS server URL, e.g. `nats://127.0.0.1:4222`.
    #[serde(default)]
    pub nats: Option<String>,
    /// The DNS zone file directory and the Kubernetes / flagd output directory default to the state directory.
    #[serde(default)]
    pub output_dir: Option<String>,
}

/// Where evidence that does not live in the platform repo is read from.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct EvidenceConfig {
    /// The CISA KEV catalog JSON (about 1.3 MB, over the repo's 1 MiB file limit), relative to the repo root.
    #[serde(default)]
    pub kev_catalog: Option<String>,
    /// The label that marks an issue of a service repo as an incident (DORA); default [`DEFAULT_INCIDENT_LABEL`].
    #[serde(default)]
    pub incident_label: Option<String>,
}

pub const DEFAULT_INCIDENT_LABEL: &str = "incident";

impl EvidenceConfig {
    pub fn incident_label(&self) -> &str {
        self.incident_label.as_deref().filter(|l| !l.trim().is_empty()).unwrap_or(DEFAULT_INCIDENT_LABEL)
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ForgeKind {
    #[default]
    Local,
    Github,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ForgeConfig {
    #[serde(default)]
    pub kind: ForgeKind,
    /// Local forge directory, relative to the platform repo root.
    #[serde(default)]
    pub path: Option<String>,
    #[serde(default)]
    pub base_url: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ReposConfig {
    #[serde(default)]
    pub owner: Option<String>,
    #[serde(default)]
    pub platform: Option<String>,
    /// Globs of forge repos no entity needs to claim.
    #[serde(default)]
    pub ignore: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CatalogConfig {
    #[serde(default)]
    pub allowed_kinds: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BackendKind {
    Terraform,
    Native,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SigningKey {
    pub id: String,
    pub algorithm: KeyAlgorithm,
    pub public_key: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
pub enum KeyAlgorithm {
    #[serde(rename = "ed25519")]
    Ed25519,
    #[serde(rename = "ecdsa-p256")]
    EcdsaP256,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Schedules {
    #[serde(default)]
    pub resync: Option<String>,
    #[serde(default)]
    pub scorecards: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Sunset {
    #[serde(default)]
    pub min_consumers: Option<u32>,
}
