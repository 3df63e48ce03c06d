# Request context, passed by paved for every capability.

variable "name" {
  description = "The request's metadata.name; names the stream and its consumer."
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

variable "kind" {
  description = "Queue kind."
  type        = string
  default     = "stream"

  validation {
    condition     = contains(["stream"], var.kind)
    error_message = "kind must be stream."
  }
}

variable "subjects" {
  description = "NATS subjects the stream captures."
  type        = list(string)

  validation {
    condition     = length(var.subjects) >= 1
    error_message = "subjects must name at least one subject."
  }

  validation {
    condition     = alltrue([for s in var.subjects : can(regex("^(>|([^.\\s*>]+|\\*)(\\.([^.\\s*>]+|\\*))*(\\.>)?)$", s))])
    error_message = "every subject is dot-separated tokens without spaces; * matches one token and > the rest (last token only)."
  }
}

variable "retentionHours" {
  description = "Hours a message is kept in the stream."
  type        = number
  default     = 168

  validation {
    condition     = var.retentionHours == floor(var.retentionHours) && var.retentionHours >= 1 && var.retentionHours <= 8760
    error_message = "retentionHours must be an integer from 1 to 8760."
  }
}

variable "maxDeliver" {
  description = "Deliveries attempted before a message is given up on."
  type        = number
  default     = 5

  validation {
    condition     = var.maxDeliver == floor(var.maxDeliver) && var.maxDeliver >= 1 && var.maxDeliver <= 100
    error_message = "maxDeliver must be an integer from 1 to 100."
  }
}

variable "deadLetter" {
  description = "Keep messages that exhaust maxDeliver in a dead-letter stream."
  type        = bool
  default     = true
}

# Platform wiring: set by the platform's backend configuration, never by a request.

variable "kubernetes_namespace" {
  description = "Namespace where the NACK (JetStream controller) Stream and Consumer resources live."
  type        = string
  default     = "nats"
}

variable "nats_url" {
  description = "Client URL of the NATS cluster the JetStream controller manages."
  type        = string
  default     = "nats://nats.nats.svc.cluster.local:4222"
}

variable "replicas" {
  description = "Stream replicas. Null: 3 in production, 1 elsewhere."
  type        = number
  default     = null
}
