// SPDX-License-Identifier: GPL-2.0-only
/*
 * Determinism: the same input gives the same bytes.  'run --json' and
 * 'replay --json' twice, on one simulated CPU and on several, with the
 * memory pressure model and a background policy; and with glibc filling
 * fresh allocations with a pattern (MALLOC_PERTURB_), so a read of
 * uninitialised memory shows up as a difference.  (compare --threads 1
 * and 2 writing identical results.json is in test-study.c.)  kbuild's
 * requests generated on a second thread (--pipeline) or inline: the same
 * bytes.
 */
#include <string.h>
#include <sys/wait.h>
#include <json-glib/json-glib.h>
#include "helpers.h"

/* Run acceptsim with @args; its stdout, or NULL (test failed) on an error. */
static char *run_json(const char *const *args, const char *perturb)
{
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	g_auto(GStrv) env = g_get_environ();
	g_autoptr(GError) error = NULL;
	g_autofree char *err = NULL;
	char *out = NULL;
	int status = -1;

	if (perturb)
		env = g_environ_setenv(env, "MALLOC_PERTURB_", perturb, TRUE);
	g_ptr_array_add(argv, (gpointer)tests_acceptsim_path());
	for (const char *const *a = args; *a; a++)
		g_ptr_array_add(argv, (gpointer)*a);
	g_ptr_array_add(argv, NULL);
	if (!g_spawn_sync(NULL, (char **)argv->pdata, env, G_SPAWN_DEFAULT, NULL, NULL, &out,
			  &err, &status, &error)) {
		CU_FAIL(error->message);
		return NULL;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "acceptsim failed: %s", err);
		CU_FAIL("acceptsim failed");
		g_free(out);
		return NULL;
	}
	CU_ASSERT(strlen(out) > 100);
	return out;
}

/* Three runs of @args, the last with MALLOC_PERTURB_: identical bytes. */
static void expect_same_bytes(const char *const *args)
{
	g_autofree char *a = run_json(args, NULL);
	g_autofree char *b = run_json(args, NULL);
	g_autofree char *c = run_json(args, "85");

	CU_ASSERT_FATAL(a && b && c);
	CU_ASSERT_STRING_EQUAL(a, b);
	CU_ASSERT_STRING_EQUAL(a, c);
}

static void test_determinism_run_one_cpu(void)
{
	expect_same_bytes((const char *const[]){ "run", "--mem", "512M", "--cpus", "1",
		"--seed", "11", "--wl", "ops=30000,file=0.5", "--check-every", "1000",
		"--json", NULL });
}

static void test_determinism_run_cpus(void)
{
	expect_same_bytes((const char *const[]){ "run", "--mem", "512M", "--cpus", "4",
		"--seed", "11", "--policy", "background", "--swap", "64M",
		"--wl", "ops=30000,fill=0.95", "--check-every", "1000", "--json", NULL });
}

static void test_determinism_seed_matters(void)
{
	g_autofree char *a = run_json((const char *const[]){ "run", "--mem", "256M",
		"--seed", "1", "--wl", "ops=5000", "--check-every", "1000", "--json", NULL }, NULL);
	g_autofree char *b = run_json((const char *const[]){ "run", "--mem", "256M",
		"--seed", "2", "--wl", "ops=5000", "--check-every", "1000", "--json", NULL }, NULL);

	CU_ASSERT_FATAL(a && b);
	CU_ASSERT_STRING_NOT_EQUAL(a, b);
}

static void test_determinism_replay(void)
{
	g_autofree char *trace = g_build_filename(tests_data_dir(), "traces",
						  "kmem-6.18-v7-zstd.dat", NULL);

	expect_same_bytes((const char *const[]){ "replay", "--mem", "1G", "--cpus", "2",
		"--policy", "lazy", "--check-every", "1000", "--json", trace, NULL });
}

/*
 * kbuild's requests come from a second thread with --pipeline (the
 * default on a machine with a core to spare): the same bytes either way, even when memory runs out and allocations fail
 * (the generator never sees the model's answers).
 */
static void test_determinism_pipeline(void)
{
	g_autofree char *a = run_json((const char *const[]){ "run", "--scenario", "kbuild-small",
		"--mem", "96M", "--seed", "3", "--wl", "builds=2,jobs=4,duration=4", "--check-every",
		"1000", "--json", "--no-pipeline", NULL }, NULL);
	g_autofree char *b = run_json((const char *const[]){ "run", "--scenario", "kbuild-small",
		"--mem", "96M", "--seed", "3", "--wl", "builds=2,jobs=4,duration=4", "--check-every",
		"1000", "--json",
		"--pipeline", NULL }, NULL);
	g_autoptr(JsonParser) p = json_parser_new();
	JsonObject *o;

	CU_ASSERT_FATAL(a && b);
	CU_ASSERT_STRING_EQUAL(a, b);
	CU_ASSERT_FATAL(json_parser_load_from_data(p, a, -1, NULL));
	o = json_node_get_object(json_parser_get_root(p));
	/* the case that matters: failed allocations and OOM kills */
	CU_ASSERT(json_object_get_int_member(o, "failures") > 0);
	CU_ASSERT(json_object_get_int_member(json_object_get_object_member(o, "pressure"),
					     "oom_kill") > 0);
}

void tests_register(void)
{
	CU_pSuite s = tests_add_suite("determinism");

	tests_add(s, "determinism: run --json on 1 CPU, twice and perturbed: same bytes",
		  test_determinism_run_one_cpu);
	tests_add(s, "determinism: run --json on 4 CPUs with background policy and swap",
		  test_determinism_run_cpus);
	tests_add(s, "determinism: kbuild with and without the producer thread, under OOM",
		  test_determinism_pipeline);
	tests_add(s, "determinism: another seed gives another result",
		  test_determinism_seed_matters);
	tests_add(s, "determinism: replay --json of a trace.dat, twice and perturbed",
		  test_determinism_replay);
}
