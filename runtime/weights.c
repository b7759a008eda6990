/* weights.c — nnc's use of the safetensors container. */
#include "weights.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fit_logs.h"
#include "history.h"
#include "json.h"
#include "safetensors.h"
#include "util.h"

#define SLOT_NAME "optimizer.slot%d"

char **nncrt_default_class_names(const nncrt_model *m)
{
    char **names = nncrt_xcalloc((size_t)m->num_classes, sizeof(char *));
    for (int k = 0; k < m->num_classes; k++) {
        if (m->num_class_names == m->num_classes) {
            names[k] = nncrt_xstrdup(m->class_names[k]);
        } else {
            char num[16];
            snprintf(num, sizeof num, "%d", k);
            names[k] = nncrt_xstrdup(num);
        }
    }
    return names;
}

char *nncrt_default_weights_path(const nncrt_model *m)
{
    nncrt_buf b = { 0 };
    nncrt_buf_printf(&b, "%s.safetensors", m->name);
    return b.data;
}

const char *nncrt_nonfinite_name(double v)
{
    return isnan(v) ? "NaN" : v < 0 ? "-inf" : "inf";
}

/* ---- saving ------------------------------------------------------------- */

static char *class_names_json(const nncrt_weights_meta *meta)
{
    nncrt_buf b = { 0 };
    nncrt_buf_add(&b, "[", 1);
    for (int k = 0; k < meta->num_class_names; k++) {
        if (k)
            nncrt_buf_add(&b, ",", 1);
        nncrt_json_str(&b, meta->class_names[k]);
    }
    nncrt_buf_add(&b, "]", 1);
    return b.data;
}

/* Tensor list: model tensors, then one flat tensor per optimizer slot. */
static nncrt_st_out *tensor_list(const nncrt_model *m, char (*slot_names)[32], size_t *n)
{
    *n = (size_t)m->num_tensors + (size_t)m->opt_slots;
    nncrt_st_out *t = nncrt_xcalloc(*n, sizeof *t);
    for (int i = 0; i < m->num_tensors; i++) {
        const nncrt_tensor *mt = &m->tensors[i];
        t[i].name = mt->name;
        t[i].ndim = mt->ndim;
        for (int d = 0; d < mt->ndim; d++)
            t[i].shape[d] = (size_t)mt->shape[d];
        t[i].data = nncrt_tensor_data(m, mt);
        t[i].count = mt->count;
    }
    for (int s = 0; s < m->opt_slots; s++) {
        nncrt_st_out *o = &t[m->num_tensors + s];
        snprintf(slot_names[s], 32, SLOT_NAME, s);
        o->name = slot_names[s];
        o->ndim = 1;
        o->shape[0] = m->num_params;
        o->data = m->opt_state + (size_t)s * m->num_params;
        o->count = m->num_params;
    }
    return t;
}

/* Index of the first value of v[0..n) that is not finite, or n. */
static size_t first_nonfinite(const float *v, size_t n)
{
    size_t i = 0;
    while (i < n && isfinite(v[i]))
        i++;
    return i;
}

static int check_finite_out(const char *path, const nncrt_st_out *t, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        size_t j = first_nonfinite(t[i].data, t[i].count);
        if (j < t[i].count)
            return nncrt_error("%s: not saved: tensor '%s' holds %s at index %zu", path, t[i].name,
                               nncrt_nonfinite_name(t[i].data[j]), j);
    }
    return 0;
}

