/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * sim/ internal definitions, shared only inside sim/ (like mm/internal.h).
 * Grouped by the file that owns them.
 */
#ifndef SIM_INTERNAL_H
#define SIM_INTERNAL_H

#include "mm.h"
#include "debug.h"

/* Free Page Internal flags (fpi_t in mm/page_alloc.c). */
#define FPI_NONE	0U
#define FPI_TO_TAIL	(1U << 1)	/* queue at the tail: boot, accept, putback */

/* ------------------------------------------------------------------ */
/* Per-page info (16 bits a page):                                     */
/*   bits 0-3  order of the block this page heads                      */
/*   bits 4-6  state (PG_*)                                            */
/*   bits 7-8  migratetype: list type (buddy), cached type (pcp)       */
/*   bit  9    allocated block looks movable (on an LRU)               */
/* ------------------------------------------------------------------ */
#define PG_ORDER_MASK	0x000fU
#define PG_STATE_SHIFT	4
#define PG_STATE_MASK	(7U << PG_STATE_SHIFT)
#define PG_TAIL		(0U << PG_STATE_SHIFT)	/* inside a block */
#define PG_BUDDY	(1U << PG_STATE_SHIFT)	/* head of a free buddy block */
#define PG_ALLOC	(2U << PG_STATE_SHIFT)	/* head of an allocated block */
#define PG_PCP		(3U << PG_STATE_SHIFT)	/* head of a block on a PCP list */
#define PG_UNACCEPTED	(4U << PG_STATE_SHIFT)	/* head of an unaccepted chunk */
#define PG_RESERVED	(5U << PG_STATE_SHIFT)	/* memblock-reserved page */
#define PG_HOLE		(6U << PG_STATE_SHIFT)	/* no memory here */
#define PG_MT_SHIFT	7
#define PG_MT_MASK	(3U << PG_MT_SHIFT)
#define PG_MOVABLE	(1U << 9)

typedef uint16_t pginfo_t;

static inline unsigned int pg_state(pginfo_t i)	{ return i & PG_STATE_MASK; }
static inline unsigned int pg_order(pginfo_t i)	{ return i & PG_ORDER_MASK; }
static inline unsigned int pg_mt(pginfo_t i)	{ return (i & PG_MT_MASK) >> PG_MT_SHIFT; }

static inline pginfo_t pg_make(unsigned int state, unsigned int order, unsigned int mt)
{
	return (pginfo_t)(state | order | (mt << PG_MT_SHIFT));
}

/* ------------------------------------------------------------------ */
/* in layout.c                                                         */
/* ------------------------------------------------------------------ */
/*
 * Zeroed per-page arrays: anonymous mappings with MADV_HUGEPAGE, so the
 * first touch faults 2 MiB at a time, and parts never touched (holes,
 * unaccepted memory) never become resident.
 */
void *sim_big_alloc0(size_t size);
void sim_big_free(void *p, size_t size);
/*
 * The same hint for the 2 MiB-aligned inside of a big malloc()ed array
 * (glibc maps those on their own), for arrays indexed at random.
 */
void sim_hint_huge(void *p, size_t size);

struct mem_range {
	uint32_t start_pfn;
	uint32_t end_pfn;		/* exclusive */
};

/* The node's present memory ranges, ascending (holes excluded). */
const struct mem_range *pgdat_ranges(const struct pgdat *pgdat, unsigned int *nr);

/* Is there memory at @pfn (pfn_valid())? */
bool pfn_valid(const struct pgdat *pgdat, uint32_t pfn);

static inline struct zone *page_zone_fast(struct pgdat *pgdat, uint32_t pfn)
{
	/* Zones are contiguous spans, highest last; at most four compares. */
	for (int z = MAX_NR_ZONES - 1; z > 0; z--) {
		struct zone *zone = &pgdat->zones[z];

		if (zone->spanned_pages && pfn >= zone->zone_start_pfn)
			return zone;
	}
	return &pgdat->zones[0];
}

/*
 * Count an allocated block of @order and migratetype @mt in its
 * pageblock(s) (@sign +1 on allocation, -1 on free), for the mixed
 * pageblock metric.
 */
