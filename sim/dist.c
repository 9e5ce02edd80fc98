/* dist.c: the seven duration families: checking, sampling, moments, CDF, and the exact
 * equilibrium (residual-life) sampler.
 *
 * dist_init turns the parameters users write into the natural ones, kept in the private
 * fields a, b, c (c is always the mean):
 *   exponential  a = mean
 *   gamma        a = shape k = (mean/sd)^2, b = scale theta = sd^2/mean
 *   lognormal    a = mu, b = sigma of log X: sigma^2 = ln(1 + sd^2/mean^2),
 *                mu = ln(mean) - sigma^2/2
 *   weibull      a = shape k, b = scale lambda
 *   uniform      a = min, b = max
 *   fixed        a = value
 *   empirical    (the points themselves; the ends are taken as exactly p = 0 and 1)
 *
 * Residual life: if durations X have density f and mean m, a renewal process seen at a
 * random instant is inside an interval whose total length T has the length-biased
 * density x f(x) / m, and the instant falls uniformly within it. Each family's
 * length-biased law is again a simple one (listed at dist_sample_residual), so the
 * sampler is exact, with no truncation or numerical integration.
 *
 * Conditional residual life (dist_sample_after): a stay that has lasted e days has T - e
 * left, given T > e. S(T) given T > e is uniform on (0, S(e)), so the draw inverts the
 * survival function at V S(e), V uniform on (0, 1]; on the log scale (ln S(e) + ln V)
 * so that nothing underflows deep in the tail. Bounded loops only: the gamma inversion
 * brackets its root by doubling (at most 2000 steps) then takes at most 200 safeguarded
 * Newton steps. */
#include "sim/dist.h"

#include <math.h>
#include <string.h>

#include "sim/mem.h"
#include "sim/sa.h" /* sa_normal_quantile: the normal quantile, AS 241 */

/* ln |Gamma(x)| without touching a global: glibc's lgamma() writes the sign to the
 * global `signgam`, a data race when replications run in worker threads. */
static double lgam(double x)
{
    int sign;
    return lgamma_r(x, &sign);
}

/* ---- names and errors ---- */

static const char *const kind_names[DIST_KIND_N] = {
#define DIST_NAME(e, s) [e] = s,
    DIST_KIND_MAP(DIST_NAME)
#undef DIST_NAME
};

int dist_kind_from_name(const char *name)
{
    if (!name) return -1;
    for (int k = 0; k < DIST_KIND_N; k++)
        if (strcmp(name, kind_names[k]) == 0) return k;
    return -1;
}

const char *dist_kind_name(dist_kind_t k)
{
    return (unsigned)k < DIST_KIND_N ? kind_names[k] : "unknown";
}

const char *dist_strerror(int err)
{
    switch (err < 0 ? -err : err) {
    case DIST_OK: return "success";
#define DIST_ERR_CASE(e, s) \
    case e: return s;
        DIST_ERR_MAP(DIST_ERR_CASE)
#undef DIST_ERR_CASE
    default: return "unknown error";
    }
}

/* ---- empirical helpers ---- */

/* The i-th cdf value with the ends pinned to exactly 0 and 1 (dist_init allows 1e-9)
 * and the rest clamped into [0, 1], so the cdf is a proper one. */
static inline double emp_p(const dist_t *d, int i)
{
    if (i == 0) return 0.0;
    if (i == d->n - 1) return 1.0;
    double p = d->p[i];
    return p < 0.0 ? 0.0 : p > 1.0 ? 1.0 : p;
}

/* The mean of the piecewise uniform density: sum of dP (x_i + x_{i+1}) / 2. */
static double emp_mean(const dist_t *d)
{
    double m = 0.0;
    for (int i = 0; i + 1 < d->n; i++)
        m += (emp_p(d, i + 1) - emp_p(d, i)) * 0.5 * (d->x[i] + d->x[i + 1]);
    return m;
}

/* ---- init, free, copy ---- */

static int finite2(double u, double v) { return isfinite(u) && isfinite(v); }

