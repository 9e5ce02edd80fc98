/* sens_internal.h: what the pieces of `careflow sensitivity` share (private to
 * models/commands/sens*.c; see sens.h for the command).
 *
 * One sweep is one sweep_t, built by the driver (sens.c) and read by the others:
 *   sens_design.c      the unit design, each point's value texts, the parameter
 *                      values at a design coordinate;
 *   sens_sweep.c       simulating design points on this process's threads;
 *   sens_checkpoint.c  OUT/.checkpoint: the key, reading, appending, removing;
 *   sens_analysis.c    per output: means, noise, and the method's indices;
 *   sens_write.c       the result files (one output transaction) and plots.
 *
 * Invariant (byte-identical results): a point's values (val[p]) depend only on the
 * scenario, the design and the seed, never on which thread, rank or earlier
 * interrupted run computed them; the outputs are written by rank 0 in point order.
 *
 * Failure: every function returns 0 or a negative SIM_E* code (sim/err.h), with one
 * line in err where it takes one; a worker thread's first failure is kept in the
 * sweep (sens__fail) and stops the other workers. */
#ifndef MODELS_SENS_INTERNAL_H
#define MODELS_SENS_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>

#include "models/commands/sens.h"
#include "models/pathway/model.h"
#include "sim/outtx.h"
#include "sim/rng.h"
#include "sim/stats.h"

#define SENS__DEFAULT_BOOT 1000
#define SENS__MAX_OUTPUTS 32
#define SENS__MAX_POINTS 4000000 /* design points of one sweep */
#define SENS__VALUE_LEN 64       /* a value's text */
#define SENS__ERR_LEN 1536       /* a worker's message */

/* The outputs analysed: figures of summary.csv ("METRIC:STAGE"). */
typedef struct sens__outputs {
    int n;                                /* outputs, <= SENS__MAX_OUTPUTS */
    char *metric[SENS__MAX_OUTPUTS];      /* owned: summary.csv's metric */
    char *stage[SENS__MAX_OUTPUTS];       /* owned: its stage (or "all") */
    int fig[SENS__MAX_OUTPUTS];           /* its index among the scenario's figures */
    int ts_row[SENS__MAX_OUTPUTS];        /* stage row of its fan chart series, or -1 */
    int ts_m[SENS__MAX_OUTPUTS];          /* MT_* of that series */
} sens__outputs_t;

typedef struct sens__sweep {
    const scenario_t *sc;    /* the scenario as loaded with the user's --set */
    const sens_opts_t *o;    /* the options (sweep and calibrate fill one too) */
    int k;                   /* values per point (sensitivity: uncertain parameters) */
    const char *const *paths; /* [k]: the --set path each value sets (sensitivity: the
                              * uncertain parameters' paths) */
    const char **paths_owned; /* owned: paths, when the sweep made the list */
    const char *unit;        /* what a point is called on the terminal ("swept value");
                              * NULL: "design point" */
    const char *tag;         /* names this set of points in the checkpoint key and file
                              * names (TAG-RANK.txt); NULL: sensitivity's (the method,
                              * points-RANK.txt) */
    int n_pts;               /* design points */
    int reps;                /* replications per point */
    int levels;              /* Morris grid levels */
    int samples;             /* the method's N (trajectories, base rows, points) */
    sens__outputs_t out;     /* the outputs analysed */
    int n_obs;               /* 0 (sensitivity, sweep), or sc->n_observed (calibrate):
                              * each replication's values are then out.n figures
                              * followed by the simulated value of every observed
                              * item (model_result_t.obs; NaN outside the run) */
    double *U;               /* owned [n_pts * k]: the unit design */
    char *vtext;             /* owned [n_pts * k * SENS__VALUE_LEN]: values as text */
    int n_series;            /* fan chart series: distinct (row, metric) of outputs */
    int ser_row[SENS__MAX_OUTPUTS]; /* each series' stage row */
    int ser_m[SENS__MAX_OUTPUTS];   /* each series' MT_* */
    model_plan_t plan;       /* the base scenario's report instants */
    int have_plan;           /* 1 once plan is initialised */
    size_t block;            /* doubles per point: reps * (out.n + n_obs), then the
                              * series */
    double *val;             /* owned [n_pts * block]: per point, replication-major
                              * values, then each series' mean over replications */
    unsigned char *done;     /* owned [n_pts]: 1 once val holds the point */
    int n_resumed;           /* points read from a checkpoint */
    char key[65];            /* checkpoint key (hex SHA-256) */
    int *todo;               /* owned [n_pts]: this process's points, n_todo of them */
    int n_todo;              /* points this process runs */
    atomic_int n_done;       /* points finished by this process */
    atomic_int stop;         /* 1: running points stop before their next replication */
    pthread_mutex_t mu;      /* guards done, ckpt, status and err */
    FILE *ckpt;              /* this rank's checkpoint, appended; NULL if not open */
    int status;              /* 0, or the first failure's SIM_E* code */
    char err[SENS__ERR_LEN]; /* its message */
    outtx_t tx;              /* rank 0: the output transaction, begun in setup (the
                              * folder probed and locked before simulating) */
    int have_tx;             /* 1 while tx is begun */
} sens__sweep_t;

