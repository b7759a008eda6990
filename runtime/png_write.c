/* png_write.c — PNG output through libpng, into a temporary file that is
 * renamed over the target only when the whole image was written. */
#include "png_write.h"

#include <png.h>
#include <setjmp.h>

#include "atomic_file.h"
#include "util.h"

/* libpng reports errors by longjmp; everything it touches lives in the
   caller, so the jump needs no cleanup beyond png_destroy_write_struct. */
static int write_rows(FILE *f, const uint8_t *px, int h, int w, int c)
{
    static const int types[] = { 0, PNG_COLOR_TYPE_GRAY, 0, PNG_COLOR_TYPE_RGB,
                                 PNG_COLOR_TYPE_RGB_ALPHA };
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!info) {
        png_destroy_write_struct(&png, NULL);
        return -1;
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        return -1;
    }
    png_init_io(png, f);
    png_set_IHDR(png, info, (png_uint_32)w, (png_uint_32)h, 8, types[c], PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    for (int y = 0; y < h; y++)
        png_write_row(png, (png_const_bytep)(px + (size_t)y * (size_t)w * (size_t)c));
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    return 0;
}

int nncrt_png_write(const char *path, const uint8_t *px, int h, int w, int c)
{
    if (c != 1 && c != 3 && c != 4)
        return nncrt_error("%s: cannot write a PNG of %d channels", path, c);
    nncrt_afile a;
    if (nncrt_afile_open(&a, path) != 0)
        return -1;
    if (write_rows(a.f, px, h, w, c) != 0) {
        nncrt_afile_abort(&a);
        return nncrt_error("%s: libpng failed to write the image", path);
    }
    return nncrt_afile_commit(&a);
}
