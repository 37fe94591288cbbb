// SPDX-License-Identifier: GPL-2.0-only
/*
 * Summary statistics of a kmem trace (see stats.h).  One pass, memory
 * bounded by the live allocations and the trace's length in seconds.
 */
#include <string.h>
#include "stats.h"

#define MAX_SECONDS	(1U << 22)	/* rate buckets: 48 days of trace */
#define NS_PER_SEC	1000000000ULL

/* ------------------------------------------------------- live pfn table */

/*
 * One array of u64 slots, one cache miss per probe: the low 56 bits hold
 * pfn + 1 (0 = empty), the top 8 the order.  pfn 0x2e3388 at order 2 is
 * 0x02000000002e3389.
 */
#define PFN_KEY_MASK	((1ULL << 56) - 1)

static void pfn_table_init(struct pfn_table *t, size_t cap)
{
	t->keys = g_new0(uint64_t, cap);
	t->mask = cap - 1;
	t->used = 0;
}

static inline size_t pfn_hash(uint64_t key, size_t mask)
{
	return (size_t)(((key & PFN_KEY_MASK) * 0x9e3779b97f4a7c15ULL) >> 20) & mask;
}

static void pfn_table_grow(struct pfn_table *t)
{
	struct pfn_table old = *t;

	pfn_table_init(t, (old.mask + 1) * 2);
	for (size_t i = 0; i <= old.mask; i++) {
		size_t j;

		if (!old.keys[i])
			continue;
		for (j = pfn_hash(old.keys[i], t->mask); t->keys[j]; j = (j + 1) & t->mask)
			;
		t->keys[j] = old.keys[i];
		t->used++;
	}
	g_free(old.keys);
}

/* Insert; false if @pfn was already live (its order is replaced). */
static bool pfn_table_insert(struct pfn_table *t, uint64_t pfn, uint8_t order)
{
	uint64_t key = (pfn + 1) & PFN_KEY_MASK;
	size_t i;

	if ((t->used + 1) * 2 > t->mask + 1)
		pfn_table_grow(t);
	for (i = pfn_hash(key, t->mask); t->keys[i]; i = (i + 1) & t->mask) {
		if ((t->keys[i] & PFN_KEY_MASK) == key) {
			t->keys[i] = key | (uint64_t)order << 56;
			return false;
		}
	}
	t->keys[i] = key | (uint64_t)order << 56;
	t->used++;
	return true;
}

/* Remove; returns the order it had, or -1 if @pfn was not live. */
static int pfn_table_remove(struct pfn_table *t, uint64_t pfn)
{
	uint64_t key = (pfn + 1) & PFN_KEY_MASK;
	size_t i, j;
	int order;

	for (i = pfn_hash(key, t->mask); (t->keys[i] & PFN_KEY_MASK) != key;
	     i = (i + 1) & t->mask)
		if (!t->keys[i])
			return -1;
	order = (int)(t->keys[i] >> 56);
	/* backward-shift deletion keeps probe chains intact without tombstones */
	for (j = (i + 1) & t->mask; t->keys[j]; j = (j + 1) & t->mask) {
		size_t home = pfn_hash(t->keys[j], t->mask);

		/* move j into the hole at i unless its home lies in (i, j] */
		if (i <= j ? (home <= i || home > j) : (home <= i && home > j)) {
			t->keys[i] = t->keys[j];
			i = j;
		}
	}
	t->keys[i] = 0;
	t->used--;
	return order;
}

/* ------------------------------------------------------------ collecting */

void trace_stats_init(struct trace_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->gfp_counts = g_hash_table_new(g_direct_hash, g_direct_equal);
	pfn_table_init(&st->live, 1 << 16);
	st->seconds = g_array_new(FALSE, TRUE, sizeof(struct stats_second));
	st->cpu_last_sec = g_new(int64_t, TRACE_MAX_CPUS);
	for (int c = 0; c < TRACE_MAX_CPUS; c++)
		st->cpu_last_sec[c] = -1;
	st->cpu_sec_allocs = g_new0(uint64_t, TRACE_MAX_CPUS);
}

