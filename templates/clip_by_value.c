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

static void nnc_clip_grads(nnc_real *g)
{
    for (int k = 0; k < NUM_TENSORS; k++) {
        nnc_real *gk = g + nnc_opt_tensors[k].offset;
        long n = nnc_opt_tensors[k].count;
#pragma omp parallel for schedule(static)
        for (long i = 0; i < n; i++)
            gk[i] = gk[i] < -CLIPVALUE ? -CLIPVALUE : gk[i] > CLIPVALUE ? CLIPVALUE : gk[i];
    }
}
