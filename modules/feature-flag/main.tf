locals {
  team = replace(lower(var.team), "/^group:([a-z0-9_.-]+\\/)?/", "")

  file_name = "${var.key}.flagd.json"

  # One flag in flagd's flag definition format (https://flagd.dev/schema/v0/flags.json).
  flag_definition = {
    "$schema" = "https://flagd.dev/schema/v0/flags.json"
    flags = {
      (var.key) = {
        state          = "ENABLED"
        variants       = var.variants
        defaultVariant = var.defaultVariant
        metadata = {
          description = var.description
          team        = local.team
          environment = var.environment
          request     = var.name
        }
      }
    }
  }

  labels = {
    "app.kubernetes.io/managed-by" = "paved"
    "paved.dev/capability"         = "feature-flag"
    "paved.dev/team"               = local.team
    "paved.dev/environment"        = var.environment
    "flagd.dev/flag-source"        = "true"
  }
}

resource "kubernetes_config_map_v1" "flag" {
  metadata {
    name      = "flag-${var.key}"
    namespace = var.kubernetes_namespace
    labels    = local.labels
  }

  data = {
    (local.file_name) = jsonencode(local.flag_definition)
  }

  lifecycle {
    precondition {
      condition     = contains(keys(var.variants), var.defaultVariant)
      error_message = "defaultVariant must name one of the variants."
    }
  }
}
