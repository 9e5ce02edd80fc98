/* calib_write.c: the files of `careflow calibrate` (see calib_internal.h and
 * docs/calibrate.md), written by rank 0 into the output transaction begun in setup:
 *
 *   calibrate.csv         one row per parameter: the estimate and its 95% interval
 *   calibrate_points.csv  every evaluated point, its D and posterior weight
 *   calibrate_items.csv   every observed item against the calibrated scenario
 *   calibrated.yaml       the scenario with the estimates (include + set)
 *   summary.csv, timeseries.csv, replications.csv, fit.csv (costs.csv): the
 *                         calibrated scenario run with the same seed and replications
 *   manifest.json         the calibration's manifest
 *   plots/                the calibrated run's plots (fan charts with the observed
 *                         points) and posterior-N: each parameter's prior and posterior
 *
 * Everything but manifest.json is computed from the points table in its order, so the
 * files are byte-identical at any thread or rank count. */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "models/commands/calib_internal.h"
#include "models/commands/cluster.h"
#include "models/commands/outputs.h"
#include "models/commands/plot.h"
#include "models/commands/run.h"
#include "models/commands/sens_internal.h"
#include "models/commands/version.h"
#include "sim/cal.h"
#include "sim/fmt.h"
#include "sim/mem.h"
#include "sim/outtx.h"
#include "sim/progress.h"
#include "sim/sa.h"
#include "sim/signals.h"

#define HIST_BINS 30

/* ---- calibrate.csv ----------------------------------------------------------------- */

static int write_calibrate(FILE *f, void *ctx)
{
    const calib_t *c = ctx;
    fputs("name,label,estimate,low,high,median,prior_low,prior_high,ess,at_prior_bound,"
          "box_cut\n", f);
    for (int i = 0; i < c->k; i++) {
        const scn_uncertain_t *u = &c->sc->uncertain[i];
        double x[] = {c->est[i], c->lo[i], c->hi[i], c->med[i], calib__value(c, i, 0.025),
                      calib__value(c, i, 0.975), c->ess};
        fmt_field(f, u->path);
        fputc(',', f);
        fmt_field(f, u->label);
        for (size_t j = 0; j < sizeof x / sizeof x[0]; j++) {
            fputc(',', f);
            fmt_num(f, x[j]);
        }
        fprintf(f, ",%d,%d\n", (int)((c->at_bound >> i) & 1), (int)((c->cut >> i) & 1));
    }
    return 0;
}

/* ---- calibrate_points.csv ---------------------------------------------------------- */

static int write_points(FILE *f, void *ctx)
{
    const calib_t *c = ctx;
    fputs("point,stage,round", f);
    for (int i = 0; i < c->k; i++) {
        fputc(',', f);
        fmt_field(f, c->sc->uncertain[i].path);
    }
    fputs(",discrepancy,weight\n", f);
    for (int p = 0; p < c->n_pts; p++) {
        fprintf(f, "%d,%s,", p + 1, calib__stage_names[c->stage[p]]);
        if (c->round[p] >= 0)
            fprintf(f, "%d", c->round[p] + 1);
        for (int i = 0; i < c->k; i++) {
            fputc(',', f);
            fmt_num(f, calib__value(c, i, c->u[(size_t)p * c->k + i]));
        }
        fputc(',', f);
        fmt_num(f, c->D[p]);
        fputc(',', f);
        if (c->stage[p] == CALIB_BOX)
            fmt_num(f, c->w[p]);
        fputc('\n', f);
    }
    return 0;
}

/* ---- calibrate_items.csv ----------------------------------------------------------- */

static int write_items(FILE *f, void *ctx)
{
    const calib_t *c = ctx;
    const double *yb = &c->ybar[(size_t)c->best * c->n_obs];
    fputs("date,stages,metric,observed,fitted,noise_sd,z,fitted_item,note\n", f);
    for (int i = 0; i < c->n_obs; i++) {
        const scn_observed_t *o = &c->sc->observed[i];
        char date[11];
        cal_format(o->date, date);
        fprintf(f, "%s,", date);
        fmt_field(f, o->label);
        fputs(o->metric == SCN_OBS_ENTRIES ? ",entries," : ",stock,", f);
        fmt_num(f, o->value);
        fputc(',', f);
        if (c->use[i]) {
            double sd = sqrt(c->s2[i]);
            fmt_num(f, yb[i]);
            fputc(',', f);
            fmt_num(f, sd);
            fputc(',', f);
            fmt_num(f, (yb[i] - o->value) / sd);
        } else {
            fputs(",,", f);
        }
        int why = calib__item_use(c->sc, i);
        fprintf(f, ",%d,%s\n", c->use[i],
                c->use[i] ? ""
                : why == CALIB_ITEM_START ? "on the start day: the initial count itself"
                : why == CALIB_ITEM_OUTSIDE ? "outside the simulated period"
                                            : "no simulated value");
    }
    return 0;
}

