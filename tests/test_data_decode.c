/* test_data_decode.c — image decoding and resizing against references:
 *   - PNG of every colour type and bit depth (gray 1/2/4/8/16, gray+alpha
 *     8/16, rgb 8/16, rgba 8/16, palette 1/2/4/8 with and without tRNS, gray
 *     and rgb colour keys, Adam7 interlaced), written here with libpng from
 *     random samples; expected values follow tf.io.decode_png to uint8: low
 *     depths scaled to 0..255, 16-bit samples keep their high byte;
 *   - JPEG files decoded by PIL (tests/fixtures/make_data_fixtures.py);
 *   - bilinear / nearest / area resizes and the crop/pad aspect modes against
 *     torch and numpy references from the same script.
 * Fixtures are read from $NNC_FIXTURES (default tests/fixtures). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jpeglib.h>
#include <zlib.h>

#include "dataset.h"
#include "image.h"
#include "safetensors.h"
#include "test_data_util.h"
#include "util.h"

/* nnc rounds to uint8; the references are exact floats. Rounding costs up to
   0.5, float32 accumulation a few 1e-5 of a level. */
#define RESIZE_TOL 0.51
/* Two libjpeg builds may differ by a level or two (IDCT, upsampling); with
   Debian 12's libjpeg62-turbo on both sides the result is exact. */
#define JPEG_TOL 2.0

static nncrt_st_file ref;

static int setup(void **state)
{
    const char *dir = getenv("NNC_FIXTURES");
    char path[512];
    snprintf(path, sizeof path, "%s/data_ref.safetensors", dir ? dir : "tests/fixtures");
    if (nncrt_st_read(&ref, path) != 0) {
        fprintf(stderr, "cannot read %s (run from the repository root)\n", path);
        return -1;
    }
    return td_setup(state);
}

static int teardown(void **state)
{
    nncrt_st_close(&ref);
    return td_teardown(state);
}

/* A reference tensor as floats; *h, *w, *c from its shape. */
static float *ref_tensor(const char *name, int *h, int *w, int *c)
{
    const nncrt_st_tensor *t = nncrt_st_find(&ref, name);
    if (!t || t->ndim != 3)
        fail_msg("fixture has no 3-d tensor %s", name);
    *h = (int)t->shape[0], *w = (int)t->shape[1], *c = (int)t->shape[2];
    float *v = malloc(t->end - t->begin);
    nncrt_st_get_f32(&ref, t, v);
    return v;
}

/* Fails with the first differing values when |got - want| > tol anywhere. */
static double compare(const char *what, const uint8_t *got, const float *want, size_t n, double tol)
{
    double worst = 0;
    int shown = 0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)got[i] - (double)want[i]);
        worst = d > worst ? d : worst;
        if (d > tol && shown++ < 5)
            fprintf(stderr, "%s[%zu]: got %d, want %.4f\n", what, i, got[i], (double)want[i]);
    }
    if (worst > tol)
        fail_msg("%s: max difference %.4f > %.2f", what, worst, tol);
    return worst;
}

/* ---- PNG: every colour type and depth ------------------------------------ */

typedef struct png_case {
    const char *name;
    int type, depth, interlace, trns;
} png_case;

static const png_case png_cases[] = {
    { "g1", PNG_COLOR_TYPE_GRAY, 1, 0, 0 }, { "g2", PNG_COLOR_TYPE_GRAY, 2, 0, 0 },
    { "g4", PNG_COLOR_TYPE_GRAY, 4, 0, 0 }, { "g8", PNG_COLOR_TYPE_GRAY, 8, 0, 0 },
    { "g16", PNG_COLOR_TYPE_GRAY, 16, 0, 0 }, { "ga8", PNG_COLOR_TYPE_GRAY_ALPHA, 8, 0, 0 },
    { "ga16", PNG_COLOR_TYPE_GRAY_ALPHA, 16, 0, 0 }, { "rgb8", PNG_COLOR_TYPE_RGB, 8, 0, 0 },
    { "rgb16", PNG_COLOR_TYPE_RGB, 16, 0, 0 }, { "rgba8", PNG_COLOR_TYPE_RGB_ALPHA, 8, 0, 0 },
    { "rgba16", PNG_COLOR_TYPE_RGB_ALPHA, 16, 0, 0 }, { "p1", PNG_COLOR_TYPE_PALETTE, 1, 0, 0 },
    { "p2", PNG_COLOR_TYPE_PALETTE, 2, 0, 0 }, { "p4", PNG_COLOR_TYPE_PALETTE, 4, 0, 0 },
    { "p8", PNG_COLOR_TYPE_PALETTE, 8, 0, 0 }, { "p4_trns", PNG_COLOR_TYPE_PALETTE, 4, 0, 1 },
    { "p8_trns", PNG_COLOR_TYPE_PALETTE, 8, 0, 1 }, { "g2_key", PNG_COLOR_TYPE_GRAY, 2, 0, 1 },
    { "g8_key", PNG_COLOR_TYPE_GRAY, 8, 0, 1 }, { "g16_key", PNG_COLOR_TYPE_GRAY, 16, 0, 1 },
    { "rgb8_key", PNG_COLOR_TYPE_RGB, 8, 0, 1 }, { "rgb16_key", PNG_COLOR_TYPE_RGB, 16, 0, 1 },
    { "g1_adam7", PNG_COLOR_TYPE_GRAY, 1, 1, 0 }, { "g16_adam7", PNG_COLOR_TYPE_GRAY, 16, 1, 0 },
    { "ga16_adam7", PNG_COLOR_TYPE_GRAY_ALPHA, 16, 1, 0 },
    { "rgba8_adam7", PNG_COLOR_TYPE_RGB_ALPHA, 8, 1, 0 },
    { "p8_trns_adam7", PNG_COLOR_TYPE_PALETTE, 8, 1, 1 },
};

