/* test_mpi.c: every command that runs many replications or design points writes, under
 * `mpirun -n 2` (the MPI build, $CAREFLOW_MPI_BIN), the same bytes as on 2 threads
 * (the plain build, $CAREFLOW), with the same seed: every file of the output folder
 * but manifest.json (timings, threads, ranks) and report.html (which quotes the command
 * line) is compared, in every subfolder. run, compare, backtest and sweep here;
 * sensitivity and calibrate in their own tests (test_sensitivity.c, test_calibrate.c:
 * 3 ranks against 2 threads, every file). Also: only rank 0 speaks (one closing line,
 * an error said once), manifest.json notes the ranks, a bad scenario exits 2 on every
 * rank without hanging, and a rank whose replication fails ends every rank.
 *
 * Each test is skipped (cmocka skip, saying why) where mpirun or the MPI build is
 * missing: `make test` builds it wherever OpenMPI is installed. `timeout` only guards
 * against a hang (exit 124): the tests never depend on timing. */
#define _XOPEN_SOURCE 700 /* nftw() */
#include <ftw.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "tests/files.h"

#define MPIRUN                                                                             \
    "OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 timeout 120 mpirun -n 2 "  \
    "--oversubscribe "
#define HAMPSHIRE "scenarios/hampshire-baseline.yaml"
#define COUNCIL "scenarios/data/council/ssda903"

static const char *bin(void)
{
    const char *b = getenv("CAREFLOW");
    return b && *b ? b : "build/careflow";
}

/* The MPI build, or NULL (the test is then skipped, saying so). */
static const char *mpi_bin(void)
{
    const char *m = getenv("CAREFLOW_MPI_BIN");
    if (!m || !*m || access(m, X_OK) != 0 || system("command -v mpirun >/dev/null") != 0) {
        print_message("  skipped: no MPI build (install openmpi-bin and libopenmpi-dev, or run "
                      "`make MPI=1 test`, to run this test)\n");
        return NULL;
    }
    return m;
}

static void tmpdir(char *buf, size_t len)
{
    snprintf(buf, len, "/tmp/careflow-mpi-XXXXXX");
    assert_non_null(mkdtemp(buf));
}

/* How many times needle occurs in hay. */
static int count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
        n++;
    return n;
}

/* ---- every file of one folder against the other's ------------------------------------ */

static const char *walk_a, *walk_b; /* nftw has no context pointer */
static int walk_n;

static int same_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
    const char *base = path + f->base, *rel = path + strlen(walk_a);
    char other[PATH_MAX * 2];
    if (flag != FTW_F || !strcmp(base, "manifest.json") || !strcmp(base, "report.html"))
        return 0;
    snprintf(other, sizeof other, "%s%s", walk_b, rel);
    char *x = files_slurp(path), *y = files_slurp(other);
    if (!x || !y)
        fail_msg("%s is in %s but not in %s", rel, walk_a, walk_b);
    if (strcmp(x, y) != 0)
        fail_msg("%s differs between the threaded run (%s) and the MPI run (%s)", rel + 1,
                 walk_a, walk_b);
    free(x);
    free(y);
    walk_n++;
    return 0;
}

/* Every file of a (but manifest.json and report.html) is in b with the same bytes, and
 * both hold as many: returns how many were compared. */
static int same_files(const char *a, const char *b)
{
    walk_a = a;
    walk_b = b;
    walk_n = 0;
    assert_int_equal(nftw(a, same_one, 16, FTW_PHYS), 0);
    int n = walk_n;
    walk_a = b;
    walk_b = a;
    walk_n = 0;
    assert_int_equal(nftw(b, same_one, 16, FTW_PHYS), 0);
    assert_int_equal(walk_n, n);
    return n;
}

/* Runs `CAREFLOW ARGS --threads 2 --out D/threads` and `mpirun -n 2 MPI ARGS --out D/mpi`
 * and compares every file; the MPI run's stderr in err. */
