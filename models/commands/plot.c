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
#include "models/commands/plot.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
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

/* Runs `gnuplot -d -c script DATA TMP args...` (args NULL-terminated, at most
 * MAX_SCRIPT_ARGS) with DATA the folder the script reads (data_dir, or out_dir if NULL)
 * and TMP a new OUT/.plots.tmp.PID, then installs TMP as OUT/plots. 0, or -1 with err
 * set and OUT/plots as it was. */
static int draw(const char *out_dir, const char *data_dir, const char *script,
                const char *const args[], char *err, size_t errlen)
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
    argv[n++] = (char *)(data_dir ? data_dir : out_dir);
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

        rc = draw(out_dir, NULL, script, args, err, errlen);
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

        rc = draw(out_dir, NULL, script, args, err, errlen);
    }

out:
    free(title.s);
    free(names.s);
    free(titles.s);
    free(alts.s);
    free(base_name.s);
    return rc;
}

/* ---- plot_render_sensitivity -------------------------------------------------------- */

/* The method's CSVs are read here whole, with an RFC 4180 reader (a label may hold
 * commas, quotes, even line breaks), and checked: the documented columns, the same
 * number of fields in every row, a number (or nothing, or nan) wherever one is due. A
 * malformed file is reported before gnuplot starts, so OUT/plots is left as it was.
 *
 * Each plot then gets one small tab-separated file, pJ.tsv, in a folder
 * OUT/.plots.data.PID that plots/sensitivity.gp reads and that is removed afterwards.
 * Those files hold numbers and texts made here (numbers formatted for reading), never
 * a text from the CSVs: the parameters' labels go to gnuplot as one argument, a
 * tab-separated list, and the files name a parameter by its place in it. Sorting,
 * histogram bins, axis ranges and where the Morris labels go are worked out here;
 * sensitivity.gp and the sensitivity-KIND.gp it loads only draw. */

#define SA_SCRIPT "sensitivity.gp"
#define SA_DIGITS "%.10g" /* numbers written to the data files */

/* The Morris chart (plots/sensitivity-morris.gp): its size and plot area in pixels, and
 * the size of its labels, for placing them. */
#define MO_W 1000.0
#define MO_H 700.0
#define MO_PW ((0.965 - 0.085) * MO_W) /* lmargin/rmargin at screen 0.085 and 0.965 */
#define MO_PH ((0.865 - 0.215) * MO_H) /* bmargin/tmargin at screen 0.215 and 0.865 */
#define MO_CHAR_W 7.0                  /* width of a character at font size 10 (generous) */
#define MO_LINE_H 15.0                 /* height of a label */
#define MO_POINT_R 6.0                 /* a point's half-size */

/* One record of a CSV: its fields, reused from record to record. */
typedef struct csv_rec {
    strbuf_t *f; /* [cap] fields; the first n are this record's */
    int n;       /* fields in the record */
    int cap;     /* allocated */
} csv_rec_t;

static void rec_free(csv_rec_t *rec)
{
    for (int i = 0; i < rec->cap; i++)
        free(rec->f[i].s);
    free(rec->f);
}

/* A new, empty field at the end of rec; NULL if out of memory. */
static strbuf_t *rec_field(csv_rec_t *rec)
{
    strbuf_t *b;

    if (rec->n == rec->cap) {
        int cap = rec->cap ? 2 * rec->cap : 16;
        strbuf_t *f = realloc(rec->f, (size_t)cap * sizeof *f);

        if (!f)
            return NULL;
        memset(f + rec->cap, 0, (size_t)(cap - rec->cap) * sizeof *f);
        rec->f = f;
        rec->cap = cap;
    }
    b = &rec->f[rec->n++];
    b->len = 0;
    b->oom = 0;
    if (b->s)
        b->s[0] = '\0';
    return b;
}

/* Reads the next RFC 4180 record of f into rec: fields separated by commas, a field in
 * double quotes may hold commas, line breaks and "" for a quote; CRLF or LF ends a
 * record. *line is the number of the last line read; the record's first line goes in
 * *first. 1: a record; 0: end of file; -1: malformed or out of memory, *why set. */
static int csv_read(FILE *f, csv_rec_t *rec, long *line, long *first, const char **why)
{
    enum { START, PLAIN, QUOTED, CLOSED } st = START;
    strbuf_t *b;
    int c = getc(f);

    rec->n = 0;
    if (c == EOF)
        return 0;
    *first = ++*line;
    if (!(b = rec_field(rec)))
        goto oom;
    for (;; c = getc(f)) {
        if (st == QUOTED) {
            if (c == EOF) {
                *why = "a quoted field is not closed";
                return -1;
            }
            if (c == '"') {
                int d = getc(f);

                if (d != '"') {
                    if (d != EOF)
                        ungetc(d, f);
                    st = CLOSED;
                    continue;
                }
            } else if (c == '\n') {
                ++*line;
            }
            sb_putc(b, (char)c);
            continue;
        }
        if (c == '\r') { /* CRLF ends a record; a lone CR is text */
            int d = getc(f);

            if (d == '\n' || d == EOF)
                c = d;
            else
                ungetc(d, f);
        }
        if (c == EOF || c == '\n' || c == ',') {
            sb_ensure(b);
            if (b->oom)
                goto oom;
            if (c != ',')
                return 1;
            if (!(b = rec_field(rec)))
                goto oom;
            st = START;
            continue;
        }
        if (st == CLOSED) {
            *why = "text after a closing quote";
            return -1;
        }
        if (c == '"') {
            if (st == PLAIN) {
                *why = "a quote inside a field that does not start with one";
                return -1;
            }
            st = QUOTED;
            continue;
        }
        st = PLAIN;
        sb_putc(b, (char)c);
    }

oom:
    *why = "out of memory";
    return -1;
}

/* A CSV read whole. */
typedef struct table {
    int ncols;    /* fields in every row: the header's */
    long nrows;   /* rows */
    long cap;     /* rows allocated */
    char **hdr;   /* [ncols] the header's names, owned */
    char **cell;  /* [nrows * ncols] the fields, owned */
    double *num;  /* [nrows * ncols] a numeric column's number (NaN if empty or nan),
                   * NaN in a text column */
    long *line;   /* [nrows] the line each row starts on, for messages */
} table_t;

static void table_free(table_t *t)
{
    for (int c = 0; t->hdr && c < t->ncols; c++)
        free(t->hdr[c]);
    for (long i = 0; t->cell && i < t->nrows * t->ncols; i++)
        free(t->cell[i]);
    free(t->hdr);
    free(t->cell);
    free(t->num);
    free(t->line);
    memset(t, 0, sizeof *t);
}

static const char *tcell(const table_t *t, long r, int c)
{
    return t->cell[r * t->ncols + c];
}

static double tnum(const table_t *t, long r, int c)
{
    return t->num[r * t->ncols + c];
}

/* s as a number: 0 and *v set (NaN if s is empty or blank), or -1 if s is not one. */
static int parse_num(const char *s, double *v)
{
    char *end;

    s += strspn(s, " ");
    if (!*s) {
        *v = NAN;
        return 0;
    }
    *v = strtod(s, &end);
    if (end == s)
        return -1;
    end += strspn(end, " ");
    return *end ? -1 : 0;
}

/* Reads the CSV at path into t (zeroed first). cols: its header's first columns,
 * comma-separated (more may follow, as text), or NULL to take any header. types: one
 * letter per column of cols, 'n' a number and 't' a text; NULL: every column a number.
 * 0, or -1 with err set (missing, unreadable, wrong columns, a row of another width, a
 * text where a number is due, no rows) and t empty. */
