// SPDX-License-Identifier: GPL-2.0-only
/*
 * acceptsim bench: the model's own speed and memory, measured in-process.
 *
 *   bench model    order-0 alloc+free pairs per second through the per-CPU
 *                  lists and through the buddy alone
 *   bench memory   metadata bytes per simulated page at a guest size
 */
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include "commands.h"
#include "cli.h"
#include "options.h"
#include "debug.h"

#define BATCH 32

static double now_s(void)
{
	return (double)g_get_monotonic_time() / 1e6;
}

/*
 * Alloc @batch order-0 movable pages, then free them, repeatedly, until
 * @seconds have passed; returns pairs per second.
 */
static double measure_pairs(struct pgdat *pgdat, unsigned int batch, double seconds,
			    uint64_t *pairs_out)
{
	uint32_t pfns[BATCH];
	uint64_t pairs = 0;
	double start = now_s(), elapsed;

	do {
		for (int round = 0; round < 10000; round++) {
			for (unsigned int i = 0; i < batch; i++)
				pfns[i] = sim_alloc_pages(pgdat, 0, GFP_HIGHUSER_MOVABLE, 0);
			for (unsigned int i = batch; i-- > 0;)
				if (pfns[i] != PFN_NONE)
					sim_free_pages(pgdat, 0, pfns[i], 0);
			pairs += batch;
		}
		elapsed = now_s() - start;
	} while (elapsed < seconds);
	*pairs_out = pairs;
	return (double)pairs / elapsed;
}

static int bench_model(struct sim_config *cfg, double seconds)
{
	static const struct { bool pcp; unsigned int batch; const char *what; } cases[] = {
		{ true, BATCH, "per-CPU lists, batches of 32" },
		{ true, 1, "per-CPU lists, one at a time" },
		{ false, BATCH, "buddy only (no PCP), batches of 32" },
		{ false, 1, "buddy only (no PCP), one at a time" },
	};
	g_autoptr(GError) error = NULL;

	printf("bench model: %" G_GUINT64_FORMAT " MiB guest, kernel %s, debug_checks %d, "
	       "order-0 GFP_HIGHUSER_MOVABLE alloc+free pairs on one simulated CPU\n",
	       cfg->mem_bytes >> 20, kernel_era_name(cfg->era), SIM_DEBUG);
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		struct pgdat *pgdat;
		uint64_t pairs;
		double rate;

		cfg->pcp = cases[i].pcp;
		pgdat = pgdat_create(cfg, &error);
		if (!pgdat) {
			cli_report("bench", error);
			return EXIT_USAGE;
		}
		rate = measure_pairs(pgdat, cases[i].batch, seconds, &pairs);
		printf("  %-40s %8.2f M pairs/s  (%" G_GUINT64_FORMAT " pairs)\n", cases[i].what,
		       rate / 1e6, pairs);
		pgdat_destroy(pgdat);
	}
	return 0;
}

static long maxrss_kib(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

/* Build the guest, allocate every page at order 0, free them, report RSS. */
static int bench_memory(struct sim_config *cfg)
{
	g_autoptr(GError) error = NULL;
	long before = maxrss_kib(), after;
	struct pgdat *pgdat;
	uint64_t present = 0, n = 0;
	uint32_t *pfns;
	double t0 = now_s();

	cfg->pcp = true;
	pgdat = pgdat_create(cfg, &error);
	if (!pgdat) {
		cli_report("bench", error);
		return EXIT_USAGE;
	}
	for (int z = 0; z < MAX_NR_ZONES; z++)
		present += pgdat->zones[z].present_pages;
	pfns = g_new(uint32_t, present);
	while (n < present) {
		uint32_t pfn = sim_alloc_pages(pgdat, 0, GFP_HIGHUSER_MOVABLE | __GFP_NORETRY, 0);

		if (pfn == PFN_NONE)
			break;
		pfns[n++] = pfn;
	}
	for (uint64_t i = 0; i < n; i++)
		sim_free_pages(pgdat, 0, pfns[i], 0);
	g_free(pfns);
	after = maxrss_kib();
	/* the pfn array above is the benchmark's, not the model's */
	after -= (long)(present * sizeof(uint32_t) / 1024);
	printf("bench memory: %" G_GUINT64_FORMAT " MiB guest, %" G_GUINT64_FORMAT
	       " present pages, %" G_GUINT64_FORMAT " allocated and freed in %.2f s\n",
	       cfg->mem_bytes >> 20, present, n, now_s() - t0);
	printf("  peak RSS of the model: %.1f MiB, %.2f bytes per simulated 4 KiB page\n",
	       (double)(after - before) / 1024, (double)(after - before) * 1024 / (double)present);
	pgdat_destroy(pgdat);
	return 0;
}

int cmd_bench(int argc, char **argv)
{
	double seconds = 2.0;
	const GOptionEntry entries[] = {
		{ "seconds", 0, 0, G_OPTION_ARG_DOUBLE, &seconds,
		  "Time per measurement (default 2)", "S" },
		{ NULL },
	};
	g_autoptr(GOptionContext) ctx = g_option_context_new("model|memory - measure the model");
	g_autofree GOptionEntry *model_entries = NULL;
	g_autoptr(GError) error = NULL;
	struct model_opts mo;
	struct sim_config cfg;
	int ret = EXIT_USAGE;

	model_opts_init(&mo);
	model_entries = model_opts_entries(&mo);
	g_option_context_add_main_entries(ctx, entries, NULL);
	g_option_context_add_main_entries(ctx, model_entries, NULL);
	sim_config_init(&cfg);
	if (!cli_parse(ctx, "bench", &argc, &argv))
		goto out;
	if (argc != 2 || (strcmp(argv[1], "model") && strcmp(argv[1], "memory"))) {
		fprintf(stderr, "acceptsim bench: expected 'model' or 'memory'\n");
		goto out;
	}
	if (!(seconds > 0 && seconds <= 600)) {
		fprintf(stderr, "acceptsim bench: --seconds must be in (0, 600]\n");
		goto out;
	}
	if (!model_opts_apply(&mo, &cfg, &error)) {
		cli_report("bench", error);
		goto out;
	}
	ret = !strcmp(argv[1], "model") ? bench_model(&cfg, seconds) : bench_memory(&cfg);
out:
	sim_config_clear(&cfg);
	model_opts_clear(&mo);
	return ret;
}
