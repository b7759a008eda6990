/* templates/dense_simd.c — y = act(x W + b) on a SIMD target, register-blocked:
 * SB samples times OBV vectors of outputs stay in registers while the I inputs
 * stream through; each step loads OBV kernel vectors and broadcasts SB inputs.
 * O must be a multiple of OBV*VW. Also computes dx = dy W^T when instantiated
 * with W transposed. The scalar twin is dense_fwd in templates/dense.c. */
/* nnc:defaults begin */
#include "simd_prelude.c"
#ifndef NNC_TEMPLATE_ARGS /* a test may set every placeholder itself */
#define I 13
#define O 32
#define RELU 1
#define BIAS 1
#define SB 4
#define OBV 2
#endif
/* nnc:defaults end */

/* NS (SB or fewer) samples from s0, outputs [ob, ob + OBV*VW). */
NNC_INLINE void dense_simd_block(nnc_real *restrict y, const nnc_real *restrict x,
                                 const nnc_real *restrict w, const nnc_real *restrict b,
                                 long s0, int ob, const int ns)
{
    nnc_vec acc[SB][OBV];
    for (int s = 0; s < ns; s++)
        for (int v = 0; v < OBV; v++)
            acc[s][v] = BIAS ? nnc_vload(b + ob + v * NNC_VW) : nnc_vzero();
    for (int i = 0; i < I; i++) {
        nnc_vec wv[OBV];
        for (int v = 0; v < OBV; v++)
            wv[v] = nnc_vload(w + (long)i * O + ob + v * NNC_VW);
        for (int s = 0; s < ns; s++) {
            nnc_vec xv = nnc_vset1(x[(s0 + s) * I + i]);
            for (int v = 0; v < OBV; v++)
                acc[s][v] = nnc_vfma(xv, wv[v], acc[s][v]);
        }
    }
    for (int s = 0; s < ns; s++)
        for (int v = 0; v < OBV; v++) {
            nnc_vec r = RELU ? nnc_vmax(acc[s][v], nnc_vzero()) : acc[s][v];
            nnc_vstore(y + (s0 + s) * O + ob + v * NNC_VW, r);
        }
}

static void dense_simd_fwd(nnc_real *restrict y, const nnc_real *restrict x,
                           const nnc_real *restrict w, const nnc_real *restrict b, int n)
{
    (void)b;
    long blocks = (n + SB - 1) / SB;
#pragma omp parallel for schedule(static)
    for (long u = 0; u < blocks * (O / (OBV * NNC_VW)); u++) {
        long s0 = u / (O / (OBV * NNC_VW)) * SB;
        int ob = (int)(u % (O / (OBV * NNC_VW))) * OBV * NNC_VW;
        if (s0 + SB <= n)
            dense_simd_block(y, x, w, b, s0, ob, SB);
        else
            for (long s = s0; s < n; s++)
                dense_simd_block(y, x, w, b, s, ob, 1);
    }
}
