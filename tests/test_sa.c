/* test_sa.c: sensitivity analysis against truths from outside this code: the normal
 * quantile against published values and mpmath, the input quantiles against their
 * closed-form CDFs, the Sobol estimators against the analytic indices of the Ishigami
 * function, a product and a linear model, the Morris estimators against linear and
 * interacting functions, and the designs against their defining structure. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sim/sa.h"
#include "sim/sobol.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

static double phi_cdf(double x) { return 0.5 * erfc(-x / sqrt(2.0)); }

static double *dalloc(size_t n)
{
    double *p = malloc(n * sizeof *p);
    assert_non_null(p);
    return p;
}

static sa_sobol_t sobol_out(int k)
{
    double *m = dalloc(4 * (size_t)k);
    return (sa_sobol_t){m, m + k, m + 2 * k, m + 3 * k};
}

static sa_morris_t morris_out(int k)
{
    double *m = dalloc(4 * (size_t)k);
    return (sa_morris_t){m, m + k, m + 2 * k, m + 3 * k};
}

/* ---- quantiles ---- */

/* Published values (Abramowitz and Stegun table 26.5; R's qnorm to 16 digits) and the
 * rest from mpmath at 60 digits (root of erfc(-z / sqrt 2) / 2 = p, p the exact double
 * value). */
static const struct {
    double p, z;
} nq[] = {
    {0.975, 1.959963984540054},      {0.001, -3.090232306167814},
    {1e-10, -6.361340902404056},     {0.5, 0.0},
    {0.9, 1.2815515655446006},       {0.3, -0.52440051270804082},
    {0.02425, -1.9729610513118848},  {0.97575, 1.972961051311885}, /* AS241's splits */
    {1e-300, -37.047096299361199},   {0.999999, 4.7534243088170878},
    {1e-50, -14.933337534788489},    {0.6, 0.25334710313579974},
    {1e-20, -9.2623400897984076},    {0.9999, 3.7190164854557084},
};

static void normal_quantile_published(void **state)
{
    for (size_t i = 0; i < sizeof nq / sizeof nq[0]; i++) {
        double got = sa_normal_quantile(nq[i].p);
        double tol = 4e-16 * fmax(1.0, fabs(nq[i].z));
        if (!(fabs(got - nq[i].z) <= tol))
            fail_msg("Phi^-1(%g) = %.17g, want %.17g", nq[i].p, got, nq[i].z);
    }
    assert_true(sa_normal_quantile(0.0) == -INFINITY);
    assert_true(sa_normal_quantile(1.0) == INFINITY);
    assert_true(isnan(sa_normal_quantile(NAN)));
}

/* Phi(Phi^-1(p)) = p to 1e-14 relative, on a log grid into the lower tail and the
 * same distances from 1, with the symmetry z(p) = -z(1 - p). */
static void normal_quantile_round_trip(void **state)
{
    for (double p = 0.5; p > 1e-300; p *= 0.37) {
        double z = sa_normal_quantile(p);
        /* a rounding of z by one ulp moves Phi(z) by about z^2 ulp relative */
        assert_true(fabs(phi_cdf(z) - p) <= 2e-15 * p * (1.0 + z * z));
        double up = 1.0 - p; /* rounded: compare with what the quantile was asked */
        if (up < 1.0) assert_true(fabs(sa_normal_quantile(up) + sa_normal_quantile(1.0 - up)) < 1e-12);
    }
}

static void names_and_errors(void **state)
{
    for (int k = 0; k < SA_DIST_N; k++)
        assert_int_equal(sa_dist_from_name(sa_dist_name((sa_dist_kind_t)k)), k);
    assert_int_equal(sa_dist_from_name("triangular"), SA_TRIANGULAR);
    assert_int_equal(sa_dist_from_name("integer"), SA_INTEGER);
    assert_int_equal(sa_dist_from_name("gauss"), -1);
    assert_int_equal(sa_dist_from_name(NULL), -1);
    assert_string_equal(sa_dist_name(SA_LOGNORMAL), "lognormal");
    assert_string_equal(sa_dist_name(SA_DIST_N), "unknown");
    assert_string_equal(sa_strerror(-SA_EVAR), "the outputs do not vary: indices are undefined");
    assert_string_equal(sa_strerror(0), "success");
    assert_string_equal(sa_strerror(-99), "unknown error");
}

