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
    const char *const *sets; /* the --set overrides given (for report.html), [n_sets] */
    int n_sets;
    /* compare only: [scenarios] each one's cost items before compare lent it another's
     * (scenario_adopt_costs appends them), for its folder's files; NULL: all its own */
    const int *own_costs;
    /* run only: the simulated case records of replication 1 (--episodes ...) */
    const char *episodes; /* FILE, or NULL: none */
    int ep_format;        /* RUN_EP_CAREFLOW, RUN_EP_SSDA903 or RUN_EP_CIN */
    int ep_returns;       /* 1: one set per collection year (SSDA903; CIN always) */
    int ep_dates;         /* RECW_ISO or RECW_DMY (models/records/rec_write.h) */
} run_opts_t;

enum { RUN_EP_CAREFLOW, RUN_EP_SSDA903, RUN_EP_CIN };

/* `careflow run`. With o->episodes, replication 1 also logs its stays and they are
 * written as case records, an extract on the horizon's last day (see rec_write.h):
 *   careflow  FILE itself;
 *   ssda903   BASE-header.csv, BASE-episodes.csv, BASE-uasc.csv (children flagged
 *             uasc, if any), or with ep_returns BASE-YYYY-header.csv ... per collection
 *             year YYYY (the year ending 31 March YYYY) wholly simulated;
 *   cin       BASE-YYYY.xml per collection year;
 * where BASE is FILE without its .csv or .xml. Files inside OUT are written in its
 * transaction; others beside FILE under temporary names, renamed in only once OUT is
 * committed (on failure none is left). The scenario's replications and seed are used as they are (the CLI replications and seed are used as they are (the CLI
 * applies --reps and --seed). Returns 0, or a SIM_E* code with one line in err:
 * SIM_EBUSY (another careflow writes OUT), SIM_EINTR, SIM_EIO, SIM_ENOMEM, SIM_EINVAL
 * (also: ssda903 records of a scenario without a stage named care, before simulating). */
int run_scenario(scenario_t *sc, const run_opts_t *o, char *err, size_t errlen);

/* Simulates replications 0..sc->replications-1 of sc into res[] (initialised by the
 * caller) on `threads` threads, with a progress bar when show_bar. 0, or SIM_E* with
 * one line ("replication 3 failed: out of memory", "interrupted by SIGINT"). Used by
 * run and compare. */
int run_replications(const scenario_t *sc, const model_plan_t *plan, model_result_t *res,
                     int threads, int show_bar, char *err, size_t errlen);

#endif
