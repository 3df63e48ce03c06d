//! DORA metrics from deployment events (`evidence/deployments.jsonl`, and the forge's deployments and incidents
//! of each service repo): `scorecards/dora.md`, per team and for the organisation, with the definitions, the
//! sources and the performance-level thresholds stated on the page.
//!
//! The window is the [`WINDOW_DAYS`] days ending at the newest deployment (a date of the evidence, not the clock),
//! so the page only changes when deployments do.

use crate::evidence::deployments::{Deployment, Deployments};
use crate::model::Model;
use crate::model::entity_ref::EntityRef;
use chrono::Duration;
use std::collections::BTreeMap;
use std::fmt::Write;

pub const PATH: &str = "scorecards/dora.md";
pub const WINDOW_DAYS: i64 = 90;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Perf {
    Low,
    Medium,
    High,
    Elite,
}

impl Perf {
    fn name(self) -> &'static str {
        match self {
            Perf::Elite => "elite",
            Perf::High => "high",
            Perf::Medium => "medium",
            Perf::Low => "low",
        }
    }
}

/// The four keys of one group of deployments.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Metrics {
    pub deployments: usize,
    /// Median time between consecutive production deployments.
    pub interval: Option<Duration>,
    /// Median commit-to-production time.
    pub lead_time: Option<Duration>,
    /// Share of deployments that caused a failure in production.
    pub change_fail_rate: Option<f64>,
    /// Median time from a failed change to its restoration.
    pub time_to_restore: Option<Duration>,
}

pub(crate) fn median(mut v: Vec<Duration>) -> Option<Duration> {
    if v.is_empty() {
        return None;
    }
    v.sort();
    let n = v.len();
    Some(if n % 2 == 1 { v[n / 2] } else { (v[n / 2 - 1] + v[n / 2]) / 2 })
}

pub fn metrics(events: &[&Deployment]) -> Metrics {
    let ok: Vec<&&Deployment> = events.iter().filter(|d| d.succeeded).collect();
    let intervals = ok.windows(2).map(|w| w[1].deployed_at - w[0].deployed_at).collect();
    let leads =
        ok.iter().filter_map(|d| Some(d.deployed_at - d.committed_at?)).filter(|d| *d >= Duration::zero()).collect();
    let failures: Vec<&&Deployment> = ok.iter().filter(|d| d.change_failure).copied().collect();
    let restores = failures.iter().flat_map(|d| d.restore_times()).collect();
    Metrics {
        deployments: ok.len(),
        interval: median(intervals),
        lead_time: median(leads),
        change_fail_rate: (!ok.is_empty()).then(|| failures.len() as f64 / ok.len() as f64),
        time_to_restore: median(restores),
    }
}

/// The performance level: the lowest of the four keys that have data.
pub fn level(m: &Metrics) -> Option<Perf> {
    let by = |d: Duration, elite: Duration, high: Duration, medium: Duration| {
        if d <= elite {
            Perf::Elite
        } else if d <= high {
            Perf::High
        } else if d <= medium {
            Perf::Medium
        } else {
            Perf::Low
        }
    };
    let keys = [
        m.interval.map(|d| by(d, Duration::days(1), Duration::weeks(1), Duration::days(30))),
        m.lead_time.map(|d| by(d, Duration::days(1), Duration::weeks(1), Duration::days(30))),
        m.change_fail_rate.map(|r| {
            if r <= 0.05 {
                Perf::Elite
            } else if r <= 0.10 {
                Perf::High
            } else if r <= 0.15 {
                Perf::Medium
            } else {
                Perf::Low
            }
        }),
        m.time_to_restore.map(|d| by(d, Duration::hours(1), Duration::days(1), Duration::weeks(1))),
    ];
    keys.into_iter().flatten().min()
}

fn dur(d: Option<Duration>) -> String {
    match d {
        None => "n/a".to_owned(),
        Some(d) if d < Duration::hours(1) => format!("{} min", d.num_minutes()),
        Some(d) if d < Duration::days(2) => format!("{:.1} h", d.num_minutes() as f64 / 60.0),
        Some(d) => format!("{:.1} d", d.num_minutes() as f64 / 1440.0),
    }
}

fn row(name: &str, m: &Metrics) -> String {
    let weeks = WINDOW_DAYS as f64 / 7.0;
    format!(
        "| {name} | {} | {:.1} | {} | {} | {} | {} | {} |\n",
        m.deployments,
        m.deployments as f64 / weeks,
        dur(m.interval),
        dur(m.lead_time),
        m.change_fail_rate.map_or("n/a".to_owned(), |r| format!("{:.0}%", r * 100.0)),
        dur(m.time_to_restore),
        level(m).map_or("n/a", Perf::name)
    )
}

/// Where the events came from: the events file, and each service repo on the forge (or why it could not be read).
fn sources(s: &mut String, deployments: &Deployments, label: &str) {
    if deployments.forge.is_empty() {
        return;
    }
    s.push_str("Forge sources (production deployments; incidents are issues labelled `");
    s.push_str(label);
    s.push_str("`):\n\n");
    for f in &deployments.forge {
        let _ = match &f.error {
            Some(e) => writeln!(s, "- `{}`: not read: {e}", f.repo),
            None => writeln!(s, "- `{}`: {} deployment(s), {} incident(s)", f.repo, f.deployments, f.incidents),
        };
    }
    for u in &deployments.unattributed {
        let _ = writeln!(s, "- {u}");
    }
    s.push('\n');
}

