// SPDX-License-Identifier: GPL-2.0-only
/*
 * Memory pressure at a coarse level (kernel-model.md section 9).
 *
 * Reclaim: the workload's page cache (and, with swap, anonymous memory)
 * sits on LRU lists in allocation order; reclaim frees the oldest first.
 * kswapd (mm/vmscan.c: balance_pgdat()) runs when woken: boosted reclaim
 * first, then ordinary reclaim until a zone meets its high mark (order
 * dropped to 0 once 2^(order+1) pages were reclaimed); the boosts it saw
 * are dropped and kcompactd is woken.  It runs to completion when woken,
 * which is where the model is coarsest: kswapd takes no virtual time.
 * Direct reclaim frees SWAP_CLUSTER_MAX pages per call.
 *
 * Compaction (mm/compaction.c): a migrate scanner walks pageblocks up
 * from the zone start moving order-0 movable allocations into free pages
 * that a free scanner isolates from the top of the zone, until a block of
 * the requested order is free or the scanners meet; positions are cached
 * between calls and failures defer later attempts (defer_compaction()).
 * kcompactd compacts proactively every 500 ms while the node's
 * fragmentation score exceeds the proactiveness mark.
 *
 * OOM: kills "the largest task" by freeing the oldest eighth of the
 * anonymous memory.
 */
#include <string.h>
#include "internal.h"
#include "frag.h"
#include "pressure.h"
#include "workloads/workload.h"

#define SWAP_CLUSTER_MAX	32
#define COMPACT_MAX_DEFER_SHIFT	6
#define NO_SLOT			UINT32_MAX

enum lru_list { LRU_FILE, LRU_ANON, NR_LRU };

struct lru {
	uint32_t head, tail;		/* slots, oldest first */
	uint64_t pages;
};

struct compact_state {
	uint32_t migrate_pfn;		/* cached migrate scanner position */
	uint32_t free_pfn;		/* cached free scanner position (block start) */
	unsigned int considered;	/* attempts since the last deferral */
	unsigned int defer_shift;	/* skip 1 << shift attempts */
	int order_failed;		/* lowest order that failed */
};

struct pressure {
	struct pgdat *pgdat;
	struct slot_table *table;
	struct slot *slots;		/* table->slots */
	struct pressure_config cfg;
	uint32_t *lru_prev, *lru_next;	/* per slot */
	struct lru lru[NR_LRU];
	long zone_lru_pages[MAX_NR_ZONES][NR_LRU];
	uint64_t anon_pages;		/* anonymous pages kept off the LRU (no swap) */
	uint64_t swap_used;		/* bytes */
	struct compact_state cs[MAX_NR_ZONES];
	uint64_t next_proactive;	/* virtual time of the next check */
	unsigned int proactive_defer;	/* checks to skip */
	unsigned int last_score;
	bool kswapd_pending;		/* woken, runs after the current request */
	uint32_t *isolated;		/* free pages isolated by the free scanner */
	uint32_t nr_isolated, cap_isolated;
	struct pressure_stats st;
};

static enum lru_list slot_lru(const struct slot *s)
{
	return (s->flags & WL_F_FILE) ? LRU_FILE : LRU_ANON;
}

/*
 * Without swap, anonymous memory is never reclaimed: it is counted but
 * kept off the LRU, which saves two random memory writes per request.
 */
static bool on_lru(const struct pressure *p, const struct slot *s)
{
	return (s->flags & WL_F_FILE) || ((s->flags & WL_F_ANON) && p->cfg.swap_bytes);
}

void pressure_slots_grown(struct pressure *p)
{
	p->slots = p->table->slots;
	p->lru_prev = g_renew(uint32_t, p->lru_prev, p->table->nr);
	p->lru_next = g_renew(uint32_t, p->lru_next, p->table->nr);
	sim_hint_huge(p->lru_prev, p->table->nr * sizeof(uint32_t));
	sim_hint_huge(p->lru_next, p->table->nr * sizeof(uint32_t));
}

