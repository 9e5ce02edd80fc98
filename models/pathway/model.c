/* model.c: the children's social care pathway as a discrete-event model: the core.
 *
 * Where things are (in this order):
 *   Plan and results       model_plan_init, model_result_init
 *   Children               the arena: child_new, child_free, child_attrs
 *   Pools                  start_service, the queues, pool_dispatch, capacity
 *   Stage transitions      enter_stage, leave_stage, route
 *   Arrivals               arrival_after, schedule_arrival, on_arrival
 *   Events                 on_end, on_ageout, on_report, ..., and `dispatch`: the
 *                          handler the event loop (sim_run) calls for every event
 *   One replication        place_initial, finish, model_run
 * The strand mechanisms are in hooks.c (called at one place each, hooks__*), cost
 * items in costs.c; the types all three share are in model_internal.h.
 *
 * Who is where. Every child alive in a replication is a child_t in one arena (an array
 * that grows by doubling; freed slots are reused through a free list), named by its
 * index. A child is in exactly one stage. In a stage served by a pool it is either
 * allocated (holding its case weight of the pool's capacity, with one pending event
 * for the end of its stage duration or its reaching max_age, whichever is first) or
 * waiting (linked into its pool's queue for the stage's priority level, with one
 * pending event for reaching max_age). In an unserved stage it is always allocated.
 * Each child has at most one pending event that is current: its generation `gen`
 * is stored in the event, and bumping it cancels the event (the heap skips nothing;
 * the handler drops events whose gen is stale).
 *
 * Randomness. Arrival times come from one stream per arrival source; everything about
 * a child (age, flags, durations, routing) comes from the child's own stream, named by
 * (seed, replication, source, child number). A child draws the same numbers whatever
 * other children do, so scenario comparisons are paired.
 *
 * Statistics are kept incrementally per stage row (each stage, then `all`: the
 * open-case stages as one system) and per pool, over the window [warmup, horizon].
 *
 * The stay log (model_run_logged): leave_stage reports each stay as it ends, and the
 * stays still open are reported at the horizon; it only reads the child.
 *
 * Failure: all memory comes from sim/mem.h. Setup failures return SIM_ENOMEM from
 * model_run; a handler that cannot allocate calls sim_fail, and a bad event time
 * (NaN, or before the clock) is refused by sim_schedule: either way the run ends
 * after that event and model_run returns the code, with the result not filled. */
#include <math.h>
#include <string.h>

#include "models/pathway/model_internal.h"
#include "sim/mem.h"

#define MODEL_NAME(e, s) s,
const char *const model_stage_metric_names[MS_N] = {MODEL_STAGE_METRIC_MAP(MODEL_NAME)};
const char *const model_pool_metric_names[MP_N] = {MODEL_POOL_METRIC_MAP(MODEL_NAME)};
const char *const model_ts_metric_names[MT_N] = {MODEL_TS_METRIC_MAP(MODEL_NAME)};
const char *const model_pool_ts_metric_names[MPT_N] = {MODEL_POOL_TS_METRIC_MAP(MODEL_NAME)};
const char *const model_strand_metric_names[MX_N] = {MODEL_STRAND_METRIC_MAP(MODEL_NAME)};
#undef MODEL_NAME

/* ---------------------------------------------------------------------------------- */
/* Plan and results                                                                     */

int model_plan_init(model_plan_t *p, const scenario_t *sc)
{
    memset(p, 0, sizeof *p);
    p->n_rows = sc->n_stages + 1;
    size_t cap = 16;
    double *d = mem_reallocarray(NULL, cap, sizeof *d);
    if (!d) return SIM_ENOMEM;
    int n = 0;
    d[n++] = 0;
    long month_end = cal_month_end(sc->start); /* the start month's own end first */
    for (int k = 1;; k++) {
        double t;
        if (sc->report_monthly) {
            t = (double)(month_end - sc->start); /* the end of that month's last day */
            month_end = cal_month_end(month_end + 1);
            if (t == 0) continue; /* the start is itself a month end: day 0 covers it */
        } else {
            t = k * sc->report_every;
        }
        if (t > sc->horizon + 1e-9) break;
        if ((size_t)n == cap) {
            double *nd = mem_reallocarray(d, 2 * cap, sizeof *d);
            if (!nd) {
                mem_free(d);
                return SIM_ENOMEM;
            }
            d = nd;
            cap *= 2;
        }
        d[n++] = t;
    }
    p->report_day = d;
    p->n_reports = n;
    /* cost periods: 12-month spans from the end of warmup (the same calendar date
     * each year), the last one ending at the horizon; a piece under a day joins the
     * one before */
    long first = sc->start + (long)ceil(sc->warmup);
    int y, mo, dd, np = 0;
    cal_to_ymd(first, &y, &mo, &dd);
    p->period_day = mem_reallocarray(NULL, (size_t)((sc->horizon - sc->warmup) / 365 + 3),
                                     sizeof *p->period_day);
    if (!p->period_day) {
        model_plan_free(p);
        return SIM_ENOMEM;
    }
    p->period_day[0] = sc->warmup;
    for (int k = 1;; k++) {
        int day = dd;
        if (mo == 2 && day == 29 && cal_from_ymd(y + k, 3, 1) - cal_from_ymd(y + k, 2, 1) == 28) day = 28;
        double t = (double)(cal_from_ymd(y + k, mo, day) - sc->start);
        if (t >= sc->horizon - 1) break;
        p->period_day[++np] = t;
    }
    p->period_day[++np] = sc->horizon;
    p->n_periods = np;
    return 0;
}

