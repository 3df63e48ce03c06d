//! Which failed passes a retry can mend and which need a person, as Flux splits a reconcile's errors: a
//! *transient* failure (the forge or the network, git lock contention, a branch that moved under the plan, the
//! platform lock busy, I/O that may pass) is retried with backoff; a *terminal* one ([`Terminal`]) would fail the
//! same way on every retry, so the daemon marks the platform Stalled with its [`StallReason`], says what to do,
//! and waits for a change (a commit, a webhook) instead of a timer.
//!
//! The errors that need a person are raised as [`Terminal`] where they are found, and the daemon's error policy
//! finds them again by downcasting ([`Failure::of`]): no error message is ever matched as text. Anything else is
//! transient, so an error nobody classified is retried as before.

use crate::audit;
use crate::provision::state::Mismatch;

/// A failure that retrying cannot mend: someone must act first.
#[derive(Debug, thiserror::Error)]
pub enum Terminal {
    /// The audit log's history rewrote records a writer had verified (a force-push): see
    /// `audit_verify::verify_since_watermark`.
    #[error("the audit log's history is broken, so paved appends nothing to it: {0}")]
    AuditHistoryRewritten(audit::Broken),
    /// The state directory is another platform's, or empty while `status/` says things were provisioned from it.
    #[error(transparent)]
    StateMismatch(#[from] Mismatch),
    /// `platform.yaml` cannot be read or has errors: nothing can be planned against a platform paved cannot read.
    #[error("platform.yaml is invalid, so paved plans nothing: {0}")]
    PlatformInvalid(String),
}

impl Terminal {
    pub fn reason(&self) -> StallReason {
        match self {
            Terminal::AuditHistoryRewritten(_) => StallReason::AuditHistoryRewritten,
            Terminal::StateMismatch(_) => StallReason::StateMismatch,
            Terminal::PlatformInvalid(_) => StallReason::PlatformInvalid,
        }
    }
}

/// Why the daemon stalled (a Flux-style typed reason; the `reason` label of `paved_stalled`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum StallReason {
    AuditHistoryRewritten,
    StateMismatch,
    PlatformInvalid,
}

impl StallReason {
    pub const ALL: [StallReason; 3] =
        [StallReason::AuditHistoryRewritten, StallReason::StateMismatch, StallReason::PlatformInvalid];

    pub fn as_str(self) -> &'static str {
        match self {
            StallReason::AuditHistoryRewritten => "AuditHistoryRewritten",
            StallReason::StateMismatch => "StateMismatch",
            StallReason::PlatformInvalid => "PlatformInvalid",
        }
    }

    /// What the operator does to resume (the error message says the details).
    pub fn remedy(self) -> &'static str {
        match self {
            StallReason::AuditHistoryRewritten => {
                "restore the branch to a history that holds the verified commit, or record the loss with `paved audit \
                 accept-rewrite` (it commits, which resumes the daemon)"
            }
            StallReason::StateMismatch => {
                "point paved at this platform's state (platform.yaml spec.state, PAVED_STATE or --state), or start \
                 afresh on purpose with `paved reconcile --new-state`; then commit or send a webhook to resume"
            }
            StallReason::PlatformInvalid => "fix platform.yaml and commit: the commit resumes the daemon",
        }
    }
}

impl std::fmt::Display for StallReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A failed pass, classified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// May pass by itself: retry with backoff.
    Transient,
    /// Needs a person: stall until a change.
    Terminal(StallReason),
}

impl Failure {
    /// Classify `error` by the [`Terminal`] anywhere in its chain (context added on the way up does not hide it).
    pub fn of(error: &anyhow::Error) -> Failure {
        match error.chain().find_map(|e| e.downcast_ref::<Terminal>()) {
            Some(terminal) => Failure::Terminal(terminal.reason()),
            None => Failure::Transient,
        }
    }

    pub fn is_transient(self) -> bool {
        self == Failure::Transient
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;
    use std::time::Duration;

    fn broken() -> audit::Broken {
        audit::Broken { path: "audit/2025.jsonl".into(), line: 3, message: "the history was rewritten".into() }
    }

    #[test]
    fn what_needs_a_person_is_terminal_with_its_reason() {
        let rewritten = anyhow::Error::new(Terminal::AuditHistoryRewritten(broken()));
        assert_eq!(Failure::of(&rewritten), Failure::Terminal(StallReason::AuditHistoryRewritten));
        let other =
            Mismatch::OtherPlatform { dir: PathBuf::from("/s"), found: "globex".into(), platform: "acme".into() };
        let state = anyhow::Error::new(Terminal::from(other)).context("planning");
        assert_eq!(Failure::of(&state), Failure::Terminal(StallReason::StateMismatch), "context does not hide it");
        let platform = anyhow::Error::new(Terminal::PlatformInvalid("platform.yaml:3:1: bad".into()));
        assert_eq!(Failure::of(&platform), Failure::Terminal(StallReason::PlatformInvalid));
    }

    #[test]
    fn the_message_is_the_one_the_cli_printed_before() {
        let e = Terminal::AuditHistoryRewritten(broken());
        assert_eq!(
            e.to_string(),
            "the audit log's history is broken, so paved appends nothing to it: audit/2025.jsonl:3: the history was \
             rewritten"
        );
        let empty = Mismatch::Empty { dir: PathBuf::from("/s"), count: 1, example: "payments/db".into() };
        assert_eq!(Terminal::from(empty).to_string(), {
            let empty = Mismatch::Empty { dir: PathBuf::from("/s"), count: 1, example: "payments/db".into() };
            empty.to_string()
        });
    }

    #[test]
    fn what_may_pass_is_transient() {
        let busy = crate::lock::Error::Busy {
            path: PathBuf::from("/s/paved.lock"),
            holder: "pid 7".into(),
            waited: Duration::from_secs(30),
        };
        let io = std::io::Error::new(std::io::ErrorKind::TimedOut, "connection timed out");
        let cases = [
            anyhow::Error::new(busy),
            anyhow::Error::new(io).context("fetching the platform repo"),
            anyhow::anyhow!("git: cannot lock ref 'refs/heads/main'"),
            // An error that mentions a terminal one only in its text is not typed as one.
            anyhow::anyhow!("the audit log's history is broken"),
        ];
        for e in &cases {
            assert!(Failure::of(e).is_transient(), "{e:#}");
        }
    }
}
