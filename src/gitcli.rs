//! The one runner of the `git` CLI, for what paved does not do with gix: fetch and push (gix is built here
//! without network transports), commits in a user's work tree (the CLI keeps index and work tree in step), and
//! `merge-tree`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

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
    stdin: Option<Vec<u8>>,
}

impl<'a> Git<'a> {
    pub fn new(dir: &'a Path) -> Self {
        Git { dir, config: Vec::new(), env: Vec::new(), stdin: None }
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

    /// Feed `input` to git's stdin: for what must not go on the command line (a commit message or a pathspec
    /// list can exceed the kernel's 128 KiB limit for one argument, or the whole argument list's).
    pub fn stdin(mut self, input: Vec<u8>) -> Self {
        self.stdin = Some(input);
        self
    }

    /// Run `git <args>` and return its stdout, trimmed.
    pub fn run(&self, args: &[&str]) -> Result<String, Error> {
        let mut cmd = Command::new("git");
        cmd.arg("-C").arg(self.dir);
        for c in &self.config {
            cmd.args(["-c", c]);
        }
        cmd.args(args).env("GIT_TERMINAL_PROMPT", "0").envs(self.env.iter().map(|(k, v)| (k, v)));
        let spawn_error = |source| Error::Spawn { dir: self.dir.to_path_buf(), source };
        let out = match &self.stdin {
            None => cmd.stdin(Stdio::null()).output().map_err(spawn_error)?,
            Some(input) => {
                let mut child = cmd
                    .stdin(Stdio::piped())
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .spawn()
                    .map_err(spawn_error)?;
                // Written from a thread: git may fill its stdout pipe before it has read all of its input.
                let mut pipe = child.stdin.take().expect("stdin is piped");
                let input = input.clone();
                let writer = std::thread::spawn(move || pipe.write_all(&input));
                let out = child.wait_with_output().map_err(spawn_error)?;
                // A git that exits without reading everything closes the pipe: its own error explains more.
                let _ = writer.join();
                out
            }
        };
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

/// Stage everything in the work tree `dir` and commit it as `name <email>`, unsigned: a new repo's first commit
/// (`paved init`, the demo's repos).
pub fn commit_all(dir: &Path, name: &str, email: &str, message: &str) -> Result<(), Error> {
    git(dir, &["add", "--all"])?;
    let (name, email) = (format!("user.name={name}"), format!("user.email={email}"));
    git(dir, &["-c", &name, "-c", &email, "-c", "commit.gpgsign=false", "commit", "--quiet", "-m", message])?;
    Ok(())
}
