//! A platform repo as a set of files at one point in time: a working directory, or a git commit (gix).
//!
//! Every file carries its git blob id, computed for working-directory files exactly as git would, so the parse
//! cache ([`crate::model::cache`]) works the same for both. Refusals that protect the loader — oversized files,
//! symlinks that escape the repo, non-UTF-8 text — are decided here, once, for every reader.

pub mod diff;
mod entry;
mod error;
mod git;
mod worktree;

use crate::diag::{Finding, Pos};
use gix::ObjectId;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub(crate) use entry::resolve_inside;
pub use entry::{Entry, FileKind, MAX_FILE_BYTES, Reader, blob_id};
pub use error::Error;
pub use git::{GitSource, open_git};
pub use worktree::WorktreeSource;

/// Where the snapshot came from, for plans and audit records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Basis {
    /// A commit, by full hex id.
    Commit(String),
    /// A working directory (uncommitted content): the root path.
    Worktree(PathBuf),
}

impl Basis {
    pub fn commit(&self) -> Option<&str> {
        match self {
            Basis::Commit(c) => Some(c),
            Basis::Worktree(_) => None,
        }
    }
    /// A short label: the abbreviated commit, or `worktree`.
    pub fn label(&self) -> String {
        match self {
            Basis::Commit(c) => c.chars().take(12).collect(),
            Basis::Worktree(_) => "worktree".to_owned(),
        }
    }
}

/// A platform repo at one point in time.
#[derive(Clone)]
pub struct Snapshot {
    pub basis: Basis,
    /// The directory on disk (the work tree, or the git dir of a bare repo).
    pub root: PathBuf,
    entries: Arc<Vec<Entry>>,
    reader: Arc<dyn Reader>,
}

impl std::fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Snapshot").field("basis", &self.basis).field("files", &self.entries.len()).finish()
    }
}

impl Snapshot {
    /// Files of a working directory (`.git/` excluded).
    pub fn worktree(root: &Path) -> Result<Self, Error> {
        let (entries, reader) = worktree::list(root)?;
        Ok(Self::of_worktree(root, entries, reader))
    }

    fn of_worktree(root: &Path, entries: Vec<Entry>, reader: worktree::WorktreeSource) -> Self {
        Snapshot {
            basis: Basis::Worktree(root.to_path_buf()),
            root: root.to_path_buf(),
            entries: Arc::new(entries),
            reader: Arc::new(reader),
        }
    }

    /// The files at `paths` (relative to `root`) of a working directory, those that exist, and no others: for
    /// checking a few files (`paved validate --file`) without listing the directory around them.
    pub fn worktree_files(root: &Path, paths: &[String]) -> Result<Self, Error> {
        let (entries, reader) = worktree::list_paths(root, paths)?;
        Ok(Self::of_worktree(root, entries, reader))
    }

    /// Files of the tree at `rev` in the git repository at `repo`.
    pub fn git(repo: &Path, rev: &str) -> Result<Self, Error> {
        let (commit, entries, reader) = git::list(repo, rev)?;
        Ok(Snapshot {
            basis: Basis::Commit(commit),
            root: repo.to_path_buf(),
            entries: Arc::new(entries),
            reader: Arc::new(reader),
        })
    }

    /// Move a commit snapshot to `diff`'s newer commit by patching the files that changed, without listing the
    /// tree again. The reader stays: it reads any blob of the same repository.
    ///
    /// # Panics
    /// If `diff` has an unsupported change (the caller lists that commit whole instead).
    pub fn patch(&mut self, diff: &diff::TreeDiff) {
        assert!(diff.unsupported.is_none(), "an unsupported change cannot be patched: {:?}", diff.unsupported);
        let entries = Arc::make_mut(&mut self.entries);
        for change in &diff.changed {
            let at = entries.binary_search_by(|e| e.path.as_str().cmp(&change.path));
            match (at, &change.entry) {
                (Ok(i), Some(entry)) => entries[i] = entry.clone(),
                (Ok(i), None) => {
                    entries.remove(i);
                }
                (Err(i), Some(entry)) => entries.insert(i, entry.clone()),
                (Err(_), None) => {}
            }
        }
        self.basis = Basis::Commit(diff.commit.clone());
    }

    /// Whether any file is a symlink: a change to a link's target changes the link's content too, which a tree
    /// diff does not report, so such a snapshot is never patched.
    pub fn has_symlinks(&self) -> bool {
        self.entries.iter().any(|e| e.kind != FileKind::Regular)
    }

    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    pub fn get(&self, path: &str) -> Option<&Entry> {
        self.entries.binary_search_by(|e| e.path.as_str().cmp(path)).ok().map(|i| &self.entries[i])
    }

