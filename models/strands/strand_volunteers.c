/* strand_volunteers.c: `type: volunteers`, volunteers recruited and supported by
 * coordinators: mentoring young people, and return-from-missing interviews.
 *
 * RR587 (EVIDENCE.md, "Volunteers"): a full-time coordinator supports about 50 active
 * volunteers (4 coordinators in Hampshire; 192 active); 56% of volunteers mentor;
 * 68% of young people referred for mentoring were matched (97 of 142) and 80% of
 * those engaged; a volunteer does about 3 substantive interventions a year, at £396.40
 * each (coordinator £254, admin £101.52, expenses £40.88). Return interviews: 583
 * requests in January-September 2016 (65 a month), 47% completed, £183.80 each.
 * The evaluation gives no effect on the pathway: `odds` defaults to none (1); vary it.
 *
 * Mechanism: mentoring places are coordinators x volunteers_per_coordinator x
 * mentor_share, each held a third of a year; children aged 10-18 (ASSUMPTION) entering
 * early help or a CIN plan are referred (referral_share, ASSUMPTION), matched with
 * probability `takeup`, wait for a volunteer, and engage well (80%) or not. Costs:
 * each mentoring intervention started, and the return interviews completed a year. */
#include <math.h>

#include "models/strands/strand.h"

static const char *const keys[] = {
    "stages", "age", "referral_share", "takeup", "engagement", "coordinators",
    "volunteers_per_coordinator", "mentor_share", "interventions_per_volunteer_year",
    "duration", "when_full", "odds", "cost_per_intervention", "return_interviews_per_month",
    "return_completion", "cost_per_return_interview", NULL};

static int parse(ld_t *L, const ytree_node_t *n, scn_strand_t *s)
{
    int rc;
    static const char *const full_choices[] = {"wait", "turn_away", NULL};
    double coord = 4, per_coord = 50, mentor = 0.56, per_year = 3, cost = 396.40;
    double returns = 583.0 / 9, completion = 0.47, cost_return = 183.80;
    s->when.age_min = 10; /* ASSUMPTION: mentors are for young people */
    s->when.age_max = 18;
    s->refer_p = 0.07;    /* ASSUMPTION: about 190 referrals a year (142 in RR587) */
    s->takeup_p = 0.68;   /* RR587: 97 of 142 matched */
    s->engage_p[SCN_ENGAGE_WELL] = 0.8; /* RR587: 80% engaged */
    s->engage_p[SCN_ENGAGE_NOT] = 0.2;
    if ((rc = ld_default_stages(L, n, "early_help,cin", "stages", &s->stages)) < 0 ||
        (rc = ld_stages(L, n, "stages", &s->stages)) < 0 || (rc = ld_age(L, n, "age", &s->when)) < 0 ||
        (rc = ld_number(L, n, "referral_share", 0, 1, &s->refer_p)) < 0 ||
        (rc = ld_number(L, n, "takeup", 0, 1, &s->takeup_p)) < 0 ||
        (rc = strand_parse_engagement(L, n, s)) < 0 ||
        (rc = ld_number(L, n, "coordinators", 0, 1e5, &coord)) < 0 ||
        (rc = ld_number(L, n, "volunteers_per_coordinator", 0, 1e4, &per_coord)) < 0 ||
        (rc = ld_number(L, n, "mentor_share", 0, 1, &mentor)) < 0 ||
        (rc = ld_number(L, n, "interventions_per_volunteer_year", 1e-6, 1e4, &per_year)) < 0 ||
        (rc = ld_choice(L, n, "when_full", full_choices, &s->turn_away)) < 0 ||
        (rc = ld_odds(L, n, "odds", s)) < 0 ||
        (rc = ld_number(L, n, "cost_per_intervention", 0, INFINITY, &cost)) < 0 ||
        (rc = ld_number(L, n, "return_interviews_per_month", 0, 1e7, &returns)) < 0 ||
        (rc = ld_number(L, n, "return_completion", 0, 1, &completion)) < 0 ||
        (rc = ld_number(L, n, "cost_per_return_interview", 0, INFINITY, &cost_return)) < 0)
        return rc;
    /* one mentee at a time per mentoring volunteer */
    if ((rc = strand_parse_places(L, n, s, coord * per_coord * mentor, 1, per_year)) < 0)
        return rc;
    if ((rc = ld_cost(L, n, s, "mentoring", SCN_COST_STARTS, cost)) < 0)
        return rc;
    return ld_cost(L, n, s, "return_interviews", SCN_COST_ACTIVE_YEARS,
                   returns * 12 * completion * cost_return);
}

const strand_type_t strand_volunteers = {
    "volunteers", "volunteer mentors for young people, and return-from-missing interviews, "
                  "supported by coordinators",
    keys, parse};
