//! Where bot changes land: a git work tree (committed with the git CLI, which keeps index and work tree in step)
//! or a plain directory (files written in place).

use crate::lock::Lease;
use crate::plan::FileChange;
use crate::source::blob_id;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The error returned by [`Workspace`] methods.
#[derive(Debug, thiserror::Error)]
pub enum WorkspaceError {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error(transparent)]
    Git(#[from] crate::gitcli::Error),
    #[error("refusing to write `{0}`: paved writes only bot-owned paths (status/, audit/, scorecards/*.md)")]
    NotBotOwned(String),
    #[error(
        "refusing to commit `{0}`: it would change or remove audit records HEAD holds, and the audit log is \
         append-only (design rule 9)"
    )]
    NotAppend(String),
    #[error(
        "the branch moved from {expected} to {found} while paved was applying: nothing was committed over it; the \
         next reconcile plans again from {found}"
    )]
    Moved { expected: String, found: String },
}

/// A place bot changes are written to.
pub trait Workspace {
    /// The commit bot changes will follow, `None` for a plain directory.
    fn head(&self) -> Result<Option<String>, WorkspaceError>;
    /// Write `changes` and record them; returns the new commit, if one was made. With `basis` (the commit the
    /// changes were planned from), the branch moves by compare-and-swap: only if it still points at `basis`.
    ///
    /// # Errors
    /// [`WorkspaceError::Moved`] when the branch is no longer at `basis`; I/O and git failures.
    fn commit(
        &self,
        changes: &[FileChange],
        message: &str,
        author: &str,
        basis: Option<&str>,
    ) -> Result<Option<String>, WorkspaceError>;
}

/// Pick the workspace for a directory: a git work tree when `dir/.git` exists.
///
/// Writing needs the platform's lock (design rule 8): the lease is the proof, and the workspace cannot outlive
/// it, so no caller, however the layers above are rearranged, can write the platform repo without holding it.
pub fn for_dir<'l>(dir: &Path, lease: &'l Lease) -> Box<dyn Workspace + 'l> {
    if dir.join(".git").exists() {
        Box::new(GitWorktree { dir: dir.to_path_buf(), _lease: lease })
    } else {
        Box::new(PlainDir { dir: dir.to_path_buf(), _lease: lease })
    }
}

/// The commit the work tree at `dir` is on (`None` for a plain directory): reading needs no lock.
pub fn head_of(dir: &Path) -> Result<Option<String>, WorkspaceError> {
    if !dir.join(".git").exists() {
        return Ok(None);
    }
    // In-process: this is asked on every apply and after every commit.
    let head = gix::open(dir).and_then(|r| Ok(r.head_id()?.to_string()));
    head.map(Some).map_err(|e| WorkspaceError::Io { path: dir.to_path_buf(), source: std::io::Error::other(e) })
}

/// A point inside a commit where the work tree holds part of an apply: where crash-safety tests stop it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CrashPoint {
    /// One bot-owned file is written, the others are not.
    AfterFirstWrite,
    /// Every file is written, nothing is committed.
    BeforeCommit,
}

/// What is called at each [`CrashPoint`]: a test double stops the process there, as `kill -9` would.
pub type CrashHook = Box<dyn Fn(CrashPoint) + Send + Sync>;

static CRASH_HOOK: std::sync::OnceLock<CrashHook> = std::sync::OnceLock::new();

/// Install `hook`, once per process. Only crash-safety tests do (`tests/it/crash.rs`); paved itself never does,
/// so the points cost one load of an empty cell. Returns false when a hook was installed already.
pub fn install_crash_hook(hook: CrashHook) -> bool {
    CRASH_HOOK.set(hook).is_ok()
}

fn crash_point(point: CrashPoint) {
    if let Some(hook) = CRASH_HOOK.get() {
        hook(point);
    }
}

