//! `paved plan` and `paved reconcile`: load, judge, observe, plan, and (unless dry-run) apply.

use super::{RepoOptions, open_snapshot};
use crate::apply::{self, ApplyOptions, ApplyReport};
use crate::model::Loaded;
use crate::model::cache::{FileClass, ParseCache};
use crate::observe;
use crate::plan::requests::Judged;
use crate::plan::{self, Plan};
use crate::policy::{self, PolicySet};
use crate::provision;
use crate::source::Snapshot;
use std::path::PathBuf;

pub struct Planned {
    pub loaded: Loaded,
    pub plan: Plan,
    pub forge_error: Option<String>,
    pub context: provision::Context,
}

/// paved's state directory: `--state`, then `PAVED_STATE`, then `<repo>/.paved/state`.
pub fn state_dir(options: &RepoOptions) -> PathBuf {
    options
        .state
        .clone()
        .or_else(|| std::env::var_os("PAVED_STATE").map(PathBuf::from))
        .unwrap_or_else(|| options.repo.join(".paved").join("state"))
}

/// The provisioning context of a loaded platform.
pub fn context(options: &RepoOptions, loaded: &Loaded) -> provision::Context {
    let state_dir = state_dir(options);
    let native = &loaded.model.platform.spec.native;
    let output_dir = native.output_dir.as_ref().map(|d| options.repo.join(d)).unwrap_or_else(|| state_dir.join("out"));
    provision::Context {
        platform: if loaded.model.platform.name.is_empty() {
            "paved".into()
        } else {
            loaded.model.platform.name.clone()
        },
        state_dir,
        output_dir,
        postgres: native.postgres.clone(),
        nats: native.nats.clone(),
        repo_root: Some(options.repo.clone()),
        plan_judge: None,
    }
}

/// Every request's verdict, judged by the policies in the same snapshot (on the default branch, that is the base).
///
/// Verdicts are remembered in `cache` by the hash of the policies and of the request's policy input, so a plan
/// after a one-file commit evaluates only the requests whose input changed; the rest are evaluated on both cores.
pub fn judge(
    snapshot: &Snapshot,
    loaded: &Loaded,
    cache: &ParseCache,
) -> std::collections::BTreeMap<String, Result<policy::Verdict, String>> {
    type Judgement = Result<policy::Verdict, String>;
    let model = &loaded.model;
    let sources = policy::module_sources(snapshot, model);
    let set = PolicySet::compile(model, &sources);
    let mut fingerprint = Vec::new();
    for p in model.policies.values() {
        fingerprint.extend_from_slice(format!("{}\0{}\0", p.path, p.source).as_bytes());
    }
    for (module, path, source) in &sources {
        fingerprint.extend_from_slice(format!("{module}\0{path}\0{source}\0").as_bytes());
    }
    // Hashed once: the policy text (tens of KB) must not be copied and hashed again for every request.
    let policies = crate::source::blob_id(&fingerprint);
    // Each thread judges its share of the requests on one evaluator (one VM or engine per thread).
    let judge_one = |evaluator: &mut Result<policy::Evaluator<'_>, String>, r: &crate::model::request::Request| {
        let input = policy::input::for_request(model, r, None);
        let mut key = policies.as_bytes().to_vec();
        key.extend_from_slice(r.spec.capability.as_bytes());
        key.push(0);
        key.extend_from_slice(serde_json::to_string(&input).expect("a JSON value always serializes").as_bytes());
        let verdict: std::sync::Arc<Judgement> =
            cache.get_or_compute(crate::source::blob_id(&key), FileClass::Verdict, || match evaluator {
                Ok(evaluator) => evaluator.evaluate(Some(&r.spec.capability), &input).map_err(|e| e.to_string()),
                // The policies did not compile: every request carries that error.
                Err(compile_error) => Err(compile_error.clone()),
            });
        (*verdict).clone()
    };
    let requests: Vec<(&String, &crate::model::request::Request)> = model.requests.iter().collect();
    let verdicts = crate::par::map_with(
        &requests,
        2,
        || set.as_ref().map(PolicySet::evaluator).map_err(ToString::to_string),
        |evaluator, (_, r)| judge_one(evaluator, r),
    );
    requests.into_iter().map(|(key, _)| key.clone()).zip(verdicts).collect()
}

/// The policies of `snapshot`, applied to a Terraform plan: the request's own input plus `input.plan`.
fn plan_judge(snapshot: &Snapshot, loaded: &Loaded) -> Option<provision::PlanJudge> {
    let model = loaded.model.clone();
    let set = PolicySet::compile(&model, &policy::module_sources(snapshot, &model)).ok()?;
    Some(std::sync::Arc::new(move |target: &provision::Target, plan: &serde_json::Value| {
        let request = model.requests.get(&target.key()).ok_or_else(|| format!("no request {}", target.key()))?;
        let input = policy::input::for_request(&model, request, Some(plan));
        set.evaluate(Some(&target.capability), &input).map_err(|e| e.to_string())
    }))
}

fn prepare(options: &RepoOptions, cache: &ParseCache) -> anyhow::Result<(Snapshot, Planned)> {
    let mut phase = Phases::start();
    let snapshot = open_snapshot(options)?;
    let loaded = crate::model::load(&snapshot, cache, &crate::model::LoadOptions { strict: options.strict });
    phase.done("load");
    let forge = super::forge(options, &loaded)?;
    let mut observed = observe::observe(&snapshot, forge.as_deref());
    observe_evidence(options, &snapshot, &loaded, &mut observed)?;
    let mut context = context(options, &loaded);
    context.plan_judge = plan_judge(&snapshot, &loaded);
    observe::observe_requests(&loaded.model, &context, &mut observed);
    phase.done("observe");
    let judged = Judged { verdicts: judge(&snapshot, &loaded, cache), context: context.clone() };
    phase.done("judge");
    let plan = plan::plan(&loaded, Some(&judged), &observed);
    phase.done("plan");
    Ok((snapshot, Planned { loaded, plan, forge_error: observed.forge_error, context }))
}

/// Wall time per phase of a plan, logged at debug level (`PAVED_LOG=paved=debug`): where a slow plan spends it.
struct Phases(std::time::Instant);

impl Phases {
    fn start() -> Self {
        Phases(std::time::Instant::now())
    }

    fn done(&mut self, phase: &str) {
        tracing::debug!(phase, ms = self.0.elapsed().as_secs_f64() * 1e3, "plan phase done");
        self.0 = std::time::Instant::now();
    }
}

/// Load, observe and plan.
pub fn plan(options: &RepoOptions, cache: &ParseCache) -> anyhow::Result<Planned> {
    prepare(options, cache).map(|(_, planned)| planned)
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

/// Plan and apply. With `dry_run`, nothing is written.
pub fn reconcile(options: &RepoOptions, cache: &ParseCache, dry_run: bool, actor: &str) -> anyhow::Result<Reconciled> {
    let (snapshot, planned) = prepare(options, cache)?;
    if dry_run || options.rev.is_some() && !super::is_worktree(&options.repo) {
        anyhow::ensure!(
            dry_run,
            "reconcile writes bot commits into a work tree; {} is not one (use --dry-run)",
            options.repo.display()
        );
        return Ok(Reconciled { planned, report: None });
    }
    let workspace = apply::workspace::for_dir(&options.repo);
    let apply_options =
        ApplyOptions { actor: actor.to_owned(), now: chrono::Utc::now(), provisioning: Some(planned.context.clone()) };
    let report = apply::apply(&planned.plan, &snapshot, workspace.as_ref(), &apply_options)?;
    Ok(Reconciled { planned, report: Some(report) })
}
