// SPDX-License-Identifier: GPL-2.0-only
/*
 * gnuplot figures of a study: boot time against memory size, host-backed
 * memory over time, the accept-stall CDF, extfrag events with 95% CIs,
 * free pages per order (a heatmap per configuration) and pageblock
 * mixing.  Written as NAME.dat + NAME.gp (data apart from style, as
 * MMTests' bin/plot and fio_generate_plots do it), then rendered by a
 * gnuplot child reading the script on stdin, with a timeout.
 */
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "plot.h"
#include "cli.h"
#include "stats.h"
#include "study.h"

#define GIB		1073741824.0
#define NR_ORDERS	11		/* samples[].nr_free: orders 0..10 */

#define TERM_PNG	"set terminal pngcairo noenhanced size 800,600 font \"DejaVu Sans,10\""
#define TERM_SVG	"set terminal svg noenhanced size 800,600 dynamic font \"DejaVu Sans,10\" " \
			"background \"white\""
#define TERM_DUMB	"set terminal dumb noenhanced nofeed size 79,24"

/* One figure being built. */
struct fig {
	char *name;			/* file stem, e.g. "extfrag-events" */
	char *title;			/* first line of the .gp */
	GString *dat;			/* NAME.dat */
	GString *set;			/* "set ..." lines */
	GString *plot;			/* the plot command */
	bool dumb_ok;			/* worth rendering as ASCII */
};

static struct fig *fig_new(const char *name, const char *title)
{
	struct fig *f = g_new0(struct fig, 1);

	f->name = g_strdup(name);
	f->title = g_strdup(title);
	f->dat = g_string_new(NULL);
	f->set = g_string_new(NULL);
	f->plot = g_string_new(NULL);
	f->dumb_ok = true;
	return f;
}

static void fig_free(struct fig *f)
{
	g_free(f->name);
	g_free(f->title);
	g_string_free(f->dat, TRUE);
	g_string_free(f->set, TRUE);
	g_string_free(f->plot, TRUE);
	g_free(f);
}

static void fig_cleanup(struct fig **f)
{
	if (*f)
		fig_free(*f);
}

/* A struct fig * freed when it goes out of scope, unless stolen. */
#define AUTO_FIG	__attribute__((cleanup(fig_cleanup))) struct fig *

/* A gnuplot double-quoted string. */
static char *gp_str(const char *s)
{
	g_autoptr(GString) q = g_string_new("\"");

	for (; *s; s++) {
		if (*s == '\n') {
			g_string_append(q, "\\n");	/* gnuplot's escape: a line break */
			continue;
		}
		if (*s == '"' || *s == '\\')
			g_string_append_c(q, '\\');
		g_string_append_c(q, *s);
	}
	g_string_append_c(q, '"');
	return g_string_free(g_steal_pointer(&q), FALSE);
}

/* Append @v to @s in the "C" locale. */
static void num(GString *s, double v)
{
	char buf[G_ASCII_DTOSTR_BUF_SIZE];

	g_string_append(s, g_ascii_formatd(buf, sizeof(buf), "%.10g", v));
}

