/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Saved /proc/buddyinfo and /proc/pagetypeinfo snapshots, as printed by
 * frag_show_print() and pagetypeinfo_show*() of mm/vmstat.c (6.x): per
 * zone, free blocks per order, and from pagetypeinfo the same per
 * migratetype plus pageblock counts per type ("mixed" ones with
 * page_owner).
 */
#ifndef TRACES_PROCFS_H
#define TRACES_PROCFS_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>
#include "sim/mm.h"

#define SNAP_MAX_TYPES	8			/* migratetype columns of pagetypeinfo */
#define SNAP_ZONE_NAME	16

struct snap_zone {
	int node;
	char name[SNAP_ZONE_NAME];		/* "DMA32", as printed */
	bool have_buddy;			/* a buddyinfo line was read */
	bool have_types;			/* pagetypeinfo free lines were read */
	bool capped;				/* a pagetypeinfo count read ">100000" */
	uint64_t nr_free[NR_PAGE_ORDERS];	/* free blocks by order (buddyinfo) */
	uint64_t nr_free_mt[SNAP_MAX_TYPES][NR_PAGE_ORDERS];	/* by type and order */
	bool have_blocks;
	uint64_t blocks[SNAP_MAX_TYPES];	/* pageblocks by type */
	bool have_mixed;
	uint64_t mixed[SNAP_MAX_TYPES];		/* mixed pageblocks by type (page_owner) */
	unsigned int line;			/* first line naming the zone */
};

struct snapshot {
	char *path;				/* file or directory given */
	double mtime;				/* seconds since the epoch, of the data file */
	int pageblock_order;			/* from pagetypeinfo, else -1 */
	int nr_types;				/* pagetypeinfo columns */
	char *types[SNAP_MAX_TYPES];		/* "Unmovable", ... in file order */
	GArray *zones;				/* struct snap_zone, in file order */
	unsigned int lines;			/* lines of the last file parsed */
};

/*
 * Parse @path: a buddyinfo file, a pagetypeinfo file, both concatenated,
 * or a directory holding "buddyinfo" and/or "pagetypeinfo".  Errors are
 * "file:line: what".
 */
bool snapshot_load(struct snapshot *snap, const char *path, GError **error);
/* Parse text already in memory; @name is used in messages. */
bool snapshot_parse(struct snapshot *snap, const char *name, const char *text, GError **error);
void snapshot_clear(struct snapshot *snap);

/* Free blocks by order of @z: buddyinfo, else the sum over types. */
void snap_zone_nr_free(const struct snap_zone *z, uint64_t nr_free[NR_PAGE_ORDERS]);

#endif /* TRACES_PROCFS_H */
