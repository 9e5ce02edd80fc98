/* backtest.c: `careflow backtest DATA... --cutoff DATE...`: how good careflow's
 * forecasts would have been. For each cutoff the records are cut as an extract on that
 * date would show them (rec_cut), a scenario is estimated from them (est_estimate) and
 * written with its open cases into OUT/cutoff-YYYY-MM-DD/, loaded back; unless
 * --bootstrap 0, B more scenarios are estimated from resamples of the cut records' children
 * (OUT/cutoff-YYYY-MM-DD/bootstrap/, all from the real open cases) and the replications
 * spread over them (see "the bootstrap" below); simulated
 * month by month over the horizon, and the mean and percentiles over replications set
 * beside what the full records show afterwards and beside two baselines
 * (models/backtest/backtest.h). Writes backtest.csv, backtest_scores.csv, actual.csv,
 * manifest.json (and data_quality.csv, data_quality_rows.csv with --lenient) and the plots, all as one output
 * transaction (sim/outtx.h): on any failure or signal OUT is as it was.
 *
 * Order: arguments (usage errors exit 2), the records (a defect exits 2), the cutoffs
 * checked against them (outside: exit 2), the output folder probed, then the cutoffs
 * in date order, then the files. Each cutoff's replications run on threads into their
 * own slots and are summarised in replication order, so every CSV is byte-identical
 * whatever --threads. The one step that needs the estimator and the scenario's
 * `initial: {file: ...}` is forecast_cutoff(). */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "models/backtest/backtest.h"
#include "models/commands/cluster.h"
#include "models/commands/help.h"
#include "models/commands/outputs.h"
#include "models/commands/plot.h"
#include "models/commands/records_cmd.h"
#include "models/commands/reps.h"
#include "models/commands/run.h"
#include "models/commands/version.h"
#include "models/estimate/estimate.h"
#include "models/pathway/model.h"
#include "models/records/records.h"
#include "models/scenario/scenario.h"
#include "sim/cal.h"
#include "sim/err.h"
#include "sim/fmt.h"
#include "sim/mem.h"
#include "sim/outtx.h"
#include "sim/pool.h"
#include "sim/progress.h"
#include "sim/rng.h"
#include "sim/sha256.h"
#include "sim/signals.h"
#include "sim/stats.h"
#include "sim/text.h"

#define EXIT_USAGE 2
#define REPS_MAX 100000
#define THREADS_MAX 1024
#define MONTHS_MAX 600
#define OPEN_CASES "open-cases.csv"
#define BOOT_DIR "bootstrap"
#define BOOT_DEFAULT 100 /* resamples per cutoff unless --bootstrap says; never more than
                         * the replications, so by default each has its own up to 100 */

#define BACKTEST_HEADER                                                                    \
    "cutoff,date,months_ahead,stage,metric,actual,mean,p05,p25,p50,p75,p95,pct_error,"     \
    "persistence,rates"
#define SCORES_HEADER "stage,metric,months_ahead,model,mape,bias_pct,coverage50,coverage90,n"

/* The command line. */
typedef struct bt_cli {
    const char **paths;  /* DATA..., [n_paths] */
    int n_paths;
    long *cutoffs;       /* [n_cutoffs], ascending and distinct after checking */
    int n_cutoffs;
    int horizon;         /* --horizon-months (12) */
    int window;          /* --window-months (12) */
    int reps;            /* --reps, 0: the estimator's default */
    int bootstrap;       /* --bootstrap B, -1: the default (BOOT_DEFAULT, at most reps);
                          * 0: no resampling, every replication runs the one scenario */
    int have_seed;       /* --seed given */
    uint64_t seed;       /* --seed */
    int threads;         /* --threads, 0: online cores */
    const char *out;     /* --out (out/backtest) */
    int lenient;         /* --lenient */
    int no_plots;        /* --no-plots */
    int quiet;           /* --quiet */
    int help;            /* --help */
} bt_cli_t;

/* What the whole command shares while it works through the cutoffs. */
typedef struct bt_run {
    const bt_cli_t *c;      /* the options */
    const rec_set_t *rs;    /* the full records */
    bt_series_t series;     /* their actual series */
    outtx_t tx;             /* the output transaction */
    char *source;           /* the DATA paths joined, for the estimator's comments */
    char (*sha)[65];        /* [rs->n_files]: each records file's SHA-256 */
    bt_row_t *rows;         /* [n_cutoffs * horizon * n_stages * BT_N_METRICS] */
    size_t n_rows;          /* rows filled */
    int reps;               /* replications simulated per cutoff */
    int boot;               /* bootstrap resamples per cutoff (0: none) */
    uint64_t seed;          /* the seed of every cutoff's scenario */
    int threads;            /* threads that simulated */
    long n_open;            /* open cases over all cutoffs (for the closing line) */
    double sim_wall;        /* seconds spent simulating */
    double boot_wall;       /* seconds spent estimating and loading the resamples */
    unsigned char *keep;    /* [n_stages] the stages recorded by the cutoff at hand */
} bt_run_t;

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...)
{
    va_list ap;
    if (cluster_rank() != 0)
        return EXIT_USAGE; /* every rank meets it alike: rank 0 says it */
    va_start(ap, fmt);
    fputs("careflow: error: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputs("\nTry 'careflow backtest --help'.\n", stderr);
    va_end(ap);
    return EXIT_USAGE;
}

/* Parses argv[2..] into c. 0, or an exit status after a usage error. */
static int parse_args(bt_cli_t *c, int argc, char **argv)
{
    int only_pos = 0;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (only_pos || a[0] != '-' || strcmp(a, "-") == 0) {
            c->paths[c->n_paths++] = a;
            continue;
        }
        if (strcmp(a, "--") == 0) {
            only_pos = 1;
            continue;
        }
        const char *eq = strncmp(a, "--", 2) == 0 ? strchr(a, '=') : NULL;
        size_t len = eq ? (size_t)(eq - a) : strlen(a);
        char name[64];
        snprintf(name, sizeof name, "%.*s", (int)(len < 60 ? len : 60), a);
        int flag = !strcmp(name, "--lenient") || !strcmp(name, "--no-plots") ||
                   !strcmp(name, "--quiet") || !strcmp(name, "--help") || !strcmp(name, "-h");
        int valued = !strcmp(name, "--cutoff") || !strcmp(name, "--horizon-months") ||
                     !strcmp(name, "--window-months") || !strcmp(name, "--reps") ||
                     !strcmp(name, "--bootstrap") ||
                     !strcmp(name, "--seed") || !strcmp(name, "--threads") ||
                     !strcmp(name, "--out");
        if (len >= 60 || (!flag && !valued))
            return usage_error("unknown option '%s' for 'backtest'", name);
        if (flag) {
            if (eq)
                return usage_error("option %s takes no value", name);
            if (!strcmp(name, "--lenient"))
                c->lenient = 1;
            else if (!strcmp(name, "--no-plots"))
                c->no_plots = 1;
            else if (!strcmp(name, "--quiet"))
                c->quiet = 1;
            else
                c->help = 1;
            continue;
        }
        const char *val;
        if (eq)
            val = eq + 1;
        else if (i + 1 < argc)
            val = argv[++i];
        else
            return usage_error("option %s needs a value", name);
        uint64_t v;
        if (!strcmp(name, "--cutoff")) {
            long d;
            if (cal_parse(val, &d) != 0)
                return usage_error("--cutoff must be a date YYYY-MM-DD, not '%.60s'", val);
            c->cutoffs[c->n_cutoffs++] = d;
        } else if (!strcmp(name, "--horizon-months")) {
            if (text_parse_u64(val, 1, MONTHS_MAX, &v) != 0)
                return usage_error("--horizon-months must be an integer from 1 to %d, not "
                                   "'%.60s'", MONTHS_MAX, val);
            c->horizon = (int)v;
        } else if (!strcmp(name, "--window-months")) {
            if (text_parse_u64(val, 1, MONTHS_MAX, &v) != 0)
                return usage_error("--window-months must be an integer from 1 to %d, not "
                                   "'%.60s'", MONTHS_MAX, val);
            c->window = (int)v;
        } else if (!strcmp(name, "--reps")) {
            if (text_parse_u64(val, 1, REPS_MAX, &v) != 0)
                return usage_error("--reps must be an integer from 1 to 100000, not '%.60s'",
                                   val);
            c->reps = (int)v;
        } else if (!strcmp(name, "--bootstrap")) {
            if (text_parse_u64(val, 0, REPS_MAX, &v) != 0)
                return usage_error("--bootstrap must be an integer from 0 to 100000, not "
                                   "'%.60s'", val);
            c->bootstrap = (int)v;
        } else if (!strcmp(name, "--seed")) {
            if (text_parse_u64(val, 0, UINT64_MAX, &v) != 0)
                return usage_error("--seed must be an integer from 0 to "
                                   "18446744073709551615, not '%.60s'", val);
            c->seed = v;
            c->have_seed = 1;
        } else if (!strcmp(name, "--threads")) {
            if (text_parse_u64(val, 1, THREADS_MAX, &v) != 0)
                return usage_error("--threads must be an integer from 1 to 1024, not '%.60s'",
                                   val);
            c->threads = (int)v;
        } else {
            if (!*val)
                return usage_error("--out needs a folder name");
            c->out = val;
        }
    }
    return 0;
}

