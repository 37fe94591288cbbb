// SPDX-License-Identifier: GPL-2.0-only
/*
 * acceptsim replay FILE: run a kmem trace through the model, as requests
 * (the model chooses pfns) or pfn-faithfully (--mode pfn).  Output as run.
 * --zoneinfo takes the guest's layout from a saved /proc/zoneinfo;
 * --pagetypeinfo (pfn mode) starts from the free lists and pageblock types
 * of a saved /proc/pagetypeinfo (sim/initstate.c).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "commands.h"
#include "cli.h"
#include "debug.h"
#include "engine.h"
#include "initstate.h"
#include "options.h"
#include "report.h"
#include "runlimits.h"
#include "runspec.h"
#include "traces/procfs.h"
#include "workloads/workload.h"

static void add_u64(JsonBuilder *b, const char *name, uint64_t v)
{
	json_builder_set_member_name(b, name);
	json_builder_add_int_value(b, (gint64)v);
}

static void add_array(JsonBuilder *b, const char *name, const uint64_t *v, int n)
{
	json_builder_set_member_name(b, name);
	json_builder_begin_array(b);
	for (int i = 0; i < n; i++)
		json_builder_add_int_value(b, (gint64)v[i]);
	json_builder_end_array(b);
}

/* ----------------------------------------------------------- zoneinfo */

static bool load_zoneinfo(const char *path, struct zoneinfo *zi, struct initstate_geometry *g,
			  GError **error)
{
	if (!zoneinfo_load(zi, path, error))
		return false;
	memset(g, 0, sizeof(*g));
	for (int z = 0; z < MAX_NR_ZONES; z++) {
		const struct zi_zone *zz = zoneinfo_zone(zi, (enum zone_type)z);

		if (!zz)
			continue;
		g->z[z].populated = true;
		g->z[z].start_pfn = zz->v[ZI_START_PFN];
		g->z[z].spanned = zz->v[ZI_SPANNED];
		g->z[z].present = zz->v[ZI_PRESENT];
		g->z[z].managed = zz->v[ZI_MANAGED];
	}
	return true;
}

/* The model's zone @name in the run's JSON, or NULL. */
static JsonObject *model_zone(JsonObject *root, const char *name)
{
	JsonArray *zones = json_object_get_array_member(root, "zones");

	for (guint i = 0; zones && i < json_array_get_length(zones); i++) {
		JsonObject *z = json_array_get_object_element(zones, i);

		if (!strcmp(json_object_get_string_member(z, "name"), name))
			return z;
	}
	return NULL;
}

/* "zoneinfo": the snapshot's zones against the model's, and the notes. */
static void report_zoneinfo(JsonObject *root, const struct zoneinfo *zi, const char *notes,
			    GString *text)
{
	static const char *const keys[] = { "start_pfn", "spanned", "present", "managed" };
	static const enum zi_field fields[] = { ZI_START_PFN, ZI_SPANNED, ZI_PRESENT, ZI_MANAGED };
	g_autoptr(JsonBuilder) b = json_builder_new();

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "file");
	json_builder_add_string_value(b, zi->path);
	json_builder_set_member_name(b, "zones");
	json_builder_begin_array(b);
	if (text)
		g_string_append_printf(text, "\nzones from %s (real / model):\n"
				       "zone     %21s %21s %21s %21s\n", zi->path, keys[0], keys[1],
				       keys[2], keys[3]);
	for (int z = 0; z < MAX_NR_ZONES; z++) {
		const struct zi_zone *zz = zoneinfo_zone(zi, (enum zone_type)z);
		JsonObject *m = model_zone(root, zone_name((enum zone_type)z));

		if (!zz && !m)
			continue;
		json_builder_begin_object(b);
		json_builder_set_member_name(b, "name");
		json_builder_add_string_value(b, zone_name((enum zone_type)z));
		if (text)
			g_string_append_printf(text, "%-8s", zone_name((enum zone_type)z));
		for (int k = 0; k < 2; k++) {
			json_builder_set_member_name(b, k ? "model" : "real");
			json_builder_begin_object(b);
			for (size_t f = 0; f < G_N_ELEMENTS(keys); f++) {
				uint64_t v = k ? (m ? (uint64_t)json_object_get_int_member(m, keys[f]) : 0)
					       : (zz ? zz->v[fields[f]] : 0);

				add_u64(b, keys[f], v);
			}
			json_builder_end_object(b);
		}
		if (zz)
			add_u64(b, "real_pcp_pages", zz->pcp_pages);
		json_builder_end_object(b);
		for (size_t f = 0; text && f < G_N_ELEMENTS(keys); f++) {
			g_autofree char *cell = g_strdup_printf("%" G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT,
				zz ? zz->v[fields[f]] : 0,
				m ? (uint64_t)json_object_get_int_member(m, keys[f]) : 0);

			g_string_append_printf(text, " %21s", cell);
		}
		if (text)
			g_string_append_c(text, '\n');
	}
	json_builder_end_array(b);
	json_builder_set_member_name(b, "notes");
	json_builder_add_string_value(b, notes);
	json_builder_end_object(b);
	json_object_set_member(root, "zoneinfo", json_builder_get_root(b));
	if (text && *notes)
		g_string_append(text, notes);
}

