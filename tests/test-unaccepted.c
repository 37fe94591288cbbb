// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unaccepted memory, checklist items 46-58 of kernel-model.md, per era.
 *
 * Not covered by the model, hence not tested: 53 (ALLOC_TRYLOCK: the model
 * has no trylock allocations) and 57 (memory hot-add: the model has no
 * hotplug).  The sysfs half of 55 (v9's accept_memory file) is not
 * modelled either; its fake_unaccepted_start half is.
 */
#include "helpers.h"
#include "sim/internal.h"
#include "sim/unaccepted.h"

#define MiB (1ULL << 20)
#define GiB (1ULL << 30)

struct guest {
	struct pgdat *pgdat;
	struct unaccepted_config uc;
	struct cost_model cm;
	GArray *events;		/* struct mm_trace_event */
};

static void record(void *ctx, const struct mm_trace_event *ev)
{
	g_array_append_val((GArray *)ctx, *ev);
}

static void guest_init(struct guest *g, enum kernel_era era, uint64_t mem,
		       enum fw_accept fw, uint64_t fw_bytes, bool lazy)
{
	struct sim_config cfg;

	memset(g, 0, sizeof(*g));
	CU_ASSERT_FATAL(cost_model_preset("tdx-4k-host", &g->cm, NULL));
	g->uc.fw = fw;
	g->uc.fw_accept_bytes = fw_bytes;
	g->uc.lazy = lazy;
	g->uc.cost = &g->cm;
	sim_config_init(&cfg);
	cfg.mem_bytes = mem;
	cfg.era = era;
	cfg.pcp = false;
	cfg.unaccepted = &g->uc;
	cfg.check_every = 1000;	/* guest_fini() validates the end state */
	g->pgdat = pgdat_create(&cfg, NULL);
	CU_ASSERT_FATAL(g->pgdat != NULL);
	g->events = g_array_new(FALSE, FALSE, sizeof(struct mm_trace_event));
	g->pgdat->hooks.trace = record;
	g->pgdat->hooks.ctx = g->events;
}

static void guest_fini(struct guest *g)
{
	g_autoptr(GString) why = g_string_new(NULL);

	CU_ASSERT(pgdat_is_valid(g->pgdat, why));
	if (why->len)
		fprintf(stderr, "%s", why->str);
	pgdat_destroy(g->pgdat);
	g_array_unref(g->events);
}

static uint64_t listed_chunks(const struct pgdat *pgdat)
{
	uint64_t n = 0;

	for (int z = 0; z < MAX_NR_ZONES; z++)
		n += pgdat->zones[z].unaccepted_len;
	return n;
}

static bool unit_unaccepted(const struct pgdat *pgdat, uint64_t addr)
{
	uint64_t unit = addr / (2 * MiB);

	return pgdat->unaccepted->bitmap[unit / 64] & (1ULL << (unit % 64));
}

/* 46, 47: only whole aligned chunks wait; odd heads and tails are accepted. */
static void test_item46_47_boot_release(void)
{
	struct guest g;
	struct zone *dma32;

	/* firmware accepted 300 MiB + 12 KiB: the unaccepted range starts unaligned */
	guest_init(&g, KERNEL_6_15, 1 * GiB, FW_ACCEPT_AMOUNT, 300 * MiB + 12 * 1024, true);
	dma32 = &g.pgdat->zones[ZONE_DMA32];
	/* 47: the head up to the 2 MiB boundary (302 MiB) was accepted */
	CU_ASSERT(!unit_unaccepted(g.pgdat, 300 * MiB));
	CU_ASSERT(unit_unaccepted(g.pgdat, 302 * MiB));
	/*
	 * 46: the chunk [300, 304) MiB holds an unaccepted unit but also
	 * accepted memory: it still is a whole chunk, so it waits on the list;
	 * the chunk [296, 300) is fully accepted but its guard unit (the one
	 * at 300 MiB) is accepted too, so it went to the buddy.
	 */
	CU_ASSERT(dma32->unaccepted_len > 0);
	CU_ASSERT_EQUAL(dma32->unaccepted[dma32->unaccepted_first], (uint32_t)((300 * MiB) >> PAGE_SHIFT));
	ASSERT_EQ(pg_state(g.pgdat->pages[(296 * MiB) >> PAGE_SHIFT].info), PG_BUDDY);
	/* every listed chunk is order 10 and nothing below 300 MiB waits */
	for (uint32_t i = 0; i < dma32->unaccepted_len; i++) {
		uint32_t pfn = dma32->unaccepted[(dma32->unaccepted_first + i) % dma32->unaccepted_cap];

		CU_ASSERT(pfn % MAX_ORDER_NR_PAGES == 0);
		CU_ASSERT(pfn >= (300 * MiB) >> PAGE_SHIFT);
	}
	/* the memmap at the top was accepted by memblock, so its chunks are not listed */
	CU_ASSERT(!unit_unaccepted(g.pgdat, 1 * GiB - 2 * MiB));
	guest_fini(&g);
}

/* 46 (guard): a fully accepted chunk followed by an unaccepted unit is listed. */
static void test_item46_guard_lists_accepted_chunk(void)
{
	struct guest g;
	struct zone *dma32;

	/* firmware accepted exactly 302 MiB: chunk [300, 304) is half accepted */
	guest_init(&g, KERNEL_6_15, 1 * GiB, FW_ACCEPT_AMOUNT, 302 * MiB, true);
	dma32 = &g.pgdat->zones[ZONE_DMA32];
	/*
	 * [298, 302) is accepted, but it ends on a unit boundary and the unit
	 * after it (302 MiB) is not: it "contains" unaccepted memory.  The
	 * chunk [296, 300) and its next unit are accepted: it went to the
	 * buddy; [300, 304) waits.
	 */
	CU_ASSERT(range_contains_unaccepted(g.pgdat, (298 * MiB) >> PAGE_SHIFT,
					    (302 * MiB) >> PAGE_SHIFT));
	CU_ASSERT(!range_contains_unaccepted(g.pgdat, (296 * MiB) >> PAGE_SHIFT,
					     (300 * MiB) >> PAGE_SHIFT));
	CU_ASSERT_EQUAL(dma32->unaccepted[dma32->unaccepted_first], (uint32_t)((300 * MiB) >> PAGE_SHIFT));
	guest_fini(&g);
}

/* 47: an unaccepted range shorter than 4 MiB is accepted whole. */
static void test_item47_short_range(void)
{
	struct guest g;
	struct unaccepted_config uc;
	struct cost_model cm;
	struct sim_config cfg;
	struct mem_hole hole = { 3 * MiB, 1 * MiB };	/* RAM [1M,3M) then [4M, ...) */

	(void)g;
	CU_ASSERT_FATAL(cost_model_preset("tdx-4k-host", &cm, NULL));
	memset(&uc, 0, sizeof(uc));
	uc.fw = FW_ACCEPT_AMOUNT;
	uc.fw_accept_bytes = 640 * 1024;		/* only the first 640 KiB */
	uc.lazy = true;
	uc.cost = &cm;
	sim_config_init(&cfg);
	cfg.mem_bytes = 256 * MiB;
	cfg.unaccepted = &uc;
	cfg.holes = g_array_new(FALSE, FALSE, sizeof(struct mem_hole));
	g_array_append_val(cfg.holes, hole);
	g.pgdat = pgdat_create(&cfg, NULL);
	CU_ASSERT_FATAL(g.pgdat != NULL);
	/* [1M, 3M) is 2 MiB: accepted outright by the EFI stub */
	CU_ASSERT(!unit_unaccepted(g.pgdat, 2 * MiB));
	CU_ASSERT(g.pgdat->unaccepted->phase_bytes[ACCEPT_EARLY] >= 2 * MiB);
	pgdat_destroy(g.pgdat);
	sim_config_clear(&cfg);
}

/* 48: an accepted chunk is one order-10 MOVABLE block at the tail; FIFO; mm_page_free. */
static void test_item48_accept_one(void)
{
	struct guest g;
	struct zone *normal;
	uint32_t first, second;
	const struct mm_trace_event *ev;

	guest_init(&g, KERNEL_6_15, 4 * GiB, FW_ACCEPT_BELOW_4G, 0, true);
	normal = &g.pgdat->zones[ZONE_NORMAL];
	CU_ASSERT_FATAL(normal->unaccepted_len >= 2);
	first = normal->unaccepted[normal->unaccepted_first];
	second = normal->unaccepted[(normal->unaccepted_first + 1) % normal->unaccepted_cap];
	CU_ASSERT(first < second);				/* ascending, lowest first */
	g_array_set_size(g.events, 0);
	CU_ASSERT(try_to_accept_memory_one(normal));
	CU_ASSERT_EQUAL(last_in_list(normal, MAX_PAGE_ORDER, MIGRATE_MOVABLE), first);
	ASSERT_EQ(get_pageblock_migratetype(g.pgdat, first), MIGRATE_MOVABLE);
	ASSERT_EQ(get_pageblock_migratetype(g.pgdat, first + PAGEBLOCK_NR_PAGES), MIGRATE_MOVABLE);
	CU_ASSERT_FATAL(g.events->len == 1);
	ev = &g_array_index(g.events, struct mm_trace_event, 0);
	ASSERT_EQ(ev->type, MM_TRACE_FREE);
	ASSERT_EQ(ev->order, MAX_PAGE_ORDER);
	CU_ASSERT_EQUAL(ev->pfn, first);
	CU_ASSERT_EQUAL(normal->unaccepted[normal->unaccepted_first], second);
	guest_fini(&g);
}

/* 49: unaccepted pages count in NR_FREE_PAGES (MemFree), not in buddyinfo. */
static void test_item49_accounting(void)
{
	struct guest g;
	struct zone *normal;
	uint64_t buddy = 0;

	guest_init(&g, KERNEL_6_15, 4 * GiB, FW_ACCEPT_BELOW_4G, 0, true);
	normal = &g.pgdat->zones[ZONE_NORMAL];
	for (int o = 0; o < NR_PAGE_ORDERS; o++)
		buddy += normal->free_area[o].nr_free << o;
	CU_ASSERT(normal->nr_unaccepted > 0);
	ASSERT_EQ(normal->nr_unaccepted, (long)normal->unaccepted_len * MAX_ORDER_NR_PAGES);
	ASSERT_EQ(normal->nr_free_pages, (long)buddy + normal->nr_unaccepted);
	guest_fini(&g);
}

/* Fill a zone's accepted free memory down to about @left pages above the mark. */
static GArray *drain_to(struct guest *g, struct zone *zone, long target_free)
{
	GArray *held = g_array_new(FALSE, FALSE, sizeof(uint32_t));

	while (zone->nr_free_pages - zone->nr_unaccepted > target_free) {
		uint32_t pfn = __rmqueue_smallest(zone, 0, MIGRATE_MOVABLE);

		if (pfn == PFN_NONE)
			break;
		g->pgdat->pages[pfn].info = pg_make(PG_ALLOC, 0, MIGRATE_MOVABLE);
		pb_account(g->pgdat, pfn, 0, MIGRATE_MOVABLE, 1);
		g_array_append_val(held, pfn);
	}
	return held;
}

/* Accept chunks until the zone has at least @target accepted free pages. */
static void fill_to(struct zone *zone, long target)
{
	while (zone->nr_free_pages - zone->nr_unaccepted < target)
		CU_ASSERT_FATAL(try_to_accept_memory_one(zone));
}

static void release(struct guest *g, GArray *held)
{
	for (guint i = 0; i < held->len; i++)
		sim_free_pages(g->pgdat, 0, g_array_index(held, uint32_t, i), 0);
	g_array_unref(held);
}

/* 50: [6.5] only on failure; at least one chunk; until usable free >= HIGH. */
static void test_item50_v9_policy(void)
{
	struct guest g;
	struct zone *normal;
	GArray *held;
	long usable, before;

	guest_init(&g, KERNEL_6_5, 4 * GiB, FW_ACCEPT_BELOW_4G, 0, true);
	normal = &g.pgdat->zones[ZONE_NORMAL];
	/* a zone visit alone never accepts in this era */
	before = normal->nr_unaccepted;
	CU_ASSERT(!kernel_accept_memory(normal, 0, ACCEPT_ZONE_VISIT, -1));
	ASSERT_EQ(normal->nr_unaccepted, before);
	/* plenty free: still at least one chunk on a failure */
	fill_to(normal, wmark_pages(normal, WMARK_HIGH) * 4);
	before = normal->nr_unaccepted;
	held = drain_to(&g, normal, wmark_pages(normal, WMARK_HIGH) * 4);
	CU_ASSERT(kernel_accept_memory(normal, 0, ACCEPT_WMARK_FAIL, -1));
	ASSERT_EQ(normal->nr_unaccepted, before - MAX_ORDER_NR_PAGES);
	release(&g, held);
	/* short of HIGH: accept until usable free (unaccepted excluded) reaches it */
	held = drain_to(&g, normal, 100);
	CU_ASSERT(kernel_accept_memory(normal, 0, ACCEPT_RMQUEUE_FAIL, -1));
	usable = normal->nr_free_pages - normal->nr_unaccepted;
	CU_ASSERT(usable >= wmark_pages(normal, WMARK_HIGH));
	CU_ASSERT(usable < wmark_pages(normal, WMARK_HIGH) + MAX_ORDER_NR_PAGES + 100);
	release(&g, held);
	guest_fini(&g);
}

/* 51: [6.12+] every visit, only while below PROMO; target=high is 6.11. */
static void test_item51_promo_policy(void)
{
	static const enum kernel_era eras[] = { KERNEL_6_12, KERNEL_6_15 };

	for (size_t e = 0; e < G_N_ELEMENTS(eras); e++) {
		struct guest g;
		struct zone *normal;
		GArray *held;
		long before, usable;

		guest_init(&g, eras[e], 4 * GiB, FW_ACCEPT_BELOW_4G, 0, true);
		normal = &g.pgdat->zones[ZONE_NORMAL];
		fill_to(normal, wmark_pages(normal, WMARK_PROMO) * 2);
		held = drain_to(&g, normal, wmark_pages(normal, WMARK_PROMO) * 2);
		before = normal->nr_unaccepted;
		/* above PROMO: nothing, at any site */
		CU_ASSERT(!kernel_accept_memory(normal, 0, ACCEPT_ZONE_VISIT, -1));
		CU_ASSERT(!kernel_accept_memory(normal, 0, ACCEPT_WMARK_FAIL, -1));
		ASSERT_EQ(normal->nr_unaccepted, before);
		release(&g, held);
		/* below PROMO: a zone visit accepts up to it */
		held = drain_to(&g, normal, wmark_pages(normal, WMARK_LOW));
		CU_ASSERT(kernel_accept_memory(normal, 0, ACCEPT_ZONE_VISIT, -1));
		usable = normal->nr_free_pages - normal->nr_unaccepted;
		CU_ASSERT(usable >= wmark_pages(normal, WMARK_PROMO));
		CU_ASSERT(usable < wmark_pages(normal, WMARK_PROMO) + MAX_ORDER_NR_PAGES);
		release(&g, held);
		/* target=high (6.11): between HIGH and PROMO nothing is accepted */
		held = drain_to(&g, normal, (wmark_pages(normal, WMARK_HIGH) +
					     wmark_pages(normal, WMARK_PROMO)) / 2);
		before = normal->nr_unaccepted;
		CU_ASSERT(!kernel_accept_memory(normal, 0, ACCEPT_ZONE_VISIT, WMARK_HIGH));
		ASSERT_EQ(normal->nr_unaccepted, before);
		CU_ASSERT(kernel_accept_memory(normal, 0, ACCEPT_ZONE_VISIT, -1));
		release(&g, held);
		guest_fini(&g);
	}
}

/* 52: [6.15] before watermarks exist (PROMO = 0) one chunk per call; [6.12.0] none. */
static void test_item52_zero_watermark(void)
{
	static const struct { enum kernel_era era; long chunks; } cases[] = {
		{ KERNEL_6_15, 1 }, { KERNEL_6_12, 0 },
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		struct guest g;
		struct zone *normal;
		long saved[NR_WMARK], before;

		guest_init(&g, cases[i].era, 4 * GiB, FW_ACCEPT_BELOW_4G, 0, true);
		normal = &g.pgdat->zones[ZONE_NORMAL];
		memcpy(saved, normal->_watermark, sizeof(saved));
		memset(normal->_watermark, 0, sizeof(normal->_watermark));
		normal->watermark_boost = 0;
		before = normal->nr_unaccepted;
		kernel_accept_memory(normal, 0, ACCEPT_ZONE_VISIT, -1);
		ASSERT_EQ(before - normal->nr_unaccepted, cases[i].chunks * MAX_ORDER_NR_PAGES);
		memcpy(normal->_watermark, saved, sizeof(saved));
		guest_fini(&g);
	}
}

/* 54: accept_memory=eager leaves nothing on the lists and nothing unaccepted. */
static void test_item54_eager(void)
{
	struct guest g;

	guest_init(&g, KERNEL_6_15, 2 * GiB, FW_ACCEPT_AMOUNT, 0, false);
	ASSERT_EQ(listed_chunks(g.pgdat), 0);
	ASSERT_EQ(unaccepted_bytes(g.pgdat), 0);
	/* the kernel paid for it while releasing boot memory */
	CU_ASSERT(g.pgdat->unaccepted->phase_bytes[ACCEPT_BOOT_FREE] > 1 * GiB);
	guest_fini(&g);
}

/* 55: v9 fake_unaccepted_start: every chunk at or above the address is unaccepted, free of cost. */
static void test_item55_fake_start(void)
{
	struct guest g;
	struct sim_config cfg;
	uint64_t lowest = UINT64_MAX, chunks = 0;

	memset(&g, 0, sizeof(g));
	CU_ASSERT_FATAL(cost_model_preset("tdx-4k-host", &g.cm, NULL));
	g.uc.fw = FW_ACCEPT_ALL;
	g.uc.fake_start = 1 * GiB;
	g.uc.lazy = true;
	g.uc.cost = &g.cm;
	sim_config_init(&cfg);
	cfg.mem_bytes = 4 * GiB;
	cfg.era = KERNEL_6_5;
	cfg.unaccepted = &g.uc;
	g.pgdat = pgdat_create(&cfg, NULL);
	CU_ASSERT_FATAL(g.pgdat != NULL);
	for (int z = 0; z < MAX_NR_ZONES; z++) {
		struct zone *zone = &g.pgdat->zones[z];

		for (uint32_t i = 0; i < zone->unaccepted_len; i++) {
			uint64_t pfn = zone->unaccepted[(zone->unaccepted_first + i) % zone->unaccepted_cap];

			lowest = MIN(lowest, pfn << PAGE_SHIFT);
			chunks++;
		}
	}
	/* the chunk below 1 GiB is listed too: its guard unit is unaccepted (46) */
	CU_ASSERT_EQUAL(lowest, 1 * GiB - 4 * MiB);
	CU_ASSERT(!unit_unaccepted(g.pgdat, 1 * GiB - 2 * MiB));
	CU_ASSERT(unit_unaccepted(g.pgdat, 1 * GiB));
	/* about 3 GiB minus the memmap at the top is waiting: 700+ chunks */
	CU_ASSERT(chunks > 700);
	ASSERT_EQ(g.pgdat->unaccepted->phase_ns[ACCEPT_EARLY], 0);
	pgdat_destroy(g.pgdat);
}

/* 56: accepting a chunk also accepts the unit right after it (zeropad guard). */
static void test_item56_guard_unit(void)
{
	struct guest g;
	struct zone *normal;
	uint32_t first;
	uint64_t before;

	guest_init(&g, KERNEL_6_15, 4 * GiB, FW_ACCEPT_BELOW_4G, 0, true);
	normal = &g.pgdat->zones[ZONE_NORMAL];
	first = normal->unaccepted[normal->unaccepted_first];
	before = unaccepted_bytes(g.pgdat);
	CU_ASSERT(unit_unaccepted(g.pgdat, ((uint64_t)first << PAGE_SHIFT) + 4 * MiB));
	try_to_accept_memory_one(normal);
	/* 4 MiB chunk + the 2 MiB unit after it */
	ASSERT_EQ(before - unaccepted_bytes(g.pgdat), 6 * MiB);
	CU_ASSERT(!unit_unaccepted(g.pgdat, ((uint64_t)first << PAGE_SHIFT) + 4 * MiB));
	CU_ASSERT(unit_unaccepted(g.pgdat, ((uint64_t)first << PAGE_SHIFT) + 6 * MiB));
	/* the next chunk costs only its remaining unit (+ its own guard) */
	before = unaccepted_bytes(g.pgdat);
	try_to_accept_memory_one(normal);
	ASSERT_EQ(before - unaccepted_bytes(g.pgdat), 4 * MiB);
	guest_fini(&g);
}

/* 58: [6.5] unaccepted memory counts as unusable for kswapd's balance; [6.11+] not. */
static void test_item58_kswapd_balance(void)
{
	static const struct { enum kernel_era era; bool balanced; } cases[] = {
		{ KERNEL_6_5, false }, { KERNEL_6_12, true }, { KERNEL_6_15, true },
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		struct guest g;
		GArray *held[MAX_NR_ZONES];

		/* everything but a sliver unaccepted; accepted memory nearly used up */
		guest_init(&g, cases[i].era, 8 * GiB, FW_ACCEPT_AMOUNT, 0, true);
		for (int z = 0; z < MAX_NR_ZONES; z++)
			held[z] = drain_to(&g, &g.pgdat->zones[z], 16);
		CU_ASSERT(unaccepted_bytes(g.pgdat) > 6 * GiB);
		ASSERT_EQ(pgdat_balanced(g.pgdat, 0, ZONE_NORMAL), cases[i].balanced);
		for (int z = 0; z < MAX_NR_ZONES; z++)
			release(&g, held[z]);
		guest_fini(&g);
	}
}

void tests_register(void)
{
	CU_pSuite s = tests_add_suite("unaccepted");

	tests_add(s, "46, 47: boot release lists whole chunks, accepts odd pieces",
		  test_item46_47_boot_release);
	tests_add(s, "46: the guard unit decides whether a chunk is listed",
		  test_item46_guard_lists_accepted_chunk);
	tests_add(s, "47: a range under 4 MiB is accepted whole", test_item47_short_range);
	tests_add(s, "48: an accepted chunk goes to the MOVABLE order-10 tail, FIFO, with mm_page_free",
		  test_item48_accept_one);
	tests_add(s, "49: unaccepted pages are in NR_FREE_PAGES, not in buddyinfo",
		  test_item49_accounting);
	tests_add(s, "50: [6.5] accept on failure, at least one chunk, to HIGH", test_item50_v9_policy);
	tests_add(s, "51: [6.12+] accept at every zone visit while below PROMO",
		  test_item51_promo_policy);
	tests_add(s, "52: [6.15] one chunk per call while PROMO is 0; [6.12.0] none",
		  test_item52_zero_watermark);
	tests_add(s, "54: eager leaves nothing unaccepted", test_item54_eager);
	tests_add(s, "55: fake_unaccepted_start makes everything above it unaccepted",
		  test_item55_fake_start);
	tests_add(s, "56: accepting a chunk also accepts the next 2 MiB unit", test_item56_guard_unit);
	tests_add(s, "58: [6.5] kswapd sees unaccepted memory as unusable; [6.11+] not",
		  test_item58_kswapd_balance);
}
