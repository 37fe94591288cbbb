// SPDX-License-Identifier: GPL-2.0-only
/*
 * Studies: the statistics against published values, the table against a
 * golden file, 'check' exit codes, emit-jobs + merge equal to the
 * in-process compare, and determinism across thread counts.
 */
#include <math.h>
#include <string.h>
#include <sys/wait.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include "helpers.h"
#include "sim/report.h"
#include "sim/stats.h"
#include "sim/table.h"

#define NEAR(a, b, tol)	CU_ASSERT(fabs((a) - (b)) <= (tol))

static void summarize(const double *x, size_t n, struct stats_summary *s)
{
	stats_summarize(x, n, STATS_LEVEL, s);
}

/* Student t quantiles against the printed tables (t_{0.975, df}). */
static void test_stats_t_quantiles(void)
{
	static const struct { double df, t; } table[] = {
		{ 1, 12.706 }, { 2, 4.303 }, { 4, 2.776 }, { 9, 2.262 }, { 29, 2.045 },
		{ 1000, 1.962 },
	};

	for (size_t i = 0; i < G_N_ELEMENTS(table); i++)
		NEAR(stats_t_quantile(0.975, table[i].df), table[i].t, 0.0006);
	NEAR(stats_t_quantile(0.95, 10), 1.812, 0.0006);
	/* the two-sided tail of the 97.5% quantile is 5% */
	NEAR(stats_t_two_sided_p(2.262157, 9), 0.05, 1e-6);
}

/*
 * Welch's t-test, the three examples of Wikipedia's "Welch's t-test"
 * article (t, df, p rounded there to 2, 2 and 3 digits).
 */
static void test_stats_welch_textbook(void)
{
	static const double a1[] = { 27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1, 21.9, 22.6,
				     23.1, 19.6, 19.0, 21.7, 21.4 };
	static const double a2[] = { 27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0, 24.8, 20.2,
				     21.9, 22.1, 22.9, 20.5, 24.4 };
	static const double b1[] = { 17.2, 20.9, 22.6, 18.1, 21.7, 21.4, 23.5, 24.2, 14.7, 21.8 };
	static const double b2[] = { 21.5, 22.8, 21.0, 23.0, 21.6, 23.6, 22.5, 20.7, 23.4, 21.8,
				     20.7, 21.7, 21.5, 22.5, 23.6, 21.5, 22.5, 23.5, 21.5, 21.8 };
	static const double c1[] = { 19.8, 20.4, 19.6, 17.8, 18.5, 18.9, 18.3, 18.9, 19.5, 22.0 };
	static const double c2[] = { 28.2, 26.6, 20.1, 23.3, 25.2, 22.1, 17.7, 27.6, 20.6, 13.7,
				     23.2, 17.5, 20.6, 18.0, 23.9, 21.6, 24.3, 20.4, 23.9, 13.3 };
	struct stats_summary s1, s2;
	struct stats_comparison c;

	/* t = (mean1 - mean2) / se: sample 1 compared with baseline 2 */
	summarize(a1, G_N_ELEMENTS(a1), &s1);
	summarize(a2, G_N_ELEMENTS(a2), &s2);
	stats_compare(&s2, &s1, STATS_ALPHA, &c);
	ASSERT_EQ(c.test, STATS_TEST_WELCH);
	NEAR(c.t, -2.46, 0.005);
	NEAR(c.df, 24.99, 0.005);
	NEAR(c.p, 0.021, 0.0005);
	CU_ASSERT(c.welch_significant);

	summarize(b1, G_N_ELEMENTS(b1), &s1);
	summarize(b2, G_N_ELEMENTS(b2), &s2);
	stats_compare(&s2, &s1, STATS_ALPHA, &c);
	NEAR(c.t, -1.57, 0.005);
	NEAR(c.df, 9.90, 0.01);
	NEAR(c.p, 0.149, 0.0005);
	CU_ASSERT(!c.welch_significant);

	summarize(c1, G_N_ELEMENTS(c1), &s1);
	summarize(c2, G_N_ELEMENTS(c2), &s2);
	stats_compare(&s2, &s1, STATS_ALPHA, &c);
	NEAR(c.t, -2.23, 0.005);
	NEAR(c.df, 24.52, 0.01);
	NEAR(c.p, 0.035, 0.0006);
	CU_ASSERT(c.welch_significant);
}

