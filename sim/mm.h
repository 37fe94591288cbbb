/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The allocator model: one NUMA node of an x86_64 guest with its zones,
 * watermarks, buddy free lists, pageblocks, per-CPU page lists and the
 * migratetype fallback of three kernel eras.
 *
 * Glossary (as in the kernel): a *page* is 4 KiB and is named by its pfn;
 * a *block* is 2^order naturally aligned pages; a *pageblock* is the
 * 512-page (order 9) unit that carries a migratetype; a *chunk* is an
 * order-10 (4 MiB) block, the unit of lazy acceptance.
 *
 * Mirrors mm/page_alloc.c, mm/mm_init.c and include/linux/mmzone.h of
 * Linux 6.5 (v9 series), 6.12.0 and 6.15+ (see enum kernel_era).
 */
#ifndef SIM_MM_H
#define SIM_MM_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>

#define PAGE_SHIFT		12
#define PAGE_SIZE		(1UL << PAGE_SHIFT)
#define MAX_PAGE_ORDER		10
#define NR_PAGE_ORDERS		(MAX_PAGE_ORDER + 1)
#define MAX_ORDER_NR_PAGES	(1U << MAX_PAGE_ORDER)
#define PAGEBLOCK_ORDER		9
#define PAGEBLOCK_NR_PAGES	(1U << PAGEBLOCK_ORDER)
#define PAGE_ALLOC_COSTLY_ORDER	3
#define PFN_NONE		UINT32_MAX	/* "no page": failed allocation, list end */

/* Kernel eras the model can follow; differences are listed in docs/. */
enum kernel_era {
	KERNEL_6_5,	/* mainline <= 6.9 and the v9 series: classic fallback */
	KERNEL_6_12,	/* mainline 6.10 .. 6.14 as released in 6.12.0 */
	KERNEL_6_15,	/* 6.15 and later (also stable 6.12.29+); the default */
	NR_KERNEL_ERAS,
};

enum migratetype {
	MIGRATE_UNMOVABLE,
	MIGRATE_MOVABLE,
	MIGRATE_RECLAIMABLE,
	MIGRATE_PCPTYPES,			/* number of types on PCP lists */
	MIGRATE_HIGHATOMIC = MIGRATE_PCPTYPES,
	MIGRATE_TYPES,
};

enum zone_type {
	ZONE_DMA,
	ZONE_DMA32,
	ZONE_NORMAL,
	ZONE_MOVABLE,
	MAX_NR_ZONES,
};

enum zone_watermarks {
	WMARK_MIN,
	WMARK_LOW,
	WMARK_HIGH,
	WMARK_PROMO,
	NR_WMARK,
};

/*
 * GFP flags.  Our own stable bit values (the kernel's move between
 * releases); trace readers translate names and kernel bits to these.
 */
typedef uint32_t gfp_t;
#define __GFP_DMA		(1U << 0)
#define __GFP_HIGHMEM		(1U << 1)
#define __GFP_DMA32		(1U << 2)
#define __GFP_MOVABLE		(1U << 3)	/* also: ZONE_MOVABLE allowed */
#define __GFP_RECLAIMABLE	(1U << 4)
#define __GFP_HIGH		(1U << 5)
#define __GFP_IO		(1U << 6)
#define __GFP_FS		(1U << 7)
#define __GFP_ZERO		(1U << 8)
#define __GFP_DIRECT_RECLAIM	(1U << 10)
#define __GFP_KSWAPD_RECLAIM	(1U << 11)
#define __GFP_WRITE		(1U << 12)
#define __GFP_NOWARN		(1U << 13)
#define __GFP_RETRY_MAYFAIL	(1U << 14)
#define __GFP_NOFAIL		(1U << 15)
#define __GFP_NORETRY		(1U << 16)
#define __GFP_MEMALLOC		(1U << 17)
#define __GFP_COMP		(1U << 18)
#define __GFP_NOMEMALLOC	(1U << 19)
#define __GFP_HARDWALL		(1U << 20)
#define __GFP_THISNODE		(1U << 21)
#define __GFP_ACCOUNT		(1U << 22)

