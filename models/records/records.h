/* records.h: a council's case records in memory: children and their stays in stages,
 * read from careflow episodes CSV, SSDA903 (Header, Episodes, UASC) CSV files and CIN
 * census XML (docs/records.md describes the formats to users).
 *
 * A record set is what an extract taken on its `extract` date shows: every stay has
 * start <= extract; a stay still open then has end == REC_OPEN and next == REC_NONE.
 * rec_cut() gives the set an earlier extract would have shown. Stages are in pathway
 * order (referral, early_help, assessment, cin, cp, care, then any others as first
 * read). Stays are sorted by child, then start, then stage; a child's stays in one stage never overlap. Dates are
 * calendar day numbers (sim/cal.h). The set owns all its memory (rec_free).
 *
 * Reading: each path is a file or a folder (searched recursively, in name order; in a
 * folder only files named *.csv or *.xml are read, others are counted in
 * n_other_files, hidden ones ignored); the kind of each file is detected from its header row (CSV) or root element (XML);
 * files of no known kind are an error naming the file; SSDA903 modules careflow does
 * not need and careflow's own outputs are skipped (counted and named). A defect in a record is an
 * error "FILE:LINE:COL: error: MESSAGE" (SIM_EINVAL), unless opts.lenient: then the
 * row is skipped or repaired and counted in quality[] by kind. */
#ifndef MODELS_RECORDS_H
#define MODELS_RECORDS_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define REC_OPEN LONG_MAX       /* end of a stay open on the extract date */
#define REC_EXIT (-1)           /* next: left the stages the records hold */
#define REC_NONE (-2)           /* next: unknown (the stay is open) */
#define REC_NO_DOB LONG_MIN     /* a child whose date of birth is not known */
#define REC_MAX_FLAGS 64        /* flags fit a uint64_t bit set */

/* Kinds of defect, counted in data_quality.csv (`kind,count,action`) under --lenient.
 * X(enum, name in data_quality.csv, what is done with the row under --lenient). */
#define REC_SKIPPED_ROW /* a skipped SSDA903 episode row still claims its episode */     \
    "row skipped; an SSDA903 episode's rows in older returns too"
#define REC_DEFECT_MAP(X)                                                        \
    X(REC_D_BAD_DATE, "bad_date", REC_SKIPPED_ROW)                           \
    X(REC_D_END_BEFORE_START, "end_before_start", REC_SKIPPED_ROW)           \
    X(REC_D_NO_DOB, "no_date_of_birth", "child's rows skipped")                  \
    X(REC_D_OVERLAP, "overlapping_stays", "later stay starts at the earlier's end") \
    X(REC_D_BAD_FIELD, "bad_field", REC_SKIPPED_ROW)                         \
    X(REC_D_UNKNOWN_CHILD, "episode_without_header", "row skipped")              \
    X(REC_D_DUPLICATE, "conflicting_duplicate", "latest return kept")            \
    X(REC_D_AFTER_EXTRACT, "after_extract_date", "row skipped")

#define REC_ENUM(e, s, a) e,
typedef enum { REC_DEFECT_MAP(REC_ENUM) REC_D_N } rec_defect_t;
#undef REC_ENUM
extern const char *const rec_defect_names[REC_D_N];
extern const char *const rec_defect_actions[REC_D_N];

typedef struct rec_child {
    char *id;          /* as in the records (CHILD, LAchildID, `child`) */
    long dob;          /* date of birth, or REC_NO_DOB (only when read leniently) */
    uint64_t flags;    /* bit i: flags[i] of the set */
    char sex;          /* 'M', 'F' or 0 when not recorded */
} rec_child_t;

typedef struct rec_stay {
    uint32_t child;    /* index into children */
    int16_t stage;     /* index into stages */
    int16_t next;      /* stage index, REC_EXIT, or REC_NONE while open */
    long start;        /* first day in the stage */
    long end;          /* day it left, or REC_OPEN */
    uint32_t file;     /* index into files, for messages */
    uint32_t line;     /* line (CSV) or element line (XML) it came from */
} rec_stay_t;

#define REC_NAMES_KEPT 16       /* file names kept per list of files not read */
#define REC_QROWS_KEPT 100000   /* defects listed one by one (the rest only counted) */

