/* strand_pa.c: `type: pa`, highly skilled administrators (PAs) for social work teams.
 *
 * RR587 (EVIDENCE.md, "PA"): one PA to three social workers; social workers' time on
 * administration fell from 36% to 14% after 9 months; caseloads rose 13% (individual)
 * to 17% (team) with no reported loss of quality; sickness absence fell 83% in PA
 * teams; net on-cost £13,224.49 a year per PA (gross £30,456 with overheads).
 *
 * Mechanism: pas x ratio workers of the pool are covered. Their non-admin time grows
 * by (1 - admin_after) / (1 - admin_before) - 1 (34% with the defaults), of which the
 * share released_to_cases becomes caseload capacity (ASSUMPTION 0.4: +13.75%, close
 * to the 13% rise of individual caseloads), and their absence is cut by
 * absence_reduction. The effect ramps up over ramp_months (default 9, the report's
 * "after 9 months"). Cost: pas x cost_per_pa a year while it runs. */
#include <math.h>

#include "models/strands/strand.h"

static const char *const keys[] = {"pool", "pas", "ratio", "admin_before", "admin_after",
                                   "released_to_cases", "absence_reduction", "cost_per_pa",
                                   NULL};

static int parse(ld_t *L, const ytree_node_t *n, scn_strand_t *s)
{
    int rc;
    double pas = 32, ratio = 3, before = 0.36, after = 0.14, released = 0.4, cost = 13224.49;
    s->absence_cut = 0.83;
    if (!ytree_get(n, "pool", NULL))
        return ld_fail(L, n, "missing required key 'pool' in a strand of type 'pa' (the "
                             "social workers the PAs support)");
    if ((rc = ld_pool(L, n, "pool", &s->pool)) < 0 || (rc = ld_number(L, n, "pas", 0, 1e6, &pas)) < 0 ||
        (rc = ld_number(L, n, "ratio", 0, 1e3, &ratio)) < 0 ||
        (rc = ld_number(L, n, "admin_before", 0, 0.999, &before)) < 0 ||
        (rc = ld_number(L, n, "admin_after", 0, 0.999, &after)) < 0 ||
        (rc = ld_number(L, n, "released_to_cases", 0, 1, &released)) < 0 ||
        (rc = ld_number(L, n, "absence_reduction", 0, 1, &s->absence_cut)) < 0 ||
        (rc = ld_number(L, n, "cost_per_pa", 0, INFINITY, &cost)) < 0)
        return rc;
    if (after > before)
        return ld_fail(L, ytree_get(n, "admin_after", NULL) ? ytree_get(n, "admin_after", NULL) : n,
                       "admin_after (%g) is more than admin_before (%g): PAs release time", after,
                       before);
    if (!ytree_get(n, "ramp_months", NULL))
        s->ramp = 9 * 365.25 / 12;
    s->covered = pas * ratio;
    s->cap_gain = released * ((1 - after) / (1 - before) - 1);
    return ld_cost(L, n, s, NULL, SCN_COST_ACTIVE_YEARS, pas * cost);
}

const strand_type_t strand_pa = {
    "pa", "administrators for social work teams: more caseload capacity and less absence "
          "in the pool they support",
    keys, parse};
