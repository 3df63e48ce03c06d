//! When reconcile passes run: triggers in, passes out. Kept apart from the reconcile function itself, as kube-rs
//! keeps its `scheduler`/`runner` apart from the user's `reconcile`: the daemon hands [`Runner::run`] an async
//! function `reconcile(key, triggers) -> Result<Outcome, E>` and an `error_policy`, and the scheduler decides
//! when to call them.
//!
//! # Guarantees
//! - At most one pass per key at a time; passes of different keys may overlap.
//! - Triggers coalesce: every trigger that arrives for a key while it waits (the debounce window) or while its
//!   pass runs is folded into the *next* pass, so a burst of any size gives one pass, or two when it straddles a
//!   running one. Each pass is told which kinds of trigger it answers ([`Triggers`]).
//! - A finished pass may ask to run again later ([`Outcome::requeue`]); a failed one gets the [`Outcome`]
//!   `error_policy` picks (told how many passes in a row failed): a retry after a delay for an error that may pass,
//!   or [`Outcome::await_change`] for one that needs a person (the key stalls until a trigger comes). A newer
//!   pass's request replaces an older one. While a key is failing, new triggers wait for its retry time, so events
//!   cannot defeat the backoff; a stalled key has no retry time, so its next trigger runs after the debounce.
//! - On shutdown no new pass starts and [`Runner::run`] returns once the running passes have finished: a pass is
//!   never abandoned halfway by the scheduler.

use std::collections::{BTreeSet, HashMap};
use std::future::Future;
use std::hash::Hash;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio::time::Instant;

/// Why a pass was asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Trigger {
    /// The daemon started.
    Startup,
    /// A file changed in the watched work tree.
    Watch,
    /// A webhook delivery.
    Webhook,
    /// The remote poll interval elapsed.
    Poll,
    /// An earlier pass asked to run again (the periodic resync, or a retry after an error).
    Requeue,
}

impl Trigger {
    pub fn as_str(self) -> &'static str {
        match self {
            Trigger::Startup => "startup",
            Trigger::Watch => "watch",
            Trigger::Webhook => "webhook",
            Trigger::Poll => "poll",
            Trigger::Requeue => "requeue",
        }
    }
}

/// The kinds of trigger one pass answers (never empty).
pub type Triggers = BTreeSet<Trigger>;

/// What a successful pass asks of the scheduler. Made only through [`Outcome::requeue`] and
/// [`Outcome::await_change`], so it cannot be in a meaningless state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    requeue_after: Option<Duration>,
}

impl Outcome {
    /// Run again after `after` even if nothing triggers it: the periodic full resync that catches drift no event
    /// reports.
    #[must_use]
    pub fn requeue(after: Duration) -> Self {
        Outcome { requeue_after: Some(after) }
    }
    /// Run again only when a trigger arrives. From `error_policy`: the error needs a person, so retrying on a
    /// timer would only repeat it; the change that mends it (a commit, a webhook) is the trigger.
    #[must_use]
    pub fn await_change() -> Self {
        Outcome { requeue_after: None }
    }
}

/// Scheduler settings.
#[derive(Debug, Clone)]
pub struct Config {
    /// How long the first trigger of a burst waits for the rest before its pass starts.
    pub debounce: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Config { debounce: Duration::from_millis(300) }
    }
}

/// Sends triggers to the scheduler. Cheap to clone; sending never blocks.
#[derive(Debug)]
pub struct Handle<K> {
    tx: mpsc::UnboundedSender<(K, Trigger)>,
    queued: Arc<AtomicUsize>,
}

impl<K> Clone for Handle<K> {
    fn clone(&self) -> Self {
        Handle { tx: self.tx.clone(), queued: self.queued.clone() }
    }
}

impl<K> Handle<K> {
    /// Ask for a pass of `key`. Returns false once the scheduler has stopped.
    pub fn trigger(&self, key: K, why: Trigger) -> bool {
        self.tx.send((key, why)).is_ok()
    }
    /// Keys waiting for a pass (not counting those only running).
    pub fn queue_depth(&self) -> usize {
        self.queued.load(Ordering::Relaxed)
    }
}

/// The loop that owns the per-key state; see [`Runner::run`].
pub struct Runner<K> {
    config: Config,
    rx: mpsc::UnboundedReceiver<(K, Trigger)>,
    queued: Arc<AtomicUsize>,
}

