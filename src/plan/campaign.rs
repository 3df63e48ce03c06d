//! Campaign pages: each version a path rolls out is a campaign, reported as one committed markdown page
//! (`scorecards/campaigns/<path>/v<version>.md`) with every repo's state, a burndown as a mermaid chart, and the
//! time since the release.
//!
//! Pure: the rows, the previous page and the time come in as values. The page changes only when a repo's state
//! or the number of repos left changes, so a run with nothing new commits nothing (design rule 6).

use super::paths::{CampaignState, ServiceDrift};
use std::fmt::Write;

/// The rows of `drift` once the forge actions of the same apply did what `results` say: a repo just scaffolded is
/// on its target, a migration PR just opened is open (with its number), one that failed failed.
pub fn after(drift: &[ServiceDrift], results: &[super::ActionResult]) -> Vec<ServiceDrift> {
    let mut rows = drift.to_vec();
    for row in &mut rows {
        let Some(result) = results.iter().find(|r| r.target == row.repo) else { continue };
        row.campaign = match (&result.error, result.kind) {
            (Some(_), _) => CampaignState::Failed,
            (None, "repo.scaffold") => {
                row.current.clone_from(&row.target);
                row.state = super::paths::DriftState::UpToDate;
                CampaignState::Merged
            }
            (None, _) if !result.conflicts.is_empty() => CampaignState::Conflicted,
            (None, _) => CampaignState::Open,
        };
        if let Some(e) = &result.error {
            row.error = Some(e.clone());
        }
        if let Some(n) = result.outcome.as_deref().and_then(|o| o.split_once('#')).map(|(_, n)| n) {
            row.pr = Some(format!("#{n} open"));
        }
    }
    rows
}

/// Where the page of a campaign lives in the platform repo (bot-owned: `scorecards/**/*.md`).
pub fn page_path(path: &str, version: &str) -> String {
    format!("scorecards/campaigns/{path}/v{version}.md")
}

/// Is `path` a campaign page? Those are planned here (by `paved paths sync` and the daemon's path pass), so the
/// scorecard reports never remove them as pages "no scorecard applies to".
pub fn is_page(path: &str) -> bool {
    path.starts_with("scorecards/campaigns/")
}