void pressure_note_alloc(struct pressure *p, uint32_t slot)
{
	struct slot *s = &p->slots[slot];
	struct lru *l;
	enum lru_list t;

	p->pgdat->pages[s->pfn].owner = slot + 1;
	if (!on_lru(p, s)) {
		if (s->flags & WL_F_ANON)
			p->anon_pages += 1ULL << s->order;
		return;
	}
	t = slot_lru(s);
	l = &p->lru[t];
	p->lru_next[slot] = NO_SLOT;
	p->lru_prev[slot] = l->tail;
	if (l->tail == NO_SLOT)
		l->head = slot;
	else
		p->lru_next[l->tail] = slot;
	l->tail = slot;
	l->pages += 1ULL << s->order;
	p->zone_lru_pages[page_zone_fast(p->pgdat, s->pfn)->idx][t] += 1L << s->order;
}

void pressure_note_free(struct pressure *p, uint32_t slot)
{
	struct slot *s = &p->slots[slot];
	struct lru *l;
	enum lru_list t;
	uint32_t prev, next;

	p->pgdat->pages[s->pfn].owner = 0;
	if (!on_lru(p, s)) {
		if (s->flags & WL_F_ANON)
			p->anon_pages -= 1ULL << s->order;
		return;
	}
	t = slot_lru(s);
	l = &p->lru[t];
	prev = p->lru_prev[slot];
	next = p->lru_next[slot];
	if (prev == NO_SLOT)
		l->head = next;
	else
		p->lru_next[prev] = next;
	if (next == NO_SLOT)
		l->tail = prev;
	else
		p->lru_prev[next] = prev;
	l->pages -= 1ULL << s->order;
	p->zone_lru_pages[page_zone_fast(p->pgdat, s->pfn)->idx][t] -= 1L << s->order;
}

/* Free the oldest pages of the LRUs: page cache, then anon if swap allows. */
static uint64_t shrink_lrus(struct pressure *p, uint64_t nr_to_reclaim, bool may_swap, int cpu)
{
	uint64_t reclaimed = 0;

	for (int t = LRU_FILE; t < NR_LRU && reclaimed < nr_to_reclaim; t++) {
		if (t == LRU_ANON && (!may_swap || !p->cfg.swap_bytes))
			break;
		while (reclaimed < nr_to_reclaim && p->lru[t].head != NO_SLOT) {
			uint32_t slot = p->lru[t].head;
			struct slot *s = &p->slots[slot];
			uint64_t bytes = (uint64_t)PAGE_SIZE << s->order;

			if (t == LRU_ANON) {
				if (p->swap_used + bytes > p->cfg.swap_bytes)
					break;
				p->swap_used += bytes;
				p->st.pswpout += 1ULL << s->order;
			}
			pressure_note_free(p, slot);
			p->table->live_pages -= 1ULL << s->order;
			sim_free_pages(p->pgdat, cpu, s->pfn, s->order);
			reclaimed += 1ULL << s->order;
			s->pfn = PFN_NONE;
		}
	}
	return reclaimed;
}

static bool any_boost(const struct pgdat *pgdat)
{
	for (int z = 0; z < MAX_NR_ZONES; z++)
		if (pgdat->zones[z].watermark_boost)
			return true;
	return false;
}

static void wake_kcompactd(struct pressure *p, unsigned int order);

/* wakeup_kswapd() woke it: it runs once the current request is done. */
static void kswapd_wake(void *ctx, struct pgdat *pgdat, unsigned int order, enum zone_type hzi)
{
	struct pressure *p = ctx;

	(void)pgdat;
	(void)order;
	(void)hzi;
	p->kswapd_pending = true;
}

