# Request context, passed by paved for every capability.

variable "name" {
  description = "The request's metadata.name; with the team, names the namespace."
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

variable "cpu" {
  description = "CPU quota, cores or millicores."
  type        = string
  default     = "2"

  validation {
    condition     = can(regex("^[0-9]+(m)?$", var.cpu))
    error_message = "cpu is a whole number of cores (\"2\") or millicores (\"500m\")."
  }
}

variable "memory" {
  description = "Memory quota."
  type        = string
  default     = "4Gi"

  validation {
    condition     = can(regex("^[0-9]+(Mi|Gi)$", var.memory))
    error_message = "memory is a whole number of Mi or Gi (\"512Mi\", \"4Gi\")."
  }
}

variable "pods" {
  description = "Maximum number of pods."
  type        = number
  default     = 50

  validation {
    condition     = var.pods == floor(var.pods) && var.pods >= 1 && var.pods <= 500
    error_message = "pods must be an integer from 1 to 500."
  }
}

# Platform wiring: set by the platform's backend configuration, never by a request.

variable "group_prefix" {
  description = "Prefix of team group names as the cluster's OIDC authenticator presents them (e.g. \"oidc:\")."
  type        = string
  default     = ""
}

variable "team_cluster_role" {
  description = "ClusterRole granted to the team inside its namespace."
  type        = string
  default     = "edit"
}
