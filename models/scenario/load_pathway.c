/* load_pathway.c: the pathway: `stages` (names first, so anything may name any stage;
 * then titles, durations (one distribution, or `by_age` items), routing `next` and
 * `adjust`), `arrivals` (rates and their limits, process, trend, profile, age, flags
 * and profiles); `initial` is in load_initial.c.
 *
 * Decisions where the format leaves room: `adjust` items may leave out `when` (then
 * they apply to every child); `initial` entries default age and flags each on its own
 * from the first arrival; the arrival streams may not ask for more than
 * LD_MAX_ARRIVALS_PER_YEAR children a year, one stream or all together at their peak
 * (with trend and profile), nor `initial` for more than LD_MAX_INITIAL children. */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "models/scenario/load_internal.h"
#include "sim/cal.h"
#include "sim/mem.h"

static const char *const stage_keys[] = {"title", "open_case", "duration", "next", "adjust",
                                         NULL};

/* Pass 1: names, so that anything may refer to any stage. */
static int parse_stage_names(ld_t *L, const ytree_node_t *root)
{
    scenario_t *sc = L->sc;
    const ytree_node_t *m = ld__need(L, root, "stages", "the scenario");
    if (!m || ld__want_map(L, m, "stages") < 0)
        return L->rc;
    if (m->n == 0)
        return ld__fail(L, m, "stages must name at least one stage");
    if (m->n > SCN_MAX_STAGES)
        return ld__fail(L, m->key[SCN_MAX_STAGES], "too many stages (more than %d)",
                    SCN_MAX_STAGES);
    if (!(sc->stages = ld__calloc(L, (size_t)m->n, sizeof *sc->stages)))
        return L->rc;
    sc->n_stages = m->n;
    for (int i = 0; i < m->n; i++) {
        scn_stage_t *st = &sc->stages[i];
        st->pool = -1;
        if (ld__check_name(L, m->key[i], "stage") < 0)
            return L->rc;
        if (!strcmp(m->key[i]->str, "exit") || !strcmp(m->key[i]->str, "all"))
            return ld__fail(L, m->key[i], "'%s' is reserved and cannot name a stage",
                        m->key[i]->str);
        if (!(st->name = ld__strdup(L, m->key[i]->str)))
            return L->rc;
    }
    return 0;
}

static const char *const when_keys[] = {"age", "flag", "not_flag", "history_min", NULL};

static int parse_when(ld_t *L, const ytree_node_t *n, scn_when_t *w)
{
    const ytree_node_t *v;
    const ytree_node_t *const *items = NULL;
    int count = 0, bit = 0;
    w->age_min = -INFINITY;
    w->age_max = INFINITY;
    if (ld__want_map(L, n, "when") < 0 || ld__check_keys(L, n, when_keys, "when") < 0)
        return L->rc;
    if ((v = ytree_get(n, "age", NULL))) {
        if (v->kind != YTREE_SEQ || v->n != 2)
            return ld__fail(L, v, "age in when must be a list [min, max) of two numbers (years)");
        if (ld__get_num(L, v->val[0], "age", &w->age_min) < 0 ||
            ld__get_num(L, v->val[1], "age", &w->age_max) < 0)
            return L->rc;
        if (!(w->age_min < w->age_max))
            return ld__fail(L, v, "age range [%s, %s) in when is empty", v->val[0]->str,
                        v->val[1]->str);
    }
    static const char *const fk[2] = {"flag", "not_flag"};
    for (int k = 0; k < 2; k++) {
        const ytree_node_t *fn = ytree_get(n, fk[k], NULL);
        if (!fn)
            continue;
        if (ld__name_list(L, &fn, fk[k], &items, &count) < 0)
            return L->rc;
        for (int i = 0; i < count; i++) {
            if (ld__flag_ref(L, items[i], &bit) < 0)
                return L->rc;
            if (k == 1 && (w->flags_all >> bit & 1))
                return ld__fail(L, items[i], "flag '%s' is both required and excluded",
                            items[i]->str);
            *(k == 0 ? &w->flags_all : &w->flags_none) |= (uint64_t)1 << bit;
        }
    }
    if ((v = ytree_get(n, "history_min", NULL))) {
        long long h = 0;
        if (ld__get_int(L, v, "history_min", 0, INT_MAX, &h) < 0)
            return L->rc;
        w->history_min = (int)h;
    }
    return 0;
}

