// SPDX-License-Identifier: GPL-2.0-only
/* Set-up code for the allocator checklist tests; see mm-helpers.h. */
#include <stdio.h>
#include "mm-helpers.h"

void mmt_config(struct sim_config *cfg, uint64_t mem_mib, enum kernel_era era)
{
	sim_config_init(cfg);
	cfg->mem_bytes = mem_mib << 20;
	cfg->era = era;
	cfg->cpus = 1;
	cfg->pcp = false;
	cfg->reserved_bytes = 0;
	/* small guests: validate after every event; big ones by hand */
	cfg->check_every = mem_mib <= 512 ? 1 : UINT32_MAX;
}

struct pgdat *mmt_create(const struct sim_config *cfg)
{
	g_autoptr(GError) error = NULL;
	struct pgdat *pgdat = pgdat_create(cfg, &error);

	if (!pgdat)
		fprintf(stderr, "pgdat_create: %s\n", error ? error->message : "?");
	CU_ASSERT_FATAL(pgdat != NULL);
	return pgdat;
}

struct pgdat *mmt_guest(uint64_t mem_mib, enum kernel_era era)
{
	struct sim_config cfg;

	mmt_config(&cfg, mem_mib, era);
	return mmt_create(&cfg);
}

void mmt_assert_valid(const struct pgdat *pgdat)
{
	g_autoptr(GString) why = g_string_new(NULL);
	bool ok = pgdat_is_valid(pgdat, why);

	if (!ok)
		fprintf(stderr, "pgdat_is_valid: %s", why->str);
	CU_ASSERT(ok);
}

void mmt_finish(struct pgdat *pgdat)
{
	mmt_assert_valid(pgdat);
	pgdat->hooks.trace = NULL;
	pgdat_destroy(pgdat);
}

void mmt_take_zone(struct zone *zone, bool movable)
{
	struct pgdat *pgdat = zone->pgdat;

	for (unsigned int o = 0; o < NR_PAGE_ORDERS; o++) {
		for (int mt = 0; mt < MIGRATE_TYPES; mt++) {
			uint32_t pfn;

			while ((pfn = first_in_list(zone, o, mt)) != PFN_NONE) {
				del_from_free_list(zone, pfn, o);
				for (uint32_t i = 0; i < 1U << o; i++)
					mmt_mark_allocated(pgdat, pfn + i, 0,
							   movable ? MIGRATE_MOVABLE : MIGRATE_UNMOVABLE);
			}
		}
	}
	CU_ASSERT_FATAL(zone->nr_free_pages == zone->nr_unaccepted);
}

void mmt_take_all(struct pgdat *pgdat, bool movable)
{
	sim_drain_all_pages(pgdat);
	for (int z = 0; z < MAX_NR_ZONES; z++)
		mmt_take_zone(&pgdat->zones[z], movable);
}

void mmt_mark_allocated(struct pgdat *pgdat, uint32_t pfn, unsigned int order, int mt)
{
	pgdat->pages[pfn].info = pg_make(PG_ALLOC, order, (unsigned int)mt) |
			      (mt == MIGRATE_MOVABLE ? PG_MOVABLE : 0);
	pb_account(pgdat, pfn, order, (unsigned int)mt, 1);
}

void mmt_unmark_allocated(struct pgdat *pgdat, uint32_t pfn)
{
	pginfo_t info = pgdat->pages[pfn].info;

	CU_ASSERT_FATAL(pg_state(info) == PG_ALLOC);
	pb_account(pgdat, pfn, pg_order(info), pg_mt(info), -1);
	pgdat->pages[pfn].info = 0;
}

void mmt_set_movable(struct pgdat *pgdat, uint32_t pfn, uint32_t nr, bool movable)
{
	for (uint32_t p = pfn; p < pfn + nr; p++) {
		CU_ASSERT_FATAL(pg_state(pgdat->pages[p].info) == PG_ALLOC &&
				pg_order(pgdat->pages[p].info) == 0);
		mmt_unmark_allocated(pgdat, p);
		mmt_mark_allocated(pgdat, p, 0, movable ? MIGRATE_MOVABLE : MIGRATE_UNMOVABLE);
	}
}

