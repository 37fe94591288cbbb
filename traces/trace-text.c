// SPDX-License-Identifier: GPL-2.0-only
/*
 * What the three text formats share: lines cut from a large read buffer,
 * the timestamp anchor, the event name, and the key=value fields of the
 * kmem tracepoints as TP_printk() prints them (include/trace/events/kmem.h,
 * Linux 6.18; pfn in hex since 5.14, decimal before).  Hand-written
 * scanning, no sscanf or regex: this runs at hundreds of MB/s.
 */
#include <string.h>
#include "trace-private.h"

#define TEXT_BUF_SIZE	(4 * 1024 * 1024)	/* also the longest line */
#define GFP_CACHE_SIZE	256			/* direct-mapped, power of two */
#define GFP_CACHE_LEN	200			/* longest gfp text cached */

struct gfp_cache_entry {
	uint16_t len;				/* 0 = empty */
	bool unmapped;
	gfp_t gfp;
	char text[GFP_CACHE_LEN];
};

struct text_state {
	const struct text_format *tf;
	char *buf;
	size_t cap;				/* bytes */
	size_t pos, end;			/* unread window [pos, end) */
	bool eof;				/* input exhausted */
	bool partial;				/* last line had no '\n' */
	uint64_t lineno;			/* of the last line returned */
	struct gfp_cache_entry *gfp_cache;
};

/* Parsed key=value fields of one line. */
#define F_PFN		(1U << 0)
#define F_ORDER		(1U << 1)
#define F_MT		(1U << 2)
#define F_GFP		(1U << 3)
#define F_FORDER	(1U << 4)
#define F_FMT		(1U << 5)

bool text_open(struct trace_reader *r, const struct text_format *tf, GError **error)
{
	struct text_state *st = g_new0(struct text_state, 1);

	st->tf = tf;
	st->cap = TEXT_BUF_SIZE;
	st->buf = g_malloc(st->cap);
	memcpy(st->buf, r->peek, r->peek_len);
	st->end = r->peek_len;
	st->gfp_cache = g_new0(struct gfp_cache_entry, GFP_CACHE_SIZE);
	r->bytes = r->peek_len;
	if (r->peek_len < TRACE_PEEK_SIZE)
		st->eof = true;
	r->priv = st;
	return true;
}

void text_close(struct trace_reader *r)
{
	struct text_state *st = r->priv;

	if (!st)
		return;
	g_free(st->gfp_cache);
	g_free(st->buf);
	g_free(st);
	r->priv = NULL;
}

/* The next line [*lp, *le) without its '\n'; 1, 0 at the end, -1 on error. */
static int next_line(struct trace_reader *r, struct text_state *st, uint64_t *lineno,
		     const char **lp, const char **le, GError **error)
{
	for (;;) {
		char *start = st->buf + st->pos;
		char *nl = memchr(start, '\n', st->end - st->pos);
		ssize_t n;

		if (nl) {
			st->pos = (size_t)(nl + 1 - st->buf);
			(*lineno)++;
			*lp = start;
			*le = nl > start && nl[-1] == '\r' ? nl - 1 : nl;
			return 1;
		}
		if (st->eof) {
			if (st->pos == st->end)
				return 0;
			(*lineno)++;
			*lp = start;
			*le = st->buf + st->end;
			st->pos = st->end;
			st->partial = true;
			return 1;
		}
		if (st->pos > 0) {
			memmove(st->buf, start, st->end - st->pos);
			st->end -= st->pos;
			st->pos = 0;
		}
		if (st->end == st->cap) {
			trace_set_error(error, r, *lineno + 1, "line longer than %zu bytes", st->cap);
			return -1;
		}
		n = trace_input_read(r->in, st->buf + st->end, st->cap - st->end, error);
		if (n < 0) {
			g_prefix_error(error, "%s:%" G_GUINT64_FORMAT ": ", r->path, *lineno + 1);
			return -1;
		}
		if (n == 0)
			st->eof = true;
		st->end += (size_t)n;
		r->bytes += (uint64_t)n;
	}
}

