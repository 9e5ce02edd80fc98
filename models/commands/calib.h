/* calib.h: `careflow calibrate`: fits a scenario's `uncertain:` parameters (their
 * distributions are the prior ranges) to its `observed:` items.
 *
 * Contract: `careflow calibrate SCENARIO.yaml [--samples N] [--reps N] [--out DIR]`
 * writes calibrate.csv (name,label,estimate,low,high), calibrated.yaml (a scenario
 * that includes the original and sets the estimates), the calibrated scenario's
 * fit.csv and plots. Design points are simulated by the machinery `sensitivity` uses
 * (sens_internal.h: sens__evaluate): threads, MPI ranks, resume, byte-identical
 * results at any thread or rank count. */
#ifndef MODELS_CALIB_H
#define MODELS_CALIB_H

#include <stddef.h>

#include "models/scenario/scenario.h"
#include "sim/err.h"

typedef struct calib_opts {
    int samples;             /* first-stage design points (0: the default) */
    int threads;             /* threads in this process, >= 1 */
    const char *out_dir;     /* output folder */
    const char *const *sets; /* the user's --set overrides (already in sc) */
    int n_sets;
    int no_plots, quiet;
    int fresh;               /* ignore (and remove) a checkpoint */
    const char *cmdline;     /* for the manifest */
    int stop_after;          /* tests: stop as if interrupted after this many points */
} calib_opts_t;

/* Calibrates sc (loaded with o->sets; replications and seed as given). 0, or a SIM_E*
 * code with err (SIM_EINVAL: no uncertain parameters or no observed items: exit 2).
 * On every MPI rank alike; rank 0 writes. */
int calib_run(const scenario_t *sc, const calib_opts_t *o, char *err, size_t errlen);

#endif
