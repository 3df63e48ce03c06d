# Acme's cost guardrails: FinOps approves large spend; sandbox AI keys stay in sandboxes.
package paved.org.cost

import rego.v1

params := object.get(input.request.spec, "parameters", {})

# Sandbox AI keys over 200 USD a month need FinOps.
approvers contains "group:finops" if {
	input.request.spec.capability == "sandbox-ai-key"
	params.monthlyBudgetUsd > 200
}

warn contains msg if {
	input.request.spec.capability == "sandbox-ai-key"
	params.monthlyBudgetUsd > 200
	msg := sprintf(
		"%s: %d USD a month is over the 200 USD sandbox allowance; group:finops must approve",
		[input.request.metadata.name, params.monthlyBudgetUsd],
	)
}

# Production traffic goes through the GenAI gateway with the service's own budget, never a sandbox key.
deny contains msg if {
	input.request.spec.capability == "sandbox-ai-key"
	input.request.spec.environment == "production"
	msg := sprintf(
		"%s: sandbox AI keys are for development and staging; production calls go through component:platform/genai-gateway",
		[input.request.metadata.name],
	)
}

warn contains msg if {
	input.request.spec.capability == "sandbox-ai-key"
	params.expiresInDays > 30
	msg := sprintf("%s: the key lives %d days; sandbox keys are usually renewed monthly", [input.request.metadata.name, params.expiresInDays])
}
