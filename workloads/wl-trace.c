// SPDX-License-Identifier: GPL-2.0-only
/*
 * trace: replay a kmem trace (any format traces/ reads) as requests.
 *
 *  mode=request  each mm_page_alloc becomes a request of the same order,
 *                gfp and CPU at the recorded time; the model picks the
 *                pfn; a recorded free releases whatever the model gave
 *                for that allocation.
 *  mode=pfn      each allocation is applied at its recorded pfn and each
 *                free at its pfn, to rebuild buddyinfo and pageblock mixing
 *                as the kernel lived them (run with the per-CPU lists off).
 *
 * In pfn mode an allocation the model refuses (its page is not free in the
 * model: allocated before the trace, or so placed by an initial state
 * from pagetypeinfo) is a conflict, counted, and so is the free ending it.
 *
 * The trace is streamed: a pfn -> slot hash follows live allocations, and
 * slots are recycled.  Frees of pages allocated before the trace began,
 * failed allocations, mm_page_free_batched (it repeats a free) and events
 * that are not allocations or frees are counted, not replayed; the
 * trace's own extfrag events are counted for comparison with the model's.
 *
 * Options: file=PATH (required), mode=request|pfn
 */
#include <string.h>
#include <sys/mman.h>
#include "workload.h"
#include "traces/trace.h"
#include "sim/cli.h"

#define EMPTY_KEY UINT64_MAX
/*
 * Trace events read ahead: the pfn map outgrows the caches on long traces
 * and every lookup would wait for memory; a lookup prefetched this many
 * events early does not (kbuild trace, 2.4M lookups: -40% replay time).
 */
#define WL_TRACE_AHEAD	16
#define MAP_HUGE_MIN	(2U << 20)	/* bytes: map tables this big get huge pages */

/* One live allocation: 16 bytes, so a probe touches one cache line. */
struct pfn_entry {
	uint64_t pfn;			/* trace pfn, EMPTY_KEY when free */
	uint32_t slot;			/* workload slot holding it */
	uint8_t order;
};

/* Open addressing with linear probing and backward-shift deletion. */
struct pfn_map {
	struct pfn_entry *e;
	uint64_t mask;			/* capacity - 1 */
	uint64_t used;
};
struct wl_trace {
	struct workload wl;
	struct trace_reader *reader;
	char *path;
	bool pfn_mode;
	unsigned int cpus;
	struct pfn_map map;
	uint32_t *free_slots;
	uint32_t nr_free_slots, cap_free_slots;
	uint64_t first_ts, last_t;
	bool started;
	/* what was seen and not replayed */
	uint64_t events, allocs, frees, failed_allocs, unmatched_frees, order_mismatch;
	uint64_t realloc_live, batched, extfrag, extfrag_fragmenting, other, time_clamped;
	/* pfn mode: where the model's page states and the trace's disagree */
	uint64_t alloc_conflicts;	/* the recorded pfn was not free in the model */
	uint64_t free_conflicts;	/* frees of such allocations, not replayed */
	uint8_t *slot_failed;		/* by slot: its allocation was a conflict */
	uint32_t cap_failed;
	struct wl_event pending;	/* a second event produced by one trace event */
	bool has_pending;
	/* events read ahead, their map entries prefetched: ahead[head..head+n) */
	struct trace_event ahead[WL_TRACE_AHEAD];
	unsigned int head, nr_ahead;
	int ahead_rc;			/* what the reader said after them (0 EOF, -1) */
	GError *ahead_error;		/* ... its error, handed over when reached */
};

static inline uint64_t hash_pfn(uint64_t pfn)
{
	pfn ^= pfn >> 33;
	pfn *= 0xff51afd7ed558ccdULL;
	pfn ^= pfn >> 33;
	return pfn;
}

/*
 * Tables of 2 MiB and more get transparent huge pages where the system
 * allows them: lookups are random, and with 4 KiB pages each would also
 * miss the TLB.
 */
static void map_init(struct pfn_map *m, uint64_t cap)
{
	size_t bytes = cap * sizeof(struct pfn_entry);

	m->mask = cap - 1;
	m->used = 0;
	if (bytes >= MAP_HUGE_MIN) {
		m->e = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			    -1, 0);
		if (m->e == MAP_FAILED)
			g_error("acceptsim: out of memory mapping %zu bytes", bytes);
		madvise(m->e, bytes, MADV_HUGEPAGE);	/* a hint: fine if THP is off */
	} else {
		m->e = g_new(struct pfn_entry, cap);
	}
	for (uint64_t i = 0; i < cap; i++)
		m->e[i].pfn = EMPTY_KEY;
}

