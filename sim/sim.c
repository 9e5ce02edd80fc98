/* sim.c: the dispatch loop. The clock only moves forward, and only to the time of the
 * event being dispatched (or to `until` when sim_run finishes); events are never freed
 * or relinked during dispatch, so a handler may schedule anything at or after `now`.
 * Every error ends the run through one place (sim_fail), which keeps the first. */
#include "sim/sim.h"

int sim_init(sim_t *s, size_t cap_hint, sim_handler_fn handler, void *ud)
{
    s->now = 0.0;
    s->events = 0;
    s->handler = handler;
    s->ud = ud;
    s->stop = 0;
    s->err = 0;
    return heap_init(&s->heap, cap_hint);
}

void sim_free(sim_t *s)
{
    heap_free(&s->heap);
}

void sim_fail(sim_t *s, int code)
{
    if (s->err == 0 && code < 0) s->err = code;
}

void sim_stop(sim_t *s)
{
    s->stop = 1;
}

void sim_resume(sim_t *s)
{
    s->stop = 0;
}

int sim_set_window(sim_t *s, double width)
{
    return heap_set_window(&s->heap, width);
}


int sim_run(sim_t *s, double until)
{
    sim_event_t ev;
    const sim_event_t *top;
    if (s->stop || s->err) return s->err;
    for (;;) {
        int rc = heap_peek(&s->heap, &top);
        if (rc != 0) {                            /* events pending but out of reach */
            sim_fail(s, rc);
            return s->err;
        }
        if (!top || !(top->time <= until)) break; /* later events stay pending */
        heap__take(&s->heap, top, &ev);           /* pop what was peeked */
        s->now = ev.time;                         /* advance the clock */
        s->events++;
        s->handler(s, &ev, s->ud);                /* dispatch */
        if (s->stop || s->err) return s->err;     /* end early: clock stays at ev.time */
    }
    if (until > s->now) s->now = until;
    return s->err;
}
