/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A study: a matrix of configurations times seeds, each cell one
 * run_spec.  Executes the runs on a thread pool (results stored by index,
 * so the output does not depend on the thread count), keeps one compact
 * record per run, aggregates per metric and configuration, and writes
 * results.json, summary.txt, per-metric CSV/.dat files and the plots.
 * The same records come from per-run JSON files for 'merge', so a study
 * run elsewhere aggregates to the same bytes.
 */
#ifndef SIM_STUDY_H
#define SIM_STUDY_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>
#include <json-glib/json-glib.h>
#include "options.h"
#include "runspec.h"
#include "table.h"

#define STUDY_SCHEMA		"acceptsim-results/1"	/* results.json */
#define STUDY_PLAN_SCHEMA	"acceptsim-plan/1"	/* runs/plan.json of --emit-jobs */
#define STUDY_MAX_RUNS		100000			/* configurations x seeds */

/* A metric: a dotted path into the run JSON and how to show it. */
struct study_metric {
	char *path;			/* "accept_stall_ns.p99" */
	char *label;			/* table row, with unit: "Accept stall p99 (ms)" */
	char *unit;			/* display unit, "" for counts */
	double scale;			/* display value = run JSON value * scale */
	bool optional;			/* a table row only if non-zero in some run */
};

struct study_config {
	char *name;			/* unique: "lazy", "lazy/mem=16G" in a sweep */
	char *base;			/* the --config NAME */
	char *sweep;			/* "mem=16G" (',' between keys), NULL without --sweep */
	size_t baseline;		/* index of the configuration compared against */
	GPtrArray *settings;		/* "key=value", run_spec_set() vocabulary, in order */
	GPtrArray *runs;		/* JsonObject run records, by seed */
};

struct study {
	char *command;			/* the study-defining arguments, shell-quoted */
	GPtrArray *configs;		/* struct study_config */
	unsigned int runs;		/* seeds per configuration */
	uint64_t seed_base;		/* seeds seed_base .. seed_base + runs - 1 */
	char **holes;			/* --hole START:SIZE, outside run_spec_set() */
	int check_every;		/* --check-every, 1 = default */
	enum pipeline_mode pipeline;	/* --pipeline, --no-pipeline or auto */
	char **metric_paths;		/* --metric, NULL for the default list */
	enum table_mark mark;		/* what '*' means in the table */

	/* study_aggregate() */
	GPtrArray *metrics;		/* struct study_metric */
	struct table_cell *cells;	/* [metric * configs->len + config] */
	bool partial;			/* interrupted: some runs never ran ("partial" in JSON) */
};

struct study *study_new(void);
void study_free(struct study *st);

/*
 * Build the configurations: @common ("key=value", the options shared by
 * all), @configs ("NAME:key=value,..."), @sweeps ("key=v1,v2,...", each
 * multiplying every configuration).  Without @configs, one configuration
 * "default".  Errors name the offending argument.
 */
bool study_plan(struct study *st, GPtrArray *common, const char *const *configs,
		const char *const *sweeps, GError **error);

/* Add a configuration known by name only (merge without a plan). */
void study_add_config(struct study *st, const char *name, size_t baseline);

/* Model and run options as "key=value" settings (only those given). */
void study_common_settings(const struct model_opts *mo, const struct run_opts *ro,
			   GPtrArray *settings);

/* The run_spec of configuration @config with @seed. */
bool study_build_spec(const struct study *st, size_t config, uint64_t seed,
		      struct run_spec *rs, GError **error);

/*
 * Run every (configuration, seed) on @threads threads; a progress bar on
 * stderr if @progress.  The first failed run (in index order) is reported.
 */
bool study_execute(struct study *st, unsigned int threads, bool progress, GError **error);

/*
 * Stop a running study_execute() early (async-signal-safe: a SIGINT
 * handler calls it).  Runs in progress finish; runs not started are
 * skipped, and the study is marked partial.
 */
void study_interrupt(void);

/* The compact record of one run JSON: config, seed, numeric values, series. */
JsonObject *study_run_record(JsonObject *run, const char *config, uint64_t seed);

/* Numeric value of @path in @record; false if absent. */
bool study_record_value(JsonObject *record, const char *path, double *v);

/*
 * Choose the metrics (the default list, or --metric paths, which must be
 * reported by some run) and compute every statistic.
 */
bool study_aggregate(struct study *st, GError **error);

/* The run of @config whose boot time is the median (lower median), or NULL. */
JsonObject *study_median_run(const struct study *st, size_t config);

/* summary.txt: the table, legend and configurations. */
void study_summary(const struct study *st, GString *out);

/* results.json (with runs and aggregates) or, with !full, the plan. */
JsonNode *study_to_json(const struct study *st, bool full);

/* A study from results.json or plan.json; @with_runs also loads the runs. */
struct study *study_from_json(JsonObject *root, const char *file, bool with_runs,
			      GError **error);

/* Parse @path and check its "schema" member is @schema (NULL: either kind). */
JsonNode *study_load_json(const char *path, const char *schema, GError **error);

/*
 * Write results.json, summary.txt, metrics/ and plots/ into @dir (created
 * if missing).  @plot_formats: PLOT_* of plot.h; notes for the user (plots
 * skipped, how to render) are appended to @notes, ASCII plots to @dumb.
 */
bool study_write(const struct study *st, const char *dir, unsigned int plot_formats,
		 GString *notes, GString *dumb, GError **error);

/*
 * --emit-jobs: one shell command line per run, "BINARY run ... --json
 * --tag NAME > RUNS_DIR/FILE", and RUNS_DIR/plan.json for 'merge'.
 */
bool study_emit_jobs(const struct study *st, const char *jobs_file, const char *binary,
		     const char *runs_dir, GError **error);

/*
 * Attach run JSON files (from the jobs) to the configurations of @st,
 * matched by config.tag and config.seed; duplicates are errors, runs of
 * unknown configurations too.
 */
bool study_add_run_file(struct study *st, const char *path, JsonObject *run, GError **error);

/* Filename-safe form of a configuration name. */
char *study_slug(const char *name);

#endif /* SIM_STUDY_H */
