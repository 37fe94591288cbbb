// SPDX-License-Identifier: GPL-2.0-only
/*
 * Checklist items 10-24 of docs/kernel-model.md section 10: min_free_kbytes,
 * per-zone watermarks, the watermark check and its reserve discounts,
 * which mark each allocation stage uses, watermark boosting and kswapd
 * wake-ups.  Mirrors mm/page_alloc.c (calculate_min_free_kbytes(),
 * __setup_per_zone_wmarks(), __zone_watermark_ok(), zone_watermark_fast(),
 * boost_watermark(), rmqueue()), mm/khugepaged.c and mm/vmscan.c
 * (wakeup_kswapd(), pgdat_balanced()) of 6.1 and 6.12.
 *
 * Not covered, and why:
 *  9  vm.defrag_mode (6.15+) is not modelled: NOFRAGMENT is a fast-path
 *     flag only (item 8 in test-zones.c).
 *  14 [<=6.2] ALLOC_HARDER arithmetic: the oldest era the model follows
 *     ([6.5]) already has the 6.3 scheme of item 13.
 *  17 unaccepted pages in the watermark check: tested with the unaccepted
 *     memory model (another issue).
 *  18 the unaccepted half likewise; the PCP half is tested here.
 *  22 wake-ups by NUMA-balancing promotion: one node, no tiering.
 *  23 kswapd's switch to order 0 after reclaiming 2^(order+1) pages and
 *  24 boosted reclaim itself (no writeback, priority >= 10, kcompactd):
 *     the model has no reclaim; kswapd without a reclaim hook only drops
 *     the boosts it saw and sleeps, which is tested.
 */
#include <math.h>
#include "mm-helpers.h"

static const enum kernel_era eras[] = { KERNEL_6_5, KERNEL_6_12, KERNEL_6_15 };

static struct pgdat *big_guest(uint64_t gib, bool thp)
{
	struct sim_config cfg;

	sim_config_init(&cfg);
	cfg.mem_bytes = gib << 30;
	cfg.thp = thp;
	cfg.check_every = UINT32_MAX;
	return mmt_create(&cfg);
}

static uint64_t isqrt(uint64_t x)
{
	uint64_t r = (uint64_t)sqrt((double)x);

	while (r * r > x)
		r--;
	while ((r + 1) * (r + 1) <= x)
		r++;
	return r;
}

/* __setup_per_zone_wmarks() as section 2.2 states it, for DMA, DMA32, Normal. */
static void spec_wmarks(const struct pgdat *pgdat, uint64_t min_free_kbytes, long out[3][NR_WMARK])
{
	uint64_t pages_min = min_free_kbytes / 4, lowmem = 0;

	for (int z = 0; z < 3; z++)
		lowmem += pgdat->zones[z].managed_pages;
	for (int z = 0; z < 3; z++) {
		uint64_t managed = pgdat->zones[z].managed_pages;
		uint64_t tmp = pages_min * managed / lowmem;
		uint64_t delta = MAX(tmp / 4, managed * 10 / 10000);

		out[z][WMARK_MIN] = (long)tmp;
		out[z][WMARK_LOW] = (long)(tmp + delta);
		out[z][WMARK_HIGH] = (long)(tmp + 2 * delta);
		out[z][WMARK_PROMO] = (long)(tmp + 3 * delta);
	}
}

/* Σ max(0, managed - high) over DMA..Normal (nr_free_buffer_pages()). */
static uint64_t spec_free_buffer_pages(const struct pgdat *pgdat, long marks[3][NR_WMARK])
{
	uint64_t sum = 0;

	for (int z = 0; z < 3; z++)
		if ((long)pgdat->zones[z].managed_pages > marks[z][WMARK_HIGH])
			sum += (uint64_t)((long)pgdat->zones[z].managed_pages - marks[z][WMARK_HIGH]);
	return sum;
}

/*
 * 10: min_free_kbytes = clamp(isqrt(16 * lowmem_kB), 128, 262144), raised
 * by khugepaged to 512 * n * 11 pages (n = populated zones <= Normal),
 * capped at 5% of the pages above the high marks.  The q35 guests have
 * 3840 + 503808 + (Normal - memmap) managed pages; e.g. 16 GiB:
 * 4112129 pages, isqrt(16 * 16448516) = 16222 kB.
 */
static void test_watermark_item10_min_free_kbytes(void)
{
	static const struct {
		uint64_t gib;
		unsigned long no_thp, thp;
	} cases[] = {
		{ 4, 8061, 67584 },
		{ 16, 16222, 67584 },	/* section 2.1: "16 GiB -> 16384" before reservations */
		{ 64, 32494, 67584 },	/* "64 GiB -> 32768" */
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		for (int thp = 0; thp <= 1; thp++) {
			struct pgdat *pgdat = big_guest(cases[i].gib, thp);
			uint64_t lowmem = 0;

			for (int z = 0; z < 3; z++)
				lowmem += pgdat->zones[z].managed_pages;
			ASSERT_EQ(pgdat->min_free_kbytes, thp ? cases[i].thp : cases[i].no_thp);
			if (!thp)
				ASSERT_EQ(pgdat->min_free_kbytes, isqrt(lowmem * 4 * 16));
			pgdat_destroy(pgdat);
		}
	}
}

