//! The quarterly sunset review: one PR on the platform repo (on the real local forge) proposing deprecation of the
//! quarter's sunset candidates, kept up to date, never reopened once a human closed it; and the warnings
//! deprecation brings (scaffolding a deprecated path).

use crate::util::{Dir, Paved, example_copy, git, s};
use paved::forge::local::LocalForge;
use paved::forge::{Forge, PrState};
use std::path::Path;

/// Request dates drive the sunset rule: commits are dated.
fn commit_at(dir: &Path, date: &str, message: &str) {
    crate::util::commit_at(dir, "dev@acme.example", date, message);
}

/// The example, every request last touched in May 2026, pushed to a local forge as `acme/platform`.
fn quiet_example() -> (Dir, Dir, LocalForge) {
    let repo = example_copy();
    git(repo.path(), &["init", "--quiet", "--initial-branch=main"]);
    commit_at(repo.path(), "2026-05-04T10:00:00Z", "initial");
    let forge_dir = Dir::new();
    let forge = LocalForge::new(forge_dir.path());
    let info = forge.create_repo("acme/platform", "main").expect("create");
    git(repo.path(), &["push", "--quiet", &info.clone_url, "main"]);
    (repo, forge_dir, forge)
}

fn review(repo: &Path, forge: &Path, now: &str, extra: &[&str]) -> crate::util::Run {
    let mut args = vec!["scorecard", "deprecations", "--repo", s(repo), "--forge", s(forge)];
    args.extend(extra);
    Paved::new(&args).env("PAVED_NOW", now).run()
}

fn text_at(forge: &LocalForge, git_ref: &str, path: &str) -> String {
    let bytes = forge.read_file("acme/platform", git_ref, path).expect("read").expect("file exists");
    String::from_utf8(bytes).expect("utf8")
}

const NOW: &str = "2026-11-28T12:00:00Z";
const BRANCH: &str = "paved/deprecate/2026-Q4";
const IAM: &str = "modules/iam-role/module.yaml";

