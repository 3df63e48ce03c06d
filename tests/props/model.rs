//! The desired-state parsers: YAML with positions, catalog files, requests, `platform.yaml`, module, path and
//! scorecard manifests (all through `model::load`, as `paved validate` reads a repo), and paved path answers.

use crate::alloc::{LIMIT, within_memory};
use crate::generate;
use crate::mutate::{self, Format, files_under, line_count, read};
use crate::repo::{Repo, about, check_located, load_within_memory};
use paved::render::AnswersFile;
use proptest::prelude::*;
use proptest::sample::select;
use std::sync::LazyLock;

/// Every YAML file of the repository that is a document paved reads: the Backstage and OpenSLO fixtures, the
/// example platform repo, and paved's own catalog.
static YAML: LazyLock<Vec<String>> = LazyLock::new(|| {
    let mut all = files_under("tests/fixtures/backstage", &[".yaml"]);
    all.extend(files_under("tests/fixtures/openslo", &[".yaml"]));
    all.extend(
        files_under("platform-repo-example", &[".yaml", ".yml"]).into_iter().filter(|f| !f.contains("/template/")),
    );
    all.extend(files_under("catalog", &[".yaml"]));
    all
});

static CATALOG: LazyLock<Vec<String>> = LazyLock::new(|| {
    let mut all = files_under("tests/fixtures/backstage", &[".yaml"]);
    all.extend(files_under("platform-repo-example/catalog", &[".yaml"]));
    all.extend(files_under("catalog", &[".yaml"]));
    all
});

static REQUESTS: LazyLock<Vec<String>> = LazyLock::new(|| files_under("platform-repo-example/requests", &[".yaml"]));

/// `platform.yaml`, every module and path manifest and every scorecard of the example.
static MANIFESTS: LazyLock<Vec<String>> = LazyLock::new(|| {
    let mut all = vec!["platform-repo-example/platform.yaml".to_owned()];
    all.extend(files_under("platform-repo-example/modules", &["/module.yaml"]));
    all.extend(
        files_under("platform-repo-example/paths", &["/path.yaml"]).into_iter().filter(|p| !p.contains("/history/")),
    );
    all.extend(files_under("platform-repo-example/scorecards", &[".yaml"]));
    all
});