static void param_check_table(void **state)
{
    static const double good_w[] = {1.0, 2.0, 0.5}, zero_w[] = {1.0, 0.0},
                        neg_w[] = {1.0, -2.0}, nan_w[] = {NAN, 1.0};
    static const struct {
        sa_param_t p;
        int ok;
        const char *what;
    } rows[] = {
        {{.kind = SA_UNIFORM, .min = 1, .max = 2}, 1, "uniform"},
        {{.kind = SA_UNIFORM, .min = 2, .max = 2}, 1, "uniform constant"},
        {{.kind = SA_UNIFORM, .min = 3, .max = 2}, 0, "uniform min > max"},
        {{.kind = SA_UNIFORM, .min = NAN, .max = 2}, 0, "uniform NaN"},
        {{.kind = SA_UNIFORM, .min = 0, .max = INFINITY}, 0, "uniform infinite"},
        {{.kind = SA_TRIANGULAR, .min = 0, .mode = 1, .max = 3}, 1, "triangular"},
        {{.kind = SA_TRIANGULAR, .min = 0, .mode = 0, .max = 3}, 1, "triangular mode at min"},
        {{.kind = SA_TRIANGULAR, .min = 0, .mode = 4, .max = 3}, 0, "triangular mode > max"},
        {{.kind = SA_TRIANGULAR, .min = 0, .mode = -1, .max = 3}, 0, "triangular mode < min"},
        {{.kind = SA_TRIANGULAR, .min = 2, .mode = 2, .max = 2}, 0, "triangular min == max"},
        {{.kind = SA_NORMAL, .mean = 1, .sd = 2, .min = -INFINITY, .max = INFINITY}, 1, "normal"},
        {{.kind = SA_NORMAL, .mean = 1, .sd = 2, .min = 0, .max = INFINITY}, 1, "normal min"},
        {{.kind = SA_NORMAL, .mean = 1, .sd = 0, .min = -INFINITY, .max = INFINITY}, 0, "normal sd 0"},
        {{.kind = SA_NORMAL, .mean = 1, .sd = -1, .min = -INFINITY, .max = INFINITY}, 0, "normal sd < 0"},
        {{.kind = SA_NORMAL, .mean = 1, .sd = 1}, 0, "normal zeroed range"},
        {{.kind = SA_NORMAL, .mean = 1, .sd = 1, .min = 3, .max = 2}, 0, "normal min > max"},
        {{.kind = SA_NORMAL, .mean = INFINITY, .sd = 1, .min = -INFINITY, .max = INFINITY}, 0, "normal mean inf"},
        {{.kind = SA_NORMAL, .mean = 0, .sd = 1, .min = INFINITY, .max = INFINITY}, 0, "normal min +inf"},
        {{.kind = SA_LOGNORMAL, .mean = 3, .sd = 1}, 1, "lognormal"},
        {{.kind = SA_LOGNORMAL, .mean = 0, .sd = 1}, 0, "lognormal mean 0"},
        {{.kind = SA_LOGNORMAL, .mean = 3, .sd = 0}, 0, "lognormal sd 0"},
        {{.kind = SA_LOGNORMAL, .mean = 3, .sd = NAN}, 0, "lognormal sd NaN"},
        {{.kind = SA_CHOICE, .n_choices = 3}, 1, "choice equal"},
        {{.kind = SA_CHOICE, .n_choices = 3, .weights = good_w}, 1, "choice weighted"},
        {{.kind = SA_CHOICE, .n_choices = 0}, 0, "choice none"},
        {{.kind = SA_CHOICE, .n_choices = 2, .weights = zero_w}, 0, "choice weight 0"},
        {{.kind = SA_CHOICE, .n_choices = 2, .weights = neg_w}, 0, "choice weight < 0"},
        {{.kind = SA_CHOICE, .n_choices = 2, .weights = nan_w}, 0, "choice weight NaN"},
        {{.kind = SA_INTEGER, .min = -2, .max = 4}, 1, "integer"},
        {{.kind = SA_INTEGER, .min = 4, .max = 4}, 1, "integer constant"},
        {{.kind = SA_INTEGER, .min = 5, .max = 4}, 0, "integer min > max"},
        {{.kind = SA_INTEGER, .min = 0.5, .max = 4}, 0, "integer fractional"},
        {{.kind = (sa_dist_kind_t)SA_DIST_N, .min = 0, .max = 1}, 0, "unknown kind"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        int rc = sa_param_check(&rows[i].p);
        if (rc != (rows[i].ok ? 0 : -SA_EPARAM)) fail_msg("%s: got %d", rows[i].what, rc);
    }
    assert_int_equal(sa_param_check(NULL), -SA_EPARAM);
}

static void uniform_and_clamp(void **state)
{
    sa_param_t p = {.kind = SA_UNIFORM, .min = -M_PI, .max = M_PI};
    assert_true(fabs(sa_param_quantile(&p, 0.25) + M_PI / 2) < 1e-15);
    assert_true(sa_param_quantile(&p, 0.0) > -M_PI);      /* clamped to 2^-33 */
    assert_true(sa_param_quantile(&p, 1.0) < M_PI);       /* and to 1 - 2^-33 */
    assert_true(fabs(sa_param_quantile(&p, 1.0) - M_PI) < 1e-8);
    assert_true(isnan(sa_param_quantile(&p, NAN)));
    /* NaN in, NaN out, for every kind (not silently the top value) */
    static const double w[] = {1.0, 2.0};
    const sa_param_t all[] = {
        {.kind = SA_TRIANGULAR, .min = 0, .mode = 1, .max = 2},
        {.kind = SA_NORMAL, .mean = 0, .sd = 1, .min = -INFINITY, .max = INFINITY},
        {.kind = SA_LOGNORMAL, .mean = 1, .sd = 1},
        {.kind = SA_CHOICE, .n_choices = 3},
        {.kind = SA_CHOICE, .n_choices = 2, .weights = w},
        {.kind = SA_INTEGER, .min = 1, .max = 5},
    };
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        assert_true(isnan(sa_param_quantile(&all[i], NAN)));
}

/* The triangular CDF is (x - min)^2 / ((max - min)(mode - min)) up to the mode and
 * 1 - (max - x)^2 / ((max - min)(max - mode)) after: at the mode it is
 * (mode - min) / (max - min), and the quantile there is the mode. */
static double tri_cdf(const sa_param_t *p, double x)
{
    double w = p->max - p->min;
    if (x <= p->mode) return (x - p->min) * (x - p->min) / (w * (p->mode - p->min));
    return 1.0 - (p->max - x) * (p->max - x) / (w * (p->max - p->mode));
}

static void triangular_quantile(void **state)
{
    static const double shapes[][3] = {{0, 1, 3}, {-5, 2, 2.5}, {10, 10, 20}, {1, 4, 4}};
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        sa_param_t p = {.kind = SA_TRIANGULAR, .min = shapes[s][0], .mode = shapes[s][1],
                        .max = shapes[s][2]};
        double fc = (p.mode - p.min) / (p.max - p.min);
        if (fc > 0.0 && fc < 1.0)
            assert_true(fabs(sa_param_quantile(&p, fc) - p.mode) < 1e-12 * (p.max - p.min));
        for (int i = 1; i < 100; i++) {
            double u = i / 100.0, x = sa_param_quantile(&p, u);
            assert_true(x >= p.min && x <= p.max);
            assert_true(fabs(tri_cdf(&p, x) - u) < 1e-12);
        }
    }
}

/* The truncated normal's CDF (Phi(z) - Phi(a)) / (Phi(b) - Phi(a)) at its quantile
 * gives back u; the value stays inside [min, max]; a symmetric truncation has the mean
 * as its median; no truncation is mean + sd Phi^-1(u). */
