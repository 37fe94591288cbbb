// SPDX-License-Identifier: GPL-2.0-only
/*
 * The whole-node validator (SIM_DEBUG >= 2 runs it after every event) and
 * the page census.  Like mimalloc's _mi_page_is_valid() it checks
 * bookkeeping identities rather than re-deriving behaviour:
 *
 *  - every present page belongs to exactly one block or reservation, and
 *    every block is naturally aligned and inside one zone;
 *  - no two free buddies of the same order could have merged;
 *  - the free lists hold exactly the free block heads, with consistent
 *    links, per-order counts, per-type page counts and non-empty masks;
 *  - [6.10+] a free block sits on its pageblock's type's list;
 *  - PCP lists hold PCP heads of the list's order, and count adds up;
 *  - NR_FREE_PAGES = buddy + unaccepted pages; and per zone
 *    buddy + PCP + allocated + unaccepted = managed.
 */
#include <stdio.h>
#include <string.h>
#include "internal.h"
#include "unaccepted.h"

#define FAIL(...) do { if (why) g_string_append_printf(why, __VA_ARGS__); return false; } while (0)

struct zone_census {
	uint64_t buddy, pcp, alloc, unaccepted, reserved;
};

static bool scan_pages(const struct pgdat *pgdat, struct zone_census *zc, uint32_t *pb_count,
		       GString *why)
{
	unsigned int nr_ranges;
	const struct mem_range *ranges = pgdat_ranges(pgdat, &nr_ranges);

	for (unsigned int r = 0; r < nr_ranges; r++) {
		for (uint32_t pfn = ranges[r].start_pfn; pfn < ranges[r].end_pfn;) {
			pginfo_t info = pgdat->pages[pfn].info;
			unsigned int order = pg_order(info);
			uint32_t nr = 1U << order;
			const struct zone *zone = page_zone_fast((struct pgdat *)pgdat, pfn);
			struct zone_census *c = &zc[zone->idx];

			if (pg_state(info) == PG_RESERVED) {
				c->reserved++;
				pfn++;
				continue;
			}
			if (pg_state(info) == PG_TAIL)
				FAIL("pfn %#x: page belongs to no block\n", pfn);
			if (order > MAX_PAGE_ORDER || (pfn & (nr - 1)))
				FAIL("pfn %#x: block of order %u misaligned\n", pfn, order);
			if (pfn + nr > ranges[r].end_pfn ||
			    pfn + nr - zone->zone_start_pfn > zone->spanned_pages)
				FAIL("pfn %#x: order-%u block crosses a range or zone end\n", pfn, order);
			for (uint32_t t = 1; t < nr; t++)
				if (pgdat->pages[pfn + t].info != 0)
					FAIL("pfn %#x: tail page of block %#x has state %#x\n",
					     pfn + t, pfn, pgdat->pages[pfn + t].info);
			switch (pg_state(info)) {
			case PG_BUDDY: {
				uint32_t buddy = pfn ^ nr;

				c->buddy += nr;
				if (order < MAX_PAGE_ORDER && buddy < pgdat->node_spanned_pages &&
				    page_zone_fast((struct pgdat *)pgdat, buddy) == zone &&
				    pg_state(pgdat->pages[buddy].info) == PG_BUDDY &&
				    pg_order(pgdat->pages[buddy].info) == order) {
					int a = get_pageblock_migratetype(pgdat, pfn);
					int b = get_pageblock_migratetype(pgdat, buddy);
					bool blocked = order >= PAGEBLOCK_ORDER && a != b &&
						(a >= MIGRATE_PCPTYPES || b >= MIGRATE_PCPTYPES);

					if (!blocked)
						FAIL("pfn %#x and %#x: free order-%u buddies not merged\n",
						     pfn, buddy, order);
				}
				if (era_freelist_hygiene(pgdat) &&
				    (int)pg_mt(info) != get_pageblock_migratetype(pgdat, pfn))
					FAIL("pfn %#x: free on the %s list of a %s pageblock\n", pfn,
					     migratetype_name((int)pg_mt(info)),
					     migratetype_name(get_pageblock_migratetype(pgdat, pfn)));
				break;
			}
			case PG_PCP:
				c->pcp += nr;
				break;
			case PG_ALLOC:
				c->alloc += nr;
				if (pb_count)
					for (uint32_t i = 0; i < nr; i += PAGEBLOCK_NR_PAGES)
						pb_count[((pfn + i) >> PAGEBLOCK_ORDER) * MIGRATE_PCPTYPES +
							 pg_mt(info)] += MIN(nr, PAGEBLOCK_NR_PAGES);
				break;
			case PG_UNACCEPTED:
				if (order != MAX_PAGE_ORDER)
					FAIL("pfn %#x: unaccepted chunk of order %u\n", pfn, order);
				c->unaccepted += nr;
				break;
			default:
				FAIL("pfn %#x: bad state %#x\n", pfn, info);
			}
			pfn += nr;
		}
	}
	return true;
}

