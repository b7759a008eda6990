/* commands.h — the trainer's commands (fit, evaluate, predict, summary), the
 * options main.c parses for them, and the batch loop they share. Each
 * command returns the process exit status: 0 ok, 1 runtime error, 2 usage. */
#ifndef NNCRT_COMMANDS_H
#define NNCRT_COMMANDS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "dataset.h"
#include "metrics.h"
#include "nncrt.h"

typedef struct nncrt_opts {
    const char *data, *val, *weights, *init;
    int epochs;             /* 0: the spec's */
    size_t limit;           /* 0: all samples */
    double lr;              /* 0: the spec's */
    bool has_seed;
    uint64_t seed;
    int threads;            /* 0: OpenMP's default */
    int top;                /* predict: classes shown per image */
    bool json, resume;
    bool no_stop_on_nan;    /* fit: go on after a batch loss that is not finite */
    const char *cache;      /* fit/evaluate/scan: decoded-cache file */
    bool strict;            /* fit/evaluate/scan: an undecodable file is an error */
    int n;                  /* augment-preview: augmentations per row (0: 8) */
    const char *out;        /* augment-preview, plot: the PNG to write */
    const char *plot;       /* evaluate --plot: the confusion matrix PNG */
    const char *history;    /* plot --history: a history CSV instead of the weights' record */
    char **files;           /* predict: the images */
    int nfiles;
    int validation_freq;    /* fit: 0: the spec's */
    int steps_per_epoch;    /* fit: 0: the spec's */
    int verbose;            /* fit: NNCRT_VERBOSE_*; 0: the spec's */
    int initial_epoch;      /* fit: when has_initial_epoch; else the spec's */
    bool has_initial_epoch;
} nncrt_opts;

int nncrt_cmd_fit(const nncrt_model *m, const nncrt_opts *o);
int nncrt_cmd_evaluate(const nncrt_model *m, const nncrt_opts *o);
int nncrt_cmd_predict(const nncrt_model *m, const nncrt_opts *o);
int nncrt_cmd_summary(const nncrt_model *m, FILE *out);
int nncrt_cmd_scan(const nncrt_model *m, const nncrt_opts *o);
int nncrt_cmd_augment_preview(const nncrt_model *m, const nncrt_opts *o);
int nncrt_cmd_plot(const nncrt_model *m, const nncrt_opts *o);

/* batch.c — buffers for one batch and the evaluation loop over a sample set. */
typedef struct nncrt_batch {
    float *x;               /* [batch_size][in_h][in_w][in_c] */
    float *y;               /* [batch_size][num_classes] */
    float *probs;           /* [batch_size][num_classes] */
    int *labels;            /* [batch_size] */
    uint64_t *ids;          /* [batch_size]: sample ids for augment */
    float *class_weight;    /* [num_classes]: fit's training target rows; NULL: none */
} nncrt_batch;

void nncrt_batch_alloc(nncrt_batch *b, const nncrt_model *m);
void nncrt_batch_free(nncrt_batch *b);
/* Training augmentation of the n samples idx[0..n) now in b->x (their ids
   are their dataset indices), for epoch epoch; nothing without augment:. */
void nncrt_batch_augment(const nncrt_model *m, nncrt_batch *b, const size_t *idx, int n,
                         uint64_t seed, int epoch);
/* fit: class_weight: b->class_weight from the spec's weights, or (balanced)
   n / (n_classes * count) over the training samples idx[0..n) of ds, where
   n_classes counts the classes that have samples (scikit-learn's
   compute_class_weight); printed to info. Nothing without class_weight. */
int nncrt_batch_class_weights(nncrt_batch *b, const nncrt_model *m, const nncrt_dataset *ds,
                              const size_t *idx, size_t n, FILE *info);
/* Each of the n target rows in b->y times its class's weight (training only:
   validation and evaluate are unweighted, as Keras's class_weight). */
void nncrt_batch_weight_targets(const nncrt_model *m, nncrt_batch *b, int n);
/* Evaluation and predict: random_crop's inference window, else nothing. */
void nncrt_batch_infer(const nncrt_model *m, float *x, int n);
/* The size images are loaded at: data.image_size with random_crop, else the
   input's. */
int nncrt_data_h(const nncrt_model *m);
int nncrt_data_w(const nncrt_model *m);
/* Runs eval_batch over samples idx[0..n) of ds, accumulating into mt; the
   ranks of a distributed fit take a contiguous share of the batches each
   (dist_step.c). */
void nncrt_eval_indices(const nncrt_model *m, const nncrt_dataset *ds, const size_t *idx,
                        size_t n, nncrt_batch *b, nncrt_metrics *mt);
/* dist_step.c — fit's step over the ranks of a distributed fit (dist.h). */
typedef struct nncrt_dist_step {
    int share;              /* samples of a full batch per rank */
    float *all;             /* [ranks * num_params]: the gathered partial gradients */
    float *grads;           /* the model's */
    size_t posted;          /* grads from here on are on their way to the other ranks */
    size_t *slice_from;     /* [nslices]: the slices sent, [slice_from[j], previous one's) */
    int nslices;
    int overlap;            /* slices sent during the backward pass (NNCRT_MPI_OVERLAP) */
    /* A sharded update (apply_update_shard): rank r updates parameters
       [bound[r], bound[r+1]) and gathers the others'; all then holds the N
       partial sums of its shard, shard_max floats apart (its own slot
       unused: its own partial sum stays in grads). Its optimizer slots are
       current in its shard only until nncrt_dist_step_sync. */
    int sharded, slots_stale;
    size_t *bound, shard_max;
    size_t *counts;         /* [4 * ranks]: an exchange's counts and displacements */
    float **part;           /* [ranks]: where each rank's partial sum of a slice is */
    double *loss;           /* [batch_size]: this rank's samples' losses */
    void *send, *recv;      /* per-sample loss and prediction, this rank's and all */
    int *preds, *labels;    /* [batch_size]: the global batch's, after a step */
    double grad_secs, update_secs;   /* in compute_grads_share and apply_update */
} nncrt_dist_step;
/* The rank count fits the model's sample groups; an error message if not. */
int nncrt_dist_check(const nncrt_model *m);
void nncrt_dist_step_alloc(nncrt_dist_step *d, const nncrt_model *m);
void nncrt_dist_step_free(nncrt_dist_step *d);
/* One global batch, samples idx[0..n) of ds: this rank's share decoded and
   its gradient computed, the gradients combined, the same update on every
   rank. Returns the batch's mean loss; d->preds and d->labels get the whole
   batch's predicted and true classes. */
/* Every rank's optimizer slots whole again after sharded updates, before
   they are saved; called by every rank at the same point. */
void nncrt_dist_step_sync(const nncrt_model *m, nncrt_dist_step *d);
double nncrt_dist_train_step(const nncrt_model *m, nncrt_dist_step *d, nncrt_batch *b,
                             const nncrt_dataset *ds, const size_t *idx, int n, float lr,
                             uint64_t seed, int epoch);
/* nncrt_dataset_load, plus a note when the path came from the spec (key is
   then e.g. "data.train") saying which option reads other data. */
int nncrt_load_dataset(const nncrt_model *m, nncrt_dataset *ds, const char *path,
                       const char *spec_key, const char *option, const nncrt_data_opts *d);
/* Data options for the model's input shape and classes. */
nncrt_data_opts nncrt_model_data_opts(const nncrt_model *m, char *const *names, int nnames,
                                      size_t limit, FILE *info);

#endif
