// SPDX-License-Identifier: GPL-2.0-only
/*
 * Parsers of saved /proc/buddyinfo and /proc/pagetypeinfo (mm/vmstat.c,
 * frag_show_print(), pagetypeinfo_showfree_print(),
 * pagetypeinfo_showblockcount_print(), pagetypeinfo_showmixedcount()):
 *
 *   Node 0, zone   Normal   2086   1663 ...                      (buddyinfo)
 *   Node    0, zone   Normal, type    Unmovable    112    325 ... (free by type)
 *   Number of blocks type     Unmovable      Movable ...
 *   Node 0, zone   Normal           61          914 ...           (blocks by type)
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "sim/cli.h"
#include "procfs.h"

enum table {
	TABLE_NONE,
	TABLE_FREE,				/* "Free pages count per migrate type" */
	TABLE_BLOCKS,				/* "Number of blocks type" */
	TABLE_MIXED,				/* "Number of mixed blocks" */
};

static bool parse_error(GError **error, const char *name, unsigned int line, const char *what,
			const char *text)
{
	g_set_error(error, SIM_CLI_ERROR, SIM_CLI_ERROR_PARSE, "%s:%u: %s: '%.60s'", name, line,
		    what, text);
	return false;
}

/* A count; ">100000" (pagetypeinfo's cap) sets *capped. */
static bool parse_count(const char *s, uint64_t *v, bool *capped)
{
	char *end;

	if (*s == '>') {
		*capped = true;
		s++;
	}
	if (!g_ascii_isdigit(*s))
		return false;
	errno = 0;
	*v = g_ascii_strtoull(s, &end, 10);
	return errno == 0 && *end == '\0';
}

static struct snap_zone *find_zone(struct snapshot *snap, int node, const char *name)
{
	struct snap_zone z = { .node = node };

	for (guint i = 0; i < snap->zones->len; i++) {
		struct snap_zone *p = &g_array_index(snap->zones, struct snap_zone, i);

		if (p->node == node && !strcmp(p->name, name))
			return p;
	}
	g_strlcpy(z.name, name, sizeof(z.name));
	g_array_append_val(snap->zones, z);
	return &g_array_index(snap->zones, struct snap_zone, snap->zones->len - 1);
}

static int type_index(struct snapshot *snap, const char *name)
{
	for (int i = 0; i < snap->nr_types; i++)
		if (!strcmp(snap->types[i], name))
			return i;
	if (snap->nr_types == SNAP_MAX_TYPES)
		return -1;
	snap->types[snap->nr_types] = g_strdup(name);
	return snap->nr_types++;
}

/* Words of @line split at blanks; commas after a word dropped. */
static char **split_words(const char *line, guint *n)
{
	char **w = g_strsplit_set(line, " \t", -1);
	guint j = 0;

	for (guint i = 0; w[i]; i++) {
		size_t len = strlen(w[i]);

		if (!len) {
			g_free(w[i]);
			continue;
		}
		if (w[i][len - 1] == ',')
			w[i][len - 1] = '\0';
		w[j++] = w[i];
	}
	w[j] = NULL;
	*n = j;
	return w;
}

/* A "Node N, zone NAME ..." line; @w are its words. */
static bool parse_node_line(struct snapshot *snap, enum table table, char **w, guint n,
			    const char *name, unsigned int lineno, const char *line,
			    GError **error)
{
	struct snap_zone *z;
	char *end;
	long node;

	if (n < 4 || strcmp(w[2], "zone"))
		return parse_error(error, name, lineno, "expected 'Node N, zone NAME'", line);
	node = strtol(w[1], &end, 10);
	if (*end || node < 0 || node > 1023)
		return parse_error(error, name, lineno, "bad node number", line);
	if (strlen(w[3]) >= SNAP_ZONE_NAME)
		return parse_error(error, name, lineno, "zone name too long", line);
	z = find_zone(snap, (int)node, w[3]);

	if (n > 5 && !strcmp(w[4], "type")) {		/* pagetypeinfo free counts */
		int t = type_index(snap, w[5]);

		if (t < 0)
			return parse_error(error, name, lineno, "too many migratetypes", line);
		if (n != 6 + NR_PAGE_ORDERS)
			return parse_error(error, name, lineno, "expected 11 orders", line);
		for (unsigned int o = 0; o < NR_PAGE_ORDERS; o++)
			if (!parse_count(w[6 + o], &z->nr_free_mt[t][o], &z->capped))
				return parse_error(error, name, lineno, "bad count", line);
		z->have_types = true;
		return true;
	}
	if (table == TABLE_BLOCKS || table == TABLE_MIXED) {
		uint64_t *v = table == TABLE_BLOCKS ? z->blocks : z->mixed;
		bool capped = false;

		if (n != 4 + (guint)snap->nr_types)
			return parse_error(error, name, lineno,
					   "column count differs from the table header", line);
		for (int t = 0; t < snap->nr_types; t++)
			if (!parse_count(w[4 + t], &v[t], &capped))
				return parse_error(error, name, lineno, "bad count", line);
		if (table == TABLE_BLOCKS)
			z->have_blocks = true;
		else
			z->have_mixed = true;
		return true;
	}
	/* buddyinfo */
	if (n != 4 + NR_PAGE_ORDERS)
		return parse_error(error, name, lineno, "expected 11 orders (buddyinfo)", line);
	for (unsigned int o = 0; o < NR_PAGE_ORDERS; o++) {
		bool capped = false;

		if (!parse_count(w[4 + o], &z->nr_free[o], &capped) || capped)
			return parse_error(error, name, lineno, "bad count", line);
	}
	z->have_buddy = true;
	return true;
}

