/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Fragmentation metrics over per-order free block counts, as
 * mm/vmstat.c computes them for /sys/kernel/debug/extfrag/ and compaction:
 * fill_contig_page_info(), unusable_free_index(), __fragmentation_index(),
 * extfrag_for_order().  Used for the model's own zones and for saved
 * /proc/buddyinfo snapshots alike.
 */
#ifndef SIM_FRAG_H
#define SIM_FRAG_H

#include <stdint.h>
#include <glib.h>
#include "mm.h"

struct contig_page_info {
	uint64_t free_pages;		/* Σ nr_free[o] << o */
	uint64_t free_blocks_total;	/* Σ nr_free[o] */
	uint64_t free_blocks_suitable;	/* Σ_{o >= order} nr_free[o] << (o - order) */
};

void fill_contig_page_info(const uint64_t nr_free[NR_PAGE_ORDERS], unsigned int order,
			   struct contig_page_info *info);

/* Thousandths: 0 = all free memory usable for @order, 1000 = none. */
int unusable_free_index(unsigned int order, const struct contig_page_info *info);

/* Thousandths; -1000 when a suitable block exists, 0 with no free blocks. */
int fragmentation_index(unsigned int order, const struct contig_page_info *info);

/* Percent of free memory not in blocks of @order or larger. */
unsigned int extfrag_for_order(unsigned int order, const struct contig_page_info *info);

/* Print one zone's line as debugfs does ("%d.%03d " / "%2d.%03d " per order). */
void frag_print_unusable_line(GString *out, int node, const char *zone_name,
			      const uint64_t nr_free[NR_PAGE_ORDERS]);
void frag_print_extfrag_line(GString *out, int node, const char *zone_name,
			     const uint64_t nr_free[NR_PAGE_ORDERS]);

#endif /* SIM_FRAG_H */
