// SPDX-License-Identifier: GPL-2.0-only
/*
 * trace.dat through libtracecmd and libtraceevent: the reference reader.
 * trace-dat.c reads ring-buffer pages itself and comes here only for what
 * it leaves alone (timestamps shifted or scaled by file options, another
 * byte order) or when ACCEPTSIM_DAT_SLOW is set; tests compare the two.
 * Records of every CPU of every buffer are merged in timestamp order, the
 * lowest stream first on equal timestamps, as the direct reader does.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include "trace-private.h"

#ifdef HAVE_TRACECMD
#include <trace-cmd.h>

/* Exported by libtracecmd since 2.x, declared only in its private header. */
int tracecmd_cpus(struct tracecmd_input *handle);

/* One CPU of one buffer (the top one or an instance). */
struct tc_stream {
	struct tracecmd_input *handle;
	int cpu;
	struct tep_record *next;		/* the record to merge next, NULL at end */
};

struct dat_tracecmd {
	struct tracecmd_input *handle;		/* the top buffer */
	struct tep_handle *tep;
	struct tracecmd_input **instances;	/* buffer instances, closed at the end */
	int nr_instances;
	struct tc_stream *streams;
	int nr_streams;
	struct dat_layout *by_id;		/* indexed by event id */
	int nr_ids;
	struct dat_field common_type;		/* event id of a record */
	struct dat_field common_pid;
	bool swap;				/* the file's byte order is not ours */
	struct tep_format_field *tep_type;	/* for swapped files */
	struct tep_format_field *tep_pid;
	uint64_t recno;				/* records returned, from 1 */
	struct tep_record *held;		/* returned after its LOST marker */
	int held_stream;
};

static struct dat_field to_field(const struct tep_format_field *f)
{
	struct dat_field d = { 0, 0 };

	if (f && f->offset >= 0 && f->size > 0 && f->offset + f->size <= 0xffff) {
		d.offset = (uint16_t)f->offset;
		d.size = (uint16_t)f->size;
	}
	return d;
}

static bool map_events(struct trace_reader *r, struct dat_tracecmd *tc, GError **error)
{
	int n = tep_get_events_count(tc->tep);

	tc->nr_ids = 0;
	for (int i = 0; i < n; i++) {
		struct tep_event *e = tep_get_event(tc->tep, i);

		if (e && e->id >= tc->nr_ids)
			tc->nr_ids = e->id + 1;
	}
	tc->by_id = g_new0(struct dat_layout, tc->nr_ids > 0 ? tc->nr_ids : 1);
	for (int id = 0; id < tc->nr_ids; id++)
		tc->by_id[id].type = TRACE_EV_OTHER;
	for (int i = 0; i < n; i++) {
		struct tep_event *e = tep_get_event(tc->tep, i);
		struct dat_layout *dl;
		enum trace_event_type type;

		if (!e || e->id < 0 || !e->name)
			continue;
		if (!tc->tep_type) {
			tc->tep_type = tep_find_common_field(e, "common_type");
			tc->tep_pid = tep_find_common_field(e, "common_pid");
			tc->common_type = to_field(tc->tep_type);
			tc->common_pid = to_field(tc->tep_pid);
		}
		type = trace_event_lookup(e->name, strlen(e->name));
		dl = &tc->by_id[e->id];
		dl->type = (uint8_t)type;
		if (type == TRACE_EV_OTHER)
			continue;
		for (int f = 0; f < DF_NR; f++)
			for (int k = 0; k < DAT_FIELD_ALIASES && dat_field_names[f][k] &&
					!dl->f[f].size; k++)
				dl->f[f] = to_field(tep_find_field(e, dat_field_names[f][k]));
		if (type >= TRACE_EV_PAGE_ALLOC && type <= TRACE_EV_PAGE_PCPU_DRAIN &&
		    !dl->f[DF_PFN].size) {
			g_set_error(error, TRACE_ERROR, TRACE_ERROR_UNSUPPORTED,
				    "%s: %s has no pfn field (kernel older than 4.x?)",
				    r->path, e->name);
			return false;
		}
	}
	return true;
}

/*
 * libtracecmd 3.1.6 (Debian 12) dereferences NULL in tracecmd_close() when
 * tracecmd_open() gives up on some corrupt v7 files half-way (the CPU
 * count read, the per-CPU data not yet made), and checks on our side
 * cannot foresee every such file.  So a child process opens the file
 * first; if it does not exit cleanly, the file is refused.  A fork is
 * cheap next to reading a trace, and the child only runs libtracecmd
 * (glibc keeps malloc usable in the child of a threaded process).
 */
