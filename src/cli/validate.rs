//! `paved validate`: the whole platform repo, or catalog files on their own, checked; every problem printed at
//! path:line:col.

use super::args::{FormatArgs, Given, RepoArgs, repo_options};
use super::exit::fail_if;
use super::output::Printer;
use crate::model::cache::ParseCache;
use crate::ops;
use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Check these catalog files on their own instead (entity rules only: no repo, so no references).
    #[arg(long = "file", value_name = "PATH")]
    files: Vec<PathBuf>,
    #[command(flatten)]
    repo: RepoArgs,
    #[command(flatten)]
    pub format: FormatArgs,
}

/// Exit 1 when anything has an error.
pub fn run(args: ValidateArgs, cache: &ParseCache, p: &Printer) -> anyhow::Result<()> {
    let ValidateArgs { files, repo, .. } = args;
    if !files.is_empty() {
        let diags = ops::validate_files(&files, &repo.repo.repo, repo.strict.strict)?;
        p.file_diagnostics(&diags, files.len());
        return fail_if(diags.errors() > 0);
    }
    p.progress("loading the platform repo");
    let loaded = ops::load(&repo_options(&repo.repo, Given::read(&repo).worktree_by_default()), cache)?;
    p.validation(&loaded);
    fail_if(loaded.diagnostics.errors() > 0)
}
