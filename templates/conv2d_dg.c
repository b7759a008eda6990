/* templates/conv2d_dg.c — Keras Conv2D with dilation_rate DLH x DLW and/or
 * G groups, channels-last, kernel (KH,KW,IC/G,OC) as in Keras: output
 * channel co of group co/(OC/G) reads input channels of that group only.
 * Scalar kernels, the inner loops over a group's output channels; conv2d
 * without dilation or groups keeps templates/conv2d*.c. The kernel gradient
 * sums per-sample partials in sample order: no result depends on threads. */
/* nnc:defaults begin */
#include "prelude.c"
#ifndef NNC_TEMPLATE_ARGS /* a test may set every placeholder itself */
#define IH 9
#define IW 8
#define IC 4
#define OH 5
#define OW 4
#define OC 6
#define G 2
#define KH 3
#define KW 3
#define SH 1
#define SW 1
#define DLH 2
#define DLW 2
#define PT 0
#define PL 0
#define RELU 1
#define BIAS 1
#define NEED_DX 1
#define MASK_DY RELU /* 0 when the next layer applies the ReLU mask */
#define MASK_DX 0    /* 1: the layer before ends in a ReLU whose mask dx applies */
#endif
/* nnc:defaults end */

#define ICG (IC / G)
#define OCG (OC / G)
#define KSZ (KH * KW * ICG * OC) /* kernel values */

static void conv2d_dg_fwd(nnc_real *restrict y, const nnc_real *restrict x,
                          const nnc_real *restrict w, const nnc_real *restrict b, int n)
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
                    const nnc_real *wp = w + (long)(kh * KW + kw) * ICG * OC;
                    for (int g = 0; g < G; g++)
                        for (int ci = 0; ci < ICG; ci++) {
                            nnc_real xv = xp[g * ICG + ci];
                            const nnc_real *wr = wp + (long)ci * OC + g * OCG;
                            nnc_real *a = acc + g * OCG;
                            for (int co = 0; co < OCG; co++)
                                a[co] += xv * wr[co];
                        }
                }
            }
            nnc_real *yp = y + ((s * OH + oh) * OW + ow) * OC;
            for (int co = 0; co < OC; co++)
                yp[co] = RELU ? (acc[co] > 0 ? acc[co] : 0) : acc[co];
        }
    }
}

/* dw (and db): each sample's sums into part[s] (KSZ + OC floats), then
 * added over the samples in order. */
static void conv2d_dg_dw(nnc_real *restrict dw, nnc_real *restrict db, nnc_real *restrict part,
                         const nnc_real *restrict dy, const nnc_real *restrict x, int n)
{
    (void)db;
    const long per = (long)KSZ + OC;
#pragma omp parallel
    {
#pragma omp for schedule(static)
        for (long s = 0; s < n; s++) {
            nnc_real *p = part + s * per, *pb = p + KSZ;
            for (long t = 0; t < per; t++)
                p[t] = 0;
            for (int oh = 0; oh < OH; oh++)
                for (int ow = 0; ow < OW; ow++) {
                    const nnc_real *gp = dy + ((s * OH + oh) * OW + ow) * OC;
                    for (int co = 0; co < OC; co++)
                        pb[co] += gp[co];
                    for (int kh = 0; kh < KH; kh++) {
                        int ih = oh * SH - PT + kh * DLH;
                        if (ih < 0 || ih >= IH)
                            continue;
                        for (int kw = 0; kw < KW; kw++) {
                            int iw = ow * SW - PL + kw * DLW;
                            if (iw < 0 || iw >= IW)
                                continue;
                            const nnc_real *xp = x + ((s * IH + ih) * IW + iw) * IC;
                            nnc_real *d = p + (long)(kh * KW + kw) * ICG * OC;
                            for (int g = 0; g < G; g++)
                                for (int ci = 0; ci < ICG; ci++) {
                                    nnc_real xv = xp[g * ICG + ci];
                                    nnc_real *dr = d + (long)ci * OC + g * OCG;
                                    const nnc_real *gg = gp + g * OCG;
                                    for (int co = 0; co < OCG; co++)
                                        dr[co] += xv * gg[co];
                                }
                        }
                    }
                }
        }
#pragma omp for schedule(static)
        for (long t = 0; t < (BIAS ? per : KSZ); t++) {
            nnc_real acc = 0;
            for (long s = 0; s < n; s++)
                acc += part[s * per + t];
            if (t < KSZ)
                dw[t] = acc;
            else
                db[t - KSZ] = acc;
        }
    }
}

/* dx[n][IH][IW][IC] gathered from every output pixel whose window covers it,
 * through wt = the kernel transposed to (KH,KW,OC,IC/G), so the inner loop
 * runs over a group's input channels; with MASK_DX 0 where x (a ReLU's
 * output) is not positive. */
static void conv2d_dg_dx(nnc_real *restrict dx, const nnc_real *restrict dy,
                         const nnc_real *restrict x, const nnc_real *restrict w,
                         nnc_real *restrict wt, int n)
{
    (void)x;
    nnc_transpose_taps(wt, w, KH * KW, ICG, OC);
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
                    const nnc_real *gp = dy + ((s * OH + th / SH) * OW + tw / SW) * OC;
                    const nnc_real *wp = wt + (long)(kh * KW + kw) * OC * ICG;
                    for (int co = 0; co < OC; co++) {
                        nnc_real gv = gp[co];
                        const nnc_real *wr = wp + (long)co * ICG;
                        nnc_real *a = acc + co / OCG * ICG;
                        for (int ci = 0; ci < ICG; ci++)
                            a[ci] += gv * wr[ci];
                    }
                }
            }
            long at = ((s * IH + ih) * IW + iw) * IC;
            for (int ci = 0; ci < IC; ci++)
                dx[at + ci] = MASK_DX && x[at + ci] <= 0 ? 0 : acc[ci];
        }
    }
}

/* Backward: dy is overwritten with the gradient before the activation;
 * scratch: n * (KSZ + OC) floats of dw's partials, then KSZ of wt. */
NNC_MAYBE_UNUSED static void conv2d_dg_bwd(nnc_real *restrict dx, nnc_real *restrict dw,
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
    conv2d_dg_dw(dw, db, scratch, dy, x, n);
    if (NEED_DX)
        conv2d_dg_dx(dx, dy, x, w, scratch + (long)n * (KSZ + OC), n);
}
#undef ICG
#undef OCG
#undef KSZ
