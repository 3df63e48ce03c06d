//! `paved plan` and `paved reconcile`: load, judge, observe, plan, and (unless dry-run) apply.

use super::{RepoOptions, open_snapshot, state_dir};
use crate::apply::{self, ApplyOptions, ApplyReport};
use crate::memory::rss_mib;
use crate::model::cache::ParseCache;
use crate::model::{Loaded, Model};
use crate::observe;
use crate::plan::paths::DEFAULT_MAX_NEW_PRS;
use crate::plan::requests::Judged;
use crate::plan::{self, Plan, Texts};
use crate::policy::judge::Judge;
use crate::policy::{self, PolicySet};
use crate::progress::{Progress, Silent};
use crate::provision;
use crate::source::Snapshot;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

pub struct Planned {
    pub loaded: Loaded,
    pub plan: Plan,
    pub forge_error: Option<String>,
    pub context: provision::Context,
}

/// The provisioning context of a loaded platform.
pub fn context(options: &RepoOptions, loaded: &Loaded) -> provision::Context {
    let state_dir = state_dir(options, loaded);
    let native = &loaded.model.platform.spec.native;
    let output_dir = native
        .output_dir
        .as_ref()
        .map(|d| crate::abspath::resolve(&options.repo, d))
        .unwrap_or_else(|| state_dir.join("out"));
    provision::Context {
        platform: loaded.model.platform_name().to_owned(),
        state_dir,
        output_dir,
        postgres: native.postgres.clone(),
        nats: native.nats.clone(),
        repo_root: Some(options.repo.clone()),
        plan_judge: None,
    }
}

/// The policies, applied to the Terraform plans of `plan`'s provision actions: each request's own policy input
/// plus `input.plan`. The inputs are made now, for those requests only, so the provisioner's judge holds no copy
/// of the model (a 50,000-service model is not cloned for the few requests an apply sends to Terraform).
pub fn plan_judge(model: &Model, set: Option<Arc<PolicySet>>, plan: &Plan) -> Option<provision::PlanJudge> {
    let set = set?;
    let inputs: BTreeMap<String, serde_json::Value> = plan
        .actions
        .iter()
        .filter_map(|a| a.provision.as_ref())
        .filter(|op| op.target.backend == crate::model::platform::BackendKind::Terraform)
        .filter_map(|op| {
            let key = op.target.key();
            let request = model.requests.get(&key)?;
            Some((key, policy::input::for_request(model, request, None)))
        })
        .collect();
    Some(Arc::new(move |target: &provision::Target, plan: &serde_json::Value| {
        let mut input = inputs.get(&target.key()).cloned().ok_or_else(|| policy::Error::NoRequest(target.key()))?;
        input["plan"] = plan.clone();
        set.evaluate(Some(target.capability.as_str()), &input)
    }))
}

/// Everything one plan was made from: what the incremental planner keeps to patch the next one.
pub struct Prepared {
    pub snapshot: Snapshot,
    pub planned: Planned,
    pub observed: observe::Observed,
    pub judge: Judge,
    pub judged: Judged,
}

/// Load, observe, judge and plan from scratch.
pub fn prepare_full(options: &RepoOptions, cache: &ParseCache) -> anyhow::Result<Prepared> {
    prepare_with(options, cache, Texts::Kept, &Silent, DEFAULT_MAX_NEW_PRS)
}

