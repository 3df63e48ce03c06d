//! One writer per platform: runs that write the platform repo or its state take the platform's lock, wait for
//! one another, and say who holds it when they give up.

use crate::util::{Dir, Paved, example_copy, git, git_init_commit, s};
use paved::lock::PlatformLock;
use std::time::Duration;

#[test]
fn a_writer_waits_for_the_lock_then_says_who_holds_it() {
    let repo = example_copy();
    git_init_commit(repo.path());
    // Another paved holds the lock: the test itself, through the same interface.
    let lock = paved::lock::FileLock::in_state_dir(&repo.join(".paved/state"));
    let held = lock.acquire(Duration::ZERO, &mut |_| panic!("the lock is free")).expect("lock");
    let busy = Paved::new(&["reconcile", "--repo", s(repo.path()), "--lock-timeout", "300ms"]).run().expect_code(2);
    let err = busy.stderr();
    assert!(err.contains("waiting up to"), "a visible message while it waits: {err}");
    assert!(err.contains(&format!("pid {}", std::process::id())), "names the holder: {err}");
    assert!(err.contains("--lock-timeout"), "says what to do: {err}");
    assert_eq!(git(repo.path(), &["log", "--oneline"]).lines().count(), 1, "it wrote nothing");
    // Read-only commands never wait.
    Paved::new(&["plan", "--repo", s(repo.path())]).run().expect_code(0);
    drop(held);
    Paved::new(&["reconcile", "--repo", s(repo.path()), "--lock-timeout", "0s"]).run().expect_code(0);
}

#[test]
fn concurrent_reconciles_take_turns_and_the_audit_log_stays_intact() {
    let repo = example_copy();
    git_init_commit(repo.path());
    let logs = Dir::new();
    for round in 0..3 {
        repo.write(
            &format!("requests/search/flag-{round}.yaml"),
            &format!(
                "apiVersion: paved.dev/v1\nkind: Request\nmetadata:\n  name: flag-{round}\n  requestedBy: user:lucas.moreau\nspec:\n  capability: feature-flag\n  moduleVersion: 1\n  environment: staging\n  owner: group:search\n  parameters:\n    key: flag-{round}\n    variants:\n      \"on\": true\n      \"off\": false\n    defaultVariant: \"off\"\n"
            ),
        );
        git(repo.path(), &["add", "--all"]);
        git(repo.path(), &["commit", "--quiet", "-m", &format!("round {round}")]);
        let children: Vec<_> = (0..3)
            .map(|i| {
                Paved::new(&["reconcile", "--repo", s(repo.path())]).spawn(&logs.join(&format!("{round}-{i}.log")))
            })
            .collect();
        for (i, mut child) in children.into_iter().enumerate() {
            let status = child.wait().expect("reconcile ends");
            let log = std::fs::read_to_string(logs.join(&format!("{round}-{i}.log"))).unwrap_or_default();
            assert!(status.success(), "round {round}, reconcile {i}: {status}\n{log}");
        }
    }
    assert_eq!(git(repo.path(), &["status", "--porcelain"]), "", "no half-written files are left behind");
    Paved::new(&["audit", "verify", "--repo", s(repo.path())]).run().expect_code(0);
    let settled = Paved::new(&["reconcile", "--repo", s(repo.path())]).run().expect_code(0);
    assert!(settled.stdout().contains("No changes"), "{}", settled.stdout());
}

#[test]
fn the_state_and_its_lock_are_where_platform_yaml_says() {
    let home = Dir::new();
    let repo = example_copy();
    crate::util::copy_tree(repo.path(), &home.join("platform"));
    let platform = home.join("platform");
    let yaml = std::fs::read_to_string(platform.join("platform.yaml")).expect("platform.yaml");
    let yaml = yaml.replacen("spec:\n", "spec:\n  state: ../platform-state\n", 1);
    std::fs::write(platform.join("platform.yaml"), yaml).expect("write");
    git_init_commit(&platform);
    let state = home.join("platform-state");
    let held =
        paved::lock::FileLock::in_state_dir(&state).acquire(Duration::ZERO, &mut |_| panic!("free")).expect("lock");
    Paved::new(&["reconcile", "--repo", "platform", "--lock-timeout", "0s"])
        .current_dir(home.path())
        .run()
        .expect_code(2);
    drop(held);
    Paved::new(&["reconcile", "--repo", "platform"]).current_dir(home.path()).run().expect_code(0);
    assert!(state.join("paved-state.json").is_file(), "the state is where spec.state names it");
    assert!(!platform.join(".paved").exists(), "and not at the default");
    let plan = Paved::new(&["plan"]).current_dir(&platform).run().expect_code(0);
    assert!(plan.stdout().contains("No changes"), "{}", plan.stdout());
}

#[test]
fn commands_that_write_the_forge_take_the_platform_lock_before_reading() {
    let repo = example_copy();
    git_init_commit(repo.path());
    let held = paved::lock::FileLock::in_state_dir(&repo.join(".paved/state"))
        .acquire(Duration::ZERO, &mut |_| panic!("the lock is free"))
        .expect("lock");
    for command in [["pr", "merge", "1"], ["pr", "plan", "1"]] {
        let busy = Paved::new(&[command[0], command[1], command[2], "--lock-timeout", "0s"])
            .current_dir(repo.path())
            .run()
            .expect_code(2);
        assert!(busy.stderr().contains("holds the platform lock"), "{}: {}", command.join(" "), busy.stderr());
    }
    drop(held);
}

