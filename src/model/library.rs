//! The platform's standard library: paved paths (`paths/<name>/path.yaml`) and capability modules
//! (`modules/<capability>/module.yaml`).

use super::params::ParamSpec;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PathSpec {
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub parameters: Vec<ParamSpec>,
    #[serde(default)]
    pub changelog: Vec<ChangelogEntry>,
    #[serde(default)]
    pub migrations: Vec<PathMigration>,
    #[serde(default)]
    pub deprecated: bool,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ChangelogEntry {
    pub version: String,
    #[serde(default)]
    pub date: Option<String>,
    #[serde(default)]
    pub breaking: bool,
    #[serde(default)]
    pub changes: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PathMigration {
    pub from: String,
    pub to: String,
    #[serde(default)]
    pub codemods: Vec<Codemod>,
}

/// One codemod step of a migration: an ast-grep rule file run in-process, or a command run in the checkout.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Codemod {
    #[serde(default)]
    pub ast_grep: Option<String>,
    #[serde(default)]
    pub command: Option<Vec<String>>,
    #[serde(default)]
    pub timeout: Option<String>,
}

/// A paved path as loaded.
#[derive(Debug, Clone)]
pub struct PavedPath {
    pub name: String,
    pub dir: String,
    pub owner: Option<String>,
    pub version: semver::Version,
    pub spec: PathSpec,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ModuleSpec {
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub parameters: Vec<ParamSpec>,
    #[serde(default)]
    pub outputs: Vec<OutputSpec>,
    #[serde(default)]
    pub backends: Vec<super::platform::BackendKind>,
    #[serde(default)]
    pub deprecated: bool,
    #[serde(default)]
    pub migrations: Vec<ModuleMigration>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct OutputSpec {
    pub name: String,
    #[serde(default)]
    pub sensitive: bool,
    #[serde(default)]
    pub description: Option<String>,
}

/// How request files move from one module major version to the next.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ModuleMigration {
    pub from: u64,
    pub to: u64,
    #[serde(default)]
    pub description: Option<String>,
    /// Parameter renames, old name to new name.
    #[serde(default)]
    pub rename_parameters: BTreeMap<String, String>,
    /// Parameters to add (when absent) with these values.
    #[serde(default)]
    pub set_parameters: serde_yaml::Mapping,
    /// Parameters that no longer exist.
    #[serde(default)]
    pub remove_parameters: Vec<String>,
}

/// A capability module as loaded.
#[derive(Debug, Clone)]
pub struct Module {
    pub name: String,
    pub dir: String,
    pub owner: Option<String>,
    pub version: semver::Version,
    pub spec: ModuleSpec,
}
