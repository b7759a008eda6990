/* dist.h — a distributed fit's ranks (spec/distributed.md). libnncrt.a is
 * one process (rank 0 of 1, every call a copy); libnncrt_mpi.a, the same
 * sources built with -DNNC_MPI by mpicc, runs as one rank of an MPI job.
 * Every exchange is an allgather: each rank combines the gathered blocks in
 * one fixed order itself, so the result never depends on MPI's reduction
 * order. A failed exchange ends the whole job (MPI_Abort) with a message
 * naming the rank. */
#ifndef NNCRT_DIST_H
#define NNCRT_DIST_H

#include <stddef.h>
#include <stdint.h>

void nncrt_dist_init(int *argc, char ***argv);
/* rc: the command's exit status; ends the job everywhere when a rank of
   several fails, so that no rank waits for it forever. Returns rc. */
int nncrt_dist_finish(int rc, const char *command);
int nncrt_dist_rank(void);
int nncrt_dist_size(void);

/* recv[r * bytes ...] = rank r's send of `bytes` bytes, on every rank. */
void nncrt_dist_allgather(const void *send, void *recv, size_t bytes);
/* rank r's send of counts[r] bytes lands at recv + displs[r]. */
void nncrt_dist_allgatherv(const void *send, void *recv, const size_t *counts,
                           const size_t *displs);
/* The same, in place: rank r's block is already at buf + displs[r]. */
void nncrt_dist_allgatherv_in_place(void *buf, const size_t *counts, const size_t *displs);
/* Started, not waited for (as nncrt_dist_iallgather): rank r sends floats
   send[sdispls[q] .. + scounts[q]) to each rank q, and receives rank q's
   into recv[rdispls[q] .. + rcounts[q]). */
void nncrt_dist_ialltoallv(const float *send, const size_t *scounts, const size_t *sdispls,
                           float *recv, const size_t *rcounts, const size_t *rdispls);
/* nncrt_dist_allgather started, not waited for (up to 64 at a time; more
   wait for the earlier ones first); nncrt_dist_poll lets them progress
   (MPI progresses only inside its calls), nncrt_dist_wait completes all. */
void nncrt_dist_iallgather(const void *send, void *recv, size_t bytes);
void nncrt_dist_poll(void);
void nncrt_dist_wait(void);
/* The largest v of all ranks (v itself in one process): a decision every
   rank must take alike, such as stopping at a batch after a signal. */
int nncrt_dist_max_int(int v);
/* Seconds spent in exchanges so far (bench/mpi). */
double nncrt_dist_seconds(void);

#endif