/* ---- one cutoff's careflow forecast ---------------------------------------------------- */

typedef struct text_ctx {
    const char *s; /* bytes to write */
    size_t n;      /* their count */
} text_ctx_t;

static int write_text(FILE *f, void *v)
{
    text_ctx_t *t = v;
    return t->n && fwrite(t->s, 1, t->n, f) != t->n ? SIM_EIO : 0;
}

/* Mean and quantiles of n values (sorted in place). */
static void summarise(double *v, int n, double *mean, double q[BT_N_Q])
{
    double sum = 0;
    for (int i = 0; i < n; i++)
        sum += v[i];
    *mean = n > 0 ? sum / n : NAN;
    stats_sort(v, n);
    for (int j = 0; j < BT_N_Q; j++)
        q[j] = n > 0 ? stats_quantile_sorted(v, n, bt_q_levels[j]) : NAN;
}

/* The ranks' statuses at one step (cluster_agree): 0 when all go on. A rank stopped by
 * another's failure (SIM_EPEER) has nothing of its own to say: its err is emptied. */
static int agree_step(int rc, char *err)
{
    rc = cluster_agree(rc);
    if (rc == SIM_EPEER)
        err[0] = '\0';
    return rc;
}

/* ---- the bootstrap: the estimates' own uncertainty ------------------------------------
 * Replication spread alone shows the chance of children arriving and leaving under one
 * set of estimated rates, not how far those estimates could be from the truth. So at
 * each cutoff B scenarios are estimated, each from a bootstrap resample of the cut
 * records' children (bt_resample, stream (seed, BOOT_STREAM, cutoff, b)), all starting
 * from the real open cases (the initial condition is known, not estimated); replication
 * i (0-based, its random numbers as in `careflow run`) runs resample i mod B, and the
 * mean and percentiles are over all of them. Every step writes only its own slot, so
 * the figures are the same whatever --threads. */
#define BOOT_STREAM 0x626f6f7473747261ULL /* names the resampling streams */

/* One cutoff's scenarios and their shared inputs: resample slots b = 0..n-1. */
typedef struct boot {
    const rec_set_t *cut;    /* the records at the cutoff, stages recorded by then */
    const est_opts_t *eo;    /* the estimator's options (the name is set per resample) */
    uint64_t seed;           /* the seed of the streams and of every scenario */
    long cutoff;             /* the cutoff */
    const char *date;        /* its YYYY-MM-DD */
    const char *dir;         /* the full path of OUT's cutoff-DATE/bootstrap/ */
    int width;               /* digits of the resample number in its file name */
    int n;                   /* resamples, >= 1 */
    int reps;                /* replications over all resamples */
    int horizon;             /* months reported */
    double horizon_days;     /* the simulated span: cutoff to the last month end */
    char **yaml;             /* [n] the scenario estimated from resample b */
    size_t *yaml_len;        /* [n] its bytes */
    scenario_t **sc;         /* [n] that scenario, loaded back */
    model_plan_t *plan;      /* [n] its plan */
    unsigned char *planned;  /* [n] plan[b] is initialised */
    char (*err)[512];        /* [n] what went wrong with resample b */
    int *status;             /* [n] resample b's estimation: 0 done, a SIM_E* code, or 1
                              * not done (another rank's, or the pool stopped first) */
    int rank, ranks;         /* this process's rank and how many (MPI; else 0 and 1) */
} boot_t;

/* Resample b, estimated: yaml[b], or err[b]. */
static int boot_estimate_one(boot_t *t, int b)
{
    rng_t r;
    rng_derive(&r, t->seed, BOOT_STREAM, (uint64_t)t->cutoff, (uint64_t)b);
    rec_set_t *rs = NULL;
    int rc = bt_resample(t->cut, &r, &rs);
    if (rc != 0)
        return sim_err_set(t->err[b], sizeof t->err[b], rc, "out of memory");
    est_opts_t eo = *t->eo;
    char name[64];
    snprintf(name, sizeof name, "backtest-%s-b%0*d", t->date, t->width, b + 1);
    eo.name = name;
    est_result_t er;
    rc = est_estimate(rs, &eo, &er, t->err[b], sizeof t->err[b]);
    rec_free(rs);
    if (rc != 0)
        return rc;
    t->yaml[b] = er.yaml;
    t->yaml_len[b] = er.yaml_len;
    er.yaml = NULL;
    est_result_free(&er);
    return 0;
}

/* This rank's j-th resample, b = rank + j x ranks (every resample on one process). */
static int boot_estimate_job(void *ctx, int j, atomic_uint *progress)
{
    boot_t *t = ctx;
    int b = t->rank + j * t->ranks;
    int rc = cluster_test_fail("resample", NULL) /* a test hook: this rank fails here */
                 ? sim_err_set(t->err[b], sizeof t->err[b], SIM_ENOMEM, "out of memory")
                 : boot_estimate_one(t, b);
    t->status[b] = rc;
    return rc;
}


/* Replications of resample b: those i < reps with i mod n == b. */
static int boot_reps_of(const boot_t *t, int b)
{
    return t->reps / t->n + (b < t->reps % t->n);
}

/* Resample b's scenario loaded back from its file (which names the real open cases)
 * and set to report each month end of the horizon: sc[b], plan[b], or err[b]. */
static int boot_load_job(void *ctx, int b, atomic_uint *progress)
{
    boot_t *t = ctx;
    char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/b%0*d.yaml", t->dir, t->width, b + 1);
    int rc = scenario_load(path, NULL, 0, &t->sc[b], t->err[b], sizeof t->err[b]);
    if (rc != 0)
        return rc;
    scenario_t *sc = t->sc[b];
    if (sc->start != t->cutoff)
        return sim_err_set(t->err[b], sizeof t->err[b], SIM_EINVAL,
                           "its scenario does not start on the cutoff");
    sc->replications = boot_reps_of(t, b);
    sc->seed = t->seed;
    sc->report_monthly = 1;
    sc->warmup = 0;
    sc->horizon = t->horizon_days;
    if (model_plan_init(&t->plan[b], sc) != 0)
        return sim_err_set(t->err[b], sizeof t->err[b], SIM_ENOMEM, "out of memory");
    t->planned[b] = 1;
    if (t->plan[b].n_reports != t->horizon + 1)
        return sim_err_set(t->err[b], sizeof t->err[b], SIM_EINVAL,
                           "its scenario reports %d month ends, not %d",
                           t->plan[b].n_reports - 1, t->horizon);
    return 0;
}

