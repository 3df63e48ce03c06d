//! `paved audit verify`: recompute the audit hash chain at the commit read (which also finds a success recorded
//! twice, see `audit::verify`), and check that every commit in its history only appended to `audit/`: no record
//! changed, removed or reordered after the commit that wrote it. The chain alone cannot show a rewrite whose
//! author recomputed the hashes after it; the history can.
//!
//! Writers verify incrementally ([`verify_since_watermark`]): every apply checks only the commits made since the
//! last one it verified, whose chain head it keeps in the state directory ([`Watermark`]). The state outlives the
//! repo's history, so a force-push that drops or changes committed records is caught too: the verified head must
//! still be in the chain.

use super::{RepoOptions, open_snapshot};
use crate::audit;
use crate::source::Snapshot;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

pub struct Verified {
    pub records: usize,
    pub files: usize,
    pub tail: audit::Tail,
    /// How many commits of history were checked for appends only (0 for a plain directory).
    pub commits: usize,
    /// The last commit a writer verified, when the history no longer contains it (a force-push); its records are
    /// still in the chain, or verification would have failed.
    pub rewritten_since: Option<String>,
}

/// # Errors
/// `audit::Broken` (wrapped) at the first bad line or the first commit that rewrote a record; I/O errors reading
/// the snapshot or the history.
pub fn verify(options: &RepoOptions) -> anyhow::Result<Result<Verified, audit::Broken>> {
    let snapshot = open_snapshot(options)?;
    let files = audit_files(&snapshot)?;
    let (tail, records) = match audit::verify(files.iter().map(|(p, t)| (p.as_str(), t.as_str()))) {
        Ok(done) => done,
        Err(broken) => return Ok(Err(broken)),
    };
    let commits = match snapshot.basis.commit() {
        Some(commit) => match appended_only(&options.repo, commit, None)? {
            Ok(commits) => commits,
            Err(broken) => return Ok(Err(broken)),
        },
        None => 0,
    };
    // What a writer verified before must still be there, however the history was rewritten since.
    let state = super::state_dir_for(options, super::configured_state(options).as_deref());
    let mut rewritten_since = None;
    if let (Some(mark), Some(commit)) = (Watermark::read(&state)?, snapshot.basis.commit()) {
        if let Err(broken) = mark.still_in(&files) {
            return Ok(Err(broken));
        }
        if !is_ancestor(&options.repo, &mark.commit, commit)? {
            rewritten_since = Some(mark.commit);
        }
    }
    Ok(Ok(Verified { records, files: files.len(), tail, commits, rewritten_since }))
}

/// The last audit chain head a writer verified, and the commit it was verified at: `<state>/audit-verified.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Watermark {
    pub commit: String,
    pub seq: u64,
    pub hash: String,
}

impl Watermark {
    const FILE: &'static str = "audit-verified.json";

    /// The watermark kept in `state`, if a writer left one.
    ///
    /// # Errors
    /// A file that is not a watermark (say which, and how to start over), or one that cannot be read.
    pub fn read(state: &Path) -> anyhow::Result<Option<Watermark>> {
        let path = state.join(Self::FILE);
        match std::fs::read(&path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(anyhow::anyhow!("reading {}: {e}", path.display())),
            Ok(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(|e| {
                anyhow::anyhow!(
                    "{}: not an audit watermark ({e}); delete it to verify the whole history again",
                    path.display()
                )
            }),
        }
    }

    /// Put back a watermark read earlier (`None`: there was none), when the commit it moved to was not published.
    pub fn restore(earlier: Option<&Watermark>, state: &Path) -> anyhow::Result<()> {
        match earlier {
            Some(mark) => mark.write(state),
            None => match std::fs::remove_file(state.join(Self::FILE)) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e.into()),
                _ => Ok(()),
            },
        }
    }

    fn write(&self, state: &Path) -> anyhow::Result<()> {
        let path = state.join(Self::FILE);
        let text = serde_json::to_vec_pretty(self).expect("a watermark serializes");
        crate::forge::local::write_atomic(&path, &text).map_err(|e| anyhow::anyhow!("writing {}: {e}", path.display()))
    }

    /// Is the verified head still record `seq` of the chain in `files`, with the same hash?
    fn still_in(&self, files: &[(String, String)]) -> Result<(), audit::Broken> {
        if self.seq == 0
            || audit::hash_at(files.iter().map(|(_, t)| t.as_str()), self.seq).as_deref() == Some(&*self.hash)
        {
            return Ok(());
        }
        // Located at the end of the chain, where the verified record should be at the latest.
        let (path, line) =
            files.last().map_or(("audit/".to_owned(), 1), |(p, t)| (p.clone(), t.lines().count().max(1)));
        Err(audit::Broken {
            path,
            line,
            message: format!(
                "audit record {} (hash {:.12}…), verified at commit {:.12}, is gone or changed: the history was \
                 rewritten (a force-push?). Restore the branch to a history that holds commit {:.12}; or, if it \
                 was rewritten on purpose, record the loss with `paved audit accept-rewrite`",
                self.seq, self.hash, self.commit, self.commit
            ),
        })
    }
}

