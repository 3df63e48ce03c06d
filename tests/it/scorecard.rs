//! Scorecards from evidence: `paved scorecard` on the example, forged and future-dated evidence, self-declared
//! catalog fields, and the reports the reconcile commits (nothing when nothing changed; the trend grows with new
//! evidence). The clock is pinned with `PAVED_NOW`; the KEV catalog is the real one from `tests/fixtures`.

use crate::util::{Dir, Paved, commit_at, example_copy, fixture, git};
use base64::Engine;
use serde_json::Value;
use std::path::{Path, PathBuf};

const NOW: &str = "2026-11-28T12:00:00Z";

fn kev() -> PathBuf {
    fixture("kev/known_exploited_vulnerabilities.json")
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf8 path")
}

/// The example as a git repo whose history has a commit by a payments engineer two days before [`NOW`].
fn example() -> Dir {
    let dir = example_copy();
    git(dir.path(), &["init", "--quiet", "--initial-branch=main"]);
    commit_at(dir.path(), "jane.okafor@acme.example", "2026-11-26T10:00:00Z", "initial");
    dir
}

fn paved(repo: &Path, args: &[&str], now: &str) -> crate::util::Run {
    let mut all = args.to_vec();
    all.extend(["--repo", s(repo)]);
    Paved::new(&all).env("PAVED_NOW", now).env("PAVED_KEV_CATALOG", s(&kev())).run()
}

fn evaluate(repo: &Path) -> Value {
    paved(repo, &["scorecard", "--format", "json"], NOW).expect_code(0).json()
}

fn check<'a>(eval: &'a Value, entity: &str, card: &str, id: &str) -> &'a Value {
    let e = eval["entities"].as_array().expect("entities").iter().find(|e| e["entity"] == entity);
    let e = e.unwrap_or_else(|| panic!("{entity} is not evaluated"));
    let c = e["cards"].as_array().expect("cards").iter().find(|c| c["scorecard"] == card).expect("card applies");
    c["checks"].as_array().expect("checks").iter().find(|k| k["id"] == id).expect("check")
}

fn card<'a>(eval: &'a Value, entity: &str, card: &str) -> &'a Value {
    let e = eval["entities"].as_array().expect("entities").iter().find(|e| e["entity"] == entity).expect("entity");
    e["cards"].as_array().expect("cards").iter().find(|c| c["scorecard"] == card).expect("card applies")
}

#[test]
fn the_example_scorecards_show_what_the_evidence_shows() {
    let repo = example();
    let eval = evaluate(repo.path());
    let pay = "component:default/payments-api";
    let signed = check(&eval, pay, "security-posture", "attestation-signed");
    assert_eq!(signed["status"], "pass", "{signed:#}");
    assert!(signed["cited"].to_string().contains("evidence/payments-api/provenance.intoto.jsonl"), "{signed:#}");
    assert!(signed["cited"].to_string().contains("sha256:0234ddcc"), "the subject digest is cited: {signed:#}");
    assert_eq!(card(&eval, pay, "security-posture")["level"], "Silver");

    let legacy = check(&eval, "component:default/legacy-billing", "security-posture", "no-kev");
    assert_eq!(legacy["status"], "fail");
    assert!(legacy["reason"].as_str().expect("reason").contains("CVE-2022-22965"), "{legacy:#}");
    let exempt = check(&eval, "component:default/legacy-billing", "security-posture", "attestation-signed");
    assert_eq!(exempt["status"], "exempt", "{exempt:#}");
    assert!(exempt["reason"].as_str().expect("reason").contains("2027-03-31"));
    let search = check(&eval, "component:default/search-api", "security-posture", "no-kev");
    assert!(search["reason"].as_str().expect("reason").contains("CVE-2020-15999"), "{search:#}");
    let mfa = check(&eval, "component:default/search-api", "security-posture", "mfa");
    assert!(mfa["status"] == "fail" && mfa["reason"].as_str().expect("reason").contains("oskar.nilsson"), "{mfa:#}");

    let oncall = check(&eval, "component:default/ranking-service", "production-readiness", "oncall");
    assert!(oncall["reason"].as_str().expect("reason").contains("nobody"), "{oncall:#}");
    let budget = check(&eval, "component:default/checkout-web", "cost", "within-budget");
    assert!(budget["status"] == "fail" && budget["value"] == "1010 of 900 USD", "{budget:#}");
    let trend = check(&eval, "component:default/checkout-assistant", "cost", "trend");
    assert_eq!(trend["status"], "fail", "120 to 310 USD: {trend:#}");

    let owner = check(&eval, pay, "ownership-freshness", "owner-active");
    assert_eq!(owner["status"], "pass", "jane.okafor committed two days ago: {owner:#}");
    let stale = check(&eval, "component:default/search-api", "ownership-freshness", "owner-active");
    assert_eq!(stale["status"], "fail", "nobody from search committed: {stale:#}");
}

