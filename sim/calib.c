// SPDX-License-Identifier: GPL-2.0-only
/*
 * Calibration files of acceptsim-probe: a line-oriented "key = value"
 * format (docs/probe-format.md).  Keys the format lists are type-checked
 * as they are read, so a bad file fails with the line and key at fault;
 * other keys are kept as text and ignored by the cost model.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "calib.h"

G_DEFINE_QUARK(sim-calib-error-quark, calib_error)

#define CALIB_MAX_BYTES	(16 << 20)	/* larger files are refused */
#define HEADER		"# accept-cost calibration v"

enum {
	F_TIME = 1 << 0,		/* ns; a trailing unit ns, us, ms or s converts */
	F_IQR = 1 << 1,			/* a NUMBER may add its IQR */
	F_SIGNED = 1 << 2,		/* a NUMBER may be negative */
	F_FRACTION = 1 << 3,		/* a NUMBER in [0, 1] */
};

struct key_schema {
	const char *key;		/* exact key */
	enum calib_kind kind;		/* what its value must be */
	unsigned int flags;		/* F_* */
	const char *choices;		/* STRING: allowed words, '|'-separated, or NULL */
};

/* Every key docs/probe-format.md lists, except the cpuid.<leaf>[.single|.hist] family. */
static const struct key_schema schema[] = {
	{ "probe_version", CALIB_STRING, 0, NULL },
	{ "platform", CALIB_STRING, 0, "tdx|snp|none" },
	{ "detect", CALIB_STRING, 0, NULL },
	{ "accept_mode", CALIB_STRING, 0, "lazy|eager|unavailable" },
	{ "accept_note", CALIB_STRING, 0, NULL },
	{ "kernel", CALIB_STRING, 0, NULL },
	{ "cmdline", CALIB_STRING, 0, NULL },
	{ "accept_memory", CALIB_STRING, 0, NULL },
	{ "thp", CALIB_STRING, 0, NULL },
	{ "kmsg", CALIB_STRING, 0, NULL },
	{ "thp_pass", CALIB_STRING, 0, NULL },
	{ "accept_pass", CALIB_STRING, 0, NULL },
	{ "samples", CALIB_STRING, 0, NULL },
	{ "vcpus", CALIB_NUMBER, 0, NULL },
	{ "mem_total_kib", CALIB_NUMBER, 0, NULL },
	{ "unaccepted_kib", CALIB_NUMBER, 0, NULL },
	{ "unaccepted_boot_kib", CALIB_NUMBER, 0, NULL },
	{ "nr_unaccepted", CALIB_NUMBER, 0, NULL },
	{ "cpu", CALIB_NUMBER, F_SIGNED, NULL },
	{ "tsc_hz", CALIB_NUMBER, 0, NULL },
	{ "rdtsc_ns", CALIB_DIST, F_TIME, NULL },
	{ "rdtsc_cycles", CALIB_NUMBER, 0, NULL },
	{ "exit.module_rt", CALIB_DIST, F_TIME, NULL },
	{ "exit.ve_local", CALIB_DIST, F_TIME, NULL },
	{ "exit.vmm_rt", CALIB_DIST, F_TIME, NULL },
	{ "tdcall.vp_info", CALIB_DIST, F_TIME, NULL },
	{ "hcall.vmm_rt", CALIB_DIST, F_TIME, NULL },
	{ "ioctl.report0", CALIB_DIST, F_TIME, NULL },
	{ "memset_gib_s", CALIB_NUMBER, 0, NULL },
	{ "fault.size_kib", CALIB_NUMBER, 0, NULL },
	{ "fault.unaccepted_delta_kib", CALIB_NUMBER, F_SIGNED, NULL },
	{ "fault4k.first", CALIB_DIST, F_TIME, NULL },
	{ "fault4k.accepted", CALIB_DIST, F_TIME, NULL },
	{ "fault4k.lazy", CALIB_DIST, F_TIME, NULL },
	{ "fault2m_thp.first", CALIB_DIST, F_TIME, NULL },
	{ "fault2m_thp.accepted", CALIB_DIST, F_TIME, NULL },
	{ "fault2m_thp.lazy", CALIB_DIST, F_TIME, NULL },
	{ "accept.reach_kib", CALIB_NUMBER, 0, NULL },
	{ "accept.accepted_kib", CALIB_NUMBER, 0, NULL },
	{ "accept.baseline4k", CALIB_DIST, F_TIME, NULL },
	{ "accept.baseline2m", CALIB_DIST, F_TIME, NULL },
	{ "accept.spike", CALIB_DIST, F_TIME, NULL },
	{ "accept.call", CALIB_DIST, F_TIME, NULL },
	{ "accept.nr_spikes", CALIB_NUMBER, 0, NULL },
	{ "accept.block4m", CALIB_NUMBER, F_TIME, NULL },
	{ "accept.batch_blocks", CALIB_NUMBER, 0, NULL },
	{ "accept.per_gib_s", CALIB_NUMBER, F_IQR, NULL },
	{ "accept.per_4k_equiv", CALIB_NUMBER, F_TIME, NULL },
	{ "accept.scaling", CALIB_SCALING, 0, NULL },
	{ "accept.p_par", CALIB_NUMBER, F_FRACTION, NULL },
	{ "p_par", CALIB_NUMBER, F_FRACTION, NULL },
	{ "convert_private.4k", CALIB_DIST, F_TIME, NULL },
	{ "convert_private.2m", CALIB_DIST, F_TIME, NULL },
	{ "host_2m", CALIB_TRISTATE, 0, NULL },
	{ "host_fault_est", CALIB_NUMBER, F_TIME, NULL },
	{ "softlockups_seen", CALIB_NUMBER, 0, NULL },
	/* Direct cost-model values, for hand-tuned files. */
	{ "model.t_tdcall_rt", CALIB_NUMBER, F_TIME, NULL },
	{ "model.t_vmm_rt", CALIB_NUMBER, F_TIME, NULL },
	{ "model.t_acc4k", CALIB_NUMBER, F_TIME, NULL },
	{ "model.t_acc2m_hostbig", CALIB_NUMBER, F_TIME, NULL },
	{ "model.host_2m", CALIB_TRISTATE, 0, NULL },
	{ "model.t_fault4k", CALIB_NUMBER, F_TIME, NULL },
	{ "model.p_par", CALIB_NUMBER, F_FRACTION, NULL },
	{ "model.t_fixed_s", CALIB_NUMBER, 0, NULL },
	{ "model.c_mem_s_per_gib", CALIB_NUMBER, 0, NULL },
	{ "model.k_fw_gib", CALIB_NUMBER, 0, NULL },
	{ "model.w_gib", CALIB_NUMBER, 0, NULL },
	{ "model.f_meta", CALIB_NUMBER, F_FRACTION, NULL },
};

