//! Which backend serves each capability: the one table of (capability, backend kind) to backend. A capability
//! with no native backend here is served by the terraform backend alone.

use super::ai_key::SandboxAiKey;
use super::backend::Backend;
use super::context::Context;
use super::feature_flag::FeatureFlag;
use super::iam_role::IamRole;
use super::namespace::Namespace;
use super::rendered::{Rendered, RenderedFile};
use super::target::Target;
use super::{dns, nats, postgres, secret, terraform, tls};
use crate::model::capability::Capability;
use crate::model::platform::BackendKind;
use std::collections::BTreeMap;

/// The backend that provisions `capability` with `kind`, or `None` when paved has no such backend (the request
/// is then Blocked with that reason).
pub fn backend_for(capability: &Capability, kind: BackendKind, ctx: &Context) -> Option<Box<dyn Backend>> {
    if kind == BackendKind::Terraform {
        return Some(Box::new(terraform::Terraform::new(ctx)));
    }
    Some(match capability {
        Capability::Database => Box::new(postgres::Postgres::new(ctx)),
        Capability::Queue => Box::new(nats::Nats::new(ctx)),
        Capability::TlsCertificate => Box::new(tls::Tls::new(ctx)),
        Capability::Secret => Box::new(secret::Secret::new(ctx)),
        Capability::DnsRecord => Box::new(dns::DnsRecord::new(ctx)),
        Capability::Namespace => Box::new(Rendered::<Namespace>::new(ctx)),
        Capability::FeatureFlag => Box::new(Rendered::<FeatureFlag>::new(ctx)),
        Capability::SandboxAiKey => Box::new(Rendered::<SandboxAiKey>::new(ctx)),
        Capability::IamRole => Box::new(Rendered::<IamRole>::new(ctx)),
        Capability::Other(_) => return None,
    })
}

/// The outputs a native backend will report for `t`, known before it is applied (the planner writes them into
/// the request's status). Terraform's are known only once applied: none here.
pub fn expected_outputs(ctx: &Context, t: &Target) -> BTreeMap<String, String> {
    if t.backend != BackendKind::Native {
        return BTreeMap::new();
    }
    let outputs = match &t.capability {
        Capability::Database => postgres::expected_outputs(ctx, t),
        Capability::Queue => nats::expected_outputs(ctx, t),
        Capability::TlsCertificate => tls::expected_outputs(ctx, t),
        Capability::Secret => secret::expected_outputs(t),
        Capability::DnsRecord => dns::expected_outputs(t),
        Capability::Namespace => Namespace::expected_outputs(ctx, t),
        Capability::FeatureFlag => FeatureFlag::expected_outputs(ctx, t),
        Capability::SandboxAiKey => SandboxAiKey::expected_outputs(ctx, t),
        Capability::IamRole => IamRole::expected_outputs(ctx, t),
        Capability::Other(_) => Vec::new(),
    };
    outputs.into_iter().collect()
}

/// What a native backend accepts in `parameters` (the request's, with the module's defaults filled in) but
/// cannot enforce, parameter name to what the request gets instead: a Ready status names each, so it never claims
/// what was not done. A parameter a backend cannot serve at all is refused in observation instead
/// ([`Observation::Unsatisfiable`](super::backend::Observation::Unsatisfiable)).
/// `parameters` is called only for a backend that has such parameters (planning 50,000 requests builds no map
/// for the others).
pub fn not_enforced(
    capability: &Capability,
    kind: BackendKind,
    parameters: impl FnOnce() -> serde_json::Map<String, serde_json::Value>,
) -> BTreeMap<String, String> {
    match (capability, kind) {
        (Capability::Database, BackendKind::Native) => postgres::not_enforced(&parameters()),
        _ => BTreeMap::new(),
    }
}
