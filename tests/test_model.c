/* test_model.c: the pathway model against truths nobody here wrote: Erlang C for a pool
 * of c workers, Cobham's formula for non-preemptive priorities, Little's law and the
 * traffic equations of networks with loops (M/G/infinity stages, every duration family),
 * the steady state of a system started at equilibrium, conservation of children,
 * ageing out, odds adjustments, and arrival rates with trend and profile. Then the
 * failures: a bad event time is reported as such, not as out of memory. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "models/pathway/model.h"
#include "models/scenario/scenario.h"
#include "sim/err.h"
#include "tests/runs.h"

/* ---------------------------------------------------------------------------------- */
/* Erlang C: a pool of c workers, Poisson arrivals, exponential service.                */

static double erlang_c(int c, double a)
{
    /* probability of waiting, from the Erlang B recursion */
    double b = 1;
    for (int k = 1; k <= c; k++) b = a * b / (k + a * b);
    return c * b / (c - a * (1 - b));
}

static void test_erlang_c_pool(void **state)
{
    (void)state;
    /* c = 5 workers, lambda = 4 a day, mean service 1 day: a = 4, rho = 0.8 */
    runs_t R;
    runs_do(&R, "version: 1\nname: mmc\nstart: 2020-01-01\nhorizon_days: 20000\n"
                "warmup_days: 1000\nreplications: 12\nseed: 7\nmax_age: 1000000\n"
                "report_every_days: 1000\n"
                "stages:\n  service:\n    duration: {dist: exponential, mean: 1}\n"
                "    next: {exit: 1}\n"
                "arrivals:\n  - {name: in, to: service, per_day: 4, age: {dist: fixed, value: 1}}\n"
                "pools:\n  team:\n    workers: 5\n    caseload_cap: 1\n    serves: {service: 1}\n");
    int c = 5;
    double lambda = 4, mu = 1, a = lambda / mu;
    double pw = erlang_c(c, a);
    double wq = pw / (c * mu - lambda), lq = lambda * wq;
    assert_near("Erlang C mean wait (days)", stage_metric(&R, "service", MS_MEAN_WAIT), wq, 4, 0.02);
    assert_near("Erlang C queue length", stage_metric(&R, "service", MS_AVG_WAITING), lq, 4, 0.02);
    assert_near("utilisation", pool_metric(&R, 0, MP_AVG_UTILISATION), a / c, 4, 0.005);
    assert_near("caseload per worker", pool_metric(&R, 0, MP_AVG_CASELOAD), a / c, 4, 0.005);
    assert_near("L = Lq + a", stage_metric(&R, "service", MS_AVG_STOCK), lq + a, 4, 0.02);
    assert_near("W = Wq + 1/mu", stage_metric(&R, "service", MS_MEAN_DURATION), wq + 1 / mu, 4,
                0.02);
    runs_free(&R);
}

/* Weighted cases: weight 2 per case with caseload_cap 2 and absence 0.5 on 10 workers
 * is the same M/M/5 queue as above (capacity 10 x 0.5 x 2 = 10 weight = 5 cases). */
static void test_erlang_c_weighted_absence(void **state)
{
    (void)state;
    runs_t R;
    runs_do(&R, "version: 1\nname: mmcw\nstart: 2020-01-01\nhorizon_days: 20000\n"
                "warmup_days: 1000\nreplications: 12\nseed: 8\nmax_age: 1000000\n"
                "report_every_days: 1000\n"
                "stages:\n  service:\n    duration: {dist: exponential, mean: 1}\n"
                "arrivals:\n  - {name: in, to: service, per_day: 4, age: {dist: fixed, value: 1}}\n"
                "pools:\n  team:\n    workers: 10\n    absence: 0.5\n    caseload_cap: 2\n"
                "    serves: {service: 2}\n");
    double wq = erlang_c(5, 4) / (5 - 4.0);
    assert_near("weighted Erlang C wait", stage_metric(&R, "service", MS_MEAN_WAIT), wq, 4, 0.02);
    /* each worker available holds used / available = 2 x 4 / 5 weight */
    assert_near("caseload per available worker", pool_metric(&R, 0, MP_AVG_CASELOAD), 8.0 / 5, 4,
                0.005);
    runs_free(&R);
}

