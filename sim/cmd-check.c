// SPDX-License-Identifier: GPL-2.0-only
/*
 * acceptsim check: the CI gate.  Compares one metric of two results.json
 * files, configuration by configuration, and fails when the current mean
 * is worse by more than the allowed percentage and Welch's t-test says the
 * difference is real.  Exit 0 pass, 1 regression, 2 bad input.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "commands.h"
#include "cli.h"
#include "stats.h"
#include "study.h"

/* "5%", "5" or "0.5%": a non-negative percentage. */
static bool parse_percent(const char *s, double *pct, GError **error)
{
	g_autofree char *t = g_strstrip(g_strdup(s));
	size_t len = strlen(t);
	char *end;

	if (len && t[len - 1] == '%')
		t[len - 1] = '\0';
	*pct = g_ascii_strtod(t, &end);
	if (!*t || *end || !isfinite(*pct) || *pct < 0) {
		g_set_error(error, SIM_CLI_ERROR, SIM_CLI_ERROR_USAGE,
			    "--max-regression: '%s' is not a percentage such as 5%%", s);
		return false;
	}
	return true;
}

static struct study *load(const char *path, const char *metric, GError **error)
{
	g_autoptr(JsonNode) root = study_load_json(path, STUDY_SCHEMA, error);
	struct study *st;

	if (!root)
		return NULL;
	st = study_from_json(json_node_get_object(root), path, true, error);
	if (!st)
		return NULL;
	g_strfreev(st->metric_paths);
	st->metric_paths = g_new0(char *, 2);
	st->metric_paths[0] = g_strdup(metric);
	if (!study_aggregate(st, error)) {
		g_prefix_error(error, "%s: ", path);
		study_free(st);
		return NULL;
	}
	return st;
}

static int find_config(const struct study *st, const char *name)
{
	for (guint c = 0; c < st->configs->len; c++)
		if (!strcmp(((struct study_config *)st->configs->pdata[c])->name, name))
			return (int)c;
	return -1;
}

struct verdict {
	const char *config;
	const struct table_cell *old, *cur;
	struct stats_comparison cmp;
	double worse_pct;		/* positive: worse; INFINITY when the old mean is 0 */
	bool tested;			/* both n >= 2 */
	bool significant;
	bool regressed;
};

static void describe(GString *s, const struct verdict *v, const struct study_metric *m)
{
	const char *unit = *m->unit ? " " : "";

	g_string_append_printf(s, "%s: %.4g%s%s -> %.4g%s%s", v->config, v->old->s.mean, unit,
			       m->unit, v->cur->s.mean, unit, m->unit);
	if (v->cmp.has_diff_pct)
		g_string_append_printf(s, " (%+.2f%%", v->cmp.diff_pct);
	else
		g_string_append(s, " (from 0");
	if (!v->tested)
		g_string_append_printf(s, ", n=%zu/%zu: no significance test)", v->old->s.n,
				       v->cur->s.n);
	else if (v->cmp.test == STATS_TEST_EXACT)
		g_string_append_printf(s, ", zero variance: %s, n=%zu/%zu)",
				       v->significant ? "the means differ" : "identical",
				       v->old->s.n, v->cur->s.n);
	else
		g_string_append_printf(s, ", Welch p=%.3g, n=%zu/%zu)", v->cmp.p, v->old->s.n,
				       v->cur->s.n);
}

