//! The GitHub forge against [`FakeGitHub`], a loopback stand-in for GitHub's REST API (see `fake_github`).

use crate::fake_github::{FakeGitHub, TOKEN};
use paved::forge::github::{Auth, FileWrite, GitHubConfig, GitHubForge, Limits};
use paved::forge::{Check, CheckConclusion, Error, Forge, NewPr, PrState, ReviewState};
use serde_json::json;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

fn fast_limits() -> Limits {
    Limits {
        max_wait: Duration::from_secs(10),
        retries: 3,
        server_error_backoff: Duration::from_millis(50),
        secondary_backoff: Duration::from_millis(300),
    }
}

#[test]
fn the_github_forge_drives_repos_prs_comments_checks_and_files_in_githubs_shapes() {
    // GitHub Enterprise Server layout: the API lives under /api/v3.
    let gh = FakeGitHub::start("/api/v3");
    let forge = gh.forge(fast_limits());
    gh.with(|s| {
        for i in 0..120 {
            let full = format!("acme/svc-{i:03}");
            let r = s.repo(&full);
            s.repos.insert(full, r);
        }
    });

    // Repos: create (once), get, list across pages, from a template.
    let created = forge.create_repo("acme/platform", "main").expect("create");
    assert_eq!((created.full_name.as_str(), created.default_branch.as_str()), ("acme/platform", "main"));
    assert!(matches!(forge.create_repo("acme/platform", "main"), Err(Error::RepoExists(_))));
    assert_eq!(forge.get_repo("acme/platform").expect("get").expect("exists").full_name, "acme/platform");
    assert_eq!(forge.get_repo("acme/nope").expect("get"), None);
    let all = forge.list_repos().expect("list");
    assert_eq!(all.len(), 121, "two pages of 100");
    let from_template = forge.create_repo_from_template("acme/platform", "acme/new-service").expect("generate");
    assert_eq!(from_template.full_name, "acme/new-service");

    // Pull requests: opening twice gives one PR.
    let new = || NewPr {
        head: "paved/add-db".into(),
        base: "main".into(),
        title: "Add orders-db".into(),
        body: "plan".into(),
        author: "paved".into(),
        labels: vec!["paved".into()],
    };
    let pr = forge.open_pr("acme/platform", new()).expect("open");
    assert_eq!((pr.number, pr.state, pr.labels.clone()), (1, PrState::Open, vec!["paved".to_owned()]));
    let again = forge.open_pr("acme/platform", new()).expect("open again");
    assert_eq!(again.number, 1);
    let posts = gh.calls().iter().filter(|c| c.starts_with("POST /api/v3/repos/acme/platform/pulls")).count();
    assert_eq!(posts, 1, "no duplicate PR");
    let updated = forge.update_pr("acme/platform", 1, Some("Add orders-db (v2)"), None).expect("update");
    assert_eq!(updated.title, "Add orders-db (v2)");

    // One comment per author, edited in place; unchanged text is not rewritten.
    let c1 = forge.upsert_comment("acme/platform", 1, "paved", "Plan: 1 to add").expect("comment");
    let c2 = forge.upsert_comment("acme/platform", 1, "paved", "Plan: 1 to add").expect("same");
    let c3 = forge.upsert_comment("acme/platform", 1, "paved", "Plan: 2 to add").expect("edit");
    assert_eq!((c1.id, c2.id, c3.id), (c1.id, c1.id, c1.id));
    assert_eq!(c3.body, "Plan: 2 to add", "the marker is paved's business, not the caller's");
    let patches =
        gh.calls().iter().filter(|c| c.starts_with("PATCH /api/v3/repos/acme/platform/issues/comments/")).count();
    assert_eq!(patches, 1, "the unchanged upsert sent nothing");
    assert_eq!(gh.with(|s| s.comments.len()), 1);
    assert!(gh.with(|s| s.comments[0].2["body"].as_str().expect("body").contains("<!-- paved:comment:paved -->")));

    // Checks: set twice on the same commit is one check run, updated.
    let check = |conclusion, summary: &str| Check {
        name: "paved/plan".into(),
        commit: pr.head_commit.clone(),
        conclusion,
        summary: summary.into(),
        details: "full plan".into(),
        updated_at: String::new(),
    };
    forge.set_check("acme/platform", 1, check(CheckConclusion::ActionRequired, "needs approval")).expect("check");
    forge.set_check("acme/platform", 1, check(CheckConclusion::Success, "approved")).expect("check again");
    assert_eq!(gh.with(|s| s.checks.len()), 1);

    // Review, then everything read back through get_pr.
    let reviewed = forge.review("acme/platform", 1, "reviewer", ReviewState::Approved, "lgtm").expect("review");
    assert_eq!(reviewed.approvers(), vec!["reviewer-bot"], "an approval of the current head counts");
    assert_eq!(reviewed.comments.len(), 1);
    assert_eq!(reviewed.checks.len(), 1);
    assert_eq!(
        (reviewed.checks[0].conclusion, reviewed.checks[0].summary.as_str()),
        (CheckConclusion::Success, "approved")
    );

    // Merge: once; a second merge is refused as not open.
    let merged = forge.merge_pr("acme/platform", 1, "reviewer").expect("merge");
    assert_eq!(merged.state, PrState::Merged);
    assert!(merged.merge_commit.is_some());
    assert!(matches!(forge.merge_pr("acme/platform", 1, "reviewer"), Err(Error::NotOpen { .. })));
    assert_eq!(forge.list_prs("acme/platform", Some(PrState::Merged)).expect("list").len(), 1);
    assert!(forge.list_prs("acme/platform", Some(PrState::Open)).expect("list").is_empty());

    // A PR GitHub will not merge (conflicts, failing required checks) is a merge conflict, not a crash.
    let other =
        forge.open_pr("acme/platform", NewPr { head: "paved/other".into(), labels: vec![], ..new() }).expect("open");
    gh.fault(
        &format!("/repos/acme/platform/pulls/{}/merge", other.number),
        405,
        &[],
        json!({ "message": "Pull Request is not mergeable" }),
    );
    let err = forge.merge_pr("acme/platform", other.number, "r").expect_err("not mergeable");
    assert!(matches!(&err, Error::MergeConflict { reason, .. } if reason.contains("not mergeable")), "{err}");
    let merge_call = gh.calls().into_iter().rev().find(|c| c.contains("/merge")).expect("merge call");
    assert!(merge_call.starts_with("PUT "), "{merge_call}");
    assert_eq!(forge.close_pr("acme/platform", other.number).expect("close").state, PrState::Closed);
    assert!(matches!(forge.get_pr("acme/platform", 99), Err(Error::NoSuchPr { .. })));

    // Files at a ref.
    let yaml = "apiVersion: paved.dev/v1\nkind: Platform\nmetadata:\n  name: acme\n".repeat(20);
    gh.with(|s| {
        s.files.insert(("acme/platform".into(), "main".into(), "platform.yaml".into()), yaml.clone().into_bytes())
    });
    let read = forge.read_file("acme/platform", "main", "platform.yaml").expect("read").expect("exists");
    assert_eq!(String::from_utf8(read).expect("utf8"), yaml);
    assert_eq!(forge.read_file("acme/platform", "main", "missing.yaml").expect("read"), None);

    gh.assert_shapes();
}

