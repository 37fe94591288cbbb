// SPDX-License-Identifier: GPL-2.0-only
/*
 * Trace readers: every text layout, trace.dat v6/v7, gzip/zstd, our binary
 * format round trip, gfp translation, the stats, the CLI, and hostile
 * input (tests/data/traces/bad-*: an error naming file and line, never a
 * crash).  The real captures under traces/samples/ are cross-checked
 * against the counts `trace-cmd report` gave (and against a live
 * trace-cmd if installed).
 */
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include "helpers.h"
#include "traces/stats.h"
#include "traces/trace-private.h"

/*
 * Under LeakSanitizer: libtraceevent 1.7.1 leaks a few strings while it
 * parses event formats (tep_parse_event), which is not ours to fix.
 */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:libtraceevent.so\n";
}

static char *data_path(const char *name)
{
	return g_build_filename(tests_data_dir(), "traces", name, NULL);
}

static char *sample_path(const char *sample, const char *file)
{
	return g_build_filename(tests_data_dir(), "..", "..", "traces", "samples", sample, file,
				NULL);
}

static bool same_event(const struct trace_event *x, const struct trace_event *y);

/* Read @path into fresh stats; NULL (and the error in *@msg) on failure. */
static struct trace_stats *read_stats(const char *path, char **msg)
{
	struct trace_stats *st = g_new(struct trace_stats, 1);
	GError *error = NULL;

	trace_stats_init(st);
	if (!trace_stats_read(st, path, &error)) {
		if (msg)
			*msg = g_strdup(error->message);
		else
			fprintf(stderr, "%s\n", error->message);
		g_error_free(error);
		trace_stats_clear(st);
		g_free(st);
		return NULL;
	}
	if (msg)
		*msg = NULL;
	return st;
}

static void free_stats(struct trace_stats *st)
{
	if (!st)
		return;
	trace_stats_clear(st);
	g_free(st);
}

/* ------------------------------------------------------------ text layouts */

/*
 * The same ten events in every layout: 5 mm_page_alloc (one failed,
 * pfn=0x0 with a NULL page), 3 mm_page_free (one of a pfn never
 * allocated), 1 mm_page_free_batched repeating a free, 1 extfrag
 * (fallback_order 10: not fragmenting, whatever the text says).
 */
static void check_reference_events(const char *name, enum trace_format fmt)
{
	g_autofree char *path = data_path(name);
	struct trace_stats *st = read_stats(path, NULL);

	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	CU_ASSERT_STRING_EQUAL(st->format, trace_format_name(fmt));
	ASSERT_EQ(st->events[TRACE_EV_PAGE_ALLOC], 5);
	ASSERT_EQ(st->events[TRACE_EV_PAGE_FREE], 3);
	ASSERT_EQ(st->events[TRACE_EV_PAGE_FREE_BATCHED], 1);
	ASSERT_EQ(st->events[TRACE_EV_PAGE_ALLOC_EXTFRAG], 1);
	ASSERT_EQ(st->events[TRACE_EV_OTHER], 0);
	ASSERT_EQ(st->allocs, 4);
	ASSERT_EQ(st->alloc_failed, 1);
	ASSERT_EQ(st->fail_by_order[9], 1);
	ASSERT_EQ(st->allocs_by_order_mt[0][MIGRATE_UNMOVABLE], 2);
	ASSERT_EQ(st->allocs_by_order_mt[9][MIGRATE_MOVABLE], 2);
	ASSERT_EQ(st->alloc_pages, 2 + 2 * 512);
	ASSERT_EQ(st->frees, 3);		/* the batched repeat is no free */
	ASSERT_EQ(st->frees_unmatched, 1);	/* pfn 0x17bb4c */
	ASSERT_EQ(st->live.used, 2);		/* 0x2e3388 and 0x140000 */
	ASSERT_EQ(st->extfrag.events, 1);
	ASSERT_EQ(st->extfrag.fragmenting, 0);
	ASSERT_EQ(st->extfrag.change_ownership, 1);
	ASSERT_EQ(st->extfrag.reclaimable_from_movable, 1);
	ASSERT_EQ(st->extfrag.pair[MIGRATE_RECLAIMABLE][MIGRATE_MOVABLE], 1);
	ASSERT_EQ(st->nr_cpus, 2);
	ASSERT_EQ(g_hash_table_size(st->gfp_counts), 3);
	CU_ASSERT_PTR_NOT_NULL(g_hash_table_lookup(st->gfp_counts,
		GUINT_TO_POINTER((GFP_KERNEL | __GFP_ACCOUNT | __GFP_ZERO | __GFP_COMP) + 1)));
	CU_ASSERT_PTR_NOT_NULL(g_hash_table_lookup(st->gfp_counts,
		GUINT_TO_POINTER((GFP_HIGHUSER_MOVABLE | __GFP_NOWARN | __GFP_COMP |
				  __GFP_THISNODE) + 1)));
	free_stats(st);
}

static void test_traces_ftrace_5col(void)
{
	check_reference_events("ftrace-5col.txt", TRACE_FMT_FTRACE);
}

static void test_traces_ftrace_4col(void)
{
	check_reference_events("ftrace-4col.txt", TRACE_FMT_FTRACE);
}

static void test_traces_ftrace_nocol(void)
{
	check_reference_events("ftrace-nocol.txt", TRACE_FMT_FTRACE);
}

static void test_traces_ftrace_tgid(void)
{
	check_reference_events("ftrace-tgid.txt", TRACE_FMT_FTRACE);
}

static void test_traces_ftrace_comms(void)
{
	check_reference_events("ftrace-comms.txt", TRACE_FMT_FTRACE);
}

static void test_traces_ftrace_tsc(void)
{
	g_autofree char *path = data_path("ftrace-tsc.txt");
	struct trace_reader *r = trace_reader_open(path, NULL);
	struct trace_event ev;

	check_reference_events("ftrace-tsc.txt", TRACE_FMT_FTRACE);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	ASSERT_EQ(trace_reader_next(r, &ev, NULL), 1);
	/* 501.299908 s at 2.4 GHz, kept as raw ticks */
	ASSERT_EQ(ev.ts, 1203119779200ULL);
	CU_ASSERT_TRUE(trace_reader_counter_clock(r));
	trace_reader_close(r);
}

static void test_traces_ftrace_lost(void)
{
	g_autofree char *path = data_path("ftrace-pipe-lost.txt");
	struct trace_stats *st = read_stats(path, NULL);

	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	ASSERT_EQ(st->warn.lost_events, 50);
	ASSERT_EQ(st->warn.lost_markers, 2);
	ASSERT_EQ(st->events[TRACE_EV_LOST], 2);
	ASSERT_EQ(st->events[TRACE_EV_PAGE_ALLOC], 5);
	free_stats(st);
	check_reference_events("ftrace-pipe-lost.txt", TRACE_FMT_FTRACE);
}

static void test_traces_ftrace_overwritten(void)
{
	g_autofree char *path = data_path("ftrace-5col.txt");
	struct trace_stats *st = read_stats(path, NULL);

	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	/* "# entries-in-buffer/entries-written: 10/12" */
	ASSERT_EQ(st->warn.overwritten, 2);
	free_stats(st);
}

