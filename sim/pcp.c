// SPDX-License-Identifier: GPL-2.0-only
/*
 * Per-CPU page lists: batch and high (zone_batchsize(), zone_highsize()),
 * refills (rmqueue_bulk(), nr_pcp_alloc()), frees and drains
 * (free_unref_page_commit(), nr_pcp_high(), nr_pcp_free(),
 * free_pcppages_bulk()) and the periodic high decay (decay_pcp_high()).
 *
 * [6.12]/[6.15] follow mm/page_alloc.c of 6.12 (auto-tuned high, batch
 * scaling); [6.5] follows 6.1-6.6 (static high, free_factor), and drains
 * with the migratetype cached when the page entered the list.
 */
#include <string.h>
#include "internal.h"

#define PCP_BATCH_SCALE_MAX		5	/* CONFIG_PCP_BATCH_SCALE_MAX */
#define MIN_PERCPU_PAGELIST_HIGH_FRACTION 8
#define PCP_LIST_INIT_CAP		64

/* ---- ring buffers -------------------------------------------------- */

void pcp_list_grow(struct pcp_list *l)
{
	uint32_t cap = l->buf ? l->mask + 1 : 0, ncap = cap ? cap * 2 : PCP_LIST_INIT_CAP;
	uint32_t *nbuf = g_new(uint32_t, ncap);

	for (uint32_t i = 0; i < l->len; i++)
		nbuf[i] = l->buf[(l->first + i) & l->mask];
	g_free(l->buf);
	l->buf = nbuf;
	l->mask = ncap - 1;
	l->first = 0;
}

static inline void pcp_list_push_tail(struct pcp_list *l, uint32_t pfn)
{
	if (G_UNLIKELY(l->len == l->mask + 1 || !l->buf))
		pcp_list_grow(l);
	l->buf[(l->first + l->len) & l->mask] = pfn;
	l->len++;
}

static inline uint32_t pcp_list_pop_tail(struct pcp_list *l)
{
	l->len--;
	return l->buf[(l->first + l->len) & l->mask];
}

/* ---- sizing -------------------------------------------------------- */

static int zone_batchsize(const struct zone *zone)
{
	int batch = (int)MIN(zone->managed_pages >> 10, (1U << 20) / PAGE_SIZE);

	batch /= 4;
	if (batch < 1)
		batch = 1;
	/* 2^n - 1: 64 + 32 rounds down to 64, minus one is 63 */
	batch = (int)(1U << (31 - __builtin_clz((unsigned int)(batch + batch / 2)))) - 1;
	return batch;
}

static int zone_highsize(long total_pages, int batch, unsigned int cpus)
{
	long high = total_pages / (long)cpus;

	return (int)MAX(high, (long)batch << 2);
}

/* Recompute batch and high after the watermarks changed (zone_pcp_update()). */
void zone_set_pageset_high_and_batch(struct zone *zone)
{
	struct pgdat *pgdat = zone->pgdat;
	unsigned int cpus = pgdat->cfg.cpus;
	int batch = MAX(1, zone_batchsize(zone));

	zone->pcp_batch = batch;
	zone->pcp_high_min = zone_highsize(wmark_pages(zone, WMARK_LOW), batch, cpus);
	if (era_pcp_autotune(pgdat))
		zone->pcp_high_max = zone_highsize((long)zone->managed_pages /
						   MIN_PERCPU_PAGELIST_HIGH_FRACTION, batch, cpus);
	else
		zone->pcp_high_max = zone->pcp_high_min;
	if (!pgdat->pcp)
		return;
	for (unsigned int cpu = 0; cpu < cpus; cpu++) {
		struct per_cpu_pages *pcp = zone_pcp(pgdat, (int)cpu, zone);

		pcp->batch = zone->pcp_batch;
		pcp->high_min = zone->pcp_high_min;
		pcp->high_max = zone->pcp_high_max;
		if (!era_pcp_autotune(pgdat))
			pcp->high = zone->pcp_high_min;
	}
}

