/* test_export.c WEIGHTS IMAGES N — an exported classifier (nnc --predict
 * --prefix exp, linked as its own C99 object) against the trainer it came
 * from (linked with -DNNC_NO_MAIN): on the first N images of an IDX file, the
 * same class and probabilities within TOL (default 1e-5; 0 asks for bitwise
 * equality), and exp_predict_r from two threads with two arenas gives what
 * exp_predict gives. Prints the worst difference; exits non-zero on any
 * mismatch or when no image was compared. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classifier.h"
#include "dataset.h"
#include "nncrt.h"
#include "weights.h"

extern const nncrt_model nnc_model;

#define IN (EXP_H_IN * EXP_W_IN * EXP_C_IN)

typedef struct job {
    const float *x;
    float *probs;
    int *cls;
    size_t from, to;
    void *arena;
} job;

static void *run_job(void *arg)
{
    job *j = arg;
    for (size_t i = j->from; i < j->to; i++)
        j->cls[i] = exp_predict_r((const float(*)[EXP_W_IN][EXP_C_IN])(j->x + i * IN),
                                  j->probs + i * EXP_CLASSES, j->arena);
    return NULL;
}

/* Every image through exp_predict_r on two threads, each with its arena. */
static void predict_threads(const float *x, size_t n, float *probs, int *cls)
{
    static unsigned char arenas[2][EXP_ARENA_BYTES + 1] __attribute__((aligned(64)));
    job jobs[2] = {{x, probs, cls, 0, n / 2, arenas[0]}, {x, probs, cls, n / 2, n, arenas[1]}};
    pthread_t t[2];
    for (int k = 0; k < 2; k++)
        pthread_create(&t[k], NULL, run_job, &jobs[k]);
    for (int k = 0; k < 2; k++)
        pthread_join(t[k], NULL);
}

static int load(const char *weights, const char *images, size_t limit, nncrt_dataset *ds)
{
    nncrt_weights_meta meta;
    if (nncrt_weights_load(&nnc_model, weights, false, &meta) != 0)
        return -1;
    nncrt_weights_meta_free(&meta);
    nncrt_data_opts o = {.h = EXP_H_IN, .w = EXP_W_IN, .c = EXP_C_IN, .limit = limit,
                         .num_classes = EXP_CLASSES};
    return nncrt_dataset_load(ds, images, &o);
}

int main(int argc, char **argv)
{
    if (argc != 4 && argc != 5) {
        fprintf(stderr, "usage: %s WEIGHTS IMAGES N [TOL]\n", argv[0]);
        return 2;
    }
    double tol = argc == 5 ? atof(argv[4]) : 1e-5;
    nncrt_dataset ds;
    if (load(argv[1], argv[2], (size_t)atol(argv[3]), &ds) != 0)
        return 1;
    size_t n = ds.n, *idx = malloc(n * sizeof *idx);
    float *x = malloc(n * IN * sizeof *x), *y = malloc(n * EXP_CLASSES * sizeof *y);
    float *pt = malloc(n * EXP_CLASSES * sizeof *pt), *pe = malloc(n * EXP_CLASSES * sizeof *pe);
    float *pr = malloc(n * EXP_CLASSES * sizeof *pr);
    int *labels = malloc(n * sizeof *labels), *ce = malloc(n * sizeof *ce), *cr = malloc(n * sizeof *cr);
    for (size_t i = 0; i < n; i++)
        idx[i] = i;
    nncrt_dataset_batch(&ds, idx, (int)n, x, y, labels);
    for (size_t at = 0; at < n; at += (size_t)nnc_model.batch_size) { /* n <= batch a call */
        int k = (int)(n - at < (size_t)nnc_model.batch_size ? n - at : (size_t)nnc_model.batch_size);
        nnc_model.predict(x + at * IN, k, pt + at * EXP_CLASSES);
    }
    double worst = 0;
    size_t other_class = 0, right = 0;
    for (size_t i = 0; i < n; i++) {
        ce[i] = exp_predict((const float(*)[EXP_W_IN][EXP_C_IN])(x + i * IN), pe + i * EXP_CLASSES);
        int ct = 0;
        for (int k = 0; k < EXP_CLASSES; k++) {
            double d = fabs((double)pe[i * EXP_CLASSES + k] - pt[i * EXP_CLASSES + k]);
            worst = d > worst ? d : worst;
            ct = pt[i * EXP_CLASSES + k] > pt[i * EXP_CLASSES + ct] ? k : ct;
        }
        other_class += ct != ce[i];
        right += ce[i] == labels[i];
    }
    predict_threads(x, n, pr, cr);
    int threads_same = !memcmp(pr, pe, n * EXP_CLASSES * sizeof *pr) &&
                       !memcmp(cr, ce, n * sizeof *cr);
    printf("%zu images: worst probability difference %.3g (allowed %.3g), %zu other classes, "
           "accuracy %.4f; two threads with two arenas %s\n", n, worst, tol, other_class,
           n ? (double)right / n : 0.0, threads_same ? "give the same bits" : "DIFFER");
    int ok = n > 0 && worst <= tol && !other_class && threads_same;
    nncrt_dataset_free(&ds);
    free(idx), free(x), free(y), free(pt), free(pe), free(pr), free(labels), free(ce), free(cr);
    return ok ? 0 : 1;
}
