locals {
  team = replace(lower(var.team), "/^group:([a-z0-9_.-]+\\/)?/", "")

  # A DNS label: lower case, digits and inner hyphens, at most 63 characters.
  namespace = trim(substr(replace(lower("${local.team}-${var.name}"), "/[^a-z0-9]+/", "-"), 0, 63), "-")

  labels = {
    "app.kubernetes.io/managed-by" = "paved"
    "paved.dev/capability"         = "namespace"
    "paved.dev/team"               = local.team
    "paved.dev/environment"        = var.environment
  }

  # Pod Security Admission: restricted in production, baseline elsewhere (warning on restricted).
  namespace_labels = merge(local.labels, {
    "pod-security.kubernetes.io/enforce" = var.environment == "production" ? "restricted" : "baseline"
    "pod-security.kubernetes.io/warn"    = "restricted"
  })

  hard = {
    "requests.cpu"    = var.cpu
    "limits.cpu"      = var.cpu
    "requests.memory" = var.memory
    "limits.memory"   = var.memory
    "pods"            = tostring(var.pods)
  }

  # The same objects as plain manifests, for review and for clusters applied by GitOps.
  manifest_objects = [
    {
      apiVersion = "v1"
      kind       = "Namespace"
      metadata   = { name = local.namespace, labels = local.namespace_labels }
    },
    {
      apiVersion = "v1"
      kind       = "ResourceQuota"
      metadata   = { name = "paved-quota", namespace = local.namespace, labels = local.labels }
      spec       = { hard = local.hard }
    },
    {
      apiVersion = "rbac.authorization.k8s.io/v1"
      kind       = "RoleBinding"
      metadata   = { name = "paved-team-${var.team_cluster_role}", namespace = local.namespace, labels = local.labels }
      roleRef    = { apiGroup = "rbac.authorization.k8s.io", kind = "ClusterRole", name = var.team_cluster_role }
      subjects   = [{ apiGroup = "rbac.authorization.k8s.io", kind = "Group", name = "${var.group_prefix}${local.team}" }]
    },
  ]
}

resource "kubernetes_namespace_v1" "this" {
  metadata {
    name   = local.namespace
    labels = local.namespace_labels
  }
}

resource "kubernetes_resource_quota_v1" "this" {
  metadata {
    name      = "paved-quota"
    namespace = kubernetes_namespace_v1.this.metadata[0].name
    labels    = local.labels
  }

  spec {
    hard = local.hard
  }
}

resource "kubernetes_role_binding_v1" "team" {
  metadata {
    name      = "paved-team-${var.team_cluster_role}"
    namespace = kubernetes_namespace_v1.this.metadata[0].name
    labels    = local.labels
  }

  role_ref {
    api_group = "rbac.authorization.k8s.io"
    kind      = "ClusterRole"
    name      = var.team_cluster_role
  }

  subject {
    api_group = "rbac.authorization.k8s.io"
    kind      = "Group"
    name      = "${var.group_prefix}${local.team}"
  }
}
