//! The process's memory: how much it holds, and handing what it freed back to the operating system between the
//! phases of a large plan.
//!
//! mimalloc keeps pages that were freed for a few milliseconds before returning them, so that a thread that
//! allocates again soon reuses them. A plan's phases run on short-lived worker threads (`par`): the pages the
//! parse and the judge freed, tens of MiB at 50,000 services, were still held when the plan's actions reached
//! their peak. Collecting once a phase is over returns them (docs/benchmarks.md, ninth round).

/// Return the memory freed so far to the OS. A no-op without the mimalloc allocator.
pub fn release_freed() {
    #[cfg(feature = "mimalloc")]
    // SAFETY: `mi_collect` takes no pointers; it only walks mimalloc's own structures, which it locks.
    unsafe {
        libmimalloc_sys::mi_collect(true);
    }
}

/// The process's resident memory now, in MiB (Linux; 0 elsewhere): where a plan's memory goes, phase by phase.
pub fn rss_mib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok());
    kib.unwrap_or(0) / 1024
}
