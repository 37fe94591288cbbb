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

/* Lines of a text split at '\n': a last empty piece is no line. */
static unsigned int text_lines(char **lines)
{
	unsigned int n = g_strv_length(lines);

	return n && !*lines[n - 1] ? n - 1 : n;
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
	if (!z->line)
		z->line = lineno;

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
			uint64_t v;
			bool capped = false;

			if (n != 4 || !parse_count(w[3], &v, &capped) || capped || v < 1 || v > 20)
				return parse_error(error, name, i + 1, "bad page block order", line);
			snap->pageblock_order = (int)v;
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
	snap->lines = text_lines(lines);
	if (snap->zones->len == 0) {
		g_set_error(error, SIM_CLI_ERROR, SIM_CLI_ERROR_PARSE,
			    "%s:%u: no zones (not a buddyinfo or pagetypeinfo snapshot)", name,
			    MAX(snap->lines, 1));
		return false;
	}
	return true;
}

/* Snapshots are a few KiB even with 1024 nodes; more is no snapshot. */
#define SNAP_MAX_FILE_SIZE	(64 << 20)

static bool load_file(struct snapshot *snap, const char *path, GError **error)
{
	g_autofree char *text = NULL;
	gsize len;
	struct stat st;

	/* /dev/zero would be read forever; /proc files have size 0 and pass */
	if (stat(path, &st) == 0 && (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ||
				     st.st_size > SNAP_MAX_FILE_SIZE)) {
		g_set_error(error, SIM_CLI_ERROR, SIM_CLI_ERROR_PARSE,
			    "%s: %s, not a /proc snapshot", path,
			    st.st_size > SNAP_MAX_FILE_SIZE ? "larger than 64 MiB" : "a device");
		return false;
	}
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

/* ------------------------------------------------------------ zoneinfo */

static const char *const zi_keys[ZI_NR_FIELDS] = {
	[ZI_FREE] = "free",		/* "pages free N" */
	[ZI_SPANNED] = "spanned",
	[ZI_PRESENT] = "present",
	[ZI_MANAGED] = "managed",
	[ZI_START_PFN] = "start_pfn:",
};

/* An identifier of zoneinfo's counters: "nr_free_pages", "high_min:", "per-node". */
static bool zi_is_key(const char *w)
{
	size_t len = strlen(w);

	if (len && w[len - 1] == ':')
		len--;
	if (!len || !g_ascii_isalpha(w[0]))
		return false;
	for (size_t i = 0; i < len; i++)
		if (!g_ascii_isalnum(w[i]) && w[i] != '_' && w[i] != '-')
			return false;
	return true;
}

/* A decimal count that fits in 64 bits. */
static bool zi_number(const char *w, uint64_t *v)
{
	bool capped = false;

	return parse_count(w, v, &capped) && !capped;
}

/* "protection: (0, 2990, 23802, 23802, 23802)" */
static bool zi_protection(const char *line)
{
	const char *p = strchr(line, '(');
	const char *e = strrchr(line, ')');

	if (!p || !e || e < p || e[1] != '\0')
		return false;
	for (p++; p < e; p++)
		if (!g_ascii_isdigit(*p) && *p != ',' && *p != ' ')
			return false;
	return true;
}

static int zi_zone_type(const char *name)
{
	for (int z = 0; z < MAX_NR_ZONES; z++)
		if (!strcmp(name, zone_name((enum zone_type)z)))
			return z;
	return strcmp(name, "Device") ? -2 : -1;
}

/* The checks once every line is read: truncation, impossible values. */
static bool zi_check(struct zoneinfo *zi, const char *name, unsigned int lines, GError **error)
{
	static const uint64_t lo[MAX_NR_ZONES] = { 0, 4096, 1ULL << 20, 0 };
	static const uint64_t hi[MAX_NR_ZONES] = { 4096, 1ULL << 20, 1ULL << 32, 1ULL << 32 };
	uint64_t prev_end = 0;
	const char *prev = NULL;

	if (!zi->nr_zones) {
		g_set_error(error, SIM_CLI_ERROR, SIM_CLI_ERROR_PARSE,
			    "%s:%u: no zones (not a zoneinfo file)", name, lines);
		return false;
	}
	for (int i = 0; i < zi->nr_zones; i++) {
		struct zi_zone *z = &zi->zones[i];
		uint64_t *v = z->v;

		for (int f = ZI_FREE; f <= ZI_MANAGED; f++)
			if (!z->v_line[f]) {
				g_set_error(error, SIM_CLI_ERROR, SIM_CLI_ERROR_PARSE,
					    "%s:%u: zone %s has no '%s' line (truncated file?)",
					    name, z->line, z->name, zi_keys[f]);
				return false;
			}
		if (v[ZI_PRESENT] && !z->v_line[ZI_START_PFN]) {
			g_set_error(error, SIM_CLI_ERROR, SIM_CLI_ERROR_PARSE,
				    "%s:%u: zone %s has pages but no start_pfn line (truncated file?)",
				    name, z->line, z->name);
			return false;
		}
#define ZI_FAIL(f, ...) do {							\
		g_set_error(error, SIM_CLI_ERROR, SIM_CLI_ERROR_PARSE, "%s:%u: zone %s: "	\
			    __VA_ARGS__);						\
		return false;								\
	} while (0)
		if (v[ZI_PRESENT] > v[ZI_SPANNED])
			ZI_FAIL(ZI_PRESENT, "present %" G_GUINT64_FORMAT " > spanned %" G_GUINT64_FORMAT,
				name, z->v_line[ZI_PRESENT], z->name, v[ZI_PRESENT], v[ZI_SPANNED]);
		if (v[ZI_MANAGED] > v[ZI_PRESENT])
			ZI_FAIL(ZI_MANAGED, "managed %" G_GUINT64_FORMAT " > present %" G_GUINT64_FORMAT,
				name, z->v_line[ZI_MANAGED], z->name, v[ZI_MANAGED], v[ZI_PRESENT]);
		if (v[ZI_FREE] > v[ZI_MANAGED])
			ZI_FAIL(ZI_FREE, "free %" G_GUINT64_FORMAT " > managed %" G_GUINT64_FORMAT,
				name, z->v_line[ZI_FREE], z->name, v[ZI_FREE], v[ZI_MANAGED]);
		if (!v[ZI_PRESENT])
			continue;
		if (z->zone < 0 || z->zone == ZONE_MOVABLE)
			ZI_FAIL(ZI_PRESENT, "the model has no populated %s zone", name,
				z->v_line[ZI_PRESENT], z->name, z->name);
		if (v[ZI_START_PFN] < lo[z->zone] ||
		    v[ZI_START_PFN] + v[ZI_SPANNED] > hi[z->zone] ||
		    v[ZI_START_PFN] + v[ZI_SPANNED] < v[ZI_START_PFN])
			ZI_FAIL(ZI_START_PFN, "pfns [%" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT
				") lie outside [%" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT
				"), where x86_64 puts it", name, z->v_line[ZI_START_PFN], z->name,
				v[ZI_START_PFN], v[ZI_START_PFN] + v[ZI_SPANNED], lo[z->zone],
				hi[z->zone]);
		if (v[ZI_START_PFN] < prev_end)
			ZI_FAIL(ZI_START_PFN, "starts at pfn %" G_GUINT64_FORMAT ", inside zone %s",
				name, z->v_line[ZI_START_PFN], z->name, v[ZI_START_PFN], prev);
		prev_end = v[ZI_START_PFN] + v[ZI_SPANNED];
		prev = z->name;
	}
#undef ZI_FAIL
	if (!zoneinfo_zone(zi, ZONE_DMA32)) {
		g_set_error(error, SIM_CLI_ERROR, SIM_CLI_ERROR_PARSE,
			    "%s:%u: no populated DMA32 zone (the model needs RAM from 16 MiB up)",
			    name, lines);
		return false;
	}
	return true;
}