static bool check_free_lists(const struct pgdat *pgdat, const struct zone *zone, GString *why)
{
	long pages_mt[MIGRATE_TYPES] = { 0 };
	long total = 0;

	for (unsigned int o = 0; o < NR_PAGE_ORDERS; o++) {
		uint64_t blocks = 0;

		for (int mt = 0; mt < MIGRATE_TYPES; mt++) {
			const struct free_list *fl = &zone->free_area[o].free_list[mt];
			uint64_t listed = 0;
			uint32_t pos, pfn;

			if (!fl->nr != free_area_empty(zone, o, mt))
				FAIL("zone %s order %u %s: non-empty mask wrong\n",
				     zone_name(zone->idx), o, migratetype_name(mt));
			if (fl->end - fl->first > fl->mask + 1ULL)
				FAIL("zone %s order %u %s: ring holds %u of %u entries\n",
				     zone_name(zone->idx), o, migratetype_name(mt),
				     fl->end - fl->first, fl->mask + 1);
			if (fl->nr && (fl->ring[fl->first & fl->mask] == PFN_NONE ||
				       fl->ring[(fl->end - 1) & fl->mask] == PFN_NONE))
				FAIL("zone %s order %u %s: a hole at an end of the list\n",
				     zone_name(zone->idx), o, migratetype_name(mt));
			for_each_free_block(zone, o, mt, pos, pfn) {
				if (pfn >= pgdat->node_spanned_pages ||
				    pg_make(PG_BUDDY, o, (unsigned int)mt) != pgdat->pages[pfn].info)
					FAIL("zone %s order %u %s list: pfn %#x is not such a free block\n",
					     zone_name(zone->idx), o, migratetype_name(mt), pfn);
				if (pgdat->pages[pfn].fl_pos != pos)
					FAIL("pfn %#x: listed at %u, thinks %u\n", pfn, pos,
					     pgdat->pages[pfn].fl_pos);
				listed++;
				pages_mt[mt] += 1L << o;
			}
			if (listed != fl->nr)
				FAIL("zone %s order %u %s: %u blocks counted, %" G_GUINT64_FORMAT " listed\n",
				     zone_name(zone->idx), o, migratetype_name(mt), fl->nr, listed);
			blocks += listed;
		}
		if (blocks != zone->free_area[o].nr_free)
			FAIL("zone %s order %u: nr_free %" G_GUINT64_FORMAT ", listed %" G_GUINT64_FORMAT "\n",
			     zone_name(zone->idx), o, zone->free_area[o].nr_free, blocks);
	}
	for (int mt = 0; mt < MIGRATE_TYPES; mt++) {
		if (pages_mt[mt] != zone->nr_free_mt[mt])
			FAIL("zone %s: %s free pages %ld, listed %ld\n", zone_name(zone->idx),
			     migratetype_name(mt), zone->nr_free_mt[mt], pages_mt[mt]);
		total += pages_mt[mt];
	}
	if (total + zone->nr_unaccepted != zone->nr_free_pages)
		FAIL("zone %s: NR_FREE_PAGES %ld != buddy %ld + unaccepted %ld\n",
		     zone_name(zone->idx), zone->nr_free_pages, total, zone->nr_unaccepted);
	return true;
}

