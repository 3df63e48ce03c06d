use crate::util::{Dir, Paved, copy_tree, root};
use paved::model::cache::ParseCache;
use paved::model::entity_ref::EntityRef;
use paved::model::relation::RelationType;
use paved::model::{LoadOptions, load};
use paved::source::Snapshot;
use std::collections::BTreeSet;
use std::path::Path;

fn load_dir(dir: &Path) -> paved::model::Loaded {
    let snapshot = Snapshot::worktree(dir).expect("snapshot");
    load(&snapshot, &ParseCache::new(), &LoadOptions::default())
}

#[test]
fn the_example_platform_repo_validates_with_zero_errors() {
    let example = root().join("platform-repo-example");
    let run =
        Paved::new(&["validate", "--repo", example.to_str().expect("utf8"), "--format", "json"]).run().expect_code(0);
    let v = run.json();
    assert_eq!(v["errors"], 0, "{}", run.stdout());
    assert_eq!(v["warnings"], 0, "{}", run.stdout());
}

/// The issue asks for a believable company; these are the numbers it names.
#[test]
fn the_example_is_a_believable_company() {
    let loaded = load_dir(&root().join("platform-repo-example"));
    let catalog = &loaded.model.catalog;
    let topologies: BTreeSet<&str> = catalog.of_kind("group").filter_map(|(_, g)| g.entity.team_topology()).collect();
    let teams = catalog.of_kind("group").filter(|(_, g)| g.entity.team_topology().is_some()).count();
    assert!(teams >= 6, "{teams} teams");
    assert_eq!(topologies.len(), 4, "all four Team Topologies types: {topologies:?}");
    assert!(catalog.of_kind("user").count() >= 6);
    assert!(catalog.of_kind("system").count() >= 3);
    let components: Vec<_> = catalog.of_kind("component").collect();
    assert!(components.len() >= 12);
    let paths: BTreeSet<&str> =
        components.iter().filter_map(|(_, c)| c.entity.annotations.get("paved.dev/path").map(String::as_str)).collect();
    assert_eq!(paths, BTreeSet::from(["data-pipeline", "genai-feature", "microservice", "scheduled-job"]));
    let versions: BTreeSet<&str> = components
        .iter()
        .filter_map(|(_, c)| c.entity.annotations.get("paved.dev/path-version").map(String::as_str))
        .collect();
    assert!(versions.len() >= 2, "components on different path versions: {versions:?}");
    let capabilities: BTreeSet<&str> = loaded.model.requests.values().map(|r| r.spec.capability.as_str()).collect();
    assert_eq!(capabilities.len(), 9, "requests for all nine capabilities: {capabilities:?}");
    assert!(!loaded.model.policies.is_empty());
    assert_eq!(loaded.model.scorecards.len(), 5);
}

