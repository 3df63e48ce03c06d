//! The audit log: `audit/YYYY-MM.jsonl`, append-only and hash-chained.
//!
//! Each line is one JSON object. `prev` is the previous record's `hash` (the first record's is 64 zeros), and
//! `hash` is the SHA-256 of the line's JSON without its `hash` member, serialized compactly in the order written.
//! The chain runs across month files in name order, so removing, reordering or editing any line — or a whole
//! file — breaks it, and [`verify`] says where.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::HashMap;

pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One audited event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    pub seq: u64,
    pub time: String,
    /// Who did it: `paved` for the reconciler; the requester and approvers go in `details`.
    pub actor: String,
    /// The action id (the same id as the plan and the commit trailer).
    pub action: String,
    pub kind: String,
    pub target: String,
    /// The desired-state commit the action came from (`worktree` for an uncommitted directory).
    pub basis: String,
    /// `applied` or `failed`.
    pub result: String,
    #[serde(default, skip_serializing_if = "serde_json::Value::is_null")]
    pub details: serde_json::Value,
    pub prev: String,
    #[serde(default)]
    pub hash: String,
}

/// The error returned by [`verify`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}:{line}: {message}")]
pub struct Broken {
    pub path: String,
    pub line: usize,
    pub message: String,
}

/// The hash of a record's line (without its `hash` member).
pub fn hash_line(value: &serde_json::Value) -> String {
    let mut v = value.clone();
    if let Some(obj) = v.as_object_mut() {
        obj.shift_remove("hash");
    }
    let text = serde_json::to_string(&v).expect("a JSON value always serializes");
    hex::encode(Sha256::digest(text.as_bytes()))
}

impl Record {
    /// Fill `prev`, `seq` and `hash` to follow `tail`, and return the JSON line (without newline).
    pub fn seal(&mut self, tail: &Tail) -> String {
        self.prev = tail.hash.clone();
        self.seq = tail.seq + 1;
        self.hash = String::new();
        // The hash is of the record as [`verify`] will read it back from the line: serde_json's parser may read a
        // float of `details` one bit off what was written, and a hash of the value before writing then never
        // matched (a false "record was modified").
        let unsealed = serde_json::to_string(&*self).expect("a Record always serializes");
        let read_back: serde_json::Value = serde_json::from_str(&unsealed).expect("serde_json reads what it wrote");
        self.hash = hash_line(&read_back);
        serde_json::to_string(&*self).expect("a Record always serializes")
    }
}

/// The end of the chain: what the next record must follow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tail {
    pub hash: String,
    pub seq: u64,
}

impl Default for Tail {
    fn default() -> Self {
        Tail { hash: GENESIS.to_owned(), seq: 0 }
    }
}

/// The month file a record made at `time` belongs in.
pub fn file_for(time: &chrono::DateTime<chrono::Utc>) -> String {
    format!("audit/{}.jsonl", time.format("%Y-%m"))
}

/// Verify the chain over `files` (path, content), which must be in name order. Returns the tail and the count.
///
/// # Errors
/// The first line that is not valid JSON, whose hash does not match its content, or whose `prev` does not match
/// the previous record; or a success recorded twice (see [`Successes`]).
pub fn verify<'a>(files: impl IntoIterator<Item = (&'a str, &'a str)>) -> Result<(Tail, usize), Broken> {
    let mut tail = Tail::default();
    let mut count = 0;
    let mut successes = Successes::default();
    for (path, text) in files {
        for (i, line) in text.lines().enumerate() {
            let broken = |message: String| Broken { path: path.to_owned(), line: i + 1, message };
            if line.trim().is_empty() {
                return Err(broken("empty line in the audit log".into()));
            }
            let value: serde_json::Value =
                serde_json::from_str(line).map_err(|e| broken(format!("not valid JSON: {e}")))?;
            let stated = value.get("hash").and_then(|h| h.as_str()).unwrap_or_default();
            let actual = hash_line(&value);
            if stated != actual {
                return Err(broken(format!(
                    "record was modified: its hash is {stated:.12}… but its content hashes to {actual:.12}…"
                )));
            }
            let prev = value.get("prev").and_then(|h| h.as_str()).unwrap_or_default();
            if prev != tail.hash {
                return Err(broken(format!(
                    "chain broken: record follows {prev:.12}… but the previous record is {:.12}… (a record was removed or reordered)",
                    tail.hash
                )));
            }
            let seq = value.get("seq").and_then(|s| s.as_u64()).unwrap_or_default();
            if seq != tail.seq + 1 {
                return Err(broken(format!("sequence jumps from {} to {seq}", tail.seq)));
            }
            successes.check(&value, path, i + 1).map_err(broken)?;
            tail = Tail { hash: actual, seq };
            count += 1;
        }
    }
    Ok((tail, count))
}

