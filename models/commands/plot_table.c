/* plot_table.c: a CSV read whole for the plots (plot__table_*, see plot_internal.h),
 * over sim/csv, the project's one CSV reader (RFC 4180: a label may hold commas,
 * quotes, even line breaks).
 *
 * The file is checked as it is read: the documented first columns, the same number of
 * fields in every row, a number (or nothing, or nan) wherever one is due, at least one
 * row. A malformed file is reported here, before gnuplot starts, so OUT/plots is left
 * as it was. Texts are kept one after another in one buffer (t->text) and found by
 * offset, so a table of any size takes a handful of allocations. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/commands/plot_internal.h"
#include "sim/csv.h"
#include "sim/err.h"
#include "sim/mem.h"

void plot__table_free(plot__table_t *t)
{
    mem_free(t->text);
    mem_free(t->hdr);
    mem_free(t->cell);
    mem_free(t->num);
    mem_free(t->line);
    memset(t, 0, sizeof *t);
}

int plot__parse_num(const char *s, double *v)
{
    char *end;

    s += strspn(s, " ");
    if (!*s) {
        *v = NAN;
        return 0;
    }
    *v = strtod(s, &end);
    if (end == s)
        return SIM_EINVAL;
    end += strspn(end, " ");
    return *end ? SIM_EINVAL : 0;
}

/* Copies f into t's text; its offset in *at. 0 or SIM_ENOMEM. */
static int keep_text(plot__table_t *t, const csv_field_t *f, size_t *at)
{
    if (t->tlen + f->len + 1 > t->tcap) {
        size_t cap = t->tcap ? t->tcap : 4096;
        char *s;

        while (cap < t->tlen + f->len + 1)
            cap *= 2;
        if (!(s = mem_realloc(t->text, cap)))
            return SIM_ENOMEM;
        t->text = s;
        t->tcap = cap;
    }
    *at = t->tlen;
    memcpy(t->text + t->tlen, f->s, f->len + 1);
    t->tlen += f->len + 1;
    return 0;
}

/* Room for one more row. 0 or SIM_ENOMEM. */
static int grow_rows(plot__table_t *t)
{
    long cap = t->cap ? 2 * t->cap : 64;
    size_t cells = (size_t)cap * (size_t)t->ncols;
    size_t *cell;
    double *num;
    long *line;

    if (!(cell = mem_reallocarray(t->cell, cells, sizeof *cell)))
        return SIM_ENOMEM;
    t->cell = cell;
    if (!(num = mem_reallocarray(t->num, cells, sizeof *num)))
        return SIM_ENOMEM;
    t->num = num;
    if (!(line = mem_reallocarray(t->line, (size_t)cap, sizeof *line)))
        return SIM_ENOMEM;
    t->line = line;
    t->cap = cap;
    return 0;
}

/* Does the header f[0..n) start with the comma-separated names of cols? */
static int header_ok(const csv_field_t *f, int n, const char *cols)
{
    const char *p = cols;

    for (int c = 0; *p; c++) {
        size_t len = strcspn(p, ",");

        if (c >= n || f[c].len != len || strncmp(f[c].s, p, len) != 0)
            return 0;
        p += len + (p[len] == ',');
    }
    return 1;
}