/* ---- calibrated.yaml --------------------------------------------------------------- */

/* The relative path from folder `from` to file `to` (both absolute and canonical). */
static void rel_path(const char *from, const char *to, char *out, size_t len)
{
    size_t common = 0; /* the length of the shared folders, up to a '/' */
    for (size_t i = 0;; i++) {
        char a = from[i], b = to[i];
        if ((a == '/' || a == 0) && b == '/')
            common = i;
        if (a == 0 || a != b)
            break;
    }
    size_t at = 0;
    out[0] = 0;
    for (const char *p = from + common; *p; p++)
        if (*p == '/' && at + 4 < len) {
            memcpy(out + at, "../", 4);
            at += 3;
        }
    snprintf(out + at, len - at, "%s", to + common + 1);
}

/* s as a YAML plain scalar where it can be one, else double-quoted. */
static void put_yaml_scalar(FILE *f, const char *s)
{
    int plain = *s && !strchr(" -?:,[]{}#&*!|>'\"%@`", *s) && s[strlen(s) - 1] != ' ';
    for (const char *p = s; *p && plain; p++)
        plain = !strchr(":#\"\\\n\t", *p);
    if (plain) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (const char *p = s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fputc('\\', f);
        fputc(*p == '\n' || *p == '\t' ? ' ' : *p, f);
    }
    fputc('"', f);
}

typedef struct yaml_ctx {
    const calib_t *c;
    const char *include;   /* the original, relative to the output folder */
} yaml_ctx_t;

static int write_yaml(FILE *f, void *ctx)
{
    const yaml_ctx_t *y = ctx;
    const calib_t *c = y->c;
    const scenario_t *sc = c->sc;
    fputs("# ", f);
    for (const char *p = sc->path; *p; p++)
        fputc(*p == '\n' ? ' ' : *p, f);
    fprintf(f, " calibrated by careflow %s: careflow calibrate --samples %d --reps %d "
               "--seed %llu\n# Each fitted value", CAREFLOW_VERSION, c->samples, c->reps,
            (unsigned long long)sc->seed);
    fputs(" is the best fit to the observed items; its approximate 95%\n"
          "# posterior interval is in the comment (docs/calibrate.md). The seed and\n"
          "# replications are the calibration's, so `careflow run` on this file gives\n"
          "# the fit.csv written beside it.\n", f);
    fputs("version: 1\ninclude: [", f);
    put_yaml_scalar(f, y->include);
    fputs("]\nname: ", f);
    fprintf(f, "%.*s-calibrated\n", 60, sc->name);
    fprintf(f, "seed: %llu\nreplications: %d\nset:\n", (unsigned long long)sc->seed, c->reps);
    for (int j = 0; j < c->o->n_sets; j++) { /* the user's --set, unless fitted */
        const char *eq = strchr(c->o->sets[j], '=');
        int fitted = 0;
        if (!eq)
            continue;
        for (int i = 0; i < c->k && !fitted; i++)
            fitted = strlen(c->paths[i]) == (size_t)(eq - c->o->sets[j]) &&
                     !strncmp(c->paths[i], c->o->sets[j], (size_t)(eq - c->o->sets[j]));
        int later = 0; /* a later --set of the same path wins: write only the last */
        for (int l = j + 1; l < c->o->n_sets && !later; l++)
            later = !strncmp(c->o->sets[l], c->o->sets[j], (size_t)(eq - c->o->sets[j]) + 1);
        if (fitted || later)
            continue;
        fprintf(f, "  %.*s: ", (int)(eq - c->o->sets[j]), c->o->sets[j]);
        put_yaml_scalar(f, eq + 1);
        fputs("   # --set\n", f);
    }
    for (int i = 0; i < c->k; i++) {
        char t[SENS__VALUE_LEN], lo[32], hi[32];
        calib__text(c, i, c->u[(size_t)c->best * c->k + i], t, sizeof t);
        fmt_num_str(lo, sizeof lo, c->lo[i]);
        fmt_num_str(hi, sizeof hi, c->hi[i]);
        fprintf(f, "  %s: %s   # ", c->paths[i], t);
        for (const char *p = sc->uncertain[i].label; *p; p++)
            fputc(*p == '\n' ? ' ' : *p, f);
        fprintf(f, ": 95%% interval %s to %s\n", lo, hi);
    }
    return 0;
}

