/* test_data_folder.c — folder datasets the way image_dataset_from_directory
 * reads them: class inference and class_names order, Keras's
 * sorted(os.walk()) file order, hidden and non-image files, follow_links and
 * symlink loops, the validation split, a folder of broken files (each named,
 * memory bounded, --strict), the decoded cache (reuse, stale, corrupt, a
 * foreign file left alone) and train/validation duplicates. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "dataset.h"
#include "image.h"
#include "test_data_util.h"
#include "util.h"

static nncrt_data_opts opts(int num_classes)
{
    nncrt_data_opts o = { .h = 4, .w = 4, .c = 1, .num_classes = num_classes };
    return o;
}

/* A 4x4 gray PNG filled with v, so a sample is recognised by its first pixel. */
static void png_of(const char *rel, uint8_t v)
{
    uint8_t px[16];
    memset(px, v, sizeof px);
    td_write_png8(rel, 4, 4, 1, px);
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && !strcmp(s + n - m, suffix);
}

/* ---- walk order and classes ---------------------------------------------- */

static void make_tree(void)
{
    td_mkdirs("tree/cat/m/sub");
    td_mkdirs("tree/cat/m-2");
    td_mkdirs("tree/cat/.hidden");
    td_mkdirs("tree/dog");
    td_mkdirs("tree/.git");
    png_of("tree/cat/b.png", 2);
    png_of("tree/cat/a.PNG", 1);
    png_of("tree/cat/m/x.png", 3);
    png_of("tree/cat/m-2/y.png", 4);
    png_of("tree/cat/m/sub/s.png", 5);
    png_of("tree/cat/.hidden/h.png", 99);
    png_of("tree/cat/.h.png", 98);
    png_of("tree/dog/1.png", 10);
    png_of("tree/.git/g.png", 97);
    td_write("tree/cat/notes.txt", "notes", 5);
    td_write("tree/cat/z.gif", "GIF89a", 6);
    td_write("tree/README", "x", 1);
}

/* Keras: folders in sorted(path) order ("m" < "m-2" < "m/sub", as '-' < '/'),
   each folder's files by name; classes concatenated in label order. */
static void test_walk_order(void **state)
{
    (void)state;
    make_tree();
    nncrt_data_opts o = opts(2);
    nncrt_dataset ds;
    assert_int_equal(nncrt_dataset_load(&ds, td_path("tree"), &o), 0);
    static const char *const order[] = { "cat/a.PNG", "cat/b.png", "cat/m/x.png", "cat/m-2/y.png",
                                         "cat/m/sub/s.png", "dog/1.png" };
    static const uint8_t first[] = { 1, 2, 3, 4, 5, 10 };
    assert_int_equal(ds.n, 6);   /* hidden, .txt and .gif left out */
    assert_int_equal(ds.nbad, 0);
    for (size_t i = 0; i < 6; i++) {
        if (!ends_with(ds.paths[i], order[i]))
            fail_msg("sample %zu is %s, want .../%s", i, ds.paths[i], order[i]);
        assert_int_equal(ds.pixels[i * 16], first[i]);
        assert_int_equal(ds.labels[i], i < 5 ? 0 : 1);
    }
    assert_string_equal(ds.class_names[0], "cat");
    assert_string_equal(ds.class_names[1], "dog");
    nncrt_dataset_free(&ds);
}

/* class_names fixes the label order; a listed class may lack a folder, but
   every folder must be listed (a typo must not drop a class silently). */
