/* dataset_idx.c — MNIST-style IDX files: "images-idx3" with its
 * "labels-idx1" beside it, gzipped or not (told by the gzip magic, as
 * zlib's gzread does). The parser reads from a source that is a file or
 * bytes in memory (nncrt_idx_load_mem, which the fuzzer drives), through
 * the same inflate and checks.
 *
 * A hostile header cannot make the loader allocate or loop beyond what the
 * file holds: the data a header declares must fit in the file (plain) or in
 * what deflate can expand the file to (1032:1, gzip), the pixels at the
 * model's input shape must fit in this machine's memory, and only then is
 * anything allocated. Truncated data is an error naming the file. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "dataset.h"
#include "image.h"
#include "util.h"

/* deflate's largest expansion: a 258-byte match in 2 bits. */
#define DEFLATE_MAX_RATIO 1032u
#define IN_CHUNK ((size_t)1 << 17)
#define OUT_CHUNK ((size_t)1 << 18)

typedef struct idx_header {
    int ndim;
    size_t dims[4];
} idx_header;

/* ---- the labels file's name ------------------------------------------------ */

static char *replace_last(const char *s, const char *from, const char *to)
{
    const char *base = strrchr(s, '/');
    base = base ? base + 1 : s;
    const char *hit = NULL;
    for (const char *p = strstr(base, from); p; p = strstr(p + 1, from))
        hit = p;
    if (!hit)
        return NULL;
    nncrt_buf b = { 0 };
    nncrt_buf_add(&b, s, (size_t)(hit - s));
    nncrt_buf_printf(&b, "%s%s", to, hit + strlen(from));
    return b.data;
}

char *nncrt_idx_labels_path(const char *images_path)
{
    char *p = replace_last(images_path, "images-idx3", "labels-idx1");
    return p ? p : replace_last(images_path, "-images", "-labels");
}

/* The derived labels name, or the same name with ".gz" added or removed. */
static char *find_labels(const char *images_path)
{
    char *p = nncrt_idx_labels_path(images_path);
    if (!p) {
        nncrt_error("%s: cannot tell the labels file from this name "
                    "(expected 'images-idx3' or '-images' in it)", images_path);
        return NULL;
    }
    if (access(p, R_OK) == 0)
        return p;
    nncrt_buf alt = { 0 };
    size_t n = strlen(p);
    if (nncrt_has_suffix_ci(p, ".gz"))
        nncrt_buf_add(&alt, p, n - 3);
    else
        nncrt_buf_printf(&alt, "%s.gz", p);
    if (access(alt.data, R_OK) == 0) {
        free(p);
        return alt.data;
    }
    nncrt_error("%s: labels file %s not found (%s)", images_path, p, strerror(errno));
    free(p);
    nncrt_buf_free(&alt);
    return NULL;
}

/* ---- a source of bytes: a file or memory, plain or gzip ----------------------- */

typedef struct idx_src {
    const char *path;           /* for messages */
    int fd;                     /* -1: the bytes are in memory */
    const uint8_t *next;        /* input not consumed yet ... */
    size_t avail;               /* ... and how much */
    uint8_t *buf;               /* [IN_CHUNK] file input */
    uint64_t size;              /* the whole input: file size or memory length */
    uint64_t consumed;          /* input bytes used so far */
    bool gz, ended;             /* ended: the gzip stream (and any after it) is done */
    z_stream z;
    uint8_t *out;               /* [OUT_CHUNK] inflated data ... */
    size_t out_at, out_len;     /* ... not returned yet: [out_at, out_len) */
} idx_src;

/* More input into next/avail; false at the end of the input. */
static bool refill(idx_src *s, int *err)
{
    if (s->avail)
        return true;
    if (s->fd < 0)
        return false;
    ssize_t r;
    while ((r = read(s->fd, s->buf, IN_CHUNK)) < 0 && errno == EINTR)
        ;
    if (r < 0)
        *err = errno;
    s->next = s->buf, s->avail = r > 0 ? (size_t)r : 0;
    return r > 0;
}

static int src_open(idx_src *s)
{
    int err = 0;
    bool gz = refill(s, &err) && s->avail >= 2 && s->next[0] == 0x1f && s->next[1] == 0x8b;
    if (err)
        return nncrt_error("%s: read failed: %s", s->path, strerror(err));
    if (gz && inflateInit2(&s->z, 15 + 16) != Z_OK)   /* 16: gzip wrapper only */
        return nncrt_error("%s: cannot start zlib", s->path);
    s->gz = gz;
    s->out = gz ? nncrt_xmalloc(OUT_CHUNK) : NULL;
    return 0;
}

