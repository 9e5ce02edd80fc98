/* test_strands.c: the strand mechanisms and cost arithmetic, against truths that do
 * not come from careflow: Erlang's loss formula for places that turn children away,
 * Little's law for places held, binomial shares for referral and take-up, the odds
 * arithmetic of routing, the integral of a linear ramp, and the evaluation's own unit
 * costs (RR587: 49 PAs x £13,224.49; £3,273.40 per edge-of-care intervention;
 * Willow £262,980 a year; surgeries £304,000 a year for 8 workers). Also: a strand
 * with no effect changes no other draw, and `careflow compare` gives a paired
 * interval at least 3 times narrower than the unpaired one for a small change. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "runs.h"
#include "sim/cal.h"

/* Children enter `cin` at 10 a day (a year of 3652.5 for 10 years); a fifth go on to
 * care. No pool unless a test adds one. */
#define BASE                                                                            \
    "version: 1\nname: base\nstart: 2020-01-01\nhorizon_days: 3652.5\nreplications: 8\n" \
    "seed: 11\nstages:\n"                                                               \
    "  cin:\n    duration: {dist: exponential, mean: 100}\n"                            \
    "    next: {exit: 0.8, care: 0.2}\n"                                                \
    "  care:\n    duration: {dist: exponential, mean: 200}\n"                           \
    "arrivals:\n  - {name: referrals, to: cin, per_day: 10, age: {dist: uniform, min: 0, max: 18}}\n"

static est_t strand_metric(const runs_t *R, int k, int metric)
{
    double x[256] = {0};
    for (int i = 0; i < R->n; i++) x[i] = R->r[i].strand[(size_t)k * MX_N + metric];
    return summarise(x, R->n);
}

/* Cost item `item` per year of the window, replication i. */
static double cost_per_year(const runs_t *R, int i, const char *item)
{
    const scenario_t *sc = R->sc;
    for (int c = 0; c < sc->n_costs; c++)
        if (!strcmp(sc->costs[c].item, item))
            return R->r[i].cost[(size_t)R->plan.n_periods * sc->n_costs + c] /
                   ((sc->horizon - sc->warmup) / CAL_DAYS_PER_YEAR);
    fail_msg("no cost item %s", item);
    return NAN;
}

/* A strand that refers children but has no effect and unlimited places draws from its
 * own streams only: every stage figure is the same, bit for bit, replication by
 * replication. */
static void no_effect_strand_changes_nothing(void **state)
{
    runs_t a, b;
    runs_do(&a, BASE);
    runs_do(&b, BASE "strands:\n  - {type: intervention, stages: cin, referral_share: 0.5,\n"
                     "     takeup: 0.7, duration: {dist: fixed, value: 30}, odds: {care: 1}}\n");
    for (int i = 0; i < a.n; i++) {
        assert_memory_equal(a.r[i].stage, b.r[i].stage, (size_t)a.plan.n_rows * MS_N * sizeof(double));
        assert_true(b.r[i].strand[MX_STARTED] > 0);
    }
    runs_free(&a);
    runs_free(&b);
}

/* Referral and take-up are independent draws: referred / entries = referral_share x
 * the eligible share (ages 10-18 of 0-18: 4/9), started / referred = takeup. */
static void referral_eligibility_and_takeup_shares(void **state)
{
    runs_t R;
    runs_do(&R, BASE "strands:\n  - {type: intervention, stages: cin, age: [10, 18],\n"
                     "     referral_share: 0.5, takeup: 0.7, duration: {dist: fixed, value: 30}}\n");
    double ref[256], start[256];
    for (int i = 0; i < R.n; i++) {
        ref[i] = R.r[i].strand[MX_REFERRED] / R.r[i].stage[MS_ENTRIES];
        start[i] = R.r[i].strand[MX_STARTED] / R.r[i].strand[MX_REFERRED];
    }
    assert_near("referred share", summarise(ref, R.n), 0.5 * 8.0 / 18.0, 4, 0.002);
    assert_near("take-up", summarise(start, R.n), 0.7, 4, 0.002);
    runs_free(&R);
}

