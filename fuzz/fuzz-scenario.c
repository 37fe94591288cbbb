// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer harness: scenario files.  The input is written to a temporary
 * .ini file and applied with scenario_apply() to a fresh run_spec; when it
 * applies, the policy spec is created and the workload looked up as
 * run_spec_execute() would, without running the model.
 */
#include "fuzz.h"
#include "sim/cost.h"
#include "sim/runspec.h"
#include "sim/scenario.h"
#include "policies/policy.h"
#include "workloads/workload.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_init();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fuzz_write_file(0, ".ini", data, size);
	g_autoptr(GError) error = NULL;
	struct run_spec rs;

	run_spec_init(&rs);
	if (scenario_apply(&rs, path, &error)) {
		struct policy *p;
		struct cost_model cm;

		g_assert(!error);
		g_assert(rs.policy && rs.cost_model && rs.workload);
		p = policy_create_spec(rs.policy, &error);
		g_assert(!p == !!error);
		policy_destroy(p);
		g_clear_error(&error);
		(void)workload_lookup(rs.workload);
		if (!cost_model_preset(rs.cost_model, &cm, &error))
			g_clear_error(&error);
	} else {
		g_assert(error && error->message);
	}
	run_spec_clear(&rs);
	return 0;
}
