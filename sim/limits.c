// SPDX-License-Identifier: GPL-2.0-only
/*
 * Memory the simulator needs for one run, estimated before anything is
 * allocated, and the --max-mem check.  The sizes mirror pgdat_create()
 * (layout.c), pressure_create() (pressure.c), sim_run_workload()
 * (engine.c) and the workloads' create().
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "runlimits.h"
#include "cli.h"
#include "runspec.h"

/* Guest layout, as build_ranges() in layout.c lays it out. */
#define LIMITS_MIN_MEM		(64ULL << 20)
#define LIMITS_MAX_MEM		(16ULL << 40)
#define LIMITS_Q35_SPLIT	0xb0000000ULL	/* q35: >= this much RAM... */
#define LIMITS_Q35_LOWMEM	0x80000000ULL	/* ...keeps 2 GiB below 4 GiB */
#define LIMITS_4G		(4ULL << 30)

/* Bytes per page of guest address space. */
#define PAGE_ARRAY_BYTES	16	/* struct sim_page */
#define RECLAIM_PAGE_BYTES	10	/* LRU links of the slots there */
#define PAGEBLOCK_BYTES		9	/* pb_mt (u8), pb_alloc (u64), per pageblock */
/* Bytes per request slot. */
#define SLOT_BYTES		8	/* struct slot (engine.c) */
#define SLOT_RECLAIM_BYTES	8	/* lru_prev, lru_next (pressure.c) */
#define RANDOM_SLOT_BYTES	9	/* wl-random: live, free_slots (u32), slot_order */
#define OTHER_SLOT_BYTES	16	/* other workloads: a pfn -> slot map entry and more */
#define FIXED_BYTES		(64ULL << 20)	/* code, glib, JSON output, trace buffers */

#define DEFAULT_MAX_MEM_PERCENT	80

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a + b < a ? UINT64_MAX : a + b;
}

static uint64_t sat_mul(uint64_t a, uint64_t b)
{
	return b && a > UINT64_MAX / b ? UINT64_MAX : a * b;
}

/* Pfns from 0 to the end of RAM; 0 if pgdat_create() would refuse the size. */
static uint64_t spanned_pages(const struct run_spec *rs)
{
	uint64_t mem = rs->cfg.mem_bytes, below;

	if (mem < LIMITS_MIN_MEM || mem > LIMITS_MAX_MEM)
		return 0;
	if (rs->cfg.below_4g_bytes)
		below = MIN(rs->cfg.below_4g_bytes, mem);
	else
		below = mem >= LIMITS_Q35_SPLIT ? LIMITS_Q35_LOWMEM : mem;
	/* RAM above 4 GiB starts at 4 GiB: the PCI hole is spanned too */
	if (mem > below)
		return (LIMITS_4G + (mem - below)) >> PAGE_SHIFT;
	return below >> PAGE_SHIFT;
}

/* A workload option as a number, @def if absent or not a number. */
static double wl_option(const struct run_spec *rs, const char *key, double def)
{
	const char *v = rs->wl_kv ? g_hash_table_lookup(rs->wl_kv, key) : NULL;
	char *end;
	double d;

	if (!v)
		return def;
	d = g_ascii_strtod(v, &end);
	return end == v || *end || !(d >= 0) ? def : d;
}

