/* sens.c: `careflow sensitivity`, the driver (see sens.h; the pieces it drives are
 * listed in sens_internal.h).
 *
 * Phases of sens_run(), on every MPI rank alike:
 *  1. setup: --outputs parsed and checked against the figures of summary.csv; the
 *     unit design of the method and each point's value texts; the checkpoint key;
 *  2. resume: rank 0 reads OUT/.checkpoint and tells every rank which points are done;
 *  3. sweep: the points left are dealt to ranks round-robin, and each rank's threads
 *     simulate its share, appending each finished point to its checkpoint file;
 *  4. gather: every rank sends its points' values to rank 0;
 *  5. analyse and write (rank 0).
 * Before each step that needs every rank (2, 4), the ranks agree on their statuses
 * (cluster_agree): a rank that failed says so instead of skipping the step, so no rank
 * ever waits for one that is gone; all return, the others with SIM_EPEER.
 *
 * Test hooks: o->stop_after, and CAREFLOW_TEST_FAIL_RANK=R[:STEP] (STEP setup, point or
 * gather; default point), which makes rank R fail as if out of memory at that step. */
#include "models/commands/sens.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "models/commands/cluster.h"
#include "models/commands/figures.h"
#include "models/commands/sens_internal.h"
#include "sim/mem.h"
#include "sim/outtx.h"
#include "sim/progress.h"
#include "sim/signals.h"

static const char *const method_names[SENS_METHOD_N] = {
#define SENS_NAME(e, s) s,
    SENS_METHOD_MAP(SENS_NAME)
#undef SENS_NAME
};

int sens_method_from_name(const char *s)
{
    for (int i = 0; i < SENS_METHOD_N; i++)
        if (!strcmp(s, method_names[i]))
            return i;
    return SIM_EINVAL;
}

const char *sens_method_name(sens_method_t m)
{
    return m >= 0 && m < SENS_METHOD_N ? method_names[m] : "?";
}

/* ---- shared with the other pieces --------------------------------------------------- */

void sens__fail(sens__sweep_t *w, int code, const char *msg)
{
    pthread_mutex_lock(&w->mu);
    if (w->status == 0) {
        w->status = code;
        snprintf(w->err, sizeof w->err, "%s", msg);
    }
    pthread_mutex_unlock(&w->mu);
    atomic_store(&w->stop, 1);
}

