/* runner.h: runs a scenario's replications on threads and writes its outputs.
 *
 * Replications are shared among threads by an atomic counter; each result lands in its
 * replication's slot, and the outputs are written from the slots in replication order,
 * so the CSVs are byte-identical at any thread count. Every file is written to a
 * temporary name in the output folder and renamed only when all are complete. */
#ifndef MODELS_RUNNER_H
#define MODELS_RUNNER_H

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>

#include "models/pathway/model.h"
#include "models/scenario/scenario.h"

typedef struct runner_opts {
    int threads;          /* >= 1 */
    const char *out_dir;  /* folder for the outputs (created if missing) */
    int no_plots;         /* skip gnuplot */
    int quiet;            /* no progress bar, no summary line on stderr */
    const char *cmdline;  /* for the manifest */
} runner_opts_t;

/* The scenario's replications and seed are used as they are (the CLI applies --reps
 * and --seed to sc before calling). Returns 0, or -1 with a one-line message in err
 * (runtime failure: exit status 1); on failure no output file is half-written and
 * earlier good results are not overwritten. */
int runner_run(scenario_t *sc, const runner_opts_t *o, char *err, size_t errlen);

/* `careflow compare`: simulates scs[0] (the base) and each alternative scs[1..n) with
 * the same seed and replications (the caller has made them equal), so each
 * replication of an alternative meets the same children with the same draws as the
 * base's (common random numbers), and writes compare.csv (per figure of summary.csv:
 * base and alternative means, the paired difference with its 95% interval and the
 * unpaired interval for reference; then net cost, strand cost, care days avoided,
 * cost per care day avoided and the benefit-cost ratio) and compare_timeseries.csv
 * into o->out_dir, then plots. Scenarios should share start and horizon. Returns 0,
 * or -1 with a one-line message (nothing half-written is left). */
int runner_compare(scenario_t **scs, int n_sc, const runner_opts_t *o, char *err, size_t errlen);

/* ---- shared-internal: for models/sensitivity.c ------------------------------------ */

/* Signals (see runner.c): catch SIGINT, SIGTERM and SIGHUP into a flag, and restore. */
#define RUNNER__N_SIGNALS 3
typedef struct runner__sigsave {
    struct sigaction old[RUNNER__N_SIGNALS]; /* private: previous actions */
    int installed[RUNNER__N_SIGNALS];        /* private: 1 if we replaced that one */
} runner__sigsave_t;
void runner__signals_catch(runner__sigsave_t *s);
void runner__signals_restore(const runner__sigsave_t *s);
int runner__signal(void);              /* the signal caught since, or 0 */
void runner__files_begun(void);        /* from now on a second signal only records */
const char *runner__signal_name(int sig);

double runner__now(void);              /* monotonic seconds */
void runner__put_field(FILE *f, const char *s); /* a CSV field, quoted if it must be */
void runner__put_num(FILE *f, double x);        /* %.10g; NaN: empty */
void runner__put_json_str(FILE *f, const char *s);
int runner__mkdir_p(const char *path);          /* 0, or -1 with errno */
/* out = dir/prefix name suffix; 0, or -1 when it does not fit. */
int runner__join_path(char *out, size_t len, const char *dir, const char *prefix,
                      const char *name, const char *suffix);

/* Writes w's text to dir/.NAME.tmp.PID (its path in tmp); 0, or -1 with err set. */
typedef void (*runner__writer_fn)(FILE *f, void *ctx);
int runner__write_file(const char *dir, const char *name, runner__writer_fn w, void *ctx,
                       char *tmp, size_t tmplen, char *err, size_t errlen);

/* Worker pools: the main thread waits up to 100 ms, or until a worker returns, and
 * gets the number still running; a returning worker says so. */
int runner__wait_workers(pthread_mutex_t *mu, pthread_cond_t *cv, atomic_int *running);
void runner__worker_done(pthread_mutex_t *mu, pthread_cond_t *cv, atomic_int *running);

/* The progress bar: "[####....] 42%  DONE/N WHAT  ETA 3s" on stderr. */
void runner__bar_draw(double frac, int done, int n, const char *what, double elapsed,
                      int *width);

/* The index of summary.csv's figure (metric, stage) among sc's figures: >= 0, -1 (no
 * such figure) or -2 (no memory). Scenarios that differ only in values (design points
 * of one sweep) share the indices. */
int runner__figure_find(const scenario_t *sc, const model_plan_t *plan, const char *metric,
                        const char *stage);
/* v[i] = the value of figure idx[i] in one replication's result (NaN for an index out
 * of range), i < n. Returns 0, or -1 (no memory). */
int runner__figure_values(const scenario_t *sc, const model_plan_t *plan,
                          const model_result_t *r, const int *idx, int n, double *v);
/* "metric:stage, ..." of every figure (of `metric` only, if not NULL), cut to len. */
int runner__figure_names(const scenario_t *sc, const model_plan_t *plan, char *buf,
                         size_t len, const char *metric);

#endif
