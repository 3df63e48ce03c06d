//! `paved daemon` as the platform team runs it: started on a git copy of the example, it reconciles each new
//! commit within seconds, answers probes and metrics, refuses forged webhooks, and a `kill -9` at any point
//! followed by a restart produces nothing twice.

use crate::util::{Dir, Paved, example_copy, git, git_init_commit};
use paved::forge::Forge;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::Child;
use std::time::{Duration, Instant};

const SECRET: &str = "a webhook secret for tests";

fn s(p: &Path) -> &str {
    p.to_str().expect("utf8 path")
}

/// A running daemon; killed (SIGKILL) on drop if still running.
pub struct Daemon {
    child: Child,
    port: u16,
    log: PathBuf,
}

impl Daemon {
    /// Start on `repo`; `forge` forces a local forge directory (else platform.yaml decides).
    pub fn start(repo: &Path, forge: Option<&Path>, logs: &Dir, name: &str, env: &[(&str, &str)]) -> Daemon {
        Self::start_with(repo, forge, logs, name, env, &[])
    }

    /// [`Daemon::start`] with `extra` arguments.
    pub fn start_with(
        repo: &Path,
        forge: Option<&Path>,
        logs: &Dir,
        name: &str,
        env: &[(&str, &str)],
        extra: &[&str],
    ) -> Daemon {
        Self::spawn(Self::args(repo, forge, extra), Paved::new, logs, name, env)
    }

    /// A daemon that stops at crash point `point` of its first apply (see `crash.rs`).
    pub fn start_crashing(repo: &Path, forge: Option<&Path>, logs: &Dir, name: &str, point: &str) -> Daemon {
        Self::spawn(Self::args(repo, forge, &[]), |args| Paved::crashing_at(point, args), logs, name, &[])
    }

    /// `paved daemon`'s arguments, and the free port it is told to listen on.
    fn args(repo: &Path, forge: Option<&Path>, extra: &[&str]) -> (Vec<String>, u16) {
        // Pick a free port; the tiny window before the daemon binds it is acceptable on loopback in tests.
        let port = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port();
        let listen = format!("127.0.0.1:{port}");
        let mut args = vec!["daemon", "--repo", s(repo)];
        if let Some(forge) = forge {
            args.extend(["--forge", s(forge)]);
        }
        args.extend(["--listen", &listen, "--debounce", "200ms", "--log-format", "json"]);
        args.extend(extra);
        (args.into_iter().map(str::to_owned).collect(), port)
    }

    fn spawn(
        (args, port): (Vec<String>, u16),
        paved: impl FnOnce(&[&str]) -> Paved,
        logs: &Dir,
        name: &str,
        env: &[(&str, &str)],
    ) -> Daemon {
        let log = logs.join(&format!("{name}.log"));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let mut cmd = paved(&args).env("PAVED_WEBHOOK_SECRET", SECRET);
        for (k, v) in env {
            cmd = cmd.env(k, v);
        }
        let child = cmd.spawn(&log);
        Daemon { child, port, log }
    }

    pub fn logs(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// The daemon's `/metrics` text.
    pub fn metrics(&self) -> String {
        self.get("/metrics").map(|(_, body)| body).unwrap_or_else(|| panic!("no /metrics\n{}", self.logs()))
    }

    fn get(&self, path: &str) -> Option<(u16, String)> {
        http(self.port, &format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").into_bytes())
    }

    fn webhook(&self, event: &str, delivery: &str, signature: &str, body: &[u8]) -> (u16, String) {
        let mut req = format!(
            "POST /webhook HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Type: application/json\r\n\
             X-GitHub-Event: {event}\r\nX-GitHub-Delivery: {delivery}\r\nX-Hub-Signature-256: {signature}\r\n\
             Content-Length: {}\r\n\r\n",
            body.len()
        )
        .into_bytes();
        req.extend_from_slice(body);
        http(self.port, &req).unwrap_or_else(|| panic!("daemon answers\n{}", self.logs()))
    }

    /// Wait until `/readyz` answers 200 (the first pass finished).
    pub fn wait_ready(&mut self) {
        let ok = wait_for(Duration::from_secs(60), || {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("daemon exited early ({status})\n{}", self.logs());
            }
            self.get("/readyz").is_some_and(|(code, _)| code == 200)
        });
        assert!(ok, "daemon never became ready\n{}", self.logs());
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One HTTP/1.1 exchange over loopback: (status, body); `None` when nothing listens.
fn http(port: u16, request: &[u8]) -> Option<(u16, String)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(10))).expect("timeout");
    stream.write_all(request).ok()?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response).ok()?;
    let text = String::from_utf8_lossy(&response).into_owned();
    let status = text.split(' ').nth(1)?.parse().ok()?;
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b.to_owned()).unwrap_or_default();
    Some((status, body))
}