static const struct key_schema cpuid_dist = { "cpuid.<leaf>", CALIB_DIST, F_TIME, NULL };
static const struct key_schema cpuid_hist = { "cpuid.<leaf>.hist", CALIB_STRING, 0, NULL };

struct calib_file {
	char *name;			/* the path, for messages */
	GPtrArray *entries;		/* struct calib_entry *, file order, owned */
	GHashTable *by_key;		/* key -> entry in entries */
};

static const struct key_schema *lookup_schema(const char *key)
{
	for (gsize i = 0; i < G_N_ELEMENTS(schema); i++)
		if (!strcmp(schema[i].key, key))
			return &schema[i];
	if (g_str_has_prefix(key, "cpuid.0x") && strlen(key) > 8)
		return g_str_has_suffix(key, ".hist") ? &cpuid_hist : &cpuid_dist;
	return NULL;
}

bool calib_key_kind(const char *key, enum calib_kind *kind)
{
	const struct key_schema *s = lookup_schema(key);

	if (s && kind)
		*kind = s->kind;
	return s != NULL;
}

static void entry_free(gpointer p)
{
	struct calib_entry *e = p;

	g_free(e->key);
	g_free(e->text);
	g_free(e->comment);
	g_free(e);
}

struct calib_file *calib_file_new(const char *name)
{
	struct calib_file *cf = g_new0(struct calib_file, 1);

	cf->name = g_strdup(name);
	cf->entries = g_ptr_array_new_with_free_func(entry_free);
	cf->by_key = g_hash_table_new(g_str_hash, g_str_equal);
	return cf;
}

void calib_file_free(struct calib_file *cf)
{
	if (!cf)
		return;
	g_hash_table_destroy(cf->by_key);
	g_ptr_array_free(cf->entries, TRUE);
	g_free(cf->name);
	g_free(cf);
}

const char *calib_file_name(const struct calib_file *cf)
{
	return cf->name;
}

guint calib_file_size(const struct calib_file *cf)
{
	return cf->entries->len;
}

