//! Evidence collectors: machine evidence turned into scorecard facts, each fact with the evidence it rests on.
//!
//! A collector is a small unit with one source (a file kind under `evidence/`, git history, the forge's checks), a
//! freshness limit, and a cited result: a [`Fact`] that says pass or fail, why, how old its evidence is, and which
//! file, blob, digest or commit proves it. Nothing a catalog entry *claims* is ever read as a fact: collectors read
//! only evidence (design: "auto-derived, never self-attested").
//!
//! # Guarantees
//! - Bad evidence (malformed, truncated, enormous, from the future, for another component) is a failed fact with a
//!   clear reason: never a panic, never a pass.
//! - Pure over their inputs: the effects (reading git history, the forge, the KEV catalog) happen in
//!   [`External`]'s producer (`ops`), so the same inputs give the same facts.

pub mod attestation;
pub mod ci;
pub mod cost;
pub mod deployments;
pub mod mfa;
pub mod oncall;
pub mod ownership;
pub mod sbom;
pub mod slo;
pub mod survey;
pub mod vulns;

#[cfg(test)]
mod tests;

use crate::model::Model;
use crate::model::entity_ref::EntityRef;
use crate::source::Snapshot;
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::BTreeMap;

/// Evidence dated more than this after the observation is "from the future": a skewed clock or a forged date.
pub const CLOCK_SKEW: chrono::Duration = chrono::Duration::minutes(5);

/// Largest evidence file read from outside the snapshot (the KEV catalog is about 1.3 MB).
pub const MAX_EXTERNAL_BYTES: u64 = 16 * 1024 * 1024;

/// The error returned when external evidence (the KEV catalog, git history) cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{path}: {message}")]
    Read { path: String, message: String },
}

/// Where a fact's evidence is: a file (with its git blob id or content digest) or a commit.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Citation {
    /// Repo-relative file, `owner/repo` of a service repo, or an external path.
    pub source: String,
    /// Blob id, `sha256:` digest or commit id.
    pub id: String,
}

impl Citation {
    pub fn new(source: impl Into<String>, id: impl Into<String>) -> Self {
        Citation { source: source.into(), id: id.into() }
    }
}

impl std::fmt::Display for Citation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} @ {}", self.source, self.id)
    }
}

/// One derived fact about one component.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fact {
    /// The collector's verdict on its own evidence (freshness against a scorecard's limit is judged later).
    pub ok: bool,
    /// The value, for people: `0 KEV CVEs`, `verified`, `1,010 USD of 900`.
    pub value: String,
    /// Why it passes or fails.
    pub reason: String,
    /// The evidence's own date (a document timestamp, or the commit that delivered it). `None`: undated.
    pub as_of: Option<DateTime<Utc>>,
    pub cited: Vec<Citation>,
    /// How to fix this failure when it is not the failure the check is about: the evidence is missing or
    /// unreadable, so the value is unknown. `None`: the scorecard check's own `fix` applies.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

/// The fix for evidence that exists but cannot be read.
pub const FIX_UNREADABLE: &str =
    "Deliver the evidence again in a form paved reads; the evidence column says what is wrong with it.";

/// The fix for a component without an owner (team facts cannot be told).
pub const NO_OWNER_FIX: &str = "Set spec.owner to the group that maintains the component.";
/// The fix for an owner group without members.
pub const NO_MEMBERS_FIX: &str =
    "Add the team's users to the owner group (spec.members, or spec.memberOf on each user).";

impl Fact {
    pub fn pass(value: impl Into<String>, reason: impl Into<String>) -> Self {
        Fact { ok: true, value: value.into(), reason: reason.into(), as_of: None, cited: Vec::new(), fix: None }
    }
    /// The check's subject fails (a KEV CVE found, the budget spent): the check's own fix applies.
    pub fn fail(reason: impl Into<String>) -> Self {
        Fact { ok: false, value: "no".to_owned(), reason: reason.into(), as_of: None, cited: Vec::new(), fix: None }
    }
    /// The value is unknown because its evidence is missing or unreadable; `fix` says how to supply it.
    pub fn unknown(reason: impl Into<String>, fix: impl Into<String>) -> Self {
        Fact { value: "unknown".to_owned(), fix: Some(fix.into()), ..Fact::fail(reason) }
    }
    /// Evidence that exists but does not read.
    pub fn unreadable(reason: impl Into<String>) -> Self {
        Fact::unknown(reason, FIX_UNREADABLE)
    }
    pub fn at(mut self, as_of: Option<DateTime<Utc>>) -> Self {
        self.as_of = as_of;
        self
    }
    pub fn cite(mut self, c: Citation) -> Self {
        if !self.cited.contains(&c) {
            self.cited.push(c);
        }
        self
    }
    /// A passing fact whose evidence is dated after `now` fails: evidence cannot come from the future.
    pub fn not_from_future(self, now: DateTime<Utc>) -> Self {
        match self.as_of {
            Some(t) if t > now + CLOCK_SKEW => {
                let reason = format!(
                    "evidence is dated {}, after the observation at {} (clock skew or a forged date)",
                    t.format("%Y-%m-%dT%H:%M:%SZ"),
                    now.format("%Y-%m-%dT%H:%M:%SZ")
                );
                Fact { ok: false, value: "from the future".to_owned(), reason, ..self }
            }
            _ => self,
        }
    }
}

