/* sens_write.c: the result files of a sweep (see sens_internal.h and
 * docs/sensitivity.md section 6 for what each holds).
 *
 * Rank 0 writes them from the analysed results in point order, so they are
 * byte-identical at any thread or rank count (manifest.json, with timings, aside).
 * They and the plots are one output transaction (sim/outtx.h, begun in setup): all
 * written into a staging folder, then swapped in for the output folder at once, so a
 * reader never sees a half-written or mixed set.
 *
 * Failure: SIM_EIO (cannot write), SIM_ENOMEM, SIM_EINTR (a signal before the swap:
 * nothing replaced) with err; the staging folder is removed (outtx_abort, by the
 * driver). A failing plot is a warning, not a failure. */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/commands/cluster.h"
#include "models/commands/outputs.h"
#include "models/commands/plot.h"
#include "models/commands/sens_internal.h"
#include "models/commands/version.h"
#include "sim/cal.h"
#include "sim/fmt.h"
#include "sim/mem.h"
#include "sim/outtx.h"
#include "sim/signals.h"
#include "sim/sa.h"

/* ---- writers ---------------------------------------------------------------------- */

static void put_out_name(FILE *f, const sens__sweep_t *w, int o)
{
    fmt_field(f, w->out.metric[o]);
    fputc(',', f);
    fmt_field(f, w->out.stage[o]);
}

static void put_param(FILE *f, const sens__sweep_t *w, int i)
{
    fputc(',', f);
    fmt_field(f, w->sc->uncertain[i].path);
    fputc(',', f);
    fmt_field(f, w->sc->uncertain[i].label);
}

static void put_nums(FILE *f, int n, const double *x)
{
    for (int i = 0; i < n; i++) {
        fputc(',', f);
        fmt_num(f, x[i]);
    }
}

static int write_params(FILE *f, void *ctx)
{
    const sens__results_t *R = ctx;
    const sens__sweep_t *w = R->w;
    fputs("name,label,dist,min,mode,max,mean,sd,values,weights,low,median,high\n", f);
    for (int i = 0; i < w->k; i++) {
        const scn_uncertain_t *u = &w->sc->uncertain[i];
        const sa_param_t *p = &u->dist;
        char lo[SENS__VALUE_LEN], md[SENS__VALUE_LEN], hi[SENS__VALUE_LEN];
        int ends = w->o->method == SENS_OAT || w->o->method == SENS_MORRIS;
        fmt_field(f, u->path);
        fputc(',', f);
        fmt_field(f, u->label);
        fprintf(f, ",%s", sa_dist_name(p->kind));
        double mn = isfinite(p->min) && p->kind != SA_CHOICE ? p->min : NAN;
        double mx = isfinite(p->max) && p->kind != SA_CHOICE ? p->max : NAN;
        double x[3] = {mn, p->kind == SA_TRIANGULAR ? p->mode : NAN, mx};
        put_nums(f, 3, x);
        double y[2] = {p->kind == SA_NORMAL || p->kind == SA_LOGNORMAL ? p->mean : NAN,
                       p->kind == SA_NORMAL || p->kind == SA_LOGNORMAL ? p->sd : NAN};
        put_nums(f, 2, y);
        fputc(',', f);
        if (p->kind == SA_CHOICE) {
            char buf[1024];
            size_t at = 0;
            for (int j = 0; j < p->n_choices && at < sizeof buf - 1; j++)
                at += (size_t)snprintf(buf + at, sizeof buf - at, "%s%s", j ? " " : "",
                                       u->choices[j]);
            fmt_field(f, buf);
            fputc(',', f);
            for (int j = 0; u->weights && j < p->n_choices; j++) {
                if (j)
                    fputc(' ', f);
                fmt_num(f, u->weights[j]);
            }
        } else {
            fputc(',', f);
        }
        sens__value_text(u, sens__param_value(u, 0, ends), lo, sizeof lo);
        sens__value_text(u, sens__param_value(u, 0.5, ends), md, sizeof md);
        sens__value_text(u, sens__param_value(u, 1, ends), hi, sizeof hi);
        fputc(',', f);
        fmt_field(f, lo);
        fputc(',', f);
        fmt_field(f, md);
        fputc(',', f);
        fmt_field(f, hi);
        fputc('\n', f);
    }
    return 0;
}