const struct calib_entry *calib_file_entry(const struct calib_file *cf, guint i)
{
	g_return_val_if_fail(i < cf->entries->len, NULL);
	return g_ptr_array_index(cf->entries, i);
}

const struct calib_entry *calib_file_lookup(const struct calib_file *cf, const char *key)
{
	return g_hash_table_lookup(cf->by_key, key);
}

const char *calib_file_string(const struct calib_file *cf, const char *key, const char *def)
{
	const struct calib_entry *e = calib_file_lookup(cf, key);

	return e ? e->text : def;
}

void calib_file_set(struct calib_file *cf, const struct calib_entry *e)
{
	struct calib_entry *old = g_hash_table_lookup(cf->by_key, e->key);
	char *text = g_strdup(e->text), *comment = g_strdup(e->comment);

	if (old) {
		/* In place: the table keeps pointing at old->key. */
		char *key = old->key;

		g_free(old->text);
		g_free(old->comment);
		*old = *e;
		old->key = key;
		old->text = text;
		old->comment = comment;
		return;
	}

	struct calib_entry *n = g_new(struct calib_entry, 1);

	*n = *e;
	n->key = g_strdup(e->key);
	n->text = text;
	n->comment = comment;
	g_ptr_array_add(cf->entries, n);
	g_hash_table_insert(cf->by_key, n->key, n);
}

/* ---- values ---- */

static bool parse_double(const char *tok, double *v)
{
	char *end;

	errno = 0;
	*v = g_ascii_strtod(tok, &end);
	return end != tok && *end == '\0' && !errno && isfinite(*v);
}

/* Nanoseconds per @unit, 0 if it is not a time unit. */
static double time_unit(const char *unit)
{
	if (!strcmp(unit, "ns"))
		return 1;
	if (!strcmp(unit, "us") || !strcmp(unit, "\xc2\xb5s"))
		return 1e3;
	if (!strcmp(unit, "ms"))
		return 1e6;
	if (!strcmp(unit, "s"))
		return 1e9;
	return 0;
}