/* balance_pgdat(), run to completion. */
static void kswapd_run(struct pressure *p)
{
	struct pgdat *pgdat = p->pgdat;
	long recorded_boost[MAX_NR_ZONES];
	bool boosted = any_boost(pgdat);
	unsigned int reclaim_order = pgdat->kswapd_order;
	enum zone_type highest = pgdat->kswapd_highest_zoneidx;
	uint64_t total = 0, boost_left = 0;
	int kswapd_cpu = (int)pgdat->cfg.cpus - 1;

	p->kswapd_pending = false;
	p->st.kswapd_runs++;
	if (boosted)
		p->st.kswapd_boosted_runs++;
	for (int z = 0; z < MAX_NR_ZONES; z++) {
		recorded_boost[z] = pgdat->zones[z].watermark_boost;
		boost_left += (uint64_t)recorded_boost[z];
		pgdat->zones[z].reclaim_active = true;
	}
	for (int priority = 12; priority >= 0; priority--) {
		uint64_t target = 0, got;
		bool balanced = pgdat_balanced(pgdat, reclaim_order, highest);

		/* boosted reclaim first; once balanced and unboosted we are done */
		if (balanced && !boost_left)
			break;
		if (boost_left && !balanced && priority < 10)
			boost_left = 0;		/* unbalanced: plain reclaim from here */
		for (int z = 0; z <= (int)highest; z++)
			target += MAX((uint64_t)wmark_pages(&pgdat->zones[z], WMARK_HIGH),
				      (uint64_t)SWAP_CLUSTER_MAX);
		/* boosted reclaim may not swap */
		got = shrink_lrus(p, target, !boost_left, kswapd_cpu);
		total += got;
		p->st.pgsteal_kswapd += got;
		if (reclaim_order && total >= (2ULL << reclaim_order))
			reclaim_order = 0;
		if (boost_left)
			boost_left = got >= boost_left ? 0 : boost_left - got;
		if (!got)
			break;
	}
	for (int z = 0; z < MAX_NR_ZONES; z++) {
		struct zone *zone = &pgdat->zones[z];

		zone->watermark_boost = MAX(0L, zone->watermark_boost - recorded_boost[z]);
		zone->reclaim_active = false;
	}
	pgdat->kswapd_failures = total ? 0 : pgdat->kswapd_failures + 1;
	if (boosted)
		wake_kcompactd(p, PAGEBLOCK_ORDER);
	pgdat->kswapd_awake = false;
	pgdat->kswapd_order = 0;
	pgdat->kswapd_highest_zoneidx = ZONE_DMA;
}

static unsigned long direct_reclaim(void *ctx, struct pgdat *pgdat, gfp_t gfp, unsigned int order,
				    enum zone_type hzi)
{
	struct pressure *p = ctx;
	uint64_t got;

	(void)gfp;
	(void)hzi;
	p->st.direct_reclaim++;
	got = shrink_lrus(p, MAX((uint64_t)SWAP_CLUSTER_MAX, 1ULL << order), true, pgdat->cur_cpu);
	p->st.pgsteal_direct += got;
	return (unsigned long)got;
}

static unsigned long reclaimable(void *ctx, struct pgdat *pgdat, struct zone *zone)
{
	struct pressure *p = ctx;
	long n = p->zone_lru_pages[zone->idx][LRU_FILE];

	(void)pgdat;
	if (p->cfg.swap_bytes > p->swap_used)
		n += MIN(p->zone_lru_pages[zone->idx][LRU_ANON],
			 (long)((p->cfg.swap_bytes - p->swap_used) >> PAGE_SHIFT));
	return (unsigned long)MAX(n, 0L);
}

static void oom_free_slot(struct pressure *p, uint32_t slot)
{
	struct slot *s = &p->slots[slot];

	pressure_note_free(p, slot);
	p->table->live_pages -= 1ULL << s->order;
	sim_free_pages(p->pgdat, p->pgdat->cur_cpu, s->pfn, s->order);
	s->pfn = PFN_NONE;
}

/*
 * Kill "the largest task": free an eighth of the anonymous memory, oldest
 * first from the LRU, or (without swap, when anon is off the LRU) in slot
 * order.
 */
static bool oom_kill(void *ctx, struct pgdat *pgdat, gfp_t gfp, unsigned int order)
{
	struct pressure *p = ctx;
	uint64_t anon = p->lru[LRU_ANON].pages + p->anon_pages;
	uint64_t goal = MAX(anon / 8, 1ULL << order), freed = 0;

	(void)gfp;
	(void)pgdat;
	if (!anon)
		return false;
	p->st.oom_kill++;
	while (freed < goal && p->lru[LRU_ANON].head != NO_SLOT) {
		uint32_t slot = p->lru[LRU_ANON].head;

		freed += 1ULL << p->slots[slot].order;
		oom_free_slot(p, slot);
	}
	for (uint32_t slot = 0; freed < goal && slot < p->table->nr; slot++) {
		const struct slot *s = &p->slots[slot];

		if (s->pfn == PFN_NONE || !(s->flags & WL_F_ANON))
			continue;
		freed += 1ULL << s->order;
		oom_free_slot(p, slot);
	}
	return true;
}

