// SPDX-License-Identifier: GPL-2.0-only
/*
 * Checklist items 30-39 of docs/kernel-model.md section 10: migratetype
 * fallback in the three eras, with the mm_page_alloc_extfrag events it
 * emits.  Mirrors __rmqueue_fallback() and steal_suitable_fallback() of
 * 6.1 ([6.5]) and of mainline 6.10-6.14 ([6.12], from the 6.14.y
 * backport diff of "don't steal single pages from biggest buddy"), and
 * __rmqueue(), __rmqueue_claim(), try_to_steal_block() and
 * __rmqueue_steal() of Debian 6.12.117 ([6.15]).
 *
 * Every test builds its free lists in DMA32 of a 64 MiB guest whose
 * other pages are all in use (mmt_take_all()), with DMA32's marks at
 * 0/0/1000 so that any free page passes the check and boosts still
 * count; PB(n) is pageblock n (DMA32 starts at PB(8)).
 *
 * Not covered: CMA (not modelled; item 38's CMA part) and compaction
 * capture (item 38's [newest] part).
 */
#include "mm-helpers.h"

static const enum kernel_era eras[] = { KERNEL_6_5, KERNEL_6_12, KERNEL_6_15 };

#define U	MIGRATE_UNMOVABLE
#define M	MIGRATE_MOVABLE
#define R	MIGRATE_RECLAIMABLE
#define GFP_RECLAIMABLE	(GFP_KERNEL | __GFP_RECLAIMABLE)

/* Everything in use (@movable: by LRU-like pages), DMA32 marks 0/0/1000, tracing on. */
static struct pgdat *fb_guest(enum kernel_era era, bool movable, struct mmt_trace *t)
{
	struct pgdat *pgdat = mmt_guest(64, era);

	mmt_take_all(pgdat, movable);
	mmt_set_marks(MMT_DMA32(pgdat), 0, 0, 1000);
	mmt_trace_start(pgdat, t);
	return pgdat;
}

static void fb_finish(struct pgdat *pgdat, struct mmt_trace *t)
{
	mmt_trace_stop(pgdat, t);
	mmt_finish(pgdat);
}

static const struct mm_trace_event *extfrag(const struct mmt_trace *t, unsigned int n)
{
	return mmt_trace_nth(t, MM_TRACE_EXTFRAG, n);
}

/*
 * 30: UNMOVABLE falls back to RECLAIMABLE then MOVABLE, MOVABLE to
 * RECLAIMABLE then UNMOVABLE, RECLAIMABLE to UNMOVABLE then MOVABLE; the
 * table only orders types at one order (the search goes by order first).
 */
static void test_fallback_item30_table(void)
{
	static const struct {
		gfp_t gfp;
		int start, first, second;
	} rows[] = {
		{ GFP_KERNEL, U, R, M },
		{ GFP_HIGHUSER_MOVABLE, M, R, U },
		{ GFP_RECLAIMABLE, R, U, M },
	};

	for (size_t e = 0; e < G_N_ELEMENTS(eras); e++) {
		for (size_t i = 0; i < G_N_ELEMENTS(rows); i++) {
			struct mmt_trace t;
			struct pgdat *pgdat = fb_guest(eras[e], false, &t);

			/* one order-3 buddy of each fallback type, second one listed first */
			mmt_set_pageblock(pgdat, PB(12), rows[i].second);
			mmt_set_pageblock(pgdat, PB(14), rows[i].first);
			mmt_free(pgdat, PB(12) + 8, 3);
			mmt_free(pgdat, PB(14) + 8, 3);
			ASSERT_EQ(sim_alloc_pages(pgdat, 0, rows[i].gfp, 0), PB(14) + 8);
			ASSERT_EQ(mmt_trace_count(&t, MM_TRACE_EXTFRAG), 1);
			ASSERT_EQ(extfrag(&t, 0)->migratetype, rows[i].start);
			ASSERT_EQ(extfrag(&t, 0)->fallback_migratetype, rows[i].first);
			ASSERT_EQ(pgdat->stats.extfrag_pair[rows[i].start][rows[i].first], 1);
			fb_finish(pgdat, &t);
		}

		/* a claimable larger buddy of the second type beats a smaller first-choice one */
		{
			struct mmt_trace t;
			struct pgdat *pgdat = fb_guest(eras[e], false, &t);

			mmt_set_pageblock(pgdat, PB(12), R);
			mmt_free(pgdat, PB(12) + 8, 3);
			mmt_free(pgdat, PB(14) + 32, 5);	/* MOVABLE, rest unmovable: claimable */
			ASSERT_EQ(sim_alloc_pages(pgdat, 0, GFP_KERNEL, 0), PB(14) + 32);
			ASSERT_EQ(extfrag(&t, 0)->fallback_migratetype, M);
			ASSERT_EQ(extfrag(&t, 0)->fallback_order, 5);
			fb_finish(pgdat, &t);
		}
	}
}

