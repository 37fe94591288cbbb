// SPDX-License-Identifier: GPL-2.0-only
/*
 * A replay's starting point from saved /proc files: the guest layout from
 * zoneinfo, and free lists and pageblock types from pagetypeinfo.
 *
 * Layout (x86_64, one node; arch/x86/mm/init.c: zone_sizes_init()): RAM
 * below 4 GiB ends at DMA32's start + present pages (the PCI hole and
 * every other hole in DMA32 is put at its top); Normal starts at 4 GiB and
 * its missing pages become one hole at its start; DMA's missing pages
 * beyond the legacy 640 KiB-1 MiB hole (which sim/layout.c always punches)
 * become a hole right below 640 KiB.  The boot reservation at 16 MiB is
 * DMA32's present - managed, the memmap (64 bytes a page, layout.c) is
 * reserved at the top of RAM, so Normal's managed pages differ from the
 * real ones by the real memmap and other reservations.
 *
 * Free lists (pagetypeinfo gives counts, not addresses): per zone, free
 * blocks are placed by decreasing order, types in the kernel's order
 * (Unmovable, Movable, Reclaimable, HighAtomic), each in the lowest free
 * region that fits, preferring a region of exactly that order, then one in
 * a pageblock already of that type, then a larger region split at its
 * start.  Splitting region [s, s + 2^k) for a block of order o keeps
 * [s, s + 2^o) free and allocates page s + 2^(o+1) - 1 (the "anchor"), so
 * neither the block nor the pieces left over, [s + 2^o, s + 2^(o+1) - 1)
 * as one block of each order below o and [s + 2^j, s + 2^(j+1)) for
 * o < j < k, can merge with their buddy: each buddy holds the anchor.
 * An order-8 block in a fresh order-10 region at 0x100000 leaves 0x100000
 * free, allocates 0x1001ff, and keeps orders 7..0 at 0x100100..0x1001fe
 * and order 9 at 0x100200 for later blocks.  A pageblock takes the type
 * of the first block placed in it; untyped pageblocks then make up the
 * snapshot's pageblock counts, Unmovable first from the lowest pfn, then
 * Movable, Reclaimable, HighAtomic, the rest Movable.  Every managed page
 * left over is allocated (as blocks of order <= 9 of its pageblock's type;
 * Unmovable in HighAtomic blocks).
 */
#include <string.h>
#include "initstate.h"
#include "cli.h"
#include "internal.h"

#define LEGACY_HOLE_PFN	(0xa0000U >> PAGE_SHIFT)	/* 640 KiB: layout.c punches to 1 MiB */
#define LEGACY_PAGES	((0x100000U >> PAGE_SHIFT) - LEGACY_HOLE_PFN)
#define DMA_END_PFN	4096U				/* 16 MiB */
#define DMA32_END_PFN	(1U << 20)			/* 4 GiB */
#define UNTYPED		MIGRATE_TYPES			/* pageblock class: no type yet */

static void add_hole(struct sim_config *cfg, uint64_t pfn, uint64_t pages)
{
	struct mem_hole h = { pfn << PAGE_SHIFT, pages << PAGE_SHIFT };

	if (!pages)
		return;
	if (!cfg->holes)
		cfg->holes = g_array_new(FALSE, FALSE, sizeof(struct mem_hole));
	g_array_append_val(cfg->holes, h);
}

