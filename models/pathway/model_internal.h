/* model_internal.h: the pathway model's private types and the seams between its files
 * (included by the .c files of models/pathway/ only; nothing outside the folder sees model_t).
 *
 *   model.c   the core: children, pools, the stage transitions (enter_stage,
 *             leave_stage, route), arrivals, the event handlers and `dispatch`, the
 *             event loop's handler, and model_run;
 *   hooks.c   the strand mechanisms, each behind one named hook the core calls at one
 *             place (hooks__*): a strand with a new mechanism changes hooks.c only;
 *   costs.c   cost items per period (costs__*).
 *
 * Invariants (what the core keeps true between events): every child alive is in one
 * stage; in a pooled stage it either holds its weight of the pool (allocated) or is
 * linked into one queue of that pool (waiting), never both; every child has at most
 * one current pending event, recognised by its generation `gen`. Hooks keep these:
 * they change a stay only through schedule_child and a pool only through
 * model__pool_recapacity.
 *
 * Failure: a handler that cannot go on (out of memory) calls sim_fail on m->sim; the
 * run then ends after the current event and model_run returns the code. No file here
 * writes the engine's fields. */
#ifndef MODELS_PATHWAY_MODEL_INTERNAL_H
#define MODELS_PATHWAY_MODEL_INTERNAL_H

#include <stdatomic.h>
#include <stdint.h>

#include "models/pathway/model.h"
#include "models/scenario/scenario.h"
#include "sim/cal.h"
#include "sim/rng.h"
#include "sim/sim.h"
#include "sim/stats.h"

#define NONE UINT32_MAX /* no child: an empty queue end, the end of the free list */
#define CAP_EPS 1e-9 /* tolerance when comparing weights with capacity */

/* Event kinds. */
enum { EV_ARRIVAL, EV_END, EV_AGEOUT, EV_REPORT, EV_OBSERVE, EV_WORKERS, EV_STRAND_STEP,
       EV_PLACE_END, EV_PERIOD };

/* Stream sources: the third word of a stream's name. */
enum { SRC_ARRIVAL_TIMES = 1, SRC_ARRIVAL_CHILD = 2, SRC_INITIAL_CHILD = 3, SRC_STRAND = 4,
       SRC_INITIAL_FILE = 5 };

#define RAMP_STEP_DAYS (CAL_DAYS_PER_YEAR / 12) /* places and pools follow a ramp monthly */

typedef struct child {
    /* first 64 bytes: what every stage end reads or writes (the event's check, the
     * routing draw, the stay's statistics and its next event) */
    uint32_t gen;       /* generation of its current event; bumped to cancel */
    int16_t stage;      /* current stage index; -1 when free */
    uint8_t waiting;    /* 1 while in a pool queue */
    uint8_t open0;      /* 1: an `initial: {file:}` case not yet allocated: its time
                         * left is drawn given the -entered days already spent */
    rng_t rng;          /* the child's own stream */
    double ageout;      /* day it reaches max_age */
    double entered;     /* day it entered the current stage */
    double entered_all; /* day it entered the open-case system */
    double wait_from;   /* day it began waiting for the current stage's pool */
    uint32_t smark;     /* 2 bits per strand: 1 + engagement level of an intervention
                         * started in this stay, applied at its exit; 0 none */
    uint16_t swait;     /* bit k: waiting for a place of strand k */
    uint16_t visits;    /* stages entered so far: names its strand draws */
    /* then the rest */
    double stage_end;   /* day its stay ends (INFINITY while it waits for a worker) */
    double born;        /* day of birth (may be negative) */
    uint64_t flags;     /* attribute bits (scenario flags) */
    uint32_t qprev;     /* previous in its pool queue (NONE at the head) */
    uint32_t qnext;     /* next in its pool queue (NONE at the tail), or in the free
                         * list while the slot is free */
    uint32_t serial;    /* names the current stay in a stage (unique in the run) */
    uint32_t cid;       /* the child's serial (1, 2, ... in creation order), for the log */
    uint16_t history;   /* previous episodes (re-entries to an entry stage) */
} child_t;

typedef struct queue {
    uint32_t head; /* first waiting child (the next served), NONE when empty */
    uint32_t tail; /* last waiting child, NONE when empty */
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
    uint32_t id;     /* a waiting child */
    uint32_t serial; /* its stay when queued (the entry is stale when the child's differs) */
} sq_item_t;

typedef struct strand_state {
    double cap;          /* places now (places x ramp step); INFINITY: unlimited */
    double used;         /* places held */
    double waiting;      /* children waiting now */
    tw_t tw_used;        /* time average of used */
    tw_t tw_wait;        /* time average of waiting */
    tw_t tw_cap;         /* time average of cap (0 while unlimited) */
    sq_item_t *q;        /* FIFO ring of waiting children (some may be stale) */
    size_t qhead;        /* ring index of the oldest entry */
    size_t qn;           /* entries in the ring (live and stale) */
    size_t qcap;         /* ring slots allocated */
    double referred;     /* children referred in the window */
    double started;      /* children who took a place in the window */
    double turned;       /* children turned away in the window */
    double averted;      /* arrivals averted in the window */
    double wait_sum;     /* days waited by children started in the window */
    double wait_n;       /* children started in the window (for wait_sum) */
    double ramp_now;     /* share of full effect now (its ramp step) */
    rng_family_t fam;    /* the streams of its draws, one per child stay */
    double dur_pow[SCN_ENGAGE_N]; /* dur_factor^engage_effect[level], computed once */
    double *odds_pow;    /* [level * n_odds + i]: odds[i]^engage_effect[level], once */
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
    double max_waiting;  /* the largest waiting list at a report instant in the window */
} row_stats_t;

