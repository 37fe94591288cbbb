// SPDX-License-Identifier: GPL-2.0-only
/*
 * acceptsim baseline: one allocation stream (a scenario's workload or a
 * kmem trace as requests) through jemalloc and through the buddy model,
 * side by side: what each holds and wastes, and how fast each replays it.
 * jemalloc runs in acceptsim-jebaseline (baseline/jebaseline.c), because
 * linking it would replace malloc in this process.
 */
#include <stdio.h>
#include <string.h>
#include "commands.h"
#include "cli.h"
#include "options.h"
#include "report.h"
#include "runspec.h"
#include "baseline/baseline.h"

#define MIB (1024.0 * 1024.0)

/* Ratios of jemalloc's figures, with the words the output defines them by. */
static const struct {
	const char *name;		/* JSON member */
	const char *num, *den;		/* helper keys */
	const char *what;
} je_ratios[] = {
	{ "allocated_per_live", "arena.allocated", "live_bytes",
	  "size-class rounding: bytes jemalloc counts allocated per byte the stream holds" },
	{ "active_per_allocated", "arena.active", "arena.allocated",
	  "pages of active extents per allocated byte (slab slack, large-extent padding)" },
	{ "resident_per_active", "arena.resident", "arena.active",
	  "resident bytes per active byte (unpurged dirty/muzzy pages, metadata)" },
	{ "mapped_per_resident", "arena.mapped", "arena.resident",
	  "mapped bytes per resident byte (mapped = active extents; resident adds metadata)" },
	{ "resident_per_live", "arena.resident", "live_bytes",
	  "what the OS sees per byte the stream holds: the overall overhead" },
};

static const char *const je_sizes[][2] = {
	{ "allocated", "stats.arenas.<i>.small.allocated + large.allocated" },
	{ "active", "stats.arenas.<i>.pactive x page: pages of active extents" },
	{ "resident", "stats.arenas.<i>.resident: active, dirty, muzzy and metadata pages" },
	{ "mapped", "stats.arenas.<i>.mapped: bytes in extents mapped, active ones" },
	{ "retained", "stats.arenas.<i>.retained: virtual memory kept, its pages returned" },
	{ "dirty", "stats.arenas.<i>.pdirty x page: freed, not yet purged" },
	{ "metadata", "stats.arenas.<i>.base + internal" },
};

static double ratio(double a, double b)
{
	return b > 0 ? a / b : 0.0;
}

static void add_u64(JsonBuilder *b, const char *name, uint64_t v)
{
	json_builder_set_member_name(b, name);
	json_builder_add_int_value(b, (gint64)v);
}

static void add_double(JsonBuilder *b, const char *name, double v)
{
	json_builder_set_member_name(b, name);
	json_builder_add_double_value(b, v);
}

static void add_str(JsonBuilder *b, const char *name, const char *v)
{
	json_builder_set_member_name(b, name);
	json_builder_add_string_value(b, v);
}

struct baseline_run {
	const char *source;			/* "scenario kbuild-small", "trace FILE", ... */
	const struct run_spec *rs;
	struct bstream_summary sum;
	const struct baseline_stream *s;
	GHashTable *je;				/* the helper's key=value lines */
	struct baseline_model_result model;
	int decay_ms;
};

static const char *je_str(const struct baseline_run *br, const char *key)
{
	const char *v = g_hash_table_lookup(br->je, key);

	return v ? v : "?";
}

static double je_ops(const struct baseline_run *br)
{
	return g_ascii_strtod(je_str(br, "ops_per_s"), NULL);
}

