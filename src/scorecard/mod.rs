//! Scorecards evaluated over evidence facts: `scorecards/*.yaml` (rules as code) applied to the facts the
//! [`evidence`](crate::evidence) collectors derived.
//!
//! # Rules
//! - A check passes only when its fact passes *and* the fact's evidence is dated within the scorecard's
//!   `maxEvidenceAge` (undated evidence fails: its age cannot be told). A missing fact fails.
//! - A level holds when every check at and below it passes (an exempted check counts as passing until its
//!   exemption expires). The entity's level is the highest level that holds, of the levels the scorecard uses.
//! - The score is the weighted share of checks passing, 0 to 100.
//! - Pure: [`evaluate`] reads no clock; "now" is the observation time carried by [`Facts`].

pub mod adoption;
pub mod dora;
pub mod outcomes;
pub mod report;
pub mod sunset;

use crate::evidence::{Citation, Facts};
use crate::model::Model;
use crate::model::entity_ref::EntityRef;
use crate::model::scorecard::{Level, Scorecard};
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pass,
    Fail,
    Exempt,
}

impl Status {
    pub fn holds(self) -> bool {
        self != Status::Fail
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CheckResult {
    pub id: String,
    pub title: String,
    pub level: Level,
    pub weight: f64,
    pub fact: String,
    pub status: Status,
    pub value: String,
    pub reason: String,
    /// The evidence's own date, `YYYY-MM-DD`.
    pub as_of: Option<String>,
    pub cited: Vec<Citation>,
    pub fix: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CardResult {
    pub scorecard: String,
    pub title: String,
    pub level: Option<Level>,
    /// Weighted share of checks holding, 0 to 100.
    pub score: u32,
    pub checks: Vec<CheckResult>,
}

impl CardResult {
    /// The weight of failing checks: how far from passing.
    pub fn failed_weight(&self) -> f64 {
        self.checks.iter().filter(|c| c.status == Status::Fail).map(|c| c.weight).sum()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EntityResult {
    pub entity: EntityRef,
    pub owner: Option<EntityRef>,
    pub cards: Vec<CardResult>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluation {
    /// Scorecard name and title, in name order.
    pub scorecards: Vec<(String, String)>,
    /// Entities some scorecard applies to, in reference order.
    pub entities: Vec<EntityResult>,
}

/// `30d`, `12h`, `2w`.
pub fn parse_age(text: &str) -> Option<Duration> {
    let t = text.trim();
    let (n, unit) = t.split_at(t.find(|c: char| !c.is_ascii_digit())?);
    let n: i64 = n.parse().ok()?;
    match unit {
        "d" => Some(Duration::days(n)),
        "h" => Some(Duration::hours(n)),
        "w" => Some(Duration::weeks(n)),
        "m" => Some(Duration::minutes(n)),
        _ => None,
    }
}

fn applies(card: &Scorecard, model: &Model, r: &EntityRef) -> bool {
    let Some(item) = model.catalog.get(r) else { return false };
    let a = &card.spec.applies_to;
    let e = &item.entity;
    a.kind.as_ref().is_none_or(|k| k.eq_ignore_ascii_case(&e.kind))
        && (a.types.is_empty() || e.spec_str("type").is_some_and(|t| a.types.iter().any(|x| x == t)))
        && (a.lifecycles.is_empty() || e.spec_str("lifecycle").is_some_and(|l| a.lifecycles.iter().any(|x| x == l)))
}

/// Evaluate every scorecard over every entity it applies to.
pub fn evaluate(model: &Model, facts: &Facts) -> Evaluation {
    let scorecards = model
        .scorecards
        .values()
        .map(|s| (s.name.clone(), s.title.clone().unwrap_or_else(|| s.name.clone())))
        .collect();
    // Entities are independent: evaluated on every core, in catalog order.
    let refs: Vec<&EntityRef> = model.catalog.entities.keys().collect();
    let entities = crate::par::map(&refs, 256, |r| {
        let cards: Vec<CardResult> = model
            .scorecards
            .values()
            .filter(|card| applies(card, model, r))
            .map(|card| evaluate_card(card, r, facts, facts.now))
            .collect();
        (!cards.is_empty()).then(|| EntityResult {
            entity: (*r).clone(),
            owner: model.catalog.owner_of(r).cloned(),
            cards,
        })
    });
    Evaluation { scorecards, entities: entities.into_iter().flatten().collect() }
}

fn evaluate_card(card: &Scorecard, r: &EntityRef, facts: &Facts, now: DateTime<Utc>) -> CardResult {
    let max_age = card.spec.max_evidence_age.as_deref().map(|a| (a, parse_age(a)));
    let today = now.date_naive();
    let mut checks = Vec::new();
    for check in &card.spec.checks {
        let fact = facts.get(r, &check.fact);
        // How to fix follows the reason the check fails: the check's own fix is for a failing value; missing,
        // unreadable, stale or undated evidence gets the fix for that.
        let (mut status, value, mut reason, as_of, cited, fix) = match fact {
            None => (
                Status::Fail,
                "no".to_owned(),
                format!("no collector derives the fact `{}`", check.fact),
                None,
                vec![],
                Some(format!("Name a fact paved derives in the check's `fact` (scorecards/{}.yaml).", card.name)),
            ),
            Some(f) => {
                let mut status = if f.ok { Status::Pass } else { Status::Fail };
                let mut reason = f.reason.clone();
                let mut fix = if f.ok { None } else { f.fix.clone().or_else(|| check.fix.clone()) };
                if status == Status::Pass {
                    match (f.as_of, max_age) {
                        (None, Some((text, _))) => {
                            status = Status::Fail;
                            reason = format!("{reason}; but the evidence is undated, so its age cannot be told");
                            fix = Some(format!(
                                "Deliver evidence that carries its date (a timestamp in the document, or commit it to \
                                 evidence/): this scorecard accepts evidence up to {text} old."
                            ));
                        }
                        (Some(t), Some((text, Some(limit)))) if now - t > limit => {
                            status = Status::Fail;
                            reason = format!(
                                "{reason}; but the evidence is from {}, older than {text}",
                                t.format("%Y-%m-%d")
                            );
                            fix = Some(format!(
                                "Deliver fresh evidence: this scorecard accepts evidence up to {text} old."
                            ));
                        }
                        (_, Some((text, None))) => {
                            status = Status::Fail;
                            reason = format!(
                                "{reason}; but maxEvidenceAge `{text}` is not a duration (write 30d, 12h or 2w)"
                            );
                            fix = Some(format!(
                                "Write maxEvidenceAge in scorecards/{}.yaml as a duration: 30d, 12h or 2w.",
                                card.name
                            ));
                        }
                        _ => {}
                    }
                }
                let as_of = f.as_of.map(|t| t.format("%Y-%m-%d").to_string());
                (status, f.value.clone(), reason, as_of, f.cited.clone(), fix)
            }
        };
        if status == Status::Fail {
            let exemption = card.spec.exemptions.iter().find(|ex| {
                ex.check == check.id
                    && EntityRef::parse(&ex.entity, Some("component"), "default").is_ok_and(|e| &e == r)
            });
            if let Some(ex) = exemption {
                match chrono::NaiveDate::parse_from_str(&ex.expires, "%Y-%m-%d") {
                    Ok(until) if until >= today => {
                        status = Status::Exempt;
                        reason = format!(
                            "exempt until {} (approved by {}{}); {reason}",
                            ex.expires,
                            ex.approved_by,
                            ex.reason.as_deref().map(|r| format!(": {r}")).unwrap_or_default()
                        );
                    }
                    _ => reason = format!("{reason}; the exemption expired on {}", ex.expires),
                }
            }
        }
        checks.push(CheckResult {
            id: check.id.clone(),
            title: check.title.clone().unwrap_or_else(|| check.id.clone()),
            level: check.level,
            weight: check.weight,
            fact: check.fact.clone(),
            status,
            value,
            reason,
            as_of,
            cited,
            fix,
        });
    }
    let mut levels: Vec<Level> = checks.iter().map(|c| c.level).collect();
    levels.sort();
    levels.dedup();
    let level =
        levels.into_iter().take_while(|l| checks.iter().filter(|c| c.level <= *l).all(|c| c.status.holds())).last();
    let total: f64 = checks.iter().map(|c| c.weight).sum();
    let held: f64 = checks.iter().filter(|c| c.status.holds()).map(|c| c.weight).sum();
    let score = if total > 0.0 { (held / total * 100.0).round() as u32 } else { 100 };
    CardResult {
        scorecard: card.name.clone(),
        title: card.title.clone().unwrap_or_else(|| card.name.clone()),
        level,
        score,
        checks,
    }
}
