/* metrics.h — loss, accuracy and a confusion matrix accumulated over an
 * epoch or a whole evaluation, and the per-class precision, recall and F1
 * derived from it (argmax-based, so they mean what users expect for a
 * softmax classifier, unlike Keras' thresholded Precision/Recall). */
#ifndef NNCRT_METRICS_H
#define NNCRT_METRICS_H

#include <stdint.h>

typedef struct nncrt_metrics {
    int k;
    int64_t *confusion;     /* [k][k]: row = true class, column = predicted */
    double loss_sum;        /* sum of per-batch mean loss * n */
    int64_t n, correct;
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

#endif