/* Resample b failed with rc: says so in err (naming it), returns rc. */
static int boot_failed(const boot_t *t, int b, int rc, char *err, size_t errlen)
{
    return sim_err_set(err, errlen, rc, "bootstrap resample %d of %d: %s (--bootstrap 0 "
                       "estimates from the records as they are)", b + 1, t->n, t->err[b]);
}

/* Runs job over j = 0, 1, ... on threads, for the resamples b = first + j x stride below
 * n (so a rank's progress bar counts its own share); on failure err names the
 * resample. */
static int boot_pool(boot_t *t, pool_job_fn job, int first, int stride, const char *what,
                     int threads, int bar, char *err, size_t errlen)
{
    int n = first < t->n ? (t->n - first + stride - 1) / stride : 0;
    if (n == 0)
        return 0;
    pool_task_t pt = {.n = n, .threads = threads > n ? n : threads, .job = job,
                      .ctx = t, .what = what, .show_bar = bar};
    pool_report_t rep;
    char perr[256];
    int rc = pool_run(&pt, &rep, perr, sizeof perr);
    if (rc && rep.failed >= 0)
        return boot_failed(t, first + rep.failed * stride, rc, err, errlen);
    if (rc == SIM_EINTR)
        return sim_err_set(err, errlen, rc, "interrupted by %s; no output written",
                           signals_name(rep.signal));
    if (rc)
        return sim_err_set(err, errlen, rc, "%s", perr);
    return 0;
}

/* The replications' shared inputs: replication i runs scenario i mod n. */
typedef struct sim_ctx {
    const scenario_t *const *sc; /* [n] */
    const model_plan_t *const *plan; /* [n] */
    int n;                   /* scenarios */
    model_result_t *res;     /* [replications]: slot i is replication i */
} sim_ctx_t;

static int sim_job(void *ctx, int i, atomic_uint *progress)
{
    sim_ctx_t *x = ctx;
    int rc = model_run(x->sc[i % x->n], x->plan[i % x->n], i, &x->res[i], progress);
    return rc < 0 ? rc : 0;
}

#define BOOT_CHUNK 65536 /* bytes a broadcast of boot_estimate: a rank that cannot hold a
                          * text still takes part, chunk by chunk, so none waits forever */

/* Every resample estimated, on every rank. On one process: all on its threads. On K
 * MPI ranks: resample b on rank b mod K (on its threads), then each text sent from its
 * rank to every other, so the estimation goes about K times as fast and every rank
 * holds the texts one process would make (they depend only on the records, the seed
 * and b). A failure is the first failing resample's (in order), the same code on every
 * rank: the rank that met it keeps its message; rank 0 says it unless that rank will
 * (out of memory and the like: reps_should_say); the others say nothing. */
static int boot_estimate(boot_t *t, int threads, int bar, char *err, size_t errlen)
{
    t->rank = cluster_rank();
    t->ranks = cluster_size();
    for (int i = 0; i < t->n; i++)
        t->status[i] = 1;
    int rc = boot_pool(t, boot_estimate_job, t->rank, t->ranks, "resamples", threads, bar, err,
                       errlen);
    if (t->ranks == 1) {
        /* the lowest failing resample, as on ranks (the pool hands them out in order,
         * so every one below a failure was made) */
        for (int i = 0; rc != 0 && rc != SIM_EINTR && i < t->n; i++)
            if (t->status[i] < 0)
                return boot_failed(t, i, t->status[i], err, errlen);
        return rc;
    }
    int first = -1, first_rc = 0, own = 0; /* own: this rank's failure apart (memory) */
    char *msg = mem_alloc(errlen), chunk[BOOT_CHUNK];
    if (!msg)
        own = SIM_ENOMEM;
    for (int i = 0; i < t->n; i++) {
        int owner = i % t->ranks;
        int64_t hdr[2] = {0, 0}; /* the resample's status, and the bytes that follow */
        const char *src = NULL;
        char mine[1024];
        if (owner == t->rank) {
            if (t->status[i] == 0) {
                src = t->yaml[i];
                hdr[1] = (int64_t)t->yaml_len[i];
            } else { /* its own failure, or the pool stopped before it (rc, err) */
                hdr[0] = t->status[i] < 0 ? t->status[i] : rc < 0 ? rc : SIM_EIO;
                if (t->status[i] < 0)
                    boot_failed(t, i, t->status[i], mine, sizeof mine);
                else
                    snprintf(mine, sizeof mine, "%.1000s", rc < 0 ? err : "resample not made");
                src = mine;
                hdr[1] = (int64_t)strlen(mine);
            }
        }
        if (cluster_bcast_from(owner, hdr, sizeof hdr) != 0) {
            mem_free(msg);
            return sim_err_set(err, errlen, SIM_EIO, "MPI broadcast failed");
        }
        char *dst = NULL; /* a text of another rank's, being received */
        if (owner != t->rank && hdr[0] == 0 && !own) {
            dst = mem_alloc((size_t)hdr[1] + 1);
            if (!dst)
                own = SIM_ENOMEM;
        }
        for (int64_t at = 0; at < hdr[1]; at += BOOT_CHUNK) {
            size_t k = (size_t)(hdr[1] - at < BOOT_CHUNK ? hdr[1] - at : BOOT_CHUNK);
            if (owner == t->rank)
                memcpy(chunk, src + at, k);
            if (cluster_bcast_from(owner, chunk, k) != 0) {
                mem_free(dst);
                mem_free(msg);
                return sim_err_set(err, errlen, SIM_EIO, "MPI broadcast failed");
            }
            if (dst)
                memcpy(dst + at, chunk, k);
            if (hdr[0] != 0 && first < 0 && msg && (size_t)at < errlen - 1) {
                size_t room = errlen - 1 - (size_t)at;
                memcpy(msg + at, chunk, k < room ? k : room);
                msg[(size_t)at + (k < room ? k : room)] = '\0';
            }
        }
        if (dst) {
            dst[hdr[1]] = '\0';
            t->yaml[i] = dst;
            t->yaml_len[i] = (size_t)hdr[1];
            t->status[i] = 0;
        }
        if (hdr[0] != 0 && first < 0) {
            first = i;
            first_rc = (int)hdr[0];
            if (msg && hdr[1] == 0)
                msg[0] = '\0';
        }
    }
    if (first >= 0) {
        int owner = first % t->ranks;
        /* what a rank meets alone (as reps_should_say): that rank says it */
        int alone = first_rc == SIM_ENOMEM || first_rc == SIM_ETIME || first_rc == SIM_ERANGE;
        if (owner == t->rank) {
            if (t->status[first] < 0)
                boot_failed(t, first, first_rc, err, errlen);
            /* else err holds the pool's message: it stopped before this resample */
        } else if (t->rank == 0 && !alone) {
            if (msg)
                sim_err_set(err, errlen, first_rc, "%s", msg);
            else /* its words could not be kept: say what is known */
                sim_err_set(err, errlen, first_rc, "bootstrap resample %d of %d: %s", first + 1,
                            t->n, sim_strerror(first_rc));
        } else {
            err[0] = '\0';
        }
        mem_free(msg);
        return first_rc;
    }
    mem_free(msg);
    if (own)
        return sim_err_set(err, errlen, own, "out of memory");
    return 0;
}

/* Writes the resamples' scenarios into OUT/dir/bootstrap/ beside the real open cases
 * and loads them back into t (whose n, reps, horizon and slots the caller set). */
