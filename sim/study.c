// SPDX-License-Identifier: GPL-2.0-only
/*
 * Studies: plan a matrix of configurations, run it on a thread pool, keep
 * a compact record per run, aggregate, and write the results.  Every
 * output is a function of the plan and the records alone, in index order,
 * which is what makes --threads 1 and --threads N, and an in-process
 * compare and a merge of per-run files, produce the same bytes.
 */
#include <errno.h>
#include <stdarg.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "study.h"
#include "cli.h"
#include "plot.h"
#include "report.h"
#include "stats.h"

#define SERIES_POINTS	200		/* samples kept per run in results.json */
#define PROGRESS_WIDTH	24		/* characters of the progress bar */

/* Metrics with a known label and display unit. */
enum metric_kind {
	METRIC_CORE,			/* default, always a table row */
	METRIC_OPTIONAL,		/* default, a table row unless zero in every run */
	METRIC_EXTRA,			/* known, reported when asked with --metric */
};

static const struct metric_def {
	const char *path;
	const char *label;		/* MMTests row names where MMTests has one */
	const char *unit;
	double scale;			/* display value = JSON value * scale */
	enum metric_kind kind;
} metric_defs[] = {
	{ "boot_time_ns", "Boot time", "s", 1e-9, METRIC_CORE },
	{ "extfrag.events", "Page alloc extfrag event", "", 1.0, METRIC_CORE },
	{ "extfrag.fragmenting", "Extfrag fragmenting", "", 1.0, METRIC_CORE },
	{ "extfrag.change_ownership", "Extfrag change ownership", "", 1.0, METRIC_CORE },
	{ "accepted_bytes", "Accepted memory", "MiB", 1.0 / 1048576.0, METRIC_CORE },
	{ "unaccepted_bytes", "Unaccepted memory", "MiB", 1.0 / 1048576.0, METRIC_CORE },
	{ "accept_events", "Accept events", "", 1.0, METRIC_CORE },
	{ "accept_stall_ns.p99", "Accept stall p99", "ms", 1e-6, METRIC_CORE },
	{ "accept_stall_ns.max", "Accept stall max", "ms", 1e-6, METRIC_CORE },
	{ "failures", "Allocation failures", "", 1.0, METRIC_CORE },
	{ "sim_time_ns", "Simulated time", "s", 1e-9, METRIC_CORE },
	{ "mixed_pageblocks", "Mixed pageblocks", "", 1.0, METRIC_CORE },
	{ "counters.kswapd_wake", "kswapd wakeups", "", 1.0, METRIC_CORE },
	/* memory pressure, when the model reports it (MMTests vmstat row names) */
	{ "pressure.pgsteal_kswapd", "Kswapd pages reclaimed", "", 1.0, METRIC_OPTIONAL },
	{ "pressure.pgsteal_direct", "Direct pages reclaimed", "", 1.0, METRIC_OPTIONAL },
	{ "pressure.kswapd_runs", "Kswapd runs", "", 1.0, METRIC_OPTIONAL },
	{ "pressure.direct_reclaim", "Direct reclaim stalls", "", 1.0, METRIC_OPTIONAL },
	{ "pressure.pswpout", "Swap out", "", 1.0, METRIC_OPTIONAL },
	{ "pressure.compact_stall", "Compaction stalls", "", 1.0, METRIC_OPTIONAL },
	{ "pressure.compact_success", "Compaction success", "", 1.0, METRIC_OPTIONAL },
	{ "pressure.compact_fail", "Compaction failures", "", 1.0, METRIC_OPTIONAL },
	{ "pressure.compact_migrated", "Compaction pages migrated", "", 1.0, METRIC_OPTIONAL },
	{ "pressure.kcompactd_wake", "Kcompactd wake", "", 1.0, METRIC_OPTIONAL },
	{ "pressure.oom_kill", "OOM kills", "", 1.0, METRIC_OPTIONAL },
	{ "accept_stall_ns.p50", "Accept stall p50", "ms", 1e-6, METRIC_EXTRA },
	{ "accept_stall_ns.p99_9", "Accept stall p99.9", "ms", 1e-6, METRIC_EXTRA },
	{ "accept_stall_ns.total", "Accept stall total", "ms", 1e-6, METRIC_EXTRA },
	{ "accept_stall_ns.count", "Accept stalls", "", 1.0, METRIC_EXTRA },
	{ "background_accept_ns", "Background accept", "s", 1e-9, METRIC_EXTRA },
	{ "memfree_bytes", "MemFree", "MiB", 1.0 / 1048576.0, METRIC_EXTRA },
	{ "boot_phases_ns.firmware_accept", "Boot firmware accept", "s", 1e-9, METRIC_EXTRA },
	{ "boot_phases_ns.early_accept", "Boot early accept", "s", 1e-9, METRIC_EXTRA },
	{ "allocs", "Allocations", "", 1.0, METRIC_EXTRA },
	{ "frees", "Frees", "", 1.0, METRIC_EXTRA },
};

/*
 * Counters added to the default list when a run reports them: reclaim and
 * compaction, whatever the model calls them.
 */
static const char *const auto_prefixes[] = {
	"counters.", "pressure.", "reclaim.", "compaction.", "vmstat.",
};
static const char *const auto_words[] = {
	"reclaim", "compact", "kswapd", "scan", "steal", "migrat", "swp", "swap", "evict",
	"direct", "oom",
};

static void config_free(gpointer data)
{
	struct study_config *c = data;

	g_free(c->name);
	g_free(c->base);
	g_free(c->sweep);
	g_ptr_array_unref(c->settings);
	g_ptr_array_unref(c->runs);
	g_free(c);
}

static struct study_config *config_new(void)
{
	struct study_config *c = g_new0(struct study_config, 1);

	c->settings = g_ptr_array_new_with_free_func(g_free);
	c->runs = g_ptr_array_new_with_free_func((GDestroyNotify)json_object_unref);
	return c;
}

static void metric_free(gpointer data)
{
	struct study_metric *m = data;

	g_free(m->path);
	g_free(m->label);
	g_free(m->unit);
	g_free(m);
}

struct study *study_new(void)
{
	struct study *st = g_new0(struct study, 1);

	st->configs = g_ptr_array_new_with_free_func(config_free);
	st->metrics = g_ptr_array_new_with_free_func(metric_free);
	st->runs = 5;
	st->seed_base = 1;
	st->check_every = -1;
	st->mark = TABLE_MARK_WELCH;
	return st;
}

void study_free(struct study *st)
{
	if (!st)
		return;
	g_free(st->command);
	g_ptr_array_unref(st->configs);
	g_strfreev(st->holes);
	g_strfreev(st->metric_paths);
	g_ptr_array_unref(st->metrics);
	g_free(st->cells);
	g_free(st);
}

static struct study_config *config_at(const struct study *st, size_t i)
{
	return g_ptr_array_index(st->configs, i);
}

/* ---- settings: "key=value" in run_spec_set()'s vocabulary ---- */

/* run_spec_set() keys, wl.KEY, and "scenario" (applied first, as 'run' does). */
static bool is_setting_key(const char *key)
{
	if (g_str_has_prefix(key, "wl."))
		return key[3] != '\0';
	if (!strcmp(key, "scenario"))
		return true;
	for (const char *const *k = run_spec_keys(); *k; k++)
		if (!strcmp(*k, key))
			return true;
	return false;
}

static char *setting_key(const char *setting)
{
	const char *eq = strchr(setting, '=');

	return eq ? g_strndup(setting, (gsize)(eq - setting)) : g_strdup(setting);
}

static const char *setting_value(const char *setting)
{
	const char *eq = strchr(setting, '=');

	return eq ? eq + 1 : "";
}

