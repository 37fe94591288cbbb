/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Calibration files written by acceptsim-probe (accept-cost.md 4.6,
 * docs/probe-format.md): parsing into a key -> value table with types,
 * origins and line numbers, merging several runs, and writing them back.
 */
#ifndef SIM_CALIB_H
#define SIM_CALIB_H

#include <stdbool.h>
#include <glib.h>

#define CALIB_ERROR (calib_error_quark())
GQuark calib_error_quark(void);

enum calib_error {
	CALIB_ERROR_IO,			/* the file could not be read or written */
	CALIB_ERROR_PARSE,		/* malformed line or value */
	CALIB_ERROR_VERSION,		/* not a v1 calibration file */
	CALIB_ERROR_MISMATCH,		/* merged files disagree (platform) */
};

enum calib_kind {
	CALIB_STRING,			/* free text, or one word of an enum */
	CALIB_NUMBER,			/* one number; accept.per_gib_s may add its IQR */
	CALIB_DIST,			/* n p05 p50 p90 p99 max */
	CALIB_SCALING,			/* threads:GiB/s pairs */
	CALIB_TRISTATE,			/* 0, 1 or unknown */
};

enum calib_origin {
	CALIB_MEASURED,			/* no prefix, or "measured:" */
	CALIB_INFERRED,			/* "inferred:" prefix */
};

#define CALIB_MAX_NUMS	32		/* numbers one value may hold */
#define CALIB_VERSION	1

/* Indices of a CALIB_DIST value in calib_entry.v[]. */
enum { CALIB_N, CALIB_P05, CALIB_P50, CALIB_P90, CALIB_P99, CALIB_MAX, CALIB_DIST_NUMS };

struct calib_entry {
	char *key;			/* e.g. "fault4k.accepted" */
	char *text;			/* value as written: no origin, comment or quotes */
	char *comment;			/* trailing comment without '#', or NULL */
	unsigned int line;		/* 1-based line in the file, 0 if made by a merge */
	enum calib_kind kind;		/* from the key (unknown keys: CALIB_STRING) */
	enum calib_origin origin;	/* measured or inferred */
	bool known;			/* the key is one docs/probe-format.md lists */
	unsigned int nr;		/* numbers in v[] */
	double v[CALIB_MAX_NUMS];	/* NUMBER: value [iqr]; DIST: n p05..max, times in ns;
					   SCALING: threads, GiB/s pairs; TRISTATE: 0, 1, -1 */
};

struct calib_file;

/* Read and parse @path; messages are "PATH:LINE: key 'K': problem". */
struct calib_file *calib_file_load(const char *path, GError **error);

/* Parse @len bytes of @text; @name stands for the file in messages. */
struct calib_file *calib_file_parse(const char *name, const char *text, gsize len,
				    GError **error);

/* An empty file (for merging); @name as above. */
struct calib_file *calib_file_new(const char *name);
void calib_file_free(struct calib_file *cf);

const char *calib_file_name(const struct calib_file *cf);
guint calib_file_size(const struct calib_file *cf);
/* Entries in file order. */
const struct calib_entry *calib_file_entry(const struct calib_file *cf, guint i);
const struct calib_entry *calib_file_lookup(const struct calib_file *cf, const char *key);
/* The text of a key's value, or @def if absent. */
const char *calib_file_string(const struct calib_file *cf, const char *key, const char *def);

/* Add or replace @e (deep copy). */
void calib_file_set(struct calib_file *cf, const struct calib_entry *e);

/* The kind a key's value must have; false for keys the format does not list. */
bool calib_key_kind(const char *key, enum calib_kind *kind);

/*
 * Merge runs of several boots: distributions take the median of each
 * percentile, the sum of n and the largest max; numbers, scaling points
 * and host_2m the median (majority); a value is inferred if any input was.
 * Each entry's comment says how many files gave it.  Keys the format does
 * not list are left out and named in @ignored (may be NULL).  Files that
 * name different platforms are refused (CALIB_ERROR_MISMATCH).
 */
struct calib_file *calib_merge(struct calib_file *const *files, guint n, GString *ignored,
			       GError **error);

/* The file text, header first; calib_file_parse() reads it back. */
void calib_file_format(const struct calib_file *cf, GString *out);

#endif /* SIM_CALIB_H */
