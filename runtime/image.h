/* image.h — 8-bit HWC images: PNG decoding, channel conversion and the
 * bilinear resize that bring any source image to the model's input shape,
 * the same way for training data and for predict. */
#ifndef NNCRT_IMAGE_H
#define NNCRT_IMAGE_H

#include <stddef.h>
#include <stdint.h>

/* Larger PNGs are refused before anything is allocated for them. */
#define NNCRT_PNG_MAX_DIM 16384

typedef struct nncrt_image {
    int h, w, c;        /* c: 1 gray, 2 gray+alpha, 3 rgb, 4 rgba */
    uint8_t *px;        /* [h][w][c] */
} nncrt_image;

/* image.c */
/* Converts npix pixels from src_c to dst_c channels (dst_c 1, 3 or 4).
   Gray from colour is ITU-R 601 luma; alpha is dropped, or added as 255. */
void nncrt_image_convert(const uint8_t *src, int src_c, uint8_t *dst, int dst_c, size_t npix);
/* Bilinear resize with half-pixel centres and no antialiasing, like
   tf.image.resize(method="bilinear"); results rounded to uint8. */
void nncrt_image_resize(const uint8_t *src, int sh, int sw, uint8_t *dst, int dh, int dw, int c);
/* Converts then resizes src into dst [h][w][c]. Returns 0, or -1 with a
   reason in err (unsupported channel count). */
int nncrt_image_fit(const nncrt_image *src, int h, int w, int c, uint8_t *dst,
                    char *err, size_t errlen);

/* png_load.c */
/* Decodes any PNG (palette, gray, 1..16 bits, tRNS, interlaced) to 8 bits per
   channel with c in 1..4. On failure returns -1 with the reason in err. */
int nncrt_png_decode(const char *path, nncrt_image *out, char *err, size_t errlen);
/* Decode + nncrt_image_fit. dst holds h*w*c bytes. Thread-safe. */
int nncrt_png_load(const char *path, int h, int w, int c, uint8_t *dst, char *err, size_t errlen);

#endif