bool zoneinfo_parse(struct zoneinfo *zi, const char *name, const char *text, GError **error)
{
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	struct zi_zone *z = NULL;
	bool in_pagesets = false;
	unsigned int i;

	for (i = 0; lines[i]; i++) {
		const char *line = lines[i];
		g_auto(GStrv) w = NULL;
		guint n;
		uint64_t v;

		w = split_words(line, &n);
		if (n == 0)
			continue;
		if (!strcmp(w[0], "Node")) {
			char *end;
			long node;

			if (n != 4 || strcmp(w[2], "zone"))
				return parse_error(error, name, i + 1, "expected 'Node N, zone NAME'",
						   line);
			node = strtol(w[1], &end, 10);
			if (*end || end == w[1] || node < 0)
				return parse_error(error, name, i + 1, "bad node number", line);
			if (node != 0)
				return parse_error(error, name, i + 1,
						   "the model has one node: only node 0 is read", line);
			if (zi_zone_type(w[3]) == -2 || strlen(w[3]) >= SNAP_ZONE_NAME)
				return parse_error(error, name, i + 1, "unknown zone", line);
			for (int k = 0; k < zi->nr_zones; k++)
				if (!strcmp(zi->zones[k].name, w[3]))
					return parse_error(error, name, i + 1, "zone listed twice", line);
			if (zi->nr_zones == G_N_ELEMENTS(zi->zones))
				return parse_error(error, name, i + 1, "too many zones", line);
			z = &zi->zones[zi->nr_zones++];
			memset(z, 0, sizeof(*z));
			g_strlcpy(z->name, w[3], sizeof(z->name));
			z->zone = zi_zone_type(w[3]);
			z->line = i + 1;
			in_pagesets = false;
			continue;
		}
		if (!z)
			return parse_error(error, name, i + 1, "not a zoneinfo line (no 'Node' line "
					   "before it)", line);
		if (!strcmp(w[0], "protection:")) {
			if (!zi_protection(strchr(line, 'p')))
				return parse_error(error, name, i + 1, "bad protection line", line);
			continue;
		}
		if ((n == 2 && !strcmp(w[0], "per-node") && !strcmp(w[1], "stats")) ||
		    (n == 1 && !strcmp(w[0], "pagesets"))) {
			in_pagesets = n == 1;
			continue;
		}
		/* KEY... NUMBER: "pages free 3840", "spanned 4095", "count: 0" */
		for (guint k = 0; k + 1 < n; k++)
			if (!zi_is_key(w[k]))
				return parse_error(error, name, i + 1, "not a zoneinfo line", line);
		if (n < 2 || n > 4 || !zi_number(w[n - 1], &v)) {
			if (n >= 2 && g_ascii_isdigit(w[n - 1][0]))
				return parse_error(error, name, i + 1, "bad number", line);
			return parse_error(error, name, i + 1, "not a zoneinfo line", line);
		}
		if (n == 3 && !(strcmp(w[0], "pages") || strcmp(w[1], "free"))) {
			z->v[ZI_FREE] = v;
			z->v_line[ZI_FREE] = i + 1;
			continue;
		}
		if (n == 2 && in_pagesets && !strcmp(w[0], "count:")) {
			z->pcp_pages += v;
			continue;
		}
		for (int f = ZI_SPANNED; f < ZI_NR_FIELDS; f++)
			if (n == 2 && !strcmp(w[0], zi_keys[f])) {
				if (z->v_line[f])
					return parse_error(error, name, i + 1, "field repeated", line);
				z->v[f] = v;
				z->v_line[f] = i + 1;
			}
	}
	return zi_check(zi, name, MAX(text_lines(lines), 1), error);
}

