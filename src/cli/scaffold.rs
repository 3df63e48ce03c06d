//! `paved scaffold`: a paved path rendered into a new directory (the platform repo's paths/, else the built-in
//! library).

use super::args::{Given, RepoArgs, repo_options};
use super::output::Printer;
use crate::ops;
use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct ScaffoldArgs {
    /// The paved path (microservice, data-pipeline, genai-feature, scheduled-job).
    path: String,
    /// A parameter, `name=value`; repeatable. An owner may be written as Backstage allows: `payments` and
    /// `group:payments` both mean `group:default/payments`.
    #[arg(long = "set", value_name = "NAME=VALUE")]
    set: Vec<String>,
    /// Where to write (a new or empty directory).
    #[arg(long, value_parser = crate::abspath::parse_arg)]
    out: PathBuf,
    /// Render this version instead of the latest.
    #[arg(long)]
    version: Option<String>,
    #[command(flatten)]
    repo: RepoArgs,
}

/// Exit 1 when the path refuses the input (an unknown path, version or parameter; see [`ops::Refused`]).
pub fn run(args: ScaffoldArgs, p: &Printer) -> anyhow::Result<()> {
    let ScaffoldArgs { path, set, out, version, repo } = args;
    let mut pairs = Vec::new();
    for kv in set {
        let (k, v) = kv.split_once('=').ok_or_else(|| anyhow::anyhow!("--set {kv}: expected NAME=VALUE"))?;
        pairs.push((k.trim().to_owned(), v.to_owned()));
    }
    let options = ops::paths::ScaffoldOptions { path, version, set: pairs, out };
    let done = ops::paths::scaffold(&repo_options(&repo.repo, Given::read(&repo).worktree_by_default()), &options)?;
    if done.deprecated {
        p.warning(&format!(
            "paved path `{}` is deprecated: it is being sunset (see scorecards/adoption.md); ask its owner which \
             path replaces it",
            done.path
        ));
    }
    p.line(&format!(
        "Rendered {} {} ({} files) into {} from {}.",
        done.path,
        done.version,
        done.files,
        done.out.display(),
        done.origin
    ));
    Ok(())
}
