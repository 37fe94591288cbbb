// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unaccepted memory.  The firmware leaves part of RAM unaccepted; the EFI
 * stub records it in a bitmap of 2 MiB units (process_unaccepted_memory());
 * whole 4 MiB chunks released at boot wait on per-zone FIFO lists
 * (__free_unaccepted()) and are accepted one at a time when the allocator
 * asks (try_to_accept_memory_one(), cond_accept_memory()).  Accepting a
 * range that ends on a unit boundary also accepts the next unit, the
 * load_unaligned_zeropad() guard (accept_memory()).
 *
 * The time accepting costs comes from the cost model and is charged to the
 * phase in progress; at run time it is handed to the allocating CPU.
 */
#include <string.h>
#include "internal.h"
#include "unaccepted.h"

#define UNIT_BYTES	((uint64_t)UNIT_PAGES << PAGE_SHIFT)

static inline bool unit_test(const struct unaccepted_mem *u, uint64_t unit)
{
	return u->bitmap[unit / 64] & (1ULL << (unit % 64));
}

static inline void unit_set(struct unaccepted_mem *u, uint64_t unit)
{
	if (!unit_test(u, unit))
		u->unaccepted_units++;
	u->bitmap[unit / 64] |= 1ULL << (unit % 64);
}

static inline void unit_clear(struct unaccepted_mem *u, uint64_t unit)
{
	if (unit_test(u, unit))
		u->unaccepted_units--;
	u->bitmap[unit / 64] &= ~(1ULL << (unit % 64));
}

static void charge(struct pgdat *pgdat, uint64_t bytes)
{
	struct unaccepted_mem *u = pgdat->unaccepted;
	uint64_t ns = u->fake ? 0 : cost_accept_ns(&u->cost, bytes);

	u->phase_ns[u->phase] += ns;
	u->phase_bytes[u->phase] += bytes;
	if (u->phase == ACCEPT_RUNTIME)
		u->pending_ns += ns;
}

static void sample_host_backed(struct pgdat *pgdat)
{
	struct accepted_sample s = { pgdat->now_ns, accepted_bytes(pgdat) };
	GArray *a = pgdat->unaccepted->host_backed;

	if (a->len && g_array_index(a, struct accepted_sample, a->len - 1).time_ns == s.time_ns)
		g_array_index(a, struct accepted_sample, a->len - 1) = s;
	else
		g_array_append_val(a, s);
}

/*
 * One EFI_UNACCEPTED_MEMORY range [start, end) in bytes, as the EFI stub
 * handles it: under two units it is accepted outright; otherwise the
 * unaligned head and tail are accepted and the aligned middle is recorded.
 */
static void process_unaccepted_memory(struct pgdat *pgdat, uint64_t start, uint64_t end)
{
	struct unaccepted_mem *u = pgdat->unaccepted;

	if (end - start < 2 * UNIT_BYTES) {
		charge(pgdat, end - start);
		return;
	}
	if (start & (UNIT_BYTES - 1)) {
		uint64_t up = (start + UNIT_BYTES - 1) & ~(UNIT_BYTES - 1);

		charge(pgdat, up - start);
		start = up;
	}
	if (end & (UNIT_BYTES - 1)) {
		uint64_t down = end & ~(UNIT_BYTES - 1);

		charge(pgdat, end - down);
		end = down;
	}
	for (uint64_t unit = start / UNIT_BYTES; unit < end / UNIT_BYTES; unit++)
		unit_set(u, unit);
}