static int table_load(table_t *t, const char *path, const char *name, const char *cols,
                      const char *types, char *err, size_t errlen)
{
    FILE *f;
    csv_rec_t rec = {0};
    const char *why = "";
    long line = 0, first = 0;
    int got, rc = -1;

    memset(t, 0, sizeof *t);
    if (!(f = fopen(path, "r"))) {
        set_err(err, errlen, "%s: %s: plots skipped", path, strerror(errno));
        return -1;
    }
    /* the header */
    got = csv_read(f, &rec, &line, &first, &why);
    if (got < 0) {
        set_err(err, errlen, "%s:%ld: %s: plots skipped", path, first, why);
        goto out;
    }
    if (got == 0) {
        set_err(err, errlen, "%s is empty: plots skipped", path);
        goto out;
    }
    if (cols) {
        const char *p = cols;

        for (int c = 0; *p; c++) {
            size_t n = strcspn(p, ",");

            if (c >= rec.n || strlen(rec.f[c].s) != n || strncmp(rec.f[c].s, p, n) != 0) {
                set_err(err, errlen, "%s: not a careflow %s (wrong columns): plots skipped",
                        path, name);
                goto out;
            }
            p += n + (p[n] == ',');
        }
    }
    t->ncols = rec.n;
    if (!(t->hdr = calloc((size_t)t->ncols, sizeof *t->hdr)))
        goto oom;
    for (int c = 0; c < t->ncols; c++)
        if (!(t->hdr[c] = strdup(rec.f[c].s)))
            goto oom;

    /* the rows */
    while ((got = csv_read(f, &rec, &line, &first, &why)) > 0) {
        long r = t->nrows;

        if (rec.n == 1 && rec.f[0].len == 0)
            continue; /* a blank line */
        if (rec.n != t->ncols) {
            set_err(err, errlen, "%s:%ld: %d fields where the header has %d: plots skipped",
                    path, first, rec.n, t->ncols);
            goto out;
        }
        if (t->nrows == t->cap) {
            long cap = t->cap ? 2 * t->cap : 64;
            char **cell = realloc(t->cell, (size_t)(cap * t->ncols) * sizeof *cell);
            double *num;
            long *lines;

            if (!cell)
                goto oom;
            t->cell = cell;
            if (!(num = realloc(t->num, (size_t)(cap * t->ncols) * sizeof *num)))
                goto oom;
            t->num = num;
            if (!(lines = realloc(t->line, (size_t)cap * sizeof *lines)))
                goto oom;
            t->line = lines;
            t->cap = cap;
        }
        for (int c = 0; c < t->ncols; c++)
            t->cell[r * t->ncols + c] = NULL;
        t->nrows++; /* (its cells are freed from here on, NULL or not) */
        t->line[r] = first;
        for (int c = 0; c < t->ncols; c++) {
            int numeric = types ? (c < (int)strlen(types) && types[c] == 'n') : 1;
            double v = NAN;

            if (!(t->cell[r * t->ncols + c] = strdup(rec.f[c].s)))
                goto oom;
            if (numeric && parse_num(rec.f[c].s, &v) != 0) {
                set_err(err, errlen, "%s:%ld: %s is \"%.40s\", not a number: plots skipped",
                        path, first, t->hdr[c], rec.f[c].s);
                goto out;
            }
            t->num[r * t->ncols + c] = v;
        }
    }
    if (got < 0) {
        set_err(err, errlen, "%s:%ld: %s: plots skipped", path, first, why);
        goto out;
    }
    if (ferror(f)) {
        set_err(err, errlen, "%s: %s: plots skipped", path, strerror(errno));
        goto out;
    }
    if (t->nrows == 0) {
        set_err(err, errlen, "%s has no rows: plots skipped", path);
        goto out;
    }
    rc = 0;
    goto out;

oom:
    set_err(err, errlen, "out of memory: plots skipped");
out:
    fclose(f);
    rec_free(&rec);
    if (rc != 0)
        table_free(t);
    return rc;
}

/* The distinct pairs of columns c1 and c2 (metric and stage, or stage and metric) in
 * the order they first appear: (*of_row)[r] is row r's pair, (*first)[k] the first row
 * of pair k. Returns the number of pairs, or -1 with err set (out of memory, or an
 * empty name). The arrays are the caller's to free. */
static int table_pairs(const table_t *t, const char *path, int c1, int c2, int **of_row,
                       long **first, char *err, size_t errlen)
{
    int n = 0;

    *of_row = malloc((size_t)t->nrows * sizeof **of_row);
    *first = malloc((size_t)t->nrows * sizeof **first);
    if (!*of_row || !*first) {
        set_err(err, errlen, "out of memory: plots skipped");
        return -1;
    }
    for (long r = 0; r < t->nrows; r++) {
        int k;

        if (!*tcell(t, r, c1) || !*tcell(t, r, c2)) {
            set_err(err, errlen, "%s:%ld: no %s or %s: plots skipped", path, t->line[r],
                    t->hdr[c1], t->hdr[c2]);
            return -1;
        }
        for (k = 0; k < n; k++)
            if (strcmp(tcell(t, (*first)[k], c1), tcell(t, r, c1)) == 0 &&
                strcmp(tcell(t, (*first)[k], c2), tcell(t, r, c2)) == 0)
                break;
        if (k == n)
            (*first)[n++] = r;
        (*of_row)[r] = k;
    }
    return n;
}

/* ---- numbers for reading -------------------------------------------------------------- */

/* v for a reader: millions and billions as "112.1m", "8.05m", "1.20bn"; thousands
 * grouped ("12,345"); below, `sig` significant digits (with 3, trailing zeros kept:
 * "523", "52.3", "3.00", "0.719"); "n/a" if not finite. */
static void fmt_num(double v, int sig, char *buf, size_t len)
{
    double a = fabs(v);

    if (!isfinite(v)) {
        snprintf(buf, len, "n/a");
    } else if (a >= 999.5e6) {
        snprintf(buf, len, "%.*fbn", a >= 9.995e9 ? 1 : 2, v / 1e9);
    } else if (a >= 999.5e3) {
        snprintf(buf, len, "%.*fm", a >= 9.995e6 ? 1 : 2, v / 1e6);
    } else if (a >= 999.5) {
        char digits[32], *q = buf;
        size_t n, k;

        snprintf(digits, sizeof digits, "%.0f", a);
        n = strlen(digits);
        if (len < n + n / 3 + 3) {
            snprintf(buf, len, "%.*g", sig, v);
            return;
        }
        if (v < 0)
            *q++ = '-';
        for (k = 0; k < n; k++) {
            if (k > 0 && (n - k) % 3 == 0)
                *q++ = ',';
            *q++ = digits[k];
        }
        *q = '\0';
    } else if (a >= 9.995 && sig == 3) {
        snprintf(buf, len, "%.*f", a >= 99.95 ? 0 : 1, v);
    } else {
        snprintf(buf, len, sig == 3 ? "%#.*g" : "%.*g", sig, v == 0 ? 0.0 : v); /* no "-0" */
    }
}


/* v with as many decimals as resolution res needs (say a twentieth of the range the
 * numbers span), in fmt_num's units: "113.69m" beside "113.72m", "540" beside "665";
 * fmt_num's form when res is not positive. */
static void fmt_res(double v, double res, char *buf, size_t len)
{
    double a = fabs(v), unit = a >= 999.5e6 ? 1e9 : a >= 999.5e3 ? 1e6 : 1;
    int d;

    if (!isfinite(v) || !isfinite(res) || !(res > 0)) {
        fmt_num(v, 3, buf, len);
        return;
    }
    d = (int)ceil(-log10(res / unit) - 1e-9);
    d = d < 0 ? 0 : d > 6 ? 6 : d;
    if (unit > 1)
        snprintf(buf, len, "%.*f%s", d < 1 ? 1 : d, v / unit, unit > 1e6 ? "bn" : "m");
    else if (d == 0 && a >= 999.5)
        fmt_num(round(v), 3, buf, len); /* an integer, grouped */
    else
        snprintf(buf, len, "%.*f", d, v);
}

/* v as fmt_num gives ref (the largest of numbers shown together), so that they share
 * a unit: 735,565 beside 1.96m is "0.74m"; with plus, a sign: "+52", "-3.10". */
static void fmt_num_as(double v, double ref, int plus, char *buf, size_t len)
{
    double a = fabs(ref);
    const char *sign = plus && isfinite(v) && v > 0 ? "+" : "";

    if (!isfinite(v) || a < 999.5e3) {
        snprintf(buf, len, "%s", sign);
        fmt_num(v, 3, buf + strlen(buf), len - strlen(buf));
    } else if (a >= 999.5e6) {
        snprintf(buf, len, "%s%.*fbn", sign, a >= 9.995e9 ? 1 : 2, v / 1e9);
    } else {
        snprintf(buf, len, "%s%.*fm", sign, a >= 9.995e6 ? 1 : 2, v / 1e6);
    }
}

/* A parameter's value from the CSV for a label: a number shortened ("0.4999999999" ->
 * "0.5"), anything else as it is. */
static void sb_value(strbuf_t *b, const char *text)
{
    char buf[64];
    double v;

    if (parse_num(text, &v) == 0 && isfinite(v)) {
        fmt_num(v, 4, buf, sizeof buf);
        sb_text(b, buf);
    } else {
        sb_text(b, text);
    }
}

/* A name made safe for a file name: characters other than A-Z a-z 0-9 _ - become _. */
static void sb_fname(strbuf_t *b, const char *name)
{
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        sb_putc(b, (char)((*p < 128 && (isalnum(*p) || *p == '_' || *p == '-')) ? *p : '_'));
}

static void put_num(FILE *f, double v)
{
    if (isfinite(v))
        fprintf(f, SA_DIGITS, v);
    else
        fputs("NaN", f);
}

/* The unit an output is drawn in: 1, or 1e6 (millions) or 1e9 (billions) when its
 * largest value is that big (the axis says so; the texts say "m" or "bn"). */
static double display_scale(double maxabs)
{
    return maxabs >= 999.5e6 ? 1e9 : maxabs >= 999.5e3 ? 1e6 : 1;
}

