/* sa.c: input distributions (inverse CDFs), the Saltelli, Morris and Latin hypercube
 * designs, and the Sobol and Morris estimators with bootstrap intervals.
 *
 * Everything random is drawn from the rng_t passed in, in a fixed order, so the same
 * stream state gives the same design bytes and the same intervals. Nothing here keeps
 * state between calls; the estimators allocate scratch space and free it before
 * returning, whatever the outcome.
 *
 * The truncated normal inverts Phi on whichever side keeps precision: a range entirely
 * above the mean is inverted through the upper tail Q = 1 - Phi (computed by erfc, so
 * no 1 - tiny cancels), a range below the mean by symmetry, and a range across the mean
 * from the nearer end of the interval. Beyond about 37 sd, where Q underflows, log Q is
 * taken from the asymptotic series of Mills' ratio and inverted by Newton's method. */
#include "sim/sa.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "sim/mem.h"
#include "sim/sobol.h"

#ifndef M_SQRT1_2
#define M_SQRT1_2 0.70710678118654752440
#endif

#define U_EDGE 0x1.0p-33   /* u is clamped to [U_EDGE, 1 - U_EDGE] */
#define Z975 1.959963984540054 /* Phi^-1(0.975): 95% half-width in sd */
#define TAIL_MIN 1e-300    /* below this Q(a) the far-tail path is taken */
#define LOG_SQRT_2PI 0.91893853320467274178

/* ---- names and errors ---- */

static const char *const dist_names[SA_DIST_N] = {
#define SA_DIST_NAME(e, s) [e] = s,
    SA_DIST_MAP(SA_DIST_NAME)
#undef SA_DIST_NAME
};

int sa_dist_from_name(const char *name)
{
    if (!name) return -1;
    for (int k = 0; k < SA_DIST_N; k++)
        if (strcmp(name, dist_names[k]) == 0) return k;
    return -1;
}

const char *sa_dist_name(sa_dist_kind_t k)
{
    return (unsigned)k < SA_DIST_N ? dist_names[k] : "unknown";
}

const char *sa_strerror(int err)
{
    switch (err < 0 ? -err : err) {
    case SA_OK: return "success";
    case SA_ENOMEM: return sim_strerror(SIM_ENOMEM);
#define SA_ERR_CASE(e, s) \
    case e: return s;
        SA_ERR_MAP(SA_ERR_CASE)
#undef SA_ERR_CASE
    default: return "unknown error";
    }
}

/* ---- the standard normal ---- */

static double phi_lower(double x) { return 0.5 * erfc(-x * M_SQRT1_2); } /* Phi(x) */
static double phi_upper(double x) { return 0.5 * erfc(x * M_SQRT1_2); }  /* 1 - Phi(x) */

/* Wichura, "Algorithm AS 241: The percentage points of the normal distribution",
 * Applied Statistics 37 (1988) 477-484, PPND16: rational approximations in three
 * ranges, relative accuracy about 1e-16. */
static double poly7(const double c[8], double r)
{
    return ((((((c[7] * r + c[6]) * r + c[5]) * r + c[4]) * r + c[3]) * r + c[2]) * r +
            c[1]) * r + c[0];
}

