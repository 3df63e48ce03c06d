//! GitHub webhook deliveries: authenticate, bound, de-duplicate, then parse. This module owns the whole trust
//! decision for a delivery and knows nothing of HTTP servers or reconciling: [`Gate::receive`] takes the headers
//! and body and answers with an [`Event`] to act on, a reason to ignore it, or an [`Error`] with the HTTP status
//! to answer.
//!
//! # Guarantees
//! - The size limit is checked first and the `X-Hub-Signature-256` HMAC-SHA256 second, in constant time, over the
//!   raw bytes; nothing is parsed (not even as UTF-8) before both pass. A missing or wrong signature is
//!   [`Error::Unauthorized`] (401), and no work follows.
//! - A delivery id (`X-GitHub-Delivery`) is remembered only once its signature verified, so forged requests cannot
//!   fill the memory or shadow a real delivery. The memory is bounded: the oldest ids are forgotten first.
//! - Events from repositories that are not configured are ignored (answered 202, no work).
//!
//! # Assumptions
//! GitHub signs the body only, not the headers, so a captured delivery replayed with a fresh delivery id verifies.
//! That is harmless here by design (level-triggered): a delivery only makes a reconcile pass happen sooner, and a
//! pass with nothing new changes nothing.

use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::Sha256;
use std::collections::{HashSet, VecDeque};
use std::sync::Mutex;

/// Deliveries larger than this are refused by default (GitHub caps payloads at 25 MiB; paved reads few fields).
pub const DEFAULT_MAX_BODY: usize = 1024 * 1024;
/// Delivery ids remembered for de-duplication by default.
pub const DEFAULT_REMEMBERED: usize = 4096;

/// The error returned by [`Gate::receive`]: the delivery is refused.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("payload of {size} bytes is over the {limit}-byte limit")]
    TooLarge { size: usize, limit: usize },
    #[error("signature rejected: {0}")]
    Unauthorized(&'static str),
    #[error("missing header {0}")]
    MissingHeader(&'static str),
    #[error("malformed {event} payload: {message}")]
    Malformed { event: String, message: String },
}

impl Error {
    /// The HTTP status to answer with.
    pub fn status(&self) -> u16 {
        match self {
            Error::TooLarge { .. } => 413,
            Error::Unauthorized(_) => 401,
            Error::MissingHeader(_) | Error::Malformed { .. } => 400,
        }
    }
}

/// The webhook secret. Its `Debug` never shows the value.
#[derive(Clone)]
pub struct Secret(Vec<u8>);

impl Secret {
    pub fn new(value: impl Into<Vec<u8>>) -> Self {
        Secret(value.into())
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// The headers of a delivery that the gate reads (lowercase names).
#[derive(Debug, Clone, Default)]
pub struct Headers<'a> {
    /// `X-Hub-Signature-256`: `sha256=<hex>`.
    pub signature: Option<&'a str>,
    /// `X-GitHub-Event`.
    pub event: Option<&'a str>,
    /// `X-GitHub-Delivery`.
    pub delivery: Option<&'a str>,
}

/// A parsed delivery paved acts on. Only the fields paved reads are kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// Commits pushed to (or a branch created or deleted at) `git_ref`.
    Push { repo: String, git_ref: String, before: String, after: String, forced: bool, deleted: bool },
    /// A pull request opened, pushed (`synchronize`), closed, merged…
    PullRequest { repo: String, action: String, number: u64, head_sha: String, base: String, merged: bool },
    /// A review submitted on a pull request; `state` is lowercase (`approved`, `changes_requested`, `commented`).
    PullRequestReview { repo: String, action: String, number: u64, state: String, commit_id: Option<String> },
    /// A check suite requested or completed on a commit.
    CheckSuite { repo: String, action: String, head_sha: String, conclusion: Option<String> },
    /// Sent when the hook is created: proves the secret and URL work.
    Ping { repo: Option<String>, hook_id: Option<u64> },
}

impl Event {
    /// The repository the event happened in (`owner/name`), when it names one.
    pub fn repo(&self) -> Option<&str> {
        match self {
            Event::Push { repo, .. }
            | Event::PullRequest { repo, .. }
            | Event::PullRequestReview { repo, .. }
            | Event::CheckSuite { repo, .. } => Some(repo),
            Event::Ping { repo, .. } => repo.as_deref(),
        }
    }
    /// The `X-GitHub-Event` name.
    pub fn name(&self) -> &'static str {
        match self {
            Event::Push { .. } => "push",
            Event::PullRequest { .. } => "pull_request",
            Event::PullRequestReview { .. } => "pull_request_review",
            Event::CheckSuite { .. } => "check_suite",
            Event::Ping { .. } => "ping",
        }
    }
    /// Whether the event may change what paved should do (a ping does not).
    pub fn triggers_reconcile(&self) -> bool {
        !matches!(self, Event::Ping { .. })
    }
}

