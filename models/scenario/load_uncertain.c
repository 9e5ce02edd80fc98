/* load_uncertain.c: `uncertain`: the parameters `careflow sensitivity` varies, each a
 * --set path (checked against the merged tree by setting it in a copy) with its
 * distribution (models/sim/sa.h). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/scenario/load_internal.h"
#include "sim/mem.h"

/* Checks that `path` could be a --set path of the merged tree, by setting it in a copy
 * (set_path copies what it changes): every segment but the last names a map key or a
 * list item, and the last a scalar or a key its map does not have yet (an optional key,
 * checked when a design point sets it). Whether a value is valid there is checked by
 * loading the scenario with it (careflow sensitivity and validate do, at each
 * parameter's low and high values). Errors point at `at`. */
static int check_set_path(ld_t *L, const ytree_node_t *root, const ytree_node_t *at,
                          const char *path)
{
    size_t first = strcspn(path, ".");
    if ((first == 9 && !strncmp(path, "uncertain", 9)) || (first == 7 && !strncmp(path, "include", 7)))
        return ld__fail(L, at, "'%.*s' cannot be uncertain", (int)first, path);
    ytree_node_t *copy = (ytree_node_t *)root; /* set_path clones before it writes */
    ytree_node_t *val = ytree_scalar(L->yt, at->file, at->line, at->col, "0", 1);
    if (!val)
        return ld__oom(L);
    return ld__set_path(L, &copy, path, val, at, NULL);
}

static int is_int_text(const char *s)
{
    char *end;
    errno = 0;
    (void)strtoll(s, &end, 10);
    return end != s && !*end && errno != ERANGE;
}

