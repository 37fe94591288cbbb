// SPDX-License-Identifier: GPL-2.0-only
/*
 * Watermarks and reserves: min_free_kbytes (calculate_min_free_kbytes(),
 * khugepaged's set_recommended_min_free_kbytes()), per-zone marks
 * (__setup_per_zone_wmarks()), lowmem_reserve, the watermark check
 * (__zone_watermark_ok(), zone_watermark_fast()), watermark boosting,
 * the highatomic reserve and kswapd wake-ups.  Mirrors mm/page_alloc.c,
 * mm/khugepaged.c and mm/vmscan.c of 6.12; era differences are marked.
 */
#include <string.h>
#include "internal.h"

static const int sysctl_lowmem_reserve_ratio[MAX_NR_ZONES] = {
	[ZONE_DMA] = 256, [ZONE_DMA32] = 256, [ZONE_NORMAL] = 32, [ZONE_MOVABLE] = 0,
};

static uint64_t int_sqrt64(uint64_t x)
{
	uint64_t r = 0, bit = 1ULL << 62;

	while (bit > x)
		bit >>= 2;
	while (bit) {
		if (x >= r + bit) {
			x -= r + bit;
			r = (r >> 1) + bit;
		} else {
			r >>= 1;
		}
		bit >>= 2;
	}
	return r;
}

/* Σ over zones usable by GFP_USER of pages above the high mark. */
static uint64_t nr_free_buffer_pages(const struct pgdat *pgdat)
{
	uint64_t sum = 0;

	for (int z = 0; z <= ZONE_NORMAL; z++) {
		const struct zone *zone = &pgdat->zones[z];
		long high = zone->_watermark[WMARK_HIGH];

		if ((long)zone->managed_pages > high)
			sum += zone->managed_pages - high;
	}
	return sum;
}

static void __setup_per_zone_wmarks(struct pgdat *pgdat)
{
	uint64_t pages_min = pgdat->min_free_kbytes >> (PAGE_SHIFT - 10);
	uint64_t lowmem_pages = 0;

	for (int z = 0; z < MAX_NR_ZONES; z++)
		if (z != ZONE_MOVABLE)
			lowmem_pages += pgdat->zones[z].managed_pages;

	for (int z = 0; z < MAX_NR_ZONES; z++) {
		struct zone *zone = &pgdat->zones[z];
		uint64_t tmp = lowmem_pages ? pages_min * zone->managed_pages / lowmem_pages : 0;
		uint64_t scaled = (uint64_t)zone->managed_pages * pgdat->cfg.watermark_scale_factor / 10000;

		if (z == ZONE_MOVABLE)
			zone->_watermark[WMARK_MIN] = CLAMP(zone->managed_pages / 1024, 32, 128);
		else
			zone->_watermark[WMARK_MIN] = (long)tmp;
		tmp = MAX(tmp >> 2, scaled);
		zone->watermark_boost = 0;
		zone->_watermark[WMARK_LOW] = zone->_watermark[WMARK_MIN] + (long)tmp;
		zone->_watermark[WMARK_HIGH] = zone->_watermark[WMARK_LOW] + (long)tmp;
		zone->_watermark[WMARK_PROMO] = zone->_watermark[WMARK_HIGH] + (long)tmp;
	}
}

/*
 * lowmem_reserve[i][j] = Σ managed(i+1..j) / ratio[i].  [6.12] (mainline
 * 6.10-6.13, 6.12.0) shows no reserve towards an empty zone j.
 */
void setup_per_zone_lowmem_reserve(struct pgdat *pgdat)
{
	for (int i = 0; i < MAX_NR_ZONES; i++) {
		struct zone *zone = &pgdat->zones[i];
		int ratio = sysctl_lowmem_reserve_ratio[i];
		bool clear = !ratio || !zone->managed_pages;
		uint64_t managed = 0;

		zone->lowmem_reserve[i] = 0;
		for (int j = i + 1; j < MAX_NR_ZONES; j++) {
			const struct zone *upper = &pgdat->zones[j];
			bool empty = era_is(pgdat, KERNEL_6_12) && !upper->managed_pages;

			managed += upper->managed_pages;
			zone->lowmem_reserve[j] = clear || empty ? 0 : (long)(managed / (uint64_t)ratio);
		}
	}
	calculate_totalreserve_pages(pgdat);
}