static void test_class_names_order(void **state)
{
    (void)state;
    const char *names[] = { "dog", "bird", "cat" };
    nncrt_data_opts o = opts(3);
    o.class_names = names, o.num_class_names = 3;
    nncrt_dataset ds;
    assert_int_equal(nncrt_dataset_load(&ds, td_path("tree"), &o), 0);
    assert_int_equal(ds.n, 6);
    assert_int_equal(ds.labels[0], 0);          /* dog's file first: label order */
    assert_int_equal(ds.pixels[0], 10);
    assert_int_equal(ds.labels[1], 2);          /* then cat */
    assert_string_equal(ds.class_names[1], "bird");
    nncrt_dataset_free(&ds);
    o.num_class_names = 1, o.num_classes = 1;   /* only "dog": folder cat is unknown */
    assert_int_equal(nncrt_dataset_load(&ds, td_path("tree"), &o), -1);
    assert_non_null(strstr(nncrt_last_error, "'cat'"));
    nncrt_data_opts three = opts(3);            /* inferred classes must match the model */
    assert_int_equal(nncrt_dataset_load(&ds, td_path("tree"), &three), -1);
    assert_non_null(strstr(nncrt_last_error, "found 2 classes"));
}

/* ---- symbolic links ---------------------------------------------------------- */

static void test_follow_links(void **state)
{
    (void)state;
    td_mkdirs("links/cls/real");
    td_mkdirs("outside");
    png_of("links/cls/real/r.png", 1);
    png_of("outside/o.png", 2);
    assert_int_equal(symlink(td_path("outside"), td_path("links/cls/linked")), 0);
    assert_int_equal(symlink("..", td_path("links/cls/real/loop")), 0);   /* back to cls */
    assert_int_equal(symlink(td_path("outside/o.png"), td_path("links/cls/f.png")), 0);
    nncrt_data_opts o = opts(1);
    nncrt_dataset ds;
    assert_int_equal(nncrt_dataset_load(&ds, td_path("links"), &o), 0);
    assert_int_equal(ds.n, 2);   /* f.png (a linked file is a file) and real/r.png */
    assert_true(ends_with(ds.paths[0], "cls/f.png") && ends_with(ds.paths[1], "real/r.png"));
    nncrt_dataset_free(&ds);
    o.follow_links = true;       /* the linked folder too; the loop is walked once */
    assert_int_equal(nncrt_dataset_load(&ds, td_path("links"), &o), 0);
    assert_int_equal(ds.n, 3);
    assert_true(ends_with(ds.paths[1], "linked/o.png") && ends_with(ds.paths[2], "real/r.png"));
    nncrt_dataset_free(&ds);
}

static void expect_text(const char *text, const char *want)
{
    if (!strstr(text, want))
        fail_msg("'%s' not in:\n%s", want, text);
}

/* Loads PATH with follow_links; returns what it printed to stderr. */
static char *load_following(nncrt_dataset *ds, const char *rel, int num_classes, int rc)
{
    nncrt_data_opts o = opts(num_classes);
    o.follow_links = true;
    td_capture_begin();
    int got = nncrt_dataset_load(ds, td_path(rel), &o);
    char *text = td_capture_end();
    if (got != rc)
        fail_msg("loading %s returned %d, want %d:\n%s", rel, got, rc, text);
    return text;
}

/* Links from each folder d<i> to d<i+1>, two of them: os.walk(followlinks)
   walks 2^depth paths. Each real folder is walked once; the second link and
   a link to the root are reported and not followed (the root would label
   dog's image as cat). */
static void make_dag(const char *top, const char *reals, int depth)
{
    char rel[256], to[256];
    for (int i = 0; i <= depth; i++) {
        snprintf(rel, sizeof rel, "%s/d%d", reals, i);
        td_mkdirs(rel);
        snprintf(rel, sizeof rel, "%s/d%d/x.png", reals, i);
        png_of(rel, (uint8_t)i);
        for (int k = 0; k < 2 && i < depth; k++) {
            snprintf(rel, sizeof rel, "%s/d%d/%c", reals, i, "ab"[k]);
            snprintf(to, sizeof to, "../d%d", i + 1);
            assert_int_equal(symlink(to, td_path(rel)), 0);
        }
    }
    if (strcmp(top, reals) != 0) {   /* the chain starts at a link */
        snprintf(rel, sizeof rel, "%s/start", top);
        snprintf(to, sizeof to, "%s/d0", reals);
        assert_int_equal(symlink(td_path(to), td_path(rel)), 0);
    }
}

