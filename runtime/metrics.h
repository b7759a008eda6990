/* metrics.h — loss, accuracy and a confusion matrix accumulated over an
 * epoch or a whole evaluation, and the per-class precision, recall and F1
 * derived from it (argmax-based, so they mean what users expect for a
 * softmax classifier, unlike Keras' thresholded Precision/Recall). */
#ifndef NNCRT_METRICS_H
#define NNCRT_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct nncrt_metrics {
    int k;
    int64_t *confusion;     /* [k][k]: row = true class, column = predicted */
    double loss_sum;        /* sum of per-batch mean loss * n */
    int64_t n, correct;
    /* The spec's metrics: (nncrt_metrics_enable; all off after init). */
    int top_k;              /* sparse_top_k_categorical_accuracy's k; 0: off */
    int64_t topk_hits;
    bool binary;            /* one sigmoid output: class 1's column is the output */
    int64_t tp, fp, fn;     /* thresholded at 0.5, every (sample, class) cell (Keras) */
    bool keep_scores;       /* auc: every sample's p(class 1) and label */
    float *scores;
    unsigned char *positive;
    size_t nscores, cap;
} nncrt_metrics;

typedef struct nncrt_class_stats {
    double precision, recall, f1;
    int64_t support;        /* true samples of the class */
} nncrt_class_stats;

void nncrt_metrics_init(nncrt_metrics *m, int k);
void nncrt_metrics_reset(nncrt_metrics *m);
void nncrt_metrics_free(nncrt_metrics *m);
/* One batch: probs [n][k], true labels [n], the batch's mean loss. */
void nncrt_metrics_add(nncrt_metrics *m, const float *probs, const int *labels, int n, double mean_loss);
/* The same from predicted classes (a distributed fit gathers those). */
void nncrt_metrics_add_preds(nncrt_metrics *m, const int *preds, const int *labels, int n,
                             double mean_loss);
double nncrt_metrics_loss(const nncrt_metrics *m);       /* mean over samples */
double nncrt_metrics_accuracy(const nncrt_metrics *m);
nncrt_class_stats nncrt_metrics_class(const nncrt_metrics *m, int c);
/* Unweighted mean over the classes that occur as a true or a predicted
   label (scikit-learn's default label set), so a test set without some
   class is not penalised for it. */
nncrt_class_stats nncrt_metrics_macro(const nncrt_metrics *m);
int nncrt_argmax(const float *p, int k);   /* first maximum */

/* metrics: of the spec (metrics_fit.c). top_k 0: no top-k; binary: the
   model's one sigmoid output (probs hold 1 - p, p); auc: keep the scores. */
void nncrt_metrics_enable(nncrt_metrics *m, int top_k, bool binary, bool auc);
double nncrt_metrics_top_k(const nncrt_metrics *m);
/* Keras Precision()/Recall() at threshold 0.5: every class column's
   probability against the one-hot target (only the output's column for a
   binary model), counted over the whole epoch. */
double nncrt_metrics_precision(const nncrt_metrics *m);
double nncrt_metrics_recall(const nncrt_metrics *m);
/* Keras F1Score(threshold=None): the argmax is the prediction, from the
   confusion matrix; for a binary model the output > 0.5 (threshold 0.5).
   average: NNCRT_F1_* (per class: class c's value). */
double nncrt_metrics_f1(const nncrt_metrics *m, int average, int c);
/* The exact area under the ROC curve of p(class 1), ties counted half
   (scikit-learn's roc_auc_score); 0 without both classes. */
double nncrt_metrics_auc(const nncrt_metrics *m);
/* nncrt_metrics_add's part for the above. */
void nncrt_metrics_add_fit(nncrt_metrics *m, const float *probs, const int *labels, int n);

#endif
