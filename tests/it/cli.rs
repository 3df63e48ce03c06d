//! The command line a person meets: each command's `--help` lists what it takes, with a line for each option,
//! and long work shows a bar with counts on a terminal but nothing when piped.

use crate::util::{Dir, Paved};
use std::process::Command;

/// Every command's help, as `paved <command> --help` prints it.
fn help(words: &[&str]) -> String {
    let mut args = words.to_vec();
    args.push("--help");
    Paved::new(&args).run().expect_code(0).stdout()
}

#[test]
fn help_lists_only_the_options_each_command_takes() {
    let scaffold = help(&["scaffold"]);
    assert!(scaffold.contains("--set") && scaffold.contains("--repo"), "{scaffold}");
    for absent in ["--state", "--forge", "--format", "markdown"] {
        assert!(!scaffold.contains(absent), "`scaffold --help` offers {absent}:\n{scaffold}");
    }
    let validate = help(&["validate"]);
    assert!(validate.contains("--format") && validate.contains("json"), "{validate}");
    assert!(!validate.contains("markdown") && !validate.contains("--state"), "{validate}");
    let plan = help(&["plan"]);
    assert!(plan.contains("markdown") && plan.contains("--state") && plan.contains("--forge"), "{plan}");
    let init = help(&["init"]);
    for absent in ["--repo", "--format", "--forge", "--state"] {
        assert!(!init.contains(absent), "`init --help` offers {absent}:\n{init}");
    }
    // Options that had no help line (every argument's help is checked in src/cli/mod.rs's unit tests).
    let open = help(&["pr", "open"]);
    for said in ["The branch to merge", "The pull request's title", "description", "merge it into", "Who opens it"] {
        assert!(open.contains(said), "`pr open --help` lacks {said:?}:\n{open}");
    }
    assert!(help(&["pr", "approve"]).contains("Who approves it"));
}

/// `paved bench gen` (the long work easiest to make here) under a pseudo-terminal, through util-linux's `script`.
#[test]
fn long_work_shows_a_bar_with_counts_on_a_terminal_and_nothing_when_piped() {
    let dir = Dir::new();
    let piped = Paved::new(&["bench", "gen", "--services", "300", "--out", "piped"]).current_dir(dir.path()).run();
    assert_eq!(piped.expect_code(0).stderr(), "", "no progress when stderr is not a terminal");
    if Command::new("script").arg("--version").output().is_err() {
        assert!(std::env::var("CI").as_deref() != Ok("true"), "CI must have util-linux's `script`");
        eprintln!("note: no `script` on this machine: the terminal half of this test is skipped");
        return;
    }
    let paved = env!("CARGO_BIN_EXE_paved");
    let typed = format!("{paved} bench gen --services 300 --out shown");
    let out = Command::new("script")
        .args(["--quiet", "--return", "--command", &typed, "/dev/null"])
        .current_dir(dir.path())
        .env("TERM", "xterm")
        .output()
        .expect("script runs");
    let screen = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{screen}");
    assert!(screen.contains("writing files"), "a bar names the phase:\n{screen}");
    let files = std::fs::read_dir(dir.join("shown/catalog")).map(|d| d.count()).unwrap_or(0);
    assert!(files > 0, "the repo was generated");
    // The bar counts: `n/total` for the files written.
    assert!(screen.lines().any(|l| l.contains("writing files") && l.contains('/')), "{screen}");
    assert!(screen.contains("300 services"), "the result is printed after the bar:\n{screen}");

    // With --format json, a terminal still gets no bar (tools parse what they read).
    let typed = format!("{paved} validate --repo shown --rev HEAD --format json");
    let out = Command::new("script")
        .args(["--quiet", "--return", "--command", &typed, "/dev/null"])
        .current_dir(dir.path())
        .output()
        .expect("script runs");
    let screen = String::from_utf8_lossy(&out.stdout);
    assert!(!screen.contains("loading the platform repo"), "{screen}");
    assert!(screen.contains("\"errors\": 0"), "{screen}");
}