#define __GFP_RECLAIM		(__GFP_DIRECT_RECLAIM | __GFP_KSWAPD_RECLAIM)
#define GFP_ATOMIC		(__GFP_HIGH | __GFP_KSWAPD_RECLAIM)
#define GFP_KERNEL		(__GFP_RECLAIM | __GFP_IO | __GFP_FS)
#define GFP_NOWAIT		(__GFP_KSWAPD_RECLAIM)
#define GFP_NOIO		(__GFP_RECLAIM)
#define GFP_NOFS		(__GFP_RECLAIM | __GFP_IO)
#define GFP_USER		(__GFP_RECLAIM | __GFP_IO | __GFP_FS | __GFP_HARDWALL)
#define GFP_DMA32		(__GFP_DMA32)
#define GFP_HIGHUSER		(GFP_USER | __GFP_HIGHMEM)
#define GFP_HIGHUSER_MOVABLE	(GFP_HIGHUSER | __GFP_MOVABLE)
#define GFP_TRANSHUGE_LIGHT	((GFP_HIGHUSER_MOVABLE | __GFP_COMP | \
				  __GFP_NOMEMALLOC | __GFP_NOWARN) & ~__GFP_RECLAIM)
#define GFP_TRANSHUGE		(GFP_TRANSHUGE_LIGHT | __GFP_DIRECT_RECLAIM)

/* Request migratetype from gfp, as gfp_migratetype(). */
static inline enum migratetype gfp_migratetype(gfp_t gfp)
{
	if (gfp & __GFP_MOVABLE)
		return MIGRATE_MOVABLE;
	if (gfp & __GFP_RECLAIMABLE)
		return MIGRATE_RECLAIMABLE;
	return MIGRATE_UNMOVABLE;
}

/* Highest zone a request may use, as gfp_zone() on x86_64. */
static inline enum zone_type gfp_zone(gfp_t gfp)
{
	if (gfp & __GFP_DMA)
		return ZONE_DMA;
	if (gfp & __GFP_DMA32)
		return ZONE_DMA32;
	if ((gfp & (__GFP_HIGHMEM | __GFP_MOVABLE)) == (__GFP_HIGHMEM | __GFP_MOVABLE))
		return ZONE_MOVABLE;
	return ZONE_NORMAL;
}

/* A hole in guest physical memory (e.g. a reserved firmware range). */
struct mem_hole {
	uint64_t start;				/* bytes */
	uint64_t size;				/* bytes */
};

/*
 * What the model is built from.  sim_config_init() fills the defaults of
 * a QEMU q35 guest running the newest kernel; the CLI overrides fields.
 */
struct unaccepted_config;
struct unaccepted_mem;

struct sim_config {
	uint64_t mem_bytes;			/* guest RAM, bytes */
	uint64_t below_4g_bytes;		/* RAM below the PCI hole; 0 = q35 rule */
	uint64_t reserved_bytes;		/* boot reservations besides memmap; ~0 = default */
	unsigned int cpus;			/* simulated CPUs (>= 1) */
	enum kernel_era era;
	bool thp;				/* THP enabled: raises min_free_kbytes */
	bool pcp;				/* per-CPU lists on (off: every request hits the buddy) */
	unsigned int watermark_scale_factor;	/* 1/10000 of managed; default 10 */
	unsigned int watermark_boost_factor;	/* 1/10000 of HIGH; default 15000 */
	uint64_t min_free_kbytes;		/* 0 = kernel default formula */
	GArray *holes;				/* struct mem_hole, may be NULL */
	uint32_t check_every;			/* SIM_DEBUG 2: validate every N events */
	const struct unaccepted_config *unaccepted;	/* NULL: all memory accepted */
};

void sim_config_init(struct sim_config *cfg);
void sim_config_clear(struct sim_config *cfg);
const char *kernel_era_name(enum kernel_era era);
bool kernel_era_parse(const char *s, enum kernel_era *era, GError **error);
const char *migratetype_name(int mt);	/* "Unmovable", as pagetypeinfo */
const char *zone_name(enum zone_type zt);	/* "DMA32", as buddyinfo */

