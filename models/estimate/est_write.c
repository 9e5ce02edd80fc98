/* est_write.c: the estimate as YAML text, each estimated number with a comment saying
 * what it came from, and the open cases as CSV (est_internal.h). Nothing here fails
 * but allocation, which leaves t->oom set. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "models/estimate/est_internal.h"
#include "sim/cal.h"
#include "sim/dist.h"
#include "sim/stats.h"

#define MAXPTS (EST_CDF_POINTS + 4)

/* ---- small formatting ------------------------------------------------------------ */

static void ind(est__text_t *t, int n)
{
    est__text_printf(t, "%*s", n, "");
}

/* A plain YAML key or list value for a record name (letters, digits, '_' and '-'):
 * quoted when YAML would read it as something else than a string. */
static void put_name(est__text_t *t, const char *s)
{
    static const char *const special[] = {"y", "n", "yes", "no", "on", "off", "true",
                                          "false", "null", "Y", "N", "Yes", "No", "On",
                                          "Off", "True", "False", "Null", "YES", "NO",
                                          "ON", "OFF", "TRUE", "FALSE", "NULL", NULL};
    int quote = s[0] == '-' || (s[0] >= '0' && s[0] <= '9');
    for (int i = 0; special[i] && !quote; i++)
        quote = strcmp(s, special[i]) == 0;
    if (quote)
        est__text_yq(t, s);
    else
        est__text_put(t, s);
}

static void date_str(long day, char out[11]) { cal_format(day, out); }

/* "s" after a count other than 1, so a comment says "1 day" and "2 days". */
static const char *pl(double n)
{
    return n == 1 ? "" : "s";
}

static void window_label(const est__t *E, est__text_t *t)
{
    char a[11], b[11];
    date_str(E->win_from, a);
    date_str(E->as_of, b);
    est__text_printf(t, "%s..%s (%d month%s)", a, b, E->o->window_months,
                     pl(E->o->window_months));
}

/* Wilson's 95% interval of a share k / n. */
static void wilson(long k, long n, double *lo, double *hi)
{
    double p = (double)k / (double)n, z = EST_Z95, nn = (double)n;
    double den = 1 + z * z / nn, mid = (p + z * z / (2 * nn)) / den;
    double half = z * sqrt(p * (1 - p) / nn + z * z / (4 * nn * nn)) / den;
    *lo = mid - half < 0 ? 0 : mid - half;
    *hi = mid + half > 1 ? 1 : mid + half;
}

/* Byar's approximation to the exact 95% Poisson interval of a count. */
static void poisson_ci(long k, double *lo, double *hi)
{
    double z = EST_Z95, x = (double)k;
    *lo = k == 0 ? 0 : x * pow(1 - 1 / (9 * x) - z / (3 * sqrt(x)), 3);
    *hi = (x + 1) * pow(1 - 1 / (9 * (x + 1)) + z / (3 * sqrt(x + 1)), 3);
}

/* ---- empirical cdfs --------------------------------------------------------------- */

/* A Kaplan-Meier fit as piecewise-linear cdf points: (0, 0), then (t_i, 1 - S(t_i)) at
 * event times, thinned to at most EST_CDF_POINTS points (a point is kept when the cdf
 * has risen by at least 1/(EST_CDF_POINTS - 2) of its last value since the last kept
 * one; the last event time is always kept). Same-day stays (time 0) are put at half a
 * day, so days increase strictly. When S does not reach 0 (the longest stays are still
 * open), the remaining mass is spread evenly up to 2 x t_max (t_max: the longest time
 * seen in the stage, open stays included), so every open case's elapsed time lies
 * inside the support. Returns the points; *tail gets the tail's end (0: none). */
static int km_points(const km_t *k, double t_max, double *x, double *p, double *tail)
{
    int n = 0;
    x[n] = 0;
    p[n++] = 0;
    *tail = 0;
    double flast = k->m ? 1 - k->s[k->m - 1] : 0;
    double step = flast / (EST_CDF_POINTS - 2), kept = 0;
    for (int i = 0; i < k->m; i++) {
        double f = 1 - k->s[i];
        if (!(f - kept >= step - 1e-15 || i == k->m - 1))
            continue;
        double xi = k->t[i];
        if (xi <= 0)
            xi = k->m > 1 ? fmin(0.5, k->t[1] / 2) : 0.5;
        if (xi <= x[n - 1])
            continue;
        x[n] = xi;
        p[n++] = f;
        kept = f;
    }
    if (p[n - 1] < 1 - 1e-12) {
        double end = fmax(2 * t_max, x[n - 1] + 1);
        x[n] = end;
        p[n++] = 1;
        *tail = end;
    }
    p[n - 1] = 1;
    return n;
}

