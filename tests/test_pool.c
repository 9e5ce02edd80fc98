/* test_pool.c: the worker pool (sim/pool.h): every index runs once and its result
 * lands by index whatever the thread count; the first failure is reported and stops
 * the handing out; a job may stop the pool; a signal stops it with SIM_EINTR. */
#include <math.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "sim/err.h"
#include "sim/pool.h"
#include "sim/signals.h"

#define N 200

typedef struct slots {
    double v[N];        /* the result of job i */
    atomic_int runs[N]; /* how often job i ran */
    int fail_at;        /* the job that fails (SIM_ENOMEM), or -1 */
    int stop_at;        /* the job that asks to stop, or -1 */
    int raise_at;       /* the job that raises SIGINT, or -1 */
} slots_t;

static int job(void *ctx, int i, atomic_uint *progress)
{
    slots_t *s = ctx;
    if (i >= N) { /* the signal case: more jobs than slots, each 0.1 ms */
        usleep(100);
        return 0;
    }
    atomic_fetch_add(&s->runs[i], 1);
    atomic_store(progress, 500);
    double x = 0;
    for (int k = 1; k <= 1000 + i; k++) /* some work, different per job */
        x += sin((double)k * i);
    s->v[i] = x;
    if (i == s->fail_at)
        return SIM_ENOMEM;
    if (i == s->stop_at)
        return 1;
    if (i == s->raise_at)
        raise(SIGINT);
    return 0;
}

static void init(slots_t *s)
{
    memset(s, 0, sizeof *s);
    for (int i = 0; i < N; i++)
        atomic_init(&s->runs[i], 0);
    s->fail_at = s->stop_at = s->raise_at = -1;
}

static void results_land_by_index_at_any_thread_count(void **state)
{
    static slots_t one, many;
    pool_report_t rep;
    char err[256];
    init(&one);
    pool_task_t t = {.n = N, .threads = 1, .job = job, .ctx = &one, .what = "jobs"};
    assert_int_equal(pool_run(&t, &rep, err, sizeof err), 0);
    assert_int_equal(rep.done, N);
    assert_int_equal(rep.failed, -1);
    const int counts[] = {2, 3, 7, 1000};
    for (size_t c = 0; c < sizeof counts / sizeof counts[0]; c++) {
        init(&many);
        t.threads = counts[c];
        t.ctx = &many;
        assert_int_equal(pool_run(&t, &rep, err, sizeof err), 0);
        assert_int_equal(rep.done, N);
        assert_true(rep.threads <= N);
        for (int i = 0; i < N; i++)
            assert_int_equal(atomic_load(&many.runs[i]), 1);
        assert_memory_equal(one.v, many.v, sizeof one.v);
    }
}

static void first_failure_is_reported(void **state)
{
    static slots_t s;
    pool_report_t rep;
    char err[256];
    init(&s);
    s.fail_at = 17;
    pool_task_t t = {.n = N, .threads = 3, .job = job, .ctx = &s};
    assert_int_equal(pool_run(&t, &rep, err, sizeof err), SIM_ENOMEM);
    assert_int_equal(rep.failed, 17);
    assert_int_equal(rep.code, SIM_ENOMEM);
    assert_true(rep.done < N);
    assert_non_null(strstr(err, "job 17 failed: out of memory"));
    for (int i = 0; i < N; i++)
        assert_true(atomic_load(&s.runs[i]) <= 1);
}

static void a_job_may_stop_the_pool(void **state)
{
    static slots_t s;
    pool_report_t rep;
    char err[256];
    init(&s);
    s.stop_at = 5;
    pool_task_t t = {.n = N, .threads = 1, .job = job, .ctx = &s};
    assert_int_equal(pool_run(&t, &rep, err, sizeof err), 0);
    assert_int_equal(rep.stopped, 1);
    assert_int_equal(rep.done, 6); /* 0..5 on one thread */
}

static void a_signal_stops_the_pool(void **state)
{
    static slots_t s;
    pool_report_t rep;
    signals_save_t save;
    char err[256];
    init(&s);
    s.raise_at = 0;
    signals_catch(&save);
    pool_task_t t = {.n = 100000, .threads = 2, .job = job, .ctx = &s};
    int rc = pool_run(&t, &rep, err, sizeof err);
    signals_restore(&save);
    assert_int_equal(rc, SIM_EINTR);
    assert_int_equal(rep.signal, SIGINT);
    assert_true(rep.done < 100000);
    assert_non_null(strstr(err, "interrupted by SIGINT"));
}

static void no_jobs_is_done(void **state)
{
    pool_report_t rep;
    char err[64];
    pool_task_t t = {.n = 0, .threads = 4, .job = job, .ctx = NULL};
    assert_int_equal(pool_run(&t, &rep, err, sizeof err), 0);
    assert_int_equal(rep.done, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(results_land_by_index_at_any_thread_count),
        cmocka_unit_test(first_failure_is_reported),
        cmocka_unit_test(a_job_may_stop_the_pool),
        cmocka_unit_test(a_signal_stops_the_pool),
        cmocka_unit_test(no_jobs_is_done),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
