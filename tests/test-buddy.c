// SPDX-License-Identifier: GPL-2.0-only
/*
 * Checklist items 25-29 and 40-45 of docs/kernel-model.md section 10: the
 * buddy core (__rmqueue_smallest(), expand(), __free_one_page(),
 * buddy_merge_likely(), split_large_buddy()) and the per-CPU lists
 * (zone_batchsize(), zone_highsize(), nr_pcp_alloc(), rmqueue_bulk(),
 * free_unref_page_commit(), free_pcppages_bulk(), decay_pcp_high()) and
 * the tracepoints they emit.  Mirrors mm/page_alloc.c of 6.1 and 6.12.
 *
 * Not covered: item 29 for accepted chunks (tested with the unaccepted
 * memory model); item 45 for the bulk allocator (alloc_pages_bulk*() is
 * not modelled: every request is one __alloc_pages() call).
 */
#include "mm-helpers.h"

static const enum kernel_era eras[] = { KERNEL_6_5, KERNEL_6_12, KERNEL_6_15 };

/* A 64 MiB guest with everything in use and DMA32's marks at 0. */
static struct pgdat *empty_guest(enum kernel_era era, bool movable)
{
	struct pgdat *pgdat = mmt_guest(64, era);

	mmt_take_all(pgdat, movable);
	mmt_set_marks(MMT_DMA32(pgdat), 0, 0, 0);
	return pgdat;
}

static struct pgdat *pcp_guest(uint64_t mem_mib, enum kernel_era era, unsigned int cpus)
{
	struct sim_config cfg;

	mmt_config(&cfg, mem_mib, era);
	cfg.pcp = true;
	cfg.cpus = cpus;
	if (mem_mib > 512)
		cfg.reserved_bytes = UINT64_MAX;	/* the default boot reservations */
	return mmt_create(&cfg);
}

/*
 * 25: __rmqueue_smallest() takes the head block of the smallest order
 * with a non-empty list, returns its lowest page and queues the upper
 * halves at the heads of the lists below (expand()).  Through
 * __rmqueue_smallest() itself those lists are always empty; the heads
 * show when expand() splits a block next to listed ones (as the [6.12]
 * single-page fallback does, test-fallback.c item 35).
 */
static void test_buddy_item25_rmqueue_smallest(void)
{
	for (size_t e = 0; e < G_N_ELEMENTS(eras); e++) {
		struct pgdat *pgdat = empty_guest(eras[e], false);
		struct zone *dma32 = MMT_DMA32(pgdat);
		uint32_t b = PB(12);
		struct mmt_trace t;
		const struct mm_trace_event *ev;

		mmt_set_pageblock(pgdat, b, MIGRATE_UNMOVABLE);
		mmt_free(pgdat, b, 3);
		mmt_free(pgdat, b + 16, 3);		/* order-3 list: b+16, b */
		mmt_free(pgdat, b + 64, 5);		/* larger: not touched */
		ASSERT_LIST(dma32, 3, MIGRATE_UNMOVABLE, b + 16, b);

		mmt_trace_start(pgdat, &t);
		ASSERT_EQ(sim_alloc_pages(pgdat, 0, GFP_KERNEL, 0), b + 16);
		ASSERT_LIST(dma32, 3, MIGRATE_UNMOVABLE, b);
		ASSERT_LIST(dma32, 2, MIGRATE_UNMOVABLE, b + 20);
		ASSERT_LIST(dma32, 1, MIGRATE_UNMOVABLE, b + 18);
		ASSERT_LIST(dma32, 0, MIGRATE_UNMOVABLE, b + 17);
		ASSERT_LIST(dma32, 5, MIGRATE_UNMOVABLE, b + 64);
		/* mm_page_alloc_zone_locked; percpu_refill from order and type alone */
		ASSERT_EQ(mmt_trace_count(&t, MM_TRACE_ZONE_LOCKED), 1);
		ev = mmt_trace_nth(&t, MM_TRACE_ZONE_LOCKED, 0);
		ASSERT_EQ(ev->pfn, b + 16);
		ASSERT_EQ(ev->order, 0);
		ASSERT_EQ(ev->migratetype, MIGRATE_UNMOVABLE);
		CU_ASSERT(ev->percpu_refill);
		ASSERT_EQ(pgdat->stats.extfrag, 0);

		/* expand() of b next to the listed halves of b + 16: heads */
		del_from_free_list(dma32, b, 3);
		expand(dma32, b, 0, 3, MIGRATE_UNMOVABLE);
		mmt_mark_allocated(pgdat, b, 0, MIGRATE_UNMOVABLE);
		ASSERT_LIST(dma32, 2, MIGRATE_UNMOVABLE, b + 4, b + 20);
		ASSERT_LIST(dma32, 1, MIGRATE_UNMOVABLE, b + 2, b + 18);
		ASSERT_LIST(dma32, 0, MIGRATE_UNMOVABLE, b + 1, b + 17);
		mmt_assert_valid(pgdat);

		/* an order-2 request takes the head order-2 block whole */
		ASSERT_EQ(sim_alloc_pages(pgdat, 0, GFP_KERNEL, 2), b + 4);
		/* an order-4 request splits the order-5 block */
		ASSERT_EQ(sim_alloc_pages(pgdat, 0, GFP_KERNEL, 4), b + 64);
		ASSERT_LIST(dma32, 4, MIGRATE_UNMOVABLE, b + 80);
		ev = mmt_trace_nth(&t, MM_TRACE_ZONE_LOCKED, 2);
		CU_ASSERT_FATAL(ev != NULL);
		CU_ASSERT(!ev->percpu_refill);		/* order 4 is not PCP-able */
		mmt_trace_stop(pgdat, &t);
		mmt_finish(pgdat);
	}
}

