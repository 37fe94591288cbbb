// SPDX-License-Identifier: GPL-2.0-only
/*
 * trace.dat (versions 6 and 7, compressed sections or not) through
 * libtracecmd and libtraceevent: records of every CPU merged in timestamp
 * order, fields read raw with tep_read_number_field(), never from the
 * printed text (which gets "fragmenting=" wrong and may print gfp as hex).
 * A trace.dat inside a gzip or zstd file is first inflated to a temporary
 * file, since libtracecmd needs to seek.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <string.h>
#include <unistd.h>
#include "trace-private.h"

#ifdef HAVE_TRACECMD
#include <trace-cmd.h>
#include <kbuffer.h>

enum dat_field {
	DF_PFN,
	DF_ORDER,
	DF_MT,
	DF_GFP,
	DF_FORDER,
	DF_FMT,
	DF_CHANGE,
	DF_REFILL,
	DF_NODE,
	DF_ZONE_ID,
	DF_NAME,
	DF_UPPER,
	DF_ARG0,
	DF_ARG1,
	DF_ARG2,
	DF_ARG3,
	DF_NR,
};

/* Field names by event: raw names of include/trace/events/{kmem,vmscan}.h. */
static const char *const field_names[DF_NR][3] = {
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

struct dat_event {
	uint8_t type;				/* enum trace_event_type */
	struct tep_format_field *f[DF_NR];	/* NULL if the event lacks it */
};

/*
 * Fields are read straight from the record when the file has the host's
 * byte order (tep_read_number_field() costs a call and a switch per field).
 */
static bool direct_read = true;

/* Exported by libtracecmd since 2.x, declared only in its private header. */
int tracecmd_cpus(struct tracecmd_input *handle);

/* One CPU of one buffer (the top one or an instance saved by extract -B). */
struct dat_stream {
	struct tracecmd_input *handle;
	struct tep_handle *tep;
	int cpu;
	struct tep_record *next;		/* the record to merge next, NULL at end */
};

struct dat_state {
	struct tracecmd_input *handle;		/* the top buffer */
	struct tep_handle *tep;
	struct tracecmd_input **instances;	/* buffer instances, closed at the end */
	int nr_instances;
	struct dat_stream *streams;
	int nr_streams;
	struct dat_event *by_id;		/* indexed by event id */
	int nr_ids;
	struct tep_format_field *common_type;	/* event id of a record */
	struct tep_format_field *common_pid;
	uint64_t recno;				/* records returned, from 1 */
	struct tep_record *held;		/* returned after its LOST marker */
	int held_stream;
	char *tmp_path;				/* inflated copy, removed at close */
	/* the fast path: v6 pages read in place with kbuffer, no record mallocs */
	bool fast;
	int v6_n;				/* CPU data ranges of all buffers (v6 header) */
	int *v6_cpu;				/* ... their CPU */
	uint64_t *v6_off, *v6_size;		/* ... and [off, off + size), bytes */
	bool v6_plain;				/* no option that shifts or scales time */
	unsigned int page_size;			/* ring-buffer page, bytes */
	uint8_t *map;				/* the whole file, read-only */
	size_t map_len;
	struct fast_cpu *fcpu;
};

/* One CPU of a v6 file on the fast path. */
struct fast_cpu {
	struct kbuffer *kbuf;
	uint64_t page, end;			/* next page to load, end of data (offsets) */
	void *data;				/* current event, NULL when done */
	unsigned long long ts;			/* its timestamp, ns */
	int missed;				/* events lost before it (-1 unknown), once */
};

static struct dat_event other_event = { .type = TRACE_EV_OTHER };

static bool fast_setup(struct trace_reader *r, struct dat_state *ds, const char *path,
		       GError **error);

static bool map_events(struct trace_reader *r, struct dat_state *ds, GError **error)
{
	int n = tep_get_events_count(ds->tep);

	ds->nr_ids = 0;
	for (int i = 0; i < n; i++) {
		struct tep_event *e = tep_get_event(ds->tep, i);

		if (e && e->id >= ds->nr_ids)
			ds->nr_ids = e->id + 1;
	}
	ds->by_id = g_new0(struct dat_event, ds->nr_ids > 0 ? ds->nr_ids : 1);
	for (int id = 0; id < ds->nr_ids; id++)
		ds->by_id[id].type = TRACE_EV_OTHER;
	for (int i = 0; i < n; i++) {
		struct tep_event *e = tep_get_event(ds->tep, i);
		struct dat_event *de;
		enum trace_event_type type;

		if (!e || e->id < 0 || !e->name)
			continue;
		if (!ds->common_type) {
			ds->common_type = tep_find_common_field(e, "common_type");
			ds->common_pid = tep_find_common_field(e, "common_pid");
		}
		type = trace_event_lookup(e->name, strlen(e->name));
		de = &ds->by_id[e->id];
		de->type = (uint8_t)type;
		if (type == TRACE_EV_OTHER)
			continue;
		for (int f = 0; f < DF_NR; f++)
			for (int k = 0; k < 3 && field_names[f][k] && !de->f[f]; k++)
				de->f[f] = tep_find_field(e, field_names[f][k]);
		if (type >= TRACE_EV_PAGE_ALLOC && type <= TRACE_EV_PAGE_PCPU_DRAIN &&
		    !de->f[DF_PFN]) {
			g_set_error(error, TRACE_ERROR, TRACE_ERROR_UNSUPPORTED,
				    "%s: %s has no pfn field (kernel older than 4.x?)",
				    r->path, e->name);
			return false;
		}
	}
	return true;
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
	}
	else if (!ok)
		g_set_error(error, TRACE_ERROR, TRACE_ERROR_IO, "%s: writing %s: %s", r->path,
			    path, g_strerror(errno));
	close(fd);
	if (!ok) {
		unlink(path);
		g_free(path);
		return NULL;
	}
	return path;
}