/* Mean, sample stddev, CoeffVar and the t interval of a small sample. */
static void test_stats_summary(void)
{
	static const double x[] = { 2, 4, 4, 4, 5, 5, 7, 9 };
	static const double two[] = { 1, 3 };
	struct stats_summary s;

	summarize(x, G_N_ELEMENTS(x), &s);
	ASSERT_EQ(s.n, 8);
	NEAR(s.mean, 5.0, 1e-12);
	NEAR(s.stddev, sqrt(32.0 / 7.0), 1e-12);
	NEAR(s.cov_pct, 100.0 * sqrt(32.0 / 7.0) / 5.0, 1e-9);
	NEAR(s.median, 4.0, 0);		/* lower median */
	NEAR(s.min, 2, 0);
	NEAR(s.max, 9, 0);
	CU_ASSERT(s.has_ci);
	NEAR(s.ci_half, 2.364624 * sqrt(32.0 / 7.0) / sqrt(8.0), 1e-5);

	/* n = 2: one degree of freedom, t = 12.706 */
	summarize(two, 2, &s);
	NEAR(s.mean, 2.0, 0);
	NEAR(s.ci_half, 12.7062, 1e-3);
	NEAR(s.ci_lo, 2.0 - 12.7062, 1e-3);
	NEAR(s.ci_hi, 2.0 + 12.7062, 1e-3);
}

/* n = 1 and n = 0: no interval, no test, nothing NaN. */
static void test_stats_tiny_samples(void)
{
	static const double one[] = { 42 };
	static const double many[] = { 40, 41, 43 };
	struct stats_summary s1, s3, s0;
	struct stats_comparison c;

	summarize(one, 1, &s1);
	CU_ASSERT(!s1.has_ci);
	NEAR(s1.mean, 42, 0);
	NEAR(s1.stddev, 0, 0);
	NEAR(s1.cov_pct, 0, 0);
	NEAR(s1.ci_lo, 42, 0);
	NEAR(s1.ci_hi, 42, 0);
	summarize(many, 3, &s3);
	stats_compare(&s1, &s3, STATS_ALPHA, &c);
	ASSERT_EQ(c.test, STATS_TEST_NONE);
	CU_ASSERT(!c.welch_significant);
	CU_ASSERT(!c.ci_disjoint);
	NEAR(c.p, 1.0, 0);
	CU_ASSERT(c.has_diff_pct);
	NEAR(c.diff_pct, 100.0 * (124.0 / 3.0 - 42.0) / 42.0, 1e-9);
	CU_ASSERT(isfinite(c.t) && isfinite(c.df));

	summarize(NULL, 0, &s0);
	ASSERT_EQ(s0.n, 0);
	CU_ASSERT(!s0.has_ci);
	CU_ASSERT(isfinite(s0.mean) && isfinite(s0.stddev));
}

/* Identical runs: significant exactly when the means differ. */
static void test_stats_zero_variance(void)
{
	static const double five[] = { 5, 5, 5 };
	static const double six[] = { 6, 6, 6, 6 };
	static const double zero[] = { 0, 0, 0 };
	static const double spread[] = { 4, 5, 6 };
	struct stats_summary a, b, z, s;
	struct stats_comparison c;

	summarize(five, 3, &a);
	summarize(six, 4, &b);
	summarize(zero, 3, &z);
	summarize(spread, 3, &s);
	NEAR(a.stddev, 0, 0);
	NEAR(a.mean, 5, 0);
	NEAR(a.ci_half, 0, 0);
	NEAR(a.cov_pct, 0, 0);

	stats_compare(&a, &a, STATS_ALPHA, &c);
	ASSERT_EQ(c.test, STATS_TEST_EXACT);
	CU_ASSERT(!c.welch_significant);
	CU_ASSERT(!c.ci_disjoint);
	NEAR(c.p, 1, 0);
	NEAR(c.diff_pct, 0, 0);

	stats_compare(&a, &b, STATS_ALPHA, &c);
	ASSERT_EQ(c.test, STATS_TEST_EXACT);
	CU_ASSERT(c.welch_significant);
	CU_ASSERT(c.ci_disjoint);
	NEAR(c.p, 0, 0);
	NEAR(c.diff_pct, 20, 1e-12);

	/* one side varies: an ordinary Welch test, finite */
	stats_compare(&a, &s, STATS_ALPHA, &c);
	ASSERT_EQ(c.test, STATS_TEST_WELCH);
	NEAR(c.t, 0, 0);
	NEAR(c.p, 1, 1e-12);
	NEAR(c.df, 2, 1e-12);

	/* a zero baseline: no percentage, but still a test */
	stats_compare(&z, &a, STATS_ALPHA, &c);
	CU_ASSERT(!c.has_diff_pct);
	CU_ASSERT(c.welch_significant);
	stats_compare(&z, &z, STATS_ALPHA, &c);
	CU_ASSERT(c.has_diff_pct);
	NEAR(c.diff_pct, 0, 0);
}

