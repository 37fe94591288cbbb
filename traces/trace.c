// SPDX-License-Identifier: GPL-2.0-only
/*
 * Opening a trace: read its first bytes (decompressed), detect the format
 * from magic numbers and line layout, hand over to the format's reader,
 * and check every event the same way whatever the format.
 */
#include <stdarg.h>
#include <string.h>
#include "trace-private.h"

G_DEFINE_QUARK(acceptsim-trace-error-quark, trace_error)

static const char *const event_names[TRACE_EV_NR] = {
	[TRACE_EV_OTHER] = "other",
	[TRACE_EV_LOST] = "lost",
	[TRACE_EV_PAGE_ALLOC] = "mm_page_alloc",
	[TRACE_EV_PAGE_FREE] = "mm_page_free",
	[TRACE_EV_PAGE_FREE_BATCHED] = "mm_page_free_batched",
	[TRACE_EV_PAGE_ALLOC_EXTFRAG] = "mm_page_alloc_extfrag",
	[TRACE_EV_PAGE_ALLOC_ZONE_LOCKED] = "mm_page_alloc_zone_locked",
	[TRACE_EV_PAGE_PCPU_DRAIN] = "mm_page_pcpu_drain",
	[TRACE_EV_SETUP_PER_ZONE_WMARKS] = "mm_setup_per_zone_wmarks",
	[TRACE_EV_SETUP_PER_ZONE_LOWMEM_RESERVE] = "mm_setup_per_zone_lowmem_reserve",
	[TRACE_EV_CALCULATE_TOTALRESERVE_PAGES] = "mm_calculate_totalreserve_pages",
	[TRACE_EV_KSWAPD_WAKE] = "mm_vmscan_kswapd_wake",
	[TRACE_EV_KSWAPD_SLEEP] = "mm_vmscan_kswapd_sleep",
	[TRACE_EV_WAKEUP_KSWAPD] = "mm_vmscan_wakeup_kswapd",
	[TRACE_EV_COMPACTION_BEGIN] = "mm_compaction_begin",
	[TRACE_EV_COMPACTION_END] = "mm_compaction_end",
	[TRACE_EV_COMPACTION_ISOLATE_MIGRATEPAGES] = "mm_compaction_isolate_migratepages",
	[TRACE_EV_COMPACTION_ISOLATE_FREEPAGES] = "mm_compaction_isolate_freepages",
	[TRACE_EV_COMPACTION_FAST_ISOLATE_FREEPAGES] = "mm_compaction_fast_isolate_freepages",
	[TRACE_EV_COMPACTION_MIGRATEPAGES] = "mm_compaction_migratepages",
	[TRACE_EV_COMPACTION_TRY_TO_COMPACT_PAGES] = "mm_compaction_try_to_compact_pages",
	[TRACE_EV_COMPACTION_FINISHED] = "mm_compaction_finished",
	[TRACE_EV_COMPACTION_SUITABLE] = "mm_compaction_suitable",
	[TRACE_EV_COMPACTION_DEFERRED] = "mm_compaction_deferred",
	[TRACE_EV_COMPACTION_DEFER_COMPACTION] = "mm_compaction_defer_compaction",
	[TRACE_EV_COMPACTION_DEFER_RESET] = "mm_compaction_defer_reset",
	[TRACE_EV_COMPACTION_KCOMPACTD_SLEEP] = "mm_compaction_kcompactd_sleep",
	[TRACE_EV_COMPACTION_KCOMPACTD_WAKE] = "mm_compaction_kcompactd_wake",
	[TRACE_EV_COMPACTION_WAKEUP_KCOMPACTD] = "mm_compaction_wakeup_kcompactd",
};

const char *trace_event_name(enum trace_event_type type)
{
	if ((unsigned int)type >= TRACE_EV_NR)
		return "other";
	return event_names[type];
}

enum trace_event_type trace_event_lookup(const char *name, size_t len)
{
	/* most traces are >99% mm_page_alloc/free: test those first */
	if (len == 13 && !memcmp(name, "mm_page_alloc", 13))
		return TRACE_EV_PAGE_ALLOC;
	if (len == 12 && !memcmp(name, "mm_page_free", 12))
		return TRACE_EV_PAGE_FREE;
	if (len < 3 || memcmp(name, "mm_", 3))
		return TRACE_EV_OTHER;
	for (int t = TRACE_EV_PAGE_ALLOC; t < TRACE_EV_NR; t++)
		if (strlen(event_names[t]) == len && !memcmp(event_names[t], name, len))
			return (enum trace_event_type)t;
	return TRACE_EV_OTHER;
}