/* Cobham: non-preemptive priority M/M/1, classes hi (0.3/day) and lo (0.5/day), mean
 * service 1 day: W0 = sum lambda E[S^2] / 2 = 0.8; Wq_hi = W0 / (1 - 0.3) and
 * Wq_lo = W0 / ((1 - 0.3)(1 - 0.8)). */
static void test_priority_cobham(void **state)
{
    (void)state;
    runs_t R;
    runs_do(&R, "version: 1\nname: prio\nstart: 2020-01-01\nhorizon_days: 40000\n"
                "warmup_days: 1000\nreplications: 12\nseed: 9\nmax_age: 1000000\n"
                "report_every_days: 1000\n"
                "stages:\n"
                "  hi: {duration: {dist: exponential, mean: 1}}\n"
                "  lo: {duration: {dist: exponential, mean: 1}}\n"
                "arrivals:\n"
                "  - {name: a, to: hi, per_day: 0.3, age: {dist: fixed, value: 1}}\n"
                "  - {name: b, to: lo, per_day: 0.5, age: {dist: fixed, value: 1}}\n"
                "pools:\n  team:\n    workers: 1\n    caseload_cap: 1\n"
                "    serves: {lo: 1, hi: 1}\n    priority: [hi, lo]\n");
    double w0 = 0.8;
    assert_near("Cobham wait, high priority", stage_metric(&R, "hi", MS_MEAN_WAIT), w0 / 0.7, 4,
                0.03);
    assert_near("Cobham wait, low priority", stage_metric(&R, "lo", MS_MEAN_WAIT),
                w0 / (0.7 * 0.2), 4, 0.03);
    runs_free(&R);
}

/* Without `priority`, the pool is one FIFO: both classes wait as in M/M/1,
 * Wq = rho / (mu - lambda) = 0.8 / 0.2 = 4 days. */
static void test_fifo_without_priority(void **state)
{
    (void)state;
    runs_t R;
    runs_do(&R, "version: 1\nname: fifo\nstart: 2020-01-01\nhorizon_days: 40000\n"
                "warmup_days: 1000\nreplications: 12\nseed: 10\nmax_age: 1000000\n"
                "report_every_days: 1000\n"
                "stages:\n"
                "  hi: {duration: {dist: exponential, mean: 1}}\n"
                "  lo: {duration: {dist: exponential, mean: 1}}\n"
                "arrivals:\n"
                "  - {name: a, to: hi, per_day: 0.3, age: {dist: fixed, value: 1}}\n"
                "  - {name: b, to: lo, per_day: 0.5, age: {dist: fixed, value: 1}}\n"
                "pools:\n  team:\n    workers: 1\n    caseload_cap: 1\n"
                "    serves: {lo: 1, hi: 1}\n");
    assert_near("FIFO wait hi", stage_metric(&R, "hi", MS_MEAN_WAIT), 4, 4, 0.03);
    assert_near("FIFO wait lo", stage_metric(&R, "lo", MS_MEAN_WAIT), 4, 4, 0.03);
    runs_free(&R);
}

/* ---------------------------------------------------------------------------------- */
/* Little's law and the traffic equations, for every duration family.                  */

/* Network: referral -> a; a -> b 0.6 / exit 0.4; b -> a 0.3 (a loop) / c 0.5 / exit 0.2;
 * c -> exit. lambda0 = 2 a day. Traffic: la = l0 + 0.3 lb, lb = 0.6 la, lc = 0.5 lb:
 * la = l0 / (1 - 0.18), lb = 0.6 la, lc = 0.5 lb. Stages have no pool: M/G/infinity,
 * so L = lambda E[D] whatever the family. */
typedef struct family {
    const char *name; /* for messages */
    const char *dur;  /* YAML of a duration with mean 30 days */
} family_t;

static const family_t families[] = {
    {"exponential", "{dist: exponential, mean: 30}"},
    {"gamma", "{dist: gamma, mean: 30, sd: 12}"},
    {"lognormal", "{dist: lognormal, mean: 30, sd: 45}"},
    {"weibull", "{dist: weibull, shape: 1.5, scale: 33.2398}"}, /* mean 30.0066 */
    {"uniform", "{dist: uniform, min: 10, max: 50}"},
    {"fixed", "{dist: fixed, value: 30}"},
    {"empirical", "{dist: empirical, cdf: [[0, 0], [20, 0.5], [40, 1]]}"}, /* mean 20 */
};

