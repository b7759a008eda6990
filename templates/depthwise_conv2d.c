/* templates/depthwise_conv2d.c — Keras DepthwiseConv2D, channels-last: each
 * input channel ci is convolved with its own DM filters into output channels
 * ci*DM .. ci*DM+DM-1, kernel (KH,KW,IC,DM) as in Keras, dilation DLH x DLW,
 * bias and ReLU fused. The scalar kernels (reference, and the fallback of
 * every target); templates/depthwise_conv2d_simd.c is the SIMD twin. The
 * kernel gradient is a sum over the batch: per-sample partials in scratch,
 * then added in sample order, so no result depends on the threads. */
/* nnc:defaults begin */
#include "prelude.c"
#ifndef NNC_TEMPLATE_ARGS /* a test may set every placeholder itself */
#define IH 7
#define IW 6
#define IC 3
#define DM 2
#define OC 6
#define OH 4
#define OW 3
#define KH 3
#define KW 3
#define SH 2
#define SW 2
#define DLH 1
#define DLW 1
#define PT 1
#define PL 1
#define RELU 1
#define BIAS 1
#define NEED_DX 1
#define MASK_DY RELU /* 0 when the next layer applies the ReLU mask */
#endif
#define dwc_dw_impl depthwise_conv2d_dw
#define dwc_dx_impl depthwise_conv2d_dx
/* nnc:defaults end */

/* y[n][OH][OW][OC] = act(depthwise(x[n][IH][IW][IC], w) + b) */
NNC_MAYBE_UNUSED static void depthwise_conv2d_fwd(nnc_real *restrict y,
                                                  const nnc_real *restrict x,
                                                  const nnc_real *restrict w,
                                                  const nnc_real *restrict b, int n)
{
    (void)b;
#pragma omp parallel for schedule(static)
    for (long row = 0; row < (long)n * OH; row++) {
        long s = row / OH;
        int oh = (int)(row % OH);
        for (int ow = 0; ow < OW; ow++) {
            nnc_real acc[OC];
            for (int co = 0; co < OC; co++)
                acc[co] = BIAS ? b[co] : 0;
            for (int kh = 0; kh < KH; kh++) {
                int ih = oh * SH - PT + kh * DLH;
                if (ih < 0 || ih >= IH)
                    continue;
                for (int kw = 0; kw < KW; kw++) {
                    int iw = ow * SW - PL + kw * DLW;
                    if (iw < 0 || iw >= IW)
                        continue;
                    const nnc_real *xp = x + ((s * IH + ih) * IW + iw) * IC;
                    const nnc_real *wp = w + (long)(kh * KW + kw) * OC;
                    for (int ci = 0; ci < IC; ci++)
                        for (int m = 0; m < DM; m++)
                            acc[ci * DM + m] += xp[ci] * wp[ci * DM + m];
                }
            }
            nnc_real *yp = y + ((s * OH + oh) * OW + ow) * OC;
            for (int co = 0; co < OC; co++)
                yp[co] = RELU ? (acc[co] > 0 ? acc[co] : 0) : acc[co];
        }
    }
}

/* dw[t] = sum over samples of part[s][t], in sample order (t: every kernel
 * value, then with BIAS every bias value); part holds KH*KW*OC + OC per sample. */
NNC_MAYBE_UNUSED static void depthwise_conv2d_reduce(nnc_real *restrict dw,
                                                     nnc_real *restrict db,
                                                     const nnc_real *restrict part, int n)
{
    (void)db;
    const long per = (long)(KH * KW + 1) * OC;
#pragma omp parallel for schedule(static)
    for (long t = 0; t < per; t++) {
        if (!BIAS && t >= (long)KH * KW * OC)
            continue;
        nnc_real acc = 0;
        for (long s = 0; s < n; s++)
            acc += part[s * per + t];
        if (t < (long)KH * KW * OC)
            dw[t] = acc;
        else
            db[t - (long)KH * KW * OC] = acc;
    }
}

/* dw[KH][KW][IC][DM] and db[OC]: each sample's sums over its output pixels
 * into part[s], then depthwise_conv2d_reduce. */
