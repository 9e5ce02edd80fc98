/* runner.c: runs a scenario's replications on threads and writes its outputs.
 *
 * Invariant: result slot i only ever holds replication i. Workers take replication
 * indices from one atomic counter and write only into their own slot, and every output
 * is computed from the slots in replication order after all workers have joined, so
 * summary.csv, timeseries.csv, replications.csv and fit.csv are byte-identical at any
 * thread count (only manifest.json, with its timings and thread count, differs).
 *
 * Outputs are written in three steps: every file to a temporary name in the output
 * folder (".NAME.tmp.PID"), then, only when all of them are complete, each renamed to
 * its real name; then the plots. On any failure the temporaries are removed and the
 * earlier files are left as they were.
 *
 * Signals: while it runs, runner_run() catches SIGINT, SIGTERM and SIGHUP (unless they
 * are ignored) with a handler that only records the signal. During the simulation no
 * file exists yet: the first signal stops handing out replications (those in progress
 * finish), and a second one ends the process at once. From the first temporary file to
 * the end of the plots, a signal is only recorded; it is checked before the renames
 * (temporaries removed, nothing replaced) and at the end. Either way runner_run()
 * returns -1 with "interrupted" (exit status 1). The previous handlers are restored on
 * return. This is the one piece of file-level state in careflow: a signal handler has
 * nowhere else to write. */
#include "models/commands/runner.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "models/pathway/model.h"
#include "models/commands/plot.h"
#include "models/commands/version.h"
#include "sim/cal.h"
#include "sim/sha256.h"
#include "sim/stats.h"

/* ---- signals ------------------------------------------------------------------ */

static volatile sig_atomic_t got_signal;  /* the last signal caught, or 0 */
static volatile sig_atomic_t files_begun; /* 1 once temporaries may exist */

static const int caught_signals[] = {SIGINT, SIGTERM, SIGHUP};
#define N_CAUGHT ((int)(sizeof caught_signals / sizeof caught_signals[0]))

static void on_signal(int sig)
{
    if (got_signal && !files_begun) { /* second signal while simulating: nothing on disk */
        static const char msg[] = "\ncareflow: interrupted\n";
        ssize_t w = write(2, msg, sizeof msg - 1);
        (void)w;
        _exit(1);
    }
    got_signal = sig;
}

typedef runner__sigsave_t sigsave_t; /* runner.h: the previous actions */
_Static_assert(N_CAUGHT == RUNNER__N_SIGNALS, "runner__sigsave_t holds every caught signal");

static void signals_catch(sigsave_t *s)
{
    got_signal = 0;
    files_begun = 0;
    for (int i = 0; i < N_CAUGHT; i++) {
        struct sigaction sa;
        s->installed[i] = 0;
        if (sigaction(caught_signals[i], NULL, &s->old[i]) != 0 ||
            s->old[i].sa_handler == SIG_IGN) /* e.g. nohup: keep ignoring */
            continue;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_signal;
        sa.sa_flags = SA_RESTART;
        sigemptyset(&sa.sa_mask);
        if (sigaction(caught_signals[i], &sa, NULL) == 0)
            s->installed[i] = 1;
    }
}

static void signals_restore(const sigsave_t *s)
{
    for (int i = 0; i < N_CAUGHT; i++)
        if (s->installed[i])
            sigaction(caught_signals[i], &s->old[i], NULL);
}

static const char *signal_name(int sig)
{
    return sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : sig == SIGHUP ? "SIGHUP"
                                                                                  : "a signal";
}

/* ---- replications on threads ---------------------------------------------------- */

typedef struct job {
    const scenario_t *sc;     /* read-only, shared */
    const model_plan_t *plan; /* read-only, shared */
    model_result_t *res;      /* [n_reps]: slot i is replication i */
    int n_reps;
    atomic_int next;          /* next replication index to hand out */
    atomic_int done;          /* replications finished */
    atomic_int running;       /* workers not yet returned */
    atomic_int stop;          /* 1: hand out no more (failure or signal) */
    atomic_int failed;        /* 1 + the first replication whose model_run() failed, or 0 */
    atomic_int failed_rc;     /* that failure's SIM_E* code */
    pthread_mutex_t mu;       /* with cv: a worker's return wakes the main thread at once */
    pthread_cond_t cv;
} job_t;

typedef struct worker {
    job_t *job;
    pthread_t tid;
    atomic_uint progress; /* the running replication's share simulated, 1/1000ths */
} worker_t;

int runner__wait_workers(pthread_mutex_t *mu, pthread_cond_t *cv, atomic_int *running)
{
    pthread_mutex_lock(mu);
    if (atomic_load(running) > 0) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += 100 * 1000 * 1000;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(cv, mu, &until);
    }
    int n = atomic_load(running);
    pthread_mutex_unlock(mu);
    return n;
}

void runner__worker_done(pthread_mutex_t *mu, pthread_cond_t *cv, atomic_int *running)
{
    pthread_mutex_lock(mu);
    atomic_fetch_sub(running, 1);
    pthread_cond_signal(cv);
    pthread_mutex_unlock(mu);
}

