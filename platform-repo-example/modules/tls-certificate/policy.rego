# Policy for the tls-certificate capability.
#
# Input: input.request (metadata.name, spec.capability, spec.environment, spec.owner,
# spec.parameters, spec.deletionProtection), input.team (name, type, members), input.environment
# and, on the terraform backend, input.plan (`terraform show -json` of the rendered root module).
# Results: deny (messages that block), warn (messages that do not), approvers (group references
# whose approval the request needs).
package paved.module.tls_certificate

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

common_name := lower(string_param("commonName", ""))

validity_days := number_param("validityDays", 90)

names := {common_name} | {lower(n) | some n in strings_param("dnsNames")}

hostname_re := `^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`

deny contains msg if {
	validity_days > 397
	msg := sprintf("validityDays is %v; no certificate is valid for more than 397 days (CA/Browser Forum baseline requirements)", [validity_days])
}

deny contains msg if {
	some n in names
	not regex.match(hostname_re, n)
	msg := sprintf("%q is not a host name; a wildcard is allowed only as the whole first label (*.orders.acme.internal)", [n])
}

deny contains msg if {
	count(common_name) > 64
	msg := sprintf("commonName is %v characters; X.509 allows at most 64", [count(common_name)])
}

deny contains msg if {
	some n in names
	n in {"localhost", "localhost.localdomain"}
	msg := sprintf("%q names every machine; a certificate for it proves nothing", [n])
}

deny contains msg if {
	some n in names
	startswith(n, "*.")
	count(split(n, ".")) < 4
	msg := sprintf("wildcard %q covers a whole zone; a wildcard needs at least two labels after *.", [n])
}

deny contains msg if {
	some rc in plan_changes
	rc.type == "tls_private_key"
	rc.change.after.algorithm == "RSA"
	bits := rc.change.after.rsa_bits
	is_number(bits)
	bits < 2048
	msg := sprintf("%v is an RSA key of %v bits; at least 2048", [rc.address, bits])
}

warn contains msg if {
	validity_days > 90
	validity_days <= 397
	msg := sprintf("validityDays is %v; short-lived certificates (90 days or less) limit the damage of a leaked key, and paved renews them", [validity_days])
}

warn contains msg if {
	some n in names
	regex.match(hostname_re, n)
	n != "localhost"
	not endswith(n, ".internal")
	msg := sprintf("%q is not under .internal: the internal CA is trusted only inside the platform, so public clients will reject it", [n])
}

# A production wildcard certificate can impersonate every service under its domain.
approvers contains "group:security" if {
	production
	some n in names
	startswith(n, "*.")
}