NNC_MAYBE_UNUSED static void depthwise_conv2d_dw(nnc_real *restrict dw, nnc_real *restrict db,
                                                 nnc_real *restrict part,
                                                 const nnc_real *restrict dy,
                                                 const nnc_real *restrict x, int n)
{
    const long per = (long)(KH * KW + 1) * OC;
#pragma omp parallel for schedule(static)
    for (long s = 0; s < n; s++) {
        nnc_real *p = part + s * per, *pb = p + (long)KH * KW * OC;
        for (long t = 0; t < per; t++)
            p[t] = 0;
        for (int oh = 0; oh < OH; oh++)
            for (int ow = 0; ow < OW; ow++) {
                const nnc_real *g = dy + ((s * OH + oh) * OW + ow) * OC;
                for (int co = 0; co < OC; co++)
                    pb[co] += g[co];
                for (int kh = 0; kh < KH; kh++) {
                    int ih = oh * SH - PT + kh * DLH;
                    if (ih < 0 || ih >= IH)
                        continue;
                    for (int kw = 0; kw < KW; kw++) {
                        int iw = ow * SW - PL + kw * DLW;
                        if (iw < 0 || iw >= IW)
                            continue;
                        const nnc_real *xp = x + ((s * IH + ih) * IW + iw) * IC;
                        nnc_real *d = p + (long)(kh * KW + kw) * OC;
                        for (int ci = 0; ci < IC; ci++)
                            for (int m = 0; m < DM; m++)
                                d[ci * DM + m] += xp[ci] * g[ci * DM + m];
                    }
                }
            }
    }
    depthwise_conv2d_reduce(dw, db, part, n);
}

/* dx[n][IH][IW][IC] gathered from every output pixel whose window covers it. */
NNC_MAYBE_UNUSED static void depthwise_conv2d_dx(nnc_real *restrict dx,
                                                 const nnc_real *restrict dy,
                                                 const nnc_real *restrict w, int n)
{
#pragma omp parallel for schedule(static)
    for (long row = 0; row < (long)n * IH; row++) {
        long s = row / IH;
        int ih = (int)(row % IH);
        for (int iw = 0; iw < IW; iw++) {
            nnc_real acc[IC];
            for (int ci = 0; ci < IC; ci++)
                acc[ci] = 0;
            for (int kh = 0; kh < KH; kh++) {
                int th = ih + PT - kh * DLH;
                if (th < 0 || th % SH || th / SH >= OH)
                    continue;
                for (int kw = 0; kw < KW; kw++) {
                    int tw = iw + PL - kw * DLW;
                    if (tw < 0 || tw % SW || tw / SW >= OW)
                        continue;
                    const nnc_real *g = dy + ((s * OH + th / SH) * OW + tw / SW) * OC;
                    const nnc_real *wp = w + (long)(kh * KW + kw) * OC;
                    for (int ci = 0; ci < IC; ci++)
                        for (int m = 0; m < DM; m++)
                            acc[ci] += g[ci * DM + m] * wp[ci * DM + m];
                }
            }
            nnc_real *d = dx + ((s * IH + ih) * IW + iw) * IC;
            for (int ci = 0; ci < IC; ci++)
                d[ci] = acc[ci];
        }
    }
}

/* Backward: dy is overwritten with the gradient before the activation; dw
 * (and db) from it, dx only when a layer before has parameters. scratch:
 * n * (KH*KW + 1) * OC floats. */
NNC_MAYBE_UNUSED static void depthwise_conv2d_bwd(nnc_real *restrict dx, nnc_real *restrict dw,
                                                  nnc_real *restrict db, nnc_real *restrict dy,
                                                  const nnc_real *restrict x,
                                                  const nnc_real *restrict y,
                                                  const nnc_real *restrict w,
                                                  nnc_real *restrict scratch, int n)
{
    (void)dx, (void)y, (void)w;
    if (MASK_DY)
        for (long i = 0; i < (long)n * OH * OW * OC; i++)
            dy[i] = y[i] <= 0 ? 0 : dy[i];
    dwc_dw_impl(dw, db, scratch, dy, x, n);
    if (NEED_DX)
        dwc_dx_impl(dx, dy, w, n);
}
