//! `paved daemon`: wire the daemon's parts together (configuration, triggers, scheduler, HTTP endpoint, signals)
//! and run until SIGTERM or SIGINT. Each pass is [`super::reconcile::reconcile`], run on a blocking thread.
//!
//! # Guarantees
//! - Secrets (the webhook secret) come only from the environment (`PAVED_WEBHOOK_SECRET`) or a file
//!   (`PAVED_WEBHOOK_SECRET_FILE` / `--webhook-secret-file`), never from a flag value, and are never logged.
//! - SIGTERM or SIGINT: no new pass starts, the running one finishes (its bot commit lands or not, whole), the
//!   HTTP endpoint stops, and the process exits 0.
//! - A failed pass that may pass by itself is retried with backoff; one that needs a person (a
//!   [`super::failure::Terminal`]: the audit history rewritten, the state directory not this platform's, an invalid
//!   platform.yaml) stalls reconciling: it is logged once at error level with what to do, `paved_stalled{reason}`
//!   is 1, `/readyz` stays ready, and no pass runs on a timer or for the same commit until a change comes (a new
//!   commit, a webhook). PR plans and the sunset review go on meanwhile.
//! - Crash safety is the reconcile pass's own (idempotent apply keyed by action ids): a daemon killed at any point
//!   and started again does nothing twice. The daemon keeps no state of its own across restarts.

use super::RepoOptions;
use super::failure::{Failure, StallReason, Terminal};
use super::incremental::{How, WarmPlanner};
use super::reconcile::apply_planned;
use crate::daemon::http::{self, AppState};
use crate::daemon::metrics::Metrics;
use crate::daemon::remote::{self, Pulled};
use crate::daemon::scheduler::{self, Outcome, Trigger, Triggers};
use crate::daemon::webhook::{Gate, Secret};
use crate::daemon::{Job, parse_duration, watch};
use crate::model::cache::ParseCache;
use anyhow::Context;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The resync interval when neither the flag nor platform.yaml sets one.
pub const DEFAULT_RESYNC: Duration = Duration::from_secs(600);

/// How often the daemon runs the sunset review when platform.yaml sets no `spec.schedules.scorecards`.
pub const DEFAULT_SUNSET_REVIEW: Duration = Duration::from_secs(24 * 3600);

#[derive(Debug, Clone)]
pub struct DaemonOptions {
    pub repo: RepoOptions,
    pub listen: SocketAddr,
    /// Overrides platform.yaml `spec.schedules.resync`.
    pub resync: Option<Duration>,
    /// How long a burst of triggers is gathered before its pass starts.
    pub debounce: Duration,
    /// Watch the platform work tree for changes.
    pub watch: bool,
    /// A file holding the webhook secret (used when `PAVED_WEBHOOK_SECRET` is not set).
    pub webhook_secret_file: Option<PathBuf>,
    /// Keep the work tree in step with its upstream: fetch before each pass, push bot commits after
    /// (see [`crate::daemon::remote`]). Only for a clone that belongs to the daemon.
    pub sync_remote: bool,
    /// With `sync_remote`, how often to fetch when no webhook says something changed.
    pub poll: Duration,
}

/// Run the daemon until a shutdown signal.
pub fn run(options: DaemonOptions) -> anyhow::Result<()> {
    let secret = webhook_secret(&options)?;
    // The git processes a pass starts must not inherit the webhook secret.
    // SAFETY: no other thread exists yet (the runtime starts below), so nothing reads the environment meanwhile.
    unsafe { std::env::remove_var("PAVED_WEBHOOK_SECRET") };
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().context("starting tokio")?;
    runtime.block_on(serve(options, secret))
}

/// The webhook secret from the environment or a file; `None` when neither is set.
fn webhook_secret(options: &DaemonOptions) -> anyhow::Result<Option<Secret>> {
    if let Some(value) = std::env::var_os("PAVED_WEBHOOK_SECRET").filter(|v| !v.is_empty()) {
        return Ok(Some(Secret::new(value.into_encoded_bytes())));
    }
    let Some(path) = &options.webhook_secret_file else { return Ok(None) };
    let mut bytes =
        std::fs::read(path).with_context(|| format!("reading the webhook secret file {}", path.display()))?;
    // Files written by `echo` or Kubernetes tooling often end in a newline that is not part of the secret.
    while bytes.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
        bytes.pop();
    }
    anyhow::ensure!(!bytes.is_empty(), "the webhook secret file {} is empty", path.display());
    Ok(Some(Secret::new(bytes)))
}

