/* estimate.c: a scenario estimated from a record set (estimate.h); docs/estimate.md
 * says what each estimate means, in planners' words.
 *
 * The records are read as an extract on as_of would show them: a stay starting after
 * as_of is not there, a stay ending after it is open (censored at as_of). Nothing here
 * modifies the record set. The steps:
 * 1. one row per visible stay (stay_t): entry from outside or not, ages at entry and
 *    exit, duration and whether it ended;
 * 2. per stage: arrivals (entries from outside in the window, their ages and flags, a
 *    Poisson trend over the months of complete record), routing (next stages of stays
 *    ending in the window, with odds by age band at exit), durations (Kaplan-Meier by
 *    age band at entry, left-truncated at observed_from), written as YAML text with a
 *    comment on every estimated number;
 * Where a stage's record is complete (rs->observed_from) bounds each step: entries and
 * exits are counted only from that day, a stay begun before it counts from it.
 * 3. the open stays as open-cases.csv.
 * With a template, its merged tree is written back (models/scenario/ytree.h's
 * emitter) with only what the records inform replaced (est_template.c).
 *
 * On failure nothing is returned (the result is freed) and err holds one line. */
#include "models/estimate/estimate.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models/estimate/est_internal.h"
#include "sim/cal.h"
#include "sim/err.h"
#include "sim/km.h"
#include "sim/mem.h"
#include "sim/sa.h"
#include "sim/text.h"

/* Age bands (years): routing odds by age at exit, durations by age at entry. */
static const double band_edge[EST_N_BANDS + 1] = {0, 5, 10, 16, 18};

void est_opts_default(est_opts_t *o)
{
    *o = (est_opts_t){0};
    o->window_months = 12;
    o->horizon_months = 12;
    o->replications = 20;
    o->seed = 1;
    o->name = NULL; /* forecast-YYYY-MM-DD of the as-of date */
    o->open_cases_file = "open-cases.csv";
}

void est_result_free(est_result_t *r)
{
    if (!r)
        return;
    mem_free(r->yaml);
    mem_free(r->open_cases);
    *r = (est_result_t){0};
}

int est__band_of(double age)
{
    for (int b = 0; b < EST_N_BANDS - 1; b++)
        if (age < band_edge[b + 1])
            return b;
    return EST_N_BANDS - 1;
}

double est__band_edge(int b) { return band_edge[b]; }

/* `months` calendar months before `day`, the day of the month clamped to its end. */
long est__months_before(long day, int months)
{
    int y, m, d;
    cal_to_ymd(day, &y, &m, &d);
    long mm = (long)y * 12 + (m - 1) - months;
    int ny = (int)(mm >= 0 ? mm / 12 : -((-mm + 11) / 12));
    int nm = (int)(mm - (long)ny * 12) + 1;
    long first = cal_from_ymd(ny, nm, 1);
    long last = cal_month_end(first);
    long want = first + d - 1;
    return want > last ? last : want;
}

/* ---- step 1: the stays as an extract on as_of shows them ------------------------- */

