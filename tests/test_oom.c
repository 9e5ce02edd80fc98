/* test_oom.c: out of memory in `careflow run` and `careflow compare` (issue 9, part
 * 3): every allocation that a small run and a small comparison make is failed in
 * turn, and each must end in a clean error: SIM_ENOMEM with a one-line message that
 * says so, every block freed (counted here; `make asan` adds LeakSanitizer), and no
 * partial output: the output folder keeps the set an earlier good run wrote, byte for
 * byte, and no staging folder is left beside it. The loader's allocations are failed
 * in test_load.c (oom_every_allocation), a sweep's in test_sensitivity.c.
 *
 * The scenario is small but has every part a run writes from: three stages with a
 * pool of workers and a waiting list, initial cases, a strand with limited places,
 * costs for the pool, the placements and the strand, and observed items for fit.csv;
 * the comparison sets it against a copy with more places. Two replications of 120
 * days on one thread, so the Nth allocation is the same every time.
 *
 * The record readers and the estimator (issue 10) are failed the same way: rec_read of
 * the small fixtures of every kind (careflow episodes, SSDA903 returns of two years,
 * CIN censuses of two years; libxml2's own allocations are not hooked), strictly and
 * with --lenient over files with defects, and est_estimate of the set read: each
 * failure SIM_ENOMEM, "out of memory", nothing returned, every block freed. */
#include <dirent.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "models/commands/compare.h"
#include "models/commands/run.h"
#include "models/estimate/estimate.h"
#include "models/records/records.h"
#include "models/scenario/scenario.h"
#include "sim/err.h"
#include "tests/failalloc.h"

static const char scenario_text[] =
    "version: 1\nname: small\nstart: 2020-01-01\nhorizon_days: 120\nreplications: 2\n"
    "seed: 7\nmax_age: 18\nreport_every_days: 30\n"
    "stages:\n"
    "  assessment:\n    duration: {dist: gamma, mean: 20, sd: 8}\n"
    "    next: {exit: 0.5, cin: 0.4, care: 0.1}\n"
    "  cin:\n    duration: {dist: lognormal, mean: 60, sd: 30}\n    next: {exit: 0.8, care: 0.2}\n"
    "  care:\n    duration: {dist: exponential, mean: 200}\n    next: {exit: 1}\n"
    "arrivals:\n  - {name: referrals, to: assessment, per_year: 1500}\n"
    "initial: {assessment: 40, cin: 60, care: 30}\n"
    "pools:\n  teams:\n    workers: 4\n    caseload_cap: 15\n    serves: {cin: 1}\n"
    "strands:\n  - {type: intervention, stages: cin, places: PLACES,\n"
    "     duration: {dist: fixed, value: 30}, cost_per_year: 50000}\n"
    "costs:\n  pools: {teams: {per_worker_year: 40000}}\n"
    "  stages: {care: {per_child_day: 150}}\n"
    "observed:\n  - {stages: [cin], date: 2020-03-31, value: 70, source: made up}\n"
    "  - {stages: [care], date: 2020-04-30, value: 35, source: made up}\n";

/* The scenario with `places` strand places, written into dir and loaded. */
static scenario_t *load(const char *dir, const char *name, int places)
{
    char path[PATH_MAX], err[1024] = "", num[16];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    snprintf(num, sizeof num, "%d", places);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    const char *p = strstr(scenario_text, "PLACES");
    fprintf(f, "%.*s%s%s", (int)(p - scenario_text), scenario_text, num, p + 6);
    fclose(f);
    scenario_t *sc = NULL;
    if (scenario_load(path, NULL, 0, &sc, err, sizeof err) != 0)
        fail_msg("%s did not load: %s", path, err);
    return sc;
}

/* The bytes of dir/name, or NULL (malloc'd). */
static char *slurp(const char *dir, const char *name, size_t *len)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *s = NULL;
    size_t cap = 0, n = 0, k;
    char buf[65536];
    while ((k = fread(buf, 1, sizeof buf, f)) > 0) {
        if (n + k + 1 > cap) {
            cap = 2 * (n + k + 1);
            char *t = realloc(s, cap);
            assert_non_null(t);
            s = t;
        }
        memcpy(s + n, buf, k);
        n += k;
    }
    fclose(f);
    if (!s)
        s = calloc(1, 1);
    *len = n;
    return s;
}

