//! `paved scorecard`, and the evidence half of `observe` for the reconcile: gather what is not a file of the
//! snapshot (git history, the forge's checks, the KEV catalog), then collect the facts.
//!
//! The clock is read here, once: `PAVED_NOW` (RFC 3339) pins it for tests and reproducible reports.

use super::{RepoOptions, local_forge, open_snapshot};
use crate::evidence::FileDates;
use crate::evidence::{self, CiState, CommitInfo, External, Facts, Inputs, vulns};
use crate::forge::Forge;
use crate::forge::local::LocalForge;
use crate::model::cache::ParseCache;
use crate::model::{Loaded, Model};
use crate::scorecard::report::{self, TrendPoint};
use crate::scorecard::{self, Evaluation};
use crate::source::Snapshot;
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

/// The observation time: `PAVED_NOW` when set (tests, reproducible runs), the clock otherwise.
pub fn now() -> anyhow::Result<DateTime<Utc>> {
    match std::env::var("PAVED_NOW") {
        Ok(t) => evidence::parse_time(&t).ok_or_else(|| anyhow::anyhow!("PAVED_NOW `{t}` is not an RFC 3339 time")),
        Err(_) => Ok(Utc::now()),
    }
}

fn git_out(dir: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git").arg("-C").arg(dir).args(args).env("GIT_TERMINAL_PROMPT", "0").output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Latest commit per author email in `dir` at `rev`.
fn authors(dir: &Path, rev: &str, repo: &str, into: &mut BTreeMap<String, CommitInfo>) {
    let Some(log) = git_out(dir, &["log", "--no-merges", "--format=%H%x09%ae%x09%cI", rev, "--"]) else { return };
    for line in log.lines() {
        let mut f = line.split('\t');
        let (Some(commit), Some(email), Some(time)) = (f.next(), f.next(), f.next()) else { continue };
        let Some(time) = evidence::parse_time(time) else { continue };
        let info = CommitInfo { commit: commit.to_owned(), time, repo: repo.to_owned() };
        let email = email.to_ascii_lowercase();
        if into.get(&email).is_none_or(|c| c.time < time) {
            into.insert(email, info);
        }
    }
}

/// The last commit that touched each file under `evidence/`.
fn delivered(dir: &Path, rev: &str) -> BTreeMap<String, CommitInfo> {
    let mut out = BTreeMap::new();
    let Some(log) = git_out(dir, &["log", "--format=%x01%H%x09%cI", "--name-only", rev, "--", "evidence"]) else {
        return out;
    };
    for block in log.split('\u{1}').filter(|b| !b.trim().is_empty()) {
        let mut lines = block.lines();
        let Some((commit, time)) = lines.next().and_then(|l| l.split_once('\t')) else { continue };
        let Some(time) = evidence::parse_time(time) else { continue };
        for path in lines.filter(|l| !l.is_empty()) {
            out.entry(path.to_owned()).or_insert_with(|| CommitInfo {
                commit: commit.to_owned(),
                time,
                repo: "platform".to_owned(),
            });
        }
    }
    out
}

/// When each file under `requests/` was first added and last changed.
pub(crate) fn request_dates(dir: &Path, rev: &str) -> BTreeMap<String, FileDates> {
    let mut out: BTreeMap<String, FileDates> = BTreeMap::new();
    let Some(log) = git_out(dir, &["log", "--format=%x01%cI", "--name-only", rev, "--", "requests"]) else {
        return out;
    };
    // Newest first: the first date seen is the last change, the last one the addition.
    for block in log.split('\u{1}').filter(|b| !b.trim().is_empty()) {
        let mut lines = block.lines();
        let Some(time) = lines.next().and_then(evidence::parse_time) else { continue };
        for path in lines.filter(|l| !l.is_empty()) {
            out.entry(path.to_owned())
                .and_modify(|d| d.added = time)
                .or_insert(FileDates { added: time, changed: time });
        }
    }
    out
}

/// When each Component first appeared in the catalog (by name): the oldest commit whose diff adds a
/// `kind: Component` document with that `metadata.name`.
pub fn components_added(dir: &Path, rev: &str) -> BTreeMap<String, DateTime<Utc>> {
    let mut out = BTreeMap::new();
    let args = ["log", "--reverse", "--format=%x01%cI", "-p", "--unified=0", "--no-renames", rev, "--", "catalog"];
    let Some(log) = git_out(dir, &args) else { return out };
    for block in log.split('\u{1}').filter(|b| !b.trim().is_empty()) {
        let mut lines = block.lines();
        let Some(time) = lines.next().and_then(evidence::parse_time) else { continue };
        let mut kind = None;
        for line in lines {
            if line.starts_with("@@") || line == "+---" {
                kind = None;
            } else if let Some(k) = line.strip_prefix("+kind:") {
                kind = Some(k.trim().to_owned());
            } else if let Some(name) = line.strip_prefix("+  name:")
                && kind.as_deref() == Some("Component")
            {
                let name = name.trim().trim_matches(['"', '\'']).to_ascii_lowercase();
                out.entry(name).or_insert(time);
                kind = None;
            }
        }
    }
    out
}

/// The KEV catalog: `PAVED_KEV_CATALOG`, then platform.yaml `spec.evidence.kevCatalog`, then the repo's own copy.
fn kev(options: &RepoOptions, model: &Model, snapshot: &Snapshot) -> Option<Result<vulns::Kev, evidence::Error>> {
    let configured = std::env::var_os("PAVED_KEV_CATALOG").map(std::path::PathBuf::from).or_else(|| {
        model.platform.spec.evidence.kev_catalog.as_ref().map(|p| crate::abspath::resolve(&options.repo, p))
    });
    if let Some(path) = configured {
        let shown = path.display().to_string();
        let io = |e: std::io::Error| evidence::Error::Read { path: shown.clone(), message: e.to_string() };
        let read = std::fs::metadata(&path)
            .map_err(io)
            .and_then(|m| {
                if m.len() > evidence::MAX_EXTERNAL_BYTES {
                    let limit = evidence::MAX_EXTERNAL_BYTES;
                    Err(evidence::Error::TooLarge { path: shown.clone(), size: m.len(), limit })
                } else {
                    std::fs::read(&path).map_err(io)
                }
            })
            // Cited by file name, catalog version and digest: the same catalog cites the same on every machine.
            .and_then(|bytes| {
                let name = path.file_name().map_or(shown.clone(), |n| n.to_string_lossy().into_owned());
                vulns::Kev::parse(&bytes, &name).map_err(|e| evidence::Error::in_file(shown.clone(), e))
            });
        return Some(read);
    }
    let entry = snapshot.get(vulns::KEV_IN_REPO)?;
    Some(
        snapshot
            .read_text(entry)
            .map_err(|f| evidence::Error::Read { path: vulns::KEV_IN_REPO.to_owned(), message: f.message })
            .and_then(|t| vulns::Kev::parse(t.as_bytes(), vulns::KEV_IN_REPO)),
    )
}

fn ci_state(forge: &LocalForge, repo: &str) -> CiState {
    let info = match forge.get_repo(repo) {
        Ok(Some(info)) => info,
        Ok(None) => return CiState { head: None, checks: vec![], error: Some("not on the forge".to_owned()) },
        Err(e) => return CiState { head: None, checks: vec![], error: Some(e.to_string()) },
    };
    let head = forge
        .repo_path(repo)
        .ok()
        .and_then(|p| git_out(&p, &["rev-parse", "--verify", &format!("refs/heads/{}", info.default_branch)]))
        .map(|h| h.trim().to_owned());
    let Some(head) = head else { return CiState { head: None, checks: vec![], error: None } };
    let checks = match forge.list_prs(repo, None) {
        Ok(prs) => prs.into_iter().flat_map(|p| p.checks).filter(|c| c.commit == head).collect(),
        Err(e) => return CiState { head: Some(head), checks: vec![], error: Some(e.to_string()) },
    };
    CiState { head: Some(head), checks, error: None }
}

/// When each of `shas` was committed, from a service repo's history (`git log`; unknown commits are left out).
fn commit_times<'a>(dir: &Path, shas: impl Iterator<Item = &'a str>) -> BTreeMap<String, DateTime<Utc>> {
    // Only hex object names reach git: a forge's sha field must not become an option.
    let shas: std::collections::BTreeSet<&str> =
        shas.filter(|s| !s.is_empty() && s.len() <= 64 && s.bytes().all(|b| b.is_ascii_hexdigit())).collect();
    if shas.is_empty() {
        return BTreeMap::new();
    }
    let mut args = vec!["log", "--no-walk=unsorted", "--ignore-missing", "--format=%H%x09%cI"];
    args.extend(shas.iter().copied());
    args.push("--");
    let Some(log) = git_out(dir, &args) else { return BTreeMap::new() };
    log.lines()
        .filter_map(|l| {
            let (sha, time) = l.split_once('\t')?;
            Some((sha.to_owned(), evidence::parse_time(time)?))
        })
        .collect()
}

