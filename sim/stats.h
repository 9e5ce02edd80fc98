/* stats.h: statistics: time-weighted averages over a window, summaries across
 * replications with Student-t intervals, and empirical quantiles. */
#ifndef SIM_STATS_H
#define SIM_STATS_H

/* Time-weighted average of a piecewise-constant quantity over [t0, t_end]: changes
 * before t0 (the warm-up) update the value but add no area. */
typedef struct tw {
    double t0;     /* private: window start */
    double last_t; /* private: time of the last change */
    double v;      /* read-only: current value */
    double area;   /* private: integral of v over [t0, last_t] */
} tw_t;

void tw_init(tw_t *w, double t0, double t, double v); /* value v from time t */
/* The value becomes v at time t >= the last change (inline: it is on the hot path). */
static inline void tw_set(tw_t *w, double t, double v)
{
    double from = w->last_t > w->t0 ? w->last_t : w->t0;
    if (t > from) w->area += w->v * (t - from);
    w->last_t = t;
    w->v = v;
}
static inline void tw_add(tw_t *w, double t, double dv) { tw_set(w, t, w->v + dv); }
/* Integral of the value over [t0, t_end] (0 if t_end <= t0). */
double tw_area(const tw_t *w, double t_end);
/* Mean over [t0, t_end] (t_end > t0); 0 if the window is empty. */
double tw_mean(const tw_t *w, double t_end);

/* Summary across n values: mean, sample sd (n - 1), and the 95% Student-t interval
 * mean -/+ t(0.975, n-1) sd / sqrt(n). With n == 1, sd and the interval are NaN
 * (the writer prints them empty). */
typedef struct summ {
    double mean; /* sample mean (NaN when n < 1) */
    double sd;   /* sample sd, divisor n - 1 (NaN when n < 2) */
    double lo;   /* lower end of the 95% t interval (NaN when n < 2) */
    double hi;   /* upper end (NaN when n < 2) */
    int n;       /* values summarised */
} summ_t;
void stats_summarise(const double *x, int n, summ_t *out);

/* Quantile p of Student's t with df degrees of freedom (df >= 1), accurate to 1e-9
 * (absolute for |t| <= 1, relative beyond) up to df = 1e6; NaN for df < 1 or p outside [0, 1]. */
double stats_t_quantile(double p, int df);

/* Empirical quantile p in [0, 1] of n sorted values, linear interpolation between
 * order statistics (R's type 7). */
double stats_quantile_sorted(const double *sorted, int n, double p);

/* Sorts x[0..n) ascending in place (doubles, NaN last). */
void stats_sort(double *x, int n);

#endif
