// SPDX-License-Identifier: GPL-2.0-only
/*
 * Sample statistics and two-sample tests over seeds.  Conventions follow
 * MMTests (Stat.pm: sample stddev, CoeffVar = 100 * stddev / mean) and
 * Welch (1947) with the Welch-Satterthwaite degrees of freedom.  Tiny and
 * degenerate samples never produce NaN: n < 2 has no interval and no test,
 * two zero-variance samples differ exactly when their means differ.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <glib.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include "stats.h"

double stats_t_quantile(double p, double df)
{
	return gsl_cdf_tdist_Pinv(p, df);
}

double stats_t_two_sided_p(double t, double df)
{
	double p = 2.0 * gsl_cdf_tdist_Q(fabs(t), df);

	return p > 1.0 ? 1.0 : p;
}

void stats_summarize(const double *x, size_t n, double level, struct stats_summary *s)
{
	double *sorted;

	memset(s, 0, sizeof(*s));
	s->n = n;
	if (!n)
		return;
	sorted = g_memdup2(x, n * sizeof(*x));
	gsl_sort(sorted, 1, n);
	s->min = sorted[0];
	s->max = sorted[n - 1];
	s->median = sorted[(n - 1) / 2];
	s->mean = gsl_stats_mean(x, 1, n);
	if (s->min == s->max)
		s->mean = s->min;	/* identical runs: exactly their value */
	g_free(sorted);
	s->ci_lo = s->ci_hi = s->mean;
	if (n < 2)
		return;
	s->stddev = s->min == s->max ? 0.0 : gsl_stats_sd_m(x, 1, n, s->mean);
	if (s->mean != 0.0)
		s->cov_pct = 100.0 * s->stddev / fabs(s->mean);
	s->has_ci = true;
	s->ci_half = stats_t_quantile(1.0 - (1.0 - level) / 2.0, (double)(n - 1)) *
		     s->stddev / sqrt((double)n);
	s->ci_lo = s->mean - s->ci_half;
	s->ci_hi = s->mean + s->ci_half;
}

void stats_compare(const struct stats_summary *base, const struct stats_summary *x,
		   double alpha, struct stats_comparison *c)
{
	memset(c, 0, sizeof(*c));
	c->p = 1.0;
	if (base->mean != 0.0) {
		c->has_diff_pct = true;
		c->diff_pct = 100.0 * (x->mean - base->mean) / fabs(base->mean);
	} else if (x->mean == 0.0) {
		c->has_diff_pct = true;
	}
	if (base->has_ci && x->has_ci)
		c->ci_disjoint = x->ci_lo > base->ci_hi || x->ci_hi < base->ci_lo;
	if (base->n < 2 || x->n < 2) {
		c->test = STATS_TEST_NONE;
		return;
	}
	if (base->stddev == 0.0 && x->stddev == 0.0) {
		c->test = STATS_TEST_EXACT;
		c->p = x->mean == base->mean ? 1.0 : 0.0;
	} else {
		double va = base->stddev * base->stddev / (double)base->n;
		double vb = x->stddev * x->stddev / (double)x->n;
		double se2 = va + vb;

		c->test = STATS_TEST_WELCH;
		c->t = (x->mean - base->mean) / sqrt(se2);
		c->df = se2 * se2 / (va * va / (double)(base->n - 1) + vb * vb / (double)(x->n - 1));
		c->p = stats_t_two_sided_p(c->t, c->df);
	}
	c->welch_significant = c->p < alpha;
}