/* a number scaled for drawing */
static void put_scaled(FILE *f, double v, double scale)
{
    put_num(f, v / scale);
}

/* ---- what the methods share ----------------------------------------------------------- */

/* The uncertain parameters, in the order they are first met. */
typedef struct sa_params {
    char **name;     /* [n] ids (their --set paths), owned */
    strbuf_t labels; /* their labels as drawn, tab-separated, in the same order */
    int n, cap;
} sa_params_t;

static void params_free(sa_params_t *par)
{
    for (int i = 0; i < par->n; i++)
        free(par->name[i]);
    free(par->name);
    free(par->labels.s);
}

/* The number (from 1) of the parameter called name, added with label `label` if new;
 * -1 if out of memory. */
static int param_number(sa_params_t *par, const char *name, const char *label)
{
    for (int i = 0; i < par->n; i++)
        if (strcmp(par->name[i], name) == 0)
            return i + 1;
    if (par->n == par->cap) {
        int cap = par->cap ? 2 * par->cap : 16;
        char **p = realloc(par->name, (size_t)cap * sizeof *p);

        if (!p)
            return -1;
        par->name = p;
        par->cap = cap;
    }
    if (!(par->name[par->n] = strdup(name)))
        return -1;
    if (par->n > 0)
        sb_putc(&par->labels, '\t');
    sb_text(&par->labels, *label ? label : name);
    if (par->labels.oom)
        return -1;
    return ++par->n;
}

/* The plots to draw, as plots/sensitivity.gp takes them. */
typedef struct sa_plots {
    const char *data_dir; /* where pJ.tsv are written */
    strbuf_t list;        /* KIND, FILE, SUBJECT, NOTES, NUMBERS per plot, tab-separated */
    int n;                /* plots */
} sa_plots_t;

/* Adds a plot: kind, file name `prefix` + METRIC-STAGE (a and b made safe), the
 * subject for its title, texts made here for it (notes: "|"-separated, or NULL), and
 * its numbers (n of them; one not finite is written NaN). Opens its data file for
 * writing: the caller writes the rows and closes it with plot_close(). NULL with err
 * set. */
static FILE *plot_add(sa_plots_t *pl, const char *kind, const char *prefix, const char *a,
                      const char *b, const char *subject, const char *notes,
                      const double *nums, int n, char *err, size_t errlen)
{
    char path[PATH_LEN], buf[40];
    FILE *f;

    if (pl->n > 0)
        sb_putc(&pl->list, '\t');
    sb_text(&pl->list, kind);
    sb_putc(&pl->list, '\t');
    sb_text(&pl->list, prefix);
    sb_fname(&pl->list, a);
    sb_putc(&pl->list, '-');
    sb_fname(&pl->list, b);
    sb_putc(&pl->list, '\t');
    sb_text(&pl->list, subject);
    sb_putc(&pl->list, '\t');
    sb_text(&pl->list, notes ? notes : "");
    sb_putc(&pl->list, '\t');
    for (int i = 0; i < n; i++) {
        /* %e: gnuplot's real() reads "3.0e+04" but not "3e+04" */
        if (isfinite(nums[i]))
            snprintf(buf, sizeof buf, "%s%.10e", i ? " " : "", nums[i]);
        else
            snprintf(buf, sizeof buf, "%sNaN", i ? " " : "");
        sb_text(&pl->list, buf);
    }
    if (pl->list.oom) {
        set_err(err, errlen, "out of memory: plots skipped");
        return NULL;
    }
    pl->n++;
    if (path_fmt(path, "%s/p%d.tsv", pl->data_dir, pl->n) != 0 || !(f = fopen(path, "w"))) {
        set_err(err, errlen, "%s/p%d.tsv: %s: plots skipped", pl->data_dir, pl->n,
                strerror(errno));
        return NULL;
    }
    return f;
}

static int plot_close(sa_plots_t *pl, FILE *f, char *err, size_t errlen)
{
    int bad = ferror(f);

    if (fclose(f) != 0 || bad) {
        set_err(err, errlen, "%s/p%d.tsv: cannot write: plots skipped", pl->data_dir, pl->n);
        return -1;
    }
    return 0;
}

/* "METRIC (STAGE)" into b, emptied first. */
static void subject_of(strbuf_t *b, const char *metric, const char *stage)
{
    b->len = 0;
    if (b->s)
        b->s[0] = '\0';
    sb_text(b, metric);
    sb_text(b, " (");
    sb_text(b, stage);
    sb_text(b, ")");
    sb_ensure(b);
}

/* The rows of pair k (table_pairs) for which keep() holds, into rows; their count. */
static long rows_of(const table_t *t, const int *of_row, int k, long *rows,
                    int (*keep)(const table_t *, long))
{
    long n = 0;

    for (long r = 0; r < t->nrows; r++)
        if (of_row[r] == k && (!keep || keep(t, r)))
            rows[n++] = r;
    return n;
}

/* Sorts rows by key descending (not finite last), keeping the file's order on ties:
 * an insertion sort (a few dozen parameters). */
static void sort_desc(const table_t *t, long *rows, long n,
                      double (*key)(const table_t *, long))
{
    for (long i = 1; i < n; i++) {
        long r = rows[i], j = i;
        double k = key(t, r);

        if (!isfinite(k))
            k = -INFINITY;
        while (j > 0) {
            double kp = key(t, rows[j - 1]);

            if (!isfinite(kp))
                kp = -INFINITY;
            if (kp >= k)
                break;
            rows[j] = rows[j - 1];
            j--;
        }
        rows[j] = r;
    }
}

/* Everything a method needs: where its CSVs are, the parameters, the plots. */
typedef struct sa_ctx {
    const scenario_t *sc;
    const char *out_dir;
    sa_params_t par;
    sa_plots_t plots;
    strbuf_t subject; /* scratch */
    strbuf_t label;   /* scratch */
    char *err;
    size_t errlen;
} sa_ctx_t;

/* Loads OUT/name into t. */
static int load_csv(sa_ctx_t *cx, table_t *t, const char *name, const char *cols,
                    const char *types)
{
    char path[PATH_LEN];

    if (input_path(cx->out_dir, name, path, cx->err, cx->errlen) < 0)
        return -1;
    return table_load(t, path, name, cols, types, cx->err, cx->errlen);
}

/* Registers every row's parameter (columns name and label at c_name, c_name + 1): 0 or
 * -1 with err set. With ranges, the label is followed by " (LOW to HIGH)" from the two
 * columns after the label. */
static int register_params(sa_ctx_t *cx, const table_t *t, int c_name, int ranges)
{
    for (long r = 0; r < t->nrows; r++) {
        const char *name = tcell(t, r, c_name), *label = tcell(t, r, c_name + 1);

        cx->label.len = 0;
        if (cx->label.s)
            cx->label.s[0] = '\0';
        sb_text(&cx->label, *label ? label : name);
        if (ranges && (*tcell(t, r, c_name + 2) || *tcell(t, r, c_name + 3))) {
            sb_text(&cx->label, " (");
            sb_value(&cx->label, tcell(t, r, c_name + 2));
            sb_text(&cx->label, " to ");
            sb_value(&cx->label, tcell(t, r, c_name + 3));
            sb_text(&cx->label, ")");
        }
        sb_ensure(&cx->label);
        if (cx->label.oom || param_number(&cx->par, name, cx->label.s) < 0) {
            set_err(cx->err, cx->errlen, "out of memory: plots skipped");
            return -1;
        }
    }
    return 0;
}

static int param_of(sa_ctx_t *cx, const table_t *t, long r, int c_name)
{
    return param_number(&cx->par, tcell(t, r, c_name), ""); /* registered: found */
}

/* ---- oat: tornado charts ------------------------------------------------------------- */

#define OAT_COLS                                                                           \
    "metric,stage,name,label,low_value,high_value,base,y_low,y_high,swing,swing_ci95_low,"  \
    "swing_ci95_high"
enum { OAT_BASE = 6, OAT_YLOW, OAT_YHIGH, OAT_SWING, OAT_CILO, OAT_CIHI };

static int oat_keep(const table_t *t, long r)
{
    return isfinite(tnum(t, r, OAT_BASE)) &&
           (isfinite(tnum(t, r, OAT_YLOW)) || isfinite(tnum(t, r, OAT_YHIGH)));
}

static double oat_key(const table_t *t, long r)
{
    double s = tnum(t, r, OAT_SWING);

    return fabs(isfinite(s) ? s : tnum(t, r, OAT_YHIGH) - tnum(t, r, OAT_YLOW));
}