static int build_stays(est__t *E)
{
    const rec_set_t *rs = E->rs;
    E->stays = mem_calloc(rs->n_stays ? rs->n_stays : 1, sizeof *E->stays);
    if (!E->stays)
        return SIM_ENOMEM;
    size_t n = 0;
    for (size_t i = 0; i < rs->n_stays; i++) {
        const rec_stay_t *r = &rs->stays[i];
        if (r->start > E->as_of || r->stage < 0 || r->stage >= rs->n_stages)
            continue;
        est__stay_t *s = &E->stays[n++];
        s->rec = i;
        s->child = r->child;
        s->stage = r->stage;
        s->start = r->start;
        s->ended = r->end != REC_OPEN && r->end <= E->as_of;
        s->end = s->ended ? r->end : E->as_of;
        s->next = s->ended ? (r->next == REC_NONE ? REC_EXIT : r->next) : REC_NONE;
        long dob = r->child < rs->n_children ? rs->children[r->child].dob : REC_NO_DOB;
        s->age_in = dob == REC_NO_DOB ? NAN : (double)(s->start - dob) / CAL_DAYS_PER_YEAR;
        s->age_out = dob == REC_NO_DOB ? NAN : (double)(s->end - dob) / CAL_DAYS_PER_YEAR;
        s->days = (double)(s->end - s->start);
        s->aged_out = s->ended && s->next == REC_EXIT && dob != REC_NO_DOB &&
                      (double)(s->end - dob) >= E->max_age * CAL_DAYS_PER_YEAR - 1;
    }
    E->n_stays = n;
    /* from outside: no stay of the child ends on this start with next = this stage
     * (the child's stays are contiguous: the records are sorted by child) */
    for (size_t a = 0; a < n;) {
        size_t b = a;
        while (b < n && E->stays[b].child == E->stays[a].child)
            b++;
        for (size_t i = a; i < b; i++) {
            est__stay_t *s = &E->stays[i];
            s->outside = 1;
            for (size_t j = a; j < b && s->outside; j++) {
                const est__stay_t *p = &E->stays[j];
                if (j != i && p->ended && p->end == s->start && p->next == s->stage)
                    s->outside = 0;
            }
        }
        a = b;
    }
    return 0;
}

/* ---- the Poisson trend over the whole record -------------------------------------- */

/* Fits log mu_m = a + b x_m + log(days_m) to monthly counts y_m (x in years) by Newton's
 * method; se of b from the inverse information, scaled by sqrt(max(1, Pearson
 * dispersion)) (quasi-Poisson). Returns 0, or -1 when the fit is not defined. */
static int poisson_trend(const double *y, const double *x, const double *days, int m,
                         double *b_out, double *se_out)
{
    double sy = 0, sd = 0;
    for (int i = 0; i < m; i++) {
        sy += y[i];
        sd += days[i];
    }
    if (m < 3 || sy <= 0 || sd <= 0)
        return -1;
    double a = log(sy / sd), b = 0;
    double i00 = 0, i01 = 0, i11 = 0;
    for (int it = 0; it < 100; it++) {
        double g0 = 0, g1 = 0;
        i00 = i01 = i11 = 0;
        for (int i = 0; i < m; i++) {
            double mu = exp(a + b * x[i]) * days[i];
            g0 += y[i] - mu;
            g1 += x[i] * (y[i] - mu);
            i00 += mu;
            i01 += x[i] * mu;
            i11 += x[i] * x[i] * mu;
        }
        double det = i00 * i11 - i01 * i01;
        if (!(det > 0) || !isfinite(det))
            return -1;
        double da = (i11 * g0 - i01 * g1) / det, db = (i00 * g1 - i01 * g0) / det;
        a += da;
        b += db;
        if (!isfinite(a) || !isfinite(b) || fabs(b) > 50)
            return -1;
        if (fabs(da) < 1e-12 && fabs(db) < 1e-12)
            break;
    }
    double det = i00 * i11 - i01 * i01, chi = 0;
    for (int i = 0; i < m; i++) {
        double mu = exp(a + b * x[i]) * days[i];
        if (mu > 0)
            chi += (y[i] - mu) * (y[i] - mu) / mu;
    }
    double phi = m > 2 ? chi / (m - 2) : 1.0;
    *b_out = b;
    *se_out = sqrt(i00 / det) * sqrt(phi > 1.0 ? phi : 1.0);
    return 0;
}