/* A sample's piecewise-linear cdf through its type-7 quantiles at j/K (K + 1 <=
 * EST_CDF_POINTS points); tied quantiles collapse onto one point (the highest p), the
 * first point keeps p = 0; a single value v gives (v, 0), (v + 1 day, 1). */
static int sample_points(const double *a, long n, double *x, double *p)
{
    int K = n - 1 < EST_CDF_POINTS - 1 ? (int)n - 1 : EST_CDF_POINTS - 1;
    int m = 0;
    if (K < 1)
        K = 1;
    for (int j = 0; j <= K; j++) {
        double q = stats_quantile_sorted(a, (int)n, (double)j / K), pj = (double)j / K;
        if (m > 0 && q <= x[m - 1]) {
            if (m > 1)
                p[m - 1] = pj;
            continue;
        }
        x[m] = q;
        p[m++] = pj;
    }
    if (m == 1) {
        x[m] = x[0] + 1 / CAL_DAYS_PER_YEAR;
        p[m++] = 1;
    }
    p[m - 1] = 1;
    return m;
}

static void put_points(est__text_t *t, int indent, const double *x, const double *p, int n)
{
    for (int i = 0; i < n; i++) {
        ind(t, indent);
        est__text_printf(t, "- [%.10g, %.9g]\n", x[i], p[i]);
    }
}

/* Duration of one fit: "dist: empirical" and its cdf at indent, with a comment line. */
static void put_km_dist(const est__t *E, const km_t *k, double t_max, long n_open, int indent,
                        est__text_t *t)
{
    double x[MAXPTS], p[MAXPTS], tail, lo, hi;
    char d[11];
    date_str(E->as_of, d);
    int n = km_points(k, t_max, x, p, &tail);
    ind(t, indent);
    est__text_printf(t, "# Kaplan-Meier over %ld stay%s (%ld ended, %ld open on %s, "
                     "censored there", k->n, pl(k->n), k->n_events, n_open, d);
    long aged = (long)k->n - (long)k->n_events - n_open;
    if (aged > 0)
        est__text_printf(t, "; %ld left at max_age %g, censored then: the model ends those "
                         "cases itself", aged, E->max_age);
    est__text_put(t, ")");
    if (k->n_late > 0)
        est__text_printf(t, "; %ld begun before the records hold every stay, counted from "
                         "then (left truncation)", k->n_late);
    double med = km_quantile(k, 0.5, 0.95, &lo, &hi);
    if (isfinite(med)) {
        est__text_printf(t, "; median %.10g day%s, 95%% CI %.10g-", med, pl(med), lo);
        if (isfinite(hi))
            est__text_printf(t, "%.10g", hi);
        else
            est__text_put(t, "(not reached)");
        est__text_put(t, " (Brookmeyer-Crowley, log-log)");
    } else {
        est__text_put(t, "; median not reached");
    }
    est__text_put(t, "\n");
    ind(t, indent);
    est__text_printf(t, "dist: empirical   # linear between event times, %d point%s", n,
                     pl(n));
    if (tail > 0)
        est__text_printf(t, "; the %.3g%% still open beyond day %.10g spread evenly up to "
                         "day %.10g (twice the longest time seen)",
                         100 * (k->m ? k->s[k->m - 1] : 1), k->m ? k->t[k->m - 1] : 0,
                         tail);
    est__text_put(t, "\n");
    ind(t, indent);
    est__text_put(t, "cdf:\n");
    put_points(t, indent + 2, x, p, n);
}

/* ---- a stage: duration, next, adjust ----------------------------------------------- */

