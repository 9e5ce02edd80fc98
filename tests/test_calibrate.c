/* test_calibrate.c: `careflow calibrate`, against parameters the test knows.
 *
 * The truth: one stage (an M/M/infinity queue: arrivals a year and a mean stay), whose
 * stocks at four dates and entries in seven quarters are made by the simulator itself
 * at known values with a seed of their own, one realisation as a council's published
 * counts are. Calibrating the two values from wide priors must give intervals that
 * hold the known values (at least 27 of 32 intervals over sixteen data sets: see the
 * test for the binomial reasoning) and are narrow (under a quarter of the prior
 * range): the test fails if the fit drifts, or if the intervals are made wide enough
 * to hold anything.
 * Then: the same bytes at 1 and 2 threads, after an interruption at the design or at
 * the posterior, and on MPI ranks (where MPI is installed); calibrated.yaml runs and
 * gives the fit.csv written beside it; a scenario without `uncertain:` or `observed:`,
 * or with a prior that breaks it, is refused with exit status 2 and nothing written;
 * `set:` in a file overrides what it includes; failed allocations end cleanly. */
#define _XOPEN_SOURCE 700 /* nftw() */
#include <dirent.h>
#include <ftw.h>
#include <stdatomic.h>
#include <limits.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "tests/files.h"
#include <gsl/gsl_errno.h>

#include "models/commands/calib.h"
#include "models/pathway/model.h"
#include "models/scenario/scenario.h"
#include "sim/dist.h"
#include "sim/err.h"
#include "tests/failalloc.h"

/* The truth's scenario, with %g for the arrivals a year and the mean stay; the
 * observed items are filled in by observe(). */
static const char truth_head[] =
    "version: 1\n"
    "name: recover\n"
    "start: 2020-01-01\n"
    "horizon_days: 730\n"
    "replications: 8\n"
    "seed: 7\n"
    "max_age: 1000\n"
    "stages:\n"
    "  care:\n"
    "    duration: {dist: exponential, mean: %g}\n"
    "    next: {exit: 1}\n"
    "arrivals:\n"
    "  - name: kids\n"
    "    to: care\n"
    "    per_year: %g\n"
    "    age: {dist: fixed, value: 5}\n"
    "initial:\n"
    "  care: 330\n";

#define N_ITEMS 11
static const char *const items[N_ITEMS] = {
    "{stages: [care], date: 2020-06-30",
    "{stages: [care], date: 2020-12-31",
    "{stages: [care], date: 2021-06-30",
    "{stages: [care], date: 2021-12-30",
    "{stages: [care], metric: entries, from: 2020-04-01, to: 2020-06-30",
    "{stages: [care], metric: entries, from: 2020-07-01, to: 2020-09-30",
    "{stages: [care], metric: entries, from: 2020-10-01, to: 2020-12-31",
    "{stages: [care], metric: entries, from: 2021-01-01, to: 2021-03-31",
    "{stages: [care], metric: entries, from: 2021-04-01, to: 2021-06-30",
    "{stages: [care], metric: entries, from: 2021-07-01, to: 2021-09-30",
    "{stages: [care], metric: entries, from: 2021-10-01, to: 2021-12-30",
};

static const char priors[] =
    "uncertain:\n"
    "  - {path: arrivals.kids.per_year, label: arrivals a year, dist: uniform, min: 200, "
    "max: 800}\n"
    "  - {path: stages.care.duration.mean, label: mean stay, dist: uniform, min: 100, "
    "max: 600}\n";

static void tmpdir(char *buf, size_t len)
{
    snprintf(buf, len, "/tmp/careflow-calib-XXXXXX");
    assert_non_null(mkdtemp(buf));
}

