//! Action ids do not change when the code that plans them does: branch names, PR markers and audit records derive
//! from them, so an upgrade that changed one would open a second PR or record an action twice.
//!
//! `tests/fixtures/action-ids.json` holds the ids of every kind of action of one fixed scenario (the example with a
//! forge: paved-path services with and without a repo, one behind its path, a breaking module version), as the
//! paved before the one Plan (commit ee60913) planned them. To record them again from another build, run this test
//! with `PAVED_IDS_RECORD_WITH=<that paved binary>`: it writes the fixture instead of comparing.

use crate::daemon::offline_example;
use crate::util::{Dir, Paved, commit_at, git, s};
use paved::forge::Forge;
use paved::forge::local::LocalForge;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

const FIXTURE: &str = "tests/fixtures/action-ids.json";
const AT: &str = "2026-11-02T09:00:00Z";

/// The scenario: the example (no native servers) with feature-flag 2.0.0 and its migration, committed at a fixed
/// date; a local forge holding the platform repo and `acme/payments-api` at microservice 1.4.0 (behind `^2`).
fn scenario(paved: &dyn Fn(&[&str]) -> Paved) -> (Dir, Dir) {
    let repo = offline_example();
    crate::util::release_feature_flag_2(repo.path());
    git(repo.path(), &["init", "--quiet", "--initial-branch=main"]);
    commit_at(repo.path(), "platform@acme.example", AT, "the platform");
    let forge = Dir::new();
    let local = LocalForge::new(forge.path());
    let info = local.create_repo("acme/platform", "main").expect("create");
    git(repo.path(), &["push", "--quiet", &info.clone_url, "main"]);

    let work = Dir::new();
    let svc = work.join("svc");
    let out = s(&svc);
    let args = ["scaffold", "microservice", "--repo", s(repo.path()), "--version", "1.4.0", "--out", out];
    paved(&[&args[..], &["--set", "name=payments-api", "--set", "owner=payments"]].concat())
        .env("PAVED_NOW", AT)
        .run()
        .expect_code(0);
    git(&svc, &["init", "--quiet", "--initial-branch=main"]);
    commit_at(&svc, "dev@acme.example", AT, "scaffolded");
    let info = local.create_repo("acme/payments-api", "main").expect("create");
    git(&svc, &["push", "--quiet", &info.clone_url, "main"]);
    (repo, forge)
}

/// `(kind, target, id)` of every action a build plans in the scenario, from the commands both builds have: the
/// plan (campaign pages left out: they are dated), the paths plan, and the module migration PR's trailer.
fn ids(binary: &Path) -> BTreeSet<(String, String, String)> {
    let paved = |args: &[&str]| Paved::of(binary, args).env("PAVED_NOW", AT);
    let (repo, forge) = scenario(&paved);
    let (r, f) = (s(repo.path()), s(forge.path()));
    let mut out = BTreeSet::new();
    let mut take = |actions: &serde_json::Value| {
        for a in actions.as_array().into_iter().flatten().filter(|a| a["kind"] != "campaign.write") {
            let field = |k: &str| a[k].as_str().unwrap_or_default().to_owned();
            out.insert((field("kind"), field("target"), field("id")));
        }
    };
    let plan = paved(&["plan", "--repo", r, "--forge", f, "--format", "json"]).run().expect_code(0).json();
    take(&plan["actions"]);
    let paths = paved(&["paths", "status", "--repo", r, "--forge", f, "--format", "json"]).run().expect_code(0).json();
    take(&paths["actions"]);
    paved(&["modules", "migrate", "--repo", r, "--forge", f]).run().expect_code(0);
    let pr = LocalForge::new(forge.path()).list_prs("acme/platform", None).expect("prs");
    let branch = &pr.iter().find(|p| p.head.starts_with("paved/module/")).expect("the module PR").head;
    let message = git(&forge.join("repos/acme/platform.git"), &["log", "-1", "--format=%B", branch]);
    let id = message.lines().find_map(|l| l.strip_prefix("Paved-Action: ")).expect("trailer").to_owned();
    out.insert(("module.migrate".to_owned(), "acme/platform".to_owned(), id));
    out
}

#[test]
fn every_kind_of_action_keeps_the_id_it_had_before_the_one_plan() {
    let fixture = crate::util::root().join(FIXTURE);
    if let Some(old) = std::env::var_os("PAVED_IDS_RECORD_WITH") {
        let recorded: Vec<_> = ids(&PathBuf::from(old)).into_iter().collect();
        std::fs::write(&fixture, serde_json::to_string_pretty(&recorded).expect("json") + "\n").expect("write");
        return;
    }
    let pinned: BTreeSet<(String, String, String)> =
        serde_json::from_str(&std::fs::read_to_string(&fixture).expect("the fixture")).expect("json");
    let kinds: BTreeSet<&str> = pinned.iter().map(|(k, _, _)| k.as_str()).collect();
    for kind in ["status.write", "scorecard.write", "repo.scaffold", "path.migrate", "module.migrate"] {
        assert!(kinds.contains(kind), "the fixture covers {kind}: {kinds:?}");
    }
    let now = ids(Path::new(env!("CARGO_BIN_EXE_paved")));
    let lost: Vec<_> = pinned.difference(&now).collect();
    let new: Vec<_> = now.difference(&pinned).collect();
    assert!(lost.is_empty() && new.is_empty(), "ids changed\n  before only: {lost:#?}\n  now only: {new:#?}");

    // And the daemon's whole plan gives the forge actions the same ids as the commands that run one kind.
    let paved = |args: &[&str]| Paved::new(args).env("PAVED_NOW", AT);
    let (repo, forge) = scenario(&paved);
    let plan = paved(&["plan", "--repo", s(repo.path()), "--forge", s(forge.path()), "--format", "json"])
        .run()
        .expect_code(0)
        .json();
    for a in plan["forge"].as_array().expect("forge actions in the plan") {
        let key = (a["kind"].as_str().unwrap_or_default(), a["target"].as_str().unwrap_or_default());
        let id = a["id"].as_str().unwrap_or_default();
        assert!(
            pinned.iter().any(|(k, t, i)| (k.as_str(), t.as_str()) == key && i == id),
            "{key:?} {id} is not an id the older paved gave"
        );
    }
}