/* 25: consecutive small allocations walk up through a split block. */
static void test_buddy_item25_ascending_walk(void)
{
	struct pgdat *pgdat = empty_guest(KERNEL_6_15, true);

	mmt_free(pgdat, PB(12) + 32, 5);
	for (uint32_t i = 0; i < 32; i++)
		ASSERT_EQ(sim_alloc_pages(pgdat, 0, GFP_HIGHUSER_MOVABLE, 0), PB(12) + 32 + i);
	CU_ASSERT(sim_alloc_pages(pgdat, 0, GFP_HIGHUSER_MOVABLE, 0) == PFN_NONE);
	mmt_finish(pgdat);
}

/*
 * 26: a freed block merges with its buddy (pfn ^ 2^order) while that is
 * a free block of the same order, up to order 10.
 */
static void test_buddy_item26_merge(void)
{
	for (size_t e = 0; e < G_N_ELEMENTS(eras); e++) {
		struct pgdat *pgdat = empty_guest(eras[e], true);
		struct zone *dma32 = MMT_DMA32(pgdat);
		uint32_t b = PB(12);			/* order-10 aligned */

		/* the buddy of pfn 8 at order 1 is 10: freeing both halves gives 8 at order 2 */
		mmt_free(pgdat, b + 8, 1);
		mmt_free(pgdat, b + 12, 1);		/* not a buddy of b + 8: no merge */
		ASSERT_EQ(dma32->free_area[1].nr_free, 2);
		mmt_free(pgdat, b + 10, 1);
		ASSERT_EQ(dma32->free_area[1].nr_free, 1);	/* b + 12 */
		ASSERT_LIST(dma32, 2, MIGRATE_MOVABLE, b + 8);
		/* b + 12 stays order 1 next to an order-2 block: orders differ */
		ASSERT_LIST(dma32, 1, MIGRATE_MOVABLE, b + 12);

		/* freeing the rest page by page ends in one order-10 block */
		for (uint32_t p = b; p < b + 2 * PAGEBLOCK_NR_PAGES; p++)
			if (pg_state(pgdat->pages[p].info) == PG_ALLOC)
				mmt_free(pgdat, p, 0);
		for (unsigned int o = 0; o < MAX_PAGE_ORDER; o++)
			ASSERT_EQ(dma32->free_area[o].nr_free, 0);
		ASSERT_LIST(dma32, 10, MIGRATE_MOVABLE, b);

		/* order 10 is the top: two adjacent order-10 blocks stay apart */
		mmt_free(pgdat, b + 1024, 10);
		ASSERT_EQ(dma32->free_area[10].nr_free, 2);
		mmt_finish(pgdat);
	}
}

/*
 * 27: merging two pageblocks of different types: [6.10+] the buddy's
 * pageblock takes the freed block's type, [<=6.9] types stay as they
 * were; HIGHATOMIC does not merge with other types.
 */
static void test_buddy_item27_merge_pageblocks(void)
{
	for (size_t e = 0; e < G_N_ELEMENTS(eras); e++) {
		struct pgdat *pgdat = empty_guest(eras[e], true);
		struct zone *dma32 = MMT_DMA32(pgdat);
		bool hygiene = eras[e] != KERNEL_6_5;

		mmt_set_pageblock(pgdat, PB(12), MIGRATE_UNMOVABLE);
		mmt_free(pgdat, PB(13), 9);		/* MOVABLE pageblock */
		mmt_free(pgdat, PB(12), 9);		/* UNMOVABLE pageblock: merges */
		ASSERT_LIST(dma32, 10, MIGRATE_UNMOVABLE, PB(12));
		ASSERT_EQ(dma32->free_area[9].nr_free, 0);
		ASSERT_EQ(get_pageblock_migratetype(pgdat, PB(12)), MIGRATE_UNMOVABLE);
		ASSERT_EQ(get_pageblock_migratetype(pgdat, PB(13)),
			  hygiene ? MIGRATE_UNMOVABLE : MIGRATE_MOVABLE);
		ASSERT_EQ(pgdat->stats.merges_retype, hygiene ? 1 : 0);

		/* HIGHATOMIC next to MOVABLE: two order-9 blocks */
		mmt_set_pageblock(pgdat, PB(14), MIGRATE_HIGHATOMIC);
		dma32->nr_reserved_highatomic = PAGEBLOCK_NR_PAGES;
		mmt_free(pgdat, PB(15), 9);
		mmt_free(pgdat, PB(14), 9);
		ASSERT_LIST(dma32, 9, MIGRATE_HIGHATOMIC, PB(14));
		ASSERT_LIST(dma32, 9, MIGRATE_MOVABLE, PB(15));
		ASSERT_EQ(get_pageblock_migratetype(pgdat, PB(15)), MIGRATE_MOVABLE);
		ASSERT_EQ(pgdat->stats.merges_retype, hygiene ? 1 : 0);
		mmt_finish(pgdat);
	}
}

/*
 * 27 with split_large_buddy(): [6.12+] a block larger than a pageblock
 * is freed one pageblock at a time, each with its own pageblock's type,
 * and the halves merge back under item 27's rules; [<=6.9] it is freed
 * whole with its first pageblock's type.
 */
