/* runner.h: runs a scenario's replications on threads and writes its outputs.
 *
 * Replications are shared among threads by an atomic counter; each result lands in its
 * replication's slot, and the outputs are written from the slots in replication order,
 * so the CSVs are byte-identical at any thread count. Every file is written to a
 * temporary name in the output folder and renamed only when all are complete. */
#ifndef MODELS_RUNNER_H
#define MODELS_RUNNER_H

#include <stddef.h>

#include "models/scenario.h"

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

#endif