#[test]
fn bad_credentials_are_an_error_not_a_retry() {
    let gh = FakeGitHub::start("");
    let forge = GitHubForge::new(GitHubConfig {
        base_url: gh.base_url.clone(),
        owner: Some("acme".into()),
        auth: Auth::Token("wrong".into()),
        limits: fast_limits(),
    })
    .expect("forge");
    gh.with(|s| {
        let r = s.repo("acme/platform");
        s.repos.insert("acme/platform".into(), r)
    });
    let err = forge.get_repo("acme/platform").expect_err("401");
    assert!(matches!(err, Error::Api { status: 401, .. }), "{err}");
    assert!(!err.is_transient());
    assert_eq!(gh.calls().len(), 1);
}

#[test]
fn rate_limits_are_waited_out_and_never_hammered() {
    let gh = FakeGitHub::start("");
    let forge = gh.forge(fast_limits());
    gh.with(|s| {
        let r = s.repo("acme/platform");
        s.repos.insert("acme/platform".into(), r)
    });
    let epoch = |d: Duration| (SystemTime::now() + d).duration_since(UNIX_EPOCH).expect("epoch").as_secs().to_string();
    let limited = json!({ "message": "API rate limit exceeded for installation." });

    // Primary limit: 403, remaining 0, reset in ~1 s: wait for the reset, then one retry.
    gh.fault(
        "/repos/acme/platform",
        403,
        &[("x-ratelimit-remaining", "0".into()), ("x-ratelimit-reset", epoch(Duration::from_secs(1)))],
        limited.clone(),
    );
    let start = Instant::now();
    forge.get_repo("acme/platform").expect("after the reset");
    assert!(start.elapsed() >= Duration::from_millis(900), "waited for the reset: {:?}", start.elapsed());
    assert_eq!(gh.calls().len(), 2);

    // 429 with Retry-After.
    gh.fault("/repos/acme/platform", 429, &[("retry-after", "1".into())], limited.clone());
    let start = Instant::now();
    forge.get_repo("acme/platform").expect("after Retry-After");
    assert!(start.elapsed() >= Duration::from_secs(1));

    // A secondary limit with no headers: back off (300 ms, then 600 ms here; a minute by default).
    let secondary = json!({ "message": "You have exceeded a secondary rate limit. Please wait a few minutes before you try again." });
    gh.fault("/repos/acme/platform", 403, &[], secondary.clone());
    gh.fault("/repos/acme/platform", 403, &[], secondary);
    let start = Instant::now();
    forge.get_repo("acme/platform").expect("after backing off");
    assert!(start.elapsed() >= Duration::from_millis(900), "{:?}", start.elapsed());

    // Server errors: retried with backoff, then answered.
    gh.fault("/repos/acme/platform", 502, &[], json!({ "message": "Server Error" }));
    gh.fault("/repos/acme/platform", 503, &[], json!({ "message": "Service Unavailable" }));
    forge.get_repo("acme/platform").expect("after two server errors");

    // A wait longer than max_wait is not slept: the caller gets a transient error at once.
    gh.fault("/repos/acme/platform", 429, &[("retry-after", "3600".into())], limited.clone());
    let start = Instant::now();
    let err = forge.get_repo("acme/platform").expect_err("too long to wait");
    assert!(matches!(err, Error::RateLimited { retry_after_s: 3600 }), "{err}");
    assert!(err.is_transient());
    assert!(start.elapsed() < Duration::from_secs(2));

    // A success that spends the quota holds the next request until the reset.
    gh.fault(
        "/repos/acme/platform",
        200,
        &[("x-ratelimit-remaining", "0".into()), ("x-ratelimit-reset", epoch(Duration::from_secs(2)))],
        gh.with(|s| s.repos["acme/platform"].clone()),
    );
    forge.get_repo("acme/platform").expect("last of the quota");
    let before = gh.calls().len();
    let start = Instant::now();
    forge.get_repo("acme/platform").expect("after the reset");
    assert!(start.elapsed() >= Duration::from_millis(900), "{:?}", start.elapsed());
    assert_eq!(gh.calls().len(), before + 1, "nothing was sent while the quota was spent");
}