static void rm_rf(const char *dir)
{
    char cmd[PATH_MAX + 16];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

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

typedef int (*op_fn)(scenario_t **scs, int n, const run_opts_t *o, char *err, size_t errlen);

static int op_run(scenario_t **scs, int n, const run_opts_t *o, char *err, size_t errlen)
{
    (void)n;
    return run_scenario(scs[0], o, err, errlen);
}

/* Runs op once with every allocation allowed (the set the failures must leave in
 * place), then fails allocation 1, 2, ... until op succeeds; each failure must be
 * clean. files[] are the set's CSVs. Returns the number of allocations op makes. */
static long fail_each(op_fn op, scenario_t **scs, int n_sc, const char *const *files)
{
    char dir[] = "/tmp/careflow-test-oom-XXXXXX", out[PATH_MAX], err[1024];
    assert_non_null(mkdtemp(dir));
    snprintf(out, sizeof out, "%s/out", dir);
    run_opts_t o = {.threads = 1, .out_dir = out, .no_plots = 1, .quiet = 1,
                    .cmdline = "careflow test_oom"};
    err[0] = 0;
    if (op(scs, n_sc, &o, err, sizeof err) != 0)
        fail_msg("the good run failed: %s", err);
    size_t nf = 0;
    while (files[nf])
        nf++;
    char **good = calloc(nf, sizeof *good);
    size_t *glen = calloc(nf, sizeof *glen);
    assert_true(good && glen);
    for (size_t i = 0; i < nf; i++)
        assert_non_null(good[i] = slurp(out, files[i], &glen[i]));

    failalloc_t a;
    long n;
    for (n = 1; n < 200000; n++) {
        err[0] = 0;
        failalloc_begin(&a, n);
        int rc = op(scs, n_sc, &o, err, sizeof err);
        failalloc_end();
        long calls = atomic_load(&a.calls), live = atomic_load(&a.live);
        if (live != 0)
            fail_msg("allocation %ld failed: %ld blocks left allocated (%s)", n, live, err);
        if (rc == 0) {
            if (calls >= n)
                fail_msg("allocation %ld failed and the command succeeded", n);
            break;
        }
        if (rc != SIM_ENOMEM || !strstr(err, "out of memory") || strchr(err, '\n'))
            fail_msg("allocation %ld: got %d (%s), wanted SIM_ENOMEM saying 'out of memory'",
                     n, rc, err);
        for (size_t i = 0; i < nf; i++) { /* the earlier set, whole and unchanged */
            size_t len;
            char *now = slurp(out, files[i], &len);
            if (!now || len != glen[i] || memcmp(now, good[i], len) != 0)
                fail_msg("allocation %ld: %s is not the earlier run's", n, files[i]);
            free(now);
        }
        assert_false(has_entry(dir, ".out.new-"));
        assert_false(has_entry(dir, ".out.old-"));
    }
    for (size_t i = 0; i < nf; i++)
        free(good[i]);
    free(good);
    free(glen);
    rm_rf(dir);
    return n - 1;
}

static void run_fails_cleanly_at_every_allocation(void **state)
{
    (void)state;
    static const char *const files[] = {"summary.csv", "timeseries.csv", "replications.csv",
                                        "fit.csv", "costs.csv", NULL};
    char dir[] = "/tmp/careflow-test-oom-scn-XXXXXX";
    assert_non_null(mkdtemp(dir));
    scenario_t *sc = load(dir, "small.yaml", 5);
    long n = fail_each(op_run, &sc, 1, files);
    print_message("  run: %ld allocations, each failed once\n", n);
    assert_true(n > 50); /* the scenario reached the model, the writers and the manifest */
    scenario_free(sc);
    rm_rf(dir);
}

static void compare_fails_cleanly_at_every_allocation(void **state)
{
    (void)state;
    static const char *const files[] = {"compare.csv", "compare_timeseries.csv", NULL};
    char dir[] = "/tmp/careflow-test-oom-scn-XXXXXX";
    assert_non_null(mkdtemp(dir));
    scenario_t *scs[2] = {load(dir, "small.yaml", 5), load(dir, "more.yaml", 10)};
    long n = fail_each(compare_run, scs, 2, files);
    print_message("  compare: %ld allocations, each failed once\n", n);
    assert_true(n > 50);
    scenario_free(scs[0]);
    scenario_free(scs[1]);
    rm_rf(dir);
}

/* Fails each allocation of rec_read(paths) in turn; returns how many it makes. */
static long rec_read_fail_each(const char *const *paths, int n_paths, int lenient)
{
    rec_opts_t ro = {.lenient = lenient};
    rec_set_t *rs = NULL;
    char err[1024];
    if (rec_read(paths, n_paths, &ro, &rs, err, sizeof err) != 0)
        fail_msg("the good read failed: %s", err);
    size_t n_stays = rs->n_stays;
    rec_free(rs);
    failalloc_t a;
    long n;
    for (n = 1; n < 1000000; n++) {
        err[0] = 0;
        rs = (rec_set_t *)&n; /* must come back NULL */
        failalloc_begin(&a, n);
        int rc = rec_read(paths, n_paths, &ro, &rs, err, sizeof err);
        if (rc == 0 && rs) {
            if (rs->n_stays != n_stays)
                fail_msg("allocation %ld failed and the read gave %zu stays, not %zu", n,
                         rs->n_stays, n_stays);
            rec_free(rs);
            rs = NULL;
        }
        failalloc_end();
        long calls = atomic_load(&a.calls), live = atomic_load(&a.live);
        if (live != 0)
            fail_msg("rec_read: allocation %ld failed: %ld blocks left allocated (%s)", n,
                     live, err);
        if (rc == 0) {
            if (calls >= n)
                fail_msg("rec_read: allocation %ld failed and the read succeeded", n);
            break;
        }
        if (rc != SIM_ENOMEM || strcmp(err, "out of memory") != 0 || rs != NULL)
            fail_msg("rec_read: allocation %ld: got %d (%s)%s, wanted SIM_ENOMEM saying "
                     "'out of memory' and no set", n, rc, err, rs ? " and a set" : "");
    }
    return n - 1;
}

static void rec_read_fails_cleanly_at_every_allocation(void **state)
{
    (void)state;
    static const char *const all[] = {"tests/data/records/episodes",
                                      "tests/data/records/ssda903",
                                      "tests/data/records/cin"};
    long n = rec_read_fail_each(all, 3, 0);
    print_message("  rec_read: %ld allocations, each failed once\n", n);
    assert_true(n > 20); /* every reader and the finishing steps were reached */
    static const char *const defects[] = {"tests/data/records/defects/overlap.csv",
                                          "tests/data/records/defects/bad-date.csv",
                                          "tests/data/records/defects/no-dob.csv",
                                          "tests/data/records/defects/903-duplicate",
                                          "tests/data/records/episodes/episodes.csv"};
    n = rec_read_fail_each(defects, 5, 1);
    print_message("  rec_read --lenient: %ld allocations, each failed once\n", n);
    assert_true(n > 10);
}

static void est_estimate_fails_cleanly_at_every_allocation(void **state)
{
    (void)state;
    static const char *const paths[] = {"tests/data/records/episodes/episodes.csv",
                                        "tests/data/records/ssda903"};
    rec_opts_t ro = {0};
    rec_set_t *rs = NULL;
    char err[1024];
    if (rec_read(paths, 2, &ro, &rs, err, sizeof err) != 0)
        fail_msg("the records: %s", err);
    est_opts_t o;
    est_opts_default(&o);
    est_result_t good = {0};
    if (est_estimate(rs, &o, &good, err, sizeof err) != 0)
        fail_msg("the good estimate failed: %s", err);
    failalloc_t a;
    long n;
    for (n = 1; n < 1000000; n++) {
        est_result_t r = {0};
        err[0] = 0;
        failalloc_begin(&a, n);
        int rc = est_estimate(rs, &o, &r, err, sizeof err);
        int same = rc == 0 && r.yaml_len == good.yaml_len &&
                   !memcmp(r.yaml, good.yaml, good.yaml_len);
        int empty = r.yaml == NULL && r.open_cases == NULL;
        est_result_free(&r);
        failalloc_end();
        long calls = atomic_load(&a.calls), live = atomic_load(&a.live);
        if (live != 0)
            fail_msg("est_estimate: allocation %ld failed: %ld blocks left allocated (%s)", n,
                     live, err);
        if (rc == 0) {
            if (calls >= n)
                fail_msg("est_estimate: allocation %ld failed and it succeeded", n);
            assert_true(same);
            break;
        }
        if (rc != SIM_ENOMEM || !strstr(err, "out of memory") || !empty)
            fail_msg("est_estimate: allocation %ld: got %d (%s)%s, wanted SIM_ENOMEM saying "
                     "'out of memory' and no result", n, rc, err, empty ? "" : " and text");
    }
    print_message("  est_estimate: %ld allocations, each failed once\n", n - 1);
    assert_true(n > 20);
    est_result_free(&good);
    rec_free(rs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(run_fails_cleanly_at_every_allocation),
        cmocka_unit_test(compare_fails_cleanly_at_every_allocation),
        cmocka_unit_test(rec_read_fails_cleanly_at_every_allocation),
        cmocka_unit_test(est_estimate_fails_cleanly_at_every_allocation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
