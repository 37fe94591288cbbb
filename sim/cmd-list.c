// SPDX-License-Identifier: GPL-2.0-only
/* acceptsim list: what the registries hold. */
#include <stdio.h>
#include <string.h>
#include "commands.h"
#include "cli.h"
#include "mm.h"
#include "workloads/workload.h"
#include "policies/policy.h"
#include "scenario.h"

static void list_kernels(void)
{
	static const char *const what[NR_KERNEL_ERAS] = {
		[KERNEL_6_5] = "mainline 6.1-6.9 and the v9 unaccepted-memory series",
		[KERNEL_6_12] = "mainline 6.10-6.14 as released in 6.12.0",
		[KERNEL_6_15] = "6.15 and later, also stable 6.12.29+ (default)",
	};

	for (int e = 0; e < NR_KERNEL_ERAS; e++)
		printf("%-6s %s\n", kernel_era_name(e), what[e]);
}

static void list_workloads(void)
{
	size_t n;
	const struct workload_ops *const *all = workload_get_all(&n);

	for (size_t i = 0; i < n; i++)
		printf("%-12s %s\n%-12s options: %s\n", all[i]->name, all[i]->summary, "",
		       all[i]->options);
}

static void list_policies(void)
{
	size_t n;
	const struct policy_ops *const *all = policy_get_all(&n);

	for (size_t i = 0; i < n; i++) {
		printf("%-12s %s\n", all[i]->name, all[i]->summary);
		if (all[i]->params[0])
			printf("%-12s parameters: %s\n", "", all[i]->params);
	}
}

static int list_scenarios(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) desc = NULL;
	g_autoptr(GPtrArray) names = scenario_list(&desc, &error);

	if (error) {
		cli_report("list", error);
		return 1;
	}
	for (guint i = 0; i < names->len; i++)
		printf("%-14s %s\n", (char *)g_ptr_array_index(names, i),
		       (char *)g_ptr_array_index(desc, i));
	return 0;
}

int cmd_list(int argc, char **argv)
{
	g_autoptr(GOptionContext) ctx =
		g_option_context_new("kernels|workloads|policies|scenarios - list what the simulator knows");

	if (!cli_parse(ctx, "list", &argc, &argv))
		return EXIT_USAGE;
	if (argc != 2) {
		fprintf(stderr, "acceptsim list: expected one of: kernels, workloads, policies, scenarios\n");
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "kernels"))
		list_kernels();
	else if (!strcmp(argv[1], "workloads"))
		list_workloads();
	else if (!strcmp(argv[1], "policies"))
		list_policies();
	else if (!strcmp(argv[1], "scenarios"))
		return list_scenarios();
	else {
		fprintf(stderr, "acceptsim list: unknown list '%s' (kernels, workloads, policies, scenarios)\n", argv[1]);
		return EXIT_USAGE;
	}
	return 0;
}