static int stage_trend(est__t *E, int st, est__arrivals_t *A)
{
    /* whole calendar months inside [first day entries are known, as_of] */
    long first = E->arr_from[st];
    if (first == LONG_MIN) { /* no observed_from: the whole record */
        first = LONG_MAX;
        for (size_t i = 0; i < E->n_stays; i++)
            if (E->stays[i].start < first)
                first = E->stays[i].start;
    }
    if (first > E->as_of)
        return 0;
    int y, mo, d;
    cal_to_ymd(first, &y, &mo, &d);
    long m0 = d == 1 ? first : cal_month_end(first) + 1;
    int nm = 0;
    for (long s = m0; cal_month_end(s) <= E->as_of; s = cal_month_end(s) + 1)
        nm++;
    A->trend_months = nm;
    if (nm < EST_TREND_MIN_MONTHS)
        return 0;
    double *buf = mem_calloc((size_t)nm * 3, sizeof *buf);
    if (!buf)
        return SIM_ENOMEM;
    double *cnt = buf, *x = buf + nm, *days = buf + 2 * nm;
    long s = m0;
    for (int k = 0; k < nm; k++) {
        long e = cal_month_end(s);
        days[k] = (double)(e - s + 1);
        x[k] = ((double)(s + e) / 2.0 - (double)E->as_of) / CAL_DAYS_PER_YEAR;
        s = e + 1;
    }
    for (size_t i = 0; i < E->n_stays; i++) {
        const est__stay_t *t = &E->stays[i];
        if (t->stage != st || !t->outside || t->start < m0)
            continue;
        long k = 0, ms = m0;
        while (k < nm && cal_month_end(ms) < t->start) {
            ms = cal_month_end(ms) + 1;
            k++;
        }
        if (k < nm)
            cnt[k] += 1;
    }
    A->trend_from = m0;
    A->trend_to = s - 1;
    if (poisson_trend(cnt, x, days, nm, &A->trend_b, &A->trend_se) == 0) {
        A->trend_fitted = 1;
        A->trend_z = A->trend_se > 0 ? A->trend_b / A->trend_se : 0;
        A->trend_used = fabs(A->trend_z) > EST_TREND_Z;
    }
    mem_free(buf);
    return 0;
}

/* obs_from and arr_from (est__t): where each stage's record is complete, and from when
 * its entries from outside are known. */
static int set_from(est__t *E)
{
    int ns = E->rs->n_stages;
    E->obs_from = mem_calloc((size_t)ns, sizeof *E->obs_from);
    E->arr_from = mem_calloc((size_t)ns, sizeof *E->arr_from);
    if (!E->obs_from || !E->arr_from)
        return SIM_ENOMEM;
    for (int st = 0; st < ns; st++)
        E->obs_from[st] = E->arr_from[st] = E->rs->observed_from
                                                ? E->rs->observed_from[st] : LONG_MIN;
    for (size_t i = 0; i < E->n_stays; i++) {
        const est__stay_t *s = &E->stays[i];
        if (s->next >= 0 && s->next < ns && E->obs_from[s->stage] > E->arr_from[s->next])
            E->arr_from[s->next] = E->obs_from[s->stage];
    }
    return 0;
}