static void put_duration(const est__t *E, int st, int indent, est__text_t *t)
{
    const est__durations_t *D = &E->du[st];
    ind(t, indent);
    if (D->all.n == 0) {
        char d[11];
        date_str(E->as_of, d);
        est__text_printf(t, "duration: {dist: exponential, mean: 1}   # no stay in this "
                         "stage starts on or before %s: a placeholder\n", d);
        return;
    }
    if (D->n_dropped > 0 || D->n_late > 0) {
        char f[11];
        date_str(D->from, f);
        est__text_printf(t, "# the records hold every stay of this stage from %s (ending "
                         "then or later); %ld begun before it count%s from it", f, D->n_late,
                         D->n_late == 1 ? "s" : "");
        if (D->n_dropped > 0)
            est__text_printf(t, "; %ld that ended before it %s left out (the records "
                             "hold only some of those)", D->n_dropped,
                             D->n_dropped == 1 ? "is" : "are");
        est__text_put(t, "\n");
        ind(t, indent);
    }
    if (D->n_groups == 0) {
        est__text_put(t, "duration:\n");
        put_km_dist(E, &D->all, D->t_max, D->all_open, indent + 2, t);
        return;
    }
    est__text_printf(t, "duration:   # by age at entry: bands [0,5) [5,10) [10,16) [16,18) "
                     "merged upwards until each holds %d stays, %d ended\n",
                     EST_DUR_MIN_STAYS, EST_DUR_MIN_ENDED);
    ind(t, indent + 2);
    est__text_put(t, "by_age:\n");
    for (int g = 0; g < D->n_groups; g++) {
        double lo = est__band_edge(D->group_lo[g]), hi = est__band_edge(D->group_hi[g] + 1);
        if (g == D->n_groups - 1 && E->max_age > hi) /* the items cover [0, max_age) */
            hi = E->max_age;
        ind(t, indent + 4);
        est__text_printf(t, "- age: [%.10g, %.10g]\n", lo, hi);
        put_km_dist(E, &D->group[g], D->t_max, D->group_open[g], indent + 6, t);
    }
}

static void put_next(const est__t *E, int st, int indent, est__text_t *t)
{
    const est__routing_t *R = &E->rt[st];
    int ns = E->rs->n_stages, nt = ns + 1;
    ind(t, indent);
    if (R->n == 0) {
        est__text_put(t, "next: {exit: 1}   # no stay in this stage has ended: every child "
                         "is taken to leave the stages (exit)\n");
        return;
    }
    est__text_printf(t, "next:   # %ld stay%s ended in ", R->n, pl(R->n));
    char f[11];
    date_str(R->from, f);
    if (R->whole_record && R->from == LONG_MIN)
        est__text_put(t, "the whole record (none in the window)");
    else if (R->whole_record)
        est__text_printf(t, "the whole record from %s, where it holds every stay (none in "
                         "the window)", f);
    else if (R->from > E->win_from) {
        char l[11];
        date_str(E->as_of, l);
        est__text_printf(t, "%s..%s (the window cut to where the records hold every stay)",
                         f, l);
    } else {
        window_label(E, t);
    }
    if (R->n_aged > 0)
        est__text_printf(t, " (and %ld more that ended as the child reached max_age %g, left "
                         "out: the model ends those cases itself)", R->n_aged, E->max_age);
    est__text_put(t, "; shares with 95% Wilson intervals\n");
    for (int j = 0; j < nt; j++) {
        long c = R->count[j];
        if (c == 0)
            continue;
        double lo, hi;
        wilson(c, R->n, &lo, &hi);
        ind(t, indent + 2);
        if (j == ns)
            est__text_put(t, "exit");
        else
            put_name(t, E->rs->stages[j]);
        est__text_printf(t, ": %.12g   # %ld of %ld; 95%% CI %.3f-%.3f\n",
                         (double)c / (double)R->n, c, R->n, lo, hi);
    }
}

/* The likelihood-ratio (G) test of a band's exits against the rest of the stage's:
 * the 2 x K table of targets, targets whose expected count in the band is below
 * EST_ADJ_MIN_EXPECTED pooled into one column (chi-square tails are poor for small
 * expected counts). *g the statistic, *df its degrees of freedom (0: nothing to test);
 * returns the p-value from the chi-square distribution with df degrees of freedom. */
