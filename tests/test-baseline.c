// SPDX-License-Identifier: GPL-2.0-only
/*
 * The jemalloc baseline: the stream format, the helper on a tiny stream,
 * stranded free memory of the model, and the command's errors.  The
 * parts that need acceptsim-jebaseline are not registered when it was
 * not built (-Djemalloc=disabled); the command then must say so.
 */
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <json-glib/json-glib.h>
#include "helpers.h"
#include "baseline/baseline.h"
#include "sim/frag.h"

#ifndef ACCEPTSIM_JEBASELINE_BIN
#define ACCEPTSIM_JEBASELINE_BIN ""
#endif

static bool helper_built(void)
{
	return ACCEPTSIM_JEBASELINE_BIN[0] != '\0';
}

/* A small stream of every order, with frees, a reused slot and live blocks. */
static void tiny_stream(struct baseline_stream *s)
{
	baseline_stream_init(s);
	for (unsigned int o = 0; o <= MAX_PAGE_ORDER; o++)
		baseline_stream_add(s, BSTREAM_ALLOC, o, o, 0, GFP_KERNEL);
	baseline_stream_add(s, BSTREAM_FREE, 3, 3, 1, 0);
	baseline_stream_add(s, BSTREAM_ALLOC, 0, 3, 1, GFP_HIGHUSER_MOVABLE);
	baseline_stream_add(s, BSTREAM_FREE, 10, 10, 0, 0);
	baseline_stream_add(s, BSTREAM_ALLOC, 2, 1000, 1, GFP_KERNEL);
	baseline_stream_finish(s);
}

/* Live at the end: orders 0-2, 4-9 in their slots, order 0 in slot 3, order 2 in 1000. */
#define TINY_LIVE_PAGES (1 + 2 + 4 + 16 + 32 + 64 + 128 + 256 + 512 + 1 + 4)

static void test_baseline_stream_round_trip(void)
{
	struct baseline_stream s;
	struct bstream_header h;
	struct bstream_summary sum;
	char err[256];
	uint8_t *scratch;
	static const struct { unsigned int op, order; uint32_t slot; } expect[] = {
		{ 0, 0, 0 }, { 0, 1, 1 }, { 0, 2, 2 }, { 0, 3, 3 }, { 0, 4, 4 }, { 0, 5, 5 },
		{ 0, 6, 6 }, { 0, 7, 7 }, { 0, 8, 8 }, { 0, 9, 9 }, { 0, 10, 10 },
		{ 1, 3, 3 }, { 0, 0, 3 }, { 1, 10, 10 }, { 0, 2, 1000 },
	};

	tiny_stream(&s);
	ASSERT_EQ(s.bytes->len, bstream_size(G_N_ELEMENTS(expect)));
	CU_ASSERT_FATAL(bstream_header_parse(s.bytes->data, s.bytes->len, &h, err, sizeof(err)));
	ASSERT_EQ(h.version, BSTREAM_VERSION);
	ASSERT_EQ(h.nr_slots, 1001);
	ASSERT_EQ(h.nr_records, G_N_ELEMENTS(expect));
	for (size_t i = 0; i < G_N_ELEMENTS(expect); i++) {
		unsigned int op, order;
		uint32_t slot;

		bstream_record_get(s.bytes->data + BSTREAM_HEADER_SIZE, i, &op, &order, &slot);
		ASSERT_EQ(op, expect[i].op);
		ASSERT_EQ(order, expect[i].order);
		ASSERT_EQ(slot, expect[i].slot);
	}
	scratch = g_malloc(h.nr_slots);
	CU_ASSERT_FATAL(bstream_check(s.bytes->data, &h, scratch, &sum, err, sizeof(err)));
	ASSERT_EQ(sum.allocs, 13);
	ASSERT_EQ(sum.frees, 2);
	ASSERT_EQ(sum.live_blocks, 11);
	ASSERT_EQ(sum.live_bytes, TINY_LIVE_PAGES * 4096ULL);
	ASSERT_EQ(sum.peak_live_bytes, 2047 * 4096ULL);
	ASSERT_EQ(sum.allocs_by_order[0], 2);
	ASSERT_EQ(sum.allocs_by_order[2], 2);
	g_free(scratch);
	baseline_stream_clear(&s);

	/* a slot past 2^24 survives the four slot bytes */
	{
		uint8_t rec[BSTREAM_RECORD_SIZE];
		unsigned int op, order;
		uint32_t slot;

		bstream_record_put(rec, BSTREAM_FREE, 7, 0xfedcba98U);
		bstream_record_get(rec, 0, &op, &order, &slot);
		ASSERT_EQ(op, BSTREAM_FREE);
		ASSERT_EQ(order, 7);
		CU_ASSERT(slot == 0xfedcba98U);
	}
}

