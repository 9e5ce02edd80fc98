/* test_initial.c: the second set of scenario additions: durations by age at entry,
 * open cases from a file (conditional residual lives), and `initial: {STAGE: steady}`.
 *
 * - stationary_snapshot: M/G/infinity (Poisson arrivals, gamma stays) started from a
 *   file of lambda x mean children whose elapsed times follow the equilibrium law
 *   (density S(x)/mean): the stock stays at lambda x mean (Little's law); the same
 *   children taken as fresh (elapsed 0) give a stock higher by N (m - m_eq) / horizon,
 *   which the test shows is outside the tolerance (so the test can fail);
 * - pool_order: three open cases, fixed stays of 100 days, capacity for two: the two
 *   oldest are served first, the third waits and then has 100 - its elapsed left; stock,
 *   waiting list and mean duration at chosen days computed by hand;
 * - file_fields: BOM, CRLF, DD/MM/YYYY, the age column, extra columns, flags added to the
 *   scenario, history, sorted oldest first;
 * - by_age_means: two streams entering two stages with the same by_age duration at
 *   ages in different bands: each stage's mean duration is its band's mean; steady
 *   weighting by hand for a mix of bands; scenario_stage_duration's nearest band;
 * - steady_chain: a two-stage loop with routing shares: lambda from the traffic
 *   equations solved by hand, counts lambda_s x mean_s (with a profile at day 0 too),
 *   and the time-average stock stays there;
 * - loader_errors: every new defect, each with its FILE:LINE:COL. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim/cal.h"
#include "sim/dist.h"
#include "sim/err.h"
#include "sim/rng.h"
#include "tests/runs.h"

/* ---- files in a temporary folder ------------------------------------------------- */

typedef struct fx {
    char dir[64];
} fx_t;

