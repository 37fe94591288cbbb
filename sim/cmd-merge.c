// SPDX-License-Identifier: GPL-2.0-only
/*
 * acceptsim merge: the per-run JSON files of 'compare --emit-jobs' (run by
 * GNU parallel, Slurm or by hand) into the same summary, results.json and
 * plots an in-process compare writes.
 */
#include <stdio.h>
#include <string.h>
#include "commands.h"
#include "cli.h"
#include "plot.h"
#include "study.h"

static gint compare_paths(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Files named on the command line, and the *.json files of directories. */
static bool collect(char **args, GPtrArray *files, GError **error)
{
	for (char **a = args; *a; a++) {
		g_autoptr(GPtrArray) found = g_ptr_array_new_with_free_func(g_free);
		GDir *d;
		const char *name;

		if (!g_file_test(*a, G_FILE_TEST_IS_DIR)) {
			g_ptr_array_add(files, g_strdup(*a));
			continue;
		}
		d = g_dir_open(*a, 0, error);
		if (!d) {
			g_prefix_error(error, "%s: ", *a);
			return false;
		}
		while ((name = g_dir_read_name(d)))
			if (g_str_has_suffix(name, ".json") && name[0] != '.')
				g_ptr_array_add(found, g_build_filename(*a, name, NULL));
		g_dir_close(d);
		g_ptr_array_sort(found, compare_paths);
		for (guint i = 0; i < found->len; i++)
			g_ptr_array_add(files, g_strdup(found->pdata[i]));
	}
	return true;
}

/* No plan.json: configurations in order of first appearance of their tags. */
static struct study *study_from_tags(GPtrArray *runs, char **args, const char *baseline,
				     GError **error)
{
	g_autoptr(GPtrArray) tags = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GString) cmd = g_string_new("acceptsim merge");
	struct study *st = study_new();
	gint64 lo = G_MAXINT64, hi = -1;
	int base = 0;

	for (guint i = 0; i < runs->len; i++) {
		/* a run file may be anything: study_add_run_file() checks it */
		JsonNode *cn = json_object_get_member(runs->pdata[i], "config");
		JsonObject *cfg = cn && JSON_NODE_HOLDS_OBJECT(cn) ? json_node_get_object(cn) : NULL;
		JsonNode *tn = cfg ? json_object_get_member(cfg, "tag") : NULL;
		JsonNode *sn = cfg ? json_object_get_member(cfg, "seed") : NULL;
		const char *tag = tn && JSON_NODE_HOLDS_VALUE(tn) &&
				  json_node_get_value_type(tn) == G_TYPE_STRING ?
				  json_node_get_string(tn) : NULL;
		gint64 seed = sn && JSON_NODE_HOLDS_VALUE(sn) ? json_node_get_int(sn) : 0;
		bool seen = false;

		if (!tag)
			continue;	/* study_add_run_file() reports it */
		for (guint t = 0; t < tags->len; t++)
			seen |= !strcmp(tags->pdata[t], tag);
		if (!seen)
			g_ptr_array_add(tags, g_strdup(tag));
		lo = MIN(lo, seed);
		hi = MAX(hi, seed);
	}
	for (guint t = 0; t < tags->len; t++) {
		if (baseline && !strcmp(tags->pdata[t], baseline))
			base = (int)t;
	}
	if (baseline && (!tags->len || strcmp(tags->pdata[base], baseline))) {
		g_set_error(error, SIM_CLI_ERROR, SIM_CLI_ERROR_USAGE,
			    "--baseline %s: no run has that tag", baseline);
		study_free(st);
		return NULL;
	}
	if (base) {
		char *b = tags->pdata[base];

		memmove(&tags->pdata[1], &tags->pdata[0], (size_t)base * sizeof(gpointer));
		tags->pdata[0] = b;
	}
	g_ptr_array_add(tags, NULL);
	st->seed_base = hi >= 0 ? (uint64_t)lo : 1;
	st->runs = hi >= 0 ? (unsigned int)(hi - lo + 1) : 0;
	for (char **a = args; *a; a++) {
		g_autofree char *q = g_shell_quote(*a);

		g_string_append_printf(cmd, " %s", q);
	}
	st->command = g_strdup(cmd->str);
	/* no settings known: names only; seeds are whatever the files say */
	for (guint t = 0; tags->pdata[t]; t++)
		study_add_config(st, tags->pdata[t], 0);
	st->runs = 0;
	return st;
}