/* Erlang B: the blocking probability of c servers offered a erlangs. */
static double erlang_b(int c, double a)
{
    double b = 1;
    for (int k = 1; k <= c; k++) b = a * b / (k + a * b);
    return b;
}

/* 20 places, each held 30 days, offered 1 child a day (10 a day x take-up 0.1): with
 * turn_away it is an M/D/20/20 loss system, whose blocking is Erlang B(20, 30) for any
 * holding time; places in use follow Little's law. */
static void turn_away_is_erlang_loss(void **state)
{
    runs_t R;
    runs_do(&R, BASE "strands:\n  - {type: intervention, stages: cin, takeup: 0.1, places: 20,\n"
                     "     when_full: turn_away, duration: {dist: fixed, value: 30}}\n");
    double blocked[256];
    for (int i = 0; i < R.n; i++) {
        const double *s = &R.r[i].strand[0];
        blocked[i] = s[MX_TURNED_AWAY] / (s[MX_TURNED_AWAY] + s[MX_STARTED]);
        /* Little: places in use = starts per day x 30 days */
        assert_true(fabs(s[MX_AVG_IN_SERVICE] - s[MX_STARTED] / CAL_DAYS_PER_YEAR * 30) < 0.15);
        assert_true(s[MX_AVG_IN_SERVICE] <= 20 + 1e-9);
        assert_true(s[MX_AVG_WAITING] == 0);
    }
    assert_near("blocking", summarise(blocked, R.n), erlang_b(20, 30), 4, 0.01);
    runs_free(&R);
}

/* The same load with when_full: wait: nobody is turned away, children queue (and leave
 * the queue when their CIN plan ends), all places are nearly always in use. */
static void wait_queues_instead(void **state)
{
    runs_t R;
    runs_do(&R, BASE "strands:\n  - {type: intervention, stages: cin, takeup: 0.1, places: 20,\n"
                     "     duration: {dist: fixed, value: 30}}\n");
    est_t used = strand_metric(&R, 0, MX_AVG_IN_SERVICE), waiting = strand_metric(&R, 0, MX_AVG_WAITING);
    assert_true(strand_metric(&R, 0, MX_TURNED_AWAY).mean == 0);
    assert_true(waiting.mean > 1);
    assert_true(used.mean > 19 && used.mean <= 20);
    assert_true(strand_metric(&R, 0, MX_MEAN_WAIT).mean > 1);
    runs_free(&R);
}

/* The share of CIN exits that go to care, replication by replication. */
static est_t care_share(const runs_t *R)
{
    double x[256];
    int cin = scenario_stage_index(R->sc, "cin"), care = scenario_stage_index(R->sc, "care");
    for (int i = 0; i < R->n; i++)
        x[i] = R->r[i].stage[(size_t)care * MS_N + MS_ENTRIES] / R->r[i].stage[(size_t)cin * MS_N + MS_EXITS];
    return summarise(x, R->n);
}

/* Odds on routing: a fifth go to care; with odds 0.5 on care for every child the
 * share is 0.1 / (0.1 + 0.8); partly engaged children get odds^partial_effect. */
static void odds_change_routing_as_odds(void **state)
{
    runs_t a, b;
    runs_do(&a, BASE "strands:\n  - {type: intervention, stages: cin, duration: {dist: fixed, value: 1},\n"
                     "     odds: {care: 0.5}}\n");
    double p = 0.1 / 0.9;
    assert_near("care share, odds 0.5", care_share(&a), p, 4, 0.002);
    runs_do(&b, BASE "strands:\n  - {type: intervention, stages: cin, duration: {dist: fixed, value: 1},\n"
                     "     odds: {care: 0.25}, engagement: {well: 0, partly: 1, not: 0}, partial_effect: 0.5}\n");
    assert_near("care share, partly engaged", care_share(&b), p, 4, 0.002);
    runs_free(&a);
    runs_free(&b);
}

