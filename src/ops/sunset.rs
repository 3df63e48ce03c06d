//! `paved scorecard deprecations`: the quarterly sunset review by hand. Once a quarter, one PR on the platform
//! repo proposes deprecating that quarter's sunset candidates (see [`crate::scorecard::adoption`]): a branch
//! `paved/deprecate/<YYYY>-Q<n>` whose commit sets `deprecated: true` in each candidate's manifest.
//!
//! It is the plan filtered to its one kind (`sunset.propose`, planned by [`crate::plan::sunset`], carried out by
//! [`crate::apply::sunset`]): the same action `paved reconcile` and the daemon run, with the same id, audited the
//! same way. The daemon also runs it on its `spec.schedules.scorecards` timer, so a new quarter's review comes
//! without a commit.
//!
//! # Guarantees
//! - Idempotent: a re-run in the same quarter updates the open PR only when its content changed; a PR a human
//!   closed, or that merged, is left alone for the rest of the quarter.
//! - No candidates, no PR. Candidates already deprecated are not proposed again.

use super::RepoOptions;
use super::reconcile::{Only, reconcile_only};
use crate::model::cache::ParseCache;
use crate::plan::ActionKind;
use crate::plan::paths::DEFAULT_MAX_NEW_PRS;

/// What the review did.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// `2026-Q4`.
    pub quarter: String,
    /// Manifests of the candidates proposed.
    pub candidates: Vec<String>,
    /// `opened #n`, `updated #n`, `unchanged #n`, why nothing was opened; or what failed.
    pub result: Result<String, String>,
}

/// Run the review. With `dry_run`, say what would be proposed and open nothing.
pub fn propose(options: &RepoOptions, cache: &ParseCache, dry_run: bool) -> anyhow::Result<Outcome> {
    let kinds = [ActionKind::ProposeDeprecation];
    let only = Only { dry_run, actor: "paved", max_new_prs: DEFAULT_MAX_NEW_PRS, kinds: Some(&kinds) };
    let done = reconcile_only(options, cache, &only, &crate::progress::Silent)?;
    let model = &done.planned.loaded.model;
    let Some(review) = done.planned.plan.rollout.sunset.clone() else {
        let quarter = crate::scorecard::adoption::quarter_label(super::scorecard::now()?);
        let why = match (&model.platform.spec.repos.platform, &done.planned.forge_error) {
            (None, _) => "platform.yaml names no platform repo (spec.repos.platform)".to_owned(),
            (_, Some(e)) => e.clone(),
            (Some(_), None) => "no forge configured".to_owned(),
        };
        return Ok(Outcome { quarter, candidates: Vec::new(), result: Err(why) });
    };
    let done_by_apply =
        done.report.iter().flat_map(|r| &r.forge).find(|r| r.kind == ActionKind::ProposeDeprecation.as_str());
    let result = match (review.note, done_by_apply, review.proposal) {
        (Some(note), ..) => note,
        (None, Some(r), _) => r.outcome.clone().ok_or_else(|| r.error.clone().unwrap_or_default()),
        (None, None, Some((title, branch))) if dry_run => Ok(format!("dry run: would propose \"{title}\" on {branch}")),
        (None, None, _) => Err("the review was planned but not carried out".to_owned()),
    };
    Ok(Outcome { quarter: review.quarter, candidates: review.candidates, result })
}