#[test]
fn a_force_push_that_drops_audit_records_is_caught_by_the_next_writer() {
    let repo = example_copy();
    git_init_commit(repo.path());
    Paved::new(&["reconcile"]).current_dir(repo.path()).run().expect_code(0);
    let verified = git(repo.path(), &["rev-parse", "HEAD"]);
    assert!(
        repo.join(".paved/state/audit-verified.json").is_file(),
        "the writer keeps the chain head it verified in the state"
    );
    // A force-push drops the bot commit and its audit records, as if they had never been.
    git(repo.path(), &["reset", "--quiet", "--hard", "HEAD~1"]);
    git(repo.path(), &["commit", "--quiet", "--allow-empty", "-m", "rewritten history"]);
    let refused = Paved::new(&["reconcile"]).current_dir(repo.path()).run();
    assert_ne!(refused.code(), 0, "{}", refused.stdout());
    let err = refused.stderr();
    assert!(err.contains("history was rewritten") && err.contains(&verified[..12]), "names the lost commit: {err}");
    assert_eq!(git(repo.path(), &["log", "--oneline"]).lines().count(), 2, "nothing was appended to a broken log");
    let verify = Paved::new(&["audit", "verify"]).current_dir(repo.path()).run().expect_code(1);
    assert!(verify.stdout().contains("is gone or changed"), "{}", verify.stdout());
}

/// As the issue checks it: reconciles and a daemon's passes in rounds against one repo and state, each round after
/// a commit adding database requests; then the whole history verifies, the work tree is clean, nothing is left to
/// do, and every stored password is its role's (by the role's SCRAM verifier: loopback trusts any password).
#[test]
fn reconciles_and_daemon_passes_in_rounds_keep_the_log_the_tree_and_every_credential_true() {
    let test = "reconciles_and_daemon_passes_in_rounds_keep_the_log_the_tree_and_every_credential_true";
    let Some(mut admin) = crate::provision::postgres_or_skip(test) else { return };
    let p = crate::provision::Platform::new("pvt-rounds");
    let (repo, state) = (s(p.repo.path()), s(p.state.path()));
    let logs = Dir::new();
    let extra = ["--state", state];
    let mut daemon = crate::daemon::Daemon::start_with(p.repo.path(), None, &logs, "rounds", &[], &extra);
    daemon.wait_ready();
    for round in 0..3 {
        for i in 0..3 {
            p.repo.write(
                &format!("requests/payments/db-{round}-{i}.yaml"),
                &format!(
                    "apiVersion: paved.dev/v1\nkind: Request\nmetadata:\n  name: db-{round}-{i}\n  requestedBy: user:jane.okafor\nspec:\n  capability: database\n  moduleVersion: 1\n  environment: staging\n  owner: group:payments\n  parameters:\n    engine: postgres\n    version: \"15\"\n"
                ),
            );
        }
        p.commit(&format!("round {round}: three databases"));
        let children: Vec<_> = (0..2)
            .map(|i| {
                let log = logs.join(&format!("{round}-{i}.log"));
                Paved::new(&["reconcile", "--repo", repo, "--state", state]).spawn(&log)
            })
            .collect();
        for (i, mut child) in children.into_iter().enumerate() {
            let status = child.wait().expect("reconcile ends");
            let log = std::fs::read_to_string(logs.join(&format!("{round}-{i}.log"))).unwrap_or_default();
            assert!(status.success(), "round {round}, reconcile {i}: {status}\n{log}\n{}", daemon.logs());
        }
    }
    drop(daemon);
    // The daemon was stopped wherever it was (as kill -9 would): a last reconcile finishes what it left.
    Paved::new(&["reconcile", "--repo", repo, "--state", state]).run().expect_code(0);
    Paved::new(&["audit", "verify", "--repo", repo]).run().expect_code(0);
    assert_eq!(git(p.repo.path(), &["status", "--porcelain"]), "", "no half-written files are left behind");
    let plan = Paved::new(&["plan", "--repo", repo, "--state", state, "--format", "json"]).run().expect_code(0);
    assert_eq!(plan.json()["actions"], serde_json::json!([]), "nothing left to do: {}", plan.stdout());
    let mut checked = 0;
    for round in 0..3 {
        for i in 0..3 {
            let key = format!("payments/db-{round}-{i}");
            let status = std::fs::read_to_string(p.repo.join(&format!("status/requests/{key}.yaml"))).expect("status");
            assert!(status.contains("phase: Ready"), "{status}");
            let role = p.db("payments", &format!("db-{round}-{i}"));
            let verifier: String = admin
                .query_one("SELECT rolpassword FROM pg_authid WHERE rolname = $1", &[&role])
                .expect("the role exists")
                .get(0);
            let password = p.secret(&key, "password");
            use paved::provision::pg_verifier::{Check, check};
            assert_eq!(check(&verifier, &role, &password), Check::Matches, "{key}: the stored password is the role's");
            checked += 1;
        }
    }
    assert_eq!(checked, 9);
}
