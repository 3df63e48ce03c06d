//! `vulns.kev_count`: the CVEs of the latest vulnerability scan (`evidence/<component>/vulns.trivy.json` or
//! `vulns.grype.json`, as Trivy and Grype write JSON) that are in the CISA Known Exploited Vulnerabilities
//! catalog. Passes at zero. Without the KEV catalog the count is unknown, so it fails.

use super::{Citation, Fact, Inputs, parse_time};
use serde_json::Value;
use std::collections::BTreeSet;

pub const FILES: [&str; 2] = ["vulns.trivy.json", "vulns.grype.json"];
/// Where the KEV catalog is looked for in the platform repo when none is configured (only if under 1 MiB).
pub const KEV_IN_REPO: &str = "evidence/kev/known_exploited_vulnerabilities.json";

/// The CISA KEV catalog: the CVE ids it lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kev {
    pub version: String,
    pub cves: BTreeSet<String>,
    pub citation: Citation,
}

impl Kev {
    /// Parse `known_exploited_vulnerabilities.json`.
    ///
    /// # Errors
    /// Not JSON, or no `vulnerabilities` array of `cveID`s.
    pub fn parse(bytes: &[u8], source: &str) -> Result<Kev, String> {
        let v: Value = serde_json::from_slice(bytes).map_err(|e| format!("{source}: not valid JSON ({e})"))?;
        let list = v
            .get("vulnerabilities")
            .and_then(Value::as_array)
            .ok_or_else(|| format!("{source}: no `vulnerabilities` array: not a KEV catalog"))?;
        let cves: BTreeSet<String> =
            list.iter().filter_map(|e| e.get("cveID")?.as_str()).map(str::to_ascii_uppercase).collect();
        if cves.is_empty() {
            return Err(format!("{source}: the KEV catalog lists no cveID"));
        }
        let version = v.get("catalogVersion").and_then(Value::as_str).unwrap_or("unknown").to_owned();
        let digest = {
            use sha2::Digest;
            hex::encode(&sha2::Sha256::digest(bytes)[..8])
        };
        Ok(Kev { citation: Citation::new(source, format!("catalogVersion {version}, sha256:{digest}")), version, cves })
    }
}

/// A scan, read: the scanned artifact, the CVE ids found, the scan date.
struct Scan {
    artifact: Option<String>,
    ids: BTreeSet<String>,
    date: Option<chrono::DateTime<chrono::Utc>>,
    tool: &'static str,
}

fn read_scan(v: &Value) -> Result<Scan, String> {
    if let Some(results) = v.get("Results") {
        let results = results.as_array().ok_or("Trivy `Results` is not a list")?;
        let ids = results
            .iter()
            .filter_map(|r| r.get("Vulnerabilities")?.as_array())
            .flatten()
            .filter_map(|x| x.get("VulnerabilityID")?.as_str())
            .map(str::to_ascii_uppercase)
            .collect();
        return Ok(Scan {
            artifact: v.get("ArtifactName").and_then(Value::as_str).map(str::to_owned),
            ids,
            date: v.get("CreatedAt").and_then(Value::as_str).and_then(parse_time),
            tool: "Trivy",
        });
    }
    if let Some(matches) = v.get("matches") {
        let matches = matches.as_array().ok_or("Grype `matches` is not a list")?;
        let mut ids = BTreeSet::new();
        for m in matches {
            ids.extend(m.pointer("/vulnerability/id").and_then(Value::as_str).map(str::to_ascii_uppercase));
            ids.extend(
                m.get("relatedVulnerabilities")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(|r| r.get("id")?.as_str())
                    .map(str::to_ascii_uppercase),
            );
        }
        return Ok(Scan {
            artifact: v.pointer("/source/target/userInput").and_then(Value::as_str).map(str::to_owned),
            ids,
            date: v.pointer("/descriptor/timestamp").and_then(Value::as_str).and_then(parse_time),
            tool: "Grype",
        });
    }
    Err("neither a Trivy report (Results) nor a Grype report (matches)".to_owned())
}

pub fn collect(inputs: &Inputs<'_>, component: &str) -> Fact {
    let file = match inputs.component_file(component, &FILES) {
        None => {
            return Fact::fail(format!(
                "no vulnerability scan at evidence/{component}/vulns.trivy.json or vulns.grype.json"
            ));
        }
        Some(Err(reason)) => return Fact::fail(reason),
        Some(Ok(f)) => f,
    };
    let scan = serde_json::from_str::<Value>(&file.text)
        .map_err(|e| format!("not valid JSON ({e})"))
        .and_then(|v| read_scan(&v));
    let scan = match scan {
        Ok(s) => s,
        Err(e) => return Fact::fail(format!("{}: {e}", file.path)).cite(file.citation),
    };
    if let Some(a) = &scan.artifact
        && !a.to_ascii_lowercase().contains(&component.to_ascii_lowercase())
    {
        return Fact::fail(format!("{}: the scan is of `{a}`, not {component}", file.path)).cite(file.citation);
    }
    let kev = match &inputs.external.kev {
        Some(Ok(k)) => k,
        Some(Err(e)) => return Fact::fail(format!("the KEV catalog cannot be read: {e}")).cite(file.citation),
        None => {
            return Fact::fail(format!(
                "no CISA KEV catalog: set PAVED_KEV_CATALOG or platform.yaml spec.evidence.kevCatalog, or add {KEV_IN_REPO}"
            ))
            .cite(file.citation);
        }
    };
    let in_kev: Vec<&String> = scan.ids.iter().filter(|id| kev.cves.contains(*id)).collect();
    let date = scan.date.or(file.delivered);
    let fact = if in_kev.is_empty() {
        Fact::pass("0 KEV CVEs", format!("{} scan: {} CVEs, none in KEV {}", scan.tool, scan.ids.len(), kev.version))
    } else {
        let list: Vec<&str> = in_kev.iter().map(|s| s.as_str()).collect();
        Fact {
            ok: false,
            value: format!("{} KEV CVE{}", in_kev.len(), if in_kev.len() == 1 { "" } else { "s" }),
            reason: format!("{} scan finds {} (in CISA KEV {})", scan.tool, list.join(", "), kev.version),
            as_of: None,
            cited: Vec::new(),
        }
    };
    fact.at(date).cite(file.citation).cite(kev.citation.clone())
}
