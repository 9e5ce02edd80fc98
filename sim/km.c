/* km.c: Kaplan-Meier with Greenwood's variance, delayed entry, log-log bands and
 * quantiles (km.h). */
#include "sim/km.h"

#include <math.h>
#include <stdlib.h>

#include "sim/err.h"
#include "sim/mem.h"
#include "sim/sa.h"

typedef struct obs {
    double t;   /* time */
    int event;  /* 1 event, 0 censored */
} obs_t;

/* Time ascending; at one time, events before censorings (order does not change the
 * estimate, it only keeps the sort deterministic). */
static int obs_cmp(const void *a, const void *b)
{
    const obs_t *x = a, *y = b;
    if (x->t != y->t)
        return x->t < y->t ? -1 : 1;
    return y->event - x->event;
}

void km_free(km_t *k)
{
    if (!k)
        return;
    mem_free(k->t);
    mem_free(k->s);
    mem_free(k->var);
    mem_free(k->at_risk);
    mem_free(k->events);
    *k = (km_t){0};
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int km_fit(const double *time, const unsigned char *event, size_t n, km_t *out)
{
    return km_fit_entry(time, NULL, event, n, out);
}

int km_fit_entry(const double *time, const double *entry, const unsigned char *event,
                 size_t n, km_t *out)
{
    *out = (km_t){0};
    for (size_t i = 0; i < n; i++)
        if (!isfinite(time[i]) || time[i] < 0.0 ||
            (entry && (!isfinite(entry[i]) || entry[i] < 0.0 || entry[i] > time[i])))
            return SIM_EINVAL;
    obs_t *o = mem_calloc(n ? n : 1, sizeof *o);
    double *late = mem_calloc(n ? n : 1, sizeof *late); /* entries > 0, ascending */
    if (!o || !late) {
        mem_free(o);
        mem_free(late);
        return SIM_ENOMEM;
    }
    long n_ev = 0;
    size_t n_late = 0;
    for (size_t i = 0; i < n; i++) {
        o[i].t = time[i];
        o[i].event = event[i] != 0;
        n_ev += o[i].event;
        if (time[i] > out->t_max)
            out->t_max = time[i];
        if (entry && entry[i] > 0.0)
            late[n_late++] = entry[i];
    }
    qsort(o, n, sizeof *o, obs_cmp);
    qsort(late, n_late, sizeof *late, cmp_double);
    size_t cap = n ? n : 1; /* distinct event times are at most n */
    out->t = mem_calloc(cap, sizeof *out->t);
    out->s = mem_calloc(cap, sizeof *out->s);
    out->var = mem_calloc(cap, sizeof *out->var);
    out->at_risk = mem_calloc(cap, sizeof *out->at_risk);
    out->events = mem_calloc(cap, sizeof *out->events);
    if (!out->t || !out->s || !out->var || !out->at_risk || !out->events) {
        mem_free(o);
        mem_free(late);
        km_free(out);
        return SIM_ENOMEM;
    }
    out->n = (long)n;
    out->n_late = (long)n_late;
    out->n_events = n_ev;
    double s = 1.0, gw = 0.0; /* S and Greenwood's sum */
    int j = 0;
    size_t entered = 0; /* late entries <= the current time */
    for (size_t i = 0; i < n;) {
        size_t k = i;
        long d = 0;
        while (k < n && o[k].t == o[i].t) {
            d += o[k].event;
            k++;
        }
        while (entered < n_late && late[entered] <= o[i].t)
            entered++;
        if (d > 0) {
            /* time >= t, less those entering after t (their time is later still) */
            long at_risk = (long)(n - i) - (long)(n_late - entered);
            s *= 1.0 - (double)d / (double)at_risk;
            if (at_risk > d)
                gw += (double)d / ((double)at_risk * (double)(at_risk - d));
            out->t[j] = o[i].t;
            out->s[j] = s;
            out->var[j] = s > 0.0 ? s * s * gw : 0.0;
            out->at_risk[j] = at_risk;
            out->events[j] = d;
            j++;
        }
        i = k;
    }
    out->m = j;
    mem_free(o);
    mem_free(late);
    return 0;
}

/* Index of the last event time <= t, or -1. */
static int step_at(const km_t *k, double t)
{
    int lo = 0, hi = k->m; /* first index with t[i] > t */
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (k->t[mid] <= t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo - 1;
}

double km_surv(const km_t *k, double t)
{
    int i = step_at(k, t);
    return i < 0 ? 1.0 : k->s[i];
}

double km_se(const km_t *k, double t)
{
    int i = step_at(k, t);
    return i < 0 ? 0.0 : sqrt(k->var[i]);
}

/* The log-log band at step i (i < 0: S = 1). */
static void band_at(const km_t *k, int i, double z, double *lo, double *hi)
{
    double s = i < 0 ? 1.0 : k->s[i];
    if (s <= 0.0 || s >= 1.0) {
        *lo = *hi = s;
        return;
    }
    double ls = log(s);
    double se = sqrt(k->var[i]) / (s * fabs(ls));
    *lo = exp(ls * exp(z * se));
    *hi = exp(ls * exp(-z * se));
}

void km_band(const km_t *k, double t, double conf, double *lo, double *hi)
{
    double z = sa_normal_quantile(0.5 + conf / 2.0);
    band_at(k, step_at(k, t), z, lo, hi);
}

/* The smallest event time where the curve (0: S, 1: lower band, 2: upper band) is
 * <= target; the midpoint rule when it equals target exactly (to 1e-12). */
static double curve_quantile(const km_t *k, int which, double z, double target)
{
    for (int i = 0; i < k->m; i++) {
        double v, lo, hi;
        band_at(k, i, z, &lo, &hi);
        v = which == 0 ? k->s[i] : which == 1 ? lo : hi;
        if (v <= target + 1e-12) {
            if (fabs(v - target) <= 1e-12 && i + 1 < k->m)
                return (k->t[i] + k->t[i + 1]) / 2.0;
            return k->t[i];
        }
    }
    return INFINITY;
}

double km_quantile(const km_t *k, double p, double conf, double *lo, double *hi)
{
    double target = 1.0 - p;
    double z = sa_normal_quantile(0.5 + conf / 2.0);
    if (lo)
        *lo = curve_quantile(k, 1, z, target);
    if (hi)
        *hi = curve_quantile(k, 2, z, target);
    return curve_quantile(k, 0, z, target);
}