static int check_empirical(const dist_t *d, int nonneg)
{
    if (d->n < 2 || !d->x || !d->p) return -DIST_ECDF;
    for (int i = 0; i < d->n; i++)
        if (!finite2(d->x[i], d->p[i])) return -DIST_EPARAM;
    for (int i = 0; i + 1 < d->n; i++)
        if (!(d->x[i + 1] > d->x[i]) || !(d->p[i + 1] >= d->p[i])) return -DIST_ECDF;
    if (fabs(d->p[0]) > 1e-9 || fabs(d->p[d->n - 1] - 1.0) > 1e-9) return -DIST_ECDF;
    if (nonneg && d->x[0] < 0.0) return -DIST_ENEGATIVE;
    return 0;
}

int dist_init(dist_t *d, int nonneg)
{
    d->gd = d->gc = 0;
    switch (d->kind) {
    case DIST_EXPONENTIAL:
        if (!isfinite(d->mean)) return -DIST_EPARAM;
        if (!(d->mean > 0.0)) return -DIST_EPOSITIVE;
        d->a = d->c = d->mean;
        return 0;
    case DIST_GAMMA:
    case DIST_LOGNORMAL:
        if (!finite2(d->mean, d->sd)) return -DIST_EPARAM;
        if (!(d->mean > 0.0 && d->sd > 0.0)) return -DIST_EPOSITIVE;
        if (d->kind == DIST_GAMMA) {
            d->a = (d->mean / d->sd) * (d->mean / d->sd);
            d->b = d->sd * d->sd / d->mean;
            if (d->a >= 1.0) { /* as dist_std_gamma computes them on every draw */
                d->gd = d->a - 1.0 / 3.0;
                d->gc = 1.0 / sqrt(9.0 * d->gd);
            }
        } else {
            double s2 = log1p((d->sd / d->mean) * (d->sd / d->mean));
            d->a = log(d->mean) - 0.5 * s2;
            d->b = sqrt(s2);
        }
        d->c = d->mean;
        return 0;
    case DIST_WEIBULL:
        if (!finite2(d->shape, d->scale)) return -DIST_EPARAM;
        if (!(d->shape > 0.0 && d->scale > 0.0)) return -DIST_EPOSITIVE;
        d->a = d->shape;
        d->b = d->scale;
        d->c = d->scale * exp(lgam(1.0 + 1.0 / d->shape));
        return 0;
    case DIST_UNIFORM:
        if (!finite2(d->min, d->max)) return -DIST_EPARAM;
        if (d->min > d->max) return -DIST_ERANGE;
        if (nonneg && d->min < 0.0) return -DIST_ENEGATIVE;
        d->a = d->min;
        d->b = d->max;
        d->c = 0.5 * (d->min + d->max);
        return 0;
    case DIST_FIXED:
        if (!isfinite(d->value)) return -DIST_EPARAM;
        if (nonneg && d->value < 0.0) return -DIST_ENEGATIVE;
        d->a = d->c = d->value;
        return 0;
    case DIST_EMPIRICAL: {
        int rc = check_empirical(d, nonneg);
        if (rc) return rc;
        d->c = emp_mean(d);
        return 0;
    }
    default:
        return -DIST_EKIND;
    }
}

void dist_free(dist_t *d)
{
    mem_free(d->x);
    mem_free(d->p);
    d->x = d->p = NULL;
    d->n = 0;
}

int dist_copy(dist_t *dst, const dist_t *src)
{
    size_t bytes = (size_t)(src->n > 0 ? src->n : 0) * sizeof(double);
    double *x = NULL, *p = NULL;
    if (src->x && bytes && !(x = mem_alloc(bytes))) goto err;
    if (src->p && bytes && !(p = mem_alloc(bytes))) goto err;
    if (x) memcpy(x, src->x, bytes);
    if (p) memcpy(p, src->p, bytes);
    *dst = *src;
    dst->x = x;
    dst->p = p;
    return 0;
err:
    mem_free(x);
    return SIM_ENOMEM;
}

/* ---- building blocks ---- */

/* Marsaglia's polar method; the second normal of the pair is discarded so that the
 * function keeps no state. */
double dist_std_normal(rng_t *r)
{
    double u, v, s;
    do {
        u = 2.0 * rng_uniform(r) - 1.0;
        v = 2.0 * rng_uniform(r) - 1.0;
        s = u * u + v * v;
    } while (s >= 1.0 || s == 0.0);
    return u * sqrt(-2.0 * log(s) / s);
}

