//! The filesystem trigger: a debounced, recursive watch of the platform work tree (notify with
//! notify-debouncer-full) that asks for a pass when a file that could matter changes.
//!
//! What counts: any file outside `.git/` and outside the bot-owned paths (paved's own writes must trigger
//! nothing, design rule 6) and outside paved's state directory `.paved/`, plus the local git refs (`.git/HEAD`, `.git/refs/heads/**`, `.git/packed-refs`),
//! because a commit changes only `.git/` and paved reconciles commits. Objects, the index, logs, lock files and
//! remote-tracking refs (a fetch) do not count.

use globset::{Glob, GlobSet, GlobSetBuilder};
use notify::RecursiveMode;
use notify::event::{AccessKind, AccessMode, EventKind};
use notify_debouncer_full::{DebounceEventResult, Debouncer, RecommendedCache, new_debouncer};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The error returned by [`watch`].
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot watch {path}: {source}")]
    Notify { path: PathBuf, source: notify::Error },
    #[error("cannot watch {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
}

/// Decides which changed paths (relative to the work tree, `/`-separated) ask for a pass.
#[derive(Debug, Clone)]
pub struct Filter {
    ignore: GlobSet,
    git_refs: GlobSet,
    bot_owned: GlobSet,
}

impl Default for Filter {
    fn default() -> Self {
        Self::new()
    }
}

impl Filter {
    pub fn new() -> Self {
        let set = |globs: &[&str]| {
            let mut b = GlobSetBuilder::new();
            for g in globs {
                b.add(Glob::new(g).expect("the watch globs are valid"));
            }
            b.build().expect("the watch globs are valid")
        };
        Filter {
            // `.paved/` is paved's own state directory (provisioning state), never part of the desired state.
            ignore: set(&[".paved", ".paved/**", "**/*.paved-tmp", "**/*.lock", "**/*~", "**/.*.swp"]),
            git_refs: set(&[".git/HEAD", ".git/refs/heads/**", ".git/packed-refs"]),
            bot_owned: crate::model::bot_owned_matcher(),
        }
    }

    /// Whether a change of `rel` asks for a pass.
    pub fn matters(&self, rel: &str) -> bool {
        if self.ignore.is_match(rel) {
            return false;
        }
        if rel == ".git" || rel.starts_with(".git/") {
            return self.git_refs.is_match(rel);
        }
        !self.bot_owned.is_match(rel)
    }
}

impl Filter {
    /// Whether an event about the directory `rel` itself asks for a pass: when files in it could matter. (Files
    /// written into a directory just created can be missed by the watch, so a new directory counts; `status`
    /// being modified because paved wrote into it does not.)
    pub fn dir_matters(&self, rel: &str) -> bool {
        self.matters(&format!("{rel}/x.md"))
    }
}

/// A running watch; dropping it stops watching.
pub struct Watch {
    _debouncer: Debouncer<notify::RecommendedWatcher, RecommendedCache>,
}

/// Watch the platform work tree `root` recursively; after each debounced batch with at least one change that
/// [`Filter::matters`], call `on_change` once (from the watcher's thread) with the first such path (directories:
/// see [`Filter::dir_matters`]).
///
/// # Errors
/// When `root` cannot be resolved or watched (missing, or out of inotify watches).
pub fn watch(root: &Path, debounce: Duration, on_change: impl Fn(&str) + Send + 'static) -> Result<Watch, Error> {
    let filter = Filter::new();
    let matters = move |rel: &str, is_dir: bool| if is_dir { filter.dir_matters(rel) } else { filter.matters(rel) };
    watch_with(root, debounce, matters, on_change)
}

/// Does an event of this kind change anything? Opening, reading and closing a file unwritten do not: inotify
/// reports every read of `.git/HEAD` (paved's own included), and reacting to them kept an idle daemon busy.
pub fn is_change(kind: &EventKind) -> bool {
    match kind {
        EventKind::Access(AccessKind::Close(AccessMode::Write)) => true,
        EventKind::Access(_) => false,
        _ => true,
    }
}