/* 10: the THP value is capped at 5% of nr_free_buffer_pages() (here 2 zones, 128 MiB). */
static void test_watermark_item10_thp_cap(void)
{
	struct pgdat *pgdat = mmt_guest(128, KERNEL_6_15);
	long marks[3][NR_WMARK];
	uint64_t lowmem_kb = 0, sqrt_kb, cap;

	for (int z = 0; z < 3; z++)
		lowmem_kb += pgdat->zones[z].managed_pages * 4ULL;
	sqrt_kb = isqrt(lowmem_kb * 16);
	spec_wmarks(pgdat, sqrt_kb, marks);
	cap = spec_free_buffer_pages(pgdat, marks) / 20;
	CU_ASSERT(cap < 512 * 2 * 11);		/* the cap bites */
	ASSERT_EQ(pgdat->min_free_kbytes, cap * 4);
	mmt_finish(pgdat);

	/* a configured value (the sysctl) overrides both */
	{
		struct sim_config cfg;

		mmt_config(&cfg, 128, KERNEL_6_15);
		cfg.min_free_kbytes = 1000;
		pgdat = mmt_create(&cfg);
		ASSERT_EQ(pgdat->min_free_kbytes, 1000);
		mmt_finish(pgdat);
	}
}

/*
 * 11: MIN = pages_min * managed / lowmem, delta = max(MIN / 4,
 * managed * wsf / 10000), LOW/HIGH/PROMO = MIN + 1/2/3 delta; the
 * getters add watermark_boost.  Section 2.2's 16 GiB THP example.
 */
static void test_watermark_item11_zone_marks(void)
{
	static const long expect16[3][NR_WMARK] = {
		{ 15, 18, 21, 24 },
		{ 2070, 2587, 3104, 3621 },
		{ 14810, 18512, 22214, 25916 },
	};
	struct pgdat *pgdat = big_guest(16, true);
	long marks[3][NR_WMARK];
	struct zone *normal = &pgdat->zones[ZONE_NORMAL];

	spec_wmarks(pgdat, pgdat->min_free_kbytes, marks);
	for (int z = 0; z < 3; z++) {
		for (int w = 0; w < NR_WMARK; w++) {
			ASSERT_EQ(pgdat->zones[z]._watermark[w], expect16[z][w]);
			ASSERT_EQ(pgdat->zones[z]._watermark[w], marks[z][w]);
		}
	}
	normal->watermark_boost = 512;
	ASSERT_EQ(wmark_pages(normal, WMARK_MIN), 14810 + 512);
	ASSERT_EQ(wmark_pages(normal, WMARK_HIGH), 22214 + 512);
	normal->watermark_boost = 0;
	pgdat_destroy(pgdat);

	/* watermark_scale_factor 100 (1%): the managed term wins in DMA32 */
	{
		struct sim_config cfg;
		const struct zone *dma32;

		sim_config_init(&cfg);
		cfg.mem_bytes = 4ULL << 30;
		cfg.watermark_scale_factor = 100;
		cfg.check_every = UINT32_MAX;
		pgdat = mmt_create(&cfg);
		dma32 = MMT_DMA32(pgdat);
		ASSERT_EQ(dma32->_watermark[WMARK_LOW] - dma32->_watermark[WMARK_MIN],
			  MAX(dma32->_watermark[WMARK_MIN] / 4, (long)dma32->managed_pages / 100));
		ASSERT_EQ(dma32->_watermark[WMARK_LOW] - dma32->_watermark[WMARK_MIN],
			  (long)dma32->managed_pages / 100);
		pgdat_destroy(pgdat);
	}
}

/* A 64 MiB guest, all memory in use, DMA32 marks set, @free pages of free MOVABLE blocks. */
static struct pgdat *tight_guest(enum kernel_era era, long min, long low, long high)
{
	struct pgdat *pgdat = mmt_guest(64, era);

	mmt_take_all(pgdat, true);
	mmt_set_marks(MMT_DMA32(pgdat), min, low, high);
	return pgdat;
}

/* Free @n pages in DMA32 as unmergeable order-0 pages from @pfn (every other page). */
static void free_scattered(struct pgdat *pgdat, uint32_t pfn, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		mmt_free(pgdat, pfn + 2 * i, 0);
}

/* 12: an order-0 check fails iff free - unusable <= mark + reserve. */
static void test_watermark_item12_boundary(void)
{
	for (size_t e = 0; e < G_N_ELEMENTS(eras); e++) {
		struct pgdat *pgdat = tight_guest(eras[e], 10, 20, 30);
		struct zone *dma32 = MMT_DMA32(pgdat);

		free_scattered(pgdat, PB(12), 20);
		ASSERT_EQ(dma32->nr_free_pages, 20);
		CU_ASSERT(!zone_watermark_ok(dma32, 0, 20, ZONE_NORMAL, 0, 20));
		CU_ASSERT(zone_watermark_ok(dma32, 0, 20, ZONE_NORMAL, 0, 21));
		CU_ASSERT(!zone_watermark_fast(dma32, 0, 20, ZONE_NORMAL, 0));
		CU_ASSERT(zone_watermark_fast(dma32, 0, 19, ZONE_NORMAL, 0));
		/* order 1: one page more is unusable (2^1 - 1) */
		mmt_free(pgdat, PB(13), 1);
		CU_ASSERT(!zone_watermark_ok(dma32, 1, 21, ZONE_NORMAL, 0, 22));
		CU_ASSERT(zone_watermark_ok(dma32, 1, 20, ZONE_NORMAL, 0, 22));

		/* end to end: exactly LOW free fails the fast path, MIN serves it */
		mmt_take_all(pgdat, true);
		free_scattered(pgdat, PB(12), 20);
		CU_ASSERT(sim_alloc_pages(pgdat, 0, GFP_HIGHUSER_MOVABLE, 0) != PFN_NONE);
		ASSERT_EQ(pgdat->stats.slowpath, 1);
		mmt_free(pgdat, PB(14), 1);			/* 19 + 2 = 21 > LOW */
		CU_ASSERT(sim_alloc_pages(pgdat, 0, GFP_HIGHUSER_MOVABLE, 0) != PFN_NONE);
		ASSERT_EQ(pgdat->stats.slowpath, 1);
		mmt_finish(pgdat);
	}
}

