//! The input document a policy sees for one request: the request itself, its module, the owning team from the
//! catalog (with its Team Topologies type and members), the environment, and — on the terraform backend — the
//! plan JSON. Parameters marked secret are redacted before a policy (or anything printing its input) sees them.

use crate::model::Model;
use crate::model::entity_ref::EntityRef;
use crate::model::request::Request;
use serde_json::{Value, json};

/// The policy input for `request`, judged against `model` (the base branch's model for a PR).
pub fn for_request(model: &Model, request: &Request, plan: Option<&Value>) -> Value {
    let team_ref = EntityRef::new("group", "default", &request.team);
    let group = model.catalog.get(&team_ref);
    let members: Vec<String> = model.catalog.members(&team_ref).iter().map(ToString::to_string).collect();
    let module = model.modules.get(request.spec.capability.as_str());
    let secret: Vec<&str> = module
        .map(|m| m.spec.parameters.iter().filter(|p| p.secret).map(|p| p.name.as_str()).collect())
        .unwrap_or_default();
    let mut parameters = serde_json::to_value(&request.spec.parameters).unwrap_or(Value::Null);
    if let Value::Object(map) = &mut parameters {
        for name in secret {
            if map.contains_key(name) {
                map.insert(name.to_owned(), Value::String("<redacted>".into()));
            }
        }
    }
    let environment = serde_json::to_value(request.spec.environment).unwrap_or(Value::Null);
    let mut input = json!({
        "request": {
            "path": request.path,
            "metadata": { "name": request.name, "requestedBy": request.requested_by },
            "spec": {
                "capability": request.spec.capability,
                "moduleVersion": request.spec.module_version,
                "environment": environment,
                "owner": request.spec.owner,
                "parameters": parameters,
                "deletionProtection": request.spec.deletion_protection,
            },
        },
        "module": module.map(|m| json!({
            "name": m.name,
            "version": m.version.to_string(),
            "backends": m.spec.backends,
            "outputs": m.spec.outputs,
        })),
        "team": {
            "name": request.team,
            "ref": team_ref.to_string(),
            "type": group.and_then(|g| g.entity.spec_str("type")),
            "teamTopology": group.and_then(|g| g.entity.team_topology()),
            "members": members,
        },
        "environment": environment,
    });
    if let Some(plan) = plan {
        input["plan"] = plan.clone();
    }
    input
}
