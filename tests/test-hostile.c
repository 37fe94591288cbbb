// SPDX-License-Identifier: GPL-2.0-only
/*
 * Hostile input classes of docs/hostile-input.md that no other test file
 * covers: each must end in one line on stderr and exit 2, never a crash,
 * a hang or a partial output.  Inputs are made here, at run time.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include "helpers.h"

static char *dir;

/* Exit 2 with @needle in the one line on stderr. */
static void expect_refused(const char *const *args, const char *needle)
{
	g_autofree char *out = NULL, *err = NULL;

	ASSERT_EQ(tests_run_acceptsim(args, &out, &err), 2);
	CU_ASSERT_PTR_NOT_NULL(err && strstr(err, needle));
	if (err && !strstr(err, needle))
		fprintf(stderr, "\nexpected '%s' in: %s", needle, err);
	CU_ASSERT(err && strchr(err, '\n') && !strchr(strchr(err, '\n') + 1, '\n'));
}

static char *write_tmp(const char *name, const char *text)
{
	char *path = g_build_filename(dir, name, NULL);

	CU_ASSERT_FATAL(g_file_set_contents(path, text, -1, NULL));
	return path;
}

static void test_hostile_long_line(void)
{
	g_autofree char *path = g_build_filename(dir, "long-line.txt", NULL);
	g_autoptr(GString) s = g_string_new("# tracer: nop\n");

	/* one 5 MiB line: longer than the reader's 4 MiB buffer */
	g_string_append(s, "            bash-1     [000] ..... 1.000000: mm_page_alloc: page=");
	for (int i = 0; i < 5 << 20; i++)
		g_string_append_c(s, 'x');
	g_string_append_c(s, '\n');
	CU_ASSERT_FATAL(g_file_set_contents(path, s->str, (gssize)s->len, NULL));
	expect_refused((const char *const[]){ "trace", "stats", path, NULL }, "longer than");
	g_unlink(path);
}

static void test_hostile_scenarios(void)
{
	g_autofree char *unknown = write_tmp("unknown-key.ini", "[machine]\ncolour = red\n");
	g_autofree char *wl = write_tmp("wl-option.ini",
					"[machine]\nmem = 256M\n[workload]\ncolour = red\n");
	g_autofree char *zero = write_tmp("zero.ini", "[run]\ncost-model = /dev/zero\n");
	g_autofree char *binary = g_build_filename(dir, "binary.ini", NULL);
	static const char junk[] = "\x7f" "ELF\x02\x01\x01\0\0\0[\xff\xfe]\n=\n";

	expect_refused((const char *const[]){ "run", "--scenario", unknown, NULL },
		       "unknown setting 'colour'");
	expect_refused((const char *const[]){ "run", "--scenario", wl, NULL }, "colour");
	/* a device named in a file from elsewhere is not read forever */
	expect_refused((const char *const[]){ "run", "--scenario", zero, "--mem", "128M", NULL },
		       "/dev/zero: a device, not a calibration file");
	CU_ASSERT_FATAL(g_file_set_contents(binary, junk, sizeof(junk) - 1, NULL));
	expect_refused((const char *const[]){ "run", "--scenario", binary, NULL }, "binary.ini");
}