/* Check @bytes as a stream; returns the error message, or NULL if it is good. */
static char *check_bytes(const uint8_t *bytes, size_t len)
{
	struct bstream_header h;
	struct bstream_summary sum;
	char err[256];
	g_autofree uint8_t *scratch = NULL;

	if (!bstream_header_parse(bytes, len, &h, err, sizeof(err)))
		return g_strdup(err);
	scratch = g_malloc(h.nr_slots + 1);
	if (!bstream_check(bytes, &h, scratch, &sum, err, sizeof(err)))
		return g_strdup(err);
	return NULL;
}

static void expect_bad(const uint8_t *bytes, size_t len, const char *needle)
{
	g_autofree char *msg = check_bytes(bytes, len);

	CU_ASSERT_PTR_NOT_NULL_FATAL(msg);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, needle));
}

static void test_baseline_stream_hostile(void)
{
	uint8_t b[BSTREAM_HEADER_SIZE + 3 * BSTREAM_RECORD_SIZE];
	uint8_t *r = b + BSTREAM_HEADER_SIZE;

	bstream_header_put(b, 4, 3);
	bstream_record_put(r, BSTREAM_ALLOC, 1, 2);
	bstream_record_put(r + 5, BSTREAM_FREE, 1, 2);
	bstream_record_put(r + 10, BSTREAM_ALLOC, 0, 3);
	CU_ASSERT_PTR_NULL(check_bytes(b, sizeof(b)));

	expect_bad(b, sizeof(b) - 1, "announces 3 records");
	expect_bad(b, 10, "not an acceptsim allocation stream");
	bstream_header_put(b, 4, 4);
	expect_bad(b, sizeof(b), "announces 4 records");
	bstream_header_put(b, 4, 3);
	b[8] = 9;					/* version */
	expect_bad(b, sizeof(b), "version 9");
	bstream_header_put(b, 3, 3);			/* slot 3 is out of range */
	expect_bad(b, sizeof(b), "record 2: slot 3 >= nr_slots 3");
	bstream_header_put(b, 4, 3);
	bstream_record_put(r + 5, BSTREAM_FREE, 2, 2);
	expect_bad(b, sizeof(b), "record 1: free of slot 2 at order 2");
	bstream_record_put(r + 5, BSTREAM_FREE, 1, 1);
	expect_bad(b, sizeof(b), "record 1: free of empty slot 1");
	bstream_record_put(r + 5, BSTREAM_ALLOC, 0, 2);
	expect_bad(b, sizeof(b), "record 1: allocation into live slot 2");
	r[5] = 0x0b;					/* order 11 */
	expect_bad(b, sizeof(b), "record 1: bad op 0 or order 11");
	r[5] = 0x20;					/* op 2 */
	expect_bad(b, sizeof(b), "record 1: bad op 2");
}

/* Pages below order k, by hand: nr_free = {3, 1, 0, 2} strands 0, 3, 5, 5, 21, ... */
static void test_baseline_stranded_sums(void)
{
	uint64_t nr_free[NR_PAGE_ORDERS] = { 3, 1, 0, 2 };
	uint64_t st[NR_PAGE_ORDERS];
	static const uint64_t expect[NR_PAGE_ORDERS] = { 0, 3, 5, 5, 21, 21, 21, 21, 21, 21, 21 };

	baseline_stranded(nr_free, st);
	for (int k = 0; k < NR_PAGE_ORDERS; k++)
		ASSERT_EQ(st[k], expect[k]);
}

/*
 * A constructed buddy state: take every page the guest gives at order 0,
 * then free the even pages whose odd buddy we hold.  None can merge, so
 * exactly those pages join order 0 and are stranded below every order >= 1.
 */
