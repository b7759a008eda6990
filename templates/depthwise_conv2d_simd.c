/* templates/depthwise_conv2d_simd.c — depthwise convolution (depth_multiplier
 * 1) on a SIMD target, vectors over the C channels (channels-last: a pixel's
 * channels are contiguous, and so are a tap's weights). Memory-bound: each
 * kernel reads its inputs once per pixel block and keeps the sums in
 * registers. Channels past the last whole vector take scalar fused
 * multiply-adds in the same order, so every channel's result is the same for
 * any vector width. The scalar twin is templates/depthwise_conv2d.c. */
/* nnc:defaults begin */
#include "simd_prelude.c"
#ifndef NNC_TEMPLATE_ARGS /* a test may set every placeholder itself */
#define IH 9
#define IW 11
#define C 19
#define OH 9
#define OW 11
#define KH 3
#define KW 3
#define SH 1
#define SW 1
#define DLH 1
#define DLW 1
#define PT 1
#define PL 1
#define RELU 1
#define BIAS 1
#define PB 4 /* output pixels of a forward block */
#define TB 9 /* kernel taps of a kernel-gradient block */
#endif
/* nnc:defaults end */

#define CV (C / NNC_VW * NNC_VW) /* channels in whole vectors */

/* PB (or np) pixels of output row oh from column ow0: bias, then every tap's
 * product in kh, kw order (a tap in the padding adds nothing). */
NNC_INLINE void depthwise_conv2d_simd_block(nnc_real *restrict y, const nnc_real *restrict x,
                                            const nnc_real *restrict w,
                                            const nnc_real *restrict b, long s, int oh,
                                            int ow0, const int np)
{
    for (int c = 0; c < CV; c += NNC_VW) {
        nnc_vec acc[PB];
        for (int p = 0; p < np; p++)
            acc[p] = BIAS ? nnc_vload(b + c) : nnc_vzero();
        for (int kh = 0; kh < KH; kh++) {
            int ih = oh * SH - PT + kh * DLH;
            if (ih < 0 || ih >= IH)
                continue;
            const nnc_real *xr = x + (s * IH + ih) * IW * C + c;
            for (int kw = 0; kw < KW; kw++) {
                nnc_vec wv = nnc_vload(w + (kh * KW + kw) * C + c);
                for (int p = 0; p < np; p++) {
                    int iw = (ow0 + p) * SW - PL + kw * DLW;
                    if (iw >= 0 && iw < IW)
                        acc[p] = nnc_vfma(nnc_vload(xr + (long)iw * C), wv, acc[p]);
                }
            }
        }
        for (int p = 0; p < np; p++) {
            nnc_vec r = RELU ? nnc_vmax(acc[p], nnc_vzero()) : acc[p];
            nnc_vstore(y + ((s * OH + oh) * OW + ow0 + p) * C + c, r);
        }
    }
    for (int c = CV; c < C; c++) /* the tail, as the vector lanes compute it */
        for (int p = 0; p < np; p++) {
            nnc_real acc = BIAS ? b[c] : 0;
            int ow = ow0 + p;
            for (int kh = 0; kh < KH; kh++) {
                int ih = oh * SH - PT + kh * DLH;
                if (ih < 0 || ih >= IH)
                    continue;
                for (int kw = 0; kw < KW; kw++) {
                    int iw = ow * SW - PL + kw * DLW;
                    if (iw >= 0 && iw < IW)
                        acc = fmaf(x[((s * IH + ih) * IW + iw) * C + c], w[(kh * KW + kw) * C + c],
                                   acc);
                }
            }
            y[((s * OH + oh) * OW + ow) * C + c] = RELU ? (acc > 0 ? acc : 0) : acc; /* as vmax */
        }
}

static void depthwise_conv2d_simd_fwd(nnc_real *restrict y, const nnc_real *restrict x,
                                      const nnc_real *restrict w, const nnc_real *restrict b,
                                      int n)
{
    (void)b;
#pragma omp parallel for schedule(static)
    for (long row = 0; row < (long)n * OH; row++) {
        long s = row / OH;
        int oh = (int)(row % OH);
        for (int ow = 0; ow + PB <= OW; ow += PB)
            depthwise_conv2d_simd_block(y, x, w, b, s, oh, ow, PB);
        if (OW % PB)
            depthwise_conv2d_simd_block(y, x, w, b, s, oh, OW - OW % PB, OW % PB);
    }
}

/* Taps [t0, t0 + nt) of one sample's kernel gradient into p (and with BIAS
 * and t0 == 0 the bias gradient into pb): nt accumulators per channel vector
 * over every output pixel, summed in pixel order. */