bool initstate_layout(const struct initstate_geometry *g, struct sim_config *cfg,
		      GString *notes, GError **error)
{
	const struct initstate_zone_geometry *dma = &g->z[ZONE_DMA];
	const struct initstate_zone_geometry *d32 = &g->z[ZONE_DMA32];
	const struct initstate_zone_geometry *nrm = &g->z[ZONE_NORMAL];
	uint64_t below, end, present, memmap, kernel;
	int64_t missing;

	if (!d32->populated || g->z[ZONE_MOVABLE].populated) {
		g_set_error(error, SIM_CLI_ERROR, SIM_CLI_ERROR_USAGE,
			    "the model needs a populated DMA32 zone and no ZONE_MOVABLE");
		return false;
	}
	if (cfg->holes)
		g_array_set_size(cfg->holes, 0);
	if (nrm->populated) {
		/* DMA32 runs to 4 GiB: its holes go to its top, the PCI hole */
		below = DMA_END_PFN + d32->present;
		end = nrm->start_pfn + nrm->spanned;
		add_hole(cfg, DMA32_END_PFN, nrm->start_pfn - DMA32_END_PFN +
			 nrm->spanned - nrm->present);
	} else {
		/* RAM ends in DMA32: its holes go right below its last pageblock */
		uint64_t h = d32->spanned - d32->present + (d32->start_pfn - DMA_END_PFN);

		below = end = d32->start_pfn + d32->spanned;
		if (h && h + PAGEBLOCK_NR_PAGES + (32ULL << (20 - PAGE_SHIFT)) > end) {
			g_set_error(error, SIM_CLI_ERROR, SIM_CLI_ERROR_USAGE,
				    "DMA32 has %" G_GUINT64_FORMAT " pages of holes in %"
				    G_GUINT64_FORMAT ": too many for the model", h, d32->spanned);
			return false;
		}
		add_hole(cfg, end - PAGEBLOCK_NR_PAGES - h, h);
	}
	if (below < (32ULL << (20 - PAGE_SHIFT))) {
		g_set_error(error, SIM_CLI_ERROR, SIM_CLI_ERROR_USAGE,
			    "%" G_GUINT64_FORMAT " MiB of RAM below 4 GiB: the model needs 32 MiB",
			    below >> (20 - PAGE_SHIFT));
		return false;
	}
	/* DMA: the model's has 4096 - 96 (legacy hole) present pages at most */
	missing = (int64_t)(DMA_END_PFN - LEGACY_PAGES) - (int64_t)dma->present;
	if (missing > 0) {
		missing = MIN(missing, (int64_t)LEGACY_HOLE_PFN - 1);	/* keep pfn 0 */
		add_hole(cfg, LEGACY_HOLE_PFN - (uint64_t)missing, (uint64_t)missing);
	} else if (missing < 0 && notes) {
		g_string_append_printf(notes, "DMA has %" G_GUINT64_FORMAT " present pages, the "
				       "model at most %u (it keeps the 640 KiB-1 MiB hole)\n",
				       dma->present, DMA_END_PFN - LEGACY_PAGES);
	}
	if (notes && dma->populated && (dma->start_pfn || dma->spanned != DMA_END_PFN))
		g_string_append_printf(notes, "DMA spans [%" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT
				       "), the model's [0, %u): its node starts at pfn 0\n",
				       dma->start_pfn, dma->start_pfn + dma->spanned, DMA_END_PFN);
	cfg->mem_bytes = (below + (end > DMA32_END_PFN ? end - DMA32_END_PFN : 0)) << PAGE_SHIFT;
	cfg->below_4g_bytes = below << PAGE_SHIFT;
	/* the kernel image and early allocations: what DMA32 lacks */
	present = dma->present + d32->present + nrm->present;
	memmap = (present * 64 + PAGE_SIZE - 1) >> PAGE_SHIFT;
	kernel = d32->present - d32->managed;
	if (!nrm->populated)
		kernel = kernel > memmap ? kernel - memmap : 0;
	cfg->reserved_bytes = kernel << PAGE_SHIFT;
	return true;
}

/* ------------------------------------------------------- free list plan */

struct region {
	uint32_t pfn;
	uint8_t order;
};

/*
 * Free regions of one zone.  A region of order <= 9 lies in one pageblock
 * and is kept with it, so a pageblock that gets a type takes its regions
 * along; queues of pageblock numbers by (type or UNTYPED, order) find the
 * pageblocks holding regions of an order (entries are checked when
 * taken: a pageblock may since have lost the region or changed class).
 */
struct plan {
	uint32_t pb_lo;				/* first pageblock of the zone */
	uint8_t *pb_class;			/* by pageblock: its type or UNTYPED */
	GArray **pb_regions;			/* [(pb - pb_lo) * 10 + order]: struct region */
	GArray *queue[MIGRATE_TYPES + 1][PAGEBLOCK_ORDER + 1];	/* uint32_t pageblocks */
	GArray *max_order;			/* struct region of order 10, lowest on top */
	GArray *chosen;				/* struct region: free blocks to make */
};

static inline uint32_t pb_index(uint32_t pfn)
{
	return pfn >> PAGEBLOCK_ORDER;
}