static void print_text(const struct baseline_run *br)
{
	const struct baseline_model_result *m = &br->model;
	const struct sim_config *cfg = &br->rs->cfg;
	uint64_t je_live = baseline_je_u64(br->je, "live_bytes");
	double free_pages = (double)m->buddy_free_pages;

	printf("baseline: %s (workload %s, seed %" G_GUINT64_FORMAT "), %" G_GUINT64_FORMAT
	       " MiB guest, %u CPUs, kernel %s\n", br->source, br->rs->workload, br->rs->seed,
	       cfg->mem_bytes >> 20, cfg->cpus, kernel_era_name(cfg->era));
	printf("stream: %" G_GUINT64_FORMAT " requests (%" G_GUINT64_FORMAT " allocations, %"
	       G_GUINT64_FORMAT " frees) of 4 KiB << order, naturally aligned; live at the end "
	       "%.1f MiB in %" G_GUINT64_FORMAT " blocks, at most %.1f MiB\n\n",
	       br->s->nr_records, br->sum.allocs, br->sum.frees, (double)br->sum.live_bytes / MIB,
	       br->sum.live_blocks, (double)br->sum.peak_live_bytes / MIB);

	printf("%-34s %14s %14s %10s\n", "", "jemalloc", "model", "ratio");
	printf("%-34s %14.3f %14.3f %10.2f  model/jemalloc\n", "throughput, M requests/s",
	       je_ops(br) / 1e6, m->ops_per_s / 1e6, ratio(m->ops_per_s, je_ops(br)));
	printf("%-34s %14.1f %14.1f %10.2f  model/jemalloc\n", "replay time, ms (median)",
	       (double)baseline_je_u64(br->je, "replay_ns_median") / 1e6, (double)m->ns_median / 1e6,
	       ratio((double)m->ns_median, (double)baseline_je_u64(br->je, "replay_ns_median")));
	printf("%-34s %14.1f %14.1f\n", "live at the end, MiB", (double)je_live / MIB,
	       (double)(m->live_pages * PAGE_SIZE) / MIB);
	printf("%-34s %14" G_GUINT64_FORMAT " %14" G_GUINT64_FORMAT "\n", "requests refused",
	       baseline_je_u64(br->je, "alloc_failures"), m->alloc_failures);
	printf("(throughput: requests / replay time; median of %u replays each, each from a fresh\n"
	       " arena or guest; only the loop over the in-memory stream is timed)\n\n", m->repeat);

	printf("jemalloc %s: private arena %s, thread cache off (MALLOCX_TCACHE_NONE), "
	       "dirty_decay_ms %s, muzzy_decay_ms %s, background_thread %s, retain %s, "
	       "cache_oblivious %s;\n  each block mallocx(4 KiB << order, MALLOCX_ALIGN(size) | "
	       "MALLOCX_ARENA | MALLOCX_TCACHE_NONE), freed with dallocx; the replay does not\n"
	       "  touch the memory, so 'resident' is jemalloc's own accounting\n",
	       je_str(br, "jemalloc_version"), je_str(br, "arena"), je_str(br, "dirty_decay_ms"),
	       je_str(br, "muzzy_decay_ms"), je_str(br, "opt.background_thread"),
	       je_str(br, "opt.retain"), je_str(br, "opt.cache_oblivious"));
	printf("  %-10s %12.1f MiB  bytes the stream holds at the end\n", "live", (double)je_live / MIB);
	for (size_t i = 0; i < G_N_ELEMENTS(je_sizes); i++) {
		g_autofree char *key = g_strdup_printf("arena.%s", je_sizes[i][0]);

		printf("  %-10s %12.1f MiB  %s\n", je_sizes[i][0],
		       (double)baseline_je_u64(br->je, key) / MIB, je_sizes[i][1]);
	}
	printf("  process-wide (jemalloc's base and this helper's stdio included): stats.allocated "
	       "%.1f, active %.1f,\n  resident %.1f, mapped %.1f, retained %.1f MiB\n",
	       (double)baseline_je_u64(br->je, "stats.allocated") / MIB,
	       (double)baseline_je_u64(br->je, "stats.active") / MIB,
	       (double)baseline_je_u64(br->je, "stats.resident") / MIB,
	       (double)baseline_je_u64(br->je, "stats.mapped") / MIB,
	       (double)baseline_je_u64(br->je, "stats.retained") / MIB);
	printf("  fragmentation ratios (1.000 = no overhead):\n");
	for (size_t i = 0; i < G_N_ELEMENTS(je_ratios); i++) {
		g_autofree char *label = g_strdup_printf("%s/%s",
			strchr(je_ratios[i].num, '.') ? strchr(je_ratios[i].num, '.') + 1 : je_ratios[i].num,
			strchr(je_ratios[i].den, '.') ? strchr(je_ratios[i].den, '.') + 1 : "live");

		printf("    %-20s %7.3f  %s\n", label,
		       ratio((double)baseline_je_u64(br->je, je_ratios[i].num),
			     (double)baseline_je_u64(br->je, je_ratios[i].den)), je_ratios[i].what);
	}

	printf("\nmodel: %" G_GUINT64_FORMAT " managed pages, per-CPU lists %s, all memory accepted, "
	       "no policy, reclaim or compaction;\n  sim_alloc_pages()/sim_free_pages() on the "
	       "request's CPU and gfp\n", m->managed_pages, cfg->pcp ? "on" : "off");
	printf("  %-10s %12.1f MiB  pages the stream holds at the end (refused requests hold none)\n",
	       "live", (double)(m->live_pages * PAGE_SIZE) / MIB);
	printf("  %-10s %12.1f MiB  on the buddy free lists (+ %.1f MiB on per-CPU lists)\n", "free",
	       free_pages * PAGE_SIZE / MIB, (double)(m->pcp_pages * PAGE_SIZE) / MIB);
	printf("  free memory stranded below order k: in buddy blocks smaller than 2^k pages, of no use\n"
	       "  to a request of order k; unusable index as debugfs extfrag/unusable_index\n");
	printf("  %5s %12s %14s %10s %9s\n", "order", "free blocks", "stranded MiB", "% of free",
	       "unusable");
	for (int k = 0; k < NR_PAGE_ORDERS; k++)
		printf("  %5d %12" G_GUINT64_FORMAT " %14.1f %9.1f%% %9.3f\n", k, m->nr_free[k],
		       (double)(m->stranded_pages[k] * PAGE_SIZE) / MIB,
		       100.0 * ratio((double)m->stranded_pages[k], free_pages),
		       (double)m->unusable[k] / 1000.0);
}

