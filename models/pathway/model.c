/* model.c: the children's social care pathway as a discrete-event model.
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
 * open-case stages as one system) and per pool, over the window [warmup, horizon]. */
#include "models/pathway/model.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/cal.h"
#include "sim/rng.h"
#include "sim/sim.h"
#include "sim/stats.h"

#define MODEL_NAME(e, s) s,
const char *const model_stage_metric_names[MS_N] = {MODEL_STAGE_METRIC_MAP(MODEL_NAME)};
const char *const model_pool_metric_names[MP_N] = {MODEL_POOL_METRIC_MAP(MODEL_NAME)};
const char *const model_ts_metric_names[MT_N] = {MODEL_TS_METRIC_MAP(MODEL_NAME)};
const char *const model_pool_ts_metric_names[MPT_N] = {MODEL_POOL_TS_METRIC_MAP(MODEL_NAME)};
const char *const model_strand_metric_names[MX_N] = {MODEL_STRAND_METRIC_MAP(MODEL_NAME)};
#undef MODEL_NAME

#define NONE UINT32_MAX
#define CAP_EPS 1e-9 /* tolerance when comparing weights with capacity */

/* Event kinds. */
enum { EV_ARRIVAL, EV_END, EV_AGEOUT, EV_REPORT, EV_OBSERVE, EV_WORKERS, EV_STRAND_STEP,
       EV_PLACE_END, EV_PERIOD };

/* Stream sources: the third word of a stream's name. */
enum { SRC_ARRIVAL_TIMES = 1, SRC_ARRIVAL_CHILD = 2, SRC_INITIAL_CHILD = 3, SRC_STRAND = 4 };

#define RAMP_STEP_DAYS (CAL_DAYS_PER_YEAR / 12) /* places and pools follow a ramp monthly */

typedef struct child {
    rng_t rng;          /* the child's own stream */
    double born;        /* day of birth (may be negative) */
    double ageout;      /* day it reaches max_age */
    double entered;     /* day it entered the current stage */
    double entered_all; /* day it entered the open-case system */
    double wait_from;   /* day it began waiting for the current stage's pool */
    double stage_end;   /* day its stay ends (INFINITY while it waits for a worker) */
    uint64_t flags;     /* attribute bits (scenario flags) */
    uint32_t gen;       /* generation of its current event; bumped to cancel */
    uint32_t qprev;     /* waiting queue links (NONE at the ends); qnext also */
    uint32_t qnext;     /* links the free list */
    int16_t stage;      /* current stage index; -1 when free */
    uint8_t waiting;    /* 1 while in a pool queue */
    uint16_t history;   /* previous episodes (re-entries to an entry stage) */
    uint16_t visits;    /* stages entered so far: names its strand draws */
    uint16_t swait;     /* bit k: waiting for a place of strand k */
    uint32_t serial;    /* names the current stay in a stage (unique in the run) */
    uint32_t smark;     /* 2 bits per strand: 1 + engagement level of an intervention
                         * started in this stay, applied at its exit; 0 none */
} child_t;

typedef struct queue {
    uint32_t head, tail; /* FIFO of waiting children, NONE when empty */
} queue_t;

typedef struct pool_state {
    double capacity;  /* workers x (1 - absence) x caseload_cap, now */
    double available; /* workers x (1 - absence), now */
    double used;      /* weight held by allocated children */
    tw_t tw_used;     /* time average of used */
    double seg_area;  /* tw_used's area when capacity last changed */
    double util_area; /* integral of used / capacity up to then (capacity is constant
                       * between workforce steps, so one time average is enough) */
    double case_area; /* integral of used / available up to then */
    tw_t tw_workers;  /* FTE, for worker costs */
    queue_t *q;       /* one FIFO per priority level */
} pool_state_t;

typedef struct sq_item {
    uint32_t id, serial; /* a waiting child and its stay (stale when serial differs) */
} sq_item_t;