static void map_free(struct pfn_map *m)
{
	size_t bytes = (m->mask + 1) * sizeof(struct pfn_entry);

	if (bytes >= MAP_HUGE_MIN)
		munmap(m->e, bytes);
	else
		g_free(m->e);
}

/* The entry of @pfn, or the empty one where it would go. */
static inline uint64_t map_find(const struct pfn_map *m, uint64_t pfn)
{
	uint64_t i = hash_pfn(pfn) & m->mask;

	while (m->e[i].pfn != EMPTY_KEY && m->e[i].pfn != pfn)
		i = (i + 1) & m->mask;
	return i;
}

static void map_grow(struct pfn_map *m)
{
	struct pfn_map old = *m;

	map_init(m, (old.mask + 1) * 2);
	for (uint64_t i = 0; i <= old.mask; i++)
		if (old.e[i].pfn != EMPTY_KEY) {
			m->e[map_find(m, old.e[i].pfn)] = old.e[i];
			m->used++;
		}
	map_free(&old);
}

/* Insert @pfn, known not to be in the map. */
static void map_insert(struct pfn_map *m, uint64_t pfn, uint32_t slot, uint8_t order)
{
	struct pfn_entry *e;

	if ((m->used + 1) * 2 > m->mask + 1)
		map_grow(m);
	e = &m->e[map_find(m, pfn)];
	e->pfn = pfn;
	e->slot = slot;
	e->order = order;
	m->used++;
}

/* Remove entry @i, moving later entries of its cluster back (linear probing). */
static void map_del(struct pfn_map *m, uint64_t i)
{
	uint64_t j = i;

	m->e[i].pfn = EMPTY_KEY;
	m->used--;
	for (;;) {
		uint64_t k;

		j = (j + 1) & m->mask;
		if (m->e[j].pfn == EMPTY_KEY)
			return;
		k = hash_pfn(m->e[j].pfn) & m->mask;
		/* move j back to i unless its home lies cyclically in (i, j] */
		if ((j > i && (k <= i || k > j)) || (j < i && (k <= i && k > j))) {
			m->e[i] = m->e[j];
			m->e[j].pfn = EMPTY_KEY;
			i = j;
		}
	}
}

static uint32_t take_slot(struct wl_trace *t)
{
	if (t->nr_free_slots)
		return t->free_slots[--t->nr_free_slots];
	return t->wl.nr_slots++;
}

static void put_slot(struct wl_trace *t, uint32_t slot)
{
	if (slot < t->cap_failed && t->slot_failed[slot]) {
		t->slot_failed[slot] = 0;
		t->free_conflicts++;
	}
	if (t->nr_free_slots == t->cap_free_slots) {
		t->cap_free_slots = t->cap_free_slots ? t->cap_free_slots * 2 : 1024;
		t->free_slots = g_renew(uint32_t, t->free_slots, t->cap_free_slots);
	}
	t->free_slots[t->nr_free_slots++] = slot;
}

static struct workload *wl_trace_create(const struct wl_params *p, GError **error)
{
	static const char *const known[] = { "file", "mode", NULL };
	const char *file = p->kv ? g_hash_table_lookup(p->kv, "file") : NULL;
	const char *mode = p->kv ? g_hash_table_lookup(p->kv, "mode") : NULL;
	struct trace_reader *r;
	struct wl_trace *t;

	if (!wl_params_check(p, "trace", known, error))
		return NULL;
	if (!file) {
		g_set_error(error, SIM_CLI_ERROR, SIM_CLI_ERROR_USAGE,
			    "workload trace needs file=PATH");
		return NULL;
	}
	if (mode && strcmp(mode, "request") && strcmp(mode, "pfn")) {
		g_set_error(error, SIM_CLI_ERROR, SIM_CLI_ERROR_USAGE,
			    "workload trace: mode must be request or pfn, not '%s'", mode);
		return NULL;
	}
	r = trace_reader_open(file, error);
	if (!r)
		return NULL;
	t = g_new0(struct wl_trace, 1);
	t->wl.ops = &wl_trace_ops;
	t->reader = r;
	t->path = g_strdup(file);
	t->pfn_mode = mode && !strcmp(mode, "pfn");
	t->cpus = p->cpus;
	t->ahead_rc = 1;
	map_init(&t->map, 1 << 16);
	return &t->wl;
}

