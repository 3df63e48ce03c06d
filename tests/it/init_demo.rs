use crate::util::{Dir, Paved, git};

#[test]
fn init_creates_a_platform_repo_that_validates() {
    let dir = Dir::new();
    let target = dir.join("acme-platform");
    let t = target.to_str().expect("utf8");
    let run = Paved::new(&["init", t]).run().expect_code(0);
    assert!(run.stdout().contains("Created a platform repo"), "{}", run.stdout());
    for p in [
        "platform.yaml",
        "paths/microservice/path.yaml",
        "modules/database/module.yaml",
        "policies/baseline.rego",
        "catalog/org.yaml",
    ] {
        assert!(target.join(p).exists(), "{p}");
    }
    let v = Paved::new(&["validate", "--repo", t, "--format", "json"]).run();
    assert_eq!(v.code(), 0, "{}", v.stdout());
    // init never overwrites
    Paved::new(&["init", t]).run().expect_code(2);
}

/// `paved init` makes the git repository itself, and each next step it prints works as typed, from where
/// init was run.
#[test]
fn init_makes_a_git_repository_and_its_next_steps_work_as_typed() {
    let dir = Dir::new();
    let run = Paved::new(&["init", "acme"]).current_dir(dir.path()).run().expect_code(0);
    let repo = dir.join("acme");
    assert_eq!(git(&repo, &["rev-parse", "--abbrev-ref", "HEAD"]), "main");
    assert_eq!(git(&repo, &["status", "--porcelain"]), "", "every file is committed");
    assert!(git(&repo, &["ls-files"]).lines().any(|f| f == "platform.yaml"));
    let text = run.stdout();
    let steps: Vec<&str> = text.lines().skip_while(|l| *l != "Next:").skip(1).collect();
    assert!(steps.len() >= 2, "next steps:\n{text}");
    assert!(!text.contains("git init"), "paved made the repository:\n{text}");
    // Each as printed, in a new shell where init ran (`paved` itself, or this build's path when PATH has none).
    for step in steps {
        let done = std::process::Command::new("sh").args(["-c", step]).current_dir(dir.path()).output().expect("sh");
        assert!(done.status.success(), "`{step}`:\n{}", String::from_utf8_lossy(&done.stderr));
    }
}

#[test]
fn demo_refuses_a_directory_that_is_not_empty() {
    let dir = Dir::new();
    dir.write("mine/notes.txt", "my own notes\n");
    let run = Paved::new(&["demo", "--out", "mine"]).current_dir(dir.path()).run().expect_code(2);
    assert!(run.stderr().contains("mine exists and is not empty; pick a new directory"), "{}", run.stderr());
    let left: Vec<_> = std::fs::read_dir(dir.join("mine")).expect("dir").filter_map(Result::ok).collect();
    assert_eq!(left.len(), 1, "nothing written beside the user's file");
}

#[test]
fn demo_runs_the_main_job_end_to_end() {
    let _demo = crate::util::demo_lock();
    let dir = Dir::new();
    let out = dir.join("demo");
    let run = Paved::new(&["demo", "--out", out.to_str().expect("utf8")]).run().expect_code(0);
    let text = run.stdout();
    assert!(text.contains("First reconcile:") && text.contains("bot commit"), "{text}");
    assert!(text.contains("Second reconcile: No changes"), "{text}");
    assert!(out.join("platform/status/forge/unclaimed-repos.yaml").exists());
    assert!(out.join("forge/repos/acme/platform.git").exists());
    Paved::new(&["audit", "verify", "--repo", out.join("platform").to_str().expect("utf8")]).run().expect_code(0);
}

