/* plot.c: runs gnuplot on plots/careflow.gp to draw a finished run's plots, and on
 * plots/compare.gp to draw a comparison's.
 *
 * gnuplot is started with fork/execvp, never through a shell, and every value it needs
 * goes in as a separate argument of `gnuplot -d -c SCRIPT ARG1 .. ARG9`: gnuplot
 * gives those to the script as string variables and never parses them as commands, so
 * a title with quotes or semicolons is only ever text. Lists (stage names, titles,
 * pools, alternatives) are joined with tabs; tabs and other control characters inside
 * a name or title are replaced by spaces first. The argument layouts are documented at
 * the top of each script; both start with the data folder and the folder to draw into.
 *
 * The images are drawn into OUT/.plots.tmp.PID; when gnuplot exits 0 an older
 * OUT/plots is moved aside, the temporary folder renamed to OUT/plots and the old one
 * removed. On any failure the temporary folder is removed and OUT/plots is left as it
 * was. gnuplot's own output (warnings, errors) goes to a log in the temporary folder;
 * its last line becomes the error message when gnuplot fails. */
#include "models/plot.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAIN_SCRIPT "careflow.gp"
#define LOG_NAME "gnuplot.log"
#define PATH_LEN 4096
#define SEARCH_LEVELS 3 /* parents of the executable's folder searched for plots/ */

/* ---- small helpers ------------------------------------------------------------------ */

#if defined(__GNUC__) || defined(__clang__)
#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))
#else
#define PRINTF_LIKE(f, a)
#endif

static void set_err(char *err, size_t errlen, const char *fmt, ...) PRINTF_LIKE(3, 4);
static int path_fmt(char *buf, const char *fmt, ...) PRINTF_LIKE(2, 3);

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    if (!err || errlen == 0)
        return;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* snprintf into a PATH_LEN buffer; -1 if it did not fit. */
static int path_fmt(char *buf, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(buf, PATH_LEN, fmt, ap);
    va_end(ap);
    return (n < 0 || n >= PATH_LEN) ? -1 : 0;
}

