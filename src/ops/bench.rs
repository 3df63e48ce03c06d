//! `paved bench`: the operations that time paved itself on a generated platform repo ([`crate::bench`]).

use super::RepoOptions;
use super::incremental::{How, WarmPlanner};
use crate::bench::{CHANGE_FILE, one_file_change};

/// `paved bench incremental`: plan `repo` once, then `commits` times commit a one-file change ([`CHANGE_FILE`])
/// and plan it with the incremental planner. Returns each patched plan's wall time in seconds (the commits are not
/// timed). Fails if a plan was not patched: then the figure would not be the incremental planner's.
pub fn incremental(repo: &std::path::Path, commits: usize) -> anyhow::Result<Vec<f64>> {
    let options = RepoOptions {
        repo: repo.to_path_buf(),
        rev: None,
        worktree: false,
        strict: false,
        forge: None,
        state: Some(repo.join(".paved/state")),
        lock_wait: crate::lock::DEFAULT_WAIT,
    };
    let cache = crate::model::cache::ParseCache::new();
    let mut planner = WarmPlanner::new(options);
    planner.plan(&cache)?;
    let first = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_micros() as u64;
    let mut times = Vec::with_capacity(commits);
    for revision in first..first + commits as u64 {
        one_file_change(repo, CHANGE_FILE, revision)?;
        let start = std::time::Instant::now();
        let how = planner.plan(&cache)?;
        times.push(start.elapsed().as_secs_f64());
        anyhow::ensure!(matches!(how, How::Patched { .. }), "the plan after a one-file commit was not patched: {how}");
    }
    Ok(times)
}
