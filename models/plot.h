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

#include "models/scenario.h"

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

#endif