static void fig_set(struct fig *f, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static void fig_set(struct fig *f, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	g_string_append_vprintf(f->set, fmt, ap);
	va_end(ap);
	g_string_append_c(f->set, '\n');
}

static void fig_labels(struct fig *f, const char *title, const char *xlabel, const char *ylabel)
{
	g_autofree char *t = gp_str(title), *x = gp_str(xlabel), *y = gp_str(ylabel);

	fig_set(f, "set title %s", t);
	fig_set(f, "set xlabel %s", x);
	fig_set(f, "set ylabel %s", y);
	fig_set(f, "set grid");
}

static struct study_config *cfg(const struct study *st, size_t i)
{
	return g_ptr_array_index(st->configs, i);
}

/* Position of the first configuration of @st with the same base (or sweep) as @c. */
static size_t first_index(const struct study *st, size_t c, bool by_sweep)
{
	size_t k = 0;

	for (size_t i = 0; i < c; i++) {
		const char *a = by_sweep ? cfg(st, i)->sweep : cfg(st, i)->base;
		const char *b = by_sweep ? cfg(st, c)->sweep : cfg(st, c)->base;
		bool earlier = false;

		if (!a || !b)
			return 0;
		if (!strcmp(a, b))
			return k;
		for (size_t j = 0; j < i; j++) {
			const char *x = by_sweep ? cfg(st, j)->sweep : cfg(st, j)->base;

			earlier |= !strcmp(x, a);
		}
		k += !earlier;
	}
	return k;
}

/* Colour of configuration @c: one per --config, the same in every figure. */
static size_t colour_of(const struct study *st, size_t c)
{
	return first_index(st, c, false) % 8 + 1;
}

/* Line style of configuration @c: colour by --config, dashes by sweep value. */
static void series_style(GString *s, const struct study *st, size_t c)
{
	g_string_append_printf(s, "lt %zu dt %zu lw 2", colour_of(st, c),
			       first_index(st, c, true) % 5 + 1);
}

/* Append ", " between plot elements, "plot " before the first. */
static void plot_sep(struct fig *f)
{
	g_string_append(f->plot, f->plot->len ? ", \\\n     " : "plot ");
}

static JsonArray *series(JsonObject *rec, const char *name)
{
	JsonNode *sn = json_object_get_member(rec, "series");	/* optional */
	JsonObject *s = sn && JSON_NODE_HOLDS_OBJECT(sn) ? json_node_get_object(sn) : NULL;
	JsonNode *n = s ? json_object_get_member(s, name) : NULL;

	return n && JSON_NODE_HOLDS_ARRAY(n) ? json_node_get_array(n) : NULL;
}

static double rec_value(JsonObject *rec, const char *path, double def)
{
	double v;

	return study_record_value(rec, path, &v) ? v : def;
}

static double elem_double(JsonArray *a, guint i)
{
	JsonNode *n = json_array_get_element(a, i);

	return n && JSON_NODE_HOLDS_VALUE(n) ? json_node_get_double(n) : 0.0;
}

/* ---- the figures ---- */

/* Boot time against memory size, one line per --config, 95% CI bars. */
static struct fig *fig_boot_vs_mem(const struct study *st, GString *notes)
{
	AUTO_FIG f = fig_new("boot-time-vs-mem",
				   "Boot time to the shell against guest memory size");
	g_autoptr(GPtrArray) bases = g_ptr_array_new();
	g_autoptr(GArray) mems = g_array_new(FALSE, FALSE, sizeof(double));
	size_t block = 0;

	for (guint c = 0; c < st->configs->len; c++) {
		JsonObject *rec = study_median_run(st, c);
		double mem = rec ? rec_value(rec, "config.mem_bytes", 0) : 0;
		bool seen = false;

		for (guint i = 0; i < mems->len; i++)
			seen |= g_array_index(mems, double, i) == mem;
		if (rec && !seen)
			g_array_append_val(mems, mem);
		seen = false;
		for (guint i = 0; i < bases->len; i++)
			seen |= !strcmp(bases->pdata[i], cfg(st, c)->base);
		if (!seen)
			g_ptr_array_add(bases, cfg(st, c)->base);
	}
	if (mems->len < 2) {
		g_string_append(notes, "boot-time-vs-mem: skipped: every configuration has the "
			       "same memory size (sweep it: --sweep mem=4G,16G,64G)\n");
		return NULL;
	}
	fig_labels(f, "Boot time to the shell against guest memory (mean, 95% CI)",
		   "Guest memory (GiB, log scale)", "Boot time to the shell (s)");
	fig_set(f, "set logscale x 2");
	fig_set(f, "set key top left");
	fig_set(f, "set yrange [0:*]");
	fig_set(f, "set offsets graph 0.05, graph 0.05, 0, 0");
	g_string_append(f->dat, "# boot time against memory; one block per configuration\n"
			"# mem_GiB boot_s_mean ci95_lo ci95_hi n\n");
	for (guint b = 0; b < bases->len; b++) {
		g_autofree char *t = gp_str(bases->pdata[b]);
		bool any = false;

		for (guint c = 0; c < st->configs->len; c++) {
			GPtrArray *runs = cfg(st, c)->runs;
			g_autofree double *x = g_new(double, runs->len + 1);
			struct stats_summary s;
			size_t n = 0;

			if (strcmp(cfg(st, c)->base, bases->pdata[b]) || !runs->len)
				continue;
			for (guint r = 0; r < runs->len; r++)
				if (study_record_value(runs->pdata[r], "boot_time_ns", &x[n]))
					x[n++] /= 1e9;
			if (!n)
				continue;
			stats_summarize(x, n, STATS_LEVEL, &s);
			if (!any)
				g_string_append_printf(f->dat, "%s# %s\n", block ? "\n\n" : "",
						       (char *)bases->pdata[b]);
			any = true;
			num(f->dat, rec_value(runs->pdata[0], "config.mem_bytes", 0) / GIB);
			g_string_append_c(f->dat, ' ');
			num(f->dat, s.mean);
			g_string_append_c(f->dat, ' ');
			num(f->dat, s.ci_lo);
			g_string_append_c(f->dat, ' ');
			num(f->dat, s.ci_hi);
			g_string_append_printf(f->dat, " %zu\n", s.n);
		}
		if (!any)
			continue;
		plot_sep(f);
		g_string_append_printf(f->plot, "\"boot-time-vs-mem.dat\" index %zu using 1:2:3:4 "
				       "with yerrorlines ", block++);
		g_string_append_printf(f->plot, "lt %u dt 1 lw 2", b % 8 + 1);
		g_string_append_printf(f->plot, " pt 7 title %s", t);
	}
	return g_steal_pointer(&f);
}

/* Host-backed memory over time, the median run of each configuration. */
static struct fig *fig_accepted(const struct study *st, GString *notes)
{
	AUTO_FIG f = fig_new("accepted-memory", "Host-backed (accepted) memory over time");
	double mem = -1, ymax = 0;
	size_t block = 0;

	fig_labels(f, "Host-backed (accepted) memory over time (median run by boot time)",
		   "Virtual time (s)", "Accepted memory (GiB)");
	fig_set(f, "set key bottom right");
	g_string_append(f->dat, "# accepted memory over virtual time, median run of each "
			"configuration\n# time_s accepted_GiB\n");
	for (guint c = 0; c < st->configs->len; c++) {
		JsonObject *rec = study_median_run(st, c);
		JsonArray *hb = rec ? series(rec, "host_backed") : NULL;
		double end, last, m;
		g_autofree char *t = NULL;

		if (!rec)
			continue;
		end = rec_value(rec, "sim_time_ns", 0) / 1e9;
		last = rec_value(rec, "accepted_bytes", 0) / GIB;
		m = rec_value(rec, "config.mem_bytes", 0);
		mem = mem < 0 || mem == m ? m : 0;
		g_string_append_printf(f->dat, "%s# %s, seed %" G_GINT64_FORMAT "\n",
				       block ? "\n\n" : "", cfg(st, c)->name,
				       json_object_get_int_member(rec, "seed"));
		if (!hb || !json_array_get_length(hb)) {
			g_string_append(f->dat, "0 ");
			num(f->dat, last);
			g_string_append_c(f->dat, '\n');
		}
		for (guint i = 0; hb && i < json_array_get_length(hb); i++) {
			JsonArray *pt = json_array_get_array_element(hb, i);
			double y = elem_double(pt, 1) / GIB;

			num(f->dat, elem_double(pt, 0) / 1e9);
			g_string_append_c(f->dat, ' ');
			num(f->dat, y);
			g_string_append_c(f->dat, '\n');
			ymax = MAX(ymax, y);
		}
		/* hold the final value to the end of the run */
		num(f->dat, end);
		g_string_append_c(f->dat, ' ');
		num(f->dat, last);
		g_string_append_c(f->dat, '\n');
		ymax = MAX(ymax, last);
		t = gp_str(cfg(st, c)->name);
		plot_sep(f);
		g_string_append_printf(f->plot, "\"accepted-memory.dat\" index %zu using 1:2 "
				       "with steps ", block++);
		series_style(f->plot, st, c);
		g_string_append_printf(f->plot, " title %s", t);
	}
	if (!block) {
		g_string_append(notes, "accepted-memory: skipped: no runs\n");
		return NULL;
	}
	if (mem > 0) {
		fig_set(f, "set arrow 1 from graph 0, first %.6g to graph 1, first %.6g nohead "
			"dt 2 lc rgb \"gray40\"", mem / GIB, mem / GIB);
		fig_set(f, "set label 1 \"guest memory %.6g GiB\" at graph 0.02, first %.6g "
			"offset 0, 0.7 textcolor rgb \"gray40\"", mem / GIB, mem / GIB);
		ymax = MAX(ymax, mem / GIB);
	}
	fig_set(f, "set yrange [0:%.6g]", ymax > 0 ? ymax * 1.08 : 1.0);
	return g_steal_pointer(&f);
}

/* Open circle, x, open square, +, open triangle, *: none hides another. */
static const unsigned int cdf_points[] = { 6, 2, 4, 1, 8, 3 };

/* CDF of accept stalls, all runs of a configuration pooled, log2 buckets. */
static struct fig *fig_stall_cdf(const struct study *st, GString *notes)
{
	AUTO_FIG f = fig_new("accept-stall-cdf", "Accept-stall latency CDF");
	g_autoptr(GString) none = g_string_new(NULL);
	g_autofree char *title = NULL;
	size_t block = 0;

	g_string_append(f->dat, "# accept-stall latency CDF from accept_stall_log2_hist "
			"(bucket i: [2^i, 2^(i+1)) ns), all runs pooled\n# latency_ms fraction\n");
	for (guint c = 0; c < st->configs->len; c++) {
		GPtrArray *runs = cfg(st, c)->runs;
		double hist[64] = { 0 }, total = 0, cum = 0;
		int lo = -1, hi = -1;
		g_autofree char *t = NULL;

		for (guint r = 0; r < runs->len; r++) {
			JsonArray *h = series(runs->pdata[r], "accept_stall_log2_hist");

			for (guint i = 0; h && i < json_array_get_length(h) && i < 64; i++)
				hist[i] += elem_double(h, i);
		}
		for (int i = 0; i < 64; i++) {
			total += hist[i];
			if (hist[i] > 0) {
				lo = lo < 0 ? i : lo;
				hi = i;
			}
		}
		if (total <= 0) {
			g_string_append_printf(none, "%s%s", none->len ? ", " : "", cfg(st, c)->name);
			continue;
		}
		g_string_append_printf(f->dat, "%s# %s: %.0f stalls in %u runs\n", block ? "\n\n" : "",
				       cfg(st, c)->name, total, runs->len);
		num(f->dat, ldexp(1.0, lo) / 1e6);
		g_string_append(f->dat, " 0\n");
		for (int i = lo; i <= hi; i++) {
			cum += hist[i];
			num(f->dat, ldexp(1.0, i + 1) / 1e6);
			g_string_append_c(f->dat, ' ');
			num(f->dat, cum / total);
			g_string_append_c(f->dat, '\n');
		}
		t = gp_str(cfg(st, c)->name);
		plot_sep(f);
		g_string_append_printf(f->plot, "\"accept-stall-cdf.dat\" index %zu using 1:2 "
				       "with linespoints ", block++);
		series_style(f->plot, st, c);
		/* distinct markers: identical CDFs still show every configuration */
		g_string_append_printf(f->plot, " pt %u ps 1.3 title %s", cdf_points[c % 6], t);
	}
	if (!block) {
		g_string_append(notes, "accept-stall-cdf: skipped: no configuration had an "
			       "accept stall\n");
		return NULL;
	}
	title = none->len ? g_strdup_printf("Accept-stall latency CDF, all runs pooled\n"
					    "(no stalls: %s)", none->str)
			  : g_strdup("Accept-stall latency CDF, all runs pooled");
	fig_labels(f, title, "Accept stall latency (ms, log scale; log2 buckets)",
		   "Fraction of stalls <= latency");
	fig_set(f, "set logscale x 10");
	fig_set(f, "set format x \"%%g\"");
	fig_set(f, "set yrange [0:1.05]");
	fig_set(f, "set key bottom right");
	return g_steal_pointer(&f);
}

/* Extfrag events per configuration: mean with a 95% CI. */
static struct fig *fig_extfrag(const struct study *st, GString *notes)
{
	AUTO_FIG f = fig_new("extfrag-events", "Page alloc extfrag events per configuration");
	double ymax = 0;
	size_t longest = 0, rows = 0, single = 0;

	g_string_append(f->dat, "# extfrag.events per configuration\n"
			"# index config mean ci95_lo ci95_hi n colour\n");
	for (guint c = 0; c < st->configs->len; c++) {
		GPtrArray *runs = cfg(st, c)->runs;
		g_autofree double *x = g_new(double, runs->len + 1);
		g_autofree char *q = gp_str(cfg(st, c)->name);
		struct stats_summary s;
		size_t n = 0;

		for (guint r = 0; r < runs->len; r++)
			if (study_record_value(runs->pdata[r], "extfrag.events", &x[n]))
				n++;
		if (!n)
			continue;
		stats_summarize(x, n, STATS_LEVEL, &s);
		single += n < 2;
		g_string_append_printf(f->dat, "%u %s ", c, q);
		num(f->dat, s.mean);
		g_string_append_c(f->dat, ' ');
		num(f->dat, s.ci_lo);
		g_string_append_c(f->dat, ' ');
		num(f->dat, s.ci_hi);
		g_string_append_printf(f->dat, " %zu %zu\n", s.n, colour_of(st, c));
		ymax = MAX(ymax, s.ci_hi);
		longest = MAX(longest, strlen(cfg(st, c)->name));
		rows++;
	}
	if (!rows) {
		g_string_append(notes, "extfrag-events: skipped: no run reports extfrag.events\n");
		return NULL;
	}
	fig_labels(f, single ? "Page alloc extfrag events per run (mean; 95% CI where n >= 2)"
			     : "Page alloc extfrag events per run (mean, 95% CI)",
		   "Configuration", "mm_page_alloc_extfrag events per run");
	fig_set(f, "set style fill solid 0.5 border -1");
	fig_set(f, "set boxwidth 0.6");
	fig_set(f, "set grid noxtics");
	fig_set(f, "set xrange [-0.6:%.1f]", (double)st->configs->len - 0.4);
	fig_set(f, "set yrange [0:%.6g]", ymax > 0 ? ymax * 1.15 : 1.0);
	fig_set(f, "set key top right");
	if (st->configs->len > 6 || longest > 10) {
		fig_set(f, "set xtics rotate by 30 right");
		fig_set(f, "set bmargin %zu", 3 + longest / 4);
	}
	g_string_append(f->plot, "plot \"extfrag-events.dat\" using 1:3:7:xtic(2) "
			"with boxes lc variable notitle, \\\n"
			"     \"\" using 1:3:4:5 with yerrorbars lc rgb \"black\" pt 7 ps 0.5 "
			"title \"mean and 95% confidence interval\"");
	return g_steal_pointer(&f);
}

/* Free pages per order over time for configuration @c: a heatmap. */
static struct fig *fig_freelist(const struct study *st, size_t c, const char *stem)
{
	JsonObject *rec = study_median_run(st, c);
	JsonArray *smp = rec ? series(rec, "samples") : NULL;
	AUTO_FIG f = NULL;
	g_autofree char *title = NULL, *dat = NULL;
	guint n = smp ? json_array_get_length(smp) : 0;
	double t_first = -1, t_last = 0, prev_dt = 1.0, end;

	if (!n)
		return NULL;
	end = rec_value(rec, "sim_time_ns", 0) / 1e9;
	f = fig_new(stem, "Free pages per order over time");
	f->dumb_ok = false;
	g_string_append_printf(f->dat, "# free pages per buddy order over virtual time: %s, "
			       "seed %" G_GINT64_FORMAT " (median run)\n"
			       "# t0_s t1_s order free_pages (nr_free[order] << order; "
			       "0 omitted)\n", cfg(st, c)->name,
			       json_object_get_int_member(rec, "seed"));
	for (guint i = 0; i < n; i++) {
		JsonObject *s = json_array_get_object_element(smp, i);
		JsonArray *nr = s ? json_object_get_array_member(s, "nr_free") : NULL;
		double t0 = s ? (double)json_object_get_int_member(s, "t") / 1e9 : 0, t1;

		/* samples at the same instant: keep the last */
		if (i + 1 < n) {
			JsonObject *next = json_array_get_object_element(smp, i + 1);

			t1 = (double)json_object_get_int_member(next, "t") / 1e9;
			if (t1 <= t0)
				continue;
			prev_dt = t1 - t0;
		} else {
			/* the last sample holds to the end of the run */
			t1 = MAX(end, t0) > t0 ? end : t0 + prev_dt;
		}
		if (t_first < 0)
			t_first = t0;
		t_last = t1;
		for (guint o = 0; nr && o < json_array_get_length(nr) && o < NR_ORDERS; o++) {
			double pages = elem_double(nr, o) * ldexp(1.0, (int)o);

			if (pages <= 0)
				continue;
			num(f->dat, t0);
			g_string_append_c(f->dat, ' ');
			num(f->dat, t1);
			g_string_append_printf(f->dat, " %u ", o);
			num(f->dat, pages);
			g_string_append_c(f->dat, '\n');
		}
	}
	title = g_strdup_printf("Free pages per order over time: %s (median run, seed %"
				G_GINT64_FORMAT "; grey: none free)", cfg(st, c)->name,
				json_object_get_int_member(rec, "seed"));
	fig_labels(f, title, "Virtual time (s)", "Buddy order (blocks of 2^order pages)");
	fig_set(f, "set grid noxtics noytics");
	fig_set(f, "set xrange [%.10g:%.10g]", t_first, t_last);
	fig_set(f, "set yrange [-0.5:%d.5]", NR_ORDERS - 1);
	fig_set(f, "set ytics 0, 1, %d", NR_ORDERS - 1);
	fig_set(f, "set logscale cb");
	fig_set(f, "set format cb \"%%.0e\"");
	fig_set(f, "set cblabel \"Free pages in blocks of this order (log scale)\" offset 2.5, 0");
	fig_set(f, "set rmargin 12");
	fig_set(f, "set palette defined (0 \"#440154\", 1 \"#3b528b\", 2 \"#21918c\", "
		"3 \"#5ec962\", 4 \"#fde725\")");
	fig_set(f, "set style fill solid 1.0 noborder");
	fig_set(f, "set object 1 rectangle from graph 0, graph 0 to graph 1, graph 1 behind "
		"fillcolor rgb \"#d9d9d9\" fillstyle solid noborder");
	dat = g_strdup_printf("%s.dat", stem);
	g_string_append_printf(f->plot, "plot \"%s\" using (($1 + $2) / 2):3:1:2:($3 - 0.5):"
			       "($3 + 0.5):4 with boxxyerror fillcolor palette notitle", dat);
	return g_steal_pointer(&f);
}

/* Pageblocks with mixed migratetypes over time, median runs. */
static struct fig *fig_mixing(const struct study *st, GString *notes)
{
	AUTO_FIG f = fig_new("pageblock-mixing", "Mixed pageblocks over time");
	double ymax = 0;
	size_t block = 0;

	g_string_append(f->dat, "# pageblocks holding pages of another migratetype, over "
			"virtual time; median run of each configuration\n# time_s mixed_pageblocks\n");
	for (guint c = 0; c < st->configs->len; c++) {
		JsonObject *rec = study_median_run(st, c);
		JsonArray *smp = rec ? series(rec, "samples") : NULL;
		g_autofree char *t = NULL;
		double last = 0;

		if (!smp || !json_array_get_length(smp))
			continue;
		g_string_append_printf(f->dat, "%s# %s, seed %" G_GINT64_FORMAT "\n",
				       block ? "\n\n" : "", cfg(st, c)->name,
				       json_object_get_int_member(rec, "seed"));
		for (guint i = 0; i < json_array_get_length(smp); i++) {
			JsonObject *s = json_array_get_object_element(smp, i);

			last = (double)json_object_get_int_member(s, "mixed_pageblocks");
			num(f->dat, (double)json_object_get_int_member(s, "t") / 1e9);
			g_string_append_c(f->dat, ' ');
			num(f->dat, last);
			g_string_append_c(f->dat, '\n');
			ymax = MAX(ymax, last);
		}
		num(f->dat, rec_value(rec, "sim_time_ns", 0) / 1e9);
		g_string_append_c(f->dat, ' ');
		num(f->dat, last);
		g_string_append_c(f->dat, '\n');
		t = gp_str(cfg(st, c)->name);
		plot_sep(f);
		g_string_append_printf(f->plot, "\"pageblock-mixing.dat\" index %zu using 1:2 "
				       "with steps ", block++);
		series_style(f->plot, st, c);
		g_string_append_printf(f->plot, " title %s", t);
	}
	if (!block) {
		g_string_append(notes, "pageblock-mixing: skipped: no run has samples\n");
		return NULL;
	}
	fig_labels(f, ymax > 0 ? "Pageblocks with mixed migratetypes over time (median run by "
			       "boot time)"
			     : "Pageblocks with mixed migratetypes over time (median run by "
			       "boot time)\nzero in every configuration",
		   "Virtual time (s)", "Mixed pageblocks");
	fig_set(f, "set yrange [0:%.6g]", ymax > 0 ? ymax * 1.1 : 1.0);
	fig_set(f, "set key top left");
	return g_steal_pointer(&f);
}

/* ---- scripts and rendering ---- */

static char *fig_script(const struct fig *f, unsigned int formats)
{
	GString *s = g_string_new(NULL);
	bool first = true;
	static const struct {
		unsigned int flag;
		const char *term;
		const char *ext;
	} terms[] = {
		{ PLOT_PNG, TERM_PNG, "png" },
		{ PLOT_SVG, TERM_SVG, "svg" },
		{ PLOT_DUMB, TERM_DUMB, "txt" },
	};

	g_string_append_printf(s, "# %s\n# Written by acceptsim; data in %s.dat.  Re-render "
			       "in this directory:\n#   gnuplot %s.gp\n", f->title, f->name, f->name);
	g_string_append(s, "reset\nset encoding utf8\n");
	g_string_append(s, f->set->str);
	for (size_t i = 0; i < G_N_ELEMENTS(terms); i++) {
		if (!(formats & terms[i].flag) || (terms[i].flag == PLOT_DUMB && !f->dumb_ok))
			continue;
		g_string_append_printf(s, "\n%s\nset output \"%s.%s\"\n%s\n", terms[i].term, f->name,
				       terms[i].ext, first ? f->plot->str : "replot");
		first = false;
	}
	g_string_append(s, "set output\n");
	return g_string_free(s, FALSE);
}

char *plot_find_gnuplot(void)
{
	const char *env = g_getenv("ACCEPTSIM_GNUPLOT");

	if (env)
		return *env ? g_find_program_in_path(env) : NULL;
	return g_find_program_in_path("gnuplot");
}

struct output {
	char *final;			/* name in the plot directory */
	char *tmp;			/* what gnuplot writes */
};

static void output_clear(gpointer data)
{
	struct output *o = data;

	g_free(o->final);
	g_free(o->tmp);
}

/* Point every 'set output "NAME"' of @script at a temporary file. */
static char *redirect_outputs(const char *script, GArray *outputs)
{
	g_auto(GStrv) lines = g_strsplit(script, "\n", -1);
	GString *s = g_string_new(NULL);

	for (char **l = lines; *l; l++) {
		const char *p = *l;
		const char *q;

		while (*p == ' ' || *p == '\t')
			p++;
		if (g_str_has_prefix(p, "set output \"") &&
		    (q = strchr(p + 12, '"')) && q > p + 12 && !strchr(q + 1, '"') &&
		    !memchr(p + 12, '/', (size_t)(q - p - 12))) {
			struct output o;

			o.final = g_strndup(p + 12, (gsize)(q - p - 12));
			o.tmp = g_strdup_printf(".%s.tmp-%d", o.final, (int)getpid());
			g_string_append_printf(s, "set output \"%s\"%s", o.tmp, q + 1);
			g_array_append_val(outputs, o);
		} else {
			g_string_append(s, *l);
		}
		if (l[1])
			g_string_append_c(s, '\n');
	}
	return g_string_free(s, FALSE);
}

/* Run @gnuplot on @script in @dir; its stderr into @log. */
static bool run_gnuplot(const char *gnuplot, const char *dir, const char *script,
			GString *log, GError **error)
{
	const char *argv[] = { gnuplot, "-", NULL };
	GPid pid;
	int in_fd = -1, err_fd = -1, status = 0;
	gint64 deadline = g_get_monotonic_time() + (gint64)PLOT_TIMEOUT_S * G_USEC_PER_SEC;
	size_t len = strlen(script), off = 0;
	void (*old_pipe)(int);
	bool exited = false;

	if (!g_spawn_async_with_pipes(dir, (char **)argv, NULL,
				      G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL,
				      NULL, NULL, &pid, &in_fd, NULL, &err_fd, error))
		return false;
	old_pipe = signal(SIGPIPE, SIG_IGN);
	while (off < len) {
		ssize_t w = write(in_fd, script + off, len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;		/* gnuplot exited early; its stderr says why */
		off += (size_t)w;
	}
	close(in_fd);
	signal(SIGPIPE, old_pipe);
	for (;;) {
		struct pollfd pfd = { .fd = err_fd, .events = POLLIN };
		char buf[4096];

		if (err_fd >= 0 && poll(&pfd, 1, 100) > 0) {
			ssize_t r = read(err_fd, buf, sizeof(buf));

			if (r > 0) {
				g_string_append_len(log, buf, r);
				continue;
			}
			if (r == 0 || errno != EINTR) {
				close(err_fd);
				err_fd = -1;
			}
		} else if (err_fd < 0) {
			g_usleep(10000);
		}
		if (waitpid(pid, &status, WNOHANG) == pid) {
			exited = true;
			if (err_fd < 0)
				break;
		}
		if (!exited && g_get_monotonic_time() > deadline) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			if (err_fd >= 0)
				close(err_fd);
			g_spawn_close_pid(pid);
			g_set_error(error, SIM_CLI_ERROR, SIM_CLI_ERROR_IO,
				    "gnuplot did not finish within %d s", PLOT_TIMEOUT_S);
			return false;
		}
		if (exited && err_fd < 0)
			break;
	}
	g_spawn_close_pid(pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		g_autofree char *msg = g_strstrip(g_strdup(log->str));

		g_set_error(error, SIM_CLI_ERROR, SIM_CLI_ERROR_IO, "gnuplot failed: %s",
			    *msg ? msg : "no message");
		return false;
	}
	return true;
}

/* ASCII plot: no form feeds, no trailing spaces. */
static char *clean_dumb(const char *text)
{
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	GString *s = g_string_new(NULL);
	guint n = g_strv_length(lines);

	while (n && !*g_strchomp(g_strdelimit(lines[n - 1], "\f", ' ')))
		n--;
	for (guint i = 0; i < n; i++) {
		g_strdelimit(lines[i], "\f", ' ');
		g_string_append_printf(s, "%s\n", g_strchomp(lines[i]));
	}
	while (s->len > 1 && s->str[0] == '\n')
		g_string_erase(s, 0, 1);
	return g_string_free(s, FALSE);
}

/* Render @script (the text of @dir/@gp) with outputs renamed into place. */
static bool render(const char *gnuplot, const char *dir, const char *gp, const char *script,
		   GString *notes, GString *dumb, GError **error)
{
	g_autoptr(GArray) outputs = g_array_new(FALSE, TRUE, sizeof(struct output));
	g_autofree char *text = NULL;
	g_autoptr(GString) log = g_string_new(NULL);
	bool ok;

	g_array_set_clear_func(outputs, output_clear);
	text = redirect_outputs(script, outputs);
	ok = run_gnuplot(gnuplot, dir, text, log, error);
	for (guint i = 0; i < outputs->len; i++) {
		struct output *o = &g_array_index(outputs, struct output, i);
		g_autofree char *tmp = g_build_filename(dir, o->tmp, NULL);
		g_autofree char *final = g_build_filename(dir, o->final, NULL);

		if (ok && !g_file_test(tmp, G_FILE_TEST_EXISTS)) {
			g_set_error(error, SIM_CLI_ERROR, SIM_CLI_ERROR_IO,
				    "gnuplot wrote no %s", o->final);
			ok = false;
		}
		if (ok && g_str_has_suffix(o->final, ".txt")) {
			g_autofree char *raw = NULL, *clean = NULL;

			ok = g_file_get_contents(tmp, &raw, NULL, error);
			if (ok) {
				clean = clean_dumb(raw);
				ok = write_file_atomic(final, clean, strlen(clean), error);
				if (ok && dumb)
					g_string_append_printf(dumb, "%s\n%s\n", o->final, clean);
			}
		} else if (ok && rename(tmp, final) < 0) {
			int e = errno;

			g_set_error(error, SIM_CLI_ERROR, SIM_CLI_ERROR_IO, "%s: %s", final,
				    g_strerror(e));
			ok = false;
		}
		unlink(tmp);
	}
	if (!ok) {
		g_prefix_error(error, "%s/%s: ", dir, gp);
		return false;
	}
	if (log->len) {
		g_autofree char *msg = g_strstrip(g_strdup(log->str));

		g_string_append_printf(notes, "%s: gnuplot: %s\n", gp, msg);
	}
	return true;
}

static bool emit(const char *dir, struct fig *f, unsigned int formats, const char *gnuplot,
		 GString *notes, GString *dumb, GError **error)
{
	unsigned int in_script = formats & (PLOT_PNG | PLOT_SVG | PLOT_DUMB);
	g_autofree char *script = fig_script(f, in_script ? in_script : PLOT_PNG | PLOT_SVG);
	g_autofree char *gp = g_strdup_printf("%s.gp", f->name);
	g_autofree char *dat = g_strdup_printf("%s.dat", f->name);
	g_autofree char *gp_path = g_build_filename(dir, gp, NULL);
	g_autofree char *dat_path = g_build_filename(dir, dat, NULL);

	if (!write_file_atomic(dat_path, f->dat->str, f->dat->len, error) ||
	    !write_file_atomic(gp_path, script, strlen(script), error))
		return false;
	if (!(formats & PLOT_RENDER) || !gnuplot)
		return true;
	if (formats == (PLOT_RENDER | PLOT_DUMB) && !f->dumb_ok)
		return true;
	return render(gnuplot, dir, gp, script, notes, dumb, error);
}

bool plot_parse_formats(const char *s, unsigned int *formats, GError **error)
{
	g_auto(GStrv) parts = g_strsplit(s ? s : "png,svg", ",", -1);

	*formats = 0;
	for (char **p = parts; *p; p++) {
		if (!strcmp(*p, "png"))
			*formats |= PLOT_PNG | PLOT_RENDER;
		else if (!strcmp(*p, "svg"))
			*formats |= PLOT_SVG | PLOT_RENDER;
		else if (!strcmp(*p, "dumb"))
			*formats |= PLOT_DUMB | PLOT_RENDER;
		else if (!strcmp(*p, "none"))
			continue;
		else {
			g_set_error(error, SIM_CLI_ERROR, SIM_CLI_ERROR_USAGE,
				    "--plot-format: '%s' is not png, svg, dumb or none", *p);
			return false;
		}
	}
	return true;
}

bool plot_study(const struct study *st, const char *dir, unsigned int formats,
		GString *notes, GString *dumb, GError **error)
{
	g_autofree char *gnuplot = plot_find_gnuplot();
	g_autoptr(GPtrArray) figs = g_ptr_array_new_with_free_func((GDestroyNotify)fig_free);
	g_autoptr(GHashTable) stems = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	struct fig *f;

	if ((f = fig_boot_vs_mem(st, notes)))
		g_ptr_array_add(figs, f);
	if ((f = fig_accepted(st, notes)))
		g_ptr_array_add(figs, f);
	if ((f = fig_stall_cdf(st, notes)))
		g_ptr_array_add(figs, f);
	if ((f = fig_extfrag(st, notes)))
		g_ptr_array_add(figs, f);
	for (guint c = 0; c < st->configs->len; c++) {
		g_autofree char *slug = study_slug(cfg(st, c)->name);
		char *stem = g_strdup_printf("freelist-%s", slug);

		if (g_hash_table_contains(stems, stem)) {
			g_free(stem);
			stem = g_strdup_printf("freelist-%s-%u", slug, c);
		}
		g_hash_table_add(stems, stem);
		if ((f = fig_freelist(st, c, stem)))
			g_ptr_array_add(figs, f);
	}
	if ((f = fig_mixing(st, notes)))
		g_ptr_array_add(figs, f);

	for (guint i = 0; i < figs->len; i++)
		if (!emit(dir, figs->pdata[i], formats, gnuplot, notes, dumb, error))
			return false;
	if ((formats & PLOT_RENDER) && !gnuplot)
		g_string_append_printf(notes, "gnuplot not found: the scripts and data are in %s; "
				       "render them with: cd %s && for f in *.gp; do gnuplot \"$f\"; "
				       "done\n", dir, dir);
	else if ((formats & PLOT_DUMB) && (formats & PLOT_RENDER))
		g_string_append(notes, "freelist heatmaps: no ASCII rendering (see the .gp)\n");
	return true;
}

static gint compare_names(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

bool plot_render_dir(const char *dir, GString *notes, GString *dumb, GError **error)
{
	g_autofree char *gnuplot = plot_find_gnuplot();
	g_autoptr(GDir) d = NULL;
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
	const char *name;

	d = g_dir_open(dir, 0, error);
	if (!d) {
		g_prefix_error(error, "%s: ", dir);
		return false;
	}
	while ((name = g_dir_read_name(d)))
		if (g_str_has_suffix(name, ".gp") && name[0] != '.')
			g_ptr_array_add(names, g_strdup(name));
	g_ptr_array_sort(names, compare_names);
	if (!names->len) {
		g_set_error(error, SIM_CLI_ERROR, SIM_CLI_ERROR_IO, "%s: no .gp scripts", dir);
		return false;
	}
	if (!gnuplot) {
		g_set_error(error, SIM_CLI_ERROR, SIM_CLI_ERROR_IO,
			    "gnuplot not found (Debian: apt-get install gnuplot-nox); render by hand: "
			    "cd %s && gnuplot NAME.gp", dir);
		return false;
	}
	for (guint i = 0; i < names->len; i++) {
		g_autofree char *path = g_build_filename(dir, names->pdata[i], NULL);
		g_autofree char *script = NULL;

		if (!g_file_get_contents(path, &script, NULL, error))
			return false;
		if (!render(gnuplot, dir, names->pdata[i], script, notes, dumb, error))
			return false;
	}
	return true;
}
