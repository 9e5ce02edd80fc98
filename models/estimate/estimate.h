/* estimate.h: a scenario estimated from a council's records (models/records/records.h):
 * arrival rates with their age and flag mix (and a trend when the record supports
 * one), routing shares with `adjust` odds by age band, Kaplan-Meier durations
 * (right-censored at the as-of date, left-truncated where the records begin to hold
 * every stay: rs->observed_from) as `empirical` CDFs by age band at entry, and
 * the cases open on the as-of date. The result is YAML text that scenario_load()
 * accepts as it is, every estimated number commented with what it came from, and the
 * open-cases.csv text its `initial: {file: ...}` names (docs/estimate.md explains each
 * estimate to planners).
 *
 * Pure: reads the record set and the template, writes nothing; the caller writes the
 * texts (estimate: out/estimated/, backtest: one folder per cutoff). */
#ifndef MODELS_ESTIMATE_H
#define MODELS_ESTIMATE_H

#include <stddef.h>
#include <stdint.h>

#include "models/records/records.h"

typedef struct est_opts {
    long as_of;              /* the scenario's start: the records are taken as an extract
                              * on this date (rec_cut first if it is before rs->extract) */
    int window_months;       /* rates and routing from the months before as_of (12) */
    int horizon_months;      /* the scenario's horizon (12) */
    int replications;        /* the scenario's replications (20) */
    uint64_t seed;           /* the scenario's seed (1) */
    const char *name;        /* the scenario's name slug; NULL (the default):
                              * "forecast-YYYY-MM-DD" of the as-of date, so that
                              * `careflow run` writes to out/forecast-DATE/, not to the
                              * estimate's own default folder out/estimated/ */
    const char *template_path; /* NULL, or a scenario whose stages, pools, costs and
                              * strands are kept; only what the records inform changes */
    const char *open_cases_file; /* the file name `initial: {file: ...}` gives
                              * ("open-cases.csv"), relative to the written YAML */
    const char *source_label;/* how the records are named in comments (the DATA paths) */
} est_opts_t;

typedef struct est_result {
    char *yaml;              /* the scenario, NUL-terminated */
    size_t yaml_len;
    char *open_cases;        /* open-cases.csv: child,stage,start,dob,flags,history; the
                              * stays open on as_of, but those of children aged max_age or
                              * more then or of unknown date of birth (the comment on
                              * `initial` counts them); an unborn child's dob is as_of */
    size_t open_cases_len;
    long n_open;             /* rows of open_cases */
} est_result_t;

/* Fills o with the defaults above (as_of 0 means rs->extract). */
void est_opts_default(est_opts_t *o);

/* Estimates. Returns 0 and fills *out, or SIM_EINVAL (records that support no estimate,
 * e.g. no stay ending in the window; a bad template: its loader error), SIM_ENOMEM or
 * SIM_EIO, with one line in err and nothing to free. */
int est_estimate(const rec_set_t *rs, const est_opts_t *o, est_result_t *out, char *err,
                 size_t errlen);

void est_result_free(est_result_t *r);

#endif
