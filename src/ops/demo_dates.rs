//! Re-dates the example's evidence when `paved demo` lays it out, so a demo run at any date shows the ages (and so
//! the check results) a run on the example's [`REFERENCE`] date shows.
//!
//! One rule for every document under `evidence/` (except the KEV catalog snapshot and the README): each date of
//! the example's period moves by the whole days between the reference and now (times of day stay); a document
//! named for its month (`billing/2026-10.focus.csv`) moves by whole months instead, so monthly periods stay aligned
//! to month starts, and is renamed to match. Older dates are history (a CVE's publication, an image layer's build)
//! and stay. Signed DSSE envelopes (in-toto provenance) are re-dated inside their payload and re-signed with a key
//! generated for the demo, whose public half replaces the example's in `platform.yaml`: the example's private key
//! is not shipped. Everything else is a pure function of the example and now.

use super::demo_story::files_under;
use anyhow::Context;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Datelike, Duration, Months, NaiveDate, Utc};
use ed25519_dalek::Signer;
use regex::Regex;
use std::collections::BTreeSet;
use std::path::Path;
use std::sync::LazyLock;

/// The example's reference date: the day after its newest evidence (the IdP export of 2026-11-27). A demo run on
/// this day shows the evidence as shipped.
pub const REFERENCE: &str = "2026-11-28";

/// Dates more than this many days before the reference are history, not the example's period: they stay.
const HISTORY_DAYS: i64 = 366;

/// Documents that keep their dates: the KEV catalog snapshot (CISA's dates of record) and the README.
const KEEP: [&str; 2] = ["evidence/kev/", "evidence/README.md"];

static DATE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\d{4}-\d{2}-\d{2}").expect("a valid regex"));
/// A document named for its month: `YYYY-MM.<rest>`.
static MONTHLY: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^(\d{4}-\d{2})(\..+)$").expect("a valid regex"));

fn reference() -> NaiveDate {
    NaiveDate::parse_from_str(REFERENCE, "%Y-%m-%d").expect("REFERENCE is a date")
}

/// How far the example's evidence moves: from the [`REFERENCE`] to now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shift {
    days: i64,
    months: i32,
}

impl Shift {
    pub fn to(now: DateTime<Utc>) -> Self {
        let (from, to) = (reference(), now.date_naive());
        let month = |d: NaiveDate| d.year() * 12 + d.month0() as i32;
        Shift { days: (to - from).num_days(), months: month(to) - month(from) }
    }

    fn date(&self, d: NaiveDate, monthly: bool) -> NaiveDate {
        if d < reference() - Duration::days(HISTORY_DAYS) {
            return d;
        }
        if !monthly {
            return d + Duration::days(self.days);
        }
        let by = Months::new(self.months.unsigned_abs());
        if self.months >= 0 { d.checked_add_months(by) } else { d.checked_sub_months(by) }.unwrap_or(d)
    }

    /// `text` with every date of the example's period moved (by months in a `monthly` document).
    pub fn text(&self, text: &str, monthly: bool) -> String {
        let mut out = String::with_capacity(text.len());
        let mut last = 0;
        for m in DATE.find_iter(text) {
            // A date stands alone: not part of a longer number or identifier such as CVE-2019-1549.
            let before = text[..m.start()].chars().next_back();
            let after = text[m.end()..].chars().next();
            let alone = !before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '-')
                && !after.is_some_and(|c| c.is_ascii_digit() || c == '-');
            let Some(d) = NaiveDate::parse_from_str(m.as_str(), "%Y-%m-%d").ok().filter(|_| alone) else {
                continue;
            };
            out.push_str(&text[last..m.start()]);
            out.push_str(&self.date(d, monthly).format("%Y-%m-%d").to_string());
            last = m.end();
        }
        out.push_str(&text[last..]);
        out
    }

    /// The moved name of a document named for its month (`2026-10.focus.csv`), or None for any other name.
    pub fn monthly_name(&self, name: &str) -> Option<String> {
        let c = MONTHLY.captures(name)?;
        let first = NaiveDate::parse_from_str(&format!("{}-01", &c[1]), "%Y-%m-%d").ok()?;
        Some(format!("{}{}", self.date(first, true).format("%Y-%m"), &c[2]))
    }
}

