// SPDX-License-Identifier: GPL-2.0-only
/*
 * Acceptance policies: the same conformance contract for every registered
 * policy, and the boot-time ratios the cost presets were fitted to
 * (accept-cost.md section 3.2).  Tests are built with debug_checks=2: after
 * every event the engine checks that the pages the workload holds equal
 * managed - free (unaccepted included) - PCP pages, and every 64 events the
 * whole-node validator checks each page, list and counter, and that every
 * unaccepted unit waits in a listed chunk.
 */
#include <string.h>
#include "helpers.h"
#include "sim/runspec.h"
#include "policies/policy.h"

#define MiB (1ULL << 20)
#define GiB (1ULL << 30)

static JsonObject *run(const char *policy, const char *kernel, uint64_t mem, const char *workload,
		       const char *wl_opts, const char *cost, uint32_t check_every, int cpus,
		       JsonNode **keep)
{
	struct model_opts mo;
	struct run_opts ro;
	struct run_spec rs;
	g_autoptr(GError) error = NULL;
	g_autofree char *mem_s = g_strdup_printf("%" G_GUINT64_FORMAT "M", mem >> 20);
	char *wl[] = { (char *)wl_opts, NULL };

	model_opts_init(&mo);
	run_opts_init(&ro);
	mo.mem = g_strdup(mem_s);
	mo.kernel = g_strdup(kernel);
	mo.cpus = cpus;
	mo.check_every = (int)check_every;
	ro.policy = g_strdup(policy);
	ro.workload = g_strdup(workload);
	ro.wl_opts = wl_opts ? g_strdupv(wl) : NULL;
	ro.cost_model = g_strdup(cost);
	/* small guests: keep the firmware from accepting all of it */
	if (mem < 4 * GiB)
		ro.firmware_accept = g_strdup("none");
	ro.seed = 3;
	if (!run_spec_from_opts(&rs, &mo, &ro, &error) ||
	    !run_spec_execute(&rs, keep, NULL, false, &error)) {
		fprintf(stderr, "%s\n", error->message);
		CU_FAIL_FATAL("run failed");
	}
	run_spec_clear(&rs);
	run_opts_clear(&ro);
	model_opts_clear(&mo);
	return json_node_get_object(*keep);
}

static gint64 member(JsonObject *o, const char *name)
{
	return json_object_get_int_member(o, name);
}

static void test_policies_registry(void)
{
	size_t n;
	const struct policy_ops *const *all = policy_get_all(&n);
	g_autoptr(GError) error = NULL;
	struct policy *p;

	CU_ASSERT(n >= 5);
	for (size_t i = 0; i < n; i++) {
		CU_ASSERT(policy_lookup(all[i]->name) == all[i]);
		for (size_t j = i + 1; j < n; j++)
			CU_ASSERT(strcmp(all[i]->name, all[j]->name) != 0);
	}
	CU_ASSERT(policy_create_spec("nope", &error) == NULL);
	CU_ASSERT(error && strstr(error->message, "nope"));
	g_clear_error(&error);
	CU_ASSERT(policy_create_spec("watermark:target=sideways", &error) == NULL);
	CU_ASSERT(error && strstr(error->message, "sideways"));
	g_clear_error(&error);
	CU_ASSERT(policy_create_spec("eager:rate=1", &error) == NULL);
	CU_ASSERT(error && strstr(error->message, "rate"));
	p = policy_create_spec("background:rate=64M,tick=5", &error);
	CU_ASSERT_FATAL(p != NULL);
	ASSERT_EQ(p->tick_ns, 5000000);
	policy_destroy(p);
}

/*
 * Every policy, every era: boot then a memory-hungry random run, checked
 * at every event.  Policies that accept at boot leave nothing behind.
 */
static void test_policies_conformance(void)
{
	static const char *const eras[] = { "6.5", "6.12", "6.15" };
	size_t n;
	const struct policy_ops *const *all = policy_get_all(&n);

	for (size_t i = 0; i < n; i++) {
		for (size_t e = 0; e < G_N_ELEMENTS(eras); e++) {
			g_autoptr(JsonNode) boot = NULL, rnd = NULL;
			g_autofree char *spec = g_strdup(all[i]->name);
			JsonObject *b, *r;

			b = run(spec, eras[e], 256 * MiB, "boot",
				"kernel=8M,initrd=16M,user=32M,thp=2,idle=1", "tdx-4k-host", 64, 2, &boot);
			r = run(spec, eras[e], 256 * MiB, "random", "ops=6000,fill=0.97", "tdx-4k-host",
				64, 2, &rnd);
			CU_ASSERT(member(b, "requests") > 10000);
			ASSERT_EQ(member(b, "accepted_bytes") + member(b, "unaccepted_bytes"),
				  member(r, "accepted_bytes") + member(r, "unaccepted_bytes"));
			if (all[i]->boot != POLICY_BOOT_LAZY) {
				ASSERT_EQ(member(b, "unaccepted_bytes"), 0);
				ASSERT_EQ(member(r, "unaccepted_bytes"), 0);
				ASSERT_EQ(member(r, "accept_events"), 0);
			} else {
				/* lazy boots leave memory to accept, and the random run needs some */
				if (!all[i]->idle)	/* a worker may finish while idling */
					CU_ASSERT(member(b, "unaccepted_bytes") > 0);
				CU_ASSERT(member(r, "accept_events") > 0);
				CU_ASSERT(json_object_get_int_member(
					json_object_get_object_member(r, "accepted_by_phase_bytes"),
					"runtime") >= member(r, "accept_events") * 4 * (gint64)MiB);
			}
			if (all[i]->boot == POLICY_BOOT_NONE) {
				ASSERT_EQ(member(b, "boot_time_ns"), 0);
			} else {
				CU_ASSERT(member(b, "boot_time_ns") > 0);
			}
		}
	}
}