static void json_series(JsonBuilder *b, const char *name, const uint64_t *v, size_t n, uint64_t scale)
{
	json_builder_set_member_name(b, name);
	json_builder_begin_array(b);
	for (size_t i = 0; i < n; i++)
		json_builder_add_int_value(b, (gint64)(v[i] * scale));
	json_builder_end_array(b);
}

static void print_json(const struct baseline_run *br)
{
	const struct baseline_model_result *m = &br->model;
	const struct sim_config *cfg = &br->rs->cfg;
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(JsonNode) root = NULL;
	g_autofree char *s = NULL;
	g_auto(GStrv) ns = g_strsplit(je_str(br, "replay_ns"), ",", -1);

	json_builder_begin_object(b);
	add_str(b, "acceptsim_version", ACCEPTSIM_VERSION);
	json_builder_set_member_name(b, "config");
	json_builder_begin_object(b);
	add_str(b, "source", br->source);
	add_str(b, "workload", br->rs->workload);
	add_u64(b, "seed", br->rs->seed);
	add_u64(b, "mem_bytes", cfg->mem_bytes);
	add_u64(b, "cpus", cfg->cpus);
	add_str(b, "kernel", kernel_era_name(cfg->era));
	json_builder_set_member_name(b, "pcp");
	json_builder_add_boolean_value(b, cfg->pcp);
	add_u64(b, "repeat", m->repeat);
	json_builder_end_object(b);

	json_builder_set_member_name(b, "stream");
	json_builder_begin_object(b);
	add_u64(b, "requests", br->s->nr_records);
	add_u64(b, "allocs", br->sum.allocs);
	add_u64(b, "frees", br->sum.frees);
	add_u64(b, "skipped", br->s->skipped);
	add_u64(b, "slots", br->s->nr_slots);
	add_u64(b, "live_blocks", br->sum.live_blocks);
	add_u64(b, "live_bytes", br->sum.live_bytes);
	add_u64(b, "peak_live_bytes", br->sum.peak_live_bytes);
	json_series(b, "allocs_by_order", br->sum.allocs_by_order, BSTREAM_MAX_ORDER + 1, 1);
	json_builder_end_object(b);

	json_builder_set_member_name(b, "jemalloc");
	json_builder_begin_object(b);
	add_str(b, "version", je_str(br, "jemalloc_version"));
	json_builder_set_member_name(b, "settings");
	json_builder_begin_object(b);
	add_u64(b, "arena", baseline_je_u64(br->je, "arena"));
	add_str(b, "tcache", "none");
	json_builder_set_member_name(b, "dirty_decay_ms");
	json_builder_add_int_value(b, br->decay_ms);
	json_builder_set_member_name(b, "muzzy_decay_ms");
	json_builder_add_int_value(b, br->decay_ms);
	add_str(b, "background_thread", je_str(br, "opt.background_thread"));
	add_str(b, "retain", je_str(br, "opt.retain"));
	add_str(b, "cache_oblivious", je_str(br, "opt.cache_oblivious"));
	add_str(b, "flags", "MALLOCX_ALIGN(size) | MALLOCX_ARENA(arena) | MALLOCX_TCACHE_NONE");
	json_builder_end_object(b);
	add_u64(b, "live_bytes", baseline_je_u64(br->je, "live_bytes"));
	for (size_t i = 0; i < G_N_ELEMENTS(je_sizes); i++) {
		g_autofree char *key = g_strdup_printf("arena.%s", je_sizes[i][0]);
		g_autofree char *name = g_strdup_printf("%s_bytes", je_sizes[i][0]);

		add_u64(b, name, baseline_je_u64(br->je, key));
	}
	json_builder_set_member_name(b, "process");
	json_builder_begin_object(b);
	add_u64(b, "allocated_bytes", baseline_je_u64(br->je, "stats.allocated"));
	add_u64(b, "active_bytes", baseline_je_u64(br->je, "stats.active"));
	add_u64(b, "resident_bytes", baseline_je_u64(br->je, "stats.resident"));
	add_u64(b, "mapped_bytes", baseline_je_u64(br->je, "stats.mapped"));
	add_u64(b, "retained_bytes", baseline_je_u64(br->je, "stats.retained"));
	add_u64(b, "metadata_bytes", baseline_je_u64(br->je, "stats.metadata"));
	json_builder_end_object(b);
	json_builder_set_member_name(b, "ratios");
	json_builder_begin_object(b);
	for (size_t i = 0; i < G_N_ELEMENTS(je_ratios); i++)
		add_double(b, je_ratios[i].name,
			   ratio((double)baseline_je_u64(br->je, je_ratios[i].num),
				 (double)baseline_je_u64(br->je, je_ratios[i].den)));
	json_builder_end_object(b);
	json_builder_set_member_name(b, "ratio_definitions");
	json_builder_begin_object(b);
	for (size_t i = 0; i < G_N_ELEMENTS(je_ratios); i++)
		add_str(b, je_ratios[i].name, je_ratios[i].what);
	json_builder_end_object(b);
	add_u64(b, "alloc_failures", baseline_je_u64(br->je, "alloc_failures"));
	json_builder_set_member_name(b, "replay_ns");
	json_builder_begin_array(b);
	for (char **p = ns; *p && **p; p++)
		json_builder_add_int_value(b, (gint64)g_ascii_strtoull(*p, NULL, 10));
	json_builder_end_array(b);
	add_u64(b, "replay_ns_median", baseline_je_u64(br->je, "replay_ns_median"));
	add_double(b, "ops_per_s", je_ops(br));
	json_builder_end_object(b);

	json_builder_set_member_name(b, "model");
	json_builder_begin_object(b);
	add_u64(b, "managed_bytes", m->managed_pages * PAGE_SIZE);
	add_u64(b, "live_bytes", m->live_pages * PAGE_SIZE);
	add_u64(b, "alloc_failures", m->alloc_failures);
	add_u64(b, "buddy_free_bytes", m->buddy_free_pages * PAGE_SIZE);
	add_u64(b, "pcp_free_bytes", m->pcp_pages * PAGE_SIZE);
	json_series(b, "nr_free", m->nr_free, NR_PAGE_ORDERS, 1);
	json_series(b, "stranded_below_order_bytes", m->stranded_pages, NR_PAGE_ORDERS, PAGE_SIZE);
	json_builder_set_member_name(b, "unusable_index");
	json_builder_begin_array(b);
	for (int k = 0; k < NR_PAGE_ORDERS; k++)
		json_builder_add_double_value(b, (double)m->unusable[k] / 1000.0);
	json_builder_end_array(b);
	json_series(b, "replay_ns", m->ns, m->repeat, 1);
	add_u64(b, "replay_ns_median", m->ns_median);
	add_double(b, "ops_per_s", m->ops_per_s);
	add_str(b, "definition", "stranded_below_order_bytes[k]: free memory in buddy blocks of "
		"order < k (unusable for an order-k request); the model runs with all memory "
		"accepted, no policy, no reclaim or compaction");
	json_builder_end_object(b);

	add_double(b, "model_over_jemalloc_ops", ratio(m->ops_per_s, je_ops(br)));
	json_builder_end_object(b);
	root = json_builder_get_root(b);
	s = json_to_string_nl(root);
	fputs(s, stdout);
}