/// Before a writer appends: check that every commit since the last verified one (see [`Watermark`]) only appended
/// to `audit/`, and that the verified chain head is still in the chain; then move the watermark to the snapshot.
/// Cheap when nothing moved: a pass on an unchanged commit reads one small file.
///
/// # Errors
/// The inner `Broken` when the history rewrote a record; I/O or git errors otherwise.
pub fn verify_since_watermark(
    repo: &Path,
    state: &Path,
    snapshot: &Snapshot,
) -> anyhow::Result<Result<(), audit::Broken>> {
    let Some(commit) = snapshot.basis.commit() else { return Ok(Ok(())) };
    let mark = Watermark::read(state)?;
    if mark.as_ref().is_some_and(|m| m.commit == commit) {
        return Ok(Ok(()));
    }
    let files = audit_files(snapshot)?;
    let since = match &mark {
        Some(m) if is_ancestor(repo, &m.commit, commit)? => Some(m.commit.as_str()),
        Some(m) => {
            tracing::warn!(verified = %m.commit, head = %commit, "the history was rewritten since the last verified commit");
            if let Err(broken) = m.still_in(&files) {
                return Ok(Err(broken));
            }
            None
        }
        None => None,
    };
    if let Err(broken) = appended_only(repo, commit, since)? {
        return Ok(Err(broken));
    }
    let (tail, _) = match audit::verify(files.iter().map(|(p, t)| (p.as_str(), t.as_str()))) {
        Ok(done) => done,
        Err(broken) => return Ok(Err(broken)),
    };
    Watermark { commit: commit.to_owned(), seq: tail.seq, hash: tail.hash }.write(state)?;
    Ok(Ok(()))
}

/// After a writer's own bot commit landed (under the lock, by compare-and-swap on the verified commit): its
/// records are verified, so the watermark moves to them, and dropping that commit later is caught.
pub fn advance_watermark(state: &Path, commit: &str, tail: &audit::Tail) -> anyhow::Result<()> {
    Watermark { commit: commit.to_owned(), seq: tail.seq, hash: tail.hash.clone() }.write(state)
}

/// The snapshot's `audit/*.jsonl` files, path and text, in chain order.
fn audit_files(snapshot: &Snapshot) -> anyhow::Result<Vec<(String, String)>> {
    let mut files = Vec::new();
    for entry in snapshot.under("audit").filter(|e| e.path.ends_with(".jsonl")) {
        let text = snapshot.read_text(entry).map_err(|f| anyhow::anyhow!("{}", f.at(&entry.path)))?;
        files.push((entry.path.clone(), text));
    }
    Ok(files)
}

/// Is `ancestor` in the history of `commit`? A commit the repo no longer has is not.
fn is_ancestor(repo: &Path, ancestor: &str, commit: &str) -> anyhow::Result<bool> {
    let repo = gix::open(repo)?;
    let (Ok(a), Ok(c)) = (gix::ObjectId::from_hex(ancestor.as_bytes()), gix::ObjectId::from_hex(commit.as_bytes()))
    else {
        return Ok(false);
    };
    if repo.find_commit(a).is_err() {
        return Ok(false);
    }
    Ok(repo.merge_base(a, c).is_ok_and(|base| base.is_some_and(|b| b.detach() == a)))
}

