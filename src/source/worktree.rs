//! Listing and reading a working directory.

use super::entry::{Entry, FileKind, MAX_FILE_BYTES, Reader, blob_id, resolve_inside};
use super::error::Error;
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
    // Directories are read level by level, each level's directories on every core (a platform repo's evidence/
    // holds a directory per service); then every file is read and hashed for its blob id, also on every core.
    let mut entries = Vec::new();
    let mut files = Vec::new();
    let mut level = vec![(root.to_path_buf(), String::new())];
    while !level.is_empty() {
        let mut next = Vec::new();
        for listed in crate::par::map(&level, 16, |(dir, rel)| read_dir(root, dir, rel)) {
            let listed = listed?;
            next.extend(listed.dirs);
            files.extend(listed.files);
            entries.extend(listed.symlinks);
        }
        level = next;
    }
    let hashed = crate::par::map(&files, 256, |(path, rel): &(PathBuf, String)| {
        if rel.starts_with(EVIDENCE) { evidence_entry(path, rel.clone()) } else { file_entry(path, rel.clone()) }
    });
    entries.extend(hashed.into_iter().collect::<Result<Vec<_>, _>>()?);
    entries.sort_by(|a, b| a.path.cmp(&b.path));
    Ok((entries, WorktreeSource { root: root.to_path_buf() }))
}

/// Only the files at `paths` (repo-relative) of the working directory at `root`, those that exist: for checking
/// a few files without listing, and hashing, a whole directory.
pub(super) fn list_paths(root: &Path, paths: &[String]) -> Result<(Vec<Entry>, WorktreeSource), Error> {
    let mut entries = Vec::new();
    for rel in paths {
        let path = root.join(rel);
        let Ok(meta) = std::fs::symlink_metadata(&path) else { continue };
        if meta.file_type().is_symlink() {
            entries.push(symlink_entry(root, &path, rel.clone())?);
        } else if meta.is_file() {
            entries.push(file_entry(&path, rel.clone())?);
        }
    }
    entries.sort_by(|a, b| a.path.cmp(&b.path));
    entries.dedup_by(|a, b| a.path == b.path);
    Ok((entries, WorktreeSource { root: root.to_path_buf() }))
}

/// One directory's children: subdirectories and regular files (path, repo-relative path) to be read on, and
/// symlinks, resolved.
#[derive(Default)]
struct Listed {
    dirs: Vec<(PathBuf, String)>,
    files: Vec<(PathBuf, String)>,
    symlinks: Vec<Entry>,
}

fn read_dir(root: &Path, dir: &Path, rel: &str) -> Result<Listed, Error> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| Error::Io { path, source }
    };
    let mut listed = Listed::default();
    for item in std::fs::read_dir(dir).map_err(io(dir))? {
        let item = item.map_err(io(dir))?;
        let name = item.file_name();
        if rel.is_empty() && name == ".git" {
            continue;
        }
        let name = name.to_string_lossy();
        let child_rel = if rel.is_empty() { name.into_owned() } else { format!("{rel}/{name}") };
        let path = item.path();
        // The directory entry's own type: no stat call per file (the size comes with the read).
        let kind = item.file_type().map_err(io(&path))?;
        if kind.is_dir() {
            listed.dirs.push((path, child_rel));
        } else if kind.is_symlink() {
            listed.symlinks.push(symlink_entry(root, &path, child_rel)?);
        } else if kind.is_file() {
            listed.files.push((path, child_rel));
        }
    }
    Ok(listed)
}

/// Evidence is most of a large work tree's bytes and is read by the scorecards alone, which hash what they read
/// for their citations ([`super::Snapshot::read_text_identified`]): it is not read and hashed at listing too.
const EVIDENCE: &str = "evidence/";

fn evidence_entry(path: &Path, rel: String) -> Result<Entry, Error> {
    let size = std::fs::metadata(path).map_err(|source| Error::Io { path: path.to_path_buf(), source })?.len();
    Ok(Entry { path: rel, kind: FileKind::Regular, size, blob: gix::ObjectId::null(gix::hash::Kind::Sha1) })
}

fn file_entry(path: &Path, rel: String) -> Result<Entry, Error> {
    use std::io::Read;
    let io = |source| Error::Io { path: path.to_path_buf(), source };
    let mut file = std::fs::File::open(path).map_err(io)?;
    let size = file.metadata().map_err(io)?.len();
    // Oversized files are refused before they are read, so their blob id is never needed.
    if size > MAX_FILE_BYTES {
        return Ok(Entry {
            path: rel,
            kind: FileKind::Regular,
            size,
            blob: gix::ObjectId::null(gix::hash::Kind::Sha1),
        });
    }
    let mut data = Vec::with_capacity(size as usize);
    file.read_to_end(&mut data).map_err(io)?;
    // The size of what was hashed, should the file have changed since it was opened.
    Ok(Entry { path: rel, kind: FileKind::Regular, size: data.len() as u64, blob: blob_id(&data) })
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
    let mut entry = file_entry(&canonical, rel)?;
    entry.kind = FileKind::SymlinkInside(inside);
    Ok(entry)
}

#[cfg(test)]
mod tests {
    use super::super::{FileKind, MAX_FILE_BYTES, blob_id};
    use std::os::unix::fs::symlink;

    #[test]
    fn lists_every_level_with_git_blob_ids_and_resolved_links() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        for (path, text) in [("platform.yaml", "a\n"), ("evidence/svc/sbom.json", "{}\n"), ("a/b/c/deep.txt", "d\n")] {
            std::fs::create_dir_all(root.join(path).parent().expect("parent")).expect("mkdir");
            std::fs::write(root.join(path), text).expect("write");
        }
        std::fs::create_dir_all(root.join(".git/objects")).expect("mkdir");
        std::fs::write(root.join(".git/HEAD"), "ref: refs/heads/main\n").expect("write");
        std::fs::write(root.join("big.bin"), vec![b'x'; MAX_FILE_BYTES as usize + 1]).expect("write");
        symlink("../platform.yaml", root.join("a/inside.yaml")).expect("symlink");
        symlink("/etc/hostname", root.join("a/outside.yaml")).expect("symlink");

        let (entries, _) = super::list(root).expect("listed");
        let paths: Vec<&str> = entries.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(
            paths,
            ["a/b/c/deep.txt", "a/inside.yaml", "a/outside.yaml", "big.bin", "evidence/svc/sbom.json", "platform.yaml"],
            "every level is listed, sorted, and .git is left out"
        );
        let get = |p: &str| entries.iter().find(|e| e.path == p).expect("listed");
        assert_eq!(get("a/b/c/deep.txt").blob, blob_id(b"d\n"));
        assert!(get("evidence/svc/sbom.json").blob.is_null(), "evidence is hashed when the scorecards read it");
        assert_eq!(get("evidence/svc/sbom.json").size, 3);
        assert_eq!(get("a/b/c/deep.txt").size, 2);
        assert_eq!(get("a/inside.yaml").kind, FileKind::SymlinkInside("platform.yaml".into()));
        assert_eq!(get("a/inside.yaml").blob, blob_id(b"a\n"), "a link inside carries its target's content id");
        assert!(matches!(get("a/outside.yaml").kind, FileKind::SymlinkOutside(_)));
        assert_eq!(get("big.bin").size, MAX_FILE_BYTES + 1, "an oversized file keeps its size so it can be refused");
        assert!(get("big.bin").blob.is_null(), "and is never read");
    }
}
