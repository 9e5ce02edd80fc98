/* test_estimate_cli.c: `careflow estimate` then `careflow run` on what it wrote, with
 * every default, as the planner's guide does it, from a fresh working folder.
 *
 * Runs the built binary (path from $CAREFLOW, default build/careflow) with fork/exec in
 * a mkdtemp() folder holding a small careflow episodes file written here. The contract:
 * estimate writes out/estimated/scenario.yaml by default, and `run` writes to
 * out/NAME/ where NAME is the scenario's name, refusing a folder that holds files it did
 * not write. So the default name must not be `estimated`: it is forecast-YYYY-MM-DD of
 * the as-of date (here the records' last date, 2024-03-31), and the run must succeed
 * into out/forecast-2024-03-31/ and leave the estimate's folder as it was. */
#define _XOPEN_SOURCE 700 /* nftw() */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

typedef struct ctx {
    char bin[PATH_MAX]; /* absolute path of the binary */
    char dir[PATH_MAX]; /* the mkdtemp() folder: the working folder of every command */
} ctx_t;

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, len = 0, n;
    char *s = malloc(cap);
    while (s && (n = fread(s + len, 1, cap - len - 1, f)) > 0) {
        len += n;
        if (len + 1 == cap) {
            char *t = realloc(s, cap *= 2);
            if (!t) {
                free(s);
                s = NULL;
            }
            s = t;
        }
    }
    fclose(f);
    if (s)
        s[len] = '\0';
    return s;
}

static void pathf(char *out, const ctx_t *cx, const char *rel)
{
    snprintf(out, PATH_MAX, "%.2000s/%.2000s", cx->dir, rel);
}

static int exists(const ctx_t *cx, const char *rel)
{
    char p[PATH_MAX];
    struct stat st;
    pathf(p, cx, rel);
    return stat(p, &st) == 0;
}

/* Runs the binary with args (NULL-terminated) in cx->dir; returns the exit status and
 * prints its stderr on failure; *errout (if errout) gets its stderr (free it). */
static int run_cli_err(const ctx_t *cx, const char *const *args, char **errout)
{
    char err_path[PATH_MAX];
    const char *argv[32];
    int n = 0;
    argv[n++] = "careflow";
    for (; args[n - 1] && n < 31; n++)
        argv[n] = args[n - 1];
    argv[n] = NULL;
    pathf(err_path, cx, ".stderr");
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int fe = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int fo = open("/dev/null", O_WRONLY);
        if (fe < 0 || fo < 0 || chdir(cx->dir) != 0 || dup2(fo, 1) < 0 || dup2(fe, 2) < 0)
            _exit(126);
        execv(cx->bin, (char *const *)argv);
        _exit(127);
    }
    int st;
    while (waitpid(pid, &st, 0) < 0)
        assert_int_equal(errno, EINTR);
    int status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    if (errout)
        *errout = slurp(err_path);
    if (status != 0 && !errout) {
        char *e = slurp(err_path);
        print_error("careflow %s: exit status %d\n%s\n", args[0], status, e ? e : "");
        free(e);
    }
    unlink(err_path);
    return status;
}

static int run_cli(const ctx_t *cx, const char *const *args)
{
    return run_cli_err(cx, args, NULL);
}

#define RUN(cx, ...) run_cli((cx), (const char *const[]){__VA_ARGS__, NULL})
/* RUN keeping stderr in *e (free it). */
#define RUNE(cx, e, ...) run_cli_err((cx), (const char *const[]){__VA_ARGS__, NULL}, (e))

/* A small record: every 6 days from 2022-04-05 a child is referred; the referral lasts
 * 5 days and leads to an assessment of 20 days (odd children) or closes (even); the
 * last referral starts on 2024-03-31, the records' last date, so the as-of date is
 * that day. Ages 4 to 14. */
static void write_record(const ctx_t *cx)
{
    char p[PATH_MAX];
    pathf(p, cx, "episodes.csv");
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs("child,stage,start,end,next,dob,flags\n", f);
    /* 2022-04-05 is day 0 (2024-03-31 is day 726 = 6 x 121); dates formatted with the C library (UTC, no DST) */
    struct tm t0 = {.tm_year = 122, .tm_mon = 3, .tm_mday = 5, .tm_hour = 12};
    int child = 0;
    for (int d = 0;; d += 6) {
        char s[3][11];
        for (int k = 0; k < 3; k++) {
            struct tm t = t0;
            t.tm_mday += d + (k == 0 ? 0 : k == 1 ? 5 : 25);
            time_t tt = timegm(&t);
            struct tm u;
            gmtime_r(&tt, &u);
            strftime(s[k], sizeof s[k], "%Y-%m-%d", &u);
        }
        if (strcmp(s[0], "2024-03-31") > 0)
            break;
        child++;
        int dob_year = 2008 + child % 11;
        int assessed = child % 2 == 1;
        int ref_open = strcmp(s[1], "2024-03-31") > 0; /* ends after the last date */
        fprintf(f, "%d,referral,%s,%s,%s,%d-06-15,\n", child, s[0], ref_open ? "" : s[1],
                ref_open ? "" : assessed ? "assessment" : "exit", dob_year);
        if (assessed && !ref_open) {
            int as_open = strcmp(s[2], "2024-03-31") > 0;
            fprintf(f, "%d,assessment,%s,%s,%s,%d-06-15,\n", child, s[1], as_open ? "" : s[2],
                    as_open ? "" : "exit", dob_year);
        }
    }
    assert_int_equal(fclose(f), 0);
}

