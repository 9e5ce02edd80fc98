/* load_strands.c: `strands`: the keys every strand has (name, type, start, end,
 * ramp_months), then its type's own parser (models/strands/strand.h, found by name in
 * the registry), and the ld_* API those parsers call: the loader's value readers
 * behind an opaque ld_t, so a strand type never sees the loader's state. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "models/scenario/load_internal.h"
#include "sim/cal.h"
#include "sim/mem.h"

const scenario_t *ld_scenario(const ld_t *L) { return L->sc; }

int ld_fail(ld_t *L, const ytree_node_t *n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = ld__vfail(L, n, fmt, ap);
    va_end(ap);
    return rc;
}

int ld_oom(ld_t *L) { return ld__oom(L); }

int ld_number(ld_t *L, const ytree_node_t *m, const char *key, double lo, double hi,
              double *v)
{
    const ytree_node_t *n = ytree_get(m, key, NULL);
    double x = 0;
    if (!n)
        return 0;
    if (ld__get_num(L, n, key, &x) < 0)
        return L->rc;
    if (x < lo || x > hi) {
        if (hi == INFINITY)
            return ld__fail(L, n, "'%s' must be at least %g (got %s)", key, lo, n->str);
        return ld__fail(L, n, "'%s' must be between %g and %g (got %s)", key, lo, hi, n->str);
    }
    *v = x;
    return 0;
}

int ld_dist(ld_t *L, const ytree_node_t *m, const char *key, dist_t *d)
{
    const ytree_node_t *n = ytree_get(m, key, NULL);
    if (!n)
        return 0;
    dist_free(d);
    memset(d, 0, sizeof *d);
    return ld__parse_dist(L, n, key, 1, d);
}

typedef int (*bit_ref_fn)(ld_t *L, const ytree_node_t *n, const char *what, int *bit);

static int stage_bit(ld_t *L, const ytree_node_t *n, const char *what, int *bit)
{
    return ld__stage_ref(L, n, what, 0, bit);
}

static int flag_bit(ld_t *L, const ytree_node_t *n, const char *what, int *bit)
{
    return ld__flag_ref(L, n, bit);
}

/* m[key], a name or a list of names, as a bit set through ref; absent: *set unchanged.
 * `one`: what to say of an empty list, or NULL if it may be empty. */
static int name_set(ld_t *L, const ytree_node_t *m, const char *key, const char *one,
                    bit_ref_fn ref, uint64_t *set)
{
    const ytree_node_t *n = ytree_get(m, key, NULL);
    const ytree_node_t *const *items = NULL;
    int count = 0, bit = 0;
    if (!n)
        return 0;
    if (ld__name_list(L, &n, key, &items, &count) < 0)
        return L->rc;
    if (count == 0 && one)
        return ld__fail(L, n, "'%s' must name at least one %s", key, one);
    *set = 0;
    for (int i = 0; i < count; i++) {
        if (ref(L, items[i], key, &bit) < 0)
            return L->rc;
        *set |= (uint64_t)1 << bit;
    }
    return 0;
}

int ld_stages(ld_t *L, const ytree_node_t *m, const char *key, uint64_t *set)
{
    return name_set(L, m, key, "stage", stage_bit, set);
}

int ld_flags(ld_t *L, const ytree_node_t *m, const char *key, uint64_t *set)
{
    return name_set(L, m, key, NULL, flag_bit, set);
}

int ld_age(ld_t *L, const ytree_node_t *m, const char *key, scn_when_t *w)
{
    const ytree_node_t *v = ytree_get(m, key, NULL);
    double lo = 0, hi = 0;
    if (!v)
        return 0;
    if (v->kind != YTREE_SEQ || v->n != 2)
        return ld__fail(L, v, "%s must be a list [min, max) of two numbers (years)", key);
    if (ld__get_num(L, v->val[0], key, &lo) < 0 || ld__get_num(L, v->val[1], key, &hi) < 0)
        return L->rc;
    if (!(lo < hi))
        return ld__fail(L, v, "%s range [%s, %s) is empty", key, v->val[0]->str, v->val[1]->str);
    w->age_min = lo;
    w->age_max = hi;
    return 0;
}