static int boot_prepare(bt_run_t *b, boot_t *t, const char *dir, const est_result_t *er,
                        char *err, size_t errlen)
{
    char rel[160];
    int rc, bar = !b->c->quiet && isatty(2);
    double t0 = progress_now();
    if ((rc = boot_estimate(t, b->threads, bar, err, errlen)) != 0)
        return rc;
    snprintf(rel, sizeof rel, "%s/" BOOT_DIR, dir);
    if ((rc = outtx_mkdir(&b->tx, rel, err, errlen)) != 0)
        return rc;
    text_ctx_t to = {er->open_cases, er->open_cases_len};
    snprintf(rel, sizeof rel, "%s/" BOOT_DIR "/" OPEN_CASES, dir);
    if ((rc = outtx_write(&b->tx, rel, write_text, &to, err, errlen)) != 0)
        return rc;
    for (int i = 0; i < t->n; i++) {
        text_ctx_t ty = {t->yaml[i], t->yaml_len[i]};
        snprintf(rel, sizeof rel, "%s/" BOOT_DIR "/b%0*d.yaml", dir, t->width, i + 1);
        if ((rc = outtx_write(&b->tx, rel, write_text, &ty, err, errlen)) != 0)
            return rc;
        mem_free(t->yaml[i]);
        t->yaml[i] = NULL;
    }
    rc = boot_pool(t, boot_load_job, 0, 1, "resamples", b->threads, 0, err, errlen);
    b->boot_wall += progress_now() - t0;
    return rc;
}

static void boot_free(boot_t *t)
{
    for (int i = 0; t->yaml && i < t->n; i++)
        mem_free(t->yaml[i]);
    for (int i = 0; t->sc && i < t->n; i++) {
        if (t->planned && t->planned[i])
            model_plan_free(&t->plan[i]);
        scenario_free(t->sc[i]);
    }
    mem_free(t->yaml);
    mem_free(t->yaml_len);
    mem_free(t->sc);
    mem_free(t->plan);
    mem_free(t->planned);
    mem_free(t->err);
    mem_free(t->status);
}

/* Fills the careflow columns of rows[0 .. horizon * n_stages * BT_N_METRICS) (this
 * cutoff's, laid out by month, stage, metric): estimates a scenario from `cut` (the
 * records as an extract on the cutoff shows them, cut down to the stages recorded by
 * then), writes it and its open cases into OUT/dir/, loads it back; then (b->boot > 0)
 * estimates b->boot more from resamples of `cut` into OUT/dir/bootstrap/ and spreads
 * the replications over those, or (b->boot == 0) runs them all on the one scenario;
 * simulates month by month. A stage of the records that the scenario lacks keeps NaN.
 * 0, or SIM_E* with one line in err. */
static int forecast_cutoff(bt_run_t *b, long cutoff, const rec_set_t *cut, const char *dir,
                           bt_row_t *rows, char *err, size_t errlen)
{
    const bt_cli_t *c = b->c;
    const rec_set_t *rs = b->rs;
    est_result_t er;
    scenario_t *sc = NULL;
    model_plan_t plan;
    model_result_t *res = NULL;
    double *vals = NULL;
    const scenario_t **use_sc = NULL;
    const model_plan_t **use_plan = NULL;
    boot_t t;
    char rel[128], path[PATH_MAX + 160], date[11], name[64];
    char bdir[PATH_MAX + 160]; /* the resamples' folder (t.dir) */
    int rc, n_init = 0, have_plan = 0, have_est = 0, n = 0, nsc = 1, nb = 0;
    int ns = rs->n_stages, H = c->horizon;

    memset(&t, 0, sizeof t);
    cal_format(cutoff, date);
    est_opts_t eo;
    est_opts_default(&eo);
    eo.as_of = cutoff;
    eo.window_months = c->window;
    eo.horizon_months = H;
    if (c->reps)
        eo.replications = c->reps;
    if (c->have_seed)
        eo.seed = c->seed;
    snprintf(name, sizeof name, "backtest-%s", date);
    eo.name = name;
    eo.open_cases_file = OPEN_CASES;
    eo.source_label = b->source;
    if ((rc = est_estimate(cut, &eo, &er, err, errlen)) != 0)
        goto agreed;
    have_est = 1;
    if (cluster_test_fail("cutoff", NULL)) { /* a test hook: this rank fails before the
                                              * resamples, the others go on to them */
        rc = sim_err_set(err, errlen, SIM_ENOMEM, "out of memory");
        goto agreed;
    }
    snprintf(rel, sizeof rel, "%s/scenario.yaml", dir);
    text_ctx_t ty = {er.yaml, er.yaml_len}, to = {er.open_cases, er.open_cases_len};
    if ((rc = outtx_mkdir(&b->tx, dir, err, errlen)) != 0 ||
        (rc = outtx_write(&b->tx, rel, write_text, &ty, err, errlen)) != 0)
        goto agreed;
    snprintf(rel, sizeof rel, "%s/%s", dir, OPEN_CASES);
    if ((rc = outtx_write(&b->tx, rel, write_text, &to, err, errlen)) != 0)
        goto agreed;
    b->n_open += er.n_open;
    snprintf(path, sizeof path, "%s/%s/scenario.yaml", outtx_dir(&b->tx), dir);
    if ((rc = scenario_load(path, NULL, 0, &sc, err, errlen)) != 0)
        goto agreed;
    if (sc->start != cutoff) {
        char got[11];
        cal_format(sc->start, got);
        rc = sim_err_set(err, errlen, SIM_EINVAL,
                         "the scenario estimated at %s starts on %s, not on the cutoff", date,
                         got);
        goto agreed;
    }
    /* month-end reports from the cutoff to the horizon's last month end */
    if (c->reps)
        sc->replications = c->reps;
    if (c->have_seed)
        sc->seed = c->seed;
    sc->report_monthly = 1;
    sc->warmup = 0;
    sc->horizon = (double)(bt_month_end_after(cutoff, H) - cutoff);
    b->reps = sc->replications;
    b->seed = sc->seed;
    if (model_plan_init(&plan, sc) != 0) {
        rc = sim_err_set(err, errlen, SIM_ENOMEM, "out of memory");
        goto agreed;
    }
    have_plan = 1;
    if (plan.n_reports != H + 1) {
        rc = sim_err_set(err, errlen, SIM_EINVAL, "the scenario estimated at %s reports %d "
                         "month ends, not %d", date, plan.n_reports - 1, H);
        goto agreed;
    }
    n = sc->replications;
    /* the resamples: --bootstrap, or the default, never more than the replications */
    nb = c->bootstrap < 0 ? BOOT_DEFAULT : c->bootstrap;
    nb = nb > n ? n : nb;
    b->boot = nb;
    nsc = nb ? nb : 1;
    if (!(use_sc = mem_calloc((size_t)nsc, sizeof *use_sc)) ||
        !(use_plan = mem_calloc((size_t)nsc, sizeof *use_plan))) {
        rc = sim_err_set(err, errlen, SIM_ENOMEM, "out of memory");
        goto agreed;
    }
    if (nb > 0) {
        snprintf(bdir, sizeof bdir, "%s/%s/" BOOT_DIR, outtx_dir(&b->tx), dir);
        t.cut = cut;
        t.eo = &eo;
        t.seed = sc->seed;
        t.cutoff = cutoff;
        t.date = date;
        t.dir = bdir;
        t.n = nb;
        t.width = nb < 1000 ? 3 : nb < 10000 ? 4 : 5;
        t.reps = n;
        t.horizon = H;
        t.horizon_days = sc->horizon;
        t.yaml = mem_calloc((size_t)nb, sizeof *t.yaml);
        t.yaml_len = mem_calloc((size_t)nb, sizeof *t.yaml_len);
        t.sc = mem_calloc((size_t)nb, sizeof *t.sc);
        t.plan = mem_calloc((size_t)nb, sizeof *t.plan);
        t.planned = mem_calloc((size_t)nb, 1);
        t.err = mem_calloc((size_t)nb, sizeof *t.err);
        t.status = mem_calloc((size_t)nb, sizeof *t.status);
        if (!t.yaml || !t.yaml_len || !t.sc || !t.plan || !t.planned || !t.err || !t.status) {
            rc = sim_err_set(err, errlen, SIM_ENOMEM, "out of memory");
            goto agreed;
        }
    }
agreed:
    /* every rank has its own scenario and slots, or all stop here: the resamples below
     * are made a share a rank and sent to every rank (boot_estimate) */
    if ((rc = agree_step(rc, err)) != 0)
        goto out;
    if (nb == 0) {
        use_sc[0] = sc;
        use_plan[0] = &plan;
    } else {
        if ((rc = boot_prepare(b, &t, dir, &er, err, errlen)) != 0)
            goto ready;
        for (int i = 0; i < nb; i++) {
            use_sc[i] = t.sc[i];
            use_plan[i] = &t.plan[i];
        }
    }
    if (!(res = mem_calloc((size_t)n, sizeof *res)) ||
        !(vals = mem_calloc((size_t)n, sizeof *vals))) {
        rc = sim_err_set(err, errlen, SIM_ENOMEM, "out of memory");
        goto ready;
    }
    for (; n_init < n; n_init++)
        if (model_result_init(&res[n_init], use_sc[n_init % nsc], use_plan[n_init % nsc]) !=
            0) {
            rc = sim_err_set(err, errlen, SIM_ENOMEM, "out of memory for %d replications", n);
            goto ready;
        }
ready:
    /* every rank has its scenarios (or they all stop here): then the replications are
     * dealt over the ranks and gathered to rank 0, which alone summarises them */
    if ((rc = agree_step(rc, err)) != 0)
        goto out;
    double t0 = progress_now();
    sim_ctx_t x = {use_sc, use_plan, nsc, res};
    reps_task_t rt = {.n = n, .threads = b->threads, .job = sim_job, .ctx = &x, .res = res,
                      .sc = use_sc, .plan = use_plan, .n_sc = nsc,
                      .show_bar = !c->quiet && isatty(2)};
    if ((rc = reps_run(&rt, err, errlen)) != 0 || cluster_rank() != 0)
        goto out;
    b->sim_wall += progress_now() - t0;
    for (int s = 0; s < ns; s++) {
        int j = scenario_stage_index(sc, rs->stages[s]);
        if (j < 0)
            continue;
        for (int k = 1; k <= H; k++)
            for (int m = 0; m < BT_N_METRICS; m++) {
                int mt = m == BT_STOCK ? MT_STOCK : MT_ENTRIES;
                for (int i = 0; i < n; i++) {
                    const scenario_t *si = use_sc[i % nsc];
                    int ji = si == sc ? j : scenario_stage_index(si, rs->stages[s]);
                    /* a resample without a stay in a rare stage has no such stage:
                     * none of its children are there */
                    vals[i] = ji < 0 ? 0
                                     : res[i].ts[((size_t)k * (size_t)use_plan[i % nsc]->n_rows +
                                                  (size_t)ji) * MT_N + (size_t)mt];
                }
                bt_row_t *w = &rows[(((size_t)(k - 1) * ns) + (size_t)s) * BT_N_METRICS + m];
                summarise(vals, n, &w->mean, w->q);
            }
    }
    rc = 0;
out:
    for (int i = 0; i < n_init; i++)
        model_result_free(&res[i]);
    mem_free(res);
    mem_free(vals);
    mem_free(use_sc);
    mem_free(use_plan);
    boot_free(&t);
    if (have_plan)
        model_plan_free(&plan);
    scenario_free(sc);
    if (have_est)
        est_result_free(&er);
    return rc;
}