static void *worker_main(void *arg)
{
    worker_t *w = arg;
    job_t *j = w->job;
    for (;;) {
        if (atomic_load(&j->stop))
            break;
        int i = atomic_fetch_add(&j->next, 1);
        if (i >= j->n_reps)
            break;
        atomic_store(&w->progress, 0);
        int rc = model_run(j->sc, j->plan, i, &j->res[i], &w->progress);
        if (rc != 0) {
            int none = 0;
            if (atomic_compare_exchange_strong(&j->failed, &none, i + 1))
                atomic_store(&j->failed_rc, rc);
            atomic_store(&j->stop, 1);
            break;
        }
        atomic_fetch_add(&j->done, 1);
        atomic_store(&w->progress, 0);
    }
    atomic_store(&w->progress, 0);
    runner__worker_done(&j->mu, &j->cv, &j->running);
    return NULL;
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void format_eta(double s, char *out, size_t len)
{
    long t = (long)(s + 0.5);
    if (t < 60)
        snprintf(out, len, "%lds", t);
    else if (t < 3600)
        snprintf(out, len, "%ldm%02lds", t / 60, t % 60);
    else
        snprintf(out, len, "%ldh%02ldm", t / 3600, (t % 3600) / 60);
}

/* Draws "\r  [####....]  42%  8/20 WHAT  ETA 3s", padded over the last one. */
static void bar_draw_what(double frac, int done, int n, const char *what, double elapsed,
                          int *width)
{
    enum { CELLS = 24 };
    char cells[CELLS + 1], eta[32], line[160];
    int filled = (int)(frac * CELLS);
    for (int i = 0; i < CELLS; i++)
        cells[i] = i < filled ? '#' : '.';
    cells[CELLS] = '\0';
    if (frac > 0.001)
        format_eta(elapsed * (1 - frac) / frac, eta, sizeof eta);
    else
        snprintf(eta, sizeof eta, "?");
    int w = snprintf(line, sizeof line, "  [%s] %3d%%  %d/%d %s  ETA %s", cells,
                     (int)(frac * 100), done, n, what, eta);
    if (w < 0)
        return;
    fprintf(stderr, "\r%s%*s", line, *width > w ? *width - w : 0, "");
    fflush(stderr);
    if (w > *width)
        *width = w;
}

static void bar_draw(double frac, int done, int n, double elapsed, int *width)
{
    bar_draw_what(frac, done, n, "replications", elapsed, width);
}

/* Runs all replications into res[]. Returns 0, or -1 with err set. */
static int simulate(const scenario_t *sc, const model_plan_t *plan, model_result_t *res,
                    int threads, int show_bar, char *err, size_t errlen)
{
    int n = sc->replications;
    job_t job = {.sc = sc, .plan = plan, .res = res, .n_reps = n};
    atomic_init(&job.next, 0);
    atomic_init(&job.done, 0);
    atomic_init(&job.running, 0);
    atomic_init(&job.stop, 0);
    atomic_init(&job.failed, 0);
    atomic_init(&job.failed_rc, 0);
    pthread_mutex_init(&job.mu, NULL);
    pthread_cond_init(&job.cv, NULL);

    worker_t *w = calloc((size_t)threads, sizeof *w);
    if (!w) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    int started = 0, perr = 0;
    for (int t = 0; t < threads; t++) {
        w[t].job = &job;
        atomic_init(&w[t].progress, 0);
        atomic_fetch_add(&job.running, 1);
        if ((perr = pthread_create(&w[t].tid, NULL, worker_main, &w[t])) != 0) {
            atomic_fetch_sub(&job.running, 1);
            break; /* run on the threads we have */
        }
        started++;
    }
    if (started == 0) {
        free(w);
        pthread_cond_destroy(&job.cv);
        pthread_mutex_destroy(&job.mu);
        snprintf(err, errlen, "cannot start a thread: %s", strerror(perr));
        return -1;
    }

    /* Poll: progress bar and signals. */
    double t0 = now_seconds();
    int width = 0, drawn = 0;
    double shown = 0;
    for (;;) {
        int running = runner__wait_workers(&job.mu, &job.cv, &job.running);
        if (running == 0)
            break;
        if (got_signal)
            atomic_store(&job.stop, 1);
        double elapsed = now_seconds() - t0;
        if (!show_bar || elapsed <= 1.0)
            continue;
        unsigned long sum = 1000UL * (unsigned long)atomic_load(&job.done);
        for (int t = 0; t < started; t++) {
            unsigned p = atomic_load(&w[t].progress);
            sum += p > 1000 ? 1000 : p;
        }
        double frac = (double)sum / (1000.0 * n);
        if (frac > 1)
            frac = 1;
        if (frac < shown) /* a replication just finished: never step back */
            frac = shown;
        shown = frac;
        bar_draw(frac, atomic_load(&job.done), n, elapsed, &width);
        drawn = 1;
    }
    for (int t = 0; t < started; t++)
        pthread_join(w[t].tid, NULL);
    free(w);
    pthread_cond_destroy(&job.cv);
    pthread_mutex_destroy(&job.mu);
    if (drawn) {
        fprintf(stderr, "\r%*s\r", width, "");
        fflush(stderr);
    }
    if (atomic_load(&job.failed)) {
        snprintf(err, errlen, "replication %d failed (%s); no output written",
                 atomic_load(&job.failed), sim_strerror(atomic_load(&job.failed_rc)));
        return -1;
    }
    if (got_signal) {
        snprintf(err, errlen, "interrupted by %s; no output written", signal_name(got_signal));
        return -1;
    }
    if (atomic_load(&job.done) != n) { /* cannot happen: every index was handed out */
        snprintf(err, errlen, "only %d of %d replications ran", atomic_load(&job.done), n);
        return -1;
    }
    return 0;
}

/* ---- output helpers --------------------------------------------------------------- */

/* A CSV field, quoted only when it must be (names are usually plain slugs). */
static void put_field(FILE *f, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

/* A number with 10 significant digits; NaN is an empty field. */
static void put_num(FILE *f, double x)
{
    if (isnan(x))
        return;
    if (x == 0)
        x = 0; /* no "-0" */
    fprintf(f, "%.10g", x);
}

/* A JSON string, escaped; invalid UTF-8 bytes become U+FFFD. */
static void put_json_str(FILE *f, const char *s)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    fputc('"', f);
    while (*p) {
        unsigned c = *p;
        if (c == '"' || c == '\\') {
            fputc('\\', f);
            fputc((int)c, f);
            p++;
        } else if (c < 0x20) {
            switch (c) {
            case '\n': fputs("\\n", f); break;
            case '\r': fputs("\\r", f); break;
            case '\t': fputs("\\t", f); break;
            case '\b': fputs("\\b", f); break;
            case '\f': fputs("\\f", f); break;
            default: fprintf(f, "\\u%04x", c); break;
            }
            p++;
        } else if (c < 0x80) {
            fputc((int)c, f);
            p++;
        } else {
            /* Length of a well-formed UTF-8 sequence starting here, or 0. */
            int len = 0;
            unsigned cp = 0;
            if (c >= 0xc2 && c <= 0xdf)
                len = 2, cp = c & 0x1f;
            else if (c >= 0xe0 && c <= 0xef)
                len = 3, cp = c & 0x0f;
            else if (c >= 0xf0 && c <= 0xf4)
                len = 4, cp = c & 0x07;
            for (int k = 1; k < len; k++) {
                if ((p[k] & 0xc0) != 0x80) {
                    len = 0;
                    break;
                }
                cp = (cp << 6) | (p[k] & 0x3f);
            }
            if (len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff)))
                len = 0;
            if (len == 4 && (cp < 0x10000 || cp > 0x10ffff))
                len = 0;
            if (len) {
                fwrite(p, 1, (size_t)len, f);
                p += len;
            } else {
                fputs("\\ufffd", f);
                p++;
            }
        }
    }
    fputc('"', f);
}

/* mkdir -p. Returns 0, or -1 with errno set. */
static int mkdir_p(const char *path)
{
    char buf[PATH_MAX];
    size_t n = strlen(path);
    if (n == 0 || n >= sizeof buf) {
        errno = n ? ENAMETOOLONG : ENOENT;
        return -1;
    }
    memcpy(buf, path, n + 1);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, 0777) != 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    if (mkdir(buf, 0777) != 0 && errno != EEXIST)
        return -1;
    struct stat st;
    if (stat(buf, &st) != 0)
        return -1;
    if (!S_ISDIR(st.st_mode)) {
        errno = ENOTDIR;
        return -1;
    }
    return 0;
}

/* Name of a stage row (stages in scenario order, then `all`). */
static const char *row_name(const scenario_t *sc, int row)
{
    return row < sc->n_stages ? sc->stages[row].name : "all";
}

/* The non-NaN values of one figure over replications, in replication order, into v.
 * Returns how many. stride/offset address the figure in the chosen array. */
typedef enum { ARR_STAGE, ARR_POOL, ARR_TS, ARR_POOL_TS, ARR_OBS } arr_t;