static int is_file(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Removes path and, if it is a folder, everything under it (symbolic links are removed,
 * never followed). 0, or -1 with errno set; a missing path is not an error. */
static int remove_tree(const char *path)
{
    struct stat st;
    struct dirent *de;
    DIR *d;
    int rc = 0;

    if (lstat(path, &st) != 0)
        return errno == ENOENT ? 0 : -1;
    if (!S_ISDIR(st.st_mode))
        return unlink(path);
    d = opendir(path);
    if (!d)
        return -1;
    while ((de = readdir(d)) != NULL) {
        char child[PATH_LEN];

        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (path_fmt(child, "%s/%s", path, de->d_name) != 0) {
            errno = ENAMETOOLONG;
            rc = -1;
            continue;
        }
        if (remove_tree(child) != 0)
            rc = -1;
    }
    closedir(d);
    if (rmdir(path) != 0)
        rc = -1;
    return rc;
}

/* A growable string: the tab-joined lists passed to gnuplot. */
typedef struct strbuf {
    char *s;    /* NUL-terminated, owned */
    size_t len; /* without the NUL */
    size_t cap; /* allocated */
    int oom;    /* an append failed: s is incomplete */
} strbuf_t;

static void sb_putc(strbuf_t *b, char c)
{
    if (b->oom)
        return;
    if (b->len + 2 > b->cap) {
        size_t cap = b->cap ? 2 * b->cap : 64;
        char *s = realloc(b->s, cap);

        if (!s) {
            b->oom = 1;
            return;
        }
        b->s = s;
        b->cap = cap;
    }
    b->s[b->len++] = c;
    b->s[b->len] = '\0';
}

/* Appends text with control characters (tab and newline included) made spaces: they
 * separate list items and lines for gnuplot. */
static void sb_text(strbuf_t *b, const char *text)
{
    for (const unsigned char *p = (const unsigned char *)(text ? text : ""); *p; p++)
        sb_putc(b, (char)((*p < 0x20 || *p == 0x7f) ? ' ' : *p));
}

/* Appends an item to a tab-separated list. */
static void sb_item(strbuf_t *b, const char *text)
{
    if (b->len > 0)
        sb_putc(b, '\t');
    sb_text(b, text);
}

/* Makes sure an empty buffer still holds "" (a valid, empty argument). */
static void sb_ensure(strbuf_t *b)
{
    if (!b->s && !b->oom && !(b->s = calloc(1, 1)))
        b->oom = 1;
}

/* ---- plot_scripts_dir --------------------------------------------------------------- */

static int has_main_script(const char *dir)
{
    char path[PATH_LEN];

    return path_fmt(path, "%s/%s", dir, MAIN_SCRIPT) == 0 && is_file(path);
}

const char *plot_scripts_dir(char *buf, size_t len)
{
    const char *env = getenv("CAREFLOW_PLOTS");
    char exe[PATH_LEN];
    ssize_t n;

    if (!buf || len == 0)
        return NULL;
    if (env && *env) {
        if (strlen(env) >= len)
            return NULL;
        memcpy(buf, env, strlen(env) + 1);
        return buf;
    }
    n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return NULL;
    exe[n] = '\0';
    /* from the executable's folder up SEARCH_LEVELS parents: build/x/careflow finds
     * ./plots as build/x/plots, build/plots, then ./plots */
    for (int level = 0; level <= SEARCH_LEVELS; level++) {
        char cand[PATH_LEN];
        char *slash = strrchr(exe, '/');

        if (!slash)
            break;
        *slash = '\0'; /* exe is now the folder searched */
        if (path_fmt(cand, "%s/plots", *exe ? exe : "") != 0)
            return NULL;
        if (has_main_script(cand)) {
            if (strlen(cand) >= len)
                return NULL;
            memcpy(buf, cand, strlen(cand) + 1);
            return buf;
        }
        if (!*exe)
            break;
    }
    return NULL;
}

/* ---- plot_render -------------------------------------------------------------------- */

/* The last non-empty line of gnuplot's log, for the error message ("" if none). */
static void last_log_line(const char *log_path, char *line, size_t len)
{
    FILE *f = fopen(log_path, "r");
    char buf[1024];

    if (len)
        line[0] = '\0';
    if (!f)
        return;
    while (fgets(buf, sizeof buf, f)) {
        size_t n = strlen(buf);

        while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' '))
            buf[--n] = '\0';
        if (n > 0 && strspn(buf, " ^") != n && len > 0) { /* not a "    ^" pointer line */
            if (n >= len)
                n = len - 1; /* cut */
            memcpy(line, buf, n);
            line[n] = '\0';
        }
    }
    fclose(f);
}

/* Runs argv[0] (found on PATH) with stdin from /dev/null and stdout and stderr into
 * log_path. Returns its exit status (0..255), or -1 with err set if it could not be
 * started or did not exit normally. */
static int run_logged(char *const argv[], const char *log_path, char *err, size_t errlen)
{
    int logfd, nullfd, pfd[2], status, exec_errno = 0;
    ssize_t got;
    pid_t pid;

    logfd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (logfd < 0) {
        set_err(err, errlen, "%s: %s: plots skipped", log_path, strerror(errno));
        return -1;
    }
    nullfd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (nullfd < 0 || pipe(pfd) != 0) {
        set_err(err, errlen, "cannot start gnuplot: %s: plots skipped", strerror(errno));
        close(logfd);
        if (nullfd >= 0)
            close(nullfd);
        return -1;
    }
    /* the pipe's write end closes on a successful exec; an exec failure writes errno */
    if (fcntl(pfd[0], F_SETFD, FD_CLOEXEC) != 0 || fcntl(pfd[1], F_SETFD, FD_CLOEXEC) != 0) {
        set_err(err, errlen, "cannot start gnuplot: %s: plots skipped", strerror(errno));
        close(pfd[0]);
        close(pfd[1]);
        close(logfd);
        close(nullfd);
        return -1;
    }
    pid = fork();
    if (pid == 0) {
        int e;

        /* the child: only async-signal-safe calls until exec */
        if (dup2(nullfd, STDIN_FILENO) < 0 || dup2(logfd, STDOUT_FILENO) < 0 ||
            dup2(logfd, STDERR_FILENO) < 0)
            _exit(127);
        execvp(argv[0], argv);
        e = errno;
        if (write(pfd[1], &e, sizeof e) < 0)
            _exit(127);
        _exit(127);
    }
    close(pfd[1]);
    close(logfd);
    close(nullfd);
    if (pid < 0) {
        set_err(err, errlen, "cannot start gnuplot: %s: plots skipped", strerror(errno));
        close(pfd[0]);
        return -1;
    }
    do
        got = read(pfd[0], &exec_errno, sizeof exec_errno);
    while (got < 0 && errno == EINTR);
    close(pfd[0]);
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            set_err(err, errlen, "waiting for gnuplot: %s: plots skipped", strerror(errno));
            return -1;
        }
    }
    if (got == (ssize_t)sizeof exec_errno) {
        if (exec_errno == ENOENT)
            set_err(err, errlen, "gnuplot not found: plots skipped");
        else
            set_err(err, errlen, "cannot run gnuplot: %s: plots skipped", strerror(exec_errno));
        return -1;
    }
    if (!WIFEXITED(status)) {
        set_err(err, errlen, "gnuplot was killed by signal %d: plots skipped",
                WIFSIGNALED(status) ? WTERMSIG(status) : 0);
        return -1;
    }
    return WEXITSTATUS(status);
}

