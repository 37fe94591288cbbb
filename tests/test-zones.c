// SPDX-License-Identifier: GPL-2.0-only
/*
 * Checklist items 1-8 of docs/kernel-model.md section 10: orders and
 * pageblocks, x86_64 zone boundaries, boot pageblock types, the zonelist
 * walk, lowmem_reserve per era and the NOFRAGMENT first pass.
 *
 * Mirrors arch/x86/mm/init.c (zone_sizes_init(), init_mem_mapping()) and
 * mm/page_alloc.c (setup_per_zone_lowmem_reserve(), get_page_from_freelist(),
 * alloc_flags_nofragment()) of 6.1 and 6.12.
 */
#include "mm-helpers.h"
#include "sim/report.h"

#define GIB_PAGES	(1U << 18)		/* 1 GiB in 4 KiB pages */
#define PFN_4G		(4U * GIB_PAGES)	/* 1048576 */

static const enum kernel_era eras[] = { KERNEL_6_5, KERNEL_6_12, KERNEL_6_15 };

/* A 128 MiB guest with 64 MiB below 4 GiB: DMA, DMA32 and a 64 MiB Normal. */
static struct pgdat *guest_with_normal(enum kernel_era era)
{
	struct sim_config cfg;

	mmt_config(&cfg, 128, era);
	cfg.below_4g_bytes = 64ULL << 20;
	return mmt_create(&cfg);
}

/* 1: orders 0..10; an order-10 block is 1024 aligned pages; order 11 fails. */
static void test_zones_item1_orders(void)
{
	struct pgdat *pgdat = mmt_guest(64, KERNEL_6_15);
	struct zone *dma32 = MMT_DMA32(pgdat);
	long free_before;
	uint32_t pfn;

	/* a fresh guest's largest free blocks are order 10 */
	CU_ASSERT(dma32->free_area[MAX_PAGE_ORDER].nr_free > 0);
	ASSERT_EQ(MAX_ORDER_NR_PAGES, 1024);

	pfn = sim_alloc_pages(pgdat, 0, GFP_HIGHUSER_MOVABLE, 10);
	CU_ASSERT_FATAL(pfn != PFN_NONE);
	ASSERT_EQ(pfn & 1023, 0);
	CU_ASSERT(sim_page_is_allocated(pgdat, pfn, 10));
	ASSERT_EQ(pgdat->stats.alloc_pages, 1024);

	free_before = dma32->nr_free_pages;
	CU_ASSERT(sim_alloc_pages(pgdat, 0, GFP_HIGHUSER_MOVABLE, 11) == PFN_NONE);
	ASSERT_EQ(pgdat->stats.alloc_fail, 1);
	ASSERT_EQ(pgdat->stats.fail_by_order[MAX_PAGE_ORDER], 1);
	ASSERT_EQ(dma32->nr_free_pages, free_before);

	sim_free_pages(pgdat, 0, pfn, 10);
	mmt_finish(pgdat);
}

/* 2: pageblock_order is 9, and an order-10 claim retypes both pageblocks it covers. */
static void test_zones_item2_pageblock(void)
{
	ASSERT_EQ(PAGEBLOCK_ORDER, 9);
	ASSERT_EQ(PAGEBLOCK_NR_PAGES, 512);
	for (size_t e = 0; e < G_N_ELEMENTS(eras); e++) {
		struct pgdat *pgdat = mmt_guest(64, eras[e]);
		struct mmt_trace t;
		uint32_t pfn;

		mmt_trace_start(pgdat, &t);
		/* no UNMOVABLE page anywhere: the first order-10 MOVABLE block is claimed */
		pfn = sim_alloc_pages(pgdat, 0, GFP_KERNEL, 10);
		ASSERT_EQ(pfn, PB(8));
		ASSERT_EQ(get_pageblock_migratetype(pgdat, PB(8)), MIGRATE_UNMOVABLE);
		ASSERT_EQ(get_pageblock_migratetype(pgdat, PB(9)), MIGRATE_UNMOVABLE);
		ASSERT_EQ(get_pageblock_migratetype(pgdat, PB(10)), MIGRATE_MOVABLE);
		ASSERT_EQ(pgdat->stats.pageblock_claims, 2);
		ASSERT_EQ(mmt_trace_count(&t, MM_TRACE_EXTFRAG), 1);
		ASSERT_EXTFRAG(mmt_trace_nth(&t, MM_TRACE_EXTFRAG, 0), PB(8), 10, 10,
			       MIGRATE_UNMOVABLE, MIGRATE_MOVABLE, true);
		mmt_trace_stop(pgdat, &t);
		mmt_finish(pgdat);
	}
}