fn write_files(dir: &Path, changes: &[FileChange]) -> Result<(), WorkspaceError> {
    let bot_owned = crate::model::bot_owned_matcher();
    for change in changes {
        let rel = change.path();
        if !bot_owned.is_match(rel) || rel.split('/').any(|p| p == ".." || p.is_empty()) {
            return Err(WorkspaceError::NotBotOwned(rel.to_owned()));
        }
        let path = dir.join(rel);
        let io = |source| WorkspaceError::Io { path: path.clone(), source };
        match change {
            FileChange::Write { after, .. } => {
                let parent = path.parent().expect("bot-owned paths have a parent");
                std::fs::create_dir_all(parent).map_err(io)?;
                let tmp = parent.join(format!(".{}.paved-tmp", path.file_name().expect("file").to_string_lossy()));
                std::fs::write(&tmp, after).map_err(io)?;
                std::fs::rename(&tmp, &path).map_err(io)?;
            }
            FileChange::Delete { .. } => match std::fs::remove_file(&path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(io(e)),
                _ => {}
            },
        }
        crash_point(CrashPoint::AfterFirstWrite);
    }
    Ok(())
}

/// A plain directory: files are written in place, nothing is committed.
pub struct PlainDir<'l> {
    dir: PathBuf,
    _lease: &'l Lease,
}

impl Workspace for PlainDir<'_> {
    fn head(&self) -> Result<Option<String>, WorkspaceError> {
        Ok(None)
    }
    fn commit(
        &self,
        changes: &[FileChange],
        _message: &str,
        _author: &str,
        _basis: Option<&str>,
    ) -> Result<Option<String>, WorkspaceError> {
        write_files(&self.dir, changes)?;
        Ok(None)
    }
}

/// A git work tree: files are written, staged and committed on the current branch.
pub struct GitWorktree<'l> {
    dir: PathBuf,
    _lease: &'l Lease,
}

impl GitWorktree<'_> {
    fn git(&self, args: &[&str], author: &str) -> Result<String, WorkspaceError> {
        // No auto maintenance after a bot commit: the next fetch of the work tree runs it (`git fetch` does).
        Ok(crate::gitcli::Git::new(&self.dir).author(author).no_maintenance().run(args)?)
    }

    fn git_with_input(&self, args: &[&str], author: &str, input: Vec<u8>) -> Result<String, WorkspaceError> {
        Ok(crate::gitcli::Git::new(&self.dir).author(author).no_maintenance().stdin(input).run(args)?)
    }
}

/// How many times (100 ms apart) a bot commit waits for a person's git to let go of the index.
const INDEX_LOCK_TRIES: u32 = 50;

/// Git's lock on a work tree's index (`index.lock`, created exclusively, as git itself does): while paved holds
/// it, no git command of a person writes the index, and theirs running keeps paved waiting.
struct IndexLock {
    lock: PathBuf,
    index: PathBuf,
    committed: bool,
}

impl IndexLock {
    /// Take the lock on `index`, waiting up to [`INDEX_LOCK_TRIES`] times for a person's git to let go of it.
    fn acquire(index: &Path) -> Result<Self, WorkspaceError> {
        let mut lock = index.as_os_str().to_owned();
        lock.push(".lock");
        let lock = PathBuf::from(lock);
        let mut tries = 0;
        loop {
            match std::fs::OpenOptions::new().write(true).create_new(true).open(&lock) {
                Ok(_) => return Ok(IndexLock { lock, index: index.to_path_buf(), committed: false }),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && tries < INDEX_LOCK_TRIES => {
                    tries += 1;
                    std::thread::sleep(std::time::Duration::from_millis(100));
                }
                Err(source) => return Err(WorkspaceError::Io { path: lock, source }),
            }
        }
    }

    /// Make `staged` the index, through the lock file (renamed over the index, as git commits a lock).
    fn commit(mut self, staged: &Path) -> Result<(), WorkspaceError> {
        let io = |path: &Path, source| WorkspaceError::Io { path: path.to_path_buf(), source };
        std::fs::copy(staged, &self.lock).map_err(|e| io(&self.lock, e))?;
        std::fs::rename(&self.lock, &self.index).map_err(|e| io(&self.index, e))?;
        self.committed = true;
        Ok(())
    }
}