/* ---- the table ---- */

static struct table_cell cell_of(const double *x, size_t n)
{
	struct table_cell c = { .present = n > 0 };

	stats_summarize(x, n, STATS_LEVEL, &c.s);
	return c;
}

static void compare_cells(struct table_cell *cells, size_t nc, const size_t *baseline)
{
	for (size_t c = 0; c < nc; c++)
		if (baseline[c] != c)
			stats_compare(&cells[baseline[c]].s, &cells[c].s, STATS_ALPHA, &cells[c].c);
}

static void check_golden(const char *name, const char *text)
{
	g_autofree char *path = g_build_filename(tests_data_dir(), "expected", name, NULL);
	g_autofree char *expected = NULL;

	CU_ASSERT(table_is_mail_clean(text));
	if (g_getenv("ACCEPTSIM_UPDATE_GOLDEN"))
		CU_ASSERT_FATAL(g_file_set_contents(path, text, -1, NULL));
	CU_ASSERT_FATAL(g_file_get_contents(path, &expected, NULL, NULL));
	CU_ASSERT_STRING_EQUAL(text, expected);
}

/*
 * Fixed synthetic aggregates: four configurations (two blocks at 80
 * columns), a significant and an insignificant change, zero variance,
 * a zero baseline, n = 1 and a missing metric.
 */
