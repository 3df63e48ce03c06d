//! The parse cache: per-file parse results keyed by git blob id (and by how the file is read), so that loading
//! a commit that changed one file parses one file.
//!
//! Results are content-only (findings carry no path), which is what makes the blob id a sufficient key. After a
//! load, [`ParseCache::retain_used`] drops what the last snapshot no longer had, so a long-running daemon does not
//! grow without bound.

use gix::ObjectId;
use std::any::Any;
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// How a file is read: the same bytes read as a catalog file and as a request give different results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileClass {
    Platform,
    Catalog,
    Request,
    Path,
    Module,
    Scorecard,
    Status,
    /// Not a file: a policy verdict, keyed by the hash of the policies and the request's policy input.
    Verdict,
}

type Key = (ObjectId, FileClass);

#[derive(Default)]
pub struct ParseCache {
    entries: Mutex<HashMap<Key, Arc<dyn Any + Send + Sync>>>,
    used: Mutex<HashSet<Key>>,
    parses: AtomicUsize,
}

impl std::fmt::Debug for ParseCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ParseCache").field("parses", &self.parses()).finish()
    }
}

impl ParseCache {
    pub fn new() -> Self {
        Self::default()
    }

    /// The cached result for `blob` read as `class`, or the result of `parse`, stored for next time.
    pub fn get_or_parse<T: Any + Send + Sync>(
        &self,
        blob: ObjectId,
        class: FileClass,
        parse: impl FnOnce() -> T,
    ) -> Arc<T> {
        self.lookup((blob, class), || {
            self.parses.fetch_add(1, Ordering::Relaxed);
            parse()
        })
    }

    /// Like [`ParseCache::get_or_parse`] for derived results that are not a file's parse (policy verdicts):
    /// `key` is the hash of everything the result depends on. Not counted in [`ParseCache::parses`].
    pub fn get_or_compute<T: Any + Send + Sync>(
        &self,
        key: ObjectId,
        class: FileClass,
        compute: impl FnOnce() -> T,
    ) -> Arc<T> {
        self.lookup((key, class), compute)
    }

    /// The entry under `key` (marked used), or `make`'s result, stored. `make` runs outside the lock, so threads
    /// warming the cache parse in parallel.
    fn lookup<T: Any + Send + Sync>(&self, key: Key, make: impl FnOnce() -> T) -> Arc<T> {
        self.used.lock().expect("cache lock is never poisoned: no panics while held").insert(key);
        if let Some(hit) = self.entries.lock().expect("cache lock is never poisoned").get(&key)
            && let Ok(t) = Arc::clone(hit).downcast::<T>()
        {
            return t;
        }
        let value = Arc::new(make());
        self.entries.lock().expect("cache lock is never poisoned").insert(key, value.clone());
        value
    }

    /// How many files were parsed (cache misses) since the cache was made.
    pub fn parses(&self) -> usize {
        self.parses.load(Ordering::Relaxed)
    }

    /// Forget every entry not used since the previous call.
    pub fn retain_used(&self) {
        let used = std::mem::take(&mut *self.used.lock().expect("cache lock is never poisoned"));
        self.entries.lock().expect("cache lock is never poisoned").retain(|k, _| used.contains(k));
    }

    pub fn len(&self) -> usize {
        self.entries.lock().expect("cache lock is never poisoned").len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
