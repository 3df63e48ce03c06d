use crate::util::{Dir, Paved};

#[test]
fn init_creates_a_platform_repo_that_validates() {
    let dir = Dir::new();
    let target = dir.join("acme-platform");
    let t = target.to_str().expect("utf8");
    let run = Paved::new(&["init", t]).run().expect_code(0);
    assert!(run.stdout().contains("Created a platform repo"), "{}", run.stdout());
    for p in [
        "platform.yaml",
        "paths/microservice/path.yaml",
        "modules/database/module.yaml",
        "policies/baseline.rego",
        "catalog/org.yaml",
    ] {
        assert!(target.join(p).exists(), "{p}");
    }
    let v = Paved::new(&["validate", "--repo", t, "--format", "json"]).run();
    assert_eq!(v.code(), 0, "{}", v.stdout());
    // init never overwrites
    Paved::new(&["init", t]).run().expect_code(2);
}

#[test]
fn demo_runs_the_main_job_end_to_end() {
    let _demo = crate::util::demo_lock();
    let dir = Dir::new();
    let out = dir.join("demo");
    let run = Paved::new(&["demo", "--out", out.to_str().expect("utf8")]).run().expect_code(0);
    let text = run.stdout();
    assert!(text.contains("First reconcile:") && text.contains("bot commit"), "{text}");
    assert!(text.contains("Second reconcile: No changes"), "{text}");
    assert!(out.join("platform/status/forge/unclaimed-repos.yaml").exists());
    assert!(out.join("forge/repos/acme/platform.git").exists());
    Paved::new(&["audit", "verify", "--repo", out.join("platform").to_str().expect("utf8")]).run().expect_code(0);
}