static void test_traces_tracecmd_default(void)
{
	check_reference_events("tracecmd.txt", TRACE_FMT_TRACECMD);
}

static void test_traces_tracecmd_raw(void)
{
	check_reference_events("tracecmd-R.txt", TRACE_FMT_TRACECMD);
}

static void test_traces_tracecmd_latency(void)
{
	check_reference_events("tracecmd-l.txt", TRACE_FMT_TRACECMD);
}

static void test_traces_tracecmd_ns(void)
{
	g_autofree char *path = data_path("tracecmd-t.txt");
	struct trace_reader *r = trace_reader_open(path, NULL);
	struct trace_event ev;

	check_reference_events("tracecmd-t.txt", TRACE_FMT_TRACECMD);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	ASSERT_EQ(trace_reader_next(r, &ev, NULL), 1);
	ASSERT_EQ(ev.ts, 501299908123ULL);	/* "501.299908123" */
	ASSERT_EQ(ev.pid, 22827);
	ASSERT_EQ(ev.cpu, 0);
	ASSERT_EQ(ev.pfn, 0x2e3388);
	CU_ASSERT_FALSE(trace_reader_counter_clock(r));
	trace_reader_close(r);
}

/* extract -B buffers: "NAME: " prefixes, "[EVENTS DROPPED]" without a count. */
static void test_traces_tracecmd_instance(void)
{
	static const char text[] =
		"cpus=2\n"
		"acceptsim-4953: CPU:1 [627878 EVENTS DROPPED]\n"
		"acceptsim-4953:              cc1-5643  [001]  2314.190400: mm_page_free:         page=0x3f061f pfn=0x3f061f order=0\n"
		"acceptsim-4953: CPU:0 [EVENTS DROPPED]\n"
		"acceptsim-4953:              cc1-5643  [000]  2314.190401: mm_page_free:         page=0x3f0620 pfn=0x3f0620 order=0\n";
	g_autofree char *dir = g_dir_make_tmp("acceptsim-XXXXXX", NULL);
	g_autofree char *path = g_build_filename(dir, "inst.txt", NULL);
	struct trace_stats *st;

	CU_ASSERT_TRUE_FATAL(g_file_set_contents(path, text, -1, NULL));
	st = read_stats(path, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	ASSERT_EQ(st->events[TRACE_EV_PAGE_FREE], 2);
	ASSERT_EQ(st->warn.lost_markers, 2);
	ASSERT_EQ(st->warn.lost_events, 627878);
	free_stats(st);
	g_unlink(path);
	g_rmdir(dir);
}

static void test_traces_perf(void)
{
	check_reference_events("perf.txt", TRACE_FMT_PERF);
}

static void test_traces_perf_pidtid(void)
{
	check_reference_events("perf-pidtid.txt", TRACE_FMT_PERF);
}

static void test_traces_perf_callchain(void)
{
	g_autofree char *path = data_path("perf-callchain.txt");
	struct trace_stats *st = read_stats(path, NULL);

	check_reference_events("perf-callchain.txt", TRACE_FMT_PERF);
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	ASSERT_EQ(st->warn.skipped_lines, 20);
	free_stats(st);
}

/* Fields of one line, in every layout: the extfrag event. */
static void test_traces_extfrag_fields(void)
{
	const char *files[] = { "ftrace-5col.txt", "tracecmd.txt", "tracecmd-R.txt", "perf.txt",
				"ftrace-5col.acstrace" };

	for (size_t i = 0; i < G_N_ELEMENTS(files); i++) {
		g_autofree char *path = data_path(files[i]);
		struct trace_reader *r = trace_reader_open(path, NULL);
		struct trace_event ev;
		int ret;

		CU_ASSERT_PTR_NOT_NULL_FATAL(r);
		while ((ret = trace_reader_next(r, &ev, NULL)) > 0)
			if (ev.type == TRACE_EV_PAGE_ALLOC_EXTFRAG)
				break;
		ASSERT_EQ(ret, 1);
		ASSERT_EQ(ev.pfn, 0x16d800);
		ASSERT_EQ(ev.order, 0);
		ASSERT_EQ(ev.fallback_order, 10);
		ASSERT_EQ(ev.migratetype, MIGRATE_RECLAIMABLE);
		ASSERT_EQ(ev.fallback_migratetype, MIGRATE_MOVABLE);
		CU_ASSERT_TRUE(ev.flags & TRACE_EVF_CHANGE_OWNERSHIP);
		CU_ASSERT_FALSE(trace_extfrag_fragmenting(&ev));
		ASSERT_EQ(ev.cpu, 1);
		ASSERT_EQ(ev.pid, 22830);
		ASSERT_EQ(ev.ts, 501945249000ULL);
		trace_reader_close(r);
	}
}

/* Fragmenting is computed from fallback_order, never read from the text. */
static void test_traces_extfrag_classes(void)
{
	static const char text[] =
		"cpus=1\n"
		"  a-1 [000]   1.000001: mm_page_alloc_extfrag: page=0x200 pfn=0x200 alloc_order=0 fallback_order=3 pageblock_order=9 alloc_migratetype=0 fallback_migratetype=1 fragmenting=10 change_ownership=0\n"
		"  a-1 [000]   1.000002: mm_page_alloc_extfrag: page=0x400 pfn=0x400 alloc_order=0 fallback_order=9 pageblock_order=9 alloc_migratetype=0 fallback_migratetype=1 fragmenting=10 change_ownership=1\n"
		"  a-1 [000]   1.000003: mm_page_alloc_extfrag: page=0x600 pfn=0x600 alloc_order=1 fallback_order=2 pageblock_order=9 alloc_migratetype=2 fallback_migratetype=1 fragmenting=10 change_ownership=0\n"
		"  a-1 [000]   1.000004: mm_page_alloc_extfrag: page=0x800 pfn=0x800 alloc_order=0 fallback_order=4 pageblock_order=9 alloc_migratetype=1 fallback_migratetype=0 fragmenting=10 change_ownership=0\n";
	g_autofree char *dir = g_dir_make_tmp("acceptsim-XXXXXX", NULL);
	g_autofree char *path = g_build_filename(dir, "x.txt", NULL);
	struct trace_stats *st;

	CU_ASSERT_TRUE_FATAL(g_file_set_contents(path, text, -1, NULL));
	st = read_stats(path, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	ASSERT_EQ(st->extfrag.events, 4);
	ASSERT_EQ(st->extfrag.fragmenting, 3);
	ASSERT_EQ(st->extfrag.change_ownership, 1);
	ASSERT_EQ(st->extfrag.unmovable_from_movable, 2);
	ASSERT_EQ(st->extfrag.reclaimable_from_movable, 1);
	ASSERT_EQ(st->extfrag.really_bad, 2);	/* fragmenting and from MOVABLE */
	ASSERT_EQ(st->extfrag.pair[MIGRATE_MOVABLE][MIGRATE_UNMOVABLE], 1);
	free_stats(st);
	g_unlink(path);
	g_rmdir(dir);
}

/* Old kernels: decimal pfn, no irq-info column, an extra field. */
static void test_traces_decimal_pfn(void)
{
	static const char text[] =
		"           <...>-22275 [006]   889.213383: mm_page_alloc: page=00000000d2be5665 pfn=970744 order=0 migratetype=0 nr_free=3650 gfp_flags=GFP_HIGHUSER|__GFP_ZERO\n"
		"  gnome-terminal-1567  [000]  4415.246506: mm_page_alloc: page=ffffea0003db9f40 pfn=1155800 order=0 migratetype=0 gfp_flags=GFP_KERNEL\n";
	g_autofree char *dir = g_dir_make_tmp("acceptsim-XXXXXX", NULL);
	g_autofree char *path = g_build_filename(dir, "old.txt", NULL);
	struct trace_reader *r;
	struct trace_event ev;

	CU_ASSERT_TRUE_FATAL(g_file_set_contents(path, text, -1, NULL));
	r = trace_reader_open(path, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	ASSERT_EQ(trace_reader_next(r, &ev, NULL), 1);
	ASSERT_EQ(ev.pfn, 970744);
	ASSERT_EQ(ev.cpu, 6);
	ASSERT_EQ(ev.gfp, GFP_HIGHUSER | __GFP_ZERO);
	ASSERT_EQ(trace_reader_next(r, &ev, NULL), 1);
	ASSERT_EQ(ev.pfn, 1155800);
	ASSERT_EQ(ev.pid, 1567);
	ASSERT_EQ(ev.gfp, GFP_KERNEL);
	ASSERT_EQ(trace_reader_next(r, &ev, NULL), 0);
	trace_reader_close(r);
	g_unlink(path);
	g_rmdir(dir);
}

/* ------------------------------------------------------------------- gfp */

static void test_traces_gfp_names(void)
{
	static const struct {
		const char *text;
		gfp_t gfp;
		bool unmapped;
	} cases[] = {
		{ "GFP_KERNEL", GFP_KERNEL, false },
		{ "GFP_KERNEL_ACCOUNT|__GFP_ZERO|__GFP_COMP",
		  GFP_KERNEL | __GFP_ACCOUNT | __GFP_ZERO | __GFP_COMP, false },
		{ "GFP_TRANSHUGE", GFP_TRANSHUGE, false },
		{ "GFP_ATOMIC|__GFP_NOWARN", GFP_ATOMIC | __GFP_NOWARN, false },
		{ "none", 0, false },
		/* raw kernel 6.x values (trace-cmd -R, broken 6.10-6.12 printers) */
		{ "0x440dc0", GFP_KERNEL | __GFP_ACCOUNT | __GFP_ZERO | __GFP_COMP, false },
		{ "0x152c4a", GFP_NOFS | __GFP_HIGHMEM | __GFP_MOVABLE | __GFP_NOWARN |
			      __GFP_NORETRY | __GFP_COMP | __GFP_HARDWALL, false },
		{ "0x100cca", GFP_HIGHUSER_MOVABLE, false },
		/* bits we do not model: ZEROTAGS (23), NO_OBJ_EXT (24) */
		{ "GFP_KERNEL|__GFP_ZEROTAGS", GFP_KERNEL, true },
		{ "GFP_KERNEL|0x1000000", GFP_KERNEL, true },
		{ "0x800cc0", GFP_KERNEL, true },
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		gfp_t gfp = 0xdead;
		bool unmapped = false;

		CU_ASSERT_TRUE(trace_gfp_parse(cases[i].text, strlen(cases[i].text), &gfp,
					       &unmapped));
		ASSERT_EQ(gfp, cases[i].gfp);
		CU_ASSERT_EQUAL(unmapped, cases[i].unmapped);
	}
}

static void test_traces_gfp_bad(void)
{
	const char *bad[] = { "", "GFP_KERNEL|", "|GFP_KERNEL", "gfp kernel", "0xZZ",
			      "GFP_KERNEL||__GFP_ZERO" };

	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		gfp_t gfp;
		bool unmapped = false;

		CU_ASSERT_FALSE(trace_gfp_parse(bad[i], strlen(bad[i]), &gfp, &unmapped));
	}
}

static void test_traces_gfp_format(void)
{
	g_autoptr(GString) s = g_string_new(NULL);

	trace_gfp_format(s, GFP_HIGHUSER_MOVABLE | __GFP_ZERO | __GFP_COMP);
	CU_ASSERT_STRING_EQUAL(s->str, "GFP_HIGHUSER_MOVABLE|__GFP_ZERO|__GFP_COMP");
	g_string_truncate(s, 0);
	trace_gfp_format(s, GFP_KERNEL | __GFP_ACCOUNT);
	CU_ASSERT_STRING_EQUAL(s->str, "GFP_KERNEL_ACCOUNT");
	g_string_truncate(s, 0);
	trace_gfp_format(s, 0);
	CU_ASSERT_STRING_EQUAL(s->str, "none");
	/* every name parses back to the same bits */
	for (gfp_t g = 1; g < (1U << 23); g = g * 3 + 1) {
		gfp_t back;
		bool unmapped = false;

		g &= ~(1U << 9);		/* no bit 9 in our layout */
		g_string_truncate(s, 0);
		trace_gfp_format(s, g);
		CU_ASSERT_TRUE(trace_gfp_parse(s->str, s->len, &back, &unmapped));
		ASSERT_EQ(back, g);
	}
}

/* -------------------------------------------------------------- trace.dat */

static void check_shared_sample(const char *name)
{
	g_autofree char *path = data_path(name);
	struct trace_stats *st = read_stats(path, NULL);

	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	CU_ASSERT_STRING_EQUAL(st->format, "trace.dat");
	/* trace-cmd report of the same capture: 46012 / 27781 / 10 */
	ASSERT_EQ(st->events[TRACE_EV_PAGE_ALLOC], 46012);
	ASSERT_EQ(st->events[TRACE_EV_PAGE_FREE], 27781);
	ASSERT_EQ(st->events[TRACE_EV_PAGE_ALLOC_EXTFRAG], 10);
	ASSERT_EQ(st->events[TRACE_EV_OTHER], 0);
	ASSERT_EQ(st->extfrag.fragmenting, 0);	/* trace-cmd prints fragmenting=10 */
	ASSERT_EQ(st->extfrag.change_ownership, 10);
	ASSERT_EQ(st->nr_cpus, 2);
	free_stats(st);
}

static void test_traces_dat_v7_zstd(void)
{
	check_shared_sample("kmem-6.18-v7-zstd.dat");
}

static void test_traces_dat_v6_in_zstd(void)
{
	/* a v6 file inside a zstd stream: inflated to a temporary file */
	check_shared_sample("kmem-6.18-v6.dat.zst");
}

/*
 * Read @path twice, directly and through libtracecmd (ACCEPTSIM_DAT_SLOW),
 * and compare event by event; returns the events read.
 */
static uint64_t compare_with_libtracecmd(const char *path)
{
	struct trace_reader *a, *b;
	struct trace_event x, y;
	uint64_t n = 0;
	int ra, rb;

	a = trace_reader_open(path, NULL);
	g_setenv("ACCEPTSIM_DAT_SLOW", "1", TRUE);
	b = trace_reader_open(path, NULL);
	g_unsetenv("ACCEPTSIM_DAT_SLOW");
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	do {
		ra = trace_reader_next(a, &x, NULL);
		rb = trace_reader_next(b, &y, NULL);
		ASSERT_EQ(ra, rb);
		if (ra > 0 && (!same_event(&x, &y) || x.lineno != y.lineno || x.node != y.node ||
			       x.zone != y.zone)) {
			fprintf(stderr, "\n%s: record %" G_GUINT64_FORMAT ": direct and libtracecmd "
				"differ\n", path, x.lineno);
			CU_FAIL("direct reader and libtracecmd differ");
			break;
		}
		n += ra > 0;
	} while (ra > 0);
	CU_ASSERT_TRUE(n > 0);
	trace_reader_close(a);
	trace_reader_close(b);
	return n;
}

/*
 * The direct reader (pages decoded in place, v7 chunks inflated) returns
 * exactly libtracecmd's records: v6, v7 uncompressed, v7 zstd, the real
 * captures.  ACCEPTSIM_TEST_DAT=FILE:FILE... adds more (the benchmark's).
 */
static void test_traces_dat_direct(void)
{
	const char *files[] = { "kmem-6.18-v6.dat.zst", "kmem-6.18-v7-zstd.dat",
				"dd-v7-none.dat.zst" };
	const char *samples[] = { "dd", "cc", "tar" };
	const char *extra = g_getenv("ACCEPTSIM_TEST_DAT");

	if (!trace_have_tracecmd()) {
		fprintf(stderr, "(built without libtracecmd: nothing to compare with) ");
		return;
	}
	for (size_t i = 0; i < G_N_ELEMENTS(files); i++) {
		g_autofree char *path = data_path(files[i]);
		uint64_t n = compare_with_libtracecmd(path);

		if (i < 2)
			ASSERT_EQ(n, 46012 + 27781 + 10);
	}
	for (size_t i = 0; i < G_N_ELEMENTS(samples); i++) {
		g_autofree char *path = sample_path(samples[i], "trace.dat");

		compare_with_libtracecmd(path);
	}
	if (extra) {
		g_auto(GStrv) more = g_strsplit(extra, ":", -1);

		for (int i = 0; more[i]; i++)
			if (*more[i])
				fprintf(stderr, "(%s: %" G_GUINT64_FORMAT " events) ", more[i],
					compare_with_libtracecmd(more[i]));
	}
}

/*
 * A copy of the v7 sample whose CPUCOUNT option became OFFSET "2": an
 * option that shifts timestamps, which the direct reader leaves to
 * libtracecmd.  Its path, in @dir.
 */
static char *with_offset_option(const char *dir)
{
	g_autofree char *src = data_path("kmem-6.18-v7-zstd.dat");
	g_autofree char *data = NULL;
	char *out = g_build_filename(dir, "offset.dat", NULL);
	gsize len, off = 18;
	uint64_t opts;
	uint16_t id;

	g_assert(g_file_get_contents(src, &data, &len, NULL));
	off += strlen(data + off) + 1;			/* compression name */
	off += strlen(data + off) + 1;			/* ... and version */
	memcpy(&opts, data + off, 8);
	off = (gsize)opts + 16;				/* the first option */
	memcpy(&id, data + off, 2);
	g_assert(id == 8);				/* CPUCOUNT, 4 bytes */
	id = 7;						/* OFFSET, an ASCII number */
	memcpy(data + off, &id, 2);
	memcpy(data + off + 6, "2\0\0\0", 4);
	g_assert(g_file_set_contents(out, data, (gssize)len, NULL));
	return out;
}

static void test_traces_dat_fallback(void)
{
	g_autofree char *dir = g_dir_make_tmp("acceptsim-XXXXXX", NULL);
	g_autofree char *shifted = with_offset_option(dir);
	g_autofree char *plain = data_path("kmem-6.18-v7-zstd.dat");
	g_autoptr(GError) error = NULL;
	struct trace_reader *a = trace_reader_open(plain, NULL);
	struct trace_reader *b = trace_reader_open(shifted, &error);
	struct trace_event x, y;
	uint64_t n = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	if (!trace_have_tracecmd()) {
		/* the direct reader needs no libtracecmd, unless the file does */
		CU_ASSERT_PTR_NULL(b);
		CU_ASSERT_TRUE(g_error_matches(error, TRACE_ERROR, TRACE_ERROR_UNSUPPORTED));
		CU_ASSERT_PTR_NOT_NULL(strstr(error->message, "-Dtracecmd=enabled"));
		while (trace_reader_next(a, &x, NULL) > 0)
			n++;
		ASSERT_EQ(n, 46012 + 27781 + 10);
	} else {
		CU_ASSERT_PTR_NOT_NULL_FATAL(b);
		while (trace_reader_next(a, &x, NULL) > 0) {
			CU_ASSERT_FATAL(trace_reader_next(b, &y, NULL) > 0);
			y.ts -= 2;			/* the OFFSET option's 2 ns */
			CU_ASSERT_TRUE_FATAL(same_event(&x, &y));
			n++;
		}
		ASSERT_EQ(trace_reader_next(b, &y, NULL), 0);
		ASSERT_EQ(n, 46012 + 27781 + 10);
	}
	trace_reader_close(a);
	trace_reader_close(b);
	g_unlink(shifted);
	g_rmdir(dir);
}

/* Decompress @src (any input we read) and keep its first @keep bytes. */
static char *truncated_copy(const char *src, const char *dir, double keep_fraction)
{
	struct trace_input *in = trace_input_open(src, NULL);
	GByteArray *all = g_byte_array_new();
	char buf[65536];
	ssize_t n;
	char *out = g_build_filename(dir, "trunc.dat", NULL);

	g_assert(in);
	while ((n = trace_input_read(in, buf, sizeof(buf), NULL)) > 0)
		g_byte_array_append(all, (guint8 *)buf, (guint)n);
	trace_input_close(in);
	g_assert(g_file_set_contents(out, (char *)all->data, (gssize)(all->len * keep_fraction),
				     NULL));
	g_byte_array_free(all, TRUE);
	return out;
}

static void test_traces_dat_truncated(void)
{
	const char *srcs[] = { "kmem-6.18-v6.dat.zst", "kmem-6.18-v7-zstd.dat" };
	const double keep[] = { 0.02, 0.3, 0.6, 0.9, 0.999 };

	for (size_t s = 0; s < G_N_ELEMENTS(srcs); s++) {
		for (size_t k = 0; k < G_N_ELEMENTS(keep); k++) {
			g_autofree char *src = data_path(srcs[s]);
			g_autofree char *dir = g_dir_make_tmp("acceptsim-XXXXXX", NULL);
			g_autofree char *path = truncated_copy(src, dir, keep[k]);
			g_autofree char *msg = NULL;
			struct trace_stats *st = read_stats(path, &msg);

			/* v7 loses only trailing padding at 0.999: a full read is fine */
			if (st) {
				CU_ASSERT_TRUE(s == 1 && keep[k] > 0.99);
				ASSERT_EQ(st->events[TRACE_EV_PAGE_ALLOC], 46012);
			} else {
				CU_ASSERT_PTR_NOT_NULL(strstr(msg, path));
				CU_ASSERT_PTR_NOT_NULL(strstr(msg, "trace.dat"));
			}
			free_stats(st);
			g_unlink(path);
			g_rmdir(dir);
		}
	}
}

/* Random bytes changed in trace.dat files (headers, formats, pages): an error, never a crash. */
static void test_traces_dat_fuzz(void)
{
	const char *srcs[] = { "dd-v7-none.dat.zst", "kmem-6.18-v7-zstd.dat", "kmem-6.18-v6.dat.zst" };
	const int rounds[] = { 200, 40, 40 };	/* the last two have 74k events each */
	g_autofree char *dir = g_dir_make_tmp("acceptsim-XXXXXX", NULL);
	g_autofree char *path = g_build_filename(dir, "fuzz.dat", NULL);
	GRand *rand = g_rand_new_with_seed(7);

	for (size_t s = 0; s < G_N_ELEMENTS(srcs); s++) {
		g_autofree char *src = data_path(srcs[s]);
		g_autofree char *full = truncated_copy(src, dir, 1.0);
		g_autofree char *data = NULL;
		gsize len;

		CU_ASSERT_TRUE_FATAL(g_file_get_contents(full, &data, &len, NULL));
		for (int round = 0; round < rounds[s]; round++) {
			g_autofree char *copy = g_memdup2(data, len);
			gsize n = len;
			struct trace_stats *st;
			g_autofree char *msg = NULL;
			/* half the rounds hit the first 64 KiB: headers, options, formats */
			gint32 span = round % 2 ? (gint32)len : (gint32)MIN(len, 65536);

			for (int k = 0; k < 1 + round % 8; k++)
				copy[g_rand_int_range(rand, 0, span)] = (char)g_rand_int_range(rand, 0, 256);
			if (round % 5 == 0)
				n = (gsize)g_rand_int_range(rand, 0, (gint32)len);
			CU_ASSERT_TRUE_FATAL(g_file_set_contents(path, copy, (gssize)n, NULL));
			st = read_stats(path, &msg);
			CU_ASSERT_TRUE(st != NULL || (msg && strstr(msg, path)));
			free_stats(st);
		}
		g_unlink(full);
	}
	g_rand_free(rand);
	g_unlink(path);
	g_rmdir(dir);
}

/* ----------------------------------------------- real captures, cross-check */

static GHashTable *load_counts(const char *sample)
{
	g_autofree char *path = sample_path(sample, "counts.txt");
	g_autofree char *text = NULL;
	g_auto(GStrv) lines = NULL;
	GHashTable *h = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);

	g_assert(g_file_get_contents(path, &text, NULL, NULL));
	lines = g_strsplit(text, "\n", -1);
	for (int i = 0; lines[i]; i++) {
		g_auto(GStrv) w = g_strsplit(lines[i], " ", 2);

		if (w[0] && w[1])
			g_hash_table_insert(h, g_strdup(w[0]),
					    GSIZE_TO_POINTER(g_ascii_strtoull(w[1], NULL, 10)));
	}
	return h;
}

/* Every count of @st equals @counts, and nothing else was read. */
static void assert_counts(const struct trace_stats *st, GHashTable *counts, const char *what)
{
	uint64_t total = 0;

	for (int t = TRACE_EV_PAGE_ALLOC; t < TRACE_EV_NR; t++) {
		gsize want = GPOINTER_TO_SIZE(g_hash_table_lookup(counts,
						trace_event_name((enum trace_event_type)t)));

		if (st->events[t] != want)
			fprintf(stderr, "\n%s: %s: %" G_GUINT64_FORMAT " != %zu\n", what,
				trace_event_name((enum trace_event_type)t), st->events[t], want);
		ASSERT_EQ(st->events[t], want);
		total += want;
	}
	ASSERT_EQ(st->events[TRACE_EV_OTHER], 0);
	CU_ASSERT_TRUE(total > 1000);
}

/* Counts of `trace-cmd report FILE` (the 4th column), or NULL if not installed. */
static GHashTable *tracecmd_counts(const char *dat)
{
	g_autofree char *out = NULL;
	g_auto(GStrv) lines = NULL;
	const char *argv[] = { "trace-cmd", "report", dat, NULL };
	GHashTable *h;
	int status;

	if (!g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH |
			  G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &out, NULL, &status, NULL) ||
	    !g_spawn_check_wait_status(status, NULL))
		return NULL;
	h = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	lines = g_strsplit(out, "\n", -1);
	for (int i = 0; lines[i]; i++) {
		g_auto(GStrv) w = g_strsplit_set(g_strstrip(lines[i]), " ", -1);
		int col = 0;

		for (int j = 0; w[j]; j++) {
			size_t len = strlen(w[j]);

			if (!len)
				continue;
			if (++col == 4 && len > 1 && w[j][len - 1] == ':') {
				g_autofree char *name = g_strndup(w[j], len - 1);
				gsize n = GPOINTER_TO_SIZE(g_hash_table_lookup(h, name));

				g_hash_table_insert(h, g_steal_pointer(&name),
						    GSIZE_TO_POINTER(n + 1));
			}
		}
	}
	return h;
}

