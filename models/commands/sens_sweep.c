/* sens_sweep.c: simulating design points (see sens_internal.h).
 *
 * This process's points (w->todo) are taken by o->threads worker threads from an
 * atomic counter; a point is the scenario varied in memory by its values and run for
 * every replication with the sweep's seed, its figures landing in the point's own
 * block of w->val (so the results do not depend on which thread ran it). Each
 * finished point is appended to the rank's checkpoint under w->mu.
 *
 * Failure: the first failure of any worker is kept (sens__fail) and stops the others
 * before their next replication; a signal (SIGINT, SIGTERM, SIGHUP) does the same
 * and becomes SIM_EINTR. A point stopped half-way is not recorded. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/commands/runner.h"
#include "models/commands/sens_internal.h"
#include "sim/mem.h"

#define SET_LEN 512 /* one "PATH=VALUE" text */

/* Simulates point p: its scenario at every replication. 0; SIM_EINTR when the sweep
 * was stopped meanwhile (the point is not finished; nothing recorded); or a failure,
 * recorded in w. */
static int run_point(sens__sweep_t *w, int p, atomic_int *progress)
{
    const scenario_t *sc = w->sc;
    int k = w->k, n_out = w->out.n, rc = 0;
    char *sets = mem_alloc((size_t)k * SET_LEN), msg[SENS__ERR_LEN], inner[1024];
    const char **sp = mem_calloc((size_t)(k ? k : 1), sizeof *sp);
    scenario_t *ps = NULL;
    model_plan_t plan;
    int have_plan = 0;
    double *blk = &w->val[(size_t)p * w->block];
    if (!sets || !sp) {
        rc = sim_err_set(msg, sizeof msg, SIM_ENOMEM, "out of memory");
        goto out;
    }
    for (int i = 0; i < k; i++) {
        snprintf(sets + (size_t)i * SET_LEN, SET_LEN, "%s=%s", sc->uncertain[i].path,
                 sens__vt(w, p, i));
        sp[i] = sets + (size_t)i * SET_LEN;
    }
    if ((rc = sens__vary(sc, w->o, sp, k, &ps, inner, sizeof inner)) != 0) {
        if (rc != SIM_EINVAL) {
            snprintf(msg, sizeof msg, "%s", inner);
            goto out;
        }
        int at = snprintf(msg, sizeof msg, "design point %d (", p + 1);
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
                         "design point %d changes the report instants (start, horizon or "
                         "report step): these cannot be uncertain", p + 1);
        goto out;
    }
    size_t nk = (size_t)plan.n_reports;
    double *ser = blk + (size_t)w->reps * (size_t)n_out;
    for (size_t j = 0; j < (size_t)w->n_series * nk; j++)
        ser[j] = 0;
    for (int r = 0; r < w->reps; r++) {
        model_result_t res;
        if (atomic_load(&w->stop)) {
            rc = SIM_EINTR; /* stopped: the point is not finished */
            goto out;
        }
        if (model_result_init(&res, ps, &plan) != 0 || model_run(ps, &plan, r, &res, NULL) != 0 ||
            runner__figure_values(ps, &plan, &res, w->out.fig, n_out,
                                  &blk[(size_t)r * n_out]) != 0) {
            model_result_free(&res);
            rc = sim_err_set(msg, sizeof msg, SIM_ENOMEM, "out of memory at design point %d",
                             p + 1);
            goto out;
        }
        for (int s = 0; s < w->n_series; s++)
            for (size_t j = 0; j < nk; j++)
                ser[(size_t)s * nk + j] +=
                    res.ts[(j * (size_t)plan.n_rows + (size_t)w->ser_row[s]) * MT_N +
                           (size_t)w->ser_m[s]];
        model_result_free(&res);
        atomic_store(progress, r + 1);
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

typedef struct worker {
    sens__sweep_t *w;     /* the sweep */
    pthread_t tid;        /* its thread */
    atomic_int progress;  /* replications done of the running point */
} worker_t;

static void *worker_main(void *arg)
{
    worker_t *me = arg;
    sens__sweep_t *w = me->w;
    for (;;) {
        if (atomic_load(&w->stop))
            break;
        int i = atomic_fetch_add(&w->next, 1);
        if (i >= w->n_todo)
            break;
        int p = w->todo[i];
        atomic_store(&me->progress, 0);
        if (run_point(w, p, &me->progress) != 0)
            break;
        pthread_mutex_lock(&w->mu);
        w->done[p] = 1;
        int bad = sens__ckpt_write(w, p);
        pthread_mutex_unlock(&w->mu);
        if (bad)
            sens__fail(w, SIM_EIO, "cannot write the checkpoint (disk full?)");
        int n = atomic_fetch_add(&w->n_done, 1) + 1;
        atomic_store(&me->progress, 0);
        if (w->o->stop_after > 0 && n >= w->o->stop_after) {
            sens__fail(w, SIM_EINTR, "stopped after the design points asked for (stop_after)");
            break;
        }
    }
    atomic_store(&me->progress, 0);
    runner__worker_done(&w->mu, &w->cv, &w->running);
    return NULL;
}

int sens__sweep_run(sens__sweep_t *w, int show_bar)
{
    int threads = w->o->threads < 1 ? 1 : w->o->threads;
    if (threads > w->n_todo && w->n_todo > 0)
        threads = w->n_todo;
    worker_t *ws = mem_calloc((size_t)threads, sizeof *ws);
    if (!ws) {
        sens__fail(w, SIM_ENOMEM, "out of memory");
        return w->status;
    }
    int started = 0;
    for (int t = 0; t < threads && w->n_todo > 0; t++) {
        ws[t].w = w;
        atomic_init(&ws[t].progress, 0);
        atomic_fetch_add(&w->running, 1);
        if (pthread_create(&ws[t].tid, NULL, worker_main, &ws[t]) != 0) {
            atomic_fetch_sub(&w->running, 1);
            break;
        }
        started++;
    }
    if (started == 0 && w->n_todo > 0) {
        mem_free(ws);
        sens__fail(w, SIM_ENOMEM, "cannot start a thread");
        return w->status;
    }
    double t0 = runner__now(), shown = 0;
    int width = 0, drawn = 0;
    for (;;) {
        int running = runner__wait_workers(&w->mu, &w->cv, &w->running);
        if (running == 0)
            break;
        if (runner__signal())
            atomic_store(&w->stop, 1);
        double elapsed = runner__now() - t0;
        if (!show_bar || elapsed <= 1.0)
            continue;
        double sum = atomic_load(&w->n_done);
        for (int t = 0; t < started; t++)
            sum += (double)atomic_load(&ws[t].progress) / w->reps;
        double frac = w->n_todo ? sum / w->n_todo : 1;
        frac = frac > 1 ? 1 : frac < shown ? shown : frac;
        shown = frac;
        runner__bar_draw(frac, atomic_load(&w->n_done), w->n_todo, "design points", elapsed,
                         &width);
        drawn = 1;
    }
    for (int t = 0; t < started; t++)
        pthread_join(ws[t].tid, NULL);
    mem_free(ws);
    if (drawn) {
        fprintf(stderr, "\r%*s\r", width, "");
        fflush(stderr);
    }
    if (runner__signal() && w->status == 0) {
        char msg[256];
        snprintf(msg, sizeof msg, "interrupted by %s", runner__signal_name(runner__signal()));
        sens__fail(w, SIM_EINTR, msg);
    }
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
