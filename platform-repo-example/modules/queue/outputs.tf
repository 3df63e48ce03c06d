output "stream" {
  description = "JetStream stream name."
  value       = local.stream
  depends_on  = [kubernetes_manifest.stream]
}

output "consumer" {
  description = "Durable pull consumer name."
  value       = local.consumer
  depends_on  = [kubernetes_manifest.consumer]
}

output "deadLetterStream" {
  description = "Dead-letter stream name; empty when deadLetter is false."
  value       = var.deadLetter ? local.dead_letter : ""
  depends_on  = [kubernetes_manifest.dead_letter]
}

output "url" {
  description = "NATS client URL."
  value       = var.nats_url
}
