/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * acceptsim-probe: measures guest exits, page faults and (on request) lazy
 * memory acceptance inside a confidential VM, and writes the calibration
 * file of ../shared/docs/accept-cost.md section 4.6 (docs/probe-format.md).
 * Plain C and libc only, so it links statically into a minimal guest image.
 */
#ifndef PROBE_H
#define PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PROBE_VERSION	"0.1.0"
#define KIB		1024ULL
#define MIB		(1024ULL * KIB)
#define GIB		(1024ULL * MIB)
#define PAGE_4K		(4 * KIB)
#define PAGE_2M		(2 * MIB)

#define PROBE_PRINTF(f, a)	__attribute__((format(printf, f, a)))

/* A latency distribution as the calibration file writes it. */
struct dist {
	uint64_t n;			/* samples */
	double p05, p50, p90, p99, max;	/* ns */
};

/* A growable text buffer: the calibration file is built here first. */
struct obuf {
	char *buf;			/* NUL-terminated */
	size_t len;			/* bytes used, without the NUL */
	size_t cap;			/* bytes allocated */
};

/* What the user asked for on the command line. */
struct probe_opts {
	const char *out;		/* calibration file, NULL or "-" = stdout */
	const char *root;		/* prefix of /proc, /sys, /dev paths, "" = / */
	bool no_bench;			/* detection only */
	bool quick;			/* shorter calibration and smaller passes */
	bool quiet;			/* no progress on stderr */
	bool accept_pass;		/* run the destructive acceptance pass */
	uint64_t accept_size;		/* bytes the acceptance pass may accept */
	uint64_t fault_size;		/* bytes per fault pass */
	unsigned int max_threads;	/* scaling pass: 1, 2, 4 .. max_threads */
	int cpu;			/* CPU to pin to, -1 = pick one */
};

enum platform {
	PLATFORM_NONE,
	PLATFORM_TDX,
	PLATFORM_SNP,
};

enum accept_mode {
	ACCEPT_UNAVAILABLE,		/* no unaccepted memory to measure */
	ACCEPT_LAZY,			/* Unaccepted > 0: the kernel accepts on demand */
	ACCEPT_EAGER,			/* accept_memory=eager on the command line */
};

/* The result of platform detection (detect.c). */
struct detect {
	enum platform platform;
	enum accept_mode mode;
	char evidence[512];		/* what matched, comma-separated */
	char mode_note[256];		/* why mode is what it is */
	char kernel[128];		/* osrelease */
	char *cmdline;			/* /proc/cmdline, malloc'd, "" if unreadable */
	char accept_memory[16];		/* value of accept_memory=, "" if absent */
	char thp[64];			/* THP enabled/defrag, e.g. "madvise/madvise" */
	bool thp_never;			/* THP disabled: skip the THP passes */
	bool hypervisor;		/* cpuinfo has the hypervisor flag */
	bool kmsg_readable;		/* the kernel log could be read */
	bool has_unaccepted;		/* meminfo has an Unaccepted: line */
	bool has_nr_unaccepted;		/* vmstat has nr_unaccepted */
	uint64_t unaccepted_kib;	/* Unaccepted:, KiB */
	uint64_t nr_unaccepted;		/* nr_unaccepted, pages */
	uint64_t mem_total_kib;		/* MemTotal:, KiB */
	unsigned int vcpus;		/* processors in cpuinfo */
	unsigned int softlockups;	/* soft lockup lines in the kernel log */
};

/* util.c */
extern bool probe_quiet;
void progress(const char *fmt, ...) PROBE_PRINTF(1, 2);
void set_root(const char *root);
bool root_is_real(void);
char *root_path(const char *path);
char *read_text(const char *path, size_t max, size_t *len);
bool path_exists(const char *path);
bool meminfo_field(const char *text, const char *field, uint64_t *val);
bool read_meminfo(const char *field, uint64_t *kib);
bool read_vmstat(const char *field, uint64_t *val);
double now_ns(void);
void dist_from(double *v, size_t n, struct dist *d);
void ob_printf(struct obuf *ob, const char *fmt, ...) PROBE_PRINTF(2, 3);
void ob_dist(struct obuf *ob, const char *key, const struct dist *d, const char *comment);
void ob_string(struct obuf *ob, const char *key, const char *value, const char *comment);
int write_atomic(const char *path, const char *data, size_t len);
void *xmalloc(size_t n);
double median_of(double *v, size_t n, double *iqr);

