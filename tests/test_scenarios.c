/* test_scenarios.c: the scenarios we ship, against figures nobody here wrote.
 *
 * - hampshire-baseline.yaml: the forecast of every observed stock (RR587 Table 9, all
 *   children in need; Table 10, looked-after children) is within 10%.
 * - isle-of-wight-baseline.yaml: the same for the Isle of Wight (RR587 Table 18, all
 *   children in need; Table 19, looked-after children).
 * - examples/mmc.yaml: Erlang C (P(wait) 0.5541, Wq 0.05541 day, Lq 2.216, rho 0.8).
 * - examples/three-stage.yaml: Little's law stage by stage from the traffic equations.
 * - england.yaml: loads, and one simulated year keeps the national stocks of CP plans
 *   and looked-after children within 10% of the published ones (EVIDENCE.md).
 * Tests run from the repository root (make test). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "models/pathway/model.h"
#include "models/scenario/scenario.h"
#include "tests/runs.h"

/* Runs a baseline scenario and fails unless the mean forecast of every observed stock
 * is within 10% of it; returns how many stocks were checked. */
static int observed_stocks_within_10pc(const char *path)
{
    runs_t R;
    runs_file(&R, path, 0, 0);
    int checked = 0;
    for (int i = 0; i < R.sc->n_observed; i++) {
        const scn_observed_t *o = &R.sc->observed[i];
        if (o->metric != SCN_OBS_STOCK) continue;
        double s = 0;
        for (int k = 0; k < R.n; k++) s += R.r[k].obs[i];
        double mean = s / R.n, err = (mean - o->value) / o->value;
        if (fabs(err) > 0.10)
            fail_msg("%s: %s on day %.0f: forecast %.0f, observed %.0f (%s): %+.1f%%", path,
                     o->label, o->day, mean, o->value, o->source ? o->source : "", 100 * err);
        checked++;
    }
    runs_free(&R);
    return checked;
}

static void test_hampshire_tracks_observed_stocks(void **state)
{
    (void)state;
    /* Tables 9 and 10: four dates each */
    assert_int_equal(observed_stocks_within_10pc("scenarios/hampshire-baseline.yaml"), 8);
}

static void test_isle_of_wight_tracks_observed_stocks(void **state)
{
    (void)state;
    /* Tables 18 and 19: the three dates of each from the 2015-09-30 start */
    assert_int_equal(observed_stocks_within_10pc("scenarios/isle-of-wight-baseline.yaml"), 6);
}

/* The innovation scenario reproduces the evaluation's activity figures for edge of
 * care, the strand whose volume RR587 reports, within 15%: about 269 referrals and
 * 147 starts a year (202 and 110 in the 9 months Oct 2015 - Jun 2016). */
static void test_hampshire_innovation_activity(void **state)
{
    runs_t R;
    runs_file(&R, "scenarios/hampshire-innovation.yaml", 0, 0);
    int edge = scenario_strand_index(R.sc, "edge_of_care");
    assert_true(edge >= 0);
    double ref[256], start[256];
    /* the strand starts with the run (from 2015-10-01, the day after the snapshot) */
    assert_true(R.sc->strands[edge].start == 0);
    for (int i = 0; i < R.n; i++) {
        ref[i] = R.r[i].strand[(size_t)edge * MX_N + MX_REFERRED];
        start[i] = R.r[i].strand[(size_t)edge * MX_N + MX_STARTED];
    }
    assert_near("edge of care referrals a year", summarise(ref, R.n), 202 * 12.0 / 9, 0, 0.15);
    assert_near("edge of care starts a year", summarise(start, R.n), 110 * 12.0 / 9, 0, 0.15);
    runs_free(&R);
}

static void test_mmc_example_is_erlang_c(void **state)
{
    (void)state;
    runs_t R;
    runs_file(&R, "scenarios/examples/mmc.yaml", 0, 0);
    assert_near("Wq", stage_metric(&R, "duty", MS_MEAN_WAIT), 0.05541125541, 4, 0.02);
    assert_near("Lq", stage_metric(&R, "duty", MS_AVG_WAITING), 2.2164502165, 4, 0.02);
    double s = 0;
    for (int i = 0; i < R.n; i++) s += R.r[i].pool[MP_AVG_UTILISATION];
    assert_true(fabs(s / R.n - 0.8) < 0.01);
    runs_free(&R);
}

static void test_three_stage_little(void **state)
{
    (void)state;
    runs_t R;
    runs_file(&R, "scenarios/examples/three-stage.yaml", 0, 0);
    /* traffic: assessment 1000 a year, CP 100, CIN 400 + 50 = 450 */
    assert_near("assessment L", stage_metric(&R, "assessment", MS_AVG_STOCK), 1000 * 30 / 365.25,
                4, 0.01);
    assert_near("CIN L", stage_metric(&R, "cin", MS_AVG_STOCK), 450 * 180 / 365.25, 4, 0.01);
    assert_near("CP L", stage_metric(&R, "cp", MS_AVG_STOCK), 100 * 300 / 365.25, 4, 0.01);
    assert_near("CIN entries", stage_metric(&R, "cin", MS_ENTRIES), 450, 4, 0.01);
    runs_free(&R);
}

static void test_england_one_year_holds_national_stocks(void **state)
{
    (void)state;
    runs_t R;
    runs_file(&R, "scenarios/england.yaml", 1, 365.25);
    est_t care = stage_metric(&R, "care", MS_FINAL_STOCK);
    est_t cp = stage_metric(&R, "cp", MS_FINAL_STOCK);
    est_t starts = stage_metric(&R, "care", MS_ENTRIES);
    assert_near("looked after after a year", care, 83630, 0, 0.10);
    assert_near("CP plans after a year", cp, 51000, 0, 0.10);
    assert_near("care starts in the year", starts, 33050, 0, 0.10);
    runs_free(&R);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hampshire_tracks_observed_stocks),
        cmocka_unit_test(test_isle_of_wight_tracks_observed_stocks),
        cmocka_unit_test(test_hampshire_innovation_activity),
        cmocka_unit_test(test_mmc_example_is_erlang_c),
        cmocka_unit_test(test_three_stage_little),
        cmocka_unit_test(test_england_one_year_holds_national_stocks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
