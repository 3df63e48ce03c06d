//! The incremental planner: after a commit, patch the last plan for what the commit changed instead of loading,
//! judging and planning the whole repo again.
//!
//! [`WarmPlanner`] keeps everything its last plan was made from ([`Prepared`]). On the next plan it diffs the
//! two commits' trees (only the subtrees that differ are read), and when every changed file is one whose effects
//! are known to stay local — a request file, a bot-owned status file, a native secret, an audit record — it
//! reloads those files, re-judges and re-observes the requests they name, and patches the plan for the status
//! paths they touch ([`plan::patch`]). A reconcile's own bot commit is of that kind, so the daemon's next plan
//! after applying is a patch too. Anything else (a catalog entity, a policy, a module, `platform.yaml`, a
//! symlink, a changed forge listing, a repo with scorecards, whose reports read every request) falls back to a
//! full plan, and says why. The patched plan equals the full one; `tests/it/incremental.rs` checks that after
//! every kind of change.
//!
//! Out-of-band drift (a database dropped by hand) does not come with a commit: like kube-rs' `Controller` with
//! its resync, the caller plans from scratch on its resync timer ([`WarmPlanner::forget`]).

use super::RepoOptions;
use super::reconcile::{Planned, Prepared, add_forge_work, plan_judge, prepare_full};
use crate::diag::Diagnostics;
use crate::model::cache::ParseCache;
use crate::observe::{Item, ObservedDigest, observe_desired, observe_removed};
use crate::plan::paths::DEFAULT_MAX_NEW_PRS;
use crate::plan::{self, status};
use crate::provision::status::{key_of_status_path, status_path, status_request};
use crate::source::diff::{self, Changed, TreeDiff};
use crate::source::{Basis, Snapshot};
use std::collections::{BTreeSet, HashMap};

/// How the last [`WarmPlanner::plan`] was made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum How {
    /// The commit was the one planned last time: the plan is the same.
    Unchanged,
    /// The last plan, patched for the files a commit changed.
    Patched { files: usize, paths: usize },
    /// Planned from scratch, and why the last plan could not be patched.
    Full { why: Refusal },
}

/// Why a plan was made from scratch rather than patched: each says which change only a full plan gets right.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("no earlier plan")]
    NoEarlierPlan,
    #[error("plans of a work tree are not patched")]
    WorkTree,
    #[error("plans of a repo with symlinks are not patched")]
    Symlinks,
    /// The repo could not be opened again to diff the next commit.
    #[error("{0}")]
    Unreadable(String),
    /// The diff met what it does not classify (a symlink or a submodule), as it says.
    #[error("{0}")]
    Unsupported(String),
    #[error("the last plan was of a work tree")]
    LastWasWorkTree,
    #[error("two requests' names collide: planned over all of them")]
    NamesCollide,
    #[error("the commit makes two requests' names collide: planned over all of them")]
    CommitMakesNamesCollide,
    /// Which of the requests sharing a name (given by an older paved) keeps it is decided over all of them.
    #[error("{0} holds a name with another request: which keeps it is decided over all of them")]
    SharedName(String),
    #[error("the repo has scorecards, whose reports are computed over every request")]
    Scorecards,
    #[error("{0} changed: only request, status, secret and audit files are patched")]
    NotLocal(String),
    /// Which of two files defining one request wins depends on every file.
    #[error("{0} defines a request another file also defines")]
    DuplicateRequest(String),
    #[error("{path} defines {key}, which another file also defines")]
    RequestDefinedTwice { path: String, key: String },
    /// A request status naming another request than its path is observed as that one.
    #[error("{0} records another request than its name says")]
    StatusOfAnother(String),
    #[error("the forge's repo listing changed")]
    ForgeListing,
    #[error("the service repos or paved's PRs on the forge changed")]
    ForgeWork,
}

impl std::fmt::Display for How {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            How::Unchanged => f.write_str("unchanged commit"),
            How::Patched { files, paths } => write!(f, "patched for {files} changed file(s), {paths} status path(s)"),
            How::Full { why } => write!(f, "full plan: {why}"),
        }
    }
}

/// A planner that remembers its last plan; see the module docs.
pub struct WarmPlanner {
    options: RepoOptions,
    state: Option<State>,
}

struct State {
    prepared: Prepared,
    /// What patching needs, or why plans of this source are never patched.
    patch: Result<PatchState, Refusal>,
}

struct PatchState {
    repo: gix::ThreadSafeRepository,
    digest: ObservedDigest,
    /// Status files by the file their `source:` names: the statuses a change to that file can affect (its entity
    /// or request keeps its last state while the file is broken).
    by_source: HashMap<String, BTreeSet<String>>,
    /// Requests the last plan provisioned or deprovisioned, once applied ([`WarmPlanner::applied`]): what their
    /// backends see has changed without a commit saying so, so the next plan observes and plans them again.
    provisioned: BTreeSet<String>,
}

