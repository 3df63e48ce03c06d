//! Adoption and sunset: `scorecards/adoption.md`. Per paved path: consumers, the share of components on it, new
//! adopters this quarter and last use (when each consuming Component entered the catalog, from the git history of
//! `catalog/`); per capability module: consuming teams, new adopters this quarter, last use (from the git history
//! of `requests/`); and the sunset candidates: under `platform.yaml` `spec.sunset.minConsumers` consuming teams
//! with no consumer added (or request changed) for a whole quarter ([`QUARTER_DAYS`] days).
//!
//! Dates on the page are the requests' own commit dates and the quarter of the observation, so the page changes
//! only when requests do or a quarter turns.

// The history is evidence; the sunset review (`ops::sunset`) names it through this module.
pub use crate::evidence::{FileDates, History};
use crate::model::Model;
use crate::model::annotations;
use chrono::{DateTime, Datelike, Duration, Utc};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

pub const PATH: &str = "scorecards/adoption.md";
pub const QUARTER_DAYS: i64 = 91;
/// Used when `platform.yaml` sets no `spec.sunset.minConsumers`.
pub const DEFAULT_MIN_CONSUMERS: u32 = 2;

fn quarter_start(t: DateTime<Utc>) -> DateTime<Utc> {
    let month = (t.month0() / 3) * 3 + 1;
    chrono::NaiveDate::from_ymd_opt(t.year(), month, 1)
        .expect("the first day of a quarter exists")
        .and_hms_opt(0, 0, 0)
        .expect("midnight exists")
        .and_utc()
}

/// A paved path or a capability module: what a sunset candidate is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Path,
    Capability,
}

/// How much one path or capability is used.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Usage {
    pub kind: Kind,
    pub name: String,
    /// Its manifest: `paths/<name>/path.yaml` or `modules/<name>/module.yaml`.
    pub manifest: String,
    pub deprecated: bool,
    /// Consuming teams (request teams; component owners).
    pub teams: BTreeSet<String>,
    /// What still uses it: request keys (`team/name`) or component refs.
    pub consumers: Vec<String>,
    /// The newest addition or change of a request for it; for a path, the newest Component on it to enter the
    /// catalog. `None` without git history (a work tree).
    pub last_use: Option<DateTime<Utc>>,
    /// Under the threshold (and, for capabilities, quiet for a whole quarter).
    pub candidate: bool,
}

/// The quarter `now` falls in, as `2026-Q4`.
pub fn quarter_label(now: DateTime<Utc>) -> String {
    format!("{}-Q{}", now.year(), now.month0() / 3 + 1)
}

/// Every path's usage, by name.
pub fn paths(model: &Model, history: History<'_>, now: DateTime<Utc>) -> Vec<Usage> {
    let min = min_consumers(model);
    let quiet_since = now - Duration::days(QUARTER_DAYS);
    let components: Vec<_> = model.catalog.of_kind("component").collect();
    model
        .paths
        .iter()
        .map(|(name, path)| {
            let consumers: Vec<_> =
                components.iter().filter(|(_, c)| c.entity.annotations.get(annotations::PATH) == Some(name)).collect();
            let teams: BTreeSet<String> =
                consumers.iter().filter_map(|(r, _)| model.catalog.owner_of(r)).map(ToString::to_string).collect();
            let last_use = consumers
                .iter()
                .filter_map(|(r, _)| history.components.get(&r.name.to_ascii_lowercase()))
                .max()
                .copied();
            let consumers = consumers.iter().map(|(r, _)| r.to_string()).collect();
            let usage = Usage::judged(Kind::Path, name, format!("{}/path.yaml", path.dir), teams, consumers, last_use);
            Usage { deprecated: path.spec.deprecated, ..usage.sunset(min, quiet_since) }
        })
        .collect()
}

/// Every capability module's usage, by name. `dates` holds the git dates of `requests/**` files.
fn capabilities(model: &Model, dates: &BTreeMap<String, FileDates>, now: DateTime<Utc>) -> Vec<Usage> {
    let min = min_consumers(model);
    let quiet_since = now - Duration::days(QUARTER_DAYS);
    model
        .modules
        .iter()
        .map(|(name, module)| {
            let requests: Vec<_> = model.requests.values().filter(|r| r.spec.capability == *name).collect();
            let teams: BTreeSet<String> = requests.iter().map(|r| r.team.clone()).collect();
            let last_use = requests.iter().filter_map(|r| dates.get(&r.path)).map(|d| d.changed).max();
            let consumers = requests.iter().map(|r| r.key()).collect();
            let manifest = format!("{}/module.yaml", module.dir);
            let usage = Usage::judged(Kind::Capability, name, manifest, teams, consumers, last_use);
            Usage { deprecated: module.spec.deprecated, ..usage.sunset(min, quiet_since) }
        })
        .collect()
}

/// This quarter's sunset candidates not yet deprecated: paths first, then capabilities, each by name.
pub fn sunset_candidates(model: &Model, history: History<'_>, now: DateTime<Utc>) -> Vec<Usage> {
    paths(model, history, now)
        .into_iter()
        .chain(capabilities(model, history.requests, now))
        .filter(|u| u.candidate && !u.deprecated)
        .collect()
}