#[test]
fn the_quarterly_review_opens_one_deprecation_pr_keeps_it_current_and_respects_a_human_no() {
    let (repo, forge_dir, forge) = quiet_example();
    let (r, f) = (repo.path(), forge_dir.path());

    // The plan: what would be proposed, nothing opened.
    let dry = review(r, f, NOW, &["--dry-run"]).expect_code(0).stdout();
    for candidate in [IAM, "modules/secret/module.yaml", "modules/tls-certificate/module.yaml"] {
        assert!(dry.contains(&format!("candidate: {candidate}")), "{dry}");
    }
    assert!(
        dry.contains("dry run: would propose \"Sunset review 2026-Q4: deprecate iam-role, secret and 1 more\""),
        "{dry}"
    );
    assert!(forge.list_prs("acme/platform", None).expect("prs").is_empty());

    let run = review(r, f, NOW, &[]).expect_code(0).stdout();
    assert!(run.contains("sunset review 2026-Q4: opened #1"), "{run}");
    let pr = forge.get_pr("acme/platform", 1).expect("pr");
    assert_eq!((pr.head.as_str(), pr.base.as_str()), (BRANCH, "main"));
    assert!(pr.labels.contains(&"paved:sunset".to_owned()), "{:?}", pr.labels);
    assert!(
        pr.body.contains(
            "| capability | `iam-role` | 1 consuming team (fewer than 2); last request added or changed 2026-05-04 | \
             teams `data-engineering`; requests `data-engineering/lakehouse-writer-role` |"
        ),
        "why, and who still uses it:\n{}",
        pr.body
    );
    assert!(pr.body.contains("### What merging does") && pr.body.contains("`paved scaffold` of a deprecated"));

    // One line changes in each manifest; the owners' comments and key order survive.
    let main_iam = text_at(&forge, "main", IAM);
    let proposed = text_at(&forge, BRANCH, IAM);
    assert_eq!(
        proposed,
        main_iam
            .replace("  deprecated: false\n", "  deprecated: true  # proposed by paved's sunset review of 2026-Q4\n")
    );
    assert!(text_at(&forge, BRANCH, "modules/secret/module.yaml").contains("  deprecated: true  # proposed"));

    // What merging does: the PR's head warns on every request for a deprecated capability.
    let checkout = Dir::new();
    git(checkout.path(), &["clone", "--quiet", "--branch", BRANCH, s(&forge_dir.join("repos/acme/platform.git")), "c"]);
    let validated = Paved::new(&["validate", "--repo", s(&checkout.join("c"))]).run().expect_code(0);
    let out = validated.stdout() + &validated.stderr();
    assert!(
        out.contains("requests/data-engineering/lakehouse-writer-role.yaml:")
            && out.contains("warning: capability `iam-role` is deprecated"),
        "{out}"
    );

    // Again in the same quarter: nothing changes, not even the branch.
    let head = git(&forge_dir.join("repos/acme/platform.git"), &["rev-parse", BRANCH]);
    let again = review(r, f, "2026-11-29T12:00:00Z", &[]).expect_code(0).stdout();
    assert!(again.contains("unchanged #1"), "{again}");
    assert_eq!(git(&forge_dir.join("repos/acme/platform.git"), &["rev-parse", BRANCH]), head);

    // Payments starts using IAM roles: no longer a candidate, so the PR drops it and its manifest is restored.
    repo.write(
        "requests/payments/payments-api-role.yaml",
        &std::fs::read_to_string(repo.join("requests/data-engineering/lakehouse-writer-role.yaml"))
            .expect("request")
            .replace("name: lakehouse-writer-role", "name: payments-api-role")
            .replace("owner: group:data-engineering", "owner: group:payments"),
    );
    commit_at(r, "2026-11-20T10:00:00Z", "payments needs a role");
    let updated = review(r, f, NOW, &[]).expect_code(0).stdout();
    assert!(updated.contains("updated #1") && !updated.contains(IAM), "{updated}");
    assert_eq!(text_at(&forge, BRANCH, IAM), main_iam, "back to the default branch's text");
    let pr = forge.get_pr("acme/platform", 1).expect("pr");
    assert!(!pr.body.contains("`iam-role`") && pr.body.contains("`secret`"), "{}", pr.body);

    // A human closes it: it stays closed for the quarter, and its branch is not touched.
    forge.close_pr("acme/platform", 1).expect("close");
    let head = git(&forge_dir.join("repos/acme/platform.git"), &["rev-parse", BRANCH]);
    let closed = review(r, f, NOW, &[]).expect_code(0).stdout();
    assert!(closed.contains("#1 was closed by a human: not reopened for 2026-Q4"), "{closed}");
    assert_eq!(forge.list_prs("acme/platform", None).expect("prs").len(), 1);
    assert_eq!(forge.get_pr("acme/platform", 1).expect("pr").state, PrState::Closed);
    assert_eq!(git(&forge_dir.join("repos/acme/platform.git"), &["rev-parse", BRANCH]), head);

    // The next quarter's review is a new PR.
    let next = review(r, f, "2027-01-10T09:00:00Z", &[]).expect_code(0).stdout();
    assert!(next.contains("sunset review 2027-Q1: opened #2"), "{next}");
    assert_eq!(forge.get_pr("acme/platform", 2).expect("pr").head, "paved/deprecate/2027-Q1");
}

#[test]
fn no_sunset_candidates_open_no_pr() {
    let (repo, forge_dir, forge) = quiet_example();
    let platform = repo.join("platform.yaml");
    let text = std::fs::read_to_string(&platform).expect("platform.yaml").replace("minConsumers: 2", "minConsumers: 1");
    std::fs::write(&platform, text).expect("write");
    commit_at(repo.path(), "2026-05-05T10:00:00Z", "every capability in use is kept");
    let run = review(repo.path(), forge_dir.path(), NOW, &[]).expect_code(0).stdout();
    assert!(run.contains("sunset review 2026-Q4: no sunset candidates: no PR"), "{run}");
    assert!(forge.list_prs("acme/platform", None).expect("prs").is_empty());
}

#[test]
fn scaffolding_a_deprecated_path_warns() {
    let repo = example_copy();
    let manifest = repo.join("paths/scheduled-job/path.yaml");
    let text = std::fs::read_to_string(&manifest).expect("path.yaml");
    std::fs::write(&manifest, text.replacen("spec:\n", "spec:\n  deprecated: true\n", 1)).expect("write");
    let out = Dir::new();
    let target = out.join("job");
    let run = Paved::new(&[
        "scaffold",
        "scheduled-job",
        "--repo",
        s(repo.path()),
        "--out",
        s(&target),
        "--set",
        "name=nightly-report",
        "--set",
        "owner=group:payments",
    ])
    .run()
    .expect_code(0);
    assert!(run.stderr().contains("warning: paved path `scheduled-job` is deprecated"), "{}", run.stderr());
    assert!(target.join(".paved/answers.yaml").exists(), "it still renders: a warning, not a refusal");
}
