//! A branch's files as paved reads and commits them, and the gix code that reads them out of, and writes them
//! into, a git object database.
//!
//! The same code serves both ways a [`Forge`](super::Forge) can commit: the local forge runs it on its bare repos
//! in-process, and the default git-CLI path runs it on a scratch bare repo it fetched into and pushes from.
//!
//! # Guarantees
//! - A commit is written only when the branch's tree would change ([`prepare`] returns no commit otherwise), so
//!   committing the same files twice moves nothing.
//! - Symlinks and submodules, which paved never edits, are carried over as they were; executable bits too.
//! - Paths are validated by gix's tree editor (no `..`, `.git` or empty components).

use super::error::Error;
use gix::ObjectId;
use gix::objs::tree::EntryKind;
use std::collections::{BTreeMap, BTreeSet};

/// What a path holds besides a regular file: entries paved carries over but never edits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kept {
    /// A symbolic link and its target.
    Symlink(Vec<u8>),
    /// A submodule at a commit (hex id).
    Submodule(String),
}

/// The content of a branch: every regular file by path, which of them are executable, and the entries kept as
/// they are.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Files {
    pub files: BTreeMap<String, Vec<u8>>,
    pub executable: BTreeSet<String>,
    pub kept: BTreeMap<String, Kept>,
}

impl Files {
    /// Regular, non-executable files only (a freshly rendered template).
    pub fn regular(files: BTreeMap<String, Vec<u8>>) -> Files {
        Files { files, ..Files::default() }
    }
}

/// A branch read at one commit.
#[derive(Debug, Clone)]
pub struct BranchFiles {
    pub branch: String,
    /// The commit the files were read from (hex).
    pub commit: String,
    pub files: Files,
}

/// A commit to make on a branch (see [`Forge::commit_tree`](super::Forge::commit_tree)).
#[derive(Debug, Clone, Copy)]
pub struct NewCommit<'a> {
    /// The branch to move, created when missing.
    pub branch: &'a str,
    /// The commit's parent, as read before; `None` for the first commit of an empty repo.
    pub parent: Option<&'a BranchFiles>,
    /// The whole tree of the new commit (not a change set).
    pub files: &'a Files,
    pub message: &'a str,
    /// Author and committer name (email `<author>@paved.local`).
    pub author: &'a str,
}

fn git_err(e: impl std::fmt::Display) -> Error {
    Error::Git(e.to_string())
}

/// The commit `refs/heads/<branch>` points to, `None` when there is no such branch.
pub(crate) fn tip(repo: &gix::Repository, branch: &str) -> Result<Option<ObjectId>, Error> {
    let name = format!("refs/heads/{branch}");
    let Some(mut r) = repo.try_find_reference(name.as_str()).map_err(git_err)? else { return Ok(None) };
    Ok(Some(r.peel_to_id().map_err(git_err)?.detach()))
}

/// Every entry of `branch`'s tree, `None` when the branch does not exist.
pub(crate) fn read(repo: &gix::Repository, branch: &str) -> Result<Option<BranchFiles>, Error> {
    let Some(commit) = tip(repo, branch)? else { return Ok(None) };
    let tree = repo.find_commit(commit).map_err(git_err)?.tree().map_err(git_err)?;
    let mut recorder = gix::traverse::tree::Recorder::default();
    tree.traverse().breadthfirst(&mut recorder).map_err(git_err)?;
    let mut files = Files::default();
    for entry in recorder.records {
        let path = String::from_utf8(entry.filepath.into())
            .map_err(|e| Error::Git(format!("{branch} has a path that is not UTF-8: {e}")))?;
        let data = || repo.find_object(entry.oid).map(|o| o.detach().data).map_err(git_err);
        match entry.mode.kind() {
            EntryKind::Tree => {}
            EntryKind::Blob | EntryKind::BlobExecutable => {
                if entry.mode.is_executable() {
                    files.executable.insert(path.clone());
                }
                files.files.insert(path, data()?);
            }
            EntryKind::Link => {
                files.kept.insert(path, Kept::Symlink(data()?));
            }
            EntryKind::Commit => {
                files.kept.insert(path, Kept::Submodule(entry.oid.to_string()));
            }
        }
    }
    Ok(Some(BranchFiles { branch: branch.to_owned(), commit: commit.to_string(), files }))
}

/// The objects of a commit, written; the ref is for the caller to move.
pub(crate) struct Prepared {
    /// Where the branch must point for the new commit to replace it (`None`: it must not exist).
    pub old: Option<ObjectId>,
    /// The new commit, `None` when the branch already holds exactly these files.
    pub new: Option<ObjectId>,
    /// The objects as written; keep it until the branch has moved (it guards a new pack against `git gc`).
    #[allow(dead_code, reason = "held for its Drop, which releases the pack's .keep file")]
    pub written: super::pack::Written,
}

