/* hooks.c: the strand mechanisms of the pathway model, each behind one named hook.
 *
 * A strand (models/strands/, one file per type) is turned by the loader into a few
 * mechanisms held in scn_strand_t; this file applies them, and the core (model.c)
 * calls it at one place per mechanism:
 *
 *   hook                     called from         mechanism
 *   hooks__on_enter          enter_stage          referral, take-up, a place or a wait
 *   hooks__on_leave          leave_stage          waits dropped, marks spent
 *   hooks__route_odds        route                odds on the next stage
 *   hooks__duration_factor   start_service        longer or shorter stays
 *   hooks__pool_capacity     pool_set_capacity    absence cut, caseload gain
 *   hooks__arrival_averted   on_arrival           arrivals averted (thinning)
 *   hooks__on_strand_step    dispatch             the ramp up and the stop
 *   hooks__on_place_end      dispatch             a place is freed
 *
 * To add a mechanism: give scn_strand_t its parameters (the loader fills them), apply
 * it in the hook where it acts, and only if no hook acts at that point add one here,
 * declared in model_internal.h and called from one place in the core.
 *
 * State: one strand_state_t per strand (places, the FIFO of children waiting for one,
 * counts, the ramp). A child carries two words for strands: `swait` (bit k: it waits
 * for a place of strand k) and `smark` (2 bits per strand: 1 + the engagement level of
 * a place started in this stay, 0 none); both are cleared when it leaves the stay.
 * Queue entries are not removed when a child leaves: they go stale (serial differs)
 * and are skipped or compacted.
 *
 * Randomness: a strand's draws for a stay come from a stream named by the strand and
 * (the child's own stream, its stays so far), never from the child's stream itself, so
 * switching a strand on leaves every other draw as it was.
 *
 * Failure: out of memory growing a queue calls sim_fail (the run ends with
 * SIM_ENOMEM); nothing else here allocates. */
#include <math.h>
#include <string.h>

#include "models/pathway/model_internal.h"
#include "sim/mem.h"

/* ---------------------------------------------------------------------------------- */
/* Draws, queues, places                                                                */

/* A strand's draws for the child's current stay, from the stream named by the strand
 * and (the child's own stream, its stays so far): they never depend on other strands
 * or on the child's other draws, so switching a strand on leaves everything else as
 * it was. The same call at referral and at the start of a place gives the same draws. */
typedef struct sdraw {
    double refer;  /* uniform: referred? */
    double take;   /* uniform: takes it up? */
    double engage; /* uniform: engagement level */
    double dur;    /* days the place is held */
} sdraw_t;

static void strand_draws(model_t *m, int k, const child_t *c, sdraw_t *d)
{
    const scn_strand_t *sp = &m->sc->strands[k];
    rng_t r;
    rng_derive_in(&r, m->st[k].fam, rng_hash(rng_id(&c->rng), c->visits));
    d->refer = rng_uniform(&r);
    d->take = rng_uniform(&r);
    d->engage = rng_uniform(&r);
    d->dur = sp->stages ? dist_sample(&sp->duration, &r) : 0;
}

static void strand_set_waiting(model_t *m, int k, double dv)
{
    strand_state_t *ss = &m->st[k];
    ss->waiting += dv;
    tw_set(&ss->tw_wait, m->sim.now, ss->waiting);
}

/* Is a queue entry still a child waiting in the stay it was queued from? */
static inline int sq_live(const model_t *m, sq_item_t it, int k)
{
    const child_t *c = &m->ch[it.id];
    return c->serial == it.serial && (c->swait >> k & 1);
}

/* The engagement level that uniform u gives under strand sp's shares. */
static int engage_level(const scn_strand_t *sp, double u)
{
    if (u < sp->engage_p[SCN_ENGAGE_WELL]) return SCN_ENGAGE_WELL;
    if (u < sp->engage_p[SCN_ENGAGE_WELL] + sp->engage_p[SCN_ENGAGE_PARTLY]) return SCN_ENGAGE_PARTLY;
    return SCN_ENGAGE_NOT;
}

/* Strand k's ramp becomes `value` now: its places follow (unlimited stays unlimited
 * while it runs). */
static void strand_set_ramp(model_t *m, int k, double value, double now)
{
    const scn_strand_t *sp = &m->sc->strands[k];
    strand_state_t *ss = &m->st[k];
    ss->ramp_now = value;
    ss->cap = isinf(sp->places) ? (value > 0 ? INFINITY : 0) : sp->places * value;
    tw_set(&ss->tw_cap, now, isinf(ss->cap) ? 0 : ss->cap);
}

/* The child takes a place of strand k now: engagement drawn, mark set for its exit
 * from this stay, the place's end scheduled. */
