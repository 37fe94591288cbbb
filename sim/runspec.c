// SPDX-License-Identifier: GPL-2.0-only
/*
 * Executing one run: build the cost model, the policy, the firmware's
 * acceptance, the guest and the workload; run the engine; report.
 */
#include <string.h>
#include "runspec.h"
#include "scenario.h"
#include "cli.h"
#include "cost.h"
#include "debug.h"
#include "engine.h"
#include "runlimits.h"
#include "report.h"
#include "unaccepted.h"
#include "policies/policy.h"
#include "workloads/workload.h"

#define HOST_BACKED_POINTS 200		/* samples kept in the JSON series */

static void replace_str(char **dst, const char *v)
{
	g_free(*dst);
	*dst = g_strdup(v);
}

void run_opts_init(struct run_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->seed = -1;			/* -1: not given */
	o->proactiveness = -1;
}

void run_opts_clear(struct run_opts *o)
{
	g_free(o->policy);
	g_free(o->cost_model);
	g_free(o->firmware_accept);
	g_free(o->fake_unaccepted_start);
	g_free(o->workload);
	g_free(o->swap);
	g_free(o->scenario);
	g_free(o->max_mem);
	g_strfreev(o->wl_opts);
	memset(o, 0, sizeof(*o));
}

GOptionEntry *run_opts_entries(struct run_opts *o)
{
	const GOptionEntry entries[] = {
		{ "scenario", 0, 0, G_OPTION_ARG_STRING, &o->scenario,
		  "Scenario name (see 'acceptsim list scenarios') or .ini file; "
		  "other options override it", "NAME" },
		{ "workload", 'w', 0, G_OPTION_ARG_STRING, &o->workload,
		  "Workload (default random; see 'acceptsim list workloads')", "NAME" },
		{ "wl", 0, 0, G_OPTION_ARG_STRING_ARRAY, &o->wl_opts,
		  "Workload options, e.g. ops=100000,fill=0.8 (repeatable)", "K=V,..." },
		{ "seed", 's', 0, G_OPTION_ARG_INT64, &o->seed, "Random seed (default 1)", "N" },
		{ "policy", 'p', 0, G_OPTION_ARG_STRING, &o->policy,
		  "Acceptance policy, with parameters as NAME:k=v,... (default none)", "SPEC" },
		{ "cost-model", 'c', 0, G_OPTION_ARG_STRING, &o->cost_model,
		  "Cost preset (tdx-claim-2022, tdx-4k-host, snp, none) or probe file "
		  "(default tdx-4k-host)", "SPEC" },
		{ "firmware-accept", 0, 0, G_OPTION_ARG_STRING, &o->firmware_accept,
		  "What firmware accepts before the kernel: below-4g, none, all or a size "
		  "(default: the cost model's K_fw)", "WHAT" },
		{ "fake-unaccepted-start", 0, 0, G_OPTION_ARG_STRING, &o->fake_unaccepted_start,
		  "v9 series: treat all memory above ADDR as unaccepted, at no cost", "ADDR" },
		{ "swap", 0, 0, G_OPTION_ARG_STRING, &o->swap,
		  "Swap space: anonymous memory becomes reclaimable (default none)", "SIZE" },
		{ "no-reclaim", 0, 0, G_OPTION_ARG_NONE, &o->no_reclaim,
		  "No memory pressure model: no kswapd work, direct reclaim, compaction or OOM", NULL },
		{ "no-compaction", 0, 0, G_OPTION_ARG_NONE, &o->no_compaction,
		  "Reclaim but no compaction", NULL },
		{ "compaction-proactiveness", 0, 0, G_OPTION_ARG_INT, &o->proactiveness,
		  "vm.compaction_proactiveness (default 20, 0 = off)", "N" },
		{ "pipeline", 0, 0, G_OPTION_ARG_NONE, &o->pipeline,
		  "Generate the workload's requests on a second thread (same results; "
		  "default: when a core is spare)", NULL },
		{ "no-pipeline", 0, 0, G_OPTION_ARG_NONE, &o->no_pipeline,
		  "Generate requests on the simulating thread", NULL },
		{ "max-mem", 0, 0, G_OPTION_ARG_STRING, &o->max_mem,
		  "Refuse a run the simulator needs more memory for (default 80% of RAM)", "SIZE" },
		{ NULL },
	};
	return g_memdup2(entries, sizeof(entries));
}