static void test_buddy_item27_split_large_buddy(void)
{
	for (size_t e = 0; e < G_N_ELEMENTS(eras); e++) {
		struct pgdat *pgdat = empty_guest(eras[e], true);
		struct zone *dma32 = MMT_DMA32(pgdat);
		bool hygiene = eras[e] != KERNEL_6_5;

		/* an UNMOVABLE and a MOVABLE pageblock under one order-10 block */
		mmt_set_pageblock(pgdat, PB(14), MIGRATE_UNMOVABLE);
		mmt_free(pgdat, PB(14), 10);
		ASSERT_LIST(dma32, 10, hygiene ? MIGRATE_MOVABLE : MIGRATE_UNMOVABLE, PB(14));
		ASSERT_EQ(get_pageblock_migratetype(pgdat, PB(14)),
			  hygiene ? MIGRATE_MOVABLE : MIGRATE_UNMOVABLE);
		ASSERT_EQ(get_pageblock_migratetype(pgdat, PB(15)), MIGRATE_MOVABLE);
		ASSERT_EQ(pgdat->stats.merges_retype, hygiene ? 1 : 0);

		/* HIGHATOMIC first half: [6.12+] two order-9 blocks, [6.5] one HIGHATOMIC block */
		mmt_set_pageblock(pgdat, PB(16), MIGRATE_HIGHATOMIC);
		dma32->nr_reserved_highatomic = PAGEBLOCK_NR_PAGES;
		mmt_free(pgdat, PB(16), 10);
		if (hygiene) {
			ASSERT_LIST(dma32, 9, MIGRATE_HIGHATOMIC, PB(16));
			ASSERT_LIST(dma32, 9, MIGRATE_MOVABLE, PB(17));
		} else {
			ASSERT_LIST(dma32, 10, MIGRATE_HIGHATOMIC, PB(16));
			ASSERT_EQ(dma32->nr_free_mt[MIGRATE_HIGHATOMIC], 1024);
		}
		mmt_finish(pgdat);
	}
}

/* Free a block of allocated order-0 pages straight to the buddy with @fpi. */
static void free_fpi(struct pgdat *pgdat, uint32_t pfn, unsigned int order, unsigned int fpi)
{
	mmt_make_block(pgdat, pfn, order);
	mmt_unmark_allocated(pgdat, pfn);
	free_one_page(pfn_zone(pgdat, pfn), pfn, order, fpi);
}

/*
 * 28: a freed block of final order <= 8 goes to the tail iff the buddy
 * of its parent is a free block of order + 1 (buddy_merge_likely());
 * otherwise the head; FPI_TO_TAIL always the tail.
 */
static void test_buddy_item28_tail_placement(void)
{
	for (size_t e = 0; e < G_N_ELEMENTS(eras); e++) {
		struct pgdat *pgdat = empty_guest(eras[e], true);
		struct zone *dma32 = MMT_DMA32(pgdat);
		uint32_t b = PB(12), z = PB(20);

		mmt_free(pgdat, z, 1);			/* the list: z */
		/* b + 2 at order 1, buddy b in use; the parent's buddy b + 4 is free */
		mmt_free(pgdat, b + 4, 2);
		mmt_free(pgdat, b + 2, 1);
		ASSERT_LIST(dma32, 1, MIGRATE_MOVABLE, z, b + 2);
		/* the same without b + 4: head */
		mmt_free(pgdat, b + 66, 1);
		ASSERT_LIST(dma32, 1, MIGRATE_MOVABLE, b + 66, z, b + 2);

		/* final order 9: head even though the order-10 buddy of its parent is free */
		mmt_free(pgdat, PB(17), 9);
		mmt_free(pgdat, PB(14), 10);
		mmt_free(pgdat, PB(13), 9);
		ASSERT_LIST(dma32, 9, MIGRATE_MOVABLE, PB(13), PB(17));

		/* FPI_TO_TAIL: tail although nothing could merge */
		mmt_assert_valid(pgdat);
		free_fpi(pgdat, z + 8, 1, FPI_TO_TAIL);
		ASSERT_LIST(dma32, 1, MIGRATE_MOVABLE, b + 66, z, b + 2, z + 8);
		mmt_finish(pgdat);
	}
}

/* 29: boot frees every block to the tail: each list is in ascending address order. */
static void test_buddy_item29_boot_to_tail(void)
{
	struct pgdat *pgdat = mmt_guest(64, KERNEL_6_15);
	struct zone *dma32 = MMT_DMA32(pgdat);
	uint32_t pfns[16];
	unsigned int n = mmt_list(dma32, 10, MIGRATE_MOVABLE, pfns, G_N_ELEMENTS(pfns));

	/* DMA32 = [4096, 16129): eleven order-10 blocks, then 512 + 256 + 1 */
	ASSERT_EQ(n, 11);
	for (unsigned int i = 0; i < n; i++)
		ASSERT_EQ(pfns[i], 4096 + 1024 * i);
	ASSERT_LIST(dma32, 9, MIGRATE_MOVABLE, 15360);
	ASSERT_LIST(dma32, 8, MIGRATE_MOVABLE, 15872);
	ASSERT_LIST(dma32, 0, MIGRATE_MOVABLE, 16128);
	/* and the DMA zone, from 1 MiB: 256 (order 8), 512 (9), 1024, 2048, 3072 (10) */
	ASSERT_LIST(&pgdat->zones[ZONE_DMA], 10, MIGRATE_MOVABLE, 1024, 2048, 3072);
	mmt_finish(pgdat);
}

/* 40: orders 0-3 and 9 go through the per-CPU lists, other orders bypass them. */
static void test_buddy_item40_pcp_orders(void)
{
	for (size_t e = 0; e < G_N_ELEMENTS(eras); e++) {
		struct pgdat *pgdat = pcp_guest(128, eras[e], 1);
		struct zone *dma32 = MMT_DMA32(pgdat);

		for (unsigned int order = 0; order <= MAX_PAGE_ORDER; order++) {
			uint64_t refills = pgdat->stats.pcp_refill;
			uint32_t pfn = sim_alloc_pages(pgdat, 0, GFP_HIGHUSER_MOVABLE, order);
			struct per_cpu_pages *pcp = zone_pcp(pgdat, 0, dma32);
			int count;
			long free_pages;

			CU_ASSERT_FATAL(pfn != PFN_NONE);
			ASSERT_EQ(pgdat->stats.pcp_refill - refills, pcp_allowed_order(order));
			count = pcp->count;
			free_pages = dma32->nr_free_pages;
			sim_free_pages(pgdat, 0, pfn, order);
			if (pcp_allowed_order(order)) {
				ASSERT_EQ(pcp->count, count + (1 << order));
				ASSERT_EQ(dma32->nr_free_pages, free_pages);
			} else {
				ASSERT_EQ(pcp->count, count);
				ASSERT_EQ(dma32->nr_free_pages, free_pages + (1L << order));
			}
		}
		ASSERT_EQ(pgdat->stats.pcp_refill, 5);
		ASSERT_EQ(pgdat->stats.pcpu_drain, 0);
		mmt_finish(pgdat);
	}
}