/* ---- step 2: the estimates of each stage ----------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int estimate_arrivals(est__t *E, int st)
{
    est__arrivals_t *A = &E->arr[st];
    A->from = E->arr_from[st] > E->win_from ? E->arr_from[st] : E->win_from;
    A->days = A->from > E->as_of ? 0 : (double)(E->as_of - A->from + 1);
    size_t n = 0;
    for (size_t i = 0; i < E->n_stays; i++) {
        const est__stay_t *s = &E->stays[i];
        if (s->stage == st && s->outside && s->start >= A->from)
            n++;
    }
    A->n = (long)n;
    A->flag_n = mem_calloc(E->rs->n_flags ? (size_t)E->rs->n_flags : 1, sizeof *A->flag_n);
    A->ages = mem_calloc(n ? n : 1, sizeof *A->ages);
    if (!A->flag_n || !A->ages)
        return SIM_ENOMEM;
    for (size_t i = 0; i < E->n_stays; i++) {
        const est__stay_t *s = &E->stays[i];
        if (s->stage != st || !s->outside || s->start < A->from)
            continue;
        uint64_t fl = E->rs->children[s->child].flags;
        for (int f = 0; f < E->rs->n_flags; f++)
            if (fl >> f & 1)
                A->flag_n[f]++;
        if (!isnan(s->age_in)) {
            double a = s->age_in < 0 ? 0 : s->age_in;
            double top = band_edge[EST_N_BANDS] - 1.0 / CAL_DAYS_PER_YEAR;
            A->ages[A->n_ages++] = a > top ? top : a;
        }
    }
    qsort(A->ages, (size_t)A->n_ages, sizeof *A->ages, cmp_double);
    if (n == 0)
        return 0;
    return stage_trend(E, st, A);
}

static int estimate_routing(est__t *E, int st)
{
    est__routing_t *R = &E->rt[st];
    int nt = E->rs->n_stages + 1; /* targets: stages, then exit */
    R->count = mem_calloc((size_t)nt * (EST_N_BANDS + 1), sizeof *R->count);
    if (!R->count)
        return SIM_ENOMEM;
    long of = E->obs_from[st];
    R->from = of > E->win_from ? of : E->win_from;
    for (int pass = 0; pass < 2 && R->n == 0; pass++) {
        if (pass == 1) { /* no exit in the window: every exit the records hold whole */
            R->whole_record = 1;
            R->n_aged = 0;
            R->from = of;
        }
        for (size_t i = 0; i < E->n_stays; i++) {
            const est__stay_t *s = &E->stays[i];
            if (s->stage != st || !s->ended || s->end < R->from)
                continue;
            if (s->aged_out) {
                R->n_aged++;
                continue;
            }
            int t = s->next == REC_EXIT ? nt - 1 : s->next;
            R->count[t]++;
            R->n++;
            if (!isnan(s->age_out)) {
                int b = est__band_of(s->age_out);
                R->count[(size_t)(b + 1) * (size_t)nt + (size_t)t]++;
            }
        }
    }
    return 0;
}

/* 1: stay s of stage st counts in its durations: it ends (or is open) on or after the
 * day the stage's record is complete. */
static int dur_kept(const est__t *E, const est__stay_t *s)
{
    return s->end >= E->obs_from[s->stage];
}

/* Kaplan-Meier of the kept stays of stage st whose band (at entry) is in [b0, b1];
 * b0 < 0: every stay, the unknown ages included. A stay begun before observed_from
 * enters the risk set at observed_from - start. */
static int fit_durations(est__t *E, int st, int b0, int b1, km_t *k, long *n_open)
{
    size_t n = 0;
    for (size_t i = 0; i < E->n_stays; i++)
        n += E->stays[i].stage == st;
    double *t = mem_calloc(n ? n : 1, sizeof *t);
    double *en = mem_calloc(n ? n : 1, sizeof *en);
    unsigned char *e = mem_calloc(n ? n : 1, 1);
    if (!t || !e || !en) {
        mem_free(t);
        mem_free(en);
        mem_free(e);
        return SIM_ENOMEM;
    }
    size_t m = 0;
    *n_open = 0;
    for (size_t i = 0; i < E->n_stays; i++) {
        const est__stay_t *s = &E->stays[i];
        if (s->stage != st || !dur_kept(E, s))
            continue;
        if (b0 >= 0) {
            if (isnan(s->age_in))
                continue;
            int b = est__band_of(s->age_in < 0 ? 0 : s->age_in);
            if (b < b0 || b > b1)
                continue;
        }
        t[m] = s->days;
        long of = E->obs_from[st]; /* may be LONG_MIN: no integer difference */
        en[m] = s->start < of ? (double)of - (double)s->start : 0;
        e[m] = (unsigned char)(s->ended && !s->aged_out); /* ageing out: censored */
        *n_open += !s->ended;
        m++;
    }
    int rc = km_fit_entry(t, en, e, m, k);
    mem_free(t);
    mem_free(en);
    mem_free(e);
    return rc;
}

