/* runs.h: the replication harness shared by the model and scenario tests: load a
 * scenario (from a file or from text), run its replications in this thread, and
 * summarise a metric as a mean with its standard error. Header-only (static
 * functions), included by one test file each; include <cmocka.h> first. */
#ifndef TESTS_RUNS_H
#define TESTS_RUNS_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "models/pathway/model.h"
#include "models/scenario/scenario.h"

typedef struct runs {
    scenario_t *sc;
    model_plan_t plan;
    int n;
    model_result_t *r;
} runs_t;

/* Loads `path`; reps > 0 and horizon > 0 override the scenario's; runs every
 * replication. Fails the test if the scenario does not load. */
static inline void runs_file(runs_t *R, const char *path, int reps, double horizon)
{
    char err[512] = "";
    R->sc = NULL;
    if (scenario_load(path, NULL, 0, &R->sc, err, sizeof err) != 0)
        fail_msg("scenario did not load: %s", err);
    if (reps > 0) R->sc->replications = reps;
    if (horizon > 0) R->sc->horizon = horizon;
    R->n = R->sc->replications;
    assert_int_equal(model_plan_init(&R->plan, R->sc), 0);
    R->r = calloc((size_t)R->n, sizeof *R->r);
    assert_non_null(R->r);
    for (int i = 0; i < R->n; i++) {
        assert_int_equal(model_result_init(&R->r[i], R->sc, &R->plan), 0);
        assert_int_equal(model_run(R->sc, &R->plan, i, &R->r[i], NULL), 0);
    }
}

/* The same from YAML text (written to a temporary file, removed after loading). */
static inline void runs_do(runs_t *R, const char *yaml)
{
    char path[] = "/tmp/careflow-test-runs-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    assert_non_null(f);
    fputs(yaml, f);
    fclose(f);
    runs_file(R, path, 0, 0);
    unlink(path);
}

static inline void runs_free(runs_t *R)
{
    for (int i = 0; i < R->n; i++) model_result_free(&R->r[i]);
    free(R->r);
    model_plan_free(&R->plan);
    scenario_free(R->sc);
}

typedef struct est {
    double mean, se;
} est_t;

static inline est_t summarise(const double *x, int n)
{
    double s = 0, ss = 0;
    for (int i = 0; i < n; i++) s += x[i];
    double mean = s / n;
    for (int i = 0; i < n; i++) ss += (x[i] - mean) * (x[i] - mean);
    est_t e = {mean, n > 1 ? sqrt(ss / (n - 1) / n) : 0};
    return e;
}

static inline int row_of(const runs_t *R, const char *stage)
{
    if (strcmp(stage, "all") == 0) return R->sc->n_stages;
    int s = scenario_stage_index(R->sc, stage);
    assert_true(s >= 0);
    return s;
}

static inline est_t stage_metric(const runs_t *R, const char *stage, int metric)
{
    double x[256] = {0};
    assert_true(R->n <= 256);
    int row = row_of(R, stage);
    for (int i = 0; i < R->n; i++) x[i] = R->r[i].stage[(size_t)row * MS_N + metric];
    return summarise(x, R->n);
}

static inline est_t pool_metric(const runs_t *R, int p, int metric)
{
    double x[256] = {0};
    for (int i = 0; i < R->n; i++) x[i] = R->r[i].pool[(size_t)p * MP_N + metric];
    return summarise(x, R->n);
}

/* |estimate - truth| within k standard errors plus a small relative slack for the
 * bias of finite runs; prints what it compares when it fails. */
static inline void assert_near(const char *what, est_t e, double truth, double k, double rel)
{
    double tol = k * e.se + rel * fabs(truth);
    if (!(fabs(e.mean - truth) <= tol))
        fail_msg("%s: simulated %.6g (se %.3g), theory %.6g, tolerance %.3g", what, e.mean, e.se,
                 truth, tol);
}

#endif
