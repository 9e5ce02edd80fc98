/* validate.h: what `careflow validate` says about a scenario that loaded.
 *
 * One paragraph, word-wrapped at 78 columns: period, stages, arrivals, open cases,
 * pools, observed items, strands, costs, uncertain parameters, replications and seed.
 * Checking is the loader's and sens_check's job; this only describes. If memory runs
 * out the paragraph is left out (nothing else is affected). */
#ifndef MODELS_VALIDATE_H
#define MODELS_VALIDATE_H

#include <stdio.h>

#include "models/scenario/scenario.h"

void validate_describe(FILE *f, const scenario_t *sc);

#endif
