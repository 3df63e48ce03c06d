# Policy for the namespace capability.
#
# Input: input.request (metadata.name, spec.capability, spec.environment, spec.owner,
# spec.parameters, spec.deletionProtection), input.team (name, type, members), input.environment
# and, on the terraform backend, input.plan (`terraform show -json` of the rendered root module).
# Results: deny (messages that block), warn (messages that do not), approvers (group references
# whose approval the request needs).
package paved.module.namespace

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

cpu := string_param("cpu", "2")

memory := string_param("memory", "4Gi")

pods := number_param("pods", 50)

# CPU quota in cores; undefined unless cpu matches the parameter's pattern.
cpu_cores := to_number(trim_suffix(cpu, "m")) / 1000 if regex.match(`^[0-9]+m$`, cpu)

cpu_cores := to_number(cpu) if regex.match(`^[0-9]+$`, cpu)

# Memory quota in MiB; undefined unless memory matches the parameter's pattern.
memory_mib := to_number(trim_suffix(memory, "Gi")) * 1024 if regex.match(`^[0-9]+Gi$`, memory)

memory_mib := to_number(trim_suffix(memory, "Mi")) if regex.match(`^[0-9]+Mi$`, memory)

deny contains msg if {
	cpu_cores == 0
	msg := sprintf("cpu quota %q lets no pod run", [cpu])
}

deny contains msg if {
	memory_mib == 0
	msg := sprintf("memory quota %q lets no pod run", [memory])
}

deny contains msg if {
	some reserved in ["kube-", "openshift-", "paved-"]
	startswith(owner_name, reserved)
	msg := sprintf("namespaces of team %q would start with %q, which belongs to the cluster's own components", [owner_name, reserved])
}

deny contains msg if {
	some rc in plan_changes
	rc.type == "kubernetes_role_binding_v1"
	refs := rc.change.after.role_ref
	is_array(refs)
	some ref in refs
	ref.name == "cluster-admin"
	msg := sprintf("%v grants cluster-admin; a team gets edit in its own namespace", [rc.address])
}

deny contains msg if {
	production
	some rc in plan_changes
	rc.type == "kubernetes_namespace_v1"
	"delete" in actions(rc)
	msg := sprintf("the plan deletes production namespace %v and every workload in it", [rc.address])
}

warn contains msg if {
	pods > 0
	memory_mib / pods < 64
	msg := sprintf("%v of memory for up to %v pods leaves under 64Mi a pod", [memory, pods])
}

warn contains msg if {
	cpu_cores < 0.1
	cpu_cores > 0
	msg := sprintf("cpu quota %q is under 100m; most workloads will not schedule", [cpu])
}

# Large quotas reserve cluster capacity someone pays for.
approvers contains "group:finops" if {
	cpu_cores > 16
}

approvers contains "group:finops" if {
	memory_mib > 64 * 1024
}