/// A service repo's production deployments and incidents on the forge; `None` when the forge lacks the repo.
fn delivery(
    forge: &dyn Forge,
    local: Option<&LocalForge>,
    repo: &str,
    label: &str,
) -> Option<Result<evidence::deployments::ForgeDelivery, std::sync::Arc<crate::forge::Error>>> {
    let deployments = match forge.list_deployments(repo, Some("production")) {
        Ok(d) => d,
        Err(crate::forge::Error::NoSuchRepo(_)) => return None,
        Err(e) => return Some(Err(e.into())),
    };
    let incidents = match forge.list_issues(repo, label) {
        Ok(i) => i,
        Err(e) => return Some(Err(e.into())),
    };
    // Commit times come from the service repo's history where paved can read it (the local forge's bare repo).
    let commit_times = local
        .and_then(|f| f.repo_path(repo).ok())
        .filter(|p| p.exists())
        .map(|p| commit_times(&p, deployments.iter().map(|d| d.sha.as_str())))
        .unwrap_or_default();
    Some(Ok(evidence::deployments::ForgeDelivery { deployments, incidents, commit_times }))
}

/// Deployments and incidents of every component's repo on the forge (GitHub or local).
fn gather_delivery(options: &RepoOptions, loaded: &Loaded, external: &mut External) {
    let forge = match super::forge(options, loaded) {
        Ok(Some(f)) => f,
        Ok(None) => return,
        Err(e) => {
            external.delivery_error = Some(format!("{e:#}"));
            return;
        }
    };
    let local = local_forge(options, loaded);
    let label = loaded.model.platform.spec.evidence.incident_label();
    for (_, item) in loaded.model.catalog.of_kind("component") {
        let Some(repo) = Model::repo_of(&item.entity) else { continue };
        if external.delivery.contains_key(repo) {
            continue;
        }
        if let Some(d) = delivery(forge.as_ref(), local.as_ref(), repo, label) {
            external.delivery.insert(repo.to_owned(), d);
        }
    }
}

