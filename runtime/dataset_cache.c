/* dataset_cache.c — the decoded images of a folder dataset in one file, so
 * that a second run over an unchanged folder skips decoding.
 *
 * Layout (integers little endian; a string is a u32 length and its bytes):
 *   "NNCCACHE"  u32 version  u64 key
 *   u32 h, w, c, num_classes   u64 n (samples), nbad
 *   class names [num_classes], paths [n], bad files [nbad] ("PATH: reason")
 *   i32 labels [n]   u8 pixels [n][h][w][c]
 *   u32 CRC-32 of everything before it
 * The key hashes what the pixels depend on: every listed file's path, label,
 * size and mtime, the decode options and the decoder's version. A different
 * key means stale; a bad CRC or a size that does not add up means corrupt.
 * Either way the folder is decoded again and the cache rewritten. */
#include <errno.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include <jpeglib.h>   /* after stdio.h: JPEG_LIB_VERSION for the key */

#include "atomic_file.h"
#include "dataset.h"
#include "util.h"

#define CACHE_MAGIC "NNCCACHE"
#define CACHE_VERSION 1u
/* Bump when decoding or resizing changes what a file decodes to. */
#define DECODER_VERSION 1u
#define MAX_STRING 65536u

static uint64_t hash_str(uint64_t h, const char *s)
{
    return nncrt_hash64(s, strlen(s) + 1, h);
}

static uint64_t hash_u64(uint64_t h, uint64_t v)
{
    return nncrt_hash64(&v, sizeof v, h);
}

uint64_t nncrt_cache_key(char *const *paths, const int *labels, const uint64_t *sizes,
                         const int64_t *mtimes, size_t n, const nncrt_dataset *ds,
                         const nncrt_data_opts *o)
{
    uint64_t h = hash_str(0, "nnc decoded cache");
    h = hash_u64(h, DECODER_VERSION);
    h = hash_str(h, PNG_LIBPNG_VER_STRING);
    h = hash_u64(h, JPEG_LIB_VERSION);
    const uint64_t opts[] = { (uint64_t)ds->h, (uint64_t)ds->w, (uint64_t)ds->c,
                              (uint64_t)o->interpolation, (uint64_t)o->aspect,
                              (uint64_t)ds->num_classes, n };
    for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++)
        h = hash_u64(h, opts[i]);
    for (int i = 0; i < ds->num_classes; i++)
        h = hash_str(h, ds->class_names[i]);
    for (size_t i = 0; i < n; i++) {
        h = hash_str(h, paths[i]);
        h = hash_u64(h, (uint64_t)labels[i]);
        h = hash_u64(h, sizes[i]);
        h = hash_u64(h, (uint64_t)mtimes[i]);
    }
    return h;
}

/* ---- writing ------------------------------------------------------------- */

typedef struct writer {
    FILE *f;
    uLong crc;
} writer;

static void put(writer *w, const void *p, size_t n)
{
    fwrite(p, 1, n, w->f);   /* errors surface at fflush/fsync in commit */
    for (size_t done = 0; done < n;) {   /* crc32 takes a uInt length */
        uInt step = n - done > (1u << 30) ? 1u << 30 : (uInt)(n - done);
        w->crc = crc32(w->crc, (const Bytef *)p + done, step);
        done += step;
    }
}

static void put_u32(writer *w, uint32_t v)
{
    uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };
    put(w, b, 4);
}

static void put_u64(writer *w, uint64_t v)
{
    put_u32(w, (uint32_t)v);
    put_u32(w, (uint32_t)(v >> 32));
}

static void put_strings(writer *w, char *const *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(v[i]);
        len = len > MAX_STRING ? MAX_STRING : len;
        put_u32(w, (uint32_t)len);
        put(w, v[i], len);
    }
}

int nncrt_cache_write(const char *path, uint64_t key, const nncrt_dataset *ds)
{
    nncrt_afile af;
    if (nncrt_afile_open(&af, path) != 0)
        return -1;
    writer w = { af.f, crc32(0, NULL, 0) };
    put(&w, CACHE_MAGIC, 8);
    put_u32(&w, CACHE_VERSION);
    put_u64(&w, key);
    const uint32_t dims[] = { (uint32_t)ds->h, (uint32_t)ds->w, (uint32_t)ds->c,
                              (uint32_t)ds->num_classes };
    for (int i = 0; i < 4; i++)
        put_u32(&w, dims[i]);
    put_u64(&w, ds->n);
    put_u64(&w, ds->nbad);
    put_strings(&w, ds->class_names, (size_t)ds->num_classes);
    put_strings(&w, ds->paths, ds->n);
    put_strings(&w, ds->bad, ds->nbad);
    for (size_t i = 0; i < ds->n; i++)
        put_u32(&w, (uint32_t)ds->labels[i]);
    put(&w, ds->pixels, ds->n * (size_t)ds->h * (size_t)ds->w * (size_t)ds->c);
    put_u32(&w, (uint32_t)w.crc);
    return nncrt_afile_commit(&af);
}

/* ---- reading ------------------------------------------------------------- */

static void note(const char *path, const char *what)
{
    if (nncrt_quiet)
        return;
    fflush(stdout);   /* after "Found N files ..." in a shared log */
    fputs("note: ", stderr);
    nncrt_fputs_escaped(path, stderr);   /* the --cache path: user text */
    fprintf(stderr, ": %s\n", what);
}