#define VALUE_ERROR(fmt, ...) \
	g_set_error(error, CALIB_ERROR, CALIB_ERROR_PARSE, "%s:%u: key '%s': " fmt, \
		    name, e->line, e->key, ##__VA_ARGS__)

static bool in_choices(const char *word, const char *choices)
{
	g_auto(GStrv) c = g_strsplit(choices, "|", -1);

	return g_strv_contains((const char *const *)c, word);
}

/* Check @e's text against its key's schema and fill e->v[]. */
static bool parse_value(const char *name, const struct key_schema *s, struct calib_entry *e,
			GError **error)
{
	g_auto(GStrv) tok = g_strsplit_set(e->text, " \t", -1);
	const char *words[CALIB_MAX_NUMS + 2];
	unsigned int nw = 0;
	double scale = 1;

	e->kind = s->kind;
	e->nr = 0;
	if (s->kind == CALIB_STRING) {
		if (s->choices && !in_choices(e->text, s->choices)) {
			g_auto(GStrv) words_ = g_strsplit(s->choices, "|", -1);
			g_autofree char *list = g_strjoinv(", ", words_);

			VALUE_ERROR("'%s' is not one of %s", e->text, list);
			return false;
		}
		return true;
	}
	for (unsigned int i = 0; tok[i]; i++) {
		if (!*tok[i])
			continue;
		if (nw == G_N_ELEMENTS(words)) {
			VALUE_ERROR("too many values (at most %d)", CALIB_MAX_NUMS);
			return false;
		}
		words[nw++] = tok[i];
	}
	/* A trailing time unit. */
	if (nw > 1 && (g_ascii_isalpha(words[nw - 1][0]) || time_unit(words[nw - 1])) &&
	    strcmp(words[nw - 1], "unknown")) {
		if (!(s->flags & F_TIME) || !(scale = time_unit(words[nw - 1]))) {
			VALUE_ERROR("unit '%s' not allowed here%s", words[nw - 1],
				    (s->flags & F_TIME) ? " (ns, us, ms or s)" : "");
			return false;
		}
		nw--;
	}

	switch (s->kind) {
	case CALIB_TRISTATE:
		if (nw == 1 && !strcmp(words[0], "unknown")) {
			e->v[0] = -1;
		} else if (nw == 1 && (!strcmp(words[0], "0") || !strcmp(words[0], "1"))) {
			e->v[0] = words[0][0] - '0';
		} else {
			VALUE_ERROR("expected 0, 1 or unknown");
			return false;
		}
		e->nr = 1;
		return true;
	case CALIB_SCALING:
		for (unsigned int i = 0; i < nw; i++) {
			const char *colon = strchr(words[i], ':');
			g_autofree char *t = colon ? g_strndup(words[i], colon - words[i]) : NULL;
			double th, g;

			if (!colon || !parse_double(t, &th) || !parse_double(colon + 1, &g) ||
			    th < 1 || th != floor(th) || g < 0) {
				VALUE_ERROR("expected threads:GiB/s pairs such as '1:0.52 2:0.81', got '%s'",
					    words[i]);
				return false;
			}
			if (e->nr + 2 > CALIB_MAX_NUMS) {
				VALUE_ERROR("too many threads:GiB/s pairs (at most %d)", CALIB_MAX_NUMS / 2);
				return false;
			}
			e->v[e->nr++] = th;
			e->v[e->nr++] = g;
		}
		if (!nw) {
			VALUE_ERROR("expected threads:GiB/s pairs such as '1:0.52 2:0.81'");
			return false;
		}
		return true;
	case CALIB_DIST:
		if (nw != CALIB_DIST_NUMS) {
			VALUE_ERROR("expected 6 numbers (n p05 p50 p90 p99 max), got %u", nw);
			return false;
		}
		break;
	case CALIB_NUMBER:
		if (nw != 1 && !(nw == 2 && (s->flags & F_IQR))) {
			if (s->flags & F_IQR)
				VALUE_ERROR("expected a number and an optional IQR, got %u values", nw);
			else
				VALUE_ERROR("expected one number, got %u values", nw);
			return false;
		}
		break;
	default:
		g_assert_not_reached();
	}
	for (unsigned int i = 0; i < nw; i++) {
		if (!parse_double(words[i], &e->v[i])) {
			VALUE_ERROR("'%s' is not a number", words[i]);
			return false;
		}
		if (e->v[i] < 0 && !(s->flags & F_SIGNED)) {
			VALUE_ERROR("negative value %s", words[i]);
			return false;
		}
	}
	e->nr = nw;
	if (s->kind == CALIB_DIST) {
		if (e->v[CALIB_N] != floor(e->v[CALIB_N])) {
			VALUE_ERROR("sample count n must be an integer, got %s", words[0]);
			return false;
		}
		for (unsigned int i = CALIB_P05 + 1; i <= CALIB_MAX; i++) {
			if (e->v[i] < e->v[i - 1]) {
				VALUE_ERROR("percentiles decrease (n p05 p50 p90 p99 max must not)");
				return false;
			}
		}
		for (unsigned int i = CALIB_P05; i <= CALIB_MAX; i++)
			e->v[i] *= scale;
	} else {
		if ((s->flags & F_FRACTION) && (e->v[0] < 0 || e->v[0] > 1)) {
			VALUE_ERROR("%s is outside 0..1", words[0]);
			return false;
		}
		if (s->flags & F_TIME)
			e->v[0] *= scale;
	}
	return true;
}

/* ---- lines ---- */

static bool valid_key(const char *k)
{
	if (!*k)
		return false;
	for (const char *p = k; *p; p++)
		if (!g_ascii_isalnum(*p) && !strchr("_.:-", *p))
			return false;
	return true;
}

/*
 * One "key = value" segment: @seg is the segment without comment.
 * Unquotes strings and strips the origin prefix.
 */
static bool parse_assignment(struct calib_file *cf, const char *seg, const char *comment,
			     unsigned int line, GError **error)
{
	const char *name = cf->name;
	const char *eq = strchr(seg, '=');
	g_autofree char *key = NULL, *raw = NULL;
	struct calib_entry e = { .line = line };
	const struct key_schema *s;
	const struct calib_entry *dup;
	GString *text;
	char *v;

	if (!eq) {
		g_autofree char *what = g_strstrip(g_strdup(seg));

		g_set_error(error, CALIB_ERROR, CALIB_ERROR_PARSE,
			    "%s:%u: expected 'key = value', got '%s'", name, line, what);
		return false;
	}
	key = g_strstrip(g_strndup(seg, eq - seg));
	raw = g_strstrip(g_strdup(eq + 1));
	if (!valid_key(key)) {
		g_set_error(error, CALIB_ERROR, CALIB_ERROR_PARSE,
			    "%s:%u: invalid key '%s' (letters, digits, '_', '.', ':', '-')",
			    name, line, key);
		return false;
	}
	dup = calib_file_lookup(cf, key);
	if (dup) {
		g_set_error(error, CALIB_ERROR, CALIB_ERROR_PARSE,
			    "%s:%u: key '%s' repeated (first at line %u)", name, line, key, dup->line);
		return false;
	}
	e.key = key;
	v = raw;
	if (g_str_has_prefix(v, "inferred:")) {
		e.origin = CALIB_INFERRED;
		v += strlen("inferred:");
	} else if (g_str_has_prefix(v, "measured:")) {
		v += strlen("measured:");
	}
	while (g_ascii_isspace(*v))
		v++;
	text = g_string_new(NULL);
	if (*v == '"') {
		const char *p = v + 1;

		for (; *p && *p != '"'; p++) {
			if (*p == '\\' && p[1])
				p++;
			g_string_append_c(text, *p);
		}
		if (*p != '"') {
			g_string_free(text, TRUE);
			g_set_error(error, CALIB_ERROR, CALIB_ERROR_PARSE,
				    "%s:%u: key '%s': unterminated string", name, line, key);
			return false;
		}
		for (p++; *p; p++) {
			if (!g_ascii_isspace(*p)) {
				g_string_free(text, TRUE);
				g_set_error(error, CALIB_ERROR, CALIB_ERROR_PARSE,
					    "%s:%u: key '%s': text after the closing quote",
					    name, line, key);
				return false;
			}
		}
	} else {
		g_string_append(text, v);
		if (!text->len) {
			g_string_free(text, TRUE);
			g_set_error(error, CALIB_ERROR, CALIB_ERROR_PARSE,
				    "%s:%u: key '%s': empty value", name, line, key);
			return false;
		}
	}
	e.text = g_string_free(text, FALSE);
	e.comment = comment ? g_strstrip(g_strdup(comment)) : NULL;
	s = lookup_schema(key);
	e.known = s != NULL;
	e.kind = CALIB_STRING;
	if (s && !parse_value(name, s, &e, error)) {
		g_free(e.text);
		g_free(e.comment);
		return false;
	}
	calib_file_set(cf, &e);
	g_free(e.text);
	g_free(e.comment);
	return true;
}

/* Split @line at ';' and '#' outside quotes and parse each assignment. */
static bool parse_line(struct calib_file *cf, char *line, unsigned int lineno, GError **error)
{
	GPtrArray *segs = g_ptr_array_new();
	char *comment = NULL, *start = line;
	bool quoted = false, ok = true;

	for (char *p = line; *p; p++) {
		if (quoted && *p == '\\' && p[1]) {
			p++;
		} else if (*p == '"') {
			quoted = !quoted;
		} else if (!quoted && *p == '#') {
			*p = '\0';
			comment = p + 1;
			break;
		} else if (!quoted && *p == ';') {
			*p = '\0';
			g_ptr_array_add(segs, start);
			start = p + 1;
		}
	}
	g_ptr_array_add(segs, start);
	for (guint i = 0; ok && i < segs->len; i++) {
		const char *seg = g_ptr_array_index(segs, i);

		ok = parse_assignment(cf, seg, i + 1 == segs->len ? comment : NULL, lineno, error);
	}
	g_ptr_array_free(segs, TRUE);
	return ok;
}

static bool is_blank(const char *s)
{
	for (; *s; s++)
		if (!g_ascii_isspace(*s))
			return false;
	return true;
}

struct calib_file *calib_file_parse(const char *name, const char *text, gsize len,
				    GError **error)
{
	struct calib_file *cf;
	g_auto(GStrv) lines = NULL;
	bool header = false;

	if (len > CALIB_MAX_BYTES) {
		g_set_error(error, CALIB_ERROR, CALIB_ERROR_PARSE, "%s: file too large (over %d MiB)",
			    name, CALIB_MAX_BYTES >> 20);
		return NULL;
	}
	if (memchr(text, '\0', len)) {
		g_set_error(error, CALIB_ERROR, CALIB_ERROR_PARSE, "%s: NUL byte: not a text file",
			    name);
		return NULL;
	}
	cf = calib_file_new(name);
	{
		g_autofree char *copy = g_strndup(text, len);

		lines = g_strsplit(copy, "\n", -1);
	}
	for (unsigned int i = 0; lines[i]; i++) {
		char *l = lines[i];
		unsigned int lineno = i + 1;
		size_t ll = strlen(l);

		if (ll && l[ll - 1] == '\r')
			l[ll - 1] = '\0';
		if (is_blank(l))
			continue;
		if (!header) {
			guint64 version;
			const char *v = g_strstrip(l);

			if (!g_str_has_prefix(v, HEADER)) {
				g_set_error(error, CALIB_ERROR, CALIB_ERROR_VERSION,
					    "%s:%u: not an accept-cost calibration file "
					    "(expected '" HEADER "1' first)", name, lineno);
				goto out_free;
			}
			if (!g_ascii_string_to_unsigned(v + strlen(HEADER), 10, 0, G_MAXUINT, &version,
							NULL) || version != CALIB_VERSION) {
				g_set_error(error, CALIB_ERROR, CALIB_ERROR_VERSION,
					    "%s:%u: calibration format 'v%s' is not supported "
					    "(this acceptsim reads v%d)", name, lineno,
					    v + strlen(HEADER), CALIB_VERSION);
				goto out_free;
			}
			header = true;
			continue;
		}
		if (g_str_has_prefix(g_strchug(l), "#"))
			continue;
		if (!parse_line(cf, l, lineno, error))
			goto out_free;
	}
	if (!header) {
		g_set_error(error, CALIB_ERROR, CALIB_ERROR_VERSION,
			    "%s: empty file (expected '" HEADER "1')", name);
		goto out_free;
	}
	return cf;
out_free:
	calib_file_free(cf);
	return NULL;
}

/* Calibration files are a few KiB; more is no calibration file. */
#define CALIB_MAX_FILE_SIZE	(16 << 20)

struct calib_file *calib_file_load(const char *path, GError **error)
{
	g_autofree char *text = NULL;
	g_autoptr(GError) e = NULL;
	struct stat st;
	gsize len;

	/* /dev/zero, named in a scenario from elsewhere, would be read forever */
	if (stat(path, &st) == 0 && (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ||
				     st.st_size > CALIB_MAX_FILE_SIZE)) {
		g_set_error(error, CALIB_ERROR, CALIB_ERROR_IO, "%s: %s, not a calibration file",
			    path, st.st_size > CALIB_MAX_FILE_SIZE ? "larger than 16 MiB" :
			    "a device");
		return NULL;
	}
	if (!g_file_get_contents(path, &text, &len, &e)) {
		g_set_error(error, CALIB_ERROR, CALIB_ERROR_IO, "%s", e->message);
		return NULL;
	}
	return calib_file_parse(path, text, len, error);
}

/* ---- writing ---- */

static void append_number(GString *out, double v)
{
	char buf[G_ASCII_DTOSTR_BUF_SIZE];

	g_string_append(out, g_ascii_formatd(buf, sizeof(buf), "%.10g", v));
}

/* The value of @e as the format writes it (without origin and comment). */
static void format_value(const struct calib_entry *e, GString *out)
{
	switch (e->kind) {
	case CALIB_STRING: {
		const char *t = e->text;
		/* quoted too if it would read back as an origin prefix */
		bool quote = !*t || strpbrk(t, "#;\"\\") || g_ascii_isspace(t[0]) ||
			     g_ascii_isspace(t[strlen(t) - 1]) ||
			     g_str_has_prefix(t, "inferred:") || g_str_has_prefix(t, "measured:");

		if (!quote) {
			g_string_append(out, t);
			break;
		}
		g_string_append_c(out, '"');
		for (; *t; t++) {
			if (*t == '"' || *t == '\\')
				g_string_append_c(out, '\\');
			g_string_append_c(out, *t == '\n' ? ' ' : *t);
		}
		g_string_append_c(out, '"');
		break;
	}
	case CALIB_TRISTATE:
		g_string_append(out, e->v[0] < 0 ? "unknown" : e->v[0] > 0 ? "1" : "0");
		break;
	case CALIB_SCALING:
		for (unsigned int i = 0; i + 1 < e->nr; i += 2) {
			if (i)
				g_string_append_c(out, ' ');
			g_string_append_printf(out, "%.0f:", e->v[i]);
			append_number(out, e->v[i + 1]);
		}
		break;
	default:
		for (unsigned int i = 0; i < e->nr; i++) {
			if (i)
				g_string_append_c(out, ' ');
			append_number(out, e->v[i]);
		}
		break;
	}
}

void calib_file_format(const struct calib_file *cf, GString *out)
{
	g_string_append_printf(out, HEADER "%d\n"
			       "# Values are measured unless marked \"inferred:\"; times are ns;\n"
			       "# distributions are \"n p05 p50 p90 p99 max\" (docs/probe-format.md).\n",
			       CALIB_VERSION);
	for (guint i = 0; i < cf->entries->len; i++) {
		const struct calib_entry *e = g_ptr_array_index(cf->entries, i);

		g_string_append_printf(out, "%-22s = %s", e->key,
				       e->origin == CALIB_INFERRED ? "inferred:" : "");
		format_value(e, out);
		if (e->comment && *e->comment)
			g_string_append_printf(out, "  # %s", e->comment);
		g_string_append_c(out, '\n');
	}
}

/* ---- merging ---- */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Median of @n values (sorted in place); *iqr the interquartile range. */
static double median(double *v, guint n, double *iqr)
{
	qsort(v, n, sizeof(*v), cmp_double);
	if (iqr) {
		double a = 0.25 * (n - 1), b = 0.75 * (n - 1);
		guint ia = (guint)a, ib = (guint)b;
		double q1 = v[ia] + (a - ia) * (ia + 1 < n ? v[ia + 1] - v[ia] : 0);
		double q3 = v[ib] + (b - ib) * (ib + 1 < n ? v[ib + 1] - v[ib] : 0);

		*iqr = q3 - q1;
	}
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void merge_numbers(const struct calib_entry **in, guint k, struct calib_entry *out)
{
	g_autofree double *col = g_new(double, k);
	const struct key_schema *s = lookup_schema(out->key);

	if (out->kind == CALIB_DIST) {
		out->nr = CALIB_DIST_NUMS;
		out->v[CALIB_N] = 0;
		out->v[CALIB_MAX] = 0;
		for (guint j = 0; j < k; j++) {
			out->v[CALIB_N] += in[j]->v[CALIB_N];
			out->v[CALIB_MAX] = MAX(out->v[CALIB_MAX], in[j]->v[CALIB_MAX]);
		}
		for (unsigned int c = CALIB_P05; c <= CALIB_P99; c++) {
			for (guint j = 0; j < k; j++)
				col[j] = in[j]->v[c];
			out->v[c] = median(col, k, NULL);
		}
		return;
	}
	/* CALIB_NUMBER */
	for (guint j = 0; j < k; j++)
		col[j] = in[j]->v[0];
	if (s && (s->flags & F_IQR)) {
		if (k == 1) {
			out->nr = in[0]->nr;
			out->v[1] = in[0]->v[1];
			out->v[0] = in[0]->v[0];
		} else {
			out->nr = 2;
			out->v[0] = median(col, k, &out->v[1]);
		}
		return;
	}
	out->nr = 1;
	out->v[0] = median(col, k, NULL);
}

static void merge_scaling(const struct calib_entry **in, guint k, struct calib_entry *out)
{
	g_autofree double *col = NULL;
	guint points = 0;

	/* a file may list a thread count twice ("2:1.5 2:2.1"): room for every point */
	for (guint j = 0; j < k; j++)
		points += in[j]->nr / 2;
	col = g_new(double, MAX(points, 1));
	out->nr = 0;
	for (double th = 1; th <= 4096 && out->nr + 2 <= CALIB_MAX_NUMS; th++) {
		guint m = 0;

		for (guint j = 0; j < k; j++)
			for (unsigned int i = 0; i + 1 < in[j]->nr; i += 2)
				if (in[j]->v[i] == th)
					col[m++] = in[j]->v[i + 1];
		if (!m)
			continue;
		out->v[out->nr++] = th;
		out->v[out->nr++] = median(col, m, NULL);
	}
}

static void merge_strings(const struct calib_entry **in, guint k, struct calib_entry *out)
{
	bool same = true;

	for (guint j = 1; j < k; j++)
		same &= !strcmp(in[j]->text, in[0]->text);
	if (!strcmp(out->key, "accept_mode")) {
		const char *pick = "unavailable";

		for (guint j = 0; j < k; j++) {
			if (!strcmp(in[j]->text, "lazy"))
				pick = "lazy";
			else if (!strcmp(in[j]->text, "eager") && strcmp(pick, "lazy"))
				pick = "eager";
		}
		out->text = g_strdup(pick);
		return;
	}
	out->text = g_strdup(in[0]->text);
	if (!same) {
		g_free(out->comment);
		out->comment = g_strdup_printf("differs between the %u files; the first shown", k);
	}
}

/* "boots:B slices:S" summed over all @n files; a file without it is one boot. */
static char *merge_samples(struct calib_file *const *files, guint n)
{
	guint64 boots = 0, slices = 0;

	for (guint j = 0; j < n; j++) {
		g_auto(GStrv) w = g_strsplit(calib_file_string(files[j], "samples", ""), " ", -1);
		guint64 b = 1;

		for (guint i = 0; w[i]; i++) {
			if (g_str_has_prefix(w[i], "boots:"))
				b = g_ascii_strtoull(w[i] + 6, NULL, 10);
			else if (g_str_has_prefix(w[i], "slices:"))
				slices += g_ascii_strtoull(w[i] + 7, NULL, 10);
		}
		boots += b;
	}
	return g_strdup_printf("boots:%" G_GUINT64_FORMAT " slices:%" G_GUINT64_FORMAT,
			       boots, slices);
}

struct calib_file *calib_merge(struct calib_file *const *files, guint n, GString *ignored,
			       GError **error)
{
	g_autoptr(GPtrArray) keys = g_ptr_array_new();
	g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);
	g_autofree const struct calib_entry **in = g_new(const struct calib_entry *, n);
	const char *platform = NULL, *platform_from = NULL;
	struct calib_file *m;

	g_return_val_if_fail(n > 0, NULL);
	for (guint i = 0; i < n; i++) {
		const char *p = calib_file_string(files[i], "platform", "none");

		if (platform && strcmp(p, platform)) {
			g_set_error(error, CALIB_ERROR, CALIB_ERROR_MISMATCH,
				    "%s says platform = %s but %s says platform = %s; "
				    "merge runs of one platform only", platform_from, platform,
				    calib_file_name(files[i]), p);
			return NULL;
		}
		platform = p;
		platform_from = calib_file_name(files[i]);
		for (guint j = 0; j < calib_file_size(files[i]); j++) {
			const struct calib_entry *e = calib_file_entry(files[i], j);

			if (g_hash_table_contains(seen, e->key))
				continue;
			g_hash_table_add(seen, e->key);
			if (e->known) {
				g_ptr_array_add(keys, e->key);
			} else if (ignored) {
				g_string_append_printf(ignored, "%s%s", ignored->len ? ", " : "",
						       e->key);
			}
		}
	}

	if (!g_hash_table_contains(seen, "samples"))
		g_ptr_array_add(keys, "samples");

	m = calib_file_new("merged");
	for (guint i = 0; i < keys->len; i++) {
		const char *key = g_ptr_array_index(keys, i);
		struct calib_entry out = { .key = (char *)key, .known = true };
		guint k = 0;

		for (guint j = 0; j < n; j++) {
			const struct calib_entry *e = calib_file_lookup(files[j], key);

			if (e)
				in[k++] = e;
		}
		if (!strcmp(key, "samples")) {
			out.kind = CALIB_STRING;
			out.text = merge_samples(files, n);
			out.comment = g_strdup_printf("over %u files", n);
			calib_file_set(m, &out);
			g_free(out.text);
			g_free(out.comment);
			continue;
		}
		out.kind = in[0]->kind;
		for (guint j = 0; j < k; j++)
			if (in[j]->origin == CALIB_INFERRED)
				out.origin = CALIB_INFERRED;
		out.comment = g_strdup_printf("from %u of %u files", k, n);
		switch (out.kind) {
		case CALIB_STRING:
			merge_strings(in, k, &out);
			break;
		case CALIB_SCALING:
			merge_scaling(in, k, &out);
			break;
		case CALIB_TRISTATE: {
			guint ones = 0, zeros = 0;

			for (guint j = 0; j < k; j++) {
				ones += in[j]->v[0] > 0;
				zeros += in[j]->v[0] == 0;
			}
			out.nr = 1;
			out.v[0] = ones > zeros ? 1 : zeros > ones ? 0 : -1;
			break;
		}
		default:
			merge_numbers(in, k, &out);
			break;
		}
		if (!out.text) {
			GString *t = g_string_new(NULL);

			format_value(&out, t);
			out.text = g_string_free(t, FALSE);
		}
		calib_file_set(m, &out);
		g_free(out.text);
		g_free(out.comment);
	}
	return m;
}
