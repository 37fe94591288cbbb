// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer harness: gzip and zstd inputs of the trace readers
 * (traces/input.c).  The first byte picks the mode:
 *   0-1   the rest is the file as is (corrupt and truncated streams);
 *   2-3   the rest, gzip-compressed in two members split at the second byte;
 *   4-5   the rest, zstd-compressed in two frames split at the second byte.
 * In the compressing modes the events and the outcome must be those of
 * the uncompressed text read directly; a difference aborts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>
#include "fuzz.h"
#include "traces/trace.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_init();
	return 0;
}

static void gzip_member(GByteArray *out, const uint8_t *p, size_t n, int level)
{
	z_stream z = { 0 };
	uint8_t buf[16384];
	int ret;

	if (deflateInit2(&z, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		abort();
	z.next_in = (Bytef *)p;
	z.avail_in = (uInt)n;
	do {
		z.next_out = buf;
		z.avail_out = sizeof(buf);
		ret = deflate(&z, Z_FINISH);
		if (ret == Z_STREAM_ERROR)
			abort();
		g_byte_array_append(out, buf, (guint)(sizeof(buf) - z.avail_out));
	} while (ret != Z_STREAM_END);
	deflateEnd(&z);
}

static void zstd_frame(GByteArray *out, const uint8_t *p, size_t n, int level)
{
	size_t cap = ZSTD_compressBound(n);
	uint8_t *buf = g_malloc(cap);
	size_t len = ZSTD_compress(buf, cap, p, n, level);

	if (ZSTD_isError(len))
		abort();
	g_byte_array_append(out, buf, (guint)len);
	g_free(buf);
}

/* gzip, zstd, xz or bzip2: only the outer layer's magic is looked at */
static bool starts_with_magic(const uint8_t *p, size_t n)
{
	return (n >= 2 && p[0] == 0x1f && p[1] == 0x8b) ||
	       (n >= 4 && !memcmp(p, "\x28\xb5\x2f\xfd", 4)) ||
	       (n >= 6 && !memcmp(p, "\xfd" "7zXZ\0", 6)) || (n >= 3 && !memcmp(p, "BZh", 3));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(GByteArray) z = NULL;
	g_autoptr(GArray) plain = NULL, packed = NULL;
	g_autofree char *plain_msg = NULL, *packed_msg = NULL;
	const char *plain_path, *packed_path;
	unsigned int mode;
	size_t split;

	if (size < 2)
		return -1;
	mode = data[0] % 6;
	if (mode < 2) {
		if (!starts_with_magic(data + 1, size - 1))
			return -1;
		return fuzz_trace_read(fuzz_write_file(0, ".gz", data + 1, size - 1), -1);
	}
	data += 2;
	size -= 2;
	/* a compressed file inside a compressed file is refused differently */
	if (starts_with_magic(data, size))
		return -1;
	split = size ? data[-1] * size / 255 : 0;
	z = g_byte_array_new();
	if (mode < 4) {
		gzip_member(z, data, split, mode == 2 ? 1 : 9);
		gzip_member(z, data + split, size - split, 6);
	} else {
		zstd_frame(z, data, split, mode == 4 ? 1 : 19);
		zstd_frame(z, data + split, size - split, 3);
	}
	plain_path = fuzz_write_file(0, ".txt", data, size);
	packed_path = fuzz_write_file(1, ".z", z->data, z->len);
	plain = fuzz_trace_events(plain_path, &plain_msg);
	packed = fuzz_trace_events(packed_path, &packed_msg);
	if (!plain != !packed) {
		fprintf(stderr, "fuzz: plain %s, compressed %s\n",
			plain ? "reads" : plain_msg, packed ? "reads" : packed_msg);
		abort();
	}
	if (plain && plain->len != packed->len) {
		fprintf(stderr, "fuzz: plain %u events, compressed %u\n", plain->len, packed->len);
		abort();
	}
	for (guint i = 0; plain && i < plain->len; i++) {
		const struct trace_event *a = &g_array_index(plain, struct trace_event, i);
		const struct trace_event *b = &g_array_index(packed, struct trace_event, i);

		if (a->type != b->type || a->ts != b->ts || a->pfn != b->pfn ||
		    a->order != b->order || a->lineno != b->lineno || a->cpu != b->cpu) {
			fprintf(stderr, "fuzz: event %u differs between plain and compressed\n", i);
			abort();
		}
	}
	if (!plain) {
		/* same reason at the same line; only the file names differ */
		size_t la = strlen(plain_path), lb = strlen(packed_path);

		if (!strncmp(plain_msg, plain_path, la) && !strncmp(packed_msg, packed_path, lb) &&
		    strcmp(plain_msg + la, packed_msg + lb)) {
			fprintf(stderr, "fuzz: plain: %s\ncompressed: %s\n", plain_msg, packed_msg);
			abort();
		}
	}
	return 0;
}
