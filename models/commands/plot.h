/* plot.h: draws the plots of a finished run, comparison or sensitivity sweep with
 * gnuplot, from the CSVs it wrote.
 *
 * Files: plot.c (the driver: finding the scripts, running gnuplot with a log, checking
 * and installing the images), plot_run.c (plot_render), plot_compare.c
 * (plot_render_compare), plot_sens.c (plot_render_sensitivity), plot_table.c (their
 * CSVs read whole, over sim/csv) and the private plot_internal.h.
 *
 * The scripts live in the plots folder (*.gp files). Each plot_render* runs gnuplot on
 * them into a temporary folder OUT/.plots.tmp.PID, checks every image it drew (gnuplot
 * exits 0 even when a full disk left its files empty: a PNG must run from its signature
 * to its IEND chunk, an SVG end in </svg>, each image come in both formats and the
 * images the script always draws be there) and only then renames the folder to
 * OUT/plots, replacing an older one: a failed or incomplete drawing never leaves a
 * half-drawn folder and leaves the earlier plots as they were.
 *
 * OUT (out_dir) may be a staging folder that the caller swaps in whole: the plots are
 * written into exactly out_dir/plots, temporary files and folders stay inside out_dir
 * (.plots.tmp.PID, .plots.old.PID, .plots.data.PID, all removed before returning), and
 * nothing outside out_dir is created, changed or removed.
 *
 * Errors (sim/err.h): 0, or a negative code with a one-line message in err ending in
 * "plots skipped": SIM_EINVAL (no folder or scenario, an unknown method, a malformed
 * CSV), SIM_EIO (a missing CSV or script, gnuplot missing or failing, "plot FILE is
 * empty or incomplete", a rename failing), SIM_ENOMEM. Nothing here prints or exits. */
#ifndef MODELS_PLOT_H
#define MODELS_PLOT_H

#include <stddef.h>
#include <stdint.h>

#include "models/scenario/scenario.h"

/* Where the gnuplot scripts are: $CAREFLOW_PLOTS if set, else the plots/ folder found
 * beside or above the running executable (build/careflow -> ./plots), else NULL. */
const char *plot_scripts_dir(char *buf, size_t len);

/* Reads out_dir/timeseries.csv, out_dir/summary.csv and (if present) out_dir/fit.csv;
 * writes PNG and SVG files into out_dir/plots/. Returns 0, or a negative SIM_E* code
 * with a one-line message in err (see the top: nothing half-written is left). */
int plot_render(const scenario_t *sc, const char *out_dir, const char *scripts_dir,
                char *err, size_t errlen);

/* Draws a comparison's plots (difference over time with its band, cost components)
 * from out_dir/compare_timeseries.csv and out_dir/compare.csv, as plot_render does. */
int plot_render_compare(const scenario_t *base, const char *out_dir, const char *scripts_dir,
                        char *err, size_t errlen);

/* Draws a sensitivity analysis's plots (`careflow sensitivity`), for method "oat",
 * "morris", "sobol" or "lhs", from the CSVs it wrote in out_dir, one plot per output (a
 * distinct metric,stage pair of the method's CSV, in file order) in PNG and SVG:
 *   oat     oat.csv                     -> plots/tornado-METRIC-STAGE
 *   morris  morris.csv                  -> plots/morris-METRIC-STAGE
 *   sobol   sobol.csv                   -> plots/sobol-METRIC-STAGE
 *           sobol_convergence.csv (if present) -> plots/sobol-convergence-METRIC-STAGE
 *   lhs     lhs.csv and Y.csv           -> plots/lhs-hist-METRIC-STAGE
 *           lhs_timeseries.csv (if present)    -> plots/lhs-fan-STAGE-METRIC, one per
 *                                                 stage,metric pair in it
 * (a character of a name other than A-Z a-z 0-9 _ - becomes _ in a file name). The
 * CSVs are read as RFC 4180 and checked first: a missing or malformed file (wrong
 * header, a row of another width, a text where a number is due, an unclosed quote) or
 * an unknown method returns SIM_EINVAL (a missing file SIM_EIO) with a one-line message
 * in err and touches no plots. Empty or nan numbers are allowed: such rows are left out
 * of the plot. As plot_render: 0, or a negative code with OUT/plots as it was. */
int plot_render_sensitivity(const scenario_t *sc, const char *out_dir, const char *scripts_dir,
                            const char *method, char *err, size_t errlen);

/* Draws a backtest's fan charts (`careflow backtest`) from out_dir/backtest.csv and
 * out_dir/actual.csv: for each cutoff and each stage, plots/backtest-CUTOFF-STAGE (PNG
 * and SVG; a character of a stage name other than A-Z a-z 0-9 _ - becomes _): the
 * forecast stock's p05-p95 and p25-p75 bands and median from the cutoff on, the
 * actual month-end stock over it from as many months before the cutoff as the
 * forecast runs after it. source (the records read), seed and reps (replications per
 * cutoff) go into every chart's footer. As plot_render: 0, or a negative code with
 * OUT/plots as it was (plot_backtest.c). */
int plot_render_backtest(const char *out_dir, const char *scripts_dir, const char *source,
                         uint64_t seed, int reps, char *err, size_t errlen);

/* Draws plots/posterior-I (PNG and SVG, I = 1..k) of a calibration (`careflow
 * calibrate`) from data_dir/pI.tsv (bin centre, prior density, posterior density) with
 * each parameter's estimate and 95% interval marked, and adds them to out_dir/plots
 * (made if missing) beside what is there (plot_calib.c). 0, or a negative code with
 * err set and no image added. */
int plot_render_calibrate(const scenario_t *sc, const char *out_dir, const char *data_dir,
                          const char *scripts_dir, int k, const double *est,
                          const double *lo, const double *hi, double ess, char *err,
                          size_t errlen);

#endif