static int parse_adjust(ld_t *L, scn_stage_t *st, const ytree_node_t *n, scn_adjust_t *a)
{
    static const char *const keys[] = {"when", "odds", NULL};
    const ytree_node_t *v, *odds;
    char ctx[96];
    snprintf(ctx, sizeof ctx, "an adjust of stage '%s'", st->name);
    if (ld__want_map(L, n, "each adjust") < 0 || ld__check_keys(L, n, keys, ctx) < 0)
        return L->rc;
    a->when.age_min = -INFINITY;
    a->when.age_max = INFINITY;
    /* `when` may be left out: the odds then apply to every child */
    if ((v = ytree_get(n, "when", NULL)) && parse_when(L, v, &a->when) < 0)
        return L->rc;
    if (!(odds = ld__need(L, n, "odds", ctx)) || ld__want_map(L, odds, "odds") < 0)
        return L->rc;
    if (odds->n) {
        if (!(a->target = ld__calloc(L, (size_t)odds->n, sizeof *a->target)) ||
            !(a->odds = ld__calloc(L, (size_t)odds->n, sizeof *a->odds)))
            return L->rc;
    }
    a->n = odds->n;
    for (int i = 0; i < odds->n; i++) {
        const char *t = odds->key[i]->str;
        int j;
        for (j = 0; j < st->n_next; j++) {
            int s = st->next_stage[j];
            if (!strcmp(t, s == SCN_EXIT ? "exit" : L->sc->stages[s].name))
                break;
        }
        if (j == st->n_next)
            return ld__fail(L, odds->key[i], "odds target '%s' is not in the next of stage '%s'",
                        t, st->name);
        a->target[i] = j;
        if (ld__get_ge0(L, odds->val[i], "odds", &a->odds[i]) < 0)
            return L->rc;
    }
    /* the row must keep some weight */
    double sum = 0;
    for (int j = 0; j < st->n_next; j++) {
        double w = st->next_p[j];
        for (int i = 0; i < a->n; i++)
            if (a->target[i] == j)
                w *= a->odds[i];
        sum += w;
    }
    if (!(sum > 0))
        return ld__fail(L, odds, "these odds make the weight of every target of stage '%s' zero",
                    st->name);
    return 0;
}

/* ---- durations by age at entry ------------------------------------------------- */

/* `duration: {by_age: [{age: [MIN, MAX], dist: ..., ...}, ...]}`. Each item is an age
 * band [MIN, MAX) in years with a distribution; the first item holding a child's age
 * at entry gives its duration. The items must cover [0, max_age) without a gap (a
 * child can have any age there); overlaps are allowed (the first wins). A gap is
 * reported at the first item starting after it, or, when the items stop short of
 * max_age, at the item reaching furthest. */
