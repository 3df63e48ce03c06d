output "roleArn" {
  description = "ARN of the role."
  value       = aws_iam_role.this.arn
}

output "roleName" {
  description = "Name of the role."
  value       = aws_iam_role.this.name
}
