// SPDX-License-Identifier: GPL-2.0-only
/*
 * acceptsim frag against the kernel: tests/data/frag/<state>/ holds
 * /proc/buddyinfo and pagetypeinfo with debugfs extfrag/unusable_index and
 * extfrag_index read at the same moment (scripts/capture-frag.sh, Linux
 * 6.18, idle to heavily fragmented); the CLI must print both debugfs
 * files digit for digit.  Also the snapshot parsers and the time series.
 */
#include <string.h>
#include <glib/gstdio.h>
#include "helpers.h"
#include "traces/procfs.h"

/* The captured states, each a directory of tests/data/frag. */
static GPtrArray *snapshot_dirs(void)
{
	g_autofree char *root = g_build_filename(tests_data_dir(), "frag", NULL);
	GPtrArray *dirs = g_ptr_array_new_with_free_func(g_free);
	GDir *d = g_dir_open(root, 0, NULL);
	const char *name;

	g_assert(d);
	while ((name = g_dir_read_name(d)))
		g_ptr_array_add(dirs, g_build_filename(root, name, NULL));
	g_dir_close(d);
	g_ptr_array_sort(dirs, (GCompareFunc)g_strcmp0);
	return dirs;
}

static void check_debugfs_file(const char *option, const char *debugfs_name)
{
	g_autoptr(GPtrArray) dirs = snapshot_dirs();

	CU_ASSERT_TRUE(dirs->len >= 6);
	for (guint i = 0; i < dirs->len; i++) {
		const char *dir = g_ptr_array_index(dirs, i);
		g_autofree char *buddy = g_build_filename(dir, "buddyinfo", NULL);
		g_autofree char *want_path = g_build_filename(dir, debugfs_name, NULL);
		g_autofree char *want = NULL, *out = NULL, *err = NULL;
		const char *args[] = { "frag", option, buddy, NULL };

		CU_ASSERT_TRUE_FATAL(g_file_get_contents(want_path, &want, NULL, NULL));
		ASSERT_EQ(tests_run_acceptsim(args, &out, &err), 0);
		if (strcmp(out, want))
			fprintf(stderr, "\n%s:\nwant:\n%sgot:\n%s", dir, want, out);
		CU_ASSERT_STRING_EQUAL(out, want);
	}
}

static void test_frag_cli_unusable_index(void)
{
	check_debugfs_file("--unusable", "unusable_index");
}

static void test_frag_cli_extfrag_index(void)
{
	check_debugfs_file("--extfrag", "extfrag_index");
}

/* The fragmented state has indices other than 0 and -1: a real test. */
static void test_frag_cli_nontrivial(void)
{
	g_autofree char *p = g_build_filename(tests_data_dir(), "frag", "hugepages-fragmented",
					      "extfrag_index", NULL);
	g_autofree char *text = NULL;

	CU_ASSERT_TRUE_FATAL(g_file_get_contents(p, &text, NULL, NULL));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, " 0.998 "));
}

static void test_frag_cli_full_report(void)
{
	g_autofree char *dir = g_build_filename(tests_data_dir(), "frag", "idle", NULL);
	const char *args[] = { "frag", dir, NULL };
	g_autofree char *out = NULL, *err = NULL;

	ASSERT_EQ(tests_run_acceptsim(args, &out, &err), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "## unusable_index\nNode 0, zone      DMA "));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "## extfrag_index\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "## free pages by migratetype (pagetypeinfo)"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "## pageblocks by migratetype"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "HighAtomic"));
}

