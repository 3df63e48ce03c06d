//! Plans on PRs: `paved plan --base --head`, and `paved pr plan N`, which posts the plan as the PR's single
//! paved comment (edited in place) with a `paved/policy` check on the head commit.

use crate::forge::local::LocalForge;
use crate::forge::{Check, Forge};
use crate::model::cache::ParseCache;
use crate::review::{self, Review};
use std::path::Path;

/// The author paved comments as; one comment per PR per author, so this is the key of paved's comment.
pub const BOT: &str = "paved[bot]";
/// The check paved sets on the head commit.
pub const CHECK: &str = "paved/policy";

/// Review `head` against `base` in the git repo at `repo`.
pub fn review_revs(repo: &Path, base: &str, head: &str, cache: &ParseCache) -> anyhow::Result<Review> {
    Ok(review::review(repo, base, head, &[], cache)?)
}

/// Compute PR `number`'s plan on the local forge and post it: the comment, and the check on its head commit.
pub fn post(forge: &LocalForge, repo: &str, number: u64, cache: &ParseCache) -> anyhow::Result<(Review, String)> {
    let pr = forge.get_pr(repo, number)?;
    let bare = forge.repo_path(repo)?;
    let approvers = pr.approvers();
    let review = review::review(&bare, &format!("refs/heads/{}", pr.base), &pr.head_commit, &approvers, cache)?;
    let body = review::markdown::render(&review);
    forge.upsert_comment(repo, number, BOT, &body)?;
    let summary = body.lines().nth(2).unwrap_or_default().to_owned();
    forge.set_check(
        repo,
        number,
        Check {
            name: CHECK.to_owned(),
            commit: pr.head_commit.clone(),
            conclusion: review.conclusion(),
            summary,
            details: body.clone(),
            updated_at: String::new(),
        },
    )?;
    Ok((review, body))
}