/*
 * 31: whether a fallback may claim the pageblock depends on the found
 * buddy's order (>= 4) or an UNMOVABLE/RECLAIMABLE request, not on the
 * request's order.  A MOVABLE request next to 500 movable pages claims
 * the block through an order-4 buddy but not through an order-3 one.
 */
static void test_fallback_item31_claim_predicate(void)
{
	for (size_t e = 0; e < G_N_ELEMENTS(eras); e++) {
		for (unsigned int order = 3; order <= 4; order++) {
			struct mmt_trace t;
			struct pgdat *pgdat = fb_guest(eras[e], true, &t);
			uint32_t buddy = PB(12) + (1U << order);
			bool claim = order >= 4;

			mmt_set_pageblock(pgdat, PB(12), U);
			mmt_free(pgdat, buddy, order);
			ASSERT_EQ(sim_alloc_pages(pgdat, 0, GFP_HIGHUSER_MOVABLE, 0), buddy);
			ASSERT_EQ(get_pageblock_migratetype(pgdat, PB(12)), claim ? M : U);
			ASSERT_EXTFRAG(extfrag(&t, 0), buddy, 0, order, M, U, claim);
			fb_finish(pgdat, &t);
		}

		/* an UNMOVABLE request claims through a single free page */
		{
			struct mmt_trace t;
			struct pgdat *pgdat = fb_guest(eras[e], false, &t);

			mmt_free(pgdat, PB(12) + 1, 0);
			ASSERT_EQ(sim_alloc_pages(pgdat, 0, GFP_KERNEL, 0), PB(12) + 1);
			ASSERT_EQ(get_pageblock_migratetype(pgdat, PB(12)), U);
			ASSERT_EXTFRAG(extfrag(&t, 0), PB(12) + 1, 0, 0, U, M, true);
			fb_finish(pgdat, &t);
		}
	}
}

/*
 * 32: a pageblock is claimed iff free + alike >= 256, alike being (UNMOVABLE
 * into MOVABLE) 512 - free - movable, (UNMOVABLE into RECLAIMABLE) 0; a
 * fallback buddy of order >= 9 always retypes what it covers.
 */
static void test_fallback_item32_threshold(void)
{
	for (size_t e = 0; e < G_N_ELEMENTS(eras); e++) {
		/* 8 free, 256 or 257 movable, the rest unmovable: 256 or 255 alike */
		for (uint32_t movable = 256; movable <= 257; movable++) {
			struct mmt_trace t;
			struct pgdat *pgdat = fb_guest(eras[e], false, &t);
			bool claim = movable == 256;

			mmt_free(pgdat, PB(12) + 8, 3);
			mmt_set_movable(pgdat, PB(12) + 16, movable, true);
			CU_ASSERT(sim_alloc_pages(pgdat, 0, GFP_KERNEL, 0) != PFN_NONE);
			ASSERT_EQ(get_pageblock_migratetype(pgdat, PB(12)), claim ? U : M);
			ASSERT_EQ(extfrag(&t, 0)->change_ownership, claim);
			ASSERT_EQ(pgdat->stats.pageblock_claims, claim);
			fb_finish(pgdat, &t);
		}

		/* UNMOVABLE into RECLAIMABLE: free pages alone, 255 or 256 */
		for (unsigned int top = 7; top <= 8; top++) {
			struct mmt_trace t;
			struct pgdat *pgdat = fb_guest(eras[e], true, &t);
			bool claim = top == 8;

			mmt_set_pageblock(pgdat, PB(12), R);
			if (claim) {
				mmt_free(pgdat, PB(12) + 256, 8);
			} else {
				/* [1, 256): orders 0..7 at 2^order, 255 pages */
				for (unsigned int o = 0; o <= 7; o++)
					mmt_free(pgdat, PB(12) + (1U << o), o);
			}
			ASSERT_EQ(MMT_DMA32(pgdat)->nr_free_pages, claim ? 256 : 255);
			CU_ASSERT(sim_alloc_pages(pgdat, 0, GFP_KERNEL, 0) != PFN_NONE);
			ASSERT_EQ(get_pageblock_migratetype(pgdat, PB(12)), claim ? U : R);
			fb_finish(pgdat, &t);
		}

		/* an order-9 buddy: claimed, not fragmenting, in movable company or not */
		{
			struct mmt_trace t;
			struct pgdat *pgdat = fb_guest(eras[e], true, &t);

			mmt_free(pgdat, PB(12), 9);
			ASSERT_EQ(sim_alloc_pages(pgdat, 0, GFP_RECLAIMABLE, 0), PB(12));
			ASSERT_EQ(get_pageblock_migratetype(pgdat, PB(12)), R);
			ASSERT_EXTFRAG(extfrag(&t, 0), PB(12), 0, 9, R, M, true);
			ASSERT_EQ(pgdat->stats.boost, 0);
			fb_finish(pgdat, &t);
		}
	}
}

