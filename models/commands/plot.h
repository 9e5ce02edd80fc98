/* plot.h: draws a finished run's plots with gnuplot, from the CSVs it wrote.
 *
 * The scripts live in the plots folder (*.gp files); plot_render() runs gnuplot on
 * them with the run's folder and the scenario's dates and stage names, into a
 * temporary folder that is
 * renamed to OUT/plots when every plot is drawn: a failed plot never leaves a
 * half-drawn folder behind. */
#ifndef MODELS_PLOT_H
#define MODELS_PLOT_H

#include <stddef.h>

#include "models/scenario/scenario.h"

/* Where the gnuplot scripts are: $CAREFLOW_PLOTS if set, else the plots/ folder found
 * beside or above the running executable (build/careflow -> ./plots), else NULL. */
const char *plot_scripts_dir(char *buf, size_t len);

/* Reads out_dir/timeseries.csv, out_dir/summary.csv and (if present) out_dir/fit.csv;
 * writes PNG and SVG files into out_dir/plots/. Returns 0, or -1 with a one-line
 * message in err (gnuplot missing or failed; nothing half-written is left). */
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
 * an unknown method returns -1 with a one-line message in err and touches no plots.
 * Empty or nan numbers are allowed: such rows are left out of the plot. As plot_render:
 * 0, or -1 with OUT/plots as it was. */
int plot_render_sensitivity(const scenario_t *sc, const char *out_dir, const char *scripts_dir,
                            const char *method, char *err, size_t errlen);

#endif