#[test]
fn a_github_app_mints_installation_tokens_from_its_key() {
    let dir = crate::util::Dir::new();
    let key = dir.join("app.pem");
    let made =
        std::process::Command::new("openssl").args(["genrsa", "-traditional", "-out"]).arg(&key).arg("2048").output();
    match made {
        Ok(out) if out.status.success() => {}
        other => {
            let msg = format!("openssl could not make an RSA key for the GitHub App test: {other:?}");
            assert!(std::env::var("CI").is_err(), "{msg}");
            eprintln!("SKIPPED: {msg}");
            return;
        }
    }
    let gh = FakeGitHub::start("");
    gh.with(|s| {
        s.app_id = Some(4242);
        let r = s.repo("acme/platform");
        s.repos.insert("acme/platform".into(), r)
    });
    let forge = GitHubForge::new(GitHubConfig {
        base_url: gh.base_url.clone(),
        owner: Some("acme".into()),
        auth: Auth::App { app_id: 4242, private_key_pem: std::fs::read(&key).expect("key"), installation_id: 77 },
        limits: fast_limits(),
    })
    .expect("forge");
    assert!(forge.get_repo("acme/platform").expect("as the installation").is_some());
    forge.get_repo("acme/platform").expect("again");
    let calls = gh.calls();
    assert_eq!(
        calls.iter().filter(|c| c.starts_with("POST /app/installations/77/access_tokens")).count(),
        1,
        "{calls:?}"
    );
    assert_eq!(gh.with(|s| s.installation_tokens.len()), 1, "the token is reused until it expires");
    gh.assert_shapes();
}

