//! Collectors over real public documents (`tests/fixtures`) and over forged, truncated, enormous and
//! future-dated evidence.

use super::*;
use crate::model::Model;
use crate::model::platform::{KeyAlgorithm, SigningKey};
use crate::source::Snapshot;

fn fixture(rel: &str) -> String {
    String::from_utf8(crate::test_fixture(rel)).unwrap_or_else(|e| panic!("fixture {rel} is not UTF-8: {e}"))
}

fn now() -> DateTime<Utc> {
    parse_time("2026-11-28T12:00:00Z").expect("a valid time")
}

/// A platform repo directory holding `files`, read as a work-tree snapshot.
struct Repo {
    dir: tempfile::TempDir,
}

impl Repo {
    fn new(files: &[(&str, &str)]) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        for (path, body) in files {
            let p = dir.path().join(path);
            std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
            std::fs::write(p, body).expect("write");
        }
        Repo { dir }
    }
    fn snapshot(&self) -> Snapshot {
        Snapshot::worktree(self.dir.path()).expect("snapshot")
    }
}

fn with<T>(files: &[(&str, &str)], model: &Model, external: &External, f: impl FnOnce(&Inputs<'_>) -> T) -> T {
    let repo = Repo::new(files);
    let snapshot = repo.snapshot();
    f(&Inputs { snapshot: &snapshot, model, external, now: now() })
}

#[test]
fn sboms_of_every_supported_version_name_their_component() {
    let cases = [
        ("sbom/cyclonedx-1.4-laravel-7.12.0.json", "sbom.cdx.json", "cyclonedx-php-composer-demo"),
        ("sbom/cyclonedx-1.5-npm-demo-deps-from-git.json", "sbom.cdx.json", "demo-deps-from-git"),
        ("sbom/cyclonedx-1.6-npm-demo-bundled-deps.json", "sbom.cdx.json", "demo-bundled-deps"),
        ("sbom/cyclonedx-1.7-trivy-npm-with-vulns.json", "sbom.cdx.json", "npm"),
        ("sbom/spdx-2.3-rust-hello-server.spdx.json", "sbom.spdx.json", "hello-server-src"),
    ];
    for (fixture_path, file, component) in cases {
        let text = fixture(fixture_path);
        let path = format!("evidence/{component}/{file}");
        let model = Model::default();
        let (fact, _) = with(&[(&path, &text)], &model, &External::default(), |i| sbom::collect(i, component));
        assert!(fact.ok, "{fixture_path}: {}", fact.reason);
        assert_eq!(fact.cited[0].source, path);
        // The same document filed for another component proves nothing about it.
        let other = format!("evidence/payments-api/{file}");
        let (fact, _) = with(&[(&other, &text)], &model, &External::default(), |i| sbom::collect(i, "payments-api"));
        assert!(!fact.ok && fact.reason.contains("not payments-api"), "{fixture_path}: {}", fact.reason);
    }
}

#[test]
fn malformed_truncated_and_enormous_evidence_fails_with_a_reason() {
    let model = Model::default();
    let text = fixture("sbom/cyclonedx-1.6-npm-demo-bundled-deps.json");
    let truncated = &text[..text.len() / 2];
    let (fact, _) =
        with(&[("evidence/demo-bundled-deps/sbom.cdx.json", truncated)], &model, &External::default(), |i| {
            sbom::collect(i, "demo-bundled-deps")
        });
    assert!(!fact.ok && fact.reason.contains("not valid JSON"), "{}", fact.reason);

    let enormous = format!("{{\"bomFormat\":\"CycloneDX\",\"pad\":\"{}\"}}", "x".repeat(1_100_000));
    let (fact, _) =
        with(&[("evidence/big/sbom.cdx.json", &enormous)], &model, &External::default(), |i| sbom::collect(i, "big"));
    assert!(!fact.ok && fact.reason.contains("over the 1 MiB limit"), "{}", fact.reason);

    let fact = with(
        &[("evidence/x/slo.yaml", "apiVersion: openslo/v1\nkind: SLO\n  bad: [")],
        &model,
        &External::default(),
        |i| slo::collect(i, "x").0,
    );
    assert!(!fact.ok && fact.reason.contains("evidence/x/slo.yaml: 3:6: invalid YAML"), "located: {}", fact.reason);
}

#[test]
fn evidence_from_the_future_fails() {
    let text = fixture("sbom/cyclonedx-1.7-trivy-npm-with-vulns.json")
        .replace("2021-08-25T12:20:30+00:00", "2027-01-01T00:00:00Z");
    let model = Model::default();
    let (fact, _) =
        with(&[("evidence/npm/sbom.cdx.json", &text)], &model, &External::default(), |i| sbom::collect(i, "npm"));
    let fact = fact.not_from_future(now());
    assert!(!fact.ok, "{fact:?}");
    assert!(fact.reason.contains("2027-01-01T00:00:00Z") && fact.reason.contains("clock skew"), "{}", fact.reason);
}

fn kev() -> External {
    let bytes = crate::test_fixture("kev/known_exploited_vulnerabilities.json");
    External { kev: Some(vulns::Kev::parse(&bytes, "kev.json")), ..External::default() }
}

#[test]
fn scans_are_crossed_with_the_kev_catalog() {
    let external = kev();
    let model = Model::default();
    let count = |fixture_path: &str, file: &str, component: &str| {
        let text = fixture(fixture_path);
        // Scanners name the artifact they scanned: file each report under a component its artifact names.
        let path = format!("evidence/{component}/{file}");
        with(&[(&path, &text)], &model, &external, |i| vulns::collect(i, component))
    };
    let spring = count("vuln/trivy-spring4shell-jre11.json", "vulns.trivy.json", "spring4shell-jre11");
    assert!(!spring.ok && spring.value == "1 KEV CVE" && spring.reason.contains("CVE-2022-22965"), "{spring:?}");
    let dojo = count("vuln/trivy-teamdojo-image.json", "vulns.trivy.json", "teamdojo");
    assert!(!dojo.ok && dojo.reason.contains("CVE-2020-15999"), "{dojo:?}");
    let alpine = count("vuln/trivy-alpine-310.json", "vulns.trivy.json", "alpine");
    assert!(alpine.ok && alpine.value == "0 KEV CVEs", "{alpine:?}");
    let busybox = count("vuln/grype-busybox-1.32.1-epss.json", "vulns.grype.json", "busybox");
    assert!(busybox.ok, "{busybox:?}");
    assert!(busybox.reason.contains("Grype scan: 15 CVEs"), "{}", busybox.reason);
    let kafka = count("vuln/grype-xjoin-kafka-connect-image.json", "vulns.grype.json", "xjoin-kafka-connect");
    assert!(kafka.ok, "a match without severity still parses: {kafka:?}");
    // Without the catalog the count is unknown: never a pass.
    let text = fixture("vuln/trivy-alpine-310.json");
    let unknown = with(&[("evidence/alpine/vulns.trivy.json", &text)], &model, &External::default(), |i| {
        vulns::collect(i, "alpine")
    });
    assert!(!unknown.ok && unknown.reason.contains("KEV"), "{unknown:?}");
}

#[test]
fn openslo_fixtures_define_slos_only_for_the_service_they_name() {
    let model = Model::default();
    let text = fixture("openslo/slo-occurrences-threshold.yaml");
    let service = serde_yaml::from_str::<serde_yaml::Value>(&text).expect("yaml")["spec"]["service"]
        .as_str()
        .expect("service")
        .to_owned();
    let (fact, _) = with(&[(&format!("evidence/{service}/slo.yaml"), &text)], &model, &External::default(), |i| {
        slo::collect(i, &service)
    });
    assert!(fact.ok, "{fact:?}");
    let (fact, _) = with(&[("evidence/payments-api/slo.yaml", &text)], &model, &External::default(), |i| {
        slo::collect(i, "payments-api")
    });
    assert!(!fact.ok && fact.reason.contains("none with spec.service `payments-api`"), "{fact:?}");
}

#[test]
fn the_focus_sample_parses_and_broken_exports_fail_every_cost_fact() {
    let sample = fixture("focus/focus-1.0-sample-1000rows.csv");
    let mut totals = cost::tests_support::totals(&sample).expect("the real FOCUS sample parses");
    assert!(totals.1 >= 1, "months: {totals:?}");
    totals.0.clear();
    let missing = "BilledCost,ChargePeriodStart\n1.0,2026-10-01 00:00:00\n";
    let (line, e) = cost::tests_support::totals(missing).expect_err("no Tags column");
    assert!(line == 1 && e.to_string().contains("BilledCost, ChargePeriodStart and Tags"), "{line}: {e}");
    let nan = "BilledCost,ChargePeriodStart,Tags\nabc,2026-10-01 00:00:00,{}\n";
    let (line, e) = cost::tests_support::totals(nan).expect_err("non-numeric cost");
    assert_eq!((line, e.to_string().as_str()), (2, "BilledCost `abc` is not a number"));
}

fn ed25519_key(seed: u8) -> (ed25519_dalek::SigningKey, SigningKey) {
    use ed25519_dalek::pkcs8::EncodePublicKey;
    let sk = ed25519_dalek::SigningKey::from_bytes(&[seed; 32]);
    let pem = sk.verifying_key().to_public_key_pem(Default::default()).expect("pem");
    (sk, SigningKey { id: format!("key-{seed}"), algorithm: KeyAlgorithm::Ed25519, public_key: pem })
}

fn p256_key(seed: u8) -> (p256::ecdsa::SigningKey, SigningKey) {
    use p256::pkcs8::EncodePublicKey;
    let sk = p256::ecdsa::SigningKey::from_slice(&[seed; 32]).expect("a valid scalar");
    let pem = sk.verifying_key().to_public_key_pem(Default::default()).expect("pem");
    (sk, SigningKey { id: format!("ec-{seed}"), algorithm: KeyAlgorithm::EcdsaP256, public_key: pem })
}

fn statement(name: &str, digest: &str) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({
        "_type": "https://in-toto.io/Statement/v1",
        "subject": [{"name": name, "digest": {"sha256": digest}}],
        "predicateType": "https://slsa.dev/provenance/v1",
        "predicate": {"runDetails": {"metadata": {"startedOn": "2026-11-24T09:41:12Z"}}}
    }))
    .expect("json")
}