static double band_test(const est__routing_t *R, const long *cb, long nb, int nt, double *g,
                        int *df)
{
    double ob[64 + 2], orr[64 + 2], col[64 + 2]; /* band, rest, column totals */
    int k = 0, pool = -1;
    for (int j = 0; j < nt && k < 64; j++) {
        if (R->count[j] == 0)
            continue;
        int c = k;
        if ((double)nb * (double)R->count[j] / (double)R->n < EST_ADJ_MIN_EXPECTED) {
            if (pool < 0) {
                pool = k++;
                ob[pool] = orr[pool] = col[pool] = 0;
            }
            c = pool;
        } else {
            c = k++;
            ob[c] = orr[c] = col[c] = 0;
        }
        ob[c] += (double)cb[j];
        orr[c] += (double)(R->count[j] - cb[j]);
        col[c] += (double)R->count[j];
    }
    *g = 0;
    *df = k - 1;
    if (k < 2)
        return 1;
    double n = (double)R->n, fb = (double)nb / n;
    for (int c = 0; c < k; c++) {
        double eb = col[c] * fb, er = col[c] * (1 - fb);
        if (ob[c] > 0)
            *g += 2 * ob[c] * log(ob[c] / eb);
        if (orr[c] > 0)
            *g += 2 * orr[c] * log(orr[c] / er);
    }
    if (*g < 0)
        *g = 0;
    /* chi-square with df degrees of freedom: gamma with mean df and sd sqrt(2 df) */
    dist_t chi = {.kind = DIST_GAMMA, .mean = *df, .sd = sqrt(2.0 * *df)};
    if (dist_init(&chi, 1) != 0)
        return 1;
    return dist_survival(&chi, *g);
}

static void put_adjust(const est__t *E, int st, int indent, est__text_t *t)
{
    const est__routing_t *R = &E->rt[st];
    int ns = E->rs->n_stages, nt = ns + 1, head = 0, tested = 0, k = 0;
    if (R->n == 0)
        return;
    for (int j = 0; j < nt; j++)
        k += R->count[j] > 0;
    if (k < 2)
        return; /* every exit went one way: no odds to give */
    double g[EST_N_BANDS], pv[EST_N_BANDS];
    int df[EST_N_BANDS];
    long nbs[EST_N_BANDS];
    for (int b = 0; b < EST_N_BANDS; b++) {
        const long *cb = R->count + (size_t)(b + 1) * (size_t)nt;
        nbs[b] = 0;
        for (int j = 0; j < nt; j++)
            nbs[b] += cb[j];
        pv[b] = 2; /* not tested */
        if (nbs[b] < EST_ROUTE_MIN_EXITS || R->n - nbs[b] < EST_ROUTE_MIN_EXITS)
            continue;
        pv[b] = band_test(R, cb, nbs[b], nt, &g[b], &df[b]);
        tested++;
    }
    if (tested == 0)
        return;
    double level = EST_ADJ_LEVEL / tested;
    for (int b = 0; b < EST_N_BANDS; b++) {
        const long *cb = R->count + (size_t)(b + 1) * (size_t)nt;
        long nb = nbs[b];
        if (pv[b] > 1 || pv[b] >= level)
            continue;
        if (!head) {
            ind(t, indent);
            est__text_printf(t, "adjust:   # odds by age at exit, for each band of at least "
                             "%d exits whose targets differ from the rest of the stage's "
                             "exits beyond chance (likelihood-ratio G test, p < %g / %d "
                             "bands tested); band shares shrunk towards the stage's by one "
                             "exit per target: (band count + %d x share) / (band exits + "
                             "%d), odds = that / share\n",
                             EST_ROUTE_MIN_EXITS, EST_ADJ_LEVEL, tested, k, k);
            head = 1;
        }
        ind(t, indent + 2);
        est__text_printf(t, "- when: {age: [%.10g, %.10g]}\n", est__band_edge(b),
                         est__band_edge(b + 1));
        ind(t, indent + 4);
        est__text_put(t, "odds: {");
        int first = 1;
        for (int j = 0; j < nt; j++) {
            if (R->count[j] == 0)
                continue;
            double share = (double)R->count[j] / (double)R->n;
            double q = ((double)cb[j] + k * share) / (double)(nb + k);
            est__text_put(t, first ? "" : ", ");
            first = 0;
            if (j == ns)
                est__text_put(t, "exit");
            else
                put_name(t, E->rs->stages[j]);
            est__text_printf(t, ": %.6g", q / share);
        }
        est__text_printf(t, "}   # %ld exit%s aged %.10g-%.10g:", nb, pl(nb),
                         est__band_edge(b), est__band_edge(b + 1));
        for (int j = 0; j < nt; j++)
            if (R->count[j] > 0)
                est__text_printf(t, " %s %ld", j == ns ? "exit" : E->rs->stages[j], cb[j]);
        est__text_printf(t, "; G %.3g on %d df, p %.2g\n", g[b], df[b], pv[b]);
    }
    /* the bands tested and not written, so the reader sees the test was made */
    int quiet = 0;
    for (int b = 0; b < EST_N_BANDS; b++)
        quiet += pv[b] <= 1 && pv[b] >= level;
    if (quiet == 0)
        return;
    ind(t, indent);
    est__text_printf(t, "# no adjust for ages");
    for (int b = 0, c = 0; b < EST_N_BANDS; b++) {
        if (pv[b] > 1 || pv[b] < level)
            continue;
        est__text_printf(t, "%s %.10g-%.10g (%ld exits, G %.3g on %d df, p %.2g)",
                         c++ ? "," : "", est__band_edge(b), est__band_edge(b + 1), nbs[b], g[b],
                         df[b], pv[b]);
    }
    est__text_printf(t, ": their exits differ from the rest's no more than chance would "
                     "make them (likelihood-ratio G test, p >= %g / %d bands tested)\n",
                     EST_ADJ_LEVEL, tested);
}

