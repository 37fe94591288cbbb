// SPDX-License-Identifier: GPL-2.0-only
/*
 * Guest memory layout and boot: the e820-like RAM ranges of a QEMU q35
 * guest, zone spans (arch/x86/mm/init.c: zone_sizes_init()), memblock
 * reservations, and the release of boot memory to the buddy allocator
 * (mm/memblock.c: memblock_free_all(), __free_pages_memory(); mm/page_alloc.c:
 * __free_pages_core()).
 */
#include <string.h>
#include <sys/mman.h>
#include "internal.h"
#include "cli.h"
#include "unaccepted.h"

#define MAX_DMA_PFN	((16ULL << 20) >> PAGE_SHIFT)	/* 16 MiB */
#define MAX_DMA32_PFN	((4ULL << 30) >> PAGE_SHIFT)	/* 4 GiB */
#define Q35_LOWMEM_SPLIT	0xb0000000ULL		/* q35: >= this much RAM... */
#define Q35_LOWMEM		0x80000000ULL		/* ...keeps 2 GiB below 4 GiB */
#define LEGACY_HOLE_START	0xa0000ULL		/* VGA/BIOS hole, 640 KiB */
#define LEGACY_HOLE_END		0x100000ULL		/* 1 MiB */
#define KERNEL_PHYS_START	(16ULL << 20)		/* CONFIG_PHYSICAL_START */
#define DEFAULT_KERNEL_RESERVE	(64ULL << 20)		/* image, initrd, early tables */
#define MIN_MEM_BYTES		(64ULL << 20)
#define MAX_MEM_BYTES		(16ULL << 40)		/* 32-bit pfns: 16 TiB */

void *sim_big_alloc0(size_t size)
{
	void *p;

	if (!size)
		return NULL;
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		g_error("acceptsim: out of memory mapping %zu bytes", size);
	madvise(p, size, MADV_HUGEPAGE);	/* a hint: fine if THP is off */
	return p;
}

void sim_hint_huge(void *p, size_t size)
{
	uintptr_t start = ((uintptr_t)p + (2U << 20) - 1) & ~(uintptr_t)((2U << 20) - 1);
	uintptr_t end = ((uintptr_t)p + size) & ~(uintptr_t)((2U << 20) - 1);

	if (p && end > start)
		madvise((void *)start, end - start, MADV_HUGEPAGE);
}

void sim_big_free(void *p, size_t size)
{
	if (p)
		munmap(p, size);
}

struct pgdat_private {
	struct pgdat pgdat;
	GArray *ranges;				/* struct mem_range, present RAM */
};

const struct mem_range *pgdat_ranges(const struct pgdat *pgdat, unsigned int *nr)
{
	const struct pgdat_private *p = (const struct pgdat_private *)pgdat;

	*nr = p->ranges->len;
	return (const struct mem_range *)(void *)p->ranges->data;
}

bool pfn_valid(const struct pgdat *pgdat, uint32_t pfn)
{
	unsigned int nr;
	const struct mem_range *r = pgdat_ranges(pgdat, &nr);

	for (unsigned int i = 0; i < nr; i++)
		if (pfn >= r[i].start_pfn && pfn < r[i].end_pfn)
			return true;
	return false;
}

struct zone *pfn_zone(struct pgdat *pgdat, uint32_t pfn)
{
	return page_zone_fast(pgdat, pfn);
}

/* Remove [start, end) (pfns) from the sorted range list. */
static void ranges_punch(GArray *ranges, uint64_t start, uint64_t end)
{
	for (guint i = 0; i < ranges->len; i++) {
		struct mem_range *r = &g_array_index(ranges, struct mem_range, i);

		if (end <= r->start_pfn || start >= r->end_pfn)
			continue;
		if (start <= r->start_pfn && end >= r->end_pfn) {
			g_array_remove_index(ranges, i);
			i--;
		} else if (start <= r->start_pfn) {
			r->start_pfn = (uint32_t)end;
		} else if (end >= r->end_pfn) {
			r->end_pfn = (uint32_t)start;
		} else {
			struct mem_range tail = { (uint32_t)end, r->end_pfn };

			r->end_pfn = (uint32_t)start;
			g_array_insert_val(ranges, i + 1, tail);
			i++;
		}
	}
}

