/* dataset.h — labelled images decoded once into memory as uint8 HWC at the
 * model's input shape. Two sources: a folder of class folders of PNG files
 * (like keras.utils.image_dataset_from_directory) or an IDX images file with
 * its labels file beside it (MNIST style, gzipped or not). */
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
} nncrt_dataset;

typedef struct nncrt_data_opts {
    int h, w, c;                        /* the model's input shape */
    size_t limit;                       /* keep the first limit samples; 0 = all */
    const char *const *class_names;     /* label order; NULL = sorted folders / "0".."K-1" */
    int num_class_names;
    int num_classes;                    /* what the model expects */
    FILE *info;                         /* "Found N files..." lines; NULL = silent */
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
/* Class names as a set: takes ownership of names[0..k). */
int nncrt_dataset_set_classes(nncrt_dataset *ds, const char *path, char **names, int k,
                              const nncrt_data_opts *o);

/* dataset_folder.c */
int nncrt_folder_load(nncrt_dataset *ds, const char *path, const nncrt_data_opts *o);

/* dataset_idx.c */
int nncrt_idx_load(nncrt_dataset *ds, const char *path, const nncrt_data_opts *o);
/* The labels file that goes with an images file, or NULL if the name has
   neither "images-idx3" nor "-images" in it. Caller frees. */
char *nncrt_idx_labels_path(const char *images_path);

#endif