static void src_close(idx_src *s)
{
    if (s->gz)
        inflateEnd(&s->z);
    free(s->out);
    free(s->buf);
    if (s->fd >= 0)
        close(s->fd);
}

static int truncated(const idx_src *s)
{
    return nncrt_error("%s: file ends early (truncated?)", s->path);
}

static int read_plain(idx_src *s, uint8_t *out, size_t n)
{
    int err = 0;
    while (n > 0) {
        if (!refill(s, &err))
            return err ? nncrt_error("%s: read failed: %s", s->path, strerror(err)) : truncated(s);
        size_t k = n < s->avail ? n : s->avail;
        memcpy(out, s->next, k);
        s->next += k, s->avail -= k, s->consumed += k, out += k, n -= k;
    }
    return 0;
}

/* A gzip member ended: another may follow (gzread reads them all);
   anything else after it is ignored, as gzread does. */
static int next_member(idx_src *s, int *err)
{
    if (!refill(s, err) || s->avail < 2 || s->next[0] != 0x1f || s->next[1] != 0x8b) {
        s->ended = true;
        return 0;
    }
    return inflateReset(&s->z) == Z_OK ? 0 : -1;
}

/* Inflates the next piece of data into s->out: 1 when there is some, 0 at
   the clean end of the gzip data, -1 when the input ends before its end
   (truncated) or the data is corrupt (a bad CRC-32 included). */
static int inflate_more(idx_src *s)
{
    int err = 0;
    s->out_at = s->out_len = 0;
    while (s->out_len == 0 && !s->ended && refill(s, &err)) {
        uInt have = s->avail > UINT_MAX ? UINT_MAX : (uInt)s->avail;
        s->z.next_in = (Bytef *)s->next, s->z.avail_in = have;
        s->z.next_out = s->out, s->z.avail_out = (uInt)OUT_CHUNK;
        int zr = inflate(&s->z, Z_NO_FLUSH);
        size_t used = have - s->z.avail_in;
        s->next += used, s->avail -= used, s->consumed += used;
        s->out_len = OUT_CHUNK - s->z.avail_out;
        if (zr == Z_STREAM_END && next_member(s, &err) != 0)
            return nncrt_error("%s: cannot restart zlib", s->path);
        if (zr != Z_OK && zr != Z_STREAM_END && zr != Z_BUF_ERROR)
            return nncrt_error("%s: corrupt gzip data: %s", s->path,
                               s->z.msg ? s->z.msg : "inflate failed");
    }
    if (err)
        return nncrt_error("%s: read failed: %s", s->path, strerror(err));
    return s->out_len ? 1 : s->ended ? 0 : truncated(s);
}

static int read_gz(idx_src *s, uint8_t *out, size_t n)
{
    while (n > 0) {
        int r = s->out_at < s->out_len ? 1 : inflate_more(s);
        if (r <= 0)
            return r < 0 ? -1 : truncated(s);
        size_t k = n < s->out_len - s->out_at ? n : s->out_len - s->out_at;
        memcpy(out, s->out + s->out_at, k);
        s->out_at += k, out += k, n -= k;
    }
    return 0;
}

/* After the last byte the loader needs: the rest of a gzip stream is
   inflated and dropped, so that its trailer (CRC-32 and length) is checked,
   as gzread checks it on reaching the end. */
static int src_finish(idx_src *s)
{
    int r = 1;
    while (s->gz && (r = inflate_more(s)) == 1)
        ;
    return r < 0 ? -1 : 0;
}

static int src_read(idx_src *s, void *out, size_t n)
{
    return s->gz ? read_gz(s, out, n) : read_plain(s, out, n);
}

/* Whether the rest of the input can hold `bytes` of data: exactly for a
   plain file, by deflate's largest ratio for gzip. */
static int check_holds(const idx_src *s, uint64_t bytes, const char *what)
{
    uint64_t left = s->size - s->consumed;   /* input bytes not used yet */
    uint64_t room = s->gz ? (s->out_len - s->out_at) + left * DEFLATE_MAX_RATIO : left;
    if (bytes <= room)
        return 0;
    if (s->gz)
        return nncrt_error("%s: file ends early (truncated?): the header declares %s "
                           "(%llu bytes), more than %llu bytes of gzip data can hold", s->path,
                           what, (unsigned long long)bytes, (unsigned long long)left);
    return nncrt_error("%s: file ends early (truncated?): the header declares %s (%llu bytes) "
                       "but the file holds %llu bytes after the header", s->path, what,
                       (unsigned long long)bytes, (unsigned long long)left);
}