/// The example carries its own copy of the shipped library; they must not drift apart.
#[test]
fn the_example_ships_the_same_paths_and_modules_as_the_library() {
    for dir in ["paths", "modules"] {
        let out = std::process::Command::new("diff")
            .args(["-r", "--brief"])
            .arg(root().join(dir))
            .arg(root().join("platform-repo-example").join(dir))
            .output()
            .expect("diff runs");
        assert!(
            out.status.success(),
            "{dir}/ differs from platform-repo-example/{dir}/ (run scripts/sync-example):\n{}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
}

/// One expected diagnostic of a broken-repo case: `path:line:col: severity: substring`, and maybe a hint.
struct Expected {
    path: String,
    line: u64,
    col: u64,
    severity: String,
    message: String,
    hint: Option<String>,
}

fn expectations(text: &str) -> Vec<Expected> {
    let mut out: Vec<Expected> = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty() && !l.starts_with('#')) {
        if let Some(hint) = line.trim_start().strip_prefix("hint:") {
            out.last_mut().expect("hint follows an expectation").hint = Some(unquote(hint.trim()));
            continue;
        }
        let mut parts = line.splitn(5, ':');
        let mut next = || parts.next().expect("path:line:col: severity: message").trim().to_owned();
        let (path, l, c, severity, message) = (next(), next(), next(), next(), next());
        out.push(Expected {
            path,
            line: l.parse().expect("line"),
            col: c.parse().expect("col"),
            severity,
            message: unquote(&message),
            hint: None,
        });
    }
    out
}

/// Quotes differ between the corpus (`"x"`) and paved (`` `x` ``); compare without them.
fn unquote(s: &str) -> String {
    s.replace(['"', '`'], "")
}

#[test]
fn every_broken_repo_gives_located_errors_and_keeps_the_rest() {
    let corpus = root().join("tests/broken");
    let mut cases: Vec<_> =
        std::fs::read_dir(&corpus).expect("corpus").filter_map(Result::ok).filter(|e| e.path().is_dir()).collect();
    cases.sort_by_key(|e| e.file_name());
    assert!(cases.len() >= 14, "the corpus has {} cases", cases.len());
    for case in cases {
        let name = case.file_name().to_string_lossy().into_owned();
        let dir = Dir::new();
        copy_tree(&case.path(), dir.path());
        if dir.join("generate.sh").exists() {
            let ok = std::process::Command::new("sh").arg("generate.sh").current_dir(dir.path()).status().expect("sh");
            assert!(ok.success(), "{name}: generate.sh");
        }
        let run = Paved::new(&["validate", "--repo", dir.path().to_str().expect("utf8"), "--format", "json"]).run();
        assert_eq!(run.code(), 1, "{name}: exit code (stderr: {})", run.stderr());
        let v = run.json();
        let diags = v["diagnostics"].as_array().expect("diagnostics");
        let expected = expectations(&std::fs::read_to_string(case.path().join("expect.txt")).expect("expect.txt"));
        for e in &expected {
            let found = diags.iter().any(|d| {
                d["path"] == e.path.as_str()
                    && d["line"] == e.line
                    && d["col"] == e.col
                    && d["severity"] == e.severity.as_str()
                    && unquote(d["message"].as_str().unwrap_or_default()).contains(&e.message)
                    && e.hint.as_ref().is_none_or(|h| unquote(d["hint"].as_str().unwrap_or_default()).contains(h))
            });
            assert!(
                found,
                "{name}: expected {}:{}:{}: {}: {} (hint {:?}) among\n{}",
                e.path,
                e.line,
                e.col,
                e.severity,
                e.message,
                e.hint,
                serde_json::to_string_pretty(diags).expect("json")
            );
        }
        let unexpected: Vec<_> = diags
            .iter()
            .filter(|d| d["severity"] == "error")
            .filter(|d| !expected.iter().any(|e| d["path"] == e.path.as_str() && d["line"] == e.line))
            .collect();
        assert!(unexpected.is_empty(), "{name}: errors nobody expected: {unexpected:#?}");

        let loaded = load_dir(dir.path());
        let must_load = std::fs::read_to_string(case.path().join("loaded.txt")).expect("loaded.txt");
        for r in must_load.lines().filter(|l| !l.trim().is_empty()) {
            let r = EntityRef::parse(r, None, "default").expect("ref");
            assert!(loaded.model.catalog.get(&r).is_some(), "{name}: {r} must still load");
        }
    }
}

#[test]
fn strict_turns_unknown_backstage_fields_into_errors() {
    let dir = Dir::new();
    copy_tree(&root().join("tests/broken/unknown-field-backstage"), dir.path());
    std::fs::remove_file(dir.join("catalog/components/ledger.yaml")).expect("rm");
    let repo = dir.path().to_str().expect("utf8");
    Paved::new(&["validate", "--repo", repo]).run().expect_code(0);
    let run = Paved::new(&["validate", "--repo", repo, "--strict"]).run().expect_code(1);
    assert!(run.stdout().contains("refunds.yaml:11:3: error: unknown field `spec.onCall`"), "{}", run.stdout());
}

#[test]
fn real_backstage_files_validate_unchanged_and_invalid_ones_are_refused() {
    let dir = root().join("tests/fixtures/backstage");
    let mut real = 0;
    for entry in std::fs::read_dir(&dir).expect("fixtures").filter_map(Result::ok) {
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "yaml") {
            let run = Paved::new(&["validate", "--file", path.to_str().expect("utf8")]).run();
            assert_eq!(run.code(), 0, "{}: {}", path.display(), run.stdout());
            real += 1;
        }
    }
    assert!(real >= 10, "{real} real files");
    for sub in ["invalid", "invalid-upstream"] {
        for entry in std::fs::read_dir(dir.join(sub)).expect("invalid fixtures").filter_map(Result::ok) {
            let path = entry.path();
            let run = Paved::new(&["validate", "--file", path.to_str().expect("utf8")]).run();
            assert_eq!(run.code(), 1, "{} must be refused: {}", path.display(), run.stdout());
            let why = std::fs::read_to_string(&path).expect("read");
            assert!(run.stdout().contains("error:"), "{why}");
        }
    }
}

