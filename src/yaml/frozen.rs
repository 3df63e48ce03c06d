//! A YAML value kept in little memory that gives back exactly the `serde_yaml::Value` it was made from: what a
//! request keeps of its `parameters`.
//!
//! Unlike [`Compact`](super::compact::Compact), which sorts mapping keys and drops keys that are not strings (it
//! only answers lookups), a [`Frozen`] tree keeps everything in the file's order: the rendered HCL and the
//! policy input list parameters as written. A `Value` mapping is an `IndexMap` of 168-byte entries plus a hash
//! table; kept for each of 25,000 requests, that was 24 MiB of a 50,000-service plan. A frozen node is 24 bytes
//! and a mapping entry 48. Readers thaw what they need with [`Frozen::to_value`]; the few that do (validation,
//! the policy input, a provision target) use it once and drop it.

use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use serde_yaml::value::{Tag, TaggedValue};
use serde_yaml::{Mapping, Number, Value};

#[derive(Debug, Clone, Default, PartialEq)]
pub enum Frozen {
    #[default]
    Null,
    Bool(bool),
    Number(Number),
    String(Box<str>),
    Sequence(Box<[Frozen]>),
    /// In the file's order.
    Mapping(Box<[(Frozen, Frozen)]>),
    Tagged(Box<(Tag, Frozen)>),
}

impl Frozen {
    /// The value this was made from.
    pub fn to_value(&self) -> Value {
        match self {
            Frozen::Null => Value::Null,
            Frozen::Bool(b) => Value::Bool(*b),
            Frozen::Number(n) => Value::Number(n.clone()),
            Frozen::String(s) => Value::String(s.as_ref().to_owned()),
            Frozen::Sequence(items) => Value::Sequence(items.iter().map(Frozen::to_value).collect()),
            Frozen::Mapping(entries) => Value::Mapping(thaw(entries)),
            Frozen::Tagged(tagged) => {
                Value::Tagged(Box::new(TaggedValue { tag: tagged.0.clone(), value: tagged.1.to_value() }))
            }
        }
    }
}

/// Serialized exactly as the `Value` it was made from, without thawing it first (the policy input and every
/// provisioning target serialize a request's parameters).
impl Serialize for Frozen {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Frozen::Null => s.serialize_unit(),
            Frozen::Bool(b) => s.serialize_bool(*b),
            Frozen::Number(n) => n.serialize(s),
            Frozen::String(text) => s.serialize_str(text),
            Frozen::Sequence(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Frozen::Mapping(entries) => serialize_entries(entries, s),
            Frozen::Tagged(_) => self.to_value().serialize(s),
        }
    }
}

/// `entries` serialized as the mapping they were made from.
pub fn serialize_entries<S: Serializer>(entries: &[(Frozen, Frozen)], s: S) -> Result<S::Ok, S::Error> {
    let mut map = s.serialize_map(Some(entries.len()))?;
    for (k, v) in entries {
        map.serialize_entry(k, v)?;
    }
    map.end()
}

/// The mapping of frozen `entries`, in their order.
pub fn thaw(entries: &[(Frozen, Frozen)]) -> Mapping {
    let mut m = Mapping::with_capacity(entries.len());
    for (k, v) in entries {
        m.insert(k.to_value(), v.to_value());
    }
    m
}

/// The entries of `mapping`, frozen, in its order.
pub fn freeze(mapping: &Mapping) -> Box<[(Frozen, Frozen)]> {
    mapping.iter().map(|(k, v)| (Frozen::from(k), Frozen::from(v))).collect()
}

impl From<&Value> for Frozen {
    fn from(value: &Value) -> Self {
        match value {
            Value::Null => Frozen::Null,
            Value::Bool(b) => Frozen::Bool(*b),
            Value::Number(n) => Frozen::Number(n.clone()),
            Value::String(s) => Frozen::String(s.as_str().into()),
            Value::Sequence(items) => Frozen::Sequence(items.iter().map(Frozen::from).collect()),
            Value::Mapping(m) => Frozen::Mapping(freeze(m)),
            Value::Tagged(tagged) => Frozen::Tagged(Box::new((tagged.tag.clone(), Frozen::from(&tagged.value)))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thawing_gives_back_the_value_it_was_made_from_in_its_order() {
        let text = "zeta: 1\nalpha: [x, 2.5, -3, null, true]\n7: seven\nnested:\n  b: !secret hidden\n  a: {}\n\
                    ? [1, 2]\n: complex key\n";
        let value: Value = serde_yaml::from_str(text).expect("valid yaml");
        let thawed = Frozen::from(&value).to_value();
        assert_eq!(thawed, value);
        let keys = |v: &Value| v.as_mapping().map(|m| m.keys().cloned().collect::<Vec<_>>()).unwrap_or_default();
        assert_eq!(keys(&thawed), keys(&value), "keys keep the file's order");
        assert_eq!(serde_yaml::to_string(&thawed).ok(), serde_yaml::to_string(&value).ok());
        let frozen = Frozen::from(&value);
        assert_eq!(serde_yaml::to_string(&frozen).ok(), serde_yaml::to_string(&value).ok(), "serialized as the value");
        let json: Value = serde_yaml::from_str("a: [1, -2, 2.5, x, null, true]\nb: {c: d}\n").expect("valid yaml");
        assert_eq!(serde_json::to_string(&Frozen::from(&json)).ok(), serde_json::to_string(&json).ok());
    }

    #[test]
    fn a_node_is_three_words() {
        assert_eq!(std::mem::size_of::<Frozen>(), 24);
    }
}
