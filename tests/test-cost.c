// SPDX-License-Identifier: GPL-2.0-only
/*
 * The cost model (sim/cost.c) and calibration files (sim/calib.c): preset
 * values, the boot-time tables of accept-cost.md 3.2, loading probe files
 * over a preset, errors naming file, line and key, merging several boots,
 * and the acceptsim calibrate command.
 */
#include <math.h>
#include <string.h>
#include <sys/wait.h>
#include <glib/gstdio.h>
#include "helpers.h"
#include "sim/calib.h"
#include "sim/cost.h"

#define HDR "# accept-cost calibration v1\n"

static char *tmp_dir;

static void remove_tmp_dir(void)
{
	g_autoptr(GDir) d = tmp_dir ? g_dir_open(tmp_dir, 0, NULL) : NULL;
	const char *n;

	while (d && (n = g_dir_read_name(d))) {
		g_autofree char *p = g_build_filename(tmp_dir, n, NULL);

		g_unlink(p);
	}
	if (tmp_dir)
		g_rmdir(tmp_dir);
	g_free(tmp_dir);
}

/* Write @text to @name in the test's temporary directory; returns the path. */
static char *write_tmp(const char *name, const char *text)
{
	char *path;

	if (!tmp_dir) {
		tmp_dir = g_dir_make_tmp("test-cost-XXXXXX", NULL);
		g_assert(tmp_dir);
		atexit(remove_tmp_dir);
	}
	path = g_build_filename(tmp_dir, name, NULL);
	g_assert(g_file_set_contents(path, text, -1, NULL));
	return path;
}

static bool close_to(double got, double want, double rel)
{
	return fabs(got - want) <= rel * fabs(want);
}

#define ASSERT_CLOSE(got, want, rel) CU_ASSERT(close_to((got), (want), (rel)))

/* ---- presets ---- */

static void test_cost_presets(void)
{
	struct cost_model cm;
	g_autoptr(GError) error = NULL;
	const char *const *names = cost_model_preset_names();
	guint n = 0;

	for (; names[n]; n++) {
		CU_ASSERT(cost_model_preset(names[n], &cm, NULL));
		CU_ASSERT_STRING_EQUAL(cm.name, names[n]);
		CU_ASSERT_STRING_EQUAL(cm.fallback, "");
		for (int p = 0; p < NR_COST_PARAMS; p++)
			ASSERT_EQ(cm.origin[p], COST_PRESET);
	}
	ASSERT_EQ(n, 4);

	CU_ASSERT(cost_model_preset("tdx-claim-2022", &cm, NULL));
	ASSERT_CLOSE(cm.t_acc4k, 0.655e9 / 262144, 1e-12);
	ASSERT_CLOSE(cost_accept_s_per_gib(&cm), 0.655, 1e-12);
	ASSERT_CLOSE(cm.k_fw_gib + cm.w_gib, 0.25, 1e-12);
	ASSERT_CLOSE(cm.f_meta, 1.0 / 64, 1e-12);
	ASSERT_CLOSE(cm.t_fixed_s, 0.64, 1e-12);
	ASSERT_CLOSE(cm.c_mem_s_per_gib, 0.19, 1e-12);

	CU_ASSERT(cost_model_preset("tdx-4k-host", &cm, NULL));
	ASSERT_CLOSE(cost_accept_s_per_gib(&cm), 0.667, 1e-12);
	ASSERT_CLOSE(cm.k_fw_gib, 2.0, 1e-12);
	ASSERT_CLOSE(cm.w_gib, 0.25, 1e-12);
	ASSERT_CLOSE(cm.t_fixed_s, 8.0, 1e-12);
	ASSERT_CLOSE(cm.c_mem_s_per_gib, 0.02, 1e-12);
	ASSERT_CLOSE(cm.p_par, 0.44, 1e-12);
	ASSERT_CLOSE(cm.t_tdcall_rt, 1000, 1e-12);
	ASSERT_CLOSE(cm.t_vmm_rt, 3500, 1e-12);
	ASSERT_CLOSE(cm.t_acc2m_hostbig, 200000, 1e-12);
	CU_ASSERT_FALSE(cm.host_2m);
	CU_ASSERT(cm.t_fault4k > 0);

	CU_ASSERT(cost_model_preset("snp", &cm, NULL));
	ASSERT_CLOSE(cost_accept_s_per_gib(&cm), 1.64, 1e-12);
	ASSERT_CLOSE(cm.k_fw_gib + cm.w_gib, 2.25, 1e-12);
	ASSERT_CLOSE(cm.t_fixed_s, 11.5, 1e-12);

	CU_ASSERT(cost_model_preset("none", &cm, NULL));
	CU_ASSERT_EQUAL(cost_accept_s_per_gib(&cm), 0.0);
	ASSERT_EQ(cost_accept_ns(&cm, 1ULL << 30), 0);
	CU_ASSERT(cm.t_fault4k > 0);

	CU_ASSERT_FALSE(cost_model_preset("tdx-magic", &cm, &error));
	CU_ASSERT(g_error_matches(error, COST_ERROR, COST_ERROR_UNKNOWN));
	CU_ASSERT_PTR_NOT_NULL(strstr(error->message, "tdx-magic"));
	CU_ASSERT_PTR_NOT_NULL(strstr(error->message, "tdx-4k-host"));
}

