// SPDX-License-Identifier: GPL-2.0-only
/*
 * The allocation loop: zonelist walk with the NOFRAGMENT first pass
 * (get_page_from_freelist()), rmqueue() through the PCP or the buddy,
 * the slow path (gfp_to_alloc_flags(), kswapd wake-ups, direct reclaim
 * hook, highatomic unreserve and PCP drain, the last-ditch attempt at the
 * high mark) and freeing.  Mirrors mm/page_alloc.c of 6.12; era
 * differences are marked.
 */
#include "internal.h"

#define MAX_RECLAIM_RETRIES	16

struct alloc_context {
	enum zone_type highest_zoneidx;
	int migratetype;
	gfp_t gfp;
	int cpu;
	bool zone_visited;	/* the fast path ran the first zone's visit hook */
};

/* ALLOC_NOFRAGMENT when the preferred zone is Normal and DMA32 exists. */
static unsigned int alloc_flags_nofragment(const struct pgdat *pgdat, enum zone_type hzi, gfp_t gfp)
{
	return ((gfp & __GFP_KSWAPD_RECLAIM) ? ALLOC_KSWAPD : 0) | pgdat->nofragment[hzi];
}

/*
 * ALLOC_NOFRAGMENT for each highest zone of a request: set when the first
 * populated zone at or below it is ZONE_NORMAL (alloc_flags_nofragment()).
 * The zones never change after pgdat_create(), so this is done once.
 */
void setup_nofragment(struct pgdat *pgdat)
{
	for (int hzi = 0; hzi < MAX_NR_ZONES; hzi++) {
		pgdat->nofragment[hzi] = 0;
		for (int z = hzi; z >= 0; z--) {
			if (!zone_populated(&pgdat->zones[z]))
				continue;
			if (z == ZONE_NORMAL)
				pgdat->nofragment[hzi] = ALLOC_NOFRAGMENT;
			break;
		}
	}
}

/*
 * The first zone the allocation loop visits for each highest zone (the
 * first managed one at or below it), for the fast path; once the boot
 * reservations have set managed_pages.
 */
void setup_first_zone(struct pgdat *pgdat)
{
	for (int hzi = 0; hzi < MAX_NR_ZONES; hzi++) {
		pgdat->first_zone[hzi] = NULL;
		for (int z = hzi; z >= 0; z--) {
			if (zone_managed(&pgdat->zones[z])) {
				pgdat->first_zone[hzi] = &pgdat->zones[z];
				break;
			}
		}
	}
}

static unsigned int gfp_to_alloc_flags(const struct pgdat *pgdat, gfp_t gfp, unsigned int order)
{
	unsigned int alloc_flags = ALLOC_WMARK_MIN | ALLOC_CPUSET;

	if (gfp & __GFP_HIGH)
		alloc_flags |= ALLOC_MIN_RESERVE;
	if (gfp & __GFP_KSWAPD_RECLAIM)
		alloc_flags |= ALLOC_KSWAPD;
	if (!(gfp & __GFP_DIRECT_RECLAIM)) {
		if (!(gfp & __GFP_NOMEMALLOC)) {
			alloc_flags |= ALLOC_NON_BLOCK;
			/* [6.15, 6.12.54+] only __GFP_HIGH; before, any order > 0 */
			if (order > 0 && (!era_is(pgdat, KERNEL_6_15) ||
					  (alloc_flags & ALLOC_MIN_RESERVE)))
				alloc_flags |= ALLOC_HIGHATOMIC;
		}
		if (alloc_flags & ALLOC_MIN_RESERVE)
			alloc_flags &= ~ALLOC_CPUSET;
	}
	return alloc_flags;
}

static uint32_t rmqueue_buddy(struct zone *zone, unsigned int order, unsigned int alloc_flags,
			      int mt)
{
	enum rmqueue_mode mode = RMQUEUE_NORMAL;
	uint32_t pfn = PFN_NONE;

	if (alloc_flags & ALLOC_HIGHATOMIC)
		pfn = __rmqueue_smallest(zone, order, MIGRATE_HIGHATOMIC);
	if (pfn == PFN_NONE) {
		pfn = __rmqueue(zone, order, mt, alloc_flags, &mode);
		/* atomic and OOM requests may dip into the highatomic reserve */
		if (pfn == PFN_NONE && (alloc_flags & (ALLOC_OOM | ALLOC_NON_BLOCK)))
			pfn = __rmqueue_smallest(zone, order, MIGRATE_HIGHATOMIC);
	}
	return pfn;
}

