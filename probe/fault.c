// SPDX-License-Identifier: GPL-2.0-only
/*
 * Page-fault baselines and the acceptance pass (accept-cost.md 4.3).
 *
 * The baseline touches memory the kernel has already accepted: 4K pages
 * (MADV_NOHUGEPAGE) on first touch and again after munmap/mmap, and the
 * same with THP.  The acceptance pass, only with --accept-pass, consumes
 * free accepted memory until Unaccepted starts to fall, then touches fresh
 * pages so that the kernel's own lazy path accepts them, and compares with
 * a re-touch of the same size.  The probe never accepts memory itself.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "probe.h"

#define SPIKE_FACTOR	20		/* a spike is a fault > 20x the baseline median */
#define REACH_CHUNK	(64 * MIB)	/* step while reaching the lazy regime */
#define BLOCK_4M	(4 * MIB)	/* the kernel's lazy accept unit */
#define MAX_REGIONS	4096
#define MAX_SLICES	16

struct region {
	char *p;			/* start, 2M-aligned for THP regions */
	size_t len;			/* bytes */
};

/* Everything the acceptance pass holds, released at its end. */
static struct region held[MAX_REGIONS];
static unsigned int nr_held;

/* Anonymous mapping of @len bytes, 2M-aligned, with @advice (0 = none). */
static char *map_region(size_t len, int advice)
{
	size_t full = len + PAGE_2M;
	char *raw, *p;
	uintptr_t a;

	raw = mmap(NULL, full, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		   -1, 0);
	if (raw == MAP_FAILED)
		return NULL;
	a = ((uintptr_t)raw + PAGE_2M - 1) & ~(uintptr_t)(PAGE_2M - 1);
	p = (char *)a;
	if (p > raw)
		munmap(raw, (size_t)(p - raw));
	if (raw + full > p + len)
		munmap(p + len, (size_t)(raw + full - (p + len)));
	if (advice)
		madvise(p, len, advice);
	return p;
}

/* Touch one byte per @step, timing each touch into @ns[]. Returns the total, ns. */
static double touch_timed(char *p, size_t len, size_t step, double *ns)
{
	double total = 0;
	size_t i = 0;

	for (size_t off = 0; off < len; off += step, i++) {
		uint64_t t0 = tsc_read();

		*(volatile char *)(p + off) = 1;
		ns[i] = (double)(tsc_read() - t0) * tsc_ns_per_cycle;
		total += ns[i];
	}
	return total;
}

/* Unaccepted memory now, KiB: meminfo, else vmstat's nr_unaccepted. */
static bool unaccepted_now(uint64_t *kib)
{
	uint64_t pages;

	if (read_meminfo("Unaccepted", kib))
		return true;
	if (read_vmstat("nr_unaccepted", &pages)) {
		*kib = pages * 4;
		return true;
	}
	return false;
}

/* AnonHugePages of the VMA of this process that contains @p, KiB. */
static uint64_t anon_huge_kib(const void *p)
{
	FILE *f = fopen("/proc/self/smaps", "re");
	char line[512];
	bool in = false;
	uint64_t kib = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		unsigned long start, end;

		if (sscanf(line, "%lx-%lx ", &start, &end) == 2) {	/* a VMA's first line */
			in = (uintptr_t)p >= start && (uintptr_t)p < end;
			continue;
		}
		if (in && !strncmp(line, "AnonHugePages:", 14)) {
			kib = strtoull(line + 14, NULL, 10);
			break;
		}
	}
	fclose(f);
	return kib;
}

/* One timed pass over a fresh mapping; the mapping is kept in *out if @out. */
static bool timed_pass(size_t len, size_t step, int advice, struct dist *d, double *total,
		       uint64_t *thp_kib, struct region *out)
{
	size_t n = len / step;
	double *ns = xmalloc(n * sizeof(*ns));
	char *p = map_region(len, advice);
	double t;

	if (!p) {
		free(ns);
		return false;
	}
	t = touch_timed(p, len, step, ns);
	if (total)
		*total = t;
	if (thp_kib)
		*thp_kib = anon_huge_kib(p);
	dist_from(ns, n, d);
	free(ns);
	if (out) {
		out->p = p;
		out->len = len;
	} else {
		munmap(p, len);
	}
	return true;
}