bool pipeline_wanted(enum pipeline_mode mode, uint64_t in_flight)
{
	/*
	 * Auto: only if every run in flight can have two cores; one run per
	 * core is the better use of them (v9-extfrag on 2 cores: two inline
	 * runs at a time finish sooner than one pipelined run after another).
	 */
	if (mode == PIPELINE_AUTO)
		return MAX(in_flight, 1) * 2 <= g_get_num_processors();
	return mode == PIPELINE_ON;
}

bool run_opts_pipeline(const struct run_opts *ro, enum pipeline_mode *mode, GError **error)
{
	if (ro->pipeline && ro->no_pipeline) {
		g_set_error(error, SIM_CLI_ERROR, SIM_CLI_ERROR_USAGE,
			    "--pipeline and --no-pipeline contradict each other");
		return false;
	}
	*mode = ro->pipeline ? PIPELINE_ON : ro->no_pipeline ? PIPELINE_OFF : PIPELINE_AUTO;
	return true;
}

void run_spec_init(struct run_spec *rs)
{
	memset(rs, 0, sizeof(*rs));
	sim_config_init(&rs->cfg);
	rs->seed = 1;
	rs->reclaim = true;
	rs->compaction = true;
	rs->proactiveness = 20;
	rs->policy = g_strdup("none");
	rs->cost_model = g_strdup("tdx-4k-host");
	rs->workload = g_strdup("random");
}

/*
 * Defaults, then the scenario, then what the command line gave: options a
 * user typed always win over the scenario file.
 */
bool run_spec_from_opts(struct run_spec *rs, const struct model_opts *mo,
			const struct run_opts *ro, GError **error)
{
	run_spec_init(rs);
	if (ro->scenario && !scenario_apply(rs, ro->scenario, error))
		return false;
	if (!model_opts_apply(mo, &rs->cfg, error))
		return false;
	if (ro->seed != -1) {
		if (ro->seed < 0) {
			g_set_error(error, SIM_CLI_ERROR, SIM_CLI_ERROR_USAGE, "--seed must be >= 0");
			return false;
		}
		rs->seed = (uint64_t)ro->seed;
	}
	if (ro->no_reclaim)
		rs->reclaim = false;
	if (ro->no_compaction)
		rs->compaction = false;
	if (!run_opts_pipeline(ro, &rs->pipeline, error))
		return false;
	if (ro->proactiveness != -1) {
		if (ro->proactiveness < 0 || ro->proactiveness > 100) {
			g_set_error(error, SIM_CLI_ERROR, SIM_CLI_ERROR_USAGE,
				    "--compaction-proactiveness must be between 0 and 100");
			return false;
		}
		rs->proactiveness = (unsigned int)ro->proactiveness;
	}
	if (ro->max_mem) {
		if (!parse_size(ro->max_mem, &rs->max_mem_bytes, error)) {
			g_prefix_error(error, "--max-mem: ");
			return false;
		}
		if (!rs->max_mem_bytes) {
			g_set_error(error, SIM_CLI_ERROR, SIM_CLI_ERROR_USAGE,
				    "--max-mem must be more than 0");
			return false;
		}
	}
	if (ro->swap && !parse_size(ro->swap, &rs->swap_bytes, error)) {
		g_prefix_error(error, "--swap: ");
		return false;
	}
	if (ro->policy)
		replace_str(&rs->policy, ro->policy);
	if (ro->cost_model)
		replace_str(&rs->cost_model, ro->cost_model);
	if (ro->firmware_accept)
		replace_str(&rs->firmware_accept, ro->firmware_accept);
	if (ro->workload)
		replace_str(&rs->workload, ro->workload);
	if (ro->fake_unaccepted_start &&
	    !parse_size(ro->fake_unaccepted_start, &rs->fake_unaccepted_start, error)) {
		g_prefix_error(error, "--fake-unaccepted-start: ");
		return false;
	}
	for (char **w = ro->wl_opts; w && *w; w++)
		if (!wl_params_parse(*w, &rs->wl_kv, error))
			return false;
	return true;
}