/* ---- manifest.json ----------------------------------------------------------------- */

typedef struct man_ctx {
    const calib_t *c;
    double sim_wall;
    uint64_t events;
} man_ctx_t;

static int write_manifest(FILE *f, void *ctx)
{
    const man_ctx_t *m = ctx;
    const calib_t *c = m->c;
    const scenario_t *sc = c->sc;
    int n[CALIB_STAGE_N] = {0};
    for (int p = 0; p < c->n_pts; p++)
        n[c->stage[p]]++;
    fputs("{\n  \"careflow_version\": ", f);
    fmt_json_str(f, CAREFLOW_VERSION);
    fputs(",\n  \"command\": \"calibrate\",\n  \"scenario\": ", f);
    fmt_json_str(f, sc->path);
    fputs(",\n  \"scenario_sha256\": ", f);
    fmt_json_str(f, sc->n_inputs ? sc->inputs[0].sha256 : "");
    outputs_put_inputs(f, sc);
    fputs(",\n  \"name\": ", f);
    fmt_json_str(f, sc->name);
    fprintf(f, ",\n  \"seed\": %llu", (unsigned long long)sc->seed);
    fprintf(f, ",\n  \"replications\": %d", c->reps);
    fprintf(f, ",\n  \"samples\": %d", c->samples);
    fprintf(f, ",\n  \"parameters\": %d", c->k);
    fprintf(f, ",\n  \"observed_items\": %d,\n  \"items_fitted\": %d", c->n_obs, c->n_use);
    for (int s = 0; s < CALIB_STAGE_N; s++)
        fprintf(f, ",\n  \"points_%s\": %d", calib__stage_names[s], n[s]);
    fprintf(f, ",\n  \"nelder_mead_iterations\": %d", c->nm_iter);
    fprintf(f, ",\n  \"posterior_rounds\": %d", c->n_rounds);
    fputs(",\n  \"discrepancy_min\": ", f);
    fmt_num(f, c->D[c->best]);
    fputs(",\n  \"effective_sample_size\": ", f);
    fmt_num(f, c->ess);
    fprintf(f, ",\n  \"noise_covariance\": %s,\n  \"noise_df\": %d",
            c->full_cov ? "true" : "false", c->noise_df);
    fputs(",\n  \"noise_inflation\": ", f);
    fmt_num(f, c->infl);
    fprintf(f, ",\n  \"threads\": %d,\n  \"ranks\": %d", c->o->threads, cluster_size());
    fputs(",\n  \"command_line\": ", f);
    fmt_json_str(f, c->o->cmdline);
    fprintf(f, ",\n  \"wall_seconds\": %.3f", progress_now() - c->wall0);
    fprintf(f, ",\n  \"calibrated_run_seconds\": %.3f", m->sim_wall);
    fprintf(f, ",\n  \"calibrated_run_events\": %llu\n}\n", (unsigned long long)m->events);
    return 0;
}

/* ---- the prior and posterior plots ------------------------------------------------- */

/* Writes DIR/pI.tsv for parameter i: bin centre, prior density, posterior density, over
 * the prior's whole support, min to max (an unbounded prior: the range of the values
 * calibrate tries, its 0.05% to 99.95% quantiles). */
