// SPDX-License-Identifier: GPL-2.0-only
/*
 * The kbuild workload: a seed gives one stream; requests come in time
 * order on valid CPUs; every free names a live slot; the order and
 * migratetype mix and the allocation rate stay at the calibration
 * (docs/kbuild-calibration.md); and a small run goes through the model
 * under the debug_checks=2 validator.
 */
#include <string.h>
#include "helpers.h"
#include "sim/runspec.h"
#include "workloads/workload.h"

struct stream_stats {
	uint64_t events, allocs, frees;
	uint64_t hash;				/* FNV-1a over every field */
	uint64_t by_order[NR_PAGE_ORDERS];	/* allocations */
	uint64_t by_mt[MIGRATE_PCPTYPES];	/* allocations */
	uint64_t file, anon;			/* allocations with WL_F_FILE / WL_F_ANON */
	uint64_t last_ns;			/* time of the last request */
	uint64_t bad_time, bad_cpu, bad_slot;	/* broken promises */
	uint64_t bad_free, bad_alloc;
	uint32_t max_slots;			/* largest nr_slots seen */
};

static void hash_u64(uint64_t *h, uint64_t x)
{
	for (int i = 0; i < 8; i++) {
		*h ^= (x >> (8 * i)) & 0xff;
		*h *= 0x100000001b3ULL;
	}
}

/*
 * Drive @opts on @cpus CPUs with a guest of @pages as the engine would,
 * checking every request; at most @max events.  @fail_thp: report every
 * THP as failed.
 */
static void drive(const char *opts, uint64_t seed, unsigned int cpus, uint64_t pages,
		  uint64_t max, bool fail_thp, struct stream_stats *st)
{
	struct wl_params p = { .seed = seed, .cpus = cpus, .managed_pages = pages };
	g_autoptr(GError) error = NULL;
	GArray *live = g_array_new(FALSE, TRUE, sizeof(uint8_t));	/* order + 1, 0: free */
	struct workload *wl;
	struct wl_event ev;

	memset(st, 0, sizeof(*st));
	st->hash = 0xcbf29ce484222325ULL;
	CU_ASSERT_FATAL(wl_params_parse(opts, &p.kv, &error));
	wl = wl_kbuild_ops.create(&p, &error);
	CU_ASSERT_FATAL(wl != NULL);
	while (st->events < max && wl->ops->next(wl, &ev)) {
		st->events++;
		hash_u64(&st->hash, ev.time_ns);
		hash_u64(&st->hash, (uint64_t)ev.op << 56 | (uint64_t)ev.cpu << 32 | ev.slot);
		hash_u64(&st->hash, (uint64_t)ev.gfp << 16 | ev.order << 8 | ev.flags);
		st->bad_time += ev.time_ns < st->last_ns;
		st->last_ns = ev.time_ns;
		st->bad_cpu += ev.cpu >= cpus;
		st->bad_slot += ev.slot >= wl->nr_slots;
		st->max_slots = MAX(st->max_slots, wl->nr_slots);
		if (live->len < wl->nr_slots)
			g_array_set_size(live, wl->nr_slots);
		if (ev.op == WL_ALLOC) {
			uint8_t *l = &g_array_index(live, uint8_t, ev.slot);
			bool fail = fail_thp && ev.order == PAGEBLOCK_ORDER;

			st->allocs++;
			st->bad_alloc += *l != 0;
			st->by_order[ev.order]++;
			st->by_mt[gfp_migratetype(ev.gfp)]++;
			st->file += !!(ev.flags & WL_F_FILE);
			st->anon += !!(ev.flags & WL_F_ANON);
			*l = fail ? 0 : (uint8_t)(ev.order + 1);
			wl->ops->result(wl, ev.slot, fail ? PFN_NONE : ev.slot);
		} else if (ev.op == WL_FREE) {
			uint8_t *l = &g_array_index(live, uint8_t, ev.slot);

			st->frees++;
			st->bad_free += *l != ev.order + 1u;
			*l = 0;
		}
	}
	wl->ops->destroy(wl);
	g_hash_table_unref(p.kv);
	g_array_unref(live);
}

