/* templates/rmsprop_update.c — Keras RMSprop (rmsprop.py, RMSprop.update_step;
 * epsilon inside the square root): v = rho*v + (1-rho)g^2; d = lr*g/sqrt(v+eps);
 * with momentum mom = mu*mom + d, w -= mom; otherwise w -= d. */
/* nnc:defaults begin */
#include "prelude.c"
#ifndef NNC_TEMPLATE_ARGS /* a test may set every placeholder itself */
#define RHO ((nnc_real)0.9)
#define MOMENTUM ((nnc_real)0)
#define EPSILON ((nnc_real)1e-7)
#endif
/* nnc:defaults end */

static void opt_update(nnc_real *restrict w, const nnc_real *restrict g, nnc_real *restrict v,
                       nnc_real *restrict mom, nnc_real lr, int64_t t, long lo, long hi)
{
    (void)t, (void)mom;
    /* simd: restrict is lost in OpenMP's outlined loop, and without it the
       compiler kept this loop scalar (Adam's update took 2.5x longer) */
#pragma omp parallel for simd schedule(static)
    for (long i = lo; i < hi; i++) {
        v[i] = RHO * v[i] + (1 - RHO) * g[i] * g[i];
        nnc_real d = lr * g[i] / nnc_sqrt(v[i] + EPSILON);
        if (MOMENTUM == 0) {
            w[i] -= d;
        } else {
            mom[i] = MOMENTUM * mom[i] + d;
            w[i] -= mom[i];
        }
    }
}
