use crate::util::{Dir, Paved, example_copy, git, git_init_commit, s};
use paved::model::cache::ParseCache;
use paved::model::{LoadOptions, load};
use paved::source::Snapshot;
use std::path::Path;

fn plan_json(repo: &Path) -> serde_json::Value {
    Paved::new(&["plan", "--repo", s(repo), "--format", "json"]).run().expect_code(0).json()
}

/// The plan of `repo`, observing `forge`.
fn plan_json_with(repo: &Path, forge: &Path) -> serde_json::Value {
    Paved::new(&["plan", "--repo", s(repo), "--forge", s(forge), "--format", "json"]).run().expect_code(0).json()
}

fn actions(plan: &serde_json::Value) -> usize {
    plan["actions"].as_array().expect("actions").len()
}

/// A git copy of the example with a local forge holding some of its repos.
fn example_with_forge() -> (Dir, Dir) {
    let repo = example_copy();
    git_init_commit(repo.path());
    let forge = Dir::new();
    let f = paved::forge::local::LocalForge::new(forge.path());
    use paved::forge::Forge;
    f.create_repo("acme/platform", "main").expect("create");
    f.create_repo("acme/payments-api", "main").expect("create");
    f.create_repo("acme/mystery-repo", "main").expect("create");
    (repo, forge)
}

#[test]
fn reconcile_twice_leaves_nothing_to_do() {
    let (repo, forge) = example_with_forge();
    let head_before = git(repo.path(), &["rev-parse", "HEAD"]);
    let first = plan_json(repo.path());
    assert!(actions(&first) > 60, "one status per entity: {}", actions(&first));
    for a in first["actions"].as_array().expect("actions") {
        for field in ["id", "kind", "target", "reason"] {
            assert!(a[field].is_string(), "action has {field}: {a}");
        }
    }
    let planned = plan_json_with(repo.path(), forge.path());
    let run = Paved::new(&["reconcile", "--repo", s(repo.path()), "--forge", s(forge.path())]).run().expect_code(0);
    assert!(run.stdout().contains("in bot commit"), "{}", run.stdout());

    // The first bot commit carries the whole plan (one trailer per action, the forge's included); the one after
    // takes in what the scaffolds changed on the forge. Both touch only bot-owned paths.
    let head = git(repo.path(), &["rev-parse", "HEAD"]);
    assert_ne!(head, head_before);
    let bots: Vec<String> = git(repo.path(), &["rev-list", "--reverse", &format!("{head_before}..HEAD")])
        .lines()
        .map(str::to_owned)
        .collect();
    assert!((1..=2).contains(&bots.len()), "{bots:?}");
    for bot in &bots {
        let touched = git(repo.path(), &["show", "--name-only", "--format=", bot]);
        assert!(
            touched.lines().all(|p| ["status/", "audit/", "secrets/", "scorecards/"].iter().any(|b| p.starts_with(b))),
            "{touched}"
        );
    }
    let message = git(repo.path(), &["log", "-1", "--format=%B", &bots[0]]);
    let trailers = message.lines().filter(|l| l.starts_with("Paved-Action: ")).count();
    let forge_actions = planned["forge"].as_array().map_or(0, Vec::len);
    assert!(forge_actions > 0, "the services' repos are scaffolded: {planned:#}");
    assert_eq!(trailers, actions(&planned) + forge_actions);
    assert_eq!(git(repo.path(), &["status", "--porcelain"]), "", "work tree and index match the bot commit");

    let second = Paved::new(&["plan", "--repo", s(repo.path()), "--forge", s(forge.path()), "--format", "json"])
        .run()
        .expect_code(0)
        .json();
    assert_eq!(actions(&second), 0, "{second:#}");
    Paved::new(&["reconcile", "--repo", s(repo.path()), "--forge", s(forge.path())]).run().expect_code(0);
    assert_eq!(git(repo.path(), &["rev-parse", "HEAD"]), head, "nothing new: no commit");

    Paved::new(&["audit", "verify", "--repo", s(repo.path())]).run().expect_code(0);
}

