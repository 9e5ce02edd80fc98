/* plot_backtest.c: a backtest's fan charts (plot_render_backtest, see plot.h), drawn by
 * plots/backtest.gp from backtest.csv (the careflow forecast's bands per cutoff) and
 * actual.csv (what the records show, month by month). The CSVs are read with
 * plot_table.c and checked here; the charts to draw are handed to gnuplot as one
 * space-separated list of words (cutoff, stage number, file name, first and last date,
 * whether actual points fall in the chart), six per chart, and the stage names as a
 * tab-separated list; plot.c runs gnuplot, checks the images and installs them. */
#include "models/commands/plot.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "models/commands/plot_internal.h"
#include "sim/cal.h"
#include "sim/err.h"

#define BACKTEST_SCRIPT "backtest.gp"
#define BACKTEST_CSV "backtest.csv"
#define ACTUAL_CSV "actual.csv"
#define BACKTEST_COLS                                                                      \
    "cutoff,date,months_ahead,stage,metric,actual,mean,p05,p25,p50,p75,p95,pct_error"
#define BACKTEST_TYPES "ttntt" "nnnnnnnn"
#define ACTUAL_COLS "date,stage,metric,value"
#define ACTUAL_TYPES "tttn"
#define JOBS_MAX 120000 /* bytes of the chart list: one argument of gnuplot's */

/* Index of text in names[0..n), or -1. */
static int find(const char *const *names, int n, const char *text)
{
    for (int i = 0; i < n; i++)
        if (strcmp(names[i], text) == 0)
            return i;
    return -1;
}

/* Appends name with every character but A-Z a-z 0-9 _ - made _. */
static void put_fname(plot__sb_t *b, const char *name)
{
    for (const char *p = name; *p; p++) {
        char ch = *p;
        int ok = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
                 (ch >= '0' && ch <= '9') || ch == '_' || ch == '-';
        plot__sb_putc(b, ok ? ch : '_');
    }
}

