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
/// the previous record.
pub fn verify<'a>(files: impl IntoIterator<Item = (&'a str, &'a str)>) -> Result<(Tail, usize), Broken> {
    let mut tail = Tail::default();
    let mut count = 0;
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
            tail = Tail { hash: actual, seq };
            count += 1;
        }
    }
    Ok((tail, count))
}

/// The action of the last record for each target. An apply whose action is already a target's last record is a
/// replay of an apply that was interrupted after its audit record was written, and must not be recorded twice.
/// One pass over the log: asked per action, a search from the end re-read the whole log for every target it had
/// never recorded, so a reconcile of N entities after a log of M records parsed N x M records.
pub fn last_actions(records_text: &str) -> HashMap<String, String> {
    let mut last = HashMap::new();
    for record in records_text.lines().filter_map(|l| serde_json::from_str::<Record>(l).ok()) {
        last.insert(record.target, record.action);
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
        let mut tail = Tail::default();
        let mut out = String::new();
        for i in 1..=n {
            let mut r = record(i);
            out.push_str(&r.seal(&tail));
            out.push('\n');
            tail = Tail { hash: r.hash.clone(), seq: r.seq };
        }
        out
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
        for x in [1.2275222265637871e-110, 0.1, 1e300, -2.5e-308, 123456.789] {
            let mut r = record(0);
            r.details = serde_json::json!({ "orders": [x] });
            text.push_str(&r.seal(&tail));
            text.push('\n');
            tail = Tail { hash: r.hash.clone(), seq: r.seq };
        }
        assert_eq!(verify([("audit/2026-09.jsonl", text.as_str())]).map(|(_, n)| n), Ok(5));
    }
}
