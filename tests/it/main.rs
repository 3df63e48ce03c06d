//! Integration tests: one binary (as ripgrep does), one module per capability.

mod util;

/// `paved bench gen`: the synthetic platform of the scale benchmarks.
mod bench;
/// The local forge driven through `paved pr`.
mod forge;
/// `paved init` and `paved demo`.
mod init_demo;
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
/// `paved validate`: the example, the broken corpus, real Backstage files.
mod validate;
