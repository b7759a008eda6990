/* templates/label_smoothing.c — Keras's label_smoothing (losses.py,
 * categorical_crossentropy and binary_crossentropy): the targets move towards
 * the uniform distribution before the loss, t*(1-ls) + ls/K*sum(t). On a
 * one-hot row that is Keras's y*(1-ls) + ls/K; binary_crossentropy's rows
 * have K = 2, Keras's y*(1-ls) + 0.5*ls. A row weighted by its class weight
 * w keeps its sum w, so the sample's loss stays scaled by w. The rows are
 * smoothed into a buffer of the batch; LOSS_KERNEL computes the loss. */
/* nnc:defaults begin */
#ifndef NNC_TEMPLATE_ARGS /* a test may set every placeholder itself */
#include "softmax_xent.c"
#define BATCH 32
#define LABEL_SMOOTHING ((nnc_real)0.1)
#define LOSS_KERNEL softmax_xent
#endif
/* nnc:defaults end */

static NNC_ALIGN nnc_real nnc_smoothed_targets[BATCH * K];

/* Returns the mean loss; writes probabilities and, when dz is not NULL, dL/dz. */
static double smoothed_loss(nnc_real *restrict p, nnc_real *restrict dz,
                            const nnc_real *restrict z, const nnc_real *restrict t, int n)
{
    for (long s = 0; s < n; s++) {
        nnc_real sum = 0;
        for (int k = 0; k < K; k++)
            sum += t[s * K + k];
        for (int k = 0; k < K; k++)
            nnc_smoothed_targets[s * K + k] =
                t[s * K + k] * (1 - LABEL_SMOOTHING) + LABEL_SMOOTHING / K * sum;
    }
    return LOSS_KERNEL(p, dz, z, nnc_smoothed_targets, n);
}