/* The names a sweep's output set may hold (sim/outtx.h), NULL-terminated: every
 * result file, the plots and the checkpoint folder (gone once the set is swapped in). */
extern const char *const sens__out_names[];

/* ---- sens.c ------------------------------------------------------------------------ */

/* Parses "M:S,M:S" (NULL: the defaults: avg_stock:all, entries_per_year:all and, with
 * costs, cost_per_year:all) into op and checks each against sc's figures. 0, or
 * SIM_EINVAL / SIM_ENOMEM with err (prefixed by `flag`, e.g. "--outputs"). */
int sens__outputs_parse(const scenario_t *sc, const char *flag, const char *text,
                        sens__outputs_t *op, char *err, size_t errlen);
int sens__outputs_add(sens__outputs_t *op, const char *metric, const char *stage);
void sens__outputs_free(sens__outputs_t *op);
/* Sets op's fan chart series of output i (ts_row, ts_m). */
void sens__output_series(const scenario_t *sc, sens__outputs_t *op, int i);

/* Phases 2 to 4 of a sweep, shared by sensitivity, sweep and calibrate, on every rank
 * alike: rank 0 reads the checkpoint (or removes it: o->fresh) and every rank learns
 * which points are done; the rest are dealt to ranks and simulated on each rank's
 * threads; the values are gathered on rank 0. Needs sc, o, k, paths, tag, n_pts,
 * vtext, reps, out, n_obs, plan, n_series (and ser_*), block; allocates val, done
 * and todo.
 * On rank 0, on success,
 * every point's values are in val. 0, or a SIM_E* code with err (SIM_EPEER: another
 * rank failed and says why). */
int sens__evaluate(sens__sweep_t *w, char *err, size_t errlen);
/* Frees what a sweep owns (outputs, design, values, plan, checkpoint file, an
 * unfinished output transaction) and its mutex. */
void sens__sweep_free(sens__sweep_t *w);

/* Records the first failure (code < 0, msg) and stops the workers; thread safe. */
void sens__fail(sens__sweep_t *w, int code, const char *msg);
/* *out = sc (as loaded, with the user's --set) with `more` (n_more "PATH=VALUE" texts)
 * applied, in memory (scenario_vary: no file is read again), as a new scenario the
 * caller frees. 0, or SIM_EINVAL (the values make it invalid: the loader's message
 * in err) or SIM_ENOMEM. Thread safe. */
int sens__vary(const scenario_t *sc, const char *const *more, int n_more, scenario_t **out,
               char *err, size_t errlen);
