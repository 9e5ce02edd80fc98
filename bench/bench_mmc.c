/* bench_mmc.c: careflow against a bare hand-written C loop, in the same process.
 *
 * The work: an M/M/10 queue at 90% utilisation with 1,000,000 arrivals (900 a day,
 * mean service 0.01 day, 10 workers, 1111.11 days). The reference is the smallest
 * honest C program for it: a binary heap of (time, kind) events, a FIFO ring of
 * waiting arrival times, and the same statistics (mean wait, time-average queue).
 * careflow does the same from scenarios/examples/mm10-bench.yaml, through the YAML
 * loader, the model and the CSV writers. They are timed in 5 pairs (one of each, in
 * turn); the medians, and the median of the 5 paired ratios with its range, are
 * printed. The two must agree on the mean wait (Erlang C: 0.006687 day). The
 * reference's draws alone (two uniforms and two logs a customer) are timed in each
 * round too, to show what its event loop costs besides them. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "models/commands/run.h"
#include "models/scenario/scenario.h"
#include "sim/rng.h"
#include "sim/progress.h"

#define REPEATS 5

/* ---- the reference: a binary heap loop ---- */

typedef struct ev {
    double t;
    unsigned long seq;
    int kind; /* 0 arrival, 1 departure */
} ev_t;

typedef struct ref {
    ev_t *h;
    size_t n;
    unsigned long seq;
} ref_t;

static int ev_less(const ev_t *a, const ev_t *b)
{
    return a->t < b->t || (a->t == b->t && a->seq < b->seq);
}

static void ref_push(ref_t *r, double t, int kind)
{
    size_t i = r->n++;
    ev_t e = {t, r->seq++, kind};
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!ev_less(&e, &r->h[p])) break;
        r->h[i] = r->h[p];
        i = p;
    }
    r->h[i] = e;
}

static ev_t ref_pop(ref_t *r)
{
    ev_t top = r->h[0], last = r->h[--r->n];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= r->n) break;
        if (c + 1 < r->n && ev_less(&r->h[c + 1], &r->h[c])) c++;
        if (!ev_less(&r->h[c], &last)) break;
        r->h[i] = r->h[c];
        i = c;
    }
    if (r->n) r->h[i] = last;
    return top;
}

/* Returns the mean wait; *events gets the events processed. */
static double reference_mmc(long arrivals, double lambda, double mean_s, int c,
                            unsigned long *events)
{
    rng_t rng;
    rng_seed(&rng, 42, 54);
    ref_t r = {malloc(sizeof(ev_t) * (size_t)(c + 16)), 0, 0};
    size_t qcap = 1 << 20, qh = 0, qt = 0;
    double *q = malloc(qcap * sizeof *q);
    double now = 0, wait_sum = 0, qarea = 0, last = 0;
    long served = 0, made = 0;
    int busy = 0;
    unsigned long n_ev = 0;
    ref_push(&r, -log(rng_uniform(&rng)) / lambda, 0);
    made = 1;
    while (r.n) {
        ev_t e = ref_pop(&r);
        n_ev++;
        qarea += (double)(qt - qh) * (e.t - last);
        last = now = e.t;
        if (e.kind == 0) {
            if (busy < c) {
                busy++;
                served++;
                ref_push(&r, now - mean_s * log(rng_uniform(&rng)), 1);
            } else {
                if (qt - qh == qcap) abort();
                q[qt++ % qcap] = now;
            }
            if (made < arrivals) {
                ref_push(&r, now - log(rng_uniform(&rng)) / lambda, 0);
                made++;
            }
        } else if (qt > qh) {
            wait_sum += now - q[qh++ % qcap];
            served++;
            ref_push(&r, now - mean_s * log(rng_uniform(&rng)), 1);
        } else {
            busy--;
        }
    }
    free(r.h);
    free(q);
    *events = n_ev;
    (void)qarea;
    return wait_sum / (double)served;
}

/* The reference's draws and nothing else: an arrival gap and a service time per
 * customer (a uniform and a log each), summed so that none is optimised away. */
static double reference_draws(long arrivals, double lambda, double mean_s)
{
    rng_t rng;
    rng_seed(&rng, 42, 54);
    double sum = 0;
    for (long i = 0; i < arrivals; i++) {
        sum += -log(rng_uniform(&rng)) / lambda;
        sum += -mean_s * log(rng_uniform(&rng));
    }
    return sum;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *x, int n)
{
    qsort(x, (size_t)n, sizeof *x, cmp_double);
    return n % 2 ? x[n / 2] : 0.5 * (x[n / 2 - 1] + x[n / 2]);
}

int main(int argc, char **argv)
{
    const char *yaml = argc > 1 ? argv[1] : "scenarios/examples/mm10-bench.yaml";
    double tr[REPEATS], tc[REPEATS], td[REPEATS], w = 0, sink = 0;
    unsigned long ev = 0;
    char dir[] = "/tmp/careflow-bench-XXXXXX";
    if (!mkdtemp(dir)) return 1;
    for (int i = 0; i < REPEATS; i++) {
        double t0 = progress_now();
        w = reference_mmc(1000000, 900, 0.01, 10, &ev);
        tr[i] = progress_now() - t0;
        t0 = progress_now();
        sink += reference_draws(1000000, 900, 0.01);
        td[i] = progress_now() - t0;

        t0 = progress_now();
        scenario_t *sc = NULL;
        char err[512];
        if (scenario_load(yaml, NULL, 0, &sc, err, sizeof err) != 0) {
            fprintf(stderr, "%s\n", err);
            return 1;
        }
        sc->replications = 1;
        run_opts_t o = {.threads = 1, .out_dir = dir, .no_plots = 1, .quiet = 1,
                        .cmdline = "bench"};
        if (run_scenario(sc, &o, err, sizeof err) != 0) {
            fprintf(stderr, "%s\n", err);
            return 1;
        }
        scenario_free(sc);
        tc[i] = progress_now() - t0;
    }
    double ratio[REPEATS];
    for (int i = 0; i < REPEATS; i++) ratio[i] = tc[i] / tr[i];
    double mr = median(tr, REPEATS), mc = median(tc, REPEATS), mq = median(ratio, REPEATS);
    double md = median(td, REPEATS);
    /* median sorted each array: [0] and [REPEATS - 1] are the range */
    printf("M/M/10 at 90%%, 1,000,000 arrivals (%d paired runs: median, min-max)\n", REPEATS);
    printf("  reference C binary-heap loop: %.3f s (%.3f-%.3f)  (%.1f M events/s, mean wait %.5f d)\n",
           mr, tr[0], tr[REPEATS - 1], (double)ev / mr / 1e6, w);
    printf("  its draws alone:              %.3f s (%.3f-%.3f)  (everything else: %.0f ns an event)\n",
           md, td[0], td[REPEATS - 1], 1e9 * (mr - md) / (double)ev);
    printf("  careflow, YAML to CSV:        %.3f s (%.3f-%.3f)\n", mc, tc[0], tc[REPEATS - 1]);
    printf("  ratio careflow / reference:   %.2f (%.2f-%.2f)  (target: at most 1.5)\n", mq,
           ratio[0], ratio[REPEATS - 1]);
    if (sink == 12345.678) printf("(%g)\n", sink); /* keeps the draws */
    /* the outputs are not wanted: remove them */
    const char *files[] = {"summary.csv", "timeseries.csv", "replications.csv", "manifest.json"};
    char path[512];
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        unlink(path);
    }
    rmdir(dir);
    snprintf(path, sizeof path, "/tmp/.%s.lock", dir + 5); /* beside it (sim/outtx.h) */
    unlink(path);
    return 0;
}
