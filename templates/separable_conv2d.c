/* templates/separable_conv2d.c — Keras SeparableConv2D: the depthwise
 * convolution (templates/depthwise_conv2d*.c, no bias, linear) into mid,
 * kept for backward, then the pointwise 1x1 convolution as the dense
 * kernels (templates/dense*.c) over every pixel as a row: a blocked matrix
 * product [n*P, CM] x [CM, F], with the bias and ReLU. Its input gradient is
 * the same product with the kernel transposed, [n*P, F] x [F, CM], by a
 * second instance of the dense forward kernel (the dense input-gradient
 * kernel blocks over samples, made for batches, not for n*P rows). */
/* nnc:defaults begin */
#include "prelude.c"
#ifndef NNC_TEMPLATE_ARGS /* a test may set every placeholder itself */
#define P 12       /* output pixels per sample */
#define CM 6       /* channels after the depthwise step: C * depth_multiplier */
#define PWS 100    /* floats of the pointwise kernels' scratch */
#define MIDB 360   /* floats of a batch of mid (its gradient's room in scratch) */
#endif
/* stand-ins for the depthwise and dense kernels: use every argument */
#define sep_use5(a, b, c, d, e) ((void)(a), (void)(b), (void)(c), (void)(d), (void)(e))
#define sep_dw_fwd(y, x, w, b, n) sep_use5(y, x, w, b, n)
#define sep_dw_bwd(dx, dw, db, dy, x, y, w, s, n) (sep_use5(dx, dw, db, dy, x), sep_use5(y, w, s, n, 0))
#define sep_pw_fwd(y, x, w, b, n) sep_use5(y, x, w, b, n)
#define sep_pw_bwd(dx, dw, db, dy, x, y, w, s, n) (sep_use5(dx, dw, db, dy, x), sep_use5(y, w, s, n, 0))
#define sep_pwt_fwd(y, x, w, b, n) sep_use5(y, x, w, b, n)
#define F 4        /* filters */
/* nnc:defaults end */

static void separable_conv2d_fwd(nnc_real *restrict y, nnc_real *restrict mid,
                                 const nnc_real *restrict x, const nnc_real *restrict dk,
                                 const nnc_real *restrict pk, const nnc_real *restrict b, int n)
{
    sep_dw_fwd(mid, x, dk, NULL, n);
    sep_pw_fwd(y, mid, pk, b, n * P);
}

/* scratch: the pointwise kernels' (PWS), mid's gradient (MIDB), the
 * transposed pointwise kernel (CM*F), then the depthwise kernels'. */
NNC_MAYBE_UNUSED static void separable_conv2d_bwd(nnc_real *restrict dx, nnc_real *restrict ddk,
                                                  nnc_real *restrict dpk, nnc_real *restrict db,
                                                  nnc_real *restrict dy,
                                                  const nnc_real *restrict x,
                                                  const nnc_real *restrict mid,
                                                  const nnc_real *restrict y,
                                                  const nnc_real *restrict dk,
                                                  const nnc_real *restrict pk,
                                                  nnc_real *restrict scratch, int n)
{
    nnc_real *dmid = scratch + PWS, *pkt = dmid + MIDB;
    sep_pw_bwd(NULL, dpk, db, dy, mid, y, pk, scratch, n * P); /* dy masked, dpk, db */
    for (int i = 0; i < CM; i++)
        for (int o = 0; o < F; o++)
            pkt[(long)o * CM + i] = pk[(long)i * F + o];
    sep_pwt_fwd(dmid, dy, pkt, NULL, n * P);
    sep_dw_bwd(dx, ddk, NULL, dmid, x, NULL, dk, pkt + (long)CM * F, n);
}
