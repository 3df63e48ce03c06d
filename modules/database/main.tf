locals {
  team = replace(lower(var.team), "/^group:([a-z0-9_.-]+\\/)?/", "")

  # RDS identifiers: letters, digits and hyphens, start with a letter, no "--", no trailing "-", <= 63.
  slug       = trim(replace(lower("${local.team}-${var.name}"), "/[^a-z0-9]+/", "-"), "-")
  identifier = trim(substr("pg-${local.slug}-${var.environment}", 0, 63), "-")

  # PostgreSQL identifiers for the database and its owner role; RDS wants a leading letter.
  db_base  = trim(replace(lower(var.name), "/[^a-z0-9]+/", "_"), "_")
  db_name  = substr(can(regex("^[a-z]", local.db_base)) ? local.db_base : "db_${local.db_base}", 0, 50)
  username = "${local.db_name}_owner"

  production          = var.environment == "production"
  deletion_protection = coalesce(var.deletion_protection, local.production)

  instance_class = coalesce(var.instance_class, lookup({
    development = "db.t4g.micro"
    staging     = "db.t4g.small"
    production  = "db.m7g.large"
  }, var.environment))

  tags = {
    "paved.dev/capability"  = "database"
    "paved.dev/request"     = var.name
    "paved.dev/team"        = local.team
    "paved.dev/environment" = var.environment
    "managed-by"            = "paved"
  }
}

resource "random_password" "owner" {
  length  = 32
  special = false # the password goes into a connection URL unescaped
}

resource "aws_db_subnet_group" "this" {
  count = length(var.subnet_ids) > 0 ? 1 : 0

  name        = local.identifier
  description = "paved database ${local.team}/${var.name} (${var.environment})"
  subnet_ids  = var.subnet_ids
  tags        = local.tags
}

resource "aws_db_parameter_group" "this" {
  # A new major version needs a new family, hence a new group created before the old one goes.
  name_prefix = "${local.identifier}-"
  family      = "postgres${var.engineVersion}"
  description = "paved database ${local.team}/${var.name}: TLS only, slow-query logging"
  tags        = local.tags

  parameter {
    name  = "rds.force_ssl"
    value = "1"
  }

  parameter {
    name  = "log_min_duration_statement"
    value = "500"
  }

  parameter {
    name  = "log_connections"
    value = "1"
  }

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_db_instance" "this" {
  identifier     = local.identifier
  engine         = var.engine
  engine_version = var.engineVersion
  instance_class = local.instance_class

  db_name  = local.db_name
  username = local.username
  password = random_password.owner.result
  port     = 5432

  allocated_storage     = var.sizeGb
  max_allocated_storage = var.sizeGb * 2
  storage_type          = "gp3"
  storage_encrypted     = true

  db_subnet_group_name   = length(var.subnet_ids) > 0 ? aws_db_subnet_group.this[0].name : null
  vpc_security_group_ids = length(var.vpc_security_group_ids) > 0 ? var.vpc_security_group_ids : null
  parameter_group_name   = aws_db_parameter_group.this.name
  publicly_accessible    = var.publiclyAccessible
  multi_az               = local.production

  backup_retention_period   = var.backupRetentionDays
  copy_tags_to_snapshot     = true
  deletion_protection       = local.deletion_protection
  skip_final_snapshot       = !local.production
  final_snapshot_identifier = local.production ? "${local.identifier}-final" : null

  auto_minor_version_upgrade      = true
  allow_major_version_upgrade     = true
  apply_immediately               = !local.production
  enabled_cloudwatch_logs_exports = ["postgresql"]

  tags = local.tags

  lifecycle {
    precondition {
      condition     = !(local.production && var.publiclyAccessible)
      error_message = "A production database cannot be publicly accessible."
    }
    precondition {
      condition     = !(local.production && var.backupRetentionDays < 7)
      error_message = "A production database keeps at least 7 days of backups."
    }
  }
}
