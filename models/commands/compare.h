/* compare.h: `careflow compare`: a base scenario against alternatives with common
 * random numbers.
 *
 * Simulates scs[0] (the base) and each alternative scs[1..n) with the same seed and
 * replications (the caller has made them equal), so each replication of an
 * alternative meets the same children with the same draws as the base's, and writes
 * compare.csv (per figure of summary.csv: base and alternative means, the paired
 * difference with its 95% interval and the unpaired interval for reference; then net
 * cost, strand cost, care days avoided, cost per care day avoided and the benefit-cost
 * ratio), compare_timeseries.csv and plots/ into the output folder as one transaction
 * (sim/outtx.h): the folder is probed before simulating, and on any failure or signal
 * it is as it was. Scenarios should share start and horizon. */
#ifndef MODELS_COMPARE_H
#define MODELS_COMPARE_H

#include <stddef.h>

#include "models/commands/run.h"
#include "models/scenario/scenario.h"

/* The names a comparison's set may hold (for outtx_begin), NULL-terminated. */
extern const char *const compare_names[];

/* Returns 0, or a SIM_E* code with one line in err (as run_scenario). */
int compare_run(scenario_t **scs, int n_sc, const run_opts_t *o, char *err, size_t errlen);

#endif
