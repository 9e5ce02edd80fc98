/* estimate_cmd.c: `careflow estimate DATA... [--as-of DATE] [--window-months N]
 * [--horizon-months N] [--template SCENARIO.yaml] [--out FILE.yaml] [--lenient]
 * [--quiet]`: reads the records (models/records), estimates a scenario
 * (models/estimate) and writes FILE.yaml (default out/estimated/scenario.yaml) with
 * open-cases.csv, data_quality.csv and data_quality_rows.csv beside it (zeros and
 * no rows without --lenient). --as-of outside the records (after their extract date,
 * or before any stage's record is complete) is an error naming their range.
 *
 * Writing: every file is written to a temporary name in the target folder
 * (.NAME.tmp-XXXXXX), flushed and synced; only when all are complete are they renamed
 * into place, the scenario last (it names the open cases), so an interrupted run leaves
 * the old files or, at worst between two renames, new open cases beside the old
 * scenario; a failure before the renames removes the temporaries and leaves the folder
 * as it was. No folder is swapped: the target folder may hold the user's other files.
 *
 * Exit status: 0; 2 for a usage error, a defect in the records (FILE:LINE:COL: error:
 * ...), records that support no estimate, or a bad template; 1 for a runtime failure. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "models/commands/help.h"
#include "models/commands/records_cmd.h"
#include "models/estimate/estimate.h"
#include "models/records/records.h"
#include "sim/cal.h"
#include "sim/err.h"
#include "sim/mem.h"

#define DEFAULT_OUT "out/estimated/scenario.yaml"

static int usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("careflow: error: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputs("\nTry 'careflow estimate --help'.\n", stderr);
    va_end(ap);
    return 2;
}

static int parse_months(const char *s, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < 1 || v > 1200 || !(*s >= '0' && *s <= '9'))
        return -1;
    *out = (int)v;
    return 0;
}

/* A staged file: written to tmp, renamed to final. */
typedef struct staged {
    char *tmp;    /* temporary path (NULL when not made) */
    char *final;  /* where it goes */
} staged_t;

/* mkdir -p for the folder of path (its parents as needed). */
static int make_parents(const char *path, char *err, size_t errlen)
{
    char *p = mem_strdup(path);
    if (!p)
        return sim_err_set(err, errlen, SIM_ENOMEM, "out of memory");
    for (char *s = p + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = 0;
        if (mkdir(p, 0777) != 0 && errno != EEXIST) {
            char eb[128];
            int rc = sim_err_set(err, errlen, SIM_EIO, "cannot make folder %s: %s", p,
                                 sim_errno_text(errno, eb, sizeof eb));
            mem_free(p);
            return rc;
        }
        *s = '/';
    }
    mem_free(p);
    return 0;
}

/* Joins the folder of `beside` with name. */
static char *sibling(const char *beside, const char *name)
{
    const char *slash = strrchr(beside, '/');
    size_t dl = slash ? (size_t)(slash - beside + 1) : 0;
    char *s = mem_alloc(dl + strlen(name) + 1);
    if (s) {
        memcpy(s, beside, dl);
        strcpy(s + dl, name);
    }
    return s;
}

/* Writes buf to a new temporary beside st->final. */
static int stage_write(staged_t *st, const char *buf, size_t len, char *err, size_t errlen)
{
    const char *slash = strrchr(st->final, '/');
    const char *base = slash ? slash + 1 : st->final;
    size_t dl = (size_t)(base - st->final);
    char eb[128];
    st->tmp = mem_alloc(dl + strlen(base) + 16);
    if (!st->tmp)
        return sim_err_set(err, errlen, SIM_ENOMEM, "out of memory");
    memcpy(st->tmp, st->final, dl);
    sprintf(st->tmp + dl, ".%s.tmp-XXXXXX", base);
    int fd = mkstemp(st->tmp);
    if (fd < 0) {
        int rc = sim_err_set(err, errlen, SIM_EIO, "cannot write beside %s: %s", st->final,
                             sim_errno_text(errno, eb, sizeof eb));
        mem_free(st->tmp);
        st->tmp = NULL;
        return rc;
    }
    fchmod(fd, 0644);
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(fd, buf + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            int e = errno;
            close(fd);
            return sim_err_set(err, errlen, SIM_EIO, "cannot write %s: %s", st->final,
                               sim_errno_text(e, eb, sizeof eb));
        }
        off += (size_t)w;
    }
    int bad = fsync(fd) != 0, e = errno; /* close even when fsync fails: no fd leaks */
    if (close(fd) != 0 && !bad) {
        bad = 1;
        e = errno;
    }
    if (bad)
        return sim_err_set(err, errlen, SIM_EIO, "cannot write %s: %s", st->final,
                           sim_errno_text(e, eb, sizeof eb));
    return 0;
}

