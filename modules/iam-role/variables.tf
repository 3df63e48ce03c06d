# Request context, passed by paved for every capability.

variable "name" {
  description = "The request's metadata.name; with the team, names the role."
  type        = string

  validation {
    condition     = length(var.name) >= 1 && length(var.name) <= 63
    error_message = "name must be 1 to 63 characters."
  }
}

variable "team" {
  description = "The owning team (the request's spec.owner), e.g. group:payments or payments."
  type        = string

  validation {
    condition     = length(var.team) >= 1
    error_message = "team must not be empty."
  }
}

variable "environment" {
  description = "The request's spec.environment."
  type        = string

  validation {
    condition     = contains(["development", "staging", "production"], var.environment)
    error_message = "environment must be development, staging or production."
  }
}

# Parameters, one per module.yaml parameter (same names).

variable "service" {
  description = "The catalog component that assumes the role (orders-api or component:default/orders-api)."
  type        = string

  validation {
    condition     = can(regex("^(component:)?([a-z0-9][a-z0-9_.-]*\\/)?[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$", var.service))
    error_message = "service is a component name that is also a Kubernetes service account name (lower case, digits, inner hyphens)."
  }
}

variable "policies" {
  description = "Managed policy ARNs, or statements \"<action>[,<action>...] on <resource ARN>\"."
  type        = list(string)

  validation {
    condition     = length(var.policies) >= 1
    error_message = "policies must grant at least one permission."
  }

  validation {
    condition = alltrue([for p in var.policies : can(regex(
      "^\\s*(arn:[a-z-]+:iam::(aws|[0-9]{12}):policy/\\S+|(\\*|[a-zA-Z0-9-]+:[a-zA-Z0-9*]+)(\\s*,\\s*(\\*|[a-zA-Z0-9-]+:[a-zA-Z0-9*]+))*\\s+on\\s+\\S+)\\s*$",
      p
    ))])
    error_message = "every policy is a managed policy ARN or \"<action>[,<action>...] on <resource ARN>\"."
  }
}

variable "maxSessionHours" {
  description = "Longest session, in hours."
  type        = number
  default     = 1

  validation {
    condition     = var.maxSessionHours == floor(var.maxSessionHours) && var.maxSessionHours >= 1 && var.maxSessionHours <= 12
    error_message = "maxSessionHours must be an integer from 1 to 12."
  }
}

# Platform wiring: set by the platform's backend configuration, never by a request.

variable "kubernetes_namespace" {
  description = "Namespace of the service's service account. Null: the team name."
  type        = string
  default     = null
}

variable "eks_cluster_name" {
  description = "EKS cluster to associate the role with (Pod Identity). Null: no association is made."
  type        = string
  default     = null
}

variable "permissions_boundary_arn" {
  description = "Permissions boundary every paved role carries. Null: none."
  type        = string
  default     = null
}
