/* test_dist.c: every family, table-driven, against analytic truths: raw moments written
 * out per family (not taken from dist.c), sample moments within 5 standard errors,
 * Kolmogorov-Smirnov distance to dist_cdf, closed-form cdf values, and the residual
 * sampler against the renewal-theory moments E[R] = E[X^2] / (2 E[X]) and
 * E[R^2] = E[X^3] / (3 E[X]) and the residual cdf (1/m) int_0^x (1 - F). Then the error
 * codes, names, copies. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "sim/dist.h"
#include "sim/rng.h"

enum {
    N_MOM = 1000000, /* draws for moments */
    N_KS = 100000,   /* draws kept for distribution (KS) checks */
};

/* A family with parameters as users write them; empirical rows give their points. */
typedef struct fam {
    const char *probe;  /* what the row probes */
    dist_kind_t kind;   /* family */
    double p1, p2;      /* mean/sd, shape/scale, min/max, value (p1), mean (p1) */
    int n;              /* empirical: points */
    const double *x;    /* empirical: x_i */
    const double *p;    /* empirical: p_i */
} fam_t;

static const double emp1_x[] = {0, 7, 30, 90, 365}, emp1_p[] = {0, 0.1, 0.5, 0.9, 1};
static const double emp2_x[] = {0, 1, 2, 1000}, emp2_p[] = {0, 0, 0.999, 1};
static const double emp3_x[] = {3, 5, 8, 9}, emp3_p[] = {1e-10, 0.5, 0.5, 1 - 1e-10};

static const fam_t fams[] = {
    {"exponential, a month and a half", DIST_EXPONENTIAL, 45, 0, 0, NULL, NULL},
    {"exponential, huge mean", DIST_EXPONENTIAL, 2e4, 0, 0, NULL, NULL},
    {"gamma, realistic", DIST_GAMMA, 200, 120, 0, NULL, NULL},
    {"gamma, shape 1/9 (k < 1 boost)", DIST_GAMMA, 10, 30, 0, NULL, NULL},
    {"gamma, shape 2500", DIST_GAMMA, 50, 1, 0, NULL, NULL},
    {"lognormal, realistic", DIST_LOGNORMAL, 100, 60, 0, NULL, NULL},
    {"lognormal, cv 2 (heavy tail)", DIST_LOGNORMAL, 1, 2, 0, NULL, NULL},
    {"weibull, realistic", DIST_WEIBULL, 1.5, 100, 0, NULL, NULL},
    {"weibull, shape 0.5", DIST_WEIBULL, 0.5, 10, 0, NULL, NULL},
    {"weibull, shape 8", DIST_WEIBULL, 8, 30, 0, NULL, NULL},
    {"uniform, realistic", DIST_UNIFORM, 10, 50, 0, NULL, NULL},
    {"uniform from 0", DIST_UNIFORM, 0, 1000, 0, NULL, NULL},
    {"uniform, min == max", DIST_UNIFORM, 7, 7, 0, NULL, NULL},
    {"fixed, a fortnight", DIST_FIXED, 14, 0, 0, NULL, NULL},
    {"fixed, huge", DIST_FIXED, 1e6, 0, 0, NULL, NULL},
    {"empirical, realistic", DIST_EMPIRICAL, 0, 0, 5, emp1_x, emp1_p},
    {"empirical, empty first segment, long tail", DIST_EMPIRICAL, 0, 0, 4, emp2_x, emp2_p},
    {"empirical, flat middle, ends 1e-10 off", DIST_EMPIRICAL, 0, 0, 4, emp3_x, emp3_p},
};
#define N_FAMS (sizeof fams / sizeof fams[0])

static void make(const fam_t *f, dist_t *d)
{
    memset(d, 0, sizeof *d);
    d->kind = f->kind;
    switch (f->kind) {
    case DIST_EXPONENTIAL: d->mean = f->p1; break;
    case DIST_GAMMA:
    case DIST_LOGNORMAL: d->mean = f->p1, d->sd = f->p2; break;
    case DIST_WEIBULL: d->shape = f->p1, d->scale = f->p2; break;
    case DIST_UNIFORM: d->min = f->p1, d->max = f->p2; break;
    case DIST_FIXED: d->value = f->p1; break;
    case DIST_EMPIRICAL:
        d->n = f->n;
        d->x = malloc((size_t)f->n * sizeof *d->x);
        d->p = malloc((size_t)f->n * sizeof *d->p);
        assert_non_null(d->x);
        assert_non_null(d->p);
        memcpy(d->x, f->x, (size_t)f->n * sizeof *d->x);
        memcpy(d->p, f->p, (size_t)f->n * sizeof *d->p);
        break;
    default: break;
    }
    assert_int_equal(dist_init(d, 1), 0);
}