static int setup(void **state)
{
    fx_t *f = calloc(1, sizeof *f);
    if (!f) return -1;
    snprintf(f->dir, sizeof f->dir, "/tmp/careflow-test-initial-XXXXXX");
    if (!mkdtemp(f->dir)) {
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx_t *f = *state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    int rc = system(cmd);
    free(f);
    return rc == 0 ? 0 : -1;
}

static void put(const fx_t *f, const char *name, const char *text, size_t len)
{
    char p[256];
    snprintf(p, sizeof p, "%s/%s", f->dir, name);
    FILE *fp = fopen(p, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(text, 1, len, fp), len);
    assert_int_equal(fclose(fp), 0);
}

static void put_s(const fx_t *f, const char *name, const char *text)
{
    put(f, name, text, strlen(text));
}

/* Loads s.yaml from the folder and runs it (reps, horizon as written). */
static void run_in(const fx_t *f, runs_t *R)
{
    char p[256];
    snprintf(p, sizeof p, "%s/s.yaml", f->dir);
    runs_file(R, p, 0, 0);
}

static scenario_t *load_in(const fx_t *f, const char *const *sets, int n_sets, char *err,
                           size_t errlen, int *rc)
{
    char p[256];
    scenario_t *sc = NULL;
    snprintf(p, sizeof p, "%s/s.yaml", f->dir);
    *rc = scenario_load(p, sets, n_sets, &sc, err, errlen);
    return sc;
}

/* The time average of a stage's stock over the report instants of replication i. */
static double ts_stock(const runs_t *R, int i, int row, int k)
{
    return R->r[i].ts[((size_t)k * R->plan.n_rows + row) * MT_N + MT_STOCK];
}

/* ---- stationary snapshot ---------------------------------------------------------- */

/* Writes N open cases of stage s whose elapsed days follow the equilibrium law of a
 * gamma(mean m, sd sd) stay: elapsed = U T, T length-biased: gamma(k + 1, theta) with
 * k = (m / sd)^2, theta = sd^2 / m. With fresh != 0 every start is the scenario's
 * start date (elapsed 0). Start dates are whole days: elapsed is rounded. */
static void write_snapshot(const fx_t *f, int n, double m, double sd, int fresh)
{
    double k = (m / sd) * (m / sd), th = sd * sd / m;
    dist_t lb = {.kind = DIST_GAMMA, .mean = (k + 1) * th, .sd = sqrt(k + 1) * th};
    assert_int_equal(dist_init(&lb, 1), 0);
    rng_t r;
    rng_seed(&r, 2024, 7);
    size_t cap = (size_t)n * 48 + 64, len = 0;
    char *buf = malloc(cap);
    assert_non_null(buf);
    len += (size_t)snprintf(buf + len, cap - len, "child,stage,start,age\n");
    long start = 0;
    assert_int_equal(cal_parse("2020-01-01", &start), 0);
    for (int i = 0; i < n; i++) {
        double e = rng_uniform(&r) * dist_sample(&lb, &r);
        char d[11];
        cal_format(start - (fresh ? 0 : lround(e)), d);
        len += (size_t)snprintf(buf + len, cap - len, "c%d,s,%s,9\n", i, d);
    }
    put(f, "open.csv", buf, len);
    free(buf);
}

static const char snapshot_yaml[] =
    "version: 1\nname: snap\nstart: 2020-01-01\nhorizon_days: 200\nreport_every_days: 10\n"
    "replications: 12\nseed: 5\nmax_age: 100\n"
    "stages:\n  s:\n    duration: {dist: gamma, mean: 100, sd: 60}\n"
    "arrivals:\n  - {name: r, to: s, per_day: 10, age: {dist: fixed, value: 9}}\n"
    "initial: {file: open.csv}\n";

static void stationary_snapshot(void **state)
{
    const fx_t *f = *state;
    const double lam = 10, m = 100, sd = 60, N = lam * m;
    /* the equilibrium residual mean: E[X^2] / (2 m) */
    const double m_eq = (m * m + sd * sd) / (2 * m), horizon = 200;
    put_s(f, "s.yaml", snapshot_yaml);
    write_snapshot(f, (int)N, m, sd, 0);
    runs_t R;
    run_in(f, &R);
    assert_int_equal(R.sc->n_open, (int)N);
    est_t avg = stage_metric(&R, "s", MS_AVG_STOCK);
    assert_near("snapshot: time-average stock", avg, N, 4, 0.03);
    /* and at each report instant, averaged over the replications */
    for (int k = 0; k < R.plan.n_reports; k++) {
        double x[64];
        for (int i = 0; i < R.n; i++) x[i] = ts_stock(&R, i, 0, k);
        char what[64];
        snprintf(what, sizeof what, "snapshot: stock at day %g", R.plan.report_day[k]);
        assert_near(what, summarise(x, R.n), N, 4, 0.05);
    }
    runs_free(&R);

    /* the wrong rule: the same children as fresh stays. The initial cohort then has
     * mean stay m instead of m_eq left: the time-average stock is higher by about
     * N (m - m_eq) (1 - a little) / horizon; the check above must reject it */
    write_snapshot(f, (int)N, m, sd, 1);
    run_in(f, &R);
    est_t wrong = stage_metric(&R, "s", MS_AVG_STOCK);
    double excess = N * (m - m_eq) / horizon;
    assert_true(excess > 0.1 * N);
    if (fabs(wrong.mean - N) <= 4 * wrong.se + 0.03 * N)
        fail_msg("fresh stays gave %.1f, indistinguishable from %.0f", wrong.mean, N);
    assert_near("fresh: time-average stock", wrong, N + excess, 4, 0.05);
    runs_free(&R);
}

/* ---- pools: open cases start allocated, above capacity if need be ---------------- */

static void pool_order(void **state)
{
    const fx_t *f = *state;
    put_s(f, "s.yaml",
          "version: 1\nname: pool\nstart: 2020-04-30\nhorizon_days: 120\n"
          "report_every_days: 1\nreplications: 1\n"
          "stages:\n  s:\n    duration: {dist: fixed, value: 100}\n"
          "arrivals:\n  - {name: r, to: s, per_day: 0}\n"
          "pools:\n  team:\n    workers: 2\n    caseload_cap: 1\n    serves: {s: 1}\n"
          "initial: {file: open.csv}\n");
    /* file order youngest first: the loader must sort by start. Elapsed at 2020-04-30:
     * 10 (04-20), 90 (01-31), 50 (03-11) */
    put_s(f, "open.csv",
          "child,stage,start,dob\n"
          "young,s,2020-04-20,2010-01-01\nold,s,31/01/2020,2010-01-01\nmid,s,2020-03-11,2010-01-01\n");
    runs_t R;
    run_in(f, &R);
    /* by hand: all three were held before the start, so all are allocated at day 0
     * though the team holds 2 (nobody waits); each ends when its 100 days are up: old
     * (e = 90) at day 10, mid (e = 50) at day 50, young (e = 10) at day 90 */
    static const struct { int day; double stock, waiting; } want[] = {
        {0, 3, 0}, {9, 3, 0}, {11, 2, 0}, {49, 2, 0}, {51, 1, 0}, {89, 1, 0}, {91, 0, 0}};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        int k = want[i].day; /* reports every day from day 0 */
        assert_true(R.plan.report_day[k] == k);
        double *ts = &R.r[0].ts[((size_t)k * R.plan.n_rows + 0) * MT_N];
        if (ts[MT_STOCK] != want[i].stock || ts[MT_WAITING] != want[i].waiting)
            fail_msg("day %d: stock %g waiting %g, want %g and %g", k, ts[MT_STOCK],
                     ts[MT_WAITING], want[i].stock, want[i].waiting);
    }
    /* whole stays: 100 days each, no waits */
    double md = R.r[0].stage[0 * MS_N + MS_MEAN_DURATION];
    if (fabs(md - 100) > 1e-9) fail_msg("mean duration %.10g, want 100", md);
    /* the team starts above its capacity of 2 */
    assert_true(R.r[0].pool_ts[0 * MPT_N + MPT_USED] == 3);
    runs_free(&R);
}