static void truncated_normal_quantile(void **state)
{
    static const double ranges[][4] = {
        /* mean, sd, min, max */
        {10, 2, 0, INFINITY}, {10, 2, -INFINITY, 11}, {0, 1, -1, 2}, {5, 3, 6, 9},
        {5, 3, -10, 1}, {0, 1, -INFINITY, INFINITY}, {100, 10, 70, 130},
    };
    for (size_t s = 0; s < sizeof ranges / sizeof ranges[0]; s++) {
        sa_param_t p = {.kind = SA_NORMAL, .mean = ranges[s][0], .sd = ranges[s][1],
                        .min = ranges[s][2], .max = ranges[s][3]};
        assert_int_equal(sa_param_check(&p), 0);
        double fa = phi_cdf((p.min - p.mean) / p.sd), fb = phi_cdf((p.max - p.mean) / p.sd);
        for (int i = 0; i <= 1000; i++) {
            double u = i / 1000.0, x = sa_param_quantile(&p, u);
            assert_true(x >= p.min && x <= p.max);
            if (i == 0 || i == 1000) continue;
            double back = (phi_cdf((x - p.mean) / p.sd) - fa) / (fb - fa);
            if (!(fabs(back - u) < 1e-12)) fail_msg("range %zu: F(Q(%g)) = %.17g", s, u, back);
        }
    }
    sa_param_t sym = {.kind = SA_NORMAL, .mean = 7, .sd = 2, .min = 3, .max = 11};
    assert_true(fabs(sa_param_quantile(&sym, 0.5) - 7.0) < 1e-12);
    sa_param_t free_ = {.kind = SA_NORMAL, .mean = 7, .sd = 2, .min = -INFINITY, .max = INFINITY};
    assert_true(fabs(sa_param_quantile(&free_, 0.975) - (7 + 2 * 1.959963984540054)) < 1e-13);
    assert_true(fabs(sa_param_quantile(&free_, 0.5) - 7.0) < 1e-15);
}

/* Truncations far into a tail, where Phi(b) - Phi(a) computed naively is 0 or all
 * rounding: quantiles of the standard normal restricted to [a, b] from mpmath at 60
 * digits (root of log Q(x) = log(Q(b) + (1 - u) (Q(a) - Q(b))), Q = erfc(x / sqrt 2) / 2,
 * u the exact double). a = 36 is inverted through erfc, a >= 38 through the asymptotic
 * series. */
static void truncated_normal_far_tails(void **state)
{
    static const struct {
        double a, b, u, x;
    } rows[] = {
        {40, INFINITY, 0.5, 40.017314126764651}, {40, 41, 0.3, 40.008910319783513},
        {40, INFINITY, 0.75, 40.034620774855168}, {40, INFINITY, 0.999, 40.172215882479076},
        {10, 12, 0.5, 10.068411836058496},       {36, INFINITY, 0.5, 36.019234135733061},
        {38, INFINITY, 0.5, 38.018223745586278},  {5, INFINITY, 0.999999, 7.2066852434058978},
        {200, INFINITY, 0.5, 200.00346561924111}, {3, 4, 0.25, 3.0842467488619472},
        {37.5, INFINITY, 1e-6, 37.500000026647757},
        /* u near 1 on a one-sided range: 1 - u carries the information */
        {5, INFINITY, 1.0 - 0x1.0p-30, 8.1035164225120198},
        {-1, INFINITY, 1.0 - 0x1.0p-30, 6.0373015862528912},
        {0, INFINITY, 1.0 - 0x1.0p-30, 6.1207562859719408},
        {40, INFINITY, 1.0 - 0x1.0p-30, 40.516209312394656},
        {-2, 3, 1.0 - 0x1.0p-30, 2.9999997949213717}, {-3, INFINITY, 0.5, 0.0016918470940848106},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        sa_param_t up = {.kind = SA_NORMAL, .mean = 0, .sd = 1, .min = rows[i].a,
                         .max = rows[i].b};
        double got = sa_param_quantile(&up, rows[i].u);
        /* the excess over a is what carries information: 1e-11 of it, or rounding */
        double tol = 1e-11 * (rows[i].x - rows[i].a) + 2e-15 * fabs(rows[i].x);
        if (!(fabs(got - rows[i].x) <= tol))
            fail_msg("[%g, %g] at %g: %.17g, want %.17g", rows[i].a, rows[i].b, rows[i].u,
                     got, rows[i].x);
        /* the mirror image below the mean, with the mean and scale moved */
        sa_param_t down = {.kind = SA_NORMAL, .mean = 3, .sd = 2, .min = 3 - 2 * rows[i].b,
                           .max = 3 - 2 * rows[i].a};
        double mirror = sa_param_quantile(&down, 1.0 - rows[i].u);
        if (!(fabs(mirror - (3 - 2 * rows[i].x)) <= 2 * tol + 1e-12))
            fail_msg("mirror of [%g, %g] at %g: %.17g", rows[i].a, rows[i].b, rows[i].u,
                     mirror);
    }
    /* monotone and inside the range all along a grid, far out */
    sa_param_t p = {.kind = SA_NORMAL, .mean = 0, .sd = 1, .min = 60, .max = 60.5};
    double last = 60.0;
    for (int i = 0; i <= 200; i++) {
        double x = sa_param_quantile(&p, i / 200.0);
        assert_true(x >= last && x <= 60.5);
        last = x;
    }
}

/* lognormal(mean m, sd s): log X ~ N(mu, sigma^2), sigma^2 = ln(1 + cv^2),
 * mu = ln m - sigma^2 / 2: median m / sqrt(1 + cv^2), and the 84.1% point e^(mu+sigma). */
static void lognormal_quantile(void **state)
{
    static const double ms[][2] = {{3, 1}, {100, 250}, {0.01, 0.001}};
    for (size_t i = 0; i < sizeof ms / sizeof ms[0]; i++) {
        sa_param_t p = {.kind = SA_LOGNORMAL, .mean = ms[i][0], .sd = ms[i][1]};
        double cv = p.sd / p.mean, s2 = log(1 + cv * cv);
        double median = p.mean / sqrt(1 + cv * cv);
        assert_true(fabs(sa_param_quantile(&p, 0.5) - median) < 1e-14 * median);
        double hi = exp(log(p.mean) - s2 / 2 + sqrt(s2));
        assert_true(fabs(sa_param_quantile(&p, phi_cdf(1.0)) - hi) < 1e-12 * hi);
    }
}

