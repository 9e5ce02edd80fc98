/* test_sensitivity.c: `uncertain:` and `careflow sensitivity`, against truths nobody
 * here wrote.
 *
 * scenarios/examples/analytic-sobol.yaml is an M/D/infinity queue whose expected
 * avg_stock is lambda x D / 365.25 (Little's law), so its Sobol indices, one-at-a-time
 * values and Morris effects follow from calculus (the file derives them). Through the
 * whole simulator, the estimates must agree within their own intervals. Then: the same
 * bytes at any thread count, an interrupted sweep resumes to the same bytes, stale or
 * torn checkpoints are harmless, bad `uncertain:` items and bad options are refused with
 * FILE:LINE:COL or exit status 2, and an MPI run (where MPI is installed) writes the
 * same bytes as threads. */
#define _XOPEN_SOURCE 700 /* nftw() */
#include <dirent.h>
#include <ftw.h>
#include <limits.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "tests/files.h"

#include "models/scenario/scenario.h"
#include "models/commands/sens.h"
#include "sim/mem.h"
#include "tests/failalloc.h"

#define ANALYTIC "scenarios/examples/analytic-sobol.yaml"

/* The analytic indices of Y = lambda D (see the scenario's comment). */
static void analytic(double S1[3], double ST[3])
{
    double m1 = 2000, v1 = 2000.0 * 2000 / 12, m2 = 60, v2 = 40.0 * 40 / 12;
    double V = (v1 + m1 * m1) * (v2 + m2 * m2) - m1 * m1 * m2 * m2;
    S1[0] = v1 * m2 * m2 / V;
    S1[1] = v2 * m1 * m1 / V;
    ST[0] = (v1 * m2 * m2 + v1 * v2) / V;
    ST[1] = (v2 * m1 * m1 + v1 * v2) / V;
    S1[2] = ST[2] = 0;
}

/* ---- helpers ----------------------------------------------------------------------- */

/* Splits one CSV line (RFC 4180 quotes) into at most max fields, in place. */
static int split(char *line, char **f, int max)
{
    int n = 0;
    char *w = line, *r = line;
    while (n < max) {
        f[n++] = w;
        if (*r == '"') {
            r++;
            for (; *r; r++) {
                if (*r == '"' && r[1] == '"') {
                    *w++ = '"';
                    r++;
                } else if (*r == '"') {
                    r++;
                    break;
                } else {
                    *w++ = *r;
                }
            }
        } else {
            while (*r && *r != ',' && *r != '\n')
                *w++ = *r++;
        }
        if (*r != ',') {
            *w = 0;
            break;
        }
        *w++ = 0;
        r++;
    }
    return n;
}

/* The row of `file` whose column `col` equals `key` (and column `col2` equals key2,
 * if key2), split into f; 0 if none. Uses buf (owned by the caller) for the text. */
static int find_row(const char *dir, const char *file, int col, const char *key, int col2,
                    const char *key2, char **buf, char **f, int max)
{
    free(*buf);
    *buf = files_read_in(dir, file);
    if (!*buf)
        return 0;
    for (char *line = *buf; line && *line;) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = 0;
        char copy[4096];
        snprintf(copy, sizeof copy, "%s", line);
        int n = split(line, f, max);
        if (n > col && !strcmp(f[col], key) && (!key2 || (n > col2 && !strcmp(f[col2], key2))))
            return n;
        line = nl ? nl + 1 : NULL;
    }
    return 0;
}

static sens_opts_t opts(sens_method_t m, int samples, const char *out, int threads)
{
    sens_opts_t o = {.method = m,
                     .samples = samples,
                     .threads = threads,
                     .out_dir = out,
                     .no_plots = 1,
                     .quiet = 1,
                     .n_boot = 200,
                     .cmdline = "test"};
    return o;
}

static scenario_t *load(const char *path)
{
    scenario_t *sc = NULL;
    char err[1024];
    if (scenario_load(path, NULL, 0, &sc, err, sizeof err) != 0)
        fail_msg("%s", err);
    return sc;
}

static void tmpdir(char *buf, size_t len)
{
    snprintf(buf, len, "/tmp/careflow-sens-XXXXXX");
    assert_non_null(mkdtemp(buf));
}

static void same_file(const char *d1, const char *d2, const char *name)
{
    char *a = files_read_in(d1, name), *b = files_read_in(d2, name);
    if (!a || !b)
        fail_msg("%s missing in %s or %s", name, d1, d2);
    if (strcmp(a, b) != 0)
        fail_msg("%s differs between %s and %s", name, d1, d2);
    free(a);
    free(b);
}

/* ---- through the simulator ---------------------------------------------------------- */

