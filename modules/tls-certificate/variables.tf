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

variable "commonName" {
  description = "Subject common name."
  type        = string

  validation {
    condition     = length(var.commonName) >= 1 && length(var.commonName) <= 64
    error_message = "commonName must be 1 to 64 characters (the X.509 upper bound)."
  }
}

variable "dnsNames" {
  description = "Subject alternative DNS names."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for n in var.dnsNames : can(regex("^(\\*\\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$", n))])
    error_message = "every DNS name is a lower-case host name; a wildcard only as the whole first label (*.example.internal)."
  }
}

variable "validityDays" {
  description = "Days the certificate is valid."
  type        = number
  default     = 90

  validation {
    condition     = var.validityDays == floor(var.validityDays) && var.validityDays >= 1 && var.validityDays <= 397
    error_message = "validityDays must be an integer from 1 to 397."
  }
}

# Platform wiring: set by the platform's backend configuration, never by a request.

variable "ca_cert_pem" {
  description = "PEM certificate of the internal CA that signs. Null: an ephemeral CA is made (not allowed in production)."
  type        = string
  default     = null
}

variable "ca_private_key_pem" {
  description = "PEM private key of the internal CA. Null together with ca_cert_pem."
  type        = string
  default     = null
  sensitive   = true
}

variable "early_renewal_days" {
  description = "Re-issue the certificate when fewer than this many days of validity remain."
  type        = number
  default     = 30
}