/*
 * The worked example.  All memory in use by movable pages except:
 *   PB(12): an order-5 buddy at +64 (32 free, 480 movable: no claim);
 *   PB(14): an order-3 buddy at +8 (8 free, 504 movable: no claim).
 * Two UNMOVABLE order-0 requests (GFP_KERNEL), no UNMOVABLE page free.
 */
static struct pgdat *worked_example(enum kernel_era era, struct mmt_trace *t)
{
	struct pgdat *pgdat = fb_guest(era, true, t);

	mmt_free(pgdat, PB(12) + 64, 5);
	mmt_free(pgdat, PB(14) + 8, 3);
	return pgdat;
}

/*
 * 33, 35, 36: the worked example side by side.  The page handed out, the
 * extfrag event (pfn, alloc_order, fallback_order, alloc/fallback type,
 * fragmenting, change_ownership) and the boosts, per era:
 *   [6.5]  the biggest buddy is stolen whole onto UNMOVABLE lists;
 *   [6.12] one page out of the biggest buddy, the rest stays MOVABLE;
 *   [6.15] claims fail on orders 5 and 3, the smallest buddy is split.
 */
static void test_fallback_worked_example_per_era(void)
{
	static const struct {
		uint32_t page, ev_pfn;
		unsigned int fb_order, boosts;
		long unmovable_after;		/* free pages left on UNMOVABLE lists */
	} want[] = {
		[KERNEL_6_5] = { PB(12) + 64, PB(12) + 64, 5, 1, 31 },
		[KERNEL_6_12] = { PB(12) + 64, PB(12) + 64, 5, 1, 0 },
		[KERNEL_6_15] = { PB(14) + 8, PB(14) + 8, 3, 2, 0 },
	};

	for (size_t e = 0; e < G_N_ELEMENTS(eras); e++) {
		struct mmt_trace t;
		struct pgdat *pgdat = worked_example(eras[e], &t);
		const struct mm_trace_event *ev;

		ASSERT_EQ(sim_alloc_pages(pgdat, 0, GFP_KERNEL, 0), want[eras[e]].page);
		ASSERT_EQ(mmt_trace_count(&t, MM_TRACE_EXTFRAG), 1);
		ev = extfrag(&t, 0);
		ASSERT_EXTFRAG(ev, want[eras[e]].ev_pfn, 0, want[eras[e]].fb_order, U, M, false);
		CU_ASSERT(ev->fallback_order < PAGEBLOCK_ORDER);	/* fragmenting = 1 */
		ASSERT_EQ(pgdat->stats.extfrag_fragmenting, 1);
		ASSERT_EQ(pgdat->stats.extfrag_change_ownership, 0);
		ASSERT_EQ(pgdat->stats.boost, want[eras[e]].boosts);
		ASSERT_EQ(MMT_DMA32(pgdat)->nr_free_mt[U], want[eras[e]].unmovable_after);
		ASSERT_EQ(get_pageblock_migratetype(pgdat, PB(12)), M);
		ASSERT_EQ(get_pageblock_migratetype(pgdat, PB(14)), M);
		fb_finish(pgdat, &t);
	}
}

/*
 * 33 [<=6.9]: the request takes the head buddy of the highest order with
 * a fallback list (order 5), boosts, moves the pageblock's free pages to
 * the UNMOVABLE lists without claiming it, emits one event for the
 * stolen buddy (fragmenting, no change of ownership) and is served from
 * the moved buddy; the next request is served from its remainder
 * without an event.  A claimable block is retyped, and an order >= 9
 * buddy retypes its pageblocks without a boost.
 */
