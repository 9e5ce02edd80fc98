/* heap.c: the event list as an implicit 4-ary min-heap in one contiguous array, with
 * far-future buckets and the current bucket sorted into a run (heap.h).
 *
 * Invariant: for every i > 0, ev[(i - 1) / 4] comes no later than ev[i] in the order
 * (time, seq), so ev[0] is the earliest event. seq is unique (a counter assigned by
 * heap_push), so the order is total and events with equal times leave in the order
 * they were scheduled. The array only grows (doubling when full); heap_free releases it.
 * All memory comes from sim/mem.h; an allocation that fails changes nothing.
 *
 * Why 4-ary: on a hold model (1e7 pop + push pairs, exponential increments, gcc -O2,
 * x86-64) it tied with a binary heap up to 1e5 pending events and was about 10% faster
 * at 1e6: sift-down does half as many levels, and a node's four children (32-byte
 * events) span only two or three cache lines. Build with -DHEAP_ARITY=2 to compare. */
#include "sim/heap.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/mem.h"

#ifndef HEAP_ARITY
#define HEAP_ARITY 4 /* children per node (benchmarked, see above; heap_push in heap.h
                      * sifts up with 4 too) */
#endif
_Static_assert(HEAP_ARITY == 4, "heap_push (heap.h) sifts up a 4-ary heap");

#define HEAP_MAX_BUCKETS ((size_t)1 << 24) /* beyond: events go straight to the heap */

/* a fires before b: earlier time, or the same time and scheduled earlier. */
static inline int before(const sim_event_t *a, const sim_event_t *b)
{
    return a->time < b->time || (a->time == b->time && a->seq < b->seq);
}

int heap_init(heap_t *h, size_t cap)
{
    memset(h, 0, sizeof *h);
    h->wend = INFINITY;
    h->n = 0;
    h->next_seq = 0;
    h->cap = cap ? cap : 64;
    h->ev = mem_reallocarray(NULL, h->cap, sizeof *h->ev);
    if (!h->ev) {
        h->cap = 0;
        return SIM_ENOMEM;
    }
    return 0;
}

void heap_free(heap_t *h)
{
    mem_free(h->ev);
    mem_free(h->run);
    mem_free(h->cnt);
    for (size_t b = 0; b < h->nbk; b++) mem_free(h->bk[b].ev);
    mem_free(h->bk);
    memset(h, 0, sizeof *h);
    h->wend = INFINITY;
}

static int grow(heap_t *h)
{
    size_t cap = h->cap ? 2 * h->cap : 64;
    sim_event_t *ev = mem_reallocarray(h->ev, cap, sizeof *ev);
    if (!ev) return SIM_ENOMEM;
    h->ev = ev;
    h->cap = cap;
    return 0;
}

/* Sift e up from a new last slot (there is room). */
static void sift_up(heap_t *h, sim_event_t e)
{
    /* Sift up: move parents down into the hole until e's place is found. */
    size_t i = h->n++;
    while (i > 0) {
        size_t parent = (i - 1) / HEAP_ARITY;
        if (!before(&e, &h->ev[parent])) break;
        h->ev[i] = h->ev[parent];
        i = parent;
    }
    h->ev[i] = e;
}

/* The bucket of a time t >= wend: floor(t / width), corrected so that bucket b holds
 * exactly the times in [b width, (b + 1) width) as the window ends compute them. */
static size_t bucket_of(const heap_t *h, double t)
{
    /* the first guess may be one off (t x 1/width is not t / width rounded, and the
     * cast truncates: t >= wend > 0); the two loops below make it exact */
    double q = t * h->inv_width;
    if (!(q < (double)HEAP_MAX_BUCKETS)) return HEAP_MAX_BUCKETS;
    size_t b = (size_t)q;
    if (b <= h->wcur) b = h->wcur + 1;
    while (b > h->wcur + 1 && t < (double)b * h->width) b--;
    while (t >= (double)(b + 1) * h->width) b++;
    return b;
}

static int bucket_append(heap_t *h, size_t b, sim_event_t e)
{
    if (b >= h->nbk) {
        size_t nb = h->nbk ? h->nbk : 64;
        while (nb <= b) nb *= 2;
        heap_bucket_t *bk = mem_reallocarray(h->bk, nb, sizeof *bk);
        if (!bk) return SIM_ENOMEM;
        memset(bk + h->nbk, 0, (nb - h->nbk) * sizeof *bk);
        h->bk = bk;
        h->nbk = nb;
    }
    heap_bucket_t *k = &h->bk[b];
    if (k->n == k->cap) {
        size_t cap = k->cap ? 2 * k->cap : 8; /* most buckets stay small */
        sim_event_t *ev = mem_reallocarray(k->ev, cap, sizeof *ev);
        if (!ev) return SIM_ENOMEM;
        k->ev = ev;
        k->cap = cap;
    }
    k->ev[k->n++] = e;
    h->pending++;
    return 0;
}

int heap__push(heap_t *h, double time, uint32_t kind, uint32_t id, uint32_t gen, uint32_t aux)
{
    sim_event_t e = {.time = time, .seq = h->next_seq, .kind = kind, .id = id,
                     .gen = gen, .aux = aux};
    if (time >= h->wend) {
        size_t b = bucket_of(h, time);
        if (b < HEAP_MAX_BUCKETS) {
            if (bucket_append(h, b, e) != 0) return SIM_ENOMEM;
            h->next_seq++;
            return 0;
        }
    }
    if (h->n == h->cap && grow(h) != 0) return SIM_ENOMEM;
    h->next_seq++;
    sift_up(h, e);
    return 0;
}