static void test_cost_accept_ns(void)
{
	struct cost_model cm;

	CU_ASSERT(cost_model_preset("tdx-4k-host", &cm, NULL));
	ASSERT_CLOSE((double)cost_accept_ns(&cm, 1ULL << 30), 0.667e9, 1e-9);
	ASSERT_EQ(cost_accept_ns(&cm, 4096), llround(cm.t_acc4k));
	ASSERT_EQ(cost_accept_ns(&cm, 1), llround(cm.t_acc4k));	/* a partial page is a page */
	ASSERT_EQ(cost_accept_ns(&cm, 0), 0);
	/* With a 2M host: 2M units, the rest in 4K pages. */
	cm.host_2m = true;
	ASSERT_CLOSE(cost_accept_s_per_gib(&cm), 512 * 200000e-9, 1e-12);
	ASSERT_EQ(cost_accept_ns(&cm, (2ULL << 20) + 8192), llround(200000 + 2 * cm.t_acc4k));
}

static void test_cost_parallel(void)
{
	struct cost_model cm;

	CU_ASSERT(cost_model_preset("tdx-4k-host", &cm, NULL));
	ASSERT_CLOSE(cost_parallel_speedup(&cm, 1), 1.0, 1e-12);
	ASSERT_CLOSE(cost_parallel_speedup(&cm, 0), 1.0, 1e-12);
	/* F3/F4: 60 s on 1 vCPU, 40 s on 4. */
	ASSERT_CLOSE(cost_parallel_speedup(&cm, 4), 1.5, 0.01);
	ASSERT_CLOSE(cost_parallel_speedup(&cm, 1u << 30), 1 / 0.56, 1e-6);
}

/* ---- the boot-time tables of accept-cost.md 3.2 ---- */

struct boot_row {
	double mem_gib, eager_s, lazy_s, ratio;
};

static void check_table(const char *preset, const struct boot_row *rows, unsigned int n)
{
	struct cost_model cm;

	CU_ASSERT_FATAL(cost_model_preset(preset, &cm, NULL));
	for (unsigned int i = 0; i < n; i++) {
		double e = cost_boot_time_s(&cm, rows[i].mem_gib, false, 1);
		double l = cost_boot_time_s(&cm, rows[i].mem_gib, true, 1);

		/* T = t_fixed + c_mem M + a A, by hand */
		double a = cost_accept_s_per_gib(&cm);
		double lazy_a = cm.k_fw_gib + cm.w_gib + cm.f_meta * rows[i].mem_gib;

		ASSERT_CLOSE(e, cm.t_fixed_s + cm.c_mem_s_per_gib * rows[i].mem_gib +
				a * rows[i].mem_gib, 1e-12);
		ASSERT_CLOSE(l, cm.t_fixed_s + cm.c_mem_s_per_gib * rows[i].mem_gib + a * lazy_a,
			     1e-12);
		ASSERT_CLOSE(e, rows[i].eager_s, 0.02);
		ASSERT_CLOSE(l, rows[i].lazy_s, 0.02);
		ASSERT_CLOSE(e / l, rows[i].ratio, 0.02);
	}
}

static void test_cost_boot_tables(void)
{
	static const struct boot_row d1[] = {
		{ 4, 4.02, 1.61, 2.50 }, { 64, 54.8, 13.7, 4.00 }, { 128, 108.9, 26.6, 4.10 },
	};
	static const struct boot_row d2[] = {
		{ 4, 10.75, 9.62, 1.12 }, { 64, 52.0, 11.5, 4.5 }, { 128, 95.9, 13.4, 7.2 },
	};
	static const struct boot_row d3[] = {
		{ 4, 18.1, 15.4, 1.18 }, { 64, 117.7, 18.1, 6.5 }, { 128, 224.0, 21.0, 10.7 },
	};
	struct cost_model cm;

	check_table("tdx-claim-2022", d1, G_N_ELEMENTS(d1));
	check_table("tdx-4k-host", d2, G_N_ELEMENTS(d2));
	check_table("snp", d3, G_N_ELEMENTS(d3));
	/* F5: 128 GiB SNP guest, 227 s eager vs 22 s lazy, within 2%/5%. */
	CU_ASSERT(cost_model_preset("snp", &cm, NULL));
	ASSERT_CLOSE(cost_boot_time_s(&cm, 128, false, 1), 227, 0.02);
	ASSERT_CLOSE(cost_boot_time_s(&cm, 128, true, 1), 22, 0.05);
	/* Acceptance, and only it, scales with vCPUs. */
	CU_ASSERT(cost_model_preset("tdx-4k-host", &cm, NULL));
	ASSERT_CLOSE(cost_boot_time_s(&cm, 64, false, 4),
		     8 + 0.02 * 64 + 0.667 * 64 / cost_parallel_speedup(&cm, 4), 1e-12);
}

/* ---- loading probe files ---- */

static bool load_text(const char *name, const char *text, const char *fallback,
		      struct cost_model *cm, GError **error)
{
	g_autofree char *path = write_tmp(name, text);

	return cost_model_load(path, fallback, cm, error);
}