static void test_baseline_stranded_model(void)
{
	g_autoptr(GError) error = NULL;
	struct sim_config cfg;
	struct pgdat *pgdat;
	uint64_t before[NR_PAGE_ORDERS], after[NR_PAGE_ORDERS];
	uint64_t st_before[NR_PAGE_ORDERS], st_after[NR_PAGE_ORDERS];
	struct mm_page_census c;
	struct contig_page_info info;
	GHashTable *held = g_hash_table_new(NULL, NULL);
	GArray *pfns = g_array_new(FALSE, FALSE, sizeof(uint32_t));
	uint64_t freed = 0;

	sim_config_init(&cfg);
	cfg.mem_bytes = 256ULL << 20;
	cfg.pcp = false;
	cfg.check_every = 4096;
	pgdat = pgdat_create(&cfg, &error);
	CU_ASSERT_PTR_NOT_NULL_FATAL(pgdat);
	for (;;) {
		uint32_t pfn = sim_alloc_pages(pgdat, 0, GFP_KERNEL | __GFP_NORETRY, 0);

		if (pfn == PFN_NONE)
			break;
		g_array_append_val(pfns, pfn);
		g_hash_table_add(held, GUINT_TO_POINTER(pfn + 1));
	}
	CU_ASSERT(pfns->len > 10000);
	baseline_pgdat_nr_free(pgdat, before);
	baseline_stranded(before, st_before);
	for (guint i = 0; i < pfns->len; i++) {
		uint32_t pfn = g_array_index(pfns, uint32_t, i);

		if (!(pfn & 1) && g_hash_table_contains(held, GUINT_TO_POINTER(pfn + 2))) {
			sim_free_pages(pgdat, 0, pfn, 0);
			freed++;
		}
	}
	CU_ASSERT(freed > 5000);
	baseline_pgdat_nr_free(pgdat, after);
	baseline_stranded(after, st_after);
	ASSERT_EQ(after[0], before[0] + freed);
	for (int o = 1; o < NR_PAGE_ORDERS; o++)
		ASSERT_EQ(after[o], before[o]);
	ASSERT_EQ(st_after[0], 0);
	for (int k = 1; k < NR_PAGE_ORDERS; k++)
		ASSERT_EQ(st_after[k], st_before[k] + freed);
	/* everything on the buddy lists is stranded below order 11 */
	pgdat_census(pgdat, &c);
	ASSERT_EQ(st_after[MAX_PAGE_ORDER] + (after[MAX_PAGE_ORDER] << MAX_PAGE_ORDER), c.buddy);
	/* and the unusable index says the same in thousandths */
	fill_contig_page_info(after, 1, &info);
	ASSERT_EQ(unusable_free_index(1, &info), (int)(st_after[1] * 1000 / c.buddy));
	pgdat_destroy(pgdat);
	g_array_unref(pfns);
	g_hash_table_unref(held);
}

/* The model holds what the stream holds, and refuses nothing in a roomy guest. */
static void test_baseline_model_replay(void)
{
	g_autoptr(GError) error = NULL;
	struct baseline_stream s;
	struct baseline_model_result r;
	struct sim_config cfg;

	tiny_stream(&s);
	sim_config_init(&cfg);
	cfg.mem_bytes = 256ULL << 20;
	cfg.cpus = 2;
	CU_ASSERT_FATAL(baseline_model_run(&cfg, &s, 3, &r, &error));
	ASSERT_EQ(r.alloc_failures, 0);
	ASSERT_EQ(r.live_pages, TINY_LIVE_PAGES);
	ASSERT_EQ(r.repeat, 3);
	CU_ASSERT(r.ops_per_s > 0);
	ASSERT_EQ(r.stranded_pages[MAX_PAGE_ORDER] + (r.nr_free[MAX_PAGE_ORDER] << MAX_PAGE_ORDER),
		  r.buddy_free_pages);
	baseline_stream_clear(&s);
}