void run_fault_bench(const struct probe_opts *o, const struct detect *d,
		     struct fault_results *r)
{
	uint64_t size = o->fault_size, u0 = 0, u1 = 0, free_kib;
	bool have_u;

	memset(r, 0, sizeof(*r));
	/* With lazy acceptance, stay within memory that is already accepted. */
	have_u = unaccepted_now(&u0);
	if (have_u && u0 > 0 && read_meminfo("MemFree", &free_kib)) {
		uint64_t accepted_free = free_kib > u0 ? (free_kib - u0) * KIB : 0;

		if (size > accepted_free / 2)
			size = accepted_free / 2;
	}
	size &= ~(PAGE_2M - 1);
	if (size < 8 * MIB) {
		snprintf(r->thp_note, sizeof(r->thp_note), "skipped: too little accepted free memory");
		return;
	}
	r->size = size;
	progress("fault baseline: 4K pages, %llu MiB, first touch and re-touch",
		 (unsigned long long)(size / MIB));
	if (!timed_pass(size, PAGE_4K, MADV_NOHUGEPAGE, &r->first4k, NULL, NULL, NULL) ||
	    !timed_pass(size, PAGE_4K, MADV_NOHUGEPAGE, &r->accepted4k, NULL, NULL, NULL)) {
		snprintf(r->thp_note, sizeof(r->thp_note), "skipped: mmap failed: %s",
			 strerror(errno));
		return;
	}
	r->done = true;

	if (!root_is_real()) {
		snprintf(r->thp_note, sizeof(r->thp_note), "skipped: --root reads a fixture tree");
	} else if (d->thp_never) {
		snprintf(r->thp_note, sizeof(r->thp_note), "skipped: THP disabled (%s)", d->thp);
	} else {
		uint64_t kib2 = 0;

		progress("fault baseline: THP, %llu MiB", (unsigned long long)(size / MIB));
		if (timed_pass(size, PAGE_2M, MADV_HUGEPAGE, &r->first2m, NULL, &r->thp_kib, NULL) &&
		    timed_pass(size, PAGE_2M, MADV_HUGEPAGE, &r->accepted2m, NULL, &kib2, NULL)) {
			if (r->thp_kib == 0 || kib2 == 0) {
				snprintf(r->thp_note, sizeof(r->thp_note),
					 "no huge pages given (AnonHugePages 0 kB)");
				memset(&r->first2m, 0, sizeof(r->first2m));
				memset(&r->accepted2m, 0, sizeof(r->accepted2m));
			} else {
				r->thp_done = true;
				snprintf(r->thp_note, sizeof(r->thp_note), "ok, AnonHugePages %llu kB",
					 (unsigned long long)r->thp_kib);
			}
		}
	}
	if (have_u && unaccepted_now(&u1))
		r->unaccepted_delta_kib = (int64_t)u1 - (int64_t)u0;
}

/* ---- the acceptance pass ---- */

/* Keep @p mapped until release_all(); mlock() faults in what is not yet. */
static bool hold(char *p, size_t len)
{
	if (nr_held == MAX_REGIONS)
		return false;
	mlock(p, len);		/* best effort: keeps it consumed even with swap */
	held[nr_held].p = p;
	held[nr_held].len = len;
	nr_held++;
	return true;
}

static void release_all(void)
{
	for (unsigned int i = 0; i < nr_held; i++)
		munmap(held[i].p, held[i].len);
	nr_held = 0;
}

/* Is there room for @len more bytes and a margin of free memory? */
static bool room_for(uint64_t len, uint64_t margin)
{
	uint64_t avail;

	if (!read_meminfo("MemAvailable", &avail) && !read_meminfo("MemFree", &avail))
		return false;
	return avail * KIB >= len + margin;
}

