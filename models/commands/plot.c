/* plot.c: the plot driver. The plot module's files:
 *
 *   plot.h          the interface: plot_scripts_dir, plot_render, plot_render_compare,
 *                   plot_render_sensitivity
 *   plot_internal.h what the files below share (plot__*)
 *   plot.c          this file: finds the scripts, runs gnuplot with a log, checks every
 *                   image it drew and installs them as OUT/plots; growable strings,
 *                   paths and the scenario's lists for the others
 *   plot_table.c    a CSV read whole (over sim/csv, the project's one CSV reader)
 *   plot_run.c      a run's plots (plots/careflow.gp)
 *   plot_compare.c  a comparison's plots (plots/compare.gp)
 *   plot_sens.c     a sensitivity sweep's charts (plots/sensitivity.gp)
 *
 * gnuplot is started with fork/execvp, never through a shell, and every value it needs
 * goes in as a separate argument of `gnuplot -d -c SCRIPT ARG1 .. ARG9`: gnuplot
 * gives those to the script as string variables and never parses them as commands, so
 * a title with quotes or semicolons is only ever text. Lists (stage names, titles,
 * pools, alternatives) are joined with tabs; tabs and other control characters inside
 * a name or title are replaced by spaces first. The argument layouts are documented at
 * the top of each script; all start with the data folder and the folder to draw into.
 *
 * The images are drawn into OUT/.plots.tmp.PID. gnuplot exiting 0 is not enough: on a
 * full disk it exits 0 having written empty or cut files, so every file it drew is
 * checked (a PNG from its signature to its IEND chunk, an SVG ending in </svg>), each
 * image must come in both formats and the images the caller names must be there. Then
 * an older OUT/plots is moved aside, the temporary folder renamed to OUT/plots and the
 * old one removed. On any failure the temporary folder is removed and OUT/plots is left
 * as it was. Nothing outside OUT is created, changed or removed, so OUT may be a
 * staging folder that the caller swaps in whole. gnuplot's own output (warnings,
 * errors) goes to a log in the temporary folder; its last line becomes the error
 * message when gnuplot fails. */
#include "models/commands/plot.h"

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

#include "models/commands/plot_internal.h"
#include "models/commands/version.h"
#include "sim/err.h"
#include "sim/mem.h"

#define MAIN_SCRIPT "careflow.gp"
#define LOG_NAME "gnuplot.log"
#define SEARCH_LEVELS 3 /* parents of the executable's folder searched for plots/ */

/* ---- small helpers ------------------------------------------------------------------ */

int plot__path_fmt(char *buf, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(buf, PLOT_PATH_LEN, fmt, ap);
    va_end(ap);
    return (n < 0 || n >= PLOT_PATH_LEN) ? -1 : 0;
}

static int is_file(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

int plot__remove_tree(const char *path)
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
        char child[PLOT_PATH_LEN];

        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (plot__path_fmt(child, "%s/%s", path, de->d_name) != 0) {
            errno = ENAMETOOLONG;
            rc = -1;
            continue;
        }
        if (plot__remove_tree(child) != 0)
            rc = -1;
    }
    closedir(d);
    if (rmdir(path) != 0)
        rc = -1;
    return rc;
}

/* ---- growable strings ------------------------------------------------------------------ */