/*
 * 41: batch = 63 for zones of >= 1 GiB (31 for 512 MiB), 1 for DMA;
 * [<=6.6] a refill takes batch blocks at order 0 and max(batch >> order, 2)
 * above; a batch-1 zone refills one block at every order.  The list is
 * filled at the tail and served from the head, so a split block is
 * handed out in address order; a freed page is the next one out.
 */
static void test_buddy_item41_batch_and_refill(void)
{
	static const struct { unsigned int order; int n; } sizes[] = {
		{ 0, 63 }, { 1, 31 }, { 2, 15 }, { 3, 7 }, { 9, 2 },
	};
	struct pgdat *pgdat = pcp_guest(2048, KERNEL_6_5, 1);
	struct zone *dma32 = MMT_DMA32(pgdat), *dma = &pgdat->zones[ZONE_DMA];
	struct per_cpu_pages *pcp = zone_pcp(pgdat, 0, dma32);
	uint32_t first;

	ASSERT_EQ(dma32->pcp_batch, 63);
	ASSERT_EQ(dma->pcp_batch, 1);

	/*
	 * Filled at the tail, served from the head: the free order-0 page at
	 * the end of DMA32 first (the smallest block), then a split order-10
	 * block in address order.
	 */
	ASSERT_EQ(sim_alloc_pages(pgdat, 0, GFP_HIGHUSER_MOVABLE, 0), 516096);
	first = 20480;				/* after the 64 MiB from 16 MiB */
	for (uint32_t i = 0; i < 62; i++)
		ASSERT_EQ(sim_alloc_pages(pgdat, 0, GFP_HIGHUSER_MOVABLE, 0), first + i);
	ASSERT_EQ(pcp->count, 0);
	sim_free_pages(pgdat, 0, first + 5, 0);
	ASSERT_EQ(sim_alloc_pages(pgdat, 0, GFP_HIGHUSER_MOVABLE, 0), first + 5);

	for (size_t i = 0; i < G_N_ELEMENTS(sizes); i++) {
		int before = pcp->count;
		uint64_t locked = pgdat->stats.zone_locked;

		CU_ASSERT(sim_alloc_pages(pgdat, 0, GFP_HIGHUSER_MOVABLE, sizes[i].order) != PFN_NONE);
		ASSERT_EQ((int)(pgdat->stats.zone_locked - locked), sizes[i].n);
		ASSERT_EQ(pcp->count - before, (sizes[i].n - 1) << sizes[i].order);
	}

	/* DMA: one block per refill, every order */
	for (unsigned int order = 0; order <= 3; order++) {
		uint64_t locked = pgdat->stats.zone_locked;

		CU_ASSERT(sim_alloc_pages(pgdat, 0, GFP_HIGHUSER_MOVABLE | __GFP_DMA, order) != PFN_NONE);
		ASSERT_EQ(pgdat->stats.zone_locked - locked, 1);
		ASSERT_EQ(zone_pcp(pgdat, 0, dma)->count, 0);
	}
	mmt_finish(pgdat);

	pgdat = pcp_guest(512, KERNEL_6_15, 1);
	ASSERT_EQ(MMT_DMA32(pgdat)->pcp_batch, 31);
	mmt_finish(pgdat);
	pgdat = pcp_guest(1024, KERNEL_6_15, 1);
	ASSERT_EQ(MMT_DMA32(pgdat)->pcp_batch, 63);
	mmt_finish(pgdat);
}

/* Allocate order-0 pages until a refill happens; returns its size in pages. */
static int next_refill(struct pgdat *pgdat, struct per_cpu_pages *pcp)
{
	while (pcp->count > 0)
		CU_ASSERT_FATAL(sim_alloc_pages(pgdat, 0, GFP_HIGHUSER_MOVABLE, 0) != PFN_NONE);
	CU_ASSERT_FATAL(sim_alloc_pages(pgdat, 0, GFP_HIGHUSER_MOVABLE, 0) != PFN_NONE);
	return pcp->count + 1;
}

/*
 * 42: [6.7+] order-0 refills double, batch << alloc_factor with the
 * factor up to 5, limited to max(high - count - batch, batch); a free
 * halves the factor; orders > 0 use the plain batch.  [6.5] does not.
 * A batch-1 zone follows the same doubling at order 0 (item 41's "one
 * block at every order" is [<=6.6] and orders > 0).
 */
