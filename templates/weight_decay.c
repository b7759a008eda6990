/* templates/weight_decay.c — Keras 3's decoupled weight decay, for every
 * optimizer (base_optimizer.py, BaseOptimizer._apply_weight_decay), before
 * the optimizer's rule: w -= w*wd*lr on each tensor not excluded (decay 0
 * in the table: exclude_from_weight_decay). */
/* nnc:defaults begin */
#include "prelude.c"
#ifndef NNC_TEMPLATE_ARGS /* a test may set every placeholder itself */
#define NUM_TENSORS 1
#define WEIGHT_DECAY ((nnc_real)0.004)
#endif
typedef struct nnc_opt_tensor {
    long offset, count;
    int decay;
} nnc_opt_tensor;
static const nnc_opt_tensor nnc_opt_tensors[] = {{0, 16, 1}};
/* nnc:defaults end */

/* w[lo, hi) only: a rank of a distributed fit updates its shard */
static void nnc_weight_decay(nnc_real *w, nnc_real lr, long lo, long hi)
{
    for (int k = 0; k < NUM_TENSORS; k++) {
        if (!nnc_opt_tensors[k].decay)
            continue;
        long a = nnc_opt_tensors[k].offset, b = a + nnc_opt_tensors[k].count;
        a = a > lo ? a : lo, b = b < hi ? b : hi;
#pragma omp parallel for schedule(static)
        for (long i = a; i < b; i++)
            w[i] -= w[i] * WEIGHT_DECAY * lr;
    }
}
