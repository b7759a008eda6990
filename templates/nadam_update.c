/* templates/nadam_update.c — Keras 3 Nadam (nadam.py, Nadam.update_step and
 * Nadam._backend_update_step), with u_t = b1*(1 - 0.5*0.96^t) and
 * P_t = u_1*...*u_t (Keras keeps P in a variable updated before each step):
 *   m += (g-m)(1-b1); v += (g^2-v)(1-b2);
 *   m_hat = u_{t+1}*m/(1 - P_t*u_{t+1}) + (1-u_t)*g/(1 - P_t);
 *   v_hat = v/(1 - b2^t);  w -= lr*m_hat/(sqrt(v_hat) + eps).
 * P_t is a function of t alone: kept for the last t and recomputed from
 * u_1 in the same order after a reset or a resume, so it is bitwise the
 * same either way and needs no slot in the weights file. */
/* nnc:defaults begin */
#include "prelude.c"
#ifndef NNC_TEMPLATE_ARGS /* a test may set every placeholder itself */
#define BETA_1 ((nnc_real)0.9)
#define BETA_2 ((nnc_real)0.999)
#define EPSILON ((nnc_real)1e-7)
#endif
/* nnc:defaults end */

static double nadam_u(int64_t t) { return BETA_1 * (1 - 0.5 * pow(0.96, (double)t)); }

/* P_t = u_1 * u_2 * ... * u_t */
static double nadam_u_product(int64_t t)
{
    static double product = 1;
    static int64_t product_t = 0;
    if (t != product_t + 1) {
        product = 1;
        for (int64_t i = 1; i < t; i++)
            product *= nadam_u(i);
    }
    product *= nadam_u(t);
    product_t = t;
    return product;
}

static void opt_update(nnc_real *restrict w, const nnc_real *restrict g, nnc_real *restrict m,
                       nnc_real *restrict v, nnc_real lr, int64_t t, long lo, long hi)
{
    double u_t = nadam_u(t), u_next = nadam_u(t + 1), p_t = nadam_u_product(t);
    nnc_real cm = (nnc_real)(u_next / (1 - p_t * u_next)), cg = (nnc_real)((1 - u_t) / (1 - p_t));
    nnc_real cv = (nnc_real)(1 / (1 - pow(BETA_2, (double)t)));
    /* simd: restrict is lost in OpenMP's outlined loop, and without it the
       compiler kept this loop scalar (Adam's update took 2.5x longer) */
#pragma omp parallel for simd schedule(static)
    for (long i = lo; i < hi; i++) {
        m[i] += (g[i] - m[i]) * (1 - BETA_1);
        v[i] += (g[i] * g[i] - v[i]) * (1 - BETA_2);
        nnc_real m_hat = cm * m[i] + cg * g[i], v_hat = v[i] * cv;
        w[i] -= lr * m_hat / (nnc_sqrt(v_hat) + EPSILON);
    }
}
