/* cluster.c: see cluster.h. MPI messages are cut into pieces of at most 2^28 elements,
 * so counts fit MPI's int whatever the sweep's size. */
#include "models/commands/cluster.h"

#include <stdlib.h>
#include <string.h>

#include "sim/err.h"

#ifdef CAREFLOW_MPI
#include <mpi.h>
#include <time.h>

#define PIECE ((size_t)1 << 28)

/* Waits for a nonblocking call to complete without keeping a core busy: for the small
 * messages by which ranks wait on each other (cluster_agree; small broadcasts), where
 * the wait can be long. OpenMPI's blocking calls poll at full speed, so a rank waiting
 * for rank 0 (in calibrate's search) took a core from the ranks and threads still
 * working. Polls at full speed for the first 200 us (most such waits end there), then
 * sleeps between polls, from 50 us doubling to 2 ms. Not for bulk data: OpenMPI moves a
 * large message forward only inside MPI calls, piece by piece, so sleeping between
 * polls would slow every piece; those use the blocking calls. */
#define IDLE_SMALL 4096 /* bytes: a broadcast at most this long waits idly */

static int wait_idle(MPI_Request *rq)
{
    struct timespec t0, now;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    long ns = 0;
    for (;;) {
        int done = 0;
        if (MPI_Test(rq, &done, MPI_STATUS_IGNORE) != MPI_SUCCESS)
            return SIM_EIO;
        if (done)
            return 0;
        if (ns == 0) {
            clock_gettime(CLOCK_MONOTONIC, &now);
            if ((now.tv_sec - t0.tv_sec) * 1000000000L + (now.tv_nsec - t0.tv_nsec) < 200000)
                continue;
            ns = 50000;
        }
        struct timespec ts = {0, ns};
        nanosleep(&ts, NULL);
        if (ns < 2000000)
            ns *= 2;
    }
}

int cluster_init(int *argc, char ***argv)
{
    if (MPI_Init(argc, argv) != MPI_SUCCESS)
        return SIM_EIO;
    /* the default, said aloud: a failed MPI call ends every rank, none waits */
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);
    return 0;
}

void cluster_finalize(void)
{
    int done = 0;
    MPI_Finalized(&done);
    if (!done)
        MPI_Finalize();
}

void cluster_abort(int status)
{
    MPI_Abort(MPI_COMM_WORLD, status);
    exit(status);
}

int cluster_rank(void)
{
    int r = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &r);
    return r;
}

int cluster_size(void)
{
    int n = 1;
    MPI_Comm_size(MPI_COMM_WORLD, &n);
    return n;
}

const char *cluster_kind(void) { return "mpi"; }

int cluster_agree(int status)
{
    int bad = status != 0, any = 0;
    MPI_Request rq;
    if (MPI_Iallreduce(&bad, &any, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD, &rq) != MPI_SUCCESS ||
        wait_idle(&rq) != 0)
        return status ? status : SIM_EIO;
    return status ? status : any ? SIM_EPEER : 0;
}

int cluster_bcast_from(int root, void *buf, size_t n)
{
    if (n <= IDLE_SMALL) { /* a rank may wait long for it: wait idly */
        MPI_Request rq;
        if (MPI_Ibcast(buf, (int)n, MPI_BYTE, root, MPI_COMM_WORLD, &rq) != MPI_SUCCESS ||
            wait_idle(&rq) != 0)
            return SIM_EIO;
        return 0;
    }
    for (size_t at = 0; at < n; at += PIECE) {
        size_t k = n - at < PIECE ? n - at : PIECE;
        if (MPI_Bcast((char *)buf + at, (int)k, MPI_BYTE, root, MPI_COMM_WORLD) != MPI_SUCCESS)
            return SIM_EIO;
    }
    return 0;
}

int cluster_bcast(void *buf, size_t n) { return cluster_bcast_from(0, buf, n); }

int cluster_send(const double *buf, size_t n)
{
    for (size_t at = 0; at < n; at += PIECE) {
        size_t k = n - at < PIECE ? n - at : PIECE;
        if (MPI_Send(buf + at, (int)k, MPI_DOUBLE, 0, 1, MPI_COMM_WORLD) != MPI_SUCCESS)
            return SIM_EIO;
    }
    return 0;
}

int cluster_recv(int from, double *buf, size_t n)
{
    for (size_t at = 0; at < n; at += PIECE) {
        size_t k = n - at < PIECE ? n - at : PIECE;
        if (MPI_Recv(buf + at, (int)k, MPI_DOUBLE, from, 1, MPI_COMM_WORLD,
                     MPI_STATUS_IGNORE) != MPI_SUCCESS)
            return SIM_EIO;
    }
    return 0;
}

#else /* one process */

int cluster_init(int *argc, char ***argv) { return 0; }
void cluster_finalize(void) {}
void cluster_abort(int status) { exit(status); }
int cluster_rank(void) { return 0; }
int cluster_size(void) { return 1; }
const char *cluster_kind(void) { return "threads"; }
int cluster_agree(int status) { return status; }
int cluster_bcast(void *buf, size_t n) { return 0; }
int cluster_bcast_from(int root, void *buf, size_t n) { return 0; }
int cluster_send(const double *buf, size_t n) { return SIM_EIO; }
int cluster_recv(int from, double *buf, size_t n) { return SIM_EIO; }

#endif

int cluster_test_fail(const char *step, const char *bare)
{
    const char *e = getenv("CAREFLOW_TEST_FAIL_RANK");
    char *end;
    if (!e || !*e)
        return 0;
    long r = strtol(e, &end, 10);
    if (end == e || r != cluster_rank())
        return 0;
    return *end == ':' ? !strcmp(end + 1, step) : bare && !strcmp(step, bare);
}
