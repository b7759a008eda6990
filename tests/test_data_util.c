/* test_data_util.c — see test_data_util.h. */
#include "test_data_util.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ftw.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

static char tmp[256];

static int rm_entry(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(p);
}

int td_setup(void **state)
{
    (void)state;
    snprintf(tmp, sizeof tmp, "/tmp/nnc_data_XXXXXX");
    nncrt_quiet = true;   /* messages are checked through ds.bad and nncrt_last_error */
    return mkdtemp(tmp) ? 0 : -1;
}

int td_teardown(void **state)
{
    (void)state;
    return nftw(tmp, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

const char *td_path(const char *rel)
{
    static char buf[8][512];
    static int next;
    char *p = buf[next++ % 8];
    snprintf(p, 512, "%s/%s", tmp, rel);
    return p;
}

void td_mkdirs(const char *rel)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", tmp, rel);
    for (char *s = p + strlen(tmp) + 1; *s; s++)
        if (*s == '/') {
            *s = 0;
            mkdir(p, 0777);
            *s = '/';
        }
    mkdir(p, 0777);
}

void td_write(const char *rel, const void *data, size_t n)
{
    FILE *f = fopen(td_path(rel), "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
}

uint8_t *td_read(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    *n = (size_t)ftell(f);
    rewind(f);
    uint8_t *b = malloc(*n + 1);
    assert_int_equal(fread(b, 1, *n, f), *n);
    fclose(f);
    return b;
}

static void set_trns(png_structp png, png_infop info, const td_png *p)
{
    png_color_16 key = { 0 };
    if (p->trns_color && p->color_type == PNG_COLOR_TYPE_GRAY)
        key.gray = p->trns_color[0];
    else if (p->trns_color)
        key.red = p->trns_color[0], key.green = p->trns_color[1], key.blue = p->trns_color[2];
    if (p->trns || p->trns_color)
        png_set_tRNS(png, info, p->trns, p->ntrns, p->trns_color ? &key : NULL);
}

void td_write_png(const char *rel, const td_png *p) { td_write_png_at(td_path(rel), p); }

void td_write_png_at(const char *path, const td_png *p)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png_create_info_struct(png);
    assert_non_null(info);
    if (setjmp(png_jmpbuf(png)))
        fail_msg("libpng failed writing %s", path);
    png_init_io(png, f);
    png_set_IHDR(png, info, (png_uint_32)p->w, (png_uint_32)p->h, p->depth, p->color_type,
                 p->interlace, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_color pal[256];
    for (int i = 0; i < p->npalette; i++)
        pal[i] = (png_color){ p->palette_rgb[3 * i], p->palette_rgb[3 * i + 1], p->palette_rgb[3 * i + 2] };
    if (p->npalette)
        png_set_PLTE(png, info, pal, p->npalette);
    set_trns(png, info, p);
    png_write_info(png, info);
    size_t stride = png_get_rowbytes(png, info);
    png_bytep *rows = calloc((size_t)p->h, sizeof *rows);
    for (int y = 0; y < p->h; y++)
        rows[y] = (png_bytep)p->rows + (size_t)y * stride;
    png_write_image(png, rows);
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    free(rows);
    assert_int_equal(fclose(f), 0);
}

void td_write_png8(const char *rel, int w, int h, int c, const uint8_t *px)
{
    static const int types[] = { 0, PNG_COLOR_TYPE_GRAY, PNG_COLOR_TYPE_GRAY_ALPHA,
                                 PNG_COLOR_TYPE_RGB, PNG_COLOR_TYPE_RGB_ALPHA };
    td_png p = { .w = w, .h = h, .color_type = types[c], .depth = 8, .rows = px };
    td_write_png(rel, &p);
}

static int saved_stderr = -1;
static FILE *captured;

void td_capture_begin(void)
{
    fflush(stderr);
    captured = tmpfile();
    assert_non_null(captured);
    saved_stderr = dup(2);
    assert_true(saved_stderr >= 0 && dup2(fileno(captured), 2) == 2);
    nncrt_quiet = false;
}

char *td_capture_end(void)
{
    fflush(stderr);
    assert_true(dup2(saved_stderr, 2) == 2);
    close(saved_stderr);
    nncrt_quiet = true;
    long n = ftell(captured);
    char *text = calloc((size_t)n + 1, 1);
    rewind(captured);
    assert_int_equal(fread(text, 1, (size_t)n, captured), (size_t)n);
    fclose(captured);
    return text;
}

double td_cpu_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

double td_max_rss_mib(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_maxrss / 1024.0;   /* ru_maxrss is in KiB on Linux */
}