int cmd_check(int argc, char **argv)
{
	char *baseline = NULL, *current = NULL, *metric = NULL, *max_reg = NULL, *config = NULL;
	gboolean higher_is_better = FALSE;
	const GOptionEntry entries[] = {
		{ "baseline", 'b', 0, G_OPTION_ARG_FILENAME, &baseline,
		  "results.json of the reference study", "FILE" },
		{ "current", 'c', 0, G_OPTION_ARG_FILENAME, &current,
		  "results.json of the study under test", "FILE" },
		{ "metric", 'm', 0, G_OPTION_ARG_STRING, &metric,
		  "Dotted path into the run JSON, e.g. extfrag.events", "PATH" },
		{ "max-regression", 0, 0, G_OPTION_ARG_STRING, &max_reg,
		  "Allowed worsening of the mean (default 5%)", "PCT" },
		{ "higher-is-better", 0, 0, G_OPTION_ARG_NONE, &higher_is_better,
		  "A smaller value is a regression (default: larger is worse)", NULL },
		{ "config", 0, 0, G_OPTION_ARG_STRING, &config,
		  "Check only this configuration (default: every one in both files)", "NAME" },
		{ NULL },
	};
	g_autoptr(GOptionContext) ctx = g_option_context_new("- fail on a significant regression");
	g_autoptr(GError) error = NULL;
	g_autoptr(GArray) verdicts = g_array_new(FALSE, TRUE, sizeof(struct verdict));
	g_autoptr(GString) line = g_string_new(NULL);
	struct study *old = NULL, *cur = NULL;
	const struct study_metric *m;
	const struct verdict *worst = NULL;
	double max_pct = 5.0;
	size_t regressions = 0;
	int ret = EXIT_USAGE;

	g_option_context_set_summary(ctx,
		"Compares METRIC in every configuration present in both files (matched by\n"
		"name; two single-configuration files are matched whatever the names).\n"
		"A regression is a mean worse by more than --max-regression AND a\n"
		"significant difference: Welch's two-sided t-test p < 0.05 (zero-variance\n"
		"samples: the means differ; n=1 cannot be tested and passes with a note).\n"
		"Larger is worse unless --higher-is-better.\n"
		"Exit status: 0 no regression, 1 regression (one line says why), 2 bad input.");
	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!cli_parse(ctx, "check", &argc, &argv))
		goto out;
	if (argc > 1) {
		fprintf(stderr, "acceptsim check: unexpected argument '%s'\n", argv[1]);
		goto out;
	}
	if (!baseline || !current || !metric) {
		fprintf(stderr, "acceptsim check: need --baseline FILE, --current FILE and "
			"--metric PATH\n");
		goto out;
	}
	if (max_reg && !parse_percent(max_reg, &max_pct, &error))
		goto fail;
	old = load(baseline, metric, &error);
	if (!old)
		goto fail;
	cur = load(current, metric, &error);
	if (!cur)
		goto fail;

	for (guint c = 0; c < cur->configs->len; c++) {
		const char *name = ((struct study_config *)cur->configs->pdata[c])->name;
		int o = find_config(old, name);
		struct verdict v = { .config = name };

		if (config && strcmp(config, name))
			continue;
		if (o < 0 && old->configs->len == 1 && cur->configs->len == 1 && !config)
			o = 0;
		if (o < 0)
			continue;
		v.old = &old->cells[o];
		v.cur = &cur->cells[c];
		if (!v.old->present || !v.cur->present)
			continue;
		stats_compare(&v.old->s, &v.cur->s, STATS_ALPHA, &v.cmp);
		v.tested = v.cmp.test != STATS_TEST_NONE;
		v.significant = v.cmp.welch_significant;
		if (v.cmp.has_diff_pct)
			v.worse_pct = higher_is_better ? -v.cmp.diff_pct : v.cmp.diff_pct;
		else
			v.worse_pct = (v.cur->s.mean > 0) != (bool)higher_is_better ? INFINITY
										 : -INFINITY;
		v.regressed = v.significant && v.worse_pct > max_pct;
		g_array_append_val(verdicts, v);
	}
	if (!verdicts->len) {
		if (config)
			g_set_error(&error, SIM_CLI_ERROR, SIM_CLI_ERROR_USAGE,
				    "configuration '%s' is not in both files with values of %s",
				    config, metric);
		else
			g_set_error(&error, SIM_CLI_ERROR, SIM_CLI_ERROR_USAGE,
				    "no configuration in both files has values of %s "
				    "(names differ? use --config)", metric);
		goto fail;
	}
	m = g_ptr_array_index(cur->metrics, 0);
	for (guint i = 0; i < verdicts->len; i++) {
		const struct verdict *v = &g_array_index(verdicts, struct verdict, i);

		if (v->regressed)
			regressions++;
		/* the worst regression, else the largest worsening */
		if (!worst || (v->regressed && !worst->regressed) ||
		    (v->regressed == worst->regressed && v->worse_pct > worst->worse_pct))
			worst = v;
	}
	if (regressions) {
		g_string_append_printf(line, "acceptsim check: REGRESSION: %s (%s is worse) ",
				       metric, higher_is_better ? "smaller" : "larger");
		describe(line, worst, m);
		g_string_append_printf(line, " exceeds %.4g%%", max_pct);
		if (regressions > 1)
			g_string_append_printf(line, "; %zu configurations regressed", regressions);
		ret = 1;
	} else {
		g_string_append_printf(line, "acceptsim check: ok: %s within %.4g%% or not "
				       "significant in %u configuration%s; largest change ",
				       metric, max_pct, verdicts->len, verdicts->len == 1 ? "" : "s");
		describe(line, worst, m);
		ret = 0;
	}
	printf("%s\n", line->str);
	goto out;
fail:
	cli_report("check", error);
out:
	study_free(old);
	study_free(cur);
	g_free(baseline);
	g_free(current);
	g_free(metric);
	g_free(max_reg);
	g_free(config);
	return ret;
}
