/* test_runtime.c — cmocka unit tests for libnncrt's pieces: RNG, split,
 * IDX and PNG loading, resize, folder datasets, safetensors, weights,
 * the atomic writer, metrics, JSON, option parsing and the history CSV.
 * Test inputs (PNG of every colour type, IDX files, broken safetensors) are
 * made here, in a temporary directory, so nothing depends on fixtures. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <jansson.h>
#include <math.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "atomic_file.h"
#include "dataset.h"
#include "history.h"
#include "image.h"
#include "json.h"
#include "metrics.h"
#include "options.h"
#include "rng.h"
#include "safetensors.h"
#include "util.h"
#include "weights.h"

#include "test_data_util.h"

static char tmp[256];

/* ---- helpers ------------------------------------------------------------ */

static char *path_in(const char *rel)
{
    static char buf[8][512];
    static int next;
    char *p = buf[next++ % 8];
    snprintf(p, 512, "%s/%s", tmp, rel);
    return p;
}

static void make_dirs(const char *rel)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", tmp, rel);
    for (char *s = p + strlen(tmp) + 1; *s; s++) {
        if (*s == '/') {
            *s = 0;
            mkdir(p, 0777);
            *s = '/';
        }
    }
    mkdir(p, 0777);
}

static void write_bytes(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
}

static void write_gz(const char *path, const void *data, size_t n)
{
    gzFile g = gzopen(path, "wb");
    assert_non_null(g);
    assert_int_equal(gzwrite(g, data, (unsigned)n), (int)n);
    assert_int_equal(gzclose(g), Z_OK);
}

static void write_gray_png(const char *path, int w, int h, uint8_t value)
{
    uint8_t *px = malloc((size_t)w * (size_t)h);
    memset(px, value, (size_t)w * (size_t)h);
    td_write_png_at(path, &(td_png){ .w = w, .h = h, .color_type = PNG_COLOR_TYPE_GRAY,
                                     .depth = 8, .rows = px });
    free(px);
}

static void assert_error_mentions(const char *a, const char *b)
{
    if (!strstr(nncrt_last_error, a) || (b && !strstr(nncrt_last_error, b)))
        fail_msg("error '%s' should mention '%s'%s%s", nncrt_last_error, a, b ? " and " : "", b ? b : "");
}

static int rm_entry(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(p);
}