static void test_cost_load_partial(void)
{
	struct cost_model cm, preset;
	g_autoptr(GError) error = NULL;

	CU_ASSERT_FATAL(load_text("partial.txt", HDR "platform = tdx\n"
				  "fault4k.accepted = 1000 200 250 300 400 900  # baseline\n",
				  NULL, &cm, &error));
	CU_ASSERT_STRING_EQUAL(cm.name, "file:partial.txt");
	CU_ASSERT_STRING_EQUAL(cm.fallback, "tdx-4k-host");
	ASSERT_CLOSE(cm.t_fault4k, 250, 1e-12);
	ASSERT_EQ(cm.origin[COST_T_FAULT4K], COST_MEASURED);
	cost_model_preset("tdx-4k-host", &preset, NULL);
	ASSERT_CLOSE(cm.t_acc4k, preset.t_acc4k, 1e-12);
	ASSERT_CLOSE(cm.t_tdcall_rt, preset.t_tdcall_rt, 1e-12);
	ASSERT_CLOSE(cm.t_fixed_s, preset.t_fixed_s, 1e-12);
	for (int p = 0; p < NR_COST_PARAMS; p++)
		if (p != COST_T_FAULT4K)
			ASSERT_EQ(cm.origin[p], COST_PRESET);

	/* An explicit fallback wins over the platform's default. */
	CU_ASSERT(load_text("partial2.txt", HDR "platform = tdx\n", "snp", &cm, NULL));
	CU_ASSERT_STRING_EQUAL(cm.fallback, "snp");
	ASSERT_CLOSE(cost_accept_s_per_gib(&cm), 1.64, 1e-12);
	/* An SNP file falls back to the snp preset by default. */
	CU_ASSERT(load_text("partial3.txt", HDR "platform = snp\n", NULL, &cm, NULL));
	CU_ASSERT_STRING_EQUAL(cm.fallback, "snp");
	/* A bad fallback name is an error. */
	CU_ASSERT_FALSE(load_text("partial4.txt", HDR, "nope", &cm, &error));
	CU_ASSERT(g_error_matches(error, COST_ERROR, COST_ERROR_UNKNOWN));
}

static void test_cost_load_tdx(void)
{
	struct cost_model cm;
	g_autoptr(GError) error = NULL;
	g_autoptr(GString) desc = g_string_new(NULL);

	CU_ASSERT_FATAL(load_text("tdx.txt", HDR
		"platform = tdx\n"
		"exit.module_rt = 10000 1100 1200 1300 1500 9000\n"
		"exit.ve_local = 10000 1900 2000 2100 2500 9000\n"
		"exit.vmm_rt = 10000 5800 6000 6300 7000 20000\n"
		"fault4k.accepted = 65536 600 700 800 1500 50000\n"
		"accept.per_gib_s = 0.8 0.05  # median iqr\n"
		"accept.scaling = 1:1.25 2:1.9 4:2.4 ; accept.p_par = 0.6\n"
		"host_2m = inferred:0\n", NULL, &cm, &error));
	ASSERT_CLOSE(cm.t_tdcall_rt, 1200, 1e-12);
	ASSERT_CLOSE(cm.t_vmm_rt, 4000, 1e-12);	/* vmm_rt - ve_local */
	ASSERT_CLOSE(cm.t_acc4k, 0.8e9 / 262144, 1e-12);
	ASSERT_CLOSE(cm.t_fault4k, 700, 1e-12);
	ASSERT_CLOSE(cm.p_par, 0.6, 1e-12);
	CU_ASSERT_FALSE(cm.host_2m);
	ASSERT_EQ(cm.origin[COST_HOST_2M], COST_INFERRED);
	ASSERT_EQ(cm.origin[COST_T_ACC4K], COST_MEASURED);
	ASSERT_EQ(cm.origin[COST_T_ACC2M_HOSTBIG], COST_PRESET);
	ASSERT_EQ(cm.origin[COST_T_FIXED], COST_PRESET);

	cost_model_describe(&cm, desc);
	CU_ASSERT_PTR_NOT_NULL(strstr(desc->str, "file:tdx.txt"));
	CU_ASSERT_PTR_NOT_NULL(strstr(desc->str, "tdx-4k-host"));
	CU_ASSERT_PTR_NOT_NULL(strstr(desc->str, "inferred"));
	CU_ASSERT(g_regex_match_simple("t_fault4k +700\\.0 ns +measured", desc->str, 0, 0));
	CU_ASSERT(g_regex_match_simple("t_fixed_s +8 s +preset", desc->str, 0, 0));

	/* per_4k_equiv wins over per_gib_s; a unit converts. */
	CU_ASSERT(load_text("tdx2.txt", HDR "platform = tdx\naccept.per_4k_equiv = 3.1 us\n"
			    "accept.per_gib_s = 0.8\n", NULL, &cm, NULL));
	ASSERT_CLOSE(cm.t_acc4k, 3100, 1e-12);
	/* Module timings win over the CPUID-based exits. */
	CU_ASSERT(load_text("tdx3.txt", HDR "platform = tdx\n"
			    "exit.module_rt = 10 1 1200 1300 1500 9000\n"
			    "tdcall.vp_info = 10 1 900 1000 1100 2000\n"
			    "hcall.vmm_rt = 10 1 2900 3000 3100 4000\n", NULL, &cm, NULL));
	ASSERT_CLOSE(cm.t_tdcall_rt, 900, 1e-12);
	ASSERT_CLOSE(cm.t_vmm_rt, 2900, 1e-12);
}