/* E[X^k], analytically from the user's parameters. */
static double raw_moment(const fam_t *f, int k)
{
    double r = 1.0;
    switch (f->kind) {
    case DIST_EXPONENTIAL: /* k! m^k */
        for (int j = 1; j <= k; j++) r *= j * f->p1;
        return r;
    case DIST_GAMMA: { /* theta^k Gamma(s + k) / Gamma(s), s = (m/sd)^2, theta = sd^2/m */
        double s = f->p1 * f->p1 / (f->p2 * f->p2), theta = f->p2 * f->p2 / f->p1;
        for (int j = 0; j < k; j++) r *= theta * (s + j);
        return r;
    }
    case DIST_LOGNORMAL: /* exp(k mu + k^2 s^2 / 2) = m^k (1 + cv^2)^(k(k-1)/2) */
        return pow(f->p1, k) * pow(1.0 + (f->p2 / f->p1) * (f->p2 / f->p1), k * (k - 1) / 2.0);
    case DIST_WEIBULL: /* lambda^k Gamma(1 + k / shape) */
        return pow(f->p2, k) * tgamma(1.0 + k / f->p1);
    case DIST_UNIFORM: /* (b^(k+1) - a^(k+1)) / ((k+1)(b - a)) */
        if (f->p1 == f->p2) return pow(f->p1, k);
        return (pow(f->p2, k + 1) - pow(f->p1, k + 1)) / ((k + 1) * (f->p2 - f->p1));
    case DIST_FIXED: return pow(f->p1, k);
    case DIST_EMPIRICAL: /* each segment is uniform with mass dp; the end p's (within
                          * 1e-9 of 0 and 1) are taken as exactly 0 and 1 */
        r = 0.0;
        for (int i = 0; i + 1 < f->n; i++) {
            double a = f->x[i], b = f->x[i + 1];
            double p0 = i == 0 ? 0.0 : f->p[i], p1 = i + 2 == f->n ? 1.0 : f->p[i + 1];
            r += (p1 - p0) * (pow(b, k + 1) - pow(a, k + 1)) / ((k + 1) * (b - a));
        }
        return r;
    default: return NAN;
    }
}

static int cmp_double(const void *pa, const void *pb)
{
    double a = *(const double *)pa, b = *(const double *)pb;
    return (a > b) - (a < b);
}

/* Checks |sample - want| <= 5 se (plus a rounding allowance), with a message. */
static void near(const char *probe, const char *what, double got, double want, double se)
{
    double tol = 5.0 * se + 1e-12 * fabs(want) + 1e-300;
    if (!(fabs(got - want) <= tol))
        fail_msg("%s: %s = %.10g, want %.10g (5 se = %.3g)", probe, what, got, want, 5.0 * se);
}

/* dist_mean and dist_var against the raw moments. */
static void moments_analytic(void **state)
{
    for (size_t i = 0; i < N_FAMS; i++) {
        dist_t d;
        make(&fams[i], &d);
        double m1 = raw_moment(&fams[i], 1), m2 = raw_moment(&fams[i], 2);
        double var = m2 - m1 * m1;
        near(fams[i].probe, "dist_mean", dist_mean(&d), m1, 1e-12 * fabs(m1));
        near(fams[i].probe, "dist_var", dist_var(&d), var, 1e-9 * m2);
        dist_free(&d);
    }
}

/* 1e6 draws: mean within 5 se = 5 sqrt(var / n); variance within 5 sqrt((mu4 - var^2) / n)
 * with mu4 the fourth central moment from the raw ones. */
static void sample_moments(void **state)
{
    for (size_t i = 0; i < N_FAMS; i++) {
        const fam_t *f = &fams[i];
        dist_t d;
        rng_t r;
        make(f, &d);
        rng_derive(&r, 2024, 1, i, 0);
        double mean = 0.0, m2 = 0.0;
        for (int k = 1; k <= N_MOM; k++) { /* Welford */
            double x = dist_sample(&d, &r), dx = x - mean;
            assert_true(x >= 0.0);
            mean += dx / k;
            m2 += dx * (x - mean);
        }
        double var_s = m2 / (N_MOM - 1);
        double e1 = raw_moment(f, 1), e2 = raw_moment(f, 2), e3 = raw_moment(f, 3),
               e4 = raw_moment(f, 4);
        double var = e2 - e1 * e1;
        double mu4 = e4 - 4 * e3 * e1 + 6 * e2 * e1 * e1 - 3 * e1 * e1 * e1 * e1;
        near(f->probe, "sample mean", mean, e1, sqrt(var / N_MOM));
        near(f->probe, "sample variance", var_s, var,
             sqrt(fmax(mu4 - var * var, 0.0) / N_MOM) + 1e-12 * e2);
        dist_free(&d);
    }
}

/* Kolmogorov-Smirnov distance between 1e5 draws and dist_cdf, below the 0.1% critical
 * value 1.95 / sqrt(n). Atoms (fixed) are handled by comparing both one-sided limits at
 * each distinct value. */
static void cdf_vs_empirical(void **state)
{
    double *xs = malloc(N_KS * sizeof *xs);
    assert_non_null(xs);
    for (size_t i = 0; i < N_FAMS; i++) {
        dist_t d;
        rng_t r;
        make(&fams[i], &d);
        rng_derive(&r, 2024, 2, i, 0);
        for (int k = 0; k < N_KS; k++) xs[k] = dist_sample(&d, &r);
        qsort(xs, N_KS, sizeof *xs, cmp_double);
        double dmax = 0.0;
        for (int k = 0; k < N_KS;) {
            int j = k;
            while (j < N_KS && xs[j] == xs[k]) j++; /* ties: xs[k..j) */
            double below = (double)k / N_KS, upto = (double)j / N_KS;
            double f_at = dist_cdf(&d, xs[k]); /* an atom shows as ties: then the left limit */
            double f_left = j - k > 1 ? dist_cdf(&d, nextafter(xs[k], -INFINITY)) : f_at;
            dmax = fmax(dmax, fmax(fabs(f_at - upto), fabs(f_left - below)));
            k = j;
        }
        if (!(dmax < 1.95 / sqrt((double)N_KS)))
            fail_msg("%s: KS distance %.5f", fams[i].probe, dmax);
        dist_free(&d);
    }
    free(xs);
}

