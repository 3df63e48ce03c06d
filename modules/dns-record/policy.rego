# Policy for the dns-record capability.
#
# Input: input.request (metadata.name, spec.capability, spec.environment, spec.owner,
# spec.parameters, spec.deletionProtection), input.team (name, type, members), input.environment
# and, on the terraform backend, input.plan (`terraform show -json` of the rendered root module).
# Results: deny (messages that block), warn (messages that do not), approvers (group references
# whose approval the request needs).
package paved.module.dns_record

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

zone := trim_suffix(lower(string_param("zone", "acme.internal")), ".")

label := lower(string_param("name", ""))

record_type := string_param("type", "A")

value := string_param("value", "")

ttl := number_param("ttl", 300)

fqdn := concat(".", [label, zone])

public_zone if not endswith(zone, ".internal")

ipv4_re := `^(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}$`

# The value as an IPv4 address, defined only when it is one (net.* builtins fail on anything else).
ipv4 := value if {
	record_type == "A"
	regex.match(ipv4_re, value)
}

# Names a record must not take: name servers and mail roles of the zone, and names that clients
# look up automatically (WPAD and ISATAP proxy discovery are classic hijack targets).
reserved_labels := {"ns", "ns1", "ns2", "ns3", "ns4", "hostmaster", "postmaster", "localhost", "wpad", "isatap"}

apex if label in {"", "@"}

apex if label == zone

deny contains msg if {
	record_type == "CNAME"
	apex
	msg := sprintf("a CNAME cannot sit at the apex of %v: it would hide the zone's SOA and NS records (RFC 1034 3.6.2); use an A or AAAA record", [zone])
}

deny contains msg if {
	label in reserved_labels
	msg := sprintf("%q is reserved in every zone (name servers, mail roles, proxy auto-discovery)", [label])
}

deny contains msg if {
	record_type == "A"
	not regex.match(ipv4_re, value)
	msg := sprintf("an A record's value is an IPv4 address, not %q", [value])
}

deny contains msg if {
	record_type == "AAAA"
	not valid_ipv6
	msg := sprintf("an AAAA record's value is an IPv6 address, not %q", [value])
}

valid_ipv6 if {
	contains(value, ":")
	regex.match(`^[0-9a-fA-F:.]+$`, value)
}

deny contains msg if {
	record_type == "CNAME"
	not regex.match(`^([a-z0-9_]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.?$`, lower(value))
	msg := sprintf("a CNAME record's value is a fully qualified host name, not %q", [value])
}

deny contains msg if {
	record_type == "CNAME"
	trim_suffix(lower(value), ".") == fqdn
	msg := sprintf("the CNAME %v points at itself", [fqdn])
}

deny contains msg if {
	some block in ["0.0.0.0/8", "127.0.0.0/8", "169.254.0.0/16", "224.0.0.0/4", "240.0.0.0/4"]
	net.cidr_contains(block, ipv4)
	msg := sprintf("%v is in %v (this-host, loopback, link-local, multicast or reserved), which no client can reach", [ipv4, block])
}

deny contains msg if {
	public_zone
	some block in ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10"]
	net.cidr_contains(block, ipv4)
	msg := sprintf("%v is a private address; publishing it in the public zone %v exposes the internal network layout", [ipv4, zone])
}

deny contains "a TXT record's value has no double quotes or line breaks" if {
	record_type == "TXT"
	regex.match(`["\r\n]`, value)
}

deny contains msg if {
	some rc in plan_changes
	rc.type == "aws_route53_record"
	rc.change.after.allow_overwrite == true
	msg := sprintf("%v sets allow_overwrite, which would take over a record someone else owns", [rc.address])
}

warn contains msg if {
	production
	ttl < 300
	msg := sprintf("ttl %v in production: short TTLs multiply resolver load; use at least 300 unless a failover needs it", [ttl])
}

warn contains msg if {
	record_type == "TXT"
	count(value) > 2048
	msg := sprintf("a %v-character TXT record may not fit a UDP DNS answer", [count(value)])
}

warn contains msg if {
	production
	some rc in plan_changes
	rc.type == "aws_route53_record"
	"delete" in actions(rc)
	msg := sprintf("the plan deletes production record %v; clients still resolving it will fail", [rc.address])
}

# A record in a public zone is visible to the internet.
approvers contains "group:security" if {
	public_zone
}
