/* templates/grad_sumsq.c — the sum of squares of n gradient values, for the
 * clipping norms: in double, over fixed chunks of 4096 values whose sums are
 * added in chunk order, so the result is the same for any thread count.
 * SUMSQ_CHUNKS covers the largest tensor. */
/* nnc:defaults begin */
#include "prelude.c"
#ifndef NNC_TEMPLATE_ARGS /* a test may set every placeholder itself */
#define SUMSQ_CHUNKS 1
#endif
/* nnc:defaults end */

#define NNC_SUMSQ_CHUNK 4096L
static double nnc_sumsq_part[SUMSQ_CHUNKS];

static double nnc_grad_sumsq(const nnc_real *g, long n)
{
    long chunks = (n + NNC_SUMSQ_CHUNK - 1) / NNC_SUMSQ_CHUNK;
#pragma omp parallel for schedule(static)
    for (long c = 0; c < chunks; c++) {
        long end = (c + 1) * NNC_SUMSQ_CHUNK < n ? (c + 1) * NNC_SUMSQ_CHUNK : n;
        double s = 0;
        for (long i = c * NNC_SUMSQ_CHUNK; i < end; i++)
            s += (double)g[i] * g[i];
        nnc_sumsq_part[c] = s;
    }
    double s = 0;
    for (long c = 0; c < chunks; c++)
        s += nnc_sumsq_part[c];
    return s;
}