/// What became of a delivery that was not refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Received {
    /// Authentic, new, from a configured repository: act on it.
    Event(Event),
    /// Authentic, but nothing to do; the reason is for logs.
    Ignored(String),
    /// This delivery id was seen already (GitHub redelivers; attackers replay).
    Duplicate,
}

/// Checks and parses deliveries for a set of repositories.
#[derive(Debug)]
pub struct Gate {
    secret: Secret,
    max_body: usize,
    /// Configured repositories, lowercase `owner/name` (GitHub names are case-insensitive).
    repos: HashSet<String>,
    seen: Mutex<Seen>,
}

/// The last `capacity` delivery ids, oldest first.
#[derive(Debug)]
struct Seen {
    order: VecDeque<String>,
    set: HashSet<String>,
    capacity: usize,
}

impl Seen {
    /// Remember `id`; false when it was already remembered.
    fn insert(&mut self, id: &str) -> bool {
        if self.set.contains(id) {
            return false;
        }
        if self.order.len() >= self.capacity
            && let Some(old) = self.order.pop_front()
        {
            self.set.remove(&old);
        }
        self.order.push_back(id.to_owned());
        self.set.insert(id.to_owned());
        true
    }
}

impl Gate {
    /// A gate for deliveries signed with `secret`, from the `repos` (`owner/name`) paved manages.
    pub fn new(secret: Secret, repos: impl IntoIterator<Item = String>) -> Self {
        Gate {
            secret,
            max_body: DEFAULT_MAX_BODY,
            repos: repos.into_iter().map(|r| r.to_ascii_lowercase()).collect(),
            seen: Mutex::new(Seen { order: VecDeque::new(), set: HashSet::new(), capacity: DEFAULT_REMEMBERED }),
        }
    }

    /// Refuse bodies over `bytes`.
    pub fn max_body(mut self, bytes: usize) -> Self {
        self.max_body = bytes;
        self
    }

    /// Remember at most `ids` delivery ids.
    pub fn remember(self, ids: usize) -> Self {
        self.seen.lock().expect("the delivery log is never poisoned: no panics while held").capacity = ids.max(1);
        self
    }

    /// The body size limit.
    pub fn body_limit(&self) -> usize {
        self.max_body
    }

    /// Check one delivery and, if it is authentic and new, parse it.
    ///
    /// # Errors
    /// [`Error::TooLarge`] over the size limit; [`Error::Unauthorized`] for a missing, malformed or wrong
    /// signature (and whenever the secret is empty: an unset secret never accepts); [`Error::MissingHeader`] for a
    /// signed delivery without event or delivery id; [`Error::Malformed`] when an event paved reads does not parse.
    pub fn receive(&self, headers: &Headers<'_>, body: &[u8]) -> Result<Received, Error> {
        if body.len() > self.max_body {
            return Err(Error::TooLarge { size: body.len(), limit: self.max_body });
        }
        self.verify(headers.signature, body)?;
        let event = headers.event.ok_or(Error::MissingHeader("X-GitHub-Event"))?;
        let delivery = headers.delivery.ok_or(Error::MissingHeader("X-GitHub-Delivery"))?;
        if !self.seen.lock().expect("the delivery log is never poisoned: no panics while held").insert(delivery) {
            return Ok(Received::Duplicate);
        }
        let Some(parsed) = parse(event, body)? else {
            return Ok(Received::Ignored(format!("event `{event}` is not one paved acts on")));
        };
        match parsed.repo() {
            Some(repo) if !self.repos.contains(&repo.to_ascii_lowercase()) => {
                Ok(Received::Ignored(format!("repository {repo} is not configured")))
            }
            _ => Ok(Received::Event(parsed)),
        }
    }

