/* test_sweep.c: `careflow sweep`, against answers nobody here wrote.
 *
 * scenarios/examples/mmc.yaml is an M/M/c queue (40 calls a day, mean service 0.1 day:
 * a = 4 erlangs). Erlang C gives its mean wait W_q(c) for each number of workers c;
 * computed here from the textbook formula, it names the smallest c whose mean wait is
 * within a bound, and the sweep's answer over workers must be that c (the bound lies
 * far from W_q at the neighbouring c, so the replications' own spread cannot move the
 * answer: at c = 6 every replication is under it, at c = 5 none is). The same sweep must
 * reproduce W_q(c) and the utilisation a / c within its intervals, and with common
 * random numbers the wait and the utilisation fall at every step. Then: the same bytes
 * at 1 and 2 threads, over MPI ranks, and after an interruption; a target no value
 * meets exits 1 with the results written; the answer is the contract's (the first value
 * meeting the target, a later failing one warned about); a waiting list left at the
 * horizon is warned about; every bad --vary, pair of values and --target is refused
 * with exit status 2 and nothing written; every failed allocation ends cleanly. */
#define _XOPEN_SOURCE 700 /* nftw() */
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <math.h>
#include <setjmp.h>
#include <stdatomic.h>
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

#include "models/commands/sweep.h"
#include "models/commands/version.h"
#include "models/scenario/scenario.h"
#include "sim/err.h"
#include "tests/failalloc.h"

#define MMC "scenarios/examples/mmc.yaml"
#define LAMBDA 40.0 /* calls a day (the scenario's) */
#define MU 10.0     /* services a day per worker: mean 0.1 day */
#define BOUND 0.025 /* days: W_q(5) = 0.055, W_q(6) = 0.014 */
#define REPS 20
#define VARY "pools.duty_workers.workers=4:8:1"

/* A shorter run of mmc.yaml than its own (400 days, 50 of warm-up; about 14,000 calls a
 * replication): enough for each replication's mean wait to stay well on its side of the
 * bound. */
static const char *const sets[] = {"horizon_days=400", "warmup_days=50"};

/* ---- helpers ------------------------------------------------------------------------ */