double sa_normal_quantile(double p)
{
    static const double a[8] = {
        3.3871328727963666080e0, 1.3314166789178437745e+2, 1.9715909503065514427e+3,
        1.3731693765509461125e+4, 4.5921953931549871457e+4, 6.7265770927008700853e+4,
        3.3430575583588128105e+4, 2.5090809287301226727e+3};
    static const double b[8] = {
        1.0, 4.2313330701600911252e+1, 6.8718700749205790830e+2,
        5.3941960214247511077e+3, 2.1213794301586595867e+4, 3.9307895800092710610e+4,
        2.8729085735721942674e+4, 5.2264952788528545610e+3};
    static const double c[8] = {
        1.42343711074968357734e0, 4.63033784615654529590e0, 5.76949722146069140550e0,
        3.64784832476320460504e0, 1.27045825245236838258e0, 2.41780725177450611770e-1,
        2.27238449892691845833e-2, 7.74545014278341407640e-4};
    static const double d[8] = {
        1.0, 2.05319162663775882187e0, 1.67638483018380384940e0,
        6.89767334985100004550e-1, 1.48103976427480074590e-1, 1.51986665636164571966e-2,
        5.47593808499534494600e-4, 1.05075007164441684324e-9};
    static const double e[8] = {
        6.65790464350110377720e0, 5.46378491116411436990e0, 1.78482653991729133580e0,
        2.96560571828504891230e-1, 2.65321895265761230930e-2, 1.24266094738807843860e-3,
        2.71155556874348757815e-5, 2.01033439929228813265e-7};
    static const double f[8] = {
        1.0, 5.99832206555887937690e-1, 1.36929880922735805310e-1,
        1.48753612908506148525e-2, 7.86869131145613259100e-4, 1.84631831751005468180e-5,
        1.42151175831644588870e-7, 2.04426310338993978564e-15};

    if (isnan(p)) return p;
    if (p <= 0.0) return -INFINITY;
    if (p >= 1.0) return INFINITY;
    double q = p - 0.5;
    if (fabs(q) <= 0.425) {
        double r = 0.180625 - q * q;
        return q * poly7(a, r) / poly7(b, r);
    }
    double r = sqrt(-log(q < 0.0 ? p : 1.0 - p));
    double z = r <= 5.0 ? poly7(c, r - 1.6) / poly7(d, r - 1.6)
                        : poly7(e, r - 5.0) / poly7(f, r - 5.0);
    return q < 0.0 ? -z : z;
}

/* ---- the truncated normal ---- */

/* s(x) with Q(x) = phi(x) / x * (1 + s(x)): the asymptotic series of Mills' ratio,
 * truncated after the x^-8 term (error below 1e-12 for x >= 37). */
static double mills_series(double x)
{
    double t = 1.0 / (x * x);
    return t * (-1.0 + t * (3.0 + t * (-15.0 + t * 105.0)));
}

/* log(Q(x) / Q(a)) for a <= x, both beyond about 37; x = inf gives -inf. */
static double log_tail_ratio(double x, double a)
{
    if (isinf(x)) return -INFINITY;
    return -0.5 * (x - a) * (x + a) - log(x / a) + log1p(mills_series(x)) -
           log1p(mills_series(a));
}

/* The same inversion as tail_quantile for a so far out that Q(a) underflows: solve
 * log(Q(x) / Q(a)) = t by Newton's method, d/dx log Q(x) = -x / (1 + s(x)), starting
 * from the exponential approximation of the tail (X - a ~ Exp(a)). */
static double far_tail_quantile(double a, double b, double u, double w)
{
    double lb = log_tail_ratio(b, a);    /* log(Q(b) / Q(a)) */
    double keep = -expm1(lb);            /* 1 - Q(b) / Q(a), the mass in [a, b] */
    double t = u < 0.5 ? log1p(-u * keep) : log(exp(lb) + w * keep);
    double x = a - t / a;
    for (int it = 0; it < 60; it++) {
        double step = (log_tail_ratio(x, a) - t) * (1.0 + mills_series(x)) / x;
        x += step;
        if (x < a) x = a;
        if (x > b) x = b;
        if (!(fabs(step) > 1e-15 * x)) break;
    }
    return x;
}

/* Quantile of the standard normal restricted to [a, b], 0 <= a < b <= inf, at u,
 * with w = 1 - u: whichever of u and w is below 1/2 is used, so the caller passes that
 * one exactly. Works with Q = 1 - Phi throughout: Q(x) = Q(a) - u (Q(a) - Q(b)). */
static double tail_quantile(double a, double b, double u, double w)
{
    double qa = phi_upper(a), qb = phi_upper(b);
    if (qa < TAIL_MIN) return far_tail_quantile(a, b, u, w);
    double mass = qa - qb;
    double q = u < 0.5 ? qa - u * mass : qb + w * mass;
    return -sa_normal_quantile(q);
}