int plot_render_backtest(const char *out_dir, const char *scripts_dir, const char *source,
                         uint64_t seed, int reps, char *err, size_t errlen)
{
    char script[PLOT_PATH_LEN], bpath[PLOT_PATH_LEN], apath[PLOT_PATH_LEN];
    plot__table_t bt = {0}, at = {0};
    plot__sb_t stages = {0}, jobs = {0}, expect = {0}, fname = {0}, title = {0};
    const char *names[SCN_MAX_STAGES];
    int n_names = 0, rc;

    if (err && errlen)
        err[0] = '\0';
    if (!out_dir || !scripts_dir)
        return sim_err_set(err, errlen, SIM_EINVAL, "no folder given: plots skipped");
    if ((rc = plot__input_path(scripts_dir, BACKTEST_SCRIPT, script, err, errlen)) <= 0)
        return rc < 0 ? rc
                      : sim_err_set(err, errlen, SIM_EIO, "%s/%s not found: plots skipped",
                                    scripts_dir, BACKTEST_SCRIPT);
    if ((rc = plot__input_path(out_dir, BACKTEST_CSV, bpath, err, errlen)) <= 0 ||
        (rc = plot__input_path(out_dir, ACTUAL_CSV, apath, err, errlen)) <= 0)
        return rc < 0 ? rc
                      : sim_err_set(err, errlen, SIM_EIO, "%s/%s or %s not found: plots skipped",
                                    out_dir, BACKTEST_CSV, ACTUAL_CSV);
    if ((rc = plot__table_load(&bt, bpath, BACKTEST_CSV, BACKTEST_COLS, BACKTEST_TYPES, err,
                               errlen)) != 0 ||
        (rc = plot__table_load(&at, apath, ACTUAL_CSV, ACTUAL_COLS, ACTUAL_TYPES, err,
                               errlen)) != 0)
        goto out;

    /* the stages, in the order backtest.csv first names them */
    for (long r = 0; r < bt.nrows; r++) {
        const char *s = plot__tcell(&bt, r, 3);
        if (find(names, n_names, s) >= 0)
            continue;
        if (n_names == SCN_MAX_STAGES) {
            rc = sim_err_set(err, errlen, SIM_EINVAL, "%s: more than %d stages: plots skipped",
                             bpath, SCN_MAX_STAGES);
            goto out;
        }
        names[n_names++] = s;
        plot__sb_item(&stages, s);
    }
    /* one chart per cutoff and stage whose stock the careflow forecast gives: rows of
     * one cutoff are together, in date order */
    for (long r0 = 0, r1; r0 < bt.nrows; r0 = r1) {
        const char *cut = plot__tcell(&bt, r0, 0);
        for (r1 = r0 + 1; r1 < bt.nrows && strcmp(plot__tcell(&bt, r1, 0), cut) == 0;)
            r1++;
        long c0, t1 = 0;
        if (cal_parse(cut, &c0) != 0) {
            rc = sim_err_set(err, errlen, SIM_EINVAL, "%s:%ld: bad cutoff '%.20s': plots "
                             "skipped", bpath, bt.line[r0], cut);
            goto out;
        }
        for (int s = 0; s < n_names; s++) {
            int forecast = 0;
            for (long r = r0; r < r1; r++) {
                long d;
                if (strcmp(plot__tcell(&bt, r, 3), names[s]) ||
                    strcmp(plot__tcell(&bt, r, 4), "stock") || isnan(plot__tnum(&bt, r, 6)))
                    continue;
                forecast = 1;
                if (cal_parse(plot__tcell(&bt, r, 1), &d) == 0 && d > t1)
                    t1 = d;
            }
            if (!forecast)
                continue;
            long t0 = c0 - (t1 - c0); /* as much history as forecast */
            char d0[11], d1[11];
            cal_format(t0, d0);
            cal_format(t1, d1);
            int has_actual = 0;
            for (long r = 0; r < at.nrows && !has_actual; r++) {
                const char *d = plot__tcell(&at, r, 0);
                has_actual = !strcmp(plot__tcell(&at, r, 1), names[s]) &&
                             !strcmp(plot__tcell(&at, r, 2), "stock") &&
                             !isnan(plot__tnum(&at, r, 3)) && strcmp(d, d0) >= 0 &&
                             strcmp(d, d1) <= 0;
            }
            plot__sb_clear(&fname);
            plot__sb_text(&fname, "backtest-");
            put_fname(&fname, cut);
            plot__sb_putc(&fname, '-');
            put_fname(&fname, names[s]);
            plot__sb_ensure(&fname);
            if (fname.oom)
                break;
            char word[96];
            snprintf(word, sizeof word, "%s%s %d ", jobs.len ? " " : "", cut, s + 1);
            plot__sb_text(&jobs, word);
            plot__sb_text(&jobs, fname.s);
            snprintf(word, sizeof word, " %s %s %d", d0, d1, has_actual);
            plot__sb_text(&jobs, word);
            plot__sb_item(&expect, fname.s);
        }
    }
    /* TITLE: the prefix of the cutoffs' scenario names (backtest-CUTOFF), and the
     * footer: the records, seed and replications */
    plot__sb_text(&title, "backtest");
    plot__sb_putc(&title, '\t');
    {
        plot__sb_t what = {0};
        plot__sb_text(&what, "records ");
        plot__sb_text(&what, source);
        plot__sb_ensure(&what);
        plot__footer(&title, what.s, seed, reps, "per cutoff",
                     "bands: spread of replications");
        if (what.oom)
            title.oom = 1;
        plot__sb_free(&what);
    }
    plot__sb_ensure(&stages);
    plot__sb_ensure(&jobs);
    if (stages.oom || jobs.oom || expect.oom || fname.oom || title.oom) {
        rc = sim_err_set(err, errlen, SIM_ENOMEM, "out of memory: plots skipped");
        goto out;
    }
    if (jobs.len == 0) {
        rc = sim_err_set(err, errlen, SIM_EINVAL, "%s has no forecast to draw: plots skipped",
                         bpath);
        goto out;
    }
    if (jobs.len > JOBS_MAX || stages.len > JOBS_MAX) {
        rc = sim_err_set(err, errlen, SIM_EINVAL, "too many cutoffs and stages to draw (%zu "
                         "bytes of chart list): plots skipped", jobs.len);
        goto out;
    }
    {
        const char *args[] = {title.s, stages.s, jobs.s, "png svg", NULL};
        rc = plot__draw(out_dir, NULL, script, args, expect.s, err, errlen);
    }
out:
    plot__table_free(&bt);
    plot__table_free(&at);
    plot__sb_free(&stages);
    plot__sb_free(&jobs);
    plot__sb_free(&expect);
    plot__sb_free(&fname);
    plot__sb_free(&title);
    return rc;
}
