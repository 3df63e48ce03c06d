//! The namespace backend: Kubernetes manifests for a team's namespace (Namespace, ResourceQuota, RoleBinding), one
//! file per request for `kubectl apply`.

use super::context::Context;
use super::rendered::RenderedFile;
use super::target::Target;

pub struct Namespace;

impl RenderedFile for Namespace {
    const DIR: &'static str = "kubernetes";
    const EXTENSION: &'static str = "yaml";

    fn render(ctx: &Context, t: &Target) -> String {
        let ns = t.physical(&ctx.platform);
        let cpu = t.param_str("cpu").unwrap_or("2");
        let memory = t.param_str("memory").unwrap_or("4Gi");
        let pods = t.parameters.get("pods").and_then(|v| v.as_u64()).unwrap_or(50);
        format!(
            "# Written by paved for request {key}. Apply with: kubectl apply -f <this file>\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: {ns}\n  labels:\n    paved.dev/team: {team}\n    paved.dev/platform: {platform}\n---\napiVersion: v1\nkind: ResourceQuota\nmetadata:\n  name: {ns}-quota\n  namespace: {ns}\nspec:\n  hard:\n    requests.cpu: \"{cpu}\"\n    requests.memory: {memory}\n    pods: \"{pods}\"\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata:\n  name: {team}-edit\n  namespace: {ns}\nroleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: ClusterRole\n  name: edit\nsubjects:\n  - apiGroup: rbac.authorization.k8s.io\n    kind: Group\n    name: {team}\n",
            key = t.key(),
            team = t.team,
            platform = ctx.platform,
        )
    }

    fn expected_outputs(ctx: &Context, t: &Target) -> Vec<(String, String)> {
        vec![("namespace".into(), t.physical(&ctx.platform))]
    }
}
