/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Reading kmem traces: one event struct for every input format (kernel
 * ftrace text, trace-cmd report text, perf script text, trace.dat through
 * libtracecmd, and our own binary format), read one event at a time so a
 * trace of millions of events is never held in memory.  The format and
 * any gzip/zstd compression are detected from the file's first bytes.
 *
 * Events mirror the tracepoints of include/trace/events/kmem.h, vmscan.h
 * and compaction.h of Linux 6.x; gfp flags are translated to our own bits
 * (sim/mm.h) from kernel names or from the kernel's 6.x bit layout.
 */
#ifndef TRACES_TRACE_H
#define TRACES_TRACE_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>
#include "sim/mm.h"

/*
 * Event types.  The numbers are stored in the binary format
 * (docs/trace-format.md): append, never renumber.
 */
enum trace_event_type {
	TRACE_EV_OTHER,				/* an event we do not know */
	TRACE_EV_LOST,				/* the kernel dropped arg[0] events here */
	TRACE_EV_PAGE_ALLOC,			/* mm_page_alloc */
	TRACE_EV_PAGE_FREE,			/* mm_page_free */
	TRACE_EV_PAGE_FREE_BATCHED,		/* mm_page_free_batched: repeats a free */
	TRACE_EV_PAGE_ALLOC_EXTFRAG,		/* mm_page_alloc_extfrag */
	TRACE_EV_PAGE_ALLOC_ZONE_LOCKED,	/* mm_page_alloc_zone_locked */
	TRACE_EV_PAGE_PCPU_DRAIN,		/* mm_page_pcpu_drain */
	TRACE_EV_SETUP_PER_ZONE_WMARKS,		/* arg[] = min, low, high, promo (pages) */
	TRACE_EV_SETUP_PER_ZONE_LOWMEM_RESERVE,	/* arg[0] pages, arg[1] upper zone */
	TRACE_EV_CALCULATE_TOTALRESERVE_PAGES,	/* arg[0] pages */
	TRACE_EV_KSWAPD_WAKE,			/* mm_vmscan_kswapd_wake: node, order */
	TRACE_EV_KSWAPD_SLEEP,			/* mm_vmscan_kswapd_sleep: node */
	TRACE_EV_WAKEUP_KSWAPD,			/* mm_vmscan_wakeup_kswapd: node, order, gfp */
	TRACE_EV_COMPACTION_BEGIN,		/* mm_compaction_*: counted only */
	TRACE_EV_COMPACTION_END,
	TRACE_EV_COMPACTION_ISOLATE_MIGRATEPAGES,
	TRACE_EV_COMPACTION_ISOLATE_FREEPAGES,
	TRACE_EV_COMPACTION_FAST_ISOLATE_FREEPAGES,
	TRACE_EV_COMPACTION_MIGRATEPAGES,
	TRACE_EV_COMPACTION_TRY_TO_COMPACT_PAGES,
	TRACE_EV_COMPACTION_FINISHED,
	TRACE_EV_COMPACTION_SUITABLE,
	TRACE_EV_COMPACTION_DEFERRED,
	TRACE_EV_COMPACTION_DEFER_COMPACTION,
	TRACE_EV_COMPACTION_DEFER_RESET,
	TRACE_EV_COMPACTION_KCOMPACTD_SLEEP,
	TRACE_EV_COMPACTION_KCOMPACTD_WAKE,
	TRACE_EV_COMPACTION_WAKEUP_KCOMPACTD,
	TRACE_EV_NR,
};

/* Migratetype numbers as traced by 6.x kernels with CONFIG_CMA. */
#define TRACE_MT_CMA		4
#define TRACE_MT_ISOLATE	5
#define TRACE_NR_MT		6

#define TRACE_PFN_NONE		UINT64_MAX	/* failed allocation */
#define TRACE_ZONE_UNKNOWN	0xff
#define TRACE_MAX_CPUS		4096

/* struct trace_event.flags */
#define TRACE_EVF_FAILED		(1U << 0)	/* allocation failed (pfn -1 / 0) */
#define TRACE_EVF_CHANGE_OWNERSHIP	(1U << 1)	/* extfrag change_ownership=1 */
#define TRACE_EVF_PERCPU_REFILL		(1U << 2)	/* zone_locked percpu_refill=1 */
#define TRACE_EVF_GFP_UNMAPPED		(1U << 3)	/* gfp had names/bits we do not model */

struct trace_event {
	uint64_t ts;				/* ns; raw ticks if trace_reader_counter_clock() */
	uint64_t pfn;				/* pfn; TRACE_PFN_NONE if the alloc failed */
	uint64_t arg[4];			/* per type, see enum trace_event_type */
	uint64_t lineno;			/* input line (text) or record number (binary), from 1 */
	uint32_t pid;				/* thread id */
	gfp_t gfp;				/* our bits (sim/mm.h) */
	uint16_t cpu;
	uint8_t type;				/* enum trace_event_type */
	uint8_t order;				/* order; alloc_order for extfrag */
	uint8_t migratetype;			/* requested; alloc_migratetype for extfrag */
	uint8_t fallback_order;			/* extfrag only */
	uint8_t fallback_migratetype;		/* extfrag only */
	uint8_t flags;				/* TRACE_EVF_* */
	uint8_t node;				/* node id, wmark/kswapd events */
	uint8_t zone;				/* enum zone_type or TRACE_ZONE_UNKNOWN */
};