fn tamper_payload(repo: &Path) {
    let path = repo.join("evidence/payments-api/provenance.intoto.jsonl");
    let mut env: Value = serde_json::from_str(&std::fs::read_to_string(&path).expect("read")).expect("json");
    let b64 = base64::engine::general_purpose::STANDARD;
    let payload = b64.decode(env["payload"].as_str().expect("payload")).expect("base64");
    let forged = String::from_utf8(payload).expect("utf8").replace("refs/tags/v2.14.3", "refs/tags/v2.14.4");
    env["payload"] = Value::String(b64.encode(forged));
    std::fs::write(&path, format!("{env}\n")).expect("write");
}

#[test]
fn a_forged_attestation_fails() {
    let repo = example();
    tamper_payload(repo.path());
    commit_at(repo.path(), "jane.okafor@acme.example", "2026-11-26T11:00:00Z", "forge it");
    let eval = evaluate(repo.path());
    let signed = check(&eval, "component:default/payments-api", "security-posture", "attestation-signed");
    assert_eq!(signed["status"], "fail", "{signed:#}");
    assert!(signed["reason"].as_str().expect("reason").contains("does not verify with key acme-ci-2026"), "{signed:#}");

    // A genuine envelope, but platform.yaml no longer trusts the key that signed it.
    let repo = example();
    let platform = std::fs::read_to_string(repo.join("platform.yaml")).expect("read");
    let other = platform.replace(
        "MCowBQYDK2VwAyEAjLGRAVs2ZI/1GmNjf41hyOQsnaiR7HvhkXU723cZmPM=",
        "MCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=",
    );
    std::fs::write(repo.join("platform.yaml"), other).expect("write");
    commit_at(repo.path(), "jane.okafor@acme.example", "2026-11-26T11:00:00Z", "rotate");
    let eval = evaluate(repo.path());
    let signed = check(&eval, "component:default/order-service", "security-posture", "attestation-signed");
    assert_eq!(signed["status"], "fail", "{signed:#}");

    // The signature holds, but the SBOM says the released image is another one.
    let repo = example();
    let sbom = repo.join("evidence/payments-api/sbom.cdx.json");
    let text = std::fs::read_to_string(&sbom).expect("read");
    std::fs::write(&sbom, text.replace("sha256:0234ddcc", "sha256:1234ddcc")).expect("write");
    commit_at(repo.path(), "jane.okafor@acme.example", "2026-11-26T11:00:00Z", "other image");
    let eval = evaluate(repo.path());
    let signed = check(&eval, "component:default/payments-api", "security-posture", "attestation-signed");
    assert!(
        signed["reason"].as_str().expect("reason").contains("but the SBOM's image is sha256:1234ddcc"),
        "{signed:#}"
    );
}