void model_plan_free(model_plan_t *p)
{
    mem_free(p->report_day);
    mem_free(p->period_day);
    memset(p, 0, sizeof *p);
}

int model_result_init(model_result_t *r, const scenario_t *sc, const model_plan_t *p)
{
    memset(r, 0, sizeof *r);
    size_t rows = (size_t)p->n_rows, k = (size_t)p->n_reports, np = (size_t)sc->n_pools;
    r->stage = mem_calloc(rows * MS_N, sizeof *r->stage);
    r->pool = mem_calloc(np * MP_N + 1, sizeof *r->pool);
    r->ts = mem_calloc(k * rows * MT_N, sizeof *r->ts);
    r->pool_ts = mem_calloc(k * np * MPT_N + 1, sizeof *r->pool_ts);
    r->obs = mem_calloc((size_t)sc->n_observed + 1, sizeof *r->obs);
    r->strand = mem_calloc((size_t)sc->n_strands * MX_N + 1, sizeof *r->strand);
    r->cost = mem_calloc((size_t)(p->n_periods + 1) * (size_t)sc->n_costs + 1, sizeof *r->cost);
    if (!r->stage || !r->pool || !r->ts || !r->pool_ts || !r->obs || !r->strand || !r->cost) {
        model_result_free(r);
        return SIM_ENOMEM;
    }
    return 0;
}

void model_result_free(model_result_t *r)
{
    mem_free(r->stage);
    mem_free(r->pool);
    mem_free(r->ts);
    mem_free(r->pool_ts);
    mem_free(r->obs);
    mem_free(r->strand);
    mem_free(r->cost);
    memset(r, 0, sizeof *r);
}

/* ---------------------------------------------------------------------------------- */
/* Children                                                                             */

/* A fresh child slot (zeroed, its generation kept so stale events stay stale), or
 * NONE when the arena cannot grow: then the run fails with SIM_ENOMEM. */
static uint32_t child_new(model_t *m)
{
    uint32_t id;
    if (m->free_head != NONE) {
        id = m->free_head;
        m->free_head = m->ch[id].qnext;
    } else {
        if (m->n_ch == m->cap_ch) {
            uint32_t cap = m->cap_ch ? 2 * m->cap_ch : 1024;
            child_t *nc = mem_reallocarray(m->ch, cap, sizeof *nc);
            if (!nc) {
                sim_fail(&m->sim, SIM_ENOMEM);
                return NONE;
            }
            m->ch = nc;
            m->cap_ch = cap;
        }
        id = m->n_ch++;
        m->ch[id].gen = 0;
    }
    child_t *c = &m->ch[id];
    uint32_t gen = c->gen;
    memset(c, 0, sizeof *c);
    c->gen = gen;
    c->qprev = c->qnext = NONE;
    c->cid = ++m->made;
    if (++m->alive > m->peak) m->peak = m->alive;
    return id;
}

static void child_free(model_t *m, uint32_t id)
{
    child_t *c = &m->ch[id];
    c->gen++;
    c->stage = -1;
    c->qnext = m->free_head;
    m->free_head = id;
    m->alive--;
}

/* Age and flags from a scenario's attribute mix, drawn from the child's stream. */
static void child_attrs(model_t *m, child_t *c, const scn_attrs_t *a, double now)
{
    double age = dist_sample(&a->age, &c->rng);
    c->born = now - age * CAL_DAYS_PER_YEAR;
    c->ageout = c->born + m->sc->max_age * CAL_DAYS_PER_YEAR;
    uint64_t f = 0;
    for (int i = 0; i < a->n_flag; i++)
        if (rng_uniform(&c->rng) < a->flag_p[i]) f |= UINT64_C(1) << a->flag[i];
    if (a->n_mix > 0) {
        double u = rng_uniform(&c->rng), acc = 0;
        int i = 0;
        for (; i < a->n_mix - 1; i++) {
            acc += a->mix[i].weight;
            if (u < acc) break;
        }
        f |= a->mix[i].flags;
    }
    c->flags = f;
}

/* ---------------------------------------------------------------------------------- */
/* Pools: service, queues, capacity                                                     */

static inline void pool_track(model_t *m, int p, double now)
{
    tw_set(&m->pool[p].tw_used, now, m->pool[p].used);
}

/* Closes the current capacity segment at `now`: adds its share of used / capacity and
 * used / available to the areas. Called before capacity changes and at the end. */
static void pool_close_segment(model_t *m, int p, double now)
{
    pool_state_t *ps = &m->pool[p];
    double area = tw_area(&ps->tw_used, now), seg = area - ps->seg_area;
    if (ps->capacity > 0) ps->util_area += seg / ps->capacity;
    if (ps->available > 0) ps->case_area += seg / ps->available;
    ps->seg_area = area;
}

/* Starts the child's stage duration now (it holds its pool weight already). A
 * non-negative `remaining` (an initial child's equilibrium draw) replaces the draw. */
