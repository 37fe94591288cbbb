// SPDX-License-Identifier: GPL-2.0-only
/*
 * acceptsim compare: configurations x seeds on all cores, an MMTests-style
 * table, results.json, CSV and gnuplot figures; or, with --emit-jobs, one
 * 'acceptsim run' command line per run for GNU parallel or Slurm.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "commands.h"
#include "cli.h"
#include "options.h"
#include "plot.h"
#include "runspec.h"
#include "study.h"

#define MAX_THREADS	1024

/* Options that change how, not what, is computed: left out of "command". */
static const char *const exec_options[] = {
	"--threads", "--out", "--plot-format", "--emit-jobs", "--job-binary", NULL,
};

/*
 * The study-defining arguments, shell-quoted: results.json must not
 * depend on --threads or --out, or two equal studies would differ.
 */
static char *study_command(char **argv)
{
	g_autoptr(GString) s = g_string_new("acceptsim compare");

	for (char **a = argv + 1; *a; a++) {
		bool drop = false, joined = false;

		for (const char *const *o = exec_options; *o; o++) {
			size_t len = strlen(*o);

			if (!strncmp(*a, *o, len) && ((*a)[len] == '\0' || (*a)[len] == '=')) {
				drop = true;
				joined = (*a)[len] == '=';
			}
		}
		if (drop) {
			if (!joined && a[1])
				a++;
			continue;
		}
		{
			g_autofree char *q = g_shell_quote(*a);
			bool plain = **a != '\0';

			for (const char *p = *a; *p && plain; p++)
				plain = g_ascii_isalnum(*p) || strchr("-_./=:,+@%", *p);
			g_string_append_printf(s, " %s", plain ? *a : q);
		}
	}
	return g_string_free(g_steal_pointer(&s), FALSE);
}

static volatile sig_atomic_t caught_signal;	/* SIGINT or SIGTERM received */

/*
 * The first SIGINT/SIGTERM lets the runs in progress finish and the
 * finished ones be written, marked partial; a second one kills at once.
 */
static void on_signal(int sig)
{
	static const char msg[] = "\nacceptsim compare: interrupted; finishing the runs in "
				  "progress (again to quit now)\n";

	if (caught_signal) {
		signal(sig, SIG_DFL);
		raise(sig);
		return;
	}
	caught_signal = sig;
	study_interrupt();
	if (write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0) {
		/* nothing to do about it in a signal handler */
	}
}

static void catch_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

/* --metric a,b --metric c: one list. */
static char **split_metrics(char **in)
{
	g_autoptr(GPtrArray) out = g_ptr_array_new();

	if (!in)
		return NULL;
	for (char **m = in; *m; m++) {
		g_auto(GStrv) parts = g_strsplit(*m, ",", -1);

		for (char **p = parts; *p; p++)
			if (**p)
				g_ptr_array_add(out, g_strdup(*p));
	}
	g_ptr_array_add(out, NULL);
	return (char **)g_ptr_array_free(g_steal_pointer(&out), FALSE);
}

/* run_opts_entries() without --seed: a study has --runs and --seed-base. */
static GOptionEntry *run_entries_without_seed(struct run_opts *ro)
{
	GOptionEntry *e = run_opts_entries(ro);
	size_t j = 0;

	for (size_t i = 0; ; i++) {
		if (e[i].long_name && !strcmp(e[i].long_name, "seed"))
			continue;
		e[j++] = e[i];
		if (!e[i].long_name)
			break;
	}
	return e;
}