static void sobol_reproduces_analytic_indices(void **state)
{
    char dir[64], *buf = NULL, *f[16], err[1024];
    double S1[3], ST[3];
    static const char *const names[3] = {"arrivals.children.per_year",
                                         "stages.hold.duration.value",
                                         "stages.unused.duration.value"};
    tmpdir(dir, sizeof dir);
    scenario_t *sc = load(ANALYTIC);
    sens_opts_t o = opts(SENS_SOBOL, 256, dir, 2);
    o.outputs = "avg_stock:hold";
    assert_int_equal(sens_run(sc, &o, err, sizeof err), 0);
    analytic(S1, ST);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(find_row(dir, "sobol.csv", 2, names[i], -1, NULL, &buf, f, 16), 9);
        double s1 = atof(f[4]), s1c = atof(f[5]), st = atof(f[6]), stc = atof(f[7]);
        print_message("  %-30s S1 %.4f +- %.4f (analytic %.4f)  ST %.4f +- %.4f (analytic %.4f)\n",
                      names[i], s1, s1c, S1[i], st, stc, ST[i]);
        if (i < 2) {
            assert_true(fabs(s1 - S1[i]) <= s1c);
            assert_true(fabs(st - ST[i]) <= stc);
            assert_true(s1c < 0.15 && stc < 0.15);
            assert_string_equal(f[8], "no");
        } else {
            /* common random numbers: a stage nobody enters changes nothing at all */
            assert_true(fabs(s1) < 1e-12 && fabs(st) < 1e-12);
        }
    }
    /* noise is reported apart, and here it is small */
    assert_int_equal(find_row(dir, "noise.csv", 0, "avg_stock", 1, "hold", &buf, f, 16), 8);
    assert_true(atof(f[4]) < 0.01);
    /* common random numbers: the noise that differs between points is less than the
     * noise of a point on its own */
    assert_true(atof(f[3]) < atof(f[5]));
    /* the convergence file has every N for every parameter */
    char *conv = files_read_in(dir, "sobol_convergence.csv");
    assert_non_null(conv);
    int rows = 0;
    for (char *p = conv; (p = strchr(p, '\n')); p++)
        rows++;
    assert_int_equal(rows, 1 + 3 * 5); /* N = 16, 32, 64, 128, 256 */
    free(conv);
    free(buf);
    scenario_free(sc);
    files_rm_tree(dir);
}

static void oat_gives_the_analytic_ends_and_order(void **state)
{
    char dir[64], *buf = NULL, *f[16], err[1024];
    tmpdir(dir, sizeof dir);
    scenario_t *sc = load(ANALYTIC);
    sens_opts_t o = opts(SENS_OAT, 0, dir, 2);
    o.outputs = "avg_stock:hold";
    assert_int_equal(sens_run(sc, &o, err, sizeof err), 0);
    char *text = files_read_in(dir, "oat.csv");
    assert_non_null(text);
    /* largest swing first: the rate (2000 x 60 / 365.25 = 328.5 a swing), then the stay
     * (40 x 2000 / 365.25 = 219.0), then the unused stage (exactly 0) */
    char *l1 = strchr(text, '\n') + 1, *l2 = strchr(l1, '\n') + 1, *l3 = strchr(l2, '\n') + 1;
#define STARTS(line, text) assert_int_equal(strncmp(line, text, strlen(text)), 0)
    STARTS(l1, "avg_stock,hold,arrivals.children.per_year,");
    STARTS(l2, "avg_stock,hold,stages.hold.duration.value,");
    STARTS(l3, "avg_stock,hold,stages.unused.duration.value,");
    free(text);
    assert_int_equal(find_row(dir, "oat.csv", 2, "arrivals.children.per_year", -1, NULL, &buf,
                              f, 16), 12);
    assert_string_equal(f[4], "1000");
    assert_string_equal(f[5], "3000");
    double base = atof(f[6]), lo = atof(f[7]), hi = atof(f[8]);
    assert_true(fabs(base / (2000 * 60 / 365.25) - 1) < 0.03);
    assert_true(fabs(lo / (1000 * 60 / 365.25) - 1) < 0.03);
    assert_true(fabs(hi / (3000 * 60 / 365.25) - 1) < 0.03);
    /* the paired interval of the swing holds its analytic value */
    assert_true(atof(f[10]) <= 2000 * 60 / 365.25 * 1.03 && atof(f[11]) >= 2000 * 60 / 365.25 * 0.97);
    assert_int_equal(find_row(dir, "oat.csv", 2, "stages.unused.duration.value", -1, NULL,
                              &buf, f, 16), 12);
    assert_string_equal(f[9], "0");
    free(buf);
    scenario_free(sc);
    files_rm_tree(dir);
}

