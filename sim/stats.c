/* stats.c: time-weighted averages, replication summaries with Student-t intervals,
 * and empirical quantiles.
 *
 * The t quantile starts from Hill's approximation (CACM Algorithm 396, 1970) and is
 * polished by Newton steps on the exact t distribution function, written through the
 * regularized incomplete beta function I_x(a, b) evaluated by its continued fraction
 * (modified Lentz, as Numerical Recipes' betacf). Everything is kept in logs with 1 - x
 * computed directly, so the result is good to about 1e-12 relative from df = 1 to 1e6
 * and p from 1e-300 to 1 - 1e-16 (checked against mpmath at 40 digits). */
#include "sim/stats.h"

#include <math.h>
#include <stdlib.h>

/* ln |Gamma(x)| without touching a global: glibc's lgamma() writes the sign to the
 * global `signgam`, a data race when replications run in worker threads. */
static double lgam(double x)
{
    int sign;
    return lgamma_r(x, &sign);
}

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif
#ifndef M_LN2
#define M_LN2 0.69314718055994530942
#endif

/* ---- time-weighted averages ---- */

void tw_init(tw_t *w, double t0, double t, double v)
{
    w->t0 = t0;
    w->last_t = t;
    w->v = v;
    w->area = 0.0;
}

double tw_area(const tw_t *w, double t_end)
{
    double from = w->last_t > w->t0 ? w->last_t : w->t0;
    return w->area + (t_end > from ? w->v * (t_end - from) : 0.0);
}

double tw_mean(const tw_t *w, double t_end)
{
    if (!(t_end > w->t0)) return 0.0;
    return tw_area(w, t_end) / (t_end - w->t0);
}

/* ---- replication summaries ---- */

void stats_summarise(const double *x, int n, summ_t *out)
{
    out->n = n;
    out->mean = out->sd = out->lo = out->hi = NAN;
    if (n <= 0) return;
    double s = 0.0;
    for (int i = 0; i < n; i++) s += x[i];
    double mean = s / n;
    out->mean = mean;
    if (n == 1) return;
    double ss = 0.0;
    for (int i = 0; i < n; i++) ss += (x[i] - mean) * (x[i] - mean);
    out->sd = sqrt(ss / (n - 1));
    double half = stats_t_quantile(0.975, n - 1) * out->sd / sqrt((double)n);
    out->lo = mean - half;
    out->hi = mean + half;
}

/* ---- Student's t ---- */

/* Continued fraction for I_x(a, b) (NR's betacf), by the modified Lentz method. */
static double betacf(double a, double b, double x)
{
    const double tiny = 1e-300, eps = 1e-16;
    double qab = a + b, qap = a + 1.0, qam = a - 1.0;
    double c = 1.0, d = 1.0 - qab * x / qap;
    if (fabs(d) < tiny) d = tiny;
    d = 1.0 / d;
    double h = d;
    for (int m = 1; m <= 100000; m++) {
        int m2 = 2 * m;
        double aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1.0 + aa * d;
        if (fabs(d) < tiny) d = tiny;
        c = 1.0 + aa / c;
        if (fabs(c) < tiny) c = tiny;
        d = 1.0 / d;
        h *= d * c;
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1.0 + aa * d;
        if (fabs(d) < tiny) d = tiny;
        c = 1.0 + aa / c;
        if (fabs(c) < tiny) c = tiny;
        d = 1.0 / d;
        double del = d * c;
        h *= del;
        if (fabs(del - 1.0) < eps) break;
    }
    return h;
}

/* ln B(a, b) = lgamma(a) + lgamma(b) - lgamma(a + b). For b = 1/2 and large a the
 * three lgammas nearly cancel, so the asymptotic series of ln(Gamma(a + 1/2) / Gamma(a))
 * = ln(a)/2 - 1/(8a) + 1/(192a^3) - 1/(640a^5) + 17/(14336a^7) is used instead (error
 * below 2e-21 for a >= 100). */
static double lbeta(double a, double b)
{
    if (b == 0.5 && a >= 100.0) {
        double r = 1.0 / a, r2 = r * r;
        double lratio = 0.5 * log(a) -
                        r * (0.125 - r2 * (1.0 / 192 - r2 * (1.0 / 640 - r2 * 17.0 / 14336)));
        return lgam(0.5) - lratio;
    }
    return lgam(a) + lgam(b) - lgam(a + b);
}

/* ln P(T > t) for t >= 0, i.e. ln(I_x(df/2, 1/2) / 2) at x = df/(df+t^2), kept in logs
 * so that far tails neither underflow nor lose digits. */
static double t_log_upper(double t, double df)
{
    double t2 = t * t, a = 0.5 * df, b = 0.5;
    double x = df / (df + t2), y = t2 / (df + t2);
    if (y <= 0.0) return log(0.5);
    double lx = x > 0.5 ? log1p(-y) : log(x), ly = y > 0.5 ? log1p(-x) : log(y);
    double lbt = a * lx + b * ly - lbeta(a, b);
    if (x < (a + 1.0) / (a + b + 2.0)) return lbt + log(betacf(a, b, x) / a) - M_LN2;
    return log(0.5 * (1.0 - exp(lbt) * betacf(b, a, y) / b));
}

/* ln of the t density. */
static double t_log_density(double t, double df)
{
    return -lbeta(0.5 * df, 0.5) - 0.5 * log(df) - 0.5 * (df + 1.0) * log1p(t * t / df);
}