enum { PW = 13, PH = 7 };   /* odd: partial bytes at low depths, all Adam7 passes */

static int samples_per_pixel(int type)
{
    return type == PNG_COLOR_TYPE_GRAY_ALPHA ? 2 : type == PNG_COLOR_TYPE_RGB ? 3
           : type == PNG_COLOR_TYPE_RGB_ALPHA ? 4 : 1;
}

/* Packs sample values MSB first (depth < 8) or big endian (16) into rows. */
static void pack(const uint16_t *s, int spp, int depth, uint8_t *rows, size_t stride)
{
    memset(rows, 0, stride * PH);
    for (int y = 0; y < PH; y++)
        for (int i = 0; i < PW * spp; i++) {
            uint16_t v = s[y * PW * spp + i];
            uint8_t *r = rows + (size_t)y * stride;
            if (depth == 16)
                r[2 * i] = (uint8_t)(v >> 8), r[2 * i + 1] = (uint8_t)v;
            else if (depth == 8)
                r[i] = (uint8_t)v;
            else
                r[i * depth / 8] |= (uint8_t)(v << (8 - depth - (i * depth) % 8));
        }
}

static uint8_t to8(uint16_t v, int depth)
{
    return depth == 16 ? (uint8_t)(v >> 8) : (uint8_t)(v * 255 / ((1 << depth) - 1));
}

/* What decoding must give for samples s: [PH][PW][c], c returned. */
static int expected(const png_case *pc, const uint16_t *s, const uint8_t *pal, const uint8_t *alpha,
                    const uint16_t *key, uint8_t *want)
{
    int spp = samples_per_pixel(pc->type), palette = pc->type == PNG_COLOR_TYPE_PALETTE;
    int c = palette ? 3 + pc->trns : spp + pc->trns;
    for (int p = 0; p < PW * PH; p++) {
        const uint16_t *px = s + p * spp;
        uint8_t *q = want + p * c;
        for (int k = 0; k < spp && !palette; k++)
            q[k] = to8(px[k], pc->depth);
        if (palette)
            memcpy(q, pal + 3 * px[0], 3);
        if (pc->trns && palette)
            q[3] = alpha[px[0]];
        else if (pc->trns)   /* colour key: transparent where every sample matches */
            q[spp] = px[0] == key[0] && (spp == 1 || (px[1] == key[1] && px[2] == key[2])) ? 0 : 255;
    }
    return c;
}

static void check_png_case(const png_case *pc, unsigned seed)
{
    int spp = samples_per_pixel(pc->type), npal = 1 << (pc->depth < 8 ? pc->depth : 8);
    uint16_t s[PH * PW * 4], key[3] = { 1, 2, 3 };
    uint8_t pal[256 * 3], alpha[256], want[PH * PW * 4], rows[PH * PW * 8];
    srand(seed);
    for (int i = 0; i < 256 * 3; i++)
        pal[i] = (uint8_t)rand();
    for (int i = 0; i < 256; i++)
        alpha[i] = (uint8_t)rand();
    uint32_t top = pc->type == PNG_COLOR_TYPE_PALETTE ? (uint32_t)npal : 1u << pc->depth;
    for (int i = 0; i < PH * PW * spp; i++)
        s[i] = (uint16_t)((uint32_t)rand() % top);
    for (int k = 0; k < spp && pc->trns; k++)
        key[k] = (uint16_t)(key[k] % top), s[spp * 5 + k] = key[k];   /* pixel 5 is keyed */
    td_png p = { PW, PH, pc->type, pc->depth, pc->interlace ? PNG_INTERLACE_ADAM7 : 0, rows,
                 pc->type == PNG_COLOR_TYPE_PALETTE ? pal : NULL,
                 pc->type == PNG_COLOR_TYPE_PALETTE ? npal : 0,
                 pc->trns && pc->type == PNG_COLOR_TYPE_PALETTE ? alpha : NULL, npal - 1,
                 pc->trns && pc->type != PNG_COLOR_TYPE_PALETTE ? key : NULL };
    pack(s, spp, pc->depth, rows, ((size_t)PW * (size_t)spp * (size_t)pc->depth + 7) / 8);
    alpha[npal - 1] = 255;   /* tRNS lists npal - 1 entries: the last one is opaque */
    int c = expected(pc, s, pal, alpha, key, want);
    char file[64], err[240];
    snprintf(file, sizeof file, "%s.png", pc->name);
    td_write_png(file, &p);
    nncrt_image img;
    if (nncrt_image_decode(td_path(file), &img, err, sizeof err) != 0)
        fail_msg("%s: %s", file, err);
    if (img.w != PW || img.h != PH || img.c != c)
        fail_msg("%s: decoded %dx%dx%d, want %dx%dx%d", file, img.h, img.w, img.c, PH, PW, c);
    for (int i = 0; i < PH * PW * c; i++)
        if (img.px[i] != want[i])
            fail_msg("%s: byte %d (pixel %d) is %d, want %d", file, i, i / c, img.px[i], want[i]);
    free(img.px);
}