static void check_sample(const char *sample)
{
	g_autoptr(GHashTable) counts = load_counts(sample);
	const char *files[] = { "trace.dat", "trace.txt.gz", "report.txt.zst" };
	const enum trace_format fmts[] = { TRACE_FMT_DAT, TRACE_FMT_FTRACE, TRACE_FMT_TRACECMD };
	struct trace_stats *all[3] = { NULL };

	for (int i = 0; i < 3; i++) {
		g_autofree char *path = sample_path(sample, files[i]);

		all[i] = read_stats(path, NULL);
		CU_ASSERT_PTR_NOT_NULL_FATAL(all[i]);
		CU_ASSERT_STRING_EQUAL(all[i]->format, trace_format_name(fmts[i]));
		assert_counts(all[i], counts, files[i]);
	}
	/* the three renderings agree beyond counts */
	for (int i = 1; i < 3; i++) {
		if (!all[0])
			break;
		ASSERT_EQ(all[i]->allocs, all[0]->allocs);
		ASSERT_EQ(all[i]->alloc_pages, all[0]->alloc_pages);
		ASSERT_EQ(all[i]->frees_unmatched, all[0]->frees_unmatched);
		ASSERT_EQ(all[i]->extfrag.fragmenting, all[0]->extfrag.fragmenting);
		ASSERT_EQ(g_hash_table_size(all[i]->gfp_counts),
			  g_hash_table_size(all[0]->gfp_counts));
		CU_ASSERT_EQUAL(memcmp(all[i]->allocs_by_order_mt, all[0]->allocs_by_order_mt,
				       sizeof(all[0]->allocs_by_order_mt)), 0);
		/* text keeps microseconds: the spans agree to 1 us */
		CU_ASSERT_TRUE(all[i]->last_ts - all[i]->first_ts + 1000 >=
			       all[0]->last_ts - all[0]->first_ts);
	}
	if (all[0]) {
		g_autofree char *dat = sample_path(sample, "trace.dat");
		g_autoptr(GHashTable) live = tracecmd_counts(dat);

		if (live)
			assert_counts(all[0], live, "trace-cmd report");
		else
			fprintf(stderr, "(trace-cmd not installed: live cross-check skipped) ");
	}
	for (int i = 0; i < 3; i++)
		free_stats(all[i]);
}