void run_spec_clear(struct run_spec *rs)
{
	sim_config_clear(&rs->cfg);
	g_free(rs->policy);
	g_free(rs->cost_model);
	g_free(rs->firmware_accept);
	g_free(rs->workload);
	if (rs->wl_kv)
		g_hash_table_unref(rs->wl_kv);
	memset(rs, 0, sizeof(*rs));
}

const char *const *run_spec_keys(void)
{
	static const char *const keys[] = {
		"mem", "below-4g", "kernel", "cpus", "pcp", "thp", "watermark-scale-factor",
		"watermark-boost-factor", "min-free-kbytes", "policy", "cost-model",
		"firmware-accept", "fake-unaccepted-start", "workload", "seed", "reclaim",
		"compaction", "compaction-proactiveness", "swap", NULL,
	};
	return keys;
}

static bool parse_bool(const char *key, const char *v, bool *out, GError **error)
{
	if (!g_ascii_strcasecmp(v, "true") || !strcmp(v, "1") || !g_ascii_strcasecmp(v, "yes") ||
	    !g_ascii_strcasecmp(v, "on")) {
		*out = true;
		return true;
	}
	if (!g_ascii_strcasecmp(v, "false") || !strcmp(v, "0") || !g_ascii_strcasecmp(v, "no") ||
	    !g_ascii_strcasecmp(v, "off")) {
		*out = false;
		return true;
	}
	g_set_error(error, SIM_CLI_ERROR, SIM_CLI_ERROR_USAGE,
		    "%s: '%s' is not a boolean (true/false)", key, v);
	return false;
}