static int group_setup(void **state)
{
    (void)state;
    snprintf(tmp, sizeof tmp, "/tmp/nncrt_test_XXXXXX");
    nncrt_quiet = true;   /* errors are checked through nncrt_last_error */
    return mkdtemp(tmp) ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    return nftw(tmp, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* ---- rng and split ------------------------------------------------------ */

static void test_rng_deterministic(void **state)
{
    (void)state;
    nncrt_rng a, b, c, d;
    nncrt_rng_seed(&a, 42, 7);
    nncrt_rng_seed(&b, 42, 7);
    nncrt_rng_seed(&c, 42, 8);
    nncrt_rng_seed(&d, 43, 7);
    int same_c = 0, same_d = 0;
    for (int i = 0; i < 100; i++) {
        uint64_t x = nncrt_rng_next(&a);
        assert_true(x == nncrt_rng_next(&b));
        same_c += x == nncrt_rng_next(&c);
        same_d += x == nncrt_rng_next(&d);
    }
    assert_int_equal(same_c, 0);
    assert_int_equal(same_d, 0);
    /* a fixed value pins the algorithm: changing it changes every shuffle */
    nncrt_rng_seed(&a, 0, 0);
    uint64_t first = nncrt_rng_next(&a);
    nncrt_rng_seed(&b, 0, 0);
    assert_true(first == nncrt_rng_next(&b));
    for (int i = 0; i < 1000; i++) {
        assert_true(nncrt_rng_below(&a, 7) < 7);
        double u = nncrt_rng_uniform(&a);
        assert_true(u >= 0 && u < 1);
    }
}

static void test_shuffle_is_permutation(void **state)
{
    (void)state;
    enum { N = 257 };
    size_t x[N], y[N];
    int seen[N] = { 0 };
    for (size_t i = 0; i < N; i++)
        x[i] = y[i] = i;
    nncrt_rng a, b;
    nncrt_rng_seed(&a, 5, NNCRT_STREAM_EPOCH + 3);
    nncrt_rng_seed(&b, 5, NNCRT_STREAM_EPOCH + 3);
    nncrt_shuffle(x, N, &a);
    nncrt_shuffle(y, N, &b);
    size_t moved = 0;
    for (size_t i = 0; i < N; i++) {
        assert_true(x[i] == y[i]);
        seen[x[i]]++;
        moved += x[i] != i;
    }
    for (size_t i = 0; i < N; i++)
        assert_int_equal(seen[i], 1);
    assert_true(moved > N / 2);
}

static void test_split_disjoint_stable(void **state)
{
    (void)state;
    size_t *t1, *v1, *t2, *v2, *t3, *v3, nt, nv, nt2, nv2, nt3, nv3;
    nncrt_split(103, 0.2, true, 1337, &t1, &nt, &v1, &nv);
    assert_int_equal(nv, 20);   /* int(0.2 * 103) */
    assert_int_equal(nt, 83);
    int seen[103] = { 0 };
    for (size_t i = 0; i < nt; i++)
        seen[t1[i]]++;
    for (size_t i = 0; i < nv; i++)
        seen[v1[i]]++;
    for (int i = 0; i < 103; i++)
        assert_int_equal(seen[i], 1);   /* disjoint and complete */
    nncrt_split(103, 0.2, true, 1337, &t2, &nt2, &v2, &nv2);
    assert_memory_equal(t1, t2, nt * sizeof *t1);
    assert_memory_equal(v1, v2, nv * sizeof *v1);
    nncrt_split(103, 0.2, true, 1338, &t3, &nt3, &v3, &nv3);
    assert_true(memcmp(v1, v3, nv * sizeof *v1) != 0);
    free(t1), free(v1), free(t2), free(v2), free(t3), free(v3);
}

/* ---- IDX ---------------------------------------------------------------- */

/* 5 images of 3x4 (h x w): pixel value = 10*i + j; labels i % 3. */
static void make_idx(const char *images, const char *labels, bool gz, size_t cut)
{
    uint8_t img[16 + 5 * 12] = { 0, 0, 8, 3, 0, 0, 0, 5, 0, 0, 0, 3, 0, 0, 0, 4 };
    uint8_t lab[8 + 5] = { 0, 0, 8, 1, 0, 0, 0, 5 };
    for (int i = 0; i < 5; i++) {
        for (int j = 0; j < 12; j++)
            img[16 + i * 12 + j] = (uint8_t)(10 * i + j);
        lab[8 + i] = (uint8_t)(i % 3);
    }
    (gz ? write_gz : write_bytes)(images, img, sizeof img - cut);
    (gz ? write_gz : write_bytes)(labels, lab, sizeof lab);
}

static nncrt_data_opts opts_for(int h, int w, int c, int k)
{
    nncrt_data_opts o = { .h = h, .w = w, .c = c, .num_classes = k };
    return o;
}

static void test_idx_labels_path(void **state)
{
    (void)state;
    char *p = nncrt_idx_labels_path("d/train-images-idx3-ubyte.gz");
    assert_string_equal(p, "d/train-labels-idx1-ubyte.gz");
    free(p);
    p = nncrt_idx_labels_path("d/x-images.idx");
    assert_string_equal(p, "d/x-labels.idx");
    free(p);
    assert_null(nncrt_idx_labels_path("my-images/data.idx"));   /* only the file name counts */
}

static void test_idx_load_plain_and_gz(void **state)
{
    (void)state;
    make_idx(path_in("p-images.idx"), path_in("p-labels.idx"), false, 0);
    make_idx(path_in("z-images-idx3-ubyte.gz"), path_in("z-labels-idx1-ubyte.gz"), true, 0);
    nncrt_data_opts o = opts_for(3, 4, 1, 3);
    nncrt_dataset a, b;
    assert_int_equal(nncrt_dataset_load(&a, path_in("p-images.idx"), &o), 0);
    assert_int_equal(nncrt_dataset_load(&b, path_in("z-images-idx3-ubyte.gz"), &o), 0);
    assert_int_equal(a.n, 5);
    assert_int_equal(b.n, 5);
    assert_memory_equal(a.pixels, b.pixels, 5 * 12);
    assert_int_equal(a.pixels[2 * 12 + 5], 25);
    assert_int_equal(a.labels[4], 1);
    assert_string_equal(a.class_names[2], "2");
    nncrt_dataset_free(&a);
    nncrt_dataset_free(&b);
    o.limit = 2;
    o.c = 3;   /* gray replicated to rgb */
    assert_int_equal(nncrt_dataset_load(&a, path_in("p-images.idx"), &o), 0);
    assert_int_equal(a.n, 2);
    assert_int_equal(a.pixels[(12 + 5) * 3 + 0], 15);
    assert_int_equal(a.pixels[(12 + 5) * 3 + 2], 15);
    nncrt_dataset_free(&a);
}

static void test_idx_errors(void **state)
{
    (void)state;
    nncrt_dataset ds;
    nncrt_data_opts o = opts_for(3, 4, 1, 3);
    make_idx(path_in("t-images.idx"), path_in("t-labels.idx"), true, 7);
    assert_int_equal(nncrt_dataset_load(&ds, path_in("t-images.idx"), &o), -1);
    assert_error_mentions(path_in("t-images.idx"), "ends early");
    o.num_classes = 2;   /* label 2 is out of range */
    make_idx(path_in("r-images.idx"), path_in("r-labels.idx"), false, 0);
    assert_int_equal(nncrt_dataset_load(&ds, path_in("r-images.idx"), &o), -1);
    assert_error_mentions(path_in("r-labels.idx"), "out of range");
    o.num_classes = 3;
    write_bytes(path_in("m-images.idx"), "\0\0\x08\x03", 4);
    assert_int_equal(nncrt_dataset_load(&ds, path_in("m-images.idx"), &o), -1);
    assert_error_mentions(path_in("m-labels.idx"), "not found");
    write_bytes(path_in("b-images.idx"), "\x12\x34\x08\x03", 4);
    write_bytes(path_in("b-labels.idx"), "\0\0\x08\x01", 4);
    assert_int_equal(nncrt_dataset_load(&ds, path_in("b-images.idx"), &o), -1);
    assert_error_mentions(path_in("b-images.idx"), "magic");
    assert_int_equal(nncrt_dataset_load(&ds, path_in("nope-images.idx"), &o), -1);
    assert_error_mentions(path_in("nope-images.idx"), "No such file");
}

/* ---- PNG ---------------------------------------------------------------- */

static void decode_expect(const td_png *s, const char *name, int c, const uint8_t *want, size_t n)
{
    nncrt_image img;
    char err[200];
    td_write_png_at(path_in(name), s);
    if (nncrt_png_decode(path_in(name), &img, err, sizeof err) != 0)
        fail_msg("%s: %s", name, err);
    assert_int_equal(img.c, c);
    assert_int_equal(img.w, s->w);
    assert_int_equal(img.h, s->h);
    assert_memory_equal(img.px, want, n);
    free(img.px);
}

static void test_png_color_types(void **state)
{
    (void)state;
    const uint8_t gray[] = { 10, 200 }, ga[] = { 10, 255, 200, 128 };
    const uint8_t rgb[] = { 255, 0, 0, 1, 2, 3 }, rgba[] = { 0, 255, 0, 7, 9, 8, 7, 6 };
    td_png s = { .w = 2, .h = 1, .color_type = PNG_COLOR_TYPE_GRAY, .depth = 8, .rows = gray };
    decode_expect(&s, "g8.png", 1, gray, 2);
    s.color_type = PNG_COLOR_TYPE_GRAY_ALPHA, s.rows = ga;
    decode_expect(&s, "ga8.png", 2, ga, 4);
    s.color_type = PNG_COLOR_TYPE_RGB, s.rows = rgb;
    decode_expect(&s, "rgb8.png", 3, rgb, 6);
    s.color_type = PNG_COLOR_TYPE_RGB_ALPHA, s.rows = rgba;
    decode_expect(&s, "rgba8.png", 4, rgba, 8);
}

static void test_png_palette_16bit_1bit_interlaced(void **state)
{
    (void)state;
    const uint8_t pal[] = { 1, 2, 3, 4, 5, 6 };
    const uint8_t idx[] = { 1, 0 }, trns[] = { 0 };
    td_png s = { .w = 2, .h = 1, .color_type = PNG_COLOR_TYPE_PALETTE, .depth = 8, .rows = idx,
                 .palette_rgb = pal, .npalette = 2 };
    decode_expect(&s, "pal.png", 3, (const uint8_t[]){ 4, 5, 6, 1, 2, 3 }, 6);
    s.trns = trns, s.ntrns = 1;   /* entry 0 fully transparent -> alpha channel */
    decode_expect(&s, "palt.png", 4, (const uint8_t[]){ 4, 5, 6, 255, 1, 2, 3, 0 }, 8);
    const uint8_t g16[] = { 0x12, 0x34, 0xFF, 0x00 };   /* big endian samples */
    td_png s16 = { .w = 2, .h = 1, .color_type = PNG_COLOR_TYPE_GRAY, .depth = 16, .rows = g16 };
    decode_expect(&s16, "g16.png", 1, (const uint8_t[]){ 0x12, 0xFF }, 2);
    const uint8_t rgb16[] = { 0xAB, 0xCD, 0x01, 0x02, 0xFF, 0xFF };
    td_png r16 = { .w = 1, .h = 1, .color_type = PNG_COLOR_TYPE_RGB, .depth = 16, .rows = rgb16 };
    decode_expect(&r16, "rgb16.png", 3, (const uint8_t[]){ 0xAB, 0x01, 0xFF }, 3);
    const uint8_t bits[] = { 0xA0 };   /* 1-bit gray 10100000 */
    td_png b1 = { .w = 8, .h = 1, .color_type = PNG_COLOR_TYPE_GRAY, .depth = 1, .rows = bits };
    decode_expect(&b1, "g1.png", 1, (const uint8_t[]){ 255, 0, 255, 0, 0, 0, 0, 0 }, 8);
    uint8_t px[5 * 7];
    for (int i = 0; i < 35; i++)
        px[i] = (uint8_t)(i * 7);
    td_png il = { .w = 7, .h = 5, .color_type = PNG_COLOR_TYPE_GRAY, .depth = 8,
                  .interlace = PNG_INTERLACE_ADAM7, .rows = px };
    decode_expect(&il, "adam7.png", 1, px, 35);
}

static void load_expect(const char *name, int c, const uint8_t *want, size_t n)
{
    uint8_t out[64];
    char err[200];
    if (nncrt_png_load(path_in(name), 1, 2, c, out, err, sizeof err) != 0)
        fail_msg("%s: %s", name, err);
    assert_memory_equal(out, want, n);
}

/* Written by test_png_color_types: 2x1 gray, gray+alpha, rgb, rgba. */
static void test_png_channel_conversion(void **state)
{
    (void)state;
    load_expect("rgb8.png", 1, (const uint8_t[]){ 76, 2 }, 2);           /* 0.2989*255; luma(1,2,3)=1.89 */
    load_expect("rgba8.png", 1, (const uint8_t[]){ 150, 8 }, 2);         /* 0.5870*255 */
    load_expect("g8.png", 3, (const uint8_t[]){ 10, 10, 10, 200, 200, 200 }, 6);
    load_expect("ga8.png", 1, (const uint8_t[]){ 10, 200 }, 2);          /* alpha dropped */
    load_expect("rgb8.png", 4, (const uint8_t[]){ 255, 0, 0, 255, 1, 2, 3, 255 }, 8);
    load_expect("ga8.png", 4, (const uint8_t[]){ 10, 10, 10, 255, 200, 200, 200, 128 }, 8);
    load_expect("rgba8.png", 3, (const uint8_t[]){ 0, 255, 0, 9, 8, 7 }, 6);
}

static void test_png_errors(void **state)
{
    (void)state;
    nncrt_image img;
    char err[200];
    write_bytes(path_in("text.png"), "hello, not a png at all", 23);
    assert_int_equal(nncrt_png_decode(path_in("text.png"), &img, err, sizeof err), -1);
    assert_non_null(strstr(err, "not a PNG"));
    FILE *f = fopen(path_in("rgb8.png"), "rb");
    uint8_t head[40];
    assert_int_equal(fread(head, 1, sizeof head, f), sizeof head);
    fclose(f);
    write_bytes(path_in("cut.png"), head, sizeof head);
    assert_int_equal(nncrt_png_decode(path_in("cut.png"), &img, err, sizeof err), -1);
    assert_null(img.px);
    write_gray_png(path_in("wide.png"), NNCRT_PNG_MAX_DIM + 1, 1, 0);
    assert_int_equal(nncrt_png_decode(path_in("wide.png"), &img, err, sizeof err), -1);
    if (!strstr(err, "exceeds"))
        fail_msg("wide.png: %s", err);
    assert_int_equal(nncrt_png_decode(path_in("missing.png"), &img, err, sizeof err), -1);
    assert_non_null(strstr(err, "No such file"));
}

/* ---- resize and conversion ---------------------------------------------- */

static void test_resize_matches_tf(void **state)
{
    (void)state;
    /* tf.image.resize([[0, 255]], (1, 4)) = [0, 63.75, 191.25, 255] */
    const uint8_t row[2] = { 0, 255 };
    uint8_t out[4];
    nncrt_image_resize(row, 1, 2, out, 1, 4, 1);
    assert_memory_equal(out, ((const uint8_t[]){ 0, 64, 191, 255 }), 4);
    /* halving with half-pixel centres averages 2x2 blocks */
    const uint8_t sq[16] = { 0, 10, 100, 110, 20, 30, 120, 130, 200, 210, 0, 0, 220, 230, 0, 4 };
    uint8_t half[4];
    nncrt_image_resize(sq, 4, 4, half, 2, 2, 1);
    assert_memory_equal(half, ((const uint8_t[]){ 15, 115, 215, 1 }), 4);
    /* a constant image stays constant at any size; channels stay separate */
    uint8_t rgb[3 * 3 * 3], big[7 * 5 * 3];
    for (int i = 0; i < 27; i++)
        rgb[i] = (uint8_t)(i % 3 == 0 ? 9 : i % 3 == 1 ? 99 : 199);
    nncrt_image_resize(rgb, 3, 3, big, 7, 5, 3);
    for (int i = 0; i < 7 * 5 * 3; i++)
        assert_int_equal(big[i], i % 3 == 0 ? 9 : i % 3 == 1 ? 99 : 199);
    uint8_t same[27];
    nncrt_image_resize(rgb, 3, 3, same, 3, 3, 3);
    assert_memory_equal(same, rgb, 27);
}

static void test_png_load_resizes(void **state)
{
    (void)state;
    write_gray_png(path_in("big.png"), 56, 40, 77);
    uint8_t out[28 * 28];
    char err[200];
    assert_int_equal(nncrt_png_load(path_in("big.png"), 28, 28, 1, out, err, sizeof err), 0);
    for (int i = 0; i < 28 * 28; i++)
        assert_int_equal(out[i], 77);
}

/* ---- folder datasets ---------------------------------------------------- */

static void make_folder_tree(void)
{
    make_dirs("tree/a/sub");
    make_dirs("tree/b");
    make_dirs("tree/.hidden");
    write_gray_png(path_in("tree/a/1.png"), 4, 4, 11);
    write_gray_png(path_in("tree/a/2.PNG"), 8, 8, 22);   /* other size, upper-case extension */
    write_gray_png(path_in("tree/a/sub/3.png"), 4, 4, 33);
    write_gray_png(path_in("tree/b/4.png"), 4, 4, 44);
    write_gray_png(path_in("tree/.hidden/5.png"), 4, 4, 55);
    write_gray_png(path_in("tree/a/.6.png"), 4, 4, 66);  /* hidden file */
    write_bytes(path_in("tree/a/bad.png"), "garbage", 7);
    write_bytes(path_in("tree/a/notes.txt"), "notes", 5);
    write_bytes(path_in("tree/a/photo.jpg"), "jpeg?", 5);
    write_bytes(path_in("tree/README"), "stray", 5);
}

static void test_folder_dataset(void **state)
{
    (void)state;
    make_folder_tree();
    nncrt_data_opts o = opts_for(4, 4, 1, 2);
    nncrt_dataset ds;
    assert_int_equal(nncrt_dataset_load(&ds, path_in("tree"), &o), 0);
    assert_int_equal(ds.num_classes, 2);
    assert_string_equal(ds.class_names[0], "a");
    assert_string_equal(ds.class_names[1], "b");
    assert_int_equal(ds.n, 4);   /* bad.png skipped, hidden and non-PNG files ignored */
    const int labels[4] = { 0, 0, 0, 1 };
    const uint8_t first_px[4] = { 11, 22, 33, 44 };
    for (int i = 0; i < 4; i++) {
        assert_int_equal(ds.labels[i], labels[i]);
        assert_int_equal(ds.pixels[i * 16], first_px[i]);
    }
    assert_non_null(strstr(ds.paths[2], "a/sub/3.png"));
    nncrt_dataset_free(&ds);
}

static void test_folder_class_names(void **state)
{
    (void)state;
    nncrt_dataset ds;
    const char *names[] = { "b", "c", "a" };
    nncrt_data_opts o = opts_for(4, 4, 1, 3);
    o.class_names = names, o.num_class_names = 3;
    assert_int_equal(nncrt_dataset_load(&ds, path_in("tree"), &o), 0);
    assert_int_equal(ds.n, 4);
    assert_int_equal(ds.labels[0], 0);   /* b/4.png first: label order is the given order */
    assert_int_equal(ds.pixels[0], 44);
    assert_int_equal(ds.labels[1], 2);
    nncrt_dataset_free(&ds);
    o.num_class_names = 1;   /* only "b": folder a is unknown */
    o.num_classes = 1;
    assert_int_equal(nncrt_dataset_load(&ds, path_in("tree"), &o), -1);
    assert_error_mentions("'a'", path_in("tree"));
    nncrt_data_opts wrong = opts_for(4, 4, 1, 3);
    assert_int_equal(nncrt_dataset_load(&ds, path_in("tree"), &wrong), -1);
    assert_error_mentions("found 2 classes", "has 3 classes");
    wrong.num_classes = 2, wrong.limit = 2;
    assert_int_equal(nncrt_dataset_load(&ds, path_in("tree"), &wrong), 0);
    assert_int_equal(ds.n, 2);
    nncrt_dataset_free(&ds);
}

static void test_dataset_batch(void **state)
{
    (void)state;
    nncrt_data_opts o = opts_for(3, 4, 1, 3);
    nncrt_dataset ds;
    assert_int_equal(nncrt_dataset_load(&ds, path_in("p-images.idx"), &o), 0);
    size_t idx[2] = { 4, 1 };
    float x[2 * 12], y[2 * 3];
    int labels[2];
    nncrt_dataset_batch(&ds, idx, 2, x, y, labels);
    assert_true(x[0] == 40.0f && x[12 + 11] == 21.0f);
    assert_int_equal(labels[0], 1);
    assert_int_equal(labels[1], 1);
    assert_true(y[0] == 0 && y[1] == 1 && y[2] == 0);
    nncrt_dataset_free(&ds);
}

/* ---- safetensors -------------------------------------------------------- */

static void test_safetensors_roundtrip(void **state)
{
    (void)state;
    float a[6] = { 1, -2, 3.5f, 1e-30f, -0.0f, 65504 }, b[3] = { 7, 8, 9 };
    nncrt_st_out t[2] = {
        { "l01_conv2d.kernel", 2, { 2, 3 }, a, 6 },
        { "odd \"name\"", 1, { 3 }, b, 3 },
    };
    const char *meta[] = { "k\"ey", "va\\l\nue \xc3\xa9", "empty", "" };
    assert_int_equal(nncrt_st_write(path_in("rt.safetensors"), t, 2, meta, 2), 0);
    nncrt_st_file f;
    assert_int_equal(nncrt_st_read(&f, path_in("rt.safetensors")), 0);
    assert_int_equal(f.n, 2);
    assert_int_equal(f.header_len % 8, 0);
    assert_int_equal(f.size, 8 + f.header_len + f.data_len);
    const nncrt_st_tensor *ta = nncrt_st_find(&f, "l01_conv2d.kernel");
    assert_non_null(ta);
    assert_string_equal(ta->dtype, "F32");
    assert_int_equal(ta->ndim, 2);
    assert_int_equal(ta->shape[1], 3);
    float back[6];
    nncrt_st_get_f32(&f, ta, back);
    assert_memory_equal(back, a, sizeof a);
    nncrt_st_get_f32(&f, nncrt_st_find(&f, "odd \"name\""), back);
    assert_memory_equal(back, b, sizeof b);
    assert_string_equal(nncrt_st_meta(&f, "k\"ey"), "va\\l\nue \xc3\xa9");
    assert_string_equal(nncrt_st_meta(&f, "empty"), "");
    assert_null(nncrt_st_meta(&f, "nope"));
    nncrt_st_close(&f);
}

static void write_st_raw(const char *path, const char *header, size_t data_len, uint64_t claimed)
{
    size_t h = strlen(header);
    uint64_t len = claimed ? claimed : h;
    uint8_t *buf = calloc(1, 8 + h + data_len);
    for (int i = 0; i < 8; i++)
        buf[i] = (uint8_t)(len >> (8 * i));
    memcpy(buf + 8, header, h);
    write_bytes(path, buf, 8 + h + data_len);
    free(buf);
}

static void expect_st_error(const char *header, size_t data_len, uint64_t claimed, const char *msg)
{
    nncrt_st_file f;
    char *p = path_in("bad.safetensors");
    write_st_raw(p, header, data_len, claimed);
    if (nncrt_st_read(&f, p) != -1)
        fail_msg("accepted header %s", header);
    assert_error_mentions(p, msg);
}

static void test_safetensors_invalid(void **state)
{
    (void)state;
    const char *one = "{\"t\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";
    expect_st_error(one, 8, 1000, "header length");
    expect_st_error("{\"t\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,16]}}", 8, 0, "outside");
    expect_st_error(one, 12, 0, "header describes 8 data bytes, file has 12");
    expect_st_error("{\"t\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                    "\"u\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12, 0, "overlaps");
    expect_st_error("{\"t\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8, 0, "do not match");
    expect_st_error("{\"t\":{\"dtype\":\"Q7\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8, 0, "unknown dtype");
    expect_st_error("{\"t\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296,4294967296],"
                    "\"data_offsets\":[0,8]}}", 8, 0, "too large");
    expect_st_error("{\"t\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                    "\"t\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}}", 16, 0, "duplicate");
    expect_st_error("{\"t\":", 0, 0, "invalid safetensors header");
    expect_st_error("[1,2]   ", 0, 0, "start with '{'");
    expect_st_error("{\"__metadata__\":{\"a\":1}}", 0, 0, "must be strings");
    expect_st_error("{\"t\":{\"dtype\":\"F32\",\"shape\":[2.0],\"data_offsets\":[0,8]}}", 8, 0,
                    "non-negative integers");
    expect_st_error("{\"t\xff\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8, 0,
                    "unable to decode byte 0xff");
    char deep[3000];   /* jansson stops at a nesting depth of 2048 */
    memset(deep, '[', sizeof deep);
    memcpy(deep, "{\"t\":", 5);
    deep[sizeof deep - 1] = '\0';
    expect_st_error(deep, 0, 0, "depth");
    write_bytes(path_in("tiny.safetensors"), "abc", 3);
    nncrt_st_file f;
    assert_int_equal(nncrt_st_read(&f, path_in("tiny.safetensors")), -1);
    assert_error_mentions(path_in("tiny.safetensors"), "not a safetensors file");
}

/* ---- weights ------------------------------------------------------------ */

static float w_params[10], w_opt[2][10];
static int64_t w_step;
static const nncrt_tensor w_tensors[] = {
    { "l01_dense.kernel", 2, { 4, 2, 0, 0 }, 0, 8, NNCRT_TENSOR_TRAINABLE },
    { "l01_dense.bias", 1, { 2, 0, 0, 0 }, 8, 2, NNCRT_TENSOR_TRAINABLE },
};
static const char *const w_names[] = { "cat \"quoted\"", "dog\\" };

static nncrt_model weights_model(void)
{
    nncrt_model m = {
        .abi = NNCRT_ABI, .name = "tiny", .model_hash = "aaaa1111", .in_h = 2, .in_w = 2,
        .in_c = 1, .num_classes = 2, .batch_size = 4, .num_class_names = 2,
        .class_names = w_names, .tensors = w_tensors, .num_tensors = 2, .num_params = 10,
        .params = w_params, .opt_slots = 2, .opt_state = &w_opt[0][0], .opt_step = &w_step,
    };
    return m;
}

static void test_weights_roundtrip(void **state)
{
    (void)state;
    nncrt_model m = weights_model();
    for (int i = 0; i < 10; i++)
        w_params[i] = (float)i * 0.5f, w_opt[0][i] = (float)i, w_opt[1][i] = (float)-i;
    w_step = 1234;
    char *names[] = { "cat \"quoted\"", "dog\\" };
    nncrt_weights_meta meta = { .epoch = 3, .seed = 99, .train_samples = 50,
                                .class_names = names, .num_class_names = 2 };
    assert_int_equal(nncrt_weights_save(&m, path_in("w.safetensors"), &meta), 0);
    memset(w_params, 0, sizeof w_params);
    memset(w_opt, 0, sizeof w_opt);
    w_step = 0;
    nncrt_weights_meta got;
    assert_int_equal(nncrt_weights_load(&m, path_in("w.safetensors"), false, &got), 0);
    assert_true(w_params[9] == 4.5f && w_opt[1][9] == 0 && w_step == 0);   /* params only */
    assert_int_equal(got.epoch, 3);
    assert_string_equal(got.class_names[0], "cat \"quoted\"");
    assert_string_equal(got.class_names[1], "dog\\");
    nncrt_weights_meta_free(&got);
    assert_int_equal(nncrt_weights_load(&m, path_in("w.safetensors"), true, &got), 0);
    assert_true(got.has_opt && w_opt[0][7] == 7 && w_opt[1][7] == -7);
    assert_int_equal(w_step, 1234);
    assert_true(got.has_seed && got.seed == 99 && got.train_samples == 50);
    nncrt_weights_meta_free(&got);
}

static void test_weights_of_other_model_refused(void **state)
{
    (void)state;
    nncrt_model other = weights_model();
    other.name = "other";
    other.model_hash = "bbbb2222";
    float before = w_params[3] = 42;
    nncrt_weights_meta got;
    assert_int_equal(nncrt_weights_load(&other, path_in("w.safetensors"), false, &got), -1);
    assert_error_mentions(path_in("w.safetensors"), "weights were made for model tiny");
    assert_error_mentions("this trainer is other", NULL);
    assert_true(w_params[3] == before);   /* nothing was overwritten */

    nncrt_tensor bigger[2] = { w_tensors[0], w_tensors[1] };
    bigger[0].shape[0] = 3, bigger[0].count = 6;
    nncrt_model shaped = weights_model();
    shaped.tensors = bigger;   /* fewer values: refused by the file's size alone */
    assert_int_equal(nncrt_weights_load(&shaped, path_in("w.safetensors"), false, &got), -1);
    assert_error_mentions("the file has 656 bytes", "model tiny needs 568");
    bigger[0].shape[0] = 2, bigger[0].shape[1] = 4, bigger[0].count = 8;   /* as many values */
    assert_int_equal(nncrt_weights_load(&shaped, path_in("w.safetensors"), false, &got), -1);
    assert_error_mentions("'l01_dense.kernel' has shape [4,2]", "expects [2,4]");

    nncrt_tensor renamed[2] = { w_tensors[0], w_tensors[1] };
    renamed[1].name = "l02_dense.bias";
    nncrt_model missing = weights_model();
    missing.tensors = renamed;
    assert_int_equal(nncrt_weights_load(&missing, path_in("w.safetensors"), false, &got), -1);
    assert_error_mentions("missing tensor 'l02_dense.bias'", path_in("w.safetensors"));

    /* a valid safetensors file without nnc metadata (e.g. from PyTorch) */
    nncrt_st_out t[2] = {
        { "l01_dense.kernel", 2, { 4, 2 }, w_params, 8 },
        { "l01_dense.bias", 1, { 2 }, w_params + 8, 2 },
    };
    assert_int_equal(nncrt_st_write(path_in("plain.safetensors"), t, 2, NULL, 0), 0);
    nncrt_model m = weights_model();
    assert_int_equal(nncrt_weights_load(&m, path_in("plain.safetensors"), false, &got), -1);
    assert_error_mentions("not an nnc weights file", NULL);
}

/* ---- weights files that are refused -------------------------------------- */

static uint8_t *read_all(const char *path, size_t *n)
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

/* A copy of safetensors file src at dst with the first `from` in its JSON
   header replaced by `to`, the header length fixed. */
static void patch_header(const char *src, const char *dst, const char *from, const char *to)
{
    size_t n, hlen = 0;
    uint8_t *b = read_all(src, &n);
    for (int i = 7; i >= 0; i--)
        hlen = hlen << 8 | b[i];
    char *h = strndup((const char *)b + 8, hlen), *at = strstr(h, from);
    if (!at)
        fail_msg("'%s' not in the header of %s", from, src);
    nncrt_buf out = { 0 };
    size_t nh = hlen - strlen(from) + strlen(to);
    uint8_t len[8];
    for (int i = 0; i < 8; i++)
        len[i] = (uint8_t)((uint64_t)nh >> (8 * i));
    nncrt_buf_add(&out, len, 8);
    nncrt_buf_add(&out, h, (size_t)(at - h));
    nncrt_buf_add(&out, to, strlen(to));
    nncrt_buf_add(&out, at + strlen(from), hlen - (size_t)(at - h) - strlen(from));
    nncrt_buf_add(&out, b + 8 + hlen, n - 8 - hlen);
    write_bytes(dst, out.data, out.len);
    nncrt_buf_free(&out);
    free(h);
    free(b);
}

/* A copy of src at dst with float i of the data section set to v. */
static void patch_f32(const char *src, const char *dst, size_t i, float v)
{
    size_t n, hlen = 0;
    uint8_t *b = read_all(src, &n);
    for (int k = 7; k >= 0; k--)
        hlen = hlen << 8 | b[k];
    assert_true(8 + hlen + 4 * (i + 1) <= n);
    memcpy(b + 8 + hlen + 4 * i, &v, 4);
    write_bytes(dst, b, n);
    free(b);
}

/* wbase.safetensors: a good file of weights_model(), step 1234, epoch 3. */
static void write_base(const char *const *names)
{
    nncrt_model m = weights_model();
    for (int i = 0; i < 10; i++)
        w_params[i] = (float)i * 0.25f, w_opt[0][i] = (float)i, w_opt[1][i] = 1;
    w_step = 1234;
    nncrt_weights_meta meta = { .epoch = 3, .seed = 5, .class_names = (char **)names,
                                .num_class_names = 2 };
    assert_int_equal(nncrt_weights_save(&m, path_in("wbase.safetensors"), &meta), 0);
}

static void expect_refused(const char *file, bool with_opt, const char *a, const char *b)
{
    nncrt_model m = weights_model();
    nncrt_weights_meta got;
    memset(w_params, 0x55, sizeof w_params);
    float before = w_params[0];
    if (nncrt_weights_load(&m, path_in(file), with_opt, &got) != -1)
        fail_msg("%s was accepted (expected an error about '%s')", file, a);
    assert_error_mentions(path_in(file), NULL);
    assert_error_mentions(a, b);
    assert_true(w_params[0] == before);   /* nothing was overwritten */
}

static void expect_accepted(const char *file)
{
    nncrt_model m = weights_model();
    nncrt_weights_meta got;
    if (nncrt_weights_load(&m, path_in(file), true, &got) != 0)
        fail_msg("%s refused: %s", file, nncrt_last_error);
    nncrt_weights_meta_free(&got);
}

static const char *const good_names[] = { "cat", "dog" };

static void test_weights_refuse_non_finite(void **state)
{
    (void)state;
    write_base(good_names);
    patch_f32(path_in("wbase.safetensors"), path_in("nan.safetensors"), 3, NAN);
    expect_refused("nan.safetensors", false, "tensor 'l01_dense.kernel' holds NaN at index 3", NULL);
    patch_f32(path_in("wbase.safetensors"), path_in("inf.safetensors"), 9, INFINITY);
    expect_refused("inf.safetensors", true, "tensor 'l01_dense.bias' holds inf at index 1", NULL);
    /* optimizer state too, even where it is not loaded */
    patch_f32(path_in("wbase.safetensors"), path_in("ninf.safetensors"), 10 + 4, -INFINITY);
    expect_refused("ninf.safetensors", false, "tensor 'optimizer.slot0' holds -inf at index 4", NULL);
}

static void test_weights_refuse_step(void **state)
{
    (void)state;
    const char *from = "\"optimizer_step\":\"1234\"";
    write_base(good_names);
    patch_header(path_in("wbase.safetensors"), path_in("s1.safetensors"), from,
                 "\"optimizer_step\":\"9223372036854775807\"");
    expect_refused("s1.safetensors", true, "optimizer_step '9223372036854775807'", "from 0 to 9007199254740992");
    patch_header(path_in("wbase.safetensors"), path_in("s2.safetensors"), from, "\"optimizer_step\":\"-5\"");
    expect_refused("s2.safetensors", false, "optimizer_step '-5'", NULL);
    patch_header(path_in("wbase.safetensors"), path_in("s3.safetensors"), from,
                 "\"optimizer_step\":\"9007199254740993\"");
    expect_refused("s3.safetensors", true, "optimizer_step", NULL);
    patch_header(path_in("wbase.safetensors"), path_in("s4.safetensors"), from,
                 "\"optimizer_step\":\"9007199254740992\"");
    expect_accepted("s4.safetensors");
    assert_true(w_step == 9007199254740992LL);
}

static void test_weights_refuse_duplicate_keys(void **state)
{
    (void)state;
    write_base(good_names);
    patch_header(path_in("wbase.safetensors"), path_in("d1.safetensors"), "\"epoch\":\"3\"",
                 "\"epoch\":\"3\",\"epoch\":\"4\"");
    expect_refused("d1.safetensors", false, "duplicate", "epoch");
    patch_header(path_in("wbase.safetensors"), path_in("d2.safetensors"), "\"dtype\":\"F32\"",
                 "\"dtype\":\"F32\",\"dtype\":\"F32\"");
    expect_refused("d2.safetensors", false, "duplicate", "dtype");
    patch_header(path_in("wbase.safetensors"), path_in("d3.safetensors"), "\"nnc_model_hash\"",
                 "\"nnc_model_hash\":\"ffff\",\"nnc_model_hash\"");
    expect_refused("d3.safetensors", false, "duplicate", "nnc_model_hash");
}

static void test_weights_refuse_class_names(void **state)
{
    (void)state;
    static const char *const twice[] = { "cat", "cat" }, *const empty[] = { "cat", "" };
    write_base(twice);
    rename(path_in("wbase.safetensors"), path_in("twice.safetensors"));
    expect_refused("twice.safetensors", false, "class name 'cat' appears twice", NULL);
    write_base(empty);
    rename(path_in("wbase.safetensors"), path_in("empty.safetensors"));
    expect_refused("empty.safetensors", false, "class name 2 is empty", NULL);
}

/* The loader from memory (the fuzz target's way in) shares every check. */
static void test_weights_load_mem(void **state)
{
    (void)state;
    write_base(good_names);
    size_t n;
    uint8_t *b = read_all(path_in("wbase.safetensors"), &n);
    nncrt_model m = weights_model();
    nncrt_weights_meta got;
    memset(w_params, 0, sizeof w_params);
    assert_int_equal(nncrt_weights_load_mem(&m, "mem.safetensors", b, n, true, &got), 0);
    assert_true(w_params[9] == 2.25f && w_opt[0][9] == 9 && w_step == 1234);
    assert_string_equal(got.class_names[1], "dog");
    nncrt_weights_meta_free(&got);
    assert_int_equal(nncrt_weights_load_mem(&m, "mem.safetensors", b, n - 4, true, &got), -1);
    assert_error_mentions("mem.safetensors: the file has", NULL);
    free(b);
}

static void test_weights_refuse_size(void **state)
{
    (void)state;
    float junk[10] = { 0 };
    const char *kv[] = { "nnc_model_hash", "aaaa1111" };
    nncrt_st_out t[3] = {
        { "l01_dense.kernel", 2, { 4, 2 }, w_params, 8 },
        { "l01_dense.bias", 1, { 2 }, w_params + 8, 2 },
        { "junk", 1, { 3 }, junk, 3 },
    };
    for (int i = 0; i < 10; i++)
        w_params[i] = 1;
    assert_int_equal(nncrt_st_write(path_in("plain2.safetensors"), t, 2, kv, 1), 0);
    expect_accepted("plain2.safetensors");
    assert_int_equal(nncrt_st_write(path_in("extra.safetensors"), t, 3, kv, 1), 0);
    expect_refused("extra.safetensors", false, "the file has", "model tiny needs");
    t[2].shape[0] = 10, t[2].count = 10;   /* the size of an optimizer slot */
    assert_int_equal(nncrt_st_write(path_in("extra2.safetensors"), t, 3, kv, 1), 0);
    expect_refused("extra2.safetensors", false, "unexpected tensor 'junk'", NULL);
    write_st_raw(path_in("empty_header.safetensors"), "{}", 0, 0);
    expect_refused("empty_header.safetensors", false, "the file has 10 bytes", "model tiny needs");
    nncrt_st_file f;   /* the container itself: an empty file is valid safetensors */
    assert_int_equal(nncrt_st_read(&f, path_in("empty_header.safetensors")), 0);
    assert_int_equal(f.n, 0);
    nncrt_st_close(&f);
}

/* ---- atomic writer ------------------------------------------------------ */

static int count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    assert_non_null(d);
    for (struct dirent *e; (e = readdir(d));)
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

static void test_atomic_writer(void **state)
{
    (void)state;
    make_dirs("atomic");
    char *target = path_in("atomic/file.bin");
    assert_int_equal(nncrt_write_file_atomic(target, "first", 5), 0);
    assert_int_equal(nncrt_write_file_atomic(target, "second", 6), 0);
    FILE *f = fopen(target, "rb");
    char buf[16] = { 0 };
    assert_int_equal(fread(buf, 1, sizeof buf, f), 6);
    fclose(f);
    assert_string_equal(buf, "second");
    assert_int_equal(count_entries(path_in("atomic")), 1);   /* no temporary left */

    assert_int_equal(nncrt_write_file_atomic(path_in("no/such/dir/x"), "x", 1), -1);
    assert_error_mentions(path_in("no/such/dir/x"), "cannot create temporary file");

    make_dirs("atomic/busy/inside");   /* rename over a non-empty directory fails */
    assert_int_equal(nncrt_write_file_atomic(path_in("atomic/busy"), "x", 1), -1);
    assert_error_mentions(path_in("atomic/busy"), "at rename");
    assert_int_equal(count_entries(path_in("atomic")), 2);   /* temp unlinked */

    nncrt_afile a;
    assert_int_equal(nncrt_afile_open(&a, target), 0);
    fputs("half-written", a.f);
    nncrt_afile_abort(&a);
    assert_int_equal(count_entries(path_in("atomic")), 2);
    f = fopen(target, "rb");
    memset(buf, 0, sizeof buf);
    assert_int_equal(fread(buf, 1, sizeof buf, f), 6);   /* old content intact */
    fclose(f);
}

/* A dead process's temporary files go; locked ones (a save in progress in
   another PID namespace looks dead too), other names and the live stay. */
static void test_atomic_clean_stale(void **state)
{
    (void)state;
    make_dirs("stale");
    const char *keep[] = { "w.bin.tmp.99999999.x", "w.bin.tmp.099999999.0", "w.bin.tmp.-5.0",
                           "w.bin.tmp.99999999.0.old", "v.bin.tmp.99999999.0", "w.bin.tmp.1.0" };
    char name[64];
    for (size_t i = 0; i < sizeof keep / sizeof keep[0]; i++) {
        snprintf(name, sizeof name, "stale/%s", keep[i]);
        write_bytes(path_in(name), "", 0);
    }
    write_bytes(path_in("stale/w.bin.tmp.99999999.0"), "old", 3);
    write_bytes(path_in("stale/w.bin.tmp.99999998.12"), "old", 3);
    int fd = open(path_in("stale/w.bin.tmp.99999998.12"), O_RDONLY);
    assert_int_equal(flock(fd, LOCK_EX), 0);
    FILE *info = tmpfile();
    nncrt_afile_clean_stale(path_in("stale/w.bin"), info);
    assert_int_equal(access(path_in("stale/w.bin.tmp.99999999.0"), F_OK), -1);
    assert_int_equal(access(path_in("stale/w.bin.tmp.99999998.12"), F_OK), 0);   /* locked */
    for (size_t i = 0; i < sizeof keep / sizeof keep[0]; i++) {
        snprintf(name, sizeof name, "stale/%s", keep[i]);
        if (access(path_in(name), F_OK) != 0)
            fail_msg("%s was removed", keep[i]);
    }
    close(fd);
    nncrt_afile_clean_stale(path_in("stale/w.bin"), info);
    assert_int_equal(access(path_in("stale/w.bin.tmp.99999998.12"), F_OK), -1);
    char out[512] = { 0 };
    rewind(info);
    assert_true(fread(out, 1, sizeof out - 1, info) > 0);
    fclose(info);
    assert_non_null(strstr(out, "stale/w.bin.tmp.99999999.0, left by an interrupted save (process 99999999)"));
}

/* ---- metrics ------------------------------------------------------------ */

static void test_metrics(void **state)
{
    (void)state;
    /* 3 classes; class 2 never occurs and is never predicted */
    const float probs[6 * 3] = {
        .9f, .1f, 0, /* t0 p0 */ .8f, .2f, 0, /* t0 p0 */ .3f, .7f, 0, /* t0 p1 */
        .1f, .9f, 0, /* t1 p1 */ .6f, .4f, 0, /* t1 p0 */ .5f, .5f, 0, /* t1 p0 (tie: first) */
    };
    const int labels[6] = { 0, 0, 0, 1, 1, 1 };
    nncrt_metrics m;
    nncrt_metrics_init(&m, 3);
    nncrt_metrics_add(&m, probs, labels, 4, 1.0);
    nncrt_metrics_add(&m, probs + 12, labels + 4, 2, 4.0);
    assert_true(fabs(nncrt_metrics_loss(&m) - 2.0) < 1e-12);   /* (4*1 + 2*4) / 6 */
    assert_true(fabs(nncrt_metrics_accuracy(&m) - 0.5) < 1e-12);
    assert_int_equal(m.confusion[0 * 3 + 0], 2);
    assert_int_equal(m.confusion[1 * 3 + 0], 2);
    nncrt_class_stats c0 = nncrt_metrics_class(&m, 0), c1 = nncrt_metrics_class(&m, 1);
    assert_true(fabs(c0.precision - 0.5) < 1e-12 && fabs(c0.recall - 2.0 / 3) < 1e-12);
    assert_true(fabs(c0.f1 - 4.0 / 7) < 1e-12);
    assert_true(fabs(c1.precision - 0.5) < 1e-12 && fabs(c1.recall - 1.0 / 3) < 1e-12);
    assert_int_equal(c1.support, 3);
    nncrt_class_stats macro = nncrt_metrics_macro(&m);
    assert_true(fabs(macro.recall - 0.5) < 1e-12);   /* class 2 left out of the mean */
    assert_true(fabs(macro.f1 - (4.0 / 7 + 0.4) / 2) < 1e-12);
    nncrt_metrics_reset(&m);
    assert_int_equal(m.n, 0);
    nncrt_metrics_free(&m);
}

/* ---- JSON, options, history --------------------------------------------- */

/* What nncrt_json_str writes, read back by jansson (the parser libnncrt
   reads headers with): escapes and U+FFFD for invalid UTF-8. */
static void test_json_escape(void **state)
{
    (void)state;
    nncrt_buf b = { 0 };
    nncrt_json_str(&b, "a\"b\\c\n\x01\x1b[31m\x7f \xc3\xa9 \xff");
    assert_string_equal(b.data, "\"a\\\"b\\\\c\\n\\u0001\\u001b[31m\\u007f \xc3\xa9 \\ufffd\"");
    json_error_t je;
    json_t *v = json_loadb(b.data, b.len, JSON_DECODE_ANY, &je);
    if (!v)
        fail_msg("not JSON: %s", je.text);
    assert_string_equal(json_string_value(v), "a\"b\\c\n\x01\x1b[31m\x7f \xc3\xa9 \xef\xbf\xbd");
    json_decref(v);
    nncrt_buf_free(&b);
    nncrt_json_num(&b, NAN);
    nncrt_json_num(&b, 0.25);
    assert_string_equal(b.data, "null0.25");
    nncrt_buf_free(&b);
}

static void test_option_numbers(void **state)
{
    (void)state;
    long long v = 0;
    uint64_t u = 0;
    double d = 0;
    assert_int_equal(nncrt_parse_int("epochs", "12", 1, 100, &v), 0);
    assert_int_equal(v, 12);
    const char *bad[] = { "abc", "-1", "0", "101", "99999999999999999999999", "5x", "" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(nncrt_parse_int("epochs", bad[i], 1, 100, &v), -1);
    assert_error_mentions("--epochs", "''");
    assert_int_equal(nncrt_parse_u64("seed", "18446744073709551615", &u), 0);
    assert_true(u == UINT64_MAX);
    assert_int_equal(nncrt_parse_u64("seed", "-1", &u), -1);
    assert_int_equal(nncrt_parse_u64("seed", "18446744073709551616", &u), -1);
    assert_int_equal(nncrt_parse_positive("lr", "1e-3", 10, &d), 0);
    assert_true(d == 1e-3);
    assert_int_equal(nncrt_parse_positive("lr", "nan", 10, &d), -1);
    assert_int_equal(nncrt_parse_positive("lr", "0", 10, &d), -1);
    assert_int_equal(nncrt_parse_positive("lr", "1e999", 10, &d), -1);
}

static char *slurp(const char *path)
{
    size_t n;
    uint8_t *b = read_all(path, &n);
    b[n] = 0;
    return (char *)b;
}

static void test_history(void **state)
{
    (void)state;
    char *p = nncrt_history_path("out/model.safetensors");
    assert_string_equal(p, "out/model.history.csv");
    free(p);
    nncrt_history h;
    nncrt_history_open(&h, path_in("hist.safetensors"), NULL, 0);
    double val[2] = { 0.5, 0.75 };
    nncrt_history_add(&h, 1, 1.5, 0.25, val);
    nncrt_history_add(&h, 2, 1.0, 0.5, NULL);
    assert_int_equal(nncrt_history_write(&h), 0);
    nncrt_history_free(&h);
    /* a checkpoint without a record (saved before it existed): the CSV's rows */
    nncrt_history_open(&h, path_in("hist.safetensors"), NULL, 1);
    nncrt_history_add(&h, 2, 0.9, -NAN, NULL);
    assert_int_equal(nncrt_history_write(&h), 0);
    nncrt_history_free(&h);
    char *csv = slurp(path_in("hist.history.csv"));
    assert_string_equal(csv, "epoch,loss,accuracy,val_loss,val_accuracy\n"
                             "1,1.5,0.25,0.5,0.75\n2,0.9,nan,,\n");
    /* the checkpoint's record wins over the CSV */
    char *rec, err[160];
    assert_int_equal(nncrt_history_parse("epoch,loss,accuracy,val_loss,val_accuracy\n"
                                         "1,0.50,2.5e-1,,\n2,nan,-inf,0x1p-1,1\n", 2, &rec,
                                         err, sizeof err), 0);
    assert_string_equal(rec, "epoch,loss,accuracy,val_loss,val_accuracy\n"
                             "1,0.5,0.25,,\n2,nan,-inf,0.5,1\n");
    nncrt_history_open(&h, path_in("hist.safetensors"), rec, 2);
    assert_int_equal(nncrt_history_write(&h), 0);
    nncrt_history_free(&h);
    free(csv);
    csv = slurp(path_in("hist.history.csv"));
    assert_string_equal(csv, rec);
    free(csv);
    free(rec);
}

static void test_history_parse_refuses(void **state)
{
    (void)state;
    const char *hd = "epoch,loss,accuracy,val_loss,val_accuracy\n";
    const struct { const char *rows; int epochs; const char *why; } bad[] = {
        { "1,0.5,0.5,,\n", 2, "has 1 rows for 2 epochs" },
        { "1,0.5,0.5,,\n2,0.5,0.5,,\n", 1, "more rows" },
        { "2,0.5,0.5,,\n", 1, "row 1 is not a row of epoch 1" },
        { "1,0.5,0.5,,", 1, "row 1" },                  /* no newline */
        { "1,0.5,0.5,0.1,\n", 1, "row 1" },             /* one validation field */
        { "1,0.5,0.5,,,\n", 1, "row 1" },               /* six fields */
        { "1,0.5,x,,\n", 1, "row 1" },
        { "1, 0.5,0.5,,\n", 1, "row 1" },
        { "01,0.5,0.5,,\n", 1, "row 1" },
        { "1,0.5,0.5,,\n\x1b[2J\n", 1, "more rows" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char text[256], *rec, err[160];
        snprintf(text, sizeof text, "%s%s", hd, bad[i].rows);
        if (nncrt_history_parse(text, bad[i].epochs, &rec, err, sizeof err) != -1)
            fail_msg("accepted history '%s'", bad[i].rows);
        if (!strstr(err, bad[i].why))
            fail_msg("history '%s': '%s' should say '%s'", bad[i].rows, err, bad[i].why);
        assert_null(rec);
    }
    char *rec, err[160];
    assert_int_equal(nncrt_history_parse("epoch,loss\n", 0, &rec, err, sizeof err), -1);
    assert_non_null(strstr(err, "header"));
}

/* The record travels in the weights file and is checked against its epoch. */
static void test_weights_history(void **state)
{
    (void)state;
    nncrt_model m = weights_model();
    char *names[] = { "cat", "dog" };
    char rows[] = "epoch,loss,accuracy,val_loss,val_accuracy\n1,0.5,0.25,,\n2,0.25,0.5,0.5,0.5\n";
    nncrt_weights_meta meta = { .epoch = 2, .class_names = names, .num_class_names = 2,
                                .history = rows };
    assert_int_equal(nncrt_weights_save(&m, path_in("wh.safetensors"), &meta), 0);
    nncrt_weights_meta got;
    assert_int_equal(nncrt_weights_load(&m, path_in("wh.safetensors"), true, &got), 0);
    assert_string_equal(got.history, rows);
    nncrt_weights_meta_free(&got);
    meta.epoch = 3;
    assert_int_equal(nncrt_weights_save(&m, path_in("wh3.safetensors"), &meta), 0);
    expect_refused("wh3.safetensors", false, "metadata history has 2 rows for 3 epochs", NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rng_deterministic),
        cmocka_unit_test(test_shuffle_is_permutation),
        cmocka_unit_test(test_split_disjoint_stable),
        cmocka_unit_test(test_idx_labels_path),
        cmocka_unit_test(test_idx_load_plain_and_gz),
        cmocka_unit_test(test_idx_errors),
        cmocka_unit_test(test_png_color_types),
        cmocka_unit_test(test_png_palette_16bit_1bit_interlaced),
        cmocka_unit_test(test_png_channel_conversion),
        cmocka_unit_test(test_png_errors),
        cmocka_unit_test(test_resize_matches_tf),
        cmocka_unit_test(test_png_load_resizes),
        cmocka_unit_test(test_folder_dataset),
        cmocka_unit_test(test_folder_class_names),
        cmocka_unit_test(test_dataset_batch),
        cmocka_unit_test(test_safetensors_roundtrip),
        cmocka_unit_test(test_safetensors_invalid),
        cmocka_unit_test(test_weights_roundtrip),
        cmocka_unit_test(test_weights_of_other_model_refused),
        cmocka_unit_test(test_weights_refuse_non_finite),
        cmocka_unit_test(test_weights_refuse_step),
        cmocka_unit_test(test_weights_refuse_duplicate_keys),
        cmocka_unit_test(test_weights_refuse_class_names),
        cmocka_unit_test(test_weights_refuse_size),
        cmocka_unit_test(test_weights_load_mem),
        cmocka_unit_test(test_atomic_writer),
        cmocka_unit_test(test_atomic_clean_stale),
        cmocka_unit_test(test_metrics),
        cmocka_unit_test(test_json_escape),
        cmocka_unit_test(test_option_numbers),
        cmocka_unit_test(test_history),
        cmocka_unit_test(test_history_parse_refuses),
        cmocka_unit_test(test_weights_history),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