/// The DORA page.
pub fn page(model: &Model, deployments: &Deployments) -> String {
    let label = model.platform.spec.evidence.incident_label();
    let mut s = String::from(
        "<!-- Generated by paved from evidence/deployments.jsonl and the forge's deployments and incidents. Do not edit: paved rewrites it. -->\n# DORA metrics\n\n",
    );
    let production: Vec<&Deployment> = deployments.events.iter().filter(|d| d.environment == "production").collect();
    let Some(end) = production.iter().map(|d| d.deployed_at).max() else {
        s.push_str("No production deployments in the evidence.\n\n");
        sources(&mut s, deployments, label);
        for sk in &deployments.skipped {
            let _ = writeln!(s, "- skipped {sk}");
        }
        return s;
    };
    let start = end - Duration::days(WINDOW_DAYS);
    let window: Vec<&Deployment> = production.into_iter().filter(|d| d.deployed_at > start).collect();
    let _ = writeln!(
        s,
        "Production deployments from {} to {} ({WINDOW_DAYS} days ending at the newest deployment){}.\n",
        start.format("%Y-%m-%d"),
        end.format("%Y-%m-%d"),
        deployments.citation.as_ref().map(|c| format!(", from `{c}`")).unwrap_or_default()
    );
    sources(&mut s, deployments, label);
    s.push_str("| team | deployments | per week | median interval | median lead time | change-fail rate | median time to restore | level |\n|---|---|---|---|---|---|---|---|\n");
    let mut teams: BTreeMap<Option<&EntityRef>, Vec<&Deployment>> = BTreeMap::new();
    for d in &window {
        teams.entry(model.catalog.owner_of(&d.component)).or_default().push(d);
    }
    for (team, events) in &teams {
        s.push_str(&row(&team.map_or("not in the catalog".to_owned(), ToString::to_string), &metrics(events)));
    }
    s.push_str(&row("**organisation**", &metrics(&window)));
    let _ = write!(
        s,
        "\n## Definitions\n\n\
         - **Deployment frequency**: successful production deployments in the window, per week; the level uses the \
         median interval between consecutive deployments. A forge deployment counts at its latest `success`, \
         `failure` or `error` status; one also in the events file (same service, environment and commit) counts \
         once.\n\
         - **Lead time for changes**: median time from the deployed commit (`committedAt`; for a forge deployment, \
         the commit's time in the service repo's history when paved can read it, else no lead time for it) to its \
         production deployment (`deployedAt`; for a forge deployment, its success).\n\
         - **Change-fail rate**: share of production deployments marked `changeFailure` (they caused an incident or \
         a rollback), or that are the last successful production deployment of their service before an issue \
         labelled `{label}` was opened on its repo.\n\
         - **Time to restore**: median over failures of the time from the failed change's deployment to \
         `restoredAt`, and from each `{label}` issue's opening to its closing (an open one has no time yet).\n\n\
         ## Performance levels\n\n\
         A team's level is the lowest of its four keys (keys without data are left out).\n\n\
         | level | interval between deployments | lead time | change-fail rate | time to restore |\n|---|---|---|---|---|\n\
         | elite | at most 1 day | at most 1 day | at most 5% | at most 1 hour |\n\
         | high | at most 1 week | at most 1 week | at most 10% | at most 1 day |\n\
         | medium | at most 30 days | at most 30 days | at most 15% | at most 1 week |\n\
         | low | longer | longer | more | longer |\n",
    );
    if !deployments.skipped.is_empty() {
        s.push_str("\n## Skipped events\n\n");
        for sk in &deployments.skipped {
            let _ = writeln!(s, "- {sk}");
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evidence::parse_time;

    fn dep(at: &str, lead_h: i64, fail: Option<i64>) -> Deployment {
        let deployed_at = parse_time(at).expect("time");
        Deployment {
            component: EntityRef::new("component", "default", "svc"),
            environment: "production".into(),
            commit: "c".into(),
            committed_at: Some(deployed_at - Duration::hours(lead_h)),
            deployed_at,
            succeeded: true,
            change_failure: fail.is_some(),
            restored_at: fail.map(|m| deployed_at + Duration::minutes(m)),
            incidents: Vec::new(),
        }
    }

    #[test]
    fn medians_and_levels_follow_the_stated_thresholds() {
        let events = [
            dep("2026-11-01T10:00:00Z", 2, None),
            dep("2026-11-02T10:00:00Z", 4, Some(30)),
            dep("2026-11-03T10:00:00Z", 6, None),
            dep("2026-11-04T10:00:00Z", 30, Some(90)),
        ];
        let refs: Vec<&Deployment> = events.iter().collect();
        let m = metrics(&refs);
        assert_eq!(m.deployments, 4);
        assert_eq!(m.interval, Some(Duration::days(1)));
        assert_eq!(m.lead_time, Some(Duration::hours(5)), "median of 2, 4, 6, 30 hours");
        assert_eq!(m.change_fail_rate, Some(0.5));
        assert_eq!(m.time_to_restore, Some(Duration::minutes(60)));
        assert_eq!(level(&m), Some(Perf::Low), "a 50% change-fail rate is low, whatever the rest");
        let fast: Vec<&Deployment> = refs.iter().copied().filter(|d| !d.change_failure).collect();
        assert_eq!(level(&metrics(&fast)), Some(Perf::High), "two days between deployments");
    }
}
