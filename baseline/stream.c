// SPDX-License-Identifier: GPL-2.0-only
/* Encoding and checking the baseline allocation stream (stream.h). */
#include <stdio.h>
#include <string.h>
#include "stream.h"

static void put_u32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put_u64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get_u64(const uint8_t *p)
{
	return (uint64_t)get_u32(p) | (uint64_t)get_u32(p + 4) << 32;
}

void bstream_header_put(uint8_t *out, uint32_t nr_slots, uint64_t nr_records)
{
	memcpy(out, BSTREAM_MAGIC, 8);
	put_u32(out + 8, BSTREAM_VERSION);
	put_u32(out + 12, nr_slots);
	put_u64(out + 16, nr_records);
}

bool bstream_header_parse(const uint8_t *buf, size_t len, struct bstream_header *h,
			  char *err, size_t errlen)
{
	if (len < BSTREAM_HEADER_SIZE || memcmp(buf, BSTREAM_MAGIC, 8)) {
		snprintf(err, errlen, "not an acceptsim allocation stream (no %s header)",
			 BSTREAM_MAGIC);
		return false;
	}
	h->version = get_u32(buf + 8);
	h->nr_slots = get_u32(buf + 12);
	h->nr_records = get_u64(buf + 16);
	if (h->version != BSTREAM_VERSION) {
		snprintf(err, errlen, "stream version %u, expected %u", h->version,
			 BSTREAM_VERSION);
		return false;
	}
	/* nr_records is read from the file: divide, do not multiply */
	if ((len - BSTREAM_HEADER_SIZE) % BSTREAM_RECORD_SIZE ||
	    (len - BSTREAM_HEADER_SIZE) / BSTREAM_RECORD_SIZE != h->nr_records) {
		snprintf(err, errlen, "the header announces %llu records, the stream holds %zu bytes "
			 "of records (%d each)", (unsigned long long)h->nr_records,
			 len - BSTREAM_HEADER_SIZE, BSTREAM_RECORD_SIZE);
		return false;
	}
	return true;
}

bool bstream_check(const uint8_t *buf, const struct bstream_header *h, uint8_t *scratch,
		   struct bstream_summary *sum, char *err, size_t errlen)
{
	const uint8_t *recs = buf + BSTREAM_HEADER_SIZE;
	uint64_t live = 0;

	memset(sum, 0, sizeof(*sum));
	/* scratch[slot]: 0 empty, order + 1 while live */
	memset(scratch, 0, h->nr_slots);
	for (uint64_t i = 0; i < h->nr_records; i++) {
		unsigned int op, order;
		uint32_t slot;

		bstream_record_get(recs, i, &op, &order, &slot);
		if (op > BSTREAM_FREE || order > BSTREAM_MAX_ORDER) {
			snprintf(err, errlen, "record %llu: bad op %u or order %u",
				 (unsigned long long)i, op, order);
			return false;
		}
		if (slot >= h->nr_slots) {
			snprintf(err, errlen, "record %llu: slot %u >= nr_slots %u",
				 (unsigned long long)i, slot, h->nr_slots);
			return false;
		}
		if (op == BSTREAM_ALLOC) {
			if (scratch[slot]) {
				snprintf(err, errlen, "record %llu: allocation into live slot %u",
					 (unsigned long long)i, slot);
				return false;
			}
			scratch[slot] = (uint8_t)(order + 1);
			sum->allocs++;
			sum->allocs_by_order[order]++;
			sum->live_blocks++;
			live += bstream_block_bytes(order);
			if (live > sum->peak_live_bytes)
				sum->peak_live_bytes = live;
		} else {
			if (scratch[slot] != order + 1) {
				snprintf(err, errlen, scratch[slot] ?
					 "record %llu: free of slot %u at order %u, allocated at another" :
					 "record %llu: free of empty slot %u (order %u)",
					 (unsigned long long)i, slot, order);
				return false;
			}
			scratch[slot] = 0;
			sum->frees++;
			sum->live_blocks--;
			live -= bstream_block_bytes(order);
		}
	}
	sum->live_bytes = live;
	return true;
}
