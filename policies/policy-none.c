// SPDX-License-Identifier: GPL-2.0-only
/*
 * none: no unaccepted memory at all -- the unpatched baseline of the v9
 * fragmentation study, or a guest whose firmware accepted everything.
 */
#include "policy.h"

static struct policy *none_create(GHashTable *params, GError **error)
{
	struct policy *p;

	if (!policy_params_check(params, "none", NULL, error))
		return NULL;
	p = g_new0(struct policy, 1);
	p->ops = &policy_none_ops;
	return p;
}

static void none_destroy(struct policy *p)
{
	g_free(p);
}

const struct policy_ops policy_none_ops = {
	.name = "none",
	.summary = "no unaccepted memory (unpatched baseline)",
	.params = "",
	.boot = POLICY_BOOT_NONE,
	.create = none_create,
	.destroy = none_destroy,
};
