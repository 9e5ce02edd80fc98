/* sim.h: the discrete-event engine: a clock, the event list and a dispatch loop.
 * It knows nothing of what the events mean: the caller gives one handler and a
 * context pointer when it creates the engine.
 *
 * The loop (sim_run) is four phases: pop the earliest event, advance the clock to it,
 * dispatch it to the handler, check for the end. Simulated time moves only by popping
 * events; the engine never reads the wall clock. */
#ifndef SIM_SIM_H
#define SIM_SIM_H

#include "sim/heap.h"

typedef struct sim sim_t;
typedef void (*sim_handler_fn)(sim_t *s, const sim_event_t *ev, void *ud);

struct sim {
    double now;             /* read-only: the clock (days) */
    heap_t heap;            /* private: pending events */
    uint64_t events;        /* read-only: events dispatched so far */
    sim_handler_fn handler; /* private: called for each event */
    void *ud;               /* private: handler's context */
    int stop;               /* public: set non-zero by a handler to end sim_run early;
                             * it stays set (sim_run returns at once) until cleared */
    int err;                /* read-only: first scheduling error (-1: no memory, -2: time
                             * NaN or before now), 0 if none; ends sim_run */
};

/* Returns 0, or -1 (no memory; nothing to free). */
int sim_init(sim_t *s, size_t cap_hint, sim_handler_fn handler, void *ud);
void sim_free(sim_t *s);

/* Keeps events beyond a moving window of this width (in days) out of the heap, in
 * buckets (heap_set_window): for runs with many events pending far ahead. Call before
 * scheduling anything. Returns 0, or -1 (bad width, or events already scheduled). */
int sim_set_window(sim_t *s, double width);

/* The next event that sim_run would dispatch, or NULL: a handler may look at it, for
 * instance to prefetch the memory it will touch. Do not keep the pointer. */
const sim_event_t *sim_peek(sim_t *s);

/* Schedules an event at absolute time `at` (at >= now). Returns 0, or -1 (no memory)
 * or -2 (`at` is NaN or before now); on error nothing is scheduled and the code is also
 * recorded in s->err, so handlers may ignore the return and the run fails. */
int sim_schedule(sim_t *s, double at, uint32_t kind, uint32_t id, uint32_t gen, uint32_t aux);

/* Dispatches events in (time, seq) order while the earliest is at time <= until, then
 * leaves the clock at `until` (events after it stay pending; the clock never moves
 * back). When a handler sets s->stop or a scheduling error occurs, returns right after
 * that event with the clock at its time. Returns 0, or s->err. */
int sim_run(sim_t *s, double until);

#endif