const char *text_find_timestamp(const char *p, const char *e, const char **ts_end)
{
	const char *c = p;

	while ((c = memchr(c, ':', (size_t)(e - c))) != NULL) {
		const char *s = c;
		bool dot = false;

		if (c + 1 < e && c[1] != ' ' && c[1] != '\t') {
			c++;
			continue;
		}
		while (s > p && (text_is_digit(s[-1]) || (s[-1] == '.' && !dot))) {
			if (s[-1] == '.')
				dot = true;
			s--;
		}
		if (s < c && s > p && text_is_digit(*s) && text_is_digit(c[-1]) &&
		    (s[-1] == ' ' || s[-1] == '\t')) {
			*ts_end = c;
			return s;
		}
		c++;
	}
	return NULL;
}

/* "501.299908" (us), "501.299908122" (ns) or integer ticks. */
static bool parse_ts(struct trace_reader *r, const char *s, const char *e, uint64_t *ts)
{
	uint64_t sec = 0, frac = 0;
	int nfrac = 0;
	const char *q = s;

	while (q < e && *q != '.') {
		if (q - s >= 19)
			return false;
		sec = sec * 10 + (uint64_t)(*q++ - '0');
	}
	if (q == e) {
		r->counter_clock = true;
		*ts = sec;
		return true;
	}
	for (q++; q < e; q++) {
		if (nfrac < 9) {
			frac = frac * 10 + (uint64_t)(*q - '0');
			nfrac++;
		}
	}
	while (nfrac++ < 9)
		frac *= 10;
	if (sec > UINT64_MAX / 1000000000ULL - 1)
		return false;
	*ts = sec * 1000000000ULL + frac;
	return true;
}

/* Decimal, "0x" hex or "-" decimal; false if not a number. */
static bool parse_num(const char *s, size_t len, uint64_t *val, bool *neg)
{
	uint64_t v = 0;
	size_t i = 0;

	*neg = false;
	if (len == 0)
		return false;
	if (s[0] == '-') {
		*neg = true;
		i = 1;
		if (len == 1)
			return false;
	}
	if (len - i > 2 && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X')) {
		if (len - i - 2 > 16)
			return false;
		for (i += 2; i < len; i++) {
			int d = g_ascii_xdigit_value(s[i]);

			if (d < 0)
				return false;
			v = v << 4 | (uint64_t)d;
		}
	} else {
		if (len - i > 20)
			return false;
		for (; i < len; i++) {
			uint64_t d = (uint64_t)(s[i] - '0');

			if (d > 9 || v > (UINT64_MAX - d) / 10)
				return false;
			v = v * 10 + d;
		}
	}
	*val = *neg ? (uint64_t)-(int64_t)v : v;
	return true;
}

static bool lookup_gfp(struct text_state *st, const char *s, size_t len, gfp_t *gfp,
		       bool *unmapped)
{
	struct gfp_cache_entry *ce;
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	ce = &st->gfp_cache[h & (GFP_CACHE_SIZE - 1)];
	if (ce->len == len && !memcmp(ce->text, s, len)) {
		*gfp = ce->gfp;
		*unmapped = ce->unmapped;
		return true;
	}
	*unmapped = false;
	if (!trace_gfp_parse(s, len, gfp, unmapped))
		return false;
	if (len <= GFP_CACHE_LEN) {
		ce->len = (uint16_t)len;
		memcpy(ce->text, s, len);
		ce->gfp = *gfp;
		ce->unmapped = *unmapped;
	}
	return true;
}

static uint8_t zone_lookup(const char *s, size_t len)
{
	for (int z = 0; z < MAX_NR_ZONES; z++) {
		const char *name = zone_name((enum zone_type)z);

		if (strlen(name) == len && !memcmp(name, s, len))
			return (uint8_t)z;
	}
	return TRACE_ZONE_UNKNOWN;
}

#define KEY(k)	(klen == sizeof(k) - 1 && !memcmp(key, k, sizeof(k) - 1))

/* The numeric fields we read; others (e.g. "nr_free=" of patched kernels) are skipped. */
static bool is_number_key(const char *key, size_t klen)
{
	return KEY("pfn") || KEY("order") || KEY("alloc_order") || KEY("migratetype") ||
	       KEY("alloc_migratetype") || KEY("fallback_order") ||
	       KEY("fallback_migratetype") || KEY("change_ownership") ||
	       KEY("percpu_refill") || KEY("node_id") || KEY("nid") || KEY("zid") ||
	       KEY("min") || KEY("watermark_min") || KEY("lowmem_reserve_pages") ||
	       KEY("lowmem_reserve") || KEY("totalreserve_pages") || KEY("low") ||
	       KEY("watermark_low") || KEY("high") || KEY("watermark_high") ||
	       KEY("promo") || KEY("watermark_promo");
}