bool run_spec_set(struct run_spec *rs, const char *key, const char *value, GError **error)
{
	struct sim_config *cfg = &rs->cfg;
	uint64_t v;
	bool b;

	if (g_str_has_prefix(key, "wl.")) {
		if (!key[3]) {
			g_set_error(error, SIM_CLI_ERROR, SIM_CLI_ERROR_USAGE, "empty workload option");
			return false;
		}
		if (!rs->wl_kv)
			rs->wl_kv = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
		g_hash_table_replace(rs->wl_kv, g_strdup(key + 3), g_strdup(value));
		return true;
	}
	if (!strcmp(key, "mem"))
		return parse_size(value, &cfg->mem_bytes, error) || (g_prefix_error(error, "mem: "), false);
	if (!strcmp(key, "below-4g"))
		return parse_size(value, &cfg->below_4g_bytes, error) ||
		       (g_prefix_error(error, "below-4g: "), false);
	if (!strcmp(key, "kernel"))
		return kernel_era_parse(value, &cfg->era, error);
	if (!strcmp(key, "cpus")) {
		if (!parse_uint(value, 1, 1024, &v, error))
			return g_prefix_error(error, "cpus: "), false;
		cfg->cpus = (unsigned int)v;
		return true;
	}
	if (!strcmp(key, "pcp") || !strcmp(key, "thp")) {
		if (!parse_bool(key, value, &b, error))
			return false;
		if (key[0] == 'p')
			cfg->pcp = b;
		else
			cfg->thp = b;
		return true;
	}
	if (!strcmp(key, "watermark-scale-factor")) {
		if (!parse_uint(value, 1, 3000, &v, error))
			return g_prefix_error(error, "%s: ", key), false;
		cfg->watermark_scale_factor = (unsigned int)v;
		return true;
	}
	if (!strcmp(key, "watermark-boost-factor")) {
		if (!parse_uint(value, 0, 1000000, &v, error))
			return g_prefix_error(error, "%s: ", key), false;
		cfg->watermark_boost_factor = (unsigned int)v;
		return true;
	}
	if (!strcmp(key, "min-free-kbytes")) {
		if (!parse_uint(value, 128, 1ULL << 40, &v, error))
			return g_prefix_error(error, "%s: ", key), false;
		cfg->min_free_kbytes = v;
		return true;
	}
	if (!strcmp(key, "seed")) {
		if (!parse_uint(value, 0, INT64_MAX, &rs->seed, error))
			return g_prefix_error(error, "seed: "), false;
		return true;
	}
	if (!strcmp(key, "fake-unaccepted-start"))
		return parse_size(value, &rs->fake_unaccepted_start, error) ||
		       (g_prefix_error(error, "%s: ", key), false);
	if (!strcmp(key, "reclaim") || !strcmp(key, "compaction")) {
		if (!parse_bool(key, value, &b, error))
			return false;
		if (key[0] == 'r')
			rs->reclaim = b;
		else
			rs->compaction = b;
		return true;
	}
	if (!strcmp(key, "compaction-proactiveness")) {
		if (!parse_uint(value, 0, 100, &v, error))
			return g_prefix_error(error, "%s: ", key), false;
		rs->proactiveness = (unsigned int)v;
		return true;
	}
	if (!strcmp(key, "swap"))
		return parse_size(value, &rs->swap_bytes, error) || (g_prefix_error(error, "swap: "), false);
	if (!strcmp(key, "policy")) {
		replace_str(&rs->policy, value);
		return true;
	}
	if (!strcmp(key, "cost-model")) {
		replace_str(&rs->cost_model, value);
		return true;
	}
	if (!strcmp(key, "firmware-accept")) {
		replace_str(&rs->firmware_accept, value);
		return true;
	}
	if (!strcmp(key, "workload")) {
		replace_str(&rs->workload, value);
		return true;
	}
	g_set_error(error, SIM_CLI_ERROR, SIM_CLI_ERROR_USAGE, "unknown setting '%s'", key);
	return false;
}

static bool firmware_config(const struct run_spec *rs, const struct cost_model *cm,
			    struct unaccepted_config *uc, GError **error)
{
	const char *fw = rs->firmware_accept;

	if (!fw) {
		uc->fw = FW_ACCEPT_AMOUNT;
		uc->fw_accept_bytes = (uint64_t)(cm->k_fw_gib * (double)(1ULL << 30));
	} else if (!strcmp(fw, "below-4g")) {
		uc->fw = FW_ACCEPT_BELOW_4G;
	} else if (!strcmp(fw, "none")) {
		uc->fw = FW_ACCEPT_AMOUNT;
		uc->fw_accept_bytes = 0;
	} else if (!strcmp(fw, "all")) {
		uc->fw = FW_ACCEPT_ALL;
	} else {
		uc->fw = FW_ACCEPT_AMOUNT;
		if (!parse_size(fw, &uc->fw_accept_bytes, error)) {
			g_prefix_error(error, "--firmware-accept: ");
			return false;
		}
	}
	return true;
}

static void add_u64(JsonBuilder *b, const char *name, uint64_t v)
{
	json_builder_set_member_name(b, name);
	json_builder_add_int_value(b, (gint64)v);
}

static void add_str(JsonBuilder *b, const char *name, const char *v)
{
	json_builder_set_member_name(b, name);
	json_builder_add_string_value(b, v);
}

