// SPDX-License-Identifier: GPL-2.0-only
/*
 * acceptsim-probe: the command line, the order of the measurements, and
 * the calibration file (accept-cost.md 4.6; docs/probe-format.md).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "probe.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: acceptsim-probe [OPTION...]\n"
		"Measure guest exits, page faults and lazy memory acceptance in a TDX or\n"
		"SEV-SNP guest and write an acceptsim calibration file.\n\n"
		"  -o, --out FILE         write the calibration file here (atomically); default stdout\n"
		"  -r, --root DIR         read /proc, /sys, /dev under DIR (fixture trees); CPUID\n"
		"                         and SEV_STATUS then come from DIR/cpuid21, DIR/sev_status\n"
		"  -n, --no-bench         detection only: no timing, no fault passes\n"
		"  -q, --quick            shorter calibration and 64 MiB fault passes\n"
		"      --fault-size SIZE  bytes per fault baseline pass (default 256M)\n"
		"      --accept-pass      run the acceptance pass: consumes and accepts guest\n"
		"                         memory through the kernel's lazy path (once per boot)\n"
		"      --accept-size SIZE unaccepted memory the pass may accept (default half of\n"
		"                         Unaccepted, at most 4G)\n"
		"      --threads N        scaling pass: 1, 2, 4 .. N threads (default 8)\n"
		"      --cpu N            pin to CPU N (default: the highest allowed CPU but 0)\n"
		"      --quiet            no progress on stderr\n"
		"  -h, --help             this text\n"
		"  -V, --version          the version\n");
}

/* "16G", "512M", "4096K", "12345": bytes. */
static bool parse_bytes(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;
	unsigned int shift = 0;

	errno = 0;
	if (!s || *s < '0' || *s > '9')
		return false;
	v = strtoull(s, &end, 10);
	if (errno)
		return false;
	switch (*end) {
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	case 't': case 'T': shift = 40; end++; break;
	default: break;
	}
	if (*end == 'i' || *end == 'I')
		end++;
	if (*end == 'b' || *end == 'B')
		end++;
	if (*end || (shift && v > (~0ULL >> shift)))
		return false;
	*out = v << shift;
	return true;
}

static bool parse_count(const char *s, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	if (!s || *s < '0' || *s > '9')
		return false;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > max)
		return false;
	*out = v;
	return true;
}

static void write_header(struct obuf *ob, double elapsed_s)
{
	char stamp[64];
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
	ob_printf(ob, "# accept-cost calibration v1\n"
		      "# acceptsim-probe %s, %s, %.1f s\n"
		      "# Values are measured unless marked \"inferred:\"; times are ns unless a\n"
		      "# unit follows; distributions are \"n p05 p50 p90 p99 max\".\n"
		      "# Format and keys: docs/probe-format.md.\n",
		  PROBE_VERSION, stamp, elapsed_s);
}

static void write_detect(struct obuf *ob, const struct detect *d)
{
	ob_string(ob, "probe_version", PROBE_VERSION, NULL);
	ob_string(ob, "platform", platform_name(d->platform), "tdx | snp | none");
	ob_string(ob, "detect", d->evidence, NULL);
	ob_string(ob, "accept_mode", accept_mode_name(d->mode), "lazy | eager | unavailable");
	ob_string(ob, "accept_note", d->mode_note, NULL);
	ob_string(ob, "kernel", d->kernel, NULL);
	ob_string(ob, "cmdline", d->cmdline, NULL);
	if (d->accept_memory[0])
		ob_string(ob, "accept_memory", d->accept_memory, "from the command line");
	ob_printf(ob, "%-22s = %u\n", "vcpus", d->vcpus);
	ob_printf(ob, "%-22s = %llu\n", "mem_total_kib", (unsigned long long)d->mem_total_kib);
	if (d->has_unaccepted)
		ob_printf(ob, "%-22s = %llu  # Unaccepted: in /proc/meminfo at start\n",
			  "unaccepted_kib", (unsigned long long)d->unaccepted_kib);
	if (d->has_nr_unaccepted)
		ob_printf(ob, "%-22s = %llu  # pages, /proc/vmstat\n", "nr_unaccepted",
			  (unsigned long long)d->nr_unaccepted);
	ob_string(ob, "thp", d->thp, "enabled/defrag");
	ob_string(ob, "kmsg", d->kmsg_readable ? "readable" : "unreadable", "kernel log");
}