/// What every pass shares.
struct PassContext {
    options: RepoOptions,
    cache: ParseCache,
    /// The last plan, patched for each new commit; planned from scratch on every resync.
    planner: Mutex<WarmPlanner>,
    metrics: Arc<Metrics>,
    ready: Arc<AtomicBool>,
    resync: Duration,
    sync_remote: bool,
    /// HEAD after the last successful full pass, and when that pass ended.
    last: Mutex<Option<(Option<String>, Instant)>>,
    /// HEAD as the last reconcile pass read it (Flux's last attempted revision).
    attempted: Mutex<Option<String>>,
    /// Set while reconciling is stalled on an error that needs a person.
    stalled: Mutex<Option<Stalled>>,
    /// How often the quarterly sunset review runs (`spec.schedules.scorecards`).
    sunset_every: Duration,
    /// Where open PRs of the platform repo are read: the local forge and the repo's name.
    pr_source: Option<(crate::forge::local::LocalForge, String)>,
    /// What the open PRs looked like when their plans were last posted.
    pr_fingerprint: Mutex<Option<String>>,
    /// To ask for the PR plans after a reconcile moved the default branch (their base).
    scheduler: scheduler::Handle<Job>,
}

impl PassContext {
    fn head(&self) -> Option<String> {
        crate::apply::workspace::head_of(&self.options.repo).ok().flatten()
    }

    /// Run one job's pass.
    fn run(&self, job: Job, triggers: &Triggers) -> anyhow::Result<Outcome> {
        match job {
            Job::Reconcile => self.pass(triggers),
            Job::PrPlans => Ok(self.refresh_pr_plans(triggers)),
            Job::SunsetReview => Ok(self.sunset_review()),
        }
    }

    /// Level-triggered PR plans: every open PR on the platform repo gets its plan comment and `paved/policy`
    /// check for its current head (approvals change the verdict; a pushed head makes the old check stale).
    /// Skipped, reading nothing but the PR list, when no PR, head, review or base moved since the last time (the
    /// resync recomputes them all). Local forge only: the plan reads both commits from its bare repository.
    fn refresh_pr_plans(&self, triggers: &Triggers) -> Outcome {
        let again = Outcome::requeue(self.resync);
        let Some((forge, repo)) = &self.pr_source else { return again };
        use crate::forge::Forge;
        let Ok(prs) = forge.list_prs(repo, Some(crate::forge::PrState::Open)) else { return again };
        let mut fingerprint = String::new();
        for pr in &prs {
            let base = forge.branch_head(repo, &pr.base).ok().flatten().unwrap_or_default();
            let reviews: Vec<_> = pr.reviews.iter().map(|r| (&r.reviewer, r.state, &r.commit)).collect();
            fingerprint.push_str(&format!("{} {} {base} {reviews:?}\n", pr.number, pr.head_commit));
        }
        {
            let last = self.pr_fingerprint.lock().expect("no panics while the PR fingerprint is locked");
            if !triggers.contains(&Trigger::Requeue) && last.as_deref() == Some(fingerprint.as_str()) {
                return again;
            }
        }
        let mut all_posted = true;
        for pr in prs {
            match super::review::post(forge, repo, pr.number, &self.cache) {
                Ok((review, _)) => {
                    tracing::info!(pr = pr.number, head = %pr.head_commit, conclusion = ?review.conclusion(), "PR plan posted")
                }
                Err(e) => {
                    all_posted = false;
                    tracing::warn!(pr = pr.number, error = %format!("{e:#}"), "PR plan failed")
                }
            }
        }
        // A failed post is tried again on the next trigger, not skipped as seen.
        *self.pr_fingerprint.lock().expect("no panics while the PR fingerprint is locked") =
            all_posted.then_some(fingerprint);
        again
    }

    /// The sunset review (`paved scorecard deprecations`) on its timer. It is idempotent per quarter, so the
    /// timer only bounds its cost (listing PRs on GitHub); a failure is logged and retried at the next tick, and
    /// never holds up reconciling.
    fn sunset_review(&self) -> Outcome {
        match super::sunset::propose(&self.options, &self.cache, false) {
            Ok(o) => match &o.result {
                Ok(what) => {
                    tracing::info!(quarter = %o.quarter, candidates = o.candidates.len(), outcome = %what, "sunset review")
                }
                Err(e) => tracing::warn!(quarter = %o.quarter, error = %e, "sunset review failed"),
            },
            Err(e) => tracing::warn!(error = %format!("{e:#}"), "sunset review failed"),
        }
        Outcome::requeue(self.sunset_every)
    }

