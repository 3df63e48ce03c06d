//! Versioned modules: a breaking version migrates every affected request in one PR on the platform repo.

use crate::util::{Dir, Paved, example_copy, git, git_init_commit, s};

/// The example on a local forge, with the feature-flag module bumped to 2.0.0 (`description` becomes `summary`).
fn bumped() -> (Dir, Dir) {
    let repo = example_copy();
    let module = repo.join("modules/feature-flag/module.yaml");
    let text = std::fs::read_to_string(&module).expect("module.yaml");
    assert!(text.contains("name: description"), "the v1 schema has `description`");
    let text = text.replacen("version: 1.0.0", "version: 2.0.0", 1).replace("name: description", "name: summary");
    let text = format!(
        "{}\n  migrations:\n    - from: 1\n      to: 2\n      description: the flag's text is called summary now, as in flagd's metadata\n      renameParameters:\n        description: summary\n",
        text.trim_end()
    );
    std::fs::write(&module, text).expect("write");
    git_init_commit(repo.path());
    let forge = Dir::new();
    use paved::forge::Forge;
    let local = paved::forge::local::LocalForge::new(forge.path());
    let info = local.create_repo("acme/platform", "main").expect("create");
    git(repo.path(), &["push", "--quiet", &info.clone_url, "main"]);
    (repo, forge)
}

#[test]
fn a_breaking_module_version_opens_one_pr_migrating_every_request() {
    let (repo, forge) = bumped();
    let (r, f) = (s(repo.path()), s(forge.path()));
    // Before the PR merges, the requests still validate at their old version.
    Paved::new(&["validate", "--repo", r]).run().expect_code(0);
    let run = Paved::new(&["modules", "migrate", "--repo", r, "--forge", f]).run().expect_code(0);
    assert!(run.stdout().contains("feature-flag: 2 request(s): opened #1"), "{}", run.stdout());

    use paved::forge::Forge;
    let local = paved::forge::local::LocalForge::new(forge.path());
    let pr = local.get_pr("acme/platform", 1).expect("pr");
    assert_eq!(pr.head, "paved/module/feature-flag-v2");
    assert!(
        pr.body.contains("renamed `description` to `summary`") && pr.body.contains("moduleVersion 1 → 2"),
        "{}",
        pr.body
    );
    let migrated = local
        .read_file("acme/platform", &pr.head, "requests/storefront/new-checkout-flow.yaml")
        .expect("read")
        .expect("file");
    let migrated = String::from_utf8(migrated).expect("utf8");
    assert!(
        migrated.contains("moduleVersion: 2") && migrated.contains("summary:") && !migrated.contains("description:"),
        "{migrated}"
    );

    // The PR's head validates, and the base policies judge it like any other PR.
    let bare = forge.join("repos/acme/platform.git");
    let checkout = Dir::new();
    git(checkout.path(), &["clone", "--quiet", "--branch", &pr.head, s(&bare), "c"]);
    Paved::new(&["validate", "--repo", s(&checkout.join("c"))]).run().expect_code(0);

    // Running again changes nothing; a human-closed PR is not reopened.
    let again = Paved::new(&["modules", "migrate", "--repo", r, "--forge", f]).run().expect_code(0);
    assert!(again.stdout().contains("unchanged #1"), "{}", again.stdout());
    local.close_pr("acme/platform", 1).expect("close");
    let after = Paved::new(&["modules", "migrate", "--repo", r, "--forge", f]).run().expect_code(0);
    assert!(after.stdout().contains("not reopened"), "{}", after.stdout());
    assert_eq!(local.list_prs("acme/platform", None).expect("prs").len(), 1);
}

#[test]
fn a_missing_migration_step_is_a_clear_error() {
    let repo = example_copy();
    let module = repo.join("modules/feature-flag/module.yaml");
    let text = std::fs::read_to_string(&module).expect("module.yaml").replacen("version: 1.0.0", "version: 3.0.0", 1);
    std::fs::write(&module, text).expect("write");
    git_init_commit(repo.path());
    let run = Paved::new(&["validate", "--repo", s(repo.path())]).run().expect_code(1);
    assert!(run.stdout().contains("module `feature-flag` has no major version 1 (current: 3)"), "{}", run.stdout());
}