void trace_stats_clear(struct trace_stats *st)
{
	if (st->gfp_counts)
		g_hash_table_destroy(st->gfp_counts);
	if (st->seconds)
		g_array_free(st->seconds, TRUE);
	g_free(st->live.keys);
	g_free(st->cpu_last_sec);
	g_free(st->cpu_sec_allocs);
	g_free(st->path);
	memset(st, 0, sizeof(*st));
}

static void close_cpu_second(struct trace_stats *st, unsigned int cpu)
{
	uint64_t n = st->cpu_sec_allocs[cpu];

	if (n) {
		st->alloc_cpu_seconds++;
		if (n > st->max_cpu_second_allocs)
			st->max_cpu_second_allocs = n;
	}
	st->cpu_sec_allocs[cpu] = 0;
}

static void flush_gfp_run(struct trace_stats *st)
{
	gpointer key = GUINT_TO_POINTER(st->gfp_run + 1);
	gsize n;

	if (!st->gfp_run_len)
		return;
	n = GPOINTER_TO_SIZE(g_hash_table_lookup(st->gfp_counts, key));
	g_hash_table_insert(st->gfp_counts, key, GSIZE_TO_POINTER(n + st->gfp_run_len));
	st->gfp_run_len = 0;
}

/* The per-second bucket of @ev, NULL past the limit. */
static struct stats_second *second_of(struct trace_stats *st, const struct trace_event *ev,
				      int64_t *sec)
{
	uint64_t s = ev->ts > st->first_ts ? (ev->ts - st->first_ts) / NS_PER_SEC : 0;

	if (s >= MAX_SECONDS) {
		st->seconds_dropped++;
		return NULL;
	}
	if (s >= st->seconds->len)
		g_array_set_size(st->seconds, (guint)s + 1);
	*sec = (int64_t)s;
	return &g_array_index(st->seconds, struct stats_second, s);
}

static void add_extfrag(struct trace_stats *st, const struct trace_event *ev)
{
	struct trace_extfrag_stats *x = &st->extfrag;
	bool fragmenting = trace_extfrag_fragmenting(ev);
	bool bad_pair = ev->fallback_migratetype == MIGRATE_MOVABLE &&
			(ev->migratetype == MIGRATE_UNMOVABLE ||
			 ev->migratetype == MIGRATE_RECLAIMABLE);

	x->events++;
	if (fragmenting)
		x->fragmenting++;
	if (ev->flags & TRACE_EVF_CHANGE_OWNERSHIP)
		x->change_ownership++;
	if (ev->fallback_migratetype == MIGRATE_MOVABLE) {
		if (ev->migratetype == MIGRATE_UNMOVABLE)
			x->unmovable_from_movable++;
		else if (ev->migratetype == MIGRATE_RECLAIMABLE)
			x->reclaimable_from_movable++;
	}
	if (fragmenting && bad_pair)
		x->really_bad++;
	x->pair[ev->migratetype][ev->fallback_migratetype]++;
}

