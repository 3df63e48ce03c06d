//! The quarterly deprecation proposal: from this quarter's sunset candidates ([`super::adoption`]), the manifest
//! edits and the PR text that propose deprecating them. Pure: `ops::sunset` reads the manifests from the forge and
//! opens the PR.
//!
//! A manifest is edited as text, one line: `deprecated: true` under `spec:` (or an existing `deprecated:` line
//! rewritten), so the owners' comments and key order survive the review. The edit is checked by parsing both
//! versions: anything but that one key changing is refused.

use super::adoption::{Kind, Usage};
use serde_yaml::Value;
use std::collections::BTreeMap;
use std::fmt::Write;

/// Lists the manifests a proposal changed, so a later run can restore those no longer proposed.
const MARKER: &str = "<!-- paved:deprecate";

/// The PR of one quarter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposal {
    pub branch: String,
    pub title: String,
    pub body: String,
    /// Manifest path to its edited text.
    pub files: BTreeMap<String, String>,
}

/// The branch of a quarter's proposal (`2026-Q4`).
pub fn branch(quarter: &str) -> String {
    format!("paved/deprecate/{quarter}")
}

/// The manifests an earlier proposal's body says it changed.
pub fn proposed_manifests(body: &str) -> Vec<String> {
    body.lines()
        .filter_map(|l| l.strip_prefix(MARKER)?.strip_suffix("-->"))
        .flat_map(|l| l.split_whitespace().map(str::to_owned).collect::<Vec<_>>())
        .collect()
}