/// Backstage files together in one platform repo: only cross-file references (and one user defined in two
/// upstream files) stand between them and a clean load, and those are reported where they are written.
#[test]
fn real_backstage_files_load_together_as_a_catalog() {
    let dir = Dir::new();
    dir.write("platform.yaml", "apiVersion: paved.dev/v1\nkind: Platform\nmetadata:\n  name: upstream\n");
    for entry in std::fs::read_dir(root().join("tests/fixtures/backstage")).expect("fixtures").filter_map(Result::ok) {
        if entry.path().extension().is_some_and(|e| e == "yaml") {
            std::fs::create_dir_all(dir.join("catalog")).expect("mkdir");
            std::fs::copy(entry.path(), dir.join("catalog").join(entry.file_name())).expect("copy");
        }
    }
    let loaded = load_dir(dir.path());
    assert!(loaded.model.catalog.entities.len() >= 20);
    for d in loaded.diagnostics.iter() {
        assert!(d.message.contains("not in the catalog") || d.message.contains("duplicate entity"), "{d}");
    }
}

#[test]
fn a_file_over_the_size_limit_is_refused_without_reading_it() {
    let dir = Dir::new();
    dir.write("platform.yaml", "apiVersion: paved.dev/v1\nkind: Platform\nmetadata:\n  name: x\n");
    let big = "# padding\n".repeat(120_000);
    dir.write("catalog/big.yaml", &big);
    let run = Paved::new(&["validate", "--repo", dir.path().to_str().expect("utf8")]).run().expect_code(1);
    assert!(
        run.stdout().contains("catalog/big.yaml:1:1: error: file is 1200000 bytes (1.1 MiB), over the 1 MiB limit"),
        "{}",
        run.stdout()
    );
}

#[test]
fn a_missing_platform_yaml_is_an_error_not_a_crash() {
    let dir = Dir::new();
    dir.write(
        "catalog/a.yaml",
        "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: a\nspec:\n  type: team\n  children: []\n",
    );
    let run = Paved::new(&["validate", "--repo", dir.path().to_str().expect("utf8")]).run().expect_code(1);
    assert!(run.stdout().contains("platform.yaml:1:1: error: no platform.yaml at the repo root"), "{}", run.stdout());
}

#[test]
fn a_repo_that_does_not_exist_is_an_io_error() {
    Paved::new(&["validate", "--repo", "/nonexistent/platform"]).run().expect_code(2);
}

/// A plan unmaps the commit's packs before its peak (`Snapshot::release_reader`); whatever reads the same
/// snapshot afterwards (an apply, the daemon's next step) must still get every file's bytes, unchanged.
#[test]
fn a_snapshot_reads_the_same_bytes_after_releasing_its_reader() {
    let repo = crate::util::example_copy();
    crate::util::git_init_commit(repo.path());
    crate::util::git(repo.path(), &["gc", "--quiet"]);
    let snapshot = Snapshot::git(repo.path(), "HEAD").expect("snapshot of HEAD");
    let read_all = |s: &Snapshot| -> Vec<Vec<u8>> {
        s.entries().iter().filter(|e| Snapshot::refusal(e).is_none()).map(|e| s.read(e).expect("read")).collect()
    };
    let before = read_all(&snapshot);
    assert!(before.len() > 20, "the example repo has its files: {}", before.len());
    snapshot.release_reader();
    assert_eq!(read_all(&snapshot), before, "same bytes after the packs were released");
    // Released twice, and read from other threads (which still hold handles on the first store).
    snapshot.release_reader();
    let from_threads = std::thread::scope(|s| s.spawn(|| read_all(&snapshot)).join().expect("reader thread"));
    assert_eq!(from_threads, before);
}

