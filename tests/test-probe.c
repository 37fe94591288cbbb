// SPDX-License-Identifier: GPL-2.0-only
/*
 * acceptsim-probe: platform detection over the fixture trees in
 * tests/data/probe/ (--root), the file it writes (parsed with sim/calib.c
 * and loaded with cost_model_load()), its command line, and one quick real
 * run on this machine.
 */
#include <string.h>
#include <sys/wait.h>
#include <glib/gstdio.h>
#include "helpers.h"
#include "sim/calib.h"
#include "sim/cost.h"

static char *tmp_dir;

static const char *probe_path(void)
{
	const char *p = g_getenv("ACCEPTSIM_PROBE");

	return p ? p : ACCEPTSIM_PROBE_BIN;
}

/* Run the probe with @args; returns its exit status. */
static int run_probe(const char *const *args, char **out, char **err)
{
	return tests_run_prog(probe_path(), args, out, err);
}

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

static char *tmp_path(const char *name)
{
	if (!tmp_dir) {
		tmp_dir = g_dir_make_tmp("test-probe-XXXXXX", NULL);
		g_assert(tmp_dir);
		atexit(remove_tmp_dir);
	}
	return g_build_filename(tmp_dir, name, NULL);
}

static char *fixture(const char *name)
{
	return g_build_filename(tests_data_dir(), "probe", name, NULL);
}

/* Detection only over fixture @name; returns the parsed file it wrote. */
static struct calib_file *probe_fixture(const char *name)
{
	g_autofree char *root = fixture(name);
	g_autofree char *fname = g_strdup_printf("%s.txt", name);
	g_autofree char *out_path = tmp_path(fname);
	g_autofree char *out = NULL, *err = NULL;
	g_autoptr(GError) error = NULL;
	struct calib_file *cf;
	int status;

	status = run_probe((const char *const[]){ "--root", root, "--no-bench", "--quiet",
						  "--out", out_path, NULL }, &out, &err);
	ASSERT_EQ(status, 0);
	CU_ASSERT_STRING_EQUAL(err, "");	/* --quiet */
	cf = calib_file_load(out_path, &error);
	if (!cf)
		fprintf(stderr, "\n  %s\n", error->message);
	CU_ASSERT_PTR_NOT_NULL(cf);
	return cf;
}

static bool detect_has(const struct calib_file *cf, const char *what)
{
	g_auto(GStrv) w = g_strsplit(calib_file_string(cf, "detect", ""), ",", -1);

	return g_strv_contains((const char *const *)w, what);
}

static double number(const struct calib_file *cf, const char *key)
{
	const struct calib_entry *e = calib_file_lookup(cf, key);

	CU_ASSERT_PTR_NOT_NULL(e);
	return e ? e->v[0] : -1;
}