bool zoneinfo_load(struct zoneinfo *zi, const char *path, GError **error)
{
	g_autofree char *text = NULL;
	gsize len;

	struct stat st;

	zi->path = g_strdup(path);
	if (stat(path, &st) == 0 && (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ||
				     st.st_size > SNAP_MAX_FILE_SIZE)) {
		g_set_error(error, SIM_CLI_ERROR, SIM_CLI_ERROR_PARSE,
			    "%s: %s, not a /proc/zoneinfo snapshot", path,
			    st.st_size > SNAP_MAX_FILE_SIZE ? "larger than 64 MiB" : "a device");
		return false;
	}
	if (!g_file_get_contents(path, &text, &len, error))
		return false;
	if (memchr(text, '\0', len)) {
		g_set_error(error, SIM_CLI_ERROR, SIM_CLI_ERROR_PARSE,
			    "%s:1: binary data, not a /proc/zoneinfo snapshot", path);
		return false;
	}
	return zoneinfo_parse(zi, path, text, error);
}

void zoneinfo_clear(struct zoneinfo *zi)
{
	g_free(zi->path);
	memset(zi, 0, sizeof(*zi));
}

const struct zi_zone *zoneinfo_zone(const struct zoneinfo *zi, enum zone_type zt)
{
	for (int i = 0; i < zi->nr_zones; i++)
		if (zi->zones[i].zone == (int)zt && zi->zones[i].v[ZI_PRESENT])
			return &zi->zones[i];
	return NULL;
}
