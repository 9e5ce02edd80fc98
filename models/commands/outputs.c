/* outputs.c: see outputs.h. The writers, then the table that names them. */
#include "models/commands/outputs.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "models/commands/cluster.h"
#include "models/commands/figures.h"
#include "models/commands/plot.h"
#include "models/commands/version.h"
#include "sim/cal.h"
#include "sim/err.h"
#include "sim/fmt.h"
#include "sim/mem.h"
#include "sim/progress.h"
#include "sim/signals.h"
#include "sim/stats.h"

/* What every writer gets: the run, and scratch space of one value per replication. */
typedef struct wctx {
    outputs_run_t *in; /* the run (its out fields are filled by the writers) */
    double *v;         /* scratch, [replications] */
} wctx_t;

/* ---- shared rows ------------------------------------------------------------------ */

/* The non-NaN values of one array slot over replications, in replication order. */
typedef enum { ARR_TS, ARR_POOL_TS, ARR_OBS } arr_t;

static int gather(const model_result_t *res, int n_reps, arr_t a, size_t idx, double *v)
{
    int k = 0;
    for (int i = 0; i < n_reps; i++) {
        const double *base = a == ARR_TS ? res[i].ts : a == ARR_POOL_TS ? res[i].pool_ts
                                                                        : res[i].obs;
        double x = base[idx];
        if (!isnan(x))
            v[k++] = x;
    }
    return k;
}

/* ",mean,sd,ci95_low,ci95_high,n" and a newline: the summary of v[0..n). */
static void put_summary(FILE *f, const double *v, int n)
{
    summ_t s;
    stats_summarise(v, n, &s);
    const double x[4] = {s.mean, s.sd, s.lo, s.hi};
    for (int i = 0; i < 4; i++) {
        fputc(',', f);
        fmt_num(f, x[i]);
    }
    fprintf(f, ",%d\n", n);
}

/* ---- summary.csv, replications.csv ---------------------------------------------- */

static int write_summary(FILE *f, void *vc)
{
    wctx_t *c = vc;
    const scenario_t *sc = c->in->sc;
    figure_t *figs;
    int nf, rc = figures_list(sc, c->in->plan, &figs, &nf);
    if (rc)
        return rc;
    fputs("metric,stage,mean,sd,ci95_low,ci95_high,replications\n", f);
    for (int i = 0; i < nf; i++) {
        int n = 0;
        for (int r = 0; r < sc->replications; r++) {
            double x = figures_value(sc, &c->in->res[r], &figs[i]);
            if (!isnan(x))
                c->v[n++] = x;
        }
        fmt_field(f, figs[i].metric);
        fputc(',', f);
        fmt_field(f, figs[i].stage);
        if (n == 0)
            fputs(",,,,,0\n", f);
        else
            put_summary(f, c->v, n);
    }
    mem_free(figs);
    return 0;
}

static int write_replications(FILE *f, void *vc)
{
    wctx_t *c = vc;
    const scenario_t *sc = c->in->sc;
    figure_t *figs;
    int nf, rc = figures_list(sc, c->in->plan, &figs, &nf);
    if (rc)
        return rc;
    fputs("replication,metric,stage,value\n", f);
    for (int i = 0; i < sc->replications; i++)
        for (int j = 0; j < nf; j++) {
            fprintf(f, "%d,", i + 1);
            fmt_field(f, figs[j].metric);
            fputc(',', f);
            fmt_field(f, figs[j].stage);
            fputc(',', f);
            fmt_num(f, figures_value(sc, &c->in->res[i], &figs[j]));
            fputc('\n', f);
        }
    mem_free(figs);
    return 0;
}

/* ---- timeseries.csv ----------------------------------------------------------------- */

/* One row from the values of one (stage, metric, report) over replications (v is
 * reordered). */
static void ts_row(FILE *f, const scenario_t *sc, double day, const char *stage,
                   const char *metric, double *v, int n)
{
    static const double q[] = {0.05, 0.25, 0.50, 0.75, 0.95};
    char date[11];
    cal_format(sc->start + (long)floor(day), date);
    fmt_num(f, day);
    fprintf(f, ",%s,", date);
    fmt_field(f, stage);
    fputc(',', f);
    fmt_field(f, metric);
    if (n == 0) {
        fputs(",,,,,,\n", f);
        return;
    }
    double sum = 0; /* in replication order, before sorting */
    for (int i = 0; i < n; i++)
        sum += v[i];
    stats_sort(v, n);
    fputc(',', f);
    fmt_num(f, sum / n);
    for (int i = 0; i < 5; i++) {
        fputc(',', f);
        fmt_num(f, stats_quantile_sorted(v, n, q[i]));
    }
    fputc('\n', f);
}