static void test_little_traffic_all_families(void **state)
{
    (void)state;
    double l0 = 2, la = l0 / (1 - 0.18), lb = 0.6 * la, lc = 0.5 * lb;
    for (size_t f = 0; f < sizeof families / sizeof families[0]; f++) {
        char yaml[2048];
        snprintf(yaml, sizeof yaml,
                 "version: 1\nname: net\nstart: 2020-01-01\nhorizon_days: 4000\n"
                 "replications: 10\nseed: 11\nmax_age: 1000000\nreport_every_days: 500\n"
                 "stages:\n"
                 "  a: {duration: %s, next: {b: 0.6, exit: 0.4}}\n"
                 "  b: {duration: %s, next: {a: 0.3, c: 0.5, exit: 0.2}}\n"
                 "  c: {duration: %s, next: {exit: 1}}\n"
                 "arrivals:\n  - {name: in, to: a, per_day: 2, age: {dist: fixed, value: 1}}\n"
                 "initial: {a: %d, b: %d, c: %d}\n",
                 families[f].dur, families[f].dur, families[f].dur, 0, 0, 0);
        /* first pass: the mean duration as the model's dist says */
        runs_t R;
        runs_do(&R, yaml);
        double mean = dist_mean(&R.sc->stages[0].duration);
        runs_free(&R);
        /* second pass: started at the steady state, so no warm-up is needed */
        snprintf(yaml, sizeof yaml,
                 "version: 1\nname: net\nstart: 2020-01-01\nhorizon_days: 4000\nwarmup_days: 300\n"
                 "replications: 10\nseed: 11\nmax_age: 1000000\nreport_every_days: 500\n"
                 "stages:\n"
                 "  a: {duration: %s, next: {b: 0.6, exit: 0.4}}\n"
                 "  b: {duration: %s, next: {a: 0.3, c: 0.5, exit: 0.2}}\n"
                 "  c: {duration: %s, next: {exit: 1}}\n"
                 "arrivals:\n  - {name: in, to: a, per_day: 2, age: {dist: fixed, value: 1}}\n"
                 "initial: {a: %d, b: %d, c: %d}\n",
                 families[f].dur, families[f].dur, families[f].dur, (int)lround(la * mean),
                 (int)lround(lb * mean), (int)lround(lc * mean));
        runs_do(&R, yaml);
        const char *st[] = {"a", "b", "c"};
        double lam[] = {la, lb, lc};
        for (int s = 0; s < 3; s++) {
            char what[128];
            snprintf(what, sizeof what, "%s: entries per year of %s", families[f].name, st[s]);
            assert_near(what, stage_metric(&R, st[s], MS_ENTRIES), lam[s] * 365.25, 4, 0.01);
            snprintf(what, sizeof what, "%s: L = lambda E[D] for %s", families[f].name, st[s]);
            assert_near(what, stage_metric(&R, st[s], MS_AVG_STOCK), lam[s] * mean, 4, 0.01);
            snprintf(what, sizeof what, "%s: mean duration of %s", families[f].name, st[s]);
            assert_near(what, stage_metric(&R, st[s], MS_MEAN_DURATION), mean, 4, 0.01);
        }
        /* Little's law for the whole system: L = lambda0 W */
        est_t L = stage_metric(&R, "all", MS_AVG_STOCK);
        est_t W = stage_metric(&R, "all", MS_MEAN_DURATION);
        char what[128];
        snprintf(what, sizeof what, "%s: Little's law for all", families[f].name);
        est_t diff = {L.mean - l0 * W.mean, sqrt(L.se * L.se + l0 * l0 * W.se * W.se)};
        assert_near(what, diff, 0, 4, 0);
        if (!(fabs(diff.mean) <= 0.01 * L.mean + 4 * diff.se)) fail_msg("%s", what);
        runs_free(&R);
    }
}

/* ---------------------------------------------------------------------------------- */
/* A system started at its steady state stays there; started fresh it does not.        */