void plot__sb_putc(plot__sb_t *b, char c)
{
    if (b->oom)
        return;
    if (b->len + 2 > b->cap) {
        size_t cap = b->cap ? 2 * b->cap : 64;
        char *s = mem_realloc(b->s, cap);

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

void plot__sb_text(plot__sb_t *b, const char *text)
{
    for (const unsigned char *p = (const unsigned char *)(text ? text : ""); *p; p++)
        plot__sb_putc(b, (char)((*p < 0x20 || *p == 0x7f) ? ' ' : *p));
}

void plot__sb_item(plot__sb_t *b, const char *text)
{
    if (b->len > 0)
        plot__sb_putc(b, '\t');
    plot__sb_text(b, text);
}

void plot__sb_ensure(plot__sb_t *b)
{
    if (!b->s && !b->oom && !(b->s = mem_calloc(1, 1)))
        b->oom = 1;
}

void plot__sb_clear(plot__sb_t *b)
{
    b->len = 0;
    if (b->s)
        b->s[0] = '\0';
}

void plot__sb_free(plot__sb_t *b)
{
    mem_free(b->s);
    *b = (plot__sb_t){0};
}

static int has_main_script(const char *dir)
{
    char path[PLOT_PATH_LEN];

    return plot__path_fmt(path, "%s/%s", dir, MAIN_SCRIPT) == 0 && is_file(path);
}

const char *plot_scripts_dir(char *buf, size_t len)
{
    const char *env = getenv("CAREFLOW_PLOTS");
    char exe[PLOT_PATH_LEN];
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
        char cand[PLOT_PATH_LEN];
        char *slash = strrchr(exe, '/');

        if (!slash)
            break;
        *slash = '\0'; /* exe is now the folder searched */
        if (plot__path_fmt(cand, "%s/plots", *exe ? exe : "") != 0)
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

/* errno's text, for messages */
#define ERRNO_TEXT(e) sim_errno_text((e), ebuf, sizeof ebuf)

/* Runs argv[0] (found on PATH) with stdin from /dev/null and stdout and stderr into
 * log_path. Returns its exit status (0..255), or SIM_EIO with err set if it could not
 * be started or did not exit normally. */
static int run_logged(char *const argv[], const char *log_path, char *err, size_t errlen)
{
    int logfd, nullfd = -1, pfd[2] = {-1, -1}, status, exec_errno = 0, e;
    char ebuf[128];
    ssize_t got;
    pid_t pid;

    logfd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (logfd < 0)
        return sim_err_set(err, errlen, SIM_EIO, "%s: %s: plots skipped", log_path,
                           ERRNO_TEXT(errno));
    /* the pipe's write end closes on a successful exec; an exec failure writes errno */
    if ((nullfd = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0 || pipe(pfd) != 0 ||
        fcntl(pfd[0], F_SETFD, FD_CLOEXEC) != 0 || fcntl(pfd[1], F_SETFD, FD_CLOEXEC) != 0 ||
        (pid = fork()) < 0) {
        e = errno;
        close(logfd);
        if (nullfd >= 0)
            close(nullfd);
        if (pfd[0] >= 0) {
            close(pfd[0]);
            close(pfd[1]);
        }
        return sim_err_set(err, errlen, SIM_EIO, "cannot start gnuplot: %s: plots skipped",
                           ERRNO_TEXT(e));
    }
    if (pid == 0) {
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
    do
        got = read(pfd[0], &exec_errno, sizeof exec_errno);
    while (got < 0 && errno == EINTR);
    close(pfd[0]);
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return sim_err_set(err, errlen, SIM_EIO, "waiting for gnuplot: %s: plots skipped",
                               ERRNO_TEXT(errno));
    if (got == (ssize_t)sizeof exec_errno) {
        if (exec_errno == ENOENT)
            return sim_err_set(err, errlen, SIM_EIO, "gnuplot not found: plots skipped");
        return sim_err_set(err, errlen, SIM_EIO, "cannot run gnuplot: %s: plots skipped",
                           ERRNO_TEXT(exec_errno));
    }
    if (!WIFEXITED(status))
        return sim_err_set(err, errlen, SIM_EIO,
                           "gnuplot was killed by signal %d: plots skipped",
                           WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    return WEXITSTATUS(status);
}

/* ---- checking what gnuplot drew ---------------------------------------------------------- */

/* Is the file at path a complete image of its kind? A PNG: the 8-byte signature, and
 * its last 12 bytes the IEND chunk (length 0, "IEND", its fixed CRC). An SVG: it ends,
 * after white space, with "</svg>". Other kinds: not empty. */
static int image_complete(const char *path, const char *ext)
{
    static const unsigned char png_sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    static const unsigned char png_end[12] = {0, 0, 0, 0, 'I', 'E', 'N', 'D',
                                              0xAE, 0x42, 0x60, 0x82};
    unsigned char head[8], tail[64];
    FILE *f = fopen(path, "rb");
    long size;
    size_t n;
    int ok = 0;

    if (!f)
        return 0;
    if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) <= 0)
        goto out;
    if (strcmp(ext, "png") == 0) {
        ok = size >= 20 && fseek(f, 0, SEEK_SET) == 0 && fread(head, 1, 8, f) == 8 &&
             memcmp(head, png_sig, 8) == 0 && fseek(f, size - 12, SEEK_SET) == 0 &&
             fread(tail, 1, 12, f) == 12 && memcmp(tail, png_end, 12) == 0;
    } else if (strcmp(ext, "svg") == 0) {
        n = size < (long)sizeof tail ? (size_t)size : sizeof tail;
        if (fseek(f, size - (long)n, SEEK_SET) != 0 || fread(tail, 1, n, f) != n)
            goto out;
        while (n > 0 && strchr(" \t\r\n", tail[n - 1]) && tail[n - 1])
            n--;
        ok = n >= 6 && memcmp(tail + n - 6, "</svg>", 6) == 0;
    } else {
        ok = 1;
    }
out:
    fclose(f);
    return ok;
}

/* Does dir hold a regular file base.ext? */
static int has_image(const char *dir, const char *base, size_t blen, const char *ext)
{
    char path[PLOT_PATH_LEN];

    return plot__path_fmt(path, "%s/%.*s.%s", dir, (int)blen, base, ext) == 0 &&
           is_file(path);
}

/* Checks the images in dir (see plot__draw): 0, or SIM_EIO "plot FILE is empty or
 * incomplete" / "plot FILE is missing" with err set. */
static int check_images(const char *dir, const char *expect, char *err, size_t errlen)
{
    static const char *const ext[2] = {"png", "svg"};
    char path[PLOT_PATH_LEN], ebuf[128];
    struct dirent *de;
    DIR *d = opendir(dir);
    int images = 0, rc = 0;

    if (!d)
        return sim_err_set(err, errlen, SIM_EIO, "%s: %s: plots skipped", dir,
                           ERRNO_TEXT(errno));
    while (rc == 0 && (de = readdir(d)) != NULL) {
        const char *dot = strrchr(de->d_name, '.');

        if (de->d_name[0] == '.' || strcmp(de->d_name, LOG_NAME) == 0)
            continue;
        if (plot__path_fmt(path, "%s/%s", dir, de->d_name) != 0 ||
            !image_complete(path, dot ? dot + 1 : "")) {
            rc = sim_err_set(err, errlen, SIM_EIO, "plot %s is empty or incomplete: plots "
                             "skipped", de->d_name);
            break;
        }
        for (int k = 0; k < 2 && dot; k++) /* each image in the other format too */
            if (strcmp(dot + 1, ext[k]) == 0) {
                images++;
                if (!has_image(dir, de->d_name, (size_t)(dot - de->d_name), ext[1 - k]))
                    rc = sim_err_set(err, errlen, SIM_EIO, "plot %.*s.%s is missing: plots "
                                     "skipped", (int)(dot - de->d_name), de->d_name,
                                     ext[1 - k]);
            }
    }
    closedir(d);
    if (rc == 0 && images == 0)
        rc = sim_err_set(err, errlen, SIM_EIO, "gnuplot drew no plot: plots skipped");
    for (const char *p = expect; rc == 0 && p && *p;) { /* the images named */
        size_t n = strcspn(p, "\t");

        for (int k = 0; k < 2 && rc == 0; k++)
            if (!has_image(dir, p, n, ext[k]))
                rc = sim_err_set(err, errlen, SIM_EIO, "plot %.*s.%s is missing: plots "
                                 "skipped", (int)n, p, ext[k]);
        p += n + (p[n] == '\t');
    }
    return rc;
}

/* Moves tmp to OUT/plots, replacing an older one. 0, or SIM_EIO with err set (tmp is
 * left for the caller to remove; OUT/plots is as it was). */
static int install(const char *tmp, const char *out_dir, char *err, size_t errlen)
{
    char dst[PLOT_PATH_LEN], old[PLOT_PATH_LEN], ebuf[128];
    struct stat st;
    int have_old, e;

    if (plot__path_fmt(dst, "%s/plots", out_dir) != 0 ||
        plot__path_fmt(old, "%s/.plots.old.%ld", out_dir, (long)getpid()) != 0)
        return sim_err_set(err, errlen, SIM_EINVAL, "%s: path too long: plots skipped",
                           out_dir);
    have_old = lstat(dst, &st) == 0;
    if (have_old) {
        plot__remove_tree(old); /* left over from an interrupted run */
        if (rename(dst, old) != 0)
            return sim_err_set(err, errlen, SIM_EIO, "%s: %s: plots skipped", dst,
                               ERRNO_TEXT(errno));
    }
    if (rename(tmp, dst) != 0) {
        e = errno;
        if (have_old)
            rename(old, dst); /* put the earlier plots back */
        return sim_err_set(err, errlen, SIM_EIO, "%s: %s: plots skipped", dst, ERRNO_TEXT(e));
    }
    if (have_old)
        plot__remove_tree(old);
    return 0;
}

/* ---- what every rendering shares ----------------------------------------------------- */

int plot__find_script(const scenario_t *sc, const char *out_dir, const char *scripts_dir,
                      const char *name, char *script, char *err, size_t errlen)
{
    char dirbuf[PLOT_PATH_LEN];

    if (!out_dir)
        return sim_err_set(err, errlen, SIM_EINVAL, "no output folder: plots skipped");
    if (!sc || sc->n_stages < 1 || sc->n_stages > SCN_MAX_STAGES)
        return sim_err_set(err, errlen, SIM_EINVAL, "no scenario to plot: plots skipped");
    if (!scripts_dir)
        scripts_dir = plot_scripts_dir(dirbuf, sizeof dirbuf);
    if (!scripts_dir)
        return sim_err_set(err, errlen, SIM_EIO,
                           "plot scripts not found (set CAREFLOW_PLOTS): plots skipped");
    if (plot__path_fmt(script, "%s/%s", scripts_dir, name) != 0 || !is_file(script))
        return sim_err_set(err, errlen, SIM_EIO, "%s/%s not found: plots skipped",
                           scripts_dir, name);
    return 0;
}

int plot__input_path(const char *out_dir, const char *name, char *path, char *err,
                     size_t errlen)
{
    if (plot__path_fmt(path, "%s/%s", out_dir, name) != 0)
        return sim_err_set(err, errlen, SIM_EINVAL, "%s: path too long: plots skipped",
                           out_dir);
    return is_file(path);
}

const char *plot__title(const scenario_t *sc)
{
    return sc->title ? sc->title : sc->name ? sc->name : "careflow";
}

void plot__stage_lists(const scenario_t *sc, plot__sb_t *title, plot__sb_t *names,
                       plot__sb_t *titles)
{
    for (int i = 0; i < sc->n_stages; i++) {
        plot__sb_item(names, sc->stages[i].name);
        plot__sb_item(titles, sc->stages[i].title ? sc->stages[i].title : sc->stages[i].name);
    }
    plot__sb_text(title, plot__title(sc));
    plot__sb_ensure(title);
    plot__sb_ensure(names);
    plot__sb_ensure(titles);
}

#define MIDDOT " \xc2\xb7 " /* " · " in UTF-8: the footer's separator */

void plot__footer(plot__sb_t *b, const char *name, uint64_t seed, int reps, const char *per,
                  const char *note)
{
    char num[96];

    plot__sb_text(b, "careflow " CAREFLOW_VERSION MIDDOT);
    plot__sb_text(b, name && *name ? name : "careflow");
    snprintf(num, sizeof num, MIDDOT "seed %llu" MIDDOT "%d replication%s",
             (unsigned long long)seed, reps, reps == 1 ? "" : "s");
    plot__sb_text(b, num);
    if (per && *per) {
        plot__sb_putc(b, ' ');
        plot__sb_text(b, per);
    }
    if (note && *note) {
        plot__sb_text(b, MIDDOT);
        plot__sb_text(b, note);
    }
}

void plot__title_footer(plot__sb_t *title, const scenario_t *sc, const char *per,
                        const char *note)
{
    plot__sb_putc(title, '\t');
    plot__footer(title, sc->name, sc->seed, sc->replications, per, note);
}

void plot__report_step(const scenario_t *sc, char *step, size_t len)
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

int plot__draw(const char *out_dir, const char *data_dir, const char *script,
               const char *const args[], const char *expect, char *err, size_t errlen)
{
    char tmp[PLOT_PATH_LEN], log_path[PLOT_PATH_LEN], line[512], ebuf[128];
    char *argv[6 + PLOT_MAX_SCRIPT_ARGS + 1];
    int n = 0, rc;

    if (plot__path_fmt(tmp, "%s/.plots.tmp.%ld", out_dir, (long)getpid()) != 0 ||
        plot__path_fmt(log_path, "%s/%s", tmp, LOG_NAME) != 0)
        return sim_err_set(err, errlen, SIM_EINVAL, "%s: path too long: plots skipped",
                           out_dir);
    argv[n++] = "gnuplot";
    argv[n++] = "-d";
    argv[n++] = "-c";
    argv[n++] = (char *)script;
    argv[n++] = (char *)(data_dir ? data_dir : out_dir);
    argv[n++] = tmp;
    for (int i = 0; args[i]; i++) {
        if (i == PLOT_MAX_SCRIPT_ARGS)
            return sim_err_set(err, errlen, SIM_EINVAL,
                               "too many arguments for gnuplot: plots skipped");
        argv[n++] = (char *)args[i];
    }
    argv[n] = NULL;

    plot__remove_tree(tmp); /* left over from an interrupted run of the same pid */
    if (mkdir(tmp, 0777) != 0)
        return sim_err_set(err, errlen, SIM_EIO, "%s: %s: plots skipped", tmp,
                           ERRNO_TEXT(errno));
    rc = run_logged(argv, log_path, err, errlen);
    if (rc > 0) {
        last_log_line(log_path, line, sizeof line);
        rc = sim_err_set(err, errlen, SIM_EIO, "gnuplot failed%s%s: plots skipped",
                         *line ? ": " : "", line);
    }
    if (rc == 0) {
        unlink(log_path);
        rc = check_images(tmp, expect, err, errlen);
    }
    if (rc == 0)
        rc = install(tmp, out_dir, err, errlen);
    if (rc != 0)
        plot__remove_tree(tmp);
    return rc;
}
