//! One writer per platform: the lock every run that writes the platform repo or its state holds from before it
//! observes until its bot commit, audit records and push are done (design rule 8).
//!
//! [`PlatformLock`] is the interface; [`FileLock`] is the local implementation, an advisory `flock(2)` on a file
//! in the platform's state directory. The kernel drops it when its process ends, however it ends, so a lock left by
//! a dead process is simply free: there is nothing stale to break. Each acquisition bumps a counter kept in the
//! file, the lease's fencing token. A distributed implementation (a NATS JetStream KV lease whose revision is the
//! token) can stand behind the same interface.

use std::io::{Read, Seek, Write};
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// How long a second writer waits by default before giving up.
pub const DEFAULT_WAIT: Duration = Duration::from_secs(60);

/// The lock file's name inside the state directory.
pub const FILE_NAME: &str = "paved.lock";

/// Who holds a lock: what a waiting process shows, and what the error names when it gives up.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Holder {
    pub pid: u32,
    pub host: String,
    /// When it was taken (RFC 3339).
    pub since: String,
    /// The lease's fencing token: one more than the last holder's.
    pub fencing: u64,
}

impl std::fmt::Display for Holder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "pid {} on {}, since {}", self.pid, self.host, self.since)
    }
}

/// The error returned by [`PlatformLock::acquire`].
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(
        "another paved holds the platform lock {path} ({holder}); waited {waited:?}. Try again when it is done, \
         or wait longer with --lock-timeout"
    )]
    Busy { path: PathBuf, holder: String, waited: Duration },
    #[error("the platform lock {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
}

/// A held lock; released when dropped.
#[must_use = "the lock is released when the lease is dropped"]
pub struct Lease {
    fencing: u64,
    _held: Box<dyn Send>,
}

impl Lease {
    /// The fencing token: strictly greater than that of every earlier lease of the same lock.
    pub fn fencing(&self) -> u64 {
        self.fencing
    }
}

/// One writer at a time.
pub trait PlatformLock {
    /// Take the lock, waiting up to `wait` (zero: fail at once). `waiting` is told who holds it, once, when the
    /// lock is busy at the first try.
    ///
    /// # Errors
    /// [`Error::Busy`] when it is still held after `wait`; [`Error::Io`] when the lock cannot be made.
    fn acquire(&self, wait: Duration, waiting: &mut dyn FnMut(&Holder)) -> Result<Lease, Error>;
}

/// The local implementation: `flock(2)` on `<state>/paved.lock`.
pub struct FileLock {
    path: PathBuf,
}

impl FileLock {
    /// The lock of the platform whose state directory is `state_dir` (created, mode 0700, if missing).
    pub fn in_state_dir(state_dir: &Path) -> Self {
        FileLock { path: state_dir.join(FILE_NAME) }
    }

    fn holder(file: &mut std::fs::File) -> Holder {
        let mut text = String::new();
        let _ = file.rewind().and_then(|_| file.read_to_string(&mut text));
        serde_json::from_str(&text).unwrap_or_default()
    }
}

fn try_flock(file: &std::fs::File) -> std::io::Result<bool> {
    // SAFETY: flock on a file descriptor this function borrows for the call; no memory is shared.
    if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } == 0 {
        return Ok(true);
    }
    let e = std::io::Error::last_os_error();
    if e.kind() == std::io::ErrorKind::WouldBlock { Ok(false) } else { Err(e) }
}

fn host_name() -> String {
    let mut buf = [0u8; 256];
    // SAFETY: gethostname writes at most `buf.len()` bytes into the buffer it is given.
    let ok = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) } == 0;
    let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    if ok { String::from_utf8_lossy(&buf[..end]).into_owned() } else { "unknown host".to_owned() }
}

impl PlatformLock for FileLock {
    fn acquire(&self, wait: Duration, waiting: &mut dyn FnMut(&Holder)) -> Result<Lease, Error> {
        use std::os::unix::fs::DirBuilderExt;
        let io = |source| Error::Io { path: self.path.clone(), source };
        let dir = self.path.parent().expect("the lock file is inside the state directory");
        std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir).map_err(io)?;
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&self.path)
            .map_err(io)?;
        let start = Instant::now();
        let mut told = false;
        while !try_flock(&file).map_err(io)? {
            if !told {
                waiting(&Self::holder(&mut file));
                told = true;
            }
            if start.elapsed() >= wait {
                let holder = Self::holder(&mut file);
                let holder = if holder.pid == 0 { "holder unknown".to_owned() } else { holder.to_string() };
                return Err(Error::Busy { path: self.path.clone(), holder, waited: wait });
            }
            std::thread::sleep(Duration::from_millis(100).min(wait.saturating_sub(start.elapsed())));
        }
        let holder = Holder {
            pid: std::process::id(),
            host: host_name(),
            since: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            fencing: Self::holder(&mut file).fencing + 1,
        };
        let text = serde_json::to_string(&holder).expect("a holder serializes");
        file.set_len(0).and_then(|_| file.rewind()).and_then(|_| file.write_all(text.as_bytes())).map_err(io)?;
        Ok(Lease { fencing: holder.fencing, _held: Box::new(file) })
    }
}

/// A lease on a lock in `state`, for unit tests that write a workspace (which takes one).
#[cfg(test)]
pub(crate) fn lease_for_tests(state: &Path) -> Lease {
    FileLock::in_state_dir(state).acquire(Duration::ZERO, &mut |_| panic!("a test's own lock is free")).expect("lock")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_writer_waits_then_is_told_who_holds_it_and_a_released_lock_is_free() {
        let tmp = tempfile::tempdir().expect("temp dir");
        let lock = FileLock::in_state_dir(&tmp.path().join("state"));
        let first = lock.acquire(Duration::ZERO, &mut |_| panic!("free")).expect("free lock");
        let mut seen = None;
        let busy = lock.acquire(Duration::from_millis(250), &mut |h| seen = Some(h.clone())).err().expect("busy");
        let holder = seen.expect("told who holds it");
        assert_eq!(holder.pid, std::process::id());
        assert!(busy.to_string().contains(&format!("pid {}", std::process::id())), "{busy}");
        let token = first.fencing();
        drop(first);
        let second = lock.acquire(Duration::ZERO, &mut |_| panic!("released")).expect("free again");
        assert!(second.fencing() > token, "fencing tokens only grow");
    }
}
