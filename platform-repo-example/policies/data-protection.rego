# Acme's data-protection rules (GDPR, PCI-DSS), on top of the module policies: recoverable production data,
# least-privilege cloud access and secrets shared only with the teams that need them.
package paved.org.data_protection

import rego.v1

params := object.get(input.request.spec, "parameters", {})

is_production if input.request.spec.environment == "production"

# The database module already denies public production databases and keeps 7 days of backups.
# Acme's standard (GDPR erasure windows, PCI-DSS restore tests) is stricter: 14 days in production.
deny contains msg if {
	input.request.spec.capability == "database"
	is_production
	days := object.get(params, "backupRetentionDays", 7)
	days < 14
	msg := sprintf(
		"%s: Acme keeps at least 14 days of backups for production databases (requested %d)",
		[input.request.metadata.name, days],
	)
}

# The module denies public databases in production only. Staging holds copies of production data
# at Acme, so a public database is denied there too; development gets the module's warning.
deny contains msg if {
	input.request.spec.capability == "database"
	input.request.spec.environment in {"staging", "production"}
	object.get(params, "publiclyAccessible", false) == true
	msg := sprintf(
		"%s: no publicly accessible databases in %s; connect through the private network or the VPN",
		[input.request.metadata.name, input.request.spec.environment],
	)
}

# IAM: every statement names an action and a resource, and neither is a bare wildcard.
deny contains msg if {
	input.request.spec.capability == "iam-role"
	some statement in params.policies
	parts := split(statement, " ")
	some part in parts
	part == "*"
	msg := sprintf("%s: wildcard in IAM policy %q; name the actions and resources", [input.request.metadata.name, statement])
}

deny contains msg if {
	input.request.spec.capability == "iam-role"
	some statement in params.policies
	not startswith(statement, "arn:")
	count(split(statement, " on ")) != 2
	msg := sprintf("%s: IAM policy %q must be \"<action>[,<action>...] on <resource-arn>\" or a managed policy ARN", [input.request.metadata.name, statement])
}

warn contains msg if {
	input.request.spec.capability == "iam-role"
	is_production
	params.maxSessionHours > 8
	msg := sprintf("%s: sessions longer than 8 hours in production; is a job really running that long?", [input.request.metadata.name])
}

# Security reviews roles that can write to the lakehouse or to order data.
approvers contains "group:appsec" if {
	input.request.spec.capability == "iam-role"
	is_production
	some statement in params.policies
	startswith(statement, "s3:Put")
}

# Secrets: the owning team is always a recipient; sharing beyond it needs AppSec.
warn contains msg if {
	input.request.spec.capability == "secret"
	not input.request.spec.owner in params.recipients
	msg := sprintf("%s: the owning team %s is not among the recipients", [input.request.metadata.name, input.request.spec.owner])
}

approvers contains "group:appsec" if {
	input.request.spec.capability == "secret"
	some recipient in params.recipients
	not recipient in {input.request.spec.owner, "group:sre"}
}
