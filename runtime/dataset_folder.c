/* dataset_folder.c — a folder of class folders of images, read the way
 * keras.utils.image_dataset_from_directory reads it: classes are the
 * subfolder names (sorted, hidden ones skipped) or the spec's class_names;
 * the files are those dataset_walk.c finds. Every image is decoded once, in
 * parallel, into the dataset's pixel array (or read from the --cache file). */
#include <stdlib.h>
#include <string.h>

#include "dataset.h"
#include "image.h"
#include "util.h"

static int index_of(char *const *names, int k, const char *name)
{
    for (int i = 0; i < k; i++)
        if (strcmp(names[i], name) == 0)
            return i;
    return -1;
}

/* The label order: the given class names (every folder must be one of
   them), or the sorted folder names. Returns a new array of *k names. */
static char **label_order(const char *root, char **dirs, int ndirs, const nncrt_data_opts *o, int *k)
{
    if (!o->class_names || o->num_class_names == 0) {   /* an empty list: none given */
        *k = ndirs;
        char **names = nncrt_xcalloc((size_t)ndirs, sizeof(char *));
        for (int i = 0; i < ndirs; i++)
            names[i] = nncrt_xstrdup(dirs[i]);
        return names;
    }
    for (int i = 0; i < ndirs; i++) {
        if (index_of((char *const *)o->class_names, o->num_class_names, dirs[i]) < 0) {
            nncrt_error("%s: folder '%s' is not one of the model's %d classes (%s%s)", root, dirs[i],
                        o->num_class_names, o->class_names[0], o->num_class_names > 1 ? ", ..." : "");
            return NULL;
        }
    }
    *k = o->num_class_names;
    char **names = nncrt_xcalloc((size_t)*k, sizeof(char *));
    for (int i = 0; i < *k; i++)
        names[i] = nncrt_xstrdup(o->class_names[i]);
    return names;
}

static nncrt_image_opts image_opts(const nncrt_dataset *ds, const nncrt_data_opts *o)
{
    nncrt_image_opts io = { ds->h, ds->w, ds->c, o->interpolation, o->aspect };
    return io;
}

/* Keeps the decoded samples, drops the failed ones (fl->why[i] set), and
   records those as "PATH: reason" in ds->bad, in list order. */
static void keep_decoded(nncrt_dataset *ds, nncrt_file_list *fl, size_t isz)
{
    ds->paths = nncrt_xcalloc(fl->n + 1, sizeof(char *));
    ds->labels = nncrt_xcalloc(fl->n + 1, sizeof(int));
    for (size_t i = 0; i < fl->n; i++) {
        if (fl->why[i]) {
            if (!ds->bad)
                ds->bad = nncrt_xcalloc(fl->n, sizeof(char *));
            char *shown = nncrt_path_for_message(fl->paths[i]);
            nncrt_buf b = { 0 };
            nncrt_buf_printf(&b, "%s: %s", shown, fl->why[i]);
            ds->bad[ds->nbad++] = b.data;
            free(shown);
            continue;
        }
        if (ds->n != i)
            memmove(ds->pixels + ds->n * isz, ds->pixels + i * isz, isz);
        ds->paths[ds->n] = fl->paths[i];
        fl->paths[i] = NULL;
        ds->labels[ds->n++] = fl->labels[i];
    }
}

/* Decodes every listed file into ds->pixels in parallel. Failures are kept
   in ds->bad, in list order so that the report is deterministic; files the
   walk already found unreadable are not opened. */
static int decode_all(nncrt_dataset *ds, nncrt_file_list *fl, const char *root,
                      const nncrt_data_opts *o)
{
    size_t isz = (size_t)ds->h * (size_t)ds->w * (size_t)ds->c;
    ds->n = fl->n;
    if (nncrt_dataset_alloc_pixels(ds, root) != 0)
        return -1;
    ds->n = 0;   /* counts the decoded ones from here */
    nncrt_image_opts io = image_opts(ds, o);
    long n = (long)fl->n;
    #pragma omp parallel for schedule(dynamic, 16)
    for (long i = 0; i < n; i++) {
        char err[240];
        if (!fl->why[i] &&
            nncrt_image_load(fl->paths[i], &io, ds->pixels + (size_t)i * isz, err, sizeof err) != 0)
            fl->why[i] = nncrt_xstrdup(err);
    }
    keep_decoded(ds, fl, isz);
    return 0;
}