/* The key=value fields after the event name. */
static bool parse_fields(struct trace_reader *r, struct text_state *st, const char *p,
			 const char *e, struct trace_event *ev, GError **error)
{
	unsigned int have = 0;
	bool page_zero = false;
	unsigned int names = 0;

	while (p < e) {
		const char *key, *val, *tok_end, *eq;
		size_t klen, vlen;
		uint64_t v;
		bool neg, unmapped;

		while (p < e && *p == ' ')
			p++;
		if (p == e)
			break;
		tok_end = memchr(p, ' ', (size_t)(e - p));
		if (!tok_end)
			tok_end = e;
		eq = memchr(p, '=', (size_t)(tok_end - p));
		if (!eq) {			/* "zone", "watermark" */
			p = tok_end;
			continue;
		}
		key = p;
		klen = (size_t)(eq - p);
		val = eq + 1;
		vlen = (size_t)(tok_end - val);
		p = tok_end;

		if (KEY("gfp_flags")) {
			if (!lookup_gfp(st, val, vlen, &ev->gfp, &unmapped))
				return trace_set_error(error, r, ev->lineno, "bad gfp_flags '%.*s'",
						       (int)MIN(vlen, 80), val);
			if (unmapped)
				ev->flags |= TRACE_EVF_GFP_UNMAPPED;
			have |= F_GFP;
			continue;
		}
		if (KEY("page")) {
			page_zero = (vlen == 5 && !memcmp(val, "(nil)", 5)) ||
				    strspn(val, "0x") >= vlen;
			continue;
		}
		if (KEY("name") || KEY("upper_name")) {
			uint8_t z = zone_lookup(val, vlen);

			if (names++ == 0 && KEY("name"))
				ev->zone = z;
			else
				ev->arg[1] = z;
			continue;
		}
		if (KEY("pageblock_order") || KEY("fragmenting") || !is_number_key(key, klen))
			continue;		/* computed by the printer, or not ours */
		if (!parse_num(val, vlen, &v, &neg))
			return trace_set_error(error, r, ev->lineno, "bad number in %.*s=%.*s",
					       (int)MIN(klen, 40), key, (int)MIN(vlen, 40), val);
		if (KEY("pfn")) {
			ev->pfn = v;
			have |= F_PFN;
		} else if (KEY("order") || KEY("alloc_order")) {
			if (neg || v > MAX_PAGE_ORDER)
				return trace_set_error(error, r, ev->lineno, "order %.*s > %d",
						       (int)MIN(vlen, 40), val, MAX_PAGE_ORDER);
			ev->order = (uint8_t)v;
			have |= F_ORDER;
		} else if (KEY("migratetype") || KEY("alloc_migratetype")) {
			if (neg || v >= TRACE_NR_MT)
				return trace_set_error(error, r, ev->lineno,
						       "migratetype %.*s out of range",
						       (int)MIN(vlen, 40), val);
			ev->migratetype = (uint8_t)v;
			have |= F_MT;
		} else if (KEY("fallback_order")) {
			if (neg || v > MAX_PAGE_ORDER)
				return trace_set_error(error, r, ev->lineno,
						       "fallback_order %.*s > %d",
						       (int)MIN(vlen, 40), val, MAX_PAGE_ORDER);
			ev->fallback_order = (uint8_t)v;
			have |= F_FORDER;
		} else if (KEY("fallback_migratetype")) {
			if (neg || v >= TRACE_NR_MT)
				return trace_set_error(error, r, ev->lineno,
						       "fallback_migratetype %.*s out of range",
						       (int)MIN(vlen, 40), val);
			ev->fallback_migratetype = (uint8_t)v;
			have |= F_FMT;
		} else if (KEY("change_ownership")) {
			if (v)
				ev->flags |= TRACE_EVF_CHANGE_OWNERSHIP;
		} else if (KEY("percpu_refill")) {
			if (v)
				ev->flags |= TRACE_EVF_PERCPU_REFILL;
		} else if (KEY("node_id") || KEY("nid")) {
			ev->node = (uint8_t)MIN(v, 255);
		} else if (KEY("zid")) {
			ev->zone = v < MAX_NR_ZONES ? (uint8_t)v : TRACE_ZONE_UNKNOWN;
		} else if (KEY("min") || KEY("watermark_min") || KEY("lowmem_reserve_pages") ||
			   KEY("lowmem_reserve") || KEY("totalreserve_pages")) {
			ev->arg[0] = v;
		} else if (KEY("low") || KEY("watermark_low")) {
			ev->arg[1] = v;
		} else if (KEY("high") || KEY("watermark_high")) {
			ev->arg[2] = v;
		} else if (KEY("promo") || KEY("watermark_promo")) {
			ev->arg[3] = v;
		}
		/* other keys of known events are ignored */
	}

	switch (ev->type) {
	case TRACE_EV_PAGE_ALLOC:
		if ((have & (F_PFN | F_ORDER)) != (F_PFN | F_ORDER))
			goto out_missing;
		/* failed: pfn -1 recorded, printed as 0 with a NULL page */
		if (ev->pfn == UINT64_MAX || ev->pfn == 0 || (page_zero && ev->pfn == 0)) {
			ev->pfn = TRACE_PFN_NONE;
			ev->flags |= TRACE_EVF_FAILED;
		}
		break;
	case TRACE_EV_PAGE_FREE:
	case TRACE_EV_PAGE_FREE_BATCHED:
		if (!(have & F_PFN) || (ev->type == TRACE_EV_PAGE_FREE && !(have & F_ORDER)))
			goto out_missing;
		break;
	case TRACE_EV_PAGE_ALLOC_EXTFRAG:
		if ((have & (F_PFN | F_ORDER | F_MT | F_FORDER | F_FMT)) !=
		    (F_PFN | F_ORDER | F_MT | F_FORDER | F_FMT))
			goto out_missing;
		break;
	case TRACE_EV_PAGE_ALLOC_ZONE_LOCKED:
	case TRACE_EV_PAGE_PCPU_DRAIN:
		if ((have & (F_PFN | F_ORDER | F_MT)) != (F_PFN | F_ORDER | F_MT))
			goto out_missing;
		break;
	default:
		break;
	}
	return true;

out_missing:
	return trace_set_error(error, r, ev->lineno, "%s: missing fields (need pfn, order%s)",
			       trace_event_name((enum trace_event_type)ev->type),
			       ev->type == TRACE_EV_PAGE_ALLOC_EXTFRAG ?
			       ", alloc/fallback order and migratetype" :
			       ev->type >= TRACE_EV_PAGE_ALLOC_ZONE_LOCKED ? ", migratetype" : "");
}