    /// What the scheduler does after `job` failed `failures` times in a row: retry an error that may pass with
    /// backoff; stall on one that needs a person (see [`Failure`]) until a trigger comes.
    fn failed(&self, job: Job, error: &anyhow::Error, failures: u32) -> Outcome {
        let reason = match Failure::of(error) {
            Failure::Transient => {
                let after = retry_after(failures, self.resync);
                tracing::error!(job = %job, failures, retry_in_s = after.as_secs(), error = %format!("{error:#}"), "reconcile failed");
                return Outcome::requeue(after);
            }
            Failure::Terminal(reason) => reason,
        };
        let head = self.attempted.lock().expect("no panics while the pass context is locked").clone();
        let mut stalled = self.stalled.lock().expect("no panics while the pass context is locked");
        let again = stalled.as_ref().is_some_and(|s| s.reason == reason);
        if let Some(before) = stalled.replace(Stalled { reason, head }) {
            self.metrics.stalled(before.reason.as_str(), false);
        }
        self.metrics.stalled(reason.as_str(), true);
        if again {
            tracing::info!(job = %job, %reason, error = %format!("{error:#}"), "still stalled");
        } else {
            tracing::error!(
                job = %job,
                %reason,
                error = %format!("{error:#}"),
                what_to_do = reason.remedy(),
                "reconcile stalled: this needs a person, so it is not retried until a new commit or a webhook"
            );
        }
        Outcome::await_change()
    }

    /// A pass succeeded: whatever stalled reconciling was mended.
    fn resumed(&self) {
        let stalled = self.stalled.lock().expect("no panics while the pass context is locked").take();
        if let Some(s) = stalled {
            self.metrics.stalled(s.reason.as_str(), false);
            tracing::info!(reason = %s.reason, "reconcile resumed: no longer stalled");
        }
    }

    /// One pass, counted: an error anywhere (fetch, reconcile, push) is an error of the pass.
    fn pass(&self, triggers: &Triggers) -> anyhow::Result<Outcome> {
        let result = self.pass_inner(triggers);
        self.ready.store(true, Ordering::SeqCst);
        if result.is_err() {
            self.metrics.errors.inc();
            self.metrics.pass("error");
        }
        result
    }

    /// A pass under the platform's lock (another paved may be reconciling the same platform).
    fn pass_inner(&self, triggers: &Triggers) -> anyhow::Result<Outcome> {
        let lease = super::lock_platform(&self.options)?;
        self.pass_locked(triggers, &lease)
    }

