/* scenario.c: freeing a scenario and the small queries the model makes of it. The
 * loader is in load.c (and the load_*.c files of each section). */
#include "models/scenario/scenario.h"

#include <math.h>
#include <string.h>

#include "models/scenario/load_internal.h"
#include "sim/cal.h"
#include "sim/err.h"
#include "sim/mem.h"

#define SCN_NAME(e, s) s,
const char *const scn_cost_kind_names[SCN_COST_KIND_N] = {SCN_COST_KIND_MAP(SCN_NAME)};
#undef SCN_NAME

static void steps_free(scn_steps_t *s)
{
    mem_free(s->day);
    mem_free(s->value);
}

static void attrs_free(scn_attrs_t *a)
{
    dist_free(&a->age);
    mem_free(a->flag);
    mem_free(a->flag_p);
    mem_free(a->mix);
}

/* Frees everything the scenario owns. Safe on a partly built scenario (the loader's
 * error path): arrays are calloc'd whole, so unfilled entries are zero. NULL is fine. */
void scenario_free(scenario_t *sc)
{
    if (!sc)
        return;
    for (int i = 0; i < sc->n_stages; i++) {
        scn_stage_t *st = &sc->stages[i];
        mem_free(st->name);
        mem_free(st->title);
        dist_free(&st->duration);
        for (int j = 0; j < st->n_by_age; j++)
            dist_free(&st->by_age[j].dist);
        mem_free(st->by_age);
        mem_free(st->next_stage);
        mem_free(st->next_p);
        for (int j = 0; j < st->n_adjust; j++) {
            mem_free(st->adjust[j].target);
            mem_free(st->adjust[j].odds);
        }
        mem_free(st->adjust);
    }
    mem_free(sc->stages);
    for (int i = 0; i < sc->n_arrivals; i++) {
        mem_free(sc->arrivals[i].name);
        steps_free(&sc->arrivals[i].profile);
        attrs_free(&sc->arrivals[i].attrs);
    }
    mem_free(sc->arrivals);
    for (int i = 0; i < sc->n_initial; i++) {
        attrs_free(&sc->initial[i].attrs);
        mem_free(sc->initial[i].source);
    }
    mem_free(sc->initial);
    mem_free(sc->open);
    for (int i = 0; i < sc->n_pools; i++) {
        mem_free(sc->pools[i].name);
        steps_free(&sc->pools[i].workers);
        mem_free(sc->pools[i].serves);
        mem_free(sc->pools[i].serves_weight);
    }
    mem_free(sc->pools);
    for (int i = 0; i < sc->n_observed; i++) {
        mem_free(sc->observed[i].label);
        mem_free(sc->observed[i].source);
    }
    mem_free(sc->observed);
    for (int i = 0; i < sc->n_strands; i++) {
        scn_strand_t *st = &sc->strands[i];
        mem_free(st->name);
        dist_free(&st->duration);
        mem_free(st->odds_stage);
        mem_free(st->odds);
    }
    mem_free(sc->strands);
    for (int i = 0; i < sc->n_costs; i++) {
        mem_free(sc->costs[i].component);
        mem_free(sc->costs[i].item);
    }
    mem_free(sc->costs);
    mem_free(sc->currency);
    for (int i = 0; i < sc->n_uncertain; i++) {
        scn_uncertain_t *u = &sc->uncertain[i];
        mem_free(u->path);
        mem_free(u->label);
        for (int j = 0; u->choices && j < u->dist.n_choices; j++)
            mem_free(u->choices[j]);
        mem_free(u->choices);
        mem_free(u->weights);
        mem_free(u->file);
    }
    mem_free(sc->uncertain);
    for (int i = 0; i < sc->n_inputs; i++)
        mem_free(sc->inputs[i].path);
    mem_free(sc->inputs);
    ld__source_free(sc->source);
    if (sc->flags)
        for (int i = 0; i < sc->n_flags; i++)
            mem_free(sc->flags[i]);
    mem_free(sc->flags);
    mem_free(sc->path);
    mem_free(sc->name);
    mem_free(sc->title);
    mem_free(sc);
}

int scenario_stage_index(const scenario_t *sc, const char *name)
{
    for (int i = 0; i < sc->n_stages; i++)
        if (strcmp(sc->stages[i].name, name) == 0)
            return i;
    return -1;
}

int scenario_pool_index(const scenario_t *sc, const char *name)
{
    for (int i = 0; i < sc->n_pools; i++)
        if (strcmp(sc->pools[i].name, name) == 0)
            return i;
    return -1;
}

int scenario_arrival_index(const scenario_t *sc, const char *name)
{
    for (int i = 0; i < sc->n_arrivals; i++)
        if (strcmp(sc->arrivals[i].name, name) == 0)
            return i;
    return -1;
}

int scenario_strand_index(const scenario_t *sc, const char *name)
{
    for (int i = 0; i < sc->n_strands; i++)
        if (sc->strands[i].name && strcmp(sc->strands[i].name, name) == 0)
            return i;
    return -1;
}

double scenario_strand_ramp(const scn_strand_t *s, double t)
{
    if (t < s->start || t >= s->stop)
        return 0;
    if (s->ramp <= 0 || t >= s->start + s->ramp)
        return 1;
    return (t - s->start) / s->ramp;
}

/* Age in [age_min, age_max), every `flag` set, no `not_flag` set, history at least
 * history_min. */