static void test_frag_cli_parse_pagetypeinfo(void)
{
	g_autofree char *p = g_build_filename(tests_data_dir(), "frag", "idle", "pagetypeinfo",
					      NULL);
	g_autofree char *b = g_build_filename(tests_data_dir(), "frag", "idle", "buddyinfo",
					      NULL);
	g_autoptr(GError) error = NULL;
	struct snapshot pti = { 0 }, buddy = { 0 };
	const struct snap_zone *z;
	uint64_t nr_free[NR_PAGE_ORDERS];

	CU_ASSERT_TRUE_FATAL(snapshot_load(&pti, p, &error));
	CU_ASSERT_TRUE_FATAL(snapshot_load(&buddy, b, &error));
	ASSERT_EQ(pti.pageblock_order, 9);
	ASSERT_EQ(pti.zones->len, 3);
	ASSERT_EQ(pti.nr_types, 5);		/* no CMA on this kernel */
	CU_ASSERT_STRING_EQUAL(pti.types[0], "Unmovable");
	CU_ASSERT_STRING_EQUAL(pti.types[4], "Isolate");
	z = &g_array_index(pti.zones, struct snap_zone, 2);
	CU_ASSERT_STRING_EQUAL(z->name, "Normal");
	CU_ASSERT_TRUE(z->have_types && z->have_blocks && !z->have_buddy);
	CU_ASSERT_TRUE(z->blocks[1] > 0);	/* Movable pageblocks */
	/* on an idle machine the per-type sums equal buddyinfo */
	for (guint i = 0; i < pti.zones->len; i++) {
		const struct snap_zone *bz = &g_array_index(buddy.zones, struct snap_zone, i);

		z = &g_array_index(pti.zones, struct snap_zone, i);
		CU_ASSERT_STRING_EQUAL(z->name, bz->name);
		snap_zone_nr_free(z, nr_free);
		if (!z->capped && memcmp(nr_free, bz->nr_free, sizeof(nr_free)))
			fprintf(stderr, "(zone %s: pagetypeinfo read apart from buddyinfo) ",
				z->name);
	}
	snapshot_clear(&pti);
	snapshot_clear(&buddy);
}

static void test_frag_cli_capped_counts(void)
{
	static const char text[] =
		"Page block order: 9\n"
		"Pages per block:  512\n"
		"\n"
		"Free pages count per migrate type at order       0      1      2      3      4      5      6      7      8      9     10 \n"
		"Node    0, zone   Normal, type    Unmovable >100000      0      0      0      0      0      0      0      0      0      0 \n"
		"Node    0, zone   Normal, type      Movable      5      0      0      0      0      0      0      0      0      0      1 \n";
	struct snapshot snap = { 0 };
	const struct snap_zone *z;
	uint64_t nr_free[NR_PAGE_ORDERS];

	CU_ASSERT_TRUE_FATAL(snapshot_parse(&snap, "x", text, NULL));
	z = &g_array_index(snap.zones, struct snap_zone, 0);
	CU_ASSERT_TRUE(z->capped);
	snap_zone_nr_free(z, nr_free);
	ASSERT_EQ(nr_free[0], 100005);
	ASSERT_EQ(nr_free[10], 1);
	snapshot_clear(&snap);
}

static void test_frag_cli_bad_snapshots(void)
{
	static const struct {
		const char *text;
		const char *what;
	} cases[] = {
		{ "", "no zones" },
		{ "hello world\n", "x:1: not a buddyinfo or pagetypeinfo line" },
		{ "Node 0, zone      DMA      0      0      0\n", "x:1: expected 11 orders" },
		{ "Node 0, zone      DMA      0      0      0      0      0      0      0      0      1      1     -3\n",
		  "x:1: bad count" },
		{ "Node x, zone DMA 0 0 0 0 0 0 0 0 0 0 0\n", "bad node number" },
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GError) error = NULL;
		struct snapshot snap = { 0 };

		CU_ASSERT_FALSE(snapshot_parse(&snap, "x", cases[i].text, &error));
		CU_ASSERT_PTR_NOT_NULL_FATAL(error);
		if (!strstr(error->message, cases[i].what))
			fprintf(stderr, "\nunexpected: %s\n", error->message);
		CU_ASSERT_PTR_NOT_NULL(strstr(error->message, cases[i].what));
		snapshot_clear(&snap);
	}
}