/* A generator's stream: every free matches a live allocation (checked by bstream_check). */
static void test_baseline_generate(void)
{
	g_autoptr(GError) error = NULL;
	struct baseline_stream s;
	struct run_spec rs;
	struct bstream_header h;
	struct bstream_summary sum;
	char err[256];
	g_autofree uint8_t *scratch = NULL;

	run_spec_init(&rs);
	CU_ASSERT_FATAL(run_spec_set(&rs, "mem", "256M", &error) &&
			run_spec_set(&rs, "cpus", "2", &error) &&
			run_spec_set(&rs, "wl.ops", "5000", &error));
	baseline_stream_init(&s);
	CU_ASSERT_FATAL(baseline_stream_generate(&rs, 60000, &s, &error));
	ASSERT_EQ(s.nr_records, 5000);
	CU_ASSERT_FATAL(bstream_header_parse(s.bytes->data, s.bytes->len, &h, err, sizeof(err)));
	scratch = g_malloc(h.nr_slots);
	CU_ASSERT(bstream_check(s.bytes->data, &h, scratch, &sum, err, sizeof(err)));
	CU_ASSERT(sum.allocs > sum.frees);
	for (uint64_t i = 0; i < s.nr_records; i++)
		CU_ASSERT(s.cpu[i] < 2);
	baseline_stream_clear(&s);
	run_spec_clear(&rs);
}

static void test_baseline_helper_tiny(void)
{
	g_autoptr(GError) error = NULL;
	struct baseline_stream s;
	GHashTable *kv;

	tiny_stream(&s);
	kv = baseline_je_run(ACCEPTSIM_JEBASELINE_BIN, &s, 2, 0, &error);
	CU_ASSERT_PTR_NOT_NULL_FATAL(kv);
	ASSERT_EQ(baseline_je_u64(kv, "live_bytes"), TINY_LIVE_PAGES * 4096ULL);
	ASSERT_EQ(baseline_je_u64(kv, "allocs"), 13);
	ASSERT_EQ(baseline_je_u64(kv, "frees"), 2);
	ASSERT_EQ(baseline_je_u64(kv, "alloc_failures"), 0);
	ASSERT_EQ(baseline_je_u64(kv, "repeat"), 2);
	ASSERT_EQ(baseline_je_u64(kv, "dirty_decay_ms"), 0);
	/* jemalloc holds at least what was asked for, in whole pages */
	CU_ASSERT(baseline_je_u64(kv, "arena.allocated") >= TINY_LIVE_PAGES * 4096ULL);
	CU_ASSERT(baseline_je_u64(kv, "arena.active") >= baseline_je_u64(kv, "arena.allocated"));
	CU_ASSERT(baseline_je_u64(kv, "arena.mapped") >= baseline_je_u64(kv, "arena.active"));
	CU_ASSERT(g_str_has_prefix(g_hash_table_lookup(kv, "jemalloc_version"), "5."));
	g_hash_table_unref(kv);
	baseline_stream_clear(&s);
}

static void test_baseline_helper_bad_input(void)
{
	g_autofree char *out = NULL, *err = NULL, *path = NULL;
	g_autoptr(GError) error = NULL;
	int fd = g_file_open_tmp("test-baseline-XXXXXX", &path, &error);

	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT(write(fd, "ACSBSTRM\1\0\0\0", 12) == 12);
	close(fd);
	ASSERT_EQ(tests_run_prog(ACCEPTSIM_JEBASELINE_BIN, (const char *const[]){ path, NULL },
				 &out, &err), 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "not an acceptsim allocation stream"));
	unlink(path);
	g_clear_pointer(&out, g_free);
	g_clear_pointer(&err, g_free);
	ASSERT_EQ(tests_run_prog(ACCEPTSIM_JEBASELINE_BIN, (const char *const[]){ "--repeat", "0", NULL },
			   &out, &err), 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "--repeat"));
}

static void expect_cli_error(const char *const *args, const char *needle)
{
	g_autofree char *out = NULL, *err = NULL;

	ASSERT_EQ(tests_run_prog(tests_acceptsim_path(), args, &out, &err), 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, needle));
	if (!strstr(err, needle))
		fprintf(stderr, "expected '%s' in: %s", needle, err);
	CU_ASSERT_STRING_EQUAL(out, "");
}

static void test_baseline_cli_errors(void)
{
	expect_cli_error((const char *const[]){ "baseline", NULL }, "expected --scenario NAME or --trace FILE");
	expect_cli_error((const char *const[]){ "baseline", "--trace", "/nonexistent/kmem.dat", NULL },
			 "/nonexistent/kmem.dat: no such trace file");
	expect_cli_error((const char *const[]){ "baseline", "--scenario", "no-such-scenario", NULL },
			 "no-such-scenario");
	expect_cli_error((const char *const[]){ "baseline", "--trace", "x", "--scenario", "y", NULL },
			 "--trace replaces --scenario");
	expect_cli_error((const char *const[]){ "baseline", "--workload", "nope", NULL }, "nope");
	expect_cli_error((const char *const[]){ "baseline", "--repeat", "0", "--workload", "random", NULL },
			 "--repeat");
}

