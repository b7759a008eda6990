/* dataset_folder.c — a folder of class folders of PNG files, read the way
 * keras.utils.image_dataset_from_directory reads it: classes are the
 * subfolder names (sorted, hidden ones skipped) or the spec's class_names,
 * files are found recursively in sorted order, and every image is decoded
 * once, in parallel, into the dataset's pixel cache. */
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
    size_t n, cap;
    size_t other_images;        /* JPEG/GIF/BMP files: not supported, counted */
    char *first_other;
} file_list;

static void file_list_free(file_list *fl)
{
    nncrt_strv_free(fl->paths, fl->n);
    free(fl->labels);
    free(fl->first_other);
}

static void file_list_add(file_list *fl, char *path, int label)
{
    if (fl->n == fl->cap) {
        fl->cap = fl->cap ? fl->cap * 2 : 256;
        fl->paths = nncrt_xrealloc(fl->paths, fl->cap * sizeof *fl->paths);
        fl->labels = nncrt_xrealloc(fl->labels, fl->cap * sizeof *fl->labels);
    }
    fl->paths[fl->n] = path;
    fl->labels[fl->n++] = label;
}

static char *join(const char *dir, const char *name)
{
    nncrt_buf b = { 0 };
    size_t n = strlen(dir);
    nncrt_buf_printf(&b, "%s%s%s", dir, n && dir[n - 1] == '/' ? "" : "/", name);
    return b.data;
}

/* strcmp order, independent of the locale (alphasort uses strcoll). */
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

static bool is_other_image(const char *name)
{
    static const char *const ext[] = { ".jpg", ".jpeg", ".bmp", ".gif" };
    for (size_t i = 0; i < sizeof ext / sizeof ext[0]; i++)
        if (nncrt_has_suffix_ci(name, ext[i]))
            return true;
    return false;
}

/* One entry of a class folder: PNG files are kept, real subfolders walked
   (symlinked folders are not followed, as os.walk(followlinks=False)). */
static int walk(const char *dir, int label, file_list *fl);

static int visit(char *path, const char *name, int label, file_list *fl)
{
    struct stat st, lst;
    if (lstat(path, &lst) != 0 || stat(path, &st) != 0) {
        nncrt_warn("%s: %s, skipped", path, strerror(errno));
    } else if (S_ISDIR(st.st_mode)) {
        int rc = S_ISLNK(lst.st_mode) ? 0 : walk(path, label, fl);
        free(path);
        return rc;
    } else if (S_ISREG(st.st_mode) && nncrt_has_suffix_ci(name, ".png")) {
        file_list_add(fl, path, label);
        return 0;
    } else if (S_ISREG(st.st_mode) && is_other_image(name)) {
        if (fl->other_images++ == 0)
            fl->first_other = nncrt_xstrdup(path);
    }
    free(path);
    return 0;
}

static int walk(const char *dir, int label, file_list *fl)
{
    struct dirent **list;
    int n = read_dir(dir, &list);
    if (n < 0)
        return -1;
    int rc = 0;
    for (int i = 0; i < n && rc == 0; i++)
        rc = visit(join(dir, list[i]->d_name), list[i]->d_name, label, fl);
    free_dir(list, n);
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
        return nncrt_error("%s: no class folders found (expected %s/<class>/<image>.png)", root, root);
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

/* Decodes every listed file into ds->pixels in parallel; files that fail are
   reported (in list order, so the output is deterministic) and dropped. */
static int decode_all(nncrt_dataset *ds, file_list *fl, const char *root)
{
    size_t isz = (size_t)ds->h * (size_t)ds->w * (size_t)ds->c, total;
    if (!nncrt_size_mul(isz, fl->n, &total))
        return nncrt_error("%s: %zu images of %zu bytes do not fit in memory", root, fl->n, isz);
    ds->pixels = nncrt_xmalloc(total);
    char **why = nncrt_xcalloc(fl->n, sizeof(char *));
    long n = (long)fl->n;
    #pragma omp parallel for schedule(dynamic, 8)
    for (long i = 0; i < n; i++) {
        char err[200];
        if (nncrt_png_load(fl->paths[i], ds->h, ds->w, ds->c, ds->pixels + (size_t)i * isz,
                           err, sizeof err) != 0)
            why[i] = nncrt_xstrdup(err);
    }
    ds->paths = nncrt_xcalloc(fl->n, sizeof(char *));
    ds->labels = nncrt_xcalloc(fl->n, sizeof(int));
    for (size_t i = 0; i < fl->n; i++) {
        if (why[i]) {
            nncrt_warn("%s: %s, skipped", fl->paths[i], why[i]);
            free(why[i]);
            continue;
        }
        if (ds->n != i)
            memmove(ds->pixels + ds->n * isz, ds->pixels + i * isz, isz);
        ds->paths[ds->n] = fl->paths[i];
        fl->paths[i] = NULL;
        ds->labels[ds->n++] = fl->labels[i];
    }
    free(why);
    if (ds->n == 0)
        return nncrt_error("%s: none of the %zu PNG files could be decoded", root, fl->n);
    return 0;
}

static int list_files(const char *root, char **names, int k, char **dirs, int ndirs, file_list *fl)
{
    for (int label = 0; label < k; label++) {
        if (index_of(dirs, ndirs, names[label]) < 0)
            continue;   /* a class with no folder here: allowed (e.g. a small test set) */
        char *dir = join(root, names[label]);
        int rc = walk(dir, label, fl);
        free(dir);
        if (rc != 0)
            return -1;
    }
    if (fl->other_images)
        nncrt_warn("%s: %zu JPEG/GIF/BMP files skipped (only PNG is supported), e.g. %s",
                   root, fl->other_images, fl->first_other);
    if (fl->n == 0)
        return nncrt_error("%s: no PNG files found in the class folders", root);
    return 0;
}

int nncrt_folder_load(nncrt_dataset *ds, const char *path, const nncrt_data_opts *o)
{
    char **dirs = NULL, **names = NULL;
    int ndirs = 0, k = 0, rc = -1;
    file_list fl = { 0 };
    ds->h = o->h, ds->w = o->w, ds->c = o->c;
    if (class_dirs(path, &dirs, &ndirs) == 0 && (names = label_order(path, dirs, ndirs, o, &k)) &&
        list_files(path, names, k, dirs, ndirs, &fl) == 0) {
        if (o->limit && fl.n > o->limit) {
            for (size_t i = o->limit; i < fl.n; i++)
                free(fl.paths[i]);
            fl.n = o->limit;
        }
        if (o->info)
            fprintf(o->info, "Found %zu files belonging to %d classes.\n", fl.n, k);
        rc = nncrt_dataset_set_classes(ds, path, names, k, o);
        names = NULL;   /* owned by ds now */
        if (rc == 0)
            rc = decode_all(ds, &fl, path);
    }
    nncrt_strv_free(dirs, (size_t)ndirs);
    nncrt_strv_free(names, (size_t)k);
    file_list_free(&fl);
    if (rc != 0)
        nncrt_dataset_free(ds);
    return rc;
}
