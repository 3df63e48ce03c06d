//! A read-only YAML tree in the least memory a tree takes: what an entity keeps of its free-form `spec`.
//!
//! A `serde_yaml::Value` mapping is an `IndexMap`: a hash table plus 168 bytes an entry, sized for inserting.
//! Kept for each of 100,000 entities, that was a seventh of a 50,000-service plan's memory, though nothing after
//! the load does more than look a key up. [`Compact`] is 24 bytes a node and a mapping is a sorted slice.
//!
//! The spec fields of Backstage's core kinds and their usual values, repeated by nearly every entity, are not
//! copied: a key is its place in [`KNOWN_KEYS`], a value borrows from [`KNOWN_VALUES`] (a copy of each was
//! 10 MiB at 50,000 services).
//!
//! Lookups mean what they mean on a `Value`: [`Compact::get`] finds a string key of a mapping, [`Compact::as_str`]
//! a string scalar, and tags are looked through. Keys that are not strings cannot be looked up on a `Value` by
//! `&str` either, so they are left out.

use serde_yaml::{Number, Value};

#[derive(Debug, Clone, Default, PartialEq)]
pub enum Compact {
    #[default]
    Null,
    Bool(bool),
    Number(Number),
    String(Box<str>),
    /// A string that is one of [`KNOWN_VALUES`].
    Known(&'static str),
    Sequence(Box<[Compact]>),
    /// Sorted by key, keys unique (YAML refuses duplicate keys).
    Mapping(Box<[(Key, Compact)]>),
}

/// The spec fields of Backstage's built-in kinds (`entity::KIND_SPECS`, tested there) and of a user's profile.
const KNOWN_KEYS: [&str; 38] = [
    "activation",
    "agents",
    "allowedTools",
    "categories",
    "category",
    "children",
    "compatibility",
    "consumesApis",
    "definition",
    "dependencyOf",
    "dependsOn",
    "disciplines",
    "displayName",
    "domain",
    "email",
    "license",
    "lifecycle",
    "memberOf",
    "members",
    "owner",
    "parameters",
    "parent",
    "picture",
    "plugins",
    "presence",
    "profile",
    "providesApis",
    "rationale",
    "remotes",
    "skills",
    "steps",
    "subcomponentOf",
    "subdomainOf",
    "system",
    "target",
    "targets",
    "type",
    "version",
];

/// The usual values of `type` and `lifecycle`.
const KNOWN_VALUES: [&str; 14] = [
    "service",
    "website",
    "library",
    "openapi",
    "asyncapi",
    "grpc",
    "graphql",
    "database",
    "team",
    "stream-aligned",
    "platform",
    "production",
    "experimental",
    "deprecated",
];

/// A mapping key in 16 bytes: one of [`KNOWN_KEYS`] by place, or a copy.
#[derive(Debug, Clone, PartialEq)]
pub enum Key {
    Known(u8),
    Owned(Box<str>),
}

impl Key {
    fn new(text: &str) -> Self {
        match KNOWN_KEYS.binary_search(&text) {
            Ok(i) => Key::Known(i as u8),
            Err(_) => Key::Owned(text.into()),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            Key::Known(i) => KNOWN_KEYS[*i as usize],
            Key::Owned(s) => s,
        }
    }

    /// Whether `key` is one [`Compact`] keeps without a copy.
    pub fn is_known(key: &str) -> bool {
        KNOWN_KEYS.contains(&key)
    }
}

impl Compact {
    /// The value of string key `key` when this is a mapping that has it.
    pub fn get(&self, key: &str) -> Option<&Compact> {
        match self {
            Compact::Mapping(entries) => {
                entries.binary_search_by(|(k, _)| k.as_str().cmp(key)).ok().map(|i| &entries[i].1)
            }
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Compact::String(s) => Some(s),
            Compact::Known(s) => Some(s),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Compact::Null)
    }
}

impl From<&Value> for Compact {
    fn from(value: &Value) -> Self {
        match value {
            Value::Null => Compact::Null,
            Value::Bool(b) => Compact::Bool(*b),
            Value::Number(n) => Compact::Number(n.clone()),
            Value::String(s) => match KNOWN_VALUES.iter().find(|v| **v == s) {
                Some(known) => Compact::Known(known),
                None => Compact::String(s.as_str().into()),
            },
            Value::Sequence(items) => Compact::Sequence(items.iter().map(Compact::from).collect()),
            Value::Mapping(m) => {
                let mut entries: Vec<(Key, Compact)> =
                    m.iter().filter_map(|(k, v)| Some((Key::new(k.as_str()?), Compact::from(v)))).collect();
                entries.sort_unstable_by(|a, b| a.0.as_str().cmp(b.0.as_str()));
                Compact::Mapping(entries.into_boxed_slice())
            }
            Value::Tagged(tagged) => Compact::from(&tagged.value),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn both(text: &str) -> (Value, Compact) {
        let value: Value = serde_yaml::from_str(text).expect("valid yaml");
        let compact = Compact::from(&value);
        (value, compact)
    }

    #[test]
    fn lookups_answer_as_on_the_value_it_was_made_from() {
        let text = "type: service\nowner: team-a\nprofile:\n  email: a@example.com\n  n: 3\nlist: [x, 2]\n\
                    tagged: !thing\n  inner: yes\n7: seven\nnothing: null\nflag: true\n";
        let (value, compact) = both(text);
        for key in ["type", "owner", "list", "nothing", "flag", "7", "absent", "tagged"] {
            assert_eq!(
                value.get(key).and_then(Value::as_str),
                compact.get(key).and_then(Compact::as_str),
                "as_str of `{key}`"
            );
            assert_eq!(value.get(key).is_none(), compact.get(key).is_none(), "presence of `{key}`");
            assert_eq!(value.get(key).is_some_and(Value::is_null), compact.get(key).is_some_and(Compact::is_null));
        }
        let email = compact.get("profile").and_then(|p| p.get("email")).and_then(Compact::as_str);
        assert_eq!(email, Some("a@example.com"));
        assert_eq!(compact.get("tagged").and_then(|t| t.get("inner")).and_then(Compact::as_str), Some("yes"));
        assert_eq!(compact.get("flag"), Some(&Compact::Bool(true)));
        assert!(compact.get("list").is_some_and(|l| matches!(l, Compact::Sequence(items) if items.len() == 2)));
    }

    #[test]
    fn known_keys_and_values_read_as_copies_do() {
        let (value, compact) = both("type: service\nzeta: production\nowner: team-a\nalpha: [library, x]\n");
        for key in ["type", "zeta", "owner"] {
            assert_eq!(value.get(key).and_then(Value::as_str), compact.get(key).and_then(Compact::as_str), "{key}");
        }
        assert!(matches!(compact.get("type"), Some(Compact::Known("service"))));
        let Compact::Mapping(entries) = &compact else { panic!("a mapping") };
        let keys: Vec<&str> = entries.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["alpha", "owner", "type", "zeta"], "sorted by name, known or not");
        assert!(KNOWN_KEYS.windows(2).all(|w| w[0] < w[1]) && KNOWN_KEYS.len() <= 256);
    }

    #[test]
    fn a_node_is_three_words() {
        assert_eq!(std::mem::size_of::<Compact>(), 24);
        assert_eq!(std::mem::size_of::<Key>(), 16);
    }
}
