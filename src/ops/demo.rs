//! `paved demo OUT`: the main job, end to end, on the example platform repo and the embedded local forge.
//!
//! Lays out `OUT/platform` (a git repo holding the example, with a history built by [`demo_story`]), `OUT/forge`
//! (the local forge: the platform repo and one repo per service, except the experimental ones not created yet,
//! with their deployments and incidents, plus one repo nobody claims), then runs reconcile twice: the first
//! writes status and audit in a bot commit, scaffolds the repos not created yet and opens the migration PRs of the
//! services behind their path (then takes in what those changed on the forge); the second finds nothing to do.

use super::RepoOptions;
use super::demo_dates;
use super::demo_story;
use super::reconcile::{Reconciled, reconcile};
use crate::forge::Forge;
use crate::forge::local::{LocalForge, git};
use crate::library;
use crate::model::cache::ParseCache;
use anyhow::Context;
use std::path::{Path, PathBuf};

pub struct Demo {
    pub platform: PathBuf,
    pub forge: PathBuf,
    pub repos_created: Vec<String>,
    pub first: Reconciled,
    pub second: Reconciled,
}

fn commit_all(dir: &Path, message: &str) -> anyhow::Result<()> {
    Ok(crate::gitcli::commit_all(dir, "Acme Platform Team", "platform@acme.example", message)?)
}

/// Create `repo` on the forge with an initial commit holding `files`.
fn seed_repo(forge: &LocalForge, repo: &str, files: &[(&str, String)]) -> anyhow::Result<()> {
    let info = forge.create_repo(repo, "main")?;
    let work = tempfile_dir()?;
    git(&work, &["init", "--quiet", "--initial-branch=main"])?;
    for (rel, body) in files {
        let path = work.join(rel);
        std::fs::create_dir_all(path.parent().expect("has parent"))?;
        std::fs::write(path, body)?;
    }
    commit_all(&work, "Initial commit")?;
    git(&work, &["push", "--quiet", &info.clone_url, "main"])?;
    std::fs::remove_dir_all(&work).ok();
    Ok(())
}

fn tempfile_dir() -> anyhow::Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("paved-seed-{}-{}", std::process::id(), rand_suffix()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

fn rand_suffix() -> u128 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or_default()
}

/// The example's history, built in the extracted platform repo (read as a work tree until it is a git repo).
fn story_history(platform: &Path, now: chrono::DateTime<chrono::Utc>) -> anyhow::Result<demo_story::History> {
    let options = RepoOptions { worktree: true, ..RepoOptions::new(platform.to_path_buf()) };
    let loaded = super::load(&options, &ParseCache::new())?;
    demo_story::platform_history(platform, &loaded.model, now)
}

pub fn demo(out: &Path) -> anyhow::Result<Demo> {
    if out.exists() {
        anyhow::ensure!(
            std::fs::read_dir(out)?.next().is_none(),
            "{} exists and is not empty; pick a new directory",
            out.display()
        );
    }
    let platform = out.join("platform");
    let forge_dir = out.join("forge");
    library::extract(&library::EXAMPLE, &platform).context("writing the example platform repo")?;
    let now = super::scorecard::now()?;
    demo_dates::redate_evidence(&platform, now).context("re-dating the example's evidence")?;
    let history = story_history(&platform, now)?;

    let options = RepoOptions { forge: Some(forge_dir.clone()), ..RepoOptions::new(platform.clone()) };
    let cache = ParseCache::new();
    let loaded = super::load(&options, &cache)?;
    let forge = LocalForge::new(&forge_dir);
    let mut created = Vec::new();
    if let Some(platform_repo) = loaded.model.platform.spec.repos.platform.clone() {
        let info = forge.create_repo(&platform_repo, "main")?;
        git(&platform, &["push", "--quiet", &info.clone_url, "main"])?;
        created.push(platform_repo);
    }
    let snapshot = super::open_snapshot(&options)?;
    created.extend(demo_story::seed_services(&forge, &loaded.model, &snapshot, &history, now)?);
    let owner = loaded.model.platform.spec.repos.owner.clone().unwrap_or_else(|| "acme".to_owned());
    let stray = format!("{owner}/hackathon-prototype");
    seed_repo(&forge, &stray, &[("README.md", "# A hackathon prototype nobody registered\n".to_owned())])?;
    created.push(stray);

    let first = reconcile(&options, &cache, false, "paved")?;
    let second = reconcile(&options, &cache, false, "paved")?;
    Ok(Demo { platform, forge: forge_dir, repos_created: created, first, second })
}