/// The key the demo signs its re-dated provenance with, generated when it runs.
struct DemoKey(ed25519_dalek::SigningKey);

impl DemoKey {
    fn generate() -> Self {
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed).expect("the OS random source is available");
        DemoKey(ed25519_dalek::SigningKey::from_bytes(&seed))
    }

    fn public_pem(&self) -> String {
        use ed25519_dalek::pkcs8::EncodePublicKey;
        self.0
            .verifying_key()
            .to_public_key_pem(ed25519_dalek::pkcs8::spki::der::pem::LineEnding::LF)
            .expect("an Ed25519 public key always encodes as PEM")
    }

    /// `line` re-dated and re-signed if it is a DSSE envelope (under the key ids it was signed with, which go into
    /// `ids`); None if it is not one.
    fn resign(&self, shift: &Shift, line: &str, ids: &mut BTreeSet<String>) -> Option<String> {
        let mut envelope: serde_json::Value = serde_json::from_str(line).ok()?;
        let payload_type = envelope.get("payloadType")?.as_str()?.to_owned();
        let payload = STANDARD.decode(envelope.get("payload")?.as_str()?).ok()?;
        let payload = shift.text(std::str::from_utf8(&payload).ok()?, false);
        let sig = STANDARD
            .encode(self.0.sign(&crate::evidence::attestation::pae(&payload_type, payload.as_bytes())).to_bytes());
        let signatures: Vec<serde_json::Value> = envelope
            .get("signatures")?
            .as_array()?
            .iter()
            .filter_map(|s| s.get("keyid")?.as_str().map(str::to_owned))
            .map(|keyid| {
                ids.insert(keyid.clone());
                serde_json::json!({ "keyid": keyid, "sig": sig })
            })
            .collect();
        envelope["payload"] = STANDARD.encode(payload).into();
        envelope["signatures"] = signatures.into();
        Some(envelope.to_string())
    }
}

/// Re-date the evidence of the example extracted in `platform` (and its scorecards' exemption expiries) for `now`, re-sign its DSSE envelopes with a key
/// generated now and trust that key in place of the example's in `platform.yaml`.
pub fn redate_evidence(platform: &Path, now: DateTime<Utc>) -> anyhow::Result<()> {
    let shift = Shift::to(now);
    let key = DemoKey::generate();
    let mut ids = BTreeSet::new();
    for rel in files_under(platform, "evidence") {
        if KEEP.iter().any(|k| rel.starts_with(k)) {
            continue;
        }
        let path = platform.join(&rel);
        let Ok(text) = std::fs::read_to_string(&path) else { continue };
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        let moved = shift.monthly_name(name);
        let mut body: String = text
            .lines()
            .map(|line| key.resign(&shift, line, &mut ids).unwrap_or_else(|| shift.text(line, moved.is_some())))
            .collect::<Vec<_>>()
            .join("\n");
        if text.ends_with('\n') {
            body.push('\n');
        }
        std::fs::write(&path, body).with_context(|| format!("re-dating {rel}"))?;
        if let Some(moved) = moved.filter(|m| m != name) {
            std::fs::rename(&path, path.with_file_name(moved)).with_context(|| format!("renaming {rel}"))?;
        }
    }
    // Exemptions expire on dates chosen against the same evidence: they move with it.
    for rel in files_under(platform, "scorecards").into_iter().filter(|f| f.ends_with(".yaml")) {
        let path = platform.join(&rel);
        let Ok(text) = std::fs::read_to_string(&path) else { continue };
        let mut body: String = text
            .lines()
            .map(|l| if l.trim_start().starts_with("expires:") { shift.text(l, false) } else { l.to_owned() })
            .collect::<Vec<_>>()
            .join("\n");
        if text.ends_with('\n') {
            body.push('\n');
        }
        std::fs::write(&path, body).with_context(|| format!("re-dating {rel}"))?;
    }
    if !ids.is_empty() {
        let file = platform.join("platform.yaml");
        let text = std::fs::read_to_string(&file).context("reading platform.yaml")?;
        std::fs::write(&file, trust(&text, &ids, &key.public_pem())).context("writing platform.yaml")?;
    }
    Ok(())
}

