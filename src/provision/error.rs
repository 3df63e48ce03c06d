//! How provisioning fails ([`Error`]): what a backend's apply and destroy, and the secret store, return.

use std::path::PathBuf;

/// The error returned by [`Backend::apply`](super::Backend::apply) and
/// [`Backend::destroy`](super::Backend::destroy).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    Unavailable(String),
    #[error("{backend}: {message}")]
    Backend { backend: &'static str, message: String },
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
}