const PLATFORM: &str = "apiVersion: paved.dev/v1\nkind: Platform\nmetadata:\n  name: acme\n";

fn group(name: &str) -> String {
    format!(
        "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: {name}\nspec:\n  type: team\n  children: []\n"
    )
}

fn skill(name: &str) -> String {
    format!(
        "apiVersion: backstage.io/v1alpha1\nkind: AiResource\nmetadata:\n  name: {name}\nspec:\n  type: skill\n  lifecycle: production\n  owner: team-a\n"
    )
}

/// Backstage's newer built-in kinds and API types (upstream example files, unchanged) load with no allow-list,
/// and make the relations Backstage's model layers declare for them.
#[test]
fn environments_ai_resources_and_remote_apis_are_built_in_with_their_relations() {
    let dir = Dir::new();
    dir.write("platform.yaml", PLATFORM).write("catalog/groups/team-a.yaml", &group("team-a")).write(
        "catalog/systems/portal.yaml",
        "apiVersion: backstage.io/v1alpha1\nkind: System\nmetadata:\n  name: artist-engagement-portal\nspec:\n  owner: team-a\n",
    );
    let fixtures = root().join("tests/fixtures/backstage");
    for f in [
        "frontend-design-skill.yaml",
        "use-internal-apis-rule.yaml",
        "code-review-plugin.yaml",
        "company-ai-marketplace.yaml",
        "backstage-mcp-server-api.yaml",
        "local-ai-model-server-api.yaml",
        "environment-prod.yaml",
        "environment-dev.yaml",
    ] {
        dir.write(&format!("catalog/upstream/{f}"), &std::fs::read_to_string(fixtures.join(f)).expect("fixture"));
    }
    for name in ["typescript-best-practices", "security-review", "testing-plugin"] {
        dir.write(&format!("catalog/ai/{name}.yaml"), &skill(name));
    }
    let run = Paved::new(&["validate", "--repo", ".", "--format", "json"]).current_dir(dir.path()).run();
    assert_eq!(run.code(), 0, "{}", run.stdout());
    assert_eq!(run.json()["warnings"], 0, "{}", run.stdout());

    let loaded = load_dir(dir.path());
    let catalog = &loaded.model.catalog;
    let r = |text: &str| EntityRef::parse(text, None, "default").expect("ref");
    let names = |from: &str, relation: RelationType| -> Vec<String> {
        catalog.related(&r(from), relation).map(ToString::to_string).collect()
    };
    assert_eq!(
        names("airesource:code-review-plugin", RelationType::HasSkill),
        ["airesource:default/security-review", "airesource:default/typescript-best-practices"]
    );
    assert_eq!(names("airesource:security-review", RelationType::SkillOf), ["airesource:default/code-review-plugin"]);
    assert_eq!(
        names("airesource:company-ai-tools", RelationType::HasPlugin),
        ["airesource:default/code-review-plugin", "airesource:default/testing-plugin"]
    );
    assert_eq!(names("airesource:code-review-plugin", RelationType::PluginOf), ["airesource:default/company-ai-tools"]);
    assert_eq!(names("api:backstage-mcp-server", RelationType::OwnedBy), ["group:default/team-a"]);
    assert_eq!(names("airesource:frontend-design", RelationType::PartOf), ["system:default/artist-engagement-portal"]);
    assert!(catalog.get(&r("environment:prod")).is_some_and(|e| e.valid));
    assert!(catalog.get(&r("api:local-inference-server")).is_some_and(|e| e.valid));
    // A skill's dependsOn names other AI resources by default.
    dir.write(
        "catalog/ai/security-review.yaml",
        &format!("{}  dependsOn: [typescript-best-practices]\n", skill("security-review")),
    );
    let loaded = load_dir(dir.path());
    let deps: Vec<String> = loaded
        .model
        .catalog
        .related(&r("airesource:security-review"), RelationType::DependsOn)
        .map(ToString::to_string)
        .collect();
    assert_eq!(deps, ["airesource:default/typescript-best-practices"], "{:?}", loaded.diagnostics);
}