#[test]
fn a_catalog_field_claiming_an_slo_does_not_pass_the_slo_check() {
    let repo = example();
    let path = repo.join("catalog/checkout/components.yaml");
    let text = std::fs::read_to_string(&path).expect("read");
    let claimed = text.replace(
        "    paved.dev/oncall: storefront-primary\n    paved.dev/budget-monthly: \"200\"",
        "    paved.dev/oncall: storefront-primary\n    paved.dev/budget-monthly: \"200\"\n    slo: \"true\"\n    paved.dev/slo: \"defined\"",
    );
    assert_ne!(text, claimed, "the fixture moved: inventory-sync's annotations");
    std::fs::write(&path, claimed).expect("write");
    commit_at(repo.path(), "jane.okafor@acme.example", "2026-11-26T11:00:00Z", "claim an SLO");
    let eval = evaluate(repo.path());
    let slo = check(&eval, "component:default/inventory-sync", "production-readiness", "slo");
    assert_eq!(slo["status"], "fail", "{slo:#}");
    assert!(
        slo["reason"].as_str().expect("reason").contains("no OpenSLO definition at evidence/inventory-sync/slo.yaml")
    );
}

#[test]
fn evidence_from_the_future_fails() {
    let repo = example();
    let sbom = repo.join("evidence/payments-api/sbom.cdx.json");
    let text = std::fs::read_to_string(&sbom).expect("read");
    std::fs::write(
        &sbom,
        text.replace("\"timestamp\": \"2026-11-24T09:41:12Z\"", "\"timestamp\": \"2027-06-01T00:00:00Z\""),
    )
    .expect("write");
    commit_at(repo.path(), "jane.okafor@acme.example", "2026-11-26T11:00:00Z", "skewed");
    let eval = evaluate(repo.path());
    let sbom = check(&eval, "component:default/payments-api", "production-readiness", "sbom");
    assert_eq!(sbom["status"], "fail", "{sbom:#}");
    assert!(sbom["reason"].as_str().expect("reason").contains("dated 2027-06-01T00:00:00Z"), "{sbom:#}");

    // Stale evidence fails too: a week later the SBOM is past security posture's 14 days... and the scan too.
    let later = paved(repo.path(), &["scorecard", "--format", "json"], "2026-12-20T12:00:00Z").expect_code(0).json();
    let kev = check(&later, "component:default/payments-api", "security-posture", "no-kev");
    assert_eq!(kev["status"], "fail", "{kev:#}");
    assert!(kev["reason"].as_str().expect("reason").contains("older than 14d"), "{kev:#}");
}

fn reconcile(repo: &Path, now: &str) -> String {
    paved(repo, &["reconcile"], now).expect_code(0);
    git(repo, &["rev-parse", "HEAD"])
}

