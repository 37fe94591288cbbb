// SPDX-License-Identifier: GPL-2.0-only
/*
 * The byte source of every trace reader: a file read in large blocks,
 * inflated on the fly when its first bytes are a gzip or zstd magic.
 * Truncated compressed streams are errors, never a silent short read.
 * Read errors do not name the file: callers prefix "file:line: ".
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>
#include "trace-private.h"

#define INPUT_RAW_SIZE	(256 * 1024)	/* compressed bytes read at once */

enum input_codec {
	INPUT_PLAIN,
	INPUT_GZIP,
	INPUT_ZSTD,
};

struct trace_input {
	int fd;
	char *path;				/* for messages */
	enum input_codec codec;
	uint64_t file_size;			/* bytes on disk */
	unsigned char *raw;			/* compressed bytes, codec != PLAIN */
	size_t raw_pos, raw_len;		/* unread window of raw */
	bool raw_eof;				/* read() returned 0 */
	bool stream_end;			/* the last frame/member ended cleanly */
	z_stream z;
	ZSTD_DStream *zd;
};

static ssize_t read_fd(struct trace_input *in, void *buf, size_t len, GError **error)
{
	ssize_t n;

	do {
		n = read(in->fd, buf, len);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		g_set_error(error, TRACE_ERROR, TRACE_ERROR_IO, "read: %s",
			    g_strerror(errno));
	return n;
}

/* Refill the compressed window; false on a read error. */
static bool fill_raw(struct trace_input *in, GError **error)
{
	ssize_t n;

	if (in->raw_pos < in->raw_len || in->raw_eof)
		return true;
	n = read_fd(in, in->raw, INPUT_RAW_SIZE, error);
	if (n < 0)
		return false;
	in->raw_pos = 0;
	in->raw_len = (size_t)n;
	if (n == 0)
		in->raw_eof = true;
	return true;
}

static ssize_t read_gzip(struct trace_input *in, void *buf, size_t len, GError **error)
{
	in->z.next_out = buf;
	in->z.avail_out = (uInt)MIN(len, (size_t)UINT32_MAX);
	while (in->z.avail_out == len) {
		int ret;

		if (!fill_raw(in, error))
			return -1;
		if (in->raw_pos == in->raw_len) {
			if (!in->stream_end) {
				g_set_error(error, TRACE_ERROR, TRACE_ERROR_PARSE,
					    "truncated gzip stream");
				return -1;
			}
			break;
		}
		if (in->stream_end) {
			/* another gzip member follows (cat a.gz b.gz) */
			inflateReset(&in->z);
			in->stream_end = false;
		}
		in->z.next_in = in->raw + in->raw_pos;
		in->z.avail_in = (uInt)(in->raw_len - in->raw_pos);
		ret = inflate(&in->z, Z_NO_FLUSH);
		in->raw_pos = in->raw_len - in->z.avail_in;
		if (ret == Z_STREAM_END) {
			in->stream_end = true;
		} else if (ret != Z_OK && ret != Z_BUF_ERROR) {
			g_set_error(error, TRACE_ERROR, TRACE_ERROR_PARSE,
				    "corrupt gzip stream: %s",
				    in->z.msg ? in->z.msg : "inflate failed");
			return -1;
		}
	}
	return (ssize_t)(len - in->z.avail_out);
}

static ssize_t read_zstd(struct trace_input *in, void *buf, size_t len, GError **error)
{
	ZSTD_outBuffer out = { buf, len, 0 };

	while (out.pos == 0) {
		ZSTD_inBuffer zin;
		size_t ret;

		if (!fill_raw(in, error))
			return -1;
		if (in->raw_pos == in->raw_len) {
			if (!in->stream_end) {
				g_set_error(error, TRACE_ERROR, TRACE_ERROR_PARSE,
					    "truncated zstd stream");
				return -1;
			}
			break;
		}
		zin.src = in->raw;
		zin.size = in->raw_len;
		zin.pos = in->raw_pos;
		ret = ZSTD_decompressStream(in->zd, &out, &zin);
		in->raw_pos = zin.pos;
		if (ZSTD_isError(ret)) {
			g_set_error(error, TRACE_ERROR, TRACE_ERROR_PARSE,
				    "corrupt zstd stream: %s",
				    ZSTD_getErrorName(ret));
			return -1;
		}
		/* 0: a frame ended and everything is flushed */
		in->stream_end = ret == 0;
	}
	return (ssize_t)out.pos;
}

ssize_t trace_input_read(struct trace_input *in, void *buf, size_t len, GError **error)
{
	if (len == 0)
		return 0;
	switch (in->codec) {
	case INPUT_GZIP:
		return read_gzip(in, buf, len, error);
	case INPUT_ZSTD:
		return read_zstd(in, buf, len, error);
	default:
		return read_fd(in, buf, len, error);
	}
}

ssize_t trace_input_read_full(struct trace_input *in, void *buf, size_t len, GError **error)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = trace_input_read(in, (char *)buf + done, len - done, error);

		if (n < 0)
			return -1;
		if (n == 0)
			break;
		done += (size_t)n;
	}
	return (ssize_t)done;
}

