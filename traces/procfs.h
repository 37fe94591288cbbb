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

/*
 * A saved /proc/zoneinfo (mm/vmstat.c, zoneinfo_show_print(), 6.x): per
 * zone its span and page counts; the vm counters are checked for form and
 * skipped.  Only node 0 of x86_64 is accepted (the model has one node).
 */
enum zi_field {
	ZI_FREE,				/* "pages free" */
	ZI_SPANNED,
	ZI_PRESENT,
	ZI_MANAGED,
	ZI_START_PFN,
	ZI_NR_FIELDS,
};

struct zi_zone {
	char name[SNAP_ZONE_NAME];		/* "DMA32", as printed */
	int zone;				/* enum zone_type, or -1 (Device) */
	unsigned int line;			/* of its "Node 0, zone" line */
	uint64_t v[ZI_NR_FIELDS];		/* pages; start_pfn a pfn */
	unsigned int v_line[ZI_NR_FIELDS];	/* where each was read, 0 if not */
	uint64_t pcp_pages;			/* on per-CPU lists ("count:") */
};

struct zoneinfo {
	char *path;
	struct zi_zone zones[MAX_NR_ZONES + 1];	/* in file order */
	int nr_zones;
};

/*
 * Parse a saved /proc/zoneinfo; errors are "file:line: what" for lines
 * that are no zoneinfo, a zone cut short (truncation), impossible values
 * (present > spanned, managed > present, overlapping or misplaced zones),
 * and what the model cannot be (another node, ZONE_MOVABLE).
 */
bool zoneinfo_load(struct zoneinfo *zi, const char *path, GError **error);
bool zoneinfo_parse(struct zoneinfo *zi, const char *name, const char *text, GError **error);
void zoneinfo_clear(struct zoneinfo *zi);
/* The zone of type @zt, NULL if the file has none or it is empty. */
const struct zi_zone *zoneinfo_zone(const struct zoneinfo *zi, enum zone_type zt);

#endif /* TRACES_PROCFS_H */