#undef KEY

bool text_parse_lost(const char *p, const char *e, struct trace_event *ev)
{
	uint64_t cpu = 0, n = 0;
	const char *q = p + 4;

	if (e - p < 8 || memcmp(p, "CPU:", 4))
		return false;
	while (q < e && text_is_digit(*q))
		cpu = cpu * 10 + (uint64_t)(*q++ - '0');
	if (q == p + 4 || e - q < 3 || memcmp(q, " [", 2) || cpu >= TRACE_MAX_CPUS)
		return false;
	q += 2;
	if (e - q > 5 && !memcmp(q, "LOST ", 5))
		q += 5;
	while (q < e && text_is_digit(*q))
		n = n * 10 + (uint64_t)(*q++ - '0');
	/* "[EVENTS DROPPED]": lost, count unknown (0) */
	if (q < e && *q == ' ')
		q++;
	if (e - q < 6 || memcmp(q, "EVENTS", 6))
		return false;
	ev->type = TRACE_EV_LOST;
	ev->cpu = (uint16_t)cpu;
	ev->arg[0] = n;
	return true;
}

/* Show at most 60 bytes of a bad line, escaping what is not printable. */
static char *quote_line(const char *p, const char *e)
{
	GString *s = g_string_new(NULL);

	for (const char *q = p; q < e && s->len < 60; q++) {
		if (g_ascii_isprint(*q))
			g_string_append_c(s, *q);
		else
			g_string_append_printf(s, "\\x%02x", (unsigned char)*q);
	}
	if (e - p > 60)
		g_string_append(s, "...");
	return g_string_free(s, FALSE);
}