/* Bounded reads of a file for dat_v6_check(). */
struct dat_cursor {
	int fd;
	uint64_t off;				/* next byte to read */
	uint64_t size;				/* file size */
	bool big_endian;
	bool bad;				/* read past the end */
};

static uint64_t cursor_num(struct dat_cursor *c, unsigned int len)
{
	uint8_t b[8];
	uint64_t v = 0;

	if (c->bad || c->off + len > c->size || pread(c->fd, b, len, (off_t)c->off) != len) {
		c->bad = true;
		return 0;
	}
	c->off += len;
	for (unsigned int i = 0; i < len; i++)
		v |= (uint64_t)b[c->big_endian ? len - 1 - i : i] << (8 * i);
	return v;
}

static void cursor_skip(struct dat_cursor *c, uint64_t len)
{
	if (c->bad || len > c->size - c->off)
		c->bad = true;
	else
		c->off += len;
}

/* Skip a NUL-terminated string of at most 256 bytes. */
static void cursor_skip_str(struct dat_cursor *c)
{
	char b[256];
	ssize_t n;
	char *nul;

	if (c->bad || (n = pread(c->fd, b, sizeof(b), (off_t)c->off)) <= 0 ||
	    !(nul = memchr(b, '\0', (size_t)n))) {
		c->bad = true;
		return;
	}
	c->off += (uint64_t)(nul - b) + 1;
}

/*
 * "flyrecord\0" then @cpus (offset, size) pairs at @c: append them to the
 * CPU ranges of @ds and check each lies in the file.
 */
static bool read_cpu_table(struct trace_reader *r, struct dat_state *ds, struct dat_cursor *c,
			   uint64_t cpus, GError **error)
{
	if (cpus > TRACE_MAX_CPUS || ds->v6_n + (int)cpus > 4 * TRACE_MAX_CPUS) {
		g_set_error(error, TRACE_ERROR, TRACE_ERROR_PARSE, "%s: %" G_GUINT64_FORMAT
			    " CPUs", r->path, cpus);
		return false;
	}
	c->off += 10;
	ds->v6_cpu = g_renew(int, ds->v6_cpu, ds->v6_n + cpus + 1);
	ds->v6_off = g_renew(uint64_t, ds->v6_off, ds->v6_n + cpus + 1);
	ds->v6_size = g_renew(uint64_t, ds->v6_size, ds->v6_n + cpus + 1);
	for (uint64_t cpu = 0; cpu < cpus && !c->bad; cpu++) {
		uint64_t off = cursor_num(c, 8), len = cursor_num(c, 8);

		if (c->bad)
			break;
		if (off > c->size || len > c->size - off) {
			g_set_error(error, TRACE_ERROR, TRACE_ERROR_PARSE,
				    "%s: truncated trace.dat: cpu %" G_GUINT64_FORMAT
				    " data ends at byte %" G_GUINT64_FORMAT ", file has %"
				    G_GUINT64_FORMAT, r->path, cpu, off + len, c->size);
			return false;
		}
		ds->v6_cpu[ds->v6_n] = (int)cpu;
		ds->v6_off[ds->v6_n] = off;
		ds->v6_size[ds->v6_n] = len;
		ds->v6_n++;
	}
	return true;
}

