// SPDX-License-Identifier: GPL-2.0-only
/*
 * The level-2 invariant checks (-Ddebug_checks=2: the whole-zone validator
 * every --check-every events, page conservation after every event) over
 * realistic inputs: the kbuild-small scenario (or, without the kbuild
 * workload, random with half of it page cache, so reclaim works) and every
 * sample trace, under every policy.  A broken invariant aborts acceptsim,
 * which fails the test with the command line.  Skipped below level 2.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <json-glib/json-glib.h>
#include "helpers.h"
#include "policies/policy.h"
#include "workloads/workload.h"

#define CHECK_EVERY	"100"

/* Run acceptsim with @args plus the policy; true if it exits 0 with JSON. */
static bool run_checked(GPtrArray *args, const char *policy)
{
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	g_autoptr(GError) error = NULL;
	g_autofree char *out = NULL, *err = NULL, *cmd = NULL;
	g_autoptr(JsonParser) p = json_parser_new();
	int status = -1;

	g_ptr_array_add(argv, (gpointer)tests_acceptsim_path());
	for (guint i = 0; i < args->len; i++)
		g_ptr_array_add(argv, args->pdata[i]);
	g_ptr_array_add(argv, (gpointer)"--policy");
	g_ptr_array_add(argv, (gpointer)policy);
	g_ptr_array_add(argv, (gpointer)"--check-every");
	g_ptr_array_add(argv, (gpointer)CHECK_EVERY);
	g_ptr_array_add(argv, (gpointer)"--json");
	g_ptr_array_add(argv, NULL);
	cmd = g_strjoinv(" ", (char **)argv->pdata);
	if (!g_spawn_sync(NULL, (char **)argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out,
			  &err, &status, &error)) {
		fprintf(stderr, "%s: %s\n", cmd, error->message);
		return false;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "\nFAILED (status %d): %s\n%s", status, cmd, err);
		return false;
	}
	if (!json_parser_load_from_data(p, out, -1, NULL)) {
		fprintf(stderr, "\nno JSON from: %s\n", cmd);
		return false;
	}
	return true;
}

/* Each of @args under every policy; the number of failed runs. */
static unsigned int under_every_policy(GPtrArray *args)
{
	size_t n;
	const struct policy_ops *const *all = policy_get_all(&n);
	unsigned int failed = 0;

	for (size_t i = 0; i < n; i++)
		failed += !run_checked(args, all[i]->name);
	return failed;
}

static void test_invariants_kbuild(void)
{
	g_autoptr(GPtrArray) args = g_ptr_array_new();

	g_ptr_array_add(args, (gpointer)"run");
	if (workload_lookup("kbuild")) {
		g_ptr_array_add(args, (gpointer)"--scenario");
		g_ptr_array_add(args, (gpointer)"kbuild-small");
	} else {
		g_ptr_array_add(args, (gpointer)"--mem");
		g_ptr_array_add(args, (gpointer)"512M");
		g_ptr_array_add(args, (gpointer)"--cpus");
		g_ptr_array_add(args, (gpointer)"2");
		g_ptr_array_add(args, (gpointer)"--wl");
		g_ptr_array_add(args, (gpointer)"ops=200000,file=0.5");
	}
	ASSERT_EQ(under_every_policy(args), 0);
}

static int cmp_paths(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sample traces: tests/data/traces/ *.dat*, traces/samples/NAME/ (all renderings). */
static GPtrArray *sample_traces(void)
{
	static const char *const renderings[] = { "trace.dat", "trace.txt.gz", "report.txt.zst" };
	GPtrArray *files = g_ptr_array_new_with_free_func(g_free);
	g_autofree char *traces = g_build_filename(tests_data_dir(), "traces", NULL);
	g_autofree char *samples = g_build_filename(tests_data_dir(), "..", "..", "traces",
						    "samples", NULL);
	g_autoptr(GDir) d = g_dir_open(traces, 0, NULL);
	g_autoptr(GDir) s = g_dir_open(samples, 0, NULL);
	const char *n;

	while (d && (n = g_dir_read_name(d)))
		if (strstr(n, ".dat") && !g_str_has_prefix(n, "bad-"))
			g_ptr_array_add(files, g_build_filename(traces, n, NULL));
	while (s && (n = g_dir_read_name(s)))
		for (size_t i = 0; i < G_N_ELEMENTS(renderings); i++) {
			char *f = g_build_filename(samples, n, renderings[i], NULL);

			if (g_file_test(f, G_FILE_TEST_IS_REGULAR))
				g_ptr_array_add(files, f);
			else
				g_free(f);
		}
	g_ptr_array_sort(files, cmp_paths);
	return files;
}

static void test_invariants_traces(void)
{
	g_autoptr(GPtrArray) files = sample_traces();
	unsigned int failed = 0;

	CU_ASSERT(files->len >= 5);
	for (guint i = 0; i < files->len; i++) {
		g_autoptr(GPtrArray) args = g_ptr_array_new();

		g_ptr_array_add(args, (gpointer)"replay");
		g_ptr_array_add(args, (gpointer)"--mem");
		g_ptr_array_add(args, (gpointer)"1G");
		g_ptr_array_add(args, (gpointer)"--cpus");
		g_ptr_array_add(args, (gpointer)"2");
		g_ptr_array_add(args, files->pdata[i]);
		failed += under_every_policy(args);
	}
	ASSERT_EQ(failed, 0);
}

void tests_register(void)
{
	CU_pSuite s;

	if (SIM_DEBUG < 2) {
		printf("invariants: a -Ddebug_checks=2 build is needed; skipped\n");
		exit(77);
	}
	s = tests_add_suite("invariants");
	tests_add(s, "invariants: kbuild-small (or random with page cache), every policy",
		  test_invariants_kbuild);
	tests_add(s, "invariants: every sample trace replayed, every policy",
		  test_invariants_traces);
}