static int write_timeseries(FILE *f, void *vc)
{
    wctx_t *c = vc;
    const scenario_t *sc = c->in->sc;
    const model_plan_t *plan = c->in->plan;
    int n = sc->replications, nr = plan->n_rows, np = sc->n_pools;
    fputs("day,date,stage,metric,mean,p05,p25,p50,p75,p95\n", f);
    for (int r = 0; r < nr; r++)
        for (int m = 0; m < MT_N; m++)
            for (int k = m == MT_ENTRIES ? 1 : 0; k < plan->n_reports; k++) {
                size_t idx = ((size_t)k * nr + (size_t)r) * MT_N + (size_t)m;
                int cnt = gather(c->in->res, n, ARR_TS, idx, c->v);
                ts_row(f, sc, plan->report_day[k], figures_row_name(sc, r),
                       model_ts_metric_names[m], c->v, cnt);
            }
    for (int p = 0; p < np; p++)
        for (int m = 0; m < MPT_N; m++)
            for (int k = 0; k < plan->n_reports; k++) {
                size_t idx = ((size_t)k * np + (size_t)p) * MPT_N + (size_t)m;
                int cnt = gather(c->in->res, n, ARR_POOL_TS, idx, c->v);
                ts_row(f, sc, plan->report_day[k], sc->pools[p].name,
                       model_pool_ts_metric_names[m], c->v, cnt);
            }
    return 0;
}

/* ---- fit.csv ------------------------------------------------------------------------ */

/* Items with no simulated value (outside [0, horizon]) are skipped and listed in
 * in->skipped ("label DATE, ..."), counted in in->n_skipped. */
static int write_fit(FILE *f, void *vc)
{
    wctx_t *c = vc;
    outputs_run_t *in = c->in;
    const scenario_t *sc = in->sc;
    size_t used = 0, skiplen = sizeof in->skipped;
    in->n_skipped = 0;
    in->skipped[0] = '\0';
    fputs("date,stages,metric,observed,mean,ci95_low,ci95_high,pct_error\n", f);
    for (int j = 0; j < sc->n_observed; j++) {
        const scn_observed_t *o = &sc->observed[j];
        char date[11];
        cal_format(o->date, date);
        int cnt = gather(in->res, sc->replications, ARR_OBS, (size_t)j, c->v);
        if (cnt == 0) {
            if (used < skiplen) {
                int w = snprintf(in->skipped + used, skiplen - used, "%s%s %s",
                                 in->n_skipped ? ", " : "", o->label, date);
                if (w > 0)
                    used += (size_t)w;
            }
            in->n_skipped++;
            continue;
        }
        summ_t s;
        stats_summarise(c->v, cnt, &s);
        fprintf(f, "%s,", date);
        fmt_field(f, o->label);
        fputs(o->metric == SCN_OBS_ENTRIES ? ",entries," : ",stock,", f);
        fmt_num(f, o->value);
        fputc(',', f);
        fmt_num(f, s.mean);
        fputc(',', f);
        fmt_num(f, s.lo);
        fputc(',', f);
        fmt_num(f, s.hi);
        fputc(',', f);
        if (o->value != 0)
            fmt_num(f, 100.0 * (s.mean - o->value) / o->value);
        fputc('\n', f);
    }
    if (used >= skiplen)
        strcpy(in->skipped + skiplen - 4, "...");
    return 0;
}

/* ---- costs.csv ---------------------------------------------------------------------- */