static int estimate_durations(est__t *E, int st)
{
    est__durations_t *D = &E->du[st];
    D->from = E->obs_from[st];
    for (size_t i = 0; i < E->n_stays; i++) {
        const est__stay_t *s = &E->stays[i];
        if (s->stage != st)
            continue;
        if (!dur_kept(E, s))
            D->n_dropped++;
        else if (s->start < D->from)
            D->n_late++;
    }
    int rc = fit_durations(E, st, -1, -1, &D->all, &D->all_open);
    if (rc)
        return rc;
    D->t_max = D->all.t_max;
    /* bands at entry, merged upwards until each group has enough stays */
    long cnt[EST_N_BANDS] = {0}, ev[EST_N_BANDS] = {0};
    for (size_t i = 0; i < E->n_stays; i++) {
        const est__stay_t *s = &E->stays[i];
        if (s->stage != st || isnan(s->age_in) || !dur_kept(E, s))
            continue;
        int b = est__band_of(s->age_in < 0 ? 0 : s->age_in);
        cnt[b]++;
        ev[b] += s->ended && !s->aged_out;
    }
    int g = 0, lo = 0;
    long c = 0, v = 0;
    for (int b = 0; b < EST_N_BANDS; b++) {
        c += cnt[b];
        v += ev[b];
        if (c >= EST_DUR_MIN_STAYS && v >= EST_DUR_MIN_ENDED) {
            D->group_lo[g] = lo;
            D->group_hi[g] = b;
            g++;
            lo = b + 1;
            c = v = 0;
        }
    }
    if (g > 0 && lo < EST_N_BANDS) /* the leftover joins the last group */
        D->group_hi[g - 1] = EST_N_BANDS - 1;
    if (g > 0)
        D->group_lo[0] = 0;
    D->n_groups = g >= 2 ? g : 0;
    for (int i = 0; i < D->n_groups; i++)
        if ((rc = fit_durations(E, st, D->group_lo[i], D->group_hi[i], &D->group[i],
                                &D->group_open[i])))
            return rc;
    return 0;
}

/* ---- the whole estimate ----------------------------------------------------------- */

static void est_free(est__t *E)
{
    int ns = E->rs ? E->rs->n_stages : 0;
    if (E->arr)
        for (int i = 0; i < ns; i++) {
            mem_free(E->arr[i].flag_n);
            mem_free(E->arr[i].ages);
        }
    if (E->rt)
        for (int i = 0; i < ns; i++)
            mem_free(E->rt[i].count);
    if (E->du)
        for (int i = 0; i < ns; i++) {
            km_free(&E->du[i].all);
            for (int g = 0; g < EST_N_BANDS; g++)
                km_free(&E->du[i].group[g]);
        }
    mem_free(E->obs_from);
    mem_free(E->arr_from);
    mem_free(E->arr);
    mem_free(E->rt);
    mem_free(E->du);
    mem_free(E->stays);
}

static int check_inputs(const rec_set_t *rs, const est_opts_t *o, char *err, size_t errlen)
{
    if (o->window_months < 1 || o->window_months > 1200)
        return sim_err_set(err, errlen, SIM_EINVAL, "--window-months must be 1..1200");
    if (o->horizon_months < 1 || o->horizon_months > 1200)
        return sim_err_set(err, errlen, SIM_EINVAL, "--horizon-months must be 1..1200");
    if (o->replications < 1)
        return sim_err_set(err, errlen, SIM_EINVAL, "replications must be at least 1");
    if (o->name && !text_is_slug(o->name))
        return sim_err_set(err, errlen, SIM_EINVAL,
                           "the scenario name must be lower-case letters, digits, '_' "
                           "and '-'");
    if (!o->open_cases_file || !*o->open_cases_file || strchr(o->open_cases_file, '\n'))
        return sim_err_set(err, errlen, SIM_EINVAL, "no open-cases file name");
    if (rs->n_stages < 1 || rs->n_stages > EST_MAX_STAGES)
        return sim_err_set(err, errlen, SIM_EINVAL, "the records hold %d stages (1..%d "
                           "can be estimated)", rs->n_stages, EST_MAX_STAGES);
    char buf[SIM_ERR_CLIP + 1];
    for (int i = 0; i < rs->n_stages; i++)
        if (!text_is_name(rs->stages[i]) || strcmp(rs->stages[i], "exit") == 0)
            return sim_err_set(err, errlen, SIM_EINVAL,
                               "stage '%s' cannot name a scenario stage: use letters, "
                               "digits, '_' and '-' (and not 'exit')",
                               sim_err_clip(buf, sizeof buf, rs->stages[i]));
    for (int i = 0; i < rs->n_flags; i++)
        if (!text_is_name(rs->flags[i]))
            return sim_err_set(err, errlen, SIM_EINVAL,
                               "flag '%s' cannot name a scenario flag: use letters, "
                               "digits, '_' and '-'",
                               sim_err_clip(buf, sizeof buf, rs->flags[i]));
    return 0;
}

