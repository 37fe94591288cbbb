/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Memory pressure, coarsely (kernel-model.md section 9): the page cache
 * and anonymous LRUs of the workload's allocations, kswapd (woken at LOW,
 * reclaims to HIGH, boosted reclaim), direct reclaim at MIN, direct and
 * proactive compaction (kcompactd), and an OOM killer.
 */
#ifndef SIM_PRESSURE_H
#define SIM_PRESSURE_H

#include <json-glib/json-glib.h>
#include "mm.h"

/* A workload allocation as the engine tracks it. */
struct slot {
	uint32_t pfn;			/* PFN_NONE: not allocated (or reclaimed) */
	uint8_t order;
	uint8_t flags;			/* WL_F_FILE, WL_F_ANON */
};

/* The engine's slots and the pages they hold. */
struct slot_table {
	struct slot *slots;
	uint32_t nr;
	uint64_t live_pages;		/* pages held by allocated slots */
};

struct pressure_config {
	uint64_t swap_bytes;		/* anon is reclaimable up to this; 0 = no swap */
	bool compaction;		/* direct compaction and kcompactd */
	unsigned int proactiveness;	/* vm.compaction_proactiveness (20) */
};

struct pressure_stats {
	uint64_t pgsteal_kswapd;	/* pages reclaimed by kswapd */
	uint64_t pgsteal_direct;	/* pages reclaimed in direct reclaim */
	uint64_t kswapd_runs;		/* balance_pgdat() runs */
	uint64_t kswapd_boosted_runs;	/* ... that started with a boost */
	uint64_t direct_reclaim;	/* direct reclaim calls */
	uint64_t pswpout;		/* anonymous pages swapped out */
	uint64_t compact_stall;		/* direct compaction attempts */
	uint64_t compact_success;
	uint64_t compact_fail;
	uint64_t compact_deferred;	/* attempts skipped by deferral */
	uint64_t compact_migrated;	/* pages migrated */
	uint64_t kcompactd_wake;
	uint64_t proactive_runs;	/* proactive compaction passes */
	uint64_t oom_kill;
};

struct pressure;

/* Install the reclaim, compaction and OOM hooks on @pgdat for these slots. */
struct pressure *pressure_create(struct pgdat *pgdat, struct slot_table *st,
				 const struct pressure_config *pc);
void pressure_destroy(struct pressure *p);

/* The engine's slot table grew (and moved): follow it. */
void pressure_slots_grown(struct pressure *p);

/* The engine tells about every workload allocation and free. */
void pressure_note_alloc(struct pressure *p, uint32_t slot);
void pressure_note_free(struct pressure *p, uint32_t slot);

/* kswapd, if woken during the request, runs now. */
void pressure_after_request(struct pressure *p);

/* Periodic work: kcompactd's proactive check every 500 ms. */
void pressure_tick(struct pressure *p, uint64_t now_ns);
#define PRESSURE_TICK_NS 500000000ULL

const struct pressure_stats *pressure_get_stats(const struct pressure *p);
void pressure_lru_pages(const struct pressure *p, uint64_t *file, uint64_t *anon);

/* The counters as a "pressure" member of an open JSON object. */
void pressure_stats_json(const struct pressure_stats *s, uint64_t file_lru, uint64_t anon_lru,
			 JsonBuilder *b);

#endif /* SIM_PRESSURE_H */