/* Closed forms: gamma with shape 2 is 1 - e^-x (1 + x), with shape 1/2 is erf(sqrt x);
 * the lognormal's median is mean / sqrt(1 + cv^2); weibull at its scale is 1 - 1/e. */
static void cdf_closed_forms(void **state)
{
    static const struct {
        fam_t f;
        double x, cdf;
    } rows[] = {
        {{"gamma k=2", DIST_GAMMA, 2, M_SQRT2, 0, NULL, NULL}, 3.0, 1 - 4 * 0.049787068367863944},
        {{"gamma k=2", DIST_GAMMA, 2, M_SQRT2, 0, NULL, NULL}, 40.0, 1 - 41 * 4.248354255291589e-18},
        {{"gamma k=1", DIST_GAMMA, 3, 3, 0, NULL, NULL}, 1.5, 0.3934693402873666},
        {{"gamma k=1/2", DIST_GAMMA, 0.5, M_SQRT1_2, 0, NULL, NULL}, 2.0, 0.9544997361036416},
        {{"gamma k=1/2", DIST_GAMMA, 0.5, M_SQRT1_2, 0, NULL, NULL}, 0.01, 0.1124629160182849},
        {{"lognormal median", DIST_LOGNORMAL, 100, 75, 0, NULL, NULL}, 80.0, 0.5},
        {{"weibull at scale", DIST_WEIBULL, 0.7, 30, 0, NULL, NULL}, 30.0, 0.6321205588285577},
        {{"exponential", DIST_EXPONENTIAL, 10, 0, 0, NULL, NULL}, 10.0, 0.6321205588285577},
        {{"uniform", DIST_UNIFORM, 10, 50, 0, NULL, NULL}, 20.0, 0.25},
        {{"uniform below", DIST_UNIFORM, 10, 50, 0, NULL, NULL}, 9.0, 0.0},
        {{"uniform above", DIST_UNIFORM, 10, 50, 0, NULL, NULL}, 51.0, 1.0},
        {{"fixed at", DIST_FIXED, 14, 0, 0, NULL, NULL}, 14.0, 1.0},
        {{"fixed below", DIST_FIXED, 14, 0, 0, NULL, NULL}, 13.999999, 0.0},
        {{"empirical knot", DIST_EMPIRICAL, 0, 0, 5, emp1_x, emp1_p}, 30.0, 0.5},
        {{"empirical inside", DIST_EMPIRICAL, 0, 0, 5, emp1_x, emp1_p}, 18.5, 0.3},
        {{"empirical past end", DIST_EMPIRICAL, 0, 0, 5, emp1_x, emp1_p}, 400.0, 1.0},
        {{"empirical flat", DIST_EMPIRICAL, 0, 0, 4, emp3_x, emp3_p}, 6.5, 0.5},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        dist_t d;
        make(&rows[i].f, &d);
        double got = dist_cdf(&d, rows[i].x);
        if (!(fabs(got - rows[i].cdf) < 1e-12))
            fail_msg("%s: cdf(%g) = %.17g, want %.17g", rows[i].f.probe, rows[i].x, got,
                     rows[i].cdf);
        dist_free(&d);
    }
    /* Gamma with shape 80: continuous across x = k + 1, where an incomplete-gamma
     * evaluation typically switches from the series to the continued fraction. */
    fam_t g = {"gamma k=80", DIST_GAMMA, 80, sqrt(80.0), 0, NULL, NULL};
    dist_t d;
    make(&g, &d);
    double below = dist_cdf(&d, nextafter(81.0, 0.0)), above = dist_cdf(&d, 81.0);
    assert_true(fabs(above - below) < 1e-12);
    dist_free(&d);
}

/* The residual-life cdf G(x) = (1/m) int_0^x (1 - F(t)) dt, by composite Simpson from
 * `from` (where G = g0) to x. */
static double residual_cdf_step(const dist_t *d, double m, double from, double g0, double x)
{
    enum { STEPS = 64 };
    double h = (x - from) / STEPS, s = 0.0;
    for (int k = 0; k <= STEPS; k++) {
        double w = (k == 0 || k == STEPS) ? 1.0 : (k % 2 ? 4.0 : 2.0);
        s += w * (1.0 - dist_cdf(d, from + k * h));
    }
    return g0 + s * h / 3.0 / m;
}

/* Grid KS: the empirical cdf of sorted[] at 199 of its own quantiles against G. */
static double residual_ks(const dist_t *d, double *sorted)
{
    double m = dist_mean(d), x0 = 0.0, g = 0.0, dmax = 0.0;
    qsort(sorted, N_KS, sizeof *sorted, cmp_double);
    for (int q = 1; q < 200; q++) {
        int j = (int)((long)N_KS * q / 200);
        double x = sorted[j];
        while (j + 1 < N_KS && sorted[j + 1] == x) j++;
        g = residual_cdf_step(d, m, x0, g, x);
        x0 = x;
        dmax = fmax(dmax, fabs(g - (double)(j + 1) / N_KS));
    }
    return dmax;
}

/* 1e6 residual draws per family: E[R] and E[R^2] within 5 se of E[X^2]/(2m) and
 * E[X^3]/(3m) (se from E[R^4] = E[X^5]/(5m)) for both elapsed and remaining; both
 * within the KS bound of the residual cdf; elapsed + remaining >= 0. */