/* Marsaglia and Tsang (2000), "A simple method for generating gamma variables", for
 * shape >= 1 given d = shape - 1/3 and c = 1 / sqrt(9 d). */
static inline double mt_gamma(rng_t *r, double d, double c)
{
    for (;;) {
        double x, v;
        do {
            x = dist_std_normal(r);
            v = 1.0 + c * x;
        } while (v <= 0.0);
        v = v * v * v;
        double u = rng_uniform(r), x2 = x * x;
        if (u < 1.0 - 0.0331 * x2 * x2) return d * v;
        if (log(u) < 0.5 * x2 + d * (1.0 - v + log(v))) return d * v;
    }
}

/* Marsaglia and Tsang; for shape < 1 the boost G(shape) = G(shape + 1) U^(1/shape). */
double dist_std_gamma(rng_t *r, double shape)
{
    if (shape < 1.0) {
        double g = dist_std_gamma(r, shape + 1.0);
        return g * exp(log(rng_uniform(r)) / shape);
    }
    double d = shape - 1.0 / 3.0, c = 1.0 / sqrt(9.0 * d);
    return mt_gamma(r, d, c);
}

/* ---- sampling ---- */

static double emp_sample(const dist_t *d, double u)
{
    int lo = 0, hi = d->n - 1; /* emp_p(lo) <= u < emp_p(hi) */
    while (hi - lo > 1) {
        int mid = lo + (hi - lo) / 2;
        if (emp_p(d, mid) <= u) lo = mid;
        else hi = mid;
    }
    double p0 = emp_p(d, lo), p1 = emp_p(d, hi);
    return d->x[lo] + (u - p0) / (p1 - p0) * (d->x[hi] - d->x[lo]);
}

double dist_sample(const dist_t *d, rng_t *r)
{
    switch (d->kind) {
    case DIST_EXPONENTIAL: return -d->a * log(rng_uniform(r));
    case DIST_GAMMA: /* d and c of the shape computed once (dist_init) when it is >= 1 */
        return d->b * (d->gc > 0 ? mt_gamma(r, d->gd, d->gc) : dist_std_gamma(r, d->a));
    case DIST_LOGNORMAL: return exp(d->a + d->b * dist_std_normal(r));
    case DIST_WEIBULL: return d->b * pow(-log(rng_uniform(r)), 1.0 / d->a);
    case DIST_UNIFORM: return d->a + (d->b - d->a) * rng_uniform(r);
    case DIST_FIXED: return d->a;
    case DIST_EMPIRICAL: return emp_sample(d, rng_uniform(r));
    default: return NAN;
    }
}

/* ---- moments and cdf ---- */

double dist_mean(const dist_t *d)
{
    return (unsigned)d->kind < DIST_KIND_N ? d->c : NAN;
}

double dist_var(const dist_t *d)
{
    switch (d->kind) {
    case DIST_EXPONENTIAL: return d->a * d->a;
    case DIST_GAMMA: return d->a * d->b * d->b;
    case DIST_LOGNORMAL: return expm1(d->b * d->b) * exp(2.0 * d->a + d->b * d->b);
    case DIST_WEIBULL: {
        double g1 = exp(lgam(1.0 + 1.0 / d->a)), g2 = exp(lgam(1.0 + 2.0 / d->a));
        return d->b * d->b * (g2 - g1 * g1);
    }
    case DIST_UNIFORM: return (d->b - d->a) * (d->b - d->a) / 12.0;
    case DIST_FIXED: return 0.0;
    case DIST_EMPIRICAL: {
        /* Each segment is uniform on [x_i, x_{i+1}] with mass dP; about the mean m,
         * E[(X - m)^2 | segment] = (u^2 + u v + v^2) / 3 with u, v the ends minus m. */
        double m = d->c, s = 0.0;
        for (int i = 0; i + 1 < d->n; i++) {
            double u = d->x[i] - m, v = d->x[i + 1] - m;
            s += (emp_p(d, i + 1) - emp_p(d, i)) * (u * u + u * v + v * v) / 3.0;
        }
        return s;
    }
    default: return NAN;
    }
}

/* The regularized lower incomplete gamma P(a, x): series for x < a + 1, otherwise the
 * continued fraction for Q (Numerical Recipes' gser and gcf, modified Lentz). */