/* -------------------------------------------------------- pagetypeinfo */

/* The first line of @path holding @needle, for messages; 1 if none. */
static unsigned int line_of(const char *path, const char *needle)
{
	g_autofree char *text = NULL;
	const char *hit;
	unsigned int line = 1;

	if (!g_file_get_contents(path, &text, NULL, NULL) || !(hit = strstr(text, needle)))
		return 1;
	for (const char *p = text; p < hit; p++)
		line += *p == '\n';
	return line;
}

/* Our migratetype of a pagetypeinfo column; CMA and Isolate fold into Movable. */
static int column_type(const char *name, bool *folded)
{
	*folded = false;
	for (int mt = 0; mt < MIGRATE_TYPES; mt++)
		if (!strcmp(name, migratetype_name(mt)))
			return mt;
	if (!strcmp(name, "CMA") || !strcmp(name, "Isolate")) {
		*folded = true;
		return MIGRATE_MOVABLE;
	}
	return -1;
}

static void pti_error(GError **error, const char *path, unsigned int line, const char *fmt, ...)
	G_GNUC_PRINTF(4, 5);

static void pti_error(GError **error, const char *path, unsigned int line, const char *fmt, ...)
{
	g_autofree char *msg = NULL;
	va_list ap;

	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_set_error(error, SIM_CLI_ERROR, SIM_CLI_ERROR_PARSE, "%s:%u: %s", path, line, msg);
}

struct pti_info {
	uint64_t folded_blocks;			/* CMA and Isolate pageblocks, made Movable */
	uint64_t folded_free;			/* ... free blocks */
	bool capped;				/* a count read ">100000" */
};

/*
 * The initial state of @path: every zone with free lists by type and
 * pageblock counts, a 9-order pageblock, types we know.  @zi (may be
 * NULL) bounds the free pages.  Errors are "file:line: what".
 */
static bool load_pagetypeinfo(const char *path, const struct zoneinfo *zi,
			      struct initstate_spec *spec, struct pti_info *info, GError **error)
{
	struct snapshot snap = { 0 };
	bool ok = false, any = false;
	int mt_of[SNAP_MAX_TYPES];

