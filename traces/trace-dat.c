// SPDX-License-Identifier: GPL-2.0-only
/*
 * trace.dat, versions 6 and 7 (trace-cmd.dat.v6(5), trace-cmd.dat.v7(5)),
 * read directly: the file header, the formats of the events we model and
 * the ring-buffer pages themselves (kernel/trace/ring_buffer.c, as
 * libtraceevent's kbuffer-parse.c decodes them), in place from a read-only
 * mapping, or chunk by chunk when v7 compressed them (zstd or zlib).  No
 * event format is parsed but the kmem, vmscan and compaction ones; kallsyms,
 * printk formats and saved cmdlines are skipped.  Records of every CPU of
 * every buffer are merged in timestamp order, the lowest stream first on
 * equal timestamps, exactly as libtracecmd's records (trace-dat-tracecmd.c)
 * are merged: tests compare the two event by event.  Files whose options
 * shift or scale timestamps, or of another byte order, go to libtracecmd.
 * A trace.dat inside a gzip or zstd file is first inflated to a temporary
 * file.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>
#include "trace-private.h"

const char *const dat_field_names[DF_NR][DAT_FIELD_ALIASES] = {
	[DF_PFN] = { "pfn" },
	[DF_ORDER] = { "order", "alloc_order" },
	[DF_MT] = { "migratetype", "alloc_migratetype" },
	[DF_GFP] = { "gfp_flags" },
	[DF_FORDER] = { "fallback_order" },
	[DF_FMT] = { "fallback_migratetype" },
	[DF_CHANGE] = { "change_ownership" },
	[DF_REFILL] = { "percpu_refill" },
	[DF_NODE] = { "node_id", "nid" },
	[DF_ZONE_ID] = { "zid" },
	[DF_NAME] = { "name" },
	[DF_UPPER] = { "upper_name" },
	[DF_ARG0] = { "watermark_min", "lowmem_reserve", "totalreserve_pages" },
	[DF_ARG1] = { "watermark_low" },
	[DF_ARG2] = { "watermark_high" },
	[DF_ARG3] = { "watermark_promo" },
};

/* --------------------------------------------------------- record fields */

static inline uint64_t field_u64(struct dat_field f, const uint8_t *data, uint32_t size)
{
	const uint8_t *p = data + f.offset;

	if ((uint32_t)f.offset + f.size > size)
		return 0;			/* absent, or a short record */
	switch (f.size) {
	case 1:
		return *p;
	case 2: {
		uint16_t x;

		memcpy(&x, p, 2);
		return x;
	}
	case 4: {
		uint32_t x;

		memcpy(&x, p, 4);
		return x;
	}
	case 8: {
		uint64_t x;

		memcpy(&x, p, 8);
		return x;
	}
	default:
		return 0;
	}
}

/* A __data_loc string field (zone name), as a zone index. */
static uint8_t field_zone(struct dat_field f, const uint8_t *data, uint32_t size)
{
	uint64_t loc;
	unsigned int off, len;
	const char *s;

	if (!f.size || (uint32_t)f.offset + f.size > size)
		return TRACE_ZONE_UNKNOWN;
	loc = field_u64(f, data, size);
	off = loc & 0xffff;
	len = (loc >> 16) & 0xffff;
	if (off + len > size || len == 0)
		return TRACE_ZONE_UNKNOWN;
	s = (const char *)data + off;
	len = (unsigned int)strnlen(s, len);
	for (int z = 0; z < MAX_NR_ZONES; z++)
		if (strlen(zone_name((enum zone_type)z)) == len &&
		    !memcmp(zone_name((enum zone_type)z), s, len))
			return (uint8_t)z;
	return TRACE_ZONE_UNKNOWN;
}

/* Out-of-range values become 255 so check_event() reports them. */
static inline uint8_t small(uint64_t v)
{
	return v > 255 ? 255 : (uint8_t)v;
}

void dat_fill_event(const struct dat_layout *dl, struct dat_field pid_field, const uint8_t *data,
		    uint32_t size, uint64_t ts, int cpu, struct trace_event *ev)
{
	int pid = (int)(int32_t)field_u64(pid_field, data, size);
	bool unmapped = false;

	ev->ts = ts;
	ev->cpu = (uint16_t)cpu;
	ev->pid = pid < 0 ? 0 : (uint32_t)pid;
	ev->type = dl->type;
	if (dl->type == TRACE_EV_OTHER)
		return;
	if (dl->f[DF_PFN].size)
		ev->pfn = field_u64(dl->f[DF_PFN], data, size);
	ev->order = small(field_u64(dl->f[DF_ORDER], data, size));
	ev->migratetype = small(field_u64(dl->f[DF_MT], data, size));
	if (dl->f[DF_GFP].size) {
		ev->gfp = trace_gfp_from_kernel(field_u64(dl->f[DF_GFP], data, size), &unmapped);
		if (unmapped)
			ev->flags |= TRACE_EVF_GFP_UNMAPPED;
	}
	switch (dl->type) {
	case TRACE_EV_PAGE_ALLOC:
		/* failed allocations record pfn -1UL */
		if (ev->pfn == UINT64_MAX || ev->pfn == 0) {
			ev->pfn = TRACE_PFN_NONE;
			ev->flags |= TRACE_EVF_FAILED;
		}
		return;				/* the common case: nothing more */
	case TRACE_EV_PAGE_ALLOC_EXTFRAG:
		ev->fallback_order = small(field_u64(dl->f[DF_FORDER], data, size));
		ev->fallback_migratetype = small(field_u64(dl->f[DF_FMT], data, size));
		if (field_u64(dl->f[DF_CHANGE], data, size))
			ev->flags |= TRACE_EVF_CHANGE_OWNERSHIP;
		break;
	case TRACE_EV_PAGE_ALLOC_ZONE_LOCKED:
		if (field_u64(dl->f[DF_REFILL], data, size))
			ev->flags |= TRACE_EVF_PERCPU_REFILL;
		break;
	case TRACE_EV_SETUP_PER_ZONE_WMARKS:
	case TRACE_EV_SETUP_PER_ZONE_LOWMEM_RESERVE:
		ev->zone = field_zone(dl->f[DF_NAME], data, size);
		if (dl->f[DF_UPPER].size)
			ev->arg[1] = field_zone(dl->f[DF_UPPER], data, size);
		break;
	default:
		break;
	}
	if (dl->f[DF_NODE].size)
		ev->node = small(field_u64(dl->f[DF_NODE], data, size));
	if (dl->f[DF_ZONE_ID].size) {
		uint64_t z = field_u64(dl->f[DF_ZONE_ID], data, size);

		ev->zone = z < MAX_NR_ZONES ? (uint8_t)z : TRACE_ZONE_UNKNOWN;
	}
	if (dl->f[DF_ARG0].size)
		ev->arg[0] = field_u64(dl->f[DF_ARG0], data, size);
	if (dl->type == TRACE_EV_SETUP_PER_ZONE_WMARKS) {
		ev->arg[1] = field_u64(dl->f[DF_ARG1], data, size);
		ev->arg[2] = field_u64(dl->f[DF_ARG2], data, size);
		ev->arg[3] = field_u64(dl->f[DF_ARG3], data, size);
	}
}