static inline void pb_account(struct pgdat *pgdat, uint32_t pfn, unsigned int order, unsigned int mt,
			      int sign)
{
	uint16_t (*pb)[MIGRATE_PCPTYPES] = &pgdat->pb_alloc[pfn >> PAGEBLOCK_ORDER];

	if (order <= PAGEBLOCK_ORDER) {
		(*pb)[mt] = (uint16_t)((*pb)[mt] + sign * (1 << order));
	} else {
		for (uint32_t i = 0; i < 1U << (order - PAGEBLOCK_ORDER); i++)
			pb[i][mt] = (uint16_t)(pb[i][mt] + sign * (int)PAGEBLOCK_NR_PAGES);
	}
}

/* ------------------------------------------------------------------ */
/* in buddy.c                                                          */
/* ------------------------------------------------------------------ */
void add_to_free_list(struct zone *zone, uint32_t pfn, unsigned int order,
		      int mt, bool tail);
void del_from_free_list(struct zone *zone, uint32_t pfn, unsigned int order);
void move_to_free_list(struct zone *zone, uint32_t pfn, unsigned int order,
		       int new_mt);
void expand(struct zone *zone, uint32_t pfn, unsigned int low, unsigned int high, int mt);
uint32_t __rmqueue_smallest(struct zone *zone, unsigned int order, int mt);
void __free_one_page(struct zone *zone, uint32_t pfn, unsigned int order,
		     int mt, unsigned int fpi);
void free_one_page(struct zone *zone, uint32_t pfn, unsigned int order, unsigned int fpi);
void set_pageblock_migratetype(struct pgdat *pgdat, uint32_t pfn, int mt);
void change_pageblock_range(struct pgdat *pgdat, uint32_t pfn, unsigned int order, int mt);
int move_freepages_block(struct zone *zone, uint32_t pfn, int new_mt, int *nr_movable);
bool prep_move_freepages_block(struct zone *zone, uint32_t pfn, uint32_t *start_pfn,
			       int *nr_free, int *nr_movable);

void setup_nofragment(struct pgdat *pgdat);	/* page_alloc.c */
void setup_first_zone(struct pgdat *pgdat);	/* page_alloc.c */
void free_list_init(struct free_list *fl);
void free_list_destroy(struct free_list *fl);

/* The head block of free_list[@mt] at @order, or PFN_NONE. */
static inline uint32_t first_in_list(const struct zone *zone, unsigned int order, int mt)
{
	const struct free_list *fl = &zone->free_area[order].free_list[mt];

	return fl->nr ? fl->ring[fl->first & fl->mask] : PFN_NONE;
}

/* The tail block of free_list[@mt] at @order, or PFN_NONE. */
static inline uint32_t last_in_list(const struct zone *zone, unsigned int order, int mt)
{
	const struct free_list *fl = &zone->free_area[order].free_list[mt];

	return fl->nr ? fl->ring[(fl->end - 1) & fl->mask] : PFN_NONE;
}

/*
 * Walk free_list[@mt] at @order from head to tail: @pfn takes each block,
 * @pos its position.
 */
#define for_each_free_block(zone, order, mt, pos, pfn)					\
	for (const struct free_list *fl__ = &(zone)->free_area[order].free_list[mt];	\
	     fl__; fl__ = NULL)								\
		for ((pos) = fl__->first; (pos) != fl__->end; (pos)++)			\
			if (((pfn) = fl__->ring[(pos) & fl__->mask]) != PFN_NONE)

static inline bool free_area_empty(const struct zone *zone, unsigned int order, int mt)
{
	return !(zone->nonempty[mt] & (1U << order));
}

/* Emit a tracepoint to the observer, if any. */
static inline void trace_mm(struct pgdat *pgdat, const struct mm_trace_event *ev)
{
	if (pgdat->hooks.trace)
		pgdat->hooks.trace(pgdat->hooks.ctx, ev);
}

void trace_extfrag(struct zone *zone, uint32_t pfn, unsigned int alloc_order,
		   unsigned int fallback_order, int alloc_mt, int fallback_mt);

/* ------------------------------------------------------------------ */
/* in fallback.c                                                       */
/* ------------------------------------------------------------------ */
enum rmqueue_mode {
	RMQUEUE_NORMAL,
	RMQUEUE_CLAIM,
	RMQUEUE_STEAL,
};

/* __rmqueue() of the selected era; @mode carries state across a bulk refill. */
uint32_t __rmqueue(struct zone *zone, unsigned int order, int mt,
		   unsigned int alloc_flags, enum rmqueue_mode *mode);

