/* templates/max_pooling2d.c — max pooling, channels-last. Padding cells (for
 * padding same) never win. The backward pass sends each output's gradient to
 * the first maximum of its window in (kh,kw) order, as TensorFlow and PyTorch do.
 * Where windows tile the input (the usual pool_size = strides, no padding), the
 * forward pass also records that position in am[] (one byte per output), so
 * the backward pass reads am and dy, not the input and output again.
 * RELU_BEFORE: the layer before ends in a ReLU whose mask this backward pass
 * applies (a maximum <= 0 passes no gradient), so that layer can skip its own.
 * Without DX, the conv2d before reads dy and am itself (see
 * templates/conv2d_simd_bwd.c): this pass only sums its bias gradient (DB). */
/* nnc:defaults begin */
#include "prelude.c"
#ifndef NNC_TEMPLATE_ARGS /* a test may set every placeholder itself */
#define IH 7
#define IW 7
#define C 3
#define OH 3
#define OW 3
#define PH 2
#define PW 2
#define SH 2
#define SW 2
#define PT 0
#define PL 0
#define RELU_BEFORE 0
#define DB 0 /* also the bias gradient of the conv2d before (it computes this pool) */
#define DX 1 /* 0: that conv's kernel gradient reads dy and am itself (no dx here) */
#endif
#ifndef NNC_BATCH /* the generated file defines it */
#define NNC_BATCH 32
#endif
/* nnc:defaults end */

/* windows tile the input without overlap or padding (none at the top or left,
 * and none past the bottom or right either): backward is a gather */
#define TILED (SH == PH && SW == PW && PT == 0 && PL == 0 && OH * PH <= IH && OW * PW <= IW)
/* ... and a window position fits in a byte, with PH*PW meaning "no gradient" */
#define ARGMAX (TILED && PH * PW < 255)
#if !DX && !ARGMAX
#error "max_pooling2d: only tiled windows leave dx to the conv before"
#endif

/* Tiled windows: the maximum and its position; first maximum wins. The
 * window loops sit inside the channel loop, so that one vectorizes. */
static void max_pooling2d_fwd_argmax(nnc_real *restrict y, const nnc_real *restrict x,
                                     unsigned char *restrict am, long row)
{
    long s = row / OH;
    int oh = (int)(row % OH);
    for (int ow = 0; ow < OW; ow++) {
        const nnc_real *xp = x + ((s * IH + oh * PH) * IW + ow * PW) * C;
        long o = ((s * OH + oh) * OW + ow) * C;
        for (int c = 0; c < C; c++) {
            nnc_real m = -INFINITY, k = 0; /* the position as a float: one vector width */
            for (int kh = 0; kh < PH; kh++)
                for (int kw = 0; kw < PW; kw++) {
                    nnc_real v = xp[((long)kh * IW + kw) * C + c];
                    k = v > m ? (nnc_real)(kh * PW + kw) : k;
                    m = v > m ? v : m;
                }
            y[o + c] = m;
            am[o + c] = (unsigned char)(!RELU_BEFORE || m > 0 ? k : PH * PW);
        }
    }
}

NNC_MAYBE_UNUSED static void max_pooling2d_fwd(nnc_real *restrict y, const nnc_real *restrict x,
                                               unsigned char *restrict am, int n)
{
    (void)am;
    if (ARGMAX) {
#pragma omp parallel for schedule(static)
        for (long row = 0; row < (long)n * OH; row++)
            max_pooling2d_fwd_argmax(y, x, am, row);
        return;
    }
#pragma omp parallel for schedule(static)
    for (long row = 0; row < (long)n * OH; row++) {
        long s = row / OH;
        int oh = (int)(row % OH);
        for (int ow = 0; ow < OW; ow++) {
            nnc_real m[C];
            for (int c = 0; c < C; c++)
                m[c] = -INFINITY;
            for (int kh = 0; kh < PH; kh++) {
                int ih = oh * SH - PT + kh;
                if (ih < 0 || ih >= IH)
                    continue;
                for (int kw = 0; kw < PW; kw++) {
                    int iw = ow * SW - PL + kw;
                    if (iw < 0 || iw >= IW)
                        continue;
                    const nnc_real *xp = x + ((s * IH + ih) * IW + iw) * C;
                    for (int c = 0; c < C; c++)
                        m[c] = xp[c] > m[c] ? xp[c] : m[c];
                }
            }
            memcpy(y + ((s * OH + oh) * OW + ow) * C, m, sizeof m);
        }
    }
}