/*
 * A v6 file whose per-CPU data runs past its end makes libtracecmd 3.1.6
 * crash in tracecmd_close() on the error path of tracecmd_open(), so walk
 * the v6 header ourselves first (Documentation/trace-cmd/trace-cmd.dat.v6.5.txt)
 * and check every flyrecord [offset, offset + size) lies in the file.
 */
static bool dat_v6_check(struct trace_reader *r, struct dat_state *ds, int fd, uint64_t size,
			 GError **error)
{
	struct dat_cursor c = { .fd = fd, .size = size };
	uint64_t n, m, cpus;
	uint64_t buffer_off[16], buffer_cpus[16];
	unsigned int nr_buffers = 0;
	char tag[10];

	if (r->peek_len < 18 || memcmp(r->peek + 10, "6", 2))
		return true;			/* v7 and later: libtracecmd copes */
	c.big_endian = r->peek[12] != 0;
	c.off = 18;				/* magic, "6\0", endian, long size, page size */
	cursor_skip(&c, 12);			/* "header_page\0" */
	cursor_skip(&c, cursor_num(&c, 8));
	cursor_skip(&c, 13);			/* "header_event\0" */
	cursor_skip(&c, cursor_num(&c, 8));
	n = cursor_num(&c, 4);			/* ftrace event formats */
	for (uint64_t i = 0; i < n && !c.bad; i++)
		cursor_skip(&c, cursor_num(&c, 8));
	n = cursor_num(&c, 4);			/* event systems */
	for (uint64_t i = 0; i < n && !c.bad; i++) {
		cursor_skip_str(&c);
		m = cursor_num(&c, 4);
		for (uint64_t j = 0; j < m && !c.bad; j++)
			cursor_skip(&c, cursor_num(&c, 8));
	}
	cursor_skip(&c, cursor_num(&c, 4));	/* kallsyms */
	cursor_skip(&c, cursor_num(&c, 4));	/* printk formats */
	cursor_skip(&c, cursor_num(&c, 8));	/* saved cmdlines */
	cpus = cursor_num(&c, 4);
	if (!c.bad && (c.off + 10 > size || pread(fd, tag, 10, (off_t)c.off) != 10))
		c.bad = true;
	ds->v6_plain = true;
	if (!c.bad && !memcmp(tag, "options  ", 10)) {
		uint64_t id, len, cpucount = cpus;

		c.off += 10;
		while (!c.bad && (id = cursor_num(&c, 2)) != 0) {
			len = cursor_num(&c, 4);
			/*
			 * DATE (1), OFFSET (7), TIME_SHIFT (12), GUEST (13) and
			 * TSC2NSEC (14) shift or scale timestamps: leave those files
			 * to libtracecmd.  BUFFER (3): an instance's CPU data
			 * ('trace-cmd extract -B'), CPUCOUNT (8) its CPUs.
			 */
			if (id == 1 || id == 7 || (id >= 12 && id <= 14) || id > 21)
				ds->v6_plain = false;
			if (id == 8 && len == 4) {
				cpucount = cursor_num(&c, 4);
				continue;
			}
			if (id == 3 && len >= 8 && nr_buffers < G_N_ELEMENTS(buffer_off)) {
				buffer_cpus[nr_buffers] = cpucount;
				buffer_off[nr_buffers++] = cursor_num(&c, 8);
				len -= 8;
			}
			cursor_skip(&c, len);
		}
		if (!c.bad && (c.off + 10 > size || pread(fd, tag, 10, (off_t)c.off) != 10))
			c.bad = true;
	}
	if (!c.bad && memcmp(tag, "flyrecord", 10)) {
		g_set_error(error, TRACE_ERROR, TRACE_ERROR_UNSUPPORTED,
			    "%s: trace.dat without flyrecord data (latency format?)", r->path);
		return false;
	}
	if (!c.bad && !read_cpu_table(r, ds, &c, cpus, error))
		return false;
	for (unsigned int b = 0; b < nr_buffers && !c.bad; b++) {
		c.off = buffer_off[b];
		if (c.off + 10 > size || pread(fd, tag, 10, (off_t)c.off) != 10 ||
		    memcmp(tag, "flyrecord", 10))
			c.bad = true;
		else if (!read_cpu_table(r, ds, &c, buffer_cpus[b], error))
			return false;
	}
	if (c.bad) {
		g_set_error(error, TRACE_ERROR, TRACE_ERROR_PARSE,
			    "%s: truncated or corrupt trace.dat v6 header", r->path);
		return false;
	}
	return true;
}