static void test_traces_sample_dd(void)
{
	check_sample("dd");
}

static void test_traces_sample_cc(void)
{
	check_sample("cc");
}

static void test_traces_sample_tar(void)
{
	check_sample("tar");
}

/* ------------------------------------------------- compression, binary format */

static void test_traces_gzip_zstd(void)
{
	g_autofree char *gz = sample_path("cc", "trace.txt.gz");
	g_autofree char *zst = sample_path("cc", "report.txt.zst");
	struct trace_reader *a = trace_reader_open(gz, NULL);
	struct trace_reader *b = trace_reader_open(zst, NULL);

	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	CU_ASSERT_STRING_EQUAL(trace_reader_compression(a), "gzip");
	CU_ASSERT_STRING_EQUAL(trace_reader_compression(b), "zstd");
	for (;;) {
		struct trace_event x, y;
		int ra = trace_reader_next(a, &x, NULL);
		int rb = trace_reader_next(b, &y, NULL);

		ASSERT_EQ(ra, rb);
		if (ra <= 0)
			break;
		ASSERT_EQ(x.type, y.type);
		ASSERT_EQ(x.pfn, y.pfn);
		ASSERT_EQ(x.ts, y.ts);
		ASSERT_EQ(x.cpu, y.cpu);
		ASSERT_EQ(x.gfp, y.gfp);
		if (x.type != y.type)
			break;
	}
	trace_reader_close(a);
	trace_reader_close(b);
}