void pcp_init(struct pgdat *pgdat)
{
	pgdat->pcp = g_new0(struct per_cpu_pages, (gsize)pgdat->cfg.cpus * MAX_NR_ZONES);
	for (int z = 0; z < MAX_NR_ZONES; z++)
		zone_set_pageset_high_and_batch(&pgdat->zones[z]);
}

void pcp_destroy(struct pgdat *pgdat)
{
	if (!pgdat->pcp)
		return;
	for (unsigned int i = 0; i < pgdat->cfg.cpus * MAX_NR_ZONES; i++)
		for (int l = 0; l < NR_PCP_LISTS; l++)
			g_free(pgdat->pcp[i].lists[l].buf);
	g_free(pgdat->pcp);
	pgdat->pcp = NULL;
}

static inline unsigned int pindex_to_order(unsigned int pindex)
{
	return pindex < NR_LOWORDER_PCP_LISTS ? pindex / MIGRATE_PCPTYPES : PAGEBLOCK_ORDER;
}

/* ---- drains -------------------------------------------------------- */

/*
 * Return @count pages to the buddy, starting with list @pindex and going
 * round the lists, each emptied from its tail (free_pcppages_bulk()).
 */
static void free_pcppages_bulk(struct zone *zone, struct per_cpu_pages *pcp, int count,
			       unsigned int pindex)
{
	struct pgdat *pgdat = zone->pgdat;

	count = MIN(pcp->count, count);
	pindex = (pindex + NR_PCP_LISTS - 1) % NR_PCP_LISTS;
	while (count > 0) {
		struct pcp_list *l;
		unsigned int order;

		do {
			pindex = (pindex + 1) % NR_PCP_LISTS;
			l = &pcp->lists[pindex];
		} while (!l->len);
		order = pindex_to_order(pindex);
		do {
			uint32_t pfn = pcp_list_pop_tail(l);
			int mt;

			/* [6.10+] the pageblock's type now; [<=6.9] the cached one */
			if (era_freelist_hygiene(pgdat))
				mt = get_pageblock_migratetype(pgdat, pfn);
			else
				mt = (int)pg_mt(pgdat->pages[pfn].info);
			count -= 1 << order;
			pcp->count -= 1 << order;
			__free_one_page(zone, pfn, order, mt, FPI_NONE);
			pgdat->stats.pcpu_drain++;
			if (G_UNLIKELY(pgdat->hooks.trace)) {
				struct mm_trace_event ev = {
					.type = MM_TRACE_PCPU_DRAIN, .pfn = pfn,
					.order = (uint8_t)order, .migratetype = (uint8_t)mt,
					.cpu = -1,
				};
				trace_mm(pgdat, &ev);
			}
		} while (count > 0 && l->len);
	}
}

void drain_zone_pcp(struct zone *zone, struct per_cpu_pages *pcp)
{
	if (pcp->count)
		free_pcppages_bulk(zone, pcp, pcp->count, 0);
}

void sim_drain_all_pages(struct pgdat *pgdat)
{
	if (!pgdat->pcp)
		return;
	for (unsigned int cpu = 0; cpu < pgdat->cfg.cpus; cpu++)
		for (int z = 0; z < MAX_NR_ZONES; z++)
			drain_zone_pcp(&pgdat->zones[z], zone_pcp(pgdat, (int)cpu, &pgdat->zones[z]));
}

/* ---- allocation ---------------------------------------------------- */

/* How many blocks a refill takes (nr_pcp_alloc()). */
static int nr_pcp_alloc(struct per_cpu_pages *pcp, const struct zone *zone, unsigned int order)
{
	int base_batch = pcp->batch, batch, high;

	if (!era_pcp_autotune(zone->pgdat)) {
		batch = base_batch;
		goto scale;
	}
	high = pcp->high = CLAMP(pcp->high, pcp->high_min, pcp->high_max);
	if (high < base_batch)
		return 1;
	batch = order ? base_batch : base_batch << pcp->alloc_factor;
	if (pcp->high_min != pcp->high_max && !zone->below_high)
		high = pcp->high = MIN(high + batch, pcp->high_max);
	if (!order) {
		int max_nr_alloc = MAX(high - pcp->count - base_batch, base_batch);

		if (batch <= max_nr_alloc && pcp->alloc_factor < PCP_BATCH_SCALE_MAX)
			pcp->alloc_factor++;
		batch = MIN(batch, max_nr_alloc);
	}
scale:
	if (batch > 1)
		batch = MAX(batch >> order, 2);
	return batch;
}