/* fragmenting = fallback_order < pageblock_order, computed, never read. */
static inline bool trace_extfrag_fragmenting(const struct trace_event *ev)
{
	return ev->fallback_order < PAGEBLOCK_ORDER;
}

enum trace_format {
	TRACE_FMT_FTRACE,			/* /sys/kernel/tracing/trace or trace_pipe */
	TRACE_FMT_TRACECMD,			/* trace-cmd report text */
	TRACE_FMT_PERF,				/* perf script text */
	TRACE_FMT_DAT,				/* trace.dat, via libtracecmd */
	TRACE_FMT_NATIVE,			/* our binary format */
	TRACE_NR_FORMATS,
};

/* Recoverable oddities, counted, never fatal. */
struct trace_warnings {
	uint64_t unknown_events;		/* events of no known type */
	uint64_t gfp_unmapped;			/* events whose gfp had unknown names/bits */
	uint64_t time_backwards;		/* ts below the previous event of another CPU */
	uint64_t lost_events;			/* events the kernel reported lost */
	uint64_t lost_markers;			/* "[LOST N EVENTS]" lines or records */
	uint64_t overwritten;			/* entries-written - entries-in-buffer */
	uint64_t skipped_lines;			/* perf callchain lines and the like */
};

#define TRACE_ERROR (trace_error_quark())
GQuark trace_error_quark(void);

enum trace_error {
	TRACE_ERROR_IO,				/* open/read/write failed */
	TRACE_ERROR_PARSE,			/* malformed input, with file:line */
	TRACE_ERROR_UNSUPPORTED,		/* format or feature not built in */
};

struct trace_reader;

/* Open @path, detecting compression and format from its content. */
struct trace_reader *trace_reader_open(const char *path, GError **error);

/*
 * Read the next event into @ev.  Returns 1 with an event, 0 at the end of
 * the trace, -1 with @error set ("file:line: what").  Events are checked:
 * order <= MAX_PAGE_ORDER, migratetype < TRACE_NR_MT, time never going
 * backwards on one CPU.
 */
int trace_reader_next(struct trace_reader *r, struct trace_event *ev, GError **error);

void trace_reader_close(struct trace_reader *r);

enum trace_format trace_reader_format(const struct trace_reader *r);
const char *trace_format_name(enum trace_format fmt);
const char *trace_reader_compression(const struct trace_reader *r);	/* "none", "gzip", "zstd" */
const struct trace_warnings *trace_reader_warnings(const struct trace_reader *r);
/* Uncompressed bytes consumed so far (whole file size for trace.dat). */
uint64_t trace_reader_bytes(const struct trace_reader *r);
/* True if timestamps are raw integer ticks (x86-tsc, counter clocks). */
bool trace_reader_counter_clock(const struct trace_reader *r);

/* Callback form: stops early if @cb returns false. */
typedef bool (*trace_event_fn)(const struct trace_event *ev, void *data);
bool trace_for_each(const char *path, trace_event_fn cb, void *data,
		    struct trace_warnings *warnings, GError **error);

/* Event names, as the kernel spells them ("mm_page_alloc"); "other", "lost". */
const char *trace_event_name(enum trace_event_type type);
/* Lookup by name without the "system:" prefix; TRACE_EV_OTHER if unknown. */
enum trace_event_type trace_event_lookup(const char *name, size_t len);
/* "Unmovable", "Movable", "Reclaimable", "HighAtomic", "CMA", "Isolate". */
const char *trace_migratetype_name(unsigned int mt);

/* Whether libtracecmd support was built in. */
bool trace_have_tracecmd(void);

/* gfp translation (traces/gfp.c). */
/*
 * Parse a gfp_flags value as traces print it: "GFP_KERNEL|__GFP_ZERO",
 * a kernel hex value "0x440dc0", a mix "GFP_KERNEL|0x1000000", or "none".
 * Sets *@unmapped if some name or bit has no equivalent in our bits.
 * Returns false only for text that is no gfp value at all.
 */
bool trace_gfp_parse(const char *s, size_t len, gfp_t *gfp, bool *unmapped);
/* Translate a kernel 6.x gfp_t value to our bits. */
gfp_t trace_gfp_from_kernel(uint64_t kgfp, bool *unmapped);
/* Print @gfp as the kernel's show_gfp_flags() would ("none" for 0). */
void trace_gfp_format(GString *out, gfp_t gfp);

/* Binary format writer (traces/trace-native.c). */
struct trace_writer;
struct trace_writer *trace_writer_open(const char *path, GError **error);
/* Timestamps are raw ticks (trace_reader_counter_clock()); before the first add. */
void trace_writer_set_counter_clock(struct trace_writer *w, bool counter_clock);
bool trace_writer_add(struct trace_writer *w, const struct trace_event *ev, GError **error);
/* Finish: write the trailer, flush, fsync and rename into place. */
bool trace_writer_commit(struct trace_writer *w, GError **error);
/* Drop the temporary file (after an error); @w may be NULL. */
void trace_writer_abort(struct trace_writer *w);

#endif /* TRACES_TRACE_H */
