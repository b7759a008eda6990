/* templates/dense_simd_dx.c — the input gradient of a dense layer on a SIMD
 * target: dx = dy W^T by a second instance of templates/dense_simd.c
 * (dx_gemm) on the transposed kernel. The scalar twin is dense_dx in
 * templates/dense.c. */
/* nnc:defaults begin */
#include "simd_prelude.c"
#ifndef NNC_TEMPLATE_ARGS /* a test may set every placeholder itself */
#define I 12
#define O 32
#endif
static void dx_gemm(nnc_real *restrict y, const nnc_real *restrict x, const nnc_real *restrict w,
                    const nnc_real *restrict b, int n)
{
    (void)y, (void)x, (void)w, (void)b, (void)n;
}
/* nnc:defaults end */

/* dx[n][I] = dy W^T: transpose W into wt[O][I], then a dense product. */
static void dense_simd_dx(nnc_real *restrict dx, const nnc_real *restrict dy,
                          const nnc_real *restrict w, nnc_real *restrict wt, int n)
{
    for (int i = 0; i < I; i++)
        for (int o = 0; o < O; o++)
            wt[(long)o * I + i] = w[(long)i * O + o];
    dx_gemm(dx, dy, wt, NULL, n);
}
