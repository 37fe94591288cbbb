// SPDX-License-Identifier: GPL-2.0-only
/*
 * Exit and round-trip microbenchmarks (accept-cost.md 4.2): rdtsc cost,
 * TSC frequency against CLOCK_MONOTONIC_RAW, and CPUID leaves that a TDX
 * module or #VC handler answers locally versus those that go to the VMM.
 * Pinned to one CPU other than 0, warmed up, timed in batches and singly.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include "probe.h"

#define BATCH		1000	/* calls per timed batch */

double tsc_ns_per_cycle = 1.0;

#if defined(__x86_64__) || defined(__i386__)
bool have_cpuid(void)
{
	return true;
}

void cpuid_raw(uint32_t leaf, uint32_t subleaf, uint32_t regs[4])
{
	__asm__ volatile("cpuid"
			 : "=a"(regs[0]), "=b"(regs[1]), "=c"(regs[2]), "=d"(regs[3])
			 : "a"(leaf), "c"(subleaf));
}

bool have_tsc(void)
{
	uint32_t r[4];

	cpuid_raw(1, 0, r);
	return r[3] & (1U << 4);
}

/* rdtsc after lfence, so earlier instructions have completed. */
uint64_t tsc_read(void)
{
	uint32_t lo, hi;

	__asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi) : : "memory");
	return ((uint64_t)hi << 32) | lo;
}

static inline uint64_t rdtsc_plain(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}
#else
bool have_cpuid(void)
{
	return false;
}

void cpuid_raw(uint32_t leaf, uint32_t subleaf, uint32_t regs[4])
{
	memset(regs, 0, 4 * sizeof(regs[0]));
}

bool have_tsc(void)
{
	return false;
}

/* Without a TSC the "cycle" is a nanosecond of CLOCK_MONOTONIC_RAW. */
uint64_t tsc_read(void)
{
	return (uint64_t)now_ns();
}

static inline uint64_t rdtsc_plain(void)
{
	return tsc_read();
}
#endif

/*
 * TSC cycles per second over @seconds of CLOCK_MONOTONIC_RAW; each clock
 * read is bracketed by TSC reads and the tighter bracket kept.  Sets
 * tsc_ns_per_cycle.
 */
double tsc_calibrate(double seconds)
{
	double t0, t1, hz;
	uint64_t a0, b0, a1, b1;
	struct timespec ts = { 0, 10 * 1000 * 1000 };

	if (!have_tsc()) {
		tsc_ns_per_cycle = 1.0;
		return 1e9;
	}
	a0 = tsc_read();
	t0 = now_ns();
	b0 = tsc_read();
	do {
		nanosleep(&ts, NULL);
		t1 = now_ns();
	} while (t1 - t0 < seconds * 1e9);
	a1 = tsc_read();
	t1 = now_ns();
	b1 = tsc_read();
	hz = ((double)(a1 + b1) / 2 - (double)(a0 + b0) / 2) / (t1 - t0) * 1e9;
	tsc_ns_per_cycle = 1e9 / hz;
	return hz;
}

/*
 * Pin to @want if allowed, else to the highest-numbered allowed CPU other
 * than 0 (CPU 0 takes most interrupts).  Returns the CPU or -1.
 */
static cpu_set_t allowed;	/* affinity before pin_to_cpu() */
static bool allowed_saved;

/* The CPUs the process may run on, as it started; up to @max into @cpus. */
unsigned int allowed_cpus(int *cpus, unsigned int max)
{
	unsigned int n = 0;

	if (!allowed_saved) {
		if (sched_getaffinity(0, sizeof(allowed), &allowed))
			return 0;
		allowed_saved = true;
	}
	for (int c = 0; c < CPU_SETSIZE && n < max; c++)
		if (CPU_ISSET(c, &allowed))
			cpus[n++] = c;
	return n;
}