static void wl_trace_destroy(struct workload *wl)
{
	struct wl_trace *t = (struct wl_trace *)wl;

	trace_reader_close(t->reader);
	g_clear_error(&t->ahead_error);
	g_free(t->slot_failed);
	map_free(&t->map);
	g_free(t->free_slots);
	g_free(t->path);
	g_clear_error(&t->wl.error);
	g_free(t);
}

/* Virtual time of @ev: from the first event, never going backwards. */
static uint64_t event_time(struct wl_trace *t, const struct trace_event *ev)
{
	uint64_t rel;

	if (!t->started) {
		t->started = true;
		t->first_ts = ev->ts;
	}
	rel = ev->ts >= t->first_ts ? ev->ts - t->first_ts : 0;
	if (rel < t->last_t) {
		t->time_clamped++;	/* per-CPU buffers merge slightly out of order */
		rel = t->last_t;
	}
	t->last_t = rel;
	return rel;
}

/*
 * The next trace event into @ev, read WL_TRACE_AHEAD events early with the
 * map entry of its pfn prefetched.  Returns as trace_reader_next().
 */
static int next_trace_event(struct wl_trace *t, struct trace_event *ev)
{
	while (t->ahead_rc > 0 && t->nr_ahead < WL_TRACE_AHEAD) {
		unsigned int k = (t->head + t->nr_ahead) % WL_TRACE_AHEAD;
		struct trace_event *a = &t->ahead[k];

		t->ahead_rc = trace_reader_next(t->reader, a, &t->ahead_error);
		if (t->ahead_rc <= 0)
			break;
		if (a->type == TRACE_EV_PAGE_ALLOC || a->type == TRACE_EV_PAGE_FREE)
			__builtin_prefetch(&t->map.e[hash_pfn(a->pfn) & t->map.mask]);
		t->nr_ahead++;
	}
	if (!t->nr_ahead) {
		if (t->ahead_rc < 0)
			g_propagate_error(&t->wl.error, g_steal_pointer(&t->ahead_error));
		return t->ahead_rc;
	}
	*ev = t->ahead[t->head];
	t->head = (t->head + 1) % WL_TRACE_AHEAD;
	t->nr_ahead--;
	return 1;
}

static bool wl_trace_next(struct workload *wl, struct wl_event *out)
{
	struct wl_trace *t = (struct wl_trace *)wl;
	struct trace_event ev = { 0 };

	if (t->has_pending) {
		*out = t->pending;
		t->has_pending = false;
		return true;
	}
	for (;;) {
		int rc = next_trace_event(t, &ev);
		uint64_t i;

		if (rc <= 0)
			return false;		/* EOF, or wl.error set */
		t->events++;
		switch (ev.type) {
		case TRACE_EV_PAGE_ALLOC: {
			uint32_t slot;

			if (ev.pfn == TRACE_PFN_NONE || (ev.flags & TRACE_EVF_FAILED)) {
				t->failed_allocs++;
				continue;
			}
			memset(out, 0, sizeof(*out));
			out->time_ns = event_time(t, &ev);
			out->cpu = (uint16_t)(ev.cpu % t->cpus);
			out->order = ev.order;
			out->gfp = ev.gfp;
			if (t->pfn_mode) {
				out->op = WL_ALLOC_AT;
				out->pfn = (uint32_t)MIN(ev.pfn, (uint64_t)UINT32_MAX - 1);
			} else {
				out->op = WL_ALLOC;
			}
			if (ev.gfp & __GFP_MOVABLE)
				out->flags = WL_F_ANON;
			i = map_find(&t->map, ev.pfn);
			if (t->map.e[i].pfn != EMPTY_KEY) {
				/* the trace missed a free: release the old one first */
				struct wl_event alloc = *out;

				t->realloc_live++;
				memset(out, 0, sizeof(*out));
				out->op = WL_FREE;
				out->time_ns = alloc.time_ns;
				out->cpu = alloc.cpu;
				out->slot = t->map.e[i].slot;
				out->order = t->map.e[i].order;
				put_slot(t, t->map.e[i].slot);
				map_del(&t->map, i);
				slot = take_slot(t);
				alloc.slot = slot;
				map_insert(&t->map, ev.pfn, slot, ev.order);
				t->pending = alloc;
				t->has_pending = true;
				t->allocs++;
				return true;
			}
			slot = take_slot(t);
			out->slot = slot;
			if ((t->map.used + 1) * 2 > t->map.mask + 1) {
				map_insert(&t->map, ev.pfn, slot, ev.order);
			} else {
				/* i is the empty entry map_find() stopped at */
				t->map.e[i] = (struct pfn_entry){ ev.pfn, slot, ev.order };
				t->map.used++;
			}
			t->allocs++;
			return true;
		}
		case TRACE_EV_PAGE_FREE:
			i = map_find(&t->map, ev.pfn);
			if (t->map.e[i].pfn == EMPTY_KEY) {
				t->unmatched_frees++;	/* allocated before the trace began */
				continue;
			}
			if (t->map.e[i].order != ev.order)
				t->order_mismatch++;
			memset(out, 0, sizeof(*out));
			out->op = WL_FREE;
			out->time_ns = event_time(t, &ev);
			out->cpu = (uint16_t)(ev.cpu % t->cpus);
			out->slot = t->map.e[i].slot;
			out->order = t->map.e[i].order;
			put_slot(t, t->map.e[i].slot);
			map_del(&t->map, i);
			t->frees++;
			return true;
		case TRACE_EV_PAGE_FREE_BATCHED:
			t->batched++;
			continue;
		case TRACE_EV_PAGE_ALLOC_EXTFRAG:
			t->extfrag++;
			if (trace_extfrag_fragmenting(&ev))
				t->extfrag_fragmenting++;
			continue;
		default:
			t->other++;
			continue;
		}
	}
}

