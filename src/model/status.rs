//! The files paved writes under `status/` (bot-owned, see [`super::BOT_OWNED`]): each is a YAML document after
//! one header line that says so.

use serde::Serialize;

/// The first line of every status file.
pub const HEADER: &str = "# Written by paved. Do not edit: this file is bot-owned and is overwritten.\n";

/// Render a status document as the file paved writes.
pub fn render<T: Serialize>(doc: &T) -> String {
    let body = crate::yaml::emit::to_string(doc).expect("status documents always serialize");
    // Sized exactly: a plan holds every status it writes, and a string grown by doubling is up to half slack.
    let mut file = String::with_capacity(HEADER.len() + body.len());
    file.push_str(HEADER);
    file.push_str(&body);
    file
}

/// Where a request stands: the `phase` of its status file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, serde::Deserialize)]
pub enum Phase {
    /// Provisioned as asked (or about to be, by the action the same plan holds).
    Ready,
    /// A policy denies it; the message says which rule.
    Denied,
    /// Waiting on something outside the platform repo's reach this pass: a backend that cannot be reached, a
    /// server that cannot serve it, a name another request holds. The message says how to fix it.
    Blocked,
    /// Applying it failed; the next pass tries again. (Also what a status paved cannot read says.)
    #[default]
    Failed,
    /// Its file was removed, but deletion protection keeps what it provisioned.
    Protected,
    /// Retrying cannot help: the platform repo must change first ([`StalledReason`] says what). Nothing is
    /// provisioned or destroyed for it until then, and the rest of the plan proceeds.
    Stalled,
}

impl std::fmt::Display for Phase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self, f)
    }
}

/// Why an object is Stalled (Flux's Stalled condition, with a typed reason): an error that only a change to the
/// platform repo fixes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
pub enum StalledReason {
    /// The policies that judge it cannot be evaluated (a policy that does not compile, or fails at run time).
    PolicyError,
    /// Its capability's module names no backend, and `platform.yaml` chooses none.
    NoBackend,
    /// The backend chosen for its capability is one its module does not support.
    BackendUnsupported,
}

/// Whether a condition holds, in the Kubernetes spelling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ConditionStatus {
    True,
    False,
}

/// The type of a Flux-style condition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ConditionType {
    Ready,
}

/// Why a condition has its status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ConditionReason {
    /// The catalog entry and reality agree.
    Reconciled,
    /// Reality disagrees with the catalog entry: the findings say how.
    DriftDetected,
}
