use crate::util::{Dir, Paved, copy_tree, root};
use paved::model::cache::ParseCache;
use paved::model::entity_ref::EntityRef;
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