static bool tracecmd_open_survives(const char *path)
{
	int fds[2], status;
	bool survived;
	ssize_t n;
	char c;
	pid_t pid;

	if (pipe(fds) < 0)
		return true;		/* cannot check: go on as before */
	pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return true;
	}
	if (pid == 0) {
		struct rlimit no_core = { 0, 0 };
		struct tracecmd_input *h;
		int devnull = open("/dev/null", O_WRONLY);

		close(fds[0]);
		setrlimit(RLIMIT_CORE, &no_core);
		if (devnull >= 0)
			dup2(devnull, STDERR_FILENO);	/* a sanitizer's report, if any */
		tracecmd_set_loglevel(TEP_LOG_NONE);
		h = tracecmd_open(path, TRACECMD_FL_LOAD_NO_PLUGINS);
		if (h)
			tracecmd_close(h);
		/*
		 * Say so through the pipe: the exit status is not enough, a
		 * checker (valgrind's leak check) may change it.
		 */
		if (write(fds[1], "k", 1) != 1)
			_exit(1);
		_exit(0);
	}
	close(fds[1]);
	do
		n = read(fds[0], &c, 1);
	while (n < 0 && errno == EINTR);
	survived = n == 1;
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return survived;
}

struct dat_tracecmd *dat_tracecmd_open(struct trace_reader *r, const char *path,
				       GError **error)
{
	struct dat_tracecmd *tc = g_new0(struct dat_tracecmd, 1);

	if (!tracecmd_open_survives(path)) {
		g_set_error(error, TRACE_ERROR, TRACE_ERROR_PARSE,
			    "%s: corrupt trace.dat (libtracecmd crashes opening it)", r->path);
		goto out_close;
	}
	tracecmd_set_loglevel(TEP_LOG_NONE);
	tc->handle = tracecmd_open(path, TRACECMD_FL_LOAD_NO_PLUGINS);
	if (!tc->handle) {
		g_set_error(error, TRACE_ERROR, TRACE_ERROR_PARSE,
			    "%s: not a readable trace.dat (libtracecmd cannot open it: "
			    "truncated or corrupt?)", r->path);
		goto out_close;
	}
	tc->tep = tracecmd_get_tep(tc->handle);
	tc->swap = tep_is_file_bigendian(tc->tep) != tep_is_local_bigendian(tc->tep);
	if (!map_events(r, tc, error))
		goto out_close;
	/*
	 * Merge every CPU of every buffer: 'trace-cmd extract -B NAME' saves
	 * the events in the instance buffer NAME and an empty top buffer.
	 */
	tc->nr_instances = tracecmd_buffer_instances(tc->handle);
	if (tc->nr_instances < 0)
		tc->nr_instances = 0;
	tc->instances = g_new0(struct tracecmd_input *, tc->nr_instances + 1);
	for (int b = -1; b < tc->nr_instances; b++) {
		struct tracecmd_input *h = tc->handle;
		int cpus;

		if (b >= 0) {
			h = tracecmd_buffer_instance_handle(tc->handle, b);
			if (!h) {
				g_set_error(error, TRACE_ERROR, TRACE_ERROR_PARSE,
					    "%s: cannot open buffer '%s'", r->path,
					    tracecmd_buffer_instance_name(tc->handle, b));
				goto out_close;
			}
			tc->instances[b] = h;
		}
		cpus = tracecmd_cpus(h);
		if (cpus < 0 || cpus > TRACE_MAX_CPUS) {
			g_set_error(error, TRACE_ERROR, TRACE_ERROR_PARSE, "%s: bad CPU count %d",
				    r->path, cpus);
			goto out_close;
		}
		tc->streams = g_renew(struct tc_stream, tc->streams, tc->nr_streams + cpus);
		for (int cpu = 0; cpu < cpus; cpu++) {
			struct tc_stream *st = &tc->streams[tc->nr_streams++];

			st->handle = h;
			st->cpu = cpu;
			st->next = tracecmd_read_data(h, cpu);
		}
	}
	return tc;

out_close:
	dat_tracecmd_close(tc);
	return NULL;
}

/* A record of another byte order: swap what dat_fill_event() reads. */
static void fill_swapped(struct dat_tracecmd *tc, const struct dat_layout *dl,
			 struct tep_record *rec, int cpu, struct trace_event *ev)
{
	g_autofree uint8_t *copy = g_memdup2(rec->data, (gsize)rec->size);
	struct dat_field pid = tc->common_pid;