static void test_equilibrium_start_stays(void **state)
{
    (void)state;
    /* fixed durations of 100 days, 5 arrivals a day: L = 500. Started fresh, no initial
     * child leaves before day 100 while arrivals pile up (950 by day 90), then all 500
     * leave at once; at equilibrium the stock stays at 500 at every report instant. */
    char yaml[1024];
    for (int fresh = 0; fresh <= 1; fresh++) {
        snprintf(yaml, sizeof yaml,
                 "version: 1\nname: eq\nstart: 2020-01-01\nhorizon_days: 300\n"
                      "replications: 20\nseed: 12\nmax_age: 1000000\nreport_every_days: 10\n"
                      "stages:\n  s: {duration: {dist: fixed, value: 100}}\n"
                      "arrivals:\n  - {name: in, to: s, per_day: 5, age: {dist: fixed, value: 1}}\n"
                      "initial:\n  s: {count: 500, elapsed: %s}\n",
                 fresh ? "fresh" : "equilibrium");
        runs_t R;
        runs_do(&R, yaml);
        double worst = 0;
        for (int k = 0; k < R.plan.n_reports; k++) {
            double x[256] = {0};
            for (int i = 0; i < R.n; i++)
                x[i] = R.r[i].ts[((size_t)k * R.plan.n_rows + 0) * MT_N + MT_STOCK];
            est_t e = summarise(x, R.n);
            double dev = fabs(e.mean - 500) / 500;
            if (dev > worst) worst = dev;
        }
        if (fresh) assert_true(worst > 0.3);   /* the pile-up before day 100 */
        else assert_true(worst < 0.03);        /* within 3% at every instant */
        runs_free(&R);
    }
}

/* ---------------------------------------------------------------------------------- */
/* Conservation: entries = exits + change in stock, for every stage and `all`.          */

static void test_conservation(void **state)
{
    (void)state;
    runs_t R;
    runs_do(&R, "version: 1\nname: cons\nstart: 2020-01-01\nhorizon_days: 730.5\n"
                "replications: 3\nseed: 13\nreport_every_days: month\n"
                "stages:\n"
                "  referral: {open_case: false, duration: {dist: fixed, value: 1},"
                " next: {assessment: 0.7, exit: 0.3}}\n"
                "  assessment: {duration: {dist: gamma, mean: 35, sd: 15},"
                " next: {cin: 0.5, cp: 0.1, referral: 0.1, exit: 0.3}}\n"
                "  cin: {duration: {dist: lognormal, mean: 200, sd: 150},"
                " next: {cp: 0.1, care: 0.05, exit: 0.85}}\n"
                "  cp: {duration: {dist: weibull, shape: 1.2, scale: 300},"
                " next: {cin: 0.6, care: 0.2, exit: 0.2}}\n"
                "  care: {duration: {dist: exponential, mean: 900}}\n"
                "arrivals:\n  - {name: r, to: referral, per_year: 3000}\n"
                "initial: {cin: 400, cp: 80, care: 200}\n"
                "pools:\n  teams:\n    workers: 20\n    caseload_cap: 18\n"
                "    serves: {assessment: 0.5, cin: 1, cp: 1.5}\n    priority: [cp, cin]\n");
    double years = 730.5 / 365.25;
    for (int i = 0; i < R.n; i++) {
        for (int s = 0; s < R.plan.n_rows; s++) {
            const double *o = &R.r[i].stage[(size_t)s * MS_N];
            double initial = R.r[i].ts[(size_t)s * MT_N + MT_STOCK];
            double in = o[MS_ENTRIES] * years, out = o[MS_EXITS] * years;
            if (fabs(in - out - (o[MS_FINAL_STOCK] - initial)) > 1e-6)
                fail_msg("row %d: entries %.1f - exits %.1f != final %.0f - initial %.0f", s,
                         in, out, o[MS_FINAL_STOCK], initial);
        }
        /* the time series' entries add up to the window's entries */
        for (int s = 0; s < R.plan.n_rows; s++) {
            double sum = 0;
            for (int k = 1; k < R.plan.n_reports; k++)
                sum += R.r[i].ts[((size_t)k * R.plan.n_rows + s) * MT_N + MT_ENTRIES];
            double in = R.r[i].stage[(size_t)s * MS_N + MS_ENTRIES] * years;
            /* the last report is the last month end, the window runs to the horizon */
            assert_true(sum <= in + 1e-6);
        }
        /* the `all` row is the sum of the open-case stages */
        double all = R.r[i].stage[(size_t)R.sc->n_stages * MS_N + MS_FINAL_STOCK], sum = 0;
        for (int s = 0; s < R.sc->n_stages; s++)
            if (R.sc->stages[s].open_case) sum += R.r[i].stage[(size_t)s * MS_N + MS_FINAL_STOCK];
        assert_true(fabs(all - sum) < 1e-9);
        /* no pool takes a newcomer above its capacity (20 x 18 = 360): the open cases
         * of day 0 (400 + 1.5 x 80 = 520 weighted) start allocated above it, and the
         * pool is never above that */
        assert_true(R.r[i].pool[MP_AVG_USED] <= 520 + 1e-9);
    }
    runs_free(&R);
}