/* Standard normal restricted to [a, b] (a < b, either may be infinite) at u. */
static double trunc_std_quantile(double a, double b, double u)
{
    double w = 1.0 - u; /* exact when u >= 1/2; only the smaller of u, w is used */
    if (a >= 0.0) return tail_quantile(a, b, u, w);
    if (b <= 0.0) return -tail_quantile(-b, -a, w, u);
    /* across the mean: the mass Phi(b) - Phi(a) as a sum of two positive halves */
    double mass = 0.5 * (erf(b * M_SQRT1_2) - erf(a * M_SQRT1_2));
    if (u <= 0.5) return sa_normal_quantile(phi_lower(a) + u * mass);
    return -sa_normal_quantile(phi_upper(b) + w * mass);
}

/* ---- distributions ---- */

int sa_param_check(const sa_param_t *p)
{
    if (!p) return -SA_EPARAM;
    switch (p->kind) {
    case SA_UNIFORM:
        if (!isfinite(p->min) || !isfinite(p->max) || !(p->min <= p->max) ||
            !isfinite(p->max - p->min))
            return -SA_EPARAM;
        return 0;
    case SA_TRIANGULAR:
        if (!isfinite(p->min) || !isfinite(p->max) || !isfinite(p->mode) ||
            !(p->min < p->max) || !(p->min <= p->mode && p->mode <= p->max) ||
            !isfinite(p->max - p->min))
            return -SA_EPARAM;
        return 0;
    case SA_NORMAL:
        if (!isfinite(p->mean) || !isfinite(p->sd) || !(p->sd > 0.0)) return -SA_EPARAM;
        if (isnan(p->min) || isnan(p->max) || p->min == INFINITY || p->max == -INFINITY ||
            !(p->min < p->max))
            return -SA_EPARAM;
        return 0;
    case SA_LOGNORMAL:
        if (!isfinite(p->mean) || !isfinite(p->sd) || !(p->mean > 0.0) || !(p->sd > 0.0))
            return -SA_EPARAM;
        return isfinite(p->sd / p->mean) ? 0 : -SA_EPARAM;
    case SA_CHOICE:
        if (p->n_choices < 1) return -SA_EPARAM;
        if (p->weights) {
            double sum = 0.0;
            for (int i = 0; i < p->n_choices; i++) {
                if (!isfinite(p->weights[i]) || !(p->weights[i] > 0.0)) return -SA_EPARAM;
                sum += p->weights[i];
            }
            if (!isfinite(sum)) return -SA_EPARAM;
        }
        return 0;
    case SA_INTEGER:
        if (!isfinite(p->min) || !isfinite(p->max) || floor(p->min) != p->min ||
            floor(p->max) != p->max || !(p->min <= p->max) ||
            !(p->max - p->min < 0x1.0p53))
            return -SA_EPARAM;
        return 0;
    default: return -SA_EPARAM;
    }
}

static double choice_index(const sa_param_t *p, double u)
{
    int n = p->n_choices;
    if (!p->weights) {
        double i = floor(u * n);
        return i < n - 1 ? i : n - 1;
    }
    double total = 0.0;
    for (int i = 0; i < n; i++) total += p->weights[i];
    double target = u * total, cum = 0.0;
    for (int i = 0; i < n - 1; i++) {
        cum += p->weights[i];
        if (target < cum) return i;
    }
    return n - 1;
}

double sa_param_quantile(const sa_param_t *p, double u)
{
    if (isnan(u)) return u;
    if (u < U_EDGE) u = U_EDGE;
    if (u > 1.0 - U_EDGE) u = 1.0 - U_EDGE;
    switch (p->kind) {
    case SA_UNIFORM: return p->min + u * (p->max - p->min);
    case SA_TRIANGULAR: {
        double width = p->max - p->min;
        if (u < (p->mode - p->min) / width)
            return p->min + sqrt(u * width * (p->mode - p->min));
        return p->max - sqrt((1.0 - u) * width * (p->max - p->mode));
    }
    case SA_NORMAL: {
        double z = trunc_std_quantile((p->min - p->mean) / p->sd,
                                      (p->max - p->mean) / p->sd, u);
        double x = p->mean + p->sd * z;
        if (!(x >= p->min)) x = p->min; /* rounding, or a NaN from a range of no mass */
        if (x > p->max) x = p->max;
        return x;
    }
    case SA_LOGNORMAL: {
        double cv = p->sd / p->mean;
        double s2 = log1p(cv * cv);
        return exp(log(p->mean) - 0.5 * s2 + sqrt(s2) * sa_normal_quantile(u));
    }
    case SA_CHOICE: return choice_index(p, u);
    case SA_INTEGER: {
        double n = p->max - p->min + 1.0;
        double i = floor(u * n);
        return p->min + (i < n - 1.0 ? i : n - 1.0);
    }
    default: return NAN;
    }
}

