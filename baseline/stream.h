/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The allocation stream the baselines replay: one record per request,
 * after a fixed header, little-endian, no padding.
 *
 *   header  "ACSBSTRM" (8 bytes), u32 version (1), u32 nr_slots, u64 nr_records
 *   record  u8 (op << 4 | order), u32 slot           (5 bytes, unaligned)
 *
 * An allocation fills an empty slot with a block of 4 KiB << order,
 * naturally aligned; a free empties a live slot of the same order.  Plain
 * C and libc only: acceptsim-jebaseline links it without glib.
 */
#ifndef BASELINE_STREAM_H
#define BASELINE_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BSTREAM_MAGIC		"ACSBSTRM"
#define BSTREAM_VERSION		1
#define BSTREAM_HEADER_SIZE	24			/* bytes */
#define BSTREAM_RECORD_SIZE	5			/* bytes */
#define BSTREAM_MAX_ORDER	10			/* MAX_PAGE_ORDER */
#define BSTREAM_PAGE_SHIFT	12			/* 4 KiB pages */

enum bstream_op {
	BSTREAM_ALLOC,
	BSTREAM_FREE,
};

struct bstream_header {
	uint32_t version;
	uint32_t nr_slots;				/* every slot is < this */
	uint64_t nr_records;
};

/* What a stream does, from bstream_check(). */
struct bstream_summary {
	uint64_t allocs;				/* records */
	uint64_t frees;					/* records */
	uint64_t allocs_by_order[BSTREAM_MAX_ORDER + 1];
	uint64_t live_blocks;				/* allocated at the end */
	uint64_t live_bytes;				/* bytes allocated at the end */
	uint64_t peak_live_bytes;			/* most bytes allocated at once */
};

/* Bytes of a stream of @nr_records records, header included. */
static inline uint64_t bstream_size(uint64_t nr_records)
{
	return BSTREAM_HEADER_SIZE + nr_records * BSTREAM_RECORD_SIZE;
}

static inline uint64_t bstream_block_bytes(unsigned int order)
{
	return (uint64_t)1 << (BSTREAM_PAGE_SHIFT + order);
}

void bstream_header_put(uint8_t *out, uint32_t nr_slots, uint64_t nr_records);

/* pre: op is a bstream_op, order <= BSTREAM_MAX_ORDER. */
static inline void bstream_record_put(uint8_t *out, enum bstream_op op, unsigned int order,
				      uint32_t slot)
{
	out[0] = (uint8_t)((unsigned int)op << 4 | order);
	out[1] = (uint8_t)slot;
	out[2] = (uint8_t)(slot >> 8);
	out[3] = (uint8_t)(slot >> 16);
	out[4] = (uint8_t)(slot >> 24);
}

/* Record @i of the records that start at @recs. */
static inline void bstream_record_get(const uint8_t *recs, uint64_t i, unsigned int *op,
				      unsigned int *order, uint32_t *slot)
{
	const uint8_t *r = recs + i * BSTREAM_RECORD_SIZE;

	*op = r[0] >> 4;
	*order = r[0] & 0xf;
	*slot = (uint32_t)r[1] | (uint32_t)r[2] << 8 | (uint32_t)r[3] << 16 | (uint32_t)r[4] << 24;
}

/*
 * Read the header of the @len bytes at @buf and check that the records it
 * announces are all there, and nothing more.  False with a message in
 * @err otherwise.
 */
bool bstream_header_parse(const uint8_t *buf, size_t len, struct bstream_header *h,
			  char *err, size_t errlen);

/*
 * Check every record of a parsed stream (op, order, slot in range; an
 * allocation fills an empty slot; a free empties a live one of the same
 * order) and sum it up.  @scratch holds h->nr_slots bytes, the caller's,
 * so that a caller measuring its heap can keep this off it.  False with
 * "record N: ..." in @err at the first bad record.
 */
bool bstream_check(const uint8_t *buf, const struct bstream_header *h, uint8_t *scratch,
		   struct bstream_summary *sum, char *err, size_t errlen);

#endif /* BASELINE_STREAM_H */