void mmt_make_block(struct pgdat *pgdat, uint32_t pfn, unsigned int order)
{
	uint32_t nr = 1U << order;
	int mt = (int)pg_mt(pgdat->pages[pfn].info);

	CU_ASSERT_FATAL((pfn & (nr - 1)) == 0);
	for (uint32_t i = 0; i < nr; i++) {
		pginfo_t info = pgdat->pages[pfn + i].info;

		CU_ASSERT_FATAL(pg_state(info) == PG_ALLOC && pg_order(info) == 0);
		mmt_unmark_allocated(pgdat, pfn + i);
	}
	mmt_mark_allocated(pgdat, pfn, order, mt);
}

void mmt_free(struct pgdat *pgdat, uint32_t pfn, unsigned int order)
{
	mmt_make_block(pgdat, pfn, order);
	sim_free_pages(pgdat, 0, pfn, order);
}

void mmt_set_pageblock(struct pgdat *pgdat, uint32_t pfn, int mt)
{
	uint32_t start = pfn & ~(PAGEBLOCK_NR_PAGES - 1);

	for (uint32_t p = start; p < start + PAGEBLOCK_NR_PAGES; p++) {
		unsigned int state = pg_state(pgdat->pages[p].info);

		CU_ASSERT_FATAL(state != PG_BUDDY && state != PG_PCP);
	}
	set_pageblock_migratetype(pgdat, start, mt);
}

void mmt_set_marks(struct zone *zone, long min, long low, long high)
{
	zone->_watermark[WMARK_MIN] = min;
	zone->_watermark[WMARK_LOW] = low;
	zone->_watermark[WMARK_HIGH] = high;
	zone->_watermark[WMARK_PROMO] = high;
}

unsigned int mmt_list(const struct zone *zone, unsigned int order, int mt, uint32_t *pfns,
		      unsigned int max)
{
	unsigned int n = 0;
	uint32_t pos, pfn;

	for_each_free_block(zone, order, mt, pos, pfn) {
		if (n == max)
			break;
		pfns[n++] = pfn;
	}
	return n;
}

unsigned int mmt_list_len(const struct zone *zone, unsigned int order, int mt)
{
	unsigned int n = 0;
	uint32_t pos, pfn;

	/* walk the ring rather than trust fl->nr: the tests check the count */
	for_each_free_block(zone, order, mt, pos, pfn)
		n++;
	return n;
}

static void mmt_trace_hook(void *ctx, const struct mm_trace_event *ev)
{
	struct mmt_trace *t = ctx;

	g_array_append_val(t->ev, *ev);
}

void mmt_trace_start(struct pgdat *pgdat, struct mmt_trace *t)
{
	t->ev = g_array_new(FALSE, FALSE, sizeof(struct mm_trace_event));
	pgdat->hooks.trace = mmt_trace_hook;
	pgdat->hooks.ctx = t;
}

void mmt_trace_reset(struct mmt_trace *t)
{
	g_array_set_size(t->ev, 0);
}

void mmt_trace_stop(struct pgdat *pgdat, struct mmt_trace *t)
{
	pgdat->hooks.trace = NULL;
	pgdat->hooks.ctx = NULL;
	g_array_unref(t->ev);
	t->ev = NULL;
}

unsigned int mmt_trace_count(const struct mmt_trace *t, enum mm_trace_type type)
{
	unsigned int n = 0;

	for (guint i = 0; i < t->ev->len; i++)
		n += g_array_index(t->ev, struct mm_trace_event, i).type == type;
	return n;
}

const struct mm_trace_event *mmt_trace_nth(const struct mmt_trace *t, enum mm_trace_type type,
					   unsigned int n)
{
	for (guint i = 0; i < t->ev->len; i++) {
		const struct mm_trace_event *ev = &g_array_index(t->ev, struct mm_trace_event, i);

		if (ev->type == type && n-- == 0)
			return ev;
	}
	return NULL;
}