static void residual_exact(void **state)
{
    double *rem = malloc(N_KS * sizeof *rem), *ela = malloc(N_KS * sizeof *ela);
    assert_non_null(rem);
    assert_non_null(ela);
    for (size_t i = 0; i < N_FAMS; i++) {
        const fam_t *f = &fams[i];
        dist_t d;
        rng_t r;
        make(f, &d);
        rng_derive(&r, 2024, 3, i, 0);
        double s_r = 0, s_r2 = 0, s_e = 0, s_e2 = 0;
        for (int k = 0; k < N_MOM; k++) {
            double e, x;
            dist_sample_residual(&d, &r, &e, &x);
            assert_true(e >= 0.0 && x >= 0.0);
            s_r += x, s_r2 += x * x, s_e += e, s_e2 += e * e;
            if (k < N_KS) rem[k] = x, ela[k] = e;
        }
        double m = raw_moment(f, 1);
        double r1 = raw_moment(f, 2) / (2 * m), r2 = raw_moment(f, 3) / (3 * m),
               r4 = raw_moment(f, 5) / (5 * m);
        double se1 = sqrt(fmax(r2 - r1 * r1, 0) / N_MOM), se2 = sqrt(fmax(r4 - r2 * r2, 0) / N_MOM);
        near(f->probe, "E[remaining]", s_r / N_MOM, r1, se1 + 1e-12 * r1);
        near(f->probe, "E[remaining^2]", s_r2 / N_MOM, r2, se2 + 1e-12 * r2);
        near(f->probe, "E[elapsed]", s_e / N_MOM, r1, se1 + 1e-12 * r1);
        near(f->probe, "E[elapsed^2]", s_e2 / N_MOM, r2, se2 + 1e-12 * r2);
        double ks_r = residual_ks(&d, rem), ks_e = residual_ks(&d, ela);
        if (!(ks_r < 1.95 / sqrt((double)N_KS) && ks_e < 1.95 / sqrt((double)N_KS)))
            fail_msg("%s: residual KS remaining %.5f elapsed %.5f", f->probe, ks_r, ks_e);
        dist_free(&d);
    }
    free(rem);
    free(ela);
}

/* Bad parameters, one class per row, with the code dist_init must return. */
static const double bad_x_eq[] = {0, 1, 1}, bad_p_ok[] = {0, 0.5, 1};
static const double ok_x[] = {0, 1, 2}, bad_p_dec[] = {0, 0.6, 0.5, 1};
static const double ok_x4[] = {0, 1, 2, 3}, bad_p_start[] = {0.01, 0.5, 1};
static const double bad_p_end[] = {0, 0.5, 0.99}, nan_x[] = {0, NAN, 2};
static const double neg_x[] = {-1, 1, 2}, over_p[] = {0, 0.5, 1 + 2e-9};
static const double p_tiny_off[] = {-1e-10, 0.5, 1 + 1e-10};

static const struct {
    const char *probe;
    fam_t f;
    int nonneg;
    int want;
} bad[] = {
    {"unknown kind", {"", (dist_kind_t)99, 1, 1, 0, NULL, NULL}, 1, -DIST_EKIND},
    {"exponential NaN mean", {"", DIST_EXPONENTIAL, NAN, 0, 0, NULL, NULL}, 1, -DIST_EPARAM},
    {"exponential infinite mean", {"", DIST_EXPONENTIAL, INFINITY, 0, 0, NULL, NULL}, 1, -DIST_EPARAM},
    {"exponential zero mean", {"", DIST_EXPONENTIAL, 0, 0, 0, NULL, NULL}, 1, -DIST_EPOSITIVE},
    {"exponential negative mean", {"", DIST_EXPONENTIAL, -3, 0, 0, NULL, NULL}, 0, -DIST_EPOSITIVE},
    {"gamma zero sd", {"", DIST_GAMMA, 5, 0, 0, NULL, NULL}, 1, -DIST_EPOSITIVE},
    {"gamma negative mean", {"", DIST_GAMMA, -5, 1, 0, NULL, NULL}, 1, -DIST_EPOSITIVE},
    {"gamma NaN sd", {"", DIST_GAMMA, 5, NAN, 0, NULL, NULL}, 1, -DIST_EPARAM},
    {"lognormal zero mean", {"", DIST_LOGNORMAL, 0, 1, 0, NULL, NULL}, 1, -DIST_EPOSITIVE},
    {"lognormal infinite sd", {"", DIST_LOGNORMAL, 1, INFINITY, 0, NULL, NULL}, 1, -DIST_EPARAM},
    {"weibull zero shape", {"", DIST_WEIBULL, 0, 1, 0, NULL, NULL}, 1, -DIST_EPOSITIVE},
    {"weibull negative scale", {"", DIST_WEIBULL, 1, -2, 0, NULL, NULL}, 1, -DIST_EPOSITIVE},
    {"weibull NaN shape", {"", DIST_WEIBULL, NAN, 1, 0, NULL, NULL}, 1, -DIST_EPARAM},
    {"uniform min > max", {"", DIST_UNIFORM, 5, 4, 0, NULL, NULL}, 1, -DIST_ERANGE},
    {"uniform negative min", {"", DIST_UNIFORM, -1, 3, 0, NULL, NULL}, 1, -DIST_ENEGATIVE},
    {"uniform negative min allowed", {"", DIST_UNIFORM, -1, 3, 0, NULL, NULL}, 0, 0},
    {"uniform infinite max", {"", DIST_UNIFORM, 0, INFINITY, 0, NULL, NULL}, 1, -DIST_EPARAM},
    {"fixed negative", {"", DIST_FIXED, -1, 0, 0, NULL, NULL}, 1, -DIST_ENEGATIVE},
    {"fixed negative allowed", {"", DIST_FIXED, -1, 0, 0, NULL, NULL}, 0, 0},
    {"fixed zero", {"", DIST_FIXED, 0, 0, 0, NULL, NULL}, 1, 0},
    {"fixed NaN", {"", DIST_FIXED, NAN, 0, 0, NULL, NULL}, 1, -DIST_EPARAM},
    {"empirical one point", {"", DIST_EMPIRICAL, 0, 0, 1, ok_x, bad_p_ok}, 1, -DIST_ECDF},
    {"empirical no arrays", {"", DIST_EMPIRICAL, 0, 0, 3, NULL, NULL}, 1, -DIST_ECDF},
    {"empirical x repeated", {"", DIST_EMPIRICAL, 0, 0, 3, bad_x_eq, bad_p_ok}, 1, -DIST_ECDF},
    {"empirical p decreasing", {"", DIST_EMPIRICAL, 0, 0, 4, ok_x4, bad_p_dec}, 1, -DIST_ECDF},
    {"empirical p starts above 0", {"", DIST_EMPIRICAL, 0, 0, 3, ok_x, bad_p_start}, 1, -DIST_ECDF},
    {"empirical p ends below 1", {"", DIST_EMPIRICAL, 0, 0, 3, ok_x, bad_p_end}, 1, -DIST_ECDF},
    {"empirical p ends 2e-9 above 1", {"", DIST_EMPIRICAL, 0, 0, 3, ok_x, over_p}, 1, -DIST_ECDF},
    {"empirical ends 1e-10 off", {"", DIST_EMPIRICAL, 0, 0, 3, ok_x, p_tiny_off}, 1, 0},
    {"empirical NaN x", {"", DIST_EMPIRICAL, 0, 0, 3, nan_x, bad_p_ok}, 1, -DIST_EPARAM},
    {"empirical negative x", {"", DIST_EMPIRICAL, 0, 0, 3, neg_x, bad_p_ok}, 1, -DIST_ENEGATIVE},
    {"empirical negative x allowed", {"", DIST_EMPIRICAL, 0, 0, 3, neg_x, bad_p_ok}, 0, 0},
};

