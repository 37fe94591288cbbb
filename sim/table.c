// SPDX-License-Identifier: GPL-2.0-only
/*
 * The MMTests-style comparison table.  Cell format after MMTests'
 * PrintGeneric.pm ("%9.2f (%7.2f%%)", ":SIG:" turning the parentheses into
 * stars), narrowed so a label and three configurations fit in 80 columns;
 * wider studies continue in further blocks that repeat the baseline.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "table.h"

#define VALUE_W		9		/* "%9.2f" */
#define PCT_W		10		/* "( -48.29%)" */
#define BASE_W		(2 + VALUE_W)	/* baseline column: value only */
#define CELL_W		(2 + VALUE_W + 1 + PCT_W)
#define COV_W		12		/* CoeffVar columns */
#define LABEL_MIN	14
#define LABEL_MAX	36

static void append_line(GString *out, GString *line)
{
	gsize len = line->len;

	while (len && line->str[len - 1] == ' ')
		len--;
	g_string_append_len(out, line->str, (gssize)len);
	g_string_append_c(out, '\n');
	g_string_truncate(line, 0);
}

/* Append @s right-aligned in @width, cut to width - 1 with a '~' if longer. */
static void append_right(GString *line, const char *s, int width)
{
	int len = (int)strlen(s);

	if (len >= width) {
		g_string_append_c(line, ' ');
		g_string_append_len(line, s, width - 2);
		g_string_append_c(line, '~');
		return;
	}
	g_string_append_printf(line, "%*s", width, s);
}

static void append_label(GString *line, const char *label, int width)
{
	int len = (int)strlen(label);

	if (len > width)
		len = width;
	g_string_append_printf(line, "%-*.*s", width, len, label);
}

static void append_value(GString *line, const struct table_cell *cell)
{
	double v = cell->s.mean;

	if (!cell->present || !cell->s.n)
		g_string_append_printf(line, "%*s", VALUE_W, "-");
	else if (fabs(v) < 999999.995)
		g_string_append_printf(line, "%*.2f", VALUE_W, v == 0.0 ? 0.0 : v);
	else
		g_string_append_printf(line, "%*.3e", VALUE_W, v);
}

static bool cell_marked(const struct table *t, const struct table_cell *cell)
{
	if (t->mark == TABLE_MARK_CI)
		return cell->c.ci_disjoint;
	return cell->c.welch_significant;
}

static void append_pct(GString *line, const struct table *t, const struct table_cell *base,
		       const struct table_cell *cell)
{
	bool mark;
	double d;

	if (!cell->present || !base->present || !cell->s.n || !base->s.n) {
		g_string_append_printf(line, "%*s", PCT_W, "");
		return;
	}
	mark = cell_marked(t, cell);
	g_string_append_c(line, mark ? '*' : '(');
	d = cell->c.diff_pct;
	if (!cell->c.has_diff_pct)
		g_string_append(line, "    n/a ");
	else if (fabs(d) < 0.005)
		g_string_append(line, "   0.00%");
	else if (fabs(d) < 9999.995)
		g_string_append_printf(line, "%7.2f%%", d);
	else
		g_string_append_printf(line, "%7.1e%%", d);
	g_string_append_c(line, mark ? '*' : ')');
}

static int label_width(const struct table *t)
{
	int w = LABEL_MIN;

	for (size_t r = 0; r < t->nr_rows; r++)
		w = MAX(w, (int)strlen(t->rows[r].label));
	return MIN(w, LABEL_MAX);
}

static void render_chunk(const struct table *t, GString *out, int lw, const char *title,
			 size_t base, const size_t *cols, size_t nr)
{
	g_autoptr(GString) line = g_string_new(NULL);

	if (title) {
		g_string_append(line, title);
		append_line(out, line);
	}
	append_label(line, "Amean", lw);
	append_right(line, t->col_names[base], BASE_W);
	for (size_t i = 0; i < nr; i++)
		append_right(line, t->col_names[cols[i]], CELL_W);
	append_line(out, line);
	for (size_t r = 0; r < t->nr_rows; r++) {
		const struct table_row *row = &t->rows[r];

		append_label(line, row->label, lw);
		g_string_append(line, "  ");
		append_value(line, &row->cells[base]);
		for (size_t i = 0; i < nr; i++) {
			const struct table_cell *cell = &row->cells[cols[i]];

			g_string_append(line, "  ");
			append_value(line, cell);
			g_string_append_c(line, ' ');
			append_pct(line, t, &row->cells[base], cell);
		}
		append_line(out, line);
	}
}

/* The groups of @t, or one group of every column (@all: storage for it). */
static const struct table_group *table_groups(const struct table *t, struct table_group *whole,
					      size_t **all, size_t *nr)
{
	if (t->groups) {
		*nr = t->nr_groups;
		return t->groups;
	}
	*all = g_new(size_t, t->nr_cols + 1);
	for (size_t i = 0; i < t->nr_cols; i++)
		(*all)[i] = i;
	*whole = (struct table_group){ .title = NULL, .cols = *all, .nr_cols = t->nr_cols };
	*nr = 1;
	return whole;
}