void calculate_totalreserve_pages(struct pgdat *pgdat)
{
	uint64_t total = 0;

	for (int z = 0; z < MAX_NR_ZONES; z++) {
		const struct zone *zone = &pgdat->zones[z];
		long max = 0;

		for (int j = z; j < MAX_NR_ZONES; j++)
			max = MAX(max, zone->lowmem_reserve[j]);
		max += zone->_watermark[WMARK_HIGH];
		if (max > (long)zone->managed_pages)
			max = zone->managed_pages;
		total += (uint64_t)max;
	}
	pgdat->totalreserve_pages = total;
}

/* khugepaged: two free pageblocks per zone plus one per fallback pair. */
static void set_recommended_min_free_kbytes(struct pgdat *pgdat)
{
	uint64_t nr_zones = 0, recommended;

	for (int z = 0; z <= ZONE_NORMAL; z++)
		if (zone_populated(&pgdat->zones[z]))
			nr_zones++;
	recommended = PAGEBLOCK_NR_PAGES * nr_zones * 2;
	recommended += PAGEBLOCK_NR_PAGES * nr_zones * MIGRATE_PCPTYPES * MIGRATE_PCPTYPES;
	recommended = MIN(recommended, nr_free_buffer_pages(pgdat) / 20);
	recommended <<= PAGE_SHIFT - 10;
	if (recommended > pgdat->min_free_kbytes)
		pgdat->min_free_kbytes = recommended;
}

static void refresh_derived(struct pgdat *pgdat)
{
	__setup_per_zone_wmarks(pgdat);
	setup_per_zone_lowmem_reserve(pgdat);
	for (int z = 0; z < MAX_NR_ZONES; z++)
		zone_set_pageset_high_and_batch(&pgdat->zones[z]);
}

/*
 * Boot-time watermark setup: init_per_zone_wmark_min() (a postcore
 * initcall), then khugepaged's raise when THP is on.  A configured
 * min_free_kbytes (the sysctl written later) overrides both.
 */
void setup_per_zone_wmarks(struct pgdat *pgdat)
{
	uint64_t lowmem_kbytes;

	for (int z = 0; z < MAX_NR_ZONES; z++)
		memset(pgdat->zones[z]._watermark, 0, sizeof(pgdat->zones[z]._watermark));
	lowmem_kbytes = nr_free_buffer_pages(pgdat) * (PAGE_SIZE >> 10);
	pgdat->min_free_kbytes = CLAMP(int_sqrt64(lowmem_kbytes * 16), 128, 262144);
	refresh_derived(pgdat);
	if (pgdat->cfg.thp) {
		set_recommended_min_free_kbytes(pgdat);
		refresh_derived(pgdat);
	}
	if (pgdat->cfg.min_free_kbytes) {
		pgdat->min_free_kbytes = pgdat->cfg.min_free_kbytes;
		refresh_derived(pgdat);
	}
	/* 512 pages per type above the high marks, or grouping is pointless */
	pgdat->page_group_by_mobility_disabled =
		nr_free_buffer_pages(pgdat) < PAGEBLOCK_NR_PAGES * MIGRATE_TYPES;
}

bool zone_watermark_ok(const struct zone *z, unsigned int order, long mark,
		       enum zone_type highest_zoneidx, unsigned int alloc_flags, long free_pages)
{
	long min = mark;

	free_pages -= zone_watermark_unusable_free(z, order, alloc_flags);
	if (alloc_flags & ALLOC_RESERVES) {
		if (alloc_flags & ALLOC_MIN_RESERVE) {
			min -= min / 2;
			if (alloc_flags & ALLOC_NON_BLOCK)
				min -= min / 4;
		}
		if (alloc_flags & ALLOC_OOM)
			min -= min / 2;
	}
	/* order-0 check; note "<=": a zone exactly at its mark fails */
	if (free_pages <= min + z->lowmem_reserve[highest_zoneidx])
		return false;
	if (!order)
		return true;
	for (unsigned int o = order; o < NR_PAGE_ORDERS; o++) {
		if (!z->free_area[o].nr_free)
			continue;
		for (int mt = 0; mt < MIGRATE_PCPTYPES; mt++)
			if (!free_area_empty(z, o, mt))
				return true;
		if ((alloc_flags & (ALLOC_HIGHATOMIC | ALLOC_OOM)) &&
		    !free_area_empty(z, o, MIGRATE_HIGHATOMIC))
			return true;
	}
	return false;
}