void est__put_stage_estimates(const est__t *E, int st, int indent, est__text_t *t)
{
    put_duration(E, st, indent, t);
    put_next(E, st, indent, t);
    put_adjust(E, st, indent, t);
}

/* ---- arrivals ----------------------------------------------------------------------- */

void est__put_arrival(const est__t *E, int st, const char *name, int indent, est__text_t *t)
{
    const est__arrivals_t *A = &E->arr[st];
    double years = A->days / CAL_DAYS_PER_YEAR, lo, hi;
    double rate = (double)A->n / years;
    poisson_ci(A->n, &lo, &hi);
    ind(t, indent);
    est__text_put(t, "- name: ");
    put_name(t, name);
    est__text_put(t, "\n");
    ind(t, indent + 2);
    est__text_put(t, "to: ");
    put_name(t, E->rs->stages[st]);
    est__text_put(t, "\n");
    double carried = rate;
    if (A->trend_used) /* the window mean is the rate at the window's middle */
        carried = rate * exp(A->trend_b * (A->days / 2) / CAL_DAYS_PER_YEAR);
    ind(t, indent + 2);
    est__text_printf(t, "per_year: %.6g   # %ld entr%s from outside in ", carried, A->n,
                     A->n == 1 ? "y" : "ies");
    char a[11], b[11];
    if (A->from > E->win_from) {
        date_str(A->from, a);
        date_str(E->as_of, b);
        est__text_printf(t, "%s..%s (%.0f day%s: the window cut to where the records hold "
                         "every entry, and every stay leading into this stage)", a, b,
                         A->days, pl(A->days));
    } else {
        window_label(E, t);
    }
    est__text_printf(t, "; %.6g a year, 95%% CI %.6g-%.6g (Poisson)", rate, lo / years,
                     hi / years);
    if (A->trend_used)
        est__text_put(t, "; carried by the trend from the middle of those days to the "
                         "start");
    est__text_put(t, "\n");
    if (A->trend_fitted) {
        date_str(A->trend_from, a);
        date_str(A->trend_to, b);
        ind(t, indent + 2);
        if (A->trend_used)
            est__text_printf(t, "trend_per_year: %.6g   # ", exp(A->trend_b) - 1);
        else
            est__text_put(t, "# no trend_per_year: ");
        est__text_printf(t, "Poisson regression of %d monthly counts %s..%s: log-rate "
                         "slope %.4g a year, se %.4g (quasi-Poisson), z %.3g%s\n",
                         A->trend_months, a, b, A->trend_b, A->trend_se, A->trend_z,
                         A->trend_used ? "" : ", not distinguishable from zero (|z| <= 2)");
    } else {
        ind(t, indent + 2);
        est__text_printf(t, "# no trend_per_year: %d whole month%s of complete record (at "
                         "least %d needed)\n", A->trend_months, pl(A->trend_months),
                         EST_TREND_MIN_MONTHS);
    }
    ind(t, indent + 2);
    if (A->n_ages >= EST_AGE_MIN_EMPIRICAL) {
        double x[MAXPTS], p[MAXPTS];
        int n = sample_points(A->ages, A->n_ages, x, p);
        est__text_printf(t, "age:   # years at entry of the %ld entrants whose date of "
                         "birth is known: their quantiles, linear between\n", A->n_ages);
        ind(t, indent + 4);
        est__text_put(t, "dist: empirical\n");
        ind(t, indent + 4);
        est__text_put(t, "cdf:\n");
        put_points(t, indent + 6, x, p, n);
    } else if (A->n_ages > 0) {
        double mn = floor(A->ages[0]), mx = floor(A->ages[A->n_ages - 1]) + 1;
        if (mx > est__band_edge(EST_N_BANDS))
            mx = est__band_edge(EST_N_BANDS);
        est__text_printf(t, "age: {dist: uniform, min: %.10g, max: %.10g}   # only %ld "
                         "entrant%s with a known age (fewer than %d): whole years from the "
                         "youngest to the oldest\n", mn, mx, A->n_ages, pl(A->n_ages),
                         EST_AGE_MIN_EMPIRICAL);
    } else {
        est__text_printf(t, "age: {dist: uniform, min: 0, max: %.10g}   # no entrant's age "
                         "is known\n", est__band_edge(EST_N_BANDS));
    }
    if (E->rs->n_flags > 0 && A->n > 0) {
        ind(t, indent + 2);
        est__text_put(t, "flags:   # independent shares among the entrants, 95% Wilson "
                         "intervals\n");
        for (int f = 0; f < E->rs->n_flags; f++) {
            wilson(A->flag_n[f], A->n, &lo, &hi);
            ind(t, indent + 4);
            put_name(t, E->rs->flags[f]);
            est__text_printf(t, ": %.6g   # %ld of %ld; 95%% CI %.3f-%.3f\n",
                             (double)A->flag_n[f] / A->n, A->flag_n[f], A->n, lo, hi);
        }
    }
}