static void test_buddy_item42_alloc_factor(void)
{
	static const int doubling[] = { 63, 126, 252, 504, 1008, 2016, 2016 };
	struct pgdat *pgdat = pcp_guest(2048, KERNEL_6_15, 1);
	struct zone *dma32 = MMT_DMA32(pgdat);
	struct per_cpu_pages *pcp = zone_pcp(pgdat, 0, dma32);
	uint32_t pfn;
	int count;

	for (size_t i = 0; i < G_N_ELEMENTS(doubling); i++)
		ASSERT_EQ(next_refill(pgdat, pcp), doubling[i]);
	ASSERT_EQ(pcp->alloc_factor, 5);
	/* the high limit grew by each refill's batch from high_min (LOW) */
	ASSERT_EQ(pcp->high, dma32->pcp_high_min + 63 + 126 + 252 + 504 + 1008 + 2016 + 2016);

	/* a free halves the factor: 5 -> 2, the next refill is 63 << 2 */
	pfn = sim_alloc_pages(pgdat, 0, GFP_HIGHUSER_MOVABLE, 0);
	sim_free_pages(pgdat, 0, pfn, 0);
	ASSERT_EQ(pcp->alloc_factor, 2);
	ASSERT_EQ(next_refill(pgdat, pcp), 252);

	/* orders > 0: the unscaled batch, >> order */
	count = pcp->count;
	CU_ASSERT(sim_alloc_pages(pgdat, 0, GFP_HIGHUSER_MOVABLE, 1) != PFN_NONE);
	ASSERT_EQ(pcp->count - count, (31 - 1) * 2);
	mmt_finish(pgdat);

	/* the limit: high fixed at 200, so at most 200 - 0 - 63 = 137 */
	pgdat = pcp_guest(2048, KERNEL_6_15, 1);
	pcp = zone_pcp(pgdat, 0, MMT_DMA32(pgdat));
	pcp->high_min = pcp->high_max = 200;
	ASSERT_EQ(next_refill(pgdat, pcp), 63);
	ASSERT_EQ(next_refill(pgdat, pcp), 126);
	ASSERT_EQ(next_refill(pgdat, pcp), 137);
	ASSERT_EQ(next_refill(pgdat, pcp), 137);
	ASSERT_EQ(pcp->alloc_factor, 2);
	mmt_finish(pgdat);

	/* a batch that just fits (126 = 189 - 0 - 63) still raises the factor */
	pgdat = pcp_guest(2048, KERNEL_6_15, 1);
	pcp = zone_pcp(pgdat, 0, MMT_DMA32(pgdat));
	pcp->high_min = pcp->high_max = 189;
	ASSERT_EQ(next_refill(pgdat, pcp), 63);
	ASSERT_EQ(next_refill(pgdat, pcp), 126);
	ASSERT_EQ(pcp->alloc_factor, 2);
	ASSERT_EQ(next_refill(pgdat, pcp), 126);
	mmt_finish(pgdat);

	/* [6.5]: always the batch */
	pgdat = pcp_guest(2048, KERNEL_6_5, 1);
	pcp = zone_pcp(pgdat, 0, MMT_DMA32(pgdat));
	for (int i = 0; i < 4; i++)
		ASSERT_EQ(next_refill(pgdat, pcp), 63);
	mmt_finish(pgdat);

	/* DMA (batch 1) in [6.15]: order 0 doubles from 1, orders 1-3 take one block */
	pgdat = pcp_guest(2048, KERNEL_6_15, 1);
	pcp = zone_pcp(pgdat, 0, &pgdat->zones[ZONE_DMA]);
	for (int i = 0; i < 3; i++) {
		while (pcp->count > 0)
			CU_ASSERT(sim_alloc_pages(pgdat, 0, GFP_HIGHUSER_MOVABLE | __GFP_DMA, 0) != PFN_NONE);
		CU_ASSERT(sim_alloc_pages(pgdat, 0, GFP_HIGHUSER_MOVABLE | __GFP_DMA, 0) != PFN_NONE);
		ASSERT_EQ(pcp->count + 1, 1 << i);
	}
	for (unsigned int order = 1; order <= 3; order++) {
		count = pcp->count;
		CU_ASSERT(sim_alloc_pages(pgdat, 0, GFP_HIGHUSER_MOVABLE | __GFP_DMA, order) != PFN_NONE);
		ASSERT_EQ(pcp->count, count);
	}
	mmt_finish(pgdat);
}

/* The pfns of the mm_page_pcpu_drain events, in order. */
static unsigned int drained(const struct mmt_trace *t, uint32_t *pfns, unsigned int max)
{
	unsigned int n = 0;
	const struct mm_trace_event *ev;

	while (n < max && (ev = mmt_trace_nth(t, MM_TRACE_PCPU_DRAIN, n)))
		pfns[n++] = ev->pfn;
	return n;
}

#define ASSERT_DRAINED(t, ...) do {						\
	const uint32_t want__[] = { __VA_ARGS__ };			\
	uint32_t got__[G_N_ELEMENTS(want__) + 4];				\
	unsigned int n__ = drained((t), got__, G_N_ELEMENTS(got__));		\
	ASSERT_EQ(n__, G_N_ELEMENTS(want__));					\
	for (unsigned int i__ = 0; i__ < n__ && i__ < G_N_ELEMENTS(want__); i__++) \
		ASSERT_EQ(got__[i__], want__[i__]);				\
	mmt_trace_reset(t);							\
} while (0)

/*
 * 43: frees go to the head of the list of the page's pageblock type
 * (HIGHATOMIC to MOVABLE); at count >= high, n pages are drained from
 * the list just freed to, then the following lists in cyclic order, each
 * from its tail until empty or n is reached.  Drained pages go to the
 * buddy list of [<=6.9] the type cached at free, [6.10+] the pageblock's
 * type now.  Here batch = 2 and high = 6; n is [6.5] batch << free_factor,
 * [6.7+] the consecutive free count, both clamped to [batch, high - batch].
 */