static bool usage(GError **error, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static bool usage(GError **error, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_set_error_literal(error, SIM_CLI_ERROR, SIM_CLI_ERROR_USAGE, msg);
	g_free(msg);
	return false;
}

/*
 * Split "k=v,k=v" into @out.  A value may hold commas, as a policy spec
 * does ("policy=background:rate=512M,tick=5"): a fragment whose text
 * before '=' is not a setting key continues the previous value.
 */
static bool split_settings(const char *what, const char *s, GPtrArray *out, GError **error)
{
	g_auto(GStrv) parts = g_strsplit(s, ",", -1);
	guint first = out->len;

	for (char **p = parts; *p; p++) {
		g_autofree char *key = NULL;

		if (!**p)
			continue;
		key = setting_key(*p);
		if (strchr(*p, '=') && is_setting_key(key)) {
			if (!strcmp(key, "seed"))
				return usage(error, "%s: seeds come from --runs and --seed-base, "
					     "not a setting", what);
			g_ptr_array_add(out, g_strdup(*p));
		} else if (strchr(*p, '=') && out->len > first) {
			char **last = (char **)&out->pdata[out->len - 1];
			char *joined = g_strconcat(*last, ",", *p, NULL);

			g_free(*last);
			*last = joined;
		} else {
			return usage(error, "%s: '%s' is not KEY=VALUE with a known key "
				     "(see run_spec_set: mem, kernel, cpus, policy, cost-model, "
				     "workload, wl.KEY, ...)", what, *p);
		}
	}
	return true;
}

/* Later settings of a key replace earlier ones, keeping the first position. */
static void collapse_settings(GPtrArray *out, GPtrArray *in)
{
	for (guint i = 0; i < in->len; i++) {
		const char *s = g_ptr_array_index(in, i);
		g_autofree char *key = setting_key(s);
		bool replaced = false;

		for (guint j = 0; j < out->len && !replaced; j++) {
			g_autofree char *k2 = setting_key(g_ptr_array_index(out, j));

			if (!strcmp(key, k2)) {
				g_free(out->pdata[j]);
				out->pdata[j] = g_strdup(s);
				replaced = true;
			}
		}
		if (!replaced)
			g_ptr_array_add(out, g_strdup(s));
	}
}

static bool valid_name(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!g_ascii_isalnum(*s) && !strchr("._+-", *s))
			return false;
	return true;
}

struct sweep {
	char *key;
	GPtrArray *values;		/* char * */
};

static void sweep_clear(struct sweep *s)
{
	g_free(s->key);
	if (s->values)
		g_ptr_array_unref(s->values);
}

static bool parse_sweep(const char *spec, struct sweep *sw, GError **error)
{
	const char *eq = strchr(spec, '=');
	g_auto(GStrv) parts = NULL;

	sw->values = g_ptr_array_new_with_free_func(g_free);
	if (!eq || eq == spec)
		return usage(error, "--sweep %s: expected KEY=V1,V2,...", spec);
	sw->key = g_strndup(spec, (gsize)(eq - spec));
	if (!is_setting_key(sw->key) || !strcmp(sw->key, "seed"))
		return usage(error, "--sweep %s: '%s' is not a setting (mem, kernel, cpus, "
			     "policy, wl.KEY, ...)", spec, sw->key);
	parts = g_strsplit(eq + 1, ",", -1);
	for (char **p = parts; *p; p++) {
		const char *peq = strchr(*p, '=');
		const char *colon = strchr(*p, ':');

		if (!**p)
			continue;
		/* "target=high" continues "watermark:target=high,..." */
		if (peq && (!colon || colon > peq) && sw->values->len) {
			char **last = (char **)&sw->values->pdata[sw->values->len - 1];
			char *joined = g_strconcat(*last, ",", *p, NULL);

			g_free(*last);
			*last = joined;
			continue;
		}
		g_ptr_array_add(sw->values, g_strdup(*p));
	}
	if (!sw->values->len)
		return usage(error, "--sweep %s: no values", spec);
	return true;
}

bool study_plan(struct study *st, GPtrArray *common, const char *const *configs,
		const char *const *sweeps, GError **error)
{
	g_autoptr(GPtrArray) bases = g_ptr_array_new_with_free_func(config_free);
	g_autofree struct sweep *sw = NULL;
	g_autofree size_t *odo = NULL;
	size_t nr_sweeps = sweeps ? g_strv_length((char **)sweeps) : 0;
	size_t points = 1;
	bool ok = false;

	for (const char *const *c = configs; c && *c; c++) {
		struct study_config *b = config_new();
		const char *colon = strchr(*c, ':');
		g_autofree char *what = NULL;

		g_ptr_array_add(bases, b);
		b->base = colon ? g_strndup(*c, (gsize)(colon - *c)) : g_strdup(*c);
		if (!valid_name(b->base))
			return usage(error, "--config %s: the name must be letters, digits, "
				     "'.', '_', '+' or '-', followed by ':' and settings", *c);
		for (guint i = 0; i + 1 < bases->len; i++)
			if (!strcmp(((struct study_config *)bases->pdata[i])->base, b->base))
				return usage(error, "--config %s: configuration '%s' given twice",
					     *c, b->base);
		what = g_strdup_printf("--config %s", b->base);
		if (colon && !split_settings(what, colon + 1, b->settings, error))
			return false;
	}
	if (!bases->len) {
		struct study_config *b = config_new();

		b->base = g_strdup("default");
		g_ptr_array_add(bases, b);
	}

	sw = g_new0(struct sweep, MAX(nr_sweeps, 1));
	for (size_t i = 0; i < nr_sweeps; i++) {
		if (!parse_sweep(sweeps[i], &sw[i], error))
			goto out;
		for (size_t j = 0; j < i; j++)
			if (!strcmp(sw[i].key, sw[j].key)) {
				usage(error, "--sweep %s: '%s' swept twice", sweeps[i], sw[i].key);
				goto out;
			}
		points *= sw[i].values->len;
		if (points * bases->len * st->runs > STUDY_MAX_RUNS) {
			usage(error, "more than %d runs; fewer configurations, values or --runs",
			      STUDY_MAX_RUNS);
			goto out;
		}
	}
	if (bases->len * st->runs > STUDY_MAX_RUNS) {
		usage(error, "more than %d runs; fewer configurations or --runs", STUDY_MAX_RUNS);
		goto out;
	}

	/* sweep points outermost (first --sweep slowest), configurations inside */
	odo = g_new0(size_t, MAX(nr_sweeps, 1));
	for (size_t p = 0; p < points; p++) {
		g_autoptr(GString) label = g_string_new(NULL);
		g_autoptr(GPtrArray) point = g_ptr_array_new_with_free_func(g_free);
		size_t baseline = st->configs->len;

		for (size_t i = 0; i < nr_sweeps; i++) {
			const char *v = g_ptr_array_index(sw[i].values, odo[i]);

			g_string_append_printf(label, "%s%s=%s", i ? "," : "", sw[i].key, v);
			g_ptr_array_add(point, g_strdup_printf("%s=%s", sw[i].key, v));
		}
		for (guint b = 0; b < bases->len; b++) {
			const struct study_config *base = g_ptr_array_index(bases, b);
			struct study_config *c = config_new();
			g_autoptr(GPtrArray) all = g_ptr_array_new();

			c->base = g_strdup(base->base);
			c->sweep = nr_sweeps ? g_strdup(label->str) : NULL;
			c->name = nr_sweeps ? g_strdup_printf("%s/%s", c->base, label->str)
					    : g_strdup(c->base);
			c->baseline = baseline;
			g_ptr_array_extend(all, common, NULL, NULL);
			g_ptr_array_extend(all, base->settings, NULL, NULL);
			g_ptr_array_extend(all, point, NULL, NULL);
			collapse_settings(c->settings, all);
			g_ptr_array_add(st->configs, c);
		}
		for (size_t i = nr_sweeps; i-- > 0;) {
			if (++odo[i] < sw[i].values->len)
				break;
			odo[i] = 0;
		}
	}

	/* every configuration must make a valid run_spec now, not in a worker */
	for (guint i = 0; i < st->configs->len; i++) {
		struct run_spec rs;
		bool built = study_build_spec(st, i, st->seed_base, &rs, error);

		run_spec_clear(&rs);
		if (!built)
			goto out;
	}
	ok = true;
out:
	for (size_t i = 0; i < nr_sweeps; i++)
		sweep_clear(&sw[i]);
	return ok;
}

void study_add_config(struct study *st, const char *name, size_t baseline)
{
	struct study_config *c = config_new();

	c->name = g_strdup(name);
	c->base = g_strdup(name);
	c->baseline = baseline;
	g_ptr_array_add(st->configs, c);
}

