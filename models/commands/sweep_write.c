/* sweep_write.c: a sweep's result files (see sweep_internal.h and docs/sweep.md for
 * what each holds).
 *
 * Rank 0 writes them from the summaries in point order, so they are byte-identical at
 * any thread or rank count (manifest.json, with timings, aside). They and the plots are
 * one output transaction (sim/outtx.h, begun in setup): written into a staging folder,
 * then swapped in for the output folder at once.
 *
 * Failure: SIM_EIO, SIM_ENOMEM, SIM_EINTR (a signal before the swap: nothing replaced)
 * with err; the staging folder is removed by the driver (outtx_abort in
 * sens__sweep_free). A failing plot is a warning, not a failure. */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "models/commands/cluster.h"
#include "models/commands/outputs.h"
#include "models/commands/plot.h"
#include "models/commands/sweep_internal.h"
#include "models/commands/version.h"
#include "sim/fmt.h"
#include "sim/outtx.h"
#include "sim/signals.h"

const char *const sweep__out_names[] = {"sweep.csv", "sweep_answer.csv", "manifest.json",
                                        "plots", ".checkpoint", "report.html", NULL};

static void put_nums(FILE *f, int n, const double *x)
{
    for (int i = 0; i < n; i++) {
        fputc(',', f);
        fmt_num(f, x[i]);
    }
}

/* value,metric,stage,mean,ci95_low,ci95_high,p05,p95,value2,share_met: every figure
 * (in order), at every point (first axis fastest). */
static int write_sweep(FILE *f, void *ctx)
{
    const sweep__run_t *S = ctx;
    const sens__sweep_t *w = &S->w;
    int n1 = S->ax[0].n;
    fputs("value,metric,stage,mean,ci95_low,ci95_high,p05,p95,value2,share_met\n", f);
    for (int i = 0; i < w->out.n; i++)
        for (int p = 0; p < w->n_pts; p++) {
            const sweep__stat_t *s = &S->st[(size_t)i * w->n_pts + p];
            fmt_field(f, sweep__vt(&S->ax[0], p % n1));
            fputc(',', f);
            fmt_field(f, w->out.metric[i]);
            fputc(',', f);
            fmt_field(f, w->out.stage[i]);
            double x[5] = {s->mean, s->lo, s->hi, s->p05, s->p95};
            put_nums(f, 5, x);
            fputc(',', f);
            if (S->n_ax == 2)
                fmt_field(f, sweep__vt(&S->ax[1], p / n1));
            fputc(',', f);
            if (S->tg.on && i == 0)
                fmt_num(f, S->tg.share[p]);
            fputc('\n', f);
        }
    return 0;
}

/* path,value,metric,stage,target,share_met,mean,ci95_low,ci95_high,replications,path2,
 * value2: one row per value of the second axis (one row for a one-way sweep); value
 * and the figures empty where no value meets the target. */
static int write_answer(FILE *f, void *ctx)
{
    const sweep__run_t *S = ctx;
    const sens__sweep_t *w = &S->w;
    int n1 = S->ax[0].n, n2 = w->n_pts / n1;
    fputs("path,value,metric,stage,target,share_met,mean,ci95_low,ci95_high,replications,"
          "path2,value2\n", f);
    for (int j = 0; j < n2; j++) {
        int a = S->tg.answer[j], p = j * n1 + a;
        fmt_field(f, S->ax[0].path);
        fputc(',', f);
        if (a >= 0)
            fmt_field(f, sweep__vt(&S->ax[0], a));
        fputc(',', f);
        fmt_field(f, w->out.metric[0]);
        fputc(',', f);
        fmt_field(f, w->out.stage[0]);
        fputc(',', f);
        fmt_field(f, S->tg.text);
        double x[4] = {NAN, NAN, NAN, NAN};
        if (a >= 0) {
            x[0] = S->tg.share[p];
            x[1] = S->st[p].mean;
            x[2] = S->st[p].lo;
            x[3] = S->st[p].hi;
        }
        put_nums(f, 4, x);
        fprintf(f, ",%d,", w->reps);
        if (S->n_ax == 2) {
            fmt_field(f, S->ax[1].path);
            fputc(',', f);
            fmt_field(f, sweep__vt(&S->ax[1], j));
        } else {
            fputc(',', f);
        }
        fputc('\n', f);
    }
    return 0;
}

