/* sens_sweep.c: simulating design points (see sens_internal.h).
 *
 * This process's points (w->todo) are taken by o->threads worker threads from an
 * atomic counter; a point is the scenario varied in memory by its values and run for
 * every replication with the sweep's seed, its figures landing in the point's own
 * block of w->val (so the results do not depend on which thread ran it). Each
 * finished point is appended to the rank's checkpoint under w->mu.
 *
 * The threads are sim/pool's: the job is one point (point_job).
 *
 * Failure: the first failure of any point is kept (sens__fail) and stops the others
 * before their next replication; a signal (SIGINT, SIGTERM, SIGHUP: sim/signals) does
 * the same and becomes SIM_EINTR. A point stopped half-way is not recorded. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/commands/figures.h"
#include "models/commands/sens_internal.h"
#include "sim/mem.h"
#include "sim/pool.h"
#include "sim/signals.h"

#define UNIT(w) ((w)->unit ? (w)->unit : "design point")

/* Simulates point p: its scenario at every replication. 0; SIM_EINTR when the sweep
 * was stopped meanwhile (the point is not finished; nothing recorded); or a failure,
 * recorded in w. */
static int run_point(sens__sweep_t *w, int p, atomic_uint *progress)
{
    const scenario_t *sc = w->sc;
    int k = w->k, n_out = w->out.n, per_rep = n_out + w->n_obs, rc = 0;
    char *sets, msg[SENS__ERR_LEN], inner[1024];
    size_t room = 1; /* every "PATH=VALUE" with its NUL, exactly */
    for (int i = 0; i < k; i++)
        room += strlen(w->paths[i]) + 1 + strlen(sens__vt(w, p, i)) + 1;
    sets = mem_alloc(room);
    const char **sp = mem_calloc((size_t)(k ? k : 1), sizeof *sp);
    scenario_t *ps = NULL;
    model_plan_t plan;
    int have_plan = 0;
    double *blk = &w->val[(size_t)p * w->block];
    if (!sets || !sp) {
        rc = sim_err_set(msg, sizeof msg, SIM_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0, at = 0; i < (size_t)k; i++) {
        sp[i] = sets + at;
        at += (size_t)sprintf(sets + at, "%s=%s", w->paths[i],
                              sens__vt(w, p, (int)i)) + 1;
    }
    if ((rc = sens__vary(sc, sp, k, &ps, inner, sizeof inner)) != 0) {
        if (rc != SIM_EINVAL) {
            snprintf(msg, sizeof msg, "%s", inner);
            goto out;
        }
        int at = snprintf(msg, sizeof msg, "%s %d (", UNIT(w), p + 1);
        for (int i = 0; i < k && at < (int)sizeof msg - 64; i++)
            at += snprintf(msg + at, sizeof msg - (size_t)at, "%s%s", i ? ", " : "", sp[i]);
        snprintf(msg + at, sizeof msg - (size_t)at, ") makes the scenario invalid: %s",
                 sens__drop_error_word(inner));
        goto out;
    }
    ps->replications = w->reps;
    ps->seed = sc->seed;
    if (model_plan_init(&plan, ps) != 0) {
        rc = sim_err_set(msg, sizeof msg, SIM_ENOMEM, "out of memory");
        goto out;
    }
    have_plan = 1;
    if (plan.n_reports != w->plan.n_reports) {
        rc = sim_err_set(msg, sizeof msg, SIM_EINVAL,
                         "%s %d changes the report instants (start, horizon or "
                         "report step): these cannot vary", UNIT(w), p + 1);
        goto out;
    }
    size_t nk = (size_t)plan.n_reports;
    double *ser = blk + (size_t)w->reps * (size_t)per_rep;
    for (size_t j = 0; j < (size_t)w->n_series * nk; j++)
        ser[j] = 0;
    for (int r = 0; r < w->reps; r++) {
        model_result_t res;
        if (atomic_load(&w->stop) || signals_caught()) {
            rc = SIM_EINTR; /* stopped: the point is not finished */
            goto out;
        }
        int mr = SIM_ENOMEM;
        if (model_result_init(&res, ps, &plan) != 0 ||
            (mr = model_run(ps, &plan, r, &res, NULL)) != 0 ||
            (mr = figures_values(ps, &plan, &res, w->out.fig, n_out,
                                 &blk[(size_t)r * per_rep])) != 0) {
            model_result_free(&res);
            /* model_run's code as it gives it (a SIM_E* code; anything else: no memory) */
            rc = mr < 0 && mr >= SIM_EPEER ? mr : SIM_ENOMEM;
            sim_err_set(msg, sizeof msg, rc, "%s at %s %d, replication %d",
                        sim_strerror(rc), UNIT(w), p + 1, r + 1);
            goto out;
        }
        for (int i = 0; i < w->n_obs; i++) /* the observed items' simulated values */
            blk[(size_t)r * per_rep + (size_t)n_out + (size_t)i] = res.obs[i];
        for (int s = 0; s < w->n_series; s++)
            for (size_t j = 0; j < nk; j++)
                ser[(size_t)s * nk + j] +=
                    res.ts[(j * (size_t)plan.n_rows + (size_t)w->ser_row[s]) * MT_N +
                           (size_t)w->ser_m[s]];
        model_result_free(&res);
        atomic_store(progress, (unsigned)(1000.0 * (r + 1) / w->reps));
    }
    for (size_t j = 0; j < (size_t)w->n_series * nk; j++)
        ser[j] /= w->reps;
out:
    if (rc != 0 && rc != SIM_EINTR)
        sens__fail(w, rc, msg);
    if (have_plan)
        model_plan_free(&plan);
    scenario_free(ps);
    mem_free(sets);
    mem_free(sp);
    return rc;
}

/* One job of the pool: point w->todo[i], then its checkpoint line. 1 once the test
 * hook stop_after is reached (the pool hands out no more). */
static int point_job(void *ctx, int i, atomic_uint *progress)
{
    sens__sweep_t *w = ctx;
    int p = w->todo[i], rc = run_point(w, p, progress);
    if (rc != 0)
        return rc;
    pthread_mutex_lock(&w->mu);
    w->done[p] = 1;
    rc = sens__ckpt_write(w, p);
    pthread_mutex_unlock(&w->mu);
    if (rc != 0) {
        sens__fail(w, rc, "cannot write the checkpoint (disk full?)");
        return rc;
    }
    int n = atomic_fetch_add(&w->n_done, 1) + 1;
    if (w->o->stop_after > 0 && n >= w->o->stop_after) {
        sens__fail(w, SIM_EINTR, "stopped after the points asked for (stop_after)");
        return 1;
    }
    return 0;
}

int sens__sweep_run(sens__sweep_t *w, int show_bar)
{
    char what[64];
    snprintf(what, sizeof what, "%ss", UNIT(w));
    pool_task_t t = {.n = w->n_todo,
                     .threads = w->o->threads < 1 ? 1 : w->o->threads,
                     .job = point_job,
                     .ctx = w,
                     .what = what,
                     .show_bar = show_bar};
    pool_report_t rep;
    char msg[SENS__ERR_LEN];
    int rc = pool_run(&t, &rep, msg, sizeof msg);
    if (signals_caught()) /* a point may have seen it first and stopped (SIM_EINTR) */
        rc = sim_err_set(msg, sizeof msg, SIM_EINTR, "interrupted by %s",
                         signals_name(signals_caught()));
    if (rc != 0)
        sens__fail(w, rc, msg); /* kept only if no point failed first */
    return w->status;
}

int sens__deal(const sens__sweep_t *w, int rank, int size, int *todo)
{
    int n = 0, j = 0;
    for (int p = 0; p < w->n_pts; p++)
        if (!w->done[p] && j++ % size == rank)
            todo[n++] = p;
    return n;
}