/* The swing of row r with its interval, in one unit: "+8.05m (7.45m to 10.5m)". */
static void oat_swing(const table_t *t, long r, char *buf, size_t len)
{
    double lo = tnum(t, r, OAT_YLOW), hi = tnum(t, r, OAT_YHIGH);
    double swing = isfinite(tnum(t, r, OAT_SWING)) ? tnum(t, r, OAT_SWING) : hi - lo;
    double clo = tnum(t, r, OAT_CILO), chi = tnum(t, r, OAT_CIHI), ref = fabs(swing);
    char a[40], b[40];

    if (isfinite(clo) && isfinite(chi))
        ref = fmax(ref, fmax(fabs(clo), fabs(chi)));
    fmt_num_as(swing, ref, 1, buf, len);
    if (isfinite(clo) && isfinite(chi)) {
        fmt_num_as(clo, ref, 0, a, sizeof a);
        fmt_num_as(chi, ref, 0, b, sizeof b);
        snprintf(buf + strlen(buf), len - strlen(buf), " (%s to %s)", a, b);
    }
}

/* One row of a tornado chart's data: pos, parameter, y_low, y_high, base, left end,
 * its text, right end, its text, the swing with its interval as text (the numbers
 * divided by scale, the texts not). */
static void oat_row(FILE *f, const table_t *t, long r, long pos, int param, double scale,
                    double res)
{
    double lo = tnum(t, r, OAT_YLOW), hi = tnum(t, r, OAT_YHIGH), base = tnum(t, r, OAT_BASE);
    double left = INFINITY, right = -INFINITY;
    char ltext[40] = "-", rtext[40] = "-", sw[128];

    /* the bar's ends, labelled with the value there, base excluded */
    if (isfinite(lo)) {
        left = fmin(left, lo);
        right = fmax(right, lo);
    }
    if (isfinite(hi)) {
        left = fmin(left, hi);
        right = fmax(right, hi);
    }
    if (left < base)
        fmt_res(left, res, ltext, sizeof ltext);
    else
        left = NAN;
    if (right > base)
        fmt_res(right, res, rtext, sizeof rtext);
    else
        right = NAN;
    oat_swing(t, r, sw, sizeof sw);
    fprintf(f, "%ld\t%d\t", pos, param);
    put_scaled(f, lo, scale);
    fputc('\t', f);
    put_scaled(f, hi, scale);
    fputc('\t', f);
    put_scaled(f, base, scale);
    fputc('\t', f);
    put_scaled(f, left, scale);
    fprintf(f, "\t%s\t", ltext);
    put_scaled(f, right, scale);
    fprintf(f, "\t%s\t%s\n", rtext, sw);
}

static int sa_oat(sa_ctx_t *cx)
{
    table_t t;
    int *of_row = NULL, npairs, rc = -1;
    long *first = NULL, *rows = NULL;

    if (load_csv(cx, &t, "oat.csv", OAT_COLS, "ttttttnnnnnn") != 0)
        return -1;
    if (register_params(cx, &t, 2, 1) != 0 ||
        (npairs = table_pairs(&t, "oat.csv", 0, 1, &of_row, &first, cx->err, cx->errlen)) < 0)
        goto out;
    if (!(rows = malloc((size_t)t.nrows * sizeof *rows))) {
        set_err(cx->err, cx->errlen, "out of memory: plots skipped");
        goto out;
    }
    for (int k = 0; k < npairs; k++) {
        long n = rows_of(&t, of_row, k, rows, oat_keep);
        double lo = INFINITY, hi = -INFINITY, base = NAN, scale = 1, res = 0, nums[8];
        char note[40], sw[128];
        size_t width = 0;
        FILE *f;

        sort_desc(&t, rows, n, oat_key);
        for (long i = 0; i < n; i++)
            for (int c = OAT_BASE; c <= OAT_YHIGH; c++)
                if (isfinite(tnum(&t, rows[i], c))) {
                    lo = fmin(lo, tnum(&t, rows[i], c));
                    hi = fmax(hi, tnum(&t, rows[i], c));
                }
        if (n > 0) {
            double pad;

            base = tnum(&t, rows[0], OAT_BASE);
            scale = display_scale(fmax(fabs(lo), fabs(hi)));
            pad = hi > lo ? hi - lo : fmax(fabs(base) * 0.1, 1.0);
            res = pad / 20; /* the values at the bars' ends tell the bars apart */
            lo -= 0.2 * pad; /* room for the value at either end */
            hi += 0.2 * pad;
        }
        nums[0] = (double)n;
        nums[1] = lo / scale;
        nums[2] = hi / scale;
        nums[3] = base / scale;
        nums[4] = scale;
        for (long i = 0; i < n; i++) { /* the right margin holds the swings */
            oat_swing(&t, rows[i], sw, sizeof sw);
            width = strlen(sw) > width ? strlen(sw) : width;
        }
        nums[5] = (double)width;
        /* how many bars reach left and right of the base: gnuplot 5.4 can crash on a
         * `with labels` plot that has no point, so it draws none then */
        nums[6] = nums[7] = 0;
        for (long i = 0; i < n; i++)
            for (int c = OAT_YLOW; c <= OAT_YHIGH; c++) {
                nums[6] += tnum(&t, rows[i], c) < base;
                nums[7] += tnum(&t, rows[i], c) > base;
            }
        fmt_res(base, res, note, sizeof note); /* the base, for the key */
        subject_of(&cx->subject, tcell(&t, first[k], 0), tcell(&t, first[k], 1));
        if (cx->subject.oom ||
            !(f = plot_add(&cx->plots, "tornado", "tornado-", tcell(&t, first[k], 0),
                           tcell(&t, first[k], 1), cx->subject.s, note, nums, 8, cx->err,
                           cx->errlen)))
            goto out;
        for (long i = 0; i < n; i++)
            oat_row(f, &t, rows[i], n - i, param_of(cx, &t, rows[i], 2), scale, res);
        if (plot_close(&cx->plots, f, cx->err, cx->errlen) != 0)
            goto out;
    }
    rc = 0;

out:
    free(of_row);
    free(first);
    free(rows);
    table_free(&t);
    return rc;
}

/* ---- morris: mu* against sigma ------------------------------------------------------ */

#define MORRIS_COLS "metric,stage,name,label,mu,mu_star,sigma,mu_star_conf,noise_ee"
enum { MO_MU = 4, MO_MUSTAR, MO_SIGMA, MO_CONF, MO_NOISE };

static int morris_keep(const table_t *t, long r)
{
    return isfinite(tnum(t, r, MO_MUSTAR)) && isfinite(tnum(t, r, MO_SIGMA));
}

static double morris_key(const table_t *t, long r)
{
    return tnum(t, r, MO_MUSTAR);
}

typedef struct box {
    double x0, y0, x1, y1; /* pixels in the plot area, y up */
} box_t;

static double box_overlap(box_t a, box_t b)
{
    double w = fmin(a.x1, b.x1) - fmax(a.x0, b.x0), h = fmin(a.y1, b.y1) - fmax(a.y0, b.y0);

    return w > 0 && h > 0 ? w * h : 0;
}

/* Where the label of each point goes: a greedy search, points in order (the largest
 * mu* first), of a few places around the point for the one that covers the fewest
 * other labels (placed ones and the nfixed boxes in fixed), points and error bars and
 * stays in the plot area. px, py, ex: the points and error bars' half-widths in
 * pixels; chars: each label's length. Out: lx, ly (pixels), align (0 left, 1 right, 2
 * centre) and the box of each label. */
static void place_labels(long n, const double *px, const double *py, const double *ex,
                         const long *chars, const box_t *fixed, int nfixed, double *lx,
                         double *ly, int *align, box_t *placed)
{
    static const struct {
        double dx, dy;
        int align;
    } cand[] = {
        {9, 0, 0},   {-9, 0, 1},   {0, 15, 2},   {0, -15, 2},  {7, 13, 0},  {7, -13, 0},
        {-7, 13, 1}, {-7, -13, 1}, {9, 26, 0},   {9, -26, 0},  {-9, 26, 1}, {-9, -26, 1},
        {0, 30, 2},  {0, -30, 2},  {12, 40, 0},  {12, -40, 0}, {-12, 40, 1}, {-12, -40, 1},
    };
    const int ncand = (int)(sizeof cand / sizeof cand[0]);

    for (long i = 0; i < n; i++) {
        double w = (double)chars[i] * MO_CHAR_W + 6, best = INFINITY;

        for (int c = 0; c < ncand && best > 0; c++) {
            double x = px[i] + cand[c].dx, y = py[i] + cand[c].dy, cost = 0;
            box_t b;

            b.x0 = cand[c].align == 0 ? x : cand[c].align == 1 ? x - w : x - w / 2;
            b.x1 = b.x0 + w;
            b.y0 = y - MO_LINE_H / 2;
            b.y1 = y + MO_LINE_H / 2;
            for (long j = 0; j < i; j++)
                cost += box_overlap(b, placed[j]);
            for (int j = 0; j < nfixed; j++)
                cost += box_overlap(b, fixed[j]);
            for (long j = 0; j < n; j++) {
                box_t pt = {px[j] - MO_POINT_R, py[j] - MO_POINT_R, px[j] + MO_POINT_R,
                            py[j] + MO_POINT_R};
                box_t bar = {px[j] - ex[j], py[j] - 1.5, px[j] + ex[j], py[j] + 1.5};

                cost += 2 * box_overlap(b, pt) + box_overlap(b, bar);
            }
            /* outside the plot area: a label cut by the border is worst */
            cost += 4 * (w * MO_LINE_H - box_overlap(b, (box_t){0, 0, MO_PW, MO_PH}));
            if (cost < best) {
                best = cost;
                lx[i] = x;
                ly[i] = y;
                align[i] = cand[c].align;
                placed[i] = b;
            }
        }
    }
}

