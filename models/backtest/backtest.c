/* backtest.c: see backtest.h. Invariant: every figure is a count over the record set's
 * stays or arithmetic on such counts, taken in the set's own order (children, then
 * their stays), so the same records give the same bytes on any machine and thread
 * count. Nothing here allocates more than the stays and the stages need. */
#include "models/backtest/backtest.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/cal.h"
#include "sim/err.h"
#include "sim/mem.h"
#include "sim/rng.h"

#define BT_NAME(e, s) s,
const char *const bt_metric_names[BT_N_METRICS] = {BT_METRIC_MAP(BT_NAME)};
const char *const bt_model_names[BT_N_MODELS] = {BT_MODEL_MAP(BT_NAME)};
#undef BT_NAME

const double bt_q_levels[BT_N_Q] = {0.05, 0.25, 0.50, 0.75, 0.95};

/* ---- the actual series ---------------------------------------------------------------- */

static int cmp_long(const void *a, const void *b)
{
    long x = *(const long *)a, y = *(const long *)b;
    return (x > y) - (x < y);
}

/* How many of the n ascending values v are <= d. */
static size_t count_le(const long *v, size_t n, long d)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (v[mid] <= d)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

void bt_series_free(bt_series_t *s)
{
    for (int i = 0; i < s->n_stages; i++) {
        if (s->starts)
            mem_free(s->starts[i]);
        if (s->ends)
            mem_free(s->ends[i]);
    }
    mem_free(s->starts);
    mem_free(s->ends);
    mem_free(s->n_starts);
    mem_free(s->n_ends);
    mem_free(s->from);
    memset(s, 0, sizeof *s);
}

int bt_series_init(bt_series_t *s, const rec_set_t *rs)
{
    int ns = rs->n_stages;
    memset(s, 0, sizeof *s);
    s->n_stages = ns;
    s->last = rs->extract;
    if (ns <= 0)
        return 0;
    s->n_starts = mem_calloc((size_t)ns, sizeof *s->n_starts);
    s->n_ends = mem_calloc((size_t)ns, sizeof *s->n_ends);
    s->starts = mem_calloc((size_t)ns, sizeof *s->starts);
    s->ends = mem_calloc((size_t)ns, sizeof *s->ends);
    s->from = mem_calloc((size_t)ns, sizeof *s->from);
    if (!s->n_starts || !s->n_ends || !s->starts || !s->ends || !s->from)
        goto oom;
    for (int k = 0; k < ns; k++)
        s->from[k] = rs->observed_from ? rs->observed_from[k] : LONG_MIN;
    for (size_t i = 0; i < rs->n_stays; i++) {
        const rec_stay_t *y = &rs->stays[i];
        if (y->stage < 0 || y->stage >= ns)
            continue;
        s->n_starts[y->stage]++;
        if (y->end != REC_OPEN)
            s->n_ends[y->stage]++;
    }
    for (int k = 0; k < ns; k++) {
        /* one more than needed, so an empty stage still has an array */
        if (!(s->starts[k] = mem_reallocarray(NULL, s->n_starts[k] + 1, sizeof(long))) ||
            !(s->ends[k] = mem_reallocarray(NULL, s->n_ends[k] + 1, sizeof(long))))
            goto oom;
        s->n_starts[k] = s->n_ends[k] = 0;
    }
    for (size_t i = 0; i < rs->n_stays; i++) {
        const rec_stay_t *y = &rs->stays[i];
        if (y->stage < 0 || y->stage >= ns)
            continue;
        s->starts[y->stage][s->n_starts[y->stage]++] = y->start;
        if (y->end != REC_OPEN)
            s->ends[y->stage][s->n_ends[y->stage]++] = y->end;
    }
    for (int k = 0; k < ns; k++) {
        qsort(s->starts[k], s->n_starts[k], sizeof(long), cmp_long);
        qsort(s->ends[k], s->n_ends[k], sizeof(long), cmp_long);
    }
    return 0;
oom:
    bt_series_free(s);
    return SIM_ENOMEM;
}

double bt_stock(const bt_series_t *s, int stage, long d)
{
    if (stage < 0 || stage >= s->n_stages || d > s->last ||
        (s->from[stage] != LONG_MIN && d < s->from[stage] - 1))
        return NAN;
    /* in the stock at the end of d: started on or before d, not ended on or before d */
    return (double)count_le(s->starts[stage], s->n_starts[stage], d) -
           (double)count_le(s->ends[stage], s->n_ends[stage], d);
}

