//! Integration tests: one binary (as ripgrep does), one module per capability.

mod util;

/// A loopback stand-in for GitHub's REST API, for the GitHub forge's tests.
mod fake_github;

/// Action ids stay what they were before the planner changed (branch names and audit records derive from them).
mod action_ids;
/// `paved bench gen`: the synthetic platform of the scale benchmarks.
mod bench;
/// The command line a person meets: `--help` per command, progress on a terminal.
mod cli;
/// The child process of crash tests: paved's command line in-process, stopped at a crash point.
mod crash;
/// `paved daemon`: commits reconciled within seconds, webhooks, metrics, kill -9 and SIGTERM.
mod daemon;
/// `deploy/` and the Dockerfile fit the binary.
mod deploy;
/// The daemon drives every kind of action with no command typed, and rests when nothing happens.
mod drive;
/// The README's commands and the ones paved suggests, typed as a person types them.
mod first_hour;
/// The local forge driven through `paved pr`.
mod forge;
/// The GitHub forge against a loopback stand-in for GitHub's REST API.
mod github;
/// The incremental planner: patched plans equal cold ones.
mod incremental;
/// `paved init` and `paved demo`.
mod init_demo;
/// Versioned modules and their request-migration PRs.
mod modules;
/// Physical names: collision-free for new requests, stable for provisioned ones, refused when two would meet.
mod names;
/// Paved paths: scaffolds judged by real tools, GitOps scaffolding, drift, migration PRs.
mod paths;
/// Provisioning after merge: backends, drift, deletion, secrets.
mod provision;
/// The engine end to end: reconcile, idempotency, crash safety, audit.
mod reconcile;
/// Plans on pull requests, judged by the base branch.
mod review;
/// Scorecards from evidence and their committed reports.
mod scorecard;
/// The quarterly sunset review's deprecation PR, and deprecation warnings.
mod sunset;
/// `paved validate`: the example, the broken corpus, real Backstage files.
mod validate;
/// One writer per platform: the lock, waiting, and concurrent reconciles.
mod writers;
