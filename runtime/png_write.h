/* png_write.h — writes 8-bit images as PNG files (libpng), for
 * augment-preview: gray, RGB or RGBA by the channel count. */
#ifndef NNCRT_PNG_WRITE_H
#define NNCRT_PNG_WRITE_H

#include <stdint.h>

/* px is [h][w][c] with c in 1, 3 or 4. The file is replaced atomically.
   Returns 0, or -1 after printing an error that names the path. */
int nncrt_png_write(const char *path, const uint8_t *px, int h, int w, int c);

#endif
