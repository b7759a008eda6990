/* templates/clip_by_value.c — Keras clipvalue (base_optimizer.py,
 * BaseOptimizer._clip_gradients): every gradient value into [-c, c]. */
/* nnc:defaults begin */
#include "prelude.c"
#ifndef NNC_TEMPLATE_ARGS /* a test may set every placeholder itself */
#define NUM_TENSORS 1
#define CLIPVALUE ((nnc_real)1)
#endif
typedef struct nnc_opt_tensor {
    long offset, count;
    int decay;
} nnc_opt_tensor;
static const nnc_opt_tensor nnc_opt_tensors[] = {{0, 16, 1}};
/* nnc:defaults end */

/* g[lo, hi) only: a rank of a distributed fit updates its shard */
static void nnc_clip_grads(nnc_real *g, long lo, long hi)
{
    for (int k = 0; k < NUM_TENSORS; k++) {
        long a = nnc_opt_tensors[k].offset, b = a + nnc_opt_tensors[k].count;
        a = a > lo ? a : lo, b = b < hi ? b : hi;
#pragma omp parallel for schedule(static)
        for (long i = a; i < b; i++)
            g[i] = g[i] < -CLIPVALUE ? -CLIPVALUE : g[i] > CLIPVALUE ? CLIPVALUE : g[i];
    }
}