static uint32_t rmqueue(struct zone *zone, int cpu, unsigned int order, unsigned int alloc_flags,
			int mt)
{
	struct pgdat *pgdat = zone->pgdat;
	uint32_t pfn = PFN_NONE;

	if (pgdat->pcp_enabled && pcp_allowed_order(order))
		pfn = rmqueue_pcplist(zone, cpu, order, mt, alloc_flags);
	if (pfn == PFN_NONE)
		pfn = rmqueue_buddy(zone, order, alloc_flags, mt);
	/* off every list now: whatever runs before we return must not see it free */
	if (pfn != PFN_NONE)
		pgdat->pages[pfn].info = pg_make(PG_ALLOC, order, (unsigned int)mt);

	/* A boost noted during this request wakes kswapd ([6.5]: any request). */
	if (G_UNLIKELY(zone->boosted_watermark) &&
	    ((alloc_flags & ALLOC_KSWAPD) || era_is(pgdat, KERNEL_6_5))) {
		zone->boosted_watermark = false;
		wakeup_kswapd(zone, 0, zone->idx);
	}
	return pfn;
}

static inline bool try_accept(struct pgdat *pgdat, struct zone *zone, unsigned int order,
			      unsigned int alloc_flags, enum accept_site site)
{
	return pgdat->hooks.accept &&
	       pgdat->hooks.accept(pgdat->hooks.accept_ctx, pgdat, zone, order, alloc_flags, site);
}

static uint32_t get_page_from_freelist(struct pgdat *pgdat, unsigned int order,
				       unsigned int alloc_flags, const struct alloc_context *ac)
{
	bool no_fallback;
	bool skip_visit = ac->zone_visited;

retry:
	no_fallback = alloc_flags & ALLOC_NOFRAGMENT;
	for (int z = (int)ac->highest_zoneidx; z >= 0; z--) {
		struct zone *zone = &pgdat->zones[z];
		uint32_t pfn;
		long mark;

		if (!zone_managed(zone))
			continue;
		if (skip_visit)
			skip_visit = false;	/* sim_alloc_page_fast() did this visit */
		else
			try_accept(pgdat, zone, order, alloc_flags, ACCEPT_ZONE_VISIT);

		/* [6.7+] note a zone under its high mark, for PCP tuning */
		if (era_pcp_autotune(pgdat) && !zone->below_high) {
			if (zone_watermark_fast(zone, order, wmark_pages(zone, WMARK_HIGH),
						ac->highest_zoneidx, alloc_flags))
				goto try_this_zone;
			zone->below_high = true;
		}
		mark = wmark_pages(zone, alloc_flags & ALLOC_WMARK_MASK);
		if (!zone_watermark_fast(zone, order, mark, ac->highest_zoneidx, alloc_flags)) {
			if (try_accept(pgdat, zone, order, alloc_flags, ACCEPT_WMARK_FAIL))
				goto try_this_zone;
			if (alloc_flags & ALLOC_NO_WATERMARKS)
				goto try_this_zone;
			continue;
		}
try_this_zone:
		pfn = rmqueue(zone, ac->cpu, order, alloc_flags, ac->migratetype);
		if (pfn != PFN_NONE) {
			if (G_UNLIKELY(alloc_flags & ALLOC_HIGHATOMIC))
				reserve_highatomic_pageblock(zone, pfn, order);
			return pfn;
		}
		if (try_accept(pgdat, zone, order, alloc_flags, ACCEPT_RMQUEUE_FAIL))
			goto try_this_zone;
	}
	if (no_fallback) {
		alloc_flags &= ~ALLOC_NOFRAGMENT;
		pgdat->stats.nofragment_retry++;
		goto retry;
	}
	return PFN_NONE;
}

static void wake_all_kswapds(struct pgdat *pgdat, unsigned int order, enum zone_type hzi)
{
	for (int z = (int)hzi; z >= 0; z--) {
		if (zone_managed(&pgdat->zones[z])) {
			wakeup_kswapd(&pgdat->zones[z], order, hzi);
			return;		/* one node: the first zone wakes its kswapd */
		}
	}
}

