//! `paved bench`: the operations that time paved itself on a generated platform repo ([`crate::bench`]).

use super::RepoOptions;
use super::incremental::{How, WarmPlanner};
use crate::bench::{CHANGE_FILE, one_file_change};

/// What `paved bench incremental` times.
#[derive(Debug, Clone)]
pub struct IncrementalOptions {
    /// A platform repo `paved bench gen` wrote; the run commits to it.
    pub repo: std::path::PathBuf,
    /// How many one-file commits to plan.
    pub commits: usize,
}

/// The patched plans' wall times, in seconds (the commits are not timed).
#[derive(Debug, Clone, PartialEq)]
pub struct Timings {
    /// In the order the commits were made.
    pub times: Vec<f64>,
    /// The upper median (0 when nothing was timed).
    pub median: f64,
}

impl Timings {
    fn of(times: Vec<f64>) -> Self {
        let mut sorted = times.clone();
        sorted.sort_by(f64::total_cmp);
        let median = sorted.get(sorted.len() / 2).copied().unwrap_or_default();
        Timings { times, median }
    }
}

/// `paved bench incremental`: plan the repo once, then `commits` times commit a one-file change ([`CHANGE_FILE`])
/// and plan it with the incremental planner, timing each patched plan. Fails if a plan was not patched: then the
/// figure would not be the incremental planner's.
pub fn incremental(options: &IncrementalOptions) -> anyhow::Result<Timings> {
    let (repo, commits) = (options.repo.as_path(), options.commits);
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
    Ok(Timings::of(times))
}

#[cfg(test)]
mod tests {
    use super::Timings;

    #[test]
    fn the_median_is_the_upper_middle_of_the_sorted_times() {
        assert_eq!(Timings::of(vec![3.0, 1.0, 2.0, 4.0]).median, 3.0);
        assert_eq!(Timings::of(vec![0.5]).median, 0.5);
        assert_eq!(Timings::of(Vec::new()).median, 0.0);
    }
}