/// Set `spec.deprecated: true` in a manifest's text, changing one line.
///
/// # Errors
/// No block `spec:` mapping, YAML that does not parse, or an edit that would change more than that key.
pub fn set_deprecated(path: &str, text: &str, quarter: &str) -> Result<String, String> {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let spec = lines
        .iter()
        .position(|l| {
            l.strip_prefix("spec:").is_some_and(|rest| rest.trim().is_empty() || rest.trim().starts_with('#'))
        })
        .ok_or_else(|| format!("{path}: no top-level block `spec:` mapping to mark deprecated"))?;
    let block_end = lines[spec + 1..]
        .iter()
        .position(|l| l.starts_with(|c: char| !c.is_whitespace() && c != '#'))
        .map_or(lines.len(), |i| spec + 1 + i);
    let indent = lines[spec + 1..block_end]
        .iter()
        .find(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .map_or(2, |l| l.len() - l.trim_start().len());
    let pad = " ".repeat(indent);
    let line = format!("{pad}deprecated: true  # proposed by paved's sunset review of {quarter}\n");
    let existing = (spec + 1..block_end)
        .find(|&i| lines[i].strip_prefix(pad.as_str()).is_some_and(|rest| rest.starts_with("deprecated:")));
    let mut out: Vec<&str> = lines.clone();
    match existing {
        Some(i) => out[i] = &line,
        None => out.insert(spec + 1, &line),
    }
    let edited = out.concat();
    check_only_deprecated_changed(path, text, &edited)?;
    Ok(edited)
}

fn check_only_deprecated_changed(path: &str, before: &str, after: &str) -> Result<(), String> {
    let parse = |t: &str| serde_yaml::from_str::<Value>(t).map_err(|e| format!("{path}: {e}"));
    let (mut a, mut b) = (parse(before)?, parse(after)?);
    let deprecated = b.get("spec").and_then(|s| s.get("deprecated")).cloned();
    if deprecated != Some(Value::Bool(true)) {
        return Err(format!("{path}: could not set spec.deprecated (the manifest's layout is unusual)"));
    }
    for doc in [&mut a, &mut b] {
        if let Some(spec) = doc.get_mut("spec").and_then(Value::as_mapping_mut) {
            spec.remove("deprecated");
        }
    }
    if a != b {
        return Err(format!("{path}: marking it deprecated would change more than spec.deprecated"));
    }
    Ok(())
}

fn why(u: &Usage, min: u32) -> String {
    let teams = match u.teams.len() {
        1 => "1 consuming team".to_owned(),
        n => format!("{n} consuming teams"),
    };
    match u.kind {
        Kind::Path => format!("{teams} (fewer than {min})"),
        Kind::Capability => format!(
            "{teams} (fewer than {min}); last request added or changed {}",
            u.last_use.map_or("never (no history)".to_owned(), |t| t.format("%Y-%m-%d").to_string())
        ),
    }
}

fn remaining(u: &Usage) -> String {
    if u.consumers.is_empty() {
        return "none".to_owned();
    }
    let teams: Vec<String> = u.teams.iter().map(|t| format!("`{t}`")).collect();
    let uses: Vec<String> = u.consumers.iter().map(|c| format!("`{c}`")).collect();
    let teams = if teams.is_empty() { "no owner".to_owned() } else { teams.join(", ") };
    format!("teams {teams}; {} {}", if u.kind == Kind::Path { "components" } else { "requests" }, uses.join(", "))
}

/// The proposal for `candidates` (non-empty), given each candidate's manifest text on the default branch.
///
/// # Errors
/// A manifest missing from `manifests`, or one that cannot be edited (see [`set_deprecated`]).
pub fn proposal(
    quarter: &str,
    min: u32,
    candidates: &[Usage],
    manifests: &BTreeMap<String, String>,
) -> Result<Proposal, String> {
    let mut files = BTreeMap::new();
    for u in candidates {
        let text = manifests.get(&u.manifest).ok_or_else(|| format!("{} is not on the default branch", u.manifest))?;
        files.insert(u.manifest.clone(), set_deprecated(&u.manifest, text, quarter)?);
    }
    let title = format!("Sunset review {quarter}: deprecate {}", names(candidates));
    let mut body = format!(
        "paved's sunset review of {quarter} found what too few teams use: fewer than {min} consuming teams \
         (`platform.yaml` `spec.sunset.minConsumers`), and for capabilities no request added or changed for a whole \
         quarter. This PR proposes deprecating them.\n\n\
         | | name | why | still used by |\n|---|---|---|---|\n"
    );
    for u in candidates {
        let kind = if u.kind == Kind::Path { "paved path" } else { "capability" };
        let _ = writeln!(body, "| {kind} | `{}` | {} | {} |", u.name, why(u, min), remaining(u));
    }
    body.push_str(
        "\n### What merging does\n\n\
         - Sets `deprecated: true` in each manifest above; nothing else in them changes.\n\
         - Nothing is removed: existing requests stay provisioned and services keep their path.\n\
         - New and existing requests for a deprecated capability, and components on a deprecated path, get a \
         warning at their `path:line:col` in `paved validate` and in PR plans; `paved scaffold` of a deprecated \
         path warns.\n\
         - `scorecards/adoption.md` marks them deprecated.\n\n\
         Closing this PR keeps them all: paved does not reopen it this quarter. To keep only some, close it and \
         set `deprecated: true` by hand in the others: edits to these manifests pushed to this branch are \
         overwritten by paved's next run.\n\n",
    );
    let listed: Vec<&str> = files.keys().map(String::as_str).collect();
    let _ = writeln!(body, "{MARKER} {} -->", listed.join(" "));
    Ok(Proposal { branch: branch(quarter), title, body, files })
}

fn names(candidates: &[Usage]) -> String {
    let names: Vec<&str> = candidates.iter().map(|u| u.name.as_str()).collect();
    match names.as_slice() {
        [one] => one.to_string(),
        [first, second] => format!("{first} and {second}"),
        _ => format!("{} and {} more", names[..2].join(", "), names.len() - 2),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MODULE: &str = "apiVersion: paved.dev/v1\nkind: Module\nmetadata:\n  name: queue\n  # the platform team owns it\n  owner: group:platform-core\nspec:\n    # semver of the module\n    version: 1.0.0\n    description: a queue\n";

    #[test]
    fn one_line_is_added_under_spec_and_comments_survive() {
        let out = set_deprecated("modules/queue/module.yaml", MODULE, "2026-Q4").expect("edit");
        assert_eq!(
            out,
            MODULE.replace("spec:\n", "spec:\n    deprecated: true  # proposed by paved's sunset review of 2026-Q4\n")
        );
    }

    #[test]
    fn an_existing_deprecated_false_is_rewritten_not_duplicated() {
        let text = format!("{MODULE}    deprecated: false\nstatus: {{}}\n");
        let out = set_deprecated("m.yaml", &text, "2026-Q4").expect("edit");
        assert_eq!(out.matches("deprecated:").count(), 1, "{out}");
        assert!(out.contains("    deprecated: true  #") && out.ends_with("status: {}\n"), "{out}");
    }

    #[test]
    fn a_manifest_without_a_block_spec_is_refused_with_its_path() {
        let err = set_deprecated("paths/x/path.yaml", "kind: PavedPath\nspec: {version: 1.0.0}\n", "2026-Q4")
            .expect_err("flow mapping");
        assert!(err.starts_with("paths/x/path.yaml: no top-level block `spec:`"), "{err}");
    }

    #[test]
    fn the_body_lists_the_manifests_for_the_next_run() {
        let u = Usage {
            kind: Kind::Capability,
            name: "queue".into(),
            manifest: "modules/queue/module.yaml".into(),
            deprecated: false,
            teams: ["data".to_owned()].into(),
            consumers: vec!["data/events".into()],
            last_use: crate::evidence::parse_time("2026-03-02T00:00:00Z"),
            candidate: true,
        };
        let manifests = [(u.manifest.clone(), MODULE.to_owned())].into();
        let p = proposal("2026-Q4", 2, &[u], &manifests).expect("proposal");
        assert_eq!(p.branch, "paved/deprecate/2026-Q4");
        assert!(p.body.contains("| capability | `queue` | 1 consuming team (fewer than 2); last request added or changed 2026-03-02 | teams `data`; requests `data/events` |"), "{}", p.body);
        assert_eq!(proposed_manifests(&p.body), vec!["modules/queue/module.yaml"]);
    }
}