/* The slow half of zone_watermark_fast() (internal.h). */
bool zone_watermark_fast_slow(const struct zone *z, unsigned int order, long mark,
			      enum zone_type highest_zoneidx, unsigned int alloc_flags)
{
	long free_pages = z->nr_free_pages;

	if (zone_watermark_ok(z, order, mark, highest_zoneidx, alloc_flags, free_pages))
		return true;
	/* __GFP_HIGH order-0 at the min mark ignores the boost */
	if (!order && (alloc_flags & ALLOC_MIN_RESERVE) && z->watermark_boost &&
	    (alloc_flags & ALLOC_WMARK_MASK) == WMARK_MIN)
		return zone_watermark_ok(z, order, z->_watermark[WMARK_MIN], highest_zoneidx,
					 alloc_flags, free_pages);
	return false;
}

/*
 * Raise the zone's watermarks by one pageblock after a fragmenting
 * fallback, up to 150% of the high mark (boost_watermark()).
 */
bool boost_watermark(struct zone *zone)
{
	unsigned int factor = zone->pgdat->cfg.watermark_boost_factor;
	long max_boost;

	if (!factor)
		return false;
	if ((long)PAGEBLOCK_NR_PAGES * 4 > (long)zone->managed_pages)
		return false;
	max_boost = (long)((uint64_t)zone->_watermark[WMARK_HIGH] * factor / 10000);
	if (!max_boost)
		return false;
	max_boost = MAX((long)PAGEBLOCK_NR_PAGES, max_boost);
	zone->watermark_boost = MIN(zone->watermark_boost + (long)PAGEBLOCK_NR_PAGES, max_boost);
	zone->pgdat->stats.boost++;
	return true;
}

/*
 * Turn the pageblock of a successful high-order atomic allocation into a
 * HIGHATOMIC reserve (reserve_highatomic_pageblock()).
 */
void reserve_highatomic_pageblock(struct zone *zone, uint32_t pfn, unsigned int order)
{
	struct pgdat *pgdat = zone->pgdat;
	long max_managed;
	int mt;

	if (era_is(pgdat, KERNEL_6_5)) {
		max_managed = zone->managed_pages / 100 + PAGEBLOCK_NR_PAGES;
	} else {
		if (zone->managed_pages / 100 < PAGEBLOCK_NR_PAGES)
			return;
		max_managed = (long)((zone->managed_pages / 100 + PAGEBLOCK_NR_PAGES - 1) &
				     ~(PAGEBLOCK_NR_PAGES - 1));
	}
	if (zone->nr_reserved_highatomic >= max_managed)
		return;
	mt = get_pageblock_migratetype(pgdat, pfn);
	if (mt >= MIGRATE_PCPTYPES)
		return;
	/* [<=6.9] one pageblock whatever the order: the page's own */
	if (order < PAGEBLOCK_ORDER || era_is(pgdat, KERNEL_6_5)) {
		if (move_freepages_block(zone, pfn, MIGRATE_HIGHATOMIC, NULL) < 0)
			return;
		set_pageblock_migratetype(pgdat, pfn, MIGRATE_HIGHATOMIC);
		zone->nr_reserved_highatomic += PAGEBLOCK_NR_PAGES;
	} else {
		change_pageblock_range(pgdat, pfn, order, MIGRATE_HIGHATOMIC);
		zone->nr_reserved_highatomic += 1L << order;
	}
	pgdat->stats.highatomic_reserve++;
}

/*
 * Give one HIGHATOMIC pageblock back to @mt (unreserve_highatomic_pageblock());
 * without @force, each zone keeps at least one reserved block.
 */
