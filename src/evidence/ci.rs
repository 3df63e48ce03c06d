//! `ci.green`: every check run on the head of the component repo's default branch succeeded (neutral counts as
//! success), as the forge reports them. No check run at all is not green.

use super::fact::{Citation, Fact, parse_time};
use super::inputs::Inputs;
use crate::forge::CheckConclusion;
use crate::model::Model;
use crate::model::entity::Entity;

pub fn collect(inputs: &Inputs<'_>, entity: &Entity) -> Fact {
    let Some(repo) = Model::repo_of(entity) else {
        return Fact::unknown(
            "the catalog entry names no repo (paved.dev/repo)",
            "Set the paved.dev/repo annotation to the component's repo (`owner/name`) on the forge.",
        );
    };
    let Some(state) = inputs.external.ci.get(repo) else {
        return Fact::unknown(
            format!("{repo}: the forge was not asked (no forge configured)"),
            "Configure the forge in platform.yaml spec.forge so paved can read the check runs.",
        );
    };
    if let Some(e) = &state.error {
        return Fact::unknown(
            format!("{repo}: {e}"),
            "Make the repo readable on the forge; the evidence column says why it is not.",
        );
    }
    let Some(head) = &state.head else {
        return Fact::unknown(
            format!("{repo} has no default branch head on the forge"),
            format!("Push the default branch of {repo}."),
        );
    };
    let short = &head[..head.len().min(12)];
    let cite = Citation::new(repo, format!("commit {short}"));
    if state.checks.is_empty() {
        return Fact::unknown(
            format!("no check runs on {repo}@{short}"),
            format!("Run CI on every push to the default branch of {repo} and report its check runs to the forge."),
        )
        .cite(cite);
    }
    let as_of = state.checks.iter().filter_map(|c| parse_time(&c.updated_at)).max();
    let failing: Vec<&str> = state
        .checks
        .iter()
        .filter(|c| !matches!(c.conclusion, CheckConclusion::Success | CheckConclusion::Neutral))
        .map(|c| c.name.as_str())
        .collect();
    let fact = if failing.is_empty() {
        Fact::pass("green", format!("{} check(s) passed on {repo}@{short}", state.checks.len()))
    } else {
        Fact { value: "red".to_owned(), ..Fact::fail(format!("failing on {repo}@{short}: {}", failing.join(", "))) }
    };
    fact.at(as_of).cite(cite)
}
