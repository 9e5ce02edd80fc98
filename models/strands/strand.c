/* strand.c: the registry of strand types and the pieces they share. */
#include "models/strands/strand.h"

#include <math.h>
#include <string.h>

#include "sim/cal.h"

/* The registry: one line per type, in the order of the docs. */
static const strand_type_t *const types[] = {
    &strand_intervention, &strand_pa,     &strand_fit,       &strand_volunteers,
    &strand_edge_of_care, &strand_willow, &strand_surgeries,
};
#define N_TYPES ((int)(sizeof types / sizeof types[0]))

const strand_type_t *strand_type_find(const char *name)
{
    for (int i = 0; i < N_TYPES; i++)
        if (strcmp(types[i]->name, name) == 0)
            return types[i];
    return NULL;
}

const strand_type_t *strand_type_at(int i)
{
    return i >= 0 && i < N_TYPES ? types[i] : NULL;
}

int strand_parse_engagement(ld_t *L, const ytree_node_t *n, scn_strand_t *s)
{
    int rc;
    const ytree_node_t *e = ytree_get(n, "engagement", NULL);
    static const char *const lv[SCN_ENGAGE_N] = {"well", "partly", "not"};
    if ((rc = ld_number(L, n, "partial_effect", 0, 1, &s->engage_effect[SCN_ENGAGE_PARTLY])) < 0)
        return rc;
    if (!e)
        return 0;
    if (e->kind != YTREE_MAP)
        return ld_fail(L, e, "engagement must be a map {well: P, partly: P, not: P}");
    for (int i = 0; i < e->n; i++) {
        int ok = 0;
        for (int k = 0; k < SCN_ENGAGE_N; k++)
            ok |= !strcmp(e->key[i]->str, lv[k]);
        if (!ok)
            return ld_fail(L, e->key[i], "unknown key '%s' in engagement (expected well, "
                                         "partly and not)", e->key[i]->str);
    }
    double p[SCN_ENGAGE_N] = {0, 0, 0}, sum = 0;
    for (int k = 0; k < SCN_ENGAGE_N; k++) {
        if ((rc = ld_number(L, e, lv[k], 0, 1, &p[k])) < 0)
            return rc;
        sum += p[k];
    }
    if (fabs(sum - 1) > 1e-9)
        return ld_fail(L, e, "the shares in engagement sum to %.10g, not 1", sum);
    memcpy(s->engage_p, p, sizeof p);
    return 0;
}

int strand_parse_places(ld_t *L, const ytree_node_t *n, scn_strand_t *s, double workers,
                        double caseload, double per_worker_year)
{
    int rc;
    if ((rc = ld_number(L, n, "workers", 0, 1e6, &workers)) < 0 ||
        (rc = ld_number(L, n, "caseload", 0, 1e6, &caseload)) < 0 ||
        (rc = ld_number(L, n, "per_worker_year", 1e-9, 1e6, &per_worker_year)) < 0)
        return rc;
    s->places = workers * caseload;
    dist_free(&s->duration);
    memset(&s->duration, 0, sizeof s->duration);
    s->duration.kind = DIST_FIXED;
    s->duration.value = CAL_DAYS_PER_YEAR * caseload / per_worker_year;
    if (dist_init(&s->duration, 1) < 0)
        return ld_fail(L, n, "invalid places: caseload and per_worker_year give no duration");
    return ld_dist(L, n, "duration", &s->duration);
}

double strand_odds_ratio(double p1, double p0)
{
    if (p0 <= 0 || p0 >= 1 || p1 <= 0 || p1 >= 1)
        return 1;
    return (p1 / (1 - p1)) / (p0 / (1 - p0));
}