static void test_hostile_calibration(void)
{
	g_autofree char *big = g_build_filename(dir, "big.probe", NULL);
	int fd = open(big, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	/* 17 MiB, sparse: no calibration file is that large */
	CU_ASSERT_FATAL(fd >= 0 && ftruncate(fd, 17 << 20) == 0);
	close(fd);
	expect_refused((const char *const[]){ "run", "--mem", "128M", "--cost-model", big, NULL },
		       "larger than 16 MiB, not a calibration file");
	expect_refused((const char *const[]){ "run", "--mem", "128M", "--cost-model", "/dev/zero",
					      NULL }, "a device, not a calibration file");
	g_unlink(big);
}

static void test_hostile_snapshots(void)
{
	g_autofree char *empty = g_build_filename(dir, "empty-dir", NULL);

	expect_refused((const char *const[]){ "frag", "/dev/zero", NULL },
		       "a device, not a /proc snapshot");
	CU_ASSERT_FATAL(g_mkdir(empty, 0755) == 0);
	expect_refused((const char *const[]){ "frag", empty, NULL },
		       "directory has no buddyinfo or pagetypeinfo");
	g_rmdir(empty);
}

static void test_hostile_results(void)
{
	g_autofree char *no_runs = write_tmp("no-runs.json",
		"{\"schema\":\"acceptsim-results/1\",\"study\":{\"runs\":1,\"seed_base\":1,"
		"\"configs\":[{\"name\":\"a\"}]}}");
	g_autofree char *plan = write_tmp("plan.json",
		"{\"schema\":\"acceptsim-plan/1\",\"study\":{\"runs\":1,\"seed_base\":1,"
		"\"configs\":[{\"name\":\"a\"}]}}");
	g_autofree char *untagged = write_tmp("untagged.json", "{\"config\":{\"seed\":1}}");
	g_autofree char *nested = g_build_filename(dir, "nested.json", NULL);
	g_autoptr(GString) deep = g_string_new(NULL);

	expect_refused((const char *const[]){ "check", "-b", no_runs, "-c", no_runs, "-m",
					      "extfrag.events", NULL }, "no \"runs\" array");
	expect_refused((const char *const[]){ "check", "-b", plan, "-c", plan, "-m",
					      "extfrag.events", NULL },
		       "schema 'acceptsim-plan/1', expected 'acceptsim-results/1'");
	expect_refused((const char *const[]){ "merge", untagged, "--out", dir, NULL },
		       "no config.tag or config.seed");
	/* 100000 nested arrays: refused by the JSON parser, not a stack overflow */
	for (int i = 0; i < 100000; i++)
		g_string_append_c(deep, '[');
	CU_ASSERT_FATAL(g_file_set_contents(nested, deep->str, (gssize)deep->len, NULL));
	expect_refused((const char *const[]){ "check", "-b", nested, "-c", nested, "-m",
					      "extfrag.events", NULL }, "nested.json");
}

static void test_hostile_cli_values(void)
{
	expect_refused((const char *const[]){ "run", "--seed", "-5", NULL }, "--seed must be >= 0");
	expect_refused((const char *const[]){ "run", "--swap", "12Q", NULL }, "--swap");
	expect_refused((const char *const[]){ "run", "--compaction-proactiveness", "101", NULL },
		       "between 0 and 100");
	expect_refused((const char *const[]){ "run", "--policy", "watermark:target=nowhere",
					      NULL }, "nowhere");
	expect_refused((const char *const[]){ "run", "--mem", "18446744073709551616", NULL },
		       "--mem");
	expect_refused((const char *const[]){ "compare", "--runs", "0", NULL }, "--runs");
}

static void remove_dir(void)
{
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	const char *n;

	while (d && (n = g_dir_read_name(d))) {
		g_autofree char *p = g_build_filename(dir, n, NULL);

		g_remove(p);
	}
	g_rmdir(dir);
}

void tests_register(void)
{
	CU_pSuite s = tests_add_suite("hostile input");

	dir = g_dir_make_tmp("acceptsim-hostile-XXXXXX", NULL);
	g_assert(dir);
	atexit(remove_dir);
	tests_add(s, "hostile: a trace line longer than 4 MiB is an error", test_hostile_long_line);
	tests_add(s, "hostile: scenario files with unknown keys, devices, binary data",
		  test_hostile_scenarios);
	tests_add(s, "hostile: calibration files that are devices or huge", test_hostile_calibration);
	tests_add(s, "hostile: /proc snapshots that are devices or empty directories",
		  test_hostile_snapshots);
	tests_add(s, "hostile: results files without runs, of another schema, too deep",
		  test_hostile_results);
	tests_add(s, "hostile: CLI values out of range or malformed", test_hostile_cli_values);
}
