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

#[cfg(test)]
mod tests {
    //! The sunset planner as a table: the example model with no request history (so every capability too few
    //! teams use is a candidate), paved's PRs on the platform repo observed each way.

    use super::*;
    use crate::model::example;

    fn facts(now: &str) -> Facts {
        Facts { now: now.parse().expect("a time"), ..Facts::default() }
    }

    fn manifests(model: &Model) -> BTreeMap<String, String> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("platform-repo-example");
        model.manifest_paths().filter_map(|p| Some((p.clone(), std::fs::read_to_string(root.join(&p)).ok()?))).collect()
    }

    fn pr(state: PrState, branch: &str, title: &str, body: &str) -> PullRequest {
        serde_json::from_value(serde_json::json!({
            "number": 3, "repo": "acme/platform", "title": title, "body": body, "head": branch, "base": "main",
            "state": state, "author": "paved", "head_commit": "h",
            "created_at": "2026-11-01T00:00:00Z", "updated_at": "2026-11-01T00:00:00Z",
        }))
        .expect("a pull request")
    }

    #[test]
    fn each_observed_pr_gives_the_quarters_action_or_note() {
        let model = example();
        let (manifests, now) = (manifests(&model), facts("2026-11-28T12:00:00Z"));
        let plan_with = |prs: &[PullRequest]| plan(&model, &now, &manifests, prs, "acme/platform");

        let (action, review) = plan_with(&[]);
        let action = action.expect("candidates and no PR: the quarter's PR");
        assert_eq!(review.quarter, "2026-Q4");
        assert!(!review.candidates.is_empty() && review.note.is_none());
        let ForgeWork::ProposeDeprecation { branch, title, body, manifests: proposed, .. } = &action.work else {
            panic!("a sunset proposal, not {:?}", action.work)
        };
        assert_eq!(branch, "paved/deprecate/2026-Q4");
        assert_eq!(proposed, &review.candidates, "every candidate's manifest is proposed");
        assert_eq!(action.id, ActionId::new(ActionKind::ProposeDeprecation, branch, body.as_bytes()), "the id it had");

        let note = |prs: &[PullRequest]| {
            let (action, review) = plan_with(prs);
            (action.is_some(), review.note)
        };
        assert_eq!(note(&[pr(PrState::Open, branch, title, body)]), (false, Some(Ok("unchanged #3".to_owned()))));
        assert_eq!(note(&[pr(PrState::Open, branch, title, "an older body")]), (true, None), "brought up to date");
        assert_eq!(
            note(&[pr(PrState::Closed, branch, title, body)]),
            (false, Some(Ok("#3 was closed by a human: not reopened for 2026-Q4".to_owned())))
        );
        assert_eq!(
            note(&[pr(PrState::Merged, branch, title, body)]),
            (false, Some(Ok("#3 merged: 2026-Q4's review is done".to_owned())))
        );
        // The next quarter is a review of its own, whatever became of the last one.
        let next = plan(
            &model,
            &facts("2027-01-10T09:00:00Z"),
            &manifests,
            &[pr(PrState::Closed, branch, title, body)],
            "acme/platform",
        );
        assert!(next.0.is_some() && next.1.quarter == "2027-Q1");
    }

    #[test]
    fn a_manifest_that_cannot_be_edited_is_an_error_not_a_pr() {
        let model = example();
        let now = facts("2026-11-28T12:00:00Z");
        let (action, review) = plan(&model, &now, &BTreeMap::new(), &[], "acme/platform");
        assert!(action.is_none());
        assert!(matches!(&review.note, Some(Err(e)) if e.contains("is not on the default branch")), "{review:?}");
    }
}