static bool build_ranges(struct pgdat_private *p, const struct sim_config *cfg, GError **error)
{
	uint64_t mem = cfg->mem_bytes, below;
	struct mem_range r;

	if (mem < MIN_MEM_BYTES || mem > MAX_MEM_BYTES) {
		g_set_error(error, SIM_CLI_ERROR, SIM_CLI_ERROR_USAGE,
			    "guest memory %" G_GUINT64_FORMAT " MiB out of range (64 MiB .. 16 TiB)",
			    (guint64)(mem >> 20));
		return false;
	}
	if (cfg->below_4g_bytes)
		below = MIN(cfg->below_4g_bytes, mem);
	else
		below = mem >= Q35_LOWMEM_SPLIT ? Q35_LOWMEM : mem;
	if (below > (4ULL << 30) || below < (32ULL << 20)) {
		g_set_error(error, SIM_CLI_ERROR, SIM_CLI_ERROR_USAGE,
			    "RAM below 4 GiB must be between 32 MiB and 4 GiB");
		return false;
	}
	below &= ~((uint64_t)PAGE_SIZE - 1);

	r.start_pfn = 0;
	r.end_pfn = (uint32_t)(below >> PAGE_SHIFT);
	g_array_append_val(p->ranges, r);
	if (mem > below) {
		r.start_pfn = (uint32_t)MAX_DMA32_PFN;
		r.end_pfn = (uint32_t)(MAX_DMA32_PFN + ((mem - below) >> PAGE_SHIFT));
		g_array_append_val(p->ranges, r);
	}
	ranges_punch(p->ranges, LEGACY_HOLE_START >> PAGE_SHIFT, LEGACY_HOLE_END >> PAGE_SHIFT);
	for (guint i = 0; cfg->holes && i < cfg->holes->len; i++) {
		const struct mem_hole *h = &g_array_index(cfg->holes, struct mem_hole, i);

		ranges_punch(p->ranges, h->start >> PAGE_SHIFT,
			     (h->start + h->size + PAGE_SIZE - 1) >> PAGE_SHIFT);
	}
	if (!p->ranges->len) {
		g_set_error(error, SIM_CLI_ERROR, SIM_CLI_ERROR_USAGE,
			    "holes leave no memory");
		return false;
	}
	return true;
}

/* Zone spans as zone_sizes_init() + free_area_init() compute them. */
static void setup_zones(struct pgdat_private *p)
{
	struct pgdat *pgdat = &p->pgdat;
	const struct mem_range *last = &g_array_index(p->ranges, struct mem_range, p->ranges->len - 1);
	uint64_t end_pfn = last->end_pfn;
	/*
	 * On x86_64, init_mem_mapping() has raised max_low_pfn to max_pfn
	 * before zone_sizes_init() runs: DMA32 ends at 4 GiB (or the end of
	 * RAM) and spans the PCI hole; Normal starts at 4 GiB.
	 */
	uint64_t max_low_pfn = end_pfn;
	uint64_t zone_lo[MAX_NR_ZONES], zone_hi[MAX_NR_ZONES];

	zone_lo[ZONE_DMA] = 0;
	zone_hi[ZONE_DMA] = MIN(MAX_DMA_PFN, end_pfn);
	zone_lo[ZONE_DMA32] = zone_hi[ZONE_DMA];
	zone_hi[ZONE_DMA32] = MAX(zone_lo[ZONE_DMA32], MIN(MAX_DMA32_PFN, max_low_pfn));
	zone_lo[ZONE_NORMAL] = zone_hi[ZONE_DMA32];
	zone_hi[ZONE_NORMAL] = MAX(zone_lo[ZONE_NORMAL], end_pfn);
	zone_lo[ZONE_MOVABLE] = zone_hi[ZONE_MOVABLE] = zone_hi[ZONE_NORMAL];

	for (int z = 0; z < MAX_NR_ZONES; z++) {
		struct zone *zone = &pgdat->zones[z];

		zone->pgdat = pgdat;
		zone->idx = z;
		zone->zone_start_pfn = (uint32_t)zone_lo[z];
		zone->spanned_pages = (uint32_t)(zone_hi[z] - zone_lo[z]);
		for (int mt = 0; mt < MIGRATE_TYPES; mt++)
			for (int o = 0; o < NR_PAGE_ORDERS; o++)
				free_list_init(&zone->free_area[o].free_list[mt]);
		for (guint i = 0; i < p->ranges->len; i++) {
			const struct mem_range *r = &g_array_index(p->ranges, struct mem_range, i);
			uint64_t s = MAX((uint64_t)r->start_pfn, zone_lo[z]);
			uint64_t e = MIN((uint64_t)r->end_pfn, zone_hi[z]);

			if (e > s)
				zone->present_pages += (uint32_t)(e - s);
		}
		if (zone->present_pages)
			pgdat->nr_zones = z + 1;
	}
	pgdat->node_start_pfn = 0;
	pgdat->node_spanned_pages = (uint32_t)end_pfn;
	for (int z = 0; z < MAX_NR_ZONES; z++)
		pgdat->node_present_pages += pgdat->zones[z].present_pages;
}

