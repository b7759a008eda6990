/* dataset_idx.c — MNIST-style IDX files: "images-idx3" with its
 * "labels-idx1" beside it. Read through zlib's gzopen, which reads plain
 * files as they are, so .gz and uncompressed files take the same path. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "dataset.h"
#include "image.h"
#include "util.h"

typedef struct idx_header {
    int ndim;
    size_t dims[4];
} idx_header;

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

static int read_exact(gzFile g, const char *path, void *buf, size_t n)
{
    unsigned char *p = buf;
    while (n > 0) {
        unsigned chunk = n > (1u << 30) ? (1u << 30) : (unsigned)n;
        int got = gzread(g, p, chunk);
        if (got <= 0) {
            int zerr;
            const char *msg = gzerror(g, &zerr);
            if (got < 0 || zerr != Z_OK)
                return nncrt_error("%s: read failed: %s", path, zerr == Z_ERRNO ? strerror(errno) : msg);
            return nncrt_error("%s: file ends early (truncated?)", path);
        }
        p += got;
        n -= (size_t)got;
    }
    return 0;
}

static int read_header(gzFile g, const char *path, idx_header *h)
{
    unsigned char magic[4], d[4];
    if (read_exact(g, path, magic, 4) != 0)
        return -1;
    if (magic[0] != 0 || magic[1] != 0 || magic[3] < 1 || magic[3] > 4)
        return nncrt_error("%s: not an IDX file (bad magic number)", path);
    if (magic[2] != 0x08)
        return nncrt_error("%s: IDX data type 0x%02x is not supported (only unsigned bytes, 0x08)",
                           path, magic[2]);
    h->ndim = magic[3];
    for (int i = 0; i < h->ndim; i++) {
        if (read_exact(g, path, d, 4) != 0)
            return -1;
        h->dims[i] = (size_t)d[0] << 24 | (size_t)d[1] << 16 | (size_t)d[2] << 8 | d[3];
    }
    return 0;
}

static gzFile open_idx(const char *path, idx_header *h)
{
    errno = 0;
    gzFile g = gzopen(path, "rb");
    if (!g) {
        nncrt_error("%s: %s", path, errno ? strerror(errno) : "cannot open");
        return NULL;
    }
    gzbuffer(g, 1u << 17);
    if (read_header(g, path, h) != 0) {
        gzclose(g);
        return NULL;
    }
    return g;
}

/* Images are (n, h, w) or (n, h, w, c); labels are (n). */
static int check_shapes(const char *ipath, const idx_header *ih, const char *lpath, const idx_header *lh)
{
    if (ih->ndim < 3)
        return nncrt_error("%s: IDX images need 3 or 4 dimensions, this file has %d", ipath, ih->ndim);
    if (lh->ndim != 1)
        return nncrt_error("%s: IDX labels need 1 dimension, this file has %d", lpath, lh->ndim);
    if (ih->dims[0] != lh->dims[0])
        return nncrt_error("%s: %zu images but %s has %zu labels", ipath, ih->dims[0], lpath, lh->dims[0]);
    if (ih->dims[0] == 0)
        return nncrt_error("%s: the file holds no images", ipath);
    size_t c = ih->ndim == 4 ? ih->dims[3] : 1;
    if (ih->dims[1] < 1 || ih->dims[1] > NNCRT_PNG_MAX_DIM || ih->dims[2] < 1 ||
        ih->dims[2] > NNCRT_PNG_MAX_DIM || c < 1 || c > 4)
        return nncrt_error("%s: unsupported image shape %zux%zux%zu", ipath, ih->dims[1], ih->dims[2], c);
    return 0;
}

static int read_labels(gzFile g, const char *path, nncrt_dataset *ds)
{
    unsigned char *raw = nncrt_xmalloc(ds->n);
    int rc = read_exact(g, path, raw, ds->n);
    ds->labels = nncrt_xcalloc(ds->n, sizeof *ds->labels);
    for (size_t i = 0; rc == 0 && i < ds->n; i++) {
        if (raw[i] >= ds->num_classes)
            rc = nncrt_error("%s: label %d of sample %zu is out of range for %d classes",
                             path, raw[i], i, ds->num_classes);
        ds->labels[i] = raw[i];
    }
    free(raw);
    return rc;
}

/* Each image is read at its stored shape and fitted to the model's. */
static int read_images(gzFile g, const char *path, const idx_header *ih, nncrt_dataset *ds,
                       const nncrt_data_opts *o)
{
    nncrt_image_opts io = { ds->h, ds->w, ds->c, o->interpolation, o->aspect };
    nncrt_image src = { .h = (int)ih->dims[1], .w = (int)ih->dims[2],
                        .c = ih->ndim == 4 ? (int)ih->dims[3] : 1 };
    size_t ssz = (size_t)src.h * (size_t)src.w * (size_t)src.c;   /* <= 16384^2 * 4 */
    size_t dsz = (size_t)ds->h * (size_t)ds->w * (size_t)ds->c, total;
    if (!nncrt_size_mul(dsz, ds->n, &total))
        return nncrt_error("%s: %zu images do not fit in memory", path, ds->n);
    ds->pixels = nncrt_xmalloc(total);
    src.px = nncrt_xmalloc(ssz);
    int rc = 0;
    char err[160];
    for (size_t i = 0; rc == 0 && i < ds->n; i++) {
        rc = read_exact(g, path, src.px, ssz);
        if (rc == 0 && nncrt_image_fit_opts(&src, &io, ds->pixels + i * dsz, err, sizeof err) != 0)
            rc = nncrt_error("%s: %s", path, err);
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

int nncrt_idx_load(nncrt_dataset *ds, const char *path, const nncrt_data_opts *o)
{
    idx_header ih, lh;
    gzFile gi = NULL, gl = NULL;
    char *lpath = find_labels(path);
    int rc = -1;
    ds->h = o->h, ds->w = o->w, ds->c = o->c;
    if (o->cache && o->info) {   /* nothing to save: IDX pixels need no decoding */
        fputs("IDX data is not cached (--cache ", o->info);
        nncrt_fputs_escaped(o->cache, o->info);
        fputs(" is for image folders).\n", o->info);
    }
    if (lpath && (gi = open_idx(path, &ih)) && (gl = open_idx(lpath, &lh)) &&
        check_shapes(path, &ih, lpath, &lh) == 0) {
        ds->n = o->limit && o->limit < ih.dims[0] ? o->limit : ih.dims[0];
        if (o->info)
            fprintf(o->info, "Found %zu images belonging to %d classes.\n", ds->n,
                    o->class_names ? o->num_class_names : o->num_classes);
        rc = idx_classes(ds, path, o);
        if (rc == 0)
            rc = read_labels(gl, lpath, ds);
        if (rc == 0)
            rc = read_images(gi, path, &ih, ds, o);
    }
    if (gi)
        gzclose(gi);
    if (gl)
        gzclose(gl);
    free(lpath);
    if (rc != 0)
        nncrt_dataset_free(ds);
    return rc;
}
