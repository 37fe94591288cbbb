// SPDX-License-Identifier: GPL-2.0-only
/*
 * acceptsim plot: render the figures of an earlier compare or merge again,
 * from the .gp scripts as they are (restyled or not), or regenerated from
 * results.json in another format.
 */
#include <stdio.h>
#include "commands.h"
#include "cli.h"
#include "plot.h"
#include "study.h"

static bool has_scripts(const char *dir)
{
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	const char *name;

	while (d && (name = g_dir_read_name(d)))
		if (g_str_has_suffix(name, ".gp") && name[0] != '.')
			return true;
	return false;
}

int cmd_plot(int argc, char **argv)
{
	char *plot_format = NULL;
	gboolean regenerate = FALSE;
	const GOptionEntry entries[] = {
		{ "plot-format", 0, 0, G_OPTION_ARG_STRING, &plot_format,
		  "Regenerate the scripts for png,svg (default), png, svg or dumb (ASCII, "
		  "printed)", "FMT" },
		{ "regenerate", 0, 0, G_OPTION_ARG_NONE, &regenerate,
		  "Rewrite the .dat and .gp files from results.json first (drops edits)", NULL },
		{ NULL },
	};
	g_autoptr(GOptionContext) ctx = g_option_context_new("DIR - render a study's plots again");
	g_autoptr(GError) error = NULL;
	g_autoptr(GString) notes = g_string_new(NULL);
	g_autoptr(GString) dumb = g_string_new(NULL);
	g_autofree char *plots = NULL, *results = NULL;
	unsigned int formats;
	int ret = EXIT_USAGE;

	g_option_context_set_summary(ctx,
		"Renders DIR/plots/*.gp with gnuplot (outputs replaced atomically), so a\n"
		"reviewer's edits to a script are kept.  With --plot-format or --regenerate,\n"
		"or when DIR has no scripts, writes them again from DIR/results.json.\n"
		"Exit status: 0 rendered, 1 gnuplot missing or failed, 2 bad input.");
	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!cli_parse(ctx, "plot", &argc, &argv))
		goto out;
	if (argc != 2) {
		fprintf(stderr, "acceptsim plot: need exactly one study directory\n");
		goto out;
	}
	if (!plot_parse_formats(plot_format, &formats, &error)) {
		cli_report("plot", error);
		goto out;
	}
	plots = g_build_filename(argv[1], "plots", NULL);
	results = g_build_filename(argv[1], "results.json", NULL);
	if (plot_format || regenerate || !has_scripts(plots)) {
		g_autoptr(JsonNode) root = study_load_json(results, STUDY_SCHEMA, &error);
		struct study *st;
		bool ok;

		if (!root) {
			cli_report("plot", error);
			goto out;
		}
		st = study_from_json(json_node_get_object(root), results, true, &error);
		if (!st) {
			cli_report("plot", error);
			goto out;
		}
		if (g_mkdir_with_parents(plots, 0755) < 0) {
			fprintf(stderr, "acceptsim plot: %s: cannot create\n", plots);
			study_free(st);
			goto out;
		}
		ok = plot_study(st, plots, formats, notes, (formats & PLOT_DUMB) ? dumb : NULL,
				&error);
		study_free(st);
		if (!ok) {
			cli_report("plot", error);
			ret = 1;
			goto out;
		}
	} else if (!plot_render_dir(plots, notes, dumb, &error)) {
		cli_report("plot", error);
		ret = 1;
		goto out;
	}
	printf("Rendered %s\n%s", plots, notes->str);
	if (dumb->len)
		printf("\n%s", dumb->str);
	ret = notes->len && g_strstr_len(notes->str, -1, "gnuplot not found") ? 1 : 0;
out:
	g_free(plot_format);
	return ret;
}