NNC_INLINE void depthwise_conv2d_simd_dw_taps(nnc_real *restrict p, nnc_real *restrict pb,
                                              const nnc_real *restrict dy,
                                              const nnc_real *restrict x, long s, int t0,
                                              const int nt)
{
    const int db = BIAS && t0 == 0;
    for (int c = 0; c < CV; c += NNC_VW) {
        nnc_vec acc[TB], ab = nnc_vzero();
        for (int t = 0; t < nt; t++)
            acc[t] = nnc_vzero();
        for (int oh = 0; oh < OH; oh++)
            for (int ow = 0; ow < OW; ow++) {
                nnc_vec g = nnc_vload(dy + ((s * OH + oh) * OW + ow) * C + c);
                if (db)
                    ab = nnc_vadd(ab, g);
                for (int t = 0; t < nt; t++) {
                    int kh = (t0 + t) / KW, kw = (t0 + t) % KW;
                    int ih = oh * SH - PT + kh * DLH, iw = ow * SW - PL + kw * DLW;
                    if (ih >= 0 && ih < IH && iw >= 0 && iw < IW)
                        acc[t] = nnc_vfma(nnc_vload(x + ((s * IH + ih) * IW + iw) * C + c), g,
                                          acc[t]);
                }
            }
        for (int t = 0; t < nt; t++)
            nnc_vstore(p + (long)(t0 + t) * C + c, acc[t]);
        if (db)
            nnc_vstore(pb + c, ab);
    }
    for (int c = CV; c < C; c++) {
        nnc_real acc[TB] = {0}, ab = 0;
        for (int oh = 0; oh < OH; oh++)
            for (int ow = 0; ow < OW; ow++) {
                nnc_real g = dy[((s * OH + oh) * OW + ow) * C + c];
                ab += g;
                for (int t = 0; t < nt; t++) {
                    int kh = (t0 + t) / KW, kw = (t0 + t) % KW;
                    int ih = oh * SH - PT + kh * DLH, iw = ow * SW - PL + kw * DLW;
                    if (ih >= 0 && ih < IH && iw >= 0 && iw < IW)
                        acc[t] = fmaf(x[((s * IH + ih) * IW + iw) * C + c], g, acc[t]);
                }
            }
        for (int t = 0; t < nt; t++)
            p[(long)(t0 + t) * C + c] = acc[t];
        if (db)
            pb[c] = ab;
    }
}

/* dw[KH][KW][C][1] and db[C]: per-sample partials in part (n * (KH*KW + 1) * C
 * floats), then summed over the samples in order. */
static void depthwise_conv2d_simd_dw(nnc_real *restrict dw, nnc_real *restrict db,
                                     nnc_real *restrict part, const nnc_real *restrict dy,
                                     const nnc_real *restrict x, int n)
{
    (void)db;
    const long per = (long)(KH * KW + 1) * C;
#pragma omp parallel
    {
#pragma omp for schedule(static)
        for (long s = 0; s < n; s++) {
            nnc_real *p = part + s * per;
            for (int t0 = 0; t0 + TB <= KH * KW; t0 += TB)
                depthwise_conv2d_simd_dw_taps(p, p + (long)KH * KW * C, dy, x, s, t0, TB);
            if ((KH * KW) % TB)
                depthwise_conv2d_simd_dw_taps(p, p + (long)KH * KW * C, dy, x, s,
                                              KH * KW - (KH * KW) % TB, (KH * KW) % TB);
        }
        const long rows = BIAS ? KH * KW + 1 : KH * KW;
#pragma omp for schedule(static)
        for (long r = 0; r < rows; r++) {
            nnc_real *d = r < KH * KW ? dw + r * C : db;
            for (int c = 0; c < C; c++)
                d[c] = part[r * C + c];
            for (long s = 1; s < n; s++)
                for (int c = 0; c < C; c++)
                    d[c] += part[s * per + r * C + c];
        }
    }
}

/* dx[n][IH][IW][C]: per input pixel, the taps whose output pixel exists,
 * then each channel vector summed over them in kh, kw order. */
static void depthwise_conv2d_simd_dx(nnc_real *restrict dx, const nnc_real *restrict dy,
                                     const nnc_real *restrict w, int n)
{
#pragma omp parallel for schedule(static)
    for (long row = 0; row < (long)n * IH; row++) {
        long s = row / IH;
        int ih = (int)(row % IH);
        for (int iw = 0; iw < IW; iw++) {
            long go[KH * KW] = {0}; /* (initialized: gcc cannot see nt bound them) */
            int wo[KH * KW] = {0}, nt = 0;
            for (int kh = 0; kh < KH; kh++) {
                int th = ih + PT - kh * DLH;
                if (th < 0 || th % SH || th / SH >= OH)
                    continue;
                for (int kw = 0; kw < KW; kw++) {
                    int tw = iw + PL - kw * DLW;
                    if (tw < 0 || tw % SW || tw / SW >= OW)
                        continue;
                    go[nt] = ((s * OH + th / SH) * OW + tw / SW) * C;
                    wo[nt++] = (kh * KW + kw) * C;
                }
            }
            nnc_real *d = dx + ((s * IH + ih) * IW + iw) * C;
            for (int c = 0; c < CV; c += NNC_VW) {
                nnc_vec acc = nnc_vzero();
                for (int t = 0; t < nt; t++)
                    acc = nnc_vfma(nnc_vload(dy + go[t] + c), nnc_vload(w + wo[t] + c), acc);
                nnc_vstore(d + c, acc);
            }
            for (int c = CV; c < C; c++) {
                nnc_real acc = 0;
                for (int t = 0; t < nt; t++)
                    acc = fmaf(dy[go[t] + c], w[wo[t] + c], acc);
                d[c] = acc;
            }
        }
    }
}
#undef CV