static void test_table_golden(void)
{
	static const double boot_a[] = { 18.9, 19.0, 19.1 }, boot_b[] = { 9.8, 9.9, 9.7 };
	static const double boot_c[] = { 18.0, 20.5, 19.0 }, boot_d[] = { 10.0 };
	static const double ext_a[] = { 14, 14, 14 }, ext_b[] = { 14, 14, 14 };
	static const double ext_c[] = { 15, 15, 15 }, ext_d[] = { 30 };
	static const double stall_a[] = { 0, 0, 0 }, stall_b[] = { 0, 0, 0 };
	static const double stall_c[] = { 69.04, 69.04, 70.0 }, stall_d[] = { 12.5 };
	static const double big_a[] = { 17179475968.0, 17179475968.0, 17179475968.0 };
	static const double big_b[] = { 2415525888.0, 2415525888.0, 2415525888.0 };
	static const double big_c[] = { 2744778752.0, 2744778752.0, 2744778752.0 };
	static const size_t base[] = { 0, 0, 0, 0 };
	static const char *const names[] = { "eager", "lazy", "watermark", "a-very-long-name" };
	static const char *const title[] = { "Synthetic: 4 configurations, 3 runs (1 for the last).",
					     NULL };
	static const char *const footer[] = { "Configurations: synthetic.", NULL };
	struct table_cell boot[4], ext[4], stall[4], big[4], missing[4];
	struct table_row rows[5];
	struct table t = { 0 };
	g_autoptr(GString) out = g_string_new(NULL);

	boot[0] = cell_of(boot_a, 3);
	boot[1] = cell_of(boot_b, 3);
	boot[2] = cell_of(boot_c, 3);
	boot[3] = cell_of(boot_d, 1);
	ext[0] = cell_of(ext_a, 3);
	ext[1] = cell_of(ext_b, 3);
	ext[2] = cell_of(ext_c, 3);
	ext[3] = cell_of(ext_d, 1);
	stall[0] = cell_of(stall_a, 3);
	stall[1] = cell_of(stall_b, 3);
	stall[2] = cell_of(stall_c, 3);
	stall[3] = cell_of(stall_d, 1);
	big[0] = cell_of(big_a, 3);
	big[1] = cell_of(big_b, 3);
	big[2] = cell_of(big_c, 3);
	big[3] = cell_of(NULL, 0);
	for (int i = 0; i < 4; i++)
		missing[i] = cell_of(i == 1 ? ext_b : NULL, i == 1 ? 3 : 0);
	compare_cells(boot, 4, base);
	compare_cells(ext, 4, base);
	compare_cells(stall, 4, base);
	compare_cells(big, 4, base);
	compare_cells(missing, 4, base);
	rows[0] = (struct table_row){ "Boot time (s)", boot };
	rows[1] = (struct table_row){ "Page alloc extfrag event", ext };
	rows[2] = (struct table_row){ "Accept stall p99 (ms)", stall };
	rows[3] = (struct table_row){ "Accepted bytes", big };
	rows[4] = (struct table_row){ "Only in lazy", missing };
	t.title = title;
	t.col_names = names;
	t.nr_cols = 4;
	t.rows = rows;
	t.nr_rows = 5;
	t.mark = TABLE_MARK_WELCH;
	t.footer = footer;
	table_render(&t, out);
	check_golden("table-welch.txt", out->str);

	/* the same aggregates, marked by CI overlap and grouped like a sweep */
	{
		static const size_t g1[] = { 0, 1 }, g2[] = { 2, 3 };
		const struct table_group groups[] = {
			{ "mem=4G", g1, 2 }, { "mem=16G", g2, 2 },
		};
		static const size_t gbase[] = { 0, 0, 2, 2 };
		g_autoptr(GString) out2 = g_string_new(NULL);

		compare_cells(boot, 4, gbase);
		compare_cells(ext, 4, gbase);
		compare_cells(stall, 4, gbase);
		compare_cells(big, 4, gbase);
		compare_cells(missing, 4, gbase);
		t.groups = groups;
		t.nr_groups = 2;
		t.mark = TABLE_MARK_CI;
		t.title = NULL;
		t.footer = NULL;
		table_render(&t, out2);
		check_golden("table-ci-groups.txt", out2->str);
	}
}

static void test_table_mail_clean(void)
{
	g_autoptr(GString) s = g_string_new(NULL);

	CU_ASSERT(table_is_mail_clean("a\nb\n"));
	CU_ASSERT(!table_is_mail_clean("a \n"));
	CU_ASSERT(!table_is_mail_clean("a\tb\n"));
	table_wrap(s, "  name: ", "      ", "word word word word word word word word word word word "
		   "word word word word word word word word word word word word word word");
	CU_ASSERT(table_is_mail_clean(s->str));
	CU_ASSERT(g_str_has_prefix(s->str, "  name: word"));
	CU_ASSERT_PTR_NOT_NULL(strstr(s->str, "\n      word"));
}

/* ---- the commands ---- */

static char *tmp_dir(void)
{
	char *d = g_dir_make_tmp("acceptsim-study-XXXXXX", NULL);

	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	return d;
}

/* Remove the temporary directory a test made, and what it wrote there. */
static void remove_tree(const char *dir)
{
	GDir *d = g_dir_open(dir, 0, NULL);
	const char *name;

	while (d && (name = g_dir_read_name(d))) {
		g_autofree char *p = g_build_filename(dir, name, NULL);

		if (g_file_test(p, G_FILE_TEST_IS_DIR) && !g_file_test(p, G_FILE_TEST_IS_SYMLINK))
			remove_tree(p);
		else
			g_unlink(p);
	}
	if (d)
		g_dir_close(d);
	g_rmdir(dir);
}

static char *read_file(const char *dir, const char *name)
{
	g_autofree char *path = g_build_filename(dir, name, NULL);
	char *s = NULL;

	CU_ASSERT(g_file_get_contents(path, &s, NULL, NULL));
	return s ? s : g_strdup("");
}