pub fn wait_for(limit: Duration, mut ok: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if ok() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    false
}

fn sign(body: &[u8]) -> String {
    paved::daemon::webhook::sign(SECRET.as_bytes(), body)
}

/// A copy of the example whose PostgreSQL and NATS backends are not configured: those requests are Blocked and
/// everything else reconciles, so daemon tests running side by side never touch the shared servers (the
/// provisioning tests own them, each under its own platform name).
pub fn offline_example() -> Dir {
    let repo = example_copy();
    let path = repo.join("platform.yaml");
    let text = std::fs::read_to_string(&path).expect("platform.yaml");
    let start = text.find("  native:\n").expect("the example configures native backends");
    let end = text[start..].find("  signingKeys:").expect("signingKeys follows native") + start;
    std::fs::write(&path, format!("{}{}", &text[..start], &text[end..])).expect("write");
    repo
}

/// A git copy of the example and a local forge holding the platform repo.
fn setup() -> (Dir, Dir, Dir) {
    let repo = offline_example();
    git_init_commit(repo.path());
    let forge = Dir::new();
    paved::forge::local::LocalForge::new(forge.path()).create_repo("acme/platform", "main").expect("create");
    (repo, forge, Dir::new())
}

/// Commits whose author is the bot.
pub fn bot_commits(repo: &Path) -> Vec<String> {
    git(repo, &["log", "--author=paved", "--format=%H"]).lines().map(str::to_owned).collect()
}

/// The push fixture, re-addressed to `repo`.
fn push_body(repo: &str) -> Vec<u8> {
    let path = crate::util::fixture("github-webhooks/push.new-branch.octokit.json");
    let mut v: serde_json::Value = serde_json::from_slice(&std::fs::read(path).expect("fixture")).expect("json");
    v["repository"]["full_name"] = serde_json::Value::String(repo.to_owned());
    serde_json::to_vec(&v).expect("json")
}

fn metric(text: &str, name: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(name).and_then(|rest| rest.trim().parse().ok()))
        .unwrap_or_else(|| panic!("no {name} in\n{text}"))
}