static bool try_compact(struct pgdat *pgdat, unsigned int order, const struct alloc_context *ac)
{
	return pgdat->hooks.compact &&
	       pgdat->hooks.compact(pgdat->hooks.pressure_ctx, pgdat, ac->gfp, order,
				    ac->highest_zoneidx);
}

/* Could reclaimable + free memory meet the min mark somewhere (should_reclaim_retry())? */
static bool should_reclaim_retry(struct pgdat *pgdat, unsigned int order, unsigned int alloc_flags,
				 const struct alloc_context *ac, int *no_progress_loops,
				 bool progress)
{
	if (progress && order <= PAGE_ALLOC_COSTLY_ORDER)
		*no_progress_loops = 0;
	else
		(*no_progress_loops)++;
	if (*no_progress_loops > MAX_RECLAIM_RETRIES)
		return unreserve_highatomic_pageblock(pgdat, ac->highest_zoneidx,
						      ac->migratetype, true);
	for (int z = (int)ac->highest_zoneidx; z >= 0; z--) {
		struct zone *zone = &pgdat->zones[z];
		long reclaimable = pgdat->hooks.reclaimable ?
			(long)pgdat->hooks.reclaimable(pgdat->hooks.pressure_ctx, pgdat, zone) : 0;

		if (!zone_managed(zone))
			continue;
		if (zone_watermark_ok(zone, order, wmark_pages(zone, WMARK_MIN), ac->highest_zoneidx,
				      alloc_flags, zone->nr_free_pages + reclaimable) &&
		    (progress || reclaimable))
			return true;
	}
	return false;
}

/*
 * __alloc_pages_slowpath(), coarsely: wake kswapd, retry at the min mark
 * with reserves, direct reclaim (a hook), then one last try at the high
 * mark before the OOM killer (a hook).  Compaction is left to the reclaim
 * hook of the memory-pressure model.
 */
static uint32_t alloc_pages_slowpath(struct pgdat *pgdat, unsigned int order,
				     const struct alloc_context *ac)
{
	unsigned int alloc_flags = gfp_to_alloc_flags(pgdat, ac->gfp, order);
	int no_progress_loops = 0;
	bool drained = false;
	uint32_t pfn;

	pgdat->stats.slowpath++;
	if (alloc_flags & ALLOC_KSWAPD)
		wake_all_kswapds(pgdat, order, ac->highest_zoneidx);
	pfn = get_page_from_freelist(pgdat, order, alloc_flags, ac);
	if (pfn != PFN_NONE)
		return pfn;
	/* __gfp_pfmemalloc_flags(): __GFP_MEMALLOC may ignore the watermarks */
	if ((ac->gfp & (__GFP_MEMALLOC | __GFP_NOMEMALLOC)) == __GFP_MEMALLOC) {
		alloc_flags = ALLOC_NO_WATERMARKS | (alloc_flags & ALLOC_KSWAPD);
		pfn = get_page_from_freelist(pgdat, order, alloc_flags, ac);
	}
	if (pfn != PFN_NONE || !(ac->gfp & __GFP_DIRECT_RECLAIM))
		return pfn;

	/* costly or non-movable high orders try (async) compaction first */
	if (order > PAGE_ALLOC_COSTLY_ORDER ||
	    (order > 0 && ac->migratetype != MIGRATE_MOVABLE)) {
		if (try_compact(pgdat, order, ac)) {
			pfn = get_page_from_freelist(pgdat, order, alloc_flags, ac);
			if (pfn != PFN_NONE)
				return pfn;
		}
		/* THP-style requests that may not retry give up here */
		if (order > PAGE_ALLOC_COSTLY_ORDER && (ac->gfp & __GFP_NORETRY))
			return PFN_NONE;
	}

	for (;;) {
		bool progress = false;

		if (alloc_flags & ALLOC_KSWAPD)
			wake_all_kswapds(pgdat, order, ac->highest_zoneidx);
		pfn = get_page_from_freelist(pgdat, order, alloc_flags, ac);
		if (pfn != PFN_NONE)
			return pfn;

		if (pgdat->hooks.reclaim)
			progress = pgdat->hooks.reclaim(pgdat->hooks.pressure_ctx, pgdat, ac->gfp, order,
							ac->highest_zoneidx) > 0;
		if (progress) {
			pfn = get_page_from_freelist(pgdat, order, alloc_flags, ac);
			if (pfn == PFN_NONE && !drained) {
				unreserve_highatomic_pageblock(pgdat, ac->highest_zoneidx,
							       ac->migratetype, false);
				sim_drain_all_pages(pgdat);
				drained = true;
				pfn = get_page_from_freelist(pgdat, order, alloc_flags, ac);
			}
			if (pfn != PFN_NONE)
				return pfn;
		}
		if (order && try_compact(pgdat, order, ac)) {
			pfn = get_page_from_freelist(pgdat, order, alloc_flags, ac);
			if (pfn != PFN_NONE)
				return pfn;
		}
		if (ac->gfp & __GFP_NORETRY)
			break;
		if (order > PAGE_ALLOC_COSTLY_ORDER && !(ac->gfp & __GFP_RETRY_MAYFAIL))
			break;
		if (should_reclaim_retry(pgdat, order, alloc_flags, ac, &no_progress_loops, progress))
			continue;

		/* __alloc_pages_may_oom(): the last freelist attempt is at HIGH */
		pfn = get_page_from_freelist(pgdat, order,
					     (ALLOC_WMARK_HIGH | ALLOC_CPUSET) & ~ALLOC_NO_WATERMARKS,
					     ac);
		if (pfn != PFN_NONE)
			return pfn;
		if (order <= PAGE_ALLOC_COSTLY_ORDER && pgdat->hooks.oom &&
		    pgdat->hooks.oom(pgdat->hooks.pressure_ctx, pgdat, ac->gfp, order))
			continue;
		break;
	}
	return PFN_NONE;
}

