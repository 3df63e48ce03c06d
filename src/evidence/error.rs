//! Why evidence does not read ([`Error`]): a file refused or missing, a document that does not parse as its kind,
//! a value out of range, evidence of another component or from the future, a signature that does not verify.
//!
//! Each variant renders exactly the reason a fact carries (scorecard pages cite it), so the text is kept here and
//! collectors build values, not sentences. A reason about a place inside a file is wrapped in [`Error::In`] or
//! [`Error::Line`], which put the path (and line) in front of it.

use crate::model::entity_ref::RefError;
use chrono::{DateTime, Utc};

/// Why a piece of evidence does not read, or does not prove what it should.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Error {
    /// A file the snapshot refuses or that cannot be read (external evidence: the KEV catalog).
    #[error("{path}: {message}")]
    Read { path: String, message: String },
    /// External evidence over [`MAX_EXTERNAL_BYTES`](super::MAX_EXTERNAL_BYTES).
    #[error("{path}: {size} bytes, over the {limit} byte limit")]
    TooLarge { path: String, size: u64, limit: u64 },
    /// No file of this kind where it is looked for.
    #[error("no {what} at {path}")]
    Missing { what: &'static str, path: &'static str },
    /// No file of this kind in a directory.
    #[error("no {what} under {dir}/")]
    NoneUnder { what: &'static str, dir: &'static str },
    /// A reason about a file (or a source) as a whole.
    #[error("{path}: {reason}")]
    In { path: String, reason: Box<Error> },
    /// A reason about one line of a file.
    #[error("{path}:{line}: {reason}")]
    Line { path: String, line: u64, reason: Box<Error> },
    /// A document (or part of one) that the parser rejects: `what` says what it is not, `message` is the parser's.
    #[error("{what} ({message})")]
    Parse { what: &'static str, message: String },
    /// YAML the bounded reader refuses (`line:col: invalid YAML: …`, located by [`crate::yaml::check_bounded`]).
    #[error("{0}")]
    YamlBounds(String),
    /// YAML serde cannot read.
    #[error("invalid YAML: {0}")]
    Yaml(String),
    /// A field whose value is not of its type.
    #[error("{field} `{value}` is not {expected}")]
    BadValue { field: &'static str, value: String, expected: &'static str },
    /// A version of a format paved does not read.
    #[error("{field} `{version}` is not supported ({supported})")]
    Unsupported { field: &'static str, version: String, supported: &'static str },
    /// A date after the observation.
    #[error("{what} {} is in the future", at.format("%Y-%m-%dT%H:%M:%SZ"))]
    FromFuture { what: &'static str, at: DateTime<Utc> },
    /// An SBOM of another component.
    #[error("the SBOM describes `{described}`, not {component}")]
    OtherSbom { described: String, component: String },
    /// A signed statement about other artifacts.
    #[error("the statement attests {}, not {component}", subjects.join(", "))]
    OtherSubjects { subjects: Vec<String>, component: String },
    /// A trusted key that does not parse.
    #[error("key {key} is not {algorithm} public key in PEM: {message}")]
    BadKey { key: String, algorithm: &'static str, message: String },
    /// A signature that is not this key's.
    #[error("signature does not verify with key {key}")]
    NotVerified { key: String },
    /// A signature by a key `platform.yaml` does not trust.
    #[error("signed with key `{keyid}`, which is not a trusted key in platform.yaml")]
    UntrustedKey { keyid: String },
    /// No signature of an envelope verifies: why not, for each.
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Unverified(Vec<Error>),
    /// An envelope whose payload is not an in-toto statement.
    #[error("payloadType is `{0}`, not application/vnd.in-toto+json")]
    PayloadType(String),
    /// A payload of another type.
    #[error("the payload is not an in-toto Statement (_type `{0}`)")]
    NotAStatement(String),
    /// SLI counts that cannot be.
    #[error("good {good} of total {total} is not a valid count")]
    BadCount { good: f64, total: f64 },
    /// A forge deployment status paved does not know.
    #[error("unknown deployment state `{0}`")]
    UnknownState(String),
    /// A component reference that does not read.
    #[error(transparent)]
    Ref(#[from] RefError),
    /// A fixed reason: a field missing, a document of neither supported kind, a structure that is not there.
    #[error("{0}")]
    Invalid(&'static str),
}

impl Error {
    /// `reason`, about `path` as a whole.
    pub fn in_file(path: impl Into<String>, reason: Error) -> Self {
        Error::In { path: path.into(), reason: Box::new(reason) }
    }

    /// `reason`, about line `line` of `path`.
    pub fn at_line(path: impl Into<String>, line: u64, reason: Error) -> Self {
        Error::Line { path: path.into(), line, reason: Box::new(reason) }
    }
}
