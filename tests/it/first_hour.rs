//! The first hour, as a person types it: the README's commands and the ones paved suggests, with relative paths,
//! from another working directory, with no extra flags. Tests elsewhere pass absolute temporary paths; these
//! exist because that hid every bug a newcomer met first (issue 20).

use crate::util::{Dir, Paved, demo_lock, git};
use std::path::Path;

/// Every file under `dir` (not `.git/`) whose text contains `needle`.
fn files_containing(dir: &Path, needle: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("readable dir").flatten() {
            let path = entry.path();
            if path.file_name().is_some_and(|n| n == ".git") {
                continue;
            }
            if path.is_dir() {
                stack.push(path);
            } else if std::fs::read_to_string(&path).is_ok_and(|t| t.contains(needle)) {
                found.push(path.display().to_string());
            }
        }
    }
    found
}

#[test]
fn the_demo_and_the_commands_it_suggests_work_as_typed() {
    let _demo = demo_lock();
    let home = Dir::new();
    let here = home.path();
    let run = Paved::new(&["demo", "--out", "paved-demo"]).current_dir(here).run().expect_code(0);
    let text = run.stdout();
    assert!(text.contains("Second reconcile: No changes"), "{text}");
    // It suggests commands with the paths as typed from here, and they are true.
    assert!(text.contains("paved plan --repo paved-demo/platform"), "{text}");
    // The commands it suggests, run exactly as printed, in a new shell in the same directory.
    let plan_line = text.lines().find(|l| l.contains(" plan --repo ")).expect("a suggested plan");
    let audit_line = text.lines().find(|l| l.contains(" audit verify --repo ")).expect("a suggested audit verify");
    let suggested = [
        plan_line.trim().trim_end_matches("(no changes now)").trim(),
        audit_line.split_once('(').and_then(|(_, c)| c.strip_suffix(')')).expect("in parentheses"),
    ];
    for command in suggested {
        let out = std::process::Command::new("sh").args(["-c", command]).current_dir(here).output().expect("sh");
        assert!(out.status.success(), "`{command}`: {}", String::from_utf8_lossy(&out.stderr));
    }
    assert!(!here.join("paved-demo/forge/repos/acme/paved-demo").exists(), "nested folders from a relative path");

    let plan = Paved::new(&["plan", "--repo", "paved-demo/platform"]).current_dir(here).run().expect_code(0);
    assert!(plan.stdout().contains("No changes"), "{}\n{}", plan.stdout(), plan.stderr());

    // The state is the platform's: inside the repo by default, git-ignored, marked, and nothing in the repo
    // names the machine's paths.
    let platform = here.join("paved-demo/platform");
    assert!(platform.join(".paved/state/paved-state.json").is_file());
    assert!(platform.join(".paved/state/secrets").is_dir(), "the demo's secret store is in the platform's state");
    assert_eq!(git(&platform, &["status", "--porcelain"]), "", "the state is never a change to commit");
    let spelled = here.to_str().expect("utf8");
    assert_eq!(files_containing(&platform.join("status"), spelled), Vec::<String>::new());

    // From inside the platform repo, with the defaults.
    Paved::new(&["plan"]).current_dir(&platform).run().expect_code(0);
    let again = Paved::new(&["reconcile"]).current_dir(&platform).run().expect_code(0);
    assert!(again.stdout().contains("No changes"), "{}", again.stdout());
    Paved::new(&["validate"]).current_dir(&platform).run().expect_code(0);
    Paved::new(&["audit", "verify"]).current_dir(&platform).run().expect_code(0);
    let status = Paved::new(&["paths", "status", "--repo", "."]).current_dir(&platform).run().expect_code(0);
    assert!(!status.stdout().contains("no .paved/answers.yaml"), "{}", status.stdout());
    let sync = Paved::new(&["paths", "sync", "--repo", ".", "--forge", "../forge"]).current_dir(&platform).run();
    assert!(!sync.stderr().contains("No such file"), "{}", sync.stderr());
    sync.expect_code(0);
    // Reconcile and paths sync take turns without undoing each other's pages, and settle.
    let after_sync = Paved::new(&["reconcile"]).current_dir(&platform).run().expect_code(0);
    assert!(!after_sync.stdout().contains("campaigns/"), "reconcile undid the campaign pages: {}", after_sync.stdout());
    Paved::new(&["paths", "sync"]).current_dir(&platform).run();
    Paved::new(&["reconcile"]).current_dir(&platform).run().expect_code(0);
    let head = git(&platform, &["rev-parse", "HEAD"]);
    Paved::new(&["paths", "sync"]).current_dir(&platform).run();
    let settled = Paved::new(&["reconcile"]).current_dir(&platform).run().expect_code(0);
    assert!(settled.stdout().contains("No changes"), "{}", settled.stdout());
    assert_eq!(git(&platform, &["rev-parse", "HEAD"]), head, "a second sync and reconcile commit nothing");
    Paved::new(&["scorecard", "--repo", "paved-demo/platform"]).current_dir(here).run().expect_code(0);
    Paved::new(&["pr", "list", "--repo", "paved-demo/platform"]).current_dir(here).run().expect_code(0);

    // A state directory that does not hold this platform's state is refused with the fix, not silently replaced.
    let elsewhere = Paved::new(&["plan", "--repo", "paved-demo/platform", "--state", "empty-state"])
        .current_dir(here)
        .run()
        .expect_code(2);
    let why = elsewhere.stderr();
    assert!(why.contains("spec.state") && why.contains("--new-state"), "{why}");
    assert!(!here.join("empty-state").exists(), "a refused plan writes nothing");
}

#[test]
fn commands_that_take_paths_accept_relative_ones_from_another_directory() {
    let home = Dir::new();
    let here = home.path();
    Paved::new(&["init", "new-platform"]).current_dir(here).run().expect_code(0);
    Paved::new(&["validate", "--repo", "new-platform"]).current_dir(here).run().expect_code(0);
    let scaffold =
        ["scaffold", "microservice", "--set", "name=orders", "--set", "owner=group:payments", "--out", "orders"];
    Paved::new(&scaffold).current_dir(here).run().expect_code(0);
    assert!(here.join("orders/.paved/answers.yaml").is_file());
    Paved::new(&["bench", "gen", "--services", "20", "--out", "gen"]).current_dir(here).run().expect_code(0);
    Paved::new(&["plan", "--repo", "gen"]).current_dir(here).run().expect_code(0);
    // A relative --repo from a subdirectory of somewhere else entirely.
    std::fs::create_dir_all(here.join("elsewhere/deeper")).expect("mkdir");
    Paved::new(&["plan", "--repo", "../../gen"]).current_dir(&here.join("elsewhere/deeper")).run().expect_code(0);
}

#[test]
fn an_error_says_its_cause_once() {
    let home = Dir::new();
    Paved::new(&["init", "p"]).current_dir(home.path()).run().expect_code(0);
    std::fs::write(home.join("not-a-dir"), "").expect("write");
    let run = Paved::new(&["pr", "show", "1", "--repo", "p", "--forge", "not-a-dir"]).current_dir(home.path()).run();
    let err = run.stderr();
    assert_eq!(err.matches("os error 20").count(), 1, "{err}");
    assert!(err.contains("not-a-dir/pulls/"), "names the place: {err}");
}