static void init_rejects(void **state)
{
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const fam_t *f = &bad[i].f;
        dist_t d;
        memset(&d, 0, sizeof d);
        d.kind = f->kind;
        d.mean = d.shape = d.min = d.value = f->p1;
        d.sd = d.scale = d.max = f->p2;
        d.n = f->n;
        d.x = (double *)f->x; /* not freed: static arrays */
        d.p = (double *)f->p;
        dist_t before = d;
        int rc = dist_init(&d, bad[i].nonneg);
        if (rc != bad[i].want)
            fail_msg("%s: dist_init = %d (%s), want %d", bad[i].probe, rc, dist_strerror(rc),
                     bad[i].want);
        if (rc != 0) { /* public fields untouched */
            assert_true(d.kind == before.kind && d.n == before.n && d.x == before.x &&
                        d.p == before.p);
            assert_memory_equal(&d.mean, &before.mean, 2 * sizeof(double));
            assert_memory_equal(&d.min, &before.min, 2 * sizeof(double));
        }
        assert_non_null(dist_strerror(rc));
    }
}

static void strerror_and_names(void **state)
{
    static const char *const want[] = {
#define ERR_STR(e, s) s,
        DIST_ERR_MAP(ERR_STR)
#undef ERR_STR
    };
    for (int e = DIST_EKIND; e <= DIST_ECDF; e++) {
        assert_string_equal(dist_strerror(-e), want[e - DIST_EKIND]);
        for (int e2 = DIST_EKIND; e2 < e; e2++)
            assert_true(strcmp(dist_strerror(-e), dist_strerror(-e2)) != 0);
    }
    assert_non_null(dist_strerror(-1000));
    static const char *const names[] = {"exponential", "gamma", "lognormal", "weibull",
                                        "uniform", "fixed", "empirical"};
    assert_int_equal(sizeof names / sizeof names[0], DIST_KIND_N);
    for (int k = 0; k < DIST_KIND_N; k++) {
        assert_int_equal(dist_kind_from_name(names[k]), k);
        assert_string_equal(dist_kind_name((dist_kind_t)k), names[k]);
    }
    assert_int_equal(dist_kind_from_name("Gamma"), -1);
    assert_int_equal(dist_kind_from_name("normal"), -1);
    assert_int_equal(dist_kind_from_name(""), -1);
    assert_int_equal(dist_kind_from_name(NULL), -1);
}

/* A copy owns its own arrays: it survives freeing the original and draws the same. */
static void copy_is_deep(void **state)
{
    for (size_t i = 0; i < N_FAMS; i++) {
        dist_t d, c;
        rng_t r1, r2;
        make(&fams[i], &d);
        assert_int_equal(dist_copy(&c, &d), 0);
        if (d.x) assert_true(c.x != d.x && c.p != d.p);
        rng_seed(&r1, 1, 2);
        double first[8];
        for (int k = 0; k < 8; k++) first[k] = dist_sample(&d, &r1);
        dist_free(&d);
        assert_null(d.x);
        dist_free(&d); /* twice is safe */
        rng_seed(&r2, 1, 2);
        for (int k = 0; k < 8; k++) assert_true(dist_sample(&c, &r2) == first[k]);
        dist_free(&c);
    }
}