static void threads_against_ranks(const char *what, const char *args, int min_files, char *err,
                                  size_t elen)
{
    const char *mpi = mpi_bin();
    char d[64], cmd[4096], out[4096], a[128], b[128];
    if (!mpi)
        skip();
    tmpdir(d, sizeof d);
    snprintf(a, sizeof a, "%s/threads", d);
    snprintf(b, sizeof b, "%s/mpi", d);
    snprintf(cmd, sizeof cmd, "%s %s --threads 2 --out %s", bin(), args, a);
    if (files_sh(cmd, out, sizeof out, err, elen) != 0)
        fail_msg("%s on threads failed: %s", what, err);
    snprintf(cmd, sizeof cmd, MPIRUN "%s %s --out %s", mpi, args, b);
    int st = files_sh(cmd, out, sizeof out, err, elen);
    if (st != 0)
        fail_msg("%s under mpirun failed (%d): %s", what, st, err);
    int n = same_files(a, b);
    print_message("  %s: %d files identical on 2 threads and 2 ranks\n", what, n);
    assert_true(n >= min_files);
    char *man = files_read_in(b, "manifest.json");
    assert_non_null(man);
    if (!strstr(man, "\"ranks\": 2"))
        fail_msg("%s: manifest.json does not note the 2 ranks", what);
    free(man);
    files_rm_tree(d);
}

/* ---- the commands ---------------------------------------------------------------------- */

static void run_on_two_ranks_writes_the_threads_bytes(void **state)
{
    char err[8192];
    /* 5 replications: rank 0 runs 0, 2, 4 and rank 1 runs 1, 3 */
    threads_against_ranks("run", "run " HAMPSHIRE " --reps 5 --seed 7 --no-plots", 4, err,
                          sizeof err);
    /* rank 0 alone reports: one closing line */
    assert_int_equal(count(err, "wrote "), 1);
}

static void compare_on_two_ranks_writes_the_threads_bytes(void **state)
{
    char err[8192];
    threads_against_ranks("compare",
                          "compare scenarios/hampshire-innovation.yaml "
                          "scenarios/hampshire-edge-12plus.yaml --reps 3 --seed 11 --no-plots",
                          10, err, sizeof err);
    assert_int_equal(count(err, "simulating hampshire-innovation"), 1);
    assert_int_equal(count(err, "wrote "), 1);
}

static void backtest_on_two_ranks_writes_the_threads_bytes(void **state)
{
    char err[8192];
    /* 7 replications over 3 resamples at each of 2 cutoffs: the scenario files of
     * each cutoff's folder too */
    threads_against_ranks("backtest",
                          "backtest " COUNCIL " --cutoff 2022-03-31 --cutoff 2023-03-31 "
                          "--reps 7 --bootstrap 3 --seed 5 --no-plots",
                          10, err, sizeof err);
    assert_int_equal(count(err, "wrote "), 1);
    /* the other rank's scratch folder is gone */
    assert_int_equal(system("ls -d /tmp/careflow-backtest-rank1-* >/dev/null 2>&1"), 512);
}

static void sweep_on_two_ranks_writes_the_threads_bytes(void **state)
{
    char err[8192];
    threads_against_ranks("sweep",
                          "sweep scenarios/council-staffed.yaml --vary "
                          "pools.social_workers.workers=56:60:2 --target "
                          "'mean_wait_days:cin<=10' --reps 3 --no-plots --quiet",
                          2, err, sizeof err);
}

/* ---- failures ---------------------------------------------------------------------------- */

/* A bad scenario: every rank exits 2, the error said once, nothing written, no hang. */
static void a_bad_scenario_exits_2_on_every_rank(void **state)
{
    const char *mpi = mpi_bin();
    char d[64], cmd[4096], out[4096], err[8192], bad[128], o[128];
    static const char *const cmds[] = {"run", "compare", "sweep", "calibrate", "sensitivity"};
    if (!mpi)
        skip();
    tmpdir(d, sizeof d);
    snprintf(bad, sizeof bad, "%s/bad.yaml", d);
    FILE *f = fopen(bad, "w");
    assert_non_null(f);
    fputs("version: 1\nname: bad\nbogus_key: 1\n", f);
    fclose(f);
    snprintf(o, sizeof o, "%s/out", d);
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        char args[512];
        snprintf(args, sizeof args, "%s %s%s%s", cmds[i], bad, i == 1 ? " " : "",
                 i == 1 ? bad : i == 2 ? " --vary pools.x.workers=1:2:1" : "");
        snprintf(cmd, sizeof cmd, MPIRUN "%s %s --out %s", mpi, args, o);
        int st = files_sh(cmd, out, sizeof out, err, sizeof err);
        if (st == 124)
            fail_msg("%s: a rank waited for another (killed after 120 s)", args);
        if (st != 2)
            fail_msg("%s: exit status %d, not 2: %s", args, st, err);
        if (count(err, "bogus_key") != 1)
            fail_msg("%s: the error should be said once: %s", args, err);
        assert_int_equal(access(o, F_OK), -1);
    }
    /* a refused backtest cutoff and a usage error, said once */
    snprintf(cmd, sizeof cmd, MPIRUN "%s backtest " COUNCIL " --cutoff 1990-03-31 --out %s", mpi,
             o);
    assert_int_equal(files_sh(cmd, out, sizeof out, err, sizeof err), 2);
    assert_int_equal(count(err, "careflow: error: "), 1);
    snprintf(cmd, sizeof cmd, MPIRUN "%s run " HAMPSHIRE " --reps x --out %s", mpi, o);
    assert_int_equal(files_sh(cmd, out, sizeof out, err, sizeof err), 2);
    assert_int_equal(count(err, "careflow: error: "), 1);
    assert_int_equal(access(o, F_OK), -1);
    files_rm_tree(d);
}

