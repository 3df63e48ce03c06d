//! Listing and reading a working directory.

use super::{Entry, Error, FileKind, MAX_FILE_BYTES, Reader, blob_id, resolve_inside};
use std::path::{Path, PathBuf};

/// Reads files of a working directory; contents are hashed at listing time, so they are cached here.
pub struct WorktreeSource {
    root: PathBuf,
}

impl Reader for WorktreeSource {
    fn read(&self, entry: &Entry) -> Result<Vec<u8>, Error> {
        let rel = match &entry.kind {
            FileKind::SymlinkInside(target) => target.as_str(),
            _ => entry.path.as_str(),
        };
        let path = self.root.join(rel);
        std::fs::read(&path).map_err(|source| Error::Io { path, source })
    }
}

pub(super) fn list(root: &Path) -> Result<(Vec<Entry>, WorktreeSource), Error> {
    let mut entries = Vec::new();
    let mut files = Vec::new();
    walk(root, root, &mut entries, &mut files)?;
    // Reading and hashing every file for its blob id is most of listing a large tree: both cores do it.
    let hashed =
        crate::par::map(&files, 256, |(path, rel, size): &(PathBuf, String, u64)| file_entry(path, rel.clone(), *size));
    entries.extend(hashed.into_iter().collect::<Result<Vec<_>, _>>()?);
    entries.sort_by(|a, b| a.path.cmp(&b.path));
    Ok((entries, WorktreeSource { root: root.to_path_buf() }))
}

/// Collect symlink entries into `out` and regular files (path, repo-relative path, size) into `files`, to be hashed.
fn walk(root: &Path, dir: &Path, out: &mut Vec<Entry>, files: &mut Vec<(PathBuf, String, u64)>) -> Result<(), Error> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| Error::Io { path, source }
    };
    for item in std::fs::read_dir(dir).map_err(io(dir))? {
        let item = item.map_err(io(dir))?;
        let path = item.path();
        let name = item.file_name();
        if dir == root && name == ".git" {
            continue;
        }
        let rel = path
            .strip_prefix(root)
            .expect("read_dir yields children of root")
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        let meta = std::fs::symlink_metadata(&path).map_err(io(&path))?;
        if meta.is_dir() {
            walk(root, &path, out, files)?;
        } else if meta.file_type().is_symlink() {
            out.push(symlink_entry(root, &path, rel)?);
        } else if meta.is_file() {
            files.push((path, rel, meta.len()));
        }
    }
    Ok(())
}

fn file_entry(path: &Path, rel: String, size: u64) -> Result<Entry, Error> {
    // Oversized files are refused before they are read, so their blob id is never needed.
    let blob = if size > MAX_FILE_BYTES {
        gix::ObjectId::null(gix::hash::Kind::Sha1)
    } else {
        blob_id(&std::fs::read(path).map_err(|source| Error::Io { path: path.to_path_buf(), source })?)
    };
    Ok(Entry { path: rel, kind: FileKind::Regular, size, blob })
}

fn symlink_entry(root: &Path, path: &Path, rel: String) -> Result<Entry, Error> {
    let target = std::fs::read_link(path).map_err(|source| Error::Io { path: path.to_path_buf(), source })?;
    let target_text = target.to_string_lossy().into_owned();
    let outside = || Entry {
        path: rel.clone(),
        kind: FileKind::SymlinkOutside(target_text.clone()),
        size: 0,
        blob: gix::ObjectId::null(gix::hash::Kind::Sha1),
    };
    // Both the textual target and the fully resolved one must stay inside (a link to a link that leaves counts).
    let (Some(inside), Ok(canonical), Ok(canonical_root)) =
        (resolve_inside(&rel, &target_text), std::fs::canonicalize(path), std::fs::canonicalize(root))
    else {
        return Ok(outside());
    };
    if !canonical.starts_with(&canonical_root) || !canonical.is_file() {
        return Ok(outside());
    }
    let meta = std::fs::metadata(&canonical).map_err(|source| Error::Io { path: canonical.clone(), source })?;
    let mut entry = file_entry(&canonical, rel, meta.len())?;
    entry.kind = FileKind::SymlinkInside(inside);
    Ok(entry)
}