static int parse_by_age(ld_t *L, scn_stage_t *st, const ytree_node_t *dur)
{
    char ctx[96];
    snprintf(ctx, sizeof ctx, "the duration of stage '%s'", st->name);
    for (int i = 0; i < dur->n; i++)
        if (strcmp(dur->key[i]->str, "by_age") != 0) {
            const ytree_node_t *k = dur->key[i];
            if (k->file && !strncmp(k->file, LD_SET_PREFIX, strlen(LD_SET_PREFIX)))
                return ld__fail(L, k, "the duration of stage '%s' is by_age: set a parameter "
                                      "of one item by its index, e.g. "
                                      "stages.%s.duration.by_age.0.%s",
                                st->name, st->name, ld__quote(L, k->str));
            return ld__fail(L, k, "unknown key '%s' in %s: with by_age, each item gives its "
                                  "own distribution",
                            ld__quote(L, k->str), ctx);
        }
    const ytree_node_t *b = ytree_get(dur, "by_age", NULL);
    if (ld__want_seq(L, b, "by_age") < 0)
        return L->rc;
    if (b->n == 0)
        return ld__fail(L, b, "by_age must list at least one age band");
    if (b->n > SCN_MAX_BY_AGE)
        return ld__fail(L, b->val[SCN_MAX_BY_AGE], "too many by_age items (more than %d)",
                        SCN_MAX_BY_AGE);
    if (!(st->by_age = ld__calloc(L, (size_t)b->n, sizeof *st->by_age)))
        return L->rc;
    st->n_by_age = b->n;
    st->duration.kind = DIST_KIND_N; /* unused: the items hold the durations */
    for (int i = 0; i < b->n; i++) {
        const ytree_node_t *it = b->val[i], *age;
        scn_age_dur_t *a = &st->by_age[i];
        if (ld__want_map(L, it, "each by_age item") < 0 ||
            !(age = ld__need(L, it, "age", "a by_age item")))
            return L->rc;
        if (age->kind != YTREE_SEQ || age->n != 2)
            return ld__fail(L, age, "age in by_age must be a list [min, max) of two numbers "
                                    "(years)");
        if (ld__get_num(L, age->val[0], "age", &a->age_min) < 0 ||
            ld__get_num(L, age->val[1], "age", &a->age_max) < 0)
            return L->rc;
        if (!(a->age_min < a->age_max))
            return ld__fail(L, age, "age band [%s, %s) in by_age is empty",
                            ld__text(L, age->val[0]), ld__text(L, age->val[1]));
        /* the item without `age` is a distribution like any other */
        ytree_node_t *d = ytree_container(L->yt, YTREE_MAP, it->file, it->line, it->col, it->n);
        if (!d)
            return ld__oom(L);
        for (int j = 0; j < it->n; j++)
            if (strcmp(it->key[j]->str, "age") != 0)
                ytree_append(d, it->key[j], it->val[j]);
        if (ld__parse_dist(L, d, "a by_age duration", 1, &a->dist) < 0)
            return L->rc;
    }
    /* coverage of [0, max_age) */
    double x = 0, max_age = L->sc->max_age;
    while (x < max_age) {
        double reach = x;
        for (int i = 0; i < b->n; i++)
            if (st->by_age[i].age_min <= x && st->by_age[i].age_max > reach)
                reach = st->by_age[i].age_max;
        if (reach > x) {
            x = reach;
            continue;
        }
        int at = -1, far = 0;
        double next = max_age;
        for (int i = 0; i < b->n; i++) {
            if (st->by_age[i].age_min > x && st->by_age[i].age_min < next)
                next = st->by_age[i].age_min, at = i;
            if (st->by_age[i].age_max > st->by_age[far].age_max)
                far = i;
        }
        return ld__fail(L, b->val[at >= 0 ? at : far],
                        "by_age of stage '%s' leaves ages [%g, %g) uncovered (the items must "
                        "cover every age from 0 to max_age %g)",
                        st->name, x, next, max_age);
    }
    return 0;
}

/* Pass 2: everything else about a stage (after flags are known). */
static int parse_stage(ld_t *L, scn_stage_t *st, const ytree_node_t *n)
{
    const ytree_node_t *v;
    const char *s = NULL;
    char ctx[96];
    snprintf(ctx, sizeof ctx, "stage '%s'", st->name);
    if (ld__want_map(L, n, ctx) < 0 || ld__check_keys(L, n, stage_keys, ctx) < 0)
        return L->rc;
    s = st->name;
    if ((v = ytree_get(n, "title", NULL)) && ld__get_str(L, v, "title", &s) < 0)
        return L->rc;
    if (!(st->title = ld__strdup(L, s)))
        return L->rc;
    st->open_case = 1;
    if ((v = ytree_get(n, "open_case", NULL)) && ld__get_bool(L, v, "open_case", &st->open_case) < 0)
        return L->rc;
    if (!(v = ld__need(L, n, "duration", ctx)))
        return L->rc;
    if (v->kind == YTREE_MAP && ytree_get(v, "by_age", NULL)) {
        if (parse_by_age(L, st, v) < 0)
            return L->rc;
    } else if (ld__parse_dist(L, v, "duration", 1, &st->duration) < 0) {
        return L->rc;
    }

    /* next: default {exit: 1} */
    const ytree_node_t *nx = ytree_get(n, "next", NULL);
    int nn = nx ? nx->n : 1;
    if (nx && ld__want_map(L, nx, "next") < 0)
        return L->rc;
    if (nn == 0)
        return ld__fail(L, nx, "next must list at least one target");
    if (!(st->next_stage = ld__calloc(L, (size_t)nn, sizeof *st->next_stage)) ||
        !(st->next_p = ld__calloc(L, (size_t)nn, sizeof *st->next_p)))
        return L->rc;
    st->n_next = nn;
    if (!nx) {
        st->next_stage[0] = SCN_EXIT;
        st->next_p[0] = 1;
    } else {
        double sum = 0;
        for (int i = 0; i < nn; i++) {
            if (ld__stage_ref(L, nx->key[i], "next", 1, &st->next_stage[i]) < 0 ||
                ld__get_prob(L, nx->val[i], nx->key[i]->str, &st->next_p[i]) < 0)
                return L->rc;
            sum += st->next_p[i];
        }
        if (fabs(sum - 1) > LD_ROUTE_TOL)
            return ld__fail(L, nx, "the probabilities in next of stage '%s' sum to %.10g, not 1",
                        st->name, sum);
    }

    const ytree_node_t *adj = ytree_get(n, "adjust", NULL);
    if (adj) {
        if (ld__want_seq(L, adj, "adjust") < 0)
            return L->rc;
        if (adj->n && !(st->adjust = ld__calloc(L, (size_t)adj->n, sizeof *st->adjust)))
            return L->rc;
        st->n_adjust = adj->n;
        for (int i = 0; i < adj->n; i++)
            if (parse_adjust(L, st, adj->val[i], &st->adjust[i]) < 0)
                return L->rc;
    }
    return 0;
}