/*
 * Fill the list from the buddy under one zone-lock hold (rmqueue_bulk()):
 * pages go to the tail, so a split block is handed out in address order.
 */
static int rmqueue_bulk(struct zone *zone, unsigned int order, int count, struct pcp_list *l,
			int mt, unsigned int alloc_flags)
{
	struct pgdat *pgdat = zone->pgdat;
	enum rmqueue_mode mode = RMQUEUE_NORMAL;
	int i;

	pgdat->stats.pcp_refill++;
	for (i = 0; i < count; i++) {
		uint32_t pfn = __rmqueue(zone, order, mt, alloc_flags, &mode);

		if (pfn == PFN_NONE)
			break;
		pgdat->pages[pfn].info = pg_make(PG_PCP, order, (unsigned int)mt);
		pcp_list_push_tail(l, pfn);
	}
	return i;
}

/*
 * The list is empty: refill it from the buddy and take the head.  Out of
 * line, so that the hit path of rmqueue_pcplist() saves no registers.
 */
static G_GNUC_NO_INLINE uint32_t rmqueue_pcplist_refill(struct zone *zone,
							struct per_cpu_pages *pcp,
							struct pcp_list *l, unsigned int order,
							int mt, unsigned int alloc_flags)
{
	int batch = nr_pcp_alloc(pcp, zone, order);

	pcp->count += rmqueue_bulk(zone, order, batch, l, mt, alloc_flags) << order;
	if (!l->len)
		return PFN_NONE;
	pcp->count -= 1 << order;
	return pcp_list_pop_head(l);
}

uint32_t rmqueue_pcplist(struct zone *zone, int cpu, unsigned int order, int mt,
			 unsigned int alloc_flags)
{
	struct pgdat *pgdat = zone->pgdat;
	struct per_cpu_pages *pcp = zone_pcp(pgdat, cpu, zone);
	struct pcp_list *l = &pcp->lists[order_to_pindex(pgdat, mt, order)];

	if (era_pcp_autotune(pgdat))
		pcp->free_count >>= 1;
	else
		pcp->free_factor >>= 1;
	if (!l->len)
		return rmqueue_pcplist_refill(zone, pcp, l, order, mt, alloc_flags);
	pgdat->stats.pcp_hit++;
	pcp->count -= 1 << order;
	return pcp_list_pop_head(l);
}

/* ---- free ---------------------------------------------------------- */

/* [6.7+] the drain threshold, adjusted on the way (nr_pcp_high()). */
static int nr_pcp_high(struct per_cpu_pages *pcp, const struct zone *zone, int batch,
		       bool free_high)
{
	int high = pcp->high = CLAMP(pcp->high, pcp->high_min, pcp->high_max);

	if (!high)
		return 0;
	if (free_high) {
		pcp->high = MAX(high - (batch << PCP_BATCH_SCALE_MAX), pcp->high_min);
		return 0;
	}
	if (zone->reclaim_active) {
		int free_count = MAX(pcp->free_count, batch);

		pcp->high = MAX(high - free_count, pcp->high_min);
		return MIN(batch << 2, pcp->high);
	}
	if (pcp->high_min == pcp->high_max)
		return high;
	if (zone->below_high) {
		int free_count = MAX(pcp->free_count, batch);

		pcp->high = MAX(high - free_count, pcp->high_min);
		high = MAX(pcp->count, pcp->high_min);
	} else if (pcp->count >= high) {
		int need_high = pcp->free_count + batch;

		if (pcp->high < need_high)
			pcp->high = CLAMP(need_high, pcp->high_min, pcp->high_max);
	}
	return high;
}