int nncrt_weights_save(const nncrt_model *m, const char *path, const nncrt_weights_meta *meta)
{
    char epoch[24], step[24], seed[24], samples[24];
    snprintf(epoch, sizeof epoch, "%d", meta->epoch);
    snprintf(step, sizeof step, "%" PRId64, m->opt_step ? *m->opt_step : 0);
    snprintf(seed, sizeof seed, "%" PRIu64, meta->seed);
    snprintf(samples, sizeof samples, "%zu", meta->train_samples);
    char *names = class_names_json(meta);
    const char *kv[] = {
        "format", "nnc", "nnc_model", m->name, "nnc_model_hash", m->model_hash,
        "nnc_version", m->nnc_version ? m->nnc_version : "", "epoch", epoch,
        "class_names", names, "loss", m->loss ? m->loss : "",
        "optimizer", m->optimizer ? m->optimizer : "", "optimizer_step", step,
        "seed", seed, "train_samples", samples, NULL, NULL, NULL, NULL, NULL, NULL,
    };
    size_t nkv = sizeof kv / sizeof kv[0] / 2 - 3;
    if (m->optimizer_slots) { /* --resume compares them (check_opt) */
        kv[2 * nkv] = "optimizer_slots", kv[2 * nkv + 1] = m->optimizer_slots;
        nkv++;
    }
    if (meta->history) {
        kv[2 * nkv] = "history", kv[2 * nkv + 1] = meta->history;
        nkv++;
    }
    if (meta->fit_state) {
        kv[2 * nkv] = "fit_state", kv[2 * nkv + 1] = meta->fit_state;
        nkv++;
    }
    char (*slot_names)[32] = nncrt_xcalloc((size_t)m->opt_slots + 1, 32);
    size_t n;
    nncrt_st_out *t = tensor_list(m, slot_names, &n);
    int rc = check_finite_out(path, t, n);
    if (rc == 0)
        rc = nncrt_st_write(path, t, n, kv, nkv);
    free(t);
    free(slot_names);
    free(names);
    return rc;
}

/* ---- loading ------------------------------------------------------------ */

/* Bytes of the model's own tensors, and of one optimizer slot. */
static uint64_t model_bytes(const nncrt_model *m)
{
    uint64_t n = 0;
    for (int i = 0; i < m->num_tensors; i++)
        n += (uint64_t)m->tensors[i].count * 4;
    return n;
}

static uint64_t slot_bytes(const nncrt_model *m) { return (uint64_t)m->num_params * 4; }

/* Before the header is read: the data section holds the model's tensors and
   0..NNCRT_MAX_OPT_SLOTS optimizer slots, so any other size is refused
   without reading further (a file of a terabyte costs one fstat). */
static int check_size(const nncrt_model *m, const nncrt_st_file *f)
{
    uint64_t p = model_bytes(m), q = slot_bytes(m), d = f->data_len;
    if (d == p || (q && d > p && (d - p) % q == 0 && (d - p) / q <= NNCRT_MAX_OPT_SLOTS))
        return 0;
    char slots[64] = "";
    if (q)
        snprintf(slots, sizeof slots, ", plus %llu for each optimizer slot", (unsigned long long)q);
    return nncrt_error("%s: the file has %llu bytes, model %s needs %llu (8 + %llu header + %llu "
                       "tensor bytes%s)", f->name, (unsigned long long)f->size, m->name,
                       (unsigned long long)(8 + f->header_len + p),
                       (unsigned long long)f->header_len, (unsigned long long)p, slots);
}

static int check_identity(const nncrt_model *m, const char *path, const nncrt_st_file *f)
{
    const char *hash = nncrt_st_meta(f, "nnc_model_hash");
    const char *name = nncrt_st_meta(f, "nnc_model");
    if (!hash)
        return nncrt_error("%s: not an nnc weights file (no nnc_model_hash in __metadata__)", path);
    if (strcmp(hash, m->model_hash) != 0)
        return nncrt_error("%s: weights were made for model %s (hash %.16s), this trainer is %s (hash %.16s)",
                           path, name ? name : "?", hash, m->name, m->model_hash);
    return 0;
}

static void shape_str(char *out, size_t len, const size_t *shape, int ndim)
{
    size_t at = (size_t)snprintf(out, len, "[");
    for (int d = 0; d < ndim && at < len; d++)
        at += (size_t)snprintf(out + at, len - at, d ? ",%zu" : "%zu", shape[d]);
    if (at < len)
        snprintf(out + at, len - at, "]");
}

static int check_tensor(const char *path, const nncrt_st_tensor *t, const char *name,
                        const size_t *shape, int ndim)
{
    if (!t)
        return nncrt_error("%s: missing tensor '%s'", path, name);
    if (strcmp(t->dtype, "F32") != 0)
        return nncrt_error("%s: tensor '%s' has dtype %s, expected F32", path, name, t->dtype);
    bool same = t->ndim == ndim;
    for (int d = 0; same && d < ndim; d++)
        same = t->shape[d] == shape[d];
    if (!same) {
        char got[128], want[128];
        shape_str(got, sizeof got, t->shape, t->ndim);
        shape_str(want, sizeof want, shape, ndim);
        return nncrt_error("%s: tensor '%s' has shape %s, the model expects %s", path, name, got, want);
    }
    return 0;
}

