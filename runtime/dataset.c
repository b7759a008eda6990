/* dataset.c — choosing the loader, class bookkeeping, batches and the
 * validation split. */
#include "dataset.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rng.h"
#include "util.h"

int nncrt_dataset_load(nncrt_dataset *ds, const char *path, const nncrt_data_opts *o)
{
    struct stat st;
    memset(ds, 0, sizeof *ds);
    if (stat(path, &st) != 0)
        return nncrt_error("%s: %s", path, strerror(errno));
    if (S_ISDIR(st.st_mode))
        return nncrt_folder_load(ds, path, o);
    if (S_ISREG(st.st_mode))
        return nncrt_idx_load(ds, path, o);
    return nncrt_error("%s: neither a folder of class folders nor an IDX file", path);
}

void nncrt_dataset_free(nncrt_dataset *ds)
{
    free(ds->pixels);
    free(ds->labels);
    nncrt_strv_free(ds->paths, ds->n);
    nncrt_strv_free(ds->class_names, (size_t)ds->num_classes);
    nncrt_strv_free(ds->bad, ds->nbad);
    memset(ds, 0, sizeof *ds);
}

int nncrt_dataset_alloc_pixels(nncrt_dataset *ds, const char *path)
{
    size_t isz = (size_t)ds->h * (size_t)ds->w * (size_t)ds->c, total;
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    double phys = pages > 0 && page > 0 ? (double)pages * (double)page : 0;
    bool fits = nncrt_size_mul(isz, ds->n, &total) && (phys == 0 || (double)total <= phys);
    ds->pixels = fits ? malloc(total ? total : 1) : NULL;
    if (ds->pixels)
        return 0;
    double gib = (double)isz * (double)ds->n / (1 << 30);
    if (fits)
        return nncrt_error("%s: cannot allocate %.1f GiB for %zu images of %dx%dx%d", path, gib,
                           ds->n, ds->h, ds->w, ds->c);
    return nncrt_error("%s: %zu images of %dx%dx%d need %.1f GiB, more than this machine's "
                       "%.1f GiB of memory", path, ds->n, ds->h, ds->w, ds->c, gib,
                       phys / (1 << 30));
}

static void print_class_map(FILE *out, char *const *names, int k)
{
    fputs("Class indices:", out);
    for (int i = 0; i < k; i++) {   /* folder names: escaped */
        fputs(i ? ", " : " ", out);
        nncrt_fputs_escaped(names[i], out);
        fprintf(out, "=%d", i);
    }
    fputc('\n', out);
}

int nncrt_dataset_set_classes(nncrt_dataset *ds, const char *path, char **names, int k,
                              const nncrt_data_opts *o)
{
    ds->class_names = names;
    ds->num_classes = k;
    if (k != o->num_classes) {
        nncrt_buf list = { 0 };
        for (int i = 0; i < k && i < 12; i++)
            nncrt_buf_printf(&list, "%s%s", i ? ", " : "", names[i]);
        if (k > 12)
            nncrt_buf_printf(&list, ", ...");
        nncrt_error("%s: found %d classes (%s) but the model has %d classes",
                    path, k, list.data ? list.data : "", o->num_classes);
        nncrt_buf_free(&list);
        return -1;
    }
    if (o->info)
        print_class_map(o->info, names, k);
    return 0;
}

void nncrt_dataset_batch(const nncrt_dataset *ds, const size_t *idx, int n,
                         float *x, float *y, int *labels)
{
    size_t isz = (size_t)ds->h * (size_t)ds->w * (size_t)ds->c;
    size_t k = (size_t)ds->num_classes;
    for (int i = 0; i < n; i++) {
        const uint8_t *px = ds->pixels + idx[i] * isz;
        float *xi = x + (size_t)i * isz;
        for (size_t j = 0; j < isz; j++)
            xi[j] = (float)px[j];
        float *yi = y + (size_t)i * k;
        memset(yi, 0, k * sizeof *yi);
        yi[ds->labels[idx[i]]] = 1.0f;
        labels[i] = ds->labels[idx[i]];
    }
}

void nncrt_split(size_t n, double split, bool shuffle, uint64_t seed,
                 size_t **train, size_t *ntrain, size_t **val, size_t *nval)
{
    size_t *all = nncrt_xmalloc_array(n + 1, sizeof *all);
    for (size_t i = 0; i < n; i++)
        all[i] = i;
    nncrt_rng r;
    nncrt_rng_seed(&r, seed, NNCRT_STREAM_SPLIT);
    if (shuffle) /* Keras: shuffle=False keeps file order, validation is the tail */
        nncrt_shuffle(all, n, &r);
    *nval = (size_t)(split * (double)n);   /* int(split * N), as Keras */
    if (*nval > n)
        *nval = n;
    *ntrain = n - *nval;
    *val = nncrt_xmalloc_array(*nval + 1, sizeof **val);
    memcpy(*val, all + *ntrain, *nval * sizeof **val);
    *train = all;   /* the first ntrain entries */
}
