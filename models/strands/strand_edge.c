/* strand_edge.c: `type: edge_of_care`, an edge-of-care offer for young people at
 * imminent risk of care: an edge worker, weekly activities and a volunteer mentor.
 *
 * RR587 (EVIDENCE.md, "Edge of care"): young people aged 14+; 7 edge workers each
 * holding 10-12 at a time and about 21 a year; 202 referrals in 9 months (about 269 a
 * year), 110 started (54%); 65% engaged well, 27% partly, 8% not; 12 of 110 starters
 * (11%) entered care afterwards; £3,273.40 per intervention. What share would have
 * entered care without it is not known: counterfactual_care_share is an ASSUMPTION
 * (0.20; vary it from 0.11, no effect, to 0.40). The report recommends extending it
 * to ages 12-13: `age: [12, 18]`.
 *
 * Mechanism: children of `age` entering a CIN or CP plan are referred
 * (referral_share, ASSUMPTION calibrated to about 269 a year in Hampshire), start with
 * probability `takeup`, and need a place (7 x 11 places, each held 11/21 of a year;
 * when full they are turned away, as an imminent risk cannot wait). At their next exit
 * from that plan, the odds of care are multiplied by the odds ratio of
 * care_share_after against counterfactual_care_share (well engaged), its
 * partial_effect power (partly engaged, default 0.5), or 1 (not engaged). */
#include <math.h>
#include "models/strands/strand.h"
#include "sim/mem.h"

static const char *const keys[] = {
    "stages", "age", "referral_share", "takeup", "engagement", "partial_effect", "workers",
    "caseload", "per_worker_year", "duration", "when_full", "care_share_after",
    "counterfactual_care_share", "odds", "cost_per_intervention", NULL};

static int parse(ld_t *L, const ytree_node_t *n, scn_strand_t *s)
{
    int rc;
    static const char *const full_choices[] = {"wait", "turn_away", NULL};
    const scenario_t *sc = ld_scenario(L);
    double after = 0.11, without = 0.20, cost = 3273.40;
    int care = scenario_stage_index(sc, "care");
    s->when.age_min = 14;
    s->when.age_max = 18;
    s->refer_p = 0.25;            /* ASSUMPTION: calibrated, see above */
    s->takeup_p = 110.0 / 202.0;  /* RR587: 110 of 202 referred started */
    s->engage_p[SCN_ENGAGE_WELL] = 0.65;
    s->engage_p[SCN_ENGAGE_PARTLY] = 0.27;
    s->engage_p[SCN_ENGAGE_NOT] = 0.08;
    s->turn_away = 1;
    if ((rc = ld_default_stages(L, n, "cin,cp", "stages", &s->stages)) < 0 ||
        (rc = ld_stages(L, n, "stages", &s->stages)) < 0 || (rc = ld_age(L, n, "age", &s->when)) < 0 ||
        (rc = ld_number(L, n, "referral_share", 0, 1, &s->refer_p)) < 0 ||
        (rc = ld_number(L, n, "takeup", 0, 1, &s->takeup_p)) < 0 ||
        (rc = strand_parse_engagement(L, n, s)) < 0 ||
        (rc = strand_parse_places(L, n, s, 7, 11, 21)) < 0 ||
        (rc = ld_choice(L, n, "when_full", full_choices, &s->turn_away)) < 0 ||
        (rc = ld_number(L, n, "care_share_after", 0.0001, 0.9999, &after)) < 0 ||
        (rc = ld_number(L, n, "counterfactual_care_share", 0.0001, 0.9999, &without)) < 0 ||
        (rc = ld_number(L, n, "cost_per_intervention", 0, INFINITY, &cost)) < 0)
        return rc;
    if (ytree_get(n, "odds", NULL)) {
        if ((rc = ld_odds(L, n, "odds", s)) < 0)
            return rc;
    } else {
        if (care < 0)
            return ld_fail(L, n, "edge_of_care acts on entries to stage 'care', which this "
                                 "scenario does not have: give 'odds'");
        s->odds_stage = mem_alloc(sizeof *s->odds_stage);
        s->odds = mem_alloc(sizeof *s->odds);
        if (!s->odds_stage || !s->odds)
            return ld_oom(L);
        s->n_odds = 1;
        s->odds_stage[0] = care;
        s->odds[0] = strand_odds_ratio(after, without);
    }
    return ld_cost(L, n, s, NULL, SCN_COST_STARTS, cost);
}

const strand_type_t strand_edge_of_care = {
    "edge_of_care", "an edge-of-care offer for young people at imminent risk of care: fewer "
                    "of those who engage go into care",
    keys, parse};