static bool same_event(const struct trace_event *x, const struct trace_event *y)
{
	return x->type == y->type && x->ts == y->ts && x->pfn == y->pfn && x->pid == y->pid &&
	       x->cpu == y->cpu && x->order == y->order && x->migratetype == y->migratetype &&
	       x->gfp == y->gfp && x->flags == y->flags &&
	       x->fallback_order == y->fallback_order &&
	       x->fallback_migratetype == y->fallback_migratetype &&
	       !memcmp(x->arg, y->arg, sizeof(x->arg));
}

/* Convert @src to our format and read both back event by event. */
static void check_roundtrip(const char *src)
{
	g_autofree char *dir = g_dir_make_tmp("acceptsim-XXXXXX", NULL);
	g_autofree char *out = g_build_filename(dir, "x.acstrace", NULL);
	struct trace_reader *r = trace_reader_open(src, NULL);
	struct trace_writer *w = trace_writer_open(out, NULL);
	struct trace_event ev, back;
	uint64_t n = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_PTR_NOT_NULL_FATAL(w);
	while (trace_reader_next(r, &ev, NULL) > 0) {
		if (n++ == 0)
			trace_writer_set_counter_clock(w, trace_reader_counter_clock(r));
		CU_ASSERT_TRUE(trace_writer_add(w, &ev, NULL));
	}
	trace_reader_close(r);
	CU_ASSERT_TRUE_FATAL(trace_writer_commit(w, NULL));

	r = trace_reader_open(src, NULL);
	{
		struct trace_reader *b = trace_reader_open(out, NULL);
		uint64_t m = 0;

		CU_ASSERT_PTR_NOT_NULL_FATAL(b);
		ASSERT_EQ(trace_reader_format(b), TRACE_FMT_NATIVE);
		while (trace_reader_next(r, &ev, NULL) > 0) {
			CU_ASSERT_EQUAL_FATAL(trace_reader_next(b, &back, NULL), 1);
			CU_ASSERT_TRUE_FATAL(same_event(&ev, &back));
			ASSERT_EQ(back.lineno, ++m);
		}
		ASSERT_EQ(trace_reader_next(b, &back, NULL), 0);
		ASSERT_EQ(m, n);
		CU_ASSERT_EQUAL(trace_reader_counter_clock(b), trace_reader_counter_clock(r));
		trace_reader_close(b);
	}
	trace_reader_close(r);
	g_unlink(out);
	g_rmdir(dir);
}

