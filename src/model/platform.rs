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
    /// PostgreSQL admin connection(s), libpq style: one server (`host=127.0.0.1 port=5432 user=postgres`) or one
    /// per major version (`{"15": "host=…", "16": "host=…"}`); a database request is served by the server of the
    /// major version it asks for.
    #[serde(default)]
    pub postgres: Option<PostgresServers>,
    /// NATS server URL, e.g. `nats://127.0.0.1:4222`.
    #[serde(default)]
    pub nats: Option<String>,
    /// The DNS zone file directory and the Kubernetes / flagd output directory default to the state directory.
    #[serde(default)]
    pub output_dir: Option<String>,
}

/// `spec.native.postgres`: the PostgreSQL servers databases are made on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum PostgresServers {
    /// One server, whatever its version: a request naming another major version is refused.
    One(String),
    /// A server per major version (the key, e.g. `16`).
    ByMajor(BTreeMap<u32, String>),
}

impl<'de> Deserialize<'de> for PostgresServers {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = PostgresServers;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str(
                    "a libpq connection string, or a map from PostgreSQL major version to connection string \
                     (e.g. {\"15\": \"host=127.0.0.1 port=5432 user=postgres\"})",
                )
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(PostgresServers::One(v.to_owned()))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut servers = BTreeMap::new();
                // YAML reads `15:` as a number and `"15":` as a string: both name major version 15.
                while let Some(key) = map.next_key::<serde_yaml::Value>()? {
                    let major = match &key {
                        serde_yaml::Value::Number(n) => n.as_u64().and_then(|n| u32::try_from(n).ok()),
                        serde_yaml::Value::String(s) => s.parse().ok(),
                        _ => None,
                    };
                    let Some(major) = major.filter(|m| *m >= 10) else {
                        return Err(serde::de::Error::custom(format!(
                            "`{}` is not a PostgreSQL major version (10 or later, e.g. \"16\")",
                            serde_yaml::to_string(&key).unwrap_or_default().trim()
                        )));
                    };
                    if servers.insert(major, map.next_value::<String>()?).is_some() {
                        return Err(serde::de::Error::custom(format!("major version {major} is named twice")));
                    }
                }
                if servers.is_empty() {
                    return Err(serde::de::Error::custom("names no server; give at least one major version"));
                }
                Ok(PostgresServers::ByMajor(servers))
            }
        }
        d.deserialize_any(Visitor)
    }
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

impl BackendKind {
    /// Its name, as platform.yaml and messages spell it.
    pub fn name(self) -> &'static str {
        match self {
            BackendKind::Terraform => "terraform",
            BackendKind::Native => "native",
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn native(yaml: &str) -> Result<NativeConfig, String> {
        serde_yaml::from_str(yaml).map_err(|e| e.to_string())
    }

    #[test]
    fn postgres_is_one_server_or_one_per_major_version() {
        let one = native("postgres: \"host=a\"").expect("one server");
        assert_eq!(one.postgres, Some(PostgresServers::One("host=a".into())));
        let many = native("postgres:\n  15: host=a\n  \"16\": host=b\n").expect("number and string keys");
        assert_eq!(
            many.postgres,
            Some(PostgresServers::ByMajor([(15, "host=a".into()), (16, "host=b".into())].into()))
        );
        for (yaml, says) in [
            ("postgres: {latest: host=a}", "`latest` is not a PostgreSQL major version"),
            ("postgres: {9: host=a}", "`9` is not a PostgreSQL major version"),
            ("postgres: {15: host=a, \"15\": host=b}", "major version 15 is named twice"),
            ("postgres: {}", "names no server"),
            ("postgres: [host=a]", "a libpq connection string, or a map from PostgreSQL major version"),
        ] {
            let err = native(yaml).expect_err(yaml);
            assert!(err.contains(says), "{yaml}: {err}");
        }
    }
}