/* ---- the file's fields ------------------------------------------------------------- */

static void file_fields(void **state)
{
    const fx_t *f = *state;
    put_s(f, "s.yaml",
          "version: 1\nname: fields\nstart: 2020-03-01\nhorizon_days: 30\n"
          "stages:\n  a: {duration: {dist: exponential, mean: 10}}\n"
          "  b: {duration: {dist: exponential, mean: 10}}\n"
          "arrivals:\n  - {name: r, to: a, per_day: 1, flags: {known: 0.5}}\n"
          "initial: {file: sub/open.csv, a: 4}\n");
    char p[256];
    snprintf(p, sizeof p, "%s/sub", f->dir);
    mkdir(p, 0700);
    static const char csv[] =
        "\xEF\xBB\xBF" "extra,child,stage,start,age,flags,history\r\n"
        "x,c1,b,01/03/2020,3.5, new1 ; known ;;,2\r\n"
        "y,c2,b,2020-02-28,0,,\r\n"
        "\r\n"
        "z,c3,b,29/2/2020,17.25,new2,0\r\n";
    put(f, "sub/open.csv", csv, sizeof csv - 1);
    char err[512] = "";
    int rc;
    scenario_t *sc = load_in(f, NULL, 0, err, sizeof err, &rc);
    if (rc) fail_msg("did not load: %s", err);
    assert_int_equal(sc->n_open, 3);
    assert_int_equal(sc->n_initial, 1);
    assert_int_equal(sc->initial[0].count, 4);
    /* sorted oldest start first: c2 (2 days), c3 (1 day, 29 Feb 2020), c1 (0) */
    static const struct { long row; double elapsed, age; int history; } w[] = {
        {1, 2, 0, 0}, {2, 1, 17.25, 0}, {0, 0, 3.5, 2}};
    for (int i = 0; i < 3; i++) {
        const scn_open_t *o = &sc->open[i];
        assert_int_equal(o->row, w[i].row);
        assert_true(o->elapsed == w[i].elapsed);
        assert_true(fabs(o->born + w[i].age * 365.25) < 1e-9);
        assert_int_equal(o->history, w[i].history);
        assert_int_equal(o->stage, 1);
    }
    /* flags: `known` from the arrival (bit 0), then new1, new2 added in file order */
    assert_int_equal(sc->n_flags, 3);
    assert_string_equal(sc->flags[1], "new1");
    assert_string_equal(sc->flags[2], "new2");
    assert_true(sc->open[2].flags == 3u); /* c1: new1 and known */
    assert_true(sc->open[0].flags == 0u);
    assert_true(sc->open[1].flags == 4u);
    /* the file is one of the scenario's inputs, hashed */
    int found = 0;
    for (int i = 0; i < sc->n_inputs; i++) found |= strstr(sc->inputs[i].path, "open.csv") != NULL;
    assert_true(found);
    scenario_free(sc);

    /* dob instead of age: born = dob - start in days */
    put_s(f, "sub/open.csv", "child,stage,start,dob\nc,b,2019-03-01,2010-03-01\n");
    sc = load_in(f, NULL, 0, err, sizeof err, &rc);
    if (rc) fail_msg("did not load: %s", err);
    long s0, d0, st0;
    cal_parse("2020-03-01", &s0), cal_parse("2010-03-01", &d0), cal_parse("2019-03-01", &st0);
    assert_true(sc->open[0].born == (double)(d0 - s0));
    assert_true(sc->open[0].elapsed == (double)(s0 - st0));
    scenario_free(sc);
}

