/*
 * stats.h: statistics for distribution tests: exact CDFs (from libm's erfc,
 * independent of nninit's own polynomials), the one-sample
 * Kolmogorov-Smirnov test, and moment checks with standard errors.
 */
#ifndef NNINIT_TEST_STATS_H
#define NNINIT_TEST_STATS_H

#include <math.h>
#include <stdlib.h>

typedef double (*cdf_fn)(double x, const double *p);

/* N(p0, p1^2) */
static double cdf_normal(double x, const double *p)
{
    return 0.5 * erfc(-(x - p[0]) / (p[1] * 1.4142135623730951));
}

/* U[p0, p1) */
static double cdf_uniform(double x, const double *p)
{
    return x <= p[0] ? 0 : x >= p[1] ? 1 : (x - p[0]) / (p[1] - p[0]);
}

/* Survival function of N(p0, p1^2): accurate far in the upper tail. */
static double sf_normal(double x, const double *p)
{
    return 0.5 * erfc((x - p[0]) / (p[1] * 1.4142135623730951));
}

/* N(p0, p1^2) truncated to [p2, p3]; computed from whichever tail keeps
 * precision (an interval far above the mean uses survival functions). */
static double cdf_trunc_normal(double x, const double *p)
{
    if (x <= p[2])
        return 0;
    if (x >= p[3])
        return 1;
    if (p[2] + p[3] > 2 * p[0]) {
        double sa = sf_normal(p[2], p), sb = sf_normal(p[3], p);
        return (sa - sf_normal(x, p)) / (sa - sb);
    }
    double fa = cdf_normal(p[2], p), fb = cdf_normal(p[3], p);
    return (cdf_normal(x, p) - fa) / (fb - fa);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Asymptotic Kolmogorov survival function with Stephens' finite-n
 * correction: P(D_n > d) ~ Q((sqrt(n) + 0.12 + 0.11/sqrt(n)) d). */
static double ks_pvalue(double d, size_t n)
{
    double sn = sqrt((double)n);
    double lam = (sn + 0.12 + 0.11 / sn) * d;
    if (lam < 0.2)
        return 1.0;
    double sum = 0, sign = 1;
    for (int k = 1; k <= 100; k++) {
        double term = exp(-2.0 * k * k * lam * lam);
        sum += sign * term;
        sign = -sign;
        if (term < 1e-16)
            break;
    }
    double q = 2 * sum;
    return q < 0 ? 0 : q > 1 ? 1 : q;
}

/* KS statistic D of x[0..n) (sorted in place) against cdf. */
static double ks_stat(double *x, size_t n, cdf_fn cdf, const double *p)
{
    qsort(x, n, sizeof *x, cmp_double);
    double d = 0;
    for (size_t i = 0; i < n; i++) {
        double f = cdf(x[i], p);
        double lo = f - (double)i / (double)n, hi = (double)(i + 1) / (double)n - f;
        if (lo > d)
            d = lo;
        if (hi > d)
            d = hi;
    }
    return d;
}

typedef struct moments {
    double mean, var, m4; /* central */
    double min, max;
} moments;

static moments moments_of(const double *x, size_t n)
{
    moments m = {0, 0, 0, INFINITY, -INFINITY};
    for (size_t i = 0; i < n; i++) {
        m.mean += x[i];
        if (x[i] < m.min)
            m.min = x[i];
        if (x[i] > m.max)
            m.max = x[i];
    }
    m.mean /= (double)n;
    for (size_t i = 0; i < n; i++) {
        double d = x[i] - m.mean;
        m.var += d * d;
        m.m4 += d * d * d * d;
    }
    m.var /= (double)(n - 1);
    m.m4 /= (double)n;
    return m;
}

#endif
