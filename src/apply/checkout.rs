//! Files on disk, only for what needs a directory: a migration's codemods (external commands and ast-grep rules
//! work on a directory). Everything else of a migration happens on in-memory trees read from and committed to the
//! forge, so a migration without codemods touches no disk at all.
//!
//! # Guarantees
//! - [`materialize`] writes regular files first and symlinks last, so nothing is ever written through a symlink;
//!   a path with `..`, `.git` or an empty component is refused.
//! - [`read_back`] sees what `git add --all` would have staged: every file in the directory, except new files a
//!   codemod left behind that `.gitignore` excludes (caches, build output); files that were in the tree stay in
//!   it even when ignored. Submodules (empty directories on disk) are carried over from the tree.

use crate::forge::{Files, Kept};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// The error of writing or reading a checkout.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("refusing to write `{0}`: not a plain relative path")]
    BadPath(String),
    #[error("`{0}` has a name that is not UTF-8; paved cannot commit it")]
    NotUtf8(PathBuf),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Io { path: path.to_path_buf(), source }
}

fn inside(dir: &Path, rel: &str) -> Result<PathBuf, Error> {
    if rel.split('/').any(|p| p.is_empty() || p == "." || p == ".." || p.eq_ignore_ascii_case(".git")) {
        return Err(Error::BadPath(rel.to_owned()));
    }
    Ok(dir.join(rel))
}

/// Write `files` into the (new or empty) directory `dir`.
pub fn materialize(dir: &Path, files: &Files) -> Result<(), Error> {
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    for (rel, bytes) in &files.files {
        let at = inside(dir, rel)?;
        if let Some(parent) = at.parent() {
            std::fs::create_dir_all(parent).map_err(io(parent))?;
        }
        std::fs::write(&at, bytes).map_err(io(&at))?;
        if files.executable.contains(rel) {
            std::fs::set_permissions(&at, std::fs::Permissions::from_mode(0o755)).map_err(io(&at))?;
        }
    }
    for (rel, kept) in &files.kept {
        let at = inside(dir, rel)?;
        if std::fs::symlink_metadata(&at).is_ok() {
            continue; // a file of the tree took this path: it wins, as when committing
        }
        if let Some(parent) = at.parent() {
            std::fs::create_dir_all(parent).map_err(io(parent))?;
        }
        match kept {
            Kept::Symlink(target) => {
                use std::os::unix::ffi::OsStrExt;
                std::os::unix::fs::symlink(std::ffi::OsStr::from_bytes(target), &at).map_err(io(&at))?;
            }
            Kept::Submodule(_) => std::fs::create_dir_all(&at).map_err(io(&at))?,
        }
    }
    Ok(())
}

/// What `dir` holds now, as a tree; `before` is what [`materialize`] wrote there.
pub fn read_back(dir: &Path, before: &Files) -> Result<Files, Error> {
    let mut out = Files::default();
    let walk = ignore::WalkBuilder::new(dir)
        .hidden(false)
        .ignore(false)
        .git_ignore(true)
        .git_global(false)
        .git_exclude(false)
        .require_git(false)
        .parents(false)
        .follow_links(false)
        .build();
    for entry in walk {
        let entry = entry.map_err(|e| Error::Io { path: dir.to_path_buf(), source: std::io::Error::other(e) })?;
        add(dir, entry.path(), &mut out)?;
    }
    // Files of the tree are tracked: an ignore rule does not drop them.
    for rel in before.files.keys().chain(before.kept.keys()) {
        if !out.files.contains_key(rel) && !out.kept.contains_key(rel) {
            add(dir, &dir.join(rel), &mut out)?;
        }
    }
    for (rel, kept) in &before.kept {
        if matches!(kept, Kept::Submodule(_)) && dir.join(rel).is_dir() && !out.files.contains_key(rel) {
            out.kept.insert(rel.clone(), kept.clone());
        }
    }
    Ok(out)
}

/// Record the file or symlink at `path` (anything else, or nothing there, is skipped).
fn add(dir: &Path, path: &Path, out: &mut Files) -> Result<(), Error> {
    let Ok(meta) = std::fs::symlink_metadata(path) else { return Ok(()) };
    if !(meta.is_file() || meta.is_symlink()) {
        return Ok(());
    }
    let rel = path.strip_prefix(dir).unwrap_or(path);
    let rel = rel.to_str().ok_or_else(|| Error::NotUtf8(path.to_path_buf()))?.to_owned();
    if meta.is_symlink() {
        use std::os::unix::ffi::OsStrExt;
        let target = std::fs::read_link(path).map_err(io(path))?;
        out.kept.insert(rel, Kept::Symlink(target.as_os_str().as_bytes().to_vec()));
    } else {
        if meta.permissions().mode() & 0o111 != 0 {
            out.executable.insert(rel.clone());
        }
        out.files.insert(rel, std::fs::read(path).map_err(io(path))?);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tree_round_trips_and_new_ignored_files_stay_out() {
        let dir = tempfile::tempdir().expect("tmp");
        let mut files = Files::regular(
            [
                (".gitignore".to_owned(), b"*.pyc\n".to_vec()),
                ("run.sh".to_owned(), b"#!/bin/sh\n".to_vec()),
                ("src/a.py".to_owned(), b"a\n".to_vec()),
                ("tracked.pyc".to_owned(), b"kept although ignored\n".to_vec()),
            ]
            .into(),
        );
        files.executable.insert("run.sh".to_owned());
        files.kept.insert("link".to_owned(), Kept::Symlink(b"src/a.py".to_vec()));
        files.kept.insert("vendor/lib".to_owned(), Kept::Submodule("a".repeat(40)));
        let co = dir.path().join("co");
        materialize(&co, &files).expect("materialize");
        assert_eq!(read_back(&co, &files).expect("read"), files, "nothing changed, nothing differs");

        // What a codemod does: edit, delete, create (one ignored), chmod.
        std::fs::write(co.join("src/a.py"), "b\n").expect("w");
        std::fs::remove_file(co.join("run.sh")).expect("rm");
        std::fs::write(co.join("src/new.py"), "n\n").expect("w");
        std::fs::write(co.join("src/cache.pyc"), "junk").expect("w");
        let after = read_back(&co, &files).expect("read");
        assert_eq!(after.files.get("src/a.py").map(Vec::as_slice), Some(&b"b\n"[..]));
        assert!(!after.files.contains_key("run.sh") && !after.executable.contains("run.sh"));
        assert!(after.files.contains_key("src/new.py"));
        assert!(!after.files.contains_key("src/cache.pyc"), "new and ignored: not committed");
        assert!(after.files.contains_key("tracked.pyc"), "tracked and ignored: kept");
        assert_eq!(after.kept, files.kept, "symlink and submodule carried over");
    }

    #[test]
    fn paths_that_leave_the_directory_are_refused() {
        let dir = tempfile::tempdir().expect("tmp");
        for bad in ["../x", "a/../../x", ".git/config", "a//b"] {
            let files = Files::regular([(bad.to_owned(), b"x".to_vec())].into());
            assert!(matches!(materialize(dir.path(), &files), Err(Error::BadPath(_))), "{bad}");
        }
    }
}