/*
 * 13: __GFP_HIGH (ALLOC_MIN_RESERVE) halves the mark, rounding up;
 * non-blocking __GFP_HIGH (GFP_ATOMIC) takes a further quarter of that;
 * OOM victims halve again; non-blocking alone (GFP_NOWAIT) gets nothing.
 */
static void test_watermark_item13_reserve_discounts(void)
{
	static const struct {
		long mark;
		unsigned int flags;
		long min;			/* the effective mark: fail at free = min */
	} cases[] = {
		{ 100, 0, 100 },
		{ 100, ALLOC_NON_BLOCK, 100 },
		{ 100, ALLOC_MIN_RESERVE, 50 },
		{ 101, ALLOC_MIN_RESERVE, 51 },			/* ceil(101 / 2) */
		{ 100, ALLOC_MIN_RESERVE | ALLOC_NON_BLOCK, 38 },	/* 50 - 12 */
		{ 101, ALLOC_MIN_RESERVE | ALLOC_NON_BLOCK, 39 },	/* ceil(51 * 3 / 4) */
		{ 100, ALLOC_OOM, 50 },
		{ 100, ALLOC_OOM | ALLOC_MIN_RESERVE | ALLOC_NON_BLOCK, 19 },
		{ 7, ALLOC_MIN_RESERVE | ALLOC_NON_BLOCK, 3 },
	};
	struct pgdat *pgdat = tight_guest(KERNEL_6_15, 0, 0, 0);
	struct zone *dma32 = MMT_DMA32(pgdat);

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		CU_ASSERT(!zone_watermark_ok(dma32, 0, cases[i].mark, ZONE_NORMAL, cases[i].flags,
					     cases[i].min));
		CU_ASSERT(zone_watermark_ok(dma32, 0, cases[i].mark, ZONE_NORMAL, cases[i].flags,
					    cases[i].min + 1));
	}

	/*
	 * End to end, MIN = 100 and 41 free pages: GFP_KERNEL, GFP_NOWAIT
	 * and __GFP_HIGH fail; GFP_ATOMIC (mark 38) gets three pages and
	 * fails at exactly 38 free.
	 */
	mmt_set_marks(dma32, 100, 200, 300);
	free_scattered(pgdat, PB(12), 41);
	CU_ASSERT(sim_alloc_pages(pgdat, 0, GFP_KERNEL, 0) == PFN_NONE);
	CU_ASSERT(sim_alloc_pages(pgdat, 0, GFP_NOWAIT, 0) == PFN_NONE);
	CU_ASSERT(sim_alloc_pages(pgdat, 0, GFP_KERNEL | __GFP_HIGH, 0) == PFN_NONE);
	for (int i = 0; i < 3; i++)
		CU_ASSERT(sim_alloc_pages(pgdat, 0, GFP_ATOMIC, 0) != PFN_NONE);
	ASSERT_EQ(dma32->nr_free_pages, 38);
	CU_ASSERT(sim_alloc_pages(pgdat, 0, GFP_ATOMIC, 0) == PFN_NONE);
	mmt_finish(pgdat);
}

/* 13: order-0 __GFP_HIGH at the min mark ignores the boost (zone_watermark_fast()). */
static void test_watermark_item13_min_ignores_boost(void)
{
	struct pgdat *pgdat = tight_guest(KERNEL_6_15, 40, 80, 120);
	struct zone *dma32 = MMT_DMA32(pgdat);
	unsigned int high_min = ALLOC_WMARK_MIN | ALLOC_MIN_RESERVE;

	free_scattered(pgdat, PB(12), 30);
	dma32->watermark_boost = 512;
	/* boosted: min = 552, halved 276 > 30; unboosted: 40 -> 20 < 30 */
	CU_ASSERT(!zone_watermark_ok(dma32, 0, wmark_pages(dma32, WMARK_MIN), ZONE_NORMAL,
				     high_min, 30));
	CU_ASSERT(zone_watermark_fast(dma32, 0, wmark_pages(dma32, WMARK_MIN), ZONE_NORMAL,
				      high_min));
	/* not for the LOW mark, not without __GFP_HIGH, not for order > 0 */
	CU_ASSERT(!zone_watermark_fast(dma32, 0, wmark_pages(dma32, WMARK_LOW), ZONE_NORMAL,
				       ALLOC_WMARK_LOW | ALLOC_MIN_RESERVE));
	CU_ASSERT(!zone_watermark_fast(dma32, 0, wmark_pages(dma32, WMARK_MIN), ZONE_NORMAL,
				       ALLOC_WMARK_MIN));
	dma32->watermark_boost = 0;
	mmt_finish(pgdat);
}

