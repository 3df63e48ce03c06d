//! Listing and reading the tree of a git commit with gix.

use super::entry::{Entry, FileKind, Reader, resolve_inside};
use super::error::Error;
use gix::ObjectId;
use std::collections::HashMap;
use std::path::Path;

/// Reads blobs from the object database of one repository.
pub struct GitSource {
    /// Replaced by a fresh open of the same repository on [`Reader::release`], which unmaps the packs read so far.
    repo: std::sync::Mutex<gix::ThreadSafeRepository>,
    /// Tells this source's thread-local handles from another's, and from its own before a release.
    id: std::sync::atomic::AtomicU64,
}

static NEXT_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

fn next_id() -> u64 {
    NEXT_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

thread_local! {
    /// Each thread's handle on the repository it last read, kept between reads: a handle carries the pack's
    /// delta-base cache, and similar files (catalog files of many teams) are deltas of one another, so a new
    /// handle per read inflated every delta chain from its base again. A long-lived thread keeps its last
    /// handle (and the pack maps it holds) until it reads from another source.
    static HANDLE: std::cell::RefCell<Option<(u64, gix::Repository)>> = const { std::cell::RefCell::new(None) };
}

impl GitSource {
    fn new(repo: gix::Repository) -> Self {
        GitSource { repo: std::sync::Mutex::new(repo.into_sync()), id: std::sync::atomic::AtomicU64::new(next_id()) }
    }

    /// `f` with this thread's handle on the repository.
    fn with_repo<R>(&self, f: impl FnOnce(&gix::Repository) -> R) -> R {
        HANDLE.with_borrow_mut(|handle| {
            let current = self.id.load(std::sync::atomic::Ordering::Acquire);
            let repo = match handle {
                Some((id, repo)) if *id == current => repo,
                _ => {
                    let repo = self.repo.lock().unwrap_or_else(std::sync::PoisonError::into_inner).to_thread_local();
                    &mut handle.insert((current, repo)).1
                }
            };
            f(repo)
        })
    }

    /// The size of blob `id`, from its header (not inflating it).
    fn size(&self, id: ObjectId) -> Result<u64, Error> {
        self.with_repo(|repo| repo.find_header(id).map(|h| h.size()).map_err(|e| Error::Odb(e.to_string())))
    }
}

impl Reader for GitSource {
    fn read(&self, entry: &Entry) -> Result<Vec<u8>, Error> {
        self.with_repo(|repo| {
            let object = repo.find_object(entry.blob).map_err(|e| Error::Odb(e.to_string()))?;
            Ok(object.detach().data)
        })
    }

    /// Open the repository afresh, so that the old object store, with every pack it mapped, is dropped once the
    /// last handle on it is: this thread's now, other threads' on their next read (threads of `par` end).
    fn release(&self) {
        let mut repo = self.repo.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        match gix::open(repo.path()) {
            Ok(fresh) => *repo = fresh.into_sync(),
            // Keeping the old store is always correct; only its memory is not returned.
            Err(e) => return tracing::debug!(error = %e, "could not reopen the repository to release its packs"),
        }
        self.id.store(next_id(), std::sync::atomic::Ordering::Release);
        HANDLE.with_borrow_mut(|handle| *handle = None);
    }
}

/// Open the repository at `path` (a work tree or a bare repo).
pub fn open_git(path: &Path) -> Result<gix::Repository, Error> {
    gix::open(path).map_err(|e| Error::NotARepository { path: path.to_path_buf(), message: e.to_string() })
}

pub(super) fn list(path: &Path, rev: &str) -> Result<(String, Vec<Entry>, GitSource), Error> {
    let repo = open_git(path)?;
    let bad_rev = |message: String| Error::BadRevision { path: path.to_path_buf(), rev: rev.to_owned(), message };
    let mut recorder = gix::traverse::tree::Recorder::default();
    let commit_id = {
        let id = repo.rev_parse_single(rev).map_err(|e| bad_rev(e.to_string()))?;
        let commit =
            id.object().map_err(|e| bad_rev(e.to_string()))?.peel_to_commit().map_err(|e| bad_rev(e.to_string()))?;
        let tree = commit.tree().map_err(|e| bad_rev(e.to_string()))?;
        tree.traverse().breadthfirst(&mut recorder).map_err(|e| Error::Odb(e.to_string()))?;
        commit.id().to_string()
    };

    let blobs: HashMap<String, ObjectId> =
        recorder.records.iter().filter(|r| r.mode.is_blob()).map(|r| (r.filepath.to_string(), r.oid)).collect();
    let mut entries = Vec::new();
    for record in recorder.records.iter().filter(|r| r.mode.is_blob() || r.mode.is_link()) {
        let rel = record.filepath.to_string();
        let mut entry = Entry { path: rel.clone(), kind: FileKind::Regular, size: 0, blob: record.oid };
        if record.mode.is_link() {
            let target = repo.find_object(record.oid).map_err(|e| Error::Odb(e.to_string()))?.data.clone();
            let target = String::from_utf8_lossy(&target).into_owned();
            match resolve_inside(&rel, &target).and_then(|inside| blobs.get(&inside).map(|oid| (inside, *oid))) {
                Some((inside, oid)) => {
                    entry.kind = FileKind::SymlinkInside(inside);
                    entry.blob = oid;
                }
                None => {
                    entry.kind = FileKind::SymlinkOutside(target);
                    entries.push(entry);
                    continue;
                }
            }
        }
        entries.push(entry);
    }
    // Sizes come from object headers, which for a packed delta means reading into the delta: on every core.
    let source = GitSource::new(repo);
    let sizes = crate::par::map(&entries, 1024, |e| match e.kind {
        FileKind::SymlinkOutside(_) => Ok(0),
        _ => source.size(e.blob),
    });
    for (entry, size) in entries.iter_mut().zip(sizes) {
        entry.size = size?;
    }
    entries.sort_by(|a, b| a.path.cmp(&b.path));
    Ok((commit_id, entries, source))
}