static bool dat_open(struct trace_reader *r, GError **error)
{
	struct dat_state *ds = g_new0(struct dat_state, 1);
	const char *path = r->path;

	r->priv = ds;
	if (trace_input_is_compressed(r->in)) {
		ds->tmp_path = inflate_to_tmp(r, error);
		if (!ds->tmp_path)
			return false;
		path = ds->tmp_path;
	}
	{
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		struct stat st;
		bool ok = fd >= 0 && fstat(fd, &st) == 0 &&
			  dat_v6_check(r, ds, fd, (uint64_t)st.st_size, error);

		if (fd >= 0)
			close(fd);
		if (!ok) {
			if (fd < 0)
				g_set_error(error, TRACE_ERROR, TRACE_ERROR_IO, "%s: %s", path,
					    g_strerror(errno));
			return false;
		}
	}
	tracecmd_set_loglevel(TEP_LOG_NONE);
	ds->handle = tracecmd_open(path, TRACECMD_FL_LOAD_NO_PLUGINS);
	if (!ds->handle) {
		g_set_error(error, TRACE_ERROR, TRACE_ERROR_PARSE,
			    "%s: not a readable trace.dat (libtracecmd cannot open it: "
			    "truncated or corrupt?)", r->path);
		return false;
	}
	ds->tep = tracecmd_get_tep(ds->handle);
	direct_read = tep_is_file_bigendian(ds->tep) == tep_is_local_bigendian(ds->tep);
	if (!map_events(r, ds, error))
		return false;
	/*
	 * Merge every CPU of every buffer: 'trace-cmd extract -B NAME' saves
	 * the events in the instance buffer NAME and an empty top buffer.
	 */
	ds->nr_instances = tracecmd_buffer_instances(ds->handle);
	if (ds->nr_instances < 0)
		ds->nr_instances = 0;
	ds->instances = g_new0(struct tracecmd_input *, ds->nr_instances + 1);
	r->bytes = trace_input_file_size(r->in);
	if (ds->v6_n > 0 && ds->v6_plain && direct_read &&
	    !g_getenv("ACCEPTSIM_DAT_SLOW"))
		return fast_setup(r, ds, path, error);
	for (int b = -1; b < ds->nr_instances; b++) {
		struct tracecmd_input *h = ds->handle;
		int cpus;

		if (b >= 0) {
			h = tracecmd_buffer_instance_handle(ds->handle, b);
			if (!h) {
				g_set_error(error, TRACE_ERROR, TRACE_ERROR_PARSE,
					    "%s: cannot open buffer '%s'", r->path,
					    tracecmd_buffer_instance_name(ds->handle, b));
				return false;
			}
			ds->instances[b] = h;
		}
		cpus = tracecmd_cpus(h);
		if (cpus < 0 || cpus > TRACE_MAX_CPUS) {
			g_set_error(error, TRACE_ERROR, TRACE_ERROR_PARSE, "%s: bad CPU count %d",
				    r->path, cpus);
			return false;
		}
		ds->streams = g_renew(struct dat_stream, ds->streams, ds->nr_streams + cpus);
		for (int cpu = 0; cpu < cpus; cpu++) {
			struct dat_stream *st = &ds->streams[ds->nr_streams++];

			st->handle = h;
			st->tep = tracecmd_get_tep(h);
			st->cpu = cpu;
			st->next = tracecmd_read_data(h, cpu);
		}
	}
	r->bytes = trace_input_file_size(r->in);
	return true;
}

static uint64_t field_u64(struct tep_format_field *f, const void *data, int size)
{
	unsigned long long v = 0;

	if (!f)
		return 0;
	if (f->offset + f->size > size)
		return 0;			/* a short record: the field is not there */
	if (direct_read) {
		const uint8_t *p = (const uint8_t *)data + f->offset;

		switch (f->size) {
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
			break;
		}
	}
	tep_read_number_field(f, data, &v);
	return v;
}

