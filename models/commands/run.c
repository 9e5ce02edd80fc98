/* run.c: see run.h. Invariant: result slot i only ever holds replication i (sim/pool
 * hands each index out once), and every output is computed from the slots in order
 * after all workers have joined. */
#include "models/commands/run.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "models/commands/cluster.h"
#include "models/commands/outputs.h"
#include "models/commands/plot.h"
#include "models/commands/reps.h"
#include "models/records/rec_write.h"
#include "sim/cal.h"
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
    const model_log_t *log;   /* replication 0's stay log, or NULL (only the thread
                               * that runs replication 0 touches it) */
} reps_t;

static int rep_job(void *ctx, int i, atomic_uint *progress)
{
    reps_t *r = ctx;
    int rc = model_run_logged(r->sc, r->plan, i, &r->res[i], progress, i == 0 ? r->log : NULL);
    return rc < 0 ? rc : 0;
}

static int replications(const scenario_t *sc, const model_plan_t *plan, model_result_t *res,
                        const model_log_t *log, int threads, int show_bar, char *err,
                        size_t errlen)
{
    reps_t r = {sc, plan, res, log};
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

int run_replications(const scenario_t *sc, const model_plan_t *plan, model_result_t *res,
                     int threads, int show_bar, char *err, size_t errlen)
{
    return replications(sc, plan, res, NULL, threads, show_bar, err, errlen);
}

/* ---------------------------------------------------------------------------------- */
/* --episodes: the case records of replication 1                                        */

enum { EPF_CAREFLOW, EPF_HEADER, EPF_EPISODES, EPF_UASC, EPF_CIN };

typedef struct ep_file {
    char path[PATH_MAX]; /* inside OUT: relative to it; else the final path */
    char tmp[PATH_MAX];  /* outside OUT: the temporary it is written to, "" if none */
    int kind;            /* EPF_* */
    int year;            /* collection year, or 0: the whole extract */
} ep_file_t;

typedef struct ep_set {
    const scenario_t *sc;  /* the scenario (names, start, seed) */
    recw_log_t log;        /* replication 1's stays */
    recw_meta_t meta;      /* what the writers need */
    recw_903_t *x;         /* SSDA903 episodes, when that format */
    int inside;            /* files are inside OUT (relative paths) */
    int n;                 /* files */
    ep_file_t *f;          /* [n] */
    const ep_file_t *cur;  /* the file being written (writer context) */
} ep_set_t;

/* The model's stay in calendar days (the day of time t is start + ceil(t): day t is
 * the end of date start + t, so an event inside (t-1, t] falls on that date). */
static int ep_on_stay(void *ctx, const model_stay_t *s)
{
    ep_set_t *e = ctx;
    long st = e->sc->start;
    recw_stay_t r = {.child = s->child,
                     .stage = (int16_t)s->stage,
                     .next = (int16_t)(s->next == MODEL_STAY_OPEN ? REC_NONE
                                       : s->next == SCN_EXIT    ? REC_EXIT
                                                                : s->next),
                     .aged_out = (uint8_t)s->aged_out,
                     .history = (uint16_t)(s->history > 65535 ? 65535 : s->history),
                     .start = st + (long)ceil(s->entered),
                     .end = s->next == MODEL_STAY_OPEN ? REC_OPEN : st + (long)ceil(s->left),
                     .dob = st + (long)ceil(s->born),
                     .flags = s->flags};
    /* an initial child's age and time already spent are drawn apart: a stay cannot
     * have begun before the child was born */
    if (r.start < r.dob) r.start = r.dob;
    if (r.end != REC_OPEN && r.end < r.start) r.end = r.start;
    return recw_log_add(&e->log, &r);
}

static int has_stage(const scenario_t *sc, const char *name)
{
    for (int s = 0; s < sc->n_stages; s++)
        if (!strcmp(sc->stages[s].name, name)) return 1;
    return 0;
}

/* FILE relative to OUT if it lies inside it (by its text, or by the real folders when
 * both exist), else NULL. */
static const char *rel_in(const char *file, const char *out, char *buf, size_t len)
{
    while (!strncmp(file, "./", 2)) file += 2;
    while (!strncmp(out, "./", 2)) out += 2;
    size_t n = strlen(out);
    while (n > 1 && out[n - 1] == '/') n--;
    if (!strncmp(file, out, n) && file[n] == '/') {
        const char *r = file + n;
        while (*r == '/') r++;
        snprintf(buf, len, "%s", r);
        return buf;
    }
    char d[PATH_MAX], rd[PATH_MAX], ro[PATH_MAX];
    snprintf(d, sizeof d, "%s", file);
    char *dn = dirname(d);
    if (!realpath(dn, rd) || !realpath(out, ro)) return NULL;
    size_t k = strlen(ro);
    if (strncmp(rd, ro, k) || (rd[k] != '/' && rd[k] != '\0')) return NULL;
    snprintf(d, sizeof d, "%s", file);
    const char *base = basename(d);
    if (rd[k] == '\0') snprintf(buf, len, "%s", base);
    else snprintf(buf, len, "%s/%s", rd + k + 1, base);
    return buf;
}

static int ep_add(ep_set_t *e, const char *base, const char *suffix, int kind, int year,
                  char *err, size_t errlen)
{
    ep_file_t *nf = mem_reallocarray(e->f, (size_t)e->n + 1, sizeof *nf);
    if (!nf) return sim_err_set(err, errlen, SIM_ENOMEM, "out of memory");
    e->f = nf;
    ep_file_t *f = &e->f[e->n++];
    memset(f, 0, sizeof *f);
    f->kind = kind;
    f->year = year;
    char y[16] = "";
    if (year) snprintf(y, sizeof y, "-%d", year);
    int w = snprintf(f->path, sizeof f->path, "%s%s%s", base, y, suffix);
    if (w < 0 || (size_t)w >= sizeof f->path)
        return sim_err_set(err, errlen, SIM_EINVAL, "--episodes: path too long");
    return 0;
}

/* The files to write, from FILE, the format and the years simulated. */
static int ep_plan(ep_set_t *e, const char *file, const run_opts_t *o, char *err,
                   size_t errlen)
{
    char base[PATH_MAX];
    snprintf(base, sizeof base, "%s", file);
    size_t n = strlen(base);
    if (n > 4 && (!strcmp(base + n - 4, ".csv") || !strcmp(base + n - 4, ".xml")))
        base[n - 4] = '\0';
    int y0, y1, ny = recw_years(e->sc->start, e->meta.extract, &y0, &y1), rc = 0;
    if (o->ep_format == RUN_EP_CAREFLOW) return ep_add(e, file, "", EPF_CAREFLOW, 0, err, errlen);
    if (o->ep_format == RUN_EP_CIN || o->ep_returns) {
        if (ny == 0)
            return sim_err_set(err, errlen, SIM_EINVAL,
                               "--episodes: the run holds no whole collection year (1 April "
                               "to 31 March) between its start and its horizon");
        for (int y = y0; y <= y1 && !rc; y++) {
            if (o->ep_format == RUN_EP_CIN) {
                rc = ep_add(e, base, ".xml", EPF_CIN, y, err, errlen);
                continue;
            }
            rc = ep_add(e, base, "-header.csv", EPF_HEADER, y, err, errlen);
            if (!rc) rc = ep_add(e, base, "-episodes.csv", EPF_EPISODES, y, err, errlen);
            if (!rc && recw_903_has_uasc(e->x, y))
                rc = ep_add(e, base, "-uasc.csv", EPF_UASC, y, err, errlen);
        }
        return rc;
    }
    rc = ep_add(e, base, "-header.csv", EPF_HEADER, 0, err, errlen);
    if (!rc) rc = ep_add(e, base, "-episodes.csv", EPF_EPISODES, 0, err, errlen);
    if (!rc && recw_903_has_uasc(e->x, 0))
        rc = ep_add(e, base, "-uasc.csv", EPF_UASC, 0, err, errlen);
    return rc;
}

static int ep_write_one(FILE *f, void *ctx)
{
    ep_set_t *e = ctx;
    const ep_file_t *ef = e->cur;
    switch (ef->kind) {
    case EPF_CAREFLOW: return recw_episodes(f, &e->log, &e->meta);
    case EPF_HEADER: return recw_903_header(f, e->x, ef->year);
    case EPF_EPISODES: return recw_903_episodes(f, e->x, ef->year);
    case EPF_UASC: return recw_903_uasc(f, e->x, ef->year);
    default: return recw_cin(f, &e->log, &e->meta, ef->year);
    }
}

/* Makes the folders of path (all but its last component), as mkdir -p. */
static int mkdirs(const char *path, char *err, size_t errlen)
{
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s", path);
    for (char *s = p + 1; *s; s++) {
        if (*s != '/') continue;
        *s = '\0';
        if (mkdir(p, 0755) != 0 && errno != EEXIST)
            return sim_err_set(err, errlen, SIM_EIO, "cannot create folder %s: %s", p,
                               strerror(errno));
        *s = '/';
    }
    return 0;
}

/* Writes every file: into the transaction, or to temporaries beside their places. */
static int ep_write(ep_set_t *e, outtx_t *tx, char *err, size_t errlen)
{
    int rc;
    if (e->inside) {
        /* the folders under OUT (all files share FILE's folder) */
        char p[PATH_MAX];
        snprintf(p, sizeof p, "%s", e->f[0].path);
        for (char *s = p; *s; s++) {
            if (*s != '/') continue;
            *s = '\0';
            struct stat st;
            char full[PATH_MAX + 8];
            snprintf(full, sizeof full, "%s/%s", outtx_dir(tx), p);
            if (stat(full, &st) != 0 && (rc = outtx_mkdir(tx, p, err, errlen)) != 0) return rc;
            *s = '/';
        }
        for (int i = 0; i < e->n; i++) {
            e->cur = &e->f[i];
            if ((rc = outtx_write(tx, e->f[i].path, ep_write_one, e, err, errlen)) != 0)
                return rc;
        }
        return 0;
    }
    if ((rc = mkdirs(e->f[0].path, err, errlen)) != 0) return rc;
    for (int i = 0; i < e->n; i++) {
        ep_file_t *f = &e->f[i];
        char d[PATH_MAX], b[PATH_MAX];
        snprintf(d, sizeof d, "%s", f->path);
        snprintf(b, sizeof b, "%s", f->path);
        int w = snprintf(f->tmp, sizeof f->tmp, "%s/.%s.tmp-XXXXXX", dirname(d), basename(b));
        if (w < 0 || (size_t)w >= sizeof f->tmp) {
            f->tmp[0] = '\0';
            return sim_err_set(err, errlen, SIM_EINVAL, "--episodes: path too long");
        }
        int fd = mkstemp(f->tmp);
        if (fd < 0) {
            int en = errno;
            f->tmp[0] = '\0';
            return sim_err_set(err, errlen, SIM_EIO, "cannot write beside %s: %s", f->path,
                               strerror(en));
        }
        fchmod(fd, 0644);
        FILE *fp = fdopen(fd, "w");
        if (!fp) {
            close(fd);
            return sim_err_set(err, errlen, SIM_ENOMEM, "out of memory");
        }
        e->cur = f;
        rc = ep_write_one(fp, e);
        if (fflush(fp) != 0 || fsync(fileno(fp)) != 0) rc = rc ? rc : SIM_EIO;
        if (fclose(fp) != 0) rc = rc ? rc : SIM_EIO;
        if (rc)
            return sim_err_set(err, errlen, rc, "cannot write %s: %s", f->path, sim_strerror(rc));
    }
    return 0;
}

/* Outside OUT: renames the temporaries into place (after OUT is committed). */
static int ep_publish(ep_set_t *e, char *err, size_t errlen)
{
    for (int i = 0; i < e->n; i++) {
        ep_file_t *f = &e->f[i];
        if (!f->tmp[0]) continue;
        if (rename(f->tmp, f->path) != 0)
            return sim_err_set(err, errlen, SIM_EIO, "cannot rename %s to %s: %s", f->tmp,
                               f->path, strerror(errno));
        f->tmp[0] = '\0';
    }
    return 0;
}

static void ep_free(ep_set_t *e)
{
    for (int i = 0; i < e->n; i++)
        if (e->f[i].tmp[0]) unlink(e->f[i].tmp);
    mem_free(e->f);
    recw_903_free(e->x);
    recw_log_free(&e->log);
    memset(e, 0, sizeof *e);
}

/* Checks before simulating: the format has the stages it describes. */
static int ep_check(const scenario_t *sc, const run_opts_t *o, char *err, size_t errlen)
{
    if (o->ep_format == RUN_EP_SSDA903 && !has_stage(sc, "care"))
        return sim_err_set(err, errlen, SIM_EINVAL,
                           "--episodes-format ssda903 writes the stays in the stage named "
                           "'care', and %s has no stage named 'care'", sc->path);
    if (o->ep_format == RUN_EP_CIN && !has_stage(sc, "referral") &&
        !has_stage(sc, "assessment") && !has_stage(sc, "cin") && !has_stage(sc, "cp"))
        return sim_err_set(err, errlen, SIM_EINVAL,
                           "--episodes-format cin writes the stays in the stages named "
                           "referral, assessment, cin and cp, and %s has none of them",
                           sc->path);
    return 0;
}

/* The closing line on stderr. */
static void report(const scenario_t *sc, const run_opts_t *o, const outputs_run_t *in,
                   int plotted)
{
    size_t dl = strlen(o->out_dir);
    int n = sc->replications;
    fprintf(stderr,
            "wrote %s%s (summary.csv, timeseries.csv, replications.csv%s%s, manifest.json, "
            "report.html%s): "
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
    int n = sc->replications, n_init = 0, rc = 0, have_plan = 0, rank = cluster_rank();
    int threads = o->threads < 1 ? 1 : o->threads > n ? n : o->threads;
    outputs_run_t in = {.sc = sc, .cmdline = o->cmdline, .threads = threads,
                        .t_start = progress_now()};
    outtx_t tx = {0};
    signals_save_t sigs;

    ep_set_t eps;
    model_log_t elog = {ep_on_stay, &eps};
    char relbuf[PATH_MAX];

    memset(&eps, 0, sizeof eps);
    err[0] = '\0';
    if (n < 1)
        return sim_err_set(err, errlen, SIM_EINVAL, "replications must be at least 1");
    if (o->episodes && (rc = ep_check(sc, o, err, errlen)) != 0)
        return rc;
    eps.sc = sc;
    /* Probe the output folder before simulating: busy or unwritable fails now. Rank 0
     * alone writes; every rank learns whether it can (cluster_agree). */
    if (rank == 0)
        rc = outtx_begin(&tx, o->out_dir, "run", outputs_run_names, err, errlen);
    if ((rc = cluster_agree(rc)) != 0) {
        if (rc == SIM_EPEER)
            err[0] = '\0';
        return rc;
    }
    signals_catch(&sigs);
    memset(&plan, 0, sizeof plan);
    if (model_plan_init(&plan, sc) != 0) {
        rc = sim_err_set(err, errlen, SIM_ENOMEM, "out of memory");
    } else {
        have_plan = 1;
        if (!(res = mem_calloc((size_t)n, sizeof *res)))
            rc = sim_err_set(err, errlen, SIM_ENOMEM, "out of memory");
        for (; res && n_init < n; n_init++)
            if (model_result_init(&res[n_init], sc, &plan) != 0) {
                rc = sim_err_set(err, errlen, SIM_ENOMEM, "out of memory for %d replications",
                                 n);
                break;
            }
    }
    if ((rc = cluster_agree(rc)) != 0) {
        if (rc == SIM_EPEER)
            err[0] = '\0';
        goto out;
    }

    double t_sim = progress_now();
    reps_t r = {sc, &plan, res, o->episodes ? &elog : NULL};
    const scenario_t *one_sc = sc;
    const model_plan_t *one_plan = &plan;
    reps_task_t rt = {.n = n, .threads = threads, .job = rep_job, .ctx = &r, .res = res,
                      .sc = &one_sc, .plan = &one_plan, .n_sc = 1,
                      .show_bar = !o->quiet && rank == 0 && isatty(2)};
    if ((rc = reps_run(&rt, err, errlen)) != 0 || rank != 0)
        goto out; /* ranks other than 0 write nothing */
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
    if (o->episodes) {
        /* the extract date: the horizon's last day */
        eps.meta = (recw_meta_t){.n_stages = sc->n_stages,
                                 .n_flags = sc->n_flags,
                                 .flags = sc->flags,
                                 .extract = sc->start + (long)floor(sc->horizon),
                                 .seed = sc->seed,
                                 .dates = o->ep_dates == RECW_DMY ? RECW_DMY : RECW_ISO,
                                 .la = sc->name};
        char **names = mem_calloc((size_t)sc->n_stages + 1, sizeof *names);
        if (!names) {
            rc = sim_err_set(err, errlen, SIM_ENOMEM, "out of memory");
            goto out;
        }
        for (int s = 0; s < sc->n_stages; s++) names[s] = sc->stages[s].name;
        eps.meta.stages = names;
        recw_log_sort(&eps.log);
        const char *rel = rel_in(o->episodes, o->out_dir, relbuf, sizeof relbuf);
        eps.inside = rel != NULL;
        if (o->ep_format == RUN_EP_SSDA903)
            rc = recw_903_build(&eps.log, &eps.meta, &eps.x, err, errlen);
        if (!rc) rc = ep_plan(&eps, rel ? rel : o->episodes, o, err, errlen);
        if (!rc) rc = ep_write(&eps, &tx, err, errlen);
        if (rc) {
            mem_free(names);
            goto out;
        }
        mem_free(names);
        eps.meta.stages = NULL;
    }
    int plotted;
    char title[512];
    snprintf(title, sizeof title, "Forecast: %s", sc->title ? sc->title : sc->name);
    report_meta_t page = {.command = "run",
                          .title = title,
                          .sc = sc,
                          .sets = o->sets,
                          .n_sets = o->n_sets,
                          .cmdline = o->cmdline};
    if ((rc = outputs_finish_report(&tx, sc, plot_render, o->no_plots, &page, &plotted, err,
                                    errlen)) != 0)
        goto out;
    if (o->episodes && !eps.inside && (rc = ep_publish(&eps, err, errlen)) != 0)
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
    ep_free(&eps);
    for (int i = 0; i < n_init; i++)
        model_result_free(&res[i]);
    mem_free(res);
    if (have_plan)
        model_plan_free(&plan);
    signals_restore(&sigs);
    return rc;
}
