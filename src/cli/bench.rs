//! `paved bench gen|incremental`: synthetic platform repos of any size, and the incremental planner timed on one.

use super::output::Printer;
use crate::ops;
use clap::Subcommand;
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum BenchCmd {
    /// Write a synthetic platform repo of N services as a new git repo (deterministic for a seed).
    Gen {
        /// How many services (components).
        #[arg(long, default_value_t = 1000)]
        services: usize,
        /// Where to write it (a new or empty directory).
        #[arg(long, value_parser = crate::abspath::parse_arg)]
        out: PathBuf,
        /// The seed: the same services and seed give the same commit.
        #[arg(long, default_value_t = 7)]
        seed: u64,
    },
    /// Time the incremental planner on a repo `bench gen` wrote: plan once, then commit a one-file change and
    /// plan again, N times; prints each patched plan's time and the median. Commits to the repo.
    Incremental {
        /// The generated platform repo.
        #[arg(long, value_parser = crate::abspath::parse_arg)]
        repo: PathBuf,
        /// How many one-file commits to plan.
        #[arg(long, default_value_t = 20)]
        commits: usize,
    },
}

pub fn run(cmd: BenchCmd, p: &Printer) -> anyhow::Result<()> {
    match cmd {
        BenchCmd::Incremental { repo, commits } => {
            let timed = ops::bench::incremental(&ops::bench::IncrementalOptions { repo, commits })?;
            let ms: Vec<String> = timed.times.iter().map(|t| format!("{:.1}", t * 1e3)).collect();
            p.line(&format!(
                "incremental plan after a one-file commit: median {:.1} ms ({} ms)",
                timed.median * 1e3,
                ms.join(" ")
            ));
        }
        BenchCmd::Gen { services, out, seed } => {
            let options = crate::bench::Options { services, seed };
            let g = crate::bench::generate_shown(&out, &options, p.progress_bar())?;
            p.line(&format!(
                "{}: {} services, {} teams, {} users, {} systems, {} APIs, {} requests, {} evidence files; {} files at {}",
                out.display(),
                g.services,
                g.teams,
                g.users,
                g.systems,
                g.apis,
                g.requests,
                g.evidence,
                g.files,
                g.commit
            ));
        }
    }
    Ok(())
}