int dat_field_lookup(const char *name, size_t len)
{
	for (int f = 0; f < DF_NR; f++)
		for (int k = 0; k < DAT_FIELD_ALIASES && dat_field_names[f][k]; k++)
			if (strlen(dat_field_names[f][k]) == len &&
			    !memcmp(dat_field_names[f][k], name, len))
				return f * DAT_FIELD_ALIASES + k;
	return -1;
}

/* ---------------------------------------------------------- the file */

#define DAT_MAX_IDS		65536	/* common_type is a u16 */
#define DAT_MAX_STREAMS		(4 * TRACE_MAX_CPUS)
#define DAT_MAX_SECTIONS	256	/* v7 option sections followed, at most */

/* v7 option and section ids (trace-cmd.dat.v7(5)) */
enum {
	OPT_DONE = 0,
	OPT_DATE = 1,
	OPT_BUFFER = 3,
	OPT_OFFSET = 7,
	OPT_CPUCOUNT = 8,
	OPT_TIME_SHIFT = 12,
	OPT_GUEST = 13,
	OPT_TSC2NSEC = 14,
	OPT_HEADER_INFO = 16,
	OPT_EVENT_FORMATS = 18,
	OPT_BUFFER_TEXT = 22,
};

#define SEC_FL_COMPRESS		1

/* ring-buffer page and record headers (kernel/trace/ring_buffer.c) */
#define RB_COMMIT_MASK		((1U << 27) - 1)
#define RB_MISSED_EVENTS	(1ULL << 31)
#define RB_MISSED_STORED	(1ULL << 30)
#define RB_TYPE_PADDING		29
#define RB_TYPE_TIME_EXTEND	30
#define RB_TYPE_TIME_STAMP	31
#define RB_TS_SHIFT		27
#define RB_TS_MSB		(0xf8ULL << 56)	/* absolute stamps lack these bits */

enum dat_compression {
	DAT_Z_NONE,
	DAT_Z_ZSTD,
	DAT_Z_ZLIB,
};

/* One CPU of one buffer: where its pages are and the record being merged. */
struct dat_stream {
	int cpu;				/* as traced */
	unsigned int page_size;			/* ring-buffer page, bytes */
	uint64_t off, size;			/* its data in the file, bytes */
	/* pages not yet read: [p, end) in memory, then the chunks left */
	const uint8_t *p, *end;
	bool compressed;			/* v7 chunks */
	uint32_t chunks_left;			/* compressed: chunks after the current */
	uint64_t zoff;				/* ... the next one's header, file offset */
	uint64_t zend;				/* ... end of the chunks, file offset */
	uint8_t *zbuf;				/* ... the current one, inflated */
	size_t zcap;
	/* the page being decoded */
	const uint8_t *data;			/* its first record */
	uint32_t commit;			/* bytes of records */
	uint32_t pos;				/* next record, from data */
	uint64_t page_ts;			/* time of the last record decoded, ns */
	int64_t page_lost;			/* events lost before the page, -1 unknown */
	/* the record to merge next (rec != NULL) */
	const uint8_t *rec;
	uint32_t rec_size;			/* bytes of its data */
	uint64_t ts;				/* ns */
	int64_t missed;				/* a LOST marker to send first, -1 unknown */
};

struct dat_state {
	char *tmp_path;				/* inflated copy, removed at close */
	struct dat_tracecmd *tc;		/* libtracecmd does the reading */
	/* the direct reader */
	const uint8_t *map;			/* the whole file, read-only */
	size_t map_len;
	bool big_endian;
	int version;				/* 6 or 7 */
	unsigned int long_size;			/* of the kernel: commit field bytes */
	unsigned int page_header;		/* bytes before the first record */
	unsigned int page_size;			/* from the file header */
	enum dat_compression z;
	ZSTD_DCtx *zstd;
	bool time_options;			/* options that shift or scale time */
	const char *unsupported;		/* what makes the file libtracecmd's */
	uint8_t *id_map;			/* event id -> index into layouts, 0 = other */
	struct dat_layout *layouts;		/* [0] is "other" */
	int nr_layouts;
	bool have_common;
	struct dat_field common_type, common_pid;
	struct dat_stream *streams;
	int nr_streams;
	uint64_t recno;				/* records returned, from 1 */
	GPtrArray *inflated;			/* v7 sections inflated, freed at close */
};

/* Bounded little- or big-endian reads from the mapping. */
struct dat_cursor {
	const uint8_t *base;			/* what offsets count from */
	uint64_t off;
	uint64_t len;				/* bytes readable from base */
	bool big_endian;
	bool bad;				/* a read went past len */
};

static uint64_t cur_num(struct dat_cursor *c, unsigned int len)
{
	uint64_t v = 0;

	if (c->bad || len > c->len || c->off > c->len - len) {
		c->bad = true;
		return 0;
	}
	for (unsigned int i = 0; i < len; i++)
		v |= (uint64_t)c->base[c->off + (c->big_endian ? len - 1 - i : i)] << (8 * i);
	c->off += len;
	return v;
}