void study_common_settings(const struct model_opts *mo, const struct run_opts *ro,
			   GPtrArray *s)
{
#define ADD(k, v)	g_ptr_array_add(s, g_strdup_printf("%s=%s", (k), (v)))
	if (ro->scenario)
		ADD("scenario", ro->scenario);
	if (ro->workload)
		ADD("workload", ro->workload);
	for (char **w = ro->wl_opts; w && *w; w++) {
		g_auto(GStrv) parts = g_strsplit(*w, ",", -1);

		for (char **p = parts; *p; p++)
			if (**p)
				g_ptr_array_add(s, g_strdup_printf("wl.%s", *p));
	}
	if (mo->mem)
		ADD("mem", mo->mem);
	if (mo->below_4g)
		ADD("below-4g", mo->below_4g);
	if (mo->kernel)
		ADD("kernel", mo->kernel);
	if (mo->cpus != -1)
		g_ptr_array_add(s, g_strdup_printf("cpus=%d", mo->cpus));
	if (mo->no_pcp)
		ADD("pcp", "false");
	if (mo->no_thp)
		ADD("thp", "false");
	if (mo->wsf != -1)
		g_ptr_array_add(s, g_strdup_printf("watermark-scale-factor=%d", mo->wsf));
	if (mo->boost_factor != -1)
		g_ptr_array_add(s, g_strdup_printf("watermark-boost-factor=%d", mo->boost_factor));
	if (mo->min_free_kbytes)
		ADD("min-free-kbytes", mo->min_free_kbytes);
	if (ro->policy)
		ADD("policy", ro->policy);
	if (ro->cost_model)
		ADD("cost-model", ro->cost_model);
	if (ro->firmware_accept)
		ADD("firmware-accept", ro->firmware_accept);
	if (ro->fake_unaccepted_start)
		ADD("fake-unaccepted-start", ro->fake_unaccepted_start);
	if (ro->no_reclaim)
		ADD("reclaim", "false");
	if (ro->no_compaction)
		ADD("compaction", "false");
	if (ro->proactiveness != -1)
		g_ptr_array_add(s, g_strdup_printf("compaction-proactiveness=%d", ro->proactiveness));
	if (ro->swap)
		ADD("swap", ro->swap);
#undef ADD
}

bool study_build_spec(const struct study *st, size_t config, uint64_t seed,
		      struct run_spec *rs, GError **error)
{
	const struct study_config *c = config_at(st, config);
	struct model_opts mo;
	struct run_opts ro;
	bool ok;

	model_opts_init(&mo);
	run_opts_init(&ro);
	mo.holes = g_strdupv(st->holes);
	mo.check_every = st->check_every;
	for (guint i = 0; i < c->settings->len; i++) {
		const char *s = g_ptr_array_index(c->settings, i);

		if (g_str_has_prefix(s, "scenario="))
			ro.scenario = g_strdup(setting_value(s));
	}
	/* defaults, the scenario, then the settings: what 'run' does with options */
	ok = run_spec_from_opts(rs, &mo, &ro, error);
	model_opts_clear(&mo);
	run_opts_clear(&ro);
	for (guint i = 0; ok && i < c->settings->len; i++) {
		const char *s = g_ptr_array_index(c->settings, i);
		g_autofree char *key = setting_key(s);

		if (strcmp(key, "scenario"))
			ok = run_spec_set(rs, key, setting_value(s), error);
	}
	if (!ok) {
		g_prefix_error(error, "configuration %s: ", c->name);
		return false;
	}
	rs->seed = seed;
	return true;
}

/* ---- run records ---- */

static gint compare_str(gconstpointer a, gconstpointer b)
{
	return strcmp(a, b);
}

/* Numeric scalars of @in, by dotted path, in name order; arrays skipped. */
static void flatten(JsonObject *out, JsonObject *in, const char *prefix)
{
	GList *names = g_list_sort(json_object_get_members(in), compare_str);

	for (GList *l = names; l; l = l->next) {
		const char *name = l->data;
		JsonNode *n = json_object_get_member(in, name);
		g_autofree char *path = g_strconcat(prefix, name, NULL);

		if (JSON_NODE_HOLDS_OBJECT(n)) {
			g_autofree char *p = g_strconcat(path, ".", NULL);

			flatten(out, json_node_get_object(n), p);
		} else if (JSON_NODE_HOLDS_VALUE(n)) {
			GType t = json_node_get_value_type(n);

			if (t == G_TYPE_INT64 || t == G_TYPE_DOUBLE)
				json_object_set_member(out, path, json_node_copy(n));
		}
	}
	g_list_free(names);
}

/* At most SERIES_POINTS elements of @a, evenly, always the last. */
static JsonNode *thin_array(JsonArray *a)
{
	JsonArray *out = json_array_new();
	guint n = json_array_get_length(a);
	guint step = n > SERIES_POINTS ? (n + SERIES_POINTS - 1) / SERIES_POINTS : 1;
	JsonNode *node = json_node_new(JSON_NODE_ARRAY);

	for (guint i = 0; i < n; i += step) {
		guint k = i + step >= n ? n - 1 : i;

		json_array_add_element(out, json_node_copy(json_array_get_element(a, k)));
		if (k == n - 1)
			break;
	}
	json_node_take_array(node, out);
	return node;
}

JsonObject *study_run_record(JsonObject *run, const char *config, uint64_t seed)
{
	static const char *const series_names[] = { "host_backed", "samples",
						    "accept_stall_log2_hist" };
	JsonObject *rec = json_object_new();
	JsonObject *values = json_object_new();
	JsonObject *series = json_object_new();

	json_object_set_string_member(rec, "config", config);
	json_object_set_int_member(rec, "seed", (gint64)seed);
	flatten(values, run, "");
	json_object_set_object_member(rec, "values", values);
	for (size_t i = 0; i < G_N_ELEMENTS(series_names); i++) {
		JsonNode *n = json_object_get_member(run, series_names[i]);

		if (n && JSON_NODE_HOLDS_ARRAY(n))
			json_object_set_member(series, series_names[i],
					       thin_array(json_node_get_array(n)));
	}
	json_object_set_object_member(rec, "series", series);
	return rec;
}

bool study_record_value(JsonObject *record, const char *path, double *v)
{
	JsonObject *values = json_object_get_object_member(record, "values");
	JsonNode *n = values ? json_object_get_member(values, path) : NULL;

	if (!n || !JSON_NODE_HOLDS_VALUE(n))
		return false;
	if (json_node_get_value_type(n) == G_TYPE_INT64)
		*v = (double)json_node_get_int(n);
	else if (json_node_get_value_type(n) == G_TYPE_DOUBLE)
		*v = json_node_get_double(n);
	else
		return false;
	return true;
}

/* ---- execution ---- */

struct exec_ctx {
	const struct study *st;
	JsonObject **records;		/* [run index] */
	GError **errors;		/* [run index] */
	GAsyncQueue *done;		/* run index + 1, as each finishes */
	enum pipeline_mode pipeline;	/* for each run: on or off */
};

static gint interrupted;		/* study_interrupt() was called */

void study_interrupt(void)
{
	g_atomic_int_set(&interrupted, 1);	/* lock-free: fine in a signal handler */
}

static void exec_one(gpointer data, gpointer user_data)
{
	struct exec_ctx *ctx = user_data;
	size_t i = GPOINTER_TO_SIZE(data) - 1;
	size_t config = i / ctx->st->runs;
	uint64_t seed = ctx->st->seed_base + i % ctx->st->runs;
	struct run_spec rs;
	JsonNode *root = NULL;

	if (g_atomic_int_get(&interrupted)) {	/* skipped: no record, no error */
		g_async_queue_push(ctx->done, data);
		return;
	}

	if (study_build_spec(ctx->st, config, seed, &rs, &ctx->errors[i]) &&
	    ((rs.pipeline = ctx->pipeline), true) &&
	    run_spec_execute(&rs, &root, NULL, false, &ctx->errors[i])) {
		JsonObject *run = json_node_get_object(root);
		JsonObject *cfg = json_object_get_object_member(run, "config");
		const char *name = config_at(ctx->st, config)->name;

		/* what 'run --tag' records, so merged files look the same */
		if (cfg)
			json_object_set_string_member(cfg, "tag", name);
		ctx->records[i] = study_run_record(run, name, seed);
	} else if (!ctx->errors[i]) {
		g_set_error(&ctx->errors[i], SIM_CLI_ERROR, SIM_CLI_ERROR_USAGE, "run failed");
	}
	if (root)
		json_node_unref(root);
	run_spec_clear(&rs);
	g_async_queue_push(ctx->done, data);
}

static void format_duration(char *buf, size_t len, double s)
{
	unsigned long t = (unsigned long)(s + 0.5);

	if (t >= 3600)
		snprintf(buf, len, "%lu:%02lu:%02lu", t / 3600, t / 60 % 60, t % 60);
	else
		snprintf(buf, len, "%lu:%02lu", t / 60, t % 60);
}

static void progress_draw(size_t done, size_t total, gint64 start)
{
	double elapsed = (double)(g_get_monotonic_time() - start) / 1e6;
	char el[32], rem[32];
	int fill = (int)(done * PROGRESS_WIDTH / (total ? total : 1));

	format_duration(el, sizeof(el), elapsed);
	if (done)
		format_duration(rem, sizeof(rem), elapsed * (double)(total - done) / (double)done);
	else
		snprintf(rem, sizeof(rem), "?");
	fprintf(stderr, "\r[%.*s%*s] %zu/%zu runs, %s elapsed, ~%s left ", fill,
		"########################", PROGRESS_WIDTH - fill, "", done, total, el, rem);
	fflush(stderr);
}