/* The "aggregates" member of results.json, serialised. */
static char *aggregates_of(const char *dir, const char *name)
{
	g_autofree char *text = read_file(dir, name);
	g_autoptr(JsonParser) p = json_parser_new();
	g_autoptr(JsonGenerator) gen = json_generator_new();
	JsonObject *o;

	if (!json_parser_load_from_data(p, text, -1, NULL))
		return g_strdup("(bad JSON)");
	o = json_node_get_object(json_parser_get_root(p));
	json_generator_set_root(gen, json_object_get_member(o, "aggregates"));
	return json_generator_to_data(gen, NULL);
}

#define SMALL_STUDY "--workload", "random", "--wl", "ops=2000", "--mem", "256M", \
	"--config", "wm:policy=watermark", "--config", "lazy:policy=lazy,kernel=6.5", \
	"--config", "nopcp:policy=eager,pcp=false", "--runs", "3", "--seed-base", "3"

static void test_compare_threads_deterministic(void)
{
	g_autofree char *dir = tmp_dir();
	g_autofree char *d1 = g_build_filename(dir, "t1", NULL);
	g_autofree char *d2 = g_build_filename(dir, "t2", NULL);
	g_autofree char *o1 = NULL, *o2 = NULL, *e1 = NULL, *e2 = NULL;
	g_autofree char *r1 = NULL, *r2 = NULL, *s1 = NULL, *s2 = NULL;

	ASSERT_EQ(tests_run_acceptsim((const char *const[]){ "compare", SMALL_STUDY, "--threads", "1",
						 "--plot-format", "none", "--out", d1, NULL },
			  &o1, &e1), 0);
	ASSERT_EQ(tests_run_acceptsim((const char *const[]){ "compare", SMALL_STUDY, "--threads", "2",
						 "--plot-format", "none", "--out", d2, NULL },
			  &o2, &e2), 0);
	r1 = read_file(d1, "results.json");
	r2 = read_file(d2, "results.json");
	s1 = read_file(d1, "summary.txt");
	s2 = read_file(d2, "summary.txt");
	CU_ASSERT(strlen(r1) > 1000);
	CU_ASSERT_STRING_EQUAL(r1, r2);
	CU_ASSERT_STRING_EQUAL(s1, s2);
	/* stdout carries the same table; it pastes into a mail */
	CU_ASSERT(g_str_has_prefix(o1, s1));
	CU_ASSERT(table_is_mail_clean(s1));
	CU_ASSERT_PTR_NOT_NULL(strstr(s1, "Page alloc extfrag event"));
	CU_ASSERT_PTR_NOT_NULL(strstr(r1, "\"schema\" : \"acceptsim-results/1\""));
	/* quiet stderr when it is not a terminal */
	CU_ASSERT_STRING_EQUAL(e1, "");
	remove_tree(dir);
}

/* Run a jobs file as a shell script, one job after the other, as 'sh FILE' would. */
static bool run_jobs(const char *jobs_file)
{
	const char *argv[] = { "/bin/sh", "-e", jobs_file, NULL };
	int status = -1;

	return g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL, NULL,
			    &status, NULL) && WIFEXITED(status) && !WEXITSTATUS(status);
}