int pin_to_cpu(int want)
{
	cpu_set_t set;
	int pick = -1;

	if (sched_getaffinity(0, sizeof(set), &set))
		return -1;
	if (!allowed_saved) {
		allowed = set;
		allowed_saved = true;
	}
	if (want >= 0 && want < CPU_SETSIZE && CPU_ISSET(want, &set)) {
		pick = want;
	} else {
		for (int c = CPU_SETSIZE - 1; c >= 0; c--) {
			if (CPU_ISSET(c, &set)) {
				pick = c;
				if (c != 0)
					break;
			}
		}
	}
	if (pick < 0)
		return -1;
	CPU_ZERO(&set);
	CPU_SET(pick, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		return -1;
	return pick;
}

/* "lo:count" for each non-empty power-of-two bucket of @v (ns). */
static void log2_hist(const double *v, size_t n, char *out, size_t size)
{
	unsigned long long bucket[40] = { 0 };
	size_t used = 0;

	for (size_t i = 0; i < n; i++) {
		int b = 0;

		while (b < 39 && (double)(1ULL << (b + 1)) <= v[i])
			b++;
		bucket[b]++;
	}
	out[0] = '\0';
	for (int b = 0; b < 40 && used + 24 < size; b++) {
		if (!bucket[b])
			continue;
		used += (size_t)snprintf(out + used, size - used, "%s%llu:%llu", used ? " " : "",
					 1ULL << b, bucket[b]);
	}
}

/* Cycles of an empty lfence;rdtsc pair: subtracted from single timings. */
static double timer_overhead_cycles(void)
{
	double v[1000];
	struct dist d;

	for (int i = 0; i < 1000; i++) {
		uint64_t a = tsc_read();
		uint64_t b = tsc_read();

		v[i] = (double)(b - a);
	}
	dist_from(v, 1000, &d);
	return d.p05;
}

static void bench_rdtsc(struct exit_results *r, unsigned int batches)
{
	double *v = xmalloc(batches * sizeof(*v)), *c = xmalloc(batches * sizeof(*c));
	struct dist dc;

	for (unsigned int b = 0; b < batches; b++) {
		uint64_t t0 = tsc_read(), sink = 0;

		for (int i = 0; i < BATCH; i++)
			sink += rdtsc_plain();
		__asm__ volatile("" : : "r"(sink));
		c[b] = (double)(tsc_read() - t0) / BATCH;
		v[b] = c[b] * tsc_ns_per_cycle;
	}
	dist_from(v, batches, &r->rdtsc);
	dist_from(c, batches, &dc);
	r->rdtsc_cycles = dc.p50;
	free(v);
	free(c);
}

/*
 * Time CPUID @leaf: @warm calls to warm up, then batches of BATCH calls
 * until @max_batches or @budget_ns, then @singles individually timed calls.
 */
static void bench_leaf(uint32_t leaf, unsigned int warm, unsigned int max_batches,
		       unsigned int singles, double budget_ns, double overhead,
		       struct exit_results *r)
{
	unsigned int idx = r->nr_leaves++;
	double *v = xmalloc((max_batches > singles ? max_batches : singles) * sizeof(*v));
	double start = now_ns();
	unsigned int nb = 0, ns = 0;
	uint32_t regs[4];

	r->leaf[idx].leaf = leaf;
	for (unsigned int i = 0; i < warm; i++)
		cpuid_raw(leaf, 0, regs);
	while (nb < max_batches && (nb < 10 || now_ns() - start < budget_ns)) {
		uint64_t t0 = tsc_read();

		for (int i = 0; i < BATCH; i++)
			cpuid_raw(leaf, 0, regs);
		v[nb++] = (double)(tsc_read() - t0) / BATCH * tsc_ns_per_cycle;
	}
	dist_from(v, nb, &r->leaf[idx].batch);

	start = now_ns();
	while (ns < singles && (ns < 100 || now_ns() - start < budget_ns / 2)) {
		uint64_t t0 = tsc_read();

		cpuid_raw(leaf, 0, regs);
		double c = (double)(tsc_read() - t0) - overhead;

		v[ns++] = (c > 0 ? c : 0) * tsc_ns_per_cycle;
	}
	log2_hist(v, ns, r->leaf[idx].hist, sizeof(r->leaf[idx].hist));
	dist_from(v, ns, &r->leaf[idx].single);
	free(v);
}

/* Best of several memsets over a faulted-in buffer, GiB/s. */
static double memset_bandwidth(size_t size)
{
	char *buf = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	double best = 0;

	if (buf == MAP_FAILED)
		return 0;
	memset(buf, 1, size);
	for (int i = 0; i < 5; i++) {
		double t0 = now_ns(), dt;

		memset(buf, i, size);
		__asm__ volatile("" : : "r"(buf) : "memory");
		dt = now_ns() - t0;
		if (dt > 0 && (double)size / GIB / (dt / 1e9) > best)
			best = (double)size / GIB / (dt / 1e9);
	}
	munmap(buf, size);
	return best;
}

const struct dist *exit_leaf(const struct exit_results *r, uint32_t leaf)
{
	for (unsigned int i = 0; i < r->nr_leaves; i++)
		if (r->leaf[i].leaf == leaf && r->leaf[i].batch.n)
			return &r->leaf[i].batch;
	return NULL;
}

void run_exit_bench(const struct probe_opts *o, struct exit_results *r)
{
	static const uint32_t leaves[] = { 0x0, 0x1, 0xb, 0x2, 0x16, 0x40000000 };
	unsigned int warm = o->quick ? 1000 : 10000;
	unsigned int batches = o->quick ? 50 : 300;
	unsigned int singles = o->quick ? 2000 : 10000;
	double budget = (o->quick ? 0.3 : 2.0) * 1e9;
	double overhead;

	memset(r, 0, sizeof(*r));
	r->cpu = pin_to_cpu(o->cpu);
	progress("pinned to CPU %d; calibrating the TSC", r->cpu);
	r->tsc_hz = tsc_calibrate(o->quick ? 0.2 : 1.0);
	bench_rdtsc(r, o->quick ? 200 : 1000);
	if (r->rdtsc_cycles > 200)
		progress("warning: rdtsc costs %.0f cycles: the VMM may intercept it",
			 r->rdtsc_cycles);
	overhead = timer_overhead_cycles();
	if (have_cpuid()) {
		for (size_t i = 0; i < sizeof(leaves) / sizeof(leaves[0]); i++) {
			progress("timing cpuid(0x%x)", leaves[i]);
			bench_leaf(leaves[i], warm, batches, singles, budget, overhead, r);
		}
	}
	r->memset_gib_s = memset_bandwidth(o->quick ? 16 * MIB : 64 * MIB);
}
