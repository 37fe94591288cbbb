// SPDX-License-Identifier: GPL-2.0-only
/*
 * `perf script` text of kmem tracepoints (perf 6.1):
 *
 *              hog 25326 [000]   566.480729:         kmem:mm_page_alloc: page=0x45a65e ...
 *              hog 25326/25326 [000]   566.480729:   kmem:mm_page_alloc: ...   (-F ...,pid,tid)
 *
 * comm (may hold spaces), tid or pid/tid, "[cpu]", seconds with 6
 * decimals, "system:event:".  With -g each sample is followed by
 * tab-indented callchain lines and a blank line: skipped and counted.
 */
#include <string.h>
#include "trace-private.h"

static bool perf_prefix(const char *p, const char *ts, struct trace_event *ev)
{
	const char *q = text_back_blanks(p, ts);
	const char *cpu = text_back_cpu(p, q, &ev->cpu);
	const char *d;
	uint64_t tid, pid;

	if (!cpu)
		return false;
	q = text_back_blanks(p, cpu);
	d = text_back_number(p, q, &tid);
	if (d == q || tid > UINT32_MAX)
		return false;
	if (d > p && d[-1] == '/') {
		const char *d2 = text_back_number(p, d - 1, &pid);

		if (d2 == d - 1)
			return false;
		d = d2;
	}
	if (d > p && d[-1] != ' ' && d[-1] != '\t')
		return false;
	ev->pid = (uint32_t)tid;
	return true;
}

static enum text_line perf_special(struct trace_reader *r, const char *p, const char *e,
				   struct trace_event *ev)
{
	if (*p == '\t') {			/* callchain */
		r->warn.skipped_lines++;
		return TEXT_LINE_SKIP;
	}
	while (p < e && *p == ' ')
		p++;
	if (*p == '#')
		return TEXT_LINE_SKIP;
	if (*p == 'C' && text_parse_lost(p, e, ev))
		return TEXT_LINE_LOST;
	return TEXT_LINE_EVENT;
}

const struct text_format trace_perf_text = {
	.fmt = TRACE_FMT_PERF,
	.special = perf_special,
	.prefix = perf_prefix,
};

static bool perf_open(struct trace_reader *r, GError **error)
{
	return text_open(r, &trace_perf_text, error);
}

const struct trace_format_ops trace_perf_ops = {
	.fmt = TRACE_FMT_PERF,
	.open = perf_open,
	.next = text_next,
	.close = text_close,
};