static bool check_pcp(const struct pgdat *pgdat, const struct zone *zone, uint64_t *pages,
		      GString *why)
{
	*pages = 0;
	if (!pgdat->pcp)
		return true;
	for (unsigned int cpu = 0; cpu < pgdat->cfg.cpus; cpu++) {
		const struct per_cpu_pages *pcp = &pgdat->pcp[cpu * MAX_NR_ZONES + zone->idx];
		long count = 0;

		for (int l = 0; l < NR_PCP_LISTS; l++) {
			const struct pcp_list *pl = &pcp->lists[l];
			unsigned int order = l < MIGRATE_PCPTYPES * (PAGE_ALLOC_COSTLY_ORDER + 1) ?
					     (unsigned int)l / MIGRATE_PCPTYPES : PAGEBLOCK_ORDER;

			for (uint32_t i = 0; i < pl->len; i++) {
				uint32_t pfn = pl->buf[(pl->first + i) & pl->mask];

				if (pg_state(pgdat->pages[pfn].info) != PG_PCP ||
				    pg_order(pgdat->pages[pfn].info) != order ||
				    page_zone_fast((struct pgdat *)pgdat, pfn) != zone)
					FAIL("cpu %u zone %s pcp list %d: pfn %#x is not a PCP block of order %u\n",
					     cpu, zone_name(zone->idx), l, pfn, order);
				count += 1L << order;
			}
		}
		if (count != pcp->count)
			FAIL("cpu %u zone %s: pcp count %d, listed %ld\n", cpu, zone_name(zone->idx),
			     pcp->count, count);
		*pages += (uint64_t)count;
	}
	return true;
}

/* Every unaccepted 2 MiB unit lies in a chunk waiting on a zone list. */
static bool check_unaccepted_units(const struct pgdat *pgdat, GString *why)
{
	const struct unaccepted_mem *u = pgdat->unaccepted;
	uint64_t set = 0;

	if (!u)
		return true;
	for (uint64_t w = 0; w < (u->nr_units + 63) / 64; w++) {
		uint64_t bits = u->bitmap[w];

		while (bits) {
			uint64_t unit = w * 64 + (uint64_t)__builtin_ctzll(bits);
			uint32_t head = (uint32_t)(unit * UNIT_PAGES) & ~(MAX_ORDER_NR_PAGES - 1);

			bits &= bits - 1;
			set++;
			if (pg_state(pgdat->pages[head].info) != PG_UNACCEPTED)
				FAIL("unaccepted unit %" G_GUINT64_FORMAT " (pfn %#x) is in no listed chunk\n",
				     unit, head);
		}
	}
	if (set != u->unaccepted_units)
		FAIL("bitmap has %" G_GUINT64_FORMAT " units set, %" G_GUINT64_FORMAT " counted\n",
		     set, u->unaccepted_units);
	return true;
}

