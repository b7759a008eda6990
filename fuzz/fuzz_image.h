/* fuzz/fuzz_image.h — what the image targets (png.c, jpeg.c) check on a
 * decoded image: a size within the limits, 1..4 channels, and a fit to a
 * small input shape (every target channel count, interpolation and aspect
 * mode, picked by one byte of the input) that must succeed. */
#ifndef FUZZ_IMAGE_H
#define FUZZ_IMAGE_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "image.h"
#include "util.h"

/* A failure must say why: an empty reason would reach the user as "PATH: ". */
static inline void fuzz_check_reason(const char *err)
{
    if (!err[0])
        abort();
}

static inline void fuzz_check_and_fit(const nncrt_image *img, uint8_t pick)
{
    if (img->w < 1 || img->h < 1 || img->w > NNCRT_IMAGE_MAX_DIM || img->h > NNCRT_IMAGE_MAX_DIM ||
        (size_t)img->w * (size_t)img->h > NNCRT_IMAGE_MAX_PIXELS || img->c < 1 || img->c > 4 ||
        !img->px)
        abort();
    static const int channels[3] = { 1, 3, 4 };
    nncrt_image_opts o = { 5 + pick % 4, 7 - pick % 3, channels[(pick >> 2) % 3],
                           (pick >> 4) % 3, (pick >> 6) % 3 };
    uint8_t out[8 * 8 * 4];
    char err[120];
    if (nncrt_image_fit_opts(img, &o, out, err, sizeof err) != 0)
        abort();
}

#endif