static GArray **pb_slot(struct plan *p, uint32_t pb, unsigned int order)
{
	return &p->pb_regions[(pb - p->pb_lo) * (PAGEBLOCK_ORDER + 1) + order];
}

static void push(struct plan *p, uint32_t pfn, unsigned int order)
{
	struct region r = { pfn, (uint8_t)order };
	uint32_t pb = pb_index(pfn);
	GArray **slot;

	if (order > PAGEBLOCK_ORDER) {
		g_array_append_val(p->max_order, r);
		return;
	}
	slot = pb_slot(p, pb, order);
	if (!*slot)
		*slot = g_array_new(FALSE, FALSE, sizeof(struct region));
	g_array_append_val(*slot, r);
	g_array_append_val(p->queue[p->pb_class[pb]][order], pb);
}

/* Give pageblock @pb type @mt; its regions are queued under it. */
static void set_class(struct plan *p, uint32_t pb, int mt)
{
	if (p->pb_class[pb] == mt)
		return;
	p->pb_class[pb] = (uint8_t)mt;
	for (unsigned int o = 0; o <= PAGEBLOCK_ORDER; o++) {
		GArray **slot = pb_slot(p, pb, o);

		if (*slot && (*slot)->len)
			g_array_append_val(p->queue[mt][o], pb);
	}
}

/* A region of order @k in a pageblock of class @cls, taken out; false if none. */
static bool pop_region(struct plan *p, int cls, unsigned int k, struct region *r)
{
	GArray *q;

	if (k > PAGEBLOCK_ORDER) {
		if (cls != UNTYPED || !p->max_order->len)
			return false;
		*r = g_array_index(p->max_order, struct region, p->max_order->len - 1);
		g_array_set_size(p->max_order, p->max_order->len - 1);
		return true;
	}
	q = p->queue[cls][k];
	while (q->len) {
		uint32_t pb = g_array_index(q, uint32_t, q->len - 1);
		GArray *slot = *pb_slot(p, pb, k);

		if (p->pb_class[pb] != cls || !slot || !slot->len) {
			g_array_set_size(q, q->len - 1);	/* stale */
			continue;
		}
		*r = g_array_index(slot, struct region, slot->len - 1);
		g_array_set_size(slot, slot->len - 1);
		return true;
	}
	return false;
}

/* Keep [s, s + 2^o) of region @r free for @mt; give the rest back. */
static void carve(struct plan *p, struct region r, unsigned int o, int mt)
{
	struct region blk = { r.pfn, (uint8_t)o };
	uint32_t s = r.pfn;

	set_class(p, pb_index(s), mt);
	if (o > PAGEBLOCK_ORDER)
		set_class(p, pb_index(s) + 1, mt);
	g_array_append_val(p->chosen, blk);
	if (r.order == o)
		return;
	/* page s + 2^(o+1) - 1 stays allocated: the anchor */
	for (unsigned int j = 0; j < o; j++)
		push(p, s + (2U << o) - (2U << j), j);
	for (unsigned int j = o + 1; j < r.order; j++)
		push(p, s + (1U << j), j);
}

/*
 * Place one free block of order @o and type @mt; false if no region is
 * left.  Preference: a region of exactly that order in a pageblock of that
 * type, a larger one there (smallest first), then the same in untyped
 * pageblocks.
 */
static bool take(struct plan *p, unsigned int o, int mt)
{
	const int classes[2] = { mt, UNTYPED };

	for (int c = 0; c < 2; c++)
		for (unsigned int k = o; k <= MAX_PAGE_ORDER; k++) {
			struct region r;

			if (pop_region(p, classes[c], k, &r)) {
				carve(p, r, o, mt);
				return true;
			}
		}
	return false;
}

/* The pageblocks report.c counts for @zone: the first page present. */
static bool pb_counted(struct pgdat *pgdat, const struct zone *zone, uint32_t pb)
{
	uint32_t pfn = MAX(pb << PAGEBLOCK_ORDER, zone->zone_start_pfn);

	return pfn_valid(pgdat, pfn);
}