/// The hash of record `seq` in `files` (in chain order), if the log holds it: what a verified chain head is
/// looked up by after the history was rewritten.
pub fn hash_at<'a>(files: impl IntoIterator<Item = &'a str>, seq: u64) -> Option<String> {
    files
        .into_iter()
        .flat_map(str::lines)
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find_map(|v| (v.get("seq")?.as_u64()? == seq).then(|| v.get("hash")?.as_str().map(str::to_owned)).flatten())
}

/// The check that each success is recorded once: an `applied` record whose action id is the same as the one
/// before it for the same target, itself `applied`, is the replay of a success recorded twice. An action id is
/// a hash of the desired content, so it may rightly succeed again later (a status back to an earlier text, a
/// target deleted twice over the years), but only after another record for its target; this is exactly what
/// [`last_actions`] lets `apply` skip, so paved never writes what this refuses.
#[derive(Default)]
struct Successes {
    /// Per target: the last record's action, result and where it is.
    last: HashMap<String, (String, String, String, usize)>,
}

impl Successes {
    fn check(&mut self, value: &serde_json::Value, path: &str, line: usize) -> Result<(), String> {
        let field = |name: &str| value.get(name).and_then(|v| v.as_str()).unwrap_or_default().to_owned();
        let (target, action, result) = (field("target"), field("action"), field("result"));
        if let Some((last_action, last_result, at_path, at_line)) = self.last.get(&target)
            && *last_action == action
            && last_result == APPLIED
            && result == APPLIED
        {
            return Err(format!(
                "action {action} on {target} is recorded as applied twice (first at {at_path}:{at_line}): one \
                 success has one record; a replayed apply recorded it again, so find the run that wrote this line"
            ));
        }
        self.last.insert(target, (action, result, path.to_owned(), line));
        Ok(())
    }
}

/// The `result` of a record whose action succeeded.
pub const APPLIED: &str = "applied";
/// The `result` of a record whose action failed.
pub const FAILED: &str = "failed";

/// The last record of one target: its action id and whether it succeeded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Last {
    pub action: String,
    pub applied: bool,
}

impl Last {
    /// Is an apply of `action` now a replay of a success already recorded (so recording it again would make two
    /// records of one success)? A replay after a recorded failure is a new attempt, and is recorded.
    pub fn is_recorded_success(&self, action: &str) -> bool {
        self.applied && self.action == action
    }
}