static int hist_data(const calib_t *c, int i, const char *dir)
{
    char path[PATH_MAX + 128];
    const scn_uncertain_t *u = &c->sc->uncertain[i];
    double lo = sens__param_value(u, 0, 0), hi = sens__param_value(u, 1, 0);
    if (!isfinite(lo))
        lo = calib__value(c, i, 0);
    if (!isfinite(hi))
        hi = calib__value(c, i, 1);
    double prior[HIST_BINS] = {0}, post[HIST_BINS] = {0};
    if (!(hi > lo))
        hi = lo + 1;
    double bw = (hi - lo) / HIST_BINS;
    for (int j = 0; j < 2000; j++) { /* the prior: its quantiles at even probabilities */
        double v = calib__value(c, i, (j + 0.5) / 2000);
        int b = (int)floor((v - lo) / bw);
        if (b >= 0 && b < HIST_BINS)
            prior[b] += 1.0 / 2000 / bw;
    }
    for (int p = 0; p < c->n_pts; p++)
        if (c->stage[p] == CALIB_BOX) {
            double v = calib__value(c, i, c->u[(size_t)p * c->k + i]);
            int b = (int)floor((v - lo) / bw);
            b = b < 0 ? 0 : b >= HIST_BINS ? HIST_BINS - 1 : b;
            post[b] += c->w[p] / bw;
        }
    snprintf(path, sizeof path, "%s/p%d.tsv", dir, i + 1);
    FILE *f = fopen(path, "w");
    if (!f)
        return SIM_EIO;
    for (int b = 0; b < HIST_BINS; b++)
        fprintf(f, "%.10g\t%.10g\t%.10g\n", lo + (b + 0.5) * bw, prior[b], post[b]);
    return fclose(f) == 0 ? 0 : SIM_EIO;
}

/* Draws plots/posterior-I (PNG, SVG) into the staging folder beside the run's plots.
 * A failure is a warning: the CSVs are the results. */
static void posterior_plots(const calib_t *c, const char *staging)
{
    char scripts_buf[PATH_MAX], data[PATH_MAX + 64], perr[512];
    const char *scripts = plot_scripts_dir(scripts_buf, sizeof scripts_buf);
    if (!scripts)
        return;
    snprintf(data, sizeof data, "%s/.calib-data.%ld", staging, (long)getpid());
    if (mkdir(data, 0755) != 0)
        return;
    int rc = 0;
    for (int i = 0; i < c->k && rc == 0; i++)
        rc = hist_data(c, i, data);
    if (rc == 0)
        rc = plot_render_calibrate(c->sc, staging, data, scripts, c->k, c->est, c->lo,
                                   c->hi, c->ess, perr, sizeof perr);
    for (int i = 0; i < c->k; i++) {
        char p[PATH_MAX + 96];
        snprintf(p, sizeof p, "%s/p%d.tsv", data, i + 1);
        unlink(p);
    }
    rmdir(data);
    if (rc != 0)
        fprintf(stderr, "careflow: warning: posterior plots: %s (the CSVs are complete)\n",
                perr[0] ? perr : "cannot write their data");
}

/* ---- the calibrated run and the set ------------------------------------------------ */

