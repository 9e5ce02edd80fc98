/* strand_surgeries.c: `type: surgeries`, social worker surgeries advising schools on
 * thresholds, to cut referrals from schools that need no social care.
 *
 * RR587 (EVIDENCE.md, "Social worker surgeries"): the aim was 8% fewer referrals;
 * delivered in 2 schools by 1 family support worker; better-quality referrals but no
 * reduction in numbers (so `reduction` defaults to 0, the observed figure; the target
 * was 0.08); scaled up to 8 family support workers it would cost about £304,000 a year
 * (£38,000 each), judged not cost effective.
 *
 * Mechanism: the arrival stream `arrivals` (default `referrals`) has a share
 * school_share from schools (ASSUMPTION 0.18: schools' share of referrals in England
 * is about a fifth); workers / workers_for_county of those schools are covered, and
 * of their referrals `reduction` are averted, ramping up over ramp_months. Cost:
 * workers x cost_per_worker a year while it runs. */
#include <math.h>

#include "models/strands/strand.h"

static const char *const keys[] = {"arrivals", "school_share", "workers", "workers_for_county",
                                   "reduction", "cost_per_worker", NULL};

static int parse(ld_t *L, const ytree_node_t *n, scn_strand_t *s)
{
    int rc;
    const scenario_t *sc = ld_scenario(L);
    double share = 0.18, workers = 1, county = 8, cost = 304000.0 / 8;
    s->arrival = scenario_arrival_index(sc, "referrals");
    if (!ytree_get(n, "arrivals", NULL) && s->arrival < 0)
        return ld_fail(L, n, "surgeries act on the arrival stream 'referrals' by default, "
                             "which this scenario does not have: give 'arrivals'");
    if ((rc = ld_arrival(L, n, "arrivals", &s->arrival)) < 0 ||
        (rc = ld_number(L, n, "school_share", 0, 1, &share)) < 0 ||
        (rc = ld_number(L, n, "workers", 0, 1e5, &workers)) < 0 ||
        (rc = ld_number(L, n, "workers_for_county", 1e-9, 1e5, &county)) < 0 ||
        (rc = ld_number(L, n, "reduction", 0, 1, &s->arrival_cut)) < 0 ||
        (rc = ld_number(L, n, "cost_per_worker", 0, INFINITY, &cost)) < 0)
        return rc;
    s->arrival_share = share * (workers < county ? workers / county : 1);
    return ld_cost(L, n, s, NULL, SCN_COST_ACTIVE_YEARS, workers * cost);
}

const strand_type_t strand_surgeries = {
    "surgeries", "social worker surgeries advising schools: fewer school referrals",
    keys, parse};
