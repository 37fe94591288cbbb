/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Statistics for comparing configurations over seeds, as mm reviewers
 * expect them (MMTests bin/lib/MMTests/Stat.pm): mean, sample standard
 * deviation, coefficient of variation, a Student-t confidence interval,
 * Welch's two-sample t-test and MMTests' non-overlapping-CI rule.
 * Quantiles and tail probabilities come from GSL.
 */
#ifndef SIM_STATS_H
#define SIM_STATS_H

#include <stdbool.h>
#include <stddef.h>

#define STATS_LEVEL	0.95		/* confidence level of every interval */
#define STATS_ALPHA	0.05		/* significance level of every test */

/* n values of one metric in one configuration. */
struct stats_summary {
	size_t n;			/* values */
	double mean;
	double stddev;			/* sample (n - 1) standard deviation; 0 if n < 2 */
	double cov_pct;			/* 100 * stddev / |mean|; 0 if mean == 0 */
	double min, max;
	double median;			/* lower median for even n */
	bool has_ci;			/* n >= 2: the interval below means something */
	double ci_half;			/* t(1 - (1 - level) / 2, n - 1) * stddev / sqrt(n); 0 if !has_ci */
	double ci_lo, ci_hi;		/* mean -/+ ci_half */
};

/* Which test decided stats_comparison.p. */
enum stats_test {
	STATS_TEST_NONE,		/* a side has n < 2: no variance estimate, no test */
	STATS_TEST_WELCH,		/* Welch's t-test */
	STATS_TEST_EXACT,		/* both sides have zero variance: p = means differ ? 0 : 1 */
};

/* One configuration against its baseline. */
struct stats_comparison {
	bool has_diff_pct;		/* false if the baseline mean is 0 and the other is not */
	double diff_pct;		/* 100 * (mean - base mean) / |base mean| */
	enum stats_test test;
	double t;			/* Welch t statistic (mean - base mean) / se; WELCH only */
	double df;			/* Welch-Satterthwaite degrees of freedom; WELCH only */
	double p;			/* two-sided p; 1 for NONE */
	bool welch_significant;		/* test != NONE and p < alpha */
	bool ci_disjoint;		/* both have CIs and they do not overlap (MMTests' rule) */
};

/* Quantile of Student's t distribution with @df degrees of freedom (@df > 0). */
double stats_t_quantile(double p, double df);

/* Two-sided tail probability P(|T| >= |t|) for @df degrees of freedom. */
double stats_t_two_sided_p(double t, double df);

/* Summarise @x[0..n); @n may be 0 (everything 0, no CI). @x is not modified. */
void stats_summarize(const double *x, size_t n, double level, struct stats_summary *s);

/* Compare @x with @base at significance level @alpha. */
void stats_compare(const struct stats_summary *base, const struct stats_summary *x,
		   double alpha, struct stats_comparison *c);

#endif /* SIM_STATS_H */