static void test_follow_links_dag(void **state)
{
    (void)state;
    td_mkdirs("dag/dog");
    png_of("dag/dog/1.png", 100);
    make_dag("dag/cat", "dag/cat", 8);
    assert_int_equal(symlink("../..", td_path("dag/cat/d0/up")), 0);
    nncrt_dataset ds;
    char *err = load_following(&ds, "dag", 2, 0);
    if (ds.n != 10)
        fail_msg("%zu samples, want 9 of cat and 1 of dog", ds.n);
    for (size_t i = 0; i < ds.n; i++)
        assert_int_equal(ds.labels[i], ds.pixels[i * 16] == 100);
    expect_text(err, "dag/cat/d0/b: symbolic link to a folder already walked (");
    expect_text(err, "dag/cat/d0/up: symbolic link to a folder above the class folder (");
    nncrt_dataset_free(&ds);
    free(err);
    /* 40 links deep (the kernel resolves at most 40 in a path), the real
       folders outside the class folder: 2^39 walks before */
    td_mkdirs("dag40/cls");
    make_dag("dag40/cls", "dag40_reals", 39);
    double t0 = td_cpu_seconds();
    free(load_following(&ds, "dag40", 1, 0));
    assert_int_equal(ds.n, 40);
    assert_true(ends_with(ds.paths[0], "dag40/cls/start/x.png"));
    assert_true(td_cpu_seconds() - t0 < 5);
    nncrt_dataset_free(&ds);
}

/* A link must not bring another class's images into this class. */
static void test_links_into_other_classes(void **state)
{
    (void)state;
    td_mkdirs("cross/cat");
    td_mkdirs("cross/dog/sub");
    png_of("cross/cat/c.png", 1);
    png_of("cross/dog/sub/d.png", 2);
    assert_int_equal(symlink("../dog", td_path("cross/cat/to_dog")), 0);
    assert_int_equal(symlink("../dog/sub", td_path("cross/cat/to_sub")), 0);
    assert_int_equal(symlink(td_path("cross/cat"), td_path("cross/cat/self")), 0);
    assert_int_equal(symlink(".", td_path("cross/all")), 0);   /* a class folder: the root */
    nncrt_dataset ds;
    char *err = load_following(&ds, "cross", 3, 0);
    assert_int_equal(ds.n, 2);
    assert_true(ds.labels[0] == 1 && ds.pixels[0] == 1 && ds.labels[1] == 2);
    expect_text(err, "cross/all: a link to a folder that holds the class folders, skipped");
    expect_text(err, "cat/to_dog: symbolic link to the folder of class 'dog', not followed");
    expect_text(err, "cat/to_sub: symbolic link into the folder of class 'dog' (");
    expect_text(err, "cat/self: symbolic link to a folder already walked (");
    nncrt_dataset_free(&ds);
    free(err);
}

/* ---- validation split ---------------------------------------------------------- */

static void test_split(void **state)
{
    (void)state;
    size_t *t1, *v1, *t2, *v2, nt, nv, nt2, nv2;
    nncrt_split(100, 0.2, true, 42, &t1, &nt, &v1, &nv);
    assert_int_equal(nv, 20);                   /* int(0.2 * 100), as Keras */
    assert_int_equal(nt, 80);
    int seen[100] = { 0 };
    for (size_t i = 0; i < nt; i++)
        seen[t1[i]]++;
    for (size_t i = 0; i < nv; i++)
        seen[v1[i]] += 2;
    for (int i = 0; i < 100; i++)
        assert_true(seen[i] == 1 || seen[i] == 2);   /* disjoint, and together all */
    nncrt_split(100, 0.2, true, 42, &t2, &nt2, &v2, &nv2);
    assert_memory_equal(v1, v2, nv * sizeof *v1);   /* stable across runs */
    free(t2), free(v2);
    nncrt_split(100, 0.2, true, 43, &t2, &nt2, &v2, &nv2);
    assert_true(memcmp(v1, v2, nv * sizeof *v1) != 0);   /* the seed decides */
    free(t2), free(v2), free(t1), free(v1);
    nncrt_split(10, 0.25, false, 42, &t1, &nt, &v1, &nv);   /* shuffle off: the tail */
    assert_int_equal(nv, 2);
    assert_true(v1[0] == 8 && v1[1] == 9);
    free(t1), free(v1);
}