static void estimate_then_run_with_defaults(void **state)
{
    const ctx_t *cx = *state;
    write_record(cx);
    assert_int_equal(RUN(cx, "estimate", "episodes.csv"), 0);
    assert_true(exists(cx, "out/estimated/scenario.yaml"));
    assert_true(exists(cx, "out/estimated/open-cases.csv"));

    char p[PATH_MAX];
    pathf(p, cx, "out/estimated/scenario.yaml");
    char *y = slurp(p);
    assert_non_null(y);
    if (!strstr(y, "\nname: forecast-2024-03-31\n")) {
        print_error("no 'name: forecast-2024-03-31' line in the scenario:\n%.600s\n", y);
        free(y);
        fail();
    }
    free(y);

    /* the run the guide gives next: its folder is out/<name>/, not the estimate's */
    assert_int_equal(RUN(cx, "run", "out/estimated/scenario.yaml", "--reps", "2",
                         "--no-plots"), 0);
    assert_true(exists(cx, "out/forecast-2024-03-31/summary.csv"));
    assert_false(exists(cx, "out/estimated/summary.csv"));
    /* and both can be done again, each replacing only its own folder */
    assert_int_equal(RUN(cx, "estimate", "episodes.csv"), 0);
    assert_int_equal(RUN(cx, "run", "out/estimated/scenario.yaml", "--reps", "2",
                         "--no-plots"), 0);

    /* an as-of date names the forecast after it (given as --as-of=DATE too, as run and
     * backtest take their options; a flag given a value is a usage error) */
    assert_int_equal(RUN(cx, "estimate", "episodes.csv", "--lenient=1"), 2);
    assert_int_equal(RUN(cx, "estimate", "episodes.csv", "--as-of=2023-12-31"), 0);
    pathf(p, cx, "out/estimated/scenario.yaml");
    y = slurp(p);
    assert_non_null(y);
    assert_non_null(strstr(y, "\nname: forecast-2023-12-31\n"));
    free(y);
}

/* A lenient estimate counts a bad row in data_quality.csv; a later strict estimate on
 * clean records writes zeros there, so the earlier count is not left beside records it
 * does not describe (the file used to be written only with --lenient). */
static void data_quality_is_never_stale(void **state)
{
    const ctx_t *cx = *state;
    write_record(cx);
    char p[PATH_MAX], bad[PATH_MAX];
    pathf(p, cx, "episodes.csv");
    pathf(bad, cx, "bad/episodes.csv");
    char *y = slurp(p);
    assert_non_null(y);
    pathf(p, cx, "bad");
    assert_int_equal(mkdir(p, 0777), 0);
    FILE *f = fopen(bad, "w");
    assert_non_null(f);
    /* the clean rows, and one whose end is before its start */
    fprintf(f, "%s9999,referral,2024-01-10,2024-01-05,exit,2015-06-15,\n", y);
    assert_int_equal(fclose(f), 0);
    free(y);
    assert_int_equal(RUN(cx, "estimate", "bad/episodes.csv", "--lenient"), 0);
    pathf(p, cx, "out/estimated/data_quality.csv");
    y = slurp(p);
    assert_non_null(y);
    assert_non_null(strstr(y, "\nend_before_start,1,"));
    free(y);
    assert_int_equal(RUN(cx, "estimate", "episodes.csv"), 0);
    y = slurp(p);
    assert_non_null(y);
    assert_null(strstr(y, "\nend_before_start,1,"));
    assert_non_null(strstr(y, "\nend_before_start,0,"));
    free(y);
}

/* Estimating into a folder inside the records, twice: the second run must not read
 * the first one's open-cases.csv and data_quality files back as records. */
static void own_outputs_not_read_back(void **state)
{
    const ctx_t *cx = *state;
    char p[PATH_MAX], q[PATH_MAX], *e = NULL;
    write_record(cx);
    pathf(p, cx, "rec");
    assert_int_equal(mkdir(p, 0777), 0);
    pathf(p, cx, "episodes.csv");
    pathf(q, cx, "rec/episodes.csv");
    assert_int_equal(rename(p, q), 0);
    assert_int_equal(RUN(cx, "estimate", "rec", "--out", "rec/out/scenario.yaml"), 0);
    assert_int_equal(RUNE(cx, &e, "estimate", "rec", "--out", "rec/out/scenario.yaml"), 0);
    assert_non_null(e);
    assert_non_null(strstr(e, "3 careflow outputs"));
    assert_non_null(strstr(e, "rec/out/open-cases.csv"));
    free(e);
}