struct trace_input *trace_input_open(const char *path, GError **error)
{
	struct trace_input *in;
	unsigned char magic[6];
	struct stat st;
	ssize_t n;

	in = g_new0(struct trace_input, 1);
	in->path = g_strdup(path);
	in->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (in->fd < 0) {
		g_set_error(error, TRACE_ERROR, TRACE_ERROR_IO, "%s: %s", path, g_strerror(errno));
		goto out_free;
	}
	if (fstat(in->fd, &st) == 0) {
		if (S_ISDIR(st.st_mode)) {
			g_set_error(error, TRACE_ERROR, TRACE_ERROR_IO, "%s: is a directory", path);
			goto out_free;
		}
		in->file_size = (uint64_t)st.st_size;
	}
	n = pread(in->fd, magic, sizeof(magic), 0);
	if (n < 0) {
		g_set_error(error, TRACE_ERROR, TRACE_ERROR_IO, "%s: read: %s", path,
			    g_strerror(errno));
		goto out_free;
	}
	if (n >= 2 && magic[0] == 0x1f && magic[1] == 0x8b) {
		in->codec = INPUT_GZIP;
		/* 15 + 32: zlib window, gzip header detection */
		if (inflateInit2(&in->z, 15 + 32) != Z_OK) {
			g_set_error(error, TRACE_ERROR, TRACE_ERROR_IO, "%s: inflateInit2 failed",
				    path);
			goto out_free;
		}
	} else if (n >= 4 && !memcmp(magic, "\x28\xb5\x2f\xfd", 4)) {
		in->codec = INPUT_ZSTD;
		in->zd = ZSTD_createDStream();
		if (!in->zd || ZSTD_isError(ZSTD_initDStream(in->zd))) {
			g_set_error(error, TRACE_ERROR, TRACE_ERROR_IO, "%s: ZSTD_initDStream failed",
				    path);
			goto out_free;
		}
	} else if (n >= 6 && !memcmp(magic, "\xfd" "7zXZ\0", 6)) {
		g_set_error(error, TRACE_ERROR, TRACE_ERROR_UNSUPPORTED,
			    "%s: xz-compressed input is not supported; use gzip or zstd", path);
		goto out_free;
	} else if (n >= 3 && !memcmp(magic, "BZh", 3)) {
		g_set_error(error, TRACE_ERROR, TRACE_ERROR_UNSUPPORTED,
			    "%s: bzip2-compressed input is not supported; use gzip or zstd", path);
		goto out_free;
	}
	if (in->codec != INPUT_PLAIN)
		in->raw = g_malloc(INPUT_RAW_SIZE);
	return in;

out_free:
	trace_input_close(in);
	return NULL;
}

const char *trace_input_compression(const struct trace_input *in)
{
	static const char *const names[] = { "none", "gzip", "zstd" };

	return names[in->codec];
}

bool trace_input_is_compressed(const struct trace_input *in)
{
	return in->codec != INPUT_PLAIN;
}

int trace_input_fd(const struct trace_input *in)
{
	return in->fd;
}

uint64_t trace_input_file_size(const struct trace_input *in)
{
	return in->file_size;
}

void trace_input_close(struct trace_input *in)
{
	if (!in)
		return;
	if (in->codec == INPUT_GZIP)
		inflateEnd(&in->z);
	if (in->zd)
		ZSTD_freeDStream(in->zd);
	if (in->fd >= 0)
		close(in->fd);
	g_free(in->raw);
	g_free(in->path);
	g_free(in);
}
