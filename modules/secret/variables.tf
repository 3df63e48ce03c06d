# Request context, passed by paved for every capability.

variable "name" {
  description = "The request's metadata.name; the last segment of the secret path."
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

variable "description" {
  description = "What the secret is for."
  type        = string

  validation {
    condition     = length(trimspace(var.description)) >= 1 && length(var.description) <= 2048
    error_message = "description must be 1 to 2048 characters."
  }
}

variable "recipients" {
  description = "Groups that may read the secret (group:<name> or group:<namespace>/<name>)."
  type        = list(string)

  validation {
    condition     = length(var.recipients) >= 1
    error_message = "recipients must name at least one group."
  }

  validation {
    condition     = alltrue([for r in var.recipients : can(regex("^(group:)?([a-z0-9][a-z0-9_.-]*\\/)?[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$", r))])
    error_message = "every recipient is a group reference such as group:payments."
  }
}

# Platform wiring: set by the platform's backend configuration, never by a request.

variable "kms_key_id" {
  description = "KMS key that encrypts the secret. Null: the account's aws/secretsmanager key."
  type        = string
  default     = null
}

variable "team_tag_key" {
  description = "Principal tag that carries a caller's team name (set by the identity provider on role sessions)."
  type        = string
  default     = "paved.dev/team"
}

variable "recovery_window_in_days" {
  description = "Days a deleted secret stays recoverable. Null: 30 in production, 7 elsewhere."
  type        = number
  default     = null
}
