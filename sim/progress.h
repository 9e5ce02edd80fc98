/* progress.h: the monotonic clock and the progress bar drawn on stderr.
 *
 * The bar, "\r  [####....]  42%  8/20 WHAT  ETA 3s", appears only when enabled (the
 * caller passes !quiet && isatty(2)) and only after the first second; it never steps
 * back, and progress_clear() wipes it. It holds no state of its own besides the
 * caller's progress_t; writing to stderr is its one effect. Main thread only. */
#ifndef SIM_PROGRESS_H
#define SIM_PROGRESS_H

/* Seconds on the monotonic clock (for durations only). */
double progress_now(void);

/* One bar; the caller owns it (on its stack). */
typedef struct progress {
    const char *what; /* read-only: the unit counted, e.g. "replications" */
    int enabled;      /* read-only: 0: draw nothing */
    double t0;        /* private: progress_now() at progress_start() */
    double shown;     /* private: the largest fraction drawn */
    int width;        /* private: the widest line drawn (to pad over) */
    int drawn;        /* private: 1 once something is on screen */
} progress_t;

void progress_start(progress_t *p, const char *what, int enabled);
/* Draws frac (0..1) of the work, `done` of `n` units, unless less than one second has
 * passed since progress_start(). */
void progress_draw(progress_t *p, double frac, int done, int n);
void progress_clear(progress_t *p); /* wipes the bar if drawn */

#endif
