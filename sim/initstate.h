/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A guest's memory as saved /proc files describe it, for trace replay:
 * the layout from /proc/zoneinfo (zone spans and page counts), and the
 * buddy free lists and pageblock types from /proc/pagetypeinfo, which
 * give counts, not addresses (the placement is documented in
 * initstate.c and docs/trace-format.md).
 */
#ifndef SIM_INITSTATE_H
#define SIM_INITSTATE_H

#include "mm.h"

/* One zone as zoneinfo prints it. */
struct initstate_zone_geometry {
	bool populated;				/* present pages > 0 */
	uint64_t start_pfn;			/* pfn */
	uint64_t spanned, present, managed;	/* pages */
};

struct initstate_geometry {
	struct initstate_zone_geometry z[MAX_NR_ZONES];	/* by enum zone_type */
};

/*
 * Set @cfg's RAM size, RAM below 4 GiB, holes and boot reservation so the
 * model's zones get @g's start_pfn, spanned and present pages where
 * sim/layout.c can express them: DMA always starts at pfn 0 in the model
 * and keeps the legacy 640 KiB-1 MiB hole; holes are placed as described
 * in initstate.c.  Appends a line per approximation to @notes.
 * Errors (SIM_CLI_ERROR_USAGE) for layouts the model cannot build.
 */
bool initstate_layout(const struct initstate_geometry *g, struct sim_config *cfg,
		      GString *notes, GError **error);

/* One zone of pagetypeinfo, migratetypes mapped to ours. */
struct initstate_zone {
	bool have;				/* the snapshot has this zone */
	uint64_t nr_free[MIGRATE_TYPES][NR_PAGE_ORDERS];	/* free blocks */
	uint64_t blocks[MIGRATE_TYPES];		/* pageblocks by type */
};

struct initstate_spec {
	struct initstate_zone z[MAX_NR_ZONES];	/* by enum zone_type */
};

struct initstate_zone_result {
	uint64_t placed[MIGRATE_TYPES][NR_PAGE_ORDERS];	/* free blocks made */
	uint64_t unplaced[MIGRATE_TYPES][NR_PAGE_ORDERS];	/* ... that found no room */
	uint64_t blocks_target[MIGRATE_TYPES];	/* snapshot's, scaled to the model's zone */
	uint64_t blocks[MIGRATE_TYPES];		/* pageblocks typed so */
	uint64_t free_pages;			/* on the free lists now */
	uint64_t used_pages;			/* managed pages now allocated */
};

struct initstate_result {
	struct initstate_zone_result z[MAX_NR_ZONES];
	uint64_t unplaced;			/* free blocks that found no room, all zones */
};

/*
 * Make @pgdat's free lists and pageblock types those of @spec, every
 * other managed page allocated.  pre: @pgdat fresh from pgdat_create(),
 * per-CPU lists empty, all memory accepted.  Deterministic.  Errors
 * (SIM_CLI_ERROR_USAGE) if @pgdat is not in that state.
 */
bool initstate_apply(struct pgdat *pgdat, const struct initstate_spec *spec,
		     struct initstate_result *res, GError **error);

#endif /* SIM_INITSTATE_H */
