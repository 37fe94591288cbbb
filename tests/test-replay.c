// SPDX-License-Identifier: GPL-2.0-only
/* Trace replay through the model, as requests and pfn-faithfully. */
#include <string.h>
#include "helpers.h"
#include "sim/runspec.h"

static JsonObject *replay(const char *file, const char *mode, JsonNode **keep, GError **error)
{
	struct run_spec rs;
	g_autofree char *path = g_build_filename(tests_data_dir(), "traces", file, NULL);
	bool ok;

	run_spec_init(&rs);
	ok = run_spec_set(&rs, "workload", "trace", error) &&
	     run_spec_set(&rs, "mem", "24G", error) && run_spec_set(&rs, "cpus", "2", error) &&
	     run_spec_set(&rs, "wl.file", path, error) && run_spec_set(&rs, "wl.mode", mode, error);
	rs.cfg.check_every = 20000;
	if (!strcmp(mode, "pfn")) {
		rs.cfg.pcp = false;
		rs.reclaim = false;
	}
	ok = ok && run_spec_execute(&rs, keep, NULL, false, error);
	run_spec_clear(&rs);
	return ok ? json_node_get_object(*keep) : NULL;
}

static gint64 member(JsonObject *o, const char *a, const char *b)
{
	return json_object_get_int_member(b ? json_object_get_object_member(o, a) : o, b ? b : a);
}

/* The shared sample: 46012 allocations, 27781 frees of which 136 precede their alloc. */
static void test_replay_counts(void)
{
	static const char *const modes[] = { "request", "pfn" };

	for (size_t i = 0; i < G_N_ELEMENTS(modes); i++) {
		g_autoptr(JsonNode) root = NULL;
		g_autoptr(GError) error = NULL;
		JsonObject *o = replay("kmem-6.18-v7-zstd.dat", modes[i], &root, &error);

		CU_ASSERT_FATAL(o != NULL);
		ASSERT_EQ(member(o, "trace", "allocs_replayed"), 46012);
		ASSERT_EQ(member(o, "trace", "frees_replayed") + member(o, "trace", "unmatched_frees"),
			  27781);
		ASSERT_EQ(member(o, "trace", "trace_extfrag"), 10);
		ASSERT_EQ(member(o, "allocs", NULL), 46012);
		ASSERT_EQ(member(o, "frees", NULL), member(o, "trace", "frees_replayed"));
		/* pfn mode: every recorded page was free in the model when allocated */
		ASSERT_EQ(member(o, "failures", NULL), 0);
	}
}

/* The same trace in text form replays the same requests. */
static void test_replay_formats_agree(void)
{
	g_autoptr(JsonNode) a = NULL, b = NULL;
	g_autoptr(GError) error = NULL;
	JsonObject *dat = replay("ftrace-5col.txt", "request", &a, &error);
	JsonObject *nat = replay("ftrace-5col.acstrace", "request", &b, &error);

	CU_ASSERT_FATAL(dat && nat);
	ASSERT_EQ(member(dat, "allocs", NULL), member(nat, "allocs", NULL));
	ASSERT_EQ(member(dat, "frees", NULL), member(nat, "frees", NULL));
	ASSERT_EQ(member(dat, "extfrag", "events"), member(nat, "extfrag", "events"));
}

static void test_replay_bad_input(void)
{
	g_autoptr(JsonNode) root = NULL;
	g_autoptr(GError) error = NULL;

	CU_ASSERT(replay("bad-order42.txt", "request", &root, &error) == NULL);
	CU_ASSERT_FATAL(error != NULL);
	CU_ASSERT_PTR_NOT_NULL(strstr(error->message, "bad-order42.txt:"));
	g_clear_error(&error);
	CU_ASSERT(replay("no-such-file.txt", "request", &root, &error) == NULL);
	CU_ASSERT(error != NULL);
}

void tests_register(void)
{
	CU_pSuite s = tests_add_suite("replay");

	tests_add(s, "replay: every allocation and matched free of the sample is replayed",
		  test_replay_counts);
	tests_add(s, "replay: text and native forms of a capture replay alike", test_replay_formats_agree);
	tests_add(s, "replay: bad traces give errors naming file and line", test_replay_bad_input);
}
