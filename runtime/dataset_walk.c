/* dataset_walk.c — the image files of a folder dataset, found the way
 * keras.utils.image_dataset_from_directory finds them with os.walk: the
 * class folders are the root's non-hidden subfolders; each is walked
 * recursively and its files listed in sorted(os.walk()) order, folder by
 * folder in path order, each folder's files by name.
 *
 * follow_links: os.walk(followlinks=True) follows every link, which takes
 * exponential time on links that form a DAG (two links from each folder to
 * the next: 2^depth walks) and, through a link to the root, labels other
 * classes' images as this class. Here each real folder (device and inode) is
 * walked once in the whole dataset. A link to a folder already walked, to a
 * folder above the class folders or into another class's folder is reported
 * and not followed. Linked folders are walked after the real tree, so a
 * folder reached both ways is listed under its real path. Time and memory
 * are linear in the number of folders and files.
 *
 * Entries are examined relative to an open folder (fstatat), so an entry
 * whose path would be longer than PATH_MAX is still seen, and reported: such
 * a file cannot be opened by its path, so it is listed with that reason. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <search.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dataset.h"
#include "util.h"

/* ---- the file list ------------------------------------------------------- */

void nncrt_file_list_free(nncrt_file_list *fl)
{
    nncrt_strv_free(fl->paths, fl->n);
    nncrt_strv_free(fl->why, fl->n);
    free(fl->labels);
    free(fl->sizes);
    free(fl->mtimes);
    free(fl->first_unsupported);
}