/* ---- attributes (arrivals and initial) ----------------------------------------- */

/* `flags: {NAME: p}` or `profiles: [{weight, flags: [NAMES]}]` of map m (the caller
 * has checked that not both are given). Sets *given when either is present. */
int ld__parse_attr_flags(ld_t *L, const ytree_node_t *m, scn_attrs_t *a, int *given)
{
    const ytree_node_t *f = ytree_get(m, "flags", NULL);
    const ytree_node_t *p = ytree_get(m, "profiles", NULL);
    *given = f || p;
    if (f && p)
        return ld__fail(L, ld__key_of(m, "profiles"), "give flags or profiles, not both");
    if (f) {
        if (ld__want_map(L, f, "flags") < 0)
            return L->rc;
        if (f->n && (!(a->flag = ld__calloc(L, (size_t)f->n, sizeof *a->flag)) ||
                     !(a->flag_p = ld__calloc(L, (size_t)f->n, sizeof *a->flag_p))))
            return L->rc;
        a->n_flag = f->n;
        for (int i = 0; i < f->n; i++)
            if (ld__flag_intern(L, f->key[i], &a->flag[i]) < 0 ||
                ld__get_prob(L, f->val[i], f->key[i]->str, &a->flag_p[i]) < 0)
                return L->rc;
    }
    if (p) {
        static const char *const keys[] = {"weight", "flags", NULL};
        double sum = 0;
        if (ld__want_seq(L, p, "profiles") < 0)
            return L->rc;
        if (p->n == 0)
            return ld__fail(L, p, "profiles must list at least one profile");
        if (!(a->mix = ld__calloc(L, (size_t)p->n, sizeof *a->mix)))
            return L->rc;
        a->n_mix = p->n;
        for (int i = 0; i < p->n; i++) {
            const ytree_node_t *it = p->val[i], *w, *fl;
            const ytree_node_t *const *items = NULL;
            int count = 0, bit = 0;
            if (ld__want_map(L, it, "each profile") < 0 || ld__check_keys(L, it, keys, "a profile") < 0 ||
                !(w = ld__need(L, it, "weight", "a profile")) ||
                ld__get_ge0(L, w, "weight", &a->mix[i].weight) < 0)
                return L->rc;
            sum += a->mix[i].weight;
            if (!(fl = ytree_get(it, "flags", NULL)))
                continue;
            if (fl->kind == YTREE_SEQ && fl->n == 0)
                continue;
            if (ld__name_list(L, &fl, "flags", &items, &count) < 0)
                return L->rc;
            for (int j = 0; j < count; j++) {
                if (ld__flag_intern(L, items[j], &bit) < 0)
                    return L->rc;
                a->mix[i].flags |= (uint64_t)1 << bit;
            }
        }
        if (!(sum > 0))
            return ld__fail(L, p, "the weights of profiles sum to 0");
        for (int i = 0; i < p->n; i++)
            a->mix[i].weight /= sum;
    }
    return 0;
}