const char *trace_migratetype_name(unsigned int mt)
{
	static const char *const names[TRACE_NR_MT] = {
		"Unmovable", "Movable", "Reclaimable", "HighAtomic", "CMA", "Isolate",
	};

	return mt < TRACE_NR_MT ? names[mt] : "?";
}

const char *trace_format_name(enum trace_format fmt)
{
	static const char *const names[TRACE_NR_FORMATS] = {
		[TRACE_FMT_FTRACE] = "ftrace text",
		[TRACE_FMT_TRACECMD] = "trace-cmd report text",
		[TRACE_FMT_PERF] = "perf script text",
		[TRACE_FMT_DAT] = "trace.dat",
		[TRACE_FMT_NATIVE] = "acceptsim binary",
	};

	return (unsigned int)fmt < TRACE_NR_FORMATS ? names[fmt] : "?";
}

bool trace_set_error(GError **error, const struct trace_reader *r, uint64_t lineno,
		     const char *fmt, ...)
{
	g_autofree char *msg = NULL;
	va_list ap;

	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	if (lineno && r->ops->fmt >= TRACE_FMT_DAT)
		g_set_error(error, TRACE_ERROR, TRACE_ERROR_PARSE, "%s:record %" G_GUINT64_FORMAT
			    ": %s", r->path, lineno, msg);
	else if (lineno)
		g_set_error(error, TRACE_ERROR, TRACE_ERROR_PARSE, "%s:%" G_GUINT64_FORMAT ": %s",
			    r->path, lineno, msg);
	else
		g_set_error(error, TRACE_ERROR, TRACE_ERROR_PARSE, "%s: %s", r->path, msg);
	return false;
}

/* Pick the reader from the first bytes; NULL with @error for no trace at all. */
static const struct trace_format_ops *detect(struct trace_reader *r, GError **error)
{
	const char *p = r->peek;
	size_t len = r->peek_len;

	if (len == 0) {
		g_set_error(error, TRACE_ERROR, TRACE_ERROR_PARSE, "%s: empty file", r->path);
		return NULL;
	}
	if (len >= TRACE_DAT_MAGIC_LEN && !memcmp(p, TRACE_DAT_MAGIC, TRACE_DAT_MAGIC_LEN))
		return &trace_dat_ops;
	if (len >= TRACE_NATIVE_MAGIC_LEN &&
	    !memcmp(p, TRACE_NATIVE_MAGIC, TRACE_NATIVE_MAGIC_LEN))
		return &trace_native_ops;
	if (memchr(p, '\0', len)) {
		g_set_error(error, TRACE_ERROR, TRACE_ERROR_PARSE,
			    "%s: binary data of no known trace format (not trace.dat, "
			    "not acceptsim binary, not text)", r->path);
		return NULL;
	}
	switch (text_detect(p, len)) {
	case TRACE_FMT_TRACECMD:
		return &trace_tracecmd_ops;
	case TRACE_FMT_PERF:
		return &trace_perf_ops;
	default:
		return &trace_ftrace_ops;
	}
}

struct trace_reader *trace_reader_open(const char *path, GError **error)
{
	struct trace_reader *r;
	ssize_t n;

	r = g_new0(struct trace_reader, 1);
	r->path = g_strdup(path);
	r->in = trace_input_open(path, error);
	if (!r->in)
		goto out_free;
	r->peek = g_malloc(TRACE_PEEK_SIZE);
	n = trace_input_read_full(r->in, r->peek, TRACE_PEEK_SIZE, error);
	if (n < 0) {
		g_prefix_error(error, "%s: ", path);
		goto out_free;
	}
	r->peek_len = (size_t)n;
	r->ops = detect(r, error);
	if (!r->ops)
		goto out_free;
	r->cpu_last_ts = g_new0(uint64_t, TRACE_MAX_CPUS);
	if (!r->ops->open(r, error))
		goto out_free;			/* close() frees what open() set up */
	return r;

out_free:
	trace_reader_close(r);
	return NULL;
}

