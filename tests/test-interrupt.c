// SPDX-License-Identifier: GPL-2.0-only
/*
 * Interrupting 'acceptsim compare': SIGINT or SIGTERM lets the runs in
 * progress finish, writes the finished ones marked "partial": true and
 * exits 128 + the signal; a second signal kills at once.  Either way the
 * results.json already in the output directory is replaced whole or not
 * at all, never left half-written.
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include "helpers.h"

/* A study far too long to finish while the test waits. */
#define LONG_STUDY "--workload", "random", "--wl", "ops=20000", "--mem", "128M", \
	"--config", "a:policy=watermark", "--config", "b:policy=lazy", "--runs", "5000", \
	"--threads", "2", "--check-every", "1000", "--plot-format", "none"

static int run_sync(const char *const *args)
{
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	g_autoptr(GError) error = NULL;
	int status = -1;

	g_ptr_array_add(argv, (gpointer)tests_acceptsim_path());
	for (const char *const *a = args; *a; a++)
		g_ptr_array_add(argv, (gpointer)*a);
	g_ptr_array_add(argv, NULL);
	if (!g_spawn_sync(NULL, (char **)argv->pdata, NULL, G_SPAWN_STDOUT_TO_DEV_NULL |
			  G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, NULL, NULL, &status, &error)) {
		CU_FAIL(error->message);
		return -1;
	}
	return status;
}

/* Start the long study into @dir, wait @wait_ms, send @sig (@twice: twice); its status. */
static int interrupt_after(const char *dir, unsigned int wait_ms, int sig, bool twice)
{
	const char *const args[] = { tests_acceptsim_path(), "compare", LONG_STUDY, "--out", dir,
				     NULL };
	g_autoptr(GError) error = NULL;
	GPid pid;
	int status = -1;

	if (!g_spawn_async(NULL, (char **)args, NULL, G_SPAWN_DO_NOT_REAP_CHILD |
			   G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL,
			   &pid, &error)) {
		CU_FAIL(error->message);
		return -1;
	}
	g_usleep(wait_ms * 1000);
	kill(pid, sig);
	if (twice) {
		g_usleep(50 * 1000);
		kill(pid, sig);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	g_spawn_close_pid(pid);
	return status;
}

/* results.json of @dir parsed, or NULL; *@partial from its "partial" member. */
static JsonObject *load_results(const char *dir, bool *partial, guint *runs)
{
	g_autofree char *path = g_build_filename(dir, "results.json", NULL);
	g_autoptr(JsonParser) p = json_parser_new();
	JsonObject *o;

	if (!json_parser_load_from_file(p, path, NULL))
		return NULL;
	o = json_node_get_object(json_parser_get_root(p));
	*partial = json_object_has_member(o, "partial") &&
		   json_object_get_boolean_member(o, "partial");
	*runs = json_array_get_length(json_object_get_array_member(o, "runs"));
	return json_object_ref(o);
}

/* No temporary file of an atomic write left in @dir. */
static bool no_temporaries(const char *dir)
{
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	const char *n;

	while (d && (n = g_dir_read_name(d)))
		if (g_str_has_prefix(n, "results.json.") || g_str_has_prefix(n, "summary.txt."))
			return false;
	return true;
}

static void rm_rf(const char *dir)
{
	g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", dir);

	if (system(cmd) != 0)
		CU_FAIL("rm -rf");
}

/* A good, complete results.json in @dir. */
static void good_results(const char *dir)
{
	bool partial = true;
	guint runs = 0;
	g_autoptr(JsonObject) o = NULL;

	ASSERT_EQ(run_sync((const char *const[]){ "compare", "--workload", "random", "--wl",
		"ops=2000", "--mem", "128M", "--config", "a:policy=watermark", "--runs", "2",
		"--check-every", "1000", "--plot-format", "none", "--out", dir, NULL }), 0);
	o = load_results(dir, &partial, &runs);
	CU_ASSERT_FATAL(o != NULL);
	CU_ASSERT_FALSE(partial);
	ASSERT_EQ(runs, 2);
}

static void check_interrupted(int sig)
{
	g_autofree char *dir = g_dir_make_tmp("acceptsim-intr-XXXXXX", NULL);
	g_autofree char *summary = NULL, *summary_path = g_build_filename(dir, "summary.txt", NULL);
	g_autoptr(JsonObject) o = NULL;
	bool partial = false;
	guint runs = 0;
	int status = -1;

	good_results(dir);
	/* wait longer until some runs had finished when the signal came */
	for (unsigned int ms = 1000; ms <= 16000; ms *= 2) {
		status = interrupt_after(dir, ms, sig, false);
		CU_ASSERT_FATAL(WIFEXITED(status));
		ASSERT_EQ(WEXITSTATUS(status), 128 + sig);
		g_clear_pointer(&o, json_object_unref);
		o = load_results(dir, &partial, &runs);
		CU_ASSERT_FATAL(o != NULL);	/* never half-written */
		if (partial)
			break;
		ASSERT_EQ(runs, 2);		/* nothing finished: the old file stays */
	}
	CU_ASSERT(partial);
	CU_ASSERT(runs > 0 && runs < 2 * 5000);
	CU_ASSERT(no_temporaries(dir));
	CU_ASSERT(g_file_get_contents(summary_path, &summary, NULL, NULL));
	CU_ASSERT_PTR_NOT_NULL(summary && strstr(summary, "Partial: interrupted"));
	rm_rf(dir);
}

static void test_interrupt_sigint(void)
{
	check_interrupted(SIGINT);
}

static void test_interrupt_sigterm(void)
{
	check_interrupted(SIGTERM);
}

static void test_interrupt_twice(void)
{
	g_autofree char *dir = g_dir_make_tmp("acceptsim-intr-XXXXXX", NULL);
	g_autoptr(JsonObject) o = NULL;
	bool partial = true;
	guint runs = 0;
	int status;

	good_results(dir);
	status = interrupt_after(dir, 1000, SIGINT, true);
	CU_ASSERT(WIFSIGNALED(status) && WTERMSIG(status) == SIGINT);
	o = load_results(dir, &partial, &runs);
	/*
	 * Never half-written: either the old file, or -- when the first
	 * signal's partial results were renamed into place before the second
	 * one arrived, which a loaded machine allows -- a complete partial one.
	 */
	CU_ASSERT_FATAL(o != NULL);
	if (partial) {
		CU_ASSERT(runs > 0);
	} else {
		ASSERT_EQ(runs, 2);
	}
	rm_rf(dir);
}

void tests_register(void)
{
	CU_pSuite s = tests_add_suite("interrupt");

	tests_add(s, "compare: SIGINT writes the finished runs marked partial, exit 130",
		  test_interrupt_sigint);
	tests_add(s, "compare: SIGTERM does the same, exit 143", test_interrupt_sigterm);
	tests_add(s, "compare: a second SIGINT kills; the old results.json is intact",
		  test_interrupt_twice);
}