typedef struct strand_state {
    double cap;          /* places now (places x ramp step); INFINITY: unlimited */
    double used;         /* places held */
    double waiting;      /* children waiting now */
    tw_t tw_used, tw_wait, tw_cap; /* time averages of those */
    sq_item_t *q;        /* FIFO ring of waiting children (some may be stale) */
    size_t qhead, qn, qcap;
    double referred, started, turned, averted; /* in the window */
    double wait_sum, wait_n;                   /* waits of children started in it */
    double ramp_now;     /* share of full effect now (its ramp step) */
    rng_family_t fam;    /* the streams of its draws, one per child stay */
    int step;            /* ramp steps scheduled so far */
} strand_state_t;

typedef struct row_stats {
    tw_t stock;        /* children in the stage (waiting included) */
    tw_t waiting;      /* of which waiting for a worker */
    double entries;    /* in the window */
    double exits;      /* in the window (aged out included) */
    double aged_out;   /* in the window */
    double dur_sum;    /* entry-to-exit days of exits in the window */
    double wait_sum;   /* days waited by children allocated in the window */
    double wait_n;     /* children allocated in the window */
    double step_entries; /* entries since the last report */
} row_stats_t;

typedef struct model {
    const scenario_t *sc;       /* what is simulated */
    const model_plan_t *plan;   /* report instants */
    model_result_t *res;        /* where figures go */
    sim_t sim;                  /* clock and events */
    int rep;                    /* replication index */
    double warmup, horizon;     /* the statistics window */
    child_t *ch;                /* the arena */
    uint32_t n_ch, cap_ch;      /* slots used, slots allocated */
    uint32_t free_head;         /* free list */
    size_t alive, peak;         /* children alive now, at most */
    int all;                    /* row index of `all` (= n_stages) */
    row_stats_t *row;           /* [n_rows] */
    pool_state_t *pool;         /* [n_pools] */
    rng_t *arr_rng;             /* [n_arrivals] arrival-time streams */
    rng_family_t *arr_fam;      /* [n_arrivals] the streams of each source's children */
    uint64_t *arr_count;        /* [n_arrivals] children created per stream */
    double *obs_count;          /* [n_observed] entries counted per entries item */
    int *pool_step;             /* [n_pools] next workers step to schedule */
    double *wbuf;               /* routing weights scratch, [max n_next] */
    strand_state_t *st;         /* [n_strands] */
    uint32_t serial;            /* last stay serial handed out */
    double *cost_cum;           /* [n_costs] cumulative quantities at the last period end */
    atomic_uint *progress;      /* share of horizon done, 1/1000ths */
} model_t;

/* ---------------------------------------------------------------------------------- */
/* Plan and results                                                                     */

