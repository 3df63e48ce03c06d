output "path" {
  description = "Name (path) of the secret in the secret store."
  value       = aws_secretsmanager_secret.this.name
}

output "recipients" {
  description = "Groups that may read the secret."
  value       = local.recipient_groups
}