/* 3: MAX_PAGE_ORDER = 10 inclusive, NR_PAGE_ORDERS = 11: buddyinfo has 11 columns. */
static void test_zones_item3_order_count(void)
{
	struct pgdat *pgdat = mmt_guest(64, KERNEL_6_15);
	g_autoptr(GString) out = g_string_new(NULL);
	g_auto(GStrv) lines = NULL;
	g_auto(GStrv) cols = NULL;

	ASSERT_EQ(MAX_PAGE_ORDER, 10);
	ASSERT_EQ(NR_PAGE_ORDERS, 11);
	report_buddyinfo(pgdat, out);
	lines = g_strsplit(out->str, "\n", -1);
	CU_ASSERT_FATAL(g_strv_length(lines) >= 2);
	/* "Node 0, zone DMA32 n0 ... n10": 4 words of label, 11 counts */
	cols = g_strsplit_set(lines[1], " ", -1);
	{
		unsigned int words = 0;

		for (char **c = cols; *c; c++)
			words += **c != '\0';
		ASSERT_EQ(words, 4 + NR_PAGE_ORDERS);
	}
	mmt_finish(pgdat);
}

/*
 * 4: DMA = [0, 16 MiB), DMA32 = [16 MiB, 4 GiB) clipped to the end of
 * RAM, Normal = [4 GiB, end), Movable empty.  As in the kernel, DMA32's
 * span includes the PCI hole: init_mem_mapping() raises max_low_pfn to
 * max_pfn before zone_sizes_init() on x86_64.
 */
static void test_zones_item4_boundaries(void)
{
	struct sim_config cfg;
	struct pgdat *pgdat;
	const struct zone *z;

	/* 4 GiB q35 guest: 2 GiB below the hole, 2 GiB from 4 GiB */
	sim_config_init(&cfg);
	cfg.mem_bytes = 4ULL << 30;
	cfg.check_every = UINT32_MAX;
	pgdat = mmt_create(&cfg);
	z = &pgdat->zones[ZONE_DMA];
	ASSERT_EQ(z->zone_start_pfn, 0);
	ASSERT_EQ(z->spanned_pages, 4096);
	ASSERT_EQ(z->present_pages, 4096 - 96);		/* the 640 KiB-1 MiB hole */
	ASSERT_EQ(z->managed_pages, 4096 - 256);		/* the first MiB is reserved */
	z = &pgdat->zones[ZONE_DMA32];
	ASSERT_EQ(z->zone_start_pfn, 4096);
	ASSERT_EQ(z->spanned_pages, PFN_4G - 4096);
	ASSERT_EQ(z->present_pages, 2 * GIB_PAGES - 4096);
	CU_ASSERT(z->managed_pages < z->present_pages);
	z = &pgdat->zones[ZONE_NORMAL];
	ASSERT_EQ(z->zone_start_pfn, PFN_4G);
	ASSERT_EQ(z->spanned_pages, 2 * GIB_PAGES);
	ASSERT_EQ(z->present_pages, 2 * GIB_PAGES);
	z = &pgdat->zones[ZONE_MOVABLE];
	ASSERT_EQ(z->present_pages, 0);
	ASSERT_EQ(z->managed_pages, 0);
	ASSERT_EQ(pgdat->nr_zones, ZONE_NORMAL + 1);
	ASSERT_EQ(pfn_zone(pgdat, 4095)->idx, ZONE_DMA);
	ASSERT_EQ(pfn_zone(pgdat, 4096)->idx, ZONE_DMA32);
	ASSERT_EQ(pfn_zone(pgdat, 2 * GIB_PAGES - 1)->idx, ZONE_DMA32);
	ASSERT_EQ(pfn_zone(pgdat, PFN_4G)->idx, ZONE_NORMAL);
	ASSERT_EQ(pfn_zone(pgdat, pgdat->node_spanned_pages - 1)->idx, ZONE_NORMAL);
	mmt_finish(pgdat);

	/* 2 GiB: all below 4 GiB, DMA32 ends with RAM, Normal is empty */
	sim_config_init(&cfg);
	cfg.mem_bytes = 2ULL << 30;
	cfg.check_every = UINT32_MAX;
	pgdat = mmt_create(&cfg);
	z = &pgdat->zones[ZONE_DMA32];
	ASSERT_EQ(z->zone_start_pfn, 4096);
	ASSERT_EQ(z->spanned_pages, 2 * GIB_PAGES - 4096);
	ASSERT_EQ(pgdat->zones[ZONE_NORMAL].present_pages, 0);
	ASSERT_EQ(pgdat->zones[ZONE_NORMAL].managed_pages, 0);
	ASSERT_EQ(pgdat->nr_zones, ZONE_DMA32 + 1);
	mmt_finish(pgdat);
}

