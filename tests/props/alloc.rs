//! A counting allocator: the heap a parse holds at its peak, measured on the thread that runs it.
//!
//! The counts are per thread (a `const`-initialised `thread_local` `Cell`: no lazy initialisation and no
//! destructor, so reading it never allocates and never re-enters the allocator). A process-wide counter would mix
//! the properties the test harness runs side by side on other threads into each other's peaks. The price: memory
//! a parse hands to another thread is counted on neither, and a block freed on another thread than the one that
//! allocated it lowers that other thread's count (the live count saturates at zero). The parsers measured here
//! allocate and free on the calling thread: paved's `par` helpers run inputs of one file inline.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

pub struct Counting;

thread_local! {
    static LIVE: Cell<usize> = const { Cell::new(0) };
    static PEAK: Cell<usize> = const { Cell::new(0) };
}

fn grew(bytes: usize) {
    // `try_with`: a thread being torn down has no thread-locals left; its last frees go uncounted.
    let _ = LIVE.try_with(|live| {
        let now = live.get().saturating_add(bytes);
        live.set(now);
        let _ = PEAK.try_with(|peak| peak.set(peak.get().max(now)));
    });
}

fn shrank(bytes: usize) {
    let _ = LIVE.try_with(|live| live.set(live.get().saturating_sub(bytes)));
}

// SAFETY: every call is passed to `System` unchanged; the counting only touches thread-local `Cell`s.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract for `alloc` is `System.alloc`'s.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as for `alloc`.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` was allocated by `System` with `layout` (every allocation goes through this type).
        unsafe { System.dealloc(ptr, layout) };
        shrank(layout.size());
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: as for `dealloc`; the new size is the caller's to get right.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            // Counted as the new block taken before the old one is given back, as a moving realloc holds both.
            grew(new_size);
            shrank(layout.size());
        }
        p
    }
}

/// The heap every parse may hold at its peak, above what its thread held before: a fixed 64 MiB. Inputs here are
/// at most a few MiB (the largest fixture, the KEV catalog, is 1.3 MB), and paved refuses repo files over 1 MiB and
/// webhook bodies over 1 MiB before parsing, so a parse that needs more than 64 MiB is one an input blew up
/// (alias expansion, a quadratic copy), not a big input.
pub const LIMIT: usize = 64 << 20;

/// Run `f` and return its result and the peak heap it held on this thread (bytes above the count at the start).
pub fn measured<R>(f: impl FnOnce() -> R) -> (R, usize) {
    let start = LIVE.with(Cell::get);
    PEAK.with(|p| p.set(start));
    let out = f();
    let peak = PEAK.with(Cell::get).saturating_sub(start);
    (out, peak)
}

/// Run `f` and fail the property when its peak heap is over `limit` bytes.
pub fn within_memory<R>(
    limit: usize,
    what: &str,
    f: impl FnOnce() -> R,
) -> Result<R, proptest::test_runner::TestCaseError> {
    let (out, peak) = measured(f);
    if peak > limit {
        return Err(proptest::test_runner::TestCaseError::fail(format!(
            "{what}: peak heap {:.1} MiB is over the {:.0} MiB bound",
            peak as f64 / 1048576.0,
            limit as f64 / 1048576.0
        )));
    }
    Ok(out)
}
