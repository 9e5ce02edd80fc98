/* csv.h: careflow's one CSV reader (RFC 4180), for every CSV the project reads: the
 * loader's observed files, the plots' inputs, a sweep's own files.
 *
 * What it reads. A record is fields separated by commas and ended by LF, CRLF or the
 * end of the input (a missing final line break is fine). A field in double quotes may
 * hold commas, line breaks (kept as they are: LF or CRLF) and "" for one quote; a lone
 * CR outside quotes is text. An empty line is a record of one empty field (or is
 * skipped: CSV_SKIP_BLANK). An empty input has no records.
 *
 * What it refuses, as SIM_EINVAL with a reason and the 1-based line and column where
 * it is (csv_why): a quoted field not closed by the end of the input (at its opening
 * quote), text after a closing quote, a quote inside a field that does not start with
 * one, a NUL byte, a field longer than opts.max_field bytes (at the field's start), a
 * record of more than opts.max_fields fields (at the first field too many).
 *
 * Lines count LF bytes (a record with a quoted line break spans several lines, and the
 * next record's line number says so); columns count characters, not bytes: UTF-8
 * continuation bytes (10xxxxxx) do not advance them, so a column matches what an
 * editor shows for UTF-8 text. The reader does not check UTF-8: the caller does, if it
 * cares.
 *
 * Ownership and failure. The reader is opaque; csv_open_* make one (allocated through
 * sim/mem.h) and csv_close frees it. Field texts belong to the reader and are valid
 * until the next csv_next or csv_close. A memory buffer is read in place, not copied:
 * it must outlive the reader. A FILE is read with getc from where it stands and is
 * never closed here. Once csv_next has failed, every later call returns the same code
 * and csv_why keeps the first reason. Nothing here prints or exits; no state outside
 * the reader, so readers in different threads are independent.
 *
 * Writing CSV is not here: quoting a field and formatting numbers belong to sim/fmt
 * (fmt_*). Names beginning with csv_write are kept for a writer should one move here. */
#ifndef SIM_CSV_H
#define SIM_CSV_H
#include <stddef.h>
#include <stdio.h>

#define CSV_MAX_FIELD ((size_t)1 << 20) /* default opts.max_field: 1 MiB */
#define CSV_MAX_FIELDS 4096             /* default opts.max_fields */

/* opts.flags */
enum {
    CSV_TRIM = 1u << 0,      /* spaces and tabs around an unquoted field are removed, and
                              * allowed before an opening and after a closing quote (the
                              * loader's observed files); RFC 4180 keeps them as text */
    CSV_SKIP_BLANK = 1u << 1 /* an empty line (with CSV_TRIM, blanks only) is skipped
                              * instead of read as a record of one empty field */
};

/* How to read; a NULL opts means all defaults (all fields zero). */
typedef struct csv_opts {
    size_t max_field; /* most bytes in one field, after unquoting; 0: CSV_MAX_FIELD */
    int max_fields;   /* most fields in one record; 0 (or negative): CSV_MAX_FIELDS */
    unsigned flags;   /* CSV_TRIM | CSV_SKIP_BLANK, or 0 for plain RFC 4180 */
} csv_opts_t;

/* One field of the record csv_next returned. Read-only for the caller. */
typedef struct csv_field {
    const char *s; /* the text, unquoted and NUL-terminated (holds no NUL byte) */
    size_t len;    /* bytes in s */
    long line;     /* 1-based line the field starts on */
    long col;      /* 1-based column it starts at: its opening quote if quoted, else its
                    * first character (after the blanks CSV_TRIM skips) or, if empty,
                    * the comma or line break that ends it */
    int quoted;    /* 1 if the field was in double quotes, else 0 */
} csv_field_t;

typedef struct csv csv_t; /* a reader: the input, where it stands, the current record */

/* A reader of the len bytes at buf (not copied: buf must outlive it). 0 and *r set,
 * or SIM_ENOMEM with *r NULL. */
int csv_open_mem(csv_t **r, const char *buf, size_t len, const csv_opts_t *opts);

/* A reader of f from where it stands (never closed here). 0 and *r set, or
 * SIM_ENOMEM with *r NULL. */
int csv_open_file(csv_t **r, FILE *f, const csv_opts_t *opts);

/* Frees the reader and its record (r may be NULL). */
void csv_close(csv_t *r);

/* Reads the next record: returns its number of fields (at least 1) with *fields
 * pointing at them, 0 at the end of the input (*fields NULL), or a negative code:
 * SIM_EINVAL (malformed, see the list at the top), SIM_ENOMEM, SIM_EIO (the FILE
 * failed; csv_why says why with errno's text). csv_why tells where. */
int csv_next(csv_t *r, const csv_field_t **fields);

/* After csv_next failed: the reason (a phrase without the position, e.g. "a quoted
 * field is not closed") and, if line/col are not NULL, its 1-based line and column.
 * Before any failure: "" and the position of the next character. */
const char *csv_why(const csv_t *r, long *line, long *col);

#endif