static int check_model_tensors(const nncrt_model *m, const char *path, const nncrt_st_file *f)
{
    for (int i = 0; i < m->num_tensors; i++) {
        const nncrt_tensor *mt = &m->tensors[i];
        size_t shape[4];
        for (int d = 0; d < mt->ndim; d++)
            shape[d] = (size_t)mt->shape[d];
        if (check_tensor(path, nncrt_st_find(f, mt->name), mt->name, shape, mt->ndim) != 0)
            return -1;
    }
    return 0;
}

/* K for "optimizer.slotK" (K < NNCRT_MAX_OPT_SLOTS, no leading zero), else -1. */
static int slot_index(const char *name)
{
    const char *prefix = "optimizer.slot";
    size_t n = strlen(prefix);
    if (strncmp(name, prefix, n) != 0 || name[n] < '0' || name[n] > '9' || name[n + 1] ||
        name[n] - '0' >= NNCRT_MAX_OPT_SLOTS)
        return -1;
    return name[n] - '0';
}

static bool is_model_tensor(const nncrt_model *m, const char *name)
{
    for (int i = 0; i < m->num_tensors; i++)
        if (strcmp(m->tensors[i].name, name) == 0)
            return true;
    return false;
}

/* Every tensor of the model, and besides them only optimizer slots
   0..nslots-1 of num_params floats each. */
static int check_tensor_set(const nncrt_model *m, const char *path, const nncrt_st_file *f,
                            int *nslots)
{
    if (check_model_tensors(m, path, f) != 0)
        return -1;
    bool seen[NNCRT_MAX_OPT_SLOTS] = { false };
    size_t shape[1] = { m->num_params };
    int count = 0;
    for (size_t i = 0; i < f->n; i++) {
        const nncrt_st_tensor *t = &f->tensors[i];
        if (is_model_tensor(m, t->name))
            continue;
        int k = slot_index(t->name);
        if (k < 0)
            return nncrt_error("%s: unexpected tensor '%s' (model %s has no such tensor)", path,
                               t->name, m->name);
        if (check_tensor(path, t, t->name, shape, 1) != 0)
            return -1;
        seen[k] = true;
        count++;
    }
    for (int k = 0; k < count; k++)
        if (!seen[k])
            return nncrt_error("%s: optimizer slots must be numbered from 0 (%d slots, no slot %d)",
                               path, count, k);
    *nslots = count;
    return 0;
}

static bool parse_u64(const char *s, uint64_t *out)
{
    char *end;
    if (!s || !*s || *s == '-' || *s == '+' || *s == ' ')
        return false;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end)
        return false;
    *out = v;
    return true;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Class names are labels: each must be non-empty and distinct. */
static int check_class_names(const char *path, char **names, int n)
{
    for (int i = 0; i < n; i++)
        if (!names[i][0])
            return nncrt_error("%s: metadata class_names: class name %d is empty", path, i + 1);
    char **sorted = nncrt_xmalloc_array((size_t)n + 1, sizeof *sorted);
    memcpy(sorted, names, (size_t)n * sizeof *sorted);
    qsort(sorted, (size_t)n, sizeof *sorted, cmp_str);
    int rc = 0;
    for (int i = 1; i < n && rc == 0; i++)
        if (strcmp(sorted[i - 1], sorted[i]) == 0)
            rc = nncrt_error("%s: metadata class_names: class name '%s' appears twice", path, sorted[i]);
    free(sorted);
    return rc;
}