/* ---- compaction ------------------------------------------------------ */

static uint32_t zone_end_pfn(const struct zone *zone)
{
	return zone->zone_start_pfn + zone->spanned_pages;
}

/* Pages from @info's page to the next block head worth looking at. */
static uint32_t block_step(uint16_t info)
{
	unsigned int state = pg_state(info);

	return state == PG_RESERVED || state == PG_TAIL ? 1 : 1U << pg_order(info);
}

static bool compaction_deferred(struct pressure *p, struct zone *zone, unsigned int order)
{
	struct compact_state *cs = &p->cs[zone->idx];

	if ((int)order < cs->order_failed)
		return false;
	if (++cs->considered >= 1U << cs->defer_shift) {
		cs->considered = 1U << cs->defer_shift;
		return false;
	}
	return true;
}

static void defer_compaction(struct pressure *p, struct zone *zone, unsigned int order)
{
	struct compact_state *cs = &p->cs[zone->idx];

	cs->considered = 0;
	if (cs->defer_shift < COMPACT_MAX_DEFER_SHIFT)
		cs->defer_shift++;
	if ((int)order < cs->order_failed)
		cs->order_failed = (int)order;
}

static void compaction_defer_reset(struct pressure *p, struct zone *zone, unsigned int order)
{
	struct compact_state *cs = &p->cs[zone->idx];

	cs->considered = 0;
	cs->defer_shift = 0;
	if ((int)order >= cs->order_failed)
		cs->order_failed = (int)order + 1;
}

/* __compaction_suitable() and the fragmentation index test of compaction_suitable(). */
static bool compaction_suitable(const struct zone *zone, unsigned int order, enum zone_type hzi)
{
	long mark = order > PAGE_ALLOC_COSTLY_ORDER ? wmark_pages(zone, WMARK_LOW)
						    : wmark_pages(zone, WMARK_MIN);

	if (!zone_watermark_ok(zone, 0, mark + (2L << order), hzi, ALLOC_CMA, zone->nr_free_pages))
		return false;
	if (order > PAGE_ALLOC_COSTLY_ORDER) {
		uint64_t nr_free[NR_PAGE_ORDERS];
		struct contig_page_info info;
		int fi;

		for (int o = 0; o < NR_PAGE_ORDERS; o++)
			nr_free[o] = zone->free_area[o].nr_free;
		fill_contig_page_info(nr_free, order, &info);
		fi = fragmentation_index(order, &info);
		if (fi >= 0 && fi <= 500)	/* sysctl_extfrag_threshold */
			return false;
	}
	return true;
}

/* A free block of @order or more on a list a request could use. */
static bool compact_finished(const struct zone *zone, unsigned int order)
{
	for (int mt = 0; mt < MIGRATE_PCPTYPES; mt++)
		if (zone->nonempty[mt] >> order)
			return true;
	return false;
}

static void isolated_push(struct pressure *p, uint32_t pfn)
{
	if (p->nr_isolated == p->cap_isolated) {
		p->cap_isolated = p->cap_isolated ? p->cap_isolated * 2 : 1024;
		p->isolated = g_renew(uint32_t, p->isolated, p->cap_isolated);
	}
	p->isolated[p->nr_isolated++] = pfn;
}

/*
 * The free scanner: take the free blocks of the next suitable pageblock
 * down from the cached position, split into order-0 pages
 * (isolate_freepages_block(); __isolate_free_page() keeps the zone above
 * its min mark).  Returns false when it met the migrate scanner.
 */
