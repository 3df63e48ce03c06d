//! The daemon drives every kind of action of the plan by itself: a path release leads to its migration PRs and
//! campaign page, a breaking module version to its migration PR, a new Component to its scaffolded repo. And an
//! idle daemon does nothing at all.

use crate::daemon::{Daemon, bot_commits, offline_example, wait_for};
use crate::util::{Dir, Paved, git, git_init_commit, s};
use paved::forge::Forge;
use paved::forge::local::LocalForge;
use std::path::Path;
use std::time::Duration;

/// Every reconcile pass the daemon counted, whatever its result.
fn passes(metrics: &str) -> f64 {
    metrics
        .lines()
        .filter(|l| l.starts_with("paved_reconciles_total{"))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

/// Commit what is staged, as a person working beside the daemon: git refuses the commit when a bot commit moved
/// HEAD meanwhile ("cannot lock ref") or is writing the index, and the person commits again.
fn commit_beside_the_daemon(repo: &Path, message: &str) {
    for _ in 0..20 {
        let out = std::process::Command::new("git")
            .arg("-C")
            .arg(repo)
            .args(["-c", "user.name=Test", "-c", "user.email=test@example.com", "-c", "commit.gpgsign=false"])
            .args(["commit", "--quiet", "-m", message])
            .output()
            .expect("git runs");
        if out.status.success() {
            return;
        }
        // Git refuses while the daemon's bot commit holds the branch or the index; a person tries again.
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("cannot lock ref") || err.contains("index.lock"), "git commit: {err}");
        std::thread::sleep(Duration::from_millis(300));
    }
    panic!("the commit never landed beside the daemon");
}

/// Audit records of `kind` in the platform repo's log.
fn audited(repo: &Path, kind: &str) -> Vec<serde_json::Value> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(repo.join("audit")).into_iter().flatten().flatten() {
        let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
        out.extend(
            text.lines()
                .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
                .filter(|r| r["kind"] == kind),
        );
    }
    out
}

/// The example (no native servers), committed, with a local forge holding the platform repo. The daemon scaffolds
/// every paved-path service's repo on its first pass.
fn platform_on_forge() -> (Dir, Dir) {
    let repo = offline_example();
    git_init_commit(repo.path());
    let forge = Dir::new();
    let info = LocalForge::new(forge.path()).create_repo("acme/platform", "main").expect("create");
    git(repo.path(), &["push", "--quiet", &info.clone_url, "main"]);
    (repo, forge)
}

/// Release microservice 2.1.0 in the platform repo: the current version goes to `history/2.0.0`, and 2.1.0 adds
/// a runbook.
fn release_microservice_2_1(platform: &Dir) {
    let ms = platform.join("paths/microservice");
    let h2 = ms.join("history/2.0.0");
    for part in ["template", "migrations"] {
        crate::util::copy_tree(&ms.join(part), &h2.join(part));
    }
    std::fs::copy(ms.join("path.yaml"), h2.join("path.yaml")).expect("copy");
    let manifest = std::fs::read_to_string(ms.join("path.yaml")).expect("path.yaml");
    assert!(manifest.contains("  version: 2.0.0\n"), "the example's microservice is 2.0.0");
    let manifest = manifest.replace("  version: 2.0.0\n", "  version: 2.1.0\n").replace(
        "  changelog:\n",
        "  changelog:\n    - version: 2.1.0\n      breaking: false\n      changes:\n        - \"A runbook in docs/.\"\n",
    );
    std::fs::write(ms.join("path.yaml"), manifest).expect("write");
    platform.write("paths/microservice/template/docs/runbook.md", "# {{ name }} runbook\n\nPage {{ owner }}.\n");
}