/// [`prepare_full`], keeping the plan's file texts or not (see [`Texts`]), telling `progress` which phase runs,
/// opening at most `max_new_prs` migration PRs.
pub(crate) fn prepare_with(
    options: &RepoOptions,
    cache: &ParseCache,
    texts: Texts,
    progress: &dyn Progress,
    max_new_prs: usize,
) -> anyhow::Result<Prepared> {
    let mut phase = Phases::start();
    progress.phase("loading the platform repo", None);
    let snapshot = open_snapshot(options)?;
    let loaded = crate::model::load(&snapshot, cache, &crate::model::LoadOptions { strict: options.strict });
    // Parsing's and the judge's temporaries, freed on worker threads, are returned before the plan's peak.
    crate::memory::release_freed();
    phase.done("load");
    let forge = super::forge(options, &loaded)?;
    let judge = Judge::new(&snapshot, &loaded.model);
    let mut context = context(options, &loaded);
    progress.phase("observing, judging and planning", None);
    // Judging keeps every core busy; observing (status files, the forge, each request's backend) runs on one and
    // needs nothing the judge makes, so it runs beside the judge rather than before it.
    let (verdicts, observed) = std::thread::scope(|s| {
        let judging = s.spawn(|| judge.all(&loaded.model, cache));
        let observed = observe_all(options, &snapshot, &loaded, forge.as_deref(), &context);
        phase.done("observe");
        (judging.join().unwrap_or_else(|p| std::panic::resume_unwind(p)), observed)
    });
    let observed = observed?;
    provision::state::check(&context.state_dir, &context.platform, || {
        crate::provision::status::provisioned_natively(&observed.status)
    })
    .map_err(super::failure::Terminal::from)?;
    snapshot.release_reader();
    crate::memory::release_freed();
    phase.done("judge");
    let judged = Judged { verdicts, context: context.clone() };
    let mut plan = plan::plan_with(&loaded, Some(&judged), &observed, texts);
    add_forge_work(&mut plan, &snapshot, &loaded, &observed, max_new_prs);
    // A plan without texts is only shown, never applied: no Terraform plan will need judging (and the judge keeps
    // a policy input for every Terraform request, 10 MiB at 50,000 services).
    if texts == Texts::Kept {
        context.plan_judge = plan_judge(&loaded.model, judge.policies(), &plan);
    }
    phase.done("plan");
    let forge_error = observed.forge_error.clone();
    Ok(Prepared { snapshot, planned: Planned { loaded, plan, forge_error, context }, observed, judge, judged })
}

/// Plan the forge half (scaffolds, migration PRs, campaign pages) into `plan`, when a forge was observed.
pub(crate) fn add_forge_work(
    plan: &mut Plan,
    snapshot: &Snapshot,
    loaded: &Loaded,
    observed: &observe::Observed,
    max_new_prs: usize,
) {
    if observed.services.is_none() && observed.platform_prs.is_none() {
        return;
    }
    let inputs = forge_inputs(snapshot, loaded, max_new_prs);
    let (forge, mut pages, rollout) = plan::forge::plan(&loaded.model, &inputs, observed);
    if plan.texts == Texts::Dropped {
        pages.iter_mut().for_each(|a| a.change.drop_texts());
    }
    // Campaign pages follow the service repos: where those are not observed, the pages stay as the plan made them.
    if observed.services.is_some() {
        plan.actions.retain(|a| a.kind != plan::ActionKind::WriteCampaign);
        plan.actions.extend(pages);
        plan::sort_actions(&mut plan.actions);
    }
    plan.forge = forge;
    plan.rollout = rollout;
}

