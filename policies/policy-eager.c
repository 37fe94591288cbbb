// SPDX-License-Identifier: GPL-2.0-only
/*
 * eager: accept_memory=eager.  The firmware leaves memory unaccepted, and
 * the kernel accepts every chunk as it releases boot memory: a slow boot,
 * no acceptance afterwards, all memory host-backed from the start.
 */
#include "policy.h"

static struct policy *eager_create(GHashTable *params, GError **error)
{
	struct policy *p;

	if (!policy_params_check(params, "eager", NULL, error))
		return NULL;
	p = g_new0(struct policy, 1);
	p->ops = &policy_eager_ops;
	return p;
}

static void eager_destroy(struct policy *p)
{
	g_free(p);
}

const struct policy_ops policy_eager_ops = {
	.name = "eager",
	.summary = "accept everything during boot (accept_memory=eager)",
	.params = "",
	.boot = POLICY_BOOT_EAGER,
	.create = eager_create,
	.destroy = eager_destroy,
};
