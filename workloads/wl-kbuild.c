// SPDX-License-Identifier: GPL-2.0-only
/*
 * kbuild: parallel kernel builds, a generative model calibrated against
 * kmem traces of real builds (docs/kbuild-calibration.md).  Each build is
 * make with a number of job slots; a job runs the processes of one
 * compile unit in turn (make's forks, sh, gcc, cc1, as, fixdep, tools),
 * and the last job links.  A process allocates at its kind's rate per CPU
 * second it runs: anonymous memory, page tables, page cache it reads and
 * writes, slab; at exit (exit_mmap()) it frees what it owned, and so do
 * the shells and gcc drivers that waited for it.  Page cache stays (only
 * reclaim, or "make clean" before the next pass, frees it); the sources
 * are read in the first pass only.  Processes share the CPUs as the
 * scheduler's runqueues would: per-CPU round robin, new processes on the
 * shortest runqueue, idle CPUs pulling work.
 *
 * The gfp sets are those of Linux 6.18 traces (folios carry __GFP_COMP);
 * WL_F_FILE / WL_F_ANON tell a reclaim model what it may evict.
 *
 * Built for speed: next() is O(1), draws from precomputed alias and
 * quantile tables, and never chases pointers through cold memory.  What a
 * process frees at exit sits in consecutive slots (64-slot chunks of its
 * own), so exit walks slot numbers in order; everything else is kept in
 * arrays of packed (slot, CPU, order) entries: per build (page cache) and
 * per timing-wheel bucket (allocations that die young).  Per slot: one
 * byte, plus a free-stack entry for the slots outside chunks.
 *
 * Options: builds=1 jobs=CPUS units=2500 passes=1 duration=0 (s; 0: run
 * the passes) thp=0 thp_frac=0.7 rate=(calibrated allocs per busy
 * CPU-second) dump=FILE (write the stream as ftrace text, for calibration)
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "workload.h"
#include "sim/rng.h"
#include "sim/debug.h"
#include "sim/cli.h"

#define KB_NONE			UINT32_MAX
#define KB_NONE16		UINT16_MAX
#define KB_MAX_CPUS		4096
#define KB_FAILED		0xff		/* slot_order of a failed allocation */
#define KB_CHUNK_SHIFT		6		/* a process's slots come 64 at a time */
#define KB_CHUNK		(1U << KB_CHUNK_SHIFT)
#define KB_GROW			4096		/* slot numbers taken at a time */
#define KB_FP_SHIFT		8		/* time in 1/256 ns */
#define KB_EXP_BITS		12		/* exponential table: 4096 quantiles */
#define KB_WHEEL_SHIFT		17		/* wheel tick: 2^17 ns = 131 us */
#define KB_WHEEL_BITS		15		/* 32768 ticks: 4.3 s span */
#define KB_WHEEL_SIZE		(1U << KB_WHEEL_BITS)
#define KB_LIFE_BITS		6		/* lifetime quantile table: 64 entries */
#define KB_BUDGET_BITS		8		/* budget quantile table: 256 entries */
#define KB_SLICE_NS		3000000ULL	/* scheduler slice: 3 ms */
#define KB_MAX_SEQ		48		/* processes of one unit */
#define KB_MAX_WAIT		16		/* parents in the dump's memory */
#define KB_DEFAULT_RATE		18713.0		/* allocs per busy CPU-second, traced build */

/* ---- the calibrated tables ---- */

/* What happens to an allocation. */
enum kb_fate {
	KB_TEARDOWN,			/* the process owns it: freed at exit */
	KB_BUILD,			/* the build's page cache and slab: freed by clean */
	KB_KEEP,			/* never freed by the workload (source page cache) */
};

/* Lifetime tables for allocations that die young, through the wheel. */
enum kb_life {
	KB_LIFE_ANON,			/* anon freed before exit (munmap, GC) */
	KB_LIFE_COW,
	KB_LIFE_PGTABLE,		/* a child's page tables, freed at its exec */
	KB_LIFE_PGD,
	KB_LIFE_TLB,			/* mmu_gather batch pages */
	KB_LIFE_PIPE,			/* pipe buffers */
	KB_LIFE_TEMP,			/* temporary files (.d, .tmp) */
	NR_KB_LIFE,
};

/*
 * Lifetime percentiles (p10, p50, p90, p99), us, of the frees before the
 * owner's exec or exit in the real trace, on the build's CPU clock (CPU
 * time of the build / 2 CPUs); TLB batches live below its resolution,
 * wall-clock values there.
 */
static const uint32_t kb_life_pct[NR_KB_LIFE][4] = {
	[KB_LIFE_ANON]		= { 85048, 352137, 874424, 2572107 },
	[KB_LIFE_COW]		= { 9326, 29468, 687508, 1813072 },
	[KB_LIFE_PGTABLE]	= { 9909, 18543, 596557, 1705403 },
	[KB_LIFE_PGD]		= { 4008, 15025, 621669, 1817028 },
	[KB_LIFE_TLB]		= { 197, 750, 19321, 23806 },
	[KB_LIFE_PIPE]		= { 414, 3627, 10322, 33323 },
	[KB_LIFE_TEMP]		= { 13437, 34712, 197290, 1292492 },
};

enum kb_class {
	KB_ANON,			/* anonymous zero-fill fault */
	KB_ANON_COW,			/* COW copy, e.g. of a library's data */
	KB_THP,				/* anonymous THP (thp=1) */
	KB_PGTABLE,			/* page table page */
	KB_PGD,				/* PGD with PTI: order 1 */
	KB_TLB,				/* mmu_gather batch */
	KB_PIPE,			/* pipe buffer (gcc -pipe) */
	KB_FILE_READ,			/* page cache: readahead of sources, headers, tools */
	KB_FILE_READ2,			/* ... as an order-2 folio */
	KB_FILE_WRITE,			/* page cache: objects written */
	KB_FILE_WRITE_BIG,		/* ... large folios (link outputs) */
	KB_KERNEL_NOWAIT,		/* GFP_NOWAIT slab */
	KB_KERNEL_NOFS,			/* ext4/jbd2 buffer pages */
	KB_SLAB_RECL,			/* dentries and inodes */
	KB_SLAB_RECL2,			/* ... order-2 slabs */
	NR_KB_CLASSES,
};

struct kb_class_desc {
	gfp_t gfp;
	uint8_t order;
	uint8_t flags;			/* WL_F_* */
	uint8_t fate;			/* enum kb_fate, unless it dies young */
	uint8_t life;			/* enum kb_life when it dies young */
	uint16_t young;			/* 1/65536: chance it dies young, through the wheel */
	const char *name;		/* gfp_flags as the kernel prints them */
};

#define GFP_KERNEL_ACCOUNT_	(GFP_KERNEL | __GFP_ACCOUNT)
#define GFP_READAHEAD_		(GFP_NOFS | __GFP_HIGHMEM | __GFP_MOVABLE | __GFP_NOWARN | \
				 __GFP_NORETRY | __GFP_COMP | __GFP_HARDWALL)
#define P16(x)			((uint16_t)((x) * 65535.0 + 0.5))

