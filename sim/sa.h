/* sa.h: global sensitivity analysis, generic (knows nothing of social care): the
 * distributions of uncertain inputs, experimental designs in the unit hypercube and the
 * estimators that turn a design's outputs into sensitivity indices.
 *
 * Layouts follow SALib (https://salib.readthedocs.io), so a design and its outputs can
 * be analysed there too:
 *  - Sobol (Saltelli 2010, first and total order only): N base rows, each a block of
 *    k + 2 rows A_j, AB_j^(1), ..., AB_j^(k), B_j, where AB^(i) is A with column i
 *    taken from B; A and B are the two halves of a 2k-dimensional scrambled Sobol
 *    point (sim/sobol.h). N(k+2) rows in all.
 *  - Morris: r trajectories of k + 1 consecutive rows on a p-level grid; row t+1
 *    differs from row t in one coordinate by +-delta, delta = p / (2 (p - 1)).
 *  - Latin hypercube: n rows, each column a random permutation of the n strata with a
 *    uniform point in each stratum.
 * Saltelli designs are in [0, 1)^k and Latin hypercubes in (0, 1)^k; Morris grid
 * points are the multiples of 1/(p - 1) in [0, 1], 0 and 1 included (the quantile
 * clamps u, so 1 is a valid input). sa_param_quantile() maps a coordinate to a value.
 *
 * Estimators:
 *  - S1 (Saltelli et al. 2010, eq. (b) of table 2): mean((f(B) - m) (f(AB_i) - f(A))) / V,
 *    m the mean of the 2N values f(A), f(B): centring (as SALib's normalisation of Y)
 *    keeps the estimate's variance from growing with the output's level;
 *  - ST (Jansen 1999): mean((f(A) - f(AB_i))^2) / 2 / V;
 *    V the variance (divisor n) of the 2N values f(A), f(B) together;
 *  - conf: the half-width of a 95% interval, 1.959964 x the standard deviation of the
 *    estimate over bootstrap resamples of the N base rows (as SALib's `*_conf`);
 *  - Morris (Campolongo et al. 2007): the elementary effect of a step is
 *    (f(after) - f(before)) / (+-delta); mu and mu* are the means of the effects and
 *    of their absolute values, sigma their standard deviation (divisor r - 1), and
 *    mu*_conf the bootstrap half-width of mu*.
 * Every function draws only from the rng_t it is given. Functions return 0 or a
 * negative SA_E* code (sa_strerror). */
#ifndef SIM_SA_H
#define SIM_SA_H

#include <stddef.h>

#include "sim/err.h"
#include "sim/rng.h"

/* Codes are returned negated. Out of memory is sim/err.h's own code (-SA_ENOMEM ==
 * SIM_ENOMEM); the others are this module's, numbered from 201 so that no -SA_E* is
 * also a SIM_E* (nor a -DIST_E*, numbered from 101): sa_strerror names them, and
 * sim_strerror names only -SA_ENOMEM. */
#define SA_ERR_MAP(X)                                                          \
    X(SA_ESIZE, "design size out of range")                                    \
    X(SA_EPARAM, "distribution parameters out of range")                       \
    X(SA_EVAR, "the outputs do not vary: indices are undefined")

enum {
    SA_OK = 0,
    SA_ENOMEM = -SIM_ENOMEM, /* "out of memory" */
    SA_ERR_BASE_ = 200,      /* not a code: the module's codes follow */
#define SA_ERR_ENUM(e, s) e,
    SA_ERR_MAP(SA_ERR_ENUM)
#undef SA_ERR_ENUM
};
const char *sa_strerror(int err); /* err is 0 or negative */

/* ---- distributions of uncertain inputs ------------------------------------------ */

#define SA_DIST_MAP(X)                  \
    X(SA_UNIFORM, "uniform")            \
    X(SA_TRIANGULAR, "triangular")      \
    X(SA_NORMAL, "normal")              \
    X(SA_LOGNORMAL, "lognormal")        \
    X(SA_CHOICE, "choice")              \
    X(SA_INTEGER, "integer")

typedef enum sa_dist_kind {
#define SA_DIST_ENUM(e, s) e,
    SA_DIST_MAP(SA_DIST_ENUM)
#undef SA_DIST_ENUM
    SA_DIST_N
} sa_dist_kind_t;