/* @len bytes at the cursor, which moves past them; NULL if not there. */
static const uint8_t *cur_bytes(struct dat_cursor *c, uint64_t len)
{
	const uint8_t *p;

	if (c->bad || len > c->len - c->off) {
		c->bad = true;
		return NULL;
	}
	p = c->base + c->off;
	c->off += len;
	return p;
}

/* A NUL-terminated string of at most @max bytes; NULL if none. */
static const char *cur_str(struct dat_cursor *c, size_t max)
{
	const char *s, *nul;
	size_t avail;

	if (c->bad || c->off >= c->len) {
		c->bad = true;
		return NULL;
	}
	s = (const char *)c->base + c->off;
	avail = MIN((size_t)(c->len - c->off), max);
	nul = memchr(s, '\0', avail);
	if (!nul) {
		c->bad = true;
		return NULL;
	}
	c->off += (uint64_t)(nul - s) + 1;
	return s;
}

static bool corrupt(struct trace_reader *r, GError **error, const char *what)
{
	g_set_error(error, TRACE_ERROR, TRACE_ERROR_PARSE,
		    "%s: truncated or corrupt trace.dat v%s header (%s)", r->path,
		    r->peek_len > 10 && r->peek[10] == '6' ? "6" : "7", what);
	return false;
}

/* ------------------------------------------------------- format files */

static const char *line_end(const char *p, const char *e)
{
	const char *nl = memchr(p, '\n', (size_t)(e - p));

	return nl ? nl : e;
}

/* "...offset:8;" in [p, e): the number after @key, or -1. */
static long key_number(const char *p, const char *e, const char *key)
{
	size_t klen = strlen(key);
	long v = 0;

	for (const char *q = p; q + klen <= e; q++) {
		if (memcmp(q, key, klen))
			continue;
		q += klen;
		if (q >= e || !text_is_digit(*q))
			return -1;
		while (q < e && text_is_digit(*q) && v < 1000000)
			v = v * 10 + (*q++ - '0');
		return v;
	}
	return -1;
}

/*
 * One "\tfield:unsigned long pfn;\toffset:8;\tsize:8;\tsigned:0;" line:
 * the name (without [N]) and where it lies; false if the line is no field.
 */
static bool parse_field_line(const char *p, const char *e, const char **name, size_t *name_len,
			     struct dat_field *f)
{
	const char *semi, *n_end, *n;
	long off, size;

	while (p < e && (*p == ' ' || *p == '\t'))
		p++;
	if (e - p < 6 || memcmp(p, "field:", 6))
		return false;
	semi = memchr(p, ';', (size_t)(e - p));
	if (!semi)
		return false;
	n_end = semi;
	if (n_end > p && n_end[-1] == ']')	/* char comm[16] */
		while (n_end > p && *n_end != '[')
			n_end--;
	n = n_end;
	while (n > p && (g_ascii_isalnum(n[-1]) || n[-1] == '_'))
		n--;
	off = key_number(semi, e, "offset:");
	size = key_number(semi, e, "size:");
	if (n == n_end || off < 0 || size < 0 || off + size > 0xffff)
		return false;
	*name = n;
	*name_len = (size_t)(n_end - n);
	f->offset = (uint16_t)off;
	f->size = (uint16_t)size;
	return true;
}

/*
 * One event format file: if it is an event we model, record its id and
 * fields; the common fields come from the first format of all.
 */
static bool parse_event_format(struct trace_reader *r, struct dat_state *ds, const char *text,
			       uint64_t len, GError **error)
{
	const char *p = text, *e = text + len, *le;
	enum trace_event_type type;
	struct dat_layout dl = { 0 };
	int rank[DF_NR];
	long id;

	if (len < 6 || memcmp(p, "name: ", 6))
		return true;			/* not a format file: libtracecmd skips it too */
	le = line_end(p, e);
	type = trace_event_lookup(p + 6, (size_t)(le - p - 6));
	if (type == TRACE_EV_OTHER && ds->have_common)
		return true;			/* the common case: not ours, not parsed */
	p = le < e ? le + 1 : e;
	le = line_end(p, e);
	if (le - p < 4 || memcmp(p, "ID: ", 4))
		return true;
	id = key_number(p, le, "ID: ");
	if (id < 0 || id >= DAT_MAX_IDS) {
		g_set_error(error, TRACE_ERROR, TRACE_ERROR_PARSE,
			    "%s: event format with a bad id: '%.*s'", r->path, (int)(le - p), p);
		return false;
	}
	for (int f = 0; f < DF_NR; f++)
		rank[f] = DAT_FIELD_ALIASES;
	dl.type = (uint8_t)type;
	for (p = le < e ? le + 1 : e; p < e; p = le < e ? le + 1 : e) {
		const char *name;
		size_t name_len;
		struct dat_field f;
		int k;

		le = line_end(p, e);
		if (!parse_field_line(p, le, &name, &name_len, &f))
			continue;
		if (!ds->have_common) {
			if (name_len == 11 && !memcmp(name, "common_type", 11))
				ds->common_type = f;
			else if (name_len == 10 && !memcmp(name, "common_pid", 10))
				ds->common_pid = f;
		}
		k = type == TRACE_EV_OTHER ? -1 : dat_field_lookup(name, name_len);
		if (k >= 0 && k % DAT_FIELD_ALIASES < rank[k / DAT_FIELD_ALIASES]) {
			rank[k / DAT_FIELD_ALIASES] = k % DAT_FIELD_ALIASES;
			dl.f[k / DAT_FIELD_ALIASES] = f;
		}
	}
	ds->have_common = true;
	if (type == TRACE_EV_OTHER)
		return true;
	if (type >= TRACE_EV_PAGE_ALLOC && type <= TRACE_EV_PAGE_PCPU_DRAIN && !dl.f[DF_PFN].size) {
		g_set_error(error, TRACE_ERROR, TRACE_ERROR_UNSUPPORTED,
			    "%s: %s has no pfn field (kernel older than 4.x?)", r->path,
			    trace_event_name(type));
		return false;
	}
	if (ds->nr_layouts >= 255)
		return true;			/* more kmem events than exist */
	ds->layouts = g_renew(struct dat_layout, ds->layouts, ds->nr_layouts + 1);
	ds->layouts[ds->nr_layouts] = dl;
	ds->id_map[id] = (uint8_t)ds->nr_layouts++;
	return true;
}

