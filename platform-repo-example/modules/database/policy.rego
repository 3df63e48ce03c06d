# Policy for the database capability.
#
# Input: input.request (metadata.name, spec.capability, spec.environment, spec.owner,
# spec.parameters, spec.deletionProtection), input.team (name, type, members), input.environment
# and, on the terraform backend, input.plan (`terraform show -json` of the rendered root module).
# Results: deny (messages that block), warn (messages that do not), approvers (group references
# whose approval the request needs).
package paved.module.database

import rego.v1

# Inputs are read defensively. paved validates parameters against module.yaml before policies
# run, but a policy must still answer rather than fail on odd input: an engine such as regorus
# stops the whole evaluation on a builtin's type error.
params := p if {
	p := input.request.spec.parameters
	is_object(p)
} else := {}

production if input.request.spec.environment == "production"

# A parameter of the type module.yaml declares, or the fallback (the module default).
string_param(name, fallback) := v if {
	v := params[name]
	is_string(v)
} else := fallback

number_param(name, fallback) := v if {
	v := params[name]
	is_number(v)
} else := fallback

boolean_param(name, fallback) := v if {
	v := params[name]
	is_boolean(v)
} else := fallback

# The string items of an array parameter.
strings_param(name) := [s | some s in v; is_string(s)] if {
	v := params[name]
	is_array(v)
} else := []

# The owning group's name: group:default/payments -> payments.
owner_name := lower(parts[count(parts) - 1]) if {
	owner := input.request.spec.owner
	is_string(owner)
	parts := split(trim_prefix(owner, "group:"), "/")
} else := ""

# resource_changes of `terraform show -json`, on the terraform backend only.
plan_changes := [rc | some rc in rcs; is_object(rc)] if {
	rcs := input.plan.resource_changes
	is_array(rcs)
} else := []

# The actions planned for a resource change (["create"], ["delete", "create"], ...).
actions(rc) := a if {
	a := rc.change.actions
	is_array(a)
} else := []

db_instances contains rc if {
	some rc in plan_changes
	rc.type == "aws_db_instance"
}

deny contains "a production database cannot be publicly accessible: set publiclyAccessible: false and reach it through the private network" if {
	production
	boolean_param("publiclyAccessible", false) == true
}

deny contains msg if {
	production
	days := number_param("backupRetentionDays", 7)
	days < 7
	msg := sprintf("backupRetentionDays is %v; a production database keeps at least 7 days of backups", [days])
}

deny contains msg if {
	production
	some rc in db_instances
	"delete" in actions(rc)
	msg := sprintf("the plan destroys production database %v (actions: %v); undo the change that forces a replacement, or retire the database through a reviewed manual procedure after a final snapshot", [rc.address, concat(", ", [a | some a in actions(rc); is_string(a)])])
}

deny contains msg if {
	some rc in db_instances
	rc.change.after.storage_encrypted == false
	msg := sprintf("the plan leaves %v unencrypted at rest", [rc.address])
}

deny contains msg if {
	production
	some rc in db_instances
	rc.change.after.publicly_accessible == true
	msg := sprintf("the plan makes production database %v publicly accessible", [rc.address])
}

warn contains msg if {
	some rc in db_instances
	"update" in actions(rc)
	before := rc.change.before.engine_version
	after := rc.change.after.engine_version
	is_string(before)
	is_string(after)
	before != after
	msg := sprintf("the plan upgrades %v from PostgreSQL %v to %v in place; run the upgrade in staging first and expect minutes of downtime", [rc.address, before, after])
}

warn contains "production database without deletionProtection: true; one deleted request file would destroy it" if {
	production
	not input.request.spec.deletionProtection == true
}

warn contains "PostgreSQL 15 leaves community support in November 2027; prefer version 16 or 17" if {
	string_param("version", "16") == "15"
}

warn contains "a publicly accessible database outside production is still reachable from the internet; prefer the private network" if {
	not production
	boolean_param("publiclyAccessible", false) == true
}

# More than 500 GiB is a cost decision.
approvers contains "group:finops" if {
	number_param("sizeGb", 20) > 500
}
