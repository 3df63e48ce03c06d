//! Self-service requests: `requests/<team>/<name>.yaml`.

use crate::yaml::frozen::{self, Frozen};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_yaml::{Mapping, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Environment {
    Development,
    Staging,
    Production,
}

impl Environment {
    /// Its name, as requests spell it.
    pub fn name(self) -> &'static str {
        match self {
            Environment::Development => "development",
            Environment::Staging => "staging",
            Environment::Production => "production",
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RequestSpec {
    #[serde(default)]
    pub capability: crate::model::capability::Capability,
    /// The module major version the request was written for.
    #[serde(default)]
    pub module_version: Option<u64>,
    #[serde(default)]
    pub environment: Option<Environment>,
    #[serde(default)]
    pub owner: String,
    #[serde(default)]
    pub parameters: Params,
    #[serde(default)]
    pub deletion_protection: bool,
}

/// A request as loaded: its file, its team (the folder) and its spec.
#[derive(Debug, Clone)]
pub struct Request {
    pub path: String,
    pub team: String,
    pub name: String,
    pub requested_by: Option<String>,
    /// Shared with the parse cache, which keeps it for the next load (a copy was a thirtieth of a
    /// 50,000-service plan's memory).
    pub spec: std::sync::Arc<RequestSpec>,
    /// Where each field stands in the file, for errors found after all files are read.
    pub positions: std::sync::Arc<crate::yaml::Positions>,
}

impl Request {
    /// `team/name`, the request's identity.
    pub fn key(&self) -> String {
        format!("{}/{}", self.team, self.name)
    }
    pub fn parameters_value(&self) -> Value {
        Value::Mapping(self.spec.parameters.to_mapping())
    }
}

/// A request's `parameters`, kept frozen ([`Frozen`]) and thawed by the few readers that need them: exactly the
/// mapping the file wrote, in its order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Params(Box<[(Frozen, Frozen)]>);

impl Params {
    /// The parameters as the file wrote them.
    pub fn to_mapping(&self) -> Mapping {
        frozen::thaw(&self.0)
    }

    /// The value of parameter `name`, when given.
    pub fn get(&self, name: &str) -> Option<Value> {
        self.0.iter().find(|(k, _)| matches!(k, Frozen::String(s) if &**s == name)).map(|(_, v)| v.to_value())
    }
}

impl From<&Mapping> for Params {
    fn from(mapping: &Mapping) -> Self {
        Params(frozen::freeze(mapping))
    }
}

impl<'de> Deserialize<'de> for Params {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Mapping::deserialize(d).map(|m| Params::from(&m))
    }
}

impl Serialize for Params {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        frozen::serialize_entries(&self.0, s)
    }
}
