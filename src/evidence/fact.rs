//! A fact about a component: its verdict, the evidence it cites, and that evidence's date (the date formats
//! evidence carries, and how far past the observation a date may lie).

use chrono::{DateTime, Utc};
use serde::Serialize;

/// Evidence dated more than this after the observation is "from the future": a skewed clock or a forged date.
pub const CLOCK_SKEW: chrono::Duration = chrono::Duration::minutes(5);

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