static bool parse_event_line(struct trace_reader *r, struct text_state *st, const char *p,
			     const char *e, struct trace_event *ev, GError **error)
{
	const char *ts, *ts_end, *name, *name_end, *q;

	ts = text_find_timestamp(p, e, &ts_end);
	if (!ts || !st->tf->prefix(p, ts, ev)) {
		g_autofree char *quoted = quote_line(p, e);

		if (st->partial)
			return trace_set_error(error, r, ev->lineno,
					       "truncated last line (no newline): '%s'", quoted);
		return trace_set_error(error, r, ev->lineno, "not an event line of %s: '%s'",
				       trace_format_name(st->tf->fmt), quoted);
	}
	if (!parse_ts(r, ts, ts_end, &ev->ts))
		return trace_set_error(error, r, ev->lineno, "bad timestamp");

	/* event name: "mm_page_alloc:" or perf's "kmem:mm_page_alloc:" */
	name = ts_end + 1;
	while (name < e && *name == ' ')
		name++;
	q = memchr(name, ':', (size_t)(e - name));
	if (!q) {
		g_autofree char *quoted = quote_line(p, e);

		return trace_set_error(error, r, ev->lineno, "no event name: '%s'", quoted);
	}
	name_end = q;
	if (q + 1 < e && q[1] != ' ') {
		const char *q2 = memchr(q + 1, ':', (size_t)(e - q - 1));

		if (q2) {
			name = q + 1;
			name_end = q2;
		}
	}
	ev->type = (uint8_t)trace_event_lookup(name, (size_t)(name_end - name));
	if (ev->type == TRACE_EV_OTHER || ev->type >= TRACE_EV_COMPACTION_BEGIN)
		return true;		/* counted only */
	return parse_fields(r, st, name_end + 1, e, ev, error);
}

int text_next(struct trace_reader *r, struct trace_event *ev, GError **error)
{
	struct text_state *st = r->priv;
	const char *p, *e;
	int ret;

	for (;;) {
		const char *b;

		ret = next_line(r, st, &st->lineno, &p, &e, error);
		if (ret <= 0)
			return ret;
		b = p;
		while (b < e && (*b == ' ' || *b == '\t'))
			b++;
		if (b == e)
			continue;
		memset(ev, 0, sizeof(*ev));
		ev->lineno = st->lineno;
		ev->zone = TRACE_ZONE_UNKNOWN;
		switch (st->tf->special(r, p, e, ev)) {
		case TEXT_LINE_SKIP:
			continue;
		case TEXT_LINE_LOST:
			return 1;
		case TEXT_LINE_EVENT:
			break;
		}
		if (!parse_event_line(r, st, b, e, ev, error))
			return -1;
		return 1;
	}
}

enum trace_format text_detect(const char *buf, size_t len)
{
	const char *p = buf, *end = buf + len;
	int lines = 0;

	while (p < end && lines++ < 1000) {
		const char *e = memchr(p, '\n', (size_t)(end - p));
		const char *b = p, *ts, *ts_end, *q, *t;
		uint16_t cpu;

		if (!e)
			break;			/* a partial line says little */
		while (b < e && (*b == ' ' || *b == '\t'))
			b++;
		p = e + 1;
		if (b == e)
			continue;
		if (!strncmp(b, "# tracer:", 9))
			return TRACE_FMT_FTRACE;
		if (!strncmp(b, "cpus=", 5) || !strncmp(b, "version =", 9))
			return TRACE_FMT_TRACECMD;
		if (*b == '#' || !strncmp(b, "CPU", 3))
			continue;
		ts = text_find_timestamp(b, e, &ts_end);
		if (!ts)
			return TRACE_FMT_FTRACE;	/* the ftrace reader reports it */
		q = text_back_blanks(b, ts);
		t = text_back_token(b, q);
		if (text_is_digit(*t) && q - t > 4)
			return TRACE_FMT_TRACECMD;	/* latency: "0d..3." */
		if (text_is_flags(t, q))
			return TRACE_FMT_FTRACE;
		if (!text_back_cpu(b, q, &cpu))
			return TRACE_FMT_FTRACE;
		q = text_back_blanks(b, text_back_token(b, q));
		{
			uint64_t v;
			const char *d = text_back_number(b, q, &v);

			if (d < q && d > b && (d[-1] == ' ' || d[-1] == '/'))
				return TRACE_FMT_PERF;
		}
		/* "comm-pid [cpu] ts: name:" : trace-cmd pads names to 20 columns */
		q = memchr(ts_end + 1, ':', (size_t)(e - ts_end - 1));
		if (q && q + 2 < e && q[1] == ' ' && q[2] == ' ')
			return TRACE_FMT_TRACECMD;
		return TRACE_FMT_FTRACE;
	}
	return TRACE_FMT_FTRACE;
}
