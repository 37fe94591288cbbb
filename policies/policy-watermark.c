// SPDX-License-Identifier: GPL-2.0-only
/*
 * watermark: what the kernel of the selected era does (cond_accept_memory()
 * and its predecessors, see sim/unaccepted.c: kernel_accept_memory()).
 *   [6.5]   on a watermark or rmqueue failure, accept to HIGH, at least one chunk
 *   [6.12]  at every zone visit, accept while usable free < PROMO
 *   [6.15]  as 6.12, one chunk while PROMO is 0
 * Parameter target=high|promo overrides the mark (target=high on 6.12 or
 * 6.15 gives 6.11's behaviour).
 */
#include <string.h>
#include "policy.h"
#include "sim/unaccepted.h"
#include "sim/cli.h"

struct policy_watermark {
	struct policy base;
	int target;			/* enum zone_watermarks, -1 = the era's */
};

/* Shared with background.c: parse target= into @target. */
bool watermark_parse_target(GHashTable *params, int *target, GError **error);

bool watermark_parse_target(GHashTable *params, int *target, GError **error)
{
	const char *t = policy_param(params, "target");

	*target = -1;
	if (!t)
		return true;
	if (!strcmp(t, "high"))
		*target = WMARK_HIGH;
	else if (!strcmp(t, "promo"))
		*target = WMARK_PROMO;
	else if (!strcmp(t, "low"))
		*target = WMARK_LOW;
	else {
		g_set_error(error, SIM_CLI_ERROR, SIM_CLI_ERROR_USAGE,
			    "policy parameter target: '%s' is not low, high or promo", t);
		return false;
	}
	return true;
}

static struct policy *watermark_create(GHashTable *params, GError **error)
{
	static const char *const known[] = { "target", NULL };
	struct policy_watermark *w;
	int target;

	if (!policy_params_check(params, "watermark", known, error) ||
	    !watermark_parse_target(params, &target, error))
		return NULL;
	w = g_new0(struct policy_watermark, 1);
	w->base.ops = &policy_watermark_ops;
	w->target = target;
	return &w->base;
}

static void watermark_destroy(struct policy *p)
{
	g_free(p);
}

static bool watermark_accept(struct policy *p, struct zone *zone, unsigned int order,
			     unsigned int alloc_flags, enum accept_site site)
{
	(void)alloc_flags;
	return kernel_accept_memory(zone, order, site, ((struct policy_watermark *)p)->target);
}

const struct policy_ops policy_watermark_ops = {
	.name = "watermark",
	.summary = "the kernel's behaviour for the selected era (to HIGH or PROMO)",
	.params = "target=high|promo (default: the era's)",
	.boot = POLICY_BOOT_LAZY,
	.create = watermark_create,
	.destroy = watermark_destroy,
	.accept = watermark_accept,
};
