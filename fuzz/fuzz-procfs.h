/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What 'acceptsim frag' does with a parsed snapshot, for the two /proc
 * snapshot harnesses: per zone, free blocks by order and both debugfs
 * indices at every order, and the per-migratetype sums.
 */
#ifndef FUZZ_FUZZ_PROCFS_H
#define FUZZ_FUZZ_PROCFS_H

#include "sim/frag.h"
#include "traces/procfs.h"

static inline void fuzz_snapshot_use(const struct snapshot *snap)
{
	g_autoptr(GString) out = g_string_new(NULL);

	g_assert(snap->zones && snap->zones->len > 0);
	g_assert(snap->nr_types >= 0 && snap->nr_types <= SNAP_MAX_TYPES);
	for (guint i = 0; i < snap->zones->len; i++) {
		const struct snap_zone *z = &g_array_index(snap->zones, struct snap_zone, i);
		uint64_t nr_free[NR_PAGE_ORDERS], pages = 0;
		struct contig_page_info info;

		snap_zone_nr_free(z, nr_free);
		frag_print_unusable_line(out, z->node, z->name, nr_free);
		frag_print_extfrag_line(out, z->node, z->name, nr_free);
		for (unsigned int o = 0; o < NR_PAGE_ORDERS; o++) {
			fill_contig_page_info(nr_free, o, &info);
			g_string_append_printf(out, " %u %d %d", extfrag_for_order(o, &info),
					       unusable_free_index(o, &info),
					       fragmentation_index(o, &info));
		}
		for (int t = 0; t < snap->nr_types; t++) {
			g_assert(snap->types[t]);
			g_string_append_printf(out, " %12s", snap->types[t]);
			for (unsigned int o = 0; o < NR_PAGE_ORDERS; o++)
				pages += z->nr_free_mt[t][o] << o;
			g_string_append_printf(out, " %12" G_GUINT64_FORMAT " %12" G_GUINT64_FORMAT
					       " %12" G_GUINT64_FORMAT, pages, z->blocks[t],
					       z->mixed[t]);
		}
	}
}

#endif /* FUZZ_FUZZ_PROCFS_H */