/* data_quality.csv (rows 0) or data_quality_rows.csv (rows 1) as text, or NULL. */
static char *quality_text(const rec_set_t *rs, int rows, size_t *len)
{
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    if (!f)
        return NULL;
    if (rows)
        rec_write_quality_rows(rs, f);
    else
        rec_write_quality(rs, f);
    if (fclose(f) != 0) {
        free(buf); /* open_memstream's buffer is the C library's */
        return NULL;
    }
    char *copy = mem_alloc(n + 1);
    if (copy) {
        memcpy(copy, buf, n);
        copy[n] = 0;
        *len = n;
    }
    free(buf);
    return copy;
}

/* The day `months` calendar months before day (the same day of the month, or the
 * month's last day), as the estimate counts its window. */
static long months_before(long day, int months)
{
    int y, m, d;
    cal_to_ymd(day, &y, &m, &d);
    long mm = (long)y * 12 + (m - 1) - months;
    int ny = (int)(mm >= 0 ? mm / 12 : -((-mm + 11) / 12));
    int nm = (int)(mm - (long)ny * 12) + 1;
    long first = cal_from_ymd(ny, nm, 1), last = cal_month_end(first);
    return first + d - 1 > last ? last : first + d - 1;
}

/* The earliest day any stage's record is complete from. */
static long complete_from(const rec_set_t *rs)
{
    long c = LONG_MAX;
    for (int g = 0; g < rs->n_stages && rs->observed_from; g++)
        if (rs->observed_from[g] < c)
            c = rs->observed_from[g];
    return c == LONG_MAX ? rs->first : c;
}

/* --as-of outside the records: after their extract date (the latest date in them), or
 * before any stage's record is complete. SIM_EINVAL with the records' range in err. */
static int check_as_of(const rec_set_t *rs, long as_of, char *err, size_t errlen)
{
    long c = complete_from(rs);
    if (as_of <= rs->extract && as_of >= c)
        return 0;
    char a[11], f[11], l[11], cf[11];
    cal_format(as_of, a);
    cal_format(rs->first, f);
    cal_format(rs->extract, l);
    cal_format(c, cf);
    return sim_err_set(err, errlen, SIM_EINVAL,
                       "--as-of %s is %s: the records run from %s to %s; complete from %s",
                       a, as_of > rs->extract ? "after the records' extract date"
                                              : "before any stage's record is complete",
                       f, l, cf);
}

/* "N NOUNs WHY: a, b, c, d, e and N-5 more" on stderr (names: the kept ones). */
static void note_files(int n, const char *noun, const char *why, char *const *names)
{
    fprintf(stderr, "careflow estimate: %d %s%s %s: ", n, noun, n == 1 ? "" : "s", why);
    int shown = n < 5 ? n : 5;
    for (int i = 0; i < shown && names; i++)
        fprintf(stderr, "%s%s", i ? ", " : "", names[i]);
    if (n > shown)
        fprintf(stderr, " and %d more", n - shown);
    fputc('\n', stderr);
}

int estimate_main(int argc, char **argv)
{
    const char **data = mem_calloc((size_t)argc, sizeof *data);
    if (!data) {
        fputs("careflow: error: out of memory\n", stderr);
        return 1;
    }
    int n_data = 0, lenient = 0, quiet = 0, rc = 0, status = 0;
    est_opts_t o;
    est_opts_default(&o);
    const char *out = DEFAULT_OUT, *as_of = NULL;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i], *eqv = NULL, *v;
        char name[24];
        const char *eq = a[0] == '-' && a[1] == '-' ? strchr(a, '=') : NULL;
        if (eq && (size_t)(eq - a) < sizeof name) { /* --opt=value, as run and backtest take */
            memcpy(name, a, (size_t)(eq - a));
            name[eq - a] = '\0';
            a = name;
            eqv = eq + 1;
        }
        int has = eqv || i + 1 < argc;
