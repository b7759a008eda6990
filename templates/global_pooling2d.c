/* templates/global_pooling2d.c — the mean (MAX 0) or the maximum (MAX 1) of
 * each channel over all HW pixels of a sample, channels-last: y[s][c].
 * Keras's keepdims only changes the shape, not the layout. The maximum's
 * backward sends dy to the first maximum in pixel order (as TensorFlow and
 * PyTorch do), found again from x and y: nothing is kept for backward. */
/* nnc:defaults begin */
#include "prelude.c"
#ifndef NNC_TEMPLATE_ARGS /* a test may set every placeholder itself */
#define HW 35
#define C 5
#define MAX 1
#endif
/* nnc:defaults end */

static void global_pooling2d_fwd(nnc_real *restrict y, const nnc_real *restrict x, int n)
{
#pragma omp parallel for schedule(static)
    for (long s = 0; s < n; s++) {
        nnc_real acc[C];
        const nnc_real *xs = x + s * HW * C;
        for (int c = 0; c < C; c++)
            acc[c] = MAX ? xs[c] : 0;
        for (int p = MAX; p < HW; p++)
            for (int c = 0; c < C; c++) {
                nnc_real v = xs[(long)p * C + c];
                acc[c] = MAX ? (v > acc[c] ? v : acc[c]) : acc[c] + v;
            }
        for (int c = 0; c < C; c++)
            y[s * C + c] = MAX ? acc[c] : acc[c] * ((nnc_real)1 / (nnc_real)HW);
    }
}

NNC_MAYBE_UNUSED static void global_pooling2d_bwd(nnc_real *restrict dx,
                                                  const nnc_real *restrict dy,
                                                  const nnc_real *restrict x,
                                                  const nnc_real *restrict y, int n)
{
    (void)x, (void)y;
    if (!dx)
        return;
#pragma omp parallel for schedule(static)
    for (long s = 0; s < n; s++) {
        nnc_real *d = dx + s * HW * C;
        const nnc_real *g = dy + s * C;
        if (!MAX) {
            for (int p = 0; p < HW; p++)
                for (int c = 0; c < C; c++)
                    d[(long)p * C + c] = g[c] * ((nnc_real)1 / (nnc_real)HW);
            continue;
        }
        const nnc_real *xs = x + s * HW * C, *ys = y + s * C;
        unsigned char done[C];
        for (int c = 0; c < C; c++)
            done[c] = 0;
        for (int p = 0; p < HW; p++)
            for (int c = 0; c < C; c++) {
                int first = !done[c] && xs[(long)p * C + c] == ys[c];
                d[(long)p * C + c] = first ? g[c] : 0;
                done[c] |= (unsigned char)first;
            }
    }
}