static void test_fallback_item33_unmovable_65(void)
{
	struct mmt_trace t;
	struct pgdat *pgdat = worked_example(KERNEL_6_5, &t);
	struct zone *dma32 = MMT_DMA32(pgdat);

	ASSERT_EQ(sim_alloc_pages(pgdat, 0, GFP_KERNEL, 0), PB(12) + 64);
	ASSERT_EQ(mmt_trace_count(&t, MM_TRACE_EXTFRAG), 1);
	ASSERT_EXTFRAG(extfrag(&t, 0), PB(12) + 64, 0, 5, U, M, false);
	ASSERT_EQ(pgdat->stats.extfrag_fragmenting, 1);
	ASSERT_EQ(pgdat->stats.boost, 1);
	ASSERT_EQ(get_pageblock_migratetype(pgdat, PB(12)), M);
	/* the remainder sits on UNMOVABLE lists inside a MOVABLE pageblock */
	ASSERT_LIST(dma32, 4, U, PB(12) + 80);
	ASSERT_LIST(dma32, 0, U, PB(12) + 65);
	ASSERT_EQ(dma32->nr_free_mt[U], 31);

	ASSERT_EQ(sim_alloc_pages(pgdat, 0, GFP_KERNEL, 0), PB(12) + 65);
	ASSERT_EQ(mmt_trace_count(&t, MM_TRACE_EXTFRAG), 1);
	ASSERT_EQ(mmt_trace_count(&t, MM_TRACE_ZONE_LOCKED), 2);
	fb_finish(pgdat, &t);

	/* claimable: free order-8 and order-4 buddies, 240 unmovable pages */
	pgdat = fb_guest(KERNEL_6_5, false, &t);
	dma32 = MMT_DMA32(pgdat);
	mmt_free(pgdat, PB(16) + 16, 4);
	mmt_free(pgdat, PB(16) + 256, 8);
	ASSERT_EQ(sim_alloc_pages(pgdat, 0, GFP_KERNEL, 0), PB(16) + 16);
	/* the event names the stolen buddy, not the page handed out */
	ASSERT_EXTFRAG(extfrag(&t, 0), PB(16) + 256, 0, 8, U, M, true);
	ASSERT_EQ(get_pageblock_migratetype(pgdat, PB(16)), U);
	ASSERT_LIST(dma32, 8, U, PB(16) + 256);
	fb_finish(pgdat, &t);

	/* order >= 9: retype, no boost, not fragmenting */
	pgdat = fb_guest(KERNEL_6_5, true, &t);
	mmt_free(pgdat, PB(14), 10);
	ASSERT_EQ(sim_alloc_pages(pgdat, 0, GFP_KERNEL, 0), PB(14));
	ASSERT_EXTFRAG(extfrag(&t, 0), PB(14), 0, 10, U, M, true);
	ASSERT_EQ(get_pageblock_migratetype(pgdat, PB(14)), U);
	ASSERT_EQ(get_pageblock_migratetype(pgdat, PB(15)), U);
	ASSERT_EQ(pgdat->stats.boost, 0);
	ASSERT_EQ(pgdat->stats.extfrag_fragmenting, 0);
	fb_finish(pgdat, &t);
}

/*
 * MOVABLE example: all memory in use by unmovable pages except UNMOVABLE
 * pageblocks PB(12) with an order-2 buddy at +4 and PB(14) with an
 * order-3 buddy at +8; with @big, also PB(16) with an order-5 buddy at +32.
 */
static struct pgdat *movable_example(enum kernel_era era, bool big, struct mmt_trace *t)
{
	struct pgdat *pgdat = fb_guest(era, false, t);

	mmt_set_pageblock(pgdat, PB(12), U);
	mmt_set_pageblock(pgdat, PB(14), U);
	mmt_free(pgdat, PB(12) + 4, 2);
	mmt_free(pgdat, PB(14) + 8, 3);
	if (big) {
		mmt_set_pageblock(pgdat, PB(16), U);
		mmt_free(pgdat, PB(16) + 32, 5);
	}
	return pgdat;
}

/*
 * 34 [<=6.9]: a MOVABLE order-0 request takes the smallest fallback
 * buddy (order 2, not the order-3 one) unless the largest has order >= 4;
 * it moves that whole buddy to the MOVABLE list, emits one event, and the
 * next requests are served from the remainder without events.
 */
static void test_fallback_item34_movable_65(void)
{
	struct mmt_trace t;
	struct pgdat *pgdat = movable_example(KERNEL_6_5, false, &t);

	for (uint32_t i = 0; i < 4; i++)
		ASSERT_EQ(sim_alloc_pages(pgdat, 0, GFP_HIGHUSER_MOVABLE, 0), PB(12) + 4 + i);
	ASSERT_EQ(mmt_trace_count(&t, MM_TRACE_EXTFRAG), 1);
	ASSERT_EXTFRAG(extfrag(&t, 0), PB(12) + 4, 0, 2, M, U, false);
	ASSERT_EQ(pgdat->stats.boost, 1);
	ASSERT_EQ(get_pageblock_migratetype(pgdat, PB(12)), U);
	fb_finish(pgdat, &t);

	/* an order-5 buddy: worked on as in item 33 (no claim: nothing movable) */
	pgdat = movable_example(KERNEL_6_5, true, &t);
	ASSERT_EQ(sim_alloc_pages(pgdat, 0, GFP_HIGHUSER_MOVABLE, 0), PB(16) + 32);
	ASSERT_EXTFRAG(extfrag(&t, 0), PB(16) + 32, 0, 5, M, U, false);
	ASSERT_EQ(MMT_DMA32(pgdat)->nr_free_mt[M], 31);
	fb_finish(pgdat, &t);
}