impl WarmPlanner {
    pub fn new(options: RepoOptions) -> Self {
        WarmPlanner { options, state: None }
    }

    /// The last plan and what it was made from.
    pub fn planned(&self) -> Option<&Planned> {
        self.state.as_ref().map(|s| &s.prepared.planned)
    }

    /// The snapshot the last plan was made from.
    pub fn snapshot(&self) -> Option<&Snapshot> {
        self.state.as_ref().map(|s| &s.prepared.snapshot)
    }

    /// The last plan was applied: the requests it provisioned or deprovisioned are observed again by the next plan
    /// (an apply changes what their backends see, and a heal may leave their status file as it was).
    pub fn applied(&mut self) {
        if let Some(State { prepared, patch: Ok(patch) }) = &mut self.state {
            let provisioned = prepared.planned.plan.actions.iter().filter_map(|a| a.provision.as_ref());
            patch.provisioned.extend(provisioned.map(|op| op.target.key()));
        }
    }

    /// Forget the last plan: the next one is made from scratch (a resync, which also catches drift that came
    /// without a commit).
    pub fn forget(&mut self) {
        self.state = None;
    }

    /// Plan the repo's current commit (`--rev`, else HEAD), patching the last plan when it can.
    pub fn plan(&mut self, cache: &ParseCache) -> anyhow::Result<How> {
        let why = match self.state.as_mut() {
            None => Refusal::NoEarlierPlan,
            Some(State { patch: Err(why), .. }) => why.clone(),
            Some(State { prepared, patch: Ok(patch) }) => match try_patch(&self.options, prepared, patch, cache)? {
                Ok(how) => return Ok(how),
                Err(why) => why,
            },
        };
        tracing::debug!(%why, "planning from scratch");
        // A failed patch may have left the state half-updated: it is replaced whole.
        self.state = None;
        let prepared = prepare_full(&self.options, cache)?;
        let patch = PatchState::new(&prepared);
        self.state = Some(State { prepared, patch });
        Ok(How::Full { why })
    }
}

impl PatchState {
    fn new(prepared: &Prepared) -> Result<Self, Refusal> {
        if !matches!(prepared.snapshot.basis, Basis::Commit(_)) {
            return Err(Refusal::WorkTree);
        }
        if prepared.snapshot.has_symlinks() {
            return Err(Refusal::Symlinks);
        }
        let repo = crate::source::open_git(&prepared.snapshot.root)
            .map_err(|e| Refusal::Unreadable(e.to_string()))?
            .into_sync();
        let digest = ObservedDigest::of(&prepared.observed);
        let mut by_source: HashMap<String, BTreeSet<String>> = HashMap::new();
        for (path, text) in &prepared.observed.status {
            // A request status naming another request than its path is observed as that one: only a full plan
            // gets that right (paved never writes one; a hand edit might).
            if key_of_status_path(path).is_some_and(|key| status_request(text).is_some_and(|r| r != key)) {
                return Err(Refusal::StatusOfAnother(path.clone()));
            }
            if let Some(source) = crate::observe::Observed::status_source(text) {
                by_source.entry(source.to_owned()).or_default().insert(path.clone());
            }
        }
        Ok(PatchState { repo, digest, by_source, provisioned: BTreeSet::new() })
    }
}

