/* sens_analysis.c: from the points' values to each output's indices (see
 * sens_internal.h).
 *
 * Per output, each point's mean over replications is the design's output y[p]
 * (NaN values left out); the spread over replications is the noise, reported apart
 * (noise.csv) and compared with each index, with a warning where the noise could
 * explain an index. The bootstrap draws come from the sweep's seed, so the intervals
 * are byte-identical run to run.
 *
 * Failure: SIM_ENOMEM or SIM_EINVAL with err; what was allocated stays in R for
 * sens__results_free. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/commands/sens_internal.h"
#include "sim/mem.h"
#include "sim/sa.h"

static double rep_value(const sens__sweep_t *w, int p, int r, int o)
{
    return w->val[(size_t)p * w->block + (size_t)r * w->out.n + (size_t)o];
}

static int out_stats(const sens__sweep_t *w, int o, sens__outstat_t *s)
{
    double *v = mem_alloc((size_t)w->reps * sizeof *v);
    s->y = mem_alloc((size_t)w->n_pts * sizeof *s->y);
    s->se2 = mem_alloc((size_t)w->n_pts * sizeof *s->se2);
    if (!v || !s->y || !s->se2) {
        mem_free(v);
        return SIM_ENOMEM;
    }
    double sum_var = 0, sum_se2 = 0;
    int n_var = 0;
    s->undefined = 0;
    for (int p = 0; p < w->n_pts; p++) {
        int n = 0;
        for (int r = 0; r < w->reps; r++) {
            double x = rep_value(w, p, r, o);
            if (!isnan(x))
                v[n++] = x;
        }
        summ_t su;
        stats_summarise(v, n, &su);
        s->y[p] = su.mean;
        s->se2[p] = n >= 2 ? su.sd * su.sd / n : NAN;
        if (n == 0)
            s->undefined = 1;
        if (n >= 2) {
            sum_var += su.sd * su.sd;
            sum_se2 += s->se2[p];
            n_var++;
        }
    }
    summ_t all;
    stats_summarise(s->y, w->n_pts, &all);
    s->var_points = all.sd * all.sd;
    s->var_unpaired = n_var ? sum_se2 / n_var : NAN;
    s->rep_sd = n_var ? sqrt(sum_var / n_var) : NAN;
    s->var_noise = s->var_unpaired; /* if a value is missing: the unpaired bound */
    /* two-way residual: y[p][r] - mean_p - mean_r + grand mean */
    double *col = mem_calloc((size_t)w->reps, sizeof *col), grand = 0, ss = 0;
    if (!col) {
        mem_free(v);
        return SIM_ENOMEM;
    }
    int complete = w->reps >= 2 && w->n_pts >= 2;
    for (int p = 0; complete && p < w->n_pts; p++)
        for (int r = 0; r < w->reps; r++) {
            double x = rep_value(w, p, r, o);
            if (isnan(x))
                complete = 0;
            col[r] += x / w->n_pts;
        }
    if (complete) {
        for (int r = 0; r < w->reps; r++)
            grand += col[r] / w->reps;
        for (int p = 0; p < w->n_pts; p++)
            for (int r = 0; r < w->reps; r++) {
                double e = rep_value(w, p, r, o) - s->y[p] - col[r] + grand;
                ss += e * e;
            }
        s->var_noise = ss / ((double)(w->n_pts - 1) * (w->reps - 1)) / w->reps;
    }
    mem_free(col);
    mem_free(v);
    return 0;
}

static void out_stats_free(sens__outstat_t *s)
{
    mem_free(s->y);
    mem_free(s->se2);
}

/* Paired differences point b - point a over replications: mean and 95% interval. */
/* d: the caller's scratch of w->reps values. */
static void paired(const sens__sweep_t *w, int a, int b, int o, summ_t *su, double *d)
{
    int n = 0;
    for (int r = 0; r < w->reps; r++) {
        double x = rep_value(w, b, r, o) - rep_value(w, a, r, o);
        if (!isnan(x))
            d[n++] = x;
    }
    stats_summarise(d, n, su);
}

static void bootstrap_rng(rng_t *r, const sens__sweep_t *w, int o, int n_use)
{
    rng_derive(r, w->sc->seed, rng_hash_str("careflow sensitivity bootstrap"),
               (uint64_t)o, (uint64_t)n_use);
}