/* The snapshot's pageblock counts scaled to the model's @total, largest remainder. */
static void scale_blocks(const uint64_t snap[MIGRATE_TYPES], uint64_t total,
			 uint64_t out[MIGRATE_TYPES])
{
	uint64_t sum = 0, given = 0;
	uint64_t rem[MIGRATE_TYPES];

	for (int mt = 0; mt < MIGRATE_TYPES; mt++)
		sum += snap[mt];
	for (int mt = 0; mt < MIGRATE_TYPES; mt++) {
		out[mt] = sum ? snap[mt] * total / sum : (mt == MIGRATE_MOVABLE ? total : 0);
		rem[mt] = sum ? snap[mt] * total % sum : 0;
		given += out[mt];
	}
	while (given < total) {
		int best = MIGRATE_MOVABLE;

		for (int mt = 0; mt < MIGRATE_TYPES; mt++)
			if (rem[mt] > rem[best])
				best = mt;
		out[best]++;
		rem[best] = 0;
		given++;
	}
}

static gint cmp_region(gconstpointer a, gconstpointer b)
{
	const struct region *x = a, *y = b;

	return x->pfn < y->pfn ? -1 : x->pfn > y->pfn;
}

static unsigned int alloc_mt(int pb_mt)
{
	return pb_mt == MIGRATE_HIGHATOMIC ? MIGRATE_UNMOVABLE : (unsigned int)pb_mt;
}

static void apply_zone(struct pgdat *pgdat, struct zone *zone, const struct initstate_zone *iz,
		       uint8_t *pb_class, struct initstate_zone_result *zr)
{
	uint32_t start = zone->zone_start_pfn, end = start + zone->spanned_pages;
	uint32_t pb_lo = pb_index(start), pb_hi = pb_index(end - 1) + 1;
	uint8_t *avail = g_malloc0(zone->spanned_pages);	/* page free after boot */
	struct plan p = { .pb_lo = pb_lo, .pb_class = pb_class };
	uint64_t counted = 0, deficit[MIGRATE_TYPES];

	p.pb_regions = g_new0(GArray *, (gsize)(pb_hi - pb_lo) * (PAGEBLOCK_ORDER + 1));
	p.max_order = g_array_new(FALSE, FALSE, sizeof(struct region));
	p.chosen = g_array_new(FALSE, FALSE, sizeof(struct region));
	for (int c = 0; c <= UNTYPED; c++)
		for (int o = 0; o <= PAGEBLOCK_ORDER; o++)
			p.queue[c][o] = g_array_new(FALSE, FALSE, sizeof(uint32_t));
	for (uint32_t b = pb_lo; b < pb_hi; b++)
		pb_class[b] = UNTYPED;

	/* boot left maximal free blocks: they are the first regions, lowest on top */
	for (uint32_t pfn = end; pfn-- > start;) {
		pginfo_t info = pgdat->pages[pfn].info;

		if (pg_state(info) != PG_BUDDY)
			continue;
		memset(avail + (pfn - start), 1, 1U << pg_order(info));
		del_from_free_list(zone, pfn, pg_order(info));
		pgdat->pages[pfn].info = 0;
		push(&p, pfn, pg_order(info));
	}
	for (int o = MAX_PAGE_ORDER; o >= 0; o--)
		for (int mt = 0; mt < MIGRATE_TYPES; mt++)
			for (uint64_t n = 0; n < iz->nr_free[mt][o]; n++)
				if (take(&p, (unsigned int)o, mt))
					zr->placed[mt][o]++;
				else
					zr->unplaced[mt][o]++;

	/* untyped pageblocks make up the snapshot's counts */
	for (uint32_t b = pb_lo; b < pb_hi; b++)
		counted += pb_counted(pgdat, zone, b);
	scale_blocks(iz->blocks, counted, zr->blocks_target);
	memcpy(deficit, zr->blocks_target, sizeof(deficit));
	for (uint32_t b = pb_lo; b < pb_hi; b++)
		if (pb_class[b] != UNTYPED && pb_counted(pgdat, zone, b) && deficit[pb_class[b]])
			deficit[pb_class[b]]--;
	for (uint32_t b = pb_lo; b < pb_hi; b++) {
		int mt = MIGRATE_MOVABLE;

		if (pb_class[b] != UNTYPED)
			continue;
		if (pb_counted(pgdat, zone, b))
			for (int t = 0; t < MIGRATE_TYPES; t++)
				if (deficit[t]) {
					deficit[t]--;
					mt = t;
					break;
				}
		pb_class[b] = (uint8_t)mt;
	}
	zone->nr_reserved_highatomic = 0;
	for (uint32_t b = pb_lo; b < pb_hi; b++) {
		set_pageblock_migratetype(pgdat, b << PAGEBLOCK_ORDER, pb_class[b]);
		if (pb_counted(pgdat, zone, b))
			zr->blocks[pb_class[b]]++;
		if (pb_class[b] == MIGRATE_HIGHATOMIC)
			zone->nr_reserved_highatomic += PAGEBLOCK_NR_PAGES;
	}

	/* the free blocks, each list in ascending pfn order */
	for (guint i = 0; i < p.chosen->len; i++) {
		const struct region *r = &g_array_index(p.chosen, struct region, i);

		memset(avail + (r->pfn - start), 2, 1U << r->order);
	}
	g_array_sort(p.chosen, cmp_region);
	for (guint i = 0; i < p.chosen->len; i++) {
		const struct region *r = &g_array_index(p.chosen, struct region, i);

		add_to_free_list(zone, r->pfn, r->order, get_pageblock_migratetype(pgdat, r->pfn),
				 true);
		zr->free_pages += 1ULL << r->order;
	}
	/* the rest is allocated, in aligned blocks inside one pageblock */
	for (uint32_t pfn = start; pfn < end;) {
		unsigned int order = 0, mt;

		if (avail[pfn - start] != 1) {
			pfn++;
			continue;
		}
		while (order < PAGEBLOCK_ORDER && !(pfn & ((2U << order) - 1)) &&
		       pfn + (2U << order) <= end) {
			bool all = true;

			for (uint32_t q = pfn + (1U << order); q < pfn + (2U << order) && all; q++)
				all = avail[q - start] == 1;
			if (!all)
				break;
			order++;
		}
		mt = alloc_mt(get_pageblock_migratetype(pgdat, pfn));
		pgdat->pages[pfn].info = pg_make(PG_ALLOC, order, mt) |
				      (mt == MIGRATE_MOVABLE ? PG_MOVABLE : 0);
		pb_account(pgdat, pfn, order, mt, 1);
		zr->used_pages += 1ULL << order;
		pfn += 1U << order;
	}
	for (int c = 0; c <= UNTYPED; c++)
		for (int o = 0; o <= PAGEBLOCK_ORDER; o++)
			g_array_free(p.queue[c][o], TRUE);
	for (gsize i = 0; i < (gsize)(pb_hi - pb_lo) * (PAGEBLOCK_ORDER + 1); i++)
		if (p.pb_regions[i])
			g_array_free(p.pb_regions[i], TRUE);
	g_free(p.pb_regions);
	g_array_free(p.max_order, TRUE);
	g_array_free(p.chosen, TRUE);
	g_free(avail);
}

