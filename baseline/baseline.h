/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The jemalloc baseline, the model's side: turn a workload or trace into
 * an allocation stream (stream.h), time that stream through the buddy
 * model, measure the free memory it strands below each order, and run
 * acceptsim-jebaseline on the same stream and read what it prints.
 */
#ifndef BASELINE_BASELINE_H
#define BASELINE_BASELINE_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>
#include "sim/mm.h"
#include "sim/runspec.h"
#include "stream.h"

#define BASELINE_MAX_REPEAT 100

/* A stream in memory: encoded as stream.h, plus what only the model uses. */
struct baseline_stream {
	GByteArray *bytes;			/* header + records, as sent to the helper */
	uint16_t *cpu;				/* per record: simulated CPU */
	gfp_t *gfp;				/* per record: gfp of an allocation, else 0 */
	uint64_t nr_records;
	uint64_t cap;				/* records cpu[] and gfp[] hold */
	uint32_t nr_slots;
	uint64_t skipped;			/* workload requests not in the stream */
};

void baseline_stream_init(struct baseline_stream *s);
void baseline_stream_clear(struct baseline_stream *s);

/* Append one record.  pre: order <= MAX_PAGE_ORDER. */
void baseline_stream_add(struct baseline_stream *s, enum bstream_op op, unsigned int order,
			 uint32_t slot, uint16_t cpu, gfp_t gfp);

/* Write the header for the records so far; call before using bytes. */
void baseline_stream_finish(struct baseline_stream *s);

/*
 * The request stream of @rs's workload (a trace workload in request
 * mode, or a generator), as the workload issues it when every allocation
 * succeeds: the baseline compares allocators, so both see every request.
 * Marks and no-ops are dropped, so is a free of a slot that holds nothing.
 * @managed_pages sizes generators, as a run would.
 */
bool baseline_stream_generate(const struct run_spec *rs, uint64_t managed_pages,
			      struct baseline_stream *s, GError **error);

/* Managed pages of a guest built from @cfg (all memory accepted). */
bool baseline_managed_pages(const struct sim_config *cfg, uint64_t *pages, GError **error);

/* Pages in free blocks of order below k, for each k in 0..MAX_PAGE_ORDER. */
void baseline_stranded(const uint64_t nr_free[NR_PAGE_ORDERS],
		       uint64_t stranded_pages[NR_PAGE_ORDERS]);

/* Free blocks per order on the buddy lists of every zone. */
void baseline_pgdat_nr_free(const struct pgdat *pgdat, uint64_t nr_free[NR_PAGE_ORDERS]);

struct baseline_model_result {
	unsigned int repeat;
	uint64_t ns[BASELINE_MAX_REPEAT];	/* replay time of each run, ns */
	uint64_t ns_median;
	double ops_per_s;			/* records / ns_median */
	/* the state the first replay leaves behind */
	uint64_t alloc_failures;		/* requests the model refused */
	uint64_t live_pages;			/* pages the stream holds at the end */
	uint64_t managed_pages;
	uint64_t buddy_free_pages;		/* on the buddy free lists */
	uint64_t pcp_pages;			/* on per-CPU lists */
	uint64_t nr_free[NR_PAGE_ORDERS];	/* buddy free blocks per order */
	uint64_t stranded_pages[NR_PAGE_ORDERS];	/* baseline_stranded() of nr_free */
	int unusable[NR_PAGE_ORDERS];		/* unusable free index, thousandths */
};

/*
 * Replay @s through a fresh guest built from @cfg (all memory accepted,
 * no policy, no reclaim) @repeat times; only the loop over the records
 * is timed.  pre: baseline_stream_finish(@s), 1 <= repeat <= BASELINE_MAX_REPEAT.
 */
bool baseline_model_run(const struct sim_config *cfg, const struct baseline_stream *s,
			unsigned int repeat, struct baseline_model_result *r, GError **error);

/* Was acceptsim-jebaseline built (meson -Djemalloc)? */
bool baseline_je_built(void);

/*
 * Where the helper is: $ACCEPTSIM_JEBASELINE, else next to the running
 * executable.  NULL with an error if it is not there.
 */
char *baseline_je_helper_path(GError **error);

/*
 * Run @helper on @s and return its key=value lines in a new table.
 * @decay_ms: the arena's dirty and muzzy decay (0: purge at once).
 */
GHashTable *baseline_je_run(const char *helper, const struct baseline_stream *s,
			    unsigned int repeat, int decay_ms, GError **error);

/* A member of baseline_je_run()'s table as a number; 0 if missing. */
uint64_t baseline_je_u64(GHashTable *kv, const char *key);

#endif /* BASELINE_BASELINE_H */