#[test]
fn reconcile_observes_github_when_platform_yaml_names_it() {
    let gh = FakeGitHub::start("/api/v3");
    gh.with(|s| {
        for name in ["acme/platform", "acme/payments-api", "acme/mystery-repo"] {
            let r = s.repo(name);
            s.repos.insert(name.to_owned(), r);
        }
    });
    let repo = crate::daemon::offline_example();
    let platform = std::fs::read_to_string(repo.join("platform.yaml")).expect("platform.yaml");
    let local = "  forge:\n    kind: local\n    path: ../forge\n";
    assert!(platform.contains(local), "the example's forge section moved:\n{platform}");
    let github = format!("  forge:\n    kind: github\n    baseUrl: {}\n", gh.base_url);
    std::fs::write(repo.join("platform.yaml"), platform.replace(local, &github)).expect("write");
    crate::util::git_init_commit(repo.path());
    let dir = repo.path().to_str().expect("utf8");

    // No credentials: a clear refusal, and nothing sent.
    let run = crate::util::Paved::new(&["reconcile", "--repo", dir]).env("GITHUB_TOKEN", "").run().expect_code(2);
    assert!(run.stderr().contains("PAVED_GITHUB_TOKEN"), "{}", run.stderr());
    assert!(gh.calls().is_empty());

    crate::util::Paved::new(&["reconcile", "--repo", dir]).env("PAVED_GITHUB_TOKEN", TOKEN).run().expect_code(0);
    let unclaimed = std::fs::read_to_string(repo.join("status/forge/unclaimed-repos.yaml")).expect("unclaimed");
    assert!(unclaimed.contains("acme/mystery-repo") && !unclaimed.contains("acme/platform"), "{unclaimed}");
    let orders = std::fs::read_to_string(repo.join("status/component/default/order-service.yaml")).expect("status");
    assert!(orders.contains("kind: RepoMissing"), "{orders}");
    let payments = std::fs::read_to_string(repo.join("status/component/default/payments-api.yaml")).expect("status");
    assert!(!payments.contains("RepoMissing"), "{payments}");
    // Besides the repo list, only reads: each service repo's production deployments and incidents (for DORA), and
    // paved's PRs on the platform repo (the sunset review is planned against them; nothing is a candidate yet).
    let reads_only = |c: &String| {
        c.starts_with("GET /api/v3/orgs/acme/repos")
            || c.starts_with("GET /api/v3/repos/acme/platform/pulls?state=all")
            || c.starts_with("GET /api/v3/repos/acme/") && (c.contains("/deployments?") || c.contains("/issues?"))
    };
    assert!(gh.calls().iter().all(reads_only), "{:?}", gh.calls());
    assert!(
        gh.calls()
            .iter()
            .any(|c| c.starts_with("GET /api/v3/repos/acme/payments-api/issues?labels=incident&state=all"))
    );
    gh.assert_shapes();
}