/* ---- the analyses ------------------------------------------------------------------ */

static double *arr(sens__results_t *R, int o, int j)
{
    if (!R->a[o][j])
        R->a[o][j] = mem_calloc((size_t)R->w->k, sizeof(double));
    return R->a[o][j];
}

static int analyse_oat(sens__results_t *R, int o)
{
    sens__sweep_t *w = R->w;
    double *lo = arr(R, o, 0), *hi = arr(R, o, 1), *sw = arr(R, o, 2);
    if (!lo || !hi || !sw || !(R->order[o] = mem_alloc((size_t)w->k * sizeof(int))))
        return SIM_ENOMEM;
    double top = 0;
    for (int i = 0; i < w->k; i++) {
        summ_t su;
        paired(w, 1 + 2 * i, 2 + 2 * i, o, &su, R->scratch);
        lo[i] = su.lo;
        hi[i] = su.hi;
        sw[i] = fabs(R->st[o].y[2 + 2 * i] - R->st[o].y[1 + 2 * i]);
        if (sw[i] > top)
            top = sw[i];
        R->order[o][i] = i;
    }
    /* stable insertion sort by |swing| descending */
    for (int a = 1; a < w->k; a++)
        for (int b = a; b > 0 && sw[R->order[o][b]] > sw[R->order[o][b - 1]]; b--) {
            int t = R->order[o][b];
            R->order[o][b] = R->order[o][b - 1];
            R->order[o][b - 1] = t;
        }
    for (int i = 0; i < w->k; i++)
        if (sw[i] >= 0.1 * top && top > 0 && lo[i] <= 0 && hi[i] >= 0)
            sens__warn(w, "%s:%s: the swing of '%s' (%g) is within replication noise (its "
                          "95%% interval includes 0): use more --reps",
                       w->out.metric[o], w->out.stage[o], w->sc->uncertain[i].label, sw[i]);
    return 0;
}

static int analyse_morris(sens__results_t *R, int o)
{
    sens__sweep_t *w = R->w;
    int k = w->k;
    sa_morris_t m = {arr(R, o, 0), arr(R, o, 1), arr(R, o, 2), arr(R, o, 3)};
    double *noise = arr(R, o, 4), *cnt = arr(R, o, 5);
    rng_t r;
    if (!m.mu || !m.mu_star || !m.sigma || !m.mu_star_conf || !noise || !cnt)
        return SIM_ENOMEM;
    bootstrap_rng(&r, w, o, w->samples);
    int rc = sa_morris_analyze(k, w->samples, w->levels, w->U, R->st[o].y,
                               w->o->n_boot > 0 ? w->o->n_boot : SENS__DEFAULT_BOOT, &r, &m);
    if (rc != 0)
        return rc;
    /* noise of each elementary effect: the paired standard error of its step */
    double delta = w->levels / (2.0 * (w->levels - 1));
    for (int t = 0; t < w->samples; t++)
        for (int s = 0; s < k; s++) {
            int a = t * (k + 1) + s, b = a + 1, i = 0;
            for (int j = 0; j < k; j++)
                if (w->U[(size_t)a * k + j] != w->U[(size_t)b * k + j])
                    i = j;
            summ_t su;
            paired(w, a, b, o, &su, R->scratch);
            if (su.n >= 2) {
                noise[i] += su.sd / sqrt(su.n) / delta;
                cnt[i] += 1;
            }
        }
    double top = 0;
    for (int i = 0; i < k; i++) {
        noise[i] = cnt[i] > 0 ? noise[i] / cnt[i] : NAN;
        if (m.mu_star[i] > top)
            top = m.mu_star[i];
    }
    for (int i = 0; i < k; i++)
        if (m.mu_star[i] >= 0.1 * top && top > 0 && m.mu_star[i] < 2 * noise[i])
            sens__warn(w, "%s:%s: mu* of '%s' (%g) is less than twice the replication noise "
                          "of an elementary effect (%g): use more --reps",
                       w->out.metric[o], w->out.stage[o], w->sc->uncertain[i].label,
                       m.mu_star[i], noise[i]);
    return 0;
}