fn pick(files: &'static LazyLock<Vec<String>>) -> impl Strategy<Value = &'static str> {
    select(files.iter().map(String::as_str).collect::<Vec<_>>())
}

proptest! {
    #![proptest_config(crate::config(384))]

    /// The YAML reader (the fast one and yaml-rust2 behind it) on any text: documents, or an error inside the text.
    #[test]
    fn yaml_parses_or_points_inside_the_text(file in pick(&YAML), edits in mutate::mutations(4)) {
        let bytes = mutate::apply(&read(file), Format::Yaml, &edits);
        let text = String::from_utf8_lossy(&bytes);
        let lines = line_count(text.as_bytes());
        let whole = within_memory(LIMIT, "yaml::parse", || paved::yaml::parse(&text))?;
        if let Err(e) = &whole {
            prop_assert!((e.pos.line as usize) <= lines + 1 && e.pos.line >= 1, "{file}: error at {:?} of {lines} lines: {}", e.pos, e.message);
            prop_assert!(!e.message.is_empty());
        }
        let (docs, errors) = within_memory(LIMIT, "yaml::parse_recovering", || paved::yaml::parse_recovering(&text))?;
        prop_assert_eq!(errors.is_empty(), whole.is_ok(), "recovering finds errors exactly when parsing does");
        for e in &errors {
            prop_assert!((e.pos.line as usize) <= lines + 1 && e.pos.line >= 1, "{file}: error at {:?} of {lines} lines: {}", e.pos, e.message);
        }
        if let Ok(whole) = whole {
            prop_assert_eq!(docs.len(), whole.len());
        }
    }
}

proptest! {
    #![proptest_config(crate::config(128))]

    /// A catalog file, mutated: its entities load, or each problem is reported at a place in it.
    #[test]
    fn catalog_files_load_or_say_where_they_are_wrong(file in pick(&CATALOG), edits in mutate::mutations(3)) {
        let bytes = mutate::apply(&read(file), Format::Yaml, &edits);
        catalog_file_loads_or_is_reported(&bytes)?;
    }

    /// Entities built field by field (random references, names, types, unknown fields), one to three a file.
    #[test]
    fn generated_entities_load_or_say_where_they_are_wrong(
        docs in prop::collection::vec(generate::entity(), 1..4),
        edits in prop_oneof![3 => Just(Vec::new()), 1 => mutate::mutations(2)],
    ) {
        let text = docs.join("---\n");
        let bytes = mutate::apply(text.as_bytes(), Format::Yaml, &edits);
        catalog_file_loads_or_is_reported(&bytes)?;
    }

    /// A request file, mutated: it loads, or an error names it.
    #[test]
    fn requests_load_or_say_where_they_are_wrong(file in pick(&REQUESTS), edits in mutate::mutations(3)) {
        let bytes = mutate::apply(&read(file), Format::Yaml, &edits);
        let rel = file.strip_prefix("platform-repo-example/").expect("an example file");
        request_loads_or_is_reported(rel, &bytes)?;
    }

    /// Requests built field by field.
    #[test]
    fn generated_requests_load_or_say_where_they_are_wrong(
        text in generate::request(),
        edits in prop_oneof![3 => Just(Vec::new()), 1 => mutate::mutations(2)],
    ) {
        let bytes = mutate::apply(text.as_bytes(), Format::Yaml, &edits);
        request_loads_or_is_reported("requests/payments/generated.yaml", &bytes)?;
    }

    /// `platform.yaml`, module and path manifests and scorecards, mutated: each loads, or an error names it.
    #[test]
    fn manifests_load_or_say_where_they_are_wrong(file in pick(&MANIFESTS), edits in mutate::mutations(3)) {
        let bytes = mutate::apply(&read(file), Format::Yaml, &edits);
        let rel = file.strip_prefix("platform-repo-example/").expect("an example file");
        Repo::with(&[(rel, &bytes)], |dir| -> Result<(), TestCaseError> {
            let (_, loaded) = load_within_memory(dir)?;
            check_located(dir, &loaded.diagnostics)?;
            let model = &loaded.model;
            let name = rel.split('/').nth(1).unwrap_or_default();
            let loads = match rel.split('/').next() {
                Some("modules") => model.modules.contains_key(name),
                Some("paths") => model.paths.contains_key(name),
                Some("scorecards") => !model.scorecards.is_empty(),
                _ => true,
            };
            let errors = about(&loaded.diagnostics, rel).filter(|d| d.is_error()).count();
            prop_assert!(loads || errors > 0, "{rel} neither loads nor is reported");
            Ok(())
        })?;
    }
}

/// Write `bytes` as a catalog file, load, and check it.
fn catalog_file_loads_or_is_reported(bytes: &[u8]) -> Result<(), TestCaseError> {
    const AT: &str = "catalog/under-test.yaml";
    Repo::with(&[(AT, bytes)], |dir| {
        let (_, loaded) = load_within_memory(dir)?;
        check_located(dir, &loaded.diagnostics)?;
        let entities = loaded.model.catalog.entities.values().filter(|e| &*e.file == AT).count();
        let reported = about(&loaded.diagnostics, AT).count();
        if entities == 0 && reported == 0 {
            // Nothing loaded and nothing said: only right for a file of no documents (comments, `---`).
            let text = String::from_utf8_lossy(bytes);
            let docs = paved::yaml::parse(&text).unwrap_or_default();
            prop_assert!(docs.iter().all(|d| d.value.is_null()), "{AT} neither loads nor is reported:\n{text}");
        }
        Ok(())
    })
}

/// Write `bytes` as the request at `rel`, load, and check it.
fn request_loads_or_is_reported(rel: &str, bytes: &[u8]) -> Result<(), TestCaseError> {
    Repo::with(&[(rel, bytes)], |dir| {
        let (_, loaded) = load_within_memory(dir)?;
        check_located(dir, &loaded.diagnostics)?;
        let loads = loaded.model.requests.values().any(|r| r.path == rel);
        let errors = about(&loaded.diagnostics, rel).filter(|d| d.is_error()).count();
        prop_assert!(loads || errors > 0, "{rel} neither loads nor is reported");
        Ok(())
    })
}

/// An answers file as paved writes it, with `answers`.
fn answers_file(answers: serde_yaml::Mapping) -> String {
    AnswersFile {
        path: "microservice".to_owned(),
        version: "1.4.0".to_owned(),
        platform_commit: "0123456789abcdef0123456789abcdef01234567".to_owned(),
        answers,
    }
    .to_yaml()
}

proptest! {
    #![proptest_config(crate::config(256))]

    /// `.paved/answers.yaml` as read back from a service repo: it parses, or the error names the file and a line
    /// inside it.
    #[test]
    fn answers_files_parse_or_point_inside_the_file(
        answers in prop::collection::vec(("[a-zA-Z][a-zA-Z0-9]{0,12}", generate::value()), 0..8),
        edits in mutate::mutations(4),
    ) {
        let answers = answers.into_iter().map(|(k, v)| (serde_yaml::Value::String(k), v)).collect();
        let bytes = mutate::apply(answers_file(answers).as_bytes(), Format::Yaml, &edits);
        let text = String::from_utf8_lossy(&bytes);
        let parsed = within_memory(LIMIT, "AnswersFile::parse", || AnswersFile::parse(&text))?;
        if edits.is_empty() {
            prop_assert!(parsed.is_ok(), "paved cannot read the answers file it wrote: {parsed:?}");
        }
        if let Err(e) = parsed {
            prop_assert!(e.starts_with(".paved/answers.yaml"), "not located: {e}");
            if let Some((line, _)) = e.strip_prefix(".paved/answers.yaml:").and_then(|r| r.split_once(':')) {
                let line: usize = line.parse().map_err(|_| TestCaseError::fail(format!("no line number: {e}")))?;
                prop_assert!(line >= 1 && line <= line_count(text.as_bytes()) + 1, "line {line} is outside the file: {e}");
            }
        }
    }
}