/* 5: after boot every pageblock is MOVABLE and every free page on a MOVABLE list. */
static void test_zones_item5_boot_movable(void)
{
	for (size_t e = 0; e < G_N_ELEMENTS(eras); e++) {
		struct pgdat *pgdat = guest_with_normal(eras[e]);
		unsigned int nr;
		const struct mem_range *r = pgdat_ranges(pgdat, &nr);

		for (unsigned int i = 0; i < nr; i++)
			for (uint32_t pfn = r[i].start_pfn; pfn < r[i].end_pfn; pfn += PAGEBLOCK_NR_PAGES)
				ASSERT_EQ(get_pageblock_migratetype(pgdat, pfn), MIGRATE_MOVABLE);
		for (int z = 0; z < MAX_NR_ZONES; z++) {
			const struct zone *zone = &pgdat->zones[z];

			ASSERT_EQ(zone->nr_free_mt[MIGRATE_MOVABLE], zone->nr_free_pages);
			ASSERT_EQ(zone->nr_free_pages, zone->managed_pages);
		}
		mmt_finish(pgdat);
	}
}

static enum zone_type alloc_zone(struct pgdat *pgdat, gfp_t gfp)
{
	uint32_t pfn = sim_alloc_pages(pgdat, 0, gfp, 0);

	CU_ASSERT_FATAL(pfn != PFN_NONE);
	return pfn_zone(pgdat, pfn)->idx;
}

/*
 * 6: the walk starts at the highest zone the gfp allows and goes down;
 * the first zone passing its watermark and yielding a page wins.
 */
static void test_zones_item6_zonelist(void)
{
	struct pgdat *pgdat = guest_with_normal(KERNEL_6_15);

	ASSERT_EQ(alloc_zone(pgdat, GFP_KERNEL), ZONE_NORMAL);
	ASSERT_EQ(alloc_zone(pgdat, GFP_HIGHUSER_MOVABLE), ZONE_NORMAL);	/* Movable is empty */
	ASSERT_EQ(alloc_zone(pgdat, GFP_KERNEL | __GFP_DMA32), ZONE_DMA32);
	ASSERT_EQ(alloc_zone(pgdat, GFP_KERNEL | __GFP_DMA), ZONE_DMA);

	/* Normal exhausted: the same request moves down one zone at a time */
	mmt_take_zone(&pgdat->zones[ZONE_NORMAL], false);
	ASSERT_EQ(alloc_zone(pgdat, GFP_KERNEL), ZONE_DMA32);
	mmt_take_zone(&pgdat->zones[ZONE_DMA32], false);
	ASSERT_EQ(alloc_zone(pgdat, GFP_KERNEL), ZONE_DMA);
	ASSERT_EQ(pgdat->stats.slowpath, 0);
	mmt_take_zone(&pgdat->zones[ZONE_DMA], false);
	CU_ASSERT(sim_alloc_pages(pgdat, 0, GFP_KERNEL, 0) == PFN_NONE);
	mmt_finish(pgdat);
}

/*
 * 7: lowmem_reserve[i][j] = Σ managed(i+1..j) / ratio[i] (256, 256, 32),
 * chosen by the request's highest_zoneidx; [6.12] (6.12.0-6.12.18) shows
 * 0 towards an empty zone j, so GFP_HIGHUSER_MOVABLE sees no reserve.
 */