static int analyse_sobol(sens__results_t *R, int o)
{
    sens__sweep_t *w = R->w;
    int k = w->k, n_boot = w->o->n_boot > 0 ? w->o->n_boot : SENS__DEFAULT_BOOT;
    sa_sobol_t s = {arr(R, o, 0), arr(R, o, 1), arr(R, o, 2), arr(R, o, 3)};
    double *sw = arr(R, o, 4);
    rng_t r;
    if (!s.S1 || !s.S1_conf || !s.ST || !s.ST_conf || !sw)
        return SIM_ENOMEM;
    bootstrap_rng(&r, w, o, w->samples);
    int rc = sa_sobol_analyze(k, w->samples, w->samples, R->st[o].y, n_boot, &r, &s);
    if (rc != 0)
        return rc;
    const sens__outstat_t *st = &R->st[o];
    double share = st->var_points > 0 ? st->var_noise / st->var_points : NAN;
    char names[512] = "";
    size_t at = 0;
    for (int i = 0; i < k; i++) {
        sw[i] = !isnan(share) && share >= s.ST[i];
        /* name those that would otherwise look like they matter */
        if (sw[i] > 0 && s.ST[i] >= 0.05 && s.ST[i] - s.ST_conf[i] > 0 && at < sizeof names - 1)
            at += (size_t)snprintf(names + at, sizeof names - at, "%s'%s'", at ? ", " : "",
                                   w->sc->uncertain[i].label);
    }
    if (names[0])
        sens__warn(w, "%s:%s: replication noise is %.0f%% of the variance between design "
                      "points, as much as the total index of %s: those indices cannot be told "
                      "from noise; use more --reps",
                   w->out.metric[o], w->out.stage[o], 100 * share, names);
    else if (share >= 0.1)
        sens__warn(w, "%s:%s: replication noise is %.0f%% of the variance between design "
                      "points: indices smaller than that cannot be told from noise "
                      "(noise_swamped in sobol.csv); use more --reps to resolve them",
                   w->out.metric[o], w->out.stage[o], 100 * share);
    /* convergence: the first N/16, N/8, ... base rows (at least 4) */
    for (int c = 0; c < R->n_conv; c++) {
        int nu = R->conv_n[c];
        for (int j = 0; j < 4; j++)
            if (!(R->conv[o][c][j] = mem_calloc((size_t)k, sizeof(double))))
                return SIM_ENOMEM;
        sa_sobol_t cs = {R->conv[o][c][0], R->conv[o][c][1], R->conv[o][c][2],
                         R->conv[o][c][3]};
        bootstrap_rng(&r, w, o, nu);
        int crc = sa_sobol_analyze(k, w->samples, nu, st->y, n_boot, &r, &cs);
        if (crc == -SA_ENOMEM)
            return SIM_ENOMEM;
        if (crc != 0) /* e.g. no variance in the first rows: that size is left out */
            for (int j = 0; j < 4; j++) {
                mem_free(R->conv[o][c][j]);
                R->conv[o][c][j] = NULL;
            }
    }
    return 0;
}

/* Ranks (1..n, ties averaged) of x into rk. */
static void ranks(const double *x, int n, double *rk, int *idx)
{
    for (int i = 0; i < n; i++)
        idx[i] = i;
    for (int a = 1; a < n; a++) /* insertion sort is fine for design sizes; stable */
        for (int b = a; b > 0 && x[idx[b]] < x[idx[b - 1]]; b--) {
            int t = idx[b];
            idx[b] = idx[b - 1];
            idx[b - 1] = t;
        }
    for (int i = 0; i < n;) {
        int j = i;
        while (j + 1 < n && x[idx[j + 1]] == x[idx[i]])
            j++;
        for (int t = i; t <= j; t++)
            rk[idx[t]] = (i + j) / 2.0 + 1;
        i = j + 1;
    }
}

static double pearson(const double *a, const double *b, int n)
{
    double ma = 0, mb = 0, sab = 0, saa = 0, sbb = 0;
    for (int i = 0; i < n; i++) {
        ma += a[i];
        mb += b[i];
    }
    ma /= n;
    mb /= n;
    for (int i = 0; i < n; i++) {
        sab += (a[i] - ma) * (b[i] - mb);
        saa += (a[i] - ma) * (a[i] - ma);
        sbb += (b[i] - mb) * (b[i] - mb);
    }
    return saa > 0 && sbb > 0 ? sab / sqrt(saa * sbb) : NAN;
}

