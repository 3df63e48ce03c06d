//! `paved bench gen`: the synthetic platform the benchmarks run on must be a valid platform repo, the same for
//! the same seed, and the one-file change the incremental benchmark commits must cost exactly one parse.

use crate::util::{Dir, Paved, git, s};
use paved::model::cache::ParseCache;
use paved::ops::{RepoOptions, reconcile};

#[test]
fn generated_platform_validates_plans_and_is_deterministic() {
    let a = Dir::new();
    let b = Dir::new();
    let out_a = a.join("platform");
    let out_b = b.join("platform");
    let run =
        Paved::new(&["bench", "gen", "--services", "200", "--seed", "3", "--out", s(&out_a)]).run().expect_code(0);
    assert!(run.stdout().contains("200 services"), "{}", run.stdout());
    Paved::new(&["bench", "gen", "--services", "200", "--seed", "3", "--out", s(&out_b)]).run().expect_code(0);
    let head = |d: &std::path::Path| git(d, &["rev-parse", "HEAD"]).trim().to_owned();
    assert_eq!(head(&out_a), head(&out_b), "same services and seed, same commit");

    let v = Paved::new(&["validate", "--repo", s(&out_a), "--rev", "HEAD"]).run().expect_code(0);
    assert!(v.stdout().contains("0 error(s), 0 warning(s)"), "{}", v.stdout());
    // All four team types and all nine capabilities are present.
    let groups = std::fs::read_dir(out_a.join("catalog"))
        .expect("catalog dir")
        .filter_map(|e| std::fs::read_to_string(e.ok()?.path().join("team.yaml")).ok())
        .collect::<String>();
    for kind in ["stream-aligned", "platform", "enabling", "complicated-subsystem"] {
        assert!(groups.contains(&format!("type: {kind}")), "no {kind} team");
    }
    let caps: std::collections::BTreeSet<String> = walk(&out_a.join("requests"))
        .iter()
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .filter_map(|t| t.lines().find_map(|l| l.trim().strip_prefix("capability: ").map(str::to_owned)))
        .collect();
    assert_eq!(caps.len(), 9, "{caps:?}");

    let options = RepoOptions {
        repo: out_a.clone(),
        rev: None,
        worktree: false,
        strict: false,
        forge: None,
        state: Some(a.join("state")),
        lock_wait: paved::lock::DEFAULT_WAIT,
    };
    let cache = ParseCache::new();
    let cold = reconcile::plan(&options, &cache).expect("plan");
    assert_eq!(cold.loaded.diagnostics.errors(), 0);
    assert!(!cold.plan.actions.is_empty(), "a new platform has status to write");
    let parsed = cache.parses();
    paved::bench::one_file_change(&out_a, paved::bench::CHANGE_FILE, 42).expect("one-file commit");
    let warm = reconcile::plan(&options, &cache).expect("plan");
    assert_eq!(cache.parses() - parsed, 1, "one changed file, one parse");
    assert_eq!(warm.plan.actions.len(), cold.plan.actions.len(), "the same platform, one flag's text changed");
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() { out.extend(walk(&p)) } else { out.push(p) }
    }
    out
}
