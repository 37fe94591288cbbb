// SPDX-License-Identifier: GPL-2.0-only
/*
 * Helpers of the probe: paths under --root, /proc parsing, percentiles,
 * the output buffer and the atomic write of the calibration file.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "probe.h"

bool probe_quiet;
static char root_prefix[4096];	/* "" for the real root, else "DIR" without trailing / */

void progress(const char *fmt, ...)
{
	va_list ap;

	if (probe_quiet)
		return;
	va_start(ap, fmt);
	fputs("acceptsim-probe: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p) {
		fprintf(stderr, "acceptsim-probe: out of memory (%zu bytes)\n", n);
		exit(1);
	}
	return p;
}

void set_root(const char *root)
{
	size_t len;

	if (!root || !strcmp(root, "/")) {
		root_prefix[0] = '\0';
		return;
	}
	snprintf(root_prefix, sizeof(root_prefix), "%s", root);
	len = strlen(root_prefix);
	while (len > 0 && root_prefix[len - 1] == '/')
		root_prefix[--len] = '\0';
}

/* True when paths are read from the running system, not from a fixture tree. */
bool root_is_real(void)
{
	return root_prefix[0] == '\0';
}

/* @path (absolute) under the root; malloc'd. */
char *root_path(const char *path)
{
	size_t n = strlen(root_prefix) + strlen(path) + 1;
	char *p = xmalloc(n);

	snprintf(p, n, "%s%s", root_prefix, path);
	return p;
}

/*
 * Read at most @max bytes of @path (under the root) as NUL-terminated text.
 * Works on /proc files, whose size stat() reports as 0.  NULL if unreadable.
 */
char *read_text(const char *path, size_t max, size_t *len)
{
	char *full = root_path(path);
	size_t cap = 4096, used = 0;
	char *buf;
	int fd;

	fd = open(full, O_RDONLY | O_CLOEXEC);
	free(full);
	if (fd < 0)
		return NULL;
	buf = xmalloc(cap + 1);
	while (used < max) {
		ssize_t n;

		if (used == cap) {
			char *nb;

			cap *= 2;
			nb = realloc(buf, cap + 1);
			if (!nb)
				break;
			buf = nb;
		}
		n = read(fd, buf + used, (cap - used < max - used) ? cap - used : max - used);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		used += (size_t)n;
	}
	close(fd);
	buf[used] = '\0';
	if (len)
		*len = used;
	return buf;
}

bool path_exists(const char *path)
{
	char *full = root_path(path);
	bool ok = access(full, F_OK) == 0;

	free(full);
	return ok;
}

/*
 * Find "@field" at the start of a line of @text, followed by ':' or
 * whitespace, and parse the number after it ("Unaccepted:   1024 kB",
 * "nr_unaccepted 256").
 */
