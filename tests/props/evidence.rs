//! The evidence collectors' parsers: CycloneDX and SPDX SBOMs, Trivy and Grype scans, the CISA KEV catalog,
//! OpenSLO definitions and SLI exports, DSSE/in-toto attestations, FOCUS billing exports, the on-call and
//! identity-provider exports, deployment events and developer surveys.
//!
//! Evidence does not load or fail as a file does: it becomes facts. The promise is the collectors' own (see
//! `paved::evidence`): bad evidence is a failed fact with a clear reason, never a panic and never a pass, and a
//! reason that says the evidence cannot be read names the file (and the line, for line-oriented formats).

use crate::alloc::{LIMIT, within_memory};
use crate::mutate::{self, Format, files_under, line_count, read};
use crate::repo::{Repo, load_within_memory};
use paved::evidence::{self, External, FIX_UNREADABLE, Fact, Inputs, vulns::Kev};
use paved::model::entity_ref::EntityRef;
use paved::source::Snapshot;
use proptest::prelude::*;
use std::sync::LazyLock;

/// The component whose evidence varies (the example's, with every kind of evidence).
const COMPONENT: &str = "payments-api";

/// One kind of evidence: where it goes in the repo, its format, the fact it decides, and real files of it.
struct Kind {
    at: &'static str,
    format: Format,
    fact: &'static str,
    seeds: Vec<String>,
}

static KINDS: LazyLock<Vec<Kind>> = LazyLock::new(|| {
    let ex = |p: &str| format!("platform-repo-example/evidence/{p}");
    let kind = |at: &'static str, format, fact, seeds: Vec<String>| Kind { at, format, fact, seeds };
    let mut sboms = files_under("tests/fixtures/sbom", &[".json"]);
    sboms.push(ex("payments-api/sbom.cdx.json"));
    let mut scans = files_under("tests/fixtures/vuln", &[".json"]);
    scans.push(ex("payments-api/vulns.trivy.json"));
    let mut slos = files_under("tests/fixtures/openslo", &[".yaml"]);
    slos.push(ex("payments-api/slo.yaml"));
    let mut attestations = files_under("tests/fixtures/in-toto", &[".jsonl"]);
    attestations.push(ex("payments-api/provenance.intoto.jsonl"));
    vec![
        kind("evidence/payments-api/sbom.cdx.json", Format::Json, "sbom.present", sboms),
        kind("evidence/payments-api/vulns.trivy.json", Format::Json, "vulns.kev_count", scans),
        kind("evidence/payments-api/slo.yaml", Format::Yaml, "slo.defined", slos),
        kind("evidence/payments-api/provenance.intoto.jsonl", Format::Jsonl, "attestation.signed", attestations),
        kind(
            "evidence/billing/2026-10.focus.csv",
            Format::Csv,
            "cost.within_budget",
            vec![ex("billing/2026-10.focus.csv"), "tests/fixtures/focus/focus-1.0-sample-1000rows.csv".to_owned()],
        ),
        kind("evidence/oncall/schedules.yaml", Format::Yaml, "oncall.wired", vec![ex("oncall/schedules.yaml")]),
        kind("evidence/idp/mfa.json", Format::Json, "mfa.enforced", vec![ex("idp/mfa.json")]),
        kind("evidence/deployments.jsonl", Format::Jsonl, "", vec![ex("deployments.jsonl")]),
        kind("evidence/survey/nps.csv", Format::Csv, "", vec![ex("survey/nps-2026-q3.csv")]),
    ]
});

/// The SLI export the budget is computed from (the SLO it names is the example's).
const SLI: &str =
    r#"{"slo": "payments-api-availability", "windowEnd": "2026-10-01T00:00:00Z", "good": 999000, "total": 1000000}"#;

static KEV: LazyLock<Kev> = LazyLock::new(|| {
    Kev::parse(&read("tests/fixtures/kev/known_exploited_vulnerabilities.json"), "kev.json")
        .expect("the KEV fixture reads")
});