void sens__warn(const sens__sweep_t *w, const char *fmt, ...)
{
    va_list ap;
    if (w->o->quiet)
        return;
    fputs("careflow: warning: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

const char *sens__drop_error_word(char *msg)
{
    char *e = strstr(msg, ": error: ");
    if (e)
        memmove(e + 2, e + 9, strlen(e + 9) + 1);
    return msg;
}

int sens__vary(const scenario_t *sc, const char *const *more, int n_more, scenario_t **out,
               char *err, size_t errlen)
{
    return scenario_vary(sc, more, n_more, out, err, errlen);
}

/* ---- checking the parameters -------------------------------------------------------- */

int sens_check(const scenario_t *sc, char *err, size_t errlen)
{
    for (int i = 0; i < sc->n_uncertain; i++) {
        const scn_uncertain_t *u = &sc->uncertain[i];
        for (int end = 0; end < 2; end++) {
            char text[SENS__VALUE_LEN], inner[1024];
            scenario_t *t = NULL;
            sens__value_text(u, sens__param_value(u, end, 1), text, sizeof text);
            size_t room = strlen(u->path) + 1 + strlen(text) + 1; /* exact: no cut path */
            char *set = mem_alloc(room);
            if (!set)
                return sim_err_set(err, errlen, SIM_ENOMEM, "out of memory");
            snprintf(set, room, "%s=%s", u->path, text);
            const char *one = set;
            int rc = sens__vary(sc, &one, 1, &t, inner, sizeof inner);
            mem_free(set);
            if (rc == SIM_EINVAL)
                return sim_err_set(err, errlen, SIM_EINVAL,
                                   "%s:%d:%d: error: uncertain '%s' at its %s value %s makes "
                                   "the scenario invalid: %s",
                                   u->file, u->line, u->col, u->path, end ? "high" : "low",
                                   text, sens__drop_error_word(inner));
            if (rc != 0)
                return sim_err_set(err, errlen, rc, "%s", inner);
            scenario_free(t);
        }
    }
    return 0;
}

/* ---- outputs ------------------------------------------------------------------------ */

void sens__outputs_free(sens__outputs_t *op)
{
    for (int i = 0; i < op->n; i++) {
        mem_free(op->metric[i]);
        mem_free(op->stage[i]);
    }
    op->n = 0;
}

static int add_output(sens__outputs_t *op, const char *m, size_t ml, const char *s, size_t sl)
{
    if (op->n >= SENS__MAX_OUTPUTS)
        return SIM_ERANGE;
    if (!(op->metric[op->n] = mem_strndup(m, ml)) || !(op->stage[op->n] = mem_strndup(s, sl))) {
        mem_free(op->metric[op->n]);
        return SIM_ENOMEM;
    }
    op->n++;
    return 0;
}

/* The series of the LHS fan chart for an output: the stage row's stock, waiting list
 * or entries over time. */
void sens__output_series(const scenario_t *sc, sens__outputs_t *op, int i)
{
    const char *m = op->metric[i], *s = op->stage[i];
    int row = !strcmp(s, "all") ? sc->n_stages : scenario_stage_index(sc, s);
    op->ts_row[i] = -1;
    if (row < 0 || strncmp(m, "cost", 4) == 0)
        return;
    op->ts_row[i] = row;
    op->ts_m[i] = strstr(m, "wait") ? MT_WAITING : strstr(m, "entries") ? MT_ENTRIES : MT_STOCK;
}

int sens__outputs_add(sens__outputs_t *op, const char *metric, const char *stage)
{
    return add_output(op, metric, strlen(metric), stage, strlen(stage));
}

int sens__outputs_parse(const scenario_t *sc, const char *flag, const char *text,
                        sens__outputs_t *op, char *err, size_t errlen)
{
    int rc = 0;
    memset(op, 0, sizeof *op);
    if (!text) {
        rc = add_output(op, "avg_stock", 9, "all", 3);
        if (!rc)
            rc = add_output(op, "entries_per_year", 16, "all", 3);
        if (!rc && sc->n_costs)
            rc = add_output(op, "cost_per_year", 13, "all", 3);
    } else {
        for (const char *p = text; *p && !rc;) {
            const char *end = strchr(p, ',');
            size_t len = end ? (size_t)(end - p) : strlen(p);
            const char *colon = memchr(p, ':', len);
            if (!colon || colon == p || colon == p + len - 1) {
                sens__outputs_free(op);
                return sim_err_set(err, errlen, SIM_EINVAL,
                                   "%s: expected METRIC:STAGE, got '%.*s'", flag, (int)len, p);
            }
            rc = add_output(op, p, (size_t)(colon - p), colon + 1, len - (size_t)(colon - p) - 1);
            p = end ? end + 1 : p + len;
        }
        if (!rc && op->n == 0)
            return sim_err_set(err, errlen, SIM_EINVAL,
                               "%s: give at least one METRIC:STAGE", flag);
    }
    if (rc) {
        sens__outputs_free(op);
        return rc == SIM_ERANGE ? sim_err_set(err, errlen, SIM_EINVAL,
                                              "%s: at most %d outputs", flag,
                                              SENS__MAX_OUTPUTS)
                                : sim_err_set(err, errlen, SIM_ENOMEM, "out of memory");
    }
    /* check the names against the scenario's figures */
    model_plan_t plan;
    if (model_plan_init(&plan, sc) != 0) {
        sens__outputs_free(op);
        return sim_err_set(err, errlen, SIM_ENOMEM, "out of memory");
    }
    int status = 0;
    for (int i = 0; i < op->n && status == 0; i++) {
        for (int j = 0; j < i; j++)
            if (!strcmp(op->metric[i], op->metric[j]) && !strcmp(op->stage[i], op->stage[j]))
                status = sim_err_set(err, errlen, SIM_EINVAL, "%s: %s:%s is given twice",
                                     flag, op->metric[i], op->stage[i]);
        if (status == 0 && figures_find(sc, &plan, op->metric[i], op->stage[i], &op->fig[i]))
            status = sim_err_set(err, errlen, SIM_ENOMEM, "out of memory");
        else if (status == 0 && op->fig[i] < 0) {
            char names[400] = "";
            figures_names(sc, &plan, names, sizeof names, op->metric[i]);
            if (!names[0])
                figures_names(sc, &plan, names, sizeof names, NULL);
            status = sim_err_set(err, errlen, SIM_EINVAL,
                                 "%s: no figure %s:%s in this scenario (outputs are "
                                 "summary.csv's metric:stage pairs: %s)",
                                 flag, op->metric[i], op->stage[i], names);
        }
        sens__output_series(sc, op, i);
    }
    model_plan_free(&plan);
    if (status != 0)
        sens__outputs_free(op);
    return status;
}
/* ---- setup -------------------------------------------------------------------------- */

void sens__sweep_free(sens__sweep_t *w)
{
    sens__outputs_free(&w->out);
    mem_free(w->U);
    mem_free(w->vtext);
    mem_free(w->val);
    mem_free(w->done);
    mem_free(w->todo);
    mem_free(w->paths_owned);
    if (w->have_plan)
        model_plan_free(&w->plan);
    if (w->ckpt)
        fclose(w->ckpt);
    if (w->have_tx)
        outtx_abort(&w->tx);
    pthread_mutex_destroy(&w->mu);
}

static int setup(sens__sweep_t *w, const scenario_t *sc, const sens_opts_t *o, char *err,
                 size_t errlen)
{
    w->sc = sc;
    w->o = o;
    w->k = sc->n_uncertain;
    w->reps = sc->replications;
    if (w->k > 0 && !(w->paths_owned = mem_calloc((size_t)w->k, sizeof *w->paths_owned)))
        return sim_err_set(err, errlen, SIM_ENOMEM, "out of memory");
    for (int i = 0; i < w->k; i++)
        w->paths_owned[i] = sc->uncertain[i].path;
    w->paths = w->paths_owned;
    w->levels = o->levels > 0 ? o->levels : 4;
    if (w->k == 0)
        return sim_err_set(err, errlen, SIM_EINVAL,
                           "%s:1:1: error: the scenario has no `uncertain:` parameters to "
                           "analyse (see docs/scenario-reference.md)", sc->path);
    switch (o->method) {
    case SENS_OAT: w->samples = 1; break;
    case SENS_MORRIS: w->samples = o->samples > 0 ? o->samples : 10; break;
    case SENS_SOBOL: w->samples = o->samples > 0 ? o->samples : 64; break;
    case SENS_LHS: w->samples = o->samples > 0 ? o->samples : 100; break;
    case SENS_METHOD_N: break;
    }
    if (o->method == SENS_MORRIS && (w->samples < 2 || w->levels < 2 || w->levels % 2))
        return sim_err_set(err, errlen, SIM_EINVAL,
                           "morris needs --samples >= 2 trajectories and an even --levels "
                           ">= 2");
    if (o->method == SENS_SOBOL && w->samples < 4)
        return sim_err_set(err, errlen, SIM_EINVAL, "sobol needs --samples >= 4 base rows");
    if (o->method == SENS_SOBOL && 2 * w->k > 1024)
        return sim_err_set(err, errlen, SIM_EINVAL,
                           "sobol handles at most 512 uncertain parameters");
    if (o->method == SENS_LHS && w->samples < 2)
        return sim_err_set(err, errlen, SIM_EINVAL, "lhs needs --samples >= 2 points");
    int rc = sens__outputs_parse(sc, "--outputs", o->outputs, &w->out, err, errlen);
    if (rc != 0)
        return rc;
    if (model_plan_init(&w->plan, sc) != 0)
        return sim_err_set(err, errlen, SIM_ENOMEM, "out of memory");
    w->have_plan = 1;
    if (o->method == SENS_LHS)
        for (int i = 0; i < w->out.n; i++) {
            int seen = w->out.ts_row[i] < 0;
            for (int s = 0; s < w->n_series && !seen; s++)
                seen = w->ser_row[s] == w->out.ts_row[i] && w->ser_m[s] == w->out.ts_m[i];
            if (!seen) {
                w->ser_row[w->n_series] = w->out.ts_row[i];
                w->ser_m[w->n_series++] = w->out.ts_m[i];
            }
        }
    if ((rc = sens__design_make(w, err, errlen)) != 0)
        return rc;
    if (o->method == SENS_SOBOL && (w->samples & (w->samples - 1)) && !o->quiet &&
        cluster_rank() == 0)
        fprintf(stderr, "careflow: note: --samples %d is not a power of 2; Sobol points are "
                        "balanced only at powers of 2\n", w->samples);
    w->block = (size_t)w->reps * (size_t)w->out.n + (size_t)w->n_series * (size_t)w->plan.n_reports;
    if (cluster_test_fail("setup", "point") ||
        !(w->val = mem_calloc((size_t)w->n_pts * w->block, sizeof *w->val)) ||
        !(w->done = mem_calloc((size_t)w->n_pts, 1)) ||
        !(w->todo = mem_calloc((size_t)w->n_pts, sizeof *w->todo)))
        return sim_err_set(err, errlen, SIM_ENOMEM,
                           "out of memory (%d design points x %zu values)", w->n_pts, w->block);
    /* rank 0 writes the outputs: probe and lock the folder before simulating */
    if (cluster_rank() == 0) {
        if ((rc = outtx_begin(&w->tx, o->out_dir, "sensitivity", sens__out_names, err,
                              errlen)) != 0)
            return rc;
        w->have_tx = 1;
    }
    return 0;
}

/* ---- gather ------------------------------------------------------------------------- */

/* Every rank's points to rank 0. dealt_from: the done mask the shares were dealt from.
 * Every rank first makes its buffer and the ranks agree, so none sends or receives
 * unless all can. */
static int gather(sens__sweep_t *w, const unsigned char *dealt_from, int rank, int size,
                  char *err, size_t errlen)
{
    size_t most = (size_t)w->n_todo; /* points in the largest message this rank handles */
    int *their = NULL, rc = 0;
    double *buf = NULL;
    if (rank == 0) {
        if (!(their = mem_reallocarray(NULL, (size_t)w->n_pts + 1, sizeof *their)))
            rc = SIM_ENOMEM;
        unsigned char *cur = w->done;
        w->done = (unsigned char *)dealt_from;
        for (int r = 1; r < size && rc == 0; r++) {
            size_t n = (size_t)sens__deal(w, r, size, their);
            most = n > most ? n : most;
        }
        w->done = cur;
    }
    if (rc == 0 && (cluster_test_fail("gather", "point") ||
                    !(buf = mem_reallocarray(NULL, (most ? most : 1) * w->block, sizeof *buf))))
        rc = SIM_ENOMEM;
    if (rc != 0)
        sim_err_set(err, errlen, rc, "out of memory while gathering results");
    if ((rc = cluster_agree(rc)) != 0)
        goto out;
    if (rank != 0) {
        for (int i = 0; i < w->n_todo; i++)
            memcpy(buf + (size_t)i * w->block, &w->val[(size_t)w->todo[i] * w->block],
                   w->block * sizeof *buf);
        rc = cluster_send(buf, (size_t)w->n_todo * w->block);
    } else {
        for (int r = 1; r < size && rc == 0; r++) {
            unsigned char *cur = w->done;
            w->done = (unsigned char *)dealt_from;
            int n = sens__deal(w, r, size, their);
            w->done = cur;
            if ((rc = cluster_recv(r, buf, (size_t)n * w->block)) != 0)
                break;
            for (int i = 0; i < n; i++) {
                memcpy(&w->val[(size_t)their[i] * w->block], buf + (size_t)i * w->block,
                       w->block * sizeof *buf);
                w->done[their[i]] = 1;
            }
        }
    }
    if (rc != 0)
        sim_err_set(err, errlen, rc, "MPI failure while gathering results");
out:
    mem_free(their);
    mem_free(buf);
    return rc;
}

/* ---- sens_run ----------------------------------------------------------------------- */

static int analyse_and_write(sens__sweep_t *w, double t0, char *err, size_t errlen)
{
    sens__results_t *R = mem_calloc(1, sizeof *R);
    if (!R)
        return sim_err_set(err, errlen, SIM_ENOMEM, "out of memory");
    R->w = w;
    int rc = sens__analyse(R, err, errlen);
    if (rc == 0) {
        R->wall = progress_now() - t0;
        rc = sens__write(R, err, errlen);
    }
    sens__results_free(R);
    mem_free(R);
    return rc;
}

int sens__evaluate(sens__sweep_t *w, char *err, size_t errlen)
{
    const sens_opts_t *o = w->o;
    unsigned char *dealt_from = NULL;
    int rank = cluster_rank(), size = cluster_size(), rc = 0;
    if ((!w->val && !(w->val = mem_calloc((size_t)w->n_pts * w->block, sizeof *w->val))) ||
        (!w->done && !(w->done = mem_calloc((size_t)w->n_pts, 1))) ||
        (!w->todo && !(w->todo = mem_calloc((size_t)w->n_pts, sizeof *w->todo))))
        rc = sim_err_set(err, errlen, SIM_ENOMEM, "out of memory (%d points x %zu values)",
                         w->n_pts, w->block);
    /* the mask as broadcast: rank 0 deals the other ranks' shares from it again */
    if (rc == 0 && size > 1 && !(dealt_from = mem_alloc((size_t)w->n_pts)))
        rc = sim_err_set(err, errlen, SIM_ENOMEM, "out of memory");
    if (rc == 0)
        sens__ckpt_key(w);
    if ((rc = cluster_agree(rc)) != 0)
        goto out;

    /* resume: rank 0 reads the checkpoint, every rank learns what is done */
    w->n_resumed = 0;
    if (rank == 0) {
        if (o->fresh)
            sens__ckpt_remove(w);
        else
            sens__ckpt_read(w);
        if (w->n_resumed && !o->quiet)
            fprintf(stderr, "careflow: resuming: %d of %d %ss already done\n", w->n_resumed,
                    w->n_pts, w->unit ? w->unit : "design point");
    }
    if ((rc = cluster_bcast(w->done, (size_t)w->n_pts)) != 0) {
        sim_err_set(err, errlen, rc, "MPI broadcast failed");
        goto out;
    }
    if (dealt_from)
        memcpy(dealt_from, w->done, (size_t)w->n_pts);
    w->n_todo = sens__deal(w, rank, size, w->todo);

    /* sweep */
    int local = 0;
    if (w->n_todo > 0)
        local = w->status = sens__ckpt_open(w, rank, w->err, sizeof w->err);
    if (local == 0 && w->n_todo > 0 && cluster_test_fail("point", "point"))
        sens__fail(w, SIM_ENOMEM, "out of memory at its first design point "
                                  "(CAREFLOW_TEST_FAIL_RANK)");
    if (local == 0)
        local = sens__sweep_run(w, rank == 0 && !o->quiet && isatty(2));
    if (w->ckpt) {
        fclose(w->ckpt);
        w->ckpt = NULL;
    }
    if (local != 0) {
        int interrupted = local == SIM_EINTR;
        sim_err_set(err, errlen, local, "%s%s", w->err,
                    interrupted ? "; finished points are kept: run the same command "
                                  "again to resume" : "");
    }
    if ((rc = cluster_agree(local)) != 0)
        goto out;

    /* gather on rank 0 */
    if (size > 1)
        rc = gather(w, dealt_from, rank, size, err, errlen);
out:
    mem_free(dealt_from);
    return rc;
}

int sens_run(const scenario_t *sc, const sens_opts_t *o, char *err, size_t errlen)
{
    sens__sweep_t w;
    signals_save_t sigs;
    int rank = cluster_rank(), size = cluster_size(), rc;
    double t0 = progress_now();
    memset(&w, 0, sizeof w);
    pthread_mutex_init(&w.mu, NULL);
    err[0] = 0;
    signals_catch(&sigs);
    rc = setup(&w, sc, o, err, errlen);
    if ((rc = cluster_agree(rc)) != 0)
        goto out;
    if (!o->quiet && rank == 0)
        fprintf(stderr, "careflow: %s: %d parameters, %d design points x %d replications%s\n",
                sens_method_name(o->method), w.k, w.n_pts, w.reps,
                size > 1 ? " over MPI ranks" : "");
    if ((rc = sens__evaluate(&w, err, errlen)) != 0)
        goto out;
    if (rank == 0) {
        rc = analyse_and_write(&w, t0, err, errlen);
        if (rc == 0) {
            if (!o->quiet)
                fprintf(stderr, "wrote %s (%s results for %d output%s, %d design points x %d "
                                "replications, %.1f s)\n",
                        o->out_dir, sens_method_name(o->method), w.out.n,
                        w.out.n == 1 ? "" : "s", w.n_pts, w.reps, progress_now() - t0);
        }
    }
out:
    if (rc == SIM_EPEER)
        err[0] = 0; /* the failing rank says what failed */
    sens__sweep_free(&w);
    signals_restore(&sigs);
    return rc;
}