static bool isolate_freepages(struct pressure *p, struct zone *zone, int order, bool sync)
{
	struct compact_state *cs = &p->cs[zone->idx];
	struct pgdat *pgdat = zone->pgdat;

	while (cs->free_pfn > cs->migrate_pfn) {
		uint32_t start = cs->free_pfn, end = MIN(start + PAGEBLOCK_NR_PAGES, zone_end_pfn(zone));
		int mt;

		cs->free_pfn -= PAGEBLOCK_NR_PAGES;
		if (start < zone->zone_start_pfn || !pfn_valid(pgdat, start))
			continue;
		mt = get_pageblock_migratetype(pgdat, start);
		/*
		 * suitable_migration_target(): never fill a block that is free at
		 * the order we want; async compaction only fills movable blocks
		 */
		if (pg_state(pgdat->pages[start].info) == PG_BUDDY &&
		    pg_order(pgdat->pages[start].info) >= (unsigned int)(order > 0 ? order : PAGEBLOCK_ORDER))
			continue;
		if (!sync && mt != MIGRATE_MOVABLE)
			continue;
		for (uint32_t pfn = start; pfn < end;) {
			uint16_t info = pgdat->pages[pfn].info;
			unsigned int bo = pg_order(info);

			if (pg_state(info) != PG_BUDDY || pg_mt(info) == MIGRATE_HIGHATOMIC) {
				pfn += block_step(info);
				continue;
			}
			if (zone->nr_free_pages - (1L << bo) < wmark_pages(zone, WMARK_MIN))
				return p->nr_isolated > 0;
			del_from_free_list(zone, pfn, bo);
			for (uint32_t i = 0; i < (1U << bo); i++)
				isolated_push(p, pfn + i);
			pfn += 1U << bo;
		}
		if (p->nr_isolated)
			return true;
	}
	return false;
}

static void release_freepages(struct pressure *p, struct zone *zone)
{
	while (p->nr_isolated) {
		uint32_t pfn = p->isolated[--p->nr_isolated];

		__free_one_page(zone, pfn, 0, get_pageblock_migratetype(zone->pgdat, pfn), FPI_NONE);
	}
}

/*
 * compact_zone(): migrate order-0 movable allocations from low pageblocks
 * into isolated free pages from high ones.  @order < 0 compacts
 * proactively until the zone's fragmentation score is at most @score_low.
 */
static bool compact_zone(struct pressure *p, struct zone *zone, int order, bool sync,
			 unsigned int score_low)
{
	struct compact_state *cs = &p->cs[zone->idx];
	struct pgdat *pgdat = zone->pgdat;
	bool success = false;

	if (!cs->migrate_pfn || cs->migrate_pfn >= cs->free_pfn) {
		cs->migrate_pfn = zone->zone_start_pfn;
		cs->free_pfn = (zone_end_pfn(zone) - 1) & ~(PAGEBLOCK_NR_PAGES - 1);
	}
	while (cs->migrate_pfn < cs->free_pfn) {
		uint32_t start = cs->migrate_pfn;
		uint32_t end = MIN((start | (PAGEBLOCK_NR_PAGES - 1)) + 1, zone_end_pfn(zone));

		if (!pfn_valid(pgdat, start)) {		/* a hole: skip the pageblock */
			cs->migrate_pfn = end;
			continue;
		}
		if (order >= 0 && compact_finished(zone, (unsigned int)order)) {
			success = true;
			break;
		}
		if (order < 0) {
			uint64_t nr_free[NR_PAGE_ORDERS];
			struct contig_page_info info;

			for (int o = 0; o < NR_PAGE_ORDERS; o++)
				nr_free[o] = zone->free_area[o].nr_free;
			fill_contig_page_info(nr_free, PAGEBLOCK_ORDER, &info);
			if (extfrag_for_order(PAGEBLOCK_ORDER, &info) <= score_low) {
				success = true;
				break;
			}
		}
		for (uint32_t pfn = start; pfn < end;) {
			uint16_t info = pgdat->pages[pfn].info;
			uint32_t slot, dst;

			if (pg_state(info) != PG_ALLOC || pg_order(info) != 0 || !(info & PG_MOVABLE) ||
			    (slot = pgdat->pages[pfn].owner) == 0) {
				pfn += block_step(info);
				continue;
			}
			if (!p->nr_isolated && !isolate_freepages(p, zone, order, sync))
				goto out;
			dst = p->isolated[--p->nr_isolated];
			/* migrate: the allocation moves, the old page is freed */
			pgdat->pages[dst].info = info;
			pb_account(pgdat, pfn, 0, pg_mt(info), -1);
			pb_account(pgdat, dst, 0, pg_mt(info), 1);
			pgdat->pages[dst].owner = slot;
			pgdat->pages[pfn].owner = 0;
			p->slots[slot - 1].pfn = dst;
			__free_one_page(zone, pfn, 0, get_pageblock_migratetype(pgdat, pfn), FPI_NONE);
			p->st.compact_migrated++;
			pfn++;
		}
		cs->migrate_pfn = end;
	}
out:
	release_freepages(p, zone);
	if (order >= 0 && !success)
		success = compact_finished(zone, (unsigned int)order);
	return success;
}