/*
 * 12/15: free HIGHATOMIC pages are unusable to requests without reserve
 * rights: [6.12+] the free ones (nr_free_highatomic), [6.5] the whole
 * reserve (nr_reserved_highatomic).
 */
static void test_watermark_item12_highatomic_unusable(void)
{
	for (size_t e = 0; e < G_N_ELEMENTS(eras); e++) {
		struct pgdat *pgdat = tight_guest(eras[e], 0, 0, 0);
		struct zone *dma32 = MMT_DMA32(pgdat);
		long unusable = eras[e] == KERNEL_6_5 ? 512 : 16;

		mmt_set_pageblock(pgdat, PB(20), MIGRATE_HIGHATOMIC);
		dma32->nr_reserved_highatomic = PAGEBLOCK_NR_PAGES;
		mmt_free(pgdat, PB(20), 4);			/* 16 free HIGHATOMIC pages */
		free_scattered(pgdat, PB(12), 600);
		ASSERT_EQ(dma32->nr_free_pages, 616);
		ASSERT_EQ(dma32->nr_free_mt[MIGRATE_HIGHATOMIC], 16);
		CU_ASSERT(zone_watermark_ok(dma32, 0, 615 - unusable, ZONE_NORMAL, 0, 616));
		CU_ASSERT(!zone_watermark_ok(dma32, 0, 616 - unusable, ZONE_NORMAL, 0, 616));
		/* any ALLOC_RESERVES right counts them all */
		CU_ASSERT(zone_watermark_ok(dma32, 0, 615, ZONE_NORMAL, ALLOC_NON_BLOCK, 616));
		mmt_finish(pgdat);
	}
}

/*
 * 15: an order-k check also needs a free block >= k on an UNMOVABLE,
 * MOVABLE or RECLAIMABLE list, or on the HIGHATOMIC list with
 * ALLOC_HIGHATOMIC or ALLOC_OOM.
 */
static void test_watermark_item15_high_order_block(void)
{
	for (size_t e = 0; e < G_N_ELEMENTS(eras); e++) {
		struct pgdat *pgdat = tight_guest(eras[e], 0, 0, 0);
		struct zone *dma32 = MMT_DMA32(pgdat);

		free_scattered(pgdat, PB(12), 200);		/* 200 order-0 pages */
		CU_ASSERT(zone_watermark_ok(dma32, 0, 10, ZONE_NORMAL, 0, dma32->nr_free_pages));
		CU_ASSERT(!zone_watermark_ok(dma32, 1, 10, ZONE_NORMAL, 0, dma32->nr_free_pages));
		mmt_free(pgdat, PB(14), 3);			/* a MOVABLE order-3 block */
		CU_ASSERT(zone_watermark_ok(dma32, 1, 10, ZONE_NORMAL, 0, dma32->nr_free_pages));
		CU_ASSERT(zone_watermark_ok(dma32, 3, 10, ZONE_NORMAL, 0, dma32->nr_free_pages));
		CU_ASSERT(!zone_watermark_ok(dma32, 4, 10, ZONE_NORMAL, 0, dma32->nr_free_pages));

		/* an order-4 HIGHATOMIC block counts only with HIGHATOMIC or OOM rights */
		mmt_set_pageblock(pgdat, PB(20), MIGRATE_HIGHATOMIC);
		dma32->nr_reserved_highatomic = PAGEBLOCK_NR_PAGES;
		mmt_free(pgdat, PB(20), 4);
		CU_ASSERT(!zone_watermark_ok(dma32, 4, 10, ZONE_NORMAL, 0, dma32->nr_free_pages));
		CU_ASSERT(!zone_watermark_ok(dma32, 4, 10, ZONE_NORMAL, ALLOC_NON_BLOCK | ALLOC_MIN_RESERVE,
					     dma32->nr_free_pages));
		CU_ASSERT(zone_watermark_ok(dma32, 4, 10, ZONE_NORMAL, ALLOC_HIGHATOMIC,
					    dma32->nr_free_pages));
		CU_ASSERT(zone_watermark_ok(dma32, 4, 10, ZONE_NORMAL, ALLOC_OOM,
					    dma32->nr_free_pages));
		CU_ASSERT(!zone_watermark_ok(dma32, 5, 10, ZONE_NORMAL, ALLOC_OOM,
					     dma32->nr_free_pages));
		mmt_finish(pgdat);
	}
}

/* Marks of the get_page_from_freelist() passes, seen through the accept hook. */
static struct {
	unsigned int n;
	unsigned int mark[32];
} visits;

static bool record_visit(void *ctx, struct pgdat *pgdat, struct zone *zone, unsigned int order,
			 unsigned int alloc_flags, enum accept_site site)
{
	if (site == ACCEPT_ZONE_VISIT && zone->idx == ZONE_DMA32 && visits.n < 32)
		visits.mark[visits.n++] = alloc_flags & ALLOC_WMARK_MASK;
	return false;
}

/*
 * 16: the fast path checks LOW, the slow path MIN, the last attempt
 * before the OOM killer HIGH (__alloc_pages_may_oom()); costly orders
 * give up before that attempt.
 */
