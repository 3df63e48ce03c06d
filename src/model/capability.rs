//! What a request asks for: a [`Capability`], named after its module (`modules/<capability>/module.yaml`).
//!
//! Nine capabilities have a native backend of their own (`provision/registry.rs` says which); any other module a
//! platform adds is a [`Capability::Other`], served by the terraform backend. To add a tenth native capability:
//! a variant here, its module under `modules/`, a backend file under `provision/`, and its arm in the registry
//! (the compiler points at every `match` that must learn it).

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// A capability, by its module's name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Capability {
    Database,
    Queue,
    TlsCertificate,
    Secret,
    DnsRecord,
    Namespace,
    FeatureFlag,
    SandboxAiKey,
    IamRole,
    /// A module paved has no native backend for (the terraform backend serves it), or an empty name (a request
    /// that names none, which validation reports).
    Other(String),
}

impl Capability {
    /// Every capability with a native backend, in the order the standard library lists them.
    pub const NATIVE: [Capability; 9] = [
        Capability::Database,
        Capability::Queue,
        Capability::TlsCertificate,
        Capability::Secret,
        Capability::DnsRecord,
        Capability::Namespace,
        Capability::FeatureFlag,
        Capability::SandboxAiKey,
        Capability::IamRole,
    ];

    /// Its module's name, as requests write it.
    pub fn as_str(&self) -> &str {
        match self {
            Capability::Database => "database",
            Capability::Queue => "queue",
            Capability::TlsCertificate => "tls-certificate",
            Capability::Secret => "secret",
            Capability::DnsRecord => "dns-record",
            Capability::Namespace => "namespace",
            Capability::FeatureFlag => "feature-flag",
            Capability::SandboxAiKey => "sandbox-ai-key",
            Capability::IamRole => "iam-role",
            Capability::Other(name) => name,
        }
    }

    /// The capability module `name` stands for.
    pub fn named(name: &str) -> Capability {
        Capability::NATIVE
            .into_iter()
            .find(|c| c.as_str() == name)
            .unwrap_or_else(|| Capability::Other(name.to_owned()))
    }

    /// Whether its native backend hands out credentials (kept in the secret store, referenced from the status).
    pub fn has_secrets(&self) -> bool {
        matches!(self, Capability::Database | Capability::SandboxAiKey | Capability::TlsCertificate)
    }
}

impl Default for Capability {
    /// No capability named: validation reports it at the request's `spec`.
    fn default() -> Self {
        Capability::Other(String::new())
    }
}

impl fmt::Display for Capability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<str> for Capability {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<String> for Capability {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other
    }
}

impl Serialize for Capability {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Capability {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = std::borrow::Cow::<str>::deserialize(d)?;
        Ok(Capability::named(&name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_round_trips_and_unknown_modules_stay_theirs() {
        for c in Capability::NATIVE {
            assert_eq!(Capability::named(c.as_str()), c);
        }
        assert_eq!(Capability::named("scratch-store"), Capability::Other("scratch-store".into()));
        assert_eq!(Capability::named("scratch-store").to_string(), "scratch-store");
        let yaml = serde_yaml::to_string(&Capability::TlsCertificate).unwrap();
        assert_eq!(yaml, "tls-certificate\n");
        assert_eq!(serde_yaml::from_str::<Capability>("dns-record").unwrap(), Capability::DnsRecord);
    }
}
