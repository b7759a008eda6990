/* templates/merge.c — element-wise merge of K inputs of COUNT values per
 * sample: their sum (PRODUCT 0, Keras Add) or their product (PRODUCT 1, Keras
 * Multiply). Backward: dx_k = dy (sum), dx_k = dy * the other inputs
 * (product); an input that needs no gradient has dx NULL. RELU: the sum's
 * ReLU (a relu after an add, folded in: one pass over memory fewer each way),
 * whose mask the backward applies unless the consumer does (MASK_DY 0).
 * Inputs and output
 * are distinct buffers (the plan gives each value its own), so the loops on
 * restrict pointers vectorize. */
/* nnc:defaults begin */
#include "prelude.c"
#ifndef NNC_TEMPLATE_ARGS /* a test may set every placeholder itself */
#define COUNT 37
#define K 3
#define PRODUCT 1
#define RELU 0
#define MASK_DY 0
#endif
/* nnc:defaults end */

/* y = a (op) b over one sample */
static inline void merge_two(nnc_real *restrict y, const nnc_real *restrict a,
                             const nnc_real *restrict b)
{
    for (long i = 0; i < COUNT; i++)
        y[i] = PRODUCT ? a[i] * b[i] : a[i] + b[i];
}

/* y = y (op) b over one sample */
static inline void merge_acc(nnc_real *restrict y, const nnc_real *restrict b)
{
    for (long i = 0; i < COUNT; i++)
        y[i] = PRODUCT ? y[i] * b[i] : y[i] + b[i];
}

static void merge_fwd(nnc_real *restrict y, const nnc_real *const *x, int n)
{
#pragma omp parallel for schedule(static)
    for (long s = 0; s < n; s++) {
        nnc_real *ys = y + s * COUNT;
        merge_two(ys, x[0] + s * COUNT, x[1] + s * COUNT);
        for (int k = 2; k < K; k++)
            merge_acc(ys, x[k] + s * COUNT);
        for (long i = 0; i < COUNT && RELU; i++)
            ys[i] = ys[i] > 0 ? ys[i] : 0;
    }
}

NNC_MAYBE_UNUSED static void merge_bwd(nnc_real *const *dx, const nnc_real *restrict dy,
                                       const nnc_real *const *x, const nnc_real *restrict y,
                                       int n)
{
    (void)x, (void)y;
#pragma omp parallel for schedule(static)
    for (long s = 0; s < n; s++) {
        const nnc_real *g = dy + s * COUNT;
        for (int k = 0; k < K; k++) {
            if (!dx[k])
                continue;
            nnc_real *d = dx[k] + s * COUNT;
            if (!PRODUCT && MASK_DY) {
                const nnc_real *ys = y + s * COUNT;
                for (long i = 0; i < COUNT; i++)
                    d[i] = ys[i] > 0 ? g[i] : 0;
                continue;
            }
            if (!PRODUCT) {
                memcpy(d, g, sizeof *d * COUNT);
                continue;
            }
            int first = 1;
            for (int j = 0; j < K; j++) {
                if (j == k)
                    continue;
                if (first)
                    merge_two(d, g, x[j] + s * COUNT);
                else
                    merge_acc(d, x[j] + s * COUNT);
                first = 0;
            }
        }
    }
}
