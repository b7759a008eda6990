/* make_seeds.c — writes the seed corpora of the data fuzz targets into
 * fuzz/corpus/{png,jpeg,idx,folder}/ (`make fuzz-seeds`; the files are
 * committed, this says how they were made):
 *   png:    every colour type and bit depth, palettes with and without tRNS,
 *           colour keys, Adam7, a text chunk; truncated, bad CRC, huge header;
 *   jpeg:   baseline gray and colour at 4:4:4, 4:2:2 and 4:2:0, progressive
 *           colour and gray, optimized and arithmetic coding, restart
 *           markers, CMYK and YCCK; truncated, scans out of order, too many;
 *   idx:    the fuzz target's layout (2 bytes: the labels file's length, the
 *           labels file, the images file): plain and gzip, 3 and 4 dims,
 *           two gzip members; truncated, bad magic, label out of range;
 *   folder: tree programs for fuzz/folder.c: classes, nested folders, a
 *           DAG of links, links to the root, above it and into another
 *           class, FIFOs, dangling links, hidden folders, the cache path.
 * Deterministic: the same files every run. */
#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include <jpeglib.h>

static const char *out_dir;

static void save(const char *kind, const char *name, const void *data, size_t n)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s/%s", out_dir, kind, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, n, f) != n || fclose(f) != 0) {
        perror(path);
        exit(1);
    }
}

/* ---- PNG ---------------------------------------------------------------------- */

typedef struct membuf {
    unsigned char *p;
    size_t n, cap;
} membuf;

static void mem_add(membuf *m, const void *p, size_t n)
{
    if (m->n + n > m->cap) {
        m->cap = (m->n + n) * 2;
        m->p = realloc(m->p, m->cap);
    }
    memcpy(m->p + m->n, p, n);
    m->n += n;
}

static void png_to_mem(png_structp png, png_bytep data, png_size_t n)
{
    mem_add(png_get_io_ptr(png), data, n);
}

static void png_flush(png_structp png) { (void)png; }

/* A w x h image of the type and depth, samples from a fixed pattern. */
static membuf make_png(int w, int h, int type, int depth, int interlace, int trns, int text)
{
    membuf m = { 0 };
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png_create_info_struct(png);
    if (setjmp(png_jmpbuf(png)))
        exit(1);
    png_set_write_fn(png, &m, png_to_mem, png_flush);
    png_set_IHDR(png, info, (png_uint_32)w, (png_uint_32)h, depth, type,
                 interlace ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE, 0, 0);
    png_color pal[256];
    png_byte alpha[256];
    int npal = 1 << (depth < 8 ? depth : 8);
    for (int i = 0; i < 256; i++)
        pal[i] = (png_color){ (png_byte)(i * 7), (png_byte)(i * 13), (png_byte)(255 - i) },
        alpha[i] = (png_byte)(i * 29);
    if (type == PNG_COLOR_TYPE_PALETTE)
        png_set_PLTE(png, info, pal, npal);
    png_color_16 key = { 0, 1, 1, 1, 1 };
    if (trns)
        png_set_tRNS(png, info, type == PNG_COLOR_TYPE_PALETTE ? alpha : NULL,
                     type == PNG_COLOR_TYPE_PALETTE ? npal : 0,
                     type == PNG_COLOR_TYPE_PALETTE ? NULL : &key);
    if (text) {
        png_text t = { PNG_TEXT_COMPRESSION_zTXt, "Comment", "seed corpus", 11, 0, NULL, NULL };
        png_set_text(png, info, &t, 1);
    }
    png_write_info(png, info);
    size_t stride = png_get_rowbytes(png, info);
    png_bytep *rows = malloc((size_t)h * sizeof *rows);
    png_bytep img = malloc(stride * (size_t)h);
    for (int y = 0; y < h; y++) {   /* any bits are valid samples, palette indices too */
        rows[y] = img + (size_t)y * stride;
        for (size_t i = 0; i < stride; i++)
            rows[y][i] = (png_byte)(i * 37 + (size_t)y * 11);
    }
    png_write_image(png, rows);
    png_write_end(png, info);
    png_destroy_write_struct(&png, &info);
    free(rows), free(img);
    return m;
}