/// Facts by component, then by fact name (`sbom.present`).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Facts {
    /// When the evidence was observed: freshness and exemption expiry are judged against it. Not part of the
    /// serialised facts, so an observation an hour later with the same evidence has the same digest.
    #[serde(skip)]
    pub now: DateTime<Utc>,
    pub by_entity: BTreeMap<EntityRef, BTreeMap<String, Fact>>,
    /// Deployment events (for DORA), when the repo has any.
    pub deployments: Option<deployments::Deployments>,
    /// Developer survey exports (for NPS).
    pub surveys: Vec<survey::Survey>,
    /// Git dates of every `requests/**` file (for adoption and sunset).
    pub request_dates: BTreeMap<String, FileDates>,
    /// When each component (by lowercase name) first appeared in the catalog (for time to first deploy).
    pub components_added: BTreeMap<String, DateTime<Utc>>,
}

impl Facts {
    /// The git history adoption and sunset are read from.
    pub fn history(&self) -> History<'_> {
        History { requests: &self.request_dates, components: &self.components_added }
    }

    pub fn get(&self, entity: &EntityRef, fact: &str) -> Option<&Fact> {
        self.by_entity.get(entity)?.get(fact)
    }
}

/// When a request file was first added and last changed (commit dates).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct FileDates {
    pub added: DateTime<Utc>,
    pub changed: DateTime<Utc>,
}

/// The git history adoption and sunset are read from: when each `requests/**` file was added and last changed, and when each
/// Component (by lower-case name) first entered the catalog. Both empty for a work tree.
#[derive(Debug, Clone, Copy)]
pub struct History<'a> {
    pub requests: &'a BTreeMap<String, FileDates>,
    pub components: &'a BTreeMap<String, DateTime<Utc>>,
}

/// When a commit was made and by whom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitInfo {
    pub commit: String,
    pub time: DateTime<Utc>,
    /// The repo it was read from (`platform` or `owner/name`).
    pub repo: String,
}

/// The default branch of a service repo and the check runs on its head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CiState {
    pub head: Option<String>,
    pub checks: Vec<crate::forge::Check>,
    /// Why the forge could not answer.
    pub error: Option<String>,
}

/// Evidence that is not a file of the snapshot, gathered by `ops` (the effects live there).
#[derive(Debug, Clone, Default)]
pub struct External {
    /// The CISA KEV catalog, or why it is not available.
    pub kev: Option<Result<vulns::Kev, String>>,
    /// Latest commit per author email (lowercase), over the platform repo and the service repos.
    pub authors: BTreeMap<String, CommitInfo>,
    /// The last commit that touched each file under `evidence/` (the date it was delivered).
    pub delivered: BTreeMap<String, CommitInfo>,
    /// CI state per service repo (`owner/name`).
    pub ci: BTreeMap<String, CiState>,
    /// Git dates of every `requests/**` file.
    pub request_dates: BTreeMap<String, FileDates>,
    /// When each component (by lowercase name) first appeared in the catalog, from git history.
    pub components_added: BTreeMap<String, DateTime<Utc>>,
    /// Deployments and incidents per service repo on the forge (`owner/name`), or why they could not be read.
    /// Repos the forge does not have are left out.
    pub delivery: BTreeMap<String, Result<deployments::ForgeDelivery, String>>,
    /// Why the forge could not be opened at all (e.g. GitHub credentials missing).
    pub delivery_error: Option<String>,
}

/// One evidence file, read.
pub struct EvidenceFile {
    pub path: String,
    pub text: String,
    pub citation: Citation,
    /// The commit that last delivered it, if known.
    pub delivered: Option<DateTime<Utc>>,
}

/// Everything a collector may look at.
pub struct Inputs<'a> {
    pub snapshot: &'a Snapshot,
    pub model: &'a Model,
    pub external: &'a External,
    pub now: DateTime<Utc>,
}

impl Inputs<'_> {
    /// Read an evidence file. `None` when it does not exist; `Err` (a reason) when it is refused or unreadable.
    pub fn file(&self, path: &str) -> Option<Result<EvidenceFile, String>> {
        let entry = self.snapshot.get(path)?;
        let delivered = self.external.delivered.get(path);
        Some(
            self.snapshot
                .read_text_identified(entry)
                .map(|(text, blob)| {
                    let mut id = blob.to_hex().to_string();
                    id.truncate(12);
                    let id = match delivered {
                        Some(c) => format!("blob {id}, commit {}", &c.commit[..c.commit.len().min(12)]),
                        None => format!("blob {id}"),
                    };
                    EvidenceFile {
                        path: path.to_owned(),
                        text,
                        citation: Citation::new(path, id),
                        delivered: delivered.map(|c| c.time),
                    }
                })
                .map_err(|f| format!("{path}: {}", f.message)),
        )
    }

    /// The first of `names` under `evidence/<component>/` that exists.
    pub fn component_file(&self, component: &str, names: &[&str]) -> Option<Result<EvidenceFile, String>> {
        names.iter().find_map(|n| self.file(&format!("evidence/{component}/{n}")))
    }
}