/* Moves tmp to OUT/plots, replacing an older one. 0, or -1 with err set (tmp is left
 * for the caller to remove). */
static int install(const char *tmp, const char *out_dir, char *err, size_t errlen)
{
    char dst[PATH_LEN], old[PATH_LEN];
    struct stat st;
    int have_old;

    if (path_fmt(dst, "%s/plots", out_dir) != 0 ||
        path_fmt(old, "%s/.plots.old.%ld", out_dir, (long)getpid()) != 0) {
        set_err(err, errlen, "%s: path too long: plots skipped", out_dir);
        return -1;
    }
    have_old = lstat(dst, &st) == 0;
    if (have_old) {
        remove_tree(old); /* left over from an interrupted run */
        if (rename(dst, old) != 0) {
            set_err(err, errlen, "%s: %s: plots skipped", dst, strerror(errno));
            return -1;
        }
    }
    if (rename(tmp, dst) != 0) {
        set_err(err, errlen, "%s: %s: plots skipped", dst, strerror(errno));
        if (have_old)
            rename(old, dst); /* put the earlier plots back */
        return -1;
    }
    if (have_old)
        remove_tree(old);
    return 0;
}


/* ---- what both renderings share ----------------------------------------------------- */

#define MAX_SCRIPT_ARGS 7 /* gnuplot -c takes ARG1..ARG9: OUT and the temporary, then these */

/* Checks that sc can be plotted and finds script `name` in scripts_dir (NULL: the
 * folder plot_scripts_dir() finds), into script[PATH_LEN]. 0, or -1 with err set. */
static int find_script(const scenario_t *sc, const char *scripts_dir, const char *name,
                       char *script, char *err, size_t errlen)
{
    char dirbuf[PATH_LEN];

    if (!sc || sc->n_stages < 1 || sc->n_stages > SCN_MAX_STAGES) {
        set_err(err, errlen, "no scenario to plot: plots skipped");
        return -1;
    }
    if (!scripts_dir)
        scripts_dir = plot_scripts_dir(dirbuf, sizeof dirbuf);
    if (!scripts_dir) {
        set_err(err, errlen, "plot scripts not found (set CAREFLOW_PLOTS): plots skipped");
        return -1;
    }
    if (path_fmt(script, "%s/%s", scripts_dir, name) != 0 || !is_file(script)) {
        set_err(err, errlen, "%s/%s not found: plots skipped", scripts_dir, name);
        return -1;
    }
    return 0;
}

/* out_dir/name into path[PATH_LEN]; 1 if it is a file, 0 if not, -1 if too long (err set). */
static int input_path(const char *out_dir, const char *name, char *path, char *err,
                      size_t errlen)
{
    if (path_fmt(path, "%s/%s", out_dir, name) != 0) {
        set_err(err, errlen, "%s: path too long: plots skipped", out_dir);
        return -1;
    }
    return is_file(path);
}