static void test_watermark_item16_marks_per_stage(void)
{
	struct pgdat *pgdat = tight_guest(KERNEL_6_15, 10, 20, 30);

	pgdat->hooks.accept = record_visit;

	visits.n = 0;
	CU_ASSERT(sim_alloc_pages(pgdat, 0, GFP_KERNEL, 0) == PFN_NONE);
	ASSERT_EQ(visits.n, 4);
	ASSERT_EQ(visits.mark[0], WMARK_LOW);
	ASSERT_EQ(visits.mark[1], WMARK_MIN);
	ASSERT_EQ(visits.mark[2], WMARK_MIN);
	ASSERT_EQ(visits.mark[3], WMARK_HIGH);

	/* order 4 without __GFP_RETRY_MAYFAIL: no pre-OOM attempt */
	visits.n = 0;
	CU_ASSERT(sim_alloc_pages(pgdat, 0, GFP_KERNEL, 4) == PFN_NONE);
	CU_ASSERT(visits.n >= 2);
	ASSERT_EQ(visits.mark[0], WMARK_LOW);
	for (unsigned int i = 1; i < visits.n; i++)
		ASSERT_EQ(visits.mark[i], WMARK_MIN);

	/* no direct reclaim: LOW, then MIN, and no pre-OOM attempt */
	visits.n = 0;
	CU_ASSERT(sim_alloc_pages(pgdat, 0, GFP_ATOMIC, 0) == PFN_NONE);
	CU_ASSERT(visits.n >= 2);
	ASSERT_EQ(visits.mark[0], WMARK_LOW);
	for (unsigned int i = 1; i < visits.n; i++)
		ASSERT_EQ(visits.mark[i], WMARK_MIN);

	pgdat->hooks.accept = NULL;
	mmt_finish(pgdat);
}

/*
 * 16: ALLOC_NO_WATERMARKS: a __GFP_MEMALLOC request (without
 * __GFP_NOMEMALLOC) skips the check in the slow path
 * (__gfp_pfmemalloc_flags()) and may take the last free pages.
 */
static void test_watermark_item16_memalloc(void)
{
	for (size_t e = 0; e < G_N_ELEMENTS(eras); e++) {
		struct pgdat *pgdat = tight_guest(eras[e], 100, 200, 300);

		free_scattered(pgdat, PB(12), 3);
		CU_ASSERT(sim_alloc_pages(pgdat, 0, GFP_ATOMIC, 0) == PFN_NONE);
		CU_ASSERT(sim_alloc_pages(pgdat, 0, GFP_ATOMIC | __GFP_MEMALLOC | __GFP_NOMEMALLOC,
					  0) == PFN_NONE);
		CU_ASSERT(sim_alloc_pages(pgdat, 0, GFP_ATOMIC | __GFP_MEMALLOC, 0) != PFN_NONE);
		CU_ASSERT(sim_alloc_pages(pgdat, 0, GFP_KERNEL | __GFP_MEMALLOC, 0) != PFN_NONE);
		CU_ASSERT(sim_alloc_pages(pgdat, 0, GFP_NOWAIT | __GFP_MEMALLOC, 0) != PFN_NONE);
		ASSERT_EQ(MMT_DMA32(pgdat)->nr_free_pages, 0);
		CU_ASSERT(sim_alloc_pages(pgdat, 0, GFP_ATOMIC | __GFP_MEMALLOC, 0) == PFN_NONE);
		mmt_finish(pgdat);
	}
}

/* 18: PCP pages are not in NR_FREE_PAGES: a refill debits them, a drain credits them. */
static void test_watermark_item18_pcp_not_free(void)
{
	struct sim_config cfg;
	struct pgdat *pgdat;
	struct zone *dma32;
	struct mm_page_census c;
	long before;
	uint32_t pfn;

	mmt_config(&cfg, 128, KERNEL_6_15);
	cfg.pcp = true;
	pgdat = mmt_create(&cfg);
	dma32 = MMT_DMA32(pgdat);
	before = dma32->nr_free_pages;
	ASSERT_EQ(dma32->pcp_batch, 7);

	pfn = sim_alloc_pages(pgdat, 0, GFP_KERNEL, 0);
	CU_ASSERT_FATAL(pfn != PFN_NONE);
	ASSERT_EQ(dma32->nr_free_pages, before - 7);	/* the whole refill */
	pgdat_census(pgdat, &c);
	ASSERT_EQ(c.pcp, 6);
	sim_free_pages(pgdat, 0, pfn, 0);
	ASSERT_EQ(dma32->nr_free_pages, before - 7);	/* back on the PCP, not free */
	sim_drain_all_pages(pgdat);
	ASSERT_EQ(dma32->nr_free_pages, before);
	mmt_finish(pgdat);
}

/*
 * 19: a boost adds 512 pages up to max(512, HIGH * 15000 / 10000); no
 * boost with a 0 factor, a 0 HIGH mark or under 4 pageblocks managed.
 */
