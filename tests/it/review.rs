//! Plans on PRs: base-branch policies judge head requests; the comment stays under GitHub's limit.

use crate::util::{Dir, Paved, example_copy, git, git_init_commit, root, s};

const LEDGER_DB: &str = "apiVersion: paved.dev/v1\nkind: Request\nmetadata:\n  name: ledger-db\nspec:\n  capability: database\n  moduleVersion: 1\n  environment: production\n  owner: group:payments\n  deletionProtection: true\n  parameters:\n    engine: postgres\n    sizeGb: 50\n    publiclyAccessible: PUBLIC\n    backupRetentionDays: 14\n";

/// The example as a git repo on `main`, with a branch `feature` holding `change`.
fn pr(change: impl FnOnce(&Dir)) -> Dir {
    let repo = example_copy();
    git_init_commit(repo.path());
    git(repo.path(), &["checkout", "--quiet", "-b", "feature"]);
    change(&repo);
    git(repo.path(), &["add", "--all"]);
    git(repo.path(), &["commit", "--quiet", "-m", "change"]);
    repo
}

fn plan(repo: &Dir, format: &str) -> crate::util::Run {
    Paved::new(&["plan", "--repo", s(repo.path()), "--base", "main", "--head", "feature", "--format", format]).run()
}

#[test]
fn a_public_production_database_is_denied_with_reasons() {
    let repo = pr(|r| {
        r.write("requests/payments/ledger-db.yaml", &LEDGER_DB.replace("PUBLIC", "true"));
    });
    let run = plan(&repo, "markdown").expect_code(1);
    let md = run.stdout();
    assert!(md.starts_with("### paved plan\n\n**1 request(s)**: 1 added"), "{md}");
    assert!(md.contains("❌ 1 denied"), "{md}");
    assert!(
        md.contains("denied by `paved.module.database`: a production database cannot be publicly accessible"),
        "{md}"
    );
    assert!(md.contains("approval needed from `group:sre`"), "{md}");
    assert!(md.contains("+  publiclyAccessible  = true"), "the rendered diff shows the change: {md}");
    let ok = pr(|r| {
        r.write("requests/payments/ledger-db.yaml", &LEDGER_DB.replace("PUBLIC", "false"));
    });
    let json = plan(&ok, "json").expect_code(0).json();
    assert_eq!(json["requests"][0]["verdict"]["deny"], serde_json::json!([]));
}

/// Relaxing a policy in the same PR does not let a request through: the base branch judges.
#[test]
fn a_pr_cannot_relax_the_policy_that_judges_it() {
    let repo = pr(|r| {
        r.write("requests/payments/ledger-db.yaml", &LEDGER_DB.replace("PUBLIC", "true"));
        let policy = r.join("modules/database/policy.rego");
        std::fs::write(&policy, "package paved.module.database\n\nimport rego.v1\n\ndeny contains msg if {\n\tfalse\n\tmsg := \"never\"\n}\n").expect("write");
        std::fs::write(
            r.join("policies/data-protection.rego"),
            "package paved.org.data_protection\n\nimport rego.v1\n",
        )
        .expect("write");
    });
    let run = plan(&repo, "json").expect_code(1);
    let review = run.json();
    let deny = review["requests"][0]["verdict"]["deny"].as_array().expect("deny");
    assert!(deny.iter().any(|m| m["policy"] == "paved.module.database"), "{review:#}");
    let changed = review["policies_changed"].as_array().expect("policies changed");
    assert_eq!(changed.len(), 2, "{review:#}");
    assert!(review["impact"].is_array(), "a policy change gets an impact report");
}

/// A PR that only tightens a policy lists every existing request it would newly deny.
#[test]
fn a_policy_change_reports_its_impact_on_existing_requests() {
    let repo = pr(|r| {
        std::fs::write(
            r.join("policies/no-staging.rego"),
            "package paved.org.no_staging\n\nimport rego.v1\n\ndeny contains msg if {\n\tinput.request.spec.environment == \"staging\"\n\tmsg := \"staging is being retired\"\n}\n",
        )
        .expect("write");
    });
    let run = plan(&repo, "markdown").expect_code(0);
    let md = run.stdout();
    assert!(md.contains("#### Policy impact"), "{md}");
    assert!(md.contains("`storefront/cart-events` | allowed"), "{md}");
    assert!(md.contains("denied: staging is being retired"), "{md}");
    assert!(!md.contains("`payments/orders-db`"), "production requests are unaffected: {md}");
}