/* ------------------------------------------------------------------ */
/* in watermark.c                                                      */
/* ------------------------------------------------------------------ */
bool zone_watermark_fast_slow(const struct zone *z, unsigned int order, long mark,
			      enum zone_type highest_zoneidx, unsigned int alloc_flags);
bool boost_watermark(struct zone *zone);
void reserve_highatomic_pageblock(struct zone *zone, uint32_t pfn, unsigned int order);
bool unreserve_highatomic_pageblock(struct pgdat *pgdat, enum zone_type highest_zoneidx,
				    int mt, bool force);
void wakeup_kswapd(struct zone *zone, unsigned int order, enum zone_type highest_zoneidx);
bool pgdat_balanced(struct pgdat *pgdat, unsigned int order, enum zone_type highest_zoneidx);
void setup_per_zone_lowmem_reserve(struct pgdat *pgdat);
void calculate_totalreserve_pages(struct pgdat *pgdat);

/* ------------------------------------------------------------------ */
/* in pcp.c                                                            */
/* ------------------------------------------------------------------ */
static inline bool pcp_allowed_order(unsigned int order)
{
	return order <= PAGE_ALLOC_COSTLY_ORDER || order == PAGEBLOCK_ORDER;
}

static inline struct per_cpu_pages *zone_pcp(struct pgdat *pgdat, int cpu, const struct zone *z)
{
	return &pgdat->pcp[cpu * MAX_NR_ZONES + z->idx];
}

#define NR_LOWORDER_PCP_LISTS	(MIGRATE_PCPTYPES * (PAGE_ALLOC_COSTLY_ORDER + 1))

void pcp_init(struct pgdat *pgdat);
void pcp_destroy(struct pgdat *pgdat);
void zone_set_pageset_high_and_batch(struct zone *zone);
uint32_t rmqueue_pcplist(struct zone *zone, int cpu, unsigned int order, int mt,
			 unsigned int alloc_flags);
void drain_zone_pcp(struct zone *zone, struct per_cpu_pages *pcp);
void pcp_list_grow(struct pcp_list *l);
void free_unref_page_commit_612(struct zone *zone, struct per_cpu_pages *pcp,
				unsigned int order, unsigned int pindex);
void free_unref_page_drain_65(struct zone *zone, struct per_cpu_pages *pcp, int batch,
			      int high, bool free_high, unsigned int pindex);

static inline void pcp_list_push_head(struct pcp_list *l, uint32_t pfn)
{
	if (G_UNLIKELY(l->len == l->mask + 1 || !l->buf))
		pcp_list_grow(l);
	l->first = (l->first - 1) & l->mask;
	l->buf[l->first] = pfn;
	l->len++;
}

static inline uint32_t pcp_list_pop_head(struct pcp_list *l)
{
	uint32_t pfn = l->buf[l->first];

	l->first = (l->first + 1) & l->mask;
	l->len--;
	return pfn;
}

/* ------------------------------------------------------------------ */
/* in page_alloc.c                                                     */
/* ------------------------------------------------------------------ */
static inline bool era_is(const struct pgdat *pgdat, enum kernel_era e)
{
	return pgdat->cfg.era == e;
}

/* [6.10+] free lists stay consistent with pageblock types. */
static inline bool era_freelist_hygiene(const struct pgdat *pgdat)
{
	return pgdat->cfg.era >= KERNEL_6_12;
}

/* [6.7+] PCP high auto-tuning and batch scaling. */
static inline bool era_pcp_autotune(const struct pgdat *pgdat)
{
	return pgdat->cfg.era >= KERNEL_6_12;
}

/*
 * Pages a request may not count as free (__zone_watermark_unusable_free()).
 * Here, not in watermark.c: every allocation asks, through
 * zone_watermark_fast().
 */
static inline long zone_watermark_unusable_free(const struct zone *z, unsigned int order,
						unsigned int alloc_flags)
{
	long unusable = (1L << order) - 1;

	if (!(alloc_flags & ALLOC_RESERVES)) {
		/* [6.12+] free highatomic pages; [<=6.9] the whole reserve */
		unusable += era_is(z->pgdat, KERNEL_6_5) ? z->nr_reserved_highatomic
							  : z->nr_free_mt[MIGRATE_HIGHATOMIC];
	}
	/* [v9, 6.5-6.10] unaccepted memory is unusable for watermarks */
	if (era_is(z->pgdat, KERNEL_6_5))
		unusable += z->nr_unaccepted;
	return unusable;
}

