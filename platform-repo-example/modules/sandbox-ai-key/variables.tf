# Request context, passed by paved for every capability.

variable "name" {
  description = "The request's metadata.name."
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

variable "model" {
  description = "The model the key may call."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9][A-Za-z0-9._:/@-]{0,127}$", var.model))
    error_message = "model is a model identifier: letters, digits and . _ : / @ -, at most 128 characters."
  }
}

variable "monthlyBudgetUsd" {
  description = "Spend per calendar month, in USD."
  type        = number
  default     = 50

  validation {
    condition     = var.monthlyBudgetUsd == floor(var.monthlyBudgetUsd) && var.monthlyBudgetUsd >= 1 && var.monthlyBudgetUsd <= 500
    error_message = "monthlyBudgetUsd must be an integer from 1 to 500."
  }
}

variable "expiresInDays" {
  description = "Days until the key expires."
  type        = number
  default     = 30

  validation {
    condition     = var.expiresInDays == floor(var.expiresInDays) && var.expiresInDays >= 1 && var.expiresInDays <= 90
    error_message = "expiresInDays must be an integer from 1 to 90."
  }
}

# Platform wiring: set by the platform's backend configuration, never by a request.

variable "kms_key_id" {
  description = "KMS key that encrypts the key record. Null: the account's aws/secretsmanager key."
  type        = string
  default     = null
}

variable "gateway_secret_prefix" {
  description = "Secrets Manager path under which the GenAI gateway looks up its keys."
  type        = string
  default     = "paved/genai-gateway/keys"
}
