//! [`Parameters`]: a provisioning target's parameters, kept as their JSON text until a backend reads them.
//!
//! A plan holds a target for every request it provisions, and only an apply reads their parameters. Parsed, each
//! was an insertion-ordered map of about 500 bytes (9 MiB at 50,000 services); as compact JSON text it is the
//! length of the text. The first read parses the text once and keeps the value, so readers borrow from it as
//! they would from a `serde_json::Value`; showing or writing a target parses without keeping.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;
use std::sync::OnceLock;

#[derive(Debug, Clone)]
pub struct Parameters {
    /// `serde_json::to_string` of the value: compact, keys in their order.
    text: Box<str>,
    parsed: OnceLock<Value>,
}

impl Parameters {
    pub fn is_null(&self) -> bool {
        &*self.text == "null"
    }

    /// The value, parsed on first use.
    pub fn value(&self) -> &Value {
        self.parsed.get_or_init(|| self.parse())
    }

    /// Forget the parse a read kept: for a target held for later (a plan's), which may never be applied.
    pub fn release(&mut self) {
        self.parsed = OnceLock::new();
    }

    /// The value, without keeping a parse that was not kept already.
    fn to_value(&self) -> Value {
        self.parsed.get().cloned().unwrap_or_else(|| self.parse())
    }

    fn parse(&self) -> Value {
        serde_json::from_str(&self.text).expect("the text was written from a JSON value")
    }
}

impl Default for Parameters {
    fn default() -> Self {
        Parameters::from(Value::Null)
    }
}

impl From<Value> for Parameters {
    fn from(value: Value) -> Self {
        let text = serde_json::to_string(&value).expect("a JSON value always serializes");
        Parameters { text: text.into(), parsed: OnceLock::new() }
    }
}

/// Reads as the value: `target.parameters.get("zone")`.
impl std::ops::Deref for Parameters {
    type Target = Value;
    fn deref(&self) -> &Value {
        self.value()
    }
}

impl PartialEq for Parameters {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text || self.to_value() == other.to_value()
    }
}

impl Eq for Parameters {}

impl Serialize for Parameters {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.parsed.get() {
            Some(value) => value.serialize(s),
            None => self.parse().serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for Parameters {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Value::deserialize(d).map(Parameters::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_writes_and_compares_as_the_value_it_was_made_from() {
        let value = serde_json::json!({"zeta": 1, "alpha": [true, 2.5, -3, null], "nested": {"b": "x", "a": {}}});
        let p = Parameters::from(value.clone());
        assert_eq!(serde_json::to_string(&p).ok(), serde_json::to_string(&value).ok(), "keys keep their order");
        assert!(p.parsed.get().is_none(), "writing does not keep a parse");
        assert_eq!(p.get("zeta").and_then(Value::as_u64), Some(1));
        assert_eq!(*p.value(), value);
        let mut kept = p.clone();
        assert!(kept.parsed.get().is_some(), "a read keeps its parse");
        kept.release();
        assert!(kept.parsed.get().is_none() && kept == p, "released, it reads the same");
        let reordered = Parameters::from(
            serde_json::json!({"alpha": [true, 2.5, -3, null], "zeta": 1, "nested": {"a": {}, "b": "x"}}),
        );
        assert_eq!(p, reordered, "equal as values whatever the order");
        assert!(Parameters::default().is_null() && !p.is_null());
        let back: Parameters = serde_yaml::from_str(&serde_yaml::to_string(&p).expect("yaml")).expect("reads back");
        assert_eq!(back, p);
    }
}