/* The scenario's title and its stages' names and titles, as tab-separated lists. */
static void stage_lists(const scenario_t *sc, strbuf_t *title, strbuf_t *names,
                        strbuf_t *titles)
{
    for (int i = 0; i < sc->n_stages; i++) {
        sb_item(names, sc->stages[i].name);
        sb_item(titles, sc->stages[i].title ? sc->stages[i].title : sc->stages[i].name);
    }
    sb_text(title, sc->title ? sc->title : sc->name ? sc->name : "careflow");
    sb_ensure(title);
    sb_ensure(names);
    sb_ensure(titles);
}

/* The report step as a noun: "month", "day", "week", "14 days". */
static void report_step(const scenario_t *sc, char *step, size_t len)
{
    if (sc->report_monthly)
        snprintf(step, len, "month");
    else if (sc->report_every == 1.0)
        snprintf(step, len, "day");
    else if (sc->report_every == 7.0)
        snprintf(step, len, "week");
    else
        snprintf(step, len, "%g days", sc->report_every);
}

/* Runs `gnuplot -d -c script OUT TMP args...` (args NULL-terminated, at most
 * MAX_SCRIPT_ARGS) with TMP a new OUT/.plots.tmp.PID, then installs TMP as OUT/plots.
 * 0, or -1 with err set and OUT/plots as it was. */
static int draw(const char *out_dir, const char *script, const char *const args[], char *err,
                size_t errlen)
{
    char tmp[PATH_LEN], log_path[PATH_LEN], line[512];
    char *argv[6 + MAX_SCRIPT_ARGS + 1];
    int n = 0, status, rc = -1;

    if (path_fmt(tmp, "%s/.plots.tmp.%ld", out_dir, (long)getpid()) != 0 ||
        path_fmt(log_path, "%s/%s", tmp, LOG_NAME) != 0) {
        set_err(err, errlen, "%s: path too long: plots skipped", out_dir);
        return -1;
    }
    argv[n++] = "gnuplot";
    argv[n++] = "-d";
    argv[n++] = "-c";
    argv[n++] = (char *)script;
    argv[n++] = (char *)out_dir;
    argv[n++] = tmp;
    for (int i = 0; args[i]; i++) {
        if (i == MAX_SCRIPT_ARGS) {
            set_err(err, errlen, "too many arguments for gnuplot: plots skipped");
            return -1;
        }
        argv[n++] = (char *)args[i];
    }
    argv[n] = NULL;

    remove_tree(tmp); /* left over from an interrupted run of the same pid */
    if (mkdir(tmp, 0777) != 0) {
        set_err(err, errlen, "%s: %s: plots skipped", tmp, strerror(errno));
        return -1;
    }
    status = run_logged(argv, log_path, err, errlen);
    if (status < 0)
        goto out;
    if (status != 0) {
        last_log_line(log_path, line, sizeof line);
        set_err(err, errlen, "gnuplot failed%s%s: plots skipped", *line ? ": " : "", line);
        goto out;
    }
    unlink(log_path);
    if (install(tmp, out_dir, err, errlen) != 0)
        goto out;
    return 0;

out:
    remove_tree(tmp);
    return rc;
}

/* ---- plot_render -------------------------------------------------------------------- */