static void write_text(const char *dir, const char *name, const char *text)
{
    char p[PATH_MAX + 64];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

static scenario_t *load(const char *path)
{
    scenario_t *sc = NULL;
    char err[1024];
    if (scenario_load(path, NULL, 0, &sc, err, sizeof err) != 0)
        fail_msg("%s", err);
    return sc;
}

/* Writes DIR/fitme.yaml: the truth at (per_year, mean) observed once with `seed`. */
static void observe(const char *dir, double per_year, double mean, unsigned seed)
{
    char text[8192], path[PATH_MAX];
    int at = snprintf(text, sizeof text, truth_head, mean, per_year);
    at += snprintf(text + at, sizeof text - (size_t)at, "observed:\n");
    for (int i = 0; i < N_ITEMS; i++) {
        at += snprintf(text + at, sizeof text - (size_t)at, "  - %s, value: 0}", items[i]);
        text[at++] = '\n';
    }
    text[at] = 0;
    write_text(dir, "truth.yaml", text);
    snprintf(path, sizeof path, "%s/truth.yaml", dir);
    scenario_t *sc = load(path);
    model_plan_t plan;
    model_result_t res;
    sc->seed = seed;
    assert_int_equal(model_plan_init(&plan, sc), 0);
    assert_int_equal(model_result_init(&res, sc, &plan), 0);
    assert_int_equal(model_run(sc, &plan, 0, &res, NULL), 0);
    at = snprintf(text, sizeof text, truth_head, 300.0, 400.0); /* not the truth */
    at += snprintf(text + at, sizeof text - (size_t)at, "observed:\n");
    for (int i = 0; i < N_ITEMS; i++) {
        assert_false(isnan(res.obs[i]));
        at += snprintf(text + at, sizeof text - (size_t)at, "  - %s, value: %.17g}", items[i],
                       res.obs[i]);
        text[at++] = '\n';
    }
    snprintf(text + at, sizeof text - (size_t)at, "%s", priors);
    write_text(dir, "fitme.yaml", text);
    model_result_free(&res);
    model_plan_free(&plan);
    scenario_free(sc);
}

static int calibrate(const char *scenario, const char *out, int threads, int samples,
                     int stop_after, char *err, size_t errlen)
{
    scenario_t *sc = load(scenario);
    calib_opts_t o = {.samples = samples,
                      .threads = threads,
                      .out_dir = out,
                      .no_plots = 1,
                      .quiet = 1,
                      .cmdline = "test",
                      .stop_after = stop_after};
    int rc = calib_run(sc, &o, err, errlen);
    scenario_free(sc);
    return rc;
}

/* calibrate.csv's row of `name`: estimate, low, high. */
static void row(const char *dir, const char *name, double *est, double *lo, double *hi)
{
    char *t = files_read_in(dir, "calibrate.csv");
    assert_non_null(t);
    assert_memory_equal(t, "name,label,estimate,low,high,", 29);
    char *r = strstr(t, name);
    assert_non_null(r);
    r = strchr(r + strlen(name) + 1, ','); /* past the label */
    assert_non_null(r);
    assert_int_equal(sscanf(r, ",%lf,%lf,%lf", est, lo, hi), 3);
    free(t);
}

/* ---- recovery ---------------------------------------------------------------------- */

static void recovers_known_parameters_within_its_intervals(void **state)
{
    /* 16 data sets, 32 intervals, on seeds not used to tune the method (seeds 100-111
     * and 1100-1111 were). With intervals of true coverage 0.95 and independent data
     * sets, fewer than 27 of 32 happens with probability 0.005, so the test fails
     * rarely; at coverage 0.85 it happens with probability 0.35 (32 intervals cannot
     * tell 95% from 85% surely: docs/calibrate.md quotes the coverage measured on the 40
     * intervals of seeds 300-309 and 1300-1309, these and four more). */
    enum { PER_TRUTH = 8, NEED = 27 };
    int inside = 0, total = 0;
    for (int t = 0; t < 2 * PER_TRUTH; t++) {
        double py = t < PER_TRUTH ? 400 : 600, mean = t < PER_TRUTH ? 300 : 200;
        unsigned seed = t < PER_TRUTH ? 300u + (unsigned)t : 1300u + (unsigned)(t - PER_TRUTH);
        char d[64], path[PATH_MAX], out[PATH_MAX], err[2048];
        double e, lo, hi;
        tmpdir(d, sizeof d);
        observe(d, py, mean, seed);
        snprintf(path, sizeof path, "%s/fitme.yaml", d);
        snprintf(out, sizeof out, "%s/out", d);
        if (calibrate(path, out, 2, 32, 0, err, sizeof err) != 0)
            fail_msg("calibrate: %s", err);
        row(out, "arrivals.kids.per_year", &e, &lo, &hi);
        print_message("  truth %g a year, %g days (seed %u): arrivals %.1f (%.1f to %.1f)", py,
                      mean, seed, e, lo, hi);
        inside += lo <= py && py <= hi;
        assert_true(lo <= e && e <= hi);
        assert_true(hi - lo < 600.0 / 4); /* a quarter of the prior's range */
        row(out, "stages.care.duration.mean", &e, &lo, &hi);
        print_message(", stay %.1f (%.1f to %.1f)\n", e, lo, hi);
        inside += lo <= mean && mean <= hi;
        assert_true(lo <= e && e <= hi);
        assert_true(hi - lo < 500.0 / 4);
        total += 2;
        files_rm_tree(d);
    }
    print_message("  %d of %d intervals hold the known value\n", inside, total);
    if (inside < NEED)
        fail_msg("only %d of %d intervals hold the known value (at least %d expected)", inside,
                 total, NEED);
}

/* Not a test: CALIB_COVERAGE="SEED N" calibrates N data sets at each truth (seeds
 * SEED.., SEED+1000..) and prints how many intervals hold the truth (the coverage
 * quoted in docs/calibrate.md was measured so, on seeds the test does not use). */
static void coverage_measurement(void **state)
{
    const char *env = getenv("CALIB_COVERAGE");
    unsigned s0 = 0;
    int n = 0;
    if (!env || sscanf(env, "%u %d", &s0, &n) != 2)
        skip();
    int inside = 0, total = 0;
    for (int t = 0; t < 2 * n; t++) {
        double py = t < n ? 400 : 600, mean = t < n ? 300 : 200;
        unsigned seed = t < n ? s0 + (unsigned)t : s0 + 1000 + (unsigned)(t - n);
        char d[64], path[PATH_MAX], out[PATH_MAX], err[2048];
        double e, lo, hi, e2, lo2, hi2;
        tmpdir(d, sizeof d);
        observe(d, py, mean, seed);
        snprintf(path, sizeof path, "%s/fitme.yaml", d);
        snprintf(out, sizeof out, "%s/out", d);
        if (calibrate(path, out, 2, 32, 0, err, sizeof err) != 0)
            fail_msg("calibrate: %s", err);
        row(out, "arrivals.kids.per_year", &e, &lo, &hi);
        row(out, "stages.care.duration.mean", &e2, &lo2, &hi2);
        char *m = files_read_in(out, "manifest.json");
        char *dm = m ? strstr(m, "discrepancy_min") : NULL, *inf = m ? strstr(m, "noise_inflation") : NULL;
        int a = lo <= py && py <= hi, b = lo2 <= mean && mean <= hi2;
        inside += a + b;
        total += 2;
        print_message("  %g/%g seed %u: arrivals %.1f (%.1f-%.1f)%s stay %.1f (%.1f-%.1f)%s "
                      "Dmin %.5s infl %.5s\n", py, mean, seed, e, lo, hi, a ? "" : " MISS",
                      e2, lo2, hi2, b ? "" : " MISS", dm ? dm + 18 : "?", inf ? inf + 18 : "?");
        free(m);
        if (getenv("CALIB_KEEP"))
            print_message("  kept %s\n", d);
        else
            files_rm_tree(d);
    }
    print_message("coverage: %d of %d\n", inside, total);
}

/* ---- items on the start day, the GSL handler ------------------------------------- */

static void gsl_handler_mark(const char *reason, const char *file, int line, int gsl_errno)
{
}

static void start_day_items_are_not_data(void **state)
{
    char d[64], path[PATH_MAX], out[PATH_MAX], err[2048], text[8192];
    tmpdir(d, sizeof d);
    int at = snprintf(text, sizeof text, truth_head, 300.0, 400.0);
    snprintf(text + at, sizeof text - (size_t)at,
             "observed:\n  - {stages: [care], date: 2020-01-01, value: 330}\n"
             "  - {stages: [care], date: 2020-12-31, value: 330}\n"
             "  - {stages: [care], metric: entries, from: 2020-01-02, to: 2020-12-31, "
             "value: 400}\n%s", priors);
    write_text(d, "start.yaml", text);
    snprintf(path, sizeof path, "%s/start.yaml", d);
    snprintf(out, sizeof out, "%s/out", d);
    /* the caller's GSL error handler is the caller's again afterwards */
    gsl_set_error_handler(gsl_handler_mark);
    if (calibrate(path, out, 2, 8, 0, err, sizeof err) != 0)
        fail_msg("calibrate: %s", err);
    assert_ptr_equal(gsl_set_error_handler(NULL), gsl_handler_mark);
    char *t = files_read_in(out, "calibrate_items.csv");
    assert_non_null(t);
    assert_non_null(strstr(t, ",fitted_item,note\n2020-01-01,care,stock,330,,,,0,on the start "
                              "day: the initial count itself\n2020-12-31,care,stock,330,"));
    free(t);
    t = files_read_in(out, "manifest.json");
    assert_non_null(strstr(t, "\"items_fitted\": 2"));
    free(t);
    t = files_read_in(out, "calibrate.csv");
    assert_memory_equal(t, "name,label,estimate,low,high,median,prior_low,prior_high,ess,"
                           "at_prior_bound,box_cut\n", 84);
    free(t);
    files_rm_tree(d);
}

/* ---- bytes --------------------------------------------------------------------------- */

static const char *const result_files[] = {"calibrate.csv", "calibrate_points.csv",
                                           "calibrate_items.csv", "calibrated.yaml",
                                           "fit.csv", "summary.csv", "timeseries.csv", NULL};

static void same_files(const char *d1, const char *d2)
{
    for (int i = 0; result_files[i]; i++) {
        char *a = files_read_in(d1, result_files[i]), *b = files_read_in(d2, result_files[i]);
        if (!a || !b)
            fail_msg("%s missing in %s or %s", result_files[i], d1, d2);
        if (strcmp(a, b) != 0)
            fail_msg("%s differs between %s and %s", result_files[i], d1, d2);
        free(a);
        free(b);
    }
}

static void same_bytes_at_any_thread_count_and_after_an_interruption(void **state)
{
    char d[64], path[PATH_MAX], o1[PATH_MAX], o2[PATH_MAX], o3[PATH_MAX], o4[PATH_MAX];
    char err[2048];
    tmpdir(d, sizeof d);
    observe(d, 400, 300, 11);
    snprintf(path, sizeof path, "%s/fitme.yaml", d);
    snprintf(o1, sizeof o1, "%s/t1", d);
    snprintf(o2, sizeof o2, "%s/t2", d);
    snprintf(o3, sizeof o3, "%s/i1", d);
    snprintf(o4, sizeof o4, "%s/i2", d);
    assert_int_equal(calibrate(path, o1, 1, 16, 0, err, sizeof err), 0);
    assert_int_equal(calibrate(path, o2, 2, 16, 0, err, sizeof err), 0);
    same_files(o1, o2);
    /* stopped in the design (its 16 points), then in the posterior (past them) */
    assert_int_equal(calibrate(path, o3, 2, 16, 5, err, sizeof err), SIM_EINTR);
    assert_null(files_read_in(o3, "calibrate.csv"));
    assert_int_equal(calibrate(path, o3, 2, 16, 0, err, sizeof err), 0);
    same_files(o1, o3);
    assert_int_equal(calibrate(path, o4, 1, 16, 30, err, sizeof err), SIM_EINTR);
    assert_null(files_read_in(o4, "calibrate.csv"));
    assert_int_equal(calibrate(path, o4, 2, 16, 0, err, sizeof err), 0);
    same_files(o1, o4);
    char ck[PATH_MAX + 16];
    snprintf(ck, sizeof ck, "%s/.checkpoint", o4);
    assert_int_equal(access(ck, F_OK), -1); /* gone with the finished set */
    files_rm_tree(d);
}

/* ---- the command line -------------------------------------------------------------- */

static const char *bin(void)
{
    const char *b = getenv("CAREFLOW");
    return b && *b ? b : "build/careflow";
}

/* Runs a shell command; returns its exit status, its stderr in err. */
static int sh(const char *cmd, char *err, size_t len)
{
    char full[20000], errf[] = "/tmp/careflow-calib-err-XXXXXX";
    int fd = mkstemp(errf);
    close(fd);
    snprintf(full, sizeof full, "%s >/dev/null 2>%s", cmd, errf);
    int st = system(full);
    char *e = files_slurp(errf);
    snprintf(err, len, "%s", e ? e : "");
    free(e);
    unlink(errf);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

static void calibrated_yaml_runs_and_gives_the_same_fit(void **state)
{
    char d[64], cmd[16384], err[4096], out[PATH_MAX], run[PATH_MAX];
    tmpdir(d, sizeof d);
    observe(d, 400, 300, 12);
    snprintf(out, sizeof out, "%s/cal", d);
    snprintf(run, sizeof run, "%s/run", d);
    snprintf(cmd, sizeof cmd,
             "%s calibrate %s/fitme.yaml --samples 16 --reps 6 --out %s --no-plots --quiet",
             bin(), d, out);
    if (sh(cmd, err, sizeof err) != 0)
        fail_msg("calibrate failed: %s", err);
    snprintf(cmd, sizeof cmd, "%s run %s/calibrated.yaml --out %s --no-plots --quiet", bin(),
             out, run);
    if (sh(cmd, err, sizeof err) != 0)
        fail_msg("run of calibrated.yaml failed: %s", err);
    char *a = files_read_in(out, "fit.csv"), *b = files_read_in(run, "fit.csv");
    assert_non_null(a);
    assert_non_null(b);
    assert_string_equal(a, b);
    free(a);
    free(b);
    /* and it sets the estimates: the stay in calibrate.csv is the stay it runs */
    double e, lo, hi;
    row(out, "stages.care.duration.mean", &e, &lo, &hi);
    char *y = files_read_in(out, "calibrated.yaml");
    const char *key = "  stages.care.duration.mean: ";
    char *v = strstr(y, key);
    if (!strstr(y, "include: [../fitme.yaml]") || !strstr(y, "\nset:\n") || !v)
        fail_msg("calibrated.yaml does not include the original and set: %s", y);
    assert_true(fabs(strtod(v + strlen(key), NULL) - e) < 1e-6 * e);
    free(y);
    files_rm_tree(d);
}

static void refuses_what_it_cannot_fit(void **state)
{
    char d[64], cmd[16384], err[4096], out[PATH_MAX], text[8192];
    tmpdir(d, sizeof d);
    snprintf(out, sizeof out, "%s/out", d);
    /* no uncertain */
    snprintf(cmd, sizeof cmd, "%s calibrate scenarios/examples/mmc.yaml --out %s", bin(), out);
    assert_int_equal(sh(cmd, err, sizeof err), 2);
    assert_non_null(strstr(err, "no `uncertain:` parameters"));
    /* no observed */
    int at = snprintf(text, sizeof text, truth_head, 300.0, 400.0);
    snprintf(text + at, sizeof text - (size_t)at, "%s", priors);
    write_text(d, "noobs.yaml", text);
    snprintf(cmd, sizeof cmd, "%s calibrate %s/noobs.yaml --out %s", bin(), d, out);
    assert_int_equal(sh(cmd, err, sizeof err), 2);
    assert_non_null(strstr(err, "no `observed:` items"));
    /* a prior whose low end breaks the scenario: named at its item */
    at = snprintf(text, sizeof text, truth_head, 300.0, 400.0);
    snprintf(text + at, sizeof text - (size_t)at,
             "observed:\n  - {stages: [care], date: 2020-06-30, value: 300}\n"
             "uncertain:\n  - {path: stages.care.duration.mean, dist: uniform, min: -5, "
             "max: 600}\n");
    write_text(d, "bad.yaml", text);
    snprintf(cmd, sizeof cmd, "%s calibrate %s/bad.yaml --out %s", bin(), d, out);
    assert_int_equal(sh(cmd, err, sizeof err), 2);
    /* said once, without a second "error:" after the position */
    assert_non_null(strstr(err, "careflow: error: "));
    assert_non_null(strstr(err, "bad.yaml:22:5: uncertain 'stages.care.duration.mean'"));
    assert_null(strstr(strstr(err, "error:") + 6, "error:"));
    assert_int_equal(access(out, F_OK), -1); /* nothing written */
    /* a normal prior fine at its 5% and 95% points but negative in the tail calibrate
     * samples (the clipped unit cube's 0.05% point): refused before simulating */
    at = snprintf(text, sizeof text, truth_head, 300.0, 400.0);
    snprintf(text + at, sizeof text - (size_t)at,
             "observed:\n  - {stages: [care], date: 2020-06-30, value: 300}\n"
             "uncertain:\n  - {path: stages.care.duration.mean, dist: normal, mean: 300, "
             "sd: 100}\n");
    write_text(d, "tail.yaml", text);
    snprintf(cmd, sizeof cmd, "%s calibrate %s/tail.yaml --out %s", bin(), d, out);
    assert_int_equal(sh(cmd, err, sizeof err), 2);
    assert_non_null(strstr(err, "tail.yaml:22:5: uncertain 'stages.care.duration.mean' at -"));
    assert_null(strstr(err, "calibrate: 1 parameter")); /* nothing simulated */
    assert_int_equal(access(out, F_OK), -1);
    /* the seed, and a path that moves the report instants, are not values to fit */
    static const char *const fixed[] = {"seed", "horizon_days"};
    for (int j = 0; j < 2; j++) {
        at = snprintf(text, sizeof text, truth_head, 300.0, 400.0);
        snprintf(text + at, sizeof text - (size_t)at,
                 "observed:\n  - {stages: [care], date: 2020-06-30, value: 300}\n"
                 "uncertain:\n  - {path: %s, dist: uniform, min: 400, max: 700}\n", fixed[j]);
        write_text(d, "fixed.yaml", text);
        snprintf(cmd, sizeof cmd, "%s calibrate %s/fixed.yaml --out %s", bin(), d, out);
        assert_int_equal(sh(cmd, err, sizeof err), 2);
        char want[128];
        snprintf(want, sizeof want, "fixed.yaml:22:5: calibrate cannot fit '%s'", fixed[j]);
        if (!strstr(err, want))
            fail_msg("expected '%s' in: %s", want, err);
        assert_int_equal(access(out, F_OK), -1);
    }
    /* no item inside the simulated period (only one on the start day, one after the
     * horizon): refused at once, naming the file */
    at = snprintf(text, sizeof text, truth_head, 300.0, 400.0);
    snprintf(text + at, sizeof text - (size_t)at,
             "observed:\n  - {stages: [care], date: 2020-01-01, value: 330}\n"
             "  - {stages: [care], date: 2030-01-01, value: 300}\n%s", priors);
    write_text(d, "none.yaml", text);
    snprintf(cmd, sizeof cmd, "%s calibrate %s/none.yaml --out %s", bin(), d, out);
    assert_int_equal(sh(cmd, err, sizeof err), 2);
    assert_non_null(strstr(err, "none.yaml:1:1: none of the 2 observed items"));
    assert_null(strstr(err, "calibrate: 2 parameters")); /* nothing simulated */
    assert_int_equal(access(out, F_OK), -1);
    snprintf(cmd, sizeof cmd, "%s calibrate --help | grep -q 'not resumable'", bin());
    assert_int_equal(system(cmd), 0);
    snprintf(cmd, sizeof cmd, "%s calibrate --help | grep -q 'Nelder-Mead'", bin());
    assert_int_equal(system(cmd), 0);
    files_rm_tree(d);
}

static void mpi_ranks_write_the_same_bytes_as_threads(void **state)
{
    const char *mpi = getenv("CAREFLOW_MPI_BIN");
    char d[64], cmd[16384], err[4096], o1[PATH_MAX], o2[PATH_MAX];
    if (!mpi || !*mpi || access(mpi, X_OK) != 0 || system("command -v mpirun >/dev/null") != 0) {
        print_message("  skipped: no MPI build (install openmpi-bin and libopenmpi-dev, or run "
                      "`make MPI=1 test`, to run this test)\n");
        skip();
    }
    tmpdir(d, sizeof d);
    observe(d, 400, 300, 13);
    snprintf(o1, sizeof o1, "%s/threads", d);
    snprintf(o2, sizeof o2, "%s/mpi", d);
    snprintf(cmd, sizeof cmd,
             "%s calibrate %s/fitme.yaml --samples 16 --reps 6 --threads 2 --out %s "
             "--no-plots --quiet", bin(), d, o1);
    assert_int_equal(sh(cmd, err, sizeof err), 0);
    snprintf(cmd, sizeof cmd,
             "OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 timeout 120 mpirun -n 3 "
             "--oversubscribe %s calibrate %s/fitme.yaml --samples 16 --reps 6 --out %s "
             "--no-plots --quiet", mpi, d, o2);
    int st = sh(cmd, err, sizeof err);
    if (st != 0)
        fail_msg("mpirun failed (%d): %s", st, err);
    same_files(o1, o2);
    char *man = files_read_in(o2, "manifest.json");
    assert_non_null(strstr(man, "\"ranks\": 3"));
    free(man);
    /* a refusal is said once, not once a rank */
    char text[8192], o3[PATH_MAX];
    int at = snprintf(text, sizeof text, truth_head, 300.0, 400.0);
    snprintf(text + at, sizeof text - (size_t)at,
             "observed:\n  - {stages: [care], date: 2020-06-30, value: 300}\n"
             "uncertain:\n  - {path: seed, dist: uniform, min: 1, max: 9}\n");
    write_text(d, "seed.yaml", text);
    snprintf(o3, sizeof o3, "%s/refused", d);
    snprintf(cmd, sizeof cmd,
             "OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 timeout 120 mpirun -n 3 "
             "--oversubscribe %s calibrate %s/seed.yaml --out %s", mpi, d, o3);
    assert_int_not_equal(sh(cmd, err, sizeof err), 0);
    char *first = strstr(err, "careflow: error: ");
    if (!first || strstr(first + 1, "careflow: error: "))
        fail_msg("the refusal should be said once: %s", err);
    assert_int_equal(access(o3, F_OK), -1);
    files_rm_tree(d);
}

/* ---- set: in a file (what calibrated.yaml is made of) -------------------------------- */

static void set_in_a_file_overrides_what_it_includes(void **state)
{
    char d[64], text[8192], path[PATH_MAX + 32], err[1024];
    scenario_t *sc = NULL;
    tmpdir(d, sizeof d);
    snprintf(text, sizeof text, truth_head, 300.0, 400.0);
    write_text(d, "base.yaml", text);
    /* an included file's set:, then the including file's set: and own keys win */
    write_text(d, "mid.yaml", "include: [base.yaml]\nset:\n  arrivals.kids.per_year: 500\n"
                              "  stages.care.duration.mean: 250\n");
    write_text(d, "top.yaml", "version: 1\ninclude: [mid.yaml]\nname: top\n"
                              "set:\n  arrivals.kids.per_year: 730.5\n");
    snprintf(path, sizeof path, "%s/top.yaml", d);
    sc = load(path);
    assert_string_equal(sc->name, "top");
    assert_true(fabs(sc->arrivals[0].rate - 2.0) < 1e-12); /* 730.5 a year */
    assert_true(fabs(dist_mean(&sc->stages[0].duration) - 250) < 1e-9);
    scenario_free(sc);
    /* --set wins over set: */
    const char *over = "arrivals.kids.per_year=365.25";
    assert_int_equal(scenario_load(path, &over, 1, &sc, err, sizeof err), 0);
    assert_true(fabs(sc->arrivals[0].rate - 1.0) < 1e-12);
    scenario_free(sc);
    /* errors point at the item */
    write_text(d, "bad.yaml", "version: 1\ninclude: [base.yaml]\nset:\n"
                              "  arrivals.kds.per_year: 5\n");
    snprintf(path, sizeof path, "%s/bad.yaml", d);
    assert_int_equal(scenario_load(path, NULL, 0, &sc, err, sizeof err), SIM_EINVAL);
    assert_non_null(strstr(err, "bad.yaml:4:3: error: no list item named 'kds'"));
    write_text(d, "bad2.yaml", "version: 1\ninclude: [base.yaml]\nset: [x]\n");
    snprintf(path, sizeof path, "%s/bad2.yaml", d);
    assert_int_equal(scenario_load(path, NULL, 0, &sc, err, sizeof err), SIM_EINVAL);
    assert_non_null(strstr(err, "bad2.yaml:3:6: error: set must be a map"));
    files_rm_tree(d);
}

/* ---- out of memory ------------------------------------------------------------------- */

/* 1 if dir holds an entry whose name starts with prefix. */
static int has_entry(const char *dir, const char *prefix)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int found = 0;
    while (d && !found && (e = readdir(d)))
        found = !strncmp(e->d_name, prefix, strlen(prefix));
    if (d)
        closedir(d);
    return found;
}

/* Allocations of a tiny calibration made to fail (every one of the first 200, then
 * every 2999th: a full pass, over 200,000 of them, would take minutes): each ends in
 * SIM_ENOMEM with a message, writes no result file, leaves no staging folder and
 * frees what it took. */
static void failed_allocations_end_cleanly(void **state)
{
    char d[64], path[256], out[256], err[2048], staged[96];
    tmpdir(d, sizeof d);
    observe(d, 400, 300, 11);
    snprintf(path, sizeof path, "%s/fitme.yaml", d);
    scenario_t *sc = load(path);
    sc->replications = 2;
    long n, tried = 0;
    for (n = 1; n < 1000000; n = n < 200 ? n + 1 : n + 2999) {
        failalloc_t f;
        snprintf(out, sizeof out, "%s/out-%ld", d, n);
        calib_opts_t o = {.samples = 2, .threads = 1, .out_dir = out, .no_plots = 1,
                          .quiet = 1, .fresh = 1, .cmdline = "test"};
        err[0] = 0;
        failalloc_begin(&f, n);
        int rc = calib_run(sc, &o, err, sizeof err);
        failalloc_end();
        tried++;
        if (atomic_load(&f.live) != 0)
            fail_msg("allocation %ld: %ld blocks left allocated", n, atomic_load(&f.live));
        if (rc == 0) {
            if (atomic_load(&f.calls) >= n)
                fail_msg("allocation %ld failed and the calibration succeeded", n);
            break;
        }
        if (rc != SIM_ENOMEM || !err[0])
            fail_msg("allocation %ld: got %d (%s), wanted SIM_ENOMEM with a message", n, rc,
                     err);
        assert_null(files_read_in(out, "calibrate.csv"));
        snprintf(staged, sizeof staged, ".out-%ld.new-", n);
        assert_false(has_entry(d, staged));
    }
    print_message("  %ld failures tried, up to allocation %ld\n", tried, n);
    assert_true(n > 200 && n < 1000000);
    scenario_free(sc);
    files_rm_tree(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(recovers_known_parameters_within_its_intervals),
        cmocka_unit_test(start_day_items_are_not_data),
        cmocka_unit_test(same_bytes_at_any_thread_count_and_after_an_interruption),
        cmocka_unit_test(calibrated_yaml_runs_and_gives_the_same_fit),
        cmocka_unit_test(refuses_what_it_cannot_fit),
        cmocka_unit_test(set_in_a_file_overrides_what_it_includes),
        cmocka_unit_test(failed_allocations_end_cleanly),
        cmocka_unit_test(mpi_ranks_write_the_same_bytes_as_threads),
    };
    const struct CMUnitTest measure[] = {cmocka_unit_test(coverage_measurement)};
    if (getenv("CALIB_COVERAGE"))
        return cmocka_run_group_tests(measure, NULL, NULL);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
