/* templates/adam_amsgrad_update.c — Keras Adam and AdamW with amsgrad
 * (adam.py, Adam.update_step): adam_update.c, with the step divided by the
 * largest v so far: vh = max(vh, v); w -= alpha*m/(sqrt(vh)+eps). */
/* nnc:defaults begin */
#include "prelude.c"
#ifndef NNC_TEMPLATE_ARGS /* a test may set every placeholder itself */
#define BETA_1 ((nnc_real)0.9)
#define BETA_2 ((nnc_real)0.999)
#define EPSILON ((nnc_real)1e-7)
#endif
/* nnc:defaults end */

static void opt_update(nnc_real *restrict w, const nnc_real *restrict g, nnc_real *restrict m,
                       nnc_real *restrict v, nnc_real *restrict vh, nnc_real lr, int64_t t, long lo, long hi)
{
    nnc_real alpha = (nnc_real)(lr * sqrt(1 - pow(BETA_2, (double)t)) /
                                (1 - pow(BETA_1, (double)t)));
    /* simd: restrict is lost in OpenMP's outlined loop, and without it the
       compiler kept this loop scalar (Adam's update took 2.5x longer) */
#pragma omp parallel for simd schedule(static)
    for (long i = lo; i < hi; i++) {
        m[i] += (g[i] - m[i]) * (1 - BETA_1);
        v[i] += (g[i] * g[i] - v[i]) * (1 - BETA_2);
        vh[i] = vh[i] > v[i] ? vh[i] : v[i];
        w[i] -= alpha * m[i] / (nnc_sqrt(vh[i]) + EPSILON);
    }
}