/* young: the share freed before its owner's exec/exit in the real trace */
static const struct kb_class_desc kb_classes[NR_KB_CLASSES] = {
	[KB_ANON] = { GFP_HIGHUSER_MOVABLE | __GFP_ZERO | __GFP_COMP, 0, WL_F_ANON, KB_TEARDOWN,
		      KB_LIFE_ANON, P16(0.074), "GFP_HIGHUSER_MOVABLE|__GFP_ZERO|__GFP_COMP" },
	[KB_ANON_COW] = { GFP_HIGHUSER_MOVABLE | __GFP_COMP, 0, WL_F_ANON, KB_TEARDOWN,
			  KB_LIFE_COW, P16(0.050), "GFP_HIGHUSER_MOVABLE|__GFP_COMP" },
	[KB_THP] = { GFP_TRANSHUGE_LIGHT, 9, WL_F_ANON, KB_TEARDOWN, 0, 0,
		     "GFP_TRANSHUGE_LIGHT" },
	[KB_PGTABLE] = { GFP_KERNEL_ACCOUNT_ | __GFP_ZERO | __GFP_COMP, 0, 0, KB_TEARDOWN,
			 KB_LIFE_PGTABLE, P16(0.260), "GFP_KERNEL_ACCOUNT|__GFP_ZERO|__GFP_COMP" },
	[KB_PGD] = { GFP_KERNEL_ACCOUNT_ | __GFP_ZERO | __GFP_COMP, 1, 0, KB_TEARDOWN,
		     KB_LIFE_PGD, P16(0.350), "GFP_KERNEL_ACCOUNT|__GFP_ZERO|__GFP_COMP" },
	[KB_TLB] = { GFP_NOWAIT, 0, 0, KB_TEARDOWN, KB_LIFE_TLB, P16(1.0), "GFP_NOWAIT" },
	[KB_PIPE] = { GFP_HIGHUSER | __GFP_ACCOUNT, 0, 0, KB_TEARDOWN, KB_LIFE_PIPE, P16(1.0),
		      "GFP_HIGHUSER|__GFP_ACCOUNT" },
	[KB_FILE_READ] = { GFP_READAHEAD_, 0, WL_F_FILE, KB_KEEP, 0, 0,
			   "GFP_NOFS|__GFP_HIGHMEM|__GFP_MOVABLE|__GFP_NOWARN|__GFP_NORETRY|__GFP_COMP|__GFP_HARDWALL" },
	[KB_FILE_READ2] = { GFP_READAHEAD_, 2, WL_F_FILE, KB_KEEP, 0, 0,
			    "GFP_NOFS|__GFP_HIGHMEM|__GFP_MOVABLE|__GFP_NOWARN|__GFP_NORETRY|__GFP_COMP|__GFP_HARDWALL" },
	[KB_FILE_WRITE] = { GFP_HIGHUSER_MOVABLE | __GFP_WRITE | __GFP_COMP, 0, WL_F_FILE, KB_BUILD,
			    KB_LIFE_TEMP, P16(0.41), "GFP_HIGHUSER_MOVABLE|__GFP_WRITE|__GFP_COMP" },
	[KB_FILE_WRITE_BIG] = { GFP_HIGHUSER_MOVABLE | __GFP_WRITE | __GFP_NOWARN | __GFP_NORETRY |
				__GFP_COMP, 2, WL_F_FILE, KB_BUILD, 0, 0,
				"GFP_HIGHUSER_MOVABLE|__GFP_WRITE|__GFP_NOWARN|__GFP_NORETRY|__GFP_COMP" },
	[KB_KERNEL_NOWAIT] = { GFP_NOWAIT | __GFP_COMP, 0, 0, KB_BUILD, 0, 0,
			       "GFP_NOWAIT|__GFP_COMP" },
	[KB_KERNEL_NOFS] = { GFP_NOFS | __GFP_NOFAIL | __GFP_COMP | __GFP_HARDWALL, 0, 0, KB_BUILD,
			     0, 0, "GFP_NOFS|__GFP_NOFAIL|__GFP_COMP|__GFP_HARDWALL" },
	[KB_SLAB_RECL] = { GFP_NOFS | __GFP_RECLAIMABLE | __GFP_NOWARN | __GFP_NORETRY | __GFP_COMP,
			   0, 0, KB_BUILD, 0, 0,
			   "GFP_NOFS|__GFP_RECLAIMABLE|__GFP_NOWARN|__GFP_NORETRY|__GFP_COMP" },
	[KB_SLAB_RECL2] = { __GFP_RECLAIMABLE | __GFP_IO | __GFP_NOWARN | __GFP_NORETRY | __GFP_COMP |
			    __GFP_NOMEMALLOC, 2, 0, KB_BUILD, 0, 0,
			    "__GFP_RECLAIMABLE|__GFP_IO|__GFP_NOWARN|__GFP_NORETRY|__GFP_COMP|__GFP_NOMEMALLOC" },
};

/* Process kinds, by the comm the trace shows after exec. */
enum kb_type {
	KB_CC1,
	KB_AS,
	KB_SH,
	KB_MAKE,
	KB_GCC,
	KB_FIXDEP,
	KB_TOOL,			/* sed, rm, mkdir, ar, wc, tr, ... */
	KB_LD,				/* host program links */
	KB_LINK,			/* the final link: ld, nm, objcopy, xz of vmlinux */
	NR_KB_TYPES,
};

struct kb_type_desc {
	const char *comm;
	const char *path;			/* exec filename, for the dump */
	double per_unit;			/* processes per compile unit */
	double speed;				/* allocations per CPU second, relative */
	bool thp;				/* its heap may be THP-backed (thp=1) */
	uint32_t budget[21];			/* allocations: p0, p5, ..., p95, p100 */
	double mix[NR_KB_CLASSES];		/* share of its allocations by class */
};

/*
 * From the real trace: processes per cc1 (one cc1 per compile unit), the
 * ventiles of allocations per process (the last one set so that the mean
 * is the trace's), and the share of each class in their allocations.
 * The link's budget is per compile unit of the build.
 */
