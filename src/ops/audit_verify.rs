//! `paved audit verify`: recompute the audit hash chain.

use super::{RepoOptions, open_snapshot};
use crate::audit;

pub struct Verified {
    pub records: usize,
    pub files: usize,
    pub tail: audit::Tail,
}

/// # Errors
/// `audit::Broken` (wrapped) at the first bad line; I/O errors reading the snapshot.
pub fn verify(options: &RepoOptions) -> anyhow::Result<Result<Verified, audit::Broken>> {
    let snapshot = open_snapshot(options)?;
    let mut files = Vec::new();
    for entry in snapshot.under("audit").filter(|e| e.path.ends_with(".jsonl")) {
        let text = snapshot.read_text(entry).map_err(|f| anyhow::anyhow!("{}", f.at(&entry.path)))?;
        files.push((entry.path.clone(), text));
    }
    Ok(audit::verify(files.iter().map(|(p, t)| (p.as_str(), t.as_str()))).map(|(tail, records)| Verified {
        records,
        files: files.len(),
        tail,
    }))
}