/*
 * 35 [6.12.0]: the same search, but a failed claim hands out only the
 * requested page and leaves the remainder on the fallback type's lists:
 * UNMOVABLE requests fracture the biggest buddy, one event each;
 * MOVABLE requests take the smallest, one event each.
 */
static void test_fallback_item35_single_page_612(void)
{
	struct mmt_trace t;
	struct pgdat *pgdat = worked_example(KERNEL_6_12, &t);
	struct zone *dma32 = MMT_DMA32(pgdat);

	ASSERT_EQ(sim_alloc_pages(pgdat, 0, GFP_KERNEL, 0), PB(12) + 64);
	ASSERT_EXTFRAG(extfrag(&t, 0), PB(12) + 64, 0, 5, U, M, false);
	ASSERT_EQ(dma32->nr_free_mt[U], 0);
	/* expand() queued the halves at the heads of the MOVABLE lists */
	ASSERT_LIST(dma32, 3, M, PB(12) + 72, PB(14) + 8);
	ASSERT_EQ(sim_alloc_pages(pgdat, 0, GFP_KERNEL, 0), PB(12) + 80);	/* order 4 now */
	ASSERT_EQ(mmt_trace_count(&t, MM_TRACE_EXTFRAG), 2);
	ASSERT_EXTFRAG(extfrag(&t, 1), PB(12) + 80, 0, 4, U, M, false);
	ASSERT_EQ(pgdat->stats.boost, 2);
	/* [6.10+] such pages did not come through __rmqueue_smallest() */
	ASSERT_EQ(mmt_trace_count(&t, MM_TRACE_ZONE_LOCKED), 0);
	fb_finish(pgdat, &t);

	pgdat = movable_example(KERNEL_6_12, false, &t);
	for (uint32_t i = 0; i < 4; i++)
		ASSERT_EQ(sim_alloc_pages(pgdat, 0, GFP_HIGHUSER_MOVABLE, 0), PB(12) + 4 + i);
	ASSERT_EQ(mmt_trace_count(&t, MM_TRACE_EXTFRAG), 4);
	ASSERT_EXTFRAG(extfrag(&t, 0), PB(12) + 4, 0, 2, M, U, false);
	ASSERT_EXTFRAG(extfrag(&t, 1), PB(12) + 5, 0, 0, M, U, false);
	ASSERT_EXTFRAG(extfrag(&t, 2), PB(12) + 6, 0, 1, M, U, false);
	ASSERT_EXTFRAG(extfrag(&t, 3), PB(12) + 7, 0, 0, M, U, false);
	ASSERT_EQ(pgdat->stats.boost, 4);
	fb_finish(pgdat, &t);

	pgdat = movable_example(KERNEL_6_12, true, &t);
	ASSERT_EQ(sim_alloc_pages(pgdat, 0, GFP_HIGHUSER_MOVABLE, 0), PB(16) + 32);
	ASSERT_EXTFRAG(extfrag(&t, 0), PB(16) + 32, 0, 5, M, U, false);
	ASSERT_EQ(MMT_DMA32(pgdat)->nr_free_mt[M], 0);
	fb_finish(pgdat, &t);

	/* a successful claim: the event names the page handed out */
	pgdat = fb_guest(KERNEL_6_12, false, &t);
	mmt_free(pgdat, PB(16) + 16, 4);
	mmt_free(pgdat, PB(16) + 256, 8);
	ASSERT_EQ(sim_alloc_pages(pgdat, 0, GFP_KERNEL, 0), PB(16) + 16);
	ASSERT_EXTFRAG(extfrag(&t, 0), PB(16) + 16, 0, 8, U, M, true);
	fb_finish(pgdat, &t);
}

/*
 * 36 [6.15+, 6.12.29+]: claims are tried from order 10 down, going on
 * after each failure (each boosting); then the smallest fallback buddy
 * is split and the remainder left on its list; one event per claim or
 * steal.
 */