/// The demo is an organisation one can keep using: every service repo follows its paved path with an answers file,
/// the demo opens real migration PRs itself, and the scorecards read a history in which the teams really work.
#[test]
fn demo_is_a_living_platform() {
    let _demo = crate::util::demo_lock();
    let dir = Dir::new();
    let out = dir.join("demo");
    let o = out.to_str().expect("utf8");
    let said = Paved::new(&["demo", "--out", o]).run().expect_code(0).stdout();
    let platform = out.join("platform");
    let repo = platform.to_str().expect("utf8");
    // The quarter's sunset review is in the plan: the demo opens its PR on the platform repo, and says so.
    assert!(said.contains("opened the quarter's sunset review PR on the platform repo"), "{said}");
    let sunset = Paved::new(&["pr", "list", "--repo", repo]).run().expect_code(0).stdout();
    assert!(sunset.contains("paved/deprecate/"), "{sunset}");

    // Every service with a repo reports the version it follows (only experimental ones are not created yet); the
    // ones behind their allowed range get a migration PR.
    let status = Paved::new(&["paths", "status", "--repo", repo, "--format", "json"]).run().expect_code(0).json();
    let services = status["services"].as_array().expect("services");
    let with_repo: Vec<&serde_json::Value> = services.iter().filter(|s| s["state"] != "missing").collect();
    assert!(with_repo.len() >= 14, "{status:#}");
    for s in &with_repo {
        assert!(s["current"].is_string() && s.get("error").is_none(), "a version for every service: {s:#}");
    }
    // The demo itself scaffolded the repos not created yet and opened the migration PR of every service behind
    // its path (no `paths sync` typed); running it now finds nothing to do.
    assert!(services.iter().all(|s| s["state"] != "missing"), "every repo scaffolded: {status:#}");
    let behind: Vec<&str> =
        services.iter().filter(|s| s["state"] == "behind").filter_map(|s| s["repo"].as_str()).collect();
    assert!(!behind.is_empty(), "the demo has services behind their path: {status:#}");
    for s in services.iter().filter(|s| s["state"] == "behind") {
        assert_eq!(s["pr"], "#1 open", "a migration PR for each service behind: {s:#}");
    }
    let pr = out.join(format!("forge/pulls/{}/1.json", behind[0]));
    assert!(pr.exists(), "the migration PR is on the forge: {}", pr.display());
    let sync = Paved::new(&["paths", "sync", "--repo", repo, "--format", "json"]).run().expect_code(0).json();
    assert_eq!(sync["results"].as_array().map(Vec::len), Some(0), "nothing left to do: {sync:#}");
    let plan = Paved::new(&["plan", "--repo", repo]).run().expect_code(0);
    assert!(plan.stdout().contains("No changes"), "a plan right after the demo is empty: {}", plan.stdout());

    // The teams commit: ownership is fresh for a team whose members committed in the last 30 days.
    let payments = std::fs::read_to_string(platform.join("scorecards/services/default/payments-api.md")).expect("page");
    assert!(payments.contains("| The owning team was active in the last 30 days | Bronze | 1 | ✅ pass"), "{payments}");
    // KEV is matched against a real catalog: a known exploited CVE fails, a clean scan passes.
    let legacy = std::fs::read_to_string(platform.join("scorecards/services/default/legacy-billing.md")).expect("page");
    assert!(legacy.contains("CVE-2022-22965 (in CISA KEV"), "{legacy}");
    let orders = std::fs::read_to_string(platform.join("scorecards/services/default/order-service.md")).expect("page");
    assert!(orders.contains("0 KEV CVEs"), "{orders}");
    // The metrics pipeline's SLI exports give error budgets.
    assert!(orders.contains("% left"), "{orders}");
    // Deployments and incidents spread over weeks: DORA and time to first deploy have many points.
    let dora = std::fs::read_to_string(platform.join("scorecards/dora.md")).expect("DORA page");
    let counts: Vec<(u32, u32)> = dora
        .lines()
        .filter_map(|l| {
            let (_, rest) = l.strip_prefix("- `acme/")?.split_once("`: ")?;
            let (d, i) = rest.split_once(" deployment(s), ")?;
            Some((d.parse().ok()?, i.trim_end_matches(" incident(s)").parse().ok()?))
        })
        .collect();
    assert!(counts.iter().filter(|(d, _)| *d > 1).count() >= 10, "deployments on most service repos: {dora}");
    assert!(counts.iter().map(|(_, i)| i).sum::<u32>() >= 5, "incidents on the forge: {dora}");
    let outcomes = std::fs::read_to_string(platform.join("scorecards/outcomes.md")).expect("outcomes page");
    let median = outcomes.lines().find(|l| l.starts_with("Median: ")).expect("time to first deploy");
    let over: u32 = median.rsplit(" over ").next().and_then(|r| r.split(' ').next()?.parse().ok()).expect("count");
    assert!(over >= 10, "{median}");
    // A team that went quiet shows stale ownership, with the fix for it.
    let ranking =
        std::fs::read_to_string(platform.join("scorecards/services/default/ranking-service.md")).expect("page");
    let owner = ranking.lines().find(|l| l.starts_with("| The owning team was active")).expect("ownership row");
    assert!(owner.contains("❌ fail") && owner.contains("more than 30 days ago"), "{owner}");
    // Each team's page says something different.
    let team =
        |t: &str| std::fs::read_to_string(platform.join(format!("scorecards/teams/default/{t}.md"))).expect("team");
    assert_ne!(
        team("payments").lines().skip(3).collect::<Vec<_>>(),
        team("search").lines().skip(3).collect::<Vec<_>>()
    );
    // The history is the teams' own, dated relative to when the demo ran.
    let authors = crate::util::git(&platform, &["log", "--format=%ae"]);
    assert!(authors.lines().any(|a| a == "jane.okafor@acme.example" || a == "marco.silva@acme.example"), "{authors}");
}