static void tmpdir(char *buf, size_t len)
{
    snprintf(buf, len, "/tmp/careflow-sweep-XXXXXX");
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

static scenario_t *load(void)
{
    scenario_t *sc = NULL;
    char err[1024];
    if (scenario_load(MMC, sets, 2, &sc, err, sizeof err) != 0)
        fail_msg("%s", err);
    sc->replications = REPS;
    return sc;
}

static sweep_opts_t opts(const char *const *vary, int n_vary, const char *target,
                         const char *out, int threads)
{
    sweep_opts_t o = {.vary = vary,
                      .n_vary = n_vary,
                      .target = target,
                      .outputs = "avg_utilisation:duty_workers",
                      .threads = threads,
                      .out_dir = out,
                      .sets = sets,
                      .n_sets = 2,
                      .no_plots = 1,
                      .quiet = 1,
                      .cmdline = "test"};
    return o;
}

/* sweep_run with its stdout (the answer lines, tested through the binary below) sent
 * to /dev/null, to keep the test log readable. */
static int run_sweep(const scenario_t *sc, const sweep_opts_t *o, char *err, size_t len)
{
    fflush(stdout);
    int saved = dup(1), null = open("/dev/null", O_WRONLY);
    if (saved >= 0 && null >= 0)
        dup2(null, 1);
    int rc = sweep_run(sc, o, err, len);
    fflush(stdout);
    if (saved >= 0) {
        dup2(saved, 1);
        close(saved);
    }
    if (null >= 0)
        close(null);
    return rc;
}

/* One row of sweep.csv. */
typedef struct row {
    double value, mean, lo, hi, p05, p95, share;
    char metric[64], stage[64], value2[32];
} row_t;

/* The rows of dir/sweep.csv into r (at most max); returns how many. Checks the header. */
static int read_sweep(const char *dir, row_t *r, int max)
{
    char *text = files_read_in(dir, "sweep.csv");
    int n = 0;
    assert_non_null(text);
    char *line = strtok(text, "\n");
    assert_string_equal(line,
                        "value,metric,stage,mean,ci95_low,ci95_high,p05,p95,value2,share_met");
    while ((line = strtok(NULL, "\n")) && n < max) {
        char *f[10];
        int k = 0;
        for (char *p = line; k < 10; k++) {
            f[k] = p;
            char *c = strchr(p, ',');
            if (!c) {
                k++;
                break;
            }
            *c = 0;
            p = c + 1;
        }
        assert_int_equal(k, 10);
        row_t *x = &r[n++];
        x->value = atof(f[0]);
        snprintf(x->metric, sizeof x->metric, "%s", f[1]);
        snprintf(x->stage, sizeof x->stage, "%s", f[2]);
        x->mean = atof(f[3]);
        x->lo = atof(f[4]);
        x->hi = atof(f[5]);
        x->p05 = atof(f[6]);
        x->p95 = atof(f[7]);
        snprintf(x->value2, sizeof x->value2, "%s", f[8]);
        x->share = *f[9] ? atof(f[9]) : NAN;
    }
    free(text);
    return n;
}

/* Erlang C: the mean wait in queue of an M/M/c queue (infinite when c <= a). */
static double erlang_c_wq(int c, double lambda, double mu)
{
    double a = lambda / mu, rho = a / c, term = 1, sum = 0;
    if (rho >= 1)
        return INFINITY;
    for (int k = 0; k < c; k++) {
        sum += term; /* a^k / k! */
        term *= a / (k + 1);
    }
    double top = term / (1 - rho); /* a^c / c! / (1 - rho) */
    double p_wait = top / (sum + top);
    return p_wait / (c * mu - lambda);
}

static const char *bin(void)
{
    const char *b = getenv("CAREFLOW");
    return b && *b ? b : "build/careflow";
}

/* ---- against Erlang C ----------------------------------------------------------------- */

static void the_answer_is_erlang_c_smallest_c(void **state)
{
    char d[64], err[1024], target[64];
    const char *vary[] = {VARY};
    tmpdir(d, sizeof d);
    snprintf(target, sizeof target, "mean_wait_days:duty<=%g", BOUND);
    scenario_t *sc = load();
    sweep_opts_t o = opts(vary, 1, target, d, 2);
    assert_int_equal(run_sweep(sc, &o, err, sizeof err), 0);

    int want = -1;
    for (int c = 4; c <= 8 && want < 0; c++)
        if (erlang_c_wq(c, LAMBDA, MU) <= BOUND)
            want = c;
    assert_int_equal(want, 6);
    /* sweep_answer.csv names it */
    char *ans = files_read_in(d, "sweep_answer.csv"), line[256];
    assert_non_null(ans);
    snprintf(line, sizeof line,
             "path,value,metric,stage,target,share_met,mean,ci95_low,ci95_high,replications,"
             "path2,value2\npools.duty_workers.workers,%d,mean_wait_days,duty,<=0.025,1,",
             want);
    if (strncmp(ans, line, strlen(line)) != 0)
        fail_msg("sweep_answer.csv:\n%s\nwanted it to start\n%s", ans, line);
    free(ans);

    /* each stable c's mean wait and utilisation agree with the theory */
    row_t r[32];
    int n = read_sweep(d, r, 32);
    /* 5 values x 5 figures: the target, the --outputs figure, then (a target on a
     * stage's wait) that stage's final_waiting, avg_waiting and avg_stock */
    assert_int_equal(n, 25);
    assert_string_equal(r[10].metric, "final_waiting");
    assert_string_equal(r[15].metric, "avg_waiting");
    assert_string_equal(r[20].metric, "avg_stock");
    for (int i = 0; i < 5; i++) {
        int c = 4 + i;
        assert_string_equal(r[i].metric, "mean_wait_days");
        assert_true(r[i].value == c);
        double wq = erlang_c_wq(c, LAMBDA, MU), half = (r[i].hi - r[i].lo) / 2;
        if (isfinite(wq) && fabs(r[i].mean - wq) > 2 * half)
            fail_msg("c=%d: mean wait %g, Erlang C %g (95%% interval %g to %g)", c, r[i].mean,
                     wq, r[i].lo, r[i].hi);
        /* the target's share: all or nothing, far from the bound either side */
        assert_true(r[i].share == (c >= want ? 1.0 : 0.0));
        const row_t *u = &r[5 + i];
        assert_string_equal(u->metric, "avg_utilisation");
        if (c > 4 && fabs(u->mean - LAMBDA / MU / c) > 0.02)
            fail_msg("c=%d: utilisation %g, a/c = %g", c, u->mean, LAMBDA / MU / c);
        assert_true(isnan(u->share));
    }
    scenario_free(sc);
    files_rm_tree(d);
}

/* With common random numbers every value sees the same calls and services, so more
 * workers never lengthen the mean wait nor raise the utilisation, at any step. */
static void monotone_figures_stay_monotone(void **state)
{
    char d[64], err[1024];
    const char *vary[] = {"pools.duty_workers.workers=5:9:0.5"}; /* FTE: halves too */
    tmpdir(d, sizeof d);
    scenario_t *sc = load();
    sc->replications = 5;
    sweep_opts_t o = opts(vary, 1, NULL, d, 2);
    o.outputs = "mean_wait_days:duty,avg_waiting:duty,avg_utilisation:duty_workers";
    assert_int_equal(run_sweep(sc, &o, err, sizeof err), 0);
    row_t r[64];
    int n = read_sweep(d, r, 64);
    assert_int_equal(n, 27); /* 9 values x 3 figures */
    for (int f = 0; f < 3; f++)
        for (int i = 1; i < 9; i++) {
            const row_t *a = &r[f * 9 + i - 1], *b = &r[f * 9 + i];
            assert_string_equal(a->metric, b->metric);
            assert_true(b->value > a->value);
            if (!(b->mean <= a->mean))
                fail_msg("%s:%s rises from %g at %g to %g at %g workers", b->metric, b->stage,
                         a->mean, a->value, b->mean, b->value);
        }
    scenario_free(sc);
    files_rm_tree(d);
}

/* ---- the same bytes -------------------------------------------------------------------- */

static void same_bytes_at_any_thread_count_and_after_an_interruption(void **state)
{
    char d1[64], d2[64], d3[64], err[1024], path[PATH_MAX];
    const char *vary[] = {"pools.duty_workers.workers=5:7:1", "arrivals.calls.per_day=36:44:4"};
    const char *target = "mean_wait_days:duty<=0.025";
    tmpdir(d1, sizeof d1);
    tmpdir(d2, sizeof d2);
    tmpdir(d3, sizeof d3);
    scenario_t *sc = load();
    sc->replications = 4;
    sweep_opts_t o = opts(vary, 2, target, d1, 1);
    assert_int_equal(run_sweep(sc, &o, err, sizeof err), 0);
    o = opts(vary, 2, target, d2, 2);
    assert_int_equal(run_sweep(sc, &o, err, sizeof err), 0);
    same_file(d1, d2, "sweep.csv");
    same_file(d1, d2, "sweep_answer.csv");

    /* interrupted after 4 of the 9 points: nothing written, then resumed */
    o = opts(vary, 2, target, d3, 1);
    o.stop_after = 4;
    assert_int_equal(run_sweep(sc, &o, err, sizeof err), SIM_EINTR);
    assert_non_null(strstr(err, "resume"));
    snprintf(path, sizeof path, "%s/sweep.csv", d3);
    assert_int_equal(access(path, F_OK), -1);
    o.stop_after = 0;
    assert_int_equal(run_sweep(sc, &o, err, sizeof err), 0);
    same_file(d1, d3, "sweep.csv");
    same_file(d1, d3, "sweep_answer.csv");
    char *man = files_read_in(d3, "manifest.json");
    assert_non_null(man);
    assert_non_null(strstr(man, "\"resumed_points\": 4"));
    free(man);
    snprintf(path, sizeof path, "%s/.checkpoint", d3);
    assert_int_equal(access(path, F_OK), -1);

    /* the two-way grid: 3 x 3 points of each figure, the first path running fastest,
     * and one answer row per value of the second path */
    row_t r[64];
    assert_int_equal(read_sweep(d1, r, 64), 45); /* 9 points x 5 figures */
    assert_true(r[0].value == 5 && !strcmp(r[0].value2, "36"));
    assert_true(r[1].value == 6 && !strcmp(r[1].value2, "36"));
    assert_true(r[3].value == 5 && !strcmp(r[3].value2, "40"));
    char *ans = files_read_in(d1, "sweep_answer.csv");
    int lines = 0;
    for (char *p = ans; (p = strchr(p, '\n')); p++)
        lines++;
    assert_int_equal(lines, 1 + 3);
    free(ans);
    scenario_free(sc);
    files_rm_tree(d1);
    files_rm_tree(d2);
    files_rm_tree(d3);
}

static void mpi_ranks_write_the_same_bytes_as_threads(void **state)
{
    const char *mpi = getenv("CAREFLOW_MPI_BIN");
    char cmd[2048], out[4096], err[4096], d1[64], d2[64];
    if (!mpi || !*mpi || access(mpi, X_OK) != 0 || system("command -v mpirun >/dev/null") != 0) {
        print_message("  skipped: no MPI build (install openmpi-bin and libopenmpi-dev, or run "
                      "`make MPI=1 test`, to run this test)\n");
        skip();
    }
    tmpdir(d1, sizeof d1);
    tmpdir(d2, sizeof d2);
    const char *args = "--set horizon_days=400 --set warmup_days=50 --reps 6 --vary " VARY
                       " --target 'mean_wait_days:duty<=0.025' --no-plots --quiet";
    snprintf(cmd, sizeof cmd, "%s sweep %s %s --threads 2 --out %s", bin(), MMC, args, d1);
    assert_int_equal(files_sh(cmd, out, sizeof out, err, sizeof err), 0);
    snprintf(cmd, sizeof cmd,
             "OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 timeout 120 mpirun -n 3 "
             "--oversubscribe %s sweep %s %s --out %s",
             mpi, MMC, args, d2);
    int st = files_sh(cmd, out, sizeof out, err, sizeof err);
    if (st != 0)
        fail_msg("mpirun failed (%d): %s", st, err);
    /* one answer line, from rank 0 only */
    assert_non_null(strstr(out, "answer: pools.duty_workers.workers=6\n"));
    assert_null(strstr(strstr(out, "answer:") + 1, "answer:"));
    same_file(d1, d2, "sweep.csv");
    same_file(d1, d2, "sweep_answer.csv");
    char *man = files_read_in(d2, "manifest.json");
    assert_non_null(strstr(man, "\"ranks\": 3"));
    free(man);
    files_rm_tree(d1);
    files_rm_tree(d2);
}

/* ---- out of memory ------------------------------------------------------------------------ */

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

/* Every allocation of a small two-way sweep with a target made to fail in turn: each
 * ends in SIM_ENOMEM with a message, writes no result file, leaves no staging folder
 * and frees every block; the first N past the last allocation succeeds. */
static void every_failed_allocation_ends_cleanly(void **state)
{
    static const char *const tiny[] = {"horizon_days=40", "warmup_days=10"};
    const char *vary[] = {"pools.duty_workers.workers=5:6:1", "arrivals.calls.per_day=40:40:1"};
    char dir[64], out[PATH_MAX], err[1024];
    scenario_t *sc = NULL;
    tmpdir(dir, sizeof dir);
    if (scenario_load(MMC, tiny, 2, &sc, err, sizeof err) != 0)
        fail_msg("%s", err);
    sc->replications = 1;
    long n;
    for (n = 1; n < 100000; n++) {
        failalloc_t f;
        snprintf(out, sizeof out, "%s/out-%ld", dir, n);
        sweep_opts_t o = opts(vary, 2, "mean_wait_days:duty<=0.025", out, 1);
        o.sets = tiny;
        err[0] = 0;
        failalloc_begin(&f, n);
        int rc = run_sweep(sc, &o, err, sizeof err);
        failalloc_end();
        if (atomic_load(&f.live) != 0)
            fail_msg("allocation %ld: %ld blocks left allocated", n, atomic_load(&f.live));
        if (rc == 0) {
            if (atomic_load(&f.calls) >= n)
                fail_msg("allocation %ld failed and the sweep succeeded", n);
            break;
        }
        if (rc != SIM_ENOMEM || !err[0])
            fail_msg("allocation %ld: got %d (%s), wanted SIM_ENOMEM with a message", n, rc, err);
        char *csv = files_read_in(out, "sweep.csv");
        assert_null(csv);
        char staged[64];
        snprintf(staged, sizeof staged, ".out-%ld.new-", n);
        assert_false(has_entry(dir, staged));
    }
    print_message("  %ld allocations, each failed once\n", n - 1);
    assert_true(n > 10 && n < 100000);
    scenario_free(sc);
    files_rm_tree(dir);
}

/* ---- the command line ------------------------------------------------------------------- */

static void the_answer_is_printed_with_its_evidence(void **state)
{
    char cmd[2048], out[8192], err[4096], d[64];
    tmpdir(d, sizeof d);
    snprintf(cmd, sizeof cmd,
             "%s sweep %s --set horizon_days=400 --set warmup_days=50 --reps %d --vary " VARY
             " --target 'mean_wait_days:duty<=0.025' --no-plots --out %s",
             bin(), MMC, REPS, d);
    assert_int_equal(files_sh(cmd, out, sizeof out, err, sizeof err), 0);
    const char *a = strstr(out, "answer: pools.duty_workers.workers=6\n");
    if (!a)
        fail_msg("no answer line in:\n%s", out);
    /* the evidence: the answer's value met in every replication, the one below in none */
    assert_non_null(strstr(a, "at pools.duty_workers.workers=6: mean "));
    assert_non_null(strstr(a, "met in 20 of 20 replications (100%)\n"));
    assert_non_null(strstr(a, "at pools.duty_workers.workers=5: mean "));
    assert_non_null(strstr(a, "met in 0 of 20 replications (0%) (fails)\n"));
    /* a stable queue: no warning about a list left at the horizon, nor about noise */
    assert_null(strstr(err, "warning"));
    files_rm_tree(d);
}

/* Every chart carries the footer line (version, scenario, seed, replications per value)
 * once, as a text of its own (plots/footer.gp); skipped without gnuplot. */
static void the_charts_carry_the_footer(void **state)
{
    char cmd[2048], out[8192], err[4096], d[64], path[PATH_MAX];
    const char *head = ">careflow " CAREFLOW_VERSION " \xc2\xb7 mmc \xc2\xb7 seed 1 \xc2\xb7 "
                       "2 replications per value \xc2\xb7 bands: ";
    int n = 0;
    if (system("command -v gnuplot >/dev/null 2>&1") != 0)
        skip();
    tmpdir(d, sizeof d);
    snprintf(cmd, sizeof cmd,
             "%s sweep %s --set horizon_days=60 --set warmup_days=10 --reps 2 --vary "
             "pools.duty_workers.workers=5:6:1 --target 'mean_wait_days:duty<=0.025' --quiet "
             "--out %s/o",
             bin(), MMC, d);
    int st = files_sh(cmd, out, sizeof out, err, sizeof err);
    assert_true(st == 0 || st == 1); /* 1: no value met the target; the files are written */
    assert_null(strstr(err, "warning: plots"));
    snprintf(path, sizeof path, "%s/o/plots", d);
    DIR *dir = opendir(path);
    assert_non_null(dir);
    for (struct dirent *de; (de = readdir(dir)) != NULL;) {
        const char *dot = strrchr(de->d_name, '.');
        if (!dot || strcmp(dot, ".svg") != 0)
            continue;
        char *svg = files_read_in(path, de->d_name);
        assert_non_null(svg);
        const char *at = strstr(svg, head);
        if (!at || strstr(at + 1, head))
            fail_msg("%s: the footer is missing or drawn twice", de->d_name);
        free(svg);
        n++;
    }
    closedir(dir);
    assert_true(n > 0);
    files_rm_tree(d);
}

/* The contract's rule: the smallest value meeting the target is the answer even when a
 * larger one fails again. Swept the other way round (calls a day at 6 workers: waits
 * grow with the value), 30 and 40 calls meet the bound (Erlang C: W_q(6) = 0.014 at
 * 40) and 50 (5 erlangs on 6 workers: W_q = 0.10) fails: the answer is 30, exit 0, and
 * a warning names 50. */
static void an_answer_stands_when_a_larger_value_fails_again(void **state)
{
    char cmd[2048], out[8192], err[4096], d[64];
    tmpdir(d, sizeof d);
    snprintf(cmd, sizeof cmd,
             "%s sweep %s --set horizon_days=400 --set warmup_days=50 --set "
             "pools.duty_workers.workers=6 --reps 4 --vary arrivals.calls.per_day=30:50:10 "
             "--target 'mean_wait_days:duty<=0.025' --no-plots --out %s",
             bin(), MMC, d);
    int st = files_sh(cmd, out, sizeof out, err, sizeof err);
    if (st != 0 || !strstr(out, "answer: arrivals.calls.per_day=30\n"))
        fail_msg("exit %d, stdout:\n%s\nstderr:\n%s", st, out, err);
    if (!strstr(err, "careflow: warning: answer arrivals.calls.per_day=30: "
                     "mean_wait_days:duty<=0.025 fails again at larger value: 50 (0%);"))
        fail_msg("no warning naming 50 in:\n%s", err);
    char *ans = files_read_in(d, "sweep_answer.csv");
    assert_non_null(strstr(ans, "\narrivals.calls.per_day,30,mean_wait_days,duty,<=0.025,1,"));
    free(ans);
    files_rm_tree(d);
}

/* A waiting list that never clears is not a met target: at 48 calls a day on 4
 * workers (4.8 erlangs on 4 workers: overloaded) the mean
 * wait of those allocated is under 1000 days, but the list grows to thousands by the
 * horizon; the answer comes with a warning that names it. */
static void a_waiting_list_left_at_the_horizon_is_named(void **state)
{
    char cmd[2048], out[8192], err[4096], d[64];
    tmpdir(d, sizeof d);
    snprintf(cmd, sizeof cmd,
             "%s sweep %s --set horizon_days=400 --set warmup_days=50 --set "
             "arrivals.calls.per_day=48 --reps 4 --vary pools.duty_workers.workers=4:6:1 "
             "--target 'mean_wait_days:duty<=1000' --no-plots --out %s",
             bin(), MMC, d);
    assert_int_equal(files_sh(cmd, out, sizeof out, err, sizeof err), 0);
    assert_non_null(strstr(out, "answer: pools.duty_workers.workers=4\n"));
    if (!strstr(err, "careflow: warning: answer pools.duty_workers.workers=4: the duty waiting "
                     "list is still "))
        fail_msg("no warning about the list in:\n%s", err);
    /* the figures it rests on are in sweep.csv */
    char *csv = files_read_in(d, "sweep.csv");
    assert_non_null(strstr(csv, "\n4,final_waiting,duty,"));
    assert_non_null(strstr(csv, "\n4,avg_stock,duty,"));
    free(csv);
    files_rm_tree(d);
}

static void no_value_meeting_the_target_exits_1_with_the_results(void **state)
{
    char cmd[2048], out[8192], err[4096], d[64], path[PATH_MAX];
    tmpdir(d, sizeof d);
    snprintf(cmd, sizeof cmd,
             "%s sweep %s --set horizon_days=400 --set warmup_days=50 --reps 4 --vary "
             "pools.duty_workers.workers=5:6:1 --target 'mean_wait_days:duty<=0.0001' "
             "--no-plots --out %s",
             bin(), MMC, d);
    assert_int_equal(files_sh(cmd, out, sizeof out, err, sizeof err), 1);
    assert_non_null(strstr(err, "no value of pools.duty_workers.workers meets the target "
                                "mean_wait_days:duty<=0.0001"));
    assert_null(strstr(out, "\nanswer:"));
    assert_int_not_equal(strncmp(out, "answer:", 7), 0);
    assert_non_null(strstr(out, "no answer: no value of pools.duty_workers.workers from 5 to 6"));
    snprintf(path, sizeof path, "%s/sweep.csv", d);
    assert_int_equal(access(path, F_OK), 0);
    char *ans = files_read_in(d, "sweep_answer.csv");
    assert_non_null(ans);
    assert_non_null(strstr(ans, "\npools.duty_workers.workers,,mean_wait_days,duty,<=0.0001,"));
    free(ans);
    /* ">=": the largest value; utilisation 0.8 at 5 workers, 0.67 at 6 */
    snprintf(cmd, sizeof cmd,
             "%s sweep %s --set horizon_days=400 --set warmup_days=50 --reps 4 --vary "
             "pools.duty_workers.workers=4:8:1 --target 'avg_utilisation:duty_workers >= 0.75' "
             "--no-plots --quiet --out %s",
             bin(), MMC, d);
    assert_int_equal(files_sh(cmd, out, sizeof out, err, sizeof err), 0);
    assert_non_null(strstr(out, "answer: pools.duty_workers.workers=5\n"));
    files_rm_tree(d);
}

/* Each bad argument: exit status 2, a message naming what is wrong, no folder. */
static void bad_vary_and_target_are_refused(void **state)
{
    static const struct {
        const char *args;  /* after `careflow sweep mmc.yaml` */
        const char *msg;   /* in stderr */
    } cases[] = {
        {"--vary pools.duty_workers.workers", "expected PATH=LOW:HIGH:STEP"},
        {"--vary =4:8:1", "expected PATH=LOW:HIGH:STEP"},
        {"--vary pools.duty_workers.workers=4:8", "expected LOW:HIGH:STEP after '='"},
        {"--vary pools.duty_workers.workers=4:8:1:2", "expected LOW:HIGH:STEP after '='"},
        {"--vary pools.duty_workers.workers=four:8:1", "LOW 'four' is not a finite number"},
        {"--vary pools.duty_workers.workers=4:nan:1", "HIGH 'nan' is not a finite number"},
        {"--vary pools.duty_workers.workers=4:8:1x", "STEP '1x' is not a finite number"},
        {"--vary pools.duty_workers.workers=8:4:1", "LOW 8 is above HIGH 4"},
        {"--vary pools.duty_workers.workers=4:8:0", "STEP must be above 0 (got 0)"},
        {"--vary pools.duty_workers.workers=4:8:-1", "STEP must be above 0 (got -1)"},
        {"--vary pools.duty_workers.workers=1:5000:1", "at most 1000"},
        {"--vary pools.duty_workers.workers=1:200:1 --vary arrivals.calls.per_day=1:100:1",
         "at most 10000"},
        {"--vary pools.clerks.workers=4:8:1", "no key 'clerks'"},
        {"--vary pools.duty_workers.workers=-2:2:1", "'workers' cannot be negative"},
        {"--vary seed=1:3:1", "set it with --seed"},
        {"--vary horizon_days=1000:2000:500", "--vary horizon_days: horizon_days, start, end and "
         "report_every_days cannot be swept"},
        {"--vary report_every_days=10:20:10", "cannot be swept"},
        {"--vary pools.duty_worker.workers=4:8:1",
         "--vary pools.duty_worker.workers=4:8:1: no key 'duty_worker' at "
         "'pools.duty_worker.workers' (did you mean 'duty_workers'?)"},
        {"--vary pools.duty_workers.workers=4:4.0000000000000036:1e-16",
         "STEP 1e-16 is too small to change the value (4 twice)"},
        {"--vary pools.duty_workers.workers=1:1e300:1e-300", "too many values from 1 to 1e300"},
        {"--vary pools.duty_workers.workers=1:1e30:1e-3", ": 1e+33 values from 1 to 1e30"},
        {"--vary pools.duty_workers.workers=4:8:1 --vary pools.duty_workers.workers=1:2:1",
         "pools.duty_workers.workers is given twice"},
        {"--vary pools.duty_workers.workers=4:8:1 --target mean_wait_days:duty",
         "expected METRIC:STAGE<=X or METRIC:STAGE>=X"},
        {"--vary pools.duty_workers.workers=4:8:1 --target 'mean_wait_days:duty<0.1'",
         "only <= and >= are accepted"},
        {"--vary pools.duty_workers.workers=4:8:1 --target 'mean_wait_day:duty<=1'",
         "no figure mean_wait_day:duty in this scenario (did you mean 'mean_wait_days'?); the "
         "metrics of stage duty: avg_stock, "},
        {"--vary pools.duty_workers.workers=4:8:1 --target 'mean_wait_days:duty<=soon'",
         "the bound 'soon' is not a finite number"},
        {"--vary pools.duty_workers.workers=4:8:1 --target 'mean_wait_days:duty>=inf'",
         "the bound 'inf' is not a finite number"},
        {"--vary pools.duty_workers.workers=4:8:1 --target 'mean_wait_days:desk<=1'",
         "no figure mean_wait_days:desk in this scenario; the stages with mean_wait_days: duty, "
         "all"},
        {"--vary pools.duty_workers.workers=4:8:1 --target 'wait<=1'", "expected METRIC:STAGE"},
        {"--vary pools.duty_workers.workers=4:8:1 --outputs avg_stok:all", "no figure avg_stok:all"},
    };
    char cmd[2048], out[4096], err[4096];
    const char *d = "/tmp/careflow-sweep-refused";
    files_rm_tree(d);
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        snprintf(cmd, sizeof cmd, "%s sweep %s %s --reps 2 --out %s", bin(), MMC, cases[i].args,
                 d);
        int st = files_sh(cmd, out, sizeof out, err, sizeof err);
        if (st != 2 || !strstr(err, cases[i].msg) || !strstr(err, "careflow: error: "))
            fail_msg("`sweep %s`: exit %d, stderr:\n%s(wanted exit 2 and '%s')", cases[i].args,
                     st, err, cases[i].msg);
        if (access(d, F_OK) == 0)
            fail_msg("`sweep %s` made %s", cases[i].args, d);
    }
    snprintf(cmd, sizeof cmd, "%s sweep --help | grep -q 'answer: PATH=VALUE'", bin());
    assert_int_equal(system(cmd), 0);
}