/* ---- the IDX layout ------------------------------------------------------------ */

static int read_header(idx_src *s, idx_header *h)
{
    unsigned char magic[4], d[4];
    if (src_read(s, magic, 4) != 0)
        return -1;
    if (magic[0] != 0 || magic[1] != 0 || magic[3] < 1 || magic[3] > 4)
        return nncrt_error("%s: not an IDX file (bad magic number)", s->path);
    if (magic[2] != 0x08)
        return nncrt_error("%s: IDX data type 0x%02x is not supported (only unsigned bytes, 0x08)",
                           s->path, magic[2]);
    h->ndim = magic[3];
    for (int i = 0; i < h->ndim; i++) {
        if (src_read(s, d, 4) != 0)
            return -1;
        h->dims[i] = (size_t)d[0] << 24 | (size_t)d[1] << 16 | (size_t)d[2] << 8 | d[3];
    }
    return 0;
}

/* Images are (n, h, w) or (n, h, w, c); labels are (n). */
static int check_shapes(const idx_src *is, const idx_header *ih, const idx_src *ls,
                        const idx_header *lh)
{
    if (ih->ndim < 3)
        return nncrt_error("%s: IDX images need 3 or 4 dimensions, this file has %d", is->path,
                           ih->ndim);
    if (lh->ndim != 1)
        return nncrt_error("%s: IDX labels need 1 dimension, this file has %d", ls->path,
                           lh->ndim);
    if (ih->dims[0] != lh->dims[0])
        return nncrt_error("%s: %zu images but %s has %zu labels", is->path, ih->dims[0],
                           ls->path, lh->dims[0]);
    if (ih->dims[0] == 0)
        return nncrt_error("%s: the file holds no images", is->path);
    size_t c = ih->ndim == 4 ? ih->dims[3] : 1;
    if (ih->dims[1] < 1 || ih->dims[1] > NNCRT_IMAGE_MAX_DIM || ih->dims[2] < 1 ||
        ih->dims[2] > NNCRT_IMAGE_MAX_DIM || c < 1 || c > 4)
        return nncrt_error("%s: unsupported image shape %zux%zux%zu", is->path, ih->dims[1],
                           ih->dims[2], c);
    return 0;
}

/* The first n labels, each below the number of classes. */
static int read_labels(idx_src *s, nncrt_dataset *ds)
{
    unsigned char *raw = nncrt_xmalloc(ds->n);
    int rc = src_read(s, raw, ds->n);
    ds->labels = nncrt_xcalloc(ds->n, sizeof *ds->labels);
    for (size_t i = 0; rc == 0 && i < ds->n; i++) {
        if (raw[i] >= ds->num_classes)
            rc = nncrt_error("%s: label %d of sample %zu is out of range for %d classes",
                             s->path, raw[i], i, ds->num_classes);
        ds->labels[i] = raw[i];
    }
    free(raw);
    return rc;
}

/* Each image is read at its stored shape and fitted to the model's. */
static int read_images(idx_src *s, const nncrt_image *shape, nncrt_dataset *ds,
                       const nncrt_data_opts *o)
{
    nncrt_image_opts io = { ds->h, ds->w, ds->c, o->interpolation, o->aspect };
    nncrt_image src = *shape;
    size_t ssz = (size_t)src.h * (size_t)src.w * (size_t)src.c;   /* <= 16384^2 * 4 */
    size_t dsz = (size_t)ds->h * (size_t)ds->w * (size_t)ds->c;
    if (nncrt_dataset_alloc_pixels(ds, s->path) != 0)
        return -1;
    src.px = nncrt_xmalloc(ssz);
    int rc = 0;
    char err[160];
    for (size_t i = 0; rc == 0 && i < ds->n; i++) {
        rc = src_read(s, src.px, ssz);
        if (rc == 0 && nncrt_image_fit_opts(&src, &io, ds->pixels + i * dsz, err, sizeof err) != 0)
            rc = nncrt_error("%s: %s", s->path, err);
    }
    free(src.px);
    return rc;
}

