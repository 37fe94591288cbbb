// SPDX-License-Identifier: GPL-2.0-only
/* acceptsim run: one configuration, one workload, one summary. */
#include <stdio.h>
#include "commands.h"
#include "cli.h"
#include "engine.h"
#include "options.h"
#include "report.h"
#include "debug.h"

struct run_opts {
	struct model_opts model;
	char *workload;
	char **wl_opts;
	gint64 seed;
	gboolean json;
	gboolean show_pagetypeinfo;
};

static bool build_workload(const struct run_opts *o, const struct pgdat *pgdat,
			   struct workload **wl, GError **error)
{
	const struct workload_ops *ops = workload_lookup(o->workload ? o->workload : "random");
	struct wl_params p = {
		.seed = (uint64_t)o->seed,
		.cpus = pgdat->cfg.cpus,
		.kv = NULL,
	};

	if (!ops) {
		g_set_error(error, SIM_CLI_ERROR, SIM_CLI_ERROR_USAGE,
			    "unknown workload '%s' (see 'acceptsim list workloads')", o->workload);
		return false;
	}
	for (int z = 0; z < MAX_NR_ZONES; z++)
		p.managed_pages += pgdat->zones[z].managed_pages;
	for (char **w = o->wl_opts; w && *w; w++)
		if (!wl_params_parse(*w, &p.kv, error))
			goto out;
	*wl = ops->create(&p, error);
out:
	if (p.kv)
		g_hash_table_unref(p.kv);
	return *wl != NULL;
}

static void print_json(const struct run_opts *o, const struct pgdat *pgdat,
		       const struct run_result *res)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(JsonNode) root = NULL;
	g_autofree char *text = NULL;

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "acceptsim_version");
	json_builder_add_string_value(b, ACCEPTSIM_VERSION);
	json_builder_set_member_name(b, "config");
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "workload");
	json_builder_add_string_value(b, o->workload ? o->workload : "random");
	json_builder_set_member_name(b, "seed");
	json_builder_add_int_value(b, o->seed);
	json_builder_set_member_name(b, "kernel");
	json_builder_add_string_value(b, kernel_era_name(pgdat->cfg.era));
	json_builder_set_member_name(b, "mem_bytes");
	json_builder_add_int_value(b, (gint64)pgdat->cfg.mem_bytes);
	json_builder_set_member_name(b, "cpus");
	json_builder_add_int_value(b, pgdat->cfg.cpus);
	json_builder_set_member_name(b, "pcp");
	json_builder_add_boolean_value(b, pgdat->pcp_enabled);
	json_builder_set_member_name(b, "thp");
	json_builder_add_boolean_value(b, pgdat->cfg.thp);
	json_builder_end_object(b);
	json_builder_set_member_name(b, "requests");
	json_builder_add_int_value(b, (gint64)res->requests);
	json_builder_set_member_name(b, "sim_time_ns");
	json_builder_add_int_value(b, (gint64)res->sim_time_ns);
	json_builder_set_member_name(b, "live_pages");
	json_builder_add_int_value(b, (gint64)res->live_pages);
	report_json_members(pgdat, b);
	json_builder_end_object(b);
	root = json_builder_get_root(b);
	text = json_to_string_nl(root);
	fputs(text, stdout);
}

int cmd_run(int argc, char **argv)
{
	struct run_opts o = { .seed = 1 };
	const GOptionEntry entries[] = {
		{ "workload", 'w', 0, G_OPTION_ARG_STRING, &o.workload,
		  "Workload (default random; see 'acceptsim list workloads')", "NAME" },
		{ "wl", 0, 0, G_OPTION_ARG_STRING_ARRAY, &o.wl_opts,
		  "Workload options, e.g. ops=100000,fill=0.8 (repeatable)", "K=V,..." },
		{ "seed", 's', 0, G_OPTION_ARG_INT64, &o.seed, "Random seed (default 1)", "N" },
		{ "json", 0, 0, G_OPTION_ARG_NONE, &o.json, "Print one JSON object", NULL },
		{ "pagetypeinfo", 0, 0, G_OPTION_ARG_NONE, &o.show_pagetypeinfo,
		  "Also print /proc/pagetypeinfo of the final state", NULL },
		{ NULL },
	};
	g_autoptr(GOptionContext) ctx = g_option_context_new("- simulate one configuration");
	g_autofree GOptionEntry *model_entries = NULL;
	g_autoptr(GError) error = NULL;
	struct sim_config cfg;
	struct pgdat *pgdat = NULL;
	struct workload *wl = NULL;
	struct run_result res;
	int ret = EXIT_USAGE;

	model_opts_init(&o.model);
	model_entries = model_opts_entries(&o.model);
	g_option_context_add_main_entries(ctx, entries, NULL);
	g_option_context_add_main_entries(ctx, model_entries, NULL);
	sim_config_init(&cfg);
	if (!cli_parse(ctx, "run", &argc, &argv))
		goto out;
	if (argc > 1) {
		fprintf(stderr, "acceptsim run: unexpected argument '%s'\n", argv[1]);
		goto out;
	}
	if (o.seed < 0) {
		fprintf(stderr, "acceptsim run: --seed must be >= 0\n");
		goto out;
	}
	if (!model_opts_apply(&o.model, &cfg, &error) ||
	    !(pgdat = pgdat_create(&cfg, &error)) ||
	    !build_workload(&o, pgdat, &wl, &error)) {
		cli_report("run", error);
		goto out;
	}
	sim_bug_set_context((guint64)o.seed, &pgdat->nr_events);
	sim_run_workload(pgdat, wl, &res);
	if (o.json) {
		print_json(&o, pgdat, &res);
	} else {
		g_autoptr(GString) s = g_string_new(NULL);

		g_string_append_printf(s, "workload %s, seed %" G_GINT64_FORMAT ", %" G_GUINT64_FORMAT
				       " requests over %.3f s simulated\n",
				       o.workload ? o.workload : "random", o.seed, res.requests,
				       (double)res.sim_time_ns / 1e9);
		report_summary(pgdat, s);
		if (o.show_pagetypeinfo) {
			g_string_append(s, "\n/proc/pagetypeinfo:\n");
			report_pagetypeinfo(pgdat, s);
		}
		fputs(s->str, stdout);
	}
	ret = 0;
out:
	if (wl)
		wl->ops->destroy(wl);
	pgdat_destroy(pgdat);
	sim_config_clear(&cfg);
	model_opts_clear(&o.model);
	g_free(o.workload);
	g_strfreev(o.wl_opts);
	return ret;
}