/* try_to_compact_pages() for one request, zone by zone. */
static bool direct_compact(void *ctx, struct pgdat *pgdat, gfp_t gfp, unsigned int order,
			   enum zone_type hzi)
{
	struct pressure *p = ctx;
	bool sync = (gfp & __GFP_DIRECT_RECLAIM) && order <= PAGE_ALLOC_COSTLY_ORDER;

	if (!p->cfg.compaction || !order)
		return false;
	for (int z = (int)hzi; z >= 0; z--) {
		struct zone *zone = &pgdat->zones[z];

		if (!zone_managed(zone))
			continue;
		if (compaction_deferred(p, zone, order)) {
			p->st.compact_deferred++;
			continue;
		}
		if (!compaction_suitable(zone, order, hzi))
			continue;
		p->st.compact_stall++;
		if (compact_zone(p, zone, (int)order, sync, 0)) {
			p->st.compact_success++;
			compaction_defer_reset(p, zone, order);
			return true;
		}
		p->st.compact_fail++;
		defer_compaction(p, zone, order);
	}
	return false;
}

/* kcompactd woken for @order: compact zones that fail MIN for it but could. */
static void wake_kcompactd(struct pressure *p, unsigned int order)
{
	struct pgdat *pgdat = p->pgdat;

	if (!p->cfg.compaction)
		return;
	p->st.kcompactd_wake++;
	for (int z = 0; z < MAX_NR_ZONES; z++) {
		struct zone *zone = &pgdat->zones[z];

		if (!zone_managed(zone) || compaction_deferred(p, zone, order))
			continue;
		if (zone_watermark_ok(zone, order, wmark_pages(zone, WMARK_MIN), (enum zone_type)z, 0,
				      zone->nr_free_pages) ||
		    !compaction_suitable(zone, order, (enum zone_type)z))
			continue;
		if (compact_zone(p, zone, (int)order, true, 0))
			compaction_defer_reset(p, zone, order);
		else
			defer_compaction(p, zone, order);
	}
}

/* fragmentation_score_node(): present-weighted % of free memory not in order-9+ blocks. */
static unsigned int fragmentation_score_node(const struct pgdat *pgdat)
{
	unsigned int score = 0;

	for (int z = 0; z < MAX_NR_ZONES; z++) {
		const struct zone *zone = &pgdat->zones[z];
		uint64_t nr_free[NR_PAGE_ORDERS];
		struct contig_page_info info;

		if (!zone_populated(zone))
			continue;
		for (int o = 0; o < NR_PAGE_ORDERS; o++)
			nr_free[o] = zone->free_area[o].nr_free;
		fill_contig_page_info(nr_free, PAGEBLOCK_ORDER, &info);
		score += (unsigned int)((uint64_t)extfrag_for_order(PAGEBLOCK_ORDER, &info) *
					zone->present_pages / (pgdat->node_present_pages + 1));
	}
	return score;
}

void pressure_after_request(struct pressure *p)
{
	if (p->kswapd_pending)
		kswapd_run(p);
}

