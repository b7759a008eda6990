/* export_weights.c — the trained tensors for `nnc --predict`, read by the
 * runtime's own weights loader (runtime/weights.c), so the export refuses
 * exactly what the trainer refuses: another architecture (both hashes named),
 * a file that is not a regular file or has the wrong size, a missing or
 * misshapen tensor, a non-finite value, bad class names. */
#include "nnc.h"

#include <stdlib.h>
#include <string.h>

#include "nncrt.h"
#include "safetensors.h"
#include "weights.h"

/* The runtime's view of the model: its tensors where the plan placed them. */
static nncrt_tensor *tensor_table(const model *m, int *num)
{
    int n = 0;
    for (int i = 0; i < m->num_nodes; i++)
        n += m->nodes[i].num_t;
    nncrt_tensor *t = xcalloc((size_t)(n ? n : 1), sizeof *t);
    n = 0;
    for (int i = 0; i < m->num_nodes; i++)
        for (int k = 0; k < m->nodes[i].num_t; k++, n++) {
            const tensor *s = &m->nodes[i].t[k];
            t[n].name = xasprintf("%s.%s", m->nodes[i].id, s->role);
            t[n].ndim = s->ndim;
            memcpy(t[n].shape, s->shape, sizeof t[n].shape);
            t[n].offset = s->offset;
            t[n].count = s->count;
            t[n].kind = s->kind == TENSOR_STATE ? NNCRT_TENSOR_STATE : NNCRT_TENSOR_TRAINABLE;
        }
    *num = n;
    return t;
}

/* The architecture first: a file of another model is named as such, with
 * both hashes, before any size or tensor check could say less. */
static int check_hash(const model *m, const char *path)
{
    nncrt_st_file f;
    if (nncrt_st_open(&f, path) != 0)
        return -1;
    int rc = nncrt_st_read_header(&f);
    const char *hash = rc == 0 ? nncrt_st_meta(&f, "nnc_model_hash") : NULL;
    if (rc == 0 && hash && strcmp(hash, m->arch_sha256)) {
        const char *name = nncrt_st_meta(&f, "nnc_model");
        fputs("nnc: error: ", stderr);
        diag_put_escaped(stderr, path);
        fputs(": weights of another model (", stderr);
        diag_put_escaped(stderr, name ? name : "?");
        fputs(", architecture ", stderr);
        diag_put_escaped(stderr, hash);
        fprintf(stderr, "), not of %s (architecture %s)\n", m->name, m->arch_sha256);
        rc = -1;
    }
    nncrt_st_close(&f);
    return rc;
}

int export_load_weights(const model *m, const char *path, export_weights *w)
{
    memset(w, 0, sizeof *w);
    if (check_hash(m, path))
        return -1;
    int nt;
    nncrt_tensor *t = tensor_table(m, &nt);
    w->params = xcalloc(m->param_block ? m->param_block : 1, sizeof(float));
    w->state = xcalloc(m->state_block ? m->state_block : 1, sizeof(float));
    nncrt_model rm = {
        .abi = NNCRT_ABI, .name = m->name, .model_hash = m->arch_sha256,
        .in_h = m->input.h, .in_w = m->input.w, .in_c = m->input.c,
        .num_classes = m->num_classes, .batch_size = m->batch_size,
        .num_class_names = m->num_class_names, .class_names = (const char *const *)m->class_names,
        .tensors = t, .num_tensors = nt, .num_params = m->param_block, .params = w->params,
        .num_state = m->state_block, .state = w->state,
    };
    nncrt_weights_meta meta;
    int rc = nncrt_weights_load(&rm, path, false, &meta);
    for (int i = 0; i < nt; i++)
        free((char *)t[i].name);
    free(t);
    if (rc) {
        export_weights_free(w);
        return -1;
    }
    w->class_names = meta.class_names; /* the trained model's label map */
    w->num_class_names = meta.num_class_names;
    meta.class_names = NULL, meta.num_class_names = 0;
    nncrt_weights_meta_free(&meta);
    return 0;
}

void export_weights_free(export_weights *w)
{
    free(w->params);
    free(w->state);
    for (int i = 0; i < w->num_class_names; i++)
        free(w->class_names[i]);
    free(w->class_names);
    memset(w, 0, sizeof *w);
}
