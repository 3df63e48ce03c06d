//! The executor of module migration PRs: the request files a [`ForgeWork::MigrateModule`] rewrote, committed on
//! its branch of the platform repo and proposed as one PR.
//!
//! # Guarantees
//! - The branch is rebuilt from the default branch each run and pushed only when its tree differs; the PR is
//!   opened once and edited in place; a PR a human closed is not reopened (the planner leaves it out, and this
//!   checks again).
//! - Only files under `requests/` are written.

use crate::forge::local::git;
use crate::forge::{Forge, NewPr, PrState};
use crate::plan::ForgeAction;
use crate::plan::Migrated;
use std::path::Path;

/// The fields of a [`crate::plan::ForgeWork::MigrateModule`].
pub struct PlannedPr<'a> {
    pub branch: &'a str,
    pub title: &'a str,
    pub body: &'a str,
    pub files: &'a [Migrated],
}

/// Commit the rewritten files on the PR's branch (in a scratch clone under `scratch`) and open or update the PR.
pub fn open_pr(
    action: &ForgeAction,
    planned: &PlannedPr<'_>,
    forge: &dyn Forge,
    scratch: &Path,
) -> anyhow::Result<String> {
    let PlannedPr { branch, title, body, files } = *planned;
    let repo = action.target.as_str();
    let info = forge.get_repo(repo)?.ok_or_else(|| anyhow::anyhow!("{repo} is not on the forge"))?;
    let prs = forge.list_prs(repo, None)?;
    if prs.iter().any(|p| p.head == branch && p.state == PrState::Closed) {
        return Ok(format!("closed by a human: not reopened ({branch})"));
    }
    std::fs::create_dir_all(scratch)?;
    let dir = scratch.join("platform");
    let url = std::fs::canonicalize(&info.clone_url).map(|p| p.display().to_string()).unwrap_or(info.clone_url.clone());
    git(scratch, &["clone", "--quiet", &url, &dir.to_string_lossy()])?;
    git(&dir, &["checkout", "--quiet", "-B", branch, &format!("origin/{}", info.default_branch)])?;
    for f in files {
        let path = dir.join(&f.path);
        anyhow::ensure!(Path::new(&f.path).starts_with("requests"), "refusing to write {}", f.path);
        std::fs::write(&path, &f.text)?;
    }
    git(&dir, &["add", "--all", "requests"])?;
    let message = format!("{title}\n\nPaved-Action: {}\n", action.id);
    let author = ["-c", "user.name=paved", "-c", "user.email=paved@paved.local", "-c", "commit.gpgsign=false"];
    let mut commit: Vec<&str> = author.to_vec();
    commit.extend(["commit", "--quiet", "--no-verify", "--allow-empty", "-m", &message]);
    git(&dir, &commit)?;
    let remote_tree = git(&dir, &["rev-parse", "--verify", "--quiet", &format!("origin/{branch}^{{tree}}")]).ok();
    let local_tree = git(&dir, &["rev-parse", "HEAD^{tree}"])?;
    if remote_tree.as_deref() != Some(local_tree.as_str()) {
        git(&dir, &["push", "--quiet", "--force", &url, &format!("HEAD:refs/heads/{branch}")])?;
    }
    match prs.iter().find(|p| p.head == branch && p.state == PrState::Open) {
        Some(pr) if pr.body == body && remote_tree.as_deref() == Some(local_tree.as_str()) => {
            Ok(format!("unchanged #{}", pr.number))
        }
        Some(pr) => {
            forge.update_pr(repo, pr.number, Some(title), Some(body))?;
            Ok(format!("updated #{}", pr.number))
        }
        None => {
            let pr = forge.open_pr(
                repo,
                NewPr {
                    head: branch.to_owned(),
                    base: info.default_branch.clone(),
                    title: title.to_owned(),
                    body: body.to_owned(),
                    author: "paved".into(),
                    labels: vec!["paved".into(), "paved:module-migration".into()],
                },
            )?;
            Ok(format!("opened #{}", pr.number))
        }
    }
}
