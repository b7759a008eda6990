/* weights.c — nnc's use of the safetensors container. */
#include "weights.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
        "seed", seed, "train_samples", samples,
    };
    char (*slot_names)[32] = nncrt_xcalloc((size_t)m->opt_slots + 1, 32);
    size_t n;
    nncrt_st_out *t = tensor_list(m, slot_names, &n);
    int rc = nncrt_st_write(path, t, n, kv, sizeof kv / sizeof kv[0] / 2);
    free(t);
    free(slot_names);
    free(names);
    return rc;
}

/* ---- loading ------------------------------------------------------------ */

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

/* class_names is a JSON array of strings stored as one metadata string. */
static int read_class_names(const nncrt_model *m, const char *path, const char *text,
                            nncrt_weights_meta *meta)
{
    nncrt_json v;
    char err[160];
    if (nncrt_json_parse(text, strlen(text), &v, err, sizeof err) != 0)
        return nncrt_error("%s: metadata class_names is not valid JSON: %s", path, err);
    int rc = 0;
    if (v.type != NNCRT_JSON_ARRAY || v.n != (size_t)m->num_classes)
        rc = nncrt_error("%s: metadata class_names should list %d names", path, m->num_classes);
    for (size_t i = 0; rc == 0 && i < v.n; i++)
        if (v.items[i].type != NNCRT_JSON_STRING)
            rc = nncrt_error("%s: metadata class_names must hold strings", path);
    if (rc == 0) {
        meta->class_names = nncrt_xcalloc(v.n, sizeof(char *));
        for (size_t i = 0; i < v.n; i++)
            meta->class_names[i] = nncrt_xstrdup(v.items[i].text);
        meta->num_class_names = (int)v.n;
    }
    nncrt_json_free(&v);
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
    if (step && (!parse_u64(step, &v) || v > INT64_MAX))
        return nncrt_error("%s: metadata optimizer_step '%s' is not valid", path, step);
    meta->opt_step = step ? (int64_t)v : 0;
    meta->has_seed = parse_u64(nncrt_st_meta(f, "seed"), &meta->seed);
    if (parse_u64(nncrt_st_meta(f, "train_samples"), &v))
        meta->train_samples = (size_t)v;
    const char *names = nncrt_st_meta(f, "class_names");
    if (names)
        return read_class_names(m, path, names, meta);
    meta->class_names = nncrt_default_class_names(m);
    meta->num_class_names = m->num_classes;
    return 0;
}

/* Optimizer slots load all-or-nothing: a partial state would be worse than none. */
static int load_opt(const nncrt_model *m, const char *path, const nncrt_st_file *f,
                    nncrt_weights_meta *meta)
{
    char name[32];
    size_t shape[1] = { m->num_params };
    const char *opt = nncrt_st_meta(f, "optimizer");
    if (opt && m->optimizer && strcmp(opt, m->optimizer) != 0)
        return nncrt_error("%s: optimizer state is for %s but this trainer uses %s; start from "
                           "these weights with --init instead of --resume", path, opt,
                           m->optimizer);
    for (int s = 0; s < m->opt_slots; s++) {
        snprintf(name, sizeof name, SLOT_NAME, s);
        const nncrt_st_tensor *t = nncrt_st_find(f, name);
        if (!t)
            return 0;
        if (check_tensor(path, t, name, shape, 1) != 0)
            return -1;
    }
    for (int s = 0; s < m->opt_slots; s++) {
        snprintf(name, sizeof name, SLOT_NAME, s);
        nncrt_st_get_f32(f, nncrt_st_find(f, name), m->opt_state + (size_t)s * m->num_params);
    }
    if (m->opt_step)
        *m->opt_step = meta->opt_step;
    meta->has_opt = true;
    return 0;
}

int nncrt_weights_load(const nncrt_model *m, const char *path, bool with_opt,
                       nncrt_weights_meta *meta)
{
    nncrt_st_file f;
    memset(meta, 0, sizeof *meta);
    if (nncrt_st_read(&f, path) != 0)
        return -1;
    int rc = check_identity(m, path, &f);
    if (rc == 0)
        rc = check_model_tensors(m, path, &f);
    if (rc == 0)
        rc = read_meta(m, path, &f, meta);
    if (rc == 0 && with_opt && m->opt_slots > 0)
        rc = load_opt(m, path, &f, meta);
    for (int i = 0; rc == 0 && i < m->num_tensors; i++)
        nncrt_st_get_f32(&f, nncrt_st_find(&f, m->tensors[i].name),
                         nncrt_tensor_data(m, &m->tensors[i]));
    if (rc == 0 && with_opt && m->opt_slots == 0) {
        meta->has_opt = true;   /* a stateless optimizer: only the step to restore */
        if (m->opt_step)
            *m->opt_step = meta->opt_step;
    }
    if (rc != 0)
        nncrt_weights_meta_free(meta);
    nncrt_st_close(&f);
    return rc;
}

void nncrt_weights_meta_free(nncrt_weights_meta *meta)
{
    nncrt_strv_free(meta->class_names, (size_t)meta->num_class_names);
    meta->class_names = NULL;
    meta->num_class_names = 0;
}
