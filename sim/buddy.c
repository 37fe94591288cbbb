// SPDX-License-Identifier: GPL-2.0-only
/*
 * The buddy free lists: insertion and removal, splitting (expand()),
 * __rmqueue_smallest(), merging on free (__free_one_page()), and moving
 * the free blocks of a pageblock between lists.
 *
 * Mirrors mm/page_alloc.c of Linux 6.12 (and 6.1-6.9 where marked [<=6.9]).
 * Free lists are rings of pfns in list order (struct free_list in mm.h);
 * only block heads are on lists, as with the kernel's PageBuddy pages.
 */
#include "internal.h"

#define FREE_LIST_MIN	16U		/* ring entries of a new or squeezed list */
#define FREE_LIST_AHEAD	8U		/* blocks of look-ahead when popping the head */

void free_list_init(struct free_list *fl)
{
	fl->ring = g_new(uint32_t, FREE_LIST_MIN);
	fl->mask = FREE_LIST_MIN - 1;
	fl->first = fl->end = 0;
	fl->nr = 0;
}

void free_list_destroy(struct free_list *fl)
{
	g_free(fl->ring);
	fl->ring = NULL;
}

/* Move the ring to one of @cap entries; positions stay, slots change. */
static void free_list_resize(struct free_list *fl, uint32_t cap)
{
	uint32_t *ring = g_new(uint32_t, cap);

	for (uint32_t i = fl->first; i != fl->end; i++)
		ring[i & (cap - 1)] = fl->ring[i & fl->mask];
	g_free(fl->ring);
	fl->ring = ring;
	fl->mask = cap - 1;
}

/*
 * The ring is full (end - first == mask + 1).  If holes make up half of
 * it, squeeze the blocks together towards the head, in order, telling
 * each its new position (amortised: a squeeze of n entries removes at
 * least n/2 holes); and give memory back if the list has shrunk to an
 * eighth.  Otherwise double the ring: positions are free-running, so
 * every block keeps its position and only its slot changes.
 */
static G_GNUC_NO_INLINE void free_list_make_room(struct pgdat *pgdat, struct free_list *fl)
{
	uint32_t cap = fl->mask + 1;

	if (fl->nr <= cap / 2) {
		uint32_t j = fl->first;
		uint32_t *ring = fl->ring;
		uint32_t mask = fl->mask;

		for (uint32_t i = fl->first; i != fl->end; i++) {
			uint32_t pfn = ring[i & mask];

			if (pfn == PFN_NONE)
				continue;
			ring[j & mask] = pfn;
			pgdat->pages[pfn].fl_pos = j++;
		}
		fl->end = j;
		if (fl->nr <= cap / 8 && cap > FREE_LIST_MIN)
			free_list_resize(fl, MAX(FREE_LIST_MIN, cap / 4));
		return;
	}
	SIM_BUG_ON(cap > UINT32_MAX / 2);
	free_list_resize(fl, cap * 2);
}

/*
 * Put the free block at @pfn on free_list[@mt] of @order, at the head or
 * the tail, and account it in NR_FREE_PAGES.  Inline in this file, where
 * the hot callers are (expand(), __free_one_page()); a full ring is the
 * out-of-line case, so the common one saves no registers.
 */
static void add_block_make_room(struct zone *zone, uint32_t pfn, unsigned int order, int mt,
				bool tail);

static inline __attribute__((always_inline)) void add_block(struct zone *zone, uint32_t pfn, unsigned int order, int mt, bool tail)
{
	struct sim_page *page = &zone->pgdat->pages[pfn];
	struct free_area *area = &zone->free_area[order];
	struct free_list *fl = &area->free_list[mt];
	uint32_t first = fl->first, end = fl->end, pos;

	SIM_BUG_ON(pfn & ((1U << order) - 1));
	if (!fl->nr) {
		first = end = 0;
		zone->nonempty[mt] |= 1U << order;
	} else if (G_UNLIKELY(end - first > fl->mask)) {
		add_block_make_room(zone, pfn, order, mt, tail);
		return;
	}
	if (tail)
		pos = end++;
	else
		pos = --first;
	fl->first = first;
	fl->end = end;
	fl->nr++;
	fl->ring[pos & fl->mask] = pfn;
	page->fl_pos = pos;
	page->info = pg_make(PG_BUDDY, order, (unsigned int)mt);
	area->nr_free++;
	zone->nr_free_mt[mt] += 1L << order;
	zone->nr_free_pages += 1L << order;
}