/// Teams whose first use came in the quarter starting at `quarter`, from (team, date of one use) pairs.
fn new_adopters<'a>(uses: impl Iterator<Item = (&'a str, DateTime<Utc>)>, quarter: DateTime<Utc>) -> String {
    let mut first_by_team: BTreeMap<&str, DateTime<Utc>> = BTreeMap::new();
    for (team, at) in uses {
        let e = first_by_team.entry(team).or_insert(at);
        *e = (*e).min(at);
    }
    let new: Vec<&str> = first_by_team.iter().filter(|(_, t)| **t >= quarter).map(|(team, _)| *team).collect();
    if new.is_empty() { "none".to_owned() } else { new.join(", ") }
}

fn day(t: Option<DateTime<Utc>>) -> String {
    t.map_or("unknown".to_owned(), |t| t.format("%Y-%m-%d").to_string())
}

fn min_consumers(model: &Model) -> u32 {
    model.platform.spec.sunset.min_consumers.unwrap_or(DEFAULT_MIN_CONSUMERS)
}

impl Usage {
    /// A usage not yet judged for sunset (see [`Usage::sunset`]).
    fn judged(
        kind: Kind,
        name: &str,
        manifest: String,
        teams: BTreeSet<String>,
        consumers: Vec<String>,
        last_use: Option<DateTime<Utc>>,
    ) -> Usage {
        Usage { kind, name: name.to_owned(), manifest, deprecated: false, teams, consumers, last_use, candidate: false }
    }

    /// Mark it a sunset candidate when fewer than `min` teams use it and nothing used it since `quiet_since`.
    fn sunset(self, min: u32, quiet_since: DateTime<Utc>) -> Usage {
        let quiet = self.last_use.is_none_or(|l| l < quiet_since);
        Usage { candidate: (self.teams.len() as u32) < min && quiet, ..self }
    }

    /// The table cell: `yes: remaining …` or `no`.
    fn candidate_cell(&self) -> String {
        if !self.candidate {
            return "no".to_owned();
        }
        let remaining = if self.consumers.is_empty() { "none".to_owned() } else { self.consumers.join(", ") };
        format!("yes: remaining {remaining}")
    }

    fn shown_name(&self) -> String {
        if self.deprecated { format!("{} (deprecated)", self.name) } else { self.name.clone() }
    }
}

/// The adoption page, from the git `history` (empty for a work tree).
pub fn page(model: &Model, history: History<'_>, now: DateTime<Utc>) -> String {
    let min = min_consumers(model);
    let q = quarter_start(now);
    let mut s = String::from(
        "<!-- Generated by paved from the catalog, requests/ and their git history. Do not edit: paved rewrites it. -->\n\
         # Adoption and sunset\n\n",
    );
    let _ = writeln!(
        s,
        "Quarter {}. Sunset threshold: fewer than {min} consuming teams (`platform.yaml` `spec.sunset.minConsumers`) \
         and no consumer added (or request changed) for a whole quarter ({QUARTER_DAYS} days).\n",
        quarter_label(now)
    );

    let components = model.catalog.of_kind("component").count();
    s.push_str("## Paved paths\n\n| path | version | consumers | share of components | allowing the latest version | new adopters this quarter | last use | sunset candidate |\n|---|---|---|---|---|---|---|---|\n");
    for usage in paths(model, history, now) {
        let path = &model.paths[&usage.name];
        let latest = model
            .catalog
            .of_kind("component")
            .filter(|(_, c)| c.entity.annotations.get(annotations::PATH) == Some(&usage.name))
            .filter(|(_, c)| match c.entity.annotations.get(annotations::PATH_VERSION).map(String::as_str) {
                None | Some("latest") => true,
                Some(range) => semver::VersionReq::parse(range).is_ok_and(|r| r.matches(&path.version)),
            })
            .count();
        let n = usage.consumers.len();
        let share = if components == 0 { 0.0 } else { n as f64 * 100.0 / components as f64 };
        let adopted = model
            .catalog
            .of_kind("component")
            .filter(|(_, c)| c.entity.annotations.get(annotations::PATH) == Some(&usage.name))
            .filter_map(|(r, _)| {
                Some((model.catalog.owner_of(r)?.name.as_str(), *history.components.get(&r.name.to_ascii_lowercase())?))
            });
        let _ = writeln!(
            s,
            "| {} | {} | {n} | {share:.0}% | {latest} of {n} | {} | {} | {} |",
            usage.shown_name(),
            path.version,
            new_adopters(adopted, q),
            day(usage.last_use),
            usage.candidate_cell()
        );
    }

    s.push_str("\n## Capabilities\n\n| capability | version | requests | consuming teams | new adopters this quarter | last use | sunset candidate |\n|---|---|---|---|---|---|---|\n");
    for usage in capabilities(model, history.requests, now) {
        let adopted = model
            .requests
            .values()
            .filter(|r| r.spec.capability == usage.name)
            .filter_map(|r| Some((r.team.as_str(), history.requests.get(&r.path)?.added)));
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} | {} |",
            usage.shown_name(),
            model.modules[&usage.name].version,
            usage.consumers.len(),
            usage.teams.len(),
            new_adopters(adopted, q),
            day(usage.last_use),
            usage.candidate_cell()
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quarters_start_on_the_first_of_january_april_july_october() {
        let t = crate::evidence::parse_time("2026-11-28T12:00:00Z").expect("time");
        assert_eq!(quarter_start(t).format("%Y-%m-%d").to_string(), "2026-10-01");
        let t = crate::evidence::parse_time("2026-03-31T23:59:59Z").expect("time");
        assert_eq!(quarter_start(t).format("%Y-%m-%d").to_string(), "2026-01-01");
    }
}
