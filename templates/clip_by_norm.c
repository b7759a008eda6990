/* templates/clip_by_norm.c — Keras clipnorm (base_optimizer.py,
 * BaseOptimizer._clip_by_norm): each tensor's gradient on its own,
 * g = g*c / max(||g||, c), so no tensor's gradient is longer than c. */
/* nnc:defaults begin */
#include "grad_sumsq.c"
#ifndef NNC_TEMPLATE_ARGS /* a test may set every placeholder itself */
#define NUM_TENSORS 1
#define CLIPNORM ((nnc_real)1)
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
        double l2sum = nnc_grad_sumsq(gk, n);
        nnc_real norm = l2sum > 0 ? (nnc_real)sqrt(l2sum) : 0;
        nnc_real d = norm > CLIPNORM ? norm : CLIPNORM;
#pragma omp parallel for schedule(static)
        for (long i = 0; i < n; i++)
            gk[i] = gk[i] * CLIPNORM / d;
    }
}
