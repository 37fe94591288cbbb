// SPDX-License-Identifier: GPL-2.0-only
/* The policy registry: every policy the CLI knows, and the shared plumbing. */
#include <string.h>
#include "policy.h"
#include "sim/cli.h"
#include "workloads/workload.h"

static const struct policy_ops *const policy_table[] = {
	&policy_none_ops,
	&policy_eager_ops,
	&policy_lazy_ops,
	&policy_watermark_ops,
	&policy_background_ops,
};

const struct policy_ops *policy_lookup(const char *name)
{
	for (size_t i = 0; i < G_N_ELEMENTS(policy_table); i++)
		if (!strcmp(policy_table[i]->name, name))
			return policy_table[i];
	return NULL;
}

const struct policy_ops *const *policy_get_all(size_t *n)
{
	*n = G_N_ELEMENTS(policy_table);
	return policy_table;
}

struct policy *policy_create_spec(const char *spec, GError **error)
{
	g_autofree char *name = g_strdup(spec);
	char *colon = strchr(name, ':');
	GHashTable *params = NULL;
	const struct policy_ops *ops;
	struct policy *p = NULL;

	if (colon)
		*colon = '\0';
	ops = policy_lookup(name);
	if (!ops) {
		g_set_error(error, SIM_CLI_ERROR, SIM_CLI_ERROR_USAGE,
			    "unknown policy '%s' (see 'acceptsim list policies')", name);
		return NULL;
	}
	if (colon && !wl_params_parse(colon + 1, &params, error))
		goto out;
	p = ops->create(params, error);
out:
	if (params)
		g_hash_table_unref(params);
	return p;
}

void policy_destroy(struct policy *p)
{
	if (p)
		p->ops->destroy(p);
}

bool policy_accept_hook(void *ctx, struct pgdat *pgdat, struct zone *zone, unsigned int order,
			unsigned int alloc_flags, enum accept_site site)
{
	struct policy *p = ctx;

	(void)pgdat;
	return p->ops->accept && p->ops->accept(p, zone, order, alloc_flags, site);
}

bool policy_params_check(GHashTable *params, const char *policy, const char *const *known,
			 GError **error)
{
	GHashTableIter it;
	gpointer key;

	if (!params)
		return true;
	g_hash_table_iter_init(&it, params);
	while (g_hash_table_iter_next(&it, &key, NULL)) {
		if (!known || !g_strv_contains(known, key)) {
			g_set_error(error, SIM_CLI_ERROR, SIM_CLI_ERROR_USAGE,
				    "policy %s has no parameter '%s'", policy, (const char *)key);
			return false;
		}
	}
	return true;
}

const char *policy_param(GHashTable *params, const char *key)
{
	return params ? g_hash_table_lookup(params, key) : NULL;
}
