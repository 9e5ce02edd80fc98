/* load_pools.c: `pools`: workers (a number or dated steps), absence, caseload_cap,
 * the stages each serves with their weights, and priority levels.
 *
 * Pool names follow the stage name rule [A-Za-z0-9_-]+; workers.day[0] is always
 * -INFINITY (a list's first step holds from the beginning of time). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "models/scenario/load_internal.h"
#include "sim/mem.h"

static const char *const pool_keys[] = {"workers", "absence", "caseload_cap", "serves",
                                        "priority", NULL};

/* workers: a number (one step at -infinity) or [{from, value}, ...] ascending. The
 * first step's day is stored as -infinity too: workers before the first date are the
 * first value, so workers.day[0] is always -INFINITY. */
static int parse_workers(ld_t *L, const ytree_node_t *n, scn_steps_t *s)
{
    static const char *const keys[] = {"from", "value", NULL};
    int k = n->kind == YTREE_SEQ ? n->n : 1;
    if (n->kind == YTREE_MAP)
        return ld__fail(L, n, "workers must be a number or a list of {from, value}, not a map");
    if (k == 0)
        return ld__fail(L, n, "workers must list at least one step");
    if (!(s->day = ld__calloc(L, (size_t)k, sizeof *s->day)) ||
        !(s->value = ld__calloc(L, (size_t)k, sizeof *s->value)))
        return L->rc;
    s->n = k;
    if (n->kind == YTREE_SCALAR) {
        s->day[0] = -INFINITY;
        if (ld__get_ge0(L, n, "workers", &s->value[0]) < 0)
            return L->rc;
        if (s->value[0] > LD_MAX_WORKERS)
            return ld__fail(L, n, "workers must be at most %.0f (got %s)", LD_MAX_WORKERS,
                            n->str);
        return 0;
    }
    for (int i = 0; i < k; i++) {
        const ytree_node_t *it = n->val[i], *f, *v;
        long day = 0;
        if (ld__want_map(L, it, "each workers step") < 0 ||
            ld__check_keys(L, it, keys, "a workers step") < 0 ||
            !(f = ld__need(L, it, "from", "a workers step")) ||
            !(v = ld__need(L, it, "value", "a workers step")) || ld__get_date(L, f, "from", &day) < 0 ||
            ld__get_ge0(L, v, "value", &s->value[i]) < 0)
            return L->rc;
        if (s->value[i] > LD_MAX_WORKERS)
            return ld__fail(L, v, "workers must be at most %.0f (got %s)", LD_MAX_WORKERS,
                            v->str);
        s->day[i] = (double)(day - L->sc->start) - 1; /* from the start of that day */
        if (i > 0 && !(s->day[i] > s->day[i - 1]))
            return ld__fail(L, f, "workers dates must be strictly ascending");
    }
    s->day[0] = -INFINITY;
    return 0;
}

static int parse_pool(ld_t *L, int idx, const ytree_node_t *kn, const ytree_node_t *n)
{
    scenario_t *sc = L->sc;
    scn_pool_t *p = &sc->pools[idx];
    const ytree_node_t *v, *sv, *pr;
    char ctx[96];
    if (ld__check_name(L, kn, "pool") < 0)
        return L->rc;
    /* pools share the `stage` column of the outputs with stages and `all` */
    if (strcmp(kn->str, "all") == 0 || scenario_stage_index(sc, kn->str) >= 0)
        return ld__fail(L, kn, "pool '%s' has the name of a stage%s; outputs could not tell "
                           "them apart", kn->str, strcmp(kn->str, "all") == 0 ? " (all)" : "");
    if (!(p->name = ld__strdup(L, kn->str)))
        return L->rc;
    snprintf(ctx, sizeof ctx, "pool '%s'", p->name);
    if (ld__want_map(L, n, ctx) < 0 || ld__check_keys(L, n, pool_keys, ctx) < 0)
        return L->rc;
    if (!(v = ld__need(L, n, "workers", ctx)) || parse_workers(L, v, &p->workers) < 0)
        return L->rc;
    if ((v = ytree_get(n, "absence", NULL))) {
        if (ld__get_num(L, v, "absence", &p->absence) < 0)
            return L->rc;
        if (p->absence < 0 || p->absence >= 1)
            return ld__fail(L, v, "absence must be in [0, 1) (got %s)", v->str);
    }
    if (!(v = ld__need(L, n, "caseload_cap", ctx)) ||
        ld__get_gt0(L, v, "caseload_cap", &p->caseload_cap) < 0)
        return L->rc;
    if (p->caseload_cap > LD_MAX_CASELOAD_CAP)
        return ld__fail(L, v, "caseload_cap must be at most %.0f (got %s)",
                        LD_MAX_CASELOAD_CAP, v->str);
    if (!(sv = ld__need(L, n, "serves", ctx)) || ld__want_map(L, sv, "serves") < 0)
        return L->rc;
    if (sv->n == 0)
        return ld__fail(L, sv, "serves must name at least one stage");
    if (!(p->serves = ld__calloc(L, (size_t)sv->n, sizeof *p->serves)) ||
        !(p->serves_weight = ld__calloc(L, (size_t)sv->n, sizeof *p->serves_weight)))
        return L->rc;
    p->n_serves = sv->n;
    for (int i = 0; i < sv->n; i++) {
        int s = 0;
        if (ld__stage_ref(L, sv->key[i], "serves", 0, &s) < 0)
            return L->rc;
        if (sc->stages[s].pool >= 0)
            return ld__fail(L, sv->key[i], "stage '%s' is already served by pool '%s'",
                        sc->stages[s].name, sc->pools[sc->stages[s].pool].name);
        p->serves[i] = s;
        if (ld__get_gt0(L, sv->val[i], "weight", &p->serves_weight[i]) < 0)
            return L->rc;
        sc->stages[s].pool = idx;
        sc->stages[s].weight = p->serves_weight[i];
        sc->stages[s].prio = -1; /* set below */
    }
    int n_prio = 0;
    if ((pr = ytree_get(n, "priority", NULL))) {
        if (ld__want_seq(L, pr, "priority") < 0)
            return L->rc;
        for (int i = 0; i < pr->n; i++) {
            int s = 0;
            if (ld__stage_ref(L, pr->val[i], "priority", 0, &s) < 0)
                return L->rc;
            if (sc->stages[s].pool != idx)
                return ld__fail(L, pr->val[i], "priority stage '%s' is not served by pool '%s'",
                            pr->val[i]->str, p->name);
            if (sc->stages[s].prio >= 0)
                return ld__fail(L, pr->val[i], "stage '%s' is listed twice in priority",
                            pr->val[i]->str);
            sc->stages[s].prio = i;
        }
        n_prio = pr->n;
    }
    for (int i = 0; i < p->n_serves; i++)
        if (sc->stages[p->serves[i]].prio < 0)
            sc->stages[p->serves[i]].prio = n_prio;
    p->n_levels = n_prio + 1;
    return 0;
}

int ld__parse_pools(ld_t *L, const ytree_node_t *root)
{
    const ytree_node_t *m = ytree_get(root, "pools", NULL);
    if (!m)
        return 0;
    if (ld__want_map(L, m, "pools") < 0)
        return L->rc;
    if (m->n && !(L->sc->pools = ld__calloc(L, (size_t)m->n, sizeof *L->sc->pools)))
        return L->rc;
    L->sc->n_pools = m->n;
    for (int i = 0; i < m->n; i++)
        if (parse_pool(L, i, m->key[i], m->val[i]) < 0)
            return L->rc;
    return 0;
}
