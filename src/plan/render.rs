//! Plans for people and machines: text for terminals, markdown for PR comments, JSON for tools.
//!
//! The JSON form is one object: `{"basis": {"desired", "observed"}, "errored", "complete", "actions": [{"id",
//! "kind", "target", "reason", "change": {"op", "path"}}]}`.

use super::{FileChange, Plan, Texts};
use std::fmt::Write;

/// GitHub refuses comments longer than this many characters.
pub const GITHUB_COMMENT_LIMIT: usize = 65_536;

pub fn text(plan: &Plan) -> String {
    let mut out = Vec::new();
    write_text(plan, &mut out).expect("writing to memory cannot fail");
    String::from_utf8(out).expect("the plan's text is UTF-8")
}

/// [`text`], written as it is made: a 50,000-service plan's text is tens of MiB, not worth holding whole.
pub fn write_text(plan: &Plan, out: &mut impl std::io::Write) -> std::io::Result<()> {
    writeln!(out, "{}", summary(plan))?;
    for a in &plan.actions {
        let sign = match a.change {
            FileChange::Write { before: None, .. } => '+',
            FileChange::Write { .. } => '~',
            FileChange::Delete { .. } => '-',
        };
        writeln!(out, "  {sign} {:<14} {:<40} {}  [{}]", a.kind.as_str(), a.target, a.reason, a.id)?;
    }
    for a in &plan.forge {
        writeln!(out, "  > {:<14} {:<40} {}  [{}]", a.kind.as_str(), a.target, a.reason, a.id)?;
    }
    Ok(())
}

pub fn summary(plan: &Plan) -> String {
    let count = |f: fn(&FileChange) -> bool| plan.actions.iter().filter(|a| f(&a.change)).count();
    let create = count(|c| matches!(c, FileChange::Write { before: None, .. }));
    let update = count(|c| matches!(c, FileChange::Write { before: Some(_), .. }));
    let delete = count(|c| matches!(c, FileChange::Delete { .. }));
    let on_forge = match plan.forge.len() {
        0 => String::new(),
        n => format!(", {n} on the forge"),
    };
    let mut s = if plan.is_empty() {
        format!("No changes: reality matches {}.", short(&plan.basis.desired))
    } else {
        format!(
            "Plan: {create} to create, {update} to update, {delete} to delete{on_forge} (desired {}, observed {}).",
            short(&plan.basis.desired),
            plan.basis.observed
        )
    };
    if plan.errored {
        s.push_str(" The desired state has errors: invalid entities keep their last state.");
    }
    if !plan.complete {
        s.push_str(" The forge was not observed: repo drift is not reported.");
    }
    s
}

fn short(rev: &str) -> &str {
    &rev[..rev.len().min(12)]
}

/// Markdown for a PR comment: summary on top, a table, and each diff folded; never over GitHub's limit.
pub fn markdown(plan: &Plan) -> String {
    let mut out = format!("### paved plan\n\n{}\n\n", summary(plan));
    if plan.is_empty() {
        return out;
    }
    out.push_str("| | action | target | reason |\n|---|---|---|---|\n");
    for a in &plan.forge {
        let _ = writeln!(out, "| 🔀 | `{}` | `{}` | {} |", a.kind.as_str(), a.target, a.reason.replace('|', "\\|"));
    }
    for a in &plan.actions {
        let sign = match a.change {
            FileChange::Write { before: None, .. } => "➕",
            FileChange::Write { .. } => "✏️",
            FileChange::Delete { .. } => "🗑️",
        };
        let _ = writeln!(out, "| {sign} | `{}` | `{}` | {} |", a.kind.as_str(), a.target, a.reason.replace('|', "\\|"));
    }
    let footer = "\n_Some details were left out to stay under GitHub's comment size limit; run `paved plan` locally for all of them._\n";
    let budget = GITHUB_COMMENT_LIMIT - footer.len() - 64;
    let mut truncated = false;
    // A plan made to be shown as text has no texts to diff.
    let diffs = if plan.texts == Texts::Kept { plan.actions.as_slice() } else { &[] };
    for a in diffs {
        let diff = diff_of(&a.change);
        let block = format!(
            "\n<details><summary><code>{}</code> {}</summary>\n\n```diff\n{}```\n</details>\n",
            a.change.path(),
            a.target,
            diff
        );
        if out.len() + block.len() > budget {
            truncated = true;
            break;
        }
        out.push_str(&block);
    }
    if truncated {
        out.push_str(footer);
    }
    out
}

/// A unified diff of one file change.
pub fn diff_of(change: &FileChange) -> String {
    let (before, after) = match change {
        FileChange::Write { before, after, .. } => (before.as_deref().unwrap_or(""), after.as_str()),
        FileChange::Delete { before, .. } => (before.as_str(), ""),
    };
    similar::TextDiff::from_lines(before, after).unified_diff().context_radius(2).header("before", "after").to_string()
}

pub fn json(plan: &Plan) -> String {
    serde_json::to_string_pretty(plan).expect("a Plan always serializes")
}

/// [`json`], written as it is made.
pub fn write_json(plan: &Plan, out: &mut impl std::io::Write) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, plan).map_err(std::io::Error::from)
}
