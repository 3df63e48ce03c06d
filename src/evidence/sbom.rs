//! `sbom.present`: a CycloneDX (1.4 to 1.7) or SPDX 2.3 JSON document at `evidence/<component>/sbom.cdx.json` or
//! `sbom.spdx.json` that parses and names the component (by name or purl). An SBOM of another component fails.
//!
//! It also yields the image digest the SBOM records (`metadata.properties` `…:image` = `repo@sha256:…`), which the
//! attestation collector compares with the digest the signed provenance attests.

use super::error::Error;
use super::fact::{Fact, parse_time};
use super::inputs::Inputs;
use serde_json::Value;

pub const FILES: [&str; 2] = ["sbom.cdx.json", "sbom.spdx.json"];

/// The fact, and the image digest (`sha256:…`) the SBOM names, if any.
pub fn collect(inputs: &Inputs<'_>, component: &str) -> (Fact, Option<String>) {
    let file = match inputs.component_file(component, &FILES) {
        None => return (Fact::fail(format!("no SBOM at evidence/{component}/sbom.cdx.json or sbom.spdx.json")), None),
        Some(Err(reason)) => return (Fact::unreadable(reason.to_string()), None),
        Some(Ok(f)) => f,
    };
    // CycloneDX is skimmed: its component list (most of the document) is counted, not built.
    let result = match serde_json::from_str::<CycloneDxSkim>(&file.text) {
        Ok(skim) if skim.bom_format.as_ref().and_then(Value::as_str) == Some("CycloneDX") => cyclonedx(
            skim.spec_version.as_ref(),
            skim.metadata.as_ref(),
            skim.components.map_or(0, |c| c.len()),
            component,
        ),
        _ => {
            let doc: Value = match serde_json::from_str(&file.text) {
                Ok(v) => v,
                Err(e) => {
                    let e = Error::Parse { what: "not valid JSON", message: e.to_string() };
                    return (Fact::unreadable(Error::in_file(file.path, e).to_string()).cite(file.citation), None);
                }
            };
            if doc.get("bomFormat").and_then(Value::as_str) == Some("CycloneDX") {
                let count = doc.get("components").and_then(Value::as_array).map_or(0, Vec::len);
                cyclonedx(doc.get("specVersion"), doc.get("metadata"), count, component)
            } else if doc.get("spdxVersion").is_some() {
                spdx(&doc, component)
            } else {
                Err(Error::Invalid("neither CycloneDX (bomFormat) nor SPDX (spdxVersion)"))
            }
        }
    };
    match result {
        Ok((summary, date, digest)) => {
            let date = date.or(file.delivered);
            (Fact::pass("present", summary).at(date).cite(file.citation), digest)
        }
        Err(reason) => (Fact::fail(Error::in_file(file.path, reason).to_string()).cite(file.citation), None),
    }
}

type Parsed = (String, Option<chrono::DateTime<chrono::Utc>>, Option<String>);

fn names_component(name: Option<&str>, purl: Option<&str>, component: &str) -> bool {
    let by_purl = purl.is_some_and(|p| {
        let path = p.split(['@', '?', '#']).next().unwrap_or_default();
        path.rsplit('/').next().is_some_and(|last| last.eq_ignore_ascii_case(component))
    });
    // Go modules and monorepo packages are named by path: the last segment is the component.
    let by_name = name.is_some_and(|n| n.rsplit('/').next().is_some_and(|last| last.eq_ignore_ascii_case(component)));
    by_name || by_purl
}

/// The top-level fields of a CycloneDX document paved reads. A document of another shape (an SPDX one, a
/// `components` that is not a list) fails the skim and is read whole.
#[derive(serde::Deserialize)]
struct CycloneDxSkim {
    #[serde(rename = "bomFormat")]
    bom_format: Option<Value>,
    #[serde(rename = "specVersion")]
    spec_version: Option<Value>,
    metadata: Option<Value>,
    components: Option<Vec<serde::de::IgnoredAny>>,
}

fn cyclonedx(version: Option<&Value>, meta: Option<&Value>, count: usize, component: &str) -> Result<Parsed, Error> {
    let version = version.and_then(Value::as_str).unwrap_or_default();
    if !["1.4", "1.5", "1.6", "1.7"].contains(&version) {
        return Err(Error::Unsupported {
            field: "CycloneDX specVersion",
            version: version.to_owned(),
            supported: "1.4 to 1.7",
        });
    }
    let meta = meta.ok_or(Error::Invalid("CycloneDX document has no metadata"))?;
    let root = meta.get("component").ok_or(Error::Invalid("CycloneDX metadata names no component"))?;
    let name = root.get("name").and_then(Value::as_str);
    let purl = root.get("purl").and_then(Value::as_str);
    if !names_component(name, purl, component) {
        let described = purl.or(name).unwrap_or("an unnamed component").to_owned();
        return Err(Error::OtherSbom { described, component: component.to_owned() });
    }
    let date = meta.get("timestamp").and_then(Value::as_str).and_then(parse_time);
    let digest = meta.get("properties").and_then(Value::as_array).and_then(|ps| {
        ps.iter()
            .filter(|p| p.get("name").and_then(Value::as_str).is_some_and(|n| n.ends_with(":image")))
            .find_map(|p| image_digest(p.get("value")?.as_str()?))
    });
    Ok((format!("CycloneDX {version} naming {component}, {count} components"), date, digest))
}

fn spdx(doc: &Value, component: &str) -> Result<Parsed, Error> {
    let version = doc.get("spdxVersion").and_then(Value::as_str).unwrap_or_default();
    if version != "SPDX-2.3" && version != "SPDX-2.2" {
        return Err(Error::Unsupported {
            field: "spdxVersion",
            version: version.to_owned(),
            supported: "SPDX-2.2 or SPDX-2.3 JSON",
        });
    }
    let packages =
        doc.get("packages").and_then(Value::as_array).ok_or(Error::Invalid("SPDX document has no packages"))?;
    // The described packages are the root; without documentDescribes, any package may be.
    let described: Vec<&str> = doc
        .get("documentDescribes")
        .and_then(Value::as_array)
        .map(|d| d.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let roots: Vec<&Value> = packages
        .iter()
        .filter(|p| {
            described.is_empty() || p.get("SPDXID").and_then(Value::as_str).is_some_and(|id| described.contains(&id))
        })
        .collect();
    let names = |p: &Value| {
        let name = p.get("name").and_then(Value::as_str);
        let purls: Vec<&str> = p
            .get("externalRefs")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter(|r| r.get("referenceType").and_then(Value::as_str) == Some("purl"))
            .filter_map(|r| r.get("referenceLocator")?.as_str())
            .collect();
        names_component(name, None, component) || purls.iter().any(|u| names_component(None, Some(u), component))
    };
    if !roots.iter().any(|p| names(p)) {
        let described = roots.iter().filter_map(|p| p.get("name")?.as_str()).collect::<Vec<_>>().join(", ");
        return Err(Error::OtherSbom { described, component: component.to_owned() });
    }
    let date = doc.get("creationInfo").and_then(|c| c.get("created")).and_then(Value::as_str).and_then(parse_time);
    Ok((format!("{version} naming {component}, {} packages", packages.len()), date, None))
}

/// `sha256:…` of an image reference `repo@sha256:…`.
pub fn image_digest(reference: &str) -> Option<String> {
    let (_, digest) = reference.rsplit_once('@')?;
    let hex = digest.strip_prefix("sha256:")?;
    (hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| format!("sha256:{}", hex.to_ascii_lowercase()))
}