/* Deep copy of src's flags and profiles into dst (whose arrays are empty). */
int ld__copy_attr_flags(ld_t *L, const ytree_node_t *at, scn_attrs_t *dst,
                           const scn_attrs_t *src)
{
    if (src->n_flag) {
        if (!(dst->flag = ld__calloc(L, (size_t)src->n_flag, sizeof *dst->flag)) ||
            !(dst->flag_p = ld__calloc(L, (size_t)src->n_flag, sizeof *dst->flag_p)))
            return L->rc;
        memcpy(dst->flag, src->flag, (size_t)src->n_flag * sizeof *dst->flag);
        memcpy(dst->flag_p, src->flag_p, (size_t)src->n_flag * sizeof *dst->flag_p);
        dst->n_flag = src->n_flag;
    }
    if (src->n_mix) {
        if (!(dst->mix = ld__calloc(L, (size_t)src->n_mix, sizeof *dst->mix)))
            return L->rc;
        memcpy(dst->mix, src->mix, (size_t)src->n_mix * sizeof *dst->mix);
        dst->n_mix = src->n_mix;
    }
    return 0;
}

/* ---- arrivals ------------------------------------------------------------------ */

static const char *const arrival_keys[] = {
    "name", "to", "per_year", "per_day", "per_month", "process", "trend_per_year",
    "profile", "age", "flags", "profiles", NULL};

static int parse_profile(ld_t *L, const ytree_node_t *n, scn_steps_t *s)
{
    static const char *const keys[] = {"from", "multiplier", NULL};
    if (ld__want_seq(L, n, "profile") < 0)
        return L->rc;
    if (n->n && (!(s->day = ld__calloc(L, (size_t)n->n, sizeof *s->day)) ||
                 !(s->value = ld__calloc(L, (size_t)n->n, sizeof *s->value))))
        return L->rc;
    s->n = n->n;
    for (int i = 0; i < n->n; i++) {
        const ytree_node_t *it = n->val[i], *f, *m;
        long day = 0;
        if (ld__want_map(L, it, "each profile step") < 0 ||
            ld__check_keys(L, it, keys, "a profile step") < 0 ||
            !(f = ld__need(L, it, "from", "a profile step")) ||
            !(m = ld__need(L, it, "multiplier", "a profile step")) ||
            ld__get_date(L, f, "from", &day) < 0 ||
            ld__get_ge0(L, m, "multiplier", &s->value[i]) < 0)
            return L->rc;
        s->day[i] = (double)(day - L->sc->start) - 1; /* from the start of that day */
        if (i > 0 && !(s->day[i] > s->day[i - 1]))
            return ld__fail(L, f, "profile dates must be strictly ascending");
    }
    return 0;
}

/* The most children a year stream ar brings within the horizon: its rate, times the
 * largest profile multiplier in force in [0, horizon], times its growth by the end
 * (with a positive trend). */
static double peak_per_year(const scn_arrival_t *ar, double horizon)
{
    const scn_steps_t *p = &ar->profile;
    double mult = p->n == 0 || p->day[0] > 0 ? 1 : 0; /* the default, before day[0] */
    for (int i = 0; i < p->n; i++)
        if (p->day[i] < horizon && (i + 1 == p->n || p->day[i + 1] > 0) && p->value[i] > mult)
            mult = p->value[i];
    double growth = ar->trend > 0 ? pow(1 + ar->trend, horizon / CAL_DAYS_PER_YEAR) : 1;
    return ar->rate * CAL_DAYS_PER_YEAR * mult * growth;
}

