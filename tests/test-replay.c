// SPDX-License-Identifier: GPL-2.0-only
/*
 * Trace replay through the model, as requests and pfn-faithfully; the
 * guest's layout from a saved /proc/zoneinfo and the initial free lists
 * from /proc/pagetypeinfo (tests/data/traces/cap-6.18.*: a capture of
 * this project's 24 GiB build machine, zoneinfo and pagetypeinfo read
 * right before tracing began); bad snapshots.
 */
#include <string.h>
#include <sys/wait.h>
#include <glib/gstdio.h>
#include "helpers.h"
#include "sim/initstate.h"
#include "sim/report.h"
#include "sim/runspec.h"
#include "traces/procfs.h"

static JsonObject *replay(const char *file, const char *mode, JsonNode **keep, GError **error)
{
	struct run_spec rs;
	g_autofree char *path = g_build_filename(tests_data_dir(), "traces", file, NULL);
	bool ok;

	run_spec_init(&rs);
	ok = run_spec_set(&rs, "workload", "trace", error) &&
	     run_spec_set(&rs, "mem", "24G", error) && run_spec_set(&rs, "cpus", "2", error) &&
	     run_spec_set(&rs, "wl.file", path, error) && run_spec_set(&rs, "wl.mode", mode, error);
	rs.cfg.check_every = 20000;
	if (!strcmp(mode, "pfn")) {
		rs.cfg.pcp = false;
		rs.reclaim = false;
	}
	ok = ok && run_spec_execute(&rs, keep, NULL, false, error);
	run_spec_clear(&rs);
	return ok ? json_node_get_object(*keep) : NULL;
}

static gint64 member(JsonObject *o, const char *a, const char *b)
{
	return json_object_get_int_member(b ? json_object_get_object_member(o, a) : o, b ? b : a);
}

/* The shared sample: 46012 allocations, 27781 frees of which 136 precede their alloc. */
static void test_replay_counts(void)
{
	static const char *const modes[] = { "request", "pfn" };

	for (size_t i = 0; i < G_N_ELEMENTS(modes); i++) {
		g_autoptr(JsonNode) root = NULL;
		g_autoptr(GError) error = NULL;
		JsonObject *o = replay("kmem-6.18-v7-zstd.dat", modes[i], &root, &error);

		CU_ASSERT_FATAL(o != NULL);
		ASSERT_EQ(member(o, "trace", "allocs_replayed"), 46012);
		ASSERT_EQ(member(o, "trace", "frees_replayed") + member(o, "trace", "unmatched_frees"),
			  27781);
		ASSERT_EQ(member(o, "trace", "trace_extfrag"), 10);
		ASSERT_EQ(member(o, "allocs", NULL), 46012);
		ASSERT_EQ(member(o, "frees", NULL), member(o, "trace", "frees_replayed"));
		/* pfn mode: every recorded page was free in the model when allocated */
		ASSERT_EQ(member(o, "failures", NULL), 0);
	}
}

/* The same trace in text form replays the same requests. */
static void test_replay_formats_agree(void)
{
	g_autoptr(JsonNode) a = NULL, b = NULL;
	g_autoptr(GError) error = NULL;
	JsonObject *dat = replay("ftrace-5col.txt", "request", &a, &error);
	JsonObject *nat = replay("ftrace-5col.acstrace", "request", &b, &error);

	CU_ASSERT_FATAL(dat && nat);
	ASSERT_EQ(member(dat, "allocs", NULL), member(nat, "allocs", NULL));
	ASSERT_EQ(member(dat, "frees", NULL), member(nat, "frees", NULL));
	ASSERT_EQ(member(dat, "extfrag", "events"), member(nat, "extfrag", "events"));
}

static void test_replay_bad_input(void)
{
	g_autoptr(JsonNode) root = NULL;
	g_autoptr(GError) error = NULL;

	CU_ASSERT(replay("bad-order42.txt", "request", &root, &error) == NULL);
	CU_ASSERT_FATAL(error != NULL);
	CU_ASSERT_PTR_NOT_NULL(strstr(error->message, "bad-order42.txt:"));
	g_clear_error(&error);
	CU_ASSERT(replay("no-such-file.txt", "request", &root, &error) == NULL);
	CU_ASSERT(error != NULL);
}