static const struct kb_type_desc kb_types[NR_KB_TYPES] = {
	/* 650 processes */
	[KB_CC1] = { "cc1", "/usr/lib/gcc/x86_64-linux-gnu/12/cc1",
		1.0000, 1.052, true,
		{ 531, 584, 618, 663, 696, 902, 1631, 2276, 4129, 7484, 8330, 9702, 10796,
		  11588, 12661, 13356, 14005, 14640, 15479, 18464, 24479 },
		{ [KB_ANON] = 0.987481, [KB_ANON_COW] = 0.00486, [KB_PGTABLE] = 0.004523,
		  [KB_TLB] = 0.000539, [KB_PIPE] = 1e-06, [KB_FILE_READ] = 0.00146,
		  [KB_FILE_WRITE] = 0.000953, [KB_KERNEL_NOWAIT] = 0.0001,
		  [KB_KERNEL_NOFS] = 2.4e-05, [KB_SLAB_RECL] = 2.5e-05,
		  [KB_SLAB_RECL2] = 3.5e-05 } },
	/* 631 processes */
	[KB_AS] = { "as", "/usr/bin/as",
		0.9708, 1.149, false,
		{ 131, 199, 200, 201, 202, 204, 206, 207, 209, 211, 214, 217, 221, 226, 232,
		  240, 250, 268, 282, 318, 484 },
		{ [KB_ANON] = 0.493251, [KB_ANON_COW] = 0.472446, [KB_PGTABLE] = 0.019851,
		  [KB_TLB] = 0.004348, [KB_PIPE] = 7e-06, [KB_FILE_READ] = 0.003118,
		  [KB_FILE_READ2] = 2.1e-05, [KB_FILE_WRITE] = 0.006464,
		  [KB_FILE_WRITE_BIG] = 4.8e-05, [KB_SLAB_RECL] = 0.000165,
		  [KB_SLAB_RECL2] = 0.000282 } },
	/* 9683 processes */
	[KB_SH] = { "sh", "/bin/sh",
		14.8969, 0.784, false,
		{ 6, 11, 14, 16, 17, 18, 19, 19, 19, 20, 28, 30, 30, 31, 32, 34, 39, 40, 42,
		  45, 203 },
		{ [KB_ANON] = 0.137452, [KB_ANON_COW] = 0.358394, [KB_PGTABLE] = 0.416742,
		  [KB_PGD] = 0.03598, [KB_TLB] = 0.034562, [KB_PIPE] = 0.007341,
		  [KB_FILE_READ] = 0.0073, [KB_FILE_WRITE] = 0.001476,
		  [KB_KERNEL_NOWAIT] = 0.000329, [KB_KERNEL_NOFS] = 0.000115,
		  [KB_SLAB_RECL] = 7.8e-05, [KB_SLAB_RECL2] = 0.000231 } },
	/* 2229 processes */
	[KB_MAKE] = { "make", "/usr/bin/make",
		3.4292, 0.811, false,
		{ 15, 18, 19, 19, 19, 19, 19, 20, 20, 20, 20, 20, 20, 21, 21, 21, 22, 106,
		  107, 112, 267 },
		{ [KB_ANON] = 0.538118, [KB_ANON_COW] = 0.100443, [KB_PGTABLE] = 0.233734,
		  [KB_PGD] = 0.021036, [KB_TLB] = 0.025603, [KB_PIPE] = 1.1e-05,
		  [KB_FILE_READ] = 0.008126, [KB_FILE_READ2] = 9.2e-05,
		  [KB_KERNEL_NOWAIT] = 0.044774, [KB_KERNEL_NOFS] = 0.020304,
		  [KB_SLAB_RECL] = 0.004464, [KB_SLAB_RECL2] = 0.003296 } },
	/* 1978 processes */
	[KB_GCC] = { "gcc", "/usr/bin/gcc",
		3.0431, 0.496, false,
		{ 15, 17, 18, 18, 18, 19, 19, 19, 19, 20, 20, 20, 20, 21, 42, 47, 49, 49,
		  50, 50, 110 },
		{ [KB_ANON] = 0.515089, [KB_ANON_COW] = 0.171228, [KB_PGTABLE] = 0.256065,
		  [KB_PGD] = 0.021873, [KB_TLB] = 0.033461, [KB_PIPE] = 0.000135,
		  [KB_FILE_READ] = 8.5e-05, [KB_KERNEL_NOWAIT] = 0.001658,
		  [KB_KERNEL_NOFS] = 0.000101, [KB_SLAB_RECL] = 5.1e-05,
		  [KB_SLAB_RECL2] = 0.000254 } },
	/* 514 processes */
	[KB_FIXDEP] = { "fixdep", "scripts/basic/fixdep",
		0.7908, 0.764, false,
		{ 25, 34, 41, 45, 49, 110, 115, 117, 119, 125, 128, 131, 133, 137, 145, 202,
		  206, 211, 215, 225, 295 },
		{ [KB_ANON] = 0.810695, [KB_ANON_COW] = 0.075534, [KB_PGTABLE] = 0.021073,
		  [KB_TLB] = 0.016224, [KB_FILE_READ] = 0.000323,
		  [KB_FILE_WRITE] = 0.075269, [KB_SLAB_RECL] = 0.000661,
		  [KB_SLAB_RECL2] = 0.00022 } },
	/* 4348 processes */
	[KB_TOOL] = { "sed", "/usr/bin/sed",
		6.6892, 0.613, false,
		{ 3, 27, 28, 28, 29, 29, 30, 30, 31, 31, 33, 34, 35, 46, 50, 51, 52, 65, 68,
		  74, 845 },
		{ [KB_ANON] = 0.442319, [KB_ANON_COW] = 0.288976, [KB_PGTABLE] = 0.069437,
		  [KB_PGD] = 0.001748, [KB_TLB] = 0.018396, [KB_PIPE] = 0.007206,
		  [KB_FILE_READ] = 0.159452, [KB_FILE_READ2] = 0.006167,
		  [KB_FILE_WRITE] = 0.002544, [KB_FILE_WRITE_BIG] = 6.5e-05,
		  [KB_KERNEL_NOWAIT] = 0.002514, [KB_KERNEL_NOFS] = 0.000666,
		  [KB_SLAB_RECL] = 0.000281, [KB_SLAB_RECL2] = 0.000231 } },
	/* 54 processes */
	[KB_LD] = { "ld", "/usr/bin/ld",
		0.0831, 1.761, true,
		{ 17, 18, 19, 20, 29, 29, 30, 30, 80, 106, 106, 106, 107, 109, 185, 516,
		  1658, 1663, 1678, 6483, 6483 },
		{ [KB_ANON] = 0.918497, [KB_ANON_COW] = 0.044316, [KB_PGTABLE] = 0.008887,
		  [KB_PGD] = 0.000241, [KB_TLB] = 0.003348, [KB_PIPE] = 4.8e-05,
		  [KB_FILE_READ] = 0.007466, [KB_FILE_READ2] = 0.001493,
		  [KB_FILE_WRITE] = 0.01315, [KB_FILE_WRITE_BIG] = 0.001228,
		  [KB_KERNEL_NOFS] = 0.000506, [KB_SLAB_RECL] = 0.000723,
		  [KB_SLAB_RECL2] = 9.6e-05 } },
	/* 24 processes */
	[KB_LINK] = { "link-vmlinux.sh", "scripts/link-vmlinux.sh",
		0.0000, 2.010, true,
		{ 138, 139, 141, 142, 144, 145, 147, 148, 150, 152, 153, 155, 156, 158, 159,
		  161, 162, 164, 165, 167, 168 },
		{ [KB_ANON] = 0.427532, [KB_ANON_COW] = 0.233968, [KB_PGTABLE] = 0.008053,
		  [KB_TLB] = 0.000925, [KB_PIPE] = 0.000563, [KB_FILE_READ] = 0.315248,
		  [KB_FILE_READ2] = 0.010325, [KB_FILE_WRITE] = 0.001518,
		  [KB_FILE_WRITE_BIG] = 0.000955, [KB_KERNEL_NOWAIT] = 0.000643,
		  [KB_KERNEL_NOFS] = 6e-05, [KB_SLAB_RECL] = 0.000201,
		  [KB_SLAB_RECL2] = 1e-05 } },
};

/* ---- the generator ---- */

/* A packed free request: slot | cpu << 32 | order << 48. */
#define KB_ENTRY(slot, cpu, order) \
	((uint64_t)(slot) | (uint64_t)(cpu) << 32 | (uint64_t)(order) << 48)

/* An array of entries or slot numbers; it keeps its capacity when emptied. */
struct kb_vec {
	uint64_t *v;
	uint32_t len;
	uint32_t cap;
};

static void vec_grow(struct kb_vec *a)
{
	a->cap = a->cap ? a->cap * 2 : 64;
	a->v = g_renew(uint64_t, a->v, a->cap);
}

static inline void vec_push(struct kb_vec *a, uint64_t x)
{
	if (G_UNLIKELY(a->len == a->cap))
		vec_grow(a);
	a->v[a->len++] = x;
}

/* Walker's alias table over the classes, one 64-bit draw per sample. */
struct kb_alias {
	uint32_t n;
	uint32_t thresh[NR_KB_CLASSES];		/* 2^32 scale: keep column i below it */
	uint8_t alias[NR_KB_CLASSES];
	uint8_t cls[NR_KB_CLASSES];		/* column -> class */
};

struct kb_type_rt {
	struct kb_alias act;			/* class per tick */
	uint32_t emit;				/* 2^16 scale: a tick allocates */
	uint32_t budget[1U << KB_BUDGET_BITS];	/* allocations per process, quantiles */
};

enum kb_phase {
	KB_COMPILE,
	KB_LINKING,
	KB_DONE,
};

/* A make job slot: runs one process at a time, the unit's in turn. */
struct kb_job {
	struct kb_vec chunks;		/* chunk | used << 32: exit-freed slots of the
					   waiting parents, then of the process */
	uint32_t first_chunk;		/* the process's first entry in chunks */
	uint32_t fill;			/* slots used in the last chunk (KB_CHUNK: full) */
	uint32_t budget;		/* ticks left for the process */
	uint32_t pid;
	uint16_t build;
	uint16_t cpu;			/* where the process runs, KB_NONE16 if none */
	uint16_t rq_pos;		/* index in the CPU's runqueue */
	uint16_t thp_cover;		/* anonymous ticks already backed by a THP */
	uint8_t type;			/* enum kb_type of the running process */
	bool has_unit;			/* working on a unit (or the link) */
	bool parent;			/* the process waits for the next one to exit */
	uint8_t seq[KB_MAX_SEQ];	/* the unit's processes, enum kb_type, in order */
	uint8_t seq_len, seq_pos;
	uint8_t nr_waiting;		/* parents waiting, for the dump's exit lines */
	uint32_t waiting_pid[KB_MAX_WAIT];
	uint8_t waiting_type[KB_MAX_WAIT];
};