/* ---- the whole scenario ------------------------------------------------------------ */

void est__put_top(const est__t *E, est__text_t *t)
{
    const est_opts_t *o = E->o;
    char d0[11], d1[11];
    date_str(E->as_of, d0);
    date_str(est__months_before(E->as_of, -o->horizon_months), d1);
    est__text_put(t, "version: 1\nname: ");
    if (o->name)
        est__text_put(t, o->name);
    else
        est__text_printf(t, "forecast-%s", d0);
    est__text_put(t, "\ntitle: ");
    char buf[512];
    snprintf(buf, sizeof buf, "Estimated from %s as of %s",
             o->source_label ? o->source_label : "the records", d0);
    est__text_yq(t, buf);
    est__text_printf(t, "\nstart: %s   # the as-of date: the records as an extract then "
                     "would show them\n", d0);
    est__text_printf(t, "end: %s   # %d month%s on\n", d1, o->horizon_months,
                     pl(o->horizon_months));
    est__text_printf(t, "replications: %d\nseed: %llu\nmax_age: %g\n", o->replications,
                     (unsigned long long)o->seed, E->max_age);
}

/* What becomes of an open stay in open-cases.csv. */
enum { OPEN_ROW, OPEN_TOO_OLD, OPEN_NO_DOB, OPEN_UNBORN };

static int open_kind(const est__t *E, const est__stay_t *s)
{
    long dob = E->rs->children[s->child].dob;
    if (dob == REC_NO_DOB)
        return OPEN_NO_DOB;
    if (dob > E->as_of)
        return OPEN_UNBORN;
    if (!((double)(E->as_of - dob) < E->max_age * CAL_DAYS_PER_YEAR))
        return OPEN_TOO_OLD;
    return OPEN_ROW;
}