bool study_execute(struct study *st, unsigned int threads, bool progress, GError **error)
{
	size_t total = st->configs->len * st->runs;
	struct exec_ctx ctx = { .st = st };
	GThreadPool *pool;
	gint64 start = g_get_monotonic_time();
	size_t done = 0;
	bool ok = true;

	ctx.records = g_new0(JsonObject *, total);
	ctx.errors = g_new0(GError *, total);
	ctx.done = g_async_queue_new();
	/* the same results either way */
	ctx.pipeline = pipeline_wanted(st->pipeline, MIN(MAX(threads, 1u), total)) ?
		       PIPELINE_ON : PIPELINE_OFF;
	pool = g_thread_pool_new(exec_one, &ctx, (gint)MAX(threads, 1u), FALSE, error);
	if (!pool) {
		ok = false;
		goto out;
	}
	for (size_t i = 0; i < total; i++)
		g_thread_pool_push(pool, GSIZE_TO_POINTER(i + 1), NULL);
	while (done < total) {
		if (progress)
			progress_draw(done, total, start);
		if (g_async_queue_timeout_pop(ctx.done, 250000))
			done++;
	}
	g_thread_pool_free(pool, FALSE, TRUE);
	if (progress) {
		progress_draw(done, total, start);
		fputc('\n', stderr);
	}
	for (size_t i = 0; i < total; i++) {
		if (ctx.errors[i] && ok) {
			g_propagate_prefixed_error(error, ctx.errors[i], "seed %" G_GUINT64_FORMAT ": ",
						   st->seed_base + i % st->runs);
			ctx.errors[i] = NULL;
			ok = false;
		}
		g_clear_error(&ctx.errors[i]);
		if (!ctx.records[i])
			st->partial = true;	/* skipped after study_interrupt() */
		else if (ok)
			g_ptr_array_add(config_at(st, i / st->runs)->runs, ctx.records[i]);
		else
			json_object_unref(ctx.records[i]);
	}
out:
	g_async_queue_unref(ctx.done);
	g_free(ctx.records);
	g_free(ctx.errors);
	return ok;
}

/* ---- aggregation ---- */

static const struct metric_def *metric_def_lookup(const char *path)
{
	for (size_t i = 0; i < G_N_ELEMENTS(metric_defs); i++)
		if (!strcmp(metric_defs[i].path, path))
			return &metric_defs[i];
	return NULL;
}

static bool metric_reported(const struct study *st, const char *path)
{
	double v;

	for (guint c = 0; c < st->configs->len; c++) {
		GPtrArray *runs = config_at(st, c)->runs;

		for (guint r = 0; r < runs->len; r++)
			if (study_record_value(g_ptr_array_index(runs, r), path, &v))
				return true;
	}
	return false;
}

static bool metric_listed(const struct study *st, const char *path)
{
	for (guint i = 0; i < st->metrics->len; i++)
		if (!strcmp(((struct study_metric *)st->metrics->pdata[i])->path, path))
			return true;
	return false;
}

static void metric_add(struct study *st, const char *path, bool optional)
{
	const struct metric_def *d = metric_def_lookup(path);
	struct study_metric *m = g_new0(struct study_metric, 1);

	m->path = g_strdup(path);
	m->optional = optional;
	m->unit = g_strdup(d ? d->unit : "");
	m->scale = d ? d->scale : 1.0;
	if (d && *d->unit)
		m->label = g_strdup_printf("%s (%s)", d->label, d->unit);
	else
		m->label = g_strdup(d ? d->label : path);
	g_ptr_array_add(st->metrics, m);
}

static JsonObject *first_record(const struct study *st)
{
	for (guint c = 0; c < st->configs->len; c++)
		if (config_at(st, c)->runs->len)
			return g_ptr_array_index(config_at(st, c)->runs, 0);
	return NULL;
}

static bool choose_metrics(struct study *st, GError **error)
{
	JsonObject *first;

	g_ptr_array_set_size(st->metrics, 0);
	if (st->metric_paths) {
		for (char **p = st->metric_paths; *p; p++) {
			if (!metric_reported(st, *p))
				return usage(error, "unknown metric '%s': no run reports it "
					     "(a dotted path into the run JSON, e.g. extfrag.events)", *p);
			if (!metric_listed(st, *p))
				metric_add(st, *p, false);
		}
		return true;
	}
	for (size_t i = 0; i < G_N_ELEMENTS(metric_defs); i++)
		if (metric_defs[i].kind != METRIC_EXTRA && metric_reported(st, metric_defs[i].path))
			metric_add(st, metric_defs[i].path, metric_defs[i].kind == METRIC_OPTIONAL);
	first = first_record(st);
	if (first) {
		JsonObject *values = json_object_get_object_member(first, "values");
		GList *names = g_list_sort(json_object_get_members(values), compare_str);

		for (GList *l = names; l; l = l->next) {
			const char *path = l->data;
			bool prefix = false, word = false;

			for (size_t i = 0; i < G_N_ELEMENTS(auto_prefixes); i++)
				prefix |= g_str_has_prefix(path, auto_prefixes[i]);
			for (size_t i = 0; i < G_N_ELEMENTS(auto_words); i++)
				word |= strstr(path, auto_words[i]) != NULL;
			if (prefix && word && !metric_listed(st, path))
				metric_add(st, path, true);
		}
		g_list_free(names);
	}
	return true;
}

bool study_aggregate(struct study *st, GError **error)
{
	size_t nc = st->configs->len;

	if (!choose_metrics(st, error))
		return false;
	g_free(st->cells);
	st->cells = g_new0(struct table_cell, st->metrics->len * nc + 1);
	for (guint m = 0; m < st->metrics->len; m++) {
		const struct study_metric *metric = g_ptr_array_index(st->metrics, m);
		struct table_cell *row = &st->cells[m * nc];

		for (size_t c = 0; c < nc; c++) {
			GPtrArray *runs = config_at(st, c)->runs;
			g_autofree double *x = g_new(double, runs->len + 1);
			size_t n = 0;

			for (guint r = 0; r < runs->len; r++)
				if (study_record_value(g_ptr_array_index(runs, r), metric->path, &x[n]))
					x[n++] *= metric->scale;
			stats_summarize(x, n, STATS_LEVEL, &row[c].s);
			row[c].present = n > 0;
		}
		for (size_t c = 0; c < nc; c++) {
			size_t b = config_at(st, c)->baseline;

			if (b != c)
				stats_compare(&row[b].s, &row[c].s, STATS_ALPHA, &row[c].c);
		}
	}
	return true;
}

JsonObject *study_median_run(const struct study *st, size_t config)
{
	GPtrArray *runs = config_at(st, config)->runs;
	g_autofree double *key = NULL;
	g_autofree guint *idx = NULL;

	if (!runs->len)
		return NULL;
	key = g_new(double, runs->len);
	idx = g_new(guint, runs->len);
	for (guint r = 0; r < runs->len; r++) {
		idx[r] = r;
		if (!study_record_value(g_ptr_array_index(runs, r), "boot_time_ns", &key[r]) &&
		    !study_record_value(g_ptr_array_index(runs, r), "sim_time_ns", &key[r]))
			key[r] = 0;
	}
	/* stable insertion sort by key: ties keep seed order */
	for (guint i = 1; i < runs->len; i++)
		for (guint j = i; j > 0 && key[idx[j - 1]] > key[idx[j]]; j--) {
			guint t = idx[j];

			idx[j] = idx[j - 1];
			idx[j - 1] = t;
		}
	return g_ptr_array_index(runs, idx[(runs->len - 1) / 2]);
}

/* ---- summary.txt ---- */

static bool study_has_sweep(const struct study *st)
{
	for (guint c = 0; c < st->configs->len; c++)
		if (config_at(st, c)->sweep)
			return true;
	return false;
}

