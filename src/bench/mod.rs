//! Benchmarks and scale: synthetic platform repos of any size, for the benchmarks in `benches/` and
//! `scripts/bench` (see `docs/benchmarks.md`).
//!
//! [`generate`] writes a believable platform repo (teams of all four Team Topologies types, their people,
//! systems, components over the four paved paths at mixed version ranges, requests over the nine capabilities,
//! evidence) and commits it, deterministically for a seed: the same `(services, seed)` gives the same files
//! and the same commit id.

mod generate;

pub use generate::{CHANGE_FILE, Error, Generated, Options, generate, generate_shown, one_file_change};