static void design_header(FILE *f, const sens__sweep_t *w)
{
    for (int i = 0; i < w->k; i++) {
        if (i)
            fputc(',', f);
        fmt_field(f, w->sc->uncertain[i].path);
    }
    fputc('\n', f);
}

static int write_design(FILE *f, void *ctx)
{
    const sens__sweep_t *w = ((const sens__results_t *)ctx)->w;
    design_header(f, w);
    for (int p = 0; p < w->n_pts; p++)
        for (int i = 0; i < w->k; i++) {
            fmt_field(f, sens__vt(w, p, i));
            fputc(i + 1 < w->k ? ',' : '\n', f);
        }
    return 0;
}

static int write_design_unit(FILE *f, void *ctx)
{
    const sens__sweep_t *w = ((const sens__results_t *)ctx)->w;
    design_header(f, w);
    for (int p = 0; p < w->n_pts; p++)
        for (int i = 0; i < w->k; i++) {
            fprintf(f, "%.17g", w->U[(size_t)p * w->k + i]);
            fputc(i + 1 < w->k ? ',' : '\n', f);
        }
    return 0;
}

static int write_y(FILE *f, void *ctx)
{
    const sens__results_t *R = ctx;
    const sens__sweep_t *w = R->w;
    for (int o = 0; o < w->out.n; o++)
        fprintf(f, "%s%s:%s", o ? "," : "", w->out.metric[o], w->out.stage[o]);
    fputc('\n', f);
    for (int p = 0; p < w->n_pts; p++)
        for (int o = 0; o < w->out.n; o++) {
            fprintf(f, "%.17g", R->st[o].y[p]);
            fputc(o + 1 < w->out.n ? ',' : '\n', f);
        }
    return 0;
}

static int write_noise(FILE *f, void *ctx)
{
    const sens__results_t *R = ctx;
    const sens__sweep_t *w = R->w;
    fputs("metric,stage,var_points,var_noise,noise_share,var_noise_unpaired,rep_sd,"
          "replications\n", f);
    for (int o = 0; o < w->out.n; o++) {
        const sens__outstat_t *s = &R->st[o];
        double x[5] = {s->var_points, s->var_noise,
                       s->var_points > 0 ? s->var_noise / s->var_points : NAN,
                       s->var_unpaired, s->rep_sd};
        put_out_name(f, w, o);
        put_nums(f, 5, x);
        fprintf(f, ",%d\n", w->reps);
    }
    return 0;
}

/* OAT: a[o][0..3]: y_low, y_high, swing lo, swing hi (per parameter). */
static int write_oat(FILE *f, void *ctx)
{
    const sens__results_t *R = ctx;
    const sens__sweep_t *w = R->w;
    fputs("metric,stage,name,label,low_value,high_value,base,y_low,y_high,swing,"
          "swing_ci95_low,swing_ci95_high\n", f);
    for (int o = 0; o < w->out.n; o++)
        for (int j = 0; j < w->k; j++) {
            int i = R->order[o][j];
            const double *y = R->st[o].y;
            put_out_name(f, w, o);
            put_param(f, w, i);
            fputc(',', f);
            fmt_field(f, sens__vt(w, 1 + 2 * i, i));
            fputc(',', f);
            fmt_field(f, sens__vt(w, 2 + 2 * i, i));
            double x[6] = {y[0], y[1 + 2 * i], y[2 + 2 * i], y[2 + 2 * i] - y[1 + 2 * i],
                           R->a[o][0][i], R->a[o][1][i]};
            put_nums(f, 6, x);
            fputc('\n', f);
        }
    return 0;
}

/* Rows "metric,stage,name,label," then a[o][0..n) of each parameter, and "yes" or
 * "no" for a[o][n] if yesno. */
