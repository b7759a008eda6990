/* dataset.h — labelled images decoded once into memory as uint8 HWC at the
 * model's input shape. Two sources: a folder of class folders of PNG and JPEG
 * files (like keras.utils.image_dataset_from_directory) or an IDX images file
 * with its labels file beside it (MNIST style, gzipped or not). A folder's
 * decoded images can be kept in a cache file (dataset_cache.c). */
#ifndef NNCRT_DATASET_H
#define NNCRT_DATASET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct nncrt_dataset {
    int h, w, c;
    size_t n;
    uint8_t *pixels;        /* [n][h][w][c] */
    int *labels;            /* [n], index into class_names */
    char **paths;           /* [n] source file of each sample; NULL for IDX */
    char **class_names;     /* [num_classes], in label order */
    int num_classes;
    char **bad;             /* [nbad] "PATH: reason" of files that could not be decoded */
    size_t nbad;
} nncrt_dataset;

typedef struct nncrt_data_opts {
    int h, w, c;                        /* the model's input shape */
    size_t limit;                       /* keep the first limit samples; 0 = all */
    const char *const *class_names;     /* label order; NULL = sorted folders / "0".."K-1" */
    int num_class_names;
    int num_classes;                    /* what the model expects */
    FILE *info;                         /* "Found N files..." lines; NULL = silent */
    int interpolation;                  /* NNCRT_INTERP_* (image.h) */
    int aspect;                         /* NNCRT_ASPECT_*: stretch, crop or pad */
    bool follow_links;                  /* walk symlinked folders (os.walk followlinks) */
    bool strict;                        /* a file that cannot be decoded is an error */
    bool bad_silent;                    /* no warning per bad file: the caller lists ds.bad */
    const char *cache;                  /* decoded-cache file of a folder; NULL = none */
} nncrt_data_opts;

/* dataset.c */
/* Loads a folder or an IDX file, depending on what path is. */
int nncrt_dataset_load(nncrt_dataset *ds, const char *path, const nncrt_data_opts *o);
void nncrt_dataset_free(nncrt_dataset *ds);
/* Batch of samples idx[0..n): x [n][h][w][c] floats in [0,255], y one-hot
   [n][num_classes], labels [n]. */
void nncrt_dataset_batch(const nncrt_dataset *ds, const size_t *idx, int n,
                         float *x, float *y, int *labels);
/* Keras validation_split: indices 0..n-1, shuffled once with seed when shuffle
   is set; the last (size_t)(split*n) are validation, the rest training.
   Caller frees both. */
void nncrt_split(size_t n, double split, bool shuffle, uint64_t seed,
                 size_t **train, size_t *ntrain, size_t **val, size_t *nval);
/* ds->pixels for ds->n samples of h*w*c bytes; an error naming path when
   that does not fit in size_t or in this machine's physical memory (a
   header or a folder asking for more cannot exhaust it). */
int nncrt_dataset_alloc_pixels(nncrt_dataset *ds, const char *path);
/* Class names as a set: takes ownership of names[0..k). */
int nncrt_dataset_set_classes(nncrt_dataset *ds, const char *path, char **names, int k,
                              const nncrt_data_opts *o);

/* dataset_folder.c */
int nncrt_folder_load(nncrt_dataset *ds, const char *path, const nncrt_data_opts *o);

/* dataset_walk.c — the image files of a folder dataset, in Keras's
   sorted(os.walk()) order, each real folder walked once. */
typedef struct nncrt_file_list {
    char **paths;
    char **why;                 /* why a listed file cannot be read; NULL: it can */
    int *labels;
    uint64_t *sizes;
    int64_t *mtimes;            /* ns */
    size_t n, cap;
    size_t unsupported;         /* GIF/BMP files: Keras reads them, nnc does not */
    char *first_unsupported;
} nncrt_file_list;
void nncrt_file_list_free(nncrt_file_list *fl);
/* The non-hidden subfolders of root, sorted by name. */
int nncrt_class_dirs(const char *root, char ***out, int *k);
/* Lists the files of the class folders dirs[0..ndirs) under root, labelled
   by their index in names[0..k) (every folder is one of them). */
int nncrt_list_files(const char *root, char **names, int k, char **dirs, int ndirs,
                     const nncrt_data_opts *o, nncrt_file_list *fl);
/* A path as messages show it: one longer than 600 bytes as its start and
   its end. Caller frees. */
char *nncrt_path_for_message(const char *path);

/* dataset_cache.c — the decoded images of a folder in one file, valid for
   the key: the listed files' paths, sizes and mtimes, and the decode options. */
uint64_t nncrt_cache_key(char *const *paths, const int *labels, const uint64_t *sizes,
                         const int64_t *mtimes, size_t n, const nncrt_dataset *ds,
                         const nncrt_data_opts *o);
/* 0: ds filled from the cache. 1: absent, stale or corrupt (a note says which
   unless absent): decode and write it. 2: the file is something else: leave
   it alone (a warning says so). */
int nncrt_cache_read(const char *path, uint64_t key, nncrt_dataset *ds);
int nncrt_cache_write(const char *path, uint64_t key, const nncrt_dataset *ds);

/* dataset_dups.c — exact duplicates (equal decoded pixels) between two subsets. */
/* A 64-bit hash of n bytes (not cryptographic: change detection, lookup). */
uint64_t nncrt_hash64(const void *p, size_t n, uint64_t seed);
typedef struct nncrt_dup {
    size_t a, b;            /* sample of the first subset, sample of the second */
} nncrt_dup;
/* For every sample of B whose pixels equal those of some sample of A, one
   pair (the first such A). Returns the number of pairs; caller frees *out. */
size_t nncrt_find_duplicates(const nncrt_dataset *da, const size_t *ia, size_t na,
                             const nncrt_dataset *db, const size_t *ib, size_t nb,
                             nncrt_dup **out);
/* A sample's file, or "IDX sample #i" (buf holds the latter). */
const char *nncrt_sample_name(const nncrt_dataset *ds, size_t i, char *buf, size_t len);
/* The start-of-fit check: a warning with the count and the first pairs. */
void nncrt_warn_duplicates(const nncrt_dataset *train, const size_t *ti, size_t nt,
                           const nncrt_dataset *val, const size_t *vi, size_t nv);

/* dataset_idx.c */
int nncrt_idx_load(nncrt_dataset *ds, const char *path, const nncrt_data_opts *o);
/* The same from the bytes of the images and the labels file (gzipped or
   not); names[0] and names[1] name them in messages. */
int nncrt_idx_load_mem(nncrt_dataset *ds, const uint8_t *images, size_t images_size,
                       const uint8_t *labels, size_t labels_size, const char *const names[2],
                       const nncrt_data_opts *o);
/* The labels file that goes with an images file, or NULL if the name has
   neither "images-idx3" nor "-images" in it. Caller frees. */
char *nncrt_idx_labels_path(const char *images_path);

#endif