static double gamma_p(double a, double x)
{
    if (!(x > 0.0)) return 0.0;
    if (isinf(x)) return 1.0;
    double lpre = a * log(x) - x - lgam(a);
    if (x < a + 1.0) {
        double ap = a, del = 1.0 / a, sum = del;
        for (int n = 0; n < 100000; n++) {
            ap += 1.0;
            del *= x / ap;
            sum += del;
            if (fabs(del) < fabs(sum) * 1e-16) break;
        }
        return sum * exp(lpre);
    }
    const double tiny = 1e-300;
    double b = x + 1.0 - a, c = 1.0 / tiny, dd = 1.0 / b, h = dd;
    for (int i = 1; i < 100000; i++) {
        double an = -i * (i - a);
        b += 2.0;
        dd = an * dd + b;
        if (fabs(dd) < tiny) dd = tiny;
        c = b + an / c;
        if (fabs(c) < tiny) c = tiny;
        dd = 1.0 / dd;
        double del = dd * c;
        h *= del;
        if (fabs(del - 1.0) < 1e-16) break;
    }
    return 1.0 - exp(lpre) * h;
}

double dist_cdf(const dist_t *d, double x)
{
    if (isnan(x)) return NAN;
    switch (d->kind) {
    case DIST_EXPONENTIAL: return x <= 0.0 ? 0.0 : -expm1(-x / d->a);
    case DIST_GAMMA: return gamma_p(d->a, x / d->b);
    case DIST_LOGNORMAL:
        return x <= 0.0 ? 0.0 : 0.5 * erfc(-(log(x) - d->a) / (d->b * sqrt(2.0)));
    case DIST_WEIBULL: return x <= 0.0 ? 0.0 : -expm1(-pow(x / d->b, d->a));
    case DIST_UNIFORM:
        if (x < d->a) return 0.0;
        if (x >= d->b) return 1.0;
        return (x - d->a) / (d->b - d->a);
    case DIST_FIXED: return x < d->a ? 0.0 : 1.0;
    case DIST_EMPIRICAL: {
        if (x <= d->x[0]) return 0.0;
        if (x >= d->x[d->n - 1]) return 1.0;
        int lo = 0, hi = d->n - 1; /* x[lo] < x < x[hi] */
        while (hi - lo > 1) {
            int mid = lo + (hi - lo) / 2;
            if (d->x[mid] <= x) lo = mid;
            else hi = mid;
        }
        double p0 = emp_p(d, lo), p1 = emp_p(d, hi);
        return p0 + (p1 - p0) * (x - d->x[lo]) / (d->x[hi] - d->x[lo]);
    }
    default: return NAN;
    }
}

/* ---- the mean cut off at a cap ---- */

/* E[X; X < c] + c P(X >= c) for each family. For gamma(k, theta), E[X; X < c] =
 * k theta P(k + 1, c / theta); for weibull(k, lambda), with y = (c / lambda)^k,
 * E[X; X < c] = lambda Gamma(1 + 1/k) P(1 + 1/k, y); for lognormal(mu, sigma),
 * E[X; X < c] = exp(mu + sigma^2 / 2) Phi((ln c - mu - sigma^2) / sigma). */
