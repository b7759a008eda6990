/* dataset_folder.c — a folder of class folders of images, read the way
 * keras.utils.image_dataset_from_directory reads it: classes are the
 * subfolder names (sorted, hidden ones skipped) or the spec's class_names;
 * within a class, folders are walked recursively and files taken in the
 * order of Keras's sorted(os.walk(...)): folder by folder in path order,
 * each folder's files by name. Every image is decoded once, in parallel,
 * into the dataset's pixel array (or read from the --cache file). */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dataset.h"
#include "image.h"
#include "util.h"

typedef struct file_list {
    char **paths;
    int *labels;
    uint64_t *sizes;
    int64_t *mtimes;            /* ns */
    size_t n, cap;
    size_t unsupported;         /* GIF/BMP files: Keras reads them, nnc does not */
    char *first_unsupported;
} file_list;

static void file_list_free(file_list *fl)
{
    nncrt_strv_free(fl->paths, fl->n);
    free(fl->labels);
    free(fl->sizes);
    free(fl->mtimes);
    free(fl->first_unsupported);
}

static void file_list_add(file_list *fl, char *path, int label, const struct stat *st)
{
    if (fl->n == fl->cap) {
        fl->cap = fl->cap ? fl->cap * 2 : 256;
        fl->paths = nncrt_xrealloc(fl->paths, fl->cap * sizeof *fl->paths);
        fl->labels = nncrt_xrealloc(fl->labels, fl->cap * sizeof *fl->labels);
        fl->sizes = nncrt_xrealloc(fl->sizes, fl->cap * sizeof *fl->sizes);
        fl->mtimes = nncrt_xrealloc(fl->mtimes, fl->cap * sizeof *fl->mtimes);
    }
    fl->paths[fl->n] = path;
    fl->labels[fl->n] = label;
    fl->sizes[fl->n] = (uint64_t)st->st_size;
    fl->mtimes[fl->n++] = (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
}

static char *join(const char *dir, const char *name)
{
    nncrt_buf b = { 0 };
    size_t n = strlen(dir);
    nncrt_buf_printf(&b, "%s%s%s", dir, n && dir[n - 1] == '/' ? "" : "/", name);
    return b.data;
}

/* strcmp order, independent of the locale (alphasort uses strcoll); the
   order of Python's sorted() on the UTF-8 names. */
static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

static int not_hidden(const struct dirent *d)
{
    return d->d_name[0] != '.';
}

static int read_dir(const char *dir, struct dirent ***list)
{
    int n = scandir(dir, list, not_hidden, by_name);
    if (n < 0)
        return nncrt_error("%s: %s", dir, strerror(errno));
    return n;
}

static void free_dir(struct dirent **list, int n)
{
    for (int i = 0; i < n; i++)
        free(list[i]);
    free(list);
}

static bool is_image_name(const char *name)
{
    return nncrt_has_suffix_ci(name, ".png") || nncrt_has_suffix_ci(name, ".jpg") ||
           nncrt_has_suffix_ci(name, ".jpeg");
}

static bool is_unsupported_name(const char *name)
{
    return nncrt_has_suffix_ci(name, ".gif") || nncrt_has_suffix_ci(name, ".bmp");
}

/* One folder walked: its path and the range of its own files in the list.
   Folders are sorted by path afterwards, as sorted(os.walk()) does. */
typedef struct folder {
    char *path;
    size_t first, count;    /* its files in the walk's file_list */
} folder;

typedef struct walker {
    bool follow_links;
    bool want_stat;         /* sizes and mtimes for the cache key */
    int label;
    file_list *files;
    folder *dirs;
    size_t ndirs, cap;
} walker;

/* The folders above the current one, to refuse a symlink loop. */
typedef struct ancestor {
    dev_t dev;
    ino_t ino;
    const struct ancestor *up;
} ancestor;

static int walk(walker *w, const char *dir, const ancestor *up);

static bool in_loop(const ancestor *a, const struct stat *st)
{
    for (; a; a = a->up)
        if (a->dev == st->st_dev && a->ino == st->st_ino)
            return true;
    return false;
}

/* A regular file: an image goes to the list, GIF/BMP are counted. Takes path. */
static void add_file(walker *w, char *path, const char *name, const struct stat *st)
{
    if (is_image_name(name)) {
        file_list_add(w->files, path, w->label, st);
        return;
    }
    if (is_unsupported_name(name) && w->files->unsupported++ == 0)
        w->files->first_unsupported = nncrt_xstrdup(path);
    free(path);
}

/* One entry of a folder. Takes path: a file is added or dropped, a folder to
   walk is returned. readdir's d_type spares the two stat calls per file when
   it says "regular file" and no cache needs the size and mtime. */
static char *visit(walker *w, char *path, const struct dirent *d, const ancestor *up,
                   struct stat *st)
{
    struct stat lst;
    if (d->d_type == DT_REG && !w->want_stat) {
        add_file(w, path, d->d_name, &(struct stat){ 0 });
        return NULL;
    }
    bool link = lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode);
    if (stat(path, st) != 0) {
        if (is_image_name(d->d_name))   /* e.g. a dangling symlink */
            nncrt_warn("%s: %s, skipped", path, strerror(errno));
    } else if (S_ISDIR(st->st_mode)) {
        if (link && !w->follow_links)
            ;   /* os.walk(followlinks=False) lists it but does not enter it */
        else if (in_loop(up, st))
            nncrt_warn("%s: symbolic link loop, not followed", path);
        else
            return path;
    } else if (S_ISREG(st->st_mode)) {
        add_file(w, path, d->d_name, st);
        return NULL;
    }
    free(path);
    return NULL;
}

