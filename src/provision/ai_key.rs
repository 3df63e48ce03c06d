//! The sandbox AI key backend: an entry in the AI gateway's key registry (model, budget, expiry); the key itself
//! goes to the secret store.

use super::context::Context;
use super::error::Error;
use super::rendered::RenderedFile;
use super::secrets::{SecretStore, random_token};
use super::target::Target;
use serde_json::json;
use std::collections::BTreeMap;

pub struct SandboxAiKey;

impl RenderedFile for SandboxAiKey {
    const DIR: &'static str = "ai-keys";
    const EXTENSION: &'static str = "json";

    fn render(ctx: &Context, t: &Target) -> String {
        let doc = json!({
            "keyId": t.physical(&ctx.platform),
            "team": t.team,
            "request": t.key(),
            "model": t.param_str("model"),
            "monthlyBudgetUsd": t.parameters.get("monthlyBudgetUsd"),
            "expiresInDays": t.parameters.get("expiresInDays"),
        });
        serde_json::to_string_pretty(&doc).expect("json") + "\n"
    }

    fn expected_outputs(ctx: &Context, t: &Target) -> Vec<(String, String)> {
        vec![("keyId".into(), t.physical(&ctx.platform))]
    }

    fn keep_secrets(t: &Target, secrets: &SecretStore) -> Result<BTreeMap<String, String>, Error> {
        let mut stored = secrets.read(&t.team, &t.name);
        stored.entry("apiKey".into()).or_insert_with(|| format!("sk-paved-{}", random_token(24)));
        secrets.write(&t.team, &t.name, &stored)?;
        Ok(stored)
    }
}
