/* calib.c: `careflow calibrate`, the driver (see calib.h, calib_internal.h and
 * docs/calibrate.md).
 *
 * The fit, on every MPI rank alike (rank 0 alone where said):
 *  1. design: `samples` scrambled Sobol points over the unit cube, each coordinate
 *     mapped through its parameter's inverse CDF (so the points spread as the prior),
 *     each simulated with the same R replications (common random numbers) through
 *     sens__evaluate (threads, ranks, resume: tag calib-design). Rank 0 sets the
 *     items' noise covariance from the replications (noise_precision) and computes
 *     every point's discrepancy
 *         D(theta) = r' P r,  r_i = ybar_i(theta) - o_i,
 *     ybar_i the mean over replications of fitted item i, P the noise's precision
 *     (start-day stocks and items outside the period are not fitted);
 *  2. search (rank 0, on its threads): GSL's Nelder-Mead simplex
 *     (gsl_multimin_fminimizer_nmsimplex2) in unit coordinates from the best design
 *     point, each evaluation the same R replications (so D is a deterministic function
 *     of theta), then a scan along each axis from the optimum for the distance at which
 *     D rises by 4c (a conditional two-sigma half-width), c = max(1, Dmin / (n_use -
 *     k)) the misfit correction;
 *  3. posterior: approximate-Bayesian, posterior proportional to prior x exp(-D/2c).
 *     Rounds of 4 x `samples` Sobol points uniform in a box of unit coordinates
 *     (tag calib-boxR), simulated as in stage 1: the first box is twice the scanned
 *     half-widths each side of the best point, clipped to the cube; each later one the
 *     weighted points' mean +- 4 sd, a side whose face still carried weight (a point
 *     in its outer quarter within D + 9.2c of the best) at least doubled. Another round
 *     while a face carried weight, or while the effective sample size is under 100 and
 *     the box can shrink by half; at most CALIB__MAX_ROUNDS. The rounds are pooled by
 *     their mixture density (the prior is uniform in unit coordinates), so
 *     weight_p = exp(-(D_p - Dmin)/2c) / sum_r n_r [u_p in box r] / vol_r. The interval
 *     is the weighted 2.5% and 97.5% quantiles of each parameter; a face still hot
 *     after the last round is flagged (box_cut).
 * Stage 2 keeps no checkpoint: resuming runs it again (deterministically). Every unit
 * coordinate is clipped to [U_EDGE, 1 - U_EDGE], and checks() tries each prior at those
 * two ends before anything is simulated.
 * The estimate is the evaluated point of least D. calib_write.c writes the files.
 *
 * The boxes are decided on rank 0 and broadcast, so every rank builds the same points;
 * before each step that needs every rank the ranks agree on their statuses, as in
 * sens.c. */
#include "models/commands/calib.h"

#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_multimin.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "models/commands/calib_internal.h"
#include "models/commands/cluster.h"
#include "models/commands/run.h"
#include "models/commands/sens_internal.h"
#include "sim/cal.h"
#include "sim/mem.h"
#include "sim/progress.h"
#include "sim/sa.h"
#include "sim/signals.h"
#include "sim/sobol.h"

#define MAX_PARAMS 64
#define U_EDGE 0.0005      /* the search keeps unit coordinates in [U_EDGE, 1 - U_EDGE] */
#define SCAN_RISE 4.0      /* the scan's rise in D: a conditional two-sigma half-width */
#define BOX_SCALE 2.0      /* the first box: this many scanned half-widths each side */
#define FACE_RISE 9.2      /* a face point within this of Dmin (weight > 1%) widens it */
#define FACE_SLAB 0.25     /* the outer share of a side's half-width that is its face */
#define BOX_SD 4.0         /* a later box: the weighted mean +- this many sd */
#define ESS_WANTED 100.0   /* below it, a box that can shrink by half gets another round */
#define NOISE_FLOOR 1.0    /* least noise variance of an item (a count's unit) */
#define NOISE_POINTS 4     /* the noise is pooled over the best eighth of the design
                            * points, and at least this many */
#define COV_SHRINK 0.05    /* the noise correlations are shrunk by this share */

const char *const calib__stage_names[CALIB_STAGE_N] = {
#define CALIB_STAGE_NAME(e, s) s,
    CALIB_STAGE_MAP(CALIB_STAGE_NAME)
#undef CALIB_STAGE_NAME
};

/* ---- values ------------------------------------------------------------------------- */

/* Every value calibrate uses comes from a unit coordinate clipped to [U_EDGE,
 * 1 - U_EDGE] (an unbounded prior's 0 or 1 would be infinite); checks() tests the two
 * ends, so no point can break the scenario mid-run. */
static double clip_u(double x)
{
    return x < U_EDGE ? U_EDGE : x > 1 - U_EDGE ? 1 - U_EDGE : x;
}

double calib__value(const calib_t *c, int i, double x)
{
    const scn_uncertain_t *u = &c->sc->uncertain[i];
    double v = sens__param_value(u, clip_u(x), 0);
    char t[SENS__VALUE_LEN];
    sens__value_text(u, v, t, sizeof t); /* the value as set: integers rounded */
    return strtod(t, NULL);
}

void calib__text(const calib_t *c, int i, double x, char *buf, size_t len)
{
    const scn_uncertain_t *u = &c->sc->uncertain[i];
    sens__value_text(u, sens__param_value(u, clip_u(x), 0), buf, len);
}

/* Whether observed item i can be fitted: CALIB_ITEM_FIT, or why not. A stock on the
 * start day is the initial count itself (no information about the parameters); an
 * item outside the simulated period has no simulated value. */
int calib__item_use(const scenario_t *sc, int i)
{
    const scn_observed_t *o = &sc->observed[i];
    if (o->metric == SCN_OBS_STOCK) {
        if (o->day == 0)
            return CALIB_ITEM_START;
        return o->day > 0 && o->day <= sc->horizon ? CALIB_ITEM_FIT : CALIB_ITEM_OUTSIDE;
    }
    return o->from >= 0 && o->to <= sc->horizon + 1e-9 ? CALIB_ITEM_FIT : CALIB_ITEM_OUTSIDE;
}

/* ---- the points table (rank 0) ------------------------------------------------------ */

