//! Property tests of every parser paved exposes to input: catalog YAML, requests, `platform.yaml`, module and
//! path manifests, paved path answers, webhook deliveries, evidence files and the audit log.
//!
//! Each property feeds a parser generated input — real files mutated ([`mutate`]) and documents built field by
//! field ([`generate`]) — and holds it to three promises: it never panics, its peak heap stays under
//! [`alloc::LIMIT`] (counted by this binary's own allocator), and it either loads the input or says what is
//! wrong and where (a line and column inside the file, or the file's path, as each parser promises).
//!
//! # Budget
//! Each property runs a fixed number of cases, tuned so that the whole binary takes well under two minutes on two
//! cores in a debug build (`cargo test --test props`, as CI's `cargo test --all-targets` runs it). The cases are
//! drawn from a fixed seed, so a CI failure reproduces. To search longer or elsewhere:
//!
//! ```text
//! PAVED_PROPTEST_CASES=5000 PROPTEST_RNG_SEED=$RANDOM cargo test --release --test props
//! ```
//!
//! `PAVED_PROPTEST_CASES` sets every property's case count (`PROPTEST_CASES` works too); `PROPTEST_RNG_SEED`
//! picks another seed. A failure prints the shrunk input; add it as a regression test next to the parser.

mod alloc;
mod audit;
mod evidence;
mod generate;
mod model;
mod mutate;
mod repo;
mod webhook;

#[global_allocator]
static ALLOCATOR: alloc::Counting = alloc::Counting;

use proptest::test_runner::{Config, RngSeed};

/// The seed of every property unless `PROPTEST_RNG_SEED` says otherwise.
const SEED: u64 = 0x9a7e_d001;

/// A property's configuration: `cases` cases (the CI budget) unless the environment asks for more.
pub fn config(cases: u32) -> Config {
    let from_env = |name: &str| std::env::var(name).ok().and_then(|v| v.parse::<u32>().ok());
    let defaults = Config::default();
    Config {
        cases: from_env("PAVED_PROPTEST_CASES").or_else(|| from_env("PROPTEST_CASES")).unwrap_or(cases),
        rng_seed: match std::env::var("PROPTEST_RNG_SEED") {
            Ok(_) => defaults.rng_seed,
            Err(_) => RngSeed::Fixed(SEED),
        },
        // A failure in a debug build shrinks for at most a minute, then reports what it has.
        max_shrink_time: 60_000,
        ..defaults
    }
}

#[test]
fn the_counting_allocator_counts_per_thread() {
    let (held, peak) = alloc::measured(|| vec![0u8; 3 << 20]);
    assert!(peak >= 3 << 20, "a 3 MiB vector counted as {peak} bytes");
    drop(held);
    // Another thread's allocation is not this thread's.
    let (_, peak) = alloc::measured(|| {
        std::thread::scope(|s| {
            s.spawn(|| std::hint::black_box(vec![0u8; 8 << 20]).len()).join().expect("the thread ran")
        })
    });
    assert!(peak < 1 << 20, "8 MiB on another thread counted here as {peak} bytes");
    let over = alloc::within_memory(1 << 20, "a 2 MiB vector", || vec![0u8; 2 << 20].len());
    assert!(over.is_err(), "a 2 MiB peak passes a 1 MiB bound");
}