int calib__write(calib_t *c, char *err, size_t errlen)
{
    char **sets = mem_calloc((size_t)c->k, sizeof *sets), inner[1024];
    char base[PATH_MAX], outabs[PATH_MAX + OUTTX_NAME_MAX + 2], scabs[PATH_MAX], inc[PATH_MAX];
    scenario_t *ps = NULL;
    model_plan_t plan;
    model_result_t *res = mem_calloc((size_t)c->reps, sizeof *res);
    int rc = 0, have_plan = 0, n_init = 0;
    man_ctx_t man = {.c = c};
    if (!sets || !res) {
        rc = sim_err_set(err, errlen, SIM_ENOMEM, "out of memory");
        goto out;
    }
    for (int i = 0; i < c->k; i++) {
        char t[SENS__VALUE_LEN];
        calib__text(c, i, c->u[(size_t)c->best * c->k + i], t, sizeof t);
        size_t len = strlen(c->paths[i]) + strlen(t) + 2;
        if (!(sets[i] = mem_alloc(len))) {
            rc = sim_err_set(err, errlen, SIM_ENOMEM, "out of memory");
            goto out;
        }
        snprintf(sets[i], len, "%s=%s", c->paths[i], t);
    }
    if ((rc = sens__vary(c->sc, (const char *const *)sets, c->k, &ps, inner, sizeof inner))) {
        sim_err_set(err, errlen, rc, "the calibrated scenario is invalid: %s", inner);
        goto out;
    }
    ps->replications = c->reps;
    ps->seed = c->sc->seed;
    if (model_plan_init(&plan, ps) != 0) {
        rc = sim_err_set(err, errlen, SIM_ENOMEM, "out of memory");
        goto out;
    }
    have_plan = 1;
    for (; n_init < c->reps; n_init++)
        if (model_result_init(&res[n_init], ps, &plan) != 0) {
            rc = sim_err_set(err, errlen, SIM_ENOMEM, "out of memory");
            goto out;
        }
    double t0 = progress_now();
    if ((rc = run_replications(ps, &plan, res, c->o->threads, 0, err, errlen)) != 0)
        goto out;
    man.sim_wall = progress_now() - t0;
    for (int r = 0; r < c->reps; r++)
        man.events += res[r].events;

    /* the include: the original scenario, relative to the output folder */
    if (!realpath(c->tx.parent, base) || !realpath(c->sc->path, scabs)) {
        rc = sim_err_set(err, errlen, SIM_EIO, "cannot resolve %s: %s", c->sc->path,
                         strerror(errno));
        goto out;
    }
    snprintf(outabs, sizeof outabs, "%s/%s", base, c->tx.name);
    rel_path(outabs, scabs, inc, sizeof inc);
    yaml_ctx_t y = {c, inc};

    signals_writing();
    outputs_run_t in = {.sc = ps, .plan = &plan, .res = res, .cmdline = c->o->cmdline,
                        .threads = c->o->threads, .t_start = c->wall0, .no_manifest = 1};
    if ((rc = outputs_write_run(&c->tx, &in, err, errlen)) != 0 ||
        (rc = outtx_write(&c->tx, "calibrate.csv", write_calibrate, c, err, errlen)) != 0 ||
        (rc = outtx_write(&c->tx, "calibrate_points.csv", write_points, c, err, errlen)) != 0 ||
        (rc = outtx_write(&c->tx, "calibrate_items.csv", write_items, c, err, errlen)) != 0 ||
        (rc = outtx_write(&c->tx, "calibrated.yaml", write_yaml, &y, err, errlen)) != 0 ||
        (rc = outtx_write(&c->tx, "manifest.json", write_manifest, &man, err, errlen)) != 0)
        goto out;
    int plotted = 0;
    if (!c->o->no_plots) {
        char scripts_buf[PATH_MAX], perr[512];
        const char *scripts = plot_scripts_dir(scripts_buf, sizeof scripts_buf);
        perr[0] = 0;
        if (!scripts)
            fprintf(stderr, "careflow: warning: plots not drawn: gnuplot scripts (plots/) not "
                            "found; set CAREFLOW_PLOTS (the CSVs are complete)\n");
        else if (plot_render(ps, outtx_dir(&c->tx), scripts, perr, sizeof perr) != 0)
            fprintf(stderr, "careflow: warning: plots: %s (the CSVs are complete)\n",
                    perr[0] ? perr : "gnuplot failed");
        else {
            posterior_plots(c, outtx_dir(&c->tx));
            plotted = 1;
        }
    }
    char title[512];
    snprintf(title, sizeof title, "Calibration: %s", c->sc->title ? c->sc->title : c->sc->name);
    report_meta_t page = {.command = "calibrate",
                          .title = title,
                          .sc = c->sc,
                          .sets = c->o->sets,
                          .n_sets = c->o->n_sets,
                          .cmdline = c->o->cmdline,
                          .dir = outtx_dir(&c->tx),
                          .plotted = plotted,
                          .no_plots_why = c->o->no_plots ? OUTPUTS_NO_PLOTS_FLAG
                                                         : OUTPUTS_NO_PLOTS_FAILED};
    if ((rc = report_write(&c->tx, &page, err, errlen)) != 0)
        goto out;
    rc = outputs_finish(&c->tx, ps, NULL, 1, &plotted, err, errlen);
out:
    for (int i = 0; i < n_init; i++)
        model_result_free(&res[i]);
    if (have_plan)
        model_plan_free(&plan);
    scenario_free(ps);
    for (int i = 0; sets && i < c->k; i++)
        mem_free(sets[i]);
    mem_free(sets);
    mem_free(res);
    return rc;
}

/* ---- the closing table ------------------------------------------------------------- */