#define NEXT_VALUE() (eqv ? eqv : argv[++i])
        if (eqv && (!strcmp(a, "--help") || !strcmp(a, "--lenient") || !strcmp(a, "--quiet"))) {
            mem_free(data);
            return usage("'%s' takes no value", a);
        }
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(help_text("estimate"), stdout);
            mem_free(data);
            return 0;
        } else if (strcmp(a, "--as-of") == 0 && has) {
            as_of = NEXT_VALUE();
            if (cal_parse(as_of, &o.as_of) != 0) {
                mem_free(data);
                return usage("--as-of must be a date YYYY-MM-DD, not '%s'", as_of);
            }
        } else if ((strcmp(a, "--window-months") == 0 || strcmp(a, "--horizon-months") == 0) &&
                   has) {
            int *dst = a[2] == 'w' ? &o.window_months : &o.horizon_months;
            v = NEXT_VALUE();
            if (parse_months(v, dst) != 0) {
                mem_free(data);
                return usage("%s must be an integer from 1 to 1200, not '%s'", a, v);
            }
        } else if (strcmp(a, "--template") == 0 && has) {
            o.template_path = NEXT_VALUE();
        } else if (strcmp(a, "--out") == 0 && has) {
            out = NEXT_VALUE();
            size_t l = strlen(out);
            if (l == 0 || out[l - 1] == '/') {
                mem_free(data);
                return usage("--out needs a file name (FILE.yaml), not '%s'", out);
            }
        } else if (strcmp(a, "--lenient") == 0) {
            lenient = 1;
        } else if (strcmp(a, "--quiet") == 0) {
            quiet = 1;
        } else if (a[0] == '-' && a[1]) {
            static const char *const valued[] = {"--as-of", "--window-months",
                                                 "--horizon-months", "--template", "--out"};
            int known = 0;
            for (size_t k = 0; k < sizeof valued / sizeof valued[0]; k++)
                known |= strcmp(a, valued[k]) == 0;
            mem_free(data);
            return known ? usage("'%s' needs a value", a) : usage("unknown option '%s'", a);
        } else {
            data[n_data++] = a;
        }
