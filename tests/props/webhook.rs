//! Webhook deliveries (`POST /webhook`): GitHub's payloads, as the real fixtures have them and mutated, with
//! right, wrong and missing signatures. The gate promises (see `paved::daemon::webhook`): the size limit first,
//! the signature second, nothing parsed before both pass; a signed body that does not parse is a 400 whose
//! message says where (serde_json's line and column).

use crate::alloc::{LIMIT, within_memory};
use crate::mutate::{self, Format, files_under, line_count, read};
use paved::daemon::webhook::{Error, Gate, Headers, Received, Secret, sign};
use proptest::prelude::*;
use proptest::sample::select;
use std::sync::LazyLock;
use std::sync::atomic::{AtomicU64, Ordering};

const SECRET: &[u8] = b"It's a Secret to Everybody";
/// Bodies over this are refused unread (the fixtures are up to about 30 KB).
const MAX_BODY: usize = 24 * 1024;

static PAYLOADS: LazyLock<Vec<String>> = LazyLock::new(|| files_under("tests/fixtures/github-webhooks", &[".json"]));

/// The configured repos: every fixture's, so the gate reads each payload to the end.
static GATE: LazyLock<Gate> = LazyLock::new(|| {
    let repos = [
        "Codertocat/Hello-World",
        "Octocoders/Hello-World",
        "robvanderleek/create-issue-branch",
        "erwinmombay/github-owners-bot-test-repo",
        "jessesuen/test-repo",
    ];
    Gate::new(Secret::new(SECRET), repos.map(str::to_owned)).max_body(MAX_BODY).remember(64)
});

/// A fresh delivery id for every case (a repeated one would be a duplicate, not parsed).
fn delivery_id() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    format!("delivery-{}", NEXT.fetch_add(1, Ordering::Relaxed))
}

#[derive(Debug, Clone)]
enum Signature {
    Right,
    /// The right one with one hex digit changed.
    Tampered(proptest::sample::Index),
    /// Signed with another secret.
    OtherSecret,
    Missing,
    Arbitrary(String),
}

fn signature() -> impl Strategy<Value = Signature> {
    prop_oneof![
        6 => Just(Signature::Right),
        1 => any::<proptest::sample::Index>().prop_map(Signature::Tampered),
        1 => Just(Signature::OtherSecret),
        1 => Just(Signature::Missing),
        1 => prop_oneof![Just("sha256=".to_owned()), Just("sha1=00".to_owned()), "sha256=[0-9a-fA-F]{0,80}", any::<String>()]
            .prop_map(Signature::Arbitrary),
    ]
}

proptest! {
    #![proptest_config(crate::config(512))]

    #[test]
    fn deliveries_are_refused_unread_or_parsed_with_a_located_error(
        file in select(PAYLOADS.iter().map(String::as_str).collect::<Vec<_>>()),
        edits in mutate::mutations(3),
        event in prop_oneof![4 => Just(None), 1 => select(vec!["push", "pull_request", "pull_request_review", "check_suite", "ping", "issues", ""]).prop_map(Some)],
        sig in signature(),
    ) {
        let body = mutate::apply(&read(file), Format::Json, &edits);
        // The event header GitHub would send with this payload: its file name says.
        let named = file.rsplit('/').next().and_then(|n| n.split('.').next()).unwrap_or_default();
        let event = event.unwrap_or(named);
        let right = sign(SECRET, &body);
        let header = match &sig {
            Signature::Right => Some(right.clone()),
            Signature::Tampered(i) => {
                let mut s = right.clone().into_bytes();
                let at = "sha256=".len() + i.index(64);
                s[at] = if s[at] == b'0' { b'1' } else { b'0' };
                Some(String::from_utf8(s).expect("hex is ASCII"))
            }
            Signature::OtherSecret => Some(sign(b"not the secret", &body)),
            Signature::Missing => None,
            Signature::Arbitrary(s) => Some(s.clone()),
        };
        let authentic = header.as_deref() == Some(right.as_str());
        let id = delivery_id();
        let headers = Headers { signature: header.as_deref(), event: Some(event), delivery: Some(&id) };
        let got = within_memory(LIMIT, "Gate::receive", || GATE.receive(&headers, &body))?;
        match got {
            Err(Error::TooLarge { .. }) => prop_assert!(body.len() > MAX_BODY),
            _ if body.len() > MAX_BODY => prop_assert!(false, "a {}-byte body was not refused for its size", body.len()),
            Err(Error::Unauthorized(_)) => prop_assert!(!authentic, "an authentic delivery was refused"),
            _ if !authentic => prop_assert!(false, "a delivery without the right signature got through: {:?}", header),
            Err(Error::Malformed { message, .. }) => {
                // serde_json ends every message with `at line N column M`.
                let line = message.rsplit_once(" at line ").and_then(|(_, r)| r.split(' ').next()?.parse::<usize>().ok());
                let line = line.ok_or_else(|| TestCaseError::fail(format!("a malformed payload without a line: {message}")))?;
                prop_assert!(line >= 1 && line <= line_count(&body) + 1, "line {line} is outside the body: {message}");
            }
            Err(Error::MissingHeader(h)) => prop_assert!(false, "missing header {h}, but all were sent"),
            Ok(Received::Duplicate) => prop_assert!(false, "delivery {id} is new"),
            Ok(Received::Event(_) | Received::Ignored(_)) => {}
        }
    }
}