static int parse_arrival(ld_t *L, int idx, const ytree_node_t *n, double *peak)
{
    scenario_t *sc = L->sc;
    scn_arrival_t *ar = &sc->arrivals[idx];
    const ytree_node_t *v, *rate = NULL;
    const char *s = NULL;
    int given = 0;
    char ctx[96];
    static const char *const rates[3] = {"per_year", "per_day", "per_month"};
    static const double per_day[3] = {1 / CAL_DAYS_PER_YEAR, 1, 12 / CAL_DAYS_PER_YEAR};
    static const double per_year[3] = {1, CAL_DAYS_PER_YEAR, 12}; /* value -> a year */
    double factor = 1;

    if (ld__want_map(L, n, "each arrival") < 0)
        return L->rc;
    if (!(v = ld__need(L, n, "name", "an arrival")) || ld__get_slug(L, v, "arrival name", &s) < 0)
        return L->rc;
    for (int i = 0; i < idx; i++)
        if (!strcmp(sc->arrivals[i].name, s))
            return ld__fail(L, v, "arrival name '%s' is used twice", s);
    if (!(ar->name = ld__strdup(L, s)))
        return L->rc;
    snprintf(ctx, sizeof ctx, "arrival '%s'", s);
    if (ld__check_keys(L, n, arrival_keys, ctx) < 0)
        return L->rc;
    if (!(v = ld__need(L, n, "to", ctx)) || ld__stage_ref(L, v, "to", 0, &ar->to) < 0)
        return L->rc;
    sc->stages[ar->to].is_entry = 1;

    for (int i = 0; i < 3; i++) {
        if (!(v = ytree_get(n, rates[i], NULL)))
            continue;
        if (rate)
            return ld__fail(L, ld__key_of(n, rates[i]),
                        "give only one of per_year, per_day and per_month");
        rate = v;
        factor = per_day[i];
        if (ld__get_ge0(L, v, rates[i], &ar->rate) < 0)
            return L->rc;
        if (ar->rate * per_year[i] > LD_MAX_ARRIVALS_PER_YEAR)
            return ld__fail(L, v, "%s is too high: at most %.0f children a year (got %s)",
                            rates[i], LD_MAX_ARRIVALS_PER_YEAR, v->str);
    }
    if (!rate)
        return ld__fail(L, n, "missing required key 'per_year' (or 'per_day' or 'per_month') in %s",
                    ctx);
    ar->rate *= factor;

    if ((v = ytree_get(n, "process", NULL))) {
        if (ld__get_str(L, v, "process", &s) < 0)
            return L->rc;
        if (!strcmp(s, "regular"))
            ar->regular = 1;
        else if (strcmp(s, "poisson") != 0)
            return ld__fail(L, v, "unknown process '%s' (expected poisson or regular)", s);
    }
    if ((v = ytree_get(n, "trend_per_year", NULL))) {
        if (ld__get_num(L, v, "trend_per_year", &ar->trend) < 0)
            return L->rc;
        if (!(ar->trend > -1))
            return ld__fail(L, v, "trend_per_year must be greater than -1 (got %s)", v->str);
    }
    if ((v = ytree_get(n, "profile", NULL)) && parse_profile(L, v, &ar->profile) < 0)
        return L->rc;
    *peak = peak_per_year(ar, L->sc->horizon);
    if (!(*peak <= LD_MAX_ARRIVALS_PER_YEAR))
        return ld__fail(L, n, "arrival '%s' reaches %.4g children a year at its peak, with "
                              "its trend and profile (at most %.0f)",
                        ar->name, *peak, LD_MAX_ARRIVALS_PER_YEAR);
    if ((v = ytree_get(n, "age", NULL)) ? ld__parse_dist(L, v, "age", 1, &ar->attrs.age) < 0
                                        : ld__default_age(L, n, &ar->attrs.age) < 0)
        return L->rc;
    return ld__parse_attr_flags(L, n, &ar->attrs, &given);
}

static int parse_arrivals(ld_t *L, const ytree_node_t *root)
{
    const ytree_node_t *m = ld__need(L, root, "arrivals", "the scenario");
    if (!m || ld__want_seq(L, m, "arrivals") < 0)
        return L->rc;
    if (m->n && !(L->sc->arrivals = ld__calloc(L, (size_t)m->n, sizeof *L->sc->arrivals)))
        return L->rc;
    L->sc->n_arrivals = m->n;
    double total = 0, peak = 0;
    for (int i = 0; i < m->n; i++) {
        if (parse_arrival(L, i, m->val[i], &peak) < 0)
            return L->rc;
        total += peak;
    }
    if (total > LD_MAX_ARRIVALS_PER_YEAR)
        return ld__fail(L, m, "the arrival streams together reach %.4g children a year at "
                              "their peak (at most %.0f)",
                        total, LD_MAX_ARRIVALS_PER_YEAR);
    return 0;
}

/* Stage names, arrivals (which name the flags), initial, then stage details (whose
 * `when:` may name flags). */
int ld__parse_pathway(ld_t *L, const ytree_node_t *root)
{
    if (parse_stage_names(L, root) < 0 || parse_arrivals(L, root) < 0 ||
        ld__parse_initial(L, root) < 0)
        return L->rc;
    const ytree_node_t *stages = ytree_get(root, "stages", NULL);
    for (int i = 0; i < L->sc->n_stages; i++)
        if (parse_stage(L, &L->sc->stages[i], stages->val[i]) < 0)
            return L->rc;
    return ld__resolve_steady(L, root); /* needs every stage's routing and duration */
}