static void test_cost_load_host2m(void)
{
	struct cost_model cm, preset;

	cost_model_preset("tdx-4k-host", &preset, NULL);
	CU_ASSERT_FATAL(load_text("h2m.txt", HDR "platform = tdx\naccept.per_gib_s = 0.1\n"
				  "host_2m = inferred:1\n", NULL, &cm, NULL));
	CU_ASSERT(cm.host_2m);
	ASSERT_EQ(cm.origin[COST_HOST_2M], COST_INFERRED);
	ASSERT_CLOSE(cm.t_acc2m_hostbig, 0.1e9 / 512, 1e-12);
	ASSERT_EQ(cm.origin[COST_T_ACC2M_HOSTBIG], COST_MEASURED);
	ASSERT_CLOSE(cm.t_acc4k, preset.t_acc4k, 1e-12);
	ASSERT_CLOSE(cost_accept_s_per_gib(&cm), 0.1, 1e-12);
	/* unknown keeps the preset */
	CU_ASSERT(load_text("h2m2.txt", HDR "host_2m = inferred:unknown\n", NULL, &cm, NULL));
	CU_ASSERT_FALSE(cm.host_2m);
	ASSERT_EQ(cm.origin[COST_HOST_2M], COST_PRESET);
}

static void test_cost_load_snp_and_none(void)
{
	struct cost_model cm;

	CU_ASSERT_FATAL(load_text("snp.txt", HDR "platform = snp\n"
				  "exit.module_rt = 100 600 650 700 800 900\n"
				  "exit.vmm_rt = 100 3700 3850 3900 4000 5000\n", NULL, &cm, NULL));
	ASSERT_CLOSE(cm.t_tdcall_rt, 650, 1e-12);
	ASSERT_CLOSE(cm.t_vmm_rt, 3200, 1e-12);	/* F14: 3.85 - 0.65 us */

	/* platform none: only the fault cost counts, CPUID exits are no TDX/#VC exits */
	CU_ASSERT_FATAL(load_text("none.txt", HDR "platform = none\naccept_mode = unavailable\n"
				  "exit.module_rt = 100 600 650 700 800 900\n"
				  "fault4k.accepted = 100 8000 9000 9500 10000 90000\n",
				  NULL, &cm, NULL));
	CU_ASSERT_STRING_EQUAL(cm.fallback, "tdx-4k-host");
	ASSERT_CLOSE(cm.t_tdcall_rt, 1000, 1e-12);
	ASSERT_EQ(cm.origin[COST_T_TDCALL_RT], COST_PRESET);
	ASSERT_CLOSE(cm.t_fault4k, 9000, 1e-12);
	ASSERT_EQ(cm.origin[COST_T_FAULT4K], COST_MEASURED);
}

static void test_cost_load_model_keys(void)
{
	struct cost_model cm;

	CU_ASSERT_FATAL(load_text("model.txt", HDR "model.t_fixed_s = 5\nmodel.k_fw_gib = 0.25\n"
				  "model.w_gib = inferred:0.5\nmodel.f_meta = 0.03125\n"
				  "model.c_mem_s_per_gib = 0\nmodel.t_acc4k = 8 us\n"
				  "model.host_2m = 0\n", "snp", &cm, NULL));
	ASSERT_CLOSE(cm.t_fixed_s, 5, 1e-12);
	ASSERT_CLOSE(cm.k_fw_gib, 0.25, 1e-12);
	ASSERT_CLOSE(cm.w_gib, 0.5, 1e-12);
	ASSERT_EQ(cm.origin[COST_W], COST_INFERRED);
	ASSERT_CLOSE(cm.f_meta, 1.0 / 32, 1e-12);
	ASSERT_CLOSE(cm.c_mem_s_per_gib, 0, 1e-12);
	ASSERT_EQ(cm.origin[COST_C_MEM], COST_MEASURED);
	ASSERT_CLOSE(cm.t_acc4k, 8000, 1e-12);
}

static void test_cost_load_missing(void)
{
	struct cost_model cm;
	g_autoptr(GError) error = NULL;

	CU_ASSERT_FALSE(cost_model_load("/nonexistent/probe.txt", NULL, &cm, &error));
	CU_ASSERT(g_error_matches(error, COST_ERROR, COST_ERROR_UNKNOWN));
	CU_ASSERT_PTR_NOT_NULL(strstr(error->message, "/nonexistent/probe.txt"));
	g_clear_error(&error);
	CU_ASSERT(cost_model_load("snp", NULL, &cm, &error));
	CU_ASSERT_STRING_EQUAL(cm.name, "snp");
}

/* ---- bad files ---- */

/* Loading @text fails with @code and a message containing each of @needles. */
static void expect_error(const char *text, GQuark domain, int code, const char *const *needles)
{
	struct cost_model cm;
	g_autoptr(GError) error = NULL;
	g_autofree char *path = write_tmp("bad.txt", text);

	CU_ASSERT_FALSE(cost_model_load(path, NULL, &cm, &error));
	CU_ASSERT_PTR_NOT_NULL_FATAL(error);
	CU_ASSERT(g_error_matches(error, domain, code));
	for (; *needles; needles++) {
		if (!strstr(error->message, *needles)) {
			fprintf(stderr, "\n  message '%s' lacks '%s'\n", error->message, *needles);
			CU_FAIL("error message");
		}
	}
	/* every message names the file */
	CU_ASSERT_PTR_NOT_NULL(strstr(error->message, path));
}

#define NEEDLES(...) ((const char *const[]){ __VA_ARGS__, NULL })