/*
 * One free list, in list order: a ring of block-head pfns indexed by a
 * free-running 32-bit position (slot = position & mask).  The kernel's
 * list_head is doubly linked through struct page; here a block's page
 * keeps its position instead, so taking a block out of the middle (a
 * buddy being merged) only punches a hole (PFN_NONE) in the ring and
 * touches no neighbour, and popping the head reads the ring in order,
 * which the allocator can prefetch.  Holes are skipped at both ends at
 * once, so the first and last positions always hold blocks; the ring is
 * squeezed or doubled when it is full (free_list_make_room()).
 */
struct free_list {
	uint32_t *ring;				/* mask + 1 entries */
	uint32_t mask;
	uint32_t first;				/* position of the head block */
	uint32_t end;				/* position after the tail block */
	uint32_t nr;				/* blocks on the list */
};

struct free_area {
	struct free_list free_list[MIGRATE_TYPES];
	uint64_t nr_free;			/* blocks of this order, all types */
};

/*
 * A per-CPU list of free blocks of one order and pindex: a ring buffer of
 * pfns.  Allocation pops the head, frees push the head, refills append to
 * the tail and drains pop the tail, as the kernel's pcp list_head.
 */
struct pcp_list {
	uint32_t *buf;				/* ring of pfns, capacity mask + 1 */
	uint32_t mask;
	uint32_t first;				/* index of the head */
	uint32_t len;				/* entries (blocks, not pages) */
};

#define NR_PCP_LISTS	(MIGRATE_PCPTYPES * (PAGE_ALLOC_COSTLY_ORDER + 1) + 2)

struct per_cpu_pages {
	int count;				/* pages on all lists (2^order each) */
	int high;				/* drain when count >= high, pages */
	int high_min;				/* [6.7+] auto-tuning floor, pages */
	int high_max;				/* [6.7+] auto-tuning ceiling, pages */
	int batch;				/* refill/drain chunk, pages */
	int free_count;				/* [6.7+] consecutive freed pages */
	int8_t alloc_factor;			/* [6.7+] refill scale shift */
	int8_t free_factor;			/* [<=6.6] drain scale shift */
	bool free_high;				/* last free was order 1-3 (PCPF_PREV_FREE_HIGH_ORDER) */
	struct pcp_list lists[NR_PCP_LISTS];
};

/* Event counters; every field counts events, pages where named so. */
struct vm_stats {
	uint64_t allocs;			/* successful mm_page_alloc */
	uint64_t alloc_fail;			/* failed requests */
	uint64_t frees;				/* mm_page_free */
	uint64_t alloc_pages;			/* pages handed out */
	uint64_t allocs_by_order[NR_PAGE_ORDERS];
	uint64_t fail_by_order[NR_PAGE_ORDERS];
	uint64_t extfrag;			/* mm_page_alloc_extfrag */
	uint64_t extfrag_fragmenting;		/* ... with fallback_order < 9 */
	uint64_t extfrag_change_ownership;	/* ... with change_ownership = 1 */
	uint64_t extfrag_pair[MIGRATE_PCPTYPES][MIGRATE_PCPTYPES]; /* [alloc][fallback] */
	uint64_t zone_locked;			/* mm_page_alloc_zone_locked */
	uint64_t pcpu_drain;			/* mm_page_pcpu_drain */
	uint64_t pcp_hit;			/* served from a PCP list */
	uint64_t pcp_refill;			/* rmqueue_bulk calls */
	uint64_t slowpath;			/* requests entering the slow path */
	uint64_t nofragment_retry;		/* second pass without NOFRAGMENT */
	uint64_t boost;				/* boost_watermark() raises */
	uint64_t kswapd_wake;			/* wakeup_kswapd() that woke it */
	uint64_t highatomic_reserve;		/* pageblocks made HIGHATOMIC */
	uint64_t highatomic_unreserve;		/* pageblocks given back */
	uint64_t pageblock_claims;		/* pageblocks retyped by fallback */
	uint64_t merges_retype;			/* [6.10+] merge retyped a pageblock */
};

