//! The Terraform root module paved renders for one request: a single `module` block calling the capability
//! module, with the request context and every parameter as an escaped literal. The text is deterministic, so the
//! diff between a PR's base and head renderings is exactly the infrastructure change under review.

use super::hcl;
use crate::model::library::Module;
use crate::model::request::Request;
use std::collections::BTreeSet;
use std::fmt::Write;

/// Variable names a module declares, read from its `variables.tf` (`variable "x" {`).
pub fn declared_variables(variables_tf: &str) -> BTreeSet<String> {
    variables_tf
        .lines()
        .filter_map(|l| l.trim().strip_prefix("variable \""))
        .filter_map(|rest| rest.split('"').next())
        .map(str::to_owned)
        .collect()
}

/// Outputs a module declares in `outputs.tf`, with whether each is sensitive (`output "x" { … sensitive = true }`).
pub fn declared_outputs(outputs_tf: &str) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    let mut current: Option<(String, bool)> = None;
    let mut depth = 0i32;
    for line in outputs_tf.lines() {
        let t = line.trim();
        if depth == 0
            && let Some(name) = t.strip_prefix("output \"").and_then(|r| r.split('"').next())
        {
            current = Some((name.to_owned(), false));
        }
        if let Some((_, sensitive)) = current.as_mut()
            && t.replace(' ', "") == "sensitive=true"
        {
            *sensitive = true;
        }
        depth += t.matches('{').count() as i32 - t.matches('}').count() as i32;
        if depth == 0
            && let Some(done) = current.take()
        {
            out.push(done);
        }
    }
    out
}

/// Root-module outputs re-exporting the module's, so `terraform output -json` reports them.
pub fn output_blocks(outputs: &[(String, bool)]) -> String {
    let mut text = String::new();
    for (name, sensitive) in outputs {
        if hcl::is_identifier(name) {
            let _ = write!(
                text,
                "\noutput {} {{\n  value     = module.request.{name}\n  sensitive = {sensitive}\n}}\n",
                hcl::string(name)
            );
        }
    }
    text
}

/// The variable a parameter is passed as. Terraform reserves `version` in module blocks.
pub fn variable_for(parameter: &str) -> String {
    match parameter {
        "version" => "engineVersion".to_owned(),
        p => p.to_owned(),
    }
}

/// Render the root module of a provisioning target (what the terraform backend applies): the same text as
/// [`root_module`], from the target's recorded parameters.
pub fn root_module_for(target: &crate::provision::Target, source: &str, declared: &BTreeSet<String>) -> String {
    let request = Request {
        path: format!("requests/{}/{}.yaml", target.team, target.name),
        team: target.team.clone(),
        name: target.name.clone(),
        requested_by: None,
        spec: std::sync::Arc::new(crate::model::request::RequestSpec {
            capability: target.capability.clone(),
            parameters: serde_yaml::to_value(&target.parameters)
                .ok()
                .and_then(|v| v.as_mapping().map(crate::model::request::Params::from))
                .unwrap_or_default(),
            ..Default::default()
        }),
        positions: Default::default(),
    };
    let module = Module {
        name: target.capability.clone(),
        dir: source.to_owned(),
        owner: None,
        version: semver::Version::new(0, 0, 0),
        spec: Default::default(),
    };
    root_module(&request, &module, source, declared)
}

/// Render the root module. `source` is the module's path as Terraform will see it; `declared` the module's
/// variables (parameters the module does not declare are left out and listed in a comment).
pub fn root_module(request: &Request, module: &Module, source: &str, declared: &BTreeSet<String>) -> String {
    let mut out = format!(
        "# Rendered by paved from {} ({} module {}). Do not edit.\n\nmodule \"request\" {{\n  source = {}\n\n",
        request.path,
        module.name,
        module.version,
        hcl::string(source)
    );
    let mut lines: Vec<(String, String)> = Vec::new();
    let parameters = request.spec.parameters.to_mapping();
    let params: BTreeSet<String> = parameters.keys().filter_map(|k| k.as_str()).map(variable_for).collect();
    let env = serde_yaml::to_value(request.spec.environment).unwrap_or(serde_yaml::Value::Null);
    let context = [
        ("name", serde_yaml::Value::String(request.name.clone())),
        ("team", serde_yaml::Value::String(request.team.clone())),
        ("environment", env),
        ("deletion_protection", serde_yaml::Value::Bool(request.spec.deletion_protection)),
    ];
    for (var, value) in context {
        if declared.contains(var) && !params.contains(var) {
            lines.push((var.to_owned(), hcl::literal(&value)));
        }
    }
    let mut skipped = Vec::new();
    for (k, v) in &parameters {
        let Some(name) = k.as_str() else { continue };
        let var = variable_for(name);
        if declared.contains(&var) && hcl::is_identifier(&var) {
            lines.push((var, hcl::literal(v)));
        } else {
            skipped.push(name.to_owned());
        }
    }
    lines.sort();
    let width = lines.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    for (k, v) in &lines {
        let _ = writeln!(out, "  {k:<width$} = {v}");
    }
    out.push_str("}\n");
    if !skipped.is_empty() {
        let _ = writeln!(out, "\n# Not passed (the module declares no such variable): {}", skipped.join(", "));
    }
    out
}