/// Write the blobs, trees and commit of `c` into `repo` (objects only: no ref moves).
///
/// The objects are built in memory first, then written at once: as one pack when there are many (see
/// [`super::pack`]), so nothing is written at all when the tree has not changed.
pub(crate) fn prepare(repo: &gix::Repository, c: &NewCommit<'_>) -> Result<Prepared, Error> {
    let old = tip(repo, c.branch)?;
    let mut staged = repo.clone().with_object_memory();
    let tree = write_tree(&staged, c.files)?;
    if let Some(old) = old {
        let current = repo.find_commit(old).map_err(git_err)?.tree_id().map_err(git_err)?;
        if current == tree {
            return Ok(Prepared { old: Some(old), new: None, written: super::pack::Written::default() });
        }
    }
    let parents: Vec<ObjectId> = match c.parent {
        Some(p) => {
            let id = ObjectId::from_hex(p.commit.as_bytes()).map_err(git_err)?;
            if !repo.has_object(id) {
                return Err(Error::Git(format!("parent commit {id} of {} is missing", c.branch)));
            }
            vec![id]
        }
        None => Vec::new(),
    };
    let signature = gix::actor::Signature {
        name: c.author.into(),
        email: format!("{}@paved.local", c.author).into(),
        time: gix::date::Time::now_utc(),
    };
    let commit = gix::objs::Commit {
        tree,
        parents: parents.into_iter().collect(),
        author: signature.clone(),
        committer: signature,
        encoding: None,
        message: c.message.into(),
        extra_headers: Vec::new(),
    };
    let new = staged.write_object(&commit).map_err(git_err)?.detach();
    let mut staged_objects = staged.objects.take_object_memory().unwrap_or_default();
    let objects = std::mem::take(&mut *staged_objects).into_iter().map(|(id, (kind, data))| (id, kind, data)).collect();
    let written = super::pack::write(repo, objects)?;
    tracing::debug!(
        branch = c.branch,
        new_objects = written.new_objects,
        packed = written.packed,
        "commit objects written"
    );
    // A first commit (no parent) expects no branch: it never replaces one that exists.
    Ok(Prepared { old: old.filter(|_| c.parent.is_some()), new: Some(new), written })
}

/// Write `files` as a tree (blobs already present are not written again) and return its id.
fn write_tree(repo: &gix::Repository, files: &Files) -> Result<ObjectId, Error> {
    let mut editor = repo.edit_tree(ObjectId::empty_tree(repo.object_hash())).map_err(git_err)?;
    let mut put = |path: &str, kind: EntryKind, id: ObjectId| {
        editor.upsert(path, kind, id).map(|_| ()).map_err(|e| Error::Git(format!("`{path}`: {e}")))
    };
    for (path, kept) in &files.kept {
        // A regular file (or a directory of them) now at a kept entry's path replaces it.
        let shadowed = files.files.contains_key(path)
            || files.files.range(format!("{path}/")..).next().is_some_and(|(k, _)| k.starts_with(&format!("{path}/")));
        if shadowed {
            continue;
        }
        match kept {
            Kept::Symlink(target) => put(path, EntryKind::Link, repo.write_blob(target).map_err(git_err)?.detach())?,
            Kept::Submodule(commit) => {
                put(path, EntryKind::Commit, ObjectId::from_hex(commit.as_bytes()).map_err(git_err)?)?;
            }
        }
    }
    for (path, bytes) in &files.files {
        let kind = if files.executable.contains(path) { EntryKind::BlobExecutable } else { EntryKind::Blob };
        put(path, kind, repo.write_blob(bytes).map_err(git_err)?.detach())?;
    }
    Ok(editor.write().map_err(git_err)?.detach())
}