/*
 * Consume free accepted memory in REACH_CHUNK steps until a step makes
 * Unaccepted fall by at least half of what it touched.
 */
static bool reach_lazy_regime(uint64_t keep, uint64_t margin, struct accept_results *r)
{
	double *ns = xmalloc(REACH_CHUNK / PAGE_4K * sizeof(*ns));

	for (;;) {
		uint64_t u0, u1;
		char *p;

		if (!room_for(REACH_CHUNK + keep, margin)) {
			snprintf(r->note, sizeof(r->note),
				 "skipped: free memory ran out after %llu MiB before Unaccepted fell",
				 (unsigned long long)(r->reach_bytes / MIB));
			free(ns);
			return false;
		}
		if (!unaccepted_now(&u0) || !(p = map_region(REACH_CHUNK, MADV_NOHUGEPAGE)))
			break;
		touch_timed(p, REACH_CHUNK, PAGE_4K, ns);
		if (!hold(p, REACH_CHUNK) || !unaccepted_now(&u1))
			break;
		r->reach_bytes += REACH_CHUNK;
		if (u0 > u1 && (u0 - u1) * KIB >= REACH_CHUNK / 2) {
			free(ns);
			return true;
		}
	}
	snprintf(r->note, sizeof(r->note), "skipped: mmap or /proc/meminfo failed");
	free(ns);
	return false;
}

struct scale_arg {
	int cpu;			/* CPU to pin to, -1 = leave */
	size_t len;			/* bytes to touch */
	char *p;			/* the thread's region */
	const int *go;			/* set to 1 to start all threads together */
};

static void *scale_thread(void *v)
{
	struct scale_arg *a = v;

	if (a->cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(a->cpu, &set);
		sched_setaffinity(0, sizeof(set), &set);
	}
	while (!__atomic_load_n(a->go, __ATOMIC_ACQUIRE))
		sched_yield();
	for (size_t off = 0; off < a->len; off += PAGE_4K)
		*(volatile char *)(a->p + off) = 1;
	return NULL;
}

/* Aggregate accepted GiB/s with @nt threads touching @total bytes; <0 on failure. */
static double scaling_run(unsigned int nt, uint64_t total, const int *cpus, unsigned int ncpus)
{
	struct scale_arg arg[8];
	pthread_t tid[8];
	int go = 0;
	uint64_t u0, u1;
	size_t per = (size_t)(total / nt) & ~(size_t)(PAGE_2M - 1);
	double t0, t1;
	unsigned int started = 0;

	if (per < BLOCK_4M)
		return -1;
	for (unsigned int i = 0; i < nt; i++) {
		arg[i].cpu = ncpus ? cpus[i % ncpus] : -1;
		arg[i].len = per;
		arg[i].go = &go;
		arg[i].p = map_region(per, MADV_NOHUGEPAGE);
		if (!arg[i].p) {
			nt = i;
			break;
		}
	}
	for (unsigned int i = 0; i < nt; i++) {
		if (pthread_create(&tid[i], NULL, scale_thread, &arg[i]))
			break;
		started++;
	}
	unaccepted_now(&u0);
	t0 = now_ns();
	__atomic_store_n(&go, 1, __ATOMIC_RELEASE);
	for (unsigned int i = 0; i < started; i++)
		pthread_join(tid[i], NULL);
	t1 = now_ns();
	/* Keep the regions consumed; only now, as mlock() would fault them in. */
	for (unsigned int i = 0; i < nt; i++)
		if (!hold(arg[i].p, per))
			munmap(arg[i].p, per);
	if (!nt || started < nt || !unaccepted_now(&u1) || u1 >= u0)
		return -1;
	return (double)((u0 - u1) * KIB) / GIB / ((t1 - t0) / 1e9);
}