/// Patch `prepared` to the repo's current commit. `Ok(Err(why))` when it cannot be patched: then `prepared` may
/// be half-updated and must be dropped.
fn try_patch(
    options: &RepoOptions,
    prepared: &mut Prepared,
    state: &mut PatchState,
    cache: &ParseCache,
) -> anyhow::Result<Result<How, Refusal>> {
    let mut phase = super::reconcile::Phases::start();
    let repo = state.repo.to_thread_local();
    let rev = options.rev.as_deref().unwrap_or("HEAD");
    let Basis::Commit(old) = prepared.snapshot.basis.clone() else {
        return Ok(Err(Refusal::LastWasWorkTree));
    };
    let diff = diff::between(&repo, &old, rev)?;
    if diff.commit == old && state.provisioned.is_empty() {
        return Ok(Ok(How::Unchanged));
    }
    if let Some(why) = unpatchable(prepared, &diff) {
        return Ok(Err(why));
    }
    phase.done("diff");
    // Audit records only move with the snapshot: no plan reads them.
    let requests: Vec<&Changed> = diff.changed.iter().filter(|c| crate::model::is_request_file(&c.path)).collect();
    let statuses: Vec<&Changed> = diff.changed.iter().filter(|c| c.path.starts_with("status/")).collect();
    let existed: Vec<bool> = requests.iter().map(|c| prepared.snapshot.get(&c.path).is_some()).collect();
    prepared.snapshot.patch(&diff);
    prepared.planned.loaded.basis = prepared.snapshot.basis.clone();

    // Whether two requests collide depends on every request: a repo with a collision is planned in full.
    let collides = |d: &crate::diag::Diagnostic| d.message.starts_with(crate::model::collisions::PREFIX);
    if prepared.planned.loaded.diagnostics.iter().any(collides) {
        return Ok(Err(Refusal::NamesCollide));
    }
    let mut affected_keys = std::mem::take(&mut state.provisioned);
    let mut affected_paths = BTreeSet::new();
    for (change, existed) in requests.into_iter().zip(existed) {
        if let Err(why) = reload_request(options, prepared, cache, change, existed, &mut affected_keys) {
            return Ok(Err(why));
        }
        affected_paths.extend(state.by_source.get(&change.path).into_iter().flatten().cloned());
    }
    for change in statuses {
        if let Err(why) = reread_status(prepared, state, change, &mut affected_keys) {
            return Ok(Err(why));
        }
        affected_paths.insert(change.path.clone());
    }
    affected_keys.extend(diff.changed.iter().filter_map(|c| secret_of(&c.path)));
    if !crate::model::collisions::check(&prepared.planned.loaded.model, &prepared.snapshot).is_empty() {
        return Ok(Err(Refusal::CommitMakesNamesCollide));
    }
    prepared.planned.loaded.diagnostics.sort();
    phase.done("reload");

    if let Some(why) = forge_moved(options, prepared)? {
        return Ok(Err(why));
    }
    let p = &mut *prepared;
    let model = &p.planned.loaded.model;
    if let Some(key) = affected_keys.iter().find(|k| p.observed.shared.contains(*k)) {
        return Ok(Err(Refusal::SharedName(key.clone())));
    }
    for key in &affected_keys {
        affected_paths.insert(status_path(key));
        if let Some(before) = p.observed.requests.remove(key) {
            state.digest.remove(Item::Request, key, &serde_json::to_vec(&before).expect("observations serialize"));
        }
        let text = p.observed.status.get(&status_path(key));
        let observation = observe_desired(model, &p.judged.context, key, text.map(String::as_str)).or_else(|| {
            let text = text?;
            observe_removed(model, &p.judged.context, text).map(|(_, o)| o)
        });
        if let Some(o) = observation {
            state.digest.add(Item::Request, key, &serde_json::to_vec(&o).expect("observations serialize"));
            p.observed.requests.insert(key.clone(), o);
        }
        p.judged.verdicts.remove(key);
        if let Some(r) = model.requests.get(key) {
            p.judged.verdicts.insert(key.clone(), p.judge.one(model, r, cache));
        }
    }
    phase.done("observe and judge");
    plan::patch(&mut p.planned.plan, &p.planned.loaded, &p.judged, &p.observed, &affected_paths, state.digest.to_hex());
    // A request file may have been written for an older major of its module: the forge half is planned again.
    add_forge_work(&mut p.planned.plan, &p.snapshot, &p.planned.loaded, &p.observed, DEFAULT_MAX_NEW_PRS);
    // The provisioner judges Terraform plans with inputs made from the model: they must be the patched one's.
    p.planned.context.plan_judge = plan_judge(model, p.judge.policies(), &p.planned.plan);
    phase.done("plan");
    Ok(Ok(How::Patched { files: diff.changed.len(), paths: affected_paths.len() }))
}

/// Why a commit cannot be patched onto `prepared`, if it cannot: every changed file must be a request file, a
/// bot-owned status file, a native secret (which re-observes its request) or an audit record (which no plan
/// reads), and the repo must have no scorecards (their reports read every request).
fn unpatchable(prepared: &Prepared, diff: &TreeDiff) -> Option<Refusal> {
    if let Some(why) = &diff.unsupported {
        return Some(Refusal::Unsupported(why.clone()));
    }
    if prepared.observed.evidence.is_some() {
        return Some(Refusal::Scorecards);
    }
    diff.changed.iter().find_map(|c| {
        let local = crate::model::is_request_file(&c.path)
            || (c.path.starts_with("status/") && c.path != status::UNCLAIMED_PATH)
            || c.path.starts_with("audit/")
            || secret_of(&c.path).is_some();
        (!local).then(|| Refusal::NotLocal(c.path.clone()))
    })
}

/// The request whose native secret `path` holds (`secrets/<team>/<name>.age` or `.recipients`, see
/// `provision::secret::repo_paths`): the secret backend observes those files, so a change re-observes it.
fn secret_of(path: &str) -> Option<String> {
    let rest = path.strip_prefix("secrets/")?;
    let key = rest.strip_suffix(".age").or_else(|| rest.strip_suffix(".recipients"))?;
    (key.split('/').count() == 2).then(|| key.to_owned())
}

