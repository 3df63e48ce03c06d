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

/// A new user's first PR: `paved init`, a commit on a branch, then `paved pr open` from inside the work tree.
/// Nobody wires a git remote: paved creates the platform repo on the local forge, pushes `main` and the
/// branch, and opens the PR; a later commit is pushed by the next `pr open`; what it cannot do, it says how to do.
#[test]
fn pr_open_pushes_the_current_branch_from_inside_a_new_work_tree() {
    let dir = Dir::new();
    Paved::new(&["init", "acme"]).current_dir(dir.path()).run().expect_code(0);
    let work = dir.join("acme");
    git(&work, &["checkout", "--quiet", "-b", "add-flag"]);
    let request = "requests/platform-core/checkout-flag.yaml";
    let body = "apiVersion: paved.dev/v1\nkind: Request\nmetadata:\n  name: checkout-flag\nspec:\n  capability: \
                feature-flag\n  moduleVersion: 1\n  environment: staging\n  owner: group:platform-core\n  parameters:\n    \
                key: checkout\n    variants: {on: true, off: false}\n    defaultVariant: \"off\"\n";
    dir.write(&format!("acme/{request}"), body);
    git(&work, &["add", "--all"]);
    git(&work, &["commit", "--quiet", "-m", "a checkout flag"]);

    let opened = Paved::new(&["pr", "open", "--title", "Checkout flag", "--format", "json"]).current_dir(&work).run();
    let pr = opened.expect_code(0).json();
    assert_eq!(
        (pr["number"].as_u64(), pr["head"].as_str(), pr["base"].as_str()),
        (Some(1), Some("add-flag"), Some("main"))
    );
    let forge = paved::forge::local::LocalForge::new(dir.join("forge"));
    use paved::forge::Forge;
    assert!(forge.read_file("acme/platform", "add-flag", request).expect("read").is_some(), "the branch was pushed");
    assert!(forge.read_file("acme/platform", "main", "platform.yaml").expect("read").is_some(), "main was pushed");
    let listed = Paved::new(&["pr", "list", "--repo", "acme"]).current_dir(dir.path()).run().expect_code(0).stdout();
    assert!(listed.contains("#1") && listed.contains("Checkout flag"), "{listed}");

    // Another commit: the next `pr open` pushes it, and the open PR is the one it finds.
    dir.write(&format!("acme/{request}"), &body.replace("staging", "production"));
    git(&work, &["commit", "--quiet", "-am", "to production"]);
    let again = Paved::new(&["pr", "open", "--title", "Checkout flag"]).current_dir(&work).run().expect_code(0);
    assert!(again.stderr().contains("pushed add-flag"), "{}", again.stderr());
    let head = forge.read_file("acme/platform", "add-flag", request).expect("read").unwrap_or_default();
    assert!(String::from_utf8_lossy(&head).contains("production"), "the new commit is on the forge");
    assert_eq!(forge.list_prs("acme/platform", None).expect("prs").len(), 1, "still one PR");

    // The forge's branch moved on elsewhere: no force push; the error names the command that brings it in.
    let other = dir.join("other");
    git(
        dir.path(),
        &["clone", "--quiet", "--branch", "add-flag", s(&forge.repo_path("acme/platform").expect("path")), "other"],
    );
    std::fs::write(other.join("NOTES.md"), "from another clone\n").expect("write");
    git(&other, &["add", "--all"]);
    git(&other, &["commit", "--quiet", "-m", "elsewhere"]);
    git(&other, &["push", "--quiet", "origin", "add-flag"]);
    std::fs::write(work.join("LOCAL.md"), "here\n").expect("write");
    git(&work, &["add", "--all"]);
    git(&work, &["commit", "--quiet", "-m", "here"]);
    let refused = Paved::new(&["pr", "open", "--title", "Checkout flag"]).current_dir(&work).run().expect_code(2);
    assert!(
        refused.stderr().contains(&format!("git -C {} pull ", s(&work))) && refused.stderr().contains(" add-flag`"),
        "{}",
        refused.stderr()
    );

    // On the base branch there is nothing to propose: say how to make a branch.
    git(&work, &["checkout", "--quiet", "main"]);
    let on_main = Paved::new(&["pr", "open", "--title", "x"]).current_dir(&work).run().expect_code(2);
    assert!(on_main.stderr().contains(&format!("git -C {} switch -c BRANCH", s(&work))), "{}", on_main.stderr());
}