static void test_traces_native_roundtrip(void)
{
	const char *texts[] = { "ftrace-5col.txt", "ftrace-pipe-lost.txt", "ftrace-tsc.txt",
				"warn-unknown-event.txt", "warn-cross-cpu-backwards.txt" };
	g_autofree char *tar = sample_path("tar", "trace.txt.gz");
	g_autofree char *cc = sample_path("cc", "report.txt.zst");

	for (size_t i = 0; i < G_N_ELEMENTS(texts); i++) {
		g_autofree char *p = data_path(texts[i]);

		check_roundtrip(p);
	}
	check_roundtrip(tar);
	check_roundtrip(cc);
	{
		g_autofree char *dat = data_path("kmem-6.18-v7-zstd.dat");

		check_roundtrip(dat);
	}
}

/* ------------------------------------------------------------- hostile input */

struct bad_case {
	const char *file;
	const char *where;			/* "file:line" suffix expected, or NULL */
	const char *what;			/* part of the message */
};

static const struct bad_case bad_cases[] = {
	{ "bad-empty.txt", NULL, "empty file" },
	{ "bad-binary.bin", NULL, "binary data" },
	{ "bad-garbage-line.txt", ":15:", "not an event line" },
	{ "bad-order42.txt", ":14:", "order 42 > 10" },
	{ "bad-time-backwards.txt", ":15:", "time goes backwards on cpu 0" },
	{ "bad-truncated-line.txt", ":23:", "missing fields" },
	{ "bad-missing-field.txt", ":14:", "missing fields" },
	{ "bad-migratetype.txt", ":13:", "migratetype 9 out of range" },
	{ "bad-gfp.txt", ":13:", "bad gfp_flags" },
	{ "bad-number.txt", ":13:", "bad number in pfn=0x2e33zz" },
	{ "bad-unaligned.txt", ":18:", "not aligned to order 9" },
	{ "bad-truncated.txt.gz", ":1247:", "truncated gzip stream" },
	{ "bad-truncated.txt.zst", ":1320:", "truncated zstd stream" },
	{ "bad-xz.txt.xz", NULL, "xz-compressed input is not supported" },
	{ "bad-truncated.acstrace", ":record 10:", "truncated record" },
};

