//! `paved scaffold`, `paved paths status` and `paved paths sync`: paved paths from the command line.

use super::{RepoOptions, local_forge, open_snapshot};
use crate::apply::paths::{self as exec, PathsOptions, PathsReport};
use crate::forge::Forge;
use crate::model::cache::ParseCache;
use crate::model::{LoadOptions, Loaded};
use crate::observe::services;
use crate::plan::paths::{self, Catalogue, PathsPlan};
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

/// Observe every paved-path service repo and plan; with `execute`, scaffold and open/update migration PRs.
/// `progress` counts the repos read and the actions carried out.
pub fn sync(
    repo: &RepoOptions,
    cache: &ParseCache,
    execute: bool,
    max_new_prs: usize,
    actor: &str,
    progress: &dyn Progress,
) -> anyhow::Result<PathsRun> {
    let lease = if execute { Some(super::lock_platform(repo)?) } else { None };
    let snapshot = open_snapshot(repo)?;
    let loaded = crate::model::load(&snapshot, cache, &LoadOptions { strict: repo.strict });
    let forge = local_forge(repo, &loaded)
        .ok_or_else(|| anyhow::anyhow!("no forge configured: set platform.yaml spec.forge.path or pass --forge DIR"))?;
    let observed = services::observe_services(&loaded.model, &forge as &dyn Forge, progress);
    let catalogue = catalogue(&snapshot, &loaded);
    let plan = paths::plan(&loaded.model, &catalogue, &observed, max_new_prs);
    let tagged = if execute { tag_releases(&snapshot, &loaded)? } else { Vec::new() };
    let options = PathsOptions { actor: actor.to_owned(), workdir: None };
    let report = execute.then(|| exec::execute(&plan, &snapshot, &forge, &options, progress));
    let campaigns = match (&report, &lease) {
        (Some(report), Some(lease)) if repo.rev.is_none() || super::is_worktree(&repo.repo) => {
            write_campaigns(repo, &snapshot, &plan, report, actor, lease)?
        }
        _ => Vec::new(),
    };
    Ok(PathsRun { loaded, plan, report, tagged, campaigns })
}

/// Update the campaign page of every (path, target version) rollout after a run, committed as one bot commit.
fn write_campaigns(
    repo: &RepoOptions,
    snapshot: &Snapshot,
    plan: &PathsPlan,
    report: &PathsReport,
    actor: &str,
    lease: &crate::lock::Lease,
) -> anyhow::Result<Vec<String>> {
    use crate::plan::campaign;
    use crate::plan::paths::CampaignState;
    use crate::plan::{ActionId, ActionKind, FileChange};
    // What this run did moves a repo's state on.
    let mut rows = plan.drift.clone();
    for row in &mut rows {
        let Some(result) = report.results.iter().find(|r| r.target == row.repo) else { continue };
        row.campaign = match (&result.error, result.kind) {
            (Some(_), _) => CampaignState::Failed,
            (None, "repo.scaffold") => CampaignState::Merged,
            (None, _) if !result.conflicts.is_empty() => CampaignState::Conflicted,
            (None, _) => CampaignState::Open,
        };
        if let Some(e) = &result.error {
            row.error = Some(e.clone());
        }
        if let Some(n) = result.outcome.as_deref().and_then(|o| o.split_once('#')).map(|(_, n)| n) {
            row.pr = Some(format!("#{n} open"));
        }
    }
    let mut groups: std::collections::BTreeMap<(String, String), Vec<&crate::plan::paths::ServiceDrift>> =
        Default::default();
    for row in &rows {
        if let Some(target) = &row.target {
            groups.entry((row.path.clone(), target.clone())).or_default().push(row);
        }
    }
    let now = chrono::Utc::now().format("%Y-%m-%dT%H:%MZ").to_string();
    let mut changes = Vec::new();
    let mut trailers = Vec::new();
    for ((path, version), rows) in &groups {
        let file = campaign::page_path(path, version);
        let previous = snapshot.get(&file).and_then(|e| snapshot.read_text(e).ok());
        let released = release_date(&snapshot.root, &render::release_tag(path, version));
        let page = campaign::page(path, version, released.as_deref(), rows, previous.as_deref(), &now);
        if previous.as_deref() == Some(page.as_str()) {
            continue;
        }
        trailers.push(format!("Paved-Action: {}", ActionId::new(ActionKind::WriteCampaign, &file, page.as_bytes())));
        changes.push(FileChange::Write { path: file, before: previous, after: page });
    }
    if changes.is_empty() {
        return Ok(Vec::new());
    }
    let written: Vec<String> = changes.iter().map(|c| c.path().to_owned()).collect();
    let message = format!("paved: update {} campaign page(s)\n\n{}\n", changes.len(), trailers.join("\n"));
    crate::apply::workspace::for_dir(&repo.repo, lease).commit(&changes, &message, actor, snapshot.basis.commit())?;
    Ok(written)
}

/// When the release tag was made (its tagger date, or the date of the commit a lightweight tag names), if the
/// platform repo has it.
fn release_date(repo: &std::path::Path, tag: &str) -> Option<String> {
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
