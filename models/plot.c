/* plot.c: runs gnuplot on plots/careflow.gp to draw a finished run's plots.
 *
 * gnuplot is started with fork/execvp, never through a shell, and every value it needs
 * goes in as a separate argument of `gnuplot -d -c careflow.gp ARG1 .. ARG9`: gnuplot
 * gives those to the script as string variables and never parses them as commands, so
 * a title with quotes or semicolons is only ever text. Lists (stage names, titles,
 * pools) are joined with tabs; tabs and other control characters inside a name or
 * title are replaced by spaces first. The argument layout is documented at the top of
 * plots/careflow.gp.
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

int plot_render(const scenario_t *sc, const char *out_dir, const char *scripts_dir,
                char *err, size_t errlen)
{
    char dirbuf[PATH_LEN], script[PATH_LEN], tmp[PATH_LEN], log_path[PATH_LEN];
    char path[PATH_LEN], flags[SCN_MAX_STAGES + 1], step[64], options[32], line[512];
    strbuf_t title = {0}, names = {0}, titles = {0}, pools = {0};
    int have_tmp = 0, rc = -1, status;

    if (err && errlen)
        err[0] = '\0';
    if (!sc || !out_dir || sc->n_stages < 1 || sc->n_stages > SCN_MAX_STAGES) {
        set_err(err, errlen, "no scenario to plot: plots skipped");
        return -1;
    }
    if (!scripts_dir)
        scripts_dir = plot_scripts_dir(dirbuf, sizeof dirbuf);
    if (!scripts_dir) {
        set_err(err, errlen, "plot scripts not found (set CAREFLOW_PLOTS): plots skipped");
        return -1;
    }
    if (path_fmt(script, "%s/%s", scripts_dir, MAIN_SCRIPT) != 0 || !is_file(script)) {
        set_err(err, errlen, "%s/%s not found: plots skipped", scripts_dir, MAIN_SCRIPT);
        return -1;
    }
    if (path_fmt(path, "%s/timeseries.csv", out_dir) != 0 || !is_file(path)) {
        set_err(err, errlen, "%s/timeseries.csv not found: plots skipped", out_dir);
        return -1;
    }

    /* the arguments: see the top of plots/careflow.gp */
    for (int i = 0; i < sc->n_stages; i++) {
        int served = 0;

        for (int p = 0; p < sc->n_pools && !served; p++)
            for (int k = 0; k < sc->pools[p].n_serves; k++)
                served |= sc->pools[p].serves[k] == i;
        sb_item(&names, sc->stages[i].name);
        sb_item(&titles, sc->stages[i].title ? sc->stages[i].title : sc->stages[i].name);
        flags[i] = (char)('0' + (sc->stages[i].open_case ? 1 : 0) + (served ? 2 : 0));
    }
    flags[sc->n_stages] = '\0';
    for (int p = 0; p < sc->n_pools; p++) {
        char cap[32];

        snprintf(cap, sizeof cap, "%g", sc->pools[p].caseload_cap);
        sb_item(&pools, sc->pools[p].name);
        sb_item(&pools, cap);
    }
    sb_text(&title, sc->title ? sc->title : sc->name ? sc->name : "careflow");
    sb_ensure(&title);
    sb_ensure(&names);
    sb_ensure(&titles);
    sb_ensure(&pools);
    if (title.oom || names.oom || titles.oom || pools.oom) {
        set_err(err, errlen, "out of memory: plots skipped");
        goto out;
    }
    if (sc->report_monthly)
        snprintf(step, sizeof step, "month");
    else if (sc->report_every == 1.0)
        snprintf(step, sizeof step, "day");
    else if (sc->report_every == 7.0)
        snprintf(step, sizeof step, "week");
    else
        snprintf(step, sizeof step, "%g days", sc->report_every);
    snprintf(options, sizeof options, "png svg%s",
             (path_fmt(path, "%s/fit.csv", out_dir) == 0 && is_file(path)) ? " fit" : "");

    if (path_fmt(tmp, "%s/.plots.tmp.%ld", out_dir, (long)getpid()) != 0 ||
        path_fmt(log_path, "%s/%s", tmp, LOG_NAME) != 0) {
        set_err(err, errlen, "%s: path too long: plots skipped", out_dir);
        goto out;
    }
    remove_tree(tmp); /* left over from an interrupted run of the same pid */
    if (mkdir(tmp, 0777) != 0) {
        set_err(err, errlen, "%s: %s: plots skipped", tmp, strerror(errno));
        goto out;
    }
    have_tmp = 1;

    {
        char *argv[] = {"gnuplot", "-d", "-c", script, (char *)out_dir, tmp, title.s, names.s,
                        titles.s, flags, pools.s, step, options, NULL};

        status = run_logged(argv, log_path, err, errlen);
    }
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
    have_tmp = 0;
    rc = 0;

out:
    if (have_tmp)
        remove_tree(tmp);
    free(title.s);
    free(names.s);
    free(titles.s);
    free(pools.s);
    return rc;
}