/// What the forge half of planning reads from the desired snapshot.
pub(crate) fn forge_inputs(snapshot: &Snapshot, loaded: &Loaded, max_new_prs: usize) -> plan::forge::ForgeInputs {
    let catalogue = super::releases::catalogue(snapshot, loaded);
    let mut released = BTreeMap::new();
    // Opened once for every tag (a plain directory has none).
    if let Ok(git) = gix::open(&snapshot.root) {
        for (path, versions) in &catalogue.versions {
            for v in versions {
                let tag = crate::render::release_tag(path, &v.to_string());
                if let Some(date) = super::releases::release_date(&git, &tag) {
                    released.insert((path.clone(), v.to_string()), date);
                }
            }
        }
    }
    // A version not tagged yet is tagged by the apply that carries this plan out: released now.
    let now = chrono::Utc::now();
    for p in loaded.model.paths.values() {
        released
            .entry((p.name.clone(), p.version.to_string()))
            .or_insert_with(|| now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
    }
    let text_of = |path: &str| snapshot.get(path).and_then(|e| snapshot.read_text(e).ok());
    let manifests = loaded.model.manifest_paths().filter_map(|path| Some((path.clone(), text_of(&path)?))).collect();
    plan::forge::ForgeInputs {
        manifests,
        module_migrations: plan::modules::pending(&loaded.model, text_of),
        catalogue,
        released,
        now: now.format("%Y-%m-%dT%H:%MZ").to_string(),
        max_new_prs,
    }
}

/// Wall time per phase of a plan, logged at debug level (`PAVED_LOG=paved=debug`): where a slow plan spends it.
pub(crate) struct Phases(std::time::Instant);

impl Phases {
    pub(crate) fn start() -> Self {
        Phases(std::time::Instant::now())
    }

    pub(crate) fn done(&mut self, phase: &str) {
        tracing::debug!(phase, ms = self.0.elapsed().as_secs_f64() * 1e3, rss_mib = rss_mib(), "plan phase done");
        self.0 = std::time::Instant::now();
    }
}

/// Load, observe and plan.
pub fn plan(options: &RepoOptions, cache: &ParseCache) -> anyhow::Result<Planned> {
    plan_with(options, cache, Texts::Kept)
}

/// Load, observe and plan, keeping the plan's file texts or not: a plan only shown needs none (see [`Texts`]).
pub fn plan_with(options: &RepoOptions, cache: &ParseCache, texts: Texts) -> anyhow::Result<Planned> {
    plan_shown(options, cache, texts, &Silent)
}

/// [`plan_with`], telling `progress` which phase runs.
pub fn plan_shown(
    options: &RepoOptions,
    cache: &ParseCache,
    texts: Texts,
    progress: &dyn Progress,
) -> anyhow::Result<Planned> {
    prepare_with(options, cache, texts, progress, DEFAULT_MAX_NEW_PRS).map(|p| p.planned)
}

/// Everything a plan observes: status files, the forge, evidence, and what each request's backend sees.
fn observe_all(
    options: &RepoOptions,
    snapshot: &Snapshot,
    loaded: &Loaded,
    forge: Option<&dyn crate::forge::Forge>,
    context: &provision::Context,
) -> anyhow::Result<observe::Observed> {
    let mut observed = observe::observe(snapshot, forge);
    // Bot work on service repos (scaffolds, migration PRs) and module migrations run on a local forge that exists:
    // on GitHub they wait for their executors there (issue 23), and a forge directory nobody made is not one to
    // fill with repos. The sunset PR, made only of `Forge` calls, is planned on any forge.
    let bot_work = super::local_forge(options, loaded).is_some_and(|f| f.dir().is_dir());
    if let Some(forge) = forge.filter(|_| observed.forge.is_some()) {
        observe::observe_forge_side(&loaded.model, forge, bot_work, &Silent, &mut observed);
    }
    observe_evidence(options, snapshot, loaded, &mut observed)?;
    observe::observe_requests(&loaded.model, context, || observe::audit_texts(snapshot), &mut observed);
    Ok(observed)
}

/// The evidence half of observing: scorecard facts and the trend history, when the repo has scorecards.
fn observe_evidence(
    options: &RepoOptions,
    snapshot: &crate::source::Snapshot,
    loaded: &Loaded,
    observed: &mut observe::Observed,
) -> anyhow::Result<()> {
    if loaded.model.scorecards.is_empty() {
        return Ok(());
    }
    let now = super::scorecard::now()?;
    observed.evidence = Some(super::scorecard::gather(options, snapshot, loaded, now));
    observed.trend = super::scorecard::trend_history(options, loaded);
    Ok(())
}

pub struct Reconciled {
    pub planned: Planned,
    pub report: Option<ApplyReport>,
}

/// Accept an empty state directory on purpose (`paved reconcile --new-state`): mark it as this platform's, so
/// the next plan provisions afresh everything `status/` records (new passwords, keys and CA) instead of refusing.
pub fn adopt_new_state(options: &RepoOptions, cache: &ParseCache) -> anyhow::Result<PathBuf> {
    let _lease = super::lock_platform(options)?;
    let loaded = super::load(options, cache)?;
    let context = context(options, &loaded);
    provision::state::prepare(&context.state_dir, &context.platform, Some(&options.repo))
        .map_err(|e| anyhow::anyhow!("preparing the state directory {}: {e}", context.state_dir.display()))?;
    Ok(context.state_dir)
}

/// Plan and apply. With `dry_run`, nothing is written.
pub fn reconcile(options: &RepoOptions, cache: &ParseCache, dry_run: bool, actor: &str) -> anyhow::Result<Reconciled> {
    reconcile_shown(options, cache, dry_run, actor, &Silent)
}

/// [`reconcile`], telling `progress` which phase runs and counting the actions applied.
pub fn reconcile_shown(
    options: &RepoOptions,
    cache: &ParseCache,
    dry_run: bool,
    actor: &str,
    progress: &dyn Progress,
) -> anyhow::Result<Reconciled> {
    reconcile_only(options, cache, &Only { dry_run, actor, max_new_prs: DEFAULT_MAX_NEW_PRS, kinds: None }, progress)
}

/// How `paved reconcile` runs.
#[derive(Debug, Clone)]
pub struct ReconcileOptions<'a> {
    /// Plan only; write nothing.
    pub dry_run: bool,
    /// Adopt an empty state directory first ([`adopt_new_state`]); ignored on a dry run, which writes nothing.
    pub new_state: bool,
    /// Who the bot commit's audit records name.
    pub actor: &'a str,
}

