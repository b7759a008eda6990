/* templates/average_pooling2d.c — average pooling, channels-last. Each
 * output is the mean of the window's cells inside the input: with padding
 * same the divisor excludes the padded cells (Keras, TensorFlow). Backward
 * sends dy / count to every cell of the window; windows may overlap
 * (strides < pool_size), so each sample's dx is cleared and accumulated,
 * one sample per thread. Loops over channels are innermost: they vectorize. */
/* nnc:defaults begin */
#include "prelude.c"
#ifndef NNC_TEMPLATE_ARGS /* a test may set every placeholder itself */
#define IH 7
#define IW 7
#define C 3
#define OH 4
#define OW 4
#define PH 3
#define PW 3
#define SH 2
#define SW 2
#define PT 1
#define PL 1
#endif
/* nnc:defaults end */

/* the window of output (oh, ow) clipped to the input: rows [h0, h1), cols [w0, w1) */
#define AVG_WINDOW(oh, ow)                                                                     \
    int h0 = (oh) * SH - PT, w0 = (ow) * SW - PL, h1 = h0 + PH, w1 = w0 + PW;                 \
    h0 = h0 < 0 ? 0 : h0, w0 = w0 < 0 ? 0 : w0;                                                \
    h1 = h1 > IH ? IH : h1, w1 = w1 > IW ? IW : w1;                                            \
    const nnc_real inv = (nnc_real)1 / (nnc_real)((h1 - h0) * (w1 - w0))

static void average_pooling2d_fwd(nnc_real *restrict y, const nnc_real *restrict x, int n)
{
#pragma omp parallel for schedule(static)
    for (long row = 0; row < (long)n * OH; row++) {
        long s = row / OH;
        int oh = (int)(row % OH);
        for (int ow = 0; ow < OW; ow++) {
            AVG_WINDOW(oh, ow);
            nnc_real acc[C];
            for (int c = 0; c < C; c++)
                acc[c] = 0;
            for (int ih = h0; ih < h1; ih++)
                for (int iw = w0; iw < w1; iw++) {
                    const nnc_real *xp = x + ((s * IH + ih) * IW + iw) * C;
                    for (int c = 0; c < C; c++)
                        acc[c] += xp[c];
                }
            nnc_real *yp = y + ((s * OH + oh) * OW + ow) * C;
            for (int c = 0; c < C; c++)
                yp[c] = acc[c] * inv;
        }
    }
}

NNC_MAYBE_UNUSED static void average_pooling2d_bwd(nnc_real *restrict dx,
                                                   const nnc_real *restrict dy, int n)
{
    if (!dx)
        return;
#pragma omp parallel for schedule(static)
    for (long s = 0; s < n; s++) {
        memset(dx + s * IH * IW * C, 0, sizeof *dx * IH * IW * C);
        for (int oh = 0; oh < OH; oh++)
            for (int ow = 0; ow < OW; ow++) {
                AVG_WINDOW(oh, ow);
                const nnc_real *g = dy + ((s * OH + oh) * OW + ow) * C;
                for (int ih = h0; ih < h1; ih++)
                    for (int iw = w0; iw < w1; iw++) {
                        nnc_real *d = dx + ((s * IH + ih) * IW + iw) * C;
                        for (int c = 0; c < C; c++)
                            d[c] += g[c] * inv;
                    }
            }
    }
}
#undef AVG_WINDOW
