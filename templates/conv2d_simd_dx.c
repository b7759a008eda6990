/* templates/conv2d_simd_dx.c — the input gradient of a stride-1 convolution
 * on a SIMD target: dy convolved with the kernel flipped in space and
 * transposed in channels, by a second instance of templates/conv2d_simd.c
 * (dx_conv) whose input is dy and whose output is dx; with MASK, the ReLU
 * mask of the layer before is applied as dx is stored (x is its output). The
 * scalar twin is conv2d_dx in templates/conv2d.c. */
/* nnc:defaults begin */
#include "simd_prelude.c"
#ifndef NNC_TEMPLATE_ARGS /* a test may set every placeholder itself */
#define IC 4
#define OC 8
#define KH 3
#define KW 3
#define MASK 0 /* dx is 0 where x (a ReLU's output) is not positive */
#endif
static void dx_conv_mask(nnc_real *restrict y, const nnc_real *restrict x,
                         const nnc_real *restrict w, const nnc_real *restrict b,
                         const nnc_real *restrict mk, int n)
{
    (void)y, (void)x, (void)w, (void)b, (void)mk, (void)n;
}
/* nnc:defaults end */

/* dx = dy convolved with the kernel flipped in space and transposed in
 * channels, wt[kh][kw][co][ci] = w[KH-1-kh][KW-1-kw][ci][co]. */
static void conv2d_simd_dx(nnc_real *restrict dx, const nnc_real *restrict dy,
                           const nnc_real *restrict x, const nnc_real *restrict w,
                           nnc_real *restrict wt, int n)
{
    for (int kh = 0; kh < KH; kh++)
        for (int kw = 0; kw < KW; kw++)
            for (int ci = 0; ci < IC; ci++)
                for (int co = 0; co < OC; co++)
                    wt[(((long)kh * KW + kw) * OC + co) * IC + ci] =
                        w[(((long)(KH - 1 - kh) * KW + (KW - 1 - kw)) * IC + ci) * OC + co];
    dx_conv_mask(dx, dy, wt, NULL, MASK ? x : NULL, n);
}
