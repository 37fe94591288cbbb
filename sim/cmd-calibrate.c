// SPDX-License-Identifier: GPL-2.0-only
/*
 * acceptsim calibrate FILE...: merge probe runs of several boots into one
 * cost model (calib_merge(): medians per key), print what was derived and
 * from how many files, and optionally write the merged calibration file.
 */
#include <stdio.h>
#include <string.h>
#include "sim/calib.h"
#include "sim/cli.h"
#include "sim/commands.h"
#include "sim/cost.h"

/* Keys whose merged values the summary lists, in this order. */
static const char *const summary_keys[] = {
	"platform", "accept_mode", "samples", "fault4k.accepted", "fault4k.lazy",
	"fault2m_thp.accepted", "exit.module_rt", "exit.ve_local", "exit.vmm_rt",
	"tdcall.vp_info", "hcall.vmm_rt", "accept.per_gib_s", "accept.per_4k_equiv",
	"accept.block4m", "accept.batch_blocks", "accept.scaling", "accept.p_par", "host_2m",
	"host_fault_est", NULL,
};

int cmd_calibrate(int argc, char **argv)
{
	g_autofree char *out = NULL, *fallback = NULL;
	GOptionEntry entries[] = {
		{ "out", 'o', 0, G_OPTION_ARG_FILENAME, &out,
		  "Write the merged calibration file here (atomically)", "FILE" },
		{ "fallback", 'f', 0, G_OPTION_ARG_STRING, &fallback,
		  "Preset for values the files lack (default: by platform, tdx-4k-host or snp)",
		  "PRESET" },
		{ NULL },
	};
	g_autoptr(GOptionContext) ctx = g_option_context_new("FILE...");
	g_autoptr(GError) error = NULL;
	g_autoptr(GString) ignored = g_string_new(NULL);
	g_autoptr(GString) text = g_string_new(NULL);
	g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func((GDestroyNotify)calib_file_free);
	struct calib_file *merged;
	struct cost_model cm;
	int ret = EXIT_USAGE;

	g_option_context_set_summary(ctx,
		"Merge calibration files written by acceptsim-probe (one per boot) into one\n"
		"cost model: each value is the median over the files that have it.\n"
		"The merged file (--out) loads with 'acceptsim run --cost-model FILE'.");
	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!cli_parse(ctx, "calibrate", &argc, &argv))
		return EXIT_USAGE;
	if (argc < 2) {
		fprintf(stderr, "acceptsim calibrate: no calibration file given "
				"(see 'acceptsim calibrate --help')\n");
		return EXIT_USAGE;
	}
	if (fallback) {
		struct cost_model tmp;

		if (!cost_model_preset(fallback, &tmp, &error)) {
			cli_report("calibrate", error);
			return EXIT_USAGE;
		}
	}
	for (int i = 1; i < argc; i++) {
		struct calib_file *cf = calib_file_load(argv[i], &error);

		if (!cf) {
			cli_report("calibrate", error);
			return EXIT_USAGE;
		}
		g_ptr_array_add(files, cf);
	}
	merged = calib_merge((struct calib_file *const *)files->pdata, files->len, ignored, &error);
	if (!merged) {
		cli_report("calibrate", error);
		return EXIT_USAGE;
	}
	if (!cost_model_from_calib(merged, fallback, &cm, &error)) {
		cli_report("calibrate", error);
		goto out_free;
	}

	printf("merged %u calibration file%s\n", files->len, files->len == 1 ? "" : "s");
	for (guint i = 0; i < files->len; i++) {
		const struct calib_file *cf = g_ptr_array_index(files, i);

		printf("  %s: platform %s, accept_mode %s\n", calib_file_name(cf),
		       calib_file_string(cf, "platform", "none"),
		       calib_file_string(cf, "accept_mode", "unknown"));
	}
	for (const char *const *k = summary_keys; *k; k++) {
		const struct calib_entry *e = calib_file_lookup(merged, *k);

		if (!e)
			continue;
		printf("  %-22s %s%s  (%s)\n", e->key, e->origin == CALIB_INFERRED ? "inferred:" : "",
		       e->text, e->comment ? e->comment : "");
	}
	if (ignored->len)
		printf("  ignored keys: %s\n", ignored->str);
	/* The merged model is named after the inputs, not the temporary "merged". */
	g_snprintf(cm.name, sizeof(cm.name), "calibrate:%u-file%s", files->len,
		   files->len == 1 ? "" : "s");
	cost_model_describe(&cm, text);
	fputs(text->str, stdout);

	if (out) {
		g_string_truncate(text, 0);
		calib_file_format(merged, text);
		if (!write_file_atomic(out, text->str, text->len, &error)) {
			cli_report("calibrate", error);
			goto out_free;
		}
		printf("wrote %s\n", out);
	}
	ret = 0;
out_free:
	calib_file_free(merged);
	return ret;
}
