/* rec_int.h: what the record readers share inside models/records/ (names rec__*).
 *
 * A reader (rec_episodes.c, rec_903.c, rec_cin.c) turns one file into children and
 * stays through the builder below; records.c owns the builder and, once every file is
 * read, finishes the set: children with no date of birth, overlapping stays, `next`
 * inferred, the extract date and the cut, children without stays dropped, sorting.
 *
 * Defects go through rec__defect: without --lenient it formats
 * "FILE:LINE:COL: error: ..." and returns SIM_EINVAL (the reader returns it at once);
 * with --lenient it counts the kind and returns 0, and the reader skips or repairs the
 * row as rec_defect_actions says. Every builder function returns 0 or a negative
 * SIM_E* code; on failure the builder still owns everything it holds (rec__b_free). */
#ifndef MODELS_RECORDS_INT_H
#define MODELS_RECORDS_INT_H

#include <stddef.h>
#include <stdint.h>

#include "models/records/records.h"
#include "sim/csv.h"

#define REC__INFER (-3)   /* next: taken from the child's stay starting on `end` */
#define REC__MAX_STAGES 1000 /* stage names one set may hold */
#define REC__MAX_BYTES ((size_t)2 << 30) /* bytes read over all files: 2 GiB */

/* Date styles of a column (rec__date). */
enum { REC__DS_NONE = 0, REC__DS_ISO = 1, REC__DS_UK = 2 };

/* A stay while reading: the public stay plus the column it came from. */
typedef struct rec__stay {
    rec_stay_t s;      /* as in the finished set (next may be REC__INFER) */
    uint32_t col;      /* column of its start field (CSV) or 1 (XML), for messages */
} rec__stay_t;

/* What the builder knows of a child besides rec_child_t. */
typedef struct rec__kid {
    long dob_rank;     /* rank (return date) of the record that gave dob/sex; LONG_MIN none */
    int dropped;       /* 1: its rows are skipped (lenient, no date of birth) */
    uint32_t file;     /* where the child first appeared, for messages */
    uint32_t line;     /* its line there */
} rec__kid_t;

/* The builder: the set being read. */
typedef struct rec__b {
    const rec_opts_t *o;   /* the caller's options */
    char *err;             /* the caller's message buffer */
    size_t errlen;         /* its size */
    rec_set_t *rs;         /* the set being filled (stays go to `stays` below) */
    size_t cap_children;   /* allocated children (rs->children, kids) */
    rec__kid_t *kids;      /* per child, parallel to rs->children */
    uint32_t *hash;        /* open-addressing table of child index + 1 (0 empty) */
    size_t hash_cap;       /* its slots, a power of two */
    rec__stay_t *stays;    /* stays read so far */
    size_t n_stays;        /* how many */
    size_t cap_stays;      /* allocated */
    int cap_files;         /* allocated rs->files */
    size_t cap_qrows;      /* allocated rs->qrows */
    size_t bytes_read;     /* over all files, against REC__MAX_BYTES */
    struct rec__903 *p903; /* SSDA903 rows gathered until every file is read, or NULL */
    struct rec__cin *pcin; /* CIN census episodes gathered likewise, or NULL */
} rec__b_t;

/* The child of this id (len bytes), added if new (first seen at file:line). */
int rec__child(rec__b_t *b, const char *id, size_t len, uint32_t file, uint32_t line,
               uint32_t *idx);
/* The index of a stage, added if new (at most REC__MAX_STAGES). */
int rec__stage(rec__b_t *b, const char *name, int *idx);
/* The bit of a flag, added if new; more than REC_MAX_FLAGS is a bad_field defect at
 * file:line:col (*bit is then -1 under --lenient). */
int rec__flag(rec__b_t *b, const char *name, uint32_t file, long line, long col, int *bit);
/* Appends a stay. */
int rec__add(rec__b_t *b, uint32_t child, int stage, int next, long start, long end,
             uint32_t file, uint32_t line, uint32_t col);
/* A defect at file:line:col: SIM_EINVAL with the message, or (lenient) counted and 0. */
int rec__defect(rec__b_t *b, rec_defect_t kind, uint32_t file, long line, long col,
                const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/* An error that --lenient does not excuse (an unreadable file, an unknown kind). */
int rec__fail(rec__b_t *b, uint32_t file, long line, long col, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Parses s as YYYY-MM-DD or D/M/YYYY (day and month of one or two digits). Returns the
 * style (REC__DS_ISO or REC__DS_UK) with *day, or REC__DS_NONE if it is neither. */
int rec__parse_date(const char *s, long *day);
/* A date field of a column whose style is *style (REC__DS_NONE until its first
 * non-empty value sets it): 1 and *day for a date, 0 for an empty field, or the
 * defect's code (bad_date: not a date, or a style other than the column's; under
 * --lenient the defect is counted and 2 returned: skip the row). */
int rec__date(rec__b_t *b, int *style, const char *s, uint32_t file, long line, long col,
              const char *what, long *day);
/* Counts one more entry of a list of names (rs->other_files and the like) and keeps a
 * copy of text while fewer than REC_NAMES_KEPT are kept. 0 or SIM_ENOMEM. */
int rec__note(char ***list, int *n, const char *text);
/* Is s a stage or flag name: [a-z0-9][a-z0-9_-]*, at most 64 bytes? */
int rec__is_slug(const char *s);

/* The CSV readers' columns. rec__columns finds each of names[0..n) among the header
 * row's fields fl[0..nf) (ASCII letters in any case; the first of two alike wins):
 * col[k] is its field index or -1. rec__fields points v[k] at the row's field of
 * column col[k] (NULL where col[k] < 0); a row too short for a column the header
 * names is a bad_field defect at its last field. Returns 1 (v filled), 0 (the row is
 * to be skipped: the defect counted under --lenient) or the defect's code. */
void rec__columns(const csv_field_t *fl, int nf, const char *const *names, int n, int *col);
int rec__fields(rec__b_t *b, uint32_t f, const csv_field_t *fl, int nf, const int *col,
                const char *const *names, int n, const csv_field_t **v);
/* The code csv_next returned (n < 0) as the readers return it: SIM_EINVAL becomes
 * "FILE:LINE:COL: error: WHY" at the place the CSV reader names. */
int rec__csv_error(rec__b_t *b, uint32_t f, csv_t *r, int n);

/* The readers: one file's bytes (len, NUL-terminated, BOM removed) as file index f. */
int rec__read_episodes(rec__b_t *b, uint32_t f, const char *data, size_t len);
int rec__read_903(rec__b_t *b, uint32_t f, const char *data, size_t len, int kind);
int rec__read_cin(rec__b_t *b, uint32_t f, const char *data, size_t len);
/* Merges what rec__read_903 / rec__read_cin gathered into stays (after all files). */
int rec__finish_903(rec__b_t *b);
int rec__finish_cin(rec__b_t *b);
/* After rs->observed_from is set: a stage read only from CIN censuses is complete from
 * the first day of the earliest census year (the day after its reference date a year
 * before), not from its earliest end: a census lists every referral open in its year,
 * with the stays of long-open referrals that ended years before. 0 or SIM_ENOMEM. */
int rec__cin_observed_from(rec__b_t *b);
/* Frees what the 903 and CIN readers hold between files. */
void rec__free_903(rec__b_t *b);
void rec__free_cin(rec__b_t *b);

/* 903 file kinds (rec__read_903's kind). */
enum { REC__903_HEADER = 1, REC__903_EPISODES = 2, REC__903_UASC = 3 };

#endif