/// Walk every ancestor of `commit` (those not in the history of `since`) and check that each one's audit files
/// start with each parent's. Returns how many commits were walked.
fn appended_only(repo: &Path, commit: &str, since: Option<&str>) -> anyhow::Result<Result<usize, audit::Broken>> {
    let repo = gix::open(repo)?;
    let head = gix::ObjectId::from_hex(commit.as_bytes())?;
    let hidden = since.map(|s| gix::ObjectId::from_hex(s.as_bytes())).transpose()?;
    let mut blobs: HashMap<gix::ObjectId, BTreeMap<String, gix::ObjectId>> = HashMap::new();
    let mut walked = 0;
    for info in repo.rev_walk([head]).with_hidden(hidden).all()? {
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

/// What [`accept_rewrite`] recorded.
pub struct Accepted {
    /// The bot commit holding the record of the loss.
    pub commit: String,
    /// The chain head that was verified and is gone.
    pub lost: Watermark,
    /// The record that says so.
    pub seq: u64,
}

/// `paved audit accept-rewrite`: the history was rewritten on purpose (say, to purge a leaked secret) and lost
/// records paved had verified. The loss is recorded in the chain itself, one record naming the verified head that
/// is gone, attributed to `by`; writers verify from there on.
///
/// # Errors
/// Nothing to accept (no watermark, or the history still holds it); a chain or history that is broken apart from
/// the rewrite (repair that first); the lock, I/O and git failures.
pub fn accept_rewrite(options: &RepoOptions, by: &str) -> anyhow::Result<Accepted> {
    let lease = super::lock_platform(options)?;
    let state = super::state_dir_for(options, super::configured_state(options).as_deref());
    let Some(lost) = Watermark::read(&state)? else {
        anyhow::bail!("no verified audit head is kept in {}: there is nothing to accept", state.display());
    };
    let snapshot = open_snapshot(options)?;
    let Some(commit) = snapshot.basis.commit() else {
        anyhow::bail!("{} is not a git repository: there is no history to accept", options.repo.display());
    };
    let files = audit_files(&snapshot)?;
    if lost.still_in(&files).is_ok() {
        anyhow::bail!(
            "the audit chain still holds record {} verified at {:.12}: nothing was lost",
            lost.seq,
            lost.commit
        );
    }
    let (tail, _) = audit::verify(files.iter().map(|(p, t)| (p.as_str(), t.as_str())))
        .map_err(|b| anyhow::anyhow!("{b}: the chain at HEAD is broken too; repair it before accepting the rewrite"))?;
    if let Err(b) = appended_only(&options.repo, commit, None)? {
        anyhow::bail!("{b}: the new history rewrites records too; repair it before accepting the rewrite");
    }
    let now = chrono::Utc::now();
    let mut record = audit::Record {
        seq: 0,
        time: now.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        actor: by.to_owned(),
        action: format!("accept-rewrite:{:.12}", lost.hash),
        kind: "accept-rewrite".into(),
        target: "audit".into(),
        basis: commit.to_owned(),
        result: audit::APPLIED.into(),
        details: serde_json::json!({
            "reason": format!(
                "the history was rewritten: records up to {} (head {:.12}), verified at commit {:.12}, are gone; \
                 the chain at {:.12} ends at record {}",
                lost.seq, lost.hash, lost.commit, commit, tail.seq
            ),
            "lost": lost,
        }),
        prev: String::new(),
        hash: String::new(),
    };
    let line = record.seal(&tail);
    let path = audit::file_for(&now);
    let before = files.iter().find(|(p, _)| *p == path).map(|(_, t)| t.clone());
    let after = format!("{}{line}\n", before.as_deref().unwrap_or_default());
    let change = crate::plan::FileChange::Write { path, before, after };
    let message = format!(
        "paved: accept the rewritten history\n\nAudit records up to {} verified at {:.12} are gone; {by} accepted the \
         loss.\n\nPaved-Action: {}\n",
        lost.seq, lost.commit, record.action
    );
    let workspace = crate::apply::workspace::for_dir(&options.repo, &lease);
    let made = workspace.commit(&[change], &message, "paved", Some(commit))?;
    let made = made.ok_or_else(|| anyhow::anyhow!("the record of the loss made no commit"))?;
    advance_watermark(&state, &made, &audit::Tail { hash: record.hash.clone(), seq: record.seq })?;
    Ok(Accepted { commit: made, lost, seq: record.seq })
}