/* Two paths each fine alone but not together (a minimum age above the maximum): refused
 * before anything is simulated, naming the pair, with no output folder. A target that
 * does not depend on the swept path is answered with a warning. */
static void a_bad_pair_is_refused_and_a_flat_target_warned(void **state)
{
    char cmd[2048], out[8192], err[4096];
    const char *d = "/tmp/careflow-sweep-pair";
    files_rm_tree(d);
    snprintf(cmd, sizeof cmd,
             "%s sweep scenarios/council-staffed.yaml --vary arrivals.0.age.min=0:10:5 --vary "
             "arrivals.0.age.max=6:18:6 --reps 2 --out %s",
             bin(), d);
    assert_int_equal(files_sh(cmd, out, sizeof out, err, sizeof err), 2);
    if (!strstr(err, "--vary arrivals.0.age.min=0:10:5 --vary arrivals.0.age.max=6:18:6: at "
                     "arrivals.0.age.min=10, arrivals.0.age.max=6: "))
        fail_msg("stderr:\n%s", err);
    assert_int_equal(access(d, F_OK), -1);
    /* entries_per_year does not depend on the workers (the same calls at every value) */
    snprintf(cmd, sizeof cmd,
             "%s sweep %s --set horizon_days=400 --set warmup_days=50 --vary "
             "pools.duty_workers.workers=5:6:1 --target 'entries_per_year:all>=0' --reps 2 "
             "--no-plots --out %s",
             bin(), MMC, d);
    assert_int_equal(files_sh(cmd, out, sizeof out, err, sizeof err), 0);
    assert_non_null(strstr(err, "careflow: warning: entries_per_year:all is the same at every "
                                "value swept: it does not depend on pools.duty_workers.workers"));
    /* no trailing space (the header without a target had them) */
    assert_null(strstr(out, " \n"));
    /* in one stream (2>&1) the table and the answer come before "wrote", and each share
     * stands apart from the interval before it (two spaces: "... to 0.0185  100%") */
    char both[4096];
    snprintf(both, sizeof both, "{ %s; } 2>&1 | cat", cmd);
    assert_int_equal(files_sh(both, out, sizeof out, err, sizeof err), 0);
    const char *ans = strstr(out, "\nanswer: "), *wrote = strstr(out, "\nwrote ");
    if (!ans || !wrote || wrote < ans)
        fail_msg("'wrote' before the answer:\n%s", out);
    /* and without a target (the table alone) */
    snprintf(both, sizeof both,
             "{ %s sweep %s --set horizon_days=400 --set warmup_days=50 --vary "
             "pools.duty_workers.workers=5:6:1 --outputs avg_stock:all --reps 2 --no-plots "
             "--out %s; } 2>&1 | cat",
             bin(), MMC, d);
    assert_int_equal(files_sh(both, out, sizeof out, err, sizeof err), 0);
    const char *last = strstr(out, "\n  6 ");
    wrote = strstr(out, "\nwrote ");
    if (!last || !wrote || wrote < last)
        fail_msg("'wrote' before the table's end:\n%s", out);
    for (char *l = out, *e; (e = strchr(l, '\n')); l = e + 1) {
        *e = 0;
        char *sp = strrchr(l, ' ');
        if (e > l && e[-1] == '%' && !strstr(l, "(") && (!sp || sp == l || sp[-1] != ' '))
            fail_msg("a share run into the column before it: '%s'", l);
    }
    files_rm_tree(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_answer_is_erlang_c_smallest_c),
        cmocka_unit_test(monotone_figures_stay_monotone),
        cmocka_unit_test(same_bytes_at_any_thread_count_and_after_an_interruption),
        cmocka_unit_test(mpi_ranks_write_the_same_bytes_as_threads),
        cmocka_unit_test(the_answer_is_printed_with_its_evidence),
        cmocka_unit_test(the_charts_carry_the_footer),
        cmocka_unit_test(no_value_meeting_the_target_exits_1_with_the_results),
        cmocka_unit_test(an_answer_stands_when_a_larger_value_fails_again),
        cmocka_unit_test(a_waiting_list_left_at_the_horizon_is_named),
        cmocka_unit_test(a_bad_pair_is_refused_and_a_flat_target_warned),
        cmocka_unit_test(bad_vary_and_target_are_refused),
        cmocka_unit_test(every_failed_allocation_ends_cleanly),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
