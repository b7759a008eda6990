/* test_data_util.h — helpers shared by the data-loading tests: a temporary
 * directory, files in it, and PNG files of any colour type written with
 * libpng from packed rows. */
#ifndef TEST_DATA_UTIL_H
#define TEST_DATA_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* cmocka group setup/teardown: a fresh /tmp/nnc_data_XXXXXX, removed after. */
int td_setup(void **state);
int td_teardown(void **state);
/* "<tmp>/rel" in one of 8 rotating buffers. */
const char *td_path(const char *rel);
void td_mkdirs(const char *rel);              /* like mkdir -p */
void td_write(const char *rel, const void *data, size_t n);
uint8_t *td_read(const char *path, size_t *n); /* whole file; caller frees */

typedef struct td_png {
    int w, h, color_type, depth, interlace;
    const uint8_t *rows;                  /* packed as libpng stores them */
    const uint8_t *palette_rgb;           /* [npalette][3] */
    int npalette;
    const uint8_t *trns;                  /* palette alphas */
    int ntrns;
    const uint16_t *trns_color;           /* gray or rgb key colour: [1] or [3] */
} td_png;
void td_write_png(const char *rel, const td_png *p);
void td_write_png_at(const char *path, const td_png *p); /* any path */
/* A w x h 8-bit image of c channels (1 gray, 2 ga, 3 rgb, 4 rgba). */
void td_write_png8(const char *rel, int w, int h, int c, const uint8_t *px);
/* What the library prints to stderr between td_capture_begin and
   td_capture_end (messages are on meanwhile; nncrt_quiet again after).
   Caller frees. */
void td_capture_begin(void);
char *td_capture_end(void);
/* CPU seconds this process has used: time bounds that a loaded machine
   does not break. */
double td_cpu_seconds(void);
/* Peak resident memory of this process so far, in MiB. */
double td_max_rss_mib(void);

#endif