#[test]
fn reconcile_commits_reports_once_and_the_trend_grows_with_new_evidence() {
    let repo = example();
    let first = reconcile(repo.path(), NOW);
    let summary = std::fs::read_to_string(repo.join("scorecards/README.md")).expect("the org summary is committed");
    assert!(summary.contains("## Levels per team") && summary.contains("## Worst offenders"), "{summary}");
    assert!(summary.contains("One point so far (2026-11-27)") && !summary.contains("xychart"), "{summary}");
    assert!(summary.contains("## What changed\n\nFirst report.\n"), "{summary}");
    let page = std::fs::read_to_string(repo.join("scorecards/services/default/legacy-billing.md")).expect("page");
    assert!(
        page.contains("CVE-2022-22965") && page.contains("evidence/legacy-billing/vulns.trivy.json @ blob"),
        "{page}"
    );
    assert!(page.contains("Upgrade the affected packages"), "how to fix: {page}");
    // How to fix follows the reason: without an SLI export the budget is unknown, not exhausted.
    let orders = std::fs::read_to_string(repo.join("scorecards/services/default/order-service.md")).expect("page");
    let budget = orders.lines().find(|l| l.starts_with("| Error budget remaining")).expect("the budget row");
    assert!(budget.contains("no SLI export") && budget.contains("Have the metrics pipeline export"), "{budget}");
    assert!(!budget.contains("exhausted"), "{budget}");
    assert!(repo.join("scorecards/teams/default/payments.md").exists());
    let dora = std::fs::read_to_string(repo.join("scorecards/dora.md")).expect("the DORA page is committed");
    assert!(dora.contains("| **organisation** | 253 |"), "{dora}");
    assert!(dora.contains("## Performance levels") && dora.contains("| elite | at most 1 day"), "{dora}");
    let outcomes = std::fs::read_to_string(repo.join("scorecards/outcomes.md")).expect("the outcomes page");
    assert!(outcomes.contains("| nps-2026-q3 (`blob "), "{outcomes}");
    assert!(outcomes.contains("| 20 | +25 |"), "NPS of the example survey: {outcomes}");
    assert!(outcomes.contains("| group:default/storefront | 2 | 4 |"), "team load: {outcomes}");
    assert!(outcomes.contains("| Interfaces | Optimizing | capabilities requested"), "maturity: {outcomes}");
    assert!(outcomes.contains("| Investment | Scalable |"), "maturity: {outcomes}");
    let touched = git(repo.path(), &["log", "--author=paved", "--name-only", "--format="]);
    assert!(touched.lines().any(|l| l == "scorecards/README.md"), "{touched}");
    assert!(git(repo.path(), &["log", "-1", "--format=%B"]).contains("Paved-Action: "));

    // Nothing new: no commit, even an hour later.
    assert_eq!(reconcile(repo.path(), "2026-11-28T13:00:00Z"), first, "second reconcile commits nothing");
    let plan = paved(repo.path(), &["plan", "--format", "json"], NOW).expect_code(0).json();
    assert_eq!(plan["actions"].as_array().expect("actions").len(), 0, "{plan:#}");

    // New evidence the next day: inventory-sync publishes an SLO. The summary gains a trend point.
    repo.write(
        "evidence/inventory-sync/slo.yaml",
        "apiVersion: openslo/v1\nkind: SLO\nmetadata:\n  name: inventory-sync-freshness\nspec:\n  service: inventory-sync\n  \
         budgetingMethod: Occurrences\n  objectives:\n    - target: 0.99\n",
    );
    commit_at(repo.path(), "tom.becker@acme.example", "2026-11-29T09:00:00Z", "inventory-sync SLO");
    let before = summary.lines().filter(|l| l.starts_with("| 2026-")).count();
    let third = reconcile(repo.path(), "2026-11-29T12:00:00Z");
    assert_ne!(third, first);
    let summary = std::fs::read_to_string(repo.join("scorecards/README.md")).expect("summary");
    let after = summary.lines().filter(|l| l.starts_with("| 2026-")).count();
    assert_eq!(after, before + 1, "one more trend point:\n{summary}");
    assert!(summary.contains("x-axis [\"2026-11-27\", \"2026-11-29\"]"), "{summary}");
    assert!(
        summary.contains("xychart-beta") && summary.contains("Lines: 🟦 Cost · 🟧 "),
        "a legend names each line: {summary}"
    );
    assert!(
        summary.contains("- component:default/inventory-sync · Production readiness: none (29%) → none (57%)"),
        "what changed since the last report:\n{summary}"
    );
    let inv = std::fs::read_to_string(repo.join("scorecards/services/default/inventory-sync.md")).expect("page");
    assert!(inv.contains("inventory-sync-freshness"), "{inv}");
    assert_eq!(reconcile(repo.path(), "2026-11-29T12:30:00Z"), third, "and then nothing again");
}