int cmd_compare(int argc, char **argv)
{
	g_auto(GStrv) orig = g_strdupv(argv);
	char **configs = NULL, **sweeps = NULL, **metrics = NULL;
	char *out = NULL, *plot_format = NULL, *significance = NULL, *emit_jobs = NULL;
	char *job_binary = NULL;
	int runs = 5, threads = (int)g_get_num_processors();
	gint64 seed_base = 1;
	const GOptionEntry entries[] = {
		{ "config", 0, 0, G_OPTION_ARG_STRING_ARRAY, &configs,
		  "A configuration: NAME:key=value,... in run_spec_set() keys (policy=, mem=, "
		  "kernel=, cost-model=, wl.KEY=, ...); repeatable, the first is the baseline",
		  "NAME:K=V,..." },
		{ "sweep", 0, 0, G_OPTION_ARG_STRING_ARRAY, &sweeps,
		  "Multiply every configuration by each value of a setting (repeatable)",
		  "KEY=V1,V2,..." },
		{ "runs", 'n', 0, G_OPTION_ARG_INT, &runs, "Seeds per configuration (default 5)", "N" },
		{ "seed-base", 0, 0, G_OPTION_ARG_INT64, &seed_base,
		  "First seed; runs use seeds BASE..BASE+N-1 (default 1)", "BASE" },
		{ "threads", 'j', 0, G_OPTION_ARG_INT, &threads,
		  "Runs in parallel (default: all cores); results do not depend on it", "N" },
		{ "metric", 'm', 0, G_OPTION_ARG_STRING_ARRAY, &metrics,
		  "Metric to report, a dotted path into the run JSON (repeatable; default: "
		  "boot time, extfrag, acceptance, stalls, failures, reclaim counters)", "PATH" },
		{ "significance", 0, 0, G_OPTION_ARG_STRING, &significance,
		  "What '*' marks: welch (Welch's t-test p < 0.05, default) or ci "
		  "(non-overlapping 95% CIs, MMTests)", "RULE" },
		{ "out", 'o', 0, G_OPTION_ARG_FILENAME, &out,
		  "Write summary.txt, results.json, metrics/ and plots/ into DIR (created)", "DIR" },
		{ "plot-format", 0, 0, G_OPTION_ARG_STRING, &plot_format,
		  "png,svg (default), png, svg, dumb (ASCII, printed) or none", "FMT" },
		{ "emit-jobs", 0, 0, G_OPTION_ARG_FILENAME, &emit_jobs,
		  "Do not run: write one 'acceptsim run' command per run to FILE (for GNU "
		  "parallel or a Slurm array), results into DIR/runs/ for 'acceptsim merge'", "FILE" },
		{ "job-binary", 0, 0, G_OPTION_ARG_STRING, &job_binary,
		  "acceptsim as the jobs should call it (default: this binary's path; "
		  "use 'acceptsim' for remote machines)", "PATH" },
		{ NULL },
	};
	g_autoptr(GOptionContext) ctx = g_option_context_new("- compare configurations over seeds");
	g_autofree GOptionEntry *model_entries = NULL, *run_entries = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) common = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GString) summary = g_string_new(NULL);
	g_autoptr(GString) notes = g_string_new(NULL);
	g_autoptr(GString) dumb = g_string_new(NULL);
	struct study *st = NULL;
	struct model_opts mo;
	struct run_opts ro;
	unsigned int formats = 0;
	int ret = EXIT_USAGE;

	model_opts_init(&mo);
	run_opts_init(&ro);
	model_entries = model_opts_entries(&mo);
	run_entries = run_entries_without_seed(&ro);
	g_option_context_set_summary(ctx,
		"Runs every configuration with seeds BASE..BASE+N-1 in parallel and prints\n"
		"an MMTests-style table: means, difference from the baseline (the first\n"
		"--config) and '*' for significant differences.  The model and run options\n"
		"apply to every configuration; --config settings override them, --sweep\n"
		"values override both.  A ',' inside a value continues it when the text\n"
		"before the next '=' is not a setting (policy=background:rate=1G,tick=5).");
	g_option_context_add_main_entries(ctx, entries, NULL);
	g_option_context_add_main_entries(ctx, run_entries, NULL);
	g_option_context_add_main_entries(ctx, model_entries, NULL);
	if (!cli_parse(ctx, "compare", &argc, &argv))
		goto out;
	if (argc > 1) {
		fprintf(stderr, "acceptsim compare: unexpected argument '%s'\n", argv[1]);
		goto out;
	}
	if (runs < 1 || runs > STUDY_MAX_RUNS) {
		fprintf(stderr, "acceptsim compare: --runs must be between 1 and %d\n", STUDY_MAX_RUNS);
		goto out;
	}
	if (threads < 1 || threads > MAX_THREADS) {
		fprintf(stderr, "acceptsim compare: --threads must be between 1 and %d\n", MAX_THREADS);
		goto out;
	}
	if (seed_base < 0) {
		fprintf(stderr, "acceptsim compare: --seed-base must be >= 0\n");
		goto out;
	}
	if (significance && strcmp(significance, "welch") && strcmp(significance, "ci")) {
		fprintf(stderr, "acceptsim compare: --significance: '%s' is not welch or ci\n",
			significance);
		goto out;
	}
	if (!plot_parse_formats(plot_format, &formats, &error)) {
		cli_report("compare", error);
		goto out;
	}
	if (emit_jobs && !out) {
		fprintf(stderr, "acceptsim compare: --emit-jobs needs --out DIR (runs go to DIR/runs/)\n");
		goto out;
	}

	st = study_new();
	st->command = study_command(orig);
	st->runs = (unsigned int)runs;
	st->seed_base = (uint64_t)seed_base;
	st->holes = g_strdupv(mo.holes);
	st->check_every = mo.check_every;
	if (!run_opts_pipeline(&ro, &st->pipeline, &error)) {
		cli_report("compare", error);
		goto out;
	}
	st->metric_paths = split_metrics(metrics);
	st->mark = significance && !strcmp(significance, "ci") ? TABLE_MARK_CI : TABLE_MARK_WELCH;
	study_common_settings(&mo, &ro, common);
	if (!study_plan(st, common, (const char *const *)configs, (const char *const *)sweeps,
			&error)) {
		cli_report("compare", error);
		goto out;
	}

	if (emit_jobs) {
		g_autofree char *runs_dir = g_build_filename(out, "runs", NULL);
		g_autofree char *self = job_binary ? g_strdup(job_binary)
						   : g_file_read_link("/proc/self/exe", NULL);

		if (!study_emit_jobs(st, emit_jobs, self ? self : "acceptsim", runs_dir, &error)) {
			cli_report("compare", error);
			goto out;
		}
		printf("Wrote %u jobs to %s and the plan to %s/plan.json.\n"
		       "Run them, e.g.:  parallel -j%u < %s\n"
		       "then:            acceptsim merge %s --out %s\n",
		       st->configs->len * st->runs, emit_jobs, runs_dir, g_get_num_processors(),
		       emit_jobs, runs_dir, out);
		ret = 0;
		goto out;
	}

	catch_signals();
	if (!study_execute(st, (unsigned int)threads, isatty(STDERR_FILENO), &error) ||
	    !study_aggregate(st, &error)) {
		cli_report("compare", error);
		goto out;
	}
	if (st->partial) {
		size_t finished = 0;

		for (guint c = 0; c < st->configs->len; c++)
			finished += ((struct study_config *)st->configs->pdata[c])->runs->len;
		fprintf(stderr, "acceptsim compare: interrupted: %zu of %u runs finished%s\n",
			finished, st->configs->len * st->runs,
			!finished ? "; nothing written" : out ? "; results marked partial" : "");
		if (!finished) {
			ret = 128 + (caught_signal ? caught_signal : SIGINT);
			goto out;
		}
	}
	study_summary(st, summary);
	fputs(summary->str, stdout);
	if (out) {
		g_autofree char *gnuplot = plot_find_gnuplot();
		unsigned int shown = gnuplot ? formats : 0;	/* what the "Wrote" line lists */

		if (!study_write(st, out, formats, notes, (formats & PLOT_DUMB) ? dumb : NULL,
				 &error)) {
			fflush(stdout);
			cli_report("compare", error);
			goto out;
		}
		printf("\nWrote %s/: summary.txt, results.json, metrics/*.csv|.dat, plots/*.gp|.dat%s\n",
		       out, (shown & PLOT_PNG) && (shown & PLOT_SVG) ? "|.png|.svg" :
		       (shown & PLOT_PNG) ? "|.png" : (shown & PLOT_SVG) ? "|.svg" :
		       (shown & PLOT_DUMB) ? "|.txt" : "");
		if (notes->len)
			printf("%s", notes->str);
		if (dumb->len)
			printf("\n%s", dumb->str);
	}
	/* 130 after SIGINT, 143 after SIGTERM, as a shell reports a killed command */
	ret = caught_signal ? 128 + caught_signal : 0;
out:
	study_free(st);
	g_strfreev(configs);
	g_strfreev(sweeps);
	g_strfreev(metrics);
	g_free(out);
	g_free(plot_format);
	g_free(significance);
	g_free(emit_jobs);
	g_free(job_binary);
	run_opts_clear(&ro);
	model_opts_clear(&mo);
	return ret;
}
