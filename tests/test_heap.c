/* test_heap.c: the event heap (order by time then scheduling order, growth, a hold model
 * against a naive reference, windows of buckets against a reference sort, out of memory
 * while moving a bucket) and the engine on top
 * of it (dispatch order, ties, the stop flag, the `until` boundary, bad times, a failing
 * handler, out of memory mid-run). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sim/heap.h"
#include "sim/mem.h"
#include "sim/rng.h"
#include "sim/sim.h"

/* The minimum through heap_peek, which must not fail here. */
static const sim_event_t *peek(heap_t *h)
{
    const sim_event_t *top = (const sim_event_t *)&top; /* not NULL: peek must set it */
    assert_int_equal(heap_peek(h, &top), 0);
    return top;
}

/* An allocator that fails every request from the fail_at-th on (counting from 1;
 * 0: never), passing the others to the C library. Frees always succeed. */
typedef struct failing {
    long calls;   /* allocation requests so far */
    long fail_at; /* first request to fail; 0: none */
} failing_t;

static void *failing_alloc(void *ud, void *ptr, size_t nsize)
{
    failing_t *f = ud;
    if (nsize == 0) {
        free(ptr);
        return NULL;
    }
    if (f->fail_at > 0 && ++f->calls >= f->fail_at) return NULL;
    return realloc(ptr, nsize);
}

/* ---- heap ---- */

static void heap_empty(void **state)
{
    heap_t h;
    sim_event_t e;
    assert_int_equal(heap_init(&h, 0), 0);
    assert_null(peek(&h));
    assert_int_equal(heap_pop(&h, &e), HEAP_EMPTY);
    assert_int_equal(heap_push(&h, 1.0, 1, 2, 3, 4), 0);
    assert_non_null(peek(&h));
    assert_int_equal(heap_pop(&h, &e), 0);
    assert_true(e.time == 1.0 && e.kind == 1 && e.id == 2 && e.gen == 3 && e.aux == 4);
    assert_int_equal(heap_pop(&h, &e), HEAP_EMPTY);
    heap_free(&h);
}

/* Times drawn from a handful of values so ties are common; popping must give time
 * ascending and, within a time, push order (id is the push index). Capacity hints 0
 * and 1 force many doublings. */
static void heap_order_with_ties(void **state)
{
    static const size_t caps[] = {0, 1, 100000};
    enum { N = 100000 };
    for (size_t c = 0; c < sizeof caps / sizeof caps[0]; c++) {
        heap_t h;
        rng_t r;
        rng_seed(&r, 11, c);
        assert_int_equal(heap_init(&h, caps[c]), 0);
        for (uint32_t i = 0; i < N; i++)
            assert_int_equal(heap_push(&h, (double)(rng_u32(&r) % 50), 0, i, 0, 0), 0);
        assert_int_equal(h.n, N);
        sim_event_t prev, e;
        assert_int_equal(heap_pop(&h, &prev), 0);
        for (int i = 1; i < N; i++) {
            assert_int_equal(heap_pop(&h, &e), 0);
            assert_true(prev.time < e.time || (prev.time == e.time && prev.id < e.id));
            assert_true(e.time != prev.time || e.seq > prev.seq);
            prev = e;
        }
        assert_int_equal(h.n, 0);
        heap_free(&h);
    }
}

/* All at one time: a FIFO. */
static void heap_same_time_is_fifo(void **state)
{
    heap_t h;
    sim_event_t e;
    assert_int_equal(heap_init(&h, 4), 0);
    for (uint32_t i = 0; i < 1000; i++) assert_int_equal(heap_push(&h, 5.0, 0, i, 0, 0), 0);
    for (uint32_t i = 0; i < 1000; i++) {
        assert_int_equal(heap_pop(&h, &e), 0);
        assert_int_equal(e.id, i);
    }
    heap_free(&h);
}

/* A hold model (pop the earliest, push it back later) interleaved with extra pushes and
 * pops, checked step by step against a linear scan for the (time, seq) minimum. */