bool pgdat_is_valid(const struct pgdat *pgdat, GString *why)
{
	struct zone_census zc[MAX_NR_ZONES] = { 0 };

	uint32_t nr_blocks = (pgdat->node_spanned_pages + PAGEBLOCK_NR_PAGES - 1) >> PAGEBLOCK_ORDER;
	g_autofree uint32_t *pb_count = g_new0(uint32_t, (gsize)nr_blocks * MIGRATE_PCPTYPES);

	if (!scan_pages(pgdat, zc, pb_count, why) || !check_unaccepted_units(pgdat, why))
		return false;
	for (uint32_t b = 0; b < nr_blocks; b++)
		for (int mt = 0; mt < MIGRATE_PCPTYPES; mt++)
			if (pb_count[b * MIGRATE_PCPTYPES + mt] != pgdat->pb_alloc[b][mt])
				FAIL("pageblock %u: %u %s pages allocated, %u counted\n", b,
				     pb_count[b * MIGRATE_PCPTYPES + mt], migratetype_name(mt),
				     pgdat->pb_alloc[b][mt]);
	for (int z = 0; z < MAX_NR_ZONES; z++) {
		const struct zone *zone = &pgdat->zones[z];
		uint64_t pcp_pages;

		if (!check_free_lists(pgdat, zone, why) || !check_pcp(pgdat, zone, &pcp_pages, why))
			return false;
		if (pcp_pages != zc[z].pcp)
			FAIL("zone %s: %" G_GUINT64_FORMAT " pages on PCP lists, %" G_GUINT64_FORMAT
			     " marked\n", zone_name(z), pcp_pages, zc[z].pcp);
		if ((long)zc[z].buddy != zone->nr_free_pages - zone->nr_unaccepted)
			FAIL("zone %s: %" G_GUINT64_FORMAT " buddy pages marked, %ld counted\n",
			     zone_name(z), zc[z].buddy, zone->nr_free_pages - zone->nr_unaccepted);
		if ((long)zc[z].unaccepted != zone->nr_unaccepted)
			FAIL("zone %s: %" G_GUINT64_FORMAT " unaccepted pages marked, %ld counted\n",
			     zone_name(z), zc[z].unaccepted, zone->nr_unaccepted);
		if (zc[z].buddy + zc[z].pcp + zc[z].alloc + zc[z].unaccepted != zone->managed_pages)
			FAIL("zone %s: pages not conserved: buddy %" G_GUINT64_FORMAT " + pcp %"
			     G_GUINT64_FORMAT " + allocated %" G_GUINT64_FORMAT " + unaccepted %"
			     G_GUINT64_FORMAT " != managed %u\n", zone_name(z), zc[z].buddy,
			     zc[z].pcp, zc[z].alloc, zc[z].unaccepted, zone->managed_pages);
	}
	return true;
}

void pgdat_census(const struct pgdat *pgdat, struct mm_page_census *c)
{
	struct zone_census zc[MAX_NR_ZONES] = { 0 };

	memset(c, 0, sizeof(*c));
	scan_pages(pgdat, zc, NULL, NULL);
	for (int z = 0; z < MAX_NR_ZONES; z++) {
		c->managed += pgdat->zones[z].managed_pages;
		c->buddy += zc[z].buddy;
		c->pcp += zc[z].pcp;
		c->unaccepted += zc[z].unaccepted;
		c->allocated += zc[z].alloc;
	}
}

uint64_t pgdat_used_pages(const struct pgdat *pgdat)
{
	uint64_t used = 0;

	for (int z = 0; z < MAX_NR_ZONES; z++) {
		const struct zone *zone = &pgdat->zones[z];
		long pcp = 0;

		for (unsigned int cpu = 0; pgdat->pcp && cpu < pgdat->cfg.cpus; cpu++)
			pcp += pgdat->pcp[cpu * MAX_NR_ZONES + z].count;
		used += (uint64_t)((long)zone->managed_pages - zone->nr_free_pages - pcp);
	}
	return used;
}

void sim_check_after_event_expensive(struct pgdat *pgdat)
{
#if SIM_CHECKS_EXPENSIVE
	g_autoptr(GString) why = NULL;

	if (pgdat->check_every > 1 && pgdat->nr_events % pgdat->check_every)
		return;
	why = g_string_new(NULL);
	if (!pgdat_is_valid(pgdat, why)) {
		fprintf(stderr, "acceptsim: invariant broken after event %" G_GUINT64_FORMAT ":\n%s",
			pgdat->nr_events, why->str);
		SIM_BUG_ON(1);
	}
#else
	(void)pgdat;
#endif
}