/* The same folder, seed and split give the same files on both sides. */
static void test_split_of_folder_is_stable(void **state)
{
    (void)state;
    td_mkdirs("many/a");
    td_mkdirs("many/b");
    for (int i = 0; i < 30; i++) {
        char name[64];
        snprintf(name, sizeof name, "many/%c/%02d.png", i % 2 ? 'a' : 'b', i);
        png_of(name, (uint8_t)i);
    }
    char *first[6];
    for (int run = 0; run < 2; run++) {
        nncrt_data_opts o = opts(2);
        nncrt_dataset ds;
        size_t *t, *v, nt, nv;
        assert_int_equal(nncrt_dataset_load(&ds, td_path("many"), &o), 0);
        nncrt_split(ds.n, 0.2, true, 1337, &t, &nt, &v, &nv);
        assert_int_equal(nv, 6);
        for (size_t i = 0; i < nv; i++) {
            if (run == 0)
                first[i] = nncrt_xstrdup(ds.paths[v[i]]);
            else
                assert_string_equal(first[i], ds.paths[v[i]]), free(first[i]);
        }
        free(t), free(v);
        nncrt_dataset_free(&ds);
    }
}

/* ---- broken files ------------------------------------------------------------------ */

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
}

/* A PNG whose IHDR (with a correct CRC) declares w x h; the data is 1 byte. */
static void png_header_only(const char *rel, uint32_t w, uint32_t h)
{
    uint8_t b[8 + 25 + 13 + 12] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
    uint8_t *c = b + 8;
    put_be32(c, 13);
    memcpy(c + 4, "IHDR", 4);
    put_be32(c + 8, w);
    put_be32(c + 12, h);
    c[16] = 8, c[17] = 0;   /* 8-bit gray */
    put_be32(c + 21, (uint32_t)crc32(0, c + 4, 17));
    uint8_t *d = c + 25;    /* IDAT of 1 byte, then IEND */
    put_be32(d, 1);
    memcpy(d + 4, "IDAT", 4);
    put_be32(d + 9, (uint32_t)crc32(0, d + 4, 5));
    memcpy(d + 13, "\0\0\0\0IEND\xae\x42\x60\x82", 12);
    td_write(rel, b, sizeof b);
}

static uint8_t *fixture_jpeg(size_t *n)
{
    const char *dir = getenv("NNC_FIXTURES");
    char path[512];
    snprintf(path, sizeof path, "%s/data/rgb444.jpg", dir ? dir : "tests/fixtures");
    return td_read(path, n);
}

static void make_bad_folder(void)
{
    td_mkdirs("bad/cls");
    png_of("bad/cls/good1.png", 1);
    png_of("bad/cls/good2.png", 2);
    size_t n;
    uint8_t *png = td_read(td_path("bad/cls/good1.png"), &n);
    td_write("bad/cls/truncated.png", png, n / 2);
    td_write("bad/cls/empty.png", "", 0);
    td_write("bad/cls/text.png", "this is not an image\n", 21);
    uint8_t *idat = memmem(png, n, "IDAT", 4);
    uint32_t len = (uint32_t)idat[-4] << 24 | (uint32_t)idat[-3] << 16 | idat[-2] << 8 | idat[-1];
    idat[4 + len] ^= 0x55;   /* the stored CRC: the data itself is intact */
    td_write("bad/cls/crc.png", png, n);
    free(png);
    png_header_only("bad/cls/huge.png", 100000, 100000);
    png_header_only("bad/cls/too_many_pixels.png", 16000, 16000);   /* 256 Mpixel */
    uint8_t *jpg = fixture_jpeg(&n);
    td_write("bad/cls/truncated.jpg", jpg, n / 2);
    uint8_t *sof = memmem(jpg, n, "\xff\xc0", 2);
    put_be32(sof + 5, 60000u << 16 | 60000u);   /* height, width */
    td_write("bad/cls/huge.jpg", jpg, n);
    free(jpg);
}