struct kb_build {
	uint32_t units_left;		/* units of this pass not yet started */
	uint32_t jobs_busy;		/* jobs with a unit */
	struct kb_vec obj;		/* entries: page cache and slab, freed by clean */
	uint32_t pass;			/* passes finished */
	uint8_t phase;			/* enum kb_phase */
};

struct wl_kbuild {
	struct workload wl;
	struct rng rng;
	/* options */
	unsigned int cpus, builds, jobs, passes;
	uint32_t units;
	uint64_t duration_fp;		/* end of the run, fp time; 0: none */
	bool thp;
	uint32_t thp_thresh;		/* 2^32 scale: an anon tick is a THP */
	double rate;			/* allocations per busy CPU-second */
	double tick_rate;		/* ticks per busy CPU-second: rate x fastest speed */
	/* the clock */
	uint64_t now_fp;		/* time, ns << KB_FP_SHIFT */
	uint64_t gap_fp;		/* mean gap between ticks now, same unit */
	uint64_t busy_fp;		/* CPU time of all ticks so far, same unit */
	uint32_t exp_tab[1U << KB_EXP_BITS];	/* -ln(1-u) << 16 */
	/* the scheduler */
	uint32_t *rq;			/* [cpu * rq_cap + i]: job index */
	uint32_t rq_cap;
	uint16_t *rq_len, *rq_cur;	/* per CPU */
	uint32_t *slice;		/* per CPU: ticks left in the slice */
	uint32_t slice_ticks;
	uint16_t *busy;			/* CPUs with work, dense */
	uint16_t *busy_pos;		/* per CPU: index in busy or KB_NONE16 */
	uint32_t nr_busy;
	struct kb_job *job;		/* [build * jobs + j] */
	struct kb_build *build;
	uint32_t next_pid;
	/* the slots */
	uint8_t *slot_order;		/* per slot: order, KB_FAILED */
	uint32_t order_cap;		/* slot_order's length */
	uint32_t max_slots;		/* nr_slots may grow up to this */
	uint32_t *free_slots;		/* stack of unused slots outside chunks */
	uint32_t nr_free, free_cap;
	uint32_t nr_loose;		/* slots outside chunks */
	uint32_t *free_chunks;		/* stack of unused chunk numbers */
	uint32_t nr_free_chunks, free_chunks_cap;
	uint32_t nr_chunks;		/* chunks made */
	/* allocation in flight: filed when next() is called again */
	uint32_t last_slot;		/* KB_NONE: none */
	struct kb_vec *last_vec;	/* where its entry goes; NULL: kept or in a chunk */
	uint64_t last_entry;
	bool last_failed;
	bool last_thp;
	bool last_chunked;		/* it is in its process's chunk */
	uint32_t last_job;
	/* being freed, one event per next(): an array, or a process's chunks */
	struct kb_vec *drain;		/* NULL: none */
	uint32_t drain_i;		/* next index in it */
	uint32_t drain_job;		/* KB_NONE, or the job whose process exits */
	uint32_t drain_chunk;		/* its chunk being walked */
	uint32_t drain_slot;		/* next slot index in that chunk */
	uint32_t exiting_job;		/* KB_NONE, or the job whose process just ran out */
	/* the timing wheel of allocations that die young */
	struct kb_vec *wheel;		/* buckets of entries */
	uint64_t wheel_tick;		/* next tick to drain, in wheel ticks */
	uint64_t wheel_due_fp;		/* its end, fp time */
	uint32_t wheel_flushed;		/* buckets drained after the builds ended */
	uint32_t life_tab[NR_KB_LIFE][1U << KB_LIFE_BITS];	/* delays in wheel ticks */
	struct kb_type_rt type[NR_KB_TYPES];
	/* statistics */
	uint64_t ticks, silent, thinned, no_slot;
	bool stopped;			/* duration reached */
	FILE *dump;
};

/* ---- tables ---- */

static void alias_build(struct kb_alias *a, const double *w)
{
	double p[NR_KB_CLASSES], sum = 0;
	uint32_t small[NR_KB_CLASSES], large[NR_KB_CLASSES], ns = 0, nl = 0;

	a->n = 0;
	for (int c = 0; c < NR_KB_CLASSES; c++)
		if (w[c] > 0) {
			a->cls[a->n] = (uint8_t)c;
			p[a->n++] = w[c];
			sum += w[c];
		}
	for (uint32_t i = 0; i < a->n; i++) {
		p[i] = p[i] * a->n / sum;
		if (p[i] < 1.0)
			small[ns++] = i;
		else
			large[nl++] = i;
	}
	while (ns && nl) {
		uint32_t s = small[--ns], l = large[nl - 1];

		a->thresh[s] = (uint32_t)MIN(p[s] * 4294967296.0, (double)UINT32_MAX);
		a->alias[s] = (uint8_t)l;
		p[l] -= 1.0 - p[s];
		if (p[l] < 1.0) {
			nl--;
			small[ns++] = l;
		}
	}
	while (nl) {
		uint32_t l = large[--nl];

		a->thresh[l] = UINT32_MAX;
		a->alias[l] = (uint8_t)l;
	}
	while (ns) {
		uint32_t s = small[--ns];

		a->thresh[s] = UINT32_MAX;
		a->alias[s] = (uint8_t)s;
	}
}

/* One draw: the high half picks the column, the low half the side. */
static inline unsigned int alias_draw(const struct kb_alias *a, uint64_t r)
{
	uint32_t i = (uint32_t)(((r >> 32) * a->n) >> 32);

	return a->cls[(uint32_t)r < a->thresh[i] ? i : a->alias[i]];
}

/* Inverse CDF through the 21 ventiles, linear between them. */
static void budget_build(uint32_t *tab, const uint32_t *q)
{
	unsigned int n = 1U << KB_BUDGET_BITS;

	for (unsigned int i = 0; i < n; i++) {
		double u = (i + 0.5) / n * 20.0;
		unsigned int k = (unsigned int)u;
		double f = u - k;

		tab[i] = (uint32_t)(q[k] + f * ((double)q[k + 1] - q[k]) + 0.5);
		if (!tab[i])
			tab[i] = 1;
	}
}

/* Lifetime quantiles, log-linear through p0 = p10/4, p10, p50, p90, p99, p100 = p99. */
static void life_build(uint32_t *tab, const uint32_t *pct)
{
	static const double ps[6] = { 0.0, 0.1, 0.5, 0.9, 0.99, 1.0 };
	double vs[6] = { pct[0] / 4.0, pct[0], pct[1], pct[2], pct[3], pct[3] };
	unsigned int n = 1U << KB_LIFE_BITS;

	for (unsigned int i = 0; i < n; i++) {
		double u = (i + 0.5) / n, us;
		unsigned int k = 0;
		uint64_t ticks;

		while (u > ps[k + 1])
			k++;
		us = exp(log(vs[k]) + (u - ps[k]) / (ps[k + 1] - ps[k]) * (log(vs[k + 1]) - log(vs[k])));
		ticks = (uint64_t)(us * 1000.0) >> KB_WHEEL_SHIFT;
		tab[i] = (uint32_t)CLAMP(ticks, 1, KB_WHEEL_SIZE - 1);
	}
}

/* ---- the scheduler ---- */

static void set_gap(struct wl_kbuild *w)
{
	w->gap_fp = w->nr_busy ?
		    (uint64_t)(1e9 * (1 << KB_FP_SHIFT) / (w->tick_rate * w->nr_busy)) : 0;
}

