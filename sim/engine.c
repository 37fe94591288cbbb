// SPDX-License-Identifier: GPL-2.0-only
/*
 * The run loop: requests from a workload are applied to the model in
 * time order; the vmstat worker's PCP decay runs once per simulated
 * second.  Slots map a workload's allocation handles to the pfns the
 * model chose.
 */
#include "engine.h"
#include <string.h>
#include "internal.h"

#define NSEC_PER_SEC 1000000000ULL

struct slot {
	uint32_t pfn;
	uint8_t order;
};

void sim_run_workload(struct pgdat *pgdat, struct workload *wl, struct run_result *res)
{
	struct slot *slots = g_new(struct slot, wl->nr_slots);
	uint64_t next_tick = NSEC_PER_SEC;
	struct wl_event ev;

	memset(res, 0, sizeof(*res));
	for (uint32_t i = 0; i < wl->nr_slots; i++)
		slots[i].pfn = PFN_NONE;

	while (wl->ops->next(wl, &ev)) {
		struct slot *s = &slots[ev.slot];

		SIM_BUG_ON(ev.slot >= wl->nr_slots || ev.cpu >= pgdat->cfg.cpus);
		SIM_BUG_ON(ev.time_ns < pgdat->now_ns);
		pgdat->now_ns = ev.time_ns;
		while (G_UNLIKELY(pgdat->now_ns >= next_tick)) {
			sim_pcp_decay(pgdat);
			next_tick += NSEC_PER_SEC;
		}
		res->requests++;
		if (ev.op == WL_ALLOC) {
			SIM_BUG_ON(s->pfn != PFN_NONE);
			s->pfn = sim_alloc_pages(pgdat, ev.cpu, ev.gfp, ev.order);
			s->order = ev.order;
			if (wl->ops->result)
				wl->ops->result(wl, ev.slot, s->pfn);
		} else if (s->pfn != PFN_NONE) {
			sim_free_pages(pgdat, ev.cpu, s->pfn, s->order);
			s->pfn = PFN_NONE;
		}
	}
	res->sim_time_ns = pgdat->now_ns;
	for (uint32_t i = 0; i < wl->nr_slots; i++) {
		if (slots[i].pfn != PFN_NONE) {
			res->live_allocs++;
			res->live_pages += 1ULL << slots[i].order;
		}
	}
	g_free(slots);
}