void unaccepted_init(struct pgdat *pgdat, const struct unaccepted_config *uc)
{
	struct unaccepted_mem *u;
	unsigned int nr;
	const struct mem_range *r = pgdat_ranges(pgdat, &nr);

	if (uc->fw == FW_ACCEPT_ALL && !uc->fake_start)
		return;
	u = g_new0(struct unaccepted_mem, 1);
	pgdat->unaccepted = u;
	u->nr_units = ((uint64_t)pgdat->node_spanned_pages + UNIT_PAGES - 1) / UNIT_PAGES;
	u->bitmap = g_new0(uint64_t, (u->nr_units + 63) / 64);
	u->lazy = uc->lazy;
	u->fake = uc->fake_start != 0 || !uc->cost;
	if (uc->cost)
		u->cost = *uc->cost;
	u->host_backed = g_array_new(FALSE, FALSE, sizeof(struct accepted_sample));

	for (unsigned int i = 0; i < nr; i++) {
		uint64_t s = (uint64_t)r[i].start_pfn << PAGE_SHIFT;
		uint64_t e = (uint64_t)r[i].end_pfn << PAGE_SHIFT;
		uint64_t cut;			/* RAM below this address is accepted */

		if (uc->fake_start)
			cut = uc->fake_start;	/* v9: everything above the address */
		else if (uc->fw == FW_ACCEPT_BELOW_4G)
			cut = 4ULL << 30;
		else
			cut = uc->fw_accept_bytes;
		cut = CLAMP(cut, s, e);
		u->phase = ACCEPT_FIRMWARE;
		charge(pgdat, cut - s);
		u->phase = ACCEPT_EARLY;
		if (cut < e)
			process_unaccepted_memory(pgdat, cut, e);
	}
	sample_host_backed(pgdat);
}

void unaccepted_destroy(struct pgdat *pgdat)
{
	struct unaccepted_mem *u = pgdat->unaccepted;

	if (!u)
		return;
	g_free(u->bitmap);
	g_array_unref(u->host_backed);
	g_free(u);
	pgdat->unaccepted = NULL;
}

/* Units [*first, *last) covered by [start, end) pfns plus the guard unit. */
static void unit_span(const struct unaccepted_mem *u, uint32_t start_pfn, uint32_t end_pfn,
		      uint64_t *first, uint64_t *last)
{
	*first = start_pfn / UNIT_PAGES;
	*last = (end_pfn + UNIT_PAGES - 1) / UNIT_PAGES;
	if (!(end_pfn % UNIT_PAGES))
		(*last)++;		/* load_unaligned_zeropad() guard */
	*last = MIN(*last, u->nr_units);
}

bool range_contains_unaccepted(const struct pgdat *pgdat, uint32_t start_pfn, uint32_t end_pfn)
{
	const struct unaccepted_mem *u = pgdat->unaccepted;
	uint64_t first, last;

	if (!u || !u->unaccepted_units)
		return false;
	unit_span(u, start_pfn, end_pfn, &first, &last);
	for (uint64_t unit = first; unit < last; unit++)
		if (unit_test(u, unit))
			return true;
	return false;
}

uint64_t accept_memory(struct pgdat *pgdat, uint32_t start_pfn, uint32_t end_pfn)
{
	struct unaccepted_mem *u = pgdat->unaccepted;
	uint64_t first, last, n = 0;

	if (!u)
		return 0;
	unit_span(u, start_pfn, end_pfn, &first, &last);
	for (uint64_t unit = first; unit < last; unit++) {
		if (unit_test(u, unit)) {
			unit_clear(u, unit);
			n++;
		}
	}
	if (!n)
		return 0;
	u->accept_calls++;
	charge(pgdat, n * UNIT_BYTES);
	sample_host_backed(pgdat);
	return n * UNIT_BYTES;
}

void __free_unaccepted(struct zone *zone, uint32_t pfn)
{
	struct pgdat *pgdat = zone->pgdat;

	if (zone->unaccepted_len == zone->unaccepted_cap) {
		uint32_t ncap = zone->unaccepted_cap ? zone->unaccepted_cap * 2 : 64;
		uint32_t *nbuf = g_new(uint32_t, ncap);

		for (uint32_t i = 0; i < zone->unaccepted_len; i++)
			nbuf[i] = zone->unaccepted[(zone->unaccepted_first + i) % zone->unaccepted_cap];
		g_free(zone->unaccepted);
		zone->unaccepted = nbuf;
		zone->unaccepted_cap = ncap;
		zone->unaccepted_first = 0;
	}
	zone->unaccepted[(zone->unaccepted_first + zone->unaccepted_len) % zone->unaccepted_cap] = pfn;
	zone->unaccepted_len++;
	pgdat->pages[pfn].info = pg_make(PG_UNACCEPTED, MAX_PAGE_ORDER, MIGRATE_MOVABLE);
	zone->nr_free_pages += MAX_ORDER_NR_PAGES;
	zone->nr_unaccepted += MAX_ORDER_NR_PAGES;
}