double bt_entries(const bt_series_t *s, int stage, long a, long b)
{
    if (stage < 0 || stage >= s->n_stages || b > s->last || b < a ||
        (s->from[stage] != LONG_MIN && a < s->from[stage] - 1))
        return NAN;
    return (double)count_le(s->starts[stage], s->n_starts[stage], b) -
           (double)count_le(s->starts[stage], s->n_starts[stage], a);
}

long bt_month_end_after(long c, int k)
{
    long m = cal_month_end(c);
    if (m == c)
        m = cal_month_end(c + 1);
    for (int i = 1; i < k; i++)
        m = cal_month_end(m + 1);
    return m;
}

/* ---- baselines ------------------------------------------------------------------------ */

static int days_in_month(int y, int m)
{
    long first = cal_from_ymd(y, m, 1);
    return (int)(cal_month_end(first) - first + 1);
}

long bt_months_before(long c, int months)
{
    int y, m, d;
    cal_to_ymd(c, &y, &m, &d);
    int month_end = cal_month_end(c) == c;
    long idx = (long)y * 12 + (m - 1) - months;
    y = (int)(idx >= 0 ? idx / 12 : -((-idx + 11) / 12));
    m = (int)(idx - (long)y * 12) + 1;
    int dim = days_in_month(y, m);
    if (month_end || d > dim)
        d = dim;
    return cal_from_ymd(y, m, d);
}

void bt_rates_free(bt_rates_t *r)
{
    mem_free(r->stock0);
    mem_free(r->entries);
    mem_free(r->outside);
    mem_free(r->stock_days);
    mem_free(r->moves);
    mem_free(r->w0s);
    memset(r, 0, sizeof *r);
}

/* Does another stay of the same child (in [lo, hi)) end on x's start day with next =
 * x's stage? */
static int from_another_stay(const rec_set_t *rs, size_t lo, size_t hi, size_t x)
{
    const rec_stay_t *y = &rs->stays[x];
    for (size_t j = lo; j < hi; j++)
        if (j != x && rs->stays[j].end == y->start && rs->stays[j].next == y->stage)
            return 1;
    return 0;
}

int bt_rates_init(bt_rates_t *r, const rec_set_t *rs, long cutoff, int window_months)
{
    int ns = rs->n_stages;
    size_t nm = (size_t)ns * (size_t)(ns + 1);
    memset(r, 0, sizeof *r);
    r->n_stages = ns;
    r->cutoff = cutoff;
    r->window_months = window_months;
    r->w0 = bt_months_before(cutoff, window_months);
    if (ns <= 0)
        return 0;
    r->stock0 = mem_calloc((size_t)ns, sizeof *r->stock0);
    r->entries = mem_calloc((size_t)ns, sizeof *r->entries);
    r->outside = mem_calloc((size_t)ns, sizeof *r->outside);
    r->stock_days = mem_calloc((size_t)ns, sizeof *r->stock_days);
    r->moves = mem_calloc(nm, sizeof *r->moves);
    r->w0s = mem_calloc((size_t)ns, sizeof *r->w0s);
    if (!r->stock0 || !r->entries || !r->outside || !r->stock_days || !r->moves || !r->w0s) {
        bt_rates_free(r);
        return SIM_ENOMEM;
    }
    for (int s = 0; s < ns; s++) {
        long f = rs->observed_from ? rs->observed_from[s] : LONG_MIN;
        r->w0s[s] = f != LONG_MIN && f - 1 > r->w0 ? f - 1 : r->w0;
        if (r->w0s[s] > cutoff)
            r->w0s[s] = cutoff; /* not recorded by the cutoff: an empty window */
    }
    /* stays are sorted by child: [lo, hi) is one child's */
    for (size_t lo = 0, hi; lo < rs->n_stays; lo = hi) {
        for (hi = lo + 1; hi < rs->n_stays && rs->stays[hi].child == rs->stays[lo].child;)
            hi++;
        for (size_t i = lo; i < hi; i++) {
            const rec_stay_t *y = &rs->stays[i];
            int s = y->stage;
            if (s < 0 || s >= ns || y->start > cutoff)
                continue; /* an extract on the cutoff does not show it */
            long end = y->end; /* REC_OPEN is later than any day */
            long w0 = r->w0s[s];
            if (end > cutoff)
                r->stock0[s] += 1;
            if (y->start > w0) {
                r->entries[s] += 1;
                if (!from_another_stay(rs, lo, hi, i))
                    r->outside[s] += 1;
            }
            long a = y->start > w0 + 1 ? y->start : w0 + 1;
            long b = end < cutoff + 1 ? end : cutoff + 1;
            if (b > a)
                r->stock_days[s] += (double)(b - a);
            if (end != REC_OPEN && end > w0 && end <= cutoff) {
                int t = y->next == REC_EXIT ? ns : y->next;
                if (t >= 0 && t <= ns)
                    r->moves[(size_t)s * (size_t)(ns + 1) + (size_t)t] += 1;
            }
        }
    }
    return 0;
}

