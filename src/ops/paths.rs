//! `paved scaffold`, `paved paths status` and `paved paths sync`: paved paths from the command line.

use super::{RepoOptions, local_forge, open_snapshot};
use crate::apply::paths::{self as exec, PathsOptions, PathsReport};
use crate::forge::Forge;
use crate::model::cache::ParseCache;
use crate::model::{LoadOptions, Loaded};
use crate::observe::services;
use crate::plan::paths::{self, Catalogue, PathsPlan};
use crate::render::{self, PathFiles};
use crate::source::Snapshot;
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
}

/// Render a path into a new directory. The path comes from the platform repo when it has `paths/<name>/`,
/// otherwise from the standard library built into paved.
pub fn scaffold(repo: &RepoOptions, options: &ScaffoldOptions) -> anyhow::Result<Scaffolded> {
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
    Ok(Scaffolded {
        path: version.name.clone(),
        version: version.version.to_string(),
        files: rendered.len(),
        out: out.clone(),
        origin: files.origin,
    })
}

/// Every renderable version of every path in the snapshot.
pub fn catalogue(snapshot: &Snapshot, loaded: &Loaded) -> Catalogue {
    let mut c = Catalogue::default();
    for name in loaded.model.paths.keys() {
        if let Ok(files) = PathFiles::from_snapshot(snapshot, name) {
            c.versions.insert(name.clone(), files.versions());
            if let Ok(latest) = files.latest() {
                c.parameters.insert(name.clone(), latest.spec.parameters.iter().map(|p| p.name.clone()).collect());
            }
        }
    }
    c
}

pub struct PathsRun {
    pub loaded: Loaded,
    pub plan: PathsPlan,
    pub report: Option<PathsReport>,
}

/// Observe every paved-path service repo and plan; with `execute`, scaffold and open/update migration PRs.
pub fn sync(
    repo: &RepoOptions,
    cache: &ParseCache,
    execute: bool,
    max_new_prs: usize,
    actor: &str,
) -> anyhow::Result<PathsRun> {
    let snapshot = open_snapshot(repo)?;
    let loaded = crate::model::load(&snapshot, cache, &LoadOptions { strict: repo.strict });
    let forge = local_forge(repo, &loaded)
        .ok_or_else(|| anyhow::anyhow!("no forge configured: set platform.yaml spec.forge.path or pass --forge DIR"))?;
    let observed = services::observe_services(&loaded.model, &forge as &dyn Forge);
    let catalogue = catalogue(&snapshot, &loaded);
    let plan = paths::plan(&loaded.model, &catalogue, &observed, max_new_prs);
    let report = execute
        .then(|| exec::execute(&plan, &snapshot, &forge, &PathsOptions { actor: actor.to_owned(), workdir: None }));
    Ok(PathsRun { loaded, plan, report })
}