int scenario_when_matches(const scn_when_t *w, double age, uint64_t flags, int history)
{
    return age >= w->age_min && age < w->age_max && (flags & w->flags_all) == w->flags_all &&
           (flags & w->flags_none) == 0 && history >= w->history_min;
}

/* The last step at or before t (binary search), or dflt before the first. */
double scenario_steps_at(const scn_steps_t *s, double t, double dflt)
{
    int lo = 0, hi = s->n; /* answer: the number of steps with day <= t */
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (s->day[mid] <= t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo == 0 ? dflt : s->value[lo - 1];
}

int scenario_adopt_costs(scenario_t *dst, const scenario_t *src)
{
    for (int i = 0; i < dst->n_costs; i++)
        if (dst->costs[i].kind == SCN_COST_WORKER_YEARS || dst->costs[i].kind == SCN_COST_CHILD_DAYS)
            return 0; /* it prices its pools or placements itself */
    for (int i = 0; i < src->n_costs; i++) {
        const scn_cost_t *c = &src->costs[i];
        int ref = -1;
        if (c->kind == SCN_COST_WORKER_YEARS)
            ref = scenario_pool_index(dst, src->pools[c->ref].name);
        else if (c->kind == SCN_COST_CHILD_DAYS)
            ref = scenario_stage_index(dst, src->stages[c->ref].name);
        if (ref < 0)
            continue; /* strands' costs, or a pool or stage dst does not have */
        scn_cost_t *nc = mem_reallocarray(dst->costs, (size_t)dst->n_costs + 1, sizeof *nc);
        if (!nc)
            return SIM_ENOMEM;
        dst->costs = nc;
        nc = &dst->costs[dst->n_costs];
        memset(nc, 0, sizeof *nc);
        *nc = *c;
        nc->ref = ref;
        nc->component = mem_strdup(c->component);
        nc->item = mem_strdup(c->item);
        dst->n_costs++;
        if (!nc->component || !nc->item)
            return SIM_ENOMEM;
    }
    return 0;
}

const dist_t *scenario_stage_duration(const scn_stage_t *st, double age)
{
    if (st->n_by_age == 0)
        return &st->duration;
    int best = 0;
    double best_gap = INFINITY;
    for (int i = 0; i < st->n_by_age; i++) {
        const scn_age_dur_t *b = &st->by_age[i];
        if (age >= b->age_min && age < b->age_max)
            return &b->dist;
        double gap = age < b->age_min ? b->age_min - age : age - b->age_max;
        if (gap < best_gap) { /* strictly: the first of equally near items */
            best_gap = gap;
            best = i;
        }
    }
    return &st->by_age[best].dist;
}

double scenario_stage_mean_stay(const scenario_t *sc, const scn_stage_t *st,
                                const dist_t *age)
{
    enum { J = 256 }; /* midpoints in probability of the ages */
    double sum = 0;
    for (int j = 0; j < J; j++) {
        double a = dist_quantile(age, (j + 0.5) / J);
        if (!isfinite(a))
            return NAN;
        double cap = (sc->max_age - a) * CAL_DAYS_PER_YEAR;
        sum += dist_mean_capped(scenario_stage_duration(st, a), cap > 0 ? cap : 0);
    }
    return sum / J;
}

double scenario_stage_mean_duration(const scn_stage_t *st, const dist_t *age)
{
    if (st->n_by_age == 0)
        return dist_mean(&st->duration);
    /* each band's share: the mass of `age` in it not claimed by an earlier item */
    double sum = 0, wsum = 0;
    for (int i = 0; i < st->n_by_age; i++) {
        const scn_age_dur_t *b = &st->by_age[i];
        double lo = b->age_min, hi = b->age_max, w = 0;
        /* ages in [lo, hi) minus the earlier items' bands: walk the earlier bands as
         * cuts (items are few: quadratic is fine) */
        double cuts_lo[2 * SCN_MAX_BY_AGE + 2], cuts_hi[2 * SCN_MAX_BY_AGE + 2];
        int nc = 0;
        cuts_lo[nc] = lo, cuts_hi[nc] = hi, nc++;
        for (int j = 0; j < i && nc > 0; j++) {
            double a = st->by_age[j].age_min, z = st->by_age[j].age_max;
            int kept = 0;
            double nlo[2 * SCN_MAX_BY_AGE + 2], nhi[2 * SCN_MAX_BY_AGE + 2];
            for (int k = 0; k < nc && kept < 2 * SCN_MAX_BY_AGE; k++) {
                if (z <= cuts_lo[k] || a >= cuts_hi[k]) {
                    nlo[kept] = cuts_lo[k], nhi[kept++] = cuts_hi[k];
                    continue;
                }
                if (a > cuts_lo[k]) nlo[kept] = cuts_lo[k], nhi[kept++] = a;
                if (z < cuts_hi[k]) nlo[kept] = z, nhi[kept++] = cuts_hi[k];
            }
            memcpy(cuts_lo, nlo, sizeof(double) * (size_t)kept);
            memcpy(cuts_hi, nhi, sizeof(double) * (size_t)kept);
            nc = kept;
        }
        /* P(lo <= A < hi) = F(hi-) - F(lo-): left limits, so that an age with a point
         * mass on a band's lower bound counts in that band */
        for (int k = 0; k < nc; k++)
            w += dist_cdf(age, nextafter(cuts_hi[k], -INFINITY)) -
                 dist_cdf(age, nextafter(cuts_lo[k], -INFINITY));
        if (w > 0) {
            sum += w * dist_mean(&b->dist);
            wsum += w;
        }
    }
    return wsum > 0 ? sum / wsum : NAN;
}