/* D = r' P r, r the misfits of the fitted items, P the noise's precision matrix. */
static double discrepancy(const calib_t *c, const double *ybar)
{
    int m = c->n_obs;
    double D = 0;
    for (int i = 0; i < m; i++) {
        if (!c->use[i])
            continue;
        double di = ybar[i] - c->sc->observed[i].value;
        for (int j = 0; j < m; j++)
            if (c->use[j])
                D += di * c->prec[(size_t)i * m + j] * (ybar[j] - c->sc->observed[j].value);
    }
    return D;
}

static int add_point(calib_t *c, calib_stage_t st, const double *u, const double *ybar,
                     int round)
{
    if (c->n_pts == c->cap_pts) {
        int cap = c->cap_pts ? 2 * c->cap_pts : 256;
        unsigned char *s2 = mem_reallocarray(c->stage, (size_t)cap, 1);
        if (s2)
            c->stage = s2;
        double *u2 = mem_reallocarray(c->u, (size_t)cap * (size_t)c->k, sizeof *u2);
        if (u2)
            c->u = u2;
        double *d2 = mem_reallocarray(c->D, (size_t)cap, sizeof *d2);
        if (d2)
            c->D = d2;
        double *y2 = mem_reallocarray(c->ybar, (size_t)cap * (size_t)c->n_obs, sizeof *y2);
        if (y2)
            c->ybar = y2;
        int *r2 = mem_reallocarray(c->round, (size_t)cap, sizeof *r2);
        if (r2)
            c->round = r2;
        double *w2 = mem_reallocarray(c->w, (size_t)cap, sizeof *w2);
        if (w2)
            c->w = w2;
        if (!s2 || !u2 || !d2 || !y2 || !r2 || !w2)
            return SIM_ENOMEM;
        c->cap_pts = cap;
    }
    int p = c->n_pts++;
    c->stage[p] = (unsigned char)st;
    memcpy(&c->u[(size_t)p * c->k], u, (size_t)c->k * sizeof *u);
    memcpy(&c->ybar[(size_t)p * c->n_obs], ybar, (size_t)c->n_obs * sizeof *ybar);
    c->round[p] = round;
    c->w[p] = 0;
    c->D[p] = discrepancy(c, ybar);
    if (c->best < 0 || c->D[p] < c->D[c->best])
        c->best = p;
    return 0;
}

/* ---- simulating a set of points through sens__evaluate ------------------------------ */

/* Simulates the n points U[n * k] (unit coordinates) on every rank; on rank 0 val holds
 * their values (w is the caller's to free with sens__sweep_free). */
static int eval_points(calib_t *c, const char *tag, int n, const double *U, sens__sweep_t *w,
                       char *err, size_t errlen)
{
    memset(w, 0, sizeof *w);
    pthread_mutex_init(&w->mu, NULL);
    w->sc = c->sc;
    w->o = &c->so;
    w->k = c->k;
    w->paths = c->paths;
    w->tag = tag;
    w->n_pts = n;
    w->reps = c->reps;
    w->n_obs = c->n_obs;
    int rc = 0;
    if (!(w->U = mem_reallocarray(NULL, (size_t)n * (size_t)c->k, sizeof *w->U)) ||
        !(w->vtext = mem_calloc((size_t)n * (size_t)c->k, SENS__VALUE_LEN)))
        rc = sim_err_set(err, errlen, SIM_ENOMEM, "out of memory");
    else if (model_plan_init(&w->plan, c->sc) != 0)
        rc = sim_err_set(err, errlen, SIM_ENOMEM, "out of memory");
    else
        w->have_plan = 1;
    if (rc == 0) {
        memcpy(w->U, U, (size_t)n * (size_t)c->k * sizeof *U);
        for (int p = 0; p < n; p++)
            for (int i = 0; i < c->k; i++)
                calib__text(c, i, U[(size_t)p * c->k + i], sens__vt(w, p, i), SENS__VALUE_LEN);
        w->block = (size_t)c->reps * (size_t)c->n_obs;
    }
    if ((rc = cluster_agree(rc)) != 0)
        return rc;
    return sens__evaluate(w, err, errlen);
}

/* Point p's mean per item over replications (NaN if any replication has none). */
static void point_means(const calib_t *c, const sens__sweep_t *w, int p, double *ybar)
{
    const double *blk = &w->val[(size_t)p * w->block];
    for (int i = 0; i < c->n_obs; i++) {
        double s = 0;
        for (int r = 0; r < c->reps; r++)
            s += blk[(size_t)r * c->n_obs + i];
        ybar[i] = s / c->reps;
    }
}

/* n Sobol points in the box lo..hi, from the stream of `what` and round. */
static int box_design(const calib_t *c, const char *what, int round, int n, const double *lo,
                      const double *hi, double *U, char *err, size_t errlen)
{
    sobol_t s;
    rng_t r;
    rng_derive(&r, c->sc->seed, rng_hash_str(what), (uint64_t)round, 0);
    if (sobol_init(&s, c->k, &r) != 0)
        return sim_err_set(err, errlen, SIM_ENOMEM, "out of memory");
    for (int p = 0; p < n; p++) {
        double *x = &U[(size_t)p * c->k];
        sobol_next(&s, x);
        for (int i = 0; i < c->k; i++)
            x[i] = lo[i] + (hi[i] - lo[i]) * x[i];
    }
    sobol_free(&s);
    return 0;
}

/* ---- stage 1: the design ------------------------------------------------------------ */

typedef struct { double d; int p; } rank_t;

static int by_d(const void *a, const void *b)
{
    const rank_t *x = a, *y = b;
    return x->d < y->d ? -1 : x->d > y->d ? 1 : x->p - y->p;
}

/* Rank 0: the precision matrix P of the fitted items' noise. The replications of the
 * nb best design points give the pooled covariance S of one realisation (df = nb (R -
 * 1) degrees of freedom); the noise of a misfit ybar - o is S (1 + 1/R) (the observed
 * count's own noise and that of the mean of R). Stocks on nearby dates, and a stage's
 * stock beside a total holding it, are strongly correlated: treating them as
 * independent counts the same children twice and makes the intervals too narrow. S is
 * shrunk a little towards its diagonal (COV_SHRINK: it must stay invertible when items
 * nearly repeat each other), its diagonal taken from s2 (floored), and its inverse
 * scaled by (df - q - 1) / df, q the fitted items, the factor that makes the
 * inverse of an estimated covariance an unbiased estimate of the precision (Hartlap et
 * al. 2007). With too few degrees of freedom (df < 2 q + 2) or a matrix that will not
 * factor, P is the diagonal 1 / s2 alone. */