/* On the grid u = (i + 1/2) / M, M a multiple of the count, each value exactly M / count
 * times. */
static void integer_equal_frequency(void **state)
{
    enum { M = 7000 };
    sa_param_t p = {.kind = SA_INTEGER, .min = -2, .max = 4};
    int count[7] = {0};
    for (int i = 0; i < M; i++) {
        double x = sa_param_quantile(&p, (i + 0.5) / M);
        assert_true(x == floor(x) && x >= -2 && x <= 4);
        count[(int)x + 2]++;
    }
    for (int v = 0; v < 7; v++) assert_int_equal(count[v], M / 7);
    assert_true(sa_param_quantile(&p, 0.0) == -2.0 && sa_param_quantile(&p, 1.0) == 4.0);
    sa_param_t one = {.kind = SA_INTEGER, .min = 9, .max = 9};
    assert_true(sa_param_quantile(&one, 0.3) == 9.0 && sa_param_quantile(&one, 1.0) == 9.0);
}

static void choice_respects_weights(void **state)
{
    enum { M = 10000 };
    static const double w[] = {1.0, 3.0, 6.0};
    sa_param_t p = {.kind = SA_CHOICE, .n_choices = 3, .weights = w};
    sa_param_t eq = {.kind = SA_CHOICE, .n_choices = 4};
    int cw[3] = {0}, ce[4] = {0};
    for (int i = 0; i < M; i++) {
        double u = (i + 0.5) / M;
        cw[(int)sa_param_quantile(&p, u)]++;
        ce[(int)sa_param_quantile(&eq, u)]++;
    }
    assert_int_equal(cw[0], 1000);
    assert_int_equal(cw[1], 3000);
    assert_int_equal(cw[2], 6000);
    for (int i = 0; i < 4; i++) assert_int_equal(ce[i], M / 4);
    assert_true(sa_param_quantile(&p, 1.0) == 2.0 && sa_param_quantile(&eq, 1.0) == 3.0);
    assert_true(sa_param_quantile(&p, 0.0) == 0.0);
    /* value i takes u in [W_i / W, W_(i+1) / W), W_i the cumulative weights: equal
     * weights give what NULL weights give, boundaries included */
    static const double w1[] = {1.0, 1.0, 1.0, 1.0};
    sa_param_t ones = {.kind = SA_CHOICE, .n_choices = 4, .weights = w1};
    for (int i = 0; i <= 64; i++)
        assert_true(sa_param_quantile(&ones, i / 64.0) == sa_param_quantile(&eq, i / 64.0));
    assert_true(sa_param_quantile(&p, 0.1) == 1.0 && sa_param_quantile(&p, 0.4) == 2.0);
}

/* ---- designs ---- */

static void lhs_one_point_per_stratum(void **state)
{
    enum { K = 4, N = 53 };
    double *X = dalloc(K * N);
    rng_t r;
    rng_seed(&r, 11u, 3u);
    assert_int_equal(sa_lhs_design(K, N, &r, X), 0);
    for (int c = 0; c < K; c++) {
        int hit[N] = {0};
        for (int i = 0; i < N; i++) {
            double x = X[i * K + c];
            assert_true(x > 0.0 && x < 1.0);
            hit[(int)(x * N)]++;
        }
        for (int s = 0; s < N; s++) assert_int_equal(hit[s], 1);
    }
    /* the columns are not all the same permutation */
    int same = 1;
    for (int i = 0; i < N; i++) same &= (int)(X[i * K] * N) == (int)(X[i * K + 1] * N);
    assert_false(same);
    assert_int_equal(sa_lhs_design(K, 1, &r, X), 0);
    for (int c = 0; c < K; c++) assert_true(X[c] > 0.0 && X[c] < 1.0);
    assert_int_equal(sa_lhs_design(0, N, &r, X), -SA_ESIZE);
    assert_int_equal(sa_lhs_design(K, 0, &r, X), -SA_ESIZE);
    free(X);
}

/* Each step changes one coordinate by exactly delta (to rounding of the grid values),
 * each coordinate once per trajectory, every value is a grid point j / (p - 1) in [0, 1],
 * and both 0 and 1 occur. */
static void morris_design_structure(void **state)
{
    static const int lv[] = {2, 4, 6, 10};
    enum { K = 5, R = 40 };
    double *X = dalloc((size_t)R * (K + 1) * K);
    for (size_t l = 0; l < sizeof lv / sizeof lv[0]; l++) {
        int p = lv[l];
        double delta = p / (2.0 * (p - 1));
        rng_t r;
        rng_seed(&r, 5u, (uint64_t)p);
        assert_int_equal(sa_morris_design(K, R, p, &r, X), 0);
        int seen0 = 0, seen1 = 0, ups = 0, downs = 0;
        for (int t = 0; t < R; t++) {
            const double *x = X + (size_t)t * (K + 1) * K;
            int changed[K] = {0};
            for (int row = 0; row <= K; row++)
                for (int c = 0; c < K; c++) {
                    double v = x[row * K + c], g = v * (p - 1);
                    assert_true(v >= 0.0 && v <= 1.0);
                    assert_true(fabs(g - round(g)) < 1e-12);
                    seen0 |= v == 0.0;
                    seen1 |= v == 1.0;
                }
            for (int row = 0; row < K; row++) {
                int nchg = 0;
                for (int c = 0; c < K; c++) {
                    double d = x[(row + 1) * K + c] - x[row * K + c];
                    if (d == 0.0) continue;
                    nchg++;
                    changed[c]++;
                    assert_true(fabs(fabs(d) - delta) < 1e-12);
                    ups += d > 0;
                    downs += d < 0;
                }
                assert_int_equal(nchg, 1);
            }
            for (int c = 0; c < K; c++) assert_int_equal(changed[c], 1);
        }
        assert_true(seen0 && seen1 && ups > 0 && downs > 0);
    }
    rng_t r;
    rng_seed(&r, 5u, 5u);
    assert_int_equal(sa_morris_design(K, R, 5, &r, X), -SA_ESIZE);
    assert_int_equal(sa_morris_design(K, 1, 4, &r, X), -SA_ESIZE);
    assert_int_equal(sa_morris_design(0, R, 4, &r, X), -SA_ESIZE);
    free(X);
}

