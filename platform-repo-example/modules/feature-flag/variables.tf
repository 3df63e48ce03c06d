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

variable "key" {
  description = "The flag key."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,62}$", var.key))
    error_message = "key must start with a lower-case letter, then 1 to 62 lower-case letters, digits or hyphens."
  }
}

variable "variants" {
  description = "Variant name to value, all values of one type."
  # Values may be booleans, strings, numbers or objects, so the type is left open and checked here.
  type = any

  validation {
    condition     = can(keys(var.variants)) && length(keys(var.variants)) >= 1
    error_message = "variants must be a map with at least one variant."
  }

  # The first character of a value's JSON encoding tells its JSON type: " string, { object,
  # [ array, t/f boolean, n null, anything else a number.
  validation {
    condition     = can(keys(var.variants)) && length(distinct([for v in values(var.variants) : lookup({ "\"" = "string", "{" = "object", "[" = "array", "t" = "boolean", "f" = "boolean", "n" = "null" }, substr(jsonencode(v), 0, 1), "number")])) <= 1
    error_message = "every variant's value has the same type (flagd rejects mixed variant types)."
  }

  validation {
    condition     = can(keys(var.variants)) && alltrue([for v in values(var.variants) : !contains(["[", "n"], substr(jsonencode(v), 0, 1))])
    error_message = "variant values are booleans, strings, numbers or objects; flagd has no array or null variants."
  }
}

variable "defaultVariant" {
  description = "The variant served when no targeting rule matches."
  type        = string
}

variable "description" {
  description = "What the flag controls and when it can be removed."
  type        = string
  default     = ""
}

# Platform wiring: set by the platform's backend configuration, never by a request.

variable "kubernetes_namespace" {
  description = "Namespace of the flagd deployment that serves the flags."
  type        = string
  default     = "flagd"
}

variable "flagd_mount_path" {
  description = "Directory where flagd sees the flag ConfigMaps (a projected volume of every paved flag ConfigMap)."
  type        = string
  default     = "/etc/flagd"
}