static void test_emit_jobs_merge_equal(void)
{
	g_autofree char *dir = tmp_dir();
	g_autofree char *inproc = g_build_filename(dir, "inproc", NULL);
	g_autofree char *split = g_build_filename(dir, "split", NULL);
	g_autofree char *runs = g_build_filename(split, "runs", NULL);
	g_autofree char *jobs_file = g_build_filename(dir, "jobs.txt", NULL);
	g_autofree char *out = NULL, *err = NULL, *jobs = NULL, *a = NULL, *b = NULL;
	g_autofree char *ra = NULL, *rb = NULL;

	ASSERT_EQ(tests_run_acceptsim((const char *const[]){ "compare", SMALL_STUDY, "--sweep", "cpus=1,2",
						 "--plot-format", "none", "--out", inproc, NULL },
			  &out, &err), 0);
	g_clear_pointer(&out, g_free);
	g_clear_pointer(&err, g_free);
	ASSERT_EQ(tests_run_acceptsim((const char *const[]){ "compare", SMALL_STUDY, "--sweep", "cpus=1,2",
						 "--emit-jobs", jobs_file, "--out", split, NULL },
			  &out, &err), 0);
	CU_ASSERT_FATAL(g_file_get_contents(jobs_file, &jobs, NULL, NULL));
	/* 3 configurations x 2 sweep values x 3 seeds, one line each */
	{
		g_auto(GStrv) lines = g_strsplit(jobs, "\n", -1);

		ASSERT_EQ(g_strv_length(lines), 18 + 1);
		CU_ASSERT_PTR_NOT_NULL(strstr(lines[0], " run "));
		CU_ASSERT_PTR_NOT_NULL(strstr(lines[0], "--tag wm/cpus=1"));
		CU_ASSERT_PTR_NOT_NULL(strstr(lines[0], "--seed 3 "));
		CU_ASSERT_PTR_NOT_NULL(strstr(lines[0], "--json"));
	}
	CU_ASSERT_FATAL(run_jobs(jobs_file));
	g_clear_pointer(&out, g_free);
	g_clear_pointer(&err, g_free);
	ASSERT_EQ(tests_run_acceptsim((const char *const[]){ "merge", runs, "--out", split,
						      "--plot-format", "none", NULL }, &out, &err), 0);
	a = aggregates_of(inproc, "results.json");
	b = aggregates_of(split, "results.json");
	CU_ASSERT(strlen(a) > 1000);
	CU_ASSERT_STRING_EQUAL(a, b);
	/* the whole file, in fact, and the table */
	ra = read_file(inproc, "results.json");
	rb = read_file(split, "results.json");
	CU_ASSERT_STRING_EQUAL(ra, rb);
	g_free(ra);
	g_free(rb);
	ra = read_file(inproc, "summary.txt");
	rb = read_file(split, "summary.txt");
	CU_ASSERT_STRING_EQUAL(ra, rb);
	remove_tree(dir);
}

/* A minimal results.json: one configuration "x" with these extfrag.events. */
static char *write_results(const char *dir, const char *name, const char *schema,
			   const double *v, size_t n)
{
	g_autoptr(GString) s = g_string_new(NULL);
	char *path = g_build_filename(dir, name, NULL);

	g_string_append_printf(s, "{\"schema\": \"%s\", \"study\": {\"runs\": %zu, \"seed_base\": 1,"
			       " \"configs\": [{\"name\": \"x\"}]}, \"runs\": [", schema, n);
	for (size_t i = 0; i < n; i++)
		g_string_append_printf(s, "%s{\"config\": \"x\", \"seed\": %zu, \"values\": "
				       "{\"extfrag.events\": %g}}", i ? ", " : "", i + 1, v[i]);
	g_string_append(s, "]}\n");
	CU_ASSERT(g_file_set_contents(path, s->str, -1, NULL));
	return path;
}

static int check(const char *base, const char *cur, const char *metric, const char *extra,
		 char **out, char **err)
{
	return tests_run_acceptsim((const char *const[]){ "check", "--baseline", base, "--current", cur,
					      "--metric", metric, "--max-regression", "5%",
					      extra ? extra : NULL, NULL }, out, err);
}