/* The actual series (from the full records) and the baselines (from `cut`, the records
 * at the cutoff cut down to the stages recorded by then; keep[s] says which of the full
 * records' stages it holds, in order) of one cutoff into its rows (laid out as
 * forecast_cutoff says), careflow columns NaN; a stage left out has no baselines
 * either. 0 or SIM_ENOMEM. */
static int fill_rows(bt_run_t *b, long cutoff, const rec_set_t *cut,
                     const unsigned char *keep, bt_row_t *rows)
{
    int ns = b->rs->n_stages, H = b->c->horizon, nk = cut ? cut->n_stages : 0;
    size_t nh = (size_t)H * (size_t)(nk > 0 ? nk : 1);
    bt_rates_t r;
    memset(&r, 0, sizeof r);
    double *ps = mem_calloc(nh, sizeof *ps), *pe = mem_calloc(nh, sizeof *pe);
    double *rs_ = mem_calloc(nh, sizeof *rs_), *re = mem_calloc(nh, sizeof *re);
    int rc = SIM_ENOMEM;
    if (!ps || !pe || !rs_ || !re || (cut && bt_rates_init(&r, cut, cutoff, b->c->window) != 0))
        goto out;
    bt_persistence(&r, H, ps, pe);
    rc = bt_project(&r, H, rs_, re);
    bt_rates_free(&r);
    if (rc != 0)
        goto out;
    for (int k = 1; k <= H; k++) {
        long me = bt_month_end_after(cutoff, k);
        long prev = k == 1 ? cutoff : bt_month_end_after(cutoff, k - 1);
        for (int s = 0, sk = 0; s < ns; sk += keep[s] != 0, s++)
            for (int m = 0; m < BT_N_METRICS; m++) {
                size_t at = (size_t)(k - 1) * ns + (size_t)s;
                size_t atk = (size_t)(k - 1) * nk + (size_t)sk; /* in the cut's stages */
                bt_row_t *w = &rows[at * BT_N_METRICS + m];
                w->cutoff = cutoff;
                w->date = me;
                w->months_ahead = k;
                w->stage = s;
                w->metric = (bt_metric_t)m;
                w->actual = m == BT_STOCK ? bt_stock(&b->series, s, me)
                                          : bt_entries(&b->series, s, prev, me);
                w->mean = NAN;
                for (int j = 0; j < BT_N_Q; j++)
                    w->q[j] = NAN;
                w->persistence = !keep[s] ? NAN : m == BT_STOCK ? ps[atk] : pe[atk];
                w->rates = !keep[s] ? NAN : m == BT_STOCK ? rs_[atk] : re[atk];
            }
    }
    rc = 0;
out:
    mem_free(ps);
    mem_free(pe);
    mem_free(rs_);
    mem_free(re);
    return rc;
}

/* ---- the files ---------------------------------------------------------------------- */

/* backtest.csv, one series after another (cutoff, stage, metric, then months ahead:
 * the order a reader or a line chart wants), from rows laid out by month, stage and
 * metric within each cutoff. */
static int write_backtest_csv(FILE *f, void *v)
{
    bt_run_t *b = v;
    char d1[11], d2[11];
    int ns = b->rs->n_stages, H = b->c->horizon;
    size_t per = (size_t)H * (size_t)ns * BT_N_METRICS;
    fputs(BACKTEST_HEADER "\n", f);
    for (size_t i = 0; i * per < b->n_rows; i++)
        for (int s = 0; s < ns; s++)
            for (int m = 0; m < BT_N_METRICS; m++)
                for (int k = 1; k <= H; k++) {
                    const bt_row_t *w =
                        &b->rows[i * per + ((size_t)(k - 1) * ns + (size_t)s) * BT_N_METRICS +
                                 (size_t)m];
                    cal_format(w->cutoff, d1);
                    cal_format(w->date, d2);
                    fprintf(f, "%s,%s,%d,", d1, d2, w->months_ahead);
                    fmt_field(f, b->rs->stages[w->stage]);
                    fprintf(f, ",%s,", bt_metric_names[w->metric]);
                    fmt_num(f, w->actual);
                    fputc(',', f);
                    fmt_num(f, w->mean);
                    for (int j = 0; j < BT_N_Q; j++) {
                        fputc(',', f);
                        fmt_num(f, w->q[j]);
                    }
                    fputc(',', f);
                    fmt_num(f, bt_pct_error(w->mean, w->actual));
                    fputc(',', f);
                    fmt_num(f, w->persistence);
                    fputc(',', f);
                    fmt_num(f, w->rates);
                    fputc('\n', f);
                }
    return 0;
}

