/* sweep.h: `careflow sweep`: the scenario at each value of one or two --set paths,
 * with common random numbers, and the value at which a target is met.
 *
 * Contract: `careflow sweep SCENARIO.yaml --vary PATH=LOW:HIGH:STEP [--vary ...]
 * [--target METRIC:STAGE<=X] [--reps N] [--out DIR]` writes sweep.csv
 * (value,metric,stage,mean,ci95_low,ci95_high,p05,p95), plots and report files; with
 * --target it prints "answer: PATH=VALUE" and writes sweep_answer.csv
 * (path,value,metric,stage,target,share_met). The points are simulated by the
 * machinery `sensitivity` uses (sens_internal.h: sens__evaluate), so they spread over
 * threads and MPI ranks, resume after an interruption and are byte-identical at any
 * thread or rank count. */
#ifndef MODELS_SWEEP_H
#define MODELS_SWEEP_H

#include <stddef.h>

#include "models/scenario/scenario.h"
#include "sim/err.h"

typedef struct sweep_opts {
    const char *const *vary; /* [n_vary] "PATH=LOW:HIGH:STEP" as the user gave them */
    int n_vary;              /* 1 or 2 */
    const char *target;      /* "METRIC:STAGE<=X" / ">=X", or NULL */
    const char *outputs;     /* "METRIC:STAGE,..." more figures to sweep, or NULL */
    int threads;             /* threads in this process, >= 1 */
    const char *out_dir;     /* output folder */
    const char *const *sets; /* the user's --set overrides (already in sc) */
    int n_sets;
    int no_plots, quiet;
    int fresh;               /* ignore (and remove) a checkpoint */
    const char *cmdline;     /* for the manifest */
    int stop_after;          /* tests: stop as if interrupted after this many points */
} sweep_opts_t;

/* Runs the sweep on sc (loaded with o->sets; its replications and seed as given).
 * 0; SIM_EINVAL for a bad --vary / --target (message in err, exit 2); SIM_ERANGE when
 * no swept value meets the target (the results are written; exit 1); or another
 * SIM_E* code with err. On every MPI rank alike; rank 0 writes. */
int sweep_run(const scenario_t *sc, const sweep_opts_t *o, char *err, size_t errlen);

#endif
