//! The identity of a provisioned thing ([`Target`]): which request, which capability on which backend, the
//! parameters as applied, and the names it holds. Enough to observe or destroy it after its request file is gone.

use super::parameters::Parameters;
use crate::model::capability::Capability;
use crate::model::naming;
use crate::model::platform::BackendKind;
use crate::model::request::Request;
use serde::Serialize;

/// The identity of a provisioned thing: enough to observe or destroy it after its request file is gone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Target {
    pub team: String,
    pub name: String,
    pub capability: Capability,
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
    pub fn new(
        team: &str,
        name: &str,
        capability: &Capability,
        backend: BackendKind,
        parameters: serde_json::Value,
    ) -> Self {
        Target {
            team: team.to_owned(),
            name: name.to_owned(),
            capability: capability.clone(),
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
