//! Scale benchmarks (issue 7): full load + validate + plan from a commit with a cold parse cache, and the
//! incremental plan after a one-file commit with a warm cache, on synthetic platforms of 1,000, 10,000 and
//! 50,000 services (`paved bench gen`). See docs/benchmarks.md for how to run them and what they showed.
//!
//! Sizes: `PAVED_BENCH_SIZES=1000,10000` (default `1000,10000,50000`). The generated repos are kept under
//! `$CARGO_TARGET_DIR/bench-repos/` (else `target/bench-repos/`) and reused while their seed and size match.

use criterion::{BenchmarkId, Criterion, SamplingMode, criterion_group, criterion_main};
use paved::bench;
use paved::model::cache::ParseCache;
use paved::ops::RepoOptions;
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

        let mut group = c.benchmark_group("incremental_plan_warm");
        group.sampling_mode(SamplingMode::Flat).sample_size(10).warm_up_time(Duration::from_millis(500));
        group.measurement_time(Duration::from_secs(if n >= 50_000 { 30 } else { 10 }));
        let cache = ParseCache::new();
        reconcile::plan(&opts, &cache).expect("warming the cache");
        // A revision no earlier run used, so every commit is a blob this cache has never seen.
        let mut revision = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("the clock is after 1970")
            .as_micros() as u64;
        group.bench_with_input(BenchmarkId::from_parameter(n), &opts, |b, opts| {
            b.iter_custom(|iters| {
                let mut spent = Duration::ZERO;
                for _ in 0..iters {
                    revision += 1;
                    bench::one_file_change(&dir, &change, revision).expect("committing a one-file change");
                    let before = cache.parses();
                    let start = Instant::now();
                    let planned = reconcile::plan(opts, &cache).expect("plan");
                    spent += start.elapsed();
                    assert_eq!(cache.parses() - before, 1, "one changed file, one parse");
                    std::hint::black_box(planned);
                }
                spent
            })
        });
        group.finish();
    }
}

criterion_group!(benches, scale);
criterion_main!(benches);