static void start_service(model_t *m, uint32_t id, double remaining)
{
    child_t *c = &m->ch[id];
    const scn_stage_t *st = &m->sc->stages[c->stage];
    double now = m->sim.now;
    if (in_window(m, now)) {
        double w = now - c->wait_from;
        m->row[c->stage].wait_sum += w;
        m->row[c->stage].wait_n += 1;
        if (st->open_case) {
            m->row[m->all].wait_sum += w;
            m->row[m->all].wait_n += 1;
        }
    }
    /* by_age: the child's age on entering the stage (its stay's start) picks the item */
    const dist_t *dur = st->n_by_age ? scenario_stage_duration(st, (c->entered - c->born) / CAL_DAYS_PER_YEAR)
                                     : &st->duration;
    double d;
    if (c->open0) { /* a file's open case: the time left after its elapsed days */
        d = dist_sample_after(dur, &c->rng, -c->entered);
        c->open0 = 0;
    } else {
        d = dist_sample(dur, &c->rng);
    }
    if (remaining >= 0) d = remaining;
    if (c->smark) d *= hooks__duration_factor(m, c); /* strands */
    c->gen++;
    schedule_child(m, id, now + d);
}

static void queue_push(model_t *m, queue_t *q, uint32_t id)
{
    child_t *c = &m->ch[id];
    c->qprev = q->tail;
    c->qnext = NONE;
    if (q->tail != NONE) m->ch[q->tail].qnext = id;
    else q->head = id;
    q->tail = id;
    c->waiting = 1;
}

static void queue_remove(model_t *m, queue_t *q, uint32_t id)
{
    child_t *c = &m->ch[id];
    if (c->qprev != NONE) m->ch[c->qprev].qnext = c->qnext;
    else q->head = c->qnext;
    if (c->qnext != NONE) m->ch[c->qnext].qprev = c->qprev;
    else q->tail = c->qprev;
    c->qprev = c->qnext = NONE;
    c->waiting = 0;
}

static void set_waiting(model_t *m, int s, double dv)
{
    double now = m->sim.now;
    tw_add(&m->row[s].waiting, now, dv);
    if (m->sc->stages[s].open_case) tw_add(&m->row[m->all].waiting, now, dv);
}

/* Allocates waiting children in priority order (FIFO within a level) while the head
 * of the first non-empty level fits: a heavier case at the head is not overtaken. */
static void pool_dispatch(model_t *m, int p)
{
    pool_state_t *ps = &m->pool[p];
    const scn_pool_t *sp = &m->sc->pools[p];
    int changed = 0;
    for (int l = 0; l < sp->n_levels; l++) {
        queue_t *q = &ps->q[l];
        while (q->head != NONE) {
            uint32_t id = q->head;
            const scn_stage_t *st = &m->sc->stages[m->ch[id].stage];
            if (ps->used + st->weight > ps->capacity + CAP_EPS) goto done;
            queue_remove(m, q, id);
            set_waiting(m, m->ch[id].stage, -1);
            ps->used += st->weight;
            changed = 1;
            start_service(m, id, -1);
        }
    }
done:
    if (changed) pool_track(m, p, m->sim.now);
}

/* Pool p's capacity at `now`: its workforce step, less absence, times the caseload cap
 * (weight per available worker), with the strands' effects. */
static void pool_set_capacity(model_t *m, int p, double now)
{
    const scn_pool_t *sp = &m->sc->pools[p];
    pool_state_t *ps = &m->pool[p];
    double dflt = sp->workers.n ? sp->workers.value[0] : 0;
    double workers = scenario_steps_at(&sp->workers, now, dflt), a = sp->absence;
    double avail = workers * (1 - a), cap = avail * sp->caseload_cap;
    if (m->sc->n_strands) hooks__pool_capacity(m, p, workers, &avail, &cap); /* strands */
    ps->available = avail;
    ps->capacity = cap;
    tw_set(&ps->tw_workers, now, workers);
}

void model__pool_recapacity(model_t *m, int p)
{
    double now = m->sim.now;
    pool_close_segment(m, p, now);
    pool_set_capacity(m, p, now);
    pool_dispatch(m, p);
}

/* ---------------------------------------------------------------------------------- */
/* Stage transitions                                                                    */

/* Entry into `to` from `from` counts for each entries item whose stages include `to`
 * but not `from`, inside its dates: only the items listed for stage `to` can count. */
static void count_observed_entries(model_t *m, int from, int to)
{
    const scenario_t *sc = m->sc;
    double now = m->sim.now;
    for (int x = m->obs_off[to]; x < m->obs_off[to + 1]; x++) {
        int i = m->obs_idx[x];
        const scn_observed_t *o = &sc->observed[i];
        if (now <= o->from || now > o->to) continue;
        int in_to = (o->stages >> to) & 1;
        int in_from = from >= 0 && ((o->stages >> from) & 1);
        if (in_to && !in_from) m->obs_count[i] += 1;
    }
}

/* The child enters stage s from stage `from` (-1: it is new). `initial` children are
 * already there at day 0: they are not entries. `remaining` as for start_service. */
