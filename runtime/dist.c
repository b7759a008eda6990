/* dist.c — ranks of a distributed fit (dist.h): MPI with -DNNC_MPI, a single
 * process otherwise. */
#include "dist.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef NNC_MPI
#include <limits.h>
#include <mpi.h>
#endif

static int dist_rank = 0, dist_size = 1;
static double dist_secs;

int nncrt_dist_rank(void) { return dist_rank; }
int nncrt_dist_size(void) { return dist_size; }
double nncrt_dist_seconds(void) { return dist_secs; }

#ifdef NNC_MPI
/* MPI_ERRORS_RETURN: a lost peer or network error comes back here, and the
   job ends with the rank and MPI's reason instead of a hang. */
static void check(int rc, const char *what)
{
    if (rc == MPI_SUCCESS)
        return;
    char msg[MPI_MAX_ERROR_STRING];
    int len = 0;
    MPI_Error_string(rc, msg, &len);
    fprintf(stderr, "error: rank %d of %d: %s failed: %s; ending the job\n", dist_rank,
            dist_size, what, msg);
    fflush(stderr);
    MPI_Abort(MPI_COMM_WORLD, 3);
    exit(3);
}

static int as_count(size_t bytes)
{
    if (bytes > INT_MAX) {
        fprintf(stderr, "error: rank %d: an exchange of %zu bytes is too large for MPI\n",
                dist_rank, bytes);
        MPI_Abort(MPI_COMM_WORLD, 3);
    }
    return (int)bytes;
}
#endif

void nncrt_dist_init(int *argc, char ***argv)
{
#ifdef NNC_MPI
    int provided = 0;
    MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    check(MPI_Comm_rank(MPI_COMM_WORLD, &dist_rank), "MPI_Comm_rank");
    check(MPI_Comm_size(MPI_COMM_WORLD, &dist_size), "MPI_Comm_size");
    if (dist_rank != 0 && !freopen("/dev/null", "w", stdout))   /* rank 0 reports */
        fprintf(stderr, "warning: rank %d: cannot silence stdout\n", dist_rank);
#else
    (void)argc, (void)argv;
#endif
}

int nncrt_dist_finish(int rc, const char *command)
{
#ifdef NNC_MPI
    fflush(stdout);
    if (rc != 0 && dist_size > 1) {
        fprintf(stderr, "error: rank %d of %d: %s failed (exit status %d); ending the job\n",
                dist_rank, dist_size, command ? command : "the command", rc);
        fflush(stderr);
        MPI_Abort(MPI_COMM_WORLD, rc);
    }
    MPI_Finalize();
#else
    (void)command;
#endif
    return rc;
}

int nncrt_dist_max_int(int v)
{
    int n = nncrt_dist_size();
    if (n == 1)
        return v;
    int *all = nncrt_xmalloc_array((size_t)n, sizeof *all);
    nncrt_dist_allgather(&v, all, sizeof v);
    for (int r = 0; r < n; r++)
        v = all[r] > v ? all[r] : v;
    free(all);
    return v;
}

void nncrt_dist_allgather(const void *send, void *recv, size_t bytes)
{
    double t0 = nncrt_now();
#ifdef NNC_MPI
    if (dist_size > 1)
        check(MPI_Allgather(send, as_count(bytes), MPI_BYTE, recv, as_count(bytes), MPI_BYTE,
                            MPI_COMM_WORLD), "MPI_Allgather");
    else
#endif
        memmove(recv, send, bytes);
    dist_secs += nncrt_now() - t0;
}

void nncrt_dist_allgatherv(const void *send, void *recv, const size_t *counts,
                           const size_t *displs)
{
    double t0 = nncrt_now();
#ifdef NNC_MPI
    if (dist_size > 1) {
        int *c = malloc(2 * sizeof(int) * (size_t)dist_size);
        if (!c)
            check(MPI_ERR_NO_MEM, "allocating an exchange");
        for (int r = 0; r < dist_size; r++)
            c[r] = as_count(counts[r]), c[dist_size + r] = as_count(displs[r]);
        check(MPI_Allgatherv(send, c[dist_rank], MPI_BYTE, recv, c, c + dist_size, MPI_BYTE,
                             MPI_COMM_WORLD), "MPI_Allgatherv");
        free(c);
    } else
#endif
        memmove((char *)recv + displs[0], send, counts[0]);
    dist_secs += nncrt_now() - t0;
}