#[test]
fn the_daemon_reconciles_against_github() {
    let gh = FakeGitHub::start("");
    gh.with(|s| {
        for name in ["acme/platform", "acme/mystery-repo"] {
            let r = s.repo(name);
            s.repos.insert(name.to_owned(), r);
        }
    });
    let repo = crate::daemon::offline_example();
    let platform = std::fs::read_to_string(repo.join("platform.yaml")).expect("platform.yaml");
    let github = format!("  forge:\n    kind: github\n    baseUrl: {}\n", gh.base_url);
    std::fs::write(
        repo.join("platform.yaml"),
        platform.replace("  forge:\n    kind: local\n    path: ../forge\n", &github),
    )
    .expect("write");
    crate::util::git_init_commit(repo.path());
    let logs = crate::util::Dir::new();
    let mut daemon = crate::daemon::Daemon::start(repo.path(), None, &logs, "github", &[("PAVED_GITHUB_TOKEN", TOKEN)]);
    daemon.wait_ready();
    assert_eq!(crate::daemon::bot_commits(repo.path()).len(), 1, "{}", daemon.logs());
    let unclaimed = std::fs::read_to_string(repo.join("status/forge/unclaimed-repos.yaml")).expect("unclaimed");
    assert!(unclaimed.contains("acme/mystery-repo"), "{unclaimed}");
    assert!(!daemon.logs().contains(TOKEN), "the token leaked into the logs");
}

#[test]
fn commits_go_through_the_git_data_api_and_never_overwrite() {
    let gh = FakeGitHub::start("");
    let seed = gh.with(|s| {
        let r = s.repo("acme/svc");
        s.repos.insert("acme/svc".into(), r);
        s.seed_commit("acme/svc", "main", &[("README.md", "# svc\n"), ("status/old.yaml", "old\n")])
    });
    let forge = gh.forge(fast_limits());
    let put = |path: &str, body: &str| FileWrite::Put { path: path.into(), content: body.as_bytes().to_vec() };

    // A commit on top of main: the other files are kept, the parent is main's head, main moves to it.
    let files = vec![put("status/a.yaml", "a: 1\n"), FileWrite::Delete { path: "status/old.yaml".into() }];
    let first = forge.commit_files("acme/svc", "main", "main", &files, "paved: status").expect("commit").expect("new");
    gh.with(|s| {
        assert_eq!(s.commits[&first].1, vec![seed.clone()]);
        assert_eq!(s.refs[&("acme/svc".to_owned(), "heads/main".to_owned())], first);
        let at = s.files_at("acme/svc", "main");
        assert_eq!(at.keys().collect::<Vec<_>>(), ["README.md", "status/a.yaml"]);
    });

    // The same contents again: no empty commit.
    assert_eq!(forge.commit_files("acme/svc", "main", "main", &files, "paved: status").expect("commit"), None);
    assert_eq!(gh.with(|s| s.commits.len()), 2);

    // A new branch starts from `from`; main stays where it was.
    let branch = forge
        .commit_files("acme/svc", "paved/update", "main", &[put("status/a.yaml", "a: 2\n")], "paved: update")
        .expect("commit")
        .expect("new");
    gh.with(|s| {
        assert_eq!(s.commits[&branch].1, vec![first.clone()]);
        assert_eq!(s.files_at("acme/svc", "paved/update")["status/a.yaml"], "a: 2\n");
        assert_eq!(s.files_at("acme/svc", "main")["status/a.yaml"], "a: 1\n");
    });

    // Someone pushed to main meanwhile: the non-forced update is refused and nothing is overwritten.
    gh.fault("/repos/acme/svc/git/refs/heads/main", 422, &[], json!({ "message": "Update is not a fast forward" }));
    let err = forge
        .commit_files("acme/svc", "main", "main", &[put("status/b.yaml", "b\n")], "paved: b")
        .expect_err("ref moved");
    assert!(matches!(err, Error::RefMoved { .. }) && err.is_transient(), "{err}");
    assert_eq!(gh.with(|s| s.refs[&("acme/svc".to_owned(), "heads/main".to_owned())].clone()), first);
    let patches: Vec<String> = gh.calls().into_iter().filter(|c| c.starts_with("PATCH")).collect();
    assert!(patches.iter().all(|c| c.ends_with("/git/refs/heads/main")), "{patches:?}");

    assert!(matches!(
        forge.commit_files("acme/svc", "x", "no-such-branch", &files, "m"),
        Err(Error::NoSuchBranch { .. })
    ));
    gh.assert_shapes();
}