/* Least-squares p in 1/S(n) - 1 = p (1/n - 1), S(n) = rate(n) / rate(1). */
static double fit_p_par(const struct accept_results *r)
{
	double sxy = 0, sxx = 0;

	if (r->nr_scaling < 2 || r->gib_s[0] <= 0)
		return -1;
	for (unsigned int i = 1; i < r->nr_scaling; i++) {
		double s = r->gib_s[i] / r->gib_s[0];
		double x = 1.0 / r->threads[i] - 1, y = 1.0 / s - 1;

		sxy += x * y;
		sxx += x * x;
	}
	if (sxx <= 0)
		return -1;
	double p = sxy / sxx;

	return p < 0 ? 0 : p > 1 ? 1 : p;
}

static void accept_4k_slices(uint64_t size, struct accept_results *r)
{
	unsigned int ns = MAX_SLICES;
	size_t slice, pages;
	double t1[MAX_SLICES], t2[MAX_SLICES], rate[MAX_SLICES], *lazy, *base;
	uint64_t du[MAX_SLICES];
	struct region sl[MAX_SLICES];
	unsigned int nr_rate = 0;
	double excess = 0, *spk;

	while (ns > 1 && size / ns < 16 * MIB)
		ns /= 2;
	slice = (size_t)(size / ns) & ~(size_t)(PAGE_2M - 1);
	pages = slice / PAGE_4K;
	lazy = xmalloc(ns * pages * sizeof(*lazy));
	base = xmalloc(ns * pages * sizeof(*base));
	spk = xmalloc(ns * pages * sizeof(*spk));

	/* Pass 1: fresh slices; each stays mapped so the next one accepts. */
	for (unsigned int i = 0; i < ns; i++) {
		uint64_t u0 = 0, u1 = 0;
		char *p = map_region(slice, MADV_NOHUGEPAGE);

		if (!p) {
			ns = i;
			break;
		}
		unaccepted_now(&u0);
		t1[i] = touch_timed(p, slice, PAGE_4K, lazy + i * pages);
		unaccepted_now(&u1);
		du[i] = u0 > u1 ? (u0 - u1) * KIB : 0;
		sl[i].p = p;
		sl[i].len = slice;
		r->accepted_bytes += du[i];
	}
	/* Pass 2: the same sizes again on memory just freed, so accepted. */
	for (unsigned int i = 0; i < ns; i++) {
		char *p;

		munmap(sl[i].p, sl[i].len);
		p = map_region(slice, MADV_NOHUGEPAGE);
		if (!p) {
			ns = i;
			break;
		}
		t2[i] = touch_timed(p, slice, PAGE_4K, base + i * pages);
		hold(p, slice);
		if (du[i] >= slice / 8 && t1[i] > t2[i])
			rate[nr_rate++] = (t1[i] - t2[i]) / 1e9 / ((double)du[i] / GIB);
	}
	r->nr_slices = ns;
	if (!ns) {
		free(lazy);
		free(base);
		free(spk);
		return;
	}
	dist_from(base, ns * pages, &r->base4k);
	/* Spikes: pass-1 faults far above the accepted-memory median. */
	for (size_t i = 0; i < ns * pages; i++) {
		if (lazy[i] > SPIKE_FACTOR * r->base4k.p50) {
			spk[r->nr_spikes++] = lazy[i] - r->base4k.p50;
			excess += lazy[i] - r->base4k.p50;
		}
	}
	dist_from(spk, r->nr_spikes, &r->spike);
	dist_from(lazy, ns * pages, &r->lazy4k);
	if (r->accepted_bytes >= BLOCK_4M) {
		double blocks = (double)r->accepted_bytes / BLOCK_4M;

		r->block4m_ns = excess / blocks;
		if (r->nr_spikes)
			r->batch_blocks = blocks / (double)r->nr_spikes;
	}
	if (nr_rate) {
		r->per_gib_s = median_of(rate, nr_rate, &r->per_gib_iqr);
		r->per_4k_ns = r->per_gib_s * 1e9 / (GIB / PAGE_4K);
		r->done = true;
	}
	free(lazy);
	free(base);
	free(spk);
}

void run_accept_pass(const struct probe_opts *o, const struct detect *d,
		     struct accept_results *r)
{
	uint64_t size, u, total_kib, margin, thp_size, scale_size;
	unsigned int before;
	int cpus[64];
	unsigned int ncpus;

