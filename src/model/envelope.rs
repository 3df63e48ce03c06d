//! The envelope of paved's own kinds: `apiVersion: paved.dev/v1`, `kind`, `metadata`, `spec`.
//! Unknown fields anywhere in these kinds are errors (`deny_unknown_fields`), unlike in Backstage entities.

use super::decode::{Finding, decode_doc};
use crate::yaml::Document;
use serde::Deserialize;
use serde::de::DeserializeOwned;

pub const API_VERSION: &str = "paved.dev/v1";

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Envelope<S> {
    pub api_version: String,
    pub kind: String,
    pub metadata: Metadata,
    #[serde(default = "Option::default")]
    pub spec: Option<S>,
}

#[derive(Debug, Clone, Default, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Metadata {
    pub name: String,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    /// The owning group (paths, modules).
    #[serde(default)]
    pub owner: Option<String>,
    /// Who asked (requests).
    #[serde(default)]
    pub requested_by: Option<String>,
    #[serde(default)]
    pub labels: std::collections::BTreeMap<String, String>,
    #[serde(default)]
    pub annotations: std::collections::BTreeMap<String, String>,
}

/// Decode a document of paved kind `kind`, checking `apiVersion` and `kind` first so that a Backstage entity put
/// in the wrong folder gets a message about that rather than about its fields.
pub fn decode_kind<S: DeserializeOwned + Default>(doc: &Document, kind: &str) -> Result<(Metadata, S), Finding> {
    let p = &doc.positions;
    let api = doc.value.get("apiVersion").and_then(|v| v.as_str());
    if api != Some(API_VERSION) {
        return Err(Finding::error(
            p.value("apiVersion"),
            format!("expected `apiVersion: {API_VERSION}`, found {}", shown(api)),
        )
        .hint(format!("paved's own files start with `apiVersion: {API_VERSION}` and `kind: {kind}`")));
    }
    let found = doc.value.get("kind").and_then(|v| v.as_str());
    if found != Some(kind) {
        return Err(Finding::error(p.value("kind"), format!("expected `kind: {kind}` here, found {}", shown(found)))
            .hint(format!("this folder holds {kind} files")));
    }
    let env: Envelope<S> = decode_doc(doc)?;
    Ok((env.metadata, env.spec.unwrap_or_default()))
}

fn shown(v: Option<&str>) -> String {
    v.map_or_else(|| "nothing".to_owned(), |s| format!("`{s}`"))
}