static int gather(const model_result_t *res, int n_reps, arr_t a, size_t idx, double *v)
{
    int k = 0;
    for (int i = 0; i < n_reps; i++) {
        const double *base = a == ARR_STAGE ? res[i].stage
                              : a == ARR_POOL ? res[i].pool
                              : a == ARR_TS   ? res[i].ts
                              : a == ARR_POOL_TS ? res[i].pool_ts
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
        put_num(f, x[i]);
    }
    fprintf(f, ",%d\n", n);
}

/* One summary.csv row. */
static void summary_row(FILE *f, const char *metric, const char *stage, const double *v, int n)
{
    put_field(f, metric);
    fputc(',', f);
    put_field(f, stage);
    if (n == 0) {
        fputs(",,,,,0\n", f);
        return;
    }
    put_summary(f, v, n);
}

/* The per-replication figures behind summary.csv, replications.csv and compare.csv:
 * each is a (metric, stage) name and where its value is in a model_result_t. */
typedef enum { FIG_STAGE, FIG_POOL, FIG_STRAND, FIG_COST, FIG_COST_COMPONENT } fig_kind_t;

typedef struct fig {
    const char *metric, *stage;
    fig_kind_t kind;
    size_t idx;         /* index in the kind's array (FIG_COST_COMPONENT: unused) */
    const char *component; /* FIG_COST_COMPONENT: the component summed; NULL: all */
    double scale;       /* multiplies the value (costs: per year of the window) */
} fig_t;

static const char *const cost_components[] = {"pool", "placement", "strand"};

/* The figures in output order: stages, pools, strands, costs. NULL when out of memory;
 * the caller frees. */
static fig_t *figures(const scenario_t *sc, const model_plan_t *plan, int *n_out)
{
    size_t cap = (size_t)plan->n_rows * MS_N + (size_t)sc->n_pools * MP_N +
                 (size_t)sc->n_strands * MX_N + (size_t)sc->n_costs + 8;
    fig_t *f = calloc(cap, sizeof *f);
    int n = 0;
    if (!f)
        return NULL;
    for (int r = 0; r < plan->n_rows; r++)
        for (int m = 0; m < MS_N; m++)
            f[n++] = (fig_t){model_stage_metric_names[m], row_name(sc, r), FIG_STAGE,
                             (size_t)r * MS_N + (size_t)m, NULL, 1};
    for (int p = 0; p < sc->n_pools; p++)
        for (int m = 0; m < MP_N; m++)
            f[n++] = (fig_t){model_pool_metric_names[m], sc->pools[p].name, FIG_POOL,
                             (size_t)p * MP_N + (size_t)m, NULL, 1};
    for (int k = 0; k < sc->n_strands; k++) {
        const scn_strand_t *sp = &sc->strands[k];
        for (int m = 0; m < MX_N; m++) {
            if (m == MX_AVERTED ? sp->arrival < 0 : !sp->stages)
                continue; /* a mechanism the strand does not have */
            f[n++] = (fig_t){model_strand_metric_names[m], sp->name, FIG_STRAND,
                             (size_t)k * MX_N + (size_t)m, NULL, 1};
        }
    }
    if (sc->n_costs) {
        double years = (sc->horizon - sc->warmup) / CAL_DAYS_PER_YEAR;
        size_t base = (size_t)plan->n_periods * (size_t)sc->n_costs;
        for (int i = 0; i < sc->n_costs; i++)
            f[n++] = (fig_t){"cost_per_year", sc->costs[i].item, FIG_COST, base + (size_t)i,
                             NULL, 1 / years};
        for (int c = 0; c < 3; c++) {
            int any = 0;
            for (int i = 0; i < sc->n_costs; i++)
                any |= !strcmp(sc->costs[i].component, cost_components[c]);
            if (any)
                f[n++] = (fig_t){"component_cost_per_year", cost_components[c],
                                 FIG_COST_COMPONENT, base, cost_components[c], 1 / years};
        }
        f[n++] = (fig_t){"cost_per_year", "all", FIG_COST_COMPONENT, base, NULL, 1 / years};
    }
    *n_out = n;
    return f;
}

static double fig_value(const scenario_t *sc, const model_result_t *r, const fig_t *f)
{
    switch (f->kind) {
    case FIG_STAGE: return r->stage[f->idx];
    case FIG_POOL: return r->pool[f->idx];
    case FIG_STRAND: return r->strand[f->idx];
    case FIG_COST: return r->cost[f->idx] * f->scale;
    case FIG_COST_COMPONENT: {
        double sum = 0;
        for (int i = 0; i < sc->n_costs; i++)
            if (!f->component || !strcmp(sc->costs[i].component, f->component))
                sum += r->cost[f->idx + (size_t)i];
        return sum * f->scale;
    }
    }
    return NAN;
}

/* The non-NaN values of figure f over replications, in replication order. */
static int fig_gather(const scenario_t *sc, const model_result_t *res, const fig_t *f,
                      double *v)
{
    int k = 0;
    for (int i = 0; i < sc->replications; i++) {
        double x = fig_value(sc, &res[i], f);
        if (!isnan(x))
            v[k++] = x;
    }
    return k;
}

static int write_summary(FILE *f, const scenario_t *sc, const model_plan_t *plan,
                         const model_result_t *res, double *v)
{
    int nf = 0;
    fig_t *figs = figures(sc, plan, &nf);
    if (!figs)
        return -1;
    fputs("metric,stage,mean,sd,ci95_low,ci95_high,replications\n", f);
    for (int i = 0; i < nf; i++)
        summary_row(f, figs[i].metric, figs[i].stage, v, fig_gather(sc, res, &figs[i], v));
    free(figs);
    return 0;
}

/* costs.csv: each cost item and the total, per period and over the whole window. */
static void write_costs(FILE *f, const scenario_t *sc, const model_plan_t *plan,
                        const model_result_t *res, double *v)
{
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
                put_field(f, sc->costs[i].component);
                fputc(',', f);
                put_field(f, sc->costs[i].item);
            } else {
                fputs("total,all", f);
            }
            for (int r = 0; r < sc->replications; r++) {
                const double *row = &res[r].cost[(size_t)k * nc];
                double x = 0;
                if (i < nc)
                    x = row[i];
                else
                    for (int j = 0; j < nc; j++)
                        x += row[j];
                v[r] = x;
            }
            put_summary(f, v, sc->replications);
        }
    }
}

/* One timeseries.csv row from the values of one (stage, metric, report) over
 * replications (v is reordered). */
static void ts_row(FILE *f, const scenario_t *sc, double day, const char *stage,
                   const char *metric, double *v, int n)
{
    char date[11];
    cal_format(sc->start + (long)floor(day), date);
    put_num(f, day);
    fprintf(f, ",%s,", date);
    put_field(f, stage);
    fputc(',', f);
    put_field(f, metric);
    if (n == 0) {
        fputs(",,,,,,\n", f);
        return;
    }
    double sum = 0; /* in replication order, before sorting */
    for (int i = 0; i < n; i++)
        sum += v[i];
    stats_sort(v, n);
    static const double q[] = {0.05, 0.25, 0.50, 0.75, 0.95};
    fputc(',', f);
    put_num(f, sum / n);
    for (int i = 0; i < 5; i++) {
        fputc(',', f);
        put_num(f, stats_quantile_sorted(v, n, q[i]));
    }
    fputc('\n', f);
}