static void strand_start(model_t *m, int k, uint32_t id, const sdraw_t *d)
{
    const scn_strand_t *sp = &m->sc->strands[k];
    strand_state_t *ss = &m->st[k];
    child_t *c = &m->ch[id];
    double now = m->sim.now;
    ss->used += 1;
    tw_set(&ss->tw_used, now, ss->used);
    if (in_window(m, now)) {
        ss->started += 1;
        ss->wait_sum += now - c->entered;
        ss->wait_n += 1;
    }
    int lv = engage_level(sp, d->engage);
    c->smark = (c->smark & ~(3u << (2 * k))) | ((uint32_t)(lv + 1) << (2 * k));
    /* a stay already under way is rescaled from now (one waiting for a worker gets the
     * factor when it starts, in start_service) */
    if (sp->dur_factor != 1 && !c->waiting && c->stage_end > now && c->stage_end < INFINITY) {
        double f = ss->dur_pow[lv];
        c->gen++;
        schedule_child(m, id, now + (c->stage_end - now) * f);
    }
    if (now + d->dur <= m->horizon)
        sim_schedule(&m->sim, now + d->dur, EV_PLACE_END, (uint32_t)k, 0, 0);
}

/* Drops stale entries (children who left the stay they waited in) from the queue. */
static void strand_compact(model_t *m, strand_state_t *ss, int k)
{
    size_t n = 0;
    for (size_t i = 0; i < ss->qn; i++) {
        sq_item_t it = ss->q[(ss->qhead + i) % ss->qcap];
        if (sq_live(m, it, k))
            ss->q[(ss->qhead + n++) % ss->qcap] = it;
    }
    ss->qn = n;
}

static void strand_push(model_t *m, int k, uint32_t id)
{
    strand_state_t *ss = &m->st[k];
    if (ss->qn > 64 && ss->qn > 2 * (size_t)ss->waiting)
        strand_compact(m, ss, k);
    if (ss->qn == ss->qcap) {
        size_t cap = ss->qcap ? 2 * ss->qcap : 64;
        sq_item_t *q = mem_reallocarray(NULL, cap, sizeof *q);
        if (!q) {
            sim_fail(&m->sim, SIM_ENOMEM);
            return;
        }
        for (size_t i = 0; i < ss->qn; i++)
            q[i] = ss->q[(ss->qhead + i) % ss->qcap];
        mem_free(ss->q);
        ss->q = q;
        ss->qhead = 0;
        ss->qcap = cap;
    }
    ss->q[(ss->qhead + ss->qn++) % ss->qcap] = (sq_item_t){id, m->ch[id].serial};
    m->ch[id].swait |= (uint16_t)(1u << k);
    strand_set_waiting(m, k, +1);
}

/* Starts waiting children, in order, while places are free. */
static void strand_dispatch(model_t *m, int k)
{
    strand_state_t *ss = &m->st[k];
    while (ss->qn > 0 && ss->used + 1 <= ss->cap + CAP_EPS) {
        sq_item_t it = ss->q[ss->qhead];
        ss->qhead = (ss->qhead + 1) % ss->qcap;
        ss->qn--;
        if (!sq_live(m, it, k))
            continue; /* stale: it left that stay */
        child_t *c = &m->ch[it.id];
        c->swait &= (uint16_t)~(1u << k);
        strand_set_waiting(m, k, -1);
        sdraw_t d;
        strand_draws(m, k, c, &d);
        strand_start(m, k, it.id, &d);
    }
}

/* ---------------------------------------------------------------------------------- */
/* Ramp: steps from the start to full effect, then the stop                             */

/* Ramp steps of a strand: 0..n while it ramps up (n: full effect), n + 1 its stop.
 * Places and pool effects hold each step's mid-interval value, so their average over
 * the ramp is the linear ramp's. */
static int ramp_steps(const scn_strand_t *sp)
{
    return sp->ramp > 0 ? (int)ceil(sp->ramp / RAMP_STEP_DAYS - 1e-9) : 0;
}

static double step_time(const scn_strand_t *sp, int i, int n)
{
    return i <= n ? sp->start + (n ? sp->ramp * i / n : 0) : sp->stop;
}

static double step_value(int i, int n)
{
    return i > n ? 0 : i < n ? (i + 0.5) / n : 1;
}

/* Strand k's effects become `value` (0 to 1) of their full size now. */
static void strand_apply(model_t *m, int k, double value)
{
    const scn_strand_t *sp = &m->sc->strands[k];
    strand_state_t *ss = &m->st[k];
    double now = m->sim.now;
    strand_set_ramp(m, k, value, now);
    if (sp->pool >= 0 && m->pool)
        model__pool_recapacity(m, sp->pool);
    if (value == 0 && now >= sp->stop) { /* it has ended: nobody waits any more */
        for (size_t i = 0; i < ss->qn; i++) {
            sq_item_t it = ss->q[(ss->qhead + i) % ss->qcap];
            if (sq_live(m, it, k)) {
                m->ch[it.id].swait &= (uint16_t)~(1u << k);
                strand_set_waiting(m, k, -1);
                if (in_window(m, now))
                    ss->turned += 1;
            }
        }
        ss->qn = 0;
    }
    strand_dispatch(m, k);
}

