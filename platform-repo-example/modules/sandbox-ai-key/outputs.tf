output "keyId" {
  description = "Public identifier of the key (the gateway's spend is reported per key id)."
  value       = local.key_id
  depends_on  = [aws_secretsmanager_secret_version.key]
}

output "apiKey" {
  description = "The key itself; send it as the gateway's bearer token."
  value       = local.api_key
  sensitive   = true
  depends_on  = [aws_secretsmanager_secret_version.key]
}

output "expiresAt" {
  description = "Expiry, RFC 3339."
  value       = time_offset.expiry.rfc3339
}
