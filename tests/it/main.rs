//! Integration tests: one binary (as ripgrep does), one module per capability.

mod util;

/// The local forge driven through `paved pr`.
mod forge;
/// `paved init` and `paved demo`.
mod init_demo;
/// The engine end to end: reconcile, idempotency, crash safety, audit.
mod reconcile;
/// Scorecards from evidence and their committed reports.
mod scorecard;
/// `paved validate`: the example, the broken corpus, real Backstage files.
mod validate;