int plot_render(const scenario_t *sc, const char *out_dir, const char *scripts_dir,
                char *err, size_t errlen)
{
    char script[PATH_LEN], path[PATH_LEN], flags[SCN_MAX_STAGES + 1], step[64], options[32];
    strbuf_t title = {0}, names = {0}, titles = {0}, pools = {0};
    int rc = -1, have_fit;

    if (err && errlen)
        err[0] = '\0';
    if (!out_dir) {
        set_err(err, errlen, "no output folder: plots skipped");
        return -1;
    }
    if (find_script(sc, scripts_dir, MAIN_SCRIPT, script, err, errlen) != 0)
        return -1;
    switch (input_path(out_dir, "timeseries.csv", path, err, errlen)) {
    case -1:
        return -1;
    case 0:
        set_err(err, errlen, "%s/timeseries.csv not found: plots skipped", out_dir);
        return -1;
    }
    if ((have_fit = input_path(out_dir, "fit.csv", path, err, errlen)) < 0)
        return -1;

    /* the arguments: see the top of plots/careflow.gp */
    stage_lists(sc, &title, &names, &titles);
    for (int i = 0; i < sc->n_stages; i++) {
        int served = 0;

        for (int p = 0; p < sc->n_pools && !served; p++)
            for (int k = 0; k < sc->pools[p].n_serves; k++)
                served |= sc->pools[p].serves[k] == i;
        flags[i] = (char)('0' + (sc->stages[i].open_case ? 1 : 0) + (served ? 2 : 0));
    }
    flags[sc->n_stages] = '\0';
    for (int p = 0; p < sc->n_pools; p++) {
        char cap[32];

        snprintf(cap, sizeof cap, "%g", sc->pools[p].caseload_cap);
        sb_item(&pools, sc->pools[p].name);
        sb_item(&pools, cap);
    }
    sb_ensure(&pools);
    if (title.oom || names.oom || titles.oom || pools.oom) {
        set_err(err, errlen, "out of memory: plots skipped");
        goto out;
    }
    report_step(sc, step, sizeof step);
    snprintf(options, sizeof options, "png svg%s", have_fit ? " fit" : "");
    {
        const char *args[] = {title.s, names.s, titles.s, flags, pools.s, step, options, NULL};

        rc = draw(out_dir, script, args, err, errlen);
    }

out:
    free(title.s);
    free(names.s);
    free(titles.s);
    free(pools.s);
    return rc;
}

/* ---- plot_render_compare ------------------------------------------------------------ */

#define COMPARE_SCRIPT "compare.gp"
#define COMPARE_CSV "compare.csv"
#define COMPARE_TS_CSV "compare_timeseries.csv"
#define COMPARE_HEADER                                                                     \
    "metric,stage,base_mean,alt_mean,diff_mean,diff_ci95_low,diff_ci95_high,"              \
    "unpaired_ci95_low,unpaired_ci95_high,replications,alt"
#define COMPARE_TS_HEADER                                                                  \
    "day,date,stage,metric,alt,base_mean,alt_mean,diff_mean,diff_p05,diff_p25,diff_p50,"   \
    "diff_p75,diff_p95"
#define COMPARE_ALT_COL 11   /* the `alt` column of compare.csv, from 1 */
#define COMPARE_TS_ALT_COL 5 /* and of compare_timeseries.csv */

/* Does a CSV line start with the columns of header (and maybe more after them)? */
static int header_ok(const char *line, const char *header)
{
    size_t n = strlen(header);

    return strncmp(line, header, n) == 0 &&
           (line[n] == '\0' || line[n] == ',' || line[n] == '\n' || line[n] == '\r');
}

/* Field `col` (from 1) of a CSV line into out (emptied first; double quotes undone).
 * 0, or -1 if the line has fewer fields. */
static int csv_field(const char *line, int col, strbuf_t *out)
{
    const char *p = line;

    out->len = 0;
    if (out->s)
        out->s[0] = '\0';
    for (int k = 1;; k++) {
        int quoted = *p == '"';

        if (quoted)
            p++;
        while (*p && (quoted || (*p != ',' && *p != '\n' && *p != '\r'))) {
            if (quoted && *p == '"') {
                if (p[1] != '"') {
                    quoted = 0;
                    p++;
                    continue;
                }
                p++; /* "" is one quote */
            }
            if (k == col)
                sb_putc(out, *p);
            p++;
        }
        if (k == col) {
            sb_ensure(out);
            return 0;
        }
        if (*p != ',')
            return -1;
        p++;
    }
}

/* Is text an item of the tab-separated list? */
static int in_list(const char *list, const char *text)
{
    size_t n = strlen(text);

    for (const char *p = list; p && *p;) {
        size_t len = strcspn(p, "\t");

        if (len == n && strncmp(p, text, n) == 0)
            return 1;
        p += len;
        if (*p == '\t')
            p++;
    }
    return 0;
}

/* Reads the CSV at path, which must start with header: the distinct values of column
 * alt_col in order of appearance are added to alts (if not NULL), and *found is set to
 * whether a row has `metric` in its first column (if metric is not NULL). 0, or -1 with
 * err set (unreadable, wrong columns, or no rows). */