double dist_mean_capped(const dist_t *d, double cap)
{
    if (isnan(cap) || (unsigned)d->kind >= DIST_KIND_N) return NAN;
    if (cap == INFINITY) return d->c;
    double below, s = dist_survival(d, cap);
    switch (d->kind) {
    case DIST_EXPONENTIAL: return cap <= 0.0 ? cap : d->a * -expm1(-cap / d->a);
    case DIST_GAMMA:
        if (cap <= 0.0) return cap;
        below = d->a * d->b * gamma_p(d->a + 1.0, cap / d->b);
        break;
    case DIST_WEIBULL: {
        if (cap <= 0.0) return cap;
        double k1 = 1.0 + 1.0 / d->a;
        below = d->b * exp(lgam(k1)) * gamma_p(k1, pow(cap / d->b, d->a));
        break;
    }
    case DIST_LOGNORMAL:
        if (cap <= 0.0) return cap;
        below = exp(d->a + 0.5 * d->b * d->b) * 0.5 *
                erfc(-(log(cap) - d->a - d->b * d->b) / (d->b * sqrt(2.0)));
        break;
    case DIST_UNIFORM: {
        double lo = d->a, hi = d->b;
        if (cap <= lo) return cap;
        if (cap >= hi) return d->c;
        return ((cap * cap - lo * lo) / 2.0 + cap * (hi - cap)) / (hi - lo);
    }
    case DIST_FIXED: return cap < d->a ? cap : d->a;
    case DIST_EMPIRICAL: {
        /* segment i is uniform on [x_i, x_{i+1}] with mass dP */
        double m = 0.0;
        for (int i = 0; i + 1 < d->n; i++) {
            double dp = emp_p(d, i + 1) - emp_p(d, i), u = d->x[i], v = d->x[i + 1];
            if (!(dp > 0.0)) continue;
            if (cap >= v) m += dp * 0.5 * (u + v);
            else if (cap <= u) m += dp * cap;
            else m += dp * ((cap * cap - u * u) / 2.0 + cap * (v - cap)) / (v - u);
        }
        return m;
    }
    default: return NAN;
    }
    return below + cap * s;
}

/* ---- residual life ---- */

/* Length-biased empirical: segment i has mass dP and mean (x_i + x_{i+1}) / 2, so it is
 * chosen with weight dP (x_i + x_{i+1}) / 2; within it the density is proportional to
 * x, whose cdf (x^2 - x_i^2) / (x_{i+1}^2 - x_i^2) inverts to the square root below.
 * Segments with no mass (flat cdf), or none of length (both ends 0), weigh nothing. */
static double emp_length_biased(const dist_t *d, rng_t *r)
{
    double v = rng_uniform(r) * d->c, cum = 0.0;
    int seg = -1;
    for (int i = 0; i + 1 < d->n; i++) {
        double w = (emp_p(d, i + 1) - emp_p(d, i)) * 0.5 * (d->x[i] + d->x[i + 1]);
        if (!(w > 0.0)) continue;
        seg = i; /* the last segment with weight, in case rounding leaves v >= cum */
        cum += w;
        if (v < cum) break;
    }
    if (seg < 0) return 0.0; /* no mass away from 0: every duration is 0 */
    double a = d->x[seg], b = d->x[seg + 1];
    return sqrt(a * a + rng_uniform(r) * (b * b - a * a));
}

/* The length-biased total T by family:
 *   exponential(m)     gamma(2, m): the sum of two exponentials
 *   gamma(k, theta)    gamma(k + 1, theta)
 *   lognormal(mu, s)   lognormal(mu + s^2, s)
 *   weibull(k, lam)    lam G^(1/k), G ~ gamma(1 + 1/k, 1)
 *   uniform(a, b)      density 2x / (b^2 - a^2) on [a, b]: sqrt(a^2 + U (b^2 - a^2))
 *   fixed(v)           v
 *   empirical          see emp_length_biased
 * Defined for durations (support >= 0, as dist_init with nonneg = 1 ensures). */
void dist_sample_residual(const dist_t *d, rng_t *r, double *elapsed, double *remaining)
{
    double t;
    switch (d->kind) {
    case DIST_EXPONENTIAL: t = -d->a * (log(rng_uniform(r)) + log(rng_uniform(r))); break;
    case DIST_GAMMA: t = d->b * dist_std_gamma(r, d->a + 1.0); break;
    case DIST_LOGNORMAL: t = exp(d->a + d->b * d->b + d->b * dist_std_normal(r)); break;
    case DIST_WEIBULL: t = d->b * pow(dist_std_gamma(r, 1.0 + 1.0 / d->a), 1.0 / d->a); break;
    case DIST_UNIFORM:
        t = sqrt(d->a * d->a + rng_uniform(r) * (d->b * d->b - d->a * d->a));
        break;
    case DIST_FIXED: t = d->a; break;
    case DIST_EMPIRICAL: t = emp_length_biased(d, r); break;
    default: t = NAN; break;
    }
    double u = rng_uniform(r);
    *elapsed = u * t;
    *remaining = (1.0 - u) * t;
}

/* ---- survival and conditional residual life ---- */

/* ln Q(a, x): the regularized upper incomplete gamma on the log scale, so that it does
 * not underflow deep in the tail (the continued fraction gives ln Q directly). */
