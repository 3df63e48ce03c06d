//! `cost.within_budget` and `cost.trend_ok`: FinOps FOCUS exports (`evidence/billing/*.csv`, columns
//! `BilledCost`, `ChargePeriodStart`, `Tags`) summed per service (the `service` key of `Tags`) and month.
//! The latest billed month must be within the component's `paved.dev/budget-monthly`, and must not have grown more
//! than [`MAX_GROWTH`] over the month before.
//!
//! A file with missing columns, a non-numeric cost or a broken row fails every cost fact with the file and line:
//! a partial sum would pass a service whose rows were lost.

use super::error::Error;
use super::fact::{Citation, Fact, parse_time};
use super::inputs::Inputs;
use crate::model::annotations::BUDGET;
use crate::model::entity::Entity;
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, BTreeSet};

pub const DIR: &str = "evidence/billing";
/// Month-over-month growth above this fails `cost.trend_ok`.
pub const MAX_GROWTH: f64 = 0.20;

#[derive(Debug, Default)]
struct Totals {
    /// (service, YYYY-MM) -> USD.
    spend: BTreeMap<(String, String), f64>,
    months: BTreeSet<String>,
    /// The end of the latest charge period seen.
    as_of: Option<DateTime<Utc>>,
    cited: Vec<Citation>,
}

/// Every export, summed once for all components.
pub struct Billing(Result<Totals, Error>);

impl Billing {
    pub fn read(inputs: &Inputs<'_>) -> Self {
        let mut totals = Totals::default();
        let paths: Vec<String> =
            inputs.snapshot.under(DIR).filter(|e| e.path.ends_with(".csv")).map(|e| e.path.clone()).collect();
        if paths.is_empty() {
            return Billing(Err(Error::NoneUnder { what: "FOCUS billing export", dir: DIR }));
        }
        for path in paths {
            let file = match inputs.file(&path) {
                Some(Ok(f)) => f,
                Some(Err(e)) => return Billing(Err(e)),
                None => continue,
            };
            if let Err((line, e)) = add_file(&mut totals, &file.text) {
                return Billing(Err(Error::at_line(path, line, e)));
            }
            totals.cited.push(file.citation);
        }
        Billing(Ok(totals))
    }

    /// (`cost.within_budget`, `cost.trend_ok`).
    pub fn collect(&self, entity: &Entity) -> (Fact, Fact) {
        let t = match &self.0 {
            Ok(t) => t,
            Err(e) => return (Fact::unreadable(e.to_string()), Fact::unreadable(e.to_string())),
        };
        let cite = |mut f: Fact| {
            for c in &t.cited {
                f = f.cite(c.clone());
            }
            f.at(t.as_of)
        };
        let name = entity.name.as_str();
        let Some(last) = t.months.iter().next_back() else {
            let none = || {
                Fact::unknown(
                    "the billing exports hold no rows",
                    "Deliver the monthly FOCUS export of the cloud bill to evidence/billing/YYYY-MM.focus.csv.",
                )
            };
            return (none(), none());
        };
        let billed = t.spend.keys().any(|(s, _)| s.eq_ignore_ascii_case(name));
        if !billed {
            let why = format!("no billed cost carries the tag service={name}");
            let fix = format!("Tag the component's cloud resources with service={name} so the bill attributes them.");
            return (cite(Fact::unknown(&why, &fix)), cite(Fact::unknown(why, fix)));
        }
        let spend = |month: &str| t.spend.get(&(name.to_ascii_lowercase(), month.to_owned())).copied().unwrap_or(0.0);
        let now = spend(last);
        let within = match entity.annotations.get(BUDGET).map(|b| b.trim().parse::<f64>()) {
            None => Fact::unknown(
                format!("no {BUDGET} annotation: there is no budget to compare {now:.2} USD with"),
                format!("Agree a monthly budget with group:finops and set the {BUDGET} annotation (USD)."),
            ),
            Some(Err(_)) => Fact::unknown(
                format!("{BUDGET} `{}` is not a number", entity.annotations[BUDGET]),
                format!("Write the {BUDGET} annotation as a number of USD, such as \"900\"."),
            ),
            Some(Ok(budget)) => {
                let value = format!("{now:.0} of {budget:.0} USD");
                if now <= budget {
                    Fact::pass(value, format!("{last}: {now:.2} USD billed, budget {budget:.2} USD"))
                } else {
                    Fact {
                        value,
                        ..Fact::fail(format!("{last}: {now:.2} USD billed, over the budget of {budget:.2} USD"))
                    }
                }
            }
        };
        let previous = t.months.range(..last.clone()).next_back();
        let trend = match previous.map(|p| (p, spend(p))) {
            Some((p, before)) if before > 0.0 => {
                let growth = (now - before) / before;
                let value = format!("{:+.0}%", growth * 100.0);
                let reason = format!("{p}: {before:.2} USD, {last}: {now:.2} USD");
                if growth <= MAX_GROWTH { Fact::pass(value, reason) } else { Fact { value, ..Fact::fail(reason) } }
            }
            _ => Fact::pass("first month", format!("{last} is the first month billed")),
        };
        (cite(within), cite(trend))
    }
}

/// Add one export to `totals`; an error is the line it is on and what is wrong there.
fn add_file(totals: &mut Totals, text: &str) -> Result<(), (u64, Error)> {
    let mut reader = csv::ReaderBuilder::new().from_reader(text.as_bytes());
    let headers =
        reader.headers().map_err(|e| (1, Error::Parse { what: "unreadable header", message: e.to_string() }))?.clone();
    let col = |name: &str| headers.iter().position(|h| h.trim() == name);
    let (Some(cost), Some(start), Some(tags)) = (col("BilledCost"), col("ChargePeriodStart"), col("Tags")) else {
        return Err((
            1,
            Error::Invalid("not a FOCUS export: needs the columns BilledCost, ChargePeriodStart and Tags"),
        ));
    };
    let end = col("ChargePeriodEnd");
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            (line, Error::Parse { what: "broken row", message: e.to_string() })
        })?;
        let line = record.position().map_or(0, |p| p.line());
        let field = |i: usize| record.get(i).unwrap_or_default().trim();
        let bad = |i: usize, field_name, expected| {
            (line, Error::BadValue { field: field_name, value: field(i).to_owned(), expected })
        };
        let amount: f64 = field(cost)
            .parse()
            .ok()
            .filter(|c: &f64| c.is_finite())
            .ok_or_else(|| bad(cost, "BilledCost", "a number"))?;
        let started = parse_time(field(start)).ok_or_else(|| bad(start, "ChargePeriodStart", "a date"))?;
        let month = started.format("%Y-%m").to_string();
        if let Some(ended) = end.and_then(|e| parse_time(field(e))).or(Some(started)) {
            totals.as_of = totals.as_of.max(Some(ended));
        }
        totals.months.insert(month.clone());
        let service = serde_json::from_str::<serde_json::Value>(field(tags))
            .ok()
            .and_then(|t| t.get("service")?.as_str().map(str::to_ascii_lowercase));
        if let Some(service) = service {
            *totals.spend.entry((service, month)).or_insert(0.0) += amount;
        }
    }
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests_support {
    /// Sum one export: the services' spend and the number of months, or the located error.
    pub type Spend = std::collections::BTreeMap<(String, String), f64>;

    pub fn totals(text: &str) -> Result<(Spend, usize), (u64, super::Error)> {
        let mut t = super::Totals::default();
        super::add_file(&mut t, text)?;
        Ok((t.spend, t.months.len()))
    }
}
