/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Unaccepted memory: the firmware memory map, the 2 MiB-unit bitmap, the
 * zone lists of unaccepted order-10 chunks and accepting them, as in
 * drivers/firmware/efi/libstub/unaccepted_memory.c (process_unaccepted_memory()),
 * drivers/firmware/efi/unaccepted_memory.c (accept_memory(),
 * range_contains_unaccepted_memory()) and mm/page_alloc.c (__free_unaccepted(),
 * try_to_accept_memory_one(), cond_accept_memory()).
 */
#ifndef SIM_UNACCEPTED_H
#define SIM_UNACCEPTED_H

#include "mm.h"
#include "cost.h"

#define UNIT_ORDER	9		/* EFI_UNACCEPTED_UNIT_SIZE = 2 MiB = 512 pages */
#define UNIT_PAGES	(1U << UNIT_ORDER)

/* Where the time spent accepting is charged. */
enum accept_phase {
	ACCEPT_FIRMWARE,		/* before the kernel: TDVF/OVMF/td-shim */
	ACCEPT_EARLY,			/* EFI stub, decompressor, memblock allocations */
	ACCEPT_BOOT_FREE,		/* releasing boot memory (eager, sub-chunk pieces) */
	ACCEPT_RUNTIME,			/* lazily, on behalf of an allocation or a worker */
	NR_ACCEPT_PHASES,
};

struct unaccepted_mem {
	uint64_t *bitmap;		/* bit u: 2 MiB unit u is unaccepted */
	uint64_t nr_units;		/* units covering [0, end of RAM) */
	uint64_t unaccepted_units;	/* set bits */
	bool lazy;			/* accept_memory=lazy: chunks go to zone lists */
	bool fake;			/* v9 fake_unaccepted_start: accepting is free */
	struct cost_model cost;
	enum accept_phase phase;	/* what accept_memory() charges now */
	uint64_t phase_ns[NR_ACCEPT_PHASES];	/* accept time charged per phase, ns */
	uint64_t phase_bytes[NR_ACCEPT_PHASES];	/* bytes accepted per phase */
	uint64_t pending_ns;		/* runtime accept time not yet given to a CPU */
	uint64_t chunks_accepted;	/* try_to_accept_memory_one() successes */
	uint64_t accept_calls;		/* accept_memory() calls that accepted something */
	GArray *host_backed;		/* struct accepted_sample over virtual time */
};

struct accepted_sample {
	uint64_t time_ns;
	uint64_t accepted_bytes;
};

/* Firmware acceptance before the kernel runs. */
enum fw_accept {
	FW_ACCEPT_ALL,			/* nothing left unaccepted (no lazy acceptance) */
	FW_ACCEPT_BELOW_4G,		/* TDVF: all RAM below 4 GiB */
	FW_ACCEPT_AMOUNT,		/* all RAM below address fw_accept_bytes */
};

struct unaccepted_config {
	enum fw_accept fw;
	uint64_t fw_accept_bytes;	/* FW_ACCEPT_AMOUNT */
	uint64_t fake_start;		/* v9 fake_unaccepted_start=, bytes; 0 = off */
	bool lazy;			/* accept_memory=lazy (true) or eager */
	const struct cost_model *cost;	/* NULL: accepting costs nothing */
};

/*
 * Set up the bitmap from the firmware map and charge the firmware's own
 * acceptance.  Called by pgdat_create() before memblock reservations.
 */
void unaccepted_init(struct pgdat *pgdat, const struct unaccepted_config *uc);
void unaccepted_destroy(struct pgdat *pgdat);

/* Any unaccepted unit in [start, end) pfns, or in the unit after it when end is aligned. */
bool range_contains_unaccepted(const struct pgdat *pgdat, uint32_t start_pfn, uint32_t end_pfn);

/* Accept [start, end) pfns (plus the guard unit); returns bytes newly accepted. */
uint64_t accept_memory(struct pgdat *pgdat, uint32_t start_pfn, uint32_t end_pfn);

/* Put a boot chunk on its zone's unaccepted list ([6.12+] PageUnaccepted). */
void __free_unaccepted(struct zone *zone, uint32_t pfn);

/* Accept the first chunk of @zone's list and free it to the buddy. */
bool try_to_accept_memory_one(struct zone *zone);

/*
 * The kernel's acceptance decision at an allocation site, per era:
 *  [6.5]  try_to_accept_memory(): on watermark or rmqueue failure, at least
 *         one chunk, until usable free reaches HIGH;
 *  [6.12] cond_accept_memory(): at every zone visit too, only while usable
 *         free (unaccepted excluded) is below PROMO;
 *  [6.15] as 6.12, and one chunk when PROMO is still 0.
 * @target overrides the mark (WMARK_HIGH or WMARK_PROMO); -1 = the era's.
 */
bool kernel_accept_memory(struct zone *zone, unsigned int order, enum accept_site site,
			  int target);

uint64_t unaccepted_bytes(const struct pgdat *pgdat);
uint64_t accepted_bytes(const struct pgdat *pgdat);	/* RAM minus unaccepted */

#endif /* SIM_UNACCEPTED_H */
