// SPDX-License-Identifier: GPL-2.0-only
/* Scenario files: GKeyFile INI read into a run_spec. */
#include <string.h>
#include "scenario.h"
#include "cli.h"

const char *scenario_dir(void)
{
	const char *d = g_getenv("ACCEPTSIM_SCENARIOS");

	return d && *d ? d : ACCEPTSIM_SCENARIO_DIR;
}

static char *scenario_path(const char *name)
{
	if (strchr(name, '/') || g_str_has_suffix(name, ".ini"))
		return g_strdup(name);
	return g_strdup_printf("%s/%s.ini", scenario_dir(), name);
}

static bool apply_group(struct run_spec *rs, GKeyFile *kf, const char *path, const char *group,
			const char *prefix, GError **error)
{
	g_auto(GStrv) keys = g_key_file_get_keys(kf, group, NULL, NULL);

	for (char **k = keys; k && *k; k++) {
		g_autoptr(GError) e = NULL;
		/* may return a string and set an error too ("10\" ends in a lone backslash) */
		g_autofree char *value = g_key_file_get_string(kf, group, *k, &e);
		g_autofree char *key = g_strconcat(prefix, *k, NULL);

		if (e || !value) {
			g_set_error(error, SIM_CLI_ERROR, SIM_CLI_ERROR_PARSE, "%s: [%s] %s: %s", path,
				    group, *k, e ? e->message : "no value");
			return false;
		}
		g_strstrip(value);
		if (!run_spec_set(rs, key, value, error)) {
			g_prefix_error(error, "%s: [%s] ", path, group);
			return false;
		}
	}
	return true;
}

bool scenario_apply(struct run_spec *rs, const char *name, GError **error)
{
	static const char *const groups[] = { "scenario", "machine", "run", "workload", NULL };
	g_autofree char *path = scenario_path(name);
	g_autoptr(GKeyFile) kf = g_key_file_new();
	g_autoptr(GError) e = NULL;
	g_auto(GStrv) found = NULL;

	if (!g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, &e)) {
		if (g_error_matches(e, G_FILE_ERROR, G_FILE_ERROR_NOENT) && !strchr(name, '/'))
			g_set_error(error, SIM_CLI_ERROR, SIM_CLI_ERROR_USAGE,
				    "unknown scenario '%s' (see 'acceptsim list scenarios')", name);
		else
			g_set_error(error, SIM_CLI_ERROR, SIM_CLI_ERROR_PARSE, "%s: %s", path,
				    e->message);
		return false;
	}
	found = g_key_file_get_groups(kf, NULL);
	for (char **g = found; *g; g++) {
		if (!g_strv_contains(groups, *g)) {
			g_set_error(error, SIM_CLI_ERROR, SIM_CLI_ERROR_PARSE,
				    "%s: unknown section [%s] (expected scenario, machine, run, workload)",
				    path, *g);
			return false;
		}
	}
	return apply_group(rs, kf, path, "machine", "", error) &&
	       apply_group(rs, kf, path, "run", "", error) &&
	       apply_group(rs, kf, path, "workload", "wl.", error);
}

static int cmp_names(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

GPtrArray *scenario_list(GPtrArray **descriptions, GError **error)
{
	g_autoptr(GDir) dir = g_dir_open(scenario_dir(), 0, error);
	GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
	const char *f;

	*descriptions = g_ptr_array_new_with_free_func(g_free);
	if (!dir)
		return names;
	while ((f = g_dir_read_name(dir))) {
		if (g_str_has_suffix(f, ".ini"))
			g_ptr_array_add(names, g_strndup(f, strlen(f) - 4));
	}
	g_ptr_array_sort(names, cmp_names);
	for (guint i = 0; i < names->len; i++) {
		g_autofree char *path = scenario_path(g_ptr_array_index(names, i));
		g_autoptr(GKeyFile) kf = g_key_file_new();
		char *d = NULL;

		if (g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, NULL))
			d = g_key_file_get_string(kf, "scenario", "description", NULL);
		g_ptr_array_add(*descriptions, d ? d : g_strdup("(no description)"));
	}
	return names;
}