static void test_zones_item7_lowmem_reserve_values(void)
{
	for (size_t e = 0; e < G_N_ELEMENTS(eras); e++) {
		struct sim_config cfg;
		struct pgdat *pgdat;
		const struct zone *dma, *dma32, *normal;
		long m32, mn, to_movable;
		uint64_t total = 0;

		sim_config_init(&cfg);
		cfg.mem_bytes = 4ULL << 30;
		cfg.era = eras[e];
		cfg.check_every = UINT32_MAX;
		pgdat = mmt_create(&cfg);
		dma = &pgdat->zones[ZONE_DMA];
		dma32 = &pgdat->zones[ZONE_DMA32];
		normal = &pgdat->zones[ZONE_NORMAL];
		m32 = dma32->managed_pages;
		mn = normal->managed_pages;

		ASSERT_EQ(dma->lowmem_reserve[ZONE_DMA], 0);
		ASSERT_EQ(dma->lowmem_reserve[ZONE_DMA32], m32 / 256);
		ASSERT_EQ(dma->lowmem_reserve[ZONE_NORMAL], (m32 + mn) / 256);
		ASSERT_EQ(dma32->lowmem_reserve[ZONE_DMA32], 0);
		ASSERT_EQ(dma32->lowmem_reserve[ZONE_NORMAL], mn / 256);
		ASSERT_EQ(normal->lowmem_reserve[ZONE_MOVABLE], 0);	/* 0 / 32 */
		to_movable = eras[e] == KERNEL_6_12 ? 0 : 1;
		ASSERT_EQ(dma->lowmem_reserve[ZONE_MOVABLE], to_movable * ((m32 + mn) / 256));
		ASSERT_EQ(dma32->lowmem_reserve[ZONE_MOVABLE], to_movable * (mn / 256));
		/* 4 GiB: 503808 and 507905 managed pages */
		ASSERT_EQ(dma32->lowmem_reserve[ZONE_NORMAL], 1984);

		/* the reserve is an additive term of the check: "<=" at mark + reserve */
		CU_ASSERT(!zone_watermark_ok(dma32, 0, 1000, ZONE_NORMAL, 0, 1000 + 1984));
		CU_ASSERT(zone_watermark_ok(dma32, 0, 1000, ZONE_NORMAL, 0, 1000 + 1984 + 1));
		CU_ASSERT(zone_watermark_ok(dma32, 0, 1000, ZONE_DMA32, 0, 1001));

		/* totalreserve = Σ min(managed, high + max_j reserve[j]) */
		for (int z = 0; z < MAX_NR_ZONES; z++) {
			const struct zone *zone = &pgdat->zones[z];
			long max = 0;

			for (int j = z; j < MAX_NR_ZONES; j++)
				max = MAX(max, zone->lowmem_reserve[j]);
			total += (uint64_t)MIN(max + zone->_watermark[WMARK_HIGH],
					       (long)zone->managed_pages);
		}
		ASSERT_EQ(pgdat->totalreserve_pages, total);
		mmt_finish(pgdat);
	}
}

/*
 * 7, end to end: Normal exhausted, DMA32 holding exactly LOW + its
 * reserve towards Normal (62 pages here).  A GFP_HIGHUSER_MOVABLE request
 * fails the fast path where the reserve applies ([6.5], [6.15]) and is
 * served by the slow path at MIN; [6.12] sees no reserve and is served by
 * the fast path.
 */
static void test_zones_item7_lowmem_reserve_per_era(void)
{
	for (size_t e = 0; e < G_N_ELEMENTS(eras); e++) {
		struct pgdat *pgdat = guest_with_normal(eras[e]);
		struct zone *dma32 = MMT_DMA32(pgdat);
		long reserve, low = dma32->_watermark[WMARK_LOW];
		uint32_t pfn;

		reserve = pgdat->zones[ZONE_NORMAL].managed_pages / 256;
		ASSERT_EQ(dma32->lowmem_reserve[ZONE_NORMAL], reserve);
		ASSERT_EQ(low + reserve, 755 + 62);
		mmt_take_all(pgdat, true);
		/* 817 = 512 + 256 + 32 + 16 + 1 free pages in DMA32 */
		mmt_free(pgdat, PB(10), 9);
		mmt_free(pgdat, PB(11), 8);
		mmt_free(pgdat, PB(11) + 256, 5);
		mmt_free(pgdat, PB(11) + 288, 4);
		mmt_free(pgdat, PB(11) + 304, 0);
		ASSERT_EQ(dma32->nr_free_pages, low + reserve);

		pfn = sim_alloc_pages(pgdat, 0, GFP_HIGHUSER_MOVABLE, 0);
		CU_ASSERT(pfn != PFN_NONE && pfn_zone(pgdat, pfn) == dma32);
		ASSERT_EQ(pgdat->stats.slowpath, eras[e] == KERNEL_6_12 ? 0 : 1);
		mmt_finish(pgdat);
	}
}

