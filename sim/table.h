/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The comparison table of a study, laid out like MMTests' compare-kernels
 * text output (bin/lib/MMTests/PrintGeneric.pm): one row per metric, one
 * column per configuration, baseline first, "value (  pct%)" cells that
 * become "value *  pct%*" when the difference is significant.  Plain
 * ASCII, at most TABLE_WIDTH columns, no tabs, no trailing spaces, so it
 * pastes into a mail.
 */
#ifndef SIM_TABLE_H
#define SIM_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <glib.h>
#include "stats.h"

#define TABLE_WIDTH	80		/* columns of every line */

/* One metric in one configuration. */
struct table_cell {
	bool present;			/* false: no run reported the metric */
	struct stats_summary s;
	struct stats_comparison c;	/* against the group's baseline; unused in baselines */
};

struct table_row {
	const char *label;		/* row name, e.g. "Page alloc extfrag event" */
	const struct table_cell *cells;	/* one per column */
};

/* Columns compared with one baseline, e.g. all configurations at mem=16G. */
struct table_group {
	const char *title;		/* printed above the group, NULL for none */
	const size_t *cols;		/* column indices, the baseline first */
	size_t nr_cols;
};

/* What '*' marks. */
enum table_mark {
	TABLE_MARK_WELCH,		/* Welch's t-test p < alpha */
	TABLE_MARK_CI,			/* 95% confidence intervals do not overlap */
};

struct table {
	const char *const *title;	/* lines above the table, NULL-terminated; may be NULL */
	const char *const *col_names;	/* nr_cols configuration names */
	size_t nr_cols;
	const struct table_row *rows;
	size_t nr_rows;
	const struct table_group *groups;	/* NULL: one group, column 0 the baseline */
	size_t nr_groups;
	enum table_mark mark;
	const char *const *footer;	/* lines after the legend, NULL-terminated; may be NULL */
};

/* Append the whole table (means, CoeffVar, legend, notes, footer) to @out. */
void table_render(const struct table *t, GString *out);

/*
 * Append @text to @out wrapped at TABLE_WIDTH; continuation lines start
 * with @indent.  Words longer than a line are not broken.
 */
void table_wrap(GString *out, const char *first, const char *indent, const char *text);

/* Is @s free of tabs and trailing spaces, every line at most TABLE_WIDTH? */
bool table_is_mail_clean(const char *s);

#endif /* SIM_TABLE_H */