static void png_seeds(void)
{
    static const struct { const char *name; int type, depth, interlace, trns; } cases[] = {
        { "g1", 0, 1, 0, 0 }, { "g2", 0, 2, 0, 0 }, { "g4", 0, 4, 0, 0 }, { "g8", 0, 8, 0, 0 },
        { "g16", 0, 16, 0, 0 }, { "ga8", 4, 8, 0, 0 }, { "ga16", 4, 16, 0, 0 },
        { "rgb8", 2, 8, 0, 0 }, { "rgb16", 2, 16, 0, 0 }, { "rgba8", 6, 8, 0, 0 },
        { "rgba16", 6, 16, 0, 0 }, { "p1", 3, 1, 0, 0 }, { "p2", 3, 2, 0, 0 },
        { "p4", 3, 4, 0, 0 }, { "p8", 3, 8, 0, 0 }, { "p4_trns", 3, 4, 0, 1 },
        { "p8_trns", 3, 8, 0, 1 }, { "g8_key", 0, 8, 0, 1 }, { "g16_key", 0, 16, 0, 1 },
        { "rgb8_key", 2, 8, 0, 1 }, { "rgb16_key", 2, 16, 0, 1 }, { "g1_adam7", 0, 1, 1, 0 },
        { "g16_adam7", 0, 16, 1, 0 }, { "rgba8_adam7", 6, 8, 1, 0 },
        { "p8_trns_adam7", 3, 8, 1, 1 },
    };
    char name[64];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        membuf m = make_png(13, 7, cases[i].type, cases[i].depth, cases[i].interlace,
                            cases[i].trns, i == 3);
        snprintf(name, sizeof name, "%s.png", cases[i].name);
        save("png", name, m.p, m.n);
        if (i == 9) {   /* broken copies of rgba8 */
            save("png", "truncated.png", m.p, m.n / 2);
            unsigned char *idat = memmem(m.p, m.n, "IDAT", 4);
            size_t len = (size_t)idat[-2] << 8 | idat[-1];
            idat[4 + len] ^= 0x55;   /* the stored CRC: the data itself is intact */
            save("png", "bad_crc.png", m.p, m.n);
        }
        free(m.p);
    }
    membuf big = make_png(1, 1, 0, 8, 0, 0, 0);   /* then IHDR says 16384 x 8192 */
    big.p[16] = 0, big.p[17] = 0, big.p[18] = 0x40, big.p[19] = 0;
    big.p[20] = 0, big.p[21] = 0, big.p[22] = 0x20, big.p[23] = 0;
    uLong crc = crc32(0, big.p + 12, 17);
    big.p[29] = (unsigned char)(crc >> 24), big.p[30] = (unsigned char)(crc >> 16);
    big.p[31] = (unsigned char)(crc >> 8), big.p[32] = (unsigned char)crc;
    save("png", "huge_header.png", big.p, big.n);
    free(big.p);
}

/* ---- JPEG --------------------------------------------------------------------- */

typedef struct jpeg_case {
    const char *name;
    int w, h, comps;
    J_COLOR_SPACE in, out;   /* out: JCS_UNKNOWN = the default for in */
    int h_samp, v_samp;      /* luma sampling: 2x2 is 4:2:0 */
    int progressive, optimize, arith, restart;
} jpeg_case;

static membuf make_jpeg(const jpeg_case *jc)
{
    struct jpeg_compress_struct ci;
    struct jpeg_error_mgr jerr;
    ci.err = jpeg_std_error(&jerr);
    jpeg_create_compress(&ci);
    unsigned char *buf = NULL;
    unsigned long len = 0;
    jpeg_mem_dest(&ci, &buf, &len);
    ci.image_width = (JDIMENSION)jc->w, ci.image_height = (JDIMENSION)jc->h;
    ci.input_components = jc->comps, ci.in_color_space = jc->in;
    jpeg_set_defaults(&ci);
    if (jc->out != JCS_UNKNOWN)
        jpeg_set_colorspace(&ci, jc->out);
    jpeg_set_quality(&ci, 80, TRUE);
    if (jc->comps > 1)
        ci.comp_info[0].h_samp_factor = jc->h_samp, ci.comp_info[0].v_samp_factor = jc->v_samp;
    if (jc->progressive)
        jpeg_simple_progression(&ci);
    ci.optimize_coding = jc->optimize ? TRUE : FALSE;
    ci.arith_code = jc->arith ? TRUE : FALSE;
    ci.restart_interval = (unsigned)jc->restart;
    jpeg_start_compress(&ci, TRUE);
    JSAMPLE *row = malloc((size_t)jc->w * (size_t)jc->comps);
    while (ci.next_scanline < ci.image_height) {
        for (int i = 0; i < jc->w * jc->comps; i++)
            row[i] = (JSAMPLE)((i * 29 + (int)ci.next_scanline * 17) & 255);
        jpeg_write_scanlines(&ci, &row, 1);
    }
    jpeg_finish_compress(&ci);
    jpeg_destroy_compress(&ci);
    free(row);
    membuf m = { buf, len, len };
    return m;
}

