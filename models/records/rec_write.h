/* rec_write.h: writing simulated case records, the reverse of the readers: a log of
 * stays (what `careflow run --episodes` collects from replication 1) written as the
 * careflow episodes CSV, as SSDA903 (looked-after children) Header, Episodes and UASC
 * files for the `care` stage, whole or as one return per collection year, and as CIN
 * census XML per collection year for the referral, assessment, cin and cp stages.
 *
 * Every record is what an extract taken on meta->extract shows: a stay open then has
 * end REC_OPEN and next REC_NONE. A collection year Y runs from 1 April Y-1 to 31 March
 * Y; its return shows what was open at any time in the year, as on 31 March Y (a later
 * end is removed), so one stay or episode appears in several years' returns.
 *
 * Details the model does not simulate (sex, ethnicity, placement changes within a
 * period of care, legal statuses, placement types and providers, reasons, postcode
 * districts, assessment and conference dates) are drawn from PCG32 streams named by
 * (seed, a salt, child, start day), never from the model's streams: the same stay
 * gets the same details whatever else is written. They are plausible, not estimates:
 * only the stays themselves come from the scenario.
 *
 * Names: recw_*. Writers return 0, or SIM_EIO (a write failed), SIM_ENOMEM, or
 * SIM_EINVAL with one line in err (recw_903_build: no stage named `care`). Nothing is
 * global; the log and the SSDA903 episodes own their memory. */
#ifndef MODELS_RECORDS_REC_WRITE_H
#define MODELS_RECORDS_REC_WRITE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "models/records/records.h"

/* One stay of a child in a stage, in calendar days (sim/cal.h). */
typedef struct recw_stay {
    uint32_t child;    /* the child's serial (its id in every file) */
    int16_t stage;     /* stage index (into recw_meta_t.stages) */
    int16_t next;      /* stage index, REC_EXIT, or REC_NONE while open */
    uint8_t aged_out;  /* 1: it left by reaching the maximum age (next REC_EXIT) */
    uint16_t history;  /* previous episodes when it entered */
    long start;        /* the date it entered */
    long end;          /* the date it left, or REC_OPEN */
    long dob;          /* the child's date of birth */
    uint64_t flags;    /* bit i: recw_meta_t.flags[i] */
} recw_stay_t;

/* A growing list of stays (the caller owns it; zero-initialise, recw_log_free). */
typedef struct recw_log {
    size_t n;           /* stays held */
    size_t cap;         /* slots allocated */
    recw_stay_t *stays; /* in the order added, until recw_log_sort */
} recw_log_t;

int recw_log_add(recw_log_t *l, const recw_stay_t *s); /* 0 or SIM_ENOMEM (l unchanged) */
void recw_log_sort(recw_log_t *l);                     /* by child, start, stage */
void recw_log_free(recw_log_t *l);

typedef enum { RECW_ISO, RECW_DMY } recw_dates_t; /* YYYY-MM-DD, or DD/MM/YYYY */

/* What the writers need besides the stays. */
typedef struct recw_meta {
    int n_stages;             /* stage names */
    char *const *stages;      /* [n_stages] */
    int n_flags;              /* flag names */
    char *const *flags;       /* [n_flags]; index = bit */
    long extract;             /* the extract date */
    uint64_t seed;            /* names the streams of the details */
    recw_dates_t dates;       /* how dates are written */
    const char *la;           /* the LA column of returns */
} recw_meta_t;

/* The careflow episodes CSV: `child,stage,start,end,next,dob,flags,sex,reason`, one row
 * per stay in l's order (sort it first). */
int recw_episodes(FILE *f, const recw_log_t *l, const recw_meta_t *m);

/* Collection years wholly inside [first day, extract]: *y0..*y1 (the years' ends),
 * 0 when there is none (then *y0 > *y1). `first` is the scenario's start date. */
int recw_years(long first, long extract, int *y0, int *y1);

/* ---- SSDA903 ---------------------------------------------------------------------- */

typedef struct recw_903 recw_903_t; /* the placement episodes of the care stage */

/* Splits every stay in stage `care` into placement episodes (l sorted). SIM_EINVAL
 * with "...: no stage named 'care'" if there is none. */
int recw_903_build(const recw_log_t *l, const recw_meta_t *m, recw_903_t **out, char *err,
                   size_t errlen);
void recw_903_free(recw_903_t *x);

/* year 0: the whole extract (no LA, YEAR columns); else the return of collection
 * year `year` (1 April year-1 to 31 March year) with LA and YEAR columns. */
int recw_903_header(FILE *f, const recw_903_t *x, int year);
int recw_903_episodes(FILE *f, const recw_903_t *x, int year);
int recw_903_uasc(FILE *f, const recw_903_t *x, int year);
int recw_903_has_uasc(const recw_903_t *x, int year); /* children to list in a UASC file */

/* ---- CIN census ------------------------------------------------------------------- */

/* Is there a stage named referral, assessment, cin or cp? (else the census is empty) */
int recw_cin_usable(const recw_meta_t *m);
/* The CIN census XML of collection year `year` (children with a referral, assessment,
 * cin or cp stay open at any time in the year, as on 31 March `year`), written to f
 * (SIM_EIO if libxml2 or a write fails). */
int recw_cin(FILE *f, const recw_log_t *l, const recw_meta_t *m, int year);

#endif