/* header_page: how long the commit field is and where records start. */
static void parse_header_page(struct dat_state *ds, const char *text, uint64_t len)
{
	const char *p = text, *e = text + len, *le;

	for (; p < e; p = le < e ? le + 1 : e) {
		const char *name;
		size_t name_len;
		struct dat_field f;

		le = line_end(p, e);
		if (!parse_field_line(p, le, &name, &name_len, &f))
			continue;
		if (name_len == 6 && !memcmp(name, "commit", 6) && (f.size == 4 || f.size == 8))
			ds->long_size = f.size;
		else if (name_len == 4 && !memcmp(name, "data", 4) && f.offset >= 12)
			ds->page_header = f.offset;
	}
}

/* "header_page\0" size text "header_event\0" size text, at @c. */
static bool read_header_info(struct trace_reader *r, struct dat_state *ds, struct dat_cursor *c,
			     GError **error)
{
	const uint8_t *tag = cur_bytes(c, 12);
	uint64_t len;
	const uint8_t *text;

	if (!tag || memcmp(tag, "header_page", 12))
		return corrupt(r, error, "no header_page");
	len = cur_num(c, 8);
	text = cur_bytes(c, len);
	if (!text)
		return corrupt(r, error, "header_page");
	parse_header_page(ds, (const char *)text, len);
	tag = cur_bytes(c, 13);
	if (!tag || memcmp(tag, "header_event", 13))
		return corrupt(r, error, "no header_event");
	len = cur_num(c, 8);
	if (!cur_bytes(c, len))
		return corrupt(r, error, "header_event");
	return true;
}

/* The event systems: count, then per system its name and its formats. */
static bool read_event_formats(struct trace_reader *r, struct dat_state *ds,
			       struct dat_cursor *c, GError **error)
{
	uint64_t systems = cur_num(c, 4);

	for (uint64_t s = 0; s < systems && !c->bad; s++) {
		uint64_t n;

		if (!cur_str(c, 4096))
			break;
		n = cur_num(c, 4);
		for (uint64_t i = 0; i < n && !c->bad; i++) {
			uint64_t len = cur_num(c, 8);
			const uint8_t *text = cur_bytes(c, len);

			if (text && !parse_event_format(r, ds, (const char *)text, len, error))
				return false;
		}
	}
	return !c->bad || corrupt(r, error, "event formats");
}

/* Skip the ftrace formats: count, then sized texts. */
static void skip_sized_list(struct dat_cursor *c)
{
	uint64_t n = cur_num(c, 4);

	for (uint64_t i = 0; i < n && !c->bad; i++)
		cur_bytes(c, cur_num(c, 8));
}

/* A range of one CPU's data: check it lies in the file, add a stream. */
static bool add_stream(struct trace_reader *r, struct dat_state *ds, int cpu,
		       unsigned int page_size, uint64_t off, uint64_t size, GError **error)
{
	struct dat_stream *st;

	if (off > ds->map_len || size > ds->map_len - off) {
		g_set_error(error, TRACE_ERROR, TRACE_ERROR_PARSE,
			    "%s: truncated trace.dat: cpu %d data ends at byte %" G_GUINT64_FORMAT
			    ", file has %zu", r->path, cpu, off + size, ds->map_len);
		return false;
	}
	if (cpu < 0 || cpu >= TRACE_MAX_CPUS || ds->nr_streams >= DAT_MAX_STREAMS) {
		g_set_error(error, TRACE_ERROR, TRACE_ERROR_PARSE, "%s: cpu %d out of range",
			    r->path, cpu);
		return false;
	}
	if (page_size < 64 || page_size > (1U << 20) || (page_size & (page_size - 1))) {
		g_set_error(error, TRACE_ERROR, TRACE_ERROR_PARSE,
			    "%s: bad ring-buffer page size %u", r->path, page_size);
		return false;
	}
	if (!size)
		return true;			/* an idle CPU */
	ds->streams = g_renew(struct dat_stream, ds->streams, ds->nr_streams + 1);
	st = &ds->streams[ds->nr_streams++];
	memset(st, 0, sizeof(*st));
	st->cpu = cpu;
	st->page_size = page_size;
	st->off = off;
	st->size = size;
	return true;
}

/* "flyrecord\0" then @cpus (offset, size) pairs at @c (v6). */
static bool read_cpu_table(struct trace_reader *r, struct dat_state *ds, struct dat_cursor *c,
			   uint64_t cpus, GError **error)
{
	const uint8_t *tag = cur_bytes(c, 10);

	if (!tag || memcmp(tag, "flyrecord", 10))
		return corrupt(r, error, "no flyrecord data");
	if (cpus > TRACE_MAX_CPUS) {
		g_set_error(error, TRACE_ERROR, TRACE_ERROR_PARSE, "%s: %" G_GUINT64_FORMAT
			    " CPUs", r->path, cpus);
		return false;
	}
	for (uint64_t cpu = 0; cpu < cpus; cpu++) {
		uint64_t off = cur_num(c, 8), size = cur_num(c, 8);

		if (c->bad)
			return corrupt(r, error, "cpu table");
		if (!add_stream(r, ds, (int)cpu, ds->page_size, off, size, error))
			return false;
	}
	return true;
}

/*
 * Version 6: sections in a fixed order, then options, then the CPU table
 * of the top buffer; 'trace-cmd extract -B' adds BUFFER options pointing
 * at more CPU tables.
 */