static int parse_uncertain_item(ld_t *L, const ytree_node_t *root, const ytree_node_t *n,
                                scn_uncertain_t *u)
{
    static const char *const keys[SA_DIST_N][8] = {
        [SA_UNIFORM] = {"path", "label", "dist", "min", "max", NULL},
        [SA_TRIANGULAR] = {"path", "label", "dist", "min", "mode", "max", NULL},
        [SA_NORMAL] = {"path", "label", "dist", "mean", "sd", "min", "max", NULL},
        [SA_LOGNORMAL] = {"path", "label", "dist", "mean", "sd", NULL},
        [SA_CHOICE] = {"path", "label", "dist", "values", "weights", NULL},
        [SA_INTEGER] = {"path", "label", "dist", "min", "max", NULL},
    };
    const ytree_node_t *v, *d;
    const char *s = NULL;
    sa_param_t *p = &u->dist;
    if (ld__want_map(L, n, "an uncertain parameter") < 0)
        return L->rc;
    if (!(u->file = ld__strdup(L, n->file)))
        return L->rc;
    u->line = n->line;
    u->col = n->col;
    if (!(v = ld__need(L, n, "path", "an uncertain parameter")) || ld__get_str(L, v, "path", &s) < 0 ||
        check_set_path(L, root, v, s) < 0 || !(u->path = ld__strdup(L, s)))
        return L->rc;
    if ((v = ytree_get(n, "label", NULL)) && ld__get_str(L, v, "label", &s) < 0)
        return L->rc;
    if (!(u->label = ld__strdup(L, s)))
        return L->rc;
    if (!(d = ld__need(L, n, "dist", "an uncertain parameter")) || ld__get_str(L, d, "dist", &s) < 0)
        return L->rc;
    int kind = sa_dist_from_name(s);
    if (kind < 0) {
        const char *names[SA_DIST_N];
        char sug[96];
        for (int k = 0; k < SA_DIST_N; k++)
            names[k] = sa_dist_name((sa_dist_kind_t)k);
        return ld__fail(L, d, "unknown distribution '%s' for an uncertain parameter (one of "
                          "uniform, triangular, normal, lognormal, choice, integer)%s",
                    s, ld__suggest(sug, sizeof sug, s, names, SA_DIST_N));
    }
    p->kind = (sa_dist_kind_t)kind;
    p->min = -INFINITY;
    p->max = INFINITY;
    if (ld__check_keys(L, n, keys[kind], "an uncertain parameter") < 0)
        return L->rc;
    const char *what = "an uncertain parameter";
    switch (p->kind) {
    case SA_UNIFORM:
    case SA_TRIANGULAR:
        if (!(v = ld__need(L, n, "min", what)) || ld__get_num(L, v, "min", &p->min) < 0 ||
            !(v = ld__need(L, n, "max", what)) || ld__get_num(L, v, "max", &p->max) < 0)
            return L->rc;
        if (!(p->min < p->max))
            return ld__fail(L, v, "max must be greater than min (%g)", p->min);
        if (p->kind == SA_TRIANGULAR) {
            if (!(v = ld__need(L, n, "mode", what)) || ld__get_num(L, v, "mode", &p->mode) < 0)
                return L->rc;
            if (p->mode < p->min || p->mode > p->max)
                return ld__fail(L, v, "mode must be between min and max (%g to %g)", p->min,
                            p->max);
        }
        break;
    case SA_NORMAL:
    case SA_LOGNORMAL:
        if (!(v = ld__need(L, n, "mean", what)) || ld__get_num(L, v, "mean", &p->mean) < 0 ||
            !(v = ld__need(L, n, "sd", what)) || ld__get_gt0(L, v, "sd", &p->sd) < 0)
            return L->rc;
        if (p->kind == SA_LOGNORMAL && !(p->mean > 0))
            return ld__fail(L, ld__key_of(n, "mean"), "a lognormal's mean must be greater than 0");
        if ((v = ytree_get(n, "min", NULL)) && ld__get_num(L, v, "min", &p->min) < 0)
            return L->rc;
        if ((v = ytree_get(n, "max", NULL)) && ld__get_num(L, v, "max", &p->max) < 0)
            return L->rc;
        if (!(p->min < p->max))
            return ld__fail(L, v, "max must be greater than min (%g)", p->min);
        break;
    case SA_INTEGER: {
        long long lo = 0, hi = 0;
        if (!(v = ld__need(L, n, "min", what)) || ld__get_int(L, v, "min", -1000000000LL, 1000000000LL, &lo) < 0 ||
            !(v = ld__need(L, n, "max", what)) || ld__get_int(L, v, "max", -1000000000LL, 1000000000LL, &hi) < 0)
            return L->rc;
        if (hi <= lo)
            return ld__fail(L, v, "max must be greater than min (%lld)", lo);
        p->min = (double)lo;
        p->max = (double)hi;
        u->is_int = 1;
        break;
    }
    case SA_CHOICE: {
        const ytree_node_t *w;
        if (!(v = ld__need(L, n, "values", what)) || ld__want_seq(L, v, "values") < 0)
            return L->rc;
        if (v->n < 2)
            return ld__fail(L, v, "a choice needs at least 2 values");
        p->n_choices = v->n;
        if (!(u->choices = ld__calloc(L, (size_t)v->n, sizeof *u->choices)))
            return L->rc;
        u->is_int = 1;
        for (int i = 0; i < v->n; i++) {
            const ytree_node_t *c = v->val[i];
            if (c->kind != YTREE_SCALAR || !c->str[0])
                return ld__fail(L, c, "each choice must be a single value, not %s",
                            c->kind == YTREE_SCALAR ? "empty" : ld__kind_name(c));
            for (int j = 0; j < i; j++)
                if (!strcmp(u->choices[j], c->str))
                    return ld__fail(L, c, "choice '%s' is given twice", c->str);
            if (!(u->choices[i] = ld__strdup(L, c->str)))
                return L->rc;
            u->is_int &= is_int_text(c->str);
        }
        if ((w = ytree_get(n, "weights", NULL))) {
            if (ld__want_seq(L, w, "weights") < 0)
                return L->rc;
            if (w->n != v->n)
                return ld__fail(L, w, "weights must have one weight per value (%d), not %d",
                            v->n, w->n);
            if (!(u->weights = ld__calloc(L, (size_t)w->n, sizeof *u->weights)))
                return L->rc;
            for (int i = 0; i < w->n; i++)
                if (ld__get_gt0(L, w->val[i], "weights", &u->weights[i]) < 0)
                    return L->rc;
            p->weights = u->weights;
        }
        break;
    }
    case SA_DIST_N:
        break;
    }
    if (sa_param_check(p) != 0)
        return ld__fail(L, d, "invalid parameters for the %s distribution", s);
    return 0;
}

int ld__parse_uncertain(ld_t *L, const ytree_node_t *root)
{
    scenario_t *sc = L->sc;
    const ytree_node_t *m = ytree_get(root, "uncertain", NULL);
    if (!m || ld__is_empty_doc(m))
        return 0;
    if (ld__want_seq(L, m, "uncertain") < 0)
        return L->rc;
    if (m->n > SCN_MAX_UNCERTAIN)
        return ld__fail(L, m, "at most %d uncertain parameters (got %d)", SCN_MAX_UNCERTAIN,
                    m->n);
    if (!(sc->uncertain = ld__calloc(L, (size_t)m->n, sizeof *sc->uncertain)))
        return L->rc;
    for (int i = 0; i < m->n; i++) {
        sc->n_uncertain = i + 1;
        if (parse_uncertain_item(L, root, m->val[i], &sc->uncertain[i]) < 0)
            return L->rc;
        for (int j = 0; j < i; j++)
            if (!strcmp(sc->uncertain[j].path, sc->uncertain[i].path))
                return ld__fail(L, ytree_get(m->val[i], "path", NULL),
                            "'%s' is already uncertain (item %d)", sc->uncertain[i].path,
                            j + 1);
    }
    return 0;
}