static int write_scores_csv(FILE *f, void *v)
{
    bt_run_t *b = v;
    bt_score_t *sc;
    size_t n;
    if (bt_scores(b->rows, b->n_rows, b->rs->n_stages, b->c->horizon, &sc, &n) != 0)
        return SIM_ENOMEM;
    fputs(SCORES_HEADER "\n", f);
    for (size_t i = 0; i < n; i++) {
        const bt_score_t *s = &sc[i];
        fmt_field(f, b->rs->stages[s->stage]);
        fprintf(f, ",%s,%d,%s,", bt_metric_names[s->metric], s->months_ahead,
                bt_model_names[s->model]);
        fmt_num(f, s->mape);
        fputc(',', f);
        fmt_num(f, s->bias_pct);
        fputc(',', f);
        fmt_num(f, s->coverage50);
        fputc(',', f);
        fmt_num(f, s->coverage90);
        fprintf(f, ",%d\n", s->n);
    }
    mem_free(sc);
    return 0;
}

/* actual.csv: date,stage,metric,value: each stage's stock at every month end of the
 * records and its entries in every month (its days up to the month end), one series
 * after another (stage, metric, then date). */
static int write_actual_csv(FILE *f, void *v)
{
    bt_run_t *b = v;
    const rec_set_t *rs = b->rs;
    char d[11];
    fputs("date,stage,metric,value\n", f);
    long first = rs->first < rs->extract ? rs->first : rs->extract;
    for (int s = 0; s < rs->n_stages; s++)
        for (int k = 0; k < BT_N_METRICS; k++)
            for (long me = cal_month_end(first); me <= rs->extract;
                 me = cal_month_end(me + 1)) {
                int y, m, dd;
                cal_to_ymd(me, &y, &m, &dd);
                cal_format(me, d);
                fprintf(f, "%s,", d);
                fmt_field(f, rs->stages[s]);
                fprintf(f, ",%s,", bt_metric_names[k]);
                /* me - dd: the last day of the month before */
                fmt_num(f, k == BT_STOCK ? bt_stock(&b->series, s, me)
                                         : bt_entries(&b->series, s, me - dd, me));
                fputc('\n', f);
            }
    return 0;
}

static int write_quality(FILE *f, void *v)
{
    bt_run_t *b = v;
    return rec_write_quality(b->rs, f);
}

static int write_quality_rows(FILE *f, void *v)
{
    bt_run_t *b = v;
    return rec_write_quality_rows(b->rs, f);
}

typedef struct manifest_ctx {
    bt_run_t *b;          /* the run */
    const char *cmdline;  /* the command line */
    double t_start;       /* progress_now() at the start */
} manifest_ctx_t;

static int write_manifest(FILE *f, void *v)
{
    manifest_ctx_t *m = v;
    bt_run_t *b = m->b;
    const rec_set_t *rs = b->rs;
    char d[11];
    fputs("{\n  \"careflow_version\": ", f);
    fmt_json_str(f, CAREFLOW_VERSION);
    fputs(",\n  \"command\": \"backtest\",\n  \"data\": [", f);
    for (int i = 0; i < b->c->n_paths; i++) {
        fputs(i ? ", " : "", f);
        fmt_json_str(f, b->c->paths[i]);
    }
    fputs("],\n  \"records_files\": [", f);
    for (int i = 0; i < rs->n_files; i++) {
        fputs(i ? ", " : "", f);
        fmt_json_str(f, rs->files[i]);
    }
    fputs("],\n  \"records_sha256\": [", f);
    for (int i = 0; i < rs->n_files; i++)
        fprintf(f, "%s\"%s\"", i ? ", " : "", b->sha[i]);
    fprintf(f, "],\n  \"children\": %zu,\n  \"stays\": %zu", rs->n_children, rs->n_stays);
    cal_format(rs->first, d);
    fprintf(f, ",\n  \"first_date\": \"%s\"", d);
    cal_format(rs->extract, d);
    fprintf(f, ",\n  \"extract_date\": \"%s\",\n  \"cutoffs\": [", d);
    for (int i = 0; i < b->c->n_cutoffs; i++) {
        cal_format(b->c->cutoffs[i], d);
        fprintf(f, "%s\"%s\"", i ? ", " : "", d);
    }
    fprintf(f, "],\n  \"horizon_months\": %d,\n  \"window_months\": %d", b->c->horizon,
            b->c->window);
    fprintf(f, ",\n  \"seed\": %llu,\n  \"replications\": %d,\n  \"bootstrap\": %d,"
               "\n  \"threads\": %d,\n  \"ranks\": %d",
            (unsigned long long)b->seed, b->reps, b->boot, b->threads, cluster_size());
    fputs(",\n  \"command_line\": ", f);
    fmt_json_str(f, m->cmdline);
    fprintf(f, ",\n  \"wall_seconds\": %.3f,\n  \"bootstrap_seconds\": %.3f,\n  "
               "\"simulation_seconds\": %.3f\n}\n",
            progress_now() - m->t_start, b->boot_wall, b->sim_wall);
    return 0;
}

/* ---- the command ---------------------------------------------------------------------- */

static int cmp_long(const void *a, const void *b)
{
    long x = *(const long *)a, y = *(const long *)b;
    return (x > y) - (x < y);
}

/* Prints a records or loader message (already "FILE:LINE:COL: error: ...") as it is,
 * any other with the command's prefix. */
static void print_error(const char *err)
{
    if (strstr(err, "error: "))
        fprintf(stderr, "%s\n", err);
    else
        fprintf(stderr, "careflow: error: %s\n", err);
}

/* Rewrites every mention of the staging folder `staged` in msg as the folder the
 * output will have when committed (`final`): a message names where the user will look. */
static void name_final(char *msg, size_t size, const char *staged, const char *final)
{
    size_t ls = strlen(staged), lf = strlen(final);
    while (lf > 1 && final[lf - 1] == '/')
        lf--;
    char buf[1024];
    size_t n = 0;
    for (const char *p = msg; *p && n + 1 < sizeof buf;) {
        if (ls && strncmp(p, staged, ls) == 0) {
            for (size_t i = 0; i < lf && n + 1 < sizeof buf; i++)
                buf[n++] = final[i];
            p += ls;
        } else {
            buf[n++] = *p++;
        }
    }
    if (n >= size)
        n = size - 1;
    memcpy(msg, buf, n);
    msg[n] = '\0';
}

/* The work after the records are read: everything into the transaction, committed at
 * the end. 0 or SIM_E* with err set. */
