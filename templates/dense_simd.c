/* templates/dense_simd.c — y = act(x W + b) on a SIMD target, register-blocked:
 * SB samples times OBV vectors of outputs stay in registers while KC inputs
 * stream through; each step loads OBV kernel vectors and broadcasts SB inputs.
 * The inputs are taken KC at a time over all samples, so a KC x OBV*VW panel
 * of W stays in cache instead of W streaming from memory once per sample
 * block; partial sums wait in y. Each output still sums its inputs in order,
 * whatever the threads. O must be a multiple of OBV*VW. The scalar twin is
 * dense_fwd in templates/dense.c. */
/* nnc:defaults begin */
#include "simd_prelude.c"
#ifndef NNC_TEMPLATE_ARGS /* a test may set every placeholder itself */
#define I 13
#define O 32
#define RELU 1
#define BIAS 1
#define SB 4
#define OBV 2
#define KC 5
#endif
/* nnc:defaults end */

/* NS (SB or fewer) samples from s0, outputs [ob, ob + OBV*VW), inputs [i0, i0 + KC). */
NNC_INLINE void dense_simd_block(nnc_real *restrict y, const nnc_real *restrict x,
                                 const nnc_real *restrict w, const nnc_real *restrict b,
                                 long s0, int ob, int i0, const int ns)
{
    nnc_vec acc[SB][OBV];
    for (int s = 0; s < ns; s++)
        for (int v = 0; v < OBV; v++)
            acc[s][v] = i0 ? nnc_vload(y + (s0 + s) * O + ob + v * NNC_VW)
                           : BIAS ? nnc_vload(b + ob + v * NNC_VW) : nnc_vzero();
    int i1 = i0 + KC < I ? i0 + KC : I;
    for (int i = i0; i < i1; i++) {
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
            nnc_vec r = RELU && i1 == I ? nnc_vmax(acc[s][v], nnc_vzero()) : acc[s][v];
            nnc_vstore(y + (s0 + s) * O + ob + v * NNC_VW, r);
        }
}

/* Threads split the output columns and the batch in two halves. */
static void dense_simd_fwd(nnc_real *restrict y, const nnc_real *restrict x,
                           const nnc_real *restrict w, const nnc_real *restrict b, int n)
{
    (void)b;
    const long blocks = (n + SB - 1) / SB, half = (blocks + 1) / 2;
#pragma omp parallel for schedule(static)
    for (int u = 0; u < O / (OBV * NNC_VW) * 2; u++) {
        int ob = u / 2 * OBV * NNC_VW;
        long b0 = u % 2 ? half : 0, b1 = u % 2 ? blocks : half;
        for (int i0 = 0; i0 < I; i0 += KC)
            for (long k = b0; k < b1; k++) {
                long s0 = k * SB;
                if (s0 + SB <= n)
                    dense_simd_block(y, x, w, b, s0, ob, i0, SB);
                else
                    for (long s = s0; s < n; s++)
                        dense_simd_block(y, x, w, b, s, ob, i0, 1);
            }
    }
}
