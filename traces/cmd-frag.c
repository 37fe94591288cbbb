// SPDX-License-Identifier: GPL-2.0-only
/*
 * acceptsim frag SNAPSHOT... -- fragmentation indices of saved /proc/buddyinfo
 * or /proc/pagetypeinfo, printed exactly as debugfs extfrag/unusable_index
 * and extfrag/extfrag_index print them (mm/vmstat.c), plus free pages and
 * pageblocks per migratetype; with several snapshots, a time series for
 * gnuplot.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "sim/cli.h"
#include "sim/commands.h"
#include "sim/frag.h"
#include "traces/procfs.h"

static void print_types(GString *out, const struct snapshot *snap)
{
	bool any_types = false, any_blocks = false, any_mixed = false;

	for (guint i = 0; i < snap->zones->len; i++) {
		const struct snap_zone *z = &g_array_index(snap->zones, struct snap_zone, i);

		any_types |= z->have_types;
		any_blocks |= z->have_blocks;
		any_mixed |= z->have_mixed;
	}
	if (any_types) {
		g_string_append(out, "## free pages by migratetype (pagetypeinfo)\n");
		g_string_append_printf(out, "%-22s", "");
		for (int t = 0; t < snap->nr_types; t++)
			g_string_append_printf(out, " %12s", snap->types[t]);
		g_string_append_printf(out, " %12s\n", "total");
		for (guint i = 0; i < snap->zones->len; i++) {
			const struct snap_zone *z = &g_array_index(snap->zones, struct snap_zone, i);
			uint64_t total = 0;

			if (!z->have_types)
				continue;
			g_string_append_printf(out, "Node %d, zone %8s    ", z->node, z->name);
			for (int t = 0; t < snap->nr_types; t++) {
				uint64_t pages = 0;

				for (unsigned int o = 0; o < NR_PAGE_ORDERS; o++)
					pages += z->nr_free_mt[t][o] << o;
				total += pages;
				g_string_append_printf(out, " %12" G_GUINT64_FORMAT, pages);
			}
			g_string_append_printf(out, " %12" G_GUINT64_FORMAT "%s\n", total,
					       z->capped ? "  (lower bound: counts capped at 100000)" : "");
		}
	}
	for (int k = 0; k < 2; k++) {
		bool any = k == 0 ? any_blocks : any_mixed;

		if (!any)
			continue;
		g_string_append(out, k == 0 ? "## pageblocks by migratetype\n"
					    : "## mixed pageblocks by migratetype (page_owner)\n");
		g_string_append_printf(out, "%-22s", "");
		for (int t = 0; t < snap->nr_types; t++)
			g_string_append_printf(out, " %12s", snap->types[t]);
		g_string_append_c(out, '\n');
		for (guint i = 0; i < snap->zones->len; i++) {
			const struct snap_zone *z = &g_array_index(snap->zones, struct snap_zone, i);
			const uint64_t *v = k == 0 ? z->blocks : z->mixed;

			if (k == 0 ? !z->have_blocks : !z->have_mixed)
				continue;
			g_string_append_printf(out, "Node %d, zone %8s    ", z->node, z->name);
			for (int t = 0; t < snap->nr_types; t++)
				g_string_append_printf(out, " %12" G_GUINT64_FORMAT, v[t]);
			g_string_append_c(out, '\n');
		}
	}
}

/* The gnuplot script of the time series written to DIR/frag.dat. */
static char *gnuplot_script(const struct snapshot *snaps, int n)
{
	const struct snapshot *last = &snaps[n - 1];
	GString *s = g_string_new(NULL);
	guint nz = last->zones->len;

	g_string_append(s,
		"# Usage: gnuplot frag.gp   (in this directory; writes frag.png)\n"
		"# Unusable free space index (mm/vmstat.c) over time, one panel per zone;\n"
		"# data: frag.dat, written by acceptsim frag --out.\n"
		"set terminal pngcairo size 1000,");
	g_string_append_printf(s, "%u\n", 300 * (nz ? nz : 1));
	g_string_append(s,
		"set output 'frag.png'\n"
		"set key outside right\n"
		"set yrange [0:1]\n"
		"set xlabel 'time since the first snapshot (s)'\n"
		"set ylabel 'unusable free space index'\n");
	g_string_append_printf(s, "set multiplot layout %u,1\n", nz ? nz : 1);
	for (guint i = 0; i < nz; i++) {
		const struct snap_zone *z = &g_array_index(last->zones, struct snap_zone, i);

		g_string_append_printf(s, "set title 'Node %d, zone %s'\n", z->node, z->name);
		g_string_append_printf(s,
			"plot for [o in \"0 3 6 9 10\"] 'frag.dat' index %u using 2:(column(6 + o)) "
			"with linespoints title sprintf('order %%s', o)\n", i);
	}
	g_string_append(s, "unset multiplot\n");
	return g_string_free(s, FALSE);
}

