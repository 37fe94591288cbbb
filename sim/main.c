// SPDX-License-Identifier: GPL-2.0-only
/* acceptsim: dispatch to a subcommand. */
#include <stdio.h>
#include <string.h>
#include <glib.h>
#include "sim/commands.h"

static const struct sim_command commands[] = {
	{ "run",   "simulate a workload or scenario under one configuration", cmd_run },
	{ "bench", "measure the model's own speed (bench model)", cmd_bench },
	{ "list",  "list policies, workloads, scenarios or kernel eras", cmd_list },
	{ "replay", "replay a kmem trace through the model (requests or pfns)", cmd_replay },
	{ "calibrate", "merge probe calibration files into one cost model", cmd_calibrate },
	{ "trace", "read kmem traces: stats, convert to the binary format", cmd_trace },
	{ "frag",  "fragmentation indices of saved /proc/buddyinfo or pagetypeinfo", cmd_frag },
	{ "compare", "run configurations x seeds in parallel: table, JSON, plots", cmd_compare },
	{ "plot",  "render the plots of a compare or merge again", cmd_plot },
	{ "check", "CI gate: exit 1 on a significant regression of a metric", cmd_check },
	{ "merge", "aggregate per-run results of 'compare --emit-jobs'", cmd_merge },
	{ "baseline", "replay one allocation stream through jemalloc and the model", cmd_baseline },
};

static void usage(FILE *f)
{
	fprintf(f, "Usage: acceptsim COMMAND [OPTION...]\n\n"
		   "A deterministic simulator of the Linux page allocator with lazy memory acceptance.\n\n"
		   "Commands:\n");
	for (size_t i = 0; i < G_N_ELEMENTS(commands); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\nRun 'acceptsim COMMAND --help' for the options of a command.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("acceptsim " ACCEPTSIM_VERSION "\n");
		return 0;
	}
	for (size_t i = 0; i < G_N_ELEMENTS(commands); i++) {
		if (strcmp(argv[1], commands[i].name))
			continue;
		g_autofree char *name = g_strdup_printf("acceptsim %s", commands[i].name);
		argv[1] = name;
		return commands[i].run(argc - 1, argv + 1);
	}
	fprintf(stderr, "acceptsim: unknown command '%s' (see 'acceptsim --help')\n", argv[1]);
	return 2;
}
