/* batch.c — batch buffers and the evaluation loop shared by fit and evaluate. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "image.h"
#include "util.h"

int nncrt_data_h(const nncrt_model *m) { return m->data_h ? m->data_h : m->in_h; }
int nncrt_data_w(const nncrt_model *m) { return m->data_w ? m->data_w : m->in_w; }

void nncrt_batch_alloc(nncrt_batch *b, const nncrt_model *m)
{
    size_t bs = (size_t)m->batch_size;
    size_t isz = (size_t)m->in_h * (size_t)m->in_w * (size_t)m->in_c;
    size_t dsz = (size_t)nncrt_data_h(m) * (size_t)nncrt_data_w(m) * (size_t)m->in_c;
    isz = dsz > isz ? dsz : isz;   /* x holds loaded images before augment crops them */
    size_t k = (size_t)m->num_classes;
    size_t xs;
    if (!nncrt_size_mul(bs, isz, &xs))
        xs = SIZE_MAX;   /* let the checked allocation report it */
    b->x = nncrt_xmalloc_array(xs, sizeof(float));
    b->y = nncrt_xmalloc_array(bs * k, sizeof(float));
    b->probs = nncrt_xmalloc_array(bs * k, sizeof(float));
    b->labels = nncrt_xmalloc_array(bs, sizeof(int));
    b->ids = nncrt_xmalloc_array(bs, sizeof(uint64_t));
    b->class_weight = NULL;   /* nncrt_batch_class_weights */
}

void nncrt_batch_augment(const nncrt_model *m, nncrt_batch *b, const size_t *idx, int n,
                         uint64_t seed, int epoch)
{
    if (!m->augment)
        return;
    for (int i = 0; i < n; i++)
        b->ids[i] = idx[i];
    m->augment(b->x, n, seed, epoch, b->ids, 1);
}

int nncrt_batch_class_weights(nncrt_batch *b, const nncrt_model *m, const nncrt_dataset *ds,
                              const size_t *idx, size_t n, FILE *info)
{
    size_t k = (size_t)m->num_classes;
    if (!m->class_weight && !m->class_weight_balanced)
        return 0;
    b->class_weight = nncrt_xmalloc_array(k, sizeof(float));
    if (m->class_weight) {
        memcpy(b->class_weight, m->class_weight, k * sizeof(float));
        return 0;
    }
    size_t *count = nncrt_xcalloc(k, sizeof *count), present = 0;
    for (size_t i = 0; i < n; i++)
        count[ds->labels[idx[i]]]++;
    for (size_t c = 0; c < k; c++)
        present += count[c] > 0;
    if (info)
        fputs("Class weights (balanced):", info);
    for (size_t c = 0; c < k; c++) {
        /* a class without training samples never weighs a target: 1 */
        b->class_weight[c] = count[c] ? (float)((double)n / ((double)present * (double)count[c]))
                                      : 1.0f;
        if (info) {
            fputs(c ? ", " : " ", info);
            nncrt_fputs_escaped(ds->class_names[c], info);
            fprintf(info, " %.4g", (double)b->class_weight[c]);
        }
    }
    if (info)
        fputc('\n', info);
    free(count);
    return 0;
}

void nncrt_batch_weight_targets(const nncrt_model *m, nncrt_batch *b, int n)
{
    size_t k = (size_t)m->num_classes;
    if (!b->class_weight)
        return;
    for (int i = 0; i < n; i++)
        for (size_t c = 0; c < k; c++)
            b->y[(size_t)i * k + c] *= b->class_weight[b->labels[i]];
}

void nncrt_batch_infer(const nncrt_model *m, float *x, int n)
{
    if (m->augment)
        m->augment(x, n, 0, 0, NULL, 0);
}

void nncrt_batch_free(nncrt_batch *b)
{
    free(b->x);
    free(b->y);
    free(b->probs);
    free(b->labels);
    free(b->ids);
    free(b->class_weight);
    b->x = b->y = b->probs = b->class_weight = NULL;
    b->labels = NULL;
    b->ids = NULL;
}

int nncrt_load_dataset(const nncrt_model *m, nncrt_dataset *ds, const char *path,
                       const char *spec_key, const char *option, const nncrt_data_opts *d)
{
    if (nncrt_dataset_load(ds, path, d) == 0)
        return 0;
    /* A relative path in the spec is read from the current directory, which
       is easy to forget: say where the path came from. */
    if (spec_key && !nncrt_quiet) {
        fputs("note: ", stderr);
        nncrt_fputs_escaped(path, stderr);
        fprintf(stderr, " is %s in ", spec_key);
        nncrt_fputs_escaped(m->spec_file ? m->spec_file : "the spec", stderr);
        fprintf(stderr, "; pass %s to use other data\n", option);
    }
    return -1;
}

nncrt_data_opts nncrt_model_data_opts(const nncrt_model *m, char *const *names, int nnames,
                                      size_t limit, FILE *info)
{
    nncrt_data_opts o = {
        .h = nncrt_data_h(m), .w = nncrt_data_w(m), .c = m->in_c, .limit = limit,
        .class_names = (const char *const *)names, .num_class_names = nnames,
        .num_classes = m->num_classes, .info = info,
        .interpolation = m->interpolation, .follow_links = m->follow_links != 0,
        .aspect = m->crop_to_aspect_ratio ? NNCRT_ASPECT_CROP
                  : m->pad_to_aspect_ratio ? NNCRT_ASPECT_PAD : NNCRT_ASPECT_STRETCH,
    };
    return o;
}