/* The background worker accepts everything while the guest idles after boot. */
static void test_policies_background_drains(void)
{
	g_autoptr(JsonNode) wm = NULL, bg = NULL;
	JsonObject *w, *b;

	w = run("watermark", "6.15", 1 * GiB, "boot", "kernel=8M,initrd=16M,user=32M,thp=2,idle=5",
		"tdx-4k-host", 1000, 2, &wm);
	b = run("background:rate=512M", "6.15", 1 * GiB, "boot",
		"kernel=8M,initrd=16M,user=32M,thp=2,idle=5", "tdx-4k-host", 1000, 2, &bg);
	CU_ASSERT(member(w, "unaccepted_bytes") > 256 * (gint64)MiB);
	ASSERT_EQ(member(b, "unaccepted_bytes"), 0);
	CU_ASSERT(member(b, "background_accept_ns") > 0);
	/* same boot: the worker starts only once the shell is up */
	ASSERT_EQ(member(w, "boot_time_ns"), member(b, "boot_time_ns"));
}

/* The lazy policy accepts less than the kernel's watermark policy. */
static void test_policies_lazy_accepts_least(void)
{
	g_autoptr(JsonNode) wm = NULL, lz = NULL;
	JsonObject *w, *l;

	w = run("watermark", "6.15", 1 * GiB, "random", "ops=40000,fill=0.5", "tdx-4k-host", 1000, 2, &wm);
	l = run("lazy", "6.15", 1 * GiB, "random", "ops=40000,fill=0.5", "tdx-4k-host", 1000, 2, &lz);
	CU_ASSERT(member(l, "accepted_bytes") < member(w, "accepted_bytes"));
	CU_ASSERT(member(l, "failures") == 0);
}

static double boot_ratio(const char *cost, uint64_t mem)
{
	g_autoptr(JsonNode) eager = NULL, lazy = NULL;
	double e, l;

	e = (double)member(run("eager", "6.15", mem, "boot", NULL, cost, 1U << 30, 1, &eager),
			   "boot_time_ns");
	l = (double)member(run("watermark", "6.15", mem, "boot", NULL, cost, 1U << 30, 1, &lazy),
			   "boot_time_ns");
	return e / l;
}

/* accept-cost.md 3.2: eager/lazy boot-time ratios of the three presets. */
static void test_policies_boot_ratios(void)
{
	static const struct { const char *cost; uint64_t mem; double ratio; } cases[] = {
		{ "tdx-claim-2022", 4 * GiB, 2.50 }, { "tdx-claim-2022", 64 * GiB, 4.00 },
		{ "tdx-4k-host", 4 * GiB, 1.12 }, { "tdx-4k-host", 64 * GiB, 4.5 },
		{ "snp", 4 * GiB, 1.18 }, { "snp", 64 * GiB, 6.5 },
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		double r = boot_ratio(cases[i].cost, cases[i].mem);

		if (!(r > cases[i].ratio * 0.9 && r < cases[i].ratio * 1.1))
			fprintf(stderr, "%s %" G_GUINT64_FORMAT " GiB: ratio %.3f, want %.2f\n",
				cases[i].cost, cases[i].mem >> 30, r, cases[i].ratio);
		CU_ASSERT(r > cases[i].ratio * 0.9 && r < cases[i].ratio * 1.1);
	}
}

void tests_register(void)
{
	CU_pSuite s = tests_add_suite("policies");

	tests_add(s, "policies: registry names are unique and parameters checked",
		  test_policies_registry);
	tests_add(s, "policies: every policy conserves pages in every era", test_policies_conformance);
	tests_add(s, "policies: background accepts everything while idle after boot",
		  test_policies_background_drains);
	tests_add(s, "policies: lazy accepts less than watermark", test_policies_lazy_accepts_least);
	tests_add(s, "policies: eager/watermark boot-time ratios of the cost presets",
		  test_policies_boot_ratios);
}