void est__put_initial(const est__t *E, est__text_t *t)
{
    char d[11];
    date_str(E->as_of, d);
    long n[4] = {0};
    for (size_t i = 0; i < E->n_stays; i++)
        if (!E->stays[i].ended)
            n[open_kind(E, &E->stays[i])]++;
    est__text_put(t, "initial:\n  file: ");
    est__text_yq(t, E->o->open_cases_file);
    est__text_printf(t, "   # %ld stay%s open on %s, each with its start date: the time "
                     "still to run is drawn given the time already spent",
                     n[OPEN_ROW] + n[OPEN_UNBORN], pl(n[OPEN_ROW] + n[OPEN_UNBORN]), d);
    if (n[OPEN_UNBORN])
        est__text_printf(t, "; %ld of %s not yet born then, written as born on %s",
                         n[OPEN_UNBORN], n[OPEN_UNBORN] == 1 ? "a child" : "children", d);
    if (n[OPEN_TOO_OLD])
        est__text_printf(t, "; %ld more of children aged %g or more then left out (the model "
                         "ends a case at max_age)", n[OPEN_TOO_OLD], E->max_age);
    if (n[OPEN_NO_DOB])
        est__text_printf(t, "; %ld more of children with no date of birth left out",
                         n[OPEN_NO_DOB]);
    est__text_put(t, "\n");
}

int est__write_yaml(const est__t *E, est__text_t *t)
{
    const rec_set_t *rs = E->rs;
    char d0[11];
    date_str(E->as_of, d0);
    est__text_put(t, "# A scenario estimated by `careflow estimate` from ");
    est__text_comment(t, E->o->source_label ? E->o->source_label : "the records");
    est__text_printf(t, "\n# as of %s: %zu stays of %zu children; window ", d0, E->n_stays,
                     rs->n_children);
    window_label(E, t);
    est__text_put(t, ".\n# docs/estimate.md says what each estimate means.\n");
    est__put_top(E, t);
    est__text_put(t, "\nstages:\n");
    for (int st = 0; st < rs->n_stages; st++) {
        est__text_put(t, "  ");
        put_name(t, rs->stages[st]);
        est__text_put(t, ":\n");
        est__put_stage_estimates(E, st, 4, t);
    }
    est__text_put(t, "\narrivals:   # entries from outside: no stay of the child ends on "
                     "the day with this stage as its next\n");
    for (int st = 0; st < rs->n_stages; st++)
        if (E->arr[st].n > 0)
            est__put_arrival(E, st, rs->stages[st], 2, t);
    est__text_put(t, "\n");
    est__put_initial(E, t);
    return 0;
}

/* ---- open cases ----------------------------------------------------------------------- */

int est__write_open_cases(const est__t *E, est__text_t *t, long *n_open)
{
    const rec_set_t *rs = E->rs;
    est__text_put(t, "child,stage,start,dob,flags,history\n");
    *n_open = 0;
    for (size_t a = 0; a < E->n_stays;) {
        size_t b = a;
        while (b < E->n_stays && E->stays[b].child == E->stays[a].child)
            b++;
        for (size_t i = a; i < b; i++) {
            const est__stay_t *s = &E->stays[i];
            int kind = s->ended ? -1 : open_kind(E, s);
            if (kind != OPEN_ROW && kind != OPEN_UNBORN)
                continue;
            const rec_child_t *c = &rs->children[s->child];
            long hist = 0;
            for (size_t j = a; j < b; j++)
                hist += E->stays[j].outside && E->stays[j].start < s->start;
            char d[11];
            est__text_csv(t, c->id);
            est__text_put(t, ",");
            est__text_put(t, rs->stages[s->stage]);
            date_str(s->start, d);
            est__text_printf(t, ",%s,", d);
            date_str(kind == OPEN_UNBORN ? E->as_of : c->dob, d);
            est__text_put(t, d);
            est__text_put(t, ",");
            int first = 1;
            for (int f = 0; f < rs->n_flags; f++)
                if (c->flags >> f & 1) {
                    est__text_put(t, first ? "" : ";");
                    est__text_put(t, rs->flags[f]);
                    first = 0;
                }
            est__text_printf(t, ",%ld\n", hist);
            (*n_open)++;
        }
        a = b;
    }
    return 0;
}