static void test_watermark_item19_boost_arithmetic(void)
{
	struct pgdat *pgdat = tight_guest(KERNEL_6_15, 0, 0, 1000);
	struct zone *dma32 = MMT_DMA32(pgdat);
	static const long steps[] = { 512, 1024, 1500, 1500 };

	for (size_t i = 0; i < G_N_ELEMENTS(steps); i++) {
		CU_ASSERT(boost_watermark(dma32));
		ASSERT_EQ(dma32->watermark_boost, steps[i]);
	}
	dma32->watermark_boost = 0;
	mmt_set_marks(dma32, 0, 0, 100);		/* 1.5 * 100 < 512 */
	CU_ASSERT(boost_watermark(dma32));
	CU_ASSERT(boost_watermark(dma32));
	ASSERT_EQ(dma32->watermark_boost, 512);
	dma32->watermark_boost = 0;
	mmt_set_marks(dma32, 0, 0, 0);
	CU_ASSERT(!boost_watermark(dma32));
	ASSERT_EQ(dma32->watermark_boost, 0);
	mmt_set_marks(dma32, 0, 0, 1000);
	pgdat->cfg.watermark_boost_factor = 0;
	CU_ASSERT(!boost_watermark(dma32));
	ASSERT_EQ(pgdat->stats.boost, 6);
	mmt_finish(pgdat);

	/* DMA32 of 1536 managed pages (< 2048): a fragmenting fallback does not boost */
	{
		struct sim_config cfg;

		mmt_config(&cfg, 128, KERNEL_6_15);
		cfg.below_4g_bytes = 32ULL << 20;
		cfg.reserved_bytes = 10ULL << 20;
		pgdat = mmt_create(&cfg);
		dma32 = MMT_DMA32(pgdat);
		ASSERT_EQ(dma32->managed_pages, 1536);
		CU_ASSERT(dma32->_watermark[WMARK_HIGH] > 0);
		mmt_take_all(pgdat, true);
		mmt_set_marks(dma32, 0, 0, 1000);
		CU_ASSERT(!boost_watermark(dma32));
		mmt_free(pgdat, 7168, 3);
		CU_ASSERT(sim_alloc_pages(pgdat, 0, GFP_KERNEL | __GFP_DMA32, 0) == 7168);
		ASSERT_EQ(pgdat->stats.extfrag, 1);
		ASSERT_EQ(pgdat->stats.extfrag_fragmenting, 1);
		ASSERT_EQ(pgdat->stats.boost, 0);
		mmt_finish(pgdat);
	}
}

/* kswapd that stays awake (so boosts stay visible), recording its wake-ups. */
static struct {
	unsigned int n;
	unsigned int order;
	enum zone_type hzi;
} kswapd;

static void kswapd_stays_awake(void *ctx, struct pgdat *pgdat, unsigned int order,
			       enum zone_type highest_zoneidx)
{
	kswapd.n++;
	kswapd.order = order;
	kswapd.hzi = highest_zoneidx;
}

/*
 * DMA32 of a 64 MiB guest, all memory in use except an order-@o1 and an
 * order-@o2 free MOVABLE buddy (0: none) in two pageblocks whose other
 * pages are movable: UNMOVABLE claims fail there.
 */
static struct pgdat *fallback_guest(enum kernel_era era, unsigned int o1, unsigned int o2)
{
	struct pgdat *pgdat = tight_guest(era, 0, 0, 1000);

	if (o1)
		mmt_free(pgdat, PB(12) + 64, o1);
	if (o2)
		mmt_free(pgdat, PB(14), o2);
	return pgdat;
}

/*
 * 20: [<=6.14] every fallback from a buddy below order 9 boosts, steal
 * or pollute; [6.15+] only claim attempts do, once per failed attempt,
 * and single-page steals never.
 */
static void test_watermark_item20_boost_per_era(void)
{
	for (size_t e = 0; e < G_N_ELEMENTS(eras); e++) {
		struct pgdat *pgdat;
		struct zone *dma32;

		/* UNMOVABLE: two claim candidates (orders 5 and 3), both fail */
		pgdat = fallback_guest(eras[e], 5, 3);
		dma32 = MMT_DMA32(pgdat);
		pgdat->hooks.kswapd_wake = kswapd_stays_awake;
		kswapd.n = 0;
		CU_ASSERT(sim_alloc_pages(pgdat, 0, GFP_KERNEL, 0) != PFN_NONE);
		ASSERT_EQ(pgdat->stats.boost, eras[e] == KERNEL_6_15 ? 2 : 1);
		ASSERT_EQ(dma32->watermark_boost, eras[e] == KERNEL_6_15 ? 1024 : 512);
		ASSERT_EQ(kswapd.n, 1);
		mmt_finish(pgdat);

		/* MOVABLE from a small UNMOVABLE buddy: a pollute / steal */
		pgdat = tight_guest(eras[e], 0, 0, 1000);
		mmt_set_pageblock(pgdat, PB(12), MIGRATE_UNMOVABLE);
		mmt_free(pgdat, PB(12) + 4, 2);
		CU_ASSERT(sim_alloc_pages(pgdat, 0, GFP_HIGHUSER_MOVABLE, 0) != PFN_NONE);
		ASSERT_EQ(pgdat->stats.extfrag, 1);
		ASSERT_EQ(pgdat->stats.boost, eras[e] == KERNEL_6_15 ? 0 : 1);
		mmt_finish(pgdat);

		/* a whole free pageblock is claimed without a boost */
		pgdat = tight_guest(eras[e], 0, 0, 1000);
		mmt_free(pgdat, PB(12), 9);
		CU_ASSERT(sim_alloc_pages(pgdat, 0, GFP_KERNEL, 0) == PB(12));
		ASSERT_EQ(pgdat->stats.extfrag, 1);
		ASSERT_EQ(pgdat->stats.boost, 0);
		mmt_finish(pgdat);
	}
}

