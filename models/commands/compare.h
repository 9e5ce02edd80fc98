/* compare.h: `careflow compare`: a base scenario against alternatives with common
 * random numbers.
 *
 * Simulates scs[0] (the base) and each alternative scs[1..n) with the same seed and
 * replications (the caller has made them equal), so each replication of an
 * alternative meets the same children with the same draws as the base's, and writes
 * compare.csv (per figure of summary.csv: base and alternative means, the paired
 * difference with its 95% interval and the unpaired interval for reference; then net
 * cost, strand cost, care days avoided, cost per care day avoided and the benefit-cost
 * ratio), compare_timeseries.csv (stocks and waiting lists by stage, then each shared
 * pool's utilisation and caseload per worker), one folder per scenario holding what
 * `careflow run` writes for it from the same replications (outputs.c's writers),
 * manifest.json, plots/ and report.html into the output folder as one transaction
 * (sim/outtx.h): the folder is probed before simulating, and on any failure or signal
 * it is as it was. Scenarios should share start and horizon. */
#ifndef MODELS_COMPARE_H
#define MODELS_COMPARE_H

#include <stddef.h>

#include "models/commands/run.h"
#include "models/scenario/scenario.h"

/* The fixed names a comparison's set holds, NULL-terminated (the scenarios' folders
 * are owned too: compare_run adds them for outtx_begin). */
extern const char *const compare_names[];

#define COMPARE_FOLDER_MAX 200 /* a scenario folder's name, with its NUL */

/* Each scenario's folder in OUT, for names[0..n) (the base, then the alternatives):
 * its name, or when that is one of compare_names or an earlier scenario's folder,
 * NAME-2, NAME-3, ... (the first free). Deterministic. 0, or SIM_EINVAL (a name too
 * long). */
int compare_folders(const char *const *names, int n, char (*folders)[COMPARE_FOLDER_MAX]);

/* Returns 0, or a SIM_E* code with one line in err (as run_scenario). */
int compare_run(scenario_t **scs, int n_sc, const run_opts_t *o, char *err, size_t errlen);

#endif