	memset(r, 0, sizeof(*r));
	r->p_par = -1;
	if (!o->accept_pass) {
		snprintf(r->note, sizeof(r->note), "not run (needs --accept-pass)");
		return;
	}
	if (!root_is_real()) {
		snprintf(r->note, sizeof(r->note), "skipped: --root reads a fixture tree");
		return;
	}
	if (d->mode != ACCEPT_LAZY || !unaccepted_now(&u) || u == 0) {
		snprintf(r->note, sizeof(r->note), "skipped: lazy=unavailable (accept_mode %s)",
			 accept_mode_name(d->mode));
		return;
	}
	if (!read_meminfo("MemTotal", &total_kib))
		total_kib = 0;
	margin = total_kib * KIB / 20;
	if (margin < 256 * MIB)
		margin = 256 * MIB;
	size = o->accept_size ? o->accept_size : u * KIB / 2;
	if (size > 4 * GIB && !o->accept_size)
		size = 4 * GIB;
	if (size > u * KIB)
		size = u * KIB;
	size &= ~(64 * MIB - 1);
	if (size < 64 * MIB) {
		snprintf(r->note, sizeof(r->note), "skipped: accept size below 64 MiB");
		return;
	}
	before = count_softlockups();
	progress("accept pass: reaching the lazy regime (Unaccepted %llu MiB)",
		 (unsigned long long)(u / 1024));
	if (!reach_lazy_regime(size, margin, r))
		goto out_release;

	thp_size = d->thp_never ? 0 : (size / 8) & ~(PAGE_2M - 1);
	scale_size = (size * 3 / 8) & ~(PAGE_2M - 1);
	progress("accept pass: 4K slices over %llu MiB",
		 (unsigned long long)((size - thp_size - scale_size) / MIB));
	accept_4k_slices(size - thp_size - scale_size, r);
	if (!r->done) {
		snprintf(r->note, sizeof(r->note), "no slice saw Unaccepted fall by 1/8 of its size");
		goto out_release;
	}

	if (thp_size >= PAGE_2M && room_for(2 * thp_size, margin)) {
		struct region keep;
		uint64_t kib = 0;

		progress("accept pass: THP over %llu MiB", (unsigned long long)(thp_size / MIB));
		if (timed_pass(thp_size, PAGE_2M, MADV_HUGEPAGE, &r->lazy2m, NULL, &kib, &keep)) {
			munmap(keep.p, keep.len);
			if (kib && timed_pass(thp_size, PAGE_2M, MADV_HUGEPAGE, &r->base2m, NULL,
					      NULL, &keep) && hold(keep.p, keep.len))
				r->thp_done = true;
		}
	}

	ncpus = allowed_cpus(cpus, 64);
	for (unsigned int i = 0; i < ncpus / 2; i++) {	/* highest CPU first, CPU 0 last */
		int t = cpus[i];

		cpus[i] = cpus[ncpus - 1 - i];
		cpus[ncpus - 1 - i] = t;
	}
	for (unsigned int nt = 1; nt <= 8; nt *= 2)
		if (nt <= (ncpus ? ncpus : 1) && nt <= o->max_threads)
			r->nr_scaling++;
	if (r->nr_scaling) {
		uint64_t per_run = scale_size / r->nr_scaling;
		unsigned int k = 0;

		for (unsigned int nt = 1; k < r->nr_scaling; nt *= 2) {
			double g;

			if (!room_for(per_run, margin))
				break;
			progress("accept pass: scaling, %u thread(s)", nt);
			g = scaling_run(nt, per_run, cpus, ncpus);
			if (g <= 0)
				break;
			r->threads[k] = nt;
			r->gib_s[k++] = g;
		}
		r->nr_scaling = k;
		r->p_par = fit_p_par(r);
	}
	r->softlockups = count_softlockups() - before;
	snprintf(r->note, sizeof(r->note), "ok, %llu MiB to reach the lazy regime",
		 (unsigned long long)(r->reach_bytes / MIB));
out_release:
	release_all();
}
