/* png_load.c — libpng decoding to 8-bit gray/gray+alpha/rgb/rgba.
 *
 * libpng reports errors by longjmp; everything allocated after setjmp is
 * reached through volatile locals so the error path can free it. */
#include <errno.h>
#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image.h"
#include "util.h"

typedef struct png_failure {
    jmp_buf jump;
    char msg[160];
    char warning[160];   /* libpng often explains an error in a warning first */
} png_failure;

static void on_png_error(png_structp png, png_const_charp msg)
{
    png_failure *f = png_get_error_ptr(png);
    snprintf(f->msg, sizeof f->msg, "%s", msg);
    longjmp(f->jump, 1);
}

/* Warnings alone (e.g. "iCCP: known incorrect sRGB profile") are harmless
   for training and stay quiet; the last one is kept to explain an error
   such as "Invalid IHDR data" (after "Image width exceeds user limit"). */
static void on_png_warning(png_structp png, png_const_charp msg)
{
    png_failure *f = png_get_error_ptr(png);
    snprintf(f->warning, sizeof f->warning, "%s", msg);
}

/* Ask libpng for 8 bits per channel, palette expanded, tRNS as alpha. */
static void set_transforms(png_structp png, png_infop info)
{
    png_set_expand(png);     /* palette -> rgb, gray 1/2/4 -> 8, tRNS -> alpha */
    png_set_strip_16(png);   /* what tf.io.decode_png does for uint8 output */
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
}

/* Reads the image rows into a new buffer; returns it (owned by the caller). */
static uint8_t *read_pixels(png_structp png, png_infop info, nncrt_image *img,
                            uint8_t *volatile *px, png_bytep *volatile *rows)
{
    img->w = (int)png_get_image_width(png, info);
    img->h = (int)png_get_image_height(png, info);
    img->c = png_get_channels(png, info);
    size_t stride = (size_t)img->w * (size_t)img->c;
    if (png_get_rowbytes(png, info) != stride)
        png_error(png, "unexpected row layout after 8-bit expansion");
    /* w, h <= NNCRT_PNG_MAX_DIM (user limits) and c <= 4: no overflow */
    *px = nncrt_xmalloc(stride * (size_t)img->h);
    *rows = nncrt_xmalloc_array((size_t)img->h, sizeof(png_bytep));
    for (int y = 0; y < img->h; y++)
        (*rows)[y] = (*px) + (size_t)y * stride;
    png_read_image(png, *rows);
    png_read_end(png, NULL);
    return *px;
}

static int decode_stream(FILE *f, nncrt_image *out, char *err, size_t errlen)
{
    png_failure fail = { .msg = "", .warning = "" };
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &fail,
                                             on_png_error, on_png_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    uint8_t *volatile px = NULL;
    png_bytep *volatile rows = NULL;
    if (!info) {
        png_destroy_read_struct(png ? &png : NULL, NULL, NULL);
        snprintf(err, errlen, "out of memory in libpng");
        return -1;
    }
    if (setjmp(fail.jump)) {
        png_destroy_read_struct(&png, &info, NULL);
        free(px);
        free(rows);
        snprintf(err, errlen, "invalid PNG: %s%s%s%s", fail.msg, fail.warning[0] ? " (" : "",
                 fail.warning, fail.warning[0] ? ")" : "");
        return -1;
    }
    png_init_io(png, f);
    png_set_sig_bytes(png, 8);
    png_set_user_limits(png, NNCRT_PNG_MAX_DIM, NNCRT_PNG_MAX_DIM);
    png_read_info(png, info);
    set_transforms(png, info);
    out->px = read_pixels(png, info, out, &px, &rows);
    png_destroy_read_struct(&png, &info, NULL);
    free(rows);
    return 0;
}

int nncrt_png_decode(const char *path, nncrt_image *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s", strerror(errno));
        return -1;
    }
    unsigned char sig[8];
    int rc = -1;
    if (fread(sig, 1, sizeof sig, f) != sizeof sig || png_sig_cmp(sig, 0, sizeof sig) != 0)
        snprintf(err, errlen, "not a PNG file");
    else
        rc = decode_stream(f, out, err, errlen);
    fclose(f);
    return rc;
}

int nncrt_png_load(const char *path, int h, int w, int c, uint8_t *dst, char *err, size_t errlen)
{
    nncrt_image img;
    if (nncrt_png_decode(path, &img, err, errlen) != 0)
        return -1;
    int rc = nncrt_image_fit(&img, h, w, c, dst, err, errlen);
    free(img.px);
    return rc;
}