/* What the model tells an observer; mirrors the kmem tracepoints. */
enum mm_trace_type {
	MM_TRACE_ALLOC,				/* mm_page_alloc */
	MM_TRACE_FREE,				/* mm_page_free */
	MM_TRACE_ZONE_LOCKED,			/* mm_page_alloc_zone_locked */
	MM_TRACE_PCPU_DRAIN,			/* mm_page_pcpu_drain */
	MM_TRACE_EXTFRAG,			/* mm_page_alloc_extfrag */
};

struct mm_trace_event {
	enum mm_trace_type type;
	uint32_t pfn;				/* PFN_NONE for a failed alloc */
	uint8_t order;				/* alloc_order for extfrag */
	uint8_t migratetype;			/* alloc_migratetype for extfrag */
	uint8_t fallback_order;			/* extfrag only */
	uint8_t fallback_migratetype;		/* extfrag only */
	bool change_ownership;			/* extfrag only */
	bool percpu_refill;			/* zone_locked only */
	gfp_t gfp;				/* alloc only */
	int cpu;
};

struct pgdat;
struct zone;

/*
 * Hooks through which the unaccepted-memory code and acceptance policies
 * take part in the allocation loop (get_page_from_freelist()).  All may
 * be NULL.  Each returns true if it made memory available in @zone.
 */
enum accept_site {
	ACCEPT_ZONE_VISIT,			/* top of every zone visit ([6.11+]) */
	ACCEPT_WMARK_FAIL,			/* the zone failed its watermark */
	ACCEPT_RMQUEUE_FAIL,			/* rmqueue() found nothing */
};

struct mm_hooks {
	bool (*accept)(void *ctx, struct pgdat *pgdat, struct zone *zone,
		       unsigned int order, unsigned int alloc_flags,
		       enum accept_site site);
	void (*trace)(void *ctx, const struct mm_trace_event *ev);
	/* kswapd was woken; NULL: it finds nothing to reclaim and sleeps */
	void (*kswapd_wake)(void *ctx, struct pgdat *pgdat, unsigned int order,
			    enum zone_type highest_zoneidx);
	/* direct reclaim for a request; returns pages reclaimed */
	unsigned long (*reclaim)(void *ctx, struct pgdat *pgdat, gfp_t gfp, unsigned int order,
				 enum zone_type highest_zoneidx);
	/* reclaimable pages in @zone (should_reclaim_retry()) */
	unsigned long (*reclaimable)(void *ctx, struct pgdat *pgdat, struct zone *zone);
	/* the OOM killer; true if it freed memory */
	bool (*oom)(void *ctx, struct pgdat *pgdat, gfp_t gfp, unsigned int order);
	/* direct compaction for an order > 0 request; true if a block is now free */
	bool (*compact)(void *ctx, struct pgdat *pgdat, gfp_t gfp, unsigned int order,
			enum zone_type highest_zoneidx);
	void *ctx;				/* for trace */
	void *accept_ctx;			/* for accept */
	void *pressure_ctx;			/* for kswapd_wake, reclaim, reclaimable, oom, compact */
};

struct zone {
	struct pgdat *pgdat;
	enum zone_type idx;
	uint32_t zone_start_pfn;		/* pfn */
	uint32_t spanned_pages;			/* pages including holes */
	uint32_t present_pages;			/* pages excluding holes */
	uint32_t managed_pages;			/* present minus boot reservations */

	long _watermark[NR_WMARK];		/* pages, without boost */
	long watermark_boost;			/* pages added to every mark */
	long lowmem_reserve[MAX_NR_ZONES];	/* pages, by request's highest zone */
	long nr_reserved_highatomic;		/* pages in HIGHATOMIC pageblocks */

	long nr_free_pages;			/* NR_FREE_PAGES: buddy + unaccepted, not PCP */
	long nr_free_mt[MIGRATE_TYPES];		/* buddy pages by list type */
	long nr_unaccepted;			/* NR_UNACCEPTED, pages */
	unsigned int nonempty[MIGRATE_TYPES];	/* bit o: free_list[mt] at order o non-empty */
	struct free_area free_area[NR_PAGE_ORDERS];

