/* templates/adagrad_update.c — Keras Adagrad (adagrad.py, Adagrad.update_step):
 * acc += g^2; w -= lr*g/sqrt(acc + eps). The accumulator starts at
 * initial_accumulator_value (nnc_opt_init_slots). */
/* nnc:defaults begin */
#include "prelude.c"
#ifndef NNC_TEMPLATE_ARGS /* a test may set every placeholder itself */
#define EPSILON ((nnc_real)1e-7)
#endif
/* nnc:defaults end */

static void opt_update(nnc_real *restrict w, const nnc_real *restrict g, nnc_real *restrict acc,
                       nnc_real lr, int64_t t, long lo, long hi)
{
    (void)t;
    /* simd: restrict is lost in OpenMP's outlined loop, and without it the
       compiler kept this loop scalar (Adam's update took 2.5x longer) */
#pragma omp parallel for simd schedule(static)
    for (long i = lo; i < hi; i++) {
        acc[i] += g[i] * g[i];
        w[i] -= lr * g[i] / nnc_sqrt(acc[i] + EPSILON);
    }
}