/* detect.c */
int detect_platform(struct detect *d);
char *read_kernel_log(size_t *len);
unsigned int count_softlockups(void);
const char *platform_name(enum platform p);
const char *accept_mode_name(enum accept_mode m);

/* exitbench.c: TSC and CPUID timing */
struct exit_results {
	int cpu;			/* CPU pinned to, -1 if not pinned */
	double tsc_hz;			/* calibrated TSC frequency */
	struct dist rdtsc;		/* rdtsc cost, ns */
	double rdtsc_cycles;		/* p50 rdtsc cost, cycles */
	unsigned int nr_leaves;		/* entries used in leaf[] */
	struct {
		uint32_t leaf;		/* CPUID leaf */
		struct dist batch;	/* per-call ns, means of batches */
		struct dist single;	/* individually timed calls, ns */
		char hist[256];		/* log2 histogram of single calls */
	} leaf[8];
	double memset_gib_s;		/* memset bandwidth, GiB/s */
};

bool have_cpuid(void);
void cpuid_raw(uint32_t leaf, uint32_t subleaf, uint32_t regs[4]);
bool have_tsc(void);
uint64_t tsc_read(void);
double tsc_calibrate(double seconds);
extern double tsc_ns_per_cycle;
int pin_to_cpu(int want);
unsigned int allowed_cpus(int *cpus, unsigned int max);
void run_exit_bench(const struct probe_opts *o, struct exit_results *r);
const struct dist *exit_leaf(const struct exit_results *r, uint32_t leaf);

/* fault.c: fault baselines and the acceptance pass */
struct fault_results {
	bool done;			/* the 4K baseline ran */
	uint64_t size;			/* bytes per 4K pass */
	struct dist first4k;		/* first touch of fresh memory */
	struct dist accepted4k;		/* re-touch after munmap/mmap */
	bool thp_done;			/* the THP pass ran */
	char thp_note[128];		/* why it did not, or what it saw */
	uint64_t thp_kib;		/* AnonHugePages of the THP mapping */
	struct dist first2m;		/* THP first touch */
	struct dist accepted2m;		/* THP re-touch */
	int64_t unaccepted_delta_kib;	/* Unaccepted change during the baseline */
};

struct accept_results {
	bool done;			/* the pass ran and measured something */
	char note[256];			/* why it was skipped, or caveats */
	uint64_t reach_bytes;		/* touched to reach the lazy regime */
	uint64_t accepted_bytes;	/* fall of Unaccepted over the 4K pass */
	unsigned int nr_slices;		/* independent slices of the 4K pass */
	double per_gib_s, per_gib_iqr;	/* median and IQR over slices */
	double per_4k_ns;		/* per_gib_s / 262144, ns */
	struct dist lazy4k;		/* pass-1 faults, spikes included */
	struct dist base4k;		/* pass-2 faults on the same slices */
	struct dist spike;		/* excess ns of each spike */
	uint64_t nr_spikes;		/* faults above 20x the baseline median */
	double block4m_ns;		/* accept cost of one 4 MiB block */
	double batch_blocks;		/* 4 MiB blocks accepted per spike */
	bool thp_done;			/* THP pass on unaccepted memory ran */
	struct dist lazy2m;		/* THP faults on unaccepted memory */
	struct dist base2m;		/* THP re-touch */
	unsigned int nr_scaling;	/* entries used below */
	unsigned int threads[8];	/* thread counts of the scaling pass */
	double gib_s[8];		/* aggregate accepted GiB/s */
	double p_par;			/* Amdahl fit, -1 if not fitted */
	unsigned int softlockups;	/* soft lockups logged during the pass */
};

void run_fault_bench(const struct probe_opts *o, const struct detect *d,
		     struct fault_results *r);
void run_accept_pass(const struct probe_opts *o, const struct detect *d,
		     struct accept_results *r);

#endif /* PROBE_H */