static int per_param_rows(FILE *f, const sens__results_t *R, const char *header, int n,
                          int yesno)
{
    const sens__sweep_t *w = R->w;
    fputs(header, f);
    for (int o = 0; o < w->out.n; o++)
        for (int i = 0; i < w->k; i++) {
            put_out_name(f, w, o);
            put_param(f, w, i);
            for (int j = 0; j < n; j++) {
                fputc(',', f);
                fmt_num(f, R->a[o][j][i]);
            }
            if (yesno)
                fprintf(f, ",%s", R->a[o][n][i] > 0 ? "yes" : "no");
            fputc('\n', f);
        }
    return 0;
}

/* Morris: a[o][0..4]: mu, mu*, sigma, mu*_conf, noise_ee. */
static int write_morris(FILE *f, void *ctx)
{
    return per_param_rows(f, ctx,
                          "metric,stage,name,label,mu,mu_star,sigma,mu_star_conf,noise_ee\n", 5,
                          0);
}

/* Sobol: a[o][0..4]: S1, S1_conf, ST, ST_conf, swamped (0/1). */
static int write_sobol(FILE *f, void *ctx)
{
    return per_param_rows(f, ctx,
                          "metric,stage,name,label,S1,S1_conf,ST,ST_conf,noise_swamped\n", 4, 1);
}

static int write_sobol_conv(FILE *f, void *ctx)
{
    const sens__results_t *R = ctx;
    const sens__sweep_t *w = R->w;
    fputs("metric,stage,name,label,N,S1,S1_conf,ST,ST_conf\n", f);
    for (int o = 0; o < w->out.n; o++)
        for (int i = 0; i < w->k; i++)
            for (int c = 0; c < R->n_conv; c++) {
                if (!R->conv[o][c][0])
                    continue;
                put_out_name(f, w, o);
                put_param(f, w, i);
                fprintf(f, ",%d", R->conv_n[c]);
                double x[4] = {R->conv[o][c][0][i], R->conv[o][c][1][i], R->conv[o][c][2][i],
                               R->conv[o][c][3][i]};
                put_nums(f, 4, x);
                fputc('\n', f);
            }
    return 0;
}

static void quantiles_of(double *v, int n, double q[6])
{
    summ_t s;
    stats_summarise(v, n, &s);
    stats_sort(v, n);
    static const double ps[5] = {0.05, 0.25, 0.5, 0.75, 0.95};
    q[0] = s.mean;
    for (int j = 0; j < 5; j++)
        q[1 + j] = n ? stats_quantile_sorted(v, n, ps[j]) : NAN;
}

static int write_lhs(FILE *f, void *ctx)
{
    const sens__results_t *R = ctx;
    const sens__sweep_t *w = R->w;
    double *v = mem_alloc((size_t)w->n_pts * sizeof *v);
    fputs("metric,stage,mean,sd,p05,p25,p50,p75,p95,noise_sd\n", f);
    for (int o = 0; v && o < w->out.n; o++) {
        int n = 0;
        for (int p = 0; p < w->n_pts; p++)
            if (!isnan(R->st[o].y[p]))
                v[n++] = R->st[o].y[p];
        double q[6];
        summ_t s;
        stats_summarise(v, n, &s);
        quantiles_of(v, n, q);
        put_out_name(f, w, o);
        double x[8] = {q[0], s.sd, q[1], q[2], q[3], q[4], q[5], sqrt(R->st[o].var_noise)};
        put_nums(f, 8, x);
        fputc('\n', f);
    }
    int rc = v ? 0 : SIM_ENOMEM;
    mem_free(v);
    return rc;
}

/* Spearman rank correlation of each parameter with each output (a[o][0]). */
static int write_lhs_corr(FILE *f, void *ctx)
{
    return per_param_rows(f, ctx, "metric,stage,name,label,spearman\n", 1, 0);
}

