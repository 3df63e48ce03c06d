//! Typed decoding of YAML documents with located errors.
//!

pub use crate::diag::Finding;
use crate::diag::did_you_mean;
use crate::yaml::{Document, Positions};
use serde::de::DeserializeOwned;
use serde_yaml::Value;

/// Decode `value` (found at `base` inside `doc`) into `T`, turning serde's first complaint into a located
/// finding with a did-you-mean hint for unknown fields and variants.
pub fn decode<T: DeserializeOwned>(value: &Value, positions: &Positions, base: &str) -> Result<T, Finding> {
    serde_path_to_error::deserialize(value).map_err(|err| {
        let inner = err.path().to_string();
        let path = match (base.is_empty(), inner == ".") {
            (_, true) => base.to_owned(),
            (true, false) => inner,
            (false, false) => format!("{base}.{inner}"),
        };
        let message = err.inner().to_string();
        located_serde_error(&path, positions, &message)
    })
}

/// Decode a whole document.
pub fn decode_doc<T: DeserializeOwned>(doc: &Document) -> Result<T, Finding> {
    decode(&doc.value, &doc.positions, "")
}

fn located_serde_error(path: &str, positions: &Positions, message: &str) -> Finding {
    // serde's messages end in " at line N column M" only for its own parser; ours come from a Value, so they don't.
    let (what, expected) = match message.split_once(", expected ") {
        Some((what, expected)) => (what, Some(expected)),
        None => (message, None),
    };
    if let Some(field) = backticked(what).filter(|_| what.starts_with("unknown field")) {
        let field_path = if path.ends_with(field) { path.to_owned() } else { crate::yaml::join_key(path, field) };
        let known = expected.map(backticked_all).unwrap_or_default();
        let mut f = Finding::error(
            positions.key(&field_path),
            format!("unknown field `{field}` at `{}`", parent_of(&field_path)),
        );
        f = match did_you_mean(field, known.iter().copied()) {
            Some(s) => f.hint(format!("did you mean `{s}`?")),
            None if !known.is_empty() => f.hint(format!("known fields here: {}", known.join(", "))),
            None => f,
        };
        return f;
    }
    if let Some(variant) = backticked(what).filter(|_| what.starts_with("unknown variant")) {
        let known = expected.map(backticked_all).unwrap_or_default();
        let f = Finding::error(positions.value(path), format!("`{path}`: unknown value `{variant}`"));
        return match did_you_mean(variant, known.iter().copied()) {
            Some(s) => f.hint(format!("did you mean `{s}`? allowed: {}", known.join(", "))),
            None => f.hint(format!("allowed: {}", known.join(", "))),
        };
    }
    if let Some(field) = backticked(what).filter(|_| what.starts_with("missing field")) {
        let at = if path.is_empty() { String::new() } else { format!(" in `{path}`") };
        return Finding::error(positions.value(path), format!("missing required field `{field}`{at}"))
            .hint(format!("add `{field}:`"));
    }
    let shown = if path.is_empty() { "document".to_owned() } else { format!("`{path}`") };
    let f = Finding::error(positions.value(path), format!("{shown}: {what}"));
    match expected {
        Some(e) => f.hint(format!("expected {e}")),
        None => f,
    }
}

fn parent_of(path: &str) -> &str {
    match path.rfind('.') {
        Some(i) => &path[..i],
        None => "top level",
    }
}

fn backticked(s: &str) -> Option<&str> {
    let start = s.find('`')? + 1;
    let end = start + s[start..].find('`')?;
    Some(&s[start..end])
}

fn backticked_all(s: &str) -> Vec<&str> {
    s.split('`').skip(1).step_by(2).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::Pos;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Outer {
        spec: Inner,
    }
    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        forge: Option<String>,
        count: Option<u32>,
    }

    fn err(text: &str) -> Finding {
        let docs = crate::yaml::parse(text).expect("valid yaml");
        decode_doc::<Outer>(&docs[0]).expect_err("must fail")
    }

    #[test]
    fn unknown_field_points_at_key_with_hint() {
        let f = err("spec:\n  forgee: x\n");
        assert_eq!(f.pos, Pos::new(2, 3));
        assert!(f.message.contains("unknown field `forgee`"), "{f:?}");
        assert_eq!(f.hint.as_deref(), Some("did you mean `forge`?"));
    }

    #[test]
    fn wrong_type_points_at_value() {
        let f = err("spec:\n  count: [1]\n");
        assert_eq!(f.pos, Pos::new(2, 10));
        assert!(f.message.starts_with("`spec.count`: invalid type: sequence"), "{f:?}");
    }

    #[test]
    fn missing_field_points_at_parent() {
        let f = err("other: 1\n");
        assert!(f.message.contains("unknown field `other`") || f.message.contains("missing"), "{f:?}");
    }
}