void nncrt_dist_allgatherv_in_place(void *buf, const size_t *counts, const size_t *displs)
{
#ifdef NNC_MPI
    if (dist_size > 1) {
        double t0 = nncrt_now();
        int *c = malloc(2 * sizeof(int) * (size_t)dist_size);
        if (!c)
            check(MPI_ERR_NO_MEM, "allocating an exchange");
        for (int r = 0; r < dist_size; r++)
            c[r] = as_count(counts[r]), c[dist_size + r] = as_count(displs[r]);
        check(MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, buf, c, c + dist_size, MPI_BYTE,
                             MPI_COMM_WORLD), "MPI_Allgatherv");
        free(c);
        dist_secs += nncrt_now() - t0;
    }
#else
    (void)buf, (void)counts, (void)displs;   /* one process: already there */
#endif
}

#ifdef NNC_MPI
#define MAX_PENDING 64
static MPI_Request pending[MAX_PENDING];
static int *pending_counts[MAX_PENDING];   /* an MPI_Ialltoallv's, alive until it completes */
static int npending;
#endif

void nncrt_dist_ialltoallv(const float *send, const size_t *scounts, const size_t *sdispls,
                           float *recv, const size_t *rcounts, const size_t *rdispls)
{
#ifdef NNC_MPI
    if (dist_size > 1) {
        if (npending == MAX_PENDING)
            nncrt_dist_wait();
        double t0 = nncrt_now();
        size_t n = (size_t)dist_size;
        int *c = malloc(4 * sizeof(int) * n);
        if (!c)
            check(MPI_ERR_NO_MEM, "allocating an exchange");
        for (size_t r = 0; r < n; r++)
            c[r] = as_count(scounts[r]), c[n + r] = as_count(sdispls[r]),
            c[2 * n + r] = as_count(rcounts[r]), c[3 * n + r] = as_count(rdispls[r]);
        pending_counts[npending] = c;
        check(MPI_Ialltoallv(send, c, c + n, MPI_FLOAT, recv, c + 2 * n, c + 3 * n, MPI_FLOAT,
                             MPI_COMM_WORLD, &pending[npending++]), "MPI_Ialltoallv");
        dist_secs += nncrt_now() - t0;
        return;
    }
#endif
    (void)rcounts;   /* one process: scounts[0] == rcounts[0] */
    memmove(recv + rdispls[0], send + sdispls[0], scounts[0] * sizeof *send);
}

void nncrt_dist_iallgather(const void *send, void *recv, size_t bytes)
{
#ifdef NNC_MPI
    if (dist_size > 1) {
        if (npending == MAX_PENDING)
            nncrt_dist_wait();
        double t0 = nncrt_now();
        pending_counts[npending] = NULL;
        check(MPI_Iallgather(send, as_count(bytes), MPI_BYTE, recv, as_count(bytes), MPI_BYTE,
                             MPI_COMM_WORLD, &pending[npending++]), "MPI_Iallgather");
        dist_secs += nncrt_now() - t0;
        return;
    }
#endif
    nncrt_dist_allgather(send, recv, bytes);
}

void nncrt_dist_poll(void)
{
#ifdef NNC_MPI
    if (npending) {
        int done = 0;
        double t0 = nncrt_now();
        check(MPI_Testall(npending, pending, &done, MPI_STATUSES_IGNORE), "MPI_Testall");
        dist_secs += nncrt_now() - t0;
    }
#endif
}

void nncrt_dist_wait(void)
{
#ifdef NNC_MPI
    if (npending) {
        double t0 = nncrt_now();
        check(MPI_Waitall(npending, pending, MPI_STATUSES_IGNORE), "MPI_Waitall");
        for (int i = 0; i < npending; i++)
            free(pending_counts[i]), pending_counts[i] = NULL;
        npending = 0;
        dist_secs += nncrt_now() - t0;
    }
#endif
}
