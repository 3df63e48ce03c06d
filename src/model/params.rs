//! Parameter schemas (modules and paved paths share one) and validating values against them.

use super::decode::Finding;
use crate::yaml::{Positions, join_index, join_key};
use regex::Regex;
use serde::{Deserialize, Serialize};
use serde_yaml::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ParamType {
    String,
    Integer,
    Number,
    Boolean,
    Array,
    Object,
}

impl ParamType {
    fn accepts(self, v: &Value) -> bool {
        match self {
            ParamType::String => v.is_string(),
            ParamType::Integer => v.is_i64() || v.is_u64(),
            ParamType::Number => v.is_number(),
            ParamType::Boolean => v.is_bool(),
            ParamType::Array => v.is_sequence(),
            ParamType::Object => v.is_mapping(),
        }
    }
    fn name(self) -> &'static str {
        match self {
            ParamType::String => "a string",
            ParamType::Integer => "an integer",
            ParamType::Number => "a number",
            ParamType::Boolean => "true or false",
            ParamType::Array => "a list",
            ParamType::Object => "a mapping",
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Items {
    #[serde(rename = "type")]
    pub ty: ParamType,
}

/// One declared parameter.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ParamSpec {
    pub name: String,
    #[serde(rename = "type")]
    pub ty: ParamType,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub pattern: Option<String>,
    #[serde(default, rename = "enum")]
    pub allowed: Option<Vec<Value>>,
    #[serde(default)]
    pub minimum: Option<f64>,
    #[serde(default)]
    pub maximum: Option<f64>,
    #[serde(default)]
    pub default: Option<Value>,
    /// Secret values are never stored in answers files, status or logs.
    #[serde(default)]
    pub secret: bool,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub items: Option<Items>,
}

/// Check the schema itself: patterns compile, defaults obey their own rules, names are unique.
pub fn check_schema(params: &[ParamSpec], positions: &Positions, base: &str) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for (i, p) in params.iter().enumerate() {
        let path = join_index(base, i);
        if !seen.insert(p.name.as_str()) {
            out.push(Finding::error(
                positions.value(&join_key(&path, "name")),
                format!("parameter `{}` is declared twice", p.name),
            ));
        }
        if let Some(pattern) = &p.pattern
            && let Err(e) = Regex::new(pattern)
        {
            out.push(Finding::error(
                positions.value(&join_key(&path, "pattern")),
                format!("pattern does not compile: {e}"),
            ));
        }
        if let Some(default) = &p.default
            && let Some(msg) = violation(p, default)
        {
            out.push(Finding::error(
                positions.value(&join_key(&path, "default")),
                format!("default of `{}` {msg}", p.name),
            ));
        }
    }
    out
}

/// Validate `values` (a mapping found at `base`) against `params`. Unknown parameters, missing required ones and
/// every rule break are findings located at the offending value.
pub fn validate(params: &[ParamSpec], values: &Value, positions: &Positions, base: &str, owner: &str) -> Vec<Finding> {
    let mut out = Vec::new();
    let empty = serde_yaml::Mapping::new();
    let map = match values {
        Value::Mapping(m) => m,
        Value::Null => &empty,
        _ => {
            out.push(Finding::error(
                positions.value(base),
                format!("`{base}` must be a mapping of parameter names to values"),
            ));
            return out;
        }
    };
    for (k, v) in map {
        let key = k.as_str().unwrap_or_default();
        let path = join_key(base, key);
        match params.iter().find(|p| p.name == key) {
            None => {
                let f = Finding::error(positions.key(&path), format!("{owner} has no parameter `{key}`"));
                let names: Vec<&str> = params.iter().map(|p| p.name.as_str()).collect();
                out.push(match crate::diag::did_you_mean(key, names.iter().copied()) {
                    Some(s) => f.hint(format!("did you mean `{s}`?")),
                    None => f.hint(format!("parameters: {}", names.join(", "))),
                });
            }
            Some(p) => {
                if let Some(msg) = violation(p, v) {
                    let mut f = Finding::error(positions.value(&path), format!("parameter `{key}` {msg}"));
                    if let Some(d) = &p.description {
                        f = f.hint(d.clone());
                    }
                    out.push(f);
                }
            }
        }
    }
    for p in params.iter().filter(|p| p.required && p.default.is_none()) {
        if !map.contains_key(p.name.as_str()) {
            out.push(
                Finding::error(positions.value(base), format!("missing required parameter `{}`", p.name))
                    .hint(p.description.clone().unwrap_or_else(|| format!("add `{}:` under `{base}`", p.name))),
            );
        }
    }
    out
}

