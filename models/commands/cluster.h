/* cluster.h: the processes that share one sensitivity sweep.
 *
 * Built plainly (`make`), careflow is one process and these are trivial: rank 0 of 1.
 * Built with `make MPI=1` (CAREFLOW_MPI defined, linked with Debian's OpenMPI), it is
 * one rank of MPI_COMM_WORLD, so `mpirun -n K build/mpi/careflow sensitivity ...`
 * spreads design points over K processes on any number of nodes. Only
 * models/sensitivity.c and main.c call these; the engine knows nothing of them.
 *
 * Every function returns 0 or -1 (an MPI error); on -1 the caller reports and exits,
 * and cluster_abort() takes the other ranks down with it. */
#ifndef MODELS_CLUSTER_H
#define MODELS_CLUSTER_H

#include <stddef.h>

int cluster_init(int *argc, char ***argv); /* before anything else in main */
void cluster_finalize(void);               /* at the end of main, on every path */
void cluster_abort(int status);            /* ends every rank (MPI_Abort); no return */
int cluster_rank(void);                    /* 0 .. cluster_size() - 1 */
int cluster_size(void);
const char *cluster_kind(void);            /* "threads" or "mpi" */

int cluster_bcast(void *buf, size_t n);                 /* rank 0's bytes to every rank */
int cluster_max_int(int *v);                            /* *v = the largest over ranks */
int cluster_send(const double *buf, size_t n);          /* to rank 0 */
int cluster_recv(int from, double *buf, size_t n);      /* on rank 0, from rank `from` */

#endif
