/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Set-up code shared by the allocator checklist tests (test-zones.c,
 * test-watermark.c, test-buddy.c, test-fallback.c): small guests, exact
 * free-list states built by "allocate everything, free chosen blocks",
 * and a recorder for the model's tracepoints.
 */
#ifndef TESTS_MM_HELPERS_H
#define TESTS_MM_HELPERS_H

#include "helpers.h"
#include "sim/internal.h"

/*
 * Defaults for a checklist guest: @mem_mib of RAM, one CPU, @era, no
 * PCP (every request reaches the buddy), THP on, no kernel-image
 * reservation (so DMA32 starts with free memory at 16 MiB), the
 * validator run by hand (mmt_assert_valid()) rather than per event.
 */
void mmt_config(struct sim_config *cfg, uint64_t mem_mib, enum kernel_era era);
/* pgdat_create() that must succeed. */
struct pgdat *mmt_create(const struct sim_config *cfg);
/* The common case: mmt_config() + mmt_create(). */
struct pgdat *mmt_guest(uint64_t mem_mib, enum kernel_era era);

/* pgdat_is_valid() must hold; prints the reason if not.  Then destroy. */
void mmt_assert_valid(const struct pgdat *pgdat);
void mmt_finish(struct pgdat *pgdat);

/*
 * Drain the PCPs and hand out every free buddy page of every zone as an
 * allocated order-0 page, MOVABLE and LRU-like with @movable, else UNMOVABLE.
 * Afterwards every zone has nr_free_pages == 0.
 */
void mmt_take_all(struct pgdat *pgdat, bool movable);
/* The same for one zone, without draining the PCPs. */
void mmt_take_zone(struct zone *zone, bool movable);
/*
 * Mark @pfn the head of an allocated block of @order and type @mt (LRU-like
 * if MOVABLE), keeping the per-pageblock counts; or undo that.  For pages
 * a test takes off the lists itself.
 */
void mmt_mark_allocated(struct pgdat *pgdat, uint32_t pfn, unsigned int order, int mt);
void mmt_unmark_allocated(struct pgdat *pgdat, uint32_t pfn);
/* Turn the allocated order-0 pages of [@pfn, @pfn + 2^@order) into one allocated block. */
void mmt_make_block(struct pgdat *pgdat, uint32_t pfn, unsigned int order);
/* Make the allocated order-0 pages [@pfn, @pfn + @nr) MOVABLE (LRU-like) or UNMOVABLE ones. */
void mmt_set_movable(struct pgdat *pgdat, uint32_t pfn, uint32_t nr, bool movable);
/*
 * Free [@pfn, @pfn + 2^@order), which must be allocated order-0 pages
 * (mmt_take_all()), through sim_free_pages() as one block of @order.
 */
void mmt_free(struct pgdat *pgdat, uint32_t pfn, unsigned int order);
/* Set a pageblock's type; the pageblock must hold no free or PCP pages. */
void mmt_set_pageblock(struct pgdat *pgdat, uint32_t pfn, int mt);
/* Set a zone's raw marks (PROMO = HIGH); lowmem_reserve is left alone. */
void mmt_set_marks(struct zone *zone, long min, long low, long high);

/* The pfns on free_list[@mt] of @order, head first; returns how many (<= @max). */
unsigned int mmt_list(const struct zone *zone, unsigned int order, int mt,
		      uint32_t *pfns, unsigned int max);
/* Number of blocks on free_list[@mt] of @order. */
unsigned int mmt_list_len(const struct zone *zone, unsigned int order, int mt);

/* A recorder of mm_trace_events, installed as pgdat->hooks.trace. */
struct mmt_trace {
	GArray *ev;				/* struct mm_trace_event */
};
void mmt_trace_start(struct pgdat *pgdat, struct mmt_trace *t);
void mmt_trace_reset(struct mmt_trace *t);
void mmt_trace_stop(struct pgdat *pgdat, struct mmt_trace *t);
unsigned int mmt_trace_count(const struct mmt_trace *t, enum mm_trace_type type);
/* The @n-th (from 0) event of @type, or NULL. */
const struct mm_trace_event *mmt_trace_nth(const struct mmt_trace *t, enum mm_trace_type type,
					   unsigned int n);

/* Assert one extfrag event's fields. */
#define ASSERT_EXTFRAG(ev, pfn_, order_, fb_order_, mt_, fb_mt_, owner_) do {	\
	const struct mm_trace_event *e__ = (ev);				\
	CU_ASSERT_FATAL(e__ != NULL);						\
	ASSERT_EQ(e__->pfn, (pfn_));						\
	ASSERT_EQ(e__->order, (order_));					\
	ASSERT_EQ(e__->fallback_order, (fb_order_));				\
	ASSERT_EQ(e__->migratetype, (mt_));					\
	ASSERT_EQ(e__->fallback_migratetype, (fb_mt_));				\
	ASSERT_EQ(e__->change_ownership, (owner_));				\
} while (0)

/* Assert free_list[mt] of @order holds exactly the pfns given, head first. */
#define ASSERT_LIST(zone, order, mt, ...) do {					\
	const uint32_t want__[] = { __VA_ARGS__ };				\
	uint32_t got__[G_N_ELEMENTS(want__) + 1];				\
	unsigned int n__ = mmt_list((zone), (order), (mt), got__, G_N_ELEMENTS(got__)); \
	ASSERT_EQ(n__, G_N_ELEMENTS(want__));					\
	for (unsigned int i__ = 0; i__ < n__ && i__ < G_N_ELEMENTS(want__); i__++) \
		ASSERT_EQ(got__[i__], want__[i__]);				\
} while (0)

/* The zone of a 64/128 MiB checklist guest that the tests work in. */
#define MMT_DMA32(pgdat)	(&(pgdat)->zones[ZONE_DMA32])

/* pfn of pageblock @n (512 pages each); DMA32 of a small guest starts at 8. */
#define PB(n)			((uint32_t)(n) * PAGEBLOCK_NR_PAGES)

#endif /* TESTS_MM_HELPERS_H */