fn envelope(payload: &[u8], keyid: &str, sig: &[u8]) -> String {
    use base64::Engine;
    let b = base64::engine::general_purpose::STANDARD;
    serde_json::json!({
        "payloadType": "application/vnd.in-toto+json",
        "payload": b.encode(payload),
        "signatures": [{"keyid": keyid, "sig": b.encode(sig)}]
    })
    .to_string()
}

const DIGEST: &str = "0234ddcc5e9190ee66897bb56b7df6d11c2fc9944bcfc9aa2f7c65449df3495a";

fn attest(model: &Model, line: &str, sbom_digest: Option<&str>) -> Fact {
    with(&[("evidence/payments-api/provenance.intoto.jsonl", line)], model, &External::default(), |i| {
        attestation::collect(i, "payments-api", sbom_digest)
    })
}

#[test]
fn attestations_verify_with_trusted_ed25519_and_p256_keys_and_forgeries_fail() {
    use ed25519_dalek::Signer as _;
    let (ed, ed_trusted) = ed25519_key(7);
    let (ec, ec_trusted) = p256_key(9);
    let mut model = Model::default();
    model.platform.spec.signing_keys = vec![ed_trusted.clone(), ec_trusted.clone()];
    let payload = statement("ghcr.io/acme/payments-api", DIGEST);
    let message = attestation::pae("application/vnd.in-toto+json", &payload);

    let good = envelope(&payload, &ed_trusted.id, &ed.sign(&message).to_bytes());
    let fact = attest(&model, &good, Some(&format!("sha256:{DIGEST}")));
    assert!(fact.ok, "{fact:?}");
    let ec_sig: p256::ecdsa::Signature = ec.sign(&message);
    let fact = attest(&model, &envelope(&payload, &ec_trusted.id, ec_sig.to_der().as_bytes()), None);
    assert!(fact.ok, "ECDSA P-256 with a DER signature, as cosign writes: {fact:?}");

    // Signed by a key platform.yaml does not trust, even under a trusted key's id.
    let (stranger, _) = ed25519_key(8);
    let fact = attest(&model, &envelope(&payload, &ed_trusted.id, &stranger.sign(&message).to_bytes()), None);
    assert!(!fact.ok && fact.reason.contains("does not verify with key key-7"), "{fact:?}");
    // The payload changed after signing.
    let forged = statement("ghcr.io/acme/payments-api", &"f".repeat(64));
    let fact = attest(&model, &envelope(&forged, &ed_trusted.id, &ed.sign(&message).to_bytes()), None);
    assert!(!fact.ok && fact.reason.contains("does not verify"), "{fact:?}");
    // Validly signed, but about another artifact.
    let other = statement("ghcr.io/acme/order-service", DIGEST);
    let other_msg = attestation::pae("application/vnd.in-toto+json", &other);
    let fact = attest(&model, &envelope(&other, &ed_trusted.id, &ed.sign(&other_msg).to_bytes()), None);
    assert!(!fact.ok && fact.reason.contains("not payments-api"), "{fact:?}");
    // Validly signed, but the digest is not the image the SBOM describes.
    let fact = attest(&model, &good, Some(&format!("sha256:{}", "a".repeat(64))));
    assert!(!fact.ok && fact.reason.contains("but the SBOM's image is"), "{fact:?}");
    // Unsigned, garbage, and no trusted key at all.
    let fact = attest(
        &model,
        "{\"payloadType\":\"application/vnd.in-toto+json\",\"payload\":\"e30=\",\"signatures\":[]}",
        None,
    );
    assert!(!fact.ok && fact.reason.contains("unsigned"), "{fact:?}");
    let fact = attest(&model, "not json", None);
    assert!(!fact.ok, "{fact:?}");
    let fact = attest(&Model::default(), &good, None);
    assert!(!fact.ok && fact.reason.contains("trusts no signing key"), "{fact:?}");
}

