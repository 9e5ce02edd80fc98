/* pool.c: see pool.h.
 *
 * Invariant: an index is handed out at most once (atomic_fetch_add on `next`), and
 * only while `stop` is 0; `running` counts threads not yet returned, and a returning
 * thread signals `cv` under `mu` so the main thread wakes at once. */
#include "sim/pool.h"

#include <pthread.h>
#include <time.h>

#include "sim/err.h"
#include "sim/mem.h"
#include "sim/progress.h"
#include "sim/signals.h"

typedef struct shared {
    const pool_task_t *t;  /* the task, read-only */
    atomic_int next;       /* the next index to hand out */
    atomic_int done;       /* jobs that returned >= 0 */
    atomic_int running;    /* threads not yet returned */
    atomic_int stop;       /* 1: hand out no more */
    atomic_int stopped;    /* 1: a job returned > 0 */
    atomic_int failed;     /* 1 + the first failed index, or 0 */
    atomic_int code;       /* that job's code */
    pthread_mutex_t mu;    /* with cv: a thread's return wakes the main thread */
    pthread_cond_t cv;     /* (on the monotonic clock) */
} shared_t;

typedef struct worker {
    shared_t *s;           /* the pool's shared state */
    pthread_t tid;         /* this thread */
    atomic_uint progress;  /* the running job's share done, 1/1000ths */
} worker_t;

static void *worker_main(void *arg)
{
    worker_t *w = arg;
    shared_t *s = w->s;
    while (!atomic_load(&s->stop)) {
        int i = atomic_fetch_add(&s->next, 1);
        if (i >= s->t->n)
            break;
        atomic_store(&w->progress, 0);
        int rc = s->t->job(s->t->ctx, i, &w->progress);
        atomic_store(&w->progress, 0);
        if (rc < 0) {
            int none = 0;
            if (atomic_compare_exchange_strong(&s->failed, &none, i + 1))
                atomic_store(&s->code, rc);
            atomic_store(&s->stop, 1);
            break;
        }
        atomic_fetch_add(&s->done, 1);
        if (rc > 0) {
            atomic_store(&s->stopped, 1);
            atomic_store(&s->stop, 1);
            break;
        }
    }
    pthread_mutex_lock(&s->mu);
    atomic_fetch_sub(&s->running, 1);
    pthread_cond_signal(&s->cv);
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

/* Waits up to 100 ms, or until a thread returns; the number still running. */
static int wait_threads(shared_t *s)
{
    pthread_mutex_lock(&s->mu);
    if (atomic_load(&s->running) > 0) {
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_nsec += 100 * 1000 * 1000;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&s->cv, &s->mu, &until);
    }
    int n = atomic_load(&s->running);
    pthread_mutex_unlock(&s->mu);
    return n;
}

int pool_run(const pool_task_t *t, pool_report_t *rep, char *err, size_t errlen)
{
    *rep = (pool_report_t){.failed = -1};
    if (t->n <= 0)
        return 0;
    int threads = t->threads < 1 ? 1 : t->threads > t->n ? t->n : t->threads;
    shared_t s = {.t = t};
    atomic_init(&s.next, 0);
    atomic_init(&s.done, 0);
    atomic_init(&s.running, 0);
    atomic_init(&s.stop, 0);
    atomic_init(&s.stopped, 0);
    atomic_init(&s.failed, 0);
    atomic_init(&s.code, 0);
    pthread_condattr_t ca;
    if (pthread_condattr_init(&ca) != 0)
        return sim_err_set(err, errlen, SIM_ENOMEM, "cannot start the workers: out of memory");
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    int cv_rc = pthread_cond_init(&s.cv, &ca);
    pthread_condattr_destroy(&ca);
    if (cv_rc != 0)
        return sim_err_set(err, errlen, SIM_ENOMEM, "cannot start the workers: out of memory");
    pthread_mutex_init(&s.mu, NULL);

    worker_t *w = mem_calloc((size_t)threads, sizeof *w);
    if (!w) {
        pthread_cond_destroy(&s.cv);
        pthread_mutex_destroy(&s.mu);
        return sim_err_set(err, errlen, SIM_ENOMEM, "out of memory");
    }
    int started = 0, perr = 0;
    for (int i = 0; i < threads; i++) {
        w[i].s = &s;
        atomic_init(&w[i].progress, 0);
        atomic_fetch_add(&s.running, 1);
        if ((perr = pthread_create(&w[i].tid, NULL, worker_main, &w[i])) != 0) {
            atomic_fetch_sub(&s.running, 1);
            break; /* run on the threads we have */
        }
        started++;
    }
    if (started == 0) {
        char buf[128];
        mem_free(w);
        pthread_cond_destroy(&s.cv);
        pthread_mutex_destroy(&s.mu);
        return sim_err_set(err, errlen, SIM_EIO, "cannot start a thread: %s",
                           sim_errno_text(perr, buf, sizeof buf));
    }

    progress_t bar;
    progress_start(&bar, t->what ? t->what : "jobs", t->show_bar);
    while (wait_threads(&s) > 0) {
        if (signals_caught())
            atomic_store(&s.stop, 1);
        if (!bar.enabled)
            continue;
        unsigned long sum = 1000UL * (unsigned long)atomic_load(&s.done);
        for (int i = 0; i < started; i++) {
            unsigned p = atomic_load(&w[i].progress);
            sum += p > 1000 ? 1000 : p;
        }
        progress_draw(&bar, (double)sum / (1000.0 * t->n), atomic_load(&s.done), t->n);
    }
    for (int i = 0; i < started; i++)
        pthread_join(w[i].tid, NULL);
    mem_free(w);
    pthread_cond_destroy(&s.cv);
    pthread_mutex_destroy(&s.mu);
    progress_clear(&bar);

    rep->done = atomic_load(&s.done);
    rep->stopped = atomic_load(&s.stopped);
    rep->threads = started;
    rep->signal = signals_caught();
    if (atomic_load(&s.failed)) {
        rep->failed = atomic_load(&s.failed) - 1;
        rep->code = atomic_load(&s.code);
        return sim_err_set(err, errlen, rep->code, "job %d failed: %s", rep->failed,
                           sim_strerror(rep->code));
    }
    if (rep->signal)
        return sim_err_set(err, errlen, SIM_EINTR, "interrupted by %s",
                           signals_name(rep->signal));
    return 0;
}
