/* heap.h: the event list, one contiguous array kept as an implicit d-ary min-heap.
 *
 * Invariant: every event is ordered by (time, seq); seq is a counter the heap assigns
 * at push, so events with equal times pop in the order they were scheduled (like
 * libuv's start_id). No allocation per event: the array grows by doubling only when
 * full, so a run's memory follows the number of pending events, not simulated time.
 * Cancellation is the caller's: store a generation in the event and skip stale ones
 * when they pop (never remove from the middle).
 *
 * Far future (optional, heap_set_window): with a window width w > 0, only events
 * before the end of the current window, wend = (b + 1) w, are in the heap; an event
 * at time t >= wend is appended, unsorted, to bucket floor(t / w). When the heap runs
 * dry the next non-empty bucket becomes the window and its events enter the heap. So
 * the heap stays the size of one window's events (cache-resident) however many events
 * are pending further ahead, and the pop order is exactly the same (time, seq) order.
 *
 * Failure: functions return 0 or a negative SIM_E* code (sim/err.h). Out of memory
 * (SIM_ENOMEM) leaves the heap as it was, so the caller may free it or try again;
 * moving a bucket into the heap allocates too, so heap_peek and heap_pop can fail. All
 * memory comes from sim/mem.h. */
#ifndef SIM_HEAP_H
#define SIM_HEAP_H

#include <stddef.h>
#include <stdint.h>

#include "sim/err.h"

typedef struct sim_event {
    double time;   /* when it fires (days) */
    uint64_t seq;  /* tie-break: scheduling order, assigned by heap_push */
    uint32_t kind; /* caller's event type */
    uint32_t id;   /* caller's subject (e.g. an entity index) */
    uint32_t gen;  /* caller's generation, to recognise cancelled events */
    uint32_t aux;  /* caller's spare word */
} sim_event_t;

typedef struct heap_bucket {
    sim_event_t *ev; /* unsorted events of one window-width of time */
    size_t n;        /* events in ev */
    size_t cap;      /* slots allocated in ev */
} heap_bucket_t;

typedef struct heap {
    sim_event_t *ev;   /* private: the array, ev[0] is the minimum */
    size_t n;          /* read-only: events in the heap (not counting buckets) */
    size_t cap;        /* private: allocated slots */
    uint64_t next_seq; /* private: next sequence number */
    double width;      /* private: window width, 0 when there are no buckets */
    double wend;       /* private: end of the current window (INFINITY without) */
    size_t wcur;       /* private: bucket index of the current window */
    heap_bucket_t *bk; /* private: buckets by index floor(time / width) */
    size_t nbk;        /* private: buckets allocated */
    size_t pending;    /* private: events waiting in buckets */
} heap_t;

#define HEAP_EMPTY 1 /* heap_pop: nothing to pop (not an error) */

/* Returns 0, or SIM_ENOMEM with nothing allocated. cap is a hint (0 allowed). */
int heap_init(heap_t *h, size_t cap);
void heap_free(heap_t *h);
/* Returns 0, or SIM_ENOMEM (the heap is unchanged). */
int heap_push(heap_t *h, double time, uint32_t kind, uint32_t id, uint32_t gen, uint32_t aux);
/* Removes the minimum into *out; returns 0, HEAP_EMPTY, or SIM_ENOMEM (the next
 * bucket could not be moved into the heap: nothing removed, the heap unchanged). */
int heap_pop(heap_t *h, sim_event_t *out);
/* Moves the next non-empty bucket into the empty heap: 0 or SIM_ENOMEM (unchanged).
 * Shared-internal: for heap_peek below. */
int heap__next_window(heap_t *h);
/* Sets *top to the minimum, or NULL when empty (this may move the next bucket into the
 * heap). Returns 0, or SIM_ENOMEM with *top NULL and the heap unchanged: an empty-looking
 * heap that still holds events must not end a run as if it were done. Inline: the
 * engine calls it once per event. */
static inline int heap_peek(heap_t *h, const sim_event_t **top)
{
    int rc = 0;
    if (h->n == 0 && h->pending > 0) rc = heap__next_window(h);
    *top = h->n ? &h->ev[0] : NULL;
    return rc;
}
/* Events held, in the heap and in buckets. */
static inline size_t heap_size(const heap_t *h) { return h->n + h->pending; }
/* Keeps events later than the current window of this width (> 0) in buckets; call
 * while the heap is empty. Returns 0, or SIM_EINVAL (bad width, or events already
 * held; nothing changed). */
int heap_set_window(heap_t *h, double width);

#endif