static void write_timeseries(FILE *f, const scenario_t *sc, const model_plan_t *plan,
                             const model_result_t *res, double *v)
{
    int n = sc->replications, nr = plan->n_rows, np = sc->n_pools;
    fputs("day,date,stage,metric,mean,p05,p25,p50,p75,p95\n", f);
    for (int r = 0; r < nr; r++)
        for (int m = 0; m < MT_N; m++)
            for (int k = m == MT_ENTRIES ? 1 : 0; k < plan->n_reports; k++) {
                size_t idx = ((size_t)k * nr + (size_t)r) * MT_N + (size_t)m;
                int c = gather(res, n, ARR_TS, idx, v);
                ts_row(f, sc, plan->report_day[k], row_name(sc, r), model_ts_metric_names[m], v,
                       c);
            }
    for (int p = 0; p < np; p++)
        for (int m = 0; m < MPT_N; m++)
            for (int k = 0; k < plan->n_reports; k++) {
                size_t idx = ((size_t)k * np + (size_t)p) * MPT_N + (size_t)m;
                int c = gather(res, n, ARR_POOL_TS, idx, v);
                ts_row(f, sc, plan->report_day[k], sc->pools[p].name,
                       model_pool_ts_metric_names[m], v, c);
            }
}

static void rep_row(FILE *f, int rep, const char *metric, const char *stage, double x)
{
    fprintf(f, "%d,", rep);
    put_field(f, metric);
    fputc(',', f);
    put_field(f, stage);
    fputc(',', f);
    put_num(f, x);
    fputc('\n', f);
}

static int write_replications(FILE *f, const scenario_t *sc, const model_plan_t *plan,
                              const model_result_t *res)
{
    int nf = 0;
    fig_t *figs = figures(sc, plan, &nf);
    if (!figs)
        return -1;
    fputs("replication,metric,stage,value\n", f);
    for (int i = 0; i < sc->replications; i++)
        for (int j = 0; j < nf; j++)
            rep_row(f, i + 1, figs[j].metric, figs[j].stage, fig_value(sc, &res[i], &figs[j]));
    free(figs);
    return 0;
}

/* fit.csv. Items with no simulated value (outside [0, horizon]) are skipped and listed
 * in `skipped` ("label DATE, ..."); returns how many were skipped. */
static int write_fit(FILE *f, const scenario_t *sc, const model_result_t *res, double *v,
                     char *skipped, size_t skiplen)
{
    int n_skipped = 0;
    size_t used = 0;
    skipped[0] = '\0';
    fputs("date,stages,metric,observed,mean,ci95_low,ci95_high,pct_error\n", f);
    for (int j = 0; j < sc->n_observed; j++) {
        const scn_observed_t *o = &sc->observed[j];
        char date[11];
        cal_format(o->date, date);
        int c = gather(res, sc->replications, ARR_OBS, (size_t)j, v);
        if (c == 0) {
            if (used < skiplen) {
                int w = snprintf(skipped + used, skiplen - used, "%s%s %s",
                                 n_skipped ? ", " : "", o->label, date);
                if (w > 0)
                    used += (size_t)w;
            }
            n_skipped++;
            continue;
        }
        summ_t s;
        stats_summarise(v, c, &s);
        fprintf(f, "%s,", date);
        put_field(f, o->label);
        fputs(o->metric == SCN_OBS_ENTRIES ? ",entries," : ",stock,", f);
        put_num(f, o->value);
        fputc(',', f);
        put_num(f, s.mean);
        fputc(',', f);
        put_num(f, s.lo);
        fputc(',', f);
        put_num(f, s.hi);
        fputc(',', f);
        if (o->value != 0)
            put_num(f, 100.0 * (s.mean - o->value) / o->value);
        fputc('\n', f);
    }
    if (used >= skiplen && skiplen > 4)
        strcpy(skipped + skiplen - 4, "...");
    return n_skipped;
}

typedef struct run_facts {
    const char *sha;     /* scenario digest, hex, or "" */
    int threads;
    double wall;         /* seconds, start to results written */
    double sim_wall;     /* seconds spent simulating */
    uint64_t events;     /* over all replications */
    uint64_t children;   /* over all replications */
    double peak_rss_mb;
} run_facts_t;

static void write_manifest(FILE *f, const scenario_t *sc, const runner_opts_t *o,
                           const run_facts_t *rf)
{
    fputs("{\n  \"careflow_version\": ", f);
    put_json_str(f, CAREFLOW_VERSION);
    fputs(",\n  \"scenario\": ", f);
    put_json_str(f, sc->path);
    fputs(",\n  \"scenario_sha256\": ", f);
    put_json_str(f, rf->sha);
    fputs(",\n  \"name\": ", f);
    put_json_str(f, sc->name);
    fputs(",\n  \"title\": ", f);
    put_json_str(f, sc->title);
    fprintf(f, ",\n  \"seed\": %llu", (unsigned long long)sc->seed);
    fprintf(f, ",\n  \"replications\": %d", sc->replications);
    fprintf(f, ",\n  \"threads\": %d", rf->threads);
    fputs(",\n  \"command_line\": ", f);
    put_json_str(f, o->cmdline);
    fprintf(f, ",\n  \"wall_seconds\": %.3f", rf->wall);
    fprintf(f, ",\n  \"simulation_seconds\": %.3f", rf->sim_wall);
    fprintf(f, ",\n  \"events\": %llu", (unsigned long long)rf->events);
    fprintf(f, ",\n  \"events_per_second\": %.0f",
            rf->sim_wall > 0 ? (double)rf->events / rf->sim_wall : 0.0);
    fprintf(f, ",\n  \"children\": %llu", (unsigned long long)rf->children);
    fprintf(f, ",\n  \"peak_rss_mb\": %.1f\n}\n", rf->peak_rss_mb);
}

/* ---- writing everything ------------------------------------------------------------ */

enum { F_SUMMARY, F_TIMESERIES, F_REPLICATIONS, F_FIT, F_COSTS, F_MANIFEST, F_N };
static const char *const file_names[F_N] = {"summary.csv", "timeseries.csv",
                                            "replications.csv", "fit.csv", "costs.csv",
                                            "manifest.json"};

typedef struct outfile {
    char tmp[PATH_MAX];   /* temporary path */
    char final[PATH_MAX]; /* real path */
    int wanted;           /* this run writes it */
    int exists;           /* the temporary exists (to remove on failure) */
} outfile_t;

static int join_path(char *out, size_t len, const char *dir, const char *prefix,
                     const char *name, const char *suffix)
{
    size_t dl = strlen(dir);
    const char *sep = dl > 0 && dir[dl - 1] == '/' ? "" : "/";
    int w = snprintf(out, len, "%s%s%s%s%s", dir, sep, prefix, name, suffix);
    return w < 0 || (size_t)w >= len ? -1 : 0;
}