    /// Entries below `dir` (a `/`-terminated prefix is not required).
    pub fn under<'a>(&'a self, dir: &'a str) -> impl Iterator<Item = &'a Entry> + 'a {
        let prefix = format!("{}/", dir.trim_end_matches('/'));
        let start = self.entries.partition_point(|e| e.path.as_str() < prefix.as_str());
        self.entries[start..].iter().take_while(move |e| e.path.starts_with(&prefix))
    }

    /// Raw bytes of a regular file (or an inside symlink's target).
    pub fn read(&self, entry: &Entry) -> Result<Vec<u8>, Error> {
        self.reader.read(entry)
    }

    /// Unmap what reading has mapped so far (a commit's packs, 13 MiB at 50,000 services) before a phase that
    /// reads nothing: the plan's peak. Reads after it still work and map again.
    pub fn release_reader(&self) {
        self.reader.release();
    }

    /// Why `entry` is refused before reading it: a symlink out of the repo, or too large.
    pub fn refusal(entry: &Entry) -> Option<Finding> {
        if let FileKind::SymlinkOutside(target) = &entry.kind {
            // A link that stays inside by its text but is not a file there: a directory, or a file that is missing.
            return Some(match resolve_inside(&entry.path, target) {
                None => Finding::error(Pos::FILE, format!("symlink points outside the repo (to `{target}`)")).hint(
                    "replace the symlink with the files themselves; paved never follows links out of the platform repo",
                ),
                Some(_) => Finding::error(
                    Pos::FILE,
                    format!("symlink to `{target}`, which is not a file inside the repo (a directory, missing, or a link out)"),
                )
                .hint("replace the symlink with the files themselves; paved follows links to files only"),
            });
        }
        if entry.size > MAX_FILE_BYTES {
            return Some(
                Finding::error(
                    Pos::FILE,
                    format!(
                        "file is {} bytes ({:.1} MiB), over the 1 MiB limit",
                        entry.size,
                        entry.size as f64 / 1048576.0
                    ),
                )
                .hint("split it into smaller files, or move generated data out of the platform repo"),
            );
        }
        None
    }

    /// The text of `entry`, or the finding that says why it cannot be had.
    pub fn read_text(&self, entry: &Entry) -> Result<String, Finding> {
        if let Some(refusal) = Self::refusal(entry) {
            return Err(refusal);
        }
        let bytes = self.read(entry).map_err(|e| Finding::error(Pos::FILE, format!("cannot read: {e}")))?;
        String::from_utf8(bytes).map_err(|e| {
            let (line, col) = line_col_of_byte(e.as_bytes(), e.utf8_error().valid_up_to());
            Finding::error(Pos::new(line, col), "file is not valid UTF-8").hint("save the file as UTF-8")
        })
    }

    /// The text of `entry` and the blob id of exactly that text: the listed id, or, where listing did not hash
    /// the file (work-tree evidence), the id of the bytes read.
    pub fn read_text_identified(&self, entry: &Entry) -> Result<(String, ObjectId), Finding> {
        let text = self.read_text(entry)?;
        let id = if entry.blob.is_null() { blob_id(text.as_bytes()) } else { entry.blob };
        Ok((text, id))
    }
}

/// Line and column (1-based, in bytes) of byte `offset`. Lines end as YAML ends them, at LF, CRLF or a lone CR,
/// so the place agrees with the YAML reader's positions in the same file.
fn line_col_of_byte(bytes: &[u8], offset: usize) -> (usize, usize) {
    let before = &bytes[..offset.min(bytes.len())];
    let breaks = |i: usize| before[i] == b'\n' || (before[i] == b'\r' && bytes.get(i + 1) != Some(&b'\n'));
    let line = (0..before.len()).filter(|&i| breaks(i)).count() + 1;
    let col = (0..before.len()).rev().take_while(|&i| !breaks(i)).count() + 1;
    (line, col)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by the property tests (tests/props): a non-UTF-8 byte in a file with CR line ends was reported on
    /// line 1, past the end of the line the YAML reader would name.
    #[test]
    fn a_non_utf8_byte_is_placed_on_the_line_yaml_counts() {
        for (text, at) in [(&b"a: 1\rb: \xff\r"[..], (2, 4)), (b"a: 1\r\nb: \xff", (2, 4)), (b"a\nb\n\xff", (3, 1))] {
            let offset = text.iter().position(|b| *b == 0xff).expect("a bad byte");
            assert_eq!(line_col_of_byte(text, offset), at, "{text:?}");
        }
    }
}