static void heap_hold_model_vs_naive(void **state)
{
    enum { OPS = 20000, MAXN = 20000 };
    heap_t h;
    rng_t r;
    sim_event_t *ref = malloc(MAXN * sizeof *ref);
    assert_non_null(ref);
    size_t nref = 0;
    uint64_t seq = 0;
    rng_seed(&r, 3, 4);
    assert_int_equal(heap_init(&h, 0), 0);
    double now = 0.0;
    for (int op = 0; op < OPS; op++) {
        uint32_t u = rng_u32(&r) % 10;
        if (nref == 0 || (u < 4 && nref < MAXN)) { /* push */
            double t = now + floor(10.0 * rng_uniform(&r)); /* ties happen */
            assert_int_equal(heap_push(&h, t, 0, (uint32_t)op, 0, 0), 0);
            ref[nref++] = (sim_event_t){.time = t, .seq = seq++, .id = (uint32_t)op};
        } else { /* pop, and with u >= 7 push it back later (hold) */
            size_t best = 0;
            for (size_t i = 1; i < nref; i++)
                if (ref[i].time < ref[best].time ||
                    (ref[i].time == ref[best].time && ref[i].seq < ref[best].seq))
                    best = i;
            sim_event_t e;
            assert_int_equal(heap_pop(&h, &e), 0);
            assert_true(e.time == ref[best].time);
            assert_int_equal(e.id, ref[best].id);
            ref[best] = ref[--nref];
            now = e.time;
            if (u >= 7) {
                double t = now - log(rng_uniform(&r));
                assert_int_equal(heap_push(&h, t, 0, e.id, 0, 0), 0);
                ref[nref++] = (sim_event_t){.time = t, .seq = seq++, .id = e.id};
            }
        }
        assert_int_equal(h.n, nref);
    }
    heap_free(&h);
    free(ref);
}

/* ---- windowed event set against a reference sort ---- */

static int cmp_time_seq(const void *pa, const void *pb)
{
    const sim_event_t *a = pa, *b = pb;
    if (a->time != b->time) return a->time < b->time ? -1 : 1;
    return (a->seq > b->seq) - (a->seq < b->seq);
}

/* A time at or after now, from a mix: exact ties (now itself, and a few grid values),
 * the dense near future, clusters far tighter than one sorting slot, and the far
 * future (beyond every bucket when the width is tiny: such events wait in the heap). */
static double mixed_time(rng_t *r, double now)
{
    switch (rng_u32(r) % 8) {
    case 0: return now;
    case 1: return now + (double)(rng_u32(r) % 4);
    case 2: return now + 0.001 * rng_uniform(r);
    case 3: return floor(now) + 1.0 + 1e-12 * (double)(rng_u32(r) % 1000);
    case 4: return now + 1e6 * rng_uniform(r);
    case 5: return now + 1e9;
    default: return now - 3.0 * log(rng_uniform(r));
    }
}

/* Pushes and pops interleaved (pushes never before the last pop, as in a run), with
 * windows of several widths, including one so narrow that the far future overflows
 * the buckets: everything popped must be exactly the (time, seq) sort of everything
 * pushed. seq is the push index, so ties must leave in push order. */
static void heap_window_pops_in_reference_order(void **state)
{
    static const double widths[] = {0, 1e-9, 0.01, 1.0, 1000.0};
    enum { N = 60000 };
    sim_event_t *pushed = malloc(N * sizeof *pushed), *popped = malloc(N * sizeof *popped);
    assert_non_null(pushed);
    assert_non_null(popped);
    for (size_t w = 0; w < sizeof widths / sizeof widths[0]; w++) {
        heap_t h;
        rng_t r;
        rng_seed(&r, 77, w);
        assert_int_equal(heap_init(&h, 0), 0);
        if (widths[w] > 0) assert_int_equal(heap_set_window(&h, widths[w]), 0);
        size_t np = 0, nq = 0;
        double now = 0;
        while (nq < N) {
            int push = np < N && (np == nq || rng_u32(&r) % 16 < 9);
            if (push) {
                double t = mixed_time(&r, now);
                assert_int_equal(heap_push(&h, t, 0, (uint32_t)np, 0, 0), 0);
                pushed[np] = (sim_event_t){.time = t, .seq = np, .id = (uint32_t)np};
                np++;
            } else {
                const sim_event_t *top = peek(&h);
                assert_non_null(top);
                sim_event_t e = *top, f;
                assert_int_equal(heap_pop(&h, &f), 0);
                assert_true(f.time == e.time && f.id == e.id); /* pop takes what peek saw */
                assert_int_equal(f.seq, f.id);
                popped[nq++] = f;
                now = f.time;
            }
            assert_int_equal(heap_size(&h), np - nq);
        }
        sim_event_t e;
        assert_int_equal(heap_pop(&h, &e), HEAP_EMPTY);
        qsort(pushed, N, sizeof *pushed, cmp_time_seq);
        for (size_t i = 0; i < N; i++) {
            assert_true(popped[i].time == pushed[i].time);
            assert_int_equal(popped[i].id, pushed[i].id);
        }
        heap_free(&h);
    }
    free(pushed);
    free(popped);
}