uint32_t sim_alloc_pages(struct pgdat *pgdat, int cpu, gfp_t gfp, unsigned int order)
{
	SIM_BUG_ON(cpu < 0 || (unsigned int)cpu >= pgdat->cfg.cpus);
	if (!order)
		return sim_alloc_page_fast(pgdat, cpu, gfp);
	return __sim_alloc_pages(pgdat, cpu, gfp, order, false);
}

uint32_t __sim_alloc_pages(struct pgdat *pgdat, int cpu, gfp_t gfp, unsigned int order,
			   bool zone_visited)
{
	struct alloc_context ac = {
		.highest_zoneidx = gfp_zone(gfp),
		.migratetype = gfp_migratetype(gfp),
		.gfp = gfp,
		.cpu = cpu,
		.zone_visited = zone_visited,
	};
	uint32_t pfn = PFN_NONE;

	SIM_BUG_ON(cpu < 0 || (unsigned int)cpu >= pgdat->cfg.cpus);
	if (!zone_visited) {
		pgdat->nr_events++;
		pgdat->cur_cpu = cpu;
	}
	if (G_UNLIKELY(pgdat->page_group_by_mobility_disabled))
		ac.migratetype = MIGRATE_UNMOVABLE;
	if (G_LIKELY(order <= MAX_PAGE_ORDER)) {
		unsigned int alloc_flags = ALLOC_WMARK_LOW |
			alloc_flags_nofragment(pgdat, ac.highest_zoneidx, gfp);

		pfn = get_page_from_freelist(pgdat, order, alloc_flags, &ac);
		ac.zone_visited = false;
		if (G_UNLIKELY(pfn == PFN_NONE))
			pfn = alloc_pages_slowpath(pgdat, order, &ac);
	}

	if (G_LIKELY(pfn != PFN_NONE)) {
		pgdat->pages[pfn].info = pg_make(PG_ALLOC, order, (unsigned int)ac.migratetype) |
				      (ac.migratetype == MIGRATE_MOVABLE ? PG_MOVABLE : 0);
		pb_account(pgdat, pfn, order, (unsigned int)ac.migratetype, 1);
		pgdat->stats.allocs++;
		pgdat->stats.alloc_pages += 1ULL << order;
		pgdat->stats.allocs_by_order[order]++;
	} else {
		pgdat->stats.alloc_fail++;
		pgdat->stats.fail_by_order[MIN(order, MAX_PAGE_ORDER)]++;
	}
	if (G_UNLIKELY(pgdat->hooks.trace)) {
		struct mm_trace_event ev = {
			.type = MM_TRACE_ALLOC, .pfn = pfn, .order = (uint8_t)MIN(order, 255U),
			.migratetype = (uint8_t)ac.migratetype, .gfp = gfp, .cpu = cpu,
		};
		trace_mm(pgdat, &ev);
	}
	sim_check_after_event(pgdat);
	return pfn;
}

