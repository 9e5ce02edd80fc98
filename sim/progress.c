/* progress.c: see progress.h. */
#include "sim/progress.h"

#include <stdio.h>
#include <time.h>

double progress_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
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

void progress_start(progress_t *p, const char *what, int enabled)
{
    p->what = what;
    p->enabled = enabled;
    p->t0 = progress_now();
    p->shown = 0;
    p->width = 0;
    p->drawn = 0;
}

void progress_draw(progress_t *p, double frac, int done, int n)
{
    enum { CELLS = 24 };
    char cells[CELLS + 1], eta[32], line[160];
    double elapsed = progress_now() - p->t0;
    if (!p->enabled || elapsed <= 1.0)
        return;
    frac = frac > 1 ? 1 : frac < p->shown ? p->shown : frac; /* never step back */
    p->shown = frac;
    int filled = (int)(frac * CELLS);
    for (int i = 0; i < CELLS; i++)
        cells[i] = i < filled ? '#' : '.';
    cells[CELLS] = '\0';
    if (frac > 0.001)
        format_eta(elapsed * (1 - frac) / frac, eta, sizeof eta);
    else
        snprintf(eta, sizeof eta, "?");
    int w = snprintf(line, sizeof line, "  [%s] %3d%%  %d/%d %s  ETA %s", cells,
                     (int)(frac * 100), done, n, p->what, eta);
    if (w < 0)
        return;
    fprintf(stderr, "\r%s%*s", line, p->width > w ? p->width - w : 0, "");
    fflush(stderr);
    if (w > p->width)
        p->width = w;
    p->drawn = 1;
}

void progress_clear(progress_t *p)
{
    if (!p->drawn)
        return;
    fprintf(stderr, "\r%*s\r", p->width, "");
    fflush(stderr);
    p->drawn = 0;
}
