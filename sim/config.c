// SPDX-License-Identifier: GPL-2.0-only
/* Model configuration defaults and the names the kernel prints. */
#include <string.h>
#include "mm.h"
#include "cli.h"

void sim_config_init(struct sim_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->mem_bytes = 4ULL << 30;
	cfg->reserved_bytes = UINT64_MAX;	/* default boot reservations */
	cfg->cpus = 1;
	cfg->era = KERNEL_6_15;
	cfg->thp = true;
	cfg->pcp = true;
	cfg->watermark_scale_factor = 10;
	cfg->watermark_boost_factor = 15000;
}

void sim_config_clear(struct sim_config *cfg)
{
	if (cfg->holes)
		g_array_unref(cfg->holes);
	cfg->holes = NULL;
}

static const char *const era_names[NR_KERNEL_ERAS] = {
	[KERNEL_6_5] = "6.5",
	[KERNEL_6_12] = "6.12",
	[KERNEL_6_15] = "6.15",
};

const char *kernel_era_name(enum kernel_era era)
{
	return era < NR_KERNEL_ERAS ? era_names[era] : "?";
}

bool kernel_era_parse(const char *s, enum kernel_era *era, GError **error)
{
	for (int e = 0; e < NR_KERNEL_ERAS; e++) {
		if (s && !strcmp(s, era_names[e])) {
			*era = e;
			return true;
		}
	}
	g_set_error(error, SIM_CLI_ERROR, SIM_CLI_ERROR_USAGE,
		    "unknown kernel era '%s' (expected 6.5, 6.12 or 6.15)", s ? s : "");
	return false;
}

const char *migratetype_name(int mt)
{
	static const char *const names[] = {
		"Unmovable", "Movable", "Reclaimable", "HighAtomic", "CMA", "Isolate",
	};

	return mt >= 0 && mt < (int)G_N_ELEMENTS(names) ? names[mt] : "Unknown";
}

const char *zone_name(enum zone_type zt)
{
	static const char *const names[MAX_NR_ZONES] = {
		"DMA", "DMA32", "Normal", "Movable",
	};

	return zt < MAX_NR_ZONES ? names[zt] : "?";
}