/* The standard normal: mean 0, variance 1, P(Z < 1.959963984540054) = 0.975. */
static void std_normal_moments(void **state)
{
    enum { N = 400000 };
    rng_t r;
    rng_seed(&r, 77, 1);
    double s = 0, s2 = 0;
    long below = 0;
    for (int k = 0; k < N; k++) {
        double z = dist_std_normal(&r);
        s += z, s2 += z * z;
        below += z < 1.959963984540054;
    }
    near("normal", "mean", s / N, 0.0, sqrt(1.0 / N));
    near("normal", "E[Z^2]", s2 / N, 1.0, sqrt(2.0 / N));
    near("normal", "P(Z < 1.96)", (double)below / N, 0.975, sqrt(0.975 * 0.025 / N));
}

/* A gamma draw through dist_sample, whose shape's constants dist_init computes once,
 * is bit for bit theta x dist_std_gamma(shape) on the same stream, for shapes above,
 * at and below 1 (below 1 the boost is drawn, no constants), and after a re-init to
 * another family and back (the constants must not outlive their shape). */
static void gamma_constants_same_bits(void **state)
{
    static const double msd[][2] = {{1, 0.5}, {33, 15}, {120, 60}, {2, 2}, {5, 10}, {0.3, 0.29}};
    for (size_t i = 0; i < sizeof msd / sizeof msd[0]; i++) {
        dist_t d = {.kind = DIST_GAMMA, .mean = msd[i][0], .sd = msd[i][1]};
        assert_int_equal(dist_init(&d, 1), 0);
        assert_true((d.a >= 1) == (d.gc > 0));
        if (i == 0) { /* another family, then gamma again with another shape */
            d.kind = DIST_LOGNORMAL;
            assert_int_equal(dist_init(&d, 1), 0);
            assert_true(d.gc == 0);
            d.kind = DIST_GAMMA;
            d.sd = 0.9;
            assert_int_equal(dist_init(&d, 1), 0);
        }
        rng_t r1, r2;
        rng_seed(&r1, 9, i);
        rng_seed(&r2, 9, i);
        for (int k = 0; k < 20000; k++) {
            double x = dist_sample(&d, &r1), y = d.b * dist_std_gamma(&r2, d.a);
            assert_memory_equal(&x, &y, sizeof x);
        }
        dist_free(&d);
    }
}

/* Defect 5 of issue 9: worker threads sample and summarise at once, so nothing here
 * may write a global. glibc's lgamma() sets `signgam` (to +1 for these arguments):
 * the Weibull mean and variance and the gamma cdf must leave it alone. */
static void no_global_writes(void **state)
{
    dist_t w = {.kind = DIST_WEIBULL, .shape = 1.5, .scale = 20};
    dist_t g = {.kind = DIST_GAMMA, .mean = 30, .sd = 10};
    signgam = -7;
    assert_int_equal(dist_init(&w, 1), 0);
    assert_int_equal(dist_init(&g, 1), 0);
    assert_true(dist_mean(&w) > 0 && dist_var(&w) > 0);
    assert_true(dist_cdf(&g, 25.0) > 0 && dist_cdf(&g, 60.0) < 1);
    assert_int_equal(signgam, -7);
}

/* The codes are apart from sim/err.h's (and sa.h's, from 201), so that a -DIST_E*
 * passed on is never read as, say, out of memory. */
static void codes_apart_from_sim(void **state)
{
    for (int e = DIST_EKIND; e <= DIST_ECDF; e++) {
        assert_true(e > 100 && e < 200);
        assert_string_equal(sim_strerror(-e), "unknown error");
    }
    dist_t d = {.kind = DIST_EMPIRICAL};
    assert_int_equal(dist_copy(&d, &d), 0); /* no arrays: nothing to allocate */
}

/* ---- conditional residual life: T - e given T > e (dist_sample_after) ---- */

/* The test's own survival functions, from the textbook formulas (not dist.c): the
 * exponential, weibull and lognormal closed forms; gamma and empirical through
 * 1 - dist_cdf (itself checked against closed forms above). */
static double test_sf(const dist_t *d, const fam_t *f, double x)
{
    if (x <= 0) return 1.0;
    switch (f->kind) {
    case DIST_EXPONENTIAL: return exp(-x / f->p1);
    case DIST_WEIBULL: return exp(-pow(x / f->p2, f->p1));
    case DIST_LOGNORMAL: {
        double s2 = log(1.0 + (f->p2 / f->p1) * (f->p2 / f->p1));
        double mu = log(f->p1) - 0.5 * s2;
        return 0.5 * erfc((log(x) - mu) / sqrt(2.0 * s2));
    }
    default: return 1.0 - dist_cdf(d, x);
    }
}

/* E[T - e | T > e] = int_e^inf S(x) dx / S(e), by Simpson's rule after x = e + t/(1-t)
 * (t in [0, 1)), so the infinite range becomes a finite one. */
static double mean_after_quadrature(const dist_t *d, const fam_t *f, double e)
{
    enum { K = 200000 };
    double h = 1.0 / K, sum = 0;
    for (int i = 0; i <= K; i++) {
        double t = i * h, g;
        if (i == K) g = 0; /* S(x) (1 - t)^-2 -> 0: every family here has a finite mean
                            * and a tail thinner than 1/x^2 */
        else g = test_sf(d, f, e + t / (1 - t)) / ((1 - t) * (1 - t));
        sum += g * (i == 0 || i == K ? 1 : (i % 2 ? 4 : 2));
    }
    return sum * h / 3 / test_sf(d, f, e);
}

/* dist_mean_capped against the sample mean of min(X, c) over 200,000 draws (within 5
 * standard errors), for every family at caps at its 10%, 50% and 90% quantiles; at cap
 * 0 it is 0 and at +inf the mean; and it never exceeds min(cap, mean). A stay cut off
 * at max_age is such a capped draw. */
