// SPDX-License-Identifier: GPL-2.0-only
/*
 * Runs a harness of fuzz/ without libFuzzer, on every file of the
 * directories given (tests/data/fuzz-regressions/NAME): the inputs
 * fuzzing once crashed on must now parse or fail cleanly.  Any crash,
 * sanitizer report or failed check of the harness fails the test.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fuzz.h"

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
	unsigned int runs = 0;

	LLVMFuzzerInitialize(&argc, &argv);
	for (int i = 1; i < argc; i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(GDir) dir = g_dir_open(argv[i], 0, &error);
		g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
		const char *n;

		if (!dir) {
			fprintf(stderr, "%s\n", error->message);
			return 1;
		}
		while ((n = g_dir_read_name(dir)))
			g_ptr_array_add(names, g_build_filename(argv[i], n, NULL));
		qsort(names->pdata, names->len, sizeof(char *), cmp_names);
		for (guint j = 0; j < names->len; j++) {
			const char *path = g_ptr_array_index(names, j);
			g_autofree char *data = NULL;
			gsize len;

			if (!g_file_get_contents(path, &data, &len, &error)) {
				fprintf(stderr, "%s\n", error->message);
				return 1;
			}
			printf("%s\n", path);
			fflush(stdout);
			LLVMFuzzerTestOneInput((const uint8_t *)data, len);
			runs++;
		}
	}
	printf("%u inputs, no crash\n", runs);
	return 0;
}