/* "Number of blocks type  Unmovable ..." / "Number of mixed blocks  Unmovable ...". */
static bool parse_table_header(struct snapshot *snap, char **w, guint n, guint first,
			       const char *name, unsigned int lineno, const char *line,
			       GError **error)
{
	for (guint i = first; i < n; i++) {
		int t = type_index(snap, w[i]);

		if (t < 0)
			return parse_error(error, name, lineno, "too many migratetypes", line);
		if (t != (int)(i - first))
			return parse_error(error, name, lineno,
					   "migratetype columns in another order than above", line);
	}
	return true;
}

bool snapshot_parse(struct snapshot *snap, const char *name, const char *text, GError **error)
{
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	enum table table = TABLE_NONE;

	if (!snap->zones) {
		snap->zones = g_array_new(FALSE, TRUE, sizeof(struct snap_zone));
		snap->pageblock_order = -1;
	}
	for (unsigned int i = 0; lines[i]; i++) {
		const char *line = lines[i];
		g_auto(GStrv) w = NULL;
		guint n;

		w = split_words(line, &n);
		if (n == 0) {
			table = TABLE_NONE;
			continue;
		}
		if (!strcmp(w[0], "Node")) {
			if (!parse_node_line(snap, table, w, n, name, i + 1, line, error))
				return false;
		} else if (n >= 4 && !strcmp(w[0], "Page") && !strcmp(w[1], "block") &&
			   !strcmp(w[2], "order:")) {
			snap->pageblock_order = atoi(w[3]);
		} else if (n >= 3 && !strcmp(w[0], "Pages") && !strcmp(w[1], "per")) {
			/* "Pages per block:  512" */
		} else if (n >= 4 && !strcmp(w[0], "Free") && !strcmp(w[1], "pages")) {
			table = TABLE_FREE;
		} else if (n >= 4 && !strcmp(w[0], "Number") && !strcmp(w[2], "blocks") &&
			   !strcmp(w[3], "type")) {
			if (!parse_table_header(snap, w, n, 4, name, i + 1, line, error))
				return false;
			table = TABLE_BLOCKS;
		} else if (n >= 4 && !strcmp(w[0], "Number") && !strcmp(w[2], "mixed")) {
			if (!parse_table_header(snap, w, n, 4, name, i + 1, line, error))
				return false;
			table = TABLE_MIXED;
		} else {
			return parse_error(error, name, i + 1,
					   "not a buddyinfo or pagetypeinfo line", line);
		}
	}
	if (snap->zones->len == 0) {
		g_set_error(error, SIM_CLI_ERROR, SIM_CLI_ERROR_PARSE,
			    "%s: no zones (not a buddyinfo or pagetypeinfo snapshot)", name);
		return false;
	}
	return true;
}

static bool load_file(struct snapshot *snap, const char *path, GError **error)
{
	g_autofree char *text = NULL;
	gsize len;
	struct stat st;

	if (!g_file_get_contents(path, &text, &len, error))
		return false;
	if (memchr(text, '\0', len)) {
		g_set_error(error, SIM_CLI_ERROR, SIM_CLI_ERROR_PARSE,
			    "%s: binary data, not a /proc snapshot", path);
		return false;
	}
	if (stat(path, &st) == 0 && snap->mtime == 0)
		snap->mtime = (double)st.st_mtim.tv_sec + st.st_mtim.tv_nsec / 1e9;
	return snapshot_parse(snap, path, text, error);
}

bool snapshot_load(struct snapshot *snap, const char *path, GError **error)
{
	snap->path = g_strdup(path);
	if (g_file_test(path, G_FILE_TEST_IS_DIR)) {
		g_autofree char *buddy = g_build_filename(path, "buddyinfo", NULL);
		g_autofree char *pti = g_build_filename(path, "pagetypeinfo", NULL);
		bool any = false;

		if (g_file_test(buddy, G_FILE_TEST_EXISTS)) {
			if (!load_file(snap, buddy, error))
				return false;
			any = true;
		}
		if (g_file_test(pti, G_FILE_TEST_EXISTS)) {
			if (!load_file(snap, pti, error))
				return false;
			any = true;
		}
		if (!any) {
			g_set_error(error, SIM_CLI_ERROR, SIM_CLI_ERROR_IO,
				    "%s: directory has no buddyinfo or pagetypeinfo", path);
			return false;
		}
		return true;
	}
	return load_file(snap, path, error);
}

void snapshot_clear(struct snapshot *snap)
{
	for (int t = 0; t < snap->nr_types; t++)
		g_free(snap->types[t]);
	if (snap->zones)
		g_array_free(snap->zones, TRUE);
	g_free(snap->path);
	memset(snap, 0, sizeof(*snap));
}

void snap_zone_nr_free(const struct snap_zone *z, uint64_t nr_free[NR_PAGE_ORDERS])
{
	for (unsigned int o = 0; o < NR_PAGE_ORDERS; o++) {
		nr_free[o] = z->nr_free[o];
		if (z->have_buddy)
			continue;
		nr_free[o] = 0;
		for (int t = 0; t < SNAP_MAX_TYPES; t++)
			nr_free[o] += z->nr_free_mt[t][o];
	}
}