/* Open cases on the start date are already allocated: 20 cases in a pool of capacity 10
 * all hold their places from day 0 (nobody waits then), each for its fixed 100 days
 * (elapsed: fresh); every newcomer waits while the pool is above capacity, so the
 * waiting list at day 90 holds every arrival since day 0 and, when the 20 leave at day
 * 100, the first 10 waiting are allocated at once. */
static void test_open_cases_start_allocated(void **state)
{
    (void)state;
    runs_t R;
    runs_do(&R, "version: 1\nname: alloc\nstart: 2020-01-01\nhorizon_days: 150\n"
                "replications: 2\nseed: 5\nreport_every_days: 10\nmax_age: 1000\n"
                "stages:\n  s: {duration: {dist: fixed, value: 100}, next: {exit: 1}}\n"
                "arrivals:\n  - {name: r, to: s, per_day: 1, age: {dist: fixed, value: 0}}\n"
                "initial:\n  s: {count: 20, elapsed: fresh}\n"
                "pools:\n  p: {workers: 10, caseload_cap: 1, serves: {s: 1}}\n");
    for (int i = 0; i < R.n; i++) {
        const double *ts = R.r[i].ts; /* one stage row and `all`: rows = 2 */
        int rows = R.plan.n_rows;
        assert_true(ts[(0 * (size_t)rows + 0) * MT_N + MT_WAITING] == 0); /* day 0 */
        assert_true(ts[(0 * (size_t)rows + 0) * MT_N + MT_STOCK] == 20);
        assert_true(R.r[i].pool_ts[0 * MPT_N + MPT_USED] == 20); /* above capacity */
        double arrived = 0;
        for (int k = 1; k <= 9; k++) /* days 10 .. 90 */
            arrived += ts[((size_t)k * rows + 0) * MT_N + MT_ENTRIES];
        assert_true(arrived > 50); /* Poisson(90): far from 0 */
        assert_true(ts[(9 * (size_t)rows + 0) * MT_N + MT_WAITING] == arrived);
        assert_true(R.r[i].pool_ts[9 * MPT_N + MPT_USED] == 20);
        /* day 110: the 20 left at day 100, 10 newcomers hold the pool */
        assert_true(R.r[i].pool_ts[11 * MPT_N + MPT_USED] == 10);
    }
    runs_free(&R);
}

/* ---------------------------------------------------------------------------------- */
/* Ageing out at max_age.                                                               */

static void test_ageing_out(void **state)
{
    (void)state;
    /* every child arrives aged 17.5 and would stay 1000 days: all leave at 18, after
     * half a year, counted as aged out */
    runs_t R;
    runs_do(&R, "version: 1\nname: age\nstart: 2020-01-01\nhorizon_days: 3000\n"
                "replications: 2\nseed: 14\nmax_age: 18\nreport_every_days: 100\n"
                "stages:\n  care: {duration: {dist: fixed, value: 1000}}\n"
                "arrivals:\n  - {name: in, to: care, per_day: 1, age: {dist: fixed, value: 17.5}}\n");
    est_t d = stage_metric(&R, "care", MS_MEAN_DURATION);
    assert_true(fabs(d.mean - 0.5 * 365.25) < 1e-6);
    est_t out = stage_metric(&R, "care", MS_EXITS), aged = stage_metric(&R, "care", MS_AGED_OUT);
    assert_true(out.mean > 300);
    assert_true(fabs(out.mean - aged.mean) < 1e-9);
    runs_free(&R);
}

/* ---------------------------------------------------------------------------------- */
/* Odds adjustments: flagged teenagers go to care with odds x 3.                        */

