/* test_cli.c: the `careflow` command line, end to end, as a user meets it.
 *
 * Runs the built binary (path from $CAREFLOW, default build/careflow) with fork/exec in
 * a mkdtemp() folder, stdout and stderr captured into files, and checks the contract:
 * exit statuses, help texts, error lines, the output files and their headers,
 * byte-identical CSVs at any thread count, --set, and that failures and re-runs never
 * leave temporary files or damage earlier results. */
#define _XOPEN_SOURCE 700 /* nftw() */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <regex.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <signal.h>
#include <dirent.h>
#include <unistd.h>

#include <cmocka.h>

#include "sim/sha256.h"

typedef struct ctx {
    char bin[PATH_MAX]; /* absolute path of the binary */
    char dir[PATH_MAX]; /* the mkdtemp() folder; every case works under it */
} ctx_t;

typedef struct proc {
    int status; /* exit status, or 128 + signal */
    char *out;  /* captured stdout (owned) */
    char *err;  /* captured stderr (owned) */
} proc_t;

/* ---- helpers ----------------------------------------------------------------------- */

static char *slurp(const char *path, size_t *len_out)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, len = 0;
    char *s = malloc(cap);
    size_t n;
    while (s && (n = fread(s + len, 1, cap - len - 1, f)) > 0) {
        len += n;
        if (cap - len - 1 == 0) {
            char *t = realloc(s, cap * 2);
            if (!t) {
                free(s);
                s = NULL;
                break;
            }
            s = t;
            cap *= 2;
        }
    }
    fclose(f);
    if (s)
        s[len] = '\0';
    if (len_out)
        *len_out = len;
    return s;
}

static void pathf(char *out, const ctx_t *cx, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void pathf(char *out, const ctx_t *cx, const char *fmt, ...)
{
    char rel[PATH_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(rel, sizeof rel, fmt, ap);
    va_end(ap);
    snprintf(out, PATH_MAX, "%.2000s/%.2000s", cx->dir, rel);
}

static int exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

static int is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Runs the binary with args (NULL-terminated, without argv[0]) in cx->dir. */
static void run_cli(const ctx_t *cx, proc_t *p, const char *const *args)
{
    char out_path[PATH_MAX], err_path[PATH_MAX];
    const char *argv[64];
    int n = 0;
    argv[n++] = "careflow";
    for (; args[n - 1] && n < 63; n++)
        argv[n] = args[n - 1];
    argv[n] = NULL;
    pathf(out_path, cx, ".stdout");
    pathf(err_path, cx, ".stderr");

    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int fo = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int fe = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fo < 0 || fe < 0 || chdir(cx->dir) != 0 || dup2(fo, 1) < 0 || dup2(fe, 2) < 0)
            _exit(126);
        close(fo);
        close(fe);
        execv(cx->bin, (char *const *)argv);
        _exit(127);
    }
    int st;
    while (waitpid(pid, &st, 0) < 0)
        assert_int_equal(errno, EINTR);
    p->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    p->out = slurp(out_path, NULL);
    p->err = slurp(err_path, NULL);
    assert_non_null(p->out);
    assert_non_null(p->err);
    unlink(out_path);
    unlink(err_path);
}

#define RUN(cx, p, ...) run_cli((cx), (p), (const char *const[]){__VA_ARGS__, NULL})

static void proc_free(proc_t *p)
{
    free(p->out);
    free(p->err);
    p->out = p->err = NULL;
}

/* Fails the test, showing the output, unless the exit status is as expected. */
static void expect_status(const proc_t *p, int want)
{
    if (p->status != want) {
        print_error("exit status %d, expected %d\nstdout:\n%s\nstderr:\n%s\n", p->status, want,
                    p->out, p->err);
        fail();
    }
}

static void expect_contains(const char *hay, const char *needle)
{
    if (!strstr(hay, needle)) {
        print_error("expected to find '%s' in:\n%s\n", needle, hay);
        fail();
    }
}

static int matches(const char *text, const char *pattern)
{
    regex_t re;
    assert_int_equal(regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB | REG_NEWLINE), 0);
    int ok = regexec(&re, text, 0, NULL, 0) == 0;
    regfree(&re);
    return ok;
}

/* No ".NAME.tmp.PID" file in folder `rel` (nor in cx->dir itself). */
static void expect_no_temps(const ctx_t *cx, const char *rel)
{
    char path[PATH_MAX];
    pathf(path, cx, "%s", rel);
    DIR *d = opendir(path);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strstr(e->d_name, ".tmp.")) {
            print_error("temporary file left behind: %s/%s\n", path, e->d_name);
            closedir(d);
            fail();
        }
    }
    closedir(d);
}

static int same_file(const char *a, const char *b)
{
    size_t la, lb;
    char *x = slurp(a, &la), *y = slurp(b, &lb);
    int same = x && y && la == lb && memcmp(x, y, la) == 0;
    free(x);
    free(y);
    return same;
}

static void first_line(const char *path, char *out, size_t len)
{
    char *s = slurp(path, NULL);
    assert_non_null(s);
    size_t n = strcspn(s, "\n");
    snprintf(out, len, "%.*s", (int)n, s);
    free(s);
}

/* The mean of summary.csv's row (metric, stage). */
static double summary_mean(const char *path, const char *metric, const char *stage)
{
    char *s = slurp(path, NULL), key[256];
    assert_non_null(s);
    snprintf(key, sizeof key, "\n%s,%s,", metric, stage);
    char *p = strstr(s, key);
    if (!p) {
        print_error("no row %s,%s in %s\n", metric, stage, path);
        free(s);
        fail();
    }
    double v = strtod(p + strlen(key), NULL);
    free(s);
    return v;
}

static int count_lines(const char *path)
{
    char *s = slurp(path, NULL);
    assert_non_null(s);
    int n = 0;
    for (char *p = s; *p; p++)
        n += *p == '\n';
    free(s);
    return n;
}

static int gnuplot_available(void)
{
    const char *path = getenv("PATH");
    if (!path)
        return 0;
    char *copy = strdup(path), *save = NULL;
    int found = 0;
    for (char *d = strtok_r(copy, ":", &save); d && !found; d = strtok_r(NULL, ":", &save)) {
        char f[PATH_MAX];
        snprintf(f, sizeof f, "%s/gnuplot", *d ? d : ".");
        found = access(f, X_OK) == 0;
    }
    free(copy);
    return found;
}


/* ---- children run in the background (defects 7, 10, 11, 13) ----------------------- */

typedef struct child {
    pid_t pid;                /* the careflow process */
    int gate;                 /* write end of the pipe it waits on before exec, or -1 */
    char out_path[PATH_MAX];  /* its stdout */
    char err_path[PATH_MAX];  /* its stderr */
} child_t;

/* Starts the binary with args in cx->dir, stdout and stderr into files named after
 * tag, with env ("NAME=VALUE", or NULL) added. gated: it waits for child_release()
 * before exec, so the test can prepare something knowing its pid. */