	for (int f = 0; f < DF_NR; f++) {
		const struct dat_field *d = &dl->f[f];
		unsigned long long v;

		if (!d->size || d->offset + d->size > rec->size || d->size > 8)
			continue;
		v = tep_read_number(tc->tep, (uint8_t *)rec->data + d->offset, d->size);
		memcpy(copy + d->offset, &v, d->size);	/* little-endian host */
	}
	if (pid.size == 4 && pid.offset + 4 <= rec->size) {
		uint32_t v = (uint32_t)tep_read_number(tc->tep, (uint8_t *)rec->data + pid.offset, 4);

		memcpy(copy + pid.offset, &v, 4);
	}
	dat_fill_event(dl, pid, copy, (uint32_t)rec->size, rec->ts, cpu, ev);
}

int dat_tracecmd_next(struct trace_reader *r, struct dat_tracecmd *tc, struct trace_event *ev,
		      GError **error)
{
	static const struct dat_layout other = { .type = TRACE_EV_OTHER };
	const struct dat_layout *dl = &other;
	struct tep_record *rec;
	unsigned long long id = ~0ULL;
	int best = -1;

	(void)r;
	(void)error;
	if (tc->held) {
		rec = tc->held;
		best = tc->held_stream;
		tc->held = NULL;
	} else {
		for (int i = 0; i < tc->nr_streams; i++)
			if (tc->streams[i].next &&
			    (best < 0 || tc->streams[i].next->ts < tc->streams[best].next->ts))
				best = i;
		if (best < 0)
			return 0;
		rec = tc->streams[best].next;
		tc->streams[best].next = tracecmd_read_data(tc->streams[best].handle,
							    tc->streams[best].cpu);
		if (rec->missed_events) {
			/* -1: the buffer overflowed, count unknown */
			ev->type = TRACE_EV_LOST;
			ev->cpu = (uint16_t)tc->streams[best].cpu;
			ev->ts = rec->ts;
			ev->arg[0] = rec->missed_events > 0 ? (uint64_t)rec->missed_events : 0;
			ev->lineno = ++tc->recno;
			tc->held = rec;
			tc->held_stream = best;
			return 1;
		}
	}
	ev->lineno = ++tc->recno;
	if (tc->tep_type && tc->tep_type->offset + tc->tep_type->size <= rec->size)
		tep_read_number_field(tc->tep_type, rec->data, &id);
	if (id < (unsigned long long)tc->nr_ids)
		dl = &tc->by_id[id];
	if (tc->swap)
		fill_swapped(tc, dl, rec, tc->streams[best].cpu, ev);
	else
		dat_fill_event(dl, tc->common_pid, rec->data, (uint32_t)rec->size, rec->ts,
			       tc->streams[best].cpu, ev);
	tracecmd_free_record(rec);
	return 1;
}

void dat_tracecmd_close(struct dat_tracecmd *tc)
{
	if (!tc)
		return;
	if (tc->held)
		tracecmd_free_record(tc->held);
	for (int i = 0; i < tc->nr_streams; i++)
		if (tc->streams[i].next)
			tracecmd_free_record(tc->streams[i].next);
	for (int b = 0; b < tc->nr_instances; b++)
		if (tc->instances && tc->instances[b])
			tracecmd_close(tc->instances[b]);
	if (tc->handle)
		tracecmd_close(tc->handle);
	g_free(tc->streams);
	g_free(tc->instances);
	g_free(tc->by_id);
	g_free(tc);
}

bool trace_have_tracecmd(void)
{
	return true;
}

#else /* !HAVE_TRACECMD */

struct dat_tracecmd *dat_tracecmd_open(struct trace_reader *r, const char *path,
				       GError **error)
{
	(void)path;
	g_set_error(error, TRACE_ERROR, TRACE_ERROR_UNSUPPORTED,
		    "%s: this trace.dat needs libtracecmd: rebuild with -Dtracecmd=enabled "
		    "(Debian: apt-get install libtracecmd-dev), or convert it to text with "
		    "'trace-cmd report -R'", r->path);
	return NULL;
}

int dat_tracecmd_next(struct trace_reader *r, struct dat_tracecmd *tc, struct trace_event *ev,
		      GError **error)
{
	(void)r;
	(void)tc;
	(void)ev;
	(void)error;
	return 0;
}

void dat_tracecmd_close(struct dat_tracecmd *tc)
{
	(void)tc;
}

bool trace_have_tracecmd(void)
{
	return false;
}

#endif /* HAVE_TRACECMD */