/* class_names is a JSON array of strings stored as one metadata string. */
static int read_class_names(const nncrt_model *m, const char *path, const char *text,
                            nncrt_weights_meta *meta)
{
    json_error_t je;
    json_t *v = json_loads(text, JSON_REJECT_DUPLICATES, &je);
    if (!v)
        return nncrt_error("%s: metadata class_names is not valid JSON: %s", path, je.text);
    int rc = 0;
    size_t n = json_array_size(v);
    if (!json_is_array(v) || n != (size_t)m->num_classes)
        rc = nncrt_error("%s: metadata class_names should list %d names", path, m->num_classes);
    for (size_t i = 0; rc == 0 && i < n; i++)
        if (!json_is_string(json_array_get(v, i)))
            rc = nncrt_error("%s: metadata class_names must hold strings", path);
    if (rc == 0) {
        meta->class_names = nncrt_xcalloc(n, sizeof(char *));
        for (size_t i = 0; i < n; i++)
            meta->class_names[i] = nncrt_xstrdup(json_string_value(json_array_get(v, i)));
        meta->num_class_names = (int)n;
        rc = check_class_names(path, meta->class_names, meta->num_class_names);
    }
    json_decref(v);
    return rc;
}

static int read_meta(const nncrt_model *m, const char *path, const nncrt_st_file *f,
                     nncrt_weights_meta *meta)
{
    uint64_t v = 0;
    const char *epoch = nncrt_st_meta(f, "epoch");
    if (epoch && (!parse_u64(epoch, &v) || v > 100000000))
        return nncrt_error("%s: metadata epoch '%s' is not a valid epoch count", path, epoch);
    meta->epoch = epoch ? (int)v : 0;
    const char *step = nncrt_st_meta(f, "optimizer_step");
    if (step && (!parse_u64(step, &v) || v > NNCRT_MAX_OPT_STEP))
        return nncrt_error("%s: metadata optimizer_step '%s' is not a step count from 0 to %lld",
                           path, step, (long long)NNCRT_MAX_OPT_STEP);
    meta->opt_step = step ? (int64_t)v : 0;
    meta->has_seed = parse_u64(nncrt_st_meta(f, "seed"), &meta->seed);
    if (parse_u64(nncrt_st_meta(f, "train_samples"), &v))
        meta->train_samples = (size_t)v;
    const char *hist = nncrt_st_meta(f, "history");
    char err[160];
    char *header = nncrt_history_header(m);
    size_t hl = hist ? strcspn(hist, "\n") : 0;
    if (hist && hist[hl] == '\n' && hl < 4096 && strncmp(hist, "epoch,", 6) == 0 &&
        strspn(hist, "abcdefghijklmnopqrstuvwxyz0123456789_,") == hl) {
        free(header);   /* a spec with other metrics: the record keeps its own columns */
        header = nncrt_xmalloc(hl + 2);
        memcpy(header, hist, hl + 1);
        header[hl + 1] = '\0';
    }
    int hrc = hist ? nncrt_history_parse_cols(hist, header, meta->epoch, &meta->history, err,
                                              sizeof err) : 0;
    free(header);
    if (hrc != 0)
        return nncrt_error("%s: metadata history %s", path, err);
    const char *fs = nncrt_st_meta(f, "fit_state");
    meta->fit_state = fs ? nncrt_xstrdup(fs) : NULL;
    const char *names = nncrt_st_meta(f, "class_names");
    if (names)
        return read_class_names(m, path, names, meta);
    meta->class_names = nncrt_default_class_names(m);
    meta->num_class_names = m->num_classes;
    return 0;
}

/* The optimizer state of the file fits this trainer: same optimizer, same
   number of slots. Without slots in the file there is nothing to fit. */
static int check_opt(const nncrt_model *m, const char *path, const nncrt_st_file *f, int nslots)
{
    const char *opt = nncrt_st_meta(f, "optimizer");
    if (opt && m->optimizer && strcmp(opt, m->optimizer) != 0)
        return nncrt_error("%s: optimizer state is for %s but this trainer uses %s; start from "
                           "these weights with --init instead of --resume", path, opt,
                           m->optimizer);
    /* The same optimizer with other slots (adam with and without amsgrad,
       rmsprop centered or not): the state of one means nothing to the other. */
    const char *slots = nncrt_st_meta(f, "optimizer_slots");
    if (nslots && slots && *slots && m->optimizer_slots && strcmp(slots, m->optimizer_slots) != 0)
        return nncrt_error("%s: optimizer state has the slots %s but this trainer's %s keeps %s; "
                           "start from these weights with --init instead of --resume", path,
                           slots, m->optimizer ? m->optimizer : "optimizer", m->optimizer_slots);
    if (nslots && nslots != m->opt_slots)
        return nncrt_error("%s: the file has %d optimizer slots, this trainer's %s needs %d; "
                           "start from these weights with --init instead of --resume", path,
                           nslots, m->optimizer ? m->optimizer : "optimizer", m->opt_slots);
    return 0;
}