static G_GNUC_NO_INLINE void add_block_make_room(struct zone *zone, uint32_t pfn,
						 unsigned int order, int mt, bool tail)
{
	free_list_make_room(zone->pgdat, &zone->free_area[order].free_list[mt]);
	add_block(zone, pfn, order, mt, tail);	/* there is room now */
}

void add_to_free_list(struct zone *zone, uint32_t pfn, unsigned int order, int mt, bool tail)
{
	SIM_BUG_ON(mt < 0 || mt >= MIGRATE_TYPES);
	add_block(zone, pfn, order, mt, tail);
}

/*
 * Take the free block at @pfn off whatever list it is on.  The level-1
 * check is that its ring slot names it (memory-safe whatever the
 * position); validate.c checks the rest at level 2.
 */
static inline __attribute__((always_inline)) void del_block(struct zone *zone, uint32_t pfn, unsigned int order)
{
	struct pgdat *pgdat = zone->pgdat;
	struct sim_page *page = &pgdat->pages[pfn];
	pginfo_t info = page->info;
	int mt = (int)pg_mt(info);
	struct free_area *area = &zone->free_area[order];
	struct free_list *fl = &area->free_list[mt];
	uint32_t pos = page->fl_pos;
	uint32_t *ring = fl->ring;
	uint32_t mask = fl->mask;

	SIM_BUG_ON(info != pg_make(PG_BUDDY, order, (unsigned int)mt) || ring[pos & mask] != pfn);
	ring[pos & mask] = PFN_NONE;
	if (!--fl->nr) {
		fl->first = fl->end = 0;
		zone->nonempty[mt] &= ~(1U << order);
	} else if (pos == fl->first) {
		uint32_t first = pos;

		do
			first++;
		while (ring[first & mask] == PFN_NONE);
		fl->first = first;
		/* the next blocks to be popped: start loading their pages */
		if (FREE_LIST_AHEAD < fl->end - first)
			sim_prefetch_page(pgdat, ring[(first + FREE_LIST_AHEAD) & mask]);
	} else if (pos == fl->end - 1) {
		uint32_t end = pos;

		while (ring[(end - 1) & mask] == PFN_NONE)
			end--;
		fl->end = end;
	}
	page->info = pg_make(PG_TAIL, 0, 0);
	area->nr_free--;
	zone->nr_free_mt[mt] -= 1L << order;
	zone->nr_free_pages -= 1L << order;
}

void del_from_free_list(struct zone *zone, uint32_t pfn, unsigned int order)
{
	del_block(zone, pfn, order);
}

/* Move a free block to the tail of another type's list (move_to_free_list()). */
void move_to_free_list(struct zone *zone, uint32_t pfn, unsigned int order, int new_mt)
{
	del_from_free_list(zone, pfn, order);
	add_to_free_list(zone, pfn, order, new_mt, true);
}

/*
 * Split the block at @pfn of order @high down to @low: each upper half
 * goes to the head of free_list[@mt] at its order; the caller keeps the
 * lowest @low-order piece.  Example: expand(pfn 0, 0, 2) queues pfn 2 at
 * order 1 and pfn 1 at order 0, and returns pfn 0 to the caller.
 */
void expand(struct zone *zone, uint32_t pfn, unsigned int low, unsigned int high, int mt)
{
	while (high > low) {
		high--;
		add_block(zone, pfn + (1U << high), high, mt, false);
	}
}

/*
 * Take the head block of the smallest order >= @order on free_list[@mt],
 * split it and return its lowest piece (emits mm_page_alloc_zone_locked).
 */
uint32_t __rmqueue_smallest(struct zone *zone, unsigned int order, int mt)
{
	struct pgdat *pgdat = zone->pgdat;
	unsigned int avail = zone->nonempty[mt] >> order;
	unsigned int current_order;
	uint32_t pfn;

	if (!avail)
		return PFN_NONE;
	current_order = order + (unsigned int)__builtin_ctz(avail);
	pfn = first_in_list(zone, current_order, mt);
	del_block(zone, pfn, current_order);
	expand(zone, pfn, order, current_order, mt);

	pgdat->stats.zone_locked++;
	if (G_UNLIKELY(pgdat->hooks.trace)) {
		struct mm_trace_event ev = {
			.type = MM_TRACE_ZONE_LOCKED, .pfn = pfn, .order = (uint8_t)order,
			.migratetype = (uint8_t)mt, .cpu = -1,
			.percpu_refill = pcp_allowed_order(order) && mt < MIGRATE_PCPTYPES,
		};
		trace_mm(pgdat, &ev);
	}
	return pfn;
}

