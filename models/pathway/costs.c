/* costs.c: the cost items of the pathway model, per period.
 *
 * A cost item (scn_cost_t) is a quantity the model keeps anyway (worker-years of a
 * pool, child-days in a stage, a strand's active years, place-years or starts) times
 * a rate. Periods are the plan's 12-month spans from the end of warmup (the last one
 * ends at the horizon): at each period end (EV_PERIOD) the quantity since the last end
 * is priced; the window's total is the sum of the periods. Nothing here allocates or
 * fails. */
#include "models/pathway/model_internal.h"

/* Cost item i's quantity from warmup to now. */
static double cost_quantity(const model_t *m, int i, double now)
{
    const scn_cost_t *c = &m->sc->costs[i];
    switch (c->kind) {
    case SCN_COST_WORKER_YEARS: return tw_area(&m->pool[c->ref].tw_workers, now) / CAL_DAYS_PER_YEAR;
    case SCN_COST_CHILD_DAYS: return tw_area(&m->row[c->ref].stock, now);
    case SCN_COST_ACTIVE_YEARS: {
        const scn_strand_t *sp = &m->sc->strands[c->ref];
        double lo = sp->start > m->warmup ? sp->start : m->warmup;
        double hi = sp->stop < now ? sp->stop : now;
        return hi > lo ? (hi - lo) / CAL_DAYS_PER_YEAR : 0;
    }
    case SCN_COST_PLACE_YEARS: return tw_area(&m->st[c->ref].tw_cap, now) / CAL_DAYS_PER_YEAR;
    case SCN_COST_STARTS: return m->st[c->ref].started;
    default: return 0;
    }
}

/* Period k (0-based) ends now: its costs are the quantities since the last end. */
void costs__close_period(model_t *m, int k)
{
    const scenario_t *sc = m->sc;
    double *row = &m->res->cost[(size_t)k * sc->n_costs];
    for (int i = 0; i < sc->n_costs; i++) {
        double q = cost_quantity(m, i, m->sim.now);
        row[i] = (q - m->cost_cum[i]) * sc->costs[i].rate;
        m->cost_cum[i] = q;
    }
}

void costs__finish(model_t *m)
{
    const scenario_t *sc = m->sc;
    model_result_t *r = m->res;
    int np = m->plan->n_periods;
    costs__close_period(m, np - 1);
    double *tot = &r->cost[(size_t)np * sc->n_costs];
    for (int i = 0; i < sc->n_costs; i++) {
        tot[i] = 0;
        for (int k = 0; k < np; k++) tot[i] += r->cost[(size_t)k * sc->n_costs + i];
    }
}
