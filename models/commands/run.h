/* run.h: `careflow run`: simulate a scenario's replications on threads (sim/pool.h)
 * and write its outputs (outputs.h) as one transaction (sim/outtx.h).
 *
 * Order: the output folder is probed first (its parent created, the lock taken, a
 * staging folder made), so an unwritable or busy --out fails before any simulation;
 * then the replications run, each result in its replication's slot; then every file
 * and the plots are written into the staging folder and swapped in for OUT. On any
 * failure or signal OUT is as it was. While it runs, SIGINT, SIGTERM and SIGHUP are
 * caught (sim/signals.h): while simulating, the first stops handing out replications
 * and a second ends the process at once; while writing, a signal is only recorded and
 * stops the command before the swap. The closing report and warnings go to stderr. */
#ifndef MODELS_RUN_H
#define MODELS_RUN_H

#include <stdatomic.h>
#include <stddef.h>

#include "models/pathway/model.h"
#include "models/scenario/scenario.h"

/* The options of run and compare (the CLI fills them). */
typedef struct run_opts {
    int threads;          /* >= 1 */
    const char *out_dir;  /* the output folder (its parent is created if missing) */
    int no_plots;         /* skip gnuplot */
    int quiet;            /* no progress bar, no closing report on stderr */
    const char *cmdline;  /* for the manifest */
} run_opts_t;

/* `careflow run`. The scenario's replications and seed are used as they are (the CLI
 * applies --reps and --seed). Returns 0, or a SIM_E* code with one line in err:
 * SIM_EBUSY (another careflow writes OUT), SIM_EINTR, SIM_EIO, SIM_ENOMEM, SIM_EINVAL. */
int run_scenario(scenario_t *sc, const run_opts_t *o, char *err, size_t errlen);

/* Simulates replications 0..sc->replications-1 of sc into res[] (initialised by the
 * caller) on `threads` threads, with a progress bar when show_bar. 0, or SIM_E* with
 * one line ("replication 3 failed: out of memory", "interrupted by SIGINT"). Used by
 * run and compare. */
int run_replications(const scenario_t *sc, const model_plan_t *plan, model_result_t *res,
                     int threads, int show_bar, char *err, size_t errlen);

#endif