/// Parse the dates evidence carries: RFC 3339, or `YYYY-MM-DD HH:MM:SS` (FOCUS, taken as UTC), or a date.
pub fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    let t = text.trim();
    if let Ok(d) = DateTime::parse_from_rfc3339(t) {
        return Some(d.with_timezone(&Utc));
    }
    if let Ok(d) = chrono::NaiveDateTime::parse_from_str(t, "%Y-%m-%d %H:%M:%S") {
        return Some(d.and_utc());
    }
    chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d")
        .ok()
        .map(|d| d.and_hms_opt(0, 0, 0).expect("midnight exists").and_utc())
}

/// Collect every fact for every component in the catalog.
pub fn collect(inputs: &Inputs<'_>) -> Facts {
    let mut facts = Facts {
        now: inputs.now,
        by_entity: BTreeMap::new(),
        deployments: deployments::collect(inputs),
        surveys: survey::collect(inputs),
        request_dates: inputs.external.request_dates.clone(),
        components_added: inputs.external.components_added.clone(),
    };
    let shared = Shared {
        cost: cost::Billing::read(inputs),
        schedules: oncall::Schedules::read(inputs),
        mfa: mfa::Export::read(inputs),
        teams: {
            // Members per owning group, resolved once: a group that owns thousands of components has thousands of
            // relations to walk.
            let mut teams = BTreeMap::new();
            for (r, _) in inputs.model.catalog.of_kind("component") {
                if let Some(owner) = inputs.model.catalog.owner_of(r)
                    && !teams.contains_key(owner)
                    && let Some(t) = owner_members(inputs.model, r)
                {
                    teams.insert(owner.clone(), t);
                }
            }
            teams
        },
    };
    let components: Vec<(&EntityRef, &crate::model::catalog::CatalogEntity)> =
        inputs.model.catalog.of_kind("component").collect();
    // Components are independent: collected on every core (merged into a sorted map, so the outcome does not
    // depend on the split).
    let results =
        crate::par::map(&components, 64, |(r, item)| ((*r).clone(), component_facts(inputs, &shared, r, item)));
    facts.by_entity.extend(results);
    facts
}

/// Evidence read once and shared by every component.
struct Shared {
    cost: cost::Billing,
    schedules: oncall::Schedules,
    mfa: mfa::Export,
    teams: BTreeMap<EntityRef, Team>,
}

/// An owning group and its members.
pub type Team = (EntityRef, Vec<Member>);

fn component_facts(
    inputs: &Inputs<'_>,
    shared: &Shared,
    r: &EntityRef,
    item: &crate::model::catalog::CatalogEntity,
) -> BTreeMap<String, Fact> {
    let name = item.entity.name.as_str();
    let mut out = BTreeMap::new();
    let sbom = sbom::collect(inputs, name);
    out.insert("attestation.signed".to_owned(), attestation::collect(inputs, name, sbom.1.as_deref()));
    out.insert("sbom.present".to_owned(), sbom.0);
    out.insert("vulns.kev_count".to_owned(), vulns::collect(inputs, name));
    let (defined, budget) = slo::collect(inputs, name);
    out.insert("slo.defined".to_owned(), defined);
    out.insert("slo.budget_remaining".to_owned(), budget);
    out.insert("oncall.wired".to_owned(), shared.schedules.collect(inputs, r, &item.entity));
    let (within, trend) = shared.cost.collect(&item.entity);
    out.insert("cost.within_budget".to_owned(), within);
    out.insert("cost.trend_ok".to_owned(), trend);
    let team = inputs.model.catalog.owner_of(r).and_then(|o| shared.teams.get(o));
    out.insert("mfa.enforced".to_owned(), shared.mfa.collect(team));
    out.insert("ownership.fresh".to_owned(), ownership::collect(inputs, team));
    out.insert("ci.green".to_owned(), ci::collect(inputs, &item.entity));
    out.into_iter().map(|(k, f)| (k, f.not_from_future(inputs.now))).collect()
}

/// Users of the owner group of `component`, with their email (lowercase) when the catalog gives one.
/// A user and their email (lowercase), if the catalog gives one.
pub type Member = (EntityRef, Option<String>);

pub fn owner_members(model: &Model, component: &EntityRef) -> Option<Team> {
    let owner = model.catalog.owner_of(component)?.clone();
    let members = model
        .catalog
        .members(&owner)
        .into_iter()
        .map(|u| {
            let email = model
                .catalog
                .get(&u)
                .and_then(|e| e.entity.spec.get("profile")?.get("email")?.as_str().map(str::to_ascii_lowercase));
            (u, email)
        })
        .collect();
    Some((owner, members))
}