    /// The whole reconcile, unless only the watch or the poll fired and the commit it would read has not moved
    /// (paved reconciles commits; an edit not yet committed, or paved's own bot commit, changes nothing).
    fn pass_locked(&self, triggers: &Triggers, lease: &crate::lock::Lease) -> anyhow::Result<Outcome> {
        let why: Vec<&str> = triggers.iter().map(|t| t.as_str()).collect();
        let why = why.join(",");
        if self.sync_remote {
            match remote::pull(&self.options.repo).context("fetching the platform repo")? {
                Pulled::UpToDate => {}
                pulled => tracing::info!(?pulled, "work tree moved to the remote"),
            }
        }
        let head = self.head();
        *self.attempted.lock().expect("no panics while the pass context is locked") = head.clone();
        let only_watch_or_poll = triggers.iter().all(|t| matches!(t, Trigger::Watch | Trigger::Poll));
        let stalled_at =
            self.stalled.lock().expect("no panics while the pass context is locked").as_ref().map(|s| s.head.clone());
        if let Some(stalled_at) = &stalled_at
            && only_watch_or_poll
            && head.is_some()
            && *stalled_at == head
        {
            // The commit that stalled has not moved: the same pass would fail the same way.
            self.metrics.pass("skipped");
            tracing::debug!(triggers = %why, "stalled at HEAD; pass skipped until a change");
            return Ok(Outcome::await_change());
        }
        if stalled_at.is_none() {
            let last = self.last.lock().expect("no panics while the pass context is locked");
            if let Some((last_head, at)) = &*last
                && only_watch_or_poll
                && head.is_some()
                && *last_head == head
            {
                self.metrics.pass("skipped");
                tracing::debug!(triggers = %why, "nothing new at HEAD; pass skipped");
                // Keep the resync on its schedule: a skipped pass must not postpone it.
                return Ok(Outcome::requeue(self.resync.saturating_sub(at.elapsed())));
            }
        }
        let state = super::state_dir_for(&self.options, super::configured_state(&self.options).as_deref());
        let published = super::audit_verify::Watermark::read(&state)?;
        let started = Instant::now();
        let done = self.reconcile(triggers, lease)?;
        let elapsed = started.elapsed();
        self.metrics.reconcile_duration.observe(elapsed.as_secs_f64());
        for kind in &done.actions {
            self.metrics.action(kind, "applied");
        }
        self.metrics.pass("ok");
        self.resumed();
        let now = chrono::Utc::now();
        self.metrics.last_success.set(now.timestamp_millis() as f64 / 1000.0);
        // Invalid files keep their last good state (the pass goes on); say which, so they get fixed.
        for d in &done.invalid {
            tracing::warn!(diagnostic = %d, "invalid input kept at its last good state");
        }
        tracing::info!(
            triggers = %why,
            actions = done.applied,
            commit = done.commit.as_deref(),
            errors = done.errors,
            forge_error = done.forge_error.as_deref(),
            planned = %done.how,
            duration_ms = elapsed.as_millis() as u64,
            "reconciled"
        );
        if self.sync_remote {
            match remote::push(&self.options.repo).context("pushing the bot commit") {
                Ok(true) => tracing::info!("bot commit pushed"),
                Ok(false) => {}
                Err(e) => {
                    // The next fetch drops the bot commit the remote refused (it plans again from the remote's
                    // commit): the audit watermark goes back to what was published, or that drop would look like
                    // a rewrite of the history.
                    super::audit_verify::Watermark::restore(published.as_ref(), &state)?;
                    return Err(e);
                }
            }
        }
        let moved = {
            let mut last = self.last.lock().expect("no panics while the pass context is locked");
            let moved = last.as_ref().is_none_or(|(before, _)| *before != head);
            *last = Some((self.head(), Instant::now()));
            moved
        };
        if moved {
            // A new base: policies, modules or the catalog may judge the open PRs differently now.
            self.scheduler.trigger(Job::PrPlans, Trigger::Requeue);
        }
        if done.forge_moved {
            // Repos scaffolded and PRs opened are new evidence (scorecards, campaign pages): observe again now.
            return Ok(Outcome::requeue(Duration::ZERO));
        }
        Ok(Outcome::requeue(self.resync))
    }

    /// Plan (patching the last plan unless this is a resync or a retry) and apply.
    fn reconcile(&self, triggers: &Triggers, lease: &crate::lock::Lease) -> anyhow::Result<Reconciled> {
        let mut planner = self.planner.lock().expect("no panics while the planner is locked");
        if triggers.contains(&Trigger::Requeue) {
            // The resync: drift that came without a commit (a resource changed by hand) is only seen by a full
            // observation; a retry after an error starts clean too.
            planner.forget();
        }
        let how = planner.plan(&self.cache)?;
        let platform_error = planner.planned().and_then(|p| {
            p.loaded.diagnostics.iter().find(|d| d.is_error() && d.path == "platform.yaml").map(ToString::to_string)
        });
        if let Some(error) = platform_error {
            // Planned against a platform it could not read, the pass would act on defaults (no backends, no
            // forge, another platform's name): apply nothing.
            planner.forget();
            return Err(Terminal::PlatformInvalid(error).into());
        }
        if matches!(how, How::Full { .. }) {
            // A full plan touched every file it needs: what it did not is gone from the repo.
            self.cache.retain_used();
        }
        let (Some(planned), Some(snapshot)) = (planner.planned(), planner.snapshot()) else {
            anyhow::bail!("the planner returned no plan");
        };
        let report = apply_planned(&self.options, snapshot, planned, "paved", lease);
        let diagnostics = &planned.loaded.diagnostics;
        let done = report.map(|report| Reconciled {
            how,
            applied: report.applied.len(),
            commit: report.commit.clone(),
            actions: planned.plan.actions.iter().map(|a| a.kind.as_str()).collect(),
            invalid: diagnostics.iter().filter(|d| d.is_error()).take(20).map(ToString::to_string).collect(),
            errors: diagnostics.errors(),
            forge_error: planned.forge_error.clone(),
            forge_moved: report.moved_the_forge(),
        });
        match &done {
            Ok(_) => planner.applied(),
            // What the apply managed before failing is not in the last plan's basis: plan afresh next time.
            Err(_) => planner.forget(),
        }
        done
    }
}

