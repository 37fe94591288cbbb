// SPDX-License-Identifier: GPL-2.0-only
/* The acceptsim command line: errors, determinism, JSON shape. */
#include <string.h>
#include <sys/wait.h>
#include <json-glib/json-glib.h>
#include "helpers.h"

static void expect_usage_error(const char *const *args, const char *needle)
{
	g_autofree char *out = NULL, *err = NULL;

	ASSERT_EQ(tests_run_acceptsim(args, &out, &err), 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, needle));
	/* one line, no crash */
	CU_ASSERT_PTR_NOT_NULL(strchr(err, '\n'));
	CU_ASSERT_PTR_NULL(strchr(strchr(err, '\n') + 1, '\n'));
}

static void test_bad_values(void)
{
	expect_usage_error((const char *const[]){ "run", "--mem", "3X", NULL }, "--mem");
	expect_usage_error((const char *const[]){ "run", "--kernel", "5.0", NULL }, "5.0");
	expect_usage_error((const char *const[]){ "run", "--bogus", NULL }, "bogus");
	expect_usage_error((const char *const[]){ "run", "--cpus", "0", NULL }, "--cpus");
	expect_usage_error((const char *const[]){ "run", "--mem", "1M", NULL }, "out of range");
	expect_usage_error((const char *const[]){ "run", "--workload", "nope", NULL }, "nope");
	expect_usage_error((const char *const[]){ "run", "--wl", "fill=2", NULL }, "fill");
	expect_usage_error((const char *const[]){ "run", "--wl", "colour=red", NULL }, "colour");
	expect_usage_error((const char *const[]){ "frobnicate", NULL }, "frobnicate");
	expect_usage_error((const char *const[]){ "run", "--pipeline", "--no-pipeline", NULL },
			   "contradict");
	expect_usage_error((const char *const[]){ "compare", "--pipeline", "--no-pipeline", NULL },
			   "contradict");
}

static void test_help(void)
{
	static const char *const cmds[] = { "run", "bench", "list" };

	for (size_t i = 0; i < G_N_ELEMENTS(cmds); i++) {
		g_autofree char *out = NULL, *err = NULL;

		ASSERT_EQ(tests_run_acceptsim((const char *const[]){ cmds[i], "--help", NULL }, &out, &err), 0);
		CU_ASSERT_PTR_NOT_NULL(strstr(out, "Usage:"));
	}
}

static const char *const small_run[] = {
	"run", "--mem", "256M", "--cpus", "2", "--seed", "7", "--wl", "ops=20000",
	"--check-every", "50", "--json", NULL,
};

static void test_same_seed_same_json(void)
{
	g_autofree char *a = NULL, *b = NULL, *ea = NULL, *eb = NULL;

	ASSERT_EQ(tests_run_acceptsim(small_run, &a, &ea), 0);
	ASSERT_EQ(tests_run_acceptsim(small_run, &b, &eb), 0);
	CU_ASSERT(a && b && strlen(a) > 100);
	CU_ASSERT_STRING_EQUAL(a, b);
}

static void test_json_shape(void)
{
	g_autofree char *out = NULL, *err = NULL;
	g_autoptr(JsonParser) p = json_parser_new();
	JsonObject *o, *ef, *zone;
	JsonArray *zones;

	ASSERT_EQ(tests_run_acceptsim(small_run, &out, &err), 0);
	CU_ASSERT_FATAL(json_parser_load_from_data(p, out, -1, NULL));
	o = json_node_get_object(json_parser_get_root(p));
	CU_ASSERT(json_object_has_member(o, "allocs"));
	CU_ASSERT(json_object_has_member(o, "frees"));
	CU_ASSERT(json_object_has_member(o, "failures"));
	ef = json_object_get_object_member(o, "extfrag");
	CU_ASSERT_FATAL(ef != NULL);
	CU_ASSERT(json_object_has_member(ef, "events"));
	CU_ASSERT(json_object_has_member(ef, "fragmenting"));
	CU_ASSERT(json_object_has_member(ef, "change_ownership"));
	zones = json_object_get_array_member(o, "zones");
	CU_ASSERT_FATAL(zones && json_array_get_length(zones) == 2);	/* DMA, DMA32 */
	zone = json_array_get_object_element(zones, 1);
	CU_ASSERT_STRING_EQUAL(json_object_get_string_member(zone, "name"), "DMA32");
	ASSERT_EQ(json_array_get_length(json_object_get_array_member(zone, "buddyinfo")), 11);
	ASSERT_EQ(json_array_get_length(json_object_get_array_member(zone, "unusable_index")), 11);
	/* requests = allocs + failures + frees of live allocations */
	CU_ASSERT(json_object_get_int_member(o, "allocs") +
		  json_object_get_int_member(o, "failures") +
		  json_object_get_int_member(o, "frees") <= 20000);
	CU_ASSERT(json_object_get_int_member(o, "allocs") > 5000);
}

static void test_scenarios(void)
{
	g_autofree char *out = NULL, *err = NULL;
	g_autofree char *small = g_build_filename(tests_data_dir(), "scenarios", "small.ini", NULL);
	g_autofree char *bad1 = g_build_filename(tests_data_dir(), "scenarios", "bad-section.ini", NULL);
	g_autofree char *bad2 = g_build_filename(tests_data_dir(), "scenarios", "bad-value.ini", NULL);
	g_autoptr(JsonParser) p = json_parser_new();
	JsonObject *cfg;

	ASSERT_EQ(tests_run_acceptsim((const char *const[]){ "list", "scenarios", NULL }, &out, &err), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "v9-extfrag"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "boot-4g"));
	g_clear_pointer(&out, g_free);
	g_clear_pointer(&err, g_free);
	/* the file sets policy watermark and 2 CPUs; the command line overrides the CPUs */
	ASSERT_EQ(tests_run_acceptsim((const char *const[]){ "run", "--scenario", small, "--cpus", "3",
						 "--json", NULL }, &out, &err), 0);
	CU_ASSERT_FATAL(json_parser_load_from_data(p, out, -1, NULL));
	cfg = json_object_get_object_member(json_node_get_object(json_parser_get_root(p)), "config");
	CU_ASSERT_STRING_EQUAL(json_object_get_string_member(cfg, "policy"), "watermark");
	ASSERT_EQ(json_object_get_int_member(cfg, "cpus"), 3);
	ASSERT_EQ(json_object_get_int_member(cfg, "mem_bytes"), 256 << 20);
	expect_usage_error((const char *const[]){ "run", "--scenario", "nope", NULL }, "unknown scenario");
	g_clear_pointer(&out, g_free);
	g_clear_pointer(&err, g_free);
	ASSERT_EQ(tests_run_acceptsim((const char *const[]){ "run", "--scenario", bad1, NULL },
				      &out, &err), 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "bad-section.ini: unknown section [bogus]"));
	g_clear_pointer(&out, g_free);
	g_clear_pointer(&err, g_free);
	ASSERT_EQ(tests_run_acceptsim((const char *const[]){ "run", "--scenario", bad2, NULL },
				      &out, &err), 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "bad-value.ini: [machine] mem"));
}

void tests_register(void)
{
	CU_pSuite s = tests_add_suite("cli");

	tests_add(s, "cli: bad options and values exit 2 with one line", test_bad_values);
	tests_add(s, "cli: --help on every command", test_help);
	tests_add(s, "cli: same seed, byte-identical JSON", test_same_seed_same_json);
	tests_add(s, "cli: run --json has the documented members", test_json_shape);
	tests_add(s, "cli: scenarios load, command-line options override them", test_scenarios);
}