static void test_traces_bad_inputs(void)
{
	for (size_t i = 0; i < G_N_ELEMENTS(bad_cases); i++) {
		g_autofree char *path = data_path(bad_cases[i].file);
		g_autofree char *msg = NULL;
		struct trace_stats *st = read_stats(path, &msg);

		CU_ASSERT_PTR_NULL(st);
		free_stats(st);
		if (!msg) {
			fprintf(stderr, "\n%s: no error\n", bad_cases[i].file);
			continue;
		}
		CU_ASSERT_PTR_NOT_NULL(strstr(msg, path));
		if (bad_cases[i].where) {
			g_autofree char *where = g_strconcat(path, bad_cases[i].where, NULL);

			CU_ASSERT_PTR_NOT_NULL(strstr(msg, where));
		}
		if (!strstr(msg, bad_cases[i].what))
			fprintf(stderr, "\n%s: unexpected message: %s\n", bad_cases[i].file, msg);
		CU_ASSERT_PTR_NOT_NULL(strstr(msg, bad_cases[i].what));
	}
}

static void test_traces_missing_file(void)
{
	g_autoptr(GError) error = NULL;
	struct trace_reader *r = trace_reader_open("/nonexistent/trace.txt", &error);

	CU_ASSERT_PTR_NULL(r);
	CU_ASSERT_TRUE(g_error_matches(error, TRACE_ERROR, TRACE_ERROR_IO));
}

static void test_traces_warn_unknown_event(void)
{
	g_autofree char *path = data_path("warn-unknown-event.txt");
	struct trace_stats *st = read_stats(path, NULL);

	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	ASSERT_EQ(st->events[TRACE_EV_OTHER], 2);	/* sched_switch, kmalloc */
	ASSERT_EQ(st->warn.unknown_events, 2);
	ASSERT_EQ(st->events[TRACE_EV_PAGE_ALLOC], 5);
	free_stats(st);
}

static void test_traces_warn_cross_cpu(void)
{
	g_autofree char *path = data_path("warn-cross-cpu-backwards.txt");
	struct trace_stats *st = read_stats(path, NULL);

	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	ASSERT_EQ(st->warn.time_backwards, 1);
	ASSERT_EQ(st->events[TRACE_EV_PAGE_ALLOC], 5);
	free_stats(st);
}

/* Random corruption of a valid text and binary trace never crashes. */
static void test_traces_fuzz(void)
{
	const char *srcs[] = { "ftrace-5col.txt", "tracecmd-R.txt", "perf.txt",
			       "ftrace-5col.acstrace" };
	g_autofree char *dir = g_dir_make_tmp("acceptsim-XXXXXX", NULL);
	g_autofree char *path = g_build_filename(dir, "fuzz", NULL);
	GRand *rand = g_rand_new_with_seed(42);

	for (size_t s = 0; s < G_N_ELEMENTS(srcs); s++) {
		g_autofree char *src = data_path(srcs[s]);
		g_autofree char *text = NULL;
		gsize len;

		CU_ASSERT_TRUE_FATAL(g_file_get_contents(src, &text, &len, NULL));
		for (int round = 0; round < 300; round++) {
			g_autofree char *copy = g_memdup2(text, len);
			gsize n = len;
			struct trace_stats *st;
			g_autofree char *msg = NULL;

			for (int k = 0; k < 1 + round % 4; k++)
				copy[g_rand_int_range(rand, 0, (gint32)len)] =
					(char)g_rand_int_range(rand, 0, 256);
			if (round % 5 == 0)
				n = (gsize)g_rand_int_range(rand, 0, (gint32)len);
			CU_ASSERT_TRUE_FATAL(g_file_set_contents(path, copy, (gssize)n, NULL));
			st = read_stats(path, &msg);
			CU_ASSERT_TRUE(st != NULL || (msg && strstr(msg, path)));
			free_stats(st);
		}
	}
	g_rand_free(rand);
	g_unlink(path);
	g_rmdir(dir);
}

/* -------------------------------------------------------------------- CLI */

static void test_traces_cli_stats_json(void)
{
	g_autofree char *path = data_path("ftrace-5col.txt");
	const char *args[] = { "trace", "stats", "--json", path, NULL };
	g_autofree char *out = NULL, *err = NULL;
	g_autoptr(JsonParser) parser = json_parser_new();
	JsonObject *o, *ev, *x;
	JsonArray *by_order;

	ASSERT_EQ(tests_run_acceptsim(args, &out, &err), 0);
	CU_ASSERT_TRUE_FATAL(json_parser_load_from_data(parser, out, -1, NULL));
	o = json_node_get_object(json_parser_get_root(parser));
	ev = json_object_get_object_member(o, "events");
	ASSERT_EQ(json_object_get_int_member(ev, "mm_page_alloc"), 5);
	ASSERT_EQ(json_object_get_int_member(ev, "mm_page_free"), 3);
	ASSERT_EQ(json_object_get_int_member(ev, "mm_page_free_batched"), 1);
	ASSERT_EQ(json_object_get_int_member(ev, "mm_page_alloc_extfrag"), 1);
	x = json_object_get_object_member(o, "extfrag");
	ASSERT_EQ(json_object_get_int_member(x, "events"), 1);
	ASSERT_EQ(json_object_get_int_member(x, "fragmenting"), 0);
	ASSERT_EQ(json_object_get_int_member(x, "change_ownership"), 1);
	by_order = json_object_get_array_member(o, "allocs_by_order");
	ASSERT_EQ(json_array_get_length(by_order), NR_PAGE_ORDERS);
	ASSERT_EQ(json_array_get_int_element(by_order, 0), 2);
	ASSERT_EQ(json_array_get_int_element(by_order, 9), 2);
	ASSERT_EQ(json_object_get_int_member(o, "frees_unmatched"), 1);
	ASSERT_EQ(json_object_get_int_member(o, "alloc_failed"), 1);
}

static void test_traces_cli_stats_text(void)
{
	g_autofree char *path = data_path("perf.txt");
	const char *args[] = { "trace", "stats", path, NULL };
	g_autofree char *out = NULL, *err = NULL;

	ASSERT_EQ(tests_run_acceptsim(args, &out, &err), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "perf script text"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "Reclaimable <- Movable"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "GFP_KERNEL_ACCOUNT|__GFP_ZERO|__GFP_COMP"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "Unmovable     Movable Reclaimable  HighAtomic         CMA     Isolate"));
}

static void test_traces_cli_bad_input(void)
{
	for (size_t i = 0; i < G_N_ELEMENTS(bad_cases); i++) {
		g_autofree char *path = data_path(bad_cases[i].file);
		const char *args[] = { "trace", "stats", path, NULL };
		g_autofree char *out = NULL, *err = NULL;

		ASSERT_EQ(tests_run_acceptsim(args, &out, &err), 2);
		CU_ASSERT_PTR_NOT_NULL(strstr(err, "acceptsim trace stats: "));
		CU_ASSERT_PTR_NOT_NULL(strstr(err, bad_cases[i].what));
		CU_ASSERT_STRING_EQUAL(out, "");
	}
}