static int scan_csv(const char *path, const char *name, const char *header, int alt_col,
                    strbuf_t *alts, const char *metric, int *found, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    strbuf_t field = {0}, item = {0};
    char *line = NULL;
    size_t cap = 0;
    long rows = 0;
    int rc = -1;

    if (found)
        *found = 0;
    if (!f) {
        set_err(err, errlen, "%s: %s: plots skipped", path, strerror(errno));
        return -1;
    }
    if (getline(&line, &cap, f) < 0 || !header_ok(line, header)) {
        set_err(err, errlen, "%s: not a careflow %s (wrong columns): plots skipped", path,
                name);
        goto out;
    }
    while (getline(&line, &cap, f) >= 0) {
        if (line[strspn(line, "\r\n")] == '\0')
            continue; /* a blank line */
        rows++;
        if (alts) {
            if (csv_field(line, alt_col, &field) != 0 || field.len == 0) {
                set_err(err, errlen, "%s: row %ld has no alternative's name: plots skipped",
                        path, rows + 1);
                goto out;
            }
            item.len = 0;
            if (item.s)
                item.s[0] = '\0';
            sb_text(&item, field.s);
            if (!item.oom && !in_list(alts->s, item.s))
                sb_item(alts, item.s);
        }
        if (metric && found && csv_field(line, 1, &field) == 0 && field.s &&
            strcmp(field.s, metric) == 0)
            *found = 1;
        if (field.oom || item.oom || (alts && alts->oom)) {
            set_err(err, errlen, "out of memory: plots skipped");
            goto out;
        }
    }
    if (ferror(f)) {
        set_err(err, errlen, "%s: %s: plots skipped", path, strerror(errno));
        goto out;
    }
    if (rows == 0) {
        set_err(err, errlen, "%s has no rows: plots skipped", path);
        goto out;
    }
    rc = 0;

out:
    free(line);
    free(field.s);
    free(item.s);
    fclose(f);
    return rc;
}

int plot_render_compare(const scenario_t *base, const char *out_dir, const char *scripts_dir,
                        char *err, size_t errlen)
{
    char script[PATH_LEN], path[PATH_LEN], step[64], options[32];
    strbuf_t title = {0}, names = {0}, titles = {0}, alts = {0}, base_name = {0};
    int rc = -1, have_cmp, costs = 0;

    if (err && errlen)
        err[0] = '\0';
    if (!out_dir) {
        set_err(err, errlen, "no output folder: plots skipped");
        return -1;
    }
    if (find_script(base, scripts_dir, COMPARE_SCRIPT, script, err, errlen) != 0)
        return -1;
    switch (input_path(out_dir, COMPARE_TS_CSV, path, err, errlen)) {
    case -1:
        return -1;
    case 0:
        set_err(err, errlen, "%s/%s not found: plots skipped", out_dir, COMPARE_TS_CSV);
        return -1;
    }
    /* the alternatives, in the order the file has them */
    if (scan_csv(path, COMPARE_TS_CSV, COMPARE_TS_HEADER, COMPARE_TS_ALT_COL, &alts, NULL,
                 NULL, err, errlen) != 0)
        goto out;
    /* compare.csv is only needed for the costs: without it, no cost chart */
    if ((have_cmp = input_path(out_dir, COMPARE_CSV, path, err, errlen)) < 0)
        goto out;
    if (have_cmp && scan_csv(path, COMPARE_CSV, COMPARE_HEADER, COMPARE_ALT_COL, NULL,
                             "component_cost_per_year", &costs, err, errlen) != 0)
        goto out;

    /* the arguments: see the top of plots/compare.gp */
    stage_lists(base, &title, &names, &titles);
    sb_text(&base_name, base->name ? base->name : "base");
    sb_ensure(&base_name);
    if (title.oom || names.oom || titles.oom || alts.oom || base_name.oom) {
        set_err(err, errlen, "out of memory: plots skipped");
        goto out;
    }
    report_step(base, step, sizeof step);
    snprintf(options, sizeof options, "png svg%s", costs ? " costs" : "");
    {
        const char *args[] = {title.s,     names.s, titles.s, alts.s,
                              base_name.s, step,    options,  NULL};

        rc = draw(out_dir, script, args, err, errlen);
    }

out:
    free(title.s);
    free(names.s);
    free(titles.s);
    free(alts.s);
    free(base_name.s);
    return rc;
}