static void enter_stage(model_t *m, uint32_t id, int s, int from, int initial, double remaining)
{
    const scenario_t *sc = m->sc;
    const scn_stage_t *st = &sc->stages[s];
    child_t *c = &m->ch[id];
    double now = m->sim.now;
    row_stats_t *r = &m->row[s], *ra = &m->row[m->all];
    int from_open = from >= 0 && sc->stages[from].open_case;

    c->stage = (int16_t)s;
    if (!initial) {
        c->entered = now;
        if (st->is_entry && from >= 0) c->history++;
        if (st->open_case && !from_open) c->entered_all = now;
        r->step_entries += 1;
        if (st->open_case && !from_open) ra->step_entries += 1;
        if (in_window(m, now)) {
            r->entries += 1;
            if (st->open_case && !from_open) ra->entries += 1;
        }
        if (m->obs_off[s + 1] > m->obs_off[s]) count_observed_entries(m, from, s);
    }
    c->wait_from = now;
    c->serial = ++m->serial;
    c->visits++;
    tw_add(&r->stock, now, 1);
    if (st->open_case) tw_add(&ra->stock, now, 1);

    if (st->pool < 0) {
        start_service(m, id, remaining);
    } else {
        pool_state_t *ps = &m->pool[st->pool];
        int ahead = 0; /* someone waits at this child's level or a higher one */
        for (int l = 0; l <= st->prio && !ahead; l++) ahead = ps->q[l].head != NONE;
        /* a case open on the start date is already allocated, whatever the capacity:
         * the pool may start above it, and newcomers wait until it is below */
        if (initial || (!ahead && ps->used + st->weight <= ps->capacity + CAP_EPS)) {
            ps->used += st->weight;
            pool_track(m, st->pool, now);
            start_service(m, id, remaining);
        } else {
            queue_push(m, &ps->q[st->prio], id);
            set_waiting(m, s, +1);
            c->gen++;
            schedule_child(m, id, INFINITY); /* only its ageing out can end the wait */
        }
    }
    /* last: a strand starting now may rescale the stay just begun */
    if ((m->strand_stages >> s & 1) && !initial) hooks__on_enter(m, id, s);
}

/* Reports the child's current stay to the stay log: it leaves for `to` at `left` (to
 * MODEL_STAY_OPEN: still open at the horizon). A failing callback ends the run. */
static void log_stay(model_t *m, const child_t *c, int to, int aged_out, double left)
{
    model_stay_t st = {.child = c->cid, .stage = c->stage, .next = to,
                       .aged_out = aged_out, .entered = c->entered, .left = left,
                       .born = c->born, .flags = c->flags, .history = c->history};
    int rc = m->log->stay(m->log->ctx, &st);
    if (rc) sim_fail(&m->sim, rc < 0 ? rc : SIM_ENOMEM);
}

/* The child leaves its stage now; aged_out says why. Frees its pool weight (and lets
 * waiting children in) or takes it out of its queue. `to` is where it goes next
 * (SCN_EXIT or a stage), for the `all` row. */
static void leave_stage(model_t *m, uint32_t id, int to, int aged_out)
{
    const scenario_t *sc = m->sc;
    child_t *c = &m->ch[id];
    int s = c->stage;
    const scn_stage_t *st = &sc->stages[s];
    double now = m->sim.now;
    row_stats_t *r = &m->row[s], *ra = &m->row[m->all];
    int to_open = to >= 0 && sc->stages[to].open_case;

    if (m->log) log_stay(m, c, to, aged_out, now);

    tw_add(&r->stock, now, -1);
    if (st->open_case) tw_add(&ra->stock, now, -1);
    if (c->swait | c->smark) hooks__on_leave(m, c); /* strands */
    if (in_window(m, now)) {
        r->exits += 1;
        r->dur_sum += now - c->entered;
        if (aged_out) r->aged_out += 1;
        if (st->open_case && !to_open) {
            ra->exits += 1;
            ra->dur_sum += now - c->entered_all;
            if (aged_out) ra->aged_out += 1;
        }
    }
    if (st->pool >= 0) {
        pool_state_t *ps = &m->pool[st->pool];
        if (c->waiting) {
            queue_remove(m, &ps->q[st->prio], id);
            set_waiting(m, s, -1);
        } else {
            ps->used -= st->weight;
            if (ps->used < CAP_EPS) ps->used = 0; /* no drift below zero */
            pool_track(m, st->pool, now);
            pool_dispatch(m, st->pool);
        }
    }
}

/* Where a child leaving stage s goes: one uniform draw from its stream, against the
 * stage's row with every matching `adjust` applied as odds multipliers. */
