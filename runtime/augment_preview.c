/* augment_preview.c — `trainer augment-preview`: a PNG grid that shows what
 * the spec's augment: list does to real training images. One row per class,
 * in label order: the class's first sample in --data as evaluation sees it,
 * then N augmentations of it, exactly those fit draws for that sample (its id
 * is its index in --data) in epochs 1..N with the same seed. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "png_write.h"
#include "util.h"

#define GAP 2 /* white pixels between cells */

typedef struct grid {
    int rows, cols, ch, cw, c; /* cells of ch x cw x c */
    int h, w;                  /* the whole image */
    uint8_t *px;
} grid;

static void grid_init(grid *g, const nncrt_model *m, int rows, int cols)
{
    g->rows = rows, g->cols = cols, g->ch = m->in_h, g->cw = m->in_w, g->c = m->in_c;
    g->h = rows * g->ch + (rows - 1) * GAP;
    g->w = cols * g->cw + (cols - 1) * GAP;
    size_t n = (size_t)g->h * (size_t)g->w * (size_t)g->c;
    g->px = nncrt_xmalloc(n);
    memset(g->px, 255, n);
}

/* Pixels are floats in [0, 255] after augmentation: rounded and clamped. */
static void grid_put(grid *g, int row, int col, const float *img)
{
    for (int y = 0; y < g->ch; y++)
        for (int x = 0; x < g->cw * g->c; x++) {
            float v = img[(size_t)y * (size_t)g->cw * (size_t)g->c + (size_t)x];
            size_t at = ((size_t)(row * (g->ch + GAP) + y) * (size_t)g->w +
                         (size_t)col * (size_t)(g->cw + GAP)) * (size_t)g->c + (size_t)x;
            g->px[at] = (uint8_t)(v <= 0 ? 0 : v >= 255 ? 255 : lrintf(v));
        }
}

/* Row of one sample: itself, then n augmentations (epochs 0..n-1). The
   generated augment works on up to batch_size images; one at a time here.
   t is room for one one-hot target. */
static void render_row(const nncrt_model *m, const nncrt_dataset *ds, size_t idx, int n,
                       uint64_t seed, float *x, float *t, grid *g, int row)
{
    uint64_t id = idx;
    for (int col = 0; col <= n; col++) {
        int label;
        nncrt_dataset_batch(ds, &idx, 1, x, t, &label);
        m->augment(x, 1, seed, col - 1, col ? &id : NULL, col != 0);
        grid_put(g, row, col, x);
    }
}

static int first_of_class(const nncrt_dataset *ds, int k, size_t *idx)
{
    for (size_t i = 0; i < ds->n; i++)
        if (ds->labels[i] == k) {
            *idx = i;
            return 1;
        }
    return 0;
}

static int preview(const nncrt_model *m, const nncrt_opts *o, const nncrt_dataset *ds)
{
    int n = o->n ? o->n : 8;
    uint64_t seed = o->has_seed ? o->seed : m->seed;
    grid g;
    grid_init(&g, m, ds->num_classes, n + 1);
    size_t dsz = (size_t)nncrt_data_h(m) * (size_t)nncrt_data_w(m) * (size_t)m->in_c;
    size_t isz = (size_t)m->in_h * (size_t)m->in_w * (size_t)m->in_c;
    float *x = nncrt_xmalloc_array(dsz > isz ? dsz : isz, sizeof(float));
    float *t = nncrt_xmalloc_array((size_t)ds->num_classes, sizeof(float));
    printf("Rows (original, then %d augmentations from epochs 1..%d, seed %llu):\n", n, n,
           (unsigned long long)seed);
    for (int k = 0; k < ds->num_classes; k++) {
        size_t idx;
        printf("  row %d: ", k + 1);
        nncrt_fputs_escaped(ds->class_names[k], stdout);   /* folder and file names: escaped */
        if (!first_of_class(ds, k, &idx)) {
            puts(" (no sample: left blank)");
            continue;
        }
        render_row(m, ds, idx, n, seed, x, t, &g, k);
        printf(" (sample %zu%s", idx, ds->paths ? ": " : "");
        nncrt_fputs_escaped(ds->paths ? ds->paths[idx] : "", stdout);
        puts(")");
    }
    int rc = nncrt_png_write(o->out, g.px, g.h, g.w, g.c);
    if (rc == 0) {
        fputs("Wrote ", stdout);
        nncrt_fputs_escaped(o->out, stdout);
        printf(": %d x %d pixels, cells of %d x %d.\n", g.w, g.h, g.cw, g.ch);
    }
    free(x);
    free(t);
    free(g.px);
    return rc;
}

int nncrt_cmd_augment_preview(const nncrt_model *m, const nncrt_opts *o)
{
    if (!m->augment) {
        nncrt_error("augment-preview: the spec %s has no augment: list",
                    m->spec_file ? m->spec_file : "");
        return 1;
    }
    const char *path = o->data ? o->data : m->data_train;
    if (!o->out || !path) {
        nncrt_error("augment-preview: %s", !o->out ? "--out FILE.png is required"
                    : "no data: pass --data PATH (the spec has no data.train)");
        return 2;
    }
    /* without class_names, the classes are the folders, as in fit */
    char *const *names = m->num_class_names ? (char *const *)m->class_names : NULL;
    nncrt_data_opts d = nncrt_model_data_opts(m, names, m->num_class_names, o->limit, stdout);
    nncrt_dataset ds;
    if (nncrt_load_dataset(m, &ds, path, o->data ? NULL : "data.train", "--data", &d) != 0)
        return 1;
    int rc = preview(m, o, &ds);
    nncrt_dataset_free(&ds);
    return rc == 0 ? 0 : 1;
}
