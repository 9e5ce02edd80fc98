/* dist.h: duration (and other) distributions: sampling, moments, CDF and survival,
 * quantiles, the stationary residual-life (equilibrium) sampler and the conditional
 * residual life of a stay already under way (dist_sample_after).
 *
 * A dist_t is filled by the caller (kind and its parameters) then dist_init() checks
 * it and derives the internal parameters. Parameters are as users write them:
 * exponential(mean); gamma(mean, sd); lognormal(mean, sd) of the value itself, not of
 * its log; weibull(shape, scale); uniform(min, max); fixed(value);
 * empirical(cdf points (x_i, p_i)): piecewise linear CDF, x increasing, p
 * non-decreasing from 0 to 1 (the end values may be off by 1e-9 and are then taken as
 * exactly 0 and 1). */
#ifndef SIM_DIST_H
#define SIM_DIST_H

#include "sim/err.h"
#include "sim/rng.h"

/* X-macro: enum value, name as written in YAML. */
#define DIST_KIND_MAP(X)              \
    X(DIST_EXPONENTIAL, "exponential") \
    X(DIST_GAMMA, "gamma")             \
    X(DIST_LOGNORMAL, "lognormal")     \
    X(DIST_WEIBULL, "weibull")         \
    X(DIST_UNIFORM, "uniform")         \
    X(DIST_FIXED, "fixed")             \
    X(DIST_EMPIRICAL, "empirical")

typedef enum dist_kind {
#define DIST_ENUM(e, s) e,
    DIST_KIND_MAP(DIST_ENUM)
#undef DIST_ENUM
    DIST_KIND_N
} dist_kind_t;

/* Error codes returned (negated) by dist_init, named by dist_strerror. They are
 * numbered from 101, so that no -DIST_E* is also a SIM_E* of sim/err.h (dist_copy's
 * out of memory is SIM_ENOMEM) nor a -SA_E* of sim/sa.h (numbered from 201). */
#define DIST_ERR_MAP(X)                                                     \
    X(DIST_EKIND, "unknown distribution")                                   \
    X(DIST_EPARAM, "parameter must be a finite number")                     \
    X(DIST_EPOSITIVE, "mean, sd, shape and scale must be greater than 0")   \
    X(DIST_ENEGATIVE, "durations cannot be negative")                       \
    X(DIST_ERANGE, "min must not be greater than max")                      \
    X(DIST_ECDF, "empirical cdf needs at least 2 points, days increasing, " \
                 "p non-decreasing from 0 to 1")

enum {
    DIST_OK = 0,
    DIST_ERR_BASE_ = 100, /* not a code: the module's codes follow */
#define DIST_ERR_ENUM(e, s) e,
    DIST_ERR_MAP(DIST_ERR_ENUM)
#undef DIST_ERR_ENUM
};

typedef struct dist {
    dist_kind_t kind;  /* public: which family */
    double mean, sd;   /* public: exponential (mean), gamma and lognormal (mean, sd) */
    double shape;      /* public: weibull shape k */
    double scale;      /* public: weibull scale lambda */
    double min, max;   /* public: uniform bounds */
    double value;      /* public: fixed value */
    int n;             /* public: empirical: number of cdf points */
    double *x, *p;     /* public: empirical points, owned by the dist (dist_free) */
    double a, b, c;    /* private: derived by dist_init (e.g. gamma k and theta,
                        * lognormal mu and sigma, the mean) */
    double gd, gc;     /* private: gamma with k >= 1: Marsaglia and Tsang's d = k - 1/3
                        * and c = 1 / sqrt(9 d), computed once by dist_init (gc 0:
                        * not computed) */
} dist_t;

/* Names: "gamma" -> DIST_GAMMA; returns -1 for an unknown name. */
int dist_kind_from_name(const char *name);
const char *dist_kind_name(dist_kind_t k);

/* Checks parameters and derives internals. Returns 0 or -DIST_E*; on error d is
 * unchanged apart from its private fields. `nonneg` requires support >= 0 (durations). */
int dist_init(dist_t *d, int nonneg);
const char *dist_strerror(int err);

/* Frees the empirical arrays (if any) and zeroes them; safe on any initialised dist. */
void dist_free(dist_t *d);

/* Deep copy (the empirical arrays are duplicated). Returns 0, or SIM_ENOMEM with dst
 * untouched. */
int dist_copy(dist_t *dst, const dist_t *src);

double dist_sample(const dist_t *d, rng_t *r);
double dist_mean(const dist_t *d);
double dist_var(const dist_t *d);
double dist_cdf(const dist_t *d, double x);

/* E[min(X, cap)]: the mean of X cut off at cap (for a stay that ends early at cap, the
 * mean stay). Exact for every family (incomplete gamma and normal tails for gamma,
 * weibull and lognormal; segment by segment for empirical). cap <= 0 gives cap when X
 * is non-negative (0 for cap = 0); cap = +inf gives the mean; NaN cap gives NaN. */
double dist_mean_capped(const dist_t *d, double cap);

/* The stationary (equilibrium) state of a renewal process with this duration: draws a
 * length-biased total T (density x f(x) / mean) and a uniform U, and returns
 * *elapsed = U T and *remaining = (1 - U) T. *remaining then has the residual-life
 * density (1 - F(x)) / mean, and the pair is jointly right. Fixed durations give
 * remaining uniform on [0, value]; exponential gives remaining exponential. */
void dist_sample_residual(const dist_t *d, rng_t *r, double *elapsed, double *remaining);

/* S(x) = P(X > x) = 1 - F(x), computed on its own (not as 1 - dist_cdf) so that it
 * keeps its relative accuracy deep in the tail (gamma and lognormal on the log scale). */
double dist_survival(const dist_t *d, double x);

/* The p-quantile: the smallest x with F(x) >= p for continuous families (the largest on
 * a flat stretch of an empirical cdf); p outside [0, 1] gives NaN. */
double dist_quantile(const dist_t *d, double p);

/* The time left of a duration T that has already lasted `elapsed`: a draw of T - e
 * given T > e (e = elapsed), for a stay that began before it is observed.
 *   exponential  a fresh draw (memoryless);
 *   uniform      exact: uniform on [max(e, min), max] minus e;
 *   fixed        value - e;
 *   gamma, lognormal, weibull: inversion of the survival function on (0, S(e)), done
 *                on the log scale so it stays accurate and finite however deep in the
 *                tail e is (weibull in closed form, lognormal through the normal
 *                quantile, gamma by safeguarded Newton on ln Q; no rejection loop);
 *   empirical    inversion of the piecewise-linear cdf on (F(e), 1).
 * Beyond the support (S(e) == 0: e at or past a fixed value, a uniform's max, or an
 * empirical cdf's last point) the stay ends at once: the result is 0. elapsed <= 0
 * conditions nothing away: the result is an ordinary draw plus |elapsed|. Uses one or
 * two uniforms of r (an ordinary draw's worth for exponential and elapsed <= 0). */
double dist_sample_after(const dist_t *d, rng_t *r, double elapsed);

/* Building blocks, exposed for other samplers: a standard normal; a gamma(shape, 1). */
double dist_std_normal(rng_t *r);
double dist_std_gamma(rng_t *r, double shape);

#endif
