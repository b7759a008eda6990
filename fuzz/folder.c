/* fuzz/folder.c — libFuzzer target: the folder walker (dataset_walk.c) with
 * follow_links, on trees the input describes. The input is a program of
 * 3-byte steps that builds a small tree in a temporary folder on /dev/shm:
 * folders (hidden or not), PNG files, broken files, FIFOs, symbolic links
 * to folders (relative or absolute, anywhere in the tree: loops, DAGs, links
 * to the root and above, into other classes) and to files (dangling too).
 * data/ is the dataset; its subfolders are the classes; outside/ is a folder
 * beside it that links may reach. The first byte picks follow_links,
 * --strict and whether a cache is kept (sizes and mtimes: the stat path).
 *
 * Besides no sanitizer report within bounded time, a load that succeeds
 * must keep the walker's promises:
 *   - no real file is listed twice under the same real folder and name
 *     (each real folder is walked once);
 *   - no sample's real folder lies inside another class's folder more
 *     deeply than inside its own, nor above (or at) the data root (a class
 *     folder that is a link to the root or above holds no samples). */
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dataset.h"
#include "image.h"
#include "png_write.h"
#include "util.h"

enum { MAX_STEPS = 48, MAX_DIRS = 24, MAX_FILES = 32 };

static char base[64];             /* /dev/shm/nnc_fuzz_folder_XXXXXX */
static uint8_t *png;              /* a valid 2x2 gray PNG */
static size_t png_size;

typedef struct tree {
    char dirs[MAX_DIRS][256];     /* real folders, relative to base; [0] data, [1] outside */
    int depth[MAX_DIRS];          /* components below base */
    int ndirs;
    char files[MAX_FILES][256];   /* files written, relative to base */
    int nfiles;
} tree;

static const char *at(const char *rel)
{
    static char buf[4][PATH_MAX];
    static int next;
    char *p = buf[next++ % 4];
    snprintf(p, PATH_MAX, "%s/%s", base, rel);
    return p;
}

static int rm_entry(const char *p, const struct stat *st, int flag, struct FTW *f);

