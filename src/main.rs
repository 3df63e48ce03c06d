//! The `paved` binary: everything is in the library; see `paved::cli`.

/// mimalloc instead of glibc's malloc: allocation was a fifth of a large plan's profile (docs/benchmarks.md).
/// Built without it (`--no-default-features`), the heap can be profiled by tools that hook malloc (heaptrack).
#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    // Rust ignores SIGPIPE, which turns `paved plan | head` into a panic on the next print. Restore the default.
    // SAFETY: called first thing in main, before any other thread exists; SIG_DFL is always a valid handler.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    paved::cli::main()
}