static void morris_ranks_and_sees_the_interaction(void **state)
{
    char dir[64], *buf = NULL, *f[16], err[1024];
    tmpdir(dir, sizeof dir);
    scenario_t *sc = load(ANALYTIC);
    sens_opts_t o = opts(SENS_MORRIS, 20, dir, 2);
    o.outputs = "avg_stock:hold";
    assert_int_equal(sens_run(sc, &o, err, sizeof err), 0);
    double mu[3], sigma[3];
    static const char *const names[3] = {"arrivals.children.per_year",
                                         "stages.hold.duration.value",
                                         "stages.unused.duration.value"};
    for (int i = 0; i < 3; i++) {
        assert_int_equal(find_row(dir, "morris.csv", 2, names[i], -1, NULL, &buf, f, 16), 9);
        mu[i] = atof(f[5]);
        sigma[i] = atof(f[6]);
    }
    /* on the unit scale, dY/du1 = 2000 D / 365.25 (mean over D: 328.5), dY/du2 =
     * 40 lambda / 365.25 (mean 219.0); each varies with the other: sigma > 0 */
    assert_true(fabs(mu[0] / 328.5 - 1) < 0.25);
    assert_true(fabs(mu[1] / 219.0 - 1) < 0.25);
    assert_true(sigma[0] > 1 && sigma[1] > 1);
    assert_true(mu[2] == 0 && sigma[2] == 0);
    free(buf);
    scenario_free(sc);
    files_rm_tree(dir);
}

static void lhs_propagates_the_uncertainty(void **state)
{
    char dir[64], *buf = NULL, *f[16], err[1024];
    tmpdir(dir, sizeof dir);
    scenario_t *sc = load(ANALYTIC);
    sens_opts_t o = opts(SENS_LHS, 200, dir, 2);
    o.outputs = "avg_stock:hold";
    assert_int_equal(sens_run(sc, &o, err, sizeof err), 0);
    /* E[lambda D] / 365.25 = 328.5; sd = sqrt(V) / 365.25 = 115.4 */
    assert_int_equal(find_row(dir, "lhs.csv", 0, "avg_stock", 1, "hold", &buf, f, 16), 10);
    assert_true(fabs(atof(f[2]) / 328.5 - 1) < 0.03);
    assert_true(fabs(atof(f[3]) / 115.4 - 1) < 0.10);
    assert_true(atof(f[4]) < atof(f[6]) && atof(f[6]) < atof(f[8]));
    assert_int_equal(find_row(dir, "lhs_correlation.csv", 2, "arrivals.children.per_year", -1,
                              NULL, &buf, f, 16), 5);
    double r_rate = atof(f[4]);
    assert_int_equal(find_row(dir, "lhs_correlation.csv", 2, "stages.hold.duration.value", -1,
                              NULL, &buf, f, 16), 5);
    double r_stay = atof(f[4]);
    assert_true(r_rate > r_stay && r_stay > 0.3);
    /* fan chart data: the stock of `hold` over time, percentiles across points */
    assert_true(find_row(dir, "lhs_timeseries.csv", 2, "hold", 3, "stock", &buf, f, 16) == 10);
    free(buf);
    scenario_free(sc);
    files_rm_tree(dir);
}

static const char *const result_files[] = {"params.csv", "design.csv", "design_unit.csv",
                                           "Y.csv", "noise.csv", NULL};

static void same_bytes_at_any_thread_count(void **state)
{
    char d1[64], d2[64], err[1024];
    tmpdir(d1, sizeof d1);
    tmpdir(d2, sizeof d2);
    scenario_t *sc = load(ANALYTIC);
    sens_opts_t o = opts(SENS_SOBOL, 16, d1, 1);
    assert_int_equal(sens_run(sc, &o, err, sizeof err), 0);
    o = opts(SENS_SOBOL, 16, d2, 2);
    assert_int_equal(sens_run(sc, &o, err, sizeof err), 0);
    for (int i = 0; result_files[i]; i++)
        same_file(d1, d2, result_files[i]);
    same_file(d1, d2, "sobol.csv");
    same_file(d1, d2, "sobol_convergence.csv");
    scenario_free(sc);
    files_rm_tree(d1);
    files_rm_tree(d2);
}

static void interrupted_sweep_resumes_to_the_same_bytes(void **state)
{
    char d1[64], d2[64], err[1024], path[PATH_MAX];
    tmpdir(d1, sizeof d1);
    tmpdir(d2, sizeof d2);
    scenario_t *sc = load(ANALYTIC);
    sens_opts_t o = opts(SENS_LHS, 12, d1, 1);
    assert_int_equal(sens_run(sc, &o, err, sizeof err), 0);

    o = opts(SENS_LHS, 12, d2, 1);
    o.stop_after = 5;
    assert_int_equal(sens_run(sc, &o, err, sizeof err), SIM_EINTR);
    assert_non_null(strstr(err, "resume"));
    snprintf(path, sizeof path, "%s/.checkpoint/points-0.txt", d2);
    char *ck = files_slurp(path);
    assert_non_null(ck);
    int lines = 0;
    for (char *p = ck; (p = strchr(p, '\n')); p++)
        lines++;
    /* the header, the one input file read (the scenario) and five points */
    assert_int_equal(lines, 1 + sc->n_inputs + 5);
    assert_int_equal(sc->n_inputs, 1);
    free(ck);
    snprintf(path, sizeof path, "%s/Y.csv", d2);
    assert_int_equal(access(path, F_OK), -1); /* nothing written yet */
    /* a torn last line (the machine died mid-write) is ignored */
    snprintf(path, sizeof path, "%s/.checkpoint/points-0.txt", d2);
    FILE *f = fopen(path, "a");
    assert_non_null(f);
    fputs("7 0x1.8p+", f);
    fclose(f);

    o.stop_after = 0;
    assert_int_equal(sens_run(sc, &o, err, sizeof err), 0);
    for (int i = 0; result_files[i]; i++)
        same_file(d1, d2, result_files[i]);
    same_file(d1, d2, "lhs.csv");
    char *man = files_read_in(d2, "manifest.json");
    assert_non_null(man);
    assert_non_null(strstr(man, "\"resumed_points\": 5"));
    free(man);
    snprintf(path, sizeof path, "%s/.checkpoint", d2);
    assert_int_equal(access(path, F_OK), -1); /* removed once the outputs are written */
    scenario_free(sc);
    files_rm_tree(d1);
    files_rm_tree(d2);
}

