//! What changed between two commits, by tree diff (gix): the input of the incremental planner.
//!
//! Only trees whose ids differ are read, so the cost follows the size of the change, not of the repo: a one-file
//! commit to a 57,000-file repo reads the few trees on the path to that file.

use super::entry::{Entry, FileKind};
use super::error::Error;

/// One file that differs between the two commits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Changed {
    pub path: String,
    /// The file as the newer commit has it; `None` when it was deleted.
    pub entry: Option<Entry>,
}

/// The files that differ between two commits, or why they cannot be listed file by file.
#[derive(Debug, Clone)]
pub struct TreeDiff {
    /// The newer commit, by full hex id.
    pub commit: String,
    pub changed: Vec<Changed>,
    /// A change that a file-by-file patch cannot express (a symlink or a submodule changed): the caller must
    /// list the newer commit whole.
    pub unsupported: Option<String>,
}

/// The files of `to` that differ from `from`, both commits of `repo`.
pub fn between(repo: &gix::Repository, from: &str, to: &str) -> Result<TreeDiff, Error> {
    let bad_rev = |rev: &str, message: String| Error::BadRevision {
        path: repo.path().to_path_buf(),
        rev: rev.to_owned(),
        message,
    };
    let tree_of = |rev: &str| -> Result<(String, gix::Tree<'_>), Error> {
        let commit = repo
            .rev_parse_single(rev)
            .map_err(|e| bad_rev(rev, e.to_string()))?
            .object()
            .map_err(|e| bad_rev(rev, e.to_string()))?
            .peel_to_commit()
            .map_err(|e| bad_rev(rev, e.to_string()))?;
        let tree = commit.tree().map_err(|e| bad_rev(rev, e.to_string()))?;
        Ok((commit.id().to_string(), tree))
    };
    let (_, old) = tree_of(from)?;
    let (commit, new) = tree_of(to)?;
    // The plain tree diff: no rename tracking and no blob-diff resources (which would read the index and the
    // attributes of the whole work tree).
    let mut recorder = gix::diff::tree::Recorder::default();
    gix::diff::tree(
        gix::objs::TreeRefIter::from_bytes(&old.data, old.id.kind()),
        gix::objs::TreeRefIter::from_bytes(&new.data, new.id.kind()),
        &mut gix::diff::tree::State::default(),
        &repo.objects,
        &mut recorder,
    )
    .map_err(|e| Error::Odb(e.to_string()))?;
    let mut diff = TreeDiff { commit, changed: Vec::new(), unsupported: None };
    for change in recorder.records {
        use gix::diff::tree::recorder::Change as C;
        let (path, mode, id, deleted) = match change {
            C::Addition { path, entry_mode, oid, .. } | C::Modification { path, entry_mode, oid, .. } => {
                (path, entry_mode, oid, false)
            }
            C::Deletion { path, entry_mode, oid, .. } => (path, entry_mode, oid, true),
        };
        let path = path.to_string();
        if mode.is_tree() {
            continue;
        }
        if !mode.is_blob() {
            // A symlink's entry carries its target's blob, and a submodule is no file: list the commit whole.
            diff.unsupported = Some(format!("{path} is a symlink or a submodule"));
            continue;
        }
        let entry = if deleted {
            None
        } else {
            let size = repo.find_header(id).map_err(|e| Error::Odb(e.to_string()))?.size();
            Some(Entry { path: path.clone(), kind: FileKind::Regular, size, blob: id })
        };
        diff.changed.push(Changed { path, entry });
    }
    diff.changed.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(diff)
}
