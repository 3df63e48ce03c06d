use crate::util::{Dir, Paved, git};

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

/// `paved init` makes the git repository itself, and each next step it prints works as typed, from where
/// init was run.
#[test]
fn init_makes_a_git_repository_and_its_next_steps_work_as_typed() {
    let dir = Dir::new();
    let run = Paved::new(&["init", "acme"]).current_dir(dir.path()).run().expect_code(0);
    let repo = dir.join("acme");
    assert_eq!(git(&repo, &["rev-parse", "--abbrev-ref", "HEAD"]), "main");
    assert_eq!(git(&repo, &["status", "--porcelain"]), "", "every file is committed");
    assert!(git(&repo, &["ls-files"]).lines().any(|f| f == "platform.yaml"));
    let text = run.stdout();
    let steps: Vec<&str> = text.lines().filter_map(|l| l.trim().strip_prefix("paved ")).collect();
    assert!(steps.len() >= 2, "next steps:\n{text}");
    assert!(!text.contains("git init"), "paved made the repository:\n{text}");
    for step in steps {
        let typed = step.split('#').next().expect("a command").split_whitespace().collect::<Vec<_>>();
        let done = Paved::new(&typed).current_dir(dir.path()).run();
        assert_eq!(done.code(), 0, "`paved {step}`:\n{}\n{}", done.stdout(), done.stderr());
    }
}

#[test]
fn demo_refuses_a_directory_that_is_not_empty() {
    let dir = Dir::new();
    dir.write("mine/notes.txt", "my own notes\n");
    let run = Paved::new(&["demo", "--out", "mine"]).current_dir(dir.path()).run().expect_code(2);
    assert!(run.stderr().contains("mine exists and is not empty; pick a new directory"), "{}", run.stderr());
    let left: Vec<_> = std::fs::read_dir(dir.join("mine")).expect("dir").filter_map(Result::ok).collect();
    assert_eq!(left.len(), 1, "nothing written beside the user's file");
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
