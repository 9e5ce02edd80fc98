/* pool.h: the one worker pool: n jobs, indexed 0..n-1, run on up to T threads.
 *
 * Workers take job indices from one atomic counter and call job(ctx, i, progress);
 * a job writes its result only into its own slot (by index), so whatever the thread
 * count and timing, the results, and every output made from them in index order, are
 * the same. Meanwhile the calling thread waits on a condition variable with a 100 ms
 * timeout, draws the progress bar (sim/progress.h) and polls signals_caught()
 * (sim/signals.h): a caught signal stops handing out jobs (those running finish).
 *
 * A job returns 0 (done, go on), a positive number (done, hand out no more: e.g. a
 * sweep stopping after N points) or a negative SIM_E* code (failed: hand out no more;
 * the first failure is reported). If not every thread can be started, the pool runs
 * on those that did; if none, it fails with SIM_EIO. No allocation besides the
 * thread table (through sim/mem.h); no output besides the bar. */
#ifndef SIM_POOL_H
#define SIM_POOL_H

#include <stdatomic.h>
#include <stddef.h>

/* One job. progress: the job may store how much of it is done, in 1/1000ths, for the
 * bar (reset to 0 around each job). */
typedef int (*pool_job_fn)(void *ctx, int index, atomic_uint *progress);

typedef struct pool_task {
    int n;            /* jobs, >= 0 */
    int threads;      /* wanted, >= 1 (never more than n are started) */
    pool_job_fn job;  /* run once for each index handed out */
    void *ctx;        /* passed to job, shared by all threads */
    const char *what; /* the unit for the bar ("replications") */
    int show_bar;     /* 1: draw the bar on stderr (after the first second) */
} pool_task_t;

/* What happened, filled by pool_run() whatever it returns. */
typedef struct pool_report {
    int done;      /* jobs that returned >= 0 */
    int failed;    /* the first failed job's index, or -1 */
    int code;      /* that job's code, or 0 */
    int signal;    /* the signal that stopped the pool, or 0 */
    int stopped;   /* 1 if a job asked to stop (returned > 0) */
    int threads;   /* threads that ran */
} pool_report_t;

/* Runs the task. Returns 0 when every job handed out returned >= 0 and no signal came
 * (rep->done == t->n unless a job asked to stop); the first failed job's code (its
 * index in rep->failed); SIM_EINTR when a signal stopped it (rep->signal); SIM_ENOMEM
 * or SIM_EIO (no thread could be started). Every started thread has been joined on
 * return. err: a one-line message on failure ("job 3 failed: out of memory",
 * "interrupted by SIGINT", ...); the caller may word its own from rep. */
int pool_run(const pool_task_t *t, pool_report_t *rep, char *err, size_t errlen);

#endif