/* "careflow: warning: ..." on stderr, unless o->quiet. */
void sens__warn(const sens__sweep_t *w, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* "FILE:L:C: error: MSG" -> "FILE:L:C: MSG" in place (to quote a message in another). */
const char *sens__drop_error_word(char *msg);

/* ---- sens_design.c -------------------------------------------------------------------- */

/* Point p's value text of parameter i. */
char *sens__vt(const sens__sweep_t *w, int p, int i);
/* The value of u at design coordinate x (ends: OAT or Morris, see sens_design.c). */
double sens__param_value(const scn_uncertain_t *u, double x, int ends);
/* The text --set is given for value v of u. */
void sens__value_text(const scn_uncertain_t *u, double v, char *buf, size_t len);
/* Builds w->U and w->vtext (n_pts set from the method). 0, SIM_EINVAL (too many
 * points, or the design refuses the sizes) or SIM_ENOMEM, with err. */
int sens__design_make(sens__sweep_t *w, char *err, size_t errlen);

/* ---- sens_sweep.c --------------------------------------------------------------------- */

/* The points rank `rank` of `size` computes: those not done, dealt round-robin into
 * todo; returns how many. */
int sens__deal(const sens__sweep_t *w, int rank, int size, int *todo);
/* Simulates w->todo on o->threads threads (a progress bar if show_bar), appending each
 * finished point to the checkpoint. 0, or w->status (the first failure). */
int sens__sweep_run(sens__sweep_t *w, int show_bar);

/* ---- sens_checkpoint.c ----------------------------------------------------------------- */

/* Sets w->key from everything a point's values depend on (every input file's hash
 * included). */
void sens__ckpt_key(sens__sweep_t *w);
/* Rank 0: reads the checkpoint files of this sweep into val and done (n_resumed);
 * removes those of another sweep, saying on stderr when the inputs changed. */
void sens__ckpt_read(sens__sweep_t *w);
/* Removes this set of points' checkpoint files (TAG-*.txt), then the folder if empty. */
void sens__ckpt_remove(const sens__sweep_t *w);
/* Opens this rank's checkpoint for appending (with its header when new). 0, or
 * SIM_EIO / SIM_EINVAL with err. */
int sens__ckpt_open(sens__sweep_t *w, int rank, char *err, size_t errlen);
/* Appends point p; call under w->mu. 0, or SIM_EIO. */
int sens__ckpt_write(sens__sweep_t *w, int p);

/* ---- sens_analysis.c ------------------------------------------------------------------- */

/* Per output: each point's mean over replications and the noise summary. */
typedef struct sens__outstat {
    double *y;          /* owned [n_pts]: mean over replications */
    double *se2;        /* owned [n_pts]: squared standard error of that mean */
    double var_points;  /* variance of y over points (divisor n - 1) */
    double var_noise;   /* the noise in a point's mean that differs between points: the
                         * residual variance of a two-way (point x replication) analysis
                         * of variance, over R. With common random numbers a replication's
                         * draws push every point alike; that part cancels in every
                         * comparison between points and is left out */
    double var_unpaired; /* mean of se2: the noise in one point's mean on its own */
    double rep_sd;      /* sqrt(mean within-point variance) */
    int undefined;      /* some point has no value */
} sens__outstat_t;

/* What the writers need: the sweep and its analysis. */
typedef struct sens__results {
    sens__sweep_t *w;                       /* the sweep analysed */
    sens__outstat_t st[SENS__MAX_OUTPUTS];  /* per output */
    double *a[SENS__MAX_OUTPUTS][8];        /* owned: per output, the method's
                                             * per-parameter arrays [k] */
    int n_conv;                             /* sobol: convergence sizes */
    int conv_n[16];                         /* their base rows */
    double *conv[SENS__MAX_OUTPUTS][16][4]; /* owned: S1, S1_conf, ST, ST_conf per size */
    int *order[SENS__MAX_OUTPUTS];          /* owned: oat: parameters by |swing| */
    double wall;                            /* seconds from the start to the writing */
    double *scratch;                        /* owned [reps]: paired differences */
} sens__results_t;

/* Analyses every output into R (R->w set, the rest zero). 0, SIM_EINVAL (an output
 * without a value somewhere) or SIM_ENOMEM, with err. Warnings go to stderr unless
 * quiet. */
int sens__analyse(sens__results_t *R, char *err, size_t errlen);
void sens__results_free(sens__results_t *R);

/* ---- sens_write.c ---------------------------------------------------------------------- */

/* Writes the result files of R and the plots into the sweep's transaction and swaps
 * them in for o->out_dir as one set (nothing half-written; the checkpoint goes with
 * the old set). 0, or SIM_EIO / SIM_EINTR / SIM_ENOMEM with err; then o->out_dir is as
 * it was. */
int sens__write(sens__results_t *R, char *err, size_t errlen);
/* The end of a manifest.json of points (sensitivity, sweep): the figures as a list
 * under `key`, how the points were spread (MPI or threads, ranks, threads a rank),
 * the points resumed, the command line and the wall seconds, and the closing brace. */
void sens__manifest_tail(FILE *f, const sens__sweep_t *w, const char *key, double wall);

#endif
