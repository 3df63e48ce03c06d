# Request context, passed by paved for every capability.
#
# This module has a parameter called `name` (the record label), which takes the place of the
# request-name variable: the request's metadata.name is not needed to name a DNS record.

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

variable "zone" {
  description = "The zone the record lives in."
  type        = string
  default     = "acme.internal"

  validation {
    condition     = can(regex("^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$", var.zone)) && length(var.zone) <= 253
    error_message = "zone must be a DNS name such as acme.internal."
  }
}

variable "name" {
  description = "The record's label inside the zone (parameter `name`)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$", var.name))
    error_message = "name must be one DNS label: lower-case letters, digits and inner hyphens, at most 63 characters."
  }
}

variable "type" {
  description = "Record type."
  type        = string
  default     = "A"

  validation {
    condition     = contains(["A", "AAAA", "CNAME", "TXT"], var.type)
    error_message = "type must be A, AAAA, CNAME or TXT."
  }
}

variable "value" {
  description = "The record data."
  type        = string

  validation {
    condition     = length(var.value) >= 1
    error_message = "value must not be empty."
  }
}

variable "ttl" {
  description = "Time to live in seconds."
  type        = number
  default     = 300

  validation {
    condition     = var.ttl == floor(var.ttl) && var.ttl >= 60 && var.ttl <= 86400
    error_message = "ttl must be an integer from 60 to 86400."
  }
}

# Platform wiring: set by the platform's backend configuration, never by a request.

variable "private_zone" {
  description = "Whether the zone is a Route 53 private hosted zone. Null: true for zones ending in .internal."
  type        = bool
  default     = null
}