/* Days of month k's period (month end k-1, month end k] over days in its month. */
static double month_share(long cutoff, int k)
{
    long me = bt_month_end_after(cutoff, k);
    long prev = k == 1 ? cutoff : bt_month_end_after(cutoff, k - 1);
    int y, m, d;
    cal_to_ymd(me, &y, &m, &d);
    return (double)(me - prev) / (double)d; /* me is its month's last day: d days */
}

void bt_persistence(const bt_rates_t *r, int horizon, double *out_stock, double *out_entries)
{
    int ns = r->n_stages;
    for (int k = 1; k <= horizon; k++) {
        double share = month_share(r->cutoff, k);
        for (int s = 0; s < ns; s++) {
            out_stock[(size_t)(k - 1) * ns + s] = r->stock0[s];
            /* a stage's shorter window counts as that share of the W months */
            double days = (double)(r->cutoff - r->w0s[s]), full = (double)(r->cutoff - r->w0);
            out_entries[(size_t)(k - 1) * ns + s] =
                days > 0 ? r->entries[s] / ((double)r->window_months * days / full) * share
                         : 0;
        }
    }
}

int bt_project(const bt_rates_t *r, int horizon, double *out_stock, double *out_entries)
{
    int ns = r->n_stages, n1 = ns + 1;
    if (ns <= 0 || horizon <= 0)
        return 0;
    double *q = mem_calloc((size_t)ns * (size_t)n1, sizeof *q);
    double *qout = mem_calloc((size_t)ns, sizeof *qout);
    double *x = mem_calloc((size_t)ns, sizeof *x);
    double *in = mem_calloc((size_t)ns, sizeof *in);
    double *acc = mem_calloc((size_t)ns, sizeof *acc);
    if (!q || !qout || !x || !in || !acc) {
        mem_free(q);
        mem_free(qout);
        mem_free(x);
        mem_free(in);
        mem_free(acc);
        return SIM_ENOMEM;
    }
    for (int s = 0; s < ns; s++) {
        for (int t = 0; t < n1; t++) {
            double m = r->moves[(size_t)s * n1 + t];
            q[(size_t)s * n1 + t] = r->stock_days[s] > 0 ? m / r->stock_days[s] : 0;
            qout[s] += q[(size_t)s * n1 + t];
        }
        x[s] = r->stock0[s];
    }
    long day = r->cutoff;
    for (int k = 1; k <= horizon; k++) {
        long me = bt_month_end_after(r->cutoff, k);
        for (int s = 0; s < ns; s++)
            acc[s] = 0;
        for (; day < me; day++) {
            for (int s = 0; s < ns; s++) {
                double days = (double)(r->cutoff - r->w0s[s]);
                in[s] = days > 0 ? r->outside[s] / days : 0;
                for (int u = 0; u < ns; u++)
                    in[s] += x[u] * q[(size_t)u * n1 + s];
            }
            for (int s = 0; s < ns; s++) {
                x[s] += in[s] - x[s] * qout[s];
                acc[s] += in[s];
            }
        }
        for (int s = 0; s < ns; s++) {
            out_stock[(size_t)(k - 1) * ns + s] = x[s];
            out_entries[(size_t)(k - 1) * ns + s] = acc[s];
        }
    }
    mem_free(q);
    mem_free(qout);
    mem_free(x);
    mem_free(in);
    mem_free(acc);
    return 0;
}

/* The index stage s has among the kept stages, or -1. */
static int kept_index(const unsigned char *keep, int s)
{
    if (!keep[s])
        return -1;
    int k = 0;
    for (int i = 0; i < s; i++)
        k += keep[i] != 0;
    return k;
}