static int write_lhs_ts(FILE *f, void *ctx)
{
    const sens__results_t *R = ctx;
    const sens__sweep_t *w = R->w;
    const scenario_t *sc = w->sc;
    size_t nk = (size_t)w->plan.n_reports;
    double *v = mem_alloc((size_t)w->n_pts * sizeof *v);
    fputs("day,date,stage,metric,mean,p05,p25,p50,p75,p95\n", f);
    for (int s = 0; v && s < w->n_series; s++) {
        const char *stage = w->ser_row[s] < sc->n_stages ? sc->stages[w->ser_row[s]].name : "all";
        for (size_t j = w->ser_m[s] == MT_ENTRIES ? 1 : 0; j < nk; j++) {
            for (int p = 0; p < w->n_pts; p++)
                v[p] = w->val[(size_t)p * w->block + (size_t)w->reps * w->out.n +
                              (size_t)s * nk + j];
            double q[6], day = w->plan.report_day[j];
            char date[11];
            quantiles_of(v, w->n_pts, q);
            cal_format(sc->start + (long)floor(day), date);
            fmt_num(f, day);
            fprintf(f, ",%s,", date);
            fmt_field(f, stage);
            fprintf(f, ",%s", model_ts_metric_names[w->ser_m[s]]);
            put_nums(f, 6, q);
            fputc('\n', f);
        }
    }
    int rc = v ? 0 : SIM_ENOMEM;
    mem_free(v);
    return rc;
}

static int write_manifest(FILE *f, void *ctx)
{
    const sens__results_t *R = ctx;
    const sens__sweep_t *w = R->w;
    const scenario_t *sc = w->sc;
    const char *sha = sc->n_inputs ? sc->inputs[0].sha256 : ""; /* the top file: read first */
    fputs("{\n  \"careflow_version\": ", f);
    fmt_json_str(f, CAREFLOW_VERSION);
    fputs(",\n  \"command\": \"sensitivity\",\n  \"scenario\": ", f);
    fmt_json_str(f, sc->path);
    fputs(",\n  \"scenario_sha256\": ", f);
    fmt_json_str(f, sha);
    outputs_put_inputs(f, sc);
    fputs(",\n  \"name\": ", f);
    fmt_json_str(f, sc->name);
    fputs(",\n  \"method\": ", f);
    fmt_json_str(f, sens_method_name(w->o->method));
    fprintf(f, ",\n  \"parameters\": %d", w->k);
    fprintf(f, ",\n  \"samples\": %d", w->samples);
    if (w->o->method == SENS_MORRIS)
        fprintf(f, ",\n  \"levels\": %d", w->levels);
    fprintf(f, ",\n  \"design_points\": %d", w->n_pts);
    fprintf(f, ",\n  \"replications_per_point\": %d", w->reps);
    fprintf(f, ",\n  \"seed\": %llu", (unsigned long long)sc->seed);
    fprintf(f, ",\n  \"bootstrap_resamples\": %d",
            w->o->n_boot > 0 ? w->o->n_boot : SENS__DEFAULT_BOOT);
    sens__manifest_tail(f, w, "outputs", R->wall);
    return 0;
}

void sens__manifest_tail(FILE *f, const sens__sweep_t *w, const char *key, double wall)
{
    fprintf(f, ",\n  \"%s\": [", key);
    for (int o = 0; o < w->out.n; o++) {
        char name[256];
        snprintf(name, sizeof name, "%s:%s", w->out.metric[o], w->out.stage[o]);
        fputs(o ? ", " : "", f);
        fmt_json_str(f, name);
    }
    fputs("]", f);
    fputs(",\n  \"parallel\": ", f);
    fmt_json_str(f, cluster_kind());
    fprintf(f, ",\n  \"ranks\": %d", cluster_size());
    fprintf(f, ",\n  \"threads_per_rank\": %d", w->o->threads);
    fprintf(f, ",\n  \"resumed_points\": %d", w->n_resumed);
    fputs(",\n  \"command_line\": ", f);
    fmt_json_str(f, w->o->cmdline);
    fprintf(f, ",\n  \"wall_seconds\": %.3f\n}\n", wall);
}

