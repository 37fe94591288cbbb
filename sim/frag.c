// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fragmentation indices.  Mirrors fill_contig_page_info(),
 * unusable_free_index() and __fragmentation_index() of mm/vmstat.c and
 * extfrag_for_order() of mm/compaction.c (unchanged from 6.1 to 6.15).
 */
#include "frag.h"

void fill_contig_page_info(const uint64_t nr_free[NR_PAGE_ORDERS], unsigned int order,
			   struct contig_page_info *info)
{
	info->free_pages = 0;
	info->free_blocks_total = 0;
	info->free_blocks_suitable = 0;

	for (unsigned int o = 0; o < NR_PAGE_ORDERS; o++) {
		uint64_t blocks = nr_free[o];

		info->free_blocks_total += blocks;
		info->free_pages += blocks << o;
		if (o >= order)
			info->free_blocks_suitable += blocks << (o - order);
	}
}

int unusable_free_index(unsigned int order, const struct contig_page_info *info)
{
	if (info->free_pages == 0)
		return 1000;
	/*
	 * Example: 100 free pages, of which one order-5 block (32 pages):
	 * for order 5 the index is (100 - 32) * 1000 / 100 = 680, "0.680".
	 */
	return (int)(((info->free_pages - (info->free_blocks_suitable << order)) * 1000ULL) /
		     info->free_pages);
}

int fragmentation_index(unsigned int order, const struct contig_page_info *info)
{
	uint64_t requested = 1ULL << order;

	if (info->free_blocks_total == 0)
		return 0;
	if (info->free_blocks_suitable)
		return -1000;
	return 1000 - (int)((1000 + (info->free_pages * 1000ULL / requested)) /
			    info->free_blocks_total);
}

unsigned int extfrag_for_order(unsigned int order, const struct contig_page_info *info)
{
	if (info->free_pages == 0)
		return 0;
	return (unsigned int)((info->free_pages - (info->free_blocks_suitable << order)) * 100 /
			      info->free_pages);
}

void frag_print_unusable_line(GString *out, int node, const char *zone_name,
			      const uint64_t nr_free[NR_PAGE_ORDERS])
{
	struct contig_page_info info;

	g_string_append_printf(out, "Node %d, zone %8s ", node, zone_name);
	for (unsigned int o = 0; o < NR_PAGE_ORDERS; o++) {
		fill_contig_page_info(nr_free, o, &info);
		int index = unusable_free_index(o, &info);
		g_string_append_printf(out, "%d.%03d ", index / 1000, index % 1000);
	}
	g_string_append_c(out, '\n');
}

void frag_print_extfrag_line(GString *out, int node, const char *zone_name,
			     const uint64_t nr_free[NR_PAGE_ORDERS])
{
	struct contig_page_info info;

	g_string_append_printf(out, "Node %d, zone %8s ", node, zone_name);
	for (unsigned int o = 0; o < NR_PAGE_ORDERS; o++) {
		fill_contig_page_info(nr_free, o, &info);
		int index = fragmentation_index(o, &info);
		/* C division truncates: -1000 prints "-1.000" */
		g_string_append_printf(out, "%2d.%03d ", index / 1000, index % 1000);
	}
	g_string_append_c(out, '\n');
}
