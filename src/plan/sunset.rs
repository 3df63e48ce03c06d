//! The quarterly sunset review in the plan: once a quarter, one PR on the platform repo proposing to deprecate
//! what too few teams use ([`crate::scorecard::adoption::sunset_candidates`]), with the manifest edits and text
//! of [`crate::scorecard::sunset`].
//!
//! Planned from the evidence's clock and history and from paved's PRs on the platform repo, as observed:
//! - no candidates, no PR; a PR a human closed, or that merged, holds for the rest of the quarter;
//! - an open PR with the same title and body is left alone; one whose candidates changed is updated;
//! - the action's id is what `paved scorecard deprecations` gave it before it was planned (kind, branch, body).

use super::{ActionId, ActionKind, ForgeAction, ForgeWork};
use crate::evidence::Facts;
use crate::forge::{PrState, PullRequest};
use crate::model::Model;
use crate::scorecard::adoption;
use crate::scorecard::sunset;
use std::collections::BTreeMap;

/// The quarter's review as planned: what `paved scorecard deprecations` reports.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Review {
    /// `2026-Q4`.
    pub quarter: String,
    /// Manifests of the candidates.
    pub candidates: Vec<String>,
    /// Why no action was planned (`Ok`: nothing to do, and why), or what makes the proposal impossible (`Err`).
    pub note: Option<Result<String, String>>,
    /// The proposal's title and branch, when there is one.
    pub proposal: Option<(String, String)>,
}

/// Plan the quarter's review. `manifests` are the library's manifests (`paths/*/path.yaml`,
/// `modules/*/module.yaml`) as the plan reads them; `prs` are paved's PRs on `repo`, the platform repo.
pub fn plan(
    model: &Model,
    facts: &Facts,
    manifests: &BTreeMap<String, String>,
    prs: &[PullRequest],
    repo: &str,
) -> (Option<ForgeAction>, Review) {
    let candidates = adoption::sunset_candidates(model, facts.history(), facts.now);
    let quarter = adoption::quarter_label(facts.now);
    let mut review = Review {
        quarter: quarter.clone(),
        candidates: candidates.iter().map(|u| u.manifest.clone()).collect(),
        ..Review::default()
    };
    let done = |mut review: Review, note: Result<String, String>| {
        review.note = Some(note);
        (None, review)
    };
    if candidates.is_empty() {
        return done(review, Ok("no sunset candidates: no PR".to_owned()));
    }
    let branch = sunset::branch(&quarter);
    let ours: Vec<&PullRequest> = prs.iter().filter(|p| p.head == branch).collect();
    if let Some(pr) = ours.iter().find(|p| p.state == PrState::Closed) {
        return done(review, Ok(format!("#{} was closed by a human: not reopened for {quarter}", pr.number)));
    }
    if let Some(pr) = ours.iter().find(|p| p.state == PrState::Merged) {
        return done(review, Ok(format!("#{} merged: {quarter}'s review is done", pr.number)));
    }
    let min = model.platform.spec.sunset.min_consumers.unwrap_or(adoption::DEFAULT_MIN_CONSUMERS);
    let proposal = match sunset::proposal(&quarter, min, &candidates, manifests) {
        Ok(p) => p,
        Err(e) => return done(review, Err(e)),
    };
    review.proposal = Some((proposal.title.clone(), proposal.branch.clone()));
    if let Some(open) = ours.iter().find(|p| p.state == PrState::Open)
        && open.title == proposal.title
        && open.body == proposal.body
    {
        return done(review, Ok(format!("unchanged #{}", open.number)));
    }
    let action = ForgeAction {
        id: ActionId::new(ActionKind::ProposeDeprecation, &proposal.branch, proposal.body.as_bytes()),
        kind: ActionKind::ProposeDeprecation,
        target: repo.to_owned(),
        entity: format!("sunset:{quarter}"),
        reason: format!("sunset review of {quarter}: {} candidate(s)", candidates.len()),
        work: ForgeWork::ProposeDeprecation {
            quarter,
            branch: proposal.branch,
            title: proposal.title,
            body: proposal.body,
            manifests: proposal.files.into_keys().collect(),
        },
    };
    (Some(action), review)
}
