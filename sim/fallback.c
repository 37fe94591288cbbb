// SPDX-License-Identifier: GPL-2.0-only
/*
 * Migratetype fallback: what __rmqueue() does when the requested type's
 * lists are empty, in the three eras the model follows.
 *
 *  [6.5]  mm/page_alloc.c of 6.1-6.9: __rmqueue_fallback() +
 *         steal_suitable_fallback(); stolen blocks move to the request's
 *         lists, so list and pageblock types may disagree.
 *  [6.12] 6.10-6.14 ("freelist migratetype hygiene"): same search, but a
 *         failed block claim hands out just the requested piece and keeps
 *         the remainder on the fallback type's lists.
 *  [6.15] 6.15+ (and 6.12.29+): __rmqueue_claim() from the largest buddy
 *         down, then __rmqueue_steal() of the smallest; the mode is cached
 *         across one rmqueue_bulk() refill.
 *
 * Every fallback emits one mm_page_alloc_extfrag (trace_extfrag()).
 */
#include "internal.h"

/* fallbacks[]: the order in which other types' lists are raided. */
static const int fallbacks[MIGRATE_PCPTYPES][MIGRATE_PCPTYPES - 1] = {
	[MIGRATE_UNMOVABLE]   = { MIGRATE_RECLAIMABLE, MIGRATE_MOVABLE },
	[MIGRATE_MOVABLE]     = { MIGRATE_RECLAIMABLE, MIGRATE_UNMOVABLE },
	[MIGRATE_RECLAIMABLE] = { MIGRATE_UNMOVABLE,   MIGRATE_MOVABLE },
};

/*
 * May a fallback from a buddy of @order take over its whole pageblock
 * (can_steal_fallback(), should_try_claim_block())?  Note @order is the
 * found buddy's order, not the request's.
 */
static bool can_steal_fallback(const struct pgdat *pgdat, unsigned int order, int start_mt)
{
	if (order >= PAGEBLOCK_ORDER)
		return true;
	return order >= PAGEBLOCK_ORDER / 2 || start_mt == MIGRATE_RECLAIMABLE ||
	       start_mt == MIGRATE_UNMOVABLE || pgdat->page_group_by_mobility_disabled;
}

/* First fallback type with a free block at @order, or -1 (find_suitable_fallback()). */
static int find_suitable_fallback(const struct zone *zone, unsigned int order, int start_mt,
				  bool *can_steal)
{
	*can_steal = false;
	if (!zone->free_area[order].nr_free)
		return -1;
	for (int i = 0; i < MIGRATE_PCPTYPES - 1; i++) {
		int fallback_mt = fallbacks[start_mt][i];

		if (free_area_empty(zone, order, fallback_mt))
			continue;
		*can_steal = can_steal_fallback(zone->pgdat, order, start_mt);
		return fallback_mt;
	}
	return -1;
}

/* Pages of a pageblock alike the request, for the half-a-block rule. */
static int alike_pages(int start_mt, int block_mt, int nr_free, int nr_movable)
{
	if (start_mt == MIGRATE_MOVABLE)
		return nr_movable;
	if (block_mt == MIGRATE_MOVABLE)
		return (int)PAGEBLOCK_NR_PAGES - (nr_free + nr_movable);
	return 0;	/* UNMOVABLE <-> RECLAIMABLE: cannot tell, be conservative */
}

static bool claim_threshold_met(const struct pgdat *pgdat, int nr_free, int alike)
{
	return nr_free + alike >= (int)(PAGEBLOCK_NR_PAGES / 2) ||
	       pgdat->page_group_by_mobility_disabled;
}

static void note_boost(struct zone *zone, unsigned int alloc_flags)
{
	if (boost_watermark(zone) && (alloc_flags & ALLOC_KSWAPD))
		zone->boosted_watermark = true;
}

/*
 * The classic fallback search (<= 6.14): the largest order with a
 * fallback block, but a movable request that cannot take the whole block
 * pollutes the smallest buddy instead of the largest.  False if none.
 */
static bool find_fallback(const struct zone *zone, unsigned int order, int start_mt,
			  unsigned int alloc_flags, int *current_order, int *fallback_mt,
			  bool *can_steal)
{
	unsigned int min_order = order;
	int co;

	if (order < PAGEBLOCK_ORDER && (alloc_flags & ALLOC_NOFRAGMENT))
		min_order = PAGEBLOCK_ORDER;
	for (co = MAX_PAGE_ORDER; co >= (int)min_order; co--) {
		*fallback_mt = find_suitable_fallback(zone, co, start_mt, can_steal);
		if (*fallback_mt == -1)
			continue;
		if (!*can_steal && start_mt == MIGRATE_MOVABLE && co > (int)order)
			break;			/* find the smallest instead */
		*current_order = co;
		return true;
	}
	if (co < (int)min_order)
		return false;
	for (co = order; co < NR_PAGE_ORDERS; co++) {
		*fallback_mt = find_suitable_fallback(zone, co, start_mt, can_steal);
		if (*fallback_mt != -1)
			break;
	}
	SIM_BUG_ON(co == NR_PAGE_ORDERS);
	*current_order = co;
	return true;
}