/* A __data_loc string field (zone name), as a zone index. */
static uint8_t field_zone(struct tep_format_field *f, const void *data, int size)
{
	unsigned long long loc;
	unsigned int off, len;
	const char *s;

	if (!f || f->offset + f->size > size || tep_read_number_field(f, data, &loc))
		return TRACE_ZONE_UNKNOWN;
	off = loc & 0xffff;
	len = (loc >> 16) & 0xffff;
	if (off + len > (unsigned int)size || len == 0)
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
static uint8_t small(uint64_t v)
{
	return v > 255 ? 255 : (uint8_t)v;
}

/* Fill @ev from one raw record of @size bytes. */
static void fill_event(struct dat_state *ds, struct tep_handle *tep, const void *data, int size,
		       uint64_t ts, int cpu, struct trace_event *ev)
{
	struct tep_record tmp = { .ts = ts, .data = (void *)data, .size = size, .cpu = cpu };
	int id = ds->common_type ? (int)field_u64(ds->common_type, data, size) :
		 tep_data_type(tep, &tmp);
	struct dat_event *de = id >= 0 && id < ds->nr_ids ? &ds->by_id[id] : &other_event;
	int pid = ds->common_pid ? (int)(int32_t)field_u64(ds->common_pid, data, size) :
		  tep_data_pid(tep, &tmp);
	bool unmapped = false;

	ev->ts = ts;
	ev->cpu = (uint16_t)cpu;
	ev->pid = pid < 0 ? 0 : (uint32_t)pid;
	ev->type = de->type;
	if (de->type == TRACE_EV_OTHER)
		return;
	if (de->f[DF_PFN])
		ev->pfn = field_u64(de->f[DF_PFN], data, size);
	ev->order = small(field_u64(de->f[DF_ORDER], data, size));
	ev->migratetype = small(field_u64(de->f[DF_MT], data, size));
	if (de->f[DF_GFP]) {
		ev->gfp = trace_gfp_from_kernel(field_u64(de->f[DF_GFP], data, size), &unmapped);
		if (unmapped)
			ev->flags |= TRACE_EVF_GFP_UNMAPPED;
	}
	switch (de->type) {
	case TRACE_EV_PAGE_ALLOC:
		/* failed allocations record pfn -1UL */
		if (ev->pfn == UINT64_MAX || ev->pfn == 0) {
			ev->pfn = TRACE_PFN_NONE;
			ev->flags |= TRACE_EVF_FAILED;
		}
		break;
	case TRACE_EV_PAGE_ALLOC_EXTFRAG:
		ev->fallback_order = small(field_u64(de->f[DF_FORDER], data, size));
		ev->fallback_migratetype = small(field_u64(de->f[DF_FMT], data, size));
		if (field_u64(de->f[DF_CHANGE], data, size))
			ev->flags |= TRACE_EVF_CHANGE_OWNERSHIP;
		break;
	case TRACE_EV_PAGE_ALLOC_ZONE_LOCKED:
		if (field_u64(de->f[DF_REFILL], data, size))
			ev->flags |= TRACE_EVF_PERCPU_REFILL;
		break;
	case TRACE_EV_SETUP_PER_ZONE_WMARKS:
	case TRACE_EV_SETUP_PER_ZONE_LOWMEM_RESERVE:
		ev->zone = field_zone(de->f[DF_NAME], data, size);
		if (de->f[DF_UPPER])
			ev->arg[1] = field_zone(de->f[DF_UPPER], data, size);
		break;
	default:
		break;
	}
	if (de->f[DF_NODE])
		ev->node = small(field_u64(de->f[DF_NODE], data, size));
	if (de->f[DF_ZONE_ID]) {
		uint64_t z = field_u64(de->f[DF_ZONE_ID], data, size);

		ev->zone = z < MAX_NR_ZONES ? (uint8_t)z : TRACE_ZONE_UNKNOWN;
	}
	if (de->f[DF_ARG0])
		ev->arg[0] = field_u64(de->f[DF_ARG0], data, size);
	if (de->type == TRACE_EV_SETUP_PER_ZONE_WMARKS) {
		ev->arg[1] = field_u64(de->f[DF_ARG1], data, size);
		ev->arg[2] = field_u64(de->f[DF_ARG2], data, size);
		ev->arg[3] = field_u64(de->f[DF_ARG3], data, size);
	}
}

/* A page's data must fit in it, or kbuffer would read past it. */
static bool fast_page_ok(struct dat_state *ds, const uint8_t *p, unsigned int header)
{
	uint64_t commit = 0;

	memcpy(&commit, p + 8, header - 8);
	/* kbuffer's COMMIT_MASK: the top bits flag missed events */
	return (commit & ((1U << 27) - 1)) <= ds->page_size - header;
}

/* Load pages of @fc until one has an event; false on a corrupt page. */
static bool fast_load(struct dat_state *ds, struct fast_cpu *fc, unsigned int header)
{
	fc->data = NULL;
	while (fc->page + ds->page_size <= fc->end) {
		uint8_t *p = ds->map + fc->page;
		int missed;

		if (!fast_page_ok(ds, p, header))
			return false;
		fc->page += ds->page_size;
		if (kbuffer_load_subbuffer(fc->kbuf, p) < 0)
			return false;
		missed = kbuffer_missed_events(fc->kbuf);
		if (missed)
			fc->missed = missed;
		fc->data = kbuffer_read_event(fc->kbuf, &fc->ts);
		if (fc->data)
			return true;
	}
	return true;
}

static unsigned int fast_header(const struct trace_reader *r)
{
	return r->peek[13] == 4 ? 12 : 16;	/* u64 timestamp + long commit */
}

static bool fast_setup(struct trace_reader *r, struct dat_state *ds, const char *path,
		       GError **error)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	uint32_t page_size;

	if (fd < 0 || fstat(fd, &st) != 0) {
		g_set_error(error, TRACE_ERROR, TRACE_ERROR_IO, "%s: %s", r->path,
			    g_strerror(errno));
		if (fd >= 0)
			close(fd);
		return false;
	}
	ds->map_len = (size_t)st.st_size;
	/* private and writable: kbuffer takes a non-const page */
	ds->map = mmap(NULL, ds->map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_POPULATE,
		       fd, 0);
	close(fd);
	if (ds->map == MAP_FAILED) {
		ds->map = NULL;
		g_set_error(error, TRACE_ERROR, TRACE_ERROR_IO, "%s: mmap: %s", r->path,
			    g_strerror(errno));
		return false;
	}
	madvise(ds->map, ds->map_len, MADV_SEQUENTIAL);
	memcpy(&page_size, r->peek + 14, 4);
	if (page_size < 64 || page_size > (1U << 20)) {
		g_set_error(error, TRACE_ERROR, TRACE_ERROR_PARSE, "%s: bad page size %u",
			    r->path, page_size);
		return false;
	}
	ds->page_size = page_size;
	ds->fcpu = g_new0(struct fast_cpu, ds->v6_n);
	for (int cpu = 0; cpu < ds->v6_n; cpu++) {
		struct fast_cpu *fc = &ds->fcpu[cpu];

		fc->kbuf = kbuffer_alloc(r->peek[13] == 4 ? KBUFFER_LSIZE_4 : KBUFFER_LSIZE_8,
					 KBUFFER_ENDIAN_LITTLE);
		fc->page = ds->v6_off[cpu];
		fc->end = ds->v6_off[cpu] + ds->v6_size[cpu];
		if (!fc->kbuf || !fast_load(ds, fc, fast_header(r))) {
			g_set_error(error, TRACE_ERROR, TRACE_ERROR_PARSE,
				    "%s: corrupt ring-buffer page of cpu %d", r->path,
				    ds->v6_cpu[cpu]);
			return false;
		}
	}
	ds->fast = true;
	return true;
}