static int route(model_t *m, child_t *c, int s)
{
    const scn_stage_t *st = &m->sc->stages[s];
    /* A row whose only target is exit needs no draw: whatever the odds, the child
     * leaves, and its stream is never drawn from again (so skipping changes nothing). */
    if (st->n_next == 1 && st->next_stage[0] == SCN_EXIT) return SCN_EXIT;
    double u = rng_uniform(&c->rng);
    const double *w = st->next_p;
    double total = 1;
    if (st->n_adjust || c->smark) {
        double age = (m->sim.now - c->born) / CAL_DAYS_PER_YEAR;
        int any = 0;
        for (int a = 0; a < st->n_adjust; a++) {
            const scn_adjust_t *adj = &st->adjust[a];
            if (!scenario_when_matches(&adj->when, age, c->flags, c->history)) continue;
            if (!any) memcpy(m->wbuf, st->next_p, (size_t)st->n_next * sizeof *m->wbuf);
            any = 1;
            for (int j = 0; j < adj->n; j++) m->wbuf[adj->target[j]] *= adj->odds[j];
        }
        /* strands: an intervention started in this stay, odds^(engagement's share) */
        if (c->smark) any = hooks__route_odds(m, c, st, any);
        if (any) {
            total = 0;
            for (int j = 0; j < st->n_next; j++) total += m->wbuf[j];
            if (total > 0) w = m->wbuf;
            else total = 1; /* every weight zeroed by combined adjusts: keep the row */
        }
    }
    double x = u * total, acc = 0;
    int j = 0;
    for (; j < st->n_next - 1; j++) {
        acc += w[j];
        if (x < acc) break;
    }
    /* skip zero-weight targets that rounding might land on */
    while (j > 0 && w[j] <= 0) j--;
    return st->next_stage[j];
}

/* ---------------------------------------------------------------------------------- */
/* Arrivals                                                                             */

/* The time after t at which the integrated arrival rate has grown by e: the rate is
 * rate x profile(t) x (1 + trend)^(t / 365.25), integrated exactly piece by piece. */
static double arrival_after(const scn_arrival_t *a, double t, double e)
{
    if (a->profile.n == 0 && a->trend == 0) return a->rate > 0 ? t + e / a->rate : INFINITY;
    double g = a->trend != 0 ? log1p(a->trend) / CAL_DAYS_PER_YEAR : 0;
    for (int guard = 0; guard < a->profile.n + 2; guard++) {
        double mult = scenario_steps_at(&a->profile, t, 1.0);
        double seg_end = INFINITY;
        for (int i = 0; i < a->profile.n; i++)
            if (a->profile.day[i] > t) {
                seg_end = a->profile.day[i];
                break;
            }
        double r = a->rate * mult;
        if (r > 0) {
            if (g == 0) {
                double x = t + e / r;
                if (x <= seg_end) return x;
                e -= r * (seg_end - t);
            } else {
                double A = r / g, target = exp(g * t) + e / A;
                if (target > 0) {
                    double x = log(target) / g;
                    if (x <= seg_end) return x;
                }
                if (seg_end == INFINITY) return INFINITY; /* shrinking rate, mass used up */
                e -= A * (exp(g * seg_end) - exp(g * t));
            }
        }
        if (seg_end == INFINITY) return INFINITY;
        t = seg_end;
    }
    return INFINITY;
}

static void schedule_arrival(model_t *m, int j)
{
    const scn_arrival_t *a = &m->sc->arrivals[j];
    double e = a->regular ? 1.0 : -log(rng_uniform(&m->arr_rng[j]));
    double t = arrival_after(a, m->sim.now, e);
    if (t <= m->horizon) sim_schedule(&m->sim, t, EV_ARRIVAL, (uint32_t)j, 0, 0);
}

static void on_arrival(model_t *m, int j)
{
    const scn_arrival_t *a = &m->sc->arrivals[j];
    uint32_t id = child_new(m);
    if (id == NONE) return;
    child_t *c = &m->ch[id];
    rng_derive_in(&c->rng, m->arr_fam[j], m->arr_count[j]++);
    m->res->children++;
    child_attrs(m, c, &a->attrs, m->sim.now);
    if (m->sc->n_strands && hooks__arrival_averted(m, c, j)) child_free(m, id); /* strands */
    else enter_stage(m, id, a->to, -1, 0, -1);
    schedule_arrival(m, j);
}

/* ---------------------------------------------------------------------------------- */
/* Events                                                                               */

static void on_end(model_t *m, uint32_t id)
{
    child_t *c = &m->ch[id];
    int s = c->stage;
    int to = route(m, c, s);
    leave_stage(m, id, to, 0);
    if (to == SCN_EXIT) child_free(m, id);
    else enter_stage(m, id, to, s, 0, -1);
}

static void on_ageout(model_t *m, uint32_t id)
{
    leave_stage(m, id, SCN_EXIT, 1);
    child_free(m, id);
}

static void on_report(model_t *m, int k)
{
    const scenario_t *sc = m->sc;
    int rows = m->plan->n_rows;
    for (int s = 0; s < rows; s++) {
        double *ts = &m->res->ts[((size_t)k * rows + s) * MT_N];
        ts[MT_STOCK] = m->row[s].stock.v;
        ts[MT_WAITING] = m->row[s].waiting.v;
        if (m->plan->report_day[k] >= m->warmup && m->row[s].waiting.v > m->row[s].max_waiting)
            m->row[s].max_waiting = m->row[s].waiting.v;
        ts[MT_ENTRIES] = k == 0 ? 0 : m->row[s].step_entries;
        m->row[s].step_entries = 0;
    }
    for (int p = 0; p < sc->n_pools; p++) {
        double *ts = &m->res->pool_ts[((size_t)k * sc->n_pools + p) * MPT_N];
        const pool_state_t *ps = &m->pool[p];
        ts[MPT_USED] = ps->used;
        ts[MPT_UTILISATION] = ps->capacity > 0 ? ps->used / ps->capacity : NAN;
    }
    if (m->progress)
        atomic_store(m->progress, (unsigned)(1000.0 * m->sim.now / (m->horizon > 0 ? m->horizon : 1)));
    if (k + 1 < m->plan->n_reports)
        sim_schedule(&m->sim, m->plan->report_day[k + 1], EV_REPORT, (uint32_t)(k + 1), 0, 0);
}