void trace_stats_add(struct trace_stats *st, const struct trace_event *ev)
{
	struct stats_second *sec = NULL;
	int64_t s = 0;
	int order;

	st->events[ev->type]++;
	if (ev->type == TRACE_EV_LOST)
		return;
	if (!st->have_ts) {
		st->first_ts = ev->ts;
		st->have_ts = true;
	}
	if (ev->ts > st->last_ts)
		st->last_ts = ev->ts;
	if (ev->cpu >= st->nr_cpus)
		st->nr_cpus = ev->cpu + 1U;
	sec = second_of(st, ev, &s);
	if (sec && st->cpu_last_sec[ev->cpu] != s) {
		if (st->cpu_last_sec[ev->cpu] >= 0)
			close_cpu_second(st, ev->cpu);
		st->cpu_last_sec[ev->cpu] = s;
		st->busy_cpu_seconds++;
		sec->busy_cpus++;
	}

	switch (ev->type) {
	case TRACE_EV_PAGE_ALLOC: {
		/* runs of one gfp are common: count them before touching the table */
		if (ev->gfp == st->gfp_run && st->gfp_run_len) {
			st->gfp_run_len++;
		} else {
			flush_gfp_run(st);
			st->gfp_run = ev->gfp;
			st->gfp_run_len = 1;
		}
		if (ev->flags & TRACE_EVF_FAILED) {
			st->alloc_failed++;
			st->fail_by_order[ev->order]++;
			break;
		}
		st->allocs++;
		st->alloc_pages += 1ULL << ev->order;
		st->allocs_by_order_mt[ev->order][ev->migratetype]++;
		if (sec) {
			sec->allocs++;
			st->cpu_sec_allocs[ev->cpu]++;
		}
		if (!pfn_table_insert(&st->live, ev->pfn, ev->order))
			st->allocs_live++;
		break;
	}
	case TRACE_EV_PAGE_FREE:
		st->frees++;
		st->free_pages += 1ULL << ev->order;
		st->frees_by_order[ev->order]++;
		if (sec)
			sec->frees++;
		order = pfn_table_remove(&st->live, ev->pfn);
		if (order < 0)
			st->frees_unmatched++;
		else if (order != ev->order)
			st->frees_order_mismatch++;
		break;
	case TRACE_EV_PAGE_ALLOC_EXTFRAG:
		add_extfrag(st, ev);
		break;
	default:
		/* mm_page_free_batched repeats an mm_page_free: counted, not freed */
		break;
	}
}

void trace_stats_finish(struct trace_stats *st, const struct trace_reader *r)
{
	flush_gfp_run(st);
	for (unsigned int c = 0; c < st->nr_cpus; c++)
		close_cpu_second(st, c);
	if (!r)
		return;
	st->warn = *trace_reader_warnings(r);
	st->format = trace_format_name(trace_reader_format(r));
	st->compression = trace_reader_compression(r);
	st->bytes = trace_reader_bytes(r);
	st->counter_clock = trace_reader_counter_clock(r);
}

bool trace_stats_read(struct trace_stats *st, const char *path, GError **error)
{
	struct trace_reader *r = trace_reader_open(path, error);
	struct trace_event ev;
	int ret;

	if (!r)
		return false;
	while ((ret = trace_reader_next(r, &ev, error)) > 0)
		trace_stats_add(st, &ev);
	trace_stats_finish(st, r);
	g_free(st->path);
	st->path = g_strdup(path);
	trace_reader_close(r);
	return ret == 0;
}

/* ------------------------------------------------------------- reporting */

struct gfp_count {
	gfp_t gfp;
	uint64_t count;
};

static gint cmp_gfp_count(gconstpointer a, gconstpointer b)
{
	const struct gfp_count *x = a, *y = b;

	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	return x->gfp < y->gfp ? -1 : x->gfp > y->gfp;
}

/* gfp sets by descending count (ties by value, for stable output). */
static GArray *sorted_gfps(const struct trace_stats *st)
{
	GArray *a = g_array_new(FALSE, FALSE, sizeof(struct gfp_count));
	GHashTableIter it;
	gpointer k, v;

	g_hash_table_iter_init(&it, st->gfp_counts);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		struct gfp_count gc = { GPOINTER_TO_UINT(k) - 1, GPOINTER_TO_SIZE(v) };

		g_array_append_val(a, gc);
	}
	g_array_sort(a, cmp_gfp_count);
	return a;
}