static void remove_temps(outfile_t *of)
{
    for (int i = 0; i < F_N; i++)
        if (of[i].exists) {
            unlink(of[i].tmp);
            of[i].exists = 0;
        }
}

/* Writes file i with the writer chosen by i. Returns 0, or -1 with err set. */
static int write_one(outfile_t *of, int i, const scenario_t *sc, const model_plan_t *plan,
                     const model_result_t *res, const runner_opts_t *o,
                     const run_facts_t *rf, double *v, char *skipped, size_t skiplen,
                     int *n_skipped, char *err, size_t errlen)
{
    FILE *f = fopen(of[i].tmp, "w");
    if (!f) {
        snprintf(err, errlen, "cannot write %s: %s", of[i].tmp, strerror(errno));
        return -1;
    }
    of[i].exists = 1;
    int nomem = 0;
    switch (i) {
    case F_SUMMARY: nomem = write_summary(f, sc, plan, res, v) != 0; break;
    case F_TIMESERIES: write_timeseries(f, sc, plan, res, v); break;
    case F_REPLICATIONS: nomem = write_replications(f, sc, plan, res) != 0; break;
    case F_COSTS: write_costs(f, sc, plan, res, v); break;
    case F_FIT: *n_skipped = write_fit(f, sc, res, v, skipped, skiplen); break;
    case F_MANIFEST: write_manifest(f, sc, o, rf); break;
    default: break;
    }
    int bad = ferror(f) || nomem;
    int saved = nomem ? ENOMEM : errno;
    if (fclose(f) != 0 && !bad) {
        bad = 1;
        saved = errno;
    }
    if (bad) {
        snprintf(err, errlen, "cannot write %s: %s", of[i].tmp, strerror(saved ? saved : EIO));
        return -1;
    }
    return 0;
}

static double peak_rss_mb(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0)
        return 0;
    return (double)ru.ru_maxrss / 1024.0; /* Linux: kilobytes */
}

/* Writes the CSVs and the manifest to temporaries, then renames them. */
static int write_outputs(const scenario_t *sc, const model_plan_t *plan,
                         const model_result_t *res, const runner_opts_t *o, run_facts_t *rf,
                         double t_start, char *err, size_t errlen)
{
    outfile_t of[F_N];
    char suffix[32], skipped[1024];
    int n_skipped = 0, rc = -1;
    double *v = malloc((size_t)sc->replications * sizeof *v);
    if (!v) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    memset(of, 0, sizeof of);
    skipped[0] = '\0';
    snprintf(suffix, sizeof suffix, ".tmp.%ld", (long)getpid());
    for (int i = 0; i < F_N; i++) {
        of[i].wanted = (i != F_FIT || sc->n_observed > 0) && (i != F_COSTS || sc->n_costs > 0);
        if (join_path(of[i].tmp, sizeof of[i].tmp, o->out_dir, ".", file_names[i], suffix) ||
            join_path(of[i].final, sizeof of[i].final, o->out_dir, "", file_names[i], "")) {
            snprintf(err, errlen, "output folder name too long: %s", o->out_dir);
            goto out;
        }
    }
    for (int i = 0; i < F_N; i++) {
        if (!of[i].wanted)
            continue;
        if (i == F_MANIFEST) {
            rf->wall = now_seconds() - t_start;
            rf->peak_rss_mb = peak_rss_mb();
        }
        if (write_one(of, i, sc, plan, res, o, rf, v, skipped, sizeof skipped, &n_skipped,
                      err, errlen) != 0)
            goto out;
    }
    if (got_signal) {
        snprintf(err, errlen, "interrupted by %s; no output written", signal_name(got_signal));
        goto out;
    }
    /* Commit: the manifest last, so its presence marks a complete set. */
    for (int i = 0; i < F_N; i++) {
        if (!of[i].wanted)
            continue;
        if (rename(of[i].tmp, of[i].final) != 0) {
            snprintf(err, errlen, "cannot rename %s to %s: %s", of[i].tmp, of[i].final,
                     strerror(errno));
            goto out;
        }
        of[i].exists = 0;
    }
    if (sc->n_observed == 0)
        unlink(of[F_FIT].final); /* an earlier run's fit.csv does not belong to these */
    if (sc->n_costs == 0)
        unlink(of[F_COSTS].final);
    if (n_skipped && !o->quiet)
        fprintf(stderr,
                "careflow: warning: %d observed item%s outside the simulated period "
                "skipped in fit.csv: %s\n",
                n_skipped, n_skipped == 1 ? "" : "s", skipped);
    rc = 0;
out:
    remove_temps(of);
    free(v);
    return rc;
}

/* Draws plots with `render` (plot_render or plot_render_compare); a failure is only a
 * warning, as the CSVs are the results. Returns 1 when drawn. */
typedef int (*render_fn)(const scenario_t *sc, const char *out_dir, const char *scripts_dir,
                         char *err, size_t errlen);

static int draw_plots(const scenario_t *sc, const char *out_dir, render_fn render)
{
    char dir[PATH_MAX], perr[512];
    const char *scripts = plot_scripts_dir(dir, sizeof dir);
    perr[0] = '\0';
    if (!scripts) {
        fprintf(stderr, "careflow: warning: plots not drawn: gnuplot scripts (plots/) not "
                        "found; set CAREFLOW_PLOTS (the CSVs are complete)\n");
        return 0;
    }
    if (render(sc, out_dir, scripts, perr, sizeof perr) != 0) {
        fprintf(stderr, "careflow: warning: plots: %s (the CSVs are complete)\n",
                perr[0] ? perr : "gnuplot failed");
        return 0;
    }
    return 1;
}

/* ---- the run ------------------------------------------------------------------------ */