/* ------------------------------------------------- zoneinfo, pagetypeinfo */

static char *cap_path(const char *ext)
{
	g_autofree char *name = g_strconcat("cap-6.18.", ext, NULL);

	return g_build_filename(tests_data_dir(), "traces", name, NULL);
}

/* The capture's zoneinfo as initstate_layout() takes it. */
static void cap_geometry(struct initstate_geometry *g)
{
	g_autofree char *path = cap_path("zoneinfo");
	struct zoneinfo zi = { 0 };
	g_autoptr(GError) error = NULL;

	CU_ASSERT_TRUE_FATAL(zoneinfo_load(&zi, path, &error));
	memset(g, 0, sizeof(*g));
	for (int z = 0; z < MAX_NR_ZONES; z++) {
		const struct zi_zone *zz = zoneinfo_zone(&zi, (enum zone_type)z);

		if (!zz)
			continue;
		g->z[z].populated = true;
		g->z[z].start_pfn = zz->v[ZI_START_PFN];
		g->z[z].spanned = zz->v[ZI_SPANNED];
		g->z[z].present = zz->v[ZI_PRESENT];
		g->z[z].managed = zz->v[ZI_MANAGED];
	}
	zoneinfo_clear(&zi);
}

/* The capture's pagetypeinfo as initstate_apply() takes it (no CMA on 6.18 here). */
static void cap_spec(struct initstate_spec *spec, uint64_t want[MAX_NR_ZONES][NR_PAGE_ORDERS])
{
	g_autofree char *path = cap_path("pagetypeinfo");
	struct snapshot snap = { 0 };

	CU_ASSERT_TRUE_FATAL(snapshot_load(&snap, path, NULL));
	memset(spec, 0, sizeof(*spec));
	for (guint i = 0; i < snap.zones->len; i++) {
		const struct snap_zone *sz = &g_array_index(snap.zones, struct snap_zone, i);

		for (int z = 0; z < MAX_NR_ZONES; z++) {
			if (strcmp(sz->name, zone_name((enum zone_type)z)))
				continue;
			spec->z[z].have = true;
			snap_zone_nr_free(sz, want[z]);
			for (int t = 0; t < snap.nr_types; t++) {
				int mt = -1;

				for (int m = 0; m < MIGRATE_TYPES; m++)
					if (!strcmp(snap.types[t], migratetype_name(m)))
						mt = m;
				if (mt < 0) {	/* Isolate: all zero here */
					for (int o = 0; o < NR_PAGE_ORDERS; o++)
						ASSERT_EQ(sz->nr_free_mt[t][o], 0);
					continue;
				}
				memcpy(spec->z[z].nr_free[mt], sz->nr_free_mt[t],
				       sizeof(spec->z[z].nr_free[mt]));
				spec->z[z].blocks[mt] = sz->blocks[t];
			}
		}
	}
	snapshot_clear(&snap);
}

/*
 * The zones built from the capture's zoneinfo have its start_pfn, spanned
 * and present pages (DMA: the model's node starts at pfn 0), DMA and DMA32
 * its managed pages; Normal's differ by the memmap estimate only.
 */