/* Each cost item and the total, per period and over the whole window. */
static int write_costs(FILE *f, void *vc)
{
    wctx_t *c = vc;
    const scenario_t *sc = c->in->sc;
    const model_plan_t *plan = c->in->plan;
    int np = plan->n_periods, nc = sc->n_costs;
    fputs("period,from,to,component,item,mean,sd,ci95_low,ci95_high,replications\n", f);
    for (int k = 0; k <= np; k++) {
        double a = k < np ? plan->period_day[k] : plan->period_day[0];
        double b = k < np ? plan->period_day[k + 1] : plan->period_day[np];
        char from[11], to[11], label[16];
        cal_format(sc->start + (long)floor(a) + 1, from);
        cal_format(sc->start + (long)floor(b), to);
        if (k < np)
            snprintf(label, sizeof label, "%d", k + 1);
        else
            snprintf(label, sizeof label, "all");
        for (int i = 0; i <= nc; i++) {
            fprintf(f, "%s,%s,%s,", label, from, to);
            if (i < nc) {
                fmt_field(f, sc->costs[i].component);
                fputc(',', f);
                fmt_field(f, sc->costs[i].item);
            } else {
                fputs("total,all", f);
            }
            for (int r = 0; r < sc->replications; r++) {
                const double *row = &c->in->res[r].cost[(size_t)k * nc];
                double x = 0;
                if (i < nc)
                    x = row[i];
                else
                    for (int j = 0; j < nc; j++)
                        x += row[j];
                c->v[r] = x;
            }
            put_summary(f, c->v, sc->replications);
        }
    }
    return 0;
}

/* ---- manifest.json ------------------------------------------------------------------ */

static double peak_rss_mb(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0)
        return 0;
    return (double)ru.ru_maxrss / 1024.0; /* Linux: kilobytes */
}

static int write_manifest(FILE *f, void *vc)
{
    wctx_t *c = vc;
    outputs_run_t *in = c->in;
    const scenario_t *sc = in->sc;
    in->wall = progress_now() - in->t_start;
    fputs("{\n  \"careflow_version\": ", f);
    fmt_json_str(f, CAREFLOW_VERSION);
    fputs(",\n  \"scenario\": ", f);
    fmt_json_str(f, sc->path);
    fputs(",\n  \"scenario_sha256\": ", f); /* the top file: read first */
    fmt_json_str(f, sc->n_inputs ? sc->inputs[0].sha256 : "");
    outputs_put_inputs(f, sc);
    fputs(",\n  \"name\": ", f);
    fmt_json_str(f, sc->name);
    fputs(",\n  \"title\": ", f);
    fmt_json_str(f, sc->title);
    fprintf(f, ",\n  \"seed\": %llu", (unsigned long long)sc->seed);
    fprintf(f, ",\n  \"replications\": %d", sc->replications);
    fprintf(f, ",\n  \"threads\": %d", in->threads);
    fprintf(f, ",\n  \"ranks\": %d", cluster_size());
    fputs(",\n  \"command_line\": ", f);
    fmt_json_str(f, in->cmdline);
    fprintf(f, ",\n  \"wall_seconds\": %.3f", in->wall);
    fprintf(f, ",\n  \"simulation_seconds\": %.3f", in->sim_wall);
    fprintf(f, ",\n  \"events\": %llu", (unsigned long long)in->events);
    fprintf(f, ",\n  \"events_per_second\": %.0f",
            in->sim_wall > 0 ? (double)in->events / in->sim_wall : 0.0);
    fprintf(f, ",\n  \"children\": %llu", (unsigned long long)in->children);
    fprintf(f, ",\n  \"peak_rss_mb\": %.1f\n}\n", peak_rss_mb());
    return 0;
}

/* ---- the table -------------------------------------------------------------------- */

static int always(const scenario_t *sc) { return 1; }
static int has_observed(const scenario_t *sc) { return sc->n_observed > 0; }
static int has_costs(const scenario_t *sc) { return sc->n_costs > 0; }

/* X(file name, written when, writer), in the order written; manifest.json last. A new
 * output file of `careflow run` is one line here. */
#define OUTPUTS_RUN_FILES(X)                           \
    X("summary.csv", always, write_summary)            \
    X("timeseries.csv", always, write_timeseries)      \
    X("replications.csv", always, write_replications)  \
    X("fit.csv", has_observed, write_fit)              \
    X("costs.csv", has_costs, write_costs)             \
    X("manifest.json", always, write_manifest)

typedef struct run_file {
    const char *name;                   /* in OUT */
    int (*wanted)(const scenario_t *sc); /* 1: this scenario has it */
    outtx_writer_fn write;              /* its text, from a wctx_t */
} run_file_t;