static void mean_capped_vs_sampling(void **state)
{
    enum { N = 200000 };
    for (size_t i = 0; i < N_FAMS; i++) {
        const fam_t *f = &fams[i];
        dist_t d;
        make(f, &d);
        near(f->probe, "capped at +inf", dist_mean_capped(&d, INFINITY), dist_mean(&d),
             1e-12 * dist_mean(&d));
        near(f->probe, "capped at 0", dist_mean_capped(&d, 0.0), 0.0, 0.0);
        const double ps[3] = {0.1, 0.5, 0.9};
        for (int j = 0; j < 3; j++) {
            double c = dist_quantile(&d, ps[j]), want = dist_mean_capped(&d, c);
            assert_true(want <= fmin(c, dist_mean(&d)) * (1 + 1e-12) + 1e-12);
            rng_t r;
            rng_seed(&r, 9, (uint64_t)(10 * i + j));
            double s = 0, s2 = 0;
            for (int k = 0; k < N; k++) {
                double y = fmin(dist_sample(&d, &r), c);
                s += y, s2 += y * y;
            }
            double mean = s / N, sd = sqrt(fmax(s2 / N - mean * mean, 0));
            near(f->probe, "E[min(X, c)]", want, mean, sd / sqrt(N) + 1e-9 * fabs(mean));
        }
        dist_free(&d);
    }
}

/* Exponential: memoryless. After 100 days (more than two means) the time left has the
 * unconditional mean and 90% quantile -m ln 0.1. */
static void after_exponential_memoryless(void **state)
{
    enum { N = 200000 };
    const double m = 45;
    dist_t d = {.kind = DIST_EXPONENTIAL, .mean = m};
    assert_int_equal(dist_init(&d, 1), 0);
    double *x = malloc(N * sizeof *x), s = 0;
    assert_non_null(x);
    rng_t r;
    rng_seed(&r, 5, 1);
    for (int k = 0; k < N; k++) s += x[k] = dist_sample_after(&d, &r, 100.0);
    near("exponential after 100", "mean", s / N, m, m / sqrt(N));
    qsort(x, N, sizeof *x, cmp_double);
    /* the sample quantile's sd: sqrt(p (1 - p) / n) / f(q), f(q) = (1 - p) / m */
    double q = -m * log(0.1), se = sqrt(0.9 * 0.1 / N) / (0.1 / m);
    near("exponential after 100", "90% quantile", x[(int)(0.9 * N)], q, se);
    near("exponential", "dist_quantile(0.9)", dist_quantile(&d, 0.9), q, 1e-12 * q);
    free(x);
}

/* Uniform and fixed, exactly: below the support the time left is T - e; inside, the
 * rest of the interval; beyond it (S(e) = 0) the stay ends at once. */
static void after_uniform_fixed_exact(void **state)
{
    enum { N = 100000 };
    dist_t u = {.kind = DIST_UNIFORM, .min = 10, .max = 50};
    dist_t f = {.kind = DIST_FIXED, .value = 30};
    assert_int_equal(dist_init(&u, 1), 0);
    assert_int_equal(dist_init(&f, 1), 0);
    static const struct { double e, mean, lo, hi; } cu[] = {
        {5, 25, 5, 45},   /* below min: U(10, 50) - 5 */
        {30, 10, 0, 20},  /* inside: U(30, 50) - 30 */
        {50, 0, 0, 0},    /* at max: S = 0 */
        {80, 0, 0, 0},    /* beyond */
    };
    rng_t r;
    rng_seed(&r, 6, 1);
    for (size_t i = 0; i < sizeof cu / sizeof cu[0]; i++) {
        double s = 0, lo = INFINITY, hi = -INFINITY;
        for (int k = 0; k < N; k++) {
            double y = dist_sample_after(&u, &r, cu[i].e);
            s += y, lo = fmin(lo, y), hi = fmax(hi, y);
        }
        double sd = (cu[i].hi - cu[i].lo) / sqrt(12.0);
        near("uniform after", "mean", s / N, cu[i].mean, sd / sqrt(N));
        assert_true(lo >= cu[i].lo && hi <= cu[i].hi);
        assert_true(hi - lo >= 0.99 * (cu[i].hi - cu[i].lo)); /* the whole range */
    }
    assert_true(dist_sample_after(&f, &r, 10) == 20);
    assert_true(dist_sample_after(&f, &r, 30) == 0);
    assert_true(dist_sample_after(&f, &r, 40) == 0);
    assert_true(dist_survival(&f, 29.9) == 1 && dist_survival(&f, 30) == 0);
    assert_true(dist_survival(&u, 30) == 0.5 && dist_survival(&u, 50) == 0);
}

/* Gamma, lognormal, weibull, empirical: the sample mean of T - e | T > e against the
 * quadrature of S from e to infinity over S(e), at an e near each family's median and
 * one far in its tail; plus dist_survival against the test's own S. */
