# Policy for the secret capability.
#
# Input: input.request (metadata.name, spec.capability, spec.environment, spec.owner,
# spec.parameters, spec.deletionProtection), input.team (name, type, members), input.environment
# and, on the terraform backend, input.plan (`terraform show -json` of the rendered root module).
# Results: deny (messages that block), warn (messages that do not), approvers (group references
# whose approval the request needs).
package paved.module.secret

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

recipients := strings_param("recipients")

# A recipient reference reduced to the group name: group:default/payments -> payments.
group_name(ref) := lower(parts[count(parts) - 1]) if {
	parts := split(trim_prefix(ref, "group:"), "/")
}

recipient_groups := {group_name(r) | some r in recipients}

deny contains msg if {
	some r in recipients
	not startswith(r, "group:")
	msg := sprintf("recipient %q is not a group reference; secrets are shared with teams (group:<name>), never with one person", [r])
}

deny contains msg if {
	some r in recipients
	group_name(r) in {"everyone", "all", "all-users", "authenticated"}
	msg := sprintf("recipient %q would share the secret with the whole organisation", [r])
}

deny contains "recipients is empty; name the groups that may read the secret" if {
	count(recipients) == 0
}

deny contains "description is empty; say what the secret is for so whoever rotates it knows its blast radius" if {
	trim_space(string_param("description", "")) == ""
}

deny contains msg if {
	some rc in plan_changes
	rc.type == "aws_secretsmanager_secret_version"
	msg := sprintf("the plan writes a secret value (%v): values are set by recipients, never through Terraform state", [rc.address])
}

deny contains msg if {
	production
	some rc in plan_changes
	rc.type == "aws_secretsmanager_secret"
	"delete" in actions(rc)
	msg := sprintf("the plan deletes production secret %v; services that read it will fail", [rc.address])
}

warn contains msg if {
	owner_name != ""
	count(recipients) > 0
	not owner_name in recipient_groups
	msg := sprintf("the owning team %v is not among the recipients, so it cannot read or rotate its own secret", [owner_name])
}

warn contains msg if {
	count(recipient_groups) > 5
	msg := sprintf("%v recipient groups: a secret shared this widely is hard to rotate; consider one secret per consumer", [count(recipient_groups)])
}

# Sharing a production secret with another team crosses a trust boundary.
approvers contains "group:security" if {
	production
	some g in recipient_groups
	g != owner_name
}
