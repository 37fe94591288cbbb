// SPDX-License-Identifier: GPL-2.0-only
/*
 * random: a seeded mix of allocations and frees that keeps about a
 * chosen fraction of memory in use.  Orders and migratetypes are drawn
 * from a fixed distribution (mostly order-0 movable, some unmovable and
 * reclaimable kernel allocations of order 0-3, a few THP), frees pick a
 * uniformly random live allocation.  Not a model of any real program: it
 * exercises every path of the allocator, fallbacks included.
 *
 * Options: ops=N (1000000) fill=F (0.9 of managed pages) rate=R (1e6 ops/s)
 *          file=F (0): that fraction of order-0 movable allocations is page
 *          cache the workload never frees, so only reclaim gets it back
 */
#include <math.h>
#include "workload.h"
#include "sim/rng.h"
#include "sim/debug.h"

struct wl_random {
	struct workload wl;
	struct rng rng;
	uint64_t ops_left;
	uint64_t target_pages;		/* live pages to hover around */
	uint64_t live_pages;
	double mean_gap_ns;		/* mean time between requests */
	double file;			/* share of order-0 movable allocations that are page cache */
	double now_ns;
	unsigned int cpus;
	uint32_t *live;			/* live slots, unordered */
	uint32_t nr_live;
	uint32_t *free_slots;		/* stack of unused slots */
	uint32_t nr_free_slots;
	uint8_t *slot_order;
};

/* Cumulative order distribution, in 1/1000. */
static const struct { unsigned int order; unsigned int cum; } order_dist[] = {
	{ 0, 835 }, { 1, 885 }, { 2, 935 }, { 3, 985 }, { 4, 987 }, { 5, 989 },
	{ 6, 991 }, { 7, 993 }, { 8, 995 }, { 9, 1000 },
};

static unsigned int draw_order(struct rng *r)
{
	uint64_t u = rng_below(r, 1000);

	for (size_t i = 0; i < G_N_ELEMENTS(order_dist); i++)
		if (u < order_dist[i].cum)
			return order_dist[i].order;
	return 0;
}

static gfp_t draw_gfp(struct rng *r, unsigned int order)
{
	uint64_t u;

	if (order == PAGEBLOCK_ORDER)
		return GFP_TRANSHUGE;
	u = rng_below(r, 10);
	if (u < 7)
		return GFP_HIGHUSER_MOVABLE;
	if (u < 9)
		return GFP_KERNEL;
	return GFP_KERNEL | __GFP_RECLAIMABLE;
}

static struct workload *wl_random_create(const struct wl_params *p, GError **error)
{
	static const char *const known[] = { "ops", "fill", "rate", "file", NULL };
	struct wl_random *w;
	uint64_t ops;
	double fill, rate, file;

	if (!wl_params_check(p, "random", known, error) ||
	    !wl_param_u64(p, "ops", 1000000, 1, UINT32_MAX - 1, &ops, error) ||
	    !wl_param_double(p, "fill", 0.9, 0.0, 1.0, &fill, error) ||
	    !wl_param_double(p, "rate", 1e6, 1.0, 1e12, &rate, error) ||
	    !wl_param_double(p, "file", 0.0, 0.0, 1.0, &file, error))
		return NULL;
	w = g_new0(struct wl_random, 1);
	w->wl.ops = &wl_random_ops;
	/* page cache never gives its slot back: one slot per request then */
	w->wl.nr_slots = (uint32_t)(file > 0 ? ops : MIN(ops, p->managed_pages)) + 1;
	rng_seed(&w->rng, p->seed, 0x72616e646f6dULL);
	w->ops_left = ops;
	w->target_pages = (uint64_t)(fill * (double)p->managed_pages);
	w->mean_gap_ns = 1e9 / rate;
	w->file = file;
	w->cpus = p->cpus;
	w->live = g_new(uint32_t, w->wl.nr_slots);
	w->free_slots = g_new(uint32_t, w->wl.nr_slots);
	w->slot_order = g_new0(uint8_t, w->wl.nr_slots);
	for (uint32_t i = 0; i < w->wl.nr_slots; i++)
		w->free_slots[i] = w->wl.nr_slots - 1 - i;
	w->nr_free_slots = w->wl.nr_slots;
	return &w->wl;
}

static void wl_random_destroy(struct workload *wl)
{
	struct wl_random *w = (struct wl_random *)wl;

	g_free(w->live);
	g_free(w->free_slots);
	g_free(w->slot_order);
	g_free(w);
}

static bool wl_random_next(struct workload *wl, struct wl_event *ev)
{
	struct wl_random *w = (struct wl_random *)wl;
	bool alloc;

	if (!w->ops_left)
		return false;
	w->ops_left--;
	ev->flags = 0;
	w->now_ns += -log(1.0 - rng_double(&w->rng)) * w->mean_gap_ns;
	ev->time_ns = (uint64_t)w->now_ns;
	ev->cpu = (uint16_t)rng_below(&w->rng, w->cpus);

	/* Drift towards the target fill; always alloc when nothing is live. */
	if (!w->nr_live && !w->nr_free_slots)
		return false;
	if (!w->nr_live)
		alloc = true;
	else if (!w->nr_free_slots)
		alloc = false;
	else
		alloc = rng_below(&w->rng, 100) < (w->live_pages < w->target_pages ? 60U : 40U);

	if (alloc) {
		uint32_t slot = w->free_slots[--w->nr_free_slots];

		ev->op = WL_ALLOC;
		ev->order = (uint8_t)draw_order(&w->rng);
		ev->gfp = draw_gfp(&w->rng, ev->order);
		ev->slot = slot;
		w->slot_order[slot] = ev->order;
		if (ev->gfp == GFP_HIGHUSER_MOVABLE && !ev->order && w->file > 0 &&
		    rng_double(&w->rng) < w->file) {
			/* page cache: left to reclaim, the slot is never reused */
			ev->flags = WL_F_FILE;
			return true;
		}
		if (ev->gfp & __GFP_MOVABLE)
			ev->flags = WL_F_ANON;
		w->live[w->nr_live++] = slot;
		w->live_pages += 1ULL << ev->order;
	} else {
		uint32_t i = (uint32_t)rng_below(&w->rng, w->nr_live);
		uint32_t slot = w->live[i];

		w->live[i] = w->live[--w->nr_live];
		w->free_slots[w->nr_free_slots++] = slot;
		w->live_pages -= 1ULL << w->slot_order[slot];
		ev->op = WL_FREE;
		ev->slot = slot;
		ev->order = w->slot_order[slot];
		ev->gfp = 0;
	}
	return true;
}

static void wl_random_result(struct workload *wl, uint32_t slot, uint32_t pfn)
{
	struct wl_random *w = (struct wl_random *)wl;

	if (pfn != PFN_NONE)
		return;
	/* the failed allocation is the last live entry: forget it */
	SIM_BUG_ON(!w->nr_live || w->live[w->nr_live - 1] != slot);
	w->nr_live--;
	w->live_pages -= 1ULL << w->slot_order[slot];
	w->free_slots[w->nr_free_slots++] = slot;
}

const struct workload_ops wl_random_ops = {
	.name = "random",
	.summary = "seeded alloc/free mix of all orders and migratetypes around a fill level",
	.options = "ops=1000000 fill=0.9 rate=1e6",
	.create = wl_random_create,
	.destroy = wl_random_destroy,
	.next = wl_random_next,
	.result = wl_random_result,
};