/* ---- designs ---- */

/* A uniform integer in [0, n), n >= 1, without modulo bias (pcg32_boundedrand_r). */
static uint32_t below(rng_t *r, uint32_t n)
{
    uint32_t threshold = (uint32_t)(-n) % n;
    for (;;) {
        uint32_t x = rng_u32(r);
        if (x >= threshold) return x % n;
    }
}

/* Draw order: sobol_init's scramble draws, nothing else. Point j of the scrambled
 * 2k-dimensional sequence (from point 0) gives A_j (its first k coordinates) and B_j
 * (its last k). */
int sa_saltelli_design(int k, int n, rng_t *r, double *X)
{
    if (k < 1 || n < 2 || k > SOBOL_MAX_DIMS / 2 || !X) return -SA_ESIZE;
    sobol_t s;
    double *pt = mem_reallocarray(NULL, 2 * (size_t)k, sizeof *pt);
    if (!pt) return -SA_ENOMEM;
    if (sobol_init(&s, 2 * k, r) != 0) {
        mem_free(pt);
        return -SA_ENOMEM; /* the dimensions were checked: only memory can fail */
    }
    int rc = 0;
    size_t kk = (size_t)k;
    for (int j = 0; j < n; j++) {
        if (sobol_next(&s, pt) != 0) {
            rc = -SA_ESIZE;
            break;
        }
        double *blk = X + (size_t)j * (kk + 2) * kk;
        memcpy(blk, pt, kk * sizeof *blk);                      /* A_j */
        for (size_t i = 0; i < kk; i++) {                       /* AB_j^(i) */
            double *row = blk + (1 + i) * kk;
            memcpy(row, pt, kk * sizeof *row);
            row[i] = pt[kk + i];
        }
        memcpy(blk + (kk + 1) * kk, pt + kk, kk * sizeof *blk); /* B_j */
    }
    sobol_free(&s);
    mem_free(pt);
    return rc;
}

/* Morris's B* = (J x* + (delta / 2) ((2 B - J) D* + J)) P*, row by row: coordinate
 * c = order[t] changes between rows t and t+1; with direction +1 it goes from x*_c to
 * x*_c + delta, with -1 from x*_c + delta down to x*_c. x*_c is drawn from the p/2
 * levels {0, ..., 1 - delta}. Values are written as level / (p - 1), so every value
 * is the double nearest an exact grid point. Draw order per trajectory: the order of
 * the coordinates (Fisher-Yates, k - 1 draws), then k directions, then k base levels. */
int sa_morris_design(int k, int r_traj, int levels, rng_t *r, double *X)
{
    if (k < 1 || r_traj < 2 || levels < 2 || levels % 2 != 0 || !X) return -SA_ESIZE;
    size_t kk = (size_t)k;
    int *order = mem_reallocarray(NULL, 3 * kk, sizeof *order);
    if (!order) return -SA_ENOMEM;
    int *dir = order + kk, *base = order + 2 * kk;
    int half = levels / 2; /* delta in levels */
    double top = levels - 1;
    for (int t = 0; t < r_traj; t++) {
        for (int i = 0; i < k; i++) order[i] = i;
        for (int i = k - 1; i > 0; i--) {
            int j = (int)below(r, (uint32_t)i + 1);
            int tmp = order[i];
            order[i] = order[j];
            order[j] = tmp;
        }
        for (int i = 0; i < k; i++) dir[i] = (rng_u32(r) >> 31) ? 1 : -1;
        for (int i = 0; i < k; i++) base[i] = (int)below(r, (uint32_t)half);
        double *traj = X + (size_t)t * (kk + 1) * kk;
        for (int i = 0; i < k; i++) /* row 0: the start of each coordinate */
            traj[i] = (base[i] + (dir[i] > 0 ? 0 : half)) / top;
        for (size_t row = 1; row <= kk; row++) {
            double *x = traj + row * kk;
            memcpy(x, x - kk, kk * sizeof *x);
            int c = order[row - 1];
            x[c] = (base[c] + (dir[c] > 0 ? half : 0)) / top;
        }
    }
    mem_free(order);
    return 0;
}