/* Reads the records of r into t (see plot__table_load). */
static int read_rows(plot__table_t *t, csv_t *r, const char *path, const char *name,
                     const char *cols, const char *types, char *err, size_t errlen)
{
    const csv_field_t *f;
    size_t ntypes = types ? strlen(types) : 0;
    int n;

    if ((n = csv_next(r, &f)) == 0)
        return sim_err_set(err, errlen, SIM_EINVAL, "%s is empty: plots skipped", path);
    if (n > 0 && cols && !header_ok(f, n, cols))
        return sim_err_set(err, errlen, SIM_EINVAL,
                           "%s: not a careflow %s (wrong columns): plots skipped", path, name);
    if (n > 0) {
        t->ncols = n;
        if (!(t->hdr = mem_calloc((size_t)n, sizeof *t->hdr)))
            goto oom;
        for (int c = 0; c < n; c++)
            if (keep_text(t, &f[c], &t->hdr[c]) != 0)
                goto oom;
    }
    while (n > 0 && (n = csv_next(r, &f)) > 0) {
        long row = t->nrows;

        if (n != t->ncols)
            return sim_err_set(err, errlen, SIM_EINVAL,
                               "%s:%ld: %d fields where the header has %d: plots skipped",
                               path, f[0].line, n, t->ncols);
        if (t->nrows == t->cap && grow_rows(t) != 0)
            goto oom;
        t->line[row] = f[0].line;
        for (int c = 0; c < n; c++) {
            int numeric = types ? ((size_t)c < ntypes && types[c] == 'n') : 1;
            double v = NAN;

            if (numeric && plot__parse_num(f[c].s, &v) != 0)
                return sim_err_set(err, errlen, SIM_EINVAL,
                                   "%s:%ld: %s is \"%.40s\", not a number: plots skipped", path,
                                   f[0].line, plot__thdr(t, c), f[c].s);
            if (keep_text(t, &f[c], &t->cell[row * t->ncols + c]) != 0)
                goto oom;
            t->num[row * t->ncols + c] = v;
        }
        t->nrows++;
    }
    if (n < 0) {
        long line;
        const char *why = csv_why(r, &line, NULL);

        if (n == SIM_ENOMEM)
            goto oom;
        return sim_err_set(err, errlen, n, "%s:%ld: %s: plots skipped", path, line, why);
    }
    if (t->nrows == 0)
        return sim_err_set(err, errlen, SIM_EINVAL, "%s has no rows: plots skipped", path);
    return 0;

oom:
    return sim_err_set(err, errlen, SIM_ENOMEM, "out of memory: plots skipped");
}

int plot__table_load(plot__table_t *t, const char *path, const char *name, const char *cols,
                     const char *types, char *err, size_t errlen)
{
    const csv_opts_t opts = {.flags = CSV_SKIP_BLANK};
    char ebuf[128];
    csv_t *r = NULL;
    FILE *f;
    int rc;

    memset(t, 0, sizeof *t);
    if (!(f = fopen(path, "r")))
        return sim_err_set(err, errlen, SIM_EIO, "%s: %s: plots skipped", path,
                           sim_errno_text(errno, ebuf, sizeof ebuf));
    if ((rc = csv_open_file(&r, f, &opts)) != 0)
        rc = sim_err_set(err, errlen, rc, "out of memory: plots skipped");
    else
        rc = read_rows(t, r, path, name, cols, types, err, errlen);
    csv_close(r);
    fclose(f);
    if (rc != 0)
        plot__table_free(t);
    return rc;
}

void plot__pairs_free(plot__pairs_t *p)
{
    mem_free(p->of_row);
    mem_free(p->first);
    memset(p, 0, sizeof *p);
}

int plot__table_pairs(const plot__table_t *t, const char *name, int c1, int c2,
                      plot__pairs_t *p, char *err, size_t errlen)
{
    memset(p, 0, sizeof *p);
    p->of_row = mem_calloc((size_t)t->nrows, sizeof *p->of_row);
    p->first = mem_calloc((size_t)t->nrows, sizeof *p->first);
    if (!p->of_row || !p->first) {
        plot__pairs_free(p);
        return sim_err_set(err, errlen, SIM_ENOMEM, "out of memory: plots skipped");
    }
    for (long r = 0; r < t->nrows; r++) {
        int k;

        if (!*plot__tcell(t, r, c1) || !*plot__tcell(t, r, c2)) {
            plot__pairs_free(p);
            return sim_err_set(err, errlen, SIM_EINVAL, "%s:%ld: no %s or %s: plots skipped",
                               name, t->line[r], plot__thdr(t, c1), plot__thdr(t, c2));
        }
        for (k = 0; k < p->n; k++)
            if (strcmp(plot__tcell(t, p->first[k], c1), plot__tcell(t, r, c1)) == 0 &&
                strcmp(plot__tcell(t, p->first[k], c2), plot__tcell(t, r, c2)) == 0)
                break;
        if (k == p->n)
            p->first[p->n++] = r;
        p->of_row[r] = k;
    }
    return 0;
}