int runner_run(scenario_t *sc, const runner_opts_t *o, char *err, size_t errlen)
{
    model_plan_t plan;
    model_result_t *res = NULL;
    int n = sc->replications, n_init = 0, rc = -1, have_plan = 0;
    int threads = o->threads < 1 ? 1 : o->threads > n ? n : o->threads;
    run_facts_t rf = {.sha = "", .threads = threads};
    char sha[65];
    sigsave_t sigs;
    double t_start = now_seconds();

    err[0] = '\0';
    signals_catch(&sigs);
    if (n < 1) {
        snprintf(err, errlen, "replications must be at least 1");
        goto out;
    }
    memset(&plan, 0, sizeof plan);
    if (model_plan_init(&plan, sc) != 0) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    have_plan = 1;
    res = calloc((size_t)n, sizeof *res);
    if (!res) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    for (; n_init < n; n_init++)
        if (model_result_init(&res[n_init], sc, &plan) != 0) {
            snprintf(err, errlen, "out of memory for %d replications", n);
            goto out;
        }

    double t_sim = now_seconds();
    if (simulate(sc, &plan, res, threads, !o->quiet && isatty(2), err, errlen) != 0)
        goto out;
    rf.sim_wall = now_seconds() - t_sim;
    for (int i = 0; i < n; i++) {
        rf.events += res[i].events;
        rf.children += res[i].children;
    }
    if (sha256_file_hex(sc->path, sha) == 0)
        rf.sha = sha;

    files_begun = 1; /* from here a signal is recorded and acted on between steps */
    if (got_signal) {
        snprintf(err, errlen, "interrupted by %s; no output written", signal_name(got_signal));
        goto out;
    }
    if (mkdir_p(o->out_dir) != 0) {
        snprintf(err, errlen, "cannot create folder %s: %s", o->out_dir, strerror(errno));
        goto out;
    }
    if (write_outputs(sc, &plan, res, o, &rf, t_start, err, errlen) != 0)
        goto out;

    int plotted = !o->no_plots && draw_plots(sc, o->out_dir, plot_render);
    if (got_signal) {
        snprintf(err, errlen, "interrupted by %s after the results were written to %s",
                 signal_name(got_signal), o->out_dir);
        goto out;
    }
    if (!o->quiet) {
        size_t dl = strlen(o->out_dir);
        fprintf(stderr,
                "wrote %s%s (summary.csv, timeseries.csv, replications.csv%s%s, manifest.json%s): "
                "%d replication%s, %llu events in %.2f s (%.1f M events/s)\n",
                o->out_dir, dl && o->out_dir[dl - 1] == '/' ? "" : "/",
                sc->n_observed > 0 ? ", fit.csv" : "", sc->n_costs > 0 ? ", costs.csv" : "",
                plotted ? ", plots/" : "", n,
                n == 1 ? "" : "s", (unsigned long long)rf.events, rf.wall,
                rf.sim_wall > 0 ? (double)rf.events / rf.sim_wall / 1e6 : 0.0);
    }
    rc = 0;
out:
    for (int i = 0; i < n_init; i++)
        model_result_free(&res[i]);
    free(res);
    if (have_plan)
        model_plan_free(&plan);
    signals_restore(&sigs);
    files_begun = 0;
    return rc;
}

/* ---- compare ------------------------------------------------------------------------ */

/* Writes f's text to dir/name through a temporary; returns 0 or -1 with err set. */
typedef void (*writer_fn)(FILE *f, void *ctx);

static int write_file(const char *dir, const char *name, writer_fn w, void *ctx, char *tmp,
                      size_t tmplen, char *err, size_t errlen)
{
    char suffix[32];
    snprintf(suffix, sizeof suffix, ".tmp.%ld", (long)getpid());
    if (join_path(tmp, tmplen, dir, ".", name, suffix)) {
        snprintf(err, errlen, "output folder name too long: %s", dir);
        return -1;
    }
    FILE *f = fopen(tmp, "w");
    if (!f) {
        snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
        tmp[0] = '\0';
        return -1;
    }
    w(f, ctx);
    int bad = ferror(f);
    if (fclose(f) != 0 || bad) {
        snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno ? errno : EIO));
        return -1;
    }
    return 0;
}

typedef struct cmp_run {
    scenario_t *sc;
    model_plan_t plan;
    model_result_t *res;
    int n_init;
    fig_t *figs;
    int n_figs;
} cmp_run_t;

typedef struct cmp_ctx {
    cmp_run_t *runs;
    int n;
    double *a, *b, *d; /* scratch, [replications] each */
} cmp_ctx_t;

/* The figure of run r named (metric, stage), or NULL. */
static const fig_t *fig_find(const cmp_run_t *r, const char *metric, const char *stage)
{
    for (int i = 0; i < r->n_figs; i++)
        if (!strcmp(r->figs[i].metric, metric) && !strcmp(r->figs[i].stage, stage))
            return &r->figs[i];
    return NULL;
}

/* One compare.csv row from paired per-replication values a (base) and b (alt), NaN
 * where missing; `ratio` rows give mean(b) / mean(a) as alt_mean and their interval
 * by the delta method (no unpaired interval). */
static void cmp_row(FILE *f, const char *metric, const char *stage, const double *a,
                    const double *b, int n, const char *alt, double *d)
{
    double *x = d, *y = d + n; /* base, alt values kept where both are defined */
    int k = 0;
    for (int i = 0; i < n; i++)
        if (!isnan(a[i]) && !isnan(b[i])) {
            x[k] = a[i];
            y[k] = b[i];
            k++;
        }
    put_field(f, metric);
    fputc(',', f);
    put_field(f, stage);
    if (k == 0) {
        fputs(",,,,,,,,0,", f);
        put_field(f, alt);
        fputc('\n', f);
        return;
    }
    summ_t sa, sb, sd;
    stats_summarise(x, k, &sa);
    stats_summarise(y, k, &sb);
    double *diff = d + 2 * n;
    for (int i = 0; i < k; i++)
        diff[i] = y[i] - x[i];
    stats_summarise(diff, k, &sd);
    /* unpaired (Welch) interval, for reference */
    double lo = NAN, hi = NAN;
    if (k > 1) {
        double va = sa.sd * sa.sd / k, vb = sb.sd * sb.sd / k, se = sqrt(va + vb);
        double df = (va + vb) * (va + vb) / (va * va / (k - 1) + vb * vb / (k - 1));
        int idf = !(df >= 1) ? k - 1 : df > 1e6 ? 1000000 : (int)df;
        double t = stats_t_quantile(0.975, idf);
        lo = sd.mean - t * se;
        hi = sd.mean + t * se;
        if (se == 0)
            lo = hi = sd.mean;
    }
    double v[7] = {sa.mean, sb.mean, sd.mean, sd.lo, sd.hi, lo, hi};
    for (int i = 0; i < 7; i++) {
        fputc(',', f);
        put_num(f, v[i]);
    }
    fprintf(f, ",%d,", k);
    put_field(f, alt);
    fputc('\n', f);
}

/* A ratio row: mean(num) / mean(den) over replications with a delta-method interval;
 * base_mean, alt_mean and the unpaired interval are left empty. */
static void ratio_row(FILE *f, const char *metric, const char *stage, const double *num,
                      const double *den, int n, const char *alt)
{
    double mx = 0, my = 0, vxx = 0, vyy = 0, vxy = 0;
    for (int i = 0; i < n; i++) {
        mx += num[i];
        my += den[i];
    }
    mx /= n;
    my /= n;
    for (int i = 0; i < n; i++) {
        vxx += (num[i] - mx) * (num[i] - mx);
        vyy += (den[i] - my) * (den[i] - my);
        vxy += (num[i] - mx) * (den[i] - my);
    }
    put_field(f, metric);
    fputc(',', f);
    put_field(f, stage);
    fputs(",,,", f);
    if (my != 0 && n > 1) {
        double r = mx / my;
        vxx /= n - 1;
        vyy /= n - 1;
        vxy /= n - 1;
        double var = (vxx - 2 * r * vxy + r * r * vyy) / (n * my * my);
        double t = stats_t_quantile(0.975, n - 1), se = sqrt(var > 0 ? var : 0);
        put_num(f, r);
        fputc(',', f);
        put_num(f, r - t * se);
        fputc(',', f);
        put_num(f, r + t * se);
    } else {
        fputs(",,", f);
    }
    fprintf(f, ",,,%d,", n);
    put_field(f, alt);
    fputc('\n', f);
}