/* The length in characters (UTF-8) of the label of parameter `param` (from 1). */
static long label_len(const sa_params_t *par, int param)
{
    const char *p = par->labels.s ? par->labels.s : "";
    long n = 0;

    for (int i = 1; i < param && *p; i++) {
        p = strchr(p, '\t');
        if (!p)
            return 0;
        p++;
    }
    for (; *p && *p != '\t'; p++)
        n += ((unsigned char)*p & 0xC0) != 0x80;
    return n;
}

static int sa_morris(sa_ctx_t *cx)
{
    table_t t;
    int *of_row = NULL, npairs, rc = -1, *align = NULL, *lead = NULL;
    long *first = NULL, *rows = NULL, *chars = NULL;
    double *px = NULL, *py = NULL, *ex = NULL, *lx = NULL, *ly = NULL;
    box_t *placed = NULL;

    if (load_csv(cx, &t, "morris.csv", MORRIS_COLS, "ttttnnnnn") != 0)
        return -1;
    if (register_params(cx, &t, 2, 0) != 0 ||
        (npairs = table_pairs(&t, "morris.csv", 0, 1, &of_row, &first, cx->err, cx->errlen)) <
            0)
        goto out;
    rows = malloc((size_t)t.nrows * sizeof *rows);
    chars = malloc((size_t)t.nrows * sizeof *chars);
    align = malloc((size_t)t.nrows * sizeof *align);
    lead = malloc((size_t)t.nrows * sizeof *lead);
    px = malloc((size_t)t.nrows * sizeof *px);
    py = malloc((size_t)t.nrows * sizeof *py);
    ex = malloc((size_t)t.nrows * sizeof *ex);
    lx = malloc((size_t)t.nrows * sizeof *lx);
    ly = malloc((size_t)t.nrows * sizeof *ly);
    placed = malloc((size_t)t.nrows * sizeof *placed);
    if (!rows || !chars || !align || !lead || !px || !py || !ex || !lx || !ly || !placed) {
        set_err(cx->err, cx->errlen, "out of memory: plots skipped");
        goto out;
    }
    for (int k = 0; k < npairs; k++) {
        long n = rows_of(&t, of_row, k, rows, morris_keep);
        double xmax = 0, ymax = 0, noise = 0, scale, nums[21] = {0};
        box_t lines[3];
        int nlines;
        FILE *f;

        sort_desc(&t, rows, n, morris_key);
        for (long i = 0; i < n; i++) {
            double conf = tnum(&t, rows[i], MO_CONF);

            xmax = fmax(xmax, tnum(&t, rows[i], MO_MUSTAR) + (isfinite(conf) ? conf : 0));
            ymax = fmax(ymax, tnum(&t, rows[i], MO_SIGMA));
            if (isfinite(tnum(&t, rows[i], MO_NOISE)))
                noise = fmax(noise, tnum(&t, rows[i], MO_NOISE));
        }
        xmax = fmax(xmax, noise) * 1.08;
        ymax *= 1.12;
        if (!(xmax > 0))
            xmax = 1;
        if (!(ymax > 0))
            ymax = 1;
        for (long i = 0; i < n; i++) {
            double conf = tnum(&t, rows[i], MO_CONF);

            px[i] = tnum(&t, rows[i], MO_MUSTAR) / xmax * MO_PW;
            py[i] = tnum(&t, rows[i], MO_SIGMA) / ymax * MO_PH;
            ex[i] = (isfinite(conf) ? conf : 0) / xmax * MO_PW;
            chars[i] = label_len(&cx->par, param_of(cx, &t, rows[i], 2));
        }
        /* the labels of the lines sigma = k mu* ("σ/μ* = 0.5"), where each line leaves
         * the plot: beside it below the top, or above it at the right edge; one that
         * would cover another or stick out is left out */
        nlines = 0;
        for (int j = 0; j < 3; j++) {
            static const double ratio[3] = {1.0, 0.5, 0.1};
            double xe = fmin(xmax, ymax / ratio[j]) / xmax * MO_PW, w = 10 * MO_CHAR_W * 0.9 + 4;
            double ye = ratio[j] * fmin(xmax, ymax / ratio[j]) / ymax * MO_PH;
            box_t cand[2];
            int top = xe < MO_PW - 1, ok = -1;

            if (top) { /* right of the line, else left of it */
                cand[0] = (box_t){xe + 5, MO_PH - 17, xe + 5 + w, MO_PH - 3};
                cand[1] = (box_t){xe - 5 - w, MO_PH - 17, xe - 5, MO_PH - 3};
            } else { /* above the line at the right edge, else below it */
                cand[0] = (box_t){MO_PW - 3 - w, ye + 4, MO_PW - 3, ye + 18};
                cand[1] = (box_t){MO_PW - 3 - w, ye - 18, MO_PW - 3, ye - 4};
            }
            for (int c = 0; c < 2 && ok < 0; c++) {
                int clash = cand[c].x0 < 0 || cand[c].y0 < 0 || cand[c].x1 > MO_PW ||
                            cand[c].y1 > MO_PH;

                for (int m = 0; m < nlines && !clash; m++)
                    clash = box_overlap(cand[c], lines[m]) > 0;
                if (!clash)
                    ok = c;
            }
            nums[9 + 4 * j] = 0;
            if (ok < 0)
                continue;
            lines[nlines++] = cand[ok];
            /* where gnuplot puts it: the left end (left-aligned) or the right end, in the
             * middle of its height, in data units */
            nums[9 + 4 * j] = 1;
            nums[10 + 4 * j] = (top && ok == 0 ? cand[ok].x0 + 2 : cand[ok].x1 - 2) / MO_PW * xmax;
            nums[11 + 4 * j] = (cand[ok].y0 + cand[ok].y1) / 2 / MO_PH * ymax;
            nums[12 + 4 * j] = top && ok == 0 ? 0 : 1;
        }
        place_labels(n, px, py, ex, chars, lines, nlines, lx, ly, align, placed);
        scale = display_scale(fmax(xmax, ymax));
        nums[0] = (double)n;
        nums[1] = xmax / scale;
        nums[2] = ymax / scale;
        nums[3] = noise / scale;
        nums[4] = scale;
        for (int j = 0; j < 3; j++) {
            nums[10 + 4 * j] /= scale;
            nums[11 + 4 * j] /= scale;
        }
        for (long i = 0; i < n; i++) { /* labels of each alignment, and leader lines */
            double ax = fmin(fmax(px[i], placed[i].x0), placed[i].x1);
            double ay = fmin(fmax(py[i], placed[i].y0), placed[i].y1);

            lead[i] = hypot(ax - px[i], ay - py[i]) > 12;
            nums[5 + align[i]]++;
            nums[8] += lead[i];
        }
        subject_of(&cx->subject, tcell(&t, first[k], 0), tcell(&t, first[k], 1));
        if (cx->subject.oom ||
            !(f = plot_add(&cx->plots, "morris", "morris-", tcell(&t, first[k], 0),
                           tcell(&t, first[k], 1), cx->subject.s, NULL, nums, 21, cx->err,
                           cx->errlen)))
            goto out;
        /* parameter, mu*, sigma, mu*_conf, label x, label y, label alignment, and the
         * end of a line from the point to its label if the label is not beside it */
        for (long i = 0; i < n; i++) {
            double conf = tnum(&t, rows[i], MO_CONF);
            double ax = fmin(fmax(px[i], placed[i].x0), placed[i].x1);
            double ay = fmin(fmax(py[i], placed[i].y0), placed[i].y1);

            fprintf(f, "%d\t", param_of(cx, &t, rows[i], 2));
            put_scaled(f, tnum(&t, rows[i], MO_MUSTAR), scale);
            fputc('\t', f);
            put_scaled(f, tnum(&t, rows[i], MO_SIGMA), scale);
            fputc('\t', f);
            put_scaled(f, isfinite(conf) ? conf : 0, scale);
            fputc('\t', f);
            put_scaled(f, lx[i] / MO_PW * xmax, scale);
            fputc('\t', f);
            put_scaled(f, ly[i] / MO_PH * ymax, scale);
            fprintf(f, "\t%d\t", align[i]);
            put_scaled(f, lead[i] ? ax / MO_PW * xmax : NAN, scale);
            fputc('\t', f);
            put_scaled(f, lead[i] ? ay / MO_PH * ymax : NAN, scale);
            fputc('\n', f);
        }
        if (plot_close(&cx->plots, f, cx->err, cx->errlen) != 0)
            goto out;
    }
    rc = 0;

out:
    free(of_row);
    free(first);
    free(rows);
    free(chars);
    free(align);
    free(lead);
    free(px);
    free(py);
    free(ex);
    free(lx);
    free(ly);
    free(placed);
    table_free(&t);
    return rc;
}

