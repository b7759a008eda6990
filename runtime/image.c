/* image.c — channel conversion and bilinear resize of 8-bit HWC images. */
#include "image.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* tf.image.rgb_to_grayscale weights (ITU-R 601). */
static uint8_t luma(const uint8_t *p)
{
    float y = 0.2989f * p[0] + 0.5870f * p[1] + 0.1140f * p[2];
    return (uint8_t)(y + 0.5f);   /* y <= 254.97, so no clamp needed */
}

/* Reads pixel p (src_c channels) as r, g, b, a. */
static void to_rgba(const uint8_t *p, int src_c, uint8_t rgba[4])
{
    switch (src_c) {
    case 1: rgba[0] = rgba[1] = rgba[2] = p[0]; rgba[3] = 255; break;
    case 2: rgba[0] = rgba[1] = rgba[2] = p[0]; rgba[3] = p[1]; break;
    case 3: memcpy(rgba, p, 3); rgba[3] = 255; break;
    default: memcpy(rgba, p, 4); break;
    }
}

void nncrt_image_convert(const uint8_t *src, int src_c, uint8_t *dst, int dst_c, size_t npix)
{
    if (src_c == dst_c) {
        memcpy(dst, src, npix * (size_t)src_c);
        return;
    }
    for (size_t i = 0; i < npix; i++) {
        const uint8_t *p = src + i * (size_t)src_c;
        uint8_t *q = dst + i * (size_t)dst_c;
        uint8_t rgba[4];
        to_rgba(p, src_c, rgba);
        if (dst_c == 1)
            q[0] = src_c <= 2 ? p[0] : luma(rgba);
        else
            memcpy(q, rgba, (size_t)dst_c);
    }
}

/* One axis of tf's half-pixel bilinear sampling: output index o maps to the
   input coordinate (o + 0.5) * scale - 0.5, clamped at the borders. */
typedef struct axis_tap {
    int lo, hi;
    float frac;
} axis_tap;

static axis_tap tap(int o, int in_size, int out_size)
{
    float scale = (float)in_size / (float)out_size;
    float in = ((float)o + 0.5f) * scale - 0.5f;
    float f = floorf(in);
    axis_tap t;
    t.lo = f < 0 ? 0 : (int)f;
    t.hi = (int)ceilf(in) > in_size - 1 ? in_size - 1 : (int)ceilf(in);
    if (t.hi < 0)
        t.hi = 0;
    t.frac = in - f;
    return t;
}

void nncrt_image_resize(const uint8_t *src, int sh, int sw, uint8_t *dst, int dh, int dw, int c)
{
    if (sh == dh && sw == dw) {
        memcpy(dst, src, (size_t)sh * (size_t)sw * (size_t)c);
        return;
    }
    for (int y = 0; y < dh; y++) {
        axis_tap ty = tap(y, sh, dh);
        const uint8_t *r0 = src + (size_t)ty.lo * (size_t)sw * (size_t)c;
        const uint8_t *r1 = src + (size_t)ty.hi * (size_t)sw * (size_t)c;
        for (int x = 0; x < dw; x++) {
            axis_tap tx = tap(x, sw, dw);
            size_t a = (size_t)tx.lo * (size_t)c, b = (size_t)tx.hi * (size_t)c;
            uint8_t *q = dst + ((size_t)y * (size_t)dw + (size_t)x) * (size_t)c;
            for (int k = 0; k < c; k++) {
                float top = r0[a + k] + (r0[b + k] - r0[a + k]) * tx.frac;
                float bot = r1[a + k] + (r1[b + k] - r1[a + k]) * tx.frac;
                float v = top + (bot - top) * ty.frac;
                q[k] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v + 0.5f);
            }
        }
    }
}

int nncrt_image_fit(const nncrt_image *src, int h, int w, int c, uint8_t *dst,
                    char *err, size_t errlen)
{
    if (c != 1 && c != 3 && c != 4) {
        snprintf(err, errlen, "unsupported input channel count %d (use 1, 3 or 4)", c);
        return -1;
    }
    if (src->c < 1 || src->c > 4) {
        snprintf(err, errlen, "unsupported image channel count %d", src->c);
        return -1;
    }
    if (src->h == h && src->w == w) {
        nncrt_image_convert(src->px, src->c, dst, c, (size_t)h * (size_t)w);
        return 0;
    }
    size_t npix = (size_t)src->h * (size_t)src->w;   /* bounded by the PNG/IDX limits */
    uint8_t *tmp = nncrt_xmalloc_array(npix, (size_t)c);
    nncrt_image_convert(src->px, src->c, tmp, c, npix);
    nncrt_image_resize(tmp, src->h, src->w, dst, h, w, c);
    free(tmp);
    return 0;
}