/* Tiled windows: each input cell belongs to at most one window, so dx is
 * written once, in order, vectorized over channels, with no scatter. With DB,
 * part[C] gets the sample's sum of dx per channel: dy where a window passes
 * its gradient on. */
static void max_pooling2d_bwd_tiled(nnc_real *restrict dx, const nnc_real *restrict dy,
                                    const unsigned char *restrict am, nnc_real *restrict part,
                                    long s)
{
    if (DX && (OH * PH < IH || OW * PW < IW)) /* cells no window covers */
        memset(dx + s * IH * IW * C, 0, sizeof *dx * IH * IW * C);
    if (DB)
        for (int c = 0; c < C; c++)
            part[c] = 0;
    for (int oh = 0; oh < OH; oh++)
        for (int ow = 0; ow < OW; ow++) {
            long o = ((s * OH + oh) * OW + ow) * C;
            for (int kh = 0; kh < PH && DX; kh++)
                for (int kw = 0; kw < PW; kw++) {
                    long at = ((s * IH + oh * PH + kh) * IW + ow * PW + kw) * C;
                    for (int c = 0; c < C; c++)
                        dx[at + c] = am[o + c] == kh * PW + kw ? dy[o + c] : 0;
                }
            if (DB)
                for (int c = 0; c < C; c++)
                    part[c] += am[o + c] < PH * PW ? dy[o + c] : 0;
        }
}

/* Overlapping or padded windows: outputs in (oh,ow) order, each adding its
 * gradient to the first input cell of its window equal to its maximum. The
 * channel loops are innermost, so they vectorize: g holds each channel's
 * gradient until a window position takes it (a later equal cell gets 0). */
static void max_pooling2d_bwd_windows(nnc_real *restrict dx, const nnc_real *restrict dy,
                                      const nnc_real *restrict x, const nnc_real *restrict y,
                                      long s)
{
    memset(dx + s * IH * IW * C, 0, sizeof *dx * IH * IW * C);
    for (int oh = 0; oh < OH; oh++)
        for (int ow = 0; ow < OW; ow++) {
            long o = ((s * OH + oh) * OW + ow) * C;
            nnc_real g[C];
            for (int c = 0; c < C; c++)
                g[c] = !RELU_BEFORE || y[o + c] > 0 ? dy[o + c] : 0;
            for (int kh = 0; kh < PH; kh++) {
                int ih = oh * SH - PT + kh;
                if (ih < 0 || ih >= IH)
                    continue;
                for (int kw = 0; kw < PW; kw++) {
                    int iw = ow * SW - PL + kw;
                    if (iw < 0 || iw >= IW)
                        continue;
                    long at = ((s * IH + ih) * IW + iw) * C;
                    for (int c = 0; c < C; c++) {
                        int hit = x[at + c] == y[o + c];
                        dx[at + c] += hit ? g[c] : 0;
                        g[c] = hit ? 0 : g[c];
                    }
                }
            }
        }
}

/* part: scratch of n*C values, with DB */
NNC_MAYBE_UNUSED static void max_pooling2d_bwd(nnc_real *restrict dx, const nnc_real *restrict dy,
                              const nnc_real *restrict x, const nnc_real *restrict y,
                              const unsigned char *restrict am, nnc_real *restrict db,
                              nnc_real *restrict part, int n)
{
    (void)am, (void)db, (void)part;
    if (ARGMAX) {
#pragma omp parallel for schedule(static)
        for (long s = 0; s < n; s++)
            max_pooling2d_bwd_tiled(dx, dy, am, part + s * C, s);
        if (DB)
            nnc_sum_rows(db, part, n, C, NNC_BATCH);
        return;
    }
#pragma omp parallel for schedule(static)
    for (long s = 0; s < n; s++)
        max_pooling2d_bwd_windows(dx, dy, x, y, s);
}
#undef TILED
#undef ARGMAX