/* Schedules strand k's first ramp step after `now` (steps at or before it are
 * applied by the caller). */
static void strand_schedule_step(model_t *m, int k)
{
    const scn_strand_t *sp = &m->sc->strands[k];
    int n = ramp_steps(sp), i = m->st[k].step + 1;
    if (i <= n + 1 && step_time(sp, i, n) <= m->horizon)
        sim_schedule(&m->sim, step_time(sp, i, n), EV_STRAND_STEP, (uint32_t)k, 0, (uint32_t)i);
}

/* ---------------------------------------------------------------------------------- */
/* The hooks                                                                            */

int hooks__init(model_t *m)
{
    const scenario_t *sc = m->sc;
    /* Each starts at the last ramp step at or before day 0. */
    for (int k = 0; k < sc->n_strands; k++) {
        const scn_strand_t *sp = &sc->strands[k];
        strand_state_t *ss = &m->st[k];
        /* the powers every routing and stay of a marked child uses: pow once here, not
         * per child (the same operation on the same operands: the same bits) */
        ss->odds_pow = mem_reallocarray(NULL, (size_t)SCN_ENGAGE_N * (size_t)sp->n_odds + 1,
                                        sizeof *ss->odds_pow);
        if (!ss->odds_pow) return SIM_ENOMEM;
        for (int lv = 0; lv < SCN_ENGAGE_N; lv++) {
            ss->dur_pow[lv] = pow(sp->dur_factor, sp->engage_effect[lv]);
            for (int i = 0; i < sp->n_odds; i++)
                ss->odds_pow[lv * sp->n_odds + i] = pow(sp->odds[i], sp->engage_effect[lv]);
        }
        /* named by the strand's name, not its place in the list, so that adding or
         * reordering strands in an alternative leaves the others' draws as they were */
        m->strand_stages |= sp->stages;
        ss->fam = rng_family(sc->seed, (uint64_t)m->rep,
                             rng_hash((uint64_t)SRC_STRAND << 32, rng_hash_str(sp->name)));
        tw_init(&ss->tw_used, m->warmup, 0, 0);
        tw_init(&ss->tw_wait, m->warmup, 0, 0);
        tw_init(&ss->tw_cap, m->warmup, 0, 0);
        int n = ramp_steps(sp);
        ss->step = -1;
        while (ss->step + 1 <= n + 1 && step_time(sp, ss->step + 1, n) <= 0) ss->step++;
        strand_set_ramp(m, k, ss->step < 0 ? 0 : step_value(ss->step, n), 0);
        strand_schedule_step(m, k);
    }
    return 0;
}

/* A child has entered stage s: the strands that take referrals there. */
void hooks__on_enter(model_t *m, uint32_t id, int s)
{
    const scenario_t *sc = m->sc;
    const child_t *c = &m->ch[id];
    double now = m->sim.now, age = -1;
    for (int k = 0; k < sc->n_strands; k++) {
        const scn_strand_t *sp = &sc->strands[k];
        strand_state_t *ss = &m->st[k];
        if (!(sp->stages >> s & 1) || now < sp->start || now >= sp->stop)
            continue;
        if (age < 0)
            age = (now - c->born) / CAL_DAYS_PER_YEAR;
        if (!scenario_when_matches(&sp->when, age, c->flags, c->history) ||
            (sp->any_flags && !(c->flags & sp->any_flags)))
            continue;
        sdraw_t d;
        strand_draws(m, k, c, &d);
        /* with unlimited places the ramp scales the share referred */
        if (d.refer >= sp->refer_p * (isinf(sp->places) ? ss->ramp_now : 1))
            continue;
        if (in_window(m, now))
            ss->referred += 1;
        if (d.take >= sp->takeup_p)
            continue;
        if (ss->waiting == 0 && ss->used + 1 <= ss->cap + CAP_EPS)
            strand_start(m, k, id, &d);
        else if (sp->turn_away) {
            if (in_window(m, now))
                ss->turned += 1;
        } else
            strand_push(m, k, id);
    }
}

/* The child leaves its stay: it stops waiting for places, and its marks are spent. */
void hooks__on_leave(model_t *m, child_t *c)
{
    for (int k = 0; c->swait; k++)
        if (c->swait >> k & 1) {
            c->swait &= (uint16_t)~(1u << k);
            strand_set_waiting(m, k, -1);
        }
    c->smark = 0;
}

