//! The error a snapshot's constructors and readers return.

use std::path::PathBuf;

/// The error returned by the [`Snapshot`](super::Snapshot) constructors and
/// [`Snapshot::read`](super::Snapshot::read).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot read {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{path} is not a git repository: {message}")]
    NotARepository { path: PathBuf, message: String },
    #[error("revision `{rev}` not found in {path}: {message}")]
    BadRevision { path: PathBuf, rev: String, message: String },
    #[error("git object database: {0}")]
    Odb(String),
}