static bool save_stream(const char *path, const struct baseline_stream *s, GError **error)
{
	return write_file_atomic(path, (const char *)s->bytes->data, s->bytes->len, error);
}

int cmd_baseline(int argc, char **argv)
{
	gboolean json = FALSE;
	g_autofree char *trace = NULL, *save = NULL, *source = NULL, *helper = NULL;
	int repeat = 5, decay_ms = 0;
	const GOptionEntry entries[] = {
		{ "trace", 0, 0, G_OPTION_ARG_FILENAME, &trace,
		  "Replay this kmem trace's allocations and frees (request mode)", "FILE" },
		{ "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print one JSON object", NULL },
		{ "repeat", 0, 0, G_OPTION_ARG_INT, &repeat,
		  "Replays timed on each side, median reported (default 5)", "N" },
		{ "je-decay-ms", 0, 0, G_OPTION_ARG_INT, &decay_ms,
		  "jemalloc arena dirty and muzzy decay, ms (default 0: purge at once; -1 never)", "MS" },
		{ "save-stream", 0, 0, G_OPTION_ARG_FILENAME, &save,
		  "Also write the stream as acceptsim-jebaseline reads it", "FILE" },
		{ NULL },
	};
	g_autoptr(GOptionContext) ctx =
		g_option_context_new("(--scenario NAME | --trace FILE) - jemalloc beside the model");
	g_autofree GOptionEntry *model_entries = NULL, *run_entries = NULL;
	g_autoptr(GError) error = NULL;
	struct baseline_stream s;
	struct baseline_run br = { 0 };
	struct model_opts mo;
	struct run_opts ro;
	struct run_spec rs = { 0 };
	uint64_t managed = 0;
	uint8_t *scratch = NULL;
	char err[256];
	struct bstream_header h;
	int ret = EXIT_USAGE;

	model_opts_init(&mo);
	run_opts_init(&ro);
	baseline_stream_init(&s);
	model_entries = model_opts_entries(&mo);
	run_entries = run_opts_entries(&ro);
	g_option_context_add_main_entries(ctx, entries, NULL);
	g_option_context_add_main_entries(ctx, run_entries, NULL);
	g_option_context_add_main_entries(ctx, model_entries, NULL);
	g_option_context_set_summary(ctx,
		"Replays one allocation stream (4 KiB << order, naturally aligned) through\n"
		"jemalloc (acceptsim-jebaseline: private arena, no thread cache, decay 0) and\n"
		"through the buddy model, and prints side by side what each holds, wastes and\n"
		"how fast it goes.  The stream is a scenario's or workload's requests (every\n"
		"allocation assumed to succeed), or a kmem trace's allocations and frees.");
	if (!cli_parse(ctx, "baseline", &argc, &argv))
		goto out;
	if (!baseline_je_built()) {
		fprintf(stderr, "acceptsim baseline: not built: this acceptsim was configured without "
			"jemalloc (meson -Djemalloc=enabled needs libjemalloc-dev)\n");
		goto out;
	}
	if (argc > 1) {
		fprintf(stderr, "acceptsim baseline: unexpected argument '%s'\n", argv[1]);
		goto out;
	}
	if (!trace && !ro.scenario && !ro.workload) {
		fprintf(stderr, "acceptsim baseline: expected --scenario NAME or --trace FILE\n");
		goto out;
	}
	if (trace && (ro.scenario || ro.workload)) {
		fprintf(stderr, "acceptsim baseline: --trace replaces --scenario and --workload\n");
		goto out;
	}
	if (repeat < 1 || repeat > BASELINE_MAX_REPEAT || decay_ms < -1) {
		fprintf(stderr, "acceptsim baseline: --repeat must be 1 to %d, --je-decay-ms >= -1\n",
			BASELINE_MAX_REPEAT);
		goto out;
	}
	if (trace) {
		if (!g_file_test(trace, G_FILE_TEST_IS_REGULAR)) {
			fprintf(stderr, "acceptsim baseline: %s: no such trace file\n", trace);
			goto out;
		}
		ro.workload = g_strdup("trace");
		source = g_strdup_printf("trace %s", trace);
	} else {
		source = ro.scenario ? g_strdup_printf("scenario %s", ro.scenario) :
				       g_strdup_printf("workload %s", ro.workload);
	}
	if (!run_spec_from_opts(&rs, &mo, &ro, &error) ||
	    (trace && (!run_spec_set(&rs, "wl.file", trace, &error) ||
		       !run_spec_set(&rs, "wl.mode", "request", &error)))) {
		cli_report("baseline", error);
		goto out;
	}
	helper = baseline_je_helper_path(&error);
	if (!helper || !baseline_managed_pages(&rs.cfg, &managed, &error) ||
	    !baseline_stream_generate(&rs, managed, &s, &error)) {
		cli_report("baseline", error);
		goto out;
	}
	/* check what we send, and sum it up, as the helper will */
	scratch = g_malloc(MAX(s.nr_slots, 1));
	if (!bstream_header_parse(s.bytes->data, s.bytes->len, &h, err, sizeof(err)) ||
	    !bstream_check(s.bytes->data, &h, scratch, &br.sum, err, sizeof(err))) {
		fprintf(stderr, "acceptsim baseline: internal error: bad stream: %s\n", err);
		goto out;
	}
	if (!br.sum.allocs) {
		fprintf(stderr, "acceptsim baseline: %s: the stream has no allocations\n", source);
		goto out;
	}
	if (save && !save_stream(save, &s, &error)) {
		cli_report("baseline", error);
		goto out;
	}
	br.je = baseline_je_run(helper, &s, (unsigned int)repeat, decay_ms, &error);
	if (!br.je || !baseline_model_run(&rs.cfg, &s, (unsigned int)repeat, &br.model, &error)) {
		cli_report("baseline", error);
		goto out;
	}
	br.source = source;
	br.rs = &rs;
	br.s = &s;
	br.decay_ms = decay_ms;
	if (json)
		print_json(&br);
	else
		print_text(&br);
	ret = 0;
out:
	if (br.je)
		g_hash_table_unref(br.je);
	g_free(scratch);
	baseline_stream_clear(&s);
	run_spec_clear(&rs);
	run_opts_clear(&ro);
	model_opts_clear(&mo);
	return ret;
}