static void checkpoint_of_another_sweep_is_not_used(void **state)
{
    char d1[64], err[1024], path[PATH_MAX];
    tmpdir(d1, sizeof d1);
    scenario_t *sc = load(ANALYTIC);
    snprintf(path, sizeof path, "%s/.checkpoint", d1);
    assert_int_equal(mkdir(path, 0777), 0);
    snprintf(path, sizeof path, "%s/.checkpoint/points-0.txt", d1);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("careflow-sensitivity-checkpoint 1 0000\n0 0x1p+0 0x1p+0\n", f);
    fclose(f);
    sens_opts_t o = opts(SENS_OAT, 0, d1, 2);
    assert_int_equal(sens_run(sc, &o, err, sizeof err), 0);
    char *man = files_read_in(d1, "manifest.json");
    assert_non_null(strstr(man, "\"resumed_points\": 0"));
    free(man);
    scenario_free(sc);
    files_rm_tree(d1);
}

/* OUT/.checkpoint planted as a symlink to a folder outside, holding a points-0.txt:
 * the sweep refuses it, with --fresh and without, and the folder outside is untouched
 * (once --fresh unlinked its points-* files, and a sweep read, removed and appended
 * to them). */
static void a_symlinked_checkpoint_is_refused(void **state)
{
    char d1[64], outside[64], err[1024], path[PATH_MAX];
    const char text[] = "careflow-sensitivity-checkpoint 2 0000\n0 0x1p+0\n";
    tmpdir(d1, sizeof d1);
    tmpdir(outside, sizeof outside);
    snprintf(path, sizeof path, "%s/points-0.txt", outside);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    snprintf(path, sizeof path, "%s/.checkpoint", d1);
    assert_int_equal(symlink(outside, path), 0);
    scenario_t *sc = load(ANALYTIC);
    for (int fresh = 1; fresh >= 0; fresh--) {
        sens_opts_t o = opts(SENS_OAT, 0, d1, 1);
        o.fresh = fresh;
        assert_int_equal(sens_run(sc, &o, err, sizeof err), SIM_EIO);
        assert_non_null(strstr(err, "symbolic link"));
        char *t = files_read_in(outside, "points-0.txt");
        assert_non_null(t);
        assert_string_equal(t, text);
        free(t);
        DIR *d = opendir(outside);
        struct dirent *e;
        int n = 0;
        assert_non_null(d);
        while ((e = readdir(d)))
            n += e->d_name[0] != '.';
        closedir(d);
        assert_int_equal(n, 1);
        char *y = files_read_in(d1, "oat.csv");
        assert_null(y);
    }
    scenario_free(sc);
    unlink(path);
    files_rm_tree(d1);
    files_rm_tree(outside);
}

/* ---- bad input -------------------------------------------------------------------------- */

static const char base_yaml[] =
    "version: 1\n"
    "name: t\n"
    "start: 2024-01-01\n"
    "horizon_days: 100\n"
    "stages:\n"
    "  a: {duration: {dist: fixed, value: 10}, next: {exit: 1}}\n"
    "arrivals:\n"
    "  - {name: in, to: a, per_year: 100, age: {dist: fixed, value: 5}}\n";

typedef struct bad {
    const char *uncertain; /* the `uncertain:` block, from line 9 */
    const char *where;     /* ":LINE:COL:" */
    const char *msg;       /* part of the message */
} bad_t;