/* Takes path and why (NULL: the file can be read). */
static void file_list_add(nncrt_file_list *fl, char *path, int label, const struct stat *st,
                          char *why)
{
    if (fl->n == fl->cap) {
        fl->cap = fl->cap ? fl->cap * 2 : 256;
        fl->paths = nncrt_xrealloc(fl->paths, fl->cap * sizeof *fl->paths);
        fl->why = nncrt_xrealloc(fl->why, fl->cap * sizeof *fl->why);
        fl->labels = nncrt_xrealloc(fl->labels, fl->cap * sizeof *fl->labels);
        fl->sizes = nncrt_xrealloc(fl->sizes, fl->cap * sizeof *fl->sizes);
        fl->mtimes = nncrt_xrealloc(fl->mtimes, fl->cap * sizeof *fl->mtimes);
    }
    fl->paths[fl->n] = path;
    fl->why[fl->n] = why;
    fl->labels[fl->n] = label;
    fl->sizes[fl->n] = (uint64_t)st->st_size;
    fl->mtimes[fl->n++] = (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
}

char *nncrt_path_for_message(const char *path)
{
    size_t n = strlen(path);
    if (n <= 600)
        return nncrt_xstrdup(path);
    nncrt_buf b = { 0 };   /* the start says where, the end which file */
    nncrt_buf_printf(&b, "%.200s...(%zu bytes)...%s", path, n, path + n - 300);
    return b.data;
}

static char *join(const char *dir, const char *name)
{
    nncrt_buf b = { 0 };
    size_t n = strlen(dir);
    nncrt_buf_printf(&b, "%s%s%s", dir, n && dir[n - 1] == '/' ? "" : "/", name);
    return b.data;
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

/* ---- reading a folder ---------------------------------------------------------- */

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

/* The folder's non-hidden entries, sorted, and the folder open in *fd for
   fstatat. Returns the count, or -1 after an error naming the folder. */
static int read_dir(const char *dir, int *fd, struct dirent ***list)
{
    *fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int n = *fd < 0 ? -1 : scandirat(*fd, ".", list, not_hidden, by_name);
    if (n < 0) {
        nncrt_error("%s: %s", dir, strerror(errno));
        if (*fd >= 0)
            close(*fd);
    }
    return n;
}

static void free_dir(struct dirent **list, int n)
{
    for (int i = 0; i < n; i++)
        free(list[i]);
    free(list);
}

int nncrt_class_dirs(const char *root, char ***out, int *k)
{
    struct dirent **list;
    int fd, n = read_dir(root, &fd, &list);
    if (n < 0)
        return -1;
    *out = nncrt_xcalloc((size_t)n + 1, sizeof(char *));
    *k = 0;
    for (int i = 0; i < n; i++) {
        struct stat st;
        if (fstatat(fd, list[i]->d_name, &st, 0) == 0 && S_ISDIR(st.st_mode))
            (*out)[(*k)++] = nncrt_xstrdup(list[i]->d_name);
    }
    close(fd);
    free_dir(list, n);
    if (*k > 0)
        return 0;
    free(*out);
    *out = NULL;
    return nncrt_error("%s: no class folders found (expected %s/<class>/<image>.png or .jpg)",
                       root, root);
}

/* ---- the folders walked so far --------------------------------------------- */

/* A real folder, wherever it is reached from. */
typedef struct seen_folder {
    dev_t dev;
    ino_t ino;
    char *path;     /* where it was walked, for the message */
} seen_folder;

static int by_id(const void *a, const void *b)
{
    const seen_folder *x = a, *y = b;
    if (x->dev != y->dev)
        return x->dev < y->dev ? -1 : 1;
    return x->ino < y->ino ? -1 : x->ino > y->ino;
}

static void free_seen(void *p)
{
    free(((seen_folder *)p)->path);
    free(p);
}

/* A class folder: a link into it or to it from another class is refused. */
typedef struct class_folder {
    const char *name;
    int label;
    dev_t dev;
    ino_t ino;
    char *real;     /* realpath(); NULL if it cannot be resolved */
} class_folder;

/* One folder of the class being walked: its path and the range of its own
   files in the list. Folders are sorted by path afterwards, as
   sorted(os.walk()) does. */
typedef struct folder {
    char *path;
    size_t first, count;
} folder;

typedef struct walker {
    const nncrt_data_opts *o;
    bool want_stat;             /* sizes and mtimes for the cache key */
    void *seen;                 /* tsearch tree of seen_folder, for every class */
    char *root_real;
    class_folder *classes;
    int nclasses;
    /* the class being walked */
    int label;
    nncrt_file_list *files;
    folder *dirs;
    size_t ndirs, dcap;
    char **links;               /* symlinked folders met, walked after the real tree */
    size_t nlinks, lcap;
} walker;

static const seen_folder *find_seen(const walker *w, const struct stat *st)
{
    seen_folder key = { st->st_dev, st->st_ino, NULL };
    void *hit = tfind(&key, &w->seen, by_id);
    return hit ? *(seen_folder **)hit : NULL;
}

static void mark_seen(walker *w, const struct stat *st, const char *path)
{
    seen_folder *s = nncrt_xmalloc(sizeof *s);
    *s = (seen_folder){ st->st_dev, st->st_ino, nncrt_xstrdup(path) };
    if (!tsearch(s, &w->seen, by_id))
        nncrt_error("out of memory in tsearch"), exit(1);
}

static const class_folder *class_of(const walker *w, const struct stat *st)
{
    for (int i = 0; i < w->nclasses; i++)
        if (w->classes[i].dev == st->st_dev && w->classes[i].ino == st->st_ino)
            return &w->classes[i];
    return NULL;
}

/* path is dir itself or inside it (both canonical). */
static bool within(const char *path, const char *dir)
{
    size_t n = strlen(dir);
    return strncmp(path, dir, n) == 0 &&
           (path[n] == '\0' || path[n] == '/' || (n == 1 && dir[0] == '/'));
}

/* ---- walking one class folder ------------------------------------------------ */

/* A regular file: an image goes to the list, GIF/BMP are counted. Takes path. */
static void add_file(walker *w, char *path, const char *name, const struct stat *st, char *why)
{
    if (is_image_name(name)) {
        file_list_add(w->files, path, w->label, st, why);
        return;
    }
    if (is_unsupported_name(name) && w->files->unsupported++ == 0)
        w->files->first_unsupported = nncrt_xstrdup(path);
    free(path);
    free(why);
}

static char *too_long(void)
{
    nncrt_buf b = { 0 };
    nncrt_buf_printf(&b, "its path is longer than PATH_MAX (%d bytes)", PATH_MAX);
    return b.data;
}

static const char *kind_of(mode_t m)
{
    return S_ISFIFO(m) ? "a FIFO" : S_ISSOCK(m) ? "a socket"
           : S_ISCHR(m) || S_ISBLK(m) ? "a device" : "not a regular file";
}

/* A folder entry: returns 1 if it is a real folder to walk now (path in
   *sub), 0 if it was listed, deferred or dropped, -1 on an error. */
static int enter_folder(walker *w, char *path, bool link, const struct stat *st, char **sub)
{
    char *shown = NULL;
    int rc = 0;
    const class_folder *cf;
    const seen_folder *s;
    if (link && !w->o->follow_links) {
        ;   /* os.walk(followlinks=False) lists it but does not enter it */
    } else if (strlen(path) >= PATH_MAX) {
        shown = nncrt_path_for_message(path);
        if (w->o->strict)
            rc = nncrt_error("%s: a folder whose path is longer than PATH_MAX (%d bytes): its "
                             "files cannot be read (--strict)", shown, PATH_MAX);
        else
            nncrt_warn("%s: a folder whose path is longer than PATH_MAX (%d bytes), not "
                       "walked: its files are skipped", shown, PATH_MAX);
    } else if (link) {
        if (w->nlinks == w->lcap) {
            w->lcap = w->lcap ? 2 * w->lcap : 16;
            w->links = nncrt_xrealloc(w->links, w->lcap * sizeof *w->links);
        }
        w->links[w->nlinks++] = path;
        return 0;
    } else if ((cf = class_of(w, st)) && cf->label != w->label) {
        nncrt_warn("%s: the folder of class '%s' (a bind mount?), not walked", path, cf->name);
    } else if ((s = find_seen(w, st))) {
        nncrt_warn("%s: the same folder as %s (a bind mount?), not walked again", path, s->path);
    } else {
        *sub = path;
        return 1;
    }
    free(shown);
    free(path);
    return rc;
}

/* One entry of the folder open in fd. Takes path: a file is listed (with the
   reason when it cannot be read) or dropped; returns 1 with a real folder to
   walk in *sub. readdir's d_type spares the fstatat calls per file when it
   says "regular file" and no cache needs the size and mtime. */
static int visit(walker *w, int fd, char *path, const struct dirent *d, struct stat *st,
                 char **sub)
{
    static const struct stat none;
    bool fits = strlen(path) < PATH_MAX;
    if (d->d_type == DT_REG && !w->want_stat && fits) {
        add_file(w, path, d->d_name, &none, NULL);
        return 0;
    }
    struct stat lst;
    bool link = fstatat(fd, d->d_name, &lst, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(lst.st_mode);
    if (fstatat(fd, d->d_name, st, 0) != 0) {   /* e.g. a dangling symlink */
        add_file(w, path, d->d_name, &none, nncrt_xstrdup(strerror(errno)));
        return 0;
    }
    if (S_ISDIR(st->st_mode))
        return enter_folder(w, path, link, st, sub);
    if (!fits)
        add_file(w, path, d->d_name, &none, too_long());
    else if (S_ISREG(st->st_mode))
        add_file(w, path, d->d_name, st, NULL);
    else   /* opening a FIFO or a device could block or act on it */
        add_file(w, path, d->d_name, &none, nncrt_xstrdup(kind_of(st->st_mode)));
    return 0;
}

static size_t add_folder(walker *w, const char *dir)
{
    if (w->ndirs == w->dcap) {
        w->dcap = w->dcap ? 2 * w->dcap : 16;
        w->dirs = nncrt_xrealloc(w->dirs, w->dcap * sizeof *w->dirs);
    }
    w->dirs[w->ndirs] = (folder){ nncrt_xstrdup(dir), w->files->n, 0 };
    return w->ndirs++;
}

/* A real folder and the real folders below it. Its own files come first, so
   that they are contiguous in the list; then its subfolders, each after the
   folder is closed, so that open descriptors do not grow with the depth. */
static int walk_tree(walker *w, const char *dir, const struct stat *st)
{
    struct dirent **list;
    int fd, n = read_dir(dir, &fd, &list);
    if (n < 0)
        return -1;
    mark_seen(w, st, dir);
    size_t me = add_folder(w, dir);
    char **subs = nncrt_xcalloc((size_t)n + 1, sizeof *subs);
    struct stat *ids = nncrt_xcalloc((size_t)n + 1, sizeof *ids);
    int nsub = 0, rc = 0;
    for (int i = 0; i < n && rc == 0; i++) {
        rc = visit(w, fd, join(dir, list[i]->d_name), list[i], &ids[nsub], &subs[nsub]);
        nsub += rc == 1;
        rc = rc < 0 ? -1 : 0;
    }
    close(fd);
    free_dir(list, n);
    w->dirs[me].count = w->files->n - w->dirs[me].first;
    for (int i = 0; i < nsub && rc == 0; i++)
        if (!find_seen(w, &ids[i]))   /* not reached meanwhile through a bind mount */
            rc = walk_tree(w, subs[i], &ids[i]);
    nncrt_strv_free(subs, (size_t)nsub);
    free(ids);
    return rc;
}

/* The class folder that most deeply holds the canonical path real (class
   folders may be links into one another), or NULL. */
static const class_folder *holder(const walker *w, const char *real)
{
    const class_folder *best = NULL;
    for (int i = 0; i < w->nclasses; i++) {
        const char *top = w->classes[i].real;
        if (top && within(real, top) && (!best || strlen(top) > strlen(best->real)))
            best = &w->classes[i];
    }
    return best;
}

/* Whether the canonical path real is the data root, above it, or holds a
   class folder. */
static bool holds_classes(const walker *w, const char *real)
{
    bool above = w->root_real && within(w->root_real, real);
    for (int i = 0; i < w->nclasses && !above; i++)
        above = w->classes[i].real && within(w->classes[i].real, real);
    return above;
}

/* Why the symlinked folder path (target st) is not walked, or NULL. */
static char *refuse_link(const walker *w, const char *path, const struct stat *st)
{
    nncrt_buf why = { 0 };
    const class_folder *cf = class_of(w, st);
    const seen_folder *s = find_seen(w, st);
    char *real = realpath(path, NULL);
    const class_folder *in = real ? holder(w, real) : NULL;
    if (cf && cf->label != w->label)
        nncrt_buf_printf(&why, "to the folder of class '%s'", cf->name);
    else if (s)
        nncrt_buf_printf(&why, "to a folder already walked (%s)", s->path);
    else if (!real)
        nncrt_buf_printf(&why, "that cannot be resolved (%s)", strerror(errno));
    else if (holds_classes(w, real))
        nncrt_buf_printf(&why, "to a folder above the class folder (%s)", real);
    else if (in && in->label != w->label)
        nncrt_buf_printf(&why, "into the folder of class '%s' (%s)", in->name, real);
    free(real);
    return why.data;
}

/* A symlinked folder met in the real tree (or in a linked one). */
static int follow(walker *w, const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0) {   /* removed meanwhile */
        nncrt_warn("%s: %s, not followed", path, strerror(errno));
        return 0;
    }
    char *why = refuse_link(w, path, &st);
    if (!why)
        return walk_tree(w, path, &st);
    nncrt_warn("%s: symbolic link %s, not followed", path, why);
    free(why);
    return 0;
}

static int by_path(const void *a, const void *b)
{
    return strcmp(((const folder *)a)->path, ((const folder *)b)->path);
}

/* Puts the files of one class, [start, n), in sorted(os.walk()) order:
   folders by path ("a" < "a-b" < "a/c"), each folder's files by name. */
static void order_by_folder(nncrt_file_list *fl, size_t start, walker *w)
{
    size_t n = fl->n - start, k = 0;
    if (n == 0)
        return;   /* fl->paths may still be NULL: no offset from it */
    qsort(w->dirs, w->ndirs, sizeof *w->dirs, by_path);
    char **paths = nncrt_xmalloc_array(n + 1, sizeof *paths);
    char **why = nncrt_xmalloc_array(n + 1, sizeof *why);
    uint64_t *sizes = nncrt_xmalloc_array(n + 1, sizeof *sizes);
    int64_t *mtimes = nncrt_xmalloc_array(n + 1, sizeof *mtimes);
    for (size_t d = 0; d < w->ndirs; d++)
        for (size_t i = w->dirs[d].first; i < w->dirs[d].first + w->dirs[d].count; i++, k++)
            paths[k] = fl->paths[i], why[k] = fl->why[i], sizes[k] = fl->sizes[i],
            mtimes[k] = fl->mtimes[i];
    memcpy(fl->paths + start, paths, n * sizeof *paths);
    memcpy(fl->why + start, why, n * sizeof *why);
    memcpy(fl->sizes + start, sizes, n * sizeof *sizes);
    memcpy(fl->mtimes + start, mtimes, n * sizeof *mtimes);
    free(paths), free(why), free(sizes), free(mtimes);
}

/* All image files of one class folder: its real tree, then the linked
   folders met on the way (which may lead to more). */
static int walk_class(walker *w, const char *dir, int label)
{
    struct stat st;
    if (stat(dir, &st) != 0)
        return nncrt_error("%s: %s", dir, strerror(errno));
    const seen_folder *s = find_seen(w, &st);
    char *real = realpath(dir, NULL);
    bool above = real && w->root_real && within(w->root_real, real);
    free(real);
    if (s || above) {   /* a class folder that is a link to another, or to the root */
        nncrt_warn("%s: %s%s, skipped", dir, s ? "the same folder as " : "a link to a folder "
                   "that holds the class folders", s ? s->path : "");
        return 0;
    }
    w->label = label;
    w->ndirs = w->nlinks = 0;
    size_t start = w->files->n, next = 0;
    int rc = walk_tree(w, dir, &st);
    while (rc == 0 && next < w->nlinks)
        rc = follow(w, w->links[next++]);
    if (rc == 0)
        order_by_folder(w->files, start, w);
    for (size_t d = 0; d < w->ndirs; d++)
        free(w->dirs[d].path);
    for (size_t i = 0; i < w->nlinks; i++)
        free(w->links[i]);
    return rc;
}

static int index_of(char *const *names, int k, const char *name)
{
    for (int i = 0; i < k; i++)
        if (strcmp(names[i], name) == 0)
            return i;
    return -1;
}

/* Every class folder's identity and real path, before any is walked. */
static void find_classes(walker *w, const char *root, char **names, int k, char **dirs,
                         int ndirs)
{
    w->root_real = realpath(root, NULL);
    w->classes = nncrt_xcalloc((size_t)ndirs + 1, sizeof *w->classes);
    for (int i = 0; i < ndirs; i++) {
        char *dir = join(root, dirs[i]);
        struct stat st;
        class_folder *c = &w->classes[w->nclasses];
        char *real = stat(dir, &st) == 0 ? realpath(dir, NULL) : NULL;
        if (real && w->root_real && within(w->root_real, real))
            free(real);   /* a link to the root or above: skipped by walk_class */
        else if (real) {
            *c = (class_folder){ dirs[i], index_of(names, k, dirs[i]), st.st_dev, st.st_ino,
                                 real };
            w->nclasses++;
        }
        free(dir);
    }
}

static void free_walker(walker *w)
{
    tdestroy(w->seen, free_seen);
    for (int i = 0; i < w->nclasses; i++)
        free(w->classes[i].real);
    free(w->classes);
    free(w->root_real);
    free(w->dirs);
    free(w->links);
}

int nncrt_list_files(const char *root, char **names, int k, char **dirs, int ndirs,
                     const nncrt_data_opts *o, nncrt_file_list *fl)
{
    walker w = { .o = o, .want_stat = o->cache != NULL, .files = fl };
    int rc = 0;
    find_classes(&w, root, names, k, dirs, ndirs);
    for (int label = 0; label < k && rc == 0; label++) {
        if (index_of(dirs, ndirs, names[label]) < 0)
            continue;   /* a class with no folder here: allowed (e.g. a small test set) */
        char *dir = join(root, names[label]);
        rc = walk_class(&w, dir, label);
        free(dir);
    }
    free_walker(&w);
    if (rc != 0)
        return -1;
    if (fl->unsupported)
        nncrt_warn("%s: %zu GIF/BMP files skipped (only PNG and JPEG are supported), e.g. %s",
                   root, fl->unsupported, fl->first_unsupported);
    if (fl->n == 0)
        return nncrt_error("%s: no PNG or JPEG files found in the class folders", root);
    return 0;
}