/// Why and where reconciling stalled.
struct Stalled {
    reason: StallReason,
    /// The commit it stalled at: a watch or poll that finds HEAD still there skips the pass.
    head: Option<String>,
}

/// What one daemon reconcile did, for its log line and metrics.
struct Reconciled {
    how: How,
    applied: usize,
    commit: Option<String>,
    actions: Vec<&'static str>,
    /// The first invalid inputs (kept at their last good state), as `path:line:col: message`.
    invalid: Vec<String>,
    errors: usize,
    forge_error: Option<String>,
    /// A forge action of the pass did something.
    forge_moved: bool,
}

/// Retry a failed pass after 5 s, doubling per failure in a row, never later than the resync interval.
fn retry_after(failures: u32, resync: Duration) -> Duration {
    let backoff = Duration::from_secs(5).saturating_mul(2u32.saturating_pow(failures.saturating_sub(1).min(16)));
    backoff.min(resync.max(Duration::from_secs(5)))
}

async fn serve(options: DaemonOptions, secret: Option<Secret>) -> anyhow::Result<()> {
    let cache = ParseCache::new();
    let loaded = super::load(&options.repo, &cache).context("loading the platform repo")?;
    let platform = &loaded.model.platform.spec;
    let resync = match (options.resync, &platform.schedules.resync) {
        (Some(flag), _) => flag,
        (None, Some(text)) => parse_duration(text).with_context(|| {
            format!("platform.yaml spec.schedules.resync: `{text}` is not a duration such as 10m, 30s or 1h")
        })?,
        (None, None) => DEFAULT_RESYNC,
    };
    let sunset_every = match &platform.schedules.scorecards {
        Some(text) => parse_duration(text).with_context(|| {
            format!("platform.yaml spec.schedules.scorecards: `{text}` is not a duration such as 24h")
        })?,
        None => DEFAULT_SUNSET_REVIEW,
    };
    let key = platform.repos.platform.clone().unwrap_or_else(|| options.repo.repo.display().to_string());
    let pr_source = super::local_forge(&options.repo, &loaded).zip(platform.repos.platform.clone());
    let webhook_repos: Vec<String> = platform.repos.platform.iter().cloned().collect();
    if webhook_repos.is_empty() {
        tracing::warn!("platform.yaml sets no spec.repos.platform: webhook events will all be ignored");
    }
    let gate = match secret {
        Some(secret) => Some(Gate::new(secret, webhook_repos)),
        None => {
            tracing::warn!("no webhook secret (PAVED_WEBHOOK_SECRET or --webhook-secret-file): /webhook refuses all");
            None
        }
    };

    let metrics = Arc::new(Metrics::new());
    let ready = Arc::new(AtomicBool::new(false));
    let (handle, runner) = scheduler::new::<Job>(scheduler::Config { debounce: options.debounce });
    let ctx = Arc::new(PassContext {
        options: options.repo.clone(),
        cache,
        planner: Mutex::new(WarmPlanner::new(options.repo.clone())),
        metrics: metrics.clone(),
        ready: ready.clone(),
        resync,
        sync_remote: options.sync_remote,
        last: Mutex::new(None),
        attempted: Mutex::new(None),
        stalled: Mutex::new(None),
        sunset_every,
        pr_source: pr_source.clone(),
        pr_fingerprint: Mutex::new(None),
        scheduler: handle.clone(),
    });
    if options.sync_remote {
        anyhow::ensure!(
            remote::has_upstream(&options.repo.repo),
            "--sync-remote: the current branch of {} tracks no remote branch",
            options.repo.repo.display()
        );
        let h = handle.clone();
        let every = options.poll;
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticks.tick().await;
                if !h.trigger(Job::Reconcile, Trigger::Poll) {
                    break;
                }
            }
        });
    }

    let _watch = if options.watch {
        let h = handle.clone();
        Some(
            watch::watch(&options.repo.repo, options.debounce, move |rel| {
                tracing::debug!(path = rel, "work tree changed");
                h.trigger(Job::Reconcile, Trigger::Watch);
            })
            .context("starting the file watch")?,
        )
    } else {
        None
    };
    let _pr_watch = match &pr_source {
        Some((forge, repo)) => Some(watch_prs(forge, repo, options.debounce, handle.clone())?),
        None => None,
    };

    let listener = tokio::net::TcpListener::bind(options.listen)
        .await
        .with_context(|| format!("listening on {}", options.listen))?;
    let state = Arc::new(AppState { metrics: metrics.clone(), gate, scheduler: handle.clone(), ready: ready.clone() });
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let mut server_stop = stop_rx.clone();
    let server = tokio::spawn(async move {
        axum::serve(listener, http::router(state))
            .with_graceful_shutdown(async move {
                let _ = server_stop.wait_for(|stop| *stop).await;
            })
            .await
    });
    tracing::info!(
        listen = %options.listen,
        repo = %options.repo.repo.display(),
        key = %key,
        resync_s = resync.as_secs(),
        watch = options.watch,
        sync_remote = options.sync_remote,
        "paved daemon started"
    );

    tokio::spawn(async move {
        shutdown_signal().await;
        let _ = stop_tx.send(true);
    });

    for job in [Job::Reconcile, Job::PrPlans, Job::SunsetReview] {
        handle.trigger(job, Trigger::Startup);
    }
    let reconcile_fn = {
        let ctx = ctx.clone();
        move |job: Job, triggers: Triggers| {
            let ctx = ctx.clone();
            async move {
                tokio::task::spawn_blocking(move || ctx.run(job, &triggers))
                    .await
                    .unwrap_or_else(|e| Err(anyhow::anyhow!("the reconcile pass panicked: {e}")))
            }
        }
    };
    for reason in StallReason::ALL {
        metrics.stalled(reason.as_str(), false);
    }
    let error_policy = {
        let ctx = ctx.clone();
        move |job: &Job, error: &anyhow::Error, failures: u32| ctx.failed(*job, error, failures)
    };
    let mut runner_stop = stop_rx.clone();
    runner
        .run(reconcile_fn, error_policy, async move {
            let _ = runner_stop.wait_for(|stop| *stop).await;
        })
        .await;
    ready.store(false, Ordering::SeqCst);
    server.await.context("the HTTP endpoint task")?.context("the HTTP endpoint")?;
    tracing::info!("paved daemon stopped");
    Ok(())
}