#define SHORT "builds=1,jobs=2,units=60"

static void test_kbuild_registered(void)
{
	CU_ASSERT(workload_lookup("kbuild") == &wl_kbuild_ops);
}

static void test_kbuild_deterministic(void)
{
	struct stream_stats a, b, c;

	drive(SHORT, 7, 2, 1 << 20, 300000, false, &a);
	drive(SHORT, 7, 2, 1 << 20, 300000, false, &b);
	drive(SHORT, 8, 2, 1 << 20, 300000, false, &c);
	CU_ASSERT(a.events == 300000);
	CU_ASSERT(a.hash == b.hash);
	ASSERT_EQ(a.events, b.events);
	CU_ASSERT(a.hash != c.hash);
}

/* Time never goes back, CPUs and slots are in range, frees name live slots. */
static void test_kbuild_stream_valid(void)
{
	static const char *const cases[] = {
		SHORT,
		"builds=3,jobs=4,units=20,passes=2",
		"builds=2,jobs=3,units=10,thp=1",
		"builds=1,jobs=1,units=0",
	};
	struct stream_stats st;

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		drive(cases[i], 1, 4, 1 << 20, UINT64_MAX, false, &st);
		CU_ASSERT(st.allocs > 0);
		ASSERT_EQ(st.bad_time, 0);
		ASSERT_EQ(st.bad_cpu, 0);
		ASSERT_EQ(st.bad_slot, 0);
		ASSERT_EQ(st.bad_alloc, 0);
		ASSERT_EQ(st.bad_free, 0);
		/* every allocation is page cache or anonymous, or kernel memory */
		CU_ASSERT(st.file + st.anon <= st.allocs);
		CU_ASSERT(st.anon > st.allocs / 2);
	}
}

/* The mix of the calibration run (tinyconfig, on 6.18): section 2 of the doc. */
static void test_kbuild_mix_calibrated(void)
{
	struct stream_stats st;
	double n;

	drive("builds=1,jobs=2,units=100", 3, 2, 1 << 21, UINT64_MAX, false, &st);
	n = (double)st.allocs;
	CU_ASSERT(st.allocs > 500000);
	CU_ASSERT_DOUBLE_EQUAL(st.by_order[0] / n, 0.9972, 0.002);
	CU_ASSERT_DOUBLE_EQUAL(st.by_order[1] / n, 0.0023, 0.0015);
	CU_ASSERT_DOUBLE_EQUAL(st.by_mt[MIGRATE_MOVABLE] / n, 0.959, 0.01);
	CU_ASSERT_DOUBLE_EQUAL(st.by_mt[MIGRATE_UNMOVABLE] / n, 0.041, 0.01);
	CU_ASSERT(st.by_mt[MIGRATE_RECLAIMABLE] > 0);
	CU_ASSERT(st.by_mt[MIGRATE_RECLAIMABLE] / n < 0.002);
	/* almost everything a build allocates is freed again, page cache aside */
	CU_ASSERT_DOUBLE_EQUAL((double)st.frees / n, 0.985, 0.015);
}

/* With more jobs than CPUs every CPU allocates at the calibrated rate. */
static void test_kbuild_rate(void)
{
	struct stream_stats st;
	double per_cpu_s;

	drive("builds=2,jobs=4,units=1000,duration=2,rate=20000", 5, 4, 1 << 21, UINT64_MAX,
	      false, &st);
	per_cpu_s = (double)st.allocs / (4 * 2.0);
	CU_ASSERT_DOUBLE_EQUAL(per_cpu_s, 20000, 20000 * 0.03);
	CU_ASSERT(st.last_ns <= 2000000000ULL);
}

