/* csv.c: the RFC 4180 reader (see csv.h).
 *
 * A small state machine reads one character at a time, from the memory buffer or the
 * FILE, and knows the line and column of the character it just took. A record's
 * texts go one after another, each NUL-terminated, into one growing buffer (text);
 * the fields remember their offsets there (off) and get their pointers when the
 * record is complete, because the buffer may move while it grows. Both arrays are
 * kept from record to record, so a file is read with a handful of allocations.
 *
 * Invariants between calls: text[0..tlen) holds the current record's fields; f[0..n)
 * describe them; err != 0 means a failure was recorded and the reader is stuck there. */
#include "sim/csv.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "sim/err.h"
#include "sim/mem.h"

struct csv {
    const unsigned char *mem; /* the buffer being read, or NULL for a FILE */
    size_t mlen;              /* bytes in mem */
    size_t mpos;              /* next byte of mem to read */
    FILE *file;               /* the FILE being read, or NULL */
    size_t max_field;         /* opts.max_field, defaulted */
    int max_fields;           /* opts.max_fields, defaulted */
    unsigned flags;           /* opts.flags */
    long line;                /* line of the character last read (1-based) */
    long col;                 /* its column (0 before the first of a line) */
    int newline;              /* the last character read was LF: the next one starts a line */
    char *text;               /* the record's field texts, each NUL-terminated, owned */
    size_t tlen;              /* bytes used in text */
    size_t tcap;              /* bytes allocated */
    csv_field_t *f;           /* [fcap] the record's fields, owned */
    size_t *off;              /* [fcap] where each field's text starts in text */
    int n;                    /* fields in the record */
    int fcap;                 /* fields allocated */
    int err;                  /* 0, or the SIM_E* code of the failure (sticky) */
    const char *why;          /* the failure's reason, "" if none */
    long err_line;            /* where it is */
    long err_col;
    char why_buf[128];        /* why, when it names a number or errno's text */
};

static int open_common(csv_t **out, const csv_opts_t *opts)
{
    csv_t *r = mem_calloc(1, sizeof *r);

    *out = NULL;
    if (!r)
        return SIM_ENOMEM;
    r->max_field = opts && opts->max_field ? opts->max_field : CSV_MAX_FIELD;
    r->max_fields = opts && opts->max_fields > 0 ? opts->max_fields : CSV_MAX_FIELDS;
    r->flags = opts ? opts->flags : 0;
    r->line = 1;
    r->why = "";
    *out = r;
    return 0;
}

int csv_open_mem(csv_t **r, const char *buf, size_t len, const csv_opts_t *opts)
{
    int rc = open_common(r, opts);

    if (rc == 0) {
        (*r)->mem = (const unsigned char *)(buf ? buf : "");
        (*r)->mlen = buf ? len : 0;
    }
    return rc;
}

int csv_open_file(csv_t **r, FILE *f, const csv_opts_t *opts)
{
    int rc = open_common(r, opts);

    if (rc == 0)
        (*r)->file = f;
    return rc;
}

void csv_close(csv_t *r)
{
    if (!r)
        return;
    mem_free(r->text);
    mem_free(r->f);
    mem_free(r->off);
    mem_free(r);
}

const char *csv_why(const csv_t *r, long *line, long *col)
{
    if (line)
        *line = r->err ? r->err_line : r->line + r->newline;
    if (col)
        *col = r->err ? r->err_col : (r->newline ? 1 : r->col + 1);
    return r->why;
}

/* Records the failure and returns its code. */
static int fail(csv_t *r, int code, const char *why, long line, long col)
{
    r->err = code;
    r->why = why;
    r->err_line = line;
    r->err_col = col;
    return code;
}

/* The next byte without taking it, or EOF (at the end, or on a read error). */
static int peek(csv_t *r)
{
    int c;

    if (r->mem)
        return r->mpos < r->mlen ? r->mem[r->mpos] : EOF;
    c = getc(r->file);
    if (c != EOF)
        ungetc(c, r->file);
    return c;
}

/* Takes the next byte, moving line and col to it; EOF at the end or on a read error
 * (see read_failed). */
static int next(csv_t *r)
{
    int c;

    if (r->mem)
        c = r->mpos < r->mlen ? r->mem[r->mpos++] : EOF;
    else
        c = getc(r->file);
    if (c == EOF)
        return c;
    if (r->newline) {
        r->line++;
        r->col = 0;
        r->newline = 0;
    }
    if ((c & 0xC0) != 0x80) /* a UTF-8 continuation byte stays in its character's column */
        r->col++;
    if (c == '\n')
        r->newline = 1;
    return c;
}

/* After EOF from next: did the FILE fail? Then records SIM_EIO. */
static int read_failed(csv_t *r)
{
    char buf[96];

    if (r->mem || !ferror(r->file))
        return 0;
    snprintf(r->why_buf, sizeof r->why_buf, "cannot read: %s",
             sim_errno_text(errno, buf, sizeof buf));
    fail(r, SIM_EIO, r->why_buf, r->line, r->col + 1);
    return 1;
}

/* Appends byte c to the current field (field k); SIM_ENOMEM or SIM_EINVAL (too long). */
static int put(csv_t *r, int k, char c)
{
    if (r->tlen - r->off[k] >= r->max_field) {
        snprintf(r->why_buf, sizeof r->why_buf, "a field longer than %zu bytes",
                 r->max_field);
        return fail(r, SIM_EINVAL, r->why_buf, r->f[k].line, r->f[k].col);
    }
    if (r->tlen + 1 >= r->tcap) { /* room for c and the field's NUL */
        size_t cap = r->tcap ? 2 * r->tcap : 256;
        char *t = mem_realloc(r->text, cap);

        if (!t)
            return fail(r, SIM_ENOMEM, "out of memory", r->line, r->col);
        r->text = t;
        r->tcap = cap;
    }
    r->text[r->tlen++] = c;
    return 0;
}