#[test]
fn real_envelopes_from_other_signers_do_not_verify_with_our_keys() {
    let (_, trusted) = ed25519_key(7);
    let mut model = Model::default();
    model.platform.spec.signing_keys = vec![trusted];
    for f in [
        "in-toto/dsse-statement-v1-slsa-vsa-v1-gke-gce.jsonl",
        "in-toto/sigstore-bundle-dsse-slsa-provenance-v1-rules_lint-v1.3.1.intoto.jsonl",
        "in-toto/dsse-statement-v0.1-slsa-provenance-v0.2-generic-generator.intoto.jsonl",
    ] {
        let fact = attest(&model, &fixture(f), None);
        assert!(!fact.ok, "{f}: {fact:?}");
    }
}

#[test]
fn the_error_budget_left_comes_from_the_sli_export_against_the_slo_target() {
    let model = Model::default();
    let slo = fixture("openslo/slo-ratio-timeslices.yaml");
    let v: serde_yaml::Value = serde_yaml::from_str(&slo).expect("yaml");
    let service = v["spec"]["service"].as_str().expect("service").to_owned();
    let name = v["metadata"]["name"].as_str().expect("name").to_owned();
    let slo_path = format!("evidence/{service}/slo.yaml");
    let sli_path = format!("evidence/{service}/sli.json");
    let budget = |good: u32| {
        let sli =
            format!("{{\"slo\":\"{name}\",\"windowEnd\":\"2026-11-28T00:00:00Z\",\"good\":{good},\"total\":10000}}");
        with(&[(&slo_path, &slo), (&sli_path, &sli)], &model, &External::default(), |i| slo::collect(i, &service).1)
    };
    // Target 0.99: 1% of 10,000 may fail. 40 failures spend 40% of the budget.
    let fact = budget(9960);
    assert!(fact.ok && fact.value == "60% left", "{fact:?}");
    assert_eq!(fact.as_of, parse_time("2026-11-28T00:00:00Z"));
    let fact = budget(9800);
    assert!(!fact.ok && fact.value == "0% left", "twice the budget spent: {fact:?}");
    let fact =
        with(&[(&slo_path, &slo), (&sli_path, "{\"slo\":\"x\",\"good\":\"a\"}")], &model, &External::default(), |i| {
            slo::collect(i, &service).1
        });
    assert!(!fact.ok, "{fact:?}");
}