static const bad_t bad_cases[] = {
    {"uncertain: {path: a}\n", ":9:12:", "uncertain must be a list"},
    {"uncertain:\n  - {path: arrivals.in.per_year, dist: unifrom, min: 1, max: 2}\n", ":10:40:",
     "did you mean 'uniform'"},
    {"uncertain:\n  - {path: arrivals.in.per_year, dist: uniform, min: 1}\n", ":10:5:",
     "missing required key 'max'"},
    {"uncertain:\n  - {path: arrivals.in.per_year, dist: uniform, min: 2, max: 1}\n", ":10:",
     "max must be greater than min"},
    {"uncertain:\n  - {path: arrivals.in.per_year, dist: triangular, min: 1, mode: 5, max: 2}\n",
     ":10:", "mode must be between"},
    {"uncertain:\n  - {path: arrivals.out.per_year, dist: uniform, min: 1, max: 2}\n", ":10:",
     "no list item named 'out'"},
    {"uncertain:\n  - {path: stages.b.duration.value, dist: uniform, min: 1, max: 2}\n", ":10:",
     "no key 'b'"},
    {"uncertain:\n  - {path: stages.a.duration, dist: uniform, min: 1, max: 2}\n", ":10:",
     "is a map, not a single value"},
    {"uncertain:\n  - {path: include, dist: uniform, min: 1, max: 2}\n", ":10:",
     "cannot be uncertain"},
    {"uncertain:\n  - {path: seed, dist: integer, min: 1, max: 2}\n"
     "  - {path: seed, dist: integer, min: 3, max: 4}\n", ":11:", "already uncertain"},
    {"uncertain:\n  - {path: seed, dist: integer, min: 1.5, max: 2}\n", ":10:", "whole number"},
    {"uncertain:\n  - {path: seed, dist: choice, values: [1, 2], weights: [1]}\n", ":10:",
     "one weight per value"},
    {"uncertain:\n  - {path: seed, dist: choice, values: [1]}\n", ":10:", "at least 2 values"},
    {"uncertain:\n  - {path: seed, dist: lognormal, mean: 0, sd: 1}\n", ":10:",
     "mean must be greater than 0"},
    {"uncertain:\n  - {path: seed, dist: normal, mean: 0, sd: 1, mode: 2}\n", ":10:",
     "unknown key 'mode'"},
};

static void bad_uncertain_items_name_their_place(void **state)
{
    for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
        char path[] = "/tmp/careflow-sens-bad-XXXXXX", err[1024] = "";
        int fd = mkstemp(path);
        assert_true(fd >= 0);
        FILE *f = fdopen(fd, "w");
        fputs(base_yaml, f);
        fputs(bad_cases[i].uncertain, f);
        fclose(f);
        scenario_t *sc = NULL;
        int rc = scenario_load(path, NULL, 0, &sc, err, sizeof err);
        unlink(path);
        if (rc == 0 || !strstr(err, bad_cases[i].where) || !strstr(err, bad_cases[i].msg))
            fail_msg("case %zu: got '%s', wanted %s ... %s", i, err, bad_cases[i].where,
                     bad_cases[i].msg);
        assert_null(sc);
    }
}

static void good_uncertain_items_load(void **state)
{
    char path[] = "/tmp/careflow-sens-good-XXXXXX", err[1024] = "";
    int fd = mkstemp(path);
    FILE *f = fdopen(fd, "w");
    fputs(base_yaml, f);
    fputs("uncertain:\n"
          "  - {path: arrivals.in.per_year, label: \"Rate, a year\", dist: normal, mean: 100,\n"
          "     sd: 10, min: 80}\n"
          "  - {path: stages.a.duration.value, dist: choice, values: [5, 10, 20],\n"
          "     weights: [1, 2, 1]}\n"
          "  - {path: replications, dist: integer, min: 1, max: 3}\n"
          "  - {path: stages.a.duration.dist, dist: choice, values: [fixed, exponential]}\n",
          f);
    fclose(f);
    scenario_t *sc = NULL;
    int rc = scenario_load(path, NULL, 0, &sc, err, sizeof err);
    unlink(path);
    if (rc != 0)
        fail_msg("%s", err);
    assert_int_equal(sc->n_uncertain, 4);
    assert_string_equal(sc->uncertain[0].label, "Rate, a year");
    assert_int_equal(sc->uncertain[0].dist.kind, SA_NORMAL);
    assert_true(sc->uncertain[0].dist.min == 80 && isinf(sc->uncertain[0].dist.max));
    assert_int_equal(sc->uncertain[1].dist.n_choices, 3);
    assert_true(sc->uncertain[1].is_int);
    assert_true(sc->uncertain[1].weights[1] == 2);
    assert_true(sc->uncertain[2].is_int);
    assert_false(sc->uncertain[3].is_int);
    assert_string_equal(sc->uncertain[2].label, "replications");
    scenario_free(sc);
}

static void a_value_that_breaks_the_scenario_is_caught_before_running(void **state)
{
    char path[] = "/tmp/careflow-sens-check-XXXXXX", err[1024] = "";
    int fd = mkstemp(path);
    FILE *f = fdopen(fd, "w");
    fputs(base_yaml, f);
    fputs("uncertain:\n"
          "  - {path: arrivals.in.per_year, dist: uniform, min: 50, max: 150}\n"
          "  - {path: stages.a.duration.value, dist: uniform, min: -5, max: 10}\n",
          f);
    fclose(f);
    scenario_t *sc = NULL;
    assert_int_equal(scenario_load(path, NULL, 0, &sc, err, sizeof err), 0);
    assert_int_equal(sens_check(sc, err, sizeof err), SIM_EINVAL);
    print_message("  %s\n", err);
    assert_non_null(strstr(err, ":11:5: error: uncertain 'stages.a.duration.value' at its low "
                                "value -5 makes the scenario invalid"));
    scenario_free(sc);
    unlink(path);
}


