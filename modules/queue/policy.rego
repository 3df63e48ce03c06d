# Policy for the queue capability (NATS JetStream stream, durable consumer, dead-letter stream).
#
# Input: input.request (metadata.name, spec.capability, spec.environment, spec.owner,
# spec.parameters, spec.deletionProtection), input.team (name, type, members), input.environment
# and, on the terraform backend, input.plan (`terraform show -json` of the rendered root module).
# Results: deny (messages that block), warn (messages that do not), approvers (group references
# whose approval the request needs).
package paved.module.queue

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

subjects := strings_param("subjects")

deny contains "a stream that captures \">\" takes every message on the account; name the subjects this queue owns" if {
	">" in subjects
}

deny contains msg if {
	some s in subjects
	some reserved in ["$JS.", "$SYS.", "$KV.", "$O.", "_INBOX."]
	startswith(s, reserved)
	msg := sprintf("subject %q is reserved by NATS (%v*); choose an application subject", [s, reserved])
}

deny contains msg if {
	some s in subjects
	regex.match(`\s`, s)
	msg := sprintf("subject %q contains whitespace", [s])
}

deny contains msg if {
	some s in subjects
	tokens := split(s, ".")
	some k, token in tokens
	token == ">"
	k != count(tokens) - 1
	msg := sprintf("subject %q: the wildcard > may only be the last token", [s])
}

deny contains msg if {
	some s in subjects
	some token in split(s, ".")
	token == ""
	msg := sprintf("subject %q has an empty token (a leading, trailing or doubled dot)", [s])
}

deny contains msg if {
	some i, s in subjects
	some j, t in subjects
	i < j
	s == t
	msg := sprintf("subject %q is listed twice", [s])
}

deny contains msg if {
	production
	some rc in plan_changes
	rc.type == "kubernetes_manifest"
	"delete" in actions(rc)
	rc.change.before.manifest.kind == "Stream"
	msg := sprintf("the plan deletes production stream %v and every message in it", [rc.address])
}

warn contains "production queue without a dead-letter stream: messages that exhaust maxDeliver are dropped silently" if {
	production
	boolean_param("deadLetter", true) == false
}

warn contains "maxDeliver is 1: a message that fails once is never retried" if {
	number_param("maxDeliver", 5) == 1
}

# Keeping messages for more than 90 days is a storage-cost decision.
approvers contains "group:finops" if {
	number_param("retentionHours", 168) > 2160
}
