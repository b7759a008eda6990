/* safetensors.c — reading (with full validation) and writing .safetensors. */
#include "safetensors.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "atomic_file.h"
#include "json.h"
#include "util.h"

static bool host_is_little_endian(void)
{
    uint16_t one = 1;
    unsigned char b;
    memcpy(&b, &one, 1);
    return b == 1;
}

static size_t dtype_size(const char *dtype)
{
    static const struct { const char *name; size_t size; } table[] = {
        { "F64", 8 }, { "F32", 4 }, { "F16", 2 }, { "BF16", 2 }, { "I64", 8 },
        { "I32", 4 }, { "I16", 2 }, { "I8", 1 }, { "U64", 8 }, { "U32", 4 },
        { "U16", 2 }, { "U8", 1 }, { "BOOL", 1 }, { "F8_E4M3", 1 }, { "F8_E5M2", 1 },
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (strcmp(table[i].name, dtype) == 0)
            return table[i].size;
    return 0;
}

static int read_whole_file(const char *path, uint8_t **out, size_t *size)
{
    FILE *fp = fopen(path, "rb");
    struct stat st;
    if (!fp)
        return nncrt_error("%s: %s", path, strerror(errno));
    if (fstat(fileno(fp), &st) != 0 || !S_ISREG(st.st_mode)) {
        fclose(fp);
        return nncrt_error("%s: not a regular file", path);
    }
    *size = (size_t)st.st_size;
    *out = nncrt_xmalloc(*size);
    size_t got = fread(*out, 1, *size, fp);
    int e = ferror(fp) ? errno : 0;
    fclose(fp);
    if (got != *size) {
        free(*out);
        *out = NULL;
        return nncrt_error("%s: read failed: %s", path, e ? strerror(e) : "file shrank while reading");
    }
    return 0;
}

static int bad(const char *path, const char *what, const char *name)
{
    if (name)
        return nncrt_error("%s: invalid safetensors header: tensor '%s': %s", path, name, what);
    return nncrt_error("%s: invalid safetensors header: %s", path, what);
}

static int parse_shape(const char *path, const char *name, const nncrt_json *v, nncrt_st_tensor *t)
{
    if (!v || v->type != NNCRT_JSON_ARRAY)
        return bad(path, "missing or non-array \"shape\"", name);
    if (v->n > NNCRT_ST_MAX_DIMS)
        return bad(path, "too many dimensions", name);
    t->ndim = (int)v->n;
    for (size_t i = 0; i < v->n; i++)
        if (!nncrt_json_size(&v->items[i], &t->shape[i]))
            return bad(path, "shape entries must be non-negative integers", name);
    return 0;
}

/* Byte size the shape and dtype call for, with overflow checks. */
static int tensor_bytes(const char *path, const nncrt_st_tensor *t, size_t *bytes)
{
    size_t n = dtype_size(t->dtype);
    if (n == 0)
        return bad(path, "unknown dtype", t->name);
    for (int i = 0; i < t->ndim; i++)
        if (!nncrt_size_mul(n, t->shape[i], &n))
            return bad(path, "shape too large", t->name);
    *bytes = n;
    return 0;
}

static int parse_tensor(const char *path, const char *name, const nncrt_json *v,
                        size_t data_len, nncrt_st_tensor *t)
{
    t->name = nncrt_xstrdup(name);
    const nncrt_json *dtype = nncrt_json_get(v, "dtype");
    const nncrt_json *offs = nncrt_json_get(v, "data_offsets");
    if (v->type != NNCRT_JSON_OBJECT)
        return bad(path, "entry is not an object", name);
    if (!dtype || dtype->type != NNCRT_JSON_STRING)
        return bad(path, "missing \"dtype\"", name);
    t->dtype = nncrt_xstrdup(dtype->text);
    if (parse_shape(path, name, nncrt_json_get(v, "shape"), t) != 0)
        return -1;
    if (!offs || offs->type != NNCRT_JSON_ARRAY || offs->n != 2 ||
        !nncrt_json_size(&offs->items[0], &t->begin) || !nncrt_json_size(&offs->items[1], &t->end))
        return bad(path, "\"data_offsets\" must be two non-negative integers", name);
    size_t bytes = 0;
    if (tensor_bytes(path, t, &bytes) != 0)
        return -1;
    if (t->begin > t->end || t->end > data_len)
        return bad(path, "data_offsets outside the data section", name);
    if (t->end - t->begin != bytes)
        return bad(path, "data_offsets do not match dtype and shape", name);
    return 0;
}

static int parse_metadata(const char *path, const nncrt_json *v, nncrt_st_file *f)
{
    if (v->type != NNCRT_JSON_OBJECT)
        return bad(path, "__metadata__ is not an object", NULL);
    f->meta_keys = nncrt_xcalloc(v->n, sizeof(char *));
    f->meta_vals = nncrt_xcalloc(v->n, sizeof(char *));
    for (size_t i = 0; i < v->n; i++) {
        if (v->items[i].type != NNCRT_JSON_STRING)
            return bad(path, "__metadata__ values must be strings", NULL);
        f->meta_keys[i] = nncrt_xstrdup(v->keys[i]);
        f->meta_vals[i] = nncrt_xstrdup(v->items[i].text);
        f->nmeta++;
    }
    return 0;
}

static int cmp_begin(const void *a, const void *b)
{
    const nncrt_st_tensor *x = *(const nncrt_st_tensor *const *)a;
    const nncrt_st_tensor *y = *(const nncrt_st_tensor *const *)b;
    return x->begin < y->begin ? -1 : x->begin > y->begin;
}

/* Tensors must tile the data section exactly: no gaps, no overlap, no tail. */
static int check_coverage(const char *path, const nncrt_st_file *f)
{
    const nncrt_st_tensor **order = nncrt_xmalloc_array(f->n + 1, sizeof *order);
    for (size_t i = 0; i < f->n; i++)
        order[i] = &f->tensors[i];
    qsort(order, f->n, sizeof *order, cmp_begin);
    size_t at = 0;
    int rc = 0;
    for (size_t i = 0; i < f->n && rc == 0; i++) {
        if (order[i]->begin != at)
            rc = bad(path, "tensor data overlaps or leaves a gap", order[i]->name);
        at = order[i]->end;
    }
    if (rc == 0 && at != f->data_len)
        rc = nncrt_error("%s: invalid safetensors file: header describes %zu data bytes, file has %zu",
                         path, at, f->data_len);
    free(order);
    return rc;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* JSON allows repeated keys; a header with two tensors of one name is broken. */
static int check_duplicates(const char *path, const nncrt_json *h)
{
    char **keys = nncrt_xmalloc_array(h->n + 1, sizeof *keys);
    memcpy(keys, h->keys, h->n * sizeof *keys);
    qsort(keys, h->n, sizeof *keys, cmp_str);
    int rc = 0;
    for (size_t i = 1; i < h->n && rc == 0; i++)
        if (strcmp(keys[i - 1], keys[i]) == 0)
            rc = bad(path, "duplicate entry", keys[i]);
    free(keys);
    return rc;
}

static int parse_entries(const char *path, const nncrt_json *h, nncrt_st_file *f)
{
    if (check_duplicates(path, h) != 0)
        return -1;
    /* One spare slot: nncrt_st_close frees tensors[0..n] after a failed parse. */
    f->tensors = nncrt_xcalloc(h->n + 1, sizeof *f->tensors);
    for (size_t i = 0; i < h->n; i++) {
        if (strcmp(h->keys[i], "__metadata__") == 0) {
            if (parse_metadata(path, &h->items[i], f) != 0)
                return -1;
            continue;
        }
        if (parse_tensor(path, h->keys[i], &h->items[i], f->data_len, &f->tensors[f->n++]) != 0)
            return -1;
    }
    return check_coverage(path, f);
}

static int parse_header(const char *path, nncrt_st_file *f)
{
    if (f->size < 8)
        return nncrt_error("%s: not a safetensors file (only %zu bytes)", path, f->size);
    uint64_t hlen = 0;
    for (int i = 7; i >= 0; i--)
        hlen = hlen << 8 | f->bytes[i];
    if (hlen > NNCRT_ST_MAX_HEADER || hlen > f->size - 8)
        return nncrt_error("%s: not a safetensors file (header length %llu, file size %zu)",
                           path, (unsigned long long)hlen, f->size);
    const char *text = (const char *)f->bytes + 8;
    if (hlen < 2 || text[0] != '{')
        return nncrt_error("%s: not a safetensors file (header does not start with '{')", path);
    f->data = f->bytes + 8 + hlen;
    f->data_len = f->size - 8 - (size_t)hlen;
    nncrt_json h;
    char err[160];
    if (nncrt_json_parse(text, (size_t)hlen, &h, err, sizeof err) != 0)
        return nncrt_error("%s: invalid safetensors header: %s", path, err);
    int rc = h.type == NNCRT_JSON_OBJECT ? parse_entries(path, &h, f)
                                         : bad(path, "not a JSON object", NULL);
    nncrt_json_free(&h);
    return rc;
}

int nncrt_st_read(nncrt_st_file *f, const char *path)
{
    memset(f, 0, sizeof *f);
    if (read_whole_file(path, &f->bytes, &f->size) != 0)
        return -1;
    if (parse_header(path, f) != 0) {
        nncrt_st_close(f);
        return -1;
    }
    return 0;
}

void nncrt_st_close(nncrt_st_file *f)
{
    /* parse_tensor may fail after allocating some names: free every slot. */
    for (size_t i = 0; f->tensors && i <= f->n; i++) {
        free(f->tensors[i].name);
        free(f->tensors[i].dtype);
    }
    free(f->tensors);
    nncrt_strv_free(f->meta_keys, f->nmeta);
    nncrt_strv_free(f->meta_vals, f->nmeta);
    free(f->bytes);
    memset(f, 0, sizeof *f);
}

const nncrt_st_tensor *nncrt_st_find(const nncrt_st_file *f, const char *name)
{
    for (size_t i = 0; i < f->n; i++)
        if (strcmp(f->tensors[i].name, name) == 0)
            return &f->tensors[i];
    return NULL;
}

const char *nncrt_st_meta(const nncrt_st_file *f, const char *key)
{
    for (size_t i = 0; i < f->nmeta; i++)
        if (strcmp(f->meta_keys[i], key) == 0)
            return f->meta_vals[i];
    return NULL;
}

void nncrt_st_get_f32(const nncrt_st_file *f, const nncrt_st_tensor *t, float *dst)
{
    const uint8_t *src = f->data + t->begin;
    size_t count = (t->end - t->begin) / 4;
    if (host_is_little_endian()) {
        memcpy(dst, src, count * 4);
        return;
    }
    for (size_t i = 0; i < count; i++) {
        uint32_t u = (uint32_t)src[4 * i] | (uint32_t)src[4 * i + 1] << 8 |
                     (uint32_t)src[4 * i + 2] << 16 | (uint32_t)src[4 * i + 3] << 24;
        memcpy(&dst[i], &u, 4);
    }
}

/* ---- writing ------------------------------------------------------------ */

static void header_tensor(nncrt_buf *b, const nncrt_st_out *t, size_t off)
{
    nncrt_json_str(b, t->name);
    nncrt_buf_printf(b, ":{\"dtype\":\"F32\",\"shape\":[");
    for (int d = 0; d < t->ndim; d++)
        nncrt_buf_printf(b, d ? ",%zu" : "%zu", t->shape[d]);
    nncrt_buf_printf(b, "],\"data_offsets\":[%zu,%zu]}", off, off + t->count * 4);
}

/* The JSON header, space padded so the data starts 8-byte aligned. */
static void build_header(nncrt_buf *b, const nncrt_st_out *t, size_t n,
                         const char *const *meta, size_t nmeta)
{
    nncrt_buf_add(b, "{", 1);
    if (nmeta) {
        nncrt_buf_add(b, "\"__metadata__\":{", 16);
        for (size_t i = 0; i < nmeta; i++) {
            if (i)
                nncrt_buf_add(b, ",", 1);
            nncrt_json_str(b, meta[2 * i]);
            nncrt_buf_add(b, ":", 1);
            nncrt_json_str(b, meta[2 * i + 1]);
        }
        nncrt_buf_add(b, "}", 1);
    }
    size_t off = 0;
    for (size_t i = 0; i < n; i++) {
        if (i || nmeta)
            nncrt_buf_add(b, ",", 1);
        header_tensor(b, &t[i], off);
        off += t[i].count * 4;
    }
    nncrt_buf_add(b, "}", 1);
    while (b->len % 8)
        nncrt_buf_add(b, " ", 1);
}

static int check_outputs(const char *path, const nncrt_st_out *t, size_t n)
{
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        size_t count = 1;
        if (t[i].ndim < 0 || t[i].ndim > NNCRT_ST_MAX_DIMS)
            return nncrt_error("%s: tensor '%s': bad rank %d", path, t[i].name, t[i].ndim);
        for (int d = 0; d < t[i].ndim; d++)
            if (!nncrt_size_mul(count, t[i].shape[d], &count))
                return nncrt_error("%s: tensor '%s': shape too large", path, t[i].name);
        if (count != t[i].count || count > (SIZE_MAX - total) / 4)
            return nncrt_error("%s: tensor '%s': shape does not match its %zu values",
                               path, t[i].name, t[i].count);
        total += count * 4;
    }
    return 0;
}

static void write_f32_le(FILE *fp, const float *v, size_t count)
{
    if (host_is_little_endian()) {
        fwrite(v, 4, count, fp);
        return;
    }
    for (size_t i = 0; i < count; i++) {
        uint32_t u;
        memcpy(&u, &v[i], 4);
        unsigned char b[4] = { (unsigned char)u, (unsigned char)(u >> 8),
                               (unsigned char)(u >> 16), (unsigned char)(u >> 24) };
        fwrite(b, 1, 4, fp);
    }
}

int nncrt_st_write(const char *path, const nncrt_st_out *t, size_t n,
                   const char *const *meta, size_t nmeta)
{
    if (check_outputs(path, t, n) != 0)
        return -1;
    nncrt_buf h = { 0 };
    build_header(&h, t, n, meta, nmeta);
    unsigned char len[8];
    for (int i = 0; i < 8; i++)
        len[i] = (unsigned char)((uint64_t)h.len >> (8 * i));
    nncrt_afile a;
    int rc = nncrt_afile_open(&a, path);
    if (rc == 0) {
        /* Write errors are sticky in the FILE; commit checks ferror. */
        fwrite(len, 1, 8, a.f);
        fwrite(h.data, 1, h.len, a.f);
        for (size_t i = 0; i < n; i++)
            write_f32_le(a.f, t[i].data, t[i].count);
        rc = nncrt_afile_commit(&a);
    }
    nncrt_buf_free(&h);
    return rc;
}
