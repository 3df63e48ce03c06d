//! Backstage entity references: `[kind:][namespace/]name`.

use serde::{Serialize, Serializer};
use std::borrow::Cow;
use std::fmt;

/// A fully qualified, case-normalised reference: `component:default/orders`.
///
/// Backstage compares references case-insensitively; the normalised form is what paved compares, sorts and
/// prints.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EntityRef {
    /// Borrowed when common ([`common`]), as nearly every kind and namespace is.
    pub kind: Cow<'static, str>,
    pub namespace: Cow<'static, str>,
    pub name: String,
}

/// Kinds, namespaces and apiVersions that nearly every entity and reference carries, in both cases.
const COMMON: [&str; 25] = [
    "Domain",
    "System",
    "Component",
    "API",
    "Resource",
    "Group",
    "User",
    "Location",
    "Template",
    "domain",
    "system",
    "component",
    "api",
    "resource",
    "group",
    "user",
    "location",
    "template",
    "default",
    "backstage.io/v1alpha1",
    "scaffolder.backstage.io/v1beta3",
    // Last, so the lookups above do not pass them: far fewer entities are of these kinds.
    "Environment",
    "AiResource",
    "environment",
    "airesource",
];

/// `text`, borrowed from a static when it is one of the few kinds, namespaces and apiVersions nearly every
/// entity repeats: a copy for each of 100,000 entities and their references was 9 MiB at 50,000 services.
pub fn common(text: &str) -> Cow<'static, str> {
    static_or_owned(&COMMON, text)
}

/// `text`, borrowed from `statics` when it is one of them, else a copy.
pub fn static_or_owned(statics: &[&'static str], text: &str) -> Cow<'static, str> {
    statics.iter().find(|s| **s == text).map_or_else(|| Cow::Owned(text.to_owned()), |s| Cow::Borrowed(*s))
}

/// A reference's kind, namespace and name, lowercased: borrowed from the text when they were lowercase already.
pub type RefParts<'a> = (Cow<'a, str>, Cow<'a, str>, Cow<'a, str>);

/// Why a reference string could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RefError {
    #[error("empty entity reference")]
    Empty,
    #[error("`{0}` has no kind, and this field has no default kind")]
    KindRequired(String),
    #[error("`{0}` is not a valid entity reference (expected `[kind:][namespace/]name`)")]
    Malformed(String),
}

impl EntityRef {
    pub fn new(kind: &str, namespace: &str, name: &str) -> Self {
        EntityRef {
            kind: common(&lowercase(kind)),
            namespace: common(&lowercase(namespace)),
            name: name.to_ascii_lowercase(),
        }
    }

    /// Parse `text` the way Backstage's `parseEntityRef` does, with the field's default kind and the referring
    /// entity's namespace filling what is left out.
    pub fn parse(text: &str, default_kind: Option<&str>, default_namespace: &str) -> Result<Self, RefError> {
        let (kind, namespace, name) = Self::parse_parts(text, default_kind, default_namespace)?;
        Ok(EntityRef { kind: common(&kind), namespace: common(&namespace), name: name.into_owned() })
    }

    /// [`EntityRef::parse`] without allocating when the text is lowercase already: kind, namespace and name, for
    /// looking a reference up (resolving a catalog's 150,000 references allocated three strings for each).
    pub fn parse_parts<'a>(
        text: &'a str,
        default_kind: Option<&'a str>,
        default_namespace: &'a str,
    ) -> Result<RefParts<'a>, RefError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(RefError::Empty);
        }
        let (kind, rest) = match text.split_once(':') {
            Some((k, r)) => (Some(k), r),
            None => (None, text),
        };
        let (namespace, name) = match rest.split_once('/') {
            Some((ns, n)) => (Some(ns), n),
            None => (None, rest),
        };
        let bad = |s: Option<&str>| s.is_some_and(|s| s.is_empty() || s.contains([':', '/']));
        if name.is_empty() || name.contains([':', '/']) || bad(kind) || bad(namespace) {
            return Err(RefError::Malformed(text.to_owned()));
        }
        let kind = kind.or(default_kind).ok_or_else(|| RefError::KindRequired(text.to_owned()))?;
        Ok((lowercase(kind), lowercase(namespace.unwrap_or(default_namespace)), lowercase(name)))
    }
}

fn lowercase(s: &str) -> Cow<'_, str> {
    if s.bytes().any(|b| b.is_ascii_uppercase()) { Cow::Owned(s.to_ascii_lowercase()) } else { Cow::Borrowed(s) }
}

impl fmt::Display for EntityRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}/{}", self.kind, self.namespace, self.name)
    }
}

impl Serialize for EntityRef {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_core_kind_is_common_in_both_cases() {
        for kind in crate::model::entity::CORE_KINDS {
            assert!(matches!(common(kind), Cow::Borrowed(_)), "{kind}");
            assert!(matches!(common(&kind.to_ascii_lowercase()), Cow::Borrowed(_)), "{kind}");
        }
        assert!(matches!(common("ops"), Cow::Owned(_)));
    }

    #[test]
    fn parses_every_form() {
        let r = |t| EntityRef::parse(t, Some("Group"), "default").map(|r| r.to_string());
        assert_eq!(r("team-a").as_deref(), Ok("group:default/team-a"));
        assert_eq!(r("user:jane").as_deref(), Ok("user:default/jane"));
        assert_eq!(r("ops/team-b").as_deref(), Ok("group:ops/team-b"));
        assert_eq!(r("Component:Prod/Orders").as_deref(), Ok("component:prod/orders"));
        assert_eq!(r("a:b:c"), Err(RefError::Malformed("a:b:c".into())));
        assert_eq!(r(""), Err(RefError::Empty));
        assert!(matches!(EntityRef::parse("db", None, "default"), Err(RefError::KindRequired(_))));
    }
}