static void test_fallback_item36_claim_then_steal_615(void)
{
	struct mmt_trace t;
	struct pgdat *pgdat = worked_example(KERNEL_6_15, &t);
	struct zone *dma32 = MMT_DMA32(pgdat);

	/* claims on order 5 and order 3 fail; the order-3 buddy is the smallest */
	ASSERT_EQ(sim_alloc_pages(pgdat, 0, GFP_KERNEL, 0), PB(14) + 8);
	ASSERT_EQ(mmt_trace_count(&t, MM_TRACE_EXTFRAG), 1);
	ASSERT_EXTFRAG(extfrag(&t, 0), PB(14) + 8, 0, 3, U, M, false);
	ASSERT_EQ(pgdat->stats.boost, 2);
	ASSERT_EQ(dma32->nr_free_mt[U], 0);
	ASSERT_LIST(dma32, 5, M, PB(12) + 64);
	/* next: claims on orders 5, 2, 1, 0 fail, the order-0 remainder is stolen */
	ASSERT_EQ(sim_alloc_pages(pgdat, 0, GFP_KERNEL, 0), PB(14) + 9);
	ASSERT_EXTFRAG(extfrag(&t, 1), PB(14) + 9, 0, 0, U, M, false);
	ASSERT_EQ(pgdat->stats.boost, 2 + 4);
	ASSERT_EQ(mmt_trace_count(&t, MM_TRACE_ZONE_LOCKED), 0);
	fb_finish(pgdat, &t);

	/* a successful claim of a partial block: the event names the page handed out */
	pgdat = fb_guest(KERNEL_6_15, false, &t);
	mmt_free(pgdat, PB(16) + 16, 4);
	mmt_free(pgdat, PB(16) + 256, 8);
	ASSERT_EQ(sim_alloc_pages(pgdat, 0, GFP_KERNEL, 0), PB(16) + 16);
	ASSERT_EXTFRAG(extfrag(&t, 0), PB(16) + 16, 0, 8, U, M, true);
	ASSERT_EQ(mmt_trace_count(&t, MM_TRACE_ZONE_LOCKED), 1);
	fb_finish(pgdat, &t);

	/* MOVABLE: steal from the smallest, even with an order-5 claim candidate */
	pgdat = movable_example(KERNEL_6_15, true, &t);
	ASSERT_EQ(sim_alloc_pages(pgdat, 0, GFP_HIGHUSER_MOVABLE, 0), PB(12) + 4);
	ASSERT_EXTFRAG(extfrag(&t, 0), PB(12) + 4, 0, 2, M, U, false);
	ASSERT_EQ(pgdat->stats.boost, 1);		/* the failed order-5 claim */
	fb_finish(pgdat, &t);
}

/*
 * 36: within one rmqueue_bulk() refill, once a steal succeeded the rest
 * of the refill steals without new claim attempts (no more boosts).
 * [6.12] tries (and boosts) for every page; [6.5] moves the buddy once.
 * A 128 MiB guest with PCP (batch 7) and the worked example's buddies.
 */
static void test_fallback_item36_refill_mode(void)
{
	for (size_t e = 0; e < G_N_ELEMENTS(eras); e++) {
		struct sim_config cfg;
		struct pgdat *pgdat;
		struct mmt_trace t;
		static const unsigned int boosts[] = { 1, 7, 2 };
		static const unsigned int events[] = { 1, 7, 7 };

		mmt_config(&cfg, 128, eras[e]);
		cfg.pcp = true;
		pgdat = mmt_create(&cfg);
		ASSERT_EQ(MMT_DMA32(pgdat)->pcp_batch, 7);
		mmt_take_all(pgdat, true);
		mmt_set_marks(MMT_DMA32(pgdat), 0, 0, 1000);
		mmt_free(pgdat, PB(12) + 64, 5);
		mmt_free(pgdat, PB(14) + 8, 3);
		sim_drain_all_pages(pgdat);
		mmt_trace_start(pgdat, &t);

		CU_ASSERT(sim_alloc_pages(pgdat, 0, GFP_KERNEL, 0) != PFN_NONE);
		ASSERT_EQ(zone_pcp(pgdat, 0, MMT_DMA32(pgdat))->count, 6);
		ASSERT_EQ(pgdat->stats.boost, boosts[e]);
		ASSERT_EQ(mmt_trace_count(&t, MM_TRACE_EXTFRAG), events[e]);
		if (eras[e] == KERNEL_6_15) {
			/* all seven from the order-3 buddy, smallest piece first */
			for (unsigned int i = 0; i < 7; i++) {
				ASSERT_EQ(extfrag(&t, i)->change_ownership, false);
				CU_ASSERT(extfrag(&t, i)->pfn >= PB(14) + 8 &&
					  extfrag(&t, i)->pfn < PB(14) + 16);
			}
		}
		mmt_trace_stop(pgdat, &t);
		mmt_finish(pgdat);
	}
}