/// A value that tries to inject HCL stays a string in the rendered module.
#[test]
fn parameters_cannot_inject_into_the_rendered_terraform() {
    let repo = pr(|r| {
        r.write(
            "requests/payments/evil-flag.yaml",
            "apiVersion: paved.dev/v1\nkind: Request\nmetadata:\n  name: evil-flag\nspec:\n  capability: feature-flag\n  moduleVersion: 1\n  environment: development\n  owner: group:payments\n  parameters:\n    key: evil-flag\n    variants: {on: true, off: false}\n    defaultVariant: \"off\"\n    description: \"x\\\"\\n}\\nresource \\\"terraform_data\\\" \\\"pwn\\\" { input = \\\"${file(\\\"/etc/passwd\\\")}\\\" }\"\n",
        );
    });
    let json = plan(&repo, "json").json();
    let diff = json["requests"][0]["diff"].as_str().expect("diff");
    let line = diff.lines().find(|l| l.contains("description")).expect("description line");
    assert!(line.contains(r#"\"\n}\nresource \"terraform_data\""#), "{line}");
    assert!(line.contains("$${file("), "template sequences are escaped: {line}");
    assert_eq!(diff.lines().filter(|l| l.starts_with("+}")).count(), 1, "one block closes: {diff}");
}

#[test]
fn the_comment_stays_under_githubs_limit_for_200_requests() {
    let repo = pr(|r| {
        for i in 0..200 {
            r.write(
                &format!("requests/payments/flag-{i:03}.yaml"),
                &format!("apiVersion: paved.dev/v1\nkind: Request\nmetadata:\n  name: flag-{i:03}\nspec:\n  capability: feature-flag\n  moduleVersion: 1\n  environment: staging\n  owner: group:payments\n  parameters:\n    key: flag-{i:03}\n    variants: {{on: true, off: false}}\n    defaultVariant: \"off\"\n    description: \"{}\"\n", "a long description ".repeat(20)),
            );
        }
    });
    let md = plan(&repo, "markdown").expect_code(0).stdout();
    assert!(md.chars().count() <= 65_536, "{} characters", md.chars().count());
    assert!(md.contains("**200 request(s)**: 200 added"), "the summary counts everything");
    assert!(md.contains("left out to stay under"), "what did not fit is said");
}

/// `paved pr plan` posts one comment (edited in place) and a check that follows approvals.
#[test]
fn the_local_forge_pr_gets_one_comment_and_a_policy_check() {
    let repo = example_copy();
    git_init_commit(repo.path());
    let forge = Dir::new();
    use paved::forge::Forge;
    let local = paved::forge::local::LocalForge::new(forge.path());
    let info = local.create_repo("acme/platform", "main").expect("create");
    git(repo.path(), &["push", "--quiet", &info.clone_url, "main"]);
    git(repo.path(), &["checkout", "--quiet", "-b", "ledger"]);
    repo.write("requests/payments/ledger-db.yaml", &LEDGER_DB.replace("PUBLIC", "false"));
    git(repo.path(), &["add", "--all"]);
    git(repo.path(), &["commit", "--quiet", "-m", "ledger db"]);
    git(repo.path(), &["push", "--quiet", &info.clone_url, "ledger"]);
    let (r, f) = (s(repo.path()), s(forge.path()));
    Paved::new(&["pr", "open", "--repo", r, "--forge", f, "--head", "ledger", "--title", "Ledger database"])
        .run()
        .expect_code(0);

    Paved::new(&["pr", "plan", "1", "--repo", r, "--forge", f]).run().expect_code(0);
    let pr = local.get_pr("acme/platform", 1).expect("pr");
    assert_eq!(pr.comments.len(), 1);
    assert!(pr.comments[0].body.contains("approval needed from `group:sre`"), "{}", pr.comments[0].body);
    assert_eq!(pr.checks[0].name, "paved/policy");
    assert_eq!(pr.checks[0].conclusion, paved::forge::CheckConclusion::ActionRequired);

    // An approval by a member of sre satisfies the policy; the same comment is edited, the check turns green.
    let sre_member = std::fs::read_to_string(repo.join("catalog/org/groups.yaml")).expect("groups");
    assert!(sre_member.contains("name: sre"));
    let loaded = paved::model::load(
        &paved::source::Snapshot::worktree(repo.path()).expect("snapshot"),
        &paved::model::cache::ParseCache::new(),
        &paved::model::LoadOptions::default(),
    );
    let member = loaded.model.catalog.members(&paved::model::entity_ref::EntityRef::new("group", "default", "sre"));
    let member = member.iter().next().expect("sre has a member").name.clone();
    Paved::new(&["pr", "approve", "1", "--repo", r, "--forge", f, "--by", &member]).run().expect_code(0);
    Paved::new(&["pr", "plan", "1", "--repo", r, "--forge", f]).run().expect_code(0);
    let pr = local.get_pr("acme/platform", 1).expect("pr");
    assert_eq!(pr.comments.len(), 1, "one comment per PR, edited in place");
    assert!(pr.comments[0].body.contains("✅ policies pass"), "{}", pr.comments[0].body);
    assert!(!pr.comments[0].body.contains("approval needed"), "{}", pr.comments[0].body);
    assert_eq!(pr.checks.len(), 1);
    assert_eq!(pr.checks[0].conclusion, paved::forge::CheckConclusion::Success);
}

/// The regorus VM must judge exactly as the interpreter does: every example request, and variants of each that
/// trip the policies (production, public, wildcard, oversized values), get the same verdict from both.
#[test]
fn the_policy_vm_and_the_interpreter_give_the_same_verdicts() {
    let repo = root().join("platform-repo-example");
    let snapshot = paved::source::Snapshot::worktree(&repo).expect("snapshot");
    let loaded =
        paved::model::load(&snapshot, &paved::model::cache::ParseCache::new(), &paved::model::LoadOptions::default());
    let model = &loaded.model;
    let sources = paved::policy::module_sources(&snapshot, model);
    let vm = paved::policy::PolicySet::compile(model, &sources).expect("the example's policies compile");
    assert!(vm.compiled_to_vm(), "the example's policies compile to the VM");
    let interpreter = vm.interpreted();
    assert!(!interpreter.compiled_to_vm());
    let (mut denied, mut approvals, mut compared) = (0, 0, 0);
    for request in model.requests.values() {
        let input = paved::policy::input::for_request(model, request, None);
        let mut variants = vec![input.clone()];
        for environment in ["production", "development"] {
            let mut v = input.clone();
            v["environment"] = environment.into();
            v["request"]["spec"]["environment"] = environment.into();
            variants.push(v);
        }
        let mut wild = variants[1].clone();
        if let Some(params) = wild["request"]["spec"]["parameters"].as_object_mut() {
            for value in params.values_mut() {
                let wilder: serde_json::Value = match &*value {
                    serde_json::Value::Bool(_) => true.into(),
                    serde_json::Value::Number(_) => 100_000.into(),
                    serde_json::Value::String(_) => "*".into(),
                    other => other.clone(),
                };
                *value = wilder;
            }
        }
        variants.push(wild);
        for input in &variants {
            let capability = Some(request.spec.capability.as_str());
            let expected = interpreter.evaluate(capability, input).expect("the interpreter evaluates");
            let got = vm.evaluate(capability, input).expect("the VM evaluates");
            assert_eq!(got, expected, "{} judged differently on {input}", request.key());
            denied += usize::from(!expected.deny.is_empty());
            approvals += usize::from(!expected.approvers.is_empty());
            compared += 1;
        }
    }
    assert!(
        compared >= 60 && denied >= 5 && approvals >= 5,
        "{compared} compared, {denied} denied, {approvals} approvals"
    );
}
