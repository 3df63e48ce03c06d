//! Crash points without a hook in paved's own code path: the `it` binary runs itself as the child process
//! ([`Paved::crashing_at`](crate::util::Paved::crashing_at)), installs paved's crash hook (the test double of
//! `kill -9` at a named point inside a commit) and runs paved's command line in-process. paved itself reads no
//! environment variable for this.

use paved::apply::workspace::{CrashPoint, install_crash_hook};

/// The crash point a child stops at.
pub const CRASH_AT: &str = "PAVED_IT_CRASH_AT";
/// The child's command-line arguments, separated by [`SEP`].
pub const ARGS: &str = "PAVED_IT_ARGS";
pub const SEP: char = '\u{1f}';

/// The child: ignored in a normal run, run only by [`Paved::crashing_at`](crate::util::Paved::crashing_at).
#[test]
#[ignore = "the child of a crash test: runs paved's command line and aborts at a crash point"]
fn child() {
    let point = match std::env::var(CRASH_AT).expect("a crash test sets the point").as_str() {
        "after-first-write" => CrashPoint::AfterFirstWrite,
        "before-commit" => CrashPoint::BeforeCommit,
        other => panic!("no crash point `{other}`"),
    };
    let args = std::env::var(ARGS).expect("a crash test sets the arguments");
    assert!(install_crash_hook(Box::new(move |at| if at == point {
        std::process::abort()
    })));
    let code = paved::cli::main_from(std::iter::once("paved").chain(args.split(SEP)));
    // Only reached when the point never came: the parent sees a normal exit and fails.
    std::process::exit(if code == std::process::ExitCode::SUCCESS { 0 } else { 1 });
}
