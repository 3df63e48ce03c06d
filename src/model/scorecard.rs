//! Scorecard rules as code: `scorecards/<name>.yaml`.

use serde::{Deserialize, Serialize};

/// The facts the evidence collectors derive (`crate::evidence`); a check naming another could never pass.
pub const FACTS: [&str; 11] = [
    "attestation.signed",
    "ci.green",
    "cost.trend_ok",
    "cost.within_budget",
    "mfa.enforced",
    "oncall.wired",
    "ownership.fresh",
    "sbom.present",
    "slo.budget_remaining",
    "slo.defined",
    "vulns.kev_count",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize)]
pub enum Level {
    Bronze,
    Silver,
    Gold,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ScorecardSpec {
    #[serde(default)]
    pub applies_to: AppliesTo,
    #[serde(default)]
    pub max_evidence_age: Option<String>,
    #[serde(default)]
    pub checks: Vec<Check>,
    #[serde(default)]
    pub exemptions: Vec<Exemption>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AppliesTo {
    #[serde(default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub types: Vec<String>,
    #[serde(default)]
    pub lifecycles: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Check {
    pub id: String,
    #[serde(default)]
    pub title: Option<String>,
    pub level: Level,
    #[serde(default = "one")]
    pub weight: f64,
    pub fact: String,
    #[serde(default)]
    pub fix: Option<String>,
}

fn one() -> f64 {
    1.0
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Exemption {
    pub entity: String,
    pub check: String,
    pub expires: String,
    pub approved_by: String,
    #[serde(default)]
    pub reason: Option<String>,
}

/// A scorecard as loaded.
#[derive(Debug, Clone)]
pub struct Scorecard {
    pub name: String,
    pub path: String,
    pub title: Option<String>,
    pub spec: ScorecardSpec,
}
