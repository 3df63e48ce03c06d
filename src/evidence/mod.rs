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
mod error;
mod fact;
mod forge_delivery;
mod inputs;
mod kev;
pub mod mfa;
pub mod oncall;
pub mod ownership;
pub mod sbom;
pub mod slo;
pub mod survey;
mod team;
pub mod vulns;

#[cfg(test)]
mod tests;

use crate::model::entity_ref::EntityRef;
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::BTreeMap;

// The collectors import these from their own files, so that this file, which calls every collector, is not
// imported back by them.
pub use error::Error;
pub use fact::{CLOCK_SKEW, Citation, FIX_UNREADABLE, Fact, NO_MEMBERS_FIX, NO_OWNER_FIX, parse_time};
pub use inputs::{CiState, CommitInfo, EvidenceFile, External, FileDates, Inputs};
pub use team::{Member, Team, owner_members};

/// Largest evidence file read from outside the snapshot (the KEV catalog is about 1.3 MB).
pub const MAX_EXTERNAL_BYTES: u64 = 16 * 1024 * 1024;

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

/// The git history adoption and sunset are read from: when each `requests/**` file was added and last changed, and when each
/// Component (by lower-case name) first entered the catalog. Both empty for a work tree.
#[derive(Debug, Clone, Copy)]
pub struct History<'a> {
    pub requests: &'a BTreeMap<String, FileDates>,
    pub components: &'a BTreeMap<String, DateTime<Utc>>,
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