static int noise_precision(calib_t *c, const sens__sweep_t *w, const double *ybar,
                           const rank_t *rk, int nb, char *err, size_t errlen)
{
    int m = c->n_obs, R = c->reps, q = 0;
    int *ix = mem_calloc((size_t)m + 1, sizeof *ix);
    if (!ix)
        return sim_err_set(err, errlen, SIM_ENOMEM, "out of memory");
    for (int i = 0; i < m; i++)
        if (c->use[i])
            ix[q++] = i;
    memset(c->prec, 0, (size_t)m * (size_t)m * sizeof *c->prec);
    for (int a = 0; a < q; a++)
        c->prec[(size_t)ix[a] * m + ix[a]] = 1 / c->s2[ix[a]];
    c->noise_df = nb * (R - 1);
    c->full_cov = 0;
    int df = c->noise_df;
    if (q < 2 || df < 2 * q + 2) {
        mem_free(ix);
        return 0;
    }
    gsl_matrix *S = gsl_matrix_calloc((size_t)q, (size_t)q);
    if (!S) {
        mem_free(ix);
        return sim_err_set(err, errlen, SIM_ENOMEM, "out of memory");
    }
    for (int j = 0; j < nb; j++) {
        int p = rk[j].p;
        for (int r = 0; r < R; r++) {
            const double *y = &w->val[(size_t)p * w->block + (size_t)r * m];
            for (int a = 0; a < q; a++)
                for (int b = 0; b <= a; b++) {
                    double v = (y[ix[a]] - ybar[(size_t)p * m + ix[a]]) *
                               (y[ix[b]] - ybar[(size_t)p * m + ix[b]]);
                    *gsl_matrix_ptr(S, (size_t)a, (size_t)b) += v;
                }
        }
    }
    /* correlations from the pooled sums, scaled to the (floored) variances s2 */
    for (int a = 0; a < q; a++)
        for (int b = 0; b < a; b++) {
            double saa = gsl_matrix_get(S, (size_t)a, (size_t)a);
            double sbb = gsl_matrix_get(S, (size_t)b, (size_t)b);
            double rho = saa > 0 && sbb > 0 ? gsl_matrix_get(S, (size_t)a, (size_t)b) /
                                                  sqrt(saa * sbb)
                                            : 0;
            double v = (1 - COV_SHRINK) * rho * sqrt(c->s2[ix[a]] * c->s2[ix[b]]);
            gsl_matrix_set(S, (size_t)a, (size_t)b, v);
            gsl_matrix_set(S, (size_t)b, (size_t)a, v);
        }
    for (int a = 0; a < q; a++)
        gsl_matrix_set(S, (size_t)a, (size_t)a, c->s2[ix[a]]);
    if (gsl_linalg_cholesky_decomp1(S) == GSL_SUCCESS &&
        gsl_linalg_cholesky_invert(S) == GSL_SUCCESS) {
        double h = (double)(df - q - 1) / df;
        for (int a = 0; a < q; a++)
            for (int b = 0; b < q; b++)
                c->prec[(size_t)ix[a] * m + ix[b]] = h * gsl_matrix_get(S, (size_t)a, (size_t)b);
        c->full_cov = 1;
    }
    gsl_matrix_free(S);
    mem_free(ix);
    return 0;
}

/* Rank 0: which items are fitted, their noise, and every design point's D. */
static int design_analyse(calib_t *c, const sens__sweep_t *w, char *err, size_t errlen)
{
    int n = w->n_pts, m = c->n_obs, R = c->reps;
    double *ybar = mem_reallocarray(NULL, (size_t)n * (size_t)m, sizeof *ybar);
    double *var = mem_reallocarray(NULL, (size_t)n * (size_t)m, sizeof *var);
    rank_t *rk = mem_reallocarray(NULL, (size_t)n, sizeof *rk);
    int rc = 0;
    if (!ybar || !var || !rk) {
        rc = sim_err_set(err, errlen, SIM_ENOMEM, "out of memory");
        goto out;
    }
    c->n_use = 0;
    for (int i = 0; i < m; i++) {
        c->use[i] = calib__item_use(c->sc, i) == CALIB_ITEM_FIT;
        for (int p = 0; p < n && c->use[i]; p++)
            for (int r = 0; r < R; r++)
                if (isnan(w->val[(size_t)p * w->block + (size_t)r * m + i]))
                    c->use[i] = 0;
        c->n_use += c->use[i];
    }
    for (int p = 0; p < n; p++) {
        point_means(c, w, p, &ybar[(size_t)p * m]);
        for (int i = 0; i < m; i++) {
            double s = 0;
            for (int r = 0; r < R && c->use[i]; r++) {
                double d = w->val[(size_t)p * w->block + (size_t)r * m + i] -
                           ybar[(size_t)p * m + i];
                s += d * d;
            }
            var[(size_t)p * m + i] = R > 1 ? s / (R - 1) : 0;
        }
    }
    /* what is not fitted, and why: a stock on the start day is the initial count (a
     * note), anything else has no simulated value (a warning) */
    for (int kind = 0; kind < 2 && c->n_use > 0 && !c->o->quiet; kind++) {
        int n_left = 0;
        for (int i = 0; i < m; i++)
            n_left += !c->use[i] && (calib__item_use(c->sc, i) == CALIB_ITEM_START) == !kind;
        if (n_left == 0)
            continue;
        if (kind == 0)
            fprintf(stderr, "careflow: note: %d stock item%s on the start day left out (%s the "
                            "initial count%s, not data):", n_left, n_left == 1 ? "" : "s",
                    n_left == 1 ? "it is" : "they are", n_left == 1 ? "" : "s");
        else
            fprintf(stderr, "careflow: warning: %d observed item%s outside the simulated "
                            "period not fitted:", n_left, n_left == 1 ? "" : "s");
        for (int i = 0, said = 0; i < m && said < 5; i++)
            if (!c->use[i] && (calib__item_use(c->sc, i) == CALIB_ITEM_START) == !kind) {
                char date[11];
                cal_format(c->sc->observed[i].date, date);
                fprintf(stderr, "%s %s %s", said++ ? "," : "", c->sc->observed[i].label, date);
            }
        fputs(n_left > 5 ? ", ...\n" : "\n", stderr);
    }
    if (c->n_use == 0) {
        rc = sim_err_set(err, errlen, SIM_EINVAL,
                         "%s: none of the %d observed items falls inside the simulated "
                         "period: nothing to fit", c->sc->path, m);
        goto out;
    }
    /* a first ranking with each point's own noise, then the noise pooled over the best
     * eighth of the points (at least 2): one realisation's variance, plus the variance
     * of the mean of R */
    for (int p = 0; p < n; p++) {
        double D = 0;
        for (int i = 0; i < m; i++)
            if (c->use[i]) {
                double d = ybar[(size_t)p * m + i] - c->sc->observed[i].value;
                double v = var[(size_t)p * m + i];
                D += d * d / ((v > NOISE_FLOOR ? v : NOISE_FLOOR) * (1.0 + 1.0 / R));
            }
        rk[p].d = D;
        rk[p].p = p;
    }
    qsort(rk, (size_t)n, sizeof *rk, by_d);
    int nb = n / 8 < NOISE_POINTS ? (n < NOISE_POINTS ? n : NOISE_POINTS) : n / 8;
    for (int i = 0; i < m; i++) {
        double s = 0;
        for (int j = 0; j < nb; j++)
            s += var[(size_t)rk[j].p * m + i];
        s /= nb;
        c->s2[i] = (s > NOISE_FLOOR ? s : NOISE_FLOOR) * (1.0 + 1.0 / R);
    }
    if ((rc = noise_precision(c, w, ybar, rk, n, err, errlen)) != 0)
        goto out;
    for (int p = 0; p < n && rc == 0; p++)
        if (add_point(c, CALIB_DESIGN, &w->U[(size_t)p * c->k], &ybar[(size_t)p * m], -1))
            rc = sim_err_set(err, errlen, SIM_ENOMEM, "out of memory");
out:
    mem_free(ybar);
    mem_free(var);
    mem_free(rk);
    return rc;
}

