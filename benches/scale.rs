//! Scale benchmarks (issue 7): full load + validate + plan from a commit with a cold parse cache; after a one-file
//! commit, a full plan with a warm parse cache and the incremental planner's patched plan; on synthetic platforms
//! of 1,000, 10,000 and 50,000 services (`paved bench gen`). See docs/benchmarks.md for how to run them and what they showed.
//!
//! Sizes: `PAVED_BENCH_SIZES=1000,10000` (default `1000,10000,50000`). The generated repos are kept under
//! `$CARGO_TARGET_DIR/bench-repos/` (else `target/bench-repos/`) and reused while their seed and size match.

use criterion::{BenchmarkId, Criterion, SamplingMode, criterion_group, criterion_main};
use paved::bench;
use paved::model::cache::ParseCache;
use paved::ops::RepoOptions;
use paved::ops::incremental::{How, WarmPlanner};
use paved::ops::reconcile;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const SEED: u64 = 7;

fn sizes() -> Vec<usize> {
    // `cargo test --all-targets` runs this binary without `--bench` (criterion's test mode, one pass of each
    // benchmark, usually a debug build): a small platform proves the benchmark works without taking minutes.
    let default = if std::env::args().any(|a| a == "--bench") { "1000,10000,50000" } else { "200" };
    std::env::var("PAVED_BENCH_SIZES")
        .unwrap_or_else(|_| default.into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect()
}

fn repos_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"))
        .join("bench-repos")
}

/// The generated repo of `n` services (generated on first use; `scripts/bench` shares it).
fn repo(n: usize) -> (PathBuf, String) {
    let dir = repos_dir().join(format!("{n}-seed{SEED}"));
    if !dir.join(".git").exists() {
        let _ = std::fs::remove_dir_all(&dir);
        bench::generate(&dir, &bench::Options { services: n, seed: SEED }).expect("generating the bench repo");
    }
    (dir, bench::CHANGE_FILE.to_owned())
}

fn options(dir: &Path) -> RepoOptions {
    RepoOptions {
        repo: dir.to_path_buf(),
        rev: None,
        worktree: false,
        strict: false,
        forge: None,
        state: Some(dir.join(".paved/state")),
        lock_wait: paved::lock::DEFAULT_WAIT,
    }
}

fn scale(c: &mut Criterion) {
    for n in sizes() {
        let (dir, change) = repo(n);
        let opts = options(&dir);
        let planned = reconcile::plan(&opts, &ParseCache::new()).expect("planning the bench repo");
        assert_eq!(planned.loaded.diagnostics.errors(), 0, "the generated repo validates");

        let mut group = c.benchmark_group("full_plan_cold");
        group.sampling_mode(SamplingMode::Flat).sample_size(10).warm_up_time(Duration::from_millis(500));
        group.measurement_time(Duration::from_secs(if n >= 50_000 { 60 } else { 15 }));
        group.bench_with_input(BenchmarkId::from_parameter(n), &opts, |b, opts| {
            b.iter(|| reconcile::plan(opts, &ParseCache::new()).expect("plan"))
        });
        group.finish();

        // The same process and parse cache as the previous plan, but a full plan: what a one-file commit costs
        // without the incremental planner (kept for the ratio).
        let cache = ParseCache::new();
        reconcile::plan(&opts, &cache).expect("warming the cache");
        let mut revision = fresh_revision();
        timed_after_one_file_commits(c, "full_plan_warm_cache", n, &dir, &change, &mut revision, || {
            let before = cache.parses();
            let planned = reconcile::plan(&opts, &cache).expect("plan");
            assert_eq!(cache.parses() - before, 1, "one changed file, one parse");
            std::hint::black_box(planned);
        });

        // The incremental planner: the last plan, patched for the commit's tree diff.
        let cache = ParseCache::new();
        let mut warm = WarmPlanner::new(opts.clone());
        warm.plan(&cache).expect("the first plan");
        timed_after_one_file_commits(c, "incremental_plan", n, &dir, &change, &mut revision, || {
            let before = cache.parses();
            let how = warm.plan(&cache).expect("plan");
            assert!(matches!(how, How::Patched { files: 1, .. }), "a one-file commit is patched, not replanned: {how}");
            assert_eq!(cache.parses() - before, 1, "one changed file, one parse");
        });
    }
}

/// A revision no earlier run used, so every benchmark commit is a blob no cache has seen.
fn fresh_revision() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("the clock is after 1970").as_micros()
        as u64
}

/// Time `plan` (only it) after each of a series of one-file commits to `dir`.
fn timed_after_one_file_commits(
    c: &mut Criterion,
    group: &str,
    n: usize,
    dir: &Path,
    change: &str,
    revision: &mut u64,
    mut plan: impl FnMut(),
) {
    let mut group = c.benchmark_group(group);
    group.sampling_mode(SamplingMode::Flat).sample_size(10).warm_up_time(Duration::from_millis(500));
    group.measurement_time(Duration::from_secs(if n >= 50_000 { 30 } else { 10 }));
    group.bench_function(BenchmarkId::from_parameter(n), |b| {
        b.iter_custom(|iters| {
            let mut spent = Duration::ZERO;
            for _ in 0..iters {
                *revision += 1;
                bench::one_file_change(dir, change, *revision).expect("committing a one-file change");
                let start = Instant::now();
                plan();
                spent += start.elapsed();
            }
            spent
        })
    });
    group.finish();
}

criterion_group!(benches, scale);
criterion_main!(benches);
