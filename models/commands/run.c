/* run.c: see run.h. Invariant: result slot i only ever holds replication i (sim/pool
 * hands each index out once), and every output is computed from the slots in order
 * after all workers have joined. */
#include "models/commands/run.h"

#include <string.h>
#include <unistd.h>

#include "models/commands/outputs.h"
#include "models/commands/plot.h"
#include "sim/err.h"
#include "sim/mem.h"
#include "sim/outtx.h"
#include "sim/pool.h"
#include "sim/progress.h"
#include "sim/signals.h"

/* The replications' shared, read-only inputs and their result slots. */
typedef struct reps {
    const scenario_t *sc;     /* read-only, shared */
    const model_plan_t *plan; /* read-only, shared */
    model_result_t *res;      /* [replications]: slot i is replication i */
} reps_t;

static int rep_job(void *ctx, int i, atomic_uint *progress)
{
    reps_t *r = ctx;
    int rc = model_run(r->sc, r->plan, i, &r->res[i], progress);
    return rc < 0 ? rc : 0;
}

int run_replications(const scenario_t *sc, const model_plan_t *plan, model_result_t *res,
                     int threads, int show_bar, char *err, size_t errlen)
{
    reps_t r = {sc, plan, res};
    pool_task_t t = {.n = sc->replications,
                     .threads = threads,
                     .job = rep_job,
                     .ctx = &r,
                     .what = "replications",
                     .show_bar = show_bar};
    pool_report_t rep;
    char perr[256];
    int rc = pool_run(&t, &rep, perr, sizeof perr);
    if (rc == 0 && rep.done != sc->replications) /* cannot happen: every index ran */
        return sim_err_set(err, errlen, SIM_EIO, "only %d of %d replications ran", rep.done,
                           sc->replications);
    if (rc && rep.failed >= 0)
        return sim_err_set(err, errlen, rc, "replication %d failed: %s; no output written",
                           rep.failed + 1, sim_strerror(rc));
    if (rc == SIM_EINTR)
        return sim_err_set(err, errlen, rc, "interrupted by %s; no output written",
                           signals_name(rep.signal));
    if (rc)
        return sim_err_set(err, errlen, rc, "%s", perr);
    return 0;
}

/* The closing line on stderr. */
static void report(const scenario_t *sc, const run_opts_t *o, const outputs_run_t *in,
                   int plotted)
{
    size_t dl = strlen(o->out_dir);
    int n = sc->replications;
    fprintf(stderr,
            "wrote %s%s (summary.csv, timeseries.csv, replications.csv%s%s, manifest.json%s): "
            "%d replication%s, %llu events in %.2f s (%.1f M events/s)\n",
            o->out_dir, dl && o->out_dir[dl - 1] == '/' ? "" : "/",
            sc->n_observed > 0 ? ", fit.csv" : "", sc->n_costs > 0 ? ", costs.csv" : "",
            plotted ? ", plots/" : "", n, n == 1 ? "" : "s", (unsigned long long)in->events,
            in->wall, in->sim_wall > 0 ? (double)in->events / in->sim_wall / 1e6 : 0.0);
}

int run_scenario(scenario_t *sc, const run_opts_t *o, char *err, size_t errlen)
{
    model_plan_t plan;
    model_result_t *res = NULL;
    int n = sc->replications, n_init = 0, rc, have_plan = 0;
    int threads = o->threads < 1 ? 1 : o->threads > n ? n : o->threads;
    outputs_run_t in = {.sc = sc, .cmdline = o->cmdline, .threads = threads,
                        .t_start = progress_now()};
    outtx_t tx = {0};
    signals_save_t sigs;

    err[0] = '\0';
    if (n < 1)
        return sim_err_set(err, errlen, SIM_EINVAL, "replications must be at least 1");
    /* Probe the output folder before simulating: busy or unwritable fails now. */
    if ((rc = outtx_begin(&tx, o->out_dir, "run", outputs_run_names, err, errlen)) != 0)
        return rc;
    signals_catch(&sigs);
    memset(&plan, 0, sizeof plan);
    if (model_plan_init(&plan, sc) != 0) {
        rc = sim_err_set(err, errlen, SIM_ENOMEM, "out of memory");
        goto out;
    }
    have_plan = 1;
    if (!(res = mem_calloc((size_t)n, sizeof *res))) {
        rc = sim_err_set(err, errlen, SIM_ENOMEM, "out of memory");
        goto out;
    }
    for (; n_init < n; n_init++)
        if (model_result_init(&res[n_init], sc, &plan) != 0) {
            rc = sim_err_set(err, errlen, SIM_ENOMEM, "out of memory for %d replications", n);
            goto out;
        }

    double t_sim = progress_now();
    if ((rc = run_replications(sc, &plan, res, threads, !o->quiet && isatty(2), err,
                               errlen)) != 0)
        goto out;
    in.sim_wall = progress_now() - t_sim;
    for (int i = 0; i < n; i++) {
        in.events += res[i].events;
        in.children += res[i].children;
    }
    in.plan = &plan;
    in.res = res;

    signals_writing(); /* from here a signal is recorded and acted on before the swap */
    if ((rc = outputs_write_run(&tx, &in, err, errlen)) != 0)
        goto out;
    int plotted;
    if ((rc = outputs_finish(&tx, sc, plot_render, o->no_plots, &plotted, err, errlen)) != 0)
        goto out;
    if (in.n_skipped && !o->quiet)
        fprintf(stderr,
                "careflow: warning: %d observed item%s outside the simulated period "
                "skipped in fit.csv: %s\n",
                in.n_skipped, in.n_skipped == 1 ? "" : "s", in.skipped);
    if (!o->quiet)
        report(sc, o, &in, plotted);
    rc = 0;
out:
    outtx_abort(&tx);
    for (int i = 0; i < n_init; i++)
        model_result_free(&res[i]);
    mem_free(res);
    if (have_plan)
        model_plan_free(&plan);
    signals_restore(&sigs);
    return rc;
}