/* Every value of every tensor (model and optimizer state) must be finite. */
static int check_finite(const nncrt_st_file *f)
{
    for (size_t i = 0; i < f->n; i++) {
        const nncrt_st_tensor *t = &f->tensors[i];
        const uint8_t *p = f->data + t->begin;
        for (size_t j = 0; j < (t->end - t->begin) / 4; j++) {
            uint32_t u = (uint32_t)p[4 * j] | (uint32_t)p[4 * j + 1] << 8 |
                         (uint32_t)p[4 * j + 2] << 16 | (uint32_t)p[4 * j + 3] << 24;
            float v;
            memcpy(&v, &u, 4);
            if (!isfinite(v))
                return nncrt_error("%s: tensor '%s' holds %s at index %zu; weights must be finite",
                                   f->name, t->name, nncrt_nonfinite_name(v), j);
        }
    }
    return 0;
}

static void copy_tensors(const nncrt_model *m, const nncrt_st_file *f, bool with_slots)
{
    char name[32];
    for (int i = 0; i < m->num_tensors; i++)
        nncrt_st_get_f32(f, nncrt_st_find(f, m->tensors[i].name), nncrt_tensor_data(m, &m->tensors[i]));
    for (int s = 0; with_slots && s < m->opt_slots; s++) {
        snprintf(name, sizeof name, SLOT_NAME, s);
        nncrt_st_get_f32(f, nncrt_st_find(f, name), m->opt_state + (size_t)s * m->num_params);
    }
}

/* The steps after nncrt_st_open*: size, header, identity, tensors, metadata,
   data, values; m is written only when all of them passed. */
static int load(const nncrt_model *m, nncrt_st_file *f, bool with_opt, nncrt_weights_meta *meta)
{
    int nslots = 0;
    if (check_size(m, f) != 0 || nncrt_st_read_header(f) != 0 ||
        check_identity(m, f->name, f) != 0 || check_tensor_set(m, f->name, f, &nslots) != 0 ||
        read_meta(m, f->name, f, meta) != 0 || (with_opt && check_opt(m, f->name, f, nslots) != 0) ||
        nncrt_st_read_data(f) != 0 || check_finite(f) != 0)
        return -1;
    /* A stateless optimizer has only the step to restore. */
    meta->has_opt = with_opt && (nslots > 0 || m->opt_slots == 0);
    copy_tensors(m, f, meta->has_opt);
    if (meta->has_opt && m->opt_step)
        *m->opt_step = meta->opt_step;
    return 0;
}

static int load_opened(const nncrt_model *m, nncrt_st_file *f, int rc, bool with_opt,
                       nncrt_weights_meta *meta)
{
    if (rc == 0)
        rc = load(m, f, with_opt, meta);
    if (rc != 0)
        nncrt_weights_meta_free(meta);
    nncrt_st_close(f);
    return rc;
}

int nncrt_weights_load(const nncrt_model *m, const char *path, bool with_opt,
                       nncrt_weights_meta *meta)
{
    nncrt_st_file f;
    memset(meta, 0, sizeof *meta);
    return load_opened(m, &f, nncrt_st_open(&f, path), with_opt, meta);
}

int nncrt_weights_load_mem(const nncrt_model *m, const char *name, const void *bytes,
                           size_t size, bool with_opt, nncrt_weights_meta *meta)
{
    nncrt_st_file f;
    memset(meta, 0, sizeof *meta);
    return load_opened(m, &f, nncrt_st_open_mem(&f, name, bytes, size), with_opt, meta);
}

void nncrt_weights_meta_free(nncrt_weights_meta *meta)
{
    nncrt_strv_free(meta->class_names, (size_t)meta->num_class_names);
    free(meta->history);
    free(meta->fit_state);
    meta->fit_state = NULL;
    meta->class_names = NULL;
    meta->history = NULL;
    meta->num_class_names = 0;
}
