/* templates/clip_by_global_norm.c — Keras global_clipnorm (base_optimizer.py,
 * clip_by_global_norm and global_norm): n = sqrt of the sum over all tensors,
 * in tensor order, of their sums of squares; every gradient is scaled by
 * c*min(1/n, 1/c), plus (n - n) so that a non-finite norm gives NaN. */
/* nnc:defaults begin */
#include "grad_sumsq.c"
#ifndef NNC_TEMPLATE_ARGS /* a test may set every placeholder itself */
#define NUM_TENSORS 1
#define GLOBAL_CLIPNORM ((nnc_real)1)
#endif
typedef struct nnc_opt_tensor {
    long offset, count;
    int decay;
} nnc_opt_tensor;
static const nnc_opt_tensor nnc_opt_tensors[] = {{0, 16, 1}};
/* nnc:defaults end */

static void nnc_clip_grads(nnc_real *g)
{
    double sq = 0;
    for (int k = 0; k < NUM_TENSORS; k++)
        sq += nnc_grad_sumsq(g + nnc_opt_tensors[k].offset, nnc_opt_tensors[k].count);
    double norm = sqrt(sq), inv = 1 / norm, inv_c = 1 / (double)GLOBAL_CLIPNORM;
    nnc_real scale = (nnc_real)(GLOBAL_CLIPNORM * (inv < inv_c ? inv : inv_c) + (norm - norm));
    for (int k = 0; k < NUM_TENSORS; k++) {
        nnc_real *gk = g + nnc_opt_tensors[k].offset;
        long n = nnc_opt_tensors[k].count;
#pragma omp parallel for schedule(static)
        for (long i = 0; i < n; i++)
            gk[i] *= scale;
    }
}