bool try_to_accept_memory_one(struct zone *zone)
{
	struct pgdat *pgdat = zone->pgdat;
	uint32_t pfn;

	if (!zone->unaccepted_len)
		return false;
	pfn = zone->unaccepted[zone->unaccepted_first];
	zone->unaccepted_first = (zone->unaccepted_first + 1) % zone->unaccepted_cap;
	zone->unaccepted_len--;
	zone->nr_free_pages -= MAX_ORDER_NR_PAGES;
	zone->nr_unaccepted -= MAX_ORDER_NR_PAGES;
	pgdat->pages[pfn].info = 0;
	accept_memory(pgdat, pfn, pfn + MAX_ORDER_NR_PAGES);
	pgdat->unaccepted->chunks_accepted++;

	/* __free_pages_ok(page, MAX_PAGE_ORDER, FPI_TO_TAIL) emits mm_page_free */
	if (G_UNLIKELY(pgdat->hooks.trace)) {
		struct mm_trace_event ev = {
			.type = MM_TRACE_FREE, .pfn = pfn, .order = MAX_PAGE_ORDER, .cpu = -1,
		};
		trace_mm(pgdat, &ev);
	}
	free_one_page(zone, pfn, MAX_PAGE_ORDER, FPI_TO_TAIL);
	return true;
}

bool kernel_accept_memory(struct zone *zone, unsigned int order, enum accept_site site, int target)
{
	struct pgdat *pgdat = zone->pgdat;
	enum zone_watermarks mark;
	long to_accept;
	bool ret = false;

	if (!zone->unaccepted_len)
		return false;

	if (era_is(pgdat, KERNEL_6_5)) {
		/* v9/6.5-6.10: only after a failure, at least one chunk, to HIGH */
		if (site == ACCEPT_ZONE_VISIT)
			return false;
		mark = target >= 0 ? (enum zone_watermarks)target : WMARK_HIGH;
		to_accept = wmark_pages(zone, mark) -
			    (zone->nr_free_pages - zone_watermark_unusable_free(zone, order, 0));
		do {
			if (!try_to_accept_memory_one(zone))
				break;
			ret = true;
			to_accept -= MAX_ORDER_NR_PAGES;
		} while (to_accept > 0);
		return ret;
	}

	mark = target >= 0 ? (enum zone_watermarks)target : WMARK_PROMO;
	/* [6.14 fix, 6.12.21+] watermarks not set up yet: one chunk for progress */
	if (era_is(pgdat, KERNEL_6_15) && !wmark_pages(zone, mark))
		return try_to_accept_memory_one(zone);
	to_accept = wmark_pages(zone, mark) -
		    (zone->nr_free_pages - zone_watermark_unusable_free(zone, order, 0) -
		     zone->nr_unaccepted);
	while (to_accept > 0) {
		if (!try_to_accept_memory_one(zone))
			break;
		ret = true;
		to_accept -= MAX_ORDER_NR_PAGES;
	}
	return ret;
}

uint64_t unaccepted_bytes(const struct pgdat *pgdat)
{
	return pgdat->unaccepted ? pgdat->unaccepted->unaccepted_units * UNIT_BYTES : 0;
}

uint64_t accepted_bytes(const struct pgdat *pgdat)
{
	return pgdat->node_present_pages * PAGE_SIZE - unaccepted_bytes(pgdat);
}