static gint cmp_u64(gconstpointer a, gconstpointer b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

struct rate_summary {
	uint64_t seconds;			/* buckets */
	double mean;
	uint64_t median, p95, max;		/* allocs in one second */
	double per_busy_cpu_second;		/* allocs / busy CPU-seconds */
};

static void rate_summary(const struct trace_stats *st, struct rate_summary *rs)
{
	guint n = st->seconds->len;
	uint64_t *v;

	memset(rs, 0, sizeof(*rs));
	if (!n)
		return;
	v = g_new(uint64_t, n);
	for (guint i = 0; i < n; i++)
		v[i] = g_array_index(st->seconds, struct stats_second, i).allocs;
	qsort(v, n, sizeof(*v), (int (*)(const void *, const void *))cmp_u64);
	rs->seconds = n;
	rs->mean = (double)st->allocs / n;
	rs->median = v[n / 2];
	rs->p95 = v[(n * 95) / 100 < n ? (n * 95) / 100 : n - 1];
	rs->max = v[n - 1];
	if (st->busy_cpu_seconds)
		rs->per_busy_cpu_second = (double)st->allocs / (double)st->busy_cpu_seconds;
	g_free(v);
}

static double pct(uint64_t part, uint64_t whole)
{
	return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

void trace_stats_print(const struct trace_stats *st, GString *out, unsigned int top_gfp)
{
	const char *unit = st->counter_clock ? "Gticks" : "s";
	double span = st->have_ts ? (double)(st->last_ts - st->first_ts) / NS_PER_SEC : 0;
	struct rate_summary rs;
	g_autoptr(GArray) gfps = sorted_gfps(st);

	g_string_append_printf(out, "trace: %s (%s, compression %s, %.1f MB)\n",
			       st->path ? st->path : "-", st->format ? st->format : "?",
			       st->compression ? st->compression : "none",
			       (double)st->bytes / 1e6);
	g_string_append_printf(out, "span: %.6f %s%s, cpus: %u\n", span, unit,
			       st->counter_clock ? " (integer clock: x86-tsc or counter)" : "",
			       st->nr_cpus);

	g_string_append(out, "\nevents:\n");
	for (int t = TRACE_EV_PAGE_ALLOC; t < TRACE_EV_NR; t++)
		if (st->events[t])
			g_string_append_printf(out, "  %-38s %12" G_GUINT64_FORMAT "\n",
					       trace_event_name((enum trace_event_type)t),
					       st->events[t]);
	if (st->events[TRACE_EV_OTHER])
		g_string_append_printf(out, "  %-38s %12" G_GUINT64_FORMAT "\n", "other (unknown)",
				       st->events[TRACE_EV_OTHER]);
	if (st->events[TRACE_EV_PAGE_FREE_BATCHED])
		g_string_append(out, "  (mm_page_free_batched repeats mm_page_free: "
				     "not counted as frees)\n");

	g_string_append_printf(out, "\nallocations: %" G_GUINT64_FORMAT " (%" G_GUINT64_FORMAT
			       " pages), failed: %" G_GUINT64_FORMAT "\n",
			       st->allocs, st->alloc_pages, st->alloc_failed);
	g_string_append(out, "  order");
	for (unsigned int mt = 0; mt < TRACE_NR_MT; mt++)
		g_string_append_printf(out, " %11s", trace_migratetype_name(mt));
	g_string_append_printf(out, " %11s %8s\n", "total", "failed");
	for (unsigned int o = 0; o < NR_PAGE_ORDERS; o++) {
		uint64_t total = 0;

		for (unsigned int mt = 0; mt < TRACE_NR_MT; mt++)
			total += st->allocs_by_order_mt[o][mt];
		if (!total && !st->fail_by_order[o])
			continue;
		g_string_append_printf(out, "  %5u", o);
		for (unsigned int mt = 0; mt < TRACE_NR_MT; mt++)
			g_string_append_printf(out, " %11" G_GUINT64_FORMAT,
					       st->allocs_by_order_mt[o][mt]);
		g_string_append_printf(out, " %11" G_GUINT64_FORMAT " %8" G_GUINT64_FORMAT "\n",
				       total, st->fail_by_order[o]);
	}

	g_string_append_printf(out, "\nfrees: %" G_GUINT64_FORMAT " (%" G_GUINT64_FORMAT
			       " pages)\n", st->frees, st->free_pages);
	g_string_append_printf(out, "  without a matching allocation: %" G_GUINT64_FORMAT
			       " (%.1f%%: trace began mid-flight, bulk or split allocations)\n",
			       st->frees_unmatched, pct(st->frees_unmatched, st->frees));
	g_string_append_printf(out, "  freed at another order than allocated: %" G_GUINT64_FORMAT
			       "\n", st->frees_order_mismatch);
	g_string_append_printf(out, "  allocated again while live: %" G_GUINT64_FORMAT "\n",
			       st->allocs_live);
	g_string_append_printf(out, "  still allocated at the end: %zu\n", st->live.used);

	g_string_append(out, "\ntop gfp flag sets:\n");
	for (guint i = 0; i < gfps->len && i < top_gfp; i++) {
		const struct gfp_count *gc = &g_array_index(gfps, struct gfp_count, i);

		g_string_append_printf(out, "  %10" G_GUINT64_FORMAT " %5.1f%%  ", gc->count,
				       pct(gc->count, st->events[TRACE_EV_PAGE_ALLOC]));
		trace_gfp_format(out, gc->gfp);
		g_string_append_c(out, '\n');
	}
	if (gfps->len > top_gfp)
		g_string_append_printf(out, "  (%u more sets)\n", gfps->len - top_gfp);

	g_string_append_printf(out, "\nextfrag: %" G_GUINT64_FORMAT " events\n",
			       st->extfrag.events);
	g_string_append_printf(out, "  fragmenting (fallback_order < 9):   %" G_GUINT64_FORMAT "\n",
			       st->extfrag.fragmenting);
	g_string_append_printf(out, "  change_ownership (block claimed):   %" G_GUINT64_FORMAT "\n",
			       st->extfrag.change_ownership);
	g_string_append_printf(out, "  unmovable stealing from movable:    %" G_GUINT64_FORMAT "\n",
			       st->extfrag.unmovable_from_movable);
	g_string_append_printf(out, "  reclaimable stealing from movable:  %" G_GUINT64_FORMAT "\n",
			       st->extfrag.reclaimable_from_movable);
	g_string_append_printf(out, "  really bad (fragmenting, from MOVABLE): %" G_GUINT64_FORMAT
			       "\n", st->extfrag.really_bad);
	if (st->extfrag.events) {
		g_string_append(out, "  alloc type <- fallback type:\n");
		for (unsigned int a = 0; a < TRACE_NR_MT; a++)
			for (unsigned int f = 0; f < TRACE_NR_MT; f++)
				if (st->extfrag.pair[a][f])
					g_string_append_printf(out, "    %-11s <- %-11s %10"
							       G_GUINT64_FORMAT "\n",
							       trace_migratetype_name(a),
							       trace_migratetype_name(f),
							       st->extfrag.pair[a][f]);
	}

	rate_summary(st, &rs);
	g_string_append_printf(out, "\nallocation rate over %" G_GUINT64_FORMAT " %s buckets:"
			       " mean %.1f/%s, median %" G_GUINT64_FORMAT ", p95 %" G_GUINT64_FORMAT
			       ", max %" G_GUINT64_FORMAT "\n", rs.seconds, unit, rs.mean, unit,
			       rs.median, rs.p95, rs.max);
	g_string_append_printf(out, "  busy CPU-%s: %" G_GUINT64_FORMAT " (with allocations %"
			       G_GUINT64_FORMAT "); allocs per busy CPU-%s: mean %.1f, max %"
			       G_GUINT64_FORMAT "\n", unit, st->busy_cpu_seconds,
			       st->alloc_cpu_seconds, unit, rs.per_busy_cpu_second,
			       st->max_cpu_second_allocs);
	if (st->seconds->len && st->seconds->len <= 120) {
		g_string_append(out, "  second     allocs      frees  busy-cpus\n");
		for (guint i = 0; i < st->seconds->len; i++) {
			const struct stats_second *s = &g_array_index(st->seconds,
								       struct stats_second, i);

			g_string_append_printf(out, "  %6u %10" G_GUINT64_FORMAT " %10" G_GUINT64_FORMAT
					       " %10u\n", i, s->allocs, s->frees, s->busy_cpus);
		}
	}

	g_string_append_printf(out, "\nlost events: %" G_GUINT64_FORMAT " in %" G_GUINT64_FORMAT
			       " markers; overwritten (entries-written - entries-in-buffer): %"
			       G_GUINT64_FORMAT "\n", st->warn.lost_events, st->warn.lost_markers,
			       st->warn.overwritten);
	g_string_append_printf(out, "warnings: unknown events %" G_GUINT64_FORMAT
			       ", unmapped gfp %" G_GUINT64_FORMAT
			       ", time backwards across cpus %" G_GUINT64_FORMAT
			       ", skipped lines %" G_GUINT64_FORMAT "\n",
			       st->warn.unknown_events, st->warn.gfp_unmapped,
			       st->warn.time_backwards, st->warn.skipped_lines);
}

static void add_u64_array(JsonBuilder *b, const char *name, const uint64_t *v, size_t n)
{
	json_builder_set_member_name(b, name);
	json_builder_begin_array(b);
	for (size_t i = 0; i < n; i++)
		json_builder_add_int_value(b, (gint64)v[i]);
	json_builder_end_array(b);
}

#define JSON_INT(b, name, v) do {				\
	json_builder_set_member_name(b, name);			\
	json_builder_add_int_value(b, (gint64)(v));		\
} while (0)

JsonNode *trace_stats_to_json(const struct trace_stats *st, unsigned int top_gfp)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(GArray) gfps = sorted_gfps(st);
	uint64_t by_order[NR_PAGE_ORDERS] = { 0 };
	struct rate_summary rs;

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "file");
	json_builder_add_string_value(b, st->path ? st->path : "");
	json_builder_set_member_name(b, "format");
	json_builder_add_string_value(b, st->format ? st->format : "");
	json_builder_set_member_name(b, "compression");
	json_builder_add_string_value(b, st->compression ? st->compression : "none");
	JSON_INT(b, "bytes", st->bytes);
	json_builder_set_member_name(b, "counter_clock");
	json_builder_add_boolean_value(b, st->counter_clock);
	JSON_INT(b, "first_ts", st->first_ts);
	JSON_INT(b, "last_ts", st->last_ts);
	JSON_INT(b, "cpus", st->nr_cpus);

	json_builder_set_member_name(b, "events");
	json_builder_begin_object(b);
	for (int t = TRACE_EV_PAGE_ALLOC; t < TRACE_EV_NR; t++)
		if (st->events[t])
			JSON_INT(b, trace_event_name((enum trace_event_type)t), st->events[t]);
	JSON_INT(b, "other", st->events[TRACE_EV_OTHER]);
	json_builder_end_object(b);

	JSON_INT(b, "allocs", st->allocs);
	JSON_INT(b, "alloc_pages", st->alloc_pages);
	JSON_INT(b, "alloc_failed", st->alloc_failed);
	for (unsigned int o = 0; o < NR_PAGE_ORDERS; o++)
		for (unsigned int mt = 0; mt < TRACE_NR_MT; mt++)
			by_order[o] += st->allocs_by_order_mt[o][mt];
	add_u64_array(b, "allocs_by_order", by_order, NR_PAGE_ORDERS);
	json_builder_set_member_name(b, "allocs_by_order_migratetype");
	json_builder_begin_object(b);
	for (unsigned int mt = 0; mt < TRACE_NR_MT; mt++) {
		uint64_t v[NR_PAGE_ORDERS];

		for (unsigned int o = 0; o < NR_PAGE_ORDERS; o++)
			v[o] = st->allocs_by_order_mt[o][mt];
		add_u64_array(b, trace_migratetype_name(mt), v, NR_PAGE_ORDERS);
	}
	json_builder_end_object(b);
	add_u64_array(b, "alloc_failed_by_order", st->fail_by_order, NR_PAGE_ORDERS);

	JSON_INT(b, "frees", st->frees);
	JSON_INT(b, "free_pages", st->free_pages);
	add_u64_array(b, "frees_by_order", st->frees_by_order, NR_PAGE_ORDERS);
	JSON_INT(b, "frees_unmatched", st->frees_unmatched);
	JSON_INT(b, "frees_order_mismatch", st->frees_order_mismatch);
	JSON_INT(b, "allocs_while_live", st->allocs_live);
	JSON_INT(b, "live_at_end", st->live.used);

	json_builder_set_member_name(b, "top_gfp");
	json_builder_begin_array(b);
	for (guint i = 0; i < gfps->len && i < top_gfp; i++) {
		const struct gfp_count *gc = &g_array_index(gfps, struct gfp_count, i);
		g_autoptr(GString) s = g_string_new(NULL);

		trace_gfp_format(s, gc->gfp);
		json_builder_begin_object(b);
		json_builder_set_member_name(b, "flags");
		json_builder_add_string_value(b, s->str);
		JSON_INT(b, "count", gc->count);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);

	json_builder_set_member_name(b, "extfrag");
	json_builder_begin_object(b);
	JSON_INT(b, "events", st->extfrag.events);
	JSON_INT(b, "fragmenting", st->extfrag.fragmenting);
	JSON_INT(b, "change_ownership", st->extfrag.change_ownership);
	JSON_INT(b, "unmovable_from_movable", st->extfrag.unmovable_from_movable);
	JSON_INT(b, "reclaimable_from_movable", st->extfrag.reclaimable_from_movable);
	JSON_INT(b, "really_bad", st->extfrag.really_bad);
	json_builder_set_member_name(b, "pairs");
	json_builder_begin_object(b);
	for (unsigned int a = 0; a < TRACE_NR_MT; a++)
		for (unsigned int f = 0; f < TRACE_NR_MT; f++)
			if (st->extfrag.pair[a][f]) {
				g_autofree char *k = g_strdup_printf("%s<-%s",
								     trace_migratetype_name(a),
								     trace_migratetype_name(f));
				JSON_INT(b, k, st->extfrag.pair[a][f]);
			}
	json_builder_end_object(b);
	json_builder_end_object(b);

	rate_summary(st, &rs);
	json_builder_set_member_name(b, "rate");
	json_builder_begin_object(b);
	JSON_INT(b, "seconds", rs.seconds);
	json_builder_set_member_name(b, "mean_per_second");
	json_builder_add_double_value(b, rs.mean);
	JSON_INT(b, "median_per_second", rs.median);
	JSON_INT(b, "p95_per_second", rs.p95);
	JSON_INT(b, "max_per_second", rs.max);
	JSON_INT(b, "busy_cpu_seconds", st->busy_cpu_seconds);
	JSON_INT(b, "alloc_cpu_seconds", st->alloc_cpu_seconds);
	json_builder_set_member_name(b, "allocs_per_busy_cpu_second");
	json_builder_add_double_value(b, rs.per_busy_cpu_second);
	JSON_INT(b, "max_per_cpu_second", st->max_cpu_second_allocs);
	json_builder_set_member_name(b, "allocs_per_second");
	json_builder_begin_array(b);
	for (guint i = 0; i < st->seconds->len; i++)
		json_builder_add_int_value(b, (gint64)g_array_index(st->seconds,
								     struct stats_second, i).allocs);
	json_builder_end_array(b);
	json_builder_end_object(b);

	JSON_INT(b, "lost_events", st->warn.lost_events);
	JSON_INT(b, "lost_markers", st->warn.lost_markers);
	JSON_INT(b, "overwritten", st->warn.overwritten);
	json_builder_set_member_name(b, "warnings");
	json_builder_begin_object(b);
	JSON_INT(b, "unknown_events", st->warn.unknown_events);
	JSON_INT(b, "gfp_unmapped", st->warn.gfp_unmapped);
	JSON_INT(b, "time_backwards", st->warn.time_backwards);
	JSON_INT(b, "skipped_lines", st->warn.skipped_lines);
	json_builder_end_object(b);
	json_builder_end_object(b);
	return json_builder_get_root(b);
}