/* The cheaper of the #VE leaves that TDX answers inside the guest. */
static const struct dist *ve_local_leaf(const struct exit_results *e)
{
	const struct dist *a = exit_leaf(e, 0x2), *b = exit_leaf(e, 0x16);

	if (a && b)
		return a->p50 <= b->p50 ? a : b;
	return a ? a : b;
}

static void write_exits(struct obuf *ob, const struct detect *d, const struct exit_results *e)
{
	char key[64];

	ob_printf(ob, "%-22s = %d  # pinned\n", "cpu", e->cpu);
	ob_printf(ob, "%-22s = %.0f  # against CLOCK_MONOTONIC_RAW\n", "tsc_hz", e->tsc_hz);
	ob_dist(ob, "rdtsc_ns", &e->rdtsc, "per call, means of batches of 1000");
	ob_printf(ob, "%-22s = %.1f\n", "rdtsc_cycles", e->rdtsc_cycles);
	for (unsigned int i = 0; i < e->nr_leaves; i++) {
		snprintf(key, sizeof(key), "cpuid.0x%x", e->leaf[i].leaf);
		ob_dist(ob, key, &e->leaf[i].batch, "per call, means of batches of 1000");
		snprintf(key, sizeof(key), "cpuid.0x%x.single", e->leaf[i].leaf);
		ob_dist(ob, key, &e->leaf[i].single, "individually timed");
		snprintf(key, sizeof(key), "cpuid.0x%x.hist", e->leaf[i].leaf);
		ob_string(ob, key, e->leaf[i].hist, "ns bucket:count");
	}
	if (d->platform == PLATFORM_TDX) {
		const struct dist *m = exit_leaf(e, 0x0), *v = exit_leaf(e, 0x40000000);
		const struct dist *l = ve_local_leaf(e);

		if (m)
			ob_dist(ob, "exit.module_rt", m, "cpuid(0x0): TDX module round trip");
		if (l)
			ob_dist(ob, "exit.ve_local", l, "cpuid(0x2|0x16): #VE handled in the guest");
		if (v)
			ob_dist(ob, "exit.vmm_rt", v, "cpuid(0x40000000): #VE + TDVMCALL to the VMM");
	} else if (d->platform == PLATFORM_SNP) {
		const struct dist *m = exit_leaf(e, 0x0), *v = exit_leaf(e, 0x1);

		if (m)
			ob_dist(ob, "exit.module_rt", m, "cpuid(0x0): #VC handled in the guest");
		if (v)
			ob_dist(ob, "exit.vmm_rt", v, "cpuid(0x1): #VC + GHCB VMGEXIT");
	}
	if (e->memset_gib_s > 0)
		ob_printf(ob, "%-22s = %.2f  # GiB/s\n", "memset_gib_s", e->memset_gib_s);
}

/*
 * What probe/kmod printed to the kernel log, the last load winning:
 * "acceptsim_exit: KEY = n p05 p50 p90 p99 max".
 */
static void write_kmod(struct obuf *ob)
{
	static const char *const keys[] = { "tdcall.vp_info", "hcall.vmm_rt" };
	char *log = read_kernel_log(NULL);

	if (!log)
		return;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		char needle[64];
		const char *last = NULL;
		unsigned long long n;
		struct dist d;

		snprintf(needle, sizeof(needle), "acceptsim_exit: %s = ", keys[i]);
		for (const char *p = strstr(log, needle); p; p = strstr(p + 1, needle))
			last = p;
		if (last && sscanf(last + strlen(needle), "%llu %lf %lf %lf %lf %lf", &n, &d.p05,
				   &d.p50, &d.p90, &d.p99, &d.max) == 6 && n > 0) {
			d.n = n;
			ob_dist(ob, keys[i], &d, "probe/kmod, from the kernel log");
		}
	}
	free(log);
}

static void write_faults(struct obuf *ob, const struct detect *d, const struct fault_results *f)
{
	if (f->done) {
		ob_printf(ob, "%-22s = %llu\n", "fault.size_kib", (unsigned long long)(f->size / KIB));
		ob_dist(ob, "fault4k.first", &f->first4k, "first touch, MADV_NOHUGEPAGE");
		ob_dist(ob, "fault4k.accepted", &f->accepted4k, "re-touch after munmap/mmap");
		ob_dist(ob, "fault2m_thp.first", &f->first2m, "first touch, MADV_HUGEPAGE");
		ob_dist(ob, "fault2m_thp.accepted", &f->accepted2m, "re-touch after munmap/mmap");
		if (d->has_unaccepted)
			ob_printf(ob, "%-22s = %lld  # Unaccepted change during the baseline\n",
				  "fault.unaccepted_delta_kib", (long long)f->unaccepted_delta_kib);
	}
	ob_string(ob, "thp_pass", f->thp_note, NULL);
}

