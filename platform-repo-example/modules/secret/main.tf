locals {
  team = replace(lower(var.team), "/^group:([a-z0-9_.-]+\\/)?/", "")

  # Group names of the recipients, without the kind and namespace.
  recipient_groups = distinct([for r in var.recipients : replace(r, "/^(group:)?([a-z0-9_.-]+\\/)?/", "")])

  path = "paved/${var.environment}/${local.team}/${var.name}"

  tags = {
    "paved.dev/capability"  = "secret"
    "paved.dev/request"     = var.name
    "paved.dev/team"        = local.team
    "paved.dev/environment" = var.environment
    "paved.dev/recipients"  = join(" ", local.recipient_groups)
    "managed-by"            = "paved"
  }
}

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

# Only the container: its value is put by a recipient (aws secretsmanager put-secret-value), so no
# secret value ever enters Terraform state, a plan, or the platform repo.
resource "aws_secretsmanager_secret" "this" {
  name                    = local.path
  description             = var.description
  kms_key_id              = var.kms_key_id
  recovery_window_in_days = coalesce(var.recovery_window_in_days, var.environment == "production" ? 30 : 7)
  tags                    = local.tags
}

# Attribute-based access: a principal of this account may read the value only while its session
# carries the team tag of one of the recipients. Everyone else is explicitly denied the value,
# account administrators included; a session without the tag is denied too.
data "aws_iam_policy_document" "access" {
  statement {
    sid       = "RecipientsRead"
    effect    = "Allow"
    actions   = ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = ["arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:PrincipalTag/${var.team_tag_key}"
      values   = local.recipient_groups
    }
  }

  statement {
    sid       = "OthersCannotRead"
    effect    = "Deny"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = ["*"]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "StringNotEquals"
      variable = "aws:PrincipalTag/${var.team_tag_key}"
      values   = local.recipient_groups
    }
  }
}

resource "aws_secretsmanager_secret_policy" "this" {
  secret_arn          = aws_secretsmanager_secret.this.arn
  policy              = data.aws_iam_policy_document.access.json
  block_public_policy = true
}