/*
 * 36/8: with ALLOC_NOFRAGMENT only buddies of order >= 9 may be claimed
 * and nothing is stolen, in every era.
 */
static void test_fallback_item36_nofragment(void)
{
	for (size_t e = 0; e < G_N_ELEMENTS(eras); e++) {
		struct mmt_trace t;
		struct pgdat *pgdat = worked_example(eras[e], &t);
		struct zone *dma32 = MMT_DMA32(pgdat);
		enum rmqueue_mode mode = RMQUEUE_NORMAL;

		CU_ASSERT(__rmqueue(dma32, 0, U, ALLOC_NOFRAGMENT, &mode) == PFN_NONE);
		ASSERT_EQ(mmt_trace_count(&t, MM_TRACE_EXTFRAG), 0);
		ASSERT_EQ(pgdat->stats.boost, 0);
		mmt_assert_valid(pgdat);
		mmt_free(pgdat, PB(18), 9);
		mode = RMQUEUE_NORMAL;
		ASSERT_EQ(__rmqueue(dma32, 0, U, ALLOC_NOFRAGMENT, &mode), PB(18));
		mmt_mark_allocated(pgdat, PB(18), 0, U);
		ASSERT_EXTFRAG(extfrag(&t, 0), PB(18), 0, 9, U, M, true);
		fb_finish(pgdat, &t);
	}
}

/*
 * 37 [6.15+]: a MOVABLE request never tries to claim through a buddy
 * below order 4 and so never boosts for it, while [<=6.14] boosts on
 * every such fallback.
 */
static void test_fallback_item37_movable_no_boost(void)
{
	for (size_t e = 0; e < G_N_ELEMENTS(eras); e++) {
		struct mmt_trace t;
		/* order-3 buddy next to 504 movable pages: claimable, were it tried */
		struct pgdat *pgdat = fb_guest(eras[e], true, &t);

		mmt_set_pageblock(pgdat, PB(12), U);
		mmt_free(pgdat, PB(12) + 8, 3);
		for (int i = 0; i < 3; i++)
			CU_ASSERT(sim_alloc_pages(pgdat, 0, GFP_HIGHUSER_MOVABLE, 0) != PFN_NONE);
		ASSERT_EQ(get_pageblock_migratetype(pgdat, PB(12)), U);
		ASSERT_EQ(pgdat->stats.pageblock_claims, 0);
		switch (eras[e]) {
		case KERNEL_6_5:
			ASSERT_EQ(pgdat->stats.boost, 1);	/* one fallback, then the remainder */
			break;
		case KERNEL_6_12:
			ASSERT_EQ(pgdat->stats.boost, 3);
			break;
		default:
			ASSERT_EQ(pgdat->stats.boost, 0);
			break;
		}
		fb_finish(pgdat, &t);
	}
}

/*
 * 38: HIGHATOMIC is never fallen back into and its use emits no extfrag:
 * high-order atomic requests take it first, order-0 non-blocking ones
 * after the normal path failed, GFP_KERNEL never.  Who may use it for
 * order > 0: [6.5, 6.12.0] any non-reclaiming request (GFP_NOWAIT too),
 * [6.15, 6.12.54+] only __GFP_HIGH ones.
 */
static void test_fallback_item38_highatomic(void)
{
	for (size_t e = 0; e < G_N_ELEMENTS(eras); e++) {
		struct mmt_trace t;
		struct pgdat *pgdat = fb_guest(eras[e], true, &t);
		struct zone *dma32 = MMT_DMA32(pgdat);
		enum rmqueue_mode mode = RMQUEUE_NORMAL;
		bool nowait_ok = eras[e] != KERNEL_6_15;

		mmt_set_pageblock(pgdat, PB(20), MIGRATE_HIGHATOMIC);
		dma32->nr_reserved_highatomic = PAGEBLOCK_NR_PAGES;
		mmt_free(pgdat, PB(20), 5);

		for (int mt = 0; mt < MIGRATE_PCPTYPES; mt++)
			CU_ASSERT(__rmqueue(dma32, 0, mt, 0, &mode) == PFN_NONE);
		CU_ASSERT(sim_alloc_pages(pgdat, 0, GFP_KERNEL, 0) == PFN_NONE);
		CU_ASSERT(sim_alloc_pages(pgdat, 0, GFP_KERNEL, 1) == PFN_NONE);
		ASSERT_EQ(sim_alloc_pages(pgdat, 0, GFP_ATOMIC, 1), PB(20));
		ASSERT_EQ(sim_alloc_pages(pgdat, 0, GFP_ATOMIC, 0), PB(20) + 2);
		ASSERT_EQ(sim_alloc_pages(pgdat, 0, GFP_NOWAIT, 1),
			  nowait_ok ? PB(20) + 4 : PFN_NONE);
		ASSERT_EQ(mmt_trace_count(&t, MM_TRACE_EXTFRAG), 0);
		ASSERT_EQ(pgdat->stats.extfrag, 0);
		ASSERT_EQ(get_pageblock_migratetype(pgdat, PB(20)), MIGRATE_HIGHATOMIC);
		fb_finish(pgdat, &t);
	}
}