static void test_buddy_item43_free_and_drain(void)
{
	for (size_t e = 0; e < G_N_ELEMENTS(eras); e++) {
		struct pgdat *pgdat = pcp_guest(128, eras[e], 1);
		struct zone *dma32 = MMT_DMA32(pgdat);
		struct per_cpu_pages *pcp = zone_pcp(pgdat, 0, dma32);
		const uint32_t U = PB(12), M = PB(13), R = PB(14), H = PB(15);
		struct mmt_trace t;

		mmt_take_all(pgdat, true);
		mmt_set_pageblock(pgdat, U, MIGRATE_UNMOVABLE);
		mmt_set_pageblock(pgdat, R, MIGRATE_RECLAIMABLE);
		mmt_set_pageblock(pgdat, H, MIGRATE_HIGHATOMIC);
		dma32->nr_reserved_highatomic = PAGEBLOCK_NR_PAGES;
		pcp->batch = 2;
		pcp->high = pcp->high_min = pcp->high_max = 6;
		mmt_trace_start(pgdat, &t);

		mmt_free(pgdat, M, 0);
		mmt_free(pgdat, M + 2, 0);
		mmt_free(pgdat, U, 0);
		mmt_free(pgdat, R, 0);
		mmt_free(pgdat, U + 2, 0);
		ASSERT_EQ(pcp->count, 5);
		ASSERT_EQ(pgdat->stats.pcpu_drain, 0);
		mmt_free(pgdat, R + 2, 0);		/* count 6 = high: drain */
		if (eras[e] == KERNEL_6_5) {
			/* n = 2: the RECLAIMABLE list, oldest first */
			ASSERT_DRAINED(&t, R, R + 2);
		} else {
			/* n = free_count 6 clamped to 4: RECLAIMABLE, then round to UNMOVABLE */
			ASSERT_DRAINED(&t, R, R + 2, U, U + 2);
		}
		ASSERT_EQ(pcp->count, 2 + (eras[e] == KERNEL_6_5 ? 2 : 0));
		mmt_free(pgdat, M + 4, 0);
		mmt_free(pgdat, R + 4, 0);
		if (eras[e] == KERNEL_6_5) {
			/* count 6 again, n = 2 << 1 = 4: R, then wrap round to U, then M */
			ASSERT_DRAINED(&t, R + 4, U, U + 2, M);
			ASSERT_EQ(pcp->count, 2);
		} else {
			ASSERT_EQ(mmt_trace_count(&t, MM_TRACE_PCPU_DRAIN), 0);
			ASSERT_EQ(pcp->count, 4);
		}

		/* a HIGHATOMIC page joins the MOVABLE list at its head */
		mmt_free(pgdat, H, 0);
		ASSERT_EQ(pcp->lists[MIGRATE_MOVABLE].buf[pcp->lists[MIGRATE_MOVABLE].first], H);
		/* its block is given back while the page sits on the PCP */
		set_pageblock_migratetype(pgdat, H, MIGRATE_MOVABLE);
		dma32->nr_reserved_highatomic = 0;
		sim_drain_all_pages(pgdat);
		if (eras[e] == KERNEL_6_5) {
			ASSERT_EQ(dma32->nr_free_mt[MIGRATE_HIGHATOMIC], 1);	/* cached type */
		} else {
			ASSERT_EQ(dma32->nr_free_mt[MIGRATE_HIGHATOMIC], 0);	/* type now */
		}
		ASSERT_EQ(pcp->count, 0);
		mmt_trace_stop(pgdat, &t);
		mmt_finish(pgdat);
	}
}

/*
 * 44: [6.5] high = max(LOW / cpus, 4 * batch); [6.7+] that is high_min
 * and high_max = max(managed / 8 / cpus, 4 * batch).
 */
static void test_buddy_item44_high_values(void)
{
	for (unsigned int cpus = 1; cpus <= 64; cpus *= 4) {
		struct pgdat *p65 = pcp_guest(2048, KERNEL_6_5, cpus);
		struct pgdat *p615 = pcp_guest(2048, KERNEL_6_15, cpus);

		for (int z = ZONE_DMA; z <= ZONE_DMA32; z++) {
			const struct zone *zone = &p615->zones[z];
			long batch = zone->pcp_batch;
			long high_min = MAX(zone->_watermark[WMARK_LOW] / (long)cpus, 4 * batch);
			long high_max = MAX((long)zone->managed_pages / 8 / (long)cpus, 4 * batch);

			ASSERT_EQ(zone_pcp(p65, (int)cpus - 1, &p65->zones[z])->high, high_min);
			ASSERT_EQ(zone_pcp(p615, (int)cpus - 1, zone)->high_min, high_min);
			ASSERT_EQ(zone_pcp(p615, (int)cpus - 1, zone)->high_max, high_max);
		}
		/* the DMA zone with many CPUs: 4 pages */
		if (cpus == 64)
			ASSERT_EQ(zone_pcp(p65, 0, &p65->zones[ZONE_DMA])->high, 4);
		mmt_finish(p65);
		mmt_finish(p615);
	}
}

/* 44: [6.7+] high decays by 1/8 a second, draining in batches; [6.5] has no decay. */
static void test_buddy_item44_decay(void)
{
	for (size_t e = 0; e < G_N_ELEMENTS(eras); e++) {
		struct pgdat *pgdat = pcp_guest(2048, eras[e], 1);
		struct per_cpu_pages *pcp = zone_pcp(pgdat, 0, MMT_DMA32(pgdat));

		CU_ASSERT(sim_alloc_pages(pgdat, 0, GFP_HIGHUSER_MOVABLE, 0) != PFN_NONE);
		ASSERT_EQ(pcp->count, 62);
		pcp->high_min = 10;
		pcp->high = 64;
		sim_pcp_decay(pgdat);
		if (eras[e] == KERNEL_6_5) {
			ASSERT_EQ(pcp->high, 64);
			ASSERT_EQ(pcp->count, 62);
		} else {
			ASSERT_EQ(pcp->high, 56);		/* 64 - 64/8 */
			ASSERT_EQ(pcp->count, 56);
			ASSERT_EQ(pgdat->stats.pcpu_drain, 6);
			sim_pcp_decay(pgdat);
			ASSERT_EQ(pcp->high, 49);
			ASSERT_EQ(pcp->count, 49);
			for (int i = 0; i < 40; i++)
				sim_pcp_decay(pgdat);
			ASSERT_EQ(pcp->high, 10);		/* down to high_min */
			ASSERT_EQ(pcp->count, 10);
		}
		mmt_finish(pgdat);
	}
}