/// `pattern` compiled, or `None` when it does not compile. Compiled once per process: every request of a module
/// is checked against the same few patterns, and compiling them per request was a tenth of a cold load.
fn compiled(pattern: &str) -> Option<Regex> {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    /// Patterns come from module and path schemas, so there are few; the bound only keeps a daemon that sees
    /// many schema revisions from growing.
    const MAX_PATTERNS: usize = 1024;
    static CACHE: OnceLock<Mutex<HashMap<String, Option<Regex>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(hit) = cache.lock().expect("regex cache lock is never poisoned").get(pattern) {
        return hit.clone();
    }
    let re = Regex::new(pattern).ok();
    let mut cache = cache.lock().expect("regex cache lock is never poisoned");
    if cache.len() >= MAX_PATTERNS {
        cache.clear();
    }
    cache.insert(pattern.to_owned(), re.clone());
    re
}

/// Why `v` does not satisfy `p`, if it does not.
pub fn violation(p: &ParamSpec, v: &Value) -> Option<String> {
    if !p.ty.accepts(v) {
        return Some(format!("must be {}, not {}", p.ty.name(), describe(v)));
    }
    if let Some(allowed) = &p.allowed
        && !allowed.contains(v)
    {
        let list: Vec<String> = allowed.iter().map(describe).collect();
        return Some(format!("must be one of {}, not {}", list.join(", "), describe(v)));
    }
    if let (Some(pattern), Some(s)) = (&p.pattern, v.as_str())
        && compiled(pattern).is_some_and(|re| !re.is_match(s))
    {
        return Some(format!("`{s}` does not match `{pattern}`"));
    }
    if let Some(n) = v.as_f64()
        && (p.minimum.is_some_and(|min| n < min) || p.maximum.is_some_and(|max| n > max))
    {
        return Some(format!("{n} is outside the allowed range {}..={}", bound(p.minimum), bound(p.maximum)));
    }
    if let (Some(items), Value::Sequence(seq)) = (&p.items, v)
        && let Some((i, bad)) = seq.iter().enumerate().find(|(_, x)| !items.ty.accepts(x))
    {
        return Some(format!("item {i} must be {}, not {}", items.ty.name(), describe(bad)));
    }
    None
}

fn bound(b: Option<f64>) -> String {
    b.map_or_else(|| "…".to_owned(), |b| b.to_string())
}

fn describe(v: &Value) -> String {
    match v {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => format!("`{s}`"),
        Value::Sequence(_) => "a list".to_owned(),
        Value::Mapping(_) => "a mapping".to_owned(),
        Value::Tagged(_) => "a tagged value".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema() -> Vec<ParamSpec> {
        let docs = crate::yaml::parse(
            "- {name: sizeGb, type: integer, minimum: 1, maximum: 1000, default: 20}\n- {name: engine, type: string, enum: [postgres]}\n- {name: name, type: string, required: true, pattern: '^[a-z]+$'}\n",
        )
        .expect("yaml");
        serde_yaml::from_value(docs[0].value.clone()).expect("schema")
    }

    #[test]
    fn every_rule_is_checked_and_located() {
        let docs = crate::yaml::parse("p:\n  sizeGb: 5000\n  engine: mysql\n  nmae: x\n").expect("yaml");
        let f = validate(&schema(), &docs[0].value["p"], &docs[0].positions, "p", "module database");
        let got: Vec<_> = f.iter().map(|f| (f.pos.line, f.message.as_str())).collect();
        assert_eq!(got[0], (2, "parameter `sizeGb` 5000 is outside the allowed range 1..=1000"));
        assert_eq!(got[1], (3, "parameter `engine` must be one of `postgres`, not `mysql`"));
        assert_eq!(got[2], (4, "module database has no parameter `nmae`"));
        assert_eq!(f[2].hint.as_deref(), Some("did you mean `name`?"));
        assert_eq!(got[3].1, "missing required parameter `name`");
    }

    #[test]
    fn types_are_strict() {
        let p = &schema()[0];
        assert!(violation(p, &Value::String("20".into())).is_some());
        assert!(violation(p, &Value::Number(20u64.into())).is_none());
    }
}