/* ---- by_age ----------------------------------------------------------------------- */

static void by_age_means(void **state)
{
    const fx_t *f = *state;
    /* young children enter y at ages 1-8 (band [0, 10): mean 20), older ones enter o at
     * ages 11-16 (band [10, 18): mean 80): each stage's mean stay is its band's */
    put_s(f, "s.yaml",
          "version: 1\nname: byage\nstart: 2020-01-01\nhorizon_days: 1500\nwarmup_days: 300\n"
          "replications: 6\n"
          "stages:\n"
          "  y:\n    duration: &d {by_age: [{age: [0, 10], dist: exponential, mean: 20},\n"
          "                           {age: [10, 18], dist: exponential, mean: 80}]}\n"
          "  o:\n    duration: *d\n"
          "  m:\n    duration: *d\n"
          "arrivals:\n"
          "  - {name: ry, to: y, per_day: 2, age: {dist: uniform, min: 1, max: 8}}\n"
          "  - {name: ro, to: o, per_day: 1, age: {dist: uniform, min: 11, max: 16}}\n"
          "  - {name: rm, to: m, per_day: 1, age: {dist: uniform, min: 0, max: 18}}\n"
          "initial:\n  y: steady\n  o: {count: steady, age: {dist: uniform, min: 11, max: 16}}\n"
          "  m: {count: steady, age: {dist: uniform, min: 0, max: 18}}\n");
    runs_t R;
    run_in(f, &R);
    /* steady by hand: y 2 x 20; o 1 x 80 (the oldest, 16, have two years left: too long
     * for an 80-day mean to matter); m: ages uniform on [0, 18): 10/18 of them in the
     * first band, 8/18 in the second, whose stays are cut at 18: an exponential with
     * mean u cut at c has mean u (1 - e^(-c/u)), and over A uniform on [10, 18) with
     * c = (18 - A) 365.25 days that integrates to 8 x 80 - 80 x 80 / 365.25 (1 - e^-36.5):
     * 1 x (10 x 20 + 640 - 17.52) / 18 = 45.69 -> 46 (47 without ageing out) */
    assert_int_equal(R.sc->initial[0].count, 40);
    assert_int_equal(R.sc->initial[1].count, 80);
    assert_int_equal(R.sc->initial[2].count, 46);
    /* an exponential stay's sd is its mean: se of a mean over n exits is mean/sqrt(n) */
    assert_near("by_age: young mean stay", stage_metric(&R, "y", MS_MEAN_DURATION), 20, 4, 0.01);
    assert_near("by_age: older mean stay", stage_metric(&R, "o", MS_MEAN_DURATION), 80, 4, 0.01);
    /* m: entrants 10/18 young (mean 20) and 8/18 older (mean 80), a few of whom reach
     * 18 during the stay and age out early: a mean a little under 46.67 */
    est_t mm = stage_metric(&R, "m", MS_MEAN_DURATION);
    assert_true(mm.mean < 10.0 / 18 * 20 + 8.0 / 18 * 80 + 4 * mm.se);
    assert_near("by_age: mixed mean stay", mm, 10.0 / 18 * 20 + 8.0 / 18 * 80, 4, 0.03);
    assert_near("by_age: older stock", stage_metric(&R, "o", MS_AVG_STOCK), 80, 4, 0.02);
    /* lookups: inside a band, on a bound (the upper band), outside (nearest) */
    const scn_stage_t *st = &R.sc->stages[0];
    assert_true(scenario_stage_duration(st, 5) == &st->by_age[0].dist);
    assert_true(scenario_stage_duration(st, 10) == &st->by_age[1].dist);
    assert_true(scenario_stage_duration(st, -0.1) == &st->by_age[0].dist);
    assert_true(scenario_stage_duration(st, 18) == &st->by_age[1].dist);
    runs_free(&R);
}