/* ---- stage 2: the search on rank 0 -------------------------------------------------- */

/* Simulates one point (unit coordinates u) with R replications on this process's
 * threads and adds it to the table as stage st. 0, or SIM_E* with err. */
static int eval_one(calib_t *c, calib_stage_t st, const double *u, char *err, size_t errlen)
{
    char **sets = mem_calloc((size_t)c->k, sizeof *sets);
    double *ybar = mem_calloc((size_t)c->n_obs + 1, sizeof *ybar);
    model_result_t *res = mem_calloc((size_t)c->reps, sizeof *res);
    scenario_t *ps = NULL;
    model_plan_t plan;
    int rc = 0, have_plan = 0, n_init = 0;
    char inner[1024];
    if (!sets || !ybar || !res) {
        rc = sim_err_set(err, errlen, SIM_ENOMEM, "out of memory");
        goto out;
    }
    for (int i = 0; i < c->k; i++) {
        char t[SENS__VALUE_LEN];
        calib__text(c, i, u[i], t, sizeof t);
        size_t len = strlen(c->paths[i]) + strlen(t) + 2;
        if (!(sets[i] = mem_alloc(len))) {
            rc = sim_err_set(err, errlen, SIM_ENOMEM, "out of memory");
            goto out;
        }
        snprintf(sets[i], len, "%s=%s", c->paths[i], t);
    }
    if ((rc = sens__vary(c->sc, (const char *const *)sets, c->k, &ps, inner, sizeof inner))) {
        sim_err_set(err, errlen, rc, "a point of the search makes the scenario invalid: %s",
                    sens__drop_error_word(inner));
        goto out;
    }
    ps->replications = c->reps;
    ps->seed = c->sc->seed;
    if (model_plan_init(&plan, ps) != 0) {
        rc = sim_err_set(err, errlen, SIM_ENOMEM, "out of memory");
        goto out;
    }
    have_plan = 1;
    for (; n_init < c->reps; n_init++)
        if (model_result_init(&res[n_init], ps, &plan) != 0) {
            rc = sim_err_set(err, errlen, SIM_ENOMEM, "out of memory");
            goto out;
        }
    if ((rc = run_replications(ps, &plan, res, c->o->threads, 0, err, errlen)) != 0)
        goto out;
    for (int i = 0; i < c->n_obs; i++) {
        double s = 0;
        for (int r = 0; r < c->reps; r++)
            s += res[r].obs[i];
        ybar[i] = s / c->reps;
    }
    if (add_point(c, st, u, ybar, -1) != 0)
        rc = sim_err_set(err, errlen, SIM_ENOMEM, "out of memory");
    if (st == CALIB_SEARCH)
        c->n_search++;
out:
    for (int i = 0; i < n_init; i++)
        model_result_free(&res[i]);
    if (have_plan)
        model_plan_free(&plan);
    scenario_free(ps);
    for (int i = 0; sets && i < c->k; i++)
        mem_free(sets[i]);
    mem_free(sets);
    mem_free(ybar);
    mem_free(res);
    return rc;
}

typedef struct nm_ctx {
    calib_t *c;
    int rc;          /* the first failure */
    char *err;
    size_t errlen;
    double *u;       /* scratch [k] */
} nm_ctx_t;

/* The objective: D at the clamped point (a huge value once something failed, which
 * ends the search). */
static double nm_f(const gsl_vector *x, void *params)
{
    nm_ctx_t *n = params;
    calib_t *c = n->c;
    if (n->rc != 0)
        return 1e300;
    for (int i = 0; i < c->k; i++)
        n->u[i] = clip_u(gsl_vector_get(x, (size_t)i));
    if ((n->rc = eval_one(c, CALIB_SEARCH, n->u, n->err, n->errlen)) != 0)
        return 1e300;
    return c->D[c->n_pts - 1];
}

