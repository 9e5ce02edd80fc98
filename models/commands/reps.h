/* reps.h: a command's replications dealt over the MPI ranks and each rank's threads,
 * their figures gathered to rank 0 (run, compare and backtest).
 *
 * Replication i runs on rank i mod K (K = cluster_size(): 1 in a plain build), on that
 * rank's threads (sim/pool), its figures landing in res[i]. Then every rank sends its
 * replications' figures to rank 0, which puts each into its slot: on rank 0, res[i]
 * holds replication i whatever K and the thread count, so every output computed from
 * res in replication order (the same code as on threads) is byte-identical. A
 * replication's random streams depend only on the seed and its number, never on the
 * process that runs it. Replication 0 always runs on rank 0 (run --episodes logs it).
 *
 * On ranks other than 0, res[i] of another rank's replication is left as the caller
 * initialised it: only rank 0 may write outputs from res.
 *
 * Every rank calls reps_run at the same step. Before the gather the ranks agree on
 * their statuses (cluster_agree), so a rank whose replication failed or was
 * interrupted ends every rank (the others with SIM_EPEER), and none waits for it.
 * Test hook: CAREFLOW_TEST_FAIL_RANK=R:replication (or R:gather) makes rank R's first
 * replication (or its gather buffer) fail as if out of memory.
 *
 * The figures gathered are every array of model_result_t (models/pathway/model.h)
 * and its counters: a field added there must be added to the packing in reps.c (the
 * MPI tests in tests/test_mpi.c compare every CSV with the threaded run's). */
#ifndef MODELS_REPS_H
#define MODELS_REPS_H

#include <stddef.h>

#include "models/pathway/model.h"
#include "models/scenario/scenario.h"
#include "sim/pool.h"

typedef struct reps_task {
    int n;                 /* replications, >= 1 */
    int threads;           /* this rank's threads, >= 1 */
    pool_job_fn job;       /* runs replication `index` (global) into its slot of res */
    void *ctx;             /* the job's, shared by this rank's threads */
    model_result_t *res;   /* [n], every slot initialised by the caller (model_result_init
                            * with the scenario and plan of that replication) */
    const scenario_t *const *sc;     /* [n_sc]: replication i ran sc[i % n_sc] */
    const model_plan_t *const *plan; /* [n_sc]: with plan[i % n_sc] */
    int n_sc;              /* >= 1 */
    int show_bar;          /* progress bar on stderr (give it on rank 0 only) */
} reps_task_t;

/* Runs this rank's share of the replications, then gathers them to rank 0. 0, or a
 * SIM_E* code with one line in err: "replication 3 failed: out of memory; no output
 * written", "interrupted by SIGINT; no output written", SIM_EIO for an MPI failure;
 * SIM_EPEER with err empty when another rank failed (it says what). */
int reps_run(const reps_task_t *t, char *err, size_t errlen);

/* The error line of a command on this rank: 1 if it is to be printed. Rank 0 says
 * what every rank meets alike; another rank speaks only of what it met alone (its own
 * replications, memory, MPI), never of a peer's failure (SIM_EPEER). */
int reps_should_say(int rc);

#endif