int bt_keep_stages(rec_set_t *rs, const unsigned char *keep)
{
    int ns = rs->n_stages, kept = 0;
    /* the stays, renumbered, in their order */
    size_t n = 0;
    for (size_t i = 0; i < rs->n_stays; i++) {
        rec_stay_t y = rs->stays[i];
        if (y.stage < 0 || y.stage >= ns || !keep[y.stage])
            continue;
        y.stage = (int16_t)kept_index(keep, y.stage);
        if (y.next >= 0 && y.next < ns)
            y.next = keep[y.next] ? (int16_t)kept_index(keep, y.next) : (int16_t)REC_EXIT;
        rs->stays[n++] = y;
    }
    rs->n_stays = n;
    /* the stages and their observed_from */
    for (int s = 0; s < ns; s++) {
        if (!keep[s]) {
            mem_free(rs->stages[s]);
            continue;
        }
        rs->stages[kept] = rs->stages[s];
        if (rs->observed_from)
            rs->observed_from[kept] = rs->observed_from[s];
        kept++;
    }
    rs->n_stages = kept;
    /* the children with a stay left: stays are sorted by child, so the new index of a
     * child is the count of kept children before it */
    size_t nc = 0, i = 0;
    for (size_t c = 0; c < rs->n_children; c++) {
        int has = i < n && rs->stays[i].child == c;
        if (!has) {
            mem_free(rs->children[c].id);
            continue;
        }
        rs->children[nc] = rs->children[c];
        for (; i < n && rs->stays[i].child == c; i++)
            rs->stays[i].child = (uint32_t)nc;
        nc++;
    }
    rs->n_children = nc;
    rs->first = LONG_MAX;
    for (size_t j = 0; j < n; j++)
        if (rs->stays[j].start < rs->first)
            rs->first = rs->stays[j].start;
    if (n == 0)
        rs->first = rs->extract;
    return kept;
}

static char **copy_names(char *const *names, int n, int *ok)
{
    char **c = mem_calloc((size_t)n + 1, sizeof *c);
    if (!c) {
        *ok = 0;
        return NULL;
    }
    for (int i = 0; i < n; i++)
        if (!(c[i] = mem_strdup(names[i])))
            *ok = 0;
    return c;
}

int bt_resample(const rec_set_t *rs, struct rng *r, rec_set_t **out)
{
    *out = NULL;
    rec_set_t *o = mem_calloc(1, sizeof *o);
    /* from[j] .. from[j + 1]: the stays of the j-th child with a stay (stays are sorted
     * by child) */
    size_t *from = mem_calloc(rs->n_stays + 2, sizeof *from);
    size_t m = 0;
    int ok = o && from;
    if (ok) {
        for (size_t i = 0; i < rs->n_stays; i++)
            if (i == 0 || rs->stays[i].child != rs->stays[i - 1].child)
                from[m++] = i;
        from[m] = rs->n_stays;
        o->n_stages = rs->n_stages;
        o->stages = copy_names(rs->stages, rs->n_stages, &ok);
        o->n_flags = rs->n_flags;
        o->flags = copy_names(rs->flags, rs->n_flags, &ok);
        o->n_files = rs->n_files;
        o->files = copy_names(rs->files, rs->n_files, &ok);
        o->observed_from = mem_calloc((size_t)rs->n_stages + 1, sizeof *o->observed_from);
        o->children = mem_calloc(m + 1, sizeof *o->children);
        /* the draws may hold more stays than rs: grown as they come */
        o->stays = mem_reallocarray(NULL, rs->n_stays + 1, sizeof *o->stays);
        ok = ok && o->observed_from && o->children && o->stays;
    }
    if (!ok) {
        mem_free(from);
        if (o) {
            o->n_stages = o->stages ? o->n_stages : 0;
            o->n_flags = o->flags ? o->n_flags : 0;
            o->n_files = o->files ? o->n_files : 0;
            rec_free(o);
        }
        return SIM_ENOMEM;
    }
    for (int s = 0; s < rs->n_stages && rs->observed_from; s++)
        o->observed_from[s] = rs->observed_from[s];
    if (!rs->observed_from)
        for (int s = 0; s < rs->n_stages; s++)
            o->observed_from[s] = LONG_MIN;
    o->n_other_files = rs->n_other_files;
    o->extract = rs->extract;
    memcpy(o->quality, rs->quality, sizeof o->quality);
    size_t cap = rs->n_stays + 1, n = 0;
    o->first = LONG_MAX;
    for (size_t k = 0; k < m; k++) {
        size_t j = (size_t)(rng_uniform(r) * (double)m);
        if (j >= m)
            j = m - 1;
        size_t a = from[j], e = from[j + 1];
        const rec_child_t *src = &rs->children[rs->stays[a].child];
        char id[32];
        snprintf(id, sizeof id, "b%zu", k + 1);
        o->children[k] = *src;
        if (!(o->children[k].id = mem_strdup(id))) {
            o->n_children = k;
            goto oom;
        }
        o->n_children = k + 1;
        if (n + (e - a) > cap) {
            size_t nc = cap * 2 > n + (e - a) ? cap * 2 : n + (e - a);
            rec_stay_t *g = mem_reallocarray(o->stays, nc, sizeof *g);
            if (!g)
                goto oom;
            o->stays = g;
            cap = nc;
        }
        for (size_t i = a; i < e; i++) {
            rec_stay_t y = rs->stays[i];
            y.child = (uint32_t)k;
            if (y.start < o->first)
                o->first = y.start;
            o->stays[n++] = y;
        }
        o->n_stays = n;
    }
    if (n == 0)
        o->first = rs->first;
    mem_free(from);
    *out = o;
    return 0;
oom:
    mem_free(from);
    rec_free(o);
    return SIM_ENOMEM;
}