static double gamma_log_q(double a, double x)
{
    if (!(x > 0.0)) return 0.0;
    if (isinf(x)) return -INFINITY;
    if (x < a + 1.0) return log1p(-gamma_p(a, x));
    double lpre = a * log(x) - x - lgam(a);
    const double tiny = 1e-300;
    double b = x + 1.0 - a, c = 1.0 / tiny, dd = 1.0 / b, h = dd;
    for (int i = 1; i < 100000; i++) {
        double an = -i * (i - a);
        b += 2.0;
        dd = an * dd + b;
        if (fabs(dd) < tiny) dd = tiny;
        c = b + an / c;
        if (fabs(c) < tiny) c = tiny;
        dd = 1.0 / dd;
        double del = dd * c;
        h *= del;
        if (fabs(del - 1.0) < 1e-16) break;
    }
    return lpre + log(h);
}

/* ln P(Z > z) for a standard normal Z: erfc while it is representable, then the
 * asymptotic (Mills ratio) series. */
static double norm_log_sf(double z)
{
    if (z < 37.0) return log(0.5 * erfc(z / sqrt(2.0)));
    double z2 = z * z;
    return -0.5 * z2 - log(z) - 0.5 * log(2.0 * M_PI) +
           log1p(-1.0 / z2 + 3.0 / (z2 * z2) - 15.0 / (z2 * z2 * z2));
}

/* The z with ln P(Z > z) = ls (ls <= 0): the quantile while exp(ls) is a normal double,
 * then Newton steps on the log scale (the function is smooth and concave there). */
static double norm_isf_log(double ls)
{
    if (ls > -700.0) return -sa_normal_quantile(exp(ls));
    double z = sqrt(-2.0 * ls);
    for (int i = 0; i < 50; i++) {
        /* d/dz ln P(Z > z) = -phi(z) / P(Z > z) */
        double f = norm_log_sf(z) - ls;
        double lphi = -0.5 * z * z - 0.5 * log(2.0 * M_PI);
        double step = f / -exp(lphi - norm_log_sf(z));
        z -= step;
        if (fabs(step) < 1e-14 * z) break;
    }
    return z;
}

/* ln S(x) for the families with unbounded support (gamma, lognormal, weibull,
 * exponential); the others are handled where they are used. */
static double log_sf(const dist_t *d, double x)
{
    if (!(x > 0.0)) return 0.0;
    switch (d->kind) {
    case DIST_EXPONENTIAL: return -x / d->a;
    case DIST_GAMMA: return gamma_log_q(d->a, x / d->b);
    case DIST_LOGNORMAL: return norm_log_sf((log(x) - d->a) / d->b);
    case DIST_WEIBULL: return -pow(x / d->b, d->a);
    default: return NAN;
    }
}

double dist_survival(const dist_t *d, double x)
{
    if (isnan(x)) return NAN;
    switch (d->kind) {
    case DIST_EXPONENTIAL:
    case DIST_GAMMA:
    case DIST_LOGNORMAL:
    case DIST_WEIBULL: return exp(log_sf(d, x));
    case DIST_UNIFORM:
        if (x < d->a) return 1.0;
        if (x >= d->b) return 0.0;
        return (d->b - x) / (d->b - d->a);
    case DIST_FIXED: return x < d->a ? 1.0 : 0.0;
    case DIST_EMPIRICAL: {
        if (x <= d->x[0]) return 1.0;
        if (x >= d->x[d->n - 1]) return 0.0;
        int lo = 0, hi = d->n - 1;
        while (hi - lo > 1) {
            int mid = lo + (hi - lo) / 2;
            if (d->x[mid] <= x) lo = mid;
            else hi = mid;
        }
        double s0 = 1.0 - emp_p(d, lo), s1 = 1.0 - emp_p(d, hi);
        return s0 + (s1 - s0) * (x - d->x[lo]) / (d->x[hi] - d->x[lo]);
    }
    default: return NAN;
    }
}

/* The gamma x >= lo with ln Q(k, x / theta) = ls, given ln Q at lo >= ls: the bracket
 * [lo, hi] is widened by doubling until ln Q(hi) < ls, then safeguarded Newton on the
 * log scale (a step leaving the bracket is replaced by bisection). Every loop is
 * bounded. */