static int search(calib_t *c, char *err, size_t errlen)
{
    int k = c->k, rc = 0;
    nm_ctx_t n = {.c = c, .err = err, .errlen = errlen, .u = mem_calloc((size_t)k, sizeof(double))};
    gsl_vector *x = gsl_vector_alloc((size_t)k), *ss = gsl_vector_alloc((size_t)k);
    gsl_multimin_fminimizer *m =
        gsl_multimin_fminimizer_alloc(gsl_multimin_fminimizer_nmsimplex2, (size_t)k);
    if (!n.u || !x || !ss || !m) {
        rc = sim_err_set(err, errlen, SIM_ENOMEM, "out of memory");
        goto out;
    }
    const double *u0 = &c->u[(size_t)c->best * k];
    for (int i = 0; i < k; i++) {
        double x0 = clip_u(u0[i]);
        gsl_vector_set(x, (size_t)i, x0);
        /* a first step of a tenth of the range, towards the middle */
        gsl_vector_set(ss, (size_t)i, x0 > 0.5 ? -0.1 : 0.1);
    }
    gsl_multimin_function f = {.f = nm_f, .n = (size_t)k, .params = &n};
    gsl_multimin_fminimizer_set(m, &f, x, ss);
    int max_evals = 60 * (k + 1);
    for (c->nm_iter = 0; c->nm_iter < 40 * (k + 1) && n.rc == 0 && c->n_search < max_evals;
         c->nm_iter++) {
        if (gsl_multimin_fminimizer_iterate(m) != GSL_SUCCESS)
            break;
        if (gsl_multimin_test_size(gsl_multimin_fminimizer_size(m), 1e-3) == GSL_SUCCESS)
            break;
    }
    rc = n.rc;
out:
    if (m)
        gsl_multimin_fminimizer_free(m);
    if (x)
        gsl_vector_free(x);
    if (ss)
        gsl_vector_free(ss);
    mem_free(n.u);
    return rc;
}

/* The distance along axis i, side dir (-1, +1), from the best point at which D has
 * risen by SCAN_RISE (or the distance to the cube's edge): bracketing by doubling from
 * 0.01, then three bisections. */
static int scan_axis(calib_t *c, int i, int dir, double *half, char *err, size_t errlen)
{
    int k = c->k, rc;
    double *u = mem_calloc((size_t)k, sizeof *u);
    if (!u)
        return sim_err_set(err, errlen, SIM_ENOMEM, "out of memory");
    memcpy(u, &c->u[(size_t)c->best * k], (size_t)k * sizeof *u);
    double x0 = u[i], D0 = c->D[c->best];
    double edge = dir > 0 ? 1 - U_EDGE - x0 : x0 - U_EDGE;
    double a = 0, b = -1, step = 0.01;
    *half = edge;
    while (edge > 0) {
        double t = step < edge ? step : edge;
        u[i] = x0 + dir * t;
        if ((rc = eval_one(c, CALIB_SCAN, u, err, errlen)) != 0)
            goto out;
        if (c->D[c->n_pts - 1] - D0 >= SCAN_RISE * c->infl) {
            b = t;
            break;
        }
        a = t;
        if (t >= edge)
            break;
        step *= 2;
    }
    if (b > 0) {
        for (int j = 0; j < 3; j++) {
            double t = (a + b) / 2;
            u[i] = x0 + dir * t;
            if ((rc = eval_one(c, CALIB_SCAN, u, err, errlen)) != 0)
                goto out;
            if (c->D[c->n_pts - 1] - D0 >= SCAN_RISE * c->infl)
                b = t;
            else
                a = t;
        }
        *half = (a + b) / 2;
    }
    rc = 0;
out:
    mem_free(u);
    return rc;
}

/* ---- stage 3: the posterior --------------------------------------------------------- */

/* Rank 0: the weights of every box point so far (mixture of the rounds' boxes), and
 * the next box, next[2][k]. Returns 1 for another round. */
static int posterior_weights(calib_t *c, double next[2][MAX_PARAMS])
{
    int k = c->k, nr = c->n_rounds, grow = 0;
    double vol[CALIB__MAX_ROUNDS], dmin = INFINITY;
    for (int r = 0; r < nr; r++) {
        vol[r] = 1;
        for (int i = 0; i < k; i++)
            vol[r] *= c->box[r][1][i] - c->box[r][0][i] > 0 ? c->box[r][1][i] - c->box[r][0][i]
                                                              : 1e-12;
    }
    for (int p = 0; p < c->n_pts; p++)
        if (c->stage[p] == CALIB_BOX && c->D[p] < dmin)
            dmin = c->D[p];
    double sw = 0, sw2 = 0;
    for (int p = 0; p < c->n_pts; p++) {
        if (c->stage[p] != CALIB_BOX)
            continue;
        const double *u = &c->u[(size_t)p * k];
        double q = 0;
        for (int r = 0; r < nr; r++) {
            int in = 1;
            for (int i = 0; i < k && in; i++)
                in = u[i] >= c->box[r][0][i] && u[i] <= c->box[r][1][i];
            if (in)
                q += c->box_n[r] / vol[r];
        }
        c->w[p] = q > 0 ? exp(-(c->D[p] - dmin) / (2 * c->infl)) / q : 0;
        sw += c->w[p];
    }
    for (int p = 0; p < c->n_pts; p++)
        if (c->stage[p] == CALIB_BOX) {
            c->w[p] /= sw;
            sw2 += c->w[p] * c->w[p];
        }
    c->ess = sw2 > 0 ? 1 / sw2 : 0;
    /* the next box: the weighted points' mean +- 4 sd on each axis (holding the best
     * point), a side whose face still carries weight (not the prior's edge) at least
     * doubled; another round if a face carried weight, or if the points were few and the
     * box shrinks by half or more */
    const double *ub = &c->u[(size_t)c->best * k];
    double v_last = 1, v_next = 1;
    c->cut = 0;
    for (int i = 0; i < k; i++) {
        double m = 0, s2 = 0;
        for (int p = 0; p < c->n_pts; p++)
            if (c->stage[p] == CALIB_BOX)
                m += c->w[p] * c->u[(size_t)p * k + i];
        for (int p = 0; p < c->n_pts; p++)
            if (c->stage[p] == CALIB_BOX) {
                double d = c->u[(size_t)p * k + i] - m;
                s2 += c->w[p] * d * d;
            }
        double sd = sqrt(s2);
        const double *lo = c->box[nr - 1][0], *hi = c->box[nr - 1][1];
        /* never narrower than a quarter of the last box on either side of the best
         * point (a posterior resting on one point has no spread to go by) */
        next[0][i] = fmax(0, fmin(ub[i] - 0.25 * (ub[i] - lo[i]), m - BOX_SD * sd));
        next[1][i] = fmin(1, fmax(ub[i] + 0.25 * (hi[i] - ub[i]), m + BOX_SD * sd));
        for (int side = 0; side < 2; side++) {
            double f = c->box[nr - 1][side][i];
            if (side == 0 ? f <= 0 : f >= 1)
                continue;
            double half = side == 0 ? ub[i] - f : f - ub[i];
            int hot = 0;
            for (int p = 0; p < c->n_pts && !hot; p++) {
                if (c->stage[p] != CALIB_BOX || c->round[p] != nr - 1)
                    continue;
                double x = c->u[(size_t)p * k + i];
                int in_slab = side == 0 ? x <= f + FACE_SLAB * half : x >= f - FACE_SLAB * half;
                hot = in_slab && c->D[p] - dmin < FACE_RISE * c->infl;
            }
            if (hot) {
                grow = 1;
                c->cut |= 1ULL << i; /* kept if this was the last round */
                if (side == 0)
                    next[0][i] = fmin(next[0][i], fmax(0, ub[i] - 2 * half));
                else
                    next[1][i] = fmax(next[1][i], fmin(1, ub[i] + 2 * half));
            }
        }
        v_last *= c->box[nr - 1][1][i] - c->box[nr - 1][0][i];
        v_next *= next[1][i] - next[0][i];
    }
    return grow || (c->ess < ESS_WANTED && v_next < 0.5 * v_last);
}

