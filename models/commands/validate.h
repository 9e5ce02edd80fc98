/* validate.h: what `careflow validate` says about a scenario that loaded.
 *
 * One paragraph, word-wrapped at 78 columns: period, stages, arrivals, the children at
 * the start (with how many are open cases when a stage is not: "6538 children at the
 * start, 5576 of them open cases", the figure summary.csv's `all` starts from), pools, observed items, strands, costs, uncertain parameters, replications and seed.
 * Checking is the loader's and sens_check's job; this only describes. Returns 0, or
 * SIM_ENOMEM when memory runs out (nothing is printed then: the caller says so). */
#ifndef MODELS_VALIDATE_H
#define MODELS_VALIDATE_H

#include <stdio.h>

#include "models/scenario/scenario.h"

int validate_describe(FILE *f, const scenario_t *sc);

/* The start's honesty: for each stage the arrivals reach (at day 0) whose stay
 * averages two weeks or more, the level its inflows sustain (the traffic equations and
 * Little's law: entries a day x mean stay cut short at max_age, scenario_stage_stay)
 * set beside the children it starts with (initial counts and open-cases rows). Writes
 * one "careflow: warning: ..." line to f for each stage that starts empty or more than
 * 25% from that level (a stock that drifts in the first months because of its start,
 * not because of anything forecast), or a "careflow: note: ..." line instead when the
 * stage's count gives its `source` (the gap is then the data's: an observed stock away
 * from its sustained level). Returns the number of warnings (0 when the traffic
 * equations have no solution: the loader reports that where it matters), or
 * SIM_ENOMEM. */
int validate_warn_start(FILE *f, const scenario_t *sc);

/* `validate --dump`: the scenario as careflow reads it, as YAML: every include merged
 * and the --set overrides applied, after a comment naming the file and the overrides.
 * Loading the text again gives the same scenario when its file: paths (observed,
 * initial) are read from the original scenario's folder. 0, or SIM_EIO. */
int validate_dump(FILE *f, const scenario_t *sc);

#endif