/* The folder's own files first, so that they are contiguous in the list,
   then its subfolders. */
static int walk(walker *w, const char *dir, const ancestor *up)
{
    struct dirent **list;
    int n = read_dir(dir, &list);
    if (n < 0)
        return -1;
    if (w->ndirs == w->cap) {
        w->cap = w->cap ? 2 * w->cap : 16;
        w->dirs = nncrt_xrealloc(w->dirs, w->cap * sizeof *w->dirs);
    }
    size_t me = w->ndirs++;
    w->dirs[me] = (folder){ nncrt_xstrdup(dir), w->files->n, 0 };
    char **subs = nncrt_xcalloc((size_t)n + 1, sizeof *subs);
    ancestor *ids = nncrt_xcalloc((size_t)n + 1, sizeof *ids);
    int nsub = 0, rc = 0;
    for (int i = 0; i < n; i++) {
        struct stat st;
        char *sub = visit(w, join(dir, list[i]->d_name), list[i], up, &st);
        if (sub)
            ids[nsub] = (ancestor){ st.st_dev, st.st_ino, up }, subs[nsub++] = sub;
    }
    w->dirs[me].count = w->files->n - w->dirs[me].first;
    for (int i = 0; i < nsub && rc == 0; i++)
        rc = walk(w, subs[i], &ids[i]);
    nncrt_strv_free(subs, (size_t)nsub);
    free(ids);
    free_dir(list, n);
    return rc;
}

static int by_path(const void *a, const void *b)
{
    return strcmp(((const folder *)a)->path, ((const folder *)b)->path);
}

/* Puts the files of one class, [start, n), in sorted(os.walk()) order:
   folders by path ("a" < "a-b" < "a/c"), each folder's files by name. */
static void order_by_folder(file_list *fl, size_t start, walker *w)
{
    size_t n = fl->n - start, k = 0;
    qsort(w->dirs, w->ndirs, sizeof *w->dirs, by_path);
    char **paths = nncrt_xmalloc_array(n + 1, sizeof *paths);
    uint64_t *sizes = nncrt_xmalloc_array(n + 1, sizeof *sizes);
    int64_t *mtimes = nncrt_xmalloc_array(n + 1, sizeof *mtimes);
    for (size_t d = 0; d < w->ndirs; d++) {
        for (size_t i = w->dirs[d].first; i < w->dirs[d].first + w->dirs[d].count; i++, k++)
            paths[k] = fl->paths[i], sizes[k] = fl->sizes[i], mtimes[k] = fl->mtimes[i];
        free(w->dirs[d].path);
    }
    memcpy(fl->paths + start, paths, n * sizeof *paths);
    memcpy(fl->sizes + start, sizes, n * sizeof *sizes);
    memcpy(fl->mtimes + start, mtimes, n * sizeof *mtimes);
    free(paths), free(sizes), free(mtimes);
}

/* All image files of one class folder, labelled label. */
static int walk_class(const char *dir, int label, const nncrt_data_opts *o, file_list *fl)
{
    walker w = { .follow_links = o->follow_links, .want_stat = o->cache != NULL,
                 .label = label, .files = fl };
    size_t start = fl->n;
    struct stat st;
    int rc = stat(dir, &st) == 0 ? walk(&w, dir, &(ancestor){ st.st_dev, st.st_ino, NULL })
                                 : nncrt_error("%s: %s", dir, strerror(errno));
    if (rc == 0)
        order_by_folder(fl, start, &w);   /* frees the folder paths */
    else
        for (size_t d = 0; d < w.ndirs; d++)
            free(w.dirs[d].path);
    free(w.dirs);
    return rc;
}