#[test]
fn the_daemon_scaffolds_new_services_and_a_path_release_yields_its_migration_prs_and_campaign_page() {
    let (repo, forge_dir) = platform_on_forge();
    let forge = LocalForge::new(forge_dir.path());
    let logs = Dir::new();
    let mut daemon = Daemon::start(repo.path(), Some(forge_dir.path()), &logs, "drive", &[]);
    daemon.wait_ready();

    // No command typed: the first pass scaffolded the repo of every Component on a path, and recorded it.
    let scaffolded = audited(repo.path(), "repo.scaffold");
    assert!(scaffolded.len() >= 10, "every paved-path service scaffolded: {scaffolded:#?}\n{}", daemon.logs());
    let svc = "acme/payments-api";
    assert!(
        scaffolded.iter().any(|r| r["target"] == svc && r["result"] == "applied"),
        "{svc} scaffolded: {scaffolded:#?}"
    );
    let answers = forge.read_file(svc, "main", ".paved/answers.yaml").expect("read").expect("answers file");
    assert!(String::from_utf8_lossy(&answers).contains("version: 2.0.0"), "scaffolded at the latest version");

    // A new Component with a path and no repo: its repo appears.
    repo.write(
        "catalog/checkout/ledger.yaml",
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: ledger\n  annotations:\n    \
         paved.dev/path: microservice\n    paved.dev/repo: acme/ledger\nspec:\n  type: service\n  lifecycle: \
         experimental\n  owner: group:default/payments\n",
    );
    // Only the person's own files: the daemon writes bot-owned ones in the same work tree.
    git(repo.path(), &["add", "catalog"]);
    commit_beside_the_daemon(repo.path(), "a ledger service");
    let ledger = wait_for(Duration::from_secs(60), || forge.get_repo("acme/ledger").is_ok_and(|r| r.is_some()));
    assert!(ledger, "no repo for the new Component\n{}", daemon.logs());

    // A path release: every microservice repo that allows 2.1 gets its migration PR, and the campaign page says so.
    release_microservice_2_1(&repo);
    git(repo.path(), &["add", "paths"]);
    commit_beside_the_daemon(repo.path(), "microservice 2.1.0: a runbook");
    let page = repo.join("scorecards/campaigns/microservice/v2.1.0.md");
    let campaigned =
        wait_for(Duration::from_secs(90), || page.exists() && git(repo.path(), &["status", "--porcelain"]).is_empty());
    assert!(
        campaigned,
        "no campaign page: {:?}\n{}\n{}",
        std::fs::read_dir(repo.join("scorecards/campaigns/microservice"))
            .map(|d| d.flatten().map(|e| e.file_name()).collect::<Vec<_>>()),
        git(repo.path(), &["status", "--porcelain"]),
        daemon.logs()
    );
    let migrations = audited(repo.path(), "path.migrate");
    assert!(!migrations.is_empty(), "migration PRs opened and audited\n{}", daemon.logs());
    for record in &migrations {
        let target = record["target"].as_str().expect("target");
        let prs = forge.list_prs(target, None).expect("prs");
        let branch = format!("paved/migrate/{}", record["action"].as_str().expect("id"));
        assert!(prs.iter().any(|p| p.head == branch), "{target} has its migration PR on {branch}: {prs:#?}");
        let runbook = forge.read_file(target, &branch, "docs/runbook.md").expect("read");
        assert!(runbook.is_some(), "{target}'s PR brings the runbook");
    }
    let text = std::fs::read_to_string(&page).expect("page");
    assert!(text.contains("#1 open"), "the campaign page lists the PRs: {text}");
    // The migrations and the page landed in a bot commit naming their actions.
    let body = git(repo.path(), &["log", "-1", "--author=paved", "--format=%B"]);
    assert!(body.contains("path.migrate") && body.contains("campaign.write"), "{body}");

    // Nothing is left to do: a plan now is empty, and the daemon does not open the PRs twice.
    let commits = bot_commits(repo.path()).len();
    let plan = Paved::new(&["plan", "--repo", s(repo.path()), "--forge", s(forge_dir.path())]).run().expect_code(0);
    assert!(plan.stdout().contains("No changes"), "{}", plan.stdout());
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(bot_commits(repo.path()).len(), commits, "{}", daemon.logs());
}

#[test]
fn a_breaking_module_version_under_the_daemon_yields_its_migration_pr() {
    let (repo, forge_dir) = platform_on_forge();
    let forge = LocalForge::new(forge_dir.path());
    let logs = Dir::new();
    let mut daemon = Daemon::start(repo.path(), Some(forge_dir.path()), &logs, "module", &[]);
    daemon.wait_ready();

    crate::util::release_feature_flag_2(repo.path());
    git(repo.path(), &["add", "modules"]);
    commit_beside_the_daemon(repo.path(), "feature-flag 2.0.0");
    git(repo.path(), &["push", "--quiet", s(&forge_dir.join("repos/acme/platform.git")), "main"]);

    let opened = wait_for(Duration::from_secs(60), || {
        forge
            .list_prs("acme/platform", None)
            .is_ok_and(|prs| prs.iter().any(|p| p.head == "paved/module/feature-flag-v2"))
            && !audited(repo.path(), "module.migrate").is_empty()
    });
    assert!(opened, "no module migration PR, or not audited\n{}", daemon.logs());
    // The next passes find the PR current: one PR, one record.
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(forge.list_prs("acme/platform", None).expect("prs").len(), 1);
    let records = audited(repo.path(), "module.migrate");
    assert_eq!(records.len(), 1, "{records:#?}");
    assert_eq!(records[0]["target"], "acme/platform");
}

/// Idle, the daemon runs no pass: it neither reacts to its own reads and writes nor polls.
#[test]
fn an_idle_daemon_runs_no_pass_for_a_quiet_minute() {
    let (repo, forge_dir) = platform_on_forge();
    let logs = Dir::new();
    let mut daemon = Daemon::start(repo.path(), Some(forge_dir.path()), &logs, "idle", &[]);
    daemon.wait_ready();
    // Let the startup passes (and the one its own bot commit may cause) settle.
    let mut before = passes(&daemon.metrics());
    let settled = wait_for(Duration::from_secs(30), || {
        std::thread::sleep(Duration::from_secs(3));
        let now = passes(&daemon.metrics());
        std::mem::replace(&mut before, now) == now
    });
    assert!(settled, "the daemon never settled\n{}", daemon.logs());
    std::thread::sleep(Duration::from_secs(60));
    let after = passes(&daemon.metrics());
    assert_eq!(after, before, "passes over a quiet minute\n{}", daemon.logs());
}