#[test]
fn the_fields_of_the_new_types_are_checked_where_they_are_written() {
    let dir = Dir::new();
    dir.write("platform.yaml", PLATFORM).write("catalog/team-a.yaml", &group("team-a")).write(
        "catalog/bad.yaml",
        "apiVersion: backstage.io/v1alpha1\nkind: API\nmetadata:\n  name: docs-mcp\nspec:\n  type: mcp-server\n  lifecycle: experimental\n  owner: team-a\n  remotes:\n    - type: sse\n  definition: {}\n---\napiVersion: backstage.io/v1alpha1\nkind: AiResource\nmetadata:\n  name: r\nspec:\n  type: rule\n  lifecycle: production\n  owner: team-a\n  category: style\n  rationale: why\n  activation:\n    - harness: claud\n    - harness: cursor\n      alwaysApply: yes please\n",
    );
    let run = Paved::new(&["validate"]).current_dir(dir.path()).run().expect_code(1);
    let out = run.stdout();
    for expected in [
        "catalog/bad.yaml:10:7: error: `spec.remotes[0]` is missing required field `url`",
        "catalog/bad.yaml:11:3: warning: unknown field `spec.definition`",
        "catalog/bad.yaml:24:16: error: `claud` is not a harness paved knows",
        "hint: did you mean `claude`?",
        "catalog/bad.yaml:26:20: error: `spec.activation[1].alwaysApply` must be true or false",
    ] {
        assert!(out.contains(expected), "{expected}\n{out}");
    }
}

/// An OpenAPI description beside the API entity that pulls it in with `$text` is the entity's data: it is read
/// into `spec.definition`, in a work tree and at a commit alike, and is not judged as a catalog file.
#[test]
fn placeholders_pull_files_in_and_those_files_are_not_entities() {
    let dir = Dir::new();
    let fixtures = root().join("tests/fixtures/backstage");
    let oas = std::fs::read_to_string(fixtures.join("petstore-webhook.oas.yaml")).expect("oas");
    dir.write("platform.yaml", PLATFORM)
        .write("catalog/team-c.yaml", &group("team-c"))
        .write(
            "catalog/apis/petstore-webhook-api.yaml",
            &std::fs::read_to_string(fixtures.join("petstore-webhook-api.yaml")).expect("api"),
        )
        .write("catalog/apis/petstore-webhook.oas.yaml", &oas)
        .write("catalog/notes.yaml", "owners:\n  - alice\n");
    // From the folder above, the way a person names the repo beside them.
    let name = dir.path().file_name().expect("name").to_str().expect("utf8");
    let out = Paved::new(&["validate", "--repo", name, "--format", "json"])
        .current_dir(dir.path().parent().expect("parent"))
        .run()
        .expect_code(0)
        .json();
    let diags = out["diagnostics"].as_array().expect("diagnostics");
    assert_eq!(diags.len(), 1, "only the stray file is mentioned: {diags:#?}");
    assert_eq!(diags[0]["path"], "catalog/notes.yaml");
    assert_eq!(diags[0]["severity"], "warning");

    let definition = |loaded: &paved::model::Loaded| {
        let api = EntityRef::new("api", "default", "petstore-webhook");
        let item = loaded.model.catalog.get(&api).expect("api loads");
        item.entity.spec_str("definition").map(str::to_owned)
    };
    assert_eq!(definition(&load_dir(dir.path())).as_deref(), Some(oas.as_str()));
    crate::util::git_init_commit(dir.path());
    let at_head = load(&Snapshot::git(dir.path(), "HEAD").expect("HEAD"), &ParseCache::new(), &LoadOptions::default());
    assert_eq!(definition(&at_head).as_deref(), Some(oas.as_str()), "{:?}", at_head.diagnostics);
}

