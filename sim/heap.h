/* heap.h: the event list, one contiguous array kept as an implicit d-ary min-heap.
 *
 * Invariant: every event is ordered by (time, seq); seq is a counter the heap assigns
 * at push, so events with equal times pop in the order they were scheduled (like
 * libuv's start_id). No allocation per event: the array grows by doubling only when
 * full, so a run's memory follows the number of pending events, not simulated time.
 * Cancellation is the caller's: store a generation in the event and skip stale ones
 * when they pop (never remove from the middle). */
#ifndef SIM_HEAP_H
#define SIM_HEAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct sim_event {
    double time;   /* when it fires (days) */
    uint64_t seq;  /* tie-break: scheduling order, assigned by heap_push */
    uint32_t kind; /* caller's event type */
    uint32_t id;   /* caller's subject (e.g. an entity index) */
    uint32_t gen;  /* caller's generation, to recognise cancelled events */
    uint32_t aux;  /* caller's spare word */
} sim_event_t;

typedef struct heap {
    sim_event_t *ev;   /* private: the array, ev[0] is the minimum */
    size_t n;          /* read-only: events held */
    size_t cap;        /* private: allocated slots */
    uint64_t next_seq; /* private: next sequence number */
} heap_t;

/* Returns 0, or -1 with nothing allocated. cap is a hint (0 allowed). */
int heap_init(heap_t *h, size_t cap);
void heap_free(heap_t *h);
/* Returns 0, or -1 (no memory: the heap is unchanged). */
int heap_push(heap_t *h, double time, uint32_t kind, uint32_t id, uint32_t gen, uint32_t aux);
/* Removes the minimum into *out; returns 0, or -1 when empty. */
int heap_pop(heap_t *h, sim_event_t *out);
/* The minimum, or NULL when empty. */
static inline const sim_event_t *heap_peek(const heap_t *h) { return h->n ? &h->ev[0] : NULL; }

#endif
