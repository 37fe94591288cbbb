// SPDX-License-Identifier: GPL-2.0-only
/*
 * Our compact binary trace format (docs/trace-format.md): a 16-byte
 * header, then one record per event with LEB128 varints, timestamps as
 * zigzag deltas and a field mask, then an end record carrying the count.
 * All fields little-endian.  Typically 8-12 bytes per event, read at
 * tens of millions of events per second.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "trace-private.h"

#define NATIVE_VERSION		1
#define NATIVE_HEADER_LEN	16
#define NATIVE_FLAG_COUNTER	(1U << 0)	/* header: raw tick timestamps */
#define NATIVE_END		0xff		/* record type of the trailer */
#define NATIVE_MAX_RECORD	128		/* longest encoded record, bytes */
#define NATIVE_BUF_SIZE		(1024 * 1024)

/* Field mask of a record: which groups follow the common part. */
#define NF_PFN		(1U << 0)	/* varint pfn + 1 (0: failed allocation) */
#define NF_ORDER	(1U << 1)	/* u8 order, u8 migratetype */
#define NF_GFP		(1U << 2)	/* varint gfp (our bits) */
#define NF_FALLBACK	(1U << 3)	/* u8 fallback_order, u8 fallback_migratetype */
#define NF_FLAGS	(1U << 4)	/* u8 TRACE_EVF_* */
#define NF_ZONE		(1U << 5)	/* u8 node, u8 zone */
#define NF_ARGS		(1U << 6)	/* u8 n (<= 4), n varints arg[0..n-1] */