	memset(spec, 0, sizeof(*spec));
	memset(info, 0, sizeof(*info));
	if (!snapshot_load(&snap, path, error))
		goto out;
#define PTI_FAIL(line, ...) do {						\
		pti_error(error, path, line, __VA_ARGS__);				\
		goto out;							\
	} while (0)
	if (snap.pageblock_order < 0)
		PTI_FAIL(1, "no 'Page block order' line: not a pagetypeinfo (a buddyinfo?)");
	if (snap.pageblock_order != PAGEBLOCK_ORDER)
		PTI_FAIL(1, "page block order %d: the model's is %d", snap.pageblock_order,
			 PAGEBLOCK_ORDER);
	for (int t = 0; t < snap.nr_types; t++) {
		bool folded;

		mt_of[t] = column_type(snap.types[t], &folded);
		if (mt_of[t] < 0)
			PTI_FAIL(line_of(path, snap.types[t]), "unknown migratetype '%s'",
				 snap.types[t]);
	}
	for (guint i = 0; i < snap.zones->len; i++) {
		const struct snap_zone *sz = &g_array_index(snap.zones, struct snap_zone, i);
		struct initstate_zone *iz;
		const struct zi_zone *zz;
		uint64_t free_pages = 0, blocks = 0;
		int z;

		for (z = 0; z < MAX_NR_ZONES; z++)
			if (!strcmp(sz->name, zone_name((enum zone_type)z)))
				break;
		if (sz->node != 0)
			PTI_FAIL(sz->line, "node %d: the model has one node, 0", sz->node);
		if (z == MAX_NR_ZONES)
			PTI_FAIL(sz->line, "zone %s: not a zone of the model", sz->name);
		if (!sz->have_types || !sz->have_blocks)
			PTI_FAIL(snap.lines, "zone %s has no %s (truncated file?)", sz->name,
				 sz->have_types ? "pageblock counts" : "free pages by type");
		iz = &spec->z[z];
		iz->have = true;
		info->capped |= sz->capped;
		for (int t = 0; t < snap.nr_types; t++) {
			bool folded;

			column_type(snap.types[t], &folded);
			for (int o = 0; o < NR_PAGE_ORDERS; o++) {
				iz->nr_free[mt_of[t]][o] += sz->nr_free_mt[t][o];
				free_pages += sz->nr_free_mt[t][o] << o;
				if (folded)
					info->folded_free += sz->nr_free_mt[t][o];
			}
			iz->blocks[mt_of[t]] += sz->blocks[t];
			blocks += sz->blocks[t];
			if (folded)
				info->folded_blocks += sz->blocks[t];
		}
		if (free_pages > blocks * PAGEBLOCK_NR_PAGES)
			PTI_FAIL(sz->line, "zone %s: %" G_GUINT64_FORMAT " free pages in %"
				 G_GUINT64_FORMAT " pageblocks", sz->name, free_pages, blocks);
		zz = zi ? zoneinfo_zone(zi, (enum zone_type)z) : NULL;
		if (zi && (free_pages ? !zz : false))
			PTI_FAIL(sz->line, "zone %s has free pages but no pages in %s", sz->name,
				 zi->path);
		if (zz && free_pages > zz->v[ZI_MANAGED])
			PTI_FAIL(sz->line, "zone %s: %" G_GUINT64_FORMAT " free pages, more than "
				 "its %" G_GUINT64_FORMAT " managed pages in %s", sz->name,
				 free_pages, zz->v[ZI_MANAGED], zi->path);
		if (zz && blocks > zz->v[ZI_SPANNED] / PAGEBLOCK_NR_PAGES + 2)
			PTI_FAIL(sz->line, "zone %s: %" G_GUINT64_FORMAT " pageblocks in %"
				 G_GUINT64_FORMAT " spanned pages of %s", sz->name, blocks,
				 zz->v[ZI_SPANNED], zi->path);
		any = true;
	}
#undef PTI_FAIL
	if (!any) {
		g_set_error(error, SIM_CLI_ERROR, SIM_CLI_ERROR_PARSE,
			    "%s:%u: no zones with free pages by type", path, snap.lines);
		goto out;
	}
	ok = true;
out:
	snapshot_clear(&snap);
	return ok;
}