int cmd_merge(int argc, char **argv)
{
	char *out = NULL, *plot_format = NULL, *baseline = NULL, *significance = NULL;
	char **metrics = NULL;
	const GOptionEntry entries[] = {
		{ "out", 'o', 0, G_OPTION_ARG_FILENAME, &out,
		  "Write summary.txt, results.json, metrics/ and plots/ into DIR (required)", "DIR" },
		{ "plot-format", 0, 0, G_OPTION_ARG_STRING, &plot_format,
		  "png,svg (default), png, svg, dumb or none", "FMT" },
		{ "metric", 'm', 0, G_OPTION_ARG_STRING_ARRAY, &metrics,
		  "Metric to report instead of the plan's (repeatable)", "PATH" },
		{ "significance", 0, 0, G_OPTION_ARG_STRING, &significance,
		  "welch or ci, instead of the plan's", "RULE" },
		{ "baseline", 0, 0, G_OPTION_ARG_STRING, &baseline,
		  "Without a plan.json: the tag of the baseline (default: the first)", "NAME" },
		{ NULL },
	};
	g_autoptr(GOptionContext) ctx = g_option_context_new("RUN.json|DIR... - merge per-run results");
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) runs = g_ptr_array_new_with_free_func((GDestroyNotify)json_node_unref);
	g_autoptr(GPtrArray) run_paths = g_ptr_array_new();
	g_autoptr(GString) summary = g_string_new(NULL);
	g_autoptr(GString) notes = g_string_new(NULL);
	g_autoptr(GString) dumb = g_string_new(NULL);
	g_autoptr(GPtrArray) run_objs = g_ptr_array_new();
	JsonNode *plan = NULL;
	const char *plan_path = NULL;
	struct study *st = NULL;
	unsigned int formats;
	int ret = EXIT_USAGE;

	g_option_context_set_summary(ctx,
		"Reads the JSON files 'acceptsim run --json --tag NAME' wrote for the jobs of\n"
		"'acceptsim compare --emit-jobs' (files, or directories of *.json) and the\n"
		"plan.json beside them, and writes what compare would have written.");
	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!cli_parse(ctx, "merge", &argc, &argv))
		goto out;
	if (!out || argc < 2) {
		fprintf(stderr, "acceptsim merge: need --out DIR and at least one run file or "
			"directory\n");
		goto out;
	}
	if (significance && strcmp(significance, "welch") && strcmp(significance, "ci")) {
		fprintf(stderr, "acceptsim merge: --significance: '%s' is not welch or ci\n",
			significance);
		goto out;
	}
	if (!plot_parse_formats(plot_format, &formats, &error) ||
	    !collect(argv + 1, files, &error))
		goto fail;
	for (guint i = 0; i < files->len; i++) {
		const char *path = files->pdata[i];
		JsonNode *root = study_load_json(path, NULL, &error);
		JsonObject *o;
		const char *schema;

		if (!root)
			goto fail;
		o = json_node_get_object(root);
		schema = json_object_has_member(o, "schema") &&
			 JSON_NODE_HOLDS_VALUE(json_object_get_member(o, "schema")) ?
			 json_object_get_string_member(o, "schema") : NULL;
		if (schema && !strcmp(schema, STUDY_PLAN_SCHEMA)) {
			if (plan) {
				json_node_unref(root);
				g_set_error(&error, SIM_CLI_ERROR, SIM_CLI_ERROR_USAGE,
					    "two plans: %s and %s", plan_path, path);
				goto fail;
			}
			plan = root;
			plan_path = path;
			continue;
		}
		if (schema) {
			json_node_unref(root);
			g_set_error(&error, SIM_CLI_ERROR, SIM_CLI_ERROR_PARSE,
				    "%s: schema '%s' is not a run result ('acceptsim run --json')",
				    path, schema);
			goto fail;
		}
		g_ptr_array_add(runs, root);
		g_ptr_array_add(run_paths, (gpointer)path);
		g_ptr_array_add(run_objs, o);
	}
	if (!runs->len) {
		g_set_error(&error, SIM_CLI_ERROR, SIM_CLI_ERROR_USAGE, "no run files found");
		goto fail;
	}
	if (plan) {
		st = study_from_json(json_node_get_object(plan), plan_path, false, &error);
		if (baseline)
			fprintf(stderr, "acceptsim merge: --baseline ignored: %s names the baselines\n",
				plan_path);
	} else {
		st = study_from_tags(run_objs, argv + 1, baseline, &error);
	}
	if (!st)
		goto fail;
	if (metrics) {
		g_strfreev(st->metric_paths);
		st->metric_paths = g_strdupv(metrics);
	}
	if (significance)
		st->mark = !strcmp(significance, "ci") ? TABLE_MARK_CI : TABLE_MARK_WELCH;
	for (guint i = 0; i < run_objs->len; i++)
		if (!study_add_run_file(st, run_paths->pdata[i], run_objs->pdata[i], &error))
			goto fail;
	if (plan) {
		for (guint c = 0; c < st->configs->len; c++) {
			struct study_config *cfg = g_ptr_array_index(st->configs, c);

			if (cfg->runs->len < st->runs)
				fprintf(stderr, "acceptsim merge: %s: %u of %u runs found\n",
					cfg->name, cfg->runs->len, st->runs);
		}
	} else {
		unsigned int most = 0;

		for (guint c = 0; c < st->configs->len; c++)
			most = MAX(most, ((struct study_config *)st->configs->pdata[c])->runs->len);
		st->runs = most;
	}
	if (!study_aggregate(st, &error))
		goto fail;
	study_summary(st, summary);
	fputs(summary->str, stdout);
	if (!study_write(st, out, formats, notes, (formats & PLOT_DUMB) ? dumb : NULL, &error))
		goto fail;
	printf("\nWrote %s/: summary.txt, results.json, metrics/, plots/\n", out);
	if (notes->len)
		printf("%s", notes->str);
	if (dumb->len)
		printf("\n%s", dumb->str);
	ret = 0;
	goto out;
fail:
	fflush(stdout);
	cli_report("merge", error);
out:
	if (plan)
		json_node_unref(plan);
	study_free(st);
	g_free(out);
	g_free(plot_format);
	g_free(baseline);
	g_free(significance);
	g_strfreev(metrics);
	return ret;
}