/* ---- sobol: indices and their convergence --------------------------------------------- */

#define SOBOL_COLS "metric,stage,name,label,S1,S1_conf,ST,ST_conf,noise_swamped"
#define SOBOL_CONV_COLS "metric,stage,name,label,N,S1,S1_conf,ST,ST_conf"
enum { SO_S1 = 4, SO_S1C, SO_ST, SO_STC, SO_SWAMPED };
enum { SC_N = 4, SC_S1, SC_S1C, SC_ST, SC_STC };

static int sobol_keep(const table_t *t, long r)
{
    return isfinite(tnum(t, r, SO_S1)) || isfinite(tnum(t, r, SO_ST));
}

static double sobol_key(const table_t *t, long r)
{
    return tnum(t, r, SO_ST);
}

static double conf_or_0(double c)
{
    return isfinite(c) ? fabs(c) : 0;
}

/* noise_swamped as 1 or 0; -1 if it is neither yes nor no. */
static int yes_no(const char *s)
{
    if (!*s || strcasecmp(s, "no") == 0 || strcasecmp(s, "false") == 0 || strcmp(s, "0") == 0)
        return 0;
    if (strcasecmp(s, "yes") == 0 || strcasecmp(s, "true") == 0 || strcmp(s, "1") == 0)
        return 1;
    return -1;
}

static int sobol_bars(sa_ctx_t *cx, const table_t *t, const int *of_row, const long *first,
                      int npairs, long *rows)
{
    for (int k = 0; k < npairs; k++) {
        long n = rows_of(t, of_row, k, rows, sobol_keep);
        double lo = 0, hi = 1, swamped = 0, nums[7] = {0};
        FILE *f;

        sort_desc(t, rows, n, sobol_key);
        for (long i = 0; i < n; i++) {
            for (int c = SO_S1; c <= SO_ST; c += 2) {
                double v = tnum(t, rows[i], c), e = conf_or_0(tnum(t, rows[i], c + 1));

                if (isfinite(v)) {
                    lo = fmin(lo, v - e);
                    hi = fmax(hi, v + e);
                }
            }
            if (yes_no(tcell(t, rows[i], SO_SWAMPED)) < 0) {
                set_err(cx->err, cx->errlen,
                        "sobol.csv:%ld: noise_swamped is \"%.20s\", not yes or no: plots skipped",
                        t->line[rows[i]], tcell(t, rows[i], SO_SWAMPED));
                return -1;
            }
            swamped = fmax(swamped, yes_no(tcell(t, rows[i], SO_SWAMPED)));
        }
        nums[0] = (double)n;
        nums[1] = lo < 0 ? floor(lo * 10 - 1e-9) / 10 : 0;
        nums[4] = ceil(hi * 10 - 1e-9) / 10; /* the last tick */
        nums[2] = nums[4] + 0.1;              /* room for the values */
        nums[3] = swamped;
        for (long i = 0; i < n; i++) { /* rows with S1, with ST (none: not drawn) */
            nums[5] += isfinite(tnum(t, rows[i], SO_S1));
            nums[6] += isfinite(tnum(t, rows[i], SO_ST));
        }
        subject_of(&cx->subject, tcell(t, first[k], 0), tcell(t, first[k], 1));
        if (cx->subject.oom ||
            !(f = plot_add(&cx->plots, "sobol", "sobol-", tcell(t, first[k], 0),
                           tcell(t, first[k], 1), cx->subject.s, NULL, nums, 7, cx->err,
                           cx->errlen)))
            return -1;
        /* pos, parameter, S1, S1_conf, ST, ST_conf, swamped, S1 text, ST text */
        for (long i = 0; i < n; i++) {
            double v1 = tnum(t, rows[i], SO_S1), vt = tnum(t, rows[i], SO_ST);
            char s1[40], st[40];

            snprintf(s1, sizeof s1, "%.2f", fabs(v1) < 0.005 ? 0.0 : v1); /* no "-0.00" */
            snprintf(st, sizeof st, "%.2f", fabs(vt) < 0.005 ? 0.0 : vt);
            fprintf(f, "%ld\t%d\t", n - i, param_of(cx, t, rows[i], 2));
            put_num(f, tnum(t, rows[i], SO_S1));
            fputc('\t', f);
            put_num(f, conf_or_0(tnum(t, rows[i], SO_S1C)));
            fputc('\t', f);
            put_num(f, tnum(t, rows[i], SO_ST));
            fputc('\t', f);
            put_num(f, conf_or_0(tnum(t, rows[i], SO_STC)));
            fprintf(f, "\t%d\t%s\t%s\n", yes_no(tcell(t, rows[i], SO_SWAMPED)), s1, st);
        }
        if (plot_close(&cx->plots, f, cx->err, cx->errlen) != 0)
            return -1;
    }
    return 0;
}

static int conv_keep(const table_t *t, long r)
{
    return isfinite(tnum(t, r, SC_N)) && tnum(t, r, SC_N) > 0 &&
           (isfinite(tnum(t, r, SC_S1)) || isfinite(tnum(t, r, SC_ST)));
}

static int sobol_convergence(sa_ctx_t *cx, const table_t *t, const int *of_row,
                             const long *first, int npairs, long *rows, long *sel)
{
    for (int k = 0; k < npairs; k++) {
        long n = rows_of(t, of_row, k, rows, conv_keep), m = 0;
        double nmin = INFINITY, nmax = 0, lo = 0, hi = 0, vlo = 0, vhi = 0, pad, *nums, *key;
        int npar = 0;
        FILE *f;

        /* the rows by parameter (in their order), then N */
        for (int p = 1; p <= cx->par.n; p++) {
            long m0 = m;

            for (long i = 0; i < n; i++) {
                if (param_of(cx, t, rows[i], 2) != p)
                    continue;
                long j = m++;

                while (j > m0 && tnum(t, sel[j - 1], SC_N) > tnum(t, rows[i], SC_N)) {
                    sel[j] = sel[j - 1];
                    j--;
                }
                sel[j] = rows[i];
            }
            npar += m > m0;
        }
        for (long i = 0; i < m; i++) {
            nmin = fmin(nmin, tnum(t, sel[i], SC_N));
            nmax = fmax(nmax, tnum(t, sel[i], SC_N));
            for (int c = SC_S1; c <= SC_ST; c += 2) {
                double v = tnum(t, sel[i], c), e = conf_or_0(tnum(t, sel[i], c + 1));

                if (isfinite(v)) {
                    lo = fmin(lo, v - e);
                    hi = fmax(hi, v + e);
                    vlo = fmin(vlo, v);
                    vhi = fmax(vhi, v);
                }
            }
        }
        nums = malloc((size_t)(6 + npar) * sizeof *nums);
        key = malloc((size_t)(npar + 1) * sizeof *key);
        if (!nums || !key) {
            free(nums);
            free(key);
            set_err(cx->err, cx->errlen, "out of memory: plots skipped");
            return -1;
        }
        nums[0] = (double)m;
        nums[1] = m ? nmin : 1;
        nums[2] = m ? nmax : 2;
        /* y: the indices and 0 to 1, and their intervals as far as -0.5 and 1.5 (an
         * interval of a small N can be huge: it is cut) */
        nums[3] = fmin(fmin(0, vlo), fmax(lo, -0.5));
        nums[4] = fmax(fmax(1, vhi), fmin(hi, 1.5));
        pad = 0.03 * (nums[4] - nums[3]);
        nums[3] -= pad;
        nums[4] += pad;
        nums[5] = npar;
        /* the parameters drawn, one panel each, by their ST at the largest N (the last
         * of their rows), largest first: an insertion sort on that ST */
        npar = 0;
        for (long i = 0; i < m; i++) {
            int j, p = param_of(cx, t, sel[i], 2);

            if (i + 1 < m && param_of(cx, t, sel[i + 1], 2) == p)
                continue;
            key[npar] = isfinite(tnum(t, sel[i], SC_ST)) ? tnum(t, sel[i], SC_ST) : -INFINITY;
            nums[6 + npar] = p;
            for (j = npar++; j > 0 && key[j - 1] < key[j]; j--) {
                double ks = key[j], ps = nums[6 + j];

                key[j] = key[j - 1];
                nums[6 + j] = nums[5 + j];
                key[j - 1] = ks;
                nums[5 + j] = ps;
            }
        }
        subject_of(&cx->subject, tcell(t, first[k], 0), tcell(t, first[k], 1));
        f = cx->subject.oom ? NULL
                            : plot_add(&cx->plots, "convergence", "sobol-convergence-",
                                       tcell(t, first[k], 0), tcell(t, first[k], 1),
                                       cx->subject.s, NULL, nums, 6 + npar, cx->err,
                                       cx->errlen);
        free(nums);
        free(key);
        if (!f)
            return -1;
        /* parameter, N, S1, S1 low, S1 high, ST, ST low, ST high; a blank line between
         * parameters */
        for (long i = 0; i < m; i++) {
            double s1 = tnum(t, sel[i], SC_S1), e1 = conf_or_0(tnum(t, sel[i], SC_S1C));
            double st = tnum(t, sel[i], SC_ST), et = conf_or_0(tnum(t, sel[i], SC_STC));
            int p = param_of(cx, t, sel[i], 2);

            if (i > 0 && p != param_of(cx, t, sel[i - 1], 2))
                fputc('\n', f);
            fprintf(f, "%d\t", p);
            put_num(f, tnum(t, sel[i], SC_N));
            fputc('\t', f);
            put_num(f, s1);
            fputc('\t', f);
            put_num(f, s1 - e1);
            fputc('\t', f);
            put_num(f, s1 + e1);
            fputc('\t', f);
            put_num(f, st);
            fputc('\t', f);
            put_num(f, st - et);
            fputc('\t', f);
            put_num(f, st + et);
            fputc('\n', f);
        }
        if (plot_close(&cx->plots, f, cx->err, cx->errlen) != 0)
            return -1;
    }
    return 0;
}