static void on_observe(model_t *m, int i)
{
    const scn_observed_t *o = &m->sc->observed[i];
    double v = 0;
    for (int s = 0; s < m->sc->n_stages; s++)
        if ((o->stages >> s) & 1) v += m->row[s].stock.v;
    m->res->obs[i] = v;
}

static void on_workers(model_t *m, int p)
{
    double now = m->sim.now;
    model__pool_recapacity(m, p);
    /* the next step of this pool's workforce */
    const scn_steps_t *w = &m->sc->pools[p].workers;
    while (m->pool_step[p] < w->n && w->day[m->pool_step[p]] <= now) m->pool_step[p]++;
    if (m->pool_step[p] < w->n && w->day[m->pool_step[p]] <= m->horizon)
        sim_schedule(&m->sim, w->day[m->pool_step[p]], EV_WORKERS, (uint32_t)p, 0, 0);
}

/* The event loop's handler: sim_run calls it for every event, in (time, seq) order.
 * A child's event is current only if its generation matches (bumping c->gen is how
 * an event is cancelled). */
#ifndef PREFETCH_AHEAD
#define PREFETCH_AHEAD 4
#endif
static void dispatch(sim_t *s, const sim_event_t *ev, void *ud)
{
    model_t *m = ud;
    /* Children are spread over a large arena: start fetching the children of the
     * events about to come now, so that their cache misses overlap this event's work.
     * The hints are the sorted run of the current window (sim_hint), which is where
     * nearly all events come from when the arena is large; looking for the true next
     * event (sim_peek) as well cost more than it saved. */
    const sim_event_t *next = sim_hint(s, 0);
    if (next && next->id < m->n_ch) { /* all of its record: two or three cache lines */
        const char *p = (const char *)&m->ch[next->id];
        __builtin_prefetch(p);
        __builtin_prefetch(p + 64);
        __builtin_prefetch(p + sizeof(child_t) - 1);
    }
    const sim_event_t *later = sim_hint(s, PREFETCH_AHEAD);
    if (later && later->id < m->n_ch) {
        const char *p = (const char *)&m->ch[later->id];
        __builtin_prefetch(p);
        __builtin_prefetch(p + 64);
        __builtin_prefetch(p + sizeof(child_t) - 1);
    }
    switch (ev->kind) {
    case EV_END:
        if (ev->gen == m->ch[ev->id].gen) on_end(m, ev->id);
        break;
    case EV_AGEOUT:
        if (ev->gen == m->ch[ev->id].gen) on_ageout(m, ev->id);
        break;
    case EV_ARRIVAL: on_arrival(m, (int)ev->id); break;
    case EV_REPORT: on_report(m, (int)ev->id); break;
    case EV_OBSERVE: on_observe(m, (int)ev->id); break;
    case EV_WORKERS: on_workers(m, (int)ev->id); break;
    case EV_STRAND_STEP: hooks__on_strand_step(m, (int)ev->id, (int)ev->aux); break;
    case EV_PLACE_END: hooks__on_place_end(m, (int)ev->id); break;
    case EV_PERIOD: costs__close_period(m, (int)ev->id); break;
    }
}

/* ---------------------------------------------------------------------------------- */
/* One replication                                                                      */

static void model_free(model_t *m)
{
    sim_free(&m->sim);
    mem_free(m->ch);
    mem_free(m->row);
    if (m->pool)
        for (int p = 0; p < m->sc->n_pools; p++) mem_free(m->pool[p].q);
    mem_free(m->pool);
    mem_free(m->arr_rng);
    mem_free(m->arr_fam);
    mem_free(m->arr_count);
    mem_free(m->obs_count);
    mem_free(m->obs_off);
    mem_free(m->obs_idx);
    mem_free(m->pool_step);
    mem_free(m->wbuf);
    hooks__free(m);
    mem_free(m->st);
    mem_free(m->cost_cum);
}

/* The open cases of `initial: {file:}` at day 0, oldest start first (the loader sorted
 * them). Each is allocated at once, above a pool's capacity if need be (enter_stage:
 * it was held before the start). Each child has its own stream from source
 * SRC_INITIAL_FILE, named by its row in the file; its stay began `elapsed` days
 * before day 0 (c->entered = -elapsed, so its whole stay counts in mean_duration), and
 * its time left is drawn as T - elapsed given T > elapsed (c->open0). */
static void place_open_cases(model_t *m)
{
    const scenario_t *sc = m->sc;
    rng_family_t fam = rng_family(sc->seed, (uint64_t)m->rep, (uint64_t)SRC_INITIAL_FILE << 32);
    for (int i = 0; i < sc->n_open && !m->sim.err; i++) {
        const scn_open_t *o = &sc->open[i];
        uint32_t id = child_new(m);
        if (id == NONE) return;
        child_t *c = &m->ch[id];
        rng_derive_in(&c->rng, fam, (uint64_t)o->row);
        m->res->children++;
        c->born = o->born;
        c->ageout = c->born + sc->max_age * CAL_DAYS_PER_YEAR;
        c->flags = o->flags;
        c->history = (uint16_t)o->history;
        c->entered = c->entered_all = -o->elapsed;
        c->open0 = 1;
        enter_stage(m, id, o->stage, -1, 1, -1);
    }
}

