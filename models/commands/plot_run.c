/* plot_run.c: a run's plots (plot_render, see plot.h), drawn by plots/careflow.gp from
 * the run's timeseries.csv (and fit.csv when present). This file only builds the
 * script's arguments and the list of images it must draw; plot.c runs gnuplot, checks
 * the images and installs them as OUT/plots. */
#include "models/commands/plot.h"

#include <stdio.h>

#include "models/commands/plot_internal.h"
#include "sim/err.h"

#define RUN_SCRIPT "careflow.gp"

/* Each stage open as an open case (1) and served by a pool (2), as digits. */
static void stage_flags(const scenario_t *sc, char *flags)
{
    for (int i = 0; i < sc->n_stages; i++) {
        int served = 0;

        for (int p = 0; p < sc->n_pools && !served; p++)
            for (int k = 0; k < sc->pools[p].n_serves; k++)
                served |= sc->pools[p].serves[k] == i;
        flags[i] = (char)('0' + (sc->stages[i].open_case ? 1 : 0) + (served ? 2 : 0));
    }
    flags[sc->n_stages] = '\0';
}

/* The images careflow.gp always draws (see its header): stock-STAGE ('/' made '_') for
 * each stage and `all`, stocks, entries, pools with pools, fit with fit.csv. */
static void expected(const scenario_t *sc, int have_fit, plot__sb_t *b)
{
    for (int i = 0; i < sc->n_stages; i++) {
        plot__sb_item(b, "stock-");
        for (const char *p = sc->stages[i].name; p && *p; p++)
            plot__sb_putc(b, *p == '/' ? '_' : *p);
    }
    plot__sb_item(b, "stock-all");
    plot__sb_item(b, "stocks");
    plot__sb_item(b, "entries");
    if (sc->n_pools > 0)
        plot__sb_item(b, "pools");
    if (have_fit)
        plot__sb_item(b, "fit");
}

int plot_render(const scenario_t *sc, const char *out_dir, const char *scripts_dir,
                char *err, size_t errlen)
{
    char script[PLOT_PATH_LEN], path[PLOT_PATH_LEN], flags[SCN_MAX_STAGES + 1], step[64];
    plot__sb_t title = {0}, names = {0}, titles = {0}, pools = {0}, expect = {0};
    int rc, have_fit;

    if (err && errlen)
        err[0] = '\0';
    if ((rc = plot__find_script(sc, out_dir, scripts_dir, RUN_SCRIPT, script, err, errlen)))
        return rc;
    if ((rc = plot__input_path(out_dir, "timeseries.csv", path, err, errlen)) <= 0)
        return rc < 0 ? rc
                      : sim_err_set(err, errlen, SIM_EIO,
                                    "%s/timeseries.csv not found: plots skipped", out_dir);
    if ((have_fit = plot__input_path(out_dir, "fit.csv", path, err, errlen)) < 0)
        return have_fit;

    /* the arguments: see the top of plots/careflow.gp */
    plot__stage_lists(sc, &title, &names, &titles);
    plot__title_footer(&title, sc, NULL, "bands: spread of replications");
    stage_flags(sc, flags);
    for (int p = 0; p < sc->n_pools; p++) { /* name, cap, the stages it serves */
        char num[32];

        snprintf(num, sizeof num, "%g", sc->pools[p].caseload_cap);
        plot__sb_item(&pools, sc->pools[p].name);
        plot__sb_item(&pools, num);
        plot__sb_putc(&pools, '\t');
        for (int k = 0; k < sc->pools[p].n_serves; k++) {
            snprintf(num, sizeof num, "%s%d", k ? " " : "", sc->pools[p].serves[k] + 1);
            plot__sb_text(&pools, num);
        }
        if (sc->pools[p].n_serves == 0)
            plot__sb_putc(&pools, '0'); /* none (an empty last item would vanish) */
    }
    plot__sb_ensure(&pools);
    expected(sc, have_fit, &expect);
    plot__report_step(sc, step, sizeof step);
    if (title.oom || names.oom || titles.oom || pools.oom || expect.oom) {
        rc = sim_err_set(err, errlen, SIM_ENOMEM, "out of memory: plots skipped");
    } else {
        const char *args[] = {title.s, names.s, titles.s, flags, pools.s, step,
                              have_fit ? "png svg fit" : "png svg", NULL};

        rc = plot__draw(out_dir, NULL, script, args, expect.s, err, errlen);
    }
    plot__sb_free(&title);
    plot__sb_free(&names);
    plot__sb_free(&titles);
    plot__sb_free(&pools);
    plot__sb_free(&expect);
    return rc;
}