/* "initial_state": what the snapshot asked for against what the model got. */
static void build_initial_state(JsonBuilder *b, const char *path, const struct initstate_spec *spec,
				const struct initstate_result *res,
				uint64_t model_free[MAX_NR_ZONES][NR_PAGE_ORDERS],
				const struct pti_info *info, GString *text)
{
	json_builder_set_member_name(b, "initial_state");
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "file");
	json_builder_add_string_value(b, path);
	add_u64(b, "unplaced_blocks", res->unplaced);
	add_u64(b, "folded_cma_isolate_pageblocks", info->folded_blocks);
	add_u64(b, "folded_cma_isolate_free_blocks", info->folded_free);
	json_builder_set_member_name(b, "capped_counts");
	json_builder_add_boolean_value(b, info->capped);
	json_builder_set_member_name(b, "zones");
	json_builder_begin_array(b);
	if (text)
		g_string_append_printf(text, "\ninitial state from %s (%" G_GUINT64_FORMAT
				       " free blocks found no room):\n", path, res->unplaced);
	for (int z = 0; z < MAX_NR_ZONES; z++) {
		const struct initstate_zone *iz = &spec->z[z];
		const struct initstate_zone_result *zr = &res->z[z];
		uint64_t want[NR_PAGE_ORDERS] = { 0 };

		if (!iz->have)
			continue;
		for (int o = 0; o < NR_PAGE_ORDERS; o++)
			for (int mt = 0; mt < MIGRATE_TYPES; mt++)
				want[o] += iz->nr_free[mt][o];
		json_builder_begin_object(b);
		json_builder_set_member_name(b, "name");
		json_builder_add_string_value(b, zone_name((enum zone_type)z));
		add_array(b, "snapshot_buddyinfo", want, NR_PAGE_ORDERS);
		add_array(b, "model_buddyinfo", model_free[z], NR_PAGE_ORDERS);
		json_builder_set_member_name(b, "free_by_type");
		json_builder_begin_object(b);
		for (int mt = 0; mt < MIGRATE_TYPES; mt++) {
			json_builder_set_member_name(b, migratetype_name(mt));
			json_builder_begin_object(b);
			add_array(b, "snapshot", iz->nr_free[mt], NR_PAGE_ORDERS);
			add_array(b, "model", zr->placed[mt], NR_PAGE_ORDERS);
			json_builder_end_object(b);
		}
		json_builder_end_object(b);
		json_builder_set_member_name(b, "pageblocks");
		json_builder_begin_object(b);
		for (int mt = 0; mt < MIGRATE_TYPES; mt++) {
			json_builder_set_member_name(b, migratetype_name(mt));
			json_builder_begin_object(b);
			add_u64(b, "snapshot", iz->blocks[mt]);
			add_u64(b, "target", zr->blocks_target[mt]);
			add_u64(b, "model", zr->blocks[mt]);
			json_builder_end_object(b);
		}
		json_builder_end_object(b);
		add_u64(b, "free_pages", zr->free_pages);
		add_u64(b, "used_pages", zr->used_pages);
		json_builder_end_object(b);
		if (!text)
			continue;
		g_string_append_printf(text, "%-8s buddyinfo snapshot", zone_name((enum zone_type)z));
		for (int o = 0; o < NR_PAGE_ORDERS; o++)
			g_string_append_printf(text, " %6" G_GUINT64_FORMAT, want[o]);
		g_string_append_printf(text, "\n%-8s           model   ", "");
		for (int o = 0; o < NR_PAGE_ORDERS; o++)
			g_string_append_printf(text, " %6" G_GUINT64_FORMAT, model_free[z][o]);
		g_string_append_printf(text, "\n%-8s pageblocks snapshot/model:", "");
		for (int mt = 0; mt < MIGRATE_TYPES; mt++)
			g_string_append_printf(text, " %s %" G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT,
					       migratetype_name(mt), iz->blocks[mt], zr->blocks[mt]);
		g_string_append_printf(text, "; %" G_GUINT64_FORMAT " pages allocated\n",
				       zr->used_pages);
	}
	json_builder_end_array(b);
	json_builder_end_object(b);
}

/*
 * A pfn-mode run from a snapshot's state: as run_spec_execute(), but the
 * model's free lists are set between boot and the first event, and there
 * is no acceptance (a snapshot is of a running guest: everything is
 * accepted), no cost model and no reclaim.
 */