/* (time, seq) order for qsort: seq is unique, so no two events compare equal. */
static int cmp_event(const void *pa, const void *pb)
{
    return before(pa, pb) ? -1 : 1;
}

/* Sorts the n events of ev, whose times lie in [lo, lo + width), into out by (time,
 * seq): a counting sort into k slots by time (slot of t: floor((t - lo) k / width),
 * non-decreasing in t as rounded arithmetic is monotone), then each slot sorted by
 * (time, seq): by insertion when small, else by qsort (so O(n log n) at worst, when
 * times bunch into one slot). cnt has k + 1 slots. */
static void sort_bucket(const sim_event_t *ev, size_t n, double lo, double width,
                        sim_event_t *out, size_t *cnt, size_t k)
{
    double scale = (double)k / width;
    memset(cnt, 0, (k + 1) * sizeof *cnt);
    for (size_t i = 0; i < n; i++) {
        double x = (ev[i].time - lo) * scale;
        size_t s = x > 0 ? (x < (double)k ? (size_t)x : k - 1) : 0;
        cnt[s + 1]++;
    }
    for (size_t s = 1; s <= k; s++) cnt[s] += cnt[s - 1]; /* cnt[s]: start of slot s */
    for (size_t i = 0; i < n; i++) {
        double x = (ev[i].time - lo) * scale;
        size_t s = x > 0 ? (x < (double)k ? (size_t)x : k - 1) : 0;
        out[cnt[s]++] = ev[i]; /* now cnt[s]: end of slot s */
    }
    size_t start = 0;
    for (size_t s = 0; s < k; s++) {
        size_t end = cnt[s];
        if (end - start > 32) {
            qsort(out + start, end - start, sizeof *out, cmp_event);
        } else {
            for (size_t i = start + 1; i < end; i++) {
                sim_event_t e = out[i];
                size_t j = i;
                while (j > start && before(&e, &out[j - 1])) {
                    out[j] = out[j - 1];
                    j--;
                }
                out[j] = e;
            }
        }
        start = end;
    }
}

/* The run is used up and the heap holds nothing before the window's end: make the next
 * non-empty bucket the window, sorted into the run. Returns 0, or SIM_ENOMEM (the
 * bucket stays where it is). */
int heap__next_window(heap_t *h)
{
    size_t b = h->wcur + 1;
    while (b < h->nbk && h->bk[b].n == 0) b++;
    if (b >= h->nbk) return 0; /* cannot happen while pending > 0 */
    heap_bucket_t *k = &h->bk[b];
    if (h->rcap < k->n) {
        size_t cap = h->rcap ? h->rcap : 64;
        while (cap < k->n) cap *= 2;
        sim_event_t *run = mem_reallocarray(h->run, cap, sizeof *run);
        if (!run) return SIM_ENOMEM;
        h->run = run;
        h->rcap = cap;
    }
    size_t slots = k->n; /* about one event a slot */
    if (h->ccap < slots + 1) {
        size_t cap = h->ccap ? h->ccap : 64;
        while (cap < slots + 1) cap *= 2;
        size_t *cnt = mem_reallocarray(h->cnt, cap, sizeof *cnt);
        if (!cnt) return SIM_ENOMEM;
        h->cnt = cnt;
        h->ccap = cap;
    }
    h->wcur = b;
    h->wend = (double)(b + 1) * h->width;
    sort_bucket(k->ev, k->n, (double)b * h->width, h->width, h->run, h->cnt, slots);
    h->ri = 0;
    h->rn = k->n;
    h->pending -= k->n;
    mem_free(k->ev);
    memset(k, 0, sizeof *k);
    return 0;
}

int heap_set_window(heap_t *h, double width)
{
    if (!(width > 0) || isinf(width) || heap_size(h)) return SIM_EINVAL;
    h->width = width;
    h->inv_width = 1.0 / width;
    h->wcur = 0;
    h->wend = width;
    return 0;
}

int heap_pop(heap_t *h, sim_event_t *out)
{
    const sim_event_t *top;
    int rc = heap_peek(h, &top);
    if (rc != 0) return rc;
    if (!top) return HEAP_EMPTY;
    heap__take(h, top, out);
    return 0;
}

void heap__pop_root(heap_t *h, sim_event_t *out)
{
    *out = h->ev[0];
    size_t n = --h->n;
    if (n == 0) return;
    sim_event_t last = h->ev[n];
    /* Sift down: move the earliest child up into the hole until `last` fits. */
    size_t i = 0;
    for (;;) {
        size_t first = HEAP_ARITY * i + 1;
        if (first >= n) break;
        size_t best = first;
#if HEAP_ARITY == 4
        if (first + 3 < n) { /* all four children: a fixed tournament, no loop */
            const sim_event_t *e = &h->ev[first];
            size_t a = before(&e[1], &e[0]), b = 2 + (size_t)before(&e[3], &e[2]);
            best = first + (before(&e[b], &e[a]) ? b : a);
        } else
#endif
        {
            size_t end = first + HEAP_ARITY < n ? first + HEAP_ARITY : n;
            for (size_t c = first + 1; c < end; c++)
                if (before(&h->ev[c], &h->ev[best])) best = c;
        }
        if (!before(&h->ev[best], &last)) break;
        h->ev[i] = h->ev[best];
        i = best;
    }
    h->ev[i] = last;
}
