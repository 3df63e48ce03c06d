//! The IAM role backend: the JSON documents `aws iam create-role` / `put-role-policy` take (trust for the
//! team's service account, and its permissions), one file per request.

use super::context::Context;
use super::rendered::RenderedFile;
use super::target::Target;
use serde_json::json;

pub struct IamRole;

impl RenderedFile for IamRole {
    const DIR: &'static str = "iam";
    const EXTENSION: &'static str = "json";

    fn render(ctx: &Context, t: &Target) -> String {
        let policies: Vec<&str> = t
            .parameters
            .get("policies")
            .and_then(|v| v.as_array())
            .into_iter()
            .flatten()
            .filter_map(|p| p.as_str())
            .collect();
        let statements: Vec<serde_json::Value> = policies
            .iter()
            .filter_map(|p| p.split_once(" on "))
            .map(|(actions, resource)| {
                let actions: Vec<&str> = actions.split(',').map(str::trim).collect();
                json!({ "Effect": "Allow", "Action": actions, "Resource": resource.trim() })
            })
            .collect();
        let managed: Vec<&str> =
            policies.iter().copied().filter(|p| p.starts_with("arn:") && !p.contains(" on ")).collect();
        let doc = json!({
            "RoleName": t.physical(&ctx.platform),
            "MaxSessionDuration": t.parameters.get("maxSessionHours").and_then(|v| v.as_u64()).unwrap_or(1) * 3600,
            "AssumeRolePolicyDocument": { "Version": "2012-10-17", "Statement": [{
                "Effect": "Allow",
                "Principal": { "Federated": "kubernetes-oidc" },
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": { "StringEquals": { "oidc:sub": format!("system:serviceaccount:{}:{}", t.team, t.param_str("service").unwrap_or(&t.name)) } }
            }]},
            "PolicyDocument": { "Version": "2012-10-17", "Statement": statements },
            "ManagedPolicyArns": managed,
            "Tags": [{ "Key": "paved.dev/team", "Value": t.team }, { "Key": "paved.dev/request", "Value": t.key() }],
        });
        serde_json::to_string_pretty(&doc).expect("json") + "\n"
    }

    fn expected_outputs(ctx: &Context, t: &Target) -> Vec<(String, String)> {
        vec![("roleName".into(), t.physical(&ctx.platform))]
    }
}
