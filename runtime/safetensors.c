/* safetensors.c — reading (with full validation) and writing .safetensors.
 * The header is parsed with jansson, with duplicate keys refused at every
 * level: JSON leaves duplicates undefined and readers disagree (Python's json
 * keeps the last, others the first), so a file that means two things to two
 * tools is refused. */
#include "safetensors.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

/* ---- reading ------------------------------------------------------------ */

static const char *file_kind(mode_t mode)
{
    return S_ISDIR(mode) ? "a directory" : S_ISFIFO(mode) ? "a FIFO"
         : S_ISCHR(mode) ? "a character device" : S_ISBLK(mode) ? "a block device"
         : S_ISSOCK(mode) ? "a socket" : "not a plain file";
}

/* n bytes at offset off, or an error naming the file. */
static int read_at(const nncrt_st_file *f, void *buf, size_t n, uint64_t off)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = pread(f->fd, (char *)buf + got, n - got, (off_t)(off + got));
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return nncrt_error("%s: read failed: %s", f->name, strerror(errno));
        if (r == 0)
            return nncrt_error("%s: read failed: the file shrank while it was read", f->name);
        got += (size_t)r;
    }
    return 0;
}

/* The header length, which must leave room in the file for itself. */
static int read_length(nncrt_st_file *f, const uint8_t b[8])
{
    uint64_t hlen = 0;
    for (int i = 7; i >= 0; i--)
        hlen = hlen << 8 | b[i];
    if (hlen > NNCRT_ST_MAX_HEADER || hlen > f->size - 8)
        return nncrt_error("%s: not a safetensors file (header length %llu, file size %llu)",
                           f->name, (unsigned long long)hlen, (unsigned long long)f->size);
    f->header_len = hlen;
    f->data_len = f->size - 8 - hlen;
    return 0;
}

static int too_small(const nncrt_st_file *f)
{
    return nncrt_error("%s: not a safetensors file (only %llu bytes)", f->name,
                       (unsigned long long)f->size);
}

