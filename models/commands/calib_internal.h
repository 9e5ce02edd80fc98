/* calib_internal.h: what the pieces of `careflow calibrate` share (private to
 * models/commands/calib*.c; see calib.h for the command and docs/calibrate.md for the
 * method).
 *
 *   calib.c        the driver: checks, the three stages on every rank alike, the
 *                  discrepancy, the local search and the posterior;
 *   calib_write.c  the result files (one output transaction), the calibrated run and
 *                  the plots, and the closing table.
 *
 * Invariant (byte-identical results): every number written is computed on rank 0 from
 * the simulated values gathered in point order (stages 1 and 3: sens__evaluate) or
 * computed on rank 0 in a fixed order (stage 2), each point's values depending only on
 * the scenario, the point and the seed (common random numbers). */
#ifndef MODELS_CALIB_INTERNAL_H
#define MODELS_CALIB_INTERNAL_H

#include <stddef.h>

#include "models/commands/calib.h"
#include "models/commands/sens.h"
#include "sim/outtx.h"

/* Where an evaluated point comes from (calibrate_points.csv's `stage`). */
#define CALIB_STAGE_MAP(X)     \
    X(CALIB_DESIGN, "design")  \
    X(CALIB_SEARCH, "search")  \
    X(CALIB_SCAN, "scan")      \
    X(CALIB_BOX, "posterior")

typedef enum calib_stage {
#define CALIB_STAGE_ENUM(e, s) e,
    CALIB_STAGE_MAP(CALIB_STAGE_ENUM)
#undef CALIB_STAGE_ENUM
    CALIB_STAGE_N
} calib_stage_t;

extern const char *const calib__stage_names[CALIB_STAGE_N];

#define CALIB__MAX_ROUNDS 5 /* posterior boxes */

typedef struct calib {
    const scenario_t *sc;     /* as loaded with the user's --set */
    const calib_opts_t *o;    /* the options */
    sens_opts_t so;           /* the same options for the point machinery */
    int k;                    /* uncertain parameters */
    int n_obs;                /* observed items */
    int reps;                 /* replications per point */
    int samples;              /* stage 1 design points; stage 3: 2x per round */
    const char **paths;       /* owned [k]: the parameters' --set paths */
    /* the discrepancy (rank 0) */
    unsigned char *use;       /* owned [n_obs]: 1 if item i is fitted */
    int n_use;                /* items fitted */
    double *s2;               /* owned [n_obs]: noise variance of item i (see calib.c) */
    double *prec;             /* owned [n_obs * n_obs]: the noise's precision matrix
                               * (fitted items; zero elsewhere; see calib.c) */
    int noise_df;             /* degrees of freedom of the pooled noise covariance */
    int full_cov;             /* 1: D uses the covariance; 0: the variances alone */
    double infl;              /* noise inflation c = max(1, Dmin / (n_use - k)) */
    /* every evaluated point (rank 0), in the order evaluated */
    int n_pts, cap_pts;
    unsigned char *stage;     /* owned [cap_pts]: calib_stage_t */
    double *u;                /* owned [cap_pts * k]: unit coordinates */
    double *D;                /* owned [cap_pts]: discrepancy */
    double *ybar;             /* owned [cap_pts * n_obs]: mean simulated value per item */
    int *round;               /* owned [cap_pts]: posterior box round, or -1 */
    double *w;                /* owned [cap_pts]: posterior weight (box points), else 0 */
    /* the search (rank 0) */
    int best;                 /* the point of least D */
    int n_search;             /* search evaluations */
    int nm_iter;              /* Nelder-Mead iterations */
    double *cond;             /* owned [2k]: conditional half-widths (low, high sides) */
    /* the posterior boxes (every rank; broadcast from rank 0) */
    int n_rounds;
    double box[CALIB__MAX_ROUNDS][2][64]; /* [round][lo/hi][parameter] (k <= 64) */
    int box_n[CALIB__MAX_ROUNDS];         /* points in each round */
    /* the posterior (rank 0) */
    double *est, *lo, *hi, *med;  /* owned [k] each, parameter units */
    double ess;               /* effective sample size of the weights */
    unsigned long long at_bound; /* bit i: parameter i's interval reaches a prior bound */
    unsigned long long cut;   /* bit i: a face of the last box on axis i still carried
                               * weight (the box, not the posterior, ends the interval) */
    double wall0;             /* progress_now() at the start */
    outtx_t tx;               /* rank 0: the output transaction */
    int have_tx;
} calib_t;

/* Whether an observed item is fitted (calibrate_items.csv's fitted_item and note). */
enum { CALIB_ITEM_FIT, CALIB_ITEM_START, CALIB_ITEM_OUTSIDE };
int calib__item_use(const scenario_t *sc, int i);

/* Parameter i's value at unit coordinate x, and its --set text. */
double calib__value(const calib_t *c, int i, double x);
void calib__text(const calib_t *c, int i, double x, char *buf, size_t len);

/* calib_write.c: writes the result files, runs the calibrated scenario into the same
 * set (its summary, time series, fit and plots), draws the calibration's own plots and
 * commits (rank 0). 0, or SIM_E* with err. */
int calib__write(calib_t *c, char *err, size_t errlen);
/* The closing table on stderr (rank 0, unless quiet). */
void calib__report(const calib_t *c);

#endif