/* The standard normal quantile, Wichura's AS 241 (PPND16), about 1e-16 relative. */
static double norm_quantile(double p)
{
    double q = p - 0.5, r, x;
    if (fabs(q) <= 0.425) {
        r = 0.180625 - q * q;
        return q *
               (((((((2509.0809287301226727 * r + 33430.575583588128105) * r +
                     67265.770927008700853) * r + 45921.953931549871457) * r +
                   13731.693765509461125) * r + 1971.5909503065514427) * r +
                 133.14166789178437745) * r + 3.387132872796366608) /
               (((((((5226.495278852545925 * r + 28729.085735721942674) * r +
                     39307.89580009271061) * r + 21213.794301586595867) * r +
                   5394.1960214247511077) * r + 687.1870074920579083) * r +
                 42.313330701600911252) * r + 1.0);
    }
    r = q < 0 ? p : 1.0 - p;
    r = sqrt(-log(r));
    if (r <= 5.0) {
        r -= 1.6;
        x = (((((((7.7454501427834140764e-4 * r + 0.0227238449892691845833) * r +
                  0.24178072517745061177) * r + 1.27045825245236838258) * r +
                3.64784832476320460504) * r + 5.7694972214606914055) * r +
              4.6303378461565452959) * r + 1.42343711074968357734) /
            (((((((1.05075007164441684324e-9 * r + 5.475938084995344946e-4) * r +
                  0.0151986665636164571966) * r + 0.14810397642748007459) * r +
                0.68976733498510000455) * r + 1.6763848301838038494) * r +
              2.05319162663775882187) * r + 1.0);
    } else {
        r -= 5.0;
        x = (((((((2.01033439929228813265e-7 * r + 2.71155556874348757815e-5) * r +
                  0.0012426609473880784386) * r + 0.026532189526576123093) * r +
                0.29656057182850489123) * r + 1.7848265399172913358) * r +
              5.4637849111641143699) * r + 6.6579046435011037772) /
            (((((((2.04426310338993978564e-15 * r + 1.4215117583164458887e-7) * r +
                  1.8463183175100546818e-5) * r + 7.868691311456132591e-4) * r +
                0.0148753612908506148525) * r + 0.13692988092273580531) * r +
              0.59983220655588793769) * r + 1.0);
    }
    return q < 0 ? -x : x;
}

/* Hill's Algorithm 396: the t quantile for two-sided tail probability p2 (0 < p2 <= 1),
 * i.e. t with P(|T| > t) = p2. Good to a few digits; Newton does the rest. */
static double hill(double p2, double n)
{
    double a = 1.0 / (n - 0.5);
    double b = 48.0 / (a * a);
    double c = ((20700.0 * a / b - 98.0) * a - 16.0) * a + 96.36;
    double d = ((94.5 / (b + c) - 3.0) / b + 1.0) * sqrt(a * M_PI / 2.0) * n;
    double x = d * p2;
    double y = pow(x, 2.0 / n);
    if (y > 0.05 + a) {
        x = norm_quantile(0.5 * p2);
        y = x * x;
        if (n < 5) c += 0.3 * (n - 4.5) * (x + 0.6);
        c = (((0.05 * d * x - 5.0) * x - 7.0) * x - 2.0) * x + b + c;
        y = (((((0.4 * y + 6.3) * y + 36.0) * y + 94.5) / c - y - 3.0) / b + 1.0) * x;
        y = expm1(a * y * y);
    } else {
        y = ((1.0 / (((n + 6.0) / (n * y) - 0.089 * d - 0.822) * (n + 2.0) * 3.0) +
              0.5 / (n + 4.0)) * y - 1.0) * (n + 1.0) / (n + 2.0) + 1.0 / y;
    }
    return sqrt(n * y);
}

double stats_t_quantile(double p, int df)
{
    if (df < 1 || !(p >= 0.0 && p <= 1.0)) return NAN;
    if (p == 0.0) return -INFINITY;
    if (p == 1.0) return INFINITY;
    if (p == 0.5) return 0.0;
    double q = p < 0.5 ? p : 1.0 - p; /* upper tail of |t| */
    double sign = p < 0.5 ? -1.0 : 1.0;
    double n = df, t;
    if (df == 1) {
        t = 1.0 / tan(M_PI * q); /* Cauchy, exact; cot(pi q) keeps the far tail's digits */
    } else if (df == 2) {
        t = (1.0 - 2.0 * q) / sqrt(2.0 * q * (1.0 - q)); /* exact */
    } else {
        /* Newton on u = ln t for g(u) = ln P(T > t) - ln q: nearly linear in the tails
         * (P(T > t) ~ c t^-df), and g'(u) = -t f(t) / P(T > t). */
        double lq = log(q);
        t = hill(2.0 * q, n);
        if (!(t > 0.0 && isfinite(t))) t = -norm_quantile(q);
        for (int it = 0; it < 50; it++) {
            double ls = t_log_upper(t, n);
            double du = (ls - lq) / exp(log(t) + t_log_density(t, n) - ls);
            double next = t * exp(du);
            int done = fabs(du) <= 1e-15;
            t = next;
            if (done) break;
        }
    }
    return sign * t;
}

/* ---- quantiles and sorting ---- */

double stats_quantile_sorted(const double *sorted, int n, double p)
{
    if (n <= 0 || isnan(p)) return NAN;
    if (p <= 0.0) return sorted[0];
    if (p >= 1.0) return sorted[n - 1];
    double h = (n - 1) * p;
    int lo = (int)floor(h);
    if (lo >= n - 1) return sorted[n - 1];
    return sorted[lo] + (h - lo) * (sorted[lo + 1] - sorted[lo]);
}

static int cmp_nan_last(const void *pa, const void *pb)
{
    double a = *(const double *)pa, b = *(const double *)pb;
    if (isnan(a)) return isnan(b) ? 0 : 1;
    if (isnan(b)) return -1;
    return (a > b) - (a < b);
}

void stats_sort(double *x, int n)
{
    if (n > 1) qsort(x, (size_t)n, sizeof *x, cmp_nan_last);
}
