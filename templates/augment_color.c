/* templates/augment_color.c — Keras RandomContrast and RandomBrightness on one
 * H x W x C image, in place, clipped to the value range [VLO, VHI]. */
/* nnc:defaults begin */
#include "prelude.c"
#ifndef NNC_TEMPLATE_ARGS /* a test may set every placeholder itself */
#define H 5
#define W 4
#define C 3
#define VLO 0.0
#define VHI 255.0
#endif
/* nnc:defaults end */

static nnc_real aug_color_clip(double v)
{
    return (nnc_real)(v < VLO ? VLO : v > VHI ? VHI : v);
}

/* (x - mean) * factor + mean, the mean per channel over H and W. */
NNC_MAYBE_UNUSED static void aug_contrast(nnc_real *img, double factor)
{
    double mean[C] = {0};
    for (long i = 0; i < (long)H * W; i++)
        for (int c = 0; c < C; c++)
            mean[c] += img[i * C + c];
    for (int c = 0; c < C; c++)
        mean[c] /= (double)H * W;
    for (long i = 0; i < (long)H * W; i++)
        for (int c = 0; c < C; c++)
            img[i * C + c] = aug_color_clip((img[i * C + c] - mean[c]) * factor + mean[c]);
}

/* x + delta, delta already scaled to the value range. */
NNC_MAYBE_UNUSED static void aug_brightness(nnc_real *img, double delta)
{
    for (long i = 0; i < (long)H * W * C; i++)
        img[i] = aug_color_clip(img[i] + delta);
}
