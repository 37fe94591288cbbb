// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer harness: the study results reader of 'acceptsim check', 'plot'
 * and 'merge' (sim/study.c).  The input is written to a temporary file and
 * loaded with study_load_json():
 *   - a results.json: study_from_json() with its runs, study_aggregate()
 *     and the summary table and the plot scripts and data ('acceptsim plot'
 *     without gnuplot); a study that aggregates is written back with
 *     study_to_json() and must read back to the same summary;
 *   - a plan.json (--emit-jobs): the study without runs;
 *   - anything else is taken as one 'acceptsim run --json --tag' result
 *     and attached to a study with study_add_run_file(), as merge does.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fuzz.h"
#include "sim/plot.h"
#include "sim/report.h"
#include "sim/study.h"

static char *plot_dir;

static void remove_plot_dir(void)
{
	g_autoptr(GDir) d = g_dir_open(plot_dir, 0, NULL);
	const char *n;

	while (d && (n = g_dir_read_name(d))) {
		g_autofree char *p = g_build_filename(plot_dir, n, NULL);

		remove(p);
	}
	remove(plot_dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_init();
	plot_dir = g_dir_make_tmp("acceptsim-fuzz-plots-XXXXXX", NULL);
	g_assert(plot_dir);
	atexit(remove_plot_dir);
	return 0;
}

/* The plot scripts and data, as 'acceptsim plot' writes them without gnuplot. */
static void plot(const struct study *st)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GString) notes = g_string_new(NULL);

	if (!plot_study(st, plot_dir, 0, notes, NULL, &error))
		g_assert(error && error->message);
}

/* Aggregate and summarise @st; the summary, or NULL if it does not aggregate. */
static GString *summarise(struct study *st)
{
	g_autoptr(GError) error = NULL;
	GString *s;

	if (!study_aggregate(st, &error)) {
		g_assert(error && error->message);
		return NULL;
	}
	g_assert(!error);
	s = g_string_new(NULL);
	study_summary(st, s);
	for (guint c = 0; c < st->configs->len; c++)
		(void)study_median_run(st, c);
	return s;
}

/* results.json -> study -> results.json -> study: the same summary. */
static void round_trip(const struct study *st, const GString *summary)
{
	g_autoptr(JsonNode) node = study_to_json(st, true);
	g_autofree char *text = json_to_string_nl(node);	/* as results.json is written */
	const char *path = fuzz_write_file(1, ".json", text, strlen(text));
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonNode) root = study_load_json(path, STUDY_SCHEMA, &error);
	g_autoptr(GString) again = NULL;
	struct study *st2;

	if (!root) {
		fprintf(stderr, "fuzz: written results.json does not load: %s\n", error->message);
		abort();
	}
	st2 = study_from_json(json_node_get_object(root), path, true, &error);
	if (!st2) {
		fprintf(stderr, "fuzz: written results.json is no study: %s\n", error->message);
		abort();
	}
	again = summarise(st2);
	if (!again || strcmp(again->str, summary->str)) {
		fprintf(stderr, "fuzz: summary changed through results.json:\n%s\n---\n%s",
			summary->str, again ? again->str : "(does not aggregate)");
		abort();
	}
	study_free(st2);
}

static void run_file(const char *path, JsonObject *run)
{
	g_autoptr(GError) error = NULL;
	struct study *st = study_new();
	JsonNode *cn = json_object_get_member(run, "config");
	JsonObject *cfg = cn && JSON_NODE_HOLDS_OBJECT(cn) ? json_node_get_object(cn) : NULL;
	JsonNode *tag = cfg ? json_object_get_member(cfg, "tag") : NULL;

	study_add_config(st, "fuzz", 0);
	if (tag && JSON_NODE_HOLDS_VALUE(tag) && json_node_get_value_type(tag) == G_TYPE_STRING &&
	    strcmp(json_node_get_string(tag), "fuzz"))
		study_add_config(st, json_node_get_string(tag), 0);
	if (study_add_run_file(st, path, run, &error)) {
		GString *s = summarise(st);

		if (s) {
			plot(st);
			g_string_free(s, TRUE);
		}
	} else {
		g_assert(error && error->message);
	}
	study_free(st);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fuzz_write_file(0, ".json", data, size);
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonNode) root = study_load_json(path, NULL, &error);
	g_autoptr(GString) summary = NULL;
	JsonObject *o;
	JsonNode *schema;
	bool results, plan;
	struct study *st;

	if (!root) {
		g_assert(error && error->message);
		return 0;
	}
	o = json_node_get_object(root);
	schema = json_object_get_member(o, "schema");
	results = schema && JSON_NODE_HOLDS_VALUE(schema) &&
		  json_node_get_value_type(schema) == G_TYPE_STRING &&
		  !strcmp(json_node_get_string(schema), STUDY_SCHEMA);
	plan = schema && JSON_NODE_HOLDS_VALUE(schema) &&
	       json_node_get_value_type(schema) == G_TYPE_STRING &&
	       !strcmp(json_node_get_string(schema), STUDY_PLAN_SCHEMA);
	if (!results && !plan) {
		run_file(path, o);
		return 0;
	}
	st = study_from_json(o, path, results, &error);
	if (!st) {
		g_assert(error && error->message);
		return 0;
	}
	if (results) {
		summary = summarise(st);
		if (summary) {
			plot(st);
			round_trip(st, summary);
		}
	}
	study_free(st);
	return 0;
}