#[test]
fn ci_is_green_only_when_the_forge_reports_checks_passing_on_the_default_branch_head() {
    use paved::forge::{Check, CheckConclusion, Forge, NewPr};
    let repo = example();
    let forge_dir = Dir::new();
    let forge = paved::forge::local::LocalForge::new(forge_dir.path());
    let info = forge.create_repo("acme/payments-api", "main").expect("create");
    let work = Dir::new();
    git(work.path(), &["init", "--quiet", "--initial-branch=main"]);
    work.write("README.md", "payments\n");
    git(work.path(), &["add", "."]);
    git(work.path(), &["commit", "--quiet", "-m", "init"]);
    git(work.path(), &["push", "--quiet", &info.clone_url, "main"]);
    git(work.path(), &["checkout", "--quiet", "-b", "feature"]);
    work.write("README.md", "payments api\n");
    git(work.path(), &["commit", "--quiet", "-am", "change"]);
    git(work.path(), &["push", "--quiet", &info.clone_url, "feature"]);
    let pr = forge
        .open_pr(
            "acme/payments-api",
            NewPr {
                head: "feature".into(),
                base: "main".into(),
                title: "t".into(),
                body: String::new(),
                author: "jane".into(),
                labels: vec![],
            },
        )
        .expect("open");
    let merged = forge.merge_pr("acme/payments-api", pr.number, "marco").expect("merge");
    let head = merged.merge_commit.expect("merge commit");
    let set = |conclusion| {
        let check = Check {
            name: "build".into(),
            commit: head.clone(),
            conclusion,
            summary: String::new(),
            details: String::new(),
            updated_at: String::new(),
        };
        forge.set_check("acme/payments-api", pr.number, check).expect("check");
    };
    // The forge stamps checks with the real clock: observe right after.
    let now = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let ci = |now: &str| {
        let eval =
            Paved::new(&["scorecard", "--format", "json", "--repo", s(repo.path()), "--forge", s(forge_dir.path())])
                .env("PAVED_NOW", now)
                .run()
                .expect_code(0)
                .json();
        check(&eval, "component:default/payments-api", "production-readiness", "ci-green").clone()
    };
    let none = ci(&now);
    assert!(none["status"] == "fail" && none["reason"].as_str().expect("reason").contains("no check runs"), "{none:#}");
    set(CheckConclusion::Failure);
    let red = ci(&now);
    assert!(red["status"] == "fail" && red["reason"].as_str().expect("reason").contains("failing on"), "{red:#}");
    set(CheckConclusion::Success);
    let green = ci(&chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string());
    assert_eq!(green["status"], "pass", "{green:#}");
    assert!(green["cited"].to_string().contains(&head[..12]), "{green:#}");
}

#[test]
fn capabilities_used_by_too_few_teams_for_a_quarter_are_sunset_candidates() {
    let dir = example_copy();
    git(dir.path(), &["init", "--quiet", "--initial-branch=main"]);
    commit_at(dir.path(), "jane.okafor@acme.example", "2026-06-01T10:00:00Z", "requests from last spring");
    // A new team adopts feature flags this quarter.
    dir.write(
        "requests/payments/checkout-flag.yaml",
        "apiVersion: paved.dev/v1\nkind: Request\nmetadata:\n  name: checkout-flag\nspec:\n  capability: feature-flag\n  \
         moduleVersion: 1\n  environment: production\n  owner: group:payments\n  parameters:\n    key: payments-new-psp\n",
    );
    commit_at(dir.path(), "jane.okafor@acme.example", "2026-11-20T10:00:00Z", "a new flag");
    let md = paved(dir.path(), &["scorecard", "--format", "markdown"], NOW).stdout();
    let page = md
        .split("<!-- scorecards/adoption.md -->")
        .nth(1)
        .expect("adoption page")
        .split("<!-- scorecards/")
        .next()
        .expect("page");
    let row = |cap: &str| {
        page.lines()
            .find(|l| l.starts_with(&format!("| {cap} |")))
            .unwrap_or_else(|| panic!("{cap}:\n{page}"))
            .to_owned()
    };
    assert!(
        row("iam-role").ends_with("| 2026-06-01 | yes: remaining data-engineering/lakehouse-writer-role |"),
        "{}",
        row("iam-role")
    );
    assert!(row("database").ends_with("| no |"), "two teams use databases: {}", row("database"));
    let flag = row("feature-flag");
    assert!(flag.contains("| payments | 2026-11-20 | no |"), "payments is a new adopter this quarter: {flag}");
    // Paths: adoption from when each consuming Component entered the catalog (all in the spring commit here).
    assert!(page.contains("| microservice | 2.0.0 | 7 | 37% | 5 of 7 | none | 2026-06-01 | no |"), "{page}");
}

