//! `mfa.enforced`: every member of the owning team is in the identity provider's export
//! (`evidence/idp/mfa.json`: `users[]` with `login`, `status`, `mfaEnforced`, `factors[]`), with MFA enforced and
//! an active factor of a type the export's policy requires. Members are matched by their catalog email.

use super::error::Error;
use super::fact::{Citation, Fact, NO_MEMBERS_FIX, NO_OWNER_FIX, parse_time};
use super::inputs::Inputs;
use super::team::Team;
use chrono::{DateTime, Utc};
use serde::Deserialize;

pub const FILE: &str = "evidence/idp/mfa.json";

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Idp {
    #[serde(default)]
    exported_at: Option<String>,
    #[serde(default)]
    policy: Option<Policy>,
    users: Vec<User>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Policy {
    #[serde(default)]
    required_factor_types: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct User {
    login: String,
    #[serde(default)]
    mfa_enforced: bool,
    #[serde(default)]
    factors: Vec<Factor>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Factor {
    factor_type: String,
    status: String,
}

/// The export, read once.
pub struct Export(Result<(Idp, Option<DateTime<Utc>>, Citation), Error>);

impl Export {
    pub fn read(inputs: &Inputs<'_>) -> Self {
        Export(match inputs.file(FILE) {
            None => Err(Error::Missing { what: "identity-provider export", path: FILE }),
            Some(Err(e)) => Err(e),
            Some(Ok(f)) => match serde_json::from_str::<Idp>(&f.text) {
                Ok(x) => {
                    let at = x.exported_at.as_deref().and_then(parse_time).or(f.delivered);
                    Ok((x, at, f.citation))
                }
                Err(e) => Err(Error::in_file(
                    FILE,
                    Error::Parse { what: "not an identity-provider export", message: e.to_string() },
                )),
            },
        })
    }

    /// `team`: the component's owner and its members.
    pub fn collect(&self, team: Option<&Team>) -> Fact {
        let (idp, at, citation) = match &self.0 {
            Ok(x) => x,
            Err(e) => return Fact::unreadable(e.to_string()),
        };
        let Some((owner, members)) = team else {
            return Fact::unknown("the component has no owner", NO_OWNER_FIX);
        };
        if members.is_empty() {
            return Fact::unknown(format!("{owner} has no members"), NO_MEMBERS_FIX).cite(citation.clone());
        }
        let required = idp.policy.as_ref().map(|p| p.required_factor_types.as_slice()).unwrap_or_default();
        let mut missing = Vec::new();
        for (user, email) in members {
            let found = email.as_ref().and_then(|e| idp.users.iter().find(|u| u.login.eq_ignore_ascii_case(e)));
            let ok = found.is_some_and(|u| {
                u.mfa_enforced
                    && u.factors
                        .iter()
                        .any(|f| f.status == "ACTIVE" && (required.is_empty() || required.contains(&f.factor_type)))
            });
            if !ok {
                let why = match (email, found) {
                    (None, _) => "no email in the catalog",
                    (Some(_), None) => "not in the export",
                    (Some(_), Some(u)) if !u.mfa_enforced => "MFA not enforced",
                    _ => "no active required factor",
                };
                missing.push(format!("{} ({why})", user.name));
            }
        }
        let fact = if missing.is_empty() {
            Fact::pass(format!("{} of {}", members.len(), members.len()), format!("every member of {owner} has MFA"))
        } else {
            Fact {
                value: format!("{} of {}", members.len() - missing.len(), members.len()),
                ..Fact::fail(format!("without MFA: {}", missing.join(", ")))
            }
        };
        fact.at(*at).cite(citation.clone())
    }
}
