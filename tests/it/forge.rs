use crate::util::{Dir, Paved, example_copy, git, git_init_commit, s};

/// A developer's PR on the platform repo, driven entirely through `paved pr`.
#[test]
fn a_pull_request_is_opened_approved_and_merged_from_the_command_line() {
    let repo = example_copy();
    git_init_commit(repo.path());
    let forge = Dir::new();
    let f = s(forge.path());
    use paved::forge::Forge;
    let local = paved::forge::local::LocalForge::new(forge.path());
    let info = local.create_repo("acme/platform", "main").expect("create");
    git(repo.path(), &["push", "--quiet", &info.clone_url, "main"]);
    git(repo.path(), &["checkout", "--quiet", "-b", "add-cache"]);
    repo.write(
        "requests/payments/payments-cache-flag.yaml",
        "apiVersion: paved.dev/v1\nkind: Request\nmetadata:\n  name: payments-cache-flag\nspec:\n  capability: feature-flag\n  moduleVersion: 1\n  environment: staging\n  owner: group:payments\n  parameters:\n    key: payments-cache\n    variants: {on: true, off: false}\n    defaultVariant: \"off\"\n",
    );
    git(repo.path(), &["add", "--all"]);
    git(repo.path(), &["commit", "--quiet", "-m", "request a flag"]);
    git(repo.path(), &["push", "--quiet", &info.clone_url, "add-cache"]);

    let r = s(repo.path());
    let opened = Paved::new(&[
        "pr",
        "open",
        "--repo",
        r,
        "--forge",
        f,
        "--head",
        "add-cache",
        "--title",
        "Flag for the payments cache",
        "--author",
        "jane",
        "--format",
        "json",
    ])
    .run()
    .expect_code(0)
    .json();
    assert_eq!(opened["number"], 1);
    assert_eq!(opened["state"], "open");
    let list = Paved::new(&["pr", "list", "--repo", r, "--forge", f]).run().expect_code(0).stdout();
    assert!(list.contains("#1") && list.contains("Flag for the payments cache"), "{list}");
    Paved::new(&["pr", "approve", "1", "--repo", r, "--forge", f, "--by", "priya"]).run().expect_code(0);
    let shown = Paved::new(&["pr", "show", "1", "--repo", r, "--forge", f]).run().expect_code(0).stdout();
    assert!(shown.contains("review by priya: Approved"), "{shown}");
    let merged = Paved::new(&["pr", "merge", "1", "--repo", r, "--forge", f, "--by", "priya", "--format", "json"])
        .run()
        .expect_code(0)
        .json();
    assert_eq!(merged["state"], "merged");
    let file = local.read_file("acme/platform", "main", "requests/payments/payments-cache-flag.yaml").expect("read");
    assert!(file.is_some(), "the merge landed on main");
    // Merging or closing twice is the user's mistake: exit 1 with the reason.
    let again = Paved::new(&["pr", "close", "1", "--repo", r, "--forge", f]).run().expect_code(1);
    assert!(again.stderr().contains("is merged, not open"), "{}", again.stderr());
    Paved::new(&["pr", "show", "7", "--repo", r, "--forge", f]).run().expect_code(1);
}
