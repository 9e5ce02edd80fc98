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

#endif
