// SPDX-License-Identifier: GPL-2.0-only
/*
 * `trace-cmd report` text (trace-cmd 3.1.6, libtraceevent 1.7.1; 3.3+):
 *
 *   cpus=2
 *            bash-22827 [000]   501.299908: mm_page_alloc:        page=0x2e3388 pfn=0x2e3388 ...
 *            bash-22827   0.....   501.299908: mm_page_alloc:     ...      (-l, latency)
 *            bash-22827 [000]   501.299908122: mm_page_alloc:     ...      (-t, ns)
 *            bash-22827 [000]   501.299908: mm_page_alloc:         pfn=0x2e3388 order=0 gfp_flags=0x440dc0 migratetype=0   (-R)
 *
 * Lost events print as "CPU:N [M EVENTS DROPPED]"; events and markers of a
 * buffer instance (extract -B NAME) are prefixed with "NAME: ".  Note: trace-cmd's
 * "fragmenting=" is wrong (an expression it cannot evaluate); ignored.
 */
#include <string.h>
#include "trace-private.h"

static bool tracecmd_prefix(const char *p, const char *ts, struct trace_event *ev)
{
	const char *q = text_back_blanks(p, ts);
	const char *t = text_back_token(p, q);
	const char *cpu;

	if (t < q && text_is_digit(*t)) {	/* latency: cpu then flags, "1d..3." */
		uint64_t v = 0;
		const char *f = t;

		while (f < q && text_is_digit(*f) && f - t < 5)
			v = v * 10 + (uint64_t)(*f++ - '0');
		if (!text_is_flags(f, q) || v >= TRACE_MAX_CPUS)
			return false;
		ev->cpu = (uint16_t)v;
		return text_back_comm_pid(p, text_back_blanks(p, t), &ev->pid);
	}
	if (text_is_flags(t, q))		/* 3.3+ may print the flags column */
		q = text_back_blanks(p, t);
	cpu = text_back_cpu(p, q, &ev->cpu);
	if (!cpu)
		return false;
	return text_back_comm_pid(p, text_back_blanks(p, cpu), &ev->pid);
}

static enum text_line tracecmd_special(struct trace_reader *r, const char *p, const char *e,
				       struct trace_event *ev)
{
	size_t len;

	while (p < e && (*p == ' ' || *p == '\t'))
		p++;
	len = (size_t)(e - p);
	if (*p == '#')
		return TEXT_LINE_SKIP;
	if ((len >= 5 && !memcmp(p, "cpus=", 5)) || (len >= 9 && !memcmp(p, "version =", 9)))
		return TEXT_LINE_SKIP;
	if (*p != 'C' && len > 6) {
		/* buffer instances are prefixed: "acceptsim-4953: CPU:1 [627878 EVENTS DROPPED]" */
		const char *q = p;

		/* the first blank ends the instance name: ": CPU:" must come before it */
		while (q < e && *q != ' ' && *q != '\t')
			q++;
		if (q - p > 1 && q[-1] == ':' && e - q >= 5 && !memcmp(q, " CPU:", 5) &&
		    text_parse_lost(q + 1, e, ev))
			return TEXT_LINE_LOST;
	}
	if (*p == 'C') {
		if (text_parse_lost(p, e, ev))
			return TEXT_LINE_LOST;
		if (len > 12 && !memcmp(p, "CPU ", 4) && !memcmp(e - 8, "is empty", 8))
			return TEXT_LINE_SKIP;
	}
	return TEXT_LINE_EVENT;
}

const struct text_format trace_tracecmd_text = {
	.fmt = TRACE_FMT_TRACECMD,
	.special = tracecmd_special,
	.prefix = tracecmd_prefix,
};

static bool tracecmd_open(struct trace_reader *r, GError **error)
{
	return text_open(r, &trace_tracecmd_text, error);
}

const struct trace_format_ops trace_tracecmd_ops = {
	.fmt = TRACE_FMT_TRACECMD,
	.open = tracecmd_open,
	.next = text_next,
	.close = text_close,
};