#[test]
fn drift_is_reported_in_status() {
    let (repo, forge) = example_with_forge();
    Paved::new(&["reconcile", "--repo", s(repo.path()), "--forge", s(forge.path())]).run().expect_code(0);
    let payments = std::fs::read_to_string(repo.join("status/component/default/payments-api.yaml")).expect("status");
    assert!(!payments.contains("RepoMissing"), "{payments}");
    // A Component on a paved path gets its repo scaffolded; one without a path is reported missing.
    let orders = std::fs::read_to_string(repo.join("status/component/default/order-service.yaml")).expect("status");
    assert!(!orders.contains("RepoMissing"), "{orders}");
    let legacy = std::fs::read_to_string(repo.join("status/component/default/legacy-billing.yaml")).expect("status");
    assert!(legacy.contains("kind: RepoMissing") && legacy.contains("acme/legacy-billing"), "{legacy}");
    assert!(legacy.contains("reason: DriftDetected"), "{legacy}");
    let unclaimed = std::fs::read_to_string(repo.join("status/forge/unclaimed-repos.yaml")).expect("unclaimed");
    assert!(unclaimed.contains("acme/mystery-repo"), "{unclaimed}");
    assert!(!unclaimed.contains("acme/platform"), "the platform repo is claimed by platform.yaml: {unclaimed}");
    let group = std::fs::read_to_string(repo.join("status/group/default/payments.yaml")).expect("group status");
    assert!(group.contains("teamTopology: stream-aligned"), "{group}");
    assert!(group.contains("type: ownerOf"), "{group}");
}

#[test]
fn a_change_to_one_entity_plans_one_action_and_removal_plans_a_delete() {
    let (repo, forge) = example_with_forge();
    let f = s(forge.path());
    Paved::new(&["reconcile", "--repo", s(repo.path()), "--forge", f]).run().expect_code(0);
    let path = repo.join("catalog/checkout/components.yaml");
    let text = std::fs::read_to_string(&path).expect("read");
    assert!(text.contains("title: Payments API\n"));
    std::fs::write(&path, text.replacen("title: Payments API\n", "title: Payments API (renamed)\n", 1)).expect("write");
    git(repo.path(), &["commit", "--quiet", "-am", "retitle payments-api"]);
    let plan =
        Paved::new(&["plan", "--repo", s(repo.path()), "--forge", f, "--format", "json"]).run().expect_code(0).json();
    let targets: Vec<&str> =
        plan["actions"].as_array().expect("actions").iter().map(|a| a["target"].as_str().expect("target")).collect();
    assert_eq!(targets, vec!["component:default/payments-api"], "{plan:#}");
    assert!(plan["actions"][0]["reason"].as_str().expect("reason").contains("title"), "{plan:#}");
    Paved::new(&["reconcile", "--repo", s(repo.path()), "--forge", f]).run().expect_code(0);

    // An entity that leaves the catalog has its status file deleted.
    repo.write(
        "catalog/tmp.yaml",
        "apiVersion: backstage.io/v1alpha1\nkind: Resource\nmetadata:\n  name: scratch-bucket\nspec:\n  type: s3-bucket\n  owner: payments\n",
    );
    git(repo.path(), &["add", "--all"]);
    git(repo.path(), &["commit", "--quiet", "-m", "add a bucket"]);
    Paved::new(&["reconcile", "--repo", s(repo.path()), "--forge", f]).run().expect_code(0);
    assert!(repo.join("status/resource/default/scratch-bucket.yaml").exists());
    git(repo.path(), &["rm", "--quiet", "catalog/tmp.yaml"]);
    git(repo.path(), &["commit", "--quiet", "-m", "drop the bucket"]);
    let plan =
        Paved::new(&["plan", "--repo", s(repo.path()), "--forge", f, "--format", "json"]).run().expect_code(0).json();
    let kinds: Vec<(&str, &str)> = plan["actions"]
        .as_array()
        .expect("actions")
        .iter()
        .map(|a| (a["kind"].as_str().expect("kind"), a["target"].as_str().expect("target")))
        // The owner's status and the team-load report also change: they count the owner's resources.
        .filter(|(_, t)| !t.starts_with("group:") && !t.starts_with("scorecard:"))
        .collect();
    assert_eq!(kinds, vec![("status.delete", "resource/default/scratch-bucket")], "{plan:#}");
    Paved::new(&["reconcile", "--repo", s(repo.path()), "--forge", f]).run().expect_code(0);
    assert!(!repo.join("status/resource/default/scratch-bucket.yaml").exists());
}