static void write_accept(struct obuf *ob, const struct detect *d, const struct exit_results *e,
			 const struct accept_results *a, bool bench)
{
	ob_string(ob, "accept_pass", a->note, NULL);
	if (a->done) {
		ob_printf(ob, "%-22s = %llu\n", "accept.reach_kib",
			  (unsigned long long)(a->reach_bytes / KIB));
		ob_printf(ob, "%-22s = %llu  # fall of Unaccepted over the 4K pass\n",
			  "accept.accepted_kib", (unsigned long long)(a->accepted_bytes / KIB));
		ob_dist(ob, "fault4k.lazy", &a->lazy4k, "pass 1 on unaccepted memory, spikes included");
		ob_dist(ob, "accept.baseline4k", &a->base4k, "pass 2, same slices, accepted");
		ob_dist(ob, "accept.spike", &a->spike, "excess ns per fault > 20x baseline p50");
		ob_printf(ob, "%-22s = %llu\n", "accept.nr_spikes", (unsigned long long)a->nr_spikes);
		if (a->block4m_ns > 0)
			ob_printf(ob, "%-22s = %.0f  # spike excess per 4 MiB accepted\n",
				  "accept.block4m", a->block4m_ns);
		if (a->batch_blocks > 0)
			ob_printf(ob, "%-22s = %.2f  # 4 MiB blocks per spike\n",
				  "accept.batch_blocks", a->batch_blocks);
		ob_printf(ob, "%-22s = %.4f %.4f  # median iqr over %u slices (threads=1)\n",
			  "accept.per_gib_s", a->per_gib_s, a->per_gib_iqr, a->nr_slices);
		ob_printf(ob, "%-22s = %.1f\n", "accept.per_4k_equiv", a->per_4k_ns);
		if (a->thp_done) {
			ob_dist(ob, "fault2m_thp.lazy", &a->lazy2m, "THP on unaccepted memory");
			ob_dist(ob, "accept.baseline2m", &a->base2m, "THP re-touch");
		}
		if (a->nr_scaling) {
			ob_printf(ob, "%-22s =", "accept.scaling");
			for (unsigned int i = 0; i < a->nr_scaling; i++)
				ob_printf(ob, " %u:%.3f", a->threads[i], a->gib_s[i]);
			ob_printf(ob, "  # threads:accepted GiB/s\n");
		}
		if (a->p_par >= 0)
			ob_printf(ob, "%-22s = %.3f  # Amdahl fit to accept.scaling\n",
				  "accept.p_par", a->p_par);
		ob_printf(ob, "%-22s = %u\n", "softlockups_seen", a->softlockups);
	}
	if (d->platform == PLATFORM_NONE)
		return;
	/* host_2m: a 4K-only host cannot accept faster than ~0.4 s/GiB. */
	if (a->done && a->per_gib_s < 0.2)
		ob_printf(ob, "%-22s = inferred:1  # from accept.per_gib_s\n", "host_2m");
	else if (a->done && a->per_gib_s > 0.35)
		ob_printf(ob, "%-22s = inferred:0  # from accept.per_gib_s\n", "host_2m");
	else
		ob_printf(ob, "%-22s = inferred:unknown\n", "host_2m");
	if (a->done && bench && e->memset_gib_s > 0) {
		const struct dist *m = exit_leaf(e, 0x0);
		const struct dist *v = exit_leaf(e, d->platform == PLATFORM_TDX ? 0x40000000 : 0x1);
		const struct dist *l = d->platform == PLATFORM_TDX ? ve_local_leaf(e) : m;

		if (m && v && l) {
			double vmm = v->p50 - l->p50;
			double est = a->per_4k_ns - m->p50 - (vmm > 0 ? vmm : 0) -
				     4096.0 / (e->memset_gib_s * GIB) * 1e9;

			ob_printf(ob, "%-22s = inferred:%.1f  # t_acc4k - tdcall - vmm - 4K/B_mem\n",
				  "host_fault_est", est > 0 ? est : 0);
		}
	}
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "root", required_argument, NULL, 'r' },
		{ "no-bench", no_argument, NULL, 'n' },
		{ "quick", no_argument, NULL, 'q' },
		{ "quiet", no_argument, NULL, 'Q' },
		{ "accept-pass", no_argument, NULL, 'A' },
		{ "accept-size", required_argument, NULL, 'S' },
		{ "fault-size", required_argument, NULL, 'F' },
		{ "threads", required_argument, NULL, 'T' },
		{ "cpu", required_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct probe_opts o = { .root = "", .max_threads = 8, .cpu = -1 };
	struct detect d;
	struct exit_results e;
	struct fault_results f;
	struct accept_results a;
	struct obuf body = { 0 }, file = { 0 };
	bool fault_size_set = false;
	unsigned long n;
	double t0 = now_ns(), elapsed;
	int c, ret = 0;

	while ((c = getopt_long(argc, argv, "o:r:nqhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			o.out = optarg;
			break;
		case 'r':
			o.root = optarg;
			break;
		case 'n':
			o.no_bench = true;
			break;
		case 'q':
			o.quick = true;
			break;
		case 'Q':
			o.quiet = true;
			break;
		case 'A':
			o.accept_pass = true;
			break;
		case 'S':
			if (!parse_bytes(optarg, &o.accept_size)) {
				fprintf(stderr, "acceptsim-probe: invalid size '%s'\n", optarg);
				return 2;
			}
			break;
		case 'F':
			if (!parse_bytes(optarg, &o.fault_size) || o.fault_size < 8 * MIB) {
				fprintf(stderr, "acceptsim-probe: invalid size '%s' (at least 8M)\n",
					optarg);
				return 2;
			}
			fault_size_set = true;
			break;
		case 'T':
			if (!parse_count(optarg, 8, &n) || !n) {
				fprintf(stderr, "acceptsim-probe: invalid thread count '%s' (1..8)\n",
					optarg);
				return 2;
			}
			o.max_threads = (unsigned int)n;
			break;
		case 'C':
			if (!parse_count(optarg, 4095, &n)) {
				fprintf(stderr, "acceptsim-probe: invalid CPU '%s'\n", optarg);
				return 2;
			}
			o.cpu = (int)n;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("acceptsim-probe %s\n", PROBE_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "acceptsim-probe: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	if (!fault_size_set)
		o.fault_size = o.quick ? 64 * MIB : 256 * MIB;
	probe_quiet = o.quiet;
	set_root(o.root);

	detect_platform(&d);
	progress("platform %s (%s), accept_mode %s: %s", platform_name(d.platform), d.evidence,
		 accept_mode_name(d.mode), d.mode_note);
	write_detect(&body, &d);
	write_kmod(&body);
	memset(&e, 0, sizeof(e));
	memset(&f, 0, sizeof(f));
	if (!o.no_bench) {
		run_exit_bench(&o, &e);
		write_exits(&body, &d, &e);
		run_fault_bench(&o, &d, &f);
		write_faults(&body, &d, &f);
		run_accept_pass(&o, &d, &a);
	} else {
		memset(&a, 0, sizeof(a));
		snprintf(a.note, sizeof(a.note), "not run (--no-bench)");
	}
	write_accept(&body, &d, &e, &a, !o.no_bench);
	ob_printf(&body, "%-22s = boots:1 slices:%u\n", "samples", a.nr_slices);

	elapsed = (now_ns() - t0) / 1e9;
	write_header(&file, elapsed);
	ob_printf(&file, "%s", body.buf);
	if (!o.out || !strcmp(o.out, "-")) {
		fputs(file.buf, stdout);
		if (fflush(stdout)) {
			fprintf(stderr, "acceptsim-probe: writing stdout: %s\n", strerror(errno));
			ret = 1;
			goto out_free;
		}
	} else {
		int err = write_atomic(o.out, file.buf, file.len);

		if (err) {
			fprintf(stderr, "acceptsim-probe: %s: %s\n", o.out, strerror(-err));
			ret = 1;
			goto out_free;
		}
	}
	progress("platform = %s, accept_mode = %s, fault4k.accepted p50 %.0f ns; %.1f s%s%s",
		 platform_name(d.platform), accept_mode_name(d.mode), f.accepted4k.p50, elapsed,
		 o.out ? ", wrote " : "", o.out ? o.out : "");
out_free:
	free(body.buf);
	free(file.buf);
	free(d.cmdline);
	return ret;
}