static void after_vs_quadrature(void **state)
{
    enum { N = 200000 };
    static const int rows[] = {2, 3, 5, 6, 7, 8, 15, 16, 17};
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const fam_t *f = &fams[rows[i]];
        dist_t d;
        make(f, &d);
        const double ps[2] = {0.5, 0.95};
        for (int j = 0; j < 2; j++) {
            double e = dist_quantile(&d, ps[j]);
            double se_sf = test_sf(&d, f, e);
            if (!(se_sf > 0)) continue; /* an empirical cdf's end: no tail to sample */
            near(f->probe, "quantile: 1 - S(q)", 1 - se_sf, ps[j], 1e-9);
            near(f->probe, "dist_survival", dist_survival(&d, e), se_sf, 1e-12 + 1e-9 * se_sf);
            rng_t r;
            rng_seed(&r, 7, (uint64_t)(10 * i + j));
            double s = 0, s2 = 0;
            for (int k = 0; k < N; k++) {
                double y = dist_sample_after(&d, &r, e);
                assert_true(y >= 0 && isfinite(y));
                s += y, s2 += y * y;
            }
            double mean = s / N, sd = sqrt(fmax(s2 / N - mean * mean, 0));
            near(f->probe, "E[T - e | T > e]", mean, mean_after_quadrature(&d, f, e),
                 sd / sqrt(N) + 1e-6 * mean);
        }
        dist_free(&d);
    }
}

/* Deep in the tail (S(e) about 1e-6, and far beyond where S underflows a double): the
 * draws stay finite, positive and fast, and match the quadrature; deep in a gamma's
 * tail the hazard tends to 1 / theta, so the time left tends to an exponential with
 * mean theta. */
static void after_deep_tail(void **state)
{
    enum { N = 100000 };
    static const int rows[] = {2, 3, 5, 6, 7, 9};
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const fam_t *f = &fams[rows[i]];
        dist_t d;
        make(f, &d);
        double e = dist_quantile(&d, 1 - 1e-6);
        near(f->probe, "S(q(1 - 1e-6))", dist_survival(&d, e), 1e-6, 1e-12);
        rng_t r;
        rng_seed(&r, 8, i);
        clock_t t0 = clock();
        double s = 0, s2 = 0;
        for (int k = 0; k < N; k++) {
            double y = dist_sample_after(&d, &r, e);
            assert_true(y >= 0 && isfinite(y));
            s += y, s2 += y * y;
        }
        double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
        if (secs > 5) fail_msg("%s: %d deep-tail draws took %.1f s", f->probe, N, secs);
        double mean = s / N, sd = sqrt(fmax(s2 / N - mean * mean, 0));
        near(f->probe, "deep E[T - e | T > e]", mean, mean_after_quadrature(&d, f, e),
             sd / sqrt(N) + 1e-5 * mean);
        dist_free(&d);
    }
    /* gamma(mean 35, sd 15): k = 49/9, theta = 45/7; open 20 years, S(e) ~ 1e-480 */
    dist_t g = {.kind = DIST_GAMMA, .mean = 35, .sd = 15};
    assert_int_equal(dist_init(&g, 1), 0);
    double theta = 15.0 * 15.0 / 35.0, e = 7305, k = 35.0 * 35.0 / 225.0;
    assert_true(dist_survival(&g, e) == 0); /* underflows: the log scale is needed */
    rng_t r;
    rng_seed(&r, 9, 1);
    double s = 0;
    for (int j = 0; j < N; j++) {
        double y = dist_sample_after(&g, &r, e);
        assert_true(y >= 0 && isfinite(y));
        s += y;
    }
    /* E[T - e | T > e] = theta (1 + (k - 1) theta / e + ...) */
    near("gamma open 20 years", "mean", s / N, theta * (1 + (k - 1) * theta / e),
         theta / sqrt(N) + 1e-3 * theta);
    /* lognormal with z = 40 standard deviations: finite, and still above e */
    dist_t l = {.kind = DIST_LOGNORMAL, .mean = 100, .sd = 60};
    assert_int_equal(dist_init(&l, 1), 0);
    double el = exp(l.a + 40 * l.b);
    for (int j = 0; j < 1000; j++) {
        double y = dist_sample_after(&l, &r, el);
        assert_true(y >= 0 && isfinite(y) && y < el);
    }
}

/* Beyond an empirical cdf's last point the stay ends at once; below its first point the
 * time left is T - e; on a flat stretch it is never negative. */
static void after_empirical_edges(void **state)
{
    dist_t d;
    make(&fams[17], &d); /* points 3, 5, 8, 9 with a flat stretch on [5, 8] */
    rng_t r;
    rng_seed(&r, 10, 1);
    assert_true(dist_sample_after(&d, &r, 9) == 0);
    assert_true(dist_sample_after(&d, &r, 100) == 0);
    for (int k = 0; k < 10000; k++) {
        double y = dist_sample_after(&d, &r, 6); /* on the flat stretch: T in [8, 9] */
        assert_true(y >= 2 - 1e-12 && y <= 3 + 1e-12);
        y = dist_sample_after(&d, &r, 1); /* below the support: T - 1 in [2, 8] */
        assert_true(y >= 2 - 1e-12 && y <= 8 + 1e-12);
    }
    dist_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(moments_analytic),
        cmocka_unit_test(sample_moments),
        cmocka_unit_test(cdf_vs_empirical),
        cmocka_unit_test(cdf_closed_forms),
        cmocka_unit_test(residual_exact),
        cmocka_unit_test(init_rejects),
        cmocka_unit_test(strerror_and_names),
        cmocka_unit_test(no_global_writes),
        cmocka_unit_test(codes_apart_from_sim),
        cmocka_unit_test(copy_is_deep),
        cmocka_unit_test(std_normal_moments),
        cmocka_unit_test(gamma_constants_same_bits),
        cmocka_unit_test(after_exponential_memoryless),
        cmocka_unit_test(after_uniform_fixed_exact),
        cmocka_unit_test(mean_capped_vs_sampling),
        cmocka_unit_test(after_vs_quadrature),
        cmocka_unit_test(after_deep_tail),
        cmocka_unit_test(after_empirical_edges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