static void add_acceptance(JsonBuilder *b, const struct pgdat *pgdat, const struct run_result *res)
{
	const struct unaccepted_mem *u = pgdat->unaccepted;
	static const char *const phases[NR_ACCEPT_PHASES] = {
		"firmware", "early", "boot_free", "runtime",
	};
	uint64_t memfree = 0;

	for (int z = 0; z < MAX_NR_ZONES; z++)
		memfree += (uint64_t)pgdat->zones[z].nr_free_pages;
	add_u64(b, "boot_time_ns", res->boot_time_ns);
	json_builder_set_member_name(b, "boot_phases_ns");
	json_builder_begin_object(b);
	add_u64(b, "fixed", res->boot_phase_ns[0]);
	add_u64(b, "firmware_accept", res->boot_phase_ns[1]);
	add_u64(b, "early_accept", res->boot_phase_ns[2]);
	add_u64(b, "boot_free_accept", res->boot_phase_ns[3]);
	json_builder_end_object(b);
	add_u64(b, "accepted_bytes", accepted_bytes(pgdat));
	add_u64(b, "unaccepted_bytes", unaccepted_bytes(pgdat));
	add_u64(b, "memfree_bytes", memfree * PAGE_SIZE);
	add_u64(b, "accept_events", u ? u->chunks_accepted : 0);
	add_u64(b, "accept_calls", u ? u->accept_calls : 0);
	json_builder_set_member_name(b, "accepted_by_phase_bytes");
	json_builder_begin_object(b);
	for (int p = 0; p < NR_ACCEPT_PHASES; p++)
		add_u64(b, phases[p], u ? u->phase_bytes[p] : 0);
	json_builder_end_object(b);
	json_builder_set_member_name(b, "accept_stall_ns");
	json_builder_begin_object(b);
	add_u64(b, "count", res->accept_stalls);
	add_u64(b, "p50", res->stall_p50_ns);
	add_u64(b, "p99", res->stall_p99_ns);
	add_u64(b, "p99_9", res->stall_p999_ns);
	add_u64(b, "max", res->stall_max_ns);
	add_u64(b, "total", res->stall_total_ns);
	json_builder_end_object(b);
	add_u64(b, "background_accept_ns", res->idle_accept_ns);

	/* stall histogram: bucket i counts stalls in [2^i, 2^(i+1)) ns */
	json_builder_set_member_name(b, "accept_stall_log2_hist");
	json_builder_begin_array(b);
	{
		uint64_t hist[64] = { 0 };
		int top = -1;

		for (guint i = 0; i < res->stalls->len; i++) {
			uint64_t v = g_array_index(res->stalls, uint64_t, i);
			int bucket = v ? 63 - __builtin_clzll(v) : 0;

			hist[bucket]++;
			top = MAX(top, bucket);
		}
		for (int i = 0; i <= top; i++)
			json_builder_add_int_value(b, (gint64)hist[i]);
	}
	json_builder_end_array(b);

	/* state over virtual time: [t, free pages, accepted bytes, mixed, extfrag, nr_free[0..10]] */
	json_builder_set_member_name(b, "samples");
	json_builder_begin_array(b);
	for (guint i = 0; i < res->samples->len; i++) {
		const struct run_sample *smp = &g_array_index(res->samples, struct run_sample, i);

		json_builder_begin_object(b);
		add_u64(b, "t", smp->time_ns);
		add_u64(b, "free_pages", smp->free_pages);
		add_u64(b, "accepted_bytes", smp->accepted_bytes);
		add_u64(b, "mixed_pageblocks", smp->mixed_pageblocks);
		add_u64(b, "extfrag", smp->extfrag);
		json_builder_set_member_name(b, "nr_free");
		json_builder_begin_array(b);
		for (int o = 0; o < NR_PAGE_ORDERS; o++)
			json_builder_add_int_value(b, (gint64)smp->nr_free[o]);
		json_builder_end_array(b);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);

	/* host-backed (accepted) memory over virtual time, thinned evenly */
	json_builder_set_member_name(b, "host_backed");
	json_builder_begin_array(b);
	if (u && u->host_backed->len) {
		guint n = u->host_backed->len;
		guint step = n > HOST_BACKED_POINTS ? (n + HOST_BACKED_POINTS - 1) / HOST_BACKED_POINTS : 1;

		for (guint i = 0; i < n; i += step) {
			guint k = i + step >= n ? n - 1 : i;
			const struct accepted_sample *s =
				&g_array_index(u->host_backed, struct accepted_sample, k);

			json_builder_begin_array(b);
			json_builder_add_int_value(b, (gint64)s->time_ns);
			json_builder_add_int_value(b, (gint64)s->accepted_bytes);
			json_builder_end_array(b);
			if (k == n - 1)
				break;
		}
	}
	json_builder_end_array(b);
}

