//! `paved scaffold`, `paved paths status` and `paved paths sync`: paved paths from the command line.

use super::RepoOptions;
use super::open_snapshot;
use super::reconcile::{Only, Reconciled, reconcile_only};
use crate::apply::paths::PathsReport;
use crate::model::Loaded;
use crate::model::cache::ParseCache;
use crate::plan::paths::{Catalogue, PathsPlan};
use crate::plan::{ActionKind, campaign};
use crate::progress::Progress;
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
    /// The path's manifest says `deprecated: true`: it is being sunset, so the CLI warns.
    pub deprecated: bool,
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

/// Every renderable version of every path in the snapshot.
pub fn catalogue(snapshot: &Snapshot, loaded: &Loaded) -> Catalogue {
    let mut c = Catalogue::default();
    for name in loaded.model.paths.keys() {
        if let Ok(files) = PathFiles::manifests(snapshot, name) {
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
    /// Release tags created by this run.
    pub tagged: Vec<String>,
    /// Campaign pages written (committed in a git platform repo).
    pub campaigns: Vec<String>,
}

/// Tag every path version of the platform repo's commit that has no release tag yet (`paths/<name>/v<version>`),
/// so that version can be rendered again after `path.yaml` moves on. Only for a git platform repo read at a
/// commit; an existing tag is never moved.
pub fn tag_releases(snapshot: &Snapshot, loaded: &Loaded) -> anyhow::Result<Vec<String>> {
    let Some(commit) = snapshot.basis.commit() else { return Ok(Vec::new()) };
    let existing: std::collections::BTreeSet<String> =
        render::release_tags(&snapshot.root, "paths/").into_iter().collect();
    let mut created = Vec::new();
    // In-process (gix): an annotated tag object and its ref, as `git tag --annotate` makes them.
    let mut repo = None;
    for p in loaded.model.paths.values() {
        let tag = render::release_tag(&p.name, &p.version.to_string());
        if existing.contains(&tag) {
            continue;
        }
        let repo = match &mut repo {
            Some(r) => r,
            None => repo.insert(gix::open(&snapshot.root).with_context(|| snapshot.root.display().to_string())?),
        };
        let target = gix::ObjectId::from_hex(commit.as_bytes()).with_context(|| format!("commit {commit}"))?;
        let tagger = gix::actor::Signature {
            name: "paved".into(),
            email: "paved@paved.local".into(),
            time: gix::date::Time::now_local_or_utc(),
        };
        let mut time = gix::date::parse::TimeBuf::default();
        let message = format!("{} {}\n\nReleased by paved from {commit}.\n", p.name, p.version);
        repo.tag(
            &tag,
            target,
            gix::objs::Kind::Commit,
            Some(tagger.to_ref(&mut time)),
            message,
            gix::refs::transaction::PreviousValue::MustNotExist,
        )
        .map_err(|e| anyhow::anyhow!("tag {tag}: {e}"))?;
        created.push(tag);
    }
    Ok(created)
}

/// Observe every paved-path service repo and plan; with `execute`, scaffold and open/update migration PRs and
/// write the campaign pages. The plan's paths part, carried out as a reconcile would (same ids, same executors,
/// one bot commit with their audit records). `progress` counts the actions carried out.
pub fn sync(
    repo: &RepoOptions,
    cache: &ParseCache,
    execute: bool,
    max_new_prs: usize,
    actor: &str,
    progress: &dyn Progress,
) -> anyhow::Result<PathsRun> {
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

/// When the release tag was made (its tagger date, or the date of the commit a lightweight tag names), if the
/// platform repo has it.
pub(crate) fn release_date(repo: &std::path::Path, tag: &str) -> Option<String> {
    let repo = gix::open(repo).ok()?;
    let mut reference = repo.try_find_reference(format!("refs/tags/{tag}").as_str()).ok()??;
    let object = reference.peel_to_id().ok()?.object().ok()?;
    let time = match object.kind {
        gix::objs::Kind::Tag => object.into_tag().decode().ok()?.tagger().ok()??.time().ok()?,
        _ => object.peel_to_commit().ok()?.time().ok()?,
    };
    let offset = chrono::FixedOffset::east_opt(time.offset)?;
    let at = chrono::DateTime::from_timestamp(time.seconds, 0)?.with_timezone(&offset);
    Some(at.to_rfc3339_opts(chrono::SecondsFormat::Secs, false))
}