void study_summary(const struct study *st, GString *out)
{
	size_t nc = st->configs->len;
	g_autofree const char **names = g_new0(const char *, nc + 1);
	g_autofree struct table_row *rows = g_new0(struct table_row, st->metrics->len + 1);
	g_autofree struct table_group *groups = NULL;
	g_autofree size_t *cols = g_new0(size_t, nc + 1);
	g_autofree char *t1 = NULL, *t2 = NULL, *seeds = NULL;
	g_autoptr(GString) runs_note = g_string_new(NULL);
	g_autoptr(GString) hidden = g_string_new(NULL);
	const char *title[3] = { NULL };
	struct table t = { 0 };
	size_t nr_groups = 0, nr_rows = 0;

	for (size_t c = 0; c < nc; c++) {
		const struct study_config *cfg = config_at(st, c);

		/* with a sweep, each group's title names the sweep value */
		names[c] = cfg->sweep ? cfg->base : cfg->name;
		if (cfg->runs->len != st->runs)
			g_string_append_printf(runs_note, "%s%s %u", runs_note->len ? ", " : "",
					       cfg->name, cfg->runs->len);
	}
	for (guint m = 0; m < st->metrics->len; m++) {
		const struct study_metric *metric = g_ptr_array_index(st->metrics, m);
		bool zero = true;

		for (size_t c = 0; c < nc; c++) {
			const struct table_cell *cell = &st->cells[m * nc + c];

			if (cell->present && (cell->s.min != 0.0 || cell->s.max != 0.0))
				zero = false;
		}
		if (metric->optional && zero) {
			g_string_append_printf(hidden, "%s%s", hidden->len ? ", " : "", metric->label);
			continue;
		}
		rows[nr_rows].label = metric->label;
		rows[nr_rows].cells = &st->cells[m * nc];
		nr_rows++;
	}
	if (st->runs == 1)
		seeds = g_strdup_printf("seed %" G_GUINT64_FORMAT, st->seed_base);
	else
		seeds = g_strdup_printf("seeds %" G_GUINT64_FORMAT "-%" G_GUINT64_FORMAT,
					st->seed_base, st->seed_base + st->runs - 1);
	t1 = g_strdup_printf("acceptsim compare: %zu configuration%s x %u run%s (%s); "
			     "baseline %s.", nc, nc == 1 ? "" : "s", st->runs,
			     st->runs == 1 ? "" : "s", seeds,
			     study_has_sweep(st) ? "per sweep value: the first configuration"
						 : (nc ? config_at(st, 0)->name : "-"));
	title[0] = t1;
	if (runs_note->len) {
		t2 = g_strdup_printf("Runs found: %s.", runs_note->str);
		title[1] = t2;
	}

	/* one group per sweep value, the baseline first (as planned) */
	if (study_has_sweep(st)) {
		groups = g_new0(struct table_group, nc);
		for (size_t c = 0, k = 0; c < nc; c++) {
			const struct study_config *cfg = config_at(st, c);

			if (cfg->baseline == c) {
				groups[nr_groups].title = cfg->sweep;
				groups[nr_groups].cols = &cols[k];
				nr_groups++;
			}
			cols[k++] = c;
			groups[nr_groups - 1].nr_cols++;
		}
	}
	t.title = title;
	t.col_names = names;
	t.nr_cols = nc;
	t.rows = rows;
	t.nr_rows = nr_rows;
	t.groups = groups;
	t.nr_groups = nr_groups;
	t.mark = st->mark;
	table_render(&t, out);
	if (hidden->len) {
		g_string_prepend(hidden, "Zero in every run (not shown; in results.json): ");
		g_string_append_c(hidden, '.');
		table_wrap(out, "", "  ", hidden->str);
	}

	g_string_append(out, "Configurations:\n");
	for (size_t c = 0; c < nc; c++) {
		const struct study_config *cfg = config_at(st, c);
		g_autofree char *first = g_strdup_printf("  %s: ", cfg->name);
		g_autoptr(GString) s = g_string_new(NULL);

		for (guint i = 0; i < cfg->settings->len; i++)
			g_string_append_printf(s, "%s%s", i ? " " : "",
					       (char *)g_ptr_array_index(cfg->settings, i));
		if (!s->len)
			g_string_append(s, "(defaults)");
		table_wrap(out, first, "      ", s->str);
	}
	if (st->command)
		table_wrap(out, "Command: ", "  ", st->command);
	if (st->partial)
		g_string_append(out, "Partial: interrupted; the runs that had not finished are "
				     "missing.\n");
}

/* ---- results.json and plan.json ---- */

static void set_double_or_null(JsonObject *o, const char *name, bool valid, double v)
{
	if (valid && isfinite(v))
		json_object_set_double_member(o, name, v);
	else
		json_object_set_null_member(o, name);
}

static JsonObject *summary_json(const struct table_cell *cell)
{
	JsonObject *o = json_object_new();
	const struct stats_summary *s = &cell->s;

	json_object_set_int_member(o, "n", (gint64)s->n);
	set_double_or_null(o, "mean", s->n, s->mean);
	set_double_or_null(o, "stddev", s->n >= 2, s->stddev);
	set_double_or_null(o, "cov_pct", s->n >= 2, s->cov_pct);
	set_double_or_null(o, "min", s->n, s->min);
	set_double_or_null(o, "median", s->n, s->median);
	set_double_or_null(o, "max", s->n, s->max);
	if (s->has_ci) {
		JsonArray *ci = json_array_new();

		json_array_add_double_element(ci, s->ci_lo);
		json_array_add_double_element(ci, s->ci_hi);
		json_object_set_array_member(o, "ci95", ci);
	} else {
		json_object_set_null_member(o, "ci95");
	}
	return o;
}

static JsonObject *comparison_json(const struct study *st, size_t baseline,
				   const struct table_cell *base, const struct table_cell *cell)
{
	static const char *const tests[] = { "none", "welch", "exact" };
	JsonObject *o = json_object_new();
	const struct stats_comparison *c = &cell->c;
	bool both = base->present && cell->present;

	json_object_set_string_member(o, "baseline", config_at(st, baseline)->name);
	set_double_or_null(o, "diff_pct", both && c->has_diff_pct, c->diff_pct);
	json_object_set_string_member(o, "test", both ? tests[c->test] : "none");
	set_double_or_null(o, "welch_t", both && c->test == STATS_TEST_WELCH, c->t);
	set_double_or_null(o, "welch_df", both && c->test == STATS_TEST_WELCH, c->df);
	set_double_or_null(o, "p", both && c->test != STATS_TEST_NONE, c->p);
	json_object_set_boolean_member(o, "welch_significant", both && c->welch_significant);
	json_object_set_boolean_member(o, "ci_disjoint", both && c->ci_disjoint);
	json_object_set_boolean_member(o, "significant", both &&
				       (st->mark == TABLE_MARK_CI ? c->ci_disjoint
								  : c->welch_significant));
	return o;
}

static JsonObject *aggregates_json(const struct study *st)
{
	JsonObject *agg = json_object_new();
	JsonArray *metrics = json_array_new();
	size_t nc = st->configs->len;

	json_object_set_double_member(agg, "level", STATS_LEVEL);
	json_object_set_double_member(agg, "alpha", STATS_ALPHA);
	json_object_set_string_member(agg, "significance",
				      st->mark == TABLE_MARK_CI ? "ci" : "welch");
	for (guint m = 0; m < st->metrics->len; m++) {
		const struct study_metric *metric = g_ptr_array_index(st->metrics, m);
		JsonObject *mo = json_object_new();
		JsonArray *configs = json_array_new();

		json_object_set_string_member(mo, "path", metric->path);
		json_object_set_string_member(mo, "label", metric->label);
		json_object_set_string_member(mo, "unit", metric->unit);
		json_object_set_double_member(mo, "scale", metric->scale);
		for (size_t c = 0; c < nc; c++) {
			const struct table_cell *cell = &st->cells[m * nc + c];
			size_t b = config_at(st, c)->baseline;
			JsonObject *co = summary_json(cell);

			json_object_set_string_member(co, "config", config_at(st, c)->name);
			if (b == c)
				json_object_set_null_member(co, "vs_baseline");
			else
				json_object_set_object_member(co, "vs_baseline",
					comparison_json(st, b, &st->cells[m * nc + b], cell));
			json_array_add_object_element(configs, co);
		}
		json_object_set_array_member(mo, "configs", configs);
		json_array_add_object_element(metrics, mo);
	}
	json_object_set_array_member(agg, "metrics", metrics);
	return agg;
}

static JsonArray *strv_json(char **v)
{
	JsonArray *a = json_array_new();

	for (; v && *v; v++)
		json_array_add_string_element(a, *v);
	return a;
}