int model_plan_init(model_plan_t *p, const scenario_t *sc)
{
    memset(p, 0, sizeof *p);
    p->n_rows = sc->n_stages + 1;
    size_t cap = 16;
    double *d = malloc(cap * sizeof *d);
    if (!d) return -1;
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
            double *nd = realloc(d, 2 * cap * sizeof *d);
            if (!nd) {
                free(d);
                return -1;
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
    if (!(p->period_day = malloc((size_t)((sc->horizon - sc->warmup) / 365 + 3) * sizeof *p->period_day))) {
        model_plan_free(p);
        return -1;
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
    free(p->report_day);
    free(p->period_day);
    memset(p, 0, sizeof *p);
}

int model_result_init(model_result_t *r, const scenario_t *sc, const model_plan_t *p)
{
    memset(r, 0, sizeof *r);
    size_t rows = (size_t)p->n_rows, k = (size_t)p->n_reports, np = (size_t)sc->n_pools;
    r->stage = calloc(rows * MS_N, sizeof *r->stage);
    r->pool = calloc(np * MP_N + 1, sizeof *r->pool);
    r->ts = calloc(k * rows * MT_N, sizeof *r->ts);
    r->pool_ts = calloc(k * np * MPT_N + 1, sizeof *r->pool_ts);
    r->obs = calloc((size_t)sc->n_observed + 1, sizeof *r->obs);
    r->strand = calloc((size_t)sc->n_strands * MX_N + 1, sizeof *r->strand);
    r->cost = calloc((size_t)(p->n_periods + 1) * (size_t)sc->n_costs + 1, sizeof *r->cost);
    if (!r->stage || !r->pool || !r->ts || !r->pool_ts || !r->obs || !r->strand || !r->cost) {
        model_result_free(r);
        return -1;
    }
    return 0;
}

void model_result_free(model_result_t *r)
{
    free(r->stage);
    free(r->pool);
    free(r->ts);
    free(r->pool_ts);
    free(r->obs);
    free(r->strand);
    free(r->cost);
    memset(r, 0, sizeof *r);
}

/* ---------------------------------------------------------------------------------- */
/* Children                                                                             */

static uint32_t child_new(model_t *m)
{
    uint32_t id;
    if (m->free_head != NONE) {
        id = m->free_head;
        m->free_head = m->ch[id].qnext;
    } else {
        if (m->n_ch == m->cap_ch) {
            uint32_t cap = m->cap_ch ? 2 * m->cap_ch : 1024;
            child_t *nc = realloc(m->ch, (size_t)cap * sizeof *nc);
            if (!nc) {
                m->sim.err = -1;
                m->sim.stop = 1;
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
/* Statistics helpers                                                                   */

static inline int in_window(const model_t *m, double t) { return t >= m->warmup; }

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

/* ---------------------------------------------------------------------------------- */
/* Moving children                                                                      */

static double strands_duration_factor(const model_t *m, const child_t *c);

static void schedule_child(model_t *m, uint32_t id, double end)
{
    child_t *c = &m->ch[id];
    int kind = EV_END;
    c->stage_end = end;
    if (c->ageout <= end) {
        end = c->ageout;
        kind = EV_AGEOUT;
    }
    if (end < m->sim.now) end = m->sim.now;
    if (end > m->horizon) return; /* it outlives the run: no event needed */
    sim_schedule(&m->sim, end, (uint32_t)kind, id, c->gen, 0);
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
    double d = dist_sample(&st->duration, &c->rng);
    if (remaining >= 0) d = remaining;
    if (c->smark) d *= strands_duration_factor(m, c);
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

/* ---------------------------------------------------------------------------------- */
/* Strands                                                                              */

/* A strand's draws for the child's current stay, from the stream named by the strand
 * and (the child's own stream, its stays so far): they never depend on other strands
 * or on the child's other draws, so switching a strand on leaves everything else as
 * it was. The same call at referral and at the start of a place gives the same draws. */
typedef struct sdraw {
    double refer, take, engage; /* uniforms */
    double dur;                 /* days the place is held */
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

/* The child's mark of strand k: 1 + its engagement level, or 0 (none). */
static inline uint32_t mark_of(const child_t *c, int k) { return c->smark >> (2 * k) & 3; }

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

/* The product of dur_factor^effect over the strands whose mark the child holds. */
static double strands_duration_factor(const model_t *m, const child_t *c)
{
    double f = 1;
    for (int k = 0; c->smark >> (2 * k); k++) {
        uint32_t lv = mark_of(c, k);
        if (lv && m->sc->strands[k].dur_factor != 1)
            f *= pow(m->sc->strands[k].dur_factor, m->sc->strands[k].engage_effect[lv - 1]);
    }
    return f;
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
        double f = pow(sp->dur_factor, sp->engage_effect[lv]);
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
        sq_item_t *q = malloc(cap * sizeof *q);
        if (!q) {
            m->sim.err = -1;
            m->sim.stop = 1;
            return;
        }
        for (size_t i = 0; i < ss->qn; i++)
            q[i] = ss->q[(ss->qhead + i) % ss->qcap];
        free(ss->q);
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

/* A child has entered stage s: the strands that take referrals there. */
static void strands_on_enter(model_t *m, uint32_t id, int s)
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
static void strands_on_leave(model_t *m, child_t *c)
{
    for (int k = 0; c->swait; k++)
        if (c->swait >> k & 1) {
            c->swait &= (uint16_t)~(1u << k);
            strand_set_waiting(m, k, -1);
        }
    c->smark = 0;
}

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

static void pool_set_capacity(model_t *m, int p, double now);
static void pool_dispatch(model_t *m, int p);

/* Strand k's effects become `value` (0 to 1) of their full size now. */
static void strand_apply(model_t *m, int k, double value)
{
    const scn_strand_t *sp = &m->sc->strands[k];
    strand_state_t *ss = &m->st[k];
    double now = m->sim.now;
    strand_set_ramp(m, k, value, now);
    if (sp->pool >= 0 && m->pool) {
        pool_close_segment(m, sp->pool, now);
        pool_set_capacity(m, sp->pool, now);
        pool_dispatch(m, sp->pool);
    }
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

static void on_strand_step(model_t *m, int k, int i)
{
    m->st[k].step = i;
    strand_apply(m, k, step_value(i, ramp_steps(&m->sc->strands[k])));
    strand_schedule_step(m, k);
}

static void on_place_end(model_t *m, int k)
{
    strand_state_t *ss = &m->st[k];
    ss->used -= 1;
    tw_set(&ss->tw_used, m->sim.now, ss->used);
    strand_dispatch(m, k);
}

/* Is this new child averted by a strand acting on arrival stream j? */
static int strands_avert(model_t *m, const child_t *c, int j)
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

/* ---------------------------------------------------------------------------------- */
/* Costs                                                                                */

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
static void costs_close_period(model_t *m, int k)
{
    const scenario_t *sc = m->sc;
    double *row = &m->res->cost[(size_t)k * sc->n_costs];
    for (int i = 0; i < sc->n_costs; i++) {
        double q = cost_quantity(m, i, m->sim.now);
        row[i] = (q - m->cost_cum[i]) * sc->costs[i].rate;
        m->cost_cum[i] = q;
    }
}

static void count_observed_entries(model_t *m, int from, int to)
{
    const scenario_t *sc = m->sc;
    double now = m->sim.now;
    for (int i = 0; i < sc->n_observed; i++) {
        const scn_observed_t *o = &sc->observed[i];
        if (o->metric != SCN_OBS_ENTRIES || now <= o->from || now > o->to) continue;
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
        if (sc->n_observed) count_observed_entries(m, from, s);
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
        if (!ahead && ps->used + st->weight <= ps->capacity + CAP_EPS) {
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
    if (sc->n_strands && !initial) strands_on_enter(m, id, s);
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

    tw_add(&r->stock, now, -1);
    if (st->open_case) tw_add(&ra->stock, now, -1);
    if (c->swait | c->smark) strands_on_leave(m, c);
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
        for (int k = 0; c->smark >> (2 * k); k++) {
            uint32_t lv = mark_of(c, k);
            if (!lv) continue;
            const scn_strand_t *sp = &m->sc->strands[k];
            double e = sp->engage_effect[lv - 1];
            if (e == 0 || sp->n_odds == 0) continue;
            if (!any) memcpy(m->wbuf, st->next_p, (size_t)st->n_next * sizeof *m->wbuf);
            any = 1;
            for (int i = 0; i < sp->n_odds; i++)
                for (int j = 0; j < st->n_next; j++)
                    if (st->next_stage[j] == sp->odds_stage[i]) m->wbuf[j] *= pow(sp->odds[i], e);
        }
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
    if (m->sc->n_strands && strands_avert(m, c, j)) child_free(m, id);
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

static void pool_set_capacity(model_t *m, int p, double now)
{
    const scn_pool_t *sp = &m->sc->pools[p];
    pool_state_t *ps = &m->pool[p];
    double dflt = sp->workers.n ? sp->workers.value[0] : 0;
    double workers = scenario_steps_at(&sp->workers, now, dflt), a = sp->absence;
    double avail = workers * (1 - a), cap = avail * sp->caseload_cap;
    /* strands on this pool: covered workers lose less time to absence and hold more */
    for (int k = 0; k < m->sc->n_strands; k++) {
        const scn_strand_t *st = &m->sc->strands[k];
        double r = m->st[k].ramp_now;
        if (st->pool != p || r <= 0) continue;
        double cov = st->covered < workers ? st->covered : workers;
        double a2 = a * (1 - st->absence_cut * r), g = st->cap_gain * r;
        avail += cov * (a - a2);
        cap += cov * ((1 - a2) * (1 + g) - (1 - a)) * sp->caseload_cap;
    }
    ps->available = avail;
    ps->capacity = cap;
    tw_set(&ps->tw_workers, now, workers);
}

static void on_workers(model_t *m, int p)
{
    double now = m->sim.now;
    pool_close_segment(m, p, now);
    pool_set_capacity(m, p, now);
    pool_dispatch(m, p);
    /* the next step of this pool's workforce */
    const scn_steps_t *w = &m->sc->pools[p].workers;
    while (m->pool_step[p] < w->n && w->day[m->pool_step[p]] <= now) m->pool_step[p]++;
    if (m->pool_step[p] < w->n && w->day[m->pool_step[p]] <= m->horizon)
        sim_schedule(&m->sim, w->day[m->pool_step[p]], EV_WORKERS, (uint32_t)p, 0, 0);
}

static void dispatch(sim_t *s, const sim_event_t *ev, void *ud)
{
    model_t *m = ud;
    /* Children are spread over a large arena: start fetching the next event's child
     * now, so that its cache miss overlaps this event's work. */
    const sim_event_t *next = sim_peek(s);
    if (next && next->id < m->n_ch) __builtin_prefetch(&m->ch[next->id]);
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
    case EV_STRAND_STEP: on_strand_step(m, (int)ev->id, (int)ev->aux); break;
    case EV_PLACE_END: on_place_end(m, (int)ev->id); break;
    case EV_PERIOD: costs_close_period(m, (int)ev->id); break;
    }
}

/* ---------------------------------------------------------------------------------- */
/* One replication                                                                      */

static void model_free(model_t *m)
{
    sim_free(&m->sim);
    free(m->ch);
    free(m->row);
    if (m->pool)
        for (int p = 0; p < m->sc->n_pools; p++) free(m->pool[p].q);
    free(m->pool);
    free(m->arr_rng);
    free(m->arr_fam);
    free(m->arr_count);
    free(m->obs_count);
    free(m->pool_step);
    free(m->wbuf);
    if (m->st)
        for (int k = 0; k < m->sc->n_strands; k++) free(m->st[k].q);
    free(m->st);
    free(m->cost_cum);
}

/* The open cases at day 0, in scenario order; each child from its own stream. */
static void place_initial(model_t *m)
{
    const scenario_t *sc = m->sc;
    for (int i = 0; i < sc->n_initial; i++) {
        const scn_initial_t *in = &sc->initial[i];
        const scn_stage_t *st = &sc->stages[in->stage];
        rng_family_t fam = rng_family(sc->seed, (uint64_t)m->rep,
                                      ((uint64_t)SRC_INITIAL_CHILD << 32) | (uint64_t)i);
        for (long k = 0; k < in->count && !m->sim.stop; k++) {
            uint32_t id = child_new(m);
            if (id == NONE) return;
            child_t *c = &m->ch[id];
            rng_derive_in(&c->rng, fam, (uint64_t)k);
            m->res->children++;
            child_attrs(m, c, &in->attrs, 0);
            double elapsed = 0, remaining = -1;
            if (!in->fresh) dist_sample_residual(&st->duration, &c->rng, &elapsed, &remaining);
            c->entered = c->entered_all = -elapsed;
            enter_stage(m, id, in->stage, -1, 1, remaining);
        }
    }
}

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
    }
    for (int p = 0; p < sc->n_pools; p++) {
        double *o = &r->pool[(size_t)p * MP_N];
        pool_close_segment(m, p, h);
        double span = h - m->warmup;
        o[MP_AVG_USED] = tw_mean(&m->pool[p].tw_used, h);
        o[MP_AVG_UTILISATION] = span > 0 ? m->pool[p].util_area / span : 0;
        o[MP_AVG_CASELOAD] = span > 0 ? m->pool[p].case_area / span : 0;
    }
    for (int k = 0; k < sc->n_strands; k++) {
        const strand_state_t *ss = &m->st[k];
        double *o = &r->strand[(size_t)k * MX_N];
        o[MX_REFERRED] = years > 0 ? ss->referred / years : NAN;
        o[MX_STARTED] = years > 0 ? ss->started / years : NAN;
        o[MX_TURNED_AWAY] = years > 0 ? ss->turned / years : NAN;
        o[MX_AVG_IN_SERVICE] = tw_mean(&ss->tw_used, h);
        o[MX_AVG_WAITING] = tw_mean(&ss->tw_wait, h);
        o[MX_MEAN_WAIT] = ss->wait_n > 0 ? ss->wait_sum / ss->wait_n : NAN;
        o[MX_AVG_PLACES] = isinf(sc->strands[k].places) ? NAN : tw_mean(&ss->tw_cap, h);
        o[MX_AVERTED] = years > 0 ? ss->averted / years : NAN;
    }
    if (sc->n_costs) {
        int np = m->plan->n_periods;
        costs_close_period(m, np - 1);
        double *tot = &r->cost[(size_t)np * sc->n_costs];
        for (int i = 0; i < sc->n_costs; i++) {
            tot[i] = 0;
            for (int k = 0; k < np; k++) tot[i] += r->cost[(size_t)k * sc->n_costs + i];
        }
    }
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
    model_t m;
    memset(&m, 0, sizeof m);
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

    if (sim_init(&m.sim, 1024, dispatch, &m) < 0) return -1;
    /* Most pending events are stage ends far ahead: keep them in buckets of about
     * 1/4096 of the horizon, so the heap holds only the next window's events. */
    if (m.horizon > 0) sim_set_window(&m.sim, m.horizon / 4096);
    m.row = calloc((size_t)plan->n_rows, sizeof *m.row);
    m.pool = calloc((size_t)sc->n_pools + 1, sizeof *m.pool);
    m.arr_rng = calloc((size_t)sc->n_arrivals + 1, sizeof *m.arr_rng);
    m.arr_count = calloc((size_t)sc->n_arrivals + 1, sizeof *m.arr_count);
    m.arr_fam = calloc((size_t)sc->n_arrivals + 1, sizeof *m.arr_fam);
    m.obs_count = calloc((size_t)sc->n_observed + 1, sizeof *m.obs_count);
    m.pool_step = calloc((size_t)sc->n_pools + 1, sizeof *m.pool_step);
    m.wbuf = calloc((size_t)max_next, sizeof *m.wbuf);
    m.st = calloc((size_t)sc->n_strands + 1, sizeof *m.st);
    m.cost_cum = calloc((size_t)sc->n_costs + 1, sizeof *m.cost_cum);
    if (!m.row || !m.pool || !m.arr_rng || !m.arr_count || !m.arr_fam || !m.obs_count || !m.pool_step || !m.wbuf ||
        !m.st || !m.cost_cum)
        goto err;
    /* strands first: pools' capacity depends on them. Each starts at the last ramp
     * step at or before day 0. */
    for (int k = 0; k < sc->n_strands; k++) {
        const scn_strand_t *sp = &sc->strands[k];
        strand_state_t *ss = &m.st[k];
        /* named by the strand's name, not its place in the list, so that adding or
         * reordering strands in an alternative leaves the others' draws as they were */
        ss->fam = rng_family(sc->seed, (uint64_t)rep,
                             rng_hash((uint64_t)SRC_STRAND << 32, rng_hash_str(sp->name)));
        tw_init(&ss->tw_used, m.warmup, 0, 0);
        tw_init(&ss->tw_wait, m.warmup, 0, 0);
        tw_init(&ss->tw_cap, m.warmup, 0, 0);
        int n = ramp_steps(sp);
        ss->step = -1;
        while (ss->step + 1 <= n + 1 && step_time(sp, ss->step + 1, n) <= 0) ss->step++;
        strand_set_ramp(&m, k, ss->step < 0 ? 0 : step_value(ss->step, n), 0);
        strand_schedule_step(&m, k);
    }
    for (int k = 1; sc->n_costs && k < plan->n_periods; k++)
        sim_schedule(&m.sim, plan->period_day[k], EV_PERIOD, (uint32_t)(k - 1), 0, 0);
    for (int s = 0; s < plan->n_rows; s++) {
        tw_init(&m.row[s].stock, m.warmup, 0, 0);
        tw_init(&m.row[s].waiting, m.warmup, 0, 0);
    }
    for (int p = 0; p < sc->n_pools; p++) {
        pool_state_t *ps = &m.pool[p];
        ps->q = malloc((size_t)sc->pools[p].n_levels * sizeof *ps->q);
        if (!ps->q) goto err;
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
    if (m.sim.err || sim_run(&m.sim, m.horizon) < 0) goto err;
    finish(&m);
    if (progress) atomic_store(progress, 1000u);
    model_free(&m);
    return 0;
err:
    model_free(&m);
    return -1;
}
