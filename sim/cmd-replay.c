// SPDX-License-Identifier: GPL-2.0-only
/*
 * acceptsim replay FILE: run a kmem trace through the model, as requests
 * (the model chooses pfns) or pfn-faithfully (--mode pfn).  Output as run.
 */
#include <stdio.h>
#include <string.h>
#include "commands.h"
#include "cli.h"
#include "options.h"
#include "report.h"
#include "runspec.h"

int cmd_replay(int argc, char **argv)
{
	gboolean json = FALSE;
	char *mode = NULL;
	const GOptionEntry entries[] = {
		{ "mode", 0, 0, G_OPTION_ARG_STRING, &mode,
		  "request (default): the model picks pfns; pfn: apply the recorded pfns", "MODE" },
		{ "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print one JSON object", NULL },
		{ NULL },
	};
	g_autoptr(GOptionContext) ctx = g_option_context_new("FILE - replay a kmem trace");
	g_autofree GOptionEntry *model_entries = NULL, *run_entries = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonNode) root = NULL;
	g_autoptr(GString) text = NULL;
	struct model_opts mo;
	struct run_opts ro;
	struct run_spec rs = { 0 };
	int ret = EXIT_USAGE;

	model_opts_init(&mo);
	run_opts_init(&ro);
	model_entries = model_opts_entries(&mo);
	run_entries = run_opts_entries(&ro);
	g_option_context_add_main_entries(ctx, entries, NULL);
	g_option_context_add_main_entries(ctx, run_entries, NULL);
	g_option_context_add_main_entries(ctx, model_entries, NULL);
	g_option_context_set_summary(ctx,
		"Formats: ftrace text, trace-cmd report (-R too), perf script, trace.dat,\n"
		"the native format; gzip or zstd compressed.  With --mode pfn the per-CPU\n"
		"lists are off and --mem must cover the trace's highest pfn.");
	if (!cli_parse(ctx, "replay", &argc, &argv))
		goto out;
	if (argc != 2) {
		fprintf(stderr, "acceptsim replay: expected one trace FILE\n");
		goto out;
	}
	if (mode && strcmp(mode, "request") && strcmp(mode, "pfn")) {
		fprintf(stderr, "acceptsim replay: --mode must be request or pfn\n");
		goto out;
	}
	if (ro.workload) {
		fprintf(stderr, "acceptsim replay: --workload does not apply (the trace is the workload)\n");
		goto out;
	}
	ro.workload = g_strdup("trace");
	if (!run_spec_from_opts(&rs, &mo, &ro, &error) ||
	    !run_spec_set(&rs, "wl.file", argv[1], &error) ||
	    !run_spec_set(&rs, "wl.mode", mode ? mode : "request", &error)) {
		cli_report("replay", error);
		goto out;
	}
	if (mode && !strcmp(mode, "pfn")) {
		rs.cfg.pcp = false;
		rs.reclaim = false;	/* the trace already shows what reclaim did */
	}
	if (!json)
		text = g_string_new(NULL);
	if (!run_spec_execute(&rs, &root, text, false, &error)) {
		cli_report("replay", error);
		goto out;
	}
	if (json) {
		g_autofree char *s = json_to_string_nl(root);

		fputs(s, stdout);
	} else {
		fputs(text->str, stdout);
	}
	ret = 0;
out:
	g_free(mode);
	run_spec_clear(&rs);
	run_opts_clear(&ro);
	model_opts_clear(&mo);
	return ret;
}