/// Watch the local forge for what changes a PR plan: the platform repo's PR records (opened, reviewed, closed)
/// and its branches (a push to a PR or to its base). paved's own comments and checks land in the same records;
/// the PR plans' fingerprint makes those passes read the PR list and stop.
fn watch_prs(
    forge: &crate::forge::local::LocalForge,
    repo: &str,
    debounce: Duration,
    handle: scheduler::Handle<Job>,
) -> anyhow::Result<watch::Watch> {
    let (owner, name) = crate::forge::split_repo(repo)?;
    let records = format!("pulls/{owner}/{name}/");
    let refs = format!("repos/{owner}/{name}.git/refs/heads/");
    let packed = format!("repos/{owner}/{name}.git/packed-refs");
    let matters = move |rel: &str, is_dir: bool| {
        let rel_dir = format!("{rel}/");
        let under = |prefix: &str| rel.starts_with(prefix) || (is_dir && prefix.starts_with(&rel_dir));
        (under(&records) || under(&refs) || rel == packed) && !rel.ends_with(".lock")
    };
    std::fs::create_dir_all(forge.dir()).with_context(|| format!("creating {}", forge.dir().display()))?;
    watch::watch_with(forge.dir(), debounce, matters, move |rel| {
        tracing::debug!(path = rel, "forge changed");
        handle.trigger(Job::PrPlans, Trigger::Watch);
    })
    .context("watching the local forge")
}

/// SIGTERM (what Kubernetes sends) or SIGINT (Ctrl-C).
async fn shutdown_signal() {
    let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(error = %e, "cannot listen for SIGTERM; only SIGINT stops the daemon");
            let _ = tokio::signal::ctrl_c().await;
            return;
        }
    };
    tokio::select! {
        _ = term.recv() => tracing::info!("SIGTERM: finishing the current pass, then stopping"),
        _ = tokio::signal::ctrl_c() => tracing::info!("SIGINT: finishing the current pass, then stopping"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_and_stay_under_the_resync() {
        let resync = Duration::from_secs(600);
        let waits: Vec<u64> = (1..=9).map(|n| retry_after(n, resync).as_secs()).collect();
        assert_eq!(waits, vec![5, 10, 20, 40, 80, 160, 320, 600, 600]);
        assert_eq!(retry_after(u32::MAX, resync), resync);
    }
}