static bool write_series(const char *dir, const struct snapshot *snaps, int n, GError **error)
{
	g_autoptr(GString) dat = g_string_new(NULL);
	g_autofree char *gp = gnuplot_script(snaps, n);
	g_autofree char *dat_path = g_build_filename(dir, "frag.dat", NULL);
	g_autofree char *gp_path = g_build_filename(dir, "frag.gp", NULL);

	if (g_mkdir_with_parents(dir, 0755) != 0) {
		g_set_error(error, SIM_CLI_ERROR, SIM_CLI_ERROR_IO, "%s: %s", dir, g_strerror(errno));
		return false;
	}
	g_string_append(dat, "# acceptsim frag time series: one block per zone (gnuplot 'index'),\n"
			     "# one row per snapshot; time = file mtime since the first snapshot\n"
			     "# 1 snapshot 2 time_s 3 node 4 zone 5 free_pages "
			     "6-16 unusable_index order 0-10 17-27 extfrag_index order 0-10\n");
	for (guint j = 0; j < snaps[n - 1].zones->len; j++) {
		const struct snap_zone *lz = &g_array_index(snaps[n - 1].zones, struct snap_zone, j);

		g_string_append_printf(dat, "%s# Node %d, zone %s\n", j ? "\n\n" : "", lz->node,
				       lz->name);
		for (int i = 0; i < n; i++) {
			const struct snap_zone *z = NULL;
			uint64_t nr_free[NR_PAGE_ORDERS];
			struct contig_page_info info;

			for (guint k = 0; k < snaps[i].zones->len && !z; k++) {
				const struct snap_zone *c = &g_array_index(snaps[i].zones,
									    struct snap_zone, k);

				if (c->node == lz->node && !strcmp(c->name, lz->name))
					z = c;
			}
			if (!z)
				continue;
			snap_zone_nr_free(z, nr_free);
			fill_contig_page_info(nr_free, 0, &info);
			g_string_append_printf(dat, "%d %.3f %d %s %" G_GUINT64_FORMAT, i,
					       snaps[i].mtime - snaps[0].mtime, z->node, z->name,
					       info.free_pages);
			for (unsigned int o = 0; o < NR_PAGE_ORDERS; o++) {
				fill_contig_page_info(nr_free, o, &info);
				g_string_append_printf(dat, " %.3f",
						       unusable_free_index(o, &info) / 1000.0);
			}
			for (unsigned int o = 0; o < NR_PAGE_ORDERS; o++) {
				fill_contig_page_info(nr_free, o, &info);
				g_string_append_printf(dat, " %.3f",
						       fragmentation_index(o, &info) / 1000.0);
			}
			g_string_append_c(dat, '\n');
		}
	}
	return write_file_atomic(dat_path, dat->str, dat->len, error) &&
	       write_file_atomic(gp_path, gp, strlen(gp), error);
}

int cmd_frag(int argc, char **argv)
{
	gboolean unusable_only = FALSE, extfrag_only = FALSE;
	g_autofree char *out_dir = NULL;
	const GOptionEntry entries[] = {
		{ "unusable", 0, 0, G_OPTION_ARG_NONE, &unusable_only,
		  "Print only the unusable free space index, as extfrag/unusable_index", NULL },
		{ "extfrag", 0, 0, G_OPTION_ARG_NONE, &extfrag_only,
		  "Print only the fragmentation index, as extfrag/extfrag_index", NULL },
		{ "out", 0, 0, G_OPTION_ARG_FILENAME, &out_dir,
		  "Write the time series DIR/frag.dat and DIR/frag.gp", "DIR" },
		{ NULL }
	};
	g_autoptr(GOptionContext) ctx =
		g_option_context_new("SNAPSHOT... - fragmentation indices of /proc snapshots");
	g_autoptr(GString) out = g_string_new(NULL);
	g_autoptr(GError) error = NULL;
	struct snapshot *snaps;
	int n, ret = 0;

	g_option_context_add_main_entries(ctx, entries, NULL);
	g_option_context_set_description(ctx,
		"A SNAPSHOT is a saved /proc/buddyinfo, /proc/pagetypeinfo, both concatenated,\n"
		"or a directory holding files named buddyinfo and/or pagetypeinfo.\n");
	if (!cli_parse(ctx, "frag", &argc, &argv))
		return EXIT_USAGE;
	if (argc < 2 || (unusable_only && extfrag_only)) {
		fprintf(stderr, "acceptsim frag: expected SNAPSHOT... and at most one of "
				"--unusable, --extfrag (see --help)\n");
		return EXIT_USAGE;
	}
	n = argc - 1;
	snaps = g_new0(struct snapshot, n);
	for (int i = 0; i < n; i++) {
		if (!snapshot_load(&snaps[i], argv[i + 1], &error)) {
			cli_report("frag", error);
			ret = EXIT_USAGE;
			goto out_free;
		}
	}
	for (int i = 0; i < n; i++) {
		const struct snapshot *snap = &snaps[i];
		bool full = !unusable_only && !extfrag_only;

		if (full)
			g_string_append_printf(out, "%s# %s\n## unusable_index\n", i ? "\n" : "",
					       snap->path);
		for (int k = 0; k < 2; k++) {
			if ((k == 0 && extfrag_only) || (k == 1 && unusable_only))
				continue;
			if (full && k == 1)
				g_string_append(out, "## extfrag_index\n");
			for (guint j = 0; j < snap->zones->len; j++) {
				const struct snap_zone *z = &g_array_index(snap->zones,
									    struct snap_zone, j);
				uint64_t nr_free[NR_PAGE_ORDERS];

				if (!z->have_buddy && z->capped)
					fprintf(stderr, "acceptsim frag: %s: zone %s: pagetypeinfo "
						"counts capped at 100000, indices approximate; "
						"use buddyinfo\n", snap->path, z->name);
				snap_zone_nr_free(z, nr_free);
				if (k == 0)
					frag_print_unusable_line(out, z->node, z->name, nr_free);
				else
					frag_print_extfrag_line(out, z->node, z->name, nr_free);
			}
		}
		if (full)
			print_types(out, snap);
	}
	fwrite(out->str, 1, out->len, stdout);
	if (out_dir && !write_series(out_dir, snaps, n, &error)) {
		cli_report("frag", error);
		ret = EXIT_USAGE;
	}

out_free:
	for (int i = 0; i < n; i++)
		snapshot_clear(&snaps[i]);
	g_free(snaps);
	return ret;
}