static int sa_sobol(sa_ctx_t *cx)
{
    table_t t, tc = {0};
    int *of_row = NULL, npairs, rc = -1, have_conv;
    long *first = NULL, *rows = NULL, *sel = NULL;
    char path[PATH_LEN];

    if (load_csv(cx, &t, "sobol.csv", SOBOL_COLS, "ttttnnnnt") != 0)
        return -1;
    if (register_params(cx, &t, 2, 0) != 0 ||
        (npairs = table_pairs(&t, "sobol.csv", 0, 1, &of_row, &first, cx->err, cx->errlen)) < 0)
        goto out;
    if (!(rows = malloc((size_t)t.nrows * sizeof *rows))) {
        set_err(cx->err, cx->errlen, "out of memory: plots skipped");
        goto out;
    }
    if (sobol_bars(cx, &t, of_row, first, npairs, rows) != 0)
        goto out;

    /* the convergence curves, when the file is there */
    if ((have_conv = input_path(cx->out_dir, "sobol_convergence.csv", path, cx->err,
                                cx->errlen)) < 0)
        goto out;
    if (have_conv) {
        free(of_row);
        free(first);
        free(rows);
        of_row = NULL;
        first = NULL;
        rows = NULL;
        if (load_csv(cx, &tc, "sobol_convergence.csv", SOBOL_CONV_COLS, "ttttnnnnn") != 0 ||
            register_params(cx, &tc, 2, 0) != 0 ||
            (npairs = table_pairs(&tc, "sobol_convergence.csv", 0, 1, &of_row, &first, cx->err,
                                  cx->errlen)) < 0)
            goto out;
        rows = malloc((size_t)tc.nrows * sizeof *rows);
        sel = malloc((size_t)tc.nrows * sizeof *sel);
        if (!rows || !sel) {
            set_err(cx->err, cx->errlen, "out of memory: plots skipped");
            goto out;
        }
        if (sobol_convergence(cx, &tc, of_row, first, npairs, rows, sel) != 0)
            goto out;
    }
    rc = 0;

out:
    free(of_row);
    free(first);
    free(rows);
    free(sel);
    table_free(&t);
    table_free(&tc);
    return rc;
}

/* ---- lhs: histograms and fan charts --------------------------------------------------- */

#define LHS_COLS "metric,stage,mean,sd,p05,p25,p50,p75,p95,noise_sd"
#define LHS_TS_COLS "day,date,stage,metric,mean,p05,p25,p50,p75,p95"
enum { LH_MEAN = 2, LH_SD, LH_P05, LH_P25, LH_P50, LH_P75, LH_P95, LH_NOISE };
enum { LT_DATE = 1, LT_STAGE, LT_METRIC, LT_MEAN, LT_P05, LT_P25, LT_P50, LT_P75, LT_P95 };

/* The histogram of output k: Y's column `col` in about sqrt(n) bins (at least 5). */
static int lhs_hist(sa_ctx_t *cx, const table_t *t, long row, const table_t *y, int col)
{
    double lo = INFINITY, hi = -INFINITY, w, span, scale, top = 0, nums[12];
    char notes[256], t1[40], t2[40], t3[40];
    long n = 0, nb, *count;
    FILE *f;

    for (long r = 0; r < y->nrows; r++)
        if (isfinite(tnum(y, r, col))) {
            lo = fmin(lo, tnum(y, r, col));
            hi = fmax(hi, tnum(y, r, col));
            n++;
        }
    nb = n ? lround(sqrt((double)n)) : 0;
    if (nb < 5)
        nb = 5;
    if (n == 0) {
        lo = 0;
        hi = 1;
    } else if (!(hi > lo)) { /* every set gave the same value */
        double half = fmax(fabs(lo) * 0.05, 0.5);

        lo -= half;
        hi += half;
    }
    w = (hi - lo) / (double)nb;
    if (!(count = calloc((size_t)nb, sizeof *count))) {
        set_err(cx->err, cx->errlen, "out of memory: plots skipped");
        return -1;
    }
    for (long r = 0; r < y->nrows; r++)
        if (isfinite(tnum(y, r, col))) {
            long b = (long)floor((tnum(y, r, col) - lo) / w);

            count[b < 0 ? 0 : b >= nb ? nb - 1 : b]++;
        }
    for (long b = 0; b < nb; b++)
        top = fmax(top, (double)count[b]);
    nums[0] = n ? (double)nb : 0;
    nums[1] = lo;
    nums[2] = hi;
    for (int c = LH_P05; c <= LH_P95; c += 2) { /* the quantile lines in view too */
        if (isfinite(tnum(t, row, c))) {
            nums[1] = fmin(nums[1], tnum(t, row, c));
            nums[2] = fmax(nums[2], tnum(t, row, c));
        }
    }
    span = nums[2] - nums[1];
    nums[1] -= 0.04 * span;
    nums[2] += 0.04 * span;
    scale = display_scale(fmax(fabs(nums[1]), fabs(nums[2])));
    nums[1] /= scale;
    nums[2] /= scale;
    nums[3] = top > 0 ? top * 1.12 : 1;
    nums[4] = (double)n;
    nums[5] = tnum(t, row, LH_P05);
    nums[6] = tnum(t, row, LH_P50);
    nums[7] = tnum(t, row, LH_P95);
    nums[8] = tnum(t, row, LH_MEAN);
    nums[9] = tnum(t, row, LH_SD);
    nums[10] = tnum(t, row, LH_NOISE); /* (NaN if missing: not drawn) */
    for (int i = 5; i <= 8; i++)
        nums[i] /= scale;
    nums[11] = scale;
    /* the texts: median | 5th and 95th percentiles | the spread against the noise */
    fmt_res(tnum(t, row, LH_P50), span / 20, t1, sizeof t1);
    snprintf(notes, sizeof notes, "median: %s|", t1);
    fmt_res(tnum(t, row, LH_P05), span / 20, t1, sizeof t1);
    fmt_res(tnum(t, row, LH_P95), span / 20, t2, sizeof t2);
    snprintf(notes + strlen(notes), sizeof notes - strlen(notes),
             "5th and 95th percentiles: %s and %s|", t1, t2);
    fmt_res(tnum(t, row, LH_MEAN), span / 20, t1, sizeof t1);
    fmt_num(tnum(t, row, LH_SD), 3, t2, sizeof t2);
    fmt_num(tnum(t, row, LH_NOISE), 3, t3, sizeof t3);
    snprintf(notes + strlen(notes), sizeof notes - strlen(notes),
             "Across parameter sets: mean %s, standard deviation %s. Replication noise "
             "within a set: standard deviation %s.", t1, t2, t3);
    subject_of(&cx->subject, tcell(t, row, 0), tcell(t, row, 1));
    f = cx->subject.oom ? NULL
                        : plot_add(&cx->plots, "hist", "lhs-hist-", tcell(t, row, 0),
                                   tcell(t, row, 1), cx->subject.s, notes, nums, 12, cx->err,
                                   cx->errlen);
    if (f && n) { /* bin centre, count, low edge, high edge */
        for (long b = 0; b < nb; b++) {
            put_scaled(f, lo + (b + 0.5) * w, scale);
            fprintf(f, "\t%ld\t", count[b]);
            put_scaled(f, lo + b * w, scale);
            fputc('\t', f);
            put_scaled(f, lo + (b + 1) * w, scale);
            fputc('\n', f);
        }
    }
    free(count);
    if (!f)
        return -1;
    return plot_close(&cx->plots, f, cx->err, cx->errlen);
}