/* A name among names[0..n): its index, or an error with a suggestion. */
static int name_ref(ld_t *L, const ytree_node_t *m, const char *key, const char *what,
                    const char *const *names, int n, int *idx)
{
    const ytree_node_t *v = ytree_get(m, key, NULL);
    const char *s = NULL;
    char sg[96];
    if (!v)
        return 0;
    if (ld__get_str(L, v, key, &s) < 0)
        return L->rc;
    for (int i = 0; i < n; i++)
        if (!strcmp(names[i], s)) {
            *idx = i;
            return 0;
        }
    return ld__fail(L, v, "unknown %s '%s' in '%s'%s", what, s, key, ld__suggest(sg, sizeof sg, s, names, n));
}

int ld_pool(ld_t *L, const ytree_node_t *m, const char *key, int *idx)
{
    const char *names[SCN_MAX_STAGES * 4];
    int n = 0;
    for (int i = 0; i < L->sc->n_pools && n < (int)(sizeof names / sizeof *names); i++)
        names[n++] = L->sc->pools[i].name;
    return name_ref(L, m, key, "pool", names, n, idx);
}

int ld_arrival(ld_t *L, const ytree_node_t *m, const char *key, int *idx)
{
    const char *names[YTREE_MAX_ITEMS];
    int n = 0;
    for (int i = 0; i < L->sc->n_arrivals && n < YTREE_MAX_ITEMS; i++)
        names[n++] = L->sc->arrivals[i].name;
    return name_ref(L, m, key, "arrival stream", names, n, idx);
}

int ld_choice(ld_t *L, const ytree_node_t *m, const char *key, const char *const *choices,
              int *v)
{
    return name_ref(L, m, key, "value", choices, ld__count_of(choices), v);
}

int ld_odds(ld_t *L, const ytree_node_t *m, const char *key, scn_strand_t *s)
{
    const ytree_node_t *n = ytree_get(m, key, NULL);
    if (!n)
        return 0;
    if (ld__want_map(L, n, key) < 0)
        return L->rc;
    mem_free(s->odds_stage);
    mem_free(s->odds);
    s->odds_stage = NULL;
    s->odds = NULL;
    s->n_odds = 0;
    if (n->n && (!(s->odds_stage = ld__calloc(L, (size_t)n->n, sizeof *s->odds_stage)) ||
                 !(s->odds = ld__calloc(L, (size_t)n->n, sizeof *s->odds))))
        return L->rc;
    s->n_odds = n->n;
    for (int i = 0; i < n->n; i++)
        if (ld__stage_ref(L, n->key[i], key, 1, &s->odds_stage[i]) < 0 ||
            ld__get_ge0(L, n->val[i], "odds", &s->odds[i]) < 0)
            return L->rc;
    return 0;
}

int ld_default_stages(ld_t *L, const ytree_node_t *at, const char *names, const char *key,
                      uint64_t *set)
{
    char buf[256];
    if (ytree_get(at, key, NULL))
        return 0; /* given: the caller reads it */
    snprintf(buf, sizeof buf, "%s", names);
    *set = 0;
    for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        int s = scenario_stage_index(L->sc, t);
        if (s < 0)
            return ld__fail(L, at, "strand '%s' works on stage '%s' by default, which this "
                               "scenario does not have: give '%s'",
                        L->sc->strands[L->strand].name, t, key);
        *set |= (uint64_t)1 << s;
    }
    return 0;
}

int ld_cost(ld_t *L, const ytree_node_t *at, const scn_strand_t *s, const char *part,
            scn_cost_kind_t kind, double rate)
{
    char item[256];
    scn_cost_t *c;
    if (rate == 0)
        return 0;
    snprintf(item, sizeof item, "%s%s%s", s->name, part ? ":" : "", part ? part : "");
    if (!(c = ld__cost_append(L, "strand", item)))
        return L->rc;
    c->kind = kind;
    c->ref = L->strand;
    c->rate = rate;
    return 0;
}

/* ---- strands ------------------------------------------------------------------- */

static const char *const strand_common_keys[] = {"name", "type", "start", "end",
                                                 "ramp_months", NULL};

/* A date key of a strand: the start of that date, in days (day D - start - 1). */
static int strand_date(ld_t *L, const ytree_node_t *m, const char *key, double *day)
{
    const ytree_node_t *v = ytree_get(m, key, NULL);
    long d = 0;
    if (!v)
        return 0;
    if (ld__get_date(L, v, key, &d) < 0)
        return L->rc;
    *day = (double)(d - L->sc->start - 1);
    return 0;
}

