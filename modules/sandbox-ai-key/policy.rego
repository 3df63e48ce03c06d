# Policy for the sandbox-ai-key capability (budgeted GenAI gateway keys).
#
# Input: input.request (metadata.name, spec.capability, spec.environment, spec.owner,
# spec.parameters, spec.deletionProtection), input.team (name, type, members), input.environment
# and, on the terraform backend, input.plan (`terraform show -json` of the rendered root module).
# Results: deny (messages that block), warn (messages that do not), approvers (group references
# whose approval the request needs).
package paved.module.sandbox_ai_key

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

budget := number_param("monthlyBudgetUsd", 50)

expires_in_days := number_param("expiresInDays", 30)

model := string_param("model", "")

members := m if {
	m := input.team.members
	is_array(m)
} else := []

deny contains msg if {
	production
	expires_in_days > 30
	msg := sprintf("expiresInDays is %v; a production sandbox key expires within 30 days, then is requested again", [expires_in_days])
}

deny contains "model is empty; name the one model the key may call" if {
	trim_space(model) == ""
}

deny contains msg if {
	contains(model, "*")
	msg := sprintf("model %q is a pattern; a key is bound to exactly one model", [model])
}

deny contains msg if {
	some rc in plan_changes
	rc.type == "time_offset"
	days := rc.change.after.offset_days
	is_number(days)
	days > 90
	msg := sprintf("the plan sets %v to %v days; sandbox keys live at most 90 days", [rc.address, days])
}

warn contains "the owning team has no members: nobody will be told when the key nears its budget or expiry" if {
	count(members) == 0
}

warn contains msg if {
	not production
	expires_in_days > 30
	msg := sprintf("expiresInDays is %v; a sandbox key rarely needs more than 30", [expires_in_days])
}

# Spend above 200 USD a month is a cost decision.
approvers contains "group:finops" if {
	budget > 200
}