/* A gray progressive JPEG with 1 + 63 (al + 1) scans (successive
   approximation of each AC coefficient alone). */
static membuf many_scans(int al)
{
    struct jpeg_compress_struct ci;
    struct jpeg_error_mgr jerr;
    ci.err = jpeg_std_error(&jerr);
    jpeg_create_compress(&ci);
    unsigned char *buf = NULL;
    unsigned long len = 0;
    jpeg_mem_dest(&ci, &buf, &len);
    ci.image_width = 16, ci.image_height = 16, ci.input_components = 1;
    ci.in_color_space = JCS_GRAYSCALE;
    jpeg_set_defaults(&ci);
    static jpeg_scan_info scans[1 + 63 * 11];
    int k = 0;
    scans[k++] = (jpeg_scan_info){ 1, { 0 }, 0, 0, 0, 0 };
    for (int c = 1; c < 64; c++)
        for (int bit = al; bit >= 0; bit--)
            scans[k++] = (jpeg_scan_info){ 1, { 0 }, c, c, bit == al ? 0 : bit + 1, bit };
    ci.scan_info = scans, ci.num_scans = k;
    jpeg_start_compress(&ci, TRUE);
    JSAMPLE row[16];
    while (ci.next_scanline < 16) {
        for (int i = 0; i < 16; i++)
            row[i] = (JSAMPLE)(i * 16 + (int)ci.next_scanline);
        JSAMPROW r = row;
        jpeg_write_scanlines(&ci, &r, 1);
    }
    jpeg_finish_compress(&ci);
    jpeg_destroy_compress(&ci);
    membuf m = { buf, len, len };
    return m;
}

