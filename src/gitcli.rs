//! The one runner of the `git` CLI, for what paved does not do with gix: fetch and push (gix is built here
//! without network transports), commits in a user's work tree (the CLI keeps index and work tree in step), and
//! `merge-tree`.

use std::path::{Path, PathBuf};
use std::process::Command;

/// A git command that could not run or failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot run git in {dir}: {source}")]
    Spawn { dir: PathBuf, source: std::io::Error },
    #[error("git {args} (in {dir}): {stderr}")]
    Failed { dir: PathBuf, args: String, stderr: String },
}

/// A git invocation in one directory: `Git::new(dir).author("paved").run(&["commit", …])`.
#[derive(Debug, Clone)]
pub struct Git<'a> {
    dir: &'a Path,
    config: Vec<String>,
    env: Vec<(&'static str, String)>,
}

impl<'a> Git<'a> {
    pub fn new(dir: &'a Path) -> Self {
        Git { dir, config: Vec::new(), env: Vec::new() }
    }

    /// Commits and tags made by this command are by `author` (`<author>@paved.local`) and unsigned.
    pub fn author(mut self, author: &str) -> Self {
        self.config.extend([
            format!("user.name={author}"),
            format!("user.email={author}@paved.local"),
            "commit.gpgSign=false".to_owned(),
            "tag.gpgSign=false".to_owned(),
        ]);
        self
    }

    /// No background maintenance or gc after this command: for scratch repos that live for one operation, and
    /// for bot commits in a work tree whose next fetch runs it anyway.
    pub fn no_maintenance(mut self) -> Self {
        self.config.extend(["maintenance.auto=false".to_owned(), "gc.auto=0".to_owned()]);
        self
    }

    pub fn env(mut self, key: &'static str, value: impl Into<String>) -> Self {
        self.env.push((key, value.into()));
        self
    }

    /// Run `git <args>` and return its stdout, trimmed.
    pub fn run(&self, args: &[&str]) -> Result<String, Error> {
        let mut cmd = Command::new("git");
        cmd.arg("-C").arg(self.dir);
        for c in &self.config {
            cmd.args(["-c", c]);
        }
        let out = cmd
            .args(args)
            .env("GIT_TERMINAL_PROMPT", "0")
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .output()
            .map_err(|source| Error::Spawn { dir: self.dir.to_path_buf(), source })?;
        if !out.status.success() {
            return Err(Error::Failed {
                dir: self.dir.to_path_buf(),
                args: args.join(" "),
                stderr: String::from_utf8_lossy(&out.stderr).trim().to_owned(),
            });
        }
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
    }
}

/// `git -C dir args…`, trimmed stdout.
pub fn git(dir: &Path, args: &[&str]) -> Result<String, Error> {
    Git::new(dir).run(args)
}