/// Deployments with their statuses, and issues with a label, as GitHub serves them: pull requests that GitHub lists
/// among issues are left out, an open issue has no closing time, and an answer paved cannot read is a clear error.
#[test]
fn deployments_and_labelled_issues_are_read_in_githubs_shapes() {
    let gh = FakeGitHub::start("");
    let sha = "a84d88e7554fc1fa21bcbc4efae3c782a70d2b9d";
    gh.with(|s| {
        let r = s.repo("acme/svc");
        s.repos.insert("acme/svc".into(), r);
        let statuses = [("in_progress", "2026-11-01T10:01:00Z"), ("success", "2026-11-01T10:05:00Z")];
        s.deployment("acme/svc", "production", sha, "2026-11-01T10:00:00Z", &statuses);
        s.deployment("acme/svc", "staging", sha, "2026-11-01T09:00:00Z", &[("success", "2026-11-01T09:02:00Z")]);
        s.issue("acme/svc", 7, &["incident", "sev2"], "2026-11-01T12:05:00Z", Some("2026-11-01T15:05:00Z"), false);
        s.issue("acme/svc", 8, &["incident"], "2026-11-02T09:00:00Z", None, false);
        s.issue("acme/svc", 9, &["incident"], "2026-11-02T10:00:00Z", None, true);
        s.issue("acme/svc", 10, &["bug"], "2026-11-02T11:00:00Z", None, false);
    });
    let forge = gh.forge(fast_limits());

    let deployments = forge.list_deployments("acme/svc", Some("production")).expect("deployments");
    assert_eq!(deployments.len(), 1, "{deployments:?}");
    let d = &deployments[0];
    assert_eq!(
        (d.environment.as_str(), d.sha.as_str(), d.created_at.as_str()),
        ("production", sha, "2026-11-01T10:00:00Z")
    );
    let mut states: Vec<&str> = d.statuses.iter().map(|s| s.state.as_str()).collect();
    states.sort_unstable();
    assert_eq!(states, ["in_progress", "success"]);
    assert!(
        gh.calls().iter().any(|c| c == "GET /repos/acme/svc/deployments?environment=production&per_page=100&page=1")
    );

    let incidents = forge.list_issues("acme/svc", "incident").expect("issues");
    let numbers: Vec<u64> = incidents.iter().map(|i| i.number).collect();
    assert_eq!(numbers, [7, 8], "the pull request (#9) and the bug (#10) are not incidents");
    assert_eq!(incidents[0].closed_at.as_deref(), Some("2026-11-01T15:05:00Z"));
    assert_eq!(incidents[1].closed_at, None, "still open");
    assert!(incidents[0].labels.contains(&"sev2".to_owned()));

    assert!(matches!(forge.list_deployments("acme/nothing", None), Err(Error::NoSuchRepo(_))));
    gh.fault("/repos/acme/svc/deployments", 200, &[], json!([{ "id": 1, "sha": sha }]));
    let err = forge.list_deployments("acme/svc", None).expect_err("malformed");
    assert!(err.to_string().contains("a deployment without `environment`"), "{err}");
    gh.fault("/repos/acme/svc/issues", 200, &[], json!([{ "number": "seven", "created_at": "2026-11-01T12:05:00Z" }]));
    let err = forge.list_issues("acme/svc", "incident").expect_err("malformed");
    assert!(err.to_string().contains("an issue whose `number` is not a number"), "{err}");
    gh.assert_shapes();
}

