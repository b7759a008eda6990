/* png_load.c — libpng decoding to 8-bit gray/gray+alpha/rgb/rgba, from a
 * file read whole into memory (one read call instead of stdio's several).
 *
 * libpng reports errors by longjmp; everything allocated after setjmp is
 * reached through volatile locals so the error path can free it. */
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

/* The encoded file, consumed by read_bytes. */
typedef struct png_source {
    const uint8_t *data;
    size_t size, at;
    bool truncated;
} png_source;

static void read_bytes(png_structp png, png_bytep out, png_size_t n)
{
    png_source *s = png_get_io_ptr(png);
    if (n > s->size - s->at) {
        s->truncated = true;
        png_error(png, "the file is truncated");
    }
    memcpy(out, s->data + s->at, n);
    s->at += n;
}

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
    /* w * h <= NNCRT_IMAGE_MAX_PIXELS (checked from IHDR first), c <= 4 */
    *px = nncrt_xmalloc(stride * (size_t)img->h);
    *rows = nncrt_xmalloc_array((size_t)img->h, sizeof(png_bytep));
    for (int y = 0; y < img->h; y++)
        (*rows)[y] = (*px) + (size_t)y * stride;
    png_read_image(png, *rows);
    png_read_end(png, NULL);
    return *px;
}

static int decode_stream(png_source *src, nncrt_image *out, char *err, size_t errlen)
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
        bool why = fail.warning[0] && !src->truncated;
        snprintf(err, errlen, "invalid PNG: %s%s%s%s", fail.msg, why ? " (" : "",
                 why ? fail.warning : "", why ? ")" : "");
        return -1;
    }
    png_set_read_fn(png, src, read_bytes);
    png_set_sig_bytes(png, 8);
    png_set_user_limits(png, NNCRT_IMAGE_MAX_DIM, NNCRT_IMAGE_MAX_DIM);
    /* Every ancillary chunk but tRNS is skipped unread (-1: all of them):
       text and ICC chunks are compressed, so a small one can inflate to
       megabytes, and none of them changes the pixels nnc decodes. */
    png_set_keep_unknown_chunks(png, PNG_HANDLE_CHUNK_NEVER, NULL, -1);
    png_set_chunk_malloc_max(png, 1 << 20);
    png_read_info(png, info);
    set_transforms(png, info);
    out->px = read_pixels(png, info, out, &px, &rows);
    png_destroy_read_struct(&png, &info, NULL);
    free(rows);
    return 0;
}

/* deflate expands at most 1032:1 (a 258-byte match in 2 bits): a file too
   small to hold its image's pixels compressed is truncated, and is refused
   before its pixel memory is allocated. So memory follows the file's size. */
static int check_compressed_size(const uint8_t *data, size_t size, char *err, size_t errlen)
{
    static const int samples[7] = { 1, 0, 3, 1, 2, 0, 4 };   /* by colour type */
    uint32_t w = png_get_uint_32(data + 16), h = png_get_uint_32(data + 20);
    int depth = data[24], type = data[25];
    if (type > 6 || samples[type] == 0 || depth > 16)
        return 0;   /* libpng names what is wrong with the header */
    /* pixel bits / 8: a lower bound of the filtered rows, interlaced or not */
    uint64_t bytes = (uint64_t)w * h * (uint64_t)samples[type] * (uint64_t)depth / 8;
    if (bytes / 1032 <= size)
        return 0;
    snprintf(err, errlen, "invalid PNG: the file is truncated (%zu bytes cannot hold the "
             "%llu bytes of a %ux%u image even compressed)", size, (unsigned long long)bytes,
             (unsigned)w, (unsigned)h);
    return -1;
}

int nncrt_png_decode_mem(const uint8_t *data, size_t size, nncrt_image *out, char *err,
                         size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (size < 8 || png_sig_cmp(data, 0, 8) != 0) {
        snprintf(err, errlen, "not a PNG file");
        return -1;
    }
    /* The size checks come first so that the message names the size;
       libpng's user limits stay as a second guard. IHDR is always first. */
    if (size >= 26 && !memcmp(data + 12, "IHDR", 4) &&
        (nncrt_image_check_size(png_get_uint_32(data + 16), png_get_uint_32(data + 20), err,
                                errlen) != 0 || check_compressed_size(data, size, err, errlen) != 0))
        return -1;
    png_source src = { data, size, 8, false };
    return decode_stream(&src, out, err, errlen);
}

int nncrt_png_decode(const char *path, nncrt_image *out, char *err, size_t errlen)
{
    uint8_t *data;
    size_t size;
    memset(out, 0, sizeof *out);
    if (nncrt_read_image_file(path, &data, &size, err, errlen) != 0)
        return -1;
    int rc = nncrt_png_decode_mem(data, size, out, err, errlen);
    free(data);
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
