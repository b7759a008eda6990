/* scan.c — `trainer scan`: look at the data before training on it. Decodes
 * every image once, exactly as fit would, and reports what would otherwise
 * surface mid-run or never: the files that cannot be decoded (by path), how
 * the samples spread over the classes and the training/validation subsets,
 * and validation images that are exact copies of training images. */
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "util.h"

typedef struct scan_ctx {
    const nncrt_model *m;
    const nncrt_opts *o;
    nncrt_dataset train, val;
    const nncrt_dataset *vds;   /* &val, or &train for a validation split */
    size_t *tidx, ntrain, *vidx, nval;
} scan_ctx;

static nncrt_data_opts scan_data_opts(const scan_ctx *c, char *const *names, int nnames,
                                      const char *cache)
{
    nncrt_data_opts d = nncrt_model_data_opts(c->m, names, nnames, 0, stdout);
    d.bad_silent = true;   /* listed on stdout by list_bad */
    d.cache = cache;
    return d;
}

static size_t *iota(size_t n)
{
    size_t *v = nncrt_xmalloc_array(n + 1, sizeof *v);
    for (size_t i = 0; i < n; i++)
        v[i] = i;
    return v;
}

/* The validation subset: --val / data.validation, else the spec's split. */
static int load_validation(scan_ctx *c)
{
    const nncrt_model *m = c->m;
    const char *vpath = c->o->val ? c->o->val : m->data_validation;
    if (vpath) {
        nncrt_buf cache = { 0 };
        if (c->o->cache)
            nncrt_buf_printf(&cache, "%s.val", c->o->cache);
        nncrt_data_opts d = scan_data_opts(c, c->train.class_names, c->train.num_classes,
                                           cache.data);
        int rc = nncrt_load_dataset(m, &c->val, vpath, c->o->val ? NULL : "data.validation",
                                    "--val", &d);
        nncrt_buf_free(&cache);
        if (rc != 0)
            return -1;
        c->vds = &c->val;
        c->tidx = iota(c->train.n), c->ntrain = c->train.n;
        c->vidx = iota(c->val.n), c->nval = c->val.n;
        return 0;
    }
    double split = m->validation_split > 0 && m->validation_split < 1 ? m->validation_split : 0;
    uint64_t seed = c->o->has_seed ? c->o->seed : m->seed;
    nncrt_split(c->train.n, split, m->shuffle, seed, &c->tidx, &c->ntrain, &c->vidx, &c->nval);
    c->vds = &c->train;
    return 0;
}

static size_t list_bad(const nncrt_dataset *ds)
{
    for (size_t i = 0; i < ds->nbad; i++) {   /* "PATH: reason": the path is user text */
        fputs("  ", stdout);
        nncrt_fputs_escaped(ds->bad[i], stdout);
        putchar('\n');
    }
    return ds->nbad;
}

static void count_labels(const nncrt_dataset *ds, const size_t *idx, size_t n, size_t *counts)
{
    for (size_t i = 0; i < n; i++)
        counts[ds->labels[idx[i]]]++;
}

/* Per class: samples in the training and the validation subset, and a bar. */
static void print_histogram(const scan_ctx *c)
{
    int k = c->train.num_classes, width = 5;
    size_t *tr = nncrt_xcalloc((size_t)k, sizeof *tr), *va = nncrt_xcalloc((size_t)k, sizeof *va);
    size_t most = 1;
    count_labels(&c->train, c->tidx, c->ntrain, tr);
    count_labels(c->vds, c->vidx, c->nval, va);
    char **names = nncrt_xcalloc((size_t)k + 1, sizeof *names);   /* folder names: escaped */
    for (int i = 0; i < k; i++) {
        names[i] = nncrt_escape(c->train.class_names[i]);
        if ((int)strlen(names[i]) > width)
            width = (int)strlen(names[i]);
        most = tr[i] + va[i] > most ? tr[i] + va[i] : most;
    }
    printf("\nClass histogram:\n  %-*s  %10s %10s\n", width, "class", "training", "validation");
    for (int i = 0; i < k; i++) {
        int bar = (int)((tr[i] + va[i]) * 40 / most);
        printf("  %-*s  %10zu %10zu  %.*s%s\n", width, names[i], tr[i], va[i], bar,
               "########################################", tr[i] + va[i] ? "" : "(empty)");
    }
    nncrt_strv_free(names, (size_t)k);
    free(tr);
    free(va);
}

static size_t print_duplicates(const scan_ctx *c)
{
    nncrt_dup *d;
    size_t n = nncrt_find_duplicates(&c->train, c->tidx, c->ntrain, c->vds, c->vidx, c->nval, &d);
    if (n == 0)
        printf("\nNo validation image is an exact copy of a training image.\n");
    else
        printf("\n%zu of %zu validation images are exact copies of training images "
               "(validation == training):\n", n, c->nval);
    for (size_t i = 0; i < n; i++) {
        char x[48], y[48];
        fputs("  ", stdout);
        nncrt_fputs_escaped(nncrt_sample_name(c->vds, d[i].b, x, sizeof x), stdout);
        fputs(" == ", stdout);
        nncrt_fputs_escaped(nncrt_sample_name(&c->train, d[i].a, y, sizeof y), stdout);
        putchar('\n');
    }
    free(d);
    return n;
}

static int report(scan_ctx *c)
{
    size_t listed = c->train.n + c->train.nbad + (c->vds == &c->val ? c->val.n + c->val.nbad : 0);
    size_t bad = c->train.nbad + c->val.nbad;
    if (bad) {
        printf("\n%zu of %zu files could not be decoded (fit skips them; --strict stops):\n",
               bad, listed);
        list_bad(&c->train);
        list_bad(&c->val);
    } else {
        printf("\nAll %zu images decoded.\n", listed);
    }
    printf("Using %zu files for training.\n", c->ntrain);
    if (c->nval)
        printf("Using %zu files for validation.\n", c->nval);
    print_histogram(c);
    if (c->nval)
        print_duplicates(c);
    if (bad && c->o->strict)
        return nncrt_error("%zu files could not be decoded (--strict)", bad);
    return 0;
}

int nncrt_cmd_scan(const nncrt_model *m, const nncrt_opts *o)
{
    const char *path = o->data ? o->data : m->data_train;
    if (!path) {
        nncrt_error("scan: no data: pass --data PATH (the spec has no data.train)");
        return 2;
    }
    scan_ctx c = { .m = m, .o = o };
    nncrt_data_opts d = scan_data_opts(&c, m->num_class_names ? (char *const *)m->class_names
                                                               : NULL,
                                       m->num_class_names, o->cache);
    int rc = nncrt_load_dataset(m, &c.train, path, o->data ? NULL : "data.train", "--data", &d);
    if (rc == 0)
        rc = load_validation(&c);
    if (rc == 0)
        rc = report(&c);
    nncrt_dataset_free(&c.train);
    nncrt_dataset_free(&c.val);
    free(c.tidx);
    free(c.vidx);
    return rc == 0 ? 0 : 1;
}