/* One defect found under --lenient (data_quality_rows.csv). */
typedef struct rec_qrow {
    uint8_t kind;      /* rec_defect_t */
    uint32_t file;     /* index into files */
    long line;         /* where the strict reader would have stopped */
    long col;          /* its column */
    char *msg;         /* the message the strict reader would have given */
} rec_qrow_t;

typedef struct rec_set {
    int n_stages;
    char **stages;       /* stage names, in order of first appearance */
    int n_flags;
    char **flags;        /* flag names; index = bit */
    size_t n_children;
    rec_child_t *children;
    size_t n_stays;
    rec_stay_t *stays;   /* sorted by child, start, stage */
    long first;          /* earliest start of any stay */
    long *observed_from; /* [n_stages]: the day from which the records hold every stay of
                          * the stage: the earliest end of a closed chain through a stay
                          * there (the stay and the next stays of one file it led to, up to
                          * exit: an extract lists what was open or ended since it began;
                          * earlier stays show only if their chain was still open then),
                          * else the earliest end of a stay there, else its earliest start.
                          * Entries before it may be missing: rates, trends and durations
                          * must not count them as complete */
    long extract;        /* the extract date: every start and end is <= it */
    int n_other_files;   /* files in the folders given that were not read: not named
                          * *.csv or *.xml (a README, a PDF) */
    char **other_files;  /* the first REC_NAMES_KEPT of them (paths), for notes */
    int n_unused_903;    /* SSDA903 files of modules careflow does not read (Missing,
                          * Reviews, OC2, OC3, AD1, PlacedAdoption, PrevPerm): skipped */
    char **unused_903;   /* the first REC_NAMES_KEPT of them */
    int n_own_outputs;   /* careflow's own outputs skipped: folders holding the output
                          * marker, open-cases and data_quality files */
    char **own_outputs;  /* the first REC_NAMES_KEPT of them */
    int n_warnings;      /* things worth a note that are no defect (an SSDA903 return
                          * with a Header file but no Episodes file, or the reverse) */
    char **warnings;     /* the first REC_NAMES_KEPT of them, one line each */
    int n_files;
    char **files;        /* paths read, for messages */
    long quality[REC_D_N]; /* rows skipped or repaired under --lenient, by kind */
    size_t n_qrows;      /* defects listed in qrows (at most REC_QROWS_KEPT) */
    struct rec_qrow *qrows; /* each defect found under --lenient, in the order found */
    long n_qrows_more;   /* defects found beyond REC_QROWS_KEPT (counted, not listed) */
} rec_set_t;

typedef struct rec_opts {
    int lenient;         /* 1: count and skip or repair defects instead of failing */
    long as_of;          /* 0: the latest date in the records; else ignore anything
                          * later (stays starting later dropped, later ends open) */
} rec_opts_t;

/* Reads every path (files or folders) into one set. Returns 0 and *out, or SIM_EINVAL
 * (a defect, an unknown file kind, no records at all: "FILE:LINE:COL: error: ..."),
 * SIM_EIO or SIM_ENOMEM with one line in err and *out NULL. Memory is linear in the
 * records. */
int rec_read(const char *const *paths, int n_paths, const rec_opts_t *o, rec_set_t **out,
             char *err, size_t errlen);

/* The set an extract taken at the end of day `date` (<= rs->extract) would have shown:
 * stays starting after it dropped, later ends open again (next REC_NONE). Children,
 * stages and flags keep their indices. 0 or SIM_ENOMEM. */
int rec_cut(const rec_set_t *rs, long date, rec_set_t **out);

/* Is a file of this name read when found in a folder: does it end in .csv or .xml
 * (any case)? */
int rec_is_record_name(const char *name);

/* Index of a stage or flag by name, or -1. */
int rec_stage_index(const rec_set_t *rs, const char *name);
int rec_flag_index(const rec_set_t *rs, const char *name);

/* Writes data_quality.csv (`kind,count,action`, one row per kind, zeros included). */
int rec_write_quality(const rec_set_t *rs, FILE *f);
/* Writes data_quality_rows.csv (`kind,file,line,col,message`, one row per defect listed
 * in qrows, in the order found). 0 or SIM_EIO. */
int rec_write_quality_rows(const rec_set_t *rs, FILE *f);

void rec_free(rec_set_t *rs);

#endif