static int fast_next(struct trace_reader *r, struct dat_state *ds, struct trace_event *ev,
		     GError **error)
{
	struct fast_cpu *fc = NULL;
	int best = -1;

	for (int i = 0; i < ds->v6_n; i++)
		if (ds->fcpu[i].data && (best < 0 || ds->fcpu[i].ts < ds->fcpu[best].ts))
			best = i;
	if (best < 0)
		return 0;
	fc = &ds->fcpu[best];
	ev->lineno = ++ds->recno;
	if (fc->missed) {
		ev->type = TRACE_EV_LOST;
		ev->cpu = (uint16_t)ds->v6_cpu[best];
		ev->ts = fc->ts;
		ev->arg[0] = fc->missed > 0 ? (uint64_t)fc->missed : 0;
		fc->missed = 0;
		return 1;
	}
	fill_event(ds, ds->tep, fc->data, kbuffer_event_size(fc->kbuf), fc->ts,
		   ds->v6_cpu[best], ev);
	fc->data = kbuffer_next_event(fc->kbuf, &fc->ts);
	if (!fc->data && !fast_load(ds, fc, fast_header(r))) {
		trace_set_error(error, r, ds->recno, "corrupt ring-buffer page of cpu %d",
				ds->v6_cpu[best]);
		return -1;
	}
	return 1;
}