static bool parse_v6(struct trace_reader *r, struct dat_state *ds, GError **error)
{
	struct dat_cursor c = { ds->map, 18, ds->map_len, ds->big_endian, false };
	uint64_t cpus, cpucount;
	uint64_t buffer_off[16], buffer_cpus[16];
	unsigned int nr_buffers = 0;
	const uint8_t *tag;

	if (!read_header_info(r, ds, &c, error))
		return false;
	skip_sized_list(&c);			/* ftrace event formats */
	if (!read_event_formats(r, ds, &c, error))
		return false;
	cur_bytes(&c, cur_num(&c, 4));		/* kallsyms */
	cur_bytes(&c, cur_num(&c, 4));		/* printk formats */
	cur_bytes(&c, cur_num(&c, 8));		/* saved cmdlines */
	cpus = cpucount = cur_num(&c, 4);
	tag = cur_bytes(&c, 10);
	if (!tag)
		return corrupt(r, error, "sections");
	if (!memcmp(tag, "options  ", 10)) {
		uint64_t id, len;

		while (!c.bad && (id = cur_num(&c, 2)) != OPT_DONE) {
			len = cur_num(&c, 4);
			if (id == OPT_DATE || id == OPT_OFFSET || id == OPT_TIME_SHIFT ||
			    id == OPT_GUEST || id == OPT_TSC2NSEC)
				ds->time_options = true;
			if (id == OPT_CPUCOUNT && len == 4) {
				cpucount = cur_num(&c, 4);
				continue;
			}
			if (id == OPT_BUFFER && len >= 8 && nr_buffers < G_N_ELEMENTS(buffer_off)) {
				buffer_cpus[nr_buffers] = cpucount;
				buffer_off[nr_buffers++] = cur_num(&c, 8);
				len -= 8;
			}
			cur_bytes(&c, len);
		}
		tag = cur_bytes(&c, 10);
		if (!tag)
			return corrupt(r, error, "options");
	}
	if (!memcmp(tag, "latency  ", 10)) {
		g_set_error(error, TRACE_ERROR, TRACE_ERROR_UNSUPPORTED,
			    "%s: trace.dat without flyrecord data (latency format?)", r->path);
		return false;
	}
	c.off -= 10;
	if (!read_cpu_table(r, ds, &c, cpus, error))
		return false;
	for (unsigned int b = 0; b < nr_buffers; b++) {
		c.off = buffer_off[b];
		if (!read_cpu_table(r, ds, &c, buffer_cpus[b], error))
			return false;
	}
	return true;
}

/* Inflate @zlen bytes at @z into a new buffer of @len bytes; NULL if bad. */
static uint8_t *inflate_block(struct dat_state *ds, const uint8_t *z, size_t zlen, size_t len)
{
	uint8_t *out = g_malloc(len ? len : 1);

	if (ds->z == DAT_Z_ZSTD) {
		size_t n = ZSTD_decompressDCtx(ds->zstd, out, len, z, zlen);

		if (!ZSTD_isError(n) && n == len)
			return out;
	} else if (ds->z == DAT_Z_ZLIB) {
		uLongf n = (uLongf)len;

		if (uncompress(out, &n, z, (uLong)zlen) == Z_OK && n == len)
			return out;
	}
	g_free(out);
	return NULL;
}

/*
 * A v7 section at @off: its header, then its content (inflated if the
 * section is compressed).  Sets *@c to read the content.
 */
static bool open_section(struct trace_reader *r, struct dat_state *ds, uint64_t off,
			 unsigned int want_id, struct dat_cursor *c, uint16_t *flags,
			 GError **error)
{
	struct dat_cursor h = { ds->map, off, ds->map_len, ds->big_endian, false };
	uint64_t id = cur_num(&h, 2), size;

	*flags = (uint16_t)cur_num(&h, 2);
	cur_num(&h, 4);				/* description string id */
	size = cur_num(&h, 8);
	if (h.bad || id != want_id || size > ds->map_len - h.off)
		return corrupt(r, error, "section header");
	*c = (struct dat_cursor){ ds->map + h.off, 0, size, ds->big_endian, false };
	if ((*flags & SEC_FL_COMPRESS) && want_id != OPT_BUFFER) {
		uint64_t zlen = cur_num(c, 4), len = cur_num(c, 4);
		const uint8_t *z = cur_bytes(c, zlen);
		uint8_t *out;

		if (!z || ds->z == DAT_Z_NONE || len > (1ULL << 31))
			return corrupt(r, error, "compressed section");
		out = inflate_block(ds, z, zlen, len);
		if (!out)
			return corrupt(r, error, "compressed section does not inflate");
		g_ptr_array_add(ds->inflated, out);
		*c = (struct dat_cursor){ out, 0, len, ds->big_endian, false };
	}
	return true;
}

/* One BUFFER option (v7): its CPUs, in the order of their numbers. */
static bool read_buffer_option(struct trace_reader *r, struct dat_state *ds, struct dat_cursor *o,
			       bool *top, GError **error)
{
	uint64_t sec = cur_num(o, 8), page_size, cpus;
	const char *name = cur_str(o, 4096);
	const char *clock = cur_str(o, 4096);
	int first = ds->nr_streams;
	struct dat_cursor c;
	uint16_t flags;

	page_size = cur_num(o, 4);
	cpus = cur_num(o, 4);
	if (o->bad || !name || !clock || cpus > TRACE_MAX_CPUS)
		return corrupt(r, error, "BUFFER option");
	*top = !*name;
	if (!strcmp(clock, "x86-tsc") || !strcmp(clock, "counter"))
		r->counter_clock = true;
	if (!open_section(r, ds, sec, OPT_BUFFER, &c, &flags, error))
		return false;
	for (uint64_t i = 0; i < cpus; i++) {
		uint64_t cpu = cur_num(o, 4), off = cur_num(o, 8), size = cur_num(o, 8);

		if (o->bad)
			return corrupt(r, error, "BUFFER option");
		if (!add_stream(r, ds, cpu < TRACE_MAX_CPUS ? (int)cpu : -1, (unsigned int)page_size,
				off, size, error))
			return false;
		if (size && (flags & SEC_FL_COMPRESS)) {
			struct dat_stream *st = &ds->streams[ds->nr_streams - 1];
			/* a chunk count, then chunks of @size bytes in all */
			struct dat_cursor z = { ds->map, off, ds->map_len, ds->big_endian, false };

			st->compressed = true;
			st->chunks_left = (uint32_t)cur_num(&z, 4);
			st->zoff = z.off;
			st->zend = MIN(z.off + size, (uint64_t)ds->map_len);
			if (z.bad)
				return corrupt(r, error, "compressed CPU data");
		}
	}
	/* libtracecmd indexes a buffer's CPUs by number */
	for (int i = first + 1; i < ds->nr_streams; i++)
		for (int j = i; j > first && ds->streams[j - 1].cpu > ds->streams[j].cpu; j--) {
			struct dat_stream t = ds->streams[j];

			ds->streams[j] = ds->streams[j - 1];
			ds->streams[j - 1] = t;
		}
	return true;
}