/// The last record of each target. An apply whose action is already a target's last record, and succeeded, is
/// a replay of an apply that was interrupted after its audit record was written, and must not be recorded twice.
/// One pass over the log: asked per action, a search from the end re-read the whole log for every target it had
/// never recorded, so a reconcile of N entities after a log of M records parsed N x M records.
pub fn last_actions(records_text: &str) -> HashMap<String, Last> {
    let mut last = HashMap::new();
    for record in records_text.lines().filter_map(|l| serde_json::from_str::<Record>(l).ok()) {
        last.insert(record.target, Last { action: record.action, applied: record.result == APPLIED });
    }
    last
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(n: u64) -> Record {
        Record {
            seq: 0,
            time: format!("2026-11-0{n}T00:00:00Z"),
            actor: "paved".into(),
            action: format!("a{n}"),
            kind: "status.write".into(),
            target: "component:default/x".into(),
            basis: "abc".into(),
            result: "applied".into(),
            details: serde_json::Value::Null,
            prev: String::new(),
            hash: String::new(),
        }
    }

    fn chain(n: u64) -> String {
        sealed((1..=n).map(record))
    }

    fn sealed(records: impl IntoIterator<Item = Record>) -> String {
        let mut tail = Tail::default();
        let mut out = String::new();
        for mut r in records {
            out.push_str(&r.seal(&tail));
            out.push('\n');
            tail = Tail { hash: r.hash.clone(), seq: r.seq };
        }
        out
    }

    /// A record of action `action` with `result`, on target `x` or `y`.
    fn attempt(action: u64, target: &str, result: &str) -> Record {
        Record { target: format!("component:default/{target}"), result: result.into(), ..record(action) }
    }

    #[test]
    fn a_success_recorded_twice_is_found_where_it_is() {
        let text = sealed([attempt(1, "x", FAILED), attempt(1, "x", APPLIED), attempt(2, "y", APPLIED)]);
        assert!(verify([("audit/2026-11.jsonl", text.as_str())]).is_ok(), "failed then applied is two attempts");
        let text = sealed([attempt(1, "x", APPLIED), attempt(2, "y", APPLIED), attempt(1, "x", APPLIED)]);
        let err = verify([("audit/2026-11.jsonl", text.as_str())]).expect_err("recorded twice");
        assert_eq!(err.line, 3, "{err}");
        assert!(err.message.contains("applied twice") && err.message.contains("audit/2026-11.jsonl:1"), "{err}");
        // The same content applied again after another change of its target is a new success.
        let text = sealed([attempt(1, "x", APPLIED), attempt(2, "x", APPLIED), attempt(1, "x", APPLIED)]);
        assert!(verify([("audit/2026-11.jsonl", text.as_str())]).is_ok());
    }

    #[test]
    fn the_last_record_tells_a_replay_of_a_success_from_a_new_attempt() {
        let text = sealed([attempt(1, "x", APPLIED), attempt(2, "y", FAILED)]);
        let last = last_actions(&text);
        assert!(last["component:default/x"].is_recorded_success("a1"));
        assert!(!last["component:default/x"].is_recorded_success("a2"));
        assert!(!last["component:default/y"].is_recorded_success("a2"), "a retry after a failure is recorded");
    }

    #[test]
    fn an_intact_chain_verifies() {
        let text = chain(3);
        let (tail, count) = verify([("audit/2026-11.jsonl", text.as_str())]).expect("intact");
        assert_eq!((tail.seq, count), (3, 3));
    }

    #[test]
    fn any_edit_removal_or_reorder_is_found() {
        let text = chain(3);
        let edited = text.replacen("\"actor\":\"paved\"", "\"actor\":\"mallory\"", 1);
        let err = verify([("audit/2026-11.jsonl", edited.as_str())]).expect_err("edited");
        assert_eq!(err.line, 1);
        assert!(err.message.contains("modified"));

        let lines: Vec<&str> = text.lines().collect();
        let removed = format!("{}\n{}\n", lines[0], lines[2]);
        let err = verify([("audit/2026-11.jsonl", removed.as_str())]).expect_err("removed");
        assert_eq!(err.line, 2);
        assert!(err.message.contains("chain broken"));
    }

    #[test]
    fn the_chain_spans_month_files() {
        let text = chain(4);
        let lines: Vec<&str> = text.lines().collect();
        let oct = format!("{}\n{}\n", lines[0], lines[1]);
        let nov = format!("{}\n{}\n", lines[2], lines[3]);
        assert!(verify([("audit/2026-10.jsonl", oct.as_str()), ("audit/2026-11.jsonl", nov.as_str())]).is_ok());
        assert!(verify([("audit/2026-11.jsonl", nov.as_str())]).is_err(), "a deleted month file breaks the chain");
    }

    /// Found by the property tests (tests/props): a float in `details` that serde_json reads back one bit off
    /// made the record paved had just written fail verification as modified.
    #[test]
    fn a_record_with_any_float_verifies() {
        let mut tail = Tail::default();
        let mut text = String::new();
        for (n, x) in [1.2275222265637871e-110, 0.1, 1e300, -2.5e-308, 123456.789].into_iter().enumerate() {
            let mut r = record(n as u64);
            r.details = serde_json::json!({ "orders": [x] });
            text.push_str(&r.seal(&tail));
            text.push('\n');
            tail = Tail { hash: r.hash.clone(), seq: r.seq };
        }
        assert_eq!(verify([("audit/2026-09.jsonl", text.as_str())]).map(|(_, n)| n), Ok(5));
    }
}
