/* runner.c: TEMPORARY forwarding functions for models/commands/sensitivity.c only.
 *
 * runner.c's jobs have moved: `careflow run` to run.c, compare to compare.c, the
 * figures to figures.c, the run's files to outputs.c, and the services to sim/
 * (signals, progress, fmt, pool, outtx). sensitivity.c still calls the runner__
 * functions below; they go, with this file, when it adopts those modules. */
#include "models/commands/runner.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "models/commands/figures.h"
#include "sim/err.h"
#include "sim/fmt.h"
#include "sim/progress.h"

int runner__wait_workers(pthread_mutex_t *mu, pthread_cond_t *cv, atomic_int *running)
{
    pthread_mutex_lock(mu);
    if (atomic_load(running) > 0) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += 100 * 1000 * 1000;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(cv, mu, &until);
    }
    int n = atomic_load(running);
    pthread_mutex_unlock(mu);
    return n;
}

void runner__worker_done(pthread_mutex_t *mu, pthread_cond_t *cv, atomic_int *running)
{
    pthread_mutex_lock(mu);
    atomic_fetch_sub(running, 1);
    pthread_cond_signal(cv);
    pthread_mutex_unlock(mu);
}

static void format_eta(double s, char *out, size_t len)
{
    long t = (long)(s + 0.5);
    if (t < 60)
        snprintf(out, len, "%lds", t);
    else if (t < 3600)
        snprintf(out, len, "%ldm%02lds", t / 60, t % 60);
    else
        snprintf(out, len, "%ldh%02ldm", t / 3600, (t % 3600) / 60);
}

static void bar_draw_what(double frac, int done, int n, const char *what, double elapsed,
                          int *width)
{
    enum { CELLS = 24 };
    char cells[CELLS + 1], eta[32], line[160];
    int filled = (int)(frac * CELLS);
    for (int i = 0; i < CELLS; i++)
        cells[i] = i < filled ? '#' : '.';
    cells[CELLS] = '\0';
    if (frac > 0.001)
        format_eta(elapsed * (1 - frac) / frac, eta, sizeof eta);
    else
        snprintf(eta, sizeof eta, "?");
    int w = snprintf(line, sizeof line, "  [%s] %3d%%  %d/%d %s  ETA %s", cells,
                     (int)(frac * 100), done, n, what, eta);
    if (w < 0)
        return;
    fprintf(stderr, "\r%s%*s", line, *width > w ? *width - w : 0, "");
    fflush(stderr);
    if (w > *width)
        *width = w;
}

static int mkdir_p(const char *path)
{
    char buf[PATH_MAX];
    size_t n = strlen(path);
    if (n == 0 || n >= sizeof buf) {
        errno = n ? ENAMETOOLONG : ENOENT;
        return -1;
    }
    memcpy(buf, path, n + 1);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, 0777) != 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    if (mkdir(buf, 0777) != 0 && errno != EEXIST)
        return -1;
    struct stat st;
    if (stat(buf, &st) != 0)
        return -1;
    if (!S_ISDIR(st.st_mode)) {
        errno = ENOTDIR;
        return -1;
    }
    return 0;
}

static int join_path(char *out, size_t len, const char *dir, const char *prefix,
                     const char *name, const char *suffix)
{
    size_t dl = strlen(dir);
    const char *sep = dl > 0 && dir[dl - 1] == '/' ? "" : "/";
    int w = snprintf(out, len, "%s%s%s%s%s", dir, sep, prefix, name, suffix);
    return w < 0 || (size_t)w >= len ? -1 : 0;
}

static int write_file(const char *dir, const char *name, runner__writer_fn w, void *ctx, char *tmp,
                      size_t tmplen, char *err, size_t errlen)
{
    char suffix[32], ebuf[128];
    snprintf(suffix, sizeof suffix, ".tmp.%ld", (long)getpid());
    if (join_path(tmp, tmplen, dir, ".", name, suffix)) {
        snprintf(err, errlen, "output folder name too long: %s", dir);
        return -1;
    }
    FILE *f = fopen(tmp, "w");
    if (!f) {
        snprintf(err, errlen, "cannot write %s: %s", tmp, sim_errno_text(errno, ebuf, sizeof ebuf));
        tmp[0] = '\0';
        return -1;
    }
    w(f, ctx);
    int bad = ferror(f);
    if (fclose(f) != 0 || bad) {
        snprintf(err, errlen, "cannot write %s: %s", tmp, sim_errno_text(errno ? errno : EIO, ebuf, sizeof ebuf));
        return -1;
    }
    return 0;
}

void runner__signals_catch(runner__sigsave_t *s) { signals_catch(s); }
void runner__signals_restore(const runner__sigsave_t *s) { signals_restore(s); }
int runner__signal(void) { return signals_caught(); }
void runner__files_begun(void) { signals_writing(); }
const char *runner__signal_name(int sig) { return signals_name(sig); }
double runner__now(void) { return progress_now(); }
void runner__put_field(FILE *f, const char *s) { fmt_field(f, s); }
void runner__put_num(FILE *f, double x) { fmt_num(f, x); }
void runner__put_json_str(FILE *f, const char *s) { fmt_json_str(f, s); }
int runner__mkdir_p(const char *path) { return mkdir_p(path); }

int runner__join_path(char *out, size_t len, const char *dir, const char *prefix,
                      const char *name, const char *suffix)
{
    return join_path(out, len, dir, prefix, name, suffix);
}

int runner__write_file(const char *dir, const char *name, runner__writer_fn w, void *ctx,
                       char *tmp, size_t tmplen, char *err, size_t errlen)
{
    return write_file(dir, name, w, ctx, tmp, tmplen, err, errlen);
}

void runner__bar_draw(double frac, int done, int n, const char *what, double elapsed,
                      int *width)
{
    bar_draw_what(frac, done, n, what, elapsed, width);
}

int runner__figure_find(const scenario_t *sc, const model_plan_t *plan, const char *metric,
                        const char *stage)
{
    int at;
    return figures_find(sc, plan, metric, stage, &at) != 0 ? -2 : at;
}

int runner__figure_values(const scenario_t *sc, const model_plan_t *plan,
                          const model_result_t *r, const int *idx, int n, double *v)
{
    return figures_values(sc, plan, r, idx, n, v) != 0 ? -1 : 0;
}

int runner__figure_names(const scenario_t *sc, const model_plan_t *plan, char *buf,
                         size_t len, const char *metric)
{
    return figures_names(sc, plan, buf, len, metric) != 0 ? -1 : 0;
}