int nncrt_st_open(nncrt_st_file *f, const char *path)
{
    memset(f, 0, sizeof *f);
    f->name = nncrt_xstrdup(path);
    /* O_NONBLOCK: opening a FIFO must not wait for a writer. */
    f->fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (f->fd < 0)
        return nncrt_error("%s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(f->fd, &st) != 0)
        return nncrt_error("%s: %s", path, strerror(errno));
    if (!S_ISREG(st.st_mode))
        return nncrt_error("%s: not a regular file (%s)", path, file_kind(st.st_mode));
    fcntl(f->fd, F_SETFL, fcntl(f->fd, F_GETFL) & ~O_NONBLOCK);
    f->size = (uint64_t)st.st_size;
    uint8_t len[8];
    if (f->size < 8)
        return too_small(f);
    if (read_at(f, len, 8, 0) != 0)
        return -1;
    return read_length(f, len);
}

int nncrt_st_open_mem(nncrt_st_file *f, const char *name, const void *bytes, size_t size)
{
    memset(f, 0, sizeof *f);
    f->fd = -1;
    f->name = nncrt_xstrdup(name);
    f->mem = bytes;
    f->size = size;
    if (size < 8)
        return too_small(f);
    return read_length(f, f->mem);
}

static int bad(const nncrt_st_file *f, const char *what, const char *name)
{
    if (name)
        return nncrt_error("%s: invalid safetensors header: tensor '%s': %s", f->name, name, what);
    return nncrt_error("%s: invalid safetensors header: %s", f->name, what);
}

/* A non-negative JSON integer that fits size_t. */
static bool json_size(const json_t *v, size_t *out)
{
    if (!json_is_integer(v) || json_integer_value(v) < 0 ||
        (uint64_t)json_integer_value(v) > SIZE_MAX)
        return false;
    *out = (size_t)json_integer_value(v);
    return true;
}

static int parse_shape(const nncrt_st_file *f, const char *name, const json_t *v, nncrt_st_tensor *t)
{
    if (!json_is_array(v))
        return bad(f, "missing or non-array \"shape\"", name);
    if (json_array_size(v) > NNCRT_ST_MAX_DIMS)
        return bad(f, "too many dimensions", name);
    t->ndim = (int)json_array_size(v);
    for (int i = 0; i < t->ndim; i++)
        if (!json_size(json_array_get(v, (size_t)i), &t->shape[i]))
            return bad(f, "shape entries must be non-negative integers", name);
    return 0;
}

/* Byte size the shape and dtype call for, with overflow checks. */
static int tensor_bytes(const nncrt_st_file *f, const nncrt_st_tensor *t, size_t *bytes)
{
    size_t n = dtype_size(t->dtype);
    if (n == 0)
        return bad(f, "unknown dtype", t->name);
    for (int i = 0; i < t->ndim; i++)
        if (!nncrt_size_mul(n, t->shape[i], &n))
            return bad(f, "shape too large", t->name);
    *bytes = n;
    return 0;
}

static int parse_tensor(const nncrt_st_file *f, const char *name, const json_t *v, nncrt_st_tensor *t)
{
    t->name = nncrt_xstrdup(name);
    if (!json_is_object(v))
        return bad(f, "entry is not an object", name);
    const json_t *dtype = json_object_get(v, "dtype");
    const json_t *offs = json_object_get(v, "data_offsets");
    if (!json_is_string(dtype))
        return bad(f, "missing \"dtype\"", name);
    t->dtype = nncrt_xstrdup(json_string_value(dtype));
    if (parse_shape(f, name, json_object_get(v, "shape"), t) != 0)
        return -1;
    if (!json_is_array(offs) || json_array_size(offs) != 2 ||
        !json_size(json_array_get(offs, 0), &t->begin) || !json_size(json_array_get(offs, 1), &t->end))
        return bad(f, "\"data_offsets\" must be two non-negative integers", name);
    size_t bytes = 0;
    if (tensor_bytes(f, t, &bytes) != 0)
        return -1;
    if (t->begin > t->end || t->end > f->data_len)
        return bad(f, "data_offsets outside the data section", name);
    if (t->end - t->begin != bytes)
        return bad(f, "data_offsets do not match dtype and shape", name);
    return 0;
}

static int parse_metadata(nncrt_st_file *f, const json_t *v)
{
    if (!json_is_object(v))
        return bad(f, "__metadata__ is not an object", NULL);
    size_t n = json_object_size(v);
    f->meta_keys = nncrt_xcalloc(n, sizeof(char *));
    f->meta_vals = nncrt_xcalloc(n, sizeof(char *));
    const char *key;
    const json_t *val;
    json_object_foreach((json_t *)v, key, val) {
        if (!json_is_string(val))
            return bad(f, "__metadata__ values must be strings", NULL);
        f->meta_keys[f->nmeta] = nncrt_xstrdup(key);
        f->meta_vals[f->nmeta++] = nncrt_xstrdup(json_string_value(val));
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
static int check_coverage(const nncrt_st_file *f)
{
    const nncrt_st_tensor **order = nncrt_xmalloc_array(f->n + 1, sizeof *order);
    for (size_t i = 0; i < f->n; i++)
        order[i] = &f->tensors[i];
    qsort(order, f->n, sizeof *order, cmp_begin);
    size_t at = 0;
    int rc = 0;
    for (size_t i = 0; i < f->n && rc == 0; i++) {
        if (order[i]->begin != at)
            rc = bad(f, "tensor data overlaps or leaves a gap", order[i]->name);
        at = order[i]->end;
    }
    if (rc == 0 && at != f->data_len)
        rc = nncrt_error("%s: invalid safetensors file: header describes %zu data bytes, file has %llu",
                         f->name, at, (unsigned long long)f->data_len);
    free(order);
    return rc;
}

static int parse_entries(nncrt_st_file *f, const json_t *h)
{
    /* One spare slot: nncrt_st_close frees tensors[0..n] after a failed parse. */
    f->tensors = nncrt_xcalloc(json_object_size(h) + 1, sizeof *f->tensors);
    const char *key;
    const json_t *v;
    json_object_foreach((json_t *)h, key, v) {
        int rc = strcmp(key, "__metadata__") == 0 ? parse_metadata(f, v)
                                                  : parse_tensor(f, key, v, &f->tensors[f->n++]);
        if (rc != 0)
            return -1;
    }
    return check_coverage(f);
}

static int parse_header(nncrt_st_file *f, const char *text, size_t len)
{
    if (len < 2 || text[0] != '{')
        return nncrt_error("%s: not a safetensors file (header does not start with '{')", f->name);
    json_error_t je;
    json_t *h = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    if (!h)
        return nncrt_error("%s: invalid safetensors header: %s (byte %d of the header)", f->name,
                           je.text, je.position);
    int rc = json_is_object(h) ? parse_entries(f, h) : bad(f, "not a JSON object", NULL);
    json_decref(h);
    return rc;
}

int nncrt_st_read_header(nncrt_st_file *f)
{
    size_t len = (size_t)f->header_len;
    if (f->mem)
        return parse_header(f, (const char *)f->mem + 8, len);
    char *text = nncrt_xmalloc(len + 1);
    int rc = read_at(f, text, len, 8);
    if (rc == 0)
        rc = parse_header(f, text, len);
    free(text);
    return rc;
}

int nncrt_st_read_data(nncrt_st_file *f)
{
    uint64_t off = 8 + f->header_len;
    if (f->mem) {
        f->data = f->mem + off;
        return 0;
    }
    f->owned = nncrt_xmalloc((size_t)f->data_len);
    if (read_at(f, f->owned, (size_t)f->data_len, off) != 0)
        return -1;
    f->data = f->owned;
    close(f->fd);
    f->fd = -1;
    return 0;
}

int nncrt_st_read(nncrt_st_file *f, const char *path)
{
    if (nncrt_st_open(f, path) != 0 || nncrt_st_read_header(f) != 0 || nncrt_st_read_data(f) != 0) {
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
    if (f->fd >= 0)
        close(f->fd);
    free(f->owned);
    free(f->name);
    memset(f, 0, sizeof *f);
    f->fd = -1;
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