/// `paved reconcile`: [`reconcile_shown`], after [`adopt_new_state`] when `run` asks for it, which is said on
/// stderr as it happens (as the lock's waiting note is).
pub fn reconcile_run(
    options: &RepoOptions,
    cache: &ParseCache,
    run: &ReconcileOptions,
    progress: &dyn Progress,
) -> anyhow::Result<Reconciled> {
    if run.new_state && !run.dry_run {
        let dir = adopt_new_state(options, cache)?;
        eprintln!("note: {} is now this platform's state; what status/ records is provisioned afresh", dir.display());
    }
    reconcile_shown(options, cache, run.dry_run, run.actor, progress)
}

/// Which part of the plan a run carries out, and how.
pub struct Only<'a> {
    pub dry_run: bool,
    pub actor: &'a str,
    /// At most this many migration PRs are newly opened.
    pub max_new_prs: usize,
    /// Only actions of these kinds (`paved paths sync`, `paved modules migrate`); `None`: the whole plan.
    pub kinds: Option<&'a [plan::ActionKind]>,
}

/// Plan and apply the actions `only` keeps: the whole plan for a reconcile, one kind of action for the commands
/// that run one kind by hand. Same plan, same ids, same executors either way.
pub fn reconcile_only(
    options: &RepoOptions,
    cache: &ParseCache,
    only: &Only<'_>,
    progress: &dyn Progress,
) -> anyhow::Result<Reconciled> {
    let lease = if only.dry_run { None } else { Some(super::lock_platform(options)?) };
    let mut done = reconcile_once(options, cache, only, lease.as_ref(), progress)?;
    // What the forge actions did (repos scaffolded, PRs opened) is new evidence for the scorecards and campaign
    // pages: one more pass takes it in, so a plan right after a reconcile is empty.
    if let Some(first) = done.report.as_mut().filter(|r| r.moved_the_forge()) {
        let next = reconcile_once(options, cache, only, lease.as_ref(), progress)?;
        if let Some(next) = next.report {
            first.follow(next);
        }
    }
    Ok(done)
}