static void test_png_every_type(void **state)
{
    (void)state;
    size_t n = sizeof png_cases / sizeof png_cases[0];
    for (size_t i = 0; i < n; i++)
        check_png_case(&png_cases[i], 100 + (unsigned)i);
    assert_int_equal(n, 27);   /* the list above: every case ran */
}

/* ---- JPEG against PIL ------------------------------------------------------ */

static void check_jpeg(const char *name)
{
    const char *dir = getenv("NNC_FIXTURES");
    char path[512], key[64], err[240];
    snprintf(path, sizeof path, "%s/data/%s.jpg", dir ? dir : "tests/fixtures", name);
    snprintf(key, sizeof key, "jpeg.%s", name);
    int h, w, c;
    float *want = ref_tensor(key, &h, &w, &c);
    nncrt_image img;
    if (nncrt_image_decode(path, &img, err, sizeof err) != 0)
        fail_msg("%s: %s", path, err);
    if (img.h != h || img.w != w || img.c != c)
        fail_msg("%s: decoded %dx%dx%d, PIL %dx%dx%d", name, img.h, img.w, img.c, h, w, c);
    double worst = compare(key, img.px, want, (size_t)h * (size_t)w * (size_t)c, JPEG_TOL);
    printf("  %-12s %2dx%-2d c=%d  max |nnc - PIL| = %.0f\n", name, h, w, c, worst);
    free(img.px);
    free(want);
}

static void test_jpeg_matches_pil(void **state)
{
    (void)state;
    check_jpeg("gray");
    check_jpeg("rgb420");
    check_jpeg("rgb444");
    check_jpeg("progressive");
    check_jpeg("cmyk");
}

/* ---- resizing against torch / numpy ----------------------------------------- */

static nncrt_image ref_image(const char *name)
{
    int h, w, c;
    float *v = ref_tensor(name, &h, &w, &c);
    nncrt_image img = { h, w, c, malloc((size_t)h * (size_t)w * (size_t)c) };
    for (int i = 0; i < h * w * c; i++)
        img.px[i] = (uint8_t)v[i];
    free(v);
    return img;
}

/* src resized as (interp, aspect) must match fixture tensor key. */
static void check_resize(const nncrt_image *src, const char *key, int interp, int aspect)
{
    int h, w, c;
    float *want = ref_tensor(key, &h, &w, &c);
    nncrt_image_opts o = { h, w, c, interp, aspect };
    uint8_t *got = malloc((size_t)h * (size_t)w * (size_t)c);
    char err[200];
    assert_int_equal(nncrt_image_fit_opts(src, &o, got, err, sizeof err), 0);
    compare(key, got, want, (size_t)h * (size_t)w * (size_t)c, RESIZE_TOL);
    free(got);
    free(want);
}

static void test_resize_modes(void **state)
{
    (void)state;
    static const char *const sizes[] = { "17x29", "5x4", "20x6", "11x26" };
    nncrt_image src = ref_image("resize.src"), src12 = ref_image("resize.src12");
    for (int i = 0; i < 4; i++) {
        char key[32];
        snprintf(key, sizeof key, "bilinear.%s", sizes[i]);
        check_resize(&src, key, NNCRT_INTERP_BILINEAR, NNCRT_ASPECT_STRETCH);
        snprintf(key, sizeof key, "nearest.%s", sizes[i]);
        check_resize(&src, key, NNCRT_INTERP_NEAREST, NNCRT_ASPECT_STRETCH);
        snprintf(key, sizeof key, "area.%s", sizes[i]);
        check_resize(&src, key, NNCRT_INTERP_AREA, NNCRT_ASPECT_STRETCH);
    }
    check_resize(&src12, "area_torch.4x8", NNCRT_INTERP_AREA, NNCRT_ASPECT_STRETCH);
    free(src.px);
    free(src12.px);
}