const char *const sens__out_names[] = {
    "params.csv", "design.csv", "design_unit.csv", "Y.csv", "noise.csv", "oat.csv",
    "morris.csv", "sobol.csv", "sobol_convergence.csv", "lhs.csv", "lhs_correlation.csv",
    "lhs_timeseries.csv", "manifest.json", "plots", ".checkpoint", "report.html", NULL};

typedef struct outfile {
    const char *name;     /* its name in the output folder */
    outtx_writer_fn fn;   /* writes its text */
} outfile_t;

/* Every file of the method into the transaction's staging folder. */
static int write_all(sens__results_t *R, char *err, size_t errlen)
{
    sens__sweep_t *w = R->w;
    outfile_t f[12];
    int n = 0, rc = 0;
#define FILE_(nm, fn_) f[n++] = (outfile_t){nm, fn_}
    FILE_("params.csv", write_params);
    FILE_("design.csv", write_design);
    FILE_("design_unit.csv", write_design_unit);
    FILE_("Y.csv", write_y);
    FILE_("noise.csv", write_noise);
    switch (w->o->method) {
    case SENS_OAT: FILE_("oat.csv", write_oat); break;
    case SENS_MORRIS: FILE_("morris.csv", write_morris); break;
    case SENS_SOBOL:
        FILE_("sobol.csv", write_sobol);
        FILE_("sobol_convergence.csv", write_sobol_conv);
        break;
    case SENS_LHS:
        FILE_("lhs.csv", write_lhs);
        FILE_("lhs_correlation.csv", write_lhs_corr);
        if (w->n_series)
            FILE_("lhs_timeseries.csv", write_lhs_ts);
        break;
    case SENS_METHOD_N: break;
    }
    FILE_("manifest.json", write_manifest);
#undef FILE_
    for (int i = 0; i < n && rc == 0; i++)
        rc = outtx_write(&w->tx, f[i].name, f[i].fn, R, err, errlen);
    return rc;
}

int sens__write(sens__results_t *R, char *err, size_t errlen)
{
    sens__sweep_t *w = R->w;
    signals_writing(); /* from here a signal is recorded and acted on before the swap */
    int rc = write_all(R, err, errlen);
    if (rc != 0)
        return rc;
    int plotted = 0;
    if (!w->o->no_plots) {
        char dir[PATH_MAX], perr[512];
        const char *sd = plot_scripts_dir(dir, sizeof dir);
        if (!sd)
            sens__warn(w, "no plots: cannot find the gnuplot scripts (plots/); set "
                          "CAREFLOW_PLOTS");
        else if (plot_render_sensitivity(w->sc, outtx_dir(&w->tx), sd,
                                         sens_method_name(w->o->method), perr,
                                         sizeof perr) != 0)
            sens__warn(w, "no plots: %s", perr);
        else
            plotted = 1;
    }
    if (signals_caught())
        return sim_err_set(err, errlen, SIM_EINTR, "interrupted by %s; no output written",
                           signals_name(signals_caught()));
    char title[512];
    snprintf(title, sizeof title, "Sensitivity (%s): %s", sens_method_name(w->o->method),
             w->sc->title ? w->sc->title : w->sc->name);
    report_meta_t page = {.command = "sensitivity",
                          .title = title,
                          .sc = w->sc,
                          .sets = w->o->sets,
                          .n_sets = w->o->n_sets,
                          .cmdline = w->o->cmdline,
                          .dir = outtx_dir(&w->tx),
                          .plotted = plotted,
                          .no_plots_why = w->o->no_plots ? OUTPUTS_NO_PLOTS_FLAG
                                                         : OUTPUTS_NO_PLOTS_FAILED,
                          .method = sens_method_name(w->o->method)};
    if ((rc = report_write(&w->tx, &page, err, errlen)) != 0)
        return rc;
    if (w->ckpt) { /* the checkpoint goes with the old set */
        fclose(w->ckpt);
        w->ckpt = NULL;
    }
    return outtx_commit(&w->tx, err, errlen);
}
