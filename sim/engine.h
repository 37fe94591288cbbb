/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The discrete-event run: boot on the virtual clock, then a workload's
 * requests on N simulated CPUs, each with its own timeline.  A request
 * that has to accept memory stalls its CPU for the accept time (the kernel
 * accepts with interrupts off); other CPUs go on.  Requests change the
 * model in the order the workload issues them; a stalled CPU's later
 * requests start late, which is what the latency and boot figures see.
 */
#ifndef SIM_ENGINE_H
#define SIM_ENGINE_H

#include "mm.h"
#include "cost.h"
#include "workloads/workload.h"
#include "pressure.h"

struct policy;

struct engine_config {
	struct policy *policy;			/* may be NULL: nothing is accepted lazily */
	const struct cost_model *cost;		/* may be NULL: boot costs nothing */
	uint64_t sample_ns;			/* first sample period (doubles as needed); 0 = 10 ms */
	const struct pressure_config *pressure;	/* NULL: no reclaim or compaction model */
	bool threaded_source;			/* generate a batchable workload's requests on
						   a second thread (the same requests) */
};

/* The model's state at one moment, for plots over time. */
struct run_sample {
	uint64_t time_ns;
	uint64_t nr_free[NR_PAGE_ORDERS];	/* free blocks per order, all zones */
	uint64_t free_pages;			/* NR_FREE_PAGES, all zones */
	uint64_t accepted_bytes;
	uint64_t mixed_pageblocks;
	uint64_t extfrag;			/* events so far */
};

#define RUN_MAX_SAMPLES 256

struct run_result {
	uint64_t requests;			/* workload events processed */
	uint64_t sim_time_ns;			/* virtual time at the end */
	uint64_t live_allocs;			/* allocations still held at the end */
	uint64_t live_pages;
	uint64_t boot_time_ns;			/* time to shell (or to the workload's start) */
	uint64_t boot_phase_ns[4];		/* fixed, firmware, early, boot-free acceptance */
	uint64_t accept_stalls;			/* requests that accepted memory */
	uint64_t stall_p50_ns, stall_p99_ns, stall_p999_ns, stall_max_ns;
	uint64_t stall_total_ns;
	uint64_t idle_accept_ns;		/* CPU time of background acceptance */
	GArray *stalls;				/* uint64_t ns per stalled request, sorted */
	GArray *samples;			/* struct run_sample, at most RUN_MAX_SAMPLES */
	bool has_pressure;
	struct pressure_stats pressure;		/* when has_pressure */
	uint64_t file_lru_pages, anon_lru_pages;	/* at the end */
};

/* Feed every request of @wl to @pgdat; the workload is consumed. */
void sim_run_workload(struct pgdat *pgdat, struct workload *wl, const struct engine_config *ec,
		      struct run_result *res);
void run_result_clear(struct run_result *res);

#endif /* SIM_ENGINE_H */