static void test_traces_cli_usage(void)
{
	const char *no_file[] = { "trace", "stats", NULL };
	const char *bad_opt[] = { "trace", "stats", "--nope", "x", NULL };
	const char *bad_sub[] = { "trace", "frobnicate", NULL };
	const char *help[] = { "trace", "stats", "--help", NULL };
	g_autofree char *o1 = NULL, *e1 = NULL, *o2 = NULL, *e2 = NULL;
	g_autofree char *o3 = NULL, *e3 = NULL, *o4 = NULL, *e4 = NULL;

	ASSERT_EQ(tests_run_acceptsim(no_file, &o1, &e1), 2);
	ASSERT_EQ(tests_run_acceptsim(bad_opt, &o2, &e2), 2);
	ASSERT_EQ(tests_run_acceptsim(bad_sub, &o3, &e3), 2);
	ASSERT_EQ(tests_run_acceptsim(help, &o4, &e4), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(o4, "--json"));
}

static void test_traces_cli_convert(void)
{
	g_autofree char *src = sample_path("tar", "trace.txt.gz");
	g_autofree char *dir = g_dir_make_tmp("acceptsim-XXXXXX", NULL);
	g_autofree char *dst = g_build_filename(dir, "tar.acstrace", NULL);
	g_autofree char *bad = data_path("bad-order42.txt");
	g_autofree char *bad_dst = g_build_filename(dir, "bad.acstrace", NULL);
	const char *conv[] = { "trace", "convert", src, dst, NULL };
	const char *conv_bad[] = { "trace", "convert", bad, bad_dst, NULL };
	g_autofree char *o = NULL, *e = NULL, *o2 = NULL, *e2 = NULL;
	struct trace_stats *a, *b;
	GDir *d;
	int files = 0;

	ASSERT_EQ(tests_run_acceptsim(conv, &o, &e), 0);
	a = read_stats(src, NULL);
	b = read_stats(dst, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	CU_ASSERT_EQUAL(memcmp(a->events, b->events, sizeof(a->events)), 0);
	ASSERT_EQ(a->frees_unmatched, b->frees_unmatched);
	ASSERT_EQ(a->first_ts, b->first_ts);
	ASSERT_EQ(a->last_ts, b->last_ts);
	free_stats(a);
	free_stats(b);

	/* bad input: exit 2, no output file and no temporary left behind */
	ASSERT_EQ(tests_run_acceptsim(conv_bad, &o2, &e2), 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(e2, "order 42"));
	CU_ASSERT_FALSE(g_file_test(bad_dst, G_FILE_TEST_EXISTS));
	d = g_dir_open(dir, 0, NULL);
	while (g_dir_read_name(d))
		files++;
	g_dir_close(d);
	ASSERT_EQ(files, 1);
	g_unlink(dst);
	g_rmdir(dir);
}

void tests_register(void)
{
	CU_pSuite s = tests_add_suite("traces: text layouts");

	tests_add(s, "ftrace: 5-column irq flags (6.x default)", test_traces_ftrace_5col);
	tests_add(s, "ftrace: 4-column irq flags (older kernels)", test_traces_ftrace_4col);
	tests_add(s, "ftrace: no irq-info column", test_traces_ftrace_nocol);
	tests_add(s, "ftrace: record-tgid column", test_traces_ftrace_tgid);
	tests_add(s, "ftrace: comms with '-', spaces, '/', ':', <...>", test_traces_ftrace_comms);
	tests_add(s, "ftrace: x86-tsc integer clock kept as ticks", test_traces_ftrace_tsc);
	tests_add(s, "ftrace: trace_pipe lost-event lines counted", test_traces_ftrace_lost);
	tests_add(s, "ftrace: overwritten entries from the header", test_traces_ftrace_overwritten);
	tests_add(s, "trace-cmd report: default", test_traces_tracecmd_default);
	tests_add(s, "trace-cmd report -R: raw fields, hex gfp", test_traces_tracecmd_raw);
	tests_add(s, "trace-cmd report -l: latency format", test_traces_tracecmd_latency);
	tests_add(s, "trace-cmd report -t: ns timestamps", test_traces_tracecmd_ns);
	tests_add(s, "trace-cmd report of an instance buffer", test_traces_tracecmd_instance);
	tests_add(s, "perf script: comm tid", test_traces_perf);
	tests_add(s, "perf script: comm pid/tid", test_traces_perf_pidtid);
	tests_add(s, "perf script -g: callchains skipped", test_traces_perf_callchain);
	tests_add(s, "every layout gives the same extfrag fields", test_traces_extfrag_fields);
	tests_add(s, "extfrag: fragmenting computed, classes counted", test_traces_extfrag_classes);
	tests_add(s, "old kernels: decimal pfn, no flags column", test_traces_decimal_pfn);

	s = tests_add_suite("traces: gfp");
	tests_add(s, "gfp: names and kernel hex map to our bits", test_traces_gfp_names);
	tests_add(s, "gfp: malformed values are rejected", test_traces_gfp_bad);
	tests_add(s, "gfp: formatting round-trips through parsing", test_traces_gfp_format);

	s = tests_add_suite("traces: trace.dat and real captures");
	tests_add(s, "trace.dat v7 zstd sections: trace-cmd's counts", test_traces_dat_v7_zstd);
	tests_add(s, "trace.dat v6 inside a zstd file: same counts", test_traces_dat_v6_in_zstd);
	tests_add(s, "trace.dat v6/v7 read directly: exactly libtracecmd's records",
		  test_traces_dat_direct);
	tests_add(s, "trace.dat with time-shifting options: read through libtracecmd",
		  test_traces_dat_fallback);
	tests_add(s, "trace.dat truncated: error, no crash", test_traces_dat_truncated);
	tests_add(s, "trace.dat with random bytes changed: error, no crash", test_traces_dat_fuzz);
	tests_add(s, "sample dd: dat, ftrace text, report agree", test_traces_sample_dd);
	tests_add(s, "sample cc: dat, ftrace text, report agree", test_traces_sample_cc);
	tests_add(s, "sample tar: dat, ftrace text, report agree", test_traces_sample_tar);

	s = tests_add_suite("traces: compression and binary format");
	tests_add(s, "gzip and zstd inputs read the same events", test_traces_gzip_zstd);
	tests_add(s, "binary format round-trips every field", test_traces_native_roundtrip);

	s = tests_add_suite("traces: hostile input");
	tests_add(s, "bad inputs fail with file:line and a reason", test_traces_bad_inputs);
	tests_add(s, "a missing file is an IO error", test_traces_missing_file);
	tests_add(s, "unknown events are counted as other, with a warning",
		  test_traces_warn_unknown_event);
	tests_add(s, "time backwards across CPUs is a warning", test_traces_warn_cross_cpu);
	tests_add(s, "random corruption never crashes", test_traces_fuzz);

	s = tests_add_suite("traces: CLI");
	tests_add(s, "trace stats --json: events, extfrag, allocs_by_order",
		  test_traces_cli_stats_json);
	tests_add(s, "trace stats: text report with labels", test_traces_cli_stats_text);
	tests_add(s, "trace stats: bad input exits 2 with the reason", test_traces_cli_bad_input);
	tests_add(s, "trace: usage errors exit 2, --help 0", test_traces_cli_usage);
	tests_add(s, "trace convert: same stats, atomic on failure", test_traces_cli_convert);
}