static int backtest_run(bt_run_t *b, const char *cmdline, double t_start, char *err,
                        size_t errlen)
{
    const bt_cli_t *c = b->c;
    const rec_set_t *rs = b->rs;
    int ns = rs->n_stages, H = c->horizon, rc;
    size_t per = (size_t)H * (size_t)ns * BT_N_METRICS;
    if (bt_series_init(&b->series, rs) != 0 ||
        !(b->rows = mem_calloc((size_t)c->n_cutoffs * per + 1, sizeof *b->rows)) ||
        !(b->keep = mem_calloc((size_t)ns + 1, 1)))
        return sim_err_set(err, errlen, SIM_ENOMEM, "out of memory");
    unsigned char *keep = b->keep;
    for (int i = 0; i < c->n_cutoffs; i++) {
        long cutoff = c->cutoffs[i];
        char dir[32], date[11];
        bt_row_t *rows = b->rows + (size_t)i * per;
        cal_format(cutoff, date);
        snprintf(dir, sizeof dir, "cutoff-%s", date);
        /* the records as an extract on the cutoff shows them, without the stages whose
         * record begins after it (a census of a later year): left out, with a note */
        rec_set_t *cut = NULL;
        if ((rc = rec_cut(rs, cutoff, &cut)) != 0) {
            cluster_agree(rc); /* the others stop at this cutoff too */
            return sim_err_set(err, errlen, rc, "cutting the records at %s: %s", date,
                               sim_strerror(rc));
        }
        int nk = 0;
        for (int s = 0; s < ns; s++) {
            keep[s] = rs->observed_from[s] <= cutoff;
            nk += keep[s];
            if (!keep[s] && !c->quiet) {
                char f[11];
                cal_format(rs->observed_from[s], f);
                fprintf(stderr, "careflow: note: cutoff %s: stage %s left out: its records "
                                "begin on %s, after the cutoff\n", date, rs->stages[s], f);
            }
        }
        /* a stage recorded from inside the window: its rates come from fewer days */
        long w0 = bt_months_before(cutoff, c->window); /* the window is (w0, cutoff] */
        for (int s = 0; s < ns && !c->quiet; s++)
            if (keep[s] && rs->observed_from[s] > w0 + 1) {
                char f[11];
                cal_format(rs->observed_from[s], f);
                fprintf(stderr, "careflow: note: cutoff %s: stage %s's window is cut short: "
                                "its records begin on %s, so its rates come from the %ld "
                                "days from then, not from %d months\n",
                        date, rs->stages[s], f, cutoff - rs->observed_from[s] + 1, c->window);
            }
        bt_keep_stages(cut, keep);
        rc = fill_rows(b, cutoff, nk ? cut : NULL, keep, rows);
        b->n_rows += per;
        if (rc == 0 && nk)
            rc = forecast_cutoff(b, cutoff, cut, dir, rows, err, errlen);
        else if (rc != 0)
            cluster_agree(sim_err_set(err, errlen, SIM_ENOMEM, "out of memory"));
        else if (!c->quiet)
            fprintf(stderr, "careflow: note: cutoff %s: no stage is recorded by then: "
                            "nothing forecast\n", date);
        rec_free(cut);
        if (rc != 0) {
            /* say which cutoff, keeping a "FILE:LINE:COL: error: " message whole */
            char inner[2048];
            int room = errlen > 48 ? (int)(errlen - 48) : 0;
            snprintf(inner, sizeof inner, "%s", err);
            if (!inner[0])
                return rc; /* another rank says it */
            if (strstr(inner, "error: "))
                snprintf(err, errlen, "%.*s (backtest at cutoff %s)", room, inner, date);
            else
                snprintf(err, errlen, "cutoff %s: %.*s", date, room, inner);
            return rc;
        }
        /* a signal ends every rank after this cutoff, together */
        if (signals_caught())
            rc = sim_err_set(err, errlen, SIM_EINTR, "interrupted by %s; no output written",
                             signals_name(signals_caught()));
        if ((rc = agree_step(rc, err)) != 0)
            return rc;
        if (!c->quiet)
            fprintf(stderr, "careflow: cutoff %s: forecast %d months ahead\n", date, H);
    }
    if (cluster_rank() != 0)
        return 0; /* ranks other than 0 write nothing (their folder is a scratch one) */
    signals_writing();
    manifest_ctx_t m = {b, cmdline, t_start};
    if ((rc = outtx_write(&b->tx, "backtest.csv", write_backtest_csv, b, err, errlen)) != 0 ||
        (rc = outtx_write(&b->tx, "backtest_scores.csv", write_scores_csv, b, err, errlen)) !=
            0 ||
        (rc = outtx_write(&b->tx, "actual.csv", write_actual_csv, b, err, errlen)) != 0 ||
        (c->lenient &&
         (rc = outtx_write(&b->tx, "data_quality.csv", write_quality, b, err, errlen)) != 0) ||
        (c->lenient && (rc = outtx_write(&b->tx, "data_quality_rows.csv", write_quality_rows, b,
                                         err, errlen)) != 0) ||
        (rc = outtx_write(&b->tx, "manifest.json", write_manifest, &m, err, errlen)) != 0)
        return rc;
    int plotted = 0;
    if (!c->no_plots) {
        char scripts_buf[4096], perr[512];
        const char *scripts = plot_scripts_dir(scripts_buf, sizeof scripts_buf);
        perr[0] = '\0';
        if (!scripts)
            fprintf(stderr, "careflow: warning: plots not drawn: gnuplot scripts (plots/) not "
                            "found; set CAREFLOW_PLOTS (the CSVs are complete)\n");
        else if (plot_render_backtest(outtx_dir(&b->tx), scripts, b->source, b->seed,
                                      b->reps, perr, sizeof perr) != 0) {
            name_final(perr, sizeof perr, outtx_dir(&b->tx), c->out);
            fprintf(stderr, "careflow: warning: plots: %s (the CSVs are complete)\n",
                    perr[0] ? perr : "gnuplot failed");
        }
        else
            plotted = 1;
    }
    if (signals_caught())
        return sim_err_set(err, errlen, SIM_EINTR, "interrupted by %s; no output written",
                           signals_name(signals_caught()));
    char source[2048];
    snprintf(source, sizeof source, "records %s; %d cutoff%s, %d months ahead; %d "
             "replication%s per cutoff; seed %llu",
             b->source, c->n_cutoffs, c->n_cutoffs == 1 ? "" : "s", c->horizon, b->reps,
             b->reps == 1 ? "" : "s", (unsigned long long)b->seed);
    report_meta_t page = {.command = "backtest",
                          .title = "Backtest: how good careflow's forecasts were",
                          .cmdline = cmdline,
                          .source = source,
                          .dir = outtx_dir(&b->tx),
                          .plotted = plotted,
                          .no_plots_why = c->no_plots ? OUTPUTS_NO_PLOTS_FLAG
                                                      : OUTPUTS_NO_PLOTS_FAILED,
                          .files = (const char *const *)b->rs->files,
                          .files_sha = (const char (*)[65])b->sha,
                          .n_files = b->rs->n_files};
    if ((rc = report_write(&b->tx, &page, err, errlen)) != 0)
        return rc;
    if ((rc = outtx_commit(&b->tx, err, errlen)) != 0)
        return rc;
    if (!c->quiet) {
        size_t dl = strlen(c->out);
        fprintf(stderr,
                "wrote %s%s (backtest.csv, backtest_scores.csv, actual.csv, %d cutoff "
                "folder%s, manifest.json, report.html%s): %d replication%s per cutoff over %d "
                "bootstrap resample%s, %ld open cases in all, %.2f s estimating "
                "resamples, %.2f s simulating\n",
                c->out, dl && c->out[dl - 1] == '/' ? "" : "/", c->n_cutoffs,
                c->n_cutoffs == 1 ? "" : "s", plotted ? ", plots/" : "", b->reps,
                b->reps == 1 ? "" : "s", b->boot, b->boot == 1 ? "" : "s", b->n_open,
                b->boot_wall, b->sim_wall);
    }
    return 0;
}

/* A rank other than 0: a transaction in a scratch folder of its own (TMPDIR, else
 * /tmp), never committed: scratch[] gets the folder, for scratch_end. */
static int scratch_begin(outtx_t *tx, char *scratch, size_t len, const char *const *owned,
                         char *err, size_t errlen)
{
    const char *tmp = getenv("TMPDIR");
    char out[PATH_MAX + 8];
    snprintf(scratch, len, "%s/careflow-backtest-rank%d-XXXXXX", tmp && *tmp ? tmp : "/tmp",
             cluster_rank());
    if (!mkdtemp(scratch)) {
        int en = errno;
        char eb[128];
        snprintf(out, sizeof out, "%s", scratch);
        scratch[0] = '\0';
        return sim_err_set(err, errlen, SIM_EIO, "rank %d: cannot make a scratch folder %s: "
                           "%s", cluster_rank(), out, sim_errno_text(en, eb, sizeof eb));
    }
    snprintf(out, sizeof out, "%s/out", scratch);
    return outtx_begin(tx, out, "backtest", owned, err, errlen);
}

/* Removes the scratch folder once its transaction is aborted: the lock file is all
 * that is left in it. */
static void scratch_end(char *scratch)
{
    char lock[PATH_MAX + 16];
    if (!scratch[0])
        return;
    snprintf(lock, sizeof lock, "%s/.out.lock", scratch);
    unlink(lock);
    rmdir(scratch);
    scratch[0] = '\0';
}