/* Names of the non-hidden subfolders of root, sorted. */
static int class_dirs(const char *root, char ***out, int *k)
{
    struct dirent **list;
    int n = read_dir(root, &list);
    if (n < 0)
        return -1;
    *out = nncrt_xcalloc((size_t)n + 1, sizeof(char *));
    *k = 0;
    for (int i = 0; i < n; i++) {
        char *p = join(root, list[i]->d_name);
        struct stat st;
        if (stat(p, &st) == 0 && S_ISDIR(st.st_mode))
            (*out)[(*k)++] = nncrt_xstrdup(list[i]->d_name);
        free(p);
    }
    free_dir(list, n);
    if (*k == 0)
        return nncrt_error("%s: no class folders found (expected %s/<class>/<image>.png or .jpg)",
                           root, root);
    return 0;
}

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
    if (!o->class_names) {
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

/* Keeps the decoded samples, drops the failed ones (why[i] set), and
   records those as "PATH: reason" in ds->bad, in list order. */
static void keep_decoded(nncrt_dataset *ds, file_list *fl, char **why, size_t isz)
{
    ds->paths = nncrt_xcalloc(fl->n + 1, sizeof(char *));
    ds->labels = nncrt_xcalloc(fl->n + 1, sizeof(int));
    for (size_t i = 0; i < fl->n; i++) {
        if (why[i]) {
            if (!ds->bad)
                ds->bad = nncrt_xcalloc(fl->n, sizeof(char *));
            nncrt_buf b = { 0 };
            nncrt_buf_printf(&b, "%s: %s", fl->paths[i], why[i]);
            ds->bad[ds->nbad++] = b.data;
            free(why[i]);
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
   in ds->bad, in list order so that the report is deterministic. */
static int decode_all(nncrt_dataset *ds, file_list *fl, const char *root, const nncrt_data_opts *o)
{
    size_t isz = (size_t)ds->h * (size_t)ds->w * (size_t)ds->c, total;
    if (!nncrt_size_mul(isz, fl->n, &total))
        return nncrt_error("%s: %zu images of %zu bytes do not fit in memory", root, fl->n, isz);
    ds->pixels = nncrt_xmalloc(total);
    char **why = nncrt_xcalloc(fl->n + 1, sizeof(char *));
    nncrt_image_opts io = image_opts(ds, o);
    long n = (long)fl->n;
    #pragma omp parallel for schedule(dynamic, 16)
    for (long i = 0; i < n; i++) {
        char err[240];
        if (nncrt_image_load(fl->paths[i], &io, ds->pixels + (size_t)i * isz, err, sizeof err) != 0)
            why[i] = nncrt_xstrdup(err);
    }
    keep_decoded(ds, fl, why, isz);
    free(why);
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

static int list_files(const char *root, char **names, int k, char **dirs, int ndirs,
                      const nncrt_data_opts *o, file_list *fl)
{
    for (int label = 0; label < k; label++) {
        if (index_of(dirs, ndirs, names[label]) < 0)
            continue;   /* a class with no folder here: allowed (e.g. a small test set) */
        char *dir = join(root, names[label]);
        int rc = walk_class(dir, label, o, fl);
        free(dir);
        if (rc != 0)
            return -1;
    }
    if (fl->unsupported)
        nncrt_warn("%s: %zu GIF/BMP files skipped (only PNG and JPEG are supported), e.g. %s",
                   root, fl->unsupported, fl->first_unsupported);
    if (fl->n == 0)
        return nncrt_error("%s: no PNG or JPEG files found in the class folders", root);
    return 0;
}

static void apply_limit(file_list *fl, size_t limit)
{
    if (!limit || fl->n <= limit)
        return;
    for (size_t i = limit; i < fl->n; i++)
        free(fl->paths[i]);
    fl->n = limit;
}

/* Pixels from the cache when its key matches, else decoded and cached. */
static int load_pixels(nncrt_dataset *ds, file_list *fl, const char *root, const nncrt_data_opts *o)
{
    uint64_t key = 0;
    int cached = 1;
    if (o->cache) {
        key = nncrt_cache_key(fl->paths, fl->labels, fl->sizes, fl->mtimes, fl->n, ds, o);
        if ((cached = nncrt_cache_read(o->cache, key, ds)) == 0) {
            if (o->info)
                fprintf(o->info, "Loaded %zu decoded images from the cache %s.\n", ds->n, o->cache);
            return report_bad(ds, root, fl->n, o);
        }
    }
    if (decode_all(ds, fl, root, o) != 0 || report_bad(ds, root, fl->n, o) != 0)
        return -1;
    if (o->cache && cached == 1 && nncrt_cache_write(o->cache, key, ds) == 0 && o->info)
        fprintf(o->info, "Decoded images cached in %s.\n", o->cache);
    return 0;   /* a cache that cannot be written costs time, not the run */
}

int nncrt_folder_load(nncrt_dataset *ds, const char *path, const nncrt_data_opts *o)
{
    char **dirs = NULL, **names = NULL;
    int ndirs = 0, k = 0, rc = -1;
    file_list fl = { 0 };
    ds->h = o->h, ds->w = o->w, ds->c = o->c;
    if (class_dirs(path, &dirs, &ndirs) == 0 && (names = label_order(path, dirs, ndirs, o, &k)) &&
        list_files(path, names, k, dirs, ndirs, o, &fl) == 0) {
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
    file_list_free(&fl);
    if (rc != 0)
        nncrt_dataset_free(ds);
    return rc;
}