static void test_adjust_odds(void **state)
{
    (void)state;
    /* p(care) = 0.2 for everyone; for children with flag `risk` (half of them) aged 14+
     * (age uniform 0-18: 4/18 of them) the odds are x3: 0.2 x 3 / (0.2 x 3 + 0.8) = 3/7.
     * Expected share to care: 0.2 + (0.5 x 4/18) x (3/7 - 0.2). */
    runs_t R;
    runs_do(&R, "version: 1\nname: adj\nstart: 2020-01-01\nhorizon_days: 2000\n"
                "replications: 8\nseed: 15\nreport_every_days: 100\n"
                "stages:\n"
                "  assess:\n    duration: {dist: fixed, value: 0.001}\n"
                "    next: {care: 0.2, exit: 0.8}\n"
                "    adjust:\n      - when: {age: [14, 18], flag: risk}\n        odds: {care: 3}\n"
                "  care: {duration: {dist: fixed, value: 1}}\n"
                "arrivals:\n  - {name: in, to: assess, per_day: 20, age: {dist: uniform, min: 0, max: 18},"
                " flags: {risk: 0.5}}\n");
    double share = 0.2 + (0.5 * 4.0 / 18) * (3.0 / 7 - 0.2);
    double x[256] = {0};
    int ia = scenario_stage_index(R.sc, "assess"), ic = scenario_stage_index(R.sc, "care");
    for (int i = 0; i < R.n; i++)
        x[i] = R.r[i].stage[(size_t)ic * MS_N + MS_ENTRIES] /
               R.r[i].stage[(size_t)ia * MS_N + MS_EXITS];
    assert_near("share routed to care", summarise(x, R.n), share, 4, 0.005);
    runs_free(&R);
}

/* ---------------------------------------------------------------------------------- */
/* Arrival rates: trend and profile integrate exactly.                                  */

static void test_arrival_trend_profile(void **state)
{
    (void)state;
    /* 1000 a year growing 20% a year, doubled from the start of 2021-01-01 (day 365:
     * the end of 2020-12-31): expected arrivals in 731 days = integral of the rate. */
    runs_t R;
    runs_do(&R, "version: 1\nname: arr\nstart: 2020-01-01\nhorizon_days: 731\n"
                "replications: 40\nseed: 16\nreport_every_days: month\n"
                "stages:\n  s: {duration: {dist: fixed, value: 0.5}}\n"
                "arrivals:\n  - name: in\n    to: s\n    per_year: 1000\n    trend_per_year: 0.2\n"
                "    profile: [{from: 2021-01-01, multiplier: 2}]\n");
    double g = log(1.2) / 365.25, r0 = 1000 / 365.25;
    double expect = r0 / g * (exp(g * 365) - 1) + 2 * r0 / g * (exp(g * 731) - exp(g * 365));
    double x[256] = {0};
    for (int i = 0; i < R.n; i++) x[i] = R.r[i].stage[MS_ENTRIES] * 731 / 365.25;
    assert_near("arrivals with trend and profile", summarise(x, R.n), expect, 4, 0.002);
    runs_free(&R);
    /* a regular process gives exactly the integral, less a fraction of one */
    runs_do(&R, "version: 1\nname: reg\nstart: 2020-01-01\nhorizon_days: 731\n"
                "replications: 1\nseed: 16\nreport_every_days: month\n"
                "stages:\n  s: {duration: {dist: fixed, value: 0.5}}\n"
                "arrivals:\n  - name: in\n    to: s\n    per_year: 1000\n    trend_per_year: 0.2\n"
                "    process: regular\n    profile: [{from: 2021-01-01, multiplier: 2}]\n");
    double n = R.r[0].stage[MS_ENTRIES] * 731 / 365.25;
    assert_true(n <= expect && n > expect - 1);
    runs_free(&R);
}

/* ---------------------------------------------------------------------------------- */
/* Reproducibility and per-child streams.                                               */

static void test_same_seed_same_result(void **state)
{
    (void)state;
    const char *yaml = "version: 1\nname: det\nstart: 2020-01-01\nhorizon_days: 400\n"
                       "replications: 2\nseed: 17\n"
                       "stages:\n  a: {duration: {dist: gamma, mean: 20, sd: 10}, next: {b: 0.5, exit: 0.5}}\n"
                       "  b: {duration: {dist: exponential, mean: 50}}\n"
                       "arrivals:\n  - {name: in, to: a, per_day: 3}\n"
                       "pools:\n  p: {workers: 3, caseload_cap: 10, serves: {a: 1, b: 1}}\n";
    runs_t A, B;
    runs_do(&A, yaml);
    runs_do(&B, yaml);
    size_t n = (size_t)A.plan.n_rows * MS_N;
    assert_memory_equal(A.r[0].stage, B.r[0].stage, n * sizeof(double));
    assert_memory_equal(A.r[1].stage, B.r[1].stage, n * sizeof(double));
    assert_true(memcmp(A.r[0].stage, A.r[1].stage, n * sizeof(double)) != 0);
    runs_free(&A);
    runs_free(&B);
}