#[test]
fn an_invalid_file_keeps_its_entities_last_good_state() {
    let (repo, forge) = example_with_forge();
    let f = s(forge.path());
    Paved::new(&["reconcile", "--repo", s(repo.path()), "--forge", f]).run().expect_code(0);
    let path = repo.join("catalog/checkout/components.yaml");
    std::fs::write(&path, "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: [broken\n").expect("write");
    git(repo.path(), &["commit", "--quiet", "-am", "break a file"]);
    let run = Paved::new(&["plan", "--repo", s(repo.path()), "--forge", f, "--format", "json"]).run().expect_code(1);
    assert!(run.stderr().contains("catalog/checkout/components.yaml:4:1: error: invalid YAML"), "{}", run.stderr());
    let plan = run.json();
    let deletes: Vec<&serde_json::Value> =
        plan["actions"].as_array().expect("actions").iter().filter(|a| a["kind"] == "status.delete").collect();
    assert!(deletes.is_empty(), "entities of a broken file keep their status: {deletes:#?}");
    assert_eq!(plan["errored"], true);
}

/// Killing the process mid-apply (as `kill -9` would) and running again completes the work once.
#[test]
fn a_crash_mid_apply_completes_on_the_next_run_without_duplicates() {
    for point in ["after-first-write", "before-commit"] {
        let (repo, forge) = example_with_forge();
        let f = s(forge.path());
        let head = git(repo.path(), &["rev-parse", "HEAD"]);
        let planned =
            actions(&Paved::new(&["plan", "--repo", s(repo.path()), "--forge", f, "--format", "json"]).run().json());
        let crashed = Paved::crashing_at(point, &["reconcile", "--repo", s(repo.path()), "--forge", f]).run();
        assert!(crashed.0.status.code().is_none(), "{point}: the process was killed by a signal");
        assert_eq!(git(repo.path(), &["rev-parse", "HEAD"]), head, "{point}: nothing committed by the crashed run");
        Paved::new(&["reconcile", "--repo", s(repo.path()), "--forge", f]).run().expect_code(0);
        assert_eq!(
            git(repo.path(), &["rev-list", "--count", &format!("{head}..HEAD")]),
            "1",
            "{point}: exactly one bot commit"
        );
        let audit: String = std::fs::read_dir(repo.join("audit"))
            .expect("audit")
            .filter_map(Result::ok)
            .map(|e| std::fs::read_to_string(e.path()).expect("read"))
            .collect();
        assert_eq!(audit.lines().count(), planned, "{point}: one audit record per action");
        Paved::new(&["audit", "verify", "--repo", s(repo.path())]).run().expect_code(0);
        assert_eq!(
            actions(&Paved::new(&["plan", "--repo", s(repo.path()), "--forge", f, "--format", "json"]).run().json()),
            0
        );
    }
}

/// Without git, files are written in place; a crash after the audit record replays without recording twice.
#[test]
fn a_plain_directory_reconciles_in_place_and_survives_a_crash() {
    let repo = example_copy();
    let r = s(repo.path());
    let planned = actions(&plan_json(repo.path()));
    let crashed = Paved::crashing_at("after-first-write", &["reconcile", "--repo", r]).run();
    assert!(crashed.0.status.code().is_none());
    Paved::new(&["reconcile", "--repo", r]).run().expect_code(0);
    let audit: String = std::fs::read_dir(repo.join("audit"))
        .expect("audit")
        .filter_map(Result::ok)
        .map(|e| std::fs::read_to_string(e.path()).expect("read"))
        .collect();
    assert_eq!(audit.lines().count(), planned);
    assert_eq!(actions(&plan_json(repo.path())), 0);
}

#[test]
fn audit_verify_detects_an_edited_line() {
    let (repo, forge) = example_with_forge();
    Paved::new(&["reconcile", "--repo", s(repo.path()), "--forge", s(forge.path())]).run().expect_code(0);
    let run = Paved::new(&["audit", "verify", "--repo", s(repo.path()), "--format", "json"]).run().expect_code(0);
    assert!(run.json()["records"].as_u64().expect("records") > 60);
    let file = std::fs::read_dir(repo.join("audit"))
        .expect("audit")
        .filter_map(Result::ok)
        .next()
        .expect("a month file")
        .path();
    let text = std::fs::read_to_string(&file).expect("read");
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    lines[4] = lines[4].replace("\"actor\":\"paved\"", "\"actor\":\"mallory\"");
    std::fs::write(&file, lines.join("\n") + "\n").expect("write");
    git(repo.path(), &["commit", "--quiet", "-am", "tamper"]);
    let run = Paved::new(&["audit", "verify", "--repo", s(repo.path())]).run().expect_code(1);
    assert!(run.stdout().contains(":5: error: record was modified"), "{}", run.stdout());
}