/* 44: while kswapd reclaims the zone the list holds fewer than 4 * batch pages. */
static void test_buddy_item44_reclaim_cap(void)
{
	for (size_t e = 0; e < G_N_ELEMENTS(eras); e++) {
		struct pgdat *pgdat = pcp_guest(2048, eras[e], 1);
		struct zone *dma32 = MMT_DMA32(pgdat);
		struct per_cpu_pages *pcp = zone_pcp(pgdat, 0, dma32);
		uint32_t pfns[400];
		int peak = 0;

		for (int i = 0; i < 400; i++)
			pfns[i] = sim_alloc_pages(pgdat, 0, GFP_HIGHUSER_MOVABLE, 0);
		dma32->reclaim_active = true;
		for (int i = 0; i < 400; i++) {
			sim_free_pages(pgdat, 0, pfns[i], 0);
			peak = MAX(peak, pcp->count);
		}
		CU_ASSERT(peak < 4 * 63);
		CU_ASSERT(pgdat->stats.pcpu_drain > 0);
		dma32->reclaim_active = false;
		mmt_finish(pgdat);
	}
}

/*
 * 45: mm_page_alloc fires once per request, hit or refill, after the
 * refill's zone_locked events; a refill shows one zone_locked per block
 * taken through __rmqueue_smallest(): [<=6.9] every block, [6.10+] not
 * those from an order >= 9 claim or a steal, which emit only extfrag.
 */
static void test_buddy_item45_tracepoints(void)
{
	for (size_t e = 0; e < G_N_ELEMENTS(eras); e++) {
		struct pgdat *pgdat = pcp_guest(128, eras[e], 1);
		const struct mm_trace_event *last;
		struct mmt_trace t;

		mmt_trace_start(pgdat, &t);
		/* MOVABLE, fresh guest: a refill of 7 (batch) from MOVABLE blocks */
		CU_ASSERT(sim_alloc_pages(pgdat, 0, GFP_HIGHUSER_MOVABLE, 0) != PFN_NONE);
		ASSERT_EQ(mmt_trace_count(&t, MM_TRACE_ZONE_LOCKED), 7);
		ASSERT_EQ(mmt_trace_count(&t, MM_TRACE_ALLOC), 1);
		last = &g_array_index(t.ev, struct mm_trace_event, t.ev->len - 1);
		ASSERT_EQ(last->type, MM_TRACE_ALLOC);
		mmt_trace_reset(&t);
		CU_ASSERT(sim_alloc_pages(pgdat, 0, GFP_HIGHUSER_MOVABLE, 0) != PFN_NONE);
		ASSERT_EQ(t.ev->len, 1);		/* a hit: mm_page_alloc only */
		mmt_trace_stop(pgdat, &t);
		mmt_finish(pgdat);

		/* UNMOVABLE, fresh guest: the refill's first block claims an order-10 block */
		pgdat = pcp_guest(128, eras[e], 1);
		mmt_trace_start(pgdat, &t);
		CU_ASSERT(sim_alloc_pages(pgdat, 0, GFP_KERNEL, 0) != PFN_NONE);
		ASSERT_EQ(mmt_trace_count(&t, MM_TRACE_EXTFRAG), 1);
		ASSERT_EQ(mmt_trace_count(&t, MM_TRACE_ZONE_LOCKED), eras[e] == KERNEL_6_5 ? 7 : 6);
		ASSERT_EQ(mmt_trace_count(&t, MM_TRACE_ALLOC), 1);
		mmt_trace_stop(pgdat, &t);
		mmt_finish(pgdat);

		/* MOVABLE with only four UNMOVABLE pages free: a refill of steals */
		pgdat = pcp_guest(128, eras[e], 1);
		mmt_take_all(pgdat, false);
		mmt_set_marks(MMT_DMA32(pgdat), 0, 0, 0);
		mmt_set_pageblock(pgdat, PB(12), MIGRATE_UNMOVABLE);
		mmt_free(pgdat, PB(12) + 4, 2);
		sim_drain_all_pages(pgdat);
		mmt_trace_start(pgdat, &t);
		ASSERT_EQ(sim_alloc_pages(pgdat, 0, GFP_HIGHUSER_MOVABLE, 0), PB(12) + 4);
		ASSERT_EQ(zone_pcp(pgdat, 0, MMT_DMA32(pgdat))->count, 3);
		ASSERT_EQ(mmt_trace_count(&t, MM_TRACE_ALLOC), 1);
		if (eras[e] == KERNEL_6_5) {
			ASSERT_EQ(mmt_trace_count(&t, MM_TRACE_EXTFRAG), 1);
			ASSERT_EQ(mmt_trace_count(&t, MM_TRACE_ZONE_LOCKED), 4);
		} else {
			ASSERT_EQ(mmt_trace_count(&t, MM_TRACE_EXTFRAG), 4);
			ASSERT_EQ(mmt_trace_count(&t, MM_TRACE_ZONE_LOCKED), 0);
		}
		mmt_trace_stop(pgdat, &t);
		mmt_finish(pgdat);
	}
}

/*
 * The free lists are rings of pfns (sim/buddy.c): blocks added at either
 * end and taken out anywhere keep the kernel's list order through the
 * ring's growth and squeezing, the ends never show a hole, and the ring
 * does not grow without bound when blocks come and go.  A reference deque
 * in this test says what the list must be.
 */
