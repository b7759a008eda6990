/* image.h — 8-bit HWC images: PNG and JPEG decoding, channel conversion,
 * and the resize (bilinear, nearest or area; stretched, centre-cropped or
 * letterboxed to the target aspect) that bring any source image to the
 * model's input shape, the same way for training data and for predict.
 * The resize follows tf.image.resize (half-pixel centres, no antialiasing),
 * which is what keras.utils.image_dataset_from_directory uses. */
#ifndef NNCRT_IMAGE_H
#define NNCRT_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "nncrt.h"   /* NNCRT_INTERP_* */

/* Larger images are refused from their header, before anything is allocated
   for their pixels: a side over NNCRT_IMAGE_MAX_DIM, or more pixels than
   NNCRT_IMAGE_MAX_PIXELS (PIL refuses from 179 Mpixel; 128 Mpixel of RGBA is
   512 MiB per decoding thread). */
#define NNCRT_IMAGE_MAX_DIM 16384
#define NNCRT_IMAGE_MAX_PIXELS ((size_t)1 << 27)
#define NNCRT_PNG_MAX_DIM NNCRT_IMAGE_MAX_DIM

typedef struct nncrt_image {
    int h, w, c;        /* c: 1 gray, 2 gray+alpha, 3 rgb, 4 rgba */
    uint8_t *px;        /* [h][w][c] */
} nncrt_image;

/* How a source image becomes h x w x c (keras image_dataset_from_directory's
   interpolation, crop_to_aspect_ratio, pad_to_aspect_ratio). */
enum { NNCRT_ASPECT_STRETCH = 0, NNCRT_ASPECT_CROP = 1, NNCRT_ASPECT_PAD = 2 };
typedef struct nncrt_image_opts {
    int h, w, c;            /* target; c is 1, 3 or 4 */
    int interpolation;      /* NNCRT_INTERP_BILINEAR | _NEAREST | _AREA */
    int aspect;             /* NNCRT_ASPECT_* */
} nncrt_image_opts;

/* image.c */
/* Converts npix pixels from src_c to dst_c channels (dst_c 1, 3 or 4).
   Gray from colour is ITU-R 601 luma; alpha is dropped, or added as 255. */
void nncrt_image_convert(const uint8_t *src, int src_c, uint8_t *dst, int dst_c, size_t npix);
/* Converts, crops or pads, and resizes src into dst [o->h][o->w][o->c].
   Returns 0, or -1 with a reason in err (unsupported channel count). */
int nncrt_image_fit_opts(const nncrt_image *src, const nncrt_image_opts *o, uint8_t *dst,
                         char *err, size_t errlen);
/* The same with bilinear resize to h x w, stretched. */
int nncrt_image_fit(const nncrt_image *src, int h, int w, int c, uint8_t *dst,
                    char *err, size_t errlen);
/* Decodes a PNG or JPEG file, recognised by its first bytes, not its name. */
int nncrt_image_decode(const char *path, nncrt_image *out, char *err, size_t errlen);
/* The same from the file's bytes; name (or NULL) only words the message
   for bytes that are neither PNG nor JPEG. */
int nncrt_image_decode_mem(const uint8_t *data, size_t n, const char *name, nncrt_image *out,
                           char *err, size_t errlen);
/* Decode + nncrt_image_fit_opts. dst holds h*w*c bytes. Thread-safe. */
int nncrt_image_load(const char *path, const nncrt_image_opts *o, uint8_t *dst,
                     char *err, size_t errlen);
int nncrt_image_load_mem(const uint8_t *data, size_t n, const char *name,
                         const nncrt_image_opts *o, uint8_t *dst, char *err, size_t errlen);
/* The whole regular file into a new buffer (caller frees); files over
   NNCRT_IMAGE_MAX_FILE bytes are refused, and so is anything but a regular
   file (a FIFO could block, a device act on being opened). -1 with the
   reason in err. */
#define NNCRT_IMAGE_MAX_FILE ((size_t)256 << 20)
int nncrt_read_image_file(const char *path, uint8_t **data, size_t *size, char *err,
                          size_t errlen);
/* Everything fd sends until end of file, into a new buffer: at most
   NNCRT_IMAGE_MAX_FILE bytes, and -1 ("nothing arrived for N s") when the
   stream stays silent for idle_ms. */
#define NNCRT_STREAM_IDLE_S 60
int nncrt_read_image_stream(int fd, int idle_ms, uint8_t **data, size_t *size, char *err,
                            size_t errlen);
/* What predict reads: a regular file, a FIFO, or standard input ("-" or
   /dev/stdin: a redirected file, a pipe or a socket; not a terminal). */
int nncrt_read_image_input(const char *path, uint8_t **data, size_t *size, char *err,
                           size_t errlen);
/* "refused: 100000x100000 pixels exceed the limit of ..." unless w x h is
   acceptable; returns 0 when it is. */
int nncrt_image_check_size(unsigned long w, unsigned long h, char *err, size_t errlen);

/* image_resize.c */
/* Resizes an 8-bit image with half-pixel centres like tf.image.resize:
   bilinear (no antialiasing), nearest (floor((o + 0.5) * in/out)) or area
   (the average of the input box each output pixel covers, partial input
   pixels weighted by their overlap). src_stride and dst_stride are in bytes
   between rows, so a crop window or a padded target can be passed.
   Results are rounded to the nearest uint8. */
void nncrt_image_resample(const uint8_t *src, int sh, int sw, size_t src_stride,
                          uint8_t *dst, int dh, int dw, size_t dst_stride, int c, int interp);
/* Bilinear, contiguous rows. */
void nncrt_image_resize(const uint8_t *src, int sh, int sw, uint8_t *dst, int dh, int dw, int c);
/* Keras smart_resize's centre crop of an sh x sw image for a th x tw target:
   the largest window with the target's aspect ratio. */
void nncrt_aspect_crop(int sh, int sw, int th, int tw, int *y0, int *x0, int *ch, int *cw);
/* tf.image.resize_with_pad's inner box for an sh x sw image in th x tw: the
   image is resized to rh x rw and placed at (py, px), the rest is zero. */
void nncrt_aspect_pad(int sh, int sw, int th, int tw, int *py, int *px, int *rh, int *rw);

/* png_load.c */
/* Decodes any PNG (palette, gray, 1..16 bits, tRNS, interlaced) to 8 bits per
   channel with c in 1..4. On failure returns -1 with the reason in err. */
int nncrt_png_decode(const char *path, nncrt_image *out, char *err, size_t errlen);
/* The same from the file's bytes. */
int nncrt_png_decode_mem(const uint8_t *data, size_t size, nncrt_image *out, char *err,
                         size_t errlen);
/* Decode + nncrt_image_fit (bilinear). dst holds h*w*c bytes. Thread-safe. */
int nncrt_png_load(const char *path, int h, int w, int c, uint8_t *dst, char *err, size_t errlen);

/* jpeg_load.c */
/* Decodes a baseline or progressive JPEG through libjpeg(-turbo) with its
   default (ISLOW) IDCT and fancy upsampling, as tf.io.decode_jpeg and PIL do:
   grayscale to c = 1, YCbCr/RGB to c = 3, CMYK/YCCK to c = 3 (TF's k*c/255). */
int nncrt_jpeg_decode_mem(const uint8_t *data, size_t size, nncrt_image *out, char *err,
                          size_t errlen);

#endif