/* thp=1: order-9 anonymous faults, and base pages again after a failure. */
static void test_kbuild_thp(void)
{
	struct stream_stats ok, failed;

	drive("builds=1,jobs=2,units=30,thp=1", 2, 2, 1 << 21, UINT64_MAX, false, &ok);
	drive("builds=1,jobs=2,units=30,thp=1", 2, 2, 1 << 21, UINT64_MAX, true, &failed);
	CU_ASSERT(ok.by_order[PAGEBLOCK_ORDER] > 0);
	ASSERT_EQ(ok.bad_free, 0);
	ASSERT_EQ(failed.bad_free, 0);
	/* failed THPs fall back: many more order-0 allocations */
	CU_ASSERT(failed.by_order[0] > ok.by_order[0] + ok.by_order[PAGEBLOCK_ORDER] * 100);
}

/* A small guest bounds the slots; running out only skips allocations. */
static void test_kbuild_slots_bounded(void)
{
	struct stream_stats st;
	uint64_t pages = 8192;

	drive("builds=4,jobs=8,units=50,passes=3", 4, 8, pages, UINT64_MAX, false, &st);
	CU_ASSERT(st.max_slots <= pages + pages / 4 + 65536);
	ASSERT_EQ(st.bad_free, 0);
	ASSERT_EQ(st.bad_alloc, 0);
}

/* Options are checked. */
static void test_kbuild_options(void)
{
	struct wl_params p = { .seed = 1, .cpus = 2, .managed_pages = 1 << 20 };
	g_autoptr(GError) error = NULL;

	CU_ASSERT_FATAL(wl_params_parse("builds=1,nonsense=3", &p.kv, &error));
	CU_ASSERT(wl_kbuild_ops.create(&p, &error) == NULL);
	CU_ASSERT(error && strstr(error->message, "nonsense"));
	g_hash_table_unref(p.kv);
}

/* A small run through the allocator model, validated as it goes. */
static void test_kbuild_through_model(void)
{
	g_autoptr(JsonNode) root = NULL;
	g_autoptr(GError) error = NULL;
	struct run_spec rs;
	JsonObject *o;
	bool ok;

	run_spec_init(&rs);
	ok = run_spec_set(&rs, "workload", "kbuild", &error) &&
	     run_spec_set(&rs, "mem", "128M", &error) && run_spec_set(&rs, "cpus", "2", &error) &&
	     run_spec_set(&rs, "firmware-accept", "none", &error) &&
	     run_spec_set(&rs, "policy", "watermark", &error) &&
	     run_spec_set(&rs, "wl.jobs", "2", &error) &&
	     run_spec_set(&rs, "wl.duration", "0.25", &error);
	rs.cfg.check_every = 16;
	ok = ok && run_spec_execute(&rs, &root, NULL, false, &error);
	if (!ok)
		fprintf(stderr, "%s\n", error->message);
	CU_ASSERT_FATAL(ok);
	o = json_node_get_object(root);
	CU_ASSERT(json_object_get_int_member(o, "requests") > 5000);
	CU_ASSERT(json_object_get_int_member(o, "allocs") > 2500);
	run_spec_clear(&rs);
}

void tests_register(void)
{
	CU_pSuite s = tests_add_suite("kbuild");

	tests_add(s, "kbuild: the workload is registered", test_kbuild_registered);
	tests_add(s, "kbuild: a seed gives one stream, another seed another", test_kbuild_deterministic);
	tests_add(s, "kbuild: time order, CPUs, slots and frees of live slots", test_kbuild_stream_valid);
	tests_add(s, "kbuild: order and migratetype mix as calibrated", test_kbuild_mix_calibrated);
	tests_add(s, "kbuild: allocations per busy CPU-second as asked", test_kbuild_rate);
	tests_add(s, "kbuild: THP faults, and base pages when they fail", test_kbuild_thp);
	tests_add(s, "kbuild: a small guest bounds the slots", test_kbuild_slots_bounded);
	tests_add(s, "kbuild: unknown options are refused", test_kbuild_options);
	tests_add(s, "kbuild: a small run passes the model's validator", test_kbuild_through_model);
}