fn now() -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339("2026-10-15T12:00:00Z").expect("a date").with_timezone(&chrono::Utc)
}

/// Every `path:N` in `reason` has N inside the file of `lines` lines.
fn lines_inside(reason: &str, path: &str, lines: usize) -> Result<(), TestCaseError> {
    for (i, _) in reason.match_indices(&format!("{path}:")) {
        let rest = &reason[i + path.len() + 1..];
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        if let Ok(n) = digits.parse::<usize>() {
            prop_assert!(n >= 1 && n <= lines + 1, "line {n} of a {lines}-line file: {reason}");
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(crate::config(160))]

    #[test]
    fn evidence_is_a_fact_with_a_located_reason_never_a_panic(
        (kind, seed) in (0..9usize).prop_flat_map(|k| (Just(k), 0..KINDS[k].seeds.len())),
        edits in mutate::mutations(3),
    ) {
        let kind = &KINDS[kind];
        let bytes = mutate::apply(&read(&kind.seeds[seed]), kind.format, &edits);
        let components = read("platform-repo-example/catalog/checkout/components.yaml");
        let files: [(&str, &[u8]); 3] = [
            (kind.at, &bytes),
            ("catalog/checkout/components.yaml", &components),
            ("evidence/payments-api/sli.json", SLI.as_bytes()),
        ];
        Repo::with(&files, |dir| -> Result<(), TestCaseError> {
            let (_, loaded) = load_within_memory(dir)?;
            let snapshot = Snapshot::worktree(dir).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let external = External { kev: Some(Ok(KEV.clone())), ..External::default() };
            let inputs = Inputs { snapshot: &snapshot, model: &loaded.model, external: &external, now: now() };
            let facts = within_memory(LIMIT, "evidence::collect", || evidence::collect(&inputs))?;
            let lines = line_count(&bytes);
            let component = EntityRef::new("component", "default", COMPONENT);
            if !kind.fact.is_empty() {
                let fact: &Fact = facts.get(&component, kind.fact)
                    .ok_or_else(|| TestCaseError::fail(format!("no {} fact for {COMPONENT}", kind.fact)))?;
                if fact.fix.as_deref() == Some(FIX_UNREADABLE) {
                    prop_assert!(fact.reason.contains(kind.at), "an unreadable {} does not name its file: {}", kind.fact, fact.reason);
                }
                lines_inside(&fact.reason, kind.at, lines)?;
            }
            if kind.at.ends_with("deployments.jsonl") {
                let skipped = facts.deployments.as_ref().map(|d| d.skipped.as_slice()).unwrap_or_default();
                for s in skipped {
                    prop_assert!(s.starts_with(&format!("{}:", kind.at)), "a skipped deployment without its line: {s}");
                    lines_inside(s, kind.at, lines)?;
                }
            }
            if kind.at.ends_with("nps.csv") {
                for s in facts.surveys.iter().flat_map(|s| &s.skipped) {
                    prop_assert!(s.starts_with(kind.at), "a skipped survey row without its place: {s}");
                    lines_inside(s, kind.at, lines)?;
                }
            }
            Ok(())
        })?;
    }
}

proptest! {
    #![proptest_config(crate::config(24))]

    /// The CISA KEV catalog (1.3 MB, read from outside the repo): it parses, or the reason names its source.
    #[test]
    fn the_kev_catalog_parses_or_names_its_source(edits in mutate::mutations(3)) {
        let bytes = mutate::apply(&read("tests/fixtures/kev/known_exploited_vulnerabilities.json"), Format::Json, &edits);
        let parsed = within_memory(LIMIT, "Kev::parse", || Kev::parse(&bytes, "kev.json"))?;
        if let Err(e) = parsed {
            prop_assert!(e.to_string().starts_with("kev.json: "), "{e}");
        }
    }
}