/*
 * 21: a boost by a request with ALLOC_KSWAPD wakes kswapd for order 0
 * and the boosted zone at the end of the same rmqueue(); without
 * __GFP_KSWAPD_RECLAIM the boost stays and nobody is woken.
 */
static void test_watermark_item21_boost_wakes_kswapd(void)
{
	for (size_t e = 0; e < G_N_ELEMENTS(eras); e++) {
		struct pgdat *pgdat = fallback_guest(eras[e], 5, 0);
		struct zone *dma32 = MMT_DMA32(pgdat);

		pgdat->hooks.kswapd_wake = kswapd_stays_awake;
		kswapd.n = 0;
		CU_ASSERT(sim_alloc_pages(pgdat, 0, GFP_KERNEL, 1) != PFN_NONE);
		ASSERT_EQ(pgdat->stats.slowpath, 0);
		ASSERT_EQ(kswapd.n, 1);
		ASSERT_EQ(kswapd.order, 0);
		ASSERT_EQ(kswapd.hzi, ZONE_DMA32);	/* the zone's index, not the request's */
		CU_ASSERT(!dma32->boosted_watermark);
		mmt_finish(pgdat);

		pgdat = fallback_guest(eras[e], 5, 0);
		dma32 = MMT_DMA32(pgdat);
		pgdat->hooks.kswapd_wake = kswapd_stays_awake;
		kswapd.n = 0;
		CU_ASSERT(sim_alloc_pages(pgdat, 0, GFP_KERNEL & ~__GFP_KSWAPD_RECLAIM, 1) != PFN_NONE);
		ASSERT_EQ(pgdat->stats.boost, 1);
		ASSERT_EQ(dma32->watermark_boost, 512);
		ASSERT_EQ(kswapd.n, 0);
		ASSERT_EQ(pgdat->stats.kswapd_wake, 0);
		mmt_finish(pgdat);
	}
}

/*
 * 22: kswapd is woken from the slow path (gfp with __GFP_KSWAPD_RECLAIM)
 * or by a boost, only if asleep, not hopeless, and the node unbalanced
 * or boosted; a request served by the fast path wakes nobody.
 */
static void test_watermark_item22_kswapd_wake_conditions(void)
{
	struct pgdat *pgdat = mmt_guest(64, KERNEL_6_15);
	struct zone *dma32 = MMT_DMA32(pgdat);

	pgdat->hooks.kswapd_wake = kswapd_stays_awake;
	kswapd.n = 0;
	CU_ASSERT(sim_alloc_pages(pgdat, 0, GFP_HIGHUSER_MOVABLE, 0) != PFN_NONE);
	ASSERT_EQ(kswapd.n, 0);

	/* balanced node: a direct wake-up is refused but raises the request */
	wakeup_kswapd(dma32, 3, ZONE_NORMAL);
	ASSERT_EQ(kswapd.n, 0);
	CU_ASSERT(!pgdat->kswapd_awake);
	ASSERT_EQ(pgdat->kswapd_order, 3);
	/* boosted: woken although balanced */
	dma32->watermark_boost = 512;
	wakeup_kswapd(dma32, 0, ZONE_NORMAL);
	ASSERT_EQ(kswapd.n, 1);
	CU_ASSERT(pgdat->kswapd_awake);
	/* awake: not woken again */
	wakeup_kswapd(dma32, 0, ZONE_NORMAL);
	ASSERT_EQ(kswapd.n, 1);
	dma32->watermark_boost = 0;
	pgdat->kswapd_awake = false;
	mmt_finish(pgdat);

	/* the slow path wakes it once per request while it stays awake */
	pgdat = tight_guest(KERNEL_6_15, 10, 20, 30);
	pgdat->hooks.kswapd_wake = kswapd_stays_awake;
	kswapd.n = 0;
	free_scattered(pgdat, PB(12), 15);
	CU_ASSERT(sim_alloc_pages(pgdat, 0, GFP_HIGHUSER_MOVABLE, 0) != PFN_NONE);
	ASSERT_EQ(pgdat->stats.slowpath, 1);
	ASSERT_EQ(kswapd.n, 1);
	ASSERT_EQ(kswapd.order, 0);
	ASSERT_EQ(kswapd.hzi, ZONE_MOVABLE);
	pgdat->kswapd_awake = false;
	/* without __GFP_KSWAPD_RECLAIM (THP): no wake-up */
	CU_ASSERT(sim_alloc_pages(pgdat, 0, GFP_TRANSHUGE_LIGHT, 0) != PFN_NONE);
	ASSERT_EQ(pgdat->stats.slowpath, 2);
	ASSERT_EQ(kswapd.n, 1);
	/* hopeless: 16 failed runs */
	pgdat->kswapd_failures = 16;
	CU_ASSERT(sim_alloc_pages(pgdat, 0, GFP_HIGHUSER_MOVABLE, 0) != PFN_NONE);
	ASSERT_EQ(pgdat->stats.slowpath, 3);
	ASSERT_EQ(kswapd.n, 1);
	ASSERT_EQ(pgdat->stats.kswapd_wake, 1);
	mmt_finish(pgdat);
}

