/* strand_intervention.c: `type: intervention`, a programme described entirely in YAML:
 * every mechanism of scn_strand_t under its own key, nothing assumed (and nothing the
 * six evaluated types do that it cannot: `duration_factor` is its own). */
#include <math.h>

#include "models/strands/strand.h"

static const char *const keys[] = {
    "stages", "age", "flags", "any_flags", "not_flags", "referral_share", "takeup",
    "places", "workers", "caseload", "per_worker_year", "when_full", "duration",
    "engagement", "partial_effect", "odds", "duration_factor", "pool", "covered_workers", "capacity_gain",
    "absence_cut", "arrivals", "arrival_share", "arrival_cut", "cost_per_year",
    "cost_per_place_year", "cost_per_intervention", NULL};

static const char *const full_choices[] = {"wait", "turn_away", NULL};

static int parse(ld_t *L, const ytree_node_t *n, scn_strand_t *s)
{
    int rc;
    double fixed = 0, per_place = 0, per_start = 0;
    if ((rc = ld_stages(L, n, "stages", &s->stages)) < 0 || (rc = ld_age(L, n, "age", &s->when)) < 0 ||
        (rc = ld_flags(L, n, "flags", &s->when.flags_all)) < 0 ||
        (rc = ld_flags(L, n, "any_flags", &s->any_flags)) < 0 ||
        (rc = ld_flags(L, n, "not_flags", &s->when.flags_none)) < 0 ||
        (rc = ld_number(L, n, "referral_share", 0, 1, &s->refer_p)) < 0 ||
        (rc = ld_number(L, n, "takeup", 0, 1, &s->takeup_p)) < 0 ||
        (rc = ld_choice(L, n, "when_full", full_choices, &s->turn_away)) < 0 ||
        (rc = strand_parse_engagement(L, n, s)) < 0 || (rc = ld_odds(L, n, "odds", s)) < 0 ||
        (rc = ld_number(L, n, "duration_factor", 0, 100, &s->dur_factor)) < 0)
        return rc;
    if (ytree_get(n, "places", NULL) && ytree_get(n, "workers", NULL))
        return ld_fail(L, ytree_get(n, "workers", NULL), "give places or workers and caseload, not both");
    if (ytree_get(n, "workers", NULL)) {
        if (!ytree_get(n, "caseload", NULL) || !ytree_get(n, "per_worker_year", NULL))
            return ld_fail(L, n, "workers needs caseload and per_worker_year too");
        if ((rc = strand_parse_places(L, n, s, 0, 0, 1)) < 0)
            return rc;
    } else if ((rc = ld_number(L, n, "places", 0, 1e9, &s->places)) < 0 ||
               (rc = ld_dist(L, n, "duration", &s->duration)) < 0) {
        return rc;
    }
    if (s->stages && s->duration.kind == DIST_KIND_N)
        return ld_fail(L, n, "an intervention with stages needs a duration (or workers, "
                             "caseload and per_worker_year)");
    if (!s->stages && (ytree_get(n, "odds", NULL) || ytree_get(n, "places", NULL) ||
                       ytree_get(n, "duration_factor", NULL)))
        return ld_fail(L, n, "places, odds and duration_factor need 'stages': where children "
                             "are referred");
    /* pool */
    if ((rc = ld_pool(L, n, "pool", &s->pool)) < 0 ||
        (rc = ld_number(L, n, "covered_workers", 0, 1e9, &s->covered)) < 0 ||
        (rc = ld_number(L, n, "capacity_gain", 0, 100, &s->cap_gain)) < 0 ||
        (rc = ld_number(L, n, "absence_cut", 0, 1, &s->absence_cut)) < 0)
        return rc;
    if (s->pool < 0 && (ytree_get(n, "covered_workers", NULL) || ytree_get(n, "capacity_gain", NULL) ||
                        ytree_get(n, "absence_cut", NULL)))
        return ld_fail(L, n, "covered_workers, capacity_gain and absence_cut need 'pool'");
    /* arrivals */
    if ((rc = ld_arrival(L, n, "arrivals", &s->arrival)) < 0 ||
        (rc = ld_number(L, n, "arrival_share", 0, 1, &s->arrival_share)) < 0 ||
        (rc = ld_number(L, n, "arrival_cut", 0, 1, &s->arrival_cut)) < 0)
        return rc;
    if (s->arrival >= 0 && !ytree_get(n, "arrival_share", NULL))
        s->arrival_share = 1;
    if (s->arrival < 0 && (ytree_get(n, "arrival_share", NULL) || ytree_get(n, "arrival_cut", NULL)))
        return ld_fail(L, n, "arrival_share and arrival_cut need 'arrivals'");
    /* costs */
    if ((rc = ld_number(L, n, "cost_per_year", 0, INFINITY, &fixed)) < 0 ||
        (rc = ld_number(L, n, "cost_per_place_year", 0, INFINITY, &per_place)) < 0 ||
        (rc = ld_number(L, n, "cost_per_intervention", 0, INFINITY, &per_start)) < 0)
        return rc;
    if (per_place > 0 && !(s->places < INFINITY))
        return ld_fail(L, n, "cost_per_place_year needs a number of places");
    if ((rc = ld_cost(L, n, s, "fixed", SCN_COST_ACTIVE_YEARS, fixed)) < 0 ||
        (rc = ld_cost(L, n, s, "places", SCN_COST_PLACE_YEARS, per_place)) < 0)
        return rc;
    return ld_cost(L, n, s, "interventions", SCN_COST_STARTS, per_start);
}

const strand_type_t strand_intervention = {
    "intervention", "a programme described entirely in YAML (places, eligibility, "
                    "take-up, engagement, odds, pool and arrival effects, costs)",
    keys, parse};