static void test_calib_bad_files(void)
{
	const GQuark C = CALIB_ERROR;

	/* a probe file cut short in the middle of a distribution */
	expect_error(HDR "platform = tdx\nfault4k.accepted = 65536 8967.0 9447",
		     C, CALIB_ERROR_PARSE,
		     NEEDLES("bad.txt:3: key 'fault4k.accepted': expected 6 numbers "
			     "(n p05 p50 p90 p99 max), got 3"));
	expect_error(HDR "\n\nfault4k.accepted = 1 2 3 4 5 6 7\n", C, CALIB_ERROR_PARSE,
		     NEEDLES(":4: key 'fault4k.accepted'", "expected 6 numbers"));
	expect_error(HDR "exit.vmm_rt = 10 1 2 abc 4 5\n", C, CALIB_ERROR_PARSE,
		     NEEDLES(":2: key 'exit.vmm_rt'", "'abc' is not a number"));
	expect_error(HDR "exit.vmm_rt = 10 1 5 4 6 7\n", C, CALIB_ERROR_PARSE,
		     NEEDLES(":2: key 'exit.vmm_rt'", "percentiles"));
	expect_error(HDR "exit.vmm_rt = 10.5 1 2 3 4 5\n", C, CALIB_ERROR_PARSE,
		     NEEDLES(":2: key 'exit.vmm_rt'", "integer"));
	expect_error(HDR "fault4k.accepted = 10 -1 2 3 4 5\n", C, CALIB_ERROR_PARSE,
		     NEEDLES(":2: key 'fault4k.accepted'", "negative"));
	expect_error(HDR "fault4k.accepted = 10 1 2 3 4 5 years\n", C, CALIB_ERROR_PARSE,
		     NEEDLES(":2: key 'fault4k.accepted'", "unit 'years'"));
	expect_error(HDR "vcpus = 4 ns\n", C, CALIB_ERROR_PARSE,
		     NEEDLES(":2: key 'vcpus'", "unit 'ns' not allowed"));
	expect_error(HDR "accept.per_gib_s = 0.6 0.1 0.2\n", C, CALIB_ERROR_PARSE,
		     NEEDLES(":2: key 'accept.per_gib_s'", "optional IQR"));
	expect_error(HDR "vcpus = 4 8\n", C, CALIB_ERROR_PARSE,
		     NEEDLES(":2: key 'vcpus'", "expected one number"));
	expect_error(HDR "platform = sgx\n", C, CALIB_ERROR_PARSE,
		     NEEDLES(":2: key 'platform'", "'sgx' is not one of tdx, snp, none"));
	expect_error(HDR "accept_mode = sometimes\n", C, CALIB_ERROR_PARSE,
		     NEEDLES(":2: key 'accept_mode'", "lazy, eager, unavailable"));
	expect_error(HDR "accept.p_par = 1.5\n", C, CALIB_ERROR_PARSE,
		     NEEDLES(":2: key 'accept.p_par'", "outside 0..1"));
	expect_error(HDR "host_2m = maybe\n", C, CALIB_ERROR_PARSE,
		     NEEDLES(":2: key 'host_2m'", "0, 1 or unknown"));
	expect_error(HDR "accept.scaling = 1:0.5 2-0.8\n", C, CALIB_ERROR_PARSE,
		     NEEDLES(":2: key 'accept.scaling'", "'2-0.8'"));
	/* 17 pairs: 34 numbers do not fit (was an out-of-bounds write) */
	expect_error(HDR "accept.scaling = 1:1 2:1 3:1 4:1 5:1 6:1 7:1 8:1 9:1 10:1 11:1 12:1 "
		     "13:1 14:1 15:1 16:1 17:1\n", C, CALIB_ERROR_PARSE,
		     NEEDLES(":2: key 'accept.scaling'", "too many threads:GiB/s pairs (at most 16)"));
	expect_error(HDR "platform = tdx\n\nplatform = snp\n", C, CALIB_ERROR_PARSE,
		     NEEDLES(":4: key 'platform' repeated (first at line 2)"));
	expect_error(HDR "platform tdx\n", C, CALIB_ERROR_PARSE,
		     NEEDLES(":2: expected 'key = value'"));
	expect_error(HDR "fault 4k = 1\n", C, CALIB_ERROR_PARSE,
		     NEEDLES(":2: invalid key 'fault 4k'"));
	expect_error(HDR "kernel =\n", C, CALIB_ERROR_PARSE, NEEDLES(":2: key 'kernel': empty value"));
	expect_error(HDR "cmdline = \"ro quiet\n", C, CALIB_ERROR_PARSE,
		     NEEDLES(":2: key 'cmdline': unterminated string"));
	expect_error(HDR "cmdline = \"ro\" quiet\n", C, CALIB_ERROR_PARSE,
		     NEEDLES(":2: key 'cmdline': text after the closing quote"));
	expect_error("platform = tdx\n", C, CALIB_ERROR_VERSION,
		     NEEDLES(":1: not an accept-cost calibration file"));
	expect_error("\n# accept-cost calibration v2\nplatform = tdx\n", C, CALIB_ERROR_VERSION,
		     NEEDLES(":2: calibration format 'v2' is not supported"));
	expect_error("", C, CALIB_ERROR_VERSION, NEEDLES("empty file"));
	expect_error(HDR "model.f_meta = 2\n", C, CALIB_ERROR_PARSE,
		     NEEDLES(":2: key 'model.f_meta'", "outside 0..1"));
}

/* ---- the format ---- */

