/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Internals of the trace readers, shared inside traces/ only: the byte
 * source (plain, gzip or zstd), the reader object and the per-format
 * operations, and the text scanning helpers of the three text formats.
 */
#ifndef TRACES_TRACE_PRIVATE_H
#define TRACES_TRACE_PRIVATE_H

#include <stddef.h>
#include <sys/types.h>
#include "trace.h"

/* in input.c: a file, decompressed on the fly if gzip or zstd */
struct trace_input;
struct trace_input *trace_input_open(const char *path, GError **error);
/* Returns bytes read, 0 at the end, -1 with @error set. */
ssize_t trace_input_read(struct trace_input *in, void *buf, size_t len, GError **error);
/* Read until @len bytes or the end; returns bytes read or -1. */
ssize_t trace_input_read_full(struct trace_input *in, void *buf, size_t len, GError **error);
const char *trace_input_compression(const struct trace_input *in);
bool trace_input_is_compressed(const struct trace_input *in);
int trace_input_fd(const struct trace_input *in);
uint64_t trace_input_file_size(const struct trace_input *in);
void trace_input_close(struct trace_input *in);

#define TRACE_PEEK_SIZE		(64 * 1024)	/* bytes read for format detection */

#define TRACE_DAT_MAGIC		"\x17\x08\x44tracing"
#define TRACE_DAT_MAGIC_LEN	10
#define TRACE_NATIVE_MAGIC	"\x89" "ACSTRC\n"
#define TRACE_NATIVE_MAGIC_LEN	8

struct trace_reader;

struct trace_format_ops {
	enum trace_format fmt;
	/* Set up r->priv; r->peek holds the first bytes already read. */
	bool (*open)(struct trace_reader *r, GError **error);
	/* As trace_reader_next(), before the common checks. */
	int (*next)(struct trace_reader *r, struct trace_event *ev, GError **error);
	void (*close)(struct trace_reader *r);
};

struct trace_reader {
	const struct trace_format_ops *ops;
	char *path;				/* as given, for messages */
	struct trace_input *in;
	struct trace_warnings warn;
	uint64_t bytes;				/* uncompressed bytes consumed */
	bool counter_clock;			/* integer timestamps */
	char *peek;				/* first bytes of the (decompressed) input */
	size_t peek_len;
	uint64_t *cpu_last_ts;			/* by cpu, for the time checks */
	uint64_t last_ts;			/* of the previous event, any cpu */
	void *priv;				/* the format's state */
};

extern const struct trace_format_ops trace_ftrace_ops;
extern const struct trace_format_ops trace_tracecmd_ops;
extern const struct trace_format_ops trace_perf_ops;
extern const struct trace_format_ops trace_dat_ops;
extern const struct trace_format_ops trace_native_ops;

/*
 * in trace-dat.c: where the kmem fields of one event id lie in its record,
 * shared by the direct reader and the libtracecmd one (trace-dat-tracecmd.c)
 */