static void test_probe_tdx_lazy(void)
{
	struct calib_file *cf = probe_fixture("tdx-lazy");
	const struct calib_entry *e;
	struct cost_model cm;
	g_autoptr(GError) error = NULL;

	CU_ASSERT_PTR_NOT_NULL_FATAL(cf);
	CU_ASSERT_STRING_EQUAL(calib_file_string(cf, "platform", ""), "tdx");
	CU_ASSERT_STRING_EQUAL(calib_file_string(cf, "accept_mode", ""), "lazy");
	CU_ASSERT(detect_has(cf, "cpuid21"));
	CU_ASSERT(detect_has(cf, "cpuinfo:tdx_guest"));
	CU_ASSERT(detect_has(cf, "/dev/tdx_guest"));
	CU_ASSERT(detect_has(cf, "dmesg:tdx"));
	CU_ASSERT_FALSE(detect_has(cf, "/dev/sev-guest"));
	ASSERT_EQ(number(cf, "unaccepted_kib"), 13400000);
	ASSERT_EQ(number(cf, "nr_unaccepted"), 3350000);
	ASSERT_EQ(number(cf, "mem_total_kib"), 16370000);
	ASSERT_EQ(number(cf, "vcpus"), 2);
	CU_ASSERT_STRING_EQUAL(calib_file_string(cf, "kernel", ""), "6.8.0-1004-intel");
	CU_ASSERT_STRING_EQUAL(calib_file_string(cf, "thp", ""), "madvise/madvise");
	CU_ASSERT_STRING_EQUAL(calib_file_string(cf, "cmdline", ""),
			       "BOOT_IMAGE=/vmlinuz-6.8.0-1004-intel root=/dev/vda1 ro console=hvc0");
	CU_ASSERT_STRING_EQUAL(calib_file_string(cf, "accept_pass", ""), "not run (--no-bench)");
	CU_ASSERT_PTR_NULL(calib_file_lookup(cf, "accept_memory"));
	CU_ASSERT_PTR_NULL(calib_file_lookup(cf, "fault4k.accepted"));	/* no bench */
	e = calib_file_lookup(cf, "host_2m");
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	ASSERT_EQ(e->origin, CALIB_INFERRED);
	ASSERT_EQ(e->v[0], -1);
	/* every key the probe writes is one the format lists */
	for (guint i = 0; i < calib_file_size(cf); i++)
		CU_ASSERT(calib_file_entry(cf, i)->known);

	/* probe/kmod's lines in the kernel log: the last load wins */
	e = calib_file_lookup(cf, "tdcall.vp_info");
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	ASSERT_EQ(e->v[CALIB_N], 200);
	CU_ASSERT_DOUBLE_EQUAL(e->v[CALIB_P50], 905.3, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(calib_file_lookup(cf, "hcall.vmm_rt")->v[CALIB_P50], 4100.2, 1e-9);

	/* It loads as a cost model: the module's exits, the rest from the TDX preset. */
	CU_ASSERT(cost_model_from_calib(cf, NULL, &cm, &error));
	CU_ASSERT_STRING_EQUAL(cm.fallback, "tdx-4k-host");
	CU_ASSERT_STRING_EQUAL(cm.name, "file:tdx-lazy.txt");
	CU_ASSERT_DOUBLE_EQUAL(cm.t_tdcall_rt, 905.3, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(cm.t_vmm_rt, 4100.2, 1e-9);
	for (int p = 0; p < NR_COST_PARAMS; p++)
		ASSERT_EQ(cm.origin[p], p == COST_T_TDCALL_RT || p == COST_T_VMM_RT ?
					COST_MEASURED : COST_PRESET);
	calib_file_free(cf);
}

static void test_probe_snp(void)
{
	struct calib_file *cf = probe_fixture("snp");
	struct cost_model cm;

	CU_ASSERT_PTR_NOT_NULL_FATAL(cf);
	CU_ASSERT_PTR_NULL(calib_file_lookup(cf, "tdcall.vp_info"));	/* module not loaded */
	CU_ASSERT_STRING_EQUAL(calib_file_string(cf, "platform", ""), "snp");
	CU_ASSERT_STRING_EQUAL(calib_file_string(cf, "accept_mode", ""), "lazy");
	CU_ASSERT(detect_has(cf, "/dev/sev-guest"));
	CU_ASSERT(detect_has(cf, "msr:sev_status"));
	CU_ASSERT(detect_has(cf, "cpuinfo:sev_snp"));
	CU_ASSERT(detect_has(cf, "dmesg:sev-snp"));	/* from /var/log/dmesg */
	CU_ASSERT_FALSE(detect_has(cf, "cpuid21"));
	CU_ASSERT_STRING_EQUAL(calib_file_string(cf, "accept_memory", ""), "lazy");
	ASSERT_EQ(number(cf, "unaccepted_kib"), 126200000);
	CU_ASSERT(cost_model_from_calib(cf, NULL, &cm, NULL));
	CU_ASSERT_STRING_EQUAL(cm.fallback, "snp");
	calib_file_free(cf);
}

static void test_probe_tdx_eager(void)
{
	struct calib_file *cf = probe_fixture("tdx-eager");

	CU_ASSERT_PTR_NOT_NULL_FATAL(cf);
	CU_ASSERT_STRING_EQUAL(calib_file_string(cf, "platform", ""), "tdx");
	CU_ASSERT_STRING_EQUAL(calib_file_string(cf, "accept_mode", ""), "eager");
	CU_ASSERT_STRING_EQUAL(calib_file_string(cf, "accept_memory", ""), "eager");
	CU_ASSERT_PTR_NOT_NULL(strstr(calib_file_string(cf, "accept_note", ""), "accept_memory=eager"));
	ASSERT_EQ(number(cf, "unaccepted_kib"), 0);
	calib_file_free(cf);
}

static void test_probe_tdx_accepted(void)
{
	struct calib_file *cf = probe_fixture("tdx-accepted");

	CU_ASSERT_PTR_NOT_NULL_FATAL(cf);
	CU_ASSERT_STRING_EQUAL(calib_file_string(cf, "platform", ""), "tdx");
	CU_ASSERT_STRING_EQUAL(calib_file_string(cf, "accept_mode", ""), "unavailable");
	CU_ASSERT_PTR_NOT_NULL(strstr(calib_file_string(cf, "accept_note", ""), "Unaccepted is 0"));
	CU_ASSERT_STRING_EQUAL(calib_file_string(cf, "kmsg", ""), "unreadable");
	CU_ASSERT_FALSE(detect_has(cf, "dmesg:tdx"));
	calib_file_free(cf);
}

static void test_probe_plain(void)
{
	struct calib_file *cf = probe_fixture("plain");

	CU_ASSERT_PTR_NOT_NULL_FATAL(cf);
	CU_ASSERT_STRING_EQUAL(calib_file_string(cf, "platform", ""), "none");
	CU_ASSERT_STRING_EQUAL(calib_file_string(cf, "detect", ""), "none");
	CU_ASSERT_STRING_EQUAL(calib_file_string(cf, "accept_mode", ""), "unavailable");
	CU_ASSERT_PTR_NOT_NULL(strstr(calib_file_string(cf, "accept_note", ""),
				      "no Unaccepted: in /proc/meminfo"));
	CU_ASSERT_PTR_NULL(calib_file_lookup(cf, "unaccepted_kib"));
	CU_ASSERT_PTR_NULL(calib_file_lookup(cf, "host_2m"));	/* nothing to infer */
	calib_file_free(cf);
}

/* --out - (the default) prints the same file on stdout. */
static void test_probe_stdout(void)
{
	g_autofree char *root = fixture("tdx-eager");
	g_autofree char *out = NULL, *err = NULL;
	g_autoptr(GError) error = NULL;
	struct calib_file *cf;

	ASSERT_EQ(run_probe((const char *const[]){ "-r", root, "-n", NULL }, &out, &err), 0);
	CU_ASSERT(g_str_has_prefix(out, "# accept-cost calibration v1\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "platform tdx"));	/* progress on stderr */
	cf = calib_file_parse("stdout", out, strlen(out), &error);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cf);
	CU_ASSERT_STRING_EQUAL(calib_file_string(cf, "accept_mode", ""), "eager");
	calib_file_free(cf);
}

static void test_probe_usage(void)
{
	static const char *const bad[][3] = {
		{ "--threads", "0", NULL },
		{ "--threads", "9", NULL },
		{ "--accept-size", "12X", NULL },
		{ "--fault-size", "1M", NULL },
		{ "--bogus", NULL, NULL },
		{ "extra-argument", NULL, NULL },
	};

	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autofree char *out = NULL, *err = NULL;

		ASSERT_EQ(run_probe(bad[i], &out, &err), 2);
		CU_ASSERT_STRING_EQUAL(out, "");
		CU_ASSERT(g_str_has_prefix(err, "acceptsim-probe:") || strstr(err, "Usage:"));
	}
	{
		g_autofree char *out = NULL, *err = NULL;

		ASSERT_EQ(run_probe((const char *const[]){ "--help", NULL }, &out, &err), 0);
		CU_ASSERT_PTR_NOT_NULL(strstr(out, "--accept-pass"));
		CU_ASSERT_PTR_NOT_NULL(strstr(out, "--root"));
	}
	{
		g_autofree char *out = NULL, *err = NULL;
		g_autofree char *root = fixture("plain");

		/* an unwritable output path fails with status 1 and a message */
		ASSERT_EQ(run_probe((const char *const[]){ "-n", "-r", root, "--out",
							   "/nonexistent-dir/p.txt", NULL },
				    &out, &err), 1);
		CU_ASSERT_PTR_NOT_NULL(strstr(err, "/nonexistent-dir/p.txt"));
	}
}

/*
 * A quick real run with small passes: the timings are this machine's, the
 * platform the fixture's.  The acceptance pass refuses to touch memory
 * under --root, and the file loads as a cost model with measured faults.
 */
static void test_probe_quick_run(void)
{
	g_autofree char *root = fixture("plain");
	g_autofree char *out_path = tmp_path("quick.txt");
	g_autofree char *out = NULL, *err = NULL;
	g_autoptr(GError) error = NULL;
	const struct calib_entry *e;
	struct calib_file *cf;
	struct cost_model cm;
	double t0 = g_get_monotonic_time();

	ASSERT_EQ(run_probe((const char *const[]){ "--root", root, "--quick", "--fault-size", "8M",
						   "--accept-pass", "--out", out_path, NULL },
			    &out, &err), 0);
	CU_ASSERT((g_get_monotonic_time() - t0) / 1e6 < 60);
	cf = calib_file_load(out_path, &error);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cf);
	CU_ASSERT_STRING_EQUAL(calib_file_string(cf, "platform", ""), "none");
	CU_ASSERT_STRING_EQUAL(calib_file_string(cf, "accept_pass", ""),
			       "skipped: --root reads a fixture tree");
	CU_ASSERT_STRING_EQUAL(calib_file_string(cf, "thp_pass", ""),
			       "skipped: --root reads a fixture tree");
	CU_ASSERT(number(cf, "tsc_hz") > 1e8);
	e = calib_file_lookup(cf, "rdtsc_ns");
	CU_ASSERT(e && e->kind == CALIB_DIST && e->v[CALIB_N] > 0);
	e = calib_file_lookup(cf, "fault4k.accepted");
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	ASSERT_EQ(e->v[CALIB_N], 8 * 256);		/* one fault per 4K page of 8 MiB */
	CU_ASSERT(e->v[CALIB_P50] > 0);
	CU_ASSERT_PTR_NOT_NULL(calib_file_lookup(cf, "fault4k.first"));
	CU_ASSERT_PTR_NOT_NULL(calib_file_lookup(cf, "cpuid.0x0"));
	CU_ASSERT_PTR_NULL(calib_file_lookup(cf, "exit.module_rt"));	/* platform none */
	ASSERT_EQ(number(cf, "fault.size_kib"), 8192);
	for (guint i = 0; i < calib_file_size(cf); i++)
		CU_ASSERT(calib_file_entry(cf, i)->known);

	CU_ASSERT_FATAL(cost_model_load(out_path, NULL, &cm, &error));
	CU_ASSERT_DOUBLE_EQUAL(cm.t_fault4k, e->v[CALIB_P50], 1e-9);
	ASSERT_EQ(cm.origin[COST_T_FAULT4K], COST_MEASURED);
	ASSERT_EQ(cm.origin[COST_T_TDCALL_RT], COST_PRESET);
	ASSERT_EQ(cm.origin[COST_T_ACC4K], COST_PRESET);
	calib_file_free(cf);
}

void tests_register(void)
{
	CU_pSuite s = tests_add_suite("probe");

	tests_add(s, "probe: a TDX guest with lazy acceptance shows every TDX signal and kmod line",
		  test_probe_tdx_lazy);
	tests_add(s, "probe: an SNP guest is found by /dev/sev-guest, SEV_STATUS and the log",
		  test_probe_snp);
	tests_add(s, "probe: accept_memory=eager gives accept_mode eager", test_probe_tdx_eager);
	tests_add(s, "probe: Unaccepted 0 without eager gives accept_mode unavailable",
		  test_probe_tdx_accepted);
	tests_add(s, "probe: an SNP host without Unaccepted is platform none", test_probe_plain);
	tests_add(s, "probe: without --out the file goes to stdout", test_probe_stdout);
	tests_add(s, "probe: bad options exit 2, an unwritable --out exits 1", test_probe_usage);
	tests_add(s, "probe: a quick real run writes fault costs that load as a cost model",
		  test_probe_quick_run);
}