JsonNode *study_to_json(const struct study *st, bool full)
{
	JsonObject *root = json_object_new();
	JsonObject *so = json_object_new();
	JsonArray *configs = json_array_new();
	JsonNode *node;

	json_object_set_string_member(root, "schema", full ? STUDY_SCHEMA : STUDY_PLAN_SCHEMA);
	json_object_set_string_member(root, "acceptsim_version", ACCEPTSIM_VERSION);
	json_object_set_string_member(root, "command", st->command ? st->command : "");
	if (st->partial)
		json_object_set_boolean_member(root, "partial", TRUE);
	json_object_set_int_member(so, "runs", st->runs);
	json_object_set_int_member(so, "seed_base", (gint64)st->seed_base);
	json_object_set_string_member(so, "significance",
				      st->mark == TABLE_MARK_CI ? "ci" : "welch");
	if (st->metric_paths)
		json_object_set_array_member(so, "metrics", strv_json(st->metric_paths));
	else
		json_object_set_null_member(so, "metrics");
	json_object_set_array_member(so, "holes", strv_json(st->holes));
	json_object_set_int_member(so, "check_every", st->check_every);
	for (guint c = 0; c < st->configs->len; c++) {
		const struct study_config *cfg = config_at(st, c);
		JsonObject *co = json_object_new();
		JsonObject *settings = json_object_new();

		json_object_set_string_member(co, "name", cfg->name);
		json_object_set_string_member(co, "base", cfg->base);
		if (cfg->sweep)
			json_object_set_string_member(co, "sweep", cfg->sweep);
		else
			json_object_set_null_member(co, "sweep");
		json_object_set_string_member(co, "baseline", config_at(st, cfg->baseline)->name);
		for (guint i = 0; i < cfg->settings->len; i++) {
			const char *s = g_ptr_array_index(cfg->settings, i);
			g_autofree char *key = setting_key(s);

			json_object_set_string_member(settings, key, setting_value(s));
		}
		json_object_set_object_member(co, "settings", settings);
		json_array_add_object_element(configs, co);
	}
	json_object_set_array_member(so, "configs", configs);
	json_object_set_object_member(root, "study", so);
	if (full) {
		JsonArray *runs = json_array_new();

		for (guint c = 0; c < st->configs->len; c++) {
			GPtrArray *rr = config_at(st, c)->runs;

			for (guint r = 0; r < rr->len; r++)
				json_array_add_object_element(runs,
					json_object_ref(g_ptr_array_index(rr, r)));
		}
		json_object_set_array_member(root, "runs", runs);
		json_object_set_object_member(root, "aggregates", aggregates_json(st));
	}
	node = json_node_new(JSON_NODE_OBJECT);
	json_node_take_object(node, root);
	return node;
}

static bool parse_error(GError **error, const char *file, const char *what)
{
	g_set_error(error, SIM_CLI_ERROR, SIM_CLI_ERROR_PARSE, "%s: %s", file, what);
	return false;
}

/* The string node @n, or NULL if it is no string (a number, an object...). */
static const char *node_string(JsonNode *n)
{
	if (!n || !JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_STRING)
		return NULL;
	return json_node_get_string(n);
}

/* The string member @name of @o, or NULL if absent or no string. */
static const char *string_member(JsonObject *o, const char *name)
{
	return node_string(o ? json_object_get_member(o, name) : NULL);
}

/* The strings of @a; elements that are no strings are left out. */
static char **strv_from_json(JsonArray *a)
{
	guint n = a ? json_array_get_length(a) : 0;
	char **v = g_new0(char *, n + 1);
	guint j = 0;

	for (guint i = 0; i < n; i++)
		if (node_string(json_array_get_element(a, i)))
			v[j++] = g_strdup(node_string(json_array_get_element(a, i)));
	return v;
}

static int config_index(const struct study *st, const char *name)
{
	for (guint c = 0; c < st->configs->len; c++)
		if (!strcmp(config_at(st, c)->name, name))
			return (int)c;
	return -1;
}

static bool member_is(JsonObject *o, const char *name, JsonNodeType type)
{
	JsonNode *n = o ? json_object_get_member(o, name) : NULL;

	return n && json_node_get_node_type(n) == type;
}

static bool node_is_number(JsonNode *n)
{
	return n && JSON_NODE_HOLDS_VALUE(n) && (json_node_get_value_type(n) == G_TYPE_INT64 ||
						 json_node_get_value_type(n) == G_TYPE_DOUBLE);
}

/* An array of at least @min numbers. */
static bool numbers(JsonNode *n, guint min)
{
	JsonArray *a = n && JSON_NODE_HOLDS_ARRAY(n) ? json_node_get_array(n) : NULL;

	if (!a || json_array_get_length(a) < min)
		return false;
	for (guint i = 0; i < json_array_get_length(a); i++)
		if (!node_is_number(json_array_get_element(a, i)))
			return false;
	return true;
}

/*
 * The series of a run record in the shape plot.c reads them without
 * further checks: "samples" objects with numbers t and mixed_pageblocks
 * and an array of numbers nr_free, "host_backed" [t, bytes] pairs and
 * "accept_stall_log2_hist" numbers, each optional, like "series" itself.
 */
static bool series_valid(JsonObject *rec)
{
	JsonNode *sn = json_object_get_member(rec, "series");
	JsonObject *s = sn && JSON_NODE_HOLDS_OBJECT(sn) ? json_node_get_object(sn) : NULL;
	JsonNode *n;

	if (!sn)
		return true;		/* hand-made files may have values only */
	if (!s)
		return false;
	if ((n = json_object_get_member(s, "accept_stall_log2_hist")) && !numbers(n, 0))
		return false;
	if ((n = json_object_get_member(s, "host_backed"))) {
		if (!JSON_NODE_HOLDS_ARRAY(n))
			return false;
		for (guint i = 0; i < json_array_get_length(json_node_get_array(n)); i++)
			if (!numbers(json_array_get_element(json_node_get_array(n), i), 2))
				return false;
	}
	if ((n = json_object_get_member(s, "samples"))) {
		if (!JSON_NODE_HOLDS_ARRAY(n))
			return false;
		for (guint i = 0; i < json_array_get_length(json_node_get_array(n)); i++) {
			JsonNode *e = json_array_get_element(json_node_get_array(n), i);
			JsonObject *o = JSON_NODE_HOLDS_OBJECT(e) ? json_node_get_object(e) : NULL;

			if (!o || !node_is_number(json_object_get_member(o, "t")) ||
			    !node_is_number(json_object_get_member(o, "mixed_pageblocks")) ||
			    !numbers(json_object_get_member(o, "nr_free"), 0))
				return false;
		}
	}
	return true;
}

/* Insert @rec into @c's runs in seed order; false on a duplicate seed. */
static bool insert_run(struct study_config *c, JsonObject *rec)
{
	gint64 seed = json_object_get_int_member(rec, "seed");
	guint pos = c->runs->len;

	for (guint r = 0; r < c->runs->len; r++) {
		gint64 s = json_object_get_int_member(g_ptr_array_index(c->runs, r), "seed");

		if (s == seed)
			return false;
		if (s > seed) {
			pos = r;
			break;
		}
	}
	g_ptr_array_insert(c->runs, (gint)pos, json_object_ref(rec));
	return true;
}

/* Free @st, set a parse error, return NULL. */
static struct study *study_fail(struct study *st, GError **error, const char *file,
				const char *what)
{
	study_free(st);
	parse_error(error, file, what);
	return NULL;
}

