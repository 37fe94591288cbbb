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
	uint64_t next_timer;			/* the earliest of the above that applies */
	bool idle;				/* the policy works on idle CPUs */
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

/* When the next periodic work is due. */
static uint64_t timers_next(const struct engine *e)
{
	uint64_t next = MIN(e->next_sample, e->next_vmstat);

	if (e->pressure)
		next = MIN(next, e->next_pressure);
	if (e->idle && e->booted)
		next = MIN(next, e->next_idle);
	return next;
}

/*
 * Run the periodic work due at or before @t, in time order.  The run loop
 * calls this only once e->next_timer is reached.
 */
static void run_timers(struct engine *e, uint64_t t)
{
	struct pgdat *pgdat = e->pgdat;

	for (;;) {
		uint64_t next = timers_next(e);

		if (next > t) {
			e->next_timer = next;
			return;
		}
		if (e->idle && e->booted && e->next_idle == next) {
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

/*
 * Where the run loop's requests come from: batches of the workload's
 * events.  A workload whose next() never depends on result() (batchable)
 * is asked for EV_BATCH events at a time, on a producer thread when
 * ec->threaded_source is set, so generating requests overlaps with
 * modelling them; the events are the same either way.  Others are asked
 * for one event at a time, each after the previous one's result().
 */
#define EV_BATCH	2048
#define EV_RING		16		/* batches in flight */
#define EV_RESUME	(EV_RING / 2)	/* a waiting producer resumes with this many free */
#define EV_PREFETCH	16		/* events of look-ahead for the slot table */

struct ev_batch {
	uint32_t n;
	uint32_t nr_slots;		/* wl->nr_slots after the batch's last event */
	bool last;			/* next() returned false after these */
	struct wl_event ev[EV_BATCH];
};

struct ev_source {
	struct workload *wl;
	unsigned int per_batch;
	struct ev_batch *ring;		/* EV_RING batches (1 without a thread) */
	GThread *thread;		/* NULL: filled inline */
	GMutex lock;
	GCond cond;
	unsigned int produced, consumed;	/* batches, under lock */
	bool producer_waits, consumer_waits;	/* under lock */
	bool quit;			/* the consumer stops early */
};

static void ev_fill(struct ev_source *src, struct ev_batch *b)
{
	struct workload *wl = src->wl;

	b->n = 0;
	b->last = false;
	if (wl->ops->fill && src->per_batch > 1) {
		b->n = wl->ops->fill(wl, b->ev, src->per_batch);
		b->last = b->n < src->per_batch;
		b->nr_slots = wl->nr_slots;
		return;
	}
	while (b->n < src->per_batch) {
		if (!wl->ops->next(wl, &b->ev[b->n])) {
			b->last = true;
			break;
		}
		b->n++;
	}
	b->nr_slots = wl->nr_slots;
}

static gpointer ev_producer(gpointer data)
{
	struct ev_source *src = data;

	for (;;) {
		struct ev_batch *b;

		g_mutex_lock(&src->lock);
		while (src->produced - src->consumed == EV_RING && !src->quit) {
			src->producer_waits = true;
			g_cond_wait(&src->cond, &src->lock);
		}
		src->producer_waits = false;
		if (src->quit) {
			g_mutex_unlock(&src->lock);
			return NULL;
		}
		b = &src->ring[src->produced % EV_RING];
		g_mutex_unlock(&src->lock);

		ev_fill(src, b);

		g_mutex_lock(&src->lock);
		src->produced++;
		if (src->consumer_waits)
			g_cond_broadcast(&src->cond);
		g_mutex_unlock(&src->lock);
		if (b->last)
			return NULL;
	}
}

static void ev_source_init(struct ev_source *src, struct workload *wl, bool threaded)
{
	memset(src, 0, sizeof(*src));
	src->wl = wl;
	src->per_batch = wl->batchable ? EV_BATCH : 1;
	threaded = threaded && wl->batchable;
	src->ring = g_new(struct ev_batch, threaded ? EV_RING : 1);
	g_mutex_init(&src->lock);
	g_cond_init(&src->cond);
	if (threaded)
		src->thread = g_thread_try_new("acceptsim-wl", ev_producer, src, NULL);
	/* without a thread (or if none could be made) the batches are filled inline */
}

/* The next batch; the previous one is done with. */
static struct ev_batch *ev_source_next(struct ev_source *src, struct ev_batch *prev)
{
	struct ev_batch *b;

	if (!src->thread) {
		if (prev && prev->last)
			return NULL;
		ev_fill(src, src->ring);
		return src->ring;
	}
	g_mutex_lock(&src->lock);
	if (prev) {
		src->consumed++;
		/*
		 * Wake a waiting producer only when half the ring is free: a
		 * sleep and a wake-up per batch cost more than the batch on a
		 * virtual machine, where waking an idle vCPU is an interrupt.
		 */
		if (src->producer_waits && src->produced - src->consumed <= EV_RING - EV_RESUME)
			g_cond_broadcast(&src->cond);
		if (prev->last) {
			g_mutex_unlock(&src->lock);
			return NULL;
		}
	}
	while (src->produced == src->consumed) {
		src->consumer_waits = true;
		g_cond_wait(&src->cond, &src->lock);
	}
	src->consumer_waits = false;
	b = &src->ring[src->consumed % EV_RING];
	g_mutex_unlock(&src->lock);
	return b;
}

static void ev_source_destroy(struct ev_source *src)
{
	if (src->thread) {
		g_mutex_lock(&src->lock);
		src->quit = true;
		g_cond_broadcast(&src->cond);
		g_mutex_unlock(&src->lock);
		g_thread_join(src->thread);
	}
	g_mutex_clear(&src->lock);
	g_cond_clear(&src->cond);
	g_free(src->ring);
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
	/* the run loop's state in registers; struct engine is for the timers */
	uint64_t clock, next_timer, requests = 0;
	uint64_t *busy;
	struct pressure *pressure;
	struct unaccepted_mem *unaccepted;
	uint32_t nr_slots = table.nr;
	unsigned int cpus = pgdat->cfg.cpus;
	struct ev_source src;
	struct ev_batch *batch = NULL;
	uint32_t bi = 0;
	/*
	 * Read once: struct workload shares a cache line with the generator's
	 * state, which a producer thread writes all the time.
	 */
	void (*result)(struct workload *, uint32_t, uint32_t) =
		wl->batchable ? NULL : wl->ops->result;

	memset(res, 0, sizeof(*res));
	res->stalls = g_array_new(FALSE, FALSE, sizeof(uint64_t));
	res->samples = g_array_new(FALSE, FALSE, sizeof(struct run_sample));
	sim_hint_huge(slots, (size_t)wl->nr_slots * sizeof(*slots));
	for (uint32_t i = 0; i < wl->nr_slots; i++)
		slots[i].pfn = PFN_NONE;
	if (ec->pressure)
		e.pressure = pressure_create(pgdat, &table, ec->pressure);
	base_used = pgdat_used_pages(pgdat);	/* what boot left allocated */
	if (ec->policy && ec->policy->ops->accept) {	/* none has nothing to accept */
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
	e.idle = e.policy && e.policy->ops->idle && e.policy->tick_ns;
	e.next_timer = timers_next(&e);
	next_timer = e.next_timer;
	clock = e.clock;
	busy = e.busy_until;
	pressure = e.pressure;
	unaccepted = pgdat->unaccepted;

	ev_source_init(&src, wl, ec->threaded_source);
	for (;;) {
		const struct wl_event *evp;
		enum wl_op op;
		unsigned int cpu, order;
		uint32_t slot;
		uint64_t t;
		uint64_t start;

		if (!batch || bi == batch->n) {
			batch = ev_source_next(&src, batch);
			if (!batch)
				break;
			bi = 0;
			if (!batch->n)
				continue;
		}
		evp = &batch->ev[bi++];
		if (G_LIKELY(bi + EV_PREFETCH < batch->n)) {
			/* look ahead: the slot of a coming free, the page of a nearer one */
			const struct wl_event *ahead = evp + EV_PREFETCH;
			const struct wl_event *near = evp + EV_PREFETCH / 2;

			if (ahead->slot < nr_slots)
				__builtin_prefetch(&slots[ahead->slot], 1);
			if (near->op == WL_FREE && near->slot < nr_slots)
				sim_prefetch_page(pgdat, slots[near->slot].pfn);
		}
		/*
		 * The request in locals: stores through pgdat, res or a slot
		 * could alias the batch as far as the compiler knows.
		 */
		op = evp->op;
		cpu = evp->cpu;
		slot = evp->slot;
		order = evp->order;
		t = evp->time_ns + t0;

		if (G_UNLIKELY(batch->nr_slots > nr_slots)) {
			/* a streaming workload (trace replay) needs more slots */
			uint32_t n = MAX(batch->nr_slots, nr_slots * 2);

			slots = table.slots = g_renew(struct slot, table.slots, n);
			sim_hint_huge(slots, (size_t)n * sizeof(*slots));
			for (uint32_t i = nr_slots; i < n; i++)
				slots[i].pfn = PFN_NONE;
			nr_slots = table.nr = n;
			if (pressure)
				pressure_slots_grown(pressure);
		}
		SIM_BUG_ON(cpu >= cpus);
		start = MAX(t, busy[cpu]);
		if (start > clock)
			clock = start;
		if (G_UNLIKELY(clock >= next_timer)) {
			run_timers(&e, clock);
			next_timer = e.next_timer;
			start = MAX(t, busy[cpu]);	/* an idle tick may have kept it busy */
		}
		pgdat->now_ns = start;
		requests++;

		switch (op) {
		case WL_ALLOC:
		case WL_ALLOC_AT: {
			struct slot *s = &slots[slot];
			uint64_t stall = 0;
			uint32_t pfn;

			SIM_BUG_ON(slot >= nr_slots || s->pfn != PFN_NONE);
			s->order = order;
			s->flags = evp->flags;
			if (op == WL_ALLOC)
				pfn = order ? __sim_alloc_pages(pgdat, cpu, evp->gfp, order, false)
					    : sim_alloc_page_fast(pgdat, cpu, evp->gfp);
			else
				pfn = sim_alloc_pages_at(pgdat, cpu, evp->gfp, order, evp->pfn) ?
				      evp->pfn : PFN_NONE;
			s->pfn = pfn;
			if (pfn != PFN_NONE)
				table.live_pages += 1ULL << order;
			if (pressure) {
				if (pfn != PFN_NONE)
					pressure_note_alloc(pressure, slot);
				pressure_after_request(pressure);
			}
			if (G_UNLIKELY(unaccepted && unaccepted->pending_ns)) {
				stall = unaccepted->pending_ns;
				unaccepted->pending_ns = 0;
				g_array_append_val(res->stalls, stall);
				res->stall_total_ns += stall;
			}
			busy[cpu] = start + stall;
			if (result)
				result(wl, slot, pfn);
			break;
		}
		case WL_FREE: {
			struct slot *s = &slots[slot];
			uint32_t pfn = s->pfn;

			SIM_BUG_ON(slot >= nr_slots);
			if (pfn != PFN_NONE) {
				if (pressure)
					pressure_note_free(pressure, slot);
				table.live_pages -= 1ULL << s->order;
				if (s->order)
					sim_free_pages(pgdat, cpu, pfn, s->order);
				else
					sim_free_page_fast(pgdat, cpu, pfn);
				s->pfn = PFN_NONE;
				if (pressure)
					pressure_after_request(pressure);
			}
			busy[cpu] = start;
			break;
		}
		case WL_MARK_BOOTED:
			/* the shell is up once every CPU is done with boot work */
			res->boot_time_ns = start;
			for (unsigned int c = 0; c < cpus; c++)
				res->boot_time_ns = MAX(res->boot_time_ns, busy[c]);
			e.booted = true;
			e.next_idle = res->boot_time_ns;
			next_timer = e.next_timer = timers_next(&e);
			marked = true;
			break;
		case WL_NOP:
			busy[cpu] = start;
			break;
		}
		/* the workload's view and the allocator's agree on every page */
		SIM_BUG_ON_EXPENSIVE(pgdat_used_pages(pgdat) != base_used + table.live_pages);
	}
	ev_source_destroy(&src);
	e.clock = clock;
	res->requests = requests;
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