/* Block j: A_j, AB_j^(1..k), B_j; AB^(i) is A with column i from B. The first n = 2^m
 * points of each Sobol coordinate fall one in each interval [s / n, (s + 1) / n), so the
 * columns of A and of B (coordinates 1..k and k+1..2k of the points 0..n-1, in order)
 * are stratified. */
static void saltelli_design_layout(void **state)
{
    enum { K = 3, N = 64 };
    double *X = dalloc((size_t)N * (K + 2) * K);
    rng_t r;
    rng_seed(&r, 8u, 1u);
    assert_int_equal(sa_saltelli_design(K, N, &r, X), 0);
    int hitA[K][N], hitB[K][N];
    memset(hitA, 0, sizeof hitA);
    memset(hitB, 0, sizeof hitB);
    for (int j = 0; j < N; j++) {
        const double *blk = X + (size_t)j * (K + 2) * K;
        const double *A = blk, *B = blk + (K + 1) * K;
        int a_zero = 1;
        for (int c = 0; c < K; c++) {
            assert_true(A[c] >= 0.0 && A[c] < 1.0 && B[c] >= 0.0 && B[c] < 1.0);
            assert_true(A[c] != B[c]);
            a_zero &= A[c] == 0.0;
            hitA[c][(int)(A[c] * N)]++;
            hitB[c][(int)(B[c] * N)]++;
        }
        assert_false(a_zero); /* scrambled: point 0 is not the origin */
        for (int i = 0; i < K; i++) {
            const double *AB = blk + (1 + i) * K;
            for (int c = 0; c < K; c++) assert_true(AB[c] == (c == i ? B[c] : A[c]));
        }
    }
    for (int c = 0; c < K; c++)
        for (int s = 0; s < N; s++) {
            assert_int_equal(hitA[c][s], 1);
            assert_int_equal(hitB[c][s], 1);
        }
    assert_int_equal(sa_saltelli_design(K, 1, &r, X), -SA_ESIZE);
    assert_int_equal(sa_saltelli_design(0, N, &r, X), -SA_ESIZE);
    free(X);
    assert_int_equal(sa_saltelli_design(SOBOL_MAX_DIMS / 2 + 1, N, &r, NULL), -SA_ESIZE);
}

/* The same stream state gives the same bytes; another stream gives other bytes. */
static void designs_deterministic(void **state)
{
    enum { K = 4, N = 32, R = 6, SZ = N * (K + 2) * K };
    double *x1 = dalloc(SZ), *x2 = dalloc(SZ);
    for (int which = 0; which < 3; which++) {
        rng_t r1, r2, r3;
        rng_derive(&r1, 2024u, 1u, 2u, 3u);
        rng_derive(&r2, 2024u, 1u, 2u, 3u);
        rng_derive(&r3, 2024u, 1u, 2u, 4u);
        size_t bytes;
        if (which == 0) {
            assert_int_equal(sa_saltelli_design(K, N, &r1, x1), 0);
            assert_int_equal(sa_saltelli_design(K, N, &r2, x2), 0);
            bytes = SZ * sizeof(double);
        } else if (which == 1) {
            assert_int_equal(sa_morris_design(K, R, 4, &r1, x1), 0);
            assert_int_equal(sa_morris_design(K, R, 4, &r2, x2), 0);
            bytes = R * (K + 1) * K * sizeof(double);
        } else {
            assert_int_equal(sa_lhs_design(K, N, &r1, x1), 0);
            assert_int_equal(sa_lhs_design(K, N, &r2, x2), 0);
            bytes = N * K * sizeof(double);
        }
        assert_memory_equal(x1, x2, bytes);
        if (which == 0) assert_int_equal(sa_saltelli_design(K, N, &r3, x2), 0);
        if (which == 1) assert_int_equal(sa_morris_design(K, R, 4, &r3, x2), 0);
        if (which == 2) assert_int_equal(sa_lhs_design(K, N, &r3, x2), 0);
        assert_memory_not_equal(x1, x2, bytes);
    }
    free(x1);
    free(x2);
}

/* ---- Sobol estimators ---- */

typedef double (*model_fn)(const double *x);

/* Runs f over a Saltelli design of n base rows, with every input uniform on
 * [lo[i], hi[i]] mapped through sa_param_quantile. Returns Y (caller frees). */
static double *run_saltelli(int k, int n, uint64_t seed, const double *lo, const double *hi,
                            model_fn f)
{
    size_t rows = (size_t)n * (k + 2);
    double *X = dalloc(rows * k), *Y = dalloc(rows), x[8];
    rng_t r;
    rng_derive(&r, seed, 7u, 0u, 0u);
    assert_int_equal(sa_saltelli_design(k, n, &r, X), 0);
    for (size_t row = 0; row < rows; row++) {
        for (int i = 0; i < k; i++) {
            sa_param_t p = {.kind = SA_UNIFORM, .min = lo[i], .max = hi[i]};
            x[i] = sa_param_quantile(&p, X[row * k + i]);
        }
        Y[row] = f(x);
    }
    free(X);
    return Y;
}

#define ISH_A 7.0
#define ISH_B 0.1

static double ishigami(const double *x)
{
    double s2 = sin(x[1]);
    return sin(x[0]) + ISH_A * s2 * s2 + ISH_B * pow(x[2], 4) * sin(x[0]);
}

/* Analytic Ishigami indices (Ishigami and Homma 1990; Sobol' and Levitan 1999):
 * V = a^2/8 + b pi^4/5 + b^2 pi^8/18 + 1/2, V1 = (1 + b pi^4/5)^2 / 2, V2 = a^2/8,
 * V13 = 8 b^2 pi^8 / 225; S3 = 0, ST1 = (V1 + V13)/V, ST2 = S2, ST3 = V13/V. */