/* Draw order: each column in turn, its permutation (n - 1 draws) then n uniforms. */
int sa_lhs_design(int k, int n, rng_t *r, double *X)
{
    if (k < 1 || n < 1 || !X) return -SA_ESIZE;
    size_t kk = (size_t)k;
    for (size_t c = 0; c < kk; c++) {
        for (int i = 0; i < n; i++) X[(size_t)i * kk + c] = i;
        for (int i = n - 1; i > 0; i--) {
            size_t j = below(r, (uint32_t)i + 1);
            double tmp = X[(size_t)i * kk + c];
            X[(size_t)i * kk + c] = X[j * kk + c];
            X[j * kk + c] = tmp;
        }
        for (int i = 0; i < n; i++) {
            double *x = &X[(size_t)i * kk + c];
            *x = (*x + rng_uniform(r)) / n;
        }
    }
    return 0;
}

/* ---- estimators ---- */

/* Standard deviation (divisor n - 1) of x[0], x[stride], ..., n values; NaN if n < 2. */
static double sd_strided(const double *x, int n, size_t stride)
{
    if (n < 2) return NAN;
    double m = 0.0, ss = 0.0;
    for (int i = 0; i < n; i++) m += x[(size_t)i * stride];
    m /= n;
    for (int i = 0; i < n; i++) {
        double d = x[(size_t)i * stride] - m;
        ss += d * d;
    }
    return sqrt(ss / (n - 1));
}

/* S1 and ST of every input from the base rows idx[0..m) (idx NULL: rows 0..m-1).
 * Returns the variance V; when it is 0 the indices are set to 0 (as SALib does). */
static double sobol_indices(int k, int m, const int *idx, const double *Y, double *S1,
                            double *ST)
{
    size_t stride = (size_t)k + 2;
    double mean = 0.0, v = 0.0;
    for (int j = 0; j < m; j++) {
        const double *y = Y + (size_t)(idx ? idx[j] : j) * stride;
        mean += y[0] + y[k + 1];
    }
    mean /= 2.0 * m;
    for (int j = 0; j < m; j++) {
        const double *y = Y + (size_t)(idx ? idx[j] : j) * stride;
        double da = y[0] - mean, db = y[k + 1] - mean;
        v += da * da + db * db;
    }
    v /= 2.0 * m;
    for (int i = 0; i < k; i++) {
        double s1 = 0.0, st = 0.0;
        for (int j = 0; j < m; j++) {
            const double *y = Y + (size_t)(idx ? idx[j] : j) * stride;
            double fa = y[0], fab = y[1 + i], fb = y[k + 1];
            s1 += (fb - mean) * (fab - fa); /* centred: independent of Y's level */
            st += (fa - fab) * (fa - fab);
        }
        S1[i] = v > 0.0 ? s1 / m / v : 0.0;
        ST[i] = v > 0.0 ? st / m / 2.0 / v : 0.0;
    }
    return v;
}

/* Draw order: n_boot resamples, each n_use indices below(n_use). */
int sa_sobol_analyze(int k, int n, int n_use, const double *Y, int n_boot, rng_t *r,
                     sa_sobol_t *out)
{
    if (k < 1 || n < 2 || n_use < 2 || n_use > n || n_boot < 0 || !Y || !out)
        return -SA_ESIZE;
    size_t kk = (size_t)k;
    double *est = mem_reallocarray(NULL, kk * 2 * (size_t)n_boot + 2 * kk, sizeof *est);
    int *idx = mem_reallocarray(NULL, (size_t)n_use, sizeof *idx);
    if (!est || !idx) {
        mem_free(est);
        mem_free(idx);
        return -SA_ENOMEM;
    }
    double *s1 = est, *st = est + kk; /* the point estimates, then the resamples */
    int rc = 0;
    if (sobol_indices(k, n_use, NULL, Y, s1, st) == 0.0) {
        rc = -SA_EVAR;
        goto done;
    }
    double *bs1 = est + 2 * kk, *bst = bs1 + kk * (size_t)n_boot;
    for (int b = 0; b < n_boot; b++) {
        for (int j = 0; j < n_use; j++) idx[j] = (int)below(r, (uint32_t)n_use);
        sobol_indices(k, n_use, idx, Y, bs1 + (size_t)b * kk, bst + (size_t)b * kk);
    }
    for (size_t i = 0; i < kk; i++) {
        out->S1[i] = s1[i];
        out->ST[i] = st[i];
        out->S1_conf[i] = Z975 * sd_strided(bs1 + i, n_boot, kk);
        out->ST_conf[i] = Z975 * sd_strided(bst + i, n_boot, kk);
    }
done:
    mem_free(est);
    mem_free(idx);
    return rc;
}