enum dat_field_id {
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

#define DAT_FIELD_ALIASES	3

/* Field names by id: raw names of include/trace/events/{kmem,vmscan}.h. */
extern const char *const dat_field_names[DF_NR][DAT_FIELD_ALIASES];

struct dat_field {
	uint16_t offset;			/* bytes into the record */
	uint16_t size;				/* bytes; 0: the event has no such field */
};

struct dat_layout {
	uint8_t type;				/* enum trace_event_type */
	struct dat_field f[DF_NR];
};

/* Which field of @names (a dat_field_names row) is @name; -1 if none. */
int dat_field_lookup(const char *name, size_t len);

/*
 * Fill @ev from one raw record of @size bytes (host byte order) laid out
 * as @dl; @pid is the common_pid field.  @ev was zeroed by the caller.
 */
void dat_fill_event(const struct dat_layout *dl, struct dat_field pid, const uint8_t *data,
		    uint32_t size, uint64_t ts, int cpu, struct trace_event *ev);

/* in trace-dat-tracecmd.c: the reference reader, through libtracecmd */
struct dat_tracecmd;
/* Open @path (an uncompressed trace.dat) for @r; messages name r->path. */
struct dat_tracecmd *dat_tracecmd_open(struct trace_reader *r, const char *path,
				       GError **error);
int dat_tracecmd_next(struct trace_reader *r, struct dat_tracecmd *tc, struct trace_event *ev,
		      GError **error);
void dat_tracecmd_close(struct dat_tracecmd *tc);

/* in trace-text.c: the line reader and kmem field parser of all text formats */

enum text_line {
	TEXT_LINE_EVENT,			/* parse as an event line */
	TEXT_LINE_SKIP,				/* header, comment, blank */
	TEXT_LINE_LOST,				/* @ev filled as TRACE_EV_LOST */
};

struct text_format {
	enum trace_format fmt;
	/*
	 * Classify a line [p, e) (leading blanks skipped) that may be no
	 * event: headers, comments, lost-event markers.
	 */
	enum text_line (*special)(struct trace_reader *r, const char *p, const char *e,
				  struct trace_event *ev);
	/*
	 * Parse the part before the timestamp: [p, ts) ends with blanks.
	 * Fills pid and cpu; false if the layout is not this format's.
	 */
	bool (*prefix)(const char *p, const char *ts, struct trace_event *ev);
};

extern const struct text_format trace_ftrace_text;
extern const struct text_format trace_tracecmd_text;
extern const struct text_format trace_perf_text;

bool text_open(struct trace_reader *r, const struct text_format *tf, GError **error);
int text_next(struct trace_reader *r, struct trace_event *ev, GError **error);
void text_close(struct trace_reader *r);
/* Guess the text format from the first lines in @buf; FTRACE if unsure. */
enum trace_format text_detect(const char *buf, size_t len);
/* Find the timestamp of an event line: start of its digits, or NULL. */
const char *text_find_timestamp(const char *p, const char *e, const char **ts_end);

/* "CPU:N [LOST M EVENTS]" (kernel) and "CPU:N [M EVENTS DROPPED]" (trace-cmd). */
bool text_parse_lost(const char *p, const char *e, struct trace_event *ev);

static inline bool text_is_digit(char c)
{
	return (unsigned char)(c - '0') < 10;
}

/* Parse decimal digits ending at @e (exclusive) backwards; returns their start. */
static inline const char *text_back_number(const char *p, const char *e, uint64_t *val)
{
	const char *q = e;
	uint64_t v = 0, mul = 1;

	while (q > p && text_is_digit(q[-1]) && e - q < 19) {
		q--;
		v += (uint64_t)(*q - '0') * mul;
		mul *= 10;
	}
	*val = v;
	return q;
}

static inline const char *text_back_blanks(const char *p, const char *e)
{
	while (e > p && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	return e;
}

/*
 * "[003]" ending at @e: set *cpu and return its '['; NULL if @e does not
 * end with a bracketed CPU number.
 */
static inline const char *text_back_cpu(const char *p, const char *e, uint16_t *cpu)
{
	uint64_t v;
	const char *q;

	if (e - p < 3 || e[-1] != ']')
		return NULL;
	q = text_back_number(p, e - 1, &v);
	if (q == e - 1 || q == p || q[-1] != '[' || v >= TRACE_MAX_CPUS)
		return NULL;
	*cpu = (uint16_t)v;
	return q - 1;
}

/* One of the kernel's irq-info flag characters (trace_print_lat_fmt()). */
static inline bool text_is_flag_char(char c)
{
	switch (c) {
	case '.': case 'd': case 'D': case 'X': case 'b': case 'B':
	case 'n': case 'N': case 'p': case 'P': case 'h': case 'H':
	case 's': case 'S': case 'z': case 'Z':
		return true;
	default:
		return text_is_digit(c);
	}
}

/* The flags column of [p, e): 4 or 5 flag characters, first not a digit. */
static inline bool text_is_flags(const char *p, const char *e)
{
	if (e - p != 4 && e - p != 5)
		return false;
	if (text_is_digit(*p))
		return false;
	for (const char *q = p; q < e; q++)
		if (!text_is_flag_char(*q))
			return false;
	return true;
}

/* Start of the blank-free token ending at @e. */
static inline const char *text_back_token(const char *p, const char *e)
{
	while (e > p && e[-1] != ' ' && e[-1] != '\t')
		e--;
	return e;
}

/* "comm-pid" ending at @e: pid after the last '-'; false if none. */
static inline bool text_back_comm_pid(const char *p, const char *e, uint32_t *pid)
{
	uint64_t v;
	const char *q = text_back_number(p, e, &v);

	if (q == e || q == p || q[-1] != '-' || v > UINT32_MAX)
		return false;
	*pid = (uint32_t)v;
	return true;
}

/* in trace.c */
bool trace_set_error(GError **error, const struct trace_reader *r, uint64_t lineno,
		     const char *fmt, ...) G_GNUC_PRINTF(4, 5);

#endif /* TRACES_TRACE_PRIVATE_H */