static void ishigami_truth(double S1[3], double ST[3])
{
    double a = ISH_A, b = ISH_B, p4 = pow(M_PI, 4), p8 = pow(M_PI, 8);
    double V = a * a / 8 + b * p4 / 5 + b * b * p8 / 18 + 0.5;
    double V1 = 0.5 * (1 + b * p4 / 5) * (1 + b * p4 / 5), V2 = a * a / 8;
    double V13 = 8 * b * b * p8 / 225;
    S1[0] = V1 / V, S1[1] = V2 / V, S1[2] = 0.0;
    ST[0] = (V1 + V13) / V, ST[1] = V2 / V, ST[2] = V13 / V;
}

static const double ish_lo[3] = {-M_PI, -M_PI, -M_PI}, ish_hi[3] = {M_PI, M_PI, M_PI};

/* N = 2^14: every analytic index lies within its estimate -/+ conf, and conf < 0.05. */
static void sobol_ishigami(void **state)
{
    enum { K = 3, N = 1 << 14 };
    double S1[3], ST[3];
    ishigami_truth(S1, ST);
    /* the published rounded values, as a check on the closed forms themselves */
    assert_true(fabs(S1[0] - 0.3139) < 1e-4 && fabs(S1[1] - 0.4424) < 1e-4);
    assert_true(fabs(ST[0] - 0.5576) < 1e-4 && fabs(ST[2] - 0.2437) < 1e-4);
    double *Y = run_saltelli(K, N, 1u, ish_lo, ish_hi, ishigami);
    sa_sobol_t o = sobol_out(K);
    rng_t r;
    rng_derive(&r, 1u, 8u, 0u, 0u);
    assert_int_equal(sa_sobol_analyze(K, N, N, Y, 100, &r, &o), 0);
    for (int i = 0; i < K; i++) {
        print_message("x%d: S1 %.4f +- %.4f (true %.4f)  ST %.4f +- %.4f (true %.4f)\n",
                      i + 1, o.S1[i], o.S1_conf[i], S1[i], o.ST[i], o.ST_conf[i], ST[i]);
        assert_true(o.S1_conf[i] > 0.0 && o.S1_conf[i] < 0.05);
        assert_true(o.ST_conf[i] > 0.0 && o.ST_conf[i] < 0.05);
        assert_true(fabs(o.S1[i] - S1[i]) <= o.S1_conf[i]);
        assert_true(fabs(o.ST[i] - ST[i]) <= o.ST_conf[i]);
    }
    free(o.S1);
    free(Y);
}

/* Using the first n/8, n/4, n/2, n base rows: the intervals shrink (about as
 * 1/sqrt(n)): the total half-width falls at every doubling, and each index's at n is
 * below half its width at n/8; the truths stay inside throughout. */
static void sobol_convergence(void **state)
{
    enum { K = 3, N = 1 << 13 };
    double S1[3], ST[3];
    ishigami_truth(S1, ST);
    double *Y = run_saltelli(K, N, 2u, ish_lo, ish_hi, ishigami);
    sa_sobol_t o = sobol_out(K);
    double first[2 * K], last_total = INFINITY;
    for (int m = N / 8; m <= N; m *= 2) {
        rng_t r;
        rng_derive(&r, 2u, 8u, (uint64_t)m, 0u);
        assert_int_equal(sa_sobol_analyze(K, N, m, Y, 200, &r, &o), 0);
        double total = 0.0;
        for (int i = 0; i < K; i++) {
            total += o.S1_conf[i] + o.ST_conf[i];
            assert_true(fabs(o.S1[i] - S1[i]) <= o.S1_conf[i]);
            assert_true(fabs(o.ST[i] - ST[i]) <= o.ST_conf[i]);
            if (m == N / 8) first[i] = o.S1_conf[i], first[K + i] = o.ST_conf[i];
            if (m == N) {
                assert_true(o.S1_conf[i] < 0.5 * first[i]);
                assert_true(o.ST_conf[i] < 0.5 * first[K + i]);
            }
        }
        print_message("n_use %5d: total conf %.4f\n", m, total);
        assert_true(total < last_total);
        last_total = total;
    }
    free(o.S1);
    free(Y);
}

static double product2(const double *x) { return x[0] * x[1]; }

static const double lin_c[4] = {1.0, 2.0, 0.5, 0.0};
static double linear4(const double *x)
{
    return lin_c[0] * x[0] + lin_c[1] * x[1] + lin_c[2] * x[2] + lin_c[3] * x[3];
}

/* g = x1 x2 on U(0,1)^2: Var g = 1/9 - 1/16 = 7/144, V1 = V2 = Var(x/2) = 1/48, so
 * S1 = 3/7 and ST = 1 - S1(other) = 4/7. g = sum c_i x_i: S1_i = ST_i =
 * c_i^2 var_i / sum_j c_j^2 var_j, var_i = (hi - lo)^2 / 12; an input with c = 0 has
 * exactly 0 (its AB rows give the same outputs as A). */
static void sobol_product_and_linear(void **state)
{
    enum { N = 1 << 12 };
    static const double lo2[2] = {0, 0}, hi2[2] = {1, 1};
    double *Y = run_saltelli(2, N, 3u, lo2, hi2, product2);
    sa_sobol_t o = sobol_out(4);
    rng_t r;
    rng_derive(&r, 3u, 8u, 0u, 0u);
    assert_int_equal(sa_sobol_analyze(2, N, N, Y, 100, &r, &o), 0);
    for (int i = 0; i < 2; i++) {
        assert_true(fabs(o.S1[i] - 3.0 / 7.0) <= fmin(o.S1_conf[i], 0.02));
        assert_true(fabs(o.ST[i] - 4.0 / 7.0) <= fmin(o.ST_conf[i], 0.02));
    }
    free(Y);

    static const double lo4[4] = {0, -1, 10, 0}, hi4[4] = {1, 3, 12, 5};
    double var[4], sum = 0.0;
    for (int i = 0; i < 4; i++) {
        var[i] = lin_c[i] * lin_c[i] * (hi4[i] - lo4[i]) * (hi4[i] - lo4[i]) / 12.0;
        sum += var[i];
    }
    Y = run_saltelli(4, N, 4u, lo4, hi4, linear4);
    assert_int_equal(sa_sobol_analyze(4, N, N, Y, 100, &r, &o), 0);
    for (int i = 0; i < 4; i++) {
        double truth = var[i] / sum;
        assert_true(fabs(o.S1[i] - truth) <= fmin(o.S1_conf[i], 0.02) + 1e-12);
        assert_true(fabs(o.ST[i] - truth) <= fmin(o.ST_conf[i], 0.02) + 1e-12);
    }
    assert_true(o.S1[3] == 0.0 && o.ST[3] == 0.0 && o.S1_conf[3] == 0.0 && o.ST_conf[3] == 0.0);
    free(Y);
    free(o.S1);
}