#[test]
fn a_check_on_a_fact_no_collector_derives_is_a_located_error() {
    let repo = example_copy();
    let path = repo.join("scorecards/production-readiness.yaml");
    let text = std::fs::read_to_string(&path).expect("read");
    std::fs::write(&path, text.replace("fact: slo.defined", "fact: slo.definde")).expect("write");
    let run = Paved::new(&["validate", "--repo", s(repo.path())]).run().expect_code(1);
    let out = run.stdout() + &run.stderr();
    assert!(
        out.contains(
            "scorecards/production-readiness.yaml:30:13: error: no evidence collector derives the fact `slo.definde`"
        ),
        "{out}"
    );
    assert!(out.contains("did you mean `slo.defined`?"), "{out}");
}

#[test]
fn time_to_first_deploy_runs_from_the_catalog_commit_to_the_first_production_deployment() {
    let repo = example();
    repo.write(
        "catalog/checkout/returns.yaml",
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: returns-service\nspec:\n  type: service\n  \
         lifecycle: experimental\n  owner: storefront\n  system: checkout\n",
    );
    commit_at(repo.path(), "tom.becker@acme.example", "2026-11-27T09:00:00Z", "returns-service joins the catalog");
    let deployments = repo.join("evidence/deployments.jsonl");
    let mut text = std::fs::read_to_string(&deployments).expect("read");
    text.push_str(
        "{\"component\":\"component:default/returns-service\",\"environment\":\"production\",\"commit\":\"abc\",\
         \"committedAt\":\"2026-11-27T09:10:00Z\",\"deployedAt\":\"2026-11-27T09:25:00Z\",\"status\":\"succeeded\",\
         \"changeFailure\":false}\nnot json at all\n",
    );
    std::fs::write(&deployments, text).expect("write");
    commit_at(repo.path(), "tom.becker@acme.example", "2026-11-27T10:00:00Z", "first deployment");
    let md = paved(repo.path(), &["scorecard", "--format", "markdown"], NOW).expect_code(0).stdout();
    assert!(md.contains("| returns-service | 2026-11-27 09:00 | 2026-11-27 09:25 | 0.4 h |"), "{md}");
    assert!(md.contains("Median: 3.8 h over 6 component(s)."), "with the example's components deployed after 11-26");
    assert!(md.contains("- evidence/deployments.jsonl:256: not JSON"), "a bad line is skipped, not fatal");
}

#[test]
fn requests_for_a_deprecated_capability_are_warned() {
    let repo = example_copy();
    let path = repo.join("modules/iam-role/module.yaml");
    let text = std::fs::read_to_string(&path).expect("read");
    let deprecated = if text.contains("deprecated: false") {
        text.replace("deprecated: false", "deprecated: true")
    } else {
        text.replacen("spec:\n", "spec:\n  deprecated: true\n", 1)
    };
    std::fs::write(&path, deprecated).expect("write");
    let run = Paved::new(&["validate", "--repo", s(repo.path())]).run().expect_code(0);
    let out = run.stdout() + &run.stderr();
    assert!(
        out.contains("requests/data-engineering/lakehouse-writer-role.yaml:")
            && out.contains("warning: capability `iam-role` is deprecated"),
        "{out}"
    );
}

/// A commit in a new service repo on the local forge, committed at `date`; returns its sha.
fn service_commit(forge: &paved::forge::local::LocalForge, repo: &str, date: &str) -> String {
    use paved::forge::Forge;
    let info = forge.create_repo(repo, "main").expect("create");
    let work = Dir::new();
    git(work.path(), &["init", "--quiet", "--initial-branch=main"]);
    work.write("README.md", "# service\n");
    commit_at(work.path(), "jane.okafor@acme.example", date, "a change");
    git(work.path(), &["push", "--quiet", &info.clone_url, "main"]);
    git(work.path(), &["rev-parse", "HEAD"])
}

