//! Where bot changes land: a git work tree (committed with the git CLI, which keeps index and work tree in step)
//! or a plain directory (files written in place).

use crate::plan::FileChange;
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
}

/// A place bot changes are written to.
pub trait Workspace {
    /// The commit bot changes will follow, `None` for a plain directory.
    fn head(&self) -> Result<Option<String>, WorkspaceError>;
    /// Write `changes` and record them; returns the new commit, if one was made.
    fn commit(&self, changes: &[FileChange], message: &str, author: &str) -> Result<Option<String>, WorkspaceError>;
}

/// Pick the workspace for a directory: a git work tree when `dir/.git` exists.
pub fn for_dir(dir: &Path) -> Box<dyn Workspace> {
    if dir.join(".git").exists() {
        Box::new(GitWorktree { dir: dir.to_path_buf() })
    } else {
        Box::new(PlainDir { dir: dir.to_path_buf() })
    }
}

/// Fault injection for crash-safety tests: abort the process (as `kill -9` would) at the named point when
/// `PAVED_TEST_CRASH_AT` names it. Costs one environment lookup per apply.
pub fn crash_point(name: &str) {
    if std::env::var("PAVED_TEST_CRASH_AT").is_ok_and(|v| v == name) {
        std::process::abort();
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
        crash_point("after-first-write");
    }
    Ok(())
}

/// A plain directory: files are written in place, nothing is committed.
pub struct PlainDir {
    pub dir: PathBuf,
}

impl Workspace for PlainDir {
    fn head(&self) -> Result<Option<String>, WorkspaceError> {
        Ok(None)
    }
    fn commit(&self, changes: &[FileChange], _message: &str, _author: &str) -> Result<Option<String>, WorkspaceError> {
        write_files(&self.dir, changes)?;
        Ok(None)
    }
}

/// A git work tree: files are written, staged and committed on the current branch.
pub struct GitWorktree {
    pub dir: PathBuf,
}

impl GitWorktree {
    fn git(&self, args: &[&str], author: &str) -> Result<String, WorkspaceError> {
        // No auto maintenance after a bot commit: the next fetch of the work tree runs it (`git fetch` does).
        Ok(crate::gitcli::Git::new(&self.dir).author(author).no_maintenance().run(args)?)
    }
}

impl Workspace for GitWorktree {
    fn head(&self) -> Result<Option<String>, WorkspaceError> {
        // In-process: this is asked on every apply and after every commit.
        let head = gix::open(&self.dir).and_then(|r| Ok(r.head_id()?.to_string()));
        head.map(Some).map_err(|e| WorkspaceError::Io { path: self.dir.clone(), source: std::io::Error::other(e) })
    }

    fn commit(&self, changes: &[FileChange], message: &str, author: &str) -> Result<Option<String>, WorkspaceError> {
        write_files(&self.dir, changes)?;
        crash_point("before-commit");
        let mut paths: Vec<&str> = changes.iter().map(FileChange::path).collect();
        paths.sort_unstable();
        paths.dedup();
        let mut add = vec!["add", "--all", "--"];
        add.extend(&paths);
        self.git(&add, author)?;
        // Only these paths: whatever else the user has staged stays staged and out of the bot commit.
        let mut diff = vec!["diff", "--cached", "--name-only", "--"];
        diff.extend(&paths);
        if self.git(&diff, author)?.is_empty() {
            return Ok(None);
        }
        let mut commit = vec!["commit", "--quiet", "--no-verify", "-m", message, "--"];
        commit.extend(&paths);
        self.git(&commit, author)?;
        self.head()
    }
}