#[test]
fn plans_are_deterministic_and_render_as_markdown() {
    let (repo, forge) = example_with_forge();
    let f = s(forge.path());
    let a =
        Paved::new(&["plan", "--repo", s(repo.path()), "--forge", f, "--format", "json"]).run().expect_code(0).stdout();
    let b =
        Paved::new(&["plan", "--repo", s(repo.path()), "--forge", f, "--format", "json"]).run().expect_code(0).stdout();
    assert_eq!(a, b, "same inputs, same plan, byte for byte");
    let md = Paved::new(&["plan", "--repo", s(repo.path()), "--forge", f, "--format", "markdown"])
        .run()
        .expect_code(0)
        .stdout();
    assert!(md.starts_with("### paved plan\n\nPlan: "), "{md}");
    assert!(md.contains("<details><summary>"), "diffs fold");
    assert!(md.len() <= paved::plan::render::GITHUB_COMMENT_LIMIT);
}

/// Loading a commit that changed one file parses one file.
#[test]
fn the_parse_cache_reparses_only_what_changed() {
    let repo = example_copy();
    git_init_commit(repo.path());
    let cache = ParseCache::new();
    let first = load(&Snapshot::git(repo.path(), "HEAD").expect("snapshot"), &cache, &LoadOptions::default());
    cache.retain_used();
    let parsed_cold = cache.parses();
    assert!(parsed_cold > 40, "{parsed_cold}");
    assert_eq!(first.diagnostics.errors(), 0);
    let path = repo.join("requests/payments/orders-db.yaml");
    let text = std::fs::read_to_string(&path).expect("read");
    std::fs::write(&path, text.replace("backupRetentionDays: 30", "backupRetentionDays: 21")).expect("write");
    git(repo.path(), &["commit", "--quiet", "-am", "longer backups"]);
    let second = load(&Snapshot::git(repo.path(), "HEAD").expect("snapshot"), &cache, &LoadOptions::default());
    assert_eq!(cache.parses() - parsed_cold, 1, "one changed file, one parse");
    assert_eq!(second.model.requests.len(), first.model.requests.len());
    cache.retain_used();
    assert_eq!(cache.len(), parsed_cold, "the replaced blob was dropped");
}

#[test]
fn a_stale_rev_or_missing_revision_is_a_clear_error() {
    let repo = example_copy();
    git_init_commit(repo.path());
    let run = Paved::new(&["plan", "--repo", s(repo.path()), "--rev", "no-such-branch"]).run().expect_code(2);
    assert!(run.stderr().contains("revision `no-such-branch` not found"), "{}", run.stderr());
}

/// The chain at HEAD cannot show a record removed from its end, nor a rewrite whose hashes were recomputed;
/// `audit verify` walks the history and names the commit that changed what an earlier one wrote.
#[test]
fn audit_verify_catches_a_rewrite_that_keeps_the_chain_valid() {
    let repo = example_copy();
    git_init_commit(repo.path());
    Paved::new(&["reconcile", "--repo", s(repo.path())]).run().expect_code(0);
    let ok = Paved::new(&["audit", "verify", "--repo", s(repo.path())]).run().expect_code(0);
    assert!(ok.stdout().contains("only appended to across"), "{}", ok.stdout());
    let file = std::fs::read_dir(repo.join("audit")).expect("audit").next().expect("a file").expect("entry").path();
    let text = std::fs::read_to_string(&file).expect("audit file");
    let kept: Vec<&str> = text.lines().collect();
    assert!(kept.len() > 1, "several records");
    // Drop the last record: what is left is still a valid chain.
    std::fs::write(&file, kept[..kept.len() - 1].join("\n") + "\n").expect("write");
    git(repo.path(), &["commit", "--quiet", "-am", "tidy the audit log"]);
    let broken = Paved::new(&["audit", "verify", "--repo", s(repo.path())]).run().expect_code(1);
    let out = broken.stdout();
    let commit = git(repo.path(), &["rev-parse", "--short=12", "HEAD"]);
    assert!(out.contains(&commit) && out.contains("tidy the audit log") && out.contains("append-only"), "{out}");
}