/* Mark [start, end) reserved by memblock; returns pages newly reserved. */
static uint64_t reserve_range(struct pgdat_private *p, uint64_t start, uint64_t end)
{
	struct pgdat *pgdat = &p->pgdat;
	uint64_t n = 0;

	for (guint i = 0; i < p->ranges->len; i++) {
		const struct mem_range *r = &g_array_index(p->ranges, struct mem_range, i);
		uint64_t s = MAX(start, (uint64_t)r->start_pfn);
		uint64_t e = MIN(end, (uint64_t)r->end_pfn);

		for (uint64_t pfn = s; pfn < e; pfn++) {
			if (pg_state(pgdat->pages[pfn].info) == PG_RESERVED)
				continue;
			pgdat->pages[pfn].info = pg_make(PG_RESERVED, 0, 0);
			page_zone_fast(pgdat, (uint32_t)pfn)->managed_pages--;
			n++;
		}
		/* memblock_alloc_range_nid() accepts what it hands out */
		if (e > s)
			accept_memory(pgdat, (uint32_t)s, (uint32_t)e);
	}
	return n;
}

/*
 * Boot reservations: the first MiB (x86 setup), the kernel image and
 * early allocations above CONFIG_PHYSICAL_START, and the memmap (64 bytes
 * per 4 KiB page), which memblock allocates top-down.
 */
static void reserve_boot_memory(struct pgdat_private *p, const struct sim_config *cfg)
{
	struct pgdat *pgdat = &p->pgdat;
	uint64_t kernel = cfg->reserved_bytes == UINT64_MAX ? DEFAULT_KERNEL_RESERVE
							      : cfg->reserved_bytes;
	uint64_t memmap = (pgdat->node_present_pages * 64 + PAGE_SIZE - 1) >> PAGE_SHIFT;
	uint64_t left = memmap;

	for (int z = 0; z < MAX_NR_ZONES; z++)
		pgdat->zones[z].managed_pages = pgdat->zones[z].present_pages;

	reserve_range(p, 0, LEGACY_HOLE_END >> PAGE_SHIFT);
	reserve_range(p, KERNEL_PHYS_START >> PAGE_SHIFT,
		      (KERNEL_PHYS_START + kernel) >> PAGE_SHIFT);
	for (int i = (int)p->ranges->len - 1; i >= 0 && left; i--) {
		const struct mem_range *r = &g_array_index(p->ranges, struct mem_range, i);
		uint64_t len = r->end_pfn - r->start_pfn;
		uint64_t take = MIN(len, left);

		left -= reserve_range(p, r->end_pfn - take, r->end_pfn);
	}
}

/*
 * __free_pages_core(): a block holding unaccepted memory waits on the
 * zone's list if it is a whole chunk and acceptance is lazy; otherwise it
 * is accepted now.  Either way fresh pages go to the tail.
 */
static void free_boot_block(struct pgdat *pgdat, uint32_t pfn, unsigned int order)
{
	struct zone *zone = page_zone_fast(pgdat, pfn);

	if (pgdat->unaccepted && range_contains_unaccepted(pgdat, pfn, pfn + (1U << order))) {
		if (order == MAX_PAGE_ORDER && pgdat->unaccepted->lazy) {
			__free_unaccepted(zone, pfn);
			return;
		}
		accept_memory(pgdat, pfn, pfn + (1U << order));
	}
	free_one_page(zone, pfn, order, FPI_TO_TAIL);
}

/*
 * memblock_free_all(): release every free range in the largest naturally
 * aligned blocks (at most order 10), lowest address first, each to the
 * tail of its list, with every pageblock MOVABLE.
 */