static void test_calib_syntax(void)
{
	g_autoptr(GError) error = NULL;
	const char *text = HDR
		"# a comment line\n"
		"   \n"
		"kernel = 6.8.0 ; vcpus = 8 ; mem_total_kib = 16777216  # three keys\r\n"
		"cmdline = \"ro quiet; x=\\\"y\\\" # not a comment\"  # a comment\n"
		"host_fault_est = inferred:1234.5\n"
		"fault4k.lazy = measured:10 1 2 3 4 5 ms\n"
		"cpuid.0x40000000 = 100 5 6 7 8 9\n"
		"cpuid.0x0.hist = 4096:9917 8192:2\n"
		"future.key = anything at all ; other.future = 1\n";
	struct calib_file *cf = calib_file_parse("syntax.txt", text, strlen(text), &error);
	const struct calib_entry *e;

	CU_ASSERT_PTR_NOT_NULL_FATAL(cf);
	ASSERT_EQ(calib_file_size(cf), 10);
	CU_ASSERT_STRING_EQUAL(calib_file_string(cf, "kernel", NULL), "6.8.0");
	e = calib_file_lookup(cf, "vcpus");
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	ASSERT_EQ(e->line, 4);
	ASSERT_EQ(e->v[0], 8);
	e = calib_file_lookup(cf, "mem_total_kib");
	CU_ASSERT_STRING_EQUAL(e->comment, "three keys");
	CU_ASSERT_STRING_EQUAL(calib_file_string(cf, "cmdline", NULL),
			       "ro quiet; x=\"y\" # not a comment");
	e = calib_file_lookup(cf, "host_fault_est");
	ASSERT_EQ(e->origin, CALIB_INFERRED);
	CU_ASSERT_DOUBLE_EQUAL(e->v[0], 1234.5, 1e-9);
	e = calib_file_lookup(cf, "fault4k.lazy");
	ASSERT_EQ(e->origin, CALIB_MEASURED);
	ASSERT_EQ(e->kind, CALIB_DIST);
	ASSERT_EQ(e->v[CALIB_N], 10);			/* n is a count, not a time */
	CU_ASSERT_DOUBLE_EQUAL(e->v[CALIB_P50], 2e6, 1e-6);
	ASSERT_EQ(calib_file_lookup(cf, "cpuid.0x40000000")->kind, CALIB_DIST);
	ASSERT_EQ(calib_file_lookup(cf, "cpuid.0x0.hist")->kind, CALIB_STRING);
	e = calib_file_lookup(cf, "future.key");
	CU_ASSERT_FALSE(e->known);
	CU_ASSERT_STRING_EQUAL(e->text, "anything at all");
	CU_ASSERT(calib_file_lookup(cf, "kernel")->known);
	calib_file_free(cf);
}

static void test_calib_set(void)
{
	struct calib_file *cf = calib_file_new("set");
	struct calib_entry e = { .key = "vcpus", .text = "4", .kind = CALIB_NUMBER, .nr = 1,
				 .v = { 4 } };
	const struct calib_entry *got;

	calib_file_set(cf, &e);
	e.key = "platform";
	e.text = "tdx";
	e.kind = CALIB_STRING;
	calib_file_set(cf, &e);
	/* replacing keeps the position and copies the new value */
	e.key = g_strdup("vcpus");
	e.text = "8";
	e.kind = CALIB_NUMBER;
	e.v[0] = 8;
	e.comment = "replaced";
	calib_file_set(cf, &e);
	g_free(e.key);
	ASSERT_EQ(calib_file_size(cf), 2);
	got = calib_file_entry(cf, 0);
	CU_ASSERT_STRING_EQUAL(got->key, "vcpus");
	CU_ASSERT_STRING_EQUAL(got->text, "8");
	CU_ASSERT_STRING_EQUAL(got->comment, "replaced");
	ASSERT_EQ(got->v[0], 8);
	CU_ASSERT_PTR_EQUAL(calib_file_lookup(cf, "vcpus"), got);
	calib_file_free(cf);
}