/*
 * zone_watermark_fast(): an order-0 request well above the mark passes
 * on the spot; the rest is zone_watermark_fast_slow() in watermark.c.
 */
static inline bool zone_watermark_fast(const struct zone *z, unsigned int order, long mark,
				       enum zone_type highest_zoneidx, unsigned int alloc_flags)
{
	if (!order) {
		long free_pages = z->nr_free_pages;
		long reserved = zone_watermark_unusable_free(z, 0, alloc_flags);
		long usable = free_pages - MIN(free_pages, reserved);

		if (usable > mark + z->lowmem_reserve[highest_zoneidx])
			return true;
	}
	return zone_watermark_fast_slow(z, order, mark, highest_zoneidx, alloc_flags);
}

/* ------------------------------------------------------------------ */
/* in validate.c                                                       */
/* ------------------------------------------------------------------ */
void sim_check_after_event_expensive(struct pgdat *pgdat);

/* SIM_DEBUG 2: validate the node after an event; nothing otherwise. */
static inline void sim_check_after_event(struct pgdat *pgdat)
{
	if (SIM_CHECKS_EXPENSIVE)
		sim_check_after_event_expensive(pgdat);
	else
		(void)pgdat;
}

/* ------------------------------------------------------------------ */
/* The common cases of allocation and free, inline for the run loop    */
/* ------------------------------------------------------------------ */
static inline unsigned int order_to_pindex(const struct pgdat *pgdat, int mt, unsigned int order)
{
	if (order > PAGE_ALLOC_COSTLY_ORDER) {
		/* [6.10+] THP has a movable and a non-movable list */
		if (era_freelist_hygiene(pgdat))
			return NR_LOWORDER_PCP_LISTS + (mt == MIGRATE_MOVABLE);
		return NR_LOWORDER_PCP_LISTS;
	}
	return MIGRATE_PCPTYPES * order + (unsigned int)mt;
}

/*
 * [<=6.6] free_unref_page_commit(): drain when the list is at its high
 * mark (none after a free of order 1-3 with free_factor set, at most four
 * batches while reclaim runs); the drain is out of line.
 */
static inline void free_unref_page_commit_65(struct zone *zone, struct per_cpu_pages *pcp,
					     unsigned int order, unsigned int pindex)
{
	bool free_high = pcp->free_factor && order && order <= PAGE_ALLOC_COSTLY_ORDER;
	int batch = pcp->batch, high = pcp->high;

	if (!high || free_high)
		high = 0;
	else if (G_UNLIKELY(zone->reclaim_active))
		high = MIN(batch << 2, high);
	if (G_UNLIKELY(pcp->count >= high))
		free_unref_page_drain_65(zone, pcp, batch, high, free_high, pindex);
}

/* Free a PCP-able block to this CPU's list (free_unref_page()). */
static inline void free_unref_page(struct zone *zone, int cpu, uint32_t pfn, unsigned int order)
{
	struct pgdat *pgdat = zone->pgdat;
	struct per_cpu_pages *pcp = zone_pcp(pgdat, cpu, zone);
	int mt = get_pageblock_migratetype(pgdat, pfn);
	int list_mt = mt < MIGRATE_PCPTYPES ? mt : MIGRATE_MOVABLE;
	unsigned int pindex = order_to_pindex(pgdat, list_mt, order);

	pgdat->pages[pfn].info = pg_make(PG_PCP, order, (unsigned int)mt);
	pcp_list_push_head(&pcp->lists[pindex], pfn);
	pcp->count += 1 << order;
	if (era_pcp_autotune(pgdat)) {
		pcp->alloc_factor >>= 1;
		free_unref_page_commit_612(zone, pcp, order, pindex);
	} else {
		free_unref_page_commit_65(zone, pcp, order, pindex);
	}
}

/*
 * sim_alloc_pages() after the fast path below: @zone_visited says the
 * fast path has counted the event and run the accept hook's visit of the
 * first zone, which the allocation loop then does not repeat.
 */
uint32_t __sim_alloc_pages(struct pgdat *pgdat, int cpu, gfp_t gfp, unsigned int order,
			   bool zone_visited);