/*
 * 23: the node is balanced when any managed zone <= highest_zoneidx
 * passes HIGH (+ boost, + its reserve for that index) for the order.
 */
static void test_watermark_item23_pgdat_balanced(void)
{
	struct pgdat *pgdat = tight_guest(KERNEL_6_15, 10, 20, 30);
	struct zone *dma = &pgdat->zones[ZONE_DMA];
	long dma_need;

	CU_ASSERT(!pgdat_balanced(pgdat, 0, ZONE_NORMAL));
	free_scattered(pgdat, PB(12), 30);
	CU_ASSERT(!pgdat_balanced(pgdat, 0, ZONE_NORMAL));	/* 30 <= HIGH */
	mmt_free(pgdat, PB(13), 0);
	CU_ASSERT(pgdat_balanced(pgdat, 0, ZONE_NORMAL));
	CU_ASSERT(!pgdat_balanced(pgdat, 1, ZONE_NORMAL));	/* no order-1 block */
	MMT_DMA32(pgdat)->watermark_boost = 1;
	CU_ASSERT(!pgdat_balanced(pgdat, 0, ZONE_NORMAL));
	MMT_DMA32(pgdat)->watermark_boost = 0;
	/* DMA32 is not <= DMA: only the (empty) DMA zone counts */
	CU_ASSERT(!pgdat_balanced(pgdat, 0, ZONE_DMA));

	/* a lower zone alone balances the node, its reserve included */
	mmt_take_all(pgdat, true);
	dma_need = dma->_watermark[WMARK_HIGH] + dma->lowmem_reserve[ZONE_DMA32];
	CU_ASSERT(dma->lowmem_reserve[ZONE_DMA32] > 0);
	free_scattered(pgdat, 1024, (unsigned int)dma_need);
	CU_ASSERT(!pgdat_balanced(pgdat, 0, ZONE_DMA32));
	CU_ASSERT(pgdat_balanced(pgdat, 0, ZONE_DMA));
	mmt_free(pgdat, 1025, 0);
	CU_ASSERT(pgdat_balanced(pgdat, 0, ZONE_DMA32));
	mmt_finish(pgdat);
}

/*
 * 24 (what the model covers): kswapd without a reclaim model finds
 * nothing to do, drops the boosts it saw and sleeps again.
 */
static void test_watermark_item24_kswapd_drops_boost(void)
{
	for (size_t e = 0; e < G_N_ELEMENTS(eras); e++) {
		struct pgdat *pgdat = fallback_guest(eras[e], 5, 0);

		CU_ASSERT(sim_alloc_pages(pgdat, 0, GFP_KERNEL, 0) != PFN_NONE);
		ASSERT_EQ(pgdat->stats.boost, 1);
		ASSERT_EQ(pgdat->stats.kswapd_wake, 1);
		ASSERT_EQ(MMT_DMA32(pgdat)->watermark_boost, 0);
		CU_ASSERT(!pgdat->kswapd_awake);
		mmt_finish(pgdat);
	}
}

void tests_register(void)
{
	CU_pSuite s = tests_add_suite("watermark");

	tests_add(s, "10: min_free_kbytes of 4, 16 and 64 GiB guests, with and without THP",
		  test_watermark_item10_min_free_kbytes);
	tests_add(s, "10: the THP value is capped at 5% of lowmem", test_watermark_item10_thp_cap);
	tests_add(s, "11: per-zone MIN/LOW/HIGH/PROMO and the boosted getters",
		  test_watermark_item11_zone_marks);
	tests_add(s, "12: a zone exactly at its mark fails (<=, not <)",
		  test_watermark_item12_boundary);
	tests_add(s, "12: free HIGHATOMIC pages are unusable without reserve rights, per era",
		  test_watermark_item12_highatomic_unusable);
	tests_add(s, "13: __GFP_HIGH, GFP_ATOMIC and OOM discounts",
		  test_watermark_item13_reserve_discounts);
	tests_add(s, "13: order-0 __GFP_HIGH at MIN ignores the boost",
		  test_watermark_item13_min_ignores_boost);
	tests_add(s, "15: an order-k check needs a suitable free block of order >= k",
		  test_watermark_item15_high_order_block);
	tests_add(s, "16: fast path LOW, slow path MIN, pre-OOM HIGH",
		  test_watermark_item16_marks_per_stage);
	tests_add(s, "16: __GFP_MEMALLOC ignores the watermarks", test_watermark_item16_memalloc);
	tests_add(s, "18: PCP pages are not in NR_FREE_PAGES", test_watermark_item18_pcp_not_free);
	tests_add(s, "19: boost arithmetic and the small-zone rule",
		  test_watermark_item19_boost_arithmetic);
	tests_add(s, "20: which fallbacks boost, per era", test_watermark_item20_boost_per_era);
	tests_add(s, "21: a boost wakes kswapd at order 0 in the same rmqueue",
		  test_watermark_item21_boost_wakes_kswapd);
	tests_add(s, "22: kswapd wake-up conditions", test_watermark_item22_kswapd_wake_conditions);
	tests_add(s, "23: pgdat_balanced: any zone up to highest_zoneidx at HIGH",
		  test_watermark_item23_pgdat_balanced);
	tests_add(s, "24: kswapd without reclaim drops the boost and sleeps",
		  test_watermark_item24_kswapd_drops_boost);
}