static inline uint64_t zigzag(int64_t v)
{
	return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

static inline int64_t unzigzag(uint64_t v)
{
	return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

/* ---------------------------------------------------------------- writer */

struct trace_writer {
	FILE *f;
	char *path;				/* final name */
	char *tmp_path;				/* written, then renamed */
	uint64_t count;				/* records written */
	uint64_t last_ts;
	bool header_done;
	bool counter_clock;			/* header flag, set before the first add */
};

static size_t put_varint(uint8_t *p, uint64_t v)
{
	size_t n = 0;

	/* 300 = 0b1_0010_1100 encodes as 0xac 0x02 */
	while (v >= 0x80) {
		p[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	p[n++] = (uint8_t)v;
	return n;
}

struct trace_writer *trace_writer_open(const char *path, GError **error)
{
	struct trace_writer *w = g_new0(struct trace_writer, 1);
	int fd;

	w->path = g_strdup(path);
	w->tmp_path = g_strdup_printf("%s.XXXXXX", path);
	fd = g_mkstemp_full(w->tmp_path, O_WRONLY | O_CLOEXEC, 0644);
	if (fd < 0) {
		g_set_error(error, TRACE_ERROR, TRACE_ERROR_IO, "%s: %s", path, g_strerror(errno));
		g_free(w->tmp_path);
		w->tmp_path = NULL;
		trace_writer_abort(w);
		return NULL;
	}
	w->f = fdopen(fd, "wb");
	setvbuf(w->f, NULL, _IOFBF, NATIVE_BUF_SIZE);
	return w;
}

static bool write_header(struct trace_writer *w, bool counter_clock, GError **error)
{
	uint8_t h[NATIVE_HEADER_LEN] = { 0 };

	memcpy(h, TRACE_NATIVE_MAGIC, TRACE_NATIVE_MAGIC_LEN);
	h[8] = NATIVE_VERSION & 0xff;		/* u16 version */
	h[9] = NATIVE_VERSION >> 8;
	h[10] = counter_clock ? NATIVE_FLAG_COUNTER : 0;	/* u16 flags */
	/* 12..15: reserved, zero */
	w->header_done = true;
	if (fwrite(h, 1, sizeof(h), w->f) != sizeof(h)) {
		g_set_error(error, TRACE_ERROR, TRACE_ERROR_IO, "%s: write: %s", w->path,
			    g_strerror(errno));
		return false;
	}
	return true;
}

void trace_writer_set_counter_clock(struct trace_writer *w, bool counter_clock)
{
	w->counter_clock = counter_clock;
}

bool trace_writer_add(struct trace_writer *w, const struct trace_event *ev, GError **error)
{
	uint8_t rec[NATIVE_MAX_RECORD];
	size_t n = 0;
	unsigned int mask = 0, nargs = 0;

	if (!w->header_done && !write_header(w, w->counter_clock, error))
		return false;
	switch (ev->type) {
	case TRACE_EV_PAGE_ALLOC:
		mask = NF_PFN | NF_ORDER | NF_GFP;
		break;
	case TRACE_EV_PAGE_FREE:
	case TRACE_EV_PAGE_FREE_BATCHED:
		mask = NF_PFN | (ev->order ? NF_ORDER : 0);
		break;
	case TRACE_EV_PAGE_ALLOC_EXTFRAG:
		mask = NF_PFN | NF_ORDER | NF_FALLBACK;
		break;
	case TRACE_EV_PAGE_ALLOC_ZONE_LOCKED:
	case TRACE_EV_PAGE_PCPU_DRAIN:
		mask = NF_PFN | NF_ORDER;
		break;
	case TRACE_EV_WAKEUP_KSWAPD:
		mask = NF_ORDER | NF_GFP | NF_ZONE;
		break;
	case TRACE_EV_KSWAPD_WAKE:
		mask = NF_ORDER | NF_ZONE;
		break;
	case TRACE_EV_KSWAPD_SLEEP:
		mask = NF_ZONE;
		break;
	case TRACE_EV_SETUP_PER_ZONE_WMARKS:
		mask = NF_ZONE | NF_ARGS;
		nargs = 4;
		break;
	case TRACE_EV_SETUP_PER_ZONE_LOWMEM_RESERVE:
		mask = NF_ZONE | NF_ARGS;
		nargs = 2;
		break;
	case TRACE_EV_CALCULATE_TOTALRESERVE_PAGES:
	case TRACE_EV_LOST:
		mask = NF_ARGS;
		nargs = 1;
		break;
	default:
		break;
	}
	if (ev->flags)
		mask |= NF_FLAGS;
	if (ev->type >= TRACE_EV_NR) {
		g_set_error(error, TRACE_ERROR, TRACE_ERROR_PARSE, "%s: bad event type %u", w->path,
			    ev->type);
		return false;
	}

	rec[n++] = ev->type;
	rec[n++] = (uint8_t)mask;
	n += put_varint(rec + n, zigzag((int64_t)(ev->ts - w->last_ts)));
	n += put_varint(rec + n, ev->cpu);
	n += put_varint(rec + n, ev->pid);
	if (mask & NF_PFN)
		n += put_varint(rec + n, ev->pfn == TRACE_PFN_NONE ? 0 : ev->pfn + 1);
	if (mask & NF_ORDER) {
		rec[n++] = ev->order;
		rec[n++] = ev->migratetype;
	}
	if (mask & NF_GFP)
		n += put_varint(rec + n, ev->gfp);
	if (mask & NF_FALLBACK) {
		rec[n++] = ev->fallback_order;
		rec[n++] = ev->fallback_migratetype;
	}
	if (mask & NF_FLAGS)
		rec[n++] = ev->flags;
	if (mask & NF_ZONE) {
		rec[n++] = ev->node;
		rec[n++] = ev->zone;
	}
	if (mask & NF_ARGS) {
		rec[n++] = (uint8_t)nargs;
		for (unsigned int i = 0; i < nargs; i++)
			n += put_varint(rec + n, ev->arg[i]);
	}
	w->last_ts = ev->ts;
	w->count++;
	if (fwrite(rec, 1, n, w->f) != n) {
		g_set_error(error, TRACE_ERROR, TRACE_ERROR_IO, "%s: write: %s", w->path,
			    g_strerror(errno));
		return false;
	}
	return true;
}

bool trace_writer_commit(struct trace_writer *w, GError **error)
{
	uint8_t rec[16];
	size_t n = 0;
	bool ok = true;

	if (!w->header_done && !write_header(w, w->counter_clock, error))
		goto out_abort;
	rec[n++] = NATIVE_END;
	n += put_varint(rec + n, w->count);
	if (fwrite(rec, 1, n, w->f) != n || fflush(w->f) != 0 || fsync(fileno(w->f)) != 0)
		ok = false;
	if (fclose(w->f) != 0)
		ok = false;
	w->f = NULL;
	if (ok && rename(w->tmp_path, w->path) != 0)
		ok = false;
	if (!ok) {
		g_set_error(error, TRACE_ERROR, TRACE_ERROR_IO, "%s: %s", w->path, g_strerror(errno));
		goto out_abort;
	}
	g_free(w->tmp_path);
	w->tmp_path = NULL;
	trace_writer_abort(w);
	return true;

out_abort:
	trace_writer_abort(w);
	return false;
}

void trace_writer_abort(struct trace_writer *w)
{
	if (!w)
		return;
	if (w->f)
		fclose(w->f);
	if (w->tmp_path)
		unlink(w->tmp_path);
	g_free(w->tmp_path);
	g_free(w->path);
	g_free(w);
}

/* ---------------------------------------------------------------- reader */

struct native_state {
	uint8_t *buf;
	size_t pos, end;			/* unread window */
	bool eof;
	bool done;				/* end record seen */
	uint64_t count;				/* records read */
	uint64_t last_ts;
};

static bool native_fill(struct trace_reader *r, struct native_state *ns, GError **error)
{
	ssize_t n;

	if (ns->eof || ns->end - ns->pos >= NATIVE_MAX_RECORD)
		return true;
	memmove(ns->buf, ns->buf + ns->pos, ns->end - ns->pos);
	ns->end -= ns->pos;
	ns->pos = 0;
	n = trace_input_read_full(r->in, ns->buf + ns->end, NATIVE_BUF_SIZE - ns->end, error);
	if (n < 0) {
		g_prefix_error(error, "%s:record %" G_GUINT64_FORMAT ": ", r->path, ns->count + 1);
		return false;
	}
	if ((size_t)n < NATIVE_BUF_SIZE - ns->end)
		ns->eof = true;
	ns->end += (size_t)n;
	r->bytes += (uint64_t)n;
	return true;
}

static bool native_open(struct trace_reader *r, GError **error)
{
	struct native_state *ns = g_new0(struct native_state, 1);
	const uint8_t *h = (const uint8_t *)r->peek;
	unsigned int version, flags;

	r->priv = ns;
	if (r->peek_len < NATIVE_HEADER_LEN)
		return trace_set_error(error, r, 0, "truncated header");
	version = h[8] | (unsigned int)h[9] << 8;
	flags = h[10] | (unsigned int)h[11] << 8;
	if (version != NATIVE_VERSION) {
		g_set_error(error, TRACE_ERROR, TRACE_ERROR_UNSUPPORTED,
			    "%s: acceptsim binary trace version %u, this build reads %u", r->path,
			    version, NATIVE_VERSION);
		return false;
	}
	r->counter_clock = flags & NATIVE_FLAG_COUNTER;
	ns->buf = g_malloc(NATIVE_BUF_SIZE);
	ns->end = r->peek_len - NATIVE_HEADER_LEN;
	memcpy(ns->buf, r->peek + NATIVE_HEADER_LEN, ns->end);
	ns->eof = r->peek_len < TRACE_PEEK_SIZE;
	r->bytes = r->peek_len;
	return true;
}

/* Decode a varint at ns->pos; false if overlong or past the data. */
static bool get_varint(struct native_state *ns, uint64_t *v)
{
	uint64_t x = 0;

	for (unsigned int shift = 0; shift < 64 && ns->pos < ns->end; shift += 7) {
		uint8_t b = ns->buf[ns->pos++];

		x |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*v = x;
			return true;
		}
	}
	return false;
}

static bool get_u8(struct native_state *ns, uint8_t *v)
{
	if (ns->pos >= ns->end)
		return false;
	*v = ns->buf[ns->pos++];
	return true;
}

static int native_next(struct trace_reader *r, struct trace_event *ev, GError **error)
{
	struct native_state *ns = r->priv;
	uint64_t v, dts, cpu, pid;
	uint8_t type, mask, nargs;
	uint64_t recno = ns->count + 1;

	if (ns->done)
		return 0;
	if (!native_fill(r, ns, error))
		return -1;
	memset(ev, 0, sizeof(*ev));
	ev->zone = TRACE_ZONE_UNKNOWN;
	if (!get_u8(ns, &type)) {
		trace_set_error(error, r, recno, "truncated file (no end record)");
		return -1;
	}
	if (type == NATIVE_END) {
		if (!get_varint(ns, &v)) {
			trace_set_error(error, r, recno, "truncated end record");
			return -1;
		}
		if (v != ns->count) {
			trace_set_error(error, r, recno, "end record says %" G_GUINT64_FORMAT
					" events, read %" G_GUINT64_FORMAT, v, ns->count);
			return -1;
		}
		if (ns->pos != ns->end || !ns->eof) {
			trace_set_error(error, r, recno, "data after the end record");
			return -1;
		}
		ns->done = true;
		return 0;
	}
	if (type >= TRACE_EV_NR) {
		trace_set_error(error, r, recno, "bad record type %u", type);
		return -1;
	}
	if (!get_u8(ns, &mask) || mask >= (NF_ARGS << 1) || !get_varint(ns, &dts) ||
	    !get_varint(ns, &cpu) || !get_varint(ns, &pid))
		goto out_bad;
	if (cpu >= TRACE_MAX_CPUS || pid > UINT32_MAX)
		goto out_bad;
	ev->type = type;
	ev->ts = ns->last_ts + (uint64_t)unzigzag(dts);
	ev->cpu = (uint16_t)cpu;
	ev->pid = (uint32_t)pid;
	ev->lineno = recno;
	if (mask & NF_PFN) {
		if (!get_varint(ns, &v))
			goto out_bad;
		ev->pfn = v == 0 ? TRACE_PFN_NONE : v - 1;
	}
	if ((mask & NF_ORDER) && (!get_u8(ns, &ev->order) || !get_u8(ns, &ev->migratetype)))
		goto out_bad;
	if (mask & NF_GFP) {
		if (!get_varint(ns, &v) || v > UINT32_MAX)
			goto out_bad;
		ev->gfp = (gfp_t)v;
	}
	if ((mask & NF_FALLBACK) &&
	    (!get_u8(ns, &ev->fallback_order) || !get_u8(ns, &ev->fallback_migratetype)))
		goto out_bad;
	if ((mask & NF_FLAGS) && !get_u8(ns, &ev->flags))
		goto out_bad;
	if ((mask & NF_ZONE) && (!get_u8(ns, &ev->node) || !get_u8(ns, &ev->zone)))
		goto out_bad;
	if (mask & NF_ARGS) {
		if (!get_u8(ns, &nargs) || nargs > 4)
			goto out_bad;
		for (unsigned int i = 0; i < nargs; i++)
			if (!get_varint(ns, &ev->arg[i]))
				goto out_bad;
	}
	ns->last_ts = ev->ts;
	ns->count++;
	return 1;

out_bad:
	if (ns->pos >= ns->end && ns->eof)
		trace_set_error(error, r, recno, "truncated record");
	else
		trace_set_error(error, r, recno, "corrupt record");
	return -1;
}

static void native_close(struct trace_reader *r)
{
	struct native_state *ns = r->priv;

	if (!ns)
		return;
	g_free(ns->buf);
	g_free(ns);
	r->priv = NULL;
}

const struct trace_format_ops trace_native_ops = {
	.fmt = TRACE_FMT_NATIVE,
	.open = native_open,
	.next = native_next,
	.close = native_close,
};
