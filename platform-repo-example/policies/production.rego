# Acme's rules for production changes.
#
# Input (from paved): input.request (metadata, spec: capability, environment, owner, parameters,
# deletionProtection), input.module, input.team (name, type, teamTopology, members),
# input.environment.
package paved.org.production

import rego.v1

is_production if input.request.spec.environment == "production"

# SRE reviews every production change, whatever the capability.
approvers contains "group:sre" if is_production

# Production databases and namespaces hold state that cannot be recreated from git.
stateful := {"database", "namespace"}

deny contains msg if {
	is_production
	input.request.spec.capability == "database"
	not input.request.spec.deletionProtection
	msg := sprintf(
		"%s: production databases must set spec.deletionProtection: true",
		[input.request.metadata.name],
	)
}

warn contains msg if {
	is_production
	input.request.spec.capability in stateful
	input.request.spec.capability != "database"
	not input.request.spec.deletionProtection
	msg := sprintf(
		"%s: consider spec.deletionProtection: true for a production %s",
		[input.request.metadata.name, input.request.spec.capability],
	)
}

# A team nobody is in cannot be paged, so it cannot own anything in production.
team_members := object.get(input.team, "members", [])

deny contains msg if {
	is_production
	count(team_members) == 0
	msg := sprintf(
		"group:%s has no members: add people to the team before it owns production resources",
		[input.team.name],
	)
}

warn contains msg if {
	not is_production
	count(team_members) == 0
	msg := sprintf("group:%s has no members yet; nobody will be notified about %s", [input.team.name, input.request.metadata.name])
}

# Enabling teams coach; they do not run production infrastructure.
deny contains msg if {
	is_production
	input.team.teamTopology == "enabling"
	msg := sprintf(
		"group:%s is an enabling team; production resources belong to the stream-aligned or platform team that runs them",
		[input.team.name],
	)
}