/// The failing checks of every scorecard page of a demo run at `now`, as `page: check`.
fn failing_checks(dir: &Dir, now: &str) -> std::collections::BTreeSet<String> {
    let out = dir.join(&format!("demo-{}", &now[..10]));
    Paved::new(&["demo", "--out", out.to_str().expect("utf8")]).env("PAVED_NOW", now).run().expect_code(0);
    let pages = out.join("platform/scorecards/services");
    let mut failing = std::collections::BTreeSet::new();
    let namespaces = std::fs::read_dir(&pages).expect("service pages").map(|n| n.expect("namespace").path());
    for path in namespaces.flat_map(|n| std::fs::read_dir(n).expect("namespace").map(|e| e.expect("entry").path())) {
        let page = std::fs::read_to_string(&path).expect("page");
        let name = path.strip_prefix(&pages).expect("under pages").to_string_lossy().into_owned();
        for row in page.lines().filter(|l| l.contains("| ❌ fail |")) {
            let check = row.split('|').nth(1).unwrap_or_default().trim();
            failing.insert(format!("{name}: {check}: {}", if row.contains("older than") { "stale" } else { "fails" }));
        }
    }
    failing
}

/// The example's evidence is re-dated to the moment the demo runs: months after the example's dates, the same
/// checks fail as on its reference date (none for stale evidence), and the re-signed provenance still verifies.
#[test]
fn demo_evidence_stays_fresh_whenever_it_runs() {
    let _demo = crate::util::demo_lock();
    let dir = Dir::new();
    // The example's reference date (src/ops/demo_dates.rs), and years later (the exemptions' expiries move too).
    let reference = failing_checks(&dir, "2026-11-28T09:00:00Z");
    let later = failing_checks(&dir, "2029-06-30T09:00:00Z");
    assert!(!reference.is_empty() && !reference.iter().any(|c| c.ends_with(": stale")), "{reference:#?}");
    assert_eq!(later, reference, "the same checks fail years later");
    let platform = dir.join("demo-2029-06-30/platform");
    assert!(platform.join("evidence/billing/2029-05.focus.csv").exists(), "the billing months moved with now");
    for service in ["default/payments-api", "default/order-service", "platform/genai-gateway"] {
        let page = std::fs::read_to_string(platform.join(format!("scorecards/services/{service}.md"))).expect("page");
        let row = page.lines().find(|l| l.contains("provenance signed by a trusted key")).expect("provenance row");
        assert!(row.contains("✅ pass") && row.contains("signed by trusted key acme-ci-2026"), "{row}");
    }
    let config = std::fs::read_to_string(platform.join("platform.yaml")).expect("platform.yaml");
    assert!(config.contains("paved demo: a demo is its own organisation"), "{config}");
}
