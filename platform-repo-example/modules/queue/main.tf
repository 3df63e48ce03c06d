# JetStream resources are declared as NACK custom resources (jetstream.nats.io/v1beta2), which the
# NATS JetStream controller reconciles into the cluster's JetStream.

locals {
  team = replace(lower(var.team), "/^group:([a-z0-9_.-]+\\/)?/", "")

  # Stream and consumer names: no spaces, dots, * or >. Upper case keeps them apart from subjects.
  base        = upper(trim(replace("${local.team}_${var.name}_${var.environment}", "/[^A-Za-z0-9_-]+/", "_"), "_"))
  stream      = local.base
  consumer    = "${local.base}_WORKER"
  dead_letter = "${local.base}_DLQ"

  # Kubernetes object names for the custom resources.
  object_name = trim(substr(replace(lower("${local.team}-${var.name}-${var.environment}"), "/[^a-z0-9]+/", "-"), 0, 55), "-")

  replicas = coalesce(var.replicas, var.environment == "production" ? 3 : 1)

  labels = {
    "app.kubernetes.io/managed-by" = "paved"
    "paved.dev/capability"         = "queue"
    "paved.dev/request"            = trim(substr(replace(lower(var.name), "/[^a-z0-9.-]+/", "-"), 0, 63), "-.")
    "paved.dev/team"               = local.team
    "paved.dev/environment"        = var.environment
  }
}

resource "kubernetes_manifest" "stream" {
  manifest = {
    apiVersion = "jetstream.nats.io/v1beta2"
    kind       = "Stream"
    metadata = {
      name      = local.object_name
      namespace = var.kubernetes_namespace
      labels    = local.labels
    }
    spec = {
      name        = local.stream
      description = "paved queue ${local.team}/${var.name} (${var.environment})"
      subjects    = var.subjects
      storage     = "file"
      retention   = "limits"
      maxAge      = "${var.retentionHours}h"
      replicas    = local.replicas
      discard     = "old"
    }
  }
}

resource "kubernetes_manifest" "consumer" {
  manifest = {
    apiVersion = "jetstream.nats.io/v1beta2"
    kind       = "Consumer"
    metadata = {
      name      = "${local.object_name}-worker"
      namespace = var.kubernetes_namespace
      labels    = local.labels
    }
    spec = {
      streamName    = local.stream
      durableName   = local.consumer
      description   = "paved queue ${local.team}/${var.name}: durable pull consumer"
      deliverPolicy = "all"
      ackPolicy     = "explicit"
      ackWait       = "30s"
      maxDeliver    = var.maxDeliver
      maxAckPending = 1000
    }
  }

  depends_on = [kubernetes_manifest.stream]
}

# JetStream publishes an advisory when a message exhausts maxDeliver; the dead-letter stream keeps
# those advisories (they carry the stream sequence of the failed message) for inspection and replay.
resource "kubernetes_manifest" "dead_letter" {
  count = var.deadLetter ? 1 : 0

  manifest = {
    apiVersion = "jetstream.nats.io/v1beta2"
    kind       = "Stream"
    metadata = {
      name      = "${local.object_name}-dlq"
      namespace = var.kubernetes_namespace
      labels    = local.labels
    }
    spec = {
      name        = local.dead_letter
      description = "paved queue ${local.team}/${var.name}: dead letters of ${local.consumer}"
      subjects = [
        "$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.${local.stream}.${local.consumer}",
        "$JS.EVENT.ADVISORY.CONSUMER.MSG_TERMINATED.${local.stream}.${local.consumer}",
      ]
      storage   = "file"
      retention = "limits"
      maxAge    = "${max(var.retentionHours, 336)}h"
      replicas  = local.replicas
      discard   = "old"
    }
  }
}
