/* plot_sweep.c: a sweep's plots (sweep__plot, see sweep_internal.h), drawn by
 * plots/sweep.gp from the sweep.csv (and sweep_answer.csv) just written. The figures
 * and their file names go to gnuplot as one space-separated list of words, four per
 * chart (metric, stage, image name, 1 for the target's figure); plot.c runs gnuplot,
 * checks the images and installs them as OUT/plots.
 *
 * One-way: plots/sweep-METRIC-STAGE, the mean against the value with its 95% interval
 * and the 5th-95th percentiles of the replications, the target as a horizontal line,
 * the share of replications meeting it (right axis); the answer marked on every chart.
 * Two-way: plots/sweep-heat-METRIC-STAGE, the mean at each (value, value2) as a heat
 * map; on the target's, the cells where it is met and the answer on the first path at
 * each value of the second. */
#include <stdio.h>
#include <string.h>

#include "models/commands/figures.h"
#include "models/commands/plot_internal.h"
#include "models/commands/sweep_internal.h"
#include "sim/err.h"

#define SWEEP_SCRIPT "sweep.gp"
#define JOBS_MAX 120000 /* bytes of the chart list: one argument of gnuplot's */

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

/* A metric or stage name as one word of the list (spaces made _; names never hold
 * them: the loader's name rule). */
static void put_word(plot__sb_t *b, const char *name)
{
    for (const char *p = name; *p; p++)
        plot__sb_putc(b, *p == ' ' || *p == '\t' ? '_' : *p);
}

/* Text made one field of a tab- and newline-separated list (tabs and newlines made
 * spaces). */
static void put_field(plot__sb_t *b, const char *text)
{
    for (const char *p = text; *p; p++)
        plot__sb_putc(b, *p == '\t' || *p == '\n' ? ' ' : *p);
}

/* A swept --set path as people read it: an uncertain parameter's label when the path
 * is one, else its last part of the rest ("pools.social_workers.workers": "workers of
 * social workers"), underscores made spaces. */
static void path_words(plot__sb_t *b, const scenario_t *sc, const char *path)
{
    for (int i = 0; sc && i < sc->n_uncertain; i++)
        if (sc->uncertain[i].path && !strcmp(sc->uncertain[i].path, path) &&
            sc->uncertain[i].label) {
            put_field(b, sc->uncertain[i].label);
            return;
        }
    const char *last = strrchr(path, '.'), *first = strchr(path, '.');
    if (!last || last == first) { /* one or two parts: the path as it is */
        put_field(b, path);
        return;
    }
    for (const char *p = last + 1; *p; p++)
        plot__sb_putc(b, *p == '_' ? ' ' : *p);
    plot__sb_text(b, " of ");
    for (const char *p = first + 1; p < last; p++)
        plot__sb_putc(b, *p == '_' || *p == '.' ? ' ' : *p);
}

int sweep__plot(const sweep__run_t *S, const char *out_dir, const char *scripts_dir,
                char *err, size_t errlen)
{
    char script[PLOT_PATH_LEN], csv[PLOT_PATH_LEN], target[128] = "", answer[80] = "",
                                                  grid[80] = "";
    plot__sb_t jobs = {0}, expect = {0}, fname = {0}, paths = {0}, title = {0};
    const sens__sweep_t *w = &S->w;
    int rc;
    if (err && errlen)
        err[0] = '\0';
    if ((rc = plot__input_path(scripts_dir, SWEEP_SCRIPT, script, err, errlen)) <= 0)
        return rc < 0 ? rc
                      : sim_err_set(err, errlen, SIM_EIO, "%s/%s not found: plots skipped",
                                    scripts_dir, SWEEP_SCRIPT);
    if ((rc = plot__input_path(out_dir, "sweep.csv", csv, err, errlen)) <= 0)
        return rc < 0 ? rc
                      : sim_err_set(err, errlen, SIM_EIO, "%s/sweep.csv not found: plots "
                                    "skipped", out_dir);
    for (int i = 0; i < w->out.n; i++) {
        plot__sb_clear(&fname);
        plot__sb_text(&fname, S->n_ax == 2 ? "sweep-heat-" : "sweep-");
        put_fname(&fname, w->out.metric[i]);
        plot__sb_putc(&fname, '-');
        put_fname(&fname, w->out.stage[i]);
        plot__sb_ensure(&fname);
        if (fname.oom)
            break;
        if (jobs.len)
            plot__sb_putc(&jobs, ' ');
        put_word(&jobs, w->out.metric[i]);
        plot__sb_putc(&jobs, ' ');
        put_word(&jobs, w->out.stage[i]);
        plot__sb_putc(&jobs, ' ');
        plot__sb_text(&jobs, fname.s);
        plot__sb_text(&jobs, S->tg.on && i == 0 ? " 1" : " 0");
        plot__sb_item(&expect, fname.s);
    }
    /* PATHS: the paths (tab-separated), a newline, the paths in words, a newline, each
     * chart's figure in words (figures_words), tab-separated, in the order of JOBS */
    for (int i = 0; i < S->n_ax; i++)
        plot__sb_item(&paths, S->ax[i].path);
    plot__sb_putc(&paths, '\n');
    for (int i = 0; i < S->n_ax; i++) {
        if (i)
            plot__sb_putc(&paths, '\t');
        path_words(&paths, S->sc, S->ax[i].path);
    }
    plot__sb_putc(&paths, '\n');
    for (int i = 0; i < w->out.n; i++) {
        char words[512];
        figures_words(words, sizeof words, S->sc, w->out.metric[i], w->out.stage[i]);
        if (i)
            plot__sb_putc(&paths, '\t');
        put_field(&paths, words);
    }
    plot__sb_text(&title, plot__title(S->sc));
    plot__title_footer(&title, S->sc, S->n_ax == 2 ? "per pair of values" : "per value",
                       S->n_ax == 2 ? "cells: mean over replications"
                                    : "bands: 95% interval of the mean, 5th-95th percentile "
                                      "of replications");
    plot__sb_ensure(&jobs);
    plot__sb_ensure(&paths);
    if (jobs.oom || expect.oom || fname.oom || paths.oom || title.oom) {
        rc = sim_err_set(err, errlen, SIM_ENOMEM, "out of memory: plots skipped");
        goto out;
    }
    if (jobs.len > JOBS_MAX || paths.len > JOBS_MAX) {
        rc = sim_err_set(err, errlen, SIM_EINVAL, "chart list too long: plots skipped");
        goto out;
    }
    if (S->tg.on) {
        char x[40];
        snprintf(x, sizeof x, "%.10g", S->tg.x);
        snprintf(target, sizeof target, "%s %s", S->tg.ge ? ">=" : "<=", x);
        if (S->n_ax == 1 && S->tg.answer[0] >= 0)
            snprintf(answer, sizeof answer, "%s", sweep__vt(&S->ax[0], S->tg.answer[0]));
        else if (S->n_ax == 2 && S->tg.n_answered > 0)
            snprintf(answer, sizeof answer, "1");
    }
    snprintf(grid, sizeof grid, "%.10g %.10g", S->ax[0].step,
             S->n_ax == 2 ? S->ax[1].step : 0.0);
    {
        const char *args[] = {title.s, paths.s, jobs.s, target, answer, grid,
                              "png svg", NULL};
        rc = plot__draw(out_dir, NULL, script, args, expect.s, err, errlen);
    }
out:
    plot__sb_free(&jobs);
    plot__sb_free(&expect);
    plot__sb_free(&fname);
    plot__sb_free(&paths);
    plot__sb_free(&title);
    return rc;
}
