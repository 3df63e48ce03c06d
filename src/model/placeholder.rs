//! Backstage's placeholders in catalog files: `$text`, `$json` and `$yaml`, resolved as the catalog's
//! `PlaceholderProcessor` resolves them, but from the platform repo only.
//!
//! A placeholder is a mapping with exactly one key, `$text`, `$json` or `$yaml`, whose value is a string: the file
//! to pull in, relative to the file of the entity (`definition: {$text: ./openapi.yaml}`). It is replaced by the
//! file's text, or by the data of its one JSON or YAML document, before the entity is judged. Any other `$` key
//! (`$ref` in an inline OpenAPI definition) is left alone, as Backstage leaves it.
//!
//! paved reads only the snapshot it loads: a path that leaves the repo or is absolute is an error at the
//! placeholder, and so is a file over [`crate::source::MAX_FILE_BYTES`]. A URL (`https://…`) is left as it is,
//! unresolved and unjudged: Backstage fetches it at ingestion, paved never reaches out.

use super::decode::Finding;
use crate::diag::Pos;
use crate::source::{Snapshot, resolve_inside};
use crate::yaml::{Document, Positions, join_index, join_key};
use serde_yaml::Value;

/// How a placeholder's file is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolver {
    Text,
    Json,
    Yaml,
}

impl Resolver {
    pub fn key(self) -> &'static str {
        match self {
            Resolver::Text => "$text",
            Resolver::Json => "$json",
            Resolver::Yaml => "$yaml",
        }
    }
}

/// The placeholder `v` is, if it is one: its resolver and the file it names.
pub fn of(v: &Value) -> Option<(Resolver, &str)> {
    let Value::Mapping(m) = v else { return None };
    if m.len() != 1 {
        return None;
    }
    let (key, value) = m.iter().next()?;
    let resolver = match key.as_str()? {
        "$text" => Resolver::Text,
        "$json" => Resolver::Json,
        "$yaml" => Resolver::Yaml,
        _ => return None,
    };
    Some((resolver, value.as_str()?))
}

/// Whether any node of `v` is a placeholder.
pub fn any(v: &Value) -> bool {
    of(v).is_some()
        || match v {
            Value::Mapping(m) => m.values().any(any),
            Value::Sequence(items) => items.iter().any(any),
            _ => false,
        }
}

/// The repo-relative paths of the files the placeholders of `v` pull in, from the entity file at `file` (those
/// that name one inside the repo).
pub fn targets(v: &Value, file: &str, out: &mut Vec<String>) {
    match (of(v), v) {
        (Some((_, target)), _) => out.extend(inside(file, target).ok().flatten()),
        (None, Value::Mapping(m)) => m.values().for_each(|child| targets(child, file, out)),
        (None, Value::Sequence(items)) => items.iter().for_each(|child| targets(child, file, out)),
        _ => {}
    }
}

/// Where `target`, written in the entity file at `file`, points in the repo: `None` for a URL (left to Backstage).
fn inside(file: &str, target: &str) -> Result<Option<String>, String> {
    if target.contains("://") {
        return Ok(None);
    }
    if target.starts_with('/') {
        return Err(format!("`{target}` is an absolute path"));
    }
    match resolve_inside(file, target) {
        Some(path) if !path.is_empty() => Ok(Some(path)),
        _ => Err(format!("`{target}` leaves the platform repo")),
    }
}

/// `doc`, the document of an entity in the file at `file` of `snapshot`, with every placeholder replaced by what
/// it pulls in. A placeholder that cannot be resolved is left in place, with an error at it in `findings`.
/// `pulled` counts the bytes the placeholders of `file` pulled in so far, across its documents: a file may pull
/// in at most [`MAX_PULLED_BYTES`].
pub fn resolve(
    snapshot: &Snapshot,
    file: &str,
    doc: &Document,
    pulled: &mut u64,
    findings: &mut Vec<Finding>,
) -> Document {
    let mut value = doc.value.clone();
    substitute(&mut value, "", &doc.positions, &mut |resolver, target, at| {
        pull_in(snapshot, file, resolver, target, pulled).map_err(|(message, hint)| {
            findings.push(Finding::error(at, format!("`{}: {target}`: {message}", resolver.key())).hint(hint));
        })
    });
    Document { value, positions: doc.positions.clone(), start: doc.start }
}

/// What the placeholders of one file may pull in, in all: a few files at the size limit. Found by the property
/// tests (tests/props): without a total, one placeholder copied by YAML aliases read its file again for every
/// copy (200 aliases of a 1 MiB file: 200 MiB), and so did each of a file's documents.
pub const MAX_PULLED_BYTES: u64 = 4 * crate::source::MAX_FILE_BYTES;

type Pulled = Result<Option<Value>, (String, String)>;

fn substitute(
    v: &mut Value,
    path: &str,
    p: &Positions,
    pull: &mut impl FnMut(Resolver, &str, Pos) -> Result<Option<Value>, ()>,
) {
    if let Some((resolver, target)) = of(v) {
        let target = target.to_owned();
        // At the file's name, where the fix goes.
        if let Ok(Some(pulled)) = pull(resolver, &target, p.value(&join_key(path, resolver.key()))) {
            *v = pulled;
        }
        return;
    }
    match v {
        Value::Mapping(m) => {
            for (k, child) in m.iter_mut() {
                if let Some(k) = k.as_str() {
                    substitute(child, &join_key(path, k), p, pull);
                }
            }
        }
        Value::Sequence(items) => {
            for (i, child) in items.iter_mut().enumerate() {
                substitute(child, &join_index(path, i), p, pull);
            }
        }
        _ => {}
    }
}