static int idx_classes(nncrt_dataset *ds, const char *path, const nncrt_data_opts *o)
{
    int k = o->class_names ? o->num_class_names : o->num_classes;
    char **names = nncrt_xcalloc((size_t)k + 1, sizeof(char *));
    for (int i = 0; i < k; i++) {
        char num[16];
        snprintf(num, sizeof num, "%d", i);
        names[i] = nncrt_xstrdup(o->class_names ? o->class_names[i] : num);
    }
    return nncrt_dataset_set_classes(ds, path, names, k, o);
}

/* Headers, then the sizes they declare against what the inputs hold, then
   labels and images. */
static int load_sources(nncrt_dataset *ds, idx_src *is, idx_src *ls, const nncrt_data_opts *o)
{
    idx_header ih, lh;
    if (src_open(is) != 0 || src_open(ls) != 0 || read_header(is, &ih) != 0 ||
        read_header(ls, &lh) != 0 || check_shapes(is, &ih, ls, &lh) != 0)
        return -1;
    nncrt_image shape = { .h = (int)ih.dims[1], .w = (int)ih.dims[2],
                          .c = ih.ndim == 4 ? (int)ih.dims[3] : 1 };
    ds->n = o->limit && o->limit < ih.dims[0] ? o->limit : ih.dims[0];
    uint64_t bytes = (uint64_t)ds->n * (uint64_t)shape.h * (uint64_t)shape.w * (uint64_t)shape.c;
    char what[96];
    snprintf(what, sizeof what, "%zu images of %dx%dx%d", ds->n, shape.h, shape.w, shape.c);
    if (check_holds(is, bytes, what) != 0 || check_holds(ls, ds->n, "as many labels") != 0)
        return -1;
    if (o->info)
        fprintf(o->info, "Found %zu images belonging to %d classes.\n", ds->n,
                o->class_names ? o->num_class_names : o->num_classes);
    if (idx_classes(ds, is->path, o) != 0 || read_labels(ls, ds) != 0 ||
        read_images(is, &shape, ds, o) != 0)
        return -1;
    bool all = ds->n == ih.dims[0];   /* with --limit, the rest is not read */
    return all && (src_finish(is) != 0 || src_finish(ls) != 0) ? -1 : 0;
}

static void cache_note(const nncrt_data_opts *o)
{
    if (!o->cache || !o->info)
        return;   /* nothing to save: IDX pixels need no decoding */
    fputs("IDX data is not cached (--cache ", o->info);
    nncrt_fputs_escaped(o->cache, o->info);
    fputs(" is for image folders).\n", o->info);
}

static int open_file(idx_src *s, const char *path)
{
    struct stat st;
    *s = (idx_src){ .path = path, .fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK) };
    if (s->fd < 0 || fstat(s->fd, &st) != 0)
        return nncrt_error("%s: %s", path, strerror(errno));
    if (!S_ISREG(st.st_mode))   /* a FIFO would block, its size is unknown */
        return nncrt_error("%s: not a regular file", path);
    s->size = (uint64_t)st.st_size;
    s->buf = nncrt_xmalloc(IN_CHUNK);
    return 0;
}

int nncrt_idx_load(nncrt_dataset *ds, const char *path, const nncrt_data_opts *o)
{
    char *lpath = find_labels(path);
    idx_src is = { .fd = -1 }, ls = { .fd = -1 };
    ds->h = o->h, ds->w = o->w, ds->c = o->c;
    cache_note(o);
    int rc = lpath && open_file(&is, path) == 0 && open_file(&ls, lpath) == 0
             ? load_sources(ds, &is, &ls, o) : -1;
    src_close(&is);
    src_close(&ls);
    free(lpath);
    if (rc != 0)
        nncrt_dataset_free(ds);
    return rc;
}

int nncrt_idx_load_mem(nncrt_dataset *ds, const uint8_t *images, size_t images_size,
                       const uint8_t *labels, size_t labels_size, const char *const names[2],
                       const nncrt_data_opts *o)
{
    idx_src is = { .path = names[0], .fd = -1, .next = images, .avail = images_size,
                   .size = images_size };
    idx_src ls = { .path = names[1], .fd = -1, .next = labels, .avail = labels_size,
                   .size = labels_size };
    memset(ds, 0, sizeof *ds);
    ds->h = o->h, ds->w = o->w, ds->c = o->c;
    int rc = load_sources(ds, &is, &ls, o);
    src_close(&is);
    src_close(&ls);
    if (rc != 0)
        nncrt_dataset_free(ds);
    return rc;
}