static void cpu_add_job(struct wl_kbuild *w, unsigned int cpu, uint32_t j)
{
	uint32_t *rq = &w->rq[(size_t)cpu * w->rq_cap];
	struct kb_job *job = &w->job[j];

	job->cpu = (uint16_t)cpu;
	job->rq_pos = w->rq_len[cpu];
	rq[w->rq_len[cpu]++] = j;
	if (w->rq_len[cpu] == 1) {
		w->rq_cur[cpu] = 0;
		w->slice[cpu] = w->slice_ticks;
		w->busy_pos[cpu] = (uint16_t)w->nr_busy;
		w->busy[w->nr_busy++] = (uint16_t)cpu;
		set_gap(w);
	}
}

static void cpu_del_job(struct wl_kbuild *w, uint32_t j)
{
	struct kb_job *job = &w->job[j];
	unsigned int cpu = job->cpu;
	uint32_t *rq = &w->rq[(size_t)cpu * w->rq_cap];
	uint32_t last = rq[--w->rq_len[cpu]];

	rq[job->rq_pos] = last;
	w->job[last].rq_pos = job->rq_pos;
	job->cpu = KB_NONE16;
	if (w->rq_cur[cpu] >= w->rq_len[cpu])
		w->rq_cur[cpu] = 0;
	if (!w->rq_len[cpu]) {
		uint16_t moved = w->busy[--w->nr_busy];

		w->busy[w->busy_pos[cpu]] = moved;
		w->busy_pos[moved] = w->busy_pos[cpu];
		w->busy_pos[cpu] = KB_NONE16;
		set_gap(w);
	}
}

/* Place a new process: its job's last CPU if idle, else the shortest runqueue. */
static void place_job(struct wl_kbuild *w, uint32_t j, unsigned int prev_cpu)
{
	unsigned int best = prev_cpu;

	if (w->rq_len[prev_cpu]) {
		for (unsigned int i = 0; i < w->cpus; i++)
			if (w->rq_len[i] < w->rq_len[best])
				best = i;
	}
	cpu_add_job(w, best, j);
}

/* An idle CPU pulls a process from the longest runqueue (idle balance). */
static void idle_balance(struct wl_kbuild *w, unsigned int cpu)
{
	unsigned int src = cpu;
	uint32_t j;

	for (unsigned int i = 0; i < w->cpus; i++)
		if (w->rq_len[i] > w->rq_len[src])
			src = i;
	if (w->rq_len[src] < 2)
		return;
	j = w->rq[(size_t)src * w->rq_cap + (w->rq_cur[src] + 1) % w->rq_len[src]];
	cpu_del_job(w, j);
	cpu_add_job(w, cpu, j);
}

/* ---- the dump (calibration only) ---- */

static void dump_head(struct wl_kbuild *w, uint32_t pid, const char *comm, unsigned int cpu)
{
	uint64_t ns = w->now_fp >> KB_FP_SHIFT;

	fprintf(w->dump, "%16s-%-7u [%03u] ..... %6" PRIu64 ".%06" PRIu64 ": ", comm, pid, cpu,
		ns / 1000000000, ns / 1000 % 1000000);
}

/* A stand-in pfn for the slot, aligned for any order; never 0 (failure). */
static uint64_t dump_pfn(const struct wl_event *ev)
{
	return ((uint64_t)ev->slot + 1) << MAX_PAGE_ORDER;
}

static void dump_event(struct wl_kbuild *w, const struct wl_event *ev, const struct kb_job *job,
		       const struct kb_class_desc *cd)
{
	const char *comm = job ? kb_types[job->type].comm : "kworker/u8:0";
	uint32_t pid = job ? job->pid : 1;

	dump_head(w, pid, comm, ev->cpu);
	if (ev->op == WL_ALLOC)
		fprintf(w->dump, "mm_page_alloc: page=0 pfn=0x%" PRIx64
			" order=%u migratetype=%d gfp_flags=%s\n",
			dump_pfn(ev), ev->order, (int)gfp_migratetype(ev->gfp), cd->name);
	else
		fprintf(w->dump, "mm_page_free: page=0 pfn=0x%" PRIx64 " order=%u\n",
			dump_pfn(ev), ev->order);
}

/* ---- processes and builds ---- */

static void job_next(struct wl_kbuild *w, uint32_t j, unsigned int prev_cpu);

/*
 * The processes of one compile unit, in the order make runs them: make's
 * forks, the recipe's shell and the gcc driver (parents: they wait for
 * cc1), cc1 and as, then shells each followed by what they run (fixdep,
 * gcc for the next step, tools, a host link).
 */
static void unit_draw(struct wl_kbuild *w, struct kb_job *job)
{
	static const uint8_t after_sh[] = { KB_FIXDEP, KB_GCC, KB_TOOL, KB_LD };
	unsigned int n[NR_KB_TYPES];
	unsigned int len = 0;

	for (int t = 0; t < KB_LINK; t++) {
		double m = kb_types[t].per_unit;

		n[t] = (unsigned int)m;
		if (rng_double(&w->rng) < m - n[t])
			n[t]++;
	}
#define PUT(t) do { if (n[t] && len < KB_MAX_SEQ) { n[t]--; job->seq[len++] = (t); } } while (0)
	while (n[KB_MAKE])
		PUT(KB_MAKE);
	PUT(KB_SH);
	PUT(KB_GCC);
	while (n[KB_CC1])
		PUT(KB_CC1);
	while (n[KB_AS])
		PUT(KB_AS);
	for (;;) {
		unsigned int before = len;

		PUT(KB_SH);
		for (size_t i = 0; i < G_N_ELEMENTS(after_sh); i++) {
			if (n[after_sh[i]]) {
				PUT(after_sh[i]);
				break;
			}
		}
		if (len == before)
			break;
	}
#undef PUT
	job->seq_len = (uint8_t)len;
	job->seq_pos = 0;
}

static void proc_start(struct wl_kbuild *w, uint32_t j, unsigned int type, unsigned int prev_cpu)
{
	struct kb_job *job = &w->job[j];
	uint32_t b = w->type[type].budget[rng_next(&w->rng) >> (64 - KB_BUDGET_BITS)];

	if (type == KB_LINK)
		b = (uint32_t)MIN((uint64_t)b * w->units, UINT32_MAX / 2);
	if (!b)
		b = 1;
	job->type = (uint8_t)type;
	job->budget = b;
	job->pid = w->next_pid++;
	job->thp_cover = 0;
	job->fill = KB_CHUNK;
	job->first_chunk = job->chunks.len;
	/* a shell or driver with more of the unit after it waits for that */
	job->parent = (type == KB_SH || type == KB_GCC) && job->seq_pos < job->seq_len;
	place_job(w, j, prev_cpu);
	if (w->dump) {
		dump_head(w, 2 + job->build, "make", job->cpu);
		fprintf(w->dump, "sched_process_fork: comm=make pid=%u child_comm=make child_pid=%u\n",
			2 + job->build, job->pid);
		dump_head(w, job->pid, kb_types[type].comm, job->cpu);
		fprintf(w->dump, "sched_process_exec: filename=%s pid=%u old_pid=%u\n",
			kb_types[type].path, job->pid, job->pid);
	}
}

static void build_pass_done(struct wl_kbuild *w, struct kb_build *bd, uint32_t j0)
{
	bd->pass++;
	if (w->duration_fp ? false : bd->pass >= w->passes) {
		bd->phase = KB_DONE;
		return;
	}
	/* make clean: the build's objects and their slab go, then build again */
	SIM_BUG_ON(w->drain || w->drain_job != KB_NONE);
	if (bd->obj.len) {
		w->drain = &bd->obj;
		w->drain_i = 0;
	}
	bd->phase = KB_COMPILE;
	bd->units_left = w->units;
	for (uint32_t j = j0; j < j0 + w->jobs; j++)
		job_next(w, j, j % w->cpus);
}