static void test_crop_and_pad_to_aspect(void **state)
{
    (void)state;
    static const char *const sizes[] = { "8x4", "4x10", "16x16" };
    nncrt_image src = ref_image("resize.src");
    for (int i = 0; i < 3; i++) {
        char key[32];
        snprintf(key, sizeof key, "crop.%s", sizes[i]);
        check_resize(&src, key, NNCRT_INTERP_BILINEAR, NNCRT_ASPECT_CROP);
        snprintf(key, sizeof key, "pad.%s", sizes[i]);
        check_resize(&src, key, NNCRT_INTERP_BILINEAR, NNCRT_ASPECT_PAD);
    }
    free(src.px);
    int y0, x0, ch, cw, py, px, rh, rw;
    nncrt_aspect_crop(11, 13, 8, 4, &y0, &x0, &ch, &cw);   /* the window, by hand */
    assert_true(y0 == 0 && x0 == 4 && ch == 11 && cw == 5);
    nncrt_aspect_pad(11, 13, 8, 4, &py, &px, &rh, &rw);    /* ratio 3.25: 3.38 x 4 */
    assert_true(py == 2 && px == 0 && rh == 3 && rw == 4);
    nncrt_aspect_pad(1, 1000, 32, 32, &py, &px, &rh, &rw); /* a 0-pixel side stays 1 */
    assert_true(rh == 1 && rw == 32 && py == 15 && px == 0);
}

/* Letterboxing fills alpha with 0 too (Keras pads the decoded rgba tensor),
   and a gray source padded into rgb gets black bars, not white. */
static void test_pad_fills_zero(void **state)
{
    (void)state;
    uint8_t gray[2 * 4], out[4 * 4 * 4];
    memset(gray, 200, sizeof gray);
    nncrt_image img = { 2, 4, 1, gray };
    nncrt_image_opts o = { 4, 4, 4, NNCRT_INTERP_NEAREST, NNCRT_ASPECT_PAD };
    char err[100];
    assert_int_equal(nncrt_image_fit_opts(&img, &o, out, err, sizeof err), 0);
    for (int y = 0; y < 4; y++)   /* 2x4 in 4x4: rows 1 and 2 hold the image */
        for (int k = 0; k < 4; k++)
            assert_int_equal(out[(y * 4 + 1) * 4 + k], y == 1 || y == 2 ? (k < 3 ? 200 : 255) : 0);
}

/* Resizing gray before expanding to rgb (the fast path) equals expanding
   first, as Keras does; checked on random pixels in every mode. */
static void test_gray_fast_path_is_exact(void **state)
{
    (void)state;
    enum { H = 9, W = 14, OH = 5, OW = 23 };
    uint8_t g[H * W], rgb[H * W * 3], a[OH * OW * 3], b[OH * OW * 3];
    srand(5);
    for (int i = 0; i < H * W; i++)
        g[i] = (uint8_t)rand();
    nncrt_image_convert(g, 1, rgb, 3, H * W);
    for (int interp = 0; interp < 3; interp++)
        for (int aspect = 0; aspect < 2; aspect++) {
            nncrt_image_opts o = { OH, OW, 3, interp, aspect };
            nncrt_image gi = { H, W, 1, g }, ci = { H, W, 3, rgb };
            char err[100];
            assert_int_equal(nncrt_image_fit_opts(&gi, &o, a, err, sizeof err), 0);
            assert_int_equal(nncrt_image_fit_opts(&ci, &o, b, err, sizeof err), 0);
            assert_memory_equal(a, b, sizeof a);
        }
}