/// DORA from the forge alone (the example's events file removed): a deployment the pipeline recorded on the
/// service repo, an incident (by the configured label) opened 2 h after it and closed 3 h later.
#[test]
fn forge_deployments_and_incidents_by_label_feed_dora() {
    let repo = example();
    std::fs::remove_file(repo.join("evidence/deployments.jsonl")).expect("rm");
    let platform = std::fs::read_to_string(repo.join("platform.yaml")).expect("platform.yaml");
    assert!(platform.contains("    incidentLabel: incident\n"), "{platform}");
    std::fs::write(repo.join("platform.yaml"), platform.replace("incidentLabel: incident", "incidentLabel: sev"))
        .expect("write");
    commit_at(repo.path(), "jane.okafor@acme.example", "2026-11-26T11:00:00Z", "DORA from the forge");
    let forge_dir = Dir::new();
    let forge = paved::forge::local::LocalForge::new(forge_dir.path());
    let sha = service_commit(&forge, "acme/payments-api", "2026-11-20T08:00:00Z");
    let f = s(forge_dir.path());
    let on = ["--on", "acme/payments-api"];
    let record = |args: &[&str]| {
        let mut all = args.to_vec();
        all.extend(["--repo", s(repo.path()), "--forge", f]);
        Paved::new(&all).run()
    };
    let run = record(&[&["deployment", "record", "--sha", &sha, "--at", "2026-11-20T09:00:00Z"][..], &on].concat());
    assert!(run.expect_code(0).stdout().contains("deployment 1 of acme/payments-api"));
    let opened =
        record(&[&["incident", "open", "--title", "checkout 500s", "--at", "2026-11-20T11:00:00Z"][..], &on].concat());
    assert!(opened.expect_code(0).stdout().contains("incident #1 opened on acme/payments-api"));
    record(&[&["incident", "close", "1", "--at", "2026-11-20T14:00:00Z"][..], &on].concat()).expect_code(0);
    // Another label is not an incident here; an unknown deployment state is refused at the door.
    let args =
        [&["incident", "open", "--title", "a bug", "--label", "incident", "--at", "2026-11-20T12:00:00Z"][..], &on];
    record(&args.concat()).expect_code(0);
    let bad = record(&[&["deployment", "record", "--sha", &sha, "--status", "exploded"][..], &on].concat());
    assert_eq!(bad.code(), 2, "{}", bad.stderr());
    let missing = record(&[&["incident", "close", "7"][..], &on].concat()).expect_code(1);
    assert!(missing.stderr().contains("issue #7 does not exist in acme/payments-api"), "{}", missing.stderr());

    let md = paved(repo.path(), &["scorecard", "--format", "markdown", "--forge", f], NOW).expect_code(0).stdout();
    assert!(md.contains("- `acme/payments-api`: 1 deployment(s), 1 incident(s)"), "{md}");
    assert!(md.contains("incidents are issues labelled `sev`"), "{md}");
    // Lead time 1 h (commit 08:00, deployed 09:00); the incident makes it a change failure restored in 3 h.
    assert!(md.contains("| **organisation** | 1 | 0.1 | n/a | 1.0 h | 100% | 3.0 h | low |"), "{md}");

    // A forge record that does not read: the page says so for that source, and nothing crashes.
    std::fs::write(forge_dir.join("deployments/acme/payments-api/2.json"), "{ truncated").expect("write");
    let md = paved(repo.path(), &["scorecard", "--format", "markdown", "--forge", f], NOW).expect_code(0).stdout();
    assert!(md.contains("- `acme/payments-api`: not read: corrupt forge record"), "{md}");
    assert!(md.contains("No production deployments in the evidence."), "{md}");
}