/*
 * Version 7: a chain of option sections pointing at the other sections;
 * each BUFFER option names a flyrecord section and its CPUs' data.  The
 * top buffer ("") is merged first, the instances after it in file order.
 */
static bool parse_v7(struct trace_reader *r, struct dat_state *ds, GError **error)
{
	struct dat_cursor c = { ds->map, 12, ds->map_len, ds->big_endian, false };
	const char *zname, *zversion;
	uint64_t next, header_off = 0, formats_off = 0;
	bool have_header = false, have_formats = false;
	int nr_sections = 0;

	cur_num(&c, 2);				/* endian, long size */
	cur_num(&c, 4);				/* page size */
	zname = cur_str(&c, 64);
	zversion = cur_str(&c, 64);
	next = cur_num(&c, 8);
	if (c.bad || !zname || !zversion)
		return corrupt(r, error, "file header");
	if (!strcmp(zname, "zstd")) {
		ds->z = DAT_Z_ZSTD;
		ds->zstd = ZSTD_createDCtx();
	} else if (!strcmp(zname, "zlib")) {
		ds->z = DAT_Z_ZLIB;
	} else if (strcmp(zname, "none")) {
		ds->unsupported = "its compression";
		return true;
	}
	while (next) {
		struct dat_cursor o;
		uint16_t flags;
		uint64_t id, len;

		if (++nr_sections > DAT_MAX_SECTIONS)
			return corrupt(r, error, "options sections loop");
		if (!open_section(r, ds, next, OPT_DONE, &o, &flags, error))
			return false;
		next = 0;
		for (;;) {
			struct dat_cursor v;

			id = cur_num(&o, 2);
			len = cur_num(&o, 4);
			if (o.bad || !cur_bytes(&o, len))
				return corrupt(r, error, "options");
			v = (struct dat_cursor){ o.base + o.off - len, 0, len, ds->big_endian, false };
			if (id == OPT_DONE) {
				next = cur_num(&v, 8);
				break;
			}
			switch (id) {
			case OPT_DATE:
			case OPT_OFFSET:
			case OPT_TIME_SHIFT:
			case OPT_GUEST:
			case OPT_TSC2NSEC:
				ds->time_options = true;
				break;
			case OPT_BUFFER_TEXT:
				g_set_error(error, TRACE_ERROR, TRACE_ERROR_UNSUPPORTED,
					    "%s: trace.dat without flyrecord data (latency format?)",
					    r->path);
				return false;
			case OPT_HEADER_INFO:
				header_off = cur_num(&v, 8);
				have_header = !v.bad;
				break;
			case OPT_EVENT_FORMATS:
				formats_off = cur_num(&v, 8);
				have_formats = !v.bad;
				break;
			case OPT_BUFFER: {
				int before = ds->nr_streams;
				bool top;

				if (!read_buffer_option(r, ds, &v, &top, error))
					return false;
				if (top && before > 0) {
					/* the top buffer's CPUs go first */
					int n = ds->nr_streams - before;
					struct dat_stream *tmp = g_memdup2(ds->streams + before,
									   n * sizeof(*tmp));

					memmove(ds->streams + n, ds->streams, before * sizeof(*tmp));
					memcpy(ds->streams, tmp, n * sizeof(*tmp));
					g_free(tmp);
				}
				break;
			}
			default:
				break;
			}
		}
	}
	if (have_header) {
		struct dat_cursor s;
		uint16_t flags;

		if (!open_section(r, ds, header_off, OPT_HEADER_INFO, &s, &flags, error) ||
		    !read_header_info(r, ds, &s, error))
			return false;
	}
	if (have_formats) {
		struct dat_cursor s;
		uint16_t flags;

		if (!open_section(r, ds, formats_off, OPT_EVENT_FORMATS, &s, &flags, error) ||
		    !read_event_formats(r, ds, &s, error))
			return false;
	}
	return true;
}

/* --------------------------------------------------- ring-buffer pages */

static inline uint32_t le32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static inline uint64_t le64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

/* Inflate the next chunk of @st into its buffer; false if corrupt. */
static bool next_chunk(struct dat_state *ds, struct dat_stream *st)
{
	struct dat_cursor c = { ds->map, st->zoff, st->zend, false, false };
	uint64_t zlen = cur_num(&c, 4), len = cur_num(&c, 4);
	const uint8_t *z = cur_bytes(&c, zlen);

	if (!z || len % st->page_size || len > (1ULL << 30))
		return false;
	st->chunks_left--;
	st->zoff = c.off;
	if (len > st->zcap) {
		g_free(st->zbuf);
		st->zcap = len;
		st->zbuf = g_malloc(len);
	}
	if (ds->z == DAT_Z_ZSTD) {
		size_t n = ZSTD_decompressDCtx(ds->zstd, st->zbuf, len, z, zlen);

		if (ZSTD_isError(n) || n != len)
			return false;
	} else {
		uLongf n = (uLongf)len;

		if (uncompress(st->zbuf, &n, z, (uLong)zlen) != Z_OK || n != len)
			return false;
	}
	st->p = st->zbuf;
	st->end = st->zbuf + len;
	return true;
}

/*
 * Load the next page of @st: 1, 0 when there is none, -1 if corrupt.
 * Mirrors kbuffer_load_subbuffer() and libtracecmd's check that the
 * commit fits the page.
 */