typedef struct { double v, w; int p; } vw_t;

static int by_v(const void *a, const void *b)
{
    const vw_t *x = a, *y = b;
    return x->v < y->v ? -1 : x->v > y->v ? 1 : x->p - y->p;
}

/* The weighted quantile q of the sorted pairs (the first value whose cumulative weight
 * reaches q). */
static double wquantile(const vw_t *a, int n, double q)
{
    double cum = 0;
    for (int j = 0; j < n; j++) {
        cum += a[j].w;
        if (cum >= q)
            return a[j].v;
    }
    return n ? a[n - 1].v : NAN;
}

static int summarise(calib_t *c, char *err, size_t errlen)
{
    int k = c->k, n = 0;
    vw_t *a = mem_reallocarray(NULL, (size_t)c->n_pts, sizeof *a);
    if (!a)
        return sim_err_set(err, errlen, SIM_ENOMEM, "out of memory");
    c->at_bound = 0;
    for (int i = 0; i < k; i++) {
        double ulo = 1, uhi = 0;
        n = 0;
        for (int p = 0; p < c->n_pts; p++)
            if (c->stage[p] == CALIB_BOX) {
                a[n].v = calib__value(c, i, c->u[(size_t)p * k + i]);
                a[n].w = c->w[p];
                a[n++].p = p;
            }
        qsort(a, (size_t)n, sizeof *a, by_v);
        c->lo[i] = wquantile(a, n, 0.025);
        c->hi[i] = wquantile(a, n, 0.975);
        c->med[i] = wquantile(a, n, 0.5);
        c->est[i] = calib__value(c, i, c->u[(size_t)c->best * k + i]);
        /* the interval at the prior's edge: the prior, not the data, bounds it */
        for (int p = 0; p < c->n_pts; p++)
            if (c->stage[p] == CALIB_BOX && c->w[p] > 1e-3) {
                double x = c->u[(size_t)p * k + i];
                ulo = x < ulo ? x : ulo;
                uhi = x > uhi ? x : uhi;
            }
        if (ulo < 0.01 || uhi > 0.99)
            c->at_bound |= 1ULL << i;
    }
    mem_free(a);
    return 0;
}

/* ---- the run ------------------------------------------------------------------------ */

static const char *const calib_out_names[] = {
    "calibrate.csv", "calibrated.yaml", "calibrate_points.csv", "calibrate_items.csv",
    "summary.csv", "timeseries.csv", "replications.csv", "fit.csv", "costs.csv",
    "manifest.json", "plots", ".checkpoint", "report.html", NULL};

static int checks(const scenario_t *sc, char *err, size_t errlen)
{
    if (sc->n_uncertain == 0)
        return sim_err_set(err, errlen, SIM_EINVAL,
                           "%s:1:1: error: the scenario has no `uncertain:` parameters to fit "
                           "(their distributions are the prior ranges; see "
                           "docs/calibrate.md)", sc->path);
    if (sc->n_observed == 0)
        return sim_err_set(err, errlen, SIM_EINVAL,
                           "%s:1:1: error: the scenario has no `observed:` items to fit to "
                           "(see docs/calibrate.md)", sc->path);
    if (sc->n_uncertain > MAX_PARAMS)
        return sim_err_set(err, errlen, SIM_EINVAL,
                           "%s:1:1: error: calibrate fits at most %d uncertain parameters",
                           sc->path, MAX_PARAMS);
    /* paths that are not a value of the model: the seed and replications are the
     * calibration's own, and the dates move the report instants the items are read at */
    static const char *const fixed[] = {"seed", "replications", "start", "end",
                                        "horizon_days", "report_every_days", NULL};
    for (int i = 0; i < sc->n_uncertain; i++) {
        const scn_uncertain_t *u = &sc->uncertain[i];
        if (u->dist.kind == SA_CHOICE)
            return sim_err_set(err, errlen, SIM_EINVAL,
                               "%s:%d:%d: error: calibrate fits numbers, and uncertain '%s' "
                               "is a choice", u->file, u->line, u->col, u->path);
        for (int j = 0; fixed[j]; j++)
            if (strcmp(u->path, fixed[j]) == 0)
                return sim_err_set(err, errlen, SIM_EINVAL,
                                   "%s:%d:%d: error: calibrate cannot fit '%s': it is not a "
                                   "value of the model (the seed and replications are the "
                                   "calibration's own, and the dates fix when the counts are "
                                   "read)", u->file, u->line, u->col, u->path);
    }
    int fit = 0;
    for (int i = 0; i < sc->n_observed; i++)
        fit += calib__item_use(sc, i) == CALIB_ITEM_FIT;
    if (fit == 0)
        return sim_err_set(err, errlen, SIM_EINVAL,
                           "%s:1:1: error: none of the %d observed items falls inside the "
                           "simulated period (after the start day, up to the horizon): "
                           "nothing to fit", sc->path, sc->n_observed);
    /* each prior at the two ends calibrate uses (the unit cube clipped to [U_EDGE,
     * 1 - U_EDGE]), not only at sens_check's 5% and 95% points: a normal prior's far
     * tail can break the scenario where sensitivity's never goes */
    for (int i = 0; i < sc->n_uncertain; i++) {
        const scn_uncertain_t *u = &sc->uncertain[i];
        for (int end = 0; end < 2; end++) {
            char text[SENS__VALUE_LEN], inner[1024];
            scenario_t *t = NULL;
            sens__value_text(u, sens__param_value(u, end ? 1 - U_EDGE : U_EDGE, 0), text,
                             sizeof text);
            size_t room = strlen(u->path) + 1 + strlen(text) + 1;
            char *set = mem_alloc(room);
            if (!set)
                return sim_err_set(err, errlen, SIM_ENOMEM, "out of memory");
            snprintf(set, room, "%s=%s", u->path, text);
            const char *one = set;
            int rc = sens__vary(sc, &one, 1, &t, inner, sizeof inner);
            mem_free(set);
            if (rc == SIM_EINVAL)
                return sim_err_set(err, errlen, SIM_EINVAL,
                                   "%s:%d:%d: error: uncertain '%s' at %s (its %g%% "
                                   "quantile, the %s end of the values calibrate tries) "
                                   "makes the scenario invalid: %s", u->file, u->line,
                                   u->col, u->path, text, 100 * (end ? 1 - U_EDGE : U_EDGE),
                                   end ? "high" : "low",
                                   sens__drop_error_word(inner));
            if (rc != 0)
                return sim_err_set(err, errlen, rc, "%s", inner);
            scenario_free(t);
        }
    }
    return 0;
}