/* [6.7+] how many pages a drain frees (nr_pcp_free()). */
static int nr_pcp_free(const struct per_cpu_pages *pcp, int batch, int high, bool free_high)
{
	if (free_high)
		return MIN(pcp->count, batch << PCP_BATCH_SCALE_MAX);
	if (high < batch)
		return 1;
	return CLAMP(pcp->free_count, batch, high - batch);
}

/* Over the high mark: drain (out of line, like the refill). */
static G_GNUC_NO_INLINE void free_unref_page_drain_612(struct zone *zone,
						       struct per_cpu_pages *pcp, int batch,
						       int high, bool free_high,
						       unsigned int pindex)
{
	free_pcppages_bulk(zone, pcp, nr_pcp_free(pcp, batch, high, free_high), pindex);
	if (zone->below_high &&
	    zone_watermark_ok(zone, 0, wmark_pages(zone, WMARK_HIGH), ZONE_MOVABLE, 0,
			      zone->nr_free_pages))
		zone->below_high = false;
}

void free_unref_page_commit_612(struct zone *zone, struct per_cpu_pages *pcp,
				unsigned int order, unsigned int pindex)
{
	int batch = pcp->batch, high;
	bool free_high = false;

	if (order && order <= PAGE_ALLOC_COSTLY_ORDER) {
		/* PCPF_FREE_HIGH_BATCH: assume a data cache slice > 3 batches */
		free_high = pcp->free_count >= batch && pcp->free_high && pcp->count >= batch;
		pcp->free_high = true;
	} else {
		pcp->free_high = false;
	}
	if (pcp->free_count < (batch << PCP_BATCH_SCALE_MAX))
		pcp->free_count += 1 << order;
	high = nr_pcp_high(pcp, zone, batch, free_high);
	if (pcp->count >= high)
		free_unref_page_drain_612(zone, pcp, batch, high, free_high, pindex);
}

/*
 * [<=6.6] Over the high mark, drain (nr_pcp_free()): everything after a
 * free of order 1-3 with free_factor set, one page if high < batch, else
 * batch << free_factor pages clamped to [batch, high - batch], growing
 * free_factor while below that.  Out of line, like the refill.
 */
void free_unref_page_drain_65(struct zone *zone, struct per_cpu_pages *pcp, int batch,
			      int high, bool free_high, unsigned int pindex)
{
	int n;

	if (free_high) {
		n = pcp->count;
	} else if (high < batch) {
		n = 1;
	} else {
		int max_nr_free = high - batch;

		n = batch << pcp->free_factor;
		if (n < max_nr_free)
			pcp->free_factor++;
		n = CLAMP(n, batch, max_nr_free);
	}
	free_pcppages_bulk(zone, pcp, n, pindex);
}

/*
 * Once a second the vmstat worker lowers an auto-tuned high by an eighth
 * and drains what no longer fits, a batch at a time (decay_pcp_high()).
 */
void sim_pcp_decay(struct pgdat *pgdat)
{
	if (!pgdat->pcp || !era_pcp_autotune(pgdat))
		return;
	for (unsigned int cpu = 0; cpu < pgdat->cfg.cpus; cpu++) {
		for (int z = 0; z < MAX_NR_ZONES; z++) {
			struct zone *zone = &pgdat->zones[z];
			struct per_cpu_pages *pcp = zone_pcp(pgdat, (int)cpu, zone);
			int to_drain;

			if (pcp->high > pcp->high_min)
				pcp->high = MAX(MAX(pcp->count - (pcp->batch << PCP_BATCH_SCALE_MAX),
						    pcp->high - (pcp->high >> 3)), pcp->high_min);
			to_drain = pcp->count - pcp->high;
			while (to_drain > 0) {
				int n = MIN(to_drain, pcp->batch);

				free_pcppages_bulk(zone, pcp, n, 0);
				to_drain -= n;
			}
		}
	}
}