/* The open cases at day 0: the file's, then the counts in scenario order; each child
 * from its own stream. */
static void place_initial(model_t *m)
{
    const scenario_t *sc = m->sc;
    if (sc->n_open) place_open_cases(m);
    for (int i = 0; i < sc->n_initial; i++) {
        const scn_initial_t *in = &sc->initial[i];
        const scn_stage_t *st = &sc->stages[in->stage];
        rng_family_t fam = rng_family(sc->seed, (uint64_t)m->rep,
                                      ((uint64_t)SRC_INITIAL_CHILD << 32) | (uint64_t)i);
        for (long k = 0; k < in->count && !m->sim.err; k++) {
            uint32_t id = child_new(m);
            if (id == NONE) return;
            child_t *c = &m->ch[id];
            rng_derive_in(&c->rng, fam, (uint64_t)k);
            m->res->children++;
            child_attrs(m, c, &in->attrs, 0);
            double elapsed = 0, remaining = -1;
            if (!in->fresh)
                dist_sample_residual(scenario_stage_duration(st, -c->born / CAL_DAYS_PER_YEAR),
                                     &c->rng, &elapsed, &remaining);
            c->entered = c->entered_all = -elapsed;
            enter_stage(m, id, in->stage, -1, 1, remaining);
        }
    }
}

/* The run has reached the horizon: the result's per-replication figures. */
static void finish(model_t *m)
{
    const scenario_t *sc = m->sc;
    model_result_t *r = m->res;
    double h = m->horizon, years = (h - m->warmup) / CAL_DAYS_PER_YEAR;
    for (int s = 0; s < m->plan->n_rows; s++) {
        const row_stats_t *rs = &m->row[s];
        double *o = &r->stage[(size_t)s * MS_N];
        o[MS_AVG_STOCK] = tw_mean(&rs->stock, h);
        o[MS_FINAL_STOCK] = rs->stock.v;
        o[MS_ENTRIES] = years > 0 ? rs->entries / years : NAN;
        o[MS_EXITS] = years > 0 ? rs->exits / years : NAN;
        o[MS_MEAN_DURATION] = rs->exits > 0 ? rs->dur_sum / rs->exits : NAN;
        o[MS_AVG_WAITING] = tw_mean(&rs->waiting, h);
        o[MS_MEAN_WAIT] = rs->wait_n > 0 ? rs->wait_sum / rs->wait_n : NAN;
        o[MS_AGED_OUT] = years > 0 ? rs->aged_out / years : NAN;
        o[MS_FINAL_WAITING] = rs->waiting.v;
        o[MS_MAX_WAITING] = rs->max_waiting;
    }
    for (int p = 0; p < sc->n_pools; p++) {
        double *o = &r->pool[(size_t)p * MP_N];
        pool_close_segment(m, p, h);
        double span = h - m->warmup;
        o[MP_AVG_USED] = tw_mean(&m->pool[p].tw_used, h);
        o[MP_AVG_UTILISATION] = span > 0 ? m->pool[p].util_area / span : 0;
        o[MP_AVG_CASELOAD] = span > 0 ? m->pool[p].case_area / span : 0;
    }
    hooks__finish(m, years);
    if (sc->n_costs) costs__finish(m);
    for (int i = 0; i < sc->n_observed; i++) {
        const scn_observed_t *o = &sc->observed[i];
        if (o->metric == SCN_OBS_ENTRIES)
            r->obs[i] = o->from >= 0 && o->to <= h + 1e-9 ? m->obs_count[i] : NAN;
    }
    r->events = m->sim.events;
    r->peak_open = m->peak;
}

int model_run(const scenario_t *sc, const model_plan_t *plan, int rep, model_result_t *out,
              atomic_uint *progress)
{
    return model_run_logged(sc, plan, rep, out, progress, NULL);
}

/* The stays still open at the horizon, in arena order. 0 or the callback's code. */
static int log_open(model_t *m)
{
    for (uint32_t id = 0; id < m->n_ch && !m->sim.err; id++)
        if (m->ch[id].stage >= 0) log_stay(m, &m->ch[id], MODEL_STAY_OPEN, 0, m->horizon);
    return m->sim.err;
}

