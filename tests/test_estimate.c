/* test_estimate.c: the estimate from records built by hand in memory, checked against
 * hand computation (arrival counts, routing shares, flag shares, Kaplan-Meier cdf
 * points, open cases and their history); the written YAML loads with scenario_load;
 * a trend appears for a growing record and not for a flat one; and a simulated truth
 * (Poisson arrivals, exponential durations, known routing) is recovered within
 * sampling error; where the records hold every stay (observed_from) cuts the counts and
 * truncates the Kaplan-Meier fit, worked by hand; --template keeps the template's
 * pools, costs, titles and other stages and streams, replaces what the records inform
 * (with the very estimates written without a template) and drops stale `next` keys; a
 * template the loader refuses is reported with its loader error; ytree's emitter
 * writes every shipped scenario's merged tree back so it parses to the same tree;
 * `adjust` odds by age are written only for an age effect beyond chance: records with
 * none get no `adjust` in at most 8 of 200 seeds (the test's family-wise level is 0.01,
 * so about 2 are expected; P(more than 8) is below 1e-4), and records whose children
 * aged 14-18 go to care with odds x 3 get the band [16, 18) back with its care share
 * within 3.29 binomial standard errors of the truth's 0.25; stays that end as the
 * child reaches max_age (18) are censored, not events, and are left out of the routing
 * (the model ends those cases itself): children entering at 16-18 for an exponential
 * stay of mean 300 days, cut at 18, give back the median 300 ln 2 = 207.9 days within
 * 10% (counting the cuts as events gives about 145) and the share 0.3 of the others
 * within 3.29 binomial standard errors.
 *
 * Every YAML is written with its open-cases.csv into a fresh folder and loaded with
 * scenario_load, as `careflow run` loads it. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "models/estimate/estimate.h"
#include "models/scenario/scenario.h"
#include "models/scenario/ytree.h"
#include "sim/cal.h"
#include "sim/dist.h"
#include "sim/err.h"
#include "sim/mem.h"
#include "sim/rng.h"

static long D(const char *s)
{
    long d = 0;
    assert_int_equal(cal_parse(s, &d), 0);
    return d;
}

/* A record set grown in memory (the test owns every array; freed by rs_done). */
typedef struct {
    rec_set_t rs;
    size_t cap_c, cap_s;
} build_t;

static char *stage_names[] = {"referral", "assessment", "care"};
static char *flag_names[] = {"uasc"};

static void rs_init(build_t *b, int n_stages)
{
    memset(b, 0, sizeof *b);
    b->rs.n_stages = n_stages;
    b->rs.stages = stage_names;
    b->rs.n_flags = 1;
    b->rs.flags = flag_names;
    b->rs.first = LONG_MAX;
}

static uint32_t add_child(build_t *b, const char *id, long dob, uint64_t flags)
{
    if (b->rs.n_children == b->cap_c) {
        b->cap_c = b->cap_c ? 2 * b->cap_c : 16;
        b->rs.children = realloc(b->rs.children, b->cap_c * sizeof *b->rs.children);
        assert_non_null(b->rs.children);
    }
    rec_child_t *c = &b->rs.children[b->rs.n_children];
    memset(c, 0, sizeof *c);
    c->id = strdup(id);
    c->dob = dob;
    c->flags = flags;
    return (uint32_t)b->rs.n_children++;
}

/* end REC_OPEN and next REC_NONE for an open stay. Stays must be added in the
 * records' order (child, start, stage). */
static void add_stay(build_t *b, uint32_t child, int stage, long start, long end, int next)
{
    if (b->rs.n_stays == b->cap_s) {
        b->cap_s = b->cap_s ? 2 * b->cap_s : 64;
        b->rs.stays = realloc(b->rs.stays, b->cap_s * sizeof *b->rs.stays);
        assert_non_null(b->rs.stays);
    }
    rec_stay_t *s = &b->rs.stays[b->rs.n_stays++];
    memset(s, 0, sizeof *s);
    s->child = child;
    s->stage = (int16_t)stage;
    s->start = start;
    s->end = end;
    s->next = (int16_t)next;
    if (start < b->rs.first)
        b->rs.first = start;
}

static void rs_done(build_t *b)
{
    for (size_t i = 0; i < b->rs.n_children; i++)
        free(b->rs.children[i].id);
    free(b->rs.children);
    free(b->rs.stays);
}

