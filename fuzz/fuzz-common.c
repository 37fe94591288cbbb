// SPDX-License-Identifier: GPL-2.0-only
/*
 * Helpers of every harness (fuzz.h): scratch files, GLib logging, and the
 * trace reading loop with its binary-format round trip.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "fuzz.h"
#include "traces/trace.h"

#define FUZZ_SLOTS		4
/* Decompressed bytes read at most from one input: a bomb is not a bug. */
#define FUZZ_MAX_TRACE_BYTES	(256ULL << 20)

static char *scratch[FUZZ_SLOTS];

static void remove_scratch(void)
{
	for (int i = 0; i < FUZZ_SLOTS; i++)
		if (scratch[i])
			unlink(scratch[i]);
}

static void log_handler(const char *domain, GLogLevelFlags level, const char *message,
			gpointer data)
{
	if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL)) {
		fprintf(stderr, "%s-CRITICAL: %s\n", domain ? domain : "**", message);
		abort();
	}
	/* warnings about hostile input are expected: keep the output short */
}

void fuzz_init(void)
{
	static bool done;

	if (done)
		return;
	done = true;
	g_log_set_default_handler(log_handler, NULL);
	g_log_set_always_fatal(G_LOG_LEVEL_CRITICAL);
	atexit(remove_scratch);
}

const char *fuzz_scratch_path(unsigned int slot, const char *suffix)
{
	g_assert(slot < FUZZ_SLOTS);
	if (!scratch[slot]) {
		g_autofree char *tmpl = g_strdup_printf("acceptsim-fuzz-XXXXXX%s", suffix);
		GError *error = NULL;
		int fd = g_file_open_tmp(tmpl, &scratch[slot], &error);

		if (fd < 0) {
			fprintf(stderr, "fuzz: scratch file: %s\n", error->message);
			abort();
		}
		close(fd);
	}
	return scratch[slot];
}

const char *fuzz_write_file(unsigned int slot, const char *suffix, const void *data,
			    size_t size)
{
	const char *path = fuzz_scratch_path(slot, suffix);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	const char *p = data;

	if (fd < 0) {
		fprintf(stderr, "fuzz: %s: %s\n", path, strerror(errno));
		abort();
	}
	while (size) {
		ssize_t n = write(fd, p, size);

		if (n <= 0) {
			fprintf(stderr, "fuzz: write %s: %s\n", path, strerror(errno));
			abort();
		}
		p += n;
		size -= (size_t)n;
	}
	close(fd);
	return path;
}

GArray *fuzz_trace_events(const char *path, char **msg)
{
	g_autoptr(GError) error = NULL;
	struct trace_reader *r = trace_reader_open(path, &error);
	GArray *events;
	struct trace_event ev;
	int ret;

	if (!r) {
		*msg = g_strdup(error->message);
		return NULL;
	}
	events = g_array_new(FALSE, FALSE, sizeof(struct trace_event));
	while ((ret = trace_reader_next(r, &ev, &error)) > 0) {
		g_array_append_val(events, ev);
		if (trace_reader_bytes(r) > FUZZ_MAX_TRACE_BYTES)
			break;
	}
	if (ret < 0) {
		g_assert(error);
		*msg = g_strdup(error->message);
		g_array_free(events, TRUE);
		events = NULL;
	} else {
		g_assert(!error);
		*msg = NULL;
	}
	trace_reader_close(r);
	return events;
}

static bool same_event(const struct trace_event *a, const struct trace_event *b, bool all)
{
	if (a->type != b->type || a->ts != b->ts || a->cpu != b->cpu || a->pid != b->pid)
		return false;
	if (!all)
		return true;
	return a->pfn == b->pfn && !memcmp(a->arg, b->arg, sizeof(a->arg)) &&
	       a->gfp == b->gfp && a->order == b->order && a->migratetype == b->migratetype &&
	       a->fallback_order == b->fallback_order &&
	       a->fallback_migratetype == b->fallback_migratetype && a->flags == b->flags &&
	       a->node == b->node && a->zone == b->zone;
}

/* Write @events to the binary format at scratch slot @slot; its path. */
static const char *write_native(GArray *events, bool counter_clock, unsigned int slot)
{
	const char *path = fuzz_scratch_path(slot, ".acstrace");
	g_autoptr(GError) error = NULL;
	struct trace_writer *w = trace_writer_open(path, &error);

	if (!w) {
		fprintf(stderr, "fuzz: %s\n", error->message);
		abort();
	}
	trace_writer_set_counter_clock(w, counter_clock);
	for (guint i = 0; i < events->len; i++) {
		if (!trace_writer_add(w, &g_array_index(events, struct trace_event, i), &error)) {
			fprintf(stderr, "fuzz: writing event %u of a trace read back: %s\n", i,
				error->message);
			abort();
		}
	}
	if (!trace_writer_commit(w, &error)) {
		fprintf(stderr, "fuzz: %s\n", error->message);
		abort();
	}
	return path;
}

static void compare_events(GArray *a, GArray *b, bool all, const char *what)
{
	if (a->len != b->len) {
		fprintf(stderr, "fuzz: %s: %u events, then %u\n", what, a->len, b->len);
		abort();
	}
	for (guint i = 0; i < a->len; i++) {
		if (!same_event(&g_array_index(a, struct trace_event, i),
				&g_array_index(b, struct trace_event, i), all)) {
			fprintf(stderr, "fuzz: %s: event %u differs\n", what, i);
			abort();
		}
	}
}

/* The round trip of fuzz_trace_read(): read events -> binary -> binary. */
static void round_trip(GArray *events, bool counter_clock)
{
	g_autofree char *msg1 = NULL, *msg2 = NULL;
	g_autoptr(GArray) once = NULL, twice = NULL;

	once = fuzz_trace_events(write_native(events, counter_clock, 2), &msg1);
	if (!once) {
		fprintf(stderr, "fuzz: binary copy of a good trace does not read: %s\n", msg1);
		abort();
	}
	compare_events(events, once, false, "input vs binary copy");
	twice = fuzz_trace_events(write_native(once, counter_clock, 3), &msg2);
	if (!twice) {
		fprintf(stderr, "fuzz: second binary copy does not read: %s\n", msg2);
		abort();
	}
	compare_events(once, twice, true, "binary copy vs its copy");
}

int fuzz_trace_read(const char *path, int want_format)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GArray) events = g_array_new(FALSE, FALSE, sizeof(struct trace_event));
	struct trace_reader *r = trace_reader_open(path, &error);
	struct trace_event ev;
	bool counter_clock, complete = true;
	int ret;

	if (!r) {
		g_assert(error && error->message);
		return 0;
	}
	if (want_format != -1 && (int)trace_reader_format(r) != want_format) {
		trace_reader_close(r);
		return -1;
	}
	while ((ret = trace_reader_next(r, &ev, &error)) > 0) {
		g_array_append_val(events, ev);
		if (trace_reader_bytes(r) > FUZZ_MAX_TRACE_BYTES) {
			complete = false;
			break;
		}
	}
	g_assert((ret < 0) == (error != NULL));
	counter_clock = trace_reader_counter_clock(r);
	trace_reader_close(r);
	if (ret == 0 && complete)
		round_trip(events, counter_clock);
	return 0;
}