static void test_buddy_free_list_ring(void)
{
	struct pgdat *pgdat = empty_guest(KERNEL_6_15, false);
	struct zone *dma32 = MMT_DMA32(pgdat);
	const struct free_list *fl = &dma32->free_area[0].free_list[MIGRATE_UNMOVABLE];
	enum { N = 600, CAP = 2 * N + 2 };
	uint32_t *want = g_new(uint32_t, CAP), *got = g_new(uint32_t, N + 1);
	unsigned int first = N + 1, end = N + 1;	/* want[first..end) */
	unsigned int n, next = 0, max_ring = 0;
	uint32_t base = PB(8);
	bool ok = true;

	for (uint32_t pb = base; pb < base + 2 * N; pb += PAGEBLOCK_NR_PAGES)
		mmt_set_pageblock(pgdat, pb, MIGRATE_UNMOVABLE);
	/* even pfns only: no two free buddies, nothing would merge */
	for (int round = 0; round < 40; round++) {
		/* add 15 at alternating ends */
		for (int i = 0; i < 15 && next < N; i++, next++) {
			uint32_t pfn = base + 2 * next;
			bool tail = (next * 7) % 3 == 0;

			pb_account(pgdat, pfn, 0, MIGRATE_UNMOVABLE, -1);	/* no longer in use */
			add_to_free_list(dma32, pfn, 0, MIGRATE_UNMOVABLE, tail);
			if (tail)
				want[end++] = pfn;
			else
				want[--first] = pfn;
		}
		/* take 10 out: the head, the tail and from the middle */
		for (int i = 0; i < 10 && end > first; i++) {
			unsigned int at = i == 0 ? first : i == 1 ? end - 1 :
					  first + (unsigned int)(round * 13 + i * 5) % (end - first);

			del_from_free_list(dma32, want[at], 0);
			mmt_mark_allocated(pgdat, want[at], 0, MIGRATE_UNMOVABLE);
			memmove(&want[at], &want[at + 1], (end - at - 1) * sizeof(*want));
			end--;
		}
		n = mmt_list(dma32, 0, MIGRATE_UNMOVABLE, got, N + 1);
		ok &= n == end - first && !memcmp(got, &want[first], n * sizeof(*got));
		ok &= first_in_list(dma32, 0, MIGRATE_UNMOVABLE) == (n ? want[first] : PFN_NONE);
		ok &= last_in_list(dma32, 0, MIGRATE_UNMOVABLE) == (n ? want[end - 1] : PFN_NONE);
		ok &= fl->nr == n;
		max_ring = MAX(max_ring, fl->mask + 1);
	}
	CU_ASSERT(ok);
	CU_ASSERT(next == N);				/* the ring grew past its 16 */
	CU_ASSERT(end - first == N - 40 * 10);
	/* holes were squeezed out: the ring stays within 4x the live blocks */
	CU_ASSERT(max_ring <= 4 * (N - 40 * 10) && max_ring >= N - 40 * 10);
	mmt_assert_valid(pgdat);

	/* emptied, the list takes blocks from position 0 again */
	for (unsigned int i = first; i < end; i++) {
		del_from_free_list(dma32, want[i], 0);
		mmt_mark_allocated(pgdat, want[i], 0, MIGRATE_UNMOVABLE);
	}
	CU_ASSERT(free_area_empty(dma32, 0, MIGRATE_UNMOVABLE));
	ASSERT_EQ(first_in_list(dma32, 0, MIGRATE_UNMOVABLE), PFN_NONE);
	pb_account(pgdat, base, 0, MIGRATE_UNMOVABLE, -1);
	add_to_free_list(dma32, base, 0, MIGRATE_UNMOVABLE, false);
	ASSERT_LIST(dma32, 0, MIGRATE_UNMOVABLE, base);
	g_free(want);
	g_free(got);
	mmt_finish(pgdat);
}

void tests_register(void)
{
	CU_pSuite s = tests_add_suite("buddy");

	tests_add(s, "free lists: rings keep list order through growth, holes and squeezing",
		  test_buddy_free_list_ring);
	tests_add(s, "25: the head block of the smallest order is split, halves to list heads",
		  test_buddy_item25_rmqueue_smallest);
	tests_add(s, "25: small allocations walk up through a split block",
		  test_buddy_item25_ascending_walk);
	tests_add(s, "26: freeing both halves merges, up to order 10", test_buddy_item26_merge);
	tests_add(s, "27: merging pageblocks of two types: retype in 6.10+, not in 6.5",
		  test_buddy_item27_merge_pageblocks);
	tests_add(s, "27: blocks above a pageblock are freed per pageblock in 6.10+",
		  test_buddy_item27_split_large_buddy);
	tests_add(s, "28: tail placement when a merge is likely", test_buddy_item28_tail_placement);
	tests_add(s, "29: boot memory is freed to the list tails", test_buddy_item29_boot_to_tail);
	s = tests_add_suite("pcp");
	tests_add(s, "40: orders 0-3 and 9 use the per-CPU lists", test_buddy_item40_pcp_orders);
	tests_add(s, "41: batch sizes and refill sizes", test_buddy_item41_batch_and_refill);
	tests_add(s, "42: order-0 refills double with alloc_factor", test_buddy_item42_alloc_factor);
	tests_add(s, "43: frees to the list head, drains from the tails in list order",
		  test_buddy_item43_free_and_drain);
	tests_add(s, "44: high per era and CPU count", test_buddy_item44_high_values);
	tests_add(s, "44: high decays by an eighth a second", test_buddy_item44_decay);
	tests_add(s, "44: high is capped at 4 batches while kswapd reclaims",
		  test_buddy_item44_reclaim_cap);
	tests_add(s, "45: mm_page_alloc once per request, zone_locked per refilled block",
		  test_buddy_item45_tracepoints);
}