/* Writes the YAML into a fresh folder, loads it; the folder is removed. */
static scenario_t *load_text(const est_result_t *r)
{
    char dir[] = "/tmp/careflow-estimate-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[128], csv[128];
    snprintf(path, sizeof path, "%s/scenario.yaml", dir);
    snprintf(csv, sizeof csv, "%s/open-cases.csv", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fwrite(r->yaml, 1, r->yaml_len, f);
    fclose(f);
    f = fopen(csv, "w");
    assert_non_null(f);
    fwrite(r->open_cases, 1, r->open_cases_len, f);
    fclose(f);
    scenario_t *sc = NULL;
    char err[SIM_ERR_MAX];
    int rc = scenario_load(path, NULL, 0, &sc, err, sizeof err);
    if (rc)
        fprintf(stderr, "%s\n%s", err, r->yaml);
    assert_int_equal(rc, 0);
    unlink(path);
    unlink(csv);
    rmdir(dir);
    return sc;
}

static int arrival_to(const scenario_t *sc, const char *stage)
{
    int s = scenario_stage_index(sc, stage);
    for (int i = 0; i < sc->n_arrivals; i++)
        if (sc->arrivals[i].to == s)
            return i;
    return -1;
}

static double next_p(const scenario_t *sc, const char *from, const char *to)
{
    const scn_stage_t *st = &sc->stages[scenario_stage_index(sc, from)];
    int t = strcmp(to, "exit") == 0 ? SCN_EXIT : scenario_stage_index(sc, to);
    for (int i = 0; i < st->n_next; i++)
        if (st->next_stage[i] == t)
            return st->next_p[i];
    return 0;
}

/* The small record of the docs (five children):
 * c0 (uasc): referral 05-01..05-11 -> assessment 05-11..06-10 -> exit
 * c1: referral 07-01..07-01 (same day) -> exit; referral 09-01 open
 * c2: referral 2022-01-10..01-20 -> assessment ..03-01 -> care 2022-03-01 open
 * c3: referral 10-01..10-04 -> assessment 10-04 open
 * c4: assessment 08-01..08-21 (from outside) -> exit
 * (2023 unless said). As of 2024-03-31, window 2023-04-01..2024-03-31 (366 days). */
static void small_record(build_t *b)
{
    rs_init(b, 3);
    uint32_t c0 = add_child(b, "c0", D("2010-01-01"), 1);
    uint32_t c1 = add_child(b, "c1", D("2015-06-01"), 0);
    uint32_t c2 = add_child(b, "c2", D("2008-02-01"), 0);
    uint32_t c3 = add_child(b, "c3", D("2012-03-03"), 0);
    uint32_t c4 = add_child(b, "c,4", D("2011-01-01"), 0);
    add_stay(b, c0, 0, D("2023-05-01"), D("2023-05-11"), 1);
    add_stay(b, c0, 1, D("2023-05-11"), D("2023-06-10"), REC_EXIT);
    add_stay(b, c1, 0, D("2023-07-01"), D("2023-07-01"), REC_EXIT);
    add_stay(b, c1, 0, D("2023-09-01"), REC_OPEN, REC_NONE);
    add_stay(b, c2, 0, D("2022-01-10"), D("2022-01-20"), 1);
    add_stay(b, c2, 1, D("2022-01-20"), D("2022-03-01"), 2);
    add_stay(b, c2, 2, D("2022-03-01"), REC_OPEN, REC_NONE);
    add_stay(b, c3, 0, D("2023-10-01"), D("2023-10-04"), 1);
    add_stay(b, c3, 1, D("2023-10-04"), REC_OPEN, REC_NONE);
    add_stay(b, c4, 1, D("2023-08-01"), D("2023-08-21"), REC_EXIT);
    b->rs.extract = D("2024-03-31");
}

static void small_record_by_hand(void **state)
{
    build_t b;
    small_record(&b);
    est_opts_t o;
    est_opts_default(&o);
    o.source_label = "hand-made records";
    est_result_t r;
    char err[SIM_ERR_MAX];
    int rc = est_estimate(&b.rs, &o, &r, err, sizeof err);
    if (rc)
        fprintf(stderr, "%s\n", err);
    assert_int_equal(rc, 0);
    scenario_t *sc = load_text(&r);
    assert_int_equal(sc->start, D("2024-03-31"));
    assert_true(fabs(sc->horizon - (double)(D("2025-03-31") - D("2024-03-31"))) < 1e-9);
    /* arrivals: 4 entries from outside to referral, 1 to assessment, none to care */
    double years = 366.0 / 365.25;
    int ar = arrival_to(sc, "referral"), aa = arrival_to(sc, "assessment");
    assert_true(ar >= 0 && aa >= 0);
    assert_int_equal(arrival_to(sc, "care"), -1);
    assert_true(fabs(sc->arrivals[ar].rate * 365.25 - 4 / years) < 1e-4);
    assert_true(fabs(sc->arrivals[aa].rate * 365.25 - 1 / years) < 1e-4);
    /* flags: 1 of the 4 referral entrants is uasc */
    assert_int_equal(sc->arrivals[ar].attrs.n_flag, 1);
    assert_true(fabs(sc->arrivals[ar].attrs.flag_p[0] - 0.25) < 1e-9);
    /* routing in the window: referral 2 -> assessment, 1 -> exit; assessment 2 exits;
     * care has no exit at all */
    assert_true(fabs(next_p(sc, "referral", "assessment") - 2.0 / 3) < 1e-9);
    assert_true(fabs(next_p(sc, "referral", "exit") - 1.0 / 3) < 1e-9);
    assert_true(fabs(next_p(sc, "assessment", "exit") - 1.0) < 1e-12);
    assert_true(fabs(next_p(sc, "care", "exit") - 1.0) < 1e-12);
    /* referral durations: 0, 3, 10, 10, 212+ (c1's open stay since 2023-09-01):
     * S(0) = 4/5, S(3) = 3/5, S(10) = 1/5; cdf (0,0) (0.5,0.2) (3,0.4) (10,0.8), and
     * the last 0.2 spread to twice the longest time, 424 days */
    const dist_t *d = &sc->stages[scenario_stage_index(sc, "referral")].duration;
    static const double wx[] = {0, 0.5, 3, 10, 424}, wp[] = {0, 0.2, 0.4, 0.8, 1};
    assert_int_equal(d->kind, DIST_EMPIRICAL);
    assert_int_equal(d->n, 5);
    for (int i = 0; i < 5; i++)
        assert_true(fabs(d->x[i] - wx[i]) < 1e-9 && fabs(d->p[i] - wp[i]) < 1e-8);
    /* the open cases from the file: c1 in referral since 2023-09-01 (212 days), c2 in
     * care since 2022-03-01 (761 days), c3 in assessment since 2023-10-04 (179 days) */
    assert_int_equal(sc->n_initial, 0);
    assert_int_equal(sc->n_open, 3);
    double el[3] = {0};
    for (int i = 0; i < sc->n_open; i++)
        el[i] = sc->open[i].elapsed;
    double want_el[] = {761, 212, 179}; /* oldest first */
    for (int i = 0; i < 3; i++)
        assert_true(fabs(el[i] - want_el[i]) < 1e-9);
    scenario_free(sc);
    /* open cases: c1 referral (history 1), c2 care (1), c3 assessment (1) */
    const char *want = "child,stage,start,dob,flags,history\n"
                       "c1,referral,2023-09-01,2015-06-01,,1\n"
                       "c2,care,2022-03-01,2008-02-01,,1\n"
                       "c3,assessment,2023-10-04,2012-03-03,,1\n";
    assert_string_equal(r.open_cases, want);
    assert_int_equal(r.n_open, 3);
    /* every estimated number carries a comment */
    assert_non_null(strstr(r.yaml, "per_year: 3.99"));
    assert_non_null(strstr(r.yaml, "# 4 entries from outside in 2023-04-01..2024-03-31"));
    assert_non_null(strstr(r.yaml, "# 2 of 3;"));
    assert_non_null(strstr(r.yaml, "\ninitial:\n  file: \"open-cases.csv\""));
    est_result_free(&r);
    rs_done(&b);
}

/* An earlier as-of date reads the records as an extract then: c3's referral (starting
 * 2023-10-01) is not there, c1's second referral neither; c0's assessment (ending
 * 2023-06-10) is open on 2023-06-01. */
static void earlier_as_of(void **state)
{
    build_t b;
    small_record(&b);
    est_opts_t o;
    est_opts_default(&o);
    o.as_of = D("2023-08-31");
    est_result_t r;
    char err[SIM_ERR_MAX];
    assert_int_equal(est_estimate(&b.rs, &o, &r, err, sizeof err), 0);
    const char *want = "child,stage,start,dob,flags,history\n"
                       "c2,care,2022-03-01,2008-02-01,,1\n";
    assert_string_equal(r.open_cases, want);
    est_result_free(&r);
    o.as_of = D("2023-06-01");
    assert_int_equal(est_estimate(&b.rs, &o, &r, err, sizeof err), 0);
    assert_non_null(strstr(r.open_cases, "c0,assessment,2023-05-11,2010-01-01,uasc,1\n"));
    est_result_free(&r);
    rs_done(&b);
}

static void refuses(void **state)
{
    build_t b;
    small_record(&b);
    est_opts_t o;
    est_opts_default(&o);
    est_result_t r;
    char err[SIM_ERR_MAX];
    o.as_of = D("2021-01-01"); /* before every stay */
    assert_int_equal(est_estimate(&b.rs, &o, &r, err, sizeof err), SIM_EINVAL);
    assert_null(r.yaml);
    o.as_of = 0;
    o.window_months = 0;
    assert_int_equal(est_estimate(&b.rs, &o, &r, err, sizeof err), SIM_EINVAL);
    o.window_months = 12;
    o.name = "Bad Name";
    assert_int_equal(est_estimate(&b.rs, &o, &r, err, sizeof err), SIM_EINVAL);
    o.name = "estimated";
    char *bad[] = {"referral", "assess ment", "care"};
    b.rs.stages = bad;
    assert_int_equal(est_estimate(&b.rs, &o, &r, err, sizeof err), SIM_EINVAL);
    assert_non_null(strstr(err, "assess ment"));
    rs_done(&b);
}

/* Children arriving as a Poisson process (rate per year `rate0` growing by `growth` a
 * year, over `years` before as_of) into referral for Exp(mean 60 days) days, then to
 * assessment with probability 0.3 for Exp(200 days), else exit. Ages uniform 0..17. */
static void simulate(build_t *b, double rate0, double growth, double years, uint64_t seed)
{
    rs_init(b, 2);
    rng_t r;
    rng_derive(&r, seed, 1, 2, 3);
    long as_of = D("2024-03-31");
    b->rs.extract = as_of;
    double t0 = (double)as_of - years * 365.25, t = t0;
    double rmax = rate0 * (growth > 0 ? pow(1 + growth, years) : 1) / 365.25;
    char id[32];
    for (int k = 0;; k++) {
        t += -log(1 - rng_uniform(&r)) / rmax; /* thinning of a rate-rmax process */
        if (t >= (double)as_of + 1)
            break;
        double rate = rate0 * pow(1 + growth, (t - t0) / 365.25) / 365.25;
        if (rng_uniform(&r) * rmax > rate)
            continue;
        long start = (long)floor(t);
        double age = 17 * rng_uniform(&r);
        snprintf(id, sizeof id, "k%d", k);
        uint32_t c = add_child(b, id, start - (long)(age * 365.25), rng_uniform(&r) < 0.1);
        long end = start + (long)floor(-60 * log(1 - rng_uniform(&r)));
        int to_b = rng_uniform(&r) < 0.3;
        if (end > as_of) {
            add_stay(b, c, 0, start, REC_OPEN, REC_NONE);
            continue;
        }
        add_stay(b, c, 0, start, end, to_b ? 1 : REC_EXIT);
        if (!to_b)
            continue;
        long end2 = end + (long)floor(-200 * log(1 - rng_uniform(&r)));
        if (end2 > as_of)
            add_stay(b, c, 1, end, REC_OPEN, REC_NONE);
        else
            add_stay(b, c, 1, end, end2, REC_EXIT);
    }
}

static void simulated_truth(void **state)
{
    build_t b;
    simulate(&b, 1500, 0, 6, 11);
    est_opts_t o;
    est_opts_default(&o);
    est_result_t r;
    char err[SIM_ERR_MAX];
    assert_int_equal(est_estimate(&b.rs, &o, &r, err, sizeof err), 0);
    scenario_t *sc = load_text(&r);
    /* rate: the window count is Poisson(1500 x 366/365.25): within 4 sd */
    double rate = sc->arrivals[arrival_to(sc, "referral")].rate * 365.25;
    double mu = 1500 * 366 / 365.25;
    assert_true(fabs(rate * 366 / 365.25 - mu) < 4 * sqrt(mu));
    /* no trend in a flat record */
    assert_null(strstr(r.yaml, "\n    trend_per_year:"));
    assert_non_null(strstr(r.yaml, "# no trend_per_year: Poisson regression of 72"));
    /* routing share 0.3 within 4 binomial sd of ~1500 exits */
    double p = next_p(sc, "referral", "assessment");
    assert_true(fabs(p - 0.3) < 4 * sqrt(0.3 * 0.7 / 1400));
    /* flag share 0.1 */
    assert_true(fabs(sc->arrivals[0].attrs.flag_p[0] - 0.1) < 4 * sqrt(0.09 / 1400));
    /* durations: floor(Exp(60)) <= t  iff  Exp(60) < t + 1, so the estimated cdf at the
     * day points is the exponential's at t + 1: checked at the quartiles within 4 sd
     * of a binomial share, in each age band at entry (by_age: ages uniform 0..17, so
     * a band of width w holds about w/17 of ~9000 stays) */
    static const double mid[] = {2.5, 7.5, 13, 16.5}, width[] = {5, 5, 6, 1};
    for (int k = 0; k < 4; k++) {
        const dist_t *d = scenario_stage_duration(&sc->stages[0], mid[k]);
        double nb = 9000 * width[k] / 17;
        for (double q = 0.25; q < 0.8; q += 0.25) {
            double t = floor(-60 * log(1 - q));
            double want = 1 - exp(-(t + 1) / 60);
            assert_true(fabs(dist_cdf(d, t) - want) < 4 * sqrt(q * (1 - q) / nb));
        }
    }
    /* assessment (mean 200): the median, for a child entering at 8 (band [5, 10): 5/17
     * of ~2500 stays) */
    const dist_t *d = scenario_stage_duration(&sc->stages[1], 8);
    double t = floor(200 * log(2));
    assert_true(fabs(dist_cdf(d, t) - (1 - exp(-(t + 1) / 200))) <
                4 * sqrt(0.25 / (2500 * 5.0 / 17)));
    /* ages uniform 0..17: the median near 8.5 */
    const dist_t *age = &sc->arrivals[0].attrs.age;
    assert_true(fabs(dist_cdf(age, 8.5) - 0.5) < 4 * sqrt(0.25 / 1500));
    scenario_free(sc);
    est_result_free(&r);
    rs_done(&b);
}

static void growing_trend(void **state)
{
    build_t b;
    simulate(&b, 600, 0.3, 5, 7);
    est_opts_t o;
    est_opts_default(&o);
    est_result_t r;
    char err[SIM_ERR_MAX];
    assert_int_equal(est_estimate(&b.rs, &o, &r, err, sizeof err), 0);
    scenario_t *sc = load_text(&r);
    const scn_arrival_t *a = &sc->arrivals[arrival_to(sc, "referral")];
    /* growth 0.3 a year: its log 0.262 has se about 1/sqrt(N var(x)) with N ~ 5000
     * entries over 5 years (var(x) ~ 2): ~0.01; 5 se */
    assert_true(fabs(log(1 + a->trend) - log(1.3)) < 0.05);
    /* the rate at the start: 600 x 1.3^5 a year, within 5% */
    assert_true(fabs(a->rate * 365.25 / (600 * pow(1.3, 5)) - 1) < 0.05);
    scenario_free(sc);
    est_result_free(&r);
    rs_done(&b);
}

/* The small record with where each stage's record is complete: referral from
 * 2023-07-01, assessment from 2023-06-01, care from 2022-01-01.
 * - entries from outside to referral are known from 2023-07-01 (275 days to
 *   2024-03-31): c1 07-01, c1 09-01, c3 10-01 = 3 (c0's 05-01 is not counted);
 *   to assessment also from 2023-07-01 (referral leads into it): c4 08-01 = 1;
 * - referral routing from exits on or after 2023-07-01: c1 exit, c3 assessment:
 *   1/2 each (the whole window would add c0's: 2/3 to assessment);
 * - assessment durations: c2's (ended 2022-03-01) left out; c0's (2023-05-11..06-10,
 *   30 days) begun 21 days before 06-01 enters at 21; c4 20 days; c3 open 179 days.
 *   At 20: c4 and c3 at risk (c0 enters at 21): S = 1/2; at 30: c0 and c3: S = 1/4;
 *   cdf (0, 0), (20, 0.5), (30, 0.75), the rest to twice 179 days: (358, 1).
 *   Without the delayed entry S(20) would be 2/3. */
static void observed_from_by_hand(void **state)
{
    build_t b;
    small_record(&b);
    long of[] = {D("2023-07-01"), D("2023-06-01"), D("2022-01-01")};
    b.rs.observed_from = of;
    est_opts_t o;
    est_opts_default(&o);
    est_result_t r;
    char err[SIM_ERR_MAX];
    assert_int_equal(est_estimate(&b.rs, &o, &r, err, sizeof err), 0);
    scenario_t *sc = load_text(&r);
    double years = 275.0 / 365.25;
    int ar = arrival_to(sc, "referral"), aa = arrival_to(sc, "assessment");
    assert_true(ar >= 0 && aa >= 0);
    assert_true(fabs(sc->arrivals[ar].rate * 365.25 - 3 / years) < 1e-4);
    assert_true(fabs(sc->arrivals[aa].rate * 365.25 - 1 / years) < 1e-4);
    assert_true(fabs(next_p(sc, "referral", "assessment") - 0.5) < 1e-9);
    assert_true(fabs(next_p(sc, "referral", "exit") - 0.5) < 1e-9);
    const dist_t *d = &sc->stages[scenario_stage_index(sc, "assessment")].duration;
    static const double wx[] = {0, 20, 30, 358}, wp[] = {0, 0.5, 0.75, 1};
    assert_int_equal(d->kind, DIST_EMPIRICAL);
    assert_int_equal(d->n, 4);
    for (int i = 0; i < 4; i++)
        assert_true(fabs(d->x[i] - wx[i]) < 1e-9 && fabs(d->p[i] - wp[i]) < 1e-8);
    assert_non_null(strstr(r.yaml, "2023-07-01..2024-03-31 (275 days: the window cut"));
    assert_non_null(strstr(r.yaml, "1 begun before the records hold every stay"));
    scenario_free(sc);
    est_result_free(&r);
    rs_done(&b);
}

/* Open cases the model cannot start with: c5, aged 19 on the as-of date, in care
 * since 2020 (the model ends a case at max_age 18: left out); c6, born after it
 * (2024-05-01, referred before birth on 2024-03-01: written as born on 2024-03-31). */
static void open_case_edges(void **state)
{
    build_t b;
    small_record(&b);
    uint32_t c5 = add_child(&b, "c5", D("2005-01-01"), 0);
    uint32_t c6 = add_child(&b, "c6", D("2024-05-01"), 0);
    add_stay(&b, c5, 2, D("2020-01-01"), REC_OPEN, REC_NONE);
    add_stay(&b, c6, 0, D("2024-03-01"), REC_OPEN, REC_NONE);
    est_opts_t o;
    est_opts_default(&o);
    est_result_t r;
    char err[SIM_ERR_MAX];
    assert_int_equal(est_estimate(&b.rs, &o, &r, err, sizeof err), 0);
    assert_int_equal(r.n_open, 4);
    assert_null(strstr(r.open_cases, "c5,"));
    assert_non_null(strstr(r.open_cases, "\nc6,referral,2024-03-01,2024-03-31,,0\n"));
    assert_non_null(strstr(r.yaml, "1 more of children aged 18 or more then left out"));
    scenario_t *sc = load_text(&r);
    assert_int_equal(sc->n_open, 4);
    scenario_free(sc);
    est_result_free(&r);
    rs_done(&b);
}

/* Enough stays by age band: durations are written by_age; the bands cover [0, 18). */
static void by_age_text(void **state)
{
    build_t b;
    simulate(&b, 1500, 0, 6, 5);
    est_opts_t o;
    est_opts_default(&o);
    est_result_t r;
    char err[SIM_ERR_MAX];
    assert_int_equal(est_estimate(&b.rs, &o, &r, err, sizeof err), 0);
    assert_non_null(strstr(r.yaml, "by_age:\n        - age: [0, 5]"));
    assert_non_null(strstr(r.yaml, "- age: [16, 18]"));
    scenario_t *sc = load_text(&r);
    const scn_stage_t *st = &sc->stages[0];
    assert_true(st->n_by_age >= 2);
    assert_true(st->by_age[0].age_min == 0 && st->by_age[st->n_by_age - 1].age_max == 18);
    /* Exp(60) durations whatever the age: each band's median near floor(60 log 2) */
    double t = floor(60 * log(2));
    for (int i = 0; i < st->n_by_age; i++)
        assert_true(fabs(dist_cdf(&st->by_age[i].dist, t) - (1 - exp(-(t + 1) / 60))) <
                    0.06);
    scenario_free(sc);
    est_result_free(&r);
    rs_done(&b);
}

/* The shipped council records, with and without the template
 * tests/data/estimate/template.yaml (council.yaml included, plus a pool, its cost, a
 * stage `triage` the records lack with a stream into it, and referral -> triage). */
static void template_council(void **state)
{
    const char *paths[] = {"scenarios/data/council/ssda903", "scenarios/data/council/cin"};
    rec_opts_t ro = {0};
    rec_set_t *rs = NULL;
    char err[SIM_ERR_MAX];
    assert_int_equal(rec_read(paths, 2, &ro, &rs, err, sizeof err), 0);
    est_opts_t o;
    est_opts_default(&o);
    est_result_t plain, tpl;
    assert_int_equal(est_estimate(rs, &o, &plain, err, sizeof err), 0);
    o.template_path = "tests/data/estimate/template.yaml";
    int rc = est_estimate(rs, &o, &tpl, err, sizeof err);
    if (rc)
        fprintf(stderr, "%s\n", err);
    assert_int_equal(rc, 0);
    assert_null(strstr(tpl.yaml, "include"));
    scenario_t *a = load_text(&plain), *b = load_text(&tpl);
    /* kept: name, seed, pools, costs, titles, the stage and stream the records lack */
    assert_string_equal(b->name, "council");
    assert_int_equal(b->n_pools, 1);
    assert_string_equal(b->pools[0].name, "cin_teams");
    assert_true(b->n_costs >= 1);
    int ref = scenario_stage_index(b, "referral"), tri = scenario_stage_index(b, "triage");
    assert_true(ref >= 0 && tri >= 0);
    assert_string_equal(b->stages[ref].title, "Referral");
    assert_int_equal(b->stages[ref].open_case, 0);
    assert_true(fabs(dist_mean(&b->stages[tri].duration) - 2) < 1e-12);
    assert_true(arrival_to(b, "triage") >= 0);
    /* replaced: start, routing (no stale triage key), durations, the referral stream
     * (named as the template's) and the open cases, all as without the template */
    assert_int_equal(b->start, a->start);
    assert_true(next_p(b, "referral", "triage") == 0);
    assert_true(next_p(b, "referral", "assessment") == next_p(a, "referral", "assessment"));
    const scn_arrival_t *ra = &a->arrivals[arrival_to(a, "referral")];
    const scn_arrival_t *rb = &b->arrivals[arrival_to(b, "referral")];
    assert_string_equal(rb->name, "referrals");
    assert_true(ra->rate == rb->rate);
    for (int s = 0; s < a->n_stages; s++) {
        const scn_stage_t *sa = &a->stages[s];
        const scn_stage_t *sb = &b->stages[scenario_stage_index(b, sa->name)];
        assert_int_equal(sa->n_by_age, sb->n_by_age);
        for (double age = 0.5; age < 18; age += 3)
            for (double t = 0; t < 2000; t += 37)
                assert_true(dist_cdf(scenario_stage_duration(sa, age), t) ==
                            dist_cdf(scenario_stage_duration(sb, age), t));
    }
    assert_int_equal(b->n_open, a->n_open);
    assert_int_equal(b->n_initial, 0); /* council.yaml's counts: stages the file fills */
    scenario_free(a);
    scenario_free(b);
    est_result_free(&plain);
    est_result_free(&tpl);
    /* a template the loader refuses: its error, file:line:col */
    o.template_path = "tests/data/estimate/bad-template.yaml";
    assert_int_equal(est_estimate(rs, &o, &tpl, err, sizeof err), SIM_EINVAL);
    assert_non_null(strstr(err, "tests/data/estimate/bad-template.yaml:8:22: error: unknown "
                                "distribution 'nope'"));
    assert_null(tpl.yaml);
    o.template_path = "tests/data/estimate/no-such.yaml";
    assert_int_not_equal(est_estimate(rs, &o, &tpl, err, sizeof err), 0);
    assert_non_null(strstr(err, "no-such.yaml"));
    rec_free(rs);
}

static void put_text(void *ctx, const char *s, size_t n)
{
    char **p = ctx;
    size_t l = strlen(*p);
    *p = realloc(*p, l + n + 1);
    assert_non_null(*p);
    memcpy(*p + l, s, n);
    (*p)[l + n] = 0;
}

static void same_tree(const ytree_node_t *x, const ytree_node_t *y)
{
    assert_int_equal(x->kind, y->kind);
    if (x->kind == YTREE_SCALAR) {
        assert_string_equal(x->str, y->str);
        assert_int_equal(x->plain, y->plain);
        return;
    }
    assert_int_equal(x->n, y->n);
    for (int i = 0; i < x->n; i++) {
        if (x->kind == YTREE_MAP)
            assert_string_equal(x->key[i]->str, y->key[i]->str);
        same_tree(x->val[i], y->val[i]);
    }
}

/* ytree_emit: every shipped scenario's merged tree, written and parsed again, is the
 * same tree (strings and plainness), and a hand-made tree of awkward scalars too. */
static void emit_round_trip(void **state)
{
    static const char *files[] = {"scenarios/council.yaml", "scenarios/england.yaml",
                                  "scenarios/hampshire-innovation-uncertain.yaml",
                                  "scenarios/isle-of-wight-innovation.yaml",
                                  "scenarios/examples/mmc.yaml",
                                  "tests/data/estimate/template.yaml"};
    char err[SIM_ERR_MAX];
    for (size_t f = 0; f < sizeof files / sizeof files[0]; f++) {
        scenario_t *sc = NULL;
        assert_int_equal(scenario_load(files[f], NULL, 0, &sc, err, sizeof err), 0);
        const ytree_node_t *root = scenario_tree(sc);
        assert_non_null(root);
        char *text = calloc(1, 1);
        ytree_emit(root, 0, put_text, &text);
        ytree_t *yt = ytree_new();
        ytree_node_t *back = NULL;
        int rc = ytree_parse(yt, "emitted", text, strlen(text), &back, err, sizeof err);
        if (rc)
            fprintf(stderr, "%s\n", err);
        assert_int_equal(rc, 0);
        same_tree(root, back);
        ytree_free(yt);
        free(text);
        scenario_free(sc);
    }
    /* awkward scalars: quotes, backslash, newline, tab, '# ', ': ', leading '-', a
     * quoted number, empty, UTF-8, and plain ones that must stay plain */
    static const char src[] =
        "a: \"say \\\"hi\\\" \\\\ x\"\n"
        "b: \"line\\nnext\\tend\"\n"
        "c: \"x # y\"\n"
        "d: \"k: v\"\n"
        "e: \"- x\"\n"
        "f: \"35\"\n"
        "g: \"\"\n"
        "h: \"caf\xc3\xa9\"\n"
        "i: [2018-04-01, -3, 1.5e-3, true, a b, {}, []]\n"
        "\"odd key\": {x: 1}\n"
        "j: \" padded \"\n";
    ytree_t *yt = ytree_new();
    ytree_node_t *t1 = NULL, *t2 = NULL;
    assert_int_equal(ytree_parse(yt, "src", src, strlen(src), &t1, err, sizeof err), 0);
    char *text = calloc(1, 1);
    ytree_emit(t1, 0, put_text, &text);
    int rc = ytree_parse(yt, "emitted", text, strlen(text), &t2, err, sizeof err);
    if (rc)
        fprintf(stderr, "%s\n%s", err, text);
    assert_int_equal(rc, 0);
    same_tree(t1, t2);
    free(text);
    ytree_free(yt);
}

/* Exits of one stage (referral) in the year to 2024-03-31: n children aged uniformly
 * 0-18 at exit go on to assessment, care or exit with shares 0.6, 0.1, 0.3, the odds
 * of care multiplied by care_odds for children aged 14 or more (renormalised, as the
 * model applies `adjust`: care 0.3 / 1.2 = 0.25 for them when care_odds is 3). */
static void route_record(build_t *b, int n, double care_odds, uint64_t seed)
{
    rs_init(b, 3);
    rng_t r;
    rng_derive(&r, seed, 7, 7, 7);
    long as_of = D("2024-03-31"), from = D("2023-04-01");
    b->rs.extract = as_of;
    char id[32];
    for (int k = 0; k < n; k++) {
        long start = from + (long)(rng_uniform(&r) * 300);
        long end = start + 1 + (long)(rng_uniform(&r) * 60);
        double age = 18 * rng_uniform(&r);
        snprintf(id, sizeof id, "r%d", k);
        uint32_t c = add_child(b, id, end - (long)ceil(age * 365.25), 0);
        double w[3] = {0.6, 0.1 * (age >= 14 ? care_odds : 1), 0.3};
        double u = rng_uniform(&r) * (w[0] + w[1] + w[2]);
        int to = u < w[0] ? 1 : u < w[0] + w[1] ? 2 : REC_EXIT;
        add_stay(b, c, 0, start, end, to);
        if (to >= 0)
            add_stay(b, c, to, end, REC_OPEN, REC_NONE);
    }
}

static void adjust_only_beyond_chance(void **state)
{
    est_opts_t o;
    est_opts_default(&o);
    char err[SIM_ERR_MAX];
    int false_pos = 0;
    for (int seed = 1; seed <= 200; seed++) {
        build_t b;
        route_record(&b, 1000, 1, (uint64_t)seed);
        est_result_t r;
        assert_int_equal(est_estimate(&b.rs, &o, &r, err, sizeof err), 0);
        false_pos += strstr(r.yaml, "\n    adjust:") != NULL;
        est_result_free(&r);
        rs_done(&b);
    }
    fprintf(stderr, "test_estimate: adjust written for %d of 200 records without an age "
            "effect\n", false_pos);
    assert_true(false_pos <= 8);
    /* a real effect comes back */
    build_t b;
    route_record(&b, 4000, 3, 99);
    est_result_t r;
    assert_int_equal(est_estimate(&b.rs, &o, &r, err, sizeof err), 0);
    scenario_t *sc = load_text(&r);
    const scn_stage_t *st = &sc->stages[scenario_stage_index(sc, "referral")];
    int care = scenario_stage_index(sc, "care"), found = 0;
    for (int a = 0; a < st->n_adjust; a++) {
        const scn_adjust_t *ad = &st->adjust[a];
        if (ad->when.age_min != 16)
            continue;
        found = 1;
        /* the band's share of care: odds x share, renormalised over the targets */
        double num = 0, den = 0;
        for (int i = 0; i < st->n_next; i++) {
            double odds = 1;
            for (int j = 0; j < ad->n; j++)
                if (ad->target[j] == i)
                    odds = ad->odds[j];
            den += odds * st->next_p[i];
            if (st->next_stage[i] == care)
                num = odds * st->next_p[i];
        }
        double nb = 4000 * 2.0 / 18; /* exits in [16, 18) */
        assert_true(fabs(num / den - 0.25) < 3.29 * sqrt(0.25 * 0.75 / nb));
    }
    assert_true(found);
    scenario_free(sc);
    est_result_free(&r);
    rs_done(&b);
}

static void ageing_out_is_censored(void **state)
{
    build_t b;
    rs_init(&b, 3);
    rng_t r;
    rng_derive(&r, 18, 18, 18, 18);
    long as_of = D("2024-03-31");
    b.rs.extract = as_of;
    char id[32];
    for (int k = 0; k < 4000; k++) {
        long start = as_of - 3 * 365 + (long)(rng_uniform(&r) * 3 * 365);
        double age = 16 + 2 * rng_uniform(&r);
        long dob = start - (long)floor(age * CAL_DAYS_PER_YEAR);
        long adult = dob + (long)ceil(18 * CAL_DAYS_PER_YEAR); /* the day it turns 18 */
        long end = start + (long)floor(-300 * log(1 - rng_uniform(&r)));
        int to = rng_uniform(&r) < 0.3 ? 1 : REC_EXIT;
        if (end >= adult) {
            end = adult;
            to = REC_EXIT;
        }
        snprintf(id, sizeof id, "a%d", k);
        uint32_t c = add_child(&b, id, dob, 0);
        if (end > as_of) {
            add_stay(&b, c, 0, start, REC_OPEN, REC_NONE);
            continue;
        }
        add_stay(&b, c, 0, start, end, to);
        if (to >= 0)
            add_stay(&b, c, 1, end, REC_OPEN, REC_NONE);
    }
    est_opts_t o;
    est_opts_default(&o);
    est_result_t res;
    char err[SIM_ERR_MAX];
    assert_int_equal(est_estimate(&b.rs, &o, &res, err, sizeof err), 0);
    scenario_t *sc = load_text(&res);
    const scn_stage_t *st = &sc->stages[scenario_stage_index(sc, "referral")];
    assert_int_equal(st->n_by_age, 0);
    double med = dist_quantile(&st->duration, 0.5), truth = 300 * log(2);
    fprintf(stderr, "test_estimate: median with ageing out censored %.1f, truth %.1f\n", med,
            truth);
    assert_true(fabs(med - truth) < 0.1 * truth);
    /* the share going on, among the exits not at 18: "k of n" of its comment */
    const char *c = strstr(res.yaml, "assessment: ");
    long k = 0, n = 0;
    assert_non_null(c);
    c = strstr(c, "# ");
    assert_int_equal(sscanf(c, "# %ld of %ld", &k, &n), 2);
    assert_true(fabs(next_p(sc, "referral", "assessment") - 0.3) <
                3.29 * sqrt(0.3 * 0.7 / (double)n));
    scenario_free(sc);
    est_result_free(&res);
    rs_done(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(small_record_by_hand), cmocka_unit_test(earlier_as_of),
        cmocka_unit_test(refuses),              cmocka_unit_test(simulated_truth),
        cmocka_unit_test(growing_trend),        cmocka_unit_test(by_age_text),
        cmocka_unit_test(observed_from_by_hand), cmocka_unit_test(open_case_edges),
        cmocka_unit_test(template_council),     cmocka_unit_test(emit_round_trip),
        cmocka_unit_test(adjust_only_beyond_chance), cmocka_unit_test(ageing_out_is_censored),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
