output "host" {
  description = "Hostname of the instance endpoint."
  value       = aws_db_instance.this.address
}

output "port" {
  description = "TCP port PostgreSQL listens on."
  value       = aws_db_instance.this.port
}

output "database" {
  description = "Name of the database created for the request."
  value       = aws_db_instance.this.db_name
}

output "username" {
  description = "The database owner role."
  value       = aws_db_instance.this.username
}

output "password" {
  description = "Password of the owner role."
  value       = random_password.owner.result
  sensitive   = true
}

output "connectionString" {
  description = "libpq URL with TLS required."
  value       = "postgresql://${aws_db_instance.this.username}:${random_password.owner.result}@${aws_db_instance.this.address}:${aws_db_instance.this.port}/${aws_db_instance.this.db_name}?sslmode=require"
  sensitive   = true
}