/* Each strand whose mark the child holds: its odds on the next stages, raised to the
 * engagement level's share of the effect. */
int hooks__route_odds(model_t *m, const child_t *c, const scn_stage_t *st, int any)
{
    for (int k = 0; c->smark >> (2 * k); k++) {
        uint32_t lv = mark_of(c, k);
        if (!lv) continue;
        const scn_strand_t *sp = &m->sc->strands[k];
        double e = sp->engage_effect[lv - 1];
        if (e == 0 || sp->n_odds == 0) continue;
        if (!any) memcpy(m->wbuf, st->next_p, (size_t)st->n_next * sizeof *m->wbuf);
        any = 1;
        const double *op = &m->st[k].odds_pow[(lv - 1) * (uint32_t)sp->n_odds];
        for (int i = 0; i < sp->n_odds; i++)
            for (int j = 0; j < st->n_next; j++)
                if (st->next_stage[j] == sp->odds_stage[i]) m->wbuf[j] *= op[i];
    }
    return any;
}

/* The product of dur_factor^effect over the strands whose mark the child holds. */
double hooks__duration_factor(const model_t *m, const child_t *c)
{
    double f = 1;
    for (int k = 0; c->smark >> (2 * k); k++) {
        uint32_t lv = mark_of(c, k);
        if (lv && m->sc->strands[k].dur_factor != 1) f *= m->st[k].dur_pow[lv - 1];
    }
    return f;
}

/* Strands on this pool: covered workers lose less time to absence and hold more. */
void hooks__pool_capacity(const model_t *m, int p, double workers, double *avail,
                          double *cap)
{
    const scn_pool_t *pp = &m->sc->pools[p];
    double a = pp->absence;
    for (int k = 0; k < m->sc->n_strands; k++) {
        const scn_strand_t *st = &m->sc->strands[k];
        double r = m->st[k].ramp_now;
        if (st->pool != p || r <= 0) continue;
        double cov = st->covered < workers ? st->covered : workers;
        double a2 = a * (1 - st->absence_cut * r), g = st->cap_gain * r;
        *avail += cov * (a - a2);
        *cap += cov * ((1 - a2) * (1 + g) - (1 - a)) * pp->caseload_cap;
    }
}

/* Is this new child averted by a strand acting on arrival stream j? Its own draw
 * against the share the strand reaches times its cut, scaled by the ramp. */
int hooks__arrival_averted(model_t *m, const child_t *c, int j)
{
    const scenario_t *sc = m->sc;
    for (int k = 0; k < sc->n_strands; k++) {
        const scn_strand_t *sp = &sc->strands[k];
        double r;
        if (sp->arrival != j || (r = scenario_strand_ramp(sp, m->sim.now)) <= 0)
            continue;
        sdraw_t d;
        strand_draws(m, k, c, &d);
        if (d.refer < sp->arrival_share * sp->arrival_cut * r) {
            if (in_window(m, m->sim.now))
                m->st[k].averted += 1;
            return 1;
        }
    }
    return 0;
}

void hooks__on_strand_step(model_t *m, int k, int i)
{
    m->st[k].step = i;
    strand_apply(m, k, step_value(i, ramp_steps(&m->sc->strands[k])));
    strand_schedule_step(m, k);
}

void hooks__on_place_end(model_t *m, int k)
{
    strand_state_t *ss = &m->st[k];
    ss->used -= 1;
    tw_set(&ss->tw_used, m->sim.now, ss->used);
    strand_dispatch(m, k);
}

void hooks__finish(model_t *m, double years)
{
    const scenario_t *sc = m->sc;
    double h = m->horizon;
    for (int k = 0; k < sc->n_strands; k++) {
        const strand_state_t *ss = &m->st[k];
        double *o = &m->res->strand[(size_t)k * MX_N];
        o[MX_REFERRED] = years > 0 ? ss->referred / years : NAN;
        o[MX_STARTED] = years > 0 ? ss->started / years : NAN;
        o[MX_TURNED_AWAY] = years > 0 ? ss->turned / years : NAN;
        o[MX_AVG_IN_SERVICE] = tw_mean(&ss->tw_used, h);
        o[MX_AVG_WAITING] = tw_mean(&ss->tw_wait, h);
        o[MX_MEAN_WAIT] = ss->wait_n > 0 ? ss->wait_sum / ss->wait_n : NAN;
        o[MX_AVG_PLACES] = isinf(sc->strands[k].places) ? NAN : tw_mean(&ss->tw_cap, h);
        o[MX_AVERTED] = years > 0 ? ss->averted / years : NAN;
    }
}

void hooks__free(model_t *m)
{
    if (m->st)
        for (int k = 0; k < m->sc->n_strands; k++) {
            mem_free(m->st[k].q);
            mem_free(m->st[k].odds_pow);
        }
}
