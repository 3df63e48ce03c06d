//! The PR comment: a one-line summary on top, a table of requests, denials and warnings spelled out, each rendered
//! diff folded in `<details>`, the policy impact report — never longer than GitHub's 65,536-character limit. When
//! the budget runs out, diffs go first, then table rows, each replaced by a note saying how many were left out.

use super::{Change, Review};
use crate::plan::render::GITHUB_COMMENT_LIMIT;
use std::collections::BTreeSet;
use std::fmt::Write;

/// Render `review` as the PR's comment.
pub fn render(review: &Review) -> String {
    let mut head = String::new();
    let _ = writeln!(head, "### paved plan\n\n{}\n", summary(review, &review.approvers_missing));
    for e in review.head_errors.iter().take(20) {
        let _ = writeln!(head, "- ❌ `{}:{}:{}` {}", e.path, e.line, e.col, escape(&e.message));
    }
    if review.head_errors.len() > 20 {
        let _ = writeln!(head, "- … and {} more errors (run `paved validate`)", review.head_errors.len() - 20);
    }
    for r in &review.requests {
        if let Some(err) = &r.error {
            let _ = writeln!(head, "- ❌ `{}`: {}", r.key, escape(err));
        }
        for d in r.verdict.iter().flat_map(|v| &v.deny) {
            let _ = writeln!(head, "- ❌ `{}` denied by `{}`: {}", r.key, d.policy, escape(&d.message));
        }
        for w in r.verdict.iter().flat_map(|v| &v.warn) {
            let _ = writeln!(head, "- ⚠️ `{}` ({}): {}", r.key, w.policy, escape(&w.message));
        }
    }
    if !head.ends_with("\n\n") {
        head.push('\n');
    }

    let mut rows = Vec::new();
    for r in &review.requests {
        let verdict = match (&r.verdict, &r.error) {
            (_, Some(_)) => "❌ error".to_owned(),
            (Some(v), _) if !v.allowed() => "❌ denied".to_owned(),
            (Some(v), _) if !v.warn.is_empty() => "⚠️ warned".to_owned(),
            (Some(_), _) => "✅ allowed".to_owned(),
            (None, _) => "—".to_owned(),
        };
        let approvers: Vec<&str> = r.verdict.iter().flat_map(|v| &v.approvers).map(String::as_str).collect();
        rows.push(format!(
            "| `{}` | {} | {} | {} | {} | {} |\n",
            r.key,
            change_word(r.change),
            r.capability,
            r.environment,
            verdict,
            if approvers.is_empty() { "—".to_owned() } else { approvers.join(", ") }
        ));
    }
    let mut impact = String::new();
    if let Some(rows) = &review.impact {
        let _ = writeln!(impact, "\n#### Policy impact\n\nThis PR changes {}.", review.policies_changed.join(", "));
        if rows.is_empty() {
            impact.push_str(" No existing request's verdict changes.\n");
        } else {
            let _ = writeln!(impact, " {} existing request(s) would be judged differently:\n", rows.len());
            impact.push_str("| request | now | with this PR |\n|---|---|---|\n");
            for i in rows {
                let _ = writeln!(impact, "| `{}` | {} | {} |", i.key, describe(&i.before), describe(&i.after));
            }
        }
    }
    let details: Vec<String> = review
        .requests
        .iter()
        .map(|r| {
            format!(
                "\n<details><summary><code>{}</code>: rendered Terraform</summary>\n\n```diff\n{}```\n</details>\n",
                r.key, r.diff
            )
        })
        .collect();

    assemble(head, rows, impact, details)
}

/// Fit the parts under the limit: the head and summary always; then table rows; then impact; then diffs.
fn assemble(head: String, rows: Vec<String>, mut impact: String, details: Vec<String>) -> String {
    const TABLE_HEAD: &str =
        "| request | change | capability | environment | verdict | approvers |\n|---|---|---|---|---|---|\n";
    let budget = GITHUB_COMMENT_LIMIT - 300;
    let mut out = head;
    if !rows.is_empty() {
        out.push_str(TABLE_HEAD);
    }
    let mut shown = 0;
    for row in &rows {
        if out.len() + row.len() + impact.len().min(budget / 4) > budget {
            break;
        }
        out.push_str(row);
        shown += 1;
    }
    if shown < rows.len() {
        let _ = writeln!(
            out,
            "\n_{} more request(s) left out to stay under GitHub's comment size limit; run `paved plan --base … --head …` for all._",
            rows.len() - shown
        );
    }
    if out.len() + impact.len() > budget {
        let cut = budget.saturating_sub(out.len() + 120);
        let mut end = cut.min(impact.len());
        while !impact.is_char_boundary(end) {
            end -= 1;
        }
        impact.truncate(impact[..end].rfind('\n').unwrap_or(0));
        impact.push_str("\n\n_Impact report truncated to stay under GitHub's comment size limit._\n");
    }
    out.push_str(&impact);
    let mut left_out = 0;
    for d in &details {
        if out.len() + d.len() > budget {
            left_out += 1;
            continue;
        }
        out.push_str(d);
    }
    if left_out > 0 {
        let _ = writeln!(out, "\n_{left_out} rendered diff(s) left out to stay under the size limit._");
    }
    out
}

fn summary(review: &Review, missing: &BTreeSet<String>) -> String {
    let count = |c: Change| review.requests.iter().filter(|r| r.change == c).count();
    let mut parts = vec![format!(
        "**{} request(s)**: {} added, {} changed, {} removed",
        review.requests.len(),
        count(Change::Added),
        count(Change::Changed),
        count(Change::Removed)
    )];
    let denied = review.denied();
    if !review.head_errors.is_empty() {
        parts.push(format!("❌ {} validation error(s)", review.head_errors.len()));
    }
    if denied > 0 {
        parts.push(format!("❌ {denied} denied"));
    } else if review.head_errors.is_empty() {
        parts.push("✅ policies pass".to_owned());
    }
    if !missing.is_empty() {
        parts.push(format!(
            "approval needed from {}",
            missing.iter().map(|g| format!("`{g}`")).collect::<Vec<_>>().join(", ")
        ));
    }
    if let Some(i) = &review.impact {
        parts.push(format!("policy change affects {} existing request(s)", i.len()));
    }
    format!("{} — judged by the base branch at `{}`, head `{}`.", parts.join(" · "), review.base, review.head)
}

fn change_word(c: Change) -> &'static str {
    match c {
        Change::Added => "➕ added",
        Change::Changed => "✏️ changed",
        Change::Removed => "🗑️ removed",
    }
}

fn describe(v: &crate::policy::Verdict) -> String {
    let mut s = v.outcome().to_owned();
    if !v.deny.is_empty() {
        s = format!("{s}: {}", escape(&v.deny.iter().map(|m| m.message.as_str()).collect::<Vec<_>>().join("; ")));
    }
    if !v.approvers.is_empty() {
        s = format!("{s} (approvers: {})", v.approvers.iter().cloned().collect::<Vec<_>>().join(", "));
    }
    s
}

/// Keep user text from breaking the table or the markup.
fn escape(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ").replace('<', "&lt;")
}
