//! Test harness: temporary platform repos and a `paved` command runner (after ripgrep's `Dir`/`TestCommand`).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The checkout root (where Cargo.toml is).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A file under `tests/fixtures/` (public documents kept in the repository; their sources and licences are in
/// its README.md). A missing fixture panics with its path.
pub fn fixture(rel: &str) -> PathBuf {
    let path = root().join("tests/fixtures").join(rel);
    assert!(path.is_file(), "missing test fixture {} (see tests/fixtures/README.md)", path.display());
    path
}

/// A path as a `&str` argument.
pub fn s(p: &Path) -> &str {
    p.to_str().expect("test paths are UTF-8")
}

/// A temporary directory removed on drop.
pub struct Dir {
    _tmp: tempfile::TempDir,
    /// The directory itself, or one directory inside the temporary one (whose siblings are private too).
    root: PathBuf,
}

impl Dir {
    pub fn new() -> Self {
        let tmp = tempfile::tempdir().expect("temp dir");
        Dir { root: tmp.path().to_path_buf(), _tmp: tmp }
    }
    /// A directory `name` inside a fresh temporary one: what it names as `../x` is private to the test.
    pub fn within(name: &str) -> Self {
        let tmp = tempfile::tempdir().expect("temp dir");
        Dir { root: tmp.path().join(name), _tmp: tmp }
    }
    pub fn path(&self) -> &Path {
        &self.root
    }
    pub fn join(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }
    /// Write `body` at `rel`, creating parents.
    pub fn write(&self, rel: &str, body: &str) -> &Self {
        let path = self.join(rel);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, body).expect("write");
        self
    }
}

/// Copy a directory tree, keeping symlinks as symlinks.
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    let status = Command::new("cp").arg("-a").arg(format!("{}/.", from.display())).arg(to).status().expect("cp");
    assert!(status.success(), "cp -a {} {}", from.display(), to.display());
}

/// A copy of the example platform repo (with the shipped paths/ and modules/) in a fresh directory, without
/// its PostgreSQL and NATS servers: its database and queue requests are Blocked, so tests that are not about
/// provisioning never touch (or race on) shared services.
pub fn example_copy() -> Dir {
    let dir = example_copy_with_services();
    let path = dir.join("platform.yaml");
    let text = std::fs::read_to_string(&path).expect("platform.yaml");
    let kept: Vec<&str> = text
        .lines()
        .filter(|l| !l.trim_start().starts_with("postgres:") && !l.trim_start().starts_with("nats:"))
        .collect();
    std::fs::write(&path, kept.join("\n") + "\n").expect("write platform.yaml");
    dir
}

/// A copy of the example platform repo that provisions on the machine's real services. It lies in a directory of
/// its own, so the local forge it names (`../forge`) is the test's alone: reconciles write to it.
pub fn example_copy_with_services() -> Dir {
    let dir = Dir::within("platform");
    copy_tree(&root().join("platform-repo-example"), dir.path());
    dir
}

/// Release feature-flag 2.0.0 in the platform repo at `repo`: a breaking version whose migration renames
/// `description` to `summary`. (The migration's text is part of the module migration PR, and so of its action id.)
pub fn release_feature_flag_2(repo: &Path) {
    let module = repo.join("modules/feature-flag/module.yaml");
    let text = std::fs::read_to_string(&module).expect("module.yaml");
    let text = text.replacen("version: 1.0.0", "version: 2.0.0", 1).replace("name: description", "name: summary");
    let text = format!(
        "{}\n  migrations:\n    - from: 1\n      to: 2\n      description: summary now\n      renameParameters:\n        description: summary\n",
        text.trim_end()
    );
    std::fs::write(&module, text).expect("write");
}

/// Run git in `dir`, panicking on failure; returns stdout.
pub fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["-c", "user.name=Test", "-c", "user.email=test@example.com", "-c", "commit.gpgsign=false"])
        .args(args)
        .output()
        .expect("git runs");
    assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// Commit everything as `email` at `date` (author and committer), so git history is part of the fixture.