static void calib_free(calib_t *c)
{
    mem_free(c->paths);
    mem_free(c->use);
    mem_free(c->s2);
    mem_free(c->prec);
    mem_free(c->stage);
    mem_free(c->u);
    mem_free(c->D);
    mem_free(c->ybar);
    mem_free(c->round);
    mem_free(c->w);
    mem_free(c->cond);
    mem_free(c->est);
    mem_free(c->lo);
    mem_free(c->hi);
    mem_free(c->med);
    if (c->have_tx)
        outtx_abort(&c->tx);
}

static int setup(calib_t *c, const scenario_t *sc, const calib_opts_t *o, char *err,
                 size_t errlen)
{
    int rc;
    c->sc = sc;
    c->o = o;
    c->best = -1;
    c->wall0 = progress_now();
    c->so = (sens_opts_t){.method = SENS_LHS,
                          .threads = o->threads,
                          .out_dir = o->out_dir,
                          .sets = o->sets,
                          .n_sets = o->n_sets,
                          .no_plots = o->no_plots,
                          .quiet = o->quiet,
                          .fresh = o->fresh,
                          .cmdline = o->cmdline,
                          .stop_after = o->stop_after};
    if ((rc = checks(sc, err, errlen)) != 0)
        return rc;
    c->k = sc->n_uncertain;
    c->n_obs = sc->n_observed;
    c->reps = sc->replications;
    c->samples = o->samples > 0 ? o->samples : 64;
    if (c->reps < 2)
        return sim_err_set(err, errlen, SIM_EINVAL,
                           "calibrate needs at least 2 replications a point (--reps): the "
                           "spread between them is each observation's noise");
    size_t k = (size_t)c->k, m = (size_t)c->n_obs;
    if (!(c->paths = mem_calloc(k, sizeof *c->paths)) || !(c->use = mem_calloc(m, 1)) ||
        !(c->s2 = mem_calloc(m, sizeof *c->s2)) ||
        !(c->prec = mem_calloc(m * m, sizeof *c->prec)) || !(c->cond = mem_calloc(2 * k, sizeof *c->cond)) ||
        !(c->est = mem_calloc(k, sizeof *c->est)) || !(c->lo = mem_calloc(k, sizeof *c->lo)) ||
        !(c->hi = mem_calloc(k, sizeof *c->hi)) || !(c->med = mem_calloc(k, sizeof *c->med)))
        return sim_err_set(err, errlen, SIM_ENOMEM, "out of memory");
    for (int i = 0; i < c->k; i++)
        c->paths[i] = sc->uncertain[i].path;
    if (cluster_rank() == 0) {
        if ((rc = outtx_begin(&c->tx, o->out_dir, "calibrate", calib_out_names, err, errlen)))
            return rc;
        c->have_tx = 1;
    }
    return 0;
}

/* Stage 1 on every rank; rank 0 analyses. */
static int stage_design(calib_t *c, char *err, size_t errlen)
{
    sens__sweep_t w;
    double *U = mem_reallocarray(NULL, (size_t)c->samples * (size_t)c->k, sizeof *U);
    double lo[MAX_PARAMS], hi[MAX_PARAMS];
    int rc = 0;
    for (int i = 0; i < c->k; i++) {
        lo[i] = 0;
        hi[i] = 1;
    }
    if (!U)
        rc = sim_err_set(err, errlen, SIM_ENOMEM, "out of memory");
    else
        rc = box_design(c, "careflow calibrate design", 0, c->samples, lo, hi, U, err, errlen);
    if ((rc = cluster_agree(rc)) != 0) {
        mem_free(U);
        return rc;
    }
    rc = eval_points(c, "calib-design", c->samples, U, &w, err, errlen);
    mem_free(U);
    if (rc == 0 && cluster_rank() == 0)
        rc = design_analyse(c, &w, err, errlen);
    sens__sweep_free(&w);
    return rc;
}

