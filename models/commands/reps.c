/* reps.c: see reps.h. A replication travels as one run of doubles: its arrays in the
 * order of model_result_t, then events, children and peak_open (counts far below 2^53,
 * so exact as doubles). Its length depends on its scenario and plan (the stages, pools,
 * report instants, strands, cost items and observed items), which every rank has. */
#include "models/commands/reps.h"

#include <stdlib.h>
#include <string.h>

#include "models/commands/cluster.h"
#include "sim/err.h"
#include "sim/mem.h"
#include "sim/signals.h"

/* This rank's view of the task: local job j is global replication rank + j * size. */
typedef struct share {
    const reps_task_t *t;
    int rank, size;
    int fail_first; /* the test hook: its first replication fails */
} share_t;

static int share_job(void *ctx, int j, atomic_uint *progress)
{
    share_t *s = ctx;
    if (j == 0 && s->fail_first)
        return SIM_ENOMEM;
    return s->t->job(s->t->ctx, s->rank + j * s->size, progress);
}

/* The arrays of a result and their lengths, for its scenario and plan. */
typedef struct parts {
    double *p[7];
    size_t n[7];
} parts_t;

static void parts_of(const reps_task_t *t, int i, model_result_t *r, parts_t *v)
{
    const scenario_t *sc = t->sc[i % t->n_sc];
    const model_plan_t *pl = t->plan[i % t->n_sc];
    size_t rows = (size_t)pl->n_rows, k = (size_t)pl->n_reports, np = (size_t)sc->n_pools;
    double *p[7] = {r->stage, r->pool, r->ts, r->pool_ts, r->strand, r->cost, r->obs};
    size_t n[7] = {rows * MS_N,
                   np * MP_N,
                   k * rows * MT_N,
                   k * np * MPT_N,
                   (size_t)sc->n_strands * MX_N,
                   (size_t)(pl->n_periods + 1) * (size_t)sc->n_costs,
                   (size_t)sc->n_observed};
    memcpy(v->p, p, sizeof p);
    memcpy(v->n, n, sizeof n);
}

enum { COUNTERS = 3 };

static size_t packed_len(const reps_task_t *t, int i)
{
    parts_t v;
    size_t n = COUNTERS;
    parts_of(t, i, &t->res[i], &v);
    for (int k = 0; k < 7; k++)
        n += v.n[k];
    return n;
}

static double *pack(const reps_task_t *t, int i, double *at)
{
    parts_t v;
    model_result_t *r = &t->res[i];
    parts_of(t, i, r, &v);
    for (int k = 0; k < 7; k++) {
        memcpy(at, v.p[k], v.n[k] * sizeof *at);
        at += v.n[k];
    }
    *at++ = (double)r->events;
    *at++ = (double)r->children;
    *at++ = (double)r->peak_open;
    return at;
}

static const double *unpack(const reps_task_t *t, int i, const double *at)
{
    parts_t v;
    model_result_t *r = &t->res[i];
    parts_of(t, i, r, &v);
    for (int k = 0; k < 7; k++) {
        memcpy(v.p[k], at, v.n[k] * sizeof *at);
        at += v.n[k];
    }
    r->events = (uint64_t)*at++;
    r->children = (uint64_t)*at++;
    r->peak_open = (size_t)*at++;
    return at;
}

/* Doubles of rank r's replications. */
static size_t share_len(const reps_task_t *t, int r, int size)
{
    size_t n = 0;
    for (int i = r; i < t->n; i += size)
        n += packed_len(t, i);
    return n;
}

/* Every rank's replications to rank 0. Every rank makes its buffer first and the ranks
 * agree, so none sends or receives unless all can. */
static int gather(const reps_task_t *t, int rank, int size, char *err, size_t errlen)
{
    size_t most = 0;
    for (int r = rank == 0 ? 1 : rank; r < (rank == 0 ? size : rank + 1); r++) {
        size_t n = share_len(t, r, size);
        most = n > most ? n : most;
    }
    double *buf = most ? mem_reallocarray(NULL, most, sizeof *buf) : NULL;
    int rc = (most && !buf) || cluster_test_fail("gather", NULL) ? SIM_ENOMEM : 0;
    if (rc)
        sim_err_set(err, errlen, rc, "out of memory while gathering the replications");
    if ((rc = cluster_agree(rc)) != 0)
        goto out;
    if (rank != 0) {
        double *at = buf;
        for (int i = rank; i < t->n; i += size)
            at = pack(t, i, at);
        rc = cluster_send(buf, (size_t)(at - buf));
    } else {
        for (int r = 1; r < size && rc == 0; r++) {
            size_t n = share_len(t, r, size);
            if ((rc = cluster_recv(r, buf, n)) != 0)
                break;
            const double *at = buf;
            for (int i = r; i < t->n; i += size)
                at = unpack(t, i, at);
        }
    }
    if (rc)
        sim_err_set(err, errlen, rc, "MPI failure while gathering the replications");
out:
    mem_free(buf);
    return rc;
}

int reps_run(const reps_task_t *t, char *err, size_t errlen)
{
    int rank = cluster_rank(), size = cluster_size(), rc;
    int mine = rank < t->n ? (t->n - rank + size - 1) / size : 0;
    share_t s = {t, rank, size, cluster_test_fail("replication", NULL)};
    pool_task_t pt = {.n = mine,
                      .threads = t->threads < 1 ? 1 : t->threads,
                      .job = share_job,
                      .ctx = &s,
                      .what = "replications",
                      .show_bar = t->show_bar};
    pool_report_t rep;
    char perr[256];
    err[0] = '\0';
    rc = pool_run(&pt, &rep, perr, sizeof perr);
    if (rc == 0 && rep.done != mine) /* cannot happen: every index ran */
        rc = sim_err_set(err, errlen, SIM_EIO, "only %d of %d replications ran", rep.done,
                         mine);
    else if (rc && rep.failed >= 0)
        sim_err_set(err, errlen, rc, "replication %d failed: %s; no output written",
                    rank + rep.failed * size + 1, sim_strerror(rc));
    else if (rc == SIM_EINTR)
        sim_err_set(err, errlen, rc, "interrupted by %s; no output written",
                    signals_name(rep.signal));
    else if (rc)
        sim_err_set(err, errlen, rc, "%s", perr);
    if (size == 1)
        return rc;
    if ((rc = cluster_agree(rc)) != 0) {
        if (rc == SIM_EPEER)
            err[0] = '\0'; /* the failing rank says what failed */
        return rc;
    }
    rc = gather(t, rank, size, err, errlen);
    if (rc == SIM_EPEER)
        err[0] = '\0';
    return rc;
}

int reps_should_say(int rc)
{
    if (rc == 0 || rc == SIM_EPEER)
        return 0;
    if (cluster_rank() == 0)
        return 1;
    /* what this rank alone met; the rest every rank meets alike, and rank 0 says it */
    return rc == SIM_ENOMEM || rc == SIM_ETIME || rc == SIM_ERANGE;
}