/* The job's process ended (or the job is idle): run what comes next. */
static void job_next(struct wl_kbuild *w, uint32_t j, unsigned int prev_cpu)
{
	struct kb_job *job = &w->job[j];
	struct kb_build *bd = &w->build[job->build];

	for (;;) {
		if (job->has_unit) {
			if (job->seq_pos < job->seq_len) {
				unsigned int t = job->seq[job->seq_pos++];

				proc_start(w, j, t, prev_cpu);
				return;
			}
			job->has_unit = false;
			bd->jobs_busy--;
			if (bd->phase == KB_LINKING) {
				build_pass_done(w, bd, job->build * w->jobs);
				return;
			}
		}
		if (bd->phase != KB_COMPILE)
			return;
		if (bd->units_left) {
			bd->units_left--;
			unit_draw(w, job);
		} else if (!bd->jobs_busy) {
			/* every unit is compiled: this job links */
			bd->phase = KB_LINKING;
			job->seq[0] = KB_LINK;
			job->seq_len = 1;
			job->seq_pos = 0;
		} else {
			return;		/* idle until the others are done */
		}
		job->has_unit = true;
		bd->jobs_busy++;
	}
}

static void dump_exit(struct wl_kbuild *w, uint32_t pid, unsigned int type, unsigned int cpu)
{
	dump_head(w, pid, kb_types[type].comm, cpu);
	fprintf(w->dump, "sched_process_exit: comm=%s pid=%u prio=120 group_dead=true\n",
		kb_types[type].comm, pid);
}

/*
 * The job's process exits: a leaf once it (and the parents waiting for
 * it) freed what they owned, a parent at once, its memory kept.
 */
static void proc_exit(struct wl_kbuild *w, uint32_t j)
{
	struct kb_job *job = &w->job[j];
	unsigned int cpu = job->cpu;

	if (job->parent) {
		if (job->nr_waiting < KB_MAX_WAIT) {
			job->waiting_pid[job->nr_waiting] = job->pid;
			job->waiting_type[job->nr_waiting++] = job->type;
		} else if (w->dump) {
			dump_exit(w, job->pid, job->type, cpu);
		}
	} else if (w->dump) {
		dump_exit(w, job->pid, job->type, cpu);
		while (job->nr_waiting) {
			job->nr_waiting--;
			dump_exit(w, job->waiting_pid[job->nr_waiting],
				  job->waiting_type[job->nr_waiting], cpu);
		}
	}
	if (!job->parent)
		job->nr_waiting = 0;
	cpu_del_job(w, j);
	job_next(w, j, cpu);
	if (!w->rq_len[cpu])
		idle_balance(w, cpu);
}

/* ---- requests ---- */

/* Take KB_GROW more slot numbers; false at max_slots. */
static bool grow_slots(struct wl_kbuild *w)
{
	uint32_t old = w->wl.nr_slots;

	if ((uint64_t)old + KB_GROW > w->max_slots)
		return false;
	w->wl.nr_slots = old + KB_GROW;
	if (w->wl.nr_slots > w->order_cap) {
		w->order_cap = MAX(w->order_cap * 2, 65536U);
		w->slot_order = g_renew(uint8_t, w->slot_order, w->order_cap);
	}
	return true;
}

/* A free slot outside chunks (page cache, slab, what dies young). */
static bool take_slot(struct wl_kbuild *w, uint32_t *slot)
{
	if (G_UNLIKELY(!w->nr_free)) {
		uint32_t base = w->wl.nr_slots;

		if (!grow_slots(w))
			return false;
		w->nr_loose += KB_GROW;
		if (w->free_cap < w->nr_loose) {
			w->free_cap = MAX(w->free_cap * 2, w->nr_loose);
			w->free_slots = g_renew(uint32_t, w->free_slots, w->free_cap);
		}
		/* the lowest new slot is used first */
		for (uint32_t i = base + KB_GROW; i > base; i--)
			w->free_slots[w->nr_free++] = i - 1;
	}
	*slot = w->free_slots[--w->nr_free];
	return true;
}

/* A free chunk for @job's process; false if none is left. */
static bool take_chunk(struct wl_kbuild *w, struct kb_job *job)
{
	uint32_t c;

	if (G_UNLIKELY(!w->nr_free_chunks)) {
		uint32_t base = w->wl.nr_slots;

		if (!grow_slots(w))
			return false;
		w->nr_chunks += KB_GROW / KB_CHUNK;
		if (w->free_chunks_cap < w->nr_chunks) {
			w->free_chunks_cap = MAX(w->free_chunks_cap * 2, w->nr_chunks);
			w->free_chunks = g_renew(uint32_t, w->free_chunks, w->free_chunks_cap);
		}
		for (uint32_t i = (base + KB_GROW) >> KB_CHUNK_SHIFT; i > base >> KB_CHUNK_SHIFT; i--)
			w->free_chunks[w->nr_free_chunks++] = i - 1;
	}
	c = w->free_chunks[--w->nr_free_chunks];
	vec_push(&job->chunks, (uint64_t)c | (uint64_t)KB_CHUNK << 32);
	job->fill = 0;
	return true;
}

/* File the previous allocation's free request, or take back its slot. */
static inline void commit_last(struct wl_kbuild *w)
{
	uint32_t slot = w->last_slot;

	w->last_slot = KB_NONE;
	if (G_UNLIKELY(w->last_failed)) {
		w->last_failed = false;
		if (w->last_chunked)
			w->slot_order[slot] = KB_FAILED;	/* nothing to free at exit */
		else
			w->free_slots[w->nr_free++] = slot;
		return;
	}
	if (w->last_vec)
		vec_push(w->last_vec, w->last_entry);
}

static inline void emit_free(struct wl_kbuild *w, struct wl_event *ev, uint32_t slot,
			     unsigned int cpu, unsigned int order)
{
	ev->time_ns = w->now_fp >> KB_FP_SHIFT;
	ev->op = WL_FREE;
	ev->slot = slot;
	ev->cpu = (uint16_t)cpu;
	ev->order = (uint8_t)order;
	ev->flags = 0;
	ev->gfp = 0;
	if (G_UNLIKELY(w->dump))
		dump_event(w, ev, NULL, NULL);
}

/*
 * One tick of a busy CPU: the process it runs allocates.  Returns false
 * for a silent tick (the page is already there: a THP covers it, the
 * source is cached; or no slot is left).
 */