/* One bucket holding many events at one time and a tight cluster pushed latest-first
 * (both land in one sorting slot): they leave in (time, seq) order. */
static void heap_window_bunched_bucket(void **state)
{
    enum { N = 3000 };
    heap_t h;
    sim_event_t e, prev;
    assert_int_equal(heap_init(&h, 0), 0);
    assert_int_equal(heap_set_window(&h, 1.0), 0);
    for (uint32_t i = 0; i < N; i++) {
        double t = i % 2 ? 7.5 : 7.25 + 1e-12 * (double)(N - i); /* ties, and descending */
        assert_int_equal(heap_push(&h, t, 0, i, 0, 0), 0);
    }
    assert_int_equal(heap_pop(&h, &prev), 0);
    for (uint32_t i = 1; i < N; i++) {
        assert_int_equal(heap_pop(&h, &e), 0);
        assert_true(prev.time < e.time || (prev.time == e.time && prev.seq < e.seq));
        prev = e;
    }
    assert_true(prev.time == 7.5 && prev.id == N - 1);
    heap_free(&h);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Times on and one ulp either side of every bucket boundary k x w, for widths whose
 * reciprocal is inexact (England's horizon / 4096 among them). A bucket's first guess
 * multiplies by 1 / w and is then corrected; a time left in the wrong bucket shows
 * as a tie leaving out of scheduling order. So each time is pushed twice: once at the
 * start (shuffled, into buckets far ahead), and again once the pops come within a
 * window of it (into the heap or the next bucket): the first copy must leave first. */
static void heap_window_boundaries(void **state)
{
    static const double widths[] = {0.1, 1.0 / 3.0, 3652.0 / 4096.0, 7.0e-3};
    enum { K = 1500, N = 3 * K };
    double *t = malloc(N * sizeof *t), *u = malloc(N * sizeof *u);
    assert_non_null(t);
    assert_non_null(u);
    for (size_t w = 0; w < sizeof widths / sizeof widths[0]; w++) {
        for (int k = 0; k < K; k++) {
            double b = (double)(k + 2) * widths[w];
            t[3 * k] = nextafter(b, 0);
            t[3 * k + 1] = b;
            t[3 * k + 2] = nextafter(b, INFINITY);
        }
        memcpy(u, t, N * sizeof *u); /* u sorted: the second copies, in time order */
        qsort(u, N, sizeof *u, cmp_double);
        rng_t r;
        rng_seed(&r, 5, w);
        for (int i = N - 1; i > 0; i--) { /* Fisher-Yates */
            int j = (int)(rng_u32(&r) % (uint32_t)(i + 1));
            double x = t[i];
            t[i] = t[j];
            t[j] = x;
        }
        heap_t h;
        assert_int_equal(heap_init(&h, 0), 0);
        assert_int_equal(heap_set_window(&h, widths[w]), 0);
        for (int i = 0; i < N; i++) assert_int_equal(heap_push(&h, t[i], 0, 1, 0, 0), 0);
        int j = 0, popped = 0, second = 0;
        double last = -1;
        uint64_t last_seq = 0;
        sim_event_t e;
        while (heap_pop(&h, &e) == 0) {
            /* (time, seq) order: later, or the same time and scheduled later */
            assert_true(e.time > last || (e.time == last && e.seq > last_seq));
            last = e.time;
            last_seq = e.seq;
            popped++;
            for (; j < N && u[j] < e.time + widths[w]; j++)
                if (u[j] >= e.time) {
                    assert_int_equal(heap_push(&h, u[j], 0, 2, 0, 0), 0);
                    second++;
                }
        }
        assert_int_equal(popped, N + second);
        assert_true(second > N / 2);
        heap_free(&h);
    }
    free(t);
    free(u);
}

/* ---- engine ---- */

typedef struct trace {
    int n;             /* events seen */
    double time[64];   /* s->now at each dispatch */
    uint32_t id[64];   /* ev->id at each dispatch */
    uint32_t stop_at;  /* id that sets the stop flag (UINT32_MAX: none) */
    uint32_t spawn_at; /* id whose dispatch schedules ids 100, 101 at now (UINT32_MAX: none) */
} trace_t;

static void record(sim_t *s, const sim_event_t *ev, void *ud)
{
    trace_t *tr = ud;
    assert_true(s->now == ev->time);
    tr->time[tr->n] = s->now;
    tr->id[tr->n++] = ev->id;
    if (ev->id == tr->stop_at) sim_stop(s);
    if (ev->id == tr->spawn_at) {
        sim_schedule(s, s->now, 0, 100, 0, 0);
        sim_schedule(s, s->now, 0, 101, 0, 0);
    }
}

static void sim_dispatch_order(void **state)
{
    static const double at[] = {5.0, 1.0, 3.0, 2.0, 4.0, 0.0};
    static const uint32_t want[] = {5, 1, 3, 2, 4, 0}; /* ids by time */
    trace_t tr = {.stop_at = UINT32_MAX, .spawn_at = UINT32_MAX};
    sim_t s;
    assert_int_equal(sim_init(&s, 0, record, &tr), 0);
    for (uint32_t i = 0; i < 6; i++) assert_int_equal(sim_schedule(&s, at[i], 0, i, 0, 0), 0);
    assert_int_equal(sim_run(&s, 10.0), 0);
    assert_int_equal(tr.n, 6);
    for (int i = 0; i < 6; i++) {
        assert_int_equal(tr.id[i], want[i]);
        assert_true(tr.time[i] == (double)i);
    }
    assert_int_equal(s.events, 6);
    assert_true(s.now == 10.0);
    sim_free(&s);
}

/* Equal times fire in scheduling order, and events a handler schedules at `now` come
 * after those already pending at that time. */
static void sim_tie_break_by_scheduling_order(void **state)
{
    trace_t tr = {.stop_at = UINT32_MAX, .spawn_at = 1};
    sim_t s;
    assert_int_equal(sim_init(&s, 2, record, &tr), 0);
    assert_int_equal(sim_schedule(&s, 2.0, 0, 3, 0, 0), 0);
    assert_int_equal(sim_schedule(&s, 1.0, 0, 0, 0, 0), 0);
    assert_int_equal(sim_schedule(&s, 1.0, 0, 1, 0, 0), 0);
    assert_int_equal(sim_schedule(&s, 1.0, 0, 2, 0, 0), 0);
    assert_int_equal(sim_run(&s, 3.0), 0);
    static const uint32_t want[] = {0, 1, 2, 100, 101, 3};
    assert_int_equal(tr.n, 6);
    for (int i = 0; i < 6; i++) assert_int_equal(tr.id[i], want[i]);
    sim_free(&s);
}

/* A handler setting stop ends the run right after its event, with the clock at that
 * event and the rest pending; while stop stays set, sim_run does nothing. */
static void sim_stop_flag(void **state)
{
    trace_t tr = {.stop_at = 2, .spawn_at = UINT32_MAX};
    sim_t s;
    assert_int_equal(sim_init(&s, 0, record, &tr), 0);
    for (uint32_t i = 0; i < 5; i++) assert_int_equal(sim_schedule(&s, i + 1.0, 0, i, 0, 0), 0);
    assert_int_equal(sim_run(&s, 100.0), 0);
    assert_int_equal(tr.n, 3);
    assert_true(s.now == 3.0);
    assert_int_equal(s.events, 3);
    assert_int_equal(s.heap.n, 2);
    assert_int_equal(sim_run(&s, 100.0), 0);
    assert_int_equal(tr.n, 3);
    sim_resume(&s);
    assert_int_equal(sim_run(&s, 100.0), 0);
    assert_int_equal(tr.n, 5);
    assert_true(s.now == 100.0);
    sim_free(&s);
}

/* An event exactly at `until` fires; later ones stay pending and fire in a later run. */
static void sim_until_keeps_later_events(void **state)
{
    trace_t tr = {.stop_at = UINT32_MAX, .spawn_at = UINT32_MAX};
    sim_t s;
    assert_int_equal(sim_init(&s, 0, record, &tr), 0);
    assert_int_equal(sim_schedule(&s, 1.0, 0, 0, 0, 0), 0);
    assert_int_equal(sim_schedule(&s, 2.0, 0, 1, 0, 0), 0);
    assert_int_equal(sim_schedule(&s, nextafter(2.0, 3.0), 0, 2, 0, 0), 0);
    assert_int_equal(sim_schedule(&s, 7.0, 0, 3, 0, 0), 0);
    assert_int_equal(sim_run(&s, 2.0), 0);
    assert_int_equal(tr.n, 2);
    assert_true(s.now == 2.0);
    assert_int_equal(s.heap.n, 2);
    assert_int_equal(sim_run(&s, 5.0), 0);
    assert_int_equal(tr.n, 3);
    assert_true(s.now == 5.0);
    assert_int_equal(sim_run(&s, 1.0), 0); /* the clock never goes back */
    assert_true(s.now == 5.0);
    assert_int_equal(tr.n, 3);
    assert_int_equal(sim_run(&s, INFINITY), 0);
    assert_int_equal(tr.n, 4);
    assert_true(tr.time[3] == 7.0);
    sim_free(&s);
}

/* Scheduling in the past or at NaN is refused, recorded, and fails the run. */
static void sim_bad_times(void **state)
{
    static const double bad[] = {0.5, NAN, -INFINITY};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        trace_t tr = {.stop_at = UINT32_MAX, .spawn_at = UINT32_MAX};
        sim_t s;
        assert_int_equal(sim_init(&s, 0, record, &tr), 0);
        assert_int_equal(sim_schedule(&s, 1.0, 0, 0, 0, 0), 0);
        assert_int_equal(sim_run(&s, 1.0), 0);
        assert_int_equal(sim_schedule(&s, bad[k], 0, 1, 0, 0), -2);
        assert_int_equal(s.err, -2);
        assert_int_equal(SIM_ETIME, -2);
        assert_int_equal(s.heap.n, 0);
        assert_int_equal(sim_schedule(&s, 2.0, 0, 2, 0, 0), 0);
        assert_int_equal(sim_run(&s, 3.0), -2);
        assert_int_equal(tr.n, 1);
        sim_free(&s);
    }
}

/* Defect 2 of issue 9: with a window, events far ahead wait in buckets; moving a
 * bucket into the empty heap allocates. When that fails, heap_peek and heap_pop must
 * say so (the old heap_peek returned NULL, as if the heap were empty) and leave every
 * event in place, so that a later try pops them all in order. */
static void heap_bucket_move_out_of_memory(void **state)
{
    enum { N = 100 };
    heap_t h;
    sim_event_t e;
    const sim_event_t *top;
    failing_t f = {0, 0};
    assert_int_equal(heap_init(&h, 4), 0);
    assert_int_equal(heap_set_window(&h, 1.0), 0);
    for (uint32_t i = 0; i < N; i++) /* all in bucket 5: more than the heap's 4 slots */
        assert_int_equal(heap_push(&h, 5.0 + i / (2.0 * N), 0, i, 0, 0), 0);
    assert_int_equal(h.n, 0);
    assert_int_equal(heap_size(&h), N);
    mem_set_allocator(failing_alloc, &f);
    f.fail_at = 1; /* the heap's growth, the first request */
    top = &e;
    assert_int_equal(heap_peek(&h, &top), SIM_ENOMEM);
    assert_null(top);
    assert_int_equal(heap_pop(&h, &e), SIM_ENOMEM);
    assert_int_equal(heap_size(&h), N);
    mem_set_allocator(NULL, NULL);
    for (uint32_t i = 0; i < N; i++) {
        assert_int_equal(heap_pop(&h, &e), 0);
        assert_int_equal(e.id, i);
    }
    assert_int_equal(heap_pop(&h, &e), HEAP_EMPTY);
    heap_free(&h);
}

/* The same inside a run: sim_run must end with SIM_ENOMEM, not 0 as if the run were
 * over (defect 2: an out-of-memory silently ended a replication early with exit 0).
 * The second case fails while the handler peeks at the next event (sim_peek). */
static void peek_next(sim_t *s, const sim_event_t *ev, void *ud)
{
    (void)ev;
    int *n = ud;
    (*n)++;
    (void)sim_peek(s);
}

static void sim_run_out_of_memory_moving_bucket(void **state)
{
    for (int in_handler = 0; in_handler < 2; in_handler++) {
        int n = 0;
        failing_t f = {0, 0};
        sim_t s;
        assert_int_equal(sim_init(&s, 4, peek_next, &n), 0);
        assert_int_equal(sim_set_window(&s, 1.0), 0);
        if (in_handler) assert_int_equal(sim_schedule(&s, 0.5, 0, 999, 0, 0), 0);
        for (uint32_t i = 0; i < 100; i++)
            assert_int_equal(sim_schedule(&s, 5.0 + i / 200.0, 0, i, 0, 0), 0);
        mem_set_allocator(failing_alloc, &f);
        f.fail_at = 1;
        int rc = sim_run(&s, 10.0);
        mem_set_allocator(NULL, NULL);
        assert_int_equal(rc, SIM_ENOMEM);
        assert_int_equal(s.err, SIM_ENOMEM);
        assert_int_equal(n, in_handler); /* the far events never ran */
        assert_int_equal(s.events, (uint64_t)in_handler);
        assert_string_equal(sim_strerror(rc), "out of memory");
        sim_free(&s);
    }
}

/* A handler ends the run with an error through sim_fail: the first code is kept. */
static void fail_at_two(sim_t *s, const sim_event_t *ev, void *ud)
{
    int *n = ud;
    (*n)++;
    if (ev->id == 2) {
        sim_fail(s, SIM_ETIME);
        sim_fail(s, SIM_ENOMEM); /* a second error does not replace the first */
    }
}

static void sim_fail_ends_run_with_code(void **state)
{
    int n = 0;
    sim_t s;
    assert_int_equal(sim_init(&s, 0, fail_at_two, &n), 0);
    for (uint32_t i = 0; i < 5; i++) assert_int_equal(sim_schedule(&s, i + 1.0, 0, i, 0, 0), 0);
    assert_int_equal(sim_run(&s, 100.0), SIM_ETIME);
    assert_int_equal(n, 3);
    assert_true(s.now == 3.0);
    assert_int_equal(sim_run(&s, 100.0), SIM_ETIME); /* an error is final */
    assert_int_equal(n, 3);
    sim_free(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(heap_empty),
        cmocka_unit_test(heap_order_with_ties),
        cmocka_unit_test(heap_same_time_is_fifo),
        cmocka_unit_test(heap_hold_model_vs_naive),
        cmocka_unit_test(heap_window_pops_in_reference_order),
        cmocka_unit_test(heap_window_bunched_bucket),
        cmocka_unit_test(heap_window_boundaries),
        cmocka_unit_test(sim_dispatch_order),
        cmocka_unit_test(sim_tie_break_by_scheduling_order),
        cmocka_unit_test(sim_stop_flag),
        cmocka_unit_test(sim_until_keeps_later_events),
        cmocka_unit_test(sim_bad_times),
        cmocka_unit_test(heap_bucket_move_out_of_memory),
        cmocka_unit_test(sim_run_out_of_memory_moving_bucket),
        cmocka_unit_test(sim_fail_ends_run_with_code),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