static int load_page(struct dat_state *ds, struct dat_stream *st)
{
	unsigned int hdr = ds->page_header;
	uint64_t commit;
	const uint8_t *page;

	/* lengths, not pointers: p and end are NULL before the first chunk */
	while ((size_t)(st->end - st->p) < st->page_size) {
		if (!st->chunks_left)
			return 0;		/* a partial last page is no page */
		if (!next_chunk(ds, st))
			return -1;
	}
	page = st->p;
	st->p += st->page_size;
	commit = ds->long_size == 8 ? le64(page + 8) : le32(page + 8);
	st->page_ts = le64(page);
	st->data = page + hdr;
	st->commit = (uint32_t)(commit & RB_COMMIT_MASK);
	st->pos = 0;
	if (st->commit > st->page_size - hdr)
		return -1;
	st->page_lost = 0;
	if (commit & RB_MISSED_EVENTS) {
		st->page_lost = -1;
		if (commit & RB_MISSED_STORED) {
			if (st->commit + ds->long_size > st->page_size - hdr)
				return -1;
			st->page_lost = ds->long_size == 8 ? (int64_t)le64(st->data + st->commit)
							   : (int32_t)le32(st->data + st->commit);
		}
	}
	return 1;
}

/*
 * Decode records of @st up to the next event with data: 1 with st->rec
 * set, 0 at the end of the stream, -1 on a corrupt page.  Time extends
 * add to the running time, absolute stamps replace it (keeping its top 5
 * bits), as kbuffer's translate_data() does.
 */
static int stream_advance(struct dat_state *ds, struct dat_stream *st)
{
	for (;;) {
		while (st->pos < st->commit) {
			const uint8_t *p = st->data + st->pos;
			uint32_t start = st->pos, left = st->commit - st->pos;
			uint32_t h, type_len, len;

			if (left < 4)
				return -1;
			h = le32(p);
			type_len = h & 31;
			switch (type_len) {
			case RB_TYPE_PADDING:
				/* a discarded record, or the page's unused tail */
				st->page_ts += h >> 5;
				len = left >= 8 ? le32(p + 4) : left;
				st->pos = len > left - 4 ? st->commit : st->pos + 4 + len;
				continue;
			case RB_TYPE_TIME_EXTEND:
				if (left < 8)
					return -1;
				st->page_ts += ((uint64_t)le32(p + 4) << RB_TS_SHIFT) + (h >> 5);
				st->pos += 8;
				continue;
			case RB_TYPE_TIME_STAMP:
				if (left < 8)
					return -1;
				st->page_ts = (((uint64_t)le32(p + 4) << RB_TS_SHIFT) + (h >> 5)) |
					      (st->page_ts & RB_TS_MSB);
				st->pos += 8;
				continue;
			case 0:
				if (left < 8)
					return -1;
				len = le32(p + 4);
				if (len < 4)
					return -1;
				len = (len - 4 + 3) & ~3U;
				if (len > left - 8)
					return -1;
				st->rec = p + 8;
				st->pos += 8 + len;
				break;
			default:
				len = type_len * 4;
				if (len > left - 4)
					return -1;
				st->rec = p + 4;
				st->pos += 4 + len;
				break;
			}
			st->page_ts += h >> 5;
			st->rec_size = len;
			st->ts = st->page_ts;
			/* kbuffer_missed_events(): only a record at the page's start */
			st->missed = start == 0 ? st->page_lost : 0;
			return 1;
		}
		switch (load_page(ds, st)) {
		case 0:
			st->rec = NULL;
			return 0;
		case -1:
			st->rec = NULL;
			return -1;
		default:
			break;
		}
	}
}

/* ------------------------------------------------------------ the reader */

static bool direct_open(struct trace_reader *r, struct dat_state *ds, const char *path,
			GError **error)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	void *map;
	uint32_t page_size;

	if (fd < 0 || fstat(fd, &st) != 0) {
		g_set_error(error, TRACE_ERROR, TRACE_ERROR_IO, "%s: %s", r->path,
			    g_strerror(errno));
		if (fd >= 0)
			close(fd);
		return false;
	}
	if (st.st_size < 18) {
		close(fd);
		return corrupt(r, error, "file header");
	}
	ds->map_len = (size_t)st.st_size;
	map = mmap(NULL, ds->map_len, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED) {
		g_set_error(error, TRACE_ERROR, TRACE_ERROR_IO, "%s: mmap: %s", r->path,
			    g_strerror(errno));
		return false;
	}
	ds->map = map;
	madvise(map, ds->map_len, MADV_SEQUENTIAL);
	ds->inflated = g_ptr_array_new_with_free_func(g_free);
	ds->id_map = g_new0(uint8_t, DAT_MAX_IDS);
	ds->layouts = g_new0(struct dat_layout, 1);
	ds->layouts[0].type = TRACE_EV_OTHER;
	ds->nr_layouts = 1;
	ds->big_endian = ds->map[12] != 0;
	ds->long_size = ds->map[13] == 4 ? 4 : 8;
	ds->page_header = 8 + ds->long_size;
	memcpy(&page_size, ds->map + 14, 4);
	if (ds->big_endian)
		page_size = GUINT32_SWAP_LE_BE(page_size);
	ds->page_size = page_size;
	if (!memcmp(ds->map + 10, "6", 2)) {
		ds->version = 6;
	} else if (!memcmp(ds->map + 10, "7", 2)) {
		ds->version = 7;
	} else {
		/* libtracecmd knows no other either, and would read the rest unchecked */
		char v[5] = { 0 };
		g_autofree char *esc = NULL;

		memcpy(v, ds->map + 10, 4);
		esc = g_strescape(v, NULL);
		g_set_error(error, TRACE_ERROR, TRACE_ERROR_UNSUPPORTED,
			    "%s: trace.dat version '%s' is not supported (6 and 7 are)", r->path, esc);
		return false;
	}
	if (ds->big_endian != (G_BYTE_ORDER == G_BIG_ENDIAN) || G_BYTE_ORDER == G_BIG_ENDIAN) {
		ds->unsupported = "its byte order";
		return true;
	}
	if (ds->version == 6 ? !parse_v6(r, ds, error) : !parse_v7(r, ds, error))
		return false;
	if (ds->time_options)
		ds->unsupported = "options that shift or scale timestamps";
	if (ds->unsupported)
		return true;
	if (!ds->have_common || ds->common_type.size != 2) {
		ds->unsupported = "no common_type field";
		return true;
	}
	for (int i = 0; i < ds->nr_streams; i++) {
		struct dat_stream *s = &ds->streams[i];

		if (!s->compressed) {
			s->p = ds->map + s->off;
			s->end = s->p + s->size;
		} else if (ds->z == DAT_Z_NONE) {
			return corrupt(r, error, "compressed data in an uncompressed file");
		}
		if (stream_advance(ds, s) < 0) {
			g_set_error(error, TRACE_ERROR, TRACE_ERROR_PARSE,
				    "%s: corrupt ring-buffer page or chunk of cpu %d", r->path, s->cpu);
			return false;
		}
	}
	return true;
}

