//! `paved scorecard deprecations`: the quarterly sunset review. Once a quarter, one PR on the platform repo
//! proposes deprecating that quarter's sunset candidates (see [`crate::scorecard::adoption`]): a branch
//! `paved/deprecate/<YYYY>-Q<n>` whose commit sets `deprecated: true` in each candidate's manifest.
//!
//! Like module migration PRs it runs beside the reconcile, not in it: the reconcile only commits bot-owned files,
//! while this PR edits manifests the platform team owns, for them to review. The daemon runs it on its
//! `spec.schedules.scorecards` timer; everything goes through the [`Forge`] trait (no clone, no push), so the
//! local forge and GitHub behave the same.
//!
//! # Guarantees
//! - Idempotent: a re-run in the same quarter updates the open PR (branch and body) only when its content
//!   changed; a PR a human closed, or that merged, is left alone for the rest of the quarter.
//! - No candidates, no PR. Candidates already deprecated are not proposed again.

use super::{RepoOptions, open_snapshot};
use crate::forge::{FileWrite, Forge, NewPr, PrState};
use crate::model::cache::ParseCache;
use crate::plan::{ActionId, ActionKind};
use crate::scorecard::adoption::{self, Usage};
use crate::scorecard::sunset::{self, Proposal};
use anyhow::Context;
use std::collections::BTreeMap;

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

/// Run the review. With `dry_run`, say what would be proposed (from the platform repo as read) and open nothing.
pub fn propose(options: &RepoOptions, cache: &ParseCache, dry_run: bool) -> anyhow::Result<Outcome> {
    let _lease = if dry_run { None } else { Some(super::lock_platform(options)?) };
    let snapshot = open_snapshot(options)?;
    let loaded = crate::model::load(&snapshot, cache, &crate::model::LoadOptions { strict: options.strict });
    let now = super::scorecard::now()?;
    let (dates, added) = match loaded.basis.commit() {
        Some(rev) => (
            super::scorecard::request_dates(&options.repo, rev),
            super::scorecard::components_added(&options.repo, rev),
        ),
        None => (BTreeMap::new(), BTreeMap::new()),
    };
    let model = &loaded.model;
    let history = adoption::History { requests: &dates, components: &added };
    let candidates = adoption::sunset_candidates(model, history, now);
    let quarter = adoption::quarter_label(now);
    let min = model.platform.spec.sunset.min_consumers.unwrap_or(adoption::DEFAULT_MIN_CONSUMERS);
    let mut outcome = Outcome {
        quarter: quarter.clone(),
        candidates: candidates.iter().map(|u| u.manifest.clone()).collect(),
        result: Ok(String::new()),
    };
    if candidates.is_empty() {
        outcome.result = Ok("no sunset candidates: no PR".to_owned());
        return Ok(outcome);
    }
    if dry_run {
        let manifests: BTreeMap<String, String> = candidates
            .iter()
            .filter_map(|u| Some((u.manifest.clone(), snapshot.read_text(snapshot.get(&u.manifest)?).ok()?)))
            .collect();
        outcome.result = sunset::proposal(&quarter, min, &candidates, &manifests)
            .map(|p| format!("dry run: would propose \"{}\" on {}", p.title, p.branch));
        return Ok(outcome);
    }
    let forge = super::forge(options, &loaded)?;
    outcome.result = match (forge, &model.platform.spec.repos.platform) {
        (None, _) => Err("no forge configured".to_owned()),
        (_, None) => Err("platform.yaml names no platform repo (spec.repos.platform)".to_owned()),
        (Some(forge), Some(repo)) => {
            open_or_update(forge.as_ref(), repo, &quarter, min, &candidates).map_err(|e| format!("{e:#}"))
        }
    };
    Ok(outcome)
}

fn read_text(forge: &dyn Forge, repo: &str, git_ref: &str, path: &str) -> anyhow::Result<Option<String>> {
    let Some(bytes) = forge.read_file(repo, git_ref, path)? else { return Ok(None) };
    Ok(Some(String::from_utf8(bytes).with_context(|| format!("{path} on {git_ref} is not UTF-8"))?))
}

fn open_or_update(
    forge: &dyn Forge,
    repo: &str,
    quarter: &str,
    min: u32,
    candidates: &[Usage],
) -> anyhow::Result<String> {
    let info = forge.get_repo(repo)?.ok_or_else(|| anyhow::anyhow!("{repo} is not on the forge"))?;
    let branch = sunset::branch(quarter);
    let ours: Vec<_> = forge.list_prs(repo, None)?.into_iter().filter(|p| p.head == branch).collect();
    // Checked before touching the branch: a human's "no" holds for the whole quarter.
    if let Some(pr) = ours.iter().find(|p| p.state == PrState::Closed) {
        return Ok(format!("#{} was closed by a human: not reopened for {quarter}", pr.number));
    }
    if let Some(pr) = ours.iter().find(|p| p.state == PrState::Merged) {
        return Ok(format!("#{} merged: {quarter}'s review is done", pr.number));
    }
    let default = &info.default_branch;
    let mut manifests = BTreeMap::new();
    for u in candidates {
        if let Some(text) = read_text(forge, repo, default, &u.manifest)? {
            manifests.insert(u.manifest.clone(), text);
        }
    }
    let Proposal { branch, title, body, files } =
        sunset::proposal(quarter, min, candidates, &manifests).map_err(anyhow::Error::msg)?;
    let open = ours.iter().find(|p| p.state == PrState::Open);
    let mut writes: Vec<FileWrite> = files
        .iter()
        .map(|(path, text)| FileWrite::Put { path: path.clone(), content: text.clone().into_bytes() })
        .collect();
    // A manifest proposed earlier this quarter that is no longer a candidate goes back to the default branch's text.
    for path in open.map(|pr| sunset::proposed_manifests(&pr.body)).unwrap_or_default() {
        if !files.contains_key(&path) {
            writes.push(match forge.read_file(repo, default, &path)? {
                Some(content) => FileWrite::Put { path, content },
                None => FileWrite::Delete { path },
            });
        }
    }
    let id = ActionId::new(ActionKind::ProposeDeprecation, &branch, body.as_bytes());
    let message = format!("{title}\n\nPaved-Action: {id}\n");
    let committed = forge.commit_files(repo, &branch, default, &writes, &message)?;
    match open {
        Some(pr) if committed.is_none() && pr.body == body && pr.title == title => {
            Ok(format!("unchanged #{}", pr.number))
        }
        Some(pr) => {
            forge.update_pr(repo, pr.number, Some(&title), Some(&body))?;
            Ok(format!("updated #{}", pr.number))
        }
        None => {
            let labels = vec!["paved".to_owned(), "paved:sunset".to_owned()];
            let pr = forge.open_pr(
                repo,
                NewPr { head: branch, base: default.clone(), title, body, author: "paved".into(), labels },
            )?;
            Ok(format!("opened #{}", pr.number))
        }
    }
}
