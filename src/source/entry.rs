//! One file of a snapshot as every source lists it ([`Entry`]), how a source reads it ([`Reader`]), and what
//! every source decides alike: the size limit, git blob ids, and where a symlink inside the repo points.

use super::error::Error;
use gix::ObjectId;

/// Files larger than this are refused: nothing a platform repo holds by hand needs more, and a 50 MB file must
/// not cost 50 MB of parsing.
pub const MAX_FILE_BYTES: u64 = 1024 * 1024;

/// What kind of thing sits at a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileKind {
    Regular,
    /// A symlink whose target resolves inside the repo, to this repo-relative path.
    SymlinkInside(String),
    /// A symlink whose target leaves the repo (or cannot be resolved): never followed.
    SymlinkOutside(String),
}

/// One file of a snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Repo-relative, `/`-separated.
    pub path: String,
    pub kind: FileKind,
    pub size: u64,
    /// The git blob id of the content (for a symlink inside the repo: of the target's content). Null for a file
    /// that is refused unread (oversized), and for a work tree's `evidence/` files, which are hashed when read:
    /// ask [`Snapshot::read_text_identified`](super::Snapshot::read_text_identified) for the id of what was read.
    pub blob: ObjectId,
}

/// Read access to file content, implemented by each source.
pub trait Reader: Send + Sync {
    fn read(&self, entry: &Entry) -> Result<Vec<u8>, Error>;
    /// Give back what reading keeps mapped or cached (a git reader's packs); later reads open it again.
    fn release(&self) {}
}

/// The git blob id of `data`, as `git hash-object` computes it.
pub fn blob_id(data: &[u8]) -> ObjectId {
    gix::objs::compute_hash(gix::hash::Kind::Sha1, gix::objs::Kind::Blob, data)
        .expect("hashing in memory cannot fail: SHA-1 collision detection only fails on crafted collisions")
}

/// Resolve `target` (a symlink's text) relative to the link's directory, staying inside the repo.
/// Returns the repo-relative path, or `None` when it escapes.
pub(crate) fn resolve_inside(link_path: &str, target: &str) -> Option<String> {
    if target.starts_with('/') {
        return None;
    }
    let mut parts: Vec<&str> = link_path.split('/').collect();
    parts.pop();
    for part in target.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blob_ids_match_git() {
        // `printf 'hello\n' | git hash-object --stdin`
        assert_eq!(blob_id(b"hello\n").to_string(), "ce013625030ba8dba906f756967f9e9ca394464a");
    }

    #[test]
    fn symlink_resolution_stays_inside() {
        assert_eq!(resolve_inside("catalog/a.yaml", "b.yaml").as_deref(), Some("catalog/b.yaml"));
        assert_eq!(resolve_inside("catalog/a.yaml", "../x/b.yaml").as_deref(), Some("x/b.yaml"));
        assert_eq!(resolve_inside("catalog/a.yaml", "../../etc/passwd"), None);
        assert_eq!(resolve_inside("catalog/a.yaml", "/etc/passwd"), None);
    }
}