/// Reload one changed request file into the model and its diagnostics.
fn reload_request(
    options: &RepoOptions,
    prepared: &mut Prepared,
    cache: &ParseCache,
    change: &Changed,
    existed: bool,
    affected_keys: &mut BTreeSet<String>,
) -> Result<(), Refusal> {
    let p = &mut *prepared;
    let loaded = &mut p.planned.loaded;
    let path = change.path.as_str();
    let old_key = loaded.model.requests.iter().find(|(_, r)| r.path == path).map(|(k, _)| k.clone());
    // Which of two files defining the same request wins depends on every file: not a local change.
    let duplicate = |diags: &Diagnostics, key: &str| {
        let message = crate::model::duplicate_request_message(key);
        diags.iter().any(|d| d.message == message)
    };
    let is_duplicate_here = loaded
        .diagnostics
        .iter()
        .any(|d| d.path == path && d.message.starts_with(&crate::model::duplicate_request_message("")));
    if is_duplicate_here || old_key.as_deref().is_some_and(|k| duplicate(&loaded.diagnostics, k)) {
        return Err(Refusal::DuplicateRequest(path.to_owned()));
    }
    loaded.diagnostics.retain(|d| d.path != path);
    if let Some(key) = old_key {
        loaded.model.requests.remove(&key);
        affected_keys.insert(key);
    }
    match &change.entry {
        Some(entry) => {
            let load_options = crate::model::LoadOptions { strict: options.strict };
            let (request, diags) =
                crate::model::load_request_file(&p.snapshot, cache, entry, &loaded.model, &load_options);
            loaded.diagnostics.extend(diags.into_vec());
            if let Some(r) = request {
                let key = r.key();
                if loaded.model.requests.contains_key(&key) {
                    return Err(Refusal::RequestDefinedTwice { path: path.to_owned(), key });
                }
                affected_keys.insert(key.clone());
                loaded.model.requests.insert(key, r);
            }
            if !existed {
                loaded.files += 1;
            }
        }
        None => loaded.files -= 1,
    }
    Ok(())
}

/// Read one changed status file into the observation (and the digest and the source index).
fn reread_status(
    prepared: &mut Prepared,
    state: &mut PatchState,
    change: &Changed,
    affected_keys: &mut BTreeSet<String>,
) -> Result<(), Refusal> {
    let p = &mut *prepared;
    let path = &change.path;
    // A bot-owned file that cannot be read is treated as absent, as a full observation does.
    let after = change.entry.as_ref().and_then(|e| p.snapshot.read_text(e).ok());
    let before = p.observed.status.get(path).cloned();
    if let Some(key) = key_of_status_path(path) {
        // paved names each request status after its request; a file naming another one is observed as that one,
        // which only a full observation gets right.
        if [&before, &after].into_iter().flatten().any(|t| status_request(t).is_some_and(|r| r != key)) {
            return Err(Refusal::StatusOfAnother(path.clone()));
        }
        affected_keys.insert(key.to_owned());
    }
    for (text, add) in [(&before, false), (&after, true)] {
        let Some(text) = text else { continue };
        if add {
            state.digest.add(Item::Status, path, text.as_bytes());
        } else {
            state.digest.remove(Item::Status, path, text.as_bytes());
        }
        if let Some(source) = crate::observe::Observed::status_source(text) {
            let paths = state.by_source.entry(source.to_owned()).or_default();
            if add {
                paths.insert(path.clone());
            } else {
                paths.remove(path);
            }
        }
    }
    match after {
        Some(text) => p.observed.status.insert(path.clone(), text),
        None => p.observed.status.remove(path),
    };
    Ok(())
}

/// Why the forge's listing no longer matches the one the last plan used, if it does not (then every
/// component's drift findings may differ).
fn forge_moved(options: &RepoOptions, prepared: &Prepared) -> anyhow::Result<Option<Refusal>> {
    let Some(forge) = super::forge(options, &prepared.planned.loaded)? else {
        return Ok(None);
    };
    let listed = forge.list_repos().map(|repos| repos.into_iter().map(|r| r.full_name).collect::<BTreeSet<_>>());
    let observed = &prepared.observed;
    if !matches!((listed, &observed.forge), (Ok(repos), Some(before)) if repos == before.repos) {
        return Ok(Some(Refusal::ForgeListing));
    }
    // Service repos and paved's PRs move without a commit of the platform repo (a PR opened, merged or closed).
    // Observed again as the plan observed them: service repos only where bot work runs (see `observe_all`).
    let mut now = crate::observe::Observed::default();
    let (model, services) = (&prepared.planned.loaded.model, observed.services.is_some());
    crate::observe::observe_forge_side(model, forge.as_ref(), services, &crate::progress::Silent, &mut now);
    Ok((now.services != observed.services || now.platform_prs != observed.platform_prs).then_some(Refusal::ForgeWork))
}