impl Drop for IndexLock {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_file(&self.lock);
        }
    }
}

/// The new blobs of commits of more paths than this are written as one pack ([`GitWorktree::pack_blobs`]).
const PACK_LIMIT: usize = 64;

/// The commit message in a temporary file (removed when dropped).
fn message_file(dir: &Path, message: &str) -> Result<tempfile::NamedTempFile, WorkspaceError> {
    let io = |source| WorkspaceError::Io { path: dir.to_path_buf(), source };
    let mut file = tempfile::NamedTempFile::new().map_err(io)?;
    std::io::Write::write_all(&mut file, message.as_bytes()).map_err(io)?;
    Ok(file)
}

impl Workspace for GitWorktree<'_> {
    fn head(&self) -> Result<Option<String>, WorkspaceError> {
        head_of(&self.dir)
    }

    fn commit(
        &self,
        changes: &[FileChange],
        message: &str,
        author: &str,
        basis: Option<&str>,
    ) -> Result<Option<String>, WorkspaceError> {
        if let Some(expected) = basis
            && let Some(found) = self.head()?
            && expected != found
        {
            // Checked before writing, so a stale apply leaves the work tree as it found it.
            return Err(WorkspaceError::Moved { expected: expected.to_owned(), found });
        }
        self.refuse_audit_rewrites(changes)?;
        write_files(&self.dir, changes)?;
        crash_point(CrashPoint::BeforeCommit);
        let mut paths: Vec<&str> = changes.iter().map(FileChange::path).collect();
        paths.sort_unstable();
        paths.dedup();
        // What HEAD holds at these paths, read in-process: a git process per question was a third of a
        // migration update's time (docs/benchmarks.md).
        let at_head = self.head_blobs(&paths)?;
        let changed = changes.iter().any(|c| match c {
            FileChange::Write { path, after, .. } => at_head.get(path.as_str()) != Some(&blob_id(after.as_bytes())),
            FileChange::Delete { path, .. } => at_head.contains_key(path.as_str()),
        });
        if !changed {
            return Ok(None);
        }
        // Paths go on stdin and the message in a file: a reconcile of a few thousand entities makes a path list
        // and a message (a line and a trailer per action) too long for a command line.
        let path_list: Vec<u8> = paths.iter().flat_map(|p| p.bytes().chain([0])).collect();
        let message_file = message_file(&self.dir, message)?;
        let message_arg = message_file.path().to_string_lossy().into_owned();
        // Held until the branch has moved: it keeps `git gc` off the new pack.
        let _packed = if paths.len() > PACK_LIMIT { Some(self.pack_blobs(changes)?) } else { None };
        self.commit_paths(path_list, &message_arg, author, basis)
    }
}