static int analyse_lhs(sens__results_t *R, int o)
{
    sens__sweep_t *w = R->w;
    int n = w->n_pts;
    double *c = arr(R, o, 0), *x = mem_alloc((size_t)n * sizeof *x),
           *rx = mem_alloc((size_t)n * sizeof *rx), *ry = mem_alloc((size_t)n * sizeof *ry);
    int *idx = mem_alloc((size_t)n * sizeof *idx), rc = SIM_ENOMEM;
    if (c && x && rx && ry && idx) {
        ranks(R->st[o].y, n, ry, idx);
        for (int i = 0; i < w->k; i++) {
            for (int p = 0; p < n; p++)
                x[p] = w->U[(size_t)p * w->k + i];
            ranks(x, n, rx, idx);
            c[i] = pearson(rx, ry, n);
        }
        rc = 0;
        const sens__outstat_t *st = &R->st[o];
        if (st->var_points > 0 && st->var_noise / st->var_points >= 0.1)
            sens__warn(w, "%s:%s: replication noise is %.0f%% of the spread between parameter "
                          "sets: the spread overstates the parameters' uncertainty; use more "
                          "--reps",
                       w->out.metric[o], w->out.stage[o], 100 * st->var_noise / st->var_points);
    }
    mem_free(x);
    mem_free(rx);
    mem_free(ry);
    mem_free(idx);
    return rc;
}

int sens__analyse(sens__results_t *R, char *err, size_t errlen)
{
    sens__sweep_t *w = R->w;
    if (!(R->scratch = mem_reallocarray(NULL, (size_t)w->reps, sizeof *R->scratch)))
        return sim_err_set(err, errlen, SIM_ENOMEM, "out of memory");
    if (w->o->method == SENS_SOBOL)
        for (int d = 16; d >= 1; d /= 2) /* N/16, ..., N/2, N: at least 4 rows */
            if (w->samples / d >= 4)
                R->conv_n[R->n_conv++] = w->samples / d;
    for (int o = 0; o < w->out.n; o++) {
        if (out_stats(w, o, &R->st[o]) != 0)
            return sim_err_set(err, errlen, SIM_ENOMEM, "out of memory");
        if (R->st[o].undefined)
            return sim_err_set(err, errlen, SIM_EINVAL,
                               "%s:%s has no value at some design points (e.g. no exits to "
                               "average over): choose other --outputs",
                               w->out.metric[o], w->out.stage[o]);
        int a = 0;
        switch (w->o->method) {
        case SENS_OAT: a = analyse_oat(R, o); break;
        case SENS_MORRIS: a = analyse_morris(R, o); break;
        case SENS_SOBOL: a = analyse_sobol(R, o); break;
        case SENS_LHS: a = analyse_lhs(R, o); break;
        case SENS_METHOD_N: break;
        }
        if (a == -SA_EVAR) {
            /* a constant output: indices undefined; write NaN (empty) and say so */
            sens__warn(w, "%s:%s does not vary over the design: its indices are undefined",
                       w->out.metric[o], w->out.stage[o]);
            for (int j = 0; j < 5; j++) {
                if (!arr(R, o, j))
                    return sim_err_set(err, errlen, SIM_ENOMEM, "out of memory");
                for (int i = 0; i < w->k; i++)
                    R->a[o][j][i] = j == 4 ? 0 : NAN;
            }
        } else if (a == SIM_ENOMEM) {
            return sim_err_set(err, errlen, SIM_ENOMEM, "out of memory");
        } else if (a != 0) { /* -SA_ESIZE, -SA_EPARAM: the design does not fit the method */
            return sim_err_set(err, errlen, SIM_EINVAL, "%s:%s: %s", w->out.metric[o],
                               w->out.stage[o], sa_strerror(a));
        }
        if (w->reps < 2 && o == 0)
            sens__warn(w, "with 1 replication per design point, replication noise cannot be "
                          "measured (noise.csv is empty): use --reps 2 or more");
    }
    return 0;
}

void sens__results_free(sens__results_t *R)
{
    mem_free(R->scratch);
    for (int o = 0; o < R->w->out.n; o++) {
        out_stats_free(&R->st[o]);
        for (int j = 0; j < 8; j++)
            mem_free(R->a[o][j]);
        for (int c = 0; c < R->n_conv; c++)
            for (int j = 0; j < 4; j++)
                mem_free(R->conv[o][c][j]);
        mem_free(R->order[o]);
    }
}