/// A scheduler: the [`Handle`] to trigger it and the [`Runner`] to drive it.
pub fn new<K>(config: Config) -> (Handle<K>, Runner<K>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let queued = Arc::new(AtomicUsize::new(0));
    (Handle { tx, queued: queued.clone() }, Runner { config, rx, queued })
}

#[derive(Debug, Default)]
struct Slot {
    /// Triggers for the next pass; non-empty exactly when `due` is set.
    pending: Triggers,
    due: Option<Instant>,
    /// When a finished pass asked to run again.
    requeue_at: Option<Instant>,
    running: bool,
    failures: u32,
}

impl Slot {
    /// When this slot's next pass should start, if it should and may.
    fn next(&self) -> Option<Instant> {
        if self.running {
            return None;
        }
        match (self.due, self.requeue_at) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }
}

impl<K> Runner<K>
where
    K: Clone + Eq + Hash + Send + 'static,
{
    /// Drive passes until `shutdown` completes (or every [`Handle`] is dropped), then wait for the running passes
    /// and return.
    pub async fn run<F, Fut, E, P>(mut self, reconcile: F, error_policy: P, shutdown: impl Future<Output = ()>)
    where
        F: Fn(K, Triggers) -> Fut,
        Fut: Future<Output = Result<Outcome, E>> + Send + 'static,
        E: Send + 'static,
        P: Fn(&K, &E, u32) -> Outcome,
    {
        let mut slots: HashMap<K, Slot> = HashMap::new();
        let mut passes: JoinSet<(K, Result<Outcome, E>)> = JoinSet::new();
        tokio::pin!(shutdown);
        let mut open = true;
        while open {
            let now = Instant::now();
            // Start every pass that is due.
            for (key, slot) in slots.iter_mut() {
                if slot.next().is_some_and(|t| t <= now) {
                    if slot.requeue_at.is_some_and(|t| t <= now) {
                        slot.pending.insert(Trigger::Requeue);
                    }
                    slot.requeue_at = None;
                    slot.due = None;
                    slot.running = true;
                    let triggers = std::mem::take(&mut slot.pending);
                    let key = key.clone();
                    let pass = reconcile(key.clone(), triggers);
                    passes.spawn(async move { (key, pass.await) });
                }
            }
            self.queued.store(slots.values().filter(|s| s.due.is_some()).count(), Ordering::Relaxed);
            let wake = slots.values().filter_map(Slot::next).min();
            tokio::select! {
                _ = &mut shutdown => open = false,
                msg = self.rx.recv() => match msg {
                    Some((key, why)) => {
                        let slot = slots.entry(key).or_default();
                        slot.pending.insert(why);
                        // The window starts at the first trigger and is not extended, so a steady stream of
                        // triggers still gets a pass every `debounce`. While a key is failing, triggers wait for
                        // its retry: a flood of events (or a poll) must not defeat the backoff.
                        let mut at = Instant::now() + self.config.debounce;
                        if slot.failures > 0 && let Some(retry) = slot.requeue_at {
                            at = at.max(retry);
                        }
                        slot.due.get_or_insert(at);
                    }
                    None => open = false,
                },
                Some(done) = passes.join_next(), if !passes.is_empty() => {
                    let (key, result) = done.expect("passes do not panic: reconcile errors are values");
                    let slot = slots.entry(key.clone()).or_default();
                    slot.running = false;
                    let outcome = match result {
                        Ok(outcome) => {
                            slot.failures = 0;
                            outcome
                        }
                        Err(e) => {
                            slot.failures = slot.failures.saturating_add(1);
                            error_policy(&key, &e, slot.failures)
                        }
                    };
                    slot.requeue_at = outcome.requeue_after.map(|d| Instant::now() + d);
                }
                _ = sleep_until(wake) => {}
            }
        }
        // Shutdown: let the running passes finish; start nothing new.
        while passes.join_next().await.is_some() {}
    }
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    type Pass = (&'static str, Triggers, Instant);
    type PassFuture = std::pin::Pin<Box<dyn Future<Output = Result<Outcome, &'static str>> + Send>>;

    /// Records every pass: (key, triggers, start time); each pass takes `work` of (paused) time.
    #[derive(Clone, Default)]
    struct Log {
        passes: Arc<Mutex<Vec<Pass>>>,
        running: Arc<AtomicUsize>,
        max_running: Arc<AtomicUsize>,
    }

    impl Log {
        fn reconciler(
            &self,
            work: Duration,
            outcome: Result<Outcome, &'static str>,
        ) -> impl Fn(&'static str, Triggers) -> PassFuture + use<> {
            let log = self.clone();
            move |key, triggers| {
                let log = log.clone();
                Box::pin(async move {
                    log.passes.lock().expect("lock").push((key, triggers, Instant::now()));
                    let n = log.running.fetch_add(1, Ordering::SeqCst) + 1;
                    log.max_running.fetch_max(n, Ordering::SeqCst);
                    tokio::time::sleep(work).await;
                    log.running.fetch_sub(1, Ordering::SeqCst);
                    outcome
                })
            }
        }
        fn count(&self, key: &str) -> usize {
            self.passes.lock().expect("lock").iter().filter(|p| p.0 == key).count()
        }
    }

    fn no_retry(_: &&'static str, _: &&'static str, _: u32) -> Outcome {
        Outcome::requeue(Duration::from_secs(3600))
    }

    const SECOND: Duration = Duration::from_secs(1);

    #[tokio::test(start_paused = true)]
    async fn a_burst_of_100_triggers_gives_one_pass() {
        let log = Log::default();
        let (handle, runner) = new(Config { debounce: Duration::from_millis(300) });
        let stop = tokio::time::sleep(Duration::from_secs(60));
        let task = tokio::spawn(runner.run(log.reconciler(SECOND, Ok(Outcome::await_change())), no_retry, stop));
        for i in 0..100 {
            handle.trigger("platform", if i % 2 == 0 { Trigger::Watch } else { Trigger::Webhook });
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
        assert_eq!(handle.queue_depth(), 1, "one key waiting, however many triggers");
        task.await.expect("runner");
        assert_eq!(log.count("platform"), 1);
        let passes = log.passes.lock().expect("lock");
        assert_eq!(passes[0].1, Triggers::from([Trigger::Watch, Trigger::Webhook]));
    }

    #[tokio::test(start_paused = true)]
    async fn a_burst_during_a_pass_gives_exactly_one_more() {
        let log = Log::default();
        let (handle, runner) = new(Config { debounce: Duration::from_millis(100) });
        let start = Instant::now();
        let stop = tokio::time::sleep(Duration::from_secs(60));
        let task = tokio::spawn(runner.run(log.reconciler(10 * SECOND, Ok(Outcome::await_change())), no_retry, stop));
        handle.trigger("platform", Trigger::Startup);
        tokio::time::sleep(SECOND).await; // the first pass is now running
        for _ in 0..100 {
            handle.trigger("platform", Trigger::Webhook);
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        task.await.expect("runner");
        let passes = log.passes.lock().expect("lock");
        assert_eq!(passes.len(), 2, "{passes:?}");
        assert_eq!(passes[1].1, Triggers::from([Trigger::Webhook]));
        // The second pass starts when the first ends, not before: one at a time.
        assert!(passes[1].2 >= start + Duration::from_millis(100) + 10 * SECOND, "{:?}", passes[1].2 - start);
        assert_eq!(log.max_running.load(Ordering::SeqCst), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn different_keys_run_side_by_side_each_alone() {
        let log = Log::default();
        let (handle, runner) = new(Config::default());
        let stop = tokio::time::sleep(Duration::from_secs(30));
        let task = tokio::spawn(runner.run(log.reconciler(5 * SECOND, Ok(Outcome::await_change())), no_retry, stop));
        for _ in 0..10 {
            handle.trigger("a", Trigger::Watch);
            handle.trigger("b", Trigger::Watch);
        }
        task.await.expect("runner");
        assert_eq!((log.count("a"), log.count("b")), (1, 1));
        assert_eq!(log.max_running.load(Ordering::SeqCst), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn requeue_gives_the_periodic_resync() {
        let log = Log::default();
        let (handle, runner) = new(Config::default());
        // Passes at ~0, ~10 min, ~20 min; stop before the fourth.
        let stop = tokio::time::sleep(Duration::from_secs(25 * 60));
        let every_10m = Outcome::requeue(Duration::from_secs(600));
        let task = tokio::spawn(runner.run(log.reconciler(SECOND, Ok(every_10m)), no_retry, stop));
        handle.trigger("platform", Trigger::Startup);
        task.await.expect("runner");
        let passes = log.passes.lock().expect("lock");
        assert_eq!(passes.len(), 3, "{passes:?}");
        assert_eq!(passes[1].1, Triggers::from([Trigger::Requeue]));
    }

    #[tokio::test(start_paused = true)]
    async fn errors_retry_with_the_policy_and_count_failures() {
        let log = Log::default();
        let (handle, runner) = new(Config::default());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let s = seen.clone();
        let policy = move |_: &&'static str, _: &&'static str, failures: u32| {
            s.lock().expect("lock").push(failures);
            Outcome::requeue(Duration::from_secs(2u64.pow(failures))) // 2 s, 4 s, 8 s, 16 s…
        };
        let stop = tokio::time::sleep(Duration::from_secs(20));
        let task = tokio::spawn(runner.run(log.reconciler(Duration::ZERO, Err("backend down")), policy, stop));
        handle.trigger("platform", Trigger::Startup);
        task.await.expect("runner");
        // Passes at ~0.3, ~2.3, ~6.3, ~14.3 s: backing off, not hammering.
        assert_eq!(*seen.lock().expect("lock"), vec![1, 2, 3, 4]);
        assert_eq!(log.count("platform"), 4);
    }

    #[tokio::test(start_paused = true)]
    async fn triggers_during_a_backoff_wait_for_the_retry() {
        let log = Log::default();
        let (handle, runner) = new(Config { debounce: Duration::from_millis(100) });
        let policy = |_: &&'static str, _: &&'static str, _: u32| Outcome::requeue(Duration::from_secs(10));
        let stop = tokio::time::sleep(Duration::from_secs(25));
        let task = tokio::spawn(runner.run(log.reconciler(Duration::ZERO, Err("remote gone")), policy, stop));
        handle.trigger("platform", Trigger::Startup);
        // A poll every 500 ms during the outage.
        for _ in 0..40 {
            tokio::time::sleep(Duration::from_millis(500)).await;
            handle.trigger("platform", Trigger::Poll);
        }
        task.await.expect("runner");
        // Passes at ~0.1 s, ~10.1 s, ~20.1 s: the polls rode along with the retries instead of adding passes.
        assert_eq!(log.count("platform"), 3);
    }

    #[tokio::test(start_paused = true)]
    async fn a_stalled_key_waits_for_a_trigger_not_a_timer() {
        let log = Log::default();
        let (handle, runner) = new(Config { debounce: Duration::from_millis(100) });
        let seen = Arc::new(Mutex::new(Vec::new()));
        let s = seen.clone();
        let policy = move |_: &&'static str, _: &&'static str, failures: u32| {
            s.lock().expect("lock").push(failures);
            Outcome::await_change()
        };
        let start = Instant::now();
        let stop = tokio::time::sleep(Duration::from_secs(3600));
        let task = tokio::spawn(runner.run(log.reconciler(Duration::ZERO, Err("history rewritten")), policy, stop));
        handle.trigger("platform", Trigger::Startup);
        // Half an hour of quiet: no retry on a timer.
        tokio::time::sleep(Duration::from_secs(1800)).await;
        assert_eq!(log.count("platform"), 1);
        // A trigger (the commit that mends it) runs the key after the debounce, not after a backoff.
        handle.trigger("platform", Trigger::Watch);
        tokio::time::sleep(SECOND).await;
        assert_eq!(log.count("platform"), 2);
        task.await.expect("runner");
        let passes = log.passes.lock().expect("lock");
        assert_eq!(passes[1].1, Triggers::from([Trigger::Watch]));
        assert!(passes[1].2 < start + Duration::from_secs(1800) + SECOND, "{:?}", passes[1].2 - start);
        // The policy is still told how many passes in a row failed.
        assert_eq!(*seen.lock().expect("lock"), vec![1, 2]);
    }

    #[tokio::test(start_paused = true)]
    async fn shutdown_waits_for_the_running_pass_and_starts_no_other() {
        let log = Log::default();
        let (handle, runner) = new(Config { debounce: Duration::from_millis(100) });
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let started = Instant::now();
        let task =
            tokio::spawn(runner.run(log.reconciler(30 * SECOND, Ok(Outcome::await_change())), no_retry, async move {
                let _ = stop_rx.await;
            }));
        handle.trigger("platform", Trigger::Startup);
        tokio::time::sleep(SECOND).await;
        handle.trigger("platform", Trigger::Webhook); // would be a second pass
        stop_tx.send(()).expect("runner listens");
        task.await.expect("runner");
        assert!(Instant::now() >= started + 30 * SECOND, "returned only after the pass finished");
        assert_eq!(log.count("platform"), 1);
        assert_eq!(log.running.load(Ordering::SeqCst), 0);
    }
}