struct study *study_from_json(JsonObject *root, const char *file, bool with_runs,
			      GError **error)
{
	struct study *st = study_new();
	JsonObject *so;
	JsonArray *configs, *runs;
	const char *sig;

	if (!member_is(root, "study", JSON_NODE_OBJECT))
		return study_fail(st, error, file, "no \"study\" object");
	so = json_object_get_object_member(root, "study");
	if (!member_is(so, "configs", JSON_NODE_ARRAY) || !member_is(so, "runs", JSON_NODE_VALUE) ||
	    !member_is(so, "seed_base", JSON_NODE_VALUE))
		return study_fail(st, error, file, "\"study\" lacks configs, runs or seed_base");
	st->command = g_strdup(string_member(root, "command") ? string_member(root, "command") : "");
	st->partial = member_is(root, "partial", JSON_NODE_VALUE) &&
		      json_object_get_boolean_member(root, "partial");
	st->runs = (unsigned int)json_object_get_int_member(so, "runs");
	st->seed_base = (uint64_t)json_object_get_int_member(so, "seed_base");
	sig = string_member(so, "significance");
	st->mark = sig && !strcmp(sig, "ci") ? TABLE_MARK_CI : TABLE_MARK_WELCH;
	if (member_is(so, "metrics", JSON_NODE_ARRAY))
		st->metric_paths = strv_from_json(json_object_get_array_member(so, "metrics"));
	if (member_is(so, "holes", JSON_NODE_ARRAY)) {
		st->holes = strv_from_json(json_object_get_array_member(so, "holes"));
		if (!*st->holes)
			g_clear_pointer(&st->holes, g_strfreev);
	}
	st->check_every = member_is(so, "check_every", JSON_NODE_VALUE) ?
			  (int)json_object_get_int_member(so, "check_every") : -1;

	configs = json_object_get_array_member(so, "configs");
	for (guint i = 0; i < json_array_get_length(configs); i++) {
		JsonObject *co = json_array_get_object_element(configs, i);
		struct study_config *c;
		JsonObject *settings;
		GList *names;

		if (!co || !string_member(co, "name"))
			return study_fail(st, error, file, "a configuration has no name");
		c = config_new();
		g_ptr_array_add(st->configs, c);
		c->name = g_strdup(string_member(co, "name"));
		c->base = g_strdup(string_member(co, "base") ? string_member(co, "base") : c->name);
		c->sweep = g_strdup(string_member(co, "sweep"));
		c->baseline = i;
		if (member_is(co, "baseline", JSON_NODE_VALUE)) {
			const char *bname = string_member(co, "baseline");
			int b = bname ? config_index(st, bname) : -1;

			if (b < 0)
				return study_fail(st, error, file, "a baseline is not an earlier "
						   "configuration");
			c->baseline = (size_t)b;
		}
		settings = member_is(co, "settings", JSON_NODE_OBJECT) ?
			   json_object_get_object_member(co, "settings") : NULL;
		names = settings ? json_object_get_members(settings) : NULL;
		for (GList *l = names; l; l = l->next) {
			const char *v = string_member(settings, l->data);

			if (!v) {
				g_list_free(names);
				return study_fail(st, error, file, "a setting is not a string");
			}
			g_ptr_array_add(c->settings, g_strdup_printf("%s=%s", (char *)l->data, v));
		}
		g_list_free(names);
	}
	if (!st->configs->len)
		return study_fail(st, error, file, "no configurations");
	if (!with_runs)
		return st;
	if (!member_is(root, "runs", JSON_NODE_ARRAY))
		return study_fail(st, error, file, "no \"runs\" array");
	runs = json_object_get_array_member(root, "runs");
	for (guint i = 0; i < json_array_get_length(runs); i++) {
		JsonObject *rec = json_array_get_object_element(runs, i);
		int c;

		if (!rec || !string_member(rec, "config") ||
		    !member_is(rec, "seed", JSON_NODE_VALUE) ||
		    !member_is(rec, "values", JSON_NODE_OBJECT))
			return study_fail(st, error, file, "a run lacks config, seed or values");
		if (!series_valid(rec))
			return study_fail(st, error, file, "a run's series are malformed");
		c = config_index(st, string_member(rec, "config"));
		if (c < 0)
			return study_fail(st, error, file, "a run names an unknown configuration");
		if (!insert_run(config_at(st, (size_t)c), rec))
			return study_fail(st, error, file, "two runs with the same seed");
	}
	return st;
}

/* Our files nest 7 deep; json-glib recurses per level and overflows the stack. */
#define STUDY_MAX_JSON_DEPTH	256

/* The deepest nesting of arrays and objects in @len bytes of JSON text. */
static unsigned int json_depth(const char *p, size_t len)
{
	unsigned int depth = 0, max = 0;
	bool in_string = false;

	for (size_t i = 0; i < len; i++) {
		if (in_string) {
			if (p[i] == '\\')
				i++;
			else if (p[i] == '"')
				in_string = false;
		} else if (p[i] == '"') {
			in_string = true;
		} else if (p[i] == '[' || p[i] == '{') {
			max = MAX(max, ++depth);
		} else if ((p[i] == ']' || p[i] == '}') && depth) {
			depth--;
		}
	}
	return max;
}

/*
 * False if a number in @n is not finite: "1e999" parses to inf, which
 * json-glib would write back as "inf", and no JSON reader takes that.
 * Recursion is bounded by STUDY_MAX_JSON_DEPTH.
 */
static bool all_finite(JsonNode *n)
{
	switch (json_node_get_node_type(n)) {
	case JSON_NODE_OBJECT: {
		g_autoptr(GList) members = json_object_get_values(json_node_get_object(n));

		for (GList *l = members; l; l = l->next)
			if (!all_finite(l->data))
				return false;
		return true;
	}
	case JSON_NODE_ARRAY: {
		JsonArray *a = json_node_get_array(n);

		for (guint i = 0; i < json_array_get_length(a); i++)
			if (!all_finite(json_array_get_element(a, i)))
				return false;
		return true;
	}
	case JSON_NODE_VALUE:
		return json_node_get_value_type(n) != G_TYPE_DOUBLE ||
		       isfinite(json_node_get_double(n));
	default:
		return true;
	}
}

JsonNode *study_load_json(const char *path, const char *schema, GError **error)
{
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(GError) local = NULL;
	g_autoptr(GMappedFile) map = g_mapped_file_new(path, FALSE, &local);
	const char *text = map ? g_mapped_file_get_contents(map) : NULL;
	gsize len = map ? g_mapped_file_get_length(map) : 0;
	JsonNode *root;
	JsonObject *o;
	const char *have;

	/* 100000 '[' would crash json-glib: refuse them first */
	if (map && json_depth(text, len) > STUDY_MAX_JSON_DEPTH) {
		g_set_error(error, SIM_CLI_ERROR, SIM_CLI_ERROR_PARSE,
			    "%s: JSON nested deeper than %d levels, not an acceptsim file", path,
			    STUDY_MAX_JSON_DEPTH);
		return NULL;
	}
	if (!map || !json_parser_load_from_data(parser, text ? text : "", (gssize)len, &local)) {
		if (g_error_matches(local, G_FILE_ERROR, G_FILE_ERROR_NOENT) ||
		    local->domain == G_FILE_ERROR)
			g_set_error(error, SIM_CLI_ERROR, SIM_CLI_ERROR_IO, "%s: %s", path,
				    local->message);
		else
			g_set_error(error, SIM_CLI_ERROR, SIM_CLI_ERROR_PARSE, "%s: not valid JSON: %s",
				    path, g_str_has_prefix(local->message, "<data>:") ?
				    local->message + 7 : local->message);
		return NULL;
	}
	root = json_parser_get_root(parser);
	if (!root || !JSON_NODE_HOLDS_OBJECT(root)) {
		parse_error(error, path, "not a JSON object");
		return NULL;
	}
	if (!all_finite(root)) {
		parse_error(error, path, "a number is out of range (more than 1.8e308)");
		return NULL;
	}
	o = json_node_get_object(root);
	have = string_member(o, "schema");
	if (schema && (!have || strcmp(have, schema))) {
		g_set_error(error, SIM_CLI_ERROR, SIM_CLI_ERROR_PARSE,
			    "%s: schema '%s', expected '%s'", path, have ? have : "(none)", schema);
		return NULL;
	}
	return json_node_ref(root);
}

/* ---- output files ---- */

char *study_slug(const char *name)
{
	char *s = g_strdup(name);

	for (char *p = s; *p; p++)
		if (!g_ascii_isalnum(*p) && !strchr(".-_", *p))
			*p = '_';
	return s;
}

static bool write_string(const char *dir, const char *name, GString *s, GError **error)
{
	g_autofree char *path = g_build_filename(dir, name, NULL);

	return write_file_atomic(path, s->str, s->len, error);
}

static bool make_dir(const char *dir, GError **error)
{
	if (g_mkdir_with_parents(dir, 0755) < 0) {
		int e = errno;

		g_set_error(error, SIM_CLI_ERROR, SIM_CLI_ERROR_IO, "%s: %s", dir, g_strerror(e));
		return false;
	}
	return true;
}

static char *csv_quote(const char *s)
{
	g_autoptr(GString) q = g_string_new("\"");

	for (; *s; s++) {
		if (*s == '"')
			g_string_append_c(q, '"');
		g_string_append_c(q, *s);
	}
	g_string_append_c(q, '"');
	return g_string_free(g_steal_pointer(&q), FALSE);
}

static bool write_metric_files(const struct study *st, const char *dir, GError **error)
{
	for (guint m = 0; m < st->metrics->len; m++) {
		const struct study_metric *metric = g_ptr_array_index(st->metrics, m);
		g_autoptr(GString) csv = g_string_new("config,seed,value\n");
		g_autoptr(GString) dat = g_string_new(NULL);
		g_autofree char *slug = study_slug(metric->path);
		g_autofree char *csv_name = g_strdup_printf("%s.csv", slug);
		g_autofree char *dat_name = g_strdup_printf("%s.dat", slug);

		g_string_append_printf(dat, "# %s: %s%s%s, one row per run\n# config seed value\n",
				       metric->path, metric->label, *metric->unit ? ", in " : "",
				       metric->unit);
		for (guint c = 0; c < st->configs->len; c++) {
			const struct study_config *cfg = config_at(st, c);
			g_autofree char *q = csv_quote(cfg->name);

			for (guint r = 0; r < cfg->runs->len; r++) {
				JsonObject *rec = g_ptr_array_index(cfg->runs, r);
				gint64 seed = json_object_get_int_member(rec, "seed");
				char buf[G_ASCII_DTOSTR_BUF_SIZE];
				double v;

				if (!study_record_value(rec, metric->path, &v))
					continue;
				g_ascii_formatd(buf, sizeof(buf), "%.15g", v * metric->scale);
				g_string_append_printf(csv, "%s,%" G_GINT64_FORMAT ",%s\n", q, seed, buf);
				g_string_append_printf(dat, "%s %" G_GINT64_FORMAT " %s\n", q, seed, buf);
			}
		}
		if (!write_string(dir, csv_name, csv, error) || !write_string(dir, dat_name, dat, error))
			return false;
	}
	return true;
}