int backtest_main(int argc, char **argv)
{
    double t_start = progress_now();
    bt_cli_t c = {.horizon = 12, .window = 12, .bootstrap = -1, .out = "out/backtest"};
    rec_set_t *rs = NULL;
    bt_run_t b;
    char err[2048], *cmdline = NULL;
    const char **owned = NULL;
    char (*dirs)[32] = NULL;
    int rc, status = 1, agreed = 0, reading = 0;
    signals_save_t sigs;
    int caught = 0;
    char scratch[PATH_MAX] = "";

    memset(&b, 0, sizeof b);
    c.paths = mem_calloc((size_t)argc + 1, sizeof *c.paths);
    c.cutoffs = mem_calloc((size_t)argc + 1, sizeof *c.cutoffs);
    if (!c.paths || !c.cutoffs) {
        fputs("careflow: error: out of memory\n", stderr);
        goto out;
    }
    if ((status = parse_args(&c, argc, argv)) != 0)
        goto out;
    if (c.help) {
        fputs(help_text("backtest"), stdout);
        status = fflush(stdout) == 0 ? 0 : 1;
        goto out;
    }
    status = EXIT_USAGE;
    if (c.n_paths == 0) {
        usage_error("'backtest' needs records, e.g. careflow backtest records/ --cutoff "
                    "2023-03-31");
        goto out;
    }
    if (c.n_cutoffs == 0) {
        usage_error("'backtest' needs at least one --cutoff DATE");
        goto out;
    }
    rec_opts_t ro = {.lenient = c.lenient, .as_of = 0};
    if (cluster_rank() != 0)
        c.quiet = 1; /* rank 0 alone reports; the others say only their own failures */
    reading = 1; /* from here a failing rank tells the others (cluster_agree at out) */
    if ((rc = rec_read(c.paths, c.n_paths, &ro, &rs, err, sizeof err)) != 0) {
        if (cluster_rank() == 0 || rc == SIM_ENOMEM)
            print_error(err);
        status = sim_exit_status(rc);
        goto out;
    }
    if (rs->n_other_files && !c.quiet)
        fprintf(stderr, "careflow: note: %d other file%s in the folders not read (not named "
                        "*.csv or *.xml)\n",
                rs->n_other_files, rs->n_other_files == 1 ? "" : "s");
    if (c.lenient && !c.quiet) {
        for (int k = 0; k < REC_D_N; k++)
            if (rs->quality[k])
                fprintf(stderr, "careflow: warning: %ld record%s %s: %s\n", rs->quality[k],
                        rs->quality[k] == 1 ? "" : "s", rec_defect_names[k],
                        rec_defect_actions[k]);
    }
    qsort(c.cutoffs, (size_t)c.n_cutoffs, sizeof *c.cutoffs, cmp_long);
    int nd = 0;
    long recorded = LONG_MAX; /* the first day on which some stage is recorded */
    for (int s = 0; s < rs->n_stages; s++)
        recorded = rs->observed_from[s] < recorded ? rs->observed_from[s] : recorded;
    for (int i = 0; i < c.n_cutoffs; i++) {
        char d[11], f0[11], f1[11];
        cal_format(c.cutoffs[i], d);
        cal_format(rs->first < recorded ? recorded : rs->first, f0);
        cal_format(rs->extract, f1);
        if (c.cutoffs[i] < rs->first || c.cutoffs[i] > rs->extract ||
            c.cutoffs[i] < recorded) {
            if (cluster_rank() != 0) /* every rank meets it alike: rank 0 says it */
                goto out;
            /* where a stage's record is complete from: a cutoff needs one by then */
            fprintf(stderr, "careflow: error: --cutoff %s is %s: the records are complete "
                            "from %s to %s (",
                    d, c.cutoffs[i] > rs->extract ? "after the records' extract date"
                       : c.cutoffs[i] < rs->first ? "before the records' first date"
                                                   : "before any stage's record is complete",
                    f0, f1);
            for (int s = 0; s < rs->n_stages; s++) {
                char f[11];
                cal_format(rs->observed_from[s] < rs->first ? rs->first
                                                            : rs->observed_from[s], f);
                fprintf(stderr, "%s%s from %s", s ? ", " : "", rs->stages[s], f);
            }
            fputs(")\n", stderr);
            goto out;
        }
        if (nd == 0 || c.cutoffs[i] != c.cutoffs[nd - 1])
            c.cutoffs[nd++] = c.cutoffs[i];
    }
    c.n_cutoffs = nd;

    /* what the set may hold: the files, plots, and one folder per cutoff */
    static const char *const fixed[] = {"backtest.csv", "backtest_scores.csv", "actual.csv",
                                        "data_quality.csv", "data_quality_rows.csv",
                                        "manifest.json", "plots", "report.html"};
    size_t nf = sizeof fixed / sizeof fixed[0];
    owned = mem_calloc(nf + (size_t)c.n_cutoffs + 1, sizeof *owned);
    dirs = mem_calloc((size_t)c.n_cutoffs, sizeof *dirs);
    b.source = text_shell_join(c.n_paths, (char *const *)c.paths);
    cmdline = text_shell_join(argc, argv);
    if (!owned || !dirs || !b.source || !cmdline) {
        fputs("careflow: error: out of memory\n", stderr);
        status = 1;
        goto out;
    }
    for (size_t i = 0; i < nf; i++)
        owned[i] = fixed[i];
    for (int i = 0; i < c.n_cutoffs; i++) {
        char d[11];
        cal_format(c.cutoffs[i], d);
        snprintf(dirs[i], sizeof dirs[i], "cutoff-%s", d);
        owned[nf + (size_t)i] = dirs[i];
    }
    b.c = &c;
    b.rs = rs;
    /* the records' fingerprints, for manifest.json and the page's footer */
    if (rs->n_files > 0 && !(b.sha = mem_calloc((size_t)rs->n_files, sizeof *b.sha))) {
        fputs("careflow: error: out of memory\n", stderr);
        status = 1;
        goto out;
    }
    for (int i = 0; i < rs->n_files; i++)
        if (sha256_file_hex(rs->files[i], b.sha[i]) != 0) {
            fprintf(stderr, "careflow: error: %s: cannot read it again to fingerprint it\n",
                    rs->files[i]);
            status = 2;
            goto out;
        }
    int threads = c.threads;
    if (threads == 0 && cluster_size() > 1)
        threads = 1; /* one rank per core is the usual MPI layout */
    if (threads == 0) {
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        threads = cores < 1 ? 1 : cores > THREADS_MAX ? THREADS_MAX : (int)cores;
    }
    b.threads = threads;
    /* Rank 0 writes OUT. Every rank needs each cutoff's scenario files to load them
     * back: the other ranks write theirs into a scratch folder of their own, removed at
     * the end (see scratch_begin). Then the ranks agree: all go on, or all stop. */
    rc = cluster_rank() == 0
             ? outtx_begin(&b.tx, c.out, "backtest", owned, err, sizeof err)
             : scratch_begin(&b.tx, scratch, sizeof scratch, owned, err, sizeof err);
    if (rc != 0 && reps_should_say(rc))
        fprintf(stderr, "careflow: error: %s\n", err);
    agreed = 1;
    if ((rc = cluster_agree(rc)) != 0) {
        status = sim_exit_status(rc);
        goto out;
    }
    signals_catch(&sigs);
    caught = 1;
    if ((rc = backtest_run(&b, cmdline, t_start, err, sizeof err)) != 0) {
        if (reps_should_say(rc) && err[0])
            print_error(err);
        status = sim_exit_status(rc);
    } else {
        status = 0;
    }
out:
    if (!agreed && reading)
        cluster_agree(SIM_EINVAL); /* this rank stopped before the others could know */
    outtx_abort(&b.tx);
    scratch_end(scratch);
    if (caught)
        signals_restore(&sigs);
    bt_series_free(&b.series);
    mem_free(b.rows);
    mem_free(b.keep);
    mem_free(b.source);
    mem_free(b.sha);
    mem_free(cmdline);
    mem_free(owned);
    mem_free(dirs);
    if (rs)
        rec_free(rs);
    mem_free(c.paths);
    mem_free(c.cutoffs);
    return status;
}