/* ------------------------------------------------------------------ */
/* [6.5]: 6.1 .. 6.9                                                   */
/* ------------------------------------------------------------------ */

static void steal_suitable_fallback_65(struct zone *zone, uint32_t pfn, unsigned int alloc_flags,
				       int start_mt, bool whole_block)
{
	struct pgdat *pgdat = zone->pgdat;
	unsigned int current_order = pg_order(pgdat->pages[pfn].info);
	int old_block_type = get_pageblock_migratetype(pgdat, pfn);
	int free_pages, movable_pages;

	if (old_block_type == MIGRATE_HIGHATOMIC)
		goto single_page;

	if (current_order >= PAGEBLOCK_ORDER) {
		change_pageblock_range(pgdat, pfn, current_order, start_mt);
		pgdat->stats.pageblock_claims += 1U << (current_order - PAGEBLOCK_ORDER);
		goto single_page;
	}

	note_boost(zone, alloc_flags);
	if (!whole_block)
		goto single_page;

	/* The free pages move to our lists before the decision is made. */
	free_pages = move_freepages_block(zone, pfn, start_mt, &movable_pages);
	if (free_pages <= 0)
		goto single_page;
	if (claim_threshold_met(pgdat, free_pages,
				alike_pages(start_mt, old_block_type, free_pages, movable_pages))) {
		set_pageblock_migratetype(pgdat, pfn, start_mt);
		pgdat->stats.pageblock_claims++;
	}
	return;

single_page:
	move_to_free_list(zone, pfn, current_order, start_mt);
}

static bool __rmqueue_fallback_65(struct zone *zone, unsigned int order, int start_mt,
				  unsigned int alloc_flags)
{
	int current_order, fallback_mt;
	bool can_steal;
	uint32_t pfn;

	if (!find_fallback(zone, order, start_mt, alloc_flags, &current_order, &fallback_mt,
			   &can_steal))
		return false;
	pfn = first_in_list(zone, current_order, fallback_mt);
	steal_suitable_fallback_65(zone, pfn, alloc_flags, start_mt, can_steal);
	trace_extfrag(zone, pfn, order, current_order, start_mt, fallback_mt);
	return true;
}

/* ------------------------------------------------------------------ */
/* [6.12]: 6.10 .. 6.14, as released in 6.12.0                         */
/* ------------------------------------------------------------------ */

static uint32_t steal_suitable_fallback_612(struct zone *zone, uint32_t pfn,
					    unsigned int current_order, unsigned int order,
					    int start_mt, unsigned int alloc_flags, bool whole_block)
{
	struct pgdat *pgdat = zone->pgdat;
	int block_type = get_pageblock_migratetype(pgdat, pfn);
	int free_pages, movable_pages;
	uint32_t start_pfn;

	if (block_type == MIGRATE_HIGHATOMIC)
		goto single_page;

	if (current_order >= PAGEBLOCK_ORDER) {
		del_from_free_list(zone, pfn, current_order);
		change_pageblock_range(pgdat, pfn, current_order, start_mt);
		pgdat->stats.pageblock_claims += 1U << (current_order - PAGEBLOCK_ORDER);
		expand(zone, pfn, order, current_order, start_mt);
		return pfn;
	}

	note_boost(zone, alloc_flags);
	if (!whole_block)
		goto single_page;
	if (!prep_move_freepages_block(zone, pfn, &start_pfn, &free_pages, &movable_pages))
		goto single_page;
	if (claim_threshold_met(pgdat, free_pages,
				alike_pages(start_mt, block_type, free_pages, movable_pages))) {
		move_freepages_block(zone, start_pfn, start_mt, NULL);
		set_pageblock_migratetype(pgdat, start_pfn, start_mt);
		pgdat->stats.pageblock_claims++;
		return __rmqueue_smallest(zone, order, start_mt);
	}

single_page:
	del_from_free_list(zone, pfn, current_order);
	expand(zone, pfn, order, current_order, block_type);
	return pfn;
}

static uint32_t __rmqueue_fallback_612(struct zone *zone, unsigned int order, int start_mt,
				       unsigned int alloc_flags)
{
	int current_order, fallback_mt;
	bool can_steal;
	uint32_t pfn;

	if (!find_fallback(zone, order, start_mt, alloc_flags, &current_order, &fallback_mt,
			   &can_steal))
		return PFN_NONE;
	pfn = first_in_list(zone, current_order, fallback_mt);
	pfn = steal_suitable_fallback_612(zone, pfn, current_order, order, start_mt,
					  alloc_flags, can_steal);
	trace_extfrag(zone, pfn, order, current_order, start_mt, fallback_mt);
	return pfn;
}

/* ------------------------------------------------------------------ */
/* [6.15]: 6.15 and later, stable 6.12.29+                             */
/* ------------------------------------------------------------------ */

