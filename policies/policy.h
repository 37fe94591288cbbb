/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Acceptance policies: how a guest turns unaccepted memory into usable
 * memory.  One file per policy, each a const struct policy_ops plus its
 * private state (struct policy embedded first), and one registry line in
 * registry.c.  docs/adding-a-policy.md walks through a new one.
 */
#ifndef POLICIES_POLICY_H
#define POLICIES_POLICY_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>
#include "sim/mm.h"

/* What the firmware and the kernel do with unaccepted memory at boot. */
enum policy_boot {
	POLICY_BOOT_NONE,	/* no unaccepted memory: not a TDX/SNP guest, or all pre-accepted */
	POLICY_BOOT_EAGER,	/* accept_memory=eager: everything accepted while booting */
	POLICY_BOOT_LAZY,	/* accept_memory=lazy: whole chunks wait on zone lists */
};

struct policy;

struct policy_ops {
	const char *name;		/* CLI name, e.g. "watermark" */
	const char *summary;		/* one line for "acceptsim list policies" */
	const char *params;		/* one line: key=value parameters and defaults */
	enum policy_boot boot;
	/* @params: "key" -> "value" from --policy NAME:k=v,...; may be NULL */
	struct policy *(*create)(GHashTable *params, GError **error);
	void (*destroy)(struct policy *p);
	/*
	 * The allocator reached @site for a request of @order in @zone; may
	 * accept chunks (kernel_accept_memory(), try_to_accept_memory_one()).
	 * True if it made memory available.  May be NULL.
	 */
	bool (*accept)(struct policy *p, struct zone *zone, unsigned int order,
		       unsigned int alloc_flags, enum accept_site site);
	/*
	 * Every tick_ns of virtual time after boot, for each idle CPU: do
	 * background work; return the CPU time it took, ns.  May be NULL.
	 */
	uint64_t (*idle)(struct policy *p, struct pgdat *pgdat, int cpu, uint64_t now_ns);
};

struct policy {
	const struct policy_ops *ops;
	uint64_t tick_ns;		/* period of idle(), 0 = never */
};

const struct policy_ops *policy_lookup(const char *name);
const struct policy_ops *const *policy_get_all(size_t *n);

/*
 * Create a policy from "NAME" or "NAME:key=value,key=value".  Unknown
 * names and parameters are errors naming them.
 */
struct policy *policy_create_spec(const char *spec, GError **error);
void policy_destroy(struct policy *p);

/* The mm_hooks.accept trampoline; ctx is the struct policy. */
bool policy_accept_hook(void *ctx, struct pgdat *pgdat, struct zone *zone, unsigned int order,
			unsigned int alloc_flags, enum accept_site site);

/* Parameter helpers for create(). */
bool policy_params_check(GHashTable *params, const char *policy, const char *const *known,
			 GError **error);
const char *policy_param(GHashTable *params, const char *key);

extern const struct policy_ops policy_none_ops;
extern const struct policy_ops policy_eager_ops;
extern const struct policy_ops policy_lazy_ops;
extern const struct policy_ops policy_watermark_ops;
extern const struct policy_ops policy_background_ops;

#endif /* POLICIES_POLICY_H */