/* Starts field number r->n at the position of the next character. */
static int begin_field(csv_t *r)
{
    int k = r->n;
    long line = r->line + r->newline, col = r->newline ? 1 : r->col + 1;

    if (k >= r->max_fields) {
        snprintf(r->why_buf, sizeof r->why_buf, "more than %d fields in a record",
                 r->max_fields);
        return fail(r, SIM_EINVAL, r->why_buf, line, col);
    }
    if (k == r->fcap) {
        int cap = r->fcap ? 2 * r->fcap : 16;
        csv_field_t *f;
        size_t *off;

        if (cap > r->max_fields)
            cap = r->max_fields;
        if (!(f = mem_reallocarray(r->f, (size_t)cap, sizeof *f)))
            return fail(r, SIM_ENOMEM, "out of memory", line, col);
        r->f = f;
        if (!(off = mem_reallocarray(r->off, (size_t)cap, sizeof *off)))
            return fail(r, SIM_ENOMEM, "out of memory", line, col);
        r->off = off;
        r->fcap = cap;
    }
    r->off[k] = r->tlen;
    r->f[k] = (csv_field_t){.s = NULL, .len = 0, .line = line, .col = col, .quoted = 0};
    r->n++;
    return 0;
}

/* Ends field k: drops trailing blanks of an unquoted field under CSV_TRIM, adds the NUL. */
static int end_field(csv_t *r, int k)
{
    if ((r->flags & CSV_TRIM) && !r->f[k].quoted)
        while (r->tlen > r->off[k] &&
               (r->text[r->tlen - 1] == ' ' || r->text[r->tlen - 1] == '\t'))
            r->tlen--;
    r->f[k].len = r->tlen - r->off[k];
    if (r->tlen + 1 > r->tcap) { /* an empty field in a record that has no text yet */
        size_t cap = r->tcap ? 2 * r->tcap : 256;
        char *t = mem_realloc(r->text, cap);

        if (!t)
            return fail(r, SIM_ENOMEM, "out of memory", r->f[k].line, r->f[k].col);
        r->text = t;
        r->tcap = cap;
    }
    r->text[r->tlen++] = '\0';
    return 0;
}

static int is_blank(int c) { return c == ' ' || c == '\t'; }

/* Reads one record into r (r->n fields); 1 a record, 0 the end, or a negative code. */
static int read_record(csv_t *r)
{
    enum { START, PLAIN, QUOTED, CLOSED } st = START;
    int k, c, rc;

    r->n = 0;
    r->tlen = 0;
    if (peek(r) == EOF)
        return read_failed(r) ? r->err : 0;
    if ((rc = begin_field(r)) != 0)
        return rc;
    k = 0;
    for (;;) {
        c = next(r);
        if (c == EOF && read_failed(r))
            return r->err;
        if (c == 0)
            return fail(r, SIM_EINVAL, "a NUL byte", r->line, r->col);
        if (st == QUOTED) {
            if (c == EOF)
                return fail(r, SIM_EINVAL, "a quoted field is not closed", r->f[k].line,
                            r->f[k].col);
            if (c == '"') {
                if (peek(r) != '"') {
                    st = CLOSED;
                    continue;
                }
                next(r); /* "" is one quote */
            }
            if ((rc = put(r, k, (char)c)) != 0)
                return rc;
            continue;
        }
        if (c == '\r' && (peek(r) == '\n' || peek(r) == EOF)) { /* CRLF; a lone CR is text */
            c = next(r);
            if (c == EOF && read_failed(r))
                return r->err;
        }
        if (c == EOF || c == '\n' || c == ',') {
            if ((rc = end_field(r, k)) != 0)
                return rc;
            if (c != ',')
                return 1;
            if ((rc = begin_field(r)) != 0)
                return rc;
            k++;
            st = START;
            continue;
        }
        if (st == CLOSED) {
            if ((r->flags & CSV_TRIM) && is_blank(c))
                continue;
            return fail(r, SIM_EINVAL, "text after a closing quote", r->line, r->col);
        }
        if (st == START && (r->flags & CSV_TRIM) && is_blank(c)) {
            r->f[k].line = r->line; /* the field starts after its leading blanks */
            r->f[k].col = r->col + 1;
            continue;
        }
        if (c == '"') {
            if (st == PLAIN)
                return fail(r, SIM_EINVAL, "a quote inside a field that does not start "
                                           "with one", r->line, r->col);
            r->f[k].quoted = 1;
            r->f[k].line = r->line;
            r->f[k].col = r->col;
            st = QUOTED;
            continue;
        }
        st = PLAIN;
        if ((rc = put(r, k, (char)c)) != 0)
            return rc;
    }
}

int csv_next(csv_t *r, const csv_field_t **fields)
{
    int rc;

    *fields = NULL;
    if (r->err)
        return r->err;
    for (;;) {
        if ((rc = read_record(r)) <= 0)
            return rc;
        if ((r->flags & CSV_SKIP_BLANK) && r->n == 1 && r->f[0].len == 0 && !r->f[0].quoted)
            continue;
        break;
    }
    for (int k = 0; k < r->n; k++)
        r->f[k].s = r->text + r->off[k];
    *fields = r->f;
    return r->n;
}