/* duration_factor: the stay in the referral stage is scaled for those who start. An
 * exponential stay of mean 100 scaled by 0.5 is the same draw as a stay of mean 50, so
 * the strand gives what a scenario with CIN stays of mean 50 gives (ageing out
 * included); with half the children not engaged, the mean of the two. */
static void duration_factor_scales_the_stay(void **state)
{
    runs_t a, b, c, d;
    runs_do(&a, BASE "strands:\n  - {type: intervention, stages: cin, duration: {dist: fixed, value: 1},\n"
                     "     duration_factor: 0.5}\n");
    runs_do(&b, BASE "strands:\n  - {type: intervention, stages: cin, duration: {dist: fixed, value: 1},\n"
                     "     duration_factor: 0.5, engagement: {well: 0.5, not: 0.5}}\n");
    runs_do(&c, BASE);
    char *half = strdup(BASE), *p = strstr(half, "mean: 100");
    assert_non_null(p);
    memcpy(p, "mean: 050", 9);
    runs_do(&d, half);
    free(half);
    est_t fa = stage_metric(&a, "cin", MS_MEAN_DURATION), fb = stage_metric(&b, "cin", MS_MEAN_DURATION);
    double m50 = stage_metric(&d, "cin", MS_MEAN_DURATION).mean, m100 = stage_metric(&c, "cin", MS_MEAN_DURATION).mean;
    assert_near("CIN stay, factor 0.5", fa, m50, 0, 1e-6);
    assert_near("CIN stay, half engaged", fb, (m50 + m100) / 2, 4, 0.01);
    runs_free(&a);
    runs_free(&b);
    runs_free(&c);
    runs_free(&d);
}

/* A strand on an arrival stream from 2021-01-01 ramping up over 12 months: averted
 * children = rate x share x cut x the integral of the ramp. */
static void arrivals_averted_follow_the_ramp(void **state)
{
    runs_t R;
    runs_do(&R, BASE "strands:\n  - {type: intervention, arrivals: referrals, arrival_share: 0.5,\n"
                     "     arrival_cut: 0.4, start: 2021-01-01, ramp_months: 12}\n");
    double start = 365, ramp = 365.25, h = 3652.5;
    double area = ramp / 2 + (h - start - ramp);
    assert_near("averted a year", strand_metric(&R, 0, MX_AVERTED), 10 * 0.2 * area / 10, 4, 0.005);
    runs_free(&R);
}

#define POOL "pools:\n  team:\n    workers: 100\n    absence: 0.1\n    caseload_cap: 12\n    serves: {cin: 1}\n"

/* PAs: 10 PAs x 3 cover 30 workers, whose capacity is x (1 + 0.4 x (0.86 / 0.64 - 1))
 * and whose absence is cut by 83%: capacity = 70 x 0.9 x 12 + 30 x (1 - 0.1 x 0.17) x
 * 12 x 1.1375, read back as the time-average used / utilisation. */
static void pa_capacity_arithmetic(void **state)
{
    runs_t R;
    runs_do(&R, BASE POOL "strands:\n  - {type: pa, pool: team, pas: 10, ramp_months: 0}\n");
    double g = 0.4 * (0.86 / 0.64 - 1);
    double cap = 70 * 0.9 * 12 + 30 * (1 - 0.1 * 0.17) * 12 * (1 + g);
    double avail = 70 * 0.9 + 30 * (1 - 0.1 * 0.17);
    for (int i = 0; i < R.n; i++) {
        const double *p = R.r[i].pool;
        assert_float_equal(p[MP_AVG_USED] / p[MP_AVG_UTILISATION], cap, 1e-6 * cap);
        assert_float_equal(p[MP_AVG_USED] / p[MP_AVG_CASELOAD], avail, 1e-6 * avail);
    }
    runs_free(&R);
}