impl GitWorktree<'_> {
    /// Commit `paths` (NUL-separated) as `git commit --only` would, through a temporary index, and move the
    /// branch with `git update-ref NEW OLD`: a compare-and-swap against `basis` (or HEAD as read here), so a
    /// commit made meanwhile by anyone is never written over. (`git add` and `git commit` of 25,000 paths also
    /// took 14 s of CPU, matching each file against each pathspec, where `git update-index` takes 0.2 s.)
    fn commit_paths(
        &self,
        path_list: Vec<u8>,
        message_file: &str,
        author: &str,
        basis: Option<&str>,
    ) -> Result<Option<String>, WorkspaceError> {
        let scratch = tempfile::tempdir().map_err(|source| WorkspaceError::Io { path: self.dir.clone(), source })?;
        let index = scratch.path().join("index").to_string_lossy().into_owned();
        let git = |args: &[&str], input: Option<Vec<u8>>| {
            let mut git =
                crate::gitcli::Git::new(&self.dir).author(author).no_maintenance().env("GIT_INDEX_FILE", &index);
            if let Some(input) = input {
                git = git.stdin(input);
            }
            git.run(args)
        };
        let head = match basis {
            Some(basis) => Some(basis.to_owned()),
            None => self.git(&["rev-parse", "--verify", "--quiet", "HEAD"], author).ok().filter(|h| !h.is_empty()),
        };
        let head_tree = match &head {
            Some(head) => {
                git(&["read-tree", head], None)?;
                Some(self.git(&["rev-parse", &format!("{head}^{{tree}}")], author)?)
            }
            None => None,
        };
        let stage = ["update-index", "--add", "--remove", "-z", "--stdin"];
        git(&stage, Some(path_list.clone()))?;
        let tree = git(&["write-tree"], None)?;
        // A clean filter (eol, a .gitattributes driver) may make the staged content HEAD's after all.
        if head_tree.as_deref() == Some(tree.as_str()) {
            return Ok(None);
        }
        let parent: Vec<&str> = head.iter().flat_map(|h| ["-p", h.as_str()]).collect();
        let commit = git(&[&["commit-tree", &tree][..], &parent, &["-F", message_file]].concat(), None)?;
        // The user's index is locked from before the branch moves until it holds these paths as committed: a
        // person's `git commit` in between would take the old bot files in the index for a revert of the bot
        // commit. Their git waits, or says the index is locked and they run it again; whatever else they staged
        // stays staged.
        let index_path = self.dir.join(self.git(&["rev-parse", "--git-path", "index"], author)?);
        let lock = IndexLock::acquire(&index_path)?;
        // Moves the branch only if it is still where the tree was read from (the empty id: still unborn).
        let old = head.clone().unwrap_or_default();
        if let Err(e) = self.git(&["update-ref", "-m", "paved: bot commit", "HEAD", &commit, &old], author) {
            drop(lock);
            return match self.head().ok().flatten() {
                Some(found) if found != old => {
                    // The files were written for a commit that did not land: put back what the branch now holds,
                    // or a plan of the new commit would find nothing to do while the work tree still differs.
                    let paths: Vec<String> = path_list
                        .split(|b| *b == 0)
                        .filter(|p| !p.is_empty())
                        .map(|p| String::from_utf8_lossy(p).into_owned())
                        .collect();
                    self.restore(&paths.iter().map(String::as_str).collect::<Vec<_>>(), author)?;
                    Err(WorkspaceError::Moved { expected: old, found })
                }
                _ => Err(e),
            };
        }
        // The user's index, staged in a copy (the real one is locked) and put in place through the lock.
        let user_index = scratch.path().join("user-index");
        if index_path.exists() {
            std::fs::copy(&index_path, &user_index)
                .map_err(|source| WorkspaceError::Io { path: index_path.clone(), source })?;
        }
        let user_index_arg = user_index.to_string_lossy().into_owned();
        crate::gitcli::Git::new(&self.dir)
            .author(author)
            .no_maintenance()
            .env("GIT_INDEX_FILE", &user_index_arg)
            .stdin(path_list)
            .run(&stage)?;
        lock.commit(&user_index)?;
        Ok(Some(commit))
    }

    /// The new files' contents as one pack: `update-index` then finds each blob present instead of writing it
    /// as a loose object (a file, a rename and often a directory each: 26,000 of them for a first reconcile of
    /// 10,000 services). A clean filter that changes a file's bytes makes git write that blob itself, as before.
    fn pack_blobs(&self, changes: &[FileChange]) -> Result<crate::forge::pack::Written, WorkspaceError> {
        let io = |e: &dyn std::fmt::Display| WorkspaceError::Io {
            path: self.dir.clone(),
            source: std::io::Error::other(e.to_string()),
        };
        let repo = gix::open(&self.dir).map_err(|e| io(&e))?;
        let mut blobs: Vec<_> = changes
            .iter()
            .filter_map(|c| match c {
                FileChange::Write { after, .. } => {
                    Some((blob_id(after.as_bytes()), gix::objs::Kind::Blob, after.as_bytes().to_vec()))
                }
                FileChange::Delete { .. } => None,
            })
            .collect();
        // Files with the same content are one object, and a pack holds each object once.
        blobs.sort_unstable_by_key(|(id, ..)| *id);
        blobs.dedup_by_key(|(id, ..)| *id);
        crate::forge::pack::write(&repo, blobs).map_err(|e| io(&e))
    }

    /// Every change to `audit/` must keep what HEAD holds there as its beginning: a record is never changed,
    /// removed or reordered once committed, whichever code path asks for the commit.
    fn refuse_audit_rewrites(&self, changes: &[FileChange]) -> Result<(), WorkspaceError> {
        let audit: Vec<&FileChange> = changes.iter().filter(|c| c.path().starts_with("audit/")).collect();
        if audit.is_empty() {
            return Ok(());
        }
        let paths: Vec<&str> = audit.iter().map(|c| c.path()).collect();
        let at_head = self.head_blobs(&paths)?;
        let repo = gix::open(&self.dir)
            .map_err(|e| WorkspaceError::Io { path: self.dir.clone(), source: std::io::Error::other(e) })?;
        for change in audit {
            let Some(id) = at_head.get(change.path()) else { continue };
            let held = repo
                .find_object(*id)
                .map_err(|e| WorkspaceError::Io { path: self.dir.clone(), source: std::io::Error::other(e) })?
                .detach()
                .data;
            let appends = matches!(change, FileChange::Write { after, .. } if after.as_bytes().starts_with(&held));
            if !appends {
                return Err(WorkspaceError::NotAppend(change.path().to_owned()));
            }
        }
        Ok(())
    }

    /// The blob id HEAD has at each of `paths` that it has (none on an unborn branch).
    /// Make `paths` in the work tree what HEAD holds (removed where HEAD has none).
    fn restore(&self, paths: &[&str], author: &str) -> Result<(), WorkspaceError> {
        let at_head = self.head_blobs(paths)?;
        let (kept, gone): (Vec<&str>, Vec<&str>) = paths.iter().partition(|p| at_head.contains_key(*p));
        for path in gone {
            let file = self.dir.join(path);
            if let Err(source) = std::fs::remove_file(&file)
                && source.kind() != std::io::ErrorKind::NotFound
            {
                return Err(WorkspaceError::Io { path: file, source });
            }
        }
        if !kept.is_empty() {
            let list: Vec<u8> = kept.iter().flat_map(|p| p.bytes().chain([0])).collect();
            self.git_with_input(&["checkout", "HEAD", "--pathspec-from-file=-", "--pathspec-file-nul"], author, list)?;
        }
        Ok(())
    }

    fn head_blobs<'p>(&self, paths: &[&'p str]) -> Result<HashMap<&'p str, gix::ObjectId>, WorkspaceError> {
        let io = |e: &dyn std::fmt::Display| WorkspaceError::Io {
            path: self.dir.clone(),
            source: std::io::Error::other(e.to_string()),
        };
        let repo = gix::open(&self.dir).map_err(|e| io(&e))?;
        let Ok(commit) = repo.head_commit() else { return Ok(HashMap::new()) };
        let tree = commit.tree().map_err(|e| io(&e))?;
        let mut found = HashMap::new();
        for path in paths {
            if let Some(entry) = tree.lookup_entry_by_path(path).map_err(|e| io(&e))?
                && entry.mode().is_blob()
            {
                found.insert(*path, entry.object_id());
            }
        }
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn git(dir: &Path, args: &[&str]) -> String {
        crate::gitcli::Git::new(dir).author("test").run(args).expect("git")
    }

    fn write(path: &str, after: &str) -> FileChange {
        FileChange::Write { path: path.to_owned(), before: None, after: after.to_owned() }
    }

    /// The platform lock of the test repo at `root` (its state kept in `.git`, out of the work tree).
    fn lease(root: &Path) -> Lease {
        crate::lock::lease_for_tests(&root.join(".git/paved-state"))
    }

    /// A work tree on `main` whose one commit holds `platform.yaml`.
    fn repo_with_one_commit() -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("tempdir");
        git(dir.path(), &["init", "-q", "-b", "main"]);
        std::fs::write(dir.path().join("platform.yaml"), "x\n").expect("write");
        git(dir.path(), &["add", "--all"]);
        git(dir.path(), &["commit", "-q", "-m", "one"]);
        dir
    }

    #[test]
    fn a_bot_commit_only_appends_to_the_audit_log() {
        let dir = repo_with_one_commit();
        let root = dir.path();
        let lease = lease(root);
        let ws = GitWorktree { dir: root.to_path_buf(), _lease: &lease };
        ws.commit(&[write("audit/2026-12.jsonl", "{\"a\":1}\n")], "bot", "paved", None).expect("first record");
        ws.commit(&[write("audit/2026-12.jsonl", "{\"a\":1}\n{\"b\":2}\n")], "bot", "paved", None).expect("append");
        let rewrite = ws.commit(&[write("audit/2026-12.jsonl", "{\"a\":9}\n{\"b\":2}\n")], "bot", "paved", None);
        assert!(matches!(rewrite, Err(WorkspaceError::NotAppend(_))), "{rewrite:?}");
        let delete = FileChange::Delete { path: "audit/2026-12.jsonl".into(), before: String::new() };
        assert!(matches!(ws.commit(&[delete], "bot", "paved", None), Err(WorkspaceError::NotAppend(_))));
        let kept = std::fs::read_to_string(root.join("audit/2026-12.jsonl")).expect("audit");
        assert_eq!(kept, "{\"a\":1}\n{\"b\":2}\n", "nothing was written");
    }

    #[test]
    fn a_bot_commit_moves_the_branch_only_from_the_commit_it_was_planned_on() {
        let dir = repo_with_one_commit();
        let root = dir.path();
        let planned_on = git(root, &["rev-parse", "HEAD"]);
        std::fs::write(root.join("platform.yaml"), "y\n").expect("write");
        git(root, &["commit", "-q", "-am", "someone else's commit"]);
        let theirs = git(root, &["rev-parse", "HEAD"]);
        let lease = lease(root);
        let ws = GitWorktree { dir: root.to_path_buf(), _lease: &lease };
        let stale = ws.commit(&[write("status/a.yaml", "a: 1\n")], "bot", "paved", Some(&planned_on));
        assert!(matches!(stale, Err(WorkspaceError::Moved { ref found, .. }) if *found == theirs), "{stale:?}");
        assert_eq!(git(root, &["rev-parse", "HEAD"]), theirs, "their commit stays");
        assert!(!root.join("status/a.yaml").exists(), "nothing written from a stale plan");
        let made = ws.commit(&[write("status/a.yaml", "a: 1\n")], "bot", "paved", Some(&theirs)).expect("current");
        assert_eq!(git(root, &["rev-parse", "HEAD^"]), theirs);
        assert_eq!(made.as_deref(), Some(git(root, &["rev-parse", "HEAD"]).as_str()));
    }

    #[test]
    fn bot_commits_take_only_their_paths_and_skip_what_head_already_has() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        git(root, &["init", "-q", "-b", "main"]);
        std::fs::create_dir_all(root.join("status")).expect("mkdir");
        std::fs::write(root.join("status/a.yaml"), "a: 1\n").expect("write");
        std::fs::write(root.join("platform.yaml"), "x\n").expect("write");
        git(root, &["add", "-A"]);
        git(root, &["commit", "-q", "-m", "init"]);
        // The user has staged something of their own.
        std::fs::write(root.join("platform.yaml"), "y\n").expect("write");
        git(root, &["add", "platform.yaml"]);
        let lease = lease(root);
        let ws = GitWorktree { dir: root.to_path_buf(), _lease: &lease };
        let before = ws.head().expect("head");

        let changes = [write("status/a.yaml", "a: 2\n"), write("status/b.yaml", "b: 1\n")];
        let made = ws.commit(&changes, "bot", "paved", None).expect("committed");
        assert!(made.is_some() && made != before, "a tracked change and a new file make one commit");
        assert_eq!(git(root, &["show", "--name-only", "--format=", "HEAD"]), "status/a.yaml\nstatus/b.yaml");
        assert_eq!(git(root, &["diff", "--cached", "--name-only"]), "platform.yaml", "the user's change stays staged");

        assert_eq!(
            ws.commit(&changes, "bot", "paved", None).expect("no-op"),
            None,
            "what HEAD has is not committed again"
        );
        let delete = [FileChange::Delete { path: "status/b.yaml".to_owned(), before: "b: 1\n".to_owned() }];
        assert!(ws.commit(&delete, "bot", "paved", None).expect("deleted").is_some());
        assert_eq!(git(root, &["ls-files", "status"]), "status/a.yaml");
        assert_eq!(ws.commit(&delete, "bot", "paved", None).expect("no-op"), None, "deleting what is gone is nothing");
        assert_eq!(git(root, &["status", "--porcelain", "status"]), "", "index and work tree agree with HEAD");
    }

    #[test]
    fn a_bot_commit_of_thousands_of_files_is_linear_and_takes_only_its_paths() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        let lease = lease(root);
        let ws = GitWorktree { dir: root.to_path_buf(), _lease: &lease };
        git(root, &["init", "-q", "-b", "main"]);
        // 3,000 paths and a 300 KB message: over the kernel's 128 KiB for one argument, as a first reconcile of a
        // few thousand entities makes them; first on an unborn branch (a repo with no commit yet).
        let path = |i: usize| format!("status/component/default/service-{i:05}.yaml");
        let mut changes: Vec<FileChange> = (0..3000).map(|i| write(&path(i), &format!("a: {i}\n"))).collect();
        let message = format!("bot\n\n{}", "status.write component:default/service: new entity\n".repeat(6000));
        let first = ws.commit(&changes, &message, "paved", None).expect("committed").expect("a commit");
        assert_eq!(git(root, &["show", "--name-only", "--format=", "HEAD"]).lines().count(), 3000);
        assert_eq!(git(root, &["log", "-1", "--format=%B"]).len(), message.trim_end().len(), "the whole message");
        assert_eq!(git(root, &["log", "-1", "--format=%an"]), "paved");
        assert_eq!(git(root, &["status", "--porcelain"]), "", "index and work tree agree with the commit");
        let objects = git(root, &["count-objects", "-v"]);
        let loose: usize = objects.lines().find_map(|l| l.strip_prefix("count: ")?.parse().ok()).expect("count");
        assert!(loose < 10, "the 3,000 blobs went into one pack, only trees and the commit are loose: {objects}");

        // The user has staged a change of their own and left another unstaged.
        std::fs::write(root.join("platform.yaml"), "x\n").expect("write");
        git(root, &["add", "platform.yaml"]);
        std::fs::write(root.join("README.md"), "mine\n").expect("write");
        changes[0] = write(&path(0), "a: changed\n");
        changes[1] = FileChange::Delete { path: path(1), before: "a: 1\n".to_owned() };
        let second = ws.commit(&changes, "bot", "paved", None).expect("committed").expect("a commit");
        assert_eq!(git(root, &["rev-parse", "HEAD~1"]), first, "on top of the previous commit");
        assert_eq!(
            git(root, &["show", "--name-status", "--format=", "HEAD"]),
            format!("M\t{}\nD\t{}", path(0), path(1))
        );
        assert_eq!(
            git(root, &["status", "--porcelain"]),
            "A  platform.yaml\n?? README.md",
            "the user's changes stay as they were"
        );
        assert_eq!(ws.head().expect("head"), Some(second));
        assert_eq!(
            ws.commit(&changes, "bot", "paved", None).expect("no-op"),
            None,
            "what HEAD has is not committed again"
        );
    }
}