static void text_acceptance(GString *s, const struct pgdat *pgdat, const struct run_result *res)
{
	const struct unaccepted_mem *u = pgdat->unaccepted;

	g_string_append_printf(s, "boot to shell %.3f s (fixed %.3f, firmware accept %.3f, "
			       "early accept %.3f, boot-free accept %.3f)\n",
			       (double)res->boot_time_ns / 1e9, (double)res->boot_phase_ns[0] / 1e9,
			       (double)res->boot_phase_ns[1] / 1e9, (double)res->boot_phase_ns[2] / 1e9,
			       (double)res->boot_phase_ns[3] / 1e9);
	g_string_append_printf(s, "accepted %.1f MiB, unaccepted %.1f MiB, %" G_GUINT64_FORMAT
			       " chunks accepted at run time\n",
			       (double)accepted_bytes(pgdat) / (1 << 20),
			       (double)unaccepted_bytes(pgdat) / (1 << 20),
			       u ? u->chunks_accepted : 0);
	if (res->accept_stalls)
		g_string_append_printf(s, "accept stalls %" G_GUINT64_FORMAT ": p50 %.3f ms, p99 %.3f ms, "
				       "p99.9 %.3f ms, max %.3f ms\n", res->accept_stalls,
				       (double)res->stall_p50_ns / 1e6, (double)res->stall_p99_ns / 1e6,
				       (double)res->stall_p999_ns / 1e6, (double)res->stall_max_ns / 1e6);
}

