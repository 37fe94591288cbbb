/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Workload generators: each produces a time-ordered stream of page
 * allocation and free requests from an explicit seed.  A request names a
 * *slot*: an allocation fills it, a later free releases whatever the model
 * gave for it (nothing, if the allocation failed).  Same ops shape as the
 * policies: a const table per workload file plus a registry.
 */
#ifndef WORKLOADS_WORKLOAD_H
#define WORKLOADS_WORKLOAD_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>
#include <json-glib/json-glib.h>
#include "sim/mm.h"

enum wl_op {
	WL_ALLOC,
	WL_FREE,
	WL_MARK_BOOTED,			/* boot reached the shell */
	WL_NOP,				/* only advances the CPU's clock */
	WL_ALLOC_AT,			/* allocate exactly at pfn (pfn-faithful replay) */
};

/* What an allocation is, for reclaim (WL_ALLOC only). */
#define WL_F_FILE	0x01		/* page cache: on the file LRU, reclaimable */
#define WL_F_ANON	0x02		/* anonymous: reclaimable only with swap */

struct wl_event {
	uint64_t time_ns;		/* virtual time of the request, ns */
	enum wl_op op;
	uint32_t slot;			/* request handle, < workload.nr_slots */
	uint16_t cpu;			/* simulated CPU issuing it */
	uint8_t order;
	uint8_t flags;			/* WL_F_*, WL_ALLOC only */
	gfp_t gfp;			/* WL_ALLOC only */
	uint32_t pfn;			/* WL_ALLOC_AT only */
};

/* What every workload is created from. */
struct wl_params {
	uint64_t seed;
	unsigned int cpus;
	uint64_t managed_pages;		/* the guest's usable pages, for sizing */
	GHashTable *kv;			/* "key" -> "value" workload options, may be NULL */
};

struct workload;

struct workload_ops {
	const char *name;		/* CLI name, e.g. "random" */
	const char *summary;		/* one line for "acceptsim list workloads" */
	const char *options;		/* one line: key=value options and defaults */
	struct workload *(*create)(const struct wl_params *p, GError **error);
	void (*destroy)(struct workload *wl);
	/* Next request; false when the workload is done. */
	bool (*next)(struct workload *wl, struct wl_event *ev);
	/*
	 * Optional, batchable workloads: up to @max requests into @ev, as
	 * many next() calls; returns how many, fewer only at the end.
	 */
	unsigned int (*fill)(struct workload *wl, struct wl_event *ev, unsigned int max);
	/* Outcome of the last WL_ALLOC (pfn or PFN_NONE); may be NULL. */
	void (*result)(struct workload *wl, uint32_t slot, uint32_t pfn);
	/* Add workload-specific members to the run's JSON object; may be NULL. */
	void (*report)(struct workload *wl, JsonBuilder *b);
};

struct workload {
	const struct workload_ops *ops;
	uint32_t nr_slots;		/* slots the runner must provide; may grow */
	bool has_boot_mark;		/* emits WL_MARK_BOOTED when boot is done */
	bool batchable;			/* next() never depends on result(): the runner
					   may ask ahead, from another thread, and
					   does not call result() */
	GError *error;			/* set when next() stopped on bad input */
};

const struct workload_ops *workload_lookup(const char *name);
const struct workload_ops *const *workload_get_all(size_t *n);

/*
 * Option helpers for create(): read @key from @p->kv, falling back to
 * @def; unknown keys are reported by wl_params_check().
 */
bool wl_param_u64(const struct wl_params *p, const char *key, uint64_t def, uint64_t min,
		  uint64_t max, uint64_t *out, GError **error);
bool wl_param_double(const struct wl_params *p, const char *key, double def, double min,
		     double max, double *out, GError **error);
bool wl_params_check(const struct wl_params *p, const char *workload,
		     const char *const *known, GError **error);

/* Parse "k=v,k=v" into @kv (created if NULL). */
bool wl_params_parse(const char *spec, GHashTable **kv, GError **error);

extern const struct workload_ops wl_random_ops;
extern const struct workload_ops wl_boot_ops;
extern const struct workload_ops wl_kbuild_ops;
extern const struct workload_ops wl_trace_ops;

#endif /* WORKLOADS_WORKLOAD_H */