	bool boosted_watermark;			/* ZONE_BOOSTED_WATERMARK */
	bool below_high;			/* ZONE_BELOW_HIGH ([6.7+]) */
	bool reclaim_active;			/* ZONE_RECLAIM_ACTIVE */
	int pcp_batch;				/* zone_batchsize(), pages */
	int pcp_high_min;			/* pages */
	int pcp_high_max;			/* pages */

	/* Unaccepted order-10 chunks (FIFO), owned by sim/unaccepted.c. */
	uint32_t *unaccepted;			/* ring of chunk head pfns */
	uint32_t unaccepted_cap, unaccepted_first, unaccepted_len;
};

#define ZONE_NAME_LEN 8

/*
 * What the model keeps per page frame (struct page): the free-list
 * position and the info bits side by side, so a list operation on a page
 * misses the cache once, not once per array; and the reclaim model's
 * owner of an allocated block in the same line, for the same reason.
 * 16 bytes, aligned: no entry straddles two cache lines.
 */
struct sim_page {
	uint32_t fl_pos;			/* free block head: position on its list */
	uint32_t spare32;
	uint16_t info;				/* PG_* state, order, type (internal.h) */
	uint16_t spare;
	uint32_t owner;				/* allocated head: the reclaim model's
						   slot + 1 (pressure.c), else 0 */
};

/* The node: zones, the per-page and per-pageblock arrays, the per-CPU
 * lists and the counters. */
struct pgdat {
	struct sim_config cfg;
	struct zone zones[MAX_NR_ZONES];
	int nr_zones;				/* zones with present pages + Movable slot */
	uint32_t node_start_pfn, node_spanned_pages;
	uint64_t node_present_pages;
	unsigned long min_free_kbytes;
	uint64_t totalreserve_pages;

	struct sim_page *pages;			/* by pfn */
	uint8_t *pb_mt;				/* pageblock migratetype, by pfn >> 9 */
	uint16_t (*pb_alloc)[MIGRATE_PCPTYPES];	/* allocated pages per pageblock and type */

	struct per_cpu_pages *pcp;		/* [cpu * MAX_NR_ZONES + zone] */
	unsigned int nofragment[MAX_NR_ZONES];	/* ALLOC_NOFRAGMENT by highest zone */
	struct zone *first_zone[MAX_NR_ZONES];	/* first managed zone by highest zone */
	bool pcp_enabled;
	bool page_group_by_mobility_disabled;

	bool kswapd_awake;			/* modelled kswapd state */
	unsigned int kswapd_order;
	enum zone_type kswapd_highest_zoneidx;
	unsigned int kswapd_failures;

	struct unaccepted_mem *unaccepted;	/* NULL without unaccepted memory */
	struct mm_hooks hooks;
	struct vm_stats stats;
	uint64_t now_ns;			/* virtual clock, set by the engine */
	int cur_cpu;				/* CPU of the request in progress */
	uint64_t nr_events;			/* alloc/free calls, for sim_bug() */
	uint32_t check_every;			/* SIM_DEBUG 2: validate every N events */
};

/* Allocation flags of the allocation loop (mm/internal.h ALLOC_*). */
#define ALLOC_WMARK_MIN		WMARK_MIN
#define ALLOC_WMARK_LOW		WMARK_LOW
#define ALLOC_WMARK_HIGH	WMARK_HIGH
#define ALLOC_NO_WATERMARKS	0x04
#define ALLOC_WMARK_MASK	(ALLOC_NO_WATERMARKS - 1)
#define ALLOC_OOM		0x08
#define ALLOC_NON_BLOCK		0x10
#define ALLOC_MIN_RESERVE	0x20
#define ALLOC_CPUSET		0x40
#define ALLOC_CMA		0x80
#define ALLOC_NOFRAGMENT	0x100
#define ALLOC_HIGHATOMIC	0x200
#define ALLOC_KSWAPD		0x800
#define ALLOC_RESERVES		(ALLOC_NON_BLOCK | ALLOC_MIN_RESERVE | ALLOC_HIGHATOMIC | ALLOC_OOM)