static bool run_from_state(const struct run_spec *rs, const char *pti_path,
			   const struct initstate_spec *spec, const struct pti_info *info,
			   JsonNode **json, GString *text, GError **error)
{
	struct sim_config cfg = rs->cfg;
	struct pgdat *pgdat = NULL;
	struct workload *wl = NULL;
	const struct workload_ops *wops = workload_lookup(rs->workload);
	struct wl_params wp = { .seed = rs->seed, .kv = rs->wl_kv, .cpus = cfg.cpus };
	struct engine_config ec = { 0 };
	struct run_result res = { 0 };
	struct initstate_result ires;
	uint64_t model_free[MAX_NR_ZONES][NR_PAGE_ORDERS] = { { 0 } };
	g_autoptr(JsonBuilder) b = NULL;
	bool ok = false;

	if (strcmp(rs->policy, "none")) {
		g_set_error(error, SIM_CLI_ERROR, SIM_CLI_ERROR_USAGE,
			    "--pagetypeinfo starts from a running guest, all memory accepted: "
			    "no --policy");
		return false;
	}
	cfg.unaccepted = NULL;
	if (!run_spec_check_mem(rs, error))
		return false;
	pgdat = pgdat_create(&cfg, error);
	if (!pgdat)
		return false;
	sim_bug_set_context(rs->seed, &pgdat->nr_events);
	if (!initstate_apply(pgdat, spec, &ires, error))
		goto out;
	for (int z = 0; z < MAX_NR_ZONES; z++) {
		wp.managed_pages += pgdat->zones[z].managed_pages;
		zone_nr_free(&pgdat->zones[z], model_free[z]);
	}
	wl = wops->create(&wp, error);
	if (!wl)
		goto out;
	sim_run_workload(pgdat, wl, &ec, &res);
	if (wl->error) {
		g_propagate_error(error, g_steal_pointer(&wl->error));
		goto out;
	}
	b = json_builder_new();
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "acceptsim_version");
	json_builder_add_string_value(b, ACCEPTSIM_VERSION);
	json_builder_set_member_name(b, "config");
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "workload");
	json_builder_add_string_value(b, rs->workload);
	add_u64(b, "seed", rs->seed);
	json_builder_set_member_name(b, "kernel");
	json_builder_add_string_value(b, kernel_era_name(cfg.era));
	json_builder_set_member_name(b, "policy");
	json_builder_add_string_value(b, "none");
	add_u64(b, "mem_bytes", cfg.mem_bytes);
	add_u64(b, "cpus", cfg.cpus);
	json_builder_set_member_name(b, "pcp");
	json_builder_add_boolean_value(b, pgdat->pcp_enabled);
	json_builder_set_member_name(b, "reclaim");
	json_builder_add_boolean_value(b, false);
	json_builder_end_object(b);
	add_u64(b, "requests", res.requests);
	add_u64(b, "sim_time_ns", res.sim_time_ns);
	add_u64(b, "live_pages", res.live_pages);
	report_json_members(pgdat, b);
	wl->ops->report(wl, b);
	build_initial_state(b, pti_path, spec, &ires, model_free, info, text);
	json_builder_end_object(b);
	*json = json_builder_get_root(b);
	if (text) {
		g_autoptr(GString) head = g_string_new(NULL);

		g_string_append_printf(head, "workload %s, seed %" G_GUINT64_FORMAT ", from the state "
				       "of %s, %" G_GUINT64_FORMAT " requests over %.3f s simulated\n",
				       rs->workload, rs->seed, pti_path, res.requests,
				       (double)res.sim_time_ns / 1e9);
		report_summary(pgdat, head);
		g_string_prepend(text, head->str);
	}
	ok = true;
out:
	run_result_clear(&res);
	if (wl)
		wl->ops->destroy(wl);
	pgdat_destroy(pgdat);
	return ok;
}