static void test_baseline_cli_bad_trace(void)
{
	g_autofree char *trace = g_build_filename(tests_data_dir(), "traces", "bad-order42.txt", NULL);

	expect_cli_error((const char *const[]){ "baseline", "--trace", trace, NULL }, "bad-order42.txt:");
}

static void test_baseline_cli_not_built(void)
{
	expect_cli_error((const char *const[]){ "baseline", "--scenario", "kbuild-small", NULL },
			 "not built");
}

/* The whole command on a small scenario: both sides see the same live bytes. */
static void test_baseline_cli_scenario(void)
{
	g_autofree char *ini = g_build_filename(tests_data_dir(), "scenarios", "baseline-random.ini", NULL);
	g_autofree char *out = NULL, *err = NULL;
	g_autoptr(JsonParser) p = json_parser_new();
	JsonObject *o, *stream, *je, *model;

	ASSERT_EQ(tests_run_prog(tests_acceptsim_path(), (const char *const[]){
		"baseline", "--scenario", ini, "--json", "--repeat", "1", "--check-every", "4096",
		NULL }, &out, &err), 0);
	CU_ASSERT_FATAL(json_parser_load_from_data(p, out, -1, NULL));
	o = json_node_get_object(json_parser_get_root(p));
	stream = json_object_get_object_member(o, "stream");
	je = json_object_get_object_member(o, "jemalloc");
	model = json_object_get_object_member(o, "model");
	CU_ASSERT_FATAL(stream && je && model);
	ASSERT_EQ(json_object_get_int_member(stream, "requests"), 20000);
	ASSERT_EQ(json_object_get_int_member(je, "live_bytes"),
		  json_object_get_int_member(stream, "live_bytes"));
	ASSERT_EQ(json_object_get_int_member(je, "alloc_failures"), 0);
	/* the guest is roomy enough for the stream: the model holds the same */
	ASSERT_EQ(json_object_get_int_member(model, "alloc_failures"), 0);
	ASSERT_EQ(json_object_get_int_member(model, "live_bytes"),
		  json_object_get_int_member(stream, "live_bytes"));
	CU_ASSERT(json_object_get_double_member(o, "model_over_jemalloc_ops") > 0);
	CU_ASSERT(json_object_get_double_member(json_object_get_object_member(je, "ratios"),
						"allocated_per_live") >= 1.0);
	ASSERT_EQ(json_array_get_length(json_object_get_array_member(model, "stranded_below_order_bytes")),
		  NR_PAGE_ORDERS);
}

void tests_register(void)
{
	CU_pSuite s = tests_add_suite("baseline");

	tests_add(s, "stream: records round-trip through encoder and decoder",
		  test_baseline_stream_round_trip);
	tests_add(s, "stream: truncated, misnumbered and inconsistent streams are refused",
		  test_baseline_stream_hostile);
	tests_add(s, "stranded: pages below order k sum the smaller orders",
		  test_baseline_stranded_sums);
	tests_add(s, "stranded: a constructed buddy state strands exactly the freed pages",
		  test_baseline_stranded_model);
	tests_add(s, "model: replaying a stream holds the stream's live pages",
		  test_baseline_model_replay);
	tests_add(s, "stream: a generator's requests form a consistent stream",
		  test_baseline_generate);
	if (!helper_built()) {
		fprintf(stderr, "test-baseline: acceptsim-jebaseline not built: "
			"skipping the jemalloc tests\n");
		tests_add(s, "cli: without jemalloc, baseline says it is not built",
			  test_baseline_cli_not_built);
		return;
	}
	tests_add(s, "helper: a tiny stream leaves the stream's live bytes", test_baseline_helper_tiny);
	tests_add(s, "helper: bad input exits 2 with a message", test_baseline_helper_bad_input);
	tests_add(s, "cli: bad input exits 2 with a clear message", test_baseline_cli_errors);
	tests_add(s, "cli: an unreadable trace exits 2 naming the file", test_baseline_cli_bad_trace);
	tests_add(s, "cli: a scenario's stream through both, same live bytes",
		  test_baseline_cli_scenario);
}