/* A worked example by hand, k = 1, N = 2, blocks (f(A), f(AB), f(B)) = (1, 3, 2) and
 * (4, 4, 6): V = var{1, 2, 4, 6} (divisor 4) = 14.75 / 4, m = mean{1, 2, 4, 6} = 3.25;
 * S1 = mean((f(B) - m) (f(AB) - f(A))) / V = ((2 - 3.25) 2 + (6 - 3.25) 0) / 2 / V =
 * -5 / 14.75; ST = mean((f(A) - f(AB))^2) / 2 / V = (4 + 0) / 2 / 2 / V = 4 / 14.75 (the
 * formulas of SALib's sobol.first_order, which centres Y first, and total_order). Adding
 * 1000 to every output changes neither. */
static void sobol_hand_worked(void **state)
{
    static const double Y[] = {1, 3, 2, 4, 4, 6};
    sa_sobol_t o = sobol_out(1);
    rng_t r;
    rng_seed(&r, 4u, 4u);
    assert_int_equal(sa_sobol_analyze(1, 2, 2, Y, 50, &r, &o), 0);
    assert_true(fabs(o.S1[0] - -5.0 / 14.75) < 1e-15);
    assert_true(fabs(o.ST[0] - 4.0 / 14.75) < 1e-15);
    assert_true(o.S1_conf[0] > 0.0 && o.ST_conf[0] > 0.0);
    double shifted[6];
    for (int i = 0; i < 6; i++) shifted[i] = Y[i] + 1000;
    assert_int_equal(sa_sobol_analyze(1, 2, 2, shifted, 50, &r, &o), 0);
    assert_true(fabs(o.S1[0] - -5.0 / 14.75) < 1e-12);
    assert_true(fabs(o.ST[0] - 4.0 / 14.75) < 1e-12);
    free(o.S1);
}

/* n_use rows of n are exactly a design of n_use rows: the same indices and, from the
 * same stream state, the same intervals; what follows row n_use is never read. */
static void sobol_uses_first_n_use_rows(void **state)
{
    enum { K = 3, N = 256, M = 96 };
    double *Y = run_saltelli(K, N, 5u, ish_lo, ish_hi, ishigami);
    sa_sobol_t a = sobol_out(K), b = sobol_out(K);
    rng_t r1, r2;
    rng_seed(&r1, 6u, 6u);
    r2 = r1;
    for (size_t i = (size_t)M * (K + 2); i < (size_t)N * (K + 2); i++) Y[i] = NAN;
    assert_int_equal(sa_sobol_analyze(K, N, M, Y, 40, &r1, &a), 0);
    assert_int_equal(sa_sobol_analyze(K, M, M, Y, 40, &r2, &b), 0);
    assert_memory_equal(a.S1, b.S1, 4 * K * sizeof(double));
    assert_true(isfinite(a.S1_conf[0]) && isfinite(a.ST_conf[2]));
    free(a.S1);
    free(b.S1);
    free(Y);
}

/* Constant outputs: -SA_EVAR and out untouched; sizes out of range: -SA_ESIZE; fewer
 * than two resamples: conf NaN. */
static void sobol_errors(void **state)
{
    enum { K = 2, N = 8, ROWS = N * (K + 2) };
    double Y[ROWS];
    for (int i = 0; i < ROWS; i++) Y[i] = 3.0;
    sa_sobol_t o = sobol_out(K);
    for (int i = 0; i < 4 * K; i++) o.S1[i] = -7.0;
    rng_t r;
    rng_seed(&r, 1u, 1u);
    assert_int_equal(sa_sobol_analyze(K, N, N, Y, 10, &r, &o), -SA_EVAR);
    for (int i = 0; i < 4 * K; i++) assert_true(o.S1[i] == -7.0);
    assert_int_equal(sa_sobol_analyze(K, N, N + 1, Y, 10, &r, &o), -SA_ESIZE);
    assert_int_equal(sa_sobol_analyze(K, N, 1, Y, 10, &r, &o), -SA_ESIZE);
    assert_int_equal(sa_sobol_analyze(0, N, N, Y, 10, &r, &o), -SA_ESIZE);
    assert_int_equal(sa_sobol_analyze(K, N, N, Y, -1, &r, &o), -SA_ESIZE);
    for (int i = 0; i < ROWS; i++) Y[i] = i % 5;
    assert_int_equal(sa_sobol_analyze(K, N, N, Y, 1, &r, &o), 0);
    assert_true(isfinite(o.S1[0]) && isnan(o.S1_conf[0]) && isnan(o.ST_conf[1]));
    free(o.S1);
}

/* ---- Morris estimators ---- */

static double *run_morris(int k, int r_traj, int levels, uint64_t seed, model_fn f,
                          double **Xout)
{
    size_t rows = (size_t)r_traj * (k + 1);
    double *X = dalloc(rows * k), *Y = dalloc(rows);
    rng_t r;
    rng_derive(&r, seed, 9u, 0u, 0u);
    assert_int_equal(sa_morris_design(k, r_traj, levels, &r, X), 0);
    for (size_t row = 0; row < rows; row++) Y[row] = f(X + row * k);
    *Xout = X;
    return Y;
}

static const double mc[4] = {2.0, -1.5, 0.25, 0.0};
static double mlinear(const double *x)
{
    return mc[0] * x[0] + mc[1] * x[1] + mc[2] * x[2] + mc[3] * x[3];
}

