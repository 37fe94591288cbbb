// SPDX-License-Identifier: GPL-2.0-only
/*
 * The run loop on the virtual clock.  Boot takes
 *   t_fixed + c_mem * M + firmware and kernel boot acceptance
 * (the parallel parts divided by the Amdahl speed-up over the CPUs), then
 * the workload's requests run on their CPUs from there.  Each CPU keeps
 * the time it is busy until; a request starts at max(its time, that), and
 * accepting memory on its behalf extends it.  The vmstat worker's PCP
 * decay runs every simulated second, a policy's idle worker every tick on
 * CPUs with nothing to do.
 */
#include <string.h>
#include "engine.h"
#include "internal.h"
#include "unaccepted.h"
#include "policies/policy.h"
#include "report.h"

#define NSEC_PER_SEC 1000000000ULL

static uint64_t boot_offset(struct pgdat *pgdat, const struct engine_config *ec,
			    struct run_result *res)
{
	const struct cost_model *cm = ec->cost;
	struct unaccepted_mem *u = pgdat->unaccepted;
	double gib = (double)pgdat->cfg.mem_bytes / (double)(1ULL << 30);
	double speedup = cm ? cost_parallel_speedup(cm, pgdat->cfg.cpus) : 1.0;

	if (cm)
		res->boot_phase_ns[0] = (uint64_t)((cm->t_fixed_s + cm->c_mem_s_per_gib * gib) * 1e9);
	if (u) {
		/* firmware (multi-core TDVF) and deferred init run in parallel */
		res->boot_phase_ns[1] = (uint64_t)((double)u->phase_ns[ACCEPT_FIRMWARE] / speedup);
		res->boot_phase_ns[2] = u->phase_ns[ACCEPT_EARLY];
		res->boot_phase_ns[3] = (uint64_t)((double)u->phase_ns[ACCEPT_BOOT_FREE] / speedup);
	}
	return res->boot_phase_ns[0] + res->boot_phase_ns[1] + res->boot_phase_ns[2] +
	       res->boot_phase_ns[3];
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of a sorted array. */
static uint64_t percentile(const GArray *a, double p)
{
	size_t rank;

	if (!a->len)
		return 0;
	rank = (size_t)(p * (double)a->len + 0.999999999);
	rank = CLAMP(rank, 1, a->len);
	return g_array_index(a, uint64_t, rank - 1);
}

struct engine {
	struct pgdat *pgdat;
	struct policy *policy;
	uint64_t *busy_until;			/* per CPU, ns */
	uint64_t clock;				/* latest time reached, ns */
	uint64_t next_vmstat, next_idle;
	uint64_t next_sample, sample_ns;
	struct pressure *pressure;
	uint64_t next_pressure;
	bool booted;
	struct run_result *res;
};

static void take_sample(struct engine *e, uint64_t t)
{
	struct pgdat *pgdat = e->pgdat;
	struct run_sample smp = { .time_ns = t, .extfrag = pgdat->stats.extfrag };
	uint64_t per_type[MIGRATE_TYPES];
	GArray *a = e->res->samples;

	for (int z = 0; z < MAX_NR_ZONES; z++) {
		for (int o = 0; o < NR_PAGE_ORDERS; o++)
			smp.nr_free[o] += pgdat->zones[z].free_area[o].nr_free;
		smp.free_pages += (uint64_t)pgdat->zones[z].nr_free_pages;
	}
	smp.accepted_bytes = accepted_bytes(pgdat);
	smp.mixed_pageblocks = pgdat_mixed_pageblocks(pgdat, per_type);
	g_array_append_val(a, smp);
	if (a->len == RUN_MAX_SAMPLES) {
		/* keep every other sample and sample half as often */
		for (guint i = 0; i < a->len / 2; i++)
			g_array_index(a, struct run_sample, i) = g_array_index(a, struct run_sample, 2 * i + 1);
		g_array_set_size(a, a->len / 2);
		e->sample_ns *= 2;
	}
}

static void idle_tick(struct engine *e, uint64_t tick)
{
	struct pgdat *pgdat = e->pgdat;

	for (unsigned int cpu = 0; cpu < pgdat->cfg.cpus; cpu++) {
		uint64_t used;

		if (e->busy_until[cpu] > tick)
			continue;
		pgdat->now_ns = tick;
		used = e->policy->ops->idle(e->policy, pgdat, (int)cpu, tick);
		if (pgdat->unaccepted)
			pgdat->unaccepted->pending_ns = 0;
		e->busy_until[cpu] = tick + used;
		e->res->idle_accept_ns += used;
	}
}

/* Run the periodic work due at or before @t, in time order. */
static void run_timers(struct engine *e, uint64_t t)
{
	struct pgdat *pgdat = e->pgdat;
	bool idle = e->policy && e->policy->ops->idle && e->policy->tick_ns;

	for (;;) {
		uint64_t next = MIN(e->next_sample, e->next_vmstat);

		if (e->pressure)
			next = MIN(next, e->next_pressure);
		if (idle && e->booted)
			next = MIN(next, e->next_idle);
		if (next > t)
			return;
		if (idle && e->booted && e->next_idle == next) {
			idle_tick(e, next);
			e->next_idle += e->policy->tick_ns;
		} else if (e->pressure && e->next_pressure == next) {
			pgdat->now_ns = next;
			pressure_tick(e->pressure, next);
			e->next_pressure += PRESSURE_TICK_NS;
		} else if (e->next_vmstat == next) {
			pgdat->now_ns = next;
			sim_pcp_decay(pgdat);
			e->next_vmstat += NSEC_PER_SEC;
		} else {
			take_sample(e, next);
			e->next_sample += e->sample_ns;
		}
	}
}

void sim_run_workload(struct pgdat *pgdat, struct workload *wl, const struct engine_config *ec,
		      struct run_result *res)
{
	struct slot *slots = g_new(struct slot, wl->nr_slots);
	struct slot_table table = { .slots = slots, .nr = wl->nr_slots };
	uint64_t base_used;
	struct engine e = {
		.pgdat = pgdat,
		.policy = ec->policy,
		.busy_until = g_new0(uint64_t, pgdat->cfg.cpus),
		.res = res,
	};
	bool marked = false;
	uint64_t t0;
	struct wl_event ev;