static void remove_base(void)
{
    nftw(base, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    rmdir(base);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    omp_set_num_threads(1);
    nncrt_quiet = true;
    snprintf(base, sizeof base, "/dev/shm/nnc_fuzz_folder_XXXXXX");
    if (!mkdtemp(base))
        abort();
    atexit(remove_base);
    const uint8_t px[4] = { 10, 20, 30, 40 };
    if (nncrt_png_write(at("seed.png"), px, 2, 2, 1) != 0)
        abort();
    char err[200];
    if (nncrt_read_image_file(at("seed.png"), &png, &png_size, err, sizeof err) != 0)
        abort();
    unlink(at("seed.png"));
    return 0;
}

static void write_file(const char *rel, const uint8_t *data, size_t n)
{
    int fd = open(at(rel), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return;
    if (write(fd, data, n) != (ssize_t)n) {
        /* a full /dev/shm: the tree is smaller, which is fine */
    }
    close(fd);
}

/* From folder `from` (depth d) to `to`, relative: "../" d times, then to. */
static void relative(char *out, size_t cap, int d, const char *to)
{
    size_t n = 0;
    out[0] = 0;
    for (int i = 0; i < d && n + 3 < cap; i++)
        n += (size_t)snprintf(out + n, cap - n, "../");
    snprintf(out + n, cap - n, "%s", to);
}

static void step(tree *t, int k, uint8_t op, uint8_t a, uint8_t b)
{
    const char *dir = t->dirs[a % t->ndirs];
    int depth = t->depth[a % t->ndirs];
    char rel[512], to[PATH_MAX];
    switch (op % 8) {
    case 0: case 1:   /* a folder; under data/, a class */
        snprintf(rel, sizeof rel, "%s/%sd%d", dir, b & 1 ? "." : "", k);
        if (t->ndirs < MAX_DIRS && strlen(rel) < 200 && mkdir(at(rel), 0755) == 0) {
            snprintf(t->dirs[t->ndirs], sizeof t->dirs[0], "%s", rel);
            t->depth[t->ndirs++] = depth + 1;
        }
        break;
    case 2: case 3:   /* an image, or a broken one */
        snprintf(rel, sizeof rel, "%s/f%d.%s", dir, k, op % 8 == 2 ? "png" : "jpg");
        write_file(rel, op % 8 == 2 ? png : (const uint8_t *)"\xff\xd8\xff junk", op % 8 == 2
                   ? png_size : (size_t)(b % 9));
        if (t->nfiles < MAX_FILES)
            snprintf(t->files[t->nfiles++], sizeof t->files[0], "%s", rel);
        break;
    case 4: case 5:   /* a link to a folder, absolute or relative */
        snprintf(rel, sizeof rel, "%s/l%d", dir, k);
        if (op & 8)
            snprintf(to, sizeof to, "%s", at(t->dirs[b % t->ndirs]));
        else
            relative(to, sizeof to, depth, t->dirs[b % t->ndirs]);
        if (symlink(to, at(rel)) != 0) {
            /* e.g. the name exists: skip the step */
        }
        break;
    case 6:   /* a link to a file, or dangling; or a FIFO with an image name */
        snprintf(rel, sizeof rel, "%s/%c%d.png", dir, op & 8 ? 'p' : 'l', k);
        if (op & 8)
            mkfifo(at(rel), 0644);
        else if (symlink(t->nfiles && b < 200 ? at(t->files[b % t->nfiles]) : "nowhere.png",
                         at(rel)) != 0) {
            /* skip */
        }
        break;
    default:   /* links to the folder itself, its parent, the root */
        snprintf(rel, sizeof rel, "%s/u%d", dir, k);
        if (symlink(b % 3 == 0 ? "." : b % 3 == 1 ? ".." : "/", at(rel)) != 0) {
            /* skip */
        }
        break;
    }
}

static void build(tree *t, const uint8_t *data, size_t size)
{
    *t = (tree){ .dirs = { "data", "outside" }, .depth = { 1, 1 }, .ndirs = 2 };
    mkdir(at("data"), 0755);
    mkdir(at("outside"), 0755);
    for (size_t i = 0; i + 3 <= size && i / 3 < MAX_STEPS; i += 3)
        step(t, (int)(i / 3), data[i], data[i + 1], data[i + 2]);
}

static int rm_entry(const char *p, const struct stat *st, int flag, struct FTW *f)
{
    (void)st, (void)flag;
    return f->level == 0 ? 0 : remove(p);   /* keep base itself */
}

/* Classes counted as Keras does: the non-hidden entries of data/ that are
   folders (links to folders included). */
static int count_classes(void)
{
    int k = 0;
    char **names;
    if (nncrt_class_dirs(at("data"), &names, &k) != 0)
        return 0;
    nncrt_strv_free(names, (size_t)k);
    return k;
}

static bool within(const char *path, const char *dir)
{
    size_t n = strlen(dir);
    return strncmp(path, dir, n) == 0 && (path[n] == 0 || path[n] == '/');
}

static int by_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The walker's promises (see the top of the file); aborts on a broken one. */
static void check(const nncrt_dataset *ds)
{
    char *root = realpath(at("data"), NULL);
    char **classes = calloc((size_t)ds->num_classes + 1, sizeof *classes);
    char **keys = calloc(ds->n + 1, sizeof *keys);
    for (int c = 0; c < ds->num_classes; c++) {
        char p[PATH_MAX];
        snprintf(p, sizeof p, "%s/%s", at("data"), ds->class_names[c]);
        classes[c] = realpath(p, NULL);
        if (classes[c] && root && within(root, classes[c]))
            free(classes[c]), classes[c] = NULL;   /* a link to the root: skipped, empty */
    }
    for (size_t i = 0; i < ds->n; i++) {
        char dir[PATH_MAX];
        snprintf(dir, sizeof dir, "%s", ds->paths[i]);
        char *slash = strrchr(dir, '/'), *name = strrchr(ds->paths[i], '/') + 1;
        *slash = 0;
        char *real = realpath(dir, NULL);
        if (!real || !root || within(root, real))
            abort();   /* a folder above the data root was walked */
        int best = -1;
        for (int c = 0; c < ds->num_classes; c++)
            if (classes[c] && within(real, classes[c]) &&
                (best < 0 || strlen(classes[c]) > strlen(classes[best])))
                best = c;
        if (best >= 0 && best != ds->labels[i])
            abort();   /* another class's images labelled as this class */
        nncrt_buf key = { 0 };
        nncrt_buf_printf(&key, "%s/%s", real, name);
        keys[i] = key.data;
        free(real);
    }
    qsort(keys, ds->n, sizeof *keys, by_str);
    for (size_t i = 1; i < ds->n; i++)
        if (strcmp(keys[i - 1], keys[i]) == 0)
            abort();   /* a real folder walked twice */
    nncrt_strv_free(keys, ds->n);
    nncrt_strv_free(classes, (size_t)ds->num_classes);
    free(root);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    tree t;
    build(&t, data + 1, size - 1);
    nncrt_data_opts o = { .h = 2, .w = 2, .c = 1, .num_classes = count_classes(),
                          .follow_links = !(data[0] & 1), .strict = data[0] & 2,
                          .cache = data[0] & 4 ? at("cache.bin") : NULL };
    nncrt_dataset ds;
    if (nncrt_dataset_load(&ds, at("data"), &o) == 0) {
        check(&ds);
        nncrt_dataset_free(&ds);
    }
    nncrt_last_error[0] = 0;
    nftw(base, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    return 0;
}