#[test]
fn the_daemon_follows_each_commit_and_a_restart_after_kill_9_does_nothing_twice() {
    let (repo, forge, logs) = setup();
    let mut daemon = Daemon::start(repo.path(), Some(forge.path()), &logs, "first", &[]);
    daemon.wait_ready();
    assert_eq!(daemon.get("/healthz").map(|r| r.0), Some(200));
    assert_eq!(bot_commits(repo.path()).len(), 1, "the startup pass writes every status once\n{}", daemon.logs());

    // A developer commits a new user: the bot commit with its status follows within seconds.
    repo.write(
        "catalog/org/zoe.yaml",
        "apiVersion: backstage.io/v1alpha1\nkind: User\nmetadata:\n  name: zoe.park\nspec:\n  memberOf: [payments]\n",
    );
    git(repo.path(), &["add", "catalog/org/zoe.yaml"]);
    git(repo.path(), &["commit", "--quiet", "-m", "Add Zoe to payments"]);
    let user_commit = git(repo.path(), &["rev-parse", "HEAD"]);
    let followed = wait_for(Duration::from_secs(15), || bot_commits(repo.path()).len() == 2);
    assert!(followed, "no bot commit followed the user's\n{}", daemon.logs());
    assert_eq!(git(repo.path(), &["rev-parse", "HEAD~1"]), user_commit);
    let status = std::fs::read_to_string(repo.join("status/user/default/zoe.park.yaml")).expect("zoe's status");
    assert!(status.contains("payments"), "{status}");
    assert!(git(repo.path(), &["log", "-1", "--format=%B"]).contains("Paved-Action: "));

    // The bot's own commit triggers nothing more: give the watch time to (not) fire.
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(bot_commits(repo.path()).len(), 2);

    // Webhooks: forged, unsigned and foreign deliveries do no work; a real one is accepted.
    let body = push_body("acme/platform");
    let wrong = paved::daemon::webhook::sign(b"guessed secret", &body);
    assert_eq!(daemon.webhook("push", "d-1", &wrong, &body).0, 401);
    assert_eq!(daemon.webhook("push", "d-2", "", &body).0, 401);
    let (code, text) = daemon.webhook("push", "d-3", &sign(&body), &body);
    assert_eq!(code, 202, "{text}");
    assert_eq!(daemon.webhook("push", "d-3", &sign(&body), &body).1, "duplicate delivery\n");
    let foreign = push_body("someone/else");
    let (code, text) = daemon.webhook("push", "d-4", &sign(&foreign), &foreign);
    assert_eq!((code, text.contains("not configured")), (202, true), "{text}");
    let huge = vec![b' '; 2 * 1024 * 1024];
    assert_eq!(daemon.webhook("push", "d-5", &sign(&huge), &huge).0, 413);

    // Metrics answer in the Prometheus text format.
    let (code, text) = daemon.get("/metrics").expect("metrics");
    assert_eq!(code, 200);
    assert!(metric(&text, "paved_reconciles_total{result=\"ok\"}") >= 2.0, "{text}");
    assert!(metric(&text, "paved_actions_total{kind=\"status.write\",result=\"applied\"}") >= 1.0, "{text}");
    assert!(metric(&text, "paved_last_successful_reconcile_timestamp_seconds") > 1.7e9, "{text}");
    assert!(text.contains("paved_reconcile_duration_seconds_bucket"), "{text}");
    assert!(text.contains("paved_reconcile_queue_depth"), "{text}");
    assert_eq!(metric(&text, "paved_webhook_deliveries_total{event=\"push\",outcome=\"401\"}"), 2.0, "{text}");

    // Secrets never reach the logs; logs are JSON lines.
    let log = daemon.logs();
    assert!(!log.contains(SECRET), "the webhook secret leaked into the logs");
    for line in log.lines().filter(|l| l.starts_with('{')) {
        serde_json::from_str::<serde_json::Value>(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
    }
    assert!(log.contains("\"reconciled\""), "{log}");

    // kill -9, restart: nothing is done twice.
    let head = git(repo.path(), &["rev-parse", "HEAD"]);
    daemon.child.kill().expect("SIGKILL");
    daemon.child.wait().expect("reaped");
    let mut again = Daemon::start(repo.path(), Some(forge.path()), &logs, "second", &[]);
    again.wait_ready();
    std::thread::sleep(Duration::from_secs(1));
    assert_eq!(git(repo.path(), &["rev-parse", "HEAD"]), head, "nothing new after a restart\n{}", again.logs());
    Paved::new(&["audit", "verify", "--repo", s(repo.path())]).run().expect_code(0);

    // SIGTERM: a clean exit.
    let pid = again.child.id().to_string();
    let status = std::process::Command::new("kill").args(["-TERM", &pid]).status().expect("kill runs");
    assert!(status.success());
    let exited = wait_for(Duration::from_secs(20), || again.child.try_wait().expect("try_wait").is_some());
    assert!(exited, "daemon did not stop on SIGTERM\n{}", again.logs());
    assert_eq!(again.child.wait().expect("status").code(), Some(0), "{}", again.logs());
    assert!(again.logs().contains("paved daemon stopped"), "{}", again.logs());
}

#[test]
fn a_daemon_killed_mid_pass_and_restarted_commits_each_action_once() {
    for point in ["after-first-write", "before-commit"] {
        let (repo, forge, logs) = setup();
        // The first daemon dies in the middle of its first apply, as `kill -9` would leave it.
        let mut crashing = Daemon::start_crashing(repo.path(), Some(forge.path()), &logs, "crash", point);
        let died = wait_for(Duration::from_secs(60), || crashing.child.try_wait().expect("try_wait").is_some());
        assert!(died, "{point}: the fault was not injected\n{}", crashing.logs());
        assert!(bot_commits(repo.path()).is_empty(), "{point}: nothing committed before the crash");

        let mut daemon = Daemon::start(repo.path(), Some(forge.path()), &logs, "restart", &[]);
        daemon.wait_ready();
        let commits = bot_commits(repo.path());
        assert_eq!(commits.len(), 1, "{point}: one bot commit\n{}", daemon.logs());
        let message = git(repo.path(), &["log", "-1", "--format=%B"]);
        let trailers = message.lines().filter(|l| l.starts_with("Paved-Action: ")).count();
        let audit: usize = std::fs::read_dir(repo.join("audit"))
            .expect("audit dir")
            .map(|e| std::fs::read_to_string(e.expect("entry").path()).expect("read").lines().count())
            .sum();
        assert_eq!(audit, trailers, "{point}: one audit record per action, none twice");
        assert_eq!(git(repo.path(), &["status", "--porcelain"]), "", "{point}: nothing left half-written");
        Paved::new(&["audit", "verify", "--repo", s(repo.path())]).run().expect_code(0);
    }
}

#[test]
fn a_webhook_flood_gives_a_few_passes_not_a_thousand() {
    let (repo, forge, logs) = setup();
    let mut daemon = Daemon::start(repo.path(), Some(forge.path()), &logs, "flood", &[("PAVED_LOG", "info")]);
    daemon.wait_ready();
    // The first pass scaffolds the services' repos; the one right after takes in what that changed.
    let settled = settle(repo.path());
    let body = push_body("acme/platform");
    let signature = sign(&body);
    for i in 0..1000 {
        let (code, _) = daemon.webhook("push", &format!("flood-{i}"), &signature, &body);
        assert_eq!(code, 202);
    }
    std::thread::sleep(Duration::from_secs(2));
    let (_, text) = daemon.get("/metrics").expect("metrics");
    assert_eq!(metric(&text, "paved_webhook_deliveries_total{event=\"push\",outcome=\"accepted\"}"), 1000.0);
    let passes = metric(&text, "paved_reconciles_total{result=\"ok\"}");
    assert!(passes < 100.0, "1,000 deliveries coalesced into {passes} passes");
    assert_eq!(bot_commits(repo.path()).len(), settled, "nothing new to commit, however many deliveries");
}

/// Wait until no bot commit has come for two seconds; returns how many there are.
pub fn settle(repo: &Path) -> usize {
    let mut count = bot_commits(repo).len();
    for _ in 0..30 {
        std::thread::sleep(Duration::from_secs(2));
        let now = bot_commits(repo).len();
        if now == count {
            return count;
        }
        count = now;
    }
    panic!("the daemon never settled: {count} bot commits and counting");
}

#[test]
fn a_rewritten_default_branch_is_caught_and_reconciled_again_once_the_loss_is_accepted() {
    let (repo, forge, logs) = setup();
    let mut daemon = Daemon::start(repo.path(), Some(forge.path()), &logs, "rewrite", &[]);
    daemon.wait_ready();
    assert_eq!(bot_commits(repo.path()).len(), 1);
    // History rewritten under the daemon (as a force-pushed default branch would be): the bot commit is gone, and
    // with it audit records the daemon had verified.
    let initial = git(repo.path(), &["rev-list", "--max-parents=0", "HEAD"]);
    git(repo.path(), &["reset", "--hard", "--quiet", &initial]);
    assert!(!repo.join("status").exists());
    let caught = wait_for(Duration::from_secs(15), || daemon.logs().contains("history was rewritten"));
    assert!(caught, "the rewrite was not caught\n{}", daemon.logs());
    assert!(bot_commits(repo.path()).is_empty(), "nothing is appended to a log that lost records");
    // It needs a person, so the daemon stalls: the gauge says why, it stays ready, and no pass runs on a timer
    // (a transient error would be retried after 5 s, then 10 s).
    let stalled = || metric(&daemon.metrics(), "paved_stalled{reason=\"AuditHistoryRewritten\"}");
    assert!(wait_for(Duration::from_secs(5), || stalled() == 1.0), "not stalled\n{}", daemon.logs());
    assert_eq!(metric(&daemon.metrics(), "paved_stalled{reason=\"StateMismatch\"}"), 0.0);
    assert_eq!(daemon.get("/readyz").map(|r| r.0), Some(200), "a stalled daemon is still ready");
    let passes = || {
        let text = daemon.metrics();
        metric(&text, "paved_reconciles_total{result=\"ok\"}")
            + metric(&text, "paved_reconciles_total{result=\"error\"}")
    };
    let before = passes();
    std::thread::sleep(Duration::from_secs(15));
    assert_eq!(passes(), before, "a stalled daemon retried on a timer\n{}", daemon.logs());
    let stalled_lines = || daemon.logs().lines().filter(|l| l.contains("reconcile stalled")).count();
    assert_eq!(stalled_lines(), 1, "said once, at error level\n{}", daemon.logs());
    assert!(daemon.logs().contains("accept-rewrite"), "the log says what to do\n{}", daemon.logs());
    // A webhook is a trigger: it tries again at once (still stalled, said quietly this time).
    let body = push_body("acme/platform");
    assert_eq!(daemon.webhook("push", "stalled-1", &sign(&body), &body).0, 202);
    assert!(
        wait_for(Duration::from_secs(10), || passes() == before + 1.0),
        "the webhook ran no pass\n{}",
        daemon.logs()
    );
    assert!(daemon.logs().contains("still stalled"), "{}", daemon.logs());
    assert_eq!((stalled(), stalled_lines()), (1.0, 1));
    let verify = Paved::new(&["audit", "verify", "--repo", s(repo.path())]).run().expect_code(1);
    assert!(verify.stdout().contains("accept-rewrite"), "says how to go on: {}", verify.stdout());
    // An operator accepts the loss: it is recorded in the chain, and the daemon goes on from the new history.
    let accepted = Paved::new(&["audit", "accept-rewrite", "--by", "ops.oncall"]).current_dir(repo.path()).run();
    let accepted = accepted.expect_code(0);
    assert!(accepted.stdout().contains("recorded the loss"), "{}", accepted.stdout());
    let again = wait_for(Duration::from_secs(30), || repo.join("status/forge/unclaimed-repos.yaml").exists());
    assert!(again, "the lost status was not written again\n{}", daemon.logs());
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(bot_commits(repo.path()).len(), 2, "the loss record, then the status written once\n{}", daemon.logs());
    assert_eq!(stalled(), 0.0, "the commit resumed it\n{}", daemon.logs());
    Paved::new(&["audit", "verify", "--repo", s(repo.path())]).run().expect_code(0);
    let text: String = std::fs::read_dir(repo.join("audit"))
        .expect("audit")
        .map(|e| std::fs::read_to_string(e.expect("entry").path()).expect("read"))
        .collect();
    assert!(text.contains("\"kind\":\"accept-rewrite\"") && text.contains("ops.oncall"), "{text}");
}

#[test]
fn with_sync_remote_a_pushed_commit_comes_back_with_its_bot_commit() {
    let forge = Dir::new();
    let bare = paved::forge::local::LocalForge::new(forge.path())
        .create_repo("acme/platform", "main")
        .expect("create")
        .clone_url;
    let bare = Path::new(&bare);
    // A developer's clone seeds the forge.
    let dev = offline_example();
    git_init_commit(dev.path());
    git(dev.path(), &["remote", "add", "origin", s(bare)]);
    git(dev.path(), &["push", "--quiet", "-u", "origin", "main"]);
    // The daemon works in a clone of its own.
    let work = Dir::new();
    git(work.path(), &["clone", "--quiet", s(bare), "platform"]);
    let logs = Dir::new();
    let extra = ["--sync-remote", "--poll", "500ms"];
    let mut daemon = Daemon::start_with(&work.join("platform"), Some(forge.path()), &logs, "sync", &[], &extra);
    daemon.wait_ready();
    let bots_on_forge = || git(bare, &["log", "--author=paved", "--format=%H", "main"]).lines().count();
    // The first pass scaffolds the services' repos on the forge; the pass right after takes in what that changed.
    assert!(wait_for(Duration::from_secs(15), || bots_on_forge() == 2), "bot commits pushed\n{}", daemon.logs());
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(bots_on_forge(), 2, "{}", daemon.logs());

    // The developer pushes a change; the daemon fetches it, reconciles, and pushes the bot commit after it.
    git(dev.path(), &["pull", "--quiet", "--ff-only"]);
    dev.write(
        "catalog/org/zoe.yaml",
        "apiVersion: backstage.io/v1alpha1\nkind: User\nmetadata:\n  name: zoe.park\nspec:\n  memberOf: [payments]\n",
    );
    git(dev.path(), &["add", "catalog/org/zoe.yaml"]);
    git(dev.path(), &["commit", "--quiet", "-m", "Add Zoe"]);
    git(dev.path(), &["push", "--quiet"]);
    let zoe = git(dev.path(), &["rev-parse", "HEAD"]);
    assert!(wait_for(Duration::from_secs(20), || bots_on_forge() == 3), "no bot commit followed\n{}", daemon.logs());
    assert_eq!(git(bare, &["rev-parse", "main~1"]), zoe, "the bot commit follows the developer's");
    git(dev.path(), &["pull", "--quiet", "--ff-only"]);
    assert!(dev.join("status/user/default/zoe.park.yaml").is_file());
    std::thread::sleep(Duration::from_secs(1));
    assert_eq!(bots_on_forge(), 3, "polling an unchanged remote makes nothing new");

    // The remote vanishes: passes fail, are logged and counted, the daemon stays up, and it recovers.
    let away = forge.join("away.git");
    std::fs::rename(bare, &away).expect("move the remote away");
    let errors = || daemon.get("/metrics").map_or(0.0, |(_, t)| metric(&t, "paved_reconcile_errors_total"));
    assert!(wait_for(Duration::from_secs(15), || errors() >= 1.0), "{}", daemon.logs());
    assert_eq!(daemon.get("/healthz").map(|r| r.0), Some(200));
    assert!(daemon.logs().contains("fetching the platform repo"), "{}", daemon.logs());
    std::fs::rename(&away, bare).expect("bring it back");
    // Polls during the outage did not hammer: the backoff held them (5 s, then 10 s…).
    assert!(errors() <= 3.0, "{} failed passes in a few seconds\n{}", errors(), daemon.logs());
    // Back: the next retry fetches again, and a new push comes back with its bot commit.
    dev.write(
        "catalog/org/zoe.yaml",
        &std::fs::read_to_string(dev.join("catalog/org/zoe.yaml")).expect("zoe").replace("payments", "storefront"),
    );
    git(dev.path(), &["commit", "--quiet", "-am", "Move Zoe to storefront"]);
    git(dev.path(), &["push", "--quiet"]);
    assert!(wait_for(Duration::from_secs(30), || bots_on_forge() == 4), "no recovery\n{}", daemon.logs());
    git(dev.path(), &["pull", "--quiet", "--ff-only"]);
    let zoe = std::fs::read_to_string(dev.join("status/user/default/zoe.park.yaml")).expect("zoe's status");
    assert!(
        zoe.contains("storefront"),
        "{zoe}\n{}\n{}",
        git(bare, &["log", "--format=%h %an %s", "main"]),
        daemon.logs()
    );
    assert_eq!(bots_on_forge(), 4, "nothing doubled by the outage");
}

/// A PR opened on the platform repo gets its plan comment and check within seconds; an approval turns the check
/// green; a push moves the check to the new head.
#[test]
fn an_open_pr_gets_its_plan_comment_and_check_from_the_daemon() {
    use paved::forge::Forge;
    let forge = Dir::new();
    let local = paved::forge::local::LocalForge::new(forge.path());
    let bare = local.create_repo("acme/platform", "main").expect("create").clone_url;
    let dev = offline_example();
    git_init_commit(dev.path());
    git(dev.path(), &["push", "--quiet", &bare, "main"]);
    let logs = Dir::new();
    let mut daemon = Daemon::start_with(dev.path(), Some(forge.path()), &logs, "prs", &[], &["--poll", "500ms"]);
    daemon.wait_ready();

    git(dev.path(), &["checkout", "--quiet", "-b", "flag"]);
    dev.write(
        "requests/payments/cache-flag.yaml",
        "apiVersion: paved.dev/v1\nkind: Request\nmetadata:\n  name: cache-flag\nspec:\n  capability: feature-flag\n  moduleVersion: 1\n  environment: production\n  owner: group:payments\n  parameters:\n    key: cache-flag\n    variants: {on: true, off: false}\n    defaultVariant: \"off\"\n",
    );
    git(dev.path(), &["add", "--all"]);
    git(dev.path(), &["commit", "--quiet", "-m", "a flag"]);
    git(dev.path(), &["push", "--quiet", &bare, "flag"]);
    let pr = local
        .open_pr(
            "acme/platform",
            paved::forge::NewPr {
                head: "flag".into(),
                base: "main".into(),
                title: "flag".into(),
                body: String::new(),
                author: "dev".into(),
                labels: vec![],
            },
        )
        .expect("open");
    let commented = wait_for(Duration::from_secs(20), || {
        local.get_pr("acme/platform", pr.number).is_ok_and(|p| p.checks.iter().any(|c| c.commit == p.head_commit))
    });
    assert!(commented, "no plan on the PR\n{}", daemon.logs());
    let p = local.get_pr("acme/platform", pr.number).expect("pr");
    assert_eq!(p.comments.len(), 1);
    assert!(p.comments[0].body.contains("`payments/cache-flag`"), "{}", p.comments[0].body);
    assert_eq!(p.checks[0].conclusion, paved::forge::CheckConclusion::ActionRequired, "production needs sre");

    // A push to the PR: the check follows the new head.
    dev.write(
        "requests/payments/cache-flag.yaml",
        &std::fs::read_to_string(dev.join("requests/payments/cache-flag.yaml"))
            .expect("read")
            .replace("production", "staging"),
    );
    git(dev.path(), &["commit", "--quiet", "-am", "staging first"]);
    git(dev.path(), &["push", "--quiet", &bare, "flag"]);
    let moved = wait_for(Duration::from_secs(20), || {
        local.get_pr("acme/platform", pr.number).is_ok_and(|p| {
            p.checks.iter().any(|c| c.commit == p.head_commit && c.conclusion == paved::forge::CheckConclusion::Success)
        })
    });
    assert!(moved, "the check did not follow the new head\n{}", daemon.logs());
    assert_eq!(local.get_pr("acme/platform", pr.number).expect("pr").comments.len(), 1, "one comment, edited in place");
}

/// The daemon opens the quarter's sunset PR with no command typed (it is in the plan), and runs the review on its
/// `spec.schedules.scorecards` timer too: with every request untouched since May, one deprecation PR (the review
/// is per quarter).
#[test]
fn the_daemon_opens_the_quarters_deprecation_pr() {
    let repo = offline_example();
    git(repo.path(), &["init", "--quiet", "--initial-branch=main"]);
    crate::util::commit_at(repo.path(), "dev@acme.example", "2026-05-04T10:00:00Z", "every request is old");
    let forge = Dir::new();
    let local = paved::forge::local::LocalForge::new(forge.path());
    use paved::forge::Forge;
    let info = local.create_repo("acme/platform", "main").expect("create");
    git(repo.path(), &["push", "--quiet", &info.clone_url, "main"]);
    let logs = Dir::new();
    let mut daemon =
        Daemon::start(repo.path(), Some(forge.path()), &logs, "sunset", &[("PAVED_NOW", "2026-11-28T12:00:00Z")]);
    daemon.wait_ready();
    let opened = wait_for(Duration::from_secs(30), || {
        local.list_prs("acme/platform", None).is_ok_and(|prs| prs.iter().any(|p| p.head == "paved/deprecate/2026-Q4"))
    });
    assert!(opened, "no deprecation PR\n{}", daemon.logs());
    // The reconcile pass plans it, and the review's own timer finds it done: one PR, however many runs.
    let reviewed = wait_for(Duration::from_secs(90), || daemon.logs().contains("sunset review"));
    assert!(reviewed, "{}", daemon.logs());
    assert_eq!(local.list_prs("acme/platform", None).expect("prs").len(), 1);
}
