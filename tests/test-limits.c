// SPDX-License-Identifier: GPL-2.0-only
/*
 * Resource limits (sim/limits.c): the simulator-memory estimate of a run
 * and --max-mem, which refuses a guest too big for this machine up front
 * instead of swapping or being OOM-killed, for run, replay and scenarios.
 */
#include <string.h>
#include <sys/wait.h>
#include <glib/gstdio.h>
#include "helpers.h"
#include "sim/cli.h"
#include "sim/runlimits.h"
#include "sim/runspec.h"

/* Exit 2 with @needle on stderr, one line, nothing on stdout. */
static void expect_refused(const char *const *args, const char *needle)
{
	g_autofree char *out = NULL, *err = NULL;

	ASSERT_EQ(tests_run_acceptsim(args, &out, &err), 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, needle));
	if (!strstr(err, needle))
		fprintf(stderr, "expected '%s' in: %s", needle, err);
	CU_ASSERT_STRING_EQUAL(out, "");
	CU_ASSERT_PTR_NULL(strchr(strchr(err, '\n') + 1, '\n'));
}

static void test_limits_estimate(void)
{
	struct run_spec rs;
	struct mem_estimate est, no_reclaim;
	uint64_t pages;

	run_spec_init(&rs);
	CU_ASSERT_FATAL(run_spec_set(&rs, "mem", "1024G", NULL));
	run_spec_mem_estimate(&rs, &est);
	/* 2 GiB below the PCI hole, 1022 GiB from 4 GiB on: 1026 GiB spanned */
	pages = 1026ULL << (30 - PAGE_SHIFT);
	ASSERT_EQ(est.spanned_pages, pages);
	/* 16 bytes per page for the arrays, 10 more with reclaim, default 1e6 slots */
	CU_ASSERT(est.page_arrays >= pages * 16 && est.page_arrays < pages * 17);
	ASSERT_EQ(est.reclaim, pages * 10);
	ASSERT_EQ(est.slots, 1000001);
	CU_ASSERT(est.total > (6ULL << 30) && est.total < (7ULL << 30));

	CU_ASSERT_FATAL(run_spec_set(&rs, "reclaim", "false", NULL));
	run_spec_mem_estimate(&rs, &no_reclaim);
	ASSERT_EQ(no_reclaim.reclaim, 0);
	ASSERT_EQ(no_reclaim.total, est.total - est.reclaim);

	/* page cache keeps a slot per request: ops count, not pages */
	CU_ASSERT_FATAL(run_spec_set(&rs, "mem", "1G", NULL));
	CU_ASSERT_FATAL(run_spec_set(&rs, "wl.file", "0.5", NULL));
	CU_ASSERT_FATAL(run_spec_set(&rs, "wl.ops", "4000000000", NULL));
	run_spec_mem_estimate(&rs, &est);
	ASSERT_EQ(est.slots, 4000000001ULL);
	CU_ASSERT(est.slot_state >= est.slots * 17);

	/* a trace or another workload: up to one live slot per page */
	CU_ASSERT_FATAL(run_spec_set(&rs, "workload", "trace", NULL));
	run_spec_mem_estimate(&rs, &est);
	ASSERT_EQ(est.slots, est.spanned_pages);

	/* sizes pgdat_create() refuses are left to it */
	CU_ASSERT_FATAL(run_spec_set(&rs, "mem", "17T", NULL));
	run_spec_mem_estimate(&rs, &est);
	ASSERT_EQ(est.spanned_pages, 0);
	rs.max_mem_bytes = 1;
	CU_ASSERT(run_spec_check_mem(&rs, NULL));
	run_spec_clear(&rs);
}

static void test_limits_check(void)
{
	g_autoptr(GError) error = NULL;
	struct run_spec rs;

	run_spec_init(&rs);
	CU_ASSERT_FATAL(run_spec_set(&rs, "mem", "1024G", NULL));
	rs.max_mem_bytes = 4ULL << 30;
	CU_ASSERT_FALSE(run_spec_check_mem(&rs, &error));
	CU_ASSERT(g_error_matches(error, SIM_CLI_ERROR, SIM_CLI_ERROR_LIMIT));
	CU_ASSERT_STRING_EQUAL(error->message,
			       "guest of 1024 GiB needs about 6.6 GiB of simulator memory, more "
			       "than --max-mem 4 GiB; raise --max-mem or shrink --mem");
	g_clear_error(&error);
	rs.max_mem_bytes = 8ULL << 30;
	CU_ASSERT(run_spec_check_mem(&rs, &error));
	CU_ASSERT_PTR_NULL(error);
	/* the default is 80% of RAM (or of the cgroup limit) */
	CU_ASSERT(limits_default_max_mem(NULL) > (64ULL << 20));
	run_spec_clear(&rs);
}

static void test_limits_cli(void)
{
	g_autofree char *out = NULL, *err = NULL;
	g_autofree char *dir = g_dir_make_tmp("acceptsim-limits-XXXXXX", NULL);
	g_autofree char *ini = g_build_filename(dir, "huge.ini", NULL);
	g_autofree char *trace = g_build_filename(tests_data_dir(), "traces", "ftrace-5col.txt",
						  NULL);
	struct run_spec rs;
	struct mem_estimate est;

	expect_refused((const char *const[]){ "run", "--mem", "1024G", "--max-mem", "4G", NULL },
		       "acceptsim run: guest of 1024 GiB needs about 6.6 GiB of simulator memory, "
		       "more than --max-mem 4 GiB; raise --max-mem or shrink --mem");
	/* the default limit: a 16 TiB guest needs ~96 GiB */
	run_spec_init(&rs);
	CU_ASSERT_FATAL(run_spec_set(&rs, "mem", "16T", NULL));
	run_spec_mem_estimate(&rs, &est);
	if (est.total > limits_default_max_mem(NULL))
		expect_refused((const char *const[]){ "run", "--mem", "16T", NULL },
			       "--max-mem");
	run_spec_clear(&rs);
	expect_refused((const char *const[]){ "run", "--max-mem", "0", NULL },
		       "--max-mem must be more than 0");
	expect_refused((const char *const[]){ "run", "--max-mem", "lots", NULL },
		       "--max-mem: invalid size 'lots'");
	/* a scenario asking for a huge guest */
	CU_ASSERT_FATAL(g_file_set_contents(ini, "[machine]\nmem = 2T\n", -1, NULL));
	expect_refused((const char *const[]){ "run", "--scenario", ini, "--max-mem", "1G", NULL },
		       "guest of 2048 GiB needs about");
	/* replay: refused before the trace is read */
	expect_refused((const char *const[]){ "replay", "--mem", "512G", "--max-mem", "1G",
					      trace, NULL }, "guest of 512 GiB needs about");
	/* a guest that fits runs */
	ASSERT_EQ(tests_run_acceptsim((const char *const[]){ "run", "--mem", "256M", "--wl", "ops=2000",
						 "--max-mem", "1G", "--json", NULL }, &out, &err),
		  0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"requests\""));
	g_unlink(ini);
	g_rmdir(dir);
}

void tests_register(void)
{
	CU_pSuite s = tests_add_suite("limits");

	tests_add(s, "limits: estimate follows the layout, reclaim and slots", test_limits_estimate);
	tests_add(s, "limits: over --max-mem is a LIMIT error with the sizes", test_limits_check);
	tests_add(s, "limits: run, scenario and replay refused up front, exit 2",
		  test_limits_cli);
}
