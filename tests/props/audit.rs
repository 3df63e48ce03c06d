//! The audit log (`audit/YYYY-MM.jsonl`): a hash chain of JSON lines. Whatever is done to its text, `verify`
//! either finds it intact — and then every record reads exactly as written, in order (a truncated tail is the
//! one edit a chain cannot see; the state's last verified head catches that) — or names the file and a line in it.

use crate::alloc::{LIMIT, within_memory};
use crate::generate;
use crate::mutate::{self, Format, line_count};
use paved::audit::{Record, Tail, last_actions, verify};
use proptest::prelude::*;

/// A chain of records with the given fields, split into month files: (path, text) in name order.
fn chain(records: &[(String, String, bool, serde_json::Value)], split: usize) -> Vec<(String, String)> {
    let mut tail = Tail::default();
    let mut files =
        vec![("audit/2026-09.jsonl".to_owned(), String::new()), ("audit/2026-10.jsonl".to_owned(), String::new())];
    for (i, (action, target, applied, details)) in records.iter().enumerate() {
        let mut r = Record {
            seq: 0,
            time: "2026-09-30T23:59:59Z".to_owned(),
            actor: "paved".to_owned(),
            action: action.clone(),
            kind: "provision".to_owned(),
            target: target.clone(),
            basis: "0123456789abcdef0123456789abcdef01234567".to_owned(),
            result: if *applied { "applied" } else { "failed" }.to_owned(),
            details: details.clone(),
            prev: String::new(),
            hash: String::new(),
        };
        let line = r.seal(&tail);
        tail = Tail { hash: r.hash.clone(), seq: r.seq };
        let file = &mut files[usize::from(i >= split)].1;
        file.push_str(&line);
        file.push('\n');
    }
    files
}

fn values(files: &[(String, String)]) -> Result<Vec<serde_json::Value>, serde_json::Error> {
    files.iter().flat_map(|(_, text)| text.lines()).map(serde_json::from_str).collect()
}

fn details() -> impl Strategy<Value = serde_json::Value> {
    generate::value().prop_map(|v| serde_json::to_value(v).unwrap_or(serde_json::Value::Null))
}

proptest! {
    #![proptest_config(crate::config(384))]

    #[test]
    fn a_changed_audit_log_is_caught_at_a_line_or_reads_as_written(
        records in prop::collection::vec(("[a-f0-9]{12}", "[a-z]{1,8}/[a-z-]{1,12}", any::<bool>(), details()), 1..10),
        split in 0..10usize,
        which in 0..2usize,
        edits in mutate::mutations(3),
    ) {
        let original = chain(&records, split);
        let before = values(&original).map_err(|e| TestCaseError::fail(format!("paved wrote a line that is not JSON: {e}")))?;
        let mut files = original.clone();
        let bytes = mutate::apply(files[which].1.as_bytes(), Format::Jsonl, &edits);
        files[which].1 = String::from_utf8_lossy(&bytes).into_owned();
        let result = within_memory(LIMIT, "audit::verify", || verify(files.iter().map(|(p, t)| (p.as_str(), t.as_str()))))?;
        match result {
            Ok((tail, count)) => {
                let after = values(&files).map_err(|e| TestCaseError::fail(format!("verified, but a line is not JSON: {e}")))?;
                prop_assert_eq!(after.len(), count);
                prop_assert!(before.get(..count) == Some(&after[..]), "verified, but the records read differently");
                if edits.is_empty() {
                    prop_assert_eq!(count, before.len());
                }
                prop_assert_eq!(tail.seq as usize, count);
            }
            Err(broken) => {
                let text = &files.iter().find(|(p, _)| *p == broken.path)
                    .ok_or_else(|| TestCaseError::fail(format!("names no file of the log: {broken}")))?.1;
                prop_assert!(broken.line >= 1 && broken.line <= line_count(text.as_bytes()), "{broken} is outside the file");
                prop_assert!(!edits.is_empty(), "the log paved wrote does not verify: {broken}");
            }
        }
        // The replay check reads the same text and must not fail on it either.
        let all: String = files.iter().map(|(_, t)| t.as_str()).collect();
        within_memory(LIMIT, "audit::last_actions", || last_actions(&all))?;
    }
}
