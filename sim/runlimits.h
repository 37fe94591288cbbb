/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Resource limits of one run (limits.c): how much memory the simulator
 * itself needs for a guest (page arrays, the reclaim model, per-slot
 * state), so a run that would swap or be OOM-killed is refused up front
 * (--max-mem).  Not "limits.h": sim/ is an include directory, and that
 * name would shadow <limits.h>.
 */
#ifndef SIM_RUNLIMITS_H
#define SIM_RUNLIMITS_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>

struct run_spec;

/* What the estimate is made of, bytes. */
struct mem_estimate {
	uint64_t spanned_pages;		/* pfns the page arrays cover (guest address space) */
	uint64_t slots;			/* workload request slots, estimated */
	uint64_t page_arrays;		/* struct sim_page array, pageblock arrays */
	uint64_t reclaim;		/* pfn -> slot map and LRU links (reclaim model) */
	uint64_t slot_state;		/* engine and workload state per slot */
	uint64_t total;			/* the sum, bytes */
};

/*
 * Upper estimate of the simulator memory a run of @rs needs, from the
 * guest layout (as pgdat_create() builds it), the reclaim setting and the
 * workload's options; no allocation is made.
 */
void run_spec_mem_estimate(const struct run_spec *rs, struct mem_estimate *est);

/*
 * The default --max-mem: 80% of physical memory, or of the cgroup's
 * memory.max if that is lower.  *@what (may be NULL) gets "RAM" or
 * "the cgroup limit" for messages.
 */
uint64_t limits_default_max_mem(const char **what);

/*
 * False with SIM_CLI_ERROR_LIMIT if @rs needs more than rs->max_mem_bytes
 * (0: limits_default_max_mem()).  Guests pgdat_create() refuses anyway
 * (size out of range) pass, so that its message is the one shown.
 */
bool run_spec_check_mem(const struct run_spec *rs, GError **error);

#endif /* SIM_RUNLIMITS_H */
