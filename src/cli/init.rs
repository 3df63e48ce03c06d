//! `paved init`: a new platform repo, seeded from the shipped paths, modules and policies.

use super::output::{Printer, invocation, shown};
use crate::ops;
use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Where to create it (must not exist, or be empty).
    #[arg(value_parser = crate::abspath::parse_arg)]
    dir: PathBuf,
}

/// Create it, then say what to run next.
pub fn run(args: InitArgs, p: &Printer) -> anyhow::Result<()> {
    let dir = args.dir;
    let made = ops::init::init(&dir)?;
    let (d, paved) = (shown(&dir), invocation());
    p.line(&format!(
        "Created a platform repo with {} files in {d}: a git repository on main, first commit {:.12}.\n\
         Next:\n  {paved} validate --repo {d}   # every problem at path:line:col\n  {paved} plan --repo {d}       \
         # what reconcile would do",
        made.files, made.commit
    ));
    Ok(())
}
