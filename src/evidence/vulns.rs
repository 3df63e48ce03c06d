//! `vulns.kev_count`: the CVEs of the latest vulnerability scan (`evidence/<component>/vulns.trivy.json` or
//! `vulns.grype.json`, as Trivy and Grype write JSON) that are in the CISA Known Exploited Vulnerabilities
//! catalog. Passes at zero. Without the KEV catalog the count is unknown, so it fails.

use super::error::Error;
use super::fact::{Fact, parse_time};
use super::inputs::Inputs;
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeSet;

// Named here, where it is used; defined in `kev` so that `External` can hold it without importing a collector.
pub use super::kev::Kev;

pub const FILES: [&str; 2] = ["vulns.trivy.json", "vulns.grype.json"];
/// Where the KEV catalog is looked for in the platform repo when none is configured (only if under 1 MiB).
pub const KEV_IN_REPO: &str = "evidence/kev/known_exploited_vulnerabilities.json";

/// A scan, read: the scanned artifact, the CVE ids found, the scan date.
struct Scan {
    artifact: Option<String>,
    ids: BTreeSet<String>,
    date: Option<chrono::DateTime<chrono::Utc>>,
    tool: &'static str,
}

/// The fields paved reads of a Trivy (`Results`, …) or Grype (`matches`, …) JSON report; the rest is skipped
/// without being built.
#[derive(Deserialize)]
struct Report {
    #[serde(rename = "Results")]
    results: Option<Vec<TrivyResult>>,
    #[serde(rename = "ArtifactName")]
    artifact_name: Option<String>,
    #[serde(rename = "CreatedAt")]
    created_at: Option<String>,
    matches: Option<Vec<GrypeMatch>>,
    source: Option<GrypeSource>,
    descriptor: Option<GrypeDescriptor>,
}

#[derive(Deserialize)]
struct TrivyResult {
    #[serde(rename = "Vulnerabilities")]
    vulnerabilities: Option<Vec<TrivyVuln>>,
}

#[derive(Deserialize)]
struct TrivyVuln {
    #[serde(rename = "VulnerabilityID")]
    id: String,
}

#[derive(Deserialize)]
struct GrypeMatch {
    vulnerability: GrypeId,
    #[serde(default, rename = "relatedVulnerabilities")]
    related: Vec<GrypeId>,
}

#[derive(Deserialize)]
struct GrypeId {
    id: String,
}

#[derive(Deserialize)]
struct GrypeSource {
    target: Option<Value>,
}

#[derive(Deserialize)]
struct GrypeDescriptor {
    timestamp: Option<String>,
}

fn read_scan(text: &str) -> Result<Scan, Error> {
    let r: Report = serde_json::from_str(text)
        .map_err(|e| Error::Parse { what: "not a valid Trivy or Grype JSON report", message: e.to_string() })?;
    if let Some(results) = r.results {
        let ids = results
            .into_iter()
            .flat_map(|r| r.vulnerabilities.unwrap_or_default())
            .map(|v| v.id.to_ascii_uppercase())
            .collect();
        return Ok(Scan {
            artifact: r.artifact_name,
            ids,
            date: r.created_at.as_deref().and_then(parse_time),
            tool: "Trivy",
        });
    }
    if let Some(matches) = r.matches {
        let ids = matches
            .into_iter()
            .flat_map(|m| std::iter::once(m.vulnerability).chain(m.related))
            .map(|v| v.id.to_ascii_uppercase())
            .collect();
        return Ok(Scan {
            artifact: r.source.and_then(|s| s.target?.get("userInput")?.as_str().map(str::to_owned)),
            ids,
            date: r.descriptor.and_then(|d| d.timestamp).as_deref().and_then(parse_time),
            tool: "Grype",
        });
    }
    Err(Error::Invalid("neither a Trivy report (Results) nor a Grype report (matches)"))
}

pub fn collect(inputs: &Inputs<'_>, component: &str) -> Fact {
    let file = match inputs.component_file(component, &FILES) {
        None => {
            return Fact::unknown(
                format!("no vulnerability scan at evidence/{component}/vulns.trivy.json or vulns.grype.json"),
                format!(
                    "Scan the deployed image nightly and deliver the Trivy or Grype JSON report as evidence/{component}/vulns.trivy.json or vulns.grype.json."
                ),
            );
        }
        Some(Err(reason)) => return Fact::unreadable(reason.to_string()),
        Some(Ok(f)) => f,
    };
    let scan = read_scan(&file.text);
    let scan = match scan {
        Ok(s) => s,
        Err(e) => return Fact::unreadable(Error::in_file(file.path, e).to_string()).cite(file.citation),
    };
    if let Some(a) = &scan.artifact
        && !a.to_ascii_lowercase().contains(&component.to_ascii_lowercase())
    {
        return Fact::fail(format!("{}: the scan is of `{a}`, not {component}", file.path)).cite(file.citation);
    }
    let kev = match &inputs.external.kev {
        Some(Ok(k)) => k,
        Some(Err(e)) => return Fact::unreadable(format!("the KEV catalog cannot be read: {e}")).cite(file.citation),
        None => {
            return Fact::unknown(
                "no CISA KEV catalog: the scan's CVEs cannot be matched",
                format!("Give paved the CISA KEV catalog: set PAVED_KEV_CATALOG or platform.yaml spec.evidence.kevCatalog, or add {KEV_IN_REPO}."),
            )
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
            value: format!("{} KEV CVE{}", in_kev.len(), if in_kev.len() == 1 { "" } else { "s" }),
            ..Fact::fail(format!("{} scan finds {} (in CISA KEV {})", scan.tool, list.join(", "), kev.version))
        }
    };
    fact.at(date).cite(file.citation).cite(kev.citation.clone())
}
