//! HCL literals from data. Strings are quoted with every character that HCL would interpret escaped, including
//! template sequences (`${` → `$${`, `%{` → `%%{`), so data stays data.

use serde_yaml::Value;
use std::fmt::Write;

/// An HCL expression for `v`.
pub fn literal(v: &Value) -> String {
    match v {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => string(s),
        Value::Sequence(items) => format!("[{}]", items.iter().map(literal).collect::<Vec<_>>().join(", ")),
        Value::Mapping(m) => {
            let mut out = String::from("{");
            for (i, (k, v)) in m.iter().enumerate() {
                let key = k.as_str().map(string).unwrap_or_else(|| string(&literal(k)));
                let _ = write!(out, "{}{key} = {}", if i == 0 { " " } else { ", " }, literal(v));
            }
            out.push_str(if m.is_empty() { "}" } else { " }" });
            out
        }
        Value::Tagged(t) => literal(&t.value),
    }
}

/// A quoted HCL string.
pub fn string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' | '%' if chars.peek() == Some(&'{') => {
                out.push(c);
                out.push(c);
            }
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Is `name` usable as an HCL identifier (a variable or block label) as written?
pub fn is_identifier(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn injection_stays_data() {
        assert_eq!(string("a\"b"), r#""a\"b""#);
        assert_eq!(string("${file(\"/etc/passwd\")}"), r#""$${file(\"/etc/passwd\")}""#);
        assert_eq!(string("%{ if true }x%{ endif }"), r#""%%{ if true }x%%{ endif }""#);
        assert_eq!(string("line\n}\nresource \"x\" \"y\" {"), r#""line\n}\nresource \"x\" \"y\" {""#);
        assert_eq!(string("cost $5 or 5%"), r#""cost $5 or 5%""#);
    }

    #[test]
    fn structures() {
        let v: Value = serde_yaml::from_str("{a: [1, true, x], b: {c: null}}").expect("yaml");
        assert_eq!(literal(&v), r#"{ "a" = [1, true, "x"], "b" = { "c" = null } }"#);
    }
}