	memset(res, 0, sizeof(*res));
	res->stalls = g_array_new(FALSE, FALSE, sizeof(uint64_t));
	res->samples = g_array_new(FALSE, FALSE, sizeof(struct run_sample));
	for (uint32_t i = 0; i < wl->nr_slots; i++)
		slots[i].pfn = PFN_NONE;
	if (ec->pressure)
		e.pressure = pressure_create(pgdat, &table, ec->pressure);
	base_used = pgdat_used_pages(pgdat);	/* what boot left allocated */
	if (ec->policy) {
		pgdat->hooks.accept = policy_accept_hook;
		pgdat->hooks.accept_ctx = ec->policy;
	}

	t0 = boot_offset(pgdat, ec, res);
	for (unsigned int cpu = 0; cpu < pgdat->cfg.cpus; cpu++)
		e.busy_until[cpu] = t0;
	e.clock = t0;
	e.next_vmstat = t0 + NSEC_PER_SEC;
	e.next_idle = t0;
	e.sample_ns = ec->sample_ns ? ec->sample_ns : NSEC_PER_SEC / 100;
	e.next_sample = t0;
	e.next_pressure = t0 + PRESSURE_TICK_NS;
	res->boot_time_ns = t0;
	e.booted = !wl->has_boot_mark;

