/* templates/augment_flip.c — Keras RandomFlip on one H x W x C image, in place. */
/* nnc:defaults begin */
#include "prelude.c"
#ifndef NNC_TEMPLATE_ARGS /* a test may set every placeholder itself */
#define H 5
#define W 4
#define C 3
#endif
/* nnc:defaults end */

static void aug_flip(nnc_real *img, int horizontal, int vertical)
{
    for (int y = 0; horizontal && y < H; y++)
        for (int x = 0; x < W / 2; x++)
            for (int c = 0; c < C; c++) {
                nnc_real *a = img + ((long)y * W + x) * C + c;
                nnc_real *b = img + ((long)y * W + (W - 1 - x)) * C + c;
                nnc_real t = *a;
                *a = *b, *b = t;
            }
    for (int y = 0; vertical && y < H / 2; y++)
        for (long i = 0; i < (long)W * C; i++) {
            nnc_real *a = img + (long)y * W * C + i, *b = img + (long)(H - 1 - y) * W * C + i;
            nnc_real t = *a;
            *a = *b, *b = t;
        }
}