static inline bool zone_spans_pfn(const struct zone *zone, uint32_t pfn)
{
	return pfn - zone->zone_start_pfn < zone->spanned_pages;	/* below: wraps */
}

/* Is @pfn the head of a free block of exactly @order in @zone (page_is_buddy())? */
static inline bool pfn_is_buddy(const struct zone *zone, uint32_t pfn, unsigned int order)
{
	const struct pgdat *pgdat = zone->pgdat;

	if (!zone_spans_pfn(zone, pfn))
		return false;
	return pgdat->pages[pfn].info == pg_make(PG_BUDDY, order, pg_mt(pgdat->pages[pfn].info));
}

static inline bool migratetype_is_mergeable(int mt)
{
	return mt < MIGRATE_PCPTYPES;
}

/*
 * Would the block at @pfn of @order, once freed, likely merge further?
 * True when the buddy of its parent is free at order + 1 (buddy_merge_likely()).
 * Example: freeing pfn 2 at order 1 whose buddy pfn 0 is in use: the parent
 * is pfn 0 at order 2; if pfn 4 is a free order-2 block, queue at the tail.
 */
static bool buddy_merge_likely(const struct zone *zone, uint32_t pfn, uint32_t buddy_pfn,
			       unsigned int order)
{
	uint32_t higher;

	if (order >= MAX_PAGE_ORDER - 1)
		return false;
	higher = buddy_pfn & pfn;
	return pfn_is_buddy(zone, higher ^ (1U << (order + 1)), order + 1);
}

/*
 * Free the block at @pfn of @order to free_list[@mt], merging with free
 * buddies up to order 10 (__free_one_page()).  The buddy of pfn 8 at
 * order 1 is 8 ^ (1 << 1) = 10; merged, the block is pfn 8 at order 2.
 */
void __free_one_page(struct zone *zone, uint32_t pfn, unsigned int order, int mt, unsigned int fpi)
{
	struct pgdat *pgdat = zone->pgdat;
	uint32_t buddy_pfn = pfn;
	bool to_tail;

	SIM_BUG_ON(pfn & ((1U << order) - 1));
	SIM_BUG_ON(!zone_spans_pfn(zone, pfn));

	pgdat->pages[pfn].info = 0;	/* a tail once merged; the head is set below */
	while (order < MAX_PAGE_ORDER) {
		int buddy_mt = mt;

		buddy_pfn = pfn ^ (1U << order);
		if (!pfn_is_buddy(zone, buddy_pfn, order))
			break;
		if (G_UNLIKELY(order >= PAGEBLOCK_ORDER)) {
			/* Merging two pageblocks: HIGHATOMIC does not mix. */
			buddy_mt = get_pageblock_migratetype(pgdat, buddy_pfn);
			if (mt != buddy_mt && (!migratetype_is_mergeable(mt) ||
					       !migratetype_is_mergeable(buddy_mt)))
				break;
		}
		del_block(zone, buddy_pfn, order);
		if (G_UNLIKELY(buddy_mt != mt) && era_freelist_hygiene(pgdat)) {
			/* [6.10+] the merged block has one type */
			change_pageblock_range(pgdat, buddy_pfn, order, mt);
			pgdat->stats.merges_retype++;
		}
		pfn &= buddy_pfn;
		order++;
	}

	if (fpi & FPI_TO_TAIL)
		to_tail = true;
	else
		to_tail = buddy_merge_likely(zone, pfn, buddy_pfn, order);
	add_block(zone, pfn, order, mt, to_tail);
}

/*
 * Free a block straight to the buddy (free_one_page()): [6.12+] a block
 * larger than a pageblock is freed one pageblock at a time, each with its
 * own pageblock's type (split_large_buddy()); [<=6.9] as one block with
 * the type of its first pageblock.
 */
void free_one_page(struct zone *zone, uint32_t pfn, unsigned int order, unsigned int fpi)
{
	struct pgdat *pgdat = zone->pgdat;
	uint32_t end = pfn + (1U << order);

	if (order > PAGEBLOCK_ORDER && era_freelist_hygiene(pgdat))
		order = PAGEBLOCK_ORDER;
	do {
		__free_one_page(zone, pfn, order, get_pageblock_migratetype(pgdat, pfn), fpi);
		pfn += 1U << order;
	} while (pfn != end);
}

void set_pageblock_migratetype(struct pgdat *pgdat, uint32_t pfn, int mt)
{
	pgdat->pb_mt[pageblock_nr(pfn)] = (uint8_t)mt;
}