/* Adding a second arrival stream does not change the first stream's children: their
 * arrival times and their own draws come from streams of their own. With no pool,
 * stage `a` (fed by the first stream only) gives identical figures. */
static void test_children_streams_independent(void **state)
{
    (void)state;
    const char *one = "version: 1\nname: crn\nstart: 2020-01-01\nhorizon_days: 400\n"
                      "replications: 1\nseed: 18\n"
                      "stages:\n  a: {duration: {dist: gamma, mean: 20, sd: 10}}\n"
                      "  b: {duration: {dist: exponential, mean: 50}}\n"
                      "arrivals:\n  - {name: x, to: a, per_day: 3}\n";
    const char *two = "version: 1\nname: crn\nstart: 2020-01-01\nhorizon_days: 400\n"
                      "replications: 1\nseed: 18\n"
                      "stages:\n  a: {duration: {dist: gamma, mean: 20, sd: 10}}\n"
                      "  b: {duration: {dist: exponential, mean: 50}}\n"
                      "arrivals:\n  - {name: x, to: a, per_day: 3}\n"
                      "  - {name: y, to: b, per_day: 5}\n";
    runs_t A, B;
    runs_do(&A, one);
    runs_do(&B, two);
    assert_memory_equal(A.r[0].stage, B.r[0].stage, MS_N * sizeof(double));
    runs_free(&A);
    runs_free(&B);
}

/* ---------------------------------------------------------------------------------- */
/* Failures.                                                                            */

/* Defect 3 of issue 9: model_run turned every failure into -1, which callers print as
 * "out of memory". A stage duration that evaluates to NaN (forced here after loading:
 * the loader refuses it) schedules an event at NaN: the run must fail with SIM_ETIME,
 * named as a bad event time. */
static void test_bad_event_time_is_etime(void **state)
{
    (void)state;
    char path[] = "/tmp/careflow-test-model-XXXXXX", err[512] = "";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    assert_non_null(f);
    fputs("version: 1\nname: nan\nstart: 2020-01-01\nhorizon_days: 100\nreplications: 1\n"
          "seed: 3\nstages:\n  a: {duration: {dist: fixed, value: 10}}\n"
          "arrivals:\n  - {name: in, to: a, per_day: 2}\n", f);
    fclose(f);
    scenario_t *sc = NULL;
    int lrc = scenario_load(path, NULL, 0, &sc, err, sizeof err);
    unlink(path);
    if (lrc != 0) fail_msg("scenario did not load: %s", err);
    sc->stages[0].duration.a = NAN; /* fixed: every draw is NaN */
    model_plan_t plan;
    model_result_t res;
    assert_int_equal(model_plan_init(&plan, sc), 0);
    assert_int_equal(model_result_init(&res, sc, &plan), 0);
    int rc = model_run(sc, &plan, 0, &res, NULL);
    assert_int_equal(rc, SIM_ETIME);
    assert_string_equal(sim_strerror(rc), "an event time is NaN or before the clock");
    assert_true(strcmp(sim_strerror(rc), sim_strerror(SIM_ENOMEM)) != 0);
    /* the same scenario with a good duration runs */
    sc->stages[0].duration.a = 10;
    assert_int_equal(model_run(sc, &plan, 0, &res, NULL), 0);
    model_result_free(&res);
    model_plan_free(&plan);
    scenario_free(sc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_erlang_c_pool),
        cmocka_unit_test(test_erlang_c_weighted_absence),
        cmocka_unit_test(test_priority_cobham),
        cmocka_unit_test(test_fifo_without_priority),
        cmocka_unit_test(test_little_traffic_all_families),
        cmocka_unit_test(test_equilibrium_start_stays),
        cmocka_unit_test(test_conservation),
        cmocka_unit_test(test_open_cases_start_allocated),
        cmocka_unit_test(test_ageing_out),
        cmocka_unit_test(test_adjust_odds),
        cmocka_unit_test(test_arrival_trend_profile),
        cmocka_unit_test(test_same_seed_same_result),
        cmocka_unit_test(test_children_streams_independent),
        cmocka_unit_test(test_bad_event_time_is_etime),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