/*
 * 8: with Normal preferred, the first pass forbids sub-pageblock
 * fallbacks in every zone: an UNMOVABLE request that Normal could only
 * serve by fragmenting takes a whole free pageblock from DMA32 instead;
 * only when no zone has one does the second pass fragment Normal.
 */
static void test_zones_item8_nofragment(void)
{
	for (size_t e = 0; e < G_N_ELEMENTS(eras); e++) {
		struct pgdat *pgdat = guest_with_normal(eras[e]);
		struct zone *normal = &pgdat->zones[ZONE_NORMAL];
		struct mmt_trace t;
		uint32_t npb = PFN_4G + 2 * PAGEBLOCK_NR_PAGES;	/* a Normal pageblock */
		uint32_t pfn;

		mmt_take_all(pgdat, true);
		for (int z = ZONE_DMA; z <= ZONE_NORMAL; z++)
			mmt_set_marks(&pgdat->zones[z], 0, 0, 0);
		mmt_free(pgdat, npb, 3);		/* Normal: 8 MOVABLE pages */
		mmt_free(pgdat, PB(10), 9);		/* DMA32: a free MOVABLE pageblock */
		mmt_trace_start(pgdat, &t);

		pfn = sim_alloc_pages(pgdat, 0, GFP_KERNEL, 0);
		ASSERT_EQ(pfn, PB(10));
		ASSERT_EQ(pgdat->stats.nofragment_retry, 0);
		ASSERT_EQ(get_pageblock_migratetype(pgdat, PB(10)), MIGRATE_UNMOVABLE);
		ASSERT_EQ(normal->nr_free_mt[MIGRATE_MOVABLE], 8);	/* untouched */
		ASSERT_EXTFRAG(mmt_trace_nth(&t, MM_TRACE_EXTFRAG, 0), PB(10), 0, 9,
			       MIGRATE_UNMOVABLE, MIGRATE_MOVABLE, true);
		ASSERT_EQ(pgdat->stats.extfrag_fragmenting, 0);

		/* DMA32's pageblock used up: now only a fragmenting fallback remains */
		mmt_take_zone(MMT_DMA32(pgdat), true);
		mmt_trace_reset(&t);
		pfn = sim_alloc_pages(pgdat, 0, GFP_KERNEL, 0);
		ASSERT_EQ(pfn, npb);
		ASSERT_EQ(pgdat->stats.nofragment_retry, 1);
		ASSERT_EQ(mmt_trace_count(&t, MM_TRACE_EXTFRAG), 1);
		/* the rest of the block is in use by movable pages: no claim */
		ASSERT_EXTFRAG(mmt_trace_nth(&t, MM_TRACE_EXTFRAG, 0), npb, 0, 3,
			       MIGRATE_UNMOVABLE, MIGRATE_MOVABLE, false);
		ASSERT_EQ(pgdat->stats.extfrag_fragmenting, 1);
		mmt_trace_stop(pgdat, &t);
		mmt_finish(pgdat);
	}
}

void tests_register(void)
{
	CU_pSuite s = tests_add_suite("zones");

	tests_add(s, "1: orders are 0-10, order 11 fails", test_zones_item1_orders);
	tests_add(s, "2: an order-10 claim retypes its two pageblocks", test_zones_item2_pageblock);
	tests_add(s, "3: eleven orders, as buddyinfo shows", test_zones_item3_order_count);
	tests_add(s, "4: x86_64 zone boundaries", test_zones_item4_boundaries);
	tests_add(s, "5: every pageblock is MOVABLE after boot", test_zones_item5_boot_movable);
	tests_add(s, "6: the zonelist is walked from the highest allowed zone down",
		  test_zones_item6_zonelist);
	tests_add(s, "7: lowmem_reserve values per era", test_zones_item7_lowmem_reserve_values);
	tests_add(s, "7: GFP_HIGHUSER_MOVABLE sees DMA32's reserve except in 6.12.0",
		  test_zones_item7_lowmem_reserve_per_era);
	tests_add(s, "8: the first pass takes a whole pageblock elsewhere before fragmenting",
		  test_zones_item8_nofragment);
}