/// `platform_yaml` with the public key of each signing key in `ids` replaced by `pem`, and a comment that says why.
fn trust(platform_yaml: &str, ids: &BTreeSet<String>, pem: &str) -> String {
    let mut out = Vec::new();
    let (mut pending, mut replacing) = (false, false);
    for line in platform_yaml.lines() {
        let trimmed = line.trim_start();
        let indent = &line[..line.len() - trimmed.len()];
        if replacing {
            replacing = trimmed != "-----END PUBLIC KEY-----";
            continue;
        }
        if let Some(id) = trimmed.trim_start_matches("- ").strip_prefix("id:")
            && ids.contains(id.trim().trim_matches(['"', '\'']))
        {
            // The example's comment on its key (who holds the private half) no longer holds: say what does.
            while out.last().is_some_and(|l: &String| l.trim_start().starts_with('#')) {
                out.pop();
            }
            out.push(format!(
                "{indent}# paved demo: a demo is its own organisation. It generated this key when it ran, re-signed \
                 the re-dated provenance"
            ));
            out.push(format!(
                "{indent}# under evidence/ with its private half (kept nowhere), and trusts it in place of the \
                 example's key."
            ));
            pending = true;
        } else if pending && trimmed == "-----BEGIN PUBLIC KEY-----" {
            out.extend(pem.lines().map(|l| format!("{indent}{l}")));
            (pending, replacing) = (false, true);
            continue;
        }
        out.push(line.to_owned());
    }
    let mut text = out.join("\n");
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).expect("a test time").with_timezone(&Utc)
    }

    #[test]
    fn dates_move_by_days_and_monthly_documents_by_months() {
        let shift = Shift::to(at("2027-03-15T10:00:00Z"));
        assert_eq!(shift, Shift { days: 107, months: 4 });
        assert_eq!(
            shift.text(r#"{"exportedAt": "2026-11-27T06:00:04Z", "id": "CVE-2019-1549", "p": "2019-09-10"}"#, false),
            r#"{"exportedAt": "2027-03-14T06:00:04Z", "id": "CVE-2019-1549", "p": "2019-09-10"}"#
        );
        assert_eq!(
            shift.text("\"2026-11-01 00:00:00\",\"2026-10-01 00:00:00\"", true),
            "\"2027-03-01 00:00:00\",\"2027-02-01 00:00:00\""
        );
        assert_eq!(shift.monthly_name("2026-10.focus.csv").as_deref(), Some("2027-02.focus.csv"));
        assert_eq!(shift.monthly_name("nps-2026-q3.csv"), None);
        assert_eq!(Shift::to(at("2026-11-28T23:00:00Z")), Shift { days: 0, months: 0 });
    }

    #[test]
    fn the_demo_key_replaces_the_trusted_key_it_signs_for() {
        let yaml = "spec:\n  signingKeys:\n    # held by the build service\n    - id: acme-ci-2026\n      algorithm: ed25519\n      publicKey: |\n        \
                    -----BEGIN PUBLIC KEY-----\n        OLD\n        -----END PUBLIC KEY-----\n    - id: other\n";
        let pem = "-----BEGIN PUBLIC KEY-----\nNEW\n-----END PUBLIC KEY-----\n";
        let out = trust(yaml, &BTreeSet::from(["acme-ci-2026".to_owned()]), pem);
        assert!(
            out.contains(
                "        -----BEGIN PUBLIC KEY-----\n        NEW\n        -----END PUBLIC KEY-----\n    - id: other"
            ),
            "{out}"
        );
        assert!(
            !out.contains("OLD")
                && !out.contains("build service")
                && out.contains("    # paved demo: a demo is its own organisation"),
            "{out}"
        );
    }
}