/* data_quality_rows.csv lists each defect as the strict reader reports it; the count
 * line is singular for one row. */
static void quality_rows_match_the_strict_error(void **state)
{
    const ctx_t *cx = *state;
    write_record(cx);
    char p[PATH_MAX], *y, *e = NULL;
    pathf(p, cx, "episodes.csv");
    FILE *f = fopen(p, "a");
    assert_non_null(f);
    fputs("9999,referral,2024-01-10,2024-01-05,exit,2015-06-15,\n", f);
    assert_int_equal(fclose(f), 0);
    /* strict: "episodes.csv:LINE:COL: error: MESSAGE" */
    assert_int_equal(RUNE(cx, &e, "estimate", "episodes.csv"), 2);
    assert_non_null(e);
    long line = 0, col = 0;
    int used = 0;
    assert_int_equal(sscanf(e, "episodes.csv:%ld:%ld: error: %n", &line, &col, &used), 2);
    char want[1024];
    snprintf(want, sizeof want, "end_before_start,episodes.csv,%ld,%ld,%.*s", line, col,
             (int)strcspn(e + used, "\n"), e + used);
    free(e);
    assert_int_equal(RUNE(cx, &e, "estimate", "episodes.csv", "--lenient"), 0);
    assert_non_null(strstr(e, ": 1 row skipped or repaired ("));
    free(e);
    pathf(p, cx, "out/estimated/data_quality_rows.csv");
    y = slurp(p);
    assert_non_null(y);
    assert_true(!strncmp(y, "kind,file,line,col,message\n", 27));
    if (!strstr(y, want))
        fail_msg("no '%s' in\n%s", want, y);
    free(y);
    /* strict and clean: the header alone, no stale rows */
    pathf(p, cx, "episodes.csv");
    write_record(cx);
    assert_int_equal(RUN(cx, "estimate", "episodes.csv"), 0);
    pathf(p, cx, "out/estimated/data_quality_rows.csv");
    y = slurp(p);
    assert_non_null(y);
    assert_string_equal(y, "kind,file,line,col,message\n");
    free(y);
}

/* --as-of outside the records is refused with their range; inside, a stage whose
 * record begins within the window is noted. The record (write_record) runs from
 * 2022-04-05 to 2024-03-31. Its earliest closed chains: child 2's referral,
 * 2022-04-11..04-16 then exit, and child 1's assessment, 2022-04-10..04-30 then exit:
 * referral complete from 2022-04-16, assessment from 2022-04-30. As of 2023-01-31 with
 * a 12-month window (from 2022-02-01), rates run from those days: 291 and 277 days
 * (April 16-30 is 15 days, May to January 276). */
static void as_of_inside_the_records(void **state)
{
    const ctx_t *cx = *state;
    char *e = NULL;
    write_record(cx);
    assert_int_equal(RUNE(cx, &e, "estimate", "episodes.csv", "--as-of", "2030-01-01"), 2);
    assert_non_null(strstr(e, "after the records' extract date: the records run from "
                              "2022-04-05 to 2024-03-31; complete from 2022-04-16"));
    free(e);
    assert_int_equal(RUNE(cx, &e, "estimate", "episodes.csv", "--as-of", "2022-01-01"), 2);
    assert_non_null(strstr(e, "before any stage's record is complete"));
    free(e);
    assert_false(exists(cx, "out/estimated/scenario.yaml"));
    assert_int_equal(RUNE(cx, &e, "estimate", "episodes.csv", "--as-of", "2023-01-31"), 0);
    assert_non_null(strstr(e, "window 2022-02-01..2023-01-31 (12 months)"));
    assert_non_null(strstr(e, "referral: records complete only from 2022-04-16: rates from "
                              "291 days"));
    assert_non_null(strstr(e, "assessment: records complete only from 2022-04-30: rates "
                              "from 277 days"));
    free(e);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static int setup(void **state)
{
    ctx_t *cx = calloc(1, sizeof *cx);
    if (!cx)
        return -1;
    const char *bin = getenv("CAREFLOW");
    if (!bin)
        bin = "build/careflow";
    if (!realpath(bin, cx->bin)) {
        fprintf(stderr, "test_estimate_cli: no binary at %s\n", bin);
        free(cx);
        return -1;
    }
    snprintf(cx->dir, sizeof cx->dir, "/tmp/careflow-estcli-XXXXXX");
    if (!mkdtemp(cx->dir)) {
        free(cx);
        return -1;
    }
    *state = cx;
    return 0;
}

static int teardown(void **state)
{
    ctx_t *cx = *state;
    nftw(cx->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    free(cx);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(estimate_then_run_with_defaults, setup, teardown),
        cmocka_unit_test_setup_teardown(data_quality_is_never_stale, setup, teardown),
        cmocka_unit_test_setup_teardown(own_outputs_not_read_back, setup, teardown),
        cmocka_unit_test_setup_teardown(quality_rows_match_the_strict_error, setup, teardown),
        cmocka_unit_test_setup_teardown(as_of_inside_the_records, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