/* Content decides the decoder; the name only words the message. */
static void test_format_detection(void **state)
{
    (void)state;
    const char *dir = getenv("NNC_FIXTURES");
    char src[512], err[240];
    snprintf(src, sizeof src, "%s/data/rgb444.jpg", dir ? dir : "tests/fixtures");
    size_t n;
    uint8_t *jpg = td_read(src, &n);
    td_write("jpeg_named.png", jpg, n);
    free(jpg);
    nncrt_image img;
    assert_int_equal(nncrt_image_decode(td_path("jpeg_named.png"), &img, err, sizeof err), 0);
    assert_int_equal(img.c, 3);
    free(img.px);
    static const struct { const char *name, *data, *msg; } bad[] = {
        { "a.gif", "GIF89a\1\0\1\0", "GIF images are not supported" },
        { "b.bmp", "BM\x3a\x01\x02\x03", "BMP images are not supported" },
        { "c.png", "hello", "not a PNG file" },
        { "d.jpg", "hello", "not a JPEG file" },
        { "e.png", "", "empty file" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        td_write(bad[i].name, bad[i].data, strlen(bad[i].data));
        assert_int_equal(nncrt_image_decode(td_path(bad[i].name), &img, err, sizeof err), -1);
        if (!strstr(err, bad[i].msg))
            fail_msg("%s: '%s' should say '%s'", bad[i].name, err, bad[i].msg);
    }
}

/* ---- streams ------------------------------------------------------------------ */

/* A child writes n bytes of data (repeated as needed) into a pipe, then
   waits hold_ms with the pipe still open before it exits. */
static int pipe_from_child(const uint8_t *data, size_t len, size_t n, int hold_ms, pid_t *pid)
{
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    *pid = fork();
    assert_true(*pid >= 0);
    if (*pid == 0) {
        close(fds[0]);
        static uint8_t chunk[1 << 16];   /* data repeated: few writes for 256 MiB */
        if (len > sizeof chunk)
            _exit(2);
        for (size_t i = 0; i < sizeof chunk; i++)
            chunk[i] = data[i % len];
        for (size_t done = 0; done < n;) {
            size_t off = done % len, k = sizeof chunk - off;   /* chunk[off]: byte `done` */
            k = k < n - done ? k : n - done;
            ssize_t w = write(fds[1], chunk + off, k);
            if (w <= 0)
                _exit(1);
            done += (size_t)w;
        }
        usleep((useconds_t)hold_ms * 1000);
        _exit(0);
    }
    close(fds[1]);
    return fds[0];
}

/* A piped image decodes as its file does; a silent stream and one past the
   size limit are refused; a FIFO is never opened as a file. */
static void test_streams(void **state)
{
    (void)state;
    const char *dir = getenv("NNC_FIXTURES");
    char src[512], err[240];
    snprintf(src, sizeof src, "%s/data/progressive.jpg", dir ? dir : "tests/fixtures");
    size_t n, got;
    uint8_t *jpg = td_read(src, &n), *data;
    pid_t pid;
    int fd = pipe_from_child(jpg, n, n, 0, &pid);
    assert_int_equal(nncrt_read_image_stream(fd, 5000, &data, &got, err, sizeof err), 0);
    close(fd);
    waitpid(pid, NULL, 0);
    nncrt_image a, b;
    assert_int_equal(nncrt_image_decode_mem(data, got, "-", &a, err, sizeof err), 0);
    assert_int_equal(nncrt_image_decode(src, &b, err, sizeof err), 0);
    assert_true(a.h == b.h && a.w == b.w && a.c == b.c);
    assert_memory_equal(a.px, b.px, (size_t)a.h * (size_t)a.w * (size_t)a.c);
    free(a.px), free(b.px), free(data);
    fd = pipe_from_child(jpg, n, 10, 10000, &pid);   /* 10 bytes, then 10 s of silence */
    double t0 = nncrt_now();   /* wall time: the wait is what counts */
    assert_int_equal(nncrt_read_image_stream(fd, 200, &data, &got, err, sizeof err), -1);
    assert_true(nncrt_now() - t0 < 5);
    assert_non_null(strstr(err, "nothing arrived for 0.2 s"));
    close(fd);
    kill(pid, SIGKILL), waitpid(pid, NULL, 0);
    fd = pipe_from_child(jpg, n, NNCRT_IMAGE_MAX_FILE + 1, 0, &pid);
    assert_int_equal(nncrt_read_image_stream(fd, 5000, &data, &got, err, sizeof err), -1);
    assert_non_null(strstr(err, "more than 256 MiB"));
    close(fd);
    kill(pid, SIGKILL), waitpid(pid, NULL, 0);
    free(jpg);
    assert_int_equal(mkfifo(td_path("fifo.png"), 0644), 0);   /* no writer: open would block */
    assert_int_equal(nncrt_read_image_file(td_path("fifo.png"), &data, &got, err, sizeof err), -1);
    assert_non_null(strstr(err, "a FIFO, not a regular file"));
    assert_int_equal(nncrt_read_image_input(td_path("fifo.png"), &data, &got, err, sizeof err), 0);
    assert_int_equal(got, 0);   /* a FIFO with no writer reads as empty, at once */
    free(data);
    assert_int_equal(nncrt_read_image_input("/dev/zero", &data, &got, err, sizeof err), -1);
    assert_non_null(strstr(err, "a device, not an image file"));
}

/* ---- hostile input: bounded time and memory, a clear reason --------------------- */

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
}

static size_t png_chunk(uint8_t *at, const char *type, const uint8_t *data, uint32_t n)
{
    put_be32(at, n);
    memcpy(at + 4, type, 4);
    if (n)
        memcpy(at + 8, data, n);
    put_be32(at + 8 + n, (uint32_t)crc32(crc32(0, (const Bytef *)type, 4), data, n));
    return 12 + n;
}

/* A 16384x8192 RGBA header (512 MiB of pixels) over 100 bytes of data is
   refused before anything is allocated; so is a zTXt bomb never inflated. */