bool run_spec_execute(const struct run_spec *rs, JsonNode **json, GString *text,
		      bool pagetypeinfo, GError **error)
{
	struct cost_model cm;
	struct unaccepted_config uc = { 0 };
	struct sim_config cfg = rs->cfg;
	struct policy *policy = NULL;
	struct pgdat *pgdat = NULL;
	struct workload *wl = NULL;
	const struct workload_ops *wops;
	struct wl_params wp = { .seed = rs->seed, .kv = rs->wl_kv };
	struct engine_config ec = { 0 };
	struct run_result res = { 0 };
	struct pressure_config pc = {
		.swap_bytes = rs->swap_bytes,
		.compaction = rs->compaction,
		.proactiveness = rs->proactiveness,
	};
	g_autoptr(JsonBuilder) b = NULL;
	g_autoptr(GString) costs = NULL;
	bool ok = false;

	if (!cost_model_load(rs->cost_model, NULL, &cm, error))
		return false;
	policy = policy_create_spec(rs->policy, error);
	if (!policy)
		return false;
	if (!firmware_config(rs, &cm, &uc, error))
		goto out;
	uc.cost = &cm;
	uc.fake_start = rs->fake_unaccepted_start;
	uc.lazy = policy->ops->boot == POLICY_BOOT_LAZY;
	if (policy->ops->boot == POLICY_BOOT_NONE) {
		uc.fw = FW_ACCEPT_ALL;
		uc.fake_start = 0;
	}
	cfg.unaccepted = &uc;
	if (!run_spec_check_mem(rs, error))
		goto out;
	pgdat = pgdat_create(&cfg, error);
	if (!pgdat)
		goto out;
	sim_bug_set_context(rs->seed, &pgdat->nr_events);

	wops = workload_lookup(rs->workload);
	if (!wops) {
		g_set_error(error, SIM_CLI_ERROR, SIM_CLI_ERROR_USAGE,
			    "unknown workload '%s' (see 'acceptsim list workloads')", rs->workload);
		goto out;
	}
	wp.cpus = cfg.cpus;
	for (int z = 0; z < MAX_NR_ZONES; z++)
		wp.managed_pages += pgdat->zones[z].managed_pages;
	wl = wops->create(&wp, error);
	if (!wl)
		goto out;

	ec.policy = policy;
	ec.cost = policy->ops->boot == POLICY_BOOT_NONE ? NULL : &cm;
	ec.pressure = rs->reclaim ? &pc : NULL;
	ec.threaded_source = pipeline_wanted(rs->pipeline, 1);
	sim_run_workload(pgdat, wl, &ec, &res);
	if (wl->error) {
		g_propagate_error(error, g_steal_pointer(&wl->error));
		goto out;
	}

	b = json_builder_new();
	json_builder_begin_object(b);
	add_str(b, "acceptsim_version", ACCEPTSIM_VERSION);
	json_builder_set_member_name(b, "config");
	json_builder_begin_object(b);
	add_str(b, "workload", rs->workload);
	add_u64(b, "seed", rs->seed);
	add_str(b, "kernel", kernel_era_name(cfg.era));
	add_str(b, "policy", rs->policy);
	add_str(b, "cost_model", cm.name);
	add_u64(b, "mem_bytes", cfg.mem_bytes);
	add_u64(b, "cpus", cfg.cpus);
	json_builder_set_member_name(b, "pcp");
	json_builder_add_boolean_value(b, pgdat->pcp_enabled);
	json_builder_set_member_name(b, "thp");
	json_builder_add_boolean_value(b, cfg.thp);
	add_u64(b, "fake_unaccepted_start", rs->fake_unaccepted_start);
	json_builder_set_member_name(b, "reclaim");
	json_builder_add_boolean_value(b, rs->reclaim);
	json_builder_set_member_name(b, "compaction");
	json_builder_add_boolean_value(b, rs->reclaim && rs->compaction);
	add_u64(b, "swap_bytes", rs->swap_bytes);
	json_builder_end_object(b);
	add_u64(b, "requests", res.requests);
	add_u64(b, "sim_time_ns", res.sim_time_ns);
	add_u64(b, "live_pages", res.live_pages);
	report_json_members(pgdat, b);
	if (wl->ops->report)
		wl->ops->report(wl, b);
	if (res.has_pressure)
		pressure_stats_json(&res.pressure, res.file_lru_pages, res.anon_lru_pages, b);
	add_acceptance(b, pgdat, &res);
	json_builder_end_object(b);
	*json = json_builder_get_root(b);

	if (text) {
		costs = g_string_new(NULL);
		g_string_append_printf(text, "workload %s, seed %" G_GUINT64_FORMAT ", policy %s, "
				       "%" G_GUINT64_FORMAT " requests over %.3f s simulated\n",
				       rs->workload, rs->seed, rs->policy, res.requests,
				       (double)res.sim_time_ns / 1e9);
		report_summary(pgdat, text);
		if (policy->ops->boot != POLICY_BOOT_NONE) {
			g_string_append_c(text, '\n');
			text_acceptance(text, pgdat, &res);
			cost_model_describe(&cm, costs);
			g_string_append_printf(text, "\ncost model:\n%s", costs->str);
		}
		if (pagetypeinfo) {
			g_string_append(text, "\n/proc/pagetypeinfo:\n");
			report_pagetypeinfo(pgdat, text);
		}
	}
	ok = true;
out:
	run_result_clear(&res);
	if (wl)
		wl->ops->destroy(wl);
	pgdat_destroy(pgdat);
	policy_destroy(policy);
	return ok;
}
