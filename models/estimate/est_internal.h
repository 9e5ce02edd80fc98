/* est_internal.h: what estimate.c computes and est_write.c / est_template.c write
 * (shared-internal to models/estimate). An est__t lives for one est_estimate call and
 * owns every array it points to (freed by estimate.c). */
#ifndef MODELS_EST_INTERNAL_H
#define MODELS_EST_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "models/estimate/est_text.h"
#include "models/estimate/estimate.h"
#include "sim/km.h"

#define EST_N_BANDS 4            /* age bands [0,5) [5,10) [10,16) [16,18) */
#define EST_MAX_STAGES 64        /* a scenario's stages fit a uint64_t bit set */
#define EST_ROUTE_MIN_EXITS 30   /* routing odds for an age band: at least this many
                                  * exits of the band in the window */
#define EST_ADJ_LEVEL 0.01        /* routing odds for an age band: its G test against the
                                  * rest of the stage's exits has p below this over the
                                  * number of bands tested (Bonferroni) */
#define EST_ADJ_MIN_EXPECTED 5.0 /* targets with fewer expected exits in a band are
                                  * pooled into one column for its test */
#define EST_DUR_MIN_STAYS 50     /* durations by age: each group of bands holds at least
                                  * this many stays ... */
#define EST_DUR_MIN_ENDED 30     /* ... of which this many ended */
#define EST_CDF_POINTS 40        /* at most this many points in an empirical cdf */
#define EST_AGE_MIN_EMPIRICAL 20 /* fewer ages than this: a uniform age distribution */
#define EST_TREND_MIN_MONTHS 24  /* a trend needs this many whole months of complete
                                  * record (two years: over one, a trend cannot be told
                                  * from the season) */
#define EST_TREND_Z 2.0          /* a trend is written when |estimate / se| exceeds this */
#define EST_Z95 1.959963984540054

/* One stay as the extract on as_of shows it. */
typedef struct est__stay {
    size_t rec;       /* index into rs->stays */
    uint32_t child;   /* index into rs->children */
    int stage;        /* index into rs->stages */
    int next;         /* stage, REC_EXIT, or REC_NONE while open at as_of */
    long start;       /* first day */
    long end;         /* day it ended, or as_of while open */
    int ended;        /* 1: ended on or before as_of */
    int outside;      /* 1: an entry from outside (no stay of the child ends on this
                       * start with next = this stage) */
    double age_in;    /* years at start (NaN when the date of birth is not known) */
    double age_out;   /* years at end (or at as_of while open); NaN as age_in */
    double days;      /* end - start: the duration, or the time so far when open */
    int aged_out;     /* 1: it ended with the child leaving (exit) within a day of
                       * max_age: the model ends such a stay itself, so it is censored
                       * in the durations and left out of the routing */
} est__stay_t;

/* Arrivals to one stage: entries from outside in the window, counted only from the day
 * the records hold every entry (est__t.arr_from). */
typedef struct est__arrivals {
    long from;        /* the first day counted: max(window start, arr_from) */
    double days;      /* days counted: as_of - from + 1 (0 when from > as_of) */
    long n;           /* entries in [from, as_of] */
    long *flag_n;     /* [rs->n_flags] of them with each flag */
    double *ages;     /* [n_ages] ages at entry, sorted, clamped to [0, 18) */
    long n_ages;      /* entries whose age is known */
    int trend_months; /* whole months of complete record (from arr_from) the trend is
                       * fitted on */
    long trend_from, trend_to; /* the first and last day of those months */
    int trend_fitted; /* 1: the fit is defined (trend_b, trend_se) */
    double trend_b;   /* log-rate slope per year */
    double trend_se;  /* its standard error (quasi-Poisson) */
    double trend_z;   /* trend_b / trend_se */
    int trend_used;   /* 1: |z| > EST_TREND_Z: trend_per_year is written */
} est__arrivals_t;

/* Routing from one stage. count[(band + 1) * (n_stages + 1) + target]: band -1 is every
 * exit; target n_stages is exit. */
typedef struct est__routing {
    long *count;      /* exits by band and target */
    long n;           /* exits counted (band -1) */
    long n_aged;      /* exits at max_age left out (the model ends those cases itself) */
    long from;        /* exits ending on or after this day: the window's start, or
                       * observed_from when later */
    int whole_record; /* 1: no exit in the window; every exit from observed_from on */
} est__routing_t;

/* Durations in one stage: the stays ending (or open) on or after observed_from; one
 * begun before it enters the Kaplan-Meier risk set at observed_from - start (left
 * truncation: the records hold it because it lasted that long). */
typedef struct est__durations {
    long from;        /* observed_from of the stage */
    long n_late;      /* stays begun before `from` (delayed entry) */
    long n_dropped;   /* stays ended before `from`: left out (the records hold only some) */
    km_t all;         /* every stay kept */
    long all_open;    /* of which still open at as_of */
    double t_max;     /* longest time seen in the stage (ended or open) */
    int n_groups;     /* groups of age bands with their own fit (0: one for all) */
    int group_lo[EST_N_BANDS], group_hi[EST_N_BANDS]; /* bands [lo, hi] of each group */
    km_t group[EST_N_BANDS];     /* fit of each group */
    long group_open[EST_N_BANDS]; /* open stays in each group */
} est__durations_t;

typedef struct est__ {
    const rec_set_t *rs;   /* the records (not owned) */
    const est_opts_t *o;   /* the options (not owned) */
    long as_of;            /* the extract date and the scenario's start */
    double max_age;        /* the scenario's max_age (18; the template's with one): open
                            * cases of children this old are left out */
    long win_from;         /* the window's first day: window = [win_from, as_of] */
    double win_days;       /* days in the window */
    long *obs_from;        /* [n_stages] rs->observed_from (LONG_MIN, the whole record,
                            * when the set has none) */
    long *arr_from;        /* [n_stages] the day from which entries from outside are
                            * known: obs_from of the stage and of every stage with a stay
                            * leading into it (an entry is from outside when no stay
                            * leads into it, which shows only where those are complete) */
    est__stay_t *stays;    /* [n_stays] visible stays, in the records' order */
    size_t n_stays;
    est__arrivals_t *arr;  /* [n_stages] */
    est__routing_t *rt;    /* [n_stages] */
    est__durations_t *du;  /* [n_stages] */
} est__t;

int est__band_of(double age);
double est__band_edge(int b);
long est__months_before(long day, int months);

/* est_write.c: the pieces of the YAML, and the open cases. Each appends to t (t->oom
 * on failure). indent: spaces before each line. */
void est__put_top(const est__t *E, est__text_t *t);
void est__put_stage_estimates(const est__t *E, int st, int indent, est__text_t *t);
void est__put_arrival(const est__t *E, int st, const char *name, int indent,
                      est__text_t *t);
void est__put_initial(const est__t *E, est__text_t *t);
int est__write_yaml(const est__t *E, est__text_t *t);
int est__write_open_cases(const est__t *E, est__text_t *t, long *n_open);

/* est_template.c: the template's merged tree with the estimates in place (sets
 * E->max_age to the template's). SIM_EINVAL (the template's loader error in err),
 * SIM_EIO, SIM_ENOMEM. */
int est__write_template(est__t *E, est__text_t *t, char *err, size_t errlen);

#endif