static void test_replay_zoneinfo_geometry(void)
{
	struct initstate_geometry g;
	struct sim_config cfg;
	struct pgdat *pgdat;
	g_autoptr(GError) error = NULL;

	cap_geometry(&g);
	sim_config_init(&cfg);
	CU_ASSERT_TRUE_FATAL(initstate_layout(&g, &cfg, NULL, &error));
	ASSERT_EQ(cfg.mem_bytes, 24ULL << 30);
	ASSERT_EQ(cfg.below_4g_bytes, 3ULL << 30);
	pgdat = pgdat_create(&cfg, &error);
	CU_ASSERT_PTR_NOT_NULL_FATAL(pgdat);
	for (int z = ZONE_DMA32; z <= ZONE_NORMAL; z++) {
		ASSERT_EQ(pgdat->zones[z].zone_start_pfn, g.z[z].start_pfn);
		ASSERT_EQ(pgdat->zones[z].spanned_pages, g.z[z].spanned);
	}
	for (int z = ZONE_DMA; z <= ZONE_NORMAL; z++)
		ASSERT_EQ(pgdat->zones[z].present_pages, g.z[z].present);
	ASSERT_EQ(pgdat->zones[ZONE_DMA].zone_start_pfn, 0);
	ASSERT_EQ(pgdat->zones[ZONE_DMA].spanned_pages, 4096);
	ASSERT_EQ(pgdat->zones[ZONE_DMA].managed_pages, g.z[ZONE_DMA].managed);
	ASSERT_EQ(pgdat->zones[ZONE_DMA32].managed_pages, g.z[ZONE_DMA32].managed);
	CU_ASSERT_TRUE(pgdat->zones[ZONE_NORMAL].managed_pages >= g.z[ZONE_NORMAL].managed &&
		       pgdat->zones[ZONE_NORMAL].managed_pages <
		       g.z[ZONE_NORMAL].managed + g.z[ZONE_NORMAL].managed / 100);
	ASSERT_EQ(pgdat->zones[ZONE_MOVABLE].present_pages, 0);
	pgdat_destroy(pgdat);
	sim_config_clear(&cfg);
}

/*
 * The initial state has the snapshot's free blocks per zone, order and
 * type and its pageblock counts, passes the whole-node validator, and
 * allocated pages are everything else.
 */
static void test_replay_initial_state(void)
{
	uint64_t want[MAX_NR_ZONES][NR_PAGE_ORDERS] = { { 0 } };
	struct initstate_geometry g;
	struct initstate_spec spec;
	struct initstate_result res;
	struct sim_config cfg;
	struct pgdat *pgdat;
	g_autoptr(GError) error = NULL;
	g_autoptr(GString) why = g_string_new(NULL);

	cap_geometry(&g);
	cap_spec(&spec, want);
	sim_config_init(&cfg);
	cfg.pcp = false;
	CU_ASSERT_TRUE_FATAL(initstate_layout(&g, &cfg, NULL, &error));
	pgdat = pgdat_create(&cfg, &error);
	CU_ASSERT_PTR_NOT_NULL_FATAL(pgdat);
	CU_ASSERT_TRUE_FATAL(initstate_apply(pgdat, &spec, &res, &error));
	CU_ASSERT_TRUE(pgdat_is_valid(pgdat, why));
	if (why->len)
		fprintf(stderr, "\n%s", why->str);
	ASSERT_EQ(res.unplaced, 0);
	for (int z = ZONE_DMA; z <= ZONE_NORMAL; z++) {
		struct zone *zone = &pgdat->zones[z];
		uint64_t nr_free[NR_PAGE_ORDERS];
		uint64_t free_pages = 0;

		zone_nr_free(zone, nr_free);
		CU_ASSERT_EQUAL(memcmp(nr_free, want[z], sizeof(nr_free)), 0);
		for (int mt = 0; mt < MIGRATE_TYPES; mt++) {
			uint64_t pages = 0;

			for (int o = 0; o < NR_PAGE_ORDERS; o++) {
				pages += spec.z[z].nr_free[mt][o] << o;
				free_pages += spec.z[z].nr_free[mt][o] << o;
			}
			ASSERT_EQ(zone->nr_free_mt[mt], pages);
			ASSERT_EQ(res.z[z].blocks[mt], spec.z[z].blocks[mt]);
		}
		ASSERT_EQ(zone->nr_free_pages, free_pages);
		ASSERT_EQ(res.z[z].used_pages + free_pages, zone->managed_pages);
	}
	pgdat_destroy(pgdat);
	sim_config_clear(&cfg);
}