/* The checks every format gets; false with @error on bad input. */
static bool check_event(struct trace_reader *r, struct trace_event *ev, GError **error)
{
	if (ev->cpu >= TRACE_MAX_CPUS)
		return trace_set_error(error, r, ev->lineno, "cpu %u out of range (max %d)",
				       ev->cpu, TRACE_MAX_CPUS - 1);
	switch (ev->type) {
	case TRACE_EV_PAGE_ALLOC_EXTFRAG:
		if (ev->fallback_order > MAX_PAGE_ORDER)
			return trace_set_error(error, r, ev->lineno,
					       "fallback_order %u > %d", ev->fallback_order,
					       MAX_PAGE_ORDER);
		if (ev->fallback_migratetype >= TRACE_NR_MT)
			return trace_set_error(error, r, ev->lineno,
					       "fallback_migratetype %u out of range",
					       ev->fallback_migratetype);
		/* fall through */
	case TRACE_EV_PAGE_ALLOC:
	case TRACE_EV_PAGE_ALLOC_ZONE_LOCKED:
	case TRACE_EV_PAGE_PCPU_DRAIN:
		if (ev->migratetype >= TRACE_NR_MT)
			return trace_set_error(error, r, ev->lineno, "migratetype %u out of range",
					       ev->migratetype);
		/* fall through */
	case TRACE_EV_PAGE_FREE:
	case TRACE_EV_PAGE_FREE_BATCHED:
		if (ev->order > MAX_PAGE_ORDER)
			return trace_set_error(error, r, ev->lineno, "order %u > %d", ev->order,
					       MAX_PAGE_ORDER);
		if (ev->pfn != TRACE_PFN_NONE && (ev->pfn & ((1ULL << ev->order) - 1)))
			return trace_set_error(error, r, ev->lineno,
					       "pfn 0x%" G_GINT64_MODIFIER "x not aligned to order %u",
					       ev->pfn, ev->order);
		break;
	default:
		break;
	}
	if (ev->type == TRACE_EV_LOST)
		return true;
	if (ev->ts < r->cpu_last_ts[ev->cpu])
		return trace_set_error(error, r, ev->lineno,
				       "time goes backwards on cpu %u (%" G_GUINT64_FORMAT
				       " < %" G_GUINT64_FORMAT ")", ev->cpu, ev->ts,
				       r->cpu_last_ts[ev->cpu]);
	r->cpu_last_ts[ev->cpu] = ev->ts;
	if (ev->ts < r->last_ts)
		r->warn.time_backwards++;
	else
		r->last_ts = ev->ts;
	return true;
}

int trace_reader_next(struct trace_reader *r, struct trace_event *ev, GError **error)
{
	int ret = r->ops->next(r, ev, error);

	if (ret <= 0)
		return ret;
	if (!check_event(r, ev, error))
		return -1;
	switch (ev->type) {
	case TRACE_EV_OTHER:
		r->warn.unknown_events++;
		break;
	case TRACE_EV_LOST:
		r->warn.lost_markers++;
		r->warn.lost_events += ev->arg[0];
		break;
	default:
		break;
	}
	if (ev->flags & TRACE_EVF_GFP_UNMAPPED)
		r->warn.gfp_unmapped++;
	return 1;
}

void trace_reader_close(struct trace_reader *r)
{
	if (!r)
		return;
	if (r->ops && r->ops->close)
		r->ops->close(r);
	trace_input_close(r->in);
	g_free(r->cpu_last_ts);
	g_free(r->peek);
	g_free(r->path);
	g_free(r);
}

enum trace_format trace_reader_format(const struct trace_reader *r)
{
	return r->ops->fmt;
}

const char *trace_reader_compression(const struct trace_reader *r)
{
	return trace_input_compression(r->in);
}

const struct trace_warnings *trace_reader_warnings(const struct trace_reader *r)
{
	return &r->warn;
}

uint64_t trace_reader_bytes(const struct trace_reader *r)
{
	return r->bytes;
}

bool trace_reader_counter_clock(const struct trace_reader *r)
{
	return r->counter_clock;
}

bool trace_for_each(const char *path, trace_event_fn cb, void *data,
		    struct trace_warnings *warnings, GError **error)
{
	struct trace_reader *r = trace_reader_open(path, error);
	struct trace_event ev;
	int ret;

	if (!r)
		return false;
	while ((ret = trace_reader_next(r, &ev, error)) > 0)
		if (!cb(&ev, data))
			break;
	if (warnings)
		*warnings = r->warn;
	trace_reader_close(r);
	return ret >= 0;
}