/* ---- steady ------------------------------------------------------------------------ */

static void steady_chain(void **state)
{
    const fx_t *f = *state;
    /* a -> b 0.4, exit 0.6; b -> a 0.25, exit 0.75; 3 a day into a.
     * lam_a = 3 + 0.25 lam_b, lam_b = 0.4 lam_a: lam_a = 3 / 0.9, lam_b = 1.2 / 0.9.
     * stocks: a 30 x 3/0.9 = 100, b 90 x 1.2/0.9 = 120 (nobody ages out: max_age 1000) */
    put_s(f, "s.yaml",
          "version: 1\nname: steady\nstart: 2020-01-01\nhorizon_days: 365\nreplications: 12\n"
          "max_age: 1000\n"
          "stages:\n"
          "  a:\n    duration: {dist: gamma, mean: 30, sd: 10}\n    next: {b: 0.4, exit: 0.6}\n"
          "  b:\n    duration: {dist: lognormal, mean: 90, sd: 50}\n    next: {a: 0.25, exit: 0.75}\n"
          "  c:\n    duration: {dist: fixed, value: 5}\n"
          "arrivals:\n  - {name: r, to: a, per_day: 3}\n"
          "initial: {a: steady, b: steady}\n");
    runs_t R;
    run_in(f, &R);
    assert_int_equal(R.sc->initial[0].count, 100);
    assert_int_equal(R.sc->initial[1].count, 120);
    assert_near("steady: a's stock", stage_metric(&R, "a", MS_AVG_STOCK), 100, 4, 0.02);
    assert_near("steady: b's stock", stage_metric(&R, "b", MS_AVG_STOCK), 120, 4, 0.02);
    runs_free(&R);

    /* ageing out shortens the stay (Little's law's W): children enter aged uniform on
     * [12, 18) for exponential stays of mean 2,000 days, cut at 18. With c = (18 - A)
     * 365.25 days the mean stay is 2000 (1 - e^(-c/2000)), averaged over A: 2000 -
     * 2000/6 x 2000/365.25 (1 - e^-1.09575) = 785.0 days, so 1 a day sustain 785 (not
     * 2,000). The simulated stock after six years (when every child there entered
     * after day 0, so the start's ages no longer matter) averages the same. */
    put_s(f, "s.yaml",
          "version: 1\nname: steady\nstart: 2020-01-01\nhorizon_days: 4000\n"
          "warmup_days: 2200\nreplications: 8\n"
          "stages:\n  care:\n    duration: {dist: exponential, mean: 2000}\n"
          "arrivals:\n  - {name: r, to: care, per_day: 1, age: {dist: uniform, min: 12, max: 18}}\n"
          "initial: {care: steady}\n");
    run_in(f, &R);
    assert_int_equal(R.sc->initial[0].count, 785);
    assert_near("steady with ageing out: care's stock", stage_metric(&R, "care", MS_AVG_STOCK),
                785, 4, 0.03);
    runs_free(&R);

    /* a profile in force at day 0 (x 1.5) counts; the trend is 1 at day 0 */
    const char *sets[] = {"arrivals.r.trend_per_year=0.2"};
    put_s(f, "s.yaml",
          "version: 1\nname: steady\nstart: 2020-01-01\nhorizon_days: 365\nmax_age: 1000\n"
          "stages:\n"
          "  a:\n    duration: {dist: gamma, mean: 30, sd: 10}\n    next: {b: 0.4, exit: 0.6}\n"
          "  b:\n    duration: {dist: lognormal, mean: 90, sd: 50}\n    next: {a: 0.25, exit: 0.75}\n"
          "arrivals:\n  - {name: r, to: a, per_day: 3, profile: [{from: 2019-06-01, multiplier: 1.5},"
          " {from: 2020-06-01, multiplier: 9}]}\n"
          "initial: {a: steady, b: steady}\n");
    char err[512] = "";
    int rc;
    scenario_t *sc = load_in(f, sets, 1, err, sizeof err, &rc);
    if (rc) fail_msg("did not load: %s", err);
    assert_int_equal(sc->initial[0].count, 150);
    assert_int_equal(sc->initial[1].count, 180);
    scenario_free(sc);
}