static void test_hostile_png(void **state)
{
    (void)state;
    uint8_t file[400] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' }, ihdr[13] = { 0 };
    put_be32(ihdr, 16384), put_be32(ihdr + 4, 8192), ihdr[8] = 8, ihdr[9] = 6;
    size_t n = 8 + png_chunk(file + 8, "IHDR", ihdr, 13);
    uint8_t zeros[100] = { 0 };
    n += png_chunk(file + n, "IDAT", zeros, sizeof zeros);
    n += png_chunk(file + n, "IEND", NULL, 0);
    nncrt_image img;
    char err[240];
    assert_int_equal(nncrt_image_decode_mem(file, n, "big.png", &img, err, sizeof err), -1);
    if (!strstr(err, "truncated (157 bytes cannot hold the 536870912 bytes of a 16384x8192"))
        fail_msg("%s", err);
    /* a 4x4 gray PNG with 16 MiB of zTXt text compressed to 16 KiB */
    uLong big = 16u << 20, zn = compressBound(big);
    uint8_t *text = calloc(big, 1), *ztxt = malloc(zn + 8), px[16];
    memcpy(ztxt, "k\0\0", 3);   /* keyword "k", compression method 0 */
    assert_int_equal(compress(ztxt + 3, &zn, text, big), Z_OK);
    memset(px, 9, sizeof px);
    td_write_png8("small.png", 4, 4, 1, px);
    size_t sn;
    uint8_t *small = td_read(td_path("small.png"), &sn), *bomb = malloc(sn + zn + 32);
    memcpy(bomb, small, 33);   /* signature and IHDR */
    size_t bn = 33 + png_chunk(bomb + 33, "zTXt", ztxt, (uint32_t)(zn + 3));
    memcpy(bomb + bn, small + 33, sn - 33), bn += sn - 33;
    double t0 = td_cpu_seconds();
    assert_int_equal(nncrt_image_decode_mem(bomb, bn, "bomb.png", &img, err, sizeof err), 0);
    assert_true(td_cpu_seconds() - t0 < 0.5 && img.px[0] == 9);
    free(img.px), free(text), free(ztxt), free(small), free(bomb);
}

/* A gray progressive JPEG of flat pixels: the DC scan, then each AC
   coefficient k alone at point transform al, refined bit by bit to 0:
   1 + 63 (al + 1) scans. */
static uint8_t *progressive_jpeg(int w, int h, int al, size_t *n)
{
    struct jpeg_compress_struct ci;
    struct jpeg_error_mgr jerr;
    ci.err = jpeg_std_error(&jerr);
    jpeg_create_compress(&ci);
    unsigned char *out = NULL;
    unsigned long len = 0;
    jpeg_mem_dest(&ci, &out, &len);
    ci.image_width = (JDIMENSION)w, ci.image_height = (JDIMENSION)h;
    ci.input_components = 1, ci.in_color_space = JCS_GRAYSCALE;
    jpeg_set_defaults(&ci);
    jpeg_scan_info *scans = calloc((size_t)(1 + 63 * (al + 1)), sizeof *scans);
    int k = 0;
    scans[k++] = (jpeg_scan_info){ 1, { 0 }, 0, 0, 0, 0 };
    for (int c = 1; c < 64; c++)
        for (int bit = al; bit >= 0; bit--)
            scans[k++] = (jpeg_scan_info){ 1, { 0 }, c, c, bit == al ? 0 : bit + 1, bit };
    ci.scan_info = scans, ci.num_scans = k;
    jpeg_start_compress(&ci, TRUE);
    JSAMPLE *row = malloc((size_t)w);
    memset(row, 128, (size_t)w);
    while (ci.next_scanline < ci.image_height)
        jpeg_write_scanlines(&ci, &row, 1);
    jpeg_finish_compress(&ci);
    jpeg_destroy_compress(&ci);
    free(row), free(scans);
    *n = len;
    return out;
}

/* An entropy-coded segment: bits MSB first, 0xFF bytes stuffed. */
typedef struct bits {
    uint8_t *p;
    size_t n;
    unsigned acc, nacc;
} bits;

static void put_bits(bits *b, unsigned v, unsigned count)
{
    while (count--) {
        b->acc = b->acc << 1 | ((v >> count) & 1);
        if (++b->nacc == 8) {
            b->p[b->n++] = (uint8_t)b->acc;
            if (b->acc == 0xFF)
                b->p[b->n++] = 0;
            b->acc = b->nacc = 0;
        }
    }
}

static void end_bits(bits *b)
{
    while (b->nacc)
        put_bits(b, 1, 1);   /* pad with ones */
}

static void put_marker(bits *b, uint8_t m, const uint8_t *body, size_t n)
{
    b->p[b->n++] = 0xFF, b->p[b->n++] = m;
    b->p[b->n++] = (uint8_t)((n + 2) >> 8), b->p[b->n++] = (uint8_t)(n + 2);
    memcpy(b->p + b->n, body, n), b->n += n;
}

/* What an attacker writes: a w x h gray progressive JPEG (w/8 x h/8 a
   multiple of 32767 blocks) whose 63 AC scans are each a few end-of-band
   runs of 32767 blocks: ~30 bytes that make the decoder visit every block. */
