# Policy for the feature-flag capability (flagd flag definitions).
#
# Input: input.request (metadata.name, spec.capability, spec.environment, spec.owner,
# spec.parameters, spec.deletionProtection), input.team (name, type, members), input.environment
# and, on the terraform backend, input.plan (`terraform show -json` of the rendered root module).
# Results: deny (messages that block), warn (messages that do not), approvers (group references
# whose approval the request needs).
package paved.module.feature_flag

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

key := string_param("key", "")

variants_param := object.get(params, "variants", {})

variants := variants_param if {
	is_object(variants_param)
} else := {}

default_variant := string_param("defaultVariant", "")

variant_types := {type_name(v) | some v in variants}

# Flag keys share one namespace in flagd: a key that starts with the team's name cannot collide.
team_prefixed if startswith(key, concat("", [owner_name, "-"]))

max_safe_integer := 9007199254740991

deny contains "variants is not a map of variant name to value" if {
	not is_object(variants_param)
}

deny contains "variants is empty; a flag needs at least one variant" if {
	is_object(variants_param)
	count(variants) == 0
}

deny contains msg if {
	count(variants) > 0
	not default_variant in object.keys(variants)
	msg := sprintf("defaultVariant %q is not one of the variants (%v)", [default_variant, concat(", ", sort(object.keys(variants)))])
}

deny contains msg if {
	count(variant_types) > 1
	msg := sprintf("variants mix value types (%v); flagd requires one type per flag", [concat(", ", sort(variant_types))])
}

deny contains msg if {
	some name, v in variants
	type_name(v) in {"array", "null"}
	msg := sprintf("variant %q is %v; variants are booleans, strings, numbers or objects", [name, type_name(v)])
}

deny contains msg if {
	some name, v in variants
	is_number(v)
	abs(v) > max_safe_integer
	msg := sprintf("variant %q is outside the safe integer range of JSON numbers", [name])
}

warn contains "a production flag without a description: say what it controls and when it can be removed" if {
	production
	trim_space(string_param("description", "")) == ""
}

warn contains msg if {
	not production
	not team_prefixed
	msg := sprintf("flag keys share one namespace in flagd; %q could collide with another team's flag (prefix it with %v-)", [key, owner_name])
}

warn contains msg if {
	count(variants) > 10
	msg := sprintf("%v variants: a flag with this many is configuration, not a release toggle", [count(variants)])
}

# A production key outside the team's prefix could shadow another team's flag.
approvers contains "group:platform-core" if {
	production
	not team_prefixed
}