typedef struct reader {
    FILE *f;
    uLong crc;
    uint64_t left;          /* bytes of the file not read yet */
    bool bad;               /* short or inconsistent: corrupt */
} reader;

static bool get(reader *r, void *p, size_t n)
{
    if (r->bad || n > r->left || fread(p, 1, n, r->f) != n)
        return !(r->bad = true);
    r->left -= n;
    for (size_t done = 0; done < n;) {
        uInt step = n - done > (1u << 30) ? 1u << 30 : (uInt)(n - done);
        r->crc = crc32(r->crc, (const Bytef *)p + done, step);
        done += step;
    }
    return true;
}

static uint32_t get_u32(reader *r)
{
    uint8_t b[4] = { 0 };
    get(r, b, 4);
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

static uint64_t get_u64(reader *r)
{
    uint64_t lo = get_u32(r);
    return lo | (uint64_t)get_u32(r) << 32;
}

/* n strings into a new array; n was checked against the file size. */
static char **get_strings(reader *r, size_t n)
{
    char **v = nncrt_xcalloc(n + 1, sizeof *v);
    for (size_t i = 0; i < n; i++) {
        uint32_t len = get_u32(r);
        if (r->bad || len > MAX_STRING || len > r->left) {
            r->bad = true;
            v[i] = nncrt_xstrdup("");
            continue;
        }
        v[i] = nncrt_xmalloc((size_t)len + 1);
        get(r, v[i], len);
        v[i][len] = '\0';
    }
    return v;
}

static void drop_samples(nncrt_dataset *ds)
{
    nncrt_strv_free(ds->paths, ds->n);
    nncrt_strv_free(ds->bad, ds->nbad);
    free(ds->labels);
    free(ds->pixels);
    ds->paths = ds->bad = NULL;
    ds->labels = NULL;
    ds->pixels = NULL;
    ds->n = ds->nbad = 0;
}

/* The header up to the counts; 1 (with a note) if it is not this key's. */
static int read_header(reader *r, const char *path, uint64_t key, const nncrt_dataset *ds)
{
    char magic[8];
    if (!get(r, magic, 8) || memcmp(magic, CACHE_MAGIC, 8) != 0)
        return 2;
    uint32_t version = get_u32(r);
    uint64_t k = get_u64(r);
    uint32_t dims[4];
    for (int i = 0; i < 4; i++)
        dims[i] = get_u32(r);
    if (r->bad)
        return 3;
    if (version != CACHE_VERSION || k != key || dims[0] != (uint32_t)ds->h ||
        dims[1] != (uint32_t)ds->w || dims[2] != (uint32_t)ds->c ||
        dims[3] != (uint32_t)ds->num_classes) {
        note(path, "made for other files or decode options; decoding again");
        return 1;
    }
    return 0;
}

/* Counts, strings, labels and pixels, each checked against what is left. */
static void read_body(reader *r, nncrt_dataset *ds)
{
    size_t isz = (size_t)ds->h * (size_t)ds->w * (size_t)ds->c;
    uint64_t n = get_u64(r), nbad = get_u64(r);
    if (r->bad || n > r->left / (4 + isz + 4) || nbad > r->left / 4) {
        r->bad = true;
        return;
    }
    ds->n = (size_t)n, ds->nbad = (size_t)nbad;
    char **names = get_strings(r, (size_t)ds->num_classes);
    for (int i = 0; i < ds->num_classes && !r->bad; i++)
        r->bad = strcmp(names[i], ds->class_names[i]) != 0;
    nncrt_strv_free(names, (size_t)ds->num_classes);
    ds->paths = get_strings(r, ds->n);
    ds->bad = get_strings(r, ds->nbad);
    if (r->bad || r->left != (uint64_t)ds->n * (4 + isz) + 4) {
        r->bad = true;
        return;
    }
    ds->labels = nncrt_xmalloc_array(ds->n + 1, sizeof *ds->labels);
    for (size_t i = 0; i < ds->n; i++) {
        ds->labels[i] = (int)get_u32(r);
        if (ds->labels[i] < 0 || ds->labels[i] >= ds->num_classes)
            r->bad = true;
    }
    ds->pixels = nncrt_xmalloc_array(ds->n + 1, isz);
    get(r, ds->pixels, ds->n * isz);
}

int nncrt_cache_read(const char *path, uint64_t key, nncrt_dataset *ds)
{
    FILE *f = fopen(path, "rb");
    struct stat st = { 0 };
    if (!f)
        return 1;   /* no cache yet: nothing to say */
    reader r = { f, crc32(0, NULL, 0), 0, false };
    r.left = fstat(fileno(f), &st) == 0 ? (uint64_t)st.st_size : 0;
    int rc = read_header(&r, path, key, ds);
    if (rc == 0) {
        read_body(&r, ds);
        uLong crc = r.crc;
        if (!r.bad && get_u32(&r) != (uint32_t)crc)
            r.bad = true;
        rc = r.bad ? 3 : 0;
    }
    fclose(f);
    if (rc == 2 && st.st_size > 0) {   /* a wrong --cache must not destroy, e.g., weights */
        nncrt_warn("%s exists and is not an nnc cache file: left alone, nothing cached", path);
    } else if (rc == 2 || rc == 3) {
        note(path, "the cache file is corrupt; decoding again");
        rc = 1;
    }
    if (rc != 0)
        drop_samples(ds);
    return rc;
}
