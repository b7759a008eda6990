/* predict.c — classify PNG and JPEG images with saved weights. Images go
 * through the same decode, colour conversion and resize as training data, so
 * predict sees what fit saw. An image is a file, a FIFO or standard input
 * ("-"), read whole into memory first (bounded: image.h), then decoded. */
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "image.h"
#include "json.h"
#include "util.h"
#include "weights.h"

typedef struct pred_ctx {
    const nncrt_model *m;
    const nncrt_opts *o;
    char **names;
    nncrt_batch b;
    uint8_t *pixels;            /* one decoded image */
    const char **files;         /* [batch_size]: the files in the current batch */
    int *order;                 /* [num_classes] scratch for the ranking */
} pred_ctx;

/* Indices of the top classes, highest probability first, ties by index. */
static void rank(const float *p, int k, int top, int *order)
{
    for (int i = 0; i < k; i++)
        order[i] = i;
    for (int i = 0; i < top; i++) {
        int best = i;
        for (int j = i + 1; j < k; j++)
            if (p[order[j]] > p[order[best]])
                best = j;
        int t = order[i];
        order[i] = order[best];
        order[best] = t;
    }
}

static void print_json(const pred_ctx *c, const char *file, const float *p)
{
    fputs("{\"file\":", stdout);
    nncrt_json_fstr(stdout, file);
    fputs(",\"class\":", stdout);
    nncrt_json_fstr(stdout, c->names[c->order[0]]);
    fputs(",\"probability\":", stdout);
    nncrt_json_fnum(stdout, p[c->order[0]]);
    fputs(",\"top\":[", stdout);
    for (int i = 0; i < c->o->top; i++) {
        fputs(i ? ",{\"class\":" : "{\"class\":", stdout);
        nncrt_json_fstr(stdout, c->names[c->order[i]]);
        fputs(",\"probability\":", stdout);
        nncrt_json_fnum(stdout, p[c->order[i]]);
        putchar('}');
    }
    puts("]}");
}

static void print_result(pred_ctx *c, const char *file, const float *p)
{
    rank(p, c->m->num_classes, c->o->top, c->order);
    if (c->o->json) {
        print_json(c, file, p);
        return;
    }
    /* file and class names are user text: escaped, so neither can forge a line */
    nncrt_fputs_escaped(file, stdout);
    for (int i = 0; i < c->o->top; i++) {
        fputs(i ? ", " : ": ", stdout);
        nncrt_fputs_escaped(c->names[c->order[i]], stdout);
        printf(" (%.4f)", p[c->order[i]]);
    }
    putchar('\n');
}

/* Decodes files[0..n) into the batch; failures are reported and left out. */
static int fill_batch(pred_ctx *c, char **files, int n, int *failed)
{
    const nncrt_model *m = c->m;
    int h = nncrt_data_h(m), w = nncrt_data_w(m);   /* random_crop: data.image_size */
    size_t isz = (size_t)h * (size_t)w * (size_t)m->in_c;
    nncrt_data_opts d = nncrt_model_data_opts(m, NULL, 0, 0, NULL);   /* as fit decodes */
    nncrt_image_opts io = { d.h, d.w, d.c, d.interpolation, d.aspect };
    int used = 0;
    for (int i = 0; i < n; i++) {
        char err[200];
        uint8_t *data;
        size_t size;
        int rc = nncrt_read_image_input(files[i], &data, &size, err, sizeof err);
        if (rc == 0)
            rc = nncrt_image_load_mem(data, size, files[i], &io, c->pixels, err, sizeof err);
        free(data);
        if (rc != 0) {
            nncrt_error("%s: %s", files[i], err);
            (*failed)++;
            continue;
        }
        float *x = c->b.x + (size_t)used * isz;
        for (size_t j = 0; j < isz; j++)
            x[j] = (float)c->pixels[j];
        c->files[used++] = files[i];
    }
    nncrt_batch_infer(m, c->b.x, used);
    return used;
}

static int predict_all(pred_ctx *c)
{
    const nncrt_model *m = c->m;
    int failed = 0, bs = m->batch_size;
    for (int at = 0; at < c->o->nfiles; at += bs) {
        int n = c->o->nfiles - at < bs ? c->o->nfiles - at : bs;
        int used = fill_batch(c, c->o->files + at, n, &failed);
        if (used == 0)
            continue;
        m->predict(c->b.x, used, c->b.probs);
        for (int i = 0; i < used; i++)
            print_result(c, c->files[i], c->b.probs + (size_t)i * (size_t)m->num_classes);
        fflush(stdout);
    }
    return failed ? 1 : 0;
}

int nncrt_cmd_predict(const nncrt_model *m, const nncrt_opts *o)
{
    if (o->nfiles == 0) {
        nncrt_error("predict: no images given (usage: predict [options] IMAGE...)");
        return 2;
    }
    char *weights = o->weights ? nncrt_xstrdup(o->weights) : nncrt_default_weights_path(m);
    nncrt_weights_meta meta;
    int rc = 1;
    if (nncrt_weights_load(m, weights, false, &meta) == 0) {
        pred_ctx c = { .m = m, .o = o, .names = meta.class_names };
        nncrt_batch_alloc(&c.b, m);
        c.pixels = nncrt_xmalloc_array((size_t)nncrt_data_h(m) * (size_t)nncrt_data_w(m),
                                       (size_t)m->in_c);
        c.files = nncrt_xcalloc((size_t)m->batch_size, sizeof *c.files);
        c.order = nncrt_xcalloc((size_t)m->num_classes, sizeof *c.order);
        rc = predict_all(&c);
        free(c.order);
        free(c.files);
        free(c.pixels);
        nncrt_batch_free(&c.b);
        nncrt_weights_meta_free(&meta);
    }
    free(weights);
    return rc;
}