/*
 * The first pass of get_page_from_freelist() over the first zone of an
 * order-0 request, ending in a PCP hit: the same steps in the same order
 * (accept hook at the zone visit, [6.7+] the ZONE_BELOW_HIGH note, the
 * LOW mark, rmqueue_pcplist()), then what sim_alloc_pages() does with the
 * page.  Anything else (an empty list, a failed mark, a boosted zone, a
 * tracer) continues in __sim_alloc_pages(), which redoes only the checks:
 * they change nothing, and the one change made on the way (below_high) is
 * what the allocation loop would make there too.
 */
static inline uint32_t sim_alloc_page_fast(struct pgdat *pgdat, int cpu, gfp_t gfp)
{
	enum zone_type hzi = gfp_zone(gfp);
	struct zone *zone = pgdat->first_zone[hzi];
	int mt = gfp_migratetype(gfp);
	unsigned int alloc_flags;
	struct per_cpu_pages *pcp;
	struct pcp_list *l;
	uint32_t pfn;

	if (G_UNLIKELY(!zone || pgdat->hooks.trace || !pgdat->pcp_enabled ||
		       pgdat->page_group_by_mobility_disabled))
		return __sim_alloc_pages(pgdat, cpu, gfp, 0, false);
	pgdat->nr_events++;
	pgdat->cur_cpu = cpu;
	alloc_flags = ALLOC_WMARK_LOW | ((gfp & __GFP_KSWAPD_RECLAIM) ? ALLOC_KSWAPD : 0) |
		      pgdat->nofragment[hzi];
	if (pgdat->hooks.accept)
		pgdat->hooks.accept(pgdat->hooks.accept_ctx, pgdat, zone, 0, alloc_flags,
				    ACCEPT_ZONE_VISIT);
	if (era_pcp_autotune(pgdat) && !zone->below_high) {
		if (zone_watermark_fast(zone, 0, wmark_pages(zone, WMARK_HIGH), hzi, alloc_flags))
			goto try_this_zone;
		zone->below_high = true;
	}
	if (!zone_watermark_fast(zone, 0, wmark_pages(zone, WMARK_LOW), hzi, alloc_flags))
		goto slow;
try_this_zone:
	pcp = zone_pcp(pgdat, cpu, zone);
	l = &pcp->lists[order_to_pindex(pgdat, mt, 0)];
	if (G_UNLIKELY(!l->len || zone->boosted_watermark))
		goto slow;
	/* rmqueue_pcplist(), a hit */
	if (era_pcp_autotune(pgdat))
		pcp->free_count >>= 1;
	else
		pcp->free_factor >>= 1;
	pgdat->stats.pcp_hit++;
	pcp->count--;
	pfn = pcp_list_pop_head(l);
	/* sim_alloc_pages() */
	pgdat->pages[pfn].info = pg_make(PG_ALLOC, 0, (unsigned int)mt) |
				 (mt == MIGRATE_MOVABLE ? PG_MOVABLE : 0);
	pb_account(pgdat, pfn, 0, (unsigned int)mt, 1);
	pgdat->stats.allocs++;
	pgdat->stats.alloc_pages++;
	pgdat->stats.allocs_by_order[0]++;
	sim_check_after_event(pgdat);
	return pfn;
slow:
	return __sim_alloc_pages(pgdat, cpu, gfp, 0, true);
}

/* sim_free_pages() of an order-0 page with no tracer: straight to the PCP. */
static inline void sim_free_page_fast(struct pgdat *pgdat, int cpu, uint32_t pfn)
{
	pginfo_t info;

	if (G_UNLIKELY(!pgdat->pcp_enabled || pgdat->hooks.trace)) {
		sim_free_pages(pgdat, cpu, pfn, 0);
		return;
	}
	SIM_BUG_ON(pfn >= pgdat->node_spanned_pages);
	info = pgdat->pages[pfn].info;
	SIM_BUG_ON((info & (PG_STATE_MASK | PG_ORDER_MASK)) != PG_ALLOC);
	pgdat->nr_events++;
	pgdat->stats.frees++;
	pb_account(pgdat, pfn, 0, pg_mt(info), -1);
	free_unref_page(page_zone_fast(pgdat, pfn), cpu, pfn, 0);
	sim_check_after_event(pgdat);
}

#endif /* SIM_INTERNAL_H */
