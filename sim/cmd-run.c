// SPDX-License-Identifier: GPL-2.0-only
/* acceptsim run: one configuration, one workload, one summary. */
#include <stdio.h>
#include "commands.h"
#include "cli.h"
#include "options.h"
#include "report.h"
#include "runspec.h"

int cmd_run(int argc, char **argv)
{
	gboolean json = FALSE, pagetypeinfo = FALSE;
	g_autofree char *tag = NULL;
	const GOptionEntry entries[] = {
		{ "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print one JSON object", NULL },
		{ "pagetypeinfo", 0, 0, G_OPTION_ARG_NONE, &pagetypeinfo,
		  "Also print /proc/pagetypeinfo of the final state", NULL },
		{ "tag", 0, 0, G_OPTION_ARG_STRING, &tag,
		  "Label stored as config.tag in the JSON (compare --emit-jobs, merge)", "NAME" },
		{ NULL },
	};
	g_autoptr(GOptionContext) ctx = g_option_context_new("- simulate one configuration");
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
	g_option_context_add_main_entries(ctx, run_entries, NULL);
	g_option_context_add_main_entries(ctx, entries, NULL);
	g_option_context_add_main_entries(ctx, model_entries, NULL);
	if (!cli_parse(ctx, "run", &argc, &argv))
		goto out;
	if (argc > 1) {
		fprintf(stderr, "acceptsim run: unexpected argument '%s'\n", argv[1]);
		goto out;
	}
	if (!run_spec_from_opts(&rs, &mo, &ro, &error)) {
		cli_report("run", error);
		goto out;
	}
	if (!json)
		text = g_string_new(NULL);
	if (!run_spec_execute(&rs, &root, text, pagetypeinfo, &error)) {
		cli_report("run", error);
		goto out;
	}
	if (tag)
		json_object_set_string_member(json_object_get_object_member(
			json_node_get_object(root), "config"), "tag", tag);
	if (json) {
		g_autofree char *s = json_to_string_nl(root);

		fputs(s, stdout);
	} else {
		fputs(text->str, stdout);
	}
	ret = 0;
out:
	run_spec_clear(&rs);
	run_opts_clear(&ro);
	model_opts_clear(&mo);
	return ret;
}
