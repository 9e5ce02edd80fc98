/* outputs.h: the files of `careflow run`: summary.csv, timeseries.csv,
 * replications.csv, fit.csv, costs.csv and manifest.json, and the plots drawn from them.
 *
 * One table (OUTPUTS_RUN_FILES in outputs.c) lists each file with when it is written
 * and its writer: a new output file is one line there. Every file is computed from the
 * replications' results in replication order, so the CSVs are byte-identical at any
 * thread count (only manifest.json, with timings and the thread count, differs). The
 * files are written into an open output transaction (sim/outtx.h): nothing reaches
 * the output folder until the command commits. Errors: 0 or SIM_E* with one line. */
#ifndef MODELS_OUTPUTS_H
#define MODELS_OUTPUTS_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

#include "models/commands/report.h"
#include "models/pathway/model.h"
#include "models/scenario/scenario.h"
#include "sim/outtx.h"

/* What a run hands to the writers; read-only for them except the fit.csv report. */
typedef struct outputs_run {
    const scenario_t *sc;       /* the scenario as run */
    const model_plan_t *plan;   /* its plan */
    const model_result_t *res;  /* [sc->replications], slot i = replication i */
    const char *cmdline;        /* the command line, for the manifest */
    int threads;                /* threads that simulated */
    double t_start;             /* progress_now() when the command began */
    double sim_wall;            /* seconds spent simulating */
    uint64_t events;            /* events over all replications */
    uint64_t children;          /* children over all replications */
    int no_manifest;            /* 1: the caller writes manifest.json (calibrate) */
    const char *subdir;         /* NULL: the files go in OUT itself; else in OUT/subdir,
                                 * a folder the caller made with outtx_mkdir (compare's
                                 * per-scenario folders) */
    double wall;                /* out: seconds from t_start to the manifest */
    int n_skipped;              /* out: observed items outside the horizon (fit.csv) */
    char skipped[1024];         /* out: "label DATE, ..." of those items */
} outputs_run_t;

/* The names a run's set may hold (for outtx_begin): every file of the table, "plots"
 * and "report.html". NULL-terminated. */
extern const char *const outputs_run_names[];

/* Writes every file of the table that this scenario has into tx (under in->subdir when
 * set). */
int outputs_write_run(outtx_t *tx, outputs_run_t *in, char *err, size_t errlen);

/* A plot driver (plot_render, plot_render_compare). */
typedef int (*outputs_render_fn)(const scenario_t *sc, const char *out_dir,
                                 const char *scripts_dir, char *err, size_t errlen);

/* A manifest's `,\n  "inputs": [...]` member: every file the loader read (path and
 * SHA-256 as read), for every command's manifest.json. */
void outputs_put_inputs(FILE *f, const scenario_t *sc);

/* The end of a command's set: draws the plots into the staging folder with render
 * (unless no_plots; a plot that fails is a warning on stderr: the CSVs are the
 * results), then swaps the set in unless a signal came meanwhile. Returns 0 with
 * *plotted (1 when the plots were drawn), SIM_EINTR (nothing replaced), or
 * outtx_commit's code. */
int outputs_finish(outtx_t *tx, const scenario_t *sc, outputs_render_fn render, int no_plots,
                   int *plotted, char *err, size_t errlen);

/* outputs_finish, writing report.html (models/commands/report.h) after the plots and
 * before the swap: meta says what the page is about; its dir, plotted and no_plots_why
 * are filled in here. A page that cannot be written fails the set as any file would. */
int outputs_finish_report(outtx_t *tx, const scenario_t *sc, outputs_render_fn render,
                          int no_plots, report_meta_t *meta, int *plotted, char *err,
                          size_t errlen);

/* What report.html says when no plots were drawn. */
#define OUTPUTS_NO_PLOTS_FLAG "--no-plots was given"
#define OUTPUTS_NO_PLOTS_FAILED                                                             \
    "gnuplot or its scripts could not draw them (the warning on the terminal says why)"

#endif