static inline bool tick(struct wl_kbuild *w, struct wl_event *ev)
{
	uint64_t r = rng_next(&w->rng), r2;
	uint64_t gap = ((uint64_t)w->exp_tab[r & ((1U << KB_EXP_BITS) - 1)] * w->gap_fp) >> 16;
	unsigned int cpu = w->busy[((r >> 48) * w->nr_busy) >> 16];
	const struct kb_class_desc *cd;
	struct kb_job *job;
	unsigned int cls;
	uint32_t j, slot;

	w->now_fp += gap;
	if (G_UNLIKELY(w->duration_fp && w->now_fp >= w->duration_fp)) {
		w->now_fp = w->duration_fp;
		w->stopped = true;
		return false;
	}
	w->busy_fp += gap * w->nr_busy;
	w->ticks++;
	if (G_UNLIKELY(!--w->slice[cpu])) {
		w->slice[cpu] = w->slice_ticks;
		if (w->rq_len[cpu] > 1)
			w->rq_cur[cpu] = (uint16_t)((w->rq_cur[cpu] + 1) % w->rq_len[cpu]);
	}
	j = w->rq[(size_t)cpu * w->rq_cap + w->rq_cur[cpu]];
	job = &w->job[j];
	if (((r >> 32) & 0xffff) >= w->type[job->type].emit) {
		w->thinned++;		/* a slower process: no allocation this tick */
		return false;
	}
	if (G_UNLIKELY(!--job->budget))
		w->exiting_job = j;
	r2 = rng_next(&w->rng);
	cls = alias_draw(&w->type[job->type].act, r2);

	if (cls == KB_ANON && w->thp) {
		if (job->thp_cover) {
			job->thp_cover--;
			w->silent++;
			return false;
		}
		if (kb_types[job->type].thp && (uint32_t)rng_next(&w->rng) < w->thp_thresh)
			cls = KB_THP;
	} else if (G_UNLIKELY(cls == KB_FILE_READ || cls == KB_FILE_READ2) &&
		   w->build[job->build].pass) {
		w->silent++;
		return false;		/* the sources are cached since the first pass */
	}
	cd = &kb_classes[cls];

	if (((r >> KB_EXP_BITS) & 0xffff) < cd->young) {
		/* dies young: into the wheel bucket of its lifetime */
		uint32_t d = w->life_tab[cd->life][rng_next(&w->rng) >> (64 - KB_LIFE_BITS)];
		uint64_t t = ((w->now_fp >> KB_FP_SHIFT) >> KB_WHEEL_SHIFT) + d;

		if (t - w->wheel_tick >= KB_WHEEL_SIZE)
			t = w->wheel_tick + KB_WHEEL_SIZE - 1;
		w->last_vec = &w->wheel[t & (KB_WHEEL_SIZE - 1)];
		w->last_chunked = false;
		/* filed at the next call: the model's allocation hides the miss */
		__builtin_prefetch(w->last_vec, 1);
	} else if (cd->fate == KB_TEARDOWN) {
		w->last_vec = NULL;
		w->last_chunked = true;
	} else {
		w->last_vec = cd->fate == KB_BUILD ? &w->build[job->build].obj : NULL;
		w->last_chunked = false;
	}
	if (w->last_chunked) {
		if (G_UNLIKELY(job->fill == KB_CHUNK) && !take_chunk(w, job))
			goto no_slot;
		slot = (uint32_t)job->chunks.v[job->chunks.len - 1] << KB_CHUNK_SHIFT | job->fill++;
		w->slot_order[slot] = cd->order;
	} else if (!take_slot(w, &slot)) {
		goto no_slot;
	}

	ev->time_ns = w->now_fp >> KB_FP_SHIFT;
	ev->op = WL_ALLOC;
	ev->slot = slot;
	ev->cpu = (uint16_t)cpu;
	ev->order = cd->order;
	ev->flags = cd->flags;
	ev->gfp = cd->gfp;
	w->last_slot = slot;
	w->last_entry = KB_ENTRY(slot, cpu, cd->order);
	w->last_job = j;
	w->last_thp = cls == KB_THP;
	if (w->last_thp)
		job->thp_cover = PAGEBLOCK_NR_PAGES - 1;
	if (G_UNLIKELY(w->dump))
		dump_event(w, ev, job, cd);
	return true;
no_slot:
	w->no_slot++;
	return false;
}

/* Move the wheel up to now: the first due bucket with entries is drained. */
static bool wheel_advance(struct wl_kbuild *w)
{
	while (w->now_fp >= w->wheel_due_fp) {
		struct kb_vec *b = &w->wheel[w->wheel_tick & (KB_WHEEL_SIZE - 1)];

		w->wheel_tick++;
		w->wheel_due_fp += (1ULL << KB_WHEEL_SHIFT) << KB_FP_SHIFT;
		if (b->len) {
			w->drain = b;
			w->drain_i = 0;
			return true;
		}
	}
	return false;
}

/*
 * The next slot the exiting process (and the parents that waited for it)
 * frees, walking their chunks in order; false when all are freed.
 */
static inline bool next_owned(struct wl_kbuild *w, struct kb_job *job, uint32_t *slot)
{
	while (w->drain_chunk < job->chunks.len) {
		uint64_t e = job->chunks.v[w->drain_chunk];

		if (w->drain_slot < e >> 32) {
			*slot = (uint32_t)e << KB_CHUNK_SHIFT | w->drain_slot++;
			if (G_LIKELY(w->slot_order[*slot] != KB_FAILED))
				return true;
			continue;
		}
		w->drain_chunk++;
		w->drain_slot = 0;
	}
	return false;
}

static inline __attribute__((always_inline)) bool wl_kbuild_next(struct workload *wl,
								   struct wl_event *ev)
{
	struct wl_kbuild *w = (struct wl_kbuild *)wl;

	if (w->last_slot != KB_NONE)
		commit_last(w);
	for (;;) {
		if (w->drain) {
			struct kb_vec *d = w->drain;
			uint64_t e = d->v[w->drain_i++];

			if (w->drain_i == d->len) {
				d->len = 0;
				w->drain = NULL;
			}
			w->free_slots[w->nr_free++] = (uint32_t)e;
			emit_free(w, ev, (uint32_t)e, (e >> 32) & 0xffff, e >> 48);
			return true;
		}
		if (w->drain_job != KB_NONE) {
			struct kb_job *job = &w->job[w->drain_job];
			uint32_t slot;

			if (next_owned(w, job, &slot)) {
				emit_free(w, ev, slot, job->cpu, w->slot_order[slot]);
				return true;
			}
			/* all freed: the chunks go back, the process exits */
			for (uint32_t i = 0; i < job->chunks.len; i++)
				w->free_chunks[w->nr_free_chunks++] = (uint32_t)job->chunks.v[i];
			job->chunks.len = 0;
			job->first_chunk = 0;
			w->drain_job = KB_NONE;
			proc_exit(w, (uint32_t)(job - w->job));
			continue;
		}
		if (G_UNLIKELY(w->exiting_job != KB_NONE)) {
			struct kb_job *job = &w->job[w->exiting_job];
			uint32_t j = w->exiting_job;

			w->exiting_job = KB_NONE;
			if (job->chunks.len > job->first_chunk)
				job->chunks.v[job->chunks.len - 1] = (uint32_t)job->chunks.v[job->chunks.len - 1] |
								     (uint64_t)job->fill << 32;
			if (job->parent) {
				proc_exit(w, j);	/* its memory waits for the child */
				continue;
			}
			w->drain_job = j;
			w->drain_chunk = 0;
			w->drain_slot = 0;
			continue;
		}
		if (G_UNLIKELY(w->now_fp >= w->wheel_due_fp) && wheel_advance(w))
			continue;
		if (G_UNLIKELY(!w->nr_busy)) {
			/* all builds are done: let the young die, then stop */
			if (w->wheel_flushed >= KB_WHEEL_SIZE)
				return false;
			w->now_fp = w->wheel_due_fp;
			w->wheel_flushed++;
			continue;
		}
		if (G_UNLIKELY(w->stopped))
			return false;
		if (tick(w, ev))
			return true;
	}
}

/* next() inlined into a loop: a call per batch, not per request. */
static unsigned int wl_kbuild_fill(struct workload *wl, struct wl_event *ev, unsigned int max)
{
	unsigned int n = 0;

	while (n < max && wl_kbuild_next(wl, &ev[n]))
		n++;
	return n;
}

static void wl_kbuild_result(struct workload *wl, uint32_t slot, uint32_t pfn)
{
	struct wl_kbuild *w = (struct wl_kbuild *)wl;

	if (pfn != PFN_NONE || slot != w->last_slot || w->wl.batchable)
		return;
	w->last_failed = true;
	/* a THP that failed: the fault falls back to base pages */
	if (w->last_thp)
		w->job[w->last_job].thp_cover = 0;
}

/* ---- creation ---- */

static bool param_str(const struct wl_params *p, const char *key, const char **out)
{
	*out = p->kv ? g_hash_table_lookup(p->kv, key) : NULL;
	return *out != NULL;
}

static struct workload *wl_kbuild_create(const struct wl_params *p, GError **error)
{
	static const char *const known[] = { "builds", "jobs", "units", "passes", "duration",
					     "thp", "thp_frac", "rate", "dump", NULL };
	uint64_t builds, jobs, units, passes, thp;
	double duration, rate, thp_frac;
	const char *dump;
	struct wl_kbuild *w;
	uint64_t nr_slots;
	uint32_t first;
	uint32_t nj;