bool initstate_apply(struct pgdat *pgdat, const struct initstate_spec *spec,
		     struct initstate_result *res, GError **error)
{
	uint32_t nr_blocks = (pgdat->node_spanned_pages + PAGEBLOCK_NR_PAGES - 1) >> PAGEBLOCK_ORDER;
	g_autofree uint8_t *pb_class = g_malloc(nr_blocks);
	struct mm_page_census c;

	memset(res, 0, sizeof(*res));
	pgdat_census(pgdat, &c);
	if (c.pcp || c.unaccepted || c.allocated) {
		g_set_error(error, SIM_CLI_ERROR, SIM_CLI_ERROR_USAGE,
			    "an initial state needs a fresh model with every page accepted and no "
			    "per-CPU lists (%" G_GUINT64_FORMAT " pages allocated, %" G_GUINT64_FORMAT
			    " on PCP lists, %" G_GUINT64_FORMAT " unaccepted)", c.allocated, c.pcp,
			    c.unaccepted);
		return false;
	}
	for (int z = 0; z < MAX_NR_ZONES; z++) {
		struct zone *zone = &pgdat->zones[z];

		if (!zone_populated(zone) || !spec->z[z].have)
			continue;
		apply_zone(pgdat, zone, &spec->z[z], pb_class, &res->z[z]);
		for (int mt = 0; mt < MIGRATE_TYPES; mt++)
			for (int o = 0; o < NR_PAGE_ORDERS; o++)
				res->unplaced += res->z[z].unplaced[mt][o];
	}
	SIM_BUG_ON_EXPENSIVE(!pgdat_is_valid(pgdat, NULL));
	return true;
}
