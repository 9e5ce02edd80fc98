/* sweep_internal.h: what the pieces of `careflow sweep` share (private to
 * models/commands/sweep*.c and plot_sweep.c; see sweep.h for the command).
 *
 *   sweep.c        the driver: --vary and --target parsed and checked, the grid, the
 *                  figures swept, the points simulated by sensitivity's machinery
 *                  (sens__evaluate), the summaries, the answer and the terminal table;
 *   sweep_write.c  sweep.csv, sweep_answer.csv, manifest.json (one output transaction)
 *                  and the plots;
 *   plot_sweep.c   the plots (plots/sweep.gp), from the CSVs written.
 *
 * A grid of one or two axes; point p holds value i1 = p % n1 of the first axis and
 * i2 = p / n1 of the second (the first axis runs fastest). Every point runs the same
 * seed and replication numbers (common random numbers), so neighbouring values differ
 * by the change of value, not by chance. */
#ifndef MODELS_SWEEP_INTERNAL_H
#define MODELS_SWEEP_INTERNAL_H

#include <stddef.h>

#include "models/commands/sens_internal.h"
#include "models/commands/sweep.h"

#define SWEEP__MAX_AXIS 1000   /* values of one --vary */
#define SWEEP__MAX_POINTS 10000 /* points of the grid */
#define SWEEP__SHARE 0.9       /* the share of replications a target must hold in */

/* One --vary: the values LOW + i x STEP, i = 0..n-1, up to HIGH. */
typedef struct sweep__axis {
    const char *given;  /* the argument as given */
    char *path;         /* owned: the --set path */
    double low, high, step; /* as given */
    int n;              /* values */
    double *v;          /* owned [n]: each value (as its text reads back) */
    char *text;         /* owned [n * SENS__VALUE_LEN]: each value's shortest text */
} sweep__axis_t;

/* Summary of one figure at one point, over its replications. */
typedef struct sweep__stat {
    double mean, lo, hi; /* mean and its 95% Student-t interval */
    double p05, p95;     /* 5th and 95th percentiles of the replications' values */
    int n;               /* replications with a value */
} sweep__stat_t;

/* The target and, per value of the second axis (one row for a one-way sweep), its
 * answer on the first axis. */
typedef struct sweep__target {
    int on;             /* 1 if --target was given */
    int ge;             /* 1 for ">=" (largest value), 0 for "<=" (smallest) */
    double x;           /* the bound */
    char text[80];      /* "<=10" as given, number in shortest form */
    double *share;      /* owned [n_pts]: share of replications meeting it */
    int *met;           /* owned [n_pts]: replications meeting it */
    int *answer;        /* owned [n2]: index on the first axis, or -1 */
    int *n_beyond;      /* owned [n2]: values beyond the answer (larger for "<=",
                         * smaller for ">=") that fail again */
    int n_answered;     /* rows with an answer */
} sweep__target_t;

typedef struct sweep__run {
    const scenario_t *sc;      /* the scenario as loaded */
    const sweep_opts_t *o;     /* the options */
    sens_opts_t so;            /* what the shared machinery reads */
    sens__sweep_t w;           /* the points and their values (sens_internal.h) */
    int n_ax;                  /* 1 or 2 */
    sweep__axis_t ax[2];       /* the axes */
    const char *paths[2];      /* ax[i].path, for w.paths */
    sweep__target_t tg;        /* the target (output 0 when on) */
    sweep__stat_t *st;         /* owned [out.n * n_pts]: output-major */
    int i_final, i_avgw, i_stock; /* with a target on a wait of a stage: the outputs
                                * final_waiting, avg_waiting and avg_stock of that stage,
                                * else -1 */
    double wall;               /* seconds from the start to the writing */
} sweep__run_t;

/* Value text of axis a at index i. */
static inline const char *sweep__vt(const sweep__axis_t *a, int i)
{
    return a->text + (size_t)i * SENS__VALUE_LEN;
}

/* The files a sweep's output set may hold, NULL-terminated (sim/outtx.h). */
extern const char *const sweep__out_names[];

/* Writes sweep.csv, sweep_answer.csv (with a target), manifest.json and the plots into
 * the transaction and commits it. 0, or SIM_EIO / SIM_EINTR / SIM_ENOMEM with err. */
int sweep__write(sweep__run_t *S, char *err, size_t errlen);

/* Draws the sweep's plots into out_dir/plots from out_dir/sweep.csv (and
 * sweep_answer.csv): one chart per figure (one-way) or one heat map per figure
 * (two-way). 0, or a negative SIM_E* code with err ("...: plots skipped"). */
int sweep__plot(const sweep__run_t *S, const char *out_dir, const char *scripts_dir,
                char *err, size_t errlen);

#endif