/* The pathway the evaluated strands act on, with costs. */
#define PATHWAY                                                                          \
    "version: 1\nname: p\nstart: 2020-01-01\nend: 2022-01-01\nreplications: 4\nseed: 3\n"  \
    "stages:\n"                                                                          \
    "  early_help:\n    duration: {dist: exponential, mean: 100}\n"                        \
    "  cin:\n    duration: {dist: exponential, mean: 300}\n"                               \
    "    next: {exit: 0.6, cp: 0.2, care: 0.2}\n"                                         \
    "  cp:\n    duration: {dist: exponential, mean: 300}\n    next: {exit: 0.7, care: 0.3}\n" \
    "  care:\n    duration: {dist: exponential, mean: 900}\n"                              \
    "arrivals:\n  - name: referrals\n    to: cin\n    per_year: 3000\n"                     \
    "    profiles:\n      - {weight: 0.6, flags: [domestic_abuse]}\n"                      \
    "      - {weight: 0.4, flags: []}\n"                                                  \
    "pools:\n  teams:\n    workers: 120\n    caseload_cap: 20\n    serves: {cin: 1, cp: 1}\n" \
    "costs:\n  pools: {teams: {per_worker_year: 40913}}\n"                                \
    "  stages: {care: {per_child_day: 150}}\n"

/* The evaluation's unit costs, exactly. */
static void costs_match_the_evaluation(void **state)
{
    runs_t R;
    runs_do(&R, PATHWAY "strands:\n"
                        "  - {type: pa, pool: teams, pas: 49}\n"
                        "  - {type: edge_of_care}\n"
                        "  - {type: willow}\n"
                        "  - {type: fit, teams: 8}\n"
                        "  - {type: surgeries, workers: 8}\n"
                        "  - {type: volunteers}\n");
    int edge = scenario_strand_index(R.sc, "edge_of_care"), vol = scenario_strand_index(R.sc, "volunteers");
    for (int i = 0; i < R.n; i++) {
        assert_float_equal(cost_per_year(&R, i, "pa"), 49 * 13224.49, 1e-6);
        assert_float_equal(cost_per_year(&R, i, "edge_of_care"),
                           R.r[i].strand[(size_t)edge * MX_N + MX_STARTED] * 3273.40, 1e-6);
        assert_float_equal(cost_per_year(&R, i, "volunteers:mentoring"),
                           R.r[i].strand[(size_t)vol * MX_N + MX_STARTED] * 396.40, 1e-6);
        assert_float_equal(cost_per_year(&R, i, "willow"), 262980, 1e-6);
        assert_float_equal(cost_per_year(&R, i, "surgeries"), 304000, 1e-6);
        /* 8 teams: every domestic abuse post filled, half of the others (defaults) */
        assert_float_equal(cost_per_year(&R, i, "fit:domestic_abuse"), 8 * 34825, 1e-6);
        assert_float_equal(cost_per_year(&R, i, "fit:substance_misuse"), 4 * 47511, 1e-6);
        assert_float_equal(cost_per_year(&R, i, "fit:mental_health"), 4 * 37853, 1e-6);
        assert_float_equal(cost_per_year(&R, i, "teams"), 120 * 40913, 1e-6);
        double care = R.r[i].stage[(size_t)scenario_stage_index(R.sc, "care") * MS_N + MS_AVG_STOCK];
        assert_float_equal(cost_per_year(&R, i, "care"), care * 365.25 * 150, 1e-6 * care * 55000);
    }
    runs_free(&R);
}

/* Edge of care acts on care entries of young people aged 14+, in the direction of its
 * odds; extending it to 12-13 year olds reaches more of them. */
