//! The CISA Known Exploited Vulnerabilities catalog, parsed: what `ops` reads into [`External`](super::External)
//! and [`vulns`](super::vulns) matches scans against.

use super::error::Error;
use super::fact::Citation;
use serde_json::Value;
use std::collections::BTreeSet;

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
    /// Not JSON, or no `vulnerabilities` array of `cveID`s; the reason is about `source`.
    pub fn parse(bytes: &[u8], source: &str) -> Result<Kev, Error> {
        let invalid = |reason| Error::in_file(source, reason);
        let v: Value = serde_json::from_slice(bytes)
            .map_err(|e| invalid(Error::Parse { what: "not valid JSON", message: e.to_string() }))?;
        let list = v
            .get("vulnerabilities")
            .and_then(Value::as_array)
            .ok_or_else(|| invalid(Error::Invalid("no `vulnerabilities` array: not a KEV catalog")))?;
        let cves: BTreeSet<String> =
            list.iter().filter_map(|e| e.get("cveID")?.as_str()).map(str::to_ascii_uppercase).collect();
        if cves.is_empty() {
            return Err(invalid(Error::Invalid("the KEV catalog lists no cveID")));
        }
        let version = v.get("catalogVersion").and_then(Value::as_str).unwrap_or("unknown").to_owned();
        let digest = {
            use sha2::Digest;
            hex::encode(&sha2::Sha256::digest(bytes)[..8])
        };
        Ok(Kev { citation: Citation::new(source, format!("catalogVersion {version}, sha256:{digest}")), version, cves })
    }
}
