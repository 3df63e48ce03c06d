//! `paved audit verify`: recompute the audit hash chain at the commit read (which also finds a success recorded
//! twice, see `audit::verify`), and check that every commit in its history only appended to `audit/`: no record
//! changed, removed or reordered after the commit that wrote it. The chain alone cannot show a rewrite whose
//! author recomputed the hashes after it; the history can.

use super::{RepoOptions, open_snapshot};
use crate::audit;
use std::collections::{BTreeMap, HashMap};

pub struct Verified {
    pub records: usize,
    pub files: usize,
    pub tail: audit::Tail,
    /// How many commits of history were checked for appends only (0 for a plain directory).
    pub commits: usize,
}

/// # Errors
/// `audit::Broken` (wrapped) at the first bad line or the first commit that rewrote a record; I/O errors reading
/// the snapshot or the history.
pub fn verify(options: &RepoOptions) -> anyhow::Result<Result<Verified, audit::Broken>> {
    let snapshot = open_snapshot(options)?;
    let mut files = Vec::new();
    for entry in snapshot.under("audit").filter(|e| e.path.ends_with(".jsonl")) {
        let text = snapshot.read_text(entry).map_err(|f| anyhow::anyhow!("{}", f.at(&entry.path)))?;
        files.push((entry.path.clone(), text));
    }
    let chain = audit::verify(files.iter().map(|(p, t)| (p.as_str(), t.as_str())));
    let (tail, records) = match chain {
        Ok(done) => done,
        Err(broken) => return Ok(Err(broken)),
    };
    let commits = match snapshot.basis.commit() {
        Some(commit) => match appended_only(&options.repo, commit)? {
            Ok(commits) => commits,
            Err(broken) => return Ok(Err(broken)),
        },
        None => 0,
    };
    Ok(Ok(Verified { records, files: files.len(), tail, commits }))
}

/// Walk every ancestor of `commit` and check that each one's audit files start with each parent's. Returns how
/// many commits were walked.
fn appended_only(repo: &std::path::Path, commit: &str) -> anyhow::Result<Result<usize, audit::Broken>> {
    let repo = gix::open(repo)?;
    let head = gix::ObjectId::from_hex(commit.as_bytes())?;
    let mut blobs: HashMap<gix::ObjectId, BTreeMap<String, gix::ObjectId>> = HashMap::new();
    let mut walked = 0;
    for info in repo.rev_walk([head]).all()? {
        let id = info?.id;
        walked += 1;
        let parents: Vec<gix::ObjectId> = repo.find_commit(id)?.parent_ids().map(|p| p.detach()).collect();
        let mine = audit_blobs(&repo, id, &mut blobs)?;
        for parent in parents {
            for (path, before) in audit_blobs(&repo, parent, &mut blobs)? {
                let after = mine.get(&path).copied();
                if after == Some(before) {
                    continue;
                }
                let old = repo.find_object(before)?.detach().data;
                let new = match after {
                    Some(after) => repo.find_object(after)?.detach().data,
                    None => Vec::new(),
                };
                if new.starts_with(&old) {
                    continue;
                }
                let line = old.split(|b| *b == b'\n').zip(new.split(|b| *b == b'\n')).take_while(|(a, b)| a == b);
                let summary = repo.find_commit(id)?.message()?.summary().to_string();
                return Ok(Err(audit::Broken {
                    path,
                    line: line.count() + 1,
                    message: format!(
                        "commit {:.12} ({summary}) changed or removed a record that its parent {:.12} holds; the audit \
                         log is append-only: restore the record (git revert that commit) and look at who made it",
                        id, parent
                    ),
                }));
            }
        }
    }
    Ok(Ok(walked))
}

/// The `audit/*.jsonl` files of `commit`, path to blob id (remembered: a commit is asked about by each child).
fn audit_blobs(
    repo: &gix::Repository,
    commit: gix::ObjectId,
    known: &mut HashMap<gix::ObjectId, BTreeMap<String, gix::ObjectId>>,
) -> anyhow::Result<BTreeMap<String, gix::ObjectId>> {
    if let Some(found) = known.get(&commit) {
        return Ok(found.clone());
    }
    let mut files = BTreeMap::new();
    let tree = repo.find_commit(commit)?.tree()?;
    if let Some(dir) = tree.lookup_entry_by_path("audit")?
        && dir.mode().is_tree()
    {
        for entry in repo.find_object(dir.object_id())?.into_tree().iter() {
            let entry = entry?;
            let name = entry.filename().to_string();
            if entry.mode().is_blob() && name.ends_with(".jsonl") {
                files.insert(format!("audit/{name}"), entry.oid().to_owned());
            }
        }
    }
    known.insert(commit, files.clone());
    Ok(files)
}
