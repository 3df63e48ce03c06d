//! The Terraform root module paved renders for one request: a single `module` block calling the capability
//! module, with the request context and every parameter as an escaped literal. The text is deterministic, so the
//! diff between a PR's base and head renderings is exactly the infrastructure change under review.

use super::hcl;
use super::tf_module::Declared;
use crate::model::library::Module;
use crate::model::request::Request;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

/// Root-module outputs re-exporting the module's (name to sensitive), so `terraform output -json` reports them.
pub fn output_blocks(outputs: &BTreeMap<String, bool>) -> String {
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
/// [`root_module`], for `request` as the target recorded it (its parameters and context), for the module of its
/// capability at `version`.
///
/// # Errors
/// A variable the module requires (it has no default) that neither a parameter nor the request context gives:
/// Terraform would stop on it, so the message says where it is declared and what to add.
pub fn root_module_for(
    request: &Request,
    version: semver::Version,
    source: &str,
    declared: &Declared,
) -> Result<String, String> {
    let module = Module {
        name: request.spec.capability.to_string(),
        dir: source.to_owned(),
        owner: None,
        version,
        spec: Default::default(),
    };
    let (passed, _) = arguments(request, declared);
    let missing: Vec<String> = declared
        .variables
        .iter()
        .filter(|(name, v)| v.required && !passed.iter().any(|(p, _)| p == *name))
        .map(|(name, v)| format!("{name} (declared at {})", v.at))
        .collect();
    if !missing.is_empty() {
        return Err(format!(
            "module `{}` requires variables that request {} does not give: {}; add them to the request's \
             parameters (and the module's module.yaml), or give them a default in the module",
            module.name,
            request.path,
            missing.join(", ")
        ));
    }
    Ok(root_module(request, &module, source, declared))
}

/// The module arguments of `request` (variable, HCL literal), sorted, and the parameters the module does not
/// declare. The request context (name, team, environment, deletion protection) is passed to a module that
/// declares it, unless a parameter of that name is; a context the request does not set is left to the
/// module's default rather than passed as `null`.
fn arguments(request: &Request, declared: &Declared) -> (Vec<(String, String)>, Vec<String>) {
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
        if declared.variables.contains_key(var) && !params.contains(var) && !value.is_null() {
            lines.push((var.to_owned(), hcl::literal(&value)));
        }
    }
    let mut skipped = Vec::new();
    for (k, v) in &parameters {
        let Some(name) = k.as_str() else { continue };
        let var = variable_for(name);
        if declared.variables.contains_key(&var) && hcl::is_identifier(&var) {
            lines.push((var, hcl::literal(v)));
        } else {
            skipped.push(name.to_owned());
        }
    }
    lines.sort();
    (lines, skipped)
}

/// Render the root module. `source` is the module's path as Terraform will see it; `declared` what the module
/// declares (parameters the module does not declare are left out and listed in a comment).
pub fn root_module(request: &Request, module: &Module, source: &str, declared: &Declared) -> String {
    let mut out = format!(
        "# Rendered by paved from {} ({} module {}). Do not edit.\n\nmodule \"request\" {{\n  source = {}\n\n",
        request.path,
        module.name,
        module.version,
        hcl::string(source)
    );
    let (lines, skipped) = arguments(request, declared);
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