/* y = sum c_i x_i on the unit scale: every effect is c_i, so mu = c_i, mu* = |c_i|,
 * and sigma and the bootstrap half-width are 0 (to rounding). */
static void morris_linear(void **state)
{
    static const int lv[] = {4, 6};
    for (size_t l = 0; l < 2; l++) {
        double *X;
        double *Y = run_morris(4, 20, lv[l], 1u, mlinear, &X);
        sa_morris_t o = morris_out(4);
        rng_t r;
        rng_seed(&r, 1u, 2u);
        assert_int_equal(sa_morris_analyze(4, 20, lv[l], X, Y, 100, &r, &o), 0);
        for (int i = 0; i < 4; i++) {
            assert_true(fabs(o.mu[i] - mc[i]) < 1e-12);
            assert_true(fabs(o.mu_star[i] - fabs(mc[i])) < 1e-12);
            assert_true(o.sigma[i] >= 0.0 && o.sigma[i] < 1e-12);
            assert_true(o.mu_star_conf[i] < 1e-12);
        }
        /* one trajectory: sigma 0 by convention */
        assert_int_equal(sa_morris_analyze(4, 1, lv[l], X, Y, 100, &r, &o), 0);
        assert_true(o.sigma[0] == 0.0 && fabs(o.mu[1] - mc[1]) < 1e-12);
        free(o.mu);
        free(X);
        free(Y);
    }
}

static double minteract(const double *x) { return x[0] + 3.0 * x[1] * x[2] - 2.0 * x[3]; }

/* y = x1 + 3 x2 x3 - 2 x4: the effects of x1 and x4 are constant (sigma 0, mu = 1, -2);
 * those of x2 and x3 are 3 x (the other), which varies over the grid (sigma > 0). */
static void morris_interaction(void **state)
{
    enum { K = 4, R = 30, P = 4 };
    double *X;
    double *Y = run_morris(K, R, P, 2u, minteract, &X);
    sa_morris_t o = morris_out(K);
    rng_t r;
    rng_seed(&r, 2u, 2u);
    assert_int_equal(sa_morris_analyze(K, R, P, X, Y, 100, &r, &o), 0);
    assert_true(o.sigma[0] < 1e-12 && o.sigma[3] < 1e-12);
    assert_true(fabs(o.mu[0] - 1.0) < 1e-12 && fabs(o.mu[3] + 2.0) < 1e-12);
    assert_true(o.sigma[1] > 0.3 && o.sigma[2] > 0.3);
    assert_true(o.mu_star_conf[1] > 0.0 && o.mu_star_conf[2] > 0.0);
    /* the effect of x2 is 3 x3 with x3 in [0, 1]: mu* between 0 and 3 */
    assert_true(o.mu_star[1] > 0.0 && o.mu_star[1] < 3.0);
    free(o.mu);
    free(X);
    free(Y);
}

static double msum3(const double *x) { return x[0] + 2.0 * x[1] - x[2]; }

/* A design the analysis cannot read: wrong levels (delta 0.6 instead of 2/3), a step
 * changing two coordinates, a step changing none; -SA_EPARAM and out untouched. */
static void morris_rejects_other_designs(void **state)
{
    enum { K = 3, R = 4 };
    double *X;
    double *Y = run_morris(K, R, 4, 3u, msum3, &X);
    sa_morris_t o = morris_out(K);
    for (int i = 0; i < 4 * K; i++) o.mu[i] = -7.0;
    rng_t r;
    rng_seed(&r, 3u, 3u);
    assert_int_equal(sa_morris_analyze(K, R, 6, X, Y, 10, &r, &o), -SA_EPARAM);
    for (int i = 0; i < 4 * K; i++) assert_true(o.mu[i] == -7.0);
    double *copy = dalloc((size_t)R * (K + 1) * K);
    memcpy(copy, X, (size_t)R * (K + 1) * K * sizeof *X);
    for (int c = 0; c < K; c++) X[K + c] = X[c] + 1.0 / 3.0; /* row 1: all moved */
    assert_int_equal(sa_morris_analyze(K, R, 4, X, Y, 10, &r, &o), -SA_EPARAM);
    memcpy(X, copy, (size_t)R * (K + 1) * K * sizeof *X);
    memcpy(X + K, X, K * sizeof *X); /* row 1 equals row 0 */
    assert_int_equal(sa_morris_analyze(K, R, 4, X, Y, 10, &r, &o), -SA_EPARAM);
    memcpy(X, copy, (size_t)R * (K + 1) * K * sizeof *X);
    assert_int_equal(sa_morris_analyze(K, R, 4, X, Y, 10, &r, &o), 0); /* restored */
    free(copy);
    assert_int_equal(sa_morris_analyze(K, R, 5, X, Y, 10, &r, &o), -SA_ESIZE);
    assert_int_equal(sa_morris_analyze(K, 0, 4, X, Y, 10, &r, &o), -SA_ESIZE);
    free(o.mu);
    free(X);
    free(Y);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(normal_quantile_published),
        cmocka_unit_test(normal_quantile_round_trip),
        cmocka_unit_test(names_and_errors),
        cmocka_unit_test(param_check_table),
        cmocka_unit_test(uniform_and_clamp),
        cmocka_unit_test(triangular_quantile),
        cmocka_unit_test(truncated_normal_quantile),
        cmocka_unit_test(truncated_normal_far_tails),
        cmocka_unit_test(lognormal_quantile),
        cmocka_unit_test(integer_equal_frequency),
        cmocka_unit_test(choice_respects_weights),
        cmocka_unit_test(lhs_one_point_per_stratum),
        cmocka_unit_test(morris_design_structure),
        cmocka_unit_test(saltelli_design_layout),
        cmocka_unit_test(designs_deterministic),
        cmocka_unit_test(sobol_ishigami),
        cmocka_unit_test(sobol_convergence),
        cmocka_unit_test(sobol_product_and_linear),
        cmocka_unit_test(sobol_hand_worked),
        cmocka_unit_test(sobol_uses_first_n_use_rows),
        cmocka_unit_test(sobol_errors),
        cmocka_unit_test(morris_linear),
        cmocka_unit_test(morris_interaction),
        cmocka_unit_test(morris_rejects_other_designs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
