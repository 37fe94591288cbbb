// SPDX-License-Identifier: GPL-2.0-only
/* The model options shared by run, bench and the study commands. */
#include <string.h>
#include "options.h"
#include "cli.h"

void model_opts_init(struct model_opts *o)
{
	/* -1: not given, keep the configuration's value */
	memset(o, 0, sizeof(*o));
	o->cpus = -1;
	o->wsf = -1;
	o->boost_factor = -1;
	o->check_every = -1;
}

void model_opts_clear(struct model_opts *o)
{
	g_free(o->mem);
	g_free(o->below_4g);
	g_free(o->kernel);
	g_free(o->min_free_kbytes);
	g_strfreev(o->holes);
	memset(o, 0, sizeof(*o));
}

GOptionEntry *model_opts_entries(struct model_opts *o)
{
	const GOptionEntry entries[] = {
		{ "mem", 0, 0, G_OPTION_ARG_STRING, &o->mem,
		  "Guest memory (default 4G)", "SIZE" },
		{ "cpus", 0, 0, G_OPTION_ARG_INT, &o->cpus, "Simulated CPUs (default 1)", "N" },
		{ "kernel", 0, 0, G_OPTION_ARG_STRING, &o->kernel,
		  "Kernel era: 6.5, 6.12 or 6.15 (default)", "ERA" },
		{ "below-4g", 0, 0, G_OPTION_ARG_STRING, &o->below_4g,
		  "RAM below the PCI hole (default: q35, 2G when mem >= 2.75G)", "SIZE" },
		{ "hole", 0, 0, G_OPTION_ARG_STRING_ARRAY, &o->holes,
		  "Remove START:SIZE from RAM (repeatable)", "START:SIZE" },
		{ "no-pcp", 0, 0, G_OPTION_ARG_NONE, &o->no_pcp,
		  "Disable per-CPU lists: every request goes to the buddy", NULL },
		{ "no-thp", 0, 0, G_OPTION_ARG_NONE, &o->no_thp,
		  "THP disabled (no khugepaged min_free_kbytes raise)", NULL },
		{ "watermark-scale-factor", 0, 0, G_OPTION_ARG_INT, &o->wsf,
		  "vm.watermark_scale_factor (default 10)", "N" },
		{ "watermark-boost-factor", 0, 0, G_OPTION_ARG_INT, &o->boost_factor,
		  "vm.watermark_boost_factor (default 15000)", "N" },
		{ "min-free-kbytes", 0, 0, G_OPTION_ARG_STRING, &o->min_free_kbytes,
		  "vm.min_free_kbytes (default: kernel formula)", "KB" },
		{ "check-every", 0, 0, G_OPTION_ARG_INT, &o->check_every,
		  "With debug_checks=2, validate the model every N events (default 1)", "N" },
		{ NULL },
	};
	return g_memdup2(entries, sizeof(entries));
}

static bool usage_error(GError **error, const char *option, const char *what)
{
	g_set_error(error, SIM_CLI_ERROR, SIM_CLI_ERROR_USAGE, "%s: %s", option, what);
	return false;
}

bool model_opts_apply(const struct model_opts *o, struct sim_config *cfg, GError **error)
{
	uint64_t v;

	if (o->mem) {
		if (!parse_size(o->mem, &cfg->mem_bytes, error)) {
			g_prefix_error(error, "--mem: ");
			return false;
		}
	}
	if (o->below_4g) {
		if (!parse_size(o->below_4g, &cfg->below_4g_bytes, error)) {
			g_prefix_error(error, "--below-4g: ");
			return false;
		}
	}
	if (o->kernel && !kernel_era_parse(o->kernel, &cfg->era, error)) {
		g_prefix_error(error, "--kernel: ");
		return false;
	}
	if (o->cpus != -1) {
		if (o->cpus < 1 || o->cpus > 1024)
			return usage_error(error, "--cpus", "must be between 1 and 1024");
		cfg->cpus = (unsigned int)o->cpus;
	}
	if (o->no_pcp)
		cfg->pcp = false;
	if (o->no_thp)
		cfg->thp = false;
	if (o->wsf != -1) {
		if (o->wsf < 1 || o->wsf > 3000)
			return usage_error(error, "--watermark-scale-factor",
					   "must be between 1 and 3000");
		cfg->watermark_scale_factor = (unsigned int)o->wsf;
	}
	if (o->boost_factor != -1) {
		if (o->boost_factor < 0)
			return usage_error(error, "--watermark-boost-factor", "must be >= 0");
		cfg->watermark_boost_factor = (unsigned int)o->boost_factor;
	}
	if (o->min_free_kbytes) {
		if (!parse_uint(o->min_free_kbytes, 128, 1ULL << 40, &v, error)) {
			g_prefix_error(error, "--min-free-kbytes: ");
			return false;
		}
		cfg->min_free_kbytes = v;
	}
	if (o->check_every != -1) {
		if (o->check_every < 1)
			return usage_error(error, "--check-every", "must be >= 1");
		cfg->check_every = (uint32_t)o->check_every;
	}
	for (char **h = o->holes; h && *h; h++) {
		g_auto(GStrv) parts = g_strsplit(*h, ":", 2);
		struct mem_hole hole;

		if (!parts[0] || !parts[1])
			return usage_error(error, "--hole", "expected START:SIZE");
		if (!parse_size(parts[0], &hole.start, error) ||
		    !parse_size(parts[1], &hole.size, error)) {
			g_prefix_error(error, "--hole: ");
			return false;
		}
		if (!cfg->holes)
			cfg->holes = g_array_new(FALSE, FALSE, sizeof(struct mem_hole));
		g_array_append_val(cfg->holes, hole);
	}
	return true;
}