/// What one placeholder pulls in: `None` for a URL; an error message and hint when it cannot be had.
fn pull_in(snapshot: &Snapshot, file: &str, resolver: Resolver, target: &str, pulled: &mut u64) -> Pulled {
    let fix = "name a file in the platform repo, relative to this file, e.g. `./openapi.yaml`".to_owned();
    let Some(path) = inside(file, target).map_err(|m| (m, fix.clone()))? else { return Ok(None) };
    let entry = snapshot.get(&path).ok_or_else(|| (format!("no file {path} in the repo"), fix.clone()))?;
    *pulled = pulled.saturating_add(entry.size);
    if *pulled > MAX_PULLED_BYTES {
        return Err((
            format!("the placeholders of this file pull in more than {} MiB in all", MAX_PULLED_BYTES >> 20),
            "pull each file in once: an alias of a placeholder reads the file again for every copy".to_owned(),
        ));
    }
    let text = snapshot.read_text(entry).map_err(|f| {
        let at = if f.pos.line > 0 { format!(" (at {}:{}:{})", path, f.pos.line, f.pos.col) } else { String::new() };
        (format!("{path}: {}{at}", f.message), f.hint.unwrap_or(fix))
    })?;
    let bad = |what: &str, e: String| {
        (format!("{path} is not valid {what}: {e}"), format!("fix {path}, or pull it in with `$text`"))
    };
    Ok(Some(match resolver {
        Resolver::Text => Value::String(text),
        Resolver::Json => serde_json::from_str::<Value>(&text).map_err(|e| bad("JSON", e.to_string()))?,
        Resolver::Yaml => {
            let mut docs = crate::yaml::parse(&text)
                .map_err(|e| bad("YAML", format!("{} at {}:{}", e.message, e.pos.line, e.pos.col)))?;
            if docs.len() != 1 {
                return Err((
                    format!("{path} has {} YAML documents; `$yaml` takes exactly one", docs.len()),
                    "split the file, or pull it in with `$text`".to_owned(),
                ));
            }
            docs.remove(0).value
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(text: &str) -> Value {
        serde_yaml::from_str(text).expect("yaml")
    }

    #[test]
    fn only_a_lone_dollar_key_of_a_known_resolver_with_a_string_is_a_placeholder() {
        assert_eq!(of(&value("$text: ./a.yaml")), Some((Resolver::Text, "./a.yaml")));
        assert_eq!(of(&value("$yaml: b.yaml")), Some((Resolver::Yaml, "b.yaml")));
        assert_eq!(of(&value("$ref: '#/components/x'")), None, "JSON Schema's $ref is left alone");
        assert_eq!(of(&value("{$text: a, other: b}")), None, "more than one key: left alone, as Backstage does");
        assert_eq!(of(&value("$json: [a]")), None, "not a string: left alone");
        assert!(any(&value("spec:\n  definition:\n    $text: ./x\n")));
        assert!(!any(&value("spec:\n  definition: |\n    $text: ./x\n")));
    }

    #[test]
    fn targets_stay_inside_the_repo() {
        assert_eq!(inside("catalog/apis/a.yaml", "./petstore.yaml"), Ok(Some("catalog/apis/petstore.yaml".into())));
        assert_eq!(inside("catalog/apis/a.yaml", "../../openapi/x.json"), Ok(Some("openapi/x.json".into())));
        assert_eq!(inside("catalog/a.yaml", "https://example.com/x.yaml"), Ok(None));
        assert!(inside("catalog/a.yaml", "../../etc/passwd").is_err());
        assert!(inside("catalog/a.yaml", "/etc/passwd").is_err());
    }

    /// Found by the property tests (tests/props): aliases of one placeholder pulled its file in once per copy.
    #[test]
    fn aliases_of_a_placeholder_pull_in_a_bounded_total() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        std::fs::create_dir(dir.path().join("catalog")).expect("mkdir");
        std::fs::write(dir.path().join("catalog/big.txt"), "x".repeat(1 << 20)).expect("write");
        let aliases = vec!["*big"; 40].join(", ");
        let text = format!("a: &big {{$text: ./big.txt}}\nb: [{aliases}]\n");
        std::fs::write(dir.path().join("catalog/e.yaml"), &text).expect("write");
        let snapshot = Snapshot::worktree(dir.path()).expect("snapshot");
        let doc = crate::yaml::parse(&text).expect("yaml").remove(0);
        let mut findings = Vec::new();
        let resolved = resolve(&snapshot, "catalog/e.yaml", &doc, &mut 0, &mut findings);
        let texts = resolved.value["b"].as_sequence().expect("a list").iter().filter(|v| v.is_string()).count();
        assert_eq!(texts + 1, 4, "four copies fit in {MAX_PULLED_BYTES} bytes");
        assert_eq!(findings.len(), 37, "{findings:?}");
        assert!(findings[0].message.contains("pull in more than 4 MiB"), "{:?}", findings[0]);
    }
}
