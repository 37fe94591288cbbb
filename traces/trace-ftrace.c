// SPDX-License-Identifier: GPL-2.0-only
/*
 * Kernel ftrace text, as read from /sys/kernel/tracing/trace or trace_pipe
 * (kernel/trace/trace_output.c, Linux 4.x .. 6.18):
 *
 *            bash-22827   [000] .....   501.299908: mm_page_free: page=... pfn=0x17bb4c order=0
 *           sleep-6601    (   6601) [001]    786.591138: mm_page_free: ...
 *
 * comm-pid (comm may hold '-', ' ', '/', ':'; pid after the last '-'),
 * an optional "(tgid)" (options/record-tgid), "[cpu]", an optional 4- or
 * 5-character irq-info column, then the timestamp: seconds with 6 decimals,
 * or integer ticks with the x86-tsc and counter clocks.
 */
#include <string.h>
#include "trace-private.h"

static bool ftrace_prefix(const char *p, const char *ts, struct trace_event *ev)
{
	const char *q = text_back_blanks(p, ts);
	const char *t = text_back_token(p, q);
	const char *cpu;

	if (text_is_flags(t, q))
		q = text_back_blanks(p, t);
	cpu = text_back_cpu(p, q, &ev->cpu);
	if (!cpu)
		return false;
	q = text_back_blanks(p, cpu);
	if (q > p && q[-1] == ')') {		/* record-tgid: "(  6601)" */
		const char *open = q - 1;

		while (open > p && *open != '(')
			open--;
		if (*open != '(')
			return false;
		q = text_back_blanks(p, open);
	}
	return text_back_comm_pid(p, q, &ev->pid);
}

/* "# entries-in-buffer/entries-written: 72889/73000   #P:2" */
static void parse_entries(struct trace_reader *r, const char *p, const char *e)
{
	static const char key[] = "entries-in-buffer/entries-written: ";
	const char *q = memmem(p, (size_t)(e - p), key, sizeof(key) - 1);
	uint64_t in_buf = 0, written = 0;

	if (!q)
		return;
	for (q += sizeof(key) - 1; q < e && text_is_digit(*q); q++)
		in_buf = in_buf * 10 + (uint64_t)(*q - '0');
	if (q == e || *q++ != '/')
		return;
	for (; q < e && text_is_digit(*q); q++)
		written = written * 10 + (uint64_t)(*q - '0');
	if (written > in_buf)
		r->warn.overwritten += written - in_buf;
}

static enum text_line ftrace_special(struct trace_reader *r, const char *p, const char *e,
				     struct trace_event *ev)
{
	while (p < e && (*p == ' ' || *p == '\t'))
		p++;
	if (*p == '#') {
		parse_entries(r, p, e);
		return TEXT_LINE_SKIP;
	}
	if (*p == 'C' && text_parse_lost(p, e, ev))
		return TEXT_LINE_LOST;
	return TEXT_LINE_EVENT;
}

const struct text_format trace_ftrace_text = {
	.fmt = TRACE_FMT_FTRACE,
	.special = ftrace_special,
	.prefix = ftrace_prefix,
};

static bool ftrace_open(struct trace_reader *r, GError **error)
{
	return text_open(r, &trace_ftrace_text, error);
}

const struct trace_format_ops trace_ftrace_ops = {
	.fmt = TRACE_FMT_FTRACE,
	.open = ftrace_open,
	.next = text_next,
	.close = text_close,
};