	while (wl->ops->next(wl, &ev)) {
		uint64_t t = ev.time_ns + t0;
		uint64_t start;

		if (G_UNLIKELY(wl->nr_slots > table.nr)) {
			/* a streaming workload (trace replay) needs more slots */
			uint32_t n = MAX(wl->nr_slots, table.nr * 2);

			slots = table.slots = g_renew(struct slot, table.slots, n);
			for (uint32_t i = table.nr; i < n; i++)
				slots[i].pfn = PFN_NONE;
			table.nr = n;
			if (e.pressure)
				pressure_slots_grown(e.pressure);
		}
		SIM_BUG_ON(ev.cpu >= pgdat->cfg.cpus);
		start = MAX(t, e.busy_until[ev.cpu]);
		if (start > e.clock)
			e.clock = start;
		run_timers(&e, e.clock);
		start = MAX(t, e.busy_until[ev.cpu]);
		pgdat->now_ns = start;
		res->requests++;

		switch (ev.op) {
		case WL_ALLOC:
		case WL_ALLOC_AT: {
			struct slot *s = &slots[ev.slot];
			uint64_t stall = 0;

			SIM_BUG_ON(ev.slot >= table.nr || s->pfn != PFN_NONE);
			s->order = ev.order;
			s->flags = ev.flags;
			if (ev.op == WL_ALLOC)
				s->pfn = sim_alloc_pages(pgdat, ev.cpu, ev.gfp, ev.order);
			else
				s->pfn = sim_alloc_pages_at(pgdat, ev.cpu, ev.gfp, ev.order, ev.pfn) ?
					 ev.pfn : PFN_NONE;
			if (s->pfn != PFN_NONE)
				table.live_pages += 1ULL << s->order;
			if (e.pressure) {
				if (s->pfn != PFN_NONE)
					pressure_note_alloc(e.pressure, ev.slot);
				pressure_after_request(e.pressure);
			}
			if (pgdat->unaccepted && pgdat->unaccepted->pending_ns) {
				stall = pgdat->unaccepted->pending_ns;
				pgdat->unaccepted->pending_ns = 0;
				g_array_append_val(res->stalls, stall);
				res->stall_total_ns += stall;
			}
			e.busy_until[ev.cpu] = start + stall;
			if (wl->ops->result)
				wl->ops->result(wl, ev.slot, s->pfn);
			break;
		}
		case WL_FREE: {
			struct slot *s = &slots[ev.slot];

			SIM_BUG_ON(ev.slot >= table.nr);
			if (s->pfn != PFN_NONE) {
				if (e.pressure)
					pressure_note_free(e.pressure, ev.slot);
				table.live_pages -= 1ULL << s->order;
				sim_free_pages(pgdat, ev.cpu, s->pfn, s->order);
				s->pfn = PFN_NONE;
				if (e.pressure)
					pressure_after_request(e.pressure);
			}
			e.busy_until[ev.cpu] = start;
			break;
		}
		case WL_MARK_BOOTED:
			/* the shell is up once every CPU is done with boot work */
			res->boot_time_ns = start;
			for (unsigned int cpu = 0; cpu < pgdat->cfg.cpus; cpu++)
				res->boot_time_ns = MAX(res->boot_time_ns, e.busy_until[cpu]);
			e.booted = true;
			e.next_idle = res->boot_time_ns;
			marked = true;
			break;
		case WL_NOP:
			e.busy_until[ev.cpu] = start;
			break;
		}
		/* the workload's view and the allocator's agree on every page */
		SIM_BUG_ON_EXPENSIVE(pgdat_used_pages(pgdat) != base_used + table.live_pages);
	}
	(void)marked;
	for (unsigned int cpu = 0; cpu < pgdat->cfg.cpus; cpu++)
		e.clock = MAX(e.clock, e.busy_until[cpu]);
	res->sim_time_ns = e.clock;
	take_sample(&e, e.clock);
	for (uint32_t i = 0; i < table.nr; i++) {
		if (slots[i].pfn != PFN_NONE) {
			res->live_allocs++;
			res->live_pages += 1ULL << slots[i].order;
		}
	}
	g_array_sort(res->stalls, cmp_u64);
	res->accept_stalls = res->stalls->len;
	res->stall_p50_ns = percentile(res->stalls, 0.50);
	res->stall_p99_ns = percentile(res->stalls, 0.99);
	res->stall_p999_ns = percentile(res->stalls, 0.999);
	res->stall_max_ns = res->stalls->len ? g_array_index(res->stalls, uint64_t, res->stalls->len - 1) : 0;
	if (e.pressure) {
		const struct pressure_stats *ps = pressure_get_stats(e.pressure);

		res->has_pressure = true;
		res->pressure = *ps;
		pressure_lru_pages(e.pressure, &res->file_lru_pages, &res->anon_lru_pages);
		pressure_destroy(e.pressure);
	}
	if (ec->policy) {
		pgdat->hooks.accept = NULL;
		pgdat->hooks.accept_ctx = NULL;
	}
	g_free(e.busy_until);
	g_free(slots);
}

void run_result_clear(struct run_result *res)
{
	if (res->stalls)
		g_array_unref(res->stalls);
	if (res->samples)
		g_array_unref(res->samples);
	res->stalls = NULL;
	res->samples = NULL;
}