#[test]
fn placeholders_that_leave_the_repo_or_are_too_large_are_located_errors() {
    let dir = Dir::new();
    let api = |name: &str, key: &str, target: &str| {
        format!(
            "apiVersion: backstage.io/v1alpha1\nkind: API\nmetadata:\n  name: {name}\nspec:\n  type: openapi\n  lifecycle: production\n  owner: team-a\n  definition:\n    {key}: {target}\n"
        )
    };
    dir.write("platform.yaml", PLATFORM)
        .write("catalog/team-a.yaml", &group("team-a"))
        .write("catalog/apis/escape.yaml", &api("escape", "$text", "../../../etc/passwd"))
        .write("catalog/apis/absolute.yaml", &api("absolute", "$text", "/etc/passwd"))
        .write("catalog/apis/missing.yaml", &api("missing", "$yaml", "./nowhere.yaml"))
        .write("catalog/apis/big.yaml", &api("big", "$text", "../../openapi/big.yaml"))
        .write("openapi/big.yaml", &"# padding\n".repeat(120_000))
        .write("catalog/apis/url.yaml", &api("url", "$text", "https://petstore.swagger.io/v2/swagger.json"));
    let out = Paved::new(&["validate"]).current_dir(dir.path()).run().expect_code(1).stdout();
    for expected in [
        "catalog/apis/escape.yaml:10:12: error: `$text: ../../../etc/passwd`: `../../../etc/passwd` leaves the platform repo",
        "catalog/apis/absolute.yaml:10:12: error: `$text: /etc/passwd`: `/etc/passwd` is an absolute path",
        "catalog/apis/missing.yaml:10:12: error: `$yaml: ./nowhere.yaml`: no file catalog/apis/nowhere.yaml in the repo",
        "catalog/apis/big.yaml:10:12: error: `$text: ../../openapi/big.yaml`: openapi/big.yaml: file is 1200000 bytes (1.1 MiB), over the 1 MiB limit",
    ] {
        assert!(out.contains(expected), "{expected}\n{out}");
    }
    assert!(!out.contains("url.yaml"), "a URL is Backstage's to fetch, not an error: {out}");
    assert_eq!(out.matches("error:").count(), 4, "{out}");
}

/// `validate --file` judges a file by the platform's rules: the kinds its platform.yaml allows.
#[test]
fn validate_file_uses_the_repos_platform_yaml() {
    let dir = Dir::new();
    dir.write("platform/platform.yaml", &format!("{PLATFORM}spec:\n  catalog:\n    allowedKinds: [Widget]\n"))
        .write(
            "platform/catalog/w.yaml",
            "apiVersion: acme.io/v1\nkind: Widget\nmetadata:\n  name: w\nspec:\n  definition:\n    $text: ./w.txt\n",
        )
        .write("platform/catalog/w.txt", "a widget\n");
    let in_repo = dir.join("platform");
    Paved::new(&["validate", "--file", "catalog/w.yaml"]).current_dir(&in_repo).run().expect_code(0);
    Paved::new(&["validate", "--file", "platform/catalog/w.yaml", "--repo", "platform"])
        .current_dir(dir.path())
        .run()
        .expect_code(0);
    // Another repo's rules (none allow Widget): refused, and the file is named as it was given.
    dir.write("other/platform.yaml", PLATFORM);
    let run = Paved::new(&["validate", "--file", "platform/catalog/w.yaml", "--repo", "other"])
        .current_dir(dir.path())
        .run()
        .expect_code(1);
    assert!(run.stdout().contains("platform/catalog/w.yaml:2:7: error: unknown kind `Widget`"), "{}", run.stdout());
    // A placeholder of a file given with --file resolves too: a missing file is its error.
    std::fs::remove_file(dir.join("platform/catalog/w.txt")).expect("rm");
    let run = Paved::new(&["validate", "--file", "catalog/w.yaml"]).current_dir(&in_repo).run().expect_code(1);
    assert!(
        run.stdout().contains("catalog/w.yaml:7:12: error: `$text: ./w.txt`: no file catalog/w.txt"),
        "{}",
        run.stdout()
    );
}

/// A link to a directory out of the repo is refused at a commit as in a work tree.
#[test]
fn a_symlink_to_a_directory_outside_is_refused_at_a_commit() {
    let dir = Dir::new();
    copy_tree(&root().join("tests/broken/outside-symlink"), dir.path());
    crate::util::git_init_commit(dir.path());
    let run = Paved::new(&["validate", "--rev", "HEAD"]).current_dir(dir.path()).run().expect_code(1);
    assert!(
        run.stdout().contains("catalog/vendored:1:1: error: symlink points outside the repo (to `/etc`)"),
        "{}",
        run.stdout()
    );
}