static void test_calib_round_trip(void)
{
	const char *text = HDR
		"platform = snp\n"
		"cmdline = \"a;b\"\n"
		"fault4k.accepted = 65536 8967 9447.9 10139.2 47139.2 5212791.3\n"
		"accept.per_gib_s = 1.7 0.05\n"
		"accept.scaling = 1:0.6 2:0.9 4:1.1\n"
		"host_2m = inferred:unknown\n"
		"host_fault_est = inferred:812.5  # inferred\n";
	struct calib_file *a = calib_file_parse("a.txt", text, strlen(text), NULL), *b;
	g_autoptr(GString) out = g_string_new(NULL);

	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	calib_file_format(a, out);
	b = calib_file_parse("b.txt", out->str, out->len, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	ASSERT_EQ(calib_file_size(a), calib_file_size(b));
	for (guint i = 0; i < calib_file_size(a); i++) {
		const struct calib_entry *x = calib_file_entry(a, i);
		const struct calib_entry *y = calib_file_lookup(b, x->key);

		CU_ASSERT_PTR_NOT_NULL_FATAL(y);
		CU_ASSERT_STRING_EQUAL(x->text, y->text);
		ASSERT_EQ(x->origin, y->origin);
		ASSERT_EQ(x->nr, y->nr);
		for (unsigned int j = 0; j < x->nr; j++)
			CU_ASSERT_DOUBLE_EQUAL(x->v[j], y->v[j], 1e-9);
	}
	calib_file_free(a);
	calib_file_free(b);
}

/* ---- merging boots ---- */

static struct calib_file *parse(const char *name, const char *text)
{
	g_autoptr(GError) error = NULL;
	struct calib_file *cf = calib_file_parse(name, text, strlen(text), &error);

	if (!cf)
		fprintf(stderr, "\n  %s\n", error->message);
	return cf;
}

static void test_calib_merge(void)
{
	struct calib_file *f[3] = {
		parse("boot1.txt", HDR "platform = tdx\naccept_mode = unavailable\n"
		      "fault4k.accepted = 100 90 100 110 120 500\n"
		      "accept.scaling = 1:1.0 2:1.6\nhost_2m = inferred:0\n"
		      "samples = boots:1 slices:0\nvendor.extra = 1\n"),
		parse("boot2.txt", HDR "platform = tdx\naccept_mode = lazy\n"
		      "fault4k.accepted = 200 70 300 310 320 900\n"
		      "accept.per_gib_s = 0.7 0.02\naccept.scaling = 1:1.2 2:1.8 4:2.0\n"
		      "host_2m = inferred:0\nsamples = boots:1 slices:16\n"),
		parse("boot3.txt", HDR "platform = tdx\naccept_mode = lazy\n"
		      "fault4k.accepted = 300 80 200 210 220 700\n"
		      "accept.per_gib_s = inferred:0.5 0.01\naccept.scaling = 1:1.1\n"
		      "host_2m = inferred:1\nsamples = boots:1 slices:16\n"),
	};
	g_autoptr(GString) ignored = g_string_new(NULL);
	g_autoptr(GError) error = NULL;
	struct calib_file *m;
	const struct calib_entry *e;
	struct cost_model cm;

	for (int i = 0; i < 3; i++)
		CU_ASSERT_PTR_NOT_NULL_FATAL(f[i]);
	m = calib_merge(f, 3, ignored, &error);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	CU_ASSERT_STRING_EQUAL(ignored->str, "vendor.extra");
	CU_ASSERT_PTR_NULL(calib_file_lookup(m, "vendor.extra"));

	e = calib_file_lookup(m, "fault4k.accepted");
	ASSERT_EQ(e->v[CALIB_N], 600);			/* sum */
	CU_ASSERT_DOUBLE_EQUAL(e->v[CALIB_P05], 80, 1e-9);	/* medians */
	CU_ASSERT_DOUBLE_EQUAL(e->v[CALIB_P50], 200, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(e->v[CALIB_P99], 220, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(e->v[CALIB_MAX], 900, 1e-9);	/* largest */
	CU_ASSERT_STRING_EQUAL(e->comment, "from 3 of 3 files");

	e = calib_file_lookup(m, "accept.per_gib_s");
	CU_ASSERT_DOUBLE_EQUAL(e->v[0], 0.6, 1e-9);		/* median of 0.7, 0.5 */
	CU_ASSERT_DOUBLE_EQUAL(e->v[1], 0.1, 1e-9);		/* IQR across the boots */
	ASSERT_EQ(e->origin, CALIB_INFERRED);			/* one input was inferred */
	CU_ASSERT_STRING_EQUAL(e->comment, "from 2 of 3 files");

	e = calib_file_lookup(m, "accept.scaling");
	ASSERT_EQ(e->nr, 6);
	CU_ASSERT_DOUBLE_EQUAL(e->v[1], 1.1, 1e-9);		/* 1 thread: 1.0 1.2 1.1 */
	CU_ASSERT_DOUBLE_EQUAL(e->v[3], 1.7, 1e-9);		/* 2 threads: 1.6 1.8 */
	CU_ASSERT_DOUBLE_EQUAL(e->v[5], 2.0, 1e-9);		/* 4 threads: one file */
	ASSERT_EQ(calib_file_lookup(m, "host_2m")->v[0], 0);	/* majority */
	CU_ASSERT_STRING_EQUAL(calib_file_string(m, "accept_mode", NULL), "lazy");
	CU_ASSERT_STRING_EQUAL(calib_file_string(m, "samples", NULL), "boots:3 slices:32");

	CU_ASSERT(cost_model_from_calib(m, NULL, &cm, &error));
	ASSERT_CLOSE(cm.t_fault4k, 200, 1e-12);
	ASSERT_CLOSE(cm.t_acc4k, 0.6e9 / 262144, 1e-12);
	ASSERT_EQ(cm.origin[COST_T_ACC4K], COST_INFERRED);
	calib_file_free(m);

	/* one file: values pass through */
	m = calib_merge(f + 1, 1, NULL, &error);
	e = calib_file_lookup(m, "accept.per_gib_s");
	CU_ASSERT_DOUBLE_EQUAL(e->v[1], 0.02, 1e-12);
	calib_file_free(m);

	/* a file without samples counts as one boot */
	calib_file_free(f[0]);
	f[0] = parse("boot0.txt", HDR "platform = tdx\n");
	m = calib_merge(f, 2, NULL, &error);
	CU_ASSERT_STRING_EQUAL(calib_file_string(m, "samples", NULL), "boots:2 slices:16");
	calib_file_free(m);

	for (int i = 0; i < 3; i++)
		calib_file_free(f[i]);
}

static void test_calib_merge_mismatch(void)
{
	struct calib_file *f[2] = {
		parse("t.txt", HDR "platform = tdx\n"),
		parse("s.txt", HDR "platform = snp\n"),
	};
	g_autoptr(GError) error = NULL;

	CU_ASSERT_PTR_NULL(calib_merge(f, 2, NULL, &error));
	CU_ASSERT(g_error_matches(error, CALIB_ERROR, CALIB_ERROR_MISMATCH));
	CU_ASSERT_PTR_NOT_NULL(strstr(error->message, "t.txt says platform = tdx"));
	CU_ASSERT_PTR_NOT_NULL(strstr(error->message, "s.txt says platform = snp"));
	calib_file_free(f[0]);
	calib_file_free(f[1]);
}

/* ---- acceptsim calibrate ---- */

static void test_cmd_calibrate(void)
{
	g_autofree char *a = write_tmp("c1.txt", HDR "platform = snp\n"
				       "fault4k.accepted = 10 0.05 0.1 0.2 0.3 0.4 us\n"
				       "accept.per_gib_s = 1.5\nsamples = boots:1 slices:16\n");
	g_autofree char *b = write_tmp("c2.txt", HDR "platform = snp\n"
				       "fault4k.accepted = 10 100 300 300 400 500\n"
				       "accept.per_gib_s = 1.7\nsamples = boots:1 slices:16\n");
	g_autofree char *bad = write_tmp("c3.txt", HDR "platform = snp\nvcpus = many\n");
	g_autofree char *merged = g_build_filename(tmp_dir, "merged.txt", NULL);
	g_autofree char *out = NULL, *err = NULL;
	struct cost_model cm;
	g_autoptr(GError) error = NULL;

	ASSERT_EQ(tests_run_acceptsim((const char *const[]){ "calibrate", a, b, "--out", merged, NULL },
				&out, &err), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "merged 2 calibration files"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "from 2 of 2 files"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "missing values from preset snp"));
	CU_ASSERT(g_regex_match_simple("t_acc4k +6103\\.5 ns +measured", out, 0, 0));
	CU_ASSERT_FATAL(cost_model_load(merged, NULL, &cm, &error));
	ASSERT_CLOSE(cm.t_fault4k, 200, 1e-12);	/* median of 0.1 us and 300 ns */
	ASSERT_CLOSE(cost_accept_s_per_gib(&cm), 1.6, 1e-12);
	CU_ASSERT_STRING_EQUAL(cm.fallback, "snp");
	g_clear_pointer(&out, g_free);
	g_clear_pointer(&err, g_free);

	ASSERT_EQ(tests_run_acceptsim((const char *const[]){ "calibrate", a, "--fallback", "tdx-4k-host",
						       NULL }, &out, &err), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "missing values from preset tdx-4k-host"));
	g_clear_pointer(&out, g_free);
	g_clear_pointer(&err, g_free);

	ASSERT_EQ(tests_run_acceptsim((const char *const[]){ "calibrate", a, bad, NULL }, &out, &err), 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "c3.txt:3: key 'vcpus'"));
	g_clear_pointer(&out, g_free);
	g_clear_pointer(&err, g_free);

	ASSERT_EQ(tests_run_acceptsim((const char *const[]){ "calibrate", NULL }, &out, &err), 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "no calibration file"));
	g_clear_pointer(&out, g_free);
	g_clear_pointer(&err, g_free);

	ASSERT_EQ(tests_run_acceptsim((const char *const[]){ "calibrate", "--fallback", "x", a, NULL },
				&out, &err), 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "unknown cost-model preset 'x'"));
	g_clear_pointer(&out, g_free);
	g_clear_pointer(&err, g_free);

	ASSERT_EQ(tests_run_acceptsim((const char *const[]){ "calibrate", "--help", NULL },
				      &out, &err), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "--fallback"));
}