static void child_start(const ctx_t *cx, child_t *c, const char *tag, const char *env,
                        int gated, const char *const *args)
{
    const char *argv[64];
    int n = 0, fds[2] = {-1, -1};
    argv[n++] = "careflow";
    for (; args[n - 1] && n < 63; n++)
        argv[n] = args[n - 1];
    argv[n] = NULL;
    pathf(c->out_path, cx, ".%s.stdout", tag);
    pathf(c->err_path, cx, ".%s.stderr", tag);
    if (gated)
        assert_int_equal(pipe(fds), 0);
    fflush(NULL);
    c->pid = fork();
    assert_true(c->pid >= 0);
    if (c->pid == 0) {
        char env_copy[256], b;
        int fo = open(c->out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int fe = open(c->err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fo < 0 || fe < 0 || chdir(cx->dir) != 0 || dup2(fo, 1) < 0 || dup2(fe, 2) < 0)
            _exit(126);
        if (env) {
            snprintf(env_copy, sizeof env_copy, "%s", env);
            putenv(env_copy);
        }
        if (gated) {
            close(fds[1]);
            if (read(fds[0], &b, 1) != 1)
                _exit(125);
            close(fds[0]);
        }
        execv(cx->bin, (char *const *)argv);
        _exit(127);
    }
    c->gate = -1;
    if (gated) {
        close(fds[0]);
        c->gate = fds[1];
    }
}

static void child_release(child_t *c)
{
    assert_int_equal(write(c->gate, "x", 1), 1);
    close(c->gate);
    c->gate = -1;
}

/* Waits up to `seconds` for the child to end; 1 and p filled if it did, else 0. */
static int child_wait(child_t *c, int seconds, proc_t *p)
{
    for (int i = 0; i < seconds * 100; i++) {
        int st;
        pid_t r = waitpid(c->pid, &st, WNOHANG);
        assert_true(r >= 0);
        if (r == c->pid) {
            p->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
            p->out = slurp(c->out_path, NULL);
            p->err = slurp(c->err_path, NULL);
            assert_non_null(p->out);
            assert_non_null(p->err);
            unlink(c->out_path);
            unlink(c->err_path);
            return 1;
        }
        usleep(10000);
    }
    return 0;
}

static void child_kill(child_t *c)
{
    int st;
    kill(c->pid, SIGKILL);
    waitpid(c->pid, &st, 0);
    unlink(c->out_path);
    unlink(c->err_path);
}

/* Every entry of folder rel (names sorted, hidden ones too, files with their bytes,
 * folders by name) as one string: two equal digests are the same set. */
static char *dir_digest(const ctx_t *cx, const char *rel)
{
    char path[PATH_MAX], *text = NULL;
    size_t len = 0;
    struct dirent **names;
    pathf(path, cx, "%s", rel);
    int n = scandir(path, &names, NULL, alphasort);
    assert_true(n >= 0);
    FILE *m = open_memstream(&text, &len);
    assert_non_null(m);
    for (int i = 0; i < n; i++) {
        char file[PATH_MAX + 300];
        const char *nm = names[i]->d_name;
        if (strcmp(nm, ".") && strcmp(nm, "..")) {
            snprintf(file, sizeof file, "%s/%s", path, nm);
            if (is_dir(file)) {
                fprintf(m, "[%s/]\n", nm);
            } else {
                char *s = slurp(file, NULL);
                assert_non_null(s);
                fprintf(m, "[%s]\n%s", nm, s);
                free(s);
            }
        }
        free(names[i]);
    }
    free(names);
    assert_int_equal(fclose(m), 0);
    return text;
}

/* The entries of folder rel whose names contain `part`. */
static int count_named(const ctx_t *cx, const char *rel, const char *part)
{
    char path[PATH_MAX];
    pathf(path, cx, "%s", rel);
    DIR *d = opendir(path);
    int n = 0;
    struct dirent *e;
    assert_non_null(d);
    while ((e = readdir(d)) != NULL)
        n += strstr(e->d_name, part) != NULL;
    closedir(d);
    return n;
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_true(fputs(text, f) >= 0);
    assert_int_equal(fclose(f), 0);
}

/* Waits until file rel appears in a folder PARENT/.NAME.new-* (a run is writing its set
 * into its staging folder); gives up after 20 s. */
static int wait_staged(const ctx_t *cx, const char *parent, const char *name, const char *file)
{
    char path[PATH_MAX], prefix[300];
    snprintf(prefix, sizeof prefix, ".%s.new-", name);
    pathf(path, cx, "%s", parent);
    for (int i = 0; i < 2000; i++) {
        DIR *d = opendir(path);
        struct dirent *e;
        int found = 0;
        assert_non_null(d);
        while (!found && (e = readdir(d)) != NULL) {
            char f[PATH_MAX + 600];
            if (strncmp(e->d_name, prefix, strlen(prefix)) != 0)
                continue;
            snprintf(f, sizeof f, "%s/%s/%s", path, e->d_name, file);
            found = exists(f);
        }
        closedir(d);
        if (found)
            return 1;
        usleep(10000);
    }
    return 0;
}

/* ---- fixtures ---------------------------------------------------------------------- */

/* Two stages, a Poisson arrival, a pool with priority, 4 replications, two years, one
 * observed point (OBSERVED_EXTRA adds more). */
#define SMALL_YAML(OBSERVED_EXTRA)                                            \
    "version: 1\n"                                                            \
    "name: cli-small\n"                                                       \
    "title: \"CLI test: small\"\n"                                            \
    "start: 2020-01-01\n"                                                     \
    "horizon_days: 730\n"                                                     \
    "replications: 4\n"                                                       \
    "seed: 42\n"                                                              \
    "stages:\n"                                                               \
    "  assessment:\n"                                                         \
    "    duration: {dist: gamma, mean: 30, sd: 10}\n"                         \
    "    next: {support: 0.6, exit: 0.4}\n"                                   \
    "  support:\n"                                                            \
    "    duration: {dist: exponential, mean: 150}\n"                          \
    "    next: {exit: 1.0}\n"                                                 \
    "arrivals:\n"                                                             \
    "  - name: referrals\n"                                                   \
    "    to: assessment\n"                                                    \
    "    per_year: 400\n"                                                     \
    "    process: poisson\n"                                                  \
    "    age: {dist: uniform, min: 0, max: 18}\n"                             \
    "pools:\n"                                                                \
    "  team:\n"                                                               \
    "    workers: 4\n"                                                        \
    "    absence: 0.1\n"                                                      \
    "    caseload_cap: 20\n"                                                  \
    "    serves: {assessment: 0.5, support: 1.0}\n"                           \
    "    priority: [support, assessment]\n"                                   \
    "observed:\n"                                                             \
    "  - {stages: [assessment, support], date: 2021-06-30, value: 120}\n" OBSERVED_EXTRA

/* Routing that sums to 0.9 on line 10. */
static const char bad_yaml[] = "version: 1\n"
                               "name: cli-bad\n"
                               "start: 2020-01-01\n"
                               "horizon_days: 365\n"
                               "stages:\n"
                               "  assessment:\n"
                               "    duration: {dist: exponential, mean: 30}\n"
                               "    next: {exit: 0.9}\n"
                               "arrivals:\n"
                               "  - {name: referrals, to: assessment, per_year: 100,\n"
                               "     age: {dist: uniform, min: 0, max: 18}}\n";

static int group_setup(void **state)
{
    ctx_t *cx = calloc(1, sizeof *cx);
    if (!cx)
        return -1;
    const char *bin = getenv("CAREFLOW");
    if (!bin || !*bin)
        bin = "build/careflow";
    if (!realpath(bin, cx->bin)) {
        fprintf(stderr, "test_cli: cannot find the binary %s (set CAREFLOW)\n", bin);
        free(cx);
        return -1;
    }
    snprintf(cx->dir, sizeof cx->dir, "%s/careflow-cli-XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(cx->dir)) {
        free(cx);
        return -1;
    }
    char p[PATH_MAX];
    FILE *f;
    pathf(p, cx, "small.yaml");
    if (!(f = fopen(p, "w")) || fputs(SMALL_YAML(""), f) < 0 || fclose(f) != 0)
        return -1;
    pathf(p, cx, "late.yaml");
    if (!(f = fopen(p, "w")) ||
        fputs(SMALL_YAML("  - {stages: [support], date: 2031-03-31, value: 50}\n"), f) < 0 ||
        fclose(f) != 0)
        return -1;
    pathf(p, cx, "bad.yaml");
    if (!(f = fopen(p, "w")) || fputs(bad_yaml, f) < 0 || fclose(f) != 0)
        return -1;
    pathf(p, cx, "uncertain.yaml");
    if (!(f = fopen(p, "w")) ||
        fputs(SMALL_YAML("uncertain:\n  - {path: arrivals.referrals.per_year, dist: uniform, "
                         "min: 300, max: 500}\n"),
              f) < 0 ||
        fclose(f) != 0)
        return -1;
    *state = cx;
    return 0;
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static int group_teardown(void **state)
{
    ctx_t *cx = *state;
    if (cx) {
        nftw(cx->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
        free(cx);
    }
    return 0;
}

/* ---- cases ------------------------------------------------------------------------- */

static void version_prints_version(void **state)
{
    proc_t p;
    RUN(*state, &p, "--version");
    expect_status(&p, 0);
    assert_true(matches(p.out, "^careflow [0-9]+\\.[0-9]+\\.[0-9]+$"));
    proc_free(&p);
}

static void strands_lists_types_and_refuses_arguments(void **state)
{
    proc_t p;
    RUN(*state, &p, "strands");
    expect_status(&p, 0);
    expect_contains(p.out, "edge_of_care");
    proc_free(&p);
    RUN(*state, &p, "strands", "edge_of_care");
    expect_status(&p, 2);
    expect_contains(p.err, "strands takes no arguments, not 'edge_of_care'");
    assert_string_equal(p.out, "");
    proc_free(&p);
}

static void help_mentions_every_option(void **state)
{
    static const char *const main_words[] = {"run", "validate", "compare", "sensitivity",
                                             "sweep", "calibrate", "estimate", "backtest",
                                             "--version", "--help", "Exit status",
                                             "README.md", "docs/"};
    static const char *const run_words[] = {
        "--reps", "--seed", "--threads", "--out", "--set", "--no-plots", "--quiet", "--help",
        "out/NAME", "summary.csv", "timeseries.csv", "replications.csv", "fit.csv",
        "manifest.json", "plots/", "gnuplot", "Exit status", "Example",
        "docs/scenario-reference.md", "README.md"};
    static const char *const validate_words[] = {"--set", "ok", "Exit status", "Example",
                                                 "docs/scenario-reference.md"};
    proc_t p;
    RUN(*state, &p, "--help");
    expect_status(&p, 0);
    for (size_t i = 0; i < sizeof main_words / sizeof *main_words; i++)
        expect_contains(p.out, main_words[i]);
    /* every guide in docs/ is named, so a new one cannot be left out of the help */
    DIR *d = opendir("docs");
    assert_non_null(d);
    int guides = 0;
    for (struct dirent *e; (e = readdir(d));) {
        size_t n = strlen(e->d_name);
        if (n > 3 && !strcmp(e->d_name + n - 3, ".md")) {
            expect_contains(p.out, e->d_name);
            guides++;
        }
    }
    closedir(d);
    assert_true(guides >= 10);
    proc_free(&p);

    RUN(*state, &p, "run", "--help");
    expect_status(&p, 0);
    for (size_t i = 0; i < sizeof run_words / sizeof *run_words; i++)
        expect_contains(p.out, run_words[i]);
    proc_free(&p);

    RUN(*state, &p, "validate", "--help");
    expect_status(&p, 0);
    for (size_t i = 0; i < sizeof validate_words / sizeof *validate_words; i++)
        expect_contains(p.out, validate_words[i]);
    proc_free(&p);

    /* the top-level line for run names the page it writes */
    RUN(*state, &p, "--help");
    expect_contains(p.out, "plots/ and report.html");
    proc_free(&p);
    /* every command that runs under mpirun points to the guide that says how */
    static const char *const mpi_cmds[] = {"run", "compare", "backtest", "sensitivity",
                                           "sweep", "calibrate"};
    for (size_t i = 0; i < sizeof mpi_cmds / sizeof *mpi_cmds; i++) {
        RUN(*state, &p, mpi_cmds[i], "--help");
        expect_status(&p, 0);
        expect_contains(p.out, "mpirun");
        expect_contains(p.out, "docs/cluster.md");
        proc_free(&p);
    }
}

/* Each of these is a usage error: exit 2, "careflow: error:", a pointer to --help (the
 * command's own, once the command is known), and nothing written. */
static void usage_errors_exit_2(void **state)
{
    static const char *const cases[][6] = {
        {NULL},
        {"frobnicate", NULL},
        {"--bogus", NULL},
        {"run", NULL},
        {"validate", NULL},
        {"run", "small.yaml", "--reps", "0", NULL},
        {"run", "small.yaml", "--reps", "abc", NULL},
        {"run", "small.yaml", "--reps=100001", NULL},
        {"run", "small.yaml", "--reps", NULL},
        {"run", "small.yaml", "--seed", "-1", NULL},
        {"run", "small.yaml", "--seed=18446744073709551616", NULL},
        {"run", "small.yaml", "--seed", "1.5", NULL},
        {"run", "small.yaml", "--threads", "0", NULL},
        {"run", "small.yaml", "--bogus", NULL},
        {"run", "small.yaml", "--quiet=yes", NULL},
        {"run", "small.yaml", "--set", "no-equals-sign", NULL},
        {"run", "small.yaml", "small.yaml", NULL},
        {"validate", "small.yaml", "--reps", "3", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const char *args[8];
        size_t n = 0;
        for (; cases[i][n]; n++)
            args[n] = cases[i][n];
        args[n] = NULL;
        proc_t p;
        char help[64];
        int known = args[0] && (!strcmp(args[0], "run") || !strcmp(args[0], "validate"));
        snprintf(help, sizeof help, "Try 'careflow %s%s--help'.", known ? args[0] : "",
                 known ? " " : "");
        run_cli(*state, &p, args);
        if (p.status != 2 || !strstr(p.err, "careflow: error: ") || !strstr(p.err, help)) {
            print_error("case %zu (%s %s ...): status %d, stderr:\n%s\n", i,
                        args[0] ? args[0] : "", n > 1 ? args[1] : "", p.status, p.err);
            fail();
        }
        proc_free(&p);
    }
    char out[PATH_MAX];
    pathf(out, *state, "out");
    assert_false(exists(out));
}

/* Slips of the keyboard get a suggestion: a command, an option of the command, a --set
 * path (a swap of two letters is one slip), a share written as a percentage. */
static void slips_get_suggestions(void **state)
{
    static const char *const cases[][7] = {
        {"rnu", "small.yaml", NULL, "did you mean 'run'?"},
        {"--verison", NULL, "did you mean '--version'?"},
        {"run", "small.yaml", "--rep", "3", NULL, "did you mean '--reps'?"},
        {"validate", "small.yaml", "--set", "arrivals.referals.per_year=3", NULL,
         "did you mean 'referrals'?"},
        {"validate", "small.yaml", "--set", "stages.assesment.duration.mean=3", NULL,
         "did you mean 'assessment'?"},
        {"validate", "small.yaml", "--set", "stages.assessment.duraiton.mean=3", NULL,
         "did you mean 'duration'?"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const char *args[8];
        size_t n = 0;
        for (; cases[i][n]; n++)
            args[n] = cases[i][n];
        args[n] = NULL;
        const char *want = cases[i][n + 1];
        proc_t p;
        run_cli(*state, &p, args);
        if (p.status != 2 || !strstr(p.err, want)) {
            print_error("case %zu (%s %s ...): status %d, want '%s' in stderr:\n%s\n", i,
                        args[0], n > 1 ? args[1] : "", p.status, want, p.err);
            fail();
        }
        proc_free(&p);
    }
}

static void invalid_scenario_reports_line_and_writes_nothing(void **state)
{
    char out[PATH_MAX], explicit_out[PATH_MAX];
    proc_t p;
    RUN(*state, &p, "run", "bad.yaml", "--no-plots");
    expect_status(&p, 2);
    assert_true(matches(p.err, "^bad\\.yaml:[0-9]+:[0-9]+: error: "));
    assert_string_equal(p.out, "");
    proc_free(&p);

    RUN(*state, &p, "run", "bad.yaml", "--out", "explicit", "--no-plots");
    expect_status(&p, 2);
    proc_free(&p);

    RUN(*state, &p, "validate", "bad.yaml");
    expect_status(&p, 2);
    assert_true(matches(p.err, "^bad\\.yaml:[0-9]+:[0-9]+: error: "));
    proc_free(&p);

    RUN(*state, &p, "run", "no-such-file.yaml", "--no-plots");
    expect_status(&p, 2);
    proc_free(&p);

    pathf(out, *state, "out");
    pathf(explicit_out, *state, "explicit");
    assert_false(exists(out));
    assert_false(exists(explicit_out));
}

/* README's step 2 quotes rows of the baseline's summary.csv: each is a row of the file
 * the command it quotes writes, in the file's order. */
static void readme_summary_excerpt_is_the_files(void **state)
{
    char cwd[PATH_MAX - 64], scn[PATH_MAX], out[PATH_MAX];
    assert_non_null(getcwd(cwd, sizeof cwd));
    snprintf(scn, sizeof scn, "%s/scenarios/hampshire-baseline.yaml", cwd);
    proc_t p;
    RUN(*state, &p, "run", scn, "--out", "readme", "--no-plots", "--quiet");
    expect_status(&p, 0);
    proc_free(&p);
    pathf(out, *state, "readme/summary.csv");
    char *csv = slurp(out, NULL), *readme = slurp("README.md", NULL);
    assert_non_null(csv);
    assert_non_null(readme);
    const char *step = strstr(readme, "### 2. Read summary.csv");
    assert_non_null(step);
    const char *l = strstr(step, "```\n"), *end = l ? strstr(l + 4, "```") : NULL;
    assert_non_null(end);
    const char *at = csv;
    int rows = 0;
    for (l += 4; l < end; l = strchr(l, '\n') + 1) {
        char line[512], key[520];
        snprintf(line, sizeof line, "%.*s", (int)(strchr(l, '\n') - l), l);
        snprintf(key, sizeof key, "%s\n", line);
        const char *f = strstr(at, key);
        if (!f)
            fprintf(stderr, "test_cli: README's \"%s\" is not a row of summary.csv after "
                            "the one before it\n", line);
        assert_non_null(f);
        at = f + strlen(key);
        rows++;
    }
    assert_true(rows >= 5);
    free(csv);
    free(readme);
}

static void validate_describes_a_good_scenario(void **state)
{
    proc_t p;
    RUN(*state, &p, "validate", "small.yaml");
    expect_status(&p, 0);
    expect_contains(p.out, "cli-small");
    expect_contains(p.out, "assessment");
    expect_contains(p.out, "referrals");
    expect_contains(p.out, "team");
    expect_contains(p.out, "small.yaml: ok\n");
    proc_free(&p);

    RUN(*state, &p, "validate", "small.yaml", "--set=arrivals.referrals.per_year=800");
    expect_status(&p, 0);
    expect_contains(p.out, "small.yaml: ok\n");
    proc_free(&p);
}

/* Hampshire's early help is not an open case: validate counts the children at the start
 * and, apart, the open cases (5,576, the figure the report and README give). */
static void validate_counts_open_cases_apart(void **state)
{
    char cwd[PATH_MAX - 64], scn[PATH_MAX];
    assert_non_null(getcwd(cwd, sizeof cwd));
    snprintf(scn, sizeof scn, "%s/scenarios/hampshire-baseline.yaml", cwd);
    proc_t p;
    RUN(*state, &p, "validate", scn);
    expect_status(&p, 0);
    char *flat = p.out; /* the paragraph is wrapped: compare with single spaces */
    for (char *c = flat; *c; c++)
        if (*c == '\n')
            *c = ' ';
    expect_contains(flat, "6538 children at the start, 5576 of them open cases:");
    expect_contains(flat, "962 in early_help (not open)");
    assert_null(strstr(flat, "6538 open cases"));
    proc_free(&p);
}

static const char *const csv_files[] = {"summary.csv", "timeseries.csv", "replications.csv",
                                        "fit.csv"};

/* validate warns of a start that is not the level the flows sustain (Little's law:
 * support receives 400 x 0.6 = 240 a year for a mean 150 days, cut short for the
 * children near 18 (ages uniform on [0, 18): 150 x 150/365.25 / 18 = 3.4 days lost on
 * average), so 240 x 146.6 / 365.25 = 96.3 children): empty stages, and a count 38%
 * below; `steady` starts are quiet. */
static void validate_warns_of_an_artificial_start(void **state)
{
    proc_t p;
    char path[PATH_MAX];
    RUN(*state, &p, "validate", "small.yaml");
    expect_status(&p, 0);
    expect_contains(p.err, "warning: stage 'assessment' starts empty");
    expect_contains(p.err, "warning: stage 'support' starts empty");
    proc_free(&p);
    /* run makes the same check and says the same (--quiet: not at all) */
    RUN(*state, &p, "run", "small.yaml", "--out", "start-check", "--no-plots");
    expect_status(&p, 0);
    expect_contains(p.err, "careflow: warning: stage 'assessment' starts empty");
    expect_contains(p.err, "careflow: warning: stage 'support' starts empty");
    proc_free(&p);
    pathf(path, *state, "steady.yaml");
    write_text(path, SMALL_YAML("initial: {assessment: steady, support: steady}\n"));
    RUN(*state, &p, "validate", "steady.yaml");
    expect_status(&p, 0);
    assert_string_equal(p.err, "");
    proc_free(&p);
    pathf(path, *state, "low.yaml");
    write_text(path, SMALL_YAML("initial: {assessment: 33, support: 60}\n"));
    RUN(*state, &p, "validate", "low.yaml");
    expect_status(&p, 0);
    assert_null(strstr(p.err, "'assessment'"));
    expect_contains(p.err, "stage 'support' starts with 60 children, 38% below the 96 its "
                           "inflows sustain");
    proc_free(&p);
    /* a count that names its source is a start the data show: a note, not a warning */
    pathf(path, *state, "sourced.yaml");
    write_text(path, SMALL_YAML("initial: {assessment: 33, support: {count: 60, source: "
                                "\"Table 9\"}}\n"));
    RUN(*state, &p, "validate", "sourced.yaml");
    expect_status(&p, 0);
    assert_null(strstr(p.err, "warning"));
    expect_contains(p.err, "note: stage 'support' starts with 60 children, 38% below the 96 "
                           "its inflows sustain");
    expect_contains(p.err, "Table 9");
    proc_free(&p);
}

/* validate --dump prints the scenario as read, --set applied: that text, run as a
 * scenario of its own, gives the very bytes the original with --set gives. */
static void validate_dump_is_the_scenario_as_read(void **state)
{
    proc_t p;
    char dumped[PATH_MAX], a[PATH_MAX], b[PATH_MAX];
    RUN(*state, &p, "validate", "small.yaml", "--dump", "--set",
        "arrivals.referrals.per_year=800");
    expect_status(&p, 0);
    expect_contains(p.out, "per_year: 800");
    assert_null(strstr(p.out, ": ok\n")); /* the YAML only, no description */
    pathf(dumped, *state, "dumped.yaml");
    FILE *f = fopen(dumped, "w");
    assert_non_null(f);
    assert_int_equal(fputs(p.out, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
    proc_free(&p);
    RUN(*state, &p, "run", "small.yaml", "--set", "arrivals.referrals.per_year=800", "--reps",
        "2", "--out", "d1", "--no-plots", "--quiet");
    expect_status(&p, 0);
    proc_free(&p);
    RUN(*state, &p, "run", "dumped.yaml", "--reps", "2", "--out", "d2", "--no-plots", "--quiet");
    expect_status(&p, 0);
    proc_free(&p);
    for (size_t i = 0; i < 3; i++) {
        char fa[PATH_MAX + 32], fb[PATH_MAX + 32];
        pathf(a, *state, "d1");
        pathf(b, *state, "d2");
        snprintf(fa, sizeof fa, "%s/%s", a, csv_files[i]);
        snprintf(fb, sizeof fb, "%s/%s", b, csv_files[i]);
        if (!same_file(fa, fb))
            fail_msg("%s differs between the scenario with --set and its dump", csv_files[i]);
    }
}

static void threads_give_identical_csvs(void **state)
{
    proc_t p;
    RUN(*state, &p, "run", "small.yaml", "--threads", "1", "--out", "t1", "--no-plots",
        "--quiet");
    expect_status(&p, 0);
    assert_string_equal(p.err, ""); /* --quiet */
    proc_free(&p);
    RUN(*state, &p, "run", "--no-plots", "--threads=3", "--out=t3", "small.yaml", "--quiet");
    expect_status(&p, 0);
    proc_free(&p);
    for (size_t i = 0; i < sizeof csv_files / sizeof *csv_files; i++) {
        char a[PATH_MAX], b[PATH_MAX];
        pathf(a, *state, "t1/%s", csv_files[i]);
        pathf(b, *state, "t3/%s", csv_files[i]);
        if (!same_file(a, b)) {
            print_error("%s differs between --threads 1 and --threads 3\n", csv_files[i]);
            fail();
        }
    }
    char m[PATH_MAX], plots[PATH_MAX];
    pathf(m, *state, "t3/manifest.json");
    char *man = slurp(m, NULL);
    assert_non_null(man);
    expect_contains(man, "\"careflow_version\"");
    expect_contains(man, "\"scenario_sha256\"");
    expect_contains(man, "\"threads\": 3");
    expect_contains(man, "\"replications\": 4");
    expect_contains(man, "\"seed\": 42");
    free(man);
    pathf(plots, *state, "t3/plots");
    assert_false(exists(plots)); /* --no-plots */
    expect_no_temps(*state, "t1");
    expect_no_temps(*state, "t3");
}

static void csv_headers_are_the_contract(void **state)
{
    static const struct {
        const char *file, *header;
    } want[] = {
        {"summary.csv", "metric,stage,mean,sd,ci95_low,ci95_high,replications"},
        {"timeseries.csv", "day,date,stage,metric,mean,p05,p25,p50,p75,p95"},
        {"replications.csv", "replication,metric,stage,value"},
        {"fit.csv", "date,stages,metric,observed,mean,ci95_low,ci95_high,pct_error"},
    };
    proc_t p;
    RUN(*state, &p, "run", "small.yaml", "--out", "headers", "--no-plots");
    expect_status(&p, 0);
    expect_contains(p.err, "wrote headers/");
    proc_free(&p);
    for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
        char path[PATH_MAX], line[512];
        pathf(path, *state, "headers/%s", want[i].file);
        first_line(path, line, sizeof line);
        assert_string_equal(line, want[i].header);
    }
    char path[PATH_MAX];
    pathf(path, *state, "headers/fit.csv");
    assert_int_equal(count_lines(path), 2); /* header and the one observed point */
    pathf(path, *state, "headers/summary.csv");
    char *s = slurp(path, NULL);
    assert_non_null(s);
    expect_contains(s, "\navg_stock,assessment,");
    expect_contains(s, "\navg_stock,all,");
    expect_contains(s, "\navg_utilisation,team,");
    free(s);
}

static void default_out_is_out_name(void **state)
{
    proc_t p;
    char path[PATH_MAX];
    RUN(*state, &p, "run", "small.yaml", "--reps", "2", "--seed", "7", "--no-plots", "--quiet");
    expect_status(&p, 0);
    proc_free(&p);
    pathf(path, *state, "out/cli-small/summary.csv");
    assert_true(exists(path));
    pathf(path, *state, "out/cli-small/manifest.json");
    char *man = slurp(path, NULL);
    assert_non_null(man);
    expect_contains(man, "\"replications\": 2");
    expect_contains(man, "\"seed\": 7");
    free(man);
    expect_no_temps(*state, "out/cli-small");
}

/* manifest.json lists every file the loader read with its SHA-256, the includes too:
 * `inputs` in read order (the scenario first), scenario_sha256 the scenario's. */
static void manifest_hashes_every_input(void **state)
{
    const ctx_t *cx = *state;
    char top[PATH_MAX], inc[PATH_MAX], m[PATH_MAX], want[512];
    char top_sha[65], inc_sha[65];
    pathf(top, cx, "with-include.yaml");
    write_text(top, "include: [small.yaml]\nname: cli-with-include\n");
    pathf(inc, cx, "small.yaml");
    assert_int_equal(sha256_file_hex(top, top_sha), 0);
    assert_int_equal(sha256_file_hex(inc, inc_sha), 0);
    proc_t p;
    RUN(cx, &p, "run", "with-include.yaml", "--reps", "2", "--out", "inputs", "--no-plots",
        "--quiet");
    expect_status(&p, 0);
    proc_free(&p);
    pathf(m, cx, "inputs/manifest.json");
    char *man = slurp(m, NULL);
    assert_non_null(man);
    snprintf(want, sizeof want, "\"scenario_sha256\": \"%s\",\n  \"inputs\": [\n"
             "    {\"path\": \"with-include.yaml\", \"sha256\": \"%s\"},\n"
             "    {\"path\": \"small.yaml\", \"sha256\": \"%s\"}\n  ],\n",
             top_sha, top_sha, inc_sha);
    expect_contains(man, want);
    free(man);
}

/* An uncertain path longer than the 512 bytes the sweep and the check once gave a
 * "PATH=VALUE" text (an arrival named by 600 letters): the sensitivity runs, where the
 * cut text made every design point "expected PATH=VALUE". */
static void long_uncertain_path_is_not_cut(void **state)
{
    const ctx_t *cx = *state;
    char name[601], path[PATH_MAX], text[2048];
    memset(name, 'a', 600);
    name[600] = 0;
    snprintf(text, sizeof text,
             "version: 1\nname: cli-long-path\nstart: 2020-01-01\nhorizon_days: 365\n"
             "stages:\n  a:\n    duration: {dist: exponential, mean: 10}\n"
             "arrivals:\n  - {name: %s, to: a, per_year: 100}\n"
             "uncertain:\n  - {path: arrivals.%s.per_year, dist: uniform, min: 50, max: 150}\n",
             name, name);
    pathf(path, cx, "long-path.yaml");
    write_text(path, text);
    proc_t p;
    RUN(cx, &p, "sensitivity", "long-path.yaml", "--reps", "2", "--outputs", "avg_stock:a",
        "--out", "long-path", "--no-plots", "--quiet");
    expect_status(&p, 0);
    assert_string_equal(p.err, "");
    proc_free(&p);
    pathf(path, cx, "long-path/oat.csv");
    assert_true(exists(path));
}

static void set_changes_the_result(void **state)
{
    proc_t p;
    char a[PATH_MAX], b[PATH_MAX];
    RUN(*state, &p, "run", "small.yaml", "--out", "base", "--no-plots", "--quiet");
    expect_status(&p, 0);
    proc_free(&p);
    RUN(*state, &p, "run", "small.yaml", "--out", "double", "--no-plots", "--quiet", "--set",
        "arrivals.referrals.per_year=800");
    expect_status(&p, 0);
    proc_free(&p);
    pathf(a, *state, "base/summary.csv");
    pathf(b, *state, "double/summary.csv");
    double base = summary_mean(a, "avg_stock", "all");
    double twice = summary_mean(b, "avg_stock", "all");
    if (!(twice > base * 1.3)) {
        print_error("avg_stock for all: %g at 400/year, %g at 800/year\n", base, twice);
        fail();
    }
}

static void failed_rerun_keeps_earlier_files(void **state)
{
    proc_t p;
    char path[PATH_MAX], *before[4];
    RUN(*state, &p, "run", "small.yaml", "--out", "keep", "--no-plots", "--quiet");
    expect_status(&p, 0);
    proc_free(&p);
    for (int i = 0; i < 4; i++) {
        pathf(path, *state, "keep/%s", csv_files[i]);
        before[i] = slurp(path, NULL);
        assert_non_null(before[i]);
    }
    /* An invalid override: exit 2, nothing touched. */
    RUN(*state, &p, "run", "small.yaml", "--out", "keep", "--no-plots", "--set",
        "stages.nosuch.duration.mean=5");
    expect_status(&p, 2);
    assert_true(matches(p.err, "error: "));
    proc_free(&p);
    /* A valid one that would change every figure, but --out is not a folder: exit 1. */
    pathf(path, *state, "keep/summary.csv");
    char blocked[PATH_MAX];
    snprintf(blocked, sizeof blocked, "keep/summary.csv/sub");
    RUN(*state, &p, "run", "small.yaml", "--out", blocked, "--no-plots", "--seed", "99");
    expect_status(&p, 1);
    expect_contains(p.err, "careflow: error: ");
    proc_free(&p);
    for (int i = 0; i < 4; i++) {
        pathf(path, *state, "keep/%s", csv_files[i]);
        char *after = slurp(path, NULL);
        assert_non_null(after);
        if (strcmp(before[i], after) != 0) {
            print_error("%s changed after a failed run\n", csv_files[i]);
            fail();
        }
        free(after);
        free(before[i]);
    }
    expect_no_temps(*state, "keep");
    expect_no_temps(*state, ".");
}

static void observed_outside_horizon_is_skipped_with_warning(void **state)
{
    proc_t p;
    char path[PATH_MAX];
    RUN(*state, &p, "run", "late.yaml", "--out", "late", "--no-plots");
    expect_status(&p, 0);
    expect_contains(p.err, "warning");
    expect_contains(p.err, "2031-03-31");
    proc_free(&p);
    pathf(path, *state, "late/fit.csv");
    assert_int_equal(count_lines(path), 2); /* the late item is left out */
}

static void plots_folder_appears_with_gnuplot(void **state)
{
    if (!gnuplot_available()) {
        print_message("gnuplot not found: plots/ not checked\n");
        skip();
    }
    proc_t p;
    char path[PATH_MAX];
    RUN(*state, &p, "run", "small.yaml", "--out", "plotted", "--quiet");
    expect_status(&p, 0);
    proc_free(&p);
    pathf(path, *state, "plotted/plots");
    assert_true(is_dir(path));
    pathf(path, *state, "plotted/summary.csv");
    assert_true(exists(path));
    expect_no_temps(*state, "plotted");
}

/* Defect 7: a run whose output set cannot be fully installed must leave the earlier set
 * whole. Here replications.csv of the earlier set is (by accident) a folder, so the old
 * file-by-file commit renamed summary.csv and timeseries.csv into place and then
 * failed, leaving a mix of two runs. Either the new set replaces the old one entirely,
 * or the old one stays entirely. */
static void output_set_is_never_a_mix(void **state)
{
    proc_t p;
    char path[PATH_MAX];
    RUN(*state, &p, "run", "small.yaml", "--out", "mix-new", "--no-plots", "--quiet", "--seed",
        "2");
    expect_status(&p, 0);
    proc_free(&p);
    RUN(*state, &p, "run", "small.yaml", "--out", "mix", "--no-plots", "--quiet", "--seed", "1");
    expect_status(&p, 0);
    proc_free(&p);
    pathf(path, *state, "mix/replications.csv");
    assert_int_equal(unlink(path), 0);
    assert_int_equal(mkdir(path, 0755), 0);
    pathf(path, *state, "mix/replications.csv/keep");
    write_text(path, "x\n");
    char *old_set = dir_digest(*state, "mix"), *new_set = dir_digest(*state, "mix-new");
    RUN(*state, &p, "run", "small.yaml", "--out", "mix", "--no-plots", "--quiet", "--seed", "2");
    char *after = dir_digest(*state, "mix");
    const char *files[] = {"summary.csv", "timeseries.csv", "fit.csv"};
    for (int i = 0; i < 3; i++) { /* the CSVs say which run they come from */
        char a[PATH_MAX], b[PATH_MAX];
        pathf(a, *state, "mix/%s", files[i]);
        pathf(b, *state, "mix-new/%s", files[i]);
        if (p.status == 0 ? !same_file(a, b) : !!strcmp(after, old_set)) {
            print_error("exit %d and %s is a mix of two runs:\n%s\n", p.status, files[i], p.err);
            fail();
        }
    }
    if (p.status == 0)
        assert_true(exists(path) == 0); /* the old set's entries went with it */
    proc_free(&p);
    free(old_set);
    free(new_set);
    free(after);
    assert_int_equal(count_named(*state, ".", ".mix.new-"), 0);
    assert_int_equal(count_named(*state, ".", ".mix.old-"), 0);
}

/* Defect 7: the 3rd file fails as on a full disk (CAREFLOW_TEST_FAIL_FILE): exit 1, OUT
 * holds exactly the earlier set, and no staging folder is left. */
static void failed_write_keeps_the_old_set(void **state)
{
    proc_t p;
    RUN(*state, &p, "run", "small.yaml", "--out", "full", "--no-plots", "--quiet");
    expect_status(&p, 0);
    proc_free(&p);
    char *before = dir_digest(*state, "full");
    child_t c;
    child_start(*state, &c, "full", "CAREFLOW_TEST_FAIL_FILE=3", 0,
                (const char *const[]){"run", "small.yaml", "--out", "full", "--no-plots",
                                      "--quiet", "--seed", "9", NULL});
    assert_true(child_wait(&c, 60, &p));
    expect_status(&p, 1);
    expect_contains(p.err, "No space left on device");
    proc_free(&p);
    char *after = dir_digest(*state, "full");
    assert_string_equal(before, after);
    free(before);
    free(after);
    assert_int_equal(count_named(*state, ".", ".full.new-"), 0);
}

/* Defect 7: kill -9 while the set is being written (held before the swap by
 * CAREFLOW_TEST_PAUSE_BEFORE_COMMIT): the old set is intact, and the next run cleans
 * what the dead one left (its staging folder, and an old-style .FILE.tmp.PID). */
static void kill_while_writing_keeps_the_old_set(void **state)
{
    proc_t p;
    char path[PATH_MAX];
    RUN(*state, &p, "run", "small.yaml", "--out", "killed", "--no-plots", "--quiet");
    expect_status(&p, 0);
    proc_free(&p);
    char *before = dir_digest(*state, "killed");
    child_t c;
    child_start(*state, &c, "killed", "CAREFLOW_TEST_PAUSE_BEFORE_COMMIT=60", 0,
                (const char *const[]){"run", "small.yaml", "--out", "killed", "--no-plots",
                                      "--quiet", "--seed", "5", NULL});
    assert_true(wait_staged(*state, ".", "killed", "manifest.json"));
    child_kill(&c);
    char *after = dir_digest(*state, "killed");
    assert_string_equal(before, after);
    assert_int_equal(count_named(*state, ".", ".killed.new-"), 1); /* the dead run's */
    pathf(path, *state, "killed/.summary.csv.tmp.12345"); /* as the old writer left them */
    write_text(path, "half");
    RUN(*state, &p, "run", "small.yaml", "--out", "killed", "--no-plots", "--quiet");
    expect_status(&p, 0);
    proc_free(&p);
    assert_int_equal(count_named(*state, ".", ".killed.new-"), 0);
    assert_int_equal(count_named(*state, ".", ".killed.old-"), 0);
    expect_no_temps(*state, "killed");
    free(before);
    free(after);
}

/* Defect 11: a second careflow into the same --out while the first writes fails at
 * once with the busy error; the first still completes. */
static void second_run_into_same_out_is_busy(void **state)
{
    proc_t p;
    child_t c;
    child_start(*state, &c, "busy", "CAREFLOW_TEST_PAUSE_BEFORE_COMMIT=3", 0,
                (const char *const[]){"run", "small.yaml", "--out", "busy", "--no-plots",
                                      "--quiet", NULL});
    assert_true(wait_staged(*state, ".", "busy", "manifest.json"));
    RUN(*state, &p, "run", "small.yaml", "--out", "busy", "--no-plots", "--quiet", "--seed", "3");
    expect_status(&p, 1);
    expect_contains(p.err, "another careflow is writing");
    proc_free(&p);
    assert_true(child_wait(&c, 60, &p));
    expect_status(&p, 0);
    proc_free(&p);
    char path[PATH_MAX];
    pathf(path, *state, "busy/summary.csv");
    assert_true(exists(path));
}

/* Defect 13: an --out that cannot be created (under a regular file; root ignores
 * permissions) fails with exit 1 before any simulation: 100000 replications would take
 * minutes, and compare says nothing about simulating. */
static void unwritable_out_fails_before_simulating(void **state)
{
    proc_t p;
    char path[PATH_MAX];
    pathf(path, *state, "a-file.txt");
    write_text(path, "not a folder\n");
    child_t c;
    child_start(*state, &c, "early", NULL, 0,
                (const char *const[]){"run", "small.yaml", "--reps", "100000", "--threads",
                                      "1", "--out", "a-file.txt/out", "--no-plots", NULL});
    if (!child_wait(&c, 20, &p)) {
        child_kill(&c);
        print_error("careflow simulated before finding that --out cannot be written\n");
        fail();
    }
    expect_status(&p, 1);
    expect_contains(p.err, "a-file.txt");
    assert_null(strstr(p.err, "wrote"));
    proc_free(&p);
    RUN(*state, &p, "compare", "small.yaml", "late.yaml", "--reps", "2", "--out",
        "a-file.txt/cmp", "--no-plots");
    expect_status(&p, 1);
    assert_null(strstr(p.err, "simulating"));
    assert_null(strstr(p.err, "["));
    proc_free(&p);
}

/* Defect 10: symlinks planted at the names the old writer used (.FILE.tmp.PID, PID
 * known before exec) must not be written through: the file they point to, outside the
 * output folder, stays unchanged. */
static void planted_symlinks_are_not_followed(void **state)
{
    proc_t p;
    char path[PATH_MAX], target[PATH_MAX];
    RUN(*state, &p, "run", "small.yaml", "--out", "planted", "--no-plots", "--quiet");
    expect_status(&p, 0);
    proc_free(&p);
    pathf(target, *state, "victim.txt");
    write_text(target, "precious\n");
    child_t c;
    child_start(*state, &c, "planted", NULL, 1,
                (const char *const[]){"run", "small.yaml", "--out", "planted", "--no-plots",
                                      "--quiet", "--seed", "4", NULL});
    const char *files[] = {"summary.csv", "timeseries.csv", "replications.csv", "fit.csv",
                           "manifest.json"};
    for (int i = 0; i < 5; i++) {
        pathf(path, *state, "planted/.%s.tmp.%ld", files[i], (long)c.pid);
        assert_int_equal(symlink(target, path), 0);
    }
    child_release(&c);
    assert_true(child_wait(&c, 60, &p));
    proc_free(&p);
    char *s = slurp(target, NULL);
    assert_non_null(s);
    assert_string_equal(s, "precious\n");
    free(s);
    /* the lock file planted as a symlink: not followed either (the run fails) */
    pathf(path, *state, ".planted2.lock");
    assert_int_equal(symlink(target, path), 0);
    RUN(*state, &p, "run", "small.yaml", "--out", "planted2", "--no-plots", "--quiet");
    expect_status(&p, 1);
    proc_free(&p);
    s = slurp(target, NULL);
    assert_non_null(s);
    assert_string_equal(s, "precious\n");
    free(s);
}

/* A folder careflow did not write is never replaced (exit 2, untouched); one nested
 * in a run's folder (e.g. sensitivity-oat/) is kept when the run is written again. */
static void foreign_folders_are_kept(void **state)
{
    proc_t p;
    char path[PATH_MAX];
    pathf(path, *state, "mine");
    assert_int_equal(mkdir(path, 0755), 0);
    pathf(path, *state, "mine/notes.txt");
    write_text(path, "mine\n");
    RUN(*state, &p, "run", "small.yaml", "--out", "mine", "--no-plots", "--quiet");
    expect_status(&p, 2);
    expect_contains(p.err, "did not write");
    proc_free(&p);
    char *s = slurp(path, NULL);
    assert_string_equal(s, "mine\n");
    free(s);
    RUN(*state, &p, "run", "small.yaml", "--out", "nest", "--no-plots", "--quiet");
    expect_status(&p, 0);
    proc_free(&p);
    pathf(path, *state, "nest/sensitivity-oat");
    assert_int_equal(mkdir(path, 0755), 0);
    pathf(path, *state, "nest/sensitivity-oat/oat.csv");
    write_text(path, "kept\n");
    RUN(*state, &p, "run", "small.yaml", "--out", "nest", "--no-plots", "--quiet", "--seed", "8");
    expect_status(&p, 0);
    proc_free(&p);
    s = slurp(path, NULL);
    assert_non_null(s);
    assert_string_equal(s, "kept\n");
    free(s);
}

/* A sweep into uncertain.yaml's default place under folder rel: rel/sensitivity-oat. */
static void sweep_into(void **state, const char *rel, int want)
{
    proc_t p;
    char out[PATH_MAX];
    snprintf(out, sizeof out, "%s/sensitivity-oat", rel);
    RUN(*state, &p, "sensitivity", "uncertain.yaml", "--method", "oat", "--reps", "1",
        "--no-plots", "--quiet", "--out", out);
    expect_status(&p, want);
    proc_free(&p);
}

/* Each set names the command that wrote it (.careflow-set); a folder holding another
 * command's outputs is refused before simulating (exit 2) and left as it was: once a
 * sweep into a run's folder kept the run's summary.csv beside its own manifest.json.
 * A sweep in its default place, out/NAME/sensitivity-oat inside the run's out/NAME,
 * is kept when the run is written again, whichever came first. */
static void another_commands_folder_is_refused(void **state)
{
    proc_t p;
    char path[PATH_MAX], oat[PATH_MAX];
    RUN(*state, &p, "run", "small.yaml", "--out", "both", "--no-plots", "--quiet");
    expect_status(&p, 0);
    proc_free(&p);
    pathf(path, *state, "both/summary.csv");
    char *before = slurp(path, NULL);
    assert_non_null(before);
    RUN(*state, &p, "sensitivity", "uncertain.yaml", "--method", "oat", "--reps", "1",
        "--no-plots", "--quiet", "--out", "both");
    expect_status(&p, 2);
    expect_contains(p.err, "holds the outputs of `careflow run`; give sensitivity its own --out");
    proc_free(&p);
    char *after = slurp(path, NULL);
    assert_non_null(after);
    assert_string_equal(before, after);
    free(after);
    pathf(path, *state, "both/oat.csv");
    assert_false(exists(path));
    /* the sweep in its default place, then the run again: the sweep stays */
    sweep_into(state, "both", 0);
    pathf(oat, *state, "both/sensitivity-oat/oat.csv");
    char *sweep = slurp(oat, NULL);
    assert_non_null(sweep);
    RUN(*state, &p, "run", "small.yaml", "--out", "both", "--no-plots", "--quiet", "--seed", "8");
    expect_status(&p, 0);
    proc_free(&p);
    after = slurp(oat, NULL);
    assert_non_null(after);
    assert_string_equal(sweep, after);
    free(after);
    RUN(*state, &p, "run", "small.yaml", "--out", "both/sensitivity-oat", "--no-plots",
        "--quiet");
    expect_status(&p, 2);
    expect_contains(p.err, "holds the outputs of `careflow sensitivity`; give run its own");
    proc_free(&p);
    pathf(path, *state, "both/sensitivity-oat/summary.csv");
    assert_false(exists(path));
    /* the sweep first, into a new folder, then the run around it */
    sweep_into(state, "first", 0);
    RUN(*state, &p, "run", "small.yaml", "--out", "first", "--no-plots", "--quiet");
    expect_status(&p, 0);
    proc_free(&p);
    pathf(path, *state, "first/sensitivity-oat/oat.csv");
    after = slurp(path, NULL);
    assert_non_null(after);
    assert_string_equal(sweep, after);
    free(after);
    pathf(path, *state, "first/summary.csv");
    assert_true(exists(path));
    free(sweep);
    free(before);
}

/* `estimate --out DIR/open-cases.csv` (or data_quality.csv) names the very file written
 * beside the scenario: before the fix the scenario was renamed over the open cases and
 * named itself as its own `initial: {file: ...}`. Now a usage error, nothing written. */
static void estimate_out_is_not_a_file_written_beside_it(void **state)
{
    char data[PATH_MAX], path[PATH_MAX];
    assert_non_null(getcwd(data, sizeof data - 64));
    strcat(data, "/tests/data/records/episodes/episodes.csv");
    static const char *const names[] = {"est/open-cases.csv", "est/data_quality.csv"};
    for (size_t i = 0; i < 2; i++) {
        proc_t p;
        RUN(*state, &p, "estimate", data, "--lenient", "--quiet", "--out", names[i]);
        if (p.status != 2 || !strstr(p.err, "careflow: error: --out "))
            fail_msg("%s: exit %d, stderr: %s", names[i], p.status, p.err);
        pathf(path, *state, "est");
        assert_false(exists(path));
        proc_free(&p);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(estimate_out_is_not_a_file_written_beside_it),
        cmocka_unit_test(version_prints_version),
        cmocka_unit_test(strands_lists_types_and_refuses_arguments),
        cmocka_unit_test(help_mentions_every_option),
        cmocka_unit_test(readme_summary_excerpt_is_the_files),
        cmocka_unit_test(usage_errors_exit_2),
        cmocka_unit_test(slips_get_suggestions),
        cmocka_unit_test(invalid_scenario_reports_line_and_writes_nothing),
        cmocka_unit_test(validate_describes_a_good_scenario),
        cmocka_unit_test(validate_counts_open_cases_apart),
        cmocka_unit_test(validate_dump_is_the_scenario_as_read),
        cmocka_unit_test(validate_warns_of_an_artificial_start),
        cmocka_unit_test(threads_give_identical_csvs),
        cmocka_unit_test(csv_headers_are_the_contract),
        cmocka_unit_test(default_out_is_out_name),
        cmocka_unit_test(manifest_hashes_every_input),
        cmocka_unit_test(long_uncertain_path_is_not_cut),
        cmocka_unit_test(set_changes_the_result),
        cmocka_unit_test(failed_rerun_keeps_earlier_files),
        cmocka_unit_test(observed_outside_horizon_is_skipped_with_warning),
        cmocka_unit_test(plots_folder_appears_with_gnuplot),
        cmocka_unit_test(output_set_is_never_a_mix),
        cmocka_unit_test(failed_write_keeps_the_old_set),
        cmocka_unit_test(kill_while_writing_keeps_the_old_set),
        cmocka_unit_test(second_run_into_same_out_is_busy),
        cmocka_unit_test(unwritable_out_fails_before_simulating),
        cmocka_unit_test(planted_symlinks_are_not_followed),
        cmocka_unit_test(foreign_folders_are_kept),
        cmocka_unit_test(another_commands_folder_is_refused),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
