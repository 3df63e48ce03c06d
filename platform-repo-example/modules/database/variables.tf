# Request context, passed by paved for every capability.

variable "name" {
  description = "The request's metadata.name; names every resource of this instance."
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

variable "engine" {
  description = "Database engine."
  type        = string
  default     = "postgres"

  validation {
    condition     = contains(["postgres"], var.engine)
    error_message = "engine must be postgres."
  }
}

# module.yaml parameter `version`. Terraform reserves the variable name "version"
# (it is a module-block meta-argument), so paved passes it as engineVersion.
variable "engineVersion" {
  description = "Major engine version (module.yaml parameter `version`)."
  type        = string
  default     = "16"

  validation {
    condition     = contains(["15", "16", "17"], var.engineVersion)
    error_message = "version must be one of 15, 16, 17."
  }
}

variable "sizeGb" {
  description = "Allocated storage in GiB."
  type        = number
  default     = 20

  validation {
    condition     = var.sizeGb == floor(var.sizeGb) && var.sizeGb >= 1 && var.sizeGb <= 1000
    error_message = "sizeGb must be an integer from 1 to 1000."
  }
}

variable "publiclyAccessible" {
  description = "Give the instance a public endpoint."
  type        = bool
  default     = false
}

variable "backupRetentionDays" {
  description = "Days of automated backups kept."
  type        = number
  default     = 7

  validation {
    condition     = var.backupRetentionDays == floor(var.backupRetentionDays) && var.backupRetentionDays >= 1 && var.backupRetentionDays <= 35
    error_message = "backupRetentionDays must be an integer from 1 to 35."
  }
}

# Platform wiring: set by the platform's backend configuration, never by a request.

variable "subnet_ids" {
  description = "Private subnets for the DB subnet group. Empty: the account's default subnet group."
  type        = list(string)
  default     = []
}

variable "vpc_security_group_ids" {
  description = "Security groups attached to the instance. Empty: the VPC's default security group."
  type        = list(string)
  default     = []
}

variable "instance_class" {
  description = "Instance class override. Null: chosen by environment."
  type        = string
  default     = null
}

variable "deletion_protection" {
  description = "The request's spec.deletionProtection. Null: on in production, off elsewhere."
  type        = bool
  default     = null
}
