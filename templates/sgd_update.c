/* templates/sgd_update.c — Keras SGD (sgd.py, SGD.update_step): m = mu*m - lr*g;
 * w += m (nesterov: w += mu*m - lr*g; no momentum: w -= lr*g). */
/* nnc:defaults begin */
#include "prelude.c"
#ifndef NNC_TEMPLATE_ARGS /* a test may set every placeholder itself */
#define MOMENTUM ((nnc_real)0.9)
#define NESTEROV 0
#endif
/* nnc:defaults end */

static void opt_update(nnc_real *restrict w, const nnc_real *restrict g, nnc_real *restrict m,
                       nnc_real lr, int64_t t, long lo, long hi)
{
    (void)t, (void)m;
    /* simd: restrict is lost in OpenMP's outlined loop, and without it the
       compiler kept this loop scalar (Adam's update took 2.5x longer) */
#pragma omp parallel for simd schedule(static)
    for (long i = lo; i < hi; i++) {
        if (MOMENTUM == 0) {
            w[i] -= lr * g[i];
        } else {
            m[i] = MOMENTUM * m[i] - lr * g[i];
            w[i] += NESTEROV ? MOMENTUM * m[i] - lr * g[i] : m[i];
        }
    }
}