static double comp_cost(const scenario_t *sc, const model_result_t *r, const char *component,
                        int strand, double years, size_t base)
{
    double s = 0;
    for (int i = 0; i < sc->n_costs; i++) {
        int is_strand = !strcmp(sc->costs[i].component, "strand");
        if (component ? !strcmp(sc->costs[i].component, component) : is_strand == strand)
            s += r->cost[base + (size_t)i];
    }
    return s / years;
}

static void write_compare(FILE *f, void *vctx)
{
    cmp_ctx_t *c = vctx;
    const cmp_run_t *b = &c->runs[0];
    int n = b->sc->replications;
    fputs("metric,stage,base_mean,alt_mean,diff_mean,diff_ci95_low,diff_ci95_high,"
          "unpaired_ci95_low,unpaired_ci95_high,replications,alt\n", f);
    for (int j = 1; j < c->n; j++) {
        const cmp_run_t *r = &c->runs[j];
        const char *alt = r->sc->name;
        /* the base's figures, then those only the alternative has; a strand or cost
         * figure that one side lacks is 0 there (no such strand, no such cost) */
        for (int pass = 0; pass < 2; pass++) {
            const cmp_run_t *own = pass ? r : b, *other = pass ? b : r;
            for (int i = 0; i < own->n_figs; i++) {
                const fig_t *fo = &own->figs[i], *ft = fig_find(other, fo->metric, fo->stage);
                if (pass && ft)
                    continue; /* written in the first pass */
                if (!ft && fo->kind == FIG_STAGE)
                    continue; /* a stage the other does not have */
                if (!ft && fo->kind == FIG_POOL)
                    continue;
                for (int k = 0; k < n; k++) {
                    double x = fig_value(own->sc, &own->res[k], fo);
                    double y = ft ? fig_value(other->sc, &other->res[k], ft) : isnan(x) ? NAN : 0;
                    c->a[k] = pass ? y : x;
                    c->b[k] = pass ? x : y;
                }
                cmp_row(f, fo->metric, fo->stage, c->a, c->b, n, alt, c->d);
            }
        }
        /* the economics, per year of the window */
        if (!b->sc->n_costs && !r->sc->n_costs)
            continue;
        double years = (b->sc->horizon - b->sc->warmup) / CAL_DAYS_PER_YEAR;
        size_t bb = (size_t)b->plan.n_periods * (size_t)b->sc->n_costs;
        size_t rb = (size_t)r->plan.n_periods * (size_t)r->sc->n_costs;
        double *invest = c->d + 3 * n, *saving = c->d + 4 * n, *avoided = c->d + 5 * n;
        for (int k = 0; k < n; k++) {
            c->a[k] = comp_cost(b->sc, &b->res[k], NULL, 0, years, bb) +
                      comp_cost(b->sc, &b->res[k], NULL, 1, years, bb);
            c->b[k] = comp_cost(r->sc, &r->res[k], NULL, 0, years, rb) +
                      comp_cost(r->sc, &r->res[k], NULL, 1, years, rb);
        }
        cmp_row(f, "net_cost_per_year", "all", c->a, c->b, n, alt, c->d);
        for (int k = 0; k < n; k++) {
            c->a[k] = comp_cost(b->sc, &b->res[k], NULL, 1, years, bb);
            c->b[k] = comp_cost(r->sc, &r->res[k], NULL, 1, years, rb);
            invest[k] = c->b[k] - c->a[k];
            saving[k] = comp_cost(b->sc, &b->res[k], NULL, 0, years, bb) -
                        comp_cost(r->sc, &r->res[k], NULL, 0, years, rb);
        }
        cmp_row(f, "strand_cost_per_year", "all", c->a, c->b, n, alt, c->d);
        int care = scenario_stage_index(b->sc, "care"), care_r = scenario_stage_index(r->sc, "care");
        if (care >= 0 && care_r >= 0) {
            for (int k = 0; k < n; k++) {
                c->a[k] = 0;
                c->b[k] = (b->res[k].stage[(size_t)care * MS_N + MS_AVG_STOCK] -
                           r->res[k].stage[(size_t)care_r * MS_N + MS_AVG_STOCK]) *
                          CAL_DAYS_PER_YEAR;
                avoided[k] = c->b[k];
            }
            cmp_row(f, "care_days_avoided_per_year", "care", c->a, c->b, n, alt, c->d);
            ratio_row(f, "cost_per_care_day_avoided", "care", invest, avoided, n, alt);
        }
        ratio_row(f, "benefit_cost_ratio", "all", saving, invest, n, alt);
    }
}

/* compare_timeseries.csv: the paired difference alt - base of each stage's stock and
 * waiting at each report instant, with percentiles over replications. */
static void write_compare_ts(FILE *f, void *vctx)
{
    cmp_ctx_t *c = vctx;
    const cmp_run_t *b = &c->runs[0];
    int n = b->sc->replications, nr = b->plan.n_rows;
    static const double q[] = {0.05, 0.25, 0.50, 0.75, 0.95};
    fputs("day,date,stage,metric,alt,base_mean,alt_mean,diff_mean,diff_p05,diff_p25,"
          "diff_p50,diff_p75,diff_p95\n", f);
    for (int j = 1; j < c->n; j++) {
        const cmp_run_t *r = &c->runs[j];
        for (int s = 0; s < nr; s++) {
            const char *stage = row_name(b->sc, s);
            int rs = s < b->sc->n_stages ? scenario_stage_index(r->sc, stage) : r->plan.n_rows - 1;
            if (rs < 0)
                continue;
            for (int m = 0; m < MT_N; m++) {
                if (m == MT_ENTRIES)
                    continue;
                for (int k = 0; k < b->plan.n_reports && k < r->plan.n_reports; k++) {
                    double sa = 0, sb = 0;
                    for (int i = 0; i < n; i++) {
                        double x = b->res[i].ts[((size_t)k * nr + (size_t)s) * MT_N + (size_t)m];
                        double y = r->res[i].ts[((size_t)k * r->plan.n_rows + (size_t)rs) * MT_N + (size_t)m];
                        sa += x;
                        sb += y;
                        c->d[i] = y - x;
                    }
                    char date[11];
                    cal_format(b->sc->start + (long)floor(b->plan.report_day[k]), date);
                    put_num(f, b->plan.report_day[k]);
                    fprintf(f, ",%s,", date);
                    put_field(f, stage);
                    fprintf(f, ",%s,", model_ts_metric_names[m]);
                    put_field(f, r->sc->name);
                    double mean_d = (sb - sa) / n;
                    stats_sort(c->d, n);
                    fputc(',', f);
                    put_num(f, sa / n);
                    fputc(',', f);
                    put_num(f, sb / n);
                    fputc(',', f);
                    put_num(f, mean_d);
                    for (int qi = 0; qi < 5; qi++) {
                        fputc(',', f);
                        put_num(f, stats_quantile_sorted(c->d, n, q[qi]));
                    }
                    fputc('\n', f);
                }
            }
        }
    }
}