typedef struct sa_param {
    sa_dist_kind_t kind; /* public: the family */
    double min, max;     /* public: uniform, triangular, integer (inclusive), and the
                          * truncation range of normal (-inf / +inf: not truncated) */
    double mode;         /* public: triangular */
    double mean, sd;     /* public: normal (before truncation); lognormal: of the value
                          * itself, not its log (as sim/dist.h) */
    int n_choices;       /* public: choice: how many values (1..) */
    const double *weights; /* public: choice: n_choices weights > 0 (need not sum to 1),
                          * or NULL for equal weights; borrowed, not copied */
} sa_param_t;

int sa_dist_from_name(const char *name); /* -1 if unknown */
const char *sa_dist_name(sa_dist_kind_t k);

/* Checks p's parameters: 0 or -SA_EPARAM. Every field the kind uses must be a number
 * (NaN never passes); finite unless said otherwise:
 *   uniform     min <= max (min == max: a constant);
 *   triangular  min < max, min <= mode <= max;
 *   normal      sd > 0, min < max, where min may be -inf and max +inf (so a zeroed
 *               struct, min == max == 0, is rejected rather than read as a point);
 *   lognormal   mean > 0, sd > 0;
 *   choice      n_choices >= 1, weights NULL or each > 0 with a finite sum;
 *   integer     min <= max, both whole numbers, max - min < 2^53;
 *   an unknown kind is rejected. */
int sa_param_check(const sa_param_t *p);

/* The value at probability u in (0, 1) (u is clamped to [2^-33, 1 - 2^-33]): the
 * inverse CDF. choice: the 0-based index of the chosen value; integer: an integer in
 * [min, max], each with probability 1 / (max - min + 1). p must pass sa_param_check
 * (an unknown kind gives NaN); a NaN u gives NaN. */
double sa_param_quantile(const sa_param_t *p, double u);

/* Standard normal inverse CDF (Wichura's AS241, relative error about 1e-16). */
double sa_normal_quantile(double p);

/* ---- designs (X: rows x k, row-major, caller-allocated) -------------------------- */

/* Sobol / Saltelli: n base rows (n >= 2), k >= 1, 2k <= SOBOL_MAX_DIMS. X holds
 * n (k + 2) x k values. Use a power of two for n: the Sobol points are balanced then.
 * Returns 0, -SA_ESIZE (sizes out of range) or -SA_ENOMEM. */
int sa_saltelli_design(int k, int n, rng_t *r, double *X);

/* Morris: r_traj trajectories (>= 2) on `levels` levels (even, >= 2): X holds
 * r_traj (k + 1) x k values, grid points in [0, 1] (see above). Returns 0, -SA_ESIZE or
 * -SA_ENOMEM. */
int sa_morris_design(int k, int r_traj, int levels, rng_t *r, double *X);

/* Latin hypercube: n rows (>= 1); values in (0, 1). Returns 0 or -SA_ESIZE. */
int sa_lhs_design(int k, int n, rng_t *r, double *X);

/* ---- estimators ------------------------------------------------------------------ */

typedef struct sa_sobol {
    double *S1, *S1_conf, *ST, *ST_conf; /* [k] each, caller-allocated */
} sa_sobol_t;

/* Y: the n (k + 2) outputs of a Saltelli design, in its row order. Uses only the first
 * n_use base rows (2 <= n_use <= n; for convergence curves). n_boot bootstrap resamples
 * (SALib: 100) drawn from *r; with n_boot < 2 the confs are NaN. A resample whose
 * outputs do not vary counts as indices 0 (as SALib). NaN outputs give NaN indices.
 * Returns 0, -SA_ESIZE, -SA_EVAR or -SA_ENOMEM; on error *out is not written. */
int sa_sobol_analyze(int k, int n, int n_use, const double *Y, int n_boot, rng_t *r,
                     sa_sobol_t *out);

typedef struct sa_morris {
    double *mu, *mu_star, *sigma, *mu_star_conf; /* [k] each, caller-allocated */
} sa_morris_t;

/* X, Y: a Morris design (as sa_morris_design made it) and its outputs; r_traj >= 1
 * (sigma is 0 for one trajectory), n_boot as for Sobol. Returns 0, -SA_ESIZE,
 * -SA_EPARAM (X is not a Morris design on these levels: a step changes no coordinate,
 * or more than one, or not by delta (to 1e-9), or a coordinate changes twice in a
 * trajectory) or -SA_ENOMEM; on error *out is not written. */
int sa_morris_analyze(int k, int r_traj, int levels, const double *X, const double *Y,
                      int n_boot, rng_t *r, sa_morris_t *out);

#endif