pub fn commit_at(dir: &Path, email: &str, date: &str, message: &str) {
    for args in [&["add", "--all"][..], &["commit", "--quiet", "--allow-empty", "-m", message]] {
        let out = Command::new("git")
            .arg("-C")
            .arg(dir)
            .args(["-c", &format!("user.email={email}"), "-c", "user.name=Dev", "-c", "commit.gpgsign=false"])
            .args(args)
            .env("GIT_AUTHOR_DATE", date)
            .env("GIT_COMMITTER_DATE", date)
            .output()
            .expect("git runs");
        assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    }
}

/// Make `dir` a git repo with everything committed.
pub fn git_init_commit(dir: &Path) {
    git(dir, &["init", "--quiet", "--initial-branch=main"]);
    git(dir, &["add", "--all"]);
    git(dir, &["commit", "--quiet", "-m", "initial"]);
}

/// Held by every test that runs `paved demo`: the demo is the example platform `acme` on the machine's real
/// PostgreSQL and NATS, so two at once would provision the same databases and streams.
pub fn demo_lock() -> std::sync::MutexGuard<'static, ()> {
    static DEMO: std::sync::Mutex<()> = std::sync::Mutex::new(());
    DEMO.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// `paved` with a clean environment: no `PAVED_*` variables leak in from the developer's shell.
pub struct Paved {
    cmd: Command,
}

impl Paved {
    pub fn new(args: &[&str]) -> Self {
        Self::of(Path::new(env!("CARGO_BIN_EXE_paved")), args)
    }
    /// Another build of paved (an older release, to compare with).
    pub fn of(binary: &Path, args: &[&str]) -> Self {
        let mut cmd = Command::new(binary);
        for (k, _) in std::env::vars() {
            if k.starts_with("PAVED_") {
                cmd.env_remove(k);
            }
        }
        cmd.args(args);
        Paved { cmd }
    }
    /// paved's command line with `args`, run in a child process that stops at crash point `point` (see
    /// `crash.rs`), as `kill -9` would stop paved there.
    pub fn crashing_at(point: &str, args: &[&str]) -> Self {
        let me = std::env::current_exe().expect("the test binary");
        let mut paved = Self::of(&me, &["--exact", "crash::child", "--ignored", "--nocapture", "--test-threads=1"]);
        paved.cmd.env(crate::crash::CRASH_AT, point).env(crate::crash::ARGS, args.join(&crate::crash::SEP.to_string()));
        paved
    }
    pub fn env(mut self, k: &str, v: &str) -> Self {
        self.cmd.env(k, v);
        self
    }
    /// Run from `dir`, as a person who `cd`'d there would, so relative paths are read from it.
    pub fn current_dir(mut self, dir: &Path) -> Self {
        self.cmd.current_dir(dir);
        self
    }
    /// Start without waiting (the daemon); stdout and stderr go to `log`, shown by tests when they fail.
    pub fn spawn(mut self, log: &Path) -> std::process::Child {
        let out = std::fs::File::create(log).expect("log file");
        let err = out.try_clone().expect("log file");
        self.cmd.stdout(out).stderr(err).spawn().expect("paved starts")
    }
    pub fn run(mut self) -> Run {
        let out = self.cmd.output().expect("paved runs");
        Run(out)
    }
}

pub struct Run(pub Output);

impl Run {
    pub fn code(&self) -> i32 {
        self.0.status.code().unwrap_or(-1)
    }
    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.0.stdout).into_owned()
    }
    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.0.stderr).into_owned()
    }
    /// Assert the exit code, showing both streams when it differs.
    pub fn expect_code(self, code: i32) -> Self {
        assert_eq!(self.code(), code, "exit code\n--- stdout\n{}\n--- stderr\n{}", self.stdout(), self.stderr());
        self
    }
    /// Reconcile succeeded, or failed only because a shared service was missing on this laptop (outside CI).
    pub fn run_ok_or_blocked(self) -> Self {
        if self.code() != 0 && std::env::var("CI").as_deref() != Ok("true") {
            eprintln!("note: reconcile exited {} (a service may be missing): {}", self.code(), self.stderr());
            return self;
        }
        self.expect_code(0)
    }
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout()).unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", self.stdout()))
    }
}
