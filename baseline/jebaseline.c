// SPDX-License-Identifier: GPL-2.0-only
/*
 * acceptsim-jebaseline: replay an allocation stream (stream.h) through
 * jemalloc and print what jemalloc made of it as key=value lines, for
 * 'acceptsim baseline' to set beside the buddy model.
 *
 * Debian's jemalloc has no je_ prefix, so linking it replaces malloc in
 * the whole process: that is why this is a separate program, with no
 * glib.  The replay uses a private arena (arenas.create), no thread cache
 * (MALLOCX_TCACHE_NONE) and decay 0 (every freed page is purged at once),
 * so its statistics describe the stream and do not depend on wall time.
 * The program's own buffers are mmap()ed, off jemalloc's books.
 *
 * Usage: acceptsim-jebaseline [--repeat N] [--decay-ms MS] [FILE | -]
 * Exit: 0 done, 1 jemalloc failed, 2 bad usage or input.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>
#include <jemalloc/jemalloc.h>
#include "stream.h"

#define MAX_REPEAT 100

struct input {
	uint8_t *buf;
	size_t len;				/* bytes of stream */
	size_t map_len;				/* bytes mapped */
};

__attribute__((format(printf, 1, 2), noreturn))
static void die_usage(const char *fmt, ...)
{
	va_list ap;

	fputs("acceptsim-jebaseline: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

/* @len bytes of zeroed memory outside jemalloc; @len may be 0. */
static void *map_anon(size_t len)
{
	void *p = mmap(NULL, len ? len : 1, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);

	if (p == MAP_FAILED) {
		perror("acceptsim-jebaseline: mmap");
		exit(1);
	}
	return p;
}

static void unmap_anon(void *p, size_t len)
{
	munmap(p, len ? len : 1);
}

/* Read all of @fd into mapped memory: a regular file is mapped directly. */
static bool read_all(int fd, struct input *in)
{
	struct stat st;
	size_t cap = 1 << 20;

	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
		in->buf = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (in->buf != MAP_FAILED) {
			in->len = in->map_len = (size_t)st.st_size;
			return true;
		}
	}
	in->buf = map_anon(cap);
	in->len = 0;
	for (;;) {
		ssize_t n;

		if (in->len == cap) {
			void *p = mremap(in->buf, cap, cap * 2, MREMAP_MAYMOVE);

			if (p == MAP_FAILED)
				return false;
			in->buf = p;
			cap *= 2;
		}
		n = read(fd, in->buf + in->len, cap - in->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return false;
		if (n == 0)
			break;
		in->len += (size_t)n;
	}
	in->map_len = cap;
	return true;
}

static size_t ctl_size(const char *name, bool *ok)
{
	size_t v = 0, sz = sizeof(v);

	if (mallctl(name, &v, &sz, NULL, 0))
		*ok = false;
	return v;
}

static size_t arena_size(unsigned int arena, const char *stat, bool *ok)
{
	char name[96];

	snprintf(name, sizeof(name), "stats.arenas.%u.%s", arena, stat);
	return ctl_size(name, ok);
}

/* An opt.* boolean as "1"/"0", or "?" if this build does not have it. */
static const char *opt_bool(const char *name)
{
	bool v;
	size_t sz = sizeof(v);

	if (mallctl(name, &v, &sz, NULL, 0))
		return "?";
	return v ? "1" : "0";
}

static void set_decay(unsigned int arena, const char *what, ssize_t ms)
{
	char name[64];

	snprintf(name, sizeof(name), "arena.%u.%s", arena, what);
	if (mallctl(name, NULL, NULL, &ms, sizeof(ms))) {
		fprintf(stderr, "acceptsim-jebaseline: mallctl %s failed\n", name);
		exit(1);
	}
}

static unsigned int arena_create(ssize_t decay_ms)
{
	unsigned int arena;
	size_t sz = sizeof(arena);

	if (mallctl("arenas.create", &arena, &sz, NULL, 0)) {
		fputs("acceptsim-jebaseline: mallctl arenas.create failed\n", stderr);
		exit(1);
	}
	set_decay(arena, "dirty_decay_ms", decay_ms);
	set_decay(arena, "muzzy_decay_ms", decay_ms);
	return arena;
}

static void arena_destroy(unsigned int arena)
{
	char name[64];

	snprintf(name, sizeof(name), "arena.%u.destroy", arena);
	if (mallctl(name, NULL, NULL, NULL, 0)) {
		fprintf(stderr, "acceptsim-jebaseline: mallctl %s failed\n", name);
		exit(1);
	}
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/*
 * The timed part: every record of the stream, nothing else.  Returns the
 * allocations jemalloc refused (none is expected).
 */
static uint64_t replay(const uint8_t *recs, uint64_t n, void **ptrs, const int flags[])
{
	uint64_t failed = 0;

	for (uint64_t i = 0; i < n; i++) {
		unsigned int op, order;
		uint32_t slot;

		bstream_record_get(recs, i, &op, &order, &slot);
		if (op == BSTREAM_ALLOC) {
			ptrs[slot] = mallocx(bstream_block_bytes(order), flags[order]);
			failed += !ptrs[slot];
		} else if (ptrs[slot]) {
			dallocx(ptrs[slot], flags[order]);
			ptrs[slot] = NULL;
		}
	}
	return failed;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void usage(FILE *f)
{
	fputs("Usage: acceptsim-jebaseline [--repeat N] [--decay-ms MS] [FILE | -]\n"
	      "Replay an acceptsim allocation stream (from FILE or standard input) through\n"
	      "jemalloc in a private arena without thread cache and print its statistics\n"
	      "as key=value lines.  --repeat N: time N replays, each in a fresh arena\n"
	      "(default 1; statistics are those of the first).  --decay-ms MS: the arena's\n"
	      "dirty and muzzy decay (default 0: purge at once; -1: never).\n", f);
}

int main(int argc, char **argv)
{
	const char *file = NULL;
	long repeat = 1, decay_ms = 0;
	struct input in = { 0 };
	struct bstream_header h;
	struct bstream_summary sum;
	uint64_t ns[MAX_REPEAT], sorted[MAX_REPEAT], median, failed = 0;
	int flags[BSTREAM_MAX_ORDER + 1];
	char err[256];
	uint8_t *scratch;
	void **ptrs;
	bool ok = true;
	size_t page, allocated, sz;
	const char *version = "?";
	unsigned int arena = 0;
	uint64_t epoch = 1;
	int fd = 0;

	for (int i = 1; i < argc; i++) {
		char *end;

		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(argv[i], "--repeat") && i + 1 < argc) {
			repeat = strtol(argv[++i], &end, 10);
			if (*end || repeat < 1 || repeat > MAX_REPEAT)
				die_usage("--repeat must be 1 to 100, not '%s'", argv[i]);
		} else if (!strcmp(argv[i], "--decay-ms") && i + 1 < argc) {
			decay_ms = strtol(argv[++i], &end, 10);
			if (*end || decay_ms < -1 || decay_ms > 1000000)
				die_usage("--decay-ms must be -1 to 1000000, not '%s'", argv[i]);
		} else if (argv[i][0] == '-' && argv[i][1]) {
			die_usage("unknown option '%s' (see --help)", argv[i]);
		} else if (file) {
			die_usage("more than one input: '%s'", argv[i]);
		} else {
			file = argv[i];
		}
	}
	if (file && strcmp(file, "-")) {
		fd = open(file, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			fprintf(stderr, "acceptsim-jebaseline: %s: %s\n", file, strerror(errno));
			return 2;
		}
	}
	if (!read_all(fd, &in)) {
		fprintf(stderr, "acceptsim-jebaseline: reading %s: %s\n", file ? file : "stdin",
			strerror(errno));
		return 2;
	}
	if (!bstream_header_parse(in.buf, in.len, &h, err, sizeof(err))) {
		fprintf(stderr, "acceptsim-jebaseline: %s: %s\n", file ? file : "stdin", err);
		return 2;
	}
	scratch = map_anon(h.nr_slots);
	if (!bstream_check(in.buf, &h, scratch, &sum, err, sizeof(err))) {
		fprintf(stderr, "acceptsim-jebaseline: %s: %s\n", file ? file : "stdin", err);
		return 2;
	}
	unmap_anon(scratch, h.nr_slots);
	ptrs = map_anon((size_t)h.nr_slots * sizeof(void *));

	for (long r = 0; r < repeat; r++) {
		uint64_t t0;

		arena = arena_create((ssize_t)decay_ms);
		for (unsigned int o = 0; o <= BSTREAM_MAX_ORDER; o++)
			flags[o] = MALLOCX_LG_ALIGN(BSTREAM_PAGE_SHIFT + o) | MALLOCX_ARENA(arena) |
				   MALLOCX_TCACHE_NONE;
		t0 = now_ns();
		failed += replay(in.buf + BSTREAM_HEADER_SIZE, h.nr_records, ptrs, flags);
		ns[r] = now_ns() - t0;

		if (r == 0) {
			/* the state the stream leaves behind */
			sz = sizeof(epoch);
			mallctl("epoch", &epoch, &sz, &epoch, sz);
			sz = sizeof(version);
			mallctl("version", &version, &sz, NULL, 0);
			page = ctl_size("arenas.page", &ok);
			allocated = arena_size(arena, "small.allocated", &ok) +
				    arena_size(arena, "large.allocated", &ok);
			printf("jemalloc_version=%s\n", version);
			printf("arena=%u\n", arena);
			printf("tcache=none\n");
			printf("dirty_decay_ms=%ld\nmuzzy_decay_ms=%ld\n", decay_ms, decay_ms);
			printf("opt.background_thread=%s\n", opt_bool("opt.background_thread"));
			printf("opt.retain=%s\n", opt_bool("opt.retain"));
			printf("opt.cache_oblivious=%s\n", opt_bool("opt.cache_oblivious"));
			printf("page=%zu\n", page);
			printf("records=%llu\nallocs=%llu\nfrees=%llu\n",
			       (unsigned long long)h.nr_records, (unsigned long long)sum.allocs,
			       (unsigned long long)sum.frees);
			printf("live_blocks=%llu\nlive_bytes=%llu\npeak_live_bytes=%llu\n",
			       (unsigned long long)sum.live_blocks, (unsigned long long)sum.live_bytes,
			       (unsigned long long)sum.peak_live_bytes);
			printf("arena.allocated=%zu\n", allocated);
			printf("arena.active=%zu\n", arena_size(arena, "pactive", &ok) * page);
			printf("arena.dirty=%zu\n", arena_size(arena, "pdirty", &ok) * page);
			printf("arena.muzzy=%zu\n", arena_size(arena, "pmuzzy", &ok) * page);
			printf("arena.resident=%zu\n", arena_size(arena, "resident", &ok));
			printf("arena.mapped=%zu\n", arena_size(arena, "mapped", &ok));
			printf("arena.retained=%zu\n", arena_size(arena, "retained", &ok));
			printf("arena.metadata=%zu\n", arena_size(arena, "base", &ok) +
			       arena_size(arena, "internal", &ok));
			printf("stats.allocated=%zu\n", ctl_size("stats.allocated", &ok));
			printf("stats.active=%zu\n", ctl_size("stats.active", &ok));
			printf("stats.resident=%zu\n", ctl_size("stats.resident", &ok));
			printf("stats.mapped=%zu\n", ctl_size("stats.mapped", &ok));
			printf("stats.retained=%zu\n", ctl_size("stats.retained", &ok));
			printf("stats.metadata=%zu\n", ctl_size("stats.metadata", &ok));
			if (!ok) {
				fputs("acceptsim-jebaseline: reading jemalloc statistics failed "
				      "(built without stats?)\n", stderr);
				return 1;
			}
		}
		/* give everything back untimed, and start the next replay afresh */
		for (uint32_t s = 0; s < h.nr_slots; s++) {
			if (ptrs[s]) {
				dallocx(ptrs[s], MALLOCX_TCACHE_NONE);
				ptrs[s] = NULL;
			}
		}
		arena_destroy(arena);
	}
	memcpy(sorted, ns, (size_t)repeat * sizeof(ns[0]));
	qsort(sorted, (size_t)repeat, sizeof(sorted[0]), cmp_u64);
	printf("alloc_failures=%llu\n", (unsigned long long)failed);
	printf("repeat=%ld\nreplay_ns=", repeat);
	for (long r = 0; r < repeat; r++)
		printf("%s%llu", r ? "," : "", (unsigned long long)ns[r]);
	median = repeat % 2 ? sorted[repeat / 2] : (sorted[repeat / 2 - 1] + sorted[repeat / 2]) / 2;
	printf("\nreplay_ns_median=%llu\n", (unsigned long long)median);
	printf("ops_per_s=%.0f\n", median ? (double)h.nr_records * 1e9 / (double)median : 0.0);
	unmap_anon(ptrs, (size_t)h.nr_slots * sizeof(void *));
	munmap(in.buf, in.map_len);
	return fflush(stdout) ? 1 : 0;
}