static void test_frag_cli_exit_codes(void)
{
	g_autofree char *bad = g_build_filename(tests_data_dir(), "traces", "bad-binary.bin", NULL);
	const char *a1[] = { "frag", NULL };
	const char *a2[] = { "frag", bad, NULL };
	const char *a3[] = { "frag", "/nonexistent", NULL };
	const char *a4[] = { "frag", "--unusable", "--extfrag", bad, NULL };
	const char *const *all[] = { a1, a2, a3, a4 };

	for (size_t i = 0; i < G_N_ELEMENTS(all); i++) {
		g_autofree char *out = NULL, *err = NULL;

		ASSERT_EQ(tests_run_acceptsim(all[i], &out, &err), 2);
		CU_ASSERT_PTR_NOT_NULL(strstr(err, "acceptsim frag: "));
	}
}

static void test_frag_cli_time_series(void)
{
	g_autoptr(GPtrArray) dirs = snapshot_dirs();
	g_autofree char *tmp = g_dir_make_tmp("acceptsim-XXXXXX", NULL);
	g_autofree char *out_dir = g_build_filename(tmp, "series", NULL);
	g_autofree char *dat = g_build_filename(out_dir, "frag.dat", NULL);
	g_autofree char *gp = g_build_filename(out_dir, "frag.gp", NULL);
	g_autofree char *text = NULL, *script = NULL, *out = NULL, *err = NULL;
	GPtrArray *args = g_ptr_array_new();
	g_auto(GStrv) lines = NULL;
	int rows = 0;

	g_ptr_array_add(args, "frag");
	g_ptr_array_add(args, "--out");
	g_ptr_array_add(args, out_dir);
	for (guint i = 0; i < dirs->len; i++)
		g_ptr_array_add(args, g_ptr_array_index(dirs, i));
	g_ptr_array_add(args, NULL);
	ASSERT_EQ(tests_run_acceptsim((const char *const *)args->pdata, &out, &err), 0);
	g_ptr_array_free(args, TRUE);
	CU_ASSERT_TRUE_FATAL(g_file_get_contents(dat, &text, NULL, NULL));
	CU_ASSERT_TRUE_FATAL(g_file_get_contents(gp, &script, NULL, NULL));
	lines = g_strsplit(text, "\n", -1);
	for (int i = 0; lines[i]; i++) {
		g_auto(GStrv) w = NULL;

		if (!lines[i][0] || lines[i][0] == '#')
			continue;
		w = g_strsplit(lines[i], " ", -1);
		ASSERT_EQ(g_strv_length(w), 27);
		rows++;
	}
	ASSERT_EQ(rows, 3 * (int)dirs->len);	/* DMA, DMA32, Normal per snapshot */
	CU_ASSERT_PTR_NOT_NULL(strstr(script, "frag.dat' index 2"));
	CU_ASSERT_PTR_NOT_NULL(strstr(script, "Usage: gnuplot frag.gp"));
	g_unlink(dat);
	g_unlink(gp);
	g_rmdir(out_dir);
	g_rmdir(tmp);
}

void tests_register(void)
{
	CU_pSuite s = tests_add_suite("frag CLI");

	tests_add(s, "frag --unusable prints debugfs unusable_index exactly",
		  test_frag_cli_unusable_index);
	tests_add(s, "frag --extfrag prints debugfs extfrag_index exactly",
		  test_frag_cli_extfrag_index);
	tests_add(s, "captures include a fragmented state", test_frag_cli_nontrivial);
	tests_add(s, "frag DIR prints indices, types and pageblocks", test_frag_cli_full_report);
	tests_add(s, "pagetypeinfo: types, pageblocks, sums", test_frag_cli_parse_pagetypeinfo);
	tests_add(s, "pagetypeinfo: '>100000' counts are flagged", test_frag_cli_capped_counts);
	tests_add(s, "bad snapshots fail with file:line", test_frag_cli_bad_snapshots);
	tests_add(s, "usage and input errors exit 2", test_frag_cli_exit_codes);
	tests_add(s, "frag --out writes frag.dat and frag.gp", test_frag_cli_time_series);
}