/* Building and tearing down. */
struct pgdat *pgdat_create(const struct sim_config *cfg, GError **error);
void pgdat_destroy(struct pgdat *pgdat);

/*
 * Allocate 2^@order pages for a task on @cpu, as alloc_pages(@gfp, @order).
 * Returns the first pfn, or PFN_NONE if the request failed (a modelled
 * outcome, counted in stats).  pre: order <= MAX_PAGE_ORDER, cpu < cpus.
 */
uint32_t sim_alloc_pages(struct pgdat *pgdat, int cpu, gfp_t gfp, unsigned int order);

/*
 * Allocate exactly the block at @pfn if it is free (pfn-faithful replay);
 * false, counted as a failure, if it is not.
 */
bool sim_alloc_pages_at(struct pgdat *pgdat, int cpu, gfp_t gfp, unsigned int order, uint32_t pfn);

/* Free a block returned by sim_alloc_pages(), as __free_pages(). */
void sim_free_pages(struct pgdat *pgdat, int cpu, uint32_t pfn, unsigned int order);

/* Return every per-CPU page of every zone to the buddy (drain_all_pages()). */
void sim_drain_all_pages(struct pgdat *pgdat);

/* The vmstat worker's once-a-second PCP high decay ([6.7+]). */
void sim_pcp_decay(struct pgdat *pgdat);

/* Is @pfn the head of an allocated block of @order?  (Input checking.) */
bool sim_page_is_allocated(const struct pgdat *pgdat, uint32_t pfn, unsigned int order);

/* Watermark getters: the raw mark plus watermark_boost. */
static inline long wmark_pages(const struct zone *z, enum zone_watermarks w)
{
	return z->_watermark[w] + z->watermark_boost;
}

/*
 * The kernel's watermark check (__zone_watermark_ok()); @free_pages is
 * normally zone->nr_free_pages.  True if @z may serve the request.
 */
bool zone_watermark_ok(const struct zone *z, unsigned int order, long mark,
		       enum zone_type highest_zoneidx, unsigned int alloc_flags,
		       long free_pages);

/* Recompute min_free_kbytes, watermarks, lowmem_reserve and PCP high/batch. */
void setup_per_zone_wmarks(struct pgdat *pgdat);

static inline bool zone_populated(const struct zone *z)
{
	return z->present_pages != 0;
}

static inline bool zone_managed(const struct zone *z)
{
	return z->managed_pages != 0;
}

/*
 * Start loading what freeing the block at @pfn reads first (its page
 * info), ahead of time; nothing for PFN_NONE.
 */
static inline void sim_prefetch_page(const struct pgdat *pgdat, uint32_t pfn)
{
	if (pfn < pgdat->node_spanned_pages)
		__builtin_prefetch(&pgdat->pages[pfn].info, 1);
}

static inline uint32_t pageblock_nr(uint32_t pfn)
{
	return pfn >> PAGEBLOCK_ORDER;
}

static inline int get_pageblock_migratetype(const struct pgdat *pgdat, uint32_t pfn)
{
	return pgdat->pb_mt[pageblock_nr(pfn)];
}

struct zone *pfn_zone(struct pgdat *pgdat, uint32_t pfn);

/* Whole-node validator (SIM_DEBUG >= 2 runs it after every event). */
bool pgdat_is_valid(const struct pgdat *pgdat, GString *why);

/* Pages by where they are, for conservation checks. */
struct mm_page_census {
	uint64_t managed;			/* Σ managed_pages */
	uint64_t buddy;				/* on buddy free lists */
	uint64_t pcp;				/* on PCP lists */
	uint64_t unaccepted;			/* on unaccepted lists */
	uint64_t allocated;			/* handed out */
};
void pgdat_census(const struct pgdat *pgdat, struct mm_page_census *c);

/* managed - free - PCP over all zones: pages in use, in O(zones x CPUs). */
uint64_t pgdat_used_pages(const struct pgdat *pgdat);

#endif /* SIM_MM_H */
