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
        for (size_t done = 0; done < n;) {
            size_t k = n - done < len ? n - done : len;
            ssize_t w = write(fds[1], data, k);
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
    fd = pipe_from_child(jpg, n, 10, 3000, &pid);   /* 10 bytes, then silence */
    double t0 = nncrt_now();
    assert_int_equal(nncrt_read_image_stream(fd, 200, &data, &got, err, sizeof err), -1);
    assert_true(nncrt_now() - t0 < 2);
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
    };
    return cmocka_run_group_tests_name("data decoding", tests, setup, teardown);
}