/* Rank 1's first replication fails (as if out of memory: the test hook
 * CAREFLOW_TEST_FAIL_RANK=1:replication), or its gather buffer cannot be made: every
 * rank stops, rank 1 says why, nothing is written. */
static void a_failing_rank_ends_every_rank(void **state)
{
    const char *mpi = mpi_bin();
    static const char *const steps[] = {"replication", "gather"};
    static const char *const cmds[] = {
        "run " HAMPSHIRE " --reps 4",
        "compare scenarios/hampshire-innovation.yaml scenarios/hampshire-edge-12plus.yaml "
        "--reps 2",
        "backtest " COUNCIL " --cutoff 2022-03-31 --reps 4 --bootstrap 2"};
    char d[64], cmd[4096], out[4096], err[8192], o[128];
    if (!mpi)
        skip();
    tmpdir(d, sizeof d);
    snprintf(o, sizeof o, "%s/out", d);
    for (size_t s = 0; s < sizeof steps / sizeof steps[0]; s++)
        for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
            snprintf(cmd, sizeof cmd,
                     "CAREFLOW_TEST_FAIL_RANK=1:%s " MPIRUN "%s %s --no-plots --out %s",
                     steps[s], mpi, cmds[i], o);
            int st = files_sh(cmd, out, sizeof out, err, sizeof err);
            if (st == 124)
                fail_msg("%s: rank 1 failed at %s and rank 0 waited for it", cmds[i],
                         steps[s]);
            if (st != 1)
                fail_msg("%s: rank 1 failed at %s: exit status %d, not 1: %s", cmds[i],
                         steps[s], st, err);
            if (count(err, "out of memory") != 1)
                fail_msg("%s: rank 1's failure at %s should be said once: %s", cmds[i],
                         steps[s], err);
            assert_int_equal(access(o, F_OK), -1);
        }
    /* backtest's resamples are estimated a share a rank, then sent to every rank: a rank
     * failing in its share, or before the resamples while the other goes on to them,
     * must not leave the other waiting */
    static const char *const hooks[] = {"1:resample", "1:cutoff", "0:cutoff"};
    for (size_t h = 0; h < sizeof hooks / sizeof hooks[0]; h++) {
        snprintf(cmd, sizeof cmd,
                 "CAREFLOW_TEST_FAIL_RANK=%s " MPIRUN "%s backtest " COUNCIL
                 " --cutoff 2022-03-31 --reps 6 --bootstrap 4 --no-plots --out %s",
                 hooks[h], mpi, o);
        int st = files_sh(cmd, out, sizeof out, err, sizeof err);
        if (st != 1)
            fail_msg("backtest: rank %s failed: exit status %d, not 1: %s", hooks[h], st, err);
        if (count(err, "out of memory") != 1)
            fail_msg("backtest: rank %s failed: it should be said once: %s", hooks[h], err);
        assert_int_equal(access(o, F_OK), -1);
    }
    files_rm_tree(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(run_on_two_ranks_writes_the_threads_bytes),
        cmocka_unit_test(compare_on_two_ranks_writes_the_threads_bytes),
        cmocka_unit_test(backtest_on_two_ranks_writes_the_threads_bytes),
        cmocka_unit_test(sweep_on_two_ranks_writes_the_threads_bytes),
        cmocka_unit_test(a_bad_scenario_exits_2_on_every_rank),
        cmocka_unit_test(a_failing_rank_ends_every_rank),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
