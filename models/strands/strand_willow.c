/* strand_willow.c: `type: willow`, a specialist team for children at risk of sexual
 * exploitation, going missing or being trafficked (Hampshire's Willow team).
 *
 * RR587 (EVIDENCE.md, "Willow"): 3 social workers, 2 nurses, 1 Barnardo's worker and a
 * manager; about 20 children per worker at a time; 20-30 children in CP
 * investigations a month; effective with lower-risk young people, weaker with
 * high-risk ones; £262,980 a year with overheads (excluding nurses, Barnardo's and
 * police). The evaluation gives no effect size: `odds` defaults to none (1); vary it
 * (e.g. {care: 0.8} to 1) in a sensitivity analysis.
 *
 * Mechanism: young people of `age` (ASSUMPTION 10-18) entering a CIN or CP plan, with
 * one of `any_flags` if given (e.g. a cse_risk flag), are referred (referral_share,
 * ASSUMPTION), and take one of workers x caseload places (6 x 20) for `duration`
 * (ASSUMPTION: 365.25 x 20 / 40 days, half a year), waiting when it is full. Cost:
 * cost_per_year while it runs. */
#include <math.h>

#include "models/strands/strand.h"

static const char *const keys[] = {
    "stages", "age", "any_flags", "referral_share", "takeup", "engagement", "partial_effect",
    "workers", "caseload", "per_worker_year", "duration", "when_full", "odds",
    "cost_per_year", NULL};

static int parse(ld_t *L, const ytree_node_t *n, scn_strand_t *s)
{
    int rc;
    static const char *const full_choices[] = {"wait", "turn_away", NULL};
    double cost = 262980;
    s->when.age_min = 10;
    s->when.age_max = 18;
    s->refer_p = 0.12; /* ASSUMPTION: about 25 new children a month (RR587: 20-30) */
    if ((rc = ld_default_stages(L, n, "cin,cp", "stages", &s->stages)) < 0 ||
        (rc = ld_stages(L, n, "stages", &s->stages)) < 0 || (rc = ld_age(L, n, "age", &s->when)) < 0 ||
        (rc = ld_flags(L, n, "any_flags", &s->any_flags)) < 0 ||
        (rc = ld_number(L, n, "referral_share", 0, 1, &s->refer_p)) < 0 ||
        (rc = ld_number(L, n, "takeup", 0, 1, &s->takeup_p)) < 0 ||
        (rc = strand_parse_engagement(L, n, s)) < 0 ||
        (rc = strand_parse_places(L, n, s, 6, 20, 40)) < 0 ||
        (rc = ld_choice(L, n, "when_full", full_choices, &s->turn_away)) < 0 ||
        (rc = ld_odds(L, n, "odds", s)) < 0 ||
        (rc = ld_number(L, n, "cost_per_year", 0, INFINITY, &cost)) < 0)
        return rc;
    return ld_cost(L, n, s, NULL, SCN_COST_ACTIVE_YEARS, cost);
}

const strand_type_t strand_willow = {
    "willow", "a specialist child sexual exploitation and missing team with limited places",
    keys, parse};