bool study_write(const struct study *st, const char *dir, unsigned int plot_formats,
		 GString *notes, GString *dumb, GError **error)
{
	g_autofree char *metrics_dir = g_build_filename(dir, "metrics", NULL);
	g_autofree char *plots_dir = g_build_filename(dir, "plots", NULL);
	g_autoptr(JsonNode) root = study_to_json(st, true);
	g_autofree char *json = json_to_string_nl(root);
	g_autoptr(GString) summary = g_string_new(NULL);
	g_autofree char *results = g_build_filename(dir, "results.json", NULL);

	if (!make_dir(dir, error) || !make_dir(metrics_dir, error) || !make_dir(plots_dir, error))
		return false;
	if (!write_file_atomic(results, json, strlen(json), error))
		return false;
	study_summary(st, summary);
	if (!write_string(dir, "summary.txt", summary, error))
		return false;
	if (!write_metric_files(st, metrics_dir, error))
		return false;
	return plot_study(st, plots_dir, plot_formats, notes, dumb, error);
}

/* ---- --emit-jobs ---- */

/* Shell-quote only when needed, so job lines stay readable. */
static void append_arg(GString *s, const char *arg)
{
	bool plain = *arg != '\0';

	for (const char *p = arg; *p && plain; p++)
		plain = g_ascii_isalnum(*p) || strchr("-_./=:,+@%", *p);
	if (s->len)
		g_string_append_c(s, ' ');
	if (plain) {
		g_string_append(s, arg);
	} else {
		g_autofree char *q = g_shell_quote(arg);

		g_string_append(s, q);
	}
}

static bool parse_bool_setting(const char *v, bool *out)
{
	static const char *const yes[] = { "true", "1", "yes", "on" };
	static const char *const no[] = { "false", "0", "no", "off" };

	for (size_t i = 0; i < G_N_ELEMENTS(yes); i++) {
		if (!g_ascii_strcasecmp(v, yes[i]))
			return *out = true, true;
		if (!g_ascii_strcasecmp(v, no[i]))
			return *out = false, true;
	}
	return false;
}

/* The options of 'acceptsim run' that reproduce configuration @c. */
static bool append_run_options(GString *s, const struct study *st,
			       const struct study_config *c, GError **error)
{
	bool scenario = false;

	for (guint i = 0; i < c->settings->len; i++)
		scenario |= g_str_has_prefix(g_ptr_array_index(c->settings, i), "scenario=");
	for (char **h = st->holes; h && *h; h++) {
		append_arg(s, "--hole");
		append_arg(s, *h);
	}
	if (st->check_every != -1) {
		g_autofree char *v = g_strdup_printf("%d", st->check_every);

		append_arg(s, "--check-every");
		append_arg(s, v);
	}
	for (guint i = 0; i < c->settings->len; i++) {
		const char *set = g_ptr_array_index(c->settings, i);
		g_autofree char *key = setting_key(set);
		const char *v = setting_value(set);
		bool b;

		if (g_str_has_prefix(key, "wl.")) {
			g_autofree char *kv = g_strdup_printf("%s=%s", key + 3, v);

			if (strchr(v, ','))
				return usage(error, "configuration %s: workload option %s has a ',' "
					     "that 'run --wl' cannot carry", c->name, key);
			append_arg(s, "--wl");
			append_arg(s, kv);
		} else if (!strcmp(key, "pcp") || !strcmp(key, "thp") ||
			   !strcmp(key, "reclaim") || !strcmp(key, "compaction")) {
			g_autofree char *opt = g_strconcat("--no-", key, NULL);

			if (!parse_bool_setting(v, &b))
				return usage(error, "configuration %s: %s: '%s' is not a boolean",
					     c->name, key, v);
			/* on is the default; a scenario may have turned it off */
			if (b && scenario)
				return usage(error, "configuration %s: %s=%s over a scenario has no "
					     "'acceptsim run' option; edit the scenario instead",
					     c->name, key, v);
			if (!b)
				append_arg(s, opt);
		} else {
			g_autofree char *opt = g_strconcat("--", key, NULL);

			append_arg(s, opt);
			append_arg(s, v);
		}
	}
	return true;
}

bool study_emit_jobs(const struct study *st, const char *jobs_file, const char *binary,
		     const char *runs_dir, GError **error)
{
	g_autoptr(GString) jobs = g_string_new(NULL);
	g_autoptr(JsonNode) plan = study_to_json(st, false);
	g_autofree char *plan_text = json_to_string_nl(plan);
	g_autofree char *plan_path = g_build_filename(runs_dir, "plan.json", NULL);

	for (guint c = 0; c < st->configs->len; c++) {
		const struct study_config *cfg = config_at(st, c);
		g_autofree char *slug = study_slug(cfg->name);

		for (unsigned int r = 0; r < st->runs; r++) {
			uint64_t seed = st->seed_base + r;
			g_autoptr(GString) line = g_string_new(NULL);
			g_autofree char *seed_s = g_strdup_printf("%" G_GUINT64_FORMAT, seed);
			g_autofree char *file = g_strdup_printf("%04zu-%s-s%" G_GUINT64_FORMAT ".json",
								(size_t)c * st->runs + r, slug, seed);
			g_autofree char *out = g_build_filename(runs_dir, file, NULL);
			g_autofree char *tmp = g_strconcat(out, ".tmp", NULL);

			append_arg(line, binary);
			append_arg(line, "run");
			if (!append_run_options(line, st, cfg, error))
				return false;
			append_arg(line, "--seed");
			append_arg(line, seed_s);
			append_arg(line, "--tag");
			append_arg(line, cfg->name);
			append_arg(line, "--json");
			/* the engine runs a job per core: no core to spare */
			append_arg(line, "--no-pipeline");
			g_string_append(line, " >");
			append_arg(line, tmp);
			g_string_append(line, " &&");
			append_arg(line, "mv");
			append_arg(line, tmp);
			append_arg(line, out);
			g_string_append_printf(jobs, "%s\n", line->str);
		}
	}
	if (!make_dir(runs_dir, error))
		return false;
	if (!write_file_atomic(plan_path, plan_text, strlen(plan_text), error))
		return false;
	return write_file_atomic(jobs_file, jobs->str, jobs->len, error);
}

bool study_add_run_file(struct study *st, const char *path, JsonObject *run, GError **error)
{
	JsonObject *cfg = member_is(run, "config", JSON_NODE_OBJECT) ?
			  json_object_get_object_member(run, "config") : NULL;
	g_autoptr(JsonObject) rec = NULL;
	const char *tag;
	gint64 seed;
	int c;

	if (!cfg || !member_is(cfg, "tag", JSON_NODE_VALUE) || !member_is(cfg, "seed", JSON_NODE_VALUE))
		return parse_error(error, path, "not an 'acceptsim run --json --tag NAME' result "
				   "(no config.tag or config.seed)");
	tag = string_member(cfg, "tag");
	seed = json_object_get_int_member(cfg, "seed");
	if (!tag)
		return parse_error(error, path, "config.tag is not a string");
	c = config_index(st, tag);
	if (c < 0) {
		g_set_error(error, SIM_CLI_ERROR, SIM_CLI_ERROR_PARSE,
			    "%s: configuration '%s' is not in the plan", path, tag);
		return false;
	}
	if (st->runs && (seed < (gint64)st->seed_base ||
			 seed >= (gint64)(st->seed_base + st->runs))) {
		g_set_error(error, SIM_CLI_ERROR, SIM_CLI_ERROR_PARSE,
			    "%s: seed %" G_GINT64_FORMAT " is outside the plan's seeds %"
			    G_GUINT64_FORMAT "-%" G_GUINT64_FORMAT, path, seed, st->seed_base,
			    st->seed_base + st->runs - 1);
		return false;
	}
	rec = study_run_record(run, tag, (uint64_t)seed);
	if (!series_valid(rec))
		return parse_error(error, path, "its samples, host_backed or accept_stall_log2_hist "
				   "series are malformed");
	if (!insert_run(config_at(st, (size_t)c), rec)) {
		g_set_error(error, SIM_CLI_ERROR, SIM_CLI_ERROR_PARSE,
			    "%s: a second run of %s with seed %" G_GINT64_FORMAT, path, tag, seed);
		return false;
	}
	return true;
}