static void free_boot_memory(struct pgdat_private *p)
{
	struct pgdat *pgdat = &p->pgdat;

	for (guint i = 0; i < p->ranges->len; i++) {
		const struct mem_range *r = &g_array_index(p->ranges, struct mem_range, i);
		uint64_t pfn = r->start_pfn;

		while (pfn < r->end_pfn) {
			uint64_t end;
			unsigned int order;

			if (pg_state(pgdat->pages[pfn].info) == PG_RESERVED) {
				pfn++;
				continue;
			}
			end = pfn;
			while (end < r->end_pfn && pg_state(pgdat->pages[end].info) != PG_RESERVED)
				end++;
			while (pfn < end) {
				order = pfn ? MIN((unsigned int)__builtin_ctzll(pfn), MAX_PAGE_ORDER)
					    : MAX_PAGE_ORDER;
				while (pfn + (1ULL << order) > end)
					order--;
				free_boot_block(pgdat, (uint32_t)pfn, order);
				pfn += 1ULL << order;
			}
		}
	}
}

struct pgdat *pgdat_create(const struct sim_config *cfg, GError **error)
{
	struct pgdat_private *p = g_new0(struct pgdat_private, 1);
	struct pgdat *pgdat = &p->pgdat;
	uint64_t nr_pfns, nr_blocks;

	if (cfg->cpus < 1 || cfg->cpus > 1024) {
		g_set_error(error, SIM_CLI_ERROR, SIM_CLI_ERROR_USAGE,
			    "--cpus must be between 1 and 1024");
		g_free(p);
		return NULL;
	}
	pgdat->cfg = *cfg;
	pgdat->cfg.holes = cfg->holes ? g_array_ref(cfg->holes) : NULL;
	p->ranges = g_array_new(FALSE, FALSE, sizeof(struct mem_range));
	if (!build_ranges(p, cfg, error)) {
		pgdat_destroy(pgdat);
		return NULL;
	}
	setup_zones(p);
	setup_nofragment(pgdat);

	/* Arrays cover [0, end of RAM); untouched parts are never resident. */
	nr_pfns = pgdat->node_spanned_pages;
	nr_blocks = (nr_pfns + PAGEBLOCK_NR_PAGES - 1) >> PAGEBLOCK_ORDER;
	pgdat->pages = sim_big_alloc0(nr_pfns * sizeof(struct sim_page));
	pgdat->pb_mt = g_malloc_n(nr_blocks, 1);
	memset(pgdat->pb_mt, MIGRATE_MOVABLE, nr_blocks);	/* memmap_init_range() */
	pgdat->pb_alloc = g_malloc0_n(nr_blocks, sizeof(*pgdat->pb_alloc));
	pgdat->pcp_enabled = cfg->pcp;
	pgdat->check_every = cfg->check_every ? cfg->check_every : 1;

	if (cfg->unaccepted)
		unaccepted_init(pgdat, cfg->unaccepted);
	reserve_boot_memory(p, cfg);
	if (pgdat->unaccepted)
		pgdat->unaccepted->phase = ACCEPT_BOOT_FREE;
	free_boot_memory(p);
	if (pgdat->unaccepted)
		pgdat->unaccepted->phase = ACCEPT_RUNTIME;
	setup_per_zone_wmarks(pgdat);
	pcp_init(pgdat);
	setup_first_zone(pgdat);
	return pgdat;
}

void pgdat_destroy(struct pgdat *pgdat)
{
	struct pgdat_private *p = (struct pgdat_private *)pgdat;

	if (!pgdat)
		return;
	pcp_destroy(pgdat);
	unaccepted_destroy(pgdat);
	for (int z = 0; z < MAX_NR_ZONES; z++) {
		g_free(pgdat->zones[z].unaccepted);
		for (int o = 0; o < NR_PAGE_ORDERS; o++)
			for (int mt = 0; mt < MIGRATE_TYPES; mt++)
				free_list_destroy(&pgdat->zones[z].free_area[o].free_list[mt]);
	}
	sim_big_free(pgdat->pages, (size_t)pgdat->node_spanned_pages * sizeof(struct sim_page));
	g_free(pgdat->pb_mt);
	g_free(pgdat->pb_alloc);
	if (p->ranges)
		g_array_unref(p->ranges);
	sim_config_clear(&pgdat->cfg);
	g_free(p);
}