/*
 * pfn mode: an allocation the model refused was of a page it does not
 * have free (allocated before the trace, or by a conflicting initial
 * state); the free that ends it is then not replayed either.
 */
static void wl_trace_result(struct workload *wl, uint32_t slot, uint32_t pfn)
{
	struct wl_trace *t = (struct wl_trace *)wl;

	if (!t->pfn_mode || pfn != PFN_NONE)
		return;
	if (slot >= t->cap_failed) {
		uint32_t cap = MAX(slot + 1, t->cap_failed * 2);

		t->slot_failed = g_realloc(t->slot_failed, cap);
		memset(t->slot_failed + t->cap_failed, 0, cap - t->cap_failed);
		t->cap_failed = cap;
	}
	t->slot_failed[slot] = 1;
	t->alloc_conflicts++;
}

static void add(JsonBuilder *b, const char *name, uint64_t v)
{
	json_builder_set_member_name(b, name);
	json_builder_add_int_value(b, (gint64)v);
}

static void wl_trace_report(struct workload *wl, JsonBuilder *b)
{
	struct wl_trace *t = (struct wl_trace *)wl;

	json_builder_set_member_name(b, "trace");
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "file");
	json_builder_add_string_value(b, t->path);
	json_builder_set_member_name(b, "format");
	json_builder_add_string_value(b, trace_format_name(trace_reader_format(t->reader)));
	json_builder_set_member_name(b, "mode");
	json_builder_add_string_value(b, t->pfn_mode ? "pfn" : "request");
	add(b, "events", t->events);
	add(b, "allocs_replayed", t->allocs);
	add(b, "frees_replayed", t->frees);
	add(b, "failed_allocs", t->failed_allocs);
	add(b, "unmatched_frees", t->unmatched_frees);
	add(b, "free_order_mismatch", t->order_mismatch);
	add(b, "realloc_of_live_pfn", t->realloc_live);
	add(b, "free_batched_ignored", t->batched);
	add(b, "other_events", t->other);
	add(b, "time_clamped", t->time_clamped);
	if (t->pfn_mode) {
		add(b, "pfn_alloc_conflicts", t->alloc_conflicts);
		add(b, "pfn_free_conflicts", t->free_conflicts);
	}
	add(b, "trace_extfrag", t->extfrag);
	add(b, "trace_extfrag_fragmenting", t->extfrag_fragmenting);
	json_builder_end_object(b);
}

const struct workload_ops wl_trace_ops = {
	.name = "trace",
	.summary = "replay a kmem trace (ftrace, trace-cmd, perf, trace.dat, native)",
	.options = "file=PATH mode=request|pfn",
	.create = wl_trace_create,
	.destroy = wl_trace_destroy,
	.next = wl_trace_next,
	.result = wl_trace_result,
	.report = wl_trace_report,
};