/* Is s a date as YYYY-MM-DD? */
static int is_date(const char *s)
{
    for (int i = 0; i < 10; i++)
        if (i == 4 || i == 7 ? s[i] != '-' : !isdigit((unsigned char)s[i]))
            return 0;
    return s[10] == '\0';
}

/* "Looked after: children open at each month end" for a fan chart of metric in stage
 * (into cx->subject); *colour: the stage's place in the scenario from 1, 0 for `all` or
 * a name the scenario does not have. */
static void fan_subject(sa_ctx_t *cx, const char *stage, const char *metric, int *colour)
{
    const char *title = stage;
    char step[64];

    *colour = 0;
    if (strcmp(stage, "all") == 0)
        title = "All open cases";
    for (int i = 0; i < cx->sc->n_stages; i++)
        if (cx->sc->stages[i].name && strcmp(cx->sc->stages[i].name, stage) == 0) {
            title = cx->sc->stages[i].title ? cx->sc->stages[i].title : stage;
            *colour = i + 1;
        }
    report_step(cx->sc, step, sizeof step);
    cx->subject.len = 0;
    if (cx->subject.s)
        cx->subject.s[0] = '\0';
    sb_text(&cx->subject, title);
    if (strcmp(metric, "stock") == 0 || strcmp(metric, "waiting") == 0) {
        sb_text(&cx->subject, strcmp(metric, "stock") == 0 ? ": children open "
                                                           : ": children waiting ");
        if (strcmp(step, "month") == 0) {
            sb_text(&cx->subject, "at each month end");
        } else {
            sb_text(&cx->subject, "every ");
            sb_text(&cx->subject, step);
        }
    } else if (strcmp(metric, "entries") == 0) {
        sb_text(&cx->subject, ": children entering per ");
        sb_text(&cx->subject, step);
    } else {
        sb_text(&cx->subject, ": ");
        sb_text(&cx->subject, metric);
    }
    sb_ensure(&cx->subject);
}

static int lhs_fans(sa_ctx_t *cx, const table_t *t, long nsets)
{
    int *of_row = NULL, npairs, rc = -1;
    long *first = NULL;

    for (long r = 0; r < t->nrows; r++)
        if (!is_date(tcell(t, r, LT_DATE))) {
            set_err(cx->err, cx->errlen,
                    "lhs_timeseries.csv:%ld: date is \"%.20s\", not YYYY-MM-DD: plots skipped",
                    t->line[r], tcell(t, r, LT_DATE));
            return -1;
        }
    if ((npairs = table_pairs(t, "lhs_timeseries.csv", LT_STAGE, LT_METRIC, &of_row, &first,
                              cx->err, cx->errlen)) < 0)
        goto out;
    for (int k = 0; k < npairs; k++) {
        const char *stage = tcell(t, first[k], LT_STAGE), *metric = tcell(t, first[k], LT_METRIC);
        double nums[3] = {0, 0, (double)nsets};
        int colour;
        FILE *f;

        for (long r = 0; r < t->nrows; r++)
            nums[0] += of_row[r] == k && isfinite(tnum(t, r, LT_P50));
        fan_subject(cx, stage, metric, &colour);
        nums[1] = colour;
        if (cx->subject.oom ||
            !(f = plot_add(&cx->plots, "fan", "lhs-fan-", stage, metric, cx->subject.s, NULL,
                           nums, 3, cx->err, cx->errlen)))
            goto out;
        /* date, mean, p05, p25, p50, p75, p95 */
        for (long r = 0; r < t->nrows; r++) {
            if (of_row[r] != k)
                continue;
            fputs(tcell(t, r, LT_DATE), f);
            for (int c = LT_MEAN; c <= LT_P95; c++) {
                fputc('\t', f);
                put_num(f, tnum(t, r, c));
            }
            fputc('\n', f);
        }
        if (plot_close(&cx->plots, f, cx->err, cx->errlen) != 0)
            goto out;
    }
    rc = 0;

out:
    free(of_row);
    free(first);
    return rc;
}

static int sa_lhs(sa_ctx_t *cx)
{
    table_t t, y = {0}, ts = {0};
    int *of_row = NULL, npairs, rc = -1, have_ts;
    long *first = NULL;
    char path[PATH_LEN];

    if (load_csv(cx, &t, "lhs.csv", LHS_COLS, "ttnnnnnnnn") != 0)
        return -1;
    if (load_csv(cx, &y, "Y.csv", NULL, NULL) != 0 ||
        (npairs = table_pairs(&t, "lhs.csv", 0, 1, &of_row, &first, cx->err, cx->errlen)) < 0)
        goto out;
    for (int k = 0; k < npairs; k++) {
        const char *metric = tcell(&t, first[k], 0), *stage = tcell(&t, first[k], 1);
        size_t lm = strlen(metric);
        int col = -1;

        for (int c = 0; c < y.ncols && col < 0; c++)
            if (strncmp(y.hdr[c], metric, lm) == 0 && y.hdr[c][lm] == ':' &&
                strcmp(y.hdr[c] + lm + 1, stage) == 0)
                col = c;
        if (col < 0) {
            set_err(cx->err, cx->errlen, "Y.csv has no column %s:%s for lhs.csv:%ld: plots skipped",
                    metric, stage, t.line[first[k]]);
            goto out;
        }
        if (lhs_hist(cx, &t, first[k], &y, col) != 0)
            goto out;
    }
    if ((have_ts = input_path(cx->out_dir, "lhs_timeseries.csv", path, cx->err, cx->errlen)) < 0)
        goto out;
    if (have_ts && (load_csv(cx, &ts, "lhs_timeseries.csv", LHS_TS_COLS, "ntttnnnnnn") != 0 ||
                    lhs_fans(cx, &ts, y.nrows) != 0))
        goto out;
    rc = 0;

out:
    free(of_row);
    free(first);
    table_free(&t);
    table_free(&y);
    table_free(&ts);
    return rc;
}

/* ---- plot_render_sensitivity ---------------------------------------------------------- */

static const struct {
    const char *name;
    int (*read)(sa_ctx_t *cx);
} sa_methods[] = {
    {"oat", sa_oat},
    {"morris", sa_morris},
    {"sobol", sa_sobol},
    {"lhs", sa_lhs},
};

int plot_render_sensitivity(const scenario_t *sc, const char *out_dir, const char *scripts_dir,
                            const char *method, char *err, size_t errlen)
{
    char script[PATH_LEN], data[PATH_LEN];
    strbuf_t title = {0};
    sa_ctx_t cx = {0};
    int m, rc = -1;

    if (err && errlen)
        err[0] = '\0';
    if (!out_dir) {
        set_err(err, errlen, "no output folder: plots skipped");
        return -1;
    }
    for (m = 0; m < (int)(sizeof sa_methods / sizeof sa_methods[0]); m++)
        if (method && strcmp(method, sa_methods[m].name) == 0)
            break;
    if (m == (int)(sizeof sa_methods / sizeof sa_methods[0])) {
        set_err(err, errlen,
                "unknown sensitivity method '%.40s' (oat, morris, sobol or lhs): plots skipped",
                method ? method : "(none)");
        return -1;
    }
    if (find_script(sc, scripts_dir, SA_SCRIPT, script, err, errlen) != 0)
        return -1;
    if (path_fmt(data, "%s/.plots.data.%ld", out_dir, (long)getpid()) != 0) {
        set_err(err, errlen, "%s: path too long: plots skipped", out_dir);
        return -1;
    }
    remove_tree(data); /* left over from an interrupted run of the same pid */
    if (mkdir(data, 0777) != 0) {
        set_err(err, errlen, "%s: %s: plots skipped", data, strerror(errno));
        return -1;
    }
    cx.sc = sc;
    cx.out_dir = out_dir;
    cx.plots.data_dir = data;
    cx.err = err;
    cx.errlen = errlen;
    if (sa_methods[m].read(&cx) != 0)
        goto out;

    /* the arguments: see the top of plots/sensitivity.gp */
    sb_text(&title, sc->title ? sc->title : sc->name ? sc->name : "careflow");
    sb_ensure(&title);
    sb_ensure(&cx.par.labels);
    sb_ensure(&cx.plots.list);
    if (title.oom || cx.par.labels.oom || cx.plots.list.oom) {
        set_err(err, errlen, "out of memory: plots skipped");
        goto out;
    }
    {
        const char *args[] = {title.s, cx.par.labels.s, cx.plots.list.s, "png svg", NULL};

        rc = draw(out_dir, data, script, args, err, errlen);
    }

out:
    remove_tree(data);
    free(title.s);
    free(cx.subject.s);
    free(cx.label.s);
    free(cx.plots.list.s);
    params_free(&cx.par);
    return rc;
}