static uint8_t *eobrun_jpeg(int w, int h, size_t *n)
{
    size_t blocks = (size_t)(w / 8) * (size_t)(h / 8);
    bits b = { malloc(blocks / 8 + 20000), 0, 0, 0 };
    b.p[b.n++] = 0xFF, b.p[b.n++] = 0xD8;
    uint8_t dqt[65] = { 0 }, sof[9] = { 8, (uint8_t)(h >> 8), (uint8_t)h, (uint8_t)(w >> 8),
                                        (uint8_t)w, 1, 1, 0x11, 0 };
    memset(dqt + 1, 1, 64);
    put_marker(&b, 0xDB, dqt, sizeof dqt);
    put_marker(&b, 0xC2, sof, sizeof sof);   /* SOF2: progressive */
    uint8_t dc_table[18] = { 0x00, 1 }, ac_table[18] = { 0x10, 1 };
    ac_table[17] = 0xE0;   /* the one code "0": an end-of-band run of 2^14 + 14 bits */
    put_marker(&b, 0xC4, dc_table, sizeof dc_table);   /* the one code "0": DC difference 0 */
    put_marker(&b, 0xDA, (const uint8_t[]){ 1, 1, 0x00, 0, 0, 0x00 }, 6);
    for (size_t i = 0; i < blocks; i++)
        put_bits(&b, 0, 1);
    end_bits(&b);
    for (uint8_t k = 1; k < 64; k++) {
        put_marker(&b, 0xC4, ac_table, sizeof ac_table);
        put_marker(&b, 0xDA, (const uint8_t[]){ 1, 1, 0x00, k, k, 0x00 }, 6);
        for (size_t done = 0; done < blocks; done += 32767)
            put_bits(&b, 0, 1), put_bits(&b, 16383, 14);
        end_bits(&b);
    }
    b.p[b.n++] = 0xFF, b.p[b.n++] = 0xD9;
    *n = b.n;
    return b.p;
}

/* Where the first scan's entropy-coded data ends: the next marker after
   the SOS at `at` (0xFF followed by neither a stuffed 0 nor a restart). */
static size_t scan_end(const uint8_t *b, size_t n, size_t at)
{
    size_t i = at + 2 + ((size_t)b[at + 2] << 8 | b[at + 3]);
    while (i + 1 < n && !(b[i] == 0xFF && b[i + 1] != 0 && (b[i + 1] < 0xD0 || b[i + 1] > 0xD7)))
        i++;
    return i;
}

static void expect_refused(const uint8_t *jpg, size_t n, const char *why, double seconds)
{
    nncrt_image img;
    char err[240];
    double t0 = td_cpu_seconds();
    int rc = nncrt_image_decode_mem(jpg, n, "x.jpg", &img, err, sizeof err);
    double t = td_cpu_seconds() - t0;
    if (rc == 0) {
        free(img.px);
        fail_msg("decoded in %.2f s, expected refused: %s", t, why);
    }
    if (!strstr(err, why))
        fail_msg("'%s' should say '%s'", err, why);
    if (t > seconds)
        fail_msg("refused after %.2f s (> %.1f)", t, seconds);
}

/* An AC scan with no DC scan before it is refused: it would have libjpeg
   zero the whole coefficient memory for a few bytes. Legitimate scripts,
   with 127 scans here, decode. */
static void test_jpeg_scan_order(void **state)
{
    (void)state;
    size_t n;
    nncrt_image img;
    char err[240];
    uint8_t *ok = progressive_jpeg(64, 48, 1, &n);   /* 127 scans */
    assert_int_equal(nncrt_image_decode_mem(ok, n, "ok.jpg", &img, err, sizeof err), 0);
    assert_true(img.w == 64 && img.h == 48 && abs(img.px[100] - 128) <= 1);
    free(img.px);
    size_t at = (size_t)((uint8_t *)memmem(ok, n, "\xff\xda", 2) - ok), end = scan_end(ok, n, at);
    memmove(ok + at, ok + end, n - end);   /* the DC scan removed, its tables kept */
    expect_refused(ok, n - (end - at), "Inconsistent progression sequence", 1);
    free(ok);
}

/* At most 500 scans, as libjpeg-turbo's fuzzers allow. */
static void test_jpeg_many_scans(void **state)
{
    (void)state;
    size_t n;
    uint8_t *many = progressive_jpeg(16, 16, 8, &n);   /* 568 scans */
    expect_refused(many, n, "refused: more than 500 progressive scans", 1);
    free(many);
}

/* Scans of end-of-band runs: 64 KiB that would make the decoder visit
   35 M blocks; refused once the scans' blocks pass 32 M. */
static void test_jpeg_eobrun_bomb(void **state)
{
    (void)state;
    size_t n;
    uint8_t *runs = eobrun_jpeg(8456, 4216, &n);   /* 64 scans of 557,039 blocks */
    assert_true(n < 80000);
    expect_refused(runs, n, "refused: its 61 scans visit more than 32 Mblocks", 5);
    free(runs);
}

/* IDX headers that declare more than the files hold: refused before any
   allocation, with the file named. */
static void write_gz_at(const char *rel, const uint8_t *data, size_t n)
{
    gzFile g = gzopen(td_path(rel), "wb");
    assert_non_null(g);
    assert_int_equal(gzwrite(g, data, (unsigned)n), (int)n);
    assert_int_equal(gzclose(g), Z_OK);
}

