// SPDX-License-Identifier: GPL-2.0-only
/*
 * lazy: the least acceptance possible.  A chunk is accepted only when a
 * request would otherwise fail in a zone at the slow path's marks (MIN,
 * or HIGH before the OOM killer), one chunk per failure, so free accepted
 * memory hovers at the min watermark.  No kernel does this; it bounds how
 * little host memory a guest can get away with.
 */
#include "policy.h"
#include "sim/unaccepted.h"

static struct policy *lazy_create(GHashTable *params, GError **error)
{
	struct policy *p;

	if (!policy_params_check(params, "lazy", NULL, error))
		return NULL;
	p = g_new0(struct policy, 1);
	p->ops = &policy_lazy_ops;
	return p;
}

static void lazy_destroy(struct policy *p)
{
	g_free(p);
}

static bool lazy_accept(struct policy *p, struct zone *zone, unsigned int order,
			unsigned int alloc_flags, enum accept_site site)
{
	(void)p;
	(void)order;
	if (site == ACCEPT_ZONE_VISIT)
		return false;
	/* the fast path (LOW) may still fall back to another zone or reclaim */
	if ((alloc_flags & ALLOC_WMARK_MASK) == ALLOC_WMARK_LOW)
		return false;
	return try_to_accept_memory_one(zone);
}

const struct policy_ops policy_lazy_ops = {
	.name = "lazy",
	.summary = "accept one chunk only when a request would otherwise fail",
	.params = "",
	.boot = POLICY_BOOT_LAZY,
	.create = lazy_create,
	.destroy = lazy_destroy,
	.accept = lazy_accept,
};