/// The burndown points recorded in a previous page: `(time, remaining)`.
pub fn burndown_of(page: &str) -> Vec<(String, usize)> {
    page.lines()
        .find_map(|l| l.strip_prefix("<!-- paved:burndown ")?.strip_suffix(" -->"))
        .map(|data| {
            data.split(';')
                .filter_map(|p| {
                    let (t, n) = p.split_once('=')?;
                    Some((t.to_owned(), n.parse().ok()?))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The page of the campaign rolling out `version` of `path` to `rows` (the services whose target it is).
///
/// `released` is when the release was tagged (`YYYY-MM-DD…`), `now` the time of this run (`YYYY-MM-DDTHH:MMZ`).
pub fn page(
    path: &str,
    version: &str,
    released: Option<&str>,
    rows: &[&ServiceDrift],
    previous: Option<&str>,
    now: &str,
) -> String {
    let remaining = rows.iter().filter(|r| r.campaign != CampaignState::Merged).count();
    let mut points = previous.map(burndown_of).unwrap_or_default();
    if points.last().is_none_or(|(_, n)| *n != remaining) {
        points.push((now.to_owned(), remaining));
    }
    let mut out = format!("# Campaign: {path} {version}\n\n");
    out.push_str("<!-- Written by paved. Do not edit: this file is bot-owned and is overwritten. -->\n\n");
    let done = rows.len() - remaining;
    match released {
        Some(r) => {
            let days = days_between(r, now).map(|d| format!(", {d} day(s) ago")).unwrap_or_default();
            let _ = writeln!(
                out,
                "Released {}{days}. {done} of {} repo(s) on {version}.\n",
                &r[..r.len().min(10)],
                rows.len()
            );
        }
        None => {
            let _ = writeln!(out, "Release date unknown. {done} of {} repo(s) on {version}.\n", rows.len());
        }
    }
    let mut counts = std::collections::BTreeMap::new();
    for r in rows {
        *counts.entry(r.campaign).or_insert(0usize) += 1;
    }
    let summary: Vec<String> = counts.iter().map(|(s, n)| format!("{n} {}", s.as_str())).collect();
    let _ = writeln!(out, "State: {}.\n", if summary.is_empty() { "no repos".to_owned() } else { summary.join(", ") });
    out.push_str("| repo | service | from | state | PR | note |\n|---|---|---|---|---|---|\n");
    for r in rows {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} |",
            r.repo,
            r.entity,
            r.current.as_deref().unwrap_or("-"),
            r.campaign.as_str(),
            r.pr.as_deref().unwrap_or("-"),
            r.error.as_deref().unwrap_or("").replace('|', "\\|")
        );
    }
    out.push_str("\n## Burndown\n\nRepos not yet on this version, at each run that changed the count.\n\n```mermaid\nxychart-beta\n");
    let _ = writeln!(out, "  title \"{path} {version}: repos left\"");
    let labels: Vec<String> = points.iter().map(|(t, _)| format!("\"{}\"", t.get(5..16).unwrap_or(t))).collect();
    let _ = writeln!(out, "  x-axis [{}]", labels.join(", "));
    let max = points.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1);
    let _ = writeln!(out, "  y-axis \"repos left\" 0 --> {max}");
    let values: Vec<String> = points.iter().map(|(_, n)| n.to_string()).collect();
    let _ = writeln!(out, "  line [{}]\n```\n", values.join(", "));
    let data: Vec<String> = points.iter().map(|(t, n)| format!("{t}={n}")).collect();
    let _ = writeln!(out, "<!-- paved:burndown {} -->", data.join(";"));
    out
}

fn days_between(from: &str, to: &str) -> Option<i64> {
    let day = |s: &str| chrono::NaiveDate::parse_from_str(s.get(..10)?, "%Y-%m-%d").ok();
    Some((day(to)? - day(from)?).num_days())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::paths::DriftState;

    fn row(repo: &str, state: CampaignState) -> ServiceDrift {
        ServiceDrift {
            entity: format!("component:default/{repo}"),
            repo: format!("acme/{repo}"),
            path: "microservice".into(),
            allowed: "latest".into(),
            current: Some("1.4.0".into()),
            target: Some("2.0.0".into()),
            behind: 1,
            state: DriftState::Behind,
            error: None,
            pr: None,
            campaign: state,
        }
    }

    #[test]
    fn pages_change_only_when_the_rollout_moves() {
        let (a, b) = (row("a", CampaignState::Open), row("b", CampaignState::Conflicted));
        let first = page("microservice", "2.0.0", Some("2026-11-01T10:00:00Z"), &[&a, &b], None, "2026-11-28T13:00Z");
        assert!(first.contains("| acme/b | component:default/b | 1.4.0 | conflicted | - |  |"), "{first}");
        assert!(first.contains("Released 2026-11-01, 27 day(s) ago. 0 of 2 repo(s) on 2.0.0."), "{first}");
        assert!(first.contains("line [2]") && first.contains("xychart-beta"), "{first}");
        let same =
            page("microservice", "2.0.0", Some("2026-11-01T10:00:00Z"), &[&a, &b], Some(&first), "2026-11-28T18:30Z");
        assert_eq!(first, same, "nothing new: the page is byte-identical");
        let merged = row("a", CampaignState::Merged);
        let next = page(
            "microservice",
            "2.0.0",
            Some("2026-11-01T10:00:00Z"),
            &[&merged, &b],
            Some(&first),
            "2026-11-29T09:00Z",
        );
        assert!(next.contains("line [2, 1]"), "{next}");
        assert_eq!(burndown_of(&next).len(), 2);
    }
}