static int parse_strand(ld_t *L, int idx, const ytree_node_t *n)
{
    scenario_t *sc = L->sc;
    scn_strand_t *s = &sc->strands[idx];
    const ytree_node_t *tv;
    const char *tname = NULL, *name = NULL;
    const strand_type_t *type;
    char sg[96];
    if (ld__want_map(L, n, "each strand") < 0 || !(tv = ld__need(L, n, "type", "a strand")) ||
        ld__get_str(L, tv, "type", &tname) < 0)
        return L->rc;
    if (!(type = strand_type_find(tname))) {
        const char *names[64];
        int k = 0;
        for (const strand_type_t *t; k < 64 && (t = strand_type_at(k)); k++)
            names[k] = t->name;
        return ld__fail(L, tv, "unknown strand type '%s'%s", tname,
                    ld__suggest(sg, sizeof sg, tname, names, k));
    }
    /* the allowed keys: the common ones, then the type's own */
    const char *allowed[128];
    int na = 0;
    for (int i = 0; strand_common_keys[i]; i++)
        allowed[na++] = strand_common_keys[i];
    for (int i = 0; type->keys[i] && na < 127; i++)
        allowed[na++] = type->keys[i];
    allowed[na] = NULL;
    char ctx[96];
    snprintf(ctx, sizeof ctx, "a strand of type '%s'", type->name);
    if (ld__check_keys(L, n, allowed, ctx) < 0)
        return L->rc;
    name = type->name;
    const ytree_node_t *nv = ytree_get(n, "name", NULL);
    if (nv && ld__check_name(L, nv, "strand") < 0)
        return L->rc;
    if (nv)
        name = nv->str;
    const ytree_node_t *at = nv ? nv : tv;
    if (scenario_strand_index(sc, name) >= 0)
        return ld__fail(L, at, "two strands are named '%s': give each a distinct name", name);
    if (scenario_stage_index(sc, name) >= 0 || scenario_pool_index(sc, name) >= 0 ||
        !strcmp(name, "all"))
        return ld__fail(L, at, "strand '%s' has the name of a stage or pool; outputs could not "
                           "tell them apart: give it another name", name);
    if (!(s->name = ld__strdup(L, name)))
        return L->rc;
    s->type = type->name;
    s->start = -INFINITY;
    s->stop = INFINITY;
    s->pool = s->arrival = -1;
    s->when.age_min = -INFINITY;
    s->when.age_max = INFINITY;
    s->refer_p = s->takeup_p = 1;
    s->places = INFINITY;
    s->engage_p[SCN_ENGAGE_WELL] = 1;
    s->engage_effect[SCN_ENGAGE_WELL] = 1;
    s->engage_effect[SCN_ENGAGE_PARTLY] = 0.5;
    s->dur_factor = 1;
    double months = 0;
    if (strand_date(L, n, "start", &s->start) < 0 || strand_date(L, n, "end", &s->stop) < 0 ||
        ld_number(L, n, "ramp_months", 0, 1200, &months) < 0)
        return L->rc;
    if (s->stop <= s->start)
        return ld__fail(L, ld__key_of(n, "end"), "strand '%s' must end after it starts", name);
    s->ramp = months * CAL_DAYS_PER_YEAR / 12;
    L->strand = idx;
    int rc = type->parse(L, n, s);
    if (rc < 0)
        return L->rc ? L->rc : (L->rc = rc); /* a type that failed without ld_fail */
    if (s->stages && s->duration.kind == DIST_KIND_N)
        return ld__fail(L, n, "strand '%s' has places but no duration", name);
    return 0;
}

int ld__parse_strands(ld_t *L, const ytree_node_t *root)
{
    const ytree_node_t *m = ytree_get(root, "strands", NULL);
    if (!m || (m->kind == YTREE_SCALAR && (!m->str[0] || !strcmp(m->str, "~") || !strcmp(m->str, "null"))))
        return 0;
    if (ld__want_seq(L, m, "strands") < 0)
        return L->rc;
    if (m->n > SCN_MAX_STRANDS)
        return ld__fail(L, m->val[SCN_MAX_STRANDS], "too many strands (more than %d)", SCN_MAX_STRANDS);
    if (m->n && !(L->sc->strands = ld__calloc(L, (size_t)m->n, sizeof *L->sc->strands)))
        return L->rc;
    for (int i = 0; i < m->n; i++) {
        L->sc->n_strands = i + 1; /* owned (and freed) from now on */
        L->sc->strands[i].duration.kind = DIST_KIND_N; /* "no duration yet" */
        if (parse_strand(L, i, m->val[i]) < 0)
            return L->rc;
    }
    return 0;
}