/* Stage 2 on rank 0: the search and the scans, then the first box. */
static int stage_search(calib_t *c, char *err, size_t errlen)
{
    int rc = search(c, err, errlen);
    /* the overdispersion ("Birge ratio") correction: a least D above its expectation
     * n_use - k says the noise is larger than the replications show (model error,
     * correlations the precision matrix missed), and every item's noise variance is
     * scaled by c = max(1, Dmin / (n_use - k)) from here on: the scan's rise, the
     * posterior's weights exp(-(D - Dmin) / 2c) and the faces' test */
    c->infl = 1;
    if (rc == 0 && c->n_use > c->k && c->D[c->best] > c->n_use - c->k)
        c->infl = c->D[c->best] / (c->n_use - c->k);
    for (int i = 0; i < c->k && rc == 0; i++)
        for (int side = 0; side < 2 && rc == 0; side++)
            rc = scan_axis(c, i, side ? 1 : -1, &c->cond[2 * i + side], err, errlen);
    if (rc == 0) {
        const double *ub = &c->u[(size_t)c->best * c->k];
        for (int i = 0; i < c->k; i++) {
            c->box[0][0][i] = fmax(0, ub[i] - BOX_SCALE * c->cond[2 * i]);
            c->box[0][1][i] = fmin(1, ub[i] + BOX_SCALE * c->cond[2 * i + 1]);
        }
    }
    return rc;
}

/* Stage 3 on every rank: rounds of box points until the faces carry no weight. */
static int stage_posterior(calib_t *c, char *err, size_t errlen)
{
    int rc = 0, k = c->k, n = 4 * c->samples;
    double *U = mem_reallocarray(NULL, (size_t)n * (size_t)k, sizeof *U);
    rc = cluster_agree(U ? 0 : sim_err_set(err, errlen, SIM_ENOMEM, "out of memory"));
    for (int r = 0; r < CALIB__MAX_ROUNDS && rc == 0; r++) {
        double go = 1, next[2][MAX_PARAMS];
        if ((rc = cluster_bcast(c->box[r], sizeof c->box[r])) != 0)
            break;
        c->n_rounds = r + 1;
        c->box_n[r] = n;
        if (!c->o->quiet && cluster_rank() == 0)
            fprintf(stderr, "careflow: posterior, round %d: %d points around the best fit "
                            "(D %.4g)\n", r + 1, n, c->D[c->best]);
        char tag[32];
        snprintf(tag, sizeof tag, "calib-box%d", r + 1);
        rc = box_design(c, "careflow calibrate posterior", r, n, c->box[r][0], c->box[r][1],
                        U, err, errlen);
        if ((rc = cluster_agree(rc)) != 0)
            break;
        sens__sweep_t w;
        rc = eval_points(c, tag, n, U, &w, err, errlen);
        if (rc == 0 && cluster_rank() == 0) {
            double *yb = mem_calloc((size_t)c->n_obs + 1, sizeof *yb);
            if (!yb)
                rc = sim_err_set(err, errlen, SIM_ENOMEM, "out of memory");
            for (int p = 0; p < n && rc == 0; p++) {
                point_means(c, &w, p, yb);
                if (add_point(c, CALIB_BOX, &U[(size_t)p * k], yb, r) != 0)
                    rc = sim_err_set(err, errlen, SIM_ENOMEM, "out of memory");
            }
            mem_free(yb);
            if (rc == 0)
                go = posterior_weights(c, next) && r + 1 < CALIB__MAX_ROUNDS;
            if (go && rc == 0)
                memcpy(c->box[r + 1], next, sizeof c->box[r + 1]);
        }
        sens__sweep_free(&w);
        if ((rc = cluster_agree(rc)) != 0)
            break;
        if ((rc = cluster_bcast(&go, sizeof go)) != 0 || !go)
            break;
    }
    mem_free(U);
    return rc;
}

int calib_run(const scenario_t *sc, const calib_opts_t *o, char *err, size_t errlen)
{
    calib_t c;
    signals_save_t sigs;
    int rank = cluster_rank(), rc;
    memset(&c, 0, sizeof c);
    err[0] = 0;
    /* GSL's errors come back as codes, never abort(): its handler is process-wide state,
     * so the caller's is put back before returning */
    gsl_error_handler_t *gsl_old = gsl_set_error_handler_off();
    signals_catch(&sigs);
    rc = setup(&c, sc, o, err, errlen);
    if ((rc = cluster_agree(rc)) != 0)
        goto out;
    if (!o->quiet && rank == 0)
        fprintf(stderr, "careflow: calibrate: %d parameter%s, %d observed items, %d design "
                        "points x %d replications%s\n",
                c.k, c.k == 1 ? "" : "s", c.n_obs, c.samples, c.reps,
                cluster_size() > 1 ? " over MPI ranks" : "");
    rc = stage_design(&c, err, errlen);
    if ((rc = cluster_agree(rc)) != 0)
        goto out;
    if (!o->quiet && rank == 0)
        fprintf(stderr, "careflow: search: Nelder-Mead from the best design point (D %.4g), "
                        "then a scan of each parameter\n", c.D[c.best]);
    rc = rank == 0 ? stage_search(&c, err, errlen) : 0;
    if (rc == SIM_EINTR && rank == 0) {
        char was[512];
        snprintf(was, sizeof was, "%s", err);
        sim_err_set(err, errlen, rc, "%s (in the search, which is redone on resuming; the "
                    "design's points are kept): run the same command again to resume", was);
    }
    if ((rc = cluster_agree(rc)) != 0)
        goto out;
    if ((rc = stage_posterior(&c, err, errlen)) != 0)
        goto out;
    if (rank == 0) {
        rc = summarise(&c, err, errlen);
        if (rc == 0)
            rc = calib__write(&c, err, errlen);
        if (rc == 0 && !o->quiet)
            calib__report(&c);
    }
out:
    if (rc == SIM_EPEER)
        err[0] = 0; /* the failing rank says what failed */
    if (rc == SIM_EINVAL) {
        /* a refusal: no checkpoint of this run is left behind (its points would never
         * be resumed), and the message is said once (every rank finds the same), with
         * main's "careflow: error: " in place of the message's own */
        if (rank == 0 && c.have_tx) {
            sens__sweep_t w;
            memset(&w, 0, sizeof w);
            w.o = &c.so;
            w.tag = "calib"; /* every calib-*.txt */
            sens__ckpt_remove(&w);
        }
        sens__drop_error_word(err);
        if (rank != 0)
            err[0] = 0;
    }
    calib_free(&c);
    signals_restore(&sigs);
    gsl_set_error_handler(gsl_old);
    return rc;
}