static void test_check_exit_codes(void)
{
	static const double old[] = { 10, 11, 9, 10, 10 };
	static const double same[] = { 10, 10, 11, 9, 10 };
	static const double worse[] = { 15, 16, 14, 15, 15 };
	static const double slightly[] = { 10.2, 10.3, 10.1, 10.2, 10.2 };
	g_autofree char *dir = tmp_dir();
	g_autofree char *p_old = write_results(dir, "old.json", "acceptsim-results/1", old, 5);
	g_autofree char *p_same = write_results(dir, "same.json", "acceptsim-results/1", same, 5);
	g_autofree char *p_worse = write_results(dir, "worse.json", "acceptsim-results/1", worse, 5);
	g_autofree char *p_slight = write_results(dir, "slight.json", "acceptsim-results/1",
						  slightly, 5);
	g_autofree char *p_schema = write_results(dir, "v2.json", "acceptsim-results/2", old, 5);
	g_autofree char *p_bad = g_build_filename(dir, "bad.json", NULL);
	g_autofree char *p_missing = g_build_filename(dir, "missing.json", NULL);
	struct { const char *base, *cur, *metric, *extra; int code; const char *needle; } cases[] = {
		{ p_old, p_same, "extfrag.events", NULL, 0, "ok" },
		{ p_old, p_worse, "extfrag.events", NULL, 1, "REGRESSION" },
		{ p_worse, p_old, "extfrag.events", NULL, 0, "ok" },
		{ p_old, p_worse, "extfrag.events", "--higher-is-better", 0, "ok" },
		{ p_worse, p_old, "extfrag.events", "--higher-is-better", 1, "REGRESSION" },
		/* +2%, below the allowed 5% */
		{ p_old, p_slight, "extfrag.events", NULL, 0, "ok" },
		{ p_old, p_missing, "extfrag.events", NULL, 2, "missing.json" },
		{ p_old, p_bad, "extfrag.events", NULL, 2, "not valid JSON" },
		{ p_old, p_worse, "extfrag.nope", NULL, 2, "unknown metric" },
		{ p_old, p_schema, "extfrag.events", NULL, 2, "acceptsim-results/2" },
	};

	CU_ASSERT(g_file_set_contents(p_bad, "{ \"schema\": ", -1, NULL));
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *out = NULL, *err = NULL;
		int code = check(cases[i].base, cases[i].cur, cases[i].metric, cases[i].extra,
				 &out, &err);
		const char *text = code == 2 ? err : out;

		ASSERT_EQ(code, cases[i].code);
		CU_ASSERT_PTR_NOT_NULL(strstr(text, cases[i].needle));
		/* one line */
		CU_ASSERT(strchr(text, '\n') && !strchr(strchr(text, '\n') + 1, '\n'));
	}
	remove_tree(dir);
}

static void test_compare_bad_input(void)
{
	static const char *const cases[][6] = {
		{ "compare", "--config", "a:colour=red", NULL },
		{ "compare", "--config", "a b:policy=eager", NULL },
		{ "compare", "--config", "a:seed=4", NULL },
		{ "compare", "--config", "a", "--config", "a", NULL },
		{ "compare", "--sweep", "mem", NULL },
		{ "compare", "--runs", "0", NULL },
		{ "compare", "--config", "a:mem=3X", NULL },
		{ "compare", "--plot-format", "gif", NULL },
	};
	static const char *const needles[] = {
		"colour", "name", "seed", "twice", "--sweep", "--runs", "mem", "gif",
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *out = NULL, *err = NULL;

		ASSERT_EQ(tests_run_acceptsim(cases[i], &out, &err), 2);
		CU_ASSERT_PTR_NOT_NULL(strstr(err, needles[i]));
		CU_ASSERT(strchr(err, '\n') && !strchr(strchr(err, '\n') + 1, '\n'));
	}
}

/* Without gnuplot the scripts and data are still written, with a hint. */
static void test_compare_plots_without_gnuplot(void)
{
	g_autofree char *dir = tmp_dir();
	g_autofree char *out = NULL, *err = NULL;
	static const char *const files[] = {
		"plots/accepted-memory.gp", "plots/accepted-memory.dat", "plots/extfrag-events.gp",
		"plots/extfrag-events.dat", "plots/pageblock-mixing.gp", "plots/freelist-wm.gp",
		"plots/freelist-wm.dat", "metrics/extfrag.events.csv", "metrics/extfrag.events.dat",
	};
	g_autofree char *csv = NULL;
	const char *argv[] = { tests_acceptsim_path(), "compare", "--workload", "random", "--wl",
			       "ops=2000", "--mem", "256M", "--config", "wm:policy=watermark",
			       "--runs", "2", "--out", dir, NULL };
	g_auto(GStrv) env = g_environ_setenv(g_get_environ(), "ACCEPTSIM_GNUPLOT", "", TRUE);
	int status = -1;

	CU_ASSERT_FATAL(g_spawn_sync(NULL, (char **)argv, env, G_SPAWN_DEFAULT, NULL, NULL, &out,
				     &err, &status, NULL));
	ASSERT_EQ(WIFEXITED(status) ? WEXITSTATUS(status) : -1, 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "gnuplot not found"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "gnuplot \"$f\""));
	for (size_t i = 0; i < G_N_ELEMENTS(files); i++) {
		g_autofree char *p = g_build_filename(dir, files[i], NULL);

		CU_ASSERT(g_file_test(p, G_FILE_TEST_IS_REGULAR));
	}
	{
		g_autofree char *png = g_build_filename(dir, "plots/extfrag-events.png", NULL);

		CU_ASSERT(!g_file_test(png, G_FILE_TEST_EXISTS));
	}
	csv = read_file(dir, "metrics/extfrag.events.csv");
	CU_ASSERT(g_str_has_prefix(csv, "config,seed,value\n\"wm\",1,"));
	remove_tree(dir);
}