void change_pageblock_range(struct pgdat *pgdat, uint32_t pfn, unsigned int order, int mt)
{
	uint32_t nr = order > PAGEBLOCK_ORDER ? 1U << (order - PAGEBLOCK_ORDER) : 1;

	for (uint32_t i = 0; i < nr; i++)
		set_pageblock_migratetype(pgdat, pfn + i * PAGEBLOCK_NR_PAGES, mt);
}

/*
 * Count the free and movable-looking pages of the pageblock holding @pfn
 * (prep_move_freepages_block()).  Fails if the block straddles the zone.
 * Allocated blocks count as movable when they look like LRU pages
 * (anonymous memory, page cache); pages on PCP lists are neither.
 */
bool prep_move_freepages_block(struct zone *zone, uint32_t pfn, uint32_t *start_pfn,
			       int *nr_free, int *nr_movable)
{
	const struct pgdat *pgdat = zone->pgdat;
	uint32_t start = pfn & ~(PAGEBLOCK_NR_PAGES - 1);
	uint32_t end = start + PAGEBLOCK_NR_PAGES;

	*start_pfn = start;
	*nr_free = 0;
	*nr_movable = 0;
	if (!zone_spans_pfn(zone, start) || !zone_spans_pfn(zone, end - 1))
		return false;
	for (uint32_t p = start; p < end;) {
		pginfo_t info = pgdat->pages[p].info;
		uint32_t step = 1;

		switch (pg_state(info)) {
		case PG_BUDDY:
			step = 1U << pg_order(info);
			*nr_free += (int)step;
			break;
		case PG_ALLOC:
			step = MIN(1U << pg_order(info), end - p);
			if (info & PG_MOVABLE)
				*nr_movable += (int)step;
			break;
		case PG_PCP:
			step = 1U << pg_order(info);
			break;
		}
		p += step;
	}
	return true;
}

/*
 * Move every free block of the pageblock holding @pfn to the tail of
 * @new_mt's lists (move_freepages_block()).  Returns the pages moved, or
 * -1 if the pageblock straddles the zone.  The pageblock type is the
 * caller's business.
 */
int move_freepages_block(struct zone *zone, uint32_t pfn, int new_mt, int *nr_movable)
{
	struct pgdat *pgdat = zone->pgdat;
	uint32_t start = pfn & ~(PAGEBLOCK_NR_PAGES - 1);
	uint32_t end = start + PAGEBLOCK_NR_PAGES;
	int moved = 0, movable = 0;

	if (!zone_spans_pfn(zone, start) || !zone_spans_pfn(zone, end - 1))
		return -1;
	for (uint32_t p = start; p < end;) {
		pginfo_t info = pgdat->pages[p].info;
		unsigned int order = pg_order(info);

		switch (pg_state(info)) {
		case PG_BUDDY:
			move_to_free_list(zone, p, order, new_mt);
			moved += 1 << order;
			p += 1U << order;
			break;
		case PG_ALLOC:
			if (info & PG_MOVABLE)
				movable += (int)MIN(1U << order, end - p);
			p += MIN(1U << order, end - p);
			break;
		case PG_PCP:
			p += 1U << order;
			break;
		default:
			p++;
		}
	}
	if (nr_movable)
		*nr_movable = movable;
	return moved;
}

void trace_extfrag(struct zone *zone, uint32_t pfn, unsigned int alloc_order,
		   unsigned int fallback_order, int alloc_mt, int fallback_mt)
{
	struct pgdat *pgdat = zone->pgdat;
	bool change_ownership = get_pageblock_migratetype(pgdat, pfn) == alloc_mt;

	pgdat->stats.extfrag++;
	if (fallback_order < PAGEBLOCK_ORDER)
		pgdat->stats.extfrag_fragmenting++;
	if (change_ownership)
		pgdat->stats.extfrag_change_ownership++;
	pgdat->stats.extfrag_pair[alloc_mt][fallback_mt]++;
	if (G_UNLIKELY(pgdat->hooks.trace)) {
		struct mm_trace_event ev = {
			.type = MM_TRACE_EXTFRAG, .pfn = pfn, .order = (uint8_t)alloc_order,
			.migratetype = (uint8_t)alloc_mt,
			.fallback_order = (uint8_t)fallback_order,
			.fallback_migratetype = (uint8_t)fallback_mt,
			.change_ownership = change_ownership, .cpu = -1,
		};
		trace_mm(pgdat, &ev);
	}
}