static void test_hostile_idx(void **state)
{
    (void)state;
    uint8_t img[16] = { 0, 0, 8, 3 }, lab[8] = { 0, 0, 8, 1 };
    put_be32(img + 4, 0xFFFFFFFFu), put_be32(img + 8, 16384), put_be32(img + 12, 16384);
    put_be32(lab + 4, 0xFFFFFFFFu);
    td_write("huge-images.idx", img, sizeof img);
    td_write("huge-labels.idx", lab, sizeof lab);
    nncrt_data_opts o = { .h = 28, .w = 28, .c = 1, .num_classes = 10 };
    nncrt_dataset ds;
    double rss0 = td_max_rss_mib();
    assert_int_equal(nncrt_dataset_load(&ds, td_path("huge-images.idx"), &o), -1);
    if (!strstr(nncrt_last_error, "huge-images.idx: file ends early (truncated?): the header "
                "declares 4294967295 images of 16384x16384x1 (1152921504338411520 bytes) but "
                "the file holds 0 bytes after the header"))
        fail_msg("%s", nncrt_last_error);
    put_be32(img + 8, 1), put_be32(img + 12, 1);   /* 4 G images of 1 pixel, gzipped */
    write_gz_at("hugez-images.idx", img, sizeof img);
    write_gz_at("hugez-labels.idx", lab, sizeof lab);
    assert_int_equal(nncrt_dataset_load(&ds, td_path("hugez-images.idx"), &o), -1);
    if (!strstr(nncrt_last_error, "hugez-images.idx: file ends early (truncated?): the header "
                "declares 4294967295 images of 1x1x1 (4294967295 bytes), more than "))
        fail_msg("%s", nncrt_last_error);
    assert_true(td_max_rss_mib() - rss0 < 50);
    uint8_t junk[64];
    memset(junk, 0x55, sizeof junk);
    uint8_t gz[200] = { 0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3 };
    memcpy(gz + 10, junk, sizeof junk);   /* a gzip header, then garbage */
    td_write("bad-images.idx", gz, 74);
    td_write("bad-labels.idx", lab, sizeof lab);
    assert_int_equal(nncrt_dataset_load(&ds, td_path("bad-images.idx"), &o), -1);
    if (!strstr(nncrt_last_error, "bad-images.idx: corrupt gzip data"))
        fail_msg("%s", nncrt_last_error);
}

/* The loader from memory (the fuzzer's way in) reads what the files give. */
static void test_idx_from_memory(void **state)
{
    (void)state;
    uint8_t img[16 + 3 * 6] = { 0, 0, 8, 3, 0, 0, 0, 3, 0, 0, 0, 2, 0, 0, 0, 3 };
    uint8_t lab[8 + 3] = { 0, 0, 8, 1, 0, 0, 0, 3, 2, 0, 1 };
    for (int i = 0; i < 18; i++)
        img[16 + i] = (uint8_t)(7 * i);
    write_gz_at("m-images.idx.gz", img, sizeof img);
    td_write("m-labels.idx", lab, sizeof lab);
    nncrt_data_opts o = { .h = 2, .w = 3, .c = 1, .num_classes = 3 };
    nncrt_dataset a, b;
    assert_int_equal(nncrt_dataset_load(&a, td_path("m-images.idx.gz"), &o), 0);
    size_t zn;
    uint8_t *z = td_read(td_path("m-images.idx.gz"), &zn);
    const char *names[2] = { "images", "labels" };
    assert_int_equal(nncrt_idx_load_mem(&b, z, zn, lab, sizeof lab, names, &o), 0);
    assert_true(a.n == 3 && b.n == 3);
    assert_memory_equal(a.pixels, img + 16, 18);
    assert_memory_equal(b.pixels, img + 16, 18);
    assert_true(b.labels[0] == 2 && b.labels[2] == 1);
    nncrt_dataset_free(&a), nncrt_dataset_free(&b);
    assert_int_equal(nncrt_idx_load_mem(&b, img, sizeof img - 1, lab, sizeof lab, names, &o), -1);
    assert_non_null(strstr(nncrt_last_error, "images: file ends early"));
    assert_int_equal(nncrt_idx_load_mem(&b, z, zn - 4, lab, sizeof lab, names, &o), -1);
    assert_non_null(strstr(nncrt_last_error, "images: file ends early"));   /* no gzip trailer */
    z[zn - 8] ^= 1;   /* the CRC-32 of the data */
    assert_int_equal(nncrt_idx_load_mem(&b, z, zn, lab, sizeof lab, names, &o), -1);
    assert_non_null(strstr(nncrt_last_error, "images: corrupt gzip data: incorrect data check"));
    free(z);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_png_every_type),
        cmocka_unit_test(test_jpeg_matches_pil),
        cmocka_unit_test(test_resize_modes),
        cmocka_unit_test(test_crop_and_pad_to_aspect),
        cmocka_unit_test(test_pad_fills_zero),
        cmocka_unit_test(test_gray_fast_path_is_exact),
        cmocka_unit_test(test_format_detection),
        cmocka_unit_test(test_streams),
        cmocka_unit_test(test_hostile_png),
        cmocka_unit_test(test_jpeg_scan_order),
        cmocka_unit_test(test_jpeg_many_scans),
        cmocka_unit_test(test_jpeg_eobrun_bomb),
        cmocka_unit_test(test_hostile_idx),
        cmocka_unit_test(test_idx_from_memory),
    };
    return cmocka_run_group_tests_name("data decoding", tests, setup, teardown);
}