    /// Constant-time check of `sha256=<hex>` against the HMAC of `body`.
    fn verify(&self, signature: Option<&str>, body: &[u8]) -> Result<(), Error> {
        if self.secret.is_empty() {
            return Err(Error::Unauthorized("no webhook secret is configured"));
        }
        let signature = signature.ok_or(Error::Unauthorized("missing X-Hub-Signature-256"))?;
        let hex_digest = signature.strip_prefix("sha256=").ok_or(Error::Unauthorized("not a sha256= signature"))?;
        let expected = hex::decode(hex_digest).map_err(|_| Error::Unauthorized("signature is not hex"))?;
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.secret.0).expect("HMAC accepts keys of any length");
        mac.update(body);
        mac.verify_slice(&expected).map_err(|_| Error::Unauthorized("signature does not match"))
    }
}

/// `sha256=<hex>` of `body` under `secret`: what GitHub sends in `X-Hub-Signature-256`.
pub fn sign(secret: &[u8], body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC accepts keys of any length");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

#[derive(Deserialize)]
struct Repository {
    full_name: String,
}

#[derive(Deserialize)]
struct PushPayload {
    #[serde(rename = "ref")]
    git_ref: String,
    before: String,
    after: String,
    #[serde(default)]
    forced: bool,
    #[serde(default)]
    deleted: bool,
    repository: Repository,
}

#[derive(Deserialize)]
struct GitRef {
    sha: String,
    #[serde(rename = "ref")]
    git_ref: String,
}

#[derive(Deserialize)]
struct PullRequest {
    number: u64,
    head: GitRef,
    base: GitRef,
    #[serde(default)]
    merged: Option<bool>,
}

#[derive(Deserialize)]
struct PullRequestPayload {
    action: String,
    pull_request: PullRequest,
    repository: Repository,
}

#[derive(Deserialize)]
struct Review {
    state: String,
    #[serde(default)]
    commit_id: Option<String>,
}

#[derive(Deserialize)]
struct ReviewPayload {
    action: String,
    review: Review,
    pull_request: PullRequest,
    repository: Repository,
}

#[derive(Deserialize)]
struct CheckSuite {
    head_sha: String,
    #[serde(default)]
    conclusion: Option<String>,
}

#[derive(Deserialize)]
struct CheckSuitePayload {
    action: String,
    check_suite: CheckSuite,
    repository: Repository,
}

#[derive(Deserialize)]
struct PingPayload {
    #[serde(default)]
    hook_id: Option<u64>,
    #[serde(default)]
    repository: Option<Repository>,
}

/// Parse a verified body; `None` for events paved does not act on.
fn parse(event: &str, body: &[u8]) -> Result<Option<Event>, Error> {
    fn de<'a, T: Deserialize<'a>>(event: &str, body: &'a [u8]) -> Result<T, Error> {
        serde_json::from_slice(body).map_err(|e| Error::Malformed { event: event.to_owned(), message: e.to_string() })
    }
    Ok(Some(match event {
        "push" => {
            let p: PushPayload = de(event, body)?;
            Event::Push {
                repo: p.repository.full_name,
                git_ref: p.git_ref,
                before: p.before,
                after: p.after,
                forced: p.forced,
                deleted: p.deleted,
            }
        }
        "pull_request" => {
            let p: PullRequestPayload = de(event, body)?;
            Event::PullRequest {
                repo: p.repository.full_name,
                action: p.action,
                number: p.pull_request.number,
                head_sha: p.pull_request.head.sha,
                base: p.pull_request.base.git_ref,
                merged: p.pull_request.merged.unwrap_or(false),
            }
        }
        "pull_request_review" => {
            let p: ReviewPayload = de(event, body)?;
            Event::PullRequestReview {
                repo: p.repository.full_name,
                action: p.action,
                number: p.pull_request.number,
                state: p.review.state.to_ascii_lowercase(),
                commit_id: p.review.commit_id,
            }
        }
        "check_suite" => {
            let p: CheckSuitePayload = de(event, body)?;
            Event::CheckSuite {
                repo: p.repository.full_name,
                action: p.action,
                head_sha: p.check_suite.head_sha,
                conclusion: p.check_suite.conclusion,
            }
        }
        "ping" => {
            let p: PingPayload = de(event, body)?;
            Event::Ping { repo: p.repository.map(|r| r.full_name), hook_id: p.hook_id }
        }
        _ => return Ok(None),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"It's a Secret to Everybody";

    fn fixture(name: &str) -> Vec<u8> {
        crate::test_fixture(&format!("github-webhooks/{name}"))
    }

    fn gate(repos: &[&str]) -> Gate {
        Gate::new(Secret::new(SECRET), repos.iter().map(|r| r.to_string()))
    }

    fn deliver(gate: &Gate, event: &str, id: &str, body: &[u8]) -> Result<Received, Error> {
        let sig = sign(SECRET, body);
        gate.receive(&Headers { signature: Some(&sig), event: Some(event), delivery: Some(id) }, body)
    }

    #[test]
    fn github_documented_signature_example_verifies() {
        // The example from GitHub's "Validating webhook deliveries" page.
        assert_eq!(
            sign(SECRET, b"Hello, World!"),
            "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
        );
    }

    #[test]
    fn every_fixture_parses_into_the_fields_paved_reads() {
        let g = gate(&[
            "Codertocat/Hello-World",
            "Octocoders/Hello-World",
            "robvanderleek/create-issue-branch",
            "erwinmombay/github-owners-bot-test-repo",
            "jessesuen/test-repo",
        ]);
        let cases: &[(&str, &str)] = &[
            ("push", "push.commit.argo-cd.json"),
            ("push", "push.new-branch.octokit.json"),
            ("pull_request", "pull_request.opened.octokit.json"),
            ("pull_request", "pull_request.synchronize.octokit.json"),
            ("pull_request", "pull_request.closed.merged.create-issue-branch.json"),
            ("pull_request", "pull_request.closed.unmerged.octokit.json"),
            ("pull_request_review", "pull_request_review.submitted.approved.github-owners-bot.json"),
            ("check_suite", "check_suite.completed.octokit.json"),
            ("ping", "ping.octokit.json"),
        ];
        let mut got = Vec::new();
        for (i, (event, file)) in cases.iter().enumerate() {
            match deliver(&g, event, &format!("id-{i}"), &fixture(file)) {
                Ok(Received::Event(e)) => got.push(e),
                other => panic!("{file}: {other:?}"),
            }
        }
        assert_eq!(
            got[0],
            Event::Push {
                repo: "jessesuen/test-repo".into(),
                git_ref: "refs/heads/master".into(),
                before: "d5c1ffa8e294bc18c639bfb4e0df499251034414".into(),
                after: "63738bb582c8b540af7bcfc18f87c575c3ed66e0".into(),
                forced: true,
                deleted: false,
            }
        );
        assert!(matches!(&got[2], Event::PullRequest { action, number: 2, merged: false, head_sha, .. }
            if action == "opened" && head_sha == "ec26c3e57ca3a959ca5aad62de7213c562f8c821"));
        assert!(matches!(&got[3], Event::PullRequest { action, .. } if action == "synchronize"));
        assert!(matches!(&got[4], Event::PullRequest { action, number: 117, merged: true, base, .. }
            if action == "closed" && base == "main"));
        assert!(matches!(&got[5], Event::PullRequest { merged: false, .. }));
        assert_eq!(
            got[6],
            Event::PullRequestReview {
                repo: "erwinmombay/github-owners-bot-test-repo".into(),
                action: "submitted".into(),
                number: 35,
                state: "approved".into(),
                commit_id: Some("9272f18514cbd3fa935b3ced62ae1c2bf6efa76d".into()),
            }
        );
        assert!(matches!(&got[7], Event::CheckSuite { conclusion: Some(c), .. } if c == "success"));
        assert_eq!(got[8], Event::Ping { repo: Some("Octocoders/Hello-World".into()), hook_id: Some(109948940) });
        assert!(!got[8].triggers_reconcile() && got[0].triggers_reconcile());
    }

    #[test]
    fn a_wrong_or_missing_signature_is_401_before_anything_is_parsed() {
        let g = gate(&["Codertocat/Hello-World"]);
        let body = fixture("pull_request.opened.octokit.json");
        let wrong = sign(b"not the secret", &body);
        let h = |sig| Headers { signature: sig, event: Some("pull_request"), delivery: Some("d1") };
        for sig in [Some(wrong.as_str()), None, Some("sha1=abc"), Some("sha256=zz"), Some("sha256=")] {
            let err = g.receive(&h(sig), &body).expect_err("refused");
            assert_eq!(err.status(), 401, "{sig:?}: {err}");
        }
        // Garbage with a wrong signature is refused for the signature, proving the body was never parsed.
        let err = g.receive(&h(Some(&wrong)), b"{not json").expect_err("refused");
        assert_eq!(err.status(), 401);
        // A tampered body with the original signature fails too.
        let good = sign(SECRET, &body);
        let mut tampered = body.clone();
        tampered[10] ^= 1;
        assert_eq!(g.receive(&h(Some(&good)), &tampered).expect_err("refused").status(), 401);
        // The forged deliveries did not burn the delivery id: the real one is still accepted.
        assert!(matches!(g.receive(&h(Some(&good)), &body), Ok(Received::Event(_))));
    }

    #[test]
    fn an_empty_secret_never_accepts() {
        let g = Gate::new(Secret::new(Vec::new()), ["Codertocat/Hello-World".to_string()]);
        let body = fixture("ping.octokit.json");
        let sig = sign(b"", &body);
        let err = g
            .receive(&Headers { signature: Some(&sig), event: Some("ping"), delivery: Some("d") }, &body)
            .expect_err("refused");
        assert_eq!(err.status(), 401);
        assert_eq!(format!("{:?}", Secret::new("hunter2")), "Secret(<redacted>)");
    }

    #[test]
    fn oversized_payloads_are_refused_first() {
        let g = gate(&["Codertocat/Hello-World"]).max_body(1000);
        let body = fixture("pull_request.opened.octokit.json");
        let err = deliver(&g, "pull_request", "d", &body).expect_err("too large");
        assert_eq!(err.status(), 413);
        assert!(err.to_string().contains("1000-byte limit"), "{err}");
    }

    #[test]
    fn redelivered_ids_are_duplicates_and_memory_is_bounded() {
        let g = gate(&["Codertocat/Hello-World"]).remember(3);
        let body = fixture("check_suite.completed.octokit.json");
        assert!(matches!(deliver(&g, "check_suite", "a", &body), Ok(Received::Event(_))));
        assert_eq!(deliver(&g, "check_suite", "a", &body).expect("ok"), Received::Duplicate);
        for id in ["b", "c", "d"] {
            assert!(matches!(deliver(&g, "check_suite", id, &body), Ok(Received::Event(_))));
        }
        // "a" was the oldest of four; with room for three it was forgotten.
        assert!(matches!(deliver(&g, "check_suite", "a", &body), Ok(Received::Event(_))));
        assert_eq!(g.seen.lock().expect("lock").order.len(), 3);
    }

    #[test]
    fn unconfigured_repositories_and_unknown_events_are_ignored() {
        let g = gate(&["acme/platform"]);
        let body = fixture("push.new-branch.octokit.json");
        assert!(
            matches!(deliver(&g, "push", "1", &body), Ok(Received::Ignored(r)) if r.contains("Codertocat/Hello-World"))
        );
        assert!(matches!(deliver(&g, "issues", "2", b"{}"), Ok(Received::Ignored(r)) if r.contains("issues")));
        let g = gate(&["codertocat/hello-world"]);
        assert!(matches!(deliver(&g, "push", "3", &body), Ok(Received::Event(_))), "names are case-insensitive");
    }

    #[test]
    fn malformed_json_with_a_valid_signature_is_400() {
        let g = gate(&["acme/platform"]);
        let err = deliver(&g, "push", "1", b"{\"ref\": 3").expect_err("malformed");
        assert_eq!(err.status(), 400);
        let err = deliver(&g, "pull_request", "2", b"{\"action\": \"opened\"}").expect_err("missing fields");
        assert!(err.to_string().contains("pull_request"), "{err}");
        let err = g
            .receive(&Headers { signature: Some(&sign(SECRET, b"{}")), event: None, delivery: Some("3") }, b"{}")
            .expect_err("no event header");
        assert_eq!(err.status(), 400);
    }
}