/* ---- a changed input file starts the sweep afresh (issue 9, defect 1) ------------------- */

static const char inc_base[] =
    "version: 1\n"
    "name: inc\n"
    "start: 2024-01-01\n"
    "horizon_days: 200\n"
    "replications: 2\n"
    "seed: 5\n"
    "stages:\n"
    "  a: {duration: {dist: fixed, value: 10}, next: {exit: 1}}\n"
    "arrivals:\n"
    "  - {name: in, to: a, per_year: 100, age: {dist: fixed, value: 5}}\n";

static const char inc_top[] =
    "include: [base.yaml]\n"
    "uncertain:\n"
    "  - {path: arrivals.in.per_year, dist: uniform, min: 50, max: 150}\n";

static void write_text(const char *dir, const char *name, const char *text)
{
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* Runs sens_run with stderr caught into *text (the caller frees it). */
static int run_caught(const scenario_t *sc, const sens_opts_t *o, char **text)
{
    char errf[] = "/tmp/careflow-sens-stderr-XXXXXX", err[1024];
    int fd = mkstemp(errf), saved = dup(2);
    assert_true(fd >= 0 && saved >= 0);
    fflush(stderr);
    dup2(fd, 2);
    int rc = sens_run(sc, o, err, sizeof err);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    close(fd);
    *text = files_slurp(errf);
    unlink(errf);
    return rc;
}

/* Interrupts a sweep of dir/top.yaml (which includes base.yaml), writes `edit` over
 * base.yaml (NULL: leaves it), and runs the sweep again; returns the resumed points
 * of the manifest, its stderr in *text. */
static int resume_after_edit(const char *dir, const char *edit, char **text)
{
    char top[PATH_MAX], out[PATH_MAX], err[1024];
    snprintf(top, sizeof top, "%s/top.yaml", dir);
    snprintf(out, sizeof out, "%s/out", dir);
    write_text(dir, "base.yaml", inc_base);
    write_text(dir, "top.yaml", inc_top);
    scenario_t *sc = load(top);
    sens_opts_t o = opts(SENS_LHS, 12, out, 1);
    o.stop_after = 5;
    assert_int_not_equal(sens_run(sc, &o, err, sizeof err), 0);
    scenario_free(sc);
    if (edit)
        write_text(dir, "base.yaml", edit);
    sc = load(top);
    o = opts(SENS_LHS, 12, out, 1);
    o.quiet = 0;
    assert_int_equal(run_caught(sc, &o, text), 0);
    scenario_free(sc);
    char *man = files_read_in(out, "manifest.json");
    assert_non_null(man);
    const char *at = strstr(man, "\"resumed_points\": ");
    assert_non_null(at);
    int n = atoi(at + strlen("\"resumed_points\": "));
    free(man);
    return n;
}

static void a_changed_include_starts_the_sweep_afresh(void **state)
{
    char dir[64], *text = NULL, edited[sizeof inc_base + 16];
    tmpdir(dir, sizeof dir);
    snprintf(edited, sizeof edited, "%s", inc_base);
    char *v = strstr(edited, "value: 10");
    assert_non_null(v);
    memcpy(v, "value: 20", 9); /* the included file's stay, not the top file */
    assert_int_equal(resume_after_edit(dir, edited, &text), 0);
    assert_non_null(text);
    if (!strstr(text, "inputs changed since the checkpoint") || !strstr(text, "base.yaml") ||
        !strstr(text, "starting afresh"))
        fail_msg("stderr does not say the inputs changed: %s", text);
    assert_null(strstr(text, "resuming"));
    free(text);
    files_rm_tree(dir);
}

static void unchanged_includes_resume(void **state)
{
    char dir[64], *text = NULL;
    tmpdir(dir, sizeof dir);
    assert_int_equal(resume_after_edit(dir, NULL, &text), 5);
    assert_non_null(strstr(text, "resuming: 5 of 12 design points"));
    assert_null(strstr(text, "inputs changed"));
    free(text);
    files_rm_tree(dir);
}

/* Each point is the loaded scenario varied in memory: the files may go once loaded. */
static void design_points_do_not_read_the_files_again(void **state)
{
    char dir[64], top[PATH_MAX], path[PATH_MAX], err[1024];
    tmpdir(dir, sizeof dir);
    write_text(dir, "base.yaml", inc_base);
    write_text(dir, "top.yaml", inc_top);
    snprintf(top, sizeof top, "%s/top.yaml", dir);
    scenario_t *sc = load(top);
    assert_int_equal(sens_check(sc, err, sizeof err), 0);
    snprintf(path, sizeof path, "%s/base.yaml", dir);
    unlink(path);
    unlink(top);
    snprintf(path, sizeof path, "%s/out", dir);
    sens_opts_t o = opts(SENS_OAT, 0, path, 2);
    if (sens_run(sc, &o, err, sizeof err) != 0)
        fail_msg("a design point read a file again: %s", err);
    scenario_free(sc);
    files_rm_tree(dir);
}


/* ---- out of memory (issue 9, part 3) ------------------------------------------------------ */

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

/* Every allocation of a small sweep made to fail in turn: each ends in SIM_ENOMEM
 * with a message, writes no result file and leaves no staging folder (and, under
 * `make asan`, leaks nothing); the first N past the last allocation succeeds. */
static void every_failed_allocation_ends_cleanly(void **state)
{
    static const struct {
        sens_method_t m;
        int samples;
    } sweeps[] = {{SENS_OAT, 0}, {SENS_MORRIS, 2}, {SENS_SOBOL, 4}, {SENS_LHS, 4}};
    char dir[64], path[PATH_MAX], out[PATH_MAX], err[1024];
    tmpdir(dir, sizeof dir);
    write_text(dir, "base.yaml", inc_base);
    write_text(dir, "top.yaml", inc_top);
    snprintf(path, sizeof path, "%s/top.yaml", dir);
    scenario_t *sc = load(path);
    for (size_t s = 0; s < sizeof sweeps / sizeof sweeps[0]; s++) {
        long n;
        for (n = 1; n < 100000; n++) {
            failalloc_t f;
            snprintf(out, sizeof out, "%s/out-%zu-%ld", dir, s, n);
            sens_opts_t o = opts(sweeps[s].m, sweeps[s].samples, out, 2);
            err[0] = 0;
            failalloc_begin(&f, n);
            int rc = sens_run(sc, &o, err, sizeof err);
            failalloc_end();
            if (atomic_load(&f.live) != 0)
                fail_msg("%s: allocation %ld: %ld blocks left allocated",
                         sens_method_name(sweeps[s].m), n, atomic_load(&f.live));
            if (rc == 0) {
                if (atomic_load(&f.calls) >= n)
                    fail_msg("%s: allocation %ld failed and the sweep succeeded",
                             sens_method_name(sweeps[s].m), n);
                break;
            }
            if (rc != SIM_ENOMEM || !err[0])
                fail_msg("%s: allocation %ld: got %d (%s), wanted SIM_ENOMEM with a message",
                         sens_method_name(sweeps[s].m), n, rc, err);
            assert_null(files_read_in(out, "Y.csv"));
            assert_null(files_read_in(out, "manifest.json"));
            char staged[64];
            snprintf(staged, sizeof staged, ".out-%zu-%ld.new-", s, n);
            assert_false(has_entry(dir, staged)); /* the lock file (.out-S-N.lock) stays */
        }
        print_message("  %s: %ld allocations, each failed once\n", sens_method_name(sweeps[s].m),
                      n - 1);
        assert_true(n > 10 && n < 100000);
    }
    scenario_free(sc);
    files_rm_tree(dir);
}

/* ---- the command line, and MPI ---------------------------------------------------------- */

static const char *bin(void)
{
    const char *b = getenv("CAREFLOW");
    return b && *b ? b : "build/careflow";
}

/* Runs a shell command; returns its exit status, its stderr in err. */
static int sh(const char *cmd, char *err, size_t len)
{
    char full[4096], errf[] = "/tmp/careflow-sens-err-XXXXXX";
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

static void cli_refuses_what_it_cannot_do(void **state)
{
    char cmd[1024], err[4096];
    snprintf(cmd, sizeof cmd, "%s sensitivity scenarios/examples/mmc.yaml --out /tmp/x-no", bin());
    assert_int_equal(sh(cmd, err, sizeof err), 2);
    assert_non_null(strstr(err, "no `uncertain:` parameters"));
    snprintf(cmd, sizeof cmd, "%s sensitivity %s --method sobolev", bin(), ANALYTIC);
    assert_int_equal(sh(cmd, err, sizeof err), 2);
    assert_non_null(strstr(err, "--method must be oat, morris, sobol or lhs"));
    snprintf(cmd, sizeof cmd, "%s sensitivity %s --outputs avg_stok:hold --out /tmp/x-no",
             bin(), ANALYTIC);
    assert_int_equal(sh(cmd, err, sizeof err), 2);
    assert_non_null(strstr(err, "no figure avg_stok:hold"));
    snprintf(cmd, sizeof cmd, "%s run %s --method sobol", bin(), ANALYTIC);
    assert_int_equal(sh(cmd, err, sizeof err), 2);
    assert_non_null(strstr(err, "unknown option '--method' for 'run'"));
    snprintf(cmd, sizeof cmd, "%s sensitivity --help | grep -q 'Sobol first-order'", bin());
    assert_int_equal(system(cmd), 0);
    assert_int_equal(access("/tmp/x-no", F_OK), -1);
}

static void mpi_ranks_write_the_same_bytes_as_threads(void **state)
{
    const char *mpi = getenv("CAREFLOW_MPI_BIN");
    char cmd[2048], err[4096], d1[64], d2[64];
    if (!mpi || !*mpi || access(mpi, X_OK) != 0 || system("command -v mpirun >/dev/null") != 0) {
        print_message("  skipped: no MPI build (install openmpi-bin and libopenmpi-dev, or run "
                      "`make MPI=1 test`, to run this test)\n");
        skip();
    }
    tmpdir(d1, sizeof d1);
    tmpdir(d2, sizeof d2);
    snprintf(cmd, sizeof cmd,
             "%s sensitivity %s --method sobol --samples 16 --threads 2 --out %s --no-plots "
             "--quiet",
             bin(), ANALYTIC, d1);
    assert_int_equal(sh(cmd, err, sizeof err), 0);
    snprintf(cmd, sizeof cmd,
             "OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 mpirun -n 3 "
             "--oversubscribe %s sensitivity %s --method sobol --samples 16 --out %s "
             "--no-plots --quiet",
             mpi, ANALYTIC, d2);
    int st = sh(cmd, err, sizeof err);
    if (st != 0)
        fail_msg("mpirun failed (%d): %s", st, err);
    for (int i = 0; result_files[i]; i++)
        same_file(d1, d2, result_files[i]);
    same_file(d1, d2, "sobol.csv");
    same_file(d1, d2, "sobol_convergence.csv");
    char *man = files_read_in(d2, "manifest.json");
    assert_non_null(strstr(man, "\"ranks\": 3"));
    free(man);
    files_rm_tree(d1);
    files_rm_tree(d2);
}


/* Issue 9, defect 4: a rank that fails (here as if out of memory, by the test hook
 * CAREFLOW_TEST_FAIL_RANK=1:STEP) at any step ends every rank with a failure: none
 * waits for it. `timeout 60` only guards the test against a hang (exit 124). */
static void mpi_a_failing_rank_ends_every_rank(void **state)
{
    const char *mpi = getenv("CAREFLOW_MPI_BIN");
    static const char *const steps[] = {"setup", "point", "gather"};
    char cmd[2048], err[4096], d[64], path[PATH_MAX];
    if (!mpi || !*mpi || access(mpi, X_OK) != 0 || system("command -v mpirun >/dev/null") != 0) {
        print_message("  skipped: no MPI build (install openmpi-bin and libopenmpi-dev, or run "
                      "`make MPI=1 test`, to run this test)\n");
        skip();
    }
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        tmpdir(d, sizeof d);
        snprintf(cmd, sizeof cmd,
                 "CAREFLOW_TEST_FAIL_RANK=1:%s OMPI_ALLOW_RUN_AS_ROOT=1 "
                 "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 timeout 60 mpirun -n 2 --oversubscribe %s "
                 "sensitivity %s --method lhs --samples 8 --out %s --no-plots --quiet",
                 steps[i], mpi, ANALYTIC, d);
        int st = sh(cmd, err, sizeof err);
        print_message("  rank 1 fails at %s: exit %d\n", steps[i], st);
        if (st == 124)
            fail_msg("rank 1 failed at %s and the other rank waited for it (killed after 60 s)",
                     steps[i]);
        assert_int_not_equal(st, 0);
        if (!strstr(err, "out of memory"))
            fail_msg("no message from the failing rank at %s: %s", steps[i], err);
        snprintf(path, sizeof path, "%s/Y.csv", d);
        assert_int_equal(access(path, F_OK), -1);
        files_rm_tree(d);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(good_uncertain_items_load),
        cmocka_unit_test(bad_uncertain_items_name_their_place),
        cmocka_unit_test(a_value_that_breaks_the_scenario_is_caught_before_running),
        cmocka_unit_test(sobol_reproduces_analytic_indices),
        cmocka_unit_test(oat_gives_the_analytic_ends_and_order),
        cmocka_unit_test(morris_ranks_and_sees_the_interaction),
        cmocka_unit_test(lhs_propagates_the_uncertainty),
        cmocka_unit_test(same_bytes_at_any_thread_count),
        cmocka_unit_test(interrupted_sweep_resumes_to_the_same_bytes),
        cmocka_unit_test(checkpoint_of_another_sweep_is_not_used),
        cmocka_unit_test(a_symlinked_checkpoint_is_refused),
        cmocka_unit_test(a_changed_include_starts_the_sweep_afresh),
        cmocka_unit_test(unchanged_includes_resume),
        cmocka_unit_test(design_points_do_not_read_the_files_again),
        cmocka_unit_test(every_failed_allocation_ends_cleanly),
        cmocka_unit_test(cli_refuses_what_it_cannot_do),
        cmocka_unit_test(mpi_ranks_write_the_same_bytes_as_threads),
        cmocka_unit_test(mpi_a_failing_rank_ends_every_rank),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
