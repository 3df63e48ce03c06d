//! A small platform repo on disk, one per test thread, into which a property writes the one file it varies; and
//! the checks every load must pass: no panic, bounded memory, and every diagnostic located in a file of the repo.
//!
//! The repo holds the example's `platform.yaml`, its groups and users (the owners requests and entities name)
//! and two modules with a request of each: enough for requests and entities to resolve, small enough that a load
//! costs a few milliseconds in a debug build, so a property can afford hundreds of cases.

use crate::alloc::{LIMIT, within_memory};
use crate::mutate::{line_count, read};
use paved::diag::Diagnostics;
use paved::model::cache::ParseCache;
use paved::model::{LoadOptions, Loaded, load};
use paved::source::Snapshot;
use proptest::test_runner::TestCaseError;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::path::Path;

/// The files of the base repo, from the example.
pub const BASE: [&str; 7] = [
    "platform.yaml",
    "catalog/org/groups.yaml",
    "catalog/org/users.yaml",
    "modules/database/module.yaml",
    "modules/queue/module.yaml",
    "requests/payments/payments-db.yaml",
    "requests/payments/order-events-stream.yaml",
];

pub struct Repo {
    dir: tempfile::TempDir,
    /// The base files' content, to put back after a case replaced one.
    base: BTreeMap<String, Vec<u8>>,
}

thread_local! {
    static REPO: RefCell<Option<Repo>> = const { RefCell::new(None) };
}

impl Repo {
    fn new() -> Repo {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let mut base = BTreeMap::new();
        for rel in BASE {
            let bytes = read(&format!("platform-repo-example/{rel}"));
            write(dir.path(), rel, &bytes);
            base.insert(rel.to_owned(), bytes);
        }
        Repo { dir, base }
    }

    /// Run `f` on this thread's repo with `files` (path, content) written into it; they are removed (or the base
    /// file put back) afterwards, even when `f` panics.
    pub fn with<R>(files: &[(&str, &[u8])], f: impl FnOnce(&Path) -> R) -> R {
        REPO.with(|cell| {
            let mut slot = cell.borrow_mut();
            let repo: &Repo = slot.get_or_insert_with(Repo::new);
            struct Restore<'a>(&'a Repo, Vec<String>);
            impl Drop for Restore<'_> {
                fn drop(&mut self) {
                    for rel in &self.1 {
                        match self.0.base.get(rel) {
                            Some(bytes) => write(self.0.dir.path(), rel, bytes),
                            None => drop(std::fs::remove_file(self.0.dir.path().join(rel))),
                        }
                    }
                }
            }
            let _restore = Restore(repo, files.iter().map(|(rel, _)| (*rel).to_owned()).collect());
            for (rel, bytes) in files {
                write(repo.dir.path(), rel, bytes);
            }
            f(repo.dir.path())
        })
    }
}

fn write(root: &Path, rel: &str, bytes: &[u8]) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().expect("a file has a folder")).expect("create the folder");
    std::fs::write(&path, bytes).expect("write the file");
}

/// Load the repo at `dir` as `paved validate` does, within the memory bound.
pub fn load_within_memory(dir: &Path) -> Result<(Snapshot, Loaded), TestCaseError> {
    let snapshot = Snapshot::worktree(dir).map_err(|e| TestCaseError::fail(format!("listing the repo: {e}")))?;
    let loaded = within_memory(LIMIT, "loading the platform repo", || {
        load(&snapshot, &ParseCache::new(), &LoadOptions::default())
    })?;
    Ok((snapshot, loaded))
}

/// Every diagnostic names a file of the repo and a line and column inside it; messages are not empty.
pub fn check_located(dir: &Path, diags: &Diagnostics) -> Result<(), TestCaseError> {
    for d in diags.iter() {
        let shown = d.to_string();
        proptest::prop_assert!(!d.message.trim().is_empty(), "a diagnostic without a message: {shown}");
        let Ok(bytes) = std::fs::read(dir.join(&d.path)) else {
            return Err(TestCaseError::fail(format!("diagnostic names `{}`, not a file of the repo: {shown}", d.path)));
        };
        let lines = line_count(&bytes);
        proptest::prop_assert!(d.line <= lines + 1, "line {} of a {lines}-line file: {shown}", d.line);
        // Columns count characters; a line's bytes bound them from above whatever the encoding.
        let widest = bytes.split(|b| matches!(b, b'\n' | b'\r')).map(<[u8]>::len).max().unwrap_or(0);
        proptest::prop_assert!(d.col <= widest + 2, "column {} past the widest line ({widest}): {shown}", d.col);
    }
    Ok(())
}

/// The diagnostics about `path`.
pub fn about<'a>(diags: &'a Diagnostics, path: &'a str) -> impl Iterator<Item = &'a paved::diag::Diagnostic> + 'a {
    diags.iter().filter(move |d| d.path == path)
}