/* try_to_claim_block() (try_to_steal_block() in 6.12.y stable). */
static uint32_t try_to_claim_block(struct zone *zone, uint32_t pfn, unsigned int current_order,
				   unsigned int order, int start_mt, unsigned int alloc_flags)
{
	struct pgdat *pgdat = zone->pgdat;
	int block_type = get_pageblock_migratetype(pgdat, pfn);
	int free_pages, movable_pages;
	uint32_t start_pfn;

	if (block_type == MIGRATE_HIGHATOMIC)
		return PFN_NONE;

	if (current_order >= PAGEBLOCK_ORDER) {
		del_from_free_list(zone, pfn, current_order);
		change_pageblock_range(pgdat, pfn, current_order, start_mt);
		pgdat->stats.pageblock_claims += 1U << (current_order - PAGEBLOCK_ORDER);
		expand(zone, pfn, order, current_order, start_mt);
		return pfn;
	}

	/* Boosts before counting: a failed claim boosts too. */
	note_boost(zone, alloc_flags);
	if (!prep_move_freepages_block(zone, pfn, &start_pfn, &free_pages, &movable_pages))
		return PFN_NONE;
	if (claim_threshold_met(pgdat, free_pages,
				alike_pages(start_mt, block_type, free_pages, movable_pages))) {
		move_freepages_block(zone, start_pfn, start_mt, NULL);
		set_pageblock_migratetype(pgdat, start_pfn, start_mt);
		pgdat->stats.pageblock_claims++;
		return __rmqueue_smallest(zone, order, start_mt);
	}
	return PFN_NONE;
}

static uint32_t __rmqueue_claim(struct zone *zone, unsigned int order, int start_mt,
				unsigned int alloc_flags)
{
	int min_order = (int)order;

	if (order < PAGEBLOCK_ORDER && (alloc_flags & ALLOC_NOFRAGMENT))
		min_order = PAGEBLOCK_ORDER;

	for (int current_order = MAX_PAGE_ORDER; current_order >= min_order; current_order--) {
		bool can_steal;
		int fallback_mt = find_suitable_fallback(zone, current_order, start_mt, &can_steal);
		uint32_t pfn;

		if (fallback_mt == -1)
			continue;
		if (!can_steal)
			break;		/* smaller buddies cannot be claimed either */
		pfn = first_in_list(zone, current_order, fallback_mt);
		pfn = try_to_claim_block(zone, pfn, current_order, order, start_mt, alloc_flags);
		if (pfn != PFN_NONE) {
			trace_extfrag(zone, pfn, order, current_order, start_mt, fallback_mt);
			return pfn;
		}
	}
	return PFN_NONE;
}

static uint32_t __rmqueue_steal(struct zone *zone, unsigned int order, int start_mt)
{
	for (unsigned int current_order = order; current_order < NR_PAGE_ORDERS; current_order++) {
		bool can_steal;
		int fallback_mt = find_suitable_fallback(zone, current_order, start_mt, &can_steal);
		uint32_t pfn;

		if (fallback_mt == -1)
			continue;
		pfn = first_in_list(zone, current_order, fallback_mt);
		del_from_free_list(zone, pfn, current_order);
		expand(zone, pfn, order, current_order, fallback_mt);
		trace_extfrag(zone, pfn, order, current_order, start_mt, fallback_mt);
		return pfn;
	}
	return PFN_NONE;
}

uint32_t __rmqueue(struct zone *zone, unsigned int order, int mt,
		   unsigned int alloc_flags, enum rmqueue_mode *mode)
{
	uint32_t pfn;

	switch (zone->pgdat->cfg.era) {
	case KERNEL_6_5:
		do {
			pfn = __rmqueue_smallest(zone, order, mt);
		} while (pfn == PFN_NONE && __rmqueue_fallback_65(zone, order, mt, alloc_flags));
		return pfn;
	case KERNEL_6_12:
		pfn = __rmqueue_smallest(zone, order, mt);
		if (pfn == PFN_NONE)
			pfn = __rmqueue_fallback_612(zone, order, mt, alloc_flags);
		return pfn;
	default:
		break;
	}

	/* [6.15]: resume at the stage that last succeeded in this refill. */
	switch (*mode) {
	case RMQUEUE_NORMAL:
		pfn = __rmqueue_smallest(zone, order, mt);
		if (pfn != PFN_NONE)
			return pfn;
		/* fall through */
	case RMQUEUE_CLAIM:
		pfn = __rmqueue_claim(zone, order, mt, alloc_flags);
		if (pfn != PFN_NONE) {
			*mode = RMQUEUE_NORMAL;	/* our lists were replenished */
			return pfn;
		}
		/* fall through */
	case RMQUEUE_STEAL:
		if (!(alloc_flags & ALLOC_NOFRAGMENT)) {
			pfn = __rmqueue_steal(zone, order, mt);
			if (pfn != PFN_NONE) {
				*mode = RMQUEUE_STEAL;
				return pfn;
			}
		}
	}
	return PFN_NONE;
}
