// SPDX-License-Identifier: GPL-2.0-only
/* The workload registry and option helpers. */
#include <stdlib.h>
#include <string.h>
#include "workload.h"
#include "sim/cli.h"

static const struct workload_ops *const workload_table[] = {
	&wl_random_ops,
	&wl_boot_ops,
	&wl_kbuild_ops,
	&wl_trace_ops,
};

const struct workload_ops *workload_lookup(const char *name)
{
	for (size_t i = 0; i < G_N_ELEMENTS(workload_table); i++)
		if (!strcmp(workload_table[i]->name, name))
			return workload_table[i];
	return NULL;
}

const struct workload_ops *const *workload_get_all(size_t *n)
{
	*n = G_N_ELEMENTS(workload_table);
	return workload_table;
}

bool wl_params_parse(const char *spec, GHashTable **kv, GError **error)
{
	g_auto(GStrv) parts = g_strsplit(spec, ",", -1);

	if (!*kv)
		*kv = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	for (char **p = parts; *p; p++) {
		char *eq = strchr(*p, '=');

		if (!**p)
			continue;
		if (!eq || eq == *p) {
			g_set_error(error, SIM_CLI_ERROR, SIM_CLI_ERROR_USAGE,
				    "option '%s' is not of the form key=value", *p);
			return false;
		}
		g_hash_table_replace(*kv, g_strndup(*p, (gsize)(eq - *p)), g_strdup(eq + 1));
	}
	return true;
}

bool wl_param_u64(const struct wl_params *p, const char *key, uint64_t def, uint64_t min,
		  uint64_t max, uint64_t *out, GError **error)
{
	const char *v = p->kv ? g_hash_table_lookup(p->kv, key) : NULL;

	*out = def;
	if (!v)
		return true;
	if (!parse_uint(v, min, max, out, error)) {
		g_prefix_error(error, "workload option %s: ", key);
		return false;
	}
	return true;
}

bool wl_param_double(const struct wl_params *p, const char *key, double def, double min,
		     double max, double *out, GError **error)
{
	const char *v = p->kv ? g_hash_table_lookup(p->kv, key) : NULL;
	char *end;

	*out = def;
	if (!v)
		return true;
	*out = g_ascii_strtod(v, &end);
	if (end == v || *end || !(*out >= min && *out <= max)) {
		g_set_error(error, SIM_CLI_ERROR, SIM_CLI_ERROR_USAGE,
			    "workload option %s: invalid value '%s' (expected %g..%g)", key, v, min, max);
		return false;
	}
	return true;
}

bool wl_params_check(const struct wl_params *p, const char *workload,
		     const char *const *known, GError **error)
{
	GHashTableIter it;
	gpointer key;

	if (!p->kv)
		return true;
	g_hash_table_iter_init(&it, p->kv);
	while (g_hash_table_iter_next(&it, &key, NULL)) {
		if (!g_strv_contains(known, key)) {
			g_set_error(error, SIM_CLI_ERROR, SIM_CLI_ERROR_USAGE,
				    "workload %s has no option '%s'", workload, (const char *)key);
			return false;
		}
	}
	return true;
}