/// Watch `root` recursively; after each debounced batch with at least one change ([`is_change`]) of a path
/// (relative to `root`, `/`-separated) that `matters(rel, is_dir)`, call `on_change` once with the first one.
///
/// # Errors
/// When `root` cannot be resolved or watched (missing, or out of inotify watches).
pub fn watch_with(
    root: &Path,
    debounce: Duration,
    matters: impl Fn(&str, bool) -> bool + Send + 'static,
    on_change: impl Fn(&str) + Send + 'static,
) -> Result<Watch, Error> {
    // notify reports resolved paths; resolve the root the same way so prefixes match.
    let root = root.canonicalize().map_err(|source| Error::Io { path: root.to_path_buf(), source })?;
    let base = root.clone();
    let handler = move |result: DebounceEventResult| match result {
        Ok(events) => {
            let first = events.iter().filter(|e| is_change(&e.kind)).flat_map(|e| e.paths.iter()).find_map(|p| {
                let rel = p.strip_prefix(&base).ok()?.to_str()?.replace(std::path::MAIN_SEPARATOR, "/");
                matters(&rel, p.is_dir()).then_some(rel)
            });
            if let Some(rel) = first {
                on_change(&rel);
            }
        }
        Err(errors) => {
            for e in errors {
                tracing::warn!(error = %e, "file watch error");
            }
        }
    };
    let mut debouncer =
        new_debouncer(debounce, None, handler).map_err(|source| Error::Notify { path: root.clone(), source })?;
    debouncer.watch(&root, RecursiveMode::Recursive).map_err(|source| Error::Notify { path: root.clone(), source })?;
    Ok(Watch { _debouncer: debouncer })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_filter_keeps_sources_and_refs_and_drops_bot_paths_and_git_internals() {
        let f = Filter::new();
        for rel in ["requests/payments/db.yaml", "catalog/teams.yaml", ".git/HEAD", ".git/refs/heads/main"] {
            assert!(f.matters(rel), "{rel}");
        }
        for rel in [
            "status/component/default/a.yaml",
            "audit/2026-11.jsonl",
            "scorecards/summary.md",
            ".git/objects/ab/cdef",
            ".git/index",
            ".git/logs/HEAD",
            ".git/refs/heads/main.lock",
            ".git/refs/remotes/origin/main",
            "status/.a.yaml.paved-tmp",
            ".paved/state/postgres/acme.json",
        ] {
            assert!(!f.matters(rel), "{rel}");
        }
        assert!(f.matters("scorecards/production-readiness.yaml"), "scorecard rules are sources");
        assert!(f.dir_matters("requests/payments") && f.dir_matters(".git/refs/heads"));
        assert!(!f.dir_matters(".git/refs/remotes/origin"));
        assert!(!f.dir_matters("status") && !f.dir_matters("scorecards/teams") && !f.dir_matters(".git/objects/ab"));
    }

    #[test]
    fn reads_are_not_changes_and_writes_are() {
        use notify::event::{CreateKind, ModifyKind};
        assert!(!is_change(&EventKind::Access(AccessKind::Open(AccessMode::Any))));
        assert!(!is_change(&EventKind::Access(AccessKind::Close(AccessMode::Read))));
        assert!(is_change(&EventKind::Access(AccessKind::Close(AccessMode::Write))));
        assert!(is_change(&EventKind::Create(CreateKind::File)));
        assert!(is_change(&EventKind::Modify(ModifyKind::Any)));
    }

    #[test]
    fn reading_a_watched_file_calls_nothing_back() {
        let dir = tempfile::tempdir().expect("tmp");
        std::fs::create_dir_all(dir.path().join(".git")).expect("mkdir");
        std::fs::write(dir.path().join(".git/HEAD"), "ref: refs/heads/main\n").expect("write");
        let (tx, rx) = std::sync::mpsc::channel();
        let _w = watch(dir.path(), Duration::from_millis(100), move |rel| {
            tx.send(rel.to_owned()).expect("test listens");
        })
        .expect("watch");
        for _ in 0..5 {
            std::fs::read_to_string(dir.path().join(".git/HEAD")).expect("read");
        }
        if let Ok(rel) = rx.recv_timeout(Duration::from_millis(800)) {
            panic!("a read triggered: {rel}");
        }
    }

    #[test]
    fn a_change_in_the_tree_calls_back_and_a_bot_write_does_not() {
        let dir = tempfile::tempdir().expect("tmp");
        std::fs::create_dir_all(dir.path().join("status")).expect("mkdir");
        let (tx, rx) = std::sync::mpsc::channel();
        let _w = watch(dir.path(), Duration::from_millis(100), move |rel| {
            tx.send(rel.to_owned()).expect("test listens");
        })
        .expect("watch");
        std::fs::write(dir.path().join("status/x.yaml"), "a").expect("write");
        if let Ok(rel) = rx.recv_timeout(Duration::from_millis(800)) {
            panic!("bot-owned write triggered: {rel}");
        }
        std::fs::create_dir_all(dir.path().join("requests/t")).expect("mkdir");
        std::fs::write(dir.path().join("requests/t/db.yaml"), "a").expect("write");
        let got = rx.recv_timeout(Duration::from_secs(5)).expect("a change is reported");
        assert!(got.starts_with("requests"), "{got}");
    }
}