int est_estimate(const rec_set_t *rs, const est_opts_t *o, est_result_t *out, char *err,
                 size_t errlen)
{
    *out = (est_result_t){0};
    int rc = check_inputs(rs, o, err, errlen);
    if (rc)
        return rc;
    est__t E = {.rs = rs, .o = o, .max_age = band_edge[EST_N_BANDS]};
    E.as_of = o->as_of ? o->as_of : rs->extract;
    E.win_from = est__months_before(E.as_of, o->window_months) + 1;
    E.win_days = (double)(E.as_of - E.win_from + 1);
    int ns = rs->n_stages;
    if ((rc = build_stays(&E)) || (rc = set_from(&E)))
        goto fail;
    E.arr = mem_calloc((size_t)ns, sizeof *E.arr);
    E.rt = mem_calloc((size_t)ns, sizeof *E.rt);
    E.du = mem_calloc((size_t)ns, sizeof *E.du);
    if (!E.arr || !E.rt || !E.du) {
        rc = SIM_ENOMEM;
        goto fail;
    }
    long arrivals = 0, ended = 0;
    for (int st = 0; st < ns; st++) {
        if ((rc = estimate_arrivals(&E, st)) || (rc = estimate_routing(&E, st)) ||
            (rc = estimate_durations(&E, st)))
            goto fail;
        arrivals += E.arr[st].n;
        ended += E.rt[st].whole_record ? 0 : E.rt[st].n;
    }
    char d0[11], d1[11];
    cal_format(E.win_from, d0);
    cal_format(E.as_of, d1);
    if (E.n_stays == 0) {
        rc = sim_err_set(err, errlen, SIM_EINVAL, "no stay starts on or before the as-of "
                         "date %s: nothing to estimate from", d1);
        goto fail;
    }
    if (arrivals == 0) {
        rc = sim_err_set(err, errlen, SIM_EINVAL, "no child entered from outside in the "
                         "window %s..%s: no arrival rate can be estimated (a longer "
                         "--window-months may help)", d0, d1);
        goto fail;
    }
    if (ended == 0) {
        rc = sim_err_set(err, errlen, SIM_EINVAL, "no stay ended in the window %s..%s: no "
                         "routing can be estimated (a longer --window-months may help)",
                         d0, d1);
        goto fail;
    }
    est__text_t y = {0}, c = {0};
    if (o->template_path)
        rc = est__write_template(&E, &y, err, errlen);
    else
        rc = est__write_yaml(&E, &y);
    if (!rc)
        rc = est__write_open_cases(&E, &c, &out->n_open);
    if (!rc && (y.oom || c.oom))
        rc = SIM_ENOMEM;
    if (rc) {
        est__text_free(&y);
        est__text_free(&c);
        if (rc == SIM_ENOMEM)
            sim_err_set(err, errlen, rc, "out of memory");
        goto fail;
    }
    out->yaml = y.buf;
    out->yaml_len = y.len;
    out->open_cases = c.buf;
    out->open_cases_len = c.len;
    est_free(&E);
    return 0;
fail:
    if (rc == SIM_ENOMEM)
        sim_err_set(err, errlen, rc, "out of memory");
    est_free(&E);
    return rc;
}
