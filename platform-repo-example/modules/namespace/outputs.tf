output "namespace" {
  description = "Name of the namespace."
  value       = kubernetes_namespace_v1.this.metadata[0].name
}

output "manifests" {
  description = "The namespace, quota and role binding as a multi-document YAML stream."
  value       = join("---\n", [for o in local.manifest_objects : yamlencode(o)])
}