void run_spec_mem_estimate(const struct run_spec *rs, struct mem_estimate *est)
{
	uint64_t pages = spanned_pages(rs);
	uint64_t blocks = (pages + PAGEBLOCK_NR_PAGES - 1) / PAGEBLOCK_NR_PAGES;
	uint64_t per_slot;

	memset(est, 0, sizeof(*est));
	est->spanned_pages = pages;
	if (!strcmp(rs->workload, "random")) {
		/* wl_random_create(): page cache keeps its slot, one slot per request then */
		double ops = MIN(wl_option(rs, "ops", 1000000), (double)UINT32_MAX);

		est->slots = (uint64_t)ops;
		if (wl_option(rs, "file", 0) == 0)
			est->slots = MIN(est->slots, pages);
		est->slots++;
		per_slot = SLOT_BYTES + RANDOM_SLOT_BYTES;
	} else if (!strcmp(rs->workload, "boot")) {
		est->slots = 0;		/* boot-time allocations only */
		per_slot = SLOT_BYTES;
	} else {
		/* a live slot holds at least one page */
		est->slots = pages;
		per_slot = SLOT_BYTES + OTHER_SLOT_BYTES;
	}
	est->page_arrays = sat_add(sat_mul(pages, PAGE_ARRAY_BYTES), sat_mul(blocks, PAGEBLOCK_BYTES));
	if (rs->reclaim) {
		est->reclaim = sat_mul(pages, RECLAIM_PAGE_BYTES);
		if (est->slots > pages)
			est->reclaim = sat_add(est->reclaim,
					       sat_mul(est->slots - pages, SLOT_RECLAIM_BYTES));
	}
	est->slot_state = sat_mul(est->slots, per_slot);
	est->total = sat_add(sat_add(sat_add(est->page_arrays, est->reclaim), est->slot_state),
			     FIXED_BYTES);
}

/* cgroup v2 memory.max of this process, UINT64_MAX if none. */
static uint64_t cgroup_limit(void)
{
	g_autofree char *cg = NULL;
	g_auto(GStrv) lines = NULL;
	uint64_t limit = UINT64_MAX;

	if (!g_file_get_contents("/proc/self/cgroup", &cg, NULL, NULL))
		return UINT64_MAX;
	lines = g_strsplit(cg, "\n", -1);
	for (char **l = lines; *l; l++) {
		g_autofree char *path = NULL, *max = NULL;
		char *end;
		uint64_t v;

		if (!g_str_has_prefix(*l, "0::"))	/* the unified hierarchy */
			continue;
		path = g_strdup_printf("/sys/fs/cgroup%s/memory.max", *l + 3);
		if (!g_file_get_contents(path, &max, NULL, NULL))
			break;
		v = g_ascii_strtoull(max, &end, 10);	/* "max": no limit */
		if (end != max)
			limit = v;
		break;
	}
	return limit;
}

uint64_t limits_default_max_mem(const char **what)
{
	long pages = sysconf(_SC_PHYS_PAGES), psize = sysconf(_SC_PAGESIZE);
	uint64_t ram = pages > 0 && psize > 0 ? (uint64_t)pages * (uint64_t)psize : 0;
	uint64_t cg = cgroup_limit();

	if (what)
		*what = "RAM";
	if (cg < ram || !ram) {
		ram = cg;
		if (what)
			*what = "the cgroup limit";
	}
	if (!ram || ram == UINT64_MAX)
		return UINT64_MAX;
	return ram / 100 * DEFAULT_MAX_MEM_PERCENT;
}

/* "1024", "0.5", "6.2": GiB for messages, whole numbers without decimals. */
static void format_gib(char *buf, size_t len, uint64_t bytes)
{
	double gib = (double)bytes / (double)(1ULL << 30);

	if (bytes % (1ULL << 30) == 0 || gib >= 100)
		snprintf(buf, len, "%.0f", gib);
	else
		snprintf(buf, len, "%.1f", gib);
}

bool run_spec_check_mem(const struct run_spec *rs, GError **error)
{
	const char *what = NULL;
	uint64_t limit = rs->max_mem_bytes;
	struct mem_estimate est;
	char guest[32], need[32], max[32], percent[48] = "";

	run_spec_mem_estimate(rs, &est);
	if (!est.spanned_pages)
		return true;		/* pgdat_create() explains the size */
	if (!limit)
		limit = limits_default_max_mem(&what);
	if (est.total <= limit)
		return true;
	if (what)
		snprintf(percent, sizeof(percent), " (%d%% of %s)", DEFAULT_MAX_MEM_PERCENT, what);
	format_gib(guest, sizeof(guest), rs->cfg.mem_bytes);
	format_gib(need, sizeof(need), est.total);
	format_gib(max, sizeof(max), limit);
	g_set_error(error, SIM_CLI_ERROR, SIM_CLI_ERROR_LIMIT,
		    "guest of %s GiB needs about %s GiB of simulator memory, more than "
		    "--max-mem %s GiB%s; raise --max-mem or shrink --mem", guest, need, max,
		    percent);
	return false;
}
