/* km.h: the Kaplan-Meier estimate of a survival function from right-censored and
 * optionally left-truncated times, with Greenwood's variance and quantiles (the median
 * and others) with confidence intervals.
 *
 * Given n observations (time t_k >= 0, event e_k: 1 = the event happened at t_k,
 * 0 = censored at t_k, i.e. still going then), the estimate is a step function over
 * the distinct event times t_1 < ... < t_m:
 *   S(t) = prod_{t_i <= t} (1 - d_i / n_i),
 * d_i the events at t_i, n_i the observations with time >= t_i (at risk; a time
 * censored at t_i counts as at risk at t_i, the usual convention). With delayed entry
 * (left truncation: observation k is in the data only because it had not ended before
 * its entry time e_k <= t_k), n_i counts the observations with e_k <= t_i <= t_k: an
 * observation joins the risk set at its entry (an event at its entry time counts, as
 * the data hold it because it lasted at least that long). Greenwood:
 *   Var S(t) = S(t)^2 sum_{t_i <= t} d_i / (n_i (n_i - d_i)).
 * Pointwise intervals use the log-log transform (Kalbfleisch and Prentice):
 *   S(t)^exp(+-z se), se = sqrt(Var S) / (S |log S|),
 * and a quantile's interval is Brookmeyer and Crowley's construction on that
 * transform, computed as R's survfit does: the lower limit is the quantile of the
 * lower pointwise band and the upper limit the quantile of the upper band.
 *
 * Invariants of a fit: t[] strictly increasing, s[] non-increasing in [0, 1], var[]
 * >= 0 (0 where s is 0 or 1), at_risk[i] >= events[i] >= 1. With delayed entry, S
 * estimates survival conditional on lasting past the earliest entry with events after
 * it; a small risk set early on makes it unstable (a caller may require enough at risk). The fit owns its arrays
 * (km_free). Generic: nothing here knows what the times measure. */
#ifndef SIM_KM_H
#define SIM_KM_H

#include <stddef.h>

typedef struct km {
    int m;            /* distinct event times */
    double *t;        /* [m] event times, ascending */
    double *s;        /* [m] S just after t[i] (events at t[i] included) */
    double *var;      /* [m] Greenwood variance of s[i] */
    long *at_risk;    /* [m] n_i: observations with entry <= t[i] <= time */
    long *events;     /* [m] d_i: events at t[i] */
    long n;           /* observations */
    long n_late;      /* of which with a delayed entry (entry > 0) */
    long n_events;    /* of which events (the rest censored) */
    double t_max;     /* largest time observed, event or censored (0 when n == 0) */
} km_t;

/* Fits the estimate to time[0..n) with event[k] != 0 for an event, 0 for censored.
 * Returns 0 and fills *out; SIM_EINVAL when a time is negative or not finite (nothing
 * to free); SIM_ENOMEM (nothing to free). n == 0 gives an empty fit (m == 0, S = 1). */
int km_fit(const double *time, const unsigned char *event, size_t n, km_t *out);

/* As km_fit, each observation entering the risk set at entry[k] (0 <= entry[k] <=
 * time[k]; entry NULL: every entry 0, exactly km_fit). SIM_EINVAL when an entry is
 * negative, not finite or after its time. */
int km_fit_entry(const double *time, const double *entry, const unsigned char *event,
                 size_t n, km_t *out);

void km_free(km_t *k);

/* S(t): 1 before the first event time; the last value after the last. */
double km_surv(const km_t *k, double t);

/* Greenwood standard error of S(t) (0 before the first event time). */
double km_se(const km_t *k, double t);

/* The pointwise interval of S(t) at level conf (e.g. 0.95) on the log-log scale. */
void km_band(const km_t *k, double t, double conf, double *lo, double *hi);

/* The p-quantile of the distribution (p = 0.5: the median): the smallest event time
 * with S <= 1 - p; when S equals 1 - p exactly on a flat stretch ending at the next
 * event time, the midpoint of the two (as R's survfit). Returns INFINITY when S never
 * falls to 1 - p. *lo and *hi (either may be NULL) get the interval at level conf,
 * INFINITY where a band never falls to 1 - p. 0 < p < 1. */
double km_quantile(const km_t *k, double p, double conf, double *lo, double *hi);

#endif
