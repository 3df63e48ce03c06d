# The GenAI gateway authenticates callers against the key records under gateway_secret_prefix: it
# accepts a key only for its model, until expiresAt, and while the month's spend attributed to
# keyId stays under monthlyBudgetUsd.

locals {
  team = replace(lower(var.team), "/^group:([a-z0-9_.-]+\\/)?/", "")

  key_id = "sbx-${random_id.key.hex}"

  api_key = "sk-paved-${random_password.key.result}"

  tags = {
    "paved.dev/capability"  = "sandbox-ai-key"
    "paved.dev/request"     = var.name
    "paved.dev/team"        = local.team
    "paved.dev/environment" = var.environment
    "paved.dev/ai-key"      = local.key_id
    "paved.dev/model"       = var.model
    "paved.dev/budget-usd"  = tostring(var.monthlyBudgetUsd)
    "paved.dev/expires-at"  = time_offset.expiry.rfc3339
    "managed-by"            = "paved"
  }
}

resource "random_id" "key" {
  byte_length = 8

  # A key is bound to its model: a new model mints a new key and the old one stops working.
  keepers = {
    model = var.model
  }
}

resource "random_password" "key" {
  length  = 48
  special = false

  keepers = {
    key_id = random_id.key.hex
  }
}

# Fixed at creation: re-planning does not move the expiry. A new key id starts a new validity.
resource "time_offset" "expiry" {
  offset_days = var.expiresInDays

  triggers = {
    key_id = random_id.key.hex
  }
}

resource "aws_secretsmanager_secret" "key" {
  name                    = "${var.gateway_secret_prefix}/${local.team}/${var.name}"
  description             = "paved sandbox AI key ${local.key_id} for ${local.team} (${var.model}, ${var.monthlyBudgetUsd} USD/month)"
  kms_key_id              = var.kms_key_id
  recovery_window_in_days = 0
  tags                    = local.tags
}

resource "aws_secretsmanager_secret_version" "key" {
  secret_id = aws_secretsmanager_secret.key.id
  secret_string = jsonencode({
    keyId            = local.key_id
    apiKey           = local.api_key
    team             = local.team
    environment      = var.environment
    model            = var.model
    monthlyBudgetUsd = var.monthlyBudgetUsd
    expiresAt        = time_offset.expiry.rfc3339
  })

  lifecycle {
    precondition {
      condition     = !(var.environment == "production" && var.expiresInDays > 30)
      error_message = "A production sandbox AI key expires within 30 days."
    }
  }
}