/* Bad files: each named (unless the caller lists them), then a count;
   an error with --strict, or when nothing could be decoded. */
static int report_bad(const nncrt_dataset *ds, const char *root, size_t listed,
                      const nncrt_data_opts *o)
{
    if (ds->nbad == 0)
        return 0;
    bool name_each = !o->bad_silent || ds->n == 0;   /* the caller gets no dataset to list */
    for (size_t i = 0; i < ds->nbad && name_each; i++)
        if (o->strict)
            nncrt_error("%s", ds->bad[i]);
        else
            nncrt_warn("%s, skipped", ds->bad[i]);
    if (o->strict)
        return nncrt_error("%s: %zu of %zu files could not be decoded (--strict)", root,
                           ds->nbad, listed);
    if (ds->n == 0)
        return nncrt_error("%s: none of the %zu image files could be decoded", root, listed);
    if (!o->bad_silent)
        nncrt_warn("%s: %zu of %zu files could not be decoded and were skipped", root, ds->nbad,
                   listed);
    return 0;
}

static void apply_limit(nncrt_file_list *fl, size_t limit)
{
    if (!limit || fl->n <= limit)
        return;
    for (size_t i = limit; i < fl->n; i++)
        free(fl->paths[i]), free(fl->why[i]);
    fl->n = limit;
}

/* Ends an info line with "PATH.", the path escaped (user text). */
static void end_with_path(FILE *f, const char *path)
{
    nncrt_fputs_escaped(path, f);
    fputs(".\n", f);
}

/* Pixels from the cache when its key matches, else decoded and cached. */
static int load_pixels(nncrt_dataset *ds, nncrt_file_list *fl, const char *root, const nncrt_data_opts *o)
{
    uint64_t key = 0;
    int cached = 1;
    if (o->cache) {
        key = nncrt_cache_key(fl->paths, fl->labels, fl->sizes, fl->mtimes, fl->n, ds, o);
        if ((cached = nncrt_cache_read(o->cache, key, ds)) == 0) {
            if (o->info) {
                fprintf(o->info, "Loaded %zu decoded images from the cache ", ds->n);
                end_with_path(o->info, o->cache);
            }
            return report_bad(ds, root, fl->n, o);
        }
    }
    if (decode_all(ds, fl, root, o) != 0 || report_bad(ds, root, fl->n, o) != 0)
        return -1;
    if (o->cache && cached == 1 && nncrt_cache_write(o->cache, key, ds) == 0 && o->info) {
        fputs("Decoded images cached in ", o->info);
        end_with_path(o->info, o->cache);
    }
    return 0;   /* a cache that cannot be written costs time, not the run */
}

int nncrt_folder_load(nncrt_dataset *ds, const char *path, const nncrt_data_opts *o)
{
    char **dirs = NULL, **names = NULL;
    int ndirs = 0, k = 0, rc = -1;
    nncrt_file_list fl = { 0 };
    ds->h = o->h, ds->w = o->w, ds->c = o->c;
    if (nncrt_class_dirs(path, &dirs, &ndirs) == 0 && (names = label_order(path, dirs, ndirs, o, &k)) &&
        nncrt_list_files(path, names, k, dirs, ndirs, o, &fl) == 0) {
        apply_limit(&fl, o->limit);
        if (o->info)
            fprintf(o->info, "Found %zu files belonging to %d classes.\n", fl.n, k);
        rc = nncrt_dataset_set_classes(ds, path, names, k, o);
        names = NULL;   /* owned by ds now */
        if (rc == 0)
            rc = load_pixels(ds, &fl, path, o);
    }
    nncrt_strv_free(dirs, (size_t)ndirs);
    nncrt_strv_free(names, (size_t)k);
    nncrt_file_list_free(&fl);
    if (rc != 0)
        nncrt_dataset_free(ds);
    return rc;
}