	if (!wl_params_check(p, "kbuild", known, error) ||
	    !wl_param_u64(p, "builds", 1, 1, 1024, &builds, error) ||
	    !wl_param_u64(p, "jobs", MAX(p->cpus, 1), 1, 4096, &jobs, error) ||
	    !wl_param_u64(p, "units", 2500, 0, 1000000, &units, error) ||
	    !wl_param_u64(p, "passes", 1, 1, 1000000, &passes, error) ||
	    !wl_param_double(p, "duration", 0.0, 0.0, 1e6, &duration, error) ||
	    !wl_param_u64(p, "thp", 0, 0, 1, &thp, error) ||
	    !wl_param_double(p, "thp_frac", 0.7, 0.0, 1.0, &thp_frac, error) ||
	    !wl_param_double(p, "rate", KB_DEFAULT_RATE, 1.0, 1e9, &rate, error))
		return NULL;
	if (p->cpus > KB_MAX_CPUS || builds * jobs > UINT16_MAX) {
		g_set_error(error, SIM_CLI_ERROR, SIM_CLI_ERROR_USAGE,
			    "workload kbuild: at most %u CPUs and %u jobs in all", KB_MAX_CPUS,
			    UINT16_MAX);
		return NULL;
	}

	w = g_new0(struct wl_kbuild, 1);
	w->wl.ops = &wl_kbuild_ops;
	rng_seed(&w->rng, p->seed, 0x6b6275696c64ULL);
	w->cpus = p->cpus;
	w->builds = (unsigned int)builds;
	w->jobs = (unsigned int)jobs;
	w->units = (uint32_t)units;
	w->passes = (unsigned int)passes;
	w->duration_fp = (uint64_t)(duration * 1e9) << KB_FP_SHIFT;
	w->thp = thp;
	/*
	 * Without THP nothing depends on the model's answers: a failed
	 * allocation's free is a no-op for the runner, its slot comes back
	 * when that free is due.  With THP a failure falls back to base pages.
	 */
	w->wl.batchable = !thp;
	/* a THP covers 512 anon ticks: q / (q + (1 - q) / 512) = thp_frac */
	w->thp_thresh = (uint32_t)(thp_frac / (512.0 - 511.0 * thp_frac) * 4294967295.0);
	w->rate = rate;
	w->slice_ticks = 0;	/* set with tick_rate below */

	for (unsigned int i = 0; i < (1U << KB_EXP_BITS); i++)
		w->exp_tab[i] = (uint32_t)(-log(1.0 - (i + 0.5) / (1U << KB_EXP_BITS)) * 65536.0);
	for (int l = 0; l < NR_KB_LIFE; l++)
		life_build(w->life_tab[l], kb_life_pct[l]);
	/* ticks at the fastest speed; ld and the link are capped at it */
	w->tick_rate = 0;
	for (int t = 0; t < NR_KB_TYPES; t++)
		if (t != KB_LD && t != KB_LINK)
			w->tick_rate = MAX(w->tick_rate, kb_types[t].speed);
	for (int t = 0; t < NR_KB_TYPES; t++) {
		budget_build(w->type[t].budget, kb_types[t].budget);
		alias_build(&w->type[t].act, kb_types[t].mix);
		w->type[t].emit = (uint32_t)MIN(65536.0, kb_types[t].speed / w->tick_rate * 65536.0 + 0.5);
	}
	w->tick_rate *= rate;
	w->slice_ticks = (uint32_t)MAX(1.0, w->tick_rate * (double)KB_SLICE_NS / 1e9);

	/*
	 * Slots: at most what the guest can hold, plus a margin for what
	 * reclaim took behind our back; allocated as the live set grows.
	 */
	nr_slots = p->managed_pages + p->managed_pages / 4 + 65536;
	w->max_slots = (uint32_t)MIN(nr_slots, (uint64_t)UINT32_MAX - 1);
	w->wl.nr_slots = 0;
	if (take_slot(w, &first))
		w->free_slots[w->nr_free++] = first;	/* the runner starts with some */
	w->last_slot = KB_NONE;
	w->drain_job = KB_NONE;
	w->exiting_job = KB_NONE;

	w->wheel = g_new0(struct kb_vec, KB_WHEEL_SIZE);
	w->wheel_tick = 0;
	w->wheel_due_fp = (1ULL << KB_WHEEL_SHIFT) << KB_FP_SHIFT;

	nj = w->builds * w->jobs;
	w->rq_cap = nj;
	w->rq = g_new(uint32_t, (size_t)w->cpus * nj);
	w->rq_len = g_new0(uint16_t, w->cpus);
	w->rq_cur = g_new0(uint16_t, w->cpus);
	w->slice = g_new0(uint32_t, w->cpus);
	w->busy = g_new0(uint16_t, w->cpus);
	w->busy_pos = g_new(uint16_t, w->cpus);
	for (unsigned int c = 0; c < w->cpus; c++)
		w->busy_pos[c] = KB_NONE16;
	w->job = g_new0(struct kb_job, nj);
	w->build = g_new0(struct kb_build, w->builds);
	w->next_pid = 1000;

	if (param_str(p, "dump", &dump)) {
		w->dump = fopen(dump, "w");
		if (!w->dump) {
			g_set_error(error, SIM_CLI_ERROR, SIM_CLI_ERROR_USAGE,
				    "workload kbuild: cannot write %s: %s", dump, g_strerror(errno));
			wl_kbuild_ops.destroy(&w->wl);
			return NULL;
		}
		fprintf(w->dump, "# tracer: nop\n# acceptsim kbuild workload, seed %" PRIu64
			"\n# root_pid: 1\n", p->seed);
	}

	for (uint32_t b = 0; b < w->builds; b++) {
		w->build[b].units_left = w->units;
		for (uint32_t j = b * w->jobs; j < (b + 1) * w->jobs; j++) {
			w->job[j].build = (uint16_t)b;
			w->job[j].cpu = KB_NONE16;
		}
	}
	for (uint32_t b = 0; b < w->builds; b++) {
		if (w->dump) {
			dump_head(w, 1, "sh", 0);
			fprintf(w->dump, "sched_process_fork: comm=sh pid=1 child_comm=make child_pid=%u\n",
				2 + b);
		}
		for (uint32_t j = b * w->jobs; j < (b + 1) * w->jobs; j++)
			job_next(w, j, j % w->cpus);
	}
	return &w->wl;
}

static void wl_kbuild_destroy(struct workload *wl)
{
	struct wl_kbuild *w = (struct wl_kbuild *)wl;

	if (w->dump) {
		fprintf(w->dump, "# busy_cpu_s: %.6f\n# ticks: %" PRIu64 " silent: %" PRIu64
			" thinned: %" PRIu64 " no_slot: %" PRIu64 "\n",
			(double)(w->busy_fp >> KB_FP_SHIFT) / 1e9, w->ticks, w->silent, w->thinned,
			w->no_slot);
		fclose(w->dump);
	}
	for (uint32_t i = 0; i < KB_WHEEL_SIZE; i++)
		g_free(w->wheel[i].v);
	for (uint32_t j = 0; j < w->builds * w->jobs; j++)
		g_free(w->job[j].chunks.v);
	for (uint32_t b = 0; b < w->builds; b++)
		g_free(w->build[b].obj.v);
	g_free(w->free_slots);
	g_free(w->free_chunks);
	g_free(w->slot_order);
	g_free(w->wheel);
	g_free(w->rq);
	g_free(w->rq_len);
	g_free(w->rq_cur);
	g_free(w->slice);
	g_free(w->busy);
	g_free(w->busy_pos);
	g_free(w->job);
	g_free(w->build);
	g_free(w);
}

const struct workload_ops wl_kbuild_ops = {
	.name = "kbuild",
	.summary = "parallel kernel builds (make, sh, cc1, as, ld), calibrated on kmem traces",
	.options = "builds=1 jobs=CPUS units=2500 passes=1 duration=0 (s) thp=0 thp_frac=0.7 "
		   "rate=18713 (allocs per busy CPU-s) dump=FILE",
	.create = wl_kbuild_create,
	.destroy = wl_kbuild_destroy,
	.next = wl_kbuild_next,
	.fill = wl_kbuild_fill,
	.result = wl_kbuild_result,
};