static JsonObject *parse_json(const char *text, JsonParser *parser)
{
	CU_ASSERT_TRUE_FATAL(json_parser_load_from_data(parser, text, -1, NULL));
	return json_node_get_object(json_parser_get_root(parser));
}

/*
 * The capture replayed at its pfns from its own state, by the CLI (built
 * with debug_checks=2 for the tests: the validator runs every 10 events):
 * the start is the snapshot's, every event is replayed, pages the
 * placement made allocated count as conflicts.
 */
static void test_replay_from_snapshot(void)
{
	g_autofree char *dat = cap_path("dat"), *zi = cap_path("zoneinfo");
	g_autofree char *pti = cap_path("pagetypeinfo");
	const char *args[] = { "replay", dat, "--mode", "pfn", "--cpus", "2", "--zoneinfo", zi,
			       "--pagetypeinfo", pti, "--check-every", "10", "--json", NULL };
	g_autofree char *out = NULL, *err = NULL;
	g_autoptr(JsonParser) parser = json_parser_new();
	uint64_t want[MAX_NR_ZONES][NR_PAGE_ORDERS] = { { 0 } };
	struct initstate_spec spec;
	JsonObject *o, *is, *tr;
	JsonArray *zones;

	cap_spec(&spec, want);
	ASSERT_EQ(tests_run_acceptsim(args, &out, &err), 0);
	if (err && *err)
		fprintf(stderr, "\n%s", err);
	o = parse_json(out, parser);
	is = json_object_get_object_member(o, "initial_state");
	tr = json_object_get_object_member(o, "trace");
	CU_ASSERT_PTR_NOT_NULL_FATAL(is);
	ASSERT_EQ(json_object_get_int_member(is, "unplaced_blocks"), 0);
	zones = json_object_get_array_member(is, "zones");
	ASSERT_EQ(json_array_get_length(zones), 3);
	for (guint i = 0; i < json_array_get_length(zones); i++) {
		JsonObject *z = json_array_get_object_element(zones, i);
		JsonArray *snap = json_object_get_array_member(z, "snapshot_buddyinfo");
		JsonArray *model = json_object_get_array_member(z, "model_buddyinfo");

		for (guint k = 0; k < NR_PAGE_ORDERS; k++) {
			ASSERT_EQ(json_array_get_int_element(model, k),
				  json_array_get_int_element(snap, k));
			ASSERT_EQ(json_array_get_int_element(snap, k), want[i][k]);
		}
	}
	ASSERT_EQ(json_object_get_int_member(tr, "allocs_replayed"), 4584);
	ASSERT_EQ(json_object_get_int_member(o, "failures"),
		  json_object_get_int_member(tr, "pfn_alloc_conflicts"));
	ASSERT_EQ(json_object_get_int_member(o, "allocs") +
		  json_object_get_int_member(tr, "pfn_alloc_conflicts"), 4584);
	CU_ASSERT_PTR_NOT_NULL(json_object_get_object_member(o, "zoneinfo"));
}

/* @src's text with @from (which must be there) replaced by @to everywhere, in @dir/@name. */
static char *edited(const char *src, const char *dir, const char *name, const char *from,
		    const char *to)
{
	g_autofree char *text = NULL;
	g_autofree char *path_src = cap_path(src);
	g_autofree char *joined = NULL;
	g_auto(GStrv) parts = NULL;
	char *out = g_build_filename(dir, name, NULL);

	g_assert(g_file_get_contents(path_src, &text, NULL, NULL));
	g_assert(strstr(text, from));
	parts = g_strsplit(text, from, -1);
	joined = g_strjoinv(to, parts);
	g_assert(g_file_set_contents(out, joined, -1, NULL));
	return out;
}

/* @src's first @lines lines, in @dir/@name. */
static char *head_of(const char *src, const char *dir, const char *name, int lines)
{
	g_autofree char *text = NULL;
	g_autofree char *path_src = cap_path(src);
	char *out = g_build_filename(dir, name, NULL);
	const char *p;
	int n = 0;

	g_assert(g_file_get_contents(path_src, &text, NULL, NULL));
	for (p = text; *p && n < lines; p++)
		n += *p == '\n';
	g_assert(g_file_set_contents(out, text, p - text, NULL));
	return out;
}