static const char *bad_reason(const nncrt_dataset *ds, const char *file)
{
    for (size_t i = 0; i < ds->nbad; i++)
        if (strstr(ds->bad[i], file))
            return ds->bad[i];
    fail_msg("%s is not named among the %zu bad files", file, ds->nbad);
    return NULL;
}

static void expect_reason(const nncrt_dataset *ds, const char *file, const char *why)
{
    const char *line = bad_reason(ds, file);
    if (!strstr(line, why))
        fail_msg("'%s' should say '%s'", line, why);
}

/* The run goes on, every bad file is named with its reason, and the absurd
   sizes are refused from the header: peak memory stays far below 10000^2. */
static void test_bad_files(void **state)
{
    (void)state;
    make_bad_folder();
    nncrt_data_opts o = opts(1);
    nncrt_dataset ds;
    assert_int_equal(nncrt_dataset_load(&ds, td_path("bad"), &o), 0);
    assert_int_equal(ds.n, 2);
    assert_int_equal(ds.nbad, 8);
    expect_reason(&ds, "/truncated.png", "truncated");
    expect_reason(&ds, "/empty.png", "empty file");
    expect_reason(&ds, "/text.png", "not a PNG file");
    expect_reason(&ds, "/crc.png", "CRC");
    expect_reason(&ds, "/huge.png", "100000x100000");
    expect_reason(&ds, "/too_many_pixels.png", "16000x16000");
    expect_reason(&ds, "/truncated.jpg", "invalid JPEG");
    expect_reason(&ds, "/huge.jpg", "60000x60000");
    nncrt_dataset_free(&ds);
    double rss = td_max_rss_mib();
    printf("  peak RSS after the broken folder: %.1f MiB\n", rss);
    assert_true(rss < 200);
    o.strict = true;
    assert_int_equal(nncrt_dataset_load(&ds, td_path("bad"), &o), -1);
    assert_non_null(strstr(nncrt_last_error, "8 of 10 files could not be decoded (--strict)"));
}

/* ---- entries that cannot be read ---------------------------------------------- */

static void write_at(int dir, const char *name, const uint8_t *data, size_t n)
{
    int fd = openat(dir, name, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, n), (ssize_t)n);
    close(fd);
}

