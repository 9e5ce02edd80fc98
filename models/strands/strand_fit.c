/* strand_fit.c: `type: fit`, family intervention teams (domestic abuse, substance
 * misuse, mental health specialists attached to CIN teams).
 *
 * RR587 (EVIDENCE.md, "FIT"): families with a CIN or CP plan and at least one
 * "toxic trio" issue; 8 Hampshire teams of 3 specialists, hard to recruit (1 of 8
 * fully staffed; 3 only ever had a domestic abuse worker); engagement with support 29%
 * before, 70% with FIT in Hampshire (87% on the Isle of Wight); cost per worker with
 * overheads: domestic abuse £34,825, substance misuse £47,511, mental health £37,853.
 * The aim was 6% fewer care entries; the evaluation found no measurable effect yet,
 * so the default odds are 1 (no effect): vary `odds` (e.g. {care: 0.8} to 1).
 *
 * Mechanism: children entering a CIN or CP plan with a toxic-trio flag are referred
 * (referral_share), take it up with probability `takeup`, and need a place: teams x
 * (filled specialists) x caseload places, each held 365.25 x caseload /
 * per_worker_year days. Costs: teams x filled x cost per discipline, a year. */
#include <math.h>
#include <string.h>

#include "models/strands/strand.h"

static const char *const keys[] = {
    "stages", "any_flags", "referral_share", "takeup", "teams", "filled", "cost_per_worker",
    "caseload", "per_worker_year", "duration", "when_full", "odds", NULL};

static const char *const disciplines[] = {"domestic_abuse", "substance_misuse",
                                          "mental_health", NULL};
enum { N_DISC = 3 };

/* A map {DISCIPLINE: number} into v[N_DISC], values in [lo, hi]. */
static int per_discipline(ld_t *L, const ytree_node_t *n, const char *key, double lo,
                          double hi, double *v)
{
    int rc;
    const ytree_node_t *m = ytree_get(n, key, NULL);
    if (!m)
        return 0;
    if (m->kind != YTREE_MAP)
        return ld_fail(L, m, "%s must be a map {domestic_abuse: X, substance_misuse: X, "
                             "mental_health: X}", key);
    for (int i = 0; i < m->n; i++) {
        int k = 0;
        while (disciplines[k] && strcmp(disciplines[k], m->key[i]->str))
            k++;
        if (!disciplines[k])
            return ld_fail(L, m->key[i], "unknown discipline '%s' in %s (expected "
                                         "domestic_abuse, substance_misuse, mental_health)",
                           m->key[i]->str, key);
        if ((rc = ld_number(L, m, disciplines[k], lo, hi, &v[k])) < 0)
            return rc;
    }
    return 0;
}

static int parse(ld_t *L, const ytree_node_t *n, scn_strand_t *s)
{
    int rc;
    const scenario_t *sc = ld_scenario(L);
    double teams = 8, caseload = 14, per_year = 36; /* ASSUMPTION: caseload, turnover */
    /* ASSUMPTION from RR587's staffing: every team had its domestic abuse worker, about
     * half had the other two */
    double filled[N_DISC] = {1.0, 0.5, 0.5};
    double cost[N_DISC] = {34825, 47511, 37853};
    static const char *const full_choices[] = {"wait", "turn_away", NULL};
    s->refer_p = 0.25; /* ASSUMPTION: calibrated to about 640 families a year (RR587: 321
                        * Hampshire families in Jan-Jun 2016) */
    s->takeup_p = 0.7; /* RR587: 70% engaged with FIT in Hampshire */
    if ((rc = ld_default_stages(L, n, "cin,cp", "stages", &s->stages)) < 0 ||
        (rc = ld_stages(L, n, "stages", &s->stages)) < 0)
        return rc;
    /* the toxic trio, when the scenario names those flags */
    for (int k = 0; k < N_DISC; k++)
        for (int f = 0; f < sc->n_flags; f++)
            if (!strcmp(sc->flags[f], disciplines[k]))
                s->any_flags |= (uint64_t)1 << f;
    if ((rc = ld_flags(L, n, "any_flags", &s->any_flags)) < 0 ||
        (rc = ld_number(L, n, "referral_share", 0, 1, &s->refer_p)) < 0 ||
        (rc = ld_number(L, n, "takeup", 0, 1, &s->takeup_p)) < 0 ||
        (rc = ld_number(L, n, "teams", 0, 1e4, &teams)) < 0 ||
        (rc = per_discipline(L, n, "filled", 0, 1, filled)) < 0 ||
        (rc = per_discipline(L, n, "cost_per_worker", 0, INFINITY, cost)) < 0 ||
        (rc = ld_choice(L, n, "when_full", full_choices, &s->turn_away)) < 0 ||
        (rc = ld_odds(L, n, "odds", s)) < 0)
        return rc;
    double workers = teams * (filled[0] + filled[1] + filled[2]);
    if ((rc = strand_parse_places(L, n, s, workers, caseload, per_year)) < 0)
        return rc;
    for (int k = 0; k < N_DISC; k++)
        if ((rc = ld_cost(L, n, s, disciplines[k], SCN_COST_ACTIVE_YEARS, teams * filled[k] * cost[k])) < 0)
            return rc;
    return 0;
}

const strand_type_t strand_fit = {
    "fit", "family intervention teams: specialists for families on CIN and CP plans with "
           "domestic abuse, substance misuse or mental health issues",
    keys, parse};
