// SPDX-License-Identifier: GPL-2.0-only
/* Runs the suites one test file registered; exit status = failures != 0. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <CUnit/Basic.h>
#include "helpers.h"

CU_pSuite tests_add_suite(const char *name)
{
	CU_pSuite s = CU_add_suite(name, NULL, NULL);

	if (!s) {
		fprintf(stderr, "CU_add_suite(%s): %s\n", name, CU_get_error_msg());
		abort();
	}
	return s;
}

void tests_add(CU_pSuite s, const char *name, CU_TestFunc fn)
{
	if (!CU_add_test(s, name, fn)) {
		fprintf(stderr, "CU_add_test(%s): %s\n", name, CU_get_error_msg());
		abort();
	}
}

const char *tests_data_dir(void)
{
	const char *d = g_getenv("ACCEPTSIM_TEST_DATA");

	return d ? d : TESTS_DATA_DIR;
}

const char *tests_acceptsim_path(void)
{
	const char *p = g_getenv("ACCEPTSIM_BIN");

	return p ? p : ACCEPTSIM_BIN;
}

int tests_run_acceptsim(const char *const *args, char **out, char **err)
{
	return tests_run_prog(tests_acceptsim_path(), args, out, err);
}

int tests_run_prog(const char *argv0, const char *const *args, char **out, char **err)
{
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	g_autoptr(GError) error = NULL;
	int status = -1;

	g_ptr_array_add(argv, (gpointer)argv0);
	for (const char *const *a = args; *a; a++)
		g_ptr_array_add(argv, (gpointer)*a);
	g_ptr_array_add(argv, NULL);
	if (!g_spawn_sync(NULL, (char **)argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL,
			  out, err, &status, &error)) {
		CU_FAIL(error->message);
		return -1;
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int main(void)
{
	unsigned int failures;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	tests_register();
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failures = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	return failures != 0;
}