struct bad_snapshot {
	const char *which;			/* "zoneinfo" or "pagetypeinfo" */
	const char *from, *to;			/* an edit; from NULL: the first `lines` lines */
	int lines;
	const char *where;			/* ":LINE: " expected in the message */
	const char *why;
};

/*
 * Garbage, truncation and impossible values in either snapshot: exit 2
 * and "FILE:LINE: reason" (docs/hostile-input.md).
 */
static void test_replay_bad_snapshots(void)
{
	static const struct bad_snapshot cases[] = {
		{ "zoneinfo", "        spanned  1044480", "        spanned  1044480 zz", 0, ":106: ",
		  "not a zoneinfo line" },
		{ "zoneinfo", "        present  782336", "        present  78x336", 0, ":107: ",
		  "bad number" },
		{ "zoneinfo", NULL, NULL, 148, ":145: ", "zone Normal has no 'spanned' line" },
		{ "zoneinfo", NULL, NULL, 189, ":145: ", "has pages but no start_pfn" },
		{ "zoneinfo", NULL, NULL, 0, ":1: ", "no zones" },
		{ "zoneinfo", "        present  782336", "        present  1782336", 0, ":107: ",
		  "present 1782336 > spanned 1044480" },
		{ "zoneinfo", "        managed  772808", "        managed  782337", 0, ":108: ",
		  "managed 782337 > present 782336" },
		{ "zoneinfo", "start_pfn:           1048576", "start_pfn:           1048000", 0,
		  ":190: ", "lie outside" },
		{ "zoneinfo", "Node 0, zone   Normal", "Node 1, zone   Normal", 0, ":145: ",
		  "only node 0" },
		{ "zoneinfo", "Node 0, zone   Normal", "Node 0, zone   Highmem", 0, ":145: ",
		  "unknown zone" },
		{ "pagetypeinfo", "Page block order: 9", "Page block order: 10", 0, ":1: ",
		  "page block order 10" },
		{ "pagetypeinfo", "Page block order: 9", "Page block order: x", 0, ":1: ",
		  "bad page block order" },
		{ "pagetypeinfo", "Number of blocks type", "Number of bl0cks type", 0, ":21: ",
		  "not a buddyinfo or pagetypeinfo line" },
		{ "pagetypeinfo", "  749 ", "  7x9 ", 0, ":11: ", "bad count" },
		{ "pagetypeinfo", NULL, NULL, 19, ":19: ", "has no pageblock counts" },
		{ "pagetypeinfo", NULL, NULL, 2, ":2: ", "no zones" },
		{ "pagetypeinfo", "DMA, type      Movable      0      0      0      0      0      0      0      0      0      1      3",
		  "DMA, type      Movable      0      0      0      0      0      0      0      0      0      1   9999", 0,
		  ":5: ", "free pages in 8 pageblocks" },
		{ "pagetypeinfo", "Node 0, zone    DMA32            1         1527",
		  "Node 0, zone    DMA32            1       900000", 0, ":10: ",
		  "pageblocks in 1044480 spanned pages" },
		{ "pagetypeinfo", "Isolate", "Frozen", 0, ":9: ", "unknown migratetype 'Frozen'" },
	};
	g_autofree char *dir = g_dir_make_tmp("acceptsim-XXXXXX", NULL);
	g_autofree char *dat = cap_path("dat");
	g_autofree char *zi = cap_path("zoneinfo"), *pti = cap_path("pagetypeinfo");

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		const struct bad_snapshot *c = &cases[i];
		g_autofree char *name = g_strdup_printf("bad%zu.%s", i, c->which);
		g_autofree char *bad = c->from ? edited(c->which, dir, name, c->from, c->to)
					       : head_of(c->which, dir, name, c->lines);
		bool is_zi = !strcmp(c->which, "zoneinfo");
		const char *args[] = { "replay", dat, "--mode", "pfn", "--zoneinfo", is_zi ? bad : zi,
				       "--pagetypeinfo", is_zi ? pti : bad, NULL };
		g_autofree char *out = NULL, *err = NULL;
		g_autofree char *where = g_strconcat(bad, c->where, NULL);

		ASSERT_EQ(tests_run_acceptsim(args, &out, &err), 2);
		if (!strstr(err, where) || !strstr(err, c->why)) {
			fprintf(stderr, "\ncase %zu: want '%s' and '%s', got: %s", i, where, c->why,
				err);
			CU_FAIL("bad snapshot message");
		}
		g_unlink(bad);
	}
	g_rmdir(dir);
	{
		const char *a1[] = { "replay", dat, "--pagetypeinfo", pti, NULL };
		const char *a2[] = { "replay", dat, "--zoneinfo", zi, "--mem", "24G", NULL };
		const char *a3[] = { "replay", dat, "--mode", "pfn", "--pagetypeinfo", pti,
				     "--policy", "watermark", NULL };
		const char *const *usage[] = { a1, a2, a3 };

		for (size_t i = 0; i < G_N_ELEMENTS(usage); i++) {
			g_autofree char *out = NULL, *err = NULL;

			ASSERT_EQ(tests_run_acceptsim(usage[i], &out, &err), 2);
		}
	}
}