/* The elementary effects ee[t k + c] of trajectory t and input c. A step must change
 * exactly one coordinate by +-delta (to 1e-9), each coordinate once per trajectory. */
static int morris_effects(int k, int r_traj, double delta, const double *X,
                          const double *Y, double *ee, char *seen)
{
    size_t kk = (size_t)k;
    for (int t = 0; t < r_traj; t++) {
        const double *x = X + (size_t)t * (kk + 1) * kk;
        const double *y = Y + (size_t)t * (kk + 1);
        memset(seen, 0, kk);
        for (size_t s = 0; s < kk; s++) {
            const double *x0 = x + s * kk, *x1 = x0 + kk;
            size_t c = kk;
            for (size_t i = 0; i < kk; i++) {
                if (x1[i] == x0[i]) continue;
                if (c != kk) return -SA_EPARAM; /* a second coordinate changed */
                c = i;
            }
            if (c == kk || seen[c]) return -SA_EPARAM;
            double dx = x1[c] - x0[c];
            if (!(fabs(fabs(dx) - delta) <= 1e-9)) return -SA_EPARAM;
            seen[c] = 1;
            ee[(size_t)t * kk + c] = (y[s + 1] - y[s]) / (dx > 0.0 ? delta : -delta);
        }
    }
    return 0;
}

/* Draw order: n_boot resamples, each r_traj indices below(r_traj). */
int sa_morris_analyze(int k, int r_traj, int levels, const double *X, const double *Y,
                      int n_boot, rng_t *r, sa_morris_t *out)
{
    if (k < 1 || r_traj < 1 || levels < 2 || levels % 2 != 0 || n_boot < 0 || !X || !Y ||
        !out)
        return -SA_ESIZE;
    size_t kk = (size_t)k, nt = (size_t)r_traj;
    double delta = levels / (2.0 * (levels - 1));
    double *ee = mem_reallocarray(NULL, (nt + (size_t)n_boot) * kk, sizeof *ee);
    int *idx = mem_reallocarray(NULL, nt, sizeof *idx);
    char *seen = mem_alloc(kk);
    int rc = -SA_ENOMEM;
    if (!ee || !idx || !seen) goto done;
    rc = morris_effects(k, r_traj, delta, X, Y, ee, seen);
    if (rc != 0) goto done;
    double *boot = ee + nt * kk; /* [n_boot][k] mu* of each resample */
    for (int b = 0; b < n_boot; b++) {
        for (int t = 0; t < r_traj; t++) idx[t] = (int)below(r, (uint32_t)r_traj);
        for (size_t i = 0; i < kk; i++) {
            double s = 0.0;
            for (int t = 0; t < r_traj; t++) s += fabs(ee[(size_t)idx[t] * kk + i]);
            boot[(size_t)b * kk + i] = s / r_traj;
        }
    }
    for (size_t i = 0; i < kk; i++) {
        double mu = 0.0, mu_star = 0.0;
        for (size_t t = 0; t < nt; t++) {
            mu += ee[t * kk + i];
            mu_star += fabs(ee[t * kk + i]);
        }
        out->mu[i] = mu / r_traj;
        out->mu_star[i] = mu_star / r_traj;
        out->sigma[i] = r_traj > 1 ? sd_strided(ee + i, r_traj, kk) : 0.0;
        out->mu_star_conf[i] = Z975 * sd_strided(boot + i, n_boot, kk);
    }
done:
    mem_free(ee);
    mem_free(idx);
    mem_free(seen);
    return rc;
}
