//! Deployment events for DORA metrics: `evidence/deployments.jsonl`, one JSON object a line as the deploy pipeline
//! writes it (`component`, `environment`, `commit`, `committedAt`, `deployedAt`, `status`, `changeFailure`,
//! `restoredAt`, `incident`). A line that does not read is skipped and reported with its line number; it never
//! stops the others.

use super::{Citation, Inputs, parse_time};
use crate::model::entity_ref::EntityRef;
use chrono::{DateTime, Utc};
use serde::Serialize;

pub const FILE: &str = "evidence/deployments.jsonl";

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Deployment {
    pub component: EntityRef,
    pub environment: String,
    pub commit: String,
    pub committed_at: Option<DateTime<Utc>>,
    pub deployed_at: DateTime<Utc>,
    pub succeeded: bool,
    pub change_failure: bool,
    pub restored_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Deployments {
    pub events: Vec<Deployment>,
    /// `path:line: reason` of every line left out.
    pub skipped: Vec<String>,
    pub citation: Option<Citation>,
}

fn read_line(line: &str, now: DateTime<Utc>) -> Result<Deployment, String> {
    let v: serde_json::Value = serde_json::from_str(line).map_err(|e| format!("not JSON ({e})"))?;
    let text = |k: &str| v.get(k).and_then(serde_json::Value::as_str);
    let component = text("component").ok_or("no `component`")?;
    let component = EntityRef::parse(component, Some("component"), "default").map_err(|e| e.to_string())?;
    let deployed_at = text("deployedAt").and_then(parse_time).ok_or("no valid `deployedAt`")?;
    if deployed_at > now + super::CLOCK_SKEW {
        return Err(format!("deployedAt {} is in the future", deployed_at.format("%Y-%m-%dT%H:%M:%SZ")));
    }
    Ok(Deployment {
        component,
        environment: text("environment").unwrap_or("production").to_owned(),
        commit: text("commit").unwrap_or_default().to_owned(),
        committed_at: text("committedAt").and_then(parse_time),
        deployed_at,
        succeeded: text("status").is_none_or(|s| s == "succeeded" || s == "success"),
        change_failure: v.get("changeFailure").and_then(serde_json::Value::as_bool).unwrap_or(false),
        restored_at: text("restoredAt").and_then(parse_time),
    })
}

/// Read the deployment events; `None` when the platform repo has none.
pub fn collect(inputs: &Inputs<'_>) -> Option<Deployments> {
    let file = match inputs.file(FILE)? {
        Ok(f) => f,
        Err(e) => return Some(Deployments { skipped: vec![e], ..Deployments::default() }),
    };
    let mut out = Deployments { citation: Some(file.citation), ..Deployments::default() };
    for (i, line) in file.text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        match read_line(line, inputs.now) {
            Ok(d) => out.events.push(d),
            Err(e) => out.skipped.push(format!("{FILE}:{}: {e}", i + 1)),
        }
    }
    out.events.sort_by(|a, b| (a.deployed_at, &a.component).cmp(&(b.deployed_at, &b.component)));
    Some(out)
}