void tests_register(void)
{
	CU_pSuite s = tests_add_suite("cost model");

	tests_add(s, "cost: presets carry the parameters of accept-cost.md 3.1/3.2", test_cost_presets);
	tests_add(s, "cost: accepting bytes costs whole 4K pages, or 2M units on a 2M host",
		  test_cost_accept_ns);
	tests_add(s, "cost: p_par 0.44 gives 1.5x on 4 vCPUs and 1.8x at most", test_cost_parallel);
	tests_add(s, "cost: presets reproduce the D1/D2/D3 boot tables within 2%",
		  test_cost_boot_tables);
	tests_add(s, "cost: a partial file falls back to the preset for missing keys",
		  test_cost_load_partial);
	tests_add(s, "cost: TDX probe keys map to exits, acceptance, faults and p_par",
		  test_cost_load_tdx);
	tests_add(s, "cost: host_2m switches acceptance to 2M units", test_cost_load_host2m);
	tests_add(s, "cost: SNP exits subtract the #VC part; platform none gives fault costs only",
		  test_cost_load_snp_and_none);
	tests_add(s, "cost: model.* keys set boot parameters directly", test_cost_load_model_keys);
	tests_add(s, "cost: a spec that is neither preset nor file is refused",
		  test_cost_load_missing);

	s = tests_add_suite("calibration files");
	tests_add(s, "calib: bad or partial files name file, line and key", test_calib_bad_files);
	tests_add(s, "calib: ';' separates keys, quotes protect, units convert, unknown keys kept",
		  test_calib_syntax);
	tests_add(s, "calib: setting a key again replaces it in place", test_calib_set);
	tests_add(s, "calib: a formatted file parses back to the same values", test_calib_round_trip);
	tests_add(s, "calib: merging boots takes medians and counts contributing files",
		  test_calib_merge);
	tests_add(s, "calib: files of different platforms are not merged", test_calib_merge_mismatch);
	tests_add(s, "calib: acceptsim calibrate merges, describes and writes a loadable file",
		  test_cmd_calibrate);
}