static int direct_next(struct trace_reader *r, struct dat_state *ds, struct trace_event *ev,
		       GError **error)
{
	struct dat_stream *st;
	const struct dat_layout *dl;
	int best = -1;

	for (int i = 0; i < ds->nr_streams; i++)
		if (ds->streams[i].rec && (best < 0 || ds->streams[i].ts < ds->streams[best].ts))
			best = i;
	if (best < 0)
		return 0;
	st = &ds->streams[best];
	ev->lineno = ++ds->recno;
	if (st->missed) {
		ev->type = TRACE_EV_LOST;
		ev->cpu = (uint16_t)st->cpu;
		ev->ts = st->ts;
		ev->arg[0] = st->missed > 0 ? (uint64_t)st->missed : 0;
		st->missed = 0;
		return 1;
	}
	dl = &ds->layouts[ds->id_map[field_u64(ds->common_type, st->rec, st->rec_size)]];
	dat_fill_event(dl, ds->common_pid, st->rec, st->rec_size, st->ts, st->cpu, ev);
	if (stream_advance(ds, st) < 0) {
		trace_set_error(error, r, ds->recno, "corrupt ring-buffer page or chunk of cpu %d", st->cpu);
		return -1;
	}
	return 1;
}

/* Inflate a compressed trace.dat into a temporary file; its path or NULL. */
static char *inflate_to_tmp(struct trace_reader *r, GError **error)
{
	g_autofree char *buf = g_malloc(1 << 20);
	char *path = NULL;
	int fd = g_file_open_tmp("acceptsim-XXXXXX.dat", &path, error);
	bool ok = fd >= 0;
	ssize_t n = 0;

	if (!ok)
		return NULL;
	if (write(fd, r->peek, r->peek_len) != (ssize_t)r->peek_len)
		ok = false;
	while (ok && (n = trace_input_read(r->in, buf, 1 << 20, error)) > 0)
		if (write(fd, buf, (size_t)n) != n)
			ok = false;
	if (ok && n < 0) {
		g_prefix_error(error, "%s: ", r->path);
		ok = false;
	} else if (!ok) {
		g_set_error(error, TRACE_ERROR, TRACE_ERROR_IO, "%s: writing %s: %s", r->path,
			    path, g_strerror(errno));
	}
	close(fd);
	if (!ok) {
		unlink(path);
		g_free(path);
		return NULL;
	}
	return path;
}

static void direct_clear(struct dat_state *ds)
{
	for (int i = 0; i < ds->nr_streams; i++)
		g_free(ds->streams[i].zbuf);
	g_clear_pointer(&ds->streams, g_free);
	ds->nr_streams = 0;
	if (ds->map)
		munmap((void *)ds->map, ds->map_len);
	ds->map = NULL;
	if (ds->zstd)
		ZSTD_freeDCtx(ds->zstd);
	ds->zstd = NULL;
	if (ds->inflated)
		g_ptr_array_free(ds->inflated, TRUE);
	ds->inflated = NULL;
	g_clear_pointer(&ds->id_map, g_free);
	g_clear_pointer(&ds->layouts, g_free);
}

static bool dat_open(struct trace_reader *r, GError **error)
{
	struct dat_state *ds = g_new0(struct dat_state, 1);
	const char *path = r->path;
	bool slow = g_getenv("ACCEPTSIM_DAT_SLOW") != NULL;

	r->priv = ds;
	r->bytes = trace_input_file_size(r->in);
	if (trace_input_is_compressed(r->in)) {
		ds->tmp_path = inflate_to_tmp(r, error);
		if (!ds->tmp_path)
			return false;
		path = ds->tmp_path;
	}
	/*
	 * The direct reader checks the header and every CPU range first even
	 * on the slow path: libtracecmd 3.1.6 crashes in tracecmd_close() on
	 * a v6 file whose data runs past its end.
	 */
	if (!direct_open(r, ds, path, error))
		return false;
	if (!slow && !ds->unsupported)
		return true;
	r->counter_clock = false;
	direct_clear(ds);
	ds->tc = dat_tracecmd_open(r, path, error);
	return ds->tc != NULL;
}

static int dat_next(struct trace_reader *r, struct trace_event *ev, GError **error)
{
	struct dat_state *ds = r->priv;

	memset(ev, 0, sizeof(*ev));
	ev->zone = TRACE_ZONE_UNKNOWN;
	if (ds->tc)
		return dat_tracecmd_next(r, ds->tc, ev, error);
	return direct_next(r, ds, ev, error);
}

static void dat_close(struct trace_reader *r)
{
	struct dat_state *ds = r->priv;

	if (!ds)
		return;
	dat_tracecmd_close(ds->tc);
	direct_clear(ds);
	if (ds->tmp_path) {
		unlink(ds->tmp_path);
		g_free(ds->tmp_path);
	}
	g_free(ds);
	r->priv = NULL;
}

const struct trace_format_ops trace_dat_ops = {
	.fmt = TRACE_FMT_DAT,
	.open = dat_open,
	.next = dat_next,
	.close = dat_close,
};