static void render_means(const struct table *t, GString *out, int lw)
{
	struct table_group whole;
	g_autofree size_t *all = NULL;
	size_t nr_groups;
	const struct table_group *groups = table_groups(t, &whole, &all, &nr_groups);
	size_t per = (size_t)MAX(1, (TABLE_WIDTH - lw - BASE_W) / CELL_W);

	for (size_t g = 0; g < nr_groups; g++) {
		const struct table_group *grp = &groups[g];
		size_t nr_others;

		if (!grp->nr_cols)
			continue;
		nr_others = grp->nr_cols - 1;
		for (size_t start = 0; start == 0 || start < nr_others; start += per) {
			render_chunk(t, out, lw, grp->title, grp->cols[0], grp->cols + 1 + start,
				     MIN(per, nr_others - start));
			g_string_append_c(out, '\n');
		}
	}
}

static void render_cov(const struct table *t, GString *out, int lw)
{
	g_autoptr(GString) line = g_string_new(NULL);
	struct table_group whole;
	g_autofree size_t *all = NULL;
	size_t nr_groups;
	const struct table_group *groups = table_groups(t, &whole, &all, &nr_groups);
	size_t per = (size_t)MAX(1, (TABLE_WIDTH - lw) / COV_W);

	for (size_t g = 0; g < nr_groups; g++) {
		const struct table_group *grp = &groups[g];

		for (size_t start = 0; start < grp->nr_cols; start += per) {
			size_t end = MIN(grp->nr_cols, start + per);

			if (grp->title) {
				g_string_append(line, grp->title);
				append_line(out, line);
			}
			append_label(line, "CoeffVar (%)", lw);
			for (size_t i = start; i < end; i++)
				append_right(line, t->col_names[grp->cols[i]], COV_W);
			append_line(out, line);
			for (size_t r = 0; r < t->nr_rows; r++) {
				append_label(line, t->rows[r].label, lw);
				for (size_t i = start; i < end; i++) {
					const struct table_cell *cell = &t->rows[r].cells[grp->cols[i]];

					if (!cell->present || cell->s.n < 2)
						g_string_append_printf(line, "%*s", COV_W, "-");
					else
						g_string_append_printf(line, "%*.2f", COV_W,
								       cell->s.cov_pct);
				}
				append_line(out, line);
			}
			g_string_append_c(out, '\n');
		}
	}
}

static void render_legend(const struct table *t, GString *out)
{
	g_autoptr(GString) single = g_string_new(NULL);
	bool na = false;

	table_wrap(out, "", "  ", "Amean: arithmetic mean over the runs (not sums). (x%): "
		   "100 * (mean - baseline) / |baseline|, the baseline being the first "
		   "column of each block.");
	if (t->mark == TABLE_MARK_CI)
		table_wrap(out, "", "  ", "*x%*: significant: the 95% confidence intervals "
			   "(Student t) do not overlap, as MMTests compare-kernels.");
	else
		table_wrap(out, "", "  ", "*x%*: significant: Welch's two-sided t-test "
			   "p < 0.05 (samples with zero variance: the means differ).");
	table_wrap(out, "", "  ", "CoeffVar: 100 * stddev / mean (sample stddev, n - 1). "
		   "95% confidence intervals and p values are in results.json.");
	for (size_t c = 0; c < t->nr_cols; c++) {
		bool small = false;

		for (size_t r = 0; r < t->nr_rows; r++)
			if (t->rows[r].cells[c].present && t->rows[r].cells[c].s.n < 2)
				small = true;
		for (size_t d = 0; small && d < c; d++)
			small = strcmp(t->col_names[d], t->col_names[c]) != 0 ||
				!strstr(single->str, t->col_names[c]);	/* once per name */
		if (small)
			g_string_append_printf(single, "%s%s", single->len ? ", " : "",
					       t->col_names[c]);
	}
	for (size_t r = 0; r < t->nr_rows; r++)
		for (size_t c = 0; c < t->nr_cols; c++)
			if (t->rows[r].cells[c].present && t->rows[r].cells[c].s.n &&
			    !t->rows[r].cells[c].c.has_diff_pct)
				na = true;
	if (single->len) {
		g_string_prepend(single, "n=1, no confidence interval and no significance test: ");
		g_string_append_c(single, '.');
		table_wrap(out, "", "  ", single->str);
	}
	if (na)
		table_wrap(out, "", "  ", "n/a: the baseline mean is 0, the difference is undefined.");
}

void table_render(const struct table *t, GString *out)
{
	int lw = label_width(t);

	for (const char *const *l = t->title; l && *l; l++)
		table_wrap(out, "", "  ", *l);
	if (t->title)
		g_string_append_c(out, '\n');
	render_means(t, out, lw);
	render_cov(t, out, lw);
	render_legend(t, out);
	for (const char *const *l = t->footer; l && *l; l++)
		g_string_append_printf(out, "%s\n", *l);
}

void table_wrap(GString *out, const char *first, const char *indent, const char *text)
{
	g_auto(GStrv) words = g_strsplit(text, " ", -1);
	g_autoptr(GString) line = g_string_new(first);
	size_t prefix = line->len;

	for (char **w = words; *w; w++) {
		if (!**w)
			continue;
		if (line->len > prefix && line->len + 1 + strlen(*w) > TABLE_WIDTH) {
			append_line(out, line);
			g_string_append(line, indent);
			prefix = line->len;
		}
		if (line->len > prefix)
			g_string_append_c(line, ' ');
		g_string_append(line, *w);
	}
	append_line(out, line);
}

bool table_is_mail_clean(const char *s)
{
	size_t col = 0;

	for (const char *p = s; *p; p++) {
		if (*p == '\t' || *p == '\r')
			return false;
		if (*p == '\n') {
			if (p > s && p[-1] == ' ')
				return false;
			col = 0;
			continue;
		}
		if (++col > TABLE_WIDTH)
			return false;
	}
	return true;
}
