/* heap.h: the event list: an implicit d-ary min-heap in one contiguous array, and,
 * optionally, far-future buckets with the current one sorted.
 *
 * Invariant: every event is ordered by (time, seq); seq is a counter the heap assigns
 * at push, so events with equal times pop in the order they were scheduled (like
 * libuv's start_id). No allocation per event: the arrays grow by doubling only when
 * full, so a run's memory follows the number of pending events, not simulated time.
 * Cancellation is the caller's: store a generation in the event and skip stale ones
 * when they pop (never remove from the middle).
 *
 * Far future (optional, heap_set_window): with a window width w > 0, an event at time
 * t >= wend, the end of the current window (b + 1) w, is appended, unsorted, to bucket
 * floor(t / w). When the current window is used up, the next non-empty bucket becomes
 * the window: its events are sorted once, in (time, seq) order, into the `run`, which
 * pops from its front in O(1); events pushed into the current window after that go
 * to the heap, and each pop takes the earlier of the run's front and the heap's top.
 * So the heap holds only the events scheduled into the window it is in (few, and
 * cache-resident) however many are pending further ahead, and the pop order is exactly
 * the same (time, seq) order. Sorting a bucket is a counting sort on time into about
 * one slot per event, then each slot sorted by (time, seq): O(n) for spread-out times.
 *
 * Failure: functions return 0 or a negative SIM_E* code (sim/err.h). Out of memory
 * (SIM_ENOMEM) leaves the heap as it was, so the caller may free it or try again;
 * moving a bucket into the run allocates too, so heap_peek and heap_pop can fail. All
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
    size_t n;          /* read-only: events in the heap (not counting buckets or run) */
    size_t cap;        /* private: allocated slots */
    uint64_t next_seq; /* private: next sequence number */
    double width;      /* private: window width, 0 when there are no buckets */
    double inv_width;  /* private: 1 / width, for a bucket's first guess (bucket_of) */
    double wend;       /* private: end of the current window (INFINITY without) */
    size_t wcur;       /* private: bucket index of the current window */
    heap_bucket_t *bk; /* private: buckets by index floor(time / width) */
    size_t nbk;        /* private: buckets allocated */
    size_t pending;    /* private: events waiting in buckets */
    sim_event_t *run;  /* private: the current window's bucket, sorted; run[ri..rn) wait */
    size_t ri;         /* private: next event of run to pop */
    size_t rn;         /* private: events in run */
    size_t rcap;       /* private: slots allocated in run */
    size_t *cnt;       /* private: counts for sorting a bucket, [ccap] */
    size_t ccap;       /* private: slots allocated in cnt */
} heap_t;

#define HEAP_EMPTY 1 /* heap_pop: nothing to pop (not an error) */

/* Returns 0, or SIM_ENOMEM with nothing allocated. cap is a hint (0 allowed). */
int heap_init(heap_t *h, size_t cap);
void heap_free(heap_t *h);
/* The general push (buckets, growth): shared-internal, for heap_push below. */
int heap__push(heap_t *h, double time, uint32_t kind, uint32_t id, uint32_t gen, uint32_t aux);
/* Returns 0, or SIM_ENOMEM (the heap is unchanged). Inline: an event inside the
 * current window with room in the heap is sifted up here (the common case of a short
 * delay), anything else goes through heap__push. */
static inline int heap_push(heap_t *h, double time, uint32_t kind, uint32_t id, uint32_t gen,
                            uint32_t aux)
{
    if (!(time < h->wend) || h->n == h->cap) return heap__push(h, time, kind, id, gen, aux);
    sim_event_t e = {.time = time, .seq = h->next_seq++, .kind = kind, .id = id, .gen = gen,
                     .aux = aux};
    size_t i = h->n++; /* sift up: parents move down into the hole until e fits */
    while (i > 0) {
        size_t parent = (i - 1) / 4; /* HEAP_ARITY (heap.c) */
        const sim_event_t *p = &h->ev[parent];
        if (!(e.time < p->time || (e.time == p->time && e.seq < p->seq))) break;
        h->ev[i] = *p;
        i = parent;
    }
    h->ev[i] = e;
    return 0;
}
/* Removes the minimum into *out; returns 0, HEAP_EMPTY, or SIM_ENOMEM (the next
 * bucket could not be moved into the heap: nothing removed, the heap unchanged). */
int heap_pop(heap_t *h, sim_event_t *out);
/* Moves the next non-empty bucket into the run (the run is used up and the heap holds
 * nothing before the window's end): 0 or SIM_ENOMEM (unchanged). Shared-internal: for
 * heap_peek below. */
int heap__next_window(heap_t *h);
/* The earliest event held in the heap or the run, or NULL. Shared-internal. */
static inline const sim_event_t *heap__min(const heap_t *h)
{
    const sim_event_t *a = h->ri < h->rn ? &h->run[h->ri] : NULL;
    if (h->n == 0) return a;
    const sim_event_t *b = &h->ev[0];
    if (!a || b->time < a->time || (b->time == a->time && b->seq < a->seq)) return b;
    return a;
}
/* Sets *top to the minimum, or NULL when empty (this may move the next bucket into the
 * run). Returns 0, or SIM_ENOMEM with *top NULL and the heap unchanged: an empty-looking
 * heap that still holds events must not end a run as if it were done. Inline: the
 * engine calls it once per event. */
static inline int heap_peek(heap_t *h, const sim_event_t **top)
{
    if (h->pending > 0 && h->ri == h->rn && (h->n == 0 || h->ev[0].time >= h->wend)) {
        int rc = heap__next_window(h);
        if (rc != 0) {
            *top = NULL;
            return rc;
        }
    }
    *top = heap__min(h);
    return 0;
}
/* An event likely to pop soon, about k pops ahead (the k-th next of the run), or NULL:
 * only a hint, to prefetch what it will touch. */
static inline const sim_event_t *heap_hint(const heap_t *h, size_t k)
{
    return h->rn - h->ri > k ? &h->run[h->ri + k] : NULL;
}
/* Removes top, the minimum just returned by heap_peek (not NULL), into *out: the run's
 * front in O(1), or the heap's root (heap__pop_root). Shared-internal: for heap_pop and
 * the engine's loop, which has peeked already. */
void heap__pop_root(heap_t *h, sim_event_t *out);
static inline void heap__take(heap_t *h, const sim_event_t *top, sim_event_t *out)
{
    if (top != h->ev) { /* the run's front */
        *out = *top;
        if (++h->ri == h->rn) h->ri = h->rn = 0;
    } else {
        heap__pop_root(h, out);
    }
}
/* Events held, in the heap, the run and buckets. */
static inline size_t heap_size(const heap_t *h) { return h->n + (h->rn - h->ri) + h->pending; }
/* Keeps events later than the current window of this width (> 0) in buckets; call
 * while the heap is empty. Returns 0, or SIM_EINVAL (bad width, or events already
 * held; nothing changed). */
int heap_set_window(heap_t *h, double width);

#endif
