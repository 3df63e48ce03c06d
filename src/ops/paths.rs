//! `paved scaffold`, `paved paths status` and `paved paths sync`: paved paths from the command line.

use super::open_snapshot;
use super::reconcile::{Only, Reconciled, reconcile_only};
use super::{Refused, RepoOptions};
use crate::apply::paths::PathsReport;
use crate::model::Loaded;
use crate::model::cache::ParseCache;
use crate::plan::paths::PathsPlan;
use crate::plan::{ActionKind, campaign};
use crate::progress::Progress;
use crate::render::{self, PathFiles};
use anyhow::Context;
use std::path::PathBuf;

/// What `paved scaffold` renders.
#[derive(Debug, Clone)]
pub struct ScaffoldOptions {
    pub path: String,
    /// A version other than the latest (it must be in `history/`).
    pub version: Option<String>,
    /// `--set k=v`, in order.
    pub set: Vec<(String, String)>,
    pub out: PathBuf,
}

#[derive(Debug)]
pub struct Scaffolded {
    pub path: String,
    pub version: String,
    pub files: usize,
    pub out: PathBuf,
    pub origin: String,
    /// The path's manifest says `deprecated: true`: it is being sunset, so the CLI warns.
    pub deprecated: bool,
}

/// Render a path into a new directory. The path comes from the platform repo when it has `paths/<name>/`,
/// otherwise from the standard library built into paved.
///
/// # Errors
/// What the path refuses (an unknown path or version, a parameter it does not take or a value it rejects) is
/// [`Refused`]; anything else (an output directory in use, I/O) is not.
pub fn scaffold(repo: &RepoOptions, options: &ScaffoldOptions) -> anyhow::Result<Scaffolded> {
    render_scaffold(repo, options).map_err(|e| if e.is::<render::Error>() { Refused(e).into() } else { e })
}

fn render_scaffold(repo: &RepoOptions, options: &ScaffoldOptions) -> anyhow::Result<Scaffolded> {
    let from_repo = open_snapshot(repo).ok().filter(|s| s.get(&format!("paths/{}/path.yaml", options.path)).is_some());
    let files = match &from_repo {
        Some(s) => PathFiles::from_snapshot(s, &options.path)?,
        None => PathFiles::embedded(&options.path)?,
    };
    let version = match &options.version {
        Some(v) => files.version(&semver::Version::parse(v).with_context(|| format!("--version {v}"))?)?,
        None => files.latest()?,
    };
    let mut given = serde_yaml::Mapping::new();
    for (k, v) in &options.set {
        given.insert(k.clone().into(), render::parse_set(&version.spec.parameters, k, v));
    }
    let out = &options.out;
    if out.exists() && std::fs::read_dir(out).map(|mut d| d.next().is_some()).unwrap_or(true) {
        anyhow::bail!("{} exists and is not empty; scaffold into a new directory", out.display());
    }
    let (_, rendered) = render::render_with_answers(&version, &files.origin, &given)?;
    render::write_tree(out, &rendered)?;
    let deprecated = version.spec.deprecated || files.latest().is_ok_and(|l| l.spec.deprecated);
    Ok(Scaffolded {
        path: version.name.clone(),
        version: version.version.to_string(),
        files: rendered.len(),
        out: out.clone(),
        origin: files.origin,
        deprecated,
    })
}

/// How `paved paths status|sync` runs.
#[derive(Debug, Clone, Copy)]
pub struct SyncOptions<'a> {
    /// Carry the actions out (`paths sync`); without it, only plan them (`paths status`, `sync --dry-run`).
    pub execute: bool,
    /// At most this many migration PRs are newly opened in one run.
    pub max_new_prs: usize,
    /// Who the bot commit's audit records name.
    pub actor: &'a str,
}

pub struct PathsRun {
    pub loaded: Loaded,
    pub plan: PathsPlan,
    pub report: Option<PathsReport>,
    /// Release tags created by this run.
    pub tagged: Vec<String>,
    /// Campaign pages written (committed in a git platform repo).
    pub campaigns: Vec<String>,
}

/// Observe every paved-path service repo and plan; with `execute`, scaffold and open/update migration PRs and
/// write the campaign pages. The plan's paths part, carried out as a reconcile would (same ids, same executors,
/// one bot commit with their audit records). `progress` counts the actions carried out.
pub fn sync(
    repo: &RepoOptions,
    cache: &ParseCache,
    options: &SyncOptions,
    progress: &dyn Progress,
) -> anyhow::Result<PathsRun> {
    let SyncOptions { execute, max_new_prs, actor } = *options;
    let loaded = super::load(repo, cache)?;
    anyhow::ensure!(
        super::forge(repo, &loaded)?.is_some(),
        "no forge configured: set platform.yaml spec.forge.path or pass --forge DIR"
    );
    const KINDS: &[ActionKind] = &[ActionKind::ScaffoldRepo, ActionKind::MigratePath, ActionKind::WriteCampaign];
    let only = Only { dry_run: !execute, actor, max_new_prs, kinds: Some(KINDS) };
    let Reconciled { planned, report } = reconcile_only(repo, cache, &only, progress)?;
    let rollout = &planned.plan.rollout;
    let plan =
        PathsPlan { actions: planned.plan.forge.clone(), drift: rollout.drift.clone(), held: rollout.held.clone() };
    let campaigns = report.iter().flat_map(|r| &r.files).filter(|f| campaign::is_page(f)).cloned().collect();
    let tagged = report.as_ref().map(|r| r.tagged.clone()).unwrap_or_default();
    let report = report.map(|r| PathsReport { results: r.forge });
    Ok(PathsRun { loaded: planned.loaded, plan, report, tagged, campaigns })
}