int model_run_logged(const scenario_t *sc, const model_plan_t *plan, int rep,
                     model_result_t *out, atomic_uint *progress, const model_log_t *log)
{
    model_t m;
    memset(&m, 0, sizeof m);
    m.log = log;
    m.sc = sc;
    m.plan = plan;
    m.res = out;
    m.rep = rep;
    m.warmup = sc->warmup;
    m.horizon = sc->horizon;
    m.all = sc->n_stages;
    m.free_head = NONE;
    m.progress = progress;

    /* results are filled afresh: a result struct may be reused */
    out->events = out->children = 0;
    out->peak_open = 0;
    for (int i = 0; i < sc->n_observed; i++) out->obs[i] = NAN;

    int max_next = 1;
    for (int s = 0; s < sc->n_stages; s++)
        if (sc->stages[s].n_next > max_next) max_next = sc->stages[s].n_next;

    int rc = sim_init(&m.sim, 1024, dispatch, &m);
    if (rc != 0) return rc;
    /* Most pending events are stage ends far ahead: keep them in buckets of about
     * 1/4096 of the horizon, so the heap holds only the next window's events. */
    if (m.horizon > 0) sim_set_window(&m.sim, m.horizon / 4096);
    m.row = mem_calloc((size_t)plan->n_rows, sizeof *m.row);
    m.pool = mem_calloc((size_t)sc->n_pools + 1, sizeof *m.pool);
    m.arr_rng = mem_calloc((size_t)sc->n_arrivals + 1, sizeof *m.arr_rng);
    m.arr_count = mem_calloc((size_t)sc->n_arrivals + 1, sizeof *m.arr_count);
    m.arr_fam = mem_calloc((size_t)sc->n_arrivals + 1, sizeof *m.arr_fam);
    m.obs_count = mem_calloc((size_t)sc->n_observed + 1, sizeof *m.obs_count);
    m.obs_off = mem_calloc((size_t)sc->n_stages + 1, sizeof *m.obs_off);
    m.obs_idx = mem_calloc((size_t)sc->n_observed * (size_t)sc->n_stages + 1, sizeof *m.obs_idx);
    m.pool_step = mem_calloc((size_t)sc->n_pools + 1, sizeof *m.pool_step);
    m.wbuf = mem_calloc((size_t)max_next, sizeof *m.wbuf);
    m.st = mem_calloc((size_t)sc->n_strands + 1, sizeof *m.st);
    m.cost_cum = mem_calloc((size_t)sc->n_costs + 1, sizeof *m.cost_cum);
    if (!m.row || !m.pool || !m.arr_rng || !m.arr_count || !m.arr_fam || !m.obs_count || !m.obs_off || !m.obs_idx || !m.pool_step || !m.wbuf ||
        !m.st || !m.cost_cum) {
        rc = SIM_ENOMEM;
        goto err;
    }
    for (int s = 0, x = 0; s < sc->n_stages; s++) { /* per-stage lists of entries items */
        for (int i = 0; i < sc->n_observed; i++)
            if (sc->observed[i].metric == SCN_OBS_ENTRIES && (sc->observed[i].stages >> s & 1))
                m.obs_idx[x++] = i;
        m.obs_off[s + 1] = x;
    }
    if ((rc = hooks__init(&m)) != 0) goto err; /* strands first: pools' capacity depends on them */
    for (int k = 1; sc->n_costs && k < plan->n_periods; k++)
        sim_schedule(&m.sim, plan->period_day[k], EV_PERIOD, (uint32_t)(k - 1), 0, 0);
    for (int s = 0; s < plan->n_rows; s++) {
        tw_init(&m.row[s].stock, m.warmup, 0, 0);
        tw_init(&m.row[s].waiting, m.warmup, 0, 0);
    }
    for (int p = 0; p < sc->n_pools; p++) {
        pool_state_t *ps = &m.pool[p];
        ps->q = mem_reallocarray(NULL, (size_t)sc->pools[p].n_levels, sizeof *ps->q);
        if (!ps->q) {
            rc = SIM_ENOMEM;
            goto err;
        }
        for (int l = 0; l < sc->pools[p].n_levels; l++) ps->q[l].head = ps->q[l].tail = NONE;
        tw_init(&ps->tw_workers, m.warmup, 0, 0);
        pool_set_capacity(&m, p, 0);
        tw_init(&ps->tw_used, m.warmup, 0, 0);
        const scn_steps_t *w = &sc->pools[p].workers;
        while (m.pool_step[p] < w->n && w->day[m.pool_step[p]] <= 0) m.pool_step[p]++;
        if (m.pool_step[p] < w->n && w->day[m.pool_step[p]] <= m.horizon)
            sim_schedule(&m.sim, w->day[m.pool_step[p]], EV_WORKERS, (uint32_t)p, 0, 0);
    }

    place_initial(&m);
    for (int j = 0; j < sc->n_arrivals; j++) {
        rng_derive(&m.arr_rng[j], sc->seed, (uint64_t)rep, SRC_ARRIVAL_TIMES, (uint64_t)j);
        m.arr_fam[j] = rng_family(sc->seed, (uint64_t)rep, ((uint64_t)SRC_ARRIVAL_CHILD << 32) | (uint64_t)j);
        schedule_arrival(&m, j);
    }
    for (int i = 0; i < sc->n_observed; i++) {
        const scn_observed_t *o = &sc->observed[i];
        if (o->metric == SCN_OBS_STOCK && o->day >= 0 && o->day <= m.horizon)
            sim_schedule(&m.sim, o->day, EV_OBSERVE, (uint32_t)i, 0, 0);
    }
    /* reports last among events at their instant when scheduled at the same time as
     * setup events: report 0 is taken now, after the initial placement */
    if (plan->n_reports > 0) {
        on_report(&m, 0);
    }
    /* an error during setup (m.sim.err) makes sim_run return it at once */
    if ((rc = sim_run(&m.sim, m.horizon)) != 0) goto err;
    if (log && (rc = log_open(&m)) != 0) goto err;
    finish(&m);
    if (progress) atomic_store(progress, 1000u);
    model_free(&m);
    return 0;
err:
    model_free(&m);
    return rc;
}
