/* templates/augment_crop.c — Keras RandomCrop from an H x W x C image to the
 * OH x OW x C model input. Training cuts the window at (top, left); inference
 * (evaluate, predict, validation) takes Keras's largest centred window of the
 * target aspect ratio and resizes it bilinearly like tf.image.resize (half-pixel
 * centres, no antialiasing), which for an equal aspect ratio is a plain resize. */
/* nnc:defaults begin */
#include "prelude.c"
#ifndef NNC_TEMPLATE_ARGS /* a test may set every placeholder itself */
#define H 7
#define W 6
#define C 3
#define OH 4
#define OW 4
#endif
/* nnc:defaults end */

NNC_MAYBE_UNUSED static void aug_crop(nnc_real *restrict y, const nnc_real *restrict x, int top,
                                      int left)
{
    for (int r = 0; r < OH; r++)
        memcpy(y + (long)r * OW * C, x + ((long)(top + r) * W + left) * C,
               sizeof *y * OW * C);
}

/* Source row (or column) of output o, and the weight of the next one, for a
 * window of n pixels resized to m: in = (o + 0.5) n / m - 0.5, clamped. */
static void aug_crop_axis(int o, int n, int m, int *lo, int *hi, double *frac)
{
    double in = (o + 0.5) * ((double)n / m) - 0.5, f = floor(in);
    *lo = f < 0 ? 0 : (int)f;
    *hi = (int)ceil(in) > n - 1 ? n - 1 : (int)ceil(in);
    *hi = *hi < 0 ? 0 : *hi;
    *frac = in - f;
}

NNC_MAYBE_UNUSED static void aug_crop_infer(nnc_real *restrict y, const nnc_real *restrict x)
{
    int ch = (int)((double)W * OH / OW), cw = (int)((double)H * OW / OH);
    ch = ch > H ? H : ch < 1 ? 1 : ch;
    cw = cw > W ? W : cw < 1 ? 1 : cw;
    const nnc_real *win = x + ((long)((H - ch) / 2) * W + (W - cw) / 2) * C;
    for (int r = 0; r < OH; r++) {
        int r0, r1, c0, c1;
        double fr, fc;
        aug_crop_axis(r, ch, OH, &r0, &r1, &fr);
        for (int q = 0; q < OW; q++) {
            aug_crop_axis(q, cw, OW, &c0, &c1, &fc);
            for (int c = 0; c < C; c++) {
                double top = win[((long)r0 * W + c0) * C + c] * (1 - fc) +
                             win[((long)r0 * W + c1) * C + c] * fc;
                double bot = win[((long)r1 * W + c0) * C + c] * (1 - fc) +
                             win[((long)r1 * W + c1) * C + c] * fc;
                y[((long)r * OW + q) * C + c] = (nnc_real)(top + (bot - top) * fr);
            }
        }
    }
}
