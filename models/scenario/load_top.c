/* load_top.c: the top-level scalars of a scenario: version, name, title, start, the
 * horizon (horizon_days or end), warmup_days, report_every_days, replications, seed
 * and max_age, with their defaults and limits (load_internal.h). Also the list of
 * top-level keys: a new section's key goes in top_keys. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "models/scenario/load_internal.h"
#include "sim/mem.h"

static const char *const top_keys[] = {
    "version", "name", "title", "start", "horizon_days", "end", "warmup_days",
    "report_every_days", "replications", "seed", "max_age", "stages", "arrivals",
    "initial", "pools", "observed", "costs", "strands", "uncertain", NULL};

int ld__parse_top(ld_t *L, const ytree_node_t *root)
{
    scenario_t *sc = L->sc;
    const ytree_node_t *v, *h, *e;
    const char *s = NULL;
    long long ll = 0;
    long end = 0;

    if (ld__check_keys(L, root, top_keys, "the scenario") < 0)
        return L->rc;
    if (!(v = ld__need(L, root, "version", "the scenario")))
        return L->rc;
    if (v->kind != YTREE_SCALAR || !v->plain || strcmp(v->str, "1") != 0)
        return ld__fail(L, v, "version must be 1 (got %s%s%s)", v->kind == YTREE_SCALAR ? "'" : "",
                    v->kind == YTREE_SCALAR ? v->str : ld__kind_name(v),
                    v->kind == YTREE_SCALAR ? "'" : "");
    if (!(v = ld__need(L, root, "name", "the scenario")) || ld__get_slug(L, v, "scenario name", &s) < 0 ||
        !(sc->name = ld__strdup(L, s)))
        return L->rc;
    s = sc->name;
    if ((v = ytree_get(root, "title", NULL)) && ld__get_str(L, v, "title", &s) < 0)
        return L->rc;
    if (!(sc->title = ld__strdup(L, s)))
        return L->rc;
    if (!(v = ld__need(L, root, "start", "the scenario")) || ld__get_date(L, v, "start", &sc->start) < 0)
        return L->rc;

    /* exactly one of horizon_days and end */
    h = ytree_get(root, "horizon_days", NULL);
    e = ytree_get(root, "end", NULL);
    if (h && e)
        return ld__fail(L, ld__key_of(root, "end"), "give either horizon_days or end, not both");
    if (!h && !e)
        return ld__fail(L, root, "missing required key 'horizon_days' (or 'end') in the scenario");
    if (h) {
        if (ld__get_gt0(L, h, "horizon_days", &sc->horizon) < 0)
            return L->rc;
        if (sc->horizon > LD_MAX_HORIZON)
            return ld__fail(L, h, "horizon_days is too long (more than %.0f days, 200 years)",
                        LD_MAX_HORIZON);
    } else {
        if (ld__get_date(L, e, "end", &end) < 0)
            return L->rc;
        if (end <= sc->start)
            return ld__fail(L, e, "end must be after start");
        if (end - sc->start > LD_MAX_HORIZON)
            return ld__fail(L, e, "end is too far after start (more than %.0f days, 200 years)",
                        LD_MAX_HORIZON);
        sc->horizon = (double)(end - sc->start);
    }
    if ((v = ytree_get(root, "warmup_days", NULL))) {
        if (ld__get_ge0(L, v, "warmup_days", &sc->warmup) < 0)
            return L->rc;
        if (sc->warmup >= sc->horizon)
            return ld__fail(L, v, "warmup_days must be less than the horizon (%g days)",
                        sc->horizon);
    }
    sc->report_monthly = 1;
    if ((v = ytree_get(root, "report_every_days", NULL)) &&
        !(v->kind == YTREE_SCALAR && strcmp(v->str, "month") == 0)) {
        if (ld__get_gt0(L, v, "report_every_days", &sc->report_every) < 0)
            return L->rc;
        /* refuse absurd output sizes */
        if (sc->horizon / sc->report_every > LD_MAX_REPORT_STEPS)
            return ld__fail(L, v, "report_every_days gives too many report steps (more than %.0f)",
                        LD_MAX_REPORT_STEPS);
        sc->report_monthly = 0;
    }
    sc->replications = 20;
    if ((v = ytree_get(root, "replications", NULL))) {
        if (ld__get_int(L, v, "replications", 1, LD_MAX_REPLICATIONS, &ll) < 0)
            return L->rc;
        sc->replications = (int)ll;
    }
    sc->seed = 1;
    if ((v = ytree_get(root, "seed", NULL)) && ld__get_u64(L, v, "seed", &sc->seed) < 0)
        return L->rc;
    sc->max_age = 18;
    if ((v = ytree_get(root, "max_age", NULL)) && ld__get_gt0(L, v, "max_age", &sc->max_age) < 0)
        return L->rc;

    return 0;
}