/*
 * 39: fragmenting = fallback_order < 9; change_ownership = the
 * pageblock's type equals the request's when the event fires.  The
 * counters agree with the events.
 */
static void test_fallback_item39_event_fields(void)
{
	for (size_t e = 0; e < G_N_ELEMENTS(eras); e++) {
		struct mmt_trace t;
		struct pgdat *pgdat = fb_guest(eras[e], false, &t);
		unsigned int frag = 0, owner = 0;

		mmt_free(pgdat, PB(12), 9);			/* claimed whole */
		mmt_free(pgdat, PB(14) + 16, 4);		/* claimed: rest unmovable */
		mmt_set_pageblock(pgdat, PB(16), U);
		mmt_free(pgdat, PB(16) + 8, 3);			/* MOVABLE steals from it */
		ASSERT_EQ(sim_alloc_pages(pgdat, 0, GFP_KERNEL, 9), PB(12));
		ASSERT_EQ(sim_alloc_pages(pgdat, 0, GFP_RECLAIMABLE, 4), PB(14) + 16);
		ASSERT_EQ(sim_alloc_pages(pgdat, 0, GFP_HIGHUSER_MOVABLE, 0), PB(16) + 8);
		ASSERT_EQ(mmt_trace_count(&t, MM_TRACE_EXTFRAG), 3);
		for (unsigned int i = 0; i < 3; i++) {
			const struct mm_trace_event *ev = extfrag(&t, i);

			frag += ev->fallback_order < PAGEBLOCK_ORDER;
			owner += ev->change_ownership;
			ASSERT_EQ(ev->change_ownership,
				  get_pageblock_migratetype(pgdat, ev->pfn) == ev->migratetype);
		}
		ASSERT_EQ(frag, 2);
		ASSERT_EQ(owner, 2);
		ASSERT_EQ(pgdat->stats.extfrag, 3);
		ASSERT_EQ(pgdat->stats.extfrag_fragmenting, frag);
		ASSERT_EQ(pgdat->stats.extfrag_change_ownership, owner);
		ASSERT_EQ(pgdat->stats.extfrag_pair[U][M], 1);
		ASSERT_EQ(pgdat->stats.extfrag_pair[R][M], 1);
		ASSERT_EQ(pgdat->stats.extfrag_pair[M][U], 1);
		fb_finish(pgdat, &t);
	}
}

void tests_register(void)
{
	CU_pSuite s = tests_add_suite("fallback");

	tests_add(s, "30: the fallback table, per start type", test_fallback_item30_table);
	tests_add(s, "31: claiming depends on the found buddy's order",
		  test_fallback_item31_claim_predicate);
	tests_add(s, "32: claim iff free + alike >= 256; order >= 9 always",
		  test_fallback_item32_threshold);
	tests_add(s, "33, 35, 36: the worked UNMOVABLE order-0 example in each era",
		  test_fallback_worked_example_per_era);
	tests_add(s, "33: 6.5: UNMOVABLE order 0 steals the biggest buddy, one event",
		  test_fallback_item33_unmovable_65);
	tests_add(s, "34: 6.5: MOVABLE order 0 moves the smallest buddy, one event",
		  test_fallback_item34_movable_65);
	tests_add(s, "35: 6.12.0: single pages from the chosen buddy, an event each",
		  test_fallback_item35_single_page_612);
	tests_add(s, "36: 6.15: claim from the top, else steal the smallest",
		  test_fallback_item36_claim_then_steal_615);
	tests_add(s, "36: 6.15: a refill keeps stealing once it stole",
		  test_fallback_item36_refill_mode);
	tests_add(s, "36: NOFRAGMENT claims only whole pageblocks",
		  test_fallback_item36_nofragment);
	tests_add(s, "37: 6.15: MOVABLE never claims or boosts below order 4",
		  test_fallback_item37_movable_no_boost);
	tests_add(s, "38: HIGHATOMIC is used without fallback events, never fallen into",
		  test_fallback_item38_highatomic);
	tests_add(s, "39: fragmenting and change_ownership fields", test_fallback_item39_event_fields);
}