static void edge_of_care_direction_and_extension(void **state)
{
    runs_t a, b, c;
    runs_do(&a, PATHWAY);
    runs_do(&b, PATHWAY "strands:\n  - {type: edge_of_care, workers: 1000, referral_share: 1, takeup: 1}\n");
    runs_do(&c, PATHWAY "strands:\n  - {type: edge_of_care, workers: 1000, referral_share: 1, takeup: 1,\n"
                        "     age: [12, 18]}\n");
    double d1[64], d2[64], r1[64], r2[64];
    for (int i = 0; i < a.n; i++) {
        int care = scenario_stage_index(a.sc, "care");
        d1[i] = b.r[i].stage[(size_t)care * MS_N + MS_ENTRIES] - a.r[i].stage[(size_t)care * MS_N + MS_ENTRIES];
        d2[i] = c.r[i].stage[(size_t)care * MS_N + MS_ENTRIES] - b.r[i].stage[(size_t)care * MS_N + MS_ENTRIES];
        r1[i] = b.r[i].strand[MX_REFERRED];
        r2[i] = c.r[i].strand[MX_REFERRED];
    }
    assert_true(summarise(d1, a.n).mean < 0);  /* fewer care entries */
    assert_true(summarise(d2, a.n).mean < 0);  /* fewer still with 12-13 year olds */
    assert_near("referred, 12-18 against 14-18", summarise(r2, a.n), summarise(r1, a.n).mean * 6 / 4,
                4, 0.05);
    runs_free(&a);
    runs_free(&b);
    runs_free(&c);
}

/* careflow compare: for a small strand change, the paired interval of the difference
 * in the care stock is at least 3 times narrower than the unpaired one. */
static void compare_paired_interval_is_narrow(void **state)
{
    const char *bin = getenv("CAREFLOW");
    char dir[] = "/tmp/careflow-test-strands-XXXXXX", cmd[1024], path[600], line[1024];
    if (!bin)
        bin = "build/careflow";
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/base.yaml", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(PATHWAY, f);
    fclose(f);
    snprintf(path, sizeof path, "%s/alt.yaml", dir);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs(PATHWAY "strands:\n  - {type: edge_of_care}\n", f);
    fclose(f);
    snprintf(cmd, sizeof cmd, "%s compare %s/base.yaml %s/alt.yaml --reps 20 --out %s/out --no-plots --quiet",
             bin, dir, dir, dir);
    assert_int_equal(system(cmd), 0);
    snprintf(path, sizeof path, "%s/out/compare.csv", dir);
    f = fopen(path, "r");
    assert_non_null(f);
    int found = 0, alt_only = 0;
    while (fgets(line, sizeof line, f)) {
        double v[9];
        /* a strand only the alternative has is listed, with 0 for the base */
        if (strncmp(line, "started_per_year,edge_of_care,0,", 32) == 0) alt_only = 1;
        if (strncmp(line, "avg_stock,care,", 15) != 0) continue;
        assert_int_equal(sscanf(line + 15, "%lf,%lf,%lf,%lf,%lf,%lf,%lf", &v[0], &v[1], &v[2], &v[3],
                                &v[4], &v[5], &v[6]), 7);
        double paired = v[4] - v[3], unpaired = v[6] - v[5];
        if (!(paired > 0 && unpaired >= 3 * paired))
            fail_msg("paired width %g, unpaired %g", paired, unpaired);
        found = 1;
    }
    fclose(f);
    assert_true(found);
    assert_true(alt_only);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(no_effect_strand_changes_nothing),
        cmocka_unit_test(referral_eligibility_and_takeup_shares),
        cmocka_unit_test(turn_away_is_erlang_loss),
        cmocka_unit_test(wait_queues_instead),
        cmocka_unit_test(odds_change_routing_as_odds),
        cmocka_unit_test(duration_factor_scales_the_stay),
        cmocka_unit_test(arrivals_averted_follow_the_ramp),
        cmocka_unit_test(pa_capacity_arithmetic),
        cmocka_unit_test(costs_match_the_evaluation),
        cmocka_unit_test(edge_of_care_direction_and_extension),
        cmocka_unit_test(compare_paired_interval_is_narrow),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