/* ---- rows and scores ------------------------------------------------------------------ */

double bt_pct_error(double f, double a)
{
    if (isnan(f) || isnan(a) || a == 0)
        return NAN;
    return (f - a) / a * 100.0;
}

int bt_scores(const bt_row_t *rows, size_t n_rows, int n_stages, int horizon,
              bt_score_t **out, size_t *n_out)
{
    *out = NULL;
    *n_out = 0;
    if (n_stages <= 0 || horizon <= 0)
        return 0;
    size_t n = (size_t)n_stages * BT_N_METRICS * (size_t)horizon * BT_N_MODELS;
    bt_score_t *sc = mem_calloc(n, sizeof *sc);
    if (!sc)
        return SIM_ENOMEM;
    /* sums first: mape in mape, bias in bias_pct, hits in coverage50/90 */
    for (size_t i = 0; i < n_rows; i++) {
        const bt_row_t *w = &rows[i];
        if (w->stage < 0 || w->stage >= n_stages || w->months_ahead < 1 ||
            w->months_ahead > horizon || (int)w->metric < 0 || w->metric >= BT_N_METRICS)
            continue;
        if (isnan(w->actual) || !(w->actual > 0))
            continue;
        double f[BT_N_MODELS] = {w->mean, w->persistence, w->rates};
        size_t base = (((size_t)w->stage * BT_N_METRICS + w->metric) * (size_t)horizon +
                       (size_t)(w->months_ahead - 1)) * BT_N_MODELS;
        for (int m = 0; m < BT_N_MODELS; m++) {
            if (isnan(f[m]))
                continue;
            bt_score_t *s = &sc[base + (size_t)m];
            double e = (f[m] - w->actual) / w->actual * 100.0;
            s->mape += fabs(e);
            s->bias_pct += e;
            if (m == BT_CAREFLOW) {
                s->coverage50 += w->q[1] <= w->actual && w->actual <= w->q[3];
                s->coverage90 += w->q[0] <= w->actual && w->actual <= w->q[4];
            }
            s->n++;
        }
    }
    size_t i = 0;
    for (int st = 0; st < n_stages; st++)
        for (int me = 0; me < BT_N_METRICS; me++)
            for (int k = 1; k <= horizon; k++)
                for (int m = 0; m < BT_N_MODELS; m++, i++) {
                    bt_score_t *s = &sc[i];
                    s->stage = st;
                    s->metric = (bt_metric_t)me;
                    s->months_ahead = k;
                    s->model = (bt_model_t)m;
                    if (s->n == 0) {
                        s->mape = s->bias_pct = s->coverage50 = s->coverage90 = NAN;
                        continue;
                    }
                    s->mape /= s->n;
                    s->bias_pct /= s->n;
                    if (m == BT_CAREFLOW) {
                        s->coverage50 /= s->n;
                        s->coverage90 /= s->n;
                    } else {
                        s->coverage50 = s->coverage90 = NAN;
                    }
                }
    *out = sc;
    *n_out = n;
    return 0;
}