typedef struct model {
    const scenario_t *sc;       /* what is simulated */
    const model_plan_t *plan;   /* report instants */
    model_result_t *res;        /* where figures go */
    sim_t sim;                  /* clock and events */
    int rep;                    /* replication index */
    double warmup;              /* the statistics window starts */
    double horizon;             /* the run (and the window) ends */
    child_t *ch;                /* the arena */
    uint32_t n_ch;              /* arena slots used */
    uint32_t cap_ch;            /* arena slots allocated */
    uint32_t free_head;         /* free list */
    size_t alive;               /* children alive now */
    size_t peak;                /* children alive at most */
    int all;                    /* row index of `all` (= n_stages) */
    row_stats_t *row;           /* [n_rows] */
    pool_state_t *pool;         /* [n_pools] */
    rng_t *arr_rng;             /* [n_arrivals] arrival-time streams */
    rng_family_t *arr_fam;      /* [n_arrivals] the streams of each source's children */
    uint64_t *arr_count;        /* [n_arrivals] children created per stream */
    double *obs_count;          /* [n_observed] entries counted per entries item */
    int *obs_off;               /* [n_stages + 1]: stage s's entries items are
                                 * obs_idx[obs_off[s] .. obs_off[s + 1]) */
    int *obs_idx;               /* the entries items whose stages include each stage */
    int *pool_step;             /* [n_pools] next workers step to schedule */
    double *wbuf;               /* routing weights scratch, [max n_next] */
    strand_state_t *st;         /* [n_strands] */
    uint64_t strand_stages;     /* bit s: some strand takes referrals at stage s */
    uint32_t serial;            /* last stay serial handed out */
    double *cost_cum;           /* [n_costs] cumulative quantities at the last period end */
    atomic_uint *progress;      /* share of horizon done, 1/1000ths */
    const model_log_t *log;     /* the stay log, or NULL */
    uint32_t made;              /* children created so far (names the next: cid) */
} model_t;

/* ---------------------------------------------------------------------------------- */
/* Small helpers shared by the files (inline: they are on the hot path)                 */

/* Is time t inside the statistics window? */
static inline int in_window(const model_t *m, double t) { return t >= m->warmup; }

/* The child's mark of strand k: 1 + its engagement level, or 0 (none). */
static inline uint32_t mark_of(const child_t *c, int k) { return c->smark >> (2 * k) & 3; }

/* Schedules the child's one current event for a stay ending at `end` (INFINITY: none
 * but its ageing out): EV_END, or EV_AGEOUT if it reaches max_age first; nothing if
 * that is after the horizon. The caller bumps c->gen first to cancel the old one. */
static inline void schedule_child(model_t *m, uint32_t id, double end)
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

/* ---------------------------------------------------------------------------------- */
/* model.c, for the hooks                                                               */

/* Pool p's capacity changes now (workforce step, or a strand's ramp): closes the
 * utilisation segment, recomputes capacity (hooks__pool_capacity included) and lets
 * waiting children in while they fit. */
void model__pool_recapacity(model_t *m, int p);

/* ---------------------------------------------------------------------------------- */
/* hooks.c: the strand mechanisms. The core calls each at one place, named below.       */

/* Run start (model_run, before pools and children): each strand's draws family, time
 * averages, its powers of odds and duration factors, its ramp at day 0 and its next
 * ramp step scheduled; m->strand_stages. Returns 0 or SIM_ENOMEM. */
int hooks__init(model_t *m);
/* enter_stage, last, when bit s of m->strand_stages is set: child id has entered stage
 * s (not at day 0): referrals, places. */
void hooks__on_enter(model_t *m, uint32_t id, int s);
/* leave_stage, when c->swait | c->smark: it stops waiting for places; marks are spent. */
void hooks__on_leave(model_t *m, child_t *c);
/* route, when c->smark: multiplies the strands' odds into m->wbuf (copying the stage's
 * row there first unless `any`); returns whether m->wbuf now holds the weights. */
int hooks__route_odds(model_t *m, const child_t *c, const scn_stage_t *st, int any);
/* start_service, when c->smark: the factor on the stage duration just drawn. */
double hooks__duration_factor(const model_t *m, const child_t *c);
/* pool_set_capacity: strands on pool p with `workers` FTE adjust the workers available
 * (*avail) and the capacity in case weight (*cap). */
void hooks__pool_capacity(const model_t *m, int p, double workers, double *avail,
                          double *cap);
/* on_arrival: is this new child (arrival stream j) averted (thinning the stream)? */
int hooks__arrival_averted(model_t *m, const child_t *c, int j);
/* dispatch: EV_STRAND_STEP (strand k reaches ramp step i) and EV_PLACE_END (a place
 * of strand k ends). */
void hooks__on_strand_step(model_t *m, int k, int i);
void hooks__on_place_end(model_t *m, int k);
/* finish: the strand metrics of the result (rates per year of the window). */
void hooks__finish(model_t *m, double years);
/* model_free: the strands' queues. */
void hooks__free(model_t *m);

/* ---------------------------------------------------------------------------------- */
/* costs.c                                                                              */

/* Period k (0-based) ends now: its costs are the quantities since the last end. */
void costs__close_period(model_t *m, int k);
/* finish: closes the last period and sums the periods into the window's totals. */
void costs__finish(model_t *m);

#endif