/* Random bytes changed in both snapshots: parsed or an error naming file:line. */
static void test_replay_snapshot_fuzz(void)
{
	const char *which[] = { "zoneinfo", "pagetypeinfo" };
	GRand *rand = g_rand_new_with_seed(11);

	for (size_t w = 0; w < G_N_ELEMENTS(which); w++) {
		g_autofree char *path = cap_path(which[w]);
		g_autofree char *text = NULL;
		gsize len;

		CU_ASSERT_TRUE_FATAL(g_file_get_contents(path, &text, &len, NULL));
		for (int round = 0; round < 300; round++) {
			g_autofree char *copy = g_strndup(text, len);
			g_autoptr(GError) error = NULL;
			bool ok;

			for (int k = 0; k < 1 + round % 4; k++)
				copy[g_rand_int_range(rand, 0, (gint32)len)] =
					(char)g_rand_int_range(rand, 1, 128);
			if (round % 5 == 0)
				copy[g_rand_int_range(rand, 0, (gint32)len)] = '\0';
			if (w == 0) {
				struct zoneinfo zi = { 0 };

				ok = zoneinfo_parse(&zi, "fuzz", copy, &error);
				zoneinfo_clear(&zi);
			} else {
				struct snapshot snap = { 0 };

				ok = snapshot_parse(&snap, "fuzz", copy, &error);
				snapshot_clear(&snap);
			}
			CU_ASSERT_TRUE(ok || (error && g_str_has_prefix(error->message, "fuzz")));
		}
	}
	g_rand_free(rand);
}

void tests_register(void)
{
	CU_pSuite s = tests_add_suite("replay");

	tests_add(s, "replay: every allocation and matched free of the sample is replayed",
		  test_replay_counts);
	tests_add(s, "replay: text and native forms of a capture replay alike", test_replay_formats_agree);
	tests_add(s, "replay: bad traces give errors naming file and line", test_replay_bad_input);
	s = tests_add_suite("replay: saved /proc state");
	tests_add(s, "zoneinfo: the model's zones get the snapshot's spans and pages",
		  test_replay_zoneinfo_geometry);
	tests_add(s, "pagetypeinfo: the initial free lists and pageblocks are the snapshot's",
		  test_replay_initial_state);
	tests_add(s, "replay --pagetypeinfo: from the snapshot's state, under the validator",
		  test_replay_from_snapshot);
	tests_add(s, "bad zoneinfo and pagetypeinfo: exit 2 with file:line",
		  test_replay_bad_snapshots);
	tests_add(s, "zoneinfo and pagetypeinfo with random bytes changed: never a crash",
		  test_replay_snapshot_fuzz);
}