/// One plan and apply of [`reconcile_only`], planned again when the branch moves under it.
fn reconcile_once(
    options: &RepoOptions,
    cache: &ParseCache,
    only: &Only<'_>,
    lease: Option<&crate::lock::Lease>,
    progress: &dyn Progress,
) -> anyhow::Result<Reconciled> {
    let Only { dry_run, actor, max_new_prs, kinds } = *only;
    let writable = options.rev.is_none() || super::is_worktree(&options.repo);
    let mut attempt = 1;
    loop {
        let Prepared { snapshot, mut planned, .. } = prepare_with(options, cache, Texts::Kept, progress, max_new_prs)?;
        if let Some(kinds) = kinds {
            planned.plan.actions.retain(|a| kinds.contains(&a.kind));
            planned.plan.forge.retain(|a| kinds.contains(&a.kind));
        }
        let Some(lease) = lease.filter(|_| writable) else {
            anyhow::ensure!(
                dry_run,
                "reconcile writes bot commits into a work tree; {} is not one (use --dry-run)",
                options.repo.display()
            );
            return Ok(Reconciled { planned, report: None });
        };
        match apply_planned_shown(options, &snapshot, &planned, actor, lease, progress) {
            // Someone committed between plan and commit (the lock keeps paved out, not people): nothing was
            // written over theirs; plan again from their commit. Backends converge, so re-applying is safe.
            Err(e) if attempt < MAX_ATTEMPTS && basis_moved(&e) => {
                tracing::info!(attempt, error = %e, "the branch moved under the plan; planning again");
                attempt += 1;
            }
            report => return Ok(Reconciled { planned, report: Some(report?) }),
        }
    }
}

/// How many times a reconcile plans again when the branch moves under it before giving up.
const MAX_ATTEMPTS: u32 = 3;

/// Did `e` refuse a commit because the branch is no longer where the plan was made?
fn basis_moved(e: &anyhow::Error) -> bool {
    matches!(
        e.downcast_ref::<apply::Error>(),
        Some(apply::Error::Stale { .. } | apply::Error::Workspace(apply::WorkspaceError::Moved { .. }))
    )
}

/// Apply `planned`, made from `snapshot`, to the work tree at `options.repo`, holding the platform's `lease`:
/// the second half of a reconcile.
pub fn apply_planned(
    options: &RepoOptions,
    snapshot: &Snapshot,
    planned: &Planned,
    actor: &str,
    lease: &crate::lock::Lease,
) -> anyhow::Result<ApplyReport> {
    apply_planned_shown(options, snapshot, planned, actor, lease, &Silent)
}

/// [`apply_planned`], counting the actions applied on `progress`.
fn apply_planned_shown(
    options: &RepoOptions,
    snapshot: &Snapshot,
    planned: &Planned,
    actor: &str,
    lease: &crate::lock::Lease,
    progress: &dyn Progress,
) -> anyhow::Result<ApplyReport> {
    let state = &planned.context.state_dir;
    provision::state::prepare(state, &planned.context.platform, Some(&options.repo))
        .map_err(|e| anyhow::anyhow!("preparing the state directory {}: {e}", state.display()))?;
    if let Err(broken) = super::audit_verify::verify_since_watermark(&options.repo, state, snapshot)? {
        return Err(super::failure::Terminal::AuditHistoryRewritten(broken).into());
    }
    let plan = &planned.plan;
    let rollout = !plan.forge.is_empty() || plan.actions.iter().any(|a| a.kind == plan::ActionKind::WriteCampaign);
    let forge = if rollout { super::forge(options, &planned.loaded)? } else { None };
    // Path versions are rendered again from their release tags once `path.yaml` moves on (and campaign pages
    // date releases by them).
    let tagged = if forge.is_some() { super::releases::tag_releases(snapshot, &planned.loaded)? } else { Vec::new() };
    let workspace = apply::workspace::for_dir(&options.repo, lease);
    let apply_options = ApplyOptions {
        actor: actor.to_owned(),
        now: chrono::Utc::now(),
        provisioning: Some(planned.context.clone()),
        workdir: None,
    };
    let mut report =
        apply::apply(&planned.plan, snapshot, workspace.as_ref(), forge.as_deref(), &apply_options, progress)?;
    report.tagged = tagged;
    if let (Some(commit), Some(tail)) = (&report.commit, &report.audit_tail) {
        super::audit_verify::advance_watermark(state, commit, tail)?;
    }
    Ok(report)
}
