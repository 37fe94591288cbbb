// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer harness: probe calibration files (sim/calib.c) and the cost
 * model built from them (sim/cost.c).  A file that parses must format to
 * text that parses again to the same text (a fixed point), must build a
 * cost model or fail with a message, and must merge with itself.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fuzz.h"
#include "sim/calib.h"
#include "sim/cost.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_init();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GString) once = g_string_new(NULL), twice = g_string_new(NULL);
	g_autoptr(GString) desc = g_string_new(NULL), ignored = g_string_new(NULL);
	struct calib_file *cf, *again, *merged;
	struct calib_file *pair[2];
	struct cost_model cm;

	cf = calib_file_parse("fuzz.probe", (const char *)data, size, &error);
	if (!cf) {
		g_assert(error && error->message);
		return 0;
	}
	g_assert(!error);
	for (guint i = 0; i < calib_file_size(cf); i++) {
		const struct calib_entry *e = calib_file_entry(cf, i);

		g_assert(e && e->key && e->text && e->nr <= CALIB_MAX_NUMS);
		g_assert(calib_file_lookup(cf, e->key));
	}
	if (cost_model_from_calib(cf, NULL, &cm, &error))
		cost_model_describe(&cm, desc);
	else
		g_assert(error && error->message);
	g_clear_error(&error);

	calib_file_format(cf, once);
	again = calib_file_parse("fuzz.probe (formatted)", once->str, once->len, &error);
	if (!again) {
		fprintf(stderr, "fuzz: formatted calibration file does not parse: %s\n%s",
			error->message, once->str);
		abort();
	}
	calib_file_format(again, twice);
	if (strcmp(once->str, twice->str)) {
		fprintf(stderr, "fuzz: format is not a fixed point:\n%s\n---\n%s", once->str,
			twice->str);
		abort();
	}
	pair[0] = cf;
	pair[1] = again;
	merged = calib_merge(pair, 2, ignored, &error);
	if (merged)
		calib_file_free(merged);
	else
		g_assert(error && error->message);
	calib_file_free(again);
	calib_file_free(cf);
	return 0;
}