int cmd_replay(int argc, char **argv)
{
	gboolean json = FALSE;
	char *mode = NULL, *zoneinfo_path = NULL, *pti_path = NULL;
	const GOptionEntry entries[] = {
		{ "mode", 0, 0, G_OPTION_ARG_STRING, &mode,
		  "request (default): the model picks pfns; pfn: apply the recorded pfns", "MODE" },
		{ "zoneinfo", 0, 0, G_OPTION_ARG_FILENAME, &zoneinfo_path,
		  "Guest layout (RAM, RAM below 4 GiB, holes) from a saved /proc/zoneinfo", "FILE" },
		{ "pagetypeinfo", 0, 0, G_OPTION_ARG_FILENAME, &pti_path,
		  "With --mode pfn: start from the free lists and pageblock types of a saved "
		  "/proc/pagetypeinfo", "FILE" },
		{ "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print one JSON object", NULL },
		{ NULL },
	};
	g_autoptr(GOptionContext) ctx = g_option_context_new("FILE - replay a kmem trace");
	g_autofree GOptionEntry *model_entries = NULL, *run_entries = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonNode) root = NULL;
	g_autoptr(GString) text = NULL;
	g_autoptr(GString) notes = g_string_new(NULL);
	struct model_opts mo;
	struct run_opts ro;
	struct run_spec rs = { 0 };
	struct zoneinfo zi = { 0 };
	struct initstate_geometry geo;
	struct initstate_spec spec;
	struct pti_info info;
	bool pfn;
	int ret = EXIT_USAGE;

	model_opts_init(&mo);
	run_opts_init(&ro);
	model_entries = model_opts_entries(&mo);
	run_entries = run_opts_entries(&ro);
	g_option_context_add_main_entries(ctx, entries, NULL);
	g_option_context_add_main_entries(ctx, run_entries, NULL);
	g_option_context_add_main_entries(ctx, model_entries, NULL);
	g_option_context_set_summary(ctx,
		"Formats: ftrace text, trace-cmd report (-R too), perf script, trace.dat,\n"
		"the native format; gzip or zstd compressed.  With --mode pfn the per-CPU\n"
		"lists are off and --mem (or --zoneinfo) must cover the trace's highest pfn;\n"
		"--pagetypeinfo then sets the free lists the trace starts from (pages the\n"
		"model has allocated that the trace allocates count as conflicts).");
	if (!cli_parse(ctx, "replay", &argc, &argv))
		goto out;
	if (argc != 2) {
		fprintf(stderr, "acceptsim replay: expected one trace FILE\n");
		goto out;
	}
	if (mode && strcmp(mode, "request") && strcmp(mode, "pfn")) {
		fprintf(stderr, "acceptsim replay: --mode must be request or pfn\n");
		goto out;
	}
	pfn = mode && !strcmp(mode, "pfn");
	if (ro.workload) {
		fprintf(stderr, "acceptsim replay: --workload does not apply (the trace is the workload)\n");
		goto out;
	}
	if (pti_path && !pfn) {
		fprintf(stderr, "acceptsim replay: --pagetypeinfo needs --mode pfn (a request replay "
				"lets the model choose pages)\n");
		goto out;
	}
	if (zoneinfo_path && (mo.mem || mo.below_4g || mo.holes)) {
		fprintf(stderr, "acceptsim replay: --zoneinfo sets the layout: no --mem, --below-4g "
				"or --hole with it\n");
		goto out;
	}
	ro.workload = g_strdup("trace");
	if (!run_spec_from_opts(&rs, &mo, &ro, &error) ||
	    !run_spec_set(&rs, "wl.file", argv[1], &error) ||
	    !run_spec_set(&rs, "wl.mode", pfn ? "pfn" : "request", &error) ||
	    (zoneinfo_path && (!load_zoneinfo(zoneinfo_path, &zi, &geo, &error) ||
			       !initstate_layout(&geo, &rs.cfg, notes, &error))) ||
	    (pti_path && !load_pagetypeinfo(pti_path, zoneinfo_path ? &zi : NULL, &spec, &info,
					    &error))) {
		cli_report("replay", error);
		goto out;
	}
	if (pfn) {
		rs.cfg.pcp = false;
		rs.reclaim = false;	/* the trace already shows what reclaim did */
	}
	if (!json)
		text = g_string_new(NULL);
	if (pti_path ? !run_from_state(&rs, pti_path, &spec, &info, &root, text, &error)
		     : !run_spec_execute(&rs, &root, text, false, &error)) {
		cli_report("replay", error);
		goto out;
	}
	if (zoneinfo_path)
		report_zoneinfo(json_node_get_object(root), &zi, notes->str, text);
	if (json) {
		g_autofree char *s = json_to_string_nl(root);

		fputs(s, stdout);
	} else {
		fputs(text->str, stdout);
	}
	ret = 0;
out:
	g_free(mode);
	g_free(zoneinfo_path);
	g_free(pti_path);
	zoneinfo_clear(&zi);
	run_spec_clear(&rs);
	run_opts_clear(&ro);
	model_opts_clear(&mo);
	return ret;
}
