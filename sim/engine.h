/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Running a workload through the model on the virtual clock.
 */
#ifndef SIM_ENGINE_H
#define SIM_ENGINE_H

#include "mm.h"
#include "workloads/workload.h"

struct run_result {
	uint64_t requests;		/* workload events processed */
	uint64_t sim_time_ns;		/* virtual time of the last event */
	uint64_t live_allocs;		/* allocations still held at the end */
	uint64_t live_pages;
};

/* Feed every request of @wl to @pgdat in order; the workload is consumed. */
void sim_run_workload(struct pgdat *pgdat, struct workload *wl, struct run_result *res);

#endif /* SIM_ENGINE_H */
