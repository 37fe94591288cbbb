/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Summary statistics of a kmem trace, as `acceptsim trace stats` prints
 * them: counts per event, allocations by order and migratetype, top gfp
 * sets, the extfrag classification of Vlastimil Babka's review of the
 * unaccepted-memory series (fragmenting, MOVABLE fallbacks), allocation
 * rates over time, and frees with no allocation (a trace begun mid-flight).
 */
#ifndef TRACES_STATS_H
#define TRACES_STATS_H

#include <json-glib/json-glib.h>
#include "trace.h"

/* Open-addressing set of live pfns: (pfn + 1) | order << 56, 0 = empty. */
struct pfn_table {
	uint64_t *keys;
	size_t mask;				/* capacity - 1, capacity a power of two */
	size_t used;
};

struct stats_second {
	uint64_t allocs;			/* successful mm_page_alloc */
	uint64_t frees;				/* mm_page_free */
	uint32_t busy_cpus;			/* CPUs with an event in this second */
};

struct trace_extfrag_stats {
	uint64_t events;
	uint64_t fragmenting;			/* fallback_order < pageblock_order (9) */
	uint64_t change_ownership;		/* the pageblock was claimed */
	uint64_t unmovable_from_movable;	/* alloc Unmovable, fallback Movable */
	uint64_t reclaimable_from_movable;	/* alloc Reclaimable, fallback Movable */
	uint64_t really_bad;			/* fragmenting and one of the two above */
	uint64_t pair[TRACE_NR_MT][TRACE_NR_MT];	/* [alloc mt][fallback mt] */
};

struct trace_stats {
	uint64_t events[TRACE_EV_NR];		/* by type; [TRACE_EV_LOST] = markers */
	uint64_t allocs;			/* successful allocations */
	uint64_t alloc_pages;			/* pages they hand out */
	uint64_t alloc_failed;
	uint64_t allocs_by_order_mt[NR_PAGE_ORDERS][TRACE_NR_MT];
	uint64_t fail_by_order[NR_PAGE_ORDERS];
	uint64_t frees;				/* mm_page_free (free_batched excluded) */
	uint64_t free_pages;
	uint64_t frees_by_order[NR_PAGE_ORDERS];
	uint64_t frees_unmatched;		/* pfn never allocated in the trace */
	uint64_t frees_order_mismatch;		/* freed at another order than allocated */
	uint64_t allocs_live;			/* pfn allocated twice without a free */
	struct trace_extfrag_stats extfrag;
	GHashTable *gfp_counts;			/* gfp + 1 -> count, as pointers */
	gfp_t gfp_run;				/* gfp of the latest allocations ... */
	uint64_t gfp_run_len;			/* ... not yet added to gfp_counts */
	struct pfn_table live;			/* allocated and not yet freed */
	GArray *seconds;			/* struct stats_second, from first_ts */
	uint64_t seconds_dropped;		/* events past the bucket limit */
	int64_t *cpu_last_sec;			/* per cpu: last second with an event */
	uint64_t *cpu_sec_allocs;		/* per cpu: allocs in that second */
	uint64_t busy_cpu_seconds;		/* (cpu, second) pairs with any event */
	uint64_t alloc_cpu_seconds;		/* ... with an allocation */
	uint64_t max_cpu_second_allocs;		/* allocs in the busiest CPU-second */
	uint32_t nr_cpus;			/* highest cpu seen + 1 */
	uint64_t first_ts, last_ts;		/* ns (or ticks) */
	bool have_ts;
	/* about the input, filled by trace_stats_finish() */
	struct trace_warnings warn;
	char *path;
	const char *format;
	const char *compression;
	uint64_t bytes;
	bool counter_clock;
};

void trace_stats_init(struct trace_stats *st);
void trace_stats_add(struct trace_stats *st, const struct trace_event *ev);
void trace_stats_finish(struct trace_stats *st, const struct trace_reader *r);
void trace_stats_clear(struct trace_stats *st);

/* Read all of @path into @st (initialised by the caller). */
bool trace_stats_read(struct trace_stats *st, const char *path, GError **error);

void trace_stats_print(const struct trace_stats *st, GString *out, unsigned int top_gfp);
JsonNode *trace_stats_to_json(const struct trace_stats *st, unsigned int top_gfp);

#endif /* TRACES_STATS_H */
