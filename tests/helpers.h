/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Shared by every test executable: each tests/test-<module>.c defines
 * tests_register(), which adds its CUnit suites; cunit-main.c runs them
 * and exits non-zero on any failure (77, Meson's "skip", if asked to).
 */
#ifndef TESTS_HELPERS_H
#define TESTS_HELPERS_H

#include <CUnit/CUnit.h>
#include <glib.h>

void tests_register(void);

/* Add a suite or abort: registration errors are bugs in the test file. */
CU_pSuite tests_add_suite(const char *name);
void tests_add(CU_pSuite s, const char *name, CU_TestFunc fn);

/* Directory of the test data (tests/data), from the build. */
const char *tests_data_dir(void);
/* Path of the built acceptsim binary, from the build. */
const char *tests_acceptsim_path(void);
/*
 * Run acceptsim with @args (NULL-terminated), capturing stdout and stderr
 * (either may be NULL); returns its exit status, 128 + the signal if a
 * signal ended it, -1 (and a CUnit failure) if it could not start.
 */
int tests_run_acceptsim(const char *const *args, char **out, char **err);
/* The same for another program, @argv0 (a path). */
int tests_run_prog(const char *argv0, const char *const *args, char **out, char **err);

#define ASSERT_EQ(a, b) CU_ASSERT_EQUAL((long long)(a), (long long)(b))

#endif /* TESTS_HELPERS_H */