void calib__report(const calib_t *c)
{
    fprintf(stderr, "\n%-40s %12s %12s %12s %12s %12s\n", "parameter", "prior 2.5%",
            "prior 97.5%", "estimate", "95% low", "95% high");
    for (int i = 0; i < c->k; i++) {
        char v[6][32];
        double x[6] = {calib__value(c, i, 0.025), calib__value(c, i, 0.975), c->est[i],
                       c->lo[i], c->hi[i]};
        for (int j = 0; j < 5; j++) /* 4 significant figures (the CSV has them all) */
            snprintf(v[j], sizeof v[j], "%.4g", x[j] == 0 ? 0 : x[j]);
        fprintf(stderr, "%-40.40s %12s %12s %12s %12s %12s%s%s\n", c->sc->uncertain[i].label,
                v[0], v[1], v[2], v[3], v[4],
                (c->at_bound >> i) & 1 ? "  (reaches the prior's bound)" : "",
                (c->cut >> i) & 1 ? "  (cut by the last box)" : "");
    }
    /* the worst-fitted items */
    const double *yb = &c->ybar[(size_t)c->best * c->n_obs];
    int order[3] = {-1, -1, -1};
    for (int i = 0; i < c->n_obs; i++) {
        if (!c->use[i])
            continue;
        double z = fabs(yb[i] - c->sc->observed[i].value) / sqrt(c->s2[i]);
        for (int j = 0; j < 3; j++) {
            double zj = order[j] < 0 ? -1
                                     : fabs(yb[order[j]] - c->sc->observed[order[j]].value) /
                                           sqrt(c->s2[order[j]]);
            if (z > zj) {
                memmove(&order[j + 1], &order[j], (size_t)(2 - j) * sizeof *order);
                order[j] = i;
                break;
            }
        }
    }
    int expect = c->n_use > c->k ? c->n_use - c->k : 1;
    fprintf(stderr, "\nfit: discrepancy %.3g over %d items (about %d if the model fits within "
                    "noise); effective sample size %.0f\n",
            c->D[c->best], c->n_use, expect, c->ess);
    if (c->infl > 1)
        fprintf(stderr, "  the noise is scaled by %.3g (discrepancy / %d) to cover the misfit: "
                        "the intervals are %.3g times as wide as the replications alone make "
                        "them\n", c->infl, expect, sqrt(c->infl));
    for (int j = 0; j < 3 && order[j] >= 0; j++) {
        const scn_observed_t *o = &c->sc->observed[order[j]];
        char date[11];
        cal_format(o->date, date);
        fprintf(stderr, "  worst: %s %s %s: observed %.6g, fitted %.6g (%+.1f noise sd)\n",
                o->label, o->metric == SCN_OBS_ENTRIES ? "entries to" : "stock on", date,
                o->value, yb[order[j]], (yb[order[j]] - o->value) / sqrt(c->s2[order[j]]));
    }
    if (c->D[c->best] > 4.0 * expect + 10)
        fprintf(stderr, "careflow: warning: the best fit is far outside the replication noise "
                        "(discrepancy %.3g over %d items): the model cannot reproduce these "
                        "observations with any value in the priors; the intervals are widened "
                        "for it (noise scaled by %.3g) but measure where the misfit is least, "
                        "not only what the counts allow\n",
                c->D[c->best], c->n_use, c->infl);
    if (c->ess < 20)
        fprintf(stderr, "careflow: warning: the posterior rests on few points (effective "
                        "sample size %.0f): raise --samples\n", c->ess);
    for (int i = 0; i < c->k; i++)
        if ((c->at_bound >> i) & 1)
            fprintf(stderr, "careflow: warning: '%s': the posterior reaches the prior's bound; "
                            "the data would allow values beyond it: widen its range if they "
                            "are plausible\n", c->sc->uncertain[i].path);
    for (int i = 0; i < c->k; i++)
        if ((c->cut >> i) & 1)
            fprintf(stderr, "careflow: warning: '%s': the last posterior box still had weight "
                            "at its face, so the interval may be cut short by the box, not the "
                            "data: raise --samples (box_cut is 1 in calibrate.csv)\n",
                    c->sc->uncertain[i].path);
    fprintf(stderr, "wrote %s (calibrate.csv, calibrated.yaml, fit.csv, ...) in %.1f s\n",
            c->o->out_dir, progress_now() - c->wall0);
}