static void jpeg_seeds(void)
{
    static const jpeg_case cases[] = {
        { "gray.jpg", 17, 13, 1, JCS_GRAYSCALE, JCS_UNKNOWN, 1, 1, 0, 0, 0, 0 },
        { "rgb444.jpg", 9, 8, 3, JCS_RGB, JCS_UNKNOWN, 1, 1, 0, 0, 0, 0 },
        { "rgb422.jpg", 19, 11, 3, JCS_RGB, JCS_UNKNOWN, 2, 1, 0, 0, 0, 0 },
        { "rgb420.jpg", 23, 19, 3, JCS_RGB, JCS_UNKNOWN, 2, 2, 0, 0, 0, 0 },
        { "progressive.jpg", 21, 16, 3, JCS_RGB, JCS_UNKNOWN, 2, 2, 1, 0, 0, 0 },
        { "progressive_gray.jpg", 30, 9, 1, JCS_GRAYSCALE, JCS_UNKNOWN, 1, 1, 1, 0, 0, 0 },
        { "optimized.jpg", 16, 16, 3, JCS_RGB, JCS_UNKNOWN, 2, 2, 0, 1, 0, 0 },
        { "arithmetic.jpg", 16, 12, 3, JCS_RGB, JCS_UNKNOWN, 2, 2, 0, 0, 1, 0 },
        { "arithmetic_progressive.jpg", 12, 16, 3, JCS_RGB, JCS_UNKNOWN, 1, 1, 1, 0, 1, 0 },
        { "restarts.jpg", 40, 24, 3, JCS_RGB, JCS_UNKNOWN, 2, 2, 0, 0, 0, 1 },
        { "rgb_not_ycc.jpg", 8, 8, 3, JCS_RGB, JCS_RGB, 1, 1, 0, 0, 0, 0 },
        { "cmyk.jpg", 6, 5, 4, JCS_CMYK, JCS_UNKNOWN, 1, 1, 0, 0, 0, 0 },
        { "ycck.jpg", 7, 9, 4, JCS_CMYK, JCS_YCCK, 1, 1, 0, 0, 0, 0 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        membuf m = make_jpeg(&cases[i]);
        save("jpeg", cases[i].name, m.p, m.n);
        if (i == 4) {
            save("jpeg", "truncated_progressive.jpg", m.p, m.n * 2 / 3);
            unsigned char *sos = memmem(m.p, m.n, "\xff\xda", 2), *end = sos + 2;
            while (!(end[0] == 0xFF && end[1] != 0 && (end[1] < 0xD0 || end[1] > 0xD7)))
                end++;   /* the DC scan's end */
            memmove(sos, end, m.n - (size_t)(end - m.p));
            save("jpeg", "ac_before_dc.jpg", m.p, m.n - (size_t)(end - sos));
        }
        free(m.p);
    }
    membuf ok = many_scans(1), many = many_scans(8);   /* 127 and 568 scans */
    save("jpeg", "127_scans.jpg", ok.p, ok.n);
    save("jpeg", "568_scans.jpg", many.p, many.n);
    free(ok.p), free(many.p);
}

/* ---- IDX ---------------------------------------------------------------------- */

static membuf gz(const unsigned char *data, size_t n)
{
    membuf m = { malloc(n + 64), 0, n + 64 };
    z_stream z = { 0 };
    deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
    z.next_in = (Bytef *)data, z.avail_in = (uInt)n;
    z.next_out = m.p, z.avail_out = (uInt)m.cap;
    deflate(&z, Z_FINISH);
    m.n = m.cap - z.avail_out;
    deflateEnd(&z);
    return m;
}

/* images: n x h x w (x c when c > 0); labels i % 10 (+ bad at one). */
static membuf idx_images(unsigned n, unsigned h, unsigned w, unsigned c)
{
    unsigned char head[20] = { 0, 0, 8, (unsigned char)(c ? 4 : 3) };
    unsigned dims[4] = { n, h, w, c };
    for (int i = 0; i < (c ? 4 : 3); i++)
        for (int b = 0; b < 4; b++)
            head[4 + 4 * i + b] = (unsigned char)(dims[i] >> (24 - 8 * b));
    membuf m = { 0 };
    mem_add(&m, head, c ? 20 : 16);
    for (unsigned i = 0; i < n * h * w * (c ? c : 1); i++) {
        unsigned char v = (unsigned char)(i * 7);
        mem_add(&m, &v, 1);
    }
    return m;
}

static membuf idx_labels(unsigned n, int bad)
{
    unsigned char head[8] = { 0, 0, 8, 1, (unsigned char)(n >> 24), (unsigned char)(n >> 16),
                              (unsigned char)(n >> 8), (unsigned char)n };
    membuf m = { 0 };
    mem_add(&m, head, 8);
    for (unsigned i = 0; i < n; i++) {
        unsigned char v = (unsigned char)((int)i == bad ? 200 : i % 10);
        mem_add(&m, &v, 1);
    }
    return m;
}

/* The fuzz target's layout: u16 little-endian labels length, labels, images. */
static void save_idx(const char *name, const membuf *labels, const membuf *images)
{
    membuf m = { 0 };
    unsigned char len[2] = { (unsigned char)labels->n, (unsigned char)(labels->n >> 8) };
    mem_add(&m, len, 2);
    mem_add(&m, labels->p, labels->n);
    mem_add(&m, images->p, images->n);
    save("idx", name, m.p, m.n);
    free(m.p);
}

static void idx_seeds(void)
{
    membuf im = idx_images(5, 3, 4, 0), lb = idx_labels(5, -1);
    membuf zim = gz(im.p, im.n), zlb = gz(lb.p, lb.n);
    save_idx("plain.idx", &lb, &im);
    save_idx("gzip.idx", &zlb, &zim);
    save_idx("gzip_images_plain_labels.idx", &lb, &zim);
    membuf two = { 0 };   /* the images in two gzip members */
    membuf a = gz(im.p, 20), b = gz(im.p + 20, im.n - 20);
    mem_add(&two, a.p, a.n), mem_add(&two, b.p, b.n);
    save_idx("two_members.idx", &lb, &two);
    membuf cut = { im.p, im.n - 7, 0 }, zcut = { zim.p, zim.n - 9, 0 };
    save_idx("truncated.idx", &lb, &cut);
    save_idx("truncated_gzip.idx", &zlb, &zcut);
    membuf bad = idx_labels(5, 3);
    save_idx("label_out_of_range.idx", &bad, &im);
    membuf rgb = idx_images(3, 4, 2, 3), lb3 = idx_labels(3, -1);
    save_idx("rgb_4dims.idx", &lb3, &rgb);
    im.p[0] = 0x12;
    save_idx("bad_magic.idx", &lb, &im);
    membuf huge = idx_images(0, 0, 0, 0);
    huge.p[4] = huge.p[5] = huge.p[6] = huge.p[7] = 0xFF;   /* 2^32 - 1 images of 0x0 */
    huge.p[11] = 1, huge.p[15] = 1;
    membuf hl = idx_labels(0, -1);
    hl.p[4] = hl.p[5] = hl.p[6] = hl.p[7] = 0xFF;
    save_idx("huge_header.idx", &hl, &huge);
    free(im.p), free(lb.p), free(zim.p), free(zlb.p), free(two.p), free(a.p), free(b.p);
    free(bad.p), free(rgb.p), free(lb3.p), free(huge.p), free(hl.p);
}

/* ---- folder trees --------------------------------------------------------------- */

/* Steps of fuzz/folder.c: (op, a, b). Folders are numbered as made: 0 data,
   1 outside, then 2, 3, ... op 0 mkdir in a (b odd: hidden); 2 PNG in a;
   3 broken JPEG in a; 4 relative / 12 absolute link in a to folder b;
   6 link in a to file b (b >= 200: dangling) / 14 FIFO; 7 link in a to
   ".", "..", "/" (b % 3). */
static void folder_seeds(void)
{
    static const unsigned char basic[] = { 0, 0, 0, 0, 0, 0, 0, 0, 2, 2, 2, 2, 2, 3, 2,
                                           3, 3, 5, 0, 2, 0, 2, 4, 0 };
    static const unsigned char dag[] = {   /* class 2 with 2 -> 3 -> 4 -> 5, two links each */
        0, 0, 0, 0, 0, 2, 0, 0, 3, 0, 0, 4, 0, 0, 5, 2, 2, 0, 2, 3, 0, 2, 4, 0, 2, 5, 0,
        4, 2, 3, 4, 2, 3, 4, 3, 4, 4, 3, 4, 12, 4, 5, 4, 4, 5, 0, 0, 0, 2, 11, 0,
    };
    static const unsigned char above[] = {   /* links to .., /, data itself, outside */
        0, 0, 0, 0, 0, 0, 0, 2, 2, 0, 2, 2, 0, 3, 3, 7, 2, 1, 7, 2, 2, 7, 2, 0, 4, 2, 0,
        12, 2, 1, 2, 1, 1, 4, 3, 2, 4, 2, 4, 0, 2, 0, 2, 4, 4, 7, 5, 1,
    };
    static const unsigned char odd[] = {   /* FIFOs, dangling and file links, hidden */
        0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 2, 0, 14, 2, 0, 6, 2, 250, 6, 2, 0, 2, 3, 0, 6, 3, 0,
        0, 2, 1, 2, 4, 0, 0, 0, 1, 2, 5, 0, 3, 2, 9,
    };
    static const struct { const char *name; unsigned char flags; const unsigned char *p;
                          size_t n; } trees[] = {
        { "basic", 0, basic, sizeof basic }, { "basic_cache", 4, basic, sizeof basic },
        { "basic_no_links", 1, basic, sizeof basic }, { "dag", 0, dag, sizeof dag },
        { "above", 0, above, sizeof above }, { "odd", 0, odd, sizeof odd },
        { "odd_strict_cache", 6, odd, sizeof odd },
    };
    for (size_t i = 0; i < sizeof trees / sizeof trees[0]; i++) {
        membuf m = { 0 };
        mem_add(&m, &trees[i].flags, 1);
        mem_add(&m, trees[i].p, trees[i].n);
        save("folder", trees[i].name, m.p, m.n);
        free(m.p);
    }
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: make_seeds CORPUS_DIR (writes CORPUS_DIR/{png,jpeg,idx,folder})\n");
        return 2;
    }
    out_dir = argv[1];
    png_seeds();
    jpeg_seeds();
    idx_seeds();
    folder_seeds();
    return 0;
}