void sim_free_pages(struct pgdat *pgdat, int cpu, uint32_t pfn, unsigned int order)
{
	struct zone *zone;

	SIM_BUG_ON(cpu < 0 || (unsigned int)cpu >= pgdat->cfg.cpus);
	SIM_BUG_ON(pfn >= pgdat->node_spanned_pages || order > MAX_PAGE_ORDER);
	SIM_BUG_ON(pg_state(pgdat->pages[pfn].info) != PG_ALLOC ||
		   pg_order(pgdat->pages[pfn].info) != order);
	pgdat->nr_events++;
	pgdat->stats.frees++;
	if (G_UNLIKELY(pgdat->hooks.trace)) {
		struct mm_trace_event ev = {
			.type = MM_TRACE_FREE, .pfn = pfn, .order = (uint8_t)order, .cpu = cpu,
		};
		trace_mm(pgdat, &ev);
	}
	pb_account(pgdat, pfn, order, pg_mt(pgdat->pages[pfn].info), -1);
	zone = page_zone_fast(pgdat, pfn);
	if (G_LIKELY(pgdat->pcp_enabled && pcp_allowed_order(order)))
		free_unref_page(zone, cpu, pfn, order);
	else
		free_one_page(zone, pfn, order, FPI_NONE);
	sim_check_after_event(pgdat);
}

bool sim_page_is_allocated(const struct pgdat *pgdat, uint32_t pfn, unsigned int order)
{
	return pfn < pgdat->node_spanned_pages && order <= MAX_PAGE_ORDER &&
	       pg_state(pgdat->pages[pfn].info) == PG_ALLOC && pg_order(pgdat->pages[pfn].info) == order;
}

/*
 * Take the 2^@order pages at @pfn out of the buddy allocator, splitting
 * the free block that holds them, for pfn-faithful trace replay.  Returns
 * false (and changes nothing) if those pages are not free in the model.
 */
bool sim_alloc_pages_at(struct pgdat *pgdat, int cpu, gfp_t gfp, unsigned int order, uint32_t pfn)
{
	struct zone *zone;
	uint32_t head = PFN_NONE;
	unsigned int k = 0;
	int mt;

	SIM_BUG_ON(cpu < 0 || (unsigned int)cpu >= pgdat->cfg.cpus);
	pgdat->nr_events++;
	if (order > MAX_PAGE_ORDER || (pfn & ((1U << order) - 1)) ||
	    pfn >= pgdat->node_spanned_pages || pfn + (1U << order) > pgdat->node_spanned_pages)
		goto fail;
	/* the free block holding @pfn: a buddy head of order >= o at pfn rounded to 2^o */
	for (unsigned int o = 0; o <= MAX_PAGE_ORDER; o++) {
		uint32_t h = pfn & ~((1U << o) - 1);
		uint16_t info = pgdat->pages[h].info;

		if (pg_state(info) == PG_BUDDY && pg_order(info) >= o) {
			head = h;
			k = pg_order(info);
			break;
		}
	}
	if (head == PFN_NONE || head + (1U << k) < pfn + (1U << order))
		goto fail;
	zone = page_zone_fast(pgdat, head);
	mt = (int)pg_mt(pgdat->pages[head].info);
	del_from_free_list(zone, head, k);
	while (k > order) {
		uint32_t half;

		k--;
		half = 1U << k;
		if (pfn >= head + half) {
			add_to_free_list(zone, head, k, mt, false);
			head += half;
		} else {
			add_to_free_list(zone, head + half, k, mt, false);
		}
	}
	mt = gfp_migratetype(gfp);
	pgdat->pages[pfn].info = pg_make(PG_ALLOC, order, (unsigned int)mt) |
			      (mt == MIGRATE_MOVABLE ? PG_MOVABLE : 0);
	pb_account(pgdat, pfn, order, (unsigned int)mt, 1);
	pgdat->stats.allocs++;
	pgdat->stats.alloc_pages += 1ULL << order;
	pgdat->stats.allocs_by_order[order]++;
	sim_check_after_event(pgdat);
	return true;
fail:
	pgdat->stats.alloc_fail++;
	return false;
}