bool meminfo_field(const char *text, const char *field, uint64_t *val)
{
	size_t flen = strlen(field);
	const char *p = text;

	while (p && *p) {
		if (!strncmp(p, field, flen) && (p[flen] == ':' || p[flen] == ' ' ||
						 p[flen] == '\t')) {
			char *end;
			unsigned long long v;

			p += flen;
			if (*p == ':')
				p++;
			errno = 0;
			v = strtoull(p, &end, 10);
			if (end == p || errno)
				return false;
			*val = v;
			return true;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return false;
}

bool read_meminfo(const char *field, uint64_t *kib)
{
	char *t = read_text("/proc/meminfo", 1 << 16, NULL);
	bool ok = t && meminfo_field(t, field, kib);

	free(t);
	return ok;
}

bool read_vmstat(const char *field, uint64_t *val)
{
	char *t = read_text("/proc/vmstat", 1 << 16, NULL);
	bool ok = t && meminfo_field(t, field, val);

	free(t);
	return ok;
}

double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Nearest-rank percentile of sorted @v: the smallest value with >= p of the samples at or below it. */
static double pct(const double *v, size_t n, double p)
{
	size_t i = (size_t)ceil(p * (double)n);

	if (i < 1)
		i = 1;
	if (i > n)
		i = n;
	return v[i - 1];
}

/* Sorts @v in place. */
void dist_from(double *v, size_t n, struct dist *d)
{
	memset(d, 0, sizeof(*d));
	if (!n)
		return;
	qsort(v, n, sizeof(*v), cmp_double);
	d->n = n;
	d->p05 = pct(v, n, 0.05);
	d->p50 = pct(v, n, 0.50);
	d->p90 = pct(v, n, 0.90);
	d->p99 = pct(v, n, 0.99);
	d->max = v[n - 1];
}

/* Median of @v (sorted in place); *iqr gets p75 - p25 by linear interpolation. */
double median_of(double *v, size_t n, double *iqr)
{
	double q1, q3;

	if (!n) {
		if (iqr)
			*iqr = 0;
		return 0;
	}
	qsort(v, n, sizeof(*v), cmp_double);
	if (iqr) {
		double a = 0.25 * (double)(n - 1), b = 0.75 * (double)(n - 1);
		size_t ia = (size_t)a, ib = (size_t)b;

		q1 = v[ia] + (a - (double)ia) * (ia + 1 < n ? v[ia + 1] - v[ia] : 0);
		q3 = v[ib] + (b - (double)ib) * (ib + 1 < n ? v[ib + 1] - v[ib] : 0);
		*iqr = q3 - q1;
	}
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

void ob_printf(struct obuf *ob, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (ob->len + (size_t)n + 1 > ob->cap) {
		size_t cap = ob->cap ? ob->cap : 4096;
		char *nb;

		while (ob->len + (size_t)n + 1 > cap)
			cap *= 2;
		nb = realloc(ob->buf, cap);
		if (!nb) {
			fprintf(stderr, "acceptsim-probe: out of memory\n");
			exit(1);
		}
		ob->buf = nb;
		ob->cap = cap;
	}
	va_start(ap, fmt);
	vsnprintf(ob->buf + ob->len, ob->cap - ob->len, fmt, ap);
	va_end(ap);
	ob->len += (size_t)n;
}

/* "key = n p05 p50 p90 p99 max  # comment"; nothing if the dist is empty. */
void ob_dist(struct obuf *ob, const char *key, const struct dist *d, const char *comment)
{
	if (!d->n)
		return;
	ob_printf(ob, "%-22s = %llu %.1f %.1f %.1f %.1f %.1f", key, (unsigned long long)d->n,
		  d->p05, d->p50, d->p90, d->p99, d->max);
	if (comment)
		ob_printf(ob, "  # %s", comment);
	ob_printf(ob, "\n");
}

/* A string value, quoted when it holds characters the format gives a meaning. */
void ob_string(struct obuf *ob, const char *key, const char *value, const char *comment)
{
	bool quote = !*value || strpbrk(value, "#;\"\\") || value[0] == ' ' ||
		     value[strlen(value) - 1] == ' ';

	ob_printf(ob, "%-22s = ", key);
	if (quote) {
		ob_printf(ob, "\"");
		for (const char *p = value; *p; p++) {
			if (*p == '"' || *p == '\\')
				ob_printf(ob, "\\%c", *p);
			else if (*p == '\n' || *p == '\t')
				ob_printf(ob, " ");
			else
				ob_printf(ob, "%c", *p);
		}
		ob_printf(ob, "\"");
	} else {
		ob_printf(ob, "%s", value);
	}
	if (comment)
		ob_printf(ob, "  # %s", comment);
	ob_printf(ob, "\n");
}

/*
 * Write @data to @path through a temporary file in the same directory:
 * write, fsync, rename, fsync the directory.  A reader sees the old file or
 * the whole new one.  Returns 0 or -errno.
 */
int write_atomic(const char *path, const char *data, size_t len)
{
	char *dup = strdup(path), *dir, *tmp;
	size_t tlen;
	int fd, dfd, err = 0;

	if (!dup)
		return -ENOMEM;
	dir = dirname(dup);
	tlen = strlen(path) + 16;
	tmp = xmalloc(tlen);
	snprintf(tmp, tlen, "%s.tmpXXXXXX", path);
	fd = mkstemp(tmp);
	if (fd < 0) {
		err = -errno;
		goto out_free;
	}
	for (size_t done = 0; done < len;) {
		ssize_t n = write(fd, data + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = -errno;
			goto out_unlink;
		}
		done += (size_t)n;
	}
	if (fchmod(fd, 0644) || fsync(fd)) {
		err = -errno;
		goto out_unlink;
	}
	if (close(fd)) {
		fd = -1;
		err = -errno;
		goto out_unlink;
	}
	fd = -1;
	if (rename(tmp, path)) {
		err = -errno;
		goto out_unlink;
	}
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	goto out_free;
out_unlink:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
out_free:
	free(tmp);
	free(dup);
	return err;
}