/// Gather the external evidence and collect every fact.
pub fn gather(options: &RepoOptions, snapshot: &Snapshot, loaded: &Loaded, now: DateTime<Utc>) -> Facts {
    let model = &loaded.model;
    let rev = loaded.basis.commit().unwrap_or("HEAD").to_owned();
    let is_git = loaded.basis.commit().is_some();
    let mut external = External { kev: kev(options, model, snapshot), ..External::default() };
    if is_git {
        authors(&options.repo, &rev, "platform", &mut external.authors);
        external.delivered = delivered(&options.repo, &rev);
        external.request_dates = request_dates(&options.repo, &rev);
        external.components_added = components_added(&options.repo, &rev);
    }
    if let Some(forge) = local_forge(options, loaded) {
        for (_, item) in model.catalog.of_kind("component") {
            let Some(repo) = Model::repo_of(&item.entity) else { continue };
            if external.ci.contains_key(repo) {
                continue;
            }
            external.ci.insert(repo.to_owned(), ci_state(&forge, repo));
            if let Ok(path) = forge.repo_path(repo)
                && path.exists()
            {
                authors(&path, "HEAD", repo, &mut external.authors);
            }
        }
    }
    gather_delivery(options, loaded, &mut external);
    evidence::collect(&Inputs { snapshot, model, external: &external, now })
}

/// Trend points recorded by earlier versions of the org summary, oldest first, the latest per label.
pub fn trend_history(options: &RepoOptions, loaded: &Loaded) -> Vec<TrendPoint> {
    let Some(rev) = loaded.basis.commit() else { return Vec::new() };
    let Some(log) = git_out(&options.repo, &["log", "--format=%H", rev, "--", report::SUMMARY]) else {
        return Vec::new();
    };
    let mut points: Vec<TrendPoint> = Vec::new();
    for commit in log.lines().rev() {
        let Some(page) = git_out(&options.repo, &["show", &format!("{commit}:{}", report::SUMMARY)]) else { continue };
        if let Some(p) = report::decode_point(&page) {
            points.retain(|q| q.label != p.label);
            points.push(p);
        }
    }
    points.sort_by(|a, b| a.label.cmp(&b.label));
    points
}

/// What `paved scorecard` prints.
pub struct Scored {
    pub loaded: Loaded,
    pub evaluation: Evaluation,
    pub pages: BTreeMap<String, String>,
}

/// Compute the scorecards (and, with `pages`, their report pages) without writing anything.
pub fn scorecard(options: &RepoOptions, cache: &ParseCache, pages: bool) -> anyhow::Result<Scored> {
    let started = std::time::Instant::now();
    let snapshot = open_snapshot(options)?;
    let loaded = crate::model::load(&snapshot, cache, &crate::model::LoadOptions { strict: options.strict });
    let loaded_at = started.elapsed();
    let facts = gather(options, &snapshot, &loaded, now()?);
    let gathered_at = started.elapsed();
    let evaluation = scorecard::evaluate(&loaded.model, &facts);
    tracing::debug!(
        load_ms = loaded_at.as_millis(),
        gather_ms = (gathered_at - loaded_at).as_millis(),
        evaluate_ms = (started.elapsed() - gathered_at).as_millis(),
        "scorecards computed"
    );
    if !pages {
        return Ok(Scored { loaded, evaluation, pages: BTreeMap::new() });
    }
    let observed = crate::observe::Observed {
        reports: crate::observe::reports(&snapshot),
        trend: trend_history(options, &loaded),
        ..Default::default()
    };
    let pages = crate::plan::report_pages(&loaded, &observed, &facts, &evaluation);
    Ok(Scored { loaded, evaluation, pages })
}