/*
 * Every double acceptsim writes reads back as the same double: json-glib
 * prints 1e+308 as "1e+308.0", which is not JSON (found by fuzzing
 * results.json); json_to_string_nl() mends the numbers, not the strings.
 */
static void test_json_doubles_read_back(void)
{
	static const double v[] = { 1e308, 1e-05, -2e+20, 2.5e+20, 0.5, 3.0, 123456789.0,
				    4.9406564584124654e-324 };
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(JsonNode) root = NULL;
	g_autoptr(JsonParser) p = json_parser_new();
	g_autofree char *text = NULL;
	JsonArray *a;
	const char *str = "1e+308.0 \"2e+5.0\" \\";

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "s");
	json_builder_add_string_value(b, str);
	json_builder_set_member_name(b, "v");
	json_builder_begin_array(b);
	for (size_t i = 0; i < G_N_ELEMENTS(v); i++)
		json_builder_add_double_value(b, v[i]);
	json_builder_end_array(b);
	json_builder_end_object(b);
	root = json_builder_get_root(b);
	text = json_to_string_nl(root);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "1e+308,"));
	CU_ASSERT_PTR_NULL(strstr(text, "e+308.0,"));
	CU_ASSERT_FATAL(json_parser_load_from_data(p, text, -1, NULL));
	CU_ASSERT_STRING_EQUAL(json_object_get_string_member(
		json_node_get_object(json_parser_get_root(p)), "s"), str);
	a = json_object_get_array_member(json_node_get_object(json_parser_get_root(p)), "v");
	CU_ASSERT_FATAL(json_array_get_length(a) == G_N_ELEMENTS(v));
	for (size_t i = 0; i < G_N_ELEMENTS(v); i++)
		CU_ASSERT(json_array_get_double_element(a, (guint)i) == v[i]);
}

void tests_register(void)
{
	CU_pSuite s = tests_add_suite("study");

	tests_add(s, "stats: t quantiles match the printed tables", test_stats_t_quantiles);
	tests_add(s, "results.json: every double reads back, 1e+308 too",
		  test_json_doubles_read_back);
	tests_add(s, "stats: Welch t, df and p of the textbook examples", test_stats_welch_textbook);
	tests_add(s, "stats: mean, stddev, CoeffVar and t interval", test_stats_summary);
	tests_add(s, "stats: n=1 and n=0 give no interval, no test, no NaN",
		  test_stats_tiny_samples);
	tests_add(s, "stats: zero variance is significant iff the means differ",
		  test_stats_zero_variance);
	tests_add(s, "table: layout matches the golden files", test_table_golden);
	tests_add(s, "table: wrapping keeps lines mail-clean", test_table_mail_clean);
	tests_add(s, "compare: --threads 1 and 2 write identical bytes",
		  test_compare_threads_deterministic);
	tests_add(s, "compare: emit-jobs, run, merge equals the in-process study",
		  test_emit_jobs_merge_equal);
	tests_add(s, "check: exit 0 pass, 1 regression, 2 bad input", test_check_exit_codes);
	tests_add(s, "compare: bad configurations exit 2 with one line", test_compare_bad_input);
	tests_add(s, "compare: without gnuplot, scripts and data are written",
		  test_compare_plots_without_gnuplot);
}