static double gamma_isf_log(const dist_t *d, double lo, double ls)
{
    double k = d->a, th = d->b;
    double step = th * (k > 1.0 ? k : 1.0), hi = lo + step;
    for (int i = 0; i < 2000 && gamma_log_q(k, hi / th) >= ls; i++) {
        lo = hi;
        step *= 2.0;
        hi = lo + step;
    }
    double x = 0.5 * (lo + hi);
    for (int i = 0; i < 200; i++) {
        double g = gamma_log_q(k, x / th) - ls;
        if (g > 0) lo = x;
        else hi = x;
        /* d/dx ln Q = -f(x) / Q(x), f the gamma density */
        double lf = (k - 1.0) * log(x / th) - x / th - lgam(k) - log(th);
        double dg = -exp(lf - (g + ls));
        double nx = dg < 0 && isfinite(dg) ? x - g / dg : NAN;
        if (!(nx > lo && nx < hi)) nx = 0.5 * (lo + hi);
        if (fabs(nx - x) <= 1e-13 * x || hi - lo <= 1e-13 * hi) return nx;
        x = nx;
    }
    return x;
}

/* The x with ln S(x) = ls (ls <= 0) for the unbounded families; lo is a point with
 * ln S(lo) >= ls (the elapsed time, or 0). */
static double isf_log(const dist_t *d, double lo, double ls)
{
    switch (d->kind) {
    case DIST_EXPONENTIAL: return -d->a * ls;
    case DIST_WEIBULL: return d->b * pow(-ls, 1.0 / d->a);
    case DIST_LOGNORMAL: return exp(d->a + d->b * norm_isf_log(ls));
    case DIST_GAMMA: return gamma_isf_log(d, lo, ls);
    default: return NAN;
    }
}

/* Inverse of the empirical cdf at u in [0, 1]: the largest x with F(x) = u on a flat
 * stretch, as emp_sample. */
static double emp_inverse(const dist_t *d, double u)
{
    if (u >= 1.0) return d->x[d->n - 1];
    return emp_sample(d, u);
}

double dist_quantile(const dist_t *d, double p)
{
    if (!(p >= 0.0 && p <= 1.0)) return NAN;
    switch (d->kind) {
    case DIST_EXPONENTIAL:
    case DIST_GAMMA:
    case DIST_LOGNORMAL:
    case DIST_WEIBULL:
        if (p == 0.0) return 0.0;
        return isf_log(d, 0.0, log1p(-p));
    case DIST_UNIFORM: return d->a + p * (d->b - d->a);
    case DIST_FIXED: return d->a;
    case DIST_EMPIRICAL: return emp_inverse(d, p);
    default: return NAN;
    }
}

double dist_sample_after(const dist_t *d, rng_t *r, double elapsed)
{
    double e = elapsed;
    if (isnan(e)) return NAN;
    if (!(e > 0.0)) return dist_sample(d, r) - e; /* nothing conditioned away */
    switch (d->kind) {
    case DIST_EXPONENTIAL: return dist_sample(d, r); /* memoryless */
    case DIST_GAMMA:
    case DIST_LOGNORMAL:
    case DIST_WEIBULL: {
        if (isinf(e)) return 0.0;
        /* S(T) given T > e is uniform on (0, S(e)): ln S(T) = ln S(e) + ln V */
        double v = 1.0 - rng_uniform(r); /* (0, 1] */
        double x = isf_log(d, e, log_sf(d, e) + log(v));
        return x > e ? x - e : 0.0;
    }
    case DIST_UNIFORM:
        if (e >= d->b) return 0.0; /* beyond the support */
        if (e < d->a) return d->a - e + (d->b - d->a) * rng_uniform(r);
        return (d->b - e) * rng_uniform(r);
    case DIST_FIXED: return e < d->a ? d->a - e : 0.0;
    case DIST_EMPIRICAL: {
        if (e >= d->x[d->n - 1]) return 0.0; /* beyond the support */
        double f = dist_cdf(d, e);
        if (f >= 1.0) return 0.0;
        double x = emp_inverse(d, f + (1.0 - f) * rng_uniform(r));
        return x > e ? x - e : 0.0;
    }
    default: return NAN;
    }
}