/* ---- loader errors ----------------------------------------------------------------- */

#define HEAD "version: 1\nname: e\nstart: 2020-01-01\nhorizon_days: 30\n"
#define ST_A "stages:\n  a:\n    duration: {dist: exponential, mean: 5}\n"
#define ARR "arrivals:\n  - {name: r, to: a, per_day: 1}\n"
#define FILE_INIT "initial: {file: open.csv}\n"
#define CSVH "child,stage,start,dob\n"

typedef struct bad {
    const char *probe; /* what the row probes */
    const char *yaml;  /* s.yaml */
    const char *csv;   /* open.csv, or NULL */
    const char *set;   /* one --set, or NULL */
    const char *where; /* FILE:LINE:COL (FILE relative to the folder, or --set ...) */
    const char *phrase;
} bad_t;

static char flags65[1200];

static const bad_t bads[] = {
    {"by_age gap", HEAD "stages:\n  a:\n    duration: {by_age: [{age: [0, 5], dist: fixed, value: 1},\n"
                        "      {age: [6, 18], dist: fixed, value: 2}]}\n" ARR,
     NULL, NULL, "s.yaml:8:7", "leaves ages [5, 6) uncovered"},
    {"by_age short of max_age", HEAD "stages:\n  a:\n    duration: {by_age: [{age: [0, 5], dist: fixed, value: 1},\n"
                                     "      {age: [5, 17], dist: fixed, value: 2}]}\n" ARR,
     NULL, NULL, "s.yaml:8:7", "leaves ages [17, 18) uncovered"},
    {"by_age not from 0", HEAD "stages:\n  a:\n    duration: {by_age: [{age: [1, 18], dist: fixed, value: 1}]}\n" ARR,
     NULL, NULL, "s.yaml:7:25", "leaves ages [0, 1) uncovered"},
    {"by_age empty", HEAD "stages:\n  a:\n    duration: {by_age: []}\n" ARR, NULL, NULL, "s.yaml:7:24",
     "at least one age band"},
    {"by_age and a dist", HEAD "stages:\n  a:\n    duration: {dist: fixed, value: 3, by_age: []}\n" ARR,
     NULL, NULL, "s.yaml:7:16", "unknown key 'dist'"},
    {"by_age item without age", HEAD "stages:\n  a:\n    duration: {by_age: [{dist: fixed, value: 1}]}\n" ARR,
     NULL, NULL, "s.yaml:7:25", "missing required key 'age'"},
    {"by_age empty band", HEAD "stages:\n  a:\n    duration: {by_age: [{age: [5, 5], dist: fixed, value: 1}]}\n" ARR,
     NULL, NULL, "s.yaml:7:31", "is empty"},
    {"by_age bad dist", HEAD "stages:\n  a:\n    duration: {by_age: [{age: [0, 18], dist: gamma, mean: 1}]}\n" ARR,
     NULL, NULL, "s.yaml:7:25", "missing required key 'sd'"},
    {"--set a by_age stage's mean", HEAD "stages:\n  a:\n    duration: {by_age: [{age: [0, 18], dist: fixed, value: 1}]}\n" ARR,
     NULL, "stages.a.duration.mean=3", "--set stages.a.duration.mean=3:1:1", "by_age.0.mean"},
    {"--set by_age index too high", HEAD "stages:\n  a:\n    duration: {by_age: [{age: [0, 18], dist: fixed, value: 1}]}\n" ARR,
     NULL, "stages.a.duration.by_age.1.value=3", "--set stages.a.duration.by_age.1.value=3:1:1", "1 items"},
    {"file: unknown stage", HEAD ST_A ARR FILE_INIT, CSVH "c,zz,2019-01-01,2010-01-01\n", NULL,
     "open.csv:2:2", "unknown stage"},
    {"file: start after the scenario's", HEAD ST_A ARR FILE_INIT, CSVH "c,a,2020-01-02,2010-01-01\n",
     NULL, "open.csv:2:3", "after the scenario's start"},
    {"file: bad date", HEAD ST_A ARR FILE_INIT, CSVH "c,a,31/02/2019,2010-01-01\n", NULL,
     "open.csv:2:3", "invalid date"},
    {"file: bad dob", HEAD ST_A ARR FILE_INIT, CSVH "c,a,2019-01-01,2010-1-1\n", NULL, "open.csv:2:4",
     "invalid date"},
    {"file: dob after the start", HEAD ST_A ARR FILE_INIT, CSVH "c,a,2019-01-01,2020-02-01\n", NULL,
     "open.csv:2:4", "dob is after"},
    {"file: aged out", HEAD ST_A ARR FILE_INIT, CSVH "c,a,2019-01-01,2001-12-31\n", NULL, "open.csv:2:4",
     "max_age"},
    {"file: negative history", HEAD ST_A ARR FILE_INIT, "child,stage,start,age,history\nc,a,2019-01-01,3,-1\n",
     NULL, "open.csv:2:5", "between 0 and"},
    {"file: negative age", HEAD ST_A ARR FILE_INIT, "child,stage,start,age\nc,a,2019-01-01,-3\n", NULL,
     "open.csv:2:4", "age"},
    {"file: dob and age", HEAD ST_A ARR FILE_INIT, "child,stage,start,dob,age\n", NULL, "open.csv:1:5",
     "not both"},
    {"file: no dob", HEAD ST_A ARR FILE_INIT, "child,stage,start\n", NULL, "open.csv:1:1", "'dob'"},
    {"file: no stage column", HEAD ST_A ARR FILE_INIT, "child,start,dob\n", NULL, "open.csv:1:1",
     "missing column 'stage'"},
    {"file: column twice", HEAD ST_A ARR FILE_INIT, "child,stage,stage,start,dob\n", NULL, "open.csv:1:3",
     "twice"},
    {"file: empty child", HEAD ST_A ARR FILE_INIT, CSVH ",a,2019-01-01,2010-01-01\n", NULL, "open.csv:2:1",
     "empty child"},
    {"file: short row", HEAD ST_A ARR FILE_INIT, CSVH "c,a,2019-01-01\n", NULL, "open.csv:2:4", "3 fields"},
    {"file: bad flag", HEAD ST_A ARR FILE_INIT, "child,stage,start,age,flags\nc,a,2019-01-01,3,ok;no good\n",
     NULL, "open.csv:2:5", "invalid flag name"},
    {"file: too many flags", HEAD ST_A ARR FILE_INIT, flags65, NULL, "open.csv:2:5", "too many flags"},
    {"file: empty", HEAD ST_A ARR FILE_INIT, "", NULL, "open.csv:1:1", "header"},
    {"file: bad quote", HEAD ST_A ARR FILE_INIT, CSVH "c,\"a,2019\n", NULL, "open.csv:2:3", "quoted"},
    {"file: missing", HEAD ST_A ARR "initial: {file: nowhere.csv}\n", NULL, NULL, "s.yaml:10:17", "cannot read"},
    {"file and a count for its stage",
     HEAD ST_A "  b:\n    duration: {dist: fixed, value: 3}\n" ARR "initial:\n  b: 3\n  file: open.csv\n  a: 4\n",
     CSVH "c,a,2019-01-01,2010-01-01\n", NULL, "s.yaml:15:3", "has open cases in the initial file"},
    {"steady: no inflow", HEAD ST_A "  b:\n    duration: {dist: fixed, value: 3}\n" ARR "initial: {b: steady}\n",
     NULL, NULL, "s.yaml:12:11", "no inflow"},
    {"steady: never exits",
     HEAD "stages:\n  a:\n    duration: {dist: fixed, value: 3}\n    next: {b: 1}\n"
          "  b:\n    duration: {dist: fixed, value: 3}\n    next: {a: 1}\n" ARR "initial: {a: steady}\n",
     NULL, NULL, "s.yaml:14:11", "never reaches exit"},
    {"steady: not a count", HEAD ST_A ARR "initial: {a: stedy}\n", NULL, NULL, "s.yaml:10:14", "count"},
};

