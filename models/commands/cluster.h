/* cluster.h: the processes that share one set of points or replications (sensitivity,
 * sweep, calibrate; run, compare and backtest through reps.h).
 *
 * Built plainly (`make`), careflow is one process and these are trivial: rank 0 of 1.
 * Built with `make MPI=1` (CAREFLOW_MPI defined, linked with Debian's OpenMPI), it is
 * one rank of MPI_COMM_WORLD, so `mpirun -n K build/mpi/careflow sensitivity ...`
 * spreads design points or replications over K processes on any number of nodes.
 * Only the commands that run sets of points (sensitivity, sweep and calibrate, through
 * sens__evaluate in models/commands/sens*.c), those that run replications (run,
 * compare, backtest, through reps_run in reps.c) and main.c call these; the engine
 * knows nothing of them.
 *
 * No rank ever waits for one that failed: every step that needs all ranks (a
 * broadcast, a gather) is preceded by cluster_agree, which tells each rank whether
 * every rank is ready; a rank that failed says so there instead of skipping the step,
 * and all ranks then stop together. An MPI call that fails ends every rank at once
 * (MPI's fatal error handler, set in cluster_init: MPI_Abort), so it cannot leave a
 * rank waiting either.
 *
 * Every function that can fail returns 0 or a negative SIM_E* code (sim/err.h):
 * SIM_EPEER when another rank failed, SIM_EIO for an MPI failure. */
#ifndef MODELS_CLUSTER_H
#define MODELS_CLUSTER_H

#include <stddef.h>

int cluster_init(int *argc, char ***argv); /* before anything else in main; 0 or SIM_EIO */
void cluster_finalize(void);               /* at the end of main, on every path */
void cluster_abort(int status);            /* ends every rank (MPI_Abort); no return */
int cluster_rank(void);                    /* 0 .. cluster_size() - 1 */
int cluster_size(void);
const char *cluster_kind(void);            /* "threads" or "mpi" */

/* Every rank calls it with its own status (0 or SIM_E*) at the same step. Returns
 * status if it is not 0; else SIM_EPEER if another rank's is not 0; else 0. */
int cluster_agree(int status);
int cluster_bcast(void *buf, size_t n);                 /* rank 0's bytes to every rank */
int cluster_bcast_from(int root, void *buf, size_t n);  /* rank root's bytes to every rank */
int cluster_send(const double *buf, size_t n);          /* to rank 0 */
int cluster_recv(int from, double *buf, size_t n);      /* on rank 0, from rank `from` */

/* The tests' failure hook, CAREFLOW_TEST_FAIL_RANK=R:STEP (or R alone, meaning the step
 * named bare; NULL: none): 1 if this rank is to fail at step, as if out of memory. */
int cluster_test_fail(const char *step, const char *bare);

#endif