static int write_manifest(FILE *f, void *ctx)
{
    const sweep__run_t *S = ctx;
    const sens__sweep_t *w = &S->w;
    const scenario_t *sc = S->sc;
    const char *sha = sc->n_inputs ? sc->inputs[0].sha256 : "";
    fputs("{\n  \"careflow_version\": ", f);
    fmt_json_str(f, CAREFLOW_VERSION);
    fputs(",\n  \"command\": \"sweep\",\n  \"scenario\": ", f);
    fmt_json_str(f, sc->path);
    fputs(",\n  \"scenario_sha256\": ", f);
    fmt_json_str(f, sha);
    outputs_put_inputs(f, sc);
    fputs(",\n  \"name\": ", f);
    fmt_json_str(f, sc->name);
    fputs(",\n  \"vary\": [", f);
    for (int i = 0; i < S->n_ax; i++) {
        const sweep__axis_t *a = &S->ax[i];
        fputs(i ? ",\n    {\"path\": " : "\n    {\"path\": ", f);
        fmt_json_str(f, a->path);
        fputs(", \"low\": ", f);
        fmt_json_str(f, sweep__vt(a, 0));
        fputs(", \"high\": ", f);
        fmt_json_str(f, sweep__vt(a, a->n - 1));
        fprintf(f, ", \"values\": %d}", a->n);
    }
    fputs("\n  ]", f);
    if (S->tg.on) {
        char t[320];
        snprintf(t, sizeof t, "%s:%s%s", w->out.metric[0], w->out.stage[0], S->tg.text);
        fputs(",\n  \"target\": ", f);
        fmt_json_str(f, t);
        fprintf(f, ",\n  \"target_share\": %g", SWEEP__SHARE);
        fprintf(f, ",\n  \"answers\": %d", S->tg.n_answered);
    }
    fprintf(f, ",\n  \"points\": %d", w->n_pts);
    fprintf(f, ",\n  \"replications_per_point\": %d", w->reps);
    fprintf(f, ",\n  \"seed\": %llu", (unsigned long long)sc->seed);
    sens__manifest_tail(f, w, "figures", S->wall); /* w->o: S->o's threads, cmdline */
    return 0;
}

int sweep__write(sweep__run_t *S, char *err, size_t errlen)
{
    sens__sweep_t *w = &S->w;
    signals_writing(); /* from here a signal is recorded and acted on before the swap */
    int rc = outtx_write(&w->tx, "sweep.csv", write_sweep, S, err, errlen);
    if (rc == 0 && S->tg.on)
        rc = outtx_write(&w->tx, "sweep_answer.csv", write_answer, S, err, errlen);
    if (rc == 0)
        rc = outtx_write(&w->tx, "manifest.json", write_manifest, S, err, errlen);
    if (rc != 0)
        return rc;
    int plotted = 0;
    if (!S->o->no_plots) {
        char dir[PATH_MAX], perr[512];
        const char *sd = plot_scripts_dir(dir, sizeof dir);
        if (!sd)
            sens__warn(w, "no plots: cannot find the gnuplot scripts (plots/); set "
                          "CAREFLOW_PLOTS");
        else if (sweep__plot(S, outtx_dir(&w->tx), sd, perr, sizeof perr) != 0)
            sens__warn(w, "no plots: %s", perr);
        else
            plotted = 1;
    }
    if (signals_caught())
        return sim_err_set(err, errlen, SIM_EINTR, "interrupted by %s; no output written",
                           signals_name(signals_caught()));
    char title[512];
    snprintf(title, sizeof title, "Sweep: %s", S->sc->title ? S->sc->title : S->sc->name);
    report_meta_t page = {.command = "sweep",
                          .title = title,
                          .sc = S->sc,
                          .sets = S->o->sets,
                          .n_sets = S->o->n_sets,
                          .cmdline = S->o->cmdline,
                          .dir = outtx_dir(&w->tx),
                          .plotted = plotted,
                          .no_plots_why = S->o->no_plots ? OUTPUTS_NO_PLOTS_FLAG
                                                         : OUTPUTS_NO_PLOTS_FAILED};
    if ((rc = report_write(&w->tx, &page, err, errlen)) != 0)
        return rc;
    if (w->ckpt) { /* the checkpoint goes with the old set */
        fclose(w->ckpt);
        w->ckpt = NULL;
    }
    return outtx_commit(&w->tx, err, errlen);
}