void pressure_tick(struct pressure *p, uint64_t now_ns)
{
	struct pgdat *pgdat = p->pgdat;
	unsigned int low, high, score;

	if (!p->cfg.compaction || !p->cfg.proactiveness || now_ns < p->next_proactive)
		return;
	p->next_proactive = now_ns + PRESSURE_TICK_NS;
	if (p->proactive_defer) {
		p->proactive_defer--;
		return;
	}
	low = 100 - MIN(p->cfg.proactiveness, 100U);
	high = MIN(low + 10, 100U);
	score = fragmentation_score_node(pgdat);
	if (score <= high || pgdat->kswapd_awake)
		return;
	p->st.proactive_runs++;
	for (int z = 0; z < MAX_NR_ZONES; z++)
		if (zone_populated(&pgdat->zones[z]))
			compact_zone(p, &pgdat->zones[z], -1, true, low);
	/* no progress: check 64 times less often (kcompactd) */
	if (fragmentation_score_node(pgdat) >= score)
		p->proactive_defer = 1U << COMPACT_MAX_DEFER_SHIFT;
}

struct pressure *pressure_create(struct pgdat *pgdat, struct slot_table *st,
				 const struct pressure_config *pc)
{
	struct pressure *p = g_new0(struct pressure, 1);

	p->pgdat = pgdat;
	p->table = st;
	p->slots = st->slots;
	p->cfg = *pc;
	p->lru_prev = g_new(uint32_t, st->nr);
	p->lru_next = g_new(uint32_t, st->nr);
	for (int t = 0; t < NR_LRU; t++)
		p->lru[t].head = p->lru[t].tail = NO_SLOT;
	for (int z = 0; z < MAX_NR_ZONES; z++)
		p->cs[z].order_failed = NR_PAGE_ORDERS;
	pgdat->hooks.kswapd_wake = kswapd_wake;
	pgdat->hooks.reclaim = direct_reclaim;
	pgdat->hooks.reclaimable = reclaimable;
	pgdat->hooks.oom = oom_kill;
	pgdat->hooks.compact = direct_compact;
	pgdat->hooks.pressure_ctx = p;
	return p;
}

void pressure_destroy(struct pressure *p)
{
	if (!p)
		return;
	p->pgdat->hooks.kswapd_wake = NULL;
	p->pgdat->hooks.reclaim = NULL;
	p->pgdat->hooks.reclaimable = NULL;
	p->pgdat->hooks.oom = NULL;
	p->pgdat->hooks.compact = NULL;
	g_free(p->lru_prev);
	g_free(p->lru_next);
	/* page owners are ours: leave none behind for a later model */
	for (uint32_t slot = 0; slot < p->table->nr; slot++)
		if (p->slots[slot].pfn != PFN_NONE)
			p->pgdat->pages[p->slots[slot].pfn].owner = 0;
	g_free(p->isolated);
	g_free(p);
}

const struct pressure_stats *pressure_get_stats(const struct pressure *p)
{
	return &p->st;
}

void pressure_lru_pages(const struct pressure *p, uint64_t *file, uint64_t *anon)
{
	*file = p->lru[LRU_FILE].pages;
	*anon = p->lru[LRU_ANON].pages + p->anon_pages;
}

void pressure_stats_json(const struct pressure_stats *s, uint64_t file_lru, uint64_t anon_lru,
			 JsonBuilder *b)
{
	const struct { const char *name; uint64_t v; } m[] = {
		{ "pgsteal_kswapd", s->pgsteal_kswapd }, { "pgsteal_direct", s->pgsteal_direct },
		{ "kswapd_runs", s->kswapd_runs }, { "kswapd_boosted_runs", s->kswapd_boosted_runs },
		{ "direct_reclaim", s->direct_reclaim }, { "pswpout", s->pswpout },
		{ "compact_stall", s->compact_stall }, { "compact_success", s->compact_success },
		{ "compact_fail", s->compact_fail }, { "compact_deferred", s->compact_deferred },
		{ "compact_migrated", s->compact_migrated }, { "kcompactd_wake", s->kcompactd_wake },
		{ "proactive_compaction", s->proactive_runs }, { "oom_kill", s->oom_kill },
		{ "file_lru_pages", file_lru }, { "anon_lru_pages", anon_lru },
	};

	json_builder_set_member_name(b, "pressure");
	json_builder_begin_object(b);
	for (size_t i = 0; i < G_N_ELEMENTS(m); i++) {
		json_builder_set_member_name(b, m[i].name);
		json_builder_add_int_value(b, (gint64)m[i].v);
	}
	json_builder_end_object(b);
}
