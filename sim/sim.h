/* sim.h: the discrete-event engine: a clock, the event list and a dispatch loop.
 * It knows nothing of what the events mean: the caller gives one handler and a
 * context pointer when it creates the engine.
 *
 * The loop (sim_run) is four phases: pop the earliest event, advance the clock to it,
 * dispatch it to the handler, check for the end. Simulated time moves only by popping
 * events; the engine never reads the wall clock.
 *
 * Failure: functions return 0 or a negative SIM_E* code (sim/err.h). A run ends early
 * with an error when scheduling fails (SIM_ENOMEM, SIM_ETIME), when moving events
 * into the heap fails (SIM_ENOMEM), or when a handler calls sim_fail; the first error
 * is kept and sim_run returns it. A handler never writes the engine's fields: it
 * calls sim_stop or sim_fail. */
#ifndef SIM_SIM_H
#define SIM_SIM_H

#include "sim/err.h"
#include "sim/heap.h"

typedef struct sim sim_t;
typedef void (*sim_handler_fn)(sim_t *s, const sim_event_t *ev, void *ud);

struct sim {
    double now;             /* read-only: the clock (days) */
    heap_t heap;            /* private: pending events */
    uint64_t events;        /* read-only: events dispatched so far */
    sim_handler_fn handler; /* private: called for each event */
    void *ud;               /* private: handler's context */
    int stop;               /* read-only: set by sim_stop, cleared by sim_resume;
                             * sim_run returns at once while it is set */
    int err;                /* read-only: the first error (a SIM_E* code), 0 if none;
                             * set by a failed schedule, a failed pop or sim_fail; ends
                             * sim_run, which returns it */
};

/* Returns 0, or SIM_ENOMEM (nothing to free). */
int sim_init(sim_t *s, size_t cap_hint, sim_handler_fn handler, void *ud);
void sim_free(sim_t *s);

/* Keeps events beyond a moving window of this width (in days) out of the heap, in
 * buckets (heap_set_window): for runs with many events pending far ahead. Call before
 * scheduling anything. Returns 0, or SIM_EINVAL (bad width, or events already
 * scheduled). */
int sim_set_window(sim_t *s, double width);

/* A handler ends the run with an error: sim_run returns `code` (a negative SIM_E*)
 * right after the current event. Only the first error is kept. */
void sim_fail(sim_t *s, int code);

/* The next event that sim_run would dispatch, or NULL: a handler may look at it, for
 * instance to prefetch the memory it will touch. Do not keep the pointer. NULL also
 * when the next events could not be moved into the heap: that is recorded as
 * SIM_ENOMEM in s->err and the run ends after the current event. Inline: a model may
 * call it once per event. */
static inline const sim_event_t *sim_peek(sim_t *s)
{
    const sim_event_t *top;
    int rc = heap_peek(&s->heap, &top);
    if (rc != 0) sim_fail(s, rc);
    return top;
}

/* An event likely to be dispatched about k events from now, or NULL: only a hint
 * (heap_hint), for a handler to prefetch further ahead than sim_peek. */
static inline const sim_event_t *sim_hint(const sim_t *s, size_t k)
{
    return heap_hint(&s->heap, k);
}

/* Schedules an event at absolute time `at` (at >= now). Returns 0, or SIM_ENOMEM or
 * SIM_ETIME (`at` is NaN or before now); on error nothing is scheduled and the code is
 * also recorded in s->err, so handlers may ignore the return and the run fails.
 * Inline (with heap_push's common case): handlers schedule on every event. */
static inline int sim_schedule(sim_t *s, double at, uint32_t kind, uint32_t id, uint32_t gen,
                               uint32_t aux)
{
    int rc = SIM_ETIME;
    if (at >= s->now) /* false for NaN too */
        rc = heap_push(&s->heap, at, kind, id, gen, aux);
    if (rc != 0) sim_fail(s, rc);
    return rc;
}

/* A handler ends the run without an error: sim_run returns right after the current
 * event, and at once on later calls until sim_resume. */
void sim_stop(sim_t *s);
/* Clears a sim_stop (not an error): the next sim_run goes on from the pending events. */
void sim_resume(sim_t *s);

/* Dispatches events in (time, seq) order while the earliest is at time <= until, then
 * leaves the clock at `until` (events after it stay pending; the clock never moves
 * back). After sim_stop or an error, returns right after that event with the clock at
 * its time. Returns 0, or s->err. */
int sim_run(sim_t *s, double until);

#endif
