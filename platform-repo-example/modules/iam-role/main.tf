locals {
  team = replace(lower(var.team), "/^group:([a-z0-9_.-]+\\/)?/", "")

  service_account = replace(var.service, "/^(component:)?([a-z0-9_.-]+\\/)?/", "")
  k8s_namespace   = coalesce(var.kubernetes_namespace, local.team)

  # IAM role names: at most 64 of [A-Za-z0-9+=,.@_-].
  role_name = substr(replace("paved-${local.team}-${var.name}-${var.environment}", "/[^A-Za-z0-9+=,.@_-]+/", "-"), 0, 64)

  managed_policy_re = "^arn:[a-z-]+:iam::(aws|[0-9]{12}):policy/"

  managed_policies = toset([for p in var.policies : trimspace(p) if can(regex(local.managed_policy_re, trimspace(p)))])

  # "<action>[,<action>...] on <resource>" -> one Allow statement each.
  statements = [for p in var.policies : {
    actions  = [for a in split(",", trimspace(regex("^\\s*(.+?)\\s+on\\s+(\\S+)\\s*$", p)[0])) : trimspace(a)]
    resource = regex("^\\s*(.+?)\\s+on\\s+(\\S+)\\s*$", p)[1]
  } if !can(regex(local.managed_policy_re, trimspace(p)))]

  tags = {
    "paved.dev/capability"  = "iam-role"
    "paved.dev/request"     = var.name
    "paved.dev/team"        = local.team
    "paved.dev/environment" = var.environment
    "paved.dev/service"     = local.service_account
    "managed-by"            = "paved"
  }
}

# Only the service's own service account, in its namespace, may assume the role (EKS Pod Identity
# tags every session with the pod's namespace and service account).
data "aws_iam_policy_document" "trust" {
  statement {
    sid     = "ServiceAccountOnly"
    effect  = "Allow"
    actions = ["sts:AssumeRole", "sts:TagSession"]

    principals {
      type        = "Service"
      identifiers = ["pods.eks.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:RequestTag/kubernetes-service-account"
      values   = [local.service_account]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:RequestTag/kubernetes-namespace"
      values   = [local.k8s_namespace]
    }
  }
}

resource "aws_iam_role" "this" {
  name                 = local.role_name
  path                 = "/paved/${local.team}/"
  description          = "paved: ${local.service_account} (${local.team}, ${var.environment})"
  assume_role_policy   = data.aws_iam_policy_document.trust.json
  max_session_duration = var.maxSessionHours * 3600
  permissions_boundary = var.permissions_boundary_arn
  tags                 = local.tags
}

resource "aws_iam_role_policy" "statements" {
  count = length(local.statements) > 0 ? 1 : 0

  name = "paved-statements"
  role = aws_iam_role.this.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [for i, s in local.statements : {
      Sid      = "Paved${i}"
      Effect   = "Allow"
      Action   = s.actions
      Resource = s.resource
    }]
  })

  lifecycle {
    precondition {
      condition     = alltrue([for s in local.statements : s.resource != "*" && alltrue([for a in s.actions : a != "*" && !endswith(a, ":*")])])
      error_message = "A paved role grants named actions on named resources: no \"*\" action, no service:* action, no \"*\" resource."
    }
  }
}

resource "aws_iam_role_policy_attachment" "managed" {
  for_each = local.managed_policies

  role       = aws_iam_role.this.name
  policy_arn = each.value
}

resource "aws_eks_pod_identity_association" "this" {
  count = var.eks_cluster_name == null ? 0 : 1

  cluster_name    = var.eks_cluster_name
  namespace       = local.k8s_namespace
  service_account = local.service_account
  role_arn        = aws_iam_role.this.arn
  tags            = local.tags
}