static const run_file_t run_files[] = {
#define RUN_FILE_ROW(name, when, fn) {name, when, fn},
    OUTPUTS_RUN_FILES(RUN_FILE_ROW)
#undef RUN_FILE_ROW
};

const char *const outputs_run_names[] = {
#define RUN_FILE_NAME(name, when, fn) name,
    OUTPUTS_RUN_FILES(RUN_FILE_NAME)
#undef RUN_FILE_NAME
    "plots", "report.html", NULL};

int outputs_write_run(outtx_t *tx, outputs_run_t *in, char *err, size_t errlen)
{
    wctx_t c = {.in = in, .v = mem_calloc((size_t)in->sc->replications, sizeof(double))};
    int rc = 0;
    in->n_skipped = 0;
    in->skipped[0] = '\0';
    if (!c.v)
        return sim_err_set(err, errlen, SIM_ENOMEM, "out of memory");
    for (size_t i = 0; i < sizeof run_files / sizeof run_files[0] && rc == 0; i++) {
        char rel[OUTTX_NAME_MAX + 32];
        if (!run_files[i].wanted(in->sc) ||
            (in->no_manifest && !strcmp(run_files[i].name, "manifest.json")))
            continue;
        int w = snprintf(rel, sizeof rel, "%s%s%s", in->subdir ? in->subdir : "",
                         in->subdir ? "/" : "", run_files[i].name);
        if (w < 0 || (size_t)w >= sizeof rel)
            rc = sim_err_set(err, errlen, SIM_EINVAL, "folder name too long: %s", in->subdir);
        else
            rc = outtx_write(tx, rel, run_files[i].write, &c, err, errlen);
    }
    mem_free(c.v);
    return rc;
}

void outputs_put_inputs(FILE *f, const scenario_t *sc)
{
    fputs(",\n  \"inputs\": [", f); /* every file the loader read, as hashed then */
    for (int i = 0; i < sc->n_inputs; i++) {
        fputs(i ? ",\n    {\"path\": " : "\n    {\"path\": ", f);
        fmt_json_str(f, sc->inputs[i].path);
        fputs(", \"sha256\": ", f);
        fmt_json_str(f, sc->inputs[i].sha256);
        fputc('}', f);
    }
    fputs(sc->n_inputs ? "\n  ]" : "]", f);
}

static int draw_plots(const scenario_t *sc, const char *dir, outputs_render_fn render)
{
    char scripts_buf[4096], perr[512];
    const char *scripts = plot_scripts_dir(scripts_buf, sizeof scripts_buf);
    perr[0] = '\0';
    if (!scripts) {
        fprintf(stderr, "careflow: warning: plots not drawn: gnuplot scripts (plots/) not "
                        "found; set CAREFLOW_PLOTS (the CSVs are complete)\n");
        return 0;
    }
    if (render(sc, dir, scripts, perr, sizeof perr) != 0) {
        fprintf(stderr, "careflow: warning: plots: %s (the CSVs are complete)\n",
                perr[0] ? perr : "gnuplot failed");
        return 0;
    }
    return 1;
}

int outputs_finish_report(outtx_t *tx, const scenario_t *sc, outputs_render_fn render,
                          int no_plots, report_meta_t *meta, int *plotted, char *err,
                          size_t errlen)
{
    *plotted = !no_plots && draw_plots(sc, outtx_dir(tx), render);
    if (signals_caught())
        return sim_err_set(err, errlen, SIM_EINTR, "interrupted by %s; no output written",
                           signals_name(signals_caught()));
    if (meta) {
        meta->dir = outtx_dir(tx);
        meta->plotted = *plotted;
        meta->no_plots_why = no_plots ? OUTPUTS_NO_PLOTS_FLAG : OUTPUTS_NO_PLOTS_FAILED;
        int rc = report_write(tx, meta, err, errlen);
        if (rc != 0)
            return rc;
    }
    return outtx_commit(tx, err, errlen);
}

int outputs_finish(outtx_t *tx, const scenario_t *sc, outputs_render_fn render, int no_plots,
                   int *plotted, char *err, size_t errlen)
{
    return outputs_finish_report(tx, sc, render, no_plots, NULL, plotted, err, errlen);
}
