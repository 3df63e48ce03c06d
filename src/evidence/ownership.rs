//! `ownership.fresh`: a member of the owning team committed to the platform repo or the component's repo in the
//! last [`FRESH_DAYS`] days. Commit authors come from git history (gathered by `ops` into
//! [`External::authors`](super::External)) and are matched to catalog users by email.

use super::fact::{Citation, Fact, NO_MEMBERS_FIX, NO_OWNER_FIX};
use super::inputs::Inputs;
use super::team::Team;

pub const FRESH_DAYS: i64 = 30;

/// `team`: the component's owner and its members.
pub fn collect(inputs: &Inputs<'_>, team: Option<&Team>) -> Fact {
    let Some((owner, members)) = team else {
        return Fact::unknown("the component has no owner", NO_OWNER_FIX);
    };
    if members.is_empty() {
        return Fact::unknown(format!("{owner} has no members: nobody can be active"), NO_MEMBERS_FIX);
    }
    let latest = members
        .iter()
        .filter_map(|(u, email)| Some((u, inputs.external.authors.get(email.as_ref()?)?)))
        .max_by_key(|(_, c)| c.time);
    let Some((user, commit)) = latest else {
        return Fact::fail(format!("no commit by a member of {owner} in the history paved reads"));
    };
    let age = inputs.now - commit.time;
    let cite = Citation::new(&commit.repo, format!("commit {}", &commit.commit[..commit.commit.len().min(12)]));
    let value = commit.time.format("%Y-%m-%d").to_string();
    let reason = format!("last commit by {} ({}) on {value}", user.name, commit.repo);
    let fact = if age <= chrono::Duration::days(FRESH_DAYS) {
        Fact::pass(value, reason)
    } else {
        Fact { value, ..Fact::fail(format!("{reason}, more than {FRESH_DAYS} days ago")) }
    };
    fact.at(Some(commit.time)).cite(cite)
}
