//! The desired state as loaded: the [`Model`] of one snapshot, with its platform and policies.

use super::annotations;
use super::catalog::Catalog;
use super::entity::Entity;
use super::library::{Module, PavedPath};
use super::platform::{self, PlatformSpec};
use super::request::Request;
use super::scorecard::Scorecard;
use std::collections::BTreeMap;

/// `platform.yaml`, as loaded (defaults when it is missing or invalid).
#[derive(Debug, Clone, Default)]
pub struct Platform {
    pub name: String,
    pub spec: PlatformSpec,
}

/// An organisation policy file.
#[derive(Debug, Clone)]
pub struct Policy {
    pub path: String,
    pub source: String,
}

/// The whole desired state at one snapshot.
#[derive(Debug, Clone, Default)]
pub struct Model {
    pub platform: Platform,
    pub catalog: Catalog,
    /// By `team/name`.
    pub requests: BTreeMap<String, Request>,
    pub paths: BTreeMap<String, PavedPath>,
    pub modules: BTreeMap<String, Module>,
    pub policies: BTreeMap<String, Policy>,
    pub scorecards: BTreeMap<String, Scorecard>,
}

impl Model {
    /// The backend a request uses: `platform.yaml` `spec.backends`, else the module's first.
    pub fn backend_of(&self, r: &Request) -> Option<platform::BackendKind> {
        self.platform
            .spec
            .backends
            .get(r.spec.capability.as_str())
            .copied()
            .or_else(|| self.modules.get(r.spec.capability.as_str())?.spec.backends.first().copied())
    }

    /// The library's manifests, `paths/<name>/path.yaml` and `modules/<name>/module.yaml`: what the sunset
    /// review proposes to edit.
    pub fn manifest_paths(&self) -> impl Iterator<Item = String> + '_ {
        let paths = self.paths.values().map(|p| format!("{}/path.yaml", p.dir));
        paths.chain(self.modules.values().map(|m| format!("{}/module.yaml", m.dir)))
    }

    /// The platform's name as physical names carry it (`paved` when platform.yaml names none).
    pub fn platform_name(&self) -> &str {
        if self.platform.name.is_empty() { "paved" } else { &self.platform.name }
    }

    /// The forge repo (`owner/name`) a component lives in, if it names one.
    pub fn repo_of(entity: &Entity) -> Option<&str> {
        entity
            .annotations
            .get(annotations::REPO)
            .or_else(|| entity.annotations.get(annotations::GITHUB_SLUG))
            .map(String::as_str)
    }
}
