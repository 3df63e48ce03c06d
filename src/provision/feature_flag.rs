//! The feature-flag backend: a flagd flag definition, one file per request, owned by the requesting team.

use super::context::Context;
use super::rendered::RenderedFile;
use super::target::Target;
use serde_json::json;

pub struct FeatureFlag;

impl RenderedFile for FeatureFlag {
    const DIR: &'static str = "flagd";
    const EXTENSION: &'static str = "flagd.json";

    fn render(_: &Context, t: &Target) -> String {
        let key = t.param_str("key").unwrap_or(&t.name);
        let doc = json!({
            "$schema": "https://flagd.dev/schema/v0/flags.json",
            "flags": { key: {
                "state": "ENABLED",
                "variants": t.parameters.get("variants").cloned().unwrap_or(json!({})),
                "defaultVariant": t.param_str("defaultVariant").unwrap_or("off"),
                "metadata": { "owner": format!("group:{}", t.team), "request": t.key() },
            }}
        });
        serde_json::to_string_pretty(&doc).expect("json") + "\n"
    }

    fn expected_outputs(_: &Context, t: &Target) -> Vec<(String, String)> {
        vec![("flagKey".into(), t.param_str("key").unwrap_or(&t.name).to_owned())]
    }
}
