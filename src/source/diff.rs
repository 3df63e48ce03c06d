//! What changed between two commits, by tree diff (gix): the input of the incremental planner.
//!
//! Only trees whose ids differ are read, so the cost follows the size of the change, not of the repo: a one-file
//! commit to a 57,000-file repo reads the few trees on the path to that file.

use super::{Entry, Error, FileKind};

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
    let changes =
        repo.diff_tree_to_tree(&old, &new, gix::diff::Options::default()).map_err(|e| Error::Odb(e.to_string()))?;
    let mut diff = TreeDiff { commit, changed: Vec::new(), unsupported: None };
    for change in changes {
        use gix::object::tree::diff::ChangeDetached as C;
        let (location, mode, id, deleted) = match &change {
            C::Addition { location, entry_mode, id, .. } | C::Modification { location, entry_mode, id, .. } => {
                (location, entry_mode, id, false)
            }
            C::Deletion { location, entry_mode, id, .. } => (location, entry_mode, id, true),
            C::Rewrite { location, .. } => {
                diff.unsupported = Some(format!("{location} was renamed"));
                continue;
            }
        };
        let path = location.to_string();
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
            let size = repo.find_header(*id).map_err(|e| Error::Odb(e.to_string()))?.size();
            Some(Entry { path: path.clone(), kind: FileKind::Regular, size, blob: *id })
        };
        diff.changed.push(Changed { path, entry });
    }
    diff.changed.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(diff)
}