static int dat_next(struct trace_reader *r, struct trace_event *ev, GError **error)
{
	struct dat_state *ds = r->priv;
	struct tep_record *rec;
	int best = -1;

	memset(ev, 0, sizeof(*ev));
	ev->zone = TRACE_ZONE_UNKNOWN;
	if (ds->fast)
		return fast_next(r, ds, ev, error);
	if (ds->held) {
		rec = ds->held;
		best = ds->held_stream;
		ds->held = NULL;
	} else {
		for (int i = 0; i < ds->nr_streams; i++)
			if (ds->streams[i].next &&
			    (best < 0 || ds->streams[i].next->ts < ds->streams[best].next->ts))
				best = i;
		if (best < 0)
			return 0;
		rec = ds->streams[best].next;
		ds->streams[best].next = tracecmd_read_data(ds->streams[best].handle,
							    ds->streams[best].cpu);
		if (rec->missed_events) {
			/* -1: the buffer overflowed, count unknown */
			ev->type = TRACE_EV_LOST;
			ev->cpu = (uint16_t)ds->streams[best].cpu;
			ev->ts = rec->ts;
			ev->arg[0] = rec->missed_events > 0 ? (uint64_t)rec->missed_events : 0;
			ev->lineno = ++ds->recno;
			ds->held = rec;
			ds->held_stream = best;
			return 1;
		}
	}
	ev->lineno = ++ds->recno;
	fill_event(ds, ds->streams[best].tep, rec->data, rec->size, rec->ts,
		   ds->streams[best].cpu, ev);
	tracecmd_free_record(rec);
	(void)error;
	return 1;
}

static void dat_close(struct trace_reader *r)
{
	struct dat_state *ds = r->priv;

	if (!ds)
		return;
	if (ds->held)
		tracecmd_free_record(ds->held);
	for (int i = 0; i < ds->nr_streams; i++)
		if (ds->streams[i].next)
			tracecmd_free_record(ds->streams[i].next);
	for (int b = 0; b < ds->nr_instances; b++)
		if (ds->instances && ds->instances[b])
			tracecmd_close(ds->instances[b]);
	if (ds->handle)
		tracecmd_close(ds->handle);
	if (ds->tmp_path) {
		unlink(ds->tmp_path);
		g_free(ds->tmp_path);
	}
	if (ds->fcpu)
		for (int cpu = 0; cpu < ds->v6_n; cpu++)
			if (ds->fcpu[cpu].kbuf)
				kbuffer_free(ds->fcpu[cpu].kbuf);
	if (ds->map)
		munmap(ds->map, ds->map_len);
	g_free(ds->fcpu);
	g_free(ds->v6_cpu);
	g_free(ds->v6_off);
	g_free(ds->v6_size);
	g_free(ds->streams);
	g_free(ds->instances);
	g_free(ds->by_id);
	g_free(ds);
	r->priv = NULL;
}

bool trace_have_tracecmd(void)
{
	return true;
}

#else /* !HAVE_TRACECMD */

static bool dat_open(struct trace_reader *r, GError **error)
{
	g_set_error(error, TRACE_ERROR, TRACE_ERROR_UNSUPPORTED,
		    "%s: trace.dat input needs libtracecmd: rebuild with -Dtracecmd=enabled "
		    "(Debian: apt-get install libtracecmd-dev), or convert it to text with "
		    "'trace-cmd report -R'", r->path);
	return false;
}

static int dat_next(struct trace_reader *r, struct trace_event *ev, GError **error)
{
	return 0;
}

static void dat_close(struct trace_reader *r)
{
}

bool trace_have_tracecmd(void)
{
	return false;
}

#endif /* HAVE_TRACECMD */

const struct trace_format_ops trace_dat_ops = {
	.fmt = TRACE_FMT_DAT,
	.open = dat_open,
	.next = dat_next,
	.close = dat_close,
};