static void loader_errors(void **state)
{
    const fx_t *f = *state;
    /* 64 new flags in one cell: with the arrivals' none, the 65th is one too many */
    size_t n = (size_t)snprintf(flags65, sizeof flags65, "child,stage,start,age,flags\nc,a,2019-01-01,3,");
    for (int i = 0; i < 65; i++)
        n += (size_t)snprintf(flags65 + n, sizeof flags65 - n, "%sf%d", i ? ";" : "", i);
    snprintf(flags65 + n, sizeof flags65 - n, "\n");
    for (size_t i = 0; i < sizeof bads / sizeof bads[0]; i++) {
        const bad_t *b = &bads[i];
        char open_path[256];
        snprintf(open_path, sizeof open_path, "%s/open.csv", f->dir);
        unlink(open_path);
        put_s(f, "s.yaml", b->yaml);
        if (b->csv) put_s(f, "open.csv", b->csv);
        char err[1024] = "";
        int rc;
        const char *sets[1] = {b->set};
        scenario_t *sc = load_in(f, sets, b->set ? 1 : 0, err, sizeof err, &rc);
        if (sc) fail_msg("%s: loaded, expected an error at %s", b->probe, b->where);
        if (getenv("CAREFLOW_TEST_VERBOSE")) print_message("%-34s %s\n", b->probe, err);
        char want[512];
        if (!strncmp(b->where, "--set", 5))
            snprintf(want, sizeof want, "%s: error: ", b->where);
        else
            snprintf(want, sizeof want, "%s/%s: error: ", f->dir, b->where);
        if (strncmp(err, want, strlen(want)) != 0 && !getenv("CAREFLOW_TEST_VERBOSE"))
            fail_msg("%s: expected prefix \"%s\", got \"%s\"", b->probe, want, err);
        if (!strstr(err + strlen(want), b->phrase))
            fail_msg("%s: expected \"%s\" in \"%s\"", b->probe, b->phrase, err);
        assert_int_equal(rc, SIM_EINVAL); /* a missing file too: a path pointing nowhere */
        if (b->csv && strstr(err, "2019")) fail_msg("%s: the file's text echoed: %s", b->probe, err);
    }
}

/* A stage named `file` keeps `initial: {file: N}` a count (a scenario valid before). */
static void stage_named_file(void **state)
{
    const fx_t *f = *state;
    put_s(f, "s.yaml", HEAD "stages:\n  file:\n    duration: {dist: exponential, mean: 5}\n"
                            "arrivals:\n  - {name: r, to: file, per_day: 1}\ninitial: {file: 7}\n");
    char err[512] = "";
    int rc;
    scenario_t *sc = load_in(f, NULL, 0, err, sizeof err, &rc);
    if (rc) fail_msg("did not load: %s", err);
    assert_int_equal(sc->n_initial, 1);
    assert_int_equal(sc->initial[0].count, 7);
    assert_int_equal(sc->n_open, 0);
    scenario_free(sc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(stationary_snapshot), cmocka_unit_test(pool_order),
        cmocka_unit_test(file_fields),         cmocka_unit_test(by_age_means),
        cmocka_unit_test(steady_chain),        cmocka_unit_test(loader_errors),
        cmocka_unit_test(stage_named_file),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