#undef NEXT_VALUE
    }
    if (n_data == 0) {
        mem_free(data);
        return usage("%s", "estimate needs at least one DATA file or folder");
    }
    /* the files written beside the scenario must not be the scenario itself */
    const char *slash = strrchr(out, '/'), *base = slash ? slash + 1 : out;
    if (!strcmp(base, o.open_cases_file) || !strcmp(base, "data_quality.csv") ||
        !strcmp(base, "data_quality_rows.csv")) {
        mem_free(data);
        return usage("--out %s: the scenario would be overwritten by the %s written beside "
                     "it; give it another name", out, base);
    }

    char err[SIM_ERR_MAX], label[1024] = "";
    for (int i = 0; i < n_data; i++) {
        size_t l = strlen(label);
        snprintf(label + l, sizeof label - l, "%s%s", i ? " " : "", data[i]);
    }
    o.source_label = label;
    rec_opts_t ro = {.lenient = lenient, .as_of = 0};
    rec_set_t *rs = NULL;
    est_result_t res = {0};
    staged_t files[4] = {{0}};
    char *quality = NULL, *qrows = NULL;
    size_t quality_len = 0, qrows_len = 0;
    long last = 0, complete = 0, first = 0;
    if ((rc = rec_read(data, n_data, &ro, &rs, err, sizeof err)) != 0)
        goto fail;
    last = rs->extract;
    first = rs->first;
    complete = complete_from(rs);
    /* --as-of must fall inside the records; they are then read again as an extract on
     * that day would show them (what was read whole is only for the check) */
    if (o.as_of && (rc = check_as_of(rs, o.as_of, err, sizeof err)) != 0)
        goto fail;
    if (o.as_of) {
        rec_free(rs);
        rs = NULL;
        ro.as_of = o.as_of;
        if ((rc = rec_read(data, n_data, &ro, &rs, err, sizeof err)) != 0)
            goto fail;
    }
    if ((rc = est_estimate(rs, &o, &res, err, sizeof err)) != 0)
        goto fail;
    /* stage every file, then rename: quality, open cases, the scenario last */
    int nf = 0;
    if ((rc = make_parents(out, err, sizeof err)) != 0)
        goto fail;
    /* data_quality.csv always: with --lenient the rows skipped or repaired, without it
     * zeros (a strict read that succeeds found no defect), so one left by an earlier
     * --lenient run never sits beside records it does not describe */
    if (!(quality = quality_text(rs, 0, &quality_len)) ||
        !(qrows = quality_text(rs, 1, &qrows_len))) {
        rc = sim_err_set(err, sizeof err, SIM_ENOMEM, "out of memory");
        goto fail;
    }
    if (!(files[nf].final = sibling(out, "data_quality.csv")) ||
        (rc = stage_write(&files[nf++], quality, quality_len, err, sizeof err)) != 0)
        goto fail_nomem;
    /* data_quality_rows.csv: each defect (--lenient), the header alone otherwise */
    if (!(files[nf].final = sibling(out, "data_quality_rows.csv")) ||
        (rc = stage_write(&files[nf++], qrows, qrows_len, err, sizeof err)) != 0)
        goto fail_nomem;
    if (!(files[nf].final = sibling(out, o.open_cases_file)) ||
        (rc = stage_write(&files[nf++], res.open_cases, res.open_cases_len, err,
                          sizeof err)) != 0)
        goto fail_nomem;
    if (!(files[nf].final = mem_strdup(out)) ||
        (rc = stage_write(&files[nf++], res.yaml, res.yaml_len, err, sizeof err)) != 0)
        goto fail_nomem;
    for (int i = 0; i < nf; i++) {
        if (rename(files[i].tmp, files[i].final) != 0) {
            char eb[128];
            rc = sim_err_set(err, sizeof err, SIM_EIO, "cannot rename into %s: %s",
                             files[i].final, sim_errno_text(errno, eb, sizeof eb));
            goto fail;
        }
        mem_free(files[i].tmp);
        files[i].tmp = NULL;
    }
    if (!quiet) {
        long day_of = o.as_of ? o.as_of : rs->extract;
        long win = months_before(day_of, o.window_months) + 1;
        char d[11], w0[11], f0[11], l0[11], c0[11];
        cal_format(day_of, d);
        cal_format(win, w0);
        cal_format(first, f0);
        cal_format(last, l0);
        cal_format(complete, c0);
        fprintf(stderr, "careflow estimate: %zu stays of %zu children in %d stage%s from %d "
                        "file(s); as of %s, window %s..%s (%d month%s)\n",
                rs->n_stays, rs->n_children, rs->n_stages, rs->n_stages == 1 ? "" : "s",
                rs->n_files, d, w0, d, o.window_months, o.window_months == 1 ? "" : "s");
        fprintf(stderr, "careflow estimate: the records run from %s to %s; complete from "
                        "%s\n", f0, l0, c0);
        /* a stage whose record begins inside the window: its rates use fewer days */
        for (int g = 0; g < rs->n_stages && rs->observed_from; g++)
            if (rs->observed_from[g] > win && rs->observed_from[g] <= day_of) {
                char c1[11];
                cal_format(rs->observed_from[g], c1);
                fprintf(stderr, "careflow estimate: %s: records complete only from %s: "
                                "rates from %ld day%s\n", rs->stages[g], c1,
                        day_of - rs->observed_from[g] + 1,
                        day_of - rs->observed_from[g] + 1 == 1 ? "" : "s");
            }
        if (rs->n_other_files)
            note_files(rs->n_other_files, "other file",
                       "in the folders not read (not named *.csv or *.xml)", rs->other_files);
        if (rs->n_unused_903)
            note_files(rs->n_unused_903, "SSDA903 file",
                       "of modules careflow does not need, not read", rs->unused_903);
        if (rs->n_own_outputs)
            note_files(rs->n_own_outputs, "careflow output",
                       "(an output folder, open cases or data quality), not read",
                       rs->own_outputs);
        for (int i = 0; i < rs->n_warnings && i < REC_NAMES_KEPT; i++)
            fprintf(stderr, "careflow estimate: note: %s\n", rs->warnings[i]);
        if (lenient) {
            long skipped = 0;
            for (int k = 0; k < REC_D_N; k++)
                skipped += rs->quality[k];
            fprintf(stderr, "careflow estimate: %ld row%s skipped or repaired (%s, %s)\n",
                    skipped, skipped == 1 ? "" : "s", files[0].final, files[1].final);
            if (rs->n_qrows_more)
                fprintf(stderr, "careflow estimate: %s lists the first %zu defects; %ld "
                                "more are only counted\n", files[1].final, rs->n_qrows,
                        rs->n_qrows_more);
        }
        fprintf(stderr, "careflow estimate: wrote %s and %s (%ld open case%s)\n", out,
                files[2].final, res.n_open, res.n_open == 1 ? "" : "s");
    }
    goto done;
fail_nomem:
    if (rc == 0)
        rc = sim_err_set(err, sizeof err, SIM_ENOMEM, "out of memory");
fail:
    fprintf(stderr, "%s%s\n", strstr(err, ": error: ") ? "" : "careflow: error: ", err);
    status = sim_exit_status(rc);
done:
    for (int i = 0; i < 4; i++) {
        if (files[i].tmp)
            unlink(files[i].tmp);
        mem_free(files[i].tmp);
        mem_free(files[i].final);
    }
    mem_free(quality);
    mem_free(qrows);
    est_result_free(&res);
    if (rs)
        rec_free(rs);
    mem_free(data);
    return status;
}