bool unreserve_highatomic_pageblock(struct pgdat *pgdat, enum zone_type highest_zoneidx,
				    int mt, bool force)
{
	for (int z = (int)highest_zoneidx; z >= 0; z--) {
		struct zone *zone = &pgdat->zones[z];

		if (!zone_managed(zone))
			continue;
		if (!force && zone->nr_reserved_highatomic <= (long)PAGEBLOCK_NR_PAGES)
			continue;
		for (unsigned int order = 0; order < NR_PAGE_ORDERS; order++) {
			uint32_t pfn = first_in_list(zone, order, MIGRATE_HIGHATOMIC);
			long size;

			if (pfn == PFN_NONE)
				continue;
			if (get_pageblock_migratetype(pgdat, pfn) == MIGRATE_HIGHATOMIC) {
				size = MAX((long)PAGEBLOCK_NR_PAGES, 1L << order);
				size = MIN(size, zone->nr_reserved_highatomic);
				zone->nr_reserved_highatomic -= size;
			}
			if (order < PAGEBLOCK_ORDER) {
				move_freepages_block(zone, pfn, mt, NULL);
				set_pageblock_migratetype(pgdat, pfn, mt);
			} else {
				move_to_free_list(zone, pfn, order, mt);
				change_pageblock_range(pgdat, pfn, order, mt);
			}
			pgdat->stats.highatomic_unreserve++;
			return true;
		}
	}
	return false;
}

/* Does any zone up to @highest_zoneidx meet its high mark for @order? */
bool pgdat_balanced(struct pgdat *pgdat, unsigned int order, enum zone_type highest_zoneidx)
{
	for (int z = 0; z <= (int)highest_zoneidx; z++) {
		const struct zone *zone = &pgdat->zones[z];

		if (!zone_managed(zone))
			continue;
		if (zone_watermark_ok(zone, order, wmark_pages(zone, WMARK_HIGH), highest_zoneidx,
				      0, zone->nr_free_pages))
			return true;
	}
	return false;
}

static bool pgdat_boosted(const struct pgdat *pgdat, enum zone_type highest_zoneidx)
{
	for (int z = 0; z <= (int)highest_zoneidx; z++)
		if (pgdat->zones[z].watermark_boost)
			return true;
	return false;
}

/*
 * kswapd without a reclaim model: it runs, finds nothing to reclaim, drops
 * the boosts it saw (balance_pgdat()'s boosted reclaim stops on a pass that
 * reclaims nothing) and goes back to sleep.
 */
static void kswapd_run_noreclaim(struct pgdat *pgdat)
{
	for (int z = 0; z < MAX_NR_ZONES; z++)
		pgdat->zones[z].watermark_boost = 0;
	pgdat->kswapd_awake = false;
	pgdat->kswapd_order = 0;
	pgdat->kswapd_highest_zoneidx = ZONE_DMA;
}

/* wakeup_kswapd(): note the request, wake kswapd if it has work to do. */
void wakeup_kswapd(struct zone *zone, unsigned int order, enum zone_type highest_zoneidx)
{
	struct pgdat *pgdat = zone->pgdat;

	if (!zone_managed(zone))
		return;
	if (pgdat->kswapd_highest_zoneidx < highest_zoneidx || !pgdat->kswapd_awake)
		pgdat->kswapd_highest_zoneidx = MAX(pgdat->kswapd_highest_zoneidx, highest_zoneidx);
	pgdat->kswapd_order = MAX(pgdat->kswapd_order, order);
	if (pgdat->kswapd_awake)
		return;
	if (pgdat->kswapd_failures >= 16 ||
	    (pgdat_balanced(pgdat, order, highest_zoneidx) && !pgdat_boosted(pgdat, highest_zoneidx)))
		return;
	pgdat->kswapd_awake = true;
	pgdat->stats.kswapd_wake++;
	if (pgdat->hooks.kswapd_wake)
		pgdat->hooks.kswapd_wake(pgdat->hooks.pressure_ctx, pgdat, order, highest_zoneidx);
	else
		kswapd_run_noreclaim(pgdat);
}