/// Move `refs/heads/<branch>` from `old` to `new`, compare-and-swap: if the branch moved meanwhile (or appeared),
/// nothing is overwritten and [`Error::RefMoved`] says so.
pub(crate) fn move_branch(
    repo: &gix::Repository,
    full_name: &str,
    branch: &str,
    old: Option<ObjectId>,
    new: ObjectId,
) -> Result<(), Error> {
    use gix::refs::transaction::PreviousValue;
    let expected = match old {
        Some(old) => PreviousValue::MustExistAndMatch(gix::refs::Target::Object(old)),
        None => PreviousValue::MustNotExist,
    };
    let name = format!("refs/heads/{branch}");
    repo.reference(name.as_str(), new, expected, "paved: commit").map_err(|e| {
        if tip(repo, branch).ok().flatten() == old {
            Error::Git(format!("cannot move {name}: {e}"))
        } else {
            Error::RefMoved { repo: full_name.to_owned(), branch: branch.to_owned() }
        }
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::local::LocalForge;
    use super::super::{Error, Forge, via_git};
    use super::*;

    fn git(dir: &std::path::Path, args: &[&str]) -> String {
        crate::gitcli::git(dir, args).expect("git")
    }

    fn files(extra: &str) -> Files {
        let mut f = Files::regular(
            [
                ("README.md".to_owned(), b"hello\n".to_vec()),
                ("bin/run".to_owned(), b"#!/bin/sh\n".to_vec()),
                ("src/app.py".to_owned(), extra.as_bytes().to_vec()),
            ]
            .into(),
        );
        f.executable.insert("bin/run".to_owned());
        f.kept.insert("docs".to_owned(), Kept::Symlink(b"README.md".to_vec()));
        f
    }

    fn commit<'a>(branch: &'a str, parent: Option<&'a BranchFiles>, files: &'a Files) -> NewCommit<'a> {
        NewCommit { branch, parent, files, message: "m\n", author: "paved" }
    }

    /// The local forge (in-process) and the default git-CLI path (fetch, gix, push) make the same trees, move a
    /// branch only when its tree changes, and refuse to overwrite a branch that appeared or moved meanwhile.
    #[test]
    fn both_commit_paths_write_the_same_tree_and_only_when_it_changes() {
        let dir = tempfile::tempdir().expect("tmp");
        let forge = LocalForge::new(dir.path());
        forge.create_repo("acme/a", "main").expect("create");
        forge.create_repo("acme/b", "main").expect("create");
        let url_b = forge.get_repo("acme/b").expect("get").expect("repo").clone_url;
        let v1 = files("print(1)\n");

        // First commits: in-process on a, through the CLI on b.
        let a1 = forge.commit_tree("acme/a", &commit("main", None, &v1)).expect("a").expect("commit");
        let b1 = via_git::commit_tree(&url_b, "acme/b", &commit("main", None, &v1)).expect("b").expect("commit");
        let tree =
            |repo: &str, rev: &str| git(&forge.repo_path(repo).expect("p"), &["rev-parse", &format!("{rev}^{{tree}}")]);
        assert_eq!(tree("acme/a", &a1), tree("acme/b", &b1), "same files, same tree");
        let ls = git(&forge.repo_path("acme/a").expect("p"), &["ls-tree", "-r", "main"]);
        assert!(ls.contains("100755 blob") && ls.contains("\tbin/run"), "{ls}");
        assert!(ls.lines().any(|l| l.starts_with("120000 blob") && l.ends_with("\tdocs")), "{ls}");
        git(&forge.repo_path("acme/a").expect("p"), &["fsck", "--strict", "--no-dangling"]);
        // Eight new objects (four blobs, three trees, the commit) go into one pack; the CLI path pushes them on.
        let counts = git(&forge.repo_path("acme/a").expect("p"), &["count-objects", "-v"]);
        assert!(counts.contains("count: 0\n") && counts.contains("in-pack: 8\n"), "{counts}");

        // Reading back gives exactly what was committed, both ways.
        let read_a = forge.read_branch("acme/a", "main").expect("read").expect("branch");
        let read_b = via_git::read_branch(&url_b, "main").expect("read").expect("branch");
        assert_eq!((&read_a.files, &read_b.files), (&v1, &v1));
        assert_eq!(read_a.commit, a1);
        assert!(forge.read_branch("acme/a", "nope").expect("read").is_none());

        // A feature branch on main: made once; the same files again make no commit on either path.
        let v2 = files("print(2)\n");
        let f1 = forge.commit_tree("acme/a", &commit("feature", Some(&read_a), &v2)).expect("a").expect("commit");
        assert_eq!(git(&forge.repo_path("acme/a").expect("p"), &["rev-parse", "feature^"]), a1, "parent is main");
        assert_eq!(forge.commit_tree("acme/a", &commit("feature", Some(&read_a), &v2)).expect("again"), None);
        via_git::commit_tree(&url_b, "acme/b", &commit("feature", Some(&read_b), &v2)).expect("b").expect("commit");
        assert_eq!(via_git::commit_tree(&url_b, "acme/b", &commit("feature", Some(&read_b), &v2)).expect("b"), None);
        assert_eq!(tree("acme/a", "feature"), tree("acme/b", "feature"));
        assert_eq!(tree("acme/a", &f1), tree("acme/a", "feature"));

        // A first commit never replaces a branch that exists.
        let err = forge.commit_tree("acme/a", &commit("main", None, &v2)).expect_err("exists");
        assert!(matches!(err, Error::RefMoved { .. }), "{err}");
        let err = via_git::commit_tree(&url_b, "acme/b", &commit("main", None, &v2)).expect_err("exists");
        assert!(matches!(err, Error::RefMoved { .. }), "{err}");
    }
}