/// The quarterly sunset review against GitHub: the same PR as on the local forge, made only of API calls (contents,
/// Git Data commits, pulls), never re-made when unchanged and never reopened once closed.
#[test]
fn the_sunset_review_opens_its_deprecation_pr_on_github() {
    let gh = FakeGitHub::start("");
    let repo = crate::daemon::offline_example();
    let manifests =
        ["modules/iam-role/module.yaml", "modules/secret/module.yaml", "modules/tls-certificate/module.yaml"];
    let texts: Vec<(String, String)> =
        manifests.iter().map(|m| (m.to_string(), std::fs::read_to_string(repo.join(m)).expect("manifest"))).collect();
    gh.with(|s| {
        let r = s.repo("acme/platform");
        s.repos.insert("acme/platform".into(), r);
        let files: Vec<(&str, &str)> = texts.iter().map(|(p, t)| (p.as_str(), t.as_str())).collect();
        s.seed_commit("acme/platform", "main", &files);
    });
    let platform = std::fs::read_to_string(repo.join("platform.yaml")).expect("platform.yaml");
    let local = "  forge:\n    kind: local\n    path: ../forge\n";
    let github = format!("  forge:\n    kind: github\n    baseUrl: {}\n", gh.base_url);
    std::fs::write(repo.join("platform.yaml"), platform.replace(local, &github)).expect("write");
    crate::util::git(repo.path(), &["init", "--quiet", "--initial-branch=main"]);
    crate::util::commit_at(repo.path(), "dev@acme.example", "2026-05-04T10:00:00Z", "every request is old");
    let dir = repo.path().to_str().expect("utf8");
    let review = || {
        crate::util::Paved::new(&["scorecard", "deprecations", "--repo", dir])
            .env("PAVED_GITHUB_TOKEN", TOKEN)
            .env("PAVED_NOW", "2026-11-28T12:00:00Z")
            .run()
            .expect_code(0)
            .stdout()
    };

    assert!(review().contains("sunset review 2026-Q4: opened #1"));
    let forge = gh.forge(fast_limits());
    let pr = forge.get_pr("acme/platform", 1).expect("pr");
    assert_eq!(pr.head, "paved/deprecate/2026-Q4");
    assert!(pr.body.contains("| capability | `secret` |"), "{}", pr.body);
    let on_branch = gh.with(|s| s.files_at("acme/platform", "paved/deprecate/2026-Q4"));
    let (path, main_text) = &texts[0];
    assert_eq!(
        on_branch[path],
        main_text
            .replace("  deprecated: false\n", "  deprecated: true  # proposed by paved's sunset review of 2026-Q4\n")
    );

    let commits = gh.with(|s| s.commits.len());
    assert!(review().contains("unchanged #1"));
    assert_eq!(gh.with(|s| s.commits.len()), commits, "nothing new is committed");
    forge.close_pr("acme/platform", 1).expect("close");
    assert!(review().contains("#1 was closed by a human: not reopened for 2026-Q4"));
    assert_eq!(forge.list_prs("acme/platform", None).expect("prs").len(), 1);
    gh.assert_shapes();
}
