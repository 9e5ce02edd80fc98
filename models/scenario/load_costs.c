/* load_costs.c: `costs`: currency, the cost of each pool's workers and of each
 * stage's placements (one rate, or by placement type with shares). Strands add their
 * own cost items through ld_cost (load_strands.c), with ld__cost_append. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "models/scenario/load_internal.h"
#include "sim/mem.h"

/* A new zeroed cost item at the end of sc->costs (which owns it at once). */
scn_cost_t *ld__cost_append(ld_t *L, const char *component, const char *item)
{
    scenario_t *sc = L->sc;
    scn_cost_t *c = mem_reallocarray(sc->costs, (size_t)sc->n_costs + 1, sizeof *c);
    if (!c) {
        ld__oom(L);
        return NULL;
    }
    sc->costs = c;
    c = &sc->costs[sc->n_costs++];
    memset(c, 0, sizeof *c);
    if (!(c->component = ld__strdup(L, component)) || !(c->item = ld__strdup(L, item)))
        return NULL;
    return c;
}

/* costs.stages.STAGE: {per_child_day: X} or {by_type: [{type, share, per_child_day}]} */
static int parse_stage_cost(ld_t *L, int s, const ytree_node_t *n)
{
    static const char *const keys[] = {"per_child_day", "by_type", NULL};
    static const char *const type_keys[] = {"type", "share", "per_child_day", NULL};
    const char *stage = L->sc->stages[s].name;
    char ctx[96], item[256];
    const ytree_node_t *v, *bt;
    double rate = 0;
    snprintf(ctx, sizeof ctx, "the costs of stage '%s'", stage);
    if (ld__want_map(L, n, ctx) < 0 || ld__check_keys(L, n, keys, ctx) < 0)
        return L->rc;
    v = ytree_get(n, "per_child_day", NULL);
    bt = ytree_get(n, "by_type", NULL);
    if (v && bt)
        return ld__fail(L, ld__key_of(n, "by_type"), "give per_child_day or by_type, not both");
    if (!v && !bt)
        return ld__fail(L, n, "missing required key 'per_child_day' (or 'by_type') in %s", ctx);
    if (v) {
        scn_cost_t *c;
        if (ld__get_ge0(L, v, "per_child_day", &rate) < 0 ||
            !(c = ld__cost_append(L, "placement", stage)))
            return L->rc;
        c->kind = SCN_COST_CHILD_DAYS;
        c->ref = s;
        c->rate = rate;
        return 0;
    }
    if (ld__want_seq(L, bt, "by_type") < 0)
        return L->rc;
    if (bt->n == 0)
        return ld__fail(L, bt, "by_type must list at least one placement type");
    double sum = 0;
    for (int i = 0; i < bt->n; i++) {
        const ytree_node_t *t = bt->val[i], *tn;
        const char *tname = NULL;
        double share = 0;
        scn_cost_t *c;
        if (ld__want_map(L, t, "each placement type") < 0 ||
            ld__check_keys(L, t, type_keys, "a placement type") < 0 ||
            !(tn = ld__need(L, t, "type", "a placement type")) || ld__check_name(L, tn, "placement type") < 0 ||
            !(v = ld__need(L, t, "share", "a placement type")) || ld__get_prob(L, v, "share", &share) < 0 ||
            !(v = ld__need(L, t, "per_child_day", "a placement type")) ||
            ld__get_ge0(L, v, "per_child_day", &rate) < 0)
            return L->rc;
        tname = tn->str;
        for (int j = 0; j < i; j++)
            if (!strcmp(ytree_get(bt->val[j], "type", NULL)->str, tname))
                return ld__fail(L, tn, "placement type '%s' is listed twice", tname);
        snprintf(item, sizeof item, "%s:%s", stage, tname);
        if (!(c = ld__cost_append(L, "placement", item)))
            return L->rc;
        c->kind = SCN_COST_CHILD_DAYS;
        c->ref = s;
        c->rate = rate * share;
        sum += share;
    }
    if (fabs(sum - 1) > LD_ROUTE_TOL)
        return ld__fail(L, bt, "the shares in by_type of stage '%s' sum to %.10g, not 1", stage, sum);
    return 0;
}

/* costs: {currency, pools: {POOL: {per_worker_year}}, stages: {STAGE: ...}} */
int ld__parse_costs(ld_t *L, const ytree_node_t *root)
{
    static const char *const keys[] = {"currency", "pools", "stages", NULL};
    static const char *const pool_cost_keys[] = {"per_worker_year", NULL};
    scenario_t *sc = L->sc;
    const ytree_node_t *m = ytree_get(root, "costs", NULL), *v;
    const char *cur = "GBP";
    if (m && m->kind == YTREE_SCALAR && (!m->str[0] || !strcmp(m->str, "~") || !strcmp(m->str, "null")))
        m = NULL; /* `costs:` with no value */
    if (m && (ld__want_map(L, m, "costs") < 0 || ld__check_keys(L, m, keys, "costs") < 0))
        return L->rc;
    if (m && (v = ytree_get(m, "currency", NULL)) && ld__get_str(L, v, "currency", &cur) < 0)
        return L->rc;
    if (!(sc->currency = ld__strdup(L, cur)))
        return L->rc;
    if (!m)
        return 0;
    if ((v = ytree_get(m, "pools", NULL))) {
        if (ld__want_map(L, v, "costs.pools") < 0)
            return L->rc;
        for (int i = 0; i < v->n; i++) {
            int p = scenario_pool_index(sc, v->key[i]->str);
            double rate = 0;
            const ytree_node_t *r;
            scn_cost_t *c;
            if (p < 0) {
                const char *names[YTREE_MAX_ITEMS];
                char s[96];
                for (int j = 0; j < sc->n_pools && j < YTREE_MAX_ITEMS; j++)
                    names[j] = sc->pools[j].name;
                return ld__fail(L, v->key[i], "unknown pool '%s' in costs.pools%s", v->key[i]->str,
                            ld__suggest(s, sizeof s, v->key[i]->str, names, sc->n_pools));
            }
            if (ld__want_map(L, v->val[i], "the costs of a pool") < 0 ||
                ld__check_keys(L, v->val[i], pool_cost_keys, "the costs of a pool") < 0 ||
                !(r = ld__need(L, v->val[i], "per_worker_year", "the costs of a pool")) ||
                ld__get_ge0(L, r, "per_worker_year", &rate) < 0 ||
                !(c = ld__cost_append(L, "pool", sc->pools[p].name)))
                return L->rc;
            c->kind = SCN_COST_WORKER_YEARS;
            c->ref = p;
            c->rate = rate;
        }
    }
    if ((v = ytree_get(m, "stages", NULL))) {
        if (ld__want_map(L, v, "costs.stages") < 0)
            return L->rc;
        for (int i = 0; i < v->n; i++) {
            int s = 0;
            if (ld__stage_ref(L, v->key[i], "costs.stages", 0, &s) < 0 ||
                parse_stage_cost(L, s, v->val[i]) < 0)
                return L->rc;
        }
    }
    return 0;
}