int runner_compare(scenario_t **scs, int n_sc, const runner_opts_t *o, char *err, size_t errlen)
{
    cmp_run_t *runs = calloc((size_t)n_sc, sizeof *runs);
    cmp_ctx_t ctx = {.runs = runs, .n = n_sc};
    sigsave_t sigs;
    int rc = -1, n = scs[0]->replications;
    char tmp[2][PATH_MAX] = {"", ""};
    double t0 = now_seconds();
    uint64_t events = 0;
    err[0] = '\0';
    signals_catch(&sigs);
    if (!runs)
        goto nomem;
    ctx.a = malloc((size_t)n * sizeof *ctx.a);
    ctx.b = malloc((size_t)n * sizeof *ctx.b);
    ctx.d = malloc((size_t)n * 6 * sizeof *ctx.d);
    if (!ctx.a || !ctx.b || !ctx.d)
        goto nomem;
    for (int j = 0; j < n_sc; j++) {
        cmp_run_t *r = &runs[j];
        r->sc = scs[j];
        int threads = o->threads < 1 ? 1 : o->threads > n ? n : o->threads;
        if (model_plan_init(&r->plan, r->sc) != 0 || !(r->res = calloc((size_t)n, sizeof *r->res)))
            goto nomem;
        for (; r->n_init < n; r->n_init++)
            if (model_result_init(&r->res[r->n_init], r->sc, &r->plan) != 0)
                goto nomem;
        if (!(r->figs = figures(r->sc, &r->plan, &r->n_figs)))
            goto nomem;
        if (!o->quiet)
            fprintf(stderr, "simulating %s (%d of %d)\n", r->sc->name, j + 1, n_sc);
        if (simulate(r->sc, &r->plan, r->res, threads, !o->quiet && isatty(2), err, errlen) != 0)
            goto out;
        for (int i = 0; i < n; i++)
            events += r->res[i].events;
    }
    files_begun = 1;
    if (mkdir_p(o->out_dir) != 0) {
        snprintf(err, errlen, "cannot create folder %s: %s", o->out_dir, strerror(errno));
        goto out;
    }
    if (write_file(o->out_dir, "compare.csv", write_compare, &ctx, tmp[0], sizeof tmp[0], err, errlen) != 0 ||
        write_file(o->out_dir, "compare_timeseries.csv", write_compare_ts, &ctx, tmp[1], sizeof tmp[1], err,
                   errlen) != 0)
        goto out;
    if (got_signal) {
        snprintf(err, errlen, "interrupted by %s; no output written", signal_name(got_signal));
        goto out;
    }
    static const char *const names[2] = {"compare.csv", "compare_timeseries.csv"};
    for (int i = 0; i < 2; i++) {
        char final[PATH_MAX];
        if (join_path(final, sizeof final, o->out_dir, "", names[i], "") || rename(tmp[i], final) != 0) {
            snprintf(err, errlen, "cannot rename %s: %s", tmp[i], strerror(errno));
            goto out;
        }
        tmp[i][0] = '\0';
    }
    int plotted = !o->no_plots && draw_plots(scs[0], o->out_dir, plot_render_compare);
    if (!o->quiet)
        fprintf(stderr, "wrote %s%s (compare.csv, compare_timeseries.csv%s): %d scenarios x %d "
                        "replications with common random numbers, %llu events in %.2f s\n",
                o->out_dir, o->out_dir[0] && o->out_dir[strlen(o->out_dir) - 1] == '/' ? "" : "/",
                plotted ? ", plots/" : "", n_sc, n, (unsigned long long)events, now_seconds() - t0);
    rc = 0;
    goto out;
nomem:
    snprintf(err, errlen, "out of memory");
out:
    for (int i = 0; i < 2; i++)
        if (tmp[i][0])
            unlink(tmp[i]);
    if (runs)
        for (int j = 0; j < n_sc; j++) {
            for (int i = 0; i < runs[j].n_init; i++)
                model_result_free(&runs[j].res[i]);
            free(runs[j].res);
            free(runs[j].figs);
            model_plan_free(&runs[j].plan);
        }
    free(runs);
    free(ctx.a);
    free(ctx.b);
    free(ctx.d);
    signals_restore(&sigs);
    files_begun = 0;
    return rc;
}

/* ---- shared with models/sensitivity.c (runner.h, "runner__") ------------------------ */

void runner__signals_catch(runner__sigsave_t *s) { signals_catch(s); }
void runner__signals_restore(const runner__sigsave_t *s) { signals_restore(s); }

int runner__signal(void) { return got_signal; }
void runner__files_begun(void) { files_begun = 1; }
const char *runner__signal_name(int sig) { return signal_name(sig); }
double runner__now(void) { return now_seconds(); }
void runner__put_field(FILE *f, const char *s) { put_field(f, s); }
void runner__put_num(FILE *f, double x) { put_num(f, x); }
void runner__put_json_str(FILE *f, const char *s) { put_json_str(f, s); }
int runner__mkdir_p(const char *path) { return mkdir_p(path); }

int runner__join_path(char *out, size_t len, const char *dir, const char *prefix,
                      const char *name, const char *suffix)
{
    return join_path(out, len, dir, prefix, name, suffix);
}

int runner__write_file(const char *dir, const char *name, runner__writer_fn w, void *ctx,
                       char *tmp, size_t tmplen, char *err, size_t errlen)
{
    return write_file(dir, name, w, ctx, tmp, tmplen, err, errlen);
}

void runner__bar_draw(double frac, int done, int n, const char *what, double elapsed,
                      int *width)
{
    bar_draw_what(frac, done, n, what, elapsed, width);
}

int runner__figure_find(const scenario_t *sc, const model_plan_t *plan, const char *metric,
                        const char *stage)
{
    int nf = 0, at = -1;
    fig_t *figs = figures(sc, plan, &nf);
    if (!figs)
        return -2;
    for (int i = 0; i < nf && at < 0; i++)
        if (!strcmp(figs[i].metric, metric) && !strcmp(figs[i].stage, stage))
            at = i;
    free(figs);
    return at;
}

int runner__figure_values(const scenario_t *sc, const model_plan_t *plan,
                          const model_result_t *r, const int *idx, int n, double *v)
{
    int nf = 0;
    fig_t *figs = figures(sc, plan, &nf);
    if (!figs)
        return -1;
    for (int i = 0; i < n; i++)
        v[i] = idx[i] >= 0 && idx[i] < nf ? fig_value(sc, r, &figs[idx[i]]) : NAN;
    free(figs);
    return 0;
}

int runner__figure_names(const scenario_t *sc, const model_plan_t *plan, char *buf,
                         size_t len, const char *metric)
{
    int nf = 0;
    size_t at = 0;
    fig_t *figs = figures(sc, plan, &nf);
    if (!figs)
        return -1;
    buf[0] = 0;
    for (int i = 0; i < nf; i++) {
        if (metric && strcmp(figs[i].metric, metric) != 0)
            continue;
        int w = snprintf(buf + at, len - at, "%s%s:%s", at ? ", " : "", figs[i].metric,
                         figs[i].stage);
        if (w < 0 || (size_t)w >= len - at) {
            if (len > 4)
                strcpy(buf + len - 4, "...");
            break;
        }
        at += (size_t)w;
    }
    free(figs);
    return 0;
}