/* rm -r through descriptors: nftw cannot reach paths over PATH_MAX. */
static void remove_at(int dir, const char *name)
{
    int fd = openat(dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
    if (fd < 0) {
        assert_int_equal(unlinkat(dir, name, 0), 0);
        return;
    }
    DIR *d = fdopendir(fd);
    for (struct dirent *e; (e = readdir(d));)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            remove_at(fd, e->d_name);
    closedir(d);
    assert_int_equal(unlinkat(dir, name, AT_REMOVEDIR), 0);
}

/* 20 nested folders of 240 bytes, each with x.png and a file of 240 bytes:
   some of those files and then the folders pass PATH_MAX. Such a file is
   listed as unreadable and such a folder reported, not dropped silently. */
static void test_deeper_than_path_max(void **state)
{
    (void)state;
    size_t n, fits = 1, too_long = 0, at = strlen(td_path("deep/cls"));
    png_of("png.tmp", 5);
    uint8_t *png = td_read(td_path("png.tmp"), &n);
    td_mkdirs("deep/cls");
    char name[241], file[241];
    memset(name, 'd', 240), name[240] = 0;
    memset(file, 'f', 240), memcpy(file + 236, ".png", 5);
    int fd = open(td_path("deep/cls"), O_RDONLY | O_DIRECTORY);
    write_at(fd, "top.png", png, n);
    for (int level = 0; level < 20; level++) {
        assert_int_equal(mkdirat(fd, name, 0777), 0);
        int sub = openat(fd, name, O_RDONLY | O_DIRECTORY);
        close(fd);
        fd = sub;
        write_at(fd, "x.png", png, n);
        write_at(fd, file, png, n);
        if ((at += 241) < PATH_MAX)   /* the folder is walked */
            fits += 1 + (at + 241 < PATH_MAX), too_long += at + 241 >= PATH_MAX;
    }
    close(fd);
    free(png);
    nncrt_data_opts o = opts(1);
    nncrt_dataset ds;
    td_capture_begin();
    int rc = nncrt_dataset_load(&ds, td_path("deep"), &o);
    char *err = td_capture_end();
    assert_int_equal(rc, 0);
    assert_true(too_long >= 1);
    assert_int_equal(ds.n, fits);
    assert_int_equal(ds.nbad, too_long);
    expect_text(ds.bad[0], "ffff.png: its path is longer than PATH_MAX (4096 bytes)");
    expect_text(err, "a folder whose path is longer than PATH_MAX (4096 bytes), not walked");
    expect_text(err, "ffff.png: its path is longer than PATH_MAX (4096 bytes), skipped");
    nncrt_dataset_free(&ds);
    free(err);
    o.strict = true;
    assert_int_equal(nncrt_dataset_load(&ds, td_path("deep"), &o), -1);
    expect_text(nncrt_last_error, "longer than PATH_MAX");
    fd = open(td_path("deep"), O_RDONLY | O_DIRECTORY);
    remove_at(fd, "cls");
    close(fd);
}

/* An image name on a FIFO or a dangling link: named, never opened. */
static void test_not_regular_files(void **state)
{
    (void)state;
    td_mkdirs("odd/cls");
    png_of("odd/cls/good.png", 1);
    assert_int_equal(mkfifo(td_path("odd/cls/fifo.png"), 0644), 0);
    assert_int_equal(symlink("nowhere.png", td_path("odd/cls/dangling.png")), 0);
    nncrt_data_opts o = opts(1);
    nncrt_dataset ds;
    assert_int_equal(nncrt_dataset_load(&ds, td_path("odd"), &o), 0);
    assert_int_equal(ds.n, 1);
    assert_int_equal(ds.nbad, 2);
    expect_reason(&ds, "/fifo.png", "a FIFO");
    expect_reason(&ds, "/dangling.png", "No such file or directory");
    nncrt_dataset_free(&ds);
}

/* ---- the decoded cache --------------------------------------------------------------- */

/* Loads "many" with --cache; returns what the loader printed. */
static char *load_cached(nncrt_dataset *ds, const char *cache)
{
    char *text = NULL;
    size_t len = 0;
    nncrt_data_opts o = opts(2);
    o.cache = cache;
    o.info = open_memstream(&text, &len);
    assert_int_equal(nncrt_dataset_load(ds, td_path("many"), &o), 0);
    fclose(o.info);
    return text;
}

static void assert_same_dataset(const nncrt_dataset *a, const nncrt_dataset *b)
{
    assert_int_equal(a->n, b->n);
    assert_memory_equal(a->pixels, b->pixels, a->n * 16);
    assert_memory_equal(a->labels, b->labels, a->n * sizeof *a->labels);
    for (size_t i = 0; i < a->n; i++)
        assert_string_equal(a->paths[i], b->paths[i]);
}

static void test_cache(void **state)
{
    (void)state;
    const char *cache = td_path("many.cache");
    nncrt_dataset a, b;
    char *t1 = load_cached(&a, cache), *t2 = load_cached(&b, cache);
    assert_non_null(strstr(t1, "Decoded images cached in"));
    assert_non_null(strstr(t2, "Loaded 30 decoded images from the cache"));
    assert_same_dataset(&a, &b);
    free(t1), free(t2);
    nncrt_dataset_free(&b);
    png_of("many/a/01.png", 201);   /* changed content, size kept: the mtime tells */
    struct timespec later[2] = { { 0, UTIME_OMIT }, { time(NULL) + 5, 0 } };
    utimensat(AT_FDCWD, td_path("many/a/01.png"), later, 0);
    char *t3 = load_cached(&b, cache);
    assert_null(strstr(t3, "from the cache"));
    assert_int_equal(b.pixels[0], 201);   /* a/01.png is the first sample */
    free(t3);
    nncrt_dataset_free(&b);
    size_t n;
    uint8_t *bytes = td_read(cache, &n);
    bytes[n - 40] ^= 1;   /* a pixel: only the CRC can tell */
    td_write("many.cache", bytes, n);
    free(bytes);
    char *t4 = load_cached(&b, cache);
    assert_null(strstr(t4, "from the cache"));
    assert_int_equal(b.pixels[0], 201);
    free(t4);
    nncrt_dataset_free(&b);
    nncrt_dataset_free(&a);
}

static void test_cache_leaves_other_files_alone(void **state)
{
    (void)state;
    td_write("weights.safetensors", "precious bytes", 14);
    nncrt_dataset ds;
    free(load_cached(&ds, td_path("weights.safetensors")));
    assert_int_equal(ds.n, 30);
    nncrt_dataset_free(&ds);
    size_t n;
    uint8_t *b = td_read(td_path("weights.safetensors"), &n);
    assert_true(n == 14 && !memcmp(b, "precious bytes", 14));
    free(b);
}

/* ---- duplicates between subsets ---------------------------------------------------------- */

static void test_duplicates(void **state)
{
    (void)state;
    td_mkdirs("dups/a");
    png_of("dups/a/1.png", 7);
    png_of("dups/a/2.png", 8);
    png_of("dups/a/3.png", 7);   /* a copy of 1.png */
    png_of("dups/a/4.png", 9);
    png_of("dups/a/5.png", 8);   /* a copy of 2.png */
    nncrt_data_opts o = opts(1);
    nncrt_dataset ds;
    assert_int_equal(nncrt_dataset_load(&ds, td_path("dups"), &o), 0);
    size_t train[] = { 0, 1, 3 }, val[] = { 2, 4 }, novel[] = { 3 };
    nncrt_dup *d;
    assert_int_equal(nncrt_find_duplicates(&ds, train, 3, &ds, val, 2, &d), 2);
    assert_true(d[0].b == 2 && d[0].a == 0 && d[1].b == 4 && d[1].a == 1);
    free(d);
    assert_int_equal(nncrt_find_duplicates(&ds, train, 2, &ds, novel, 1, &d), 0);
    nncrt_dataset_free(&ds);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bad_files),   /* first: its peak-memory check */
        cmocka_unit_test(test_walk_order),
        cmocka_unit_test(test_class_names_order),
        cmocka_unit_test(test_follow_links),
        cmocka_unit_test(test_follow_links_dag),
        cmocka_unit_test(test_links_into_other_classes),
        cmocka_unit_test(test_deeper_than_path_max),
        cmocka_unit_test(test_not_regular_files),
        cmocka_unit_test(test_split),
        cmocka_unit_test(test_split_of_folder_is_stable),
        cmocka_unit_test(test_cache),
        cmocka_unit_test(test_cache_leaves_other_files_alone),
        cmocka_unit_test(test_duplicates),
    };
    return cmocka_run_group_tests_name("data folders", tests, td_setup, td_teardown);
}
