# Policy for the iam-role capability.
#
# parameters.policies entries are managed policy ARNs or "<action>[,<action>...] on <resource>".
#
# Input: input.request (metadata.name, spec.capability, spec.environment, spec.owner,
# spec.parameters, spec.deletionProtection), input.team (name, type, members), input.environment
# and, on the terraform backend, input.plan (`terraform show -json` of the rendered root module).
# Results: deny (messages that block), warn (messages that do not), approvers (group references
# whose approval the request needs).
package paved.module.iam_role

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

policies := strings_param("policies")

managed_policy(p) if regex.match(`^\s*arn:[a-z-]+:iam::(aws|[0-9]{12}):policy/\S+\s*$`, p)

statement_re := `^\s*(.+?)\s+on\s+(\S+)\s*$`

# Parsed statements: {entry, actions, resource}.
statements contains {"entry": p, "actions": acts, "resource": m[2]} if {
	some p in policies
	not managed_policy(p)
	m := regex.find_all_string_submatch_n(statement_re, p, 1)[0]
	acts := [trim_space(a) | some a in split(m[1], ",")]
}

# The policy name at the end of a managed policy ARN.
policy_name(arn) := parts[count(parts) - 1] if {
	parts := split(trim_space(arn), "/")
}

# Managed policies that hand out the whole account.
admin_policies := {"AdministratorAccess", "PowerUserAccess", "IAMFullAccess"}

# Actions with which a role can grant itself more than it was given.
escalation_actions := {lower(a) | some a in [
	"iam:AttachRolePolicy", "iam:AttachUserPolicy", "iam:CreateAccessKey", "iam:CreatePolicyVersion",
	"iam:CreateRole", "iam:PutRolePolicy", "iam:PutUserPolicy", "iam:SetDefaultPolicyVersion",
	"iam:UpdateAssumeRolePolicy", "iam:PassRole", "sts:AssumeRole",
]}

wildcard_action(a) if a == "*"

wildcard_action(a) if endswith(a, ":*")

as_array(x) := x if is_array(x)

as_array(x) := [x] if not is_array(x)

# Statements of the inline policy documents in the plan.
planned_statements contains {"address": rc.address, "statement": st} if {
	some rc in plan_changes
	rc.type == "aws_iam_role_policy"
	doc_json := rc.change.after.policy
	is_string(doc_json)
	json.is_valid(doc_json)
	doc := json.unmarshal(doc_json)
	is_object(doc)
	some st in as_array(object.get(doc, "Statement", []))
	is_object(st)
	st.Effect == "Allow"
}

deny contains msg if {
	some p in policies
	not managed_policy(p)
	not regex.match(statement_re, p)
	msg := sprintf("policy %q is neither a managed policy ARN nor \"<action>[,<action>...] on <resource ARN>\"", [p])
}

deny contains "policies is empty; name the permissions the service needs" if {
	count(policies) == 0
}

deny contains msg if {
	some s in statements
	some a in s.actions
	wildcard_action(a)
	msg := sprintf("policy %q grants the wildcard action %q; name the actions the service calls", [s.entry, a])
}

deny contains msg if {
	some s in statements
	s.resource == "*"
	msg := sprintf("policy %q applies to Resource \"*\"; name the resources (ARNs) the service touches", [s.entry])
}

deny contains msg if {
	some s in statements
	some a in s.actions
	lower(a) in escalation_actions
	msg := sprintf("policy %q grants %v, with which the role could raise its own privileges; ask group:security for a reviewed role", [s.entry, a])
}

deny contains msg if {
	some p in policies
	managed_policy(p)
	policy_name(p) in admin_policies
	msg := sprintf("managed policy %q grants (nearly) the whole account", [p])
}

# On the terraform backend: what Terraform would actually write.
deny contains msg if {
	some ps in planned_statements
	some a in as_array(object.get(ps.statement, "Action", []))
	is_string(a)
	wildcard_action(a)
	msg := sprintf("the plan writes %v allowing action %q", [ps.address, a])
}

deny contains msg if {
	some ps in planned_statements
	"*" in as_array(object.get(ps.statement, "Resource", []))
	msg := sprintf("the plan writes %v allowing Resource \"*\"", [ps.address])
}

deny contains msg if {
	some rc in plan_changes
	rc.type == "aws_iam_role_policy_attachment"
	arn := rc.change.after.policy_arn
	is_string(arn)
	policy_name(arn) in admin_policies
	msg := sprintf("the plan attaches %v to the role", [arn])
}

warn contains msg if {
	some s in statements
	some a in s.actions
	not wildcard_action(a)
	contains(a, "*")
	msg := sprintf("policy %q uses the action pattern %q; prefer the exact actions", [s.entry, a])
}

warn contains msg if {
	some s in statements
	s.resource != "*"
	endswith(s.resource, ":*")
	msg := sprintf("policy %q covers every resource of its kind (%v)", [s.entry, s.resource])
}

warn contains msg if {
	hours := number_param("maxSessionHours", 1)
	hours > 4
	msg := sprintf("maxSessionHours %v: a leaked session stays usable that long; the SDKs refresh credentials, so 1 hour is enough for services", [hours])
}

# Every production role is reviewed by security, and so is any managed policy.
approvers contains "group:security" if {
	production
}

approvers contains "group:security" if {
	some p in policies
	managed_policy(p)
}