#[test]
fn skimmed_and_whole_reads_agree_on_every_shape_of_slo_and_sbom() {
    let model = Model::default();
    let slo = "apiVersion: openslo/v1\nkind: SLO\nmetadata: {name: x-avail}\nspec: {service: x, objectives: [{target: 0.99}]}\n";
    let cases = [
        // The usual shape (skimmed), the list form and a scalar spec (read whole): the same SLO in each.
        (slo.to_owned(), true),
        (format!("- {}", slo.trim_end().replace('\n', "\n  ")), true),
        (format!("---\nspec: just text\n---\n{slo}"), true),
        ("apiVersion: openslo/v1\nkind: SLO\nmetadata: {name: x-avail}\nspec: not a mapping\n".to_owned(), false),
    ];
    for (text, passes) in cases {
        let (defined, _) =
            with(&[("evidence/x/slo.yaml", &text)], &model, &External::default(), |i| slo::collect(i, "x"));
        assert_eq!(defined.ok, passes, "{text}: {}", defined.reason);
    }
    let cdx = |components: &str| {
        format!(
            r#"{{"bomFormat":"CycloneDX","specVersion":"1.6","metadata":{{"component":{{"name":"x"}}}},"components":{components}}}"#
        )
    };
    // A list of components is counted by the skim; anything else there is read whole and counts none.
    for (components, summary) in [("[{}, {}]", "2 components"), ("{}", "0 components"), ("null", "0 components")] {
        let fact = with(&[("evidence/x/sbom.cdx.json", &cdx(components))], &model, &External::default(), |i| {
            sbom::collect(i, "x").0
        });
        assert!(fact.ok && fact.reason.ends_with(summary), "{components}: {}", fact.reason);
    }
}
